//! Printing normal forms in input syntax (terms in a fixed order, factors
//! last, sums with readable bound names) and folding products back into the
//! `let` names they stand for. Owns no arithmetic.

use std::collections::BTreeMap;

use egg::Symbol;
use num_rational::BigRational;
use num_traits::{One, Signed};

use super::{Atom, AtomId, Math, Monomial, Normalizer, Poly, Rat, Res};

impl Normalizer<'_> {
    /// Writes products of atoms that a `let` name stands for as that name
    /// (`exp(a1)/S` as `y1`), wherever the product occurs whole in a term.
    pub fn fold_names(&mut self, r: &Rat) -> Res<Rat> {
        let names: Vec<Symbol> = self.defs.keys().copied().collect();
        let indices: Vec<Symbol> = self.free_of(r).into_iter().collect();
        let mut out = self.fold_in_sums(r)?;
        // Only a product whose every atom occurs in the term can fold: a
        // name is passed over at the cost of a look-up, not of a rebuild.
        let atoms_of = |p: &Poly, count: usize| -> Vec<bool> {
            let mut present = vec![false; count];
            for (a, _) in p.0.keys().flat_map(|m| m.0.iter()) {
                present[*a] = true;
            }
            present
        };
        let mut present = atoms_of(&out.num, self.atoms.len());
        for (i, name) in names.into_iter().enumerate() {
            // A thousand names are a thousand look-ups: mind the clock.
            self.charge(1)?;
            if i % 64 == 0 {
                self.check_deadline()?;
            }
            if self.substitution.contains_key(&name) {
                continue;
            }
            // `y[k]` for each free index `k` when `y` is defined with an index.
            let def = &self.defs[&name];
            let instances: Vec<(Option<Monomial>, Atom)> =
                if matches!(def.as_ref().last(), Some(Math::Lambda(_)))
                    && crate::index::is_indexed(def)
                {
                    let mut v = Vec::new();
                    for k in &indices {
                        let value = self.name_element(name, *k)?;
                        v.push((foldable(&value, &present), Atom::NameElement(name, *k)));
                    }
                    v
                } else {
                    let m = match self.names.get(&name) {
                        Some(value) => foldable(value, &present),
                        None => foldable(&self.variable(name)?, &present),
                    };
                    vec![(m, Atom::Name(name))]
                };
            for (m, atom) in instances {
                let Some(m) = m else {
                    continue;
                };
                self.charge(out.num.len() + 1)?;
                let id = self.atom(atom);
                let mut folded = Poly::zero();
                for (term, coef) in &out.num.0 {
                    // `exp(a1)*exp(a2)/S^2` holds `exp(a1)/S` whole: same signs, at least as large.
                    let fits = m.0.iter().all(|(a, e)| {
                        let have = term.exponent(*a);
                        have.signum() == e.signum() && have.abs() >= e.abs()
                    });
                    let term = if fits {
                        term.mul(&m.inv()).mul(&Monomial::atom(id, 1))
                    } else {
                        term.clone()
                    };
                    folded.add_term(term, coef.clone());
                }
                out.num = folded;
                present = atoms_of(&out.num, self.atoms.len());
            }
        }
        Ok(out)
    }

    /// The bodies of the sums in `r` folded too (for printing only: the
    /// atoms made here are not normal forms).
    pub(super) fn fold_in_sums(&mut self, r: &Rat) -> Res<Rat> {
        let has_sum = |n: &Self| {
            r.num.0.keys().any(|m| {
                m.0.iter()
                    .any(|(a, _)| matches!(n.atoms[*a], Atom::Sum(..)))
            })
        };
        if !has_sum(self) {
            return Ok(r.clone());
        }
        let mut num = Poly::zero();
        for (m, c) in r.num.0.clone() {
            let mut term = Monomial::one();
            for (a, e) in m.0 {
                let Atom::Sum(body, bound) = self.atoms[a].clone() else {
                    term = term.mul(&Monomial::atom(a, e));
                    continue;
                };
                let folded = self.fold_names(&body)?;
                let id = self.atom(Atom::Sum(folded, bound));
                if let Some(hint) = self.sum_hints.get(&a).copied() {
                    self.sum_hints.entry(id).or_insert(hint);
                }
                term = term.mul(&Monomial::atom(id, e));
            }
            num.add_term(term, c);
        }
        Ok(Rat {
            num,
            den: r.den.clone(),
        })
    }

    /// Like [`Normalizer::print`], with a monomial common to every term
    /// factored out: `(t1 + t2 + t3)/S`.
    pub fn print_factored(&self, r: &Rat) -> String {
        // Only factors that every term has with the same exponent.
        let first = r.num.0.keys().next().cloned().unwrap_or_default();
        let content = Monomial(
            first
                .0
                .iter()
                .copied()
                .filter(|(a, e)| r.num.0.keys().all(|m| m.exponent(*a) == *e))
                .collect(),
        );
        if r.num.len() < 2 || content.is_one() || !r.den.is_empty() {
            return self.print(r);
        }
        let rest = Rat {
            num: r.num.shift(&content.inv()),
            den: BTreeMap::new(),
        };
        let (_, body) = self.print_term(&content, &BigRational::one());
        let inner = self.print(&rest);
        match body.strip_prefix("1/") {
            Some(down) => format!("({inner})/{down}"),
            None => format!("({inner})*{body}"),
        }
    }

    /// The normal form in input syntax: terms in a fixed order, factors last.
    pub fn print(&self, r: &Rat) -> String {
        let num = self.print_poly(&r.num);
        if r.den.is_empty() {
            return num;
        }
        let factors: Vec<String> = r
            .den
            .iter()
            .map(|(f, e)| {
                let p = format!("({})", self.print_poly(&self.factors[*f]));
                if *e == 1 {
                    p
                } else {
                    format!("{p}^{e}")
                }
            })
            .collect();
        let den = if factors.len() == 1 {
            factors[0].clone()
        } else {
            format!("({})", factors.join("*"))
        };
        let num = if r.num.len() > 1 {
            format!("({num})")
        } else {
            num
        };
        format!("{num}/{den}")
    }

    pub(super) fn print_poly(&self, p: &Poly) -> String {
        if p.is_zero() {
            return "0".into();
        }
        let mut terms: Vec<(bool, String, bool, String)> =
            p.0.iter()
                .map(|(m, c)| {
                    let (neg, body) = self.print_term(m, c);
                    (m.is_one(), self.print_monomial_key(m), neg, body)
                })
                .collect();
        // Positive terms first, constants last within each sign: `y1 - t1`, `1 - t1 - t2`.
        terms.sort_by_cached_key(|t| (t.2, t.0, natural_key(&t.1)));
        let mut out = String::new();
        for (i, (_, _, neg, body)) in terms.iter().enumerate() {
            match (i, neg) {
                (0, true) => out.push_str(&format!("-{body}")),
                (0, false) => out.push_str(body),
                (_, true) => out.push_str(&format!(" - {body}")),
                (_, false) => out.push_str(&format!(" + {body}")),
            }
        }
        out
    }

    pub(super) fn print_monomial_key(&self, m: &Monomial) -> String {
        let mut parts: Vec<String> =
            m.0.iter()
                .map(|(a, e)| format!("{}^{e}", self.print_atom(*a)))
                .collect();
        parts.sort_by_cached_key(|s| factor_key(s));
        parts.join("*")
    }

    /// One term as `(is_negative, text of its absolute value)`.
    pub(super) fn print_term(&self, m: &Monomial, c: &BigRational) -> (bool, String) {
        let neg = c.is_negative();
        let c = c.abs();
        let mut up: Vec<String> = Vec::new();
        let mut down: Vec<String> = Vec::new();
        for &(a, e) in &m.0 {
            // A root is a power: it needs parentheses only under another power.
            let text = |k: i64| {
                if k == 1 {
                    self.print_atom(a)
                } else {
                    format!("{}^{k}", self.print_atom_operand(a))
                }
            };
            if e > 0 {
                up.push(text(e));
            } else {
                down.push(text(-e));
            }
        }
        up.sort_by_cached_key(|s| factor_key(s));
        down.sort_by_cached_key(|s| factor_key(s));
        let numer = c.numer().clone();
        let denom = c.denom().clone();
        if !numer.is_one() || up.is_empty() {
            up.insert(0, numer.to_string());
        }
        if !denom.is_one() {
            down.insert(0, denom.to_string());
        }
        let mut s = up.join("*");
        match down.len() {
            0 => {}
            1 => s = format!("{s}/{}", down[0]),
            _ => s = format!("{s}/({})", down.join("*")),
        }
        (neg, s)
    }

    pub(super) fn print_atom_operand(&self, a: AtomId) -> String {
        match &self.atoms[a] {
            Atom::Root(..) => format!("({})", self.print_atom(a)),
            _ => self.print_atom(a),
        }
    }

    pub(super) fn print_atom(&self, a: AtomId) -> String {
        let key = (
            a,
            self.print_scope.borrow().clone(),
            self.sum_hints.get(&a).copied(),
        );
        if let Some(text) = self.printed.borrow().get(&key) {
            return text.clone();
        }
        let text = self.print_atom_uncached(a);
        self.printed.borrow_mut().insert(key, text.clone());
        text
    }

    fn print_atom_uncached(&self, a: AtomId) -> String {
        match &self.atoms[a] {
            Atom::Var(v) | Atom::Name(v) => v.to_string(),
            Atom::Exp(r) => format!("exp({})", self.print(r)),
            Atom::Log(r) => format!("log({})", self.print(r)),
            Atom::Sqrt(r) => format!("sqrt({})", self.print(r)),
            Atom::Func(name, args) => {
                let args: Vec<String> = args.iter().map(|r| self.print(r)).collect();
                format!("{name}({})", args.join(", "))
            }
            Atom::Root(r, c) => {
                let base = self.print(r);
                // `^` is right-associative: `x^2` as a base needs parentheses too.
                let base = if r.is_monomial() && !base.contains(['/', '*', '-', '^', ' ']) {
                    base
                } else {
                    format!("({base})")
                };
                format!("{base}^({c})")
            }
            Atom::Element(f, i) | Atom::NameElement(f, i) => {
                format!("{f}[{}]", self.index_name(*i))
            }
            Atom::Delta(i, k) => format!("delta({}, {})", self.index_name(*i), self.index_name(*k)),
            Atom::Sum(body, _)
                if body.as_constant().is_some_and(|c| c.is_one()) && self.classes_named() =>
            {
                "n".to_string()
            }
            Atom::Sum(body, bound) => self.print_sum(a, body, *bound),
            Atom::Opaque(s, _) => s.clone(),
        }
    }
}

/// Plain names before function applications, then natural order: `t1*exp(a1)`.
fn factor_key(s: &str) -> (bool, Vec<(String, u64)>) {
    (s.contains('('), natural_key(s))
}

/// A sort key that orders `a2` before `a10`.
pub fn natural_key(s: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut digits = String::new();
    for ch in s.chars() {
        if ch.is_ascii_digit() {
            digits.push(ch);
        } else {
            if !digits.is_empty() {
                out.push((
                    std::mem::take(&mut text),
                    digits.parse().unwrap_or(u64::MAX),
                ));
                digits.clear();
            }
            text.push(ch);
        }
    }
    out.push((text, digits.parse().unwrap_or(0)));
    out
}

/// Compares names so that `t2` comes before `t10`.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    natural_key(a).cmp(&natural_key(b))
}

/// The product a name's value is, when it is one that folding writes as the
/// name (a single monomial of at least two atoms, coefficient one, no
/// denominator) and all its atoms are `present` in the term.
fn foldable(value: &Rat, present: &[bool]) -> Option<Monomial> {
    let (m, c) = value.num.as_term()?;
    (value.den.is_empty()
        && c.is_one()
        && m.0.len() >= 2
        && m.0.iter().all(|(a, _)| present.get(*a) == Some(&true)))
    .then(|| m.clone())
}
