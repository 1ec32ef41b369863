//! Transcripts as terminal text and as GitHub markdown (math in `$…$`).

use std::fmt::Write;

use crate::report::Status;
use crate::transcript::{Simplification, Transcript};

fn verdict(s: &Simplification) -> String {
    match s.status {
        Status::Proved if s.raw == s.simplified => String::new(),
        Status::Proved => {
            let rules: Vec<&str> = s.steps.iter().map(|st| st.rule.as_str()).collect();
            let conditions = if s.conditions.is_empty() {
                String::new()
            } else {
                format!(" where {}", s.conditions.join(" and "))
            };
            format!("  [proved{conditions}: {}]", rules.join("; "))
        }
        other => format!("  [{}]", other.word()),
    }
}

/// A node by its name if it has one, else by its value.
fn short(t: &Transcript, id: usize) -> String {
    let n = &t.forward[id];
    n.name.clone().unwrap_or_else(|| n.value.clone())
}

fn node_name(t: &Transcript, id: usize) -> String {
    let n = &t.forward[id];
    match &n.name {
        Some(name) if n.op == *name => name.clone(),
        Some(name) => format!("{name} = {}", n.value),
        None => n.value.clone(),
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
    for n in &t.forward {
        if n.inputs.is_empty() {
            continue;
        }
        let inputs: Vec<String> = n.inputs.iter().map(|i| short(t, *i)).collect();
        let name = n
            .name
            .as_ref()
            .map(|s| format!("{s} = "))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  [{}] {}({})  ->  {name}{}",
            n.id,
            n.op,
            inputs.join(", "),
            n.value
        );
    }
    let _ = writeln!(
        out,
        "\nBackward pass (from {} back to the inputs)",
        t.output
    );
    for b in &t.backward {
        let _ = writeln!(out, "\n  node [{}] {}", b.id, node_name(t, b.id));
        if b.arriving.len() > 1 {
            let _ = writeln!(out, "    branches add: {}", b.arriving.join(" + "));
        }
        let _ = writeln!(
            out,
            "    gradient: {}{}",
            b.gradient.simplified,
            verdict(&b.gradient)
        );
        for e in &b.edges {
            let _ = writeln!(out, "    -> [{}] {}: {}", e.to, short(t, e.to), e.rule);
            let _ = writeln!(
                out,
                "       {} = {}{}",
                e.gradient.raw,
                e.gradient.simplified,
                verdict(&e.gradient)
            );
        }
    }
    out.push_str("\nResult\n");
    for a in &t.agreements {
        let _ = writeln!(
            out,
            "  d{}/d{} = {}   (the walk agrees with the rule-based derivative: {}, {} steps, certificate checked)",
            t.output,
            a.input,
            a.walk,
            a.status.word(),
            a.proof_steps
        );
    }
    out
}

/// `$…$` math for a term in input syntax (LaTeX where it parses).
fn math(term: &str) -> String {
    match crate::parse::parse_expression(term, &[]) {
        Ok(e) => format!("${}$", crate::print::to_latex(&e)),
        Err(_) => format!("`{term}`"),
    }
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
    out.push_str("\n## Forward pass\n\n| node | operation | inputs | value |\n|---|---|---|---|\n");
    for n in &t.forward {
        if n.inputs.is_empty() {
            continue;
        }
        let inputs: Vec<String> = n.inputs.iter().map(|i| math(&short(t, *i))).collect();
        let value = match &n.name {
            Some(name) => format!("{} $= {}$", math(name), math(&n.value).trim_matches('$')),
            None => math(&n.value),
        };
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} |",
            n.id,
            n.op,
            inputs.join(", "),
            value
        );
    }
    let _ = writeln!(out, "\n## Backward pass\n\nFrom {} back to the inputs; every value is proved equal to what the local rule gives.\n", math(&t.output));
    for b in &t.backward {
        let _ = writeln!(out, "### Node {}: {}\n", b.id, math(&short(t, b.id)));
        if b.arriving.len() > 1 {
            let parts: Vec<String> = b.arriving.iter().map(|a| math(a)).collect();
            let _ = writeln!(out, "Branches add: {}\n", parts.join(" + "));
        }
        let _ = writeln!(
            out,
            "Gradient: {}{}\n",
            math(&b.gradient.simplified),
            verdict(&b.gradient)
        );
        for e in &b.edges {
            let _ = writeln!(
                out,
                "- to {} ({}): {} $=$ {}{}",
                math(&short(t, e.to)),
                e.rule,
                math(&e.gradient.raw),
                math(&e.gradient.simplified),
                verdict(&e.gradient)
            );
        }
        out.push('\n');
    }
    out.push_str("## Result\n\n| input | gradient | agrees with `d` |\n|---|---|---|\n");
    for a in &t.agreements {
        let _ = writeln!(
            out,
            "| {} | {} | {} ({} steps) |",
            math(&a.input),
            math(&a.walk),
            a.status.word(),
            a.proof_steps
        );
    }
    out
}
