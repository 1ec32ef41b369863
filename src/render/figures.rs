//! Figures in the book's style: the computation graph left to right, inputs
//! on the left, the output on the right, the forward value on every edge and,
//! in backward figures, the backward value under it. Pure functions from a
//! transcript to Graphviz DOT, and to SVG through the pure-Rust `layout-rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use crate::transcript::Transcript;

/// One figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    /// A short identifier (`forward-inner`, `forward-output`, `backward-output`, `backward`).
    pub name: &'static str,
    /// What it shows.
    pub title: String,
    /// The figure as a DOT graph.
    pub dot: String,
}

/// Which nodes each figure shows, and whether with backward values.
fn stages(t: &Transcript) -> Vec<(&'static str, String, BTreeSet<usize>, bool)> {
    let n = t.forward.len();
    let output = n - 1;
    // The output's own layer: reached from the output without passing through
    // another named value; the named values where it stops are its boundary.
    let mut own: BTreeSet<usize> = BTreeSet::new();
    let mut boundary: BTreeSet<usize> = BTreeSet::new();
    let mut todo = vec![output];
    while let Some(i) = todo.pop() {
        let node = &t.forward[i];
        let named_inner = i != output && node.name.is_some();
        if named_inner || node.inputs.is_empty() {
            boundary.insert(i);
            continue;
        }
        if own.insert(i) {
            todo.extend(node.inputs.iter().copied());
        }
    }
    let all: BTreeSet<usize> = (0..n).collect();
    // Inputs used only by the output's layer belong to it alone.
    let used_inside = |i: usize| {
        t.forward
            .iter()
            .enumerate()
            .any(|(u, n)| !own.contains(&u) && n.inputs.contains(&i))
    };
    let inner: BTreeSet<usize> = all
        .difference(&own)
        .copied()
        .filter(|&i| !t.forward[i].inputs.is_empty() || used_inside(i))
        .collect();
    let outer: BTreeSet<usize> = own.union(&boundary).copied().collect();
    let layered = inner.iter().any(|i| !t.forward[*i].inputs.is_empty());
    let mut out = Vec::new();
    if layered {
        out.push((
            "forward-inner",
            "the layers feeding the output, forward".to_string(),
            inner,
            false,
        ));
        out.push((
            "forward-output",
            format!("the layer computing {}, forward", t.output),
            outer.clone(),
            false,
        ));
        out.push((
            "backward-output",
            format!("the layer computing {}, backward", t.output),
            outer,
            true,
        ));
    } else {
        out.push((
            "forward",
            "the whole graph, forward".to_string(),
            all.clone(),
            false,
        ));
    }
    out.push((
        "backward",
        "the whole graph, forward values above and backward values below every edge".to_string(),
        all,
        true,
    ));
    out
}

fn quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The figures of a transcript, in the book's order.
pub fn figures(t: &Transcript) -> Vec<Figure> {
    // The gradient each edge carries backwards, by (input, user).
    let mut sent: BTreeMap<(usize, usize), String> = BTreeMap::new();
    let mut gradient: BTreeMap<usize, String> = BTreeMap::new();
    for b in &t.backward {
        gradient.insert(b.id, b.gradient.simplified.clone());
        for e in &b.edges {
            sent.insert((e.to, e.from), e.gradient.simplified.clone());
        }
    }
    let short = |i: usize| {
        let n = &t.forward[i];
        n.name.clone().unwrap_or_else(|| n.value.clone())
    };
    let output = t.forward.len() - 1;
    stages(t)
        .into_iter()
        .map(|(name, title, nodes, backward)| {
            let mut dot = String::new();
            let _ = writeln!(dot, "digraph \"{}\" {{", name);
            let _ = writeln!(dot, "  label=\"{}\";", quote(&title));
            dot.push_str("  rankdir=LR;\n  node [shape=circle, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n");
            for &i in &nodes {
                let n = &t.forward[i];
                let drawn_as_source = n.inputs.is_empty() || !n.inputs.iter().any(|c| nodes.contains(c));
                if drawn_as_source {
                    let _ = writeln!(dot, "  n{i} [label=\"{}\", shape=plaintext];", quote(&short(i)));
                } else {
                    let _ = writeln!(dot, "  n{i} [label=\"{}\"];", quote(&n.op));
                }
            }
            for &i in &nodes {
                for &c in &t.forward[i].inputs {
                    if !nodes.contains(&c) {
                        continue;
                    }
                    let mut label = short(c);
                    if backward {
                        if let Some(g) = sent.get(&(c, i)) {
                            label = format!("{label}\\n{g}");
                        }
                    }
                    let color = if backward && sent.contains_key(&(c, i)) { ", fontcolor=\"#b00000\"" } else { "" };
                    let _ = writeln!(dot, "  n{c} -> n{i} [label=\"{}\"{color}];", quote(&label).replace("\\\\n", "\\n"));
                }
            }
            if nodes.contains(&output) {
                let mut label = t.output.clone();
                if backward {
                    label = format!("{label}\\n{}", gradient.get(&output).cloned().unwrap_or_else(|| "1".into()));
                }
                let _ = writeln!(dot, "  out [label=\"{}\", shape=plaintext];", quote(&t.output));
                let _ = writeln!(dot, "  n{output} -> out [label=\"{}\"];", quote(&label).replace("\\\\n", "\\n"));
            }
            dot.push_str("}\n");
            Figure { name, title, dot }
        })
        .collect()
}

/// Every figure as one DOT file (Graphviz draws each graph in turn).
pub fn render_dot(t: &Transcript) -> String {
    figures(t)
        .into_iter()
        .map(|f| f.dot)
        .collect::<Vec<_>>()
        .join("\n")
}

/// One figure drawn as SVG, without Graphviz.
pub fn render_svg(dot: &str) -> Result<String, String> {
    let mut parser = layout::gv::DotParser::new(dot);
    let graph = parser.process()?;
    let mut builder = layout::gv::GraphBuilder::new();
    builder.visit_graph(&graph);
    let mut visual = builder.get();
    let mut svg = layout::backends::svg::SVGWriter::new();
    visual.do_it(false, false, false, &mut svg);
    Ok(sort_style_block(&svg.finalize()))
}

/// `layout-rs` writes its font classes in hash order; sorting them makes the
/// SVG byte-identical from run to run.
fn sort_style_block(svg: &str) -> String {
    let (Some(start), Some(end)) = (svg.find("<style>\n"), svg.find("</style>\n")) else {
        return svg.to_string();
    };
    let body_start = start + "<style>\n".len();
    let mut lines: Vec<&str> = svg[body_start..end].lines().collect();
    lines.sort_unstable();
    let mut out = String::with_capacity(svg.len());
    out.push_str(&svg[..body_start]);
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
    out.push_str(&svg[end..]);
    out
}
