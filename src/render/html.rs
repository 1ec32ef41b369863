//! A transcript as one self-contained HTML lecture page: the problem, the
//! book's figures inline as SVG, the walk node by node with every formula in
//! MathML and every proof in a collapsible section, the result, the proof
//! for every n, and the table of the short names the figures use. No script,
//! no style sheet or font or image from elsewhere; a print style sheet.

use std::fmt::Write;

use super::figures::{figures, render_svg, Figure};
use super::mathml::MathMl;
use crate::report::Status;
use crate::transcript::{Simplification, Transcript};

/// `&`, `<`, `>` and `"` escaped.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const STYLE: &str = "
body { margin: 0; background: #fff; color: #111; font: 16px/1.5 'DejaVu Serif', Georgia, serif; }
main { max-width: 860px; margin: 0 auto; padding: 16px 10px 40px; }
h1 { font-size: 1.6em; line-height: 1.25; }
h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05em; margin: 1.4em 0 0.3em; }
figure { margin: 1.2em 0; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: 0.92em; color: #333; margin-top: 0.3em; }
table { border-collapse: collapse; margin: 0.6em 0; }
td, th { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
ul.edges { padding-left: 1.2em; }
.rule { color: #555; font-size: 0.92em; }
.proved { color: #060; } .failed { color: #b00; }
details { margin: 0.2em 0 0.4em; font-size: 0.95em; }
summary { cursor: pointer; color: #333; }
math { font-size: 1.05em; }
@media print {
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  figure, table, li { break-inside: avoid; }
  details::details-content { content-visibility: visible; display: block; }
  summary { list-style: none; }
}
";

/// One equality of the lecture view, with its rule, verdict and proof size.
fn lecture_item(page: &mut Page, s: &crate::transcript::LectureStep) {
    let _ = writeln!(
        page.out,
        "<li>{} <span class=\"rule\">[{}: {}, {}]</span></li>",
        page.math.equation(&s.before, &s.after),
        escape(&s.rule),
        status(s.status, &s.conditions, &page.math),
        s.proof_size()
    );
}

fn status(s: Status, conditions: &[String], math: &MathMl) -> String {
    let class = if s == Status::Proved {
        "proved"
    } else {
        "failed"
    };
    let word = format!("<span class=\"{class}\">{}</span>", s.word());
    if s != Status::Proved || conditions.is_empty() {
        return word;
    }
    // Each condition as math, its input syntax where it does not parse.
    let shown: Vec<String> = conditions
        .iter()
        .map(|c| math.latex(&super::latex_math::relation(c), c))
        .collect();
    format!("{word} where {}", shown.join(" and "))
}

struct Page<'a> {
    t: &'a Transcript,
    math: MathMl,
    out: String,
}

impl Page<'_> {
    fn short(&self, id: usize) -> String {
        let n = &self.t.forward[id];
        n.name.clone().unwrap_or_else(|| n.value.clone())
    }

    fn figure(&mut self, f: &Figure) {
        let _ = writeln!(
            self.out,
            "<figure>\n{}<figcaption>Figure {}: {}</figcaption>\n</figure>",
            render_svg(f),
            escape(&f.name),
            escape(&f.title)
        );
    }

    /// The proof of one simplification, folded.
    fn proof(&mut self, s: &Simplification) {
        if s.raw == s.simplified {
            return;
        }
        let _ = write!(
            self.out,
            "<details><summary>{}{}: {} step{}</summary><ol>",
            status(s.status, &[], &self.math),
            if s.every_n { " for every n" } else { "" },
            s.steps.len(),
            if s.steps.len() == 1 { "" } else { "s" }
        );
        for step in &s.steps {
            let _ = write!(
                self.out,
                "<li>{} <span class=\"rule\">[{}]</span></li>",
                self.math.equation(&step.before, &step.after),
                escape(&step.rule)
            );
        }
        if !s.conditions.is_empty() {
            let _ = write!(
                self.out,
                "<li>where {}</li>",
                escape(&s.conditions.join(" and "))
            );
        }
        self.out.push_str("</ol></details>\n");
    }

    /// The walk at the nodes `ids`, in the walk's order.
    fn walk(&mut self, ids: &[usize]) {
        let t = self.t;
        for b in t.backward.iter().filter(|b| ids.contains(&b.id)) {
            let _ = writeln!(
                self.out,
                "<h3>Node {}: {}</h3>",
                b.id,
                self.math.term(&self.short(b.id))
            );
            if b.arriving.len() > 1 {
                // A negative part after ` − `, never `+ -`.
                let mut parts = String::new();
                for (i, a) in b.arriving.iter().enumerate() {
                    match (i, a.strip_prefix('-')) {
                        (0, _) => parts += &self.math.term(a),
                        (_, Some(rest)) => parts += &format!(" − {}", self.math.term(rest)),
                        (_, None) => parts += &format!(" + {}", self.math.term(a)),
                    }
                }
                let _ = writeln!(
                    self.out,
                    "<p>Used {} times, so the gradients add: {parts}</p>",
                    b.arriving.len(),
                );
            }
            let gradient = match crate::parse::parse_expression(&b.gradient.simplified, &[]) {
                Ok(g) => self.math.latex(
                    &format!(
                        "\\frac{{\\partial {}}}{{\\partial {}}} = {}",
                        latex_name(&t.output),
                        latex_name(&self.short(b.id)),
                        crate::print::to_latex(&g)
                    ),
                    &b.gradient.simplified,
                ),
                Err(_) => self.math.term(&b.gradient.simplified),
            };
            let _ = writeln!(self.out, "<p>Gradient: {gradient}</p>");
            self.proof(&b.gradient);
            if b.edges.is_empty() {
                continue;
            }
            self.out.push_str("<ul class=\"edges\">\n");
            for e in &b.edges {
                let _ = write!(
                    self.out,
                    "<li>to {} <span class=\"rule\">({})</span>: {}",
                    self.math.term(&self.short(e.to)),
                    match super::walk::rule_formula(&e.rule) {
                        (words, Some(f)) => format!(
                            "{}{} {}",
                            escape(words),
                            super::walk::sep(words),
                            self.math.term(f)
                        ),
                        (words, None) => escape(words),
                    },
                    // A value the rule gives in its simplest form is written once.
                    if e.gradient.raw == e.gradient.simplified {
                        self.math.term(&e.gradient.raw)
                    } else {
                        self.math.equation(&e.gradient.raw, &e.gradient.simplified)
                    }
                );
                self.proof(&e.gradient);
                self.out.push_str("</li>\n");
            }
            self.out.push_str("</ul>\n");
        }
    }
}

/// Renders the page; `view` is the transcript as the text formats show it
/// (one node per family at many classes), `t` the whole one the figures draw.
pub fn render(t: &Transcript, view: &Transcript) -> String {
    let figs = figures(t);
    let mut page = Page {
        t,
        math: MathMl::new(),
        out: String::new(),
    };
    let _ = writeln!(
        page.out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n<h1>{}</h1>",
        escape(&t.title),
        escape(&t.title)
    );
    page.out.push_str("<p>The computation graph is walked backwards node by node, as a textbook does: each node applies its local rule to the gradient arriving from its uses, and every value is simplified and proved equal to what the rule gives. In the figures forward values are written above the edges in black and backward values below them in red, on arrows pointing back.</p>\n");

    page.out.push_str("<h2>The problem</h2>\n<ul>\n");
    for d in &t.definitions {
        let _ = writeln!(
            page.out,
            "<li>{}</li>",
            page.math.equation(&d.name, &d.expr)
        );
    }
    for a in &t.assumptions {
        let _ = writeln!(page.out, "<li>assume {}</li>", assumption(&page.math, a));
    }
    page.out.push_str("</ul>\n");

    // The overview first and the whole graph last; between them one forward
    // figure per layer, then the backward ones (none at all for an output
    // that is an input: `let L = a1`).
    let (overview, rest) = figs.split_first().expect("there is always an overview");
    let (whole, rest) = rest.split_last().expect("there is always a whole graph");
    let (forward, backward) = rest.split_at(t.layers.len().min(rest.len()));

    page.out.push_str("<h2>The layers</h2>\n");
    page.figure(overview);
    page.out.push_str("<h2>Forward</h2>\n");
    for f in forward {
        page.figure(f);
    }
    page.out
        .push_str("<table><tr><th>node</th><th>operation</th><th>value</th></tr>\n");
    for n in t.forward.iter().filter(|n| !n.inputs.is_empty()) {
        let value = match &n.name {
            Some(name) => page.math.equation(name, &n.value),
            None => page.math.term(&n.value),
        };
        let _ = writeln!(
            page.out,
            "<tr><td>{}</td><td>{}</td><td>{value}</td></tr>",
            n.id,
            escape(&symbol(&n.op))
        );
    }
    page.out.push_str("</table>\n");

    page.out.push_str("<h2>Backward, node by node</h2>\n");
    let _ = writeln!(
        page.out,
        "<p>The walk starts at the output with {}. Each figure is followed by the steps it shows.</p>",
        page.math.latex(
            &format!("\\frac{{\\partial {0}}}{{\\partial {0}}} = 1", latex_name(&t.output)),
            "dL/dL = 1"
        )
    );
    let mut walked: Vec<usize> = Vec::new();
    for (k, f) in backward.iter().enumerate() {
        if k == 1 && t.layers.len() > 1 {
            let earlier: Vec<String> = t.layers[..t.layers.len() - 1]
                .iter()
                .rev()
                .map(|l| escape(&l.name))
                .collect();
            let _ = writeln!(
                page.out,
                "<p>Then through {}, stage by stage: the nodes being processed are highlighted and the backward values found so far are on the edges.</p>",
                earlier.join(", then ")
            );
        }
        page.figure(f);
        page.walk(&f.walk);
        walked.extend(&f.walk);
    }
    // Whatever no figure illustrates (the labels' gradients, say) still belongs to the walk.
    let rest: Vec<usize> = (0..t.forward.len())
        .filter(|i| !walked.contains(i))
        .collect();
    page.walk(&rest);
    page.out.push_str("<h2>The whole graph</h2>\n");
    page.figure(whole);

    page.out.push_str("<h2>Result</h2>\n<table><tr><th>input</th><th>gradient</th><th>against the rule-based derivative</th></tr>\n");
    for a in &t.agreements {
        let lhs = page.math.latex(
            &format!(
                "\\frac{{\\partial {}}}{{\\partial {}}}",
                latex_name(&t.output),
                latex_name(&a.input)
            ),
            &format!("d{}/d{}", t.output, a.input),
        );
        let _ = writeln!(
            page.out,
            "<tr><td>{lhs}</td><td>{}</td><td>{} ({} steps)</td></tr>",
            page.math.term(&a.walk),
            status(a.status, &a.conditions, &page.math),
            a.proof_steps
        );
    }
    page.out.push_str("</table>\n");

    if let Some(g) = &view.general {
        page.out.push_str("<h2>For every number of classes n</h2>\n<p>The same result once for all <i>n</i>, with indexed families and sums over <i>j</i> = 1, …, <i>n</i>:</p>\n<ul>\n");
        for i in &g.indices {
            let _ = writeln!(page.out, "<li>index {}</li>", escape(i));
        }
        for d in &g.definitions {
            let _ = writeln!(
                page.out,
                "<li>{}</li>",
                page.math.equation(&d.name, &d.expr)
            );
        }
        for a in &g.assumptions {
            let _ = writeln!(page.out, "<li>assume {}</li>", assumption(&page.math, a));
        }
        if let Some(l) = &g.lecture {
            page.out.push_str("</ul>\n<p>As a lecture writes it, each equality a claim proved for every <i>n</i> (certificates checked). The Jacobian entries of the definitions on the way to the input:</p>\n<ul>\n");
            for s in &l.jacobians {
                lecture_item(&mut page, s);
            }
            for node in &l.nodes {
                page.out.push_str("</ul>\n<p>The gradient at the definition the families share (the node that uses it, then its local rule):</p>\n<ul>\n");
                for s in node {
                    lecture_item(&mut page, s);
                }
            }
            page.out
                .push_str("</ul>\n<p>The chain rule, step by step:</p>\n<ul>\n");
            for s in &l.chain {
                lecture_item(&mut page, s);
            }
        }
        let _ = writeln!(
            page.out,
            "</ul>\n<p>Claim {}: {}.</p>\n<details open><summary>the proof, {} steps, checked by the independent checker</summary><ol>",
            match g.claim.claim.split_once(" = ") {
                Some((lhs, rhs)) => page.math.equation(lhs, rhs),
                None => format!("<code>{}</code>", escape(&g.claim.claim)),
            },
            status(g.claim.status, &g.claim.conditions, &page.math),
            g.claim.steps.len()
        );
        for s in &g.claim.steps {
            let _ = writeln!(
                page.out,
                "<li>{} <span class=\"rule\">[{}]</span></li>",
                page.math.equation(&s.before, &s.after),
                escape(&s.rule)
            );
        }
        page.out.push_str("</ol></details>\n");
    }

    let mut legend: Vec<(String, String)> = Vec::new();
    for f in &figs {
        for entry in &f.scene.legend {
            if !legend.contains(entry) {
                legend.push(entry.clone());
            }
        }
    }
    if !legend.is_empty() {
        page.out.push_str(
            "<h2>Short names in the figures</h2>\n<table><tr><th>name</th><th>value</th></tr>\n",
        );
        for (k, v) in &legend {
            let _ = writeln!(
                page.out,
                "<tr><td>{}</td><td>{}</td></tr>",
                page.math.term(k),
                page.math.term(v)
            );
        }
        page.out.push_str("</table>\n");
    }
    page.out.push_str("</main>\n</body>\n</html>\n");
    page.out
}

/// An operation as the figures draw it: `×` for a product, `× −1` for a negation.
fn symbol(op: &str) -> String {
    match op.strip_prefix('*') {
        Some("") => "×".into(),
        Some(c) => format!("× {}", super::scene::typeset(c)),
        None => op.into(),
    }
}

/// `t1 + t2 = 1` with each side as a term, else as code.
fn assumption(math: &MathMl, text: &str) -> String {
    for rel in [" = ", " >= ", " > ", " != "] {
        if let Some((l, r)) = text.split_once(rel) {
            if rel == " = " {
                return math.equation(l, r);
            }
            let tex_rel = match rel {
                " >= " => "\\ge",
                " > " => ">",
                _ => "\\ne",
            };
            if let (Ok(l), Ok(r)) = (
                crate::parse::parse_expression(l, &[]),
                crate::parse::parse_expression(r, &[]),
            ) {
                return math.latex(
                    &format!(
                        "{} {tex_rel} {}",
                        crate::print::to_latex(&l),
                        crate::print::to_latex(&r)
                    ),
                    text,
                );
            }
        }
    }
    format!("<code>{}</code>", escape(text))
}

/// A name as LaTeX (`a1` as `a_{1}`), through the term printer.
fn latex_name(name: &str) -> String {
    match crate::parse::parse_expression(name, &[]) {
        Ok(e) => crate::print::to_latex(&e),
        Err(_) => format!("\\text{{{name}}}"),
    }
}
