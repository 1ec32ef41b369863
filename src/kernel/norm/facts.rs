//! Signs of normal forms and the facts they come from: assumptions,
//! the claim's domain, stated conditions; and the definedness conditions met
//! while reading a term.

use egg::{Id, RecExpr, Symbol};
use num_rational::BigRational;
use num_traits::{One, Signed};

use super::{permutations, single_atom, term, Atom, Frac, Met, Normalizer, Poly, Rel, Res, Signs};
use crate::language::Math;

impl Normalizer<'_> {
    pub(super) fn poly_sign(&self, p: &Poly) -> Signs {
        let mut total = Signs::ZERO;
        for (m, c) in &p.0 {
            let mut s = Signs::of(c);
            for (a, e) in &m.0 {
                s = s.mul(self.signs[*a as usize].pow(*e));
            }
            total = total.add(s);
        }
        total
    }

    /// The possible signs of a normal form.
    pub fn frac_sign(&self, f: &Frac) -> Signs {
        let mut s = self.poly_sign(&f.num);
        for (k, e) in &f.den {
            s = s.mul(self.poly_sign(&self.factors[*k as usize]).pow(-(*e as i32)));
        }
        s
    }

    /// Adds the fact `value REL 0` (from an assumption or a stated condition).
    pub fn add_fact(&mut self, value: Frac, rel: Rel) {
        // `c*u REL 0` for a constant `c > 0` says `u REL 0`.
        let scaled = match value.num.0.iter().next() {
            Some((m, c)) if value.den.is_empty() && value.num.len() == 1 && c.is_positive() => {
                Frac {
                    num: Poly::term(m.clone(), BigRational::one()),
                    den: vec![],
                }
            }
            _ => value.clone(),
        };
        if let Some(a) = single_atom(&scaled) {
            if let Atom::Elem(fam, _) = &self.atoms[a as usize] {
                self.family_facts.push((*fam, rel));
            }
            let s = self.signs[a as usize].and(rel.allowed());
            self.signs[a as usize] = s;
        }
        self.facts.push((value, rel));
    }

    /// Reads `lhs - rhs` without collecting conditions (for facts).
    pub fn quietly(&mut self, lhs: &RecExpr<Math>, rhs: &RecExpr<Math>) -> Res<Frac> {
        let before = self.collecting;
        self.collecting = false;
        let out = self.difference(lhs, rhs);
        self.collecting = before;
        out
    }

    /// Whether `value REL 0` follows from the signs and the facts.
    pub fn holds(&mut self, value: &Frac, rel: Rel) -> bool {
        if self.frac_sign(value).within(rel.allowed()) {
            return true;
        }
        let facts = self.facts.clone();
        for (f, frel) in &facts {
            let implied = match (frel, rel) {
                (a, b) if a == &b => true,
                (Rel::Gt, _) => true,
                _ => false,
            };
            if !implied {
                continue;
            }
            if self.same_up_to(f, value, rel == Rel::Ne) {
                return true;
            }
        }
        false
    }

    /// Whether `a = c*b` for a constant `c > 0` (any `c != 0` with `any_sign`),
    /// also after renaming free indices of `a` to those of `b`.
    pub(super) fn same_up_to(&mut self, a: &Frac, b: &Frac, any_sign: bool) -> bool {
        if a == b {
            return true;
        }
        let (fa, fb) = (self.frac_free(a), self.frac_free(b));
        if fa.len() != fb.len() || fa.len() > 3 {
            return false;
        }
        let from: Vec<Symbol> = fa.into_iter().collect();
        let to: Vec<Symbol> = fb.into_iter().collect();
        for perm in permutations(to.len()) {
            let mut renamed = a.clone();
            let mut ok = true;
            // Through temporary names, so a swap does not collide.
            for (i, f) in from.iter().enumerate() {
                match self.subst_index(&renamed, *f, Symbol::from(format!("%{i}"))) {
                    Ok(r) => renamed = r,
                    Err(_) => ok = false,
                }
            }
            for (i, p) in perm.iter().enumerate() {
                match self.subst_index(&renamed, Symbol::from(format!("%{i}")), to[*p]) {
                    Ok(r) => renamed = r,
                    Err(_) => ok = false,
                }
            }
            if !ok || renamed.den != b.den || renamed.num.len() != b.num.len() {
                continue;
            }
            let (Some((m, c)), Some(d)) = (renamed.num.0.iter().next(), b.num.0.values().next())
            else {
                continue;
            };
            if !b.num.0.contains_key(m) {
                continue;
            }
            let k = b.num.0[m].clone() / c;
            let _ = d;
            if renamed.num.scale(&k) == b.num && (any_sign || k.is_positive()) {
                return true;
            }
        }
        false
    }

    pub(super) fn condition(&mut self, expr: &RecExpr<Math>, id: Id, value: &Frac, rel: Rel) {
        if !self.collecting
            || self.frac_sign(value).within(rel.allowed()) && value.as_constant().is_some()
        {
            return;
        }
        if self.seen.insert((value.clone(), rel)) {
            self.met.push(Met {
                term: term::sub(expr, id),
                rel,
                value: value.clone(),
            });
        }
    }

    /// Splits the conditions met into those the signs and facts establish and the rest.
    pub fn open_conditions(&mut self) -> Vec<Met> {
        let met = self.met.clone();
        met.into_iter()
            .filter(|m| !self.holds(&m.value, m.rel))
            .collect()
    }
}
