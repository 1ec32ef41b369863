//! The differentiation table turned into egg rewrites: the guards evaluated
//! on e-classes, the appliers for unfolding a `let` name, renaming a bound
//! index and spreading `d` over a whole sum, and which table rule applies to
//! a node (`rule_for`, `bind`). Which table rules can fire on a problem's
//! terms is `rules::firing`'s. Owns no rule of its own: the rules are the
//! table in `rules::diff`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use egg::{
    Applier, ConditionalApplier, Id, Language, Pattern, PatternAst, RecExpr, Subst, Symbol, Var,
};

use super::diff::{
    pattern_ast, rule_asts, rule_patterns, DiffRule, Guard::*, DIFF_RULES, RENAME, UNFOLD,
};
use crate::language::{constant_node, Math};

/// The e-graph the prover works in.
pub type EGraph = egg::EGraph<Math, ()>;
/// A rewrite over [`Math`].
pub type Rewrite = egg::Rewrite<Math, ()>;

/// A pattern variable by name (`"?a"`); interned once, since guards run often.
fn var(name: &str) -> Var {
    static VARS: std::sync::OnceLock<Vec<(&'static str, Var)>> = std::sync::OnceLock::new();
    let vars = VARS.get_or_init(|| {
        ["?a", "?b", "?c", "?f", "?j", "?k", "?s", "?x", "?y"]
            .into_iter()
            .map(|n| (n, n.parse().expect("valid pattern variable")))
            .collect()
    });
    vars.iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| *v)
        .unwrap_or_else(|| name.parse().expect("valid pattern variable"))
}

/// Whether class `id` holds a constant expression (such as `3 - 1`).
pub fn is_constant(egraph: &EGraph, id: Id) -> bool {
    constant_value(egraph, id, 8).is_some()
}

/// The exact value of a constant expression in class `id`, looking `depth` levels down.
fn constant_value(egraph: &EGraph, id: Id, depth: usize) -> Option<num_rational::BigRational> {
    if depth == 0 {
        return None;
    }
    egraph[id]
        .nodes
        .iter()
        .find_map(|n| constant_node(n, |c| constant_value(egraph, c, depth - 1)))
}

/// The free variable (not a `let` name) in class `id`, if there is one.
pub fn free_var(egraph: &EGraph, id: Id, defs: &BTreeMap<Symbol, RecExpr<Math>>) -> Option<Symbol> {
    egraph[id].nodes.iter().find_map(|n| match n {
        Math::Var(s) if !defs.contains_key(s) => Some(*s),
        _ => None,
    })
}

/// What a variable to differentiate by (or a variable under `d`) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Head {
    /// A free scalar variable.
    Scalar(Symbol),
    /// `a[j]` of the free family `a` with its index name, or `W[i, j]` with
    /// its second index name too.
    Element(Symbol, Symbol, Option<Symbol>),
}

/// The free variable or free-family element in class `id`, if there is one.
pub fn head(egraph: &EGraph, id: Id, defs: &BTreeMap<Symbol, RecExpr<Math>>) -> Option<Head> {
    if let Some(s) = free_var(egraph, id, defs) {
        return Some(Head::Scalar(s));
    }
    egraph[id].nodes.iter().find_map(|n| match n {
        Math::Idx(c) => {
            let family = free_var(egraph, c[0], defs)?;
            match &c[1..] {
                [j] => Some(Head::Element(family, name_in(egraph, *j)?, None)),
                [i, j] => Some(Head::Element(
                    family,
                    name_in(egraph, *i)?,
                    Some(name_in(egraph, *j)?),
                )),
                _ => None,
            }
        }
        _ => None,
    })
}

/// The name (a `Var` node) in class `id`.
pub fn name_in(egraph: &EGraph, id: Id) -> Option<Symbol> {
    egraph[id].nodes.iter().find_map(|n| match n {
        Math::Var(s) => Some(*s),
        _ => None,
    })
}

/// Whether two heads are different variables (elements of one family are not).
pub fn independent(y: Head, x: Head) -> bool {
    match (y, x) {
        (Head::Scalar(a), Head::Scalar(b)) => a != b,
        (Head::Element(a, ..), Head::Element(b, ..)) => a != b,
        _ => true,
    }
}

/// The index names free in the variable `x`.
pub fn head_indices(x: Head) -> Vec<Symbol> {
    match x {
        Head::Scalar(_) => Vec::new(),
        Head::Element(_, i, j) => std::iter::once(i).chain(j).collect(),
    }
}

/// The `let` name in class `id`, if there is one.
pub fn bound_name(
    egraph: &EGraph,
    id: Id,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
) -> Option<Symbol> {
    egraph[id].nodes.iter().find_map(|n| match n {
        Math::Var(s) if defs.contains_key(s) => Some(*s),
        _ => None,
    })
}

/// Unfolds a `let` name under `d`: `d(NAME, x) => d(DEFINITION, x)`.
struct Unfold {
    defs: Arc<BTreeMap<Symbol, RecExpr<Math>>>,
}

impl Applier<Math, ()> for Unfold {
    fn apply_one(
        &self,
        egraph: &mut EGraph,
        eclass: Id,
        subst: &Subst,
        _searcher_ast: Option<&PatternAst<Math>>,
        _rule_name: Symbol,
    ) -> Vec<Id> {
        let f = subst[var("?f")];
        let body = if let Some(name) = bound_name(egraph, f, &self.defs) {
            egraph.add_expr(&self.defs[&name])
        } else if let Some(def) = defined_element(egraph, f, &self.defs) {
            egraph.add_expr(&def)
        } else {
            return vec![];
        };
        let unfolded = egraph.add(Math::D([body, subst[var("?x")]]));
        if egraph.union(eclass, unfolded) {
            vec![eclass]
        } else {
            vec![]
        }
    }
}

/// The definition of `y[k]` instantiated at `k`, when class `id` holds an
/// element `y[k]` of a family defined by `let y[j] = ...`.
pub fn defined_element(
    egraph: &EGraph,
    id: Id,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
) -> Option<RecExpr<Math>> {
    egraph[id].nodes.iter().find_map(|n| match n {
        Math::Idx(c) if c.len() == 2 => {
            let family = bound_name(egraph, c[0], defs)?;
            crate::index::instantiate(&defs[&family], name_in(egraph, c[1])?)
        }
        _ => None,
    })
}

/// Renames the index bound by a `sum` under `d` when `d`'s variable uses it:
/// `d(sum(k, f(k)), a[k]) => d(sum(k2, f(k2)), a[k])`. The renamed sum joins
/// the class of the original (they are the same term); `d-sum` then applies.
struct Rename {
    defs: Arc<BTreeMap<Symbol, RecExpr<Math>>>,
    /// Index names the problem uses: a renamed index is none of them.
    reserved: Arc<BTreeSet<Symbol>>,
}

impl Applier<Math, ()> for Rename {
    fn apply_one(
        &self,
        egraph: &mut EGraph,
        _eclass: Id,
        subst: &Subst,
        _searcher_ast: Option<&PatternAst<Math>>,
        _rule_name: Symbol,
    ) -> Vec<Id> {
        let (s, x) = (subst[var("?s")], subst[var("?x")]);
        let Some(ks) = head(egraph, x, &self.defs).map(head_indices) else {
            return vec![];
        };
        let captures = |j: &Id| name_in(egraph, *j).is_some_and(|j| ks.contains(&j));
        let captured = egraph[s].nodes.iter().any(|n| match n {
            Math::Sum([j, _]) => captures(j),
            _ => false,
        });
        let free = egraph[s].nodes.iter().any(|n| match n {
            Math::Sum([j, _]) => !captures(j),
            _ => false,
        });
        if !captured || free {
            return vec![];
        }
        let extractor = egg::Extractor::new(egraph, crate::rules::terms::DFree);
        let (_, term) = extractor.find_best(s);
        let renamed = rename_bound(&term, &ks, &self.reserved);
        let id = egraph.add_expr(&renamed);
        if egraph.union(s, id) {
            vec![s]
        } else {
            vec![]
        }
    }
}

/// `sum(k, body)` with its bound `k` renamed to a name fresh for the term,
/// the indices `ks` of the variable and the `reserved` names.
pub fn rename_bound(
    term: &RecExpr<Math>,
    ks: &[Symbol],
    reserved: &BTreeSet<Symbol>,
) -> RecExpr<Math> {
    let root = Id::from(term.as_ref().len() - 1);
    let Math::Sum([j, body]) = term[root] else {
        return term.clone();
    };
    let Math::Var(bound) = term[j] else {
        return term.clone();
    };
    let mut avoid = crate::index::index_names(term);
    avoid.extend(ks.iter().copied());
    avoid.extend(reserved.iter().copied());
    let new = crate::index::fresh(bound, &avoid);
    let renamed = crate::index::substitute(term, body, bound, new);
    let mut nodes = renamed.as_ref().to_vec();
    let b = Id::from(nodes.len() - 1);
    nodes.push(Math::Var(new));
    let j = Id::from(nodes.len() - 1);
    nodes.push(Math::Sum([j, b]));
    RecExpr::from(nodes)
}

/// `d-add` and `d-sub` applied along a whole chain at once:
/// `d(u1 + u2 - u3, x) => d(u1, x) + d(u2, x) - d(u3, x)`, which is the table
/// rule applied once per operator. One application instead of one per term
/// keeps the number of saturation rounds independent of the length of a sum.
struct Linearity {
    /// Whether the matched operator is `-` (rule `d-sub`) rather than `+`.
    sub: bool,
}

impl Applier<Math, ()> for Linearity {
    fn apply_one(
        &self,
        egraph: &mut EGraph,
        eclass: Id,
        subst: &Subst,
        _searcher_ast: Option<&PatternAst<Math>>,
        _rule_name: Symbol,
    ) -> Vec<Id> {
        let (a, b, x) = (subst[var("?a")], subst[var("?b")], subst[var("?x")]);
        let Some(f) = matched_chain(egraph, eclass, [a, b], x, self.sub) else {
            return vec![];
        };
        let mut acc: Option<Id> = None;
        // A class is looked into at most once, so a cycle such as `0 = 0 + 0`
        // or a shared sub-sum cannot make the chain grow without end.
        let opened = std::cell::RefCell::new(BTreeSet::new());
        let terms = sum_terms(egraph, f, |id, negative| {
            if !opened.borrow_mut().insert(id) {
                return None;
            }
            let class = &egraph[id];
            // A class that holds a constant is a leaf: `0 = 0 + 0` must not be unrolled.
            if class.nodes.iter().any(|n| matches!(n, Math::Num(_))) {
                return None;
            }
            class
                .nodes
                .iter()
                .find(|n| match n {
                    Math::Add(_) => true,
                    Math::Sub(_) => !negative,
                    _ => false,
                })
                .cloned()
        });
        for (negative, term) in terms {
            let d = egraph.add(Math::D([term, x]));
            acc = Some(match (acc, negative) {
                (None, false) => d,
                (None, true) => egraph.add(Math::Neg(d)),
                (Some(acc), false) => egraph.add(Math::Add([acc, d])),
                (Some(acc), true) => egraph.add(Math::Sub([acc, d])),
            });
        }
        match acc {
            Some(sum) if egraph.union(eclass, sum) => vec![eclass],
            _ => vec![],
        }
    }
}

/// The class of the `+` (or `-`, for `d-sub`) node `a op b` that a match of
/// `d(a op b, x)` in class `eclass` was made through. Rules run between
/// rebuilds, so the hash-cons may be stale: the node is found among the `d`
/// nodes of `eclass` rather than looked up (a missed lookup would leave the
/// class unsearched for good, since its signature does not change).
fn matched_chain(egraph: &EGraph, eclass: Id, [a, b]: [Id; 2], x: Id, sub: bool) -> Option<Id> {
    let (a, b, x) = (egraph.find(a), egraph.find(b), egraph.find(x));
    egraph[eclass].nodes.iter().find_map(|n| {
        let Math::D([f, y]) = n else { return None };
        if egraph.find(*y) != x {
            return None;
        }
        let f = egraph.find(*f);
        egraph[f]
            .nodes
            .iter()
            .any(|m| match m {
                Math::Add([p, q]) if !sub => egraph.find(*p) == a && egraph.find(*q) == b,
                Math::Sub([p, q]) if sub => egraph.find(*p) == a && egraph.find(*q) == b,
                _ => false,
            })
            .then_some(f)
    })
}

/// The terms of the `+`/`-` chain at class `f`, left to right, each with
/// whether it is subtracted. `node_of` picks the `+` or `-` node a class is
/// looked into through, given whether the class is subtracted (`None`: the
/// class is a term); it must not return a node that leads back to `f`.
pub fn sum_terms(
    egraph: &EGraph,
    f: Id,
    node_of: impl Fn(Id, bool) -> Option<Math>,
) -> Vec<(bool, Id)> {
    let mut out = Vec::new();
    let mut todo = vec![(false, f)];
    while let Some((negative, id)) = todo.pop() {
        let id = egraph.find(id);
        match node_of(id, negative) {
            Some(Math::Add([a, b])) => {
                todo.push((negative, b));
                todo.push((negative, a));
            }
            // `-(a - b)` is not opened: its terms would change sign twice.
            Some(Math::Sub([a, b])) if !negative => {
                todo.push((true, b));
                todo.push((false, a));
            }
            _ => out.push((negative, id)),
        }
    }
    out
}

/// The differentiation rewrites for a problem with these definitions, whose
/// terms use the index names `reserved` (a renamed bound index avoids them),
/// for differentiating `terms`: the table rules that can fire on them (see
/// [`super::firing::can_fire`]; the others would match nothing), then
/// unfolding and renaming.
pub fn diff_rewrites(
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    reserved: &BTreeSet<Symbol>,
    terms: &[&RecExpr<Math>],
) -> Vec<Rewrite> {
    let fires = super::firing::can_fire(defs, terms);
    let defs = Arc::new(defs.clone());
    let reserved = Arc::new(reserved.clone());
    let mut rules: Vec<Rewrite> = DIFF_RULES
        .iter()
        .zip(fires)
        .filter(|(_, fires)| *fires)
        .map(|(r, _)| {
            let (lhs, rhs) = rule_patterns(r).clone();
            let d = defs.clone();
            let guard = r.guard;
            let condition = move |eg: &mut EGraph, _: Id, s: &Subst| match guard {
                Always => true,
                IsConstant => is_constant(eg, s[var("?c")]),
                IsFreeVar => head(eg, s[var("?x")], &d).is_some(),
                IsOtherFreeVar => {
                    let (y, x) = (s[var("?y")], s[var("?x")]);
                    match (head(eg, y, &d), head(eg, x, &d)) {
                        (Some(y), Some(x)) => independent(y, x),
                        _ => false,
                    }
                }
                IsFreeFamily => free_var(eg, s[var("?a")], &d).is_some(),
                IsVariableExponent => !is_constant(eg, s[var("?b")]),
                NotCaptured => {
                    let bound = name_in(eg, s[var("?j")]);
                    let x = head(eg, s[var("?x")], &d);
                    bound.is_some_and(|b| x.is_some_and(|x| !head_indices(x).contains(&b)))
                }
            };
            if r.name == "d-add" || r.name == "d-sub" {
                let sub = r.name == "d-sub";
                return Rewrite::new(r.name, lhs, Linearity { sub }).expect("rule is well-formed");
            }
            Rewrite::new(
                r.name,
                lhs,
                ConditionalApplier {
                    condition,
                    applier: rhs,
                },
            )
            .expect("rule is well-formed")
        })
        .collect();
    let lhs = Pattern::new(pattern_ast("(d ?f ?x)").expect("unfold lhs parses"));
    rules.push(
        Rewrite::new(UNFOLD, lhs, Unfold { defs: defs.clone() }).expect("unfold is well-formed"),
    );
    let lhs = Pattern::new(pattern_ast("(d ?s ?x)").expect("rename lhs parses"));
    rules
        .push(Rewrite::new(RENAME, lhs, Rename { defs, reserved }).expect("rename is well-formed"));
    rules
}

/// The rule that applies to `d(f, x)` given the operator of `f`'s chosen node,
/// or `None` when no rule applies (a `d` under `d`).
pub fn rule_for(
    f_node: &Math,
    egraph: &EGraph,
    x: Id,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
) -> Option<&'static str> {
    Some(match f_node {
        Math::Num(_) => "d-const",
        Math::Var(s) if defs.contains_key(s) => UNFOLD,
        Math::Var(s) => {
            if free_var(egraph, x, defs) == Some(*s) {
                "d-var"
            } else {
                "d-var-other"
            }
        }
        Math::Idx(c) if defs.contains_key(&name_in(egraph, c[0])?) => UNFOLD,
        Math::Idx(c) => {
            let family = name_in(egraph, c[0])?;
            let indices: Vec<Option<Symbol>> = c[1..].iter().map(|j| name_in(egraph, *j)).collect();
            match head(egraph, x, defs)? {
                Head::Element(b, i, j) if b == family => {
                    let same =
                        indices.first() == Some(&Some(i)) && indices.get(1).copied().flatten() == j;
                    match (same, indices.len()) {
                        (true, _) => "d-var",
                        (false, 1) => "d-index",
                        (false, _) => "d-matrix",
                    }
                }
                _ => "d-var-other",
            }
        }
        Math::Delta(_) => "d-delta",
        Math::Sum([j, _]) => match (head(egraph, x, defs), name_in(egraph, *j)) {
            (Some(x), Some(j)) if head_indices(x).contains(&j) => RENAME,
            _ => "d-sum",
        },
        Math::Lambda(_) | Math::D(_) => return None,
        Math::Pow([_, c]) if is_constant(egraph, *c) => "d-pow-const",
        Math::Pow(_) => "d-pow",
        // Every other operator has one rule, found in the table by its left
        // side `d(OP(…), ?x)`: a new function needs a row, not a line here.
        op => return table_rule_for(op),
    })
}

/// The table rule whose left side is `d` of `op`'s operator applied to
/// pattern variables, with no guard: `d-exp` for `exp(…)`.
pub fn table_rule_for(op: &Math) -> Option<&'static str> {
    DIFF_RULES
        .iter()
        .filter(|r| matches!(r.guard, Always))
        .find(|r| {
            let (lhs, _) = rule_asts(r);
            let ast = lhs.as_ref();
            let Some(egg::ENodeOrVar::ENode(Math::D([f, _]))) = ast.last() else {
                return false;
            };
            matches!(&ast[usize::from(*f)], egg::ENodeOrVar::ENode(n) if n.matches(op))
        })
        .map(|r| r.name)
}

/// Binds the variables of `rule`'s left side for `d(f, x)` whose `f` has
/// node `f_node`, read off the rule's pattern: `d(?v, …)` binds `?v` to `f`;
/// `d(OP(?a, ?b), …)` binds `?a`, `?b` to `f_node`'s children; `?x` binds to
/// `x`, and `d(…, idx(?a, ?k))` to the parts of an element in `x`'s class.
/// A variable bound twice keeps its first binding (`?a` of `d-index`).
pub fn bind(rule: &DiffRule, f: Id, f_node: &Math, x: Id, egraph: &EGraph) -> Vec<(Var, Id)> {
    use egg::ENodeOrVar::{ENode, Var as PVar};
    let (lhs, _) = rule_asts(rule);
    let ast = lhs.as_ref();
    let mut out: Vec<(Var, Id)> = Vec::new();
    let put = |v: Var, id: Id, out: &mut Vec<(Var, Id)>| {
        if !out.iter().any(|(w, _)| *w == v) {
            out.push((v, id));
        }
    };
    let Some(ENode(Math::D([fp, xp]))) = ast.last() else {
        return out;
    };
    match &ast[usize::from(*fp)] {
        PVar(v) => put(*v, f, &mut out),
        ENode(n) => {
            for (pc, c) in n.children().iter().zip(f_node.children()) {
                if let PVar(v) = &ast[usize::from(*pc)] {
                    put(*v, *c, &mut out);
                }
            }
        }
    }
    match &ast[usize::from(*xp)] {
        PVar(v) => put(*v, x, &mut out),
        ENode(n) => {
            if let Some(node) = egraph[x].nodes.iter().find(|m| n.matches(m)) {
                for (pc, c) in n.children().iter().zip(node.children()) {
                    if let PVar(v) = &ast[usize::from(*pc)] {
                        put(*v, *c, &mut out);
                    }
                }
            }
        }
    }
    out
}
