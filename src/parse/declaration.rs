//! The `index` statement: `index i, p in 1..m` declares index names over a
//! range whose size is a name. Owns reading that one statement, not the
//! expressions that use the indices (`indices`).

use super::*;

/// Whether the line is an `index` statement (`index i, p in 1..m`).
pub(super) fn is_index_statement(tokens: &[Token]) -> bool {
    matches!(
        (
            tokens.first().map(|t| &t.tok),
            tokens.get(1).map(|t| &t.tok)
        ),
        (Some(Tok::Ident("index")), Some(Tok::Ident(_)))
    )
}

/// `index i, p in 1..m`: names not used before, a size that is a name and
/// not a definition, and a numbered variant's range the same as its stem's.
pub(super) fn parse_index(
    tokens: &[Token],
    line: usize,
    kinds: &mut Kinds,
    defined: &BTreeMap<Symbol, usize>,
    problem: &Problem,
) -> Result<crate::problem::IndexDeclaration, Error> {
    let at = |t: &Token| Span::new(line, t.column, t.width);
    let syntax = |t: &Token, expected: &str| Error::syntax(at(t), expected, t.tok.describe());
    let semantic = |t: &Token, message: String| Error::semantic(at(t), ErrorKind::Index, message);
    let mut pos = 1;
    let mut names: Vec<(Symbol, &Token)> = Vec::new();
    loop {
        let t = &tokens[pos];
        let Tok::Ident(name) = &t.tok else {
            return Err(syntax(t, "an index name"));
        };
        if *name == "in" && !names.is_empty() {
            break;
        }
        names.push((Symbol::from(*name), t));
        pos += 1;
        match &tokens[pos].tok {
            Tok::Comma => pos += 1,
            Tok::Ident("in") => {}
            _ => return Err(syntax(&tokens[pos], "`,` and another index name, or `in`")),
        }
    }
    pos += 1;
    if !matches!(&tokens[pos].tok, Tok::Number(v) if **v == num_rational::BigRational::from_integer(1.into()))
    {
        return Err(syntax(&tokens[pos], "`1` (a range is written `1..m`)"));
    }
    pos += 1;
    if tokens[pos].tok != Tok::DotDot {
        return Err(syntax(&tokens[pos], "`..` (a range is written `1..m`)"));
    }
    pos += 1;
    let size_token = &tokens[pos];
    let Tok::Ident(size) = &size_token.tok else {
        return Err(syntax(size_token, "the name of a size, such as `m`"));
    };
    let size = Symbol::from(*size);
    if tokens[pos + 1].tok != Tok::End {
        return Err(syntax(&tokens[pos + 1], "end of line"));
    }
    if is_reserved(size.as_str()) || defined.contains_key(&size) {
        return Err(semantic(
            size_token,
            format!("`{size}` cannot be a size: it is a function or defined by `let`"),
        ));
    }
    if let Some((kind, l, c)) = kinds.get(&size) {
        if *kind != Kind::Scalar {
            return Err(semantic(
                size_token,
                format!(
                    "`{size}` cannot be a size: it is {} on line {l}, column {c}",
                    kind.word()
                ),
            ));
        }
    }
    let declared = problem.ranges();
    for (name, t) in &names {
        if is_reserved(name.as_str()) || defined.contains_key(name) || *name == size {
            return Err(semantic(t, format!("`{name}` cannot be an index name")));
        }
        if let Some((kind, l, c)) = kinds.get(name) {
            return Err(semantic(
                t,
                format!(
                    "declare `{name}` before its first use: it is {} on line {l}, column {c}",
                    kind.word()
                ),
            ));
        }
        let stem = crate::index::stem(*name);
        let before = declared.size_of(*name);
        let stated = problem
            .indices
            .iter()
            .any(|d| d.names.iter().any(|n| crate::index::stem(*n) == stem));
        // A stem already declared keeps its range (an undeclared one has none yet).
        if stated && before != size {
            return Err(semantic(
                t,
                format!("`{name}` ranges over 1..{before} with `{stem}`: numbered names share their stem's range"),
            ));
        }
        if stem.is_empty() {
            return Err(semantic(t, format!("`{name}` cannot be an index name")));
        }
        kinds.insert(*name, (Kind::Index, line, t.column));
    }
    kinds
        .entry(size)
        .or_insert((Kind::Scalar, line, size_token.column));
    Ok(crate::problem::IndexDeclaration {
        names: names.into_iter().map(|(n, _)| n).collect(),
        size,
        line,
    })
}
