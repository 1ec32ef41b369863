//! Certifying a proof and re-checking every verdict before it is reported:
//! `certify` has the kernel (discovery mode) name each algebra step's laws
//! and the conditions the proof needs; `self_check` re-reads the claim's
//! certificate with the independent checker, exactly as `backprove check`
//! does, and withdraws a verdict it rejects. Owns no search and no proof.

use std::collections::BTreeMap;
use std::time::Instant;

use egg::{RecExpr, Symbol};

use crate::algebra::{Budget, Normalizer};
use crate::kernel::{Rel, KERNEL_TIME};
use crate::language::Math;
use crate::print::to_infix;
use crate::report::{ClaimReport, SideCondition, Status};

/// Re-checks a verdict with the independent checker before it is reported;
/// a verdict whose certificate fails is withdrawn, loudly.
///
/// Past `deadline` (the claim's time limit) the kernel stops: the verdict is
/// then undecided for want of time, as any other limit, not withdrawn as wrong.
pub(super) fn self_check(
    context: &Result<crate::check::Context, String>,
    claim: &mut ClaimReport,
    deadline: Option<Instant>,
) {
    if claim.status == Status::Undecided {
        return;
    }
    let outcome = match context {
        Ok(context) => context.check_claim_until(claim, deadline),
        Err(e) => Err((
            None,
            format!("the certificate's header does not parse: {e}"),
        )),
    };
    match outcome {
        Ok(()) => {}
        Err((_, reason)) if reason == KERNEL_TIME => out_of_time(claim),
        Err((step, reason)) => {
            let at = step.map(|s| format!("step {s}: ")).unwrap_or_default();
            withdraw(claim, &format!("{at}{reason}"));
        }
    }
}

/// Has the kernel name each algebra step's laws and derive the conditions
/// the proof needs: the ones it cannot establish become the claim's stated
/// conditions, so what the checker demands is what the report lists. Past
/// `deadline` the kernel stops, and the claim is undecided for want of time.
pub(super) fn certify(
    context: &crate::check::Context,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    claim: &mut ClaimReport,
    checked: Option<crate::prove::moves::Checked>,
    deadline: Option<Instant>,
) {
    if claim.status != Status::Proved {
        return;
    }
    // A step between terms that differ only in bound index names says nothing.
    let outcome = context.proof(claim).and_then(|mut proof| {
        let lemmas = proof.lemmas.len();
        let keep: Vec<bool> = (0..claim.steps.len())
            .map(|i| {
                i < lemmas || {
                    let s = &proof.chain[i - lemmas];
                    !crate::kernel::same_term(&s.before, &s.after, &context.statement.ranges)
                }
            })
            .collect();
        // The kernel, in discovery mode, has just accepted exactly this proof
        // while the moves were chosen (`context.proof` is a function of the
        // claim): its answer stands. The self-check still re-checks it.
        if keep.iter().all(|k| *k) {
            if let Some((_, accepted)) = checked.filter(|(steps, _)| *steps == claim.steps) {
                return Ok(accepted);
            }
        }
        let mut flags = keep.iter();
        claim
            .steps
            .retain(|_| *flags.next().expect("one flag per step"));
        let mut flags = keep[lemmas..].iter();
        proof
            .chain
            .retain(|_| *flags.next().expect("one flag per chain step"));
        super::discover::discover(&context.statement, &proof, deadline)
            .map(|(accepted, _)| accepted)
            .map_err(|r| (r.step, r.reason))
    });
    let accepted = match outcome {
        Ok(a) => a,
        Err((_, reason)) if reason == KERNEL_TIME => return out_of_time(claim),
        Err((step, reason)) => {
            let at = step.map(|s| format!("step {s}: ")).unwrap_or_default();
            return withdraw(claim, &format!("{at}{reason}"));
        }
    };
    // A condition on constants alone that is false (`-1 >= 0` for
    // `sqrt(-1)`): the claim speaks of a term that is never defined. One
    // normalizer for every condition (each with its own budget of work): the
    // definitions are normalized once, not once per condition. Past the
    // claim's deadline, as past the work, a condition is taken as possible.
    let budget = Budget {
        max_work: 100_000,
        deadline,
    };
    let mut constants = Normalizer::new(defs, false, budget);
    if let Some(never) = accepted
        .needed
        .iter()
        .find(|n| never_holds(&mut constants, &n.term, n.rel))
    {
        claim.status = Status::Undecided;
        claim.steps.clear();
        claim.reason = Some(format!(
            "the claim is never defined: it needs {} {} 0, which is false",
            to_infix(&never.term),
            crate::kernel::rel_text(never.rel)
        ));
        return;
    }
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

/// A verdict the kernel could not check within the claim's time: undecided,
/// with the limit named (a limit, not a fault of the proof or of the prover).
fn out_of_time(claim: &mut ClaimReport) {
    let not = match claim.status {
        Status::Disproved => "not disproved",
        _ => "not proved",
    };
    claim.reason = Some(format!(
        "{not} within limits: the kernel's check ran out of time (time: --timeout)"
    ));
    claim.limit = Some(crate::report::StopReason::Time);
    claim.status = Status::Undecided;
    claim.steps.clear();
}

pub(super) fn withdraw(claim: &mut ClaimReport, why: &str) {
    if claim.status == Status::Undecided {
        return;
    }
    // A proof too large for the kernel's budget is not wrong: undecided at a limit.
    claim.reason = Some(if why.contains(crate::kernel::LIMIT) {
        claim.limit = Some(crate::report::StopReason::Work);
        format!(
            "not {} within limits: checking the proof: {why}",
            claim.status.word()
        )
    } else {
        format!(
            "internal error: the independent checker rejected this {}: {why}",
            claim.status.word()
        )
    });
    claim.status = Status::Undecided;
    claim.steps.clear();
}

/// Whether `term REL 0` is false everywhere: its exact normal form is a
/// constant on the wrong side of zero (`x - x - 1 > 0`). Only ever turns a
/// verdict into "undecided", so the algebra is trusted with nothing here.
fn never_holds(norm: &mut Normalizer, term: &RecExpr<Math>, rel: Rel) -> bool {
    norm.fresh_budget();
    let Some(c) = norm.normalize(term).ok().and_then(|v| v.as_constant()) else {
        return false;
    };
    use num_traits::{Signed, Zero};
    match rel {
        Rel::Gt => !c.is_positive(),
        Rel::Ge => c.is_negative(),
        Rel::Ne => c.is_zero(),
    }
}
