//! The markdown rendering: a section per claim, steps as a numbered list.

use std::fmt::Write;

use super::point_text;
use crate::report::Report;

/// Renders `report` as GitHub-flavoured markdown.
pub fn render(report: &Report) -> String {
    let mut out = String::from("# backprove report\n");
    if !report.assumptions.is_empty() {
        out.push_str("\nAssumptions:\n\n");
        for a in &report.assumptions {
            let _ = writeln!(out, "- `{a}`");
        }
    }
    for (i, claim) in report.claims.iter().enumerate() {
        let _ = writeln!(
            out,
            "\n## Claim {} (line {}): `{}`\n",
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
    out
}
