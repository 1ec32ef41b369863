//! Exact rationals that stay in machine integers while their parts fit (a
//! thousand quarters add up without big numbers) and become big numbers past
//! them: the checker's exact values at a point, and the prover's linear
//! solve of an assumption. Owns no evaluation of terms.

use num_rational::BigRational;
use num_traits::{One, ToPrimitive};

/// An exact rational: a fraction of machine integers while its parts fit
/// (a thousand quarters add up without big numbers), else a big one.
#[derive(Clone, Debug)]
pub(crate) enum Exact {
    /// `n / d`, in lowest terms, `d > 0`.
    Small(i64, i64),
    Big(BigRational),
}

impl Exact {
    pub(crate) fn of(v: &BigRational) -> Exact {
        match (v.numer().to_i64(), v.denom().to_i64()) {
            (Some(n), Some(d)) => Exact::Small(n, d),
            _ => Exact::Big(v.clone()),
        }
    }

    pub(crate) fn big(&self) -> BigRational {
        match self {
            Exact::Small(n, d) => BigRational::new_raw((*n).into(), (*d).into()),
            Exact::Big(v) => v.clone(),
        }
    }

    /// `n / d` reduced, when it fits.
    fn small(n: i128, d: i128) -> Option<Exact> {
        if d == 1 {
            return Some(Exact::Small(n.try_into().ok()?, 1));
        }
        // Parts within 64 bits (the usual case) take the cheaper gcd.
        let (un, ud) = (n.unsigned_abs(), d.unsigned_abs());
        let g = match (u64::try_from(un), u64::try_from(ud)) {
            (Ok(a), Ok(b)) => i128::from(num_integer::Integer::gcd(&a, &b)),
            _ => num_integer::Integer::gcd(&n, &d),
        };
        let (n, d) = (n / g, d / g);
        Some(Exact::Small(n.try_into().ok()?, d.try_into().ok()?))
    }

    /// `n / d` in lowest terms, for `d > 0`.
    fn reduced(n: i64, d: i64) -> Exact {
        if d == 1 {
            return Exact::Small(n, 1);
        }
        // At least 1 and at most `d`: a positive machine integer.
        let g = num_integer::Integer::gcd(&n.unsigned_abs(), &d.unsigned_abs()) as i64;
        Exact::Small(n / g, d / g)
    }

    /// Both as machine fractions, widened (`a/b`, `c/d`), when both are.
    fn pair(&self, o: &Exact) -> Option<(i128, i128, i128, i128)> {
        match (self, o) {
            (Exact::Small(a, b), Exact::Small(c, d)) => Some((
                i128::from(*a),
                i128::from(*b),
                i128::from(*c),
                i128::from(*d),
            )),
            _ => None,
        }
    }

    pub(crate) fn add(&self, o: &Exact) -> Exact {
        // Over one denominator (a sum of quarters), in 64 bits while the sum fits.
        if let (Exact::Small(a, b), Exact::Small(c, d)) = (self, o) {
            if let Some(n) = a.checked_add(*c).filter(|_| b == d) {
                return Exact::reduced(n, *b);
            }
        }
        let small = self.pair(o).and_then(|(a, b, c, d)| {
            // Over one denominator (a sum of quarters), no cross products.
            if b == d {
                Exact::small(a + c, b)
            } else {
                Exact::small(a * d + c * b, b * d)
            }
        });
        small.unwrap_or_else(|| Exact::Big(self.big() + o.big()))
    }

    pub(crate) fn mul(&self, o: &Exact) -> Exact {
        // By 1 or -1 (a sum's coefficients, mostly): nothing to reduce.
        match self {
            Exact::Small(1, 1) => return o.clone(),
            Exact::Small(-1, 1) => return o.neg(),
            _ => {}
        }
        let small = self
            .pair(o)
            .and_then(|(a, b, c, d)| Exact::small(a * c, b * d));
        small.unwrap_or_else(|| Exact::Big(self.big() * o.big()))
    }

    pub(crate) fn neg(&self) -> Exact {
        match self {
            Exact::Small(n, d) if *n != i64::MIN => Exact::Small(-n, *d),
            other => Exact::Big(-other.big()),
        }
    }

    /// `1 / self`, or `None` for zero.
    pub(crate) fn recip(&self) -> Option<Exact> {
        match self {
            Exact::Small(0, _) => None,
            Exact::Small(n, d) if *n > 0 => Some(Exact::Small(*d, *n)),
            Exact::Small(n, d) if *n != i64::MIN => Some(Exact::Small(-d, -n)),
            other => {
                let v = other.big();
                (!num_traits::Zero::is_zero(&v)).then(|| Exact::Big(v.recip()))
            }
        }
    }

    /// Whether this is zero.
    pub(crate) fn is_zero(&self) -> bool {
        match self {
            Exact::Small(n, _) => *n == 0,
            Exact::Big(v) => num_traits::Zero::is_zero(v),
        }
    }

    /// Whether both parts are machine integers.
    pub(crate) fn is_small(&self) -> bool {
        matches!(self, Exact::Small(..))
    }
}

/// The size past which an exact value at a point is not computed
/// (numerator and denominator bits together): the prover does not pick a
/// point whose values pass it, and the checker does not compute past it, so
/// a hostile point or assumption (`x^64^64` at a 60-digit `x`) ends in "no
/// exact value", not in an hour of multiplying.
pub(crate) const MAX_EXACT_BITS: u64 = 1 << 18;

/// The bits of `v`'s numerator and denominator together.
pub(crate) fn bits(v: &BigRational) -> u64 {
    v.numer().bits() + v.denom().bits()
}

/// A bound on [`bits`] of `base^e` (for either sign of `e`), known before
/// computing it: a part that is one (or minus one) stays one bit.
pub(crate) fn power_bits(base: &BigRational, e: u64) -> u64 {
    let part = |b: &num_bigint::BigInt| {
        if b.magnitude().is_one() {
            1
        } else {
            b.bits().saturating_mul(e)
        }
    };
    part(base.numer()).saturating_add(part(base.denom()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Machine fractions give what big numbers give, past `i64` too.
    #[test]
    fn small_and_big_agree() {
        let values: Vec<BigRational> = [
            (0, 1),
            (3, 4),
            (-7, 2),
            (i64::MAX, 1),
            (i64::MIN, 3),
            (1, i64::MAX),
        ]
        .iter()
        .map(|(n, d)| BigRational::new((*n).into(), (*d).into()))
        .collect();
        for a in &values {
            let x = Exact::of(a);
            assert_eq!(x.neg().big(), -a);
            assert_eq!(x.is_zero(), a == &BigRational::from_integer(0.into()));
            match x.recip() {
                Some(r) => assert_eq!(r.big(), a.recip()),
                None => assert!(x.is_zero()),
            }
            for b in &values {
                let y = Exact::of(b);
                assert_eq!(x.add(&y).big(), a + b, "{a} + {b}");
                assert_eq!(x.mul(&y).big(), a * b, "{a} * {b}");
            }
        }
    }
}
