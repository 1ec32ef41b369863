//! Extraction: the cheapest node of every e-class under `DFree` (a `d`
//! costs more than any tree without one), found bottom-up from the leaves.
//! Owns no rule and no printing.

use std::collections::{BTreeSet, VecDeque};

use egg::{CostFunction, Id, Language, Symbol};
use rustc_hash::FxHashMap;

use crate::language::Math;
use crate::rules::rewrites::{name_in, EGraph};
use crate::rules::terms::{DFree, D_COST};

/// The cheapest node of every class under [`DFree`], by propagating costs
/// upwards from the leaves: a class is revisited only when a child got cheaper.
/// A sum whose bound index is not one of the `original` names (it was
/// renamed) costs one more than the sum as written, so proofs show the latter.
pub(super) fn cheapest_nodes(
    egraph: &EGraph,
    original: &BTreeSet<Symbol>,
) -> FxHashMap<Id, (usize, Math)> {
    let mut parents: FxHashMap<Id, Vec<(Id, usize)>> = FxHashMap::default();
    let mut queue: VecDeque<(Id, usize)> = VecDeque::new();
    let mut ids: Vec<Id> = egraph.classes().map(|c| c.id).collect();
    ids.sort_unstable();
    for &id in &ids {
        for (i, node) in egraph[id].nodes.iter().enumerate() {
            if node.is_leaf() {
                queue.push_back((id, i));
            }
            for c in node.children() {
                parents.entry(egraph.find(*c)).or_default().push((id, i));
            }
        }
    }
    let mut best: FxHashMap<Id, (usize, Math)> = FxHashMap::default();
    while let Some((id, i)) = queue.pop_front() {
        let node = &egraph[id].nodes[i];
        let mut known = true;
        let renamed = match node {
            Math::Sum([j, _]) => name_in(egraph, *j).is_some_and(|j| !original.contains(&j)),
            _ => false,
        };
        let cost = usize::from(renamed)
            + DFree.cost(node, |c| match best.get(&egraph.find(c)) {
                Some((cost, _)) => *cost,
                None => {
                    known = false;
                    D_COST
                }
            });
        if !known || best.get(&id).is_some_and(|(old, _)| *old <= cost) {
            continue;
        }
        best.insert(id, (cost, node.clone()));
        if let Some(ps) = parents.get(&id) {
            queue.extend(ps.iter().copied());
        }
    }
    best
}
