//! What one figure shows of a transcript's graph: a set of nodes with their
//! outside inputs as leaves and their outside uses as arrows leaving, the
//! backward values known at a stage, the layer boxes; the overview with each
//! layer as one box; and the short names of values too wide for an edge.

use std::collections::{BTreeMap, BTreeSet};

use super::layout::layout;
use super::scene::{
    text_width, typeset, Scene, SceneBox, SceneEdge, Shape, LABEL_SIZE, READABLE_WIDTH,
};
use crate::transcript::Transcript;

/// Values wider than these many px are written by a short name on the edge:
/// the first limit that lets the figure be read at 880 px.
pub(super) const LONGEST_LABEL: [f64; 4] = [118.0, 90.0, 64.0, 40.0];

/// Short names for long values, numbered across the whole figure set.
#[derive(Clone)]
pub(super) struct Names {
    taken: BTreeSet<String>,
    given: BTreeMap<String, String>,
    count: [usize; 2],
    limit: f64,
}

impl Names {
    /// No short names yet; none will clash with a name of `t`.
    pub(super) fn new(t: &Transcript) -> Self {
        Names {
            taken: t.forward.iter().filter_map(|f| f.name.clone()).collect(),
            given: BTreeMap::new(),
            count: [0, 0],
            limit: LONGEST_LABEL[0],
        }
    }

    /// Builds a scene with the widest labels that still fit [`READABLE_WIDTH`].
    pub(super) fn fitted(&mut self, build: impl Fn(&mut Names) -> Scene) -> Scene {
        for limit in LONGEST_LABEL {
            let mut trial = self.clone();
            trial.limit = limit;
            let scene = build(&mut trial);
            if limit == LONGEST_LABEL[3] || layout(&scene).width <= READABLE_WIDTH {
                *self = trial;
                return scene;
            }
        }
        unreachable!("the last limit always returns")
    }

    /// `value`, or its short name (`f1` forward, `g1` backward) when too wide.
    fn label(&mut self, value: &str, backward: bool, legend: &mut Vec<(String, String)>) -> String {
        if text_width(&typeset(value), LABEL_SIZE) <= self.limit {
            return value.to_string();
        }
        let name = match self.given.get(value) {
            Some(n) => n.clone(),
            None => {
                let prefix = if backward { "g" } else { "f" };
                let name = loop {
                    self.count[usize::from(backward)] += 1;
                    let n = format!("{prefix}{}", self.count[usize::from(backward)]);
                    if !self.taken.contains(&n) {
                        break n;
                    }
                };
                self.given.insert(value.to_string(), name.clone());
                name
            }
        };
        let entry = (name.clone(), value.to_string());
        if !legend.contains(&entry) {
            legend.push(entry);
        }
        name
    }
}

/// Which backward values a figure shows.
#[derive(Clone, Copy)]
pub(super) enum Shown<'a> {
    /// None: a forward figure.
    Forward,
    /// Every one.
    All,
    /// Those on these edges (input, user), and at the layer's outputs when `arrived`.
    Some {
        edges: &'a BTreeSet<(usize, usize)>,
        arrived: bool,
    },
}

/// The transcript read as a graph.
pub(super) struct Graph<'a> {
    t: &'a Transcript,
    /// Per node, its layer.
    layer: Vec<Option<usize>>,
    /// Gradient sent along (input, user).
    sent: BTreeMap<(usize, usize), String>,
    /// Gradient at each node.
    pub(super) gradient: BTreeMap<usize, String>,
    walked: BTreeSet<usize>,
    pub(super) output: usize,
}

impl<'a> Graph<'a> {
    pub(super) fn new(t: &'a Transcript) -> Self {
        let n = t.forward.len();
        let mut layer = vec![None; n];
        for (l, g) in t.layers.iter().enumerate() {
            for &i in &g.nodes {
                layer[i] = Some(l);
            }
        }
        let mut sent = BTreeMap::new();
        let mut gradient = BTreeMap::new();
        for b in &t.backward {
            gradient.insert(b.id, b.gradient.simplified.clone());
            for e in &b.edges {
                sent.insert((e.to, e.from), e.gradient.simplified.clone());
            }
        }
        let walked = t
            .forward
            .iter()
            .filter(|f| {
                f.inputs.is_empty() && f.name.as_ref().is_some_and(|n| t.inputs.contains(n))
            })
            .map(|f| f.id)
            .collect();
        Graph {
            t,
            layer,
            sent,
            gradient,
            walked,
            output: n - 1,
        }
    }

    pub(super) fn short(&self, i: usize) -> String {
        let n = &self.t.forward[i];
        n.name.clone().unwrap_or_else(|| n.value.clone())
    }

    fn is_leaf(&self, i: usize) -> bool {
        self.t.forward[i].inputs.is_empty()
    }

    pub(super) fn users(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.t
            .forward
            .iter()
            .filter(move |u| u.inputs.contains(&i))
            .map(|u| u.id)
    }

    /// The scene of the nodes `shown`, their outside inputs as leaves and
    /// their outside uses as arrows leaving to the right.
    pub(super) fn scene(
        &self,
        shown: &BTreeSet<usize>,
        values: Shown,
        highlight: &BTreeSet<usize>,
        names: &mut Names,
    ) -> Scene {
        let mut scene = Scene {
            backward: !matches!(values, Shown::Forward),
            ..Scene::default()
        };
        let knows = |c: usize, i: usize| match values {
            Shown::Forward => false,
            Shown::All => true,
            Shown::Some { edges, .. } => edges.contains(&(c, i)),
        };
        let mut at: BTreeMap<usize, usize> = BTreeMap::new();
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); self.t.layers.len()];
        for &i in shown {
            let node = &self.t.forward[i];
            if self.is_leaf(i) && !self.walked.contains(&i) {
                // Drawn at each use, as the book draws `t1` and `-1`.
                continue;
            }
            let shape = if self.is_leaf(i) {
                Shape::Leaf(self.short(i))
            } else if node.op.starts_with('*') {
                Shape::Op("×".into())
            } else {
                Shape::Op(node.op.clone())
            };
            let s = scene.node(shape);
            scene.nodes[s].highlight = highlight.contains(&i);
            at.insert(i, s);
            if let Some(l) = self.layer[i] {
                members[l].push(s);
            }
        }
        for &i in shown {
            let node = &self.t.forward[i];
            for &c in &node.inputs {
                let from = match at.get(&c) {
                    Some(&s) => s,
                    None => {
                        let s = scene.node(Shape::Leaf(self.short(c)));
                        scene.nodes[s].highlight = highlight.contains(&c);
                        if self.is_leaf(c) && !self.walked.contains(&c) {
                            // A label or a constant: one leaf per use, in the user's box.
                            if let Some(l) = self.layer[i].filter(|_| shown.contains(&c)) {
                                members[l].push(s);
                            }
                        } else {
                            at.insert(c, s);
                        }
                        s
                    }
                };
                let forward = match scene.nodes[from].shape {
                    Shape::Leaf(_) => None,
                    _ => Some(names.label(&self.short(c), false, &mut scene.legend)),
                };
                let value = self.sent.get(&(c, i)).filter(|_| scene.backward);
                let backward = value
                    .filter(|_| knows(c, i))
                    .map(|g| names.label(g, true, &mut scene.legend));
                // Room for the value, or for the short name it will have.
                let room = value.map(|g| {
                    let mut unused = Vec::new();
                    names.label(g, true, &mut unused)
                });
                scene.edges.push(SceneEdge {
                    from,
                    to: at[&i],
                    forward,
                    backward,
                    room,
                });
            }
            // `c*x` is drawn as the book draws the negation: a `×` with the constant as input.
            if let Some(constant) = node.op.strip_prefix('*').filter(|c| !c.is_empty()) {
                let s = scene.node(Shape::Leaf(constant.to_string()));
                if let Some(l) = self.layer[i] {
                    members[l].push(s);
                }
                scene.edges.push(SceneEdge {
                    from: s,
                    to: at[&i],
                    forward: None,
                    backward: None,
                    room: None,
                });
            }
        }
        // Values leaving the figure: the output, and values used outside it.
        for &i in shown {
            let outside: Vec<usize> = self.users(i).filter(|u| !shown.contains(u)).collect();
            if i != self.output && (outside.is_empty() || self.is_leaf(i)) {
                continue;
            }
            let arrived = match values {
                Shown::Forward => false,
                Shown::All => true,
                Shown::Some { arrived, .. } => arrived,
            };
            let value = if matches!(values, Shown::Forward) {
                None
            } else if i == self.output {
                Some("1".to_string())
            } else {
                let parts: Vec<String> = outside
                    .iter()
                    .filter_map(|u| self.sent.get(&(i, *u)).cloned())
                    .collect();
                (!parts.is_empty()).then(|| parts.join(" + "))
            };
            let room = value.as_ref().map(|b| {
                let mut unused = Vec::new();
                names.label(b, true, &mut unused)
            });
            let backward = value
                .filter(|_| arrived)
                .map(|b| names.label(&b, true, &mut scene.legend));
            let sink = scene.node(Shape::Sink);
            let forward = if i == self.output {
                self.t.output.clone()
            } else {
                self.short(i)
            };
            scene.edges.push(SceneEdge {
                from: at[&i],
                to: sink,
                forward: Some(names.label(&forward, false, &mut scene.legend)),
                backward,
                room,
            });
        }
        for (l, nodes) in members.into_iter().enumerate() {
            if !nodes.is_empty() {
                scene.boxes.push(SceneBox {
                    title: self.t.layers[l].name.clone(),
                    nodes,
                });
            }
        }
        scene
    }

    /// a-1: each layer one box, the inputs into them, the output out.
    pub(super) fn overview(&self, names: &mut Names) -> Scene {
        let mut scene = Scene {
            backward: true,
            ..Scene::default()
        };
        let boxes: Vec<usize> = self
            .t
            .layers
            .iter()
            .map(|l| scene.node(Shape::Layer(l.name.clone())))
            .collect();
        let mut leaves: BTreeMap<usize, usize> = BTreeMap::new();
        let mut carried: BTreeSet<(usize, usize)> = BTreeSet::new();
        for user in &self.t.forward {
            let Some(to) = self.layer[user.id] else {
                continue;
            };
            for &c in &user.inputs {
                let node = &self.t.forward[c];
                let constant = node.inputs.is_empty() && node.name.is_none();
                if constant || (self.layer[c] == Some(to) && !node.inputs.is_empty()) {
                    continue;
                }
                if !carried.insert((c, to)) {
                    continue;
                }
                let (from, forward) = if node.inputs.is_empty() {
                    let s = *leaves
                        .entry(c)
                        .or_insert_with(|| scene.node(Shape::Leaf(self.short(c))));
                    (s, None)
                } else {
                    let Some(l) = self.layer[c] else { continue };
                    (
                        boxes[l],
                        Some(names.label(&self.short(c), false, &mut scene.legend)),
                    )
                };
                let backward = self
                    .t
                    .agreements
                    .iter()
                    .find(|a| self.walked.contains(&c) && a.input == self.short(c))
                    .map(|a| names.label(&a.walk, true, &mut scene.legend));
                scene.edges.push(SceneEdge {
                    from,
                    to: boxes[to],
                    forward,
                    backward,
                    room: None,
                });
            }
        }
        if let Some(l) = self.layer[self.output] {
            let sink = scene.node(Shape::Sink);
            scene.edges.push(SceneEdge {
                from: boxes[l],
                to: sink,
                forward: Some(self.t.output.clone()),
                backward: Some("1".into()),
                room: None,
            });
        }
        scene
    }

    /// How far each node is from the output: the walk's order.
    pub(super) fn levels(&self) -> Vec<usize> {
        let n = self.t.forward.len();
        let mut level = vec![0; n];
        for i in (0..n).rev() {
            for &c in &self.t.forward[i].inputs {
                level[c] = level[c].max(level[i] + 1);
            }
        }
        level
    }
}
