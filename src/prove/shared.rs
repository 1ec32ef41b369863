//! Deciding many claims at once. When the problem is an unrolled instance of
//! an indexed template ([`crate::rollup`]), each template claim is decided
//! once, for every `n`, by the ordinary path (differentiate, normal forms,
//! kernel), and each claim of the problem by its instance: proved when its
//! template claim is, disproved when the template's sides (its lemmas in
//! place of every `d`), evaluated on the template at the problem's `n`,
//! differ at a point of the problem. The certificate
//! carries the template and its proofs; the checker verifies the
//! instantiation ([`crate::check`]). Claims that are no instance, or that
//! the template does not decide, go the ordinary way.
//!
//! A disproved template's instances are searched for counterexamples on one
//! worker ([`crate::workers`]) while the checker reads the problem on
//! another: the search needs only the template, and its result is used only
//! once the checker has verified that the problem is the template's
//! instance. Whichever needs the template first reads it for both; once it
//! has searched, the search unrolls it at the problem's size unless the
//! checker has begun to ([`crate::check::Template::unroll`]): whichever is
//! free first does it, and the checker, once it has read the problem, may
//! only compare the two.

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

/// The checker's context for `report` and, for each claim that is an
/// instance of a disproved template claim, a counterexample found while the
/// checker read the problem (on another thread).
pub(super) fn context_and_counterexamples(
    problem: &Problem,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    report: &Report,
    instances: Option<&[Option<Instance>]>,
    limits: &Limits,
    until: Option<Instant>,
) -> (Result<crate::check::Context, String>, Vec<Searched>) {
    let mut found: Vec<Searched> = vec![None; problem.claims.len()];
    let (Some(section), Some(instances)) = (report.rolled_up.as_ref(), instances) else {
        return (crate::check::Context::new(report), found);
    };
    let disproved: Vec<(usize, &Instance)> = instances
        .iter()
        .enumerate()
        .filter_map(|(i, inst)| Some((i, inst.as_ref()?)))
        .filter(|(_, (t, _))| {
            section
                .claims
                .get(*t)
                .is_some_and(|c| c.status == Status::Disproved)
        })
        .collect();
    if disproved.is_empty() {
        return (crate::check::Context::new(report), found);
    }
    // The template, read once by whichever needs it first: the search, or
    // the checker once it has read the problem (neither waits for the
    // other to start).
    let read = std::sync::OnceLock::new();
    let template = || {
        read.get_or_init(|| {
            crate::check::Template::new(section)
                .ok()
                .map(std::sync::Arc::new)
        })
        .clone()
    };
    let search = || {
        let Some(template) = template() else {
            return Vec::new();
        };
        let found = crate::workers::map(&disproved, |(i, (t, env))| {
            // For one claim, the template notes the values at each point, so
            // that keeping the counterexample's (below) evaluates nothing again.
            let note = disproved.len() == 1;
            let values = |point: &std::sync::Arc<crate::numeric::Point>| {
                let at = if note {
                    template.note_values_at(*t, section.classes, env, point)
                } else {
                    template.values_at(*t, section.classes, env, point)
                };
                at.ok().flatten()
            };
            let found = counterexample(problem, defs, &problem.claims[*i], &values, limits, until);
            // The checker's evaluation of it, done now, while the checker reads the
            // problem (for one claim: the template keeps one point's values).
            if let Some(cx) = found.as_ref().filter(|_| disproved.len() == 1) {
                let _ = template.keep_values_at(*t, section.classes, env, cx);
            }
            (*i, found)
        });
        // The template unrolled for the checker, unless it has begun to
        // unroll it itself (the search needs it not). Searched first: the
        // checker reads the problem for about as long as the search takes,
        // then unrolls it when nobody has; unrolled first, the search ended
        // a millisecond after the checker at 1,000 classes.
        template.unroll();
        found
    };
    let (context, searched) = if size(problem) < PARALLEL_SEARCH_FROM {
        // A small problem is searched first, on this thread: waking another
        // worker costs more than the overlap saves.
        let searched = search();
        (
            crate::check::Context::new_with(report, template, None),
            searched,
        )
    } else {
        // The checker reads on this thread (whose heap has the most room
        // for what it allocates), the search on another worker when one is
        // free (else after it, here).
        crate::workers::join(
            || crate::check::Context::new_with(report, template, None),
            search,
        )
    };
    for (i, cx) in searched {
        found[i] = Some(cx);
    }
    (context, found)
}

/// The size of problem (nodes of its definitions and assumptions) from which
/// the counterexample search runs on a worker of its own, beside the
/// checker. Measured on the one-claim Softmax-with-Loss problems (about 14
/// nodes a class; medians of 50 interleaved runs of each): at 300 classes
/// (4,200 nodes) the wrong claim took 5.45 ms searched beside the checker
/// and 5.69 ms searched first; at 200 classes (2,800 nodes) both took the
/// same; at 100 classes the other worker cost 10 to 15 %.
const PARALLEL_SEARCH_FROM: usize = 3_000;

/// Nodes of `problem`'s definitions and assumptions.
fn size(problem: &Problem) -> usize {
    let definitions = problem.definitions.iter().map(|d| d.expr.as_ref().len());
    let assumptions =
        (problem.assumptions.iter()).map(|a| a.lhs.as_ref().len() + a.rhs.as_ref().len());
    definitions.chain(assumptions).sum()
}

/// For a claim: `None` when no counterexample was searched for yet, else
/// what the search found.
pub(super) type Searched = Option<Option<PointValues>>;

/// A point where the sides' `values` certainly differ, within the claim's time.
fn counterexample(
    problem: &Problem,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    claim: &Claim,
    values: &dyn Fn(&std::sync::Arc<crate::numeric::Point>) -> crate::numeric::SidesAt,
    limits: &Limits,
    until: Option<Instant>,
) -> Option<PointValues> {
    let own = Instant::now() + limits.timeout;
    let deadline = until.map_or(own, |until| until.min(own));
    let sides = refute::Sides::Values(values);
    match refute(
        problem,
        defs,
        claim,
        sides,
        (REFUTE_POINTS, usize::MAX),
        0,
        deadline,
    ) {
        Refutation::Differ(cx) => Some(cx),
        _ => None,
    }
}

/// The decided templates: the report's section, and the checker's context
/// that verified it.
pub(super) struct Templates<'a> {
    pub section: &'a RolledUp,
    pub context: &'a crate::check::Context,
}

/// Decides `claim` as the instance `(t, env)` of a template claim, or `None`
/// when the template does not decide it; `found` is what a search for a
/// counterexample already found.
#[allow(clippy::too_many_arguments)]
pub(super) fn decide_instance(
    problem: &Problem,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    claim: &Claim,
    (t, env): &Instance,
    templates: Templates,
    found: Searched,
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
            let values = |point: &std::sync::Arc<crate::numeric::Point>| {
                rolled.values_at(*t, env, point).ok().flatten()
            };
            let found = found
                .unwrap_or_else(|| counterexample(problem, defs, claim, &values, limits, until));
            match found {
                Some(cx) => {
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
