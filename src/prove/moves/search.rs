//! The moves themselves and the breadth-first search for a shortest chain of
//! them. Each move rewrites one place of a term (the first, reading left to
//! right and outside in) and is named by what it did there.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Instant;

use num_rational::BigRational;
use num_traits::One;

use super::local::{cancel, collect, combine, expand, factor_out, first_expansion, flip_signs};
use super::term::{exact_eq, key, mul, pow, print, prod, sum, T};
use super::Moves;

/// How a move is justified: algebra (named), or using equation `i`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Algebra(String),
    Use(usize),
}

/// A move at one place: its name and the term it gives.
type Local = fn(&T) -> Option<(String, T)>;

/// How many moves at one place there are (`successors` tries each once).
const LOCAL_MOVES: usize = 6;

/// At most this many moves a step, and this many terms looked at.
const MAX_MOVES: usize = 8;
const MAX_STATES: usize = 4000;
/// Terms longer than this (printed) are not searched.
const MAX_TEXT: usize = 600;
/// Texts longer than this are not read as terms: printed, such a term is
/// far past `MAX_TEXT` (the printers write terms with their like terms
/// collected), and reading a long proof step costs memory.
pub(super) const MAX_READ: usize = 64 * MAX_TEXT;
/// Ends longer than this (printed) are not searched from the goal back.
const MAX_BACK_TEXT: usize = 200;

impl Moves {
    /// A shortest chain of moves from `start` to a term with `goal`'s key;
    /// `None` when there is none within the limits or by `deadline`. When
    /// the moves from `start` alone do not reach it (a claim written in a
    /// factored form the moves forward do not guess), the search also runs
    /// back from `goal` with moves a student reads forwards (`expand` back is
    /// `factor out …`) and joins the two where they meet.
    /// With `both_ways` false the search runs from `start` only.
    pub(super) fn search(
        &self,
        start: &T,
        goal: &T,
        deadline: Option<Instant>,
        both_ways: bool,
    ) -> Option<Vec<(Kind, T)>> {
        let (start_len, goal_len) = (print(start).len(), print(goal).len());
        if start_len > MAX_TEXT || goal_len > MAX_TEXT {
            return None;
        }
        let goal_atoms = atoms(goal);
        let goal_key = key(goal);
        let mut goal_names: Vec<String> = goal_atoms.iter().cloned().collect();
        goal_names.sort_unstable();
        let forward = match self.recall(start, &goal_names, &goal_key) {
            Some(known) => known,
            None => {
                let most = self.most_successors();
                let forward = self.explore(start, &goal_key, deadline, most, |t| {
                    self.successors(t, &goal_atoms)
                })?;
                if let Explored::Not(nodes) = &forward {
                    self.remember(start, goal_names, nodes);
                }
                forward
            }
        };
        let nodes = match forward {
            Explored::Found(path) => return Some(path),
            Explored::Not(_) if !both_ways || start_len.max(goal_len) > MAX_BACK_TEXT => {
                return None
            }
            Explored::Not(nodes) => nodes,
        };
        let reached: HashMap<&str, usize> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.key.as_str(), i))
            .collect();
        let start_atoms = atoms(start);
        let mut meeting = None;
        let mut back = vec![Node::root(goal)];
        let mut seen: HashSet<String> = HashSet::from([back[0].key.clone()]);
        let mut queue = VecDeque::from([0usize]);
        'search: while let Some(i) = queue.pop_front() {
            if deadline.is_some_and(|d| Instant::now() > d) {
                return None;
            }
            if back[i].depth == MAX_MOVES {
                continue;
            }
            for (kind, next) in self.predecessors(&back[i].term, &start_atoms) {
                let next_key = key(&next);
                if seen.contains(&next_key) || print(&next).len() > MAX_TEXT {
                    continue;
                }
                seen.insert(next_key.clone());
                let depth = back[i].depth + 1;
                let met = reached
                    .get(next_key.as_str())
                    .copied()
                    .filter(|&f| nodes[f].depth + depth <= MAX_MOVES);
                back.push(Node {
                    term: next,
                    parent: i,
                    kind: Some(kind),
                    depth,
                    key: next_key,
                });
                if let Some(f) = met {
                    meeting = Some((f, back.len() - 1));
                    break 'search;
                }
                queue.push_back(back.len() - 1);
                if back.len() > MAX_STATES / 2 {
                    return None;
                }
            }
        }
        let (f, b) = meeting?;
        let mut path = nodes[f].path(&nodes);
        // Back from the meeting to the goal, each move read forwards.
        let mut at = b;
        while let Some(kind) = back[at].kind.clone() {
            let parent = back[at].parent;
            path.push((kind, merge_powers(&back[parent].term)));
            at = parent;
        }
        Some(path)
    }

    /// What a search forward from `start` finds for the goal `goal_key`,
    /// when a search from `start` with a goal of the same atoms (so the same
    /// moves at every state) reached every state it could: the goal's path
    /// among those states (the queue meets them in the same order), or all
    /// of them.
    fn recall(&self, start: &T, goal_atoms: &[String], goal_key: &str) -> Option<Explored> {
        let explored = self.explored.lock().ok()?;
        let (_, _, nodes) = explored
            .searches
            .iter()
            .find(|(s, atoms, _)| atoms.as_slice() == goal_atoms && exact_eq(s, start))?;
        Some(match nodes.iter().find(|n| n.key == goal_key) {
            Some(node) => Explored::Found(node.path(nodes)),
            None => Explored::Not(nodes.clone()),
        })
    }

    /// Keeps the states a search forward reached, when it reached every
    /// state it could (fewer than the cap), while there is room.
    fn remember(&self, start: &T, goal_atoms: Vec<String>, nodes: &[Node]) {
        if nodes.len() > MAX_STATES {
            return;
        }
        if let Ok(mut explored) = self.explored.lock() {
            if explored.held + nodes.len() <= EXPLORED_HELD {
                explored.held += nodes.len();
                explored
                    .searches
                    .push((start.clone(), goal_atoms, nodes.to_vec()));
            }
        }
    }

    /// At most how many moves `successors` offers from one term: a
    /// substitution and a write-back for each definition, each local move,
    /// each equation.
    fn most_successors(&self) -> usize {
        2 * self.defs.len() + LOCAL_MOVES + self.equations.len()
    }

    /// A breadth-first search from `start` for a term with key `goal_key`:
    /// the path when found, else every state reached; `None` past `deadline`.
    ///
    /// The goal is recognised when it is reached, not when its turn in the
    /// queue comes: the terms queued before it cannot reach it by a shorter
    /// path, and no term is queued twice, so its path is the one the queue
    /// would give. Only the cap on states could still end the search before
    /// its turn; when the terms queued before it (`most` moves from each at
    /// most) cannot push the count past the cap, it is returned at once.
    fn explore(
        &self,
        start: &T,
        goal_key: &str,
        deadline: Option<Instant>,
        most: usize,
        successors: impl Fn(&T) -> Vec<(Kind, T)>,
    ) -> Option<Explored> {
        let mut nodes = vec![Node::root(start)];
        let mut seen: HashSet<String> = HashSet::from([nodes[0].key.clone()]);
        let mut queue = VecDeque::from([0usize]);
        while let Some(i) = queue.pop_front() {
            if deadline.is_some_and(|d| Instant::now() > d) {
                return None;
            }
            if nodes[i].key == goal_key {
                return Some(Explored::Found(nodes[i].path(&nodes)));
            }
            let depth = nodes[i].depth;
            if depth == MAX_MOVES {
                continue;
            }
            let moves = successors(&nodes[i].term);
            let count = moves.len();
            for (m, (kind, next)) in moves.into_iter().enumerate() {
                // A state seen before is skipped whatever its length: its
                // key is checked first, and only a new state is printed.
                let next_key = key(&next);
                if seen.contains(&next_key) || print(&next).len() > MAX_TEXT {
                    continue;
                }
                seen.insert(next_key.clone());
                let goal = next_key == goal_key;
                nodes.push(Node {
                    term: next,
                    parent: i,
                    kind: Some(kind),
                    depth: depth + 1,
                    key: next_key,
                });
                queue.push_back(nodes.len() - 1);
                if nodes.len() > MAX_STATES {
                    return Some(Explored::Not(nodes));
                }
                // Before its turn: this term's other moves, and every move
                // from each term queued between this one and the goal.
                let before = (count - m - 1) + (nodes.len() - 2 - i) * most;
                if goal && nodes.len() + before <= MAX_STATES {
                    let at = nodes.len() - 1;
                    return Some(Explored::Found(nodes[at].path(&nodes)));
                }
            }
        }
        Some(Explored::Not(nodes))
    }

    /// The moves that lead to `t`, each named as it reads forwards: `t`
    /// expanded at its first product of a sum is `factor out …` back to `t`,
    /// a definition written in is `write … as NAME`, a name written back
    /// for a definition of `start`'s is `substitute NAME = …`, and a common
    /// factor taken out is `expand`.
    fn predecessors(&self, t: &T, start_atoms: &HashSet<String>) -> Vec<(Kind, T)> {
        let mut out = Vec::new();
        let here = atoms(t);
        let named = |s: String| Kind::Algebra(s);
        if let Some((shared, next)) = first_expansion(t) {
            out.push((named(format!("factor out {}", print(&shared))), next));
        }
        if let Some((_, next)) = first(t, &factor_out) {
            out.push((named("expand".into()), next));
        }
        for i in self.defined(&here, start_atoms) {
            let (name, _, def) = &self.defs[i];
            if self.def_lens[i] > 2 * MAX_TEXT {
                continue;
            }
            let next = map_atoms(t, &|a| (a == name).then(|| def.clone()));
            out.push((named(format!("write {} as {name}", print(def))), next));
        }
        for i in self.defined(start_atoms, &here) {
            let (name, text, def) = &self.defs[i];
            let def_key = &self.def_keys[i];
            let f = |u: &T| {
                replace_part(u, def, def_key, &T::Atom(name.clone())).map(|r| (String::new(), r))
            };
            if let Some((_, next)) = first(t, &f) {
                out.push((named(format!("substitute {name} = {text}")), next));
            }
        }
        out
    }

    /// The definitions whose names are in `of` and not in `not_in`, in the
    /// order they are defined.
    fn defined(&self, of: &HashSet<String>, not_in: &HashSet<String>) -> Vec<usize> {
        let mut at: Vec<usize> = of
            .iter()
            .filter(|a| !not_in.contains(*a))
            .filter_map(|a| self.def_at.get(a).copied())
            .collect();
        at.sort_unstable();
        at
    }

    fn successors(&self, t: &T, goal_atoms: &HashSet<String>) -> Vec<(Kind, T)> {
        let mut out = Vec::new();
        let here = atoms(t);
        let named = |s: String| Kind::Algebra(s);
        for i in self.defined(&here, goal_atoms) {
            let (name, text, def) = &self.defs[i];
            // Written in, a definition this long makes a term past `MAX_TEXT`
            // (only a coefficient can shorten it): not worth building.
            if self.def_lens[i] > 2 * MAX_TEXT {
                continue;
            }
            let next = map_atoms(t, &|a| (a == name).then(|| def.clone()));
            out.push((named(format!("substitute {name} = {text}")), next));
        }
        let local: [Local; LOCAL_MOVES] =
            [cancel, expand, factor_out, collect, combine, flip_signs];
        for f in local {
            if let Some((name, next)) = first(t, &f) {
                out.push((named(name), next));
            }
        }
        for (i, e) in self.equations.iter().enumerate() {
            let f = |u: &T| replace_part(u, &e.lhs, &e.lhs_key, &e.rhs).map(|r| (String::new(), r));
            if let Some((_, next)) = first(t, &f) {
                out.push((Kind::Use(i), next));
            }
        }
        for i in self.defined(goal_atoms, &here) {
            let (name, _, def) = &self.defs[i];
            let def_key = &self.def_keys[i];
            let f = |u: &T| {
                replace_part(u, def, def_key, &T::Atom(name.clone())).map(|r| (String::new(), r))
            };
            if let Some((_, next)) = first(t, &f) {
                out.push((named(format!("write {} as {name}", print(def))), next));
            }
        }
        out
    }
}

/// The searches forward that reached every state they could: each by its
/// start and its goal's atoms (sorted), with the states in the order reached.
#[derive(Default)]
pub(super) struct Explorations {
    searches: Vec<(T, Vec<String>, Vec<Node>)>,
    /// How many states they hold together (at most [`EXPLORED_HELD`]).
    held: usize,
}

/// At most this many states are kept from searches that reached every state.
const EXPLORED_HELD: usize = 4 * MAX_STATES;

/// A state of a search: its term, where it came from and by which move,
/// its depth, and its key (computed once, when it is first reached).
#[derive(Clone)]
struct Node {
    term: T,
    parent: usize,
    kind: Option<Kind>,
    depth: usize,
    key: String,
}

impl Node {
    fn root(t: &T) -> Node {
        Node {
            term: t.clone(),
            parent: 0,
            kind: None,
            depth: 0,
            key: key(t),
        }
    }

    /// The moves from the root to this node, each with the term it gives
    /// (its repeated factors written as powers).
    fn path(&self, nodes: &[Node]) -> Vec<(Kind, T)> {
        let mut path = Vec::new();
        let mut at = self;
        while let Some(kind) = at.kind.clone() {
            path.push((kind, merge_powers(&at.term)));
            at = &nodes[at.parent];
        }
        path.reverse();
        path
    }
}

/// What a search from one end found: a path, or every state it reached.
enum Explored {
    Found(Vec<(Kind, T)>),
    Not(Vec<Node>),
}

/// The atoms' texts in a term.
fn atoms(t: &T) -> HashSet<String> {
    let mut out = HashSet::new();
    fn walk(t: &T, out: &mut HashSet<String>) {
        match t {
            T::Atom(a) => {
                out.insert(a.clone());
            }
            T::Sum(ts) => ts.iter().for_each(|x| walk(x, out)),
            T::Prod(_, fs) => fs.iter().for_each(|(f, _)| walk(f, out)),
            T::Num(_) => {}
        }
    }
    walk(t, &mut out);
    out
}

/// A product of factors, each raised to its exponent.
pub(super) fn rebuild(c: BigRational, fs: Vec<(T, i32)>) -> T {
    let powers: Vec<T> = fs
        .into_iter()
        .map(|(f, k)| pow(&f, k).unwrap_or_else(|| prod(BigRational::one(), vec![(f, k)])))
        .collect();
    // Multiplied in one go: the same product as one factor at a time (which
    // copies the factors so far at every step), unless a factor is itself a
    // number or a product, which a step in between would have taken apart.
    let mut coefficient = c.clone();
    let mut factors: Vec<(T, i32)> = Vec::new();
    for p in &powers {
        match p {
            T::Num(k) => coefficient *= k,
            T::Prod(k, gs) => {
                coefficient *= k;
                factors.extend(gs.iter().cloned());
            }
            t => factors.push((t.clone(), 1)),
        }
    }
    if !factors
        .iter()
        .any(|(f, _)| matches!(f, T::Num(_) | T::Prod(..)))
    {
        return prod(coefficient, factors);
    }
    let mut acc = T::Num(c);
    for p in &powers {
        acc = mul(&acc, p);
    }
    acc
}

/// `t` with the factors of a product that are one term written once, as a
/// power (`x^2*x` is `x^3`, `y1*y1` is `y1^2`, as an expansion leaves them):
/// the same key, the same term.
fn merge_powers(t: &T) -> T {
    match t {
        T::Num(_) | T::Atom(_) => t.clone(),
        T::Sum(ts) => sum(ts.iter().map(merge_powers).collect()),
        T::Prod(c, fs) => {
            let mut out: Vec<(String, T, i32)> = Vec::new();
            for (f, k) in fs {
                let f = merge_powers(f);
                let kf = key(&f);
                match out
                    .iter_mut()
                    .find(|(g, _, e)| *g == kf && (*e > 0) == (*k > 0))
                {
                    Some(slot) => slot.2 += k,
                    None => out.push((kf, f, *k)),
                }
            }
            rebuild(c.clone(), out.into_iter().map(|(_, f, k)| (f, k)).collect())
        }
    }
}

/// Replaces atoms everywhere.
fn map_atoms(t: &T, f: &dyn Fn(&str) -> Option<T>) -> T {
    match t {
        T::Atom(a) => f(a).unwrap_or_else(|| t.clone()),
        T::Num(_) => t.clone(),
        T::Sum(ts) => sum(ts.iter().map(|x| map_atoms(x, f)).collect()),
        T::Prod(c, fs) => rebuild(
            c.clone(),
            fs.iter().map(|(x, k)| (map_atoms(x, f), *k)).collect(),
        ),
    }
}

/// Applies `f` at the first place (outside in, left to right) where it applies.
fn first(t: &T, f: &dyn Fn(&T) -> Option<(String, T)>) -> Option<(String, T)> {
    if let Some(r) = f(t) {
        return Some(r);
    }
    match t {
        T::Sum(ts) => ts.iter().enumerate().find_map(|(i, x)| {
            let (name, r) = first(x, f)?;
            let mut ts = ts.clone();
            ts[i] = r;
            Some((name, sum(ts)))
        }),
        T::Prod(c, fs) => fs.iter().enumerate().find_map(|(i, (x, _))| {
            let (name, r) = first(x, f)?;
            let mut fs = fs.clone();
            fs[i].0 = r;
            Some((name, rebuild(c.clone(), fs)))
        }),
        _ => None,
    }
}

/// `from` → `to` at this place: the whole term, some terms of a sum, or
/// some factors of a product (a multiple of `from`); `from_key` is `key(from)`.
fn replace_part(t: &T, from: &T, from_key: &str, to: &T) -> Option<T> {
    if has_key(t, from_key) {
        return Some(to.clone());
    }
    match (t, from) {
        (T::Sum(ts), T::Sum(fs)) if fs.len() < ts.len() => {
            let mut rest = ts.clone();
            for f in fs {
                let kf = key(f);
                let i = rest.iter().position(|x| has_key(x, &kf))?;
                rest.remove(i);
            }
            rest.push(to.clone());
            Some(sum(rest))
        }
        (T::Prod(c, ts), T::Prod(cf, fs)) => {
            let mut rest = ts.clone();
            let mut at = None;
            for (f, k) in fs {
                let kf = key(f);
                let i = rest.iter().position(|(x, e)| e == k && has_key(x, &kf))?;
                at = Some(at.map_or(i, |a: usize| a.min(i)));
                rest.remove(i);
            }
            let c = c / cf;
            let mut out = rest;
            out.insert(at.unwrap_or(0).min(out.len()), (to.clone(), 1));
            Some(rebuild(c, out))
        }
        (T::Prod(c, ts), _) if ts.len() > 1 || !c.is_one() => {
            let kf = from_key;
            let i = ts.iter().position(|(x, e)| *e == 1 && has_key(x, kf))?;
            let mut out = ts.clone();
            out[i] = (to.clone(), 1);
            Some(rebuild(c.clone(), out))
        }
        _ => None,
    }
}

/// Whether `x`'s key is `k`. Every atom of a term is printed, verbatim, in
/// its key (no move builds a zero coefficient or exponent, the only ways an
/// atom could drop out): a term with an atom missing from `k` has another
/// key, which is decided without printing anything.
pub(super) fn has_key(x: &T, k: &str) -> bool {
    fn atoms_in(x: &T, k: &str) -> bool {
        match x {
            T::Atom(a) => k.contains(a.as_str()),
            T::Num(_) => true,
            T::Sum(ts) => ts.iter().all(|t| atoms_in(t, k)),
            T::Prod(_, fs) => fs.iter().all(|(f, _)| atoms_in(f, k)),
        }
    }
    atoms_in(x, k) && key(x) == k
}
