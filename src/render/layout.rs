//! The one layout every figure uses: a layered drawing, left to right.
//!
//! Columns come from the longest path to the end (a leaf sits just left of
//! its first user); an edge spanning several columns passes through one waypoint per
//! column. The order within a column starts from a depth-first walk, is
//! improved by barycenter sweeps (keeping the order with fewest crossings),
//! and puts the leaves of one family in index order (`a1` above `a2`).
//!
//! Every gap between two columns has a routing band (sloped lines, no text)
//! and a label band where each edge runs horizontally in its own lane just
//! before its head, with the forward value above and the backward value
//! below. Lanes into one node are spread a fixed pitch apart and nodes in a
//! column are kept far enough apart that no two lanes' labels meet; the
//! heights then follow the neighbours' lanes (least squares under those
//! separations) so most lanes are straight. No label can be crossed by an
//! edge: only lanes enter a label band, one per label pair.

use super::scene::{text_width, Scene, Shape, LABEL_SIZE, SYMBOL_SIZE, TITLE_SIZE};

/// Vertical distance between two lanes into one node.
const PITCH: f64 = 46.0;
/// Width of the routing band between columns.
const ROUTING: f64 = 16.0;
/// Space between a lane's end and its head.
const CONNECTOR: f64 = 6.0;
/// Margin around the drawing.
pub const MARGIN: f64 = 12.0;
/// Radius of an operation circle (wider symbols get wider circles).
const RADIUS: f64 = 15.0;
/// Vertical half-gap between the two arrows of a lane in a backward figure.
pub const ARROW_GAP: f64 = 5.0;
/// Height of a layer box's title band.
const TITLE_BAND: f64 = 24.0;

/// A laid-out node.
#[derive(Debug, Clone, Copy)]
pub struct Placed {
    /// Centre.
    pub x: f64,
    /// Centre.
    pub y: f64,
    /// Half width.
    pub hw: f64,
    /// Half height of the shape.
    pub hh: f64,
}

/// A laid-out edge: its polyline, tail to head, and the lane its labels sit on.
#[derive(Debug, Clone)]
pub struct Routed {
    /// The points, tail to head.
    pub points: Vec<(f64, f64)>,
    /// The labelled lane: start x, end x, y.
    pub lane: (f64, f64, f64),
}

/// A whole figure's geometry.
#[derive(Debug, Clone)]
pub struct Geometry {
    /// Width of the drawing.
    pub width: f64,
    /// Height of the drawing (the legend follows below).
    pub height: f64,
    /// Per scene node.
    pub nodes: Vec<Placed>,
    /// Per scene edge.
    pub edges: Vec<Routed>,
    /// Per box: left, top, right, bottom.
    pub boxes: Vec<(f64, f64, f64, f64)>,
}

/// A point an edge passes: a node or a waypoint of a long edge.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Station {
    Node(usize),
    Waypoint(usize),
}

/// One column-to-column piece of an edge.
#[derive(Debug, Clone, Copy)]
struct Hop {
    edge: usize,
    from: usize,
    to: usize,
}

struct Layered<'a> {
    scene: &'a Scene,
    column: Vec<usize>,
    stations: Vec<Station>,
    /// Stations of each column, in order.
    columns: Vec<Vec<usize>>,
    hops: Vec<Hop>,
    /// Per station: hops in, hops out.
    ins: Vec<Vec<usize>>,
    outs: Vec<Vec<usize>>,
    y: Vec<f64>,
}

/// `a12` as (`a`, 12), for putting a family's leaves in index order.
fn family_index(text: &str) -> Option<(&str, u64)> {
    let split = text.find(|c: char| c.is_ascii_digit())?;
    let (family, index) = text.split_at(split);
    Some((family, index.parse().ok()?))
}

fn shape_size(shape: &Shape) -> (f64, f64) {
    match shape {
        Shape::Op(symbol) => {
            let r = RADIUS.max(text_width(symbol, SYMBOL_SIZE) / 2.0 + 6.0);
            (r, r)
        }
        Shape::Leaf(text) => (text_width(text, LABEL_SIZE) / 2.0 + 3.0, LABEL_SIZE * 0.6),
        Shape::Layer(title) => (text_width(title, TITLE_SIZE) / 2.0 + 14.0, 30.0),
        Shape::Sink => (0.0, 0.0),
    }
}

impl<'a> Layered<'a> {
    fn new(scene: &'a Scene) -> Self {
        let n = scene.nodes.len();
        // As late as possible: the longest path to the end decides the column,
        // so a side computation sits next to its use; leaves then move right,
        // next to their first user.
        let mut to_end = vec![0usize; n];
        let mut changed = true;
        while changed {
            changed = false;
            for e in &scene.edges {
                if to_end[e.from] < to_end[e.to] + 1 {
                    to_end[e.from] = to_end[e.to] + 1;
                    changed = true;
                }
            }
        }
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
                    column[i] = c - 1;
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

    fn size(&self, s: usize) -> (f64, f64) {
        match self.stations[s] {
            // A layer box is tall enough for every lane in and out of it.
            Station::Node(i) if matches!(self.scene.nodes[i].shape, Shape::Layer(_)) => {
                let (hw, hh) = shape_size(&self.scene.nodes[i].shape);
                let lanes = self.ins[s].len().max(self.outs[s].len()) as f64;
                (hw, hh.max((lanes - 1.0) / 2.0 * PITCH + 14.0))
            }
            Station::Node(i) => shape_size(&self.scene.nodes[i].shape),
            Station::Waypoint(_) => (0.0, 0.0),
        }
    }

    /// The offset of each hop's lane from its head's centre, lanes in the order of their tails.
    fn lane_offsets(&self) -> Vec<f64> {
        let mut offset = vec![0.0; self.hops.len()];
        for s in 0..self.stations.len() {
            let mut ins = self.ins[s].clone();
            ins.sort_by(|&a, &b| {
                self.y[self.hops[a].from]
                    .total_cmp(&self.y[self.hops[b].from])
                    .then(a.cmp(&b))
            });
            let k = ins.len() as f64;
            for (j, h) in ins.into_iter().enumerate() {
                offset[h] = (j as f64 - (k - 1.0) / 2.0) * PITCH;
            }
        }
        offset
    }

    /// How far a station reaches above and below its centre, lanes and labels included.
    fn reach(&self, s: usize) -> (f64, f64) {
        let (_, hh) = self.size(s);
        let k = self.ins[s].len();
        if k == 0 {
            return (hh, hh);
        }
        let spread = (k as f64 - 1.0) / 2.0 * PITCH;
        let labelled = self.ins[s]
            .iter()
            .any(|&h| self.scene.edges[self.hops[h].edge].forward.is_some());
        let is_waypoint = matches!(self.stations[s], Station::Waypoint(_));
        let above = if labelled && !is_waypoint {
            LABEL_SIZE + 9.0
        } else {
            6.0
        };
        let below = if self.scene.backward && !is_waypoint {
            LABEL_SIZE + 12.0
        } else {
            6.0
        };
        (hh.max(spread + above), hh.max(spread + below))
    }

    /// Heights: each station between its neighbours' lanes, columns kept apart.
    fn place(&mut self) {
        for c in 0..self.columns.len() {
            let mut y = 0.0;
            for (i, &s) in self.columns[c].iter().enumerate() {
                let (above, below) = self.reach(s);
                if i > 0 {
                    y += above;
                }
                self.y[s] = y;
                y += below + 8.0;
            }
        }
        let width = self.columns.len();
        for round in 0..40 {
            let offset = self.lane_offsets();
            let order: Vec<usize> = if round % 2 == 0 {
                (0..width).collect()
            } else {
                (0..width).rev().collect()
            };
            for c in order {
                let desired: Vec<f64> = self.columns[c]
                    .iter()
                    .map(|&s| {
                        let mut wanted = Vec::new();
                        for &h in &self.ins[s] {
                            wanted.push(self.y[self.hops[h].from] - offset[h]);
                        }
                        for &h in &self.outs[s] {
                            wanted.push(self.y[self.hops[h].to] + offset[h]);
                        }
                        if wanted.is_empty() {
                            self.y[s]
                        } else {
                            wanted.iter().sum::<f64>() / wanted.len() as f64
                        }
                    })
                    .collect();
                let gaps: Vec<f64> = self.columns[c]
                    .windows(2)
                    .map(|w| self.reach(w[0]).1 + self.reach(w[1]).0 + 8.0)
                    .collect();
                let placed = separated(&desired, &gaps);
                for (&s, y) in self.columns[c].iter().zip(placed) {
                    self.y[s] = y.round();
                }
            }
        }
    }
}

/// The heights closest to `desired` (least squares) with consecutive ones at
/// least `gaps` apart: pool-adjacent-violators on the shifted problem.
fn separated(desired: &[f64], gaps: &[f64]) -> Vec<f64> {
    let mut shift = vec![0.0; desired.len()];
    for i in 1..desired.len() {
        shift[i] = shift[i - 1] + gaps[i - 1];
    }
    // Blocks of (mean, count).
    let mut blocks: Vec<(f64, usize)> = Vec::new();
    for (d, s) in desired.iter().zip(&shift) {
        blocks.push((d - s, 1));
        while blocks.len() > 1 {
            let (b, nb) = blocks[blocks.len() - 1];
            let (a, na) = blocks[blocks.len() - 2];
            if a <= b {
                break;
            }
            blocks.pop();
            let last = blocks.len() - 1;
            blocks[last] = ((a * na as f64 + b * nb as f64) / (na + nb) as f64, na + nb);
        }
    }
    let mut out = Vec::with_capacity(desired.len());
    for (mean, count) in blocks {
        for _ in 0..count {
            out.push(mean + shift[out.len()]);
        }
    }
    out
}

/// Lays a scene out.
pub fn layout(scene: &Scene) -> Geometry {
    let mut l = Layered::new(scene);
    l.place();
    let offset = l.lane_offsets();
    let width = l.columns.len();
    // Column widths, and each gap's label band from the widest label in it.
    let mut col_width = vec![0.0f64; width];
    for (s, &c) in l.column.iter().enumerate() {
        col_width[c] = col_width[c].max(2.0 * l.size(s).0);
    }
    let mut band = vec![24.0f64; width];
    for h in &l.hops {
        if let Station::Node(_) = l.stations[h.to] {
            let e = &scene.edges[h.edge];
            for text in [&e.forward, &e.backward, &e.room].into_iter().flatten() {
                let w = text_width(text, LABEL_SIZE) + 10.0;
                let c = l.column[h.from];
                band[c] = band[c].max(w);
            }
        }
    }
    let mut x = vec![0.0; width];
    let mut at = MARGIN;
    for c in 0..width {
        x[c] = at + col_width[c] / 2.0;
        at = x[c] + col_width[c] / 2.0 + ROUTING + band[c] + CONNECTOR;
    }
    // Top of everything at the margin, leaving room for box titles.
    let top = (0..l.stations.len())
        .map(|s| l.y[s] - l.reach(s).0)
        .fold(f64::INFINITY, f64::min);
    let title_room = if scene.boxes.is_empty() {
        0.0
    } else {
        TITLE_BAND + 10.0
    };
    let lift = MARGIN + title_room - top;
    for y in &mut l.y {
        *y += lift;
    }
    let station_xy = |s: usize| (x[l.column[s]], l.y[s]);
    let nodes: Vec<Placed> = (0..scene.nodes.len())
        .map(|i| {
            let (hw, hh) = l.size(i);
            Placed {
                x: x[l.column[i]],
                y: l.y[i],
                hw,
                hh,
            }
        })
        .collect();
    let mut edges: Vec<Routed> = vec![
        Routed {
            points: Vec::new(),
            lane: (0.0, 0.0, 0.0),
        };
        scene.edges.len()
    ];
    for (h, hop) in l.hops.iter().enumerate() {
        let c = l.column[hop.from];
        let lane_y = l.y[hop.to] + offset[h];
        let (fx, fy) = station_xy(hop.from);
        let start = match l.stations[hop.from] {
            Station::Node(i) => {
                let p = nodes[i];
                let y = match scene.nodes[i].shape {
                    Shape::Layer(_) => lane_y.clamp(p.y - p.hh + 8.0, p.y + p.hh - 8.0),
                    _ => fy,
                };
                (fx + p.hw, y)
            }
            Station::Waypoint(_) => (fx, fy),
        };
        let lane_start = x[c] + col_width[c] / 2.0 + ROUTING;
        let lane_end = lane_start + band[c];
        let (tx, ty) = station_xy(hop.to);
        let end = match l.stations[hop.to] {
            Station::Node(i) => {
                let p = nodes[i];
                match scene.nodes[i].shape {
                    Shape::Op(_) => {
                        let (dx, dy) = (lane_end - tx, lane_y - ty);
                        let d = (dx * dx + dy * dy).sqrt().max(1e-9);
                        (tx + dx / d * p.hw, ty + dy / d * p.hw)
                    }
                    Shape::Sink => (lane_end + CONNECTOR, lane_y),
                    _ => (tx - p.hw, lane_y.clamp(ty - p.hh, ty + p.hh)),
                }
            }
            Station::Waypoint(_) => (tx, ty),
        };
        let points = &mut edges[hop.edge].points;
        for p in [start, (lane_start, lane_y), (lane_end, lane_y), end] {
            let p = (round(p.0), round(p.1));
            if points.last() != Some(&p) {
                points.push(p);
            }
        }
        if let Station::Node(_) = l.stations[hop.to] {
            edges[hop.edge].lane = (round(lane_start), round(lane_end), round(lane_y));
        }
    }
    let boxes: Vec<(f64, f64, f64, f64)> = scene
        .boxes
        .iter()
        .map(|b| {
            let mut r = (
                f64::INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
            );
            // A leaf drawn at its use may sit in another layer's column: the
            // box holds its operations, and leaves enter it from the side.
            let ops: Vec<usize> = b
                .nodes
                .iter()
                .copied()
                .filter(|&i| !matches!(scene.nodes[i].shape, Shape::Leaf(_)))
                .collect();
            let held = if ops.is_empty() { &b.nodes } else { &ops };
            for &i in held {
                let c = l.column[i];
                let (above, below) = l.reach(i);
                r.0 = r.0.min(x[c] - col_width[c] / 2.0 - 6.0);
                r.2 = r.2.max(x[c] + col_width[c] / 2.0 + 6.0);
                r.1 = r.1.min(l.y[i] - above - 6.0 - TITLE_BAND);
                r.3 = r.3.max(l.y[i] + below + 6.0);
            }
            r.2 = r.2.max(r.0 + text_width(&b.title, TITLE_SIZE) + 20.0);
            (round(r.0), round(r.1), round(r.2), round(r.3))
        })
        .collect();
    let right = x
        .last()
        .map_or(0.0, |&last| last + col_width[width - 1] / 2.0);
    let right = boxes
        .iter()
        .map(|b| b.2)
        .chain(edges.iter().flat_map(|e| e.points.iter().map(|p| p.0)))
        .fold(right, f64::max);
    let bottom = (0..l.stations.len())
        .map(|s| l.y[s] + l.reach(s).1)
        .chain(boxes.iter().map(|b| b.3))
        .fold(0.0f64, f64::max);
    Geometry {
        width: round(right + MARGIN),
        height: round(bottom + MARGIN),
        nodes: nodes
            .into_iter()
            .map(|p| Placed {
                x: round(p.x),
                y: round(p.y),
                hw: round(p.hw),
                hh: round(p.hh),
            })
            .collect(),
        edges,
        boxes,
    }
}

/// Coordinates to a tenth of a pixel, so the output is the same on every machine.
fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}
