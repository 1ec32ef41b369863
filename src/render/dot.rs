//! A figure as Graphviz DOT, with the same conventions as the SVG: left to
//! right, layers as labelled clusters, operations as circles, leaves as plain
//! text, the forward value on each edge and under it, in red, the backward
//! value behind an arrow pointing back.

use std::fmt::Write;

use super::figures::Figure;
use super::scene::{typeset, Shape};
use super::svg::RED;

/// Text inside an HTML-like label.
fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The graph's label: the caption, then what each short name stands for.
fn label(figure: &Figure) -> String {
    let mut text = format!("Figure {}: {}", figure.name, figure.title);
    for (k, v) in &figure.scene.legend {
        text += &format!("\n{k} = {}", typeset(v));
    }
    quote(&text).replace('\n', "\\n")
}

/// Draws one figure as a DOT graph.
pub fn draw(figure: &Figure) -> String {
    let scene = &figure.scene;
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", quote(&figure.name));
    let _ = writeln!(
        out,
        "  label={};\n  labelloc=t;\n  rankdir=LR;\n  fontname=\"DejaVu Sans\";\n  node [fontname=\"DejaVu Sans\", fontsize=14];\n  edge [fontname=\"DejaVu Sans\", fontsize=13];",
        label(figure)
    );
    let node = |i: usize| -> String {
        let n = &scene.nodes[i];
        let style = if n.highlight {
            ", style=filled, fillcolor=\"#ffd8a8\", color=\"#c05000\", penwidth=2.5"
        } else {
            ""
        };
        match &n.shape {
            Shape::Op(symbol) => {
                format!("n{i} [label={}, shape=circle{style}];", quote(symbol))
            }
            Shape::Leaf(text) => format!(
                "n{i} [label={}, shape=plaintext{}];",
                quote(&typeset(text)),
                if n.highlight {
                    ", fontcolor=\"#c05000\""
                } else {
                    ""
                }
            ),
            Shape::Layer(title) => format!(
                "n{i} [label={}, shape=box, style=\"rounded,filled\", fillcolor=\"#f3f3f3\", height=1.2];",
                quote(title)
            ),
            Shape::Sink => format!("n{i} [label=\"\", shape=point, width=0.01];"),
        }
    };
    let mut boxed = vec![false; scene.nodes.len()];
    for (k, b) in scene.boxes.iter().enumerate() {
        let _ = writeln!(
            out,
            "  subgraph cluster_{k} {{\n    label={};\n    style=\"rounded,filled\";\n    fillcolor=\"#f3f3f3\";\n    color=\"#9a9a9a\";",
            quote(&b.title)
        );
        for &i in &b.nodes {
            boxed[i] = true;
            let _ = writeln!(out, "    {}", node(i));
        }
        out.push_str("  }\n");
    }
    for (i, _) in boxed.iter().enumerate().filter(|(_, b)| !**b) {
        let _ = writeln!(out, "  {}", node(i));
    }
    for e in &scene.edges {
        // One edge, its label two rows: the forward value, and under it in red
        // the backward value behind an arrow pointing back.
        let mut rows = Vec::new();
        if let Some(f) = &e.forward {
            rows.push(html(&typeset(f)));
        }
        if let Some(b) = &e.backward {
            rows.push(format!(
                "<font color=\"{RED}\">← {}</font>",
                html(&typeset(b))
            ));
        }
        let label = if rows.is_empty() {
            String::new()
        } else {
            format!(" [label=<{}>]", rows.join("<br/>"))
        };
        let _ = writeln!(out, "  n{} -> n{}{label};", e.from, e.to);
    }
    out.push_str("}\n");
    out
}
