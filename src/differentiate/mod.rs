//! Differentiation in the e-graph: runs the `d` rules of `rules::diff` to
//! saturation under limits, extracts `d`-free terms and lists one lemma per
//! `d` term used, each an instance of a named rule. Owns no algebra.

mod compose;
mod extract;

use extract::cheapest_nodes;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Instant;

use rustc_hash::{FxHashMap, FxHashSet};

use egg::{ENodeOrVar, Id, Language, RecExpr, Symbol, Var};

use crate::language::Math;
use crate::print::to_infix;
use crate::report::{Step, StopReason};
use crate::rules::diff::{diff_rule, rule_asts, RENAME, UNFOLD};
use crate::rules::rewrites::{
    bind, bound_name, head, head_indices, is_constant, name_in, rule_for, sum_terms, EGraph,
    Rewrite,
};
use crate::rules::terms::{instantiate, D_COST};

/// Why differentiation gave no `d`-free term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeriveError {
    /// A limit ran out: which, and what it stopped.
    Limit(StopReason, String),
    /// No rule handles this `d` term (in input syntax).
    NoRule(String),
}

impl std::fmt::Display for DeriveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeriveError::Limit(_, what) => write!(f, "not proved within limits: {what}"),
            DeriveError::NoRule(term) => write!(f, "no differentiation rule applies to {term}"),
        }
    }
}

impl DeriveError {
    /// The limit that ran out, if one did.
    pub fn limit(&self) -> Option<StopReason> {
        match self {
            DeriveError::Limit(which, _) => Some(*which),
            DeriveError::NoRule(_) => None,
        }
    }

    /// What happened, without the verdict's prefix.
    pub fn what(&self) -> String {
        match self {
            DeriveError::Limit(_, what) => what.clone(),
            DeriveError::NoRule(_) => self.to_string(),
        }
    }
}
/// Limits for one saturation.
#[derive(Debug, Clone, Copy)]
pub struct SaturationLimits {
    /// Maximum e-nodes.
    pub max_nodes: usize,
    /// When to stop.
    pub deadline: Instant,
}

/// Terms differentiated together in one e-graph.
pub struct Derivation<'a> {
    egraph: EGraph,
    defs: &'a BTreeMap<Symbol, RecExpr<Math>>,
    roots: Vec<Id>,
    d_terms: Vec<Vec<(Id, Id)>>,
    /// The cheapest node of each class and its cost, `d`-free where possible.
    best: FxHashMap<Id, (usize, Math)>,
    /// Whether the terms use indices (so lemmas are shared between renamings).
    indexed: bool,
    /// The node limit, which also bounds the terms written out.
    max_nodes: usize,
    /// The terms as given, and for each `d` in them (in order) whether its
    /// argument holds another `d`.
    exprs: Vec<RecExpr<Math>>,
    nested: Vec<bool>,
}

impl<'a> Derivation<'a> {
    /// Adds `exprs` to a fresh e-graph and runs the differentiation rules.
    /// Hitting a limit is a [`DeriveError::Limit`] naming which.
    pub fn run(
        exprs: &[&RecExpr<Math>],
        defs: &'a BTreeMap<Symbol, RecExpr<Math>>,
        rules: &[Rewrite],
        limits: SaturationLimits,
    ) -> Result<Self, DeriveError> {
        let mut egraph = EGraph::default();
        let mut roots = Vec::new();
        let mut d_terms = Vec::new();
        let mut nested = Vec::new();
        for expr in exprs {
            let mut ids: Vec<Id> = Vec::with_capacity(expr.as_ref().len());
            let mut ds = Vec::new();
            let mut has_d: Vec<bool> = Vec::with_capacity(expr.as_ref().len());
            for node in expr.as_ref() {
                let inner = node.children().iter().any(|c| has_d[usize::from(*c)]);
                if let Math::D([f, _]) = node {
                    nested.push(has_d[usize::from(*f)]);
                }
                has_d.push(inner || matches!(node, Math::D(_)));
                let node = node.clone().map_children(|c| ids[usize::from(c)]);
                if let Math::D([f, x]) = node {
                    ds.push((f, x));
                }
                ids.push(egraph.add(node));
            }
            roots.push(*ids.last().expect("a term has at least one node"));
            d_terms.push(ds);
        }
        let egraph = saturate(egraph, rules, limits)?;
        let roots = roots.iter().map(|r| egraph.find(*r)).collect();
        let indexed = exprs.iter().any(|e| crate::index::is_indexed(e))
            || defs.values().any(crate::index::is_indexed);
        let mut original: BTreeSet<Symbol> = BTreeSet::new();
        if indexed {
            for e in exprs.iter().copied().chain(defs.values()) {
                original.extend(crate::index::index_names(e));
            }
        }
        let best = cheapest_nodes(&egraph, &original);
        Ok(Derivation {
            egraph,
            defs,
            roots,
            d_terms,
            best,
            indexed,
            max_nodes: limits.max_nodes,
            exprs: exprs.iter().map(|e| (*e).clone()).collect(),
            nested,
        })
    }

    /// The `d`-free form of the `i`-th term, or an error naming a `d` term no
    /// rule handles. Written out as a tree, a derivative can be exponentially
    /// larger than its e-graph: beyond ten times the node limit (a derivative
    /// over n classes is about 5n² nodes as a tree, 5 million at n = 1000),
    /// that is the error.
    pub fn result(&self, i: usize) -> Result<RecExpr<Math>, DeriveError> {
        let size = self.tree_size(self.roots[i], &mut FxHashMap::default());
        let limit = self.max_nodes.saturating_mul(10);
        if size > limit {
            return Err(DeriveError::Limit(
                StopReason::Nodes,
                format!("the derivative, written out, would have more than {limit} nodes (ten times --max-nodes)"),
            ));
        }
        let (cost, expr) = self.find_best(self.roots[i]);
        if cost < D_COST {
            return Ok(expr);
        }
        // A `d` that a rule did rewrite, kept only because every form without
        // it costs more than a `d` (a tree of over 2^40 nodes), is a size limit.
        if self.rewritten_d_kept(self.roots[i]) {
            return Err(DeriveError::Limit(
                StopReason::Nodes,
                "the derivative is too large to write out (every form of it without `d` is past the extraction's cost cap, 2^40)".into(),
            ));
        }
        let stuck = expr
            .as_ref()
            .iter()
            .enumerate()
            .find(|(_, n)| matches!(n, Math::D(_)))
            .map(|(i, _)| crate::print::infix_at(&expr, Id::from(i)))
            .unwrap_or_default();
        Err(DeriveError::NoRule(stuck))
    }

    /// Whether the cheapest form of `id` keeps a `d` node whose class also
    /// holds a `d`-free node (a rule applied to it).
    fn rewritten_d_kept(&self, id: Id) -> bool {
        let mut todo = vec![self.egraph.find(id)];
        let mut seen: FxHashSet<Id> = FxHashSet::default();
        while let Some(id) = todo.pop() {
            if !seen.insert(id) {
                continue;
            }
            let Some((_, node)) = self.best.get(&id) else {
                continue;
            };
            if matches!(node, Math::D(_)) {
                if self.egraph[id]
                    .nodes
                    .iter()
                    .any(|n| !matches!(n, Math::D(_)))
                {
                    return true;
                }
                continue;
            }
            todo.extend(node.children().iter().map(|c| self.egraph.find(*c)));
        }
        false
    }

    fn find_best(&self, id: Id) -> (usize, RecExpr<Math>) {
        let root = self.egraph.find(id);
        let (cost, node) = &self.best[&root];
        let expr = node.build_recexpr(|c| self.best[&self.egraph.find(c)].1.clone());
        (*cost, expr)
    }

    /// How many nodes the term of class `id` has when printed as a tree
    /// (shared subterms counted each time), saturating.
    fn tree_size(&self, id: Id, memo: &mut FxHashMap<Id, usize>) -> usize {
        let id = self.egraph.find(id);
        if let Some(&n) = memo.get(&id) {
            return n;
        }
        let Some((_, node)) = self.best.get(&id) else {
            return 1;
        };
        let node = node.clone();
        let n = node.children().iter().fold(1usize, |acc, c| {
            acc.saturating_add(self.tree_size(*c, memo))
        });
        memo.insert(id, n);
        n
    }

    /// One lemma per `d` term reached from the inputs' `d` terms, top-down:
    /// `d(f, x) = ...` by the rule that fits `f`'s operator. The terms are
    /// printed as trees, which can be exponentially larger than the e-graph:
    /// when the lemmas would hold more than `max_nodes` nodes in all, the
    /// answer is an `Err` saying so, before anything large is printed.
    pub fn lemmas(&self, max_nodes: usize) -> Result<Vec<Step>, DeriveError> {
        let mut sizes: FxHashMap<Id, usize> = FxHashMap::default();
        let mut total = 0usize;
        for (f, x) in self.d_terms.iter().flatten() {
            total = total.saturating_add(self.tree_size(*f, &mut sizes));
            total = total.saturating_add(self.tree_size(*x, &mut sizes));
        }
        let mut seen_classes: FxHashSet<Id> = FxHashSet::default();
        for class in self.egraph.classes() {
            // Every `d` node's argument is printed once before and once after its rule.
            for node in &class.nodes {
                if let Math::D([f, _]) = node {
                    if seen_classes.insert(self.egraph.find(*f)) {
                        total =
                            total.saturating_add(self.tree_size(*f, &mut sizes).saturating_mul(2));
                    }
                }
            }
        }
        if total > max_nodes {
            return Err(DeriveError::Limit(
                StopReason::Nodes,
                format!("the derivative's lemmas, printed, would have more than {max_nodes} nodes (--max-nodes)"),
            ));
        }
        Ok(self.lemmas_unchecked())
    }

    /// The lemmas: from the e-graph, except that a `d` of a `d` gets lemmas
    /// for the term its inner lemmas compose to (see `compose`), which the
    /// e-graph may have merged with a simpler one.
    fn lemmas_unchecked(&self) -> Vec<Step> {
        let all: Vec<(Id, Id)> = self.d_terms.iter().flatten().copied().collect();
        if self.indexed || !self.nested.iter().any(|n| *n) {
            return self.walk(all);
        }
        let inner: Vec<(Id, Id)> = all
            .iter()
            .zip(&self.nested)
            .filter(|(_, nested)| !**nested)
            .map(|(d, _)| *d)
            .collect();
        let mut steps = self.walk(inner);
        let mut composer = compose::Composer::new(self.defs, &steps, self.max_nodes);
        if self.exprs.iter().all(|e| composer.compose(e).is_some()) {
            steps.extend(composer.steps);
            return steps;
        }
        self.walk(all)
    }

    /// The e-graph's lemmas for the `d` terms `starts` and every `d` term they reach.
    fn walk(&self, starts: Vec<(Id, Id)>) -> Vec<Step> {
        let print = |id: Id| self.find_best(id).1;
        let mut steps = Vec::new();
        let mut seen: FxHashSet<(Id, Id)> = FxHashSet::default();
        let mut queue: VecDeque<(Id, Id)> = starts
            .into_iter()
            .map(|(f, x)| (self.egraph.find(f), self.egraph.find(x)))
            .collect();
        // A lemma with free indices serves all its renamings: emit one per shape.
        let mut shapes: FxHashSet<String> = FxHashSet::default();
        while let Some((f, x)) = queue.pop_front() {
            if !seen.insert((f, x)) {
                continue;
            }
            if self.indexed {
                let mut nodes = print(f).as_ref().to_vec();
                let fi = Id::from(nodes.len() - 1);
                let offset = nodes.len();
                nodes.extend(print(x).as_ref().iter().map(|n| {
                    n.clone()
                        .map_children(|c| Id::from(usize::from(c) + offset))
                }));
                let xi = Id::from(nodes.len() - 1);
                nodes.push(Math::D([fi, xi]));
                let (canonical, _) = crate::index::canonical(&RecExpr::from(nodes));
                if !shapes.insert(to_infix(&canonical)) {
                    continue;
                }
            }
            let f_node = self.best[&self.egraph.find(f)].1.clone();
            // A constant (`1^2 + 1`) is differentiated by `d-const` whatever its
            // operator, as in the e-graph: its derivative's printed form is `0`,
            // and the lemmas must compose to the printed forms.
            let constant = !matches!(f_node, Math::Num(_)) && is_constant(&self.egraph, f);
            let name = if constant {
                Some("d-const")
            } else {
                rule_for(&f_node, &self.egraph, x, self.defs)
            };
            let Some(name) = name else {
                continue;
            };
            if name == UNFOLD {
                let (bound, shown, def) =
                    if let Some(bound) = bound_name(&self.egraph, f, self.defs) {
                        (bound, bound.to_string(), self.defs[&bound].clone())
                    } else {
                        let Math::Idx(c) = &f_node else {
                            continue;
                        };
                        let [a, k] = c[..] else {
                            continue;
                        };
                        let (Some(family), Some(k)) =
                            (name_in(&self.egraph, a), name_in(&self.egraph, k))
                        else {
                            continue;
                        };
                        let Some(def) = crate::index::instantiate(&self.defs[&family], k) else {
                            continue;
                        };
                        (family, format!("{family}[{k}]"), def)
                    };
                let Some(body) = self.egraph.lookup_expr(&def) else {
                    continue;
                };
                let x_text = to_infix(&print(x));
                steps.push(Step::new(
                    format!("unfold-{bound}"),
                    format!("d({shown}, {x_text})"),
                    format!("d({}, {x_text})", to_infix(&def)),
                ));
                queue.push_back((self.egraph.find(body), x));
                continue;
            }
            if name == RENAME {
                // `d(sum(k, f), a[k])`: the bound `k` is renamed, then `d-sum` applies.
                let Some(ks) = head(&self.egraph, x, self.defs).map(head_indices) else {
                    continue;
                };
                let sum = print(f);
                let x_text = to_infix(&print(x));
                let Some(Math::Sum([j, body])) = self.egraph[self.egraph.find(f)]
                    .nodes
                    .iter()
                    .find(|n| {
                        matches!(n, Math::Sum([j, _])
                            if name_in(&self.egraph, *j).is_some_and(|j| !ks.contains(&j)))
                    })
                    .cloned()
                else {
                    continue;
                };
                let Some(new) = name_in(&self.egraph, j) else {
                    continue;
                };
                let renamed = format!("sum({new}, {})", to_infix(&print(body)));
                steps.push(Step::new(
                    RENAME.to_string(),
                    format!("d({}, {x_text})", to_infix(&sum)),
                    format!("d({renamed}, {x_text})"),
                ));
                steps.push(Step::new(
                    "d-sum".to_string(),
                    format!("d({renamed}, {x_text})"),
                    format!("sum({new}, d({}, {x_text}))", to_infix(&print(body))),
                ));
                queue.push_back((self.egraph.find(body), x));
                continue;
            }
            if name == "d-add" || name == "d-sub" {
                // A chain `u1 + u2 - u3 ...` is split in one step, so a long sum
                // costs one line, not one line per prefix.
                // The chain as it is printed: through each class's chosen node.
                let terms = sum_terms(&self.egraph, f, |id, _| {
                    let node = &self.best.get(&self.egraph.find(id))?.1;
                    matches!(node, Math::Add(_) | Math::Sub(_)).then(|| node.clone())
                });
                let x_text = to_infix(&print(x));
                let pieces: Vec<String> = terms
                    .iter()
                    .enumerate()
                    .map(|(i, (negative, id))| {
                        let d = format!("d({}, {x_text})", to_infix(&print(*id)));
                        match (i, negative) {
                            (0, false) => d,
                            (0, true) => format!("-{d}"),
                            (_, false) => format!(" + {d}"),
                            (_, true) => format!(" - {d}"),
                        }
                    })
                    .collect();
                let rules = if terms.iter().any(|t| t.0) {
                    "d-add, d-sub"
                } else {
                    "d-add"
                };
                steps.push(Step::new(
                    rules.to_string(),
                    format!("d({}, {x_text})", to_infix(&print(f))),
                    pieces.concat(),
                ));
                queue.extend(terms.iter().map(|(_, id)| (self.egraph.find(*id), x)));
                continue;
            }
            let rule = diff_rule(name).expect("rule_for names a table rule");
            let binding: Vec<(Var, Id)> = bind(rule, f, &f_node, x, &self.egraph);
            let terms: Vec<(Var, RecExpr<Math>)> =
                binding.iter().map(|(v, id)| (*v, print(*id))).collect();
            let (lhs, rhs) = rule_asts(rule);
            steps.push(Step::new(
                rule.name.to_string(),
                to_infix(&instantiate(lhs, &terms)),
                to_infix(&instantiate(rhs, &terms)),
            ));
            for node in rhs.as_ref() {
                if let ENodeOrVar::ENode(Math::D([a, v])) = node {
                    let lookup = |i: &Id| match &rhs[*i] {
                        ENodeOrVar::Var(var) => {
                            binding.iter().find(|(w, _)| w == var).map(|(_, id)| *id)
                        }
                        ENodeOrVar::ENode(_) => None,
                    };
                    if let (Some(a), Some(v)) = (lookup(a), lookup(v)) {
                        queue.push_back((self.egraph.find(a), self.egraph.find(v)));
                    }
                }
            }
        }
        steps
    }
}

/// Applies the differentiation rules until nothing changes.
///
/// Every rule's left side is `d` over one node of its argument, so a class can
/// gain a match only when it is new, when it gained nodes, or when the argument
/// class of one of its `d` nodes gained nodes. Each round therefore searches only
/// the classes touched by the previous round, and only those whose `d` nodes
/// (or their arguments) changed. Limits are checked every round.
fn saturate(
    mut egraph: EGraph,
    rules: &[Rewrite],
    limits: SaturationLimits,
) -> Result<EGraph, DeriveError> {
    let signature = |egraph: &EGraph, id: Id| -> usize {
        egraph[id]
            .nodes
            .iter()
            .filter_map(|n| match n {
                Math::D([f, _]) => Some(egraph[*f].nodes.len() + 1),
                _ => None,
            })
            .sum()
    };
    rebuild(&mut egraph);
    let mut searched: FxHashMap<Id, usize> = FxHashMap::default();
    let mut known: FxHashSet<Id> = egraph.classes().map(|c| c.id).collect();
    let mut candidates: Vec<Id> = known.iter().copied().collect();
    loop {
        if egraph.total_size() > limits.max_nodes {
            return Err(DeriveError::Limit(
                StopReason::Nodes,
                format!(
                    "differentiation reached the node limit ({} e-nodes)",
                    limits.max_nodes
                ),
            ));
        }
        if Instant::now() > limits.deadline {
            return Err(DeriveError::Limit(
                StopReason::Time,
                "differentiation ran out of time".into(),
            ));
        }
        let mut ids: Vec<Id> = candidates.drain(..).map(|c| egraph.find(c)).collect();
        ids.sort_unstable();
        ids.dedup();
        let todo: Vec<(Id, usize)> = ids
            .into_iter()
            .filter_map(|id| {
                let s = signature(&egraph, id);
                (s > 0 && searched.get(&id) != Some(&s)).then_some((id, s))
            })
            .collect();
        if todo.is_empty() {
            return Ok(egraph);
        }
        let mut matches: Vec<Vec<egg::SearchMatches<Math>>> =
            rules.iter().map(|_| Vec::new()).collect();
        for (id, s) in todo {
            for (found, rule) in matches.iter_mut().zip(rules) {
                if let Some(m) = rule.searcher.search_eclass(&egraph, id) {
                    found.push(m);
                }
            }
            searched.insert(id, s);
        }
        let mut changed = Vec::new();
        for (found, rule) in matches.iter().zip(rules) {
            changed.extend(rule.apply(&mut egraph, found));
        }
        rebuild(&mut egraph);
        // Next round: the changed classes, the `d` nodes over them, and every
        // class created this round (reached through the changed classes' nodes).
        let mut stack: Vec<Id> = changed.iter().map(|c| egraph.find(*c)).collect();
        while let Some(id) = stack.pop() {
            candidates.push(id);
            candidates.extend(egraph[id].parents().map(|p| egraph.find(p)));
            for node in &egraph[id].nodes {
                for child in node.children() {
                    let child = egraph.find(*child);
                    if known.insert(child) {
                        stack.push(child);
                    }
                }
            }
        }
    }
}

thread_local! {
    /// A clock that never reads the hardware (see [`rebuild`]).
    static UNTIMED: quanta::Clock = quanta::Clock::mock().0;
}

/// `egraph.rebuild()`, untimed. egg times every rebuild with `quanta`, whose
/// first reading of the clock calibrates the CPU's time-stamp counter against
/// the OS clock: about 11 million instructions, a third of a small claim's
/// whole run. egg only logs that timing, so a mock clock serves; the limits
/// of the saturation loop read `std::time::Instant`, not this clock.
fn rebuild(egraph: &mut EGraph) {
    UNTIMED.with(|clock| quanta::with_clock(clock, || egraph.rebuild()));
}
