//! The markdown rendering: a section per claim, steps as a numbered list.

use std::fmt::Write;

use super::point_text;
use crate::report::{ClaimReport, Report};

/// Renders `report` as GitHub-flavoured markdown; a rolled-up template first
/// (its proofs once), then the claims (an instance in one line).
pub fn render(report: &Report) -> String {
    let mut out = String::from("# backprove report\n");
    if !report.assumptions.is_empty() {
        out.push_str("\nAssumptions:\n\n");
        for a in &report.assumptions {
            let _ = writeln!(out, "- `{a}`");
        }
    }
    if let Some(r) = &report.rolled_up {
        let _ = writeln!(
            out,
            "\nThe problem is the instance at n = {} of this problem for every n:\n",
            r.classes
        );
        for d in &r.definitions {
            let _ = writeln!(out, "- `let {} = {}`", d.name, d.expr);
        }
        for a in &r.assumptions {
            let _ = writeln!(out, "- `assume {a}`");
        }
        claims(&mut out, &r.claims, "Template claim");
    }
    claims(&mut out, &report.claims, "Claim");
    out
}

fn claims(out: &mut String, claims: &[ClaimReport], what: &str) {
    for (i, claim) in claims.iter().enumerate() {
        if claim.instance.is_some() && claim.status == crate::Status::Proved {
            let why = claim.reason.as_deref().unwrap_or_default();
            let _ = writeln!(
                out,
                "\n- {what} {} (line {}): `{}` **proved**: {why}",
                i + 1,
                claim.line,
                claim.claim
            );
            continue;
        }
        let _ = writeln!(
            out,
            "\n## {what} {} (line {}): `{}`\n",
            i + 1,
            claim.line,
            claim.claim
        );
        let _ = write!(out, "**{}**", claim.status.word());
        if !claim.conditions.is_empty() {
            let list: Vec<String> = claim.conditions.iter().map(|c| format!("`{c}`")).collect();
            let _ = write!(out, " where {}", list.join(" and "));
        }
        out.push('\n');
        if let Some(reason) = &claim.reason {
            let _ = writeln!(out, "\nReason: {reason}");
        }
        if let Some(cx) = &claim.counterexample {
            let _ = writeln!(
                out,
                "\nCounterexample: {} (left side = {}, right side = {})",
                point_text(cx),
                cx.lhs,
                cx.rhs
            );
        }
        if !claim.steps.is_empty() {
            out.push_str("\n| # | step | rule |\n|---|---|---|\n");
            for (k, step) in claim.steps.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "| {} | `{} = {}` | {} |",
                    k + 1,
                    step.before,
                    step.after,
                    step.rule
                );
            }
        }
    }
}
