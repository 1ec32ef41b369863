//! The LaTeX rendering: a standalone document; each step's terms are re-read
//! from input syntax and typeset.

use std::fmt::Write;

use super::point_text;
use crate::parse::parse_expression;
use crate::print::to_latex;
use crate::report::{ClaimReport, Report, Status};

/// Typesets a term given in input syntax; falls back to verbatim text.
fn math(term: &str) -> String {
    match parse_expression(term, &[]) {
        Ok(e) => to_latex(&e),
        Err(_) => format!("\\texttt{{{}}}", escape(term)),
    }
}

/// Escapes text for LaTeX's text mode.
pub(super) fn escape(s: &str) -> String {
    // Character by character, so no replacement escapes another's braces.
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '~' => out.push_str("\\textasciitilde{}"),
            '<' => out.push_str("\\textless{}"),
            '>' => out.push_str("\\textgreater{}"),
            '_' | '#' | '&' | '%' | '$' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

fn claim_math(claim: &str) -> String {
    match claim.split_once(" = ") {
        Some((l, r)) => format!("{} = {}", math(l), math(r)),
        None => format!("\\texttt{{{}}}", escape(claim)),
    }
}

/// Renders `report` as a standalone LaTeX document; a rolled-up template
/// first (its proofs once), then the claims (an instance in one line).
pub fn render(report: &Report) -> String {
    let mut out = String::from(
        "\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage[margin=2cm]{geometry}\n\\begin{document}\n\\section*{backprove report}\n",
    );
    if !report.assumptions.is_empty() {
        out.push_str("Assumptions:\n\\begin{itemize}\n");
        for a in &report.assumptions {
            let _ = writeln!(out, "  \\item \\texttt{{{}}}", escape(a));
        }
        out.push_str("\\end{itemize}\n");
    }
    if let Some(r) = &report.rolled_up {
        let _ = writeln!(
            out,
            "The problem is the instance at $n = {}$ of this problem for every $n$:\n\\begin{{itemize}}",
            r.classes
        );
        for d in &r.definitions {
            let _ = writeln!(
                out,
                "  \\item \\texttt{{let {} = {}}}",
                escape(&d.name),
                escape(&d.expr)
            );
        }
        for a in &r.assumptions {
            let _ = writeln!(out, "  \\item \\texttt{{assume {}}}", escape(a));
        }
        out.push_str("\\end{itemize}\n");
        claims(&mut out, &r.claims, "Template claim");
    }
    claims(&mut out, &report.claims, "Claim");
    out.push_str("\\end{document}\n");
    out
}

fn claims(out: &mut String, claims: &[ClaimReport], what: &str) {
    for (i, claim) in claims.iter().enumerate() {
        if claim.instance.is_some() && claim.status == Status::Proved {
            let why = claim.reason.as_deref().unwrap_or_default();
            let _ = writeln!(
                out,
                "\\noindent {what} {} (line {}): ${}$ \\textbf{{proved}}: {}\n",
                i + 1,
                claim.line,
                claim_math(&claim.claim),
                escape(why)
            );
            continue;
        }
        let _ = writeln!(
            out,
            "\\subsection*{{{what} {} (line {})}}",
            i + 1,
            claim.line
        );
        let _ = writeln!(out, "\\[ {} \\]", claim_math(&claim.claim));
        let _ = write!(out, "\\textbf{{{}}}", claim.status.word());
        if !claim.conditions.is_empty() {
            let list: Vec<String> = claim
                .conditions
                .iter()
                .map(|c| format!("\\texttt{{{}}}", escape(c)))
                .collect();
            let _ = write!(out, " where {}", list.join(" and "));
        }
        out.push_str("\n\n");
        if let Some(reason) = &claim.reason {
            let _ = writeln!(out, "Reason: {}\n", escape(reason));
        }
        if let Some(cx) = &claim.counterexample {
            let _ = writeln!(
                out,
                "Counterexample: \\texttt{{{}}} (left side $= {}$, right side $= {}$)\n",
                escape(&point_text(cx)),
                cx.lhs,
                cx.rhs
            );
        }
        if !claim.steps.is_empty() {
            out.push_str("\\begin{enumerate}\n");
            for step in &claim.steps {
                let _ = writeln!(
                    out,
                    "  \\item $\\displaystyle {} = {}$ \\hfill \\textsf{{{}}}",
                    math(&step.before),
                    math(&step.after),
                    escape(&step.rule)
                );
            }
            out.push_str("\\end{enumerate}\n");
        }
    }
}
