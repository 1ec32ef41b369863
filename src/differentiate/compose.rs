//! Lemmas for derivatives of derivatives, read off the syntax. A checker
//! replaces each inner `d` by the result its lemmas compose to, then needs a
//! lemma for the outer `d` of exactly that term; the e-graph may have merged
//! the inner derivative with a simpler term (`d(y + y, x)` with `0`), so the
//! outer lemmas are made here, rule by rule from the table, for the composed
//! term itself. Owns only this composition; the e-graph's lemmas are `derive`'s.

use std::collections::{BTreeMap, HashMap};

use egg::{ENodeOrVar, Id, Language, RecExpr, Symbol, Var};
use num_rational::BigRational;

use crate::language::Math;
use crate::print::{infix_at, to_infix};
use crate::report::Step;
use crate::rules::diff::{diff_rule, rule_asts};
use crate::rules::terms::instantiate;

/// Composes derivatives over lemmas already made (by their `before` text)
/// and makes the missing ones.
pub(crate) struct Composer<'a> {
    defs: &'a BTreeMap<Symbol, RecExpr<Math>>,
    names: Vec<Symbol>,
    /// `after` of every lemma, by its `before`.
    known: HashMap<String, String>,
    /// The composed, `d`-free result of every lemma, by its `before`.
    results: HashMap<String, RecExpr<Math>>,
    /// Lemmas made here, in order.
    pub(crate) steps: Vec<Step>,
    /// How many nodes may still be made (the node limit).
    budget: usize,
}

impl<'a> Composer<'a> {
    /// A composer over `existing` lemmas.
    pub(crate) fn new(
        defs: &'a BTreeMap<Symbol, RecExpr<Math>>,
        existing: &[Step],
        budget: usize,
    ) -> Self {
        Composer {
            defs,
            names: defs.keys().copied().collect(),
            known: existing
                .iter()
                .map(|s| (s.before.clone(), s.after.clone()))
                .collect(),
            results: HashMap::new(),
            steps: Vec::new(),
            budget,
        }
    }

    /// `expr` with every `d` replaced by its composed result, making lemmas
    /// as needed; `None` where a term is outside what is composed here
    /// (indices, `let` names, a variable exponent) or the budget runs out.
    pub(crate) fn compose(&mut self, expr: &RecExpr<Math>) -> Option<RecExpr<Math>> {
        let mut out: Vec<Math> = Vec::new();
        let mut ids: Vec<Id> = Vec::with_capacity(expr.as_ref().len());
        for node in expr.as_ref() {
            let id = match node {
                Math::D([f, x]) => {
                    let (f, x) = (ids[usize::from(*f)], ids[usize::from(*x)]);
                    let f_term = subterm(&out, f);
                    let x_term = subterm(&out, x);
                    let r = self.derivative(&f_term, &x_term)?;
                    splice(&mut out, &r)
                }
                n => {
                    out.push(n.clone().map_children(|c| ids[usize::from(c)]));
                    Id::from(out.len() - 1)
                }
            };
            ids.push(id);
        }
        self.budget = self.budget.checked_sub(out.len())?;
        Some(RecExpr::from(out))
    }

    /// The composed result of `d(f, x)`: from an existing lemma, else from a new one.
    fn derivative(&mut self, f: &RecExpr<Math>, x: &RecExpr<Math>) -> Option<RecExpr<Math>> {
        let key = format!("d({}, {})", to_infix(f), to_infix(x));
        if let Some(r) = self.results.get(&key) {
            return Some(r.clone());
        }
        let after = match self.known.get(&key) {
            Some(after) => crate::parse::parse_expression(after, &self.names).ok()?,
            None => {
                let (rule, after) = self.lemma(f, x)?;
                let text = to_infix(&after);
                self.known.insert(key.clone(), text.clone());
                self.steps.push(Step::new(rule, key.clone(), text));
                after
            }
        };
        let r = self.compose(&after)?;
        self.results.insert(key, r.clone());
        Some(r)
    }

    /// The rule for `d(f, x)` by `f`'s operator, and its right side.
    fn lemma(&self, f: &RecExpr<Math>, x: &RecExpr<Math>) -> Option<(String, RecExpr<Math>)> {
        let [Math::Var(v)] = x.as_ref() else {
            return None;
        };
        let root = Id::from(f.as_ref().len() - 1);
        let child = |i: usize| subterm(f.as_ref(), f[root].children()[i]);
        let var = |n: &str| -> Var { n.parse().expect("a pattern variable") };
        let table = |name: &str, binding: Vec<(Var, RecExpr<Math>)>| {
            let rule = diff_rule(name)?;
            let (_, rhs) = rule_asts(rule);
            let mut terms = binding;
            terms.push((var("?x"), x.clone()));
            Some((rule.name.to_string(), instantiate(rhs, &terms)))
        };
        if !matches!(f[root], Math::Num(_)) && constant(f, root, 8).is_some() {
            return table("d-const", vec![]);
        }
        match &f[root] {
            Math::Num(_) => table("d-const", vec![]),
            Math::Var(s) if self.defs.contains_key(s) => None,
            Math::Var(s) if s == v => table("d-var", vec![]),
            Math::Var(_) => table("d-var-other", vec![(var("?y"), f.clone())]),
            Math::Add(_) | Math::Sub(_) => {
                let terms = chain(f, root);
                let x_text = to_infix(x);
                let mut text = String::new();
                for (i, (negative, id)) in terms.iter().enumerate() {
                    let d = format!("d({}, {x_text})", infix_at(f, *id));
                    text += &match (i, negative) {
                        (0, false) => d,
                        (0, true) => format!("-{d}"),
                        (_, false) => format!(" + {d}"),
                        (_, true) => format!(" - {d}"),
                    };
                }
                let rule = if terms.iter().any(|t| t.0) {
                    "d-add, d-sub"
                } else {
                    "d-add"
                };
                let after = crate::parse::parse_expression(&text, &self.names).ok()?;
                Some((rule.to_string(), after))
            }
            Math::Pow([_, c]) if constant(f, *c, 8).is_some() => table(
                "d-pow-const",
                vec![(var("?a"), child(0)), (var("?c"), child(1))],
            ),
            // Every other operator: its rule and variables read off the table.
            op => {
                let name =
                    crate::rules::rewrites::table_rule_for(op)
                        .or(matches!(op, Math::Pow(_)).then_some("d-pow"))?;
                let (lhs, _) = rule_asts(diff_rule(name)?);
                let ast = lhs.as_ref();
                let Some(ENodeOrVar::ENode(Math::D([fp, _]))) = ast.last() else {
                    return None;
                };
                let ENodeOrVar::ENode(pattern) = &ast[usize::from(*fp)] else {
                    return None;
                };
                let binding = pattern
                    .children()
                    .iter()
                    .enumerate()
                    .filter_map(|(i, pc)| match &ast[usize::from(*pc)] {
                        ENodeOrVar::Var(v) => Some((*v, child(i))),
                        ENodeOrVar::ENode(_) => None,
                    })
                    .collect();
                table(name, binding)
            }
        }
    }
}

/// The terms of the `+`/`-` chain at `root`, left to right, each with whether
/// it is subtracted (as `rules::rewrites::sum_terms` splits a chain).
fn chain(f: &RecExpr<Math>, root: Id) -> Vec<(bool, Id)> {
    let mut out = Vec::new();
    let mut todo = vec![(false, root)];
    while let Some((negative, id)) = todo.pop() {
        match &f[id] {
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

/// The value of a constant subterm, as the e-graph's guard computes it
/// (`rules::rewrites::is_constant`): numbers and `+ - * /`, small integer powers.
fn constant(f: &RecExpr<Math>, id: Id, depth: usize) -> Option<BigRational> {
    if depth == 0 {
        return None;
    }
    crate::language::constant_node(&f[id], |c| constant(f, c, depth - 1))
}

/// The subterm of `nodes` rooted at `id`, as its own term.
fn subterm(nodes: &[Math], id: Id) -> RecExpr<Math> {
    let mut out: Vec<Math> = Vec::new();
    let mut map: HashMap<Id, Id> = HashMap::new();
    let mut stack = vec![(id, false)];
    while let Some((i, done)) = stack.pop() {
        if map.contains_key(&i) {
            continue;
        }
        if done {
            let node = nodes[usize::from(i)].clone().map_children(|c| map[&c]);
            out.push(node);
            map.insert(i, Id::from(out.len() - 1));
        } else {
            stack.push((i, true));
            for c in nodes[usize::from(i)].children() {
                stack.push((*c, false));
            }
        }
    }
    RecExpr::from(out)
}

/// Appends the term `r` to `out`; its root's id.
fn splice(out: &mut Vec<Math>, r: &RecExpr<Math>) -> Id {
    let offset = out.len();
    for n in r.as_ref() {
        out.push(
            n.clone()
                .map_children(|c| Id::from(usize::from(c) + offset)),
        );
    }
    Id::from(out.len() - 1)
}
