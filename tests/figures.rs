//! The figures as a reader sees them at the width of a README (880 px): no
//! text under 11 px, no label on another label, no edge through a label,
//! inputs in index order; the book's figure set for every problem; the same
//! bytes on every run. Text is measured with DejaVu Sans's own advance widths,
//! independently of the widths the layout assumes.

mod common;

use std::process::Command;

/// Rendered width of a README or the lecture page's column.
const PAGE: f64 = 880.0;

/// DejaVu Sans advance widths, in em.
fn advance(c: char) -> f64 {
    match c {
        'a' => 0.613,
        'b' | 'd' | 'g' | 'p' | 'q' => 0.635,
        'c' => 0.550,
        'e' => 0.615,
        'f' => 0.352,
        'h' | 'n' | 'u' => 0.634,
        'i' | 'j' | 'l' => 0.278,
        'k' => 0.579,
        'm' => 0.974,
        'o' => 0.612,
        'r' => 0.411,
        's' => 0.521,
        't' => 0.392,
        'v' | 'x' | 'y' => 0.592,
        'w' => 0.818,
        'z' => 0.525,
        'M' => 0.863,
        'W' => 0.989,
        c if c.is_ascii_uppercase() => 0.72,
        c if c.is_ascii_digit() => 0.636,
        '(' | ')' => 0.390,
        '/' => 0.337,
        '·' | ' ' | ',' | '.' | ':' => 0.3179,
        '−' | '+' | '=' | '×' | '^' => 0.838,
        '-' => 0.361,
        _ => 0.7,
    }
}

#[derive(Debug, Clone)]
struct Label {
    text: String,
    rect: (f64, f64, f64, f64),
    size: f64,
    red: bool,
    /// A layer's title.
    bold: bool,
}

struct Drawing {
    width: f64,
    labels: Vec<Label>,
    segments: Vec<((f64, f64), (f64, f64))>,
    /// Layer boxes (rounded rectangles): left, top, right, bottom.
    boxes: Vec<(f64, f64, f64, f64)>,
}

fn number(node: roxmltree::Node, name: &str) -> f64 {
    node.attribute(name)
        .unwrap_or_else(|| panic!("<{}> without {name}", node.tag_name().name()))
        .parse()
        .unwrap()
}

fn read(svg: &str) -> Drawing {
    let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
    let root = doc.root_element();
    let width = number(root, "width");
    let mut labels = Vec::new();
    let mut segments = Vec::new();
    let mut boxes = Vec::new();
    for node in root.descendants() {
        match node.tag_name().name() {
            "rect" if node.attribute("rx").is_some() => {
                let (x, y) = (number(node, "x"), number(node, "y"));
                boxes.push((x, y, x + number(node, "width"), y + number(node, "height")));
            }
            "text" => {
                let text: String = node.text().unwrap_or("").to_string();
                let size = number(node, "font-size");
                let (x, y) = (number(node, "x"), number(node, "y"));
                let mut w: f64 = text.chars().map(advance).sum::<f64>() * size;
                if node.attribute("font-weight") == Some("bold") {
                    w *= 1.1;
                }
                let x0 = match node.attribute("text-anchor") {
                    Some("middle") => x - w / 2.0,
                    _ => x,
                };
                labels.push(Label {
                    text,
                    rect: (x0, y - 0.76 * size, x0 + w, y + 0.24 * size),
                    size,
                    red: node.attribute("fill") == Some("#c00000"),
                    bold: node.attribute("font-weight") == Some("bold"),
                });
            }
            "polyline" => {
                let points: Vec<(f64, f64)> = node
                    .attribute("points")
                    .unwrap()
                    .split_whitespace()
                    .map(|p| {
                        let (x, y) = p.split_once(',').unwrap();
                        (x.parse().unwrap(), y.parse().unwrap())
                    })
                    .collect();
                for w in points.windows(2) {
                    segments.push((w[0], w[1]));
                }
            }
            "line" => segments.push((
                (number(node, "x1"), number(node, "y1")),
                (number(node, "x2"), number(node, "y2")),
            )),
            _ => {}
        }
    }
    Drawing {
        width,
        labels,
        segments,
        boxes,
    }
}

fn overlap(a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// Whether the segment passes through the rectangle (Liang–Barsky).
fn crosses(s: ((f64, f64), (f64, f64)), r: (f64, f64, f64, f64)) -> bool {
    let ((x0, y0), (x1, y1)) = s;
    let (dx, dy) = (x1 - x0, y1 - y0);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, x0 - r.0),
        (dx, r.2 - x0),
        (-dy, y0 - r.1),
        (dy, r.3 - y0),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return false;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    t0 < t1
}

/// Everything wrong with one figure, as a reader at 880 px would see it.
fn problems(name: &str, svg: &str) -> Vec<String> {
    let d = read(svg);
    let scale = (PAGE / d.width).min(1.0);
    let mut out = Vec::new();
    for l in &d.labels {
        if l.size * scale < 11.0 {
            out.push(format!(
                "{name}: `{}` is {:.1} px at {PAGE} px",
                l.text,
                l.size * scale
            ));
        }
    }
    // A label's box, less half a pixel of the glyphs' own side bearings.
    let inset = |r: (f64, f64, f64, f64)| (r.0 + 0.5, r.1 + 0.5, r.2 - 0.5, r.3 - 0.5);
    for (i, a) in d.labels.iter().enumerate() {
        for b in &d.labels[i + 1..] {
            if overlap(inset(a.rect), inset(b.rect)) {
                out.push(format!("{name}: `{}` overlaps `{}`", a.text, b.text));
            }
        }
        for s in &d.segments {
            if crosses(*s, inset(a.rect)) {
                out.push(format!("{name}: an edge crosses `{}` ({s:?})", a.text));
            }
        }
    }
    // Two layers' boxes side by side or one inside the other, never partly over each other.
    let inside = |a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)| {
        a.0 >= b.0 && a.1 >= b.1 && a.2 <= b.2 && a.3 <= b.3
    };
    for (i, a) in d.boxes.iter().enumerate() {
        for b in &d.boxes[i + 1..] {
            if overlap(*a, *b) && !inside(*a, *b) && !inside(*b, *a) {
                out.push(format!("{name}: two layer boxes overlap: {a:?} and {b:?}"));
            }
        }
    }
    // Inputs in index order, top to bottom: a1 above a2, t1 above t2.
    for family in ["a", "t"] {
        let mut found: Vec<(u32, f64)> = d
            .labels
            .iter()
            .filter(|l| !l.red)
            .filter_map(|l| {
                let index = l.text.strip_prefix(family)?.parse().ok()?;
                Some((index, l.rect.1))
            })
            .collect();
        found.sort_by_key(|f| f.0);
        found.dedup_by_key(|f| f.0);
        if found.windows(2).any(|w| w[0].1 >= w[1].1) {
            out.push(format!(
                "{name}: {family}1, {family}2, … are not top to bottom: {found:?}"
            ));
        }
    }
    out
}

/// The built-in problem for every n, as a file of its own for each call:
/// tests run in parallel, and rewriting one shared file while another test's
/// process reads it made that test read a truncated problem.
fn every_n_file() -> String {
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = format!(
        "{}/figures-softmax-with-loss-n-{call}.txt",
        env!("CARGO_TARGET_TMPDIR")
    );
    std::fs::write(&path, backprove::softmax_with_loss_n()).unwrap();
    path
}

fn page(args: &[&str]) -> String {
    let file = every_n_file();
    let args: Vec<&str> = args
        .iter()
        .map(|a| {
            if *a == "softmax-with-loss-n" {
                file.as_str()
            } else {
                a
            }
        })
        .collect();
    let out = Command::new(env!("CARGO_BIN_EXE_backprove"))
        .arg("derive")
        .args(&args)
        .args(["--format", "html"])
        .output()
        .expect("binary runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The figures of a page, each with its caption.
fn figures(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").unwrap() + start + "</svg>".len();
        let svg = rest[start..end].to_string();
        let caption_at = rest[end..].find("<figcaption>").unwrap() + end + "<figcaption>".len();
        let caption_end = rest[caption_at..].find(':').unwrap() + caption_at;
        out.push((rest[caption_at..caption_end].to_string(), svg));
        rest = &rest[end..];
    }
    out
}

const PROBLEMS: &[&[&str]] = &[
    &["softmax-with-loss", "--classes", "3"],
    &["softmax-with-loss", "--classes", "5"],
    &["softmax-with-loss-n", "--classes", "3"],
    &["tests/inputs/true/logistic.txt", "--wrt", "z"],
];

#[test]
fn every_figure_is_readable_at_880_px_with_no_overlaps_and_inputs_in_order() {
    let mut all = Vec::new();
    for args in PROBLEMS {
        for (name, svg) in figures(&page(args)) {
            all.extend(problems(&format!("{args:?} {name}"), &svg));
        }
    }
    assert!(all.is_empty(), "{}", all.join("\n"));
}

/// Every built-in layer's whole-graph figure, as `derive --format svg`
/// draws it: no two layers' boxes partly over each other (relu's and tanh's
/// narrow first layer had its title's box reach into the next one; label
/// smoothing's two layers shared a column), no label on another and no edge
/// through a label (the upstream gradient `g` of relu, sigmoid, tanh and
/// softplus was drawn on the first layer's title; edges ran through the
/// titles of gelu, sigmoid-with-loss, label smoothing and RMS normalization,
/// and across a matrix's leaf names in affine and attention scores). The
/// size of text at 880 px is not asserted here: batch normalization's whole
/// graph is too wide for it.
#[test]
fn nothing_is_drawn_over_a_box_or_a_label_in_any_example() {
    let mut all = Vec::new();
    for (name, _, _) in backprove::EXAMPLES {
        let svg = whole_graph(name);
        assert!(
            read(&svg).labels.iter().any(|l| l.bold),
            "{name}: no layer titles"
        );
        all.extend(
            problems(name, &svg)
                .into_iter()
                .filter(|p| !p.contains(" px at ")),
        );
    }
    assert!(all.is_empty(), "{}", all.join("\n"));
}

/// The whole-graph figure of the built-in problem `name` at 3 classes, as
/// `derive --format svg` draws it.
fn whole_graph(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("backprove-figures-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.txt"));
    std::fs::write(&file, backprove::example(name, 3).unwrap()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_backprove"))
        .args(["derive", file.to_str().unwrap(), "--format", "svg"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Every built-in layer with an upstream gradient `g` (or `g1`, `g2`, …)
/// that only its last layer reads: those leaves are drawn outside the
/// earlier layers' boxes (they were drawn inside the first layer's box, or
/// on its title, where a student reads them as that layer's own).
#[test]
fn another_layers_input_is_not_drawn_in_a_box() {
    let mut all = Vec::new();
    for name in [
        "relu",
        "sigmoid",
        "tanh",
        "softplus",
        "affine",
        "log-softmax",
        "dropout",
    ] {
        let d = read(&whole_graph(name));
        // The first box is the first layer's; the gradient is the last one's input.
        let first = d.boxes[0];
        let g = |t: &str| {
            t == "g"
                || t.strip_prefix('g')
                    .is_some_and(|k| k.parse::<u32>().is_ok())
        };
        let leaves: Vec<&Label> = d
            .labels
            .iter()
            .filter(|l| !l.red && !l.bold && g(&l.text))
            .collect();
        assert!(!leaves.is_empty(), "{name}: no upstream gradient drawn");
        for l in leaves {
            let r = l.rect;
            if r.0 < first.2 && r.2 > first.0 && r.1 < first.3 && r.3 > first.1 {
                all.push(format!(
                    "{name}: `{}` is drawn in the first layer's box",
                    l.text
                ));
            }
        }
    }
    assert!(all.is_empty(), "{}", all.join("\n"));
}

#[test]
fn the_whole_graph_figure_is_readable_at_three_and_five_classes() {
    for n in ["3", "5"] {
        let out = Command::new(env!("CARGO_BIN_EXE_backprove"))
            .args([
                "derive",
                "softmax-with-loss",
                "--classes",
                n,
                "--format",
                "svg",
            ])
            .output()
            .unwrap();
        let svg = String::from_utf8(out.stdout).unwrap();
        let found = problems(&format!("{n} classes"), &svg);
        assert!(found.is_empty(), "{}", found.join("\n"));
        let d = read(&svg);
        let smallest = d
            .labels
            .iter()
            .map(|l| l.size)
            .fold(f64::INFINITY, f64::min);
        eprintln!(
            "{n} classes: {} px wide, smallest text {:.2} px at {PAGE} px",
            d.width,
            smallest * (PAGE / d.width).min(1.0)
        );
    }
}

#[test]
fn the_geometry_check_catches_what_it_is_for() {
    let bad = "<svg width=\"2000\" height=\"100\"><text x=\"10\" y=\"50\" font-size=\"13\">a2</text>\
        <text x=\"12\" y=\"52\" font-size=\"13\">a1</text><line x1=\"0\" y1=\"46\" x2=\"100\" y2=\"46\"/></svg>";
    let found = problems("bad", bad).join("\n");
    let boxes = "<svg width=\"200\" height=\"100\"><rect x=\"0\" y=\"0\" width=\"50\" height=\"50\" rx=\"10\"/>\
        <rect x=\"40\" y=\"10\" width=\"50\" height=\"50\" rx=\"10\"/></svg>";
    assert!(problems("boxes", boxes)
        .join("\n")
        .contains("two layer boxes overlap"));
    assert!(found.contains("px at 880"), "{found}");
    assert!(found.contains("overlaps"), "{found}");
    assert!(found.contains("crosses"), "{found}");
    assert!(found.contains("not top to bottom"), "{found}");
}

#[test]
fn every_problem_gets_the_books_figure_set() {
    let names =
        |args: &[&str]| -> Vec<String> { figures(&page(args)).into_iter().map(|f| f.0).collect() };
    let book: Vec<String> = [
        "a-1", "a-2", "a-3", "a-4", "a-4(1)", "a-4(2)", "a-4(3)", "a-4(4)", "a-4(5)", "a-4(6)",
        "a-5",
    ]
    .iter()
    .map(|s| format!("Figure {s}"))
    .collect();
    assert_eq!(names(&["softmax-with-loss"]), book);
    assert_eq!(names(&["softmax-with-loss-n"]), book);
    // A file without `layer` lines: the output's own layer and the one feeding it.
    let logistic = names(&["tests/inputs/true/logistic.txt", "--wrt", "z"]);
    assert!(logistic.len() >= 8, "{logistic:?}");
    assert_eq!(logistic.first().map(String::as_str), Some("Figure a-1"));
}

#[test]
fn figures_are_the_same_bytes_on_every_run() {
    for args in PROBLEMS {
        assert_eq!(page(args), page(args), "{args:?}");
    }
}

/// Layers that do not feed each other (three beside one another between an
/// input layer and an output layer; a short layer beside a long chain) are
/// drawn one after the other: their boxes shared columns and overlapped,
/// one partly inside another (red-team round 17's `feed3` and `far`).
#[test]
fn sibling_layers_boxes_do_not_overlap() {
    let files = [
        "let p = a1 * a2\nlet q = a1 + a2\nlet x = p * q\nlet y = sigmoid(p) + q\n\
         let z = exp(p) - q\nlet w = log(q*q + 1) * p\nlet L = x + y + z + w\n\
         layer Base = p, q\nlayer First = x\nlayer Second = y\nlayer Third = z, w\nlayer Out = L\n",
        "let early = a1 * a2\nlet c1 = sigmoid(a1)\nlet c2 = sigmoid(c1)\nlet c3 = sigmoid(c2)\n\
         let c4 = sigmoid(c3)\nlet c5 = sigmoid(c4)\nlet c6 = sigmoid(c5)\nlet L = c6 * early\n\
         layer Early = early\nlayer Chain A = c1, c2\nlayer Chain B = c3, c4\n\
         layer Chain C = c5, c6\nlayer Final = L\n",
    ];
    for text in files {
        let binary = env!("CARGO_BIN_EXE_backprove");
        let out =
            common::run_with_input(binary, &["derive", "-", "--format", "svg"], text.as_bytes());
        assert!(out.status.success());
        let d = read(&String::from_utf8(out.stdout).unwrap());
        assert!(d.boxes.len() >= 5, "{text}");
        for (i, a) in d.boxes.iter().enumerate() {
            for b in &d.boxes[i + 1..] {
                assert!(!overlap(*a, *b), "{a:?} and {b:?} overlap in\n{text}");
            }
        }
    }
}
