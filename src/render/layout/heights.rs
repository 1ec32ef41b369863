//! Sizes and heights: how far each station reaches with its lanes and
//! labels, and the heights that put lanes level with their tails while
//! keeping every column's stations apart. The second half of the layout.

use super::super::scene::{text_width, title_width, Shape, LABEL_SIZE, SYMBOL_SIZE};
use super::order::{Layered, Station};
use super::{PITCH, RADIUS, TITLE_BAND};

fn shape_size(shape: &Shape) -> (f64, f64) {
    match shape {
        Shape::Op(symbol) => {
            let r = RADIUS.max(text_width(symbol, SYMBOL_SIZE) / 2.0 + 6.0);
            (r, r)
        }
        Shape::Leaf(text) => (text_width(text, LABEL_SIZE) / 2.0 + 3.0, LABEL_SIZE * 0.6),
        Shape::Layer(title) => (title_width(title) / 2.0 + 14.0, 30.0),
        Shape::Sink => (0.0, 0.0),
    }
}

impl Layered<'_> {
    pub(super) fn size(&self, s: usize) -> (f64, f64) {
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
    pub(super) fn lane_offsets(&self) -> Vec<f64> {
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
    pub(super) fn reach(&self, s: usize) -> (f64, f64) {
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
    pub(super) fn place(&mut self) {
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

impl Layered<'_> {
    /// The first and last columns of `stations`, if any.
    pub(super) fn column_span(&self, stations: &[usize]) -> Option<(usize, usize)> {
        let columns = stations.iter().map(|&s| self.column[s]);
        columns.clone().min().zip(columns.max())
    }

    /// The top and bottom of a box holding the stations `held`, its title band included.
    pub(super) fn box_span(&self, held: &[usize]) -> (f64, f64) {
        let top = held
            .iter()
            .map(|&s| self.y[s] - self.reach(s).0 - 6.0 - TITLE_BAND);
        let bottom = held.iter().map(|&s| self.y[s] + self.reach(s).1 + 6.0);
        (
            top.fold(f64::INFINITY, f64::min),
            bottom.fold(f64::NEG_INFINITY, f64::max),
        )
    }

    /// Moves the stations that are not a box's out of it, in each column it
    /// spans (another layer's leaf drawn at its use, or a waypoint of an edge
    /// passing by), above the box's title band or below its frame: those
    /// above it in the column (and those above them) up, those below it
    /// down. `boxes` gives each box's stations that set its frame (`held`)
    /// and all its own (`own`: its leaves too).
    pub(super) fn clear_boxes(&mut self, boxes: &[(Vec<usize>, Vec<usize>)]) {
        for (held, own) in boxes {
            let Some((first, last)) = self.column_span(held) else {
                continue;
            };
            let (top, bottom) = self.box_span(held);
            // Without a held station in a column, those above the box's middle go up.
            let middle = (top + bottom) / 2.0;
            for c in first..=last {
                let order = self.columns[c].clone();
                let inside: Vec<usize> = (0..order.len())
                    .filter(|&k| own.contains(&order[k]))
                    .collect();
                let (above, below) = match (inside.first(), inside.last()) {
                    (Some(&f), Some(&g)) => (f, g + 1),
                    _ => {
                        let k = order.iter().take_while(|&&s| self.y[s] <= middle).count();
                        (k, k)
                    }
                };
                // A node (a leaf) stays where it is drawn unless it is in the
                // title's band (its edge, short, is clear of the title); a
                // waypoint goes out, so that no edge passes through the box.
                let node = |s: usize| matches!(self.stations[s], Station::Node(_));
                let mut limit = top;
                for &s in order[..above].iter().rev() {
                    let (up, down) = self.reach(s);
                    if !(node(s) && self.y[s] - up > top + TITLE_BAND + 6.0) {
                        self.y[s] = self.y[s].min(limit - down - 4.0);
                    }
                    limit = limit.min(self.y[s] - up - 8.0);
                }
                let mut limit = bottom;
                for &s in &order[below..] {
                    let (up, down) = self.reach(s);
                    if !(node(s) && self.y[s] + down < bottom) {
                        self.y[s] = self.y[s].max(limit + up + 4.0);
                    }
                    limit = limit.max(self.y[s] + down + 8.0);
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
