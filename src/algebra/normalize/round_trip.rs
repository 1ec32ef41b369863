//! Property tests: printing round-trips. Any term printed in input syntax
//! parses back to the same term, and any normal form printed parses back to
//! a term with the same normal form (issue 11: `(x^2)^(1/3)` once printed as
//! `x^2^(1/3)`, which reads back as `x^(2^(1/3))`).

use std::collections::BTreeMap;

use egg::{Id, Language, RecExpr};
use num_traits::Zero;
use proptest::prelude::*;

use super::{Budget, Normalizer};
use crate::language::{Constant, Math};
use crate::parse::parse_expression;
use crate::print::to_infix;

/// Terms over `x`, `y` with every operator, powers with integer and
/// fractional exponents, written with spare parentheses.
fn term() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("x".to_string()),
        Just("y".to_string()),
        (1u32..5).prop_map(|n| n.to_string()),
        Just("1/3".to_string()),
        Just("0.5".to_string()),
    ];
    leaf.prop_recursive(5, 40, 2, |inner| {
        let exponent = prop_oneof![
            (-3i32..5).prop_map(|e| format!("({e})")),
            Just("(1/3)".to_string()),
            Just("(-2/3)".to_string()),
            Just("(1/2)".to_string()),
            Just("(3/2)".to_string()),
        ];
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) + ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) - ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a})*({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a})/({b})")),
            (inner.clone(), exponent).prop_map(|(a, e)| format!("({a})^{e}")),
            inner.clone().prop_map(|a| format!("-({a})")),
            inner.clone().prop_map(|a| format!("exp({a})")),
            inner.clone().prop_map(|a| format!("log({a})")),
            inner.prop_map(|a| format!("sqrt({a})")),
        ]
    })
}

/// `e` with the literal `1/2` (a quotient of numbers) and `-2` (a negated
/// number) as the numbers they stand for: `1/2` is how the constant one half
/// prints, and the parser reads it as a quotient.
fn fold_literals(e: &RecExpr<Math>) -> RecExpr<Math> {
    let mut out: Vec<Math> = Vec::new();
    for node in e.as_ref() {
        let num = |id: &Id, out: &[Math]| match &out[usize::from(*id)] {
            Math::Num(c) => Some(c.0.clone()),
            _ => None,
        };
        let folded = match node {
            Math::Div([a, b]) => match (num(a, &out), num(b, &out)) {
                (Some(a), Some(b)) if !b.is_zero() => Some(a / b),
                _ => None,
            },
            Math::Neg(a) => num(a, &out).map(|a| -a),
            _ => None,
        };
        out.push(match folded {
            Some(c) => Math::Num(Constant(c)),
            None => node.clone(),
        });
    }
    // Drop the nodes no longer used, so equal terms compare equal.
    let root = Id::from(out.len() - 1);
    let all = RecExpr::from(out);
    let mut kept: Vec<Math> = Vec::new();
    let mut map: std::collections::HashMap<Id, Id> = std::collections::HashMap::new();
    copy(&all, root, &mut kept, &mut map);
    RecExpr::from(kept)
}

fn copy(
    e: &RecExpr<Math>,
    id: Id,
    out: &mut Vec<Math>,
    map: &mut std::collections::HashMap<Id, Id>,
) -> Id {
    if let Some(done) = map.get(&id) {
        return *done;
    }
    let node = e[id].clone().map_children(|c| copy(e, c, out, map));
    out.push(node);
    let new = Id::from(out.len() - 1);
    map.insert(id, new);
    new
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 400,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x11_5eed),
        ..ProptestConfig::default()
    }
}

fn budget() -> Budget {
    Budget {
        max_work: 200_000,
        deadline: None,
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_printed_term_parses_back_to_itself(text in term()) {
        let e = parse_expression(&text, &[]).expect("generated terms parse");
        let printed = to_infix(&e);
        let again = parse_expression(&printed, &[]).expect("a printed term parses");
        prop_assert_eq!(to_infix(&again), printed.clone(), "{} printed as {}", text, printed);
        prop_assert_eq!(fold_literals(&again), fold_literals(&e), "{} printed as {}", text, printed);
    }

    #[test]
    fn a_printed_normal_form_reads_back_to_itself(text in term()) {
        let defs = BTreeMap::new();
        let e = parse_expression(&text, &[]).expect("generated terms parse");
        let mut norm = Normalizer::new(&defs, true, budget());
        // Terms the algebra refuses (a zero divisor, too much work) print nothing.
        let Ok(r) = norm.normalize(&e) else { return Ok(()) };
        let printed = norm.print(&r);
        let back = parse_expression(&printed, &[]).expect("a printed normal form parses");
        let mut fresh = Normalizer::new(&defs, true, budget());
        let again = fresh.normalize(&back).expect("a printed normal form normalizes");
        prop_assert_eq!(fresh.print(&again), printed.clone(), "{} normalizes to {}", text, printed);
    }
}

#[test]
fn a_root_of_a_power_keeps_its_parentheses() {
    let defs = BTreeMap::new();
    let e = parse_expression("(x^2)^(1/3)", &[]).unwrap();
    let mut norm = Normalizer::new(&defs, true, budget());
    let r = norm.normalize(&e).unwrap();
    assert_eq!(norm.print(&r), "(x^2)^(1/3)");
}
