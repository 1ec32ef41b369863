//! Spot checks and counterexamples: a point's values recomputed with
//! interval arithmetic, after unrolling a symbolic-n problem at the point's
//! number of classes; equations among the assumptions checked exactly. A
//! point's text read, compared with a point read before, and written as one
//! byte string to compare texts by.

use std::collections::BTreeMap;

use egg::{Id, RecExpr, Symbol};
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive, Zero};

use super::{root, Context};
use crate::exact::{power_bits, Exact, MAX_EXACT_BITS};
use crate::language::{parse_rational, Math};
use crate::numeric::{Evaluator, Interval, Point, SidesAt};
use crate::problem::{Problem, Relation};
use crate::report::PointValues;
use crate::unroll;

impl Context {
    /// Checks a point: it satisfies the assumptions, and the sides agree there
    /// (spot check) or certainly differ (counterexample), with the values stated.
    /// `written` is the claim as written: every function under a `d` in it
    /// must be defined at the point too (`log(x)` for `d(log(x), x)`, whose
    /// rule gives `1/x`, defined where `log(x)` is not).
    pub(super) fn check_point(
        &self,
        p: &PointValues,
        lhs: &RecExpr<Math>,
        rhs: &RecExpr<Math>,
        written: [&RecExpr<Math>; 2],
        agree: bool,
    ) -> Result<(), String> {
        let point = read_point(p)?;
        let indexed = unroll::is_indexed(&self.problem)
            || crate::index::is_indexed(lhs)
            || crate::index::is_indexed(rhs);
        if !indexed {
            let sides = within_domain(written, terms(lhs, rhs));
            return self.check_concrete_point(p, &self.problem, &self.defs, &point, &sides, agree);
        }
        // At the point's number of classes and index values.
        let count = |key: &str| -> Result<usize, String> {
            let v = p
                .point
                .get(key)
                .ok_or_else(|| format!("the point gives no value for `{key}`"))?;
            v.parse::<usize>()
                .map_err(|_| format!("`{key}` = {v} is not a whole number"))
        };
        let n = count(unroll::classes_key(&self.problem))?;
        if !(1..=64).contains(&n) {
            return Err(format!("the point has {n} classes; 1 to 64 are checked"));
        }
        let ranges = self.problem.ranges();
        let mut sizes = unroll::Sizes::uniform(&ranges, n);
        for (size, _) in ranges.sizes() {
            let v = count(size.as_str())?;
            if !(1..=64).contains(&v) {
                return Err(format!("the point has {size} = {v}; 1 to 64 are checked"));
            }
            sizes = sizes.with(*size, v);
        }
        let mut env = unroll::Env::new();
        // The claim as written may name an index its derivative lost (`a[k]`).
        for side in [lhs, rhs, written[0], written[1]] {
            for s in crate::index::free_in_order(side) {
                let v = count(s.as_str())?;
                let top = sizes.of(s);
                if !(1..=top).contains(&v) {
                    return Err(format!("index `{s}` = {v} is not in its range 1..{top}"));
                }
                env.insert(s, v);
            }
        }
        let concrete = unroll::unroll_problem(&self.problem, &sizes)?;
        let defs: BTreeMap<Symbol, RecExpr<Math>> = concrete
            .definitions
            .iter()
            .map(|d| (d.name, d.expr.clone()))
            .collect();
        let l = unroll::unroll(lhs, &sizes, &env)?;
        let r = unroll::unroll(rhs, &sizes, &env)?;
        let wl = unroll::unroll(written[0], &sizes, &env)?;
        let wr = unroll::unroll(written[1], &sizes, &env)?;
        let sides = within_domain([&wl, &wr], terms(&l, &r));
        self.check_concrete_point(p, &concrete, &defs, &point, &sides, agree)
    }

    /// [`Context::check_point`] on this context's problem, which has no
    /// indexed terms, at `p` read as `point` ([`read_point`]), with the
    /// sides' values at the point given by `sides` (an error: the sides
    /// cannot be evaluated).
    pub(super) fn check_point_by(
        &self,
        p: &PointValues,
        point: &Point,
        sides: &Sides,
        agree: bool,
    ) -> Result<(), String> {
        self.check_concrete_point(p, &self.problem, &self.defs, point, sides, agree)
    }

    fn check_concrete_point(
        &self,
        p: &PointValues,
        problem: &Problem,
        defs: &BTreeMap<Symbol, RecExpr<Math>>,
        point: &BTreeMap<Symbol, BigRational>,
        sides: &Sides,
        agree: bool,
    ) -> Result<(), String> {
        let mut eval = Evaluator::new(defs, point);
        for a in &problem.assumptions {
            // An equation holds when both sides have exact values and they are equal
            // (then both are defined); an inequality is read in intervals.
            if a.relation == Relation::Eq {
                let l = exact_value(&a.lhs, defs, point);
                let r = exact_value(&a.rhs, defs, point);
                if l.is_some() && l == r {
                    continue;
                }
                if l.is_none() || r.is_none() {
                    return Err(format!(
                        "the point cannot be shown to satisfy `{}`: a side has no exact value there (undefined, not rational, or past the size limit)",
                        a.text()
                    ));
                }
            }
            let (Some(l), Some(r)) = (eval.eval(&a.lhs), eval.eval(&a.rhs)) else {
                return Err(format!(
                    "assumption `{}` is undefined at the point",
                    a.text()
                ));
            };
            let holds = match a.relation {
                Relation::Eq => false,
                Relation::Gt => l.lo > r.hi,
                Relation::Ge => l.lo >= r.hi,
                Relation::Ne => l.disjoint(&r),
            };
            if !holds {
                return Err(format!("the point does not satisfy `{}`", a.text()));
            }
        }
        let Some((l, r)) = sides(&mut eval, point)? else {
            return Err("a side is undefined at the point (or a variable has no value)".into());
        };
        if agree && l.disjoint(&r) {
            return Err("the sides differ at a spot-check point".into());
        }
        if !agree && !l.disjoint(&r) {
            return Err("the sides do not certainly differ at the counterexample".into());
        }
        for (stated, value) in [(&p.lhs, l), (&p.rhs, r)] {
            let stated: f64 = stated
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| format!("`{stated}` is not a finite number"))?;
            if !(value.lo.is_finite() && value.hi.is_finite()) {
                return Err("a side's value at the point is too large to check".into());
            }
            if !close(stated, &value) {
                return Err(format!(
                    "a side is {:.6} at the point, not {stated}",
                    value.mid()
                ));
            }
        }
        Ok(())
    }
}

/// The values of a claim's two sides at a point (the evaluator is the
/// problem's, at that point); an error when they cannot be evaluated.
pub(super) type Sides<'a> = dyn Fn(&mut Evaluator, &Point) -> Result<SidesAt, String> + 'a;

/// `sides`, where first every function under a `d` in the claim as
/// `written` must be defined at the point: where one is not, neither is the
/// claim, and the point is none of its points (its spot check or
/// counterexample says nothing).
pub(super) fn within_domain<'a>(
    written: [&RecExpr<Math>; 2],
    sides: Box<Sides<'a>>,
) -> Box<Sides<'a>> {
    let bodies: Vec<RecExpr<Math>> = written
        .iter()
        .flat_map(|e| crate::language::derivative_bodies(e))
        .collect();
    Box::new(move |eval, point| {
        if let Some(b) = bodies.iter().find(|b| eval.eval(b).is_none()) {
            return Err(format!(
                "`{}` is undefined at the point, and so is its derivative: the claim says nothing there",
                crate::print::to_infix(b)
            ));
        }
        sides(eval, point)
    })
}

/// The sides `lhs` and `rhs`, evaluated as terms of the problem.
fn terms<'a>(lhs: &'a RecExpr<Math>, rhs: &'a RecExpr<Math>) -> Box<Sides<'a>> {
    Box::new(move |eval, _| Ok(eval.eval(lhs).zip(eval.eval(rhs))))
}

/// The longest text of a point's value that is read.
pub(crate) const MAX_POINT_TEXT: usize = 1000;

/// A point's values, read exactly.
pub(crate) fn read_point(p: &PointValues) -> Result<Point, String> {
    let mut point = Point::new();
    for (name, value) in &p.point {
        // The prover writes short fractions; a million digits would take seconds to read.
        if value.len() > MAX_POINT_TEXT {
            return Err(format!(
                "the value of `{name}` has {} characters, more than a point's {MAX_POINT_TEXT}",
                value.len()
            ));
        }
        let v = parse_rational(value).ok_or_else(|| format!("`{value}` is not a rational"))?;
        point.insert(Symbol::from(name.as_str()), v);
    }
    Ok(point)
}

/// Whether `p` reads ([`read_point`]) as exactly `point`, compared entry by
/// entry without building the point it reads as.
pub(crate) fn reads_as(p: &PointValues, point: &Point) -> bool {
    if p.point.len() != point.len() {
        return false;
    }
    // The point's names as text (distinct, as its symbols are): no name of
    // `p` is interned to be looked up.
    let by_name: rustc_hash::FxHashMap<&str, &BigRational> =
        point.iter().map(|(k, v)| (k.as_str(), v)).collect();
    p.point.iter().all(|(name, text)| {
        by_name
            .get(name.as_str())
            .is_some_and(|v| text_reads_as(text, v))
    })
}

/// The names and values of `p`'s point, in order, each after its length:
/// one allocation, not two per name, and points are written alike exactly
/// when they are the same (what [`read_point`] reads).
pub(super) fn written(p: &PointValues) -> Vec<u8> {
    let size: usize = p.point.iter().map(|(k, v)| 16 + k.len() + v.len()).sum();
    let mut out = Vec::with_capacity(size);
    for part in p.point.iter().flat_map(|(k, v)| [k, v]) {
        out.extend_from_slice(&part.len().to_le_bytes());
        out.extend_from_slice(part.as_bytes());
    }
    out
}

/// Whether `text` is [`written`] of `p`, compared without writing `p`.
pub(super) fn is_written(text: &[u8], p: &PointValues) -> bool {
    let mut rest = text;
    for part in p.point.iter().flat_map(|(k, v)| [k, v]) {
        let len = part.len().to_le_bytes();
        let Some(after) = rest.strip_prefix(&len[..]) else {
            return false;
        };
        let Some(after) = after.strip_prefix(part.as_bytes()) else {
            return false;
        };
        rest = after;
    }
    rest.is_empty()
}

/// Whether `parse_rational(text)` is `v`: a whole number or fraction of at
/// most 18 digits a part is compared in machine integers.
fn text_reads_as(text: &str, v: &BigRational) -> bool {
    let (neg, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let part = |s: &str| {
        (!s.is_empty() && s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<i64>().ok())
            .flatten()
    };
    let small = match body.split_once('/') {
        Some((n, d)) => part(n).zip(part(d)),
        None => part(body).map(|n| (n, 1)),
    };
    match small {
        Some((_, 0)) => false,
        Some((n, d)) => {
            let g = num_integer::Integer::gcd(&n, &d);
            let n = if neg { -(n / g) } else { n / g };
            v.numer().to_i64() == Some(n) && v.denom().to_i64() == Some(d / g)
        }
        None => parse_rational(text).as_ref() == Some(v),
    }
}

/// The exact value of `expr` at `point`, where it has one: `+ - * /`,
/// integer powers up to 64, definitions (each evaluated once), and the
/// point's values; `None` elsewhere (a function, a division by zero, a
/// value past `exact::MAX_EXACT_BITS`).
pub(super) fn exact_value(
    expr: &RecExpr<Math>,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    point: &BTreeMap<Symbol, BigRational>,
) -> Option<BigRational> {
    exact_at(expr, root(expr), defs, point)
}

/// [`exact_value`] of the subterm at `id`.
pub(super) fn exact_at(
    expr: &RecExpr<Math>,
    id: Id,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    point: &BTreeMap<Symbol, BigRational>,
) -> Option<BigRational> {
    let mut known = BTreeMap::new();
    exact_in(expr, id, defs, point, &mut known).map(|v| v.big())
}

fn bits(v: &Exact) -> u64 {
    match v {
        Exact::Small(..) => 128,
        Exact::Big(v) => crate::exact::bits(v),
    }
}

/// [`exact_at`] with the values of definitions found so far.
fn exact_in(
    expr: &RecExpr<Math>,
    id: Id,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    point: &BTreeMap<Symbol, BigRational>,
    known: &mut BTreeMap<Symbol, Option<Exact>>,
) -> Option<Exact> {
    let mut vals: Vec<Option<Exact>> = Vec::with_capacity(usize::from(id) + 1);
    for node in &expr.as_ref()[..=usize::from(id)] {
        let get = |c: &Id| vals[usize::from(*c)].as_ref();
        let two = |a: &Id, b: &Id| get(a).zip(get(b));
        let v = match node {
            Math::Num(c) => Some(Exact::of(&c.0)),
            Math::Var(s) => match defs.get(s) {
                Some(def) => match known.get(s) {
                    Some(v) => v.clone(),
                    None => {
                        let v = exact_in(def, root(def), defs, point, known);
                        known.insert(*s, v.clone());
                        v
                    }
                },
                None => point.get(s).map(Exact::of),
            },
            Math::Add([a, b]) => two(a, b).map(|(a, b)| a.add(b)),
            Math::Sub([a, b]) => two(a, b).map(|(a, b)| a.add(&b.neg())),
            Math::Mul([a, b]) => two(a, b).map(|(a, b)| a.mul(b)),
            Math::Div([a, b]) => two(a, b).and_then(|(a, b)| {
                let b = b.big();
                (!b.is_zero()).then(|| Exact::Big(a.big() / b))
            }),
            Math::Neg(a) => get(a).map(Exact::neg),
            // A closure, so that `?` leaves this node undefined, not the whole evaluation.
            Math::Pow([a, b]) => (|| {
                let e = get(b)?.big();
                let e = if e.is_integer() {
                    e.to_integer().to_i32()?
                } else {
                    return None;
                };
                let base = get(a)?.big();
                // A power whose exponent is not a constant is `exp(y*log(x))`,
                // defined only where the base is positive, as the intervals
                // read it (fifth red-team review: `assume x^y = 4` held at
                // x = -2, y = 2, a point where `x^y` does not exist).
                if crate::numeric::constant(expr, *b).is_none() && !base.is_positive() {
                    return None;
                }
                // The power's size, bounded before it is computed.
                if power_bits(&base, u64::from(e.unsigned_abs())) > MAX_EXACT_BITS {
                    return None;
                }
                (e.abs() <= 64 && (e >= 0 || !base.is_zero()))
                    .then(|| Exact::Big(num_traits::Pow::pow(base, e)))
            })(),
            _ => None,
        };
        // Sums and products grow by at most the sizes of their parts: a
        // value past the bound stops here, before anything uses it.
        vals.push(v.filter(|v| bits(v) <= MAX_EXACT_BITS));
    }
    vals.pop().flatten()
}

fn close(stated: f64, value: &Interval) -> bool {
    let slack = 1e-6 * (1.0 + stated.abs());
    stated >= value.lo - slack && stated <= value.hi + slack
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Machine fractions and big numbers give the same exact values.
    #[test]
    fn exact_values_past_machine_integers() {
        let e: RecExpr<Math> = "(- (+ (* x x) (/ y 3)) (* (neg z) (^ x 3)))"
            .parse()
            .unwrap();
        let big = BigRational::new(
            "123456789012345678901234567890".parse().unwrap(),
            "7".parse().unwrap(),
        );
        for x in [BigRational::new(5.into(), 4.into()), big.clone()] {
            let point: BTreeMap<Symbol, BigRational> = [
                (Symbol::from("x"), x.clone()),
                (Symbol::from("y"), BigRational::new((-7).into(), 2.into())),
                (
                    Symbol::from("z"),
                    BigRational::from_integer(i64::MAX.into()),
                ),
            ]
            .into_iter()
            .collect();
            let (y, z) = (&point[&Symbol::from("y")], &point[&Symbol::from("z")]);
            let expected = &x * &x + y / BigRational::from_integer(3.into())
                - (-z) * num_traits::Pow::pow(x.clone(), 3);
            assert_eq!(exact_value(&e, &BTreeMap::new(), &point), Some(expected));
        }
    }

    /// Points are written alike exactly when they are the same, however
    /// their names and values split.
    #[test]
    fn points_are_written_alike_only_when_the_same() {
        let point = |entries: &[(&str, &str)]| PointValues {
            point: entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            lhs: String::new(),
            rhs: String::new(),
        };
        let points = [
            point(&[("a1", "-7/4"), ("t1", "2")]),
            point(&[("a1", "-7/4"), ("t1", "3")]),
            point(&[("a1", "-7/4")]),
            point(&[("a1", "-7/4t"), ("1", "2")]),
            point(&[("a", "1-7/4"), ("t1", "2")]),
            point(&[]),
        ];
        for (i, p) in points.iter().enumerate() {
            for (j, q) in points.iter().enumerate() {
                assert_eq!(is_written(&written(p), q), i == j, "{i} {j}");
            }
        }
    }

    /// A value's text reads as a value exactly when `parse_rational` reads it so.
    #[test]
    fn texts_read_as_parse_rational_reads_them() {
        // Whole numbers, fractions, decimals, too long for machine
        // integers, and not numbers; and the empty text.
        let texts: Vec<&str> = "0 -0 7 -7/4 14/8 -14/-8 3/0 0/5 007 1.25 -0.5 - +3 1/2/3 a \
             123456789012345678 1234567890123456789 123456789012345678/2 \
             -1234567890123456789012/3 9223372036854775807"
            .split_whitespace()
            .chain([""])
            .collect();
        let values: Vec<BigRational> = texts.iter().filter_map(|t| parse_rational(t)).collect();
        for text in texts {
            for v in &values {
                let expected = parse_rational(text).as_ref() == Some(v);
                assert_eq!(text_reads_as(text, v), expected, "{text} as {v}");
            }
        }
        let p = PointValues {
            point: [("a1", "-7/4"), ("t1", "2")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .into(),
            lhs: String::new(),
            rhs: String::new(),
        };
        let point = read_point(&p).unwrap();
        assert!(reads_as(&p, &point));
        let mut other = point.clone();
        other.insert(Symbol::from("t2"), BigRational::from_integer(1.into()));
        assert!(!reads_as(&p, &other));
        other.remove(&Symbol::from("t1"));
        assert!(!reads_as(&p, &other));
    }
}
