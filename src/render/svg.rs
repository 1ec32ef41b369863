//! A laid-out scene as SVG: layer boxes, edges with their forward value above
//! in black and, in backward figures, a red arrow pointing back with the
//! backward value below; operations as circles, leaves as text. No ids and no
//! external references, so many figures can be inlined into one page.

use std::fmt::Write;

use super::layout::{layout, Geometry, ARROW_GAP, MARGIN};
use super::scene::{text_width, typeset, Scene, Shape, LABEL_SIZE, SYMBOL_SIZE, TITLE_SIZE};

/// The colour of backward values.
pub const RED: &str = "#c00000";

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A filled arrowhead at `tip`, pointing from `from`.
fn arrowhead(out: &mut String, from: (f64, f64), tip: (f64, f64), colour: &str) {
    let (dx, dy) = (tip.0 - from.0, tip.1 - from.1);
    let d = (dx * dx + dy * dy).sqrt().max(1e-9);
    let (ux, uy) = (dx / d, dy / d);
    let (len, half) = (8.0, 3.5);
    let base = (tip.0 - ux * len, tip.1 - uy * len);
    let _ = writeln!(
        out,
        "<polygon points=\"{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}\" fill=\"{colour}\"/>",
        tip.0,
        tip.1,
        base.0 - uy * half,
        base.1 + ux * half,
        base.0 + uy * half,
        base.1 - ux * half
    );
}

fn text(out: &mut String, x: f64, y: f64, size: f64, attrs: &str, body: &str) {
    let _ = writeln!(
        out,
        "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"{size}\" text-anchor=\"middle\"{attrs}>{}</text>",
        escape(body)
    );
}

/// Draws `scene` as a standalone SVG document titled `title`.
pub fn draw(scene: &Scene, title: &str) -> String {
    let g: Geometry = layout(scene);
    // The key and the short names below the drawing, wrapped to its width.
    let room = g.width.max(KEY_WIDTH) - 2.0 * MARGIN;
    let mut legend: Vec<String> = Vec::new();
    if scene.backward {
        legend.push(KEY.to_string());
    }
    for (k, v) in &scene.legend {
        legend.extend(wrap(&format!("{k} = {}", typeset(v)), room));
    }
    let legend_lines = legend.len();
    let line = LABEL_SIZE + 6.0;
    let width = g.width.max(KEY_WIDTH).round();
    let height =
        (g.height + legend_lines as f64 * line + if legend_lines > 0 { 6.0 } else { 0.0 }).round();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"DejaVu Sans, Verdana, sans-serif\" role=\"img\">"
    );
    let _ = writeln!(out, "<title>{}</title>", escape(title));
    let _ = writeln!(
        out,
        "<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"white\"/>"
    );
    for (b, r) in scene.boxes.iter().zip(&g.boxes) {
        let _ = writeln!(
            out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"10\" fill=\"#f3f3f3\" stroke=\"#9a9a9a\"/>",
            r.0,
            r.1,
            r.2 - r.0,
            r.3 - r.1
        );
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{TITLE_SIZE}\" font-weight=\"bold\">{}</text>",
            r.0 + 10.0,
            r.1 + TITLE_SIZE + 5.0,
            escape(&b.title)
        );
    }
    for (e, r) in scene.edges.iter().zip(&g.edges) {
        let (ls, le, ly) = r.lane;
        let lift = if scene.backward { ARROW_GAP } else { 0.0 };
        // The forward arrow runs above the lane's centre in a backward figure.
        let points: Vec<(f64, f64)> = r
            .points
            .iter()
            .map(|&(x, y)| {
                if y == ly && x >= ls && x <= le {
                    (x, y - lift)
                } else {
                    (x, y)
                }
            })
            .collect();
        let list: Vec<String> = points
            .iter()
            .map(|p| format!("{:.1},{:.1}", p.0, p.1))
            .collect();
        let _ = writeln!(
            out,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"black\" stroke-width=\"1.2\"/>",
            list.join(" ")
        );
        if !matches!(scene.nodes[e.to].shape, Shape::Leaf(_)) && points.len() >= 2 {
            let n = points.len();
            arrowhead(&mut out, points[n - 2], points[n - 1], "black");
        }
        let mid = (ls + le) / 2.0;
        if let Some(f) = &e.forward {
            text(&mut out, mid, ly - lift - 5.0, LABEL_SIZE, "", &typeset(f));
        }
        if let Some(b) = &e.backward {
            let y = ly + lift;
            let _ = writeln!(
                out,
                "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{RED}\" stroke-width=\"1.2\"/>",
                le - 2.0,
                ls + 6.0
            );
            arrowhead(&mut out, (le, y), (ls, y), RED);
            let fill = format!(" fill=\"{RED}\"");
            text(
                &mut out,
                mid,
                y + 4.0 + LABEL_SIZE * 0.8,
                LABEL_SIZE,
                &fill,
                &typeset(b),
            );
        }
    }
    for (n, p) in scene.nodes.iter().zip(&g.nodes) {
        let (fill, stroke, sw) = if n.highlight {
            ("#ffd8a8", "#c05000", "2.5")
        } else {
            ("white", "black", "1.2")
        };
        match &n.shape {
            Shape::Op(symbol) => {
                let _ = writeln!(
                    out,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{:.1}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{sw}\"/>",
                    p.x, p.y, p.hw
                );
                text(
                    &mut out,
                    p.x,
                    p.y + SYMBOL_SIZE * 0.35,
                    SYMBOL_SIZE,
                    "",
                    symbol,
                );
            }
            Shape::Leaf(label) => {
                let style = if n.highlight {
                    format!(" font-weight=\"bold\" fill=\"{stroke}\"")
                } else {
                    String::new()
                };
                text(
                    &mut out,
                    p.x,
                    p.y + LABEL_SIZE * 0.35,
                    LABEL_SIZE,
                    &style,
                    &typeset(label),
                );
            }
            Shape::Layer(title) => {
                let _ = writeln!(
                    out,
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"10\" fill=\"#f3f3f3\" stroke=\"#9a9a9a\"/>",
                    p.x - p.hw,
                    p.y - p.hh,
                    2.0 * p.hw,
                    2.0 * p.hh
                );
                text(
                    &mut out,
                    p.x,
                    p.y + TITLE_SIZE * 0.35,
                    TITLE_SIZE,
                    " font-weight=\"bold\"",
                    title,
                );
            }
            Shape::Sink => {}
        }
    }
    let mut y = g.height + 6.0;
    for entry in &legend {
        y += LABEL_SIZE;
        let _ = writeln!(
            out,
            "<text x=\"{MARGIN:.1}\" y=\"{y:.1}\" font-size=\"{LABEL_SIZE}\">{}</text>",
            escape(entry)
        );
        y += 6.0;
    }
    out.push_str("</svg>\n");
    out
}

/// The key to a backward figure's colours.
const KEY: &str = "black, above: forward value · red, below: backward value";
/// Room for the key, margins included.
const KEY_WIDTH: f64 = 400.0;

/// `text` in lines at most `room` wide, broken at spaces; later lines indented.
fn wrap(text: &str, room: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if !current.is_empty() && text_width(&candidate, LABEL_SIZE) > room {
            lines.push(std::mem::replace(&mut current, format!("    {word}")));
        } else {
            current = candidate;
        }
    }
    lines.push(current);
    lines
}
