//! Lemmas `d(f, x) = …`: each checked against the rule it names (the rule
//! table's patterns, matched by the kernel's own tree matcher, and the rule's
//! side condition), and the expansion of a term's `d` subterms by them.
//! Owns no algebra.

use std::collections::BTreeSet;

use rustc_hash::FxHashMap as HashMap;

use egg::{ENodeOrVar, Id, Language, PatternAst, RecExpr, Symbol, Var};

use super::norm::Defs;
use super::term::{self, alpha_key, copy, root};
use super::Justification;
use crate::language::{Math, Ranges};
use crate::rules::diff::{pattern_ast, Guard, DIFF_RULES};

/// The variable of a derivative: a free scalar, or an element of a free family.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Head {
    Scalar(Symbol),
    /// An element with its (first) index name.
    Element(Symbol, Symbol),
}

fn head(defs: &Defs, e: &RecExpr<Math>, id: Id) -> Option<Head> {
    let free = |i: Id| term::name(e, i).filter(|s| !defs.contains_key(s));
    match &e[id] {
        Math::Idx(c) => Some(Head::Element(free(c[0])?, term::name(e, c[1])?)),
        Math::Var(_) => free(id).map(Head::Scalar),
        _ => None,
    }
}

fn is_constant(e: &RecExpr<Math>, id: Id) -> bool {
    let sub = term::sub(e, id);
    sub.as_ref().iter().all(|n| {
        matches!(
            n,
            Math::Num(_)
                | Math::Add(_)
                | Math::Sub(_)
                | Math::Mul(_)
                | Math::Div(_)
                | Math::Pow(_)
                | Math::Neg(_)
                | Math::Exp(_)
                | Math::Log(_)
                | Math::Sqrt(_)
        )
    })
}

/// Checks the lemma `before = after` justified by `by`; `Ok` is the key of
/// `after` ([`alpha_key`]), `Err` says why not.
pub fn check(
    defs: &Defs,
    ranges: &Ranges,
    by: &Justification,
    before: &RecExpr<Math>,
    after: &RecExpr<Math>,
) -> Result<String, String> {
    let r = root(before);
    let Math::D([f, x]) = before[r] else {
        return Err("a lemma's left side must be a derivative".into());
    };
    let Some(x_head) = head(defs, before, x) else {
        return Err(
            "the variable of a derivative must be a free variable or an element of a free family"
                .into(),
        );
    };
    let expected = match by {
        Justification::Unfold(name) => unfold(defs, before, f, x, *name)?,
        Justification::RenameIndex => {
            let Math::Sum([k, _]) = before[f] else {
                return Err("rename-index renames the index of a sum".into());
            };
            let indices: Vec<Symbol> = match &before[x] {
                Math::Idx(c) => c[1..]
                    .iter()
                    .filter_map(|j| term::name(before, *j))
                    .collect(),
                _ => Vec::new(),
            };
            if !matches!((x_head, term::name(before, k)), (Head::Element(..), Some(b)) if indices.contains(&b))
            {
                return Err("the bound index does not capture the variable's index".into());
            }
            // Terms are compared up to the names of bound indices: the renamed
            // sum is the same term, so the right side must be the left side.
            before.clone()
        }
        Justification::Linear => {
            let terms = chain_terms(before, f);
            if terms.len() < 2 {
                return Err("d-add spreads over a sum of at least two terms".into());
            }
            linear(before, &terms, x)
        }
        Justification::Rule(name) => by_rule(defs, ranges, name, before)?,
        _ => {
            return Err(
                "a lemma is justified by a differentiation rule, an unfolding or rename-index"
                    .into(),
            )
        }
    };
    let key = alpha_key(after, root(after), ranges);
    if alpha_key(&expected, root(&expected), ranges) != key {
        return Err(format!("the rule gives {}, not {}", expected, after));
    }
    Ok(key)
}

fn unfold(
    defs: &Defs,
    e: &RecExpr<Math>,
    f: Id,
    x: Id,
    name: Symbol,
) -> Result<RecExpr<Math>, String> {
    let (def_index, body) = defs
        .get(&name)
        .ok_or_else(|| format!("`{name}` is not defined"))?;
    let mut nodes: Vec<Math> = Vec::new();
    let value = match (&e[f], def_index) {
        (Math::Var(s), None) if *s == name => copy(body, root(body), &mut nodes),
        (Math::Idx(c), Some(j)) if c.len() == 2 && term::name(e, c[0]) == Some(name) => {
            let k = term::name(e, c[1]).ok_or("an element's index must be a name")?;
            let Math::Lambda([_, b]) = body[root(body)] else {
                return Err(format!("the definition of `{name}` is not indexed"));
            };
            let instance = term::substitute(body, b, *j, k);
            copy(&instance, root(&instance), &mut nodes)
        }
        _ => return Err(format!("unfold-{name} does not fit this derivative")),
    };
    let x2 = copy(e, x, &mut nodes);
    nodes.push(Math::D([value, x2]));
    Ok(RecExpr::from(nodes))
}

/// A rule's two sides as pattern trees (`None`: the side does not parse).
type Sides = (Option<PatternAst<Math>>, Option<PatternAst<Math>>);

/// The rule table's sides as pattern trees, in table order, read once by
/// the table's own reader (the trees egg's parser gives: `rules::diff`
/// tests it on every side), `None` for a side that does not read. Only the
/// trees are read: a `PatternAst` skips compiling an e-matching program.
fn patterns() -> &'static [Sides] {
    static PATTERNS: std::sync::OnceLock<Vec<Sides>> = std::sync::OnceLock::new();
    PATTERNS.get_or_init(|| {
        DIFF_RULES
            .iter()
            .map(|r| (pattern_ast(r.lhs), pattern_ast(r.rhs)))
            .collect()
    })
}

fn by_rule(
    defs: &Defs,
    ranges: &Ranges,
    name: &str,
    before: &RecExpr<Math>,
) -> Result<RecExpr<Math>, String> {
    let at = DIFF_RULES
        .iter()
        .position(|r| r.name == name)
        .ok_or_else(|| format!("unknown rule `{name}`"))?;
    let rule = &DIFF_RULES[at];
    let (Some(lhs), Some(rhs)) = &patterns()[at] else {
        return Err("the rule table does not parse".into());
    };
    let mut binding: Vec<(Var, Id)> = Vec::new();
    if !matches_at(ranges, lhs, root(lhs), before, root(before), &mut binding) {
        return Err(format!("rule {name} does not match"));
    }
    let get = |v: &str| {
        let v: Var = v.parse().expect("a pattern variable");
        binding.iter().find(|(w, _)| *w == v).map(|(_, id)| *id)
    };
    let holds = match rule.guard {
        Guard::Always => true,
        Guard::IsConstant => get("?c").is_some_and(|c| is_constant(before, c)),
        Guard::IsFreeVar => get("?x").is_some_and(|x| head(defs, before, x).is_some()),
        Guard::IsOtherFreeVar => match (
            get("?y").and_then(|y| head(defs, before, y)),
            get("?x").and_then(|x| head(defs, before, x)),
        ) {
            (Some(Head::Scalar(a)), Some(Head::Scalar(b))) => a != b,
            (Some(Head::Element(a, _)), Some(Head::Element(b, _))) => a != b,
            (Some(_), Some(_)) => true,
            _ => false,
        },
        Guard::IsFreeFamily => {
            get("?a").is_some_and(|a| term::name(before, a).is_some_and(|s| !defs.contains_key(&s)))
        }
        // `d-pow` holds for every exponent where its right side is defined
        // (`log` of the base): the guard only steers the prover to `d-pow-const`.
        Guard::IsVariableExponent => true,
        Guard::NotCaptured => match (get("?j").and_then(|j| term::name(before, j)), get("?x")) {
            (Some(j), Some(x)) => !term::free_indices(before, x).contains(&j),
            _ => false,
        },
    };
    if !holds {
        return Err(format!("the side condition of rule {name} fails"));
    }
    let mut out: Vec<Math> = Vec::new();
    let mut ids: Vec<Id> = Vec::new();
    for node in rhs.as_ref() {
        let id = match node {
            ENodeOrVar::Var(v) => {
                let bound = binding
                    .iter()
                    .find(|(w, _)| w == v)
                    .map(|(_, id)| *id)
                    .ok_or("a rule's right side uses an unbound variable")?;
                copy(before, bound, &mut out)
            }
            ENodeOrVar::ENode(n) => {
                out.push(n.clone().map_children(|c| ids[usize::from(c)]));
                Id::from(out.len() - 1)
            }
        };
        ids.push(id);
    }
    Ok(RecExpr::from(out))
}

fn matches_at(
    ranges: &Ranges,
    p: &RecExpr<ENodeOrVar<Math>>,
    pi: Id,
    e: &RecExpr<Math>,
    t: Id,
    binding: &mut Vec<(Var, Id)>,
) -> bool {
    match &p[pi] {
        ENodeOrVar::Var(v) => match binding.iter().find(|(w, _)| w == v) {
            Some((_, bound)) => alpha_key(e, *bound, ranges) == alpha_key(e, t, ranges),
            None => {
                binding.push((*v, t));
                true
            }
        },
        ENodeOrVar::ENode(n) => {
            let term = &e[t];
            n.matches(term)
                && n.children()
                    .iter()
                    .zip(term.children())
                    .all(|(pc, tc)| matches_at(ranges, p, *pc, e, *tc, binding))
        }
    }
}

/// The terms of the `+`/`-` chain at `f`, left to right, with whether each is subtracted.
fn chain_terms(e: &RecExpr<Math>, f: Id) -> Vec<(bool, Id)> {
    let mut out = Vec::new();
    let mut todo = vec![(false, f)];
    while let Some((negative, id)) = todo.pop() {
        match &e[id] {
            Math::Add([a, b]) => {
                todo.push((negative, *b));
                todo.push((negative, *a));
            }
            Math::Sub([a, b]) if !negative => {
                todo.push((true, *b));
                todo.push((false, *a));
            }
            _ => out.push((negative, id)),
        }
    }
    out
}

/// `d(u1, x) + d(u2, x) - …` for the chain `terms`.
fn linear(e: &RecExpr<Math>, terms: &[(bool, Id)], x: Id) -> RecExpr<Math> {
    let mut out: Vec<Math> = Vec::new();
    let mut acc: Option<Id> = None;
    for (negative, t) in terms {
        let t = copy(e, *t, &mut out);
        let xv = copy(e, x, &mut out);
        out.push(Math::D([t, xv]));
        let d = Id::from(out.len() - 1);
        let next = match (acc, negative) {
            (None, false) => None,
            (None, true) => Some(Math::Neg(d)),
            (Some(a), false) => Some(Math::Add([a, d])),
            (Some(a), true) => Some(Math::Sub([a, d])),
        };
        acc = Some(match next {
            Some(n) => {
                out.push(n);
                Id::from(out.len() - 1)
            }
            None => d,
        });
    }
    RecExpr::from(out)
}

/// Replaces every `d` term by its lemma, bottom-up; a lemma with free
/// indices also serves its renamings. Terms are hash-consed in one store, so
/// a `d` term is found by its node; only a miss looks further (up to bound
/// index names, then up to a renaming of free indices).
pub struct Expander {
    lemmas: HashMap<String, RecExpr<Math>>,
    /// The lemmas with free indices `(lhs, rhs, key)`, in order: read
    /// into `schemas` at the first miss only.
    open: Vec<(RecExpr<Math>, RecExpr<Math>, String)>,
    /// By [`term::canonical_key`] of its left side: the lemma in `open`, and
    /// its free indices in the key's order.
    schemas: std::cell::OnceCell<HashMap<String, (usize, Vec<Symbol>)>>,
    store: std::cell::RefCell<Store>,
    /// The lemmas used, by key.
    pub used: std::cell::RefCell<BTreeSet<String>>,
    /// The index ranges, for the keys of sums.
    ranges: Ranges,
}

/// Hash-consed nodes, and what each `d` node expands to.
#[derive(Default)]
struct Store {
    nodes: Vec<Math>,
    index: HashMap<Math, Id>,
    /// `d` node -> (the lemma's key, its right side in the store), exact left sides only.
    exact: HashMap<Id, (String, Id)>,
    /// `d` node -> its expansion.
    expanded: HashMap<Id, Id>,
}

impl Store {
    fn add(&mut self, node: Math) -> Id {
        if let Some(id) = self.index.get(&node) {
            return *id;
        }
        let id = Id::from(self.nodes.len());
        self.nodes.push(node.clone());
        self.index.insert(node, id);
        id
    }

    fn term(&mut self, e: &RecExpr<Math>) -> Id {
        let mut ids: Vec<Id> = Vec::with_capacity(e.as_ref().len());
        for n in e.as_ref() {
            let id = self.add(n.clone().map_children(|c| ids[usize::from(c)]));
            ids.push(id);
        }
        *ids.last().expect("a term has a node")
    }

    fn extract(&self, id: Id) -> RecExpr<Math> {
        let mut out = Vec::new();
        term::copy_nodes(&self.nodes, id, &mut out);
        RecExpr::from(out)
    }
}

impl Expander {
    /// An expander by checked lemmas `(lhs, rhs, key of rhs)` (the key
    /// [`check`] returns); `Err` names a duplicate.
    pub fn new(
        lemmas: &[(RecExpr<Math>, RecExpr<Math>, String)],
        ranges: &Ranges,
    ) -> Result<Expander, usize> {
        let mut map = HashMap::default();
        let mut open = Vec::new();
        let mut store = Store::default();
        for (i, (l, r, r_key)) in lemmas.iter().enumerate() {
            let key = alpha_key(l, root(l), ranges);
            // A renaming of a bound index is the same term here: nothing to record.
            if key == *r_key {
                continue;
            }
            if map.insert(key.clone(), r.clone()).is_some() {
                return Err(i);
            }
            let (lid, rid) = (store.term(l), store.term(r));
            store.exact.insert(lid, (key.clone(), rid));
            if !term::free_in_order(l).is_empty() {
                open.push((l.clone(), r.clone(), key));
            }
        }
        Ok(Expander {
            lemmas: map,
            open,
            schemas: Default::default(),
            store: std::cell::RefCell::new(store),
            used: Default::default(),
            ranges: ranges.clone(),
        })
    }

    /// The lemma keys, for "every lemma is used".
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.lemmas.keys()
    }

    /// The right side of the lemma for `d`, up to bound names or a renaming of free indices.
    fn lookup(&self, d: &RecExpr<Math>) -> Option<RecExpr<Math>> {
        let k = alpha_key(d, root(d), &self.ranges);
        if let Some(r) = self.lemmas.get(&k) {
            self.used.borrow_mut().insert(k);
            return Some(r.clone());
        }
        let schemas = self.schemas.get_or_init(|| {
            let mut schemas = HashMap::default();
            for (i, (l, _, _)) in self.open.iter().enumerate() {
                let (key, order) = term::canonical_key(l, &self.ranges);
                schemas.entry(key).or_insert((i, order));
            }
            schemas
        });
        let (key, order) = term::canonical_key(d, &self.ranges);
        let (i, names) = schemas.get(&key)?;
        let (_, rhs, key) = &self.open[*i];
        self.used.borrow_mut().insert(key.clone());
        Some(term::rename_all(rhs, names, &order))
    }

    /// The term with every `d` replaced, recursively; `Err` names a `d` without a lemma.
    pub fn expand(&self, e: &RecExpr<Math>) -> Result<RecExpr<Math>, String> {
        if !term::has_d(e) {
            return Ok(e.clone());
        }
        let id = self.store.borrow_mut().term(e);
        let out = self.expand_id(id, 0)?;
        Ok(self.store.borrow().extract(out))
    }

    /// The expansion of the node `id`: its subterm bottom-up (children are
    /// older than their parents in the store), recursing only into lemmas.
    fn expand_id(&self, id: Id, depth: usize) -> Result<Id, String> {
        if depth > 1000 {
            return Err("lemmas nest too deeply".into());
        }
        let mut reach: Vec<Id> = Vec::new();
        {
            let store = self.store.borrow();
            let mut seen: rustc_hash::FxHashSet<Id> = Default::default();
            let mut todo = vec![id];
            while let Some(n) = todo.pop() {
                if store.expanded.contains_key(&n) || !seen.insert(n) {
                    continue;
                }
                reach.push(n);
                todo.extend(store.nodes[usize::from(n)].children().iter().copied());
            }
        }
        reach.sort();
        for n in reach {
            let node = self.store.borrow().nodes[usize::from(n)].clone();
            let rebuilt = {
                let store = self.store.borrow();
                node.map_children(|c| store.expanded[&c])
            };
            let new = self.store.borrow_mut().add(rebuilt.clone());
            let result = if let Math::D(_) = rebuilt {
                let exact = self.store.borrow().exact.get(&new).cloned();
                let rhs = match exact {
                    Some((key, rhs)) => {
                        self.used.borrow_mut().insert(key);
                        rhs
                    }
                    None => {
                        let d = self.store.borrow().extract(new);
                        let lemma = self.lookup(&d).ok_or_else(|| format!("no lemma for {d}"))?;
                        self.store.borrow_mut().term(&lemma)
                    }
                };
                self.expand_id(rhs, depth + 1)?
            } else {
                new
            };
            let mut store = self.store.borrow_mut();
            store.expanded.insert(n, result);
            store.expanded.insert(new, result);
        }
        Ok(self.store.borrow().expanded[&id])
    }
}
