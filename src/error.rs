//! Input errors: every one names the line and column where it was found and
//! what was expected there. Rendering with the source line is the CLI's job.

/// An error in a problem file or a command-line expression.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The text does not follow the grammar.
    #[error("line {line}, column {column}: expected {expected}, found {found}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
        /// How many characters the offending token spans.
        width: usize,
        /// What the grammar allows here.
        expected: String,
        /// What was there instead.
        found: String,
    },
    /// The text is well-formed but means nothing (unknown name, redefinition, ...).
    #[error("line {line}, column {column}: {message}")]
    Semantic {
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
        /// How many characters the offending part spans.
        width: usize,
        /// What is wrong, lowercase, without a trailing period.
        message: String,
    },
}

impl Error {
    /// The line, column and width the error points at.
    pub fn location(&self) -> (usize, usize, usize) {
        match self {
            Error::Syntax {
                line,
                column,
                width,
                ..
            }
            | Error::Semantic {
                line,
                column,
                width,
                ..
            } => (*line, *column, *width),
        }
    }
}
