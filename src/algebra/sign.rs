//! Sign facts as the set of signs a value may take: the sound way to combine
//! "exp is positive", "a sum of positives is positive" and `assume` facts.

use std::ops::{Add, Mul};

/// A set of possible signs (negative, zero, positive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sign(u8);

impl Sign {
    /// Only negative values.
    pub const NEG: Sign = Sign(1);
    /// Only zero.
    pub const ZERO: Sign = Sign(2);
    /// Only positive values.
    pub const POS: Sign = Sign(4);
    /// Zero or positive.
    pub const NON_NEG: Sign = Sign(6);
    /// Negative or positive.
    pub const NON_ZERO: Sign = Sign(5);
    /// Anything.
    pub const ANY: Sign = Sign(7);

    /// Whether the value is surely positive.
    pub fn is_pos(self) -> bool {
        self == Sign::POS
    }

    /// Whether zero is excluded.
    pub fn excludes_zero(self) -> bool {
        self.0 & 2 == 0
    }

    /// Whether negative values are excluded.
    pub fn excludes_neg(self) -> bool {
        self.0 & 1 == 0
    }

    /// Both facts hold; an empty intersection falls back to `self` (contradictory facts prove nothing here).
    pub fn meet(self, other: Sign) -> Sign {
        let m = self.0 & other.0;
        if m == 0 {
            self
        } else {
            Sign(m)
        }
    }

    /// The sign of `-x`.
    pub fn neg(self) -> Sign {
        let mut out = self.0 & 2;
        if self.0 & 1 != 0 {
            out |= 4;
        }
        if self.0 & 4 != 0 {
            out |= 1;
        }
        Sign(out)
    }

    /// The sign of `x^e` for an integer `e` (for negative `e`, `x` is non-zero on the domain).
    pub fn powi(self, e: i64) -> Sign {
        let base = if e < 0 {
            Sign(self.0 & 5).meet(self)
        } else {
            self
        };
        if e == 0 {
            return Sign::POS;
        }
        if e % 2 == 0 {
            let mut out = 0;
            if base.0 & 2 != 0 {
                out |= 2;
            }
            if base.0 & 5 != 0 {
                out |= 4;
            }
            Sign(out)
        } else {
            base
        }
    }

    /// The sign of a rational constant.
    pub fn of_value(v: &num_rational::BigRational) -> Sign {
        use num_traits::{Signed, Zero};
        if v.is_zero() {
            Sign::ZERO
        } else if v.is_negative() {
            Sign::NEG
        } else {
            Sign::POS
        }
    }

    fn each(self) -> impl Iterator<Item = u8> {
        [1u8, 2, 4].into_iter().filter(move |b| self.0 & b != 0)
    }
}

// Sign sets combine by union over their members, hence `|` inside `+` and `*`.
#[allow(clippy::suspicious_arithmetic_impl)]
impl Add for Sign {
    type Output = Sign;
    fn add(self, other: Sign) -> Sign {
        let mut out = 0;
        for a in self.each() {
            for b in other.each() {
                out |= match (a.min(b), a.max(b)) {
                    (1, 1) | (1, 2) => 1,
                    (2, 2) => 2,
                    (2, 4) | (4, 4) => 4,
                    _ => 7,
                };
            }
        }
        Sign(out)
    }
}

#[allow(clippy::suspicious_arithmetic_impl)]
impl Mul for Sign {
    type Output = Sign;
    fn mul(self, other: Sign) -> Sign {
        let mut out = 0;
        for a in self.each() {
            for b in other.each() {
                out |= match (a, b) {
                    (2, _) | (_, 2) => 2,
                    (1, 1) | (4, 4) => 4,
                    _ => 1,
                };
            }
        }
        Sign(out)
    }
}
