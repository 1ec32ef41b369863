//! Numeric evaluation with rigorous intervals (outward-rounded f64), used to
//! refute false claims at concrete points and as a safety net behind every proof.
//! It never proves anything: agreement at points is evidence, not proof.
//! Terms with sums and families are evaluated unrolled ([`Evaluator`] on
//! `unroll`'s output) or, at a roll-up's size, on the template itself
//! (`indexed`), with the same intervals.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;

use egg::{RecExpr, Symbol};
use num_rational::BigRational;
use num_traits::ToPrimitive;

use crate::language::Math;

mod indexed;
pub(crate) use indexed::Indexed;

/// Exact values of variables: a point.
pub(crate) type Point = BTreeMap<Symbol, BigRational>;

/// A claim's two sides' values at a point (`None`: not both defined there).
pub(crate) type SidesAt = Option<(Interval, Interval)>;

/// A closed interval `[lo, hi]` that surely contains the true value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Lower bound.
    pub lo: f64,
    /// Upper bound.
    pub hi: f64,
}

fn down(x: f64, ulps: u32) -> f64 {
    (0..ulps).fold(x, |v, _| v.next_down())
}

fn up(x: f64, ulps: u32) -> f64 {
    (0..ulps).fold(x, |v, _| v.next_up())
}

impl Interval {
    fn new(lo: f64, hi: f64, ulps: u32) -> Option<Interval> {
        if lo.is_nan() || hi.is_nan() {
            return None;
        }
        Some(Interval {
            lo: down(lo, ulps),
            hi: up(hi, ulps),
        })
    }

    /// An interval around an exact rational.
    pub fn from_rational(v: &BigRational) -> Option<Interval> {
        // Both parts exact in f64: one rounded division, as `to_f64` does
        // it then, without its general preparations.
        const EXACT: std::ops::RangeInclusive<i64> = -(1 << 53)..=(1 << 53);
        let x = match (v.numer().to_i64(), v.denom().to_i64()) {
            (Some(n), Some(d)) if EXACT.contains(&n) && EXACT.contains(&d) => n as f64 / d as f64,
            _ => v.to_f64()?,
        };
        Interval::new(x, x, 2)
    }

    /// Whether the two intervals cannot hold the same value.
    pub fn disjoint(&self, other: &Interval) -> bool {
        self.hi < other.lo || other.hi < self.lo
    }

    /// The midpoint, for display.
    pub fn mid(&self) -> f64 {
        self.lo / 2.0 + self.hi / 2.0
    }

    fn add(self, o: Interval) -> Option<Interval> {
        Interval::new(self.lo + o.lo, self.hi + o.hi, 1)
    }

    fn neg(self) -> Interval {
        Interval {
            lo: -self.hi,
            hi: -self.lo,
        }
    }

    fn mul(self, o: Interval) -> Option<Interval> {
        let p = [
            self.lo * o.lo,
            self.lo * o.hi,
            self.hi * o.lo,
            self.hi * o.hi,
        ];
        if p.iter().any(|v| v.is_nan()) {
            return None;
        }
        let lo = p.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = p.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Interval::new(lo, hi, 1)
    }

    fn recip(self) -> Option<Interval> {
        if self.lo <= 0.0 && self.hi >= 0.0 {
            return None;
        }
        Interval::new(1.0 / self.hi, 1.0 / self.lo, 1)
    }

    fn exp(self) -> Option<Interval> {
        Interval::new(self.lo.exp(), self.hi.exp(), 4)
    }

    fn log(self) -> Option<Interval> {
        if self.lo <= 0.0 {
            return None;
        }
        Interval::new(self.lo.ln(), self.hi.ln(), 4)
    }

    fn sqrt(self) -> Option<Interval> {
        if self.lo < 0.0 {
            return None;
        }
        Interval::new(self.lo.sqrt(), self.hi.sqrt(), 4).map(|i| Interval {
            lo: i.lo.max(0.0),
            hi: i.hi,
        })
    }

    /// The image under a non-decreasing `f` computed to within a few ulps.
    fn monotone(self, f: impl Fn(f64) -> f64, ulps: u32) -> Option<Interval> {
        Interval::new(f(self.lo), f(self.hi), ulps)
    }

    /// Clipped to `[lo, hi]`, where the true value surely lies.
    fn clip(self, lo: f64, hi: f64) -> Interval {
        Interval {
            lo: self.lo.max(lo),
            hi: self.hi.min(hi),
        }
    }

    fn tanh(self) -> Option<Interval> {
        Some(self.monotone(f64::tanh, 4)?.clip(-1.0, 1.0))
    }

    fn sigmoid(self) -> Option<Interval> {
        // exp(x)/(1 + exp(x)) below 0: `1/(1 + exp(-x))` overflows to 0
        // at x < -709.8, where the value is still about exp(x) (fourth
        // red-team review: sigmoid(-720) = 2.0e-313 was [0, 3e-323]).
        let f = |x: f64| {
            if x >= 0.0 {
                1.0 / (1.0 + (-x).exp())
            } else {
                let e = x.exp();
                e / (1.0 + e)
            }
        };
        Some(self.monotone(f, 6)?.clip(0.0, 1.0))
    }

    fn softplus(self) -> Option<Interval> {
        // log(1 + exp(x)) = max(x, 0) + log(1 + exp(-|x|)), which never overflows.
        let f = |x: f64| x.max(0.0) + (-x.abs()).exp().ln_1p();
        Some(self.monotone(f, 6)?.clip(0.0, f64::INFINITY))
    }

    fn relu(self) -> Interval {
        Interval {
            lo: self.lo.max(0.0),
            hi: self.hi.max(0.0),
        }
    }

    /// The Heaviside step: its value at 0 is left open, so an interval
    /// reaching 0 gives `[0, 1]`.
    fn step(self) -> Interval {
        let (lo, hi) = if self.lo > 0.0 {
            (1.0, 1.0)
        } else if self.hi < 0.0 {
            (0.0, 0.0)
        } else {
            (0.0, 1.0)
        };
        Interval { lo, hi }
    }

    fn abs(self) -> Interval {
        if self.lo >= 0.0 {
            self
        } else if self.hi <= 0.0 {
            self.neg()
        } else {
            Interval {
                lo: 0.0,
                hi: self.hi.max(-self.lo),
            }
        }
    }

    fn max(self, o: Interval) -> Interval {
        Interval {
            lo: self.lo.max(o.lo),
            hi: self.hi.max(o.hi),
        }
    }

    fn min(self, o: Interval) -> Interval {
        Interval {
            lo: self.lo.min(o.lo),
            hi: self.hi.min(o.hi),
        }
    }

    /// `f` is `sin` or `cos`: 1-Lipschitz, so its values on the interval lie
    /// within the interval's width of its values at the ends.
    fn periodic(self, f: impl Fn(f64) -> f64) -> Option<Interval> {
        if !self.lo.is_finite() || !self.hi.is_finite() {
            return None;
        }
        let width = up(self.hi - self.lo, 1);
        let (a, b) = (f(self.lo), f(self.hi));
        let i = Interval::new(a.min(b) - width, a.max(b) + width, 4)?;
        Some(i.clip(-1.0, 1.0))
    }

    fn powi(self, e: i64) -> Option<Interval> {
        if e < 0 {
            return self.powi(e.checked_neg()?)?.recip();
        }
        // Square-and-multiply: a huge exponent costs its bit length, not its size.
        let mut acc = Interval { lo: 1.0, hi: 1.0 };
        let mut base = self;
        let mut e = e;
        while e > 0 {
            if e & 1 == 1 {
                acc = acc.mul(base)?;
            }
            e >>= 1;
            if e > 0 {
                base = base.mul(base)?;
                if base.lo < 0.0 {
                    // A square is never negative; the interval product may say otherwise.
                    base.lo = 0.0;
                }
            }
        }
        Some(acc)
    }
}

/// Evaluates terms at one point; `let` names are evaluated from their definitions.
pub struct Evaluator<'a> {
    defs: &'a BTreeMap<Symbol, RecExpr<Math>>,
    point: &'a BTreeMap<Symbol, BigRational>,
    names: HashMap<Symbol, Option<Interval>>,
}

impl<'a> Evaluator<'a> {
    /// An evaluator at `point`.
    pub fn new(
        defs: &'a BTreeMap<Symbol, RecExpr<Math>>,
        point: &'a BTreeMap<Symbol, BigRational>,
    ) -> Self {
        Evaluator {
            defs,
            point,
            names: HashMap::with_capacity_and_hasher(defs.len() + point.len(), Default::default()),
        }
    }

    /// The value of `expr`, or `None` where it is undefined, not certainly
    /// defined, or contains an unevaluated derivative.
    pub fn eval(&mut self, expr: &RecExpr<Math>) -> Option<Interval> {
        let mut vals: Vec<Option<Interval>> = Vec::with_capacity(expr.as_ref().len());
        for node in expr.as_ref() {
            let v = match node {
                Math::Var(s) => self.var(*s),
                // Index terms are evaluated after unrolling (see `unroll`), or by [`Indexed`].
                Math::D(_) | Math::Idx(_) | Math::Sum(_) | Math::Delta(_) | Math::Lambda(_) => None,
                node => apply(expr, node, |i| vals[usize::from(i)], constant),
            };
            vals.push(v);
        }
        vals.pop().flatten()
    }

    fn var(&mut self, s: Symbol) -> Option<Interval> {
        // Every name's value once, a definition's and a point's alike (a
        // thousand classes are thousands of lookups in the ordered maps).
        if let Some(v) = self.names.get(&s) {
            return *v;
        }
        let v = match self.defs.get(&s) {
            Some(def) => self.eval(def),
            None => self.point.get(&s).and_then(Interval::from_rational),
        };
        self.names.insert(s, v);
        v
    }
}

/// The value of an arithmetic or function node from its children's values
/// (`get`); `exponent` gives a power's exponent exactly when it is constant.
/// Names and index terms are the caller's.
fn apply(
    expr: &RecExpr<Math>,
    node: &Math,
    get: impl Fn(egg::Id) -> Option<Interval>,
    exponent: impl Fn(&RecExpr<Math>, egg::Id) -> Option<BigRational>,
) -> Option<Interval> {
    let two = |a: &egg::Id, b: &egg::Id| get(*a).zip(get(*b));
    match node {
        Math::Num(c) => Interval::from_rational(&c.0),
        Math::Add([a, b]) => two(a, b).and_then(|(a, b)| a.add(b)),
        Math::Sub([a, b]) => two(a, b).and_then(|(a, b)| a.add(b.neg())),
        Math::Mul([a, b]) => two(a, b).and_then(|(a, b)| a.mul(b)),
        Math::Div([a, b]) => two(a, b).and_then(|(a, b)| b.recip().and_then(|r| a.mul(r))),
        Math::Neg(a) => get(*a).map(Interval::neg),
        Math::Exp(a) => get(*a).and_then(Interval::exp),
        Math::Log(a) => get(*a).and_then(Interval::log),
        Math::Sqrt(a) => get(*a).and_then(Interval::sqrt),
        Math::Tanh(a) => get(*a).and_then(Interval::tanh),
        Math::Sigmoid(a) => get(*a).and_then(Interval::sigmoid),
        Math::Softplus(a) => get(*a).and_then(Interval::softplus),
        Math::Relu(a) => get(*a).map(Interval::relu),
        Math::Step(a) => get(*a).map(Interval::step),
        Math::Abs(a) => get(*a).map(Interval::abs),
        Math::Sin(a) => get(*a).and_then(|x| x.periodic(f64::sin)),
        Math::Cos(a) => get(*a).and_then(|x| x.periodic(f64::cos)),
        Math::Max([a, b]) => two(a, b).map(|(a, b)| a.max(b)),
        Math::Min([a, b]) => two(a, b).map(|(a, b)| a.min(b)),
        Math::Pow([a, b]) => match exponent(expr, *b) {
            // A constant integer exponent (`2`, or `2 - 1` as the power rule writes it).
            Some(c) if c.is_integer() => c
                .to_integer()
                .to_i64()
                .and_then(|e| get(*a).and_then(|x| x.powi(e))),
            _ => two(a, b).and_then(|(x, y)| {
                if x.lo <= 0.0 {
                    return None;
                }
                x.log()?.mul(y)?.exp()
            }),
        },
        Math::Var(_)
        | Math::D(_)
        | Math::Idx(_)
        | Math::Sum(_)
        | Math::Delta(_)
        | Math::Lambda(_) => None,
    }
}

/// The exact value of a constant subterm (numbers, `+ - * /` and small
/// integer powers of them).
pub(crate) fn constant(expr: &RecExpr<Math>, id: egg::Id) -> Option<BigRational> {
    crate::language::constant_node(&expr[id], |c| constant(expr, c))
}

/// A small deterministic generator (SplitMix64), so every run samples the same points.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A rational `k/4` with `k` drawn from `lo..=hi`, never zero.
    pub fn quarter(&mut self, lo: i64, hi: i64) -> BigRational {
        loop {
            let span = (hi - lo + 1) as u64;
            let k = lo + (self.next_u64() % span) as i64;
            if k != 0 {
                // Reduced here, in machine integers, as `BigRational::new` would.
                let g = [4, 2, 1].into_iter().find(|g| k % g == 0).unwrap_or(1);
                return BigRational::new_raw((k / g).into(), (4 / g).into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reading machine-size parts directly gives `to_f64`'s interval.
    #[test]
    fn sigmoid_holds_its_value_where_exp_of_minus_x_overflows() {
        // Below -40, sigmoid(x) is exp(x) to within a relative 1e-17.
        for x in [-800.0, -745.0, -720.0, -709.0, -100.0, -40.0] {
            let i = Interval { lo: x, hi: x }.sigmoid().unwrap();
            let e = f64::exp(x);
            assert!(i.lo <= e && e <= i.hi, "sigmoid({x}) in {i:?}, not {e}");
        }
        let half = Interval { lo: 0.0, hi: 0.0 }.sigmoid().unwrap();
        assert!(half.lo <= 0.5 && 0.5 <= half.hi && half.hi - half.lo < 1e-15);
    }

    #[test]
    fn from_rational_is_to_f64s() {
        let exact = 1i64 << 53;
        let parts = [
            0,
            1,
            -1,
            3,
            7,
            -10,
            exact - 1,
            exact,
            exact + 1,
            -exact,
            i64::MAX,
            i64::MIN,
        ];
        let denominators = [1, 3, 4, 10, exact, exact + 1, i64::MAX];
        let huge: num_bigint::BigInt = "123456789012345678901234567890".parse().unwrap();
        let mut values: Vec<BigRational> = Vec::new();
        for n in parts {
            for d in denominators {
                values.push(BigRational::new(n.into(), d.into()));
            }
            values.push(BigRational::new(n.into(), huge.clone()));
            values.push(BigRational::new(huge.clone(), (n | 1).into()));
        }
        for v in values {
            let expected = v.to_f64().and_then(|x| Interval::new(x, x, 2));
            assert_eq!(Interval::from_rational(&v), expected, "{v}");
        }
    }
}
