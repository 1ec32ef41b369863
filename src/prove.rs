//! Deciding claims: differentiate in the e-graph, compare exact normal forms
//! (names kept whole first, then fully unfolded), use `assume` equations as
//! named substitutions, and look for counterexamples numerically. Owns the
//! verdict; rendering is elsewhere.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use egg::{RecExpr, Symbol};
use num_rational::BigRational;

use crate::algebra::{natural_cmp, AlgebraError, Budget, Discharge, Normalizer, Rat, Sign, Target};
use crate::assumptions::System;
use crate::derive::{Derivation, SaturationLimits};
use crate::language::Math;
use crate::numeric::{Evaluator, Interval, Rng};
use crate::print::to_infix;
use crate::problem::{Claim, Problem, Relation};
use crate::report::{
    ClaimReport, NamedDefinition, PointValues, Report, SideCondition, Status, Step,
};
use crate::rules::diff::{diff_rewrites, Rewrite};
use crate::unroll;

/// Resource limits for deciding one claim.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Wall-clock time per claim.
    pub timeout: Duration,
    /// E-nodes in the differentiation e-graph; also scales the algebra budget.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(10),
            max_nodes: 1_000_000,
        }
    }
}

/// How many random points a refutation attempt tries.
const REFUTE_POINTS: usize = 40;
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
    prove_problem_until(problem, limits, None)
}

/// [`prove_problem`], where no claim runs past `until` (a walk's deadline
/// bounds all its claims together, not each one).
pub(crate) fn prove_problem_until(
    problem: &Problem,
    limits: &Limits,
    until: Option<Instant>,
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
    let rules = diff_rewrites(&defs, &reserved);
    let mut report = Report {
        schema: crate::check::SCHEMA,
        definitions: named_definitions(problem),
        assumptions: problem.assumptions.iter().map(|a| a.text()).collect(),
        claims: Vec::new(),
    };
    let context = crate::check::Context::new(&report);
    report.claims = parallel_map(&problem.claims, |claim| {
        let mut decided = prove_claim(problem, &defs, &rules, claim, limits, until);
        if let Ok(context) = &context {
            certify(context, &mut decided);
        }
        self_check(&context, &mut decided);
        decided
    });
    report
}

/// Re-checks a verdict with the independent checker before it is reported;
/// a verdict whose certificate fails is withdrawn, loudly.
fn self_check(context: &Result<crate::check::Context, String>, claim: &mut ClaimReport) {
    if claim.status == Status::Undecided {
        return;
    }
    let outcome = match context {
        Ok(context) => context.check_claim(claim),
        Err(e) => Err((
            None,
            format!("the certificate's header does not parse: {e}"),
        )),
    };
    if let Err((step, reason)) = outcome {
        let at = step.map(|s| format!("step {s}: ")).unwrap_or_default();
        withdraw(claim, &format!("{at}{reason}"));
    }
}

/// Has the kernel name each algebra step's laws and derive the conditions
/// the proof needs: the ones it cannot establish become the claim's stated
/// conditions, so what the checker demands is what the report lists.
fn certify(context: &crate::check::Context, claim: &mut ClaimReport) {
    if claim.status != Status::Proved {
        return;
    }
    // A step between terms that differ only in bound index names says nothing.
    if let Ok(proof) = context.proof(claim) {
        let lemmas = proof.lemmas.len();
        let mut i = 0;
        claim.steps.retain(|_| {
            let keep = i < lemmas || {
                let s = &proof.chain[i - lemmas];
                !crate::kernel::same_term(&s.before, &s.after)
            };
            i += 1;
            keep
        });
    }
    let outcome = context.proof(claim).and_then(|proof| {
        crate::kernel::check(&context.statement, &proof, true).map_err(|r| (r.step, r.reason))
    });
    let accepted = match outcome {
        Ok(a) => a,
        Err((step, reason)) => {
            let at = step.map(|s| format!("step {s}: ")).unwrap_or_default();
            return withdraw(claim, &format!("{at}{reason}"));
        }
    };
    let chain = claim.steps.iter_mut().filter(|s| !s.by.is_lemma());
    for (step, used) in chain.zip(&accepted.laws) {
        let names: Vec<String> = used.iter().cloned().collect();
        match &mut step.by {
            crate::report::Justification::Algebra { laws, .. }
            | crate::report::Justification::Assume { laws, .. } => *laws = names,
            _ => {}
        }
        step.rule = step.by.label();
    }
    let shown = crate::check::side_conditions(&accepted);
    claim.conditions = shown
        .iter()
        .filter(|(_, how)| how == "stated")
        .map(|(c, _)| c.clone())
        .collect();
    claim.side_conditions = shown
        .into_iter()
        .map(|(condition, discharged)| SideCondition {
            condition,
            discharged,
        })
        .collect();
}

/// `items.iter().map(f)`, spread over the machine's cores; the order of the
/// results is the order of the items, so output does not depend on scheduling.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            std::thread::Builder::new()
                .stack_size(64 << 20)
                .spawn_scoped(scope, || loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    results.lock().expect("no worker panicked")[i] = Some(r);
                })
                .expect("a worker thread starts");
        }
    });
    results
        .into_inner()
        .expect("no worker panicked")
        .into_iter()
        .map(|r| r.expect("every item was decided"))
        .collect()
}

fn withdraw(claim: &mut ClaimReport, why: &str) {
    if claim.status == Status::Undecided {
        return;
    }
    claim.reason = Some(format!(
        "internal error: the independent checker rejected this {}: {why}",
        claim.status.word()
    ));
    claim.status = Status::Undecided;
    claim.steps.clear();
}

/// The definitions in input syntax, in order (as certificates and transcripts show them).
pub(crate) fn named_definitions(problem: &Problem) -> Vec<NamedDefinition> {
    problem.named_definitions()
}

/// The definitions by name.
pub fn definitions(problem: &Problem) -> BTreeMap<Symbol, RecExpr<Math>> {
    problem.definitions_by_name()
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
    let mut report = ClaimReport {
        claim: claim.text(),
        line: claim.line,
        status: Status::Undecided,
        conditions: Vec::new(),
        side_conditions: Vec::new(),
        counterexample: None,
        spot_checks: Vec::new(),
        steps: Vec::new(),
        reason: None,
    };
    let saturation = SaturationLimits {
        max_nodes: limits.max_nodes,
        deadline,
    };
    let derivation = match Derivation::run(&[&claim.lhs, &claim.rhs], defs, rules, saturation) {
        Ok(d) => d,
        Err(reason) => {
            report.reason = Some(reason);
            return report;
        }
    };
    let sides = derivation
        .result(0)
        .and_then(|l| Ok((l, derivation.result(1)?)));
    let (lhs, rhs) = match sides {
        Ok(s) => s,
        Err(reason) => {
            report.reason = Some(reason);
            return report;
        }
    };

    let algebra = decide_algebra(problem, defs, claim, &lhs, &rhs, budget(limits, deadline));
    // The numeric search gets what is left, and at least a tenth of the
    // timeout, so a proof found late is still spot-checked.
    let search_until = deadline.max(Instant::now() + limits.timeout / 10);
    let refutation = |count| refute_any(problem, defs, claim, &lhs, &rhs, count, search_until);
    match algebra {
        Ok(Outcome::Equal {
            chain,
            side_conditions,
        }) => match refutation(CHECK_POINTS) {
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
                    Err(reason) => {
                        report.reason = Some(format!("not proved within limits: {reason}"));
                        return report;
                    }
                };
                report.status = Status::Proved;
                report.conditions = side_conditions
                    .iter()
                    .filter(|(_, how)| *how == Discharge::Stated)
                    .map(|(c, _)| c.clone())
                    .collect();
                report.side_conditions = side_conditions
                    .into_iter()
                    .map(|(condition, how)| SideCondition {
                        condition,
                        discharged: match how {
                            Discharge::Sign => "sign facts",
                            Discharge::Stated => "stated",
                            Discharge::Implied => "implied by the stated conditions",
                        }
                        .into(),
                    })
                    .collect();
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
        Ok(Outcome::Differ { residual }) => match refutation(REFUTE_POINTS) {
            Refutation::Differ(cx) => {
                // The lemmas let a checker evaluate the derivatives at the counterexample.
                report.steps = match derivation.lemmas(limits.max_nodes) {
                    Ok(lemmas) => lemmas,
                    Err(reason) => {
                        report.reason = Some(format!(
                            "not disproved within limits: the sides differ at a point, but {reason}"
                        ));
                        return report;
                    }
                };
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
                report.steps = match derivation.lemmas(limits.max_nodes) {
                    Ok(lemmas) => lemmas,
                    Err(reason) => {
                        report.reason = Some(format!(
                            "not disproved within limits: the sides differ at a point, but {reason}"
                        ));
                        return report;
                    }
                };
                report.status = Status::Disproved;
                report.reason = Some(format!(
                    "the algebra ran out of budget ({}), but the sides differ at a point",
                    which_limit(deadline)
                ));
                report.counterexample = Some(cx);
            }
            Refutation::Contradictory(text) => report.reason = Some(contradiction(&text)),
            Refutation::Agree(_) | Refutation::NotSearched(_) | Refutation::OutOfTime => {
                report.reason = Some(format!(
                    "not proved within limits: the algebra ran out of budget ({})",
                    which_limit(deadline)
                ))
            }
        },
        Err(AlgebraError::ZeroDivisor(d)) => {
            report.reason = Some(format!("a divisor is identically zero: {d}"));
        }
    }
    report
}

/// Which limit the algebra reached: the time, or the work that `--max-nodes` scales.
fn which_limit(deadline: Instant) -> &'static str {
    if Instant::now() > deadline {
        "time: --timeout"
    } else {
        "work: 20 operations per --max-nodes"
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

enum Outcome {
    Equal {
        chain: Vec<Step>,
        /// Every side condition, with whether it is stated rather than established.
        side_conditions: Vec<(String, Discharge)>,
    },
    Differ {
        residual: String,
    },
}

/// Compares normal forms, first with sums kept as names, then fully unfolded.
fn decide_algebra(
    problem: &Problem,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    claim: &Claim,
    lhs: &RecExpr<Math>,
    rhs: &RecExpr<Math>,
    budget: Budget,
) -> Result<Outcome, AlgebraError> {
    let mut residual = String::new();
    // With several equations, a last pass uses them in reverse order: one
    // substitution per target, so the order decides which value a variable gets.
    let equations = problem
        .assumptions
        .iter()
        .filter(|a| a.relation == Relation::Eq)
        .count();
    let passes: &[(bool, bool)] = if equations > 1 {
        &[(true, false), (false, false), (true, true)]
    } else {
        &[(true, false), (false, false)]
    };
    for &(opaque, reversed) in passes {
        let mut norm = Normalizer::new(defs, opaque, budget);
        add_sign_facts(&mut norm, problem)?;
        // The domain conditions of the claim as written, including inside `d`.
        norm.normalize(&claim.lhs)?;
        norm.normalize(&claim.rhs)?;
        norm.take_used_rules();
        let a = norm.normalize(lhs)?;
        let sum_rules = norm.take_used_rules();
        let b = norm.normalize(rhs)?;
        let rhs_rules = norm.take_used_rules();
        let nb = norm.neg(&b);
        let diff = norm.add(&a, &nb)?;
        let has_d = claim.lhs.as_ref().iter().any(|n| matches!(n, Math::D(_)));
        let start = |norm: &mut Normalizer| -> Result<Vec<Mark>, AlgebraError> {
            let first = Start {
                problem,
                defs,
                lhs,
                opaque,
                budget,
                has_d,
            };
            first.marks(norm, &a, &sum_rules)
        };
        if diff.is_zero() {
            norm.minimize_conditions();
            let chain = chain(claim, &start(&mut norm)?, &rhs_rules);
            return Ok(Outcome::Equal {
                chain,
                side_conditions: norm.side_conditions(),
            });
        }
        // The first (names kept whole) residual is the one a reader can follow.
        if residual.is_empty() {
            residual = readable(&mut norm, &diff)?;
            if has_d {
                let left = readable(&mut norm, &a)?;
                if left != residual {
                    residual = format!("{residual} (the left side simplifies to {left})");
                }
            }
        }
        let mut solved = solve_equations(&mut norm, problem)?;
        if solved.is_empty() {
            continue;
        }
        if reversed {
            solved.reverse();
        }
        let mut marks = start(&mut norm)?;
        let mut a = a.clone();
        let mut used: Vec<Target> = Vec::new();
        for (target, value, text) in &solved {
            // A second equation solved for the same target would replace the
            // first one's value, and the chain would jump: use the first only.
            if used.contains(target) {
                continue;
            }
            used.push(*target);
            let shown = norm.print_target(*target);
            norm.substitute_target(*target, value.clone());
            a = norm.normalize(lhs)?;
            marks.push((
                readable(&mut norm, &a)?,
                Some(format!("assume {text}: {shown} = {}", norm.print(value))),
            ));
        }
        let b = norm.normalize(rhs)?;
        let nb = norm.neg(&b);
        if norm.add(&a, &nb)?.is_zero() {
            norm.minimize_conditions();
            return Ok(Outcome::Equal {
                chain: chain(claim, &marks, &rhs_rules),
                side_conditions: norm.side_conditions(),
            });
        }
    }
    Ok(Outcome::Differ { residual })
}

/// One point of the chain: a term and the rule that leads to it (`None`: the default).
type Mark = (String, Option<String>);

/// How the chain starts: the derivative's normal form, and with sums first the
/// derivative with its outermost sums kept whole (as the book writes it),
/// then the `sum-*` rules.
struct Start<'a> {
    problem: &'a Problem,
    defs: &'a BTreeMap<Symbol, RecExpr<Math>>,
    lhs: &'a RecExpr<Math>,
    opaque: bool,
    budget: Budget,
    has_d: bool,
}

impl Start<'_> {
    fn marks(
        &self,
        norm: &mut Normalizer,
        a: &Rat,
        sum_rules: &[&str],
    ) -> Result<Vec<Mark>, AlgebraError> {
        let labelled = |prefix: &str, rules: &[&str]| {
            (!rules.is_empty()).then(|| format!("{prefix}: {}", rules.join(", ")))
        };
        if sum_rules.is_empty() || !self.has_d {
            return Ok(vec![(readable(norm, a)?, labelled("algebra", sum_rules))]);
        }
        let mut whole = Normalizer::new(self.defs, self.opaque, self.budget);
        add_sign_facts(&mut whole, self.problem)?;
        whole.set_expand_sums(false);
        let r = whole.normalize(self.lhs)?;
        let inner = whole.take_used_rules();
        Ok(vec![
            (
                readable(&mut whole, &r)?,
                labelled("differentiate (lemmas above), algebra", &inner),
            ),
            (readable(norm, a)?, labelled("algebra", sum_rules)),
        ])
    }
}

/// A normal form as a step shows it: products that a name stands for written
/// as the name (`t1*y1` for `t1*exp(a1)/S`), for forms short enough to read.
fn readable(norm: &mut Normalizer, r: &Rat) -> Result<String, AlgebraError> {
    if r.num.len() > 64 {
        return Ok(norm.print(r));
    }
    let folded = norm.fold_names(r)?;
    Ok(norm.print(&folded))
}

/// The equational chain `lhs = derivative = normal form (= after assumptions) = ... = rhs`.
fn chain(claim: &Claim, marks: &[Mark], rhs_rules: &[&str]) -> Vec<Step> {
    let has_d = |e: &RecExpr<Math>| e.as_ref().iter().any(|n| matches!(n, Math::D(_)));
    let mut terms: Vec<(String, String)> = Vec::new();
    // The d-free derivative itself is not printed: as a tree it grows with the
    // square of the number of terms; the lemmas above justify it piece by piece.
    for (i, (text, rule)) in marks.iter().enumerate() {
        let rule = match (i, rule) {
            (_, Some(r)) => r.clone(),
            (0, None) if has_d(&claim.lhs) => "differentiate (lemmas above), algebra".into(),
            _ => "algebra".into(),
        };
        terms.push((rule, text.clone()));
    }
    let last = if has_d(&claim.rhs) {
        "algebra, differentiate (lemmas above)".to_string()
    } else if rhs_rules.is_empty() {
        "algebra".to_string()
    } else {
        format!("algebra: {}", rhs_rules.join(", "))
    };
    terms.push((last, to_infix(&claim.rhs)));
    let mut steps = Vec::new();
    let mut current = to_infix(&claim.lhs);
    for (rule, next) in terms {
        if next != current {
            steps.push(Step::new(rule, current.clone(), next.clone()));
            current = next;
        }
    }
    steps
}

pub(crate) fn add_sign_facts(norm: &mut Normalizer, problem: &Problem) -> Result<(), AlgebraError> {
    norm.without_conditions(|norm| {
        for a in &problem.assumptions {
            let sign = match a.relation {
                Relation::Eq => continue,
                Relation::Gt => Sign::POS,
                Relation::Ge => Sign::NON_NEG,
                Relation::Ne => Sign::NON_ZERO,
            };
            let value = norm.difference(&a.lhs, &a.rhs)?;
            norm.add_fact(value, sign);
        }
        Ok(())
    })
}

/// Solves each `assume` equation for one free variable (or index-free sum), in source order.
pub(crate) fn solve_equations(
    norm: &mut Normalizer,
    problem: &Problem,
) -> Result<Vec<(Target, Rat, String)>, AlgebraError> {
    norm.without_conditions(|norm| {
        let mut solved = Vec::new();
        for a in problem
            .assumptions
            .iter()
            .filter(|a| a.relation == Relation::Eq)
        {
            let p = norm.difference(&a.lhs, &a.rhs)?;
            if let Some((var, value)) = norm.solve_linear(&p) {
                solved.push((var, value, a.text()));
            }
        }
        Ok(solved)
    })
}

/// [`refute`], at `n` = 1, 2, 3 classes and every value of the claim's free
/// indices when the problem has indexed families (smallest `n` first).
fn refute_any(
    problem: &Problem,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    claim: &Claim,
    lhs: &RecExpr<Math>,
    rhs: &RecExpr<Math>,
    count: usize,
    until: Instant,
) -> Refutation {
    if !unroll::is_indexed(problem) {
        return refute(problem, defs, claim, lhs, rhs, count, until);
    }
    let indices = crate::index::free_in_order_of(&[&claim.lhs, &claim.rhs]);
    let mut agreeing = Vec::new();
    let mut unsatisfiable = None;
    for n in 1..=3 {
        let Ok(concrete) = unroll::unroll_problem(problem, n) else {
            return Refutation::Agree(agreeing);
        };
        let concrete_defs = definitions(&concrete);
        // At most 27 valuations per n (all of them for up to three free indices).
        let mut valuations = unroll::valuations(&indices, n);
        valuations.truncate(27);
        let per_case = count.div_ceil(valuations.len()).max(2);
        for env in valuations {
            let terms = [&claim.lhs, &claim.rhs, lhs, rhs].map(|e| unroll::unroll(e, n, &env));
            let [Ok(cl), Ok(cr), Ok(l), Ok(r)] = terms else {
                return Refutation::Agree(agreeing);
            };
            let unrolled = Claim {
                lhs: cl,
                rhs: cr,
                line: claim.line,
            };
            let mark = |p: &mut PointValues| {
                p.point
                    .insert(unroll::classes_key(problem).to_string(), n.to_string());
                for (s, v) in &env {
                    p.point.insert(s.to_string(), v.to_string());
                }
            };
            match refute(
                &concrete,
                &concrete_defs,
                &unrolled,
                &l,
                &r,
                per_case,
                until,
            ) {
                // At this number of classes the assumptions cannot hold (`n = 5`
                // at n = 1): no point here, which says nothing about other n.
                Refutation::Contradictory(text) => {
                    unsatisfiable = Some(text);
                    break;
                }
                stop @ (Refutation::NotSearched(_) | Refutation::OutOfTime) => return stop,
                Refutation::Differ(mut cx) => {
                    mark(&mut cx);
                    return Refutation::Differ(cx);
                }
                Refutation::Agree(points) => {
                    for mut p in points.into_iter().take(1) {
                        if agreeing.len() < CHECK_POINTS {
                            mark(&mut p);
                            agreeing.push(p);
                        }
                    }
                }
            }
        }
    }
    match unsatisfiable {
        Some(text) if agreeing.is_empty() => Refutation::NotSearched(text),
        _ => Refutation::Agree(agreeing),
    }
}

/// Looks for a point that satisfies the assumptions where the sides certainly differ.
fn refute(
    problem: &Problem,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    claim: &Claim,
    lhs: &RecExpr<Math>,
    rhs: &RecExpr<Math>,
    count: usize,
    until: Instant,
) -> Refutation {
    let budget = Budget {
        max_work: 1_000_000,
        deadline: Some(until),
    };
    let mut norm = Normalizer::new(defs, false, budget);
    // The equations as one system, so that every point satisfies all of them.
    let solved = match crate::assumptions::solve_system(&mut norm, problem) {
        Ok(System::Solved(solved)) => solved,
        Ok(System::Contradictory(text)) => return Refutation::Contradictory(text),
        Ok(System::Unsolvable(text)) => return Refutation::NotSearched(text),
        Err(_) => return Refutation::NotSearched(String::new()),
    };
    let mut vars: BTreeSet<Symbol> = BTreeSet::new();
    // The claim as written: a derivative may have lost variables the claim is about.
    collect_vars(&claim.lhs, defs, &mut vars);
    collect_vars(&claim.rhs, defs, &mut vars);
    collect_vars(lhs, defs, &mut vars);
    collect_vars(rhs, defs, &mut vars);
    for a in &problem.assumptions {
        collect_vars(&a.lhs, defs, &mut vars);
        collect_vars(&a.rhs, defs, &mut vars);
    }
    let mut vars: Vec<Symbol> = vars.into_iter().collect();
    vars.sort_by(|a, b| natural_cmp(a.as_str(), b.as_str()));
    let solved_vars: BTreeSet<Symbol> = solved.iter().map(|(v, _)| *v).collect();
    let mut rng = Rng::new(seed(claim));
    let mut agreeing = Vec::new();
    for attempt in 0..count * 3 {
        if attempt >= count && attempt % 3 != 0 {
            continue;
        }
        if Instant::now() > until {
            return Refutation::OutOfTime;
        }
        let mut point: BTreeMap<Symbol, BigRational> = BTreeMap::new();
        for v in vars.iter().filter(|v| !solved_vars.contains(v)) {
            let value = if positive_by_assumption(problem, *v) {
                rng.quarter(1, 12)
            } else {
                rng.quarter(-12, 12)
            };
            point.insert(*v, value);
        }
        let mut ok = true;
        for (var, value) in solved.iter().rev() {
            match norm.evaluate_exact(value, &point) {
                Some(x) => {
                    point.insert(*var, x);
                }
                None => ok = false,
            }
        }
        if !ok || !satisfies_facts(problem, defs, &point) {
            continue;
        }
        let mut eval = Evaluator::new(defs, &point);
        let (Some(l), Some(r)) = (eval.eval(lhs), eval.eval(rhs)) else {
            continue;
        };
        if l.disjoint(&r) {
            return Refutation::Differ(values(&point, &l, &r));
        }
        // A value beyond f64 agrees with nothing in particular, and prints as NaN.
        if !(l.mid().is_finite() && r.mid().is_finite()) {
            continue;
        }
        if agreeing.len() < CHECK_POINTS {
            agreeing.push(values(&point, &l, &r));
        }
    }
    Refutation::Agree(agreeing)
}

/// What the numeric search found.
enum Refutation {
    /// A point where the sides certainly differ.
    Differ(PointValues),
    /// No such point; these points agree (up to [`CHECK_POINTS`] of them).
    Agree(Vec<PointValues>),
    /// No search ran: points satisfying this `assume` equation cannot be chosen
    /// (empty: the equations took more work than allowed).
    NotSearched(String),
    /// This `assume` equation contradicts the ones before it.
    Contradictory(String),
    /// The search ran out of time before it was done.
    OutOfTime,
}

fn values(point: &BTreeMap<Symbol, BigRational>, l: &Interval, r: &Interval) -> PointValues {
    PointValues {
        point: point
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    crate::language::Constant(v.clone()).to_string(),
                )
            })
            .collect(),
        lhs: display(l),
        rhs: display(r),
    }
}

fn display(i: &Interval) -> String {
    format!("{:.6}", i.mid())
}

fn collect_vars(
    expr: &RecExpr<Math>,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    out: &mut BTreeSet<Symbol>,
) {
    let mut visited: BTreeSet<Symbol> = BTreeSet::new();
    let mut todo = vec![expr];
    while let Some(e) = todo.pop() {
        for node in e.as_ref() {
            if let Math::Var(s) = node {
                match defs.get(s) {
                    Some(def) => {
                        if visited.insert(*s) {
                            todo.push(def);
                        }
                    }
                    None => {
                        out.insert(*s);
                    }
                }
            }
        }
    }
}

fn positive_by_assumption(problem: &Problem, v: Symbol) -> bool {
    problem.assumptions.iter().any(|a| {
        matches!(a.relation, Relation::Gt | Relation::Ge)
            && matches!(a.lhs.as_ref(), [Math::Var(s)] if *s == v)
            && matches!(a.rhs.as_ref(), [Math::Num(c)] if !c.is_negative())
    })
}

fn satisfies_facts(
    problem: &Problem,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    point: &BTreeMap<Symbol, BigRational>,
) -> bool {
    let mut eval = Evaluator::new(defs, point);
    problem.assumptions.iter().all(|a| {
        let (Some(l), Some(r)) = (eval.eval(&a.lhs), eval.eval(&a.rhs)) else {
            return false;
        };
        match a.relation {
            Relation::Eq => true,
            Relation::Gt => l.lo > r.hi,
            Relation::Ge => l.lo >= r.hi,
            Relation::Ne => l.disjoint(&r),
        }
    })
}

/// The simplified derivative of `expr` with respect to `var`, in input syntax.
///
/// ```
/// let e = backprove::parse_expression("x^2*exp(x)", &[]).unwrap();
/// let defs = Default::default();
/// let d = backprove::differentiate(&e, "x".into(), &defs, &backprove::Limits::default()).unwrap();
/// assert_eq!(d, "2*x*exp(x) + x^2*exp(x)");
/// ```
pub fn differentiate(
    expr: &RecExpr<Math>,
    var: Symbol,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    limits: &Limits,
) -> Result<String, String> {
    differentiate_by(expr, &RecExpr::from(vec![Math::Var(var)]), defs, limits)
}

/// [`differentiate`] by a variable given as a term: `x`, or an element `a[k]`.
///
/// ```
/// let p = backprove::parse_problem("prove sum(j, a[j]^2) = 0").unwrap();
/// let x = backprove::parse_expression("a[k]", &[]).unwrap();
/// let d = backprove::differentiate_by(&p.claims[0].lhs, &x, &Default::default(), &backprove::Limits::default());
/// assert_eq!(d.unwrap(), "2*a[k]");
/// ```
pub fn differentiate_by(
    expr: &RecExpr<Math>,
    var: &RecExpr<Math>,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    limits: &Limits,
) -> Result<String, String> {
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
    let derivation = Derivation::run(&[&term], defs, &diff_rewrites(defs, &reserved), saturation)?;
    let result = derivation.result(0)?;
    let mut norm = Normalizer::new(defs, true, budget(limits, deadline));
    match norm.normalize(&result) {
        Ok(r) => Ok(readable(&mut norm, &r).unwrap_or_else(|_| norm.print(&r))),
        Err(AlgebraError::Limit) => Ok(to_infix(&result)),
        Err(AlgebraError::ZeroDivisor(d)) => Err(format!("a divisor is identically zero: {d}")),
    }
}
