//! The table of the kernel's laws, and the laws on `exp`, `log`, `sqrt` and
//! powers, each applied only when the step names it. Owns no sums and no
//! arithmetic.

use egg::{Id, RecExpr};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive};

use super::{Atom, Frac, Mono, Normalizer, Poly, Rel, Res, Signs, Stop};
use crate::language::Math;

/// The algebra laws beyond field arithmetic, each with the side condition under
/// which the normalizer applies it (also `unfold-NAME` and [`super::FUNCTION_LAWS`]).
pub const LAWS: &[(&str, &str)] = &[
    ("exp-sum", "exp(u + v) = exp(u)*exp(v), exp(k*u) = exp(u)^k"),
    (
        "exp-log",
        "exp(k*log(u)) = u^k for an integer k, where u > 0",
    ),
    (
        "log-product",
        "log(c*u^a*v^b) = log(c) + a*log(u) + b*log(v) where c, u, v > 0",
    ),
    ("log-exp", "log(exp(u)) = u"),
    (
        "sqrt-square",
        "sqrt(u)^2 = u where u >= 0; sqrt(p^2/q^2) = p/q",
    ),
    (
        "power-root",
        "u^(p/2) = sqrt(u)^p where u >= 0 (u > 0 for p < 0)",
    ),
    ("power-exp", "u^v = exp(v*log(u)) where u > 0"),
    ("sum-linear", "sum(j, u + v) = sum(j, u) + sum(j, v)"),
    ("sum-factor", "sum(j, c*u) = c*sum(j, u) for c free of j"),
    ("sum-const", "sum(j, c) = c*n for c free of j"),
    (
        "sum-delta",
        "sum(j, delta(j, k)*u) = u[j := k]; delta(j, j) = 1; delta^e = delta",
    ),
    ("delta-subst", "delta(k, m)*u(m) = delta(k, m)*u(k)"),
    ("delta-symmetric", "delta(j, k) = delta(k, j)"),
    ("step-positive", "step(u) = 1 where u > 0"),
    ("step-negative", "step(u) = 0 where u < 0"),
];

impl Normalizer<'_> {
    pub(super) fn power(&mut self, expr: &RecExpr<Math>, at: Id, base: Frac, e: Frac) -> Res<Frac> {
        let Some(c) = e.as_constant() else {
            self.condition(expr, at, &base, Rel::Gt);
            if !self.law("power-exp") {
                return Err(Stop::Unsupported(
                    "a power with a variable exponent without power-exp".into(),
                ));
            }
            let l = self.log(&base)?;
            let p = self.mul(&e, &l)?;
            return self.exp(&p);
        };
        if c.is_integer() {
            let k = c
                .to_integer()
                .to_i32()
                .filter(|k| k.abs() <= 1000)
                .ok_or(Stop::Limit)?;
            if k < 0 {
                self.condition(expr, at, &base, Rel::Ne);
            }
            return self.powi(&base, k);
        }
        self.condition(
            expr,
            at,
            &base,
            if c.is_negative() { Rel::Gt } else { Rel::Ge },
        );
        if c.denom() == &BigInt::from(2) && self.law("power-root") {
            let s = self.sqrt(&base)?;
            let k = c
                .numer()
                .to_i32()
                .filter(|k| k.abs() <= 1000)
                .ok_or(Stop::Limit)?;
            return self.powi(&s, k);
        }
        self.atom_frac(Atom::Root(base, c), 1)
    }

    pub(super) fn exp(&mut self, a: &Frac) -> Res<Frac> {
        if a.is_zero() {
            return Ok(Frac::constant(BigRational::one()));
        }
        if !a.den.is_empty() || !self.law_quiet("exp-sum") && a.num.len() != 1 {
            return self.atom_frac(Atom::Exp(a.clone()), 1);
        }
        let mut acc = Frac::constant(BigRational::one());
        let terms = a.num.0.clone();
        for (m, c) in terms.iter() {
            if let [(l, 1)] = m.0.as_slice() {
                if let Atom::Log(u) = self.atoms[*l as usize].clone() {
                    if c.is_integer() && self.law("exp-log") {
                        let k = c
                            .to_integer()
                            .to_i32()
                            .filter(|k| k.abs() <= 1000)
                            .ok_or(Stop::Limit)?;
                        let p = self.powi(&u, k)?;
                        acc = self.mul(&acc, &p)?;
                        continue;
                    }
                }
            }
            let (p, q) = (c.numer().clone(), c.denom().clone());
            let whole = terms.len() == 1 && p.is_one();
            if !whole && !self.law("exp-sum") {
                return self.atom_frac(Atom::Exp(a.clone()), 1);
            }
            let arg = Frac {
                num: Poly::term(m.clone(), BigRational::new(BigInt::one(), q)),
                den: vec![],
            };
            let k = p.to_i32().filter(|k| k.abs() <= 1000).ok_or(Stop::Limit)?;
            let f = self.atom_frac(Atom::Exp(arg), k)?;
            acc = self.mul(&acc, &f)?;
        }
        Ok(acc)
    }

    pub(super) fn law_quiet(&self, name: &str) -> bool {
        self.allowed.is_none_or(|a| a.contains(name))
    }

    pub(super) fn log(&mut self, a: &Frac) -> Res<Frac> {
        if a.as_constant().is_some_and(|c| c.is_one()) {
            return Ok(Frac::default());
        }
        let single = a.num.len() == 1 && {
            let (m, c) = a.num.0.iter().next().expect("one term");
            c.is_positive()
                && m.0
                    .iter()
                    .all(|(x, _)| self.signs[*x as usize].within(Signs::POS))
                && a.den.iter().all(|(k, _)| {
                    self.poly_sign(&self.factors[*k as usize])
                        .within(Signs::POS)
                })
        };
        if !single {
            return self.atom_frac(Atom::Log(a.clone()), 1);
        }
        let (m, c) = a
            .num
            .0
            .iter()
            .next()
            .map(|(m, c)| (m.clone(), c.clone()))
            .expect("one");
        let pieces = m.0.len() + a.den.len() + usize::from(!c.is_one());
        let plain_exp = pieces == 1
            && m.0
                .first()
                .is_some_and(|(x, e)| *e == 1 && matches!(self.atoms[*x as usize], Atom::Exp(_)));
        let whole = pieces == 1 && m.0.first().is_some_and(|(_, e)| *e == 1);
        if !whole && !self.law("log-product") {
            return self.atom_frac(Atom::Log(a.clone()), 1);
        }
        let mut acc = if c.is_one() {
            Frac::default()
        } else {
            self.atom_frac(Atom::Log(Frac::constant(c)), 1)?
        };
        for (x, e) in m.0 {
            let part = match self.atoms[x as usize].clone() {
                Atom::Exp(u) if self.law("log-exp") => u,
                _ => {
                    if plain_exp || whole {
                        return self.atom_frac(Atom::Log(a.clone()), 1);
                    }
                    let one = Frac {
                        num: Poly::term(Mono::atom(x, 1), BigRational::one()),
                        den: vec![],
                    };
                    self.atom_frac(Atom::Log(one), 1)?
                }
            };
            let scaled = Frac {
                num: part.num.scale(&BigRational::from_integer(e.into())),
                den: part.den,
            };
            acc = self.add(&acc, &scaled)?;
        }
        for (k, e) in a.den.clone() {
            let f = Frac {
                num: self.factors[k as usize].clone(),
                den: vec![],
            };
            let l = self.atom_frac(Atom::Log(f), 1)?;
            let scaled = Frac {
                num: l.num.scale(&-BigRational::from_integer(e.into())),
                den: l.den,
            };
            acc = self.add(&acc, &scaled)?;
        }
        Ok(acc)
    }

    pub(super) fn sqrt(&mut self, a: &Frac) -> Res<Frac> {
        if let Some(c) = a.as_constant() {
            if !c.is_negative() {
                let (n, d) = (c.numer().clone(), c.denom().clone());
                let (rn, rd) = (n.sqrt(), d.sqrt());
                if &rn * &rn == n && &rd * &rd == d && self.law("sqrt-square") {
                    return Ok(Frac::constant(BigRational::new(rn, rd)));
                }
            }
        }
        self.atom_frac(Atom::Sqrt(a.clone()), 1)
    }
}
