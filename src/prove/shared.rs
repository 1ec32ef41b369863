//! Deciding many claims at once. When the problem is an unrolled instance of
//! an indexed template ([`crate::rollup`]), each template claim is decided
//! once, for every `n`, by the ordinary path (differentiate, normal forms,
//! kernel), and each claim of the problem by its instance: proved when its
//! template claim is, disproved when the template's lemmas, unrolled at the
//! problem's `n`, give a point where the sides differ. The certificate
//! carries the template and its proofs; the checker verifies the
//! instantiation ([`crate::check`]). Claims that are no instance, or that
//! the template does not decide, go the ordinary way.

use super::*;
use crate::report::{InstanceOf, RolledUp};
use crate::rollup::Instance;

/// The template section of the report and, per claim, its instance.
pub(super) fn roll_up(
    problem: &Problem,
    from: usize,
    limits: &Limits,
    until: Option<Instant>,
) -> Option<(RolledUp, Vec<Option<Instance>>)> {
    let r = crate::rollup::roll_up(problem, from)?;
    let template = super::prove_problem_as(&r.template, limits, until, super::Role::Template);
    let section = RolledUp {
        classes: r.classes,
        definitions: template.definitions,
        assumptions: template.assumptions,
        claims: template.claims,
    };
    Some((section, r.instances))
}

/// The decided templates: the report's section, and the checker's context
/// that verified it.
pub(super) struct Templates<'a> {
    pub section: &'a RolledUp,
    pub context: &'a crate::check::Context,
}

/// Decides `claim` as the instance `(t, env)` of a template claim, or `None`
/// when the template does not decide it.
pub(super) fn decide_instance(
    problem: &Problem,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    claim: &Claim,
    (t, env): &Instance,
    templates: Templates,
    limits: &Limits,
    until: Option<Instant>,
) -> Option<ClaimReport> {
    let section = templates.section;
    let rolled = templates.context.rolled_up()?;
    let template = section.claims.get(*t)?;
    // By name, not by symbol: the text must not depend on the order names were interned.
    let indices: BTreeMap<String, usize> = env.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    let at: Vec<String> = indices.iter().map(|(k, v)| format!("{k} = {v}")).collect();
    let at = if at.is_empty() {
        String::new()
    } else {
        format!(" at {}", at.join(", "))
    };
    let mut report = ClaimReport {
        instance: Some(InstanceOf {
            template: t + 1,
            indices,
        }),
        ..ClaimReport::undecided(claim.text(), claim.line)
    };
    match template.status {
        Status::Proved if template.conditions.is_empty() => {
            report.status = Status::Proved;
            report.reason = Some(format!(
                "template claim {}{at}, proved for every n (here n = {})",
                t + 1,
                section.classes
            ));
            Some(report)
        }
        Status::Disproved => {
            // The template's sides, evaluated at the problem's size: no unrolled tree.
            let values = |point: &BTreeMap<Symbol, BigRational>| {
                rolled.values_at(*t, env, point).ok().flatten()
            };
            let own = Instant::now() + limits.timeout;
            let deadline = until.map_or(own, |until| until.min(own));
            let sides = refute::Sides::Values(&values);
            match refute(problem, defs, claim, sides, REFUTE_POINTS, 0, deadline) {
                Refutation::Differ(cx) => {
                    let residual = template.reason.as_deref().unwrap_or("the sides differ");
                    report.status = Status::Disproved;
                    report.reason = Some(format!(
                        "template claim {}{at}, for every n: {residual}",
                        t + 1
                    ));
                    report.counterexample = Some(cx);
                    Some(report)
                }
                _ => None,
            }
        }
        _ => None,
    }
}
