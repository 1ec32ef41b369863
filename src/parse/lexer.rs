//! Splits one line of a problem file into tokens with their columns.

use num_rational::BigRational;

use crate::error::{Error, ErrorKind, Span};
use crate::language::parse_rational;

/// A token's kind; a name borrows its text from the line.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok<'a> {
    Ident(&'a str),
    Number(Box<BigRational>),
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

impl Tok<'_> {
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
pub struct Token<'a> {
    pub tok: Tok<'a>,
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
///
/// Names, numbers and operators are ASCII, so the scan reads bytes; a wider
/// character can only be whitespace (skipped) or an error. Columns count
/// characters, not bytes.
pub fn tokenize(text: &str, line: usize) -> Result<Vec<Token<'_>>, Error> {
    let bytes = text.as_bytes();
    // About one token per two characters in a long sum: grown rarely.
    let mut out = Vec::with_capacity(bytes.len() / 2 + 2);
    // `i` is the byte offset of the next character, `column` its 1-based column.
    let mut i = 0;
    let mut column = 1;
    while i < bytes.len() {
        let b = bytes[i];
        if !b.is_ascii() {
            let Some(c) = text[i..].chars().next() else {
                break;
            };
            if c.is_whitespace() {
                i += c.len_utf8();
                column += 1;
                continue;
            }
            return Err(unexpected(c, line, column));
        }
        let start = i;
        let tok = if char::from(b).is_whitespace() {
            i += 1;
            column += 1;
            continue;
        } else if b.is_ascii_alphabetic() {
            i += bytes[i..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                .count();
            Tok::Ident(&text[start..i])
        } else if b.is_ascii_digit()
            || (b == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            // `1..m` is a range: its number ends before the `..`.
            while i < bytes.len()
                && (bytes[i].is_ascii_digit()
                    || (bytes[i] == b'.' && bytes.get(i + 1) != Some(&b'.')))
            {
                i += 1;
            }
            let s = &text[start..i];
            if i - start > MAX_LITERAL_DIGITS {
                return Err(Error::semantic(Span::new(line, column, i - start), ErrorKind::TooLarge, format!(
                        "a number of {} digits is longer than the {MAX_LITERAL_DIGITS} digits a literal may have",
                        i - start
                    )));
            }
            let value = parse_rational(s).ok_or_else(|| {
                Error::syntax(
                    Span::new(line, column, i - start),
                    "a number such as `2` or `0.25`",
                    format!("`{s}`"),
                )
            })?;
            Tok::Number(Box::new(value))
        } else {
            let (tok, len) = match (b, bytes.get(i + 1).copied()) {
                (b'>', Some(b'=')) => (Tok::Ge, 2),
                (b'!', Some(b'=')) => (Tok::Ne, 2),
                (b'.', Some(b'.')) => (Tok::DotDot, 2),
                (b'+', _) => (Tok::Plus, 1),
                (b'-', _) => (Tok::Minus, 1),
                (b'*', _) => (Tok::Star, 1),
                (b'/', _) => (Tok::Slash, 1),
                (b'^', _) => (Tok::Caret, 1),
                (b'(', _) => (Tok::LParen, 1),
                (b')', _) => (Tok::RParen, 1),
                (b'[', _) => (Tok::LBracket, 1),
                (b']', _) => (Tok::RBracket, 1),
                (b',', _) => (Tok::Comma, 1),
                (b'=', _) => (Tok::Eq, 1),
                (b'>', _) => (Tok::Gt, 1),
                _ => return Err(unexpected(char::from(b), line, column)),
            };
            i += len;
            tok
        };
        // Every token is ASCII: its width in characters is its length in bytes.
        out.push(Token {
            tok,
            column,
            width: i - start,
        });
        column += i - start;
    }
    out.push(Token {
        tok: Tok::End,
        column,
        width: 1,
    });
    Ok(out)
}

/// The error for a character no token starts with.
fn unexpected(c: char, line: usize, column: usize) -> Error {
    Error::syntax(
        Span::new(line, column, 1),
        "a name, a number, an operator or a parenthesis",
        shown_char(c),
    )
}
