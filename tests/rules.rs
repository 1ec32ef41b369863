//! Every differentiation rule, checked numerically: both sides are evaluated
//! with an f64 evaluator that differentiates by central differences, for
//! random functions in place of the rule's variables, at random points.

mod common;

use std::collections::BTreeMap;

use backprove::{Math, DIFF_RULES};
use egg::{ENodeOrVar, Id, Pattern, RecExpr};
use proptest::prelude::*;

/// Functions of `x` and `y` to put in place of `?a` and `?b`.
const FUNCTIONS: &[&str] = &[
    "(* x x)",
    "(exp x)",
    "(+ x 2)",
    "(* 3 y)",
    "(sqrt (+ (* x x) 1))",
    "(/ 1 (+ (* x x) 1))",
    "(log (+ (* y y) 1))",
    "(* x y)",
];
/// Functions of `x`, `a[j]` and `w[j]` to sum over `j` (for `d-sum`).
const INDEXED: &[&str] = &[
    "(* (idx a j) (idx a j))",
    "(exp (* (idx w j) x))",
    "(* (idx w j) (idx a j))",
    "(/ (idx a j) (+ (* x x) 1))",
    "(log (+ (* (idx a j) (idx a j)) 1))",
];
/// Constants for `?c`.
const CONSTANTS: &[&str] = &["2", "3", "-1", "1/2", "5/3", "(- 3 1)"];

fn instantiate(pattern: &str, bind: &BTreeMap<&str, RecExpr<Math>>) -> RecExpr<Math> {
    let p: Pattern<Math> = pattern.parse().unwrap();
    let mut out: Vec<Math> = Vec::new();
    let mut ids: Vec<Id> = Vec::new();
    for node in p.ast.as_ref() {
        match node {
            ENodeOrVar::Var(v) => {
                let term = &bind[v.to_string().as_str()];
                let offset = out.len();
                for n in term.as_ref() {
                    out.push(egg::Language::map_children(n.clone(), |c| {
                        Id::from(usize::from(c) + offset)
                    }));
                }
            }
            ENodeOrVar::ENode(n) => out.push(egg::Language::map_children(n.clone(), |c| {
                ids[usize::from(c)]
            })),
        }
        ids.push(Id::from(out.len() - 1));
    }
    RecExpr::from(out)
}

proptest! {
    #![proptest_config(common::fixed(400))]
    #[test]
    fn every_diff_rule_holds_numerically(
        rule in 0..DIFF_RULES.len(),
        a in 0..FUNCTIONS.len(),
        b in 0..FUNCTIONS.len(),
        c in 0..CONSTANTS.len(),
        x in 0.1f64..3.0,
        y in -2.0f64..2.0,
        other in any::<bool>(),
        j in 1usize..=3,
        k in 1usize..=3,
        seed in -2.0f64..2.0,
    ) {
        let rule = &DIFF_RULES[rule];
        let mut bind: BTreeMap<&str, RecExpr<Math>> = BTreeMap::new();
        bind.insert("?a", FUNCTIONS[a].parse().unwrap());
        bind.insert("?b", FUNCTIONS[b].parse().unwrap());
        bind.insert("?c", CONSTANTS[c].parse().unwrap());
        // `?x` is the variable we differentiate by; `?y` a different free variable
        // (or, for d-var, the same one, as the rule's pattern demands).
        let wrt = if other { "y" } else { "x" };
        bind.insert("?x", wrt.parse().unwrap());
        bind.insert("?y", if wrt == "x" { "y" } else { "x" }.parse().unwrap());
        // Index rules: `?j`, `?k` are index names, `?a` a family (`d-index`) or
        // a term in `j` (`d-sum`), `?x` the scalar `x` or the element `a[k]`.
        bind.insert("?j", "j".parse().unwrap());
        bind.insert("?k", "k".parse().unwrap());
        for v in ["i", "p", "q"] {
            bind.insert(["?i", "?p", "?q"][["i", "p", "q"].iter().position(|w| *w == v).unwrap()], v.parse().unwrap());
        }
        if rule.lhs.contains("idx") {
            bind.insert("?a", if rule.name == "d-matrix" { "W" } else { "a" }.parse().unwrap());
        }
        if rule.lhs.contains("sum") {
            bind.insert("?a", INDEXED[a % INDEXED.len()].parse().unwrap());
            bind.insert("?x", if other { "(idx a k)" } else { "x" }.parse().unwrap());
        }
        let lhs = instantiate(rule.lhs, &bind);
        let rhs = instantiate(rule.rhs, &bind);
        let mut point: BTreeMap<String, f64> = [("x".to_string(), x), ("y".to_string(), y)].into();
        point.insert("n".into(), 3.0);
        point.insert("j".into(), j as f64);
        point.insert("k".into(), k as f64);
        // The matrix rule's indices: `i` and `p` on one side, `q` like `k`.
        point.insert("i".into(), k as f64);
        point.insert("p".into(), j as f64);
        point.insert("q".into(), k as f64);
        for i in 1..=3 {
            point.insert(format!("a[{i}]"), seed + 0.7 * i as f64);
            point.insert(format!("w[{i}]"), 0.5 - 0.3 * i as f64 + seed / 3.0);
            for r in 1..=3 {
                point.insert(format!("W[{i}, {r}]"), seed - 0.4 * i as f64 + 0.9 * r as f64);
            }
        }
        if let (Some(l), Some(r)) = (common::eval(&lhs, &point), common::eval(&rhs, &point)) {
            prop_assert!(common::close(l, r, 1e-4), "{}: {} = {} at {:?}: {} vs {}", rule.name,
                backprove::to_infix(&lhs), backprove::to_infix(&rhs), point, l, r);
        }
    }
}

#[test]
fn a_wrong_rule_fails_the_same_check() {
    // The check above must be able to fail: a product rule missing a term does.
    let mut bind: BTreeMap<&str, RecExpr<Math>> = BTreeMap::new();
    bind.insert("?a", "(* x x)".parse().unwrap());
    bind.insert("?b", "(exp x)".parse().unwrap());
    bind.insert("?x", "x".parse().unwrap());
    let lhs = instantiate("(d (* ?a ?b) ?x)", &bind);
    let wrong = instantiate("(* (d ?a ?x) ?b)", &bind);
    let point: BTreeMap<String, f64> = [("x".to_string(), 1.3)].into();
    let (l, r) = (
        common::eval(&lhs, &point).unwrap(),
        common::eval(&wrong, &point).unwrap(),
    );
    assert!(!common::close(l, r, 1e-4));
}

#[test]
fn every_rule_is_named_in_kebab_case_and_unique() {
    let mut names: Vec<&str> = DIFF_RULES.iter().map(|r| r.name).collect();
    assert!(names
        .iter()
        .all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '-')));
    names.sort();
    names.dedup();
    assert_eq!(names.len(), DIFF_RULES.len());
}

/// A point with three classes for the index rules.
fn indexed_point() -> BTreeMap<String, f64> {
    let mut point: BTreeMap<String, f64> = [("x".to_string(), 0.8), ("n".to_string(), 3.0)].into();
    point.insert("j".into(), 1.0);
    point.insert("k".into(), 2.0);
    for i in 1..=3 {
        point.insert(format!("a[{i}]"), 0.4 * i as f64 - 0.3);
        point.insert(format!("w[{i}]"), 1.1 - 0.5 * i as f64);
    }
    point
}

#[test]
fn every_index_rule_is_evaluated_and_holds() {
    // The property above skips points where a side is undefined; here each
    // index rule is evaluated for certain, at every value of `j` and `k`.
    let point = indexed_point();
    for name in ["d-index", "d-delta", "d-sum"] {
        let rule = DIFF_RULES.iter().find(|r| r.name == name).unwrap();
        for f in INDEXED {
            for wrt in ["x", "(idx a k)"] {
                let mut bind: BTreeMap<&str, RecExpr<Math>> = BTreeMap::new();
                bind.insert("?j", "j".parse().unwrap());
                bind.insert("?k", "k".parse().unwrap());
                bind.insert("?a", if name == "d-sum" { f } else { "a" }.parse().unwrap());
                bind.insert("?x", wrt.parse().unwrap());
                let lhs = instantiate(rule.lhs, &bind);
                let rhs = instantiate(rule.rhs, &bind);
                for (j, k) in [(1.0, 1.0), (1.0, 2.0), (3.0, 2.0)] {
                    let mut p = point.clone();
                    p.insert("j".into(), j);
                    p.insert("k".into(), k);
                    let l = common::eval(&lhs, &p).expect("left side evaluates");
                    let r = common::eval(&rhs, &p).expect("right side evaluates");
                    assert!(
                        common::close(l, r, 1e-4),
                        "{name}: {l} vs {r} at j={j}, k={k}"
                    );
                }
            }
        }
    }
}

#[test]
fn the_matrix_rule_is_evaluated_and_holds_at_every_index_value() {
    // `d(W[i, j], W[p, q]) = delta(i, p)*delta(j, q)` at every value of the
    // four indices in 1..2 (the entries differ from each other).
    let rule = DIFF_RULES.iter().find(|r| r.name == "d-matrix").unwrap();
    let mut bind: BTreeMap<&str, RecExpr<Math>> = BTreeMap::new();
    for v in ["i", "j", "p", "q"] {
        bind.insert(
            ["?i", "?j", "?p", "?q"][["i", "j", "p", "q"].iter().position(|w| *w == v).unwrap()],
            v.parse().unwrap(),
        );
    }
    bind.insert("?a", "W".parse().unwrap());
    let lhs = instantiate(rule.lhs, &bind);
    let rhs = instantiate(rule.rhs, &bind);
    let mut checked = 0;
    for at in 0..16 {
        let mut p: BTreeMap<String, f64> = BTreeMap::new();
        for (bit, v) in ["i", "j", "p", "q"].iter().enumerate() {
            p.insert(v.to_string(), f64::from(1 + (at >> bit & 1)));
        }
        for r in 1..=2 {
            for s in 1..=2 {
                p.insert(
                    format!("W[{r}, {s}]"),
                    0.3 * r as f64 - 0.7 * s as f64 + 0.1,
                );
            }
        }
        let l = common::eval(&lhs, &p).expect("left side evaluates");
        let r = common::eval(&rhs, &p).expect("right side evaluates");
        assert!(common::close(l, r, 1e-4), "{l} vs {r} at {p:?}");
        checked += usize::from(common::close(l, 1.0, 1e-4));
    }
    // The derivative is 1 exactly when (i, j) = (p, q): 4 of the 16 valuations.
    assert_eq!(checked, 4);
}

#[test]
fn summing_under_d_with_a_captured_index_would_be_wrong() {
    // Why d-sum has a guard: with the bound index equal to the variable's
    // index, moving `d` inside the sum gives a different value.
    let point = indexed_point();
    let lhs: RecExpr<Math> = "(d (sum k (* (idx a k) (idx a k))) (idx a k))"
        .parse()
        .unwrap();
    let naive: RecExpr<Math> = "(sum k (d (* (idx a k) (idx a k)) (idx a k)))"
        .parse()
        .unwrap();
    let (l, r) = (
        common::eval(&lhs, &point).unwrap(),
        common::eval(&naive, &point).unwrap(),
    );
    assert!(!common::close(l, r, 1e-4), "{l} vs {r}");
}

#[test]
fn every_function_rule_is_evaluated_and_holds_on_both_sides_of_its_kink() {
    // The property above skips points where a side is undefined; here each
    // rule of a built-in function and `d-pow` is evaluated for certain, at
    // points on both sides of 0 (a kink of relu, abs, step, max, min).
    let names = [
        "d-pow",
        "d-tanh",
        "d-sigmoid",
        "d-softplus",
        "d-relu",
        "d-step",
        "d-abs",
        "d-max",
        "d-min",
        "d-sin",
        "d-cos",
    ];
    for name in names {
        let rule = DIFF_RULES.iter().find(|r| r.name == name).unwrap();
        let mut bind: BTreeMap<&str, RecExpr<Math>> = BTreeMap::new();
        // `?a` is positive for d-pow (its base), of either sign for the others.
        let a = if name == "d-pow" {
            "(+ (* x x) 1)"
        } else {
            "(* 3 x)"
        };
        bind.insert("?a", a.parse().unwrap());
        bind.insert("?b", "(* x y)".parse().unwrap());
        bind.insert("?x", "x".parse().unwrap());
        let lhs = instantiate(rule.lhs, &bind);
        let rhs = instantiate(rule.rhs, &bind);
        for (x, y) in [(0.7, 0.3), (-0.7, 0.3), (1.3, -2.0), (-1.3, -0.4)] {
            let p: BTreeMap<String, f64> = [("x".to_string(), x), ("y".to_string(), y)].into();
            let l = common::eval(&lhs, &p).expect("left side evaluates");
            let r = common::eval(&rhs, &p).expect("right side evaluates");
            assert!(
                common::close(l, r, 1e-4),
                "{name}: {l} vs {r} at x={x}, y={y}"
            );
        }
    }
}

#[test]
fn a_derivative_of_relu_that_ignores_the_kink_fails_the_same_check() {
    // `d(relu(u), x) = d(u, x)` holds for u > 0 only: the check must see it.
    let lhs: RecExpr<Math> = "(d (relu (* 3 x)) x)".parse().unwrap();
    let wrong: RecExpr<Math> = "(d (* 3 x) x)".parse().unwrap();
    let p: BTreeMap<String, f64> = [("x".to_string(), -0.7)].into();
    let (l, r) = (
        common::eval(&lhs, &p).unwrap(),
        common::eval(&wrong, &p).unwrap(),
    );
    assert!(!common::close(l, r, 1e-4), "{l} vs {r}");
}

/// Whether a definition row (`rules::laws`) at `?u = 3*x`, `?v = x*y` has
/// sides that agree at points on both sides of 0.
fn definition_rows_agree(lhs: &str, rhs: &str) -> bool {
    let mut bind: BTreeMap<&str, RecExpr<Math>> = BTreeMap::new();
    bind.insert("?u", "(* 3 x)".parse().unwrap());
    bind.insert("?v", "(* x y)".parse().unwrap());
    let (lhs, rhs) = (instantiate(lhs, &bind), instantiate(rhs, &bind));
    [(0.7, 0.3), (-0.7, 0.3), (1.3, -2.0), (-1.3, -0.4)]
        .iter()
        .all(|&(x, y)| {
            let p: BTreeMap<String, f64> = [("x".to_string(), x), ("y".to_string(), y)].into();
            let l = common::eval(&lhs, &p).expect("left side evaluates");
            let r = common::eval(&rhs, &p).expect("right side evaluates");
            common::close(l, r, 1e-9)
        })
}

#[test]
fn every_function_definition_row_holds_and_is_the_equation_its_law_states() {
    use backprove::{to_infix, FUNCTION_DEFINITIONS, FUNCTION_LAWS};
    for d in FUNCTION_DEFINITIONS {
        assert!(
            definition_rows_agree(d.lhs, d.rhs),
            "{}: {} = {}",
            d.law,
            d.lhs,
            d.rhs
        );
        // The row, written in input syntax with `u` and `v`, is what the law's text says.
        let mut bind: BTreeMap<&str, RecExpr<Math>> = BTreeMap::new();
        bind.insert("?u", "u".parse().unwrap());
        bind.insert("?v", "v".parse().unwrap());
        let equation = format!(
            "{} = {}",
            to_infix(&instantiate(d.lhs, &bind)),
            to_infix(&instantiate(d.rhs, &bind))
        );
        let (_, text) = FUNCTION_LAWS.iter().find(|(n, _)| *n == d.law).unwrap();
        assert!(
            *text == equation
                || text.starts_with(&format!("{equation}, "))
                || text.ends_with(&format!(", {equation}")),
            "{}: the row reads `{equation}`, the law says `{text}`",
            d.law
        );
    }
}

#[test]
fn a_wrong_function_definition_row_fails_the_same_check() {
    assert!(!definition_rows_agree(
        "(tanh ?u)",
        "(- 1 (/ 2 (+ (exp ?u) 1)))"
    ));
    assert!(!definition_rows_agree("(relu ?u)", "?u"));
}
