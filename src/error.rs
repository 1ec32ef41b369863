//! Input errors: every one carries the [`Span`] where it was found, and says
//! what was expected there (a syntax error) or what is wrong and of which
//! [`ErrorKind`] (an error of meaning). Rendering with the source line is the
//! CLI's job.

use std::fmt;

/// Where in the input: a 1-based line and column (in characters) and how many
/// characters the offending part spans (at least one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// How many characters; at least 1.
    pub width: usize,
}

impl Span {
    /// The span of `width` characters (at least one) at `line`, `column`.
    pub fn new(line: usize, column: usize, width: usize) -> Span {
        Span {
            line,
            column,
            width: width.max(1),
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// What an error of meaning is about, for a caller that handles some kinds
/// (an editor marking undefined names, say) differently from others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorKind {
    /// Names and definitions: used before defined, defined twice, a
    /// function's name, an unknown function, a name used as two things.
    Name,
    /// Index names and indexed families: what may be indexed, by what.
    Index,
    /// Arithmetic that means nothing: division by the constant 0.
    Arithmetic,
    /// What `d(…, x)` may differentiate by.
    Differentiation,
    /// The `layer` statement: its title and the names it holds.
    Layer,
    /// Input past a size limit: a literal's digits, nesting depth.
    TooLarge,
}

/// An error in a problem file or a command-line expression.
///
/// ```
/// use backprove::{parse_problem, Error, ErrorKind, Span};
/// let err = parse_problem("let y = z + 1\nlet z = 2").unwrap_err();
/// assert_eq!(err.span(), Span::new(1, 9, 1));
/// assert!(matches!(err, Error::Semantic { kind: ErrorKind::Name, .. }));
/// assert_eq!(err.to_string(), "line 1, column 9: `z` is used before its definition on line 2");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The text does not follow the grammar.
    #[error("{span}: expected {expected}, found {found}")]
    Syntax {
        /// Where.
        span: Span,
        /// What the grammar allows here.
        expected: String,
        /// What was there instead.
        found: String,
    },
    /// The text is well-formed but means nothing (unknown name, redefinition, ...).
    #[error("{span}: {message}")]
    Semantic {
        /// Where.
        span: Span,
        /// What it is about.
        kind: ErrorKind,
        /// What is wrong, lowercase, without a trailing period.
        message: String,
    },
}

impl Error {
    /// A syntax error at `span`.
    pub fn syntax(span: Span, expected: impl Into<String>, found: impl Into<String>) -> Error {
        Error::Syntax {
            span,
            expected: expected.into(),
            found: found.into(),
        }
    }

    /// An error of meaning at `span`.
    pub fn semantic(span: Span, kind: ErrorKind, message: impl Into<String>) -> Error {
        Error::Semantic {
            span,
            kind,
            message: message.into(),
        }
    }

    /// Where the error points.
    pub fn span(&self) -> Span {
        match self {
            Error::Syntax { span, .. } | Error::Semantic { span, .. } => *span,
        }
    }

    /// The line, column and width the error points at.
    pub fn location(&self) -> (usize, usize, usize) {
        let s = self.span();
        (s.line, s.column, s.width)
    }
}
