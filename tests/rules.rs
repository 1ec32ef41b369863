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
        let lhs = instantiate(rule.lhs, &bind);
        let rhs = instantiate(rule.rhs, &bind);
        let point: BTreeMap<String, f64> = [("x".to_string(), x), ("y".to_string(), y)].into();
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
