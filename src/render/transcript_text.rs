//! Transcripts as terminal text and as GitHub markdown (math in `$…$`).

use std::fmt::Write;

use super::walk::{self, EdgeLine};
use crate::report::Status;
use crate::transcript::{Lecture, Simplification, Transcript};

pub(super) fn verdict(s: &Simplification) -> String {
    verdict_with(s, str::to_string, |c| c.join(" and "))
}

/// [`verdict`] with the rule's name through `words` and the conditions
/// through `conditions` (LaTeX escapes the one and sets the other as math).
pub(super) fn verdict_with(
    s: &Simplification,
    words: impl Fn(&str) -> String,
    conditions: impl Fn(&[String]) -> String,
) -> String {
    let conditions = if s.conditions.is_empty() {
        String::new()
    } else {
        format!(" where {}", conditions(&s.conditions))
    };
    // An instance of a claim proved for every n says so, with that proof's moves.
    let how = if s.every_n { " for every n" } else { "" };
    match s.status {
        Status::Proved if s.raw == s.simplified => String::new(),
        Status::Proved if s.steps.len() > 1 => {
            format!("  [proved{how} in {} moves{conditions}]", s.steps.len())
        }
        Status::Proved if s.steps.is_empty() => format!("  [proved{how}{conditions}]"),
        Status::Proved => format!("  [proved{how}{conditions}: {}]", words(&s.steps[0].rule)),
        other => format!("  [{}]", other.word()),
    }
}

/// The branches' gradients added, a negative one after ` - ` (no `+ -`).
fn added(parts: &[String]) -> String {
    let mut out = String::new();
    for (i, p) in parts.iter().enumerate() {
        match (i, p.strip_prefix('-')) {
            (0, _) => out += p,
            (_, Some(rest)) => out += &format!(" - {rest}"),
            (_, None) => out += &format!(" + {p}"),
        }
    }
    out
}

/// [`added`], each part rendered by `show`.
pub(super) fn signed(parts: &[String], show: fn(&str) -> String) -> String {
    let mut out = String::new();
    for (i, p) in parts.iter().enumerate() {
        match (i, p.strip_prefix('-')) {
            (0, _) => out += &show(p),
            (_, Some(rest)) => out += &format!(" - {}", show(rest)),
            (_, None) => out += &format!(" + {}", show(p)),
        }
    }
    out
}

/// The moves of a simplification of more than one step, one per line:
/// `= form  [move]`, each form as the chain reaches it.
fn moves(s: &Simplification, indent: &str) -> String {
    if s.status != Status::Proved || s.steps.len() < 2 {
        return String::new();
    }
    let width = s
        .steps
        .iter()
        .map(|st| st.after.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for st in &s.steps {
        let _ = writeln!(out, "{indent}= {:<width$}  [{}]", st.after, st.rule);
    }
    out
}

/// The moves as a markdown list under a value.
fn moves_markdown(s: &Simplification) -> String {
    if s.status != Status::Proved || s.steps.len() < 2 {
        return String::new();
    }
    let mut out = String::new();
    for st in &s.steps {
        let _ = writeln!(out, "  - $=$ {} ({})", math(&st.after), st.rule);
    }
    out
}

/// A node by its name if it has one, else by its value.
pub(super) fn short(t: &Transcript, id: usize) -> String {
    if id == super::compact::ELIDED {
        return "...".into();
    }
    let Some(n) = node(t, id) else {
        return format!("[{id}]");
    };
    n.name.clone().unwrap_or_else(|| n.value.clone())
}

/// The forward node with this id (a compact view keeps only some).
pub(super) fn node(t: &Transcript, id: usize) -> Option<&crate::transcript::ForwardNode> {
    t.forward.iter().find(|n| n.id == id)
}

fn node_name(t: &Transcript, id: usize) -> String {
    let Some(n) = node(t, id) else {
        return format!("[{id}]");
    };
    match &n.name {
        Some(name) if n.inputs.is_empty() => name.clone(),
        Some(name) => format!("{name} = {}", n.value),
        None => n.value.clone(),
    }
}

/// One node of the backward walk, for a terminal.
fn backward_text(t: &Transcript, b: &crate::transcript::BackwardNode, out: &mut String) {
    let _ = writeln!(out, "\n  node [{}] {}", b.id, node_name(t, b.id));
    if walk::is_start(t, b) {
        let _ = writeln!(
            out,
            "    gradient: ∂{0}/∂{0} = 1  (the walk starts here: {0} changes one for one with itself)",
            t.output
        );
    } else {
        if b.arriving.len() > 1 {
            let _ = writeln!(out, "    branches add: {}", added(&b.arriving));
        }
        if b.gradient.steps.len() > 1 {
            let _ = writeln!(
                out,
                "    adding: {}{}",
                b.gradient.raw,
                verdict(&b.gradient)
            );
            out.push_str(&moves(&b.gradient, "      "));
            let _ = writeln!(out, "    gradient: {}", b.gradient.simplified);
        } else {
            let _ = writeln!(
                out,
                "    gradient: {}{}",
                b.gradient.simplified,
                verdict(&b.gradient)
            );
        }
    }
    for line in walk::edge_lines(b) {
        let e = match line {
            EdgeLine::Passed(to, value) => {
                let to: Vec<String> = to
                    .iter()
                    .map(|&i| format!("[{i}] {}", short(t, i)))
                    .collect();
                let _ = writeln!(out, "    -> {}: + passes {value} unchanged", to.join(", "));
                continue;
            }
            EdgeLine::One(e) => e,
        };
        let _ = writeln!(out, "    -> [{}] {}: {}", e.to, short(t, e.to), e.rule);
        // A value the rule gives in its simplest form is written once.
        if e.gradient.steps.len() > 1 || e.gradient.raw == e.gradient.simplified {
            let _ = writeln!(out, "       {}{}", e.gradient.raw, verdict(&e.gradient));
            out.push_str(&moves(&e.gradient, "         "));
        } else {
            let _ = writeln!(
                out,
                "       {} = {}{}",
                e.gradient.raw,
                e.gradient.simplified,
                verdict(&e.gradient)
            );
        }
    }
}

/// Renders a transcript for a terminal.
pub fn render_text(t: &Transcript) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", t.title);
    let _ = writeln!(out, "{}", "=".repeat(t.title.chars().count()));
    out.push_str("\nDefinitions\n");
    for d in &t.definitions {
        let _ = writeln!(out, "  {} = {}", d.name, d.expr);
    }
    for a in &t.assumptions {
        let _ = writeln!(out, "  assume {a}");
    }
    out.push_str("\nForward pass (the computation graph, inputs first)\n");
    for (title, nodes) in walk::forward_groups(t) {
        let ids: Vec<usize> = nodes.iter().map(|n| n.id).collect();
        let pad = match walk::heading(t, title, &ids) {
            Some(h) => {
                let _ = writeln!(out, "  {h}");
                "    "
            }
            None => "  ",
        };
        for n in nodes {
            let (op, inputs) = walk::operation(n, |i| short(t, i));
            let name = n
                .name
                .as_ref()
                .map(|s| format!("{s} = "))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{pad}[{}] {op}({})  ->  {name}{}",
                n.id,
                inputs.join(", "),
                n.value
            );
        }
    }
    let _ = writeln!(
        out,
        "\nBackward pass (from {} back to the inputs)",
        t.output
    );
    for (title, nodes) in walk::backward_groups(t) {
        let ids: Vec<usize> = nodes.iter().map(|b| b.id).collect();
        if let Some(h) = walk::heading(t, title, &ids) {
            let _ = writeln!(out, "\n  {h}\n  {}", "-".repeat(h.chars().count()));
        }
        for b in nodes {
            backward_text(t, b, &mut out);
        }
    }
    out.push_str("\nResult\n");
    for a in &t.agreements {
        // Only a proof has steps and a certificate the checker read.
        let verdict = match a.status {
            Status::Proved => format!(
                "the walk agrees with the rule-based derivative: {}, {} steps, certificate checked",
                a.status.with_conditions(&a.conditions),
                a.proof_steps
            ),
            other => format!(
                "whether the walk agrees with the rule-based derivative: {}",
                other.word()
            ),
        };
        let _ = writeln!(
            out,
            "  ∂{}/∂{} = {}   ({verdict})",
            t.output, a.input, a.walk
        );
    }
    if let Some(g) = &t.general {
        let title = "For every number of classes n";
        let _ = writeln!(out, "\n{title}\n{}", "-".repeat(title.chars().count()));
        out.push_str(
            "The same result once for all n, with indexed families and sums over j = 1..n:\n",
        );
        for i in &g.indices {
            let _ = writeln!(out, "  index {i}");
        }
        for d in &g.definitions {
            let _ = writeln!(out, "  {} = {}", d.name, d.expr);
        }
        for a in &g.assumptions {
            let _ = writeln!(out, "  assume {a}");
        }
        if let Some(l) = &g.lecture {
            lecture_text(l, &mut out);
            out.push_str(
                "The certificate: the claim, proved in one piece and checked by the kernel:\n",
            );
        }
        let _ = writeln!(
            out,
            "  claim {}: {}",
            g.claim.claim,
            g.claim.status.with_conditions(&g.claim.conditions)
        );
        for (i, s) in g.claim.steps.iter().enumerate() {
            let _ = writeln!(
                out,
                "  {:>2}. {} = {}  [{}]",
                i + 1,
                s.before,
                s.after,
                s.rule
            );
        }
        if let Some(reason) = &g.claim.reason {
            let _ = writeln!(out, "  {reason}");
        }
    }
    out
}

/// The lecture view of the every-n claim: Jacobian entries, then the chain.
fn lecture_text(l: &Lecture, out: &mut String) {
    out.push_str("As a lecture writes it, each equality a claim proved for every n (certificates checked).\n");
    out.push_str("The Jacobian entries of the definitions on the way to the input:\n");
    for s in &l.jacobians {
        let _ = writeln!(
            out,
            "  {} = {}  [{}: {}, {}]",
            s.before,
            s.after,
            s.rule,
            s.status.with_conditions(&s.conditions),
            s.proof_size()
        );
    }
    for node in &l.nodes {
        out.push_str("The gradient at the definition the families share (the node that uses it, then its local rule):\n");
        chain_text(node, out);
    }
    out.push_str("The chain rule, step by step:\n");
    chain_text(&l.chain, out);
}

/// `before`, then `= after` for each step, with its move and verdict.
fn chain_text(steps: &[crate::transcript::LectureStep], out: &mut String) {
    if let Some(first) = steps.first() {
        let _ = writeln!(out, "  {}", first.before);
    }
    for s in steps {
        let _ = writeln!(
            out,
            "    = {}  [{}: {}, {}]",
            s.after,
            s.rule,
            s.status.with_conditions(&s.conditions),
            s.proof_size()
        );
    }
}

/// [`lecture_text`] in markdown: the entries as a list, the chain as a table.
fn lecture_markdown(l: &Lecture, out: &mut String) {
    out.push_str("\nAs a lecture writes it, each equality a claim proved for every $n$ (certificates checked). The Jacobian entries of the definitions on the way to the input:\n\n");
    for s in &l.jacobians {
        let _ = writeln!(
            out,
            "- {} $=$ {} (`{}`: {}, {})",
            math(&s.before),
            math(&s.after),
            s.rule,
            s.status.with_conditions(&s.conditions),
            s.proof_size()
        );
    }
    for node in &l.nodes {
        out.push_str(
            "\nThe gradient at the definition the families share (the node that uses it, then its local rule):\n\n",
        );
        chain_markdown(node, out);
    }
    out.push_str("\nThe chain rule, step by step:\n\n");
    chain_markdown(&l.chain, out);
}

/// [`chain_text`] as a markdown table.
fn chain_markdown(steps: &[crate::transcript::LectureStep], out: &mut String) {
    out.push_str("| | form | move |\n|---|---|---|\n");
    if let Some(first) = steps.first() {
        let _ = writeln!(out, "| | {} | |", math(&first.before));
    }
    for s in steps {
        let _ = writeln!(
            out,
            "| $=$ | {} | `{}` ({}, {}) |",
            math(&s.after),
            s.rule,
            s.status.with_conditions(&s.conditions),
            s.proof_size()
        );
    }
}

/// `$…$` math for a term in input syntax (LaTeX where it parses).
fn math(term: &str) -> String {
    match crate::parse::parse_expression(term, &[]) {
        Ok(e) => format!("${}$", crate::print::to_latex(&e)),
        Err(_) => format!("`{term}`"),
    }
}

/// One node of the backward walk, in markdown under a heading of `level`.
fn backward_markdown(
    t: &Transcript,
    b: &crate::transcript::BackwardNode,
    level: &str,
    out: &mut String,
) {
    let _ = writeln!(out, "{level} Node {}: {}\n", b.id, math(&short(t, b.id)));
    if walk::is_start(t, b) {
        let o = math(&t.output);
        let o = o.trim_matches('$');
        let _ = writeln!(
            out,
            "Gradient: $\\frac{{\\partial {o}}}{{\\partial {o}}} = 1$, where the walk starts: ${o}$ changes one for one with itself.\n"
        );
    } else {
        if b.arriving.len() > 1 {
            let _ = writeln!(out, "Branches add: {}\n", signed(&b.arriving, math));
        }
        let _ = writeln!(
            out,
            "Gradient: {}{}\n",
            math(&b.gradient.simplified),
            verdict(&b.gradient)
        );
    }
    if b.gradient.steps.len() > 1 {
        let _ = writeln!(out, "- {}", math(&b.gradient.raw));
        out.push_str(&moves_markdown(&b.gradient));
        out.push('\n');
    }
    for line in walk::edge_lines(b) {
        let e = match line {
            EdgeLine::Passed(to, value) => {
                let to: Vec<String> = to.iter().map(|&i| math(&short(t, i))).collect();
                let _ = writeln!(
                    out,
                    "- to {}: $+$ passes {} unchanged",
                    to.join(", "),
                    math(value)
                );
                continue;
            }
            EdgeLine::One(e) => e,
        };
        let rule = match walk::rule_formula(&e.rule) {
            (words, Some(f)) => format!("{words}{} {}", walk::sep(words), math(f)),
            (words, None) => words.to_string(),
        };
        let _ = writeln!(
            out,
            "- to {} ({}): {}{}",
            math(&short(t, e.to)),
            rule,
            // A value the rule gives in its simplest form is written once.
            if e.gradient.raw == e.gradient.simplified {
                math(&e.gradient.raw)
            } else {
                format!(
                    "{} $=$ {}",
                    math(&e.gradient.raw),
                    math(&e.gradient.simplified)
                )
            },
            verdict(&e.gradient)
        );
        out.push_str(&moves_markdown(&e.gradient));
    }
    out.push('\n');
}

/// Renders a transcript as GitHub-flavoured markdown.
pub fn render_markdown(t: &Transcript) -> String {
    let mut out = format!("# {}\n\n## Definitions\n\n", t.title);
    for d in &t.definitions {
        let _ = writeln!(out, "- {} $=$ {}", math(&d.name), math(&d.expr));
    }
    for a in &t.assumptions {
        let _ = writeln!(out, "- assume `{a}`");
    }
    out.push_str("\n## Forward pass\n");
    for (title, nodes) in walk::forward_groups(t) {
        let ids: Vec<usize> = nodes.iter().map(|n| n.id).collect();
        if let Some(h) = walk::heading(t, title, &ids) {
            let _ = writeln!(out, "\n### {h}");
        }
        out.push_str("\n| node | operation | inputs | value |\n|---|---|---|---|\n");
        for n in nodes {
            let (op, inputs) = walk::operation(n, |i| short(t, i));
            let inputs: Vec<String> = inputs.iter().map(|i| math(i)).collect();
            let value = match &n.name {
                Some(name) => format!("{} $= {}$", math(name), math(&n.value).trim_matches('$')),
                None => math(&n.value),
            };
            let _ = writeln!(
                out,
                "| {} | {op} | {} | {} |",
                n.id,
                inputs.join(", "),
                value
            );
        }
    }
    let _ = writeln!(out, "\n## Backward pass\n\nFrom {} back to the inputs; every value is proved equal to what the local rule gives.\n", math(&t.output));
    for (title, nodes) in walk::backward_groups(t) {
        let ids: Vec<usize> = nodes.iter().map(|b| b.id).collect();
        let level = match walk::heading(t, title, &ids) {
            Some(h) => {
                let _ = writeln!(out, "### {h}\n");
                "####"
            }
            None => "###",
        };
        for b in nodes {
            backward_markdown(t, b, level, &mut out);
        }
    }
    out.push_str("## Result\n\n| input | gradient | agrees with `d` |\n|---|---|---|\n");
    for a in &t.agreements {
        let _ = writeln!(
            out,
            "| {} | {} | {} ({} steps) |",
            math(&a.input),
            math(&a.walk),
            a.status.with_conditions(&a.conditions),
            a.proof_steps
        );
    }
    if let Some(g) = &t.general {
        out.push_str("\n## For every number of classes n\n\nThe same result once for all $n$, with indexed families and sums over $j = 1, \\dots, n$:\n\n");
        for i in &g.indices {
            let _ = writeln!(out, "- index `{i}`");
        }
        for d in &g.definitions {
            let _ = writeln!(out, "- {} $=$ {}", math(&d.name), math(&d.expr));
        }
        for a in &g.assumptions {
            let _ = writeln!(out, "- assume `{a}`");
        }
        if let Some(l) = &g.lecture {
            lecture_markdown(l, &mut out);
        }
        let _ = writeln!(
            out,
            "\nClaim `{}`: **{}**.\n\n| # | step | rule |\n|---|---|---|",
            g.claim.claim,
            g.claim.status.with_conditions(&g.claim.conditions)
        );
        for (i, s) in g.claim.steps.iter().enumerate() {
            let _ = writeln!(
                out,
                "| {} | {} $=$ {} | `{}` |",
                i + 1,
                math(&s.before),
                math(&s.after),
                s.rule
            );
        }
    }
    out
}
