//! Laurent polynomials with exact rational coefficients over numbered atoms.
//! Owns the arithmetic only; what an atom stands for is the normalizer's business.

use std::collections::BTreeMap;

use num_rational::BigRational;
use num_traits::{One, Zero};

/// Index of an atom in the normalizer's atom table.
pub type AtomId = usize;

/// A product of atoms with non-zero integer exponents, sorted by atom.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Monomial(pub Vec<(AtomId, i64)>);

impl Monomial {
    /// The empty product.
    pub fn one() -> Self {
        Monomial(Vec::new())
    }

    /// One atom to the power `e`.
    pub fn atom(a: AtomId, e: i64) -> Self {
        if e == 0 {
            Monomial::one()
        } else {
            Monomial(vec![(a, e)])
        }
    }

    /// Whether this is the empty product.
    pub fn is_one(&self) -> bool {
        self.0.is_empty()
    }

    /// The product of two monomials.
    pub fn mul(&self, other: &Monomial) -> Monomial {
        let mut out = Vec::with_capacity(self.0.len() + other.0.len());
        let (mut i, mut j) = (0, 0);
        while i < self.0.len() || j < other.0.len() {
            match (self.0.get(i), other.0.get(j)) {
                (Some(&(a, e)), Some(&(b, f))) if a == b => {
                    if e + f != 0 {
                        out.push((a, e + f));
                    }
                    i += 1;
                    j += 1;
                }
                (Some(&(a, e)), Some(&(b, _))) if a < b => {
                    out.push((a, e));
                    i += 1;
                }
                (Some(_), Some(&(b, f))) => {
                    out.push((b, f));
                    j += 1;
                }
                (Some(&(a, e)), None) => {
                    out.push((a, e));
                    i += 1;
                }
                (None, Some(&(b, f))) => {
                    out.push((b, f));
                    j += 1;
                }
                (None, None) => break,
            }
        }
        Monomial(out)
    }

    /// The reciprocal.
    pub fn inv(&self) -> Monomial {
        Monomial(self.0.iter().map(|&(a, e)| (a, -e)).collect())
    }

    /// The exponent of atom `a`.
    pub fn exponent(&self, a: AtomId) -> i64 {
        self.0.iter().find(|(b, _)| *b == a).map_or(0, |(_, e)| *e)
    }
}

/// `a * b`; two integers multiply without the gcds of a general product.
pub fn mul(a: &BigRational, b: &BigRational) -> BigRational {
    if a.denom().is_one() {
        use num_traits::ToPrimitive;
        match a.numer().to_i64() {
            Some(1) => return b.clone(),
            Some(-1) => return -b,
            _ => {}
        }
    }
    if a.denom().is_one() && b.denom().is_one() {
        BigRational::new_raw(a.numer() * b.numer(), num_bigint::BigInt::one())
    } else {
        a * b
    }
}

/// `*a += b`; two integers add without reducing.
pub fn add_assign(a: &mut BigRational, b: &BigRational) {
    if a.denom().is_one() && b.denom().is_one() {
        let zero = || num_bigint::BigInt::zero();
        let (n, d) = std::mem::replace(a, BigRational::new_raw(zero(), zero())).into_raw();
        *a = BigRational::new_raw(n + b.numer(), d);
    } else {
        *a += b;
    }
}

/// A running sum of rationals over a common denominator, reduced once at
/// the end (a thousand terms with one denominator need no gcd each).
pub struct Sum {
    num: num_bigint::BigInt,
    den: num_bigint::BigInt,
}

impl Default for Sum {
    fn default() -> Self {
        Sum {
            num: num_bigint::BigInt::zero(),
            den: num_bigint::BigInt::one(),
        }
    }
}

impl Sum {
    /// Adds `t`.
    pub fn add(&mut self, t: &BigRational) {
        if t.denom() == &self.den {
            self.num += t.numer();
            return;
        }
        use num_integer::Integer;
        let lcm = self.den.lcm(t.denom());
        self.num = &self.num * (&lcm / &self.den) + t.numer() * (&lcm / t.denom());
        self.den = lcm;
    }

    /// The sum, reduced.
    pub fn value(self) -> BigRational {
        BigRational::new(self.num, self.den)
    }
}

/// The terms of a product as they come: a short product's are collected and
/// merged once, a long one's summed as they come (so they never all sit in
/// memory at once).
pub enum Terms {
    /// Collected, merged by [`Poly::from_terms`].
    Short(Vec<(Monomial, BigRational)>),
    /// Summed in place.
    Long(Poly),
}

impl Terms {
    /// Room for a product of `len` terms.
    pub fn new(len: usize) -> Terms {
        if len <= 1 << 16 {
            Terms::Short(Vec::with_capacity(len))
        } else {
            Terms::Long(Poly::zero())
        }
    }

    /// Adds `c * m`.
    pub fn push(&mut self, m: Monomial, c: BigRational) {
        match self {
            Terms::Short(terms) => terms.push((m, c)),
            Terms::Long(p) => p.add_term(m, c),
        }
    }

    /// The sum of the terms.
    pub fn finish(self) -> Poly {
        match self {
            Terms::Short(terms) => Poly::from_terms(terms),
            Terms::Long(p) => p,
        }
    }
}

/// A sum of monomials with non-zero rational coefficients.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Poly(pub BTreeMap<Monomial, BigRational>);

impl Poly {
    /// The zero polynomial.
    pub fn zero() -> Self {
        Poly(BTreeMap::new())
    }

    /// A constant.
    pub fn constant(c: BigRational) -> Self {
        Poly::term(Monomial::one(), c)
    }

    /// `c * m`.
    pub fn term(m: Monomial, c: BigRational) -> Self {
        let mut p = Poly::zero();
        if !c.is_zero() {
            p.0.insert(m, c);
        }
        p
    }

    /// Whether this is zero.
    pub fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of terms.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The constant value, if this is a constant.
    pub fn as_constant(&self) -> Option<BigRational> {
        match self.0.len() {
            0 => Some(BigRational::zero()),
            1 => self.0.get(&Monomial::one()).cloned(),
            _ => None,
        }
    }

    /// The single term, if there is exactly one.
    pub fn as_term(&self) -> Option<(&Monomial, &BigRational)> {
        if self.0.len() == 1 {
            self.0.iter().next()
        } else {
            None
        }
    }

    /// Adds `c * m` in place.
    pub fn add_term(&mut self, m: Monomial, c: BigRational) {
        if c.is_zero() {
            return;
        }
        match self.0.get_mut(&m) {
            Some(v) => {
                add_assign(v, &c);
                if v.is_zero() {
                    self.0.remove(&m);
                }
            }
            None => {
                self.0.insert(m, c);
            }
        }
    }

    /// `self + other`.
    pub fn add(&self, other: &Poly) -> Poly {
        let mut out = self.clone();
        for (m, c) in &other.0 {
            out.add_term(m.clone(), c.clone());
        }
        out
    }

    /// `c * self`.
    pub fn scale(&self, c: &BigRational) -> Poly {
        if c.is_zero() {
            return Poly::zero();
        }
        Poly(self.0.iter().map(|(m, v)| (m.clone(), mul(v, c))).collect())
    }

    /// The sum of `terms` (in any order, repeats allowed): sorted and merged
    /// once instead of inserted one by one.
    pub fn from_terms(mut terms: Vec<(Monomial, BigRational)>) -> Poly {
        terms.sort_by(|a, b| a.0.cmp(&b.0));
        let mut merged: Vec<(Monomial, BigRational)> = Vec::with_capacity(terms.len());
        for (m, c) in terms {
            match merged.last_mut() {
                Some((last, v)) if *last == m => add_assign(v, &c),
                _ => {
                    if merged.last().is_some_and(|(_, v)| v.is_zero()) {
                        merged.pop();
                    }
                    merged.push((m, c));
                }
            }
        }
        if merged.last().is_some_and(|(_, v)| v.is_zero()) {
            merged.pop();
        }
        Poly(merged.into_iter().collect())
    }

    /// `m * self`.
    pub fn shift(&self, m: &Monomial) -> Poly {
        Poly(self.0.iter().map(|(n, v)| (n.mul(m), v.clone())).collect())
    }

    /// The lowest exponent of each atom over all terms (absent counts as 0):
    /// the largest monomial dividing every term.
    pub fn monomial_content(&self) -> Monomial {
        let atoms: std::collections::BTreeSet<AtomId> = self
            .0
            .keys()
            .flat_map(|m| m.0.iter().map(|(a, _)| *a))
            .collect();
        let content = atoms
            .into_iter()
            .map(|a| (a, self.0.keys().map(|m| m.exponent(a)).min().unwrap_or(0)))
            .filter(|(_, e)| *e != 0)
            .collect();
        Monomial(content)
    }

    /// The constant `c` that makes `self / c` have coprime integer
    /// coefficients and a positive last term: the canonical representative of
    /// a factor up to constant multiples (`x + 5`, not `x/5 + 1`).
    pub fn primitive_scale(&self) -> BigRational {
        use num_integer::Integer;
        use num_traits::Signed;
        let mut gcd = num_bigint::BigInt::zero();
        let mut lcm = num_bigint::BigInt::one();
        for c in self.0.values() {
            gcd = gcd.gcd(c.numer());
            lcm = lcm.lcm(c.denom());
        }
        if gcd.is_zero() {
            return BigRational::one();
        }
        let scale = BigRational::new(gcd, lcm);
        match self.0.values().next_back() {
            Some(last) if last.is_negative() => -scale,
            _ => scale,
        }
    }
}
