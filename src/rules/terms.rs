//! Terms built from the rule table: a pattern's instance, and the cost that
//! extracts `d`-free terms from the e-graph. Owns no rule and no e-graph.

use egg::{CostFunction, ENodeOrVar, Id, Language, PatternAst, RecExpr, Var};

use crate::language::Math;

/// A cost that makes any remaining `d` prohibitively expensive.
pub(crate) struct DFree;

/// Cost of a term that still contains `d`.
pub(crate) const D_COST: usize = 1 << 40;

impl CostFunction<Math> for DFree {
    type Cost = usize;
    fn cost<C>(&mut self, enode: &Math, mut costs: C) -> usize
    where
        C: FnMut(Id) -> usize,
    {
        let own = if matches!(enode, Math::D(_)) {
            D_COST
        } else {
            1
        };
        enode.fold(own, |sum, id| sum.saturating_add(costs(id)))
    }
}

/// Builds the term `ast` with each pattern variable replaced by its term.
pub fn instantiate(ast: &PatternAst<Math>, terms: &[(Var, RecExpr<Math>)]) -> RecExpr<Math> {
    let mut out: Vec<Math> = Vec::new();
    let mut ids: Vec<Id> = Vec::new();
    for node in ast.as_ref() {
        let id = match node {
            ENodeOrVar::Var(v) => {
                let term = &terms
                    .iter()
                    .find(|(w, _)| w == v)
                    .expect("every pattern variable is bound")
                    .1;
                let offset = out.len();
                for n in term.as_ref() {
                    out.push(
                        n.clone()
                            .map_children(|c| Id::from(usize::from(c) + offset)),
                    );
                }
                Id::from(out.len() - 1)
            }
            ENodeOrVar::ENode(n) => {
                out.push(n.clone().map_children(|c| ids[usize::from(c)]));
                Id::from(out.len() - 1)
            }
        };
        ids.push(id);
    }
    RecExpr::from(out)
}
