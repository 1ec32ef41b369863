//! Signs as sets of possible signs (`-`, `0`, `+`) and their arithmetic.
//! Owns no facts and no terms: the normalizer asks, this answers.

/// The signs a value may have: a set of `NEG`, `ZERO`, `POS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signs(pub u8);

impl Signs {
    /// Negative.
    pub const NEG: Signs = Signs(1);
    /// Zero.
    pub const ZERO: Signs = Signs(2);
    /// Positive.
    pub const POS: Signs = Signs(4);
    /// Non-negative.
    pub const NON_NEG: Signs = Signs(6);
    /// Anything.
    pub const ANY: Signs = Signs(7);

    /// The sign of a rational.
    pub fn of(c: &num_rational::BigRational) -> Signs {
        use num_traits::{Signed, Zero};
        if c.is_zero() {
            Signs::ZERO
        } else if c.is_positive() {
            Signs::POS
        } else {
            Signs::NEG
        }
    }

    /// Whether every possibility is in `allowed`. No possibility at all
    /// (a sign derived for a term that cannot be defined) says nothing.
    pub fn within(self, allowed: Signs) -> bool {
        self.0 != 0 && self.0 & !allowed.0 == 0
    }

    /// Either.
    pub fn or(self, other: Signs) -> Signs {
        Signs(self.0 | other.0)
    }

    /// Both.
    pub fn and(self, other: Signs) -> Signs {
        Signs(self.0 & other.0)
    }

    /// Without zero (a divisor, where defined).
    pub fn nonzero(self) -> Signs {
        Signs(self.0 & !2)
    }

    fn each(self) -> impl Iterator<Item = i8> {
        [(1u8, -1i8), (2, 0), (4, 1)]
            .into_iter()
            .filter(move |(bit, _)| self.0 & bit != 0)
            .map(|(_, s)| s)
    }

    fn one(s: i8) -> Signs {
        match s {
            -1 => Signs::NEG,
            0 => Signs::ZERO,
            _ => Signs::POS,
        }
    }

    /// The signs of a product.
    pub fn mul(self, other: Signs) -> Signs {
        let mut out = Signs(0);
        for a in self.each() {
            for b in other.each() {
                out = out.or(Signs::one(a * b));
            }
        }
        out
    }

    /// The signs of a sum.
    pub fn add(self, other: Signs) -> Signs {
        let mut out = Signs(0);
        for a in self.each() {
            for b in other.each() {
                out = out.or(match (a, b) {
                    (0, s) | (s, 0) => Signs::one(s),
                    (x, y) if x == y => Signs::one(x),
                    _ => Signs::ANY,
                });
            }
        }
        out
    }

    /// The signs of an integer power (a negative one excludes zero).
    pub fn pow(self, e: i32) -> Signs {
        let base = if e < 0 { self.nonzero() } else { self };
        match e.unsigned_abs() {
            0 => Signs::POS,
            k if k % 2 == 0 => {
                // A square: each possible sign of the base, squared.
                let mut out = Signs(0);
                for s in base.each() {
                    out = out.or(Signs::one(s * s));
                }
                out
            }
            _ => base,
        }
    }
}
