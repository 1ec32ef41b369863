//! Transcripts as standalone LaTeX documents: the walk grouped by layer,
//! every move of a simplification on its own aligned line.

use std::fmt::Write;

use super::transcript_text::{short, signed, verdict};
use super::walk::{self, EdgeLine};
use crate::report::Status;
use crate::transcript::{Simplification, Transcript};

/// LaTeX math for a term in input syntax; verbatim text where it does not parse.
fn tex(term: &str) -> String {
    match crate::parse::parse_expression(term, &[]) {
        Ok(e) => crate::print::to_latex(&e),
        Err(_) => format!("\\texttt{{{}}}", term.replace('_', "\\_")),
    }
}

/// One node of the backward walk, as a paragraph with its edges in a list.
fn backward_latex(t: &Transcript, b: &crate::transcript::BackwardNode, out: &mut String) {
    let _ = writeln!(
        out,
        "\\paragraph{{Node {}: ${}$.}}",
        b.id,
        tex(&short(t, b.id))
    );
    if walk::is_start(t, b) {
        let o = tex(&t.output);
        let _ = writeln!(
            out,
            "Gradient $\\frac{{\\partial {o}}}{{\\partial {o}}} = 1$: the walk starts here, and ${o}$ changes one for one with itself."
        );
    } else {
        if b.arriving.len() > 1 {
            let _ = writeln!(out, "Branches add: ${}$.", signed(&b.arriving, tex));
        }
        let _ = writeln!(
            out,
            "Gradient ${}$.{}",
            tex(&b.gradient.simplified),
            super::latex::escape(&verdict(&b.gradient))
        );
        out.push_str(&moves_latex(&b.gradient));
    }
    if b.edges.is_empty() {
        return;
    }
    out.push_str("\\begin{itemize}\n");
    for line in walk::edge_lines(b) {
        let e = match line {
            EdgeLine::Passed(to, value) => {
                let to: Vec<String> = to
                    .iter()
                    .map(|&i| format!("${}$", tex(&short(t, i))))
                    .collect();
                let _ = writeln!(
                    out,
                    "  \\item to {}: $+$ passes ${}$ unchanged",
                    to.join(", "),
                    tex(value)
                );
                continue;
            }
            EdgeLine::One(e) => e,
        };
        let _ = writeln!(
            out,
            "  \\item to ${}$ ({}): $\\displaystyle {} = {}${}",
            tex(&short(t, e.to)),
            super::latex::escape(&e.rule).replace('×', "$\\times$"),
            tex(&e.gradient.raw),
            tex(&e.gradient.simplified),
            super::latex::escape(&verdict(&e.gradient))
        );
        out.push_str(&moves_latex(&e.gradient));
    }
    out.push_str("\\end{itemize}\n");
}

/// Renders a transcript as a standalone LaTeX document.
pub(super) fn render_latex(t: &Transcript) -> String {
    let mut out = String::from(
        "\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage[margin=2cm]{geometry}\n\\begin{document}\n",
    );
    let _ = writeln!(out, "\\section*{{{}}}", super::latex::escape(&t.title));
    out.push_str("\\subsection*{Definitions}\n\\begin{align*}\n");
    for d in &t.definitions {
        let _ = writeln!(out, "  {} &= {} \\\\", tex(&d.name), tex(&d.expr));
    }
    out.push_str("\\end{align*}\n");
    for a in &t.assumptions {
        let _ = writeln!(out, "Assume \\texttt{{{}}}.\n", super::latex::escape(a));
    }
    out.push_str("\\subsection*{Forward pass}\n");
    for (title, nodes) in walk::forward_groups(t) {
        let ids: Vec<usize> = nodes.iter().map(|n| n.id).collect();
        if let Some(h) = walk::heading(t, title, &ids) {
            let _ = writeln!(out, "\\subsubsection*{{{}}}", super::latex::escape(h));
        }
        out.push_str("\\noindent\\begin{tabular}{r l p{5.5cm} p{7cm}}\nnode & operation & inputs & value \\\\ \\hline\n");
        for n in nodes {
            let (op, inputs) = walk::operation(n, |i| short(t, i));
            let inputs: Vec<String> = inputs.iter().map(|i| format!("${}$", tex(i))).collect();
            let op = match op.as_str() {
                "×" => "$\\times$".to_string(),
                other => format!("\\texttt{{{}}}", super::latex::escape(other)),
            };
            let value = match &n.name {
                Some(name) => format!("${} = {}$", tex(name), tex(&n.value)),
                None => format!("${}$", tex(&n.value)),
            };
            let _ = writeln!(
                out,
                "{} & {op} & {} & {} \\\\",
                n.id,
                inputs.join(", "),
                value
            );
        }
        out.push_str("\\end{tabular}\n");
    }
    out.push_str("\\subsection*{Backward pass}\n");
    for (title, nodes) in walk::backward_groups(t) {
        let ids: Vec<usize> = nodes.iter().map(|b| b.id).collect();
        if let Some(h) = walk::heading(t, title, &ids) {
            let _ = writeln!(out, "\\subsubsection*{{{}}}", super::latex::escape(h));
        }
        for b in nodes {
            backward_latex(t, b, &mut out);
        }
    }
    out.push_str("\\subsection*{Result}\n\\begin{align*}\n");
    for a in &t.agreements {
        let _ = writeln!(
            out,
            "  \\frac{{\\partial {}}}{{\\partial {}}} &= {} && \\text{{{} against }} \\tfrac{{\\partial}}{{\\partial {}}} {} \\\\",
            tex(&t.output),
            tex(&a.input),
            tex(&a.walk),
            a.status.word(),
            tex(&a.input),
            tex(&t.output)
        );
    }
    out.push_str("\\end{align*}\n");
    if let Some(g) = &t.general {
        out.push_str("\\subsection*{For every number of classes $n$}\nThe same result once for all $n$, with indexed families and sums over $j = 1, \\dots, n$:\n\\begin{align*}\n");
        for d in &g.definitions {
            let _ = writeln!(out, "  {} &= {} \\\\", tex(&d.name), tex(&d.expr));
        }
        out.push_str("\\end{align*}\n");
        for a in &g.assumptions {
            let _ = writeln!(out, "Assume ${}$.\n", tex_relation(a));
        }
        let _ = writeln!(
            out,
            "Claim \\texttt{{{}}}: {}.\n\\begin{{enumerate}}",
            super::latex::escape(&g.claim.claim),
            g.claim.status.word()
        );
        for s in &g.claim.steps {
            let _ = writeln!(
                out,
                "  \\item $\\displaystyle {} = {}$ \\hfill \\textsf{{{}}}",
                tex(&s.before),
                tex(&s.after),
                super::latex::escape(&s.rule)
            );
        }
        out.push_str("\\end{enumerate}\n");
    }
    out.push_str("\\end{document}\n");
    out
}

/// The moves as an aligned chain: the value, then `= form` with each move's name.
fn moves_latex(s: &Simplification) -> String {
    if s.status != Status::Proved || s.steps.len() < 2 {
        return String::new();
    }
    // Braced, so a leading minus is a sign, not a binary minus after `&`.
    let mut out = format!("\\begin{{align*}}\n  & {{{}}}", tex(&s.raw));
    for st in &s.steps {
        let _ = write!(
            out,
            " \\\\\n  &= {} && \\text{{{}}}",
            tex(&st.after),
            super::latex::escape(&st.rule)
        );
    }
    out.push_str("\n\\end{align*}\n");
    out
}

/// `lhs = rhs` (an assumption's text) in LaTeX.
fn tex_relation(text: &str) -> String {
    match text.split_once(" = ") {
        Some((l, r)) => format!("{} = {}", tex(l), tex(r)),
        None => format!("\\texttt{{{}}}", super::latex::escape(text)),
    }
}
