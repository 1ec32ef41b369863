//! The `assume` equations as one system, for choosing sample points: each is
//! solved in turn with the earlier solutions substituted, so the points
//! satisfy all of them together, and a system that cannot hold (`x = 1`,
//! `x = 2`) is recognised as such. Proofs use each equation on its own
//! (`prove::solve_equations`); this owns only the system as a whole.

use egg::Symbol;

use crate::algebra::{AlgebraError, Normalizer, Rat, Target};
use crate::problem::{Problem, Relation};

/// The equations solved one after another.
pub(crate) enum System {
    /// Each variable with its value in terms of the variables solved after it
    /// and the free ones: evaluate from the last to the first.
    Solved(Vec<(Symbol, Rat)>),
    /// This equation cannot hold together with the ones before it.
    Contradictory(String),
    /// No variable of this equation could be solved for; points cannot be chosen to satisfy it.
    Unsolvable(String),
}

/// Solves the `assume` equations of `problem` in source order, each after
/// substituting the solutions of the ones before it. Leaves `norm` with
/// those substitutions made.
pub(crate) fn solve_system(
    norm: &mut Normalizer,
    problem: &Problem,
) -> Result<System, AlgebraError> {
    norm.without_conditions(|norm| {
        let mut solved = Vec::new();
        for a in problem
            .assumptions
            .iter()
            .filter(|a| a.relation == Relation::Eq)
        {
            let p = norm.difference(&a.lhs, &a.rhs)?;
            if p.is_zero() {
                // Implied by the ones before it.
                continue;
            }
            if p.as_constant().is_some() {
                return Ok(System::Contradictory(a.text()));
            }
            match norm.solve_linear(&p) {
                Some((Target::Var(v), value)) => {
                    norm.substitute_target(Target::Var(v), value.clone());
                    solved.push((v, value));
                }
                _ => return Ok(System::Unsolvable(a.text())),
            }
        }
        Ok(System::Solved(solved))
    })
}
