//! Sums over classes, Kronecker deltas and indexed atoms in normal forms.
//!
//! `sum(j, body)` over `j = 1..n` (symbolic `n >= 1`) is normalized by rules
//! that each hold for every `n` and every value of the other indices:
//! - `sum-linear`: a sum of terms sums term by term;
//! - `sum-factor`: a factor free of `j` moves out of the sum;
//! - `sum-delta`: `sum(j, delta(j, k) * f(j)) = f(k)`;
//! - `sum-const`: a term free of `j` sums to `sum(j, 1)` (that is `n`) times itself;
//! - `delta-subst`: outside sums, `delta(k, m) * f(m) = delta(k, m) * f(k)` (both
//!   sides are 0 unless `k = m`), and `delta^e = delta` for `e >= 1`.
//!
//! What is left is an atom `sum(#d, m)` whose body `m` is one monomial (over
//! the factors that depend on `j`), with the bound index renamed to the
//! canonical `#d` (`d` one more than the depth of the sums inside), so two
//! sums that differ only in the name of their bound index are the same atom.
//! Printing picks a readable name that captures nothing.

use std::collections::BTreeSet;

use egg::Symbol;
use num_rational::BigRational;
use num_traits::One;

use super::{Atom, AtomId, Math, Monomial, Normalizer, Poly, Rat, Res, Sign};

/// The index-rule names a normalization used, for the proof's step labels.
pub const SUM_RULES: &[&str] = &[
    "sum-linear",
    "sum-factor",
    "sum-delta",
    "sum-const",
    "delta-subst",
];

/// Atoms with their exponents.
type Factors = Vec<(AtomId, i64)>;

/// Whether `s` is a canonical bound index (`#1`, `#2`, ...), which no input can spell.
fn is_canonical(s: Symbol) -> bool {
    s.as_str().starts_with('#')
}

impl Normalizer<'_> {
    /// The free index names of `atom`, from its parts.
    pub(super) fn free_of_atom(&self, atom: &Atom) -> BTreeSet<Symbol> {
        match atom {
            Atom::Var(_) | Atom::Name(_) => BTreeSet::new(),
            Atom::Opaque(_, free) => free.clone(),
            Atom::Element(_, indices) => indices.iter().copied().collect(),
            Atom::NameElement(_, i) => BTreeSet::from([*i]),
            Atom::Delta(i, k) => BTreeSet::from([*i, *k]),
            Atom::Exp(r) | Atom::Log(r) | Atom::Sqrt(r) | Atom::Root(r, _) => self.free_of(r),
            Atom::Func(_, args) => args.iter().flat_map(|r| self.free_of(r)).collect(),
            Atom::Sum(body, b) => {
                let mut s = self.free_of(body);
                s.remove(b);
                s
            }
        }
    }

    /// The free index names of `r`.
    pub(super) fn free_of(&self, r: &Rat) -> BTreeSet<Symbol> {
        let mut out = BTreeSet::new();
        for m in r.num.0.keys() {
            for (a, _) in &m.0 {
                out.extend(self.atom_free[*a].iter().copied());
            }
        }
        for f in r.den.keys() {
            out.extend(self.factor_free[*f].iter().copied());
        }
        out
    }

    fn depends(&self, r: &Rat, j: Symbol) -> bool {
        r.num
            .0
            .keys()
            .any(|m| m.0.iter().any(|(a, _)| self.atom_free[*a].contains(&j)))
            || r.den.keys().any(|f| self.factor_free[*f].contains(&j))
    }

    /// `a[j]` (or `W[i, j]`) of a free family.
    pub(super) fn element(&mut self, family: Symbol, indices: Vec<Symbol>) -> Rat {
        self.atom_rat(Atom::Element(family, indices), 1)
    }

    /// `y[j]` of a family defined by `let y[i] = ...`: unfolded like a name,
    /// or kept whole as an atom when names stay whole.
    pub(super) fn name_element(&mut self, family: Symbol, j: Symbol) -> Res<Rat> {
        if let Some(r) = self.element_names.get(&(family, j)) {
            return Ok(r.clone());
        }
        let Some(def) = self.defs.get(&family) else {
            return Ok(self.element(family, vec![j]));
        };
        let Some(body) = crate::index::instantiate(def, j) else {
            return Ok(self.element(family, vec![j]));
        };
        let value = self.normalize(&body)?;
        let r = self.whole_or_unfolded(value, Atom::NameElement(family, j));
        self.element_names.insert((family, j), r.clone());
        Ok(r)
    }

    /// `delta(j, k)`: `1` when the names are equal, else an atom (symmetric).
    pub(super) fn delta(&mut self, j: Symbol, k: Symbol) -> Rat {
        if j == k {
            return Rat::constant(BigRational::one());
        }
        let (a, b) = if j.as_str() <= k.as_str() {
            (j, k)
        } else {
            (k, j)
        };
        let id = self.atom(Atom::Delta(a, b));
        self.atom_signs.insert(id, Sign::NON_NEG);
        self.has_deltas = true;
        Rat {
            num: Poly::term(Monomial::atom(id, 1), BigRational::one()),
            den: Default::default(),
        }
    }

    /// Rule `delta-subst` on every term of `r`: in a term with `delta(p, q)`,
    /// the other factors have `q` replaced by `p` (the names in order) and the
    /// delta's power is 1, unless the denominator mentions `q`. Applied to whole
    /// normal forms (and sum bodies), never to partial products, so that the
    /// result does not depend on the order the term was built in.
    pub(super) fn reduce_delta(&mut self, r: Rat) -> Res<Rat> {
        self.reduce_delta_except(r, None)
    }

    /// [`Normalizer::reduce_delta`], leaving deltas of `bound` to `sum-delta`.
    fn reduce_delta_except(&mut self, r: Rat, bound: Option<Symbol>) -> Res<Rat> {
        if !self.has_deltas || self.reducing_deltas {
            return Ok(r);
        }
        self.reducing_deltas = true;
        let out = self.reduce_delta_terms(r, bound);
        self.reducing_deltas = false;
        out
    }

    fn reduce_delta_terms(&mut self, mut r: Rat, bound: Option<Symbol>) -> Res<Rat> {
        for _ in 0..10_000 {
            let den_mentions =
                |n: &Self, q: Symbol| r.den.keys().any(|f| n.factor_free[*f].contains(&q));
            let found = r.num.0.iter().find_map(|(m, c)| {
                m.0.iter().find_map(|&(a, e)| match self.atoms[a] {
                    Atom::Delta(p, q) if e > 0 && bound != Some(p) && bound != Some(q) => {
                        let others =
                            m.0.iter()
                                .any(|(b, _)| *b != a && self.atom_free[*b].contains(&q));
                        ((others || e > 1) && !den_mentions(self, q))
                            .then(|| (m.clone(), c.clone(), a, p, q))
                    }
                    _ => None,
                })
            });
            let Some((m, c, a, p, q)) = found else {
                return Ok(r);
            };
            self.used_rules.insert("delta-subst");
            r.num.0.remove(&m);
            let rest = Rat {
                num: Poly::term(
                    Monomial(m.0.iter().copied().filter(|(b, _)| *b != a).collect()),
                    c,
                ),
                den: Default::default(),
            };
            let renamed = self.rename_index(&rest, q, p)?;
            let delta = Rat {
                num: Poly::term(Monomial::atom(a, 1), BigRational::one()),
                den: Default::default(),
            };
            let term = self.mul(&renamed, &delta)?;
            let term = Rat {
                num: term.num,
                den: {
                    let mut d = term.den;
                    for (f, e) in &r.den {
                        *d.entry(*f).or_insert(0) += e;
                    }
                    d
                },
            };
            r = self.add_owned(r, &term)?;
        }
        Err(super::AlgebraError::Limit)
    }

    /// `sum(j, body)` over `j = 1..n`.
    pub(super) fn sum_over(&mut self, body: &Rat, j: Symbol, expand: bool) -> Res<Rat> {
        let reduced = self.reduce_delta_except(body.clone(), Some(j))?;
        let body = &reduced;
        if body.is_zero() {
            return Ok(Rat::default());
        }
        if !expand {
            return self.sum_atom(body, j);
        }
        if body.num.len() > 1 {
            self.used_rules.insert("sum-linear");
        }
        let (den_j, den_0): (Vec<_>, Vec<_>) = body
            .den
            .iter()
            .map(|(f, e)| (*f, *e))
            .partition(|(f, _)| self.factor_free[*f].contains(&j));
        let mut total = Rat::default();
        for (m, c) in body.num.0.clone() {
            self.charge(1)?;
            let (inner, outer): (Factors, Factors) =
                m.0.iter()
                    .copied()
                    .partition(|(a, _)| self.atom_free[*a].contains(&j));
            let outside = Rat {
                num: Poly::term(Monomial(outer), c),
                den: den_0.iter().copied().collect(),
            };
            let inside = Rat {
                num: Poly::term(Monomial(inner), BigRational::one()),
                den: den_j.iter().copied().collect(),
            };
            if !outside.as_constant().is_some_and(|c| c.is_one()) && inside.as_constant().is_none()
            {
                self.used_rules.insert("sum-factor");
            }
            let summed = self.sum_term(&inside, j)?;
            let t = self.mul(&outside, &summed)?;
            total = self.add_owned(total, &t)?;
        }
        Ok(total)
    }

    /// The sum over `j` of one term that depends on `j` throughout (or is `1`).
    fn sum_term(&mut self, inside: &Rat, j: Symbol) -> Res<Rat> {
        if inside.as_constant().is_some() {
            self.used_rules.insert("sum-const");
            return self.sum_atom(inside, j);
        }
        let (m, _) = inside.num.as_term().expect("one term");
        let delta = m.0.iter().find_map(|(a, e)| match &self.atoms[*a] {
            Atom::Delta(p, q) if *e > 0 && (*p == j || *q == j) => {
                Some((*a, if *p == j { *q } else { *p }))
            }
            _ => None,
        });
        if let Some((a, k)) = delta {
            // Only over one range: `sum(i, delta(i, k))` is 1 only when `k` lies in `i`'s range.
            if self.renamable(inside, j) && self.ranges.same_range(j, k) {
                // sum(j, delta(j, k) * g(j)) = g(k); delta^e = delta for e >= 1.
                self.used_rules.insert("sum-delta");
                let rest = Monomial(m.0.iter().copied().filter(|(b, _)| *b != a).collect());
                let g = Rat {
                    num: Poly::term(rest, BigRational::one()),
                    den: inside.den.clone(),
                };
                return self.rename_index(&g, j, k);
            }
        }
        self.sum_atom(inside, j)
    }

    /// The atom `sum(#d, body)`, or its value when an assumption gave one.
    fn sum_atom(&mut self, body: &Rat, j: Symbol) -> Res<Rat> {
        if !self.renamable(body, j) {
            let text = format!("sum({j}, {})", self.print(body));
            let mut free = self.free_of(body);
            free.remove(&j);
            return Ok(self.atom_rat(Atom::Opaque(text, free), 1));
        }
        // Fresh for the body: deeper than the sums inside it and than the
        // canonical indices of enclosing sums it mentions (not its own `j`,
        // canonical already when a sum is renamed: it must stay the same atom).
        let outer = self
            .free_of(body)
            .iter()
            .filter(|s| **s != j)
            .filter_map(|s| crate::index::canonical_depth(*s))
            .max()
            .unwrap_or(0);
        let depth = self.sum_depth(body).max(outer) + 1;
        // The range's suffix keeps sums over two ranges apart (`sum(i, 1)` is `m`, `sum(j, 1)` is `n`).
        let bound = Symbol::from(format!("#{depth}{}", self.ranges.suffix(j)));
        let canonical = self.rename_index(body, j, bound)?;
        let id = self.atom(Atom::Sum(canonical, bound));
        if !is_canonical(j) {
            self.sum_hints.entry(id).or_insert(j);
        }
        if let Some(value) = self.atom_substitution.get(&id) {
            return Ok(value.clone());
        }
        Ok(Rat {
            num: Poly::term(Monomial::atom(id, 1), BigRational::one()),
            den: Default::default(),
        })
    }

    /// The atoms of `r`'s numerator and denominator factors (with repeats).
    fn atoms_of(&self, r: &Rat) -> Vec<AtomId> {
        let mut atoms: Vec<AtomId> = r
            .num
            .0
            .keys()
            .flat_map(|m| m.0.iter().map(|(a, _)| *a))
            .collect();
        for f in r.den.keys() {
            atoms.extend(
                self.factors[*f]
                    .0
                    .keys()
                    .flat_map(|m| m.0.iter().map(|(a, _)| *a)),
            );
        }
        atoms
    }

    /// How deeply sums nest inside `r`.
    fn sum_depth(&self, r: &Rat) -> usize {
        let mut depth = 0;
        let atoms = self.atoms_of(r);
        for a in atoms {
            let d = match &self.atoms[a] {
                Atom::Sum(_, bound) => crate::index::canonical_depth(*bound).unwrap_or(1),
                Atom::Exp(r) | Atom::Log(r) | Atom::Sqrt(r) | Atom::Root(r, _) => self.sum_depth(r),
                Atom::Func(_, args) => args.iter().map(|r| self.sum_depth(r)).max().unwrap_or(0),
                _ => 0,
            };
            depth = depth.max(d);
        }
        depth
    }

    /// Whether every atom of `r` that depends on `j` can be rewritten with another index.
    fn renamable(&self, r: &Rat, j: Symbol) -> bool {
        let atoms = self.atoms_of(r);
        atoms.into_iter().all(|a| {
            !self.atom_free[a].contains(&j)
                || match &self.atoms[a] {
                    Atom::Opaque(..) => false,
                    Atom::Exp(r) | Atom::Log(r) | Atom::Sqrt(r) | Atom::Root(r, _) => {
                        self.renamable(r, j)
                    }
                    Atom::Sum(body, _) => self.renamable(body, j),
                    Atom::Func(_, args) => args.iter().all(|r| self.renamable(r, j)),
                    _ => true,
                }
        })
    }

    /// `r` with the free index `from` replaced by `to` (neither a bound index of `r`).
    pub(super) fn rename_index(&mut self, r: &Rat, from: Symbol, to: Symbol) -> Res<Rat> {
        if from == to || !self.depends(r, from) {
            return Ok(r.clone());
        }
        let mut total = Rat::default();
        for (m, c) in r.num.0.clone() {
            let mut term = Rat::constant(c);
            for (a, e) in m.0 {
                let factor = if self.atom_free[a].contains(&from) {
                    let base = self.rename_atom(a, from, to)?;
                    self.powi(&base, e)?
                } else {
                    Rat {
                        num: Poly::term(Monomial::atom(a, e), BigRational::one()),
                        den: Default::default(),
                    }
                };
                term = self.mul(&term, &factor)?;
            }
            total = self.add_owned(total, &term)?;
        }
        for (f, e) in r.den.clone() {
            let poly = self.factors[f].clone();
            let mut value = Rat::default();
            for (m, c) in poly.0 {
                let one = Rat {
                    num: Poly::term(m, c),
                    den: Default::default(),
                };
                let renamed = self.rename_index(&one, from, to)?;
                value = self.add_owned(value, &renamed)?;
            }
            let inv = self.inv(&value)?;
            let p = self.powi(&inv, i64::from(e))?;
            total = self.mul(&total, &p)?;
        }
        Ok(total)
    }

    fn rename_atom(&mut self, a: AtomId, from: Symbol, to: Symbol) -> Res<Rat> {
        let swap = |s: Symbol| if s == from { to } else { s };
        Ok(match self.atoms[a].clone() {
            Atom::Element(f, indices) => self.element(f, indices.into_iter().map(swap).collect()),
            Atom::NameElement(f, i) => self.name_element(f, swap(i))?,
            Atom::Delta(p, q) => self.delta(swap(p), swap(q)),
            Atom::Exp(r) => {
                let r = self.rename_index(&r, from, to)?;
                self.exp(&r)?
            }
            Atom::Log(r) => {
                let r = self.rename_index(&r, from, to)?;
                self.log(&r)?
            }
            Atom::Sqrt(r) => {
                let r = self.rename_index(&r, from, to)?;
                self.sqrt(&r)?
            }
            Atom::Root(r, c) => {
                let r = self.rename_index(&r, from, to)?;
                self.atom_rat(Atom::Root(r, c), 1)
            }
            Atom::Sum(body, b) => {
                let body = self.rename_index(&body, from, to)?;
                self.sum_over(&body, b, self.expand_sums)?
            }
            Atom::Func(name, args) => {
                let mut renamed = Vec::with_capacity(args.len());
                for r in &args {
                    renamed.push(self.rename_index(r, from, to)?);
                }
                self.function(name, renamed)?
            }
            Atom::Var(_) | Atom::Name(_) | Atom::Opaque(..) => {
                self.atom_rat(self.atoms[a].clone(), 1)
            }
        })
    }

    /// The sign of `sum(#d, body)`: a sum of `n >= 1` values each of sign `s`.
    pub(super) fn sum_sign(&self, body: &Rat) -> Sign {
        let s = self.sign(body);
        s + s
    }

    /// If `p = 0` can be solved for a sum free of indices that occurs linearly
    /// with a constant coefficient (`sum(j, t[j]) - 1`), that sum and its value.
    pub(super) fn solve_for_sum(&self, p: &Rat) -> Option<(AtomId, Rat)> {
        let mut candidates: Vec<AtomId> = Vec::new();
        for m in p.num.0.keys() {
            for &(a, e) in &m.0 {
                if e == 1
                    && m.0.len() == 1
                    && matches!(self.atoms[a], Atom::Sum(..))
                    && self.atom_free[a].is_empty()
                    && !candidates.contains(&a)
                {
                    candidates.push(a);
                }
            }
        }
        for a in candidates {
            let coef = p.num.0.get(&Monomial::atom(a, 1))?.clone();
            let others_mention = p
                .num
                .0
                .keys()
                .filter(|m| **m != Monomial::atom(a, 1))
                .any(|m| m.0.iter().any(|(b, _)| self.atom_contains(*b, a)));
            if others_mention {
                continue;
            }
            let mut rest = p.num.clone();
            rest.0.remove(&Monomial::atom(a, 1));
            return Some((
                a,
                Rat {
                    num: rest.scale(&(-coef.recip())),
                    den: Default::default(),
                },
            ));
        }
        None
    }

    /// Whether atom `a` is or contains atom `t`.
    pub(super) fn atom_contains(&self, a: AtomId, t: AtomId) -> bool {
        if a == t {
            return true;
        }
        let within = |r: &Rat| {
            r.num
                .0
                .keys()
                .any(|m| m.0.iter().any(|(b, _)| self.atom_contains(*b, t)))
                || r.den.keys().any(|f| {
                    self.factors[*f]
                        .0
                        .keys()
                        .any(|m| m.0.iter().any(|(b, _)| self.atom_contains(*b, t)))
                })
        };
        match &self.atoms[a] {
            Atom::Exp(r) | Atom::Log(r) | Atom::Sqrt(r) | Atom::Root(r, _) | Atom::Sum(r, _) => {
                within(r)
            }
            Atom::Func(_, args) => args.iter().any(within),
            _ => false,
        }
    }

    /// From now on the index-free sum atom `a` stands for `value`.
    pub(super) fn substitute_atom(&mut self, a: AtomId, value: Rat) {
        self.atom_substitution.insert(a, value);
        self.forget_names();
    }

    /// The name `sum(#d, 1)` over `bound`'s range prints as: the size (`n`,
    /// `m`) when the problem defines it as `sum(j, 1)`.
    pub(super) fn size_name(&self, bound: Symbol) -> Option<Symbol> {
        let size = self.ranges.size_of(bound);
        self.defs
            .get(&size)
            .is_some_and(|d| matches!(d.as_ref(), [_, Math::Num(c), Math::Sum(_)] if c.is_one()))
            .then_some(size)
    }

    /// How an index name prints: canonical bound names by the name chosen for their sum.
    pub(super) fn index_name(&self, s: Symbol) -> String {
        if is_canonical(s) {
            if let Some((_, shown)) = self
                .print_scope
                .borrow()
                .iter()
                .rev()
                .find(|(b, _)| *b == s)
            {
                return shown.to_string();
            }
        }
        s.to_string()
    }

    /// `sum(j, body)` with a name for the bound index that captures nothing.
    pub(super) fn print_sum(&self, a: AtomId, body: &Rat, bound: Symbol) -> String {
        let hint =
            self.sum_hints
                .get(&a)
                .copied()
                .unwrap_or_else(|| match self.ranges.suffix(bound) {
                    "" => Symbol::from("j"),
                    stem => Symbol::from(stem),
                });
        let mut avoid: BTreeSet<Symbol> = self
            .free_of(body)
            .into_iter()
            .filter(|s| !is_canonical(*s))
            .collect();
        avoid.extend(self.print_scope.borrow().iter().map(|(_, shown)| *shown));
        let shown = if avoid.contains(&hint) {
            crate::index::fresh(hint, &avoid)
        } else {
            hint
        };
        self.print_scope.borrow_mut().push((bound, shown));
        let text = self.print(body);
        self.print_scope.borrow_mut().pop();
        format!("sum({shown}, {text})")
    }
}

/// Which nodes lie inside the body of a `sum` (top-down from every `sum` node).
pub(super) fn nested_in_sums(nodes: &[Math]) -> Vec<bool> {
    let mut inside = vec![false; nodes.len()];
    for i in (0..nodes.len()).rev() {
        let mark = inside[i] || matches!(nodes[i], Math::Sum(_));
        if mark {
            for c in egg::Language::children(&nodes[i]) {
                inside[usize::from(*c)] = true;
            }
        }
    }
    inside
}
