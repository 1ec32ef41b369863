//! The terminal rendering: one block per claim, one line per proof step.

use std::fmt::Write;

use super::point_text;
use crate::report::{ClaimReport, Report};

/// Renders `report` as plain text; a rolled-up template first (its proofs
/// once), then one line per claim it proves.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    if let Some(r) = &report.rolled_up {
        let _ = writeln!(
            out,
            "the problem is the instance at n = {} of this problem for every n:",
            r.classes
        );
        for d in &r.definitions {
            let _ = writeln!(out, "  let {} = {}", d.name, d.expr);
        }
        for a in &r.assumptions {
            let _ = writeln!(out, "  assume {a}");
        }
        out.push('\n');
        claims(&mut out, &r.claims, "template claim");
        out.push('\n');
    }
    claims(&mut out, &report.claims, "claim");
    let proved = report
        .claims
        .iter()
        .filter(|c| c.status == crate::Status::Proved)
        .count();
    let _ = writeln!(out, "\n{} of {} claims proved", proved, report.claims.len());
    out
}

fn claims(out: &mut String, claims: &[ClaimReport], what: &str) {
    for (i, claim) in claims.iter().enumerate() {
        if claim.instance.is_some() && claim.status == crate::Status::Proved {
            let why = claim.reason.as_deref().unwrap_or_default();
            let _ = writeln!(
                out,
                "{what} {} (line {}): {}  proved: {why}",
                i + 1,
                claim.line,
                claim.claim
            );
            continue;
        }
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "{what} {} (line {}): {}",
            i + 1,
            claim.line,
            claim.claim
        );
        let _ = write!(out, "  {}", claim.status.word());
        if !claim.conditions.is_empty() {
            let _ = write!(out, " where {}", claim.conditions.join(" and "));
        }
        out.push('\n');
        if let Some(reason) = &claim.reason {
            let _ = writeln!(out, "  reason: {reason}");
        }
        if let Some(cx) = &claim.counterexample {
            let _ = writeln!(out, "  counterexample: {}", point_text(cx));
            let _ = writeln!(out, "    left side = {}, right side = {}", cx.lhs, cx.rhs);
        }
        if !claim.steps.is_empty() {
            let heading = if claim.status == crate::Status::Proved {
                "proof"
            } else {
                "derivatives (lemmas used to evaluate the counterexample)"
            };
            let _ = writeln!(out, "  {heading}:");
            let width = claim.steps.len().to_string().len();
            for (k, step) in claim.steps.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "  {:>width$}. {}  [{}]",
                    k + 1,
                    format_args!("{} = {}", step.before, step.after),
                    step.rule
                );
            }
        }
    }
}
