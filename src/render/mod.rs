//! Pure renderers: [`Report`] to text, markdown, LaTeX or JSON. No IO, no proving.

mod compact;
mod dot;
mod figures;
mod html;
mod latex;
mod layout;
mod mathml;
mod scene;
mod svg;
mod views;

pub use figures::{figures, render_dot, render_svg, Figure};
pub use scene::{Scene, SceneBox, SceneEdge, SceneNode, Shape};
mod latex_math;
mod markdown;
mod text;
mod transcript_latex;
mod transcript_text;
mod walk;

/// Renders a transcript in `format`.
pub fn render_transcript(t: &crate::transcript::Transcript, format: TranscriptFormat) -> String {
    let indices = t
        .general
        .as_ref()
        .map(|g| g.indices.as_slice())
        .unwrap_or(&[]);
    let ranges = crate::language::Ranges::from_declarations(indices);
    crate::print::with_latex_ranges(&ranges, || render_view(t, format))
}

fn render_view(t: &crate::transcript::Transcript, format: TranscriptFormat) -> String {
    // Many classes: one node per family, with k for the class index.
    let view = if compact::applies(t) {
        compact::compact(t)
    } else {
        t.clone()
    };
    match format {
        TranscriptFormat::Text => transcript_text::render_text(&view),
        TranscriptFormat::Markdown => transcript_text::render_markdown(&view),
        TranscriptFormat::Json => {
            serde_json::to_string_pretty(t).expect("a transcript serialises") + "\n"
        }
        TranscriptFormat::Latex => transcript_latex::render_latex(&view),
        TranscriptFormat::Dot => figures::render_dot(t),
        TranscriptFormat::Svg => {
            let whole = figures::figures(t)
                .pop()
                .expect("there is always a whole-graph figure");
            figures::render_svg(&whole)
        }
        TranscriptFormat::Html => html::render(t, &view),
    }
}

use crate::report::Report;

/// How a transcript is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TranscriptFormat {
    /// Plain text for a terminal.
    Text,
    /// GitHub-flavoured markdown.
    Markdown,
    /// A standalone LaTeX document.
    Latex,
    /// The transcript's data as JSON.
    Json,
    /// The figures, as Graphviz DOT (one graph per figure).
    Dot,
    /// The whole-graph figure as SVG, drawn without Graphviz.
    Svg,
    /// One self-contained HTML page: the walk, the proofs, MathML and every figure.
    Html,
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Plain text for a terminal.
    Text,
    /// GitHub-flavoured markdown.
    Markdown,
    /// A standalone LaTeX document.
    Latex,
    /// The documented JSON schema.
    Json,
}

/// Renders a report in `format`.
///
/// ```
/// let p = backprove::parse_problem("prove 2*x = x + x").unwrap();
/// let r = backprove::prove_problem(&p, &backprove::Limits::default());
/// assert!(backprove::render(&r, backprove::Format::Text).contains("proved"));
/// ```
pub fn render(report: &Report, format: Format) -> String {
    let ranges = crate::language::Ranges::from_declarations(&report.indices);
    crate::print::with_latex_ranges(&ranges, || render_report(report, format))
}

fn render_report(report: &Report, format: Format) -> String {
    match format {
        Format::Text => text::render(report),
        Format::Markdown => markdown::render(report),
        Format::Latex => latex::render(report),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(report).expect("a report serialises");
            s.push('\n');
            s
        }
    }
}

/// `"a1 = 1/4, t1 = 1/2"` for a counterexample point.
fn point_text(cx: &crate::report::PointValues) -> String {
    let entries: Vec<(&String, &String)> = cx.point.iter().collect();
    let names: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
    let mut out = String::with_capacity(entries.len() * 16);
    for (i, (k, v)) in crate::algebra::natural_order(&names)
        .into_iter()
        .map(|at| entries[at])
        .enumerate()
    {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(k);
        out.push_str(" = ");
        out.push_str(v);
    }
    out
}
