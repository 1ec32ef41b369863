//! Formulas as MathML Core: a term in input syntax goes through the LaTeX
//! printer the LaTeX transcript uses, then `math-core` converts that LaTeX.
//! Where a term does not parse or convert, it is shown as code, never dropped.
//! Parentheses around content no taller than a line do not stretch.

use math_core::{LatexToMathML, MathCoreConfig, MathDisplay};

/// Converts formulas for one page.
pub struct MathMl {
    converter: LatexToMathML,
}

fn code(text: &str) -> String {
    format!("<code>{}</code>", super::html::escape(text))
}

impl MathMl {
    /// A converter with the default configuration.
    pub fn new() -> Self {
        MathMl {
            converter: LatexToMathML::new(MathCoreConfig::default())
                .expect("the default configuration has no macros to fail"),
        }
    }

    /// LaTeX math as inline MathML.
    pub fn latex(&self, tex: &str, fallback: &str) -> String {
        match self
            .converter
            .convert_with_local_state(tex, MathDisplay::Inline)
        {
            Ok(r) => unstretched(&r.mathml),
            Err(_) => code(fallback),
        }
    }

    /// A term in input syntax (`exp(a1)/S`) as inline MathML.
    pub fn term(&self, term: &str) -> String {
        match crate::parse::parse_expression(term, &[]) {
            Ok(e) => self.latex(&crate::print::to_latex(&e), term),
            Err(_) => code(term),
        }
    }

    /// `lhs = rhs`, each side a term.
    pub fn equation(&self, lhs: &str, rhs: &str) -> String {
        match (
            crate::parse::parse_expression(lhs, &[]),
            crate::parse::parse_expression(rhs, &[]),
        ) {
            (Ok(l), Ok(r)) => self.latex(
                &format!(
                    "{} = {}",
                    crate::print::to_latex(&l),
                    crate::print::to_latex(&r)
                ),
                &format!("{lhs} = {rhs}"),
            ),
            _ => code(&format!("{lhs} = {rhs}")),
        }
    }
}

/// `mathml` with the parentheses of each `\left( … \right)` pair whose
/// content is no taller than a line (no fraction, root, big operator or
/// table) marked not to stretch: MathML Core stretches a fence to its
/// content's ink, so `exp(a_1)` got parentheses a size larger than the
/// text's and spaced apart from it, where TeX keeps them at the text's size.
/// Anything else is copied as it is.
fn unstretched(mathml: &str) -> String {
    const OPEN: &str = "<mrow><mo>(</mo>";
    const CLOSE: &str = "<mo>)</mo></mrow>";
    const TALL: [&str; 6] = ["<mfrac", "<msqrt", "<mroot", "<munder", "<mover", "<mtable"];
    let mut out = String::with_capacity(mathml.len() + 64);
    let mut rest = mathml;
    while let Some(at) = rest.find(OPEN) {
        out.push_str(&rest[..at]);
        let inner_from = at + OPEN.len();
        // The `</mrow>` that closes this `<mrow>`.
        let mut depth = 1usize;
        let mut i = at + "<mrow>".len();
        let end = loop {
            let (open, close) = (rest[i..].find("<mrow"), rest[i..].find("</mrow>"));
            match (open, close) {
                (Some(o), Some(c)) if o < c => {
                    depth += 1;
                    i += o + "<mrow".len();
                }
                (_, Some(c)) => {
                    depth -= 1;
                    i += c + "</mrow>".len();
                    if depth == 0 {
                        break Some(i);
                    }
                }
                _ => break None,
            }
        };
        match end.filter(|&e| e >= inner_from + CLOSE.len() && rest[..e].ends_with(CLOSE)) {
            Some(e) => {
                let inner = &rest[inner_from..e - CLOSE.len()];
                if TALL.iter().any(|t| inner.contains(t)) {
                    out.push_str(OPEN);
                    out.push_str(&unstretched(inner));
                    out.push_str(CLOSE);
                } else {
                    out.push_str("<mrow><mo stretchy=\"false\">(</mo>");
                    out.push_str(&unstretched(inner));
                    out.push_str("<mo stretchy=\"false\">)</mo></mrow>");
                }
                rest = &rest[e..];
            }
            None => {
                out.push_str(OPEN);
                rest = &rest[inner_from..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parentheses_stretch_only_around_tall_content() {
        let m = MathMl::new();
        let short = m.term("exp(a1)");
        assert!(short.contains("<mo stretchy=\"false\">(</mo>"), "{short}");
        assert!(!short.contains("<mo>(</mo>"), "{short}");
        let tall = m.term("exp(a1/S)");
        assert!(
            tall.contains("<mo>(</mo>") && tall.contains("<mfrac"),
            "{tall}"
        );
        // Nested: the outer pair holds a fraction, the inner one does not.
        let nested = m.term("(1/S - log(y1))*t1");
        assert_eq!(nested.matches("<mo>(</mo>").count(), 1, "{nested}");
        assert_eq!(
            nested.matches("<mo stretchy=\"false\">(</mo>").count(),
            1,
            "{nested}"
        );
        assert_eq!(
            unstretched("<mrow><mo>(</mo><mi>x</mi>"),
            "<mrow><mo>(</mo><mi>x</mi>"
        );
    }
}
