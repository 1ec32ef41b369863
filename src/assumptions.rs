//! The `assume` equations as one system, for choosing sample points: each is
//! solved in turn with the earlier solutions substituted, so the points
//! satisfy all of them together, and a system that cannot hold (`x = 1`,
//! `x = 2`) is recognised as such. Proofs use each equation on its own
//! (`prove::solve_equations`); this owns only the system as a whole.
//!
//! A lone equation that is linear in free variables as written (`t1 + … +
//! t1000 = 1`) is solved directly from its terms, for the variable and the
//! value the normal forms would give, without them.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use egg::{Id, RecExpr, Symbol};
use num_rational::BigRational;
use num_traits::Zero;

use crate::algebra::{AlgebraError, Normalizer, Rat, Target};
use crate::exact::Exact;
use crate::language::Math;
use crate::problem::{Problem, Relation};

/// The equations solved one after another.
pub(crate) enum System {
    /// Each variable with its value in terms of the variables solved after it
    /// and the free ones: evaluate from the last to the first.
    Solved(Vec<(Symbol, Solution)>),
    /// This equation cannot hold together with the ones before it.
    Contradictory(String),
    /// No variable of this equation could be solved for; points cannot be chosen to satisfy it.
    Unsolvable(String),
}

/// A solved variable's value.
pub(crate) enum Solution {
    /// A normal form, in the normalizer that solved the system.
    Normal(Rat),
    /// `-(constant + Σ c·w) / coefficient` over the other variables `w`.
    Linear {
        /// The solved variable's coefficient.
        coefficient: BigRational,
        /// The other variables' coefficients.
        terms: rustc_hash::FxHashMap<Symbol, Exact>,
        /// The constant term.
        constant: BigRational,
    },
}

impl Solution {
    /// The exact value at `point` (which values every other variable), or
    /// `None` when a variable has no value there or a denominator is zero.
    pub(crate) fn at(
        &self,
        norm: &Normalizer,
        point: &BTreeMap<Symbol, BigRational>,
    ) -> Option<BigRational> {
        match self {
            Solution::Normal(r) => norm.evaluate_exact(r, point),
            Solution::Linear {
                coefficient,
                terms,
                constant,
            } => {
                // One pass over the point: the sum is exact, in any order.
                let mut total = Exact::of(constant);
                let mut found = 0;
                for (w, x) in point {
                    if let Some(c) = terms.get(w) {
                        total = total.add(&c.mul(&Exact::of(x)));
                        found += 1;
                    }
                }
                (found == terms.len()).then(|| -total.big() / coefficient)
            }
        }
    }
}

/// Solves the `assume` equations of `problem` (whose definitions are
/// `defs`, as `norm` has them) in source order, each after substituting the
/// solutions of the ones before it. Leaves `norm` with those substitutions
/// made, unless the one equation was solved from its terms
/// ([`Solution::Linear`]).
pub(crate) fn solve_system(
    norm: &mut Normalizer,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    problem: &Problem,
) -> Result<System, AlgebraError> {
    if let Some(system) = solve_linear_alone(defs, problem) {
        return Ok(system);
    }
    solve_by_normal_forms(norm, problem)
}

/// [`solve_system`] by normal forms, whatever the equations.
fn solve_by_normal_forms(norm: &mut Normalizer, problem: &Problem) -> Result<System, AlgebraError> {
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
                    solved.push((v, Solution::Normal(value)));
                }
                _ => return Ok(System::Unsolvable(a.text())),
            }
        }
        Ok(System::Solved(solved))
    })
}

/// The system of one equation whose sides are sums and differences of
/// numbers, free variables and their constant multiples, solved as the
/// normal forms would solve it: for the last variable in natural order
/// (`natural_key`). `None` when the equation is not of that form, or two of
/// its variables tie in that order (the normal forms then decide by their
/// own order).
fn solve_linear_alone(defs: &BTreeMap<Symbol, RecExpr<Math>>, problem: &Problem) -> Option<System> {
    let mut equations = problem
        .assumptions
        .iter()
        .filter(|a| a.relation == Relation::Eq);
    let a = equations.next()?;
    if equations.next().is_some() {
        return None;
    }
    let size = a.lhs.as_ref().len() + a.rhs.as_ref().len();
    let mut coefficients: rustc_hash::FxHashMap<Symbol, Exact> =
        rustc_hash::FxHashMap::with_capacity_and_hasher(size, Default::default());
    let mut constant = Exact::Small(0, 1);
    for (side, sign) in [(&a.lhs, Exact::Small(1, 1)), (&a.rhs, Exact::Small(-1, 1))] {
        linear_terms(side, defs, sign, &mut coefficients, &mut constant)?;
    }
    let constant = constant.big();
    let terms: Vec<(Symbol, Exact)> = coefficients
        .into_iter()
        .filter(|(_, c)| !c.is_zero())
        .collect();
    if terms.is_empty() {
        return Some(if constant.is_zero() {
            System::Solved(Vec::new())
        } else {
            System::Contradictory(a.text())
        });
    }
    let mut last = 0;
    let mut tie = false;
    for i in 1..terms.len() {
        match crate::algebra::natural_cmp(terms[i].0.as_str(), terms[last].0.as_str()) {
            Ordering::Greater => {
                last = i;
                tie = false;
            }
            Ordering::Equal => tie = true,
            Ordering::Less => {}
        }
    }
    if tie {
        return None;
    }
    let (v, coefficient) = (terms[last].0, terms[last].1.big());
    let solution = Solution::Linear {
        coefficient,
        terms: {
            let mut others =
                rustc_hash::FxHashMap::with_capacity_and_hasher(terms.len(), Default::default());
            others.extend(terms.into_iter().filter(|(w, _)| *w != v));
            others
        },
        constant,
    };
    Some(System::Solved(vec![(v, solution)]))
}

/// Adds `sign` times the linear form of `expr` to `coefficients` and
/// `constant`; `None` when `expr` is not a sum of numbers and constant
/// multiples (or quotients by non-zero numbers) of free variables, or a
/// number outgrows machine integers.
fn linear_terms(
    expr: &RecExpr<Math>,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    sign: Exact,
    coefficients: &mut rustc_hash::FxHashMap<Symbol, Exact>,
    constant: &mut Exact,
) -> Option<()> {
    let nodes = expr.as_ref();
    let mut todo: Vec<(Id, Exact)> = vec![(Id::from(nodes.len().checked_sub(1)?), sign)];
    // A term shared by many others is walked once per use: bounded, so a
    // deep sharing falls back to the normal forms.
    let mut budget = 4 * nodes.len() + 16;
    // Within machine integers, or `None`: the normal forms take the rest.
    let small = |e: Exact| e.is_small().then_some(e);
    let number = |id: &Id| match &expr[*id] {
        Math::Num(c) => small(Exact::of(&c.0)),
        _ => None,
    };
    while let Some((id, m)) = todo.pop() {
        budget = budget.checked_sub(1)?;
        match &expr[id] {
            Math::Num(_) => *constant = small(constant.add(&m.mul(&number(&id)?)))?,
            Math::Var(v) if !defs.contains_key(v) => {
                let c = coefficients.entry(*v).or_insert(Exact::Small(0, 1));
                *c = small(c.add(&m))?;
            }
            Math::Add([a, b]) => {
                todo.push((*b, m.clone()));
                todo.push((*a, m));
            }
            Math::Sub([a, b]) => {
                todo.push((*b, small(m.neg())?));
                todo.push((*a, m));
            }
            Math::Neg(a) => todo.push((*a, small(m.neg())?)),
            Math::Mul([a, b]) => match (number(a), number(b)) {
                (Some(c), _) => todo.push((*b, small(m.mul(&c))?)),
                (None, Some(c)) => todo.push((*a, small(m.mul(&c))?)),
                _ => return None,
            },
            Math::Div([a, b]) => match number(b).and_then(|c| c.recip()) {
                Some(c) => todo.push((*a, small(m.mul(&c))?)),
                None => return None,
            },
            _ => return None,
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algebra::Budget;

    fn budget() -> Budget {
        Budget {
            max_work: 1_000_000,
            deadline: None,
        }
    }

    /// Solving a linear equation from its terms gives the variable and the
    /// values the normal forms give; other systems are left to them.
    #[test]
    fn linear_equations_solve_as_normal_forms_do() {
        // Each equation, and whether it is solved from its terms.
        let cases = [
            ("assume t1 + t2 + t3 = 1", true),
            ("assume 1 = t1 + t2 + t10 + t9", true),
            ("assume 2*x - y*3/1 + 7/3 = x - (-z) + 5", true),
            ("assume -(a1 - 3*a2) = 1/2 - 0*a3", true),
            ("assume x + y - x = 3", true),
            ("let s = x + y\nassume s = 1", false),
            (
                "assume big2 + 123456789012345678901234567890*big1 = 1",
                false,
            ),
            (
                "assume big2 + 1234567890*big1 - 1234567890*big1/3 = 1",
                true,
            ),
        ];
        for (text, solved_from_terms) in cases {
            let p = crate::parse_problem(&format!("{text}\nprove x = x")).unwrap();
            let defs = p.definitions_by_name();
            let mut norm = Normalizer::new(&defs, false, budget());
            let Ok(System::Solved(general)) = solve_by_normal_forms(&mut norm, &p) else {
                panic!("{text}: not solved");
            };
            let Some(System::Solved(fast)) = solve_linear_alone(&defs, &p) else {
                assert!(!solved_from_terms, "{text}: not solved from its terms");
                continue;
            };
            assert!(solved_from_terms, "{text}: solved from its terms");
            assert_eq!(fast.len(), general.len(), "{text}");
            for ((v, f), (w, g)) in fast.iter().zip(&general) {
                assert_eq!(v, w, "{text}");
                let mut rng = crate::numeric::Rng::new(7);
                for _ in 0..20 {
                    let mut point = BTreeMap::new();
                    for name in ["t1", "t2", "t3", "t9", "t10", "x", "y", "z", "a1", "a2"] {
                        point.insert(Symbol::from(name), rng.quarter(-12, 12));
                    }
                    for name in ["a3", "big1", "big2"] {
                        let huge =
                            BigRational::from_integer(num_bigint::BigInt::from(u64::MAX) * 977);
                        point.insert(Symbol::from(name), huge / rng.quarter(-12, 12));
                    }
                    point.remove(v);
                    assert_eq!(f.at(&norm, &point), g.at(&norm, &point), "{text}");
                }
            }
        }
        // Implied, contradictory, and a tie in the natural order.
        for (text, implied) in [("assume x - x = 0", true), ("assume x - x = 1", false)] {
            let p = crate::parse_problem(&format!("{text}\nprove x = x")).unwrap();
            match solve_linear_alone(&p.definitions_by_name(), &p) {
                Some(System::Solved(s)) => assert!(implied && s.is_empty()),
                Some(System::Contradictory(_)) => assert!(!implied),
                _ => panic!("{text}"),
            }
        }
        let p = crate::parse_problem("assume a7 + a07 = 1\nprove x = x").unwrap();
        assert!(solve_linear_alone(&p.definitions_by_name(), &p).is_none());
    }
}
