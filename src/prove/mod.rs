//! Deciding claims: differentiate in the e-graph, compare exact normal forms
//! (names kept whole first, then fully unfolded), use `assume` equations as
//! named substitutions, and look for counterexamples numerically. Owns the
//! verdict; rendering is elsewhere.
//!
//! This file owns the orchestration and the verdict; `certify` the kernel's
//! certification of each proof and the self-check of every verdict, `chain`
//! comparing normal forms and the chain's steps, `refute` the search for a
//! counterexample, `shared` deciding a rolled-up problem's template once.

mod certify;
mod chain;
pub(crate) mod discover;
mod limits;
pub(crate) mod moves;
mod refute;
mod shared;

use certify::{certify, self_check, withdraw};
use chain::*;
pub(crate) use chain::{add_sign_facts, solve_equations};
use refute::*;

pub use crate::report::StopReason;
pub use limits::Limits;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use egg::{RecExpr, Symbol};
use num_rational::BigRational;

use crate::algebra::{AlgebraError, Budget, Normalizer, Rat, Sign, Target};
use crate::assumptions::System;
use crate::differentiate::{Derivation, SaturationLimits};
use crate::language::Math;
use crate::numeric::{Evaluator, Interval, Rng};
use crate::print::to_infix;
use crate::problem::{Claim, Problem, Relation};
use crate::report::{ClaimReport, NamedDefinition, PointValues, Report, Status, Step};
use crate::rules::rewrites::{diff_rewrites, Rewrite};
use crate::unroll;

/// How many random points a refutation attempt tries.
const REFUTE_POINTS: usize = 40;
/// Points looked at before the comparisons that unfold more ([`refute_any`] with `quick`).
const QUICK_POINTS: usize = 3;
/// How many points a proof is cross-checked at.
const CHECK_POINTS: usize = 6;

/// Decides every claim of `problem`.
///
/// ```
/// let p = backprove::parse_problem("prove d(x^3, x) = 3*x^2").unwrap();
/// let report = backprove::prove_problem(&p, &backprove::Limits::default());
/// assert_eq!(report.claims[0].status, backprove::Status::Proved);
/// ```
pub fn prove_problem(problem: &Problem, limits: &Limits) -> Report {
    prove_problem_until(problem, limits, None, crate::rollup::ROLL_UP_FROM)
}

/// [`prove_problem`], where no claim runs past `until` (a walk's deadline
/// bounds all its claims together, not each one), rolling up a problem of
/// `roll_up_from` classes or more.
pub(crate) fn prove_problem_until(
    problem: &Problem,
    limits: &Limits,
    until: Option<Instant>,
    roll_up_from: usize,
) -> Report {
    prove_problem_as(problem, limits, until, Role::Problem { roll_up_from })
}

/// What a problem being decided is.
#[derive(Clone, Copy)]
enum Role {
    /// A user's problem (or a walk's batch), rolled up from this many classes.
    Problem { roll_up_from: usize },
    /// A roll-up's template: never rolled up itself, and a proof without
    /// conditions or a disproof skips the self-check, because the roll-up's
    /// checker re-checks such verdicts (`check::rollup::Template::new`), so
    /// each is checked once (the roll-up withdraws any it rejects).
    Template,
}

/// [`prove_problem_until`] for a problem of either [`Role`].
fn prove_problem_as(
    problem: &Problem,
    limits: &Limits,
    until: Option<Instant>,
    role: Role,
) -> Report {
    let defs = definitions(problem);
    let mut reserved = BTreeSet::new();
    for e in problem.definitions.iter().map(|d| &d.expr).chain(
        problem
            .claims
            .iter()
            .flat_map(|c| [&c.lhs, &c.rhs])
            .chain(problem.assumptions.iter().flat_map(|a| [&a.lhs, &a.rhs])),
    ) {
        reserved.extend(crate::index::index_names(e));
    }
    let mut report = Report {
        schema: crate::check::SCHEMA,
        indices: problem.indices.iter().map(|i| i.text()).collect(),
        definitions: named_definitions(problem),
        assumptions: problem.assumptions.iter().map(|a| a.text()).collect(),
        claims: Vec::new(),
        rolled_up: None,
    };
    let mut rolled = match role {
        Role::Problem { roll_up_from } => shared::roll_up(problem, roll_up_from, limits, until),
        Role::Template => None,
    };
    report.rolled_up = rolled.as_ref().map(|(section, _)| section.clone());
    let instances = rolled.as_ref().map(|(_, instances)| instances.as_slice());
    let (mut context, found) =
        shared::context_and_counterexamples(problem, &defs, &report, instances, limits, until);
    // Each claim takes its own (a point at a thousand classes is large to copy).
    let found: Vec<std::sync::Mutex<shared::Searched>> =
        found.into_iter().map(std::sync::Mutex::new).collect();
    // A roll-up the checker does not verify is not used.
    if rolled.is_some() && !context.as_ref().is_ok_and(|c| c.rolled_up().is_some()) {
        rolled = None;
        report.rolled_up = None;
        context = crate::check::Context::new(&report);
    }
    // The template's proofs without conditions and disproofs were checked
    // just now, by the roll-up's checker.
    if let (Some((section, _)), Some(checked)) = (
        rolled.as_mut(),
        context.as_ref().ok().and_then(|c| c.rolled_up()),
    ) {
        let shown = report.rolled_up.as_mut().map(|s| &mut s.claims);
        for (t, claim) in shown.into_iter().flatten().enumerate() {
            if let Some(why) = checked.rejected(t) {
                withdraw(claim, why);
                withdraw(&mut section.claims[t], why);
            }
        }
    }
    // Rules compiled once a claim is differentiated, moves built once one is proved the
    // ordinary way (a template's instance reads neither; costly at a thousand classes).
    let (rules, moves) = (std::sync::OnceLock::new(), std::sync::OnceLock::new());
    let claims: Vec<(usize, &Claim)> = problem.claims.iter().enumerate().collect();
    report.claims = crate::workers::map(&claims, |&(i, claim)| {
        // Every stage of a claim, the kernel's checks included, ends by this.
        let own = Instant::now() + limits.timeout;
        let deadline = until.map_or(own, |until| until.min(own));
        let instance = rolled.as_ref().and_then(|(section, instances)| {
            let inst = instances.get(i)?.as_ref()?;
            let context = context.as_ref().ok()?;
            let templates = shared::Templates { section, context };
            let found = found
                .get(i)
                .and_then(|f| f.lock().unwrap_or_else(|e| e.into_inner()).take());
            shared::decide_instance(problem, &defs, claim, inst, templates, found, limits, until)
        });
        let mut decided = instance.unwrap_or_else(|| {
            let rules = rules.get_or_init(|| {
                let sides: Vec<&RecExpr<Math>> = problem
                    .claims
                    .iter()
                    .flat_map(|c| [&c.lhs, &c.rhs])
                    .collect();
                diff_rewrites(&defs, &reserved, &sides)
            });
            let mut decided = prove_claim(problem, &defs, rules, claim, limits, until);
            if let Ok(context) = &context {
                let mut checked = None;
                if decided.status == Status::Proved {
                    let moves = moves.get_or_init(|| crate::prove::moves::Moves::new(problem));
                    checked =
                        crate::prove::moves::refine(moves, context, &mut decided, Some(deadline));
                }
                certify(context, &defs, &mut decided, checked, Some(deadline));
                if decided.status == Status::Proved {
                    if let Some(moves) = moves.get() {
                        crate::prove::moves::name_by_laws(moves, &mut decided);
                    }
                }
            }
            decided
        });
        let plain_proof = decided.status == Status::Proved && decided.conditions.is_empty();
        let rechecked = plain_proof || decided.status == Status::Disproved;
        if !(rechecked && matches!(role, Role::Template)) {
            self_check(&context, &mut decided, Some(deadline));
        }
        decided
    });
    if report.claims.iter().all(|c| c.instance.is_none()) {
        report.rolled_up = None;
    }
    report
}

/// The definitions in input syntax, in order (as certificates and transcripts show them).
pub(crate) fn named_definitions(problem: &Problem) -> Vec<NamedDefinition> {
    problem.named_definitions()
}

/// The definitions by name.
pub fn definitions(problem: &Problem) -> BTreeMap<Symbol, RecExpr<Math>> {
    problem.definitions_by_name()
}

/// The algebra's budget for `limits`, from now.
pub(crate) fn budget_for(limits: &Limits) -> Budget {
    budget(limits, Instant::now() + limits.timeout)
}

fn budget(limits: &Limits, deadline: Instant) -> Budget {
    Budget {
        max_work: limits.max_nodes.saturating_mul(20),
        deadline: Some(deadline),
    }
}

/// Decides one claim.
fn prove_claim(
    problem: &Problem,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    rules: &[Rewrite],
    claim: &Claim,
    limits: &Limits,
    until: Option<Instant>,
) -> ClaimReport {
    let own = Instant::now() + limits.timeout;
    let deadline = until.map_or(own, |until| until.min(own));
    let mut report = ClaimReport::undecided(claim.text(), claim.line);
    let saturation = SaturationLimits {
        max_nodes: limits.max_nodes,
        deadline,
    };
    let derivation = match Derivation::run(&[&claim.lhs, &claim.rhs], defs, rules, saturation) {
        Ok(d) => d,
        Err(e) => {
            report.limit = e.limit();
            report.reason = Some(e.to_string());
            return report;
        }
    };
    let sides = derivation
        .result(0)
        .and_then(|l| Ok((l, derivation.result(1)?)));
    let (lhs, rhs) = match sides {
        Ok(s) => s,
        Err(e) => {
            report.limit = e.limit();
            report.reason = Some(e.to_string());
            return report;
        }
    };

    // The numeric search gets what is left, and at least a tenth of the
    // timeout, so a proof found late is still spot-checked.
    let search_until = || deadline.max(Instant::now() + limits.timeout / 10);
    // A claim the first comparison does not show true is looked at a few
    // points first: a false one is refuted there, without the comparisons
    // that unfold more (the counterexample is the one the whole search finds).
    let mut early = None;
    let mut refuted = || {
        let sides = (&lhs, &rhs);
        let quick = Some(QUICK_POINTS);
        let until = search_until();
        early = match refute_any(problem, defs, claim, sides, REFUTE_POINTS, quick, until) {
            Refutation::Differ(cx) => Some(cx),
            _ => None,
        };
        early.is_some()
    };
    let algebra = decide_algebra(
        problem,
        defs,
        claim,
        (&lhs, &rhs),
        budget(limits, deadline),
        &mut refuted,
    );
    let search_until = search_until();
    let refutation = |count| {
        refute_any(
            problem,
            defs,
            claim,
            (&lhs, &rhs),
            count,
            None,
            search_until,
        )
    };
    match algebra {
        Ok(Outcome::Equal { chain }) => match refutation(CHECK_POINTS) {
            Refutation::Contradictory(text) => report.reason = Some(contradiction(&text)),
            Refutation::Differ(cx) => {
                report.reason = Some(
                    "internal error: the algebra found the sides equal but they differ at a point; refusing to report proved"
                        .into(),
                );
                report.counterexample = Some(cx);
            }
            // A proof needs no search; without one it rests on the algebra alone.
            agreed
            @ (Refutation::Agree(_) | Refutation::NotSearched(_) | Refutation::OutOfTime) => {
                let points = match agreed {
                    Refutation::Agree(points) => points,
                    _ => Vec::new(),
                };
                let lemmas = match derivation.lemmas(limits.max_nodes) {
                    Ok(lemmas) => lemmas,
                    Err(e) => {
                        report.limit = e.limit();
                        report.reason = Some(format!("not proved within limits: {}", e.what()));
                        return report;
                    }
                };
                report.status = Status::Proved;
                // `certify` fills the conditions: the kernel derives them.
                if points.is_empty() {
                    report.reason = Some(
                        "no point where both sides are defined and the assumptions hold was found: the claim may be vacuous"
                            .into(),
                    );
                }
                // A value too large for a finite number checks nothing: leave it out.
                let finite = |v: &str| v.parse::<f64>().is_ok_and(f64::is_finite);
                report.spot_checks = points
                    .into_iter()
                    .filter(|p| finite(&p.lhs) && finite(&p.rhs))
                    .collect();
                report.steps = lemmas;
                report.steps.extend(chain);
            }
        },
        Ok(Outcome::Differ { residual }) => match early
            .take()
            .map_or_else(|| refutation(REFUTE_POINTS), Refutation::Differ)
        {
            Refutation::Differ(cx) => {
                // The lemmas let a checker evaluate the derivatives at the counterexample.
                let Some(lemmas) = disproof_lemmas(&derivation, limits, &mut report) else {
                    return report;
                };
                report.steps = lemmas;
                report.status = Status::Disproved;
                report.reason = Some(format!(
                    "left side minus right side simplifies to {residual}"
                ));
                report.counterexample = Some(cx);
            }
            Refutation::Contradictory(text) => report.reason = Some(contradiction(&text)),
            Refutation::NotSearched(text) => {
                report.reason = Some(format!(
                    "left side minus right side simplifies to {residual}, which the algebra cannot show is zero; no counterexample was searched for, {}",
                    not_searched(&text)
                ));
            }
            Refutation::OutOfTime => {
                report.limit = Some(StopReason::Time);
                report.reason = Some(format!(
                    "not proved within limits: left side minus right side simplifies to {residual}, which the algebra cannot show is zero, and the search for a counterexample ran out of time"
                ));
            }
            Refutation::Agree(_) => {
                let constant = crate::language::parse_rational(&residual);
                report.reason = Some(
                    if constant.is_some_and(|c| !num_traits::Zero::is_zero(&c)) {
                        format!(
                        "left side minus right side is the nonzero constant {residual}, a difference too small for the numeric check to confirm at a point"
                    )
                    } else {
                        format!(
                        "left side minus right side simplifies to {residual}, which the algebra cannot show is zero, and no counterexample was found"
                    )
                    },
                );
            }
        },
        Err(AlgebraError::Limit) => match refutation(REFUTE_POINTS) {
            Refutation::Differ(cx) => {
                let Some(lemmas) = disproof_lemmas(&derivation, limits, &mut report) else {
                    return report;
                };
                report.steps = lemmas;
                report.status = Status::Disproved;
                report.reason = Some(format!(
                    "the algebra ran out of budget ({}), but the sides differ at a point",
                    limit_text(which_limit(deadline))
                ));
                report.counterexample = Some(cx);
            }
            Refutation::Contradictory(text) => report.reason = Some(contradiction(&text)),
            Refutation::Agree(_) | Refutation::NotSearched(_) | Refutation::OutOfTime => {
                let which = which_limit(deadline);
                report.limit = Some(which);
                report.reason = Some(format!(
                    "not proved within limits: the algebra ran out of budget ({})",
                    limit_text(which)
                ))
            }
        },
        Err(AlgebraError::ZeroDivisor(d)) => {
            report.reason = Some(format!("a divisor is identically zero: {d}"));
        }
    }
    report
}

/// The lemmas a disproof carries (so a checker can evaluate the derivatives
/// at the counterexample), or `None` with the limit that stopped them noted.
fn disproof_lemmas(
    derivation: &Derivation,
    limits: &Limits,
    report: &mut ClaimReport,
) -> Option<Vec<crate::report::Step>> {
    match derivation.lemmas(limits.max_nodes) {
        Ok(lemmas) => Some(lemmas),
        Err(e) => {
            report.limit = e.limit();
            report.reason = Some(format!(
                "not disproved within limits: the sides differ at a point, but {}",
                e.what()
            ));
            None
        }
    }
}

/// Which limit the algebra reached: the time, or the work that `--max-nodes` scales.
fn which_limit(deadline: Instant) -> StopReason {
    if Instant::now() > deadline {
        StopReason::Time
    } else {
        StopReason::Work
    }
}

/// The algebra's limit as the reason names it.
fn limit_text(which: StopReason) -> &'static str {
    match which {
        StopReason::Time => "time: --timeout",
        StopReason::Work | StopReason::Nodes => "work: 20 operations per --max-nodes",
    }
}

fn contradiction(text: &str) -> String {
    format!("the assumptions cannot all hold: `{text}` contradicts the equations assumed before it")
}

fn not_searched(text: &str) -> String {
    if text.is_empty() {
        "as solving the assumptions took more work than allowed".into()
    } else {
        format!("as points satisfying `{text}` cannot be chosen (it is solved for no variable, or holds at none of n = 1, 2, 3 classes)")
    }
}

fn seed(claim: &Claim) -> u64 {
    0x5eed_0000 + claim.line as u64
}

/// The simplified derivative of `expr` with respect to `var`, in input
/// syntax, with the side conditions its simplification relies on.
///
/// ```
/// let e = backprove::parse_expression("x^2*exp(x)", &[]).unwrap();
/// let defs = Default::default();
/// let d = backprove::differentiate(&e, "x".into(), &defs, &backprove::Limits::default()).unwrap();
/// assert_eq!(d.text, "2*x*exp(x) + x^2*exp(x)");
/// assert!(d.conditions.is_empty());
/// // `max(x, min(x, y))` is `x`, but the rules' derivative is `1` only off the kink.
/// let e = backprove::parse_expression("max(x, min(x, y))", &[]).unwrap();
/// let d = backprove::differentiate(&e, "x".into(), &defs, &backprove::Limits::default()).unwrap();
/// assert!(d.conditions.iter().any(|c| c == "x - min(x, y) != 0"), "{:?}", d.conditions);
/// ```
pub fn differentiate(
    expr: &RecExpr<Math>,
    var: Symbol,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    limits: &Limits,
) -> Result<Derivative, String> {
    differentiate_by(expr, &RecExpr::from(vec![Math::Var(var)]), defs, limits)
}

/// [`differentiate`] by a variable given as a term: `x`, or an element `a[k]`.
///
/// ```
/// let p = backprove::parse_problem("prove sum(j, a[j]^2) = 0").unwrap();
/// let x = backprove::parse_expression("a[k]", &[]).unwrap();
/// let d = backprove::differentiate_by(&p.claims[0].lhs, &x, &Default::default(), &backprove::Limits::default());
/// assert_eq!(d.unwrap().text, "2*a[k]");
/// ```
pub fn differentiate_by(
    expr: &RecExpr<Math>,
    var: &RecExpr<Math>,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    limits: &Limits,
) -> Result<Derivative, String> {
    let deadline = Instant::now() + limits.timeout;
    let mut nodes = expr.as_ref().to_vec();
    let root = egg::Id::from(nodes.len() - 1);
    let offset = nodes.len();
    nodes.extend(var.as_ref().iter().map(|n| {
        egg::Language::map_children(n.clone(), |c| egg::Id::from(usize::from(c) + offset))
    }));
    let x = egg::Id::from(nodes.len() - 1);
    nodes.push(Math::D([root, x]));
    let term = RecExpr::from(nodes);
    let saturation = SaturationLimits {
        max_nodes: limits.max_nodes,
        deadline,
    };
    let mut reserved = crate::index::index_names(&term);
    for def in defs.values() {
        reserved.extend(crate::index::index_names(def));
    }
    let rules = diff_rewrites(defs, &reserved, &[&term]);
    let derivation =
        Derivation::run(&[&term], defs, &rules, saturation).map_err(|e| e.to_string())?;
    let result = derivation.result(0).map_err(|e| e.to_string())?;
    let mut norm = Normalizer::new(defs, true, budget(limits, deadline));
    match norm.normalize(&result) {
        Ok(r) => {
            // A form too long to print within the budget is shown as derived.
            let text = readable(&mut norm, &r)
                .or_else(|_| norm.print_within(&r))
                .unwrap_or_else(|_| to_infix(&result));
            Ok(Derivative {
                text,
                conditions: norm.stated_conditions(),
            })
        }
        Err(AlgebraError::Limit) => Ok(Derivative {
            text: to_infix(&result),
            conditions: Vec::new(),
        }),
        Err(AlgebraError::ZeroDivisor(d)) => Err(format!("a divisor is identically zero: {d}")),
    }
}

/// A derivative from [`differentiate_by`]: its simplified text and the
/// side conditions the simplification relies on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derivative {
    /// The derivative in input syntax.
    pub text: String,
    /// Where it holds (`x - y != 0`): the derivative equals `text` only
    /// where each of these holds; empty when it holds wherever it is defined.
    pub conditions: Vec<String>,
}
