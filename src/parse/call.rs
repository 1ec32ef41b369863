//! The calls of the expression grammar: the built-in functions, `sum(j, E)`,
//! `delta(j, k)` and `d(E, x)` with what `d` may differentiate by. Owns no
//! other syntax.

use egg::Id;

use super::expr::{Node, Parsed, Parser};
use super::lexer::Tok;
use super::{is_reserved, Kind};
use crate::error::{Error, ErrorKind, Span};
use crate::language::Math;

impl Parser<'_, '_> {
    pub(super) fn call(&mut self, name: &str, column: usize) -> Parsed {
        let builtin = crate::language::FUNCTIONS
            .iter()
            .find(|(f, _)| *f == name)
            .map(|(_, n)| *n);
        let arity = match name {
            "exp" | "log" | "sqrt" => 1,
            "d" | "sum" | "delta" => 2,
            _ if builtin.is_some() => 0,
            _ => {
                let known: Vec<&str> = ["exp", "log", "sqrt"]
                    .into_iter()
                    .chain(crate::language::FUNCTIONS.iter().map(|(f, _)| *f))
                    .chain(["d", "sum", "delta"])
                    .collect();
                return Err(Box::new(self.semantic(
                    column,
                    column + name.chars().count(),
                    ErrorKind::Name,
                    format!(
                        "unknown function `{name}`; expected one of {}",
                        known.join(", ")
                    ),
                )));
            }
        };
        self.pos += 1; // the `(`
        self.enter()?;
        let id = match name {
            "sum" => {
                let (j, jsym, jcol, jwidth) = self.ident("an index name to sum over")?;
                self.check_index_name(j, jsym, jcol, jwidth)?;
                let j = self.add(Math::Var(jsym));
                self.expect(Tok::Comma, "`,` and the term to sum")?;
                let body = self.sum()?;
                self.add(Math::Sum([j, body.id]))
            }
            "delta" => {
                let (j_name, a, jcol, jwidth) = self.ident("an index name")?;
                self.check_index_name(j_name, a, jcol, jwidth)?;
                let j = self.add(Math::Var(a));
                self.expect(Tok::Comma, "`,` and a second index name")?;
                let (k, b, kcol, kwidth) = self.ident("an index name")?;
                self.check_index_name(k, b, kcol, kwidth)?;
                if let Some(ranges) = self.ranges {
                    if !ranges.same_range(a, b) {
                        return Err(Box::new(self.semantic(
                            kcol,
                            kcol + kwidth,
                            ErrorKind::Index,
                            format!(
                                "`delta({a}, {b})` compares indices of two ranges: `{a}` runs over 1..{} and `{b}` over 1..{}",
                                ranges.size_of(a),
                                ranges.size_of(b)
                            ),
                        )));
                    }
                }
                let k = self.add(Math::Var(b));
                self.add(Math::Delta([j, k]))
            }
            _ if arity == 0 => {
                let mut args = vec![self.sum()?.id];
                while args.len() < builtin.unwrap_or(1) {
                    self.expect(Tok::Comma, "`,` and the next argument")?;
                    args.push(self.sum()?.id);
                }
                let node = Math::function(name, &args).expect("a built-in function");
                self.add(node)
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
            end: close + 1,
        })
    }

    /// The `x` of `d(E, x)`: a free variable or an element `a[k]` of a free family.
    pub(super) fn variable_to_differentiate_by(&mut self) -> Result<Id, Error> {
        let var = self.peek().clone();
        let (v, sym, vcol, vwidth) = self.ident("a variable to differentiate by")?;
        if let Some(def_line) = self.defined.get(&sym) {
            return Err(self.semantic(vcol, vcol + vwidth, ErrorKind::Differentiation, format!(
                    "cannot differentiate by `{v}`: it is defined by `let`{}; expected a free variable",
                    if *def_line > 0 { format!(" on line {def_line}") } else { String::new() }
                )));
        }
        if is_reserved(v) {
            return Err(Error::syntax(
                Span::new(self.line, var.column, var.width),
                "a variable to differentiate by",
                var.tok.describe(),
            ));
        }
        if matches!(self.peek().tok, Tok::LBracket) {
            return Ok(self.indexed(v, sym, vcol)?.id);
        }
        self.record(sym, Kind::Scalar, vcol, vwidth)?;
        self.diff_vars.push((sym, vcol, vwidth));
        Ok(self.add(Math::Var(sym)))
    }
}
