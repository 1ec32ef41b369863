//! Infix surface syntax to [`Problem`]: statements, expressions with the usual
//! precedence, name resolution and the checks that need source positions.
//! Does not evaluate or simplify anything beyond spotting a constant zero divisor.

mod call;
mod declaration;
mod expr;
mod indices;
mod layer;
mod lexer;
use declaration::{is_index_statement, parse_index};
#[cfg(test)]
mod tests;

pub(crate) use lexer::is_invisible;

use std::collections::{BTreeMap, BTreeSet};

use egg::{Id, RecExpr, Symbol};
use rustc_hash::FxHashMap;

use crate::error::{Error, ErrorKind, Span};
use crate::index::free_indices;
use crate::language::Math;
use crate::problem::{Assumption, Claim, Definition, Problem, Relation};
use expr::Parser;
use lexer::{tokenize, Tok, Token};

/// How deeply parentheses and operators may nest before the input is refused.
const MAX_DEPTH: usize = 200;

/// How long a chain of definitions, each using the one before, may be: every
/// stage reads a name through its definition, so the chain is a depth of
/// recursion too.
pub const MAX_DEFINITION_DEPTH: usize = 2000;

/// The lines of a source text as the parser numbers them: a leading byte-order
/// mark is dropped, and `\n`, `\r\n` and a lone `\r` all end a line (a file
/// with old Mac line endings is not one long line).
pub fn source_lines(text: &str) -> impl Iterator<Item = &str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text.strip_suffix('\n').unwrap_or(text);
    let text = text.strip_suffix('\r').unwrap_or(text);
    let mut rest = Some(text).filter(|t| !t.is_empty());
    // Without a `\r` (the usual text), a line ends at the next `\n`, which
    // the search for a single byte finds fastest.
    let returns = text.contains('\r');
    std::iter::from_fn(move || {
        let t = rest?;
        // `\n` and `\r` are bytes that no wider character contains.
        let end = if returns {
            t.bytes().position(|b| b == b'\n' || b == b'\r')
        } else {
            t.find('\n')
        };
        match end {
            Some(i) => {
                let skip = if t[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = Some(&t[i + skip..]);
                Some(&t[..i])
            }
            None => {
                rest = None;
                Some(t)
            }
        }
    })
}

/// Parses and checks a whole problem file.
///
/// ```
/// let p = backprove::parse_problem("let y = x^2\nprove d(y, x) = 2*x").unwrap();
/// assert_eq!(p.claims.len(), 1);
/// ```
pub fn parse_problem(text: &str) -> Result<Problem, Error> {
    let mut problem = Problem::default();
    let mut defined: BTreeMap<Symbol, usize> = BTreeMap::new();
    let mut families: BTreeSet<Symbol> = BTreeSet::new();
    let mut kinds: Kinds = FxHashMap::default();
    // The first use of each name not (yet) defined: a later `let` of it is an error.
    let mut free_uses: FxHashMap<Symbol, (usize, usize)> = FxHashMap::default();
    // Every scalar variable differentiated by: `n` may turn out to be the number of classes.
    let mut diff_vars: Vec<(Symbol, usize, usize, usize)> = Vec::new();
    let mut shapes: BTreeMap<Symbol, expr::Shape> = BTreeMap::new();
    let mut params: BTreeMap<Symbol, Symbol> = BTreeMap::new();
    // How many definitions deep each name defined so far reads: the keys are
    // those of `defined`, found by hashing (the problem's names are many).
    let mut def_depth: FxHashMap<Symbol, usize> = FxHashMap::default();
    // Each name's symbol, once interned by this parse: a file uses a name
    // again and again, and a lookup here is cheaper than interning.
    let mut interned: FxHashMap<&str, Symbol> = FxHashMap::default();
    let mut intern = |name| *interned.entry(name).or_insert_with(|| Symbol::from(name));
    let mut ranges = crate::index::Ranges::default();
    // Per statement, kept from line to line so their room is reused: the
    // names used, each token's symbol, the symbols of the names used.
    let mut used: Vec<Used> = Vec::new();
    let mut symbols: Vec<Option<Symbol>> = Vec::new();
    let mut uses: Vec<(Symbol, usize)> = Vec::new();
    for (index, raw) in source_lines(text).enumerate() {
        let line = index + 1;
        let content = raw.split('#').next().unwrap_or("");
        if content.trim().is_empty() {
            continue;
        }
        let tokens = tokenize(content, line).map_err(|e| layer::in_title(content, e))?;
        if layer::is_layer(&tokens) {
            let l = layer::parse_layer(&tokens, line, &defined, &problem.layers)?;
            problem.layers.push(l);
            continue;
        }
        if is_index_statement(&tokens) {
            let d = parse_index(&tokens, line, &mut kinds, &defined, &problem)?;
            problem.indices.push(d);
            ranges = problem.ranges();
            continue;
        }
        used_names(&tokens, &mut used);
        let is_let = matches!(tokens[0].tok, Tok::Ident("let"));
        // Each name the statement uses, interned once and in order (a `let`'s
        // defined name after the names of its body); the parser reads them here.
        symbols.clear();
        symbols.resize(tokens.len(), None);
        uses.clear();
        uses.extend(used.iter().skip(usize::from(is_let)).map(|u| {
            let sym = intern(u.name);
            symbols[u.pos] = Some(sym);
            (sym, u.column)
        }));
        if let (true, Some(Tok::Ident(name))) = (is_let, tokens.get(1).map(|t| &t.tok)) {
            let sym = intern(name);
            symbols[1] = Some(sym);
            if let Some((first_line, column)) = free_uses.get(&sym) {
                return Err(Error::semantic(
                    Span::new(*first_line, *column, name.chars().count()),
                    ErrorKind::Name,
                    format!("`{name}` is used before its definition on line {line}"),
                ));
            }
            if let Some(u) = used.iter().skip(1).find(|u| u.name == *name) {
                return Err(Error::semantic(
                    Span::new(line, u.column, name.chars().count()),
                    ErrorKind::Name,
                    format!("`{name}` is used in its own definition"),
                ));
            }
        }
        for (sym, column) in &uses {
            if !def_depth.contains_key(sym) {
                free_uses.entry(*sym).or_insert((line, *column));
            }
        }
        let mut p = Parser::new(&tokens, line, &defined, &families);
        p.symbols = &symbols;
        p.kinds = Some(&mut kinds);
        p.shapes = Some(&mut shapes);
        p.ranges = Some(&ranges);
        p.params = Some(&params);
        let keyword = match tokens[0].tok {
            Tok::Ident(k @ ("let" | "assume" | "prove")) => k,
            _ => return Err(p.expected("`let`, `assume`, `prove`, `index` or `layer`")),
        };
        p.pos = 1;
        match keyword {
            "let" => {
                let (name, sym, column, width) = p.ident("a name to define")?;
                if let Some(first) = defined.get(&sym) {
                    return Err(Error::semantic(
                        Span::new(line, column, width),
                        ErrorKind::Name,
                        format!("`{name}` is already defined on line {first}"),
                    ));
                }
                if is_reserved(name) {
                    return Err(Error::semantic(
                        Span::new(line, column, width),
                        ErrorKind::Name,
                        format!("`{name}` is a function name and cannot be defined"),
                    ));
                }
                if let Some(d) = problem.indices.iter().find(|d| d.size.as_str() == name) {
                    return Err(Error::semantic(
                        Span::new(line, column, width),
                        ErrorKind::Name,
                        format!(
                            "`{name}` is the size of the range of `{}` (line {}) and cannot be defined",
                            d.names[0], d.line
                        ),
                    ));
                }
                let param = if matches!(p.peek().tok, Tok::LBracket) {
                    p.pos += 1;
                    let (j, jsym, jcol, jwidth) = p.ident("an index name")?;
                    p.check_index_name(j, jsym, jcol, jwidth)?;
                    p.expect(Tok::RBracket, "`]`")?;
                    Some(jsym)
                } else {
                    None
                };
                let kind = if param.is_some() {
                    Kind::Family
                } else {
                    Kind::Scalar
                };
                p.record(sym, kind, column, width)?;
                p.expect(Tok::Eq, "`=`")?;
                let start = p.peek().column;
                let body = p.whole_expression()?;
                diff_vars.extend(p.diff_vars.drain(..).map(|(s, c, w)| (s, line, c, w)));
                let root = Id::from(body.as_ref().len() - 1);
                if let Some(stray) = free_indices(&body, root)
                    .into_iter()
                    .find(|i| Some(*i) != param)
                {
                    let at = p.index_column(stray).unwrap_or(start);
                    return Err(Error::semantic(Span::new(line, at, stray.as_str().chars().count()), ErrorKind::Index, match param {
                            Some(j) => format!(
                                "index `{stray}` is not bound here: only `{j}` and indices bound by `sum` may be used"
                            ),
                            None => format!(
                                "index `{stray}` is not bound here: bind it with `sum({stray}, ...)` or define `{name}[{stray}]`"
                            ),
                        }));
                }
                let expr = match param {
                    Some(j) => {
                        let mut nodes = body.as_ref().to_vec();
                        nodes.push(Math::Var(j));
                        let j = Id::from(nodes.len() - 1);
                        nodes.push(Math::Lambda([j, root]));
                        families.insert(sym);
                        RecExpr::from(nodes)
                    }
                    None => body,
                };
                // How many definitions deep this one reads.
                let depth = 1 + uses
                    .iter()
                    .filter_map(|(u, _)| def_depth.get(u))
                    .max()
                    .unwrap_or(&0);
                if depth > MAX_DEFINITION_DEPTH {
                    return Err(Error::semantic(
                        Span::new(line, column, width),
                        ErrorKind::TooLarge,
                        format!(
                            "`{name}` is defined through a chain of {depth} definitions, each using one defined before it: the limit is {MAX_DEFINITION_DEPTH}"
                        ),
                    ));
                }
                def_depth.insert(sym, depth);
                defined.insert(sym, line);
                if let Some(j) = param {
                    params.insert(sym, j);
                }
                problem.definitions.push(Definition {
                    name: sym,
                    expr,
                    line,
                });
            }
            "assume" => {
                let lhs = p.expression_rec()?;
                let relation = match p.peek().tok {
                    Tok::Eq => Relation::Eq,
                    Tok::Gt => Relation::Gt,
                    Tok::Ge => Relation::Ge,
                    Tok::Ne => Relation::Ne,
                    _ => return Err(p.expected("`=`, `>`, `>=` or `!=`")),
                };
                p.pos += 1;
                let rhs = p.whole_expression()?;
                diff_vars.extend(p.diff_vars.into_iter().map(|(s, c, w)| (s, line, c, w)));
                problem.assumptions.push(Assumption {
                    lhs,
                    relation,
                    rhs,
                    line,
                });
            }
            _ => {
                let lhs = p.expression_rec()?;
                p.expect(Tok::Eq, "`=`")?;
                let rhs = p.whole_expression()?;
                diff_vars.extend(p.diff_vars.into_iter().map(|(s, c, w)| (s, line, c, w)));
                problem.claims.push(Claim { lhs, rhs, line });
            }
        }
    }
    // In a problem with indices, an undefined `n` is the number of classes:
    // it is defined, first, as `sum(j, 1)`.
    let n = Symbol::from("n");
    let indexed = kinds.values().any(|k| k.0 != Kind::Scalar);
    // A point (a spot check, a counterexample) names the number of classes
    // `n`, or `classes` where the file defines its own `n`: no other name may
    // be called so.
    let key = if defined.contains_key(&n) {
        "classes"
    } else {
        "n"
    };
    let clash = kinds
        .get(&Symbol::from(key))
        .filter(|k| indexed && (key == "classes" || k.0 == Kind::Index));
    if let Some((kind, line, column)) = clash {
        return Err(Error::semantic(
            Span::new(*line, *column, key.len()),
            ErrorKind::Name,
            format!(
                "`{key}` is {} here, but in a problem with indices a point names the number of classes `{key}`; expected another name",
                kind.word()
            ),
        ));
    }
    // A declared range's size is a number of terms, not a variable.
    if let Some((s, line, column, width)) = diff_vars.iter().find(|(s, ..)| problem.is_size(*s)) {
        return Err(Error::semantic(
            Span::new(*line, *column, *width),
            ErrorKind::Differentiation,
            format!("cannot differentiate by `{s}`: it is the size of a declared index range; expected a free variable"),
        ));
    }
    if indexed && kinds.get(&n).is_some_and(|k| k.0 == Kind::Scalar) && !defined.contains_key(&n) {
        if let Some((_, line, column, width)) = diff_vars.iter().find(|(s, ..)| *s == n) {
            return Err(Error::semantic(Span::new(*line, *column, *width), ErrorKind::Differentiation, "cannot differentiate by `n`: in a problem with indices it is the number of classes; expected a free variable"));
        }
        // Over an index of the classes' own range that names nothing else:
        // `j`, unless the file declares it over another range or uses it
        // otherwise (then `n = sum(j, 1)` would count another range, or not
        // read back from a certificate).
        let ranges = problem.ranges();
        let letters = "jkilpqrsuvwxyzabcdefghmot".chars().map(String::from);
        let pairs = ('a'..='z').flat_map(|a| ('a'..='z').map(move |b| format!("{a}{b}")));
        let j = letters
            .chain(pairs)
            .map(|c| Symbol::from(c.as_str()))
            .find(|c| {
                *c != n
                    && ranges.size_of(*c).as_str() == crate::language::CLASSES
                    && kinds.get(c).is_none_or(|k| k.0 == Kind::Index)
            })
            .unwrap_or_else(|| Symbol::from("j"));
        let expr = RecExpr::from(vec![
            Math::Var(j),
            Math::Num(crate::language::Constant::int(1)),
            Math::Sum([Id::from(0), Id::from(1)]),
        ]);
        problem.definitions.insert(
            0,
            Definition {
                name: n,
                expr,
                line: 0,
            },
        );
    }
    // A declared size `m` is defined, first, as `sum(i, 1)` over its first index.
    for (k, (size, stem)) in problem.ranges().sizes().iter().enumerate() {
        let i = problem
            .indices
            .iter()
            .find(|d| d.size == *size)
            .map_or(*stem, |d| d.names[0]);
        let expr = RecExpr::from(vec![
            Math::Var(i),
            Math::Num(crate::language::Constant::int(1)),
            Math::Sum([Id::from(0), Id::from(1)]),
        ]);
        problem.definitions.insert(
            k,
            Definition {
                name: *size,
                expr,
                line: 0,
            },
        );
    }
    Ok(problem)
}

/// Parses one expression (as given to `backprove diff`), with the given names defined.
pub fn parse_expression(text: &str, defined: &[Symbol]) -> Result<RecExpr<Math>, Error> {
    let defined: BTreeMap<Symbol, usize> = defined.iter().map(|s| (*s, 0)).collect();
    parse_term(text, &defined, &BTreeSet::new())
}

/// Parses one expression, with the defined names given as a map (built once
/// by callers that parse many) and the names defined with an index.
pub(crate) fn parse_term(
    text: &str,
    defined: &BTreeMap<Symbol, usize>,
    families: &BTreeSet<Symbol>,
) -> Result<RecExpr<Math>, Error> {
    let tokens = tokenize(text, 1)?;
    let mut p = Parser::new(&tokens, 1, defined, families);
    p.whole_expression()
}

/// [`parse_term`] within `problem`'s ranges: `delta` within one range, and a
/// defined family indexed within its own index's range (as in a problem file).
pub(crate) fn parse_term_in(
    text: &str,
    defined: &BTreeMap<Symbol, usize>,
    problem: &Problem,
) -> Result<RecExpr<Math>, Error> {
    let tokens = tokenize(text, 1)?;
    let families = problem.families();
    let ranges = problem.ranges();
    let params: BTreeMap<Symbol, Symbol> = problem
        .definitions
        .iter()
        .filter_map(|d| match d.expr.as_ref().last() {
            Some(Math::Lambda([j, _])) => match &d.expr[*j] {
                Math::Var(j) => Some((d.name, *j)),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let mut p = Parser::new(&tokens, 1, defined, &families);
    p.ranges = Some(&ranges);
    p.params = Some(&params);
    p.whole_expression()
}

/// What a name is used as, throughout a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A variable or a `let` name without index.
    Scalar,
    /// An indexed family `a[j]`, free or defined with `let y[j]`.
    Family,
    /// An index name.
    Index,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Scalar => "a variable",
            Kind::Family => "an indexed family",
            Kind::Index => "an index",
        }
    }
}

/// Each name's kind, with where it was first used.
type Kinds = FxHashMap<Symbol, (Kind, usize, usize)>;

/// Names that cannot be variables. (`delta` can: only `delta(j, k)` is the
/// Kronecker delta, so files that call a variable `delta` keep working.)
fn is_reserved(name: &str) -> bool {
    matches!(
        name,
        "exp" | "log" | "sqrt" | "d" | "sum" | "let" | "assume" | "prove"
    ) || crate::language::FUNCTIONS.iter().any(|(f, _)| *f == name)
}

/// The names a statement uses (not its keyword, not function names), each
/// with its token's position and its column, in order, in `out` (emptied
/// first); for a `let`, the defined name comes first.
fn used_names<'a>(tokens: &[Token<'a>], out: &mut Vec<Used<'a>>) {
    out.clear();
    out.extend(
        tokens
            .iter()
            .enumerate()
            .skip(1)
            .filter_map(|(i, t)| match t.tok {
                Tok::Ident(name)
                    if !is_reserved(name)
                        && tokens.get(i + 1).map(|n| &n.tok) != Some(&Tok::LParen) =>
                {
                    Some(Used {
                        name,
                        pos: i,
                        column: t.column,
                    })
                }
                _ => None,
            }),
    );
}

/// A name a statement uses: its text, its token's position, its column.
struct Used<'a> {
    name: &'a str,
    pos: usize,
    column: usize,
}
