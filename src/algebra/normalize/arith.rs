//! Field arithmetic on normal forms: sums over a common denominator,
//! products, inverses (a sum becomes a denominator factor), cancellation
//! and powers. Owns no law on `exp`, `log` or `sqrt`.

use super::*;

impl Normalizer<'_> {
    /// `a + b` over the least common denominator.
    pub fn add(&mut self, a: &Rat, b: &Rat) -> Res<Rat> {
        self.add_owned(a.clone(), b)
    }

    /// `a + b`, reusing `a`'s storage: summing a long chain costs linear time.
    pub(super) fn add_owned(&mut self, mut a: Rat, b: &Rat) -> Res<Rat> {
        if a.den == b.den {
            self.charge(b.num.len() + 1)?;
            for (m, c) in &b.num.0 {
                a.num.add_term(m.clone(), c.clone());
            }
            return Ok(self.tidy(a));
        }
        let mut lcm = a.den.clone();
        for (&f, &e) in &b.den {
            let v = lcm.entry(f).or_insert(0);
            *v = (*v).max(e);
        }
        let missing = |d: &BTreeMap<usize, u32>| -> BTreeMap<usize, u32> {
            lcm.iter()
                .map(|(f, e)| (*f, e - d.get(f).copied().unwrap_or(0)))
                .filter(|(_, e)| *e > 0)
                .collect()
        };
        let (ma, mb) = (missing(&a.den), missing(&b.den));
        let fa = self.expand_factors(&ma)?;
        let fb = self.expand_factors(&mb)?;
        let num = self.poly_mul(&a.num, &fa)?;
        let num = num.add(&self.poly_mul(&b.num, &fb)?);
        Ok(self.tidy(Rat { num, den: lcm }))
    }

    pub(super) fn tidy(&self, r: Rat) -> Rat {
        if r.num.is_zero() {
            return Rat::default();
        }
        self.cancel(r)
    }

    /// Cancels a denominator factor `f` when the numerator is `c*m*f` for a
    /// constant `c` and monomial `m` (`A/A = 1`); no polynomial gcd beyond that.
    pub(super) fn cancel(&self, mut r: Rat) -> Rat {
        loop {
            let found = r.den.keys().copied().find_map(|f| {
                let factor = &self.factors[f];
                if factor.len() != r.num.len() || factor.len() > 64 {
                    return None;
                }
                let (n1, d1) = factor.0.iter().next()?;
                let n1_inv = n1.inv();
                r.num.0.iter().find_map(|(m, c)| {
                    let shift = m.mul(&n1_inv);
                    let scale = c / d1;
                    // `factor * shift * scale == num`, term by term, stopping at
                    // the first term that differs (as many terms on each side,
                    // and shifting is injective, so every term of `num` is met).
                    let same = factor.0.iter().all(|(n, d)| {
                        r.num
                            .0
                            .get(&n.mul(&shift))
                            .is_some_and(|v| *v == d * &scale)
                    });
                    same.then_some((f, shift, scale))
                })
            });
            let Some((f, shift, scale)) = found else {
                return r;
            };
            r.num = Poly::term(shift, scale);
            let e = r.den.get_mut(&f).expect("the factor is in the denominator");
            *e -= 1;
            if *e == 0 {
                r.den.remove(&f);
            }
        }
    }

    /// `-a`.
    pub fn neg(&self, a: &Rat) -> Rat {
        Rat {
            num: a.num.scale(&-BigRational::one()),
            den: a.den.clone(),
        }
    }

    /// `a * b`.
    pub fn mul(&mut self, a: &Rat, b: &Rat) -> Res<Rat> {
        let mut den = a.den.clone();
        for (&f, &e) in &b.den {
            *den.entry(f).or_insert(0) += e;
        }
        let num = self.poly_mul(&a.num, &b.num)?;
        let r = self.tidy(Rat { num, den });
        self.reduce_sqrt(r)
    }

    /// `1 / a`; the caller has recorded `a != 0`.
    pub(super) fn inv(&mut self, a: &Rat) -> Res<Rat> {
        if a.is_zero() {
            return Err(AlgebraError::ZeroDivisor(self.print(a)));
        }
        let moved = self.expand_factors(&a.den)?;
        let content = a.num.monomial_content();
        let rest = a.num.shift(&content.inv());
        let lead = rest.primitive_scale();
        let monic = rest.scale(&lead.recip());
        let scale = Poly::term(content.inv(), lead.recip());
        let num = self.poly_mul(&moved, &scale)?;
        let mut den = BTreeMap::new();
        if monic.len() > 1 {
            let id = match self.factor_index.get(&monic) {
                Some(&id) => id,
                None => {
                    let id = self.factors.len();
                    let free: BTreeSet<Symbol> = monic
                        .0
                        .keys()
                        .flat_map(|m| {
                            m.0.iter()
                                .flat_map(|(a, _)| self.atom_free[*a].iter().copied())
                        })
                        .collect();
                    self.factor_free.push(free);
                    self.factors.push(monic.clone());
                    self.factor_index.insert(monic, id);
                    id
                }
            };
            den.insert(id, 1);
        }
        Ok(Rat { num, den })
    }

    pub(super) fn powi(&mut self, a: &Rat, e: i64) -> Res<Rat> {
        if e < 0 {
            // Invert first, so a sum keeps its own factor: `1/(x + y)^2`, not `1/(x^2 + 2*x*y + y^2)`.
            let inv = self.inv(a)?;
            return self.powi(&inv, -e);
        }
        let mut acc = Rat::constant(BigRational::one());
        let mut base = a.clone();
        let mut e = e;
        while e > 0 {
            if e & 1 == 1 {
                acc = self.mul(&acc, &base)?;
            }
            e >>= 1;
            if e > 0 {
                base = self.mul(&base, &base)?;
            }
        }
        Ok(acc)
    }

    pub(super) fn pow(&mut self, base: &Rat, exponent: &Rat) -> Res<Rat> {
        let Some(c) = exponent.as_constant() else {
            // A general power is exp(exponent * log(base)), defined for base > 0.
            self.require(base, Sign::POS, ">")?;
            let l = self.log(base)?;
            let prod = self.mul(exponent, &l)?;
            return self.exp(&prod);
        };
        if c.is_integer() {
            let e = c.to_integer().to_i64().ok_or(AlgebraError::Limit)?;
            if e.abs() > 1000 {
                return Err(AlgebraError::Limit);
            }
            if e < 0 {
                self.require(base, Sign::NON_ZERO, "!=")?;
            }
            return self.powi(base, e);
        }
        if c.is_negative() {
            self.require(base, Sign::POS, ">")?;
        } else {
            self.require(base, Sign::NON_NEG, ">=")?;
        }
        if c.denom() == &BigInt::from(2) {
            let s = self.sqrt(base)?;
            let e = c.numer().to_i64().ok_or(AlgebraError::Limit)?;
            return self.powi(&s, e);
        }
        Ok(self.atom_rat(Atom::Root(base.clone(), Constant(c)), 1))
    }
}

/// The factors of the divisor at `id` with their exponents: products are
/// split and small positive integer powers peeled (`(x + y)^2*z` gives
/// `x + y` twice and `z` once).
pub(super) fn divisor_factors(nodes: &[Math], id: egg::Id) -> Vec<(egg::Id, i64)> {
    let mut out = Vec::new();
    let mut todo = vec![(id, 1i64)];
    while let Some((id, k)) = todo.pop() {
        match &nodes[usize::from(id)] {
            Math::Mul([a, b]) => {
                todo.push((*b, k));
                todo.push((*a, k));
            }
            Math::Pow([base, e]) => match &nodes[usize::from(*e)] {
                Math::Num(c) if c.is_integer() => match c.0.to_integer().to_i64() {
                    Some(p) if (1..=1000).contains(&p) && k.saturating_mul(p) <= 1000 => {
                        todo.push((*base, k * p))
                    }
                    _ => out.push((id, k)),
                },
                _ => out.push((id, k)),
            },
            _ => out.push((id, k)),
        }
    }
    out
}
