//! Formulas as MathML Core: a term in input syntax goes through the LaTeX
//! printer the LaTeX transcript uses, then `math-core` converts that LaTeX.
//! Where a term does not parse or convert, it is shown as code, never dropped.

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
            Ok(r) => r.mathml,
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
