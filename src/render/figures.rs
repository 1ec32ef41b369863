//! The book's figure set, for any transcript, from its graph and layers:
//! a-1 the layers as boxes; one forward figure per layer (a-2, a-3); the
//! output layer backward (a-4); the other layers backward stage by stage,
//! the node being processed highlighted (a-4(1)…); the whole graph (a-5).
//! Pure functions from a transcript to [`Scene`]s; drawing is `svg` and `dot`.

use std::collections::BTreeSet;

use super::scene::Scene;
use super::views::{Graph, Names, Shown};
use crate::transcript::Transcript;

/// One figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    /// The book's number (`a-1`, `a-4(3)`).
    pub name: String,
    /// What it shows.
    pub title: String,
    /// What is drawn.
    pub scene: Scene,
    /// The nodes of the walk it illustrates (a stage's highlighted nodes), by index.
    pub walk: Vec<usize>,
}

fn list(names: &[String]) -> String {
    names.join(", ")
}

/// The figures of a transcript, in the book's order.
pub fn figures(t: &Transcript) -> Vec<Figure> {
    let g = Graph::new(t);
    let mut names = Names::new(t);
    let mut out = Vec::new();
    let layer_nodes: Vec<BTreeSet<usize>> = t
        .layers
        .iter()
        .map(|l| l.nodes.iter().copied().collect())
        .collect();
    let titles: Vec<String> = t.layers.iter().map(|l| l.name.clone()).collect();
    out.push(Figure {
        name: "a-1".into(),
        title: format!(
            "{}: the layers, forward values above the arrows, the gradient at the inputs below",
            titles.join(" → ")
        ),
        scene: names.fitted(|n| g.overview(n)),
        walk: Vec::new(),
    });
    let none = BTreeSet::new();
    // The walk's nodes among `nodes`, in the walk's order.
    let walk_order = |nodes: &BTreeSet<usize>| -> Vec<usize> {
        t.backward
            .iter()
            .map(|b| b.id)
            .filter(|i| nodes.contains(i))
            .collect()
    };
    for (l, nodes) in layer_nodes.iter().enumerate() {
        out.push(Figure {
            name: format!("a-{}", 2 + l),
            title: format!("{}, forward", titles[l]),
            scene: names.fitted(|n| g.scene(nodes, Shown::Forward, &none, n)),
            walk: Vec::new(),
        });
    }
    let m = layer_nodes.len();
    let last = m.saturating_sub(1);
    let backward_name = format!("a-{}", m + 2);
    if let Some(nodes) = layer_nodes.get(last) {
        out.push(Figure {
            name: backward_name.clone(),
            title: format!("{}, backward", titles[last]),
            scene: names.fitted(|n| g.scene(nodes, Shown::All, &none, n)),
            // With one layer, its stages carry the walk.
            walk: if m > 1 { walk_order(nodes) } else { Vec::new() },
        });
    }
    // The other layers (or the only one) backward, stage by stage.
    let staged: Vec<usize> = if m > 1 {
        (0..last).rev().collect()
    } else {
        (0..m).collect()
    };
    let levels = g.levels();
    let mut stage = 0;
    for l in staged {
        let nodes = &layer_nodes[l];
        let mut figure = |title: String, scene: Scene, walk: Vec<usize>| {
            stage += 1;
            out.push(Figure {
                name: format!("{backward_name}({stage})"),
                title: title.replace("STAGE", &stage.to_string()),
                scene,
                walk,
            });
        };
        let exits: BTreeSet<usize> = nodes
            .iter()
            .copied()
            .filter(|&i| i == g.output || g.users(i).any(|u| !nodes.contains(&u)))
            .collect();
        let exit_names: Vec<String> = exits.iter().map(|&i| g.short(i)).collect();
        let mut known: BTreeSet<(usize, usize)> = BTreeSet::new();
        figure(
            format!(
                "{}, backward, stage 1: the gradients arrive at {}",
                titles[l],
                list(&exit_names)
            ),
            names.fitted(|n| {
                let edges = &known;
                g.scene(
                    nodes,
                    Shown::Some {
                        edges,
                        arrived: true,
                    },
                    &exits,
                    n,
                )
            }),
            Vec::new(),
        );
        let mut walked: Vec<usize> = t
            .backward
            .iter()
            .map(|b| b.id)
            .filter(|i| nodes.contains(i) && !t.forward[*i].inputs.is_empty())
            .collect();
        walked.sort_by_key(|&i| (levels[i], i));
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for i in walked {
            match groups.last_mut() {
                Some(group) if levels[group[0]] == levels[i] => group.push(i),
                _ => groups.push(vec![i]),
            }
        }
        for group in groups {
            for &i in &group {
                for &c in &t.forward[i].inputs {
                    known.insert((c, i));
                }
            }
            let symbols: BTreeSet<String> = group
                .iter()
                .map(|&i| match t.forward[i].op.as_str() {
                    op if op.starts_with('*') => "×".to_string(),
                    op => op.to_string(),
                })
                .collect();
            let node_names: Vec<String> = group.iter().map(|&i| g.short(i)).collect();
            let symbols: Vec<String> = symbols.into_iter().collect();
            figure(
                format!(
                    "{}, backward, stage STAGE: the {} node{} ({}) send{} the gradient back",
                    titles[l],
                    symbols.join(" and "),
                    if group.len() > 1 { "s" } else { "" },
                    list(&node_names),
                    if group.len() > 1 { "" } else { "s" },
                ),
                names.fitted(|n| {
                    let (edges, processed) = (&known, group.iter().copied().collect());
                    g.scene(
                        nodes,
                        Shown::Some {
                            edges,
                            arrived: true,
                        },
                        &processed,
                        n,
                    )
                }),
                group.clone(),
            );
        }
        let receiving: BTreeSet<usize> = nodes
            .iter()
            .flat_map(|&i| t.forward[i].inputs.iter().copied())
            .filter(|c| !nodes.contains(c) && g.gradient.contains_key(c))
            .collect();
        if !receiving.is_empty() {
            let received: Vec<String> = receiving.iter().map(|&c| g.short(c)).collect();
            figure(
                format!(
                    "{}, backward, stage STAGE: {} {}",
                    titles[l],
                    list(&received),
                    if received.len() > 1 {
                        "receive their gradients"
                    } else {
                        "receives its gradient"
                    }
                ),
                names.fitted(|n| g.scene(nodes, Shown::All, &receiving, n)),
                receiving.iter().copied().collect(),
            );
        }
    }
    let all: BTreeSet<usize> = (0..t.forward.len()).collect();
    out.push(Figure {
        name: format!("a-{}", m + 3),
        title: "the whole graph, forward values above and backward values below every edge".into(),
        scene: names.fitted(|n| g.scene(&all, Shown::All, &none, n)),
        walk: Vec::new(),
    });
    out
}

/// One figure as SVG, drawn without Graphviz.
pub fn render_svg(figure: &Figure) -> String {
    super::svg::draw(
        &figure.scene,
        &format!("Figure {}: {}", figure.name, figure.title),
    )
}

/// Every figure as one DOT file (Graphviz draws each graph in turn).
pub fn render_dot(t: &Transcript) -> String {
    figures(t)
        .iter()
        .map(super::dot::draw)
        .collect::<Vec<_>>()
        .join("\n")
}
