//! The index part of the expression grammar: `[i, j]` after a family name,
//! one number of indices per family, and a defined family read within its
//! own index's range. Owns no other syntax.

use egg::{Id, Symbol};

use super::expr::Parser;
use super::lexer::Tok;
use crate::error::{Error, ErrorKind};
use crate::language::Math;

impl Parser<'_> {
    /// `[j]` or `[i, j]` after a family name: the indices, as nodes.
    pub(super) fn indices(&mut self) -> Result<(Vec<Id>, usize), Error> {
        self.expect(Tok::LBracket, "`[`")?;
        let mut out = Vec::new();
        loop {
            let (j, column, width) = self.ident("an index name")?;
            self.check_index_name(&j, column, width)?;
            out.push(self.add(Math::Var(Symbol::from(j.as_str()))));
            if self.peek().tok != Tok::Comma {
                break;
            }
            self.pos += 1;
        }
        let close = self.expect(Tok::RBracket, "`]` or `,` and another index")?;
        Ok((out, close.column + 1))
    }

    /// Records that family `name` takes `count` indices; a family takes one
    /// number of indices throughout a problem.
    pub(super) fn record_arity(
        &mut self,
        name: Symbol,
        count: usize,
        column: usize,
    ) -> Result<(), Error> {
        let line = self.line;
        let Some(arities) = self.arities.as_deref_mut() else {
            return Ok(());
        };
        let (first, first_line, first_column) =
            *arities.entry(name).or_insert((count, line, column));
        if first == count {
            return Ok(());
        }
        let width = name.as_str().chars().count();
        let plural = |k: usize| if k == 1 { "index" } else { "indices" };
        Err(self.semantic(
            column,
            column + width,
            ErrorKind::Index,
            format!(
                "`{name}` has {count} {} here but {first} {} on line {first_line}, column {first_column}",
                plural(count),
                plural(first)
            ),
        ))
    }

    /// A defined family exists over its own index's range only: `y[i]` is an
    /// error when `let y[j]` and `i`, `j` run over two ranges.
    pub(super) fn check_family_ranges(
        &self,
        sym: Symbol,
        indices: &[Id],
        column: usize,
        end: usize,
    ) -> Result<(), Error> {
        if let (Some(params), Some(ranges)) = (self.params, self.ranges) {
            if let Some(j) = params.get(&sym) {
                for id in indices {
                    let Math::Var(k) = self.expr[*id] else {
                        continue;
                    };
                    if !ranges.same_range(k, *j) {
                        return Err(self.semantic(
                            column,
                            end,
                            ErrorKind::Index,
                            format!(
                                "`{sym}[{k}]`: `{sym}` is defined over `{j}` in 1..{}, and `{k}` runs over 1..{}",
                                ranges.size_of(*j),
                                ranges.size_of(k)
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}
