//! The `layer` statement: `layer Cross Entropy Error = L` names a box of the
//! figures and the `let` names it holds. Owns only this statement's grammar
//! and checks; the layers change no proof.

use std::collections::BTreeMap;

use egg::Symbol;

use super::lexer::{Tok, Token};
use crate::error::{Error, ErrorKind, Span};
use crate::problem::Layer;

/// Whether the line is a `layer` statement.
pub(super) fn is_layer(tokens: &[Token]) -> bool {
    matches!(
        (
            tokens.first().map(|t| &t.tok),
            tokens.get(1).map(|t| &t.tok)
        ),
        (Some(Tok::Ident("layer")), Some(_))
    )
}

fn syntax(t: &Token, line: usize, expected: &str) -> Error {
    Error::syntax(
        Span::new(line, t.column, t.width),
        expected,
        t.tok.describe(),
    )
}

fn semantic(t: &Token, line: usize, message: String) -> Error {
    Error::semantic(
        Span::new(line, t.column, t.width),
        ErrorKind::Layer,
        message,
    )
}

/// A character the lexer refused in a `layer` line's name (before its
/// `=`) is reported as not allowed in a layer's name, at its spot: the name
/// is words of ASCII letters and digits. Any other error is `e` itself.
pub(super) fn in_title(content: &str, e: Error) -> Error {
    let Error::Syntax { span, found, .. } = &e else {
        return e;
    };
    let trimmed = content.trim_start();
    let is_layer = trimmed
        .strip_prefix("layer")
        .is_some_and(|rest| rest.starts_with(char::is_whitespace));
    // Columns count characters, as the lexer's do.
    let indent = content.chars().count() - trimmed.chars().count();
    let equals = trimmed
        .chars()
        .position(|c| c == '=')
        .map(|p| indent + p + 1);
    if is_layer && equals.is_none_or(|at| span.column < at) {
        return Error::syntax(
            *span,
            "a word of the layer's name (ASCII letters and digits) or `=`",
            found.clone(),
        );
    }
    e
}

/// `layer WORDS = NAME, NAME, ...`: every name defined by a `let` above and in
/// no other layer; the title unused by another layer.
pub(super) fn parse_layer(
    tokens: &[Token],
    line: usize,
    defined: &BTreeMap<Symbol, usize>,
    earlier: &[Layer],
) -> Result<Layer, Error> {
    let mut pos = 1;
    let mut words = Vec::new();
    while let Tok::Ident(w) = &tokens[pos].tok {
        words.push(*w);
        pos += 1;
    }
    if words.is_empty() {
        return Err(syntax(
            &tokens[pos],
            line,
            "the layer's name (words before `=`)",
        ));
    }
    if tokens[pos].tok != Tok::Eq {
        return Err(syntax(
            &tokens[pos],
            line,
            "a word of the layer's name or `=`",
        ));
    }
    let name = words.join(" ");
    if let Some(other) = earlier.iter().find(|l| l.name == name) {
        return Err(semantic(
            &tokens[1],
            line,
            format!("layer `{name}` is already named on line {}", other.line),
        ));
    }
    pos += 1;
    let mut members = Vec::new();
    loop {
        let t = &tokens[pos];
        let Tok::Ident(member) = &t.tok else {
            return Err(syntax(t, line, "a name defined by `let`"));
        };
        let sym = Symbol::from(*member);
        if !defined.contains_key(&sym) {
            return Err(semantic(
                t,
                line,
                format!("`{member}` is not defined by a `let` above this line"),
            ));
        }
        if let Some(other) = earlier.iter().find(|l| l.members.contains(&sym)) {
            return Err(semantic(
                t,
                line,
                format!("`{member}` is already in layer `{}`", other.name),
            ));
        }
        if members.contains(&sym) {
            return Err(semantic(t, line, format!("`{member}` is listed twice")));
        }
        members.push(sym);
        pos += 1;
        match tokens[pos].tok {
            Tok::Comma => pos += 1,
            Tok::End => break,
            _ => return Err(syntax(&tokens[pos], line, "`,` or end of line")),
        }
    }
    Ok(Layer {
        name,
        members,
        line,
    })
}
