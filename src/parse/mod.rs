//! Infix surface syntax to [`Problem`]: statements, expressions with the usual
//! precedence, name resolution and the checks that need source positions.
//! Does not evaluate or simplify anything beyond spotting a constant zero divisor.

mod layer;
mod lexer;
#[cfg(test)]
mod tests;

pub(crate) use lexer::is_invisible;

use std::collections::{BTreeMap, BTreeSet};

use egg::{Id, RecExpr, Symbol};
use num_rational::BigRational;
use num_traits::{Signed, Zero};

use crate::error::Error;
use crate::index::free_indices;
use crate::language::{Constant, Math};
use crate::problem::{Assumption, Claim, Definition, Problem, Relation};
use lexer::{tokenize, Tok, Token};

/// How deeply parentheses and operators may nest before the input is refused.
const MAX_DEPTH: usize = 200;

/// The lines of a source text as the parser numbers them: a leading byte-order
/// mark is dropped, and `\n`, `\r\n` and a lone `\r` all end a line (a file
/// with old Mac line endings is not one long line).
pub fn source_lines(text: &str) -> impl Iterator<Item = &str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text.strip_suffix('\n').unwrap_or(text);
    let text = text.strip_suffix('\r').unwrap_or(text);
    let mut rest = Some(text).filter(|t| !t.is_empty());
    std::iter::from_fn(move || {
        let t = rest?;
        match t.find(['\n', '\r']) {
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
    let mut kinds: Kinds = BTreeMap::new();
    // The first use of each name not (yet) defined: a later `let` of it is an error.
    let mut free_uses: std::collections::HashMap<String, (usize, usize)> =
        std::collections::HashMap::new();
    // Every scalar variable differentiated by: `n` may turn out to be the number of classes.
    let mut diff_vars: Vec<(Symbol, usize, usize, usize)> = Vec::new();
    for (index, raw) in source_lines(text).enumerate() {
        let line = index + 1;
        let content = raw.split('#').next().unwrap_or("");
        if content.trim().is_empty() {
            continue;
        }
        let tokens = tokenize(content, line)?;
        if layer::is_layer(&tokens) {
            let l = layer::parse_layer(&tokens, line, &defined, &problem.layers)?;
            problem.layers.push(l);
            continue;
        }
        let used = used_names(&tokens);
        if let (Some(Tok::Ident(k)), Some(Tok::Ident(name))) = (
            tokens.first().map(|t| &t.tok),
            tokens.get(1).map(|t| &t.tok),
        ) {
            if k == "let" {
                if let Some((first_line, column)) = free_uses.get(name) {
                    return Err(Error::Semantic {
                        line: *first_line,
                        column: *column,
                        width: name.chars().count(),
                        message: format!("`{name}` is used before its definition on line {line}"),
                    });
                }
                if let Some((_, column)) = used.iter().skip(1).find(|(n, _)| n == name) {
                    return Err(Error::Semantic {
                        line,
                        column: *column,
                        width: name.chars().count(),
                        message: format!("`{name}` is used in its own definition"),
                    });
                }
            }
        }
        for (name, column) in used.iter().skip(usize::from(
            matches!(tokens.first().map(|t| &t.tok), Some(Tok::Ident(k)) if k == "let"),
        )) {
            if !defined.contains_key(&Symbol::from(name.as_str())) {
                free_uses.entry(name.clone()).or_insert((line, *column));
            }
        }
        let mut p = Parser::new(&tokens, line, &defined, &families);
        p.kinds = Some(&mut kinds);
        let keyword = match &tokens[0].tok {
            Tok::Ident(k) if k == "let" || k == "assume" || k == "prove" => k.clone(),
            _ => return Err(p.expected("`let`, `assume`, `prove` or `layer`")),
        };
        p.pos = 1;
        match keyword.as_str() {
            "let" => {
                let (name, column, width) = p.ident("a name to define")?;
                if let Some(first) = defined.get(&Symbol::from(name.as_str())) {
                    return Err(Error::Semantic {
                        line,
                        column,
                        width,
                        message: format!("`{name}` is already defined on line {first}"),
                    });
                }
                if is_reserved(&name) {
                    return Err(Error::Semantic {
                        line,
                        column,
                        width,
                        message: format!("`{name}` is a function name and cannot be defined"),
                    });
                }
                let sym = Symbol::from(name.as_str());
                let param = if p.peek().tok == Tok::LBracket {
                    p.pos += 1;
                    let (j, jcol, jwidth) = p.ident("an index name")?;
                    p.check_index_name(&j, jcol, jwidth)?;
                    p.expect(Tok::RBracket, "`]`")?;
                    Some(Symbol::from(j.as_str()))
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
                    return Err(Error::Semantic {
                        line,
                        column: at,
                        width: stray.as_str().chars().count(),
                        message: match param {
                            Some(j) => format!(
                                "index `{stray}` is not bound here: only `{j}` and indices bound by `sum` may be used"
                            ),
                            None => format!(
                                "index `{stray}` is not bound here: bind it with `sum({stray}, ...)` or define `{name}[{stray}]`"
                            ),
                        },
                    });
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
                defined.insert(Symbol::from(name.as_str()), line);
                problem.definitions.push(Definition {
                    name: Symbol::from(name.as_str()),
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
    if indexed && kinds.get(&n).is_some_and(|k| k.0 == Kind::Scalar) && !defined.contains_key(&n) {
        if let Some((_, line, column, width)) = diff_vars.iter().find(|(s, ..)| *s == n) {
            return Err(Error::Semantic {
                line: *line,
                column: *column,
                width: *width,
                message: "cannot differentiate by `n`: in a problem with indices it is the number of classes; expected a free variable".into(),
            });
        }
        let expr: RecExpr<Math> = "(sum j 1)".parse().expect("a well-formed term");
        problem.definitions.insert(
            0,
            Definition {
                name: n,
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
type Kinds = BTreeMap<Symbol, (Kind, usize, usize)>;

/// Names that cannot be variables. (`delta` can: only `delta(j, k)` is the
/// Kronecker delta, so files that call a variable `delta` keep working.)
fn is_reserved(name: &str) -> bool {
    matches!(
        name,
        "exp" | "log" | "sqrt" | "d" | "sum" | "let" | "assume" | "prove"
    )
}

/// One parsed subexpression: its id, its value when it is a constant, its columns.
struct Node {
    id: Id,
    value: Option<BigRational>,
    column: usize,
    end: usize,
}

struct Parser<'a> {
    tokens: &'a [Token],
    pos: usize,
    line: usize,
    defined: &'a BTreeMap<Symbol, usize>,
    families: &'a BTreeSet<Symbol>,
    /// Kinds of names across the problem (absent when parsing a lone term).
    kinds: Option<&'a mut Kinds>,
    /// Index names used on this line, with their columns.
    index_uses: Vec<(Symbol, usize)>,
    expr: RecExpr<Math>,
    depth: usize,
    /// The scalar variables this line differentiates by, with column and width.
    diff_vars: Vec<(Symbol, usize, usize)>,
}

impl<'a> Parser<'a> {
    fn new(
        tokens: &'a [Token],
        line: usize,
        defined: &'a BTreeMap<Symbol, usize>,
        families: &'a BTreeSet<Symbol>,
    ) -> Self {
        Parser {
            tokens,
            pos: 0,
            line,
            defined,
            families,
            kinds: None,
            index_uses: Vec::new(),
            expr: RecExpr::default(),
            depth: 0,
            diff_vars: Vec::new(),
        }
    }

    /// Records that `name` is used as `kind`; a name has one kind per problem.
    fn record(
        &mut self,
        name: Symbol,
        kind: Kind,
        column: usize,
        width: usize,
    ) -> Result<(), Error> {
        let line = self.line;
        let Some(kinds) = self.kinds.as_deref_mut() else {
            return Ok(());
        };
        let (first, first_line, first_column) = *kinds.entry(name).or_insert((kind, line, column));
        if first == kind {
            return Ok(());
        }
        Err(Error::Semantic {
            line,
            column,
            width,
            message: format!(
                "`{name}` is {} here but {} on line {first_line}, column {first_column}",
                kind.word(),
                first.word()
            ),
        })
    }

    /// The column of the first use of index `name` on this line.
    fn index_column(&self, name: Symbol) -> Option<usize> {
        self.index_uses
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, c)| *c)
    }

    /// Checks and records an index name.
    fn check_index_name(&mut self, name: &str, column: usize, width: usize) -> Result<(), Error> {
        let sym = Symbol::from(name);
        if is_reserved(name) || self.defined.contains_key(&sym) {
            return Err(self.semantic(
                column,
                column + width,
                format!("`{name}` cannot be an index name"),
            ));
        }
        self.index_uses.push((sym, column));
        self.record(sym, Kind::Index, column, width)
    }

    /// `[j]` after a family name: the index, as a node.
    fn index(&mut self) -> Result<(Id, usize), Error> {
        self.expect(Tok::LBracket, "`[`")?;
        let (j, column, width) = self.ident("an index name")?;
        self.check_index_name(&j, column, width)?;
        let close = self.expect(Tok::RBracket, "`]`")?;
        Ok((
            self.add(Math::Var(Symbol::from(j.as_str()))),
            close.column + 1,
        ))
    }

    /// `a[j]`, with the family name already read.
    fn indexed(&mut self, name: &str, column: usize) -> Result<Node, Error> {
        let sym = Symbol::from(name);
        let width = name.chars().count();
        if is_reserved(name) {
            return Err(self.semantic(
                column,
                column + width,
                format!("`{name}` cannot be indexed"),
            ));
        }
        if self.defined.contains_key(&sym) && !self.families.contains(&sym) {
            return Err(self.semantic(
                column,
                column + width,
                format!("`{name}` is defined without an index and cannot be indexed"),
            ));
        }
        self.record(sym, Kind::Family, column, width)?;
        let family = self.add(Math::Var(sym));
        let (j, end) = self.index()?;
        let id = self.add(Math::Idx([family, j]));
        Ok(Node {
            id,
            value: None,
            column,
            end,
        })
    }

    fn peek(&self) -> &Token {
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn expected(&self, what: &str) -> Error {
        let t = self.peek();
        Error::Syntax {
            line: self.line,
            column: t.column,
            width: t.width,
            expected: what.into(),
            found: t.tok.describe(),
        }
    }

    fn semantic(&self, column: usize, end: usize, message: String) -> Error {
        Error::Semantic {
            line: self.line,
            column,
            width: end.saturating_sub(column).max(1),
            message,
        }
    }

    fn expect(&mut self, tok: Tok, what: &str) -> Result<Token, Error> {
        if self.peek().tok == tok {
            self.pos += 1;
            Ok(self.tokens[self.pos - 1].clone())
        } else {
            Err(self.expected(what))
        }
    }

    fn ident(&mut self, what: &str) -> Result<(String, usize, usize), Error> {
        let t = self.peek().clone();
        match t.tok {
            Tok::Ident(name) => {
                self.pos += 1;
                Ok((name, t.column, t.width))
            }
            _ => Err(self.expected(what)),
        }
    }

    /// An expression that must run to the end of the line.
    fn whole_expression(&mut self) -> Result<RecExpr<Math>, Error> {
        let e = self.expression_rec()?;
        if self.peek().tok != Tok::End {
            return Err(self.expected("an operator or end of line"));
        }
        Ok(e)
    }

    /// Parses an expression into a fresh term and leaves the cursor after it.
    fn expression_rec(&mut self) -> Result<RecExpr<Math>, Error> {
        self.expr = RecExpr::default();
        self.sum()?;
        Ok(std::mem::take(&mut self.expr))
    }

    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let t = self.peek();
            return Err(self.semantic(
                t.column,
                t.column + 1,
                format!("expression nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        Ok(())
    }

    fn add(&mut self, node: Math) -> Id {
        self.expr.add(node)
    }

    fn sum(&mut self) -> Result<Node, Error> {
        self.enter()?;
        let mut left = self.product()?;
        loop {
            let op = self.peek().tok.clone();
            if op != Tok::Plus && op != Tok::Minus {
                break;
            }
            self.pos += 1;
            let right = self.product()?;
            let value = match (&left.value, &right.value) {
                (Some(a), Some(b)) if op == Tok::Plus => Some(a + b),
                (Some(a), Some(b)) => Some(a - b),
                _ => None,
            };
            let id = if op == Tok::Plus {
                self.add(Math::Add([left.id, right.id]))
            } else {
                self.add(Math::Sub([left.id, right.id]))
            };
            left = Node {
                id,
                value,
                column: left.column,
                end: right.end,
            };
        }
        self.depth -= 1;
        Ok(left)
    }

    fn product(&mut self) -> Result<Node, Error> {
        let mut left = self.unary()?;
        loop {
            let op = self.peek().tok.clone();
            if op != Tok::Star && op != Tok::Slash {
                break;
            }
            self.pos += 1;
            let right = self.unary()?;
            if op == Tok::Slash && right.value.as_ref().is_some_and(Zero::is_zero) {
                return Err(self.semantic(
                    right.column,
                    right.end,
                    "division by the constant 0".into(),
                ));
            }
            let value = match (&left.value, &right.value) {
                (Some(a), Some(b)) if op == Tok::Star => Some(a * b),
                (Some(a), Some(b)) => Some(a / b),
                _ => None,
            };
            let id = if op == Tok::Star {
                self.add(Math::Mul([left.id, right.id]))
            } else {
                self.add(Math::Div([left.id, right.id]))
            };
            left = Node {
                id,
                value,
                column: left.column,
                end: right.end,
            };
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Node, Error> {
        if self.peek().tok == Tok::Minus {
            let column = self.peek().column;
            self.pos += 1;
            self.enter()?;
            let inner = self.unary()?;
            self.depth -= 1;
            let (id, value) = match (&inner.value, &self.expr[inner.id]) {
                (Some(v), Math::Num(_)) => {
                    let v = -v.clone();
                    self.expr = pop_last(std::mem::take(&mut self.expr), inner.id);
                    (self.add(Math::Num(Constant(v.clone()))), Some(v))
                }
                (value, _) => (self.add(Math::Neg(inner.id)), value.as_ref().map(|v| -v)),
            };
            return Ok(Node {
                id,
                value,
                column,
                end: inner.end,
            });
        }
        self.power()
    }

    fn power(&mut self) -> Result<Node, Error> {
        let base = self.primary()?;
        if self.peek().tok != Tok::Caret {
            return Ok(base);
        }
        self.pos += 1;
        self.enter()?;
        let exponent = self.unary()?;
        self.depth -= 1;
        if let (Some(b), Some(e)) = (&base.value, &exponent.value) {
            if b.is_zero() && e.is_negative() {
                return Err(self.semantic(
                    base.column,
                    exponent.end,
                    "division by the constant 0 (zero to a negative power)".into(),
                ));
            }
        }
        let id = self.add(Math::Pow([base.id, exponent.id]));
        Ok(Node {
            id,
            value: None,
            column: base.column,
            end: exponent.end,
        })
    }

    fn primary(&mut self) -> Result<Node, Error> {
        let t = self.peek().clone();
        let end = t.column + t.width;
        match t.tok {
            Tok::Number(v) => {
                self.pos += 1;
                let id = self.add(Math::Num(Constant(v.clone())));
                Ok(Node {
                    id,
                    value: Some(v),
                    column: t.column,
                    end,
                })
            }
            Tok::LParen => {
                self.pos += 1;
                let inner = self.sum()?;
                let close = self.expect(Tok::RParen, "`)` or an operator")?;
                Ok(Node {
                    column: t.column,
                    end: close.column + 1,
                    ..inner
                })
            }
            Tok::Ident(name) => {
                self.pos += 1;
                match self.peek().tok {
                    Tok::LParen => self.call(&name, t.column),
                    Tok::LBracket => self.indexed(&name, t.column),
                    _ => self.name(&name, t.column, end),
                }
            }
            _ => Err(self.expected("a number, a name, `-` or `(`")),
        }
    }

    fn name(&mut self, name: &str, column: usize, end: usize) -> Result<Node, Error> {
        if is_reserved(name) {
            return Err(self.semantic(
                column,
                end,
                format!("`{name}` is a function and needs arguments in parentheses"),
            ));
        }
        let sym = Symbol::from(name);
        if self.families.contains(&sym) {
            return Err(self.semantic(
                column,
                end,
                format!("`{name}` is defined with an index: write `{name}[j]`"),
            ));
        }
        self.record(sym, Kind::Scalar, column, end - column)?;
        let id = self.add(Math::Var(Symbol::from(name)));
        Ok(Node {
            id,
            value: None,
            column,
            end,
        })
    }

    fn call(&mut self, name: &str, column: usize) -> Result<Node, Error> {
        let arity = match name {
            "exp" | "log" | "sqrt" => 1,
            "d" | "sum" | "delta" => 2,
            _ => {
                return Err(self.semantic(
                    column,
                    column + name.chars().count(),
                    format!(
                        "unknown function `{name}`; expected one of exp, log, sqrt, d, sum, delta"
                    ),
                ))
            }
        };
        self.pos += 1; // the `(`
        self.enter()?;
        let id = match name {
            "sum" => {
                let (j, jcol, jwidth) = self.ident("an index name to sum over")?;
                self.check_index_name(&j, jcol, jwidth)?;
                let j = self.add(Math::Var(Symbol::from(j.as_str())));
                self.expect(Tok::Comma, "`,` and the term to sum")?;
                let body = self.sum()?;
                self.add(Math::Sum([j, body.id]))
            }
            "delta" => {
                let (j, jcol, jwidth) = self.ident("an index name")?;
                self.check_index_name(&j, jcol, jwidth)?;
                let j = self.add(Math::Var(Symbol::from(j.as_str())));
                self.expect(Tok::Comma, "`,` and a second index name")?;
                let (k, kcol, kwidth) = self.ident("an index name")?;
                self.check_index_name(&k, kcol, kwidth)?;
                let k = self.add(Math::Var(Symbol::from(k.as_str())));
                self.add(Math::Delta([j, k]))
            }
            _ if arity == 1 => {
                let arg = self.sum()?;
                match name {
                    "exp" => self.add(Math::Exp(arg.id)),
                    "log" => self.add(Math::Log(arg.id)),
                    _ => self.add(Math::Sqrt(arg.id)),
                }
            }
            _ => {
                let arg = self.sum()?;
                self.expect(Tok::Comma, "`,` and the variable to differentiate by")?;
                let x = self.variable_to_differentiate_by()?;
                self.add(Math::D([arg.id, x]))
            }
        };
        let close = self.expect(Tok::RParen, "`)`")?;
        self.depth -= 1;
        Ok(Node {
            id,
            value: None,
            column,
            end: close.column + 1,
        })
    }

    /// The `x` of `d(E, x)`: a free variable or an element `a[k]` of a free family.
    fn variable_to_differentiate_by(&mut self) -> Result<Id, Error> {
        let var = self.peek().clone();
        let (v, vcol, vwidth) = self.ident("a variable to differentiate by")?;
        let sym = Symbol::from(v.as_str());
        if let Some(def_line) = self.defined.get(&sym) {
            return Err(self.semantic(
                vcol,
                vcol + vwidth,
                format!(
                    "cannot differentiate by `{v}`: it is defined by `let`{}; expected a free variable",
                    if *def_line > 0 { format!(" on line {def_line}") } else { String::new() }
                ),
            ));
        }
        if is_reserved(&v) {
            return Err(Error::Syntax {
                line: self.line,
                column: var.column,
                width: var.width,
                expected: "a variable to differentiate by".into(),
                found: var.tok.describe(),
            });
        }
        if self.peek().tok == Tok::LBracket {
            return Ok(self.indexed(&v, vcol)?.id);
        }
        self.record(sym, Kind::Scalar, vcol, vwidth)?;
        self.diff_vars.push((sym, vcol, vwidth));
        Ok(self.add(Math::Var(sym)))
    }
}

/// Removes the last node of `expr` when it is `id` (a literal about to be negated).
fn pop_last(expr: RecExpr<Math>, id: Id) -> RecExpr<Math> {
    let nodes: Vec<Math> = expr.as_ref().to_vec();
    if usize::from(id) + 1 == nodes.len() {
        RecExpr::from(nodes[..nodes.len() - 1].to_vec())
    } else {
        RecExpr::from(nodes)
    }
}

/// The names a statement uses (not its keyword, not function names), with
/// their columns, in order; for a `let`, the defined name comes first.
fn used_names(tokens: &[Token]) -> Vec<(String, usize)> {
    tokens
        .iter()
        .enumerate()
        .skip(1)
        .filter_map(|(i, t)| match &t.tok {
            Tok::Ident(s)
                if !is_reserved(s) && tokens.get(i + 1).map(|n| &n.tok) != Some(&Tok::LParen) =>
            {
                Some((s.clone(), t.column))
            }
            _ => None,
        })
        .collect()
}
