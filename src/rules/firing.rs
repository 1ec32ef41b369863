//! Which rules of the differentiation table can fire on a problem: a rule
//! whose left side needs a kind of node the e-graph can never hold matches
//! nothing, so leaving it out changes no saturation and saves compiling it.
//! Owns no rule and no rewrite (`rules::rewrites` builds those).

use std::collections::BTreeMap;

use egg::{Id, RecExpr, Symbol};

use super::diff::{rule_asts, DIFF_RULES};
use crate::language::Math;

/// Which table rules (in table order) can ever match in the e-graph that
/// differentiating `terms` builds. Every rule's left side is `d(F, ?x)`; when
/// `F` is an operator node, the rule matches only where a node of that kind
/// is. The kinds there: those of `terms` and of the definitions (unfolding
/// adds their bodies), `d`, `+`, `-`, `neg`, `sum` and names (spreading `d`
/// over a sum and renaming a bound index build these), and the right sides
/// of the rules that can fire, until nothing is added. A rule left out would
/// find no match in any round, so the saturation is the same without it.
pub fn can_fire(defs: &BTreeMap<Symbol, RecExpr<Math>>, terms: &[&RecExpr<Math>]) -> Vec<bool> {
    type Kind = std::mem::Discriminant<Math>;
    fn add(kinds: &mut Vec<Kind>, node: &Math) -> bool {
        let kind = std::mem::discriminant(node);
        let new = !kinds.contains(&kind);
        if new {
            kinds.push(kind);
        }
        new
    }
    let mut kinds: Vec<Kind> = Vec::new();
    let (a, b) = (Id::from(0), Id::from(0));
    let built = [
        Math::D([a, b]),
        Math::Add([a, b]),
        Math::Sub([a, b]),
        Math::Neg(a),
        Math::Sum([a, b]),
        Math::Var(Symbol::from("x")),
    ];
    let written = terms.iter().copied().chain(defs.values());
    for node in written.flat_map(|t| t.as_ref()).chain(&built) {
        add(&mut kinds, node);
    }
    let mut fires = vec![false; DIFF_RULES.len()];
    loop {
        let mut grew = false;
        for (r, fires) in DIFF_RULES.iter().zip(fires.iter_mut()) {
            let (lhs, rhs) = rule_asts(r);
            let ast = lhs.as_ref();
            let matchable = match ast.last() {
                Some(egg::ENodeOrVar::ENode(Math::D([f, _]))) => match &ast[usize::from(*f)] {
                    egg::ENodeOrVar::ENode(n) => kinds.contains(&std::mem::discriminant(n)),
                    egg::ENodeOrVar::Var(_) => true,
                },
                _ => true,
            };
            if *fires || !matchable {
                continue;
            }
            *fires = true;
            grew = true;
            for node in rhs.as_ref() {
                if let egg::ENodeOrVar::ENode(n) = node {
                    add(&mut kinds, n);
                }
            }
        }
        if !grew {
            return fires;
        }
    }
}
