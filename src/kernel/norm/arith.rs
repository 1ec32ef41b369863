//! Field arithmetic on normal forms: sums over a least common denominator,
//! products, inverses (one factor table per normalizer), integer powers,
//! cancellation of a factor, and the reductions `sqrt(u)^2 = u`,
//! `delta^e = delta`, `delta-subst`.

use std::collections::BTreeMap;

use egg::{RecExpr, Symbol};
use num_rational::BigRational;
use num_traits::{One, Signed};

use super::{Atom, AtomId, Frac, Mono, Normalizer, Poly, Res, Stop};
use crate::language::Math;

impl Normalizer<'_> {
    pub(super) fn add(&mut self, a: &Frac, b: &Frac) -> Res<Frac> {
        self.add_owned(a.clone(), b)
    }

    /// `a + b`, reusing `a`: a long sum costs linear time.
    pub(super) fn add_owned(&mut self, mut a: Frac, b: &Frac) -> Res<Frac> {
        self.charge(b.num.len())?;
        if a.den == b.den {
            for (m, c) in &b.num.0 {
                a.num.add_term(m.clone(), c.clone());
            }
            return Ok(self.cancel(a));
        }
        self.charge(a.num.len())?;
        let mut lcm: BTreeMap<u32, u32> = a.den.iter().copied().collect();
        for (k, e) in &b.den {
            let v = lcm.entry(*k).or_insert(0);
            *v = (*v).max(*e);
        }
        let na = self.lift(&a.num, &a.den, &lcm)?;
        let nb = self.lift(&b.num, &b.den, &lcm)?;
        Ok(self.cancel(Frac {
            num: na.add(&nb),
            den: lcm.into_iter().collect(),
        }))
    }

    /// `num * (lcm / den)`, expanded.
    pub(super) fn lift(
        &mut self,
        num: &Poly,
        den: &[(u32, u32)],
        lcm: &BTreeMap<u32, u32>,
    ) -> Res<Poly> {
        let mut acc = num.clone();
        for (k, e) in lcm {
            let have = den.iter().find(|(f, _)| f == k).map_or(0, |(_, e)| *e);
            for _ in have..*e {
                let f = self.factors[*k as usize].clone();
                self.charge(acc.len() * f.len() * weight(&acc, &f))?;
                acc = self.product(&acc, &f)?;
            }
        }
        Ok(acc)
    }

    pub(super) fn neg(&self, a: &Frac) -> Frac {
        Frac {
            num: a.num.scale(&-BigRational::one()),
            den: a.den.clone(),
        }
    }

    pub(super) fn mul(&mut self, a: &Frac, b: &Frac) -> Res<Frac> {
        let r = self.mul_plain(a, b)?;
        self.reduce(r)
    }

    /// Cancels a factor `f` when the numerator is `c*m*f` (`A/A = 1`).
    pub(super) fn cancel(&self, mut r: Frac) -> Frac {
        if r.num.is_zero() {
            return Frac::default();
        }
        'again: loop {
            for i in 0..r.den.len() {
                let f = &self.factors[r.den[i].0 as usize];
                if f.len() != r.num.len() {
                    continue;
                }
                let (m0, c0) = f.0.iter().next().expect("a factor has terms");
                for (m, c) in &r.num.0 {
                    let Some(shift) = m.mul(&m0.pow(-1).unwrap_or_default()) else {
                        continue;
                    };
                    let scale = c / c0;
                    // `r.num = scale*shift*f`, term by term: the first term that differs ends it.
                    let multiple = f.0.iter().all(|(n, v)| {
                        n.mul(&shift)
                            .and_then(|n| r.num.0.get(&n))
                            .is_some_and(|w| *w == v * &scale)
                    });
                    if multiple {
                        r.num = Poly::term(shift, scale);
                        r.den[i].1 -= 1;
                        r.den.retain(|(_, e)| *e > 0);
                        continue 'again;
                    }
                }
            }
            return r;
        }
    }

    /// `1/a`; the caller has met `a != 0`.
    pub(super) fn inv(&mut self, a: &Frac) -> Res<Frac> {
        if a.is_zero() {
            return Err(Stop::Unsupported("a division by zero".into()));
        }
        // A long sum such as `S` is inverted once per normalizer.
        if a.num.len() > 8 {
            if let Some(r) = self.inverses.get(a) {
                return Ok(r.clone());
            }
            let r = self.invert(a)?;
            self.inverses.insert(a.clone(), r.clone());
            return Ok(r);
        }
        self.invert(a)
    }

    pub(super) fn invert(&mut self, a: &Frac) -> Res<Frac> {
        let mut num = Poly::constant(BigRational::one());
        for (k, e) in &a.den {
            for _ in 0..*e {
                let f = self.factors[*k as usize].clone();
                num = self.product(&num, &f)?;
            }
        }
        let content = a.num.content();
        let inv_content = content.pow(-1).ok_or(Stop::Limit)?;
        let rest = a
            .num
            .mul_term(&inv_content, &BigRational::one())
            .ok_or(Stop::Limit)?;
        let lead = rest.lead();
        let monic = rest.scale(&lead.recip());
        num = num
            .mul_term(&inv_content, &lead.recip())
            .ok_or(Stop::Limit)?;
        let mut den = vec![];
        if monic.len() > 1 {
            let id = match self.factor_index.get(&monic) {
                Some(id) => *id,
                None => {
                    let id = self.factors.len() as u32;
                    self.factors.push(monic.clone());
                    self.factor_index.insert(monic, id);
                    id
                }
            };
            den.push((id, 1));
        }
        Ok(Frac { num, den })
    }

    pub(super) fn powi(&mut self, a: &Frac, e: i32) -> Res<Frac> {
        if e < 0 {
            let inv = self.inv(a)?;
            return self.powi(&inv, e.checked_neg().ok_or(Stop::Limit)?);
        }
        if e > 1000 {
            return Err(Stop::Limit);
        }
        let mut acc = Frac::constant(BigRational::one());
        for _ in 0..e {
            acc = self.mul(&acc, a)?;
        }
        Ok(acc)
    }

    /// `sqrt(u)^e` with `|e| >= 2` as `u^(e div 2)*sqrt(u)^(e mod 2)`;
    /// `delta^e = delta`; `delta(k, m)*u(m) = delta(k, m)*u(k)`.
    pub(super) fn reduce(&mut self, r: Frac) -> Res<Frac> {
        self.reduce_with(r, false)
    }

    /// [`Normalizer::reduce`] with `delta-subst` too, to a fixed point: applied
    /// to whole numerators (a difference, a sum's body), where every monomial
    /// is reached the same way.
    pub(super) fn reduce_all(&mut self, mut r: Frac) -> Res<Frac> {
        for _ in 0..8 {
            let next = self.reduce_with(r.clone(), true)?;
            if next == r {
                break;
            }
            r = next;
        }
        Ok(r)
    }

    pub(super) fn reduce_with(&mut self, r: Frac, deltas: bool) -> Res<Frac> {
        let needs = r.num.0.keys().any(|m| {
            m.0.iter().any(|(a, e)| match &self.atoms[*a as usize] {
                // With names unfolded, `1/sqrt(u)` is `sqrt(u)/u`, so that
                // `sqrt(u)` and `u/sqrt(u)` agree.
                Atom::Sqrt(_) => e.abs() >= 2 || *e < 0 && self.unfold_all,
                Atom::Delta(..) => *e >= 2 || deltas && m.0.len() > 1,
                Atom::Func("cos", _) => !(0..2).contains(e),
                _ => false,
            })
        });
        if !needs {
            return Ok(r);
        }
        let mut total = Frac::default();
        for (m, c) in r.num.0.clone() {
            let mut acc = Frac::constant(c);
            let mut rest: Vec<(AtomId, i32)> = vec![];
            let mut delta: Option<(Symbol, Symbol)> = None;
            for (a, e) in m.0 {
                match self.atoms[a as usize].clone() {
                    Atom::Sqrt(u)
                        if (e.abs() >= 2 || e < 0 && self.unfold_all)
                            && self.law("sqrt-square") =>
                    {
                        let p = self.powi(&u, e.div_euclid(2))?;
                        acc = self.mul_plain(&acc, &p)?;
                        if e.rem_euclid(2) != 0 {
                            rest.push((a, 1));
                        }
                    }
                    Atom::Func("cos", args)
                        if !(0..2).contains(&e) && self.law("sin-cos-square") =>
                    {
                        let (p, left) = self.cos_power(&args, e)?;
                        acc = self.mul_plain(&acc, &p)?;
                        if left != 0 {
                            rest.push((a, left));
                        }
                    }
                    Atom::Delta(j, k)
                        if e >= 1 && delta.is_none() && (e == 1 || self.law("sum-delta")) =>
                    {
                        delta = Some((j, k));
                        rest.push((a, 1));
                    }
                    _ => rest.push((a, e)),
                }
            }
            let mut t = Frac {
                num: Poly::term(Mono(rest), BigRational::one()),
                den: vec![],
            };
            if let Some((j, k)) = delta {
                // Substitute the later name by the earlier in the other factors.
                let (keep, gone) = if j < k { (j, k) } else { (k, j) };
                let d = self.intern(Atom::Delta(j, k));
                let others = Frac {
                    num: Poly::term(
                        t.num.0.keys().next().expect("one").without(d),
                        BigRational::one(),
                    ),
                    den: vec![],
                };
                if deltas && self.frac_free(&others).contains(&gone) && self.law("delta-subst") {
                    let moved = self.subst_index(&others, gone, keep)?;
                    let dd = Frac {
                        num: Poly::term(Mono::atom(d, 1), BigRational::one()),
                        den: vec![],
                    };
                    t = self.mul_plain(&moved, &dd)?;
                }
            }
            let t = self.mul_plain(&acc, &t)?;
            // In place: adding each term to a copy of the sum so far took
            // time quadratic in the number of terms (seconds at 20,000).
            total = self.add_owned(std::mem::take(&mut total), &t)?;
        }
        let mut den: BTreeMap<u32, u32> = total.den.iter().copied().collect();
        for (k, e) in r.den {
            *den.entry(k).or_insert(0) += e;
        }
        Ok(self.cancel(Frac {
            num: total.num,
            den: den.into_iter().collect(),
        }))
    }

    /// [`Stop::Time`] once the deadline has passed.
    pub(super) fn check_clock(&self) -> Res<()> {
        match self.deadline {
            Some(d) if std::time::Instant::now() > d => Err(Stop::Time),
            _ => Ok(()),
        }
    }

    /// `a * b`, as [`Poly::mul`]; with a deadline, the clock is read row by
    /// row in a large product (one, charged before it starts, may take
    /// seconds; a small one is done at once).
    fn product(&mut self, a: &Poly, b: &Poly) -> Res<Poly> {
        if self.deadline.is_none() || a.len().saturating_mul(b.len()) < 4096 {
            return a.mul(b).ok_or(Stop::Limit);
        }
        let mut out = Poly::default();
        for (m, c) in &b.0 {
            self.check_clock()?;
            for (n, v) in a.mul_term(m, c).ok_or(Stop::Limit)?.0 {
                out.add_term(n, v);
            }
        }
        Ok(out)
    }

    pub(super) fn mul_plain(&mut self, a: &Frac, b: &Frac) -> Res<Frac> {
        self.charge(a.num.len() * b.num.len() * weight(&a.num, &b.num))?;
        let mut den: BTreeMap<u32, u32> = a.den.iter().copied().collect();
        for (k, e) in &b.den {
            *den.entry(*k).or_insert(0) += e;
        }
        let num = self.product(&a.num, &b.num)?;
        Ok(self.cancel(Frac {
            num,
            den: den.into_iter().collect(),
        }))
    }

    /// `lhs - rhs`.
    pub fn difference(&mut self, lhs: &RecExpr<Math>, rhs: &RecExpr<Math>) -> Res<Frac> {
        let a = self.normalize(lhs)?;
        let b = self.normalize(rhs)?;
        let nb = self.neg(&b);
        let d = self.add(&a, &nb)?;
        // Zero exactly when its numerator is.
        let num = self.reduce_all(Frac {
            num: d.num,
            den: vec![],
        })?;
        let mut den: BTreeMap<u32, u32> = num.den.iter().copied().collect();
        for (k, e) in d.den {
            *den.entry(k).or_insert(0) += e;
        }
        Ok(Frac {
            num: num.num,
            den: den.into_iter().collect(),
        })
    }
}

/// What a product's coefficients cost beyond small numbers: multiplying and
/// reducing coefficients of `w` machine words takes about `w^2` word
/// operations, `w` those of the larger coefficient of either factor
/// (`(a + b + c)^200` has coefficients of hundreds of bits).
fn weight(a: &Poly, b: &Poly) -> usize {
    let bits = |p: &Poly| {
        p.0.values()
            .map(|c| c.numer().bits() + c.denom().bits())
            .max()
            .unwrap_or(0)
    };
    let words = 1 + bits(a).max(bits(b)) / 64;
    usize::try_from(words.saturating_mul(words)).unwrap_or(usize::MAX)
}
