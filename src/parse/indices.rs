//! The index part of the expression grammar: `[i, j]` after a family name,
//! one or two indices, one number of indices and one range per index
//! position for each family, and a defined family read within its own
//! index's range. Owns no other syntax.

use egg::{Id, Symbol};

use super::expr::{Parser, Shape};
use super::lexer::Tok;
use crate::error::{Error, ErrorKind};
use crate::language::Math;

impl Parser<'_, '_> {
    /// `[j]` or `[i, j]` after a family name: the indices, as nodes.
    pub(super) fn indices(&mut self) -> Result<(Vec<Id>, usize), Error> {
        self.expect(Tok::LBracket, "`[`")?;
        let mut out = Vec::new();
        loop {
            let (j, sym, column, width) = self.ident("an index name")?;
            self.check_index_name(j, sym, column, width)?;
            out.push(self.add(Math::Var(sym)));
            if !matches!(self.peek().tok, Tok::Comma) {
                break;
            }
            self.pos += 1;
        }
        let close = self.expect(Tok::RBracket, "`]` or `,` and another index")?;
        Ok((out, close + 1))
    }

    /// Records how family `name` is indexed here: at most two indices, one
    /// number of indices throughout a problem, and each index position over
    /// one range (`x[i]` and `x[k]` with `i` in 1..m and `k` in 1..n would
    /// make `d(x[i], x[k])` a `delta` across two ranges).
    pub(super) fn record_shape(
        &mut self,
        name: Symbol,
        indices: &[Id],
        column: usize,
    ) -> Result<(), Error> {
        let line = self.line;
        let width = name.as_str().chars().count();
        if indices.len() > 2 {
            return Err(self.semantic(
                column,
                column + width,
                ErrorKind::Index,
                format!(
                    "`{name}` has {} indices: a family takes one index (`a[j]`) or two (`W[i, j]`)",
                    indices.len()
                ),
            ));
        }
        let (Some(ranges), Some(shapes)) = (self.ranges, self.shapes.as_deref_mut()) else {
            return Ok(());
        };
        // `indices()` recorded each index with its column, last.
        let columns = &self.index_uses[self.index_uses.len().saturating_sub(indices.len())..];
        let here: Vec<(Symbol, Symbol, usize)> = indices
            .iter()
            .zip(columns)
            .filter_map(|(id, (_, at))| match self.expr[*id] {
                Math::Var(k) => Some((k, ranges.size_of(k), *at)),
                _ => None,
            })
            .collect();
        let first = shapes.entry(name).or_insert_with(|| Shape {
            indices: here.clone(),
            line,
            column,
        });
        let plural = |k: usize| if k == 1 { "index" } else { "indices" };
        let message = if first.indices.len() != here.len() {
            format!(
                "`{name}` has {} {} here but {} {} on line {}, column {}",
                here.len(),
                plural(here.len()),
                first.indices.len(),
                plural(first.indices.len()),
                first.line,
                first.column
            )
        } else if let Some((position, ((k, size, at), (j, first_size, first_at)))) = here
            .iter()
            .zip(&first.indices)
            .enumerate()
            .find(|(_, ((_, a, _), (_, b, _)))| a != b)
        {
            let which = match here.len() {
                1 => String::new(),
                _ => format!(" {}", ["first", "second"][position]),
            };
            let message = format!(
                "`{name}`'s{which} index runs over 1..{first_size} (`{j}` on line {}, column {first_at}), but `{k}` runs over 1..{size}",
                first.line
            );
            let end = at + k.as_str().chars().count();
            return Err(self.semantic(*at, end, ErrorKind::Index, message));
        } else {
            return Ok(());
        };
        Err(self.semantic(column, column + width, ErrorKind::Index, message))
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
