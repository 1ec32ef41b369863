//! Unit tests of the unroller's shortcuts: each gives what the plain way
//! gives.

use super::*;

/// Unrolling with every node remembered gives the same term.
#[test]
fn forgetting_what_is_never_looked_up_changes_nothing() {
    let shared: RecExpr<Math> = RecExpr::from(vec![
        Math::Var("a".into()),
        Math::Var("j".into()),
        Math::Idx(vec![Id::from(0), Id::from(1)].into()),
        Math::Exp(Id::from(2)),
        // `exp(a[j])` twice under one parent, and again under a second.
        Math::Add([Id::from(3), Id::from(3)]),
        Math::Mul([Id::from(4), Id::from(3)]),
        Math::Var("j".into()),
        Math::Sum([Id::from(6), Id::from(5)]),
    ]);
    let terms = [
        "(sum j (* (idx t j) (log (idx y j))))",
        "(sum i (sum j (* (idx W i j) (idx x i))))",
        "(sum i (* (idx x i) (sum j (* (idx W i j) (idx x i)))))",
        "(sum j (+ (idx a k) (* (delta j k) (exp (idx a j)))))",
        "(sum j (sum j (idx a j)))",
        "(/ (exp (idx a j)) S)",
    ]
    .map(|t| t.parse::<RecExpr<Math>>().unwrap());
    let sizes = Sizes::uniform(&Default::default(), 3);
    let env = Env::from([("j".into(), 2), ("k".into(), 3)]);
    for expr in terms.iter().chain([&shared]) {
        let free = free_indices(expr);
        let mut fast = Unroller::new(expr, &sizes, &free);
        let mut all = Unroller::new(expr, &sizes, &free);
        all.remember = vec![true; expr.as_ref().len()];
        assert_eq!(fast.run(&env), all.run(&env), "{expr}");
        assert_eq!(fast.run(&env), unroll(expr, &sizes, &env), "{expr}");
    }
    let free = free_indices(&shared);
    assert_eq!(
        worth_remembering(&shared, &free),
        [true, true, false, true, false, false, true, false]
    );
}

/// The room expected is at least what a tree-shaped term makes.
#[test]
fn the_expected_size_is_room_enough_for_a_tree() {
    let sizes = Sizes::uniform(&Default::default(), 4);
    let env = Env::from([("k".into(), 2)]);
    for (text, expected) in [
        ("(sum j (* (idx t j) (log (idx y j))))", 20),
        ("(neg (sum j (exp (idx a j))))", 13),
        ("(sum i (sum j (* (idx W i j) (idx x i))))", 68),
        ("(/ (exp (idx a k)) S)", 4),
    ] {
        let expr: RecExpr<Math> = text.parse().unwrap();
        assert_eq!(expected_size(&expr, &sizes), expected, "{text}");
        let made = unroll(&expr, &sizes, &env).unwrap().as_ref().len();
        assert!(made <= expected, "{text}: {made} nodes");
    }
}
