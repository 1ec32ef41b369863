//! Index names on terms: which slots hold index names, which indices are free
//! in a subterm, and substitution of one index for another without capture
//! (a bound index in the way is renamed first). Shared by the parser, the
//! rules, the checker and the unroller; owns no algebra.

use std::collections::BTreeSet;

use egg::{Id, Language, RecExpr, Symbol};

use super::Math;

/// What a node's position makes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// An ordinary term.
    Term,
    /// The family name of `a[j]`.
    Family,
    /// An index name (of `a[j]`, `delta`, or bound by `sum` or `lambda`).
    Index,
}

/// The slot of every node of `expr` (a node shared between slots counts as a term).
pub fn slots(expr: &RecExpr<Math>) -> Vec<Slot> {
    let nodes = expr.as_ref();
    let mut out = vec![Slot::Term; nodes.len()];
    let mut used_as_term = vec![false; nodes.len()];
    for node in nodes {
        match node {
            Math::Idx(c) => {
                out[usize::from(c[0])] = Slot::Family;
                for j in &c[1..] {
                    out[usize::from(*j)] = Slot::Index;
                }
            }
            Math::Sum([j, _]) | Math::Lambda([j, _]) => out[usize::from(*j)] = Slot::Index,
            Math::Delta([j, k]) => {
                out[usize::from(*j)] = Slot::Index;
                out[usize::from(*k)] = Slot::Index;
            }
            _ => {
                for c in node.children() {
                    used_as_term[usize::from(*c)] = true;
                }
            }
        }
    }
    for (slot, term) in out.iter_mut().zip(used_as_term) {
        if term {
            *slot = Slot::Term;
        }
    }
    out
}

/// Whether `expr` uses indexed families, sums or deltas anywhere.
pub fn is_indexed(expr: &RecExpr<Math>) -> bool {
    expr.as_ref().iter().any(|n| {
        matches!(
            n,
            Math::Idx(_) | Math::Sum(_) | Math::Delta(_) | Math::Lambda(_)
        )
    })
}

/// The name in an index slot (the parser puts only names there; a term
/// built by hand with something else reads as the name `?`).
fn name(expr: &RecExpr<Math>, id: Id) -> Symbol {
    match &expr[id] {
        Math::Var(s) => *s,
        _ => Symbol::from("?"),
    }
}

/// The index names free in the subterm at `id`.
///
/// ```
/// let e: egg::RecExpr<backprove::Math> = "(sum j (* (idx t j) (idx y k)))".parse().unwrap();
/// let free = backprove::index::free_indices(&e, (e.as_ref().len() - 1).into());
/// assert_eq!(free.into_iter().map(|s| s.to_string()).collect::<Vec<_>>(), ["k"]);
/// ```
pub fn free_indices(expr: &RecExpr<Math>, id: Id) -> BTreeSet<Symbol> {
    let nodes = &expr.as_ref()[..=usize::from(id)];
    // Only `a[j]` and `delta(j, k)` bring an index in: without them (most
    // definitions of a concrete problem) nothing is free.
    if !nodes
        .iter()
        .any(|n| matches!(n, Math::Idx(_) | Math::Delta(_)))
    {
        return BTreeSet::new();
    }
    let mut free: Vec<BTreeSet<Symbol>> = Vec::with_capacity(nodes.len());
    for node in nodes {
        let get = |c: &Id| free[usize::from(*c)].clone();
        let set = match node {
            Math::Idx(c) => c[1..].iter().map(|j| name(expr, *j)).collect(),
            Math::Delta([j, k]) => BTreeSet::from([name(expr, *j), name(expr, *k)]),
            Math::Sum([j, body]) | Math::Lambda([j, body]) => {
                let mut s = get(body);
                s.remove(&name(expr, *j));
                s
            }
            Math::Var(_) | Math::Num(_) => BTreeSet::new(),
            other => {
                let mut s = BTreeSet::new();
                for c in other.children() {
                    s.extend(get(c));
                }
                s
            }
        };
        free.push(set);
    }
    free.pop().unwrap_or_default()
}

/// Every index name in `expr`, free or bound.
pub fn index_names(expr: &RecExpr<Math>) -> BTreeSet<Symbol> {
    slots(expr)
        .iter()
        .zip(expr.as_ref())
        .filter_map(|(slot, node)| match (slot, node) {
            (Slot::Index, Math::Var(s)) => Some(*s),
            _ => None,
        })
        .collect()
}

/// `base2`, `base3`, ...: the first not in `avoid`.
pub fn fresh(base: Symbol, avoid: &BTreeSet<Symbol>) -> Symbol {
    let stem = base.as_str().trim_end_matches(|c: char| c.is_ascii_digit());
    (2..)
        .map(|i| Symbol::from(format!("{stem}{i}")))
        .find(|s| !avoid.contains(s))
        .expect("some name is fresh")
}

/// The subterm at `id` with the free index `from` replaced by `to`; a binder
/// of `to` whose body uses `from` freely is renamed first, so `to` is never
/// captured. The fresh name depends only on the term, so anyone redoing the
/// substitution gets the same text.
///
/// ```
/// use backprove::index::substitute;
/// let e: egg::RecExpr<backprove::Math> = "(* (idx a j) (sum k (idx b j)))".parse().unwrap();
/// let out = substitute(&e, (e.as_ref().len() - 1).into(), "j".into(), "k".into());
/// assert_eq!(backprove::to_infix(&out), "a[k]*sum(k2, b[k])");
/// ```
pub fn substitute(expr: &RecExpr<Math>, id: Id, from: Symbol, to: Symbol) -> RecExpr<Math> {
    let mut avoid = index_names(expr);
    avoid.insert(to);
    avoid.insert(from);
    let mut out: Vec<Math> = Vec::new();
    copy(expr, id, &[(from, to)], &avoid, &mut out);
    RecExpr::from(out)
}

/// Copies the subterm at `id` into `out` under the index renaming `map`
/// (innermost binding last); returns the new root.
fn copy(
    expr: &RecExpr<Math>,
    id: Id,
    map: &[(Symbol, Symbol)],
    avoid: &BTreeSet<Symbol>,
    out: &mut Vec<Math>,
) -> Id {
    let lookup = |s: Symbol| {
        map.iter()
            .rev()
            .find(|(f, _)| *f == s)
            .map_or(s, |(_, t)| *t)
    };
    let push = |out: &mut Vec<Math>, node: Math| {
        out.push(node);
        Id::from(out.len() - 1)
    };
    match &expr[id] {
        Math::Idx(c) => {
            let mut children = vec![push(out, expr[c[0]].clone())];
            for j in &c[1..] {
                children.push(push(out, Math::Var(lookup(name(expr, *j)))));
            }
            push(out, Math::Idx(children.into()))
        }
        Math::Delta([j, k]) => {
            let j = push(out, Math::Var(lookup(name(expr, *j))));
            let k = push(out, Math::Var(lookup(name(expr, *k))));
            push(out, Math::Delta([j, k]))
        }
        node @ (Math::Sum([j, body]) | Math::Lambda([j, body])) => {
            let bound = name(expr, *j);
            let free = free_indices(expr, *body);
            // The names the body's free indices become: the binder must differ from all of them.
            let targets: BTreeSet<Symbol> = free
                .iter()
                .filter(|s| **s != bound)
                .map(|s| lookup(*s))
                .collect();
            let new = if targets.contains(&bound) {
                let mut taken = avoid.clone();
                taken.extend(targets.iter().copied());
                taken.extend(map.iter().flat_map(|(a, b)| [*a, *b]));
                fresh(bound, &taken)
            } else {
                bound
            };
            let mut inner = map.to_vec();
            inner.push((bound, new));
            let b = copy(expr, *body, &inner, avoid, out);
            let j = push(out, Math::Var(new));
            if matches!(node, Math::Sum(_)) {
                push(out, Math::Sum([j, b]))
            } else {
                push(out, Math::Lambda([j, b]))
            }
        }
        node => {
            let node = node
                .clone()
                .map_children(|c| copy(expr, c, map, avoid, out));
            push(out, node)
        }
    }
}

/// Whether a statement about the element with free indices `pattern` (true
/// for every value of them) speaks of the element with indices `indices`:
/// wherever the pattern repeats an index, so do the indices. A fact on
/// `W[j, k]` speaks of `W[p, p]`; one on `W[j, j]` of `W[p, p]` but not of
/// `W[p, q]`.
///
/// ```
/// use backprove::index::instance_of;
/// let s = |names: &[&str]| names.iter().map(|n| egg::Symbol::from(*n)).collect::<Vec<_>>();
/// assert!(instance_of(&s(&["j", "k"]), &s(&["p", "p"])));
/// assert!(instance_of(&s(&["j", "j"]), &s(&["p", "p"])));
/// assert!(!instance_of(&s(&["j", "j"]), &s(&["p", "q"])));
/// ```
pub fn instance_of(pattern: &[Symbol], indices: &[Symbol]) -> bool {
    pattern.len() == indices.len()
        && (0..pattern.len())
            .all(|i| (0..i).all(|j| pattern[i] != pattern[j] || indices[i] == indices[j]))
}

/// The body of the indexed definition `lambda(j, body)` at index `k`, or
/// `None` when `def` is not an indexed definition.
pub fn instantiate(def: &RecExpr<Math>, k: Symbol) -> Option<RecExpr<Math>> {
    let root = Id::from(def.as_ref().len() - 1);
    let Math::Lambda([j, body]) = def[root] else {
        return None;
    };
    Some(substitute(def, body, name(def, j), k))
}

/// The free index names of `expr` in order of first appearance (preorder).
pub fn free_in_order(expr: &RecExpr<Math>) -> Vec<Symbol> {
    free_in_order_of(&[expr])
}

/// The free index names of the terms, in order of first appearance, each once
/// (the two sides of an equation, say).
pub fn free_in_order_of(exprs: &[&RecExpr<Math>]) -> Vec<Symbol> {
    let mut out: Vec<Symbol> = Vec::new();
    let mut bound: Vec<Symbol> = Vec::new();
    for expr in exprs {
        walk(
            expr,
            Id::from(expr.as_ref().len() - 1),
            &mut bound,
            &mut out,
        );
    }
    out
}

fn walk(expr: &RecExpr<Math>, id: Id, bound: &mut Vec<Symbol>, out: &mut Vec<Symbol>) {
    let mut see = |s: Symbol, bound: &Vec<Symbol>| {
        if !bound.contains(&s) && !out.contains(&s) {
            out.push(s);
        }
    };
    match &expr[id] {
        Math::Idx(c) => {
            for j in &c[1..] {
                see(name(expr, *j), bound);
            }
        }
        Math::Delta([j, k]) => {
            see(name(expr, *j), bound);
            see(name(expr, *k), bound);
        }
        Math::Sum([j, body]) | Math::Lambda([j, body]) => {
            bound.push(name(expr, *j));
            walk(expr, *body, bound, out);
            bound.pop();
        }
        node => {
            for c in node.children() {
                walk(expr, *c, bound, out);
            }
        }
    }
}

/// `expr` with its free indices renamed `#1`, `#2`, ... in order of first
/// appearance: two terms that differ only in the names of their free indices
/// print the same. Returns the term and the names in that order.
pub fn canonical(expr: &RecExpr<Math>) -> (RecExpr<Math>, Vec<Symbol>) {
    let order = free_in_order(expr);
    let targets: Vec<Symbol> = (1..=order.len())
        .map(|i| Symbol::from(format!("#{i}")))
        .collect();
    (rename_all(expr, &order, &targets), order)
}

/// `expr` with each free index `from[i]` renamed `to[i]` (simultaneously, without capture).
pub fn rename_all(expr: &RecExpr<Math>, from: &[Symbol], to: &[Symbol]) -> RecExpr<Math> {
    // Through names no input can spell, so that swaps do not interfere.
    let mut out = expr.clone();
    for (i, f) in from.iter().enumerate() {
        let root = Id::from(out.as_ref().len() - 1);
        out = substitute(&out, root, *f, Symbol::from(format!("#tmp{i}")));
    }
    for (i, t) in to.iter().enumerate() {
        let root = Id::from(out.as_ref().len() - 1);
        out = substitute(&out, root, Symbol::from(format!("#tmp{i}")), *t);
    }
    out
}

pub use super::{canonical_depth, stem, Ranges, CLASSES};
