//! Tree helpers the kernel needs on [`Math`] terms: copying a subterm and
//! structural keys up to the names of bound indices. Free indices and
//! renaming an index without capture are the language's (`language::index`).
//! Owns no arithmetic and no rules.

use std::fmt::Write;

use egg::{Id, Language, RecExpr, Symbol};

pub use crate::language::index::{free_in_order, free_indices, rename_all, substitute};
use crate::language::{Math, Ranges};

/// The root of a term.
pub fn root<L: Language>(expr: &RecExpr<L>) -> Id {
    Id::from(expr.as_ref().len().saturating_sub(1))
}

pub(crate) use crate::language::copy_nodes;

/// Appends the subterm of `expr` at `id` to `out`; returns its new id.
pub fn copy(expr: &RecExpr<Math>, id: Id, out: &mut Vec<Math>) -> Id {
    copy_nodes(expr.as_ref(), id, out)
}

/// The subterm at `id` as a term of its own.
pub fn sub(expr: &RecExpr<Math>, id: Id) -> RecExpr<Math> {
    crate::language::subterm(expr.as_ref(), id)
}

/// Whether the term has a `d` node.
pub fn has_d(expr: &RecExpr<Math>) -> bool {
    expr.as_ref().iter().any(|n| matches!(n, Math::D(_)))
}

/// The name at `id`, if it is a `Var` node.
pub fn name(expr: &RecExpr<Math>, id: Id) -> Option<Symbol> {
    match &expr[id] {
        Math::Var(s) => Some(*s),
        _ => None,
    }
}

/// The subterm at `id` as an s-expression in which every bound index is
/// written by its binder's depth: equal keys, terms equal up to the names
/// of bound indices (over the same ranges).
pub fn alpha_key(expr: &RecExpr<Math>, id: Id, ranges: &Ranges) -> String {
    let mut out = String::new();
    write_key(expr, id, &mut Vec::new(), &mut None, ranges, &mut out);
    out
}

/// [`alpha_key`] with the free indices written by their order of first
/// occurrence (`%0`, `%1` …), and that order: equal keys, terms equal up to
/// the names of bound indices and a one-to-one renaming of the free ones.
pub fn canonical_key(expr: &RecExpr<Math>, ranges: &Ranges) -> (String, Vec<Symbol>) {
    let (mut out, mut free) = (String::new(), Some(Vec::new()));
    write_key(
        expr,
        root(expr),
        &mut Vec::new(),
        &mut free,
        ranges,
        &mut out,
    );
    (out, free.unwrap_or_default())
}

fn write_key(
    expr: &RecExpr<Math>,
    id: Id,
    bound: &mut Vec<Symbol>,
    free: &mut Option<Vec<Symbol>>,
    ranges: &Ranges,
    out: &mut String,
) {
    let index = |i: &Id, bound: &Vec<Symbol>, free: &mut Option<Vec<Symbol>>, out: &mut String| {
        let written = match name(expr, *i) {
            Some(s) => match (bound.iter().rposition(|b| *b == s), free) {
                (Some(level), _) => write!(out, " #{level}"),
                (None, Some(free)) => {
                    let at = free.iter().position(|f| *f == s).unwrap_or_else(|| {
                        free.push(s);
                        free.len() - 1
                    });
                    write!(out, " %{at}")
                }
                (None, None) => write!(out, " {s}"),
            },
            None => write!(out, " ?"),
        };
        written.expect("a String takes any text")
    };
    match &expr[id] {
        Math::Idx(c) => {
            out.push_str("(idx");
            write!(out, " {}", expr[c[0]]).expect("a String takes any text");
            for j in &c[1..] {
                index(j, bound, free, out);
            }
            out.push(')');
        }
        Math::Delta([j, k]) => {
            out.push_str("(delta");
            index(j, bound, free, out);
            index(k, bound, free, out);
            out.push(')');
        }
        Math::Sum([j, body]) | Math::Lambda([j, body]) => {
            out.push_str(if matches!(expr[id], Math::Sum(_)) {
                "(sum"
            } else {
                "(lambda"
            });
            let b = name(expr, *j).unwrap_or_else(|| Symbol::from("?"));
            // Sums over two ranges differ: the key names the range by its suffix.
            out.push_str(ranges.suffix(b));
            out.push(' ');
            bound.push(b);
            write_key(expr, *body, bound, free, ranges, out);
            bound.pop();
            out.push(')');
        }
        // A name as its `Display` writes it, without the formatting machinery.
        Math::Var(s) => out.push_str(s.as_str()),
        node if node.children().is_empty() => {
            write!(out, "{node}").expect("a String takes any text")
        }
        node => {
            out.push('(');
            write!(out, "{node}").expect("a String takes any text");
            for c in node.children() {
                out.push(' ');
                write_key(expr, *c, bound, free, ranges, out);
            }
            out.push(')');
        }
    }
}
