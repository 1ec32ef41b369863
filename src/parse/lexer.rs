//! Splits one line of a problem file into tokens with their columns.

use num_rational::BigRational;

use crate::error::{Error, ErrorKind, Span};
use crate::language::parse_rational;

/// A token's kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Ident(String),
    Number(BigRational),
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Eq,
    Gt,
    Ge,
    Ne,
    /// `..` of a range `1..m`.
    DotDot,
    End,
}

impl Tok {
    /// How the token reads in an error message.
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Number(n) => format!("number `{n}`"),
            Tok::Plus => "`+`".into(),
            Tok::Minus => "`-`".into(),
            Tok::Star => "`*`".into(),
            Tok::Slash => "`/`".into(),
            Tok::Caret => "`^`".into(),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::LBracket => "`[`".into(),
            Tok::RBracket => "`]`".into(),
            Tok::Comma => "`,`".into(),
            Tok::Eq => "`=`".into(),
            Tok::Gt => "`>`".into(),
            Tok::Ge => "`>=`".into(),
            Tok::Ne => "`!=`".into(),
            Tok::DotDot => "`..`".into(),
            Tok::End => "end of line".into(),
        }
    }
}

/// A token with its 1-based column and width in characters.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub column: usize,
    pub width: usize,
}

/// A character as an error message shows it: invisible ones (NUL, a
/// byte-order mark, other control or format characters) by their code point.
pub fn shown_char(c: char) -> String {
    if is_invisible(c) || c.is_whitespace() {
        format!("the character U+{:04X}", u32::from(c))
    } else {
        format!("`{c}`")
    }
}

/// Whether `c` shows as nothing (or moves the cursor) in a terminal.
pub fn is_invisible(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
}

/// The most characters a number literal may have: reading a longer one
/// (and computing with it) would take longer than any limit allows.
pub const MAX_LITERAL_DIGITS: usize = 1000;

/// Tokenizes `text` (one line, comments already removed); the last token is [`Tok::End`].
pub fn tokenize(text: &str, line: usize) -> Result<Vec<Token>, Error> {
    let chars: Vec<char> = text.chars().collect();
    // Byte offsets of the characters, so a name or number is one slice of `text`.
    let offsets: Vec<usize> = text.char_indices().map(|(o, _)| o).collect();
    let slice = |from: usize, to: usize| {
        let end = offsets.get(to).copied().unwrap_or(text.len());
        &text[offsets[from]..end]
    };
    // About one token per two characters in a long sum: grown rarely.
    let mut out = Vec::with_capacity(chars.len() / 2 + 2);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let tok = if c.is_whitespace() {
            i += 1;
            continue;
        } else if c.is_ascii_alphabetic() {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            Tok::Ident(slice(start, i).to_string())
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            // `1..m` is a range: its number ends before the `..`.
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || (chars[i] == '.' && chars.get(i + 1) != Some(&'.')))
            {
                i += 1;
            }
            let s = slice(start, i);
            if i - start > MAX_LITERAL_DIGITS {
                return Err(Error::semantic(Span::new(line, start + 1, i - start), ErrorKind::TooLarge, format!(
                        "a number of {} digits is longer than the {MAX_LITERAL_DIGITS} digits a literal may have",
                        i - start
                    )));
            }
            let value = parse_rational(s).ok_or_else(|| {
                Error::syntax(
                    Span::new(line, start + 1, i - start),
                    "a number such as `2` or `0.25`",
                    format!("`{s}`"),
                )
            })?;
            Tok::Number(value)
        } else {
            let two = chars.get(i + 1).copied();
            let (tok, len) = match (c, two) {
                ('>', Some('=')) => (Tok::Ge, 2),
                ('!', Some('=')) => (Tok::Ne, 2),
                ('.', Some('.')) => (Tok::DotDot, 2),
                ('+', _) => (Tok::Plus, 1),
                ('-', _) => (Tok::Minus, 1),
                ('*', _) => (Tok::Star, 1),
                ('/', _) => (Tok::Slash, 1),
                ('^', _) => (Tok::Caret, 1),
                ('(', _) => (Tok::LParen, 1),
                (')', _) => (Tok::RParen, 1),
                ('[', _) => (Tok::LBracket, 1),
                (']', _) => (Tok::RBracket, 1),
                (',', _) => (Tok::Comma, 1),
                ('=', _) => (Tok::Eq, 1),
                ('>', _) => (Tok::Gt, 1),
                _ => {
                    return Err(Error::syntax(
                        Span::new(line, start + 1, 1),
                        "a name, a number, an operator or a parenthesis",
                        shown_char(c),
                    ))
                }
            };
            i += len;
            tok
        };
        out.push(Token {
            tok,
            column: start + 1,
            width: i - start,
        });
    }
    out.push(Token {
        tok: Tok::End,
        column: chars.len() + 1,
        width: 1,
    });
    Ok(out)
}
