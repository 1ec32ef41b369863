//! Transcripts as standalone LaTeX documents: the walk grouped by layer,
//! every move of a simplification on its own aligned line. Formulas are laid
//! out by [`super::latex_math`], so long ones wrap inline and split across
//! display lines instead of running off the page.

use std::fmt::Write;

use super::latex_math::{self, width, LINE};
use super::transcript_text::{short, signed, verdict_with};
use super::walk::{self, EdgeLine};
use crate::report::Status;
use crate::transcript::{Simplification, Transcript};

/// LaTeX math for a term in input syntax, for inline use (TeX may break it);
/// verbatim text where it does not parse.
fn tex(term: &str) -> String {
    latex_math::inline(term)
}

/// Display lines of an aligned formula: the first after `&`, the others
/// indented under it.
fn continued(lines: &[String]) -> String {
    lines.join(" \\\\\n  &\\qquad ")
}

/// A move's label: beside its line when short, else (`None`) on a line of
/// its own above it (a wide label column would squeeze the formulas).
fn label(text: &str) -> Option<String> {
    let text = super::latex::escape(text);
    (0.5 * text.chars().count() as f32 <= LABEL).then(|| format!("\\text{{{text}}}"))
}

/// The widest label beside a line (in em).
const LABEL: f32 = 16.0;

/// One node of the backward walk, as a paragraph with its edges in a list.
fn backward_latex(t: &Transcript, b: &crate::transcript::BackwardNode, out: &mut String) {
    // The value after the run-in heading, not in it: a heading does not break.
    let _ = writeln!(
        out,
        "\\paragraph{{Node {}:}} ${}$.",
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
            verdict_tex(&b.gradient)
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
            "  \\item to ${}$ ({}): $\\displaystyle {}${}",
            tex(&short(t, e.to)),
            match super::walk::rule_formula(&e.rule) {
                (words, Some(f)) => format!(
                    "{}{} ${}$",
                    super::latex::escape(words).replace('×', "$\\times$"),
                    super::walk::sep(words),
                    tex(f)
                ),
                (words, None) => super::latex::escape(words).replace('×', "$\\times$"),
            },
            // A value the rule gives in its simplest form is written once.
            if e.gradient.raw == e.gradient.simplified {
                tex(&e.gradient.raw)
            } else {
                format!("{} = {}", tex(&e.gradient.raw), tex(&e.gradient.simplified))
            },
            verdict_tex(&e.gradient)
        );
        out.push_str(&moves_latex(&e.gradient));
    }
    out.push_str("\\end{itemize}\n");
}

/// Renders a transcript as a standalone LaTeX document.
pub(super) fn render_latex(t: &Transcript) -> String {
    let mut out = String::from(
        // Ragged right: a line with a long formula ends early rather than
        // overflowing; a long chain of moves may continue on the next page.
        "\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage{array}\n\\usepackage[margin=2cm]{geometry}\n\\allowdisplaybreaks\n\\begin{document}\n\\raggedright\n",
    );
    let _ = writeln!(out, "\\section*{{{}}}", super::latex::escape(&t.title));
    out.push_str("\\subsection*{Definitions}\n\\begin{align*}\n");
    definitions_latex(&t.definitions, &mut out);
    for a in &t.assumptions {
        let _ = writeln!(out, "Assume \\texttt{{{}}}.\n", super::latex::escape(a));
    }
    out.push_str("\\subsection*{Forward pass}\n");
    for (title, nodes) in walk::forward_groups(t) {
        let ids: Vec<usize> = nodes.iter().map(|n| n.id).collect();
        if let Some(h) = walk::heading(t, title, &ids) {
            let _ = writeln!(out, "\\subsubsection*{{{}}}", super::latex::escape(h));
        }
        out.push_str("\\noindent\\begin{tabular}{r l >{\\raggedright\\arraybackslash}p{5.5cm} >{\\raggedright\\arraybackslash}p{7cm}}\nnode & operation & inputs & value \\\\ \\hline\n");
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
            continued(&latex_math::lines(&a.walk, LINE - 16.0)),
            status_tex(a.status, &a.conditions),
            tex(&a.input),
            tex(&t.output)
        );
    }
    out.push_str("\\end{align*}\n");
    if let Some(g) = &t.general {
        out.push_str("\\subsection*{For every number of classes $n$}\nThe same result once for all $n$, with indexed families and sums over $j = 1, \\dots, n$:\n");
        for i in &g.indices {
            let _ = writeln!(out, "\n\\texttt{{index {}}}\n", super::latex::escape(i));
        }
        out.push_str("\\begin{align*}\n");
        definitions_latex(&g.definitions, &mut out);
        for a in &g.assumptions {
            let _ = writeln!(out, "Assume ${}$.\n", latex_math::relation(a));
        }
        if let Some(l) = &g.lecture {
            lecture_latex(l, &mut out);
        }
        let _ = writeln!(
            out,
            "Claim \\texttt{{{}}}: {}.\n\\begin{{enumerate}}",
            super::latex::escape(&g.claim.claim),
            status_tex(g.claim.status, &g.claim.conditions)
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
    let labels: Vec<Option<String>> = s.steps.iter().map(|st| label(&st.rule)).collect();
    let widest = labels
        .iter()
        .flatten()
        .map(|l| width(l))
        .fold(0.0, f32::max);
    let room = (LINE - widest - 3.0).max(16.0);
    let mut raw = latex_math::lines(&s.raw, room);
    // Braced, so a leading minus is a sign, not a binary minus after `&`.
    raw[0] = format!("{{{}}}", raw[0]);
    let mut out = format!("\\begin{{align*}}\n  & {}", continued(&raw));
    for (st, label) in s.steps.iter().zip(&labels) {
        let after = latex_math::lines(&st.after, room);
        match label {
            Some(label) => {
                let _ = write!(out, " \\\\\n  &= {} && {label}", after[0]);
            }
            None => {
                let _ = write!(
                    out,
                    " \\\\\n\\intertext{{\\small\\hspace*{{2em}}{}:}}\n  &= {}",
                    super::latex::escape(&st.rule),
                    after[0]
                );
            }
        }
        if after.len() > 1 {
            let _ = write!(out, " \\\\\n  &\\qquad {}", continued(&after[1..]));
        }
    }
    out.push_str("\n\\end{align*}\n");
    out
}

/// The lecture view of the every-n claim: the Jacobian entries, then the
/// chain from `d(L, a[k])` to the claim, each move named above its line.
fn lecture_latex(l: &crate::transcript::Lecture, out: &mut String) {
    out.push_str("As a lecture writes it, each equality a claim proved for every $n$ (certificates checked). The Jacobian entries of the definitions on the way to the input:\n\\begin{align*}\n");
    for s in &l.jacobians {
        let name = tex(&s.before);
        let lines = latex_math::lines(&s.after, LINE - width(&name) - LABEL - 2.0);
        // Beside the line when it fits and states no condition; else above
        // it, the conditions as math, as the chain's steps are named.
        let beside =
            label(&format!("{}: {}", s.rule, s.status.word())).filter(|_| s.conditions.is_empty());
        match beside {
            Some(label) => {
                let _ = writeln!(out, "  {name} &= {} && {label} \\\\", continued(&lines));
            }
            None => {
                let _ = writeln!(
                    out,
                    "{}\n  {name} &= {} \\\\",
                    named_above(s),
                    continued(&lines)
                );
            }
        }
    }
    out.push_str("\\end{align*}\n");
    for node in &l.nodes {
        out.push_str("The gradient at the definition the families share (the node that uses it, then its local rule):\n");
        chain_latex(node, out);
    }
    out.push_str("The chain rule, step by step:\n");
    chain_latex(&l.chain, out);
    out.push_str("The certificate, the claim proved in one piece:\n\n");
}

/// A lecture step's name above its line: the move, its verdict with the
/// conditions as math, and its proof's size.
fn named_above(s: &crate::transcript::LectureStep) -> String {
    format!(
        "\\intertext{{\\small\\hspace*{{2em}}{} ({}, {}):}}",
        super::latex::escape(&s.rule),
        status_tex(s.status, &s.conditions),
        s.proof_size()
    )
}

/// A chain of lecture steps as an aligned display, each move named above its line.
fn chain_latex(steps: &[crate::transcript::LectureStep], out: &mut String) {
    out.push_str("\\begin{align*}\n");
    let room = LINE - 4.0;
    if let Some(first) = steps.first() {
        let _ = write!(out, "  & {{{}}}", tex(&first.before));
    }
    for s in steps {
        let after = latex_math::lines(&s.after, room);
        let _ = write!(out, " \\\\\n{}\n  &= {}", named_above(s), after[0]);
        if after.len() > 1 {
            let _ = write!(out, " \\\\\n  &\\qquad {}", continued(&after[1..]));
        }
    }
    out.push_str("\n\\end{align*}\n");
}

/// Definitions as an aligned list, long ones split across lines.
fn definitions_latex(definitions: &[crate::report::NamedDefinition], out: &mut String) {
    for d in definitions {
        let name = tex(&d.name);
        let lines = latex_math::lines(&d.expr, LINE - width(&name) - 2.0);
        let _ = writeln!(out, "  {name} &= {} \\\\", continued(&lines));
    }
    out.push_str("\\end{align*}\n");
}

/// A walk step's verdict in text mode, its conditions as math.
fn verdict_tex(s: &Simplification) -> String {
    verdict_with(s, super::latex::escape, conditions_tex)
}

/// A verdict with its conditions as math: `proved where $S \neq 0$`.
fn status_tex(status: Status, conditions: &[String]) -> String {
    match (status, conditions) {
        (Status::Proved, [_, ..]) => format!("proved where {}", conditions_tex(conditions)),
        _ => status.word().to_string(),
    }
}

/// Conditions as inline math joined by `and`.
fn conditions_tex(conditions: &[String]) -> String {
    let math: Vec<String> = conditions
        .iter()
        .map(|c| format!("${}$", latex_math::relation(c)))
        .collect();
    math.join(" and ")
}
