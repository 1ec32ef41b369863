//! Soundness as a property: for random pairs of terms, whatever backprove
//! proves must agree numerically wherever both sides are defined, and every
//! derivative it prints must match a finite difference.

mod common;

use std::collections::BTreeMap;

use backprove::{differentiate, parse_expression, parse_problem, prove_problem, Limits, Status};
use proptest::prelude::*;

fn term() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("x".to_string()),
        Just("y".to_string()),
        Just("2".to_string()),
        Just("1/3".to_string()),
        Just("-1".to_string()),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} + {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} - {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} * {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} / ({b} + 5))")),
            inner.clone().prop_map(|a| format!("exp({a})")),
            inner.clone().prop_map(|a| format!("log({a})")),
            inner.clone().prop_map(|a| format!("sqrt({a})")),
            inner.clone().prop_map(|a| format!("({a})^2")),
            inner.clone().prop_map(|a| format!("({a})^-1")),
        ]
    })
}

fn points() -> Vec<BTreeMap<String, f64>> {
    let mut out = Vec::new();
    for x in [0.3, 1.7, -0.9, 2.6] {
        for y in [0.8, -1.4, 2.2] {
            out.push([("x".to_string(), x), ("y".to_string(), y)].into());
        }
    }
    out
}

/// Identities (some true everywhere, some only where defined, some false)
/// to instantiate with random terms: most random pairs of terms differ, and
/// would exercise only refutation.
const SHAPES: &[&str] = &[
    "{a} + {b} = {b} + {a}",
    "({a})*(({b}) + ({c})) = ({a})*({b}) + ({a})*({c})",
    "exp(({a}) + ({b})) = exp({a})*exp({b})",
    "log(exp({a})) = {a}",
    "({a})^2 - ({b})^2 = (({a}) - ({b}))*(({a}) + ({b}))",
    "({a})/({a}) = 1",
    "sqrt(({a})^2) = {a}",
    "log(({a})*({b})) = log({a}) + log({b})",
    "exp(log({a})) = {a}",
    "d({a}, x) + d({b}, x) = d(({a}) + ({b}), x)",
    "d(({a})*({b}), x) = d({a}, x)*({b}) + ({a})*d({b}, x)",
    "d(exp({a}), x) = exp({a})*d({a}, x)",
    "({a})*({b}) = ({b})*({a}) + 1",
    "d(({a})/({b}), y) = d({a}, y)/({b})",
    "{a} = {b}",
];

proptest! {
    #![proptest_config(common::fixed(300))]
    #[test]
    fn proved_claims_hold_numerically(shape in 0..SHAPES.len(), a in term(), b in term(), c in term()) {
        let text = format!("prove {}", SHAPES[shape].replace("{a}", &a).replace("{b}", &b).replace("{c}", &c));
        // Constant zero divisors are rejected by the parser; those inputs prove nothing.
        let Ok(problem) = parse_problem(&text) else { return Ok(()) };
        let limits = Limits { timeout: std::time::Duration::from_secs(2), max_nodes: 50_000 };
        let report = prove_problem(&problem, &limits);
        // The prover and the independent checker must agree on every verdict.
        let reason = report.claims[0].reason.clone().unwrap_or_default();
        prop_assert!(!reason.contains("internal error"), "{}: {}", text, reason);
        if report.claims[0].status == Status::Proved {
            let (l, r) = (&problem.claims[0].lhs, &problem.claims[0].rhs);
            for p in points() {
                if let (Some(u), Some(v)) = (common::eval(l, &p), common::eval(r, &p)) {
                    prop_assert!(common::close(u, v, 1e-6), "proved {} but {} != {} at {:?}", text, u, v, p);
                }
            }
        }
    }

    #[test]
    fn printed_derivatives_match_finite_differences(a in term()) {
        let Ok(e) = parse_expression(&a, &[]) else { return Ok(()) };
        let limits = Limits { timeout: std::time::Duration::from_secs(2), max_nodes: 50_000 };
        let Ok(d) = differentiate(&e, "x".into(), &BTreeMap::new(), &limits).map(|d| d.text) else { return Ok(()) };
        let printed = parse_expression(&d, &[]).expect("printed derivative re-parses");
        let by_difference = parse_expression(&format!("d({a}, x)"), &[]).unwrap();
        for p in points() {
            if let (Some(u), Some(v)) = (common::eval(&printed, &p), common::eval(&by_difference, &p)) {
                prop_assert!(common::close(u, v, 1e-3), "d({}, x) printed as {}: {} vs {} at {:?}", a, d, u, v, p);
            }
        }
    }
}

/// Terms over indexed families: free index `k`, sums binding `j` or `k`
/// (so captures and shadowing happen), deltas, elements of `a`, `b`, and `x`.
fn indexed_term() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("x".to_string()),
        Just("a[k]".to_string()),
        Just("b[k]".to_string()),
        Just("a[m]".to_string()),
        Just("delta(k, m)".to_string()),
        Just("2".to_string()),
        Just("-1/2".to_string()),
    ];
    leaf.prop_recursive(4, 20, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} + {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} - {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} * {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} / (({b})^2 + 1))")),
            inner.clone().prop_map(|a| format!("exp({a})")),
            inner.clone().prop_map(|a| format!("sum(j, {a}*a[j])")),
            inner
                .clone()
                .prop_map(|a| format!("sum(j, {a}*delta(j, k))")),
            inner.clone().prop_map(|a| format!("sum(k, {a})")),
            inner.clone().prop_map(|a| format!("sum(j, {a} + b[j])")),
        ]
    })
}

/// Identity shapes over indexed terms (true, true where defined, or false).
const INDEXED_SHAPES: &[&str] = &[
    "sum(j, {a}*delta(j, k)) = {a}",
    "sum(j, ({a})*b[j]) = ({a})*sum(j, b[j])",
    "sum(j, ({a}) + ({b})) = sum(j, {a}) + sum(j, {b})",
    "d({a}, a[k]) + d({b}, a[k]) = d(({a}) + ({b}), a[k])",
    "d(sum(k, {a}), a[k]) = sum(k, d({a}, a[k]))",
    "d(sum(j, ({a})*a[j]), x) = sum(j, d({a}, x)*a[j])",
    "sum(j, {a}) = {a}",
    "d({a}, a[k]) = d({a}, b[k])",
    "d({a}, a[m])*delta(k, m) = d({a}, a[k])*delta(k, m)",
    "({a})*delta(k, m) = ({b})*delta(k, m)",
    "{a} = {b}",
];

/// Points with `n` = 1, 2, 3 classes and `k`, `m` each class in turn.
fn indexed_points() -> Vec<BTreeMap<String, f64>> {
    let mut out = Vec::new();
    for n in 1..=3usize {
        for (k, m) in (1..=n).flat_map(|k| (1..=n).map(move |m| (k, m))) {
            for x in [0.3, -1.1] {
                let mut p: BTreeMap<String, f64> = BTreeMap::new();
                p.insert("n".into(), n as f64);
                p.insert("k".into(), k as f64);
                p.insert("m".into(), m as f64);
                p.insert("x".into(), x);
                for i in 1..=n {
                    p.insert(format!("a[{i}]"), x * 0.5 + 0.4 * i as f64 - 0.7);
                    p.insert(format!("b[{i}]"), 0.9 - 0.35 * i as f64);
                }
                out.push(p);
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(common::fixed(200))]
    #[test]
    fn proved_indexed_claims_hold_for_small_n(shape in 0..INDEXED_SHAPES.len(), a in indexed_term(), b in indexed_term()) {
        let text = format!("prove {}", INDEXED_SHAPES[shape].replace("{a}", &a).replace("{b}", &b));
        let Ok(problem) = parse_problem(&text) else { return Ok(()) };
        let limits = Limits { timeout: std::time::Duration::from_secs(2), max_nodes: 50_000 };
        let report = prove_problem(&problem, &limits);
        let reason = report.claims[0].reason.clone().unwrap_or_default();
        prop_assert!(!reason.contains("internal error"), "{}: {}", text, reason);
        if report.claims[0].status == Status::Proved {
            let (l, r) = (&problem.claims[0].lhs, &problem.claims[0].rhs);
            for p in indexed_points() {
                if let (Some(u), Some(v)) = (common::eval(l, &p), common::eval(r, &p)) {
                    prop_assert!(common::close(u, v, 1e-5), "proved {} but {} != {} at {:?}", text, u, v, p);
                }
            }
        }
    }
}

/// Terms over two ranges: `i`, `l` run over `1..e`, `j`, `k` over `1..n`;
/// `c` is indexed by the first, `a` by the second, `W[k, l]` by both.
fn two_size_term() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("x".to_string()),
        Just("a[k]".to_string()),
        Just("c[l]".to_string()),
        Just("W[k, l]".to_string()),
        Just("e".to_string()),
        Just("2".to_string()),
    ];
    leaf.prop_recursive(3, 16, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} + {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} * {b})")),
            inner.clone().prop_map(|a| format!("sum(i, {a}*c[i])")),
            inner.clone().prop_map(|a| format!("sum(i, {a}*W[k, i])")),
            inner
                .clone()
                .prop_map(|a| format!("sum(i, {a}*delta(i, l))")),
            inner.clone().prop_map(|a| format!("sum(j, {a}*a[j])")),
            inner.clone().prop_map(|a| format!("sum(l, {a})")),
        ]
    })
}

/// Identity shapes over two ranges (true, or false when the sizes differ).
const TWO_SIZE_SHAPES: &[&str] = &[
    "sum(i, ({a})*delta(i, l)) = {a}",
    "sum(i, {a}) = sum(j, {a})",
    "sum(i, {a}) = e*({a})",
    "d({a}, W[k, l]) = d({a}, c[l])",
    "d(sum(i, ({a})*W[k, i]), W[k, l]) = sum(i, d({a}, W[k, l])*W[k, i]) + {a}",
    "{a} = {b}",
];

/// Points at every pair of sizes `n`, `e` in 1..3 and every `k`, `l`.
fn two_size_points() -> Vec<BTreeMap<String, f64>> {
    let mut out = Vec::new();
    for (n, e) in (1..=3usize).flat_map(|n| (1..=3usize).map(move |e| (n, e))) {
        for (k, l) in (1..=n).flat_map(|k| (1..=e).map(move |l| (k, l))) {
            let mut p: BTreeMap<String, f64> = BTreeMap::new();
            p.insert("n".into(), n as f64);
            p.insert("e".into(), e as f64);
            p.insert("size of i".into(), e as f64);
            p.insert("size of l".into(), e as f64);
            p.insert("k".into(), k as f64);
            p.insert("l".into(), l as f64);
            p.insert("x".into(), 0.7);
            for r in 1..=3 {
                p.insert(format!("a[{r}]"), 0.4 * r as f64 - 0.7);
                p.insert(format!("c[{r}]"), 0.9 - 0.35 * r as f64);
                for s in 1..=3 {
                    p.insert(
                        format!("W[{r}, {s}]"),
                        0.2 * r as f64 - 0.3 * s as f64 + 0.1,
                    );
                }
            }
            out.push(p);
        }
    }
    out
}

proptest! {
    #![proptest_config(common::fixed(120))]
    #[test]
    fn proved_two_size_claims_hold_at_every_pair_of_sizes(shape in 0..TWO_SIZE_SHAPES.len(), a in two_size_term(), b in two_size_term()) {
        let claim = TWO_SIZE_SHAPES[shape].replace("{a}", &a).replace("{b}", &b);
        let text = format!("index i, l in 1..e\nprove {claim}");
        let Ok(problem) = parse_problem(&text) else { return Ok(()) };
        let limits = Limits { timeout: std::time::Duration::from_secs(2), max_nodes: 50_000 };
        let report = prove_problem(&problem, &limits);
        let reason = report.claims[0].reason.clone().unwrap_or_default();
        prop_assert!(!reason.contains("internal error"), "{}: {}", text, reason);
        if report.claims[0].status == Status::Proved {
            let (l, r) = (&problem.claims[0].lhs, &problem.claims[0].rhs);
            for p in two_size_points() {
                if let (Some(u), Some(v)) = (common::eval(l, &p), common::eval(r, &p)) {
                    prop_assert!(common::close(u, v, 1e-5), "proved {} but {} != {} at {:?}", text, u, v, p);
                }
            }
        }
    }
}

#[test]
fn the_two_size_check_can_fail() {
    // `sum(i, 1) = sum(j, 1)` is `e = n`: the points above tell them apart.
    let problem = parse_problem("index i, l in 1..e\nprove sum(i, 1) = sum(j, 1)").unwrap();
    let (l, r) = (&problem.claims[0].lhs, &problem.claims[0].rhs);
    let differ = two_size_points()
        .iter()
        .filter(|p| common::eval(l, p) != common::eval(r, p))
        .count();
    assert!(differ > 0);
}
