//! The moves themselves and the breadth-first search for a shortest chain of
//! them. Each move rewrites one place of a term (the first, reading left to
//! right and outside in) and is named by what it did there.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Instant;

use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{One, Signed};

use super::term::{key, mul, neg, parts, pow, print, prod, small, sum, T};
use super::Moves;

/// How a move is justified: algebra (named), or using equation `i`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Algebra(String),
    Use(usize),
}

/// A move at one place: its name and the term it gives.
type Local = fn(&T) -> Option<(String, T)>;

/// A term of a sum: its factors' key, its coefficient, its factors.
type Like = (String, BigRational, Vec<(T, i32)>);

/// At most this many moves a step, and this many terms looked at.
const MAX_MOVES: usize = 8;
const MAX_STATES: usize = 4000;
/// Terms longer than this (printed) are not searched.
const MAX_TEXT: usize = 600;
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
        let forward = self.explore(start, &key(goal), deadline, |t| {
            self.successors(t, &goal_atoms)
        })?;
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

    /// A breadth-first search from `start` for a term with key `goal_key`:
    /// the path when found, else every state reached; `None` past `deadline`.
    fn explore(
        &self,
        start: &T,
        goal_key: &str,
        deadline: Option<Instant>,
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
            for (kind, next) in successors(&nodes[i].term) {
                // A state seen before is skipped whatever its length: its
                // key is checked first, and only a new state is printed.
                let next_key = key(&next);
                if seen.contains(&next_key) || print(&next).len() > MAX_TEXT {
                    continue;
                }
                seen.insert(next_key.clone());
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
        let defined = |of: &HashSet<String>, not_in: &HashSet<String>| {
            let mut at: Vec<usize> = of
                .iter()
                .filter(|a| !not_in.contains(*a))
                .filter_map(|a| self.def_at.get(a).copied())
                .collect();
            at.sort_unstable();
            at
        };
        if let Some((shared, next)) = first_expansion(t) {
            out.push((named(format!("factor out {}", print(&shared))), next));
        }
        if let Some((_, next)) = first(t, &factor_out) {
            out.push((named("expand".into()), next));
        }
        for i in defined(&here, start_atoms) {
            let (name, _, def) = &self.defs[i];
            if self.def_lens[i] > 2 * MAX_TEXT {
                continue;
            }
            let next = map_atoms(t, &|a| (a == name).then(|| def.clone()));
            out.push((named(format!("write {} as {name}", print(def))), next));
        }
        for i in defined(start_atoms, &here) {
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

    fn successors(&self, t: &T, goal_atoms: &HashSet<String>) -> Vec<(Kind, T)> {
        let mut out = Vec::new();
        let here = atoms(t);
        let named = |s: String| Kind::Algebra(s);
        // The definitions named here and not in the goal, in the order they are defined.
        let defined = |of: &HashSet<String>, not_in: &HashSet<String>| {
            let mut at: Vec<usize> = of
                .iter()
                .filter(|a| !not_in.contains(*a))
                .filter_map(|a| self.def_at.get(a).copied())
                .collect();
            at.sort_unstable();
            at
        };
        for i in defined(&here, goal_atoms) {
            let (name, text, def) = &self.defs[i];
            // Written in, a definition this long makes a term past `MAX_TEXT`
            // (only a coefficient can shorten it): not worth building.
            if self.def_lens[i] > 2 * MAX_TEXT {
                continue;
            }
            let next = map_atoms(t, &|a| (a == name).then(|| def.clone()));
            out.push((named(format!("substitute {name} = {text}")), next));
        }
        let local: [Local; 6] = [cancel, expand, factor_out, collect, combine, flip_signs];
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
        for i in defined(goal_atoms, &here) {
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

/// A state of a search: its term, where it came from and by which move,
/// its depth, and its key (computed once, when it is first reached).
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
fn rebuild(c: BigRational, fs: Vec<(T, i32)>) -> T {
    let mut acc = T::Num(c);
    for (f, k) in fs {
        let p = pow(&f, k).unwrap_or_else(|| prod(BigRational::one(), vec![(f, k)]));
        acc = mul(&acc, &p);
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

/// `x^a * … / x^b` → `x^(a-b)`: a factor in both numerator and denominator.
fn cancel(t: &T) -> Option<(String, T)> {
    let T::Prod(c, fs) = t else { return None };
    // Nothing cancels without factors of both signs (and keys are not cheap).
    if !(fs.iter().any(|(_, e)| *e > 0) && fs.iter().any(|(_, e)| *e < 0)) {
        return None;
    }
    let keys: Vec<String> = fs.iter().map(|(f, _)| key(f)).collect();
    let group = |i: usize| -> Vec<i32> {
        fs.iter()
            .zip(&keys)
            .filter(|(_, k)| **k == keys[i])
            .map(|((_, e), _)| *e)
            .collect()
    };
    let mut cancelled: Vec<String> = Vec::new();
    let mut out: Vec<(T, i32)> = Vec::new();
    let mut done: HashSet<&str> = HashSet::new();
    for (i, (f, k)) in fs.iter().enumerate() {
        let g = group(i);
        let both = g.iter().any(|e| *e > 0) && g.iter().any(|e| *e < 0);
        if !both {
            out.push((f.clone(), *k));
            continue;
        }
        let total: i32 = g.iter().sum();
        if !done.contains(keys[i].as_str()) && total == 0 {
            done.insert(&keys[i]);
            cancelled.push(print(f));
        }
        // What is left stands where the first factor of its sign stood.
        if total != 0 && (total > 0) == (*k > 0) && !done.contains(keys[i].as_str()) {
            done.insert(&keys[i]);
            cancelled.push(print(f));
            out.push((f.clone(), total));
        }
    }
    if cancelled.is_empty() {
        return None;
    }
    Some((
        format!("cancel {}", cancelled.join(" and ")),
        prod(c.clone(), out),
    ))
}

/// `(u + v)*w` → `u*w + v*w`.
fn expand(t: &T) -> Option<(String, T)> {
    expansion(t).map(|(_, next)| ("expand".into(), next))
}

/// `(u + v)*w` → `u*w + v*w`, with the factor `w` the terms share.
fn expansion(t: &T) -> Option<(T, T)> {
    let T::Prod(c, fs) = t else { return None };
    let i = fs
        .iter()
        .position(|(f, k)| *k == 1 && matches!(f, T::Sum(_)))?;
    let T::Sum(terms) = &fs[i].0 else { return None };
    let mut rest = fs.clone();
    rest.remove(i);
    let rest = prod(c.clone(), rest);
    let next = sum(terms.iter().map(|x| mul(x, &rest)).collect());
    Some((rest, next))
}

/// `expansion` at the first place it applies, with the shared factor.
fn first_expansion(t: &T) -> Option<(T, T)> {
    if let Some(r) = expansion(t) {
        return Some(r);
    }
    match t {
        T::Sum(ts) => ts.iter().enumerate().find_map(|(i, x)| {
            let (shared, r) = first_expansion(x)?;
            let mut ts = ts.clone();
            ts[i] = r;
            Some((shared, sum(ts)))
        }),
        T::Prod(c, fs) => fs.iter().enumerate().find_map(|(i, (x, _))| {
            let (shared, r) = first_expansion(x)?;
            let mut fs = fs.clone();
            fs[i].0 = r;
            Some((shared, rebuild(c.clone(), fs)))
        }),
        _ => None,
    }
}

/// `c*x*u + c*x*v` → `c*x*(u + v)`: the factors every term shares, and the sign.
fn factor_out(t: &T) -> Option<(String, T)> {
    let T::Sum(terms) = t else { return None };
    let split: Vec<(BigRational, Vec<(T, i32)>)> = terms.iter().map(parts).collect();
    let mut common: Vec<(T, i32)> = Vec::new();
    for (f, k) in &split[0].1 {
        let kf = key(f);
        let mut least = Some(*k);
        for (_, fs) in &split[1..] {
            let e = fs
                .iter()
                .find(|(g, e)| (*e > 0) == (*k > 0) && has_key(g, &kf))
                .map(|(_, e)| *e);
            least = match (least, e) {
                (Some(l), Some(e)) if *k > 0 => Some(l.min(e)),
                (Some(l), Some(e)) => Some(l.max(e)),
                _ => None,
            };
        }
        let Some(least) = least else { continue };
        if !common.iter().any(|(g, _)| has_key(g, &kf)) {
            common.push((f.clone(), least));
        }
    }
    let all_negative = split.iter().all(|(c, _)| c.is_negative());
    let integers = split.iter().all(|(c, _)| c.is_integer() && small(c));
    let mut g = if integers {
        split
            .iter()
            .fold(num_bigint::BigInt::from(0), |g, (c, _)| g.gcd(c.numer()))
    } else {
        num_bigint::BigInt::from(1)
    };
    if g == num_bigint::BigInt::from(0) {
        g = num_bigint::BigInt::from(1);
    }
    let mut cc = BigRational::from_integer(g);
    if all_negative {
        cc = -cc;
    }
    if common.is_empty() && cc.is_one() {
        return None;
    }
    let rest: Vec<T> = split
        .iter()
        .map(|(c, fs)| {
            let mut fs = fs.clone();
            for (f, k) in &common {
                let kf = key(f);
                if let Some(slot) = fs
                    .iter_mut()
                    .find(|(g, e)| (*e > 0) == (*k > 0) && has_key(g, &kf))
                {
                    slot.1 -= k;
                }
            }
            prod(c / &cc, fs)
        })
        .collect();
    let shared = prod(cc.clone(), common.clone());
    let mut fs = common;
    fs.push((sum(rest), 1));
    Some((format!("factor out {}", print(&shared)), rebuild(cc, fs)))
}

/// `a/(1 - p)` → `-a/(p - 1)`: a denominator that is a sum, written with its
/// signs flipped and the fraction's sign with it.
fn flip_signs(t: &T) -> Option<(String, T)> {
    let T::Prod(c, fs) = t else { return None };
    let at = fs
        .iter()
        .position(|(f, k)| *k < 0 && k % 2 != 0 && matches!(f, T::Sum(_)))?;
    let T::Sum(terms) = &fs[at].0 else {
        return None;
    };
    let mut fs = fs.clone();
    // A positive term first, as one writes it: `p - 1`, not `-1 + p`.
    let mut flipped: Vec<T> = terms.iter().map(neg).collect();
    flipped.sort_by_key(super::term::is_negative);
    fs[at].0 = sum(flipped);
    Some((
        "multiply top and bottom by -1".into(),
        rebuild(-c.clone(), fs),
    ))
}

/// `2*x + 3*x` → `5*x`: terms that differ only in their coefficient.
fn collect(t: &T) -> Option<(String, T)> {
    let T::Sum(terms) = t else { return None };
    let mut out: Vec<Like> = Vec::new();
    let mut merged = false;
    for x in terms {
        let (c, fs) = parts(x);
        let k = key(&prod(BigRational::one(), fs.clone()));
        match out.iter_mut().find(|(kk, _, _)| *kk == k) {
            Some(slot) => {
                slot.1 += c;
                merged = true;
            }
            None => out.push((k, c, fs)),
        }
    }
    merged.then(|| {
        let terms = out.into_iter().map(|(_, c, fs)| prod(c, fs)).collect();
        ("collect like terms".to_string(), sum(terms))
    })
}

/// `u/p + v/q` → `(u*q + v*p)/(p*q)`: one fraction over a common denominator.
fn combine(t: &T) -> Option<(String, T)> {
    let T::Sum(terms) = t else { return None };
    let mut den: Vec<(T, i32)> = Vec::new();
    for x in terms {
        for (f, k) in parts(x).1.into_iter().filter(|(_, k)| *k < 0) {
            let kf = key(&f);
            match den.iter_mut().find(|(g, _)| has_key(g, &kf)) {
                Some(slot) => slot.1 = slot.1.min(k),
                None => den.push((f, k)),
            }
        }
    }
    if den.is_empty() {
        return None;
    }
    let over: Vec<(T, i32)> = den.iter().map(|(f, k)| (f.clone(), -k)).collect();
    let whole = prod(BigRational::one(), over);
    let nums: Vec<T> = terms
        .iter()
        .map(|x| {
            let m = mul(x, &whole);
            cancel(&m).map_or(m, |(_, r)| r)
        })
        .collect();
    if nums.iter().any(|n| parts(n).1.iter().any(|(_, k)| *k < 0)) {
        return None;
    }
    let mut fs = vec![(sum(nums), 1)];
    fs.extend(den);
    Some(("combine the fractions".into(), prod(BigRational::one(), fs)))
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
fn has_key(x: &T, k: &str) -> bool {
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
