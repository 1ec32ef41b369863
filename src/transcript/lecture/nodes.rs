//! Derivatives through the graph the book draws, for the lecture: a long
//! Jacobian entry written through the entries before it, and the node of a
//! family's entry that uses a shared definition (the `/` node `1/S`), with
//! the entry's derivative by that node's value. Proposes forms only: the
//! lecture proves every equality it shows.

use std::collections::BTreeMap;

use egg::{RecExpr, Symbol};

use super::{derivative, mentions, OnPath};
use crate::graph;
use crate::language::Math;
use crate::print::to_infix;
use crate::prove::Limits;

/// An entry longer than this (input syntax) is written through the entries before it.
pub(super) const LONG_ENTRY: usize = 60;

/// `d(D, x)` for the path definition `p` through the entries already found:
/// `D`'s partial derivative with every path definition held, plus, for each
/// scalar path definition `P` its body uses, `dD/dP * d(P, x)`; simplified.
pub(super) fn entry_through(
    p: &OnPath,
    entries: &BTreeMap<Symbol, String>,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    held: &BTreeMap<Symbol, RecExpr<Math>>,
    x: &RecExpr<Math>,
    limits: &Limits,
    simplify: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
    let body = match &p.param {
        Some(j) => crate::index::instantiate(&defs[&p.name], Symbol::from(j.as_str()))?,
        None => defs[&p.name].clone(),
    };
    let mut terms = vec![format!("({})", derivative(&body, x, held, limits)?)];
    for (q, entry) in entries {
        if !mentions(&body).contains(q) {
            continue;
        }
        let var = RecExpr::from(vec![Math::Var(*q)]);
        let partial = derivative(&body, &var, held, limits)?;
        terms.push(format!("({partial})*({entry})"));
    }
    simplify(&terms.join(" + "))
}

/// The node in the graph of the family `def`'s entry at `j` that uses the
/// scalar definition `name` (`1/S` in `exp(a[j])/S`), when it is the only one
/// and not the entry itself: the node's term, the entry's derivative by the
/// node's value (`exp(a[j])`, every path definition held) and its operation.
pub(super) fn node_using(
    name: Symbol,
    def: &RecExpr<Math>,
    j: &str,
    held: &BTreeMap<Symbol, RecExpr<Math>>,
    limits: &Limits,
) -> Option<(String, String, graph::Op)> {
    let body = crate::index::instantiate(def, Symbol::from(j))?;
    let mut g = graph::Graph::build_entry(&body).ok()?;
    let input = g
        .nodes
        .iter()
        .position(|n| n.op == graph::Op::Input(name.to_string()))?;
    let users: Vec<usize> = (0..g.nodes.len())
        .filter(|&i| g.nodes[i].inputs.contains(&input))
        .collect();
    let [node] = users[..] else { return None };
    if node == g.output {
        return None;
    }
    let term = to_infix(&g.term(node));
    // The node's value as a variable of its own, named as no file names one.
    let var = Symbol::from("#node");
    g.nodes[node].name = Some(var.to_string());
    let entry = g.term(g.output);
    let d = derivative(&entry, &RecExpr::from(vec![Math::Var(var)]), held, limits)?;
    let op = g.nodes[node].op.clone();
    Some((term, d, op))
}
