//! The expression grammar: the recursive-descent [`Parser`] for one line's
//! tokens (sums, products, unary minus, powers, names; calls are in
//! `call.rs`, indices in `indices.rs`), building a [`Math`] term with the
//! checks that need source positions. Owns no statement grammar (that is
//! `mod.rs`) and no tokenizing.

use std::collections::{BTreeMap, BTreeSet};

use egg::{Id, RecExpr, Symbol};
use num_rational::BigRational;
use num_traits::{Signed, Zero};

use super::lexer::{Tok, Token};
use super::{is_reserved, Kind, Kinds, MAX_DEPTH};
use crate::error::{Error, ErrorKind, Span};
use crate::language::{Constant, Math};

/// One parsed subexpression: its id, its value when it is a constant, its columns.
pub(super) struct Node {
    pub(super) id: Id,
    pub(super) value: Option<Box<BigRational>>,
    pub(super) column: usize,
    pub(super) end: usize,
}

/// A subexpression, or why there is none. Every level of the grammar passes
/// it up, so it is kept small: the value and the error are boxed.
pub(super) type Parsed = Result<Node, Box<Error>>;

pub(super) struct Parser<'a, 't> {
    pub(super) tokens: &'a [Token<'t>],
    /// The symbol of each name token, when the caller interned it before
    /// parsing (`symbols[k]` is `Symbol::from` of token `k`'s name); empty
    /// or `None`: interned when read.
    pub(super) symbols: &'a [Option<Symbol>],
    pub(super) pos: usize,
    pub(super) line: usize,
    pub(super) defined: &'a BTreeMap<Symbol, usize>,
    pub(super) families: &'a BTreeSet<Symbol>,
    /// Kinds of names across the problem (absent when parsing a lone term).
    pub(super) kinds: Option<&'a mut Kinds>,
    /// Index names used on this line, with their columns.
    pub(super) index_uses: Vec<(Symbol, usize)>,
    pub(super) expr: RecExpr<Math>,
    pub(super) depth: usize,
    /// The scalar variables this line differentiates by, with column and width.
    pub(super) diff_vars: Vec<(Symbol, usize, usize)>,
    /// How each family is indexed across the problem, as first used (absent
    /// when parsing a lone term).
    pub(super) shapes: Option<&'a mut BTreeMap<Symbol, Shape>>,
    /// The declared index ranges, for `delta` (absent: every index ranges over `1..n`).
    pub(super) ranges: Option<&'a crate::index::Ranges>,
    /// The index each defined family is defined over (`y` -> `j` for `let y[j]`).
    pub(super) params: Option<&'a BTreeMap<Symbol, Symbol>>,
}

/// How a family was first indexed: each index with its range's size, and where.
#[derive(Debug, Clone)]
pub(crate) struct Shape {
    /// Each index, its range's size and its column.
    pub(super) indices: Vec<(Symbol, Symbol, usize)>,
    pub(super) line: usize,
    pub(super) column: usize,
}

impl<'a, 't> Parser<'a, 't> {
    pub(super) fn new(
        tokens: &'a [Token<'t>],
        line: usize,
        defined: &'a BTreeMap<Symbol, usize>,
        families: &'a BTreeSet<Symbol>,
    ) -> Self {
        Parser {
            tokens,
            symbols: &[],
            pos: 0,
            line,
            defined,
            families,
            kinds: None,
            index_uses: Vec::new(),
            expr: RecExpr::default(),
            depth: 0,
            diff_vars: Vec::new(),
            shapes: None,
            ranges: None,
            params: None,
        }
    }

    /// Records that `name` is used as `kind`; a name has one kind per problem.
    pub(super) fn record(
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
        Err(Error::semantic(
            Span::new(line, column, width),
            ErrorKind::Name,
            format!(
                "`{name}` is {} here but {} on line {first_line}, column {first_column}",
                kind.word(),
                first.word()
            ),
        ))
    }

    /// The symbol of the name `name` at token `pos`: the one interned before
    /// parsing, if any, else `Symbol::from(name)`.
    fn symbol_at(&self, pos: usize, name: &str) -> Symbol {
        match self.symbols.get(pos) {
            Some(Some(s)) => {
                debug_assert_eq!(s.as_str(), name);
                *s
            }
            _ => Symbol::from(name),
        }
    }

    /// The column of the first use of index `name` on this line.
    pub(super) fn index_column(&self, name: Symbol) -> Option<usize> {
        self.index_uses
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, c)| *c)
    }

    /// Checks and records an index name.
    pub(super) fn check_index_name(
        &mut self,
        name: &str,
        sym: Symbol,
        column: usize,
        width: usize,
    ) -> Result<(), Error> {
        if is_reserved(name) || self.defined.contains_key(&sym) {
            return Err(self.semantic(
                column,
                column + width,
                ErrorKind::Index,
                format!("`{name}` cannot be an index name"),
            ));
        }
        self.index_uses.push((sym, column));
        self.record(sym, Kind::Index, column, width)
    }

    /// `a[j]`, with the family name already read.
    pub(super) fn indexed(
        &mut self,
        name: &str,
        sym: Symbol,
        column: usize,
    ) -> Result<Node, Error> {
        let width = name.chars().count();
        if is_reserved(name) {
            return Err(self.semantic(
                column,
                column + width,
                ErrorKind::Index,
                format!("`{name}` cannot be indexed"),
            ));
        }
        if self.defined.contains_key(&sym) && !self.families.contains(&sym) {
            return Err(self.semantic(
                column,
                column + width,
                ErrorKind::Index,
                format!("`{name}` is defined without an index and cannot be indexed"),
            ));
        }
        self.record(sym, Kind::Family, column, width)?;
        let family = self.add(Math::Var(sym));
        let (indices, end) = self.indices()?;
        self.check_family_ranges(sym, &indices, column, end)?;
        self.record_shape(sym, &indices, column)?;
        let mut children = vec![family];
        children.extend(indices);
        let id = self.add(Math::Idx(children.into()));
        Ok(Node {
            id,
            value: None,
            column,
            end,
        })
    }

    pub(super) fn peek(&self) -> &Token<'t> {
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    pub(super) fn expected(&self, what: &str) -> Error {
        let t = self.peek();
        Error::syntax(
            Span::new(self.line, t.column, t.width),
            what,
            t.tok.describe(),
        )
    }

    pub(super) fn semantic(
        &self,
        column: usize,
        end: usize,
        kind: ErrorKind,
        message: String,
    ) -> Error {
        Error::semantic(
            Span::new(self.line, column, end.saturating_sub(column)),
            kind,
            message,
        )
    }

    /// Reads the token `tok` (one without a value), or fails; its column.
    pub(super) fn expect(&mut self, tok: Tok<'_>, what: &str) -> Result<usize, Error> {
        let t = self.peek();
        if t.tok == tok {
            let column = t.column;
            self.pos += 1;
            Ok(column)
        } else {
            Err(self.expected(what))
        }
    }

    /// A name, with its symbol, column and width.
    pub(super) fn ident(&mut self, what: &str) -> Result<(&'t str, Symbol, usize, usize), Error> {
        let tokens: &'a [Token<'t>] = self.tokens;
        let t = &tokens[self.pos.min(tokens.len() - 1)];
        match t.tok {
            Tok::Ident(name) => {
                let sym = self.symbol_at(self.pos, name);
                self.pos += 1;
                Ok((name, sym, t.column, t.width))
            }
            _ => Err(self.expected(what)),
        }
    }

    /// An expression that must run to the end of the line.
    pub(super) fn whole_expression(&mut self) -> Result<RecExpr<Math>, Error> {
        let e = self.expression_rec()?;
        if !matches!(self.peek().tok, Tok::End) {
            return Err(self.expected("an operator or end of line"));
        }
        Ok(e)
    }

    /// Parses an expression into a fresh term and leaves the cursor after it.
    pub(super) fn expression_rec(&mut self) -> Result<RecExpr<Math>, Error> {
        // Each token makes at most one node: room for them all, so a long
        // sum is not copied again and again as it grows.
        let room = self.tokens.len().saturating_sub(self.pos);
        self.expr = RecExpr::from(Vec::with_capacity(room));
        self.sum().map_err(|e| *e)?;
        Ok(std::mem::take(&mut self.expr))
    }

    pub(super) fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let t = self.peek();
            return Err(self.semantic(
                t.column,
                t.column + 1,
                ErrorKind::TooLarge,
                format!("expression nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        Ok(())
    }

    pub(super) fn add(&mut self, node: Math) -> Id {
        self.expr.add(node)
    }

    pub(super) fn sum(&mut self) -> Parsed {
        self.enter()?;
        let mut left = self.product()?;
        loop {
            let plus = match self.peek().tok {
                Tok::Plus => true,
                Tok::Minus => false,
                _ => break,
            };
            self.pos += 1;
            let right = self.product()?;
            let value = match (&left.value, &right.value) {
                (Some(a), Some(b)) if plus => Some(Box::new(&**a + &**b)),
                (Some(a), Some(b)) => Some(Box::new(&**a - &**b)),
                _ => None,
            };
            let id = if plus {
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

    pub(super) fn product(&mut self) -> Parsed {
        let mut left = self.unary()?;
        loop {
            let times = match self.peek().tok {
                Tok::Star => true,
                Tok::Slash => false,
                _ => break,
            };
            self.pos += 1;
            let right = self.unary()?;
            if !times && right.value.as_ref().is_some_and(|v| v.is_zero()) {
                return Err(self
                    .semantic(
                        right.column,
                        right.end,
                        ErrorKind::Arithmetic,
                        "division by the constant 0".into(),
                    )
                    .into());
            }
            let value = match (&left.value, &right.value) {
                (Some(a), Some(b)) if times => Some(Box::new(&**a * &**b)),
                (Some(a), Some(b)) => Some(Box::new(&**a / &**b)),
                _ => None,
            };
            let id = if times {
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

    pub(super) fn unary(&mut self) -> Parsed {
        if matches!(self.peek().tok, Tok::Minus) {
            let column = self.peek().column;
            self.pos += 1;
            self.enter()?;
            let inner = self.unary()?;
            self.depth -= 1;
            let (id, value) = match (&inner.value, &self.expr[inner.id]) {
                (Some(v), Math::Num(_)) => {
                    let v = -BigRational::clone(v);
                    self.expr = pop_last(std::mem::take(&mut self.expr), inner.id);
                    (self.add(Math::Num(Constant(v.clone()))), Some(Box::new(v)))
                }
                (value, _) => (
                    self.add(Math::Neg(inner.id)),
                    value.as_ref().map(|v| Box::new(-&**v)),
                ),
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

    pub(super) fn power(&mut self) -> Parsed {
        let base = self.primary()?;
        if !matches!(self.peek().tok, Tok::Caret) {
            return Ok(base);
        }
        self.pos += 1;
        self.enter()?;
        let exponent = self.unary()?;
        self.depth -= 1;
        if let (Some(b), Some(e)) = (&base.value, &exponent.value) {
            if b.is_zero() && e.is_negative() {
                return Err(self
                    .semantic(
                        base.column,
                        exponent.end,
                        ErrorKind::Arithmetic,
                        "division by the constant 0 (zero to a negative power)".into(),
                    )
                    .into());
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

    pub(super) fn primary(&mut self) -> Parsed {
        // The token slice outlives the parser's borrow: no token is copied.
        let tokens: &'a [Token<'t>] = self.tokens;
        let t = &tokens[self.pos.min(tokens.len() - 1)];
        let end = t.column + t.width;
        match &t.tok {
            Tok::Number(v) => {
                self.pos += 1;
                let id = self.add(Math::Num(Constant(BigRational::clone(v))));
                Ok(Node {
                    id,
                    value: Some(v.clone()),
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
                    end: close + 1,
                    ..inner
                })
            }
            Tok::Ident(name) => {
                let at = self.pos;
                self.pos += 1;
                match self.peek().tok {
                    Tok::LParen => self.call(name, t.column),
                    Tok::LBracket => {
                        let sym = self.symbol_at(at, name);
                        Ok(self.indexed(name, sym, t.column)?)
                    }
                    _ => self.name(name, at, t.column, end),
                }
            }
            _ => Err(self.expected("a number, a name, `-` or `(`").into()),
        }
    }

    /// The name `name` (token `at`) as a variable.
    pub(super) fn name(&mut self, name: &str, at: usize, column: usize, end: usize) -> Parsed {
        if is_reserved(name) {
            return Err(self
                .semantic(
                    column,
                    end,
                    ErrorKind::Name,
                    format!("`{name}` is a function and needs arguments in parentheses"),
                )
                .into());
        }
        let sym = self.symbol_at(at, name);
        if self.families.contains(&sym) {
            return Err(self
                .semantic(
                    column,
                    end,
                    ErrorKind::Index,
                    format!("`{name}` is defined with an index: write `{name}[j]`"),
                )
                .into());
        }
        self.record(sym, Kind::Scalar, column, end - column)?;
        let id = self.add(Math::Var(sym));
        Ok(Node {
            id,
            value: None,
            column,
            end,
        })
    }
}

/// Removes the last node of `expr` when it is `id` (a literal about to be negated).
pub(super) fn pop_last(expr: RecExpr<Math>, id: Id) -> RecExpr<Math> {
    let mut nodes: Vec<Math> = expr.into();
    if usize::from(id) + 1 == nodes.len() {
        nodes.pop();
    }
    RecExpr::from(nodes)
}
