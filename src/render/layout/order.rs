//! The columns and the order within them: the first half of the layout.
//! Owns the stations (nodes and the waypoints of long edges), the hops
//! between neighbouring columns, and the crossing-reducing order (barycenter
//! sweeps, then swaps of neighbours).

use super::super::scene::{Scene, Shape};

/// A point an edge passes: a node or a waypoint of a long edge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Station {
    Node(usize),
    Waypoint(usize),
}

/// One column-to-column piece of an edge.
#[derive(Debug, Clone, Copy)]
pub(super) struct Hop {
    pub(super) edge: usize,
    pub(super) from: usize,
    pub(super) to: usize,
}

/// A scene as columns of stations joined by hops.
pub(super) struct Layered<'a> {
    pub(super) scene: &'a Scene,
    pub(super) column: Vec<usize>,
    pub(super) stations: Vec<Station>,
    /// Stations of each column, in order.
    pub(super) columns: Vec<Vec<usize>>,
    pub(super) hops: Vec<Hop>,
    /// Per station: hops in, hops out.
    pub(super) ins: Vec<Vec<usize>>,
    pub(super) outs: Vec<Vec<usize>>,
    pub(super) y: Vec<f64>,
}

/// Whether the relation `edges` on `0..n` has a cycle (its transitive
/// closure relates some element to itself).
fn has_cycle(n: usize, edges: &[(usize, usize)]) -> bool {
    let mut reach = vec![vec![false; n]; n];
    for &(a, b) in edges {
        reach[a][b] = true;
    }
    for k in 0..n {
        let through = reach[k].clone();
        for row in reach.iter_mut().filter(|row| row[k]) {
            for (to, via) in row.iter_mut().zip(&through) {
                *to |= *via;
            }
        }
    }
    (0..n).any(|i| reach[i][i])
}

/// The edges of `scene` that close no cycle (a depth-first walk from each
/// node in turn drops an edge back to a node it is still inside): the
/// layers' overview draws two layers that feed each other as nodes with
/// edges both ways, and columns follow the longest paths of the rest.
fn forward_edges(scene: &Scene) -> Vec<usize> {
    let n = scene.nodes.len();
    let mut outs: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (k, e) in scene.edges.iter().enumerate() {
        outs[e.from].push(k);
    }
    // 0 unseen, 1 on the walk's path, 2 done.
    let mut state = vec![0u8; n];
    let mut back = vec![false; scene.edges.len()];
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        let mut stack = vec![(start, 0usize)];
        state[start] = 1;
        while let Some((v, next)) = stack.pop() {
            match outs[v].get(next) {
                Some(&k) => {
                    stack.push((v, next + 1));
                    let to = scene.edges[k].to;
                    match state[to] {
                        0 => {
                            state[to] = 1;
                            stack.push((to, 0));
                        }
                        1 => back[k] = true,
                        _ => {}
                    }
                }
                None => state[v] = 2,
            }
        }
    }
    (0..scene.edges.len()).filter(|&k| !back[k]).collect()
}

/// `a12` as (`a`, 12), for putting a family's leaves in index order.
fn family_index(text: &str) -> Option<(&str, u64)> {
    let split = text.find(|c: char| c.is_ascii_digit())?;
    let (family, index) = text.split_at(split);
    Some((family, index.parse().ok()?))
}

/// Each layer's nodes, and the pairs of layers `(a, b)` where `a`'s values
/// are used in `b`.
pub(super) fn layer_feeds(scene: &Scene) -> (Vec<Vec<usize>>, Vec<(usize, usize)>) {
    let ops: Vec<Vec<usize>> = scene
        .boxes
        .iter()
        .map(|b| super::held_nodes(scene, b))
        .collect();
    let layer_of = |i: usize| ops.iter().position(|o| o.contains(&i));
    let mut feeds: Vec<(usize, usize)> = scene
        .edges
        .iter()
        .filter_map(|e| Some((layer_of(e.from)?, layer_of(e.to)?)))
        .filter(|(a, b)| a != b)
        .collect();
    feeds.sort_unstable();
    feeds.dedup();
    (ops, feeds)
}

/// Whether the layers can be put in the order of `feeds` and `also`
/// together (they feed each other only one way).
pub(super) fn can_order(layers: usize, feeds: &[(usize, usize)], also: &[(usize, usize)]) -> bool {
    let all: Vec<(usize, usize)> = feeds.iter().chain(also).copied().collect();
    !has_cycle(layers, &all)
}

impl<'a> Layered<'a> {
    /// The columns and order of `scene`, with each pair `(a, b)` of `also`
    /// put in order as if layer `a` fed layer `b` (two layers that would
    /// otherwise share columns and overlap).
    pub(super) fn new(scene: &'a Scene, also: &[(usize, usize)]) -> Self {
        let n = scene.nodes.len();
        // As late as possible: the longest path to the end decides the column,
        // so a side computation sits next to its use; leaves then move right,
        // next to their first user.
        // A layer whose values a later layer uses sits wholly left of it, so
        // that no two layers' boxes share a column (label smoothing's `q`s
        // beside the loss's `log`s).
        let (ops, mut feeds) = layer_feeds(scene);
        // Only layers that feed each other one way can be put in that order.
        if has_cycle(ops.len(), &feeds) {
            feeds.clear();
        } else if can_order(ops.len(), &feeds, also) {
            feeds.extend_from_slice(also);
        }
        // The longest paths, or `None` when the layers' order contradicts
        // the edges: a path from one layer to another through nodes in no
        // box, which `feeds` does not see, makes the distances grow for ever.
        let forward = forward_edges(scene);
        let longest = |feeds: &[(usize, usize)]| -> Option<Vec<usize>> {
            let mut to_end = vec![0usize; n];
            let mut changed = true;
            while changed {
                changed = false;
                for e in forward.iter().map(|&k| &scene.edges[k]) {
                    if to_end[e.from] < to_end[e.to] + 1 {
                        to_end[e.from] = to_end[e.to] + 1;
                        changed = true;
                    }
                }
                for &(a, b) in feeds {
                    let after = ops[b].iter().map(|&i| to_end[i] + 1).max().unwrap_or(0);
                    for &i in &ops[a] {
                        if to_end[i] < after {
                            to_end[i] = after;
                            changed = true;
                        }
                    }
                }
                // No path is longer than every node once per layer.
                if to_end.iter().any(|&d| d > n * (ops.len() + 1)) {
                    return None;
                }
            }
            Some(to_end)
        };
        // (Along edges that close no cycle there are longest paths: the
        // last fallback is never taken.)
        let to_end = longest(&feeds)
            .or_else(|| longest(&[]))
            .unwrap_or_else(|| vec![0; n]);
        let last = to_end.iter().copied().max().unwrap_or(0);
        let mut column: Vec<usize> = to_end.iter().map(|d| last - d).collect();
        for (i, node) in scene.nodes.iter().enumerate() {
            if matches!(node.shape, Shape::Leaf(_)) {
                if let Some(c) = scene
                    .edges
                    .iter()
                    .filter(|e| e.from == i)
                    .map(|e| column[e.to])
                    .min()
                {
                    column[i] = c.saturating_sub(1);
                }
            }
        }
        let mut stations: Vec<Station> = (0..n).map(Station::Node).collect();
        let mut station_column: Vec<usize> = column.clone();
        let mut hops = Vec::new();
        for (k, e) in scene.edges.iter().enumerate() {
            let mut prev = e.from;
            for c in column[e.from] + 1..column[e.to] {
                stations.push(Station::Waypoint(k));
                station_column.push(c);
                let w = stations.len() - 1;
                hops.push(Hop {
                    edge: k,
                    from: prev,
                    to: w,
                });
                prev = w;
            }
            hops.push(Hop {
                edge: k,
                from: prev,
                to: e.to,
            });
        }
        let m = stations.len();
        let mut ins = vec![Vec::new(); m];
        let mut outs = vec![Vec::new(); m];
        for (h, hop) in hops.iter().enumerate() {
            ins[hop.to].push(h);
            outs[hop.from].push(h);
        }
        let width = station_column.iter().max().map_or(0, |c| c + 1);
        let mut layered = Layered {
            scene,
            column: station_column,
            stations,
            columns: vec![Vec::new(); width],
            hops,
            ins,
            outs,
            y: vec![0.0; m],
        };
        layered.order();
        layered
    }

    /// Depth-first order from the ends of the graph, inputs in edge order.
    fn initial_order(&mut self) {
        let m = self.stations.len();
        let mut rank = vec![usize::MAX; m];
        let mut next = 0;
        fn visit(l: &Layered, s: usize, rank: &mut Vec<usize>, next: &mut usize) {
            if rank[s] != usize::MAX {
                return;
            }
            rank[s] = usize::MAX - 1;
            for &h in &l.ins[s] {
                visit(l, l.hops[h].from, rank, next);
            }
            rank[s] = *next;
            *next += 1;
        }
        for s in 0..m {
            if self.outs[s].is_empty() {
                visit(self, s, &mut rank, &mut next);
            }
        }
        for s in 0..m {
            visit(self, s, &mut rank, &mut next);
        }
        let mut columns = vec![Vec::new(); self.columns.len()];
        let mut by_rank: Vec<usize> = (0..m).collect();
        by_rank.sort_by_key(|&s| rank[s]);
        for s in by_rank {
            columns[self.column[s]].push(s);
        }
        self.columns = columns;
    }

    fn crossings(&self) -> usize {
        let pos = self.positions();
        let mut total = 0;
        for c in 0..self.columns.len().saturating_sub(1) {
            let pairs: Vec<(usize, usize)> = self
                .hops
                .iter()
                .filter(|h| self.column[h.from] == c)
                .map(|h| (pos[h.from], pos[h.to]))
                .collect();
            for (i, a) in pairs.iter().enumerate() {
                for b in &pairs[i + 1..] {
                    if (a.0 < b.0 && a.1 > b.1) || (a.0 > b.0 && a.1 < b.1) {
                        total += 1;
                    }
                }
            }
        }
        total
    }

    fn positions(&self) -> Vec<usize> {
        let mut pos = vec![0; self.stations.len()];
        for col in &self.columns {
            for (i, &s) in col.iter().enumerate() {
                pos[s] = i;
            }
        }
        pos
    }

    fn sweep(&mut self, downward: bool) {
        let width = self.columns.len();
        let order: Vec<usize> = if downward {
            (1..width).collect()
        } else {
            (0..width.saturating_sub(1)).rev().collect()
        };
        for c in order {
            let pos = self.positions();
            let mut keyed: Vec<(f64, usize)> = self.columns[c]
                .iter()
                .enumerate()
                .map(|(i, &s)| {
                    let neighbours: Vec<usize> = if downward {
                        self.ins[s].iter().map(|&h| self.hops[h].from).collect()
                    } else {
                        self.outs[s].iter().map(|&h| self.hops[h].to).collect()
                    };
                    let key = if neighbours.is_empty() {
                        i as f64
                    } else {
                        neighbours.iter().map(|&t| pos[t] as f64).sum::<f64>()
                            / neighbours.len() as f64
                    };
                    (key, s)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
            self.columns[c] = keyed.into_iter().map(|(_, s)| s).collect();
        }
    }

    fn order(&mut self) {
        self.initial_order();
        self.family_order();
        let mut best = (self.crossings(), self.columns.clone());
        for round in 0..8 {
            self.sweep(round % 2 == 0);
            self.family_order();
            let crossings = self.crossings();
            if crossings < best.0 {
                best = (crossings, self.columns.clone());
            }
        }
        self.columns = best.1;
        self.transpose(best.0);
    }

    /// Swaps neighbours in a column while that removes crossings (never two
    /// leaves of one family, whose order is fixed).
    fn transpose(&mut self, mut crossings: usize) {
        let family = |l: &Self, s: usize| match l.stations[s] {
            Station::Node(i) => match &l.scene.nodes[i].shape {
                Shape::Leaf(text) => family_index(text).map(|f| f.0.to_string()),
                _ => None,
            },
            Station::Waypoint(_) => None,
        };
        for _ in 0..10 {
            let mut improved = false;
            for c in 0..self.columns.len() {
                for i in 0..self.columns[c].len().saturating_sub(1) {
                    let (a, b) = (self.columns[c][i], self.columns[c][i + 1]);
                    if family(self, a).is_some() && family(self, a) == family(self, b) {
                        continue;
                    }
                    self.columns[c].swap(i, i + 1);
                    let after = self.crossings();
                    if after < crossings {
                        crossings = after;
                        improved = true;
                    } else {
                        self.columns[c].swap(i, i + 1);
                    }
                }
            }
            if !improved {
                break;
            }
        }
    }

    /// The leaves of one family in index order, in the slots they hold.
    fn family_order(&mut self) {
        for c in 0..self.columns.len() {
            let col = self.columns[c].clone();
            let leaf = |s: usize| match self.stations[s] {
                Station::Node(i) => match &self.scene.nodes[i].shape {
                    Shape::Leaf(text) => family_index(text),
                    _ => None,
                },
                Station::Waypoint(_) => None,
            };
            let mut families: Vec<&str> =
                col.iter().filter_map(|&s| leaf(s).map(|f| f.0)).collect();
            families.sort_unstable();
            families.dedup();
            for family in families {
                let slots: Vec<usize> = (0..col.len())
                    .filter(|&i| leaf(col[i]).is_some_and(|f| f.0 == family))
                    .collect();
                let mut members: Vec<usize> = slots.iter().map(|&i| col[i]).collect();
                members.sort_by_key(|&s| leaf(s).map(|f| f.1));
                for (slot, s) in slots.into_iter().zip(members) {
                    self.columns[c][slot] = s;
                }
            }
        }
    }
}
