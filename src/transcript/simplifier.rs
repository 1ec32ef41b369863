//! The simplifier the walk and the lecture share: the simplest way to write a
//! value (names kept whole or unfolded, products folded back into names,
//! assumptions used or not). It proves nothing; every form it picks is proved
//! equal by `prove` before it is shown.

use std::collections::BTreeMap;

use egg::{RecExpr, Symbol};

use super::limit_reached;
use crate::algebra::{AlgebraError, Budget, Normalizer};
use crate::language::Math;
use crate::print::to_infix;
use crate::problem::Problem;
use crate::prove::{add_sign_facts, solve_equations};

/// Chooses the simplest way to write a backward value: names kept whole or
/// unfolded, products folded back into names, assumptions used or not. Its
/// normalizers live as long as the walk, so definitions are read once.
pub(super) struct Simplifier<'a> {
    /// The defined names, as the parser takes them (built once, not per value).
    names: BTreeMap<Symbol, usize>,
    /// The indexed families among them (`y` of `let y[j] = …`).
    families: std::collections::BTreeSet<Symbol>,
    /// `[all names kept, sums kept] x [no assumptions, assumptions substituted]`.
    normalizers: std::cell::RefCell<Vec<(bool, Normalizer<'a>)>>,
}

impl<'a> Simplifier<'a> {
    pub(super) fn new(
        problem: &'a Problem,
        defs: &'a BTreeMap<Symbol, RecExpr<Math>>,
        budget: Budget,
    ) -> Result<Self, String> {
        let names = problem.definitions.iter().map(|d| (d.name, 0)).collect();
        let fail = |e| match e {
            AlgebraError::Limit => limit_reached(),
            e => format!("the algebra failed on the assumptions: {e:?}"),
        };
        let mut normalizers = Vec::new();
        for all_names in [true, false] {
            for substituted in [false, true] {
                let mut norm = Normalizer::new(defs, true, budget).with_ranges(&problem.ranges());
                if all_names {
                    norm.keep_all_names();
                }
                add_sign_facts(&mut norm, problem).map_err(fail)?;
                if substituted {
                    let solved = solve_equations(&mut norm, problem).map_err(fail)?;
                    if solved.is_empty() {
                        continue;
                    }
                    for (target, value, _) in solved {
                        norm.substitute_target(target, value);
                    }
                }
                normalizers.push((substituted, norm));
            }
        }
        let families = problem.families();
        Ok(Simplifier {
            names,
            families,
            normalizers: std::cell::RefCell::new(normalizers),
        })
    }

    /// `(raw, simplified)`, both in input syntax. Assumptions are used only
    /// when `use_assumptions` (a local rule was applied), never when branches are added.
    pub(super) fn simplify(
        &self,
        raw: &str,
        use_assumptions: bool,
    ) -> Result<(String, String), String> {
        let expr = crate::parse::parse_term(raw, &self.names, &self.families)
            .map_err(|e| format!("internal error: {e}"))?;
        let raw = to_infix(&expr);
        let mut best: Option<(usize, usize, String)> = None;
        for (substituted, norm) in self.normalizers.borrow_mut().iter_mut() {
            if *substituted && !use_assumptions {
                continue;
            }
            let fail = |e| match e {
                AlgebraError::Limit => limit_reached(),
                e => format!("the algebra failed on `{raw}`: {e:?}"),
            };
            let r = norm.normalize(&expr).map_err(fail)?;
            let folded = norm.fold_names(&r).map_err(fail)?;
            for candidate in [&r, &folded] {
                let text = norm.print_factored_within(candidate).map_err(fail)?;
                let key = (norm.weight(candidate), text.len(), text);
                if best.as_ref().is_none_or(|b| key < *b) {
                    best = Some(key);
                }
            }
        }
        let simplified = best.map(|b| b.2).unwrap_or_else(|| raw.clone());
        Ok((raw, simplified))
    }
}
