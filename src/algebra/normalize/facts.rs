//! Side conditions and sign facts: which conditions a normal form relies
//! on, which of them the facts establish, and the signs atoms and
//! polynomials may take. Owns no printing beyond a condition's text.

use std::collections::BTreeMap;

use num_rational::BigRational;
use num_traits::{One, Signed};

use super::{AlgebraError, Atom, AtomId, Monomial, Normalizer, Poly, Rat, Res, Sign};

impl Normalizer<'_> {
    /// Records that `value` has a sign in `sign` (from an `assume`).
    pub fn add_fact(&mut self, value: Rat, sign: Sign) {
        self.facts.push((value, sign));
        self.assumed.push(true);
    }

    /// Marks the facts so far (the assumptions, and the conditions met
    /// reading the claim as written) as the claim's domain: those, not the
    /// conditions a proof meets later, decide `step(u)` (as in the kernel,
    /// which has only these as facts).
    pub fn domain_read(&mut self) {
        self.domain_facts = self.facts.len();
    }

    /// The sign of `u` by the assumptions and the claim's domain only
    /// ([`Normalizer::domain_read`]).
    pub(super) fn domain_sign(&mut self, u: &Rat) -> Sign {
        let usable = self.domain_facts;
        let facts = std::mem::take(&mut self.facts);
        let assumed = std::mem::take(&mut self.assumed);
        for (i, (f, a)) in facts.iter().zip(&assumed).enumerate() {
            if *a || i < usable {
                self.facts.push(f.clone());
                self.assumed.push(*a);
            }
        }
        let sign = self.sign(u);
        self.facts = facts;
        self.assumed = assumed;
        sign
    }

    /// Runs `f` without recording its side conditions (for reading assumptions,
    /// whose domain is the user's statement, not the claim's).
    pub fn without_conditions<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = std::mem::take(&mut self.conditions);
        let seen = std::mem::take(&mut self.seen_conditions);
        let out = f(self);
        self.conditions = saved;
        self.seen_conditions = seen;
        out
    }

    /// The side conditions met so far that the facts do not establish, in
    /// input syntax and sorted (`x - y != 0`): where a normal form is equal
    /// to its input only under them.
    pub fn stated_conditions(&self) -> Vec<String> {
        self.conditions
            .iter()
            .filter(|(_, stated)| **stated)
            .map(|(text, _)| text.clone())
            .collect()
    }

    /// Whether the sign facts establish `value REL 0` (`REL` one of `>`, `>=`, `!=`).
    pub fn holds(&self, value: &Rat, rel: &str) -> bool {
        let sign = self.sign(value);
        match rel {
            ">" => sign.is_pos(),
            ">=" => sign.excludes_neg(),
            _ => sign.excludes_zero(),
        }
    }

    /// Records the condition `value REL 0` unless the sign facts establish it.
    pub(super) fn require(&mut self, value: &Rat, wanted: Sign, rel: &'static str) -> Res<()> {
        if value.is_zero() && rel == "!=" {
            return Err(AlgebraError::ZeroDivisor(self.print(value)));
        }
        // `p/q != 0` where `q` is already non-zero says `p != 0`, and so does
        // `p/x` (a negative power of an atom is non-zero where defined):
        // state the simpler form, `5*x + 1 != 0` for `5 + 1/x != 0`.
        let numerator;
        let value = if rel == "!=" && value.num.len() > 1 {
            let content = value.num.monomial_content();
            let negative = Monomial(content.0.iter().copied().filter(|(_, e)| *e < 0).collect());
            numerator = Rat {
                num: value.num.shift(&negative.inv()),
                den: BTreeMap::new(),
            };
            &numerator
        } else if rel == "!=" && !value.den.is_empty() {
            numerator = Rat {
                num: value.num.clone(),
                den: BTreeMap::new(),
            };
            &numerator
        } else {
            value
        };
        let holds = self.holds(value, rel);
        if !self.seen_conditions.insert((value.clone(), rel)) && holds {
            return Ok(());
        }
        let text = format!("{} {} 0", self.print(value), rel);
        let stated = self.conditions.entry(text).or_insert(false);
        *stated |= !holds;
        if !holds {
            // The proof holds under this condition, so later checks may use it.
            self.facts.push((value.clone(), wanted));
            self.assumed.push(false);
            let text = format!("{} {} 0", self.print(value), rel);
            self.stated.insert(text, (value.clone(), wanted));
        }
        Ok(())
    }

    pub(super) fn atom_sign(&self, atom: AtomId) -> Sign {
        let base = match &self.atoms[atom] {
            Atom::Exp(_) => Sign::POS,
            Atom::Func(name, args) => self.function_sign(name, args),
            Atom::Sum(body, _) => self.sum_sign(body),
            // Assumptions with free indices hold for every value of them: one
            // on `t[j]` speaks of `t[k]`, one on `W[j, j]` only of the
            // diagonal. A condition the claim meets (`a[k] > 0` for
            // `log(a[k])`) speaks of its own element only.
            Atom::Element(family, indices) => {
                self.facts
                    .iter()
                    .enumerate()
                    .fold(Sign::ANY, |s, (i, (value, sign))| {
                        match value.num.as_term() {
                            Some((m, c))
                                if value.den.is_empty() && m.0.len() == 1 && m.0[0].1 == 1 =>
                            {
                                match &self.atoms[m.0[0].0] {
                                    Atom::Element(f, pattern)
                                        if f == family
                                            && if self.assumed[i] {
                                                crate::index::instance_of(pattern, indices)
                                            } else {
                                                pattern == indices
                                            } =>
                                    {
                                        s.meet(if c.is_positive() { *sign } else { sign.neg() })
                                    }
                                    _ => s,
                                }
                            }
                            _ => s,
                        }
                    })
            }
            Atom::Sqrt(arg) => {
                if self.sign(arg).is_pos() {
                    Sign::POS
                } else {
                    Sign::NON_NEG
                }
            }
            _ => self.atom_signs.get(&atom).copied().unwrap_or(Sign::ANY),
        };
        let single = Rat {
            num: Poly::term(Monomial::atom(atom, 1), BigRational::one()),
            den: BTreeMap::new(),
        };
        // A product known to be non-zero has non-zero factors (`x^2 != 0` gives `x != 0`).
        let in_nonzero_product = self.facts.iter().any(|(value, sign)| {
            sign.excludes_zero()
                && value.den.is_empty()
                && value
                    .num
                    .as_term()
                    .is_some_and(|(m, _)| m.exponent(atom) != 0)
        });
        let base = if in_nonzero_product {
            base.meet(Sign::NON_ZERO)
        } else {
            base
        };
        // `sqrt(a)` defined and non-zero means `a > 0`.
        let root_nonzero = self.roots.iter().any(|&i| match &self.atoms[i] {
            Atom::Sqrt(arg) => {
                arg.den.is_empty()
                    && arg
                        .num
                        .as_term()
                        .is_some_and(|(m, c)| c.is_one() && *m == Monomial::atom(atom, 1))
                    && self.facts.iter().any(|(value, sign)| {
                        sign.excludes_zero()
                            && value.den.is_empty()
                            && value.num.as_term().is_some_and(|(m, _)| m.exponent(i) != 0)
                    })
            }
            _ => false,
        });
        let base = if root_nonzero {
            base.meet(Sign::POS)
        } else {
            base
        };
        self.fact_sign(&single).meet(base)
    }

    /// What the facts say of `r`: a fact on `v` speaks of every constant multiple `k*v`.
    pub(super) fn fact_sign(&self, r: &Rat) -> Sign {
        let mut s = Sign::ANY;
        for (value, sign) in &self.facts {
            if value.den != r.den {
                continue;
            }
            let Some((m, c)) = value.num.0.iter().next() else {
                continue;
            };
            let Some(d) = r.num.0.get(m) else { continue };
            let k = d / c;
            if r.num == value.num.scale(&k) {
                s = s.meet(if k.is_positive() { *sign } else { sign.neg() });
            }
        }
        s
    }

    pub(super) fn poly_sign(&self, p: &Poly) -> Sign {
        let mut total = Sign::ZERO;
        for (m, c) in &p.0 {
            let mut s = Sign::of_value(c);
            for &(a, e) in &m.0 {
                s = s * self.atom_sign(a).powi(e);
            }
            total = total + s;
        }
        total
    }

    /// The signs `r` may take on its domain, from sign facts and `assume`s.
    pub fn sign(&self, r: &Rat) -> Sign {
        let mut s = self.poly_sign(&r.num);
        for (&f, &e) in &r.den {
            let fs = self.poly_sign(&self.factors[f]);
            let fs = Sign::NON_ZERO.meet(fs);
            s = s * fs.powi(i64::from(e));
        }
        s.meet(self.fact_sign(r))
    }
}
