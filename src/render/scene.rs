//! What a figure shows, before any geometry: nodes (operations as circles,
//! leaves as text, whole layers as boxes), edges with a forward and a
//! backward value, and the named layer boxes around groups of nodes. Also the
//! text metrics every drawing is measured with. Built by `figures`, laid out
//! by `layout`, drawn by `svg` and `dot`.

/// How a node is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// An operation, drawn as a circle with its symbol (`exp`, `+`, `/`, `×`, `log`).
    Op(String),
    /// An input or a constant, drawn as plain text.
    Leaf(String),
    /// A whole layer, drawn as a box with its title (the overview figure).
    Layer(String),
    /// Where an output arrow ends: nothing is drawn.
    Sink,
}

/// One node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SceneNode {
    /// How it is drawn.
    pub shape: Shape,
    /// Whether this stage processes it.
    pub highlight: bool,
}

/// One edge, forward from `from` to `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SceneEdge {
    /// The tail.
    pub from: usize,
    /// The head.
    pub to: usize,
    /// The forward value, written above the edge in black.
    pub forward: Option<String>,
    /// The backward value, written below it in red on an arrow pointing back.
    pub backward: Option<String>,
    /// A value the edge must have room for though it is not shown (a later
    /// stage shows it), so every stage of a figure has the same geometry.
    pub room: Option<String>,
}

/// A named box around some nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SceneBox {
    /// The layer's title.
    pub title: String,
    /// The nodes inside.
    pub nodes: Vec<usize>,
}

/// A whole figure's content.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scene {
    /// The nodes.
    pub nodes: Vec<SceneNode>,
    /// The edges.
    pub edges: Vec<SceneEdge>,
    /// The layer boxes.
    pub boxes: Vec<SceneBox>,
    /// Whether the lanes carry backward arrows (every stage of a backward figure
    /// has the same geometry, filled in or not).
    pub backward: bool,
    /// Short names used on edges, with the values they stand for.
    pub legend: Vec<(String, String)>,
}

impl Scene {
    /// Adds a node and returns its index.
    pub fn node(&mut self, shape: Shape) -> usize {
        self.nodes.push(SceneNode {
            shape,
            highlight: false,
        });
        self.nodes.len() - 1
    }
}

/// Font size of edge values and leaves, in px.
pub const LABEL_SIZE: f64 = 13.0;
/// The widest drawing whose labels are still 11 px at 880 px.
pub const READABLE_WIDTH: f64 = 880.0 * LABEL_SIZE / 11.0;
/// Font size of operation symbols.
pub const SYMBOL_SIZE: f64 = 14.0;
/// Font size of layer titles.
pub const TITLE_SIZE: f64 = 14.0;

/// The advance width of `text` at `size` px in DejaVu Sans (the font the
/// figures name first), from its metrics in em, rounded up a little so a
/// fallback font does not overflow the space measured.
pub fn text_width(text: &str, size: f64) -> f64 {
    let em: f64 = text
        .chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' => 0.29,
            'f' | 't' | 'I' | ' ' => 0.4,
            'r' | '(' | ')' | '[' | ']' | '/' | '-' => 0.42,
            'm' | 'M' | 'W' | '×' | '−' | '=' | '+' | '<' | '>' => 0.86,
            '·' => 0.35,
            'w' => 0.83,
            c if c.is_ascii_uppercase() => 0.72,
            c if c.is_ascii_digit() => 0.64,
            '^' | '*' => 0.84,
            _ => 0.63,
        })
        .sum();
    em * size
}

/// The advance width of a box's title: [`text_width`] at [`TITLE_SIZE`],
/// in bold (DejaVu Sans Bold's glyphs are about 12 % wider).
pub fn title_width(title: &str) -> f64 {
    text_width(title, TITLE_SIZE) * 1.12
}

/// A value as the book prints it: `−` for minus (`a + -b` as `a − b`), `·`
/// for a product, `×` never (that is the node's symbol).
pub fn typeset(value: &str) -> String {
    value
        .replace("+ -", "- ")
        .replace('-', "−")
        .replace('*', "·")
}
