//! The one layout every figure uses: a layered drawing, left to right.
//!
//! Columns come from the longest path to the end, along the edges that close
//! no cycle (a leaf sits just left of its first user); an edge spanning
//! several columns passes through one waypoint per column. The order within
//! a column starts from a depth-first walk, is improved by barycenter sweeps
//! (keeping the order with fewest crossings), and puts the leaves of one
//! family in index order (`a1` above `a2`).
//!
//! Every gap between two columns has a routing band (sloped lines, no text)
//! and a label band where each edge runs horizontally in its own lane just
//! before its head, with the forward value above and the backward value
//! below. Lanes into one node are spread a fixed pitch apart and nodes in a
//! column are kept far enough apart that no two lanes' labels meet; the
//! heights then follow the neighbours' lanes (least squares under those
//! separations) so most lanes are straight. No label can be crossed by an
//! edge: only lanes enter a label band, one per label pair.
//!
//! A layer's box is drawn around the nodes it holds and, in its columns, its
//! leaves and the waypoints of edges into or out of it, with its title above
//! them; another layer's leaf in its columns is drawn past the box, just
//! before the lanes into the column of its use, and a passing edge's
//! waypoint is moved above the title or below the box; an edge leaving a
//! column runs level past a title or a wider leaf name its slope would
//! cross. Titles are measured in bold.

mod heights;
mod order;

use super::scene::{text_width, title_width, Scene, Shape, LABEL_SIZE};
use order::{Layered, Station};

/// Vertical distance between two lanes into one node.
const PITCH: f64 = 50.0;
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

/// Lays a scene out. Two layers' boxes that would overlap (layers that do
/// not feed each other, sharing columns) are put one after the other, the
/// one further left first, and the scene laid out again (at most once per
/// box, and no wider than twice the first layout).
pub fn layout(scene: &Scene) -> Geometry {
    let (ops, feeds) = order::layer_feeds(scene);
    let mut also: Vec<(usize, usize)> = Vec::new();
    let mut g = layout_with(scene, &also);
    // Not wider than twice the first layout: thirty layers side by side
    // would rather overlap a little than run 12 times as wide.
    let widest = 2.0 * g.width;
    // Each round orders every overlapping pair it can; a round that
    // orders none, or the last one allowed, is drawn.
    for _ in 0..scene.boxes.len() {
        let before = also.len();
        let mut more = also.clone();
        for a in 0..g.boxes.len() {
            for b in a + 1..g.boxes.len() {
                if !overlap(g.boxes[a], g.boxes[b]) {
                    continue;
                }
                // The left one first.
                let pair = if g.boxes[b].0 < g.boxes[a].0 {
                    (b, a)
                } else {
                    (a, b)
                };
                let mut with = more.clone();
                with.push(pair);
                if !more.contains(&pair) && order::can_order(ops.len(), &feeds, &with) {
                    more = with;
                }
            }
        }
        if more.len() == before {
            break;
        }
        let next = layout_with(scene, &more);
        if next.width > widest {
            break;
        }
        (g, also) = (next, more);
    }
    g
}

/// Whether two rectangles (left, top, right, bottom) overlap.
fn overlap(a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// [`layout`] with the layers of each pair of `also` in order.
fn layout_with(scene: &Scene, also: &[(usize, usize)]) -> Geometry {
    let mut l = Layered::new(scene, also);
    l.place();
    let held: Vec<Vec<usize>> = scene.boxes.iter().map(|b| held_nodes(scene, b)).collect();
    let mut frames = frames(&l, &held);
    // Another layer's leaf in a box's column is drawn past the box, just
    // before the lanes into the next column (its first use is there).
    let outside: Vec<bool> = (0..l.stations.len())
        .map(|s| {
            let leaf = matches!(l.stations[s], Station::Node(i) if matches!(scene.nodes[i].shape, Shape::Leaf(_)));
            leaf && (held.iter().zip(&frames)).any(|(h, (_, own))| {
                let span = l.column_span(h);
                span.is_some_and(|(a, b)| (a..=b).contains(&l.column[s])) && !own.contains(&s)
            })
        })
        .collect();
    for (_, own) in &mut frames {
        own.extend((0..l.stations.len()).filter(|&s| outside[s]));
    }
    l.clear_boxes(&frames);
    let offset = l.lane_offsets();
    let width = l.columns.len();
    // Column widths (a leaf drawn past its column aside), the room past a
    // column for such leaves, and each gap's label band from the widest label in it.
    let mut col_width = vec![0.0f64; width];
    let mut past_column = vec![0.0f64; width];
    for (s, &c) in l.column.iter().enumerate() {
        if outside[s] {
            past_column[c] = past_column[c].max(2.0 * l.size(s).0 + 14.0);
        } else {
            col_width[c] = col_width[c].max(2.0 * l.size(s).0);
        }
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
    // Past a column, the room a box ending there needs for its title
    // beyond the column: the next column, and the lanes to it, start after it.
    let mut overhang = vec![0.0f64; width];
    let mut at = MARGIN;
    for c in 0..width {
        x[c] = at + col_width[c] / 2.0;
        for (b, nodes) in scene.boxes.iter().zip(&held) {
            let Some((first, last)) = l.column_span(nodes) else {
                continue;
            };
            if last == c {
                let left = x[first] - col_width[first] / 2.0 - 6.0;
                let right = x[c] + col_width[c] / 2.0 + 6.0;
                let title = left + title_width(&b.title) + 20.0;
                overhang[c] = overhang[c].max(title - right);
            }
        }
        at = x[c]
            + col_width[c] / 2.0
            + overhang[c]
            + past_column[c]
            + ROUTING
            + band[c]
            + CONNECTOR;
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
            let c = l.column[i];
            let past = x[c] + col_width[c] / 2.0 + overhang[c] + 10.0 + hw;
            Placed {
                x: if outside[i] { past } else { x[c] },
                y: l.y[i],
                hw,
                hh,
            }
        })
        .collect();
    let boxes: Vec<(f64, f64, f64, f64)> = scene
        .boxes
        .iter()
        .zip(&frames)
        .map(|(b, (held, _))| {
            let mut r = (
                f64::INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
            );
            for &i in held {
                let c = l.column[i];
                r.0 = r.0.min(x[c] - col_width[c] / 2.0 - 6.0);
                r.2 = r.2.max(x[c] + col_width[c] / 2.0 + 6.0);
            }
            (r.1, r.3) = l.box_span(held);
            r.2 = r.2.max(r.0 + title_width(&b.title) + 20.0);
            (round(r.0), round(r.1), round(r.2), round(r.3))
        })
        .collect();
    // Where each box's title and each leaf's name is written: an edge
    // leaving a column runs level past one its slope would cross (a narrow
    // leaf's edge past a wider name in its column).
    let titles = (scene.boxes.iter().zip(&boxes)).map(|(b, r)| {
        let right = r.0 + 12.0 + title_width(&b.title);
        (r.0 + 8.0, r.1 + 2.0, right, r.1 + TITLE_BAND)
    });
    let names = (scene.nodes.iter().zip(&nodes))
        .filter(|(n, _)| matches!(n.shape, Shape::Leaf(_)))
        .map(|(_, p)| (p.x - p.hw, p.y - p.hh, p.x + p.hw, p.y + p.hh));
    let written: Vec<(f64, f64, f64, f64)> = titles.chain(names).collect();
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
                (p.x + p.hw, y)
            }
            Station::Waypoint(_) => (fx, fy),
        };
        let lane_start = x[c] + col_width[c] / 2.0 + overhang[c] + past_column[c] + ROUTING;
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
        let past = (written.iter())
            .filter(|t| t.2 > start.0 + 0.5 && crosses((start, (lane_start, lane_y)), **t))
            .map(|t| t.2 + 3.0)
            .fold(start.0, f64::max)
            .min(lane_start);
        let points = &mut edges[hop.edge].points;
        for p in [
            start,
            (past, start.1),
            (lane_start, lane_y),
            (lane_end, lane_y),
            end,
        ] {
            let p = (round(p.0), round(p.1));
            if points.last() != Some(&p) {
                points.push(p);
            }
        }
        if let Station::Node(_) = l.stations[hop.to] {
            edges[hop.edge].lane = (round(lane_start), round(lane_end), round(lane_y));
        }
    }
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

/// Per box, the stations its frame is drawn around and all its own: the
/// nodes it holds, and in its columns its leaves, the leaves drawn at a use
/// in it, and the waypoints of an edge into or out of it (so that such an
/// edge runs below the title); its own leaves elsewhere are its own too.
/// Every other station in its columns is kept out of it.
fn frames(l: &Layered, held: &[Vec<usize>]) -> Vec<(Vec<usize>, Vec<usize>)> {
    let scene = l.scene;
    (scene.boxes.iter().zip(held))
        .map(|(b, held)| {
            let Some((first, last)) = l.column_span(held) else {
                return (held.clone(), b.nodes.clone());
            };
            let ours = |i: usize| b.nodes.contains(&i);
            let attached: Vec<usize> = (0..l.stations.len())
                .filter(|&s| (first..=last).contains(&l.column[s]) && !held.contains(&s))
                .filter(|&s| match l.stations[s] {
                    Station::Waypoint(k) => ours(scene.edges[k].from) || ours(scene.edges[k].to),
                    Station::Node(i) => {
                        matches!(scene.nodes[i].shape, Shape::Leaf(_))
                            && (ours(i) || scene.edges.iter().any(|e| e.from == i && ours(e.to)))
                    }
                })
                .collect();
            let frame: Vec<usize> = held.iter().chain(&attached).copied().collect();
            let own = frame.iter().chain(&b.nodes).copied().collect();
            (frame, own)
        })
        .collect()
}

/// The nodes a box holds: its operations (a leaf drawn at its use may sit
/// in another layer's column, and enters the box from the side), or its
/// leaves when it has no operation.
pub(super) fn held_nodes(scene: &Scene, b: &super::scene::SceneBox) -> Vec<usize> {
    let ops: Vec<usize> = b
        .nodes
        .iter()
        .copied()
        .filter(|&i| !matches!(scene.nodes[i].shape, Shape::Leaf(_)))
        .collect();
    if ops.is_empty() {
        b.nodes.clone()
    } else {
        ops
    }
}

/// Whether the segment `s` passes through the rectangle `r` (left, top,
/// right, bottom): the segment clipped to its slab in x, then in y.
fn crosses(s: ((f64, f64), (f64, f64)), r: (f64, f64, f64, f64)) -> bool {
    let ((x0, y0), (x1, y1)) = s;
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for (p, d, min, max) in [(x0, x1 - x0, r.0, r.2), (y0, y1 - y0, r.1, r.3)] {
        if d == 0.0 {
            if p < min || p > max {
                return false;
            }
            continue;
        }
        let (a, b) = ((min - p) / d, (max - p) / d);
        lo = lo.max(a.min(b));
        hi = hi.min(a.max(b));
    }
    lo <= hi
}

/// Coordinates to a tenth of a pixel, so the output is the same on every machine.
fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}
