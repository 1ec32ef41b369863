//! The walk laid out as the book lays it out, shared by the transcript
//! renderers: nodes grouped under the layer they belong to, `×` for every
//! product (the negation is a `×` whose other input is `-1`), and the
//! identical "`+` passes" lines of one node folded into one. Pure; owns no
//! output format.

use crate::transcript::{BackwardEdge, BackwardNode, ForwardNode, Transcript};

/// The title of the layer holding node `id`, if one does.
fn layer_of(t: &Transcript, id: usize) -> Option<&str> {
    t.layers
        .iter()
        .find(|l| l.nodes.contains(&id))
        .map(|l| l.name.as_str())
}

/// The forward nodes that compute something, grouped by layer in the
/// layers' (forward) order, then those outside every layer. One group with
/// no title when the transcript names no layers.
pub(super) fn forward_groups(t: &Transcript) -> Vec<(Option<&str>, Vec<&ForwardNode>)> {
    let computed: Vec<&ForwardNode> = t.forward.iter().filter(|n| !n.inputs.is_empty()).collect();
    let mut out: Vec<(Option<&str>, Vec<&ForwardNode>)> = t
        .layers
        .iter()
        .map(|l| {
            let nodes = computed
                .iter()
                .copied()
                .filter(|n| layer_of(t, n.id) == Some(l.name.as_str()))
                .collect();
            (Some(l.name.as_str()), nodes)
        })
        .collect();
    let rest: Vec<&ForwardNode> = computed
        .into_iter()
        .filter(|n| layer_of(t, n.id).is_none())
        .collect();
    out.push((None, rest));
    out.retain(|(_, nodes)| !nodes.is_empty());
    out
}

/// The backward nodes in the walk's order, a new group wherever the layer changes.
pub(super) fn backward_groups(t: &Transcript) -> Vec<(Option<&str>, Vec<&BackwardNode>)> {
    let mut out: Vec<(Option<&str>, Vec<&BackwardNode>)> = Vec::new();
    for b in &t.backward {
        let layer = layer_of(t, b.id);
        match out.last_mut() {
            Some((l, nodes)) if *l == layer => nodes.push(b),
            _ => out.push((layer, vec![b])),
        }
    }
    out
}

/// A group's heading: the layer's title, or what the nodes outside every layer are.
pub(super) fn heading<'a>(
    t: &Transcript,
    title: Option<&'a str>,
    ids: &[usize],
) -> Option<&'a str> {
    if t.layers.is_empty() {
        return None;
    }
    let leaves = ids
        .iter()
        .all(|&i| t.forward.iter().any(|n| n.id == i && n.inputs.is_empty()));
    Some(title.unwrap_or(if leaves {
        "At the inputs"
    } else {
        "Outside the layers"
    }))
}

/// The operation as the book draws it and its inputs' labels (by `label`):
/// `×` for a product, and `c*x` as a `×` whose first input is the constant `c`.
pub(super) fn operation(n: &ForwardNode, label: impl Fn(usize) -> String) -> (String, Vec<String>) {
    let mut inputs: Vec<String> = n.inputs.iter().map(|&i| label(i)).collect();
    match n.op.strip_prefix('*') {
        Some("") => ("×".into(), inputs),
        Some(constant) => {
            inputs.insert(0, constant.to_string());
            ("×".into(), inputs)
        }
        None => (n.op.clone(), inputs),
    }
}

/// Whether this is the walk's first node, where the gradient `∂L/∂L = 1` starts.
pub(super) fn is_start(t: &Transcript, b: &BackwardNode) -> bool {
    t.backward.first().is_some_and(|f| f.id == b.id) && b.arriving == ["1"]
}

/// One line of a node's backward edges.
pub(super) enum EdgeLine<'a> {
    /// One edge: the local rule applied, its value simplified and proved.
    One(&'a BackwardEdge),
    /// Edges that receive the node's gradient unchanged (`+` passes it on),
    /// folded into one line: the receiving nodes and the value.
    Passed(Vec<usize>, &'a str),
}

/// A node's edges, those that pass the gradient unchanged folded into one line.
pub(super) fn edge_lines(b: &BackwardNode) -> Vec<EdgeLine<'_>> {
    let passes = |e: &BackwardEdge| {
        e.rule.starts_with("+ passes")
            && e.gradient.raw == e.gradient.simplified
            && e.gradient.steps.is_empty()
    };
    let mut out: Vec<EdgeLine> = Vec::new();
    for e in &b.edges {
        if !passes(e) {
            out.push(EdgeLine::One(e));
            continue;
        }
        let value = e.gradient.simplified.as_str();
        let folded = out.iter_mut().find_map(|l| match l {
            EdgeLine::Passed(to, v) if *v == value => Some(to),
            _ => None,
        });
        match folded {
            Some(to) => to.push(e.to),
            None => out.push(EdgeLine::Passed(vec![e.to], value)),
        }
    }
    out
}

/// A local rule's words and the formula it ends in (`log multiplies by 1
/// over its input`, `1/y1`), for formats that set formulas as math; `None`
/// when the rule ends in words.
pub(super) fn rule_formula(rule: &str) -> (&str, Option<&str>) {
    let term = |f: &str| crate::parse::parse_expression(f, &[]).is_ok();
    match rule.rsplit_once(", ") {
        Some((words, formula)) if term(formula) => (words, Some(formula)),
        // `^2 multiplies by 2*x`: the words keep their last word.
        _ => match rule.split_once(" by ") {
            Some((words, formula)) if term(formula) => (&rule[..words.len() + 3], Some(formula)),
            _ => (rule, None),
        },
    }
}

/// What goes between a rule's words and its formula: a comma, unless the
/// words end in `by`.
pub(super) fn sep(words: &str) -> &'static str {
    if words.ends_with(" by") {
        ""
    } else {
        ","
    }
}
