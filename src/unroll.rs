//! Symbolic-n problems at concrete sizes ([`Sizes`]: the number of classes
//! `n` and each declared size `m`): `a[j]` becomes the variable `a[2]` (and
//! `W[i, j]` the variable `W[1, 2]`) once the indices have values, `sum(j, e)`
//! the sum of its instances over `j`'s range and `delta(j, k)` a 0 or 1. Used
//! for spot checks and counterexamples only: agreement at concrete sizes is
//! evidence, not proof.

use std::collections::BTreeMap;
use std::fmt::Write;

use rustc_hash::FxHashMap;

use egg::{Id, Language, RecExpr, Symbol};

use crate::language::{Constant, Math};
use crate::problem::{Assumption, Definition, Problem};

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

/// Unrolls a term into a shared graph: a subterm is unrolled once for each
/// value of its own free indices (`sum(i, exp(a[i]))` inside `sum(j, …)` once,
/// not once per `j`), so the result grows with its tree's distinct subterms.
struct Unroller<'a> {
    expr: &'a RecExpr<Math>,
    sizes: &'a Sizes,
    /// [`free_indices`] of `expr`.
    free: &'a [Vec<Symbol>],
    /// Subterms without free indices, unrolled once.
    closed: Vec<Option<Id>>,
    /// Subterms with one or two free indices, by the values of those
    /// indices (packed into one number: no key is allocated).
    memo: FxHashMap<(Id, u64), Id>,
    /// Subterms with more free indices, by the values of those indices.
    memo_long: FxHashMap<(Id, Vec<usize>), Id>,
    out: Vec<Math>,
}

impl<'a> Unroller<'a> {
    fn new(expr: &'a RecExpr<Math>, sizes: &'a Sizes, free: &'a [Vec<Symbol>]) -> Self {
        Unroller {
            expr,
            sizes,
            free,
            closed: vec![None; expr.as_ref().len()],
            memo: FxHashMap::default(),
            memo_long: FxHashMap::default(),
            out: Vec::new(),
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
        self.out = Vec::with_capacity(self.out.capacity());
        let mut env = env.clone();
        self.copy(Id::from(self.expr.as_ref().len() - 1), &mut env)?;
        Ok(RecExpr::from(std::mem::take(&mut self.out)))
    }

    fn push(&mut self, node: Math) -> Id {
        self.out.push(node);
        Id::from(self.out.len() - 1)
    }

    fn copy(&mut self, id: Id, env: &mut Env) -> Result<Id, String> {
        if self.free[usize::from(id)].is_empty() {
            if let Some(done) = self.closed[usize::from(id)] {
                return Ok(done);
            }
            let done = self.copy_node(id, env)?;
            self.closed[usize::from(id)] = Some(done);
            return Ok(done);
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
    let family_name = family.as_str();
    let mut name = String::with_capacity(family_name.len() + 8 * values.len());
    name.push_str(family_name);
    name.push('[');
    for (k, v) in values.iter().enumerate() {
        if k > 0 {
            name.push_str(", ");
        }
        // Writing to a `String` cannot fail.
        let _ = write!(name, "{v}");
    }
    name.push(']');
    let done = Symbol::from(name);
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
                    out.definitions.push(Definition {
                        name: element(d.name, i),
                        expr: unroller.run(&Env::from([(j, i)]))?,
                        line: d.line,
                    });
                }
            }
            _ => out.definitions.push(Definition {
                name: d.name,
                expr: unroll(&d.expr, sizes, &Env::new())?,
                line: d.line,
            }),
        }
    }
    for a in &problem.assumptions {
        let free = crate::index::free_in_order_of(&[&a.lhs, &a.rhs]);
        for env in valuations(&free, sizes) {
            out.assumptions.push(Assumption {
                lhs: unroll(&a.lhs, sizes, &env)?,
                relation: a.relation,
                rhs: unroll(&a.rhs, sizes, &env)?,
                line: a.line,
            });
        }
    }
    Ok(out)
}

/// The problem at `n` classes as a concrete problem file: `a[2]` becomes the
/// variable `a2` (`y[2]` the name `y2`), each claim is stated for every value
/// of its free indices, and an undefined `n` becomes the number itself. The
/// walk of `backprove derive` runs on this file. Fails when a new name would
/// clash with a name the problem already uses.
///
/// ```
/// let p = backprove::parse_problem(&backprove::softmax_with_loss_n()).unwrap();
/// let sizes = backprove::unroll::Sizes::uniform(&p.ranges(), 2);
/// let text = backprove::unroll::unroll_to_text(&p, &sizes).unwrap();
/// assert!(text.contains("let y2 = exp(a2)/S"));
/// assert!(text.contains("prove d(L, a2) = y2 - t2"));
/// ```
pub fn unroll_to_text(problem: &Problem, sizes: &Sizes) -> Result<String, String> {
    let concrete = unroll_problem(problem, sizes)?;
    let mut claims = Vec::new();
    for c in &problem.claims {
        let free = crate::index::free_in_order_of(&[&c.lhs, &c.rhs]);
        for env in valuations(&free, sizes) {
            claims.push((unroll(&c.lhs, sizes, &env)?, unroll(&c.rhs, sizes, &env)?));
        }
    }
    // Names the problem already uses, which a flattened element must not take.
    let mut taken: std::collections::BTreeSet<Symbol> = std::collections::BTreeSet::new();
    let exprs = concrete
        .definitions
        .iter()
        .map(|d| &d.expr)
        .chain(concrete.assumptions.iter().flat_map(|a| [&a.lhs, &a.rhs]))
        .chain(claims.iter().flat_map(|(l, r)| [l, r]));
    for e in exprs {
        for node in e.as_ref() {
            if let Math::Var(s) = node {
                if !s.as_str().contains('[') {
                    taken.insert(*s);
                }
            }
        }
    }
    for d in &concrete.definitions {
        if !d.name.as_str().contains('[') {
            taken.insert(d.name);
        }
    }
    let flat = |s: Symbol| -> Result<Symbol, String> {
        match s.as_str().split_once('[') {
            Some((family, rest)) => {
                // `a[2]` becomes `a2`, `W[1, 2]` becomes `W1_2`.
                let values = rest.trim_end_matches(']').replace(", ", "_");
                let name = Symbol::from(format!("{family}{values}"));
                if taken.contains(&name) {
                    return Err(format!(
                        "`{s}` would become `{name}`, which the problem already uses"
                    ));
                }
                Ok(name)
            }
            None => Ok(s),
        }
    };
    let rename = |e: &RecExpr<Math>| -> Result<String, String> {
        let mut nodes = Vec::with_capacity(e.as_ref().len());
        for node in e.as_ref() {
            nodes.push(match node {
                Math::Var(s) => Math::Var(flat(*s)?),
                other => other.clone(),
            });
        }
        Ok(crate::print::to_infix(&RecExpr::from(nodes)))
    };
    let mut out = if sizes.ranges().is_default() {
        format!("# {} classes\n", sizes.n())
    } else {
        format!("# {sizes}\n")
    };
    for d in &concrete.definitions {
        // The number of classes and the declared sizes are numbers here.
        if d.line == 0 {
            if let Some(v) = sizes.size(d.name) {
                out += &format!("let {} = {v}\n", d.name);
                continue;
            }
        }
        out += &format!("let {} = {}\n", flat(d.name)?, rename(&d.expr)?);
    }
    for a in &concrete.assumptions {
        out += &format!(
            "assume {} {} {}\n",
            rename(&a.lhs)?,
            a.relation.symbol(),
            rename(&a.rhs)?
        );
    }
    for (l, r) in &claims {
        out += &format!("prove {} = {}\n", rename(l)?, rename(r)?);
    }
    // A family in a layer stands for its elements.
    for layer in &problem.layers {
        let mut names = Vec::new();
        for m in &layer.members {
            let elements: Vec<Symbol> = concrete
                .definitions
                .iter()
                .map(|d| d.name)
                .filter(|d| d.as_str().split_once('[').map(|(f, _)| f) == Some(m.as_str()))
                .collect();
            if elements.is_empty() {
                names.push(flat(*m)?.to_string());
            }
            for e in elements {
                names.push(flat(e)?.to_string());
            }
        }
        out += &format!("layer {} = {}\n", layer.name, names.join(", "));
    }
    Ok(out)
}
