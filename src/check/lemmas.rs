//! Lemmas: each `d(f, x) = ...` step checked against the rule it names with
//! the checker's own tree matcher, and the expansion of a term's `d`
//! subterms by the lemmas (a lemma with free indices serves its renamings).

use std::collections::{BTreeSet, HashMap};

use egg::{ENodeOrVar, Id, Language, RecExpr, Symbol, Var};
use num_rational::BigRational;

use super::points::exact_at;
use super::{root, Context, Failure};
use crate::language::Math;
use crate::print::{infix_at, to_infix};
use crate::report::Step;
use crate::rules::diff::{head_indices, independent, rule_patterns, Guard, DIFF_RULES, RENAME};
use std::collections::BTreeMap;

impl Context {
    /// Checks one lemma `d(f, x) = ...` against the rule it names.
    pub(super) fn check_lemma(
        &self,
        step: &Step,
    ) -> Result<(RecExpr<Math>, RecExpr<Math>), String> {
        let before = self.term(&step.before)?;
        let after = self.term(&step.after)?;
        let root = root(&before);
        let Math::D([f, x]) = before[root] else {
            return Err(format!("`{}` is not a derivative", step.before));
        };
        let Some(x_head) = self.head(&before, x) else {
            return Err("the variable of a derivative must be a free variable".into());
        };
        let expected = if let Some(name) = step.rule.strip_prefix("unfold-") {
            let (s, index) = match &before[f] {
                Math::Var(s) => (*s, None),
                Math::Idx([a, k]) => match (&before[*a], &before[*k]) {
                    (Math::Var(s), Math::Var(k)) => (*s, Some(*k)),
                    _ => return Err(format!("`{}` does not differentiate a name", step.before)),
                },
                _ => return Err(format!("`{}` does not differentiate a name", step.before)),
            };
            if s.as_str() != name {
                return Err(format!("rule {} does not fit `{}`", step.rule, step.before));
            }
            let def = self
                .defs
                .get(&s)
                .ok_or_else(|| format!("`{name}` is not defined"))?;
            let instance;
            let def = match (index, crate::index::instantiate(def, s)) {
                (Some(k), Some(_)) => {
                    instance = crate::index::instantiate(def, k).expect("an indexed definition");
                    &instance
                }
                (None, None) => def,
                _ => return Err(format!("rule {} does not fit `{}`", step.rule, step.before)),
            };
            let mut nodes = def.as_ref().to_vec();
            let body = Id::from(nodes.len() - 1);
            let x2 = copy_subterm(&before, x, &mut nodes);
            nodes.push(Math::D([body, x2]));
            RecExpr::from(nodes)
        } else if step.rule == RENAME {
            // `d(sum(k, B), a[k]) = d(sum(j, B[k := j]), a[k])` for a `j` free in neither.
            let (Math::Sum([k_id, body]), Some(k)) = (&before[f], head_indices(x_head)) else {
                return Err(format!("rule {} does not fit `{}`", step.rule, step.before));
            };
            if before[*k_id] != Math::Var(k) {
                return Err("the bound index does not capture the variable's index".into());
            }
            let after_root = Id::from(after.as_ref().len() - 1);
            let new = match &after[after_root] {
                Math::D([g, _]) => match &after[*g] {
                    Math::Sum([j, _]) => match &after[*j] {
                        Math::Var(j) => Some(*j),
                        _ => None,
                    },
                    _ => None,
                },
                _ => None,
            }
            .ok_or_else(|| format!("`{}` is not a derivative of a sum", step.after))?;
            if new == k || crate::index::free_indices(&before, f).contains(&new) {
                return Err(format!("renaming to `{new}` would capture an index"));
            }
            let renamed = crate::index::substitute(&before, *body, k, new);
            let mut nodes = renamed.as_ref().to_vec();
            let b = Id::from(nodes.len() - 1);
            nodes.push(Math::Var(new));
            let j = Id::from(nodes.len() - 1);
            nodes.push(Math::Sum([j, b]));
            let sum = Id::from(nodes.len() - 1);
            let x2 = copy_subterm(&before, x, &mut nodes);
            nodes.push(Math::D([sum, x2]));
            RecExpr::from(nodes)
        } else if step.rule == "d-add" || step.rule == "d-add, d-sub" {
            let terms = chain_terms(&before, f);
            let subtracts = terms.iter().any(|(negative, _)| *negative);
            if terms.len() < 2 || subtracts != (step.rule == "d-add, d-sub") {
                return Err(format!("rule {} does not fit `{}`", step.rule, step.before));
            }
            linear_expansion(&before, &terms, x)
        } else {
            let rule = DIFF_RULES
                .iter()
                .find(|r| r.name == step.rule)
                .ok_or_else(|| format!("unknown rule `{}`", step.rule))?;
            let (lhs, rhs) = rule_patterns(rule);
            let mut binding: Vec<(Var, Id)> = Vec::new();
            let lhs_root = Id::from(lhs.ast.as_ref().len() - 1);
            if !matches_at(&lhs.ast, lhs_root, &before, root, &mut binding) {
                return Err(format!(
                    "rule {} does not match `{}`",
                    rule.name, step.before
                ));
            }
            let get = |name: &str| {
                let v: Var = name.parse().expect("pattern variable");
                binding.iter().find(|(w, _)| *w == v).map(|(_, id)| *id)
            };
            let guard_holds = match rule.guard {
                Guard::Always => true,
                Guard::IsConstant => get("?c").is_some_and(|c| constant(&before, c).is_some()),
                Guard::IsFreeVar => get("?x").is_some_and(|x| self.head(&before, x).is_some()),
                Guard::IsOtherFreeVar => match (get("?y"), get("?x")) {
                    (Some(y), Some(x)) => match (self.head(&before, y), self.head(&before, x)) {
                        (Some(a), Some(b)) => independent(a, b),
                        _ => false,
                    },
                    _ => false,
                },
                Guard::IsFreeFamily => {
                    get("?a").is_some_and(|a| self.is_free_var(&before, a).is_some())
                }
                Guard::NotCaptured => match (get("?j"), get("?x")) {
                    (Some(j), Some(x)) => match &before[j] {
                        Math::Var(bound) => !crate::index::free_indices(&before, x).contains(bound),
                        _ => false,
                    },
                    _ => false,
                },
            };
            if !guard_holds {
                return Err(format!("the side condition of rule {} fails", rule.name));
            }
            instantiate(&rhs.ast, &binding, &before)
        };
        if to_infix(&expected) != to_infix(&after) {
            return Err(format!(
                "rule {} gives `{}`, not `{}`",
                step.rule,
                to_infix(&expected),
                step.after
            ));
        }
        Ok((before, after))
    }
}

/// Replaces every `d` term by its lemma, bottom-up, sharing repeated lemmas:
/// the result is a `d`-free term as a DAG.
pub(super) struct Expander<'a> {
    lemmas: &'a HashMap<String, RecExpr<Math>>,
    /// Lemmas with free indices by their canonical text, with their index names in order.
    schemas: &'a HashMap<String, (String, Vec<Symbol>)>,
    used: std::cell::RefCell<BTreeSet<String>>,
    /// Terms already expanded, by their text.
    done: std::cell::RefCell<HashMap<String, RecExpr<Math>>>,
}

impl<'a> Expander<'a> {
    /// An expander by these lemmas (by their left sides' text) and shapes.
    pub(super) fn new(
        lemmas: &'a HashMap<String, RecExpr<Math>>,
        schemas: &'a HashMap<String, (String, Vec<Symbol>)>,
    ) -> Self {
        Expander {
            lemmas,
            schemas,
            used: Default::default(),
            done: Default::default(),
        }
    }

    pub(super) fn expand(&self, expr: &RecExpr<Math>) -> Result<RecExpr<Math>, String> {
        if !expr.as_ref().iter().any(|n| matches!(n, Math::D(_))) {
            return Ok(expr.clone());
        }
        let text = to_infix(expr);
        if let Some(done) = self.done.borrow().get(&text) {
            return Ok(done.clone());
        }
        let mut out: RecExpr<Math> = RecExpr::default();
        let mut memo: HashMap<String, Id> = HashMap::new();
        let mut depth = 0;
        self.add(expr, &mut out, &mut memo, &mut depth)?;
        self.done.borrow_mut().insert(text, out.clone());
        Ok(out)
    }

    /// `d(f, x)` by a lemma that differs from it only in the names of free
    /// indices: that lemma's right side with the names renamed; and the lemma's key.
    fn instance(&self, out: &RecExpr<Math>, f: Id, x: Id) -> Option<(RecExpr<Math>, String)> {
        let mut nodes: Vec<Math> = Vec::new();
        let f = copy_subterm(out, f, &mut nodes);
        let x = copy_subterm(out, x, &mut nodes);
        nodes.push(Math::D([f, x]));
        let term = RecExpr::from(nodes);
        let (canonical, order) = crate::index::canonical(&term);
        let (key, lemma_order) = self.schemas.get(&to_infix(&canonical))?;
        let after = &self.lemmas[key];
        Some((
            crate::index::rename_all(after, lemma_order, &order),
            key.clone(),
        ))
    }

    /// Every lemma must have been used: a proof carries no unchecked baggage.
    pub(super) fn all_used(&self, steps: &[Step]) -> Result<(), Failure> {
        let used = self.used.borrow();
        for (i, key) in self.lemmas.keys().enumerate() {
            if !used.contains(key) {
                let step = steps.iter().position(|s| s.before == *key).unwrap_or(i);
                return Err((
                    Some(step + 1),
                    format!("the lemma for `{key}` is never used"),
                ));
            }
        }
        Ok(())
    }

    fn add(
        &self,
        expr: &RecExpr<Math>,
        out: &mut RecExpr<Math>,
        memo: &mut HashMap<String, Id>,
        depth: &mut usize,
    ) -> Result<Id, String> {
        let mut ids: Vec<Id> = Vec::with_capacity(expr.as_ref().len());
        for node in expr.as_ref() {
            let id = match node {
                Math::D([f, x]) => {
                    let key = format!(
                        "d({}, {})",
                        infix_at(out, ids[usize::from(*f)]),
                        infix_at(out, ids[usize::from(*x)])
                    );
                    match memo.get(&key) {
                        Some(id) => *id,
                        None => {
                            let (lemma, used) = match self.lemmas.get(&key) {
                                Some(lemma) => (lemma.clone(), key.clone()),
                                None => self
                                    .instance(out, ids[usize::from(*f)], ids[usize::from(*x)])
                                    .ok_or_else(|| format!("no lemma for `{key}`"))?,
                            };
                            self.used.borrow_mut().insert(used);
                            *depth += 1;
                            if *depth > 1_000 {
                                return Err("lemmas nest too deeply".into());
                            }
                            let id = self.add(&lemma, out, memo, depth)?;
                            *depth -= 1;
                            memo.insert(key, id);
                            id
                        }
                    }
                }
                other => out.add(other.clone().map_children(|c| ids[usize::from(c)])),
            };
            ids.push(id);
        }
        Ok(*ids.last().expect("a term has a node"))
    }
}

/// The terms of the `+`/`-` chain at `f`, left to right, with whether each is subtracted.
fn chain_terms(expr: &RecExpr<Math>, f: Id) -> Vec<(bool, Id)> {
    let mut out = Vec::new();
    let mut todo = vec![(false, f)];
    while let Some((negative, id)) = todo.pop() {
        match &expr[id] {
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

/// `d(u1, x) + d(u2, x) - ...` for the chain `terms` of `expr`.
fn linear_expansion(expr: &RecExpr<Math>, terms: &[(bool, Id)], x: Id) -> RecExpr<Math> {
    let mut out: Vec<Math> = Vec::new();
    let mut acc: Option<Id> = None;
    for (negative, term) in terms {
        let t = copy_subterm(expr, *term, &mut out);
        let xv = copy_subterm(expr, x, &mut out);
        out.push(Math::D([t, xv]));
        let d = Id::from(out.len() - 1);
        let next = match (acc, negative) {
            (None, false) => d,
            (None, true) => {
                out.push(Math::Neg(d));
                Id::from(out.len() - 1)
            }
            (Some(a), false) => {
                out.push(Math::Add([a, d]));
                Id::from(out.len() - 1)
            }
            (Some(a), true) => {
                out.push(Math::Sub([a, d]));
                Id::from(out.len() - 1)
            }
        };
        acc = Some(next);
    }
    RecExpr::from(out)
}

/// Appends the subterm of `expr` at `id` to `out`; returns its new id.
pub(super) fn copy_subterm(expr: &RecExpr<Math>, id: Id, out: &mut Vec<Math>) -> Id {
    let mut map: HashMap<Id, Id> = HashMap::new();
    let mut needed = vec![false; usize::from(id) + 1];
    needed[usize::from(id)] = true;
    for i in (0..=usize::from(id)).rev() {
        if needed[i] {
            for c in expr[Id::from(i)].children() {
                needed[usize::from(*c)] = true;
            }
        }
    }
    for (i, keep) in needed.iter().enumerate() {
        if *keep {
            let node = expr[Id::from(i)].clone().map_children(|c| map[&c]);
            out.push(node);
            map.insert(Id::from(i), Id::from(out.len() - 1));
        }
    }
    map[&id]
}

/// Whether the pattern at `p` matches the term at `t`, extending `binding`;
/// a variable bound twice must be bound to equal terms.
fn matches_at(
    pattern: &RecExpr<ENodeOrVar<Math>>,
    p: Id,
    expr: &RecExpr<Math>,
    t: Id,
    binding: &mut Vec<(Var, Id)>,
) -> bool {
    match &pattern[p] {
        ENodeOrVar::Var(v) => match binding.iter().find(|(w, _)| w == v) {
            Some((_, bound)) => infix_at(expr, *bound) == infix_at(expr, t),
            None => {
                binding.push((*v, t));
                true
            }
        },
        ENodeOrVar::ENode(node) => {
            let term = &expr[t];
            node.matches(term)
                && node
                    .children()
                    .iter()
                    .zip(term.children())
                    .all(|(pc, tc)| matches_at(pattern, *pc, expr, *tc, binding))
        }
    }
}

/// The rule's right side with each variable replaced by its bound subterm.
fn instantiate(
    pattern: &RecExpr<ENodeOrVar<Math>>,
    binding: &[(Var, Id)],
    expr: &RecExpr<Math>,
) -> RecExpr<Math> {
    let mut out: Vec<Math> = Vec::new();
    let mut ids: Vec<Id> = Vec::new();
    for node in pattern.as_ref() {
        let id = match node {
            ENodeOrVar::Var(v) => {
                let bound = binding
                    .iter()
                    .find(|(w, _)| w == v)
                    .map(|(_, id)| *id)
                    .expect("the right side's variables occur on the left");
                copy_subterm(expr, bound, &mut out)
            }
            ENodeOrVar::ENode(n) => {
                out.push(n.clone().map_children(|c| ids[usize::from(c)]));
                Id::from(out.len() - 1)
            }
        };
        ids.push(id);
    }
    RecExpr::from(out)
}

/// The exact value of a constant expression, if the subterm at `id` is one.
fn constant(expr: &RecExpr<Math>, id: Id) -> Option<BigRational> {
    exact_at(expr, id, &BTreeMap::new(), &BTreeMap::new())
}
