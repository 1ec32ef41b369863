//! LaTeX math that fits the page. A term is written as pieces with a line
//! break allowed between any two: before the `+` or `-` of a long sum, also
//! inside long brackets (written `\bigl( … \bigr)`, which TeX can break
//! inside, unlike `\left( … \right)`) and long fractions (written
//! `\frac{1}{d} \bigl( … \bigr)`). Inline math joins the pieces and lets TeX
//! wrap; a display packs them into lines of a given width, estimated here.
//!
//! Owns the layout of formulas only: the notation is [`crate::print::to_latex`]'s,
//! and a term too short to need breaking is exactly what it prints.

use egg::{Id, RecExpr};

use crate::language::Math;
use crate::parse::parse_expression;
use crate::print::{latex_nodes, precedence};

/// Subterms narrower than this (in em) are kept whole.
const WHOLE: f32 = 12.0;

/// The width of a display line (in em) on the documents' page: the text
/// width is about 50 em; the estimate is rough, so leave room.
pub(super) const LINE: f32 = 42.0;

/// A term in input syntax as pieces of LaTeX math; verbatim text, whole, where it does not parse.
pub(super) fn pieces(term: &str) -> Vec<String> {
    match parse(term) {
        Some(e) => expr_pieces(&e)
            .into_iter()
            .map(|p| p.replace(ELLIPSIS_TEX, "\\dots"))
            .collect(),
        None => vec![format!("\\texttt{{{}}}", super::latex::escape(term))],
    }
}

/// Stands for the `...` of a shortened sum (`t1 + t2 + ... + t30`) while it is parsed.
const ELLIPSIS: &str = "ELLIPSIS";
const ELLIPSIS_TEX: &str = "\\mathit{ELLIPSIS}";

/// A term in input syntax, a shortened sum's `...` read as a placeholder.
fn parse(term: &str) -> Option<RecExpr<Math>> {
    if term.contains(ELLIPSIS) {
        return None;
    }
    parse_expression(&term.replace("...", ELLIPSIS), &[]).ok()
}

/// A term for inline math: TeX breaks it after any `+`, `-` or `=` outside braces.
pub(super) fn inline(term: &str) -> String {
    pieces(term).join(" ")
}

/// A term in display lines no wider than `width` em (a piece wider than
/// that gets a line of its own).
pub(super) fn lines(term: &str, width: f32) -> Vec<String> {
    let whole = match parse(term) {
        Some(e) => crate::print::to_latex(&e).replace(ELLIPSIS_TEX, "\\dots"),
        None => return pieces(term),
    };
    if self::width(&whole) <= width {
        return vec![whole];
    }
    pack(pieces(term), width)
}

/// Pieces packed greedily into lines of at most `width` em.
pub(super) fn pack(pieces: Vec<String>, width: f32) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for p in pieces {
        if current.is_empty() {
            current = p;
        } else if self::width(&current) + self::width(&p) <= width {
            current = format!("{current} {p}");
        } else {
            out.push(std::mem::replace(&mut current, p));
        }
    }
    if !current.is_empty() || out.is_empty() {
        out.push(current);
    }
    out
}

fn expr_pieces(expr: &RecExpr<Math>) -> Vec<String> {
    let nodes = expr.as_ref();
    if nodes.is_empty() {
        return vec![String::new()];
    }
    let text = latex_nodes(expr);
    let breaker = Breaker { nodes, text: &text };
    breaker.node(Id::from(nodes.len() - 1), 0, false)
}

struct Breaker<'a> {
    nodes: &'a [Math],
    /// Each node as `to_latex` prints it.
    text: &'a [String],
}

impl Breaker<'_> {
    /// The node at `id`, bracketed when it binds looser than `min` (or is a
    /// sum inside a sum or product, `operand`), as pieces.
    fn node(&self, id: Id, min: u8, operand: bool) -> Vec<String> {
        let i = usize::from(id);
        let bracket =
            precedence(&self.nodes[i]) < min || (operand && matches!(self.nodes[i], Math::Sum(_)));
        let whole = if bracket {
            format!("\\left({}\\right)", self.text[i])
        } else {
            self.text[i].clone()
        };
        if width(&whole) <= WHOLE {
            return vec![whole];
        }
        let inner = self.bare(id);
        if inner.len() < 2 {
            return vec![whole];
        }
        if bracket {
            delimited("", inner)
        } else {
            inner
        }
    }

    /// The node's own pieces, not bracketed.
    fn bare(&self, id: Id) -> Vec<String> {
        let i = usize::from(id);
        match &self.nodes[i] {
            Math::Add([a, b]) => then(self.node(*a, 1, true), "+ ", self.node(*b, 2, true)),
            Math::Sub([a, b]) => then(self.node(*a, 1, true), "- ", self.node(*b, 2, true)),
            Math::Mul([a, b]) => glue(self.node(*a, 2, true), " \\, ", self.node(*b, 4, true)),
            Math::Neg(a) => prefixed("-", self.node(*a, 3, false)),
            Math::Exp(a) => delimited("\\exp", self.node(*a, 0, false)),
            Math::Log(a) => delimited("\\log", self.node(*a, 0, false)),
            Math::Div([a, b]) => {
                let num = self.node(*a, 0, false);
                let den = self.node(*b, 0, false);
                // A fraction stays one while it is short enough to sit on a line.
                match (num.len(), den.len()) {
                    _ if width(&self.text[i]) <= 2.0 * WHOLE => vec![self.text[i].clone()],
                    (1, 1) => vec![self.text[i].clone()],
                    (_, 1) => prefixed(
                        &format!("\\frac{{1}}{{{}}} \\, ", den[0]),
                        delimited("", num),
                    ),
                    (1, _) => glue(self.node(*a, 4, false), " \\big/ ", delimited("", den)),
                    _ => glue(delimited("", num), " \\big/ ", delimited("", den)),
                }
            }
            // A long root as a power, so it can break: `\bigl( … \bigr)^{1/2}`.
            Math::Pow(_) | Math::Sqrt(_) => {
                let (a, exponent) = match &self.nodes[i] {
                    Math::Pow([a, b]) => (*a, self.text[usize::from(*b)].clone()),
                    Math::Sqrt(a) => (*a, "1/2".to_string()),
                    _ => unreachable!("a power or a root"),
                };
                let base = self.node(a, 0, false);
                if base.len() < 2 {
                    return vec![self.text[i].clone()];
                }
                let mut v = delimited("", base);
                if let Some(last) = v.last_mut() {
                    *last = format!("{last}^{{{exponent}}}");
                }
                v
            }
            Math::Sum([j, body]) => prefixed(
                &format!("\\sum_{{{}=1}}^{{n}} ", self.text[usize::from(*j)]),
                self.node(*body, 2, false),
            ),
            _ => vec![self.text[i].clone()],
        }
    }
}

/// `a`, then `op b` starting a new piece: a break may come before `op`.
fn then(mut a: Vec<String>, op: &str, b: Vec<String>) -> Vec<String> {
    let mut b = b.into_iter();
    if let Some(first) = b.next() {
        a.push(format!("{op}{first}"));
    }
    a.extend(b);
    a
}

/// `a` and `b` joined by `sep` with no break between them.
fn glue(mut a: Vec<String>, sep: &str, b: Vec<String>) -> Vec<String> {
    let mut b = b.into_iter();
    match (a.last_mut(), b.next()) {
        (Some(last), Some(first)) => *last = format!("{last}{sep}{first}"),
        (None, Some(first)) => a.push(first),
        _ => {}
    }
    a.extend(b);
    a
}

fn prefixed(p: &str, mut v: Vec<String>) -> Vec<String> {
    if let Some(first) = v.first_mut() {
        *first = format!("{p}{first}");
    }
    v
}

/// `head( pieces )` with brackets that may be broken between: as tall as a
/// fraction when some piece has one.
fn delimited(head: &str, mut v: Vec<String>) -> Vec<String> {
    let size = if v.iter().any(|p| p.contains("\\frac")) {
        "Big"
    } else {
        "big"
    };
    if let Some(first) = v.first_mut() {
        *first = format!("{head}\\{size}l({first}");
    }
    if let Some(last) = v.last_mut() {
        *last = format!("{last}\\{size}r)");
    }
    v
}

/// The printed width of LaTeX math in em, roughly (display style, 10 pt).
pub(super) fn width(tex: &str) -> f32 {
    let chars: Vec<char> = tex.chars().collect();
    let (w, _) = width_from(&chars, 0, false);
    w
}

/// Width of `chars[i..]` up to the end or, when `group`, the closing brace;
/// returns the width and the position after it.
fn width_from(chars: &[char], mut i: usize, group: bool) -> (f32, usize) {
    let mut w = 0.0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '}' if group => return (w, i + 1),
            '{' => {
                let (inner, next) = width_from(chars, i + 1, true);
                w += inner;
                i = next;
                continue;
            }
            '_' | '^' => {
                let (inner, next) = script(chars, i + 1);
                w += 0.7 * inner;
                i = next;
                continue;
            }
            '\\' => {
                let start = i + 1;
                let mut end = start;
                while end < chars.len() && chars[end].is_ascii_alphabetic() {
                    end += 1;
                }
                if end == start {
                    // `\,`, `\{` and the like.
                    w += if chars.get(start) == Some(&',') {
                        0.17
                    } else {
                        0.5
                    };
                    i = start + 1;
                    continue;
                }
                let name: String = chars[start..end].iter().collect();
                i = end;
                match name.as_str() {
                    "frac" | "tfrac" => {
                        let (num, next) = script(chars, i);
                        let (den, next) = script(chars, next);
                        w += num.max(den) + 0.4;
                        i = next;
                    }
                    "mathit" | "texttt" | "operatorname" | "text" | "mathrm" => {
                        let (inner, next) = script(chars, i);
                        w += inner;
                        i = next;
                    }
                    "left" | "right" | "bigl" | "bigr" | "Bigl" | "Bigr" | "big" => w += 0.1,
                    "sqrt" => w += 1.0,
                    "exp" | "log" | "sum" | "max" | "min" | "tanh" | "sin" | "cos" => {
                        w += 0.5 * name.len() as f32 + 0.2
                    }
                    "quad" => w += 1.0,
                    "qquad" => w += 2.0,
                    _ => w += 0.6,
                }
            }
            '+' | '-' | '=' | '<' | '>' => {
                w += 1.3;
                i += 1;
            }
            ' ' => i += 1,
            c if c.is_ascii_uppercase() => {
                w += 0.7;
                i += 1;
            }
            _ => {
                w += 0.5;
                i += 1;
            }
        }
    }
    (w, i)
}

/// The width of one argument (`{…}` or one character) at `chars[i]`.
fn script(chars: &[char], i: usize) -> (f32, usize) {
    match chars.get(i) {
        Some('{') => width_from(chars, i + 1, true),
        Some('\\') => {
            let mut end = i + 1;
            while end < chars.len() && chars[end].is_ascii_alphabetic() {
                end += 1;
            }
            (0.6, end.max(i + 2))
        }
        Some(_) => (0.5, i + 1),
        None => (0.0, i),
    }
}

/// A relation in input syntax (`x != 0`, an assumption `lhs = rhs`) in LaTeX.
pub(super) fn relation(text: &str) -> String {
    for (op, tex_op) in [
        (" != ", "\\neq"),
        (" >= ", "\\geq"),
        (" <= ", "\\leq"),
        (" > ", ">"),
        (" < ", "<"),
    ] {
        if let Some((l, r)) = text.split_once(op) {
            return format!("{} {tex_op} {}", inline(l), inline(r));
        }
    }
    match text.split_once(" = ") {
        Some((l, r)) => format!("{} = {}", inline(l), inline(r)),
        None => format!("\\texttt{{{}}}", super::latex::escape(text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_term_is_printed_whole() {
        assert_eq!(
            pieces("exp(a1)/S"),
            vec!["\\frac{\\exp\\left(a_{1}\\right)}{S}"]
        );
    }

    #[test]
    fn a_long_bracketed_sum_breaks_inside_its_brackets() {
        let term = "-(t1*log(y1) + t2*log(y2) + t3*log(y3) + t4*log(y4) + t5*log(y5))";
        let p = pieces(term);
        assert!(p.len() > 1, "{p:?}");
        assert!(p[0].starts_with("-\\bigl(t_{1}"), "{p:?}");
        assert!(p.last().unwrap().ends_with("\\bigr)"), "{p:?}");
        assert!(pack(p, 20.0).len() > 1);
    }

    #[test]
    fn a_shortened_sum_is_math_with_dots() {
        let p = pieces("-(t1*log(y1) + t2*log(y2) + ... + t16*log(y16))");
        assert_eq!(p.concat().matches("\\dots").count(), 1, "{p:?}");
        assert!(!p.concat().contains("texttt"), "{p:?}");
    }

    #[test]
    fn a_long_sum_over_j_breaks_in_its_body() {
        let term = "sum(j, (eps*g[j]*n^2*delta(j, k)*sqrt(eps + sum(i, x[i]^2)/n) + g[j]*n*delta(j, k)*sqrt(eps + sum(i, x[i]^2)/n)*sum(i, x[i]^2) - g[j]*n*x[j]*x[k]*sqrt(eps + sum(i, x[i]^2)/n))/(eps*n + sum(i, x[i]^2))^2)";
        let p = pieces(term);
        assert!(p.len() > 2, "{p:?}");
        assert!(p[0].starts_with("\\sum_{j=1}^{n} \\frac{1}{"), "{p:?}");
    }

    #[test]
    fn a_long_fraction_is_one_over_its_denominator_times_its_numerator() {
        let term =
            "(t1*exp(a2) + t1*exp(a3) + t2*exp(a1) + t3*exp(a1) - t2*exp(a3))/(exp(a1) + exp(a2))";
        let p = pieces(term);
        assert!(p[0].starts_with("\\frac{1}{"), "{p:?}");
    }
}
