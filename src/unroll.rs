//! Symbolic-n problems at concrete sizes ([`Sizes`]: the number of classes
//! `n` and each declared size `m`): `a[j]` becomes the variable `a[2]` (and
//! `W[i, j]` the variable `W[1, 2]`) once the indices have values, `sum(j, e)`
//! the sum of its instances over `j`'s range and `delta(j, k)` a 0 or 1. Used
//! for spot checks and counterexamples only: agreement at concrete sizes is
//! evidence, not proof.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use egg::{Id, Language, RecExpr, Symbol};

use crate::language::{Constant, Math};
use crate::problem::{Assumption, Definition, Problem};

mod text;
pub use text::unroll_to_text;

/// The point key that holds the number of classes.
pub use crate::index::CLASSES;

/// The point key for the number of classes in `problem`: `n`, unless the
/// file defines `n` as something else (`let n = 2`), then `classes`.
pub fn classes_key(problem: &Problem) -> &'static str {
    let n = Symbol::from(CLASSES);
    let own = problem.definitions.iter().any(|d| {
        d.name == n
            && !matches!(d.expr.as_ref().last(), Some(Math::Sum([_, b]))
                if matches!(&d.expr[*b], Math::Num(c) if c.is_one()))
    });
    if own {
        "classes"
    } else {
        CLASSES
    }
}

/// Values of index names.
pub type Env = BTreeMap<Symbol, usize>;

/// The size of every range at one unrolling: `n` for the default range and a
/// number for each size declared by `index i in 1..m`.
///
/// ```
/// use backprove::unroll::Sizes;
/// let p = backprove::parse_problem("index i in 1..m\nprove sum(i, x[i]) = sum(j, y[j])").unwrap();
/// let all = Sizes::up_to(&p.ranges(), 2);
/// assert_eq!(all.len(), 4);
/// assert_eq!(all[1].to_string(), "n = 1, m = 2");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sizes {
    ranges: crate::index::Ranges,
    n: usize,
    declared: BTreeMap<Symbol, usize>,
}

impl Sizes {
    /// Every range of `ranges` at size `n`.
    pub fn uniform(ranges: &crate::index::Ranges, n: usize) -> Sizes {
        Sizes {
            ranges: ranges.clone(),
            n,
            declared: ranges.sizes().iter().map(|(s, _)| (*s, n)).collect(),
        }
    }

    /// Every combination of sizes from 1 to `max`, smallest total first (then
    /// in order of the sizes, `n` first).
    pub fn up_to(ranges: &crate::index::Ranges, max: usize) -> Vec<Sizes> {
        let mut out = vec![Sizes::uniform(ranges, 1)];
        for n in 2..=max {
            out.push(Sizes {
                n,
                ..Sizes::uniform(ranges, 1)
            });
        }
        for (size, _) in ranges.sizes() {
            out = out
                .into_iter()
                .flat_map(|s| {
                    (1..=max).map(move |v| {
                        let mut t = s.clone();
                        t.declared.insert(*size, v);
                        t
                    })
                })
                .collect();
        }
        out.sort_by_key(|s| (s.n + s.declared.values().sum::<usize>(), s.values()));
        out
    }

    /// The sizes by name, `n` first: `[(n, 2), (m, 3)]`.
    pub fn values(&self) -> Vec<(Symbol, usize)> {
        std::iter::once((Symbol::from(CLASSES), self.n))
            .chain(self.declared.iter().map(|(s, v)| (*s, *v)))
            .collect()
    }

    /// The size of the default range, the number of classes.
    pub fn n(&self) -> usize {
        self.n
    }

    /// The size of the range `index` runs over.
    pub fn of(&self, index: Symbol) -> usize {
        let size = self.ranges.size_of(index);
        self.declared.get(&size).copied().unwrap_or(self.n)
    }

    /// The value of a size by its name (`n` or a declared size).
    pub fn size(&self, name: Symbol) -> Option<usize> {
        if name.as_str() == CLASSES {
            return Some(self.n);
        }
        self.declared.get(&name).copied()
    }

    /// These sizes with the size `name` set to `value`.
    pub fn with(mut self, name: Symbol, value: usize) -> Sizes {
        if name.as_str() == CLASSES {
            self.n = value;
        } else if let Some(v) = self.declared.get_mut(&name) {
            *v = value;
        }
        self
    }

    /// The declared ranges these sizes are for.
    pub fn ranges(&self) -> &crate::index::Ranges {
        &self.ranges
    }
}

impl std::fmt::Display for Sizes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .values()
            .iter()
            .map(|(s, v)| format!("{s} = {v}"))
            .collect();
        write!(f, "{}", parts.join(", "))
    }
}

/// Whether a problem uses indexed families, sums or deltas.
pub fn is_indexed(problem: &Problem) -> bool {
    problem
        .definitions
        .iter()
        .any(|d| crate::index::is_indexed(&d.expr))
        || problem
            .assumptions
            .iter()
            .any(|a| crate::index::is_indexed(&a.lhs) || crate::index::is_indexed(&a.rhs))
        || problem
            .claims
            .iter()
            .any(|c| crate::index::is_indexed(&c.lhs) || crate::index::is_indexed(&c.rhs))
}

/// `expr` with the ranges at `sizes` and the free indices valued by `env`.
///
/// ```
/// use backprove::unroll::{unroll, Sizes};
/// let e: egg::RecExpr<backprove::Math> = "(sum j (* (idx t j) (delta j k)))".parse().unwrap();
/// let env = [("k".into(), 2)].into_iter().collect();
/// let sizes = Sizes::uniform(&Default::default(), 3);
/// let out = unroll(&e, &sizes, &env).unwrap();
/// assert_eq!(backprove::to_infix(&out), "t[1]*0 + t[2]*1 + t[3]*0");
/// ```
pub fn unroll(expr: &RecExpr<Math>, sizes: &Sizes, env: &Env) -> Result<RecExpr<Math>, String> {
    let free = free_indices(expr);
    Unroller::new(expr, sizes, &free).run(env)
}

/// The most nodes a problem (or one term) is unrolled into: past it,
/// unrolling stops with an error (a sum of sums of sums at 200 classes is
/// eight million terms), so no stage grows past a few hundred MB.
pub const MAX_UNROLLED_NODES: usize = 4_000_000;

fn too_large() -> String {
    format!("unrolled, the problem has more than {MAX_UNROLLED_NODES} nodes")
}

/// Whether an unrolling error is [`MAX_UNROLLED_NODES`] reached.
pub fn is_too_large(error: &str) -> bool {
    error == too_large()
}

/// The free indices of every node of `expr`, bottom-up.
pub(crate) fn free_indices(expr: &RecExpr<Math>) -> Vec<Vec<Symbol>> {
    let mut free: Vec<Vec<Symbol>> = Vec::with_capacity(expr.as_ref().len());
    let var = |id: &Id| match &expr[*id] {
        Math::Var(s) => Some(*s),
        _ => None,
    };
    for node in expr.as_ref() {
        let mut f: Vec<Symbol> = match node {
            Math::Idx(c) => c[1..].iter().filter_map(var).collect(),
            Math::Delta([j, k]) => var(j).into_iter().chain(var(k)).collect(),
            Math::Sum([j, body]) => {
                let j = var(j);
                free[usize::from(*body)]
                    .iter()
                    .copied()
                    .filter(|s| Some(*s) != j)
                    .collect()
            }
            Math::Lambda(_) => Vec::new(),
            other => other
                .children()
                .iter()
                .flat_map(|c| free[usize::from(*c)].iter().copied())
                .collect(),
        };
        f.sort();
        f.dedup();
        free.push(f);
    }
    free
}

/// Which nodes of `expr` are worth remembering once copied (`free` is
/// [`free_indices`] of `expr`). Not the root, copied once per run; nor a node
/// with one parent and the same free indices as it (under `sum(j, …)`: those
/// and `j`). Such a node is copied only when its parent is, at values of its
/// free indices that are the parent's (and each `j`): the parent is copied
/// once per value of its own free indices, so no copy of the node would ever
/// be looked up again. (Remembering everything gives the same term.)
fn worth_remembering(expr: &RecExpr<Math>, free: &[Vec<Symbol>]) -> Vec<bool> {
    let nodes = expr.as_ref();
    let mut parents = vec![0usize; nodes.len()];
    // Whether the node's free indices are its (last) parent's, as above.
    let mut as_parent = vec![false; nodes.len()];
    for (p, node) in nodes.iter().enumerate() {
        for c in node.children() {
            parents[usize::from(*c)] += 1;
        }
        match node {
            Math::Sum([j, body]) => {
                if let Math::Var(j) = &expr[*j] {
                    as_parent[usize::from(*body)] = free[usize::from(*body)].contains(j);
                }
            }
            // Their children are names, never copied.
            Math::Idx(_) | Math::Delta(_) | Math::Lambda(_) => {}
            // The free indices of the node are those of its children, together.
            _ => {
                for c in node.children() {
                    as_parent[usize::from(*c)] = free[usize::from(*c)].len() == free[p].len();
                }
            }
        }
    }
    let root = nodes.len().checked_sub(1);
    (0..nodes.len())
        .map(|k| Some(k) != root && !(parents[k] == 1 && as_parent[k]))
        .collect()
}

/// About how many nodes unrolling `expr` at `sizes` makes, so the output is
/// not copied again and again as it grows: the count for the term as a tree
/// (a `sum` makes its body once per value and the additions between), at
/// most 2^16 nodes. Only room: shared subterms make fewer.
fn expected_size(expr: &RecExpr<Math>, sizes: &Sizes) -> usize {
    let mut size: Vec<usize> = Vec::with_capacity(expr.as_ref().len());
    for node in expr.as_ref() {
        let here = match node {
            Math::Sum([j, body]) => {
                let values = match &expr[*j] {
                    Math::Var(j) => sizes.of(*j),
                    _ => 1,
                };
                values.saturating_mul(size[usize::from(*body)].saturating_add(1))
            }
            // A name, a number, an element, a 0 or 1: one node.
            Math::Var(_) | Math::Num(_) | Math::Idx(_) | Math::Delta(_) | Math::Lambda(_) => 1,
            other => other
                .children()
                .iter()
                .fold(1usize, |n, c| n.saturating_add(size[usize::from(*c)])),
        };
        size.push(here);
    }
    size.last().map_or(0, |n| (*n).min(1 << 16))
}

/// Unrolls a term into a shared graph: a subterm is unrolled once for each
/// value of its own free indices (`sum(i, exp(a[i]))` inside `sum(j, …)` once,
/// not once per `j`), so the result grows with its tree's distinct subterms.
struct Unroller<'a> {
    expr: &'a RecExpr<Math>,
    sizes: &'a Sizes,
    /// [`free_indices`] of `expr`.
    free: &'a [Vec<Symbol>],
    /// [`worth_remembering`] of `expr`.
    remember: Vec<bool>,
    /// Subterms without free indices, unrolled once.
    closed: Vec<Option<Id>>,
    /// Subterms with one or two free indices, by the values of those
    /// indices (packed into one number: no key is allocated).
    memo: FxHashMap<(Id, u64), Id>,
    /// Subterms with more free indices, by the values of those indices.
    memo_long: FxHashMap<(Id, Vec<usize>), Id>,
    out: Vec<Math>,
    /// How many nodes the last run made (before the first, [`expected_size`]):
    /// the room the next run starts with.
    room: usize,
}

impl<'a> Unroller<'a> {
    fn new(expr: &'a RecExpr<Math>, sizes: &'a Sizes, free: &'a [Vec<Symbol>]) -> Self {
        Unroller {
            expr,
            sizes,
            free,
            remember: worth_remembering(expr, free),
            closed: vec![None; expr.as_ref().len()],
            memo: FxHashMap::default(),
            memo_long: FxHashMap::default(),
            out: Vec::new(),
            room: expected_size(expr, sizes),
        }
    }

    /// The whole term unrolled with the free indices valued by `env`. Each
    /// run starts afresh (its memos emptied, their room kept), so one
    /// unroller serves a term at many valuations.
    fn run(&mut self, env: &Env) -> Result<RecExpr<Math>, String> {
        self.closed.fill(None);
        self.memo.clear();
        self.memo_long.clear();
        // The last run's size: the same term at another valuation is as large.
        self.out = Vec::with_capacity(self.room);
        let mut env = env.clone();
        self.copy(Id::from(self.expr.as_ref().len() - 1), &mut env)?;
        self.room = self.out.len();
        if self.out.capacity() > 2 * self.out.len() {
            // Shared subterms made fewer nodes than expected: keep no slack.
            self.out.shrink_to_fit();
        }
        Ok(RecExpr::from(std::mem::take(&mut self.out)))
    }

    fn push(&mut self, node: Math) -> Id {
        self.out.push(node);
        Id::from(self.out.len() - 1)
    }

    fn copy(&mut self, id: Id, env: &mut Env) -> Result<Id, String> {
        if self.out.len() > MAX_UNROLLED_NODES {
            return Err(too_large());
        }
        if self.free[usize::from(id)].is_empty() {
            if let Some(done) = self.closed[usize::from(id)] {
                return Ok(done);
            }
            let done = self.copy_node(id, env)?;
            self.closed[usize::from(id)] = Some(done);
            return Ok(done);
        }
        if !self.remember[usize::from(id)] {
            return self.copy_node(id, env);
        }
        let free = self.free[usize::from(id)].as_slice();
        let value = |s: &Symbol| env.get(s).copied().unwrap_or(0);
        let packed = pack_by(free, value);
        if let Some(packed) = packed {
            if let Some(done) = self.memo.get(&(id, packed)) {
                return Ok(*done);
            }
            let done = self.copy_node(id, env)?;
            self.memo.insert((id, packed), done);
            return Ok(done);
        }
        let key = (id, free.iter().map(value).collect::<Vec<usize>>());
        if let Some(done) = self.memo_long.get(&key) {
            return Ok(*done);
        }
        let done = self.copy_node(id, env)?;
        self.memo_long.insert(key, done);
        Ok(done)
    }

    fn copy_node(&mut self, id: Id, env: &mut Env) -> Result<Id, String> {
        let expr = self.expr;
        let name = |id: &Id| match &expr[*id] {
            Math::Var(s) => Ok(*s),
            _ => Err("an index slot holds a term".to_string()),
        };
        let value = |env: &Env, s: Symbol| {
            env.get(&s)
                .copied()
                .ok_or_else(|| format!("index `{s}` has no value"))
        };
        Ok(match &expr[id] {
            Math::Idx(c) => {
                // One or two indices (always, from the parser) need no allocation.
                let mut short = [0; 2];
                let mut long = Vec::new();
                let values: &[usize] = if c.len() - 1 <= short.len() {
                    for (slot, j) in short.iter_mut().zip(&c[1..]) {
                        *slot = value(env, name(j)?)?;
                    }
                    &short[..c.len() - 1]
                } else {
                    for j in &c[1..] {
                        long.push(value(env, name(j)?)?);
                    }
                    &long
                };
                self.push(Math::Var(element_at(name(&c[0])?, values)))
            }
            Math::Delta([j, k]) => {
                let same = value(env, name(j)?)? == value(env, name(k)?)?;
                self.push(Math::Num(Constant::int(i64::from(same))))
            }
            Math::Sum([j, body]) => {
                let j = name(j)?;
                let saved = env.get(&j).copied();
                let mut acc: Option<Id> = None;
                for i in 1..=self.sizes.of(j) {
                    env.insert(j, i);
                    let term = self.copy(*body, env)?;
                    acc = Some(match acc {
                        None => term,
                        Some(acc) => self.push(Math::Add([acc, term])),
                    });
                }
                match saved {
                    Some(v) => env.insert(j, v),
                    None => env.remove(&j),
                };
                acc.ok_or("a sum over no classes")?
            }
            Math::Lambda(_) => return Err("an indexed definition is not a term".into()),
            node => {
                let mut node = node.clone();
                for c in node.children_mut() {
                    *c = self.copy(*c, env)?;
                }
                self.push(node)
            }
        })
    }
}

/// At most two index values (each below 2^32) as one number: a memo key
/// that allocates nothing; `None` for more.
pub(crate) fn pack(values: &[usize]) -> Option<u64> {
    let value = |i: usize| u32::try_from(values[i]).ok().map(u64::from);
    match values.len() {
        0 => Some(0),
        1 => value(0),
        2 => Some(value(0)? | (value(1)? << 32)),
        _ => None,
    }
}

/// [`pack`] of the values `value` gives the indices `free`.
pub(crate) fn pack_by(free: &[Symbol], value: impl Fn(&Symbol) -> usize) -> Option<u64> {
    let mut values = [0; 2];
    for (slot, s) in values.iter_mut().zip(free) {
        *slot = value(s);
    }
    values.get(..free.len()).and_then(pack)
}

/// The variable `a[i]` stands for once `a[j]` has `j = i`.
pub fn element(family: Symbol, i: usize) -> Symbol {
    element_at(family, &[i])
}

/// The variable `W[i, j]` stands for at index values `values` (`W[1, 2]`).
pub fn element_at(family: Symbol, values: &[usize]) -> Symbol {
    // Unrolling at a thousand classes names the same elements again and
    // again: each thread remembers the names it has made (one or two
    // indices), so a name is written and interned once.
    thread_local! {
        static NAMES: std::cell::RefCell<FxHashMap<(Symbol, usize, usize), Symbol>> =
            std::cell::RefCell::new(FxHashMap::default());
        // Where a new name is written before it is interned, its room kept.
        static TEXT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    let key = match values {
        [i] => Some((family, *i, usize::MAX)),
        [i, j] if *j != usize::MAX => Some((family, *i, *j)),
        _ => None,
    };
    if let Some(key) = key {
        if let Some(done) = NAMES.with(|names| names.borrow().get(&key).copied()) {
            return done;
        }
    }
    let done = TEXT.with(|text| {
        let mut name = text.borrow_mut();
        name.clear();
        name.push_str(family.as_str());
        name.push('[');
        for (k, v) in values.iter().enumerate() {
            if k > 0 {
                name.push_str(", ");
            }
            crate::language::push_decimal(&mut name, *v as u64);
        }
        name.push(']');
        Symbol::from(name.as_str())
    });
    if let Some(key) = key {
        NAMES.with(|names| names.borrow_mut().insert(key, done));
    }
    done
}

/// Every valuation of `indices`, each in its range at `sizes`, in order.
pub fn valuations(indices: &[Symbol], sizes: &Sizes) -> Vec<Env> {
    let mut out = vec![Env::new()];
    for s in indices {
        let n = sizes.of(*s);
        out = out
            .into_iter()
            .flat_map(|env| {
                (1..=n).map(move |i| {
                    let mut e = env.clone();
                    e.insert(*s, i);
                    e
                })
            })
            .collect();
    }
    out
}

/// The problem's definitions and assumptions at `sizes`: `let y[j] = e`
/// becomes `y[1]`, ..., `y[n]`, and an assumption with free indices holds
/// for each of their values. Claims are left out.
pub fn unroll_problem(problem: &Problem, sizes: &Sizes) -> Result<Problem, String> {
    let mut out = Problem::default();
    // The nodes written so far, against the bound on the whole problem.
    let mut total = 0usize;
    let mut count = |e: &RecExpr<Math>| {
        total += e.as_ref().len();
        if total > MAX_UNROLLED_NODES {
            return Err(too_large());
        }
        Ok(())
    };
    for d in &problem.definitions {
        match d.expr.as_ref().last() {
            Some(Math::Lambda([j, body])) => {
                let Math::Var(j) = d.expr[*j] else {
                    return Err("an indexed definition without an index".into());
                };
                let body = RecExpr::from(d.expr.as_ref()[..=usize::from(*body)].to_vec());
                let free = free_indices(&body);
                let mut unroller = Unroller::new(&body, sizes, &free);
                for i in 1..=sizes.of(j) {
                    let expr = unroller.run(&Env::from([(j, i)]))?;
                    count(&expr)?;
                    out.definitions.push(Definition {
                        name: element(d.name, i),
                        expr,
                        line: d.line,
                    });
                }
            }
            _ => {
                let expr = unroll(&d.expr, sizes, &Env::new())?;
                count(&expr)?;
                out.definitions.push(Definition {
                    name: d.name,
                    expr,
                    line: d.line,
                })
            }
        }
    }
    for a in &problem.assumptions {
        let free = crate::index::free_in_order_of(&[&a.lhs, &a.rhs]);
        for env in valuations(&free, sizes) {
            let (lhs, rhs) = (unroll(&a.lhs, sizes, &env)?, unroll(&a.rhs, sizes, &env)?);
            count(&lhs)?;
            count(&rhs)?;
            out.assumptions.push(Assumption {
                lhs,
                relation: a.relation,
                rhs,
                line: a.line,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
