//! Tree helpers the kernel needs on [`Math`] terms: copying a subterm,
//! structural keys, free indices, and renaming an index without capture.
//! Owns no arithmetic and no rules.

use std::collections::BTreeSet;
use std::fmt::Write;

use egg::{Id, Language, RecExpr, Symbol};

use crate::language::{Math, Ranges};

/// The root of a term.
pub fn root<L: Language>(expr: &RecExpr<L>) -> Id {
    Id::from(expr.as_ref().len().saturating_sub(1))
}

/// Appends the subterm of `expr` at `id` to `out`; returns its new id.
pub fn copy(expr: &RecExpr<Math>, id: Id, out: &mut Vec<Math>) -> Id {
    copy_nodes(expr.as_ref(), id, out)
}

/// [`copy`] from a node list.
pub fn copy_nodes(nodes: &[Math], id: Id, out: &mut Vec<Math>) -> Id {
    let mut needed = vec![false; usize::from(id) + 1];
    needed[usize::from(id)] = true;
    for i in (0..=usize::from(id)).rev() {
        if needed[i] {
            for c in nodes[i].children() {
                needed[usize::from(*c)] = true;
            }
        }
    }
    let mut map = vec![Id::from(0); usize::from(id) + 1];
    for (i, keep) in needed.iter().enumerate() {
        if *keep {
            out.push(nodes[i].clone().map_children(|c| map[usize::from(c)]));
            map[i] = Id::from(out.len() - 1);
        }
    }
    map[usize::from(id)]
}

/// The subterm at `id` as a term of its own.
pub fn sub(expr: &RecExpr<Math>, id: Id) -> RecExpr<Math> {
    let mut out = Vec::new();
    copy(expr, id, &mut out);
    RecExpr::from(out)
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

/// The index names free in the subterm at `id` (names in index slots not
/// bound by an enclosing `sum` or `lambda` inside it).
pub fn free_indices(expr: &RecExpr<Math>, id: Id) -> BTreeSet<Symbol> {
    let mut out = BTreeSet::new();
    let mut todo = vec![(id, Vec::<Symbol>::new())];
    while let Some((id, bound)) = todo.pop() {
        let index = |i: &Id, out: &mut BTreeSet<Symbol>| {
            if let Some(s) = name(expr, *i) {
                if !bound.contains(&s) {
                    out.insert(s);
                }
            }
        };
        match &expr[id] {
            Math::Idx(c) => {
                for j in &c[1..] {
                    index(j, &mut out);
                }
            }
            Math::Delta([j, k]) => {
                index(j, &mut out);
                index(k, &mut out);
            }
            Math::Sum([j, body]) | Math::Lambda([j, body]) => {
                let mut inner = bound.clone();
                inner.extend(name(expr, *j));
                todo.push((*body, inner));
            }
            other => {
                for c in other.children() {
                    todo.push((*c, bound.clone()));
                }
            }
        }
    }
    out
}

/// The subterm at `id` with the free index `from` renamed to `to`; a `sum`
/// that binds `to` and has `from` free in its body is renamed first to a name
/// free nowhere in the term, so nothing is captured.
pub fn rename(expr: &RecExpr<Math>, id: Id, from: Symbol, to: Symbol) -> RecExpr<Math> {
    let mut out: Vec<Math> = Vec::new();
    let mut used: BTreeSet<Symbol> = expr
        .as_ref()
        .iter()
        .filter_map(|n| match n {
            Math::Var(s) => Some(*s),
            _ => None,
        })
        .collect();
    used.insert(to);
    rename_into(expr, id, from, to, &mut out, &mut used);
    RecExpr::from(out)
}

fn rename_into(
    expr: &RecExpr<Math>,
    id: Id,
    from: Symbol,
    to: Symbol,
    out: &mut Vec<Math>,
    used: &mut BTreeSet<Symbol>,
) -> Id {
    let push = |out: &mut Vec<Math>, n: Math| {
        out.push(n);
        Id::from(out.len() - 1)
    };
    let index = |out: &mut Vec<Math>, i: Id| {
        let s = name(expr, i)
            .filter(|s| *s == from)
            .map_or(expr[i].clone(), |_| Math::Var(to));
        push(out, s)
    };
    match &expr[id] {
        Math::Idx(c) => {
            let mut children = vec![copy(expr, c[0], out)];
            for j in &c[1..] {
                children.push(index(out, *j));
            }
            push(out, Math::Idx(children.into()))
        }
        Math::Delta([j, k]) => {
            let j = index(out, *j);
            let k = index(out, *k);
            push(out, Math::Delta([j, k]))
        }
        Math::Sum([j, body]) | Math::Lambda([j, body]) => {
            let bound = name(expr, *j);
            if bound == Some(from) || !free_indices(expr, *body).contains(&from) {
                return copy(expr, id, out);
            }
            let mut body_term = sub(expr, *body);
            let mut bound_id = copy(expr, *j, out);
            if bound == Some(to) {
                let mut n = 0;
                let fresh = loop {
                    n += 1;
                    let s = Symbol::from(format!("{to}{n}"));
                    if !used.contains(&s) {
                        break s;
                    }
                };
                used.insert(fresh);
                body_term = rename(&body_term, root(&body_term), to, fresh);
                bound_id = push(out, Math::Var(fresh));
            }
            let b = rename_into(&body_term, root(&body_term), from, to, out, used);
            let node = match &expr[id] {
                Math::Sum(_) => Math::Sum([bound_id, b]),
                _ => Math::Lambda([bound_id, b]),
            };
            push(out, node)
        }
        other => {
            let node = other
                .clone()
                .map_children(|c| rename_into(expr, c, from, to, out, used));
            push(out, node)
        }
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

/// The free indices of the whole term in order of first occurrence, left to right.
pub fn free_in_order(expr: &RecExpr<Math>) -> Vec<Symbol> {
    let mut out: Vec<Symbol> = Vec::new();
    let mut todo = vec![(root(expr), Vec::<Symbol>::new())];
    while let Some((id, bound)) = todo.pop() {
        let mut index = |i: &Id| {
            if let Some(s) = name(expr, *i) {
                if !bound.contains(&s) && !out.contains(&s) {
                    out.push(s);
                }
            }
        };
        match &expr[id] {
            Math::Idx(c) => {
                for j in &c[1..] {
                    index(j);
                }
            }
            Math::Delta([j, k]) => {
                index(j);
                index(k);
            }
            Math::Sum([j, body]) | Math::Lambda([j, body]) => {
                let mut inner = bound.clone();
                inner.extend(name(expr, *j));
                todo.push((*body, inner));
            }
            other => {
                for c in other.children().iter().rev() {
                    todo.push((*c, bound.clone()));
                }
            }
        }
    }
    out
}

/// The term with free indices `from[i]` renamed to `to[i]` all at once.
pub fn rename_all(expr: &RecExpr<Math>, from: &[Symbol], to: &[Symbol]) -> RecExpr<Math> {
    let mut e = expr.clone();
    for (i, f) in from.iter().enumerate() {
        e = rename(&e, root(&e), *f, Symbol::from(format!("%{i}")));
    }
    for (i, t) in to.iter().enumerate() {
        e = rename(&e, root(&e), Symbol::from(format!("%{i}")), *t);
    }
    e
}
