//! The laws on `exp`, `log` and `sqrt` in normal forms: `exp` split over
//! sums, `log` split over surely positive factors, `sqrt(u)^2 = u`. Owns no
//! field arithmetic.

use super::*;

impl Normalizer<'_> {
    /// `exp(a)`, split over the terms of `a` so that `exp(u)*exp(v)` and `exp(u+v)` agree.
    pub(super) fn exp(&mut self, a: &Rat) -> Res<Rat> {
        if !a.den.is_empty() {
            return Ok(self.atom_rat(Atom::Exp(a.clone()), 1));
        }
        let mut acc = Rat::constant(BigRational::one());
        for (m, c) in a.num.0.clone() {
            if let Some(u) = self.log_argument(&m) {
                if c.is_integer() {
                    // exp(c*log(u)) = u^c where log(u) is defined, that is u > 0.
                    let e = c.to_integer().to_i64().ok_or(AlgebraError::Limit)?;
                    let p = self.powi(&u, e)?;
                    acc = self.mul(&acc, &p)?;
                    continue;
                }
            }
            let q = BigRational::from_integer(c.denom().clone());
            let p = c.numer().to_i64().ok_or(AlgebraError::Limit)?;
            let arg = Rat {
                num: Poly::term(m, q.recip()),
                den: BTreeMap::new(),
            };
            let id = self.atom(Atom::Exp(arg));
            self.atom_signs.insert(id, Sign::POS);
            let factor = Rat {
                num: Poly::term(Monomial::atom(id, p), BigRational::one()),
                den: BTreeMap::new(),
            };
            acc = self.mul(&acc, &factor)?;
        }
        Ok(acc)
    }

    /// `u` when `m` is exactly `log(u)`.
    pub(super) fn log_argument(&self, m: &Monomial) -> Option<Rat> {
        match m.0.as_slice() {
            [(a, 1)] => match &self.atoms[*a] {
                Atom::Log(u) => Some(u.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    /// `log(a)`: split into a sum of logs only where every factor is surely positive.
    pub(super) fn log(&mut self, a: &Rat) -> Res<Rat> {
        if let Some(c) = a.as_constant() {
            if c.is_one() {
                return Ok(Rat::default());
            }
            return Ok(self.atom_rat(Atom::Log(a.clone()), 1));
        }
        let splittable = match a.num.as_term() {
            Some((m, c)) => {
                c.is_positive()
                    && m.0.iter().all(|(atom, _)| self.atom_sign(*atom).is_pos())
                    && a.den.keys().all(|f| {
                        let p = self.factors[*f].clone();
                        self.poly_sign(&p).is_pos()
                    })
            }
            None => false,
        };
        if !splittable {
            return Ok(self.atom_rat(Atom::Log(a.clone()), 1));
        }
        let (m, c) = a
            .num
            .as_term()
            .map(|(m, c)| (m.clone(), c.clone()))
            .expect("one term");
        let mut acc = if c.is_one() {
            Rat::default()
        } else {
            self.atom_rat(Atom::Log(Rat::constant(c)), 1)
        };
        for (atom, e) in m.0 {
            let part = match self.atoms[atom].clone() {
                Atom::Exp(arg) => arg,
                _ => {
                    let single = Rat {
                        num: Poly::term(Monomial::atom(atom, 1), BigRational::one()),
                        den: BTreeMap::new(),
                    };
                    self.atom_rat(Atom::Log(single), 1)
                }
            };
            let scaled = Rat {
                num: part.num.scale(&BigRational::from_integer(BigInt::from(e))),
                den: part.den,
            };
            acc = self.add(&acc, &scaled)?;
        }
        for (f, e) in a.den.clone() {
            let factor = Rat {
                num: self.factors[f].clone(),
                den: BTreeMap::new(),
            };
            let l = self.atom_rat(Atom::Log(factor), 1);
            let scaled = Rat {
                num: l.num.scale(&-BigRational::from_integer(BigInt::from(e))),
                den: l.den,
            };
            acc = self.add(&acc, &scaled)?;
        }
        Ok(acc)
    }

    pub(super) fn sqrt(&mut self, a: &Rat) -> Res<Rat> {
        if let Some(c) = a.as_constant() {
            if !c.is_negative() {
                let (n, d) = (c.numer().clone(), c.denom().clone());
                let (rn, rd) = (n.sqrt(), d.sqrt());
                if &rn * &rn == n && &rd * &rd == d {
                    return Ok(Rat::constant(BigRational::new(rn, rd)));
                }
            }
        }
        // Its sign is read from its argument when asked (see `atom_sign`), not
        // cached: facts change, and a cached sign would outlive them.
        let id = self.atom(Atom::Sqrt(a.clone()));
        Ok(Rat {
            num: Poly::term(Monomial::atom(id, 1), BigRational::one()),
            den: BTreeMap::new(),
        })
    }

    /// Rewrites `sqrt(u)^e` with `|e| >= 2` as `u^(e div 2) * sqrt(u)^(e mod 2)`;
    /// with names unfolded also `e < 0`: `1/sqrt(u)` is `sqrt(u)/u`, so that
    /// `sqrt(u)` and `u/sqrt(u)` agree.
    /// Also `cos(u)^e` for `e >= 2` as `cos(u)^(e mod 2)*(1 - sin(u)^2)^(e div 2)`.
    pub(super) fn reduce_sqrt(&mut self, r: Rat) -> Res<Rat> {
        let rationalize = !self.opaque_sums;
        let reducible = |e: i64| e.abs() >= 2 || e < 0 && rationalize;
        let needs = r.num.0.keys().any(|m| {
            m.0.iter().any(|(a, e)| match self.atoms[*a] {
                Atom::Sqrt(_) => reducible(*e),
                Atom::Func("cos", _) => *e >= 2 && self.trig,
                _ => false,
            })
        });
        if !needs {
            return Ok(r);
        }
        let mut total = Rat::default();
        for (m, c) in r.num.0.clone() {
            let mut keep = Vec::new();
            let mut extra = Rat::constant(c);
            for (a, e) in m.0 {
                match (&self.atoms[a], reducible(e)) {
                    (Atom::Sqrt(u), true) => {
                        let u = u.clone();
                        let half = e.div_euclid(2);
                        let p = self.powi(&u, half)?;
                        extra = self.mul(&extra, &p)?;
                        if e.rem_euclid(2) != 0 {
                            keep.push((a, 1));
                        }
                    }
                    // sin(u)^2 + cos(u)^2 = 1: `cos` to at most the first power.
                    (Atom::Func("cos", args), _) if e >= 2 && self.trig => {
                        let sin = self.atom_rat(Atom::Func("sin", args.clone()), 2);
                        let one = Rat::constant(BigRational::one());
                        let base = self.add_owned(one, &self.neg(&sin))?;
                        let p = self.powi(&base, e.div_euclid(2))?;
                        extra = self.mul(&extra, &p)?;
                        if e.rem_euclid(2) != 0 {
                            keep.push((a, 1));
                        }
                    }
                    _ => keep.push((a, e)),
                }
            }
            let base = Rat {
                num: Poly::term(Monomial(keep), BigRational::one()),
                den: BTreeMap::new(),
            };
            let t = self.mul(&extra, &base)?;
            total = self.add(&total, &t)?;
        }
        Ok(Rat {
            num: total.num,
            den: {
                let mut d = total.den;
                for (f, e) in r.den {
                    *d.entry(f).or_insert(0) += e;
                }
                d
            },
        })
    }
}
