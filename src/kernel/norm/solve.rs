//! What an assumption step needs of a normal form: its coefficient in the
//! solved-for term, the solution, and the coefficient's non-zero condition.

use egg::RecExpr;
use num_traits::Zero;

use super::{single_atom, Atom, AtomId, Frac, Met, Normalizer, Poly, Rel, Res};
use crate::language::Math;

impl Normalizer<'_> {
    /// `value` as a polynomial in the atom of `target`: `(coefficient, rest)`
    /// when it is `coefficient*target + rest` with neither mentioning it.
    pub fn linear_in(&mut self, value: &Frac, target: &RecExpr<Math>) -> Res<Option<(Frac, Frac)>> {
        let t = self.normalize(target)?;
        let Some(a) = single_atom(&t) else {
            return Ok(None);
        };
        let mentions = |n: &Self, p: &Poly| p.atoms().any(|x| x == a || n.atom_mentions(x, a));
        if value
            .den
            .iter()
            .any(|(k, _)| mentions(self, &self.factors[*k as usize]))
        {
            return Ok(None);
        }
        let mut coef = Poly::default();
        let mut rest = Poly::default();
        for (m, c) in &value.num.0 {
            match m.degree(a) {
                0 => rest.add_term(m.clone(), c.clone()),
                1 => coef.add_term(m.without(a), c.clone()),
                _ => return Ok(None),
            }
        }
        if mentions(self, &coef) || mentions(self, &rest) {
            return Ok(None);
        }
        Ok(Some((
            Frac {
                num: coef,
                den: value.den.clone(),
            },
            Frac {
                num: rest,
                den: value.den.clone(),
            },
        )))
    }

    /// Whether atom `x` has atom `a` inside it.
    pub(super) fn atom_mentions(&self, x: AtomId, a: AtomId) -> bool {
        let inner = |f: &Frac| {
            f.num
                .atoms()
                .chain(
                    f.den
                        .iter()
                        .flat_map(|(k, _)| self.factors[*k as usize].atoms()),
                )
                .any(|y| y == a || self.atom_mentions(y, a))
        };
        match &self.atoms[x as usize] {
            Atom::Exp(f) | Atom::Log(f) | Atom::Sqrt(f) | Atom::Root(f, _) | Atom::Sum(f, ..) => {
                inner(f)
            }
            _ => false,
        }
    }

    /// `-rest / coefficient`.
    pub fn solve(&mut self, coef: &Frac, rest: &Frac) -> Res<Frac> {
        let inv = self.inv(coef)?;
        let n = self.neg(rest);
        self.mul(&n, &inv)
    }

    /// `a - b`.
    pub fn minus(&mut self, a: &Frac, b: &Frac) -> Res<Frac> {
        let nb = self.neg(b);
        self.add(a, &nb)
    }

    /// Records that `value != 0` is needed (an assumption's coefficient).
    pub fn need_nonzero(&mut self, term: RecExpr<Math>, value: &Frac) {
        if value.as_constant().is_some_and(|c| !c.is_zero()) {
            return;
        }
        if self.seen.insert((value.clone(), Rel::Ne)) {
            self.met.push(Met {
                term,
                rel: Rel::Ne,
                value: value.clone(),
            });
        }
    }
}
