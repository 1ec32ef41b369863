//! Tests of the roll-up's template as the checker reads it.

use super::*;

/// A template's disproofs are checked when it is read: one whose
/// counterexample does not check is rejected.
#[test]
fn template_disproofs_are_checked() {
    let text = crate::softmax_with_loss(5).replace("= y2 - t2", "= y2 + t2");
    let p = crate::parse_problem(&text).unwrap();
    let report = crate::prove_problem(&p, &crate::Limits::default());
    let mut section = report.rolled_up.clone().unwrap();
    let t = section
        .claims
        .iter()
        .position(|c| c.status == Status::Disproved)
        .unwrap();
    let read = Template::new(&section).unwrap();
    assert!(matches!(read.claims[t].disproved, Some(Ok(()))));
    let cx = section.claims[t].counterexample.as_mut().unwrap();
    cx.lhs = "12345".into();
    let read = Template::new(&section).unwrap();
    assert!(matches!(read.claims[t].disproved, Some(Err(_))));
}

/// Kept values are read back for the same claim, size, indices and
/// point only: any other point is evaluated.
#[test]
fn kept_values_are_read_back_only_for_the_same_point() {
    let text = crate::softmax_with_loss(5).replace("= y2 - t2", "= y2 + t2");
    let p = crate::parse_problem(&text).unwrap();
    let report = crate::prove_problem(&p, &crate::Limits::default());
    let template = Template::new(report.rolled_up.as_ref().unwrap()).unwrap();
    let claim = &report.claims[1];
    assert_eq!(claim.status, Status::Disproved);
    let cx = claim.counterexample.as_ref().unwrap();
    let point = super::super::read_point(cx).unwrap();
    let env = unroll::Env::from([(Symbol::from("k"), 2)]);
    let own = template.values_at(0, 5, &env, &point).unwrap().unwrap();
    let mut moved = cx.clone();
    let a3 = moved.point.get_mut("a3").unwrap();
    *a3 = if a3 == "9" { "10".into() } else { "9".into() };
    let other = super::super::read_point(&moved).unwrap();
    let kept = template
        .keep_values_at(0, 5, &env, &moved)
        .unwrap()
        .unwrap();
    // The kept reading is the text's, and only its.
    assert_eq!(*template.read_point(&moved).unwrap(), other);
    assert_eq!(*template.read_point(cx).unwrap(), point);
    assert_ne!(own, kept);
    assert_eq!(template.values_at(0, 5, &env, &other).unwrap(), Some(kept));
    assert_eq!(template.values_at(0, 5, &env, &point).unwrap(), Some(own));
    // Another index value or size is evaluated too.
    let k3 = unroll::Env::from([(Symbol::from("k"), 3)]);
    let at_k3 = template.values_at(0, 5, &k3, &other).unwrap().unwrap();
    assert_ne!(at_k3, kept);
    assert_ne!(template.values_at(0, 4, &env, &other).unwrap(), Some(kept));
}

/// A function under a `d` must be defined at the point for the instance's
/// own indices and at every value of the indices bound around it (the
/// concrete claim has one such function per value), also where a bound
/// index has the name of a free one.
#[test]
fn a_template_claim_is_defined_at_every_value_of_a_bound_index() {
    let defs = BTreeMap::new();
    let sizes = sizes(3);
    let env = unroll::Env::from([(Symbol::from("k"), 2)]);
    let at = |claim: &str, a3: i64| {
        let claim = crate::parse::parse_expression(claim, &[]).unwrap();
        let bodies = crate::language::derivative_bodies_bound(&claim);
        let point: Point = [(1, 1), (2, 2), (3, a3)]
            .into_iter()
            .map(|(i, v)| {
                (
                    Symbol::from(format!("a{i}")),
                    BigRational::from_integer(v.into()),
                )
            })
            .collect();
        let element = |f: Symbol, v: &[usize]| point.get(&flat(unroll::element_at(f, v)));
        let mut eval = crate::numeric::Indexed::new(&defs, &sizes, &point, &element);
        within_domain(&mut eval, &bodies, &env, 3)
    };
    for (claim, undefined) in [
        (
            "sum(j, d(log(a[j]) + a[k], a[k]))",
            "`log(a[j]) + a[k]` at j = 3, k = 2",
        ),
        (
            "d(a[k], a[k]) + sum(k, d(log(a[k]), a[k]))",
            "`log(a[k])` at k = 3",
        ),
    ] {
        assert_eq!(at(claim, 3), Ok(()), "{claim}");
        let e = at(claim, -1).unwrap_err();
        assert!(e.starts_with(&format!("{undefined} is undefined")), "{e}");
    }
    assert_eq!(at("d(log(a[k]), a[k])", -1), Ok(()));
}
