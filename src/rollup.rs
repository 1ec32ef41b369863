//! Rolling up an unrolled problem: recognising that a problem written out
//! for `N` classes (`a1 … aN`, `let y1 = …` to `let yN = …`, sums written as
//! `e1 + … + eN`) is the instance at `n = N` of an indexed template
//! (`a[j]`, `let y[j] = …`, `sum(j, e)`), and every claim the instance of a
//! template claim at some values of its free indices.
//!
//! The template is a guess made here and checked elsewhere: the certificate
//! checker ([`crate::check`]) unrolls the template at `N`, renames `a[2]` to
//! `a2`, and compares it with the problem node by node; the kernel proves the
//! template's claims for every `n`. Nothing here is trusted. A problem that is
//! not such an instance gives `None`, and is decided claim by claim.

use std::collections::{BTreeMap, BTreeSet};

use egg::{Id, Language, RecExpr, Symbol};

use crate::language::Math;
use crate::print::to_infix;
use crate::problem::Problem;
use crate::unroll::Env;

/// Problems with fewer classes are decided claim by claim, as written: the
/// book's three classes read whole, step by step. From four on, the proof
/// for every n reads better (and costs less) than the written-out one.
pub const ROLL_UP_FROM: usize = 4;

/// A walk's node steps (`derive`) roll up from this many classes: below it,
/// each step is shown in the classes' own names, as the walk writes them.
pub const WALK_ROLL_UP_FROM: usize = 16;

/// A claim that is the instance of a template claim: which one (0-based), at which index values.
pub(crate) type Instance = (usize, Env);

/// A problem recognised as the instance of an indexed template.
#[derive(Debug)]
pub(crate) struct RollUp {
    /// The number of classes `N`.
    pub classes: usize,
    /// The template, parsed from its text; its claims are the distinct template claims.
    pub template: Problem,
    /// Per claim of the problem, in order: the template claim it instantiates, if any.
    pub instances: Vec<Option<Instance>>,
}

/// Splits an element name `a12` into its family `a` and class `12` (no
/// leading zero, so the split is unique).
///
/// ```
/// use backprove::rollup::split_element;
/// assert_eq!(split_element("a12"), Some(("a", 12)));
/// assert_eq!(split_element("a01"), None);
/// ```
pub fn split_element(s: &str) -> Option<(&str, usize)> {
    let family = s.trim_end_matches(|c: char| c.is_ascii_digit());
    let digits = &s[family.len()..];
    if family.is_empty() || family.contains('[') || digits.is_empty() || digits.starts_with('0') {
        return None;
    }
    Some((family, digits.parse().ok()?))
}

/// Recognises `problem` as an instance of an indexed template with at least
/// `from` classes ([`ROLL_UP_FROM`], or [`WALK_ROLL_UP_FROM`] in a walk).
pub(crate) fn roll_up(problem: &Problem, from: usize) -> Option<RollUp> {
    if crate::unroll::is_indexed(problem) {
        return None;
    }
    let mut symbols: BTreeSet<Symbol> = problem.definitions.iter().map(|d| d.name).collect();
    let exprs = problem
        .definitions
        .iter()
        .map(|d| &d.expr)
        .chain(problem.assumptions.iter().flat_map(|a| [&a.lhs, &a.rhs]))
        .chain(problem.claims.iter().flat_map(|c| [&c.lhs, &c.rhs]));
    for e in exprs {
        symbols.extend(e.as_ref().iter().filter_map(|n| match n {
            Math::Var(s) => Some(*s),
            _ => None,
        }));
    }
    // In an indexed file `n` is the number of classes.
    if symbols.contains(&Symbol::from("n")) {
        return None;
    }
    let mut groups: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    for s in &symbols {
        if let Some((family, i)) = split_element(s.as_str()) {
            groups.entry(family).or_default().insert(i);
        }
    }
    let complete = |set: &BTreeSet<usize>| set.last() == Some(&set.len());
    let classes = groups
        .values()
        .filter(|s| complete(s))
        .map(|s| s.len())
        .max()?;
    if classes < from {
        return None;
    }
    let mut elements = BTreeMap::new();
    for (family, set) in &groups {
        let f = Symbol::from(*family);
        if set.len() == classes && complete(set) && !symbols.contains(&f) {
            for &i in set {
                elements.insert(Symbol::from(format!("{family}{i}")), (f, i));
            }
        }
    }
    let shape = Shape {
        classes,
        elements,
        symbols,
    };
    shape.template(problem)
}

/// What recognition knows: `N`, the element names, the names in use.
struct Shape {
    classes: usize,
    elements: BTreeMap<Symbol, (Symbol, usize)>,
    symbols: BTreeSet<Symbol>,
}

fn push(out: &mut Vec<Math>, node: Math) -> Id {
    out.push(node);
    Id::from(out.len() - 1)
}

/// The `n` summands of `e1 + … + en` written left to right (as `sum` unrolls).
pub(crate) fn summands(e: &RecExpr<Math>, id: Id, n: usize) -> Option<Vec<Id>> {
    let mut out = Vec::with_capacity(n);
    let mut current = id;
    while out.len() + 1 < n {
        match &e[current] {
            Math::Add([l, r]) => {
                out.push(*r);
                current = *l;
            }
            _ => return None,
        }
    }
    out.push(current);
    out.reverse();
    Some(out)
}

impl Shape {
    /// An index name not in use, nor among `active`.
    fn fresh(&self, pool: &[&str], active: &[(Symbol, usize)]) -> Option<Symbol> {
        let free = |s: &Symbol| !self.symbols.contains(s) && active.iter().all(|(a, _)| a != s);
        let plain = pool.iter().map(|p| Symbol::from(*p));
        let numbered =
            (2..100).flat_map(|i| pool.iter().map(move |p| Symbol::from(format!("{p}{i}"))));
        plain.chain(numbered).find(free)
    }

    /// The template of the subterm at `id`, pushed onto `out`; `active` holds
    /// the indices in scope and their values (innermost last).
    fn generalize(
        &self,
        e: &RecExpr<Math>,
        id: Id,
        active: &mut Vec<(Symbol, usize)>,
        out: &mut Vec<Math>,
    ) -> Option<Id> {
        match &e[id] {
            Math::Var(s) => match self.elements.get(s) {
                Some(&(family, i)) => {
                    let &(j, _) = active.iter().rev().find(|(_, v)| *v == i)?;
                    let a = push(out, Math::Var(family));
                    let j = push(out, Math::Var(j));
                    Some(push(out, Math::Idx(vec![a, j].into())))
                }
                None => Some(push(out, Math::Var(*s))),
            },
            Math::Idx(_) | Math::Sum(_) | Math::Delta(_) | Math::Lambda(_) => None,
            node => {
                if matches!(node, Math::Add(_)) {
                    let mark = out.len();
                    if let Some(id) = self.sum(e, id, active, out) {
                        return Some(id);
                    }
                    out.truncate(mark);
                }
                let mut failed = false;
                let node = node.clone().map_children(|c| {
                    if failed {
                        return c;
                    }
                    self.generalize(e, c, active, out).unwrap_or_else(|| {
                        failed = true;
                        c
                    })
                });
                (!failed).then(|| push(out, node))
            }
        }
    }

    /// `e1 + … + eN` as `sum(j, t)` when every `ei` is `t` at `j = i`.
    fn sum(
        &self,
        e: &RecExpr<Math>,
        id: Id,
        active: &mut Vec<(Symbol, usize)>,
        out: &mut Vec<Math>,
    ) -> Option<Id> {
        let n = self.classes;
        let terms = summands(e, id, n)?;
        // Guess from a summand whose class no index in scope has, then check all.
        let v = (1..=n).rev().find(|v| active.iter().all(|(_, a)| a != v))?;
        let j = self.fresh(&["j", "i", "l", "r", "s", "u"], active)?;
        active.push((j, v));
        let body = self.generalize(e, terms[v - 1], active, out);
        active.pop();
        let body = body?;
        let mut env: Env = active.iter().copied().collect();
        for (i, term) in terms.iter().enumerate() {
            env.insert(j, i + 1);
            if !self.instance_of(out, body, e, *term, &mut env) {
                return None;
            }
        }
        let j = push(out, Math::Var(j));
        Some(push(out, Math::Sum([j, body])))
    }

    /// Whether the concrete subterm at `id` is the template at `t` with the
    /// indices valued by `env` (what unrolling and renaming would give).
    fn instance_of(&self, t: &[Math], tid: Id, e: &RecExpr<Math>, id: Id, env: &mut Env) -> bool {
        match (&t[usize::from(tid)], &e[id]) {
            (Math::Idx(c), Math::Var(s)) if c.len() == 2 => {
                match (&t[usize::from(c[0])], &t[usize::from(c[1])]) {
                    (Math::Var(f), Math::Var(j)) => env
                        .get(j)
                        .is_some_and(|v| self.elements.get(s) == Some(&(*f, *v))),
                    _ => false,
                }
            }
            (Math::Sum([j, body]), _) => {
                let Math::Var(j) = t[usize::from(*j)] else {
                    return false;
                };
                let Some(terms) = summands(e, id, self.classes) else {
                    return false;
                };
                let saved = env.get(&j).copied();
                let all = terms.iter().enumerate().all(|(i, term)| {
                    env.insert(j, i + 1);
                    self.instance_of(t, *body, e, *term, env)
                });
                match saved {
                    Some(v) => env.insert(j, v),
                    None => env.remove(&j),
                };
                all
            }
            (Math::Var(a), Math::Var(b)) => a == b && !self.elements.contains_key(b),
            (x, y) => {
                x.matches(y)
                    && x.children()
                        .iter()
                        .zip(y.children())
                        .all(|(c, d)| self.instance_of(t, *c, e, *d, env))
            }
        }
    }

    /// The template of a whole term with `active` indices, as text.
    fn text(&self, e: &RecExpr<Math>, active: &[(Symbol, usize)]) -> Option<String> {
        let mut out = Vec::new();
        let mut active = active.to_vec();
        self.generalize(e, Id::from(e.as_ref().len() - 1), &mut active, &mut out)?;
        Some(to_infix(&RecExpr::from(out)))
    }

    /// Whether `t` (a template term's text, `active` its free indices) unrolls to `e`.
    fn group_member(&self, e: &RecExpr<Math>, t: &RecExpr<Math>, env: &Env) -> bool {
        let mut env = env.clone();
        self.instance_of(
            t.as_ref(),
            Id::from(t.as_ref().len() - 1),
            e,
            Id::from(e.as_ref().len() - 1),
            &mut env,
        )
    }

    /// The generalized term at `active` as nodes (for checking a group's other members).
    fn nodes(&self, e: &RecExpr<Math>, active: &[(Symbol, usize)]) -> Option<RecExpr<Math>> {
        let mut out = Vec::new();
        let mut active = active.to_vec();
        self.generalize(e, Id::from(e.as_ref().len() - 1), &mut active, &mut out)?;
        Some(RecExpr::from(out))
    }

    fn template(&self, problem: &Problem) -> Option<RollUp> {
        let n = self.classes;
        let mut text = String::new();
        let defs = &problem.definitions;
        let mut i = 0;
        while i < defs.len() {
            match self.elements.get(&defs[i].name) {
                Some(&(family, 1)) => {
                    let group = defs.get(i..i + n)?;
                    let j = self.fresh(&["j"], &[])?;
                    let t = self.nodes(&group[0].expr, &[(j, 1)])?;
                    for (c, d) in group.iter().enumerate() {
                        let env = Env::from([(j, c + 1)]);
                        if self.elements.get(&d.name) != Some(&(family, c + 1))
                            || !self.group_member(&d.expr, &t, &env)
                        {
                            return None;
                        }
                    }
                    text += &format!("let {family}[{j}] = {}\n", to_infix(&t));
                    i += n;
                }
                Some(_) => return None,
                None => {
                    text += &format!(
                        "let {} = {}\n",
                        defs[i].name,
                        self.text(&defs[i].expr, &[])?
                    );
                    i += 1;
                }
            }
        }
        let assumptions = &problem.assumptions;
        let mut i = 0;
        while i < assumptions.len() {
            let a = &assumptions[i];
            let single = self
                .text(&a.lhs, &[])
                .zip(self.text(&a.rhs, &[]))
                .map(|(l, r)| (l, r, 1));
            let group = || {
                let group = assumptions.get(i..i + n)?;
                let k = self.fresh(&["k"], &[])?;
                let l = self.nodes(&group[0].lhs, &[(k, 1)])?;
                let r = self.nodes(&group[0].rhs, &[(k, 1)])?;
                for (c, g) in group.iter().enumerate() {
                    let env = Env::from([(k, c + 1)]);
                    if g.relation != a.relation
                        || !self.group_member(&g.lhs, &l, &env)
                        || !self.group_member(&g.rhs, &r, &env)
                    {
                        return None;
                    }
                }
                Some((to_infix(&l), to_infix(&r), n))
            };
            let (l, r, count) = single.or_else(group)?;
            text += &format!("assume {l} {} {r}\n", a.relation.symbol());
            i += count;
        }
        let mut claims: Vec<String> = Vec::new();
        let mut instances = Vec::new();
        for c in &problem.claims {
            let instance = self.claim(c).map(|(t, env)| {
                let at = claims.iter().position(|s| *s == t).unwrap_or_else(|| {
                    claims.push(t);
                    claims.len() - 1
                });
                (at, env)
            });
            instances.push(instance);
        }
        if claims.is_empty() {
            return None;
        }
        for c in &claims {
            text += &format!("prove {c}\n");
        }
        let template = crate::parse::parse_problem(&text).ok()?;
        Some(RollUp {
            classes: n,
            template,
            instances,
        })
    }

    /// A claim's template (its text) and its free indices' values: one free
    /// index per class its elements name outside sums (at most three).
    fn claim(&self, c: &crate::problem::Claim) -> Option<(String, Env)> {
        let mut values: Vec<usize> = Vec::new();
        for node in c.lhs.as_ref().iter().chain(c.rhs.as_ref()) {
            if let Math::Var(s) = node {
                if let Some(&(_, i)) = self.elements.get(s) {
                    if !values.contains(&i) {
                        values.push(i);
                    }
                }
            }
        }
        if values.len() > 3 {
            return None;
        }
        let mut active: Vec<(Symbol, usize)> = Vec::new();
        for v in values {
            let k = self.fresh(&["k", "m", "p"], &active)?;
            active.push((k, v));
        }
        let text = format!(
            "{} = {}",
            self.text(&c.lhs, &active)?,
            self.text(&c.rhs, &active)?
        );
        Some((text, active.into_iter().collect()))
    }
}
