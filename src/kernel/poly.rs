//! The kernel's own arithmetic: Laurent polynomials over `BigRational` in
//! opaque atoms (numbered by the normalizer). Owns nothing but `+`, `*` and
//! exponents; no cancellation, no atoms' meaning.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

use num_rational::BigRational;
use num_traits::{One, Zero};

/// An atom's number in the normalizer's table.
pub type AtomId = u32;

/// A product of atoms to non-zero integer powers, sorted by atom.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Mono(pub Vec<(AtomId, i32)>);

impl Mono {
    /// `a^e`.
    pub fn atom(a: AtomId, e: i32) -> Mono {
        Mono(if e == 0 { vec![] } else { vec![(a, e)] })
    }

    /// The product; `None` when an exponent overflows.
    pub fn mul(&self, other: &Mono) -> Option<Mono> {
        let mut out = self.0.clone();
        for &(a, e) in &other.0 {
            match out.binary_search_by_key(&a, |x| x.0) {
                Ok(i) => out[i].1 = out[i].1.checked_add(e)?,
                Err(i) => out.insert(i, (a, e)),
            }
        }
        out.retain(|x| x.1 != 0);
        Some(Mono(out))
    }

    /// Every exponent times `k`.
    pub fn pow(&self, k: i32) -> Option<Mono> {
        let mut out = Vec::with_capacity(self.0.len());
        for (a, e) in &self.0 {
            out.push((*a, e.checked_mul(k)?));
        }
        Some(Mono(if k == 0 { vec![] } else { out }))
    }

    /// The exponent of `a`.
    pub fn degree(&self, a: AtomId) -> i32 {
        self.0.iter().find(|(b, _)| *b == a).map_or(0, |(_, e)| *e)
    }

    /// This monomial without `a`.
    pub fn without(&self, a: AtomId) -> Mono {
        Mono(self.0.iter().copied().filter(|(b, _)| *b != a).collect())
    }
}

/// A sum of rational multiples of monomials.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Poly(pub BTreeMap<Mono, BigRational>);

impl Poly {
    /// The constant `c`.
    pub fn constant(c: BigRational) -> Poly {
        Poly::term(Mono::default(), c)
    }

    /// `c * m`.
    pub fn term(m: Mono, c: BigRational) -> Poly {
        let mut p = Poly::default();
        p.add_term(m, c);
        p
    }

    /// Whether this is zero.
    pub fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    /// The number of terms.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The value, if constant.
    pub fn as_constant(&self) -> Option<BigRational> {
        match self.0.len() {
            0 => Some(BigRational::zero()),
            1 => self.0.get(&Mono::default()).cloned(),
            _ => None,
        }
    }

    /// Adds `c * m` in place.
    pub fn add_term(&mut self, m: Mono, c: BigRational) {
        if c.is_zero() {
            return;
        }
        match self.0.entry(m) {
            Entry::Vacant(slot) => {
                slot.insert(c);
            }
            Entry::Occupied(mut slot) => {
                *slot.get_mut() += c;
                if slot.get().is_zero() {
                    slot.remove();
                }
            }
        }
    }

    /// `self + other`.
    pub fn add(&self, other: &Poly) -> Poly {
        let (mut out, other) = if self.len() >= other.len() {
            (self.clone(), other)
        } else {
            (other.clone(), self)
        };
        for (m, c) in &other.0 {
            out.add_term(m.clone(), c.clone());
        }
        out
    }

    /// `c * self`.
    pub fn scale(&self, c: &BigRational) -> Poly {
        if c.is_zero() {
            return Poly::default();
        }
        Poly(
            self.0
                .iter()
                .map(|(m, v)| (m.clone(), times(v, c)))
                .collect(),
        )
    }

    /// `self * c * m`; `None` on exponent overflow.
    pub fn mul_term(&self, m: &Mono, c: &BigRational) -> Option<Poly> {
        let mut out = Poly::default();
        for (n, v) in &self.0 {
            out.add_term(n.mul(m)?, times(v, c));
        }
        Some(out)
    }

    /// `self * other`; `None` on exponent overflow.
    pub fn mul(&self, other: &Poly) -> Option<Poly> {
        let mut out = Poly::default();
        for (m, c) in &other.0 {
            for (n, v) in &self.0 {
                out.add_term(n.mul(m)?, times(v, c));
            }
        }
        Some(out)
    }

    /// The monomial dividing every term with the lowest exponents (its "content").
    pub fn content(&self) -> Mono {
        // Per atom: the lowest exponent and in how many terms it occurs (absent is 0).
        let mut low: BTreeMap<AtomId, (i32, usize)> = BTreeMap::new();
        for m in self.0.keys() {
            for (a, e) in &m.0 {
                let slot = low.entry(*a).or_insert((*e, 0));
                slot.0 = slot.0.min(*e);
                slot.1 += 1;
            }
        }
        let terms = self.0.len();
        Mono(
            low.into_iter()
                .map(|(a, (e, n))| (a, if n == terms { e } else { e.min(0) }))
                .filter(|(_, e)| *e != 0)
                .collect(),
        )
    }

    /// The first term's coefficient (in the map's order), or one when zero.
    pub fn lead(&self) -> BigRational {
        self.0
            .values()
            .next()
            .cloned()
            .unwrap_or_else(BigRational::one)
    }

    /// The atoms that occur.
    pub fn atoms(&self) -> impl Iterator<Item = AtomId> + '_ {
        self.0.keys().flat_map(|m| m.0.iter().map(|(a, _)| *a))
    }
}

/// `a * b`; most coefficients are one, and big-number products allocate.
fn times(a: &BigRational, b: &BigRational) -> BigRational {
    match (a.is_one(), b.is_one()) {
        (true, _) => b.clone(),
        (_, true) => a.clone(),
        _ => a * b,
    }
}
