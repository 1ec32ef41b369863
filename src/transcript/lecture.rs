//! The every-n section as a lecture: the Jacobian entries of the definitions
//! on the path from the output to the input (`d(S, a[k]) = exp(a[k])`,
//! `d(y[j], a[k]) = y[j]*(delta(j, k) - y[k])`), then the chain rule through
//! them and the chain of equalities down to the file's claim. Owns choosing
//! those forms from the file's definitions; it trusts none of them: every
//! equality shown is a claim proved by `prove` (and so re-checked by the
//! kernel), and the lecture is left out unless every one is proved.

use std::collections::{BTreeMap, BTreeSet};

use egg::{RecExpr, Symbol};
use serde::Serialize;

mod indices;
mod labels;
mod nodes;

use crate::graph;
use crate::language::Math;
use crate::print::to_infix;
use crate::problem::Problem;
use crate::prove::{definitions, prove_problem, Limits};
use crate::report::{ClaimReport, Status};
use indices::{shadows, unshadow};
use labels::proof_moves;
use nodes::{entry_through, node_using, LONG_ENTRY};

/// The longest form a lecture shows, in characters of input syntax.
const LONGEST: usize = 100;

/// One equality of the lecture, proved as a claim for every `n`.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct LectureStep {
    /// The left side.
    pub before: String,
    /// The right side.
    pub after: String,
    /// The move, as a lecture names it (`chain rule through y[j]`, `use sum(j, t[j]) = 1`).
    pub rule: String,
    /// The verdict on the claim `before = after` (always `proved` when shown).
    pub status: Status,
    /// How many lemmas and steps its kernel-checked proof has.
    pub proof_steps: usize,
    /// Side conditions the proof relies on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
}

impl LectureStep {
    /// The proof's size in words: `1 step`, `9 steps`.
    pub fn proof_size(&self) -> String {
        match self.proof_steps {
            1 => "1 step".to_string(),
            n => format!("{n} steps"),
        }
    }
}

/// The lecture view of the every-n claim.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Lecture {
    /// `d(D, x) = …` for each definition `D` on the path, in the file's order.
    pub jacobians: Vec<LectureStep>,
    /// `d(OUT, x) = … = RHS`: each step's `before` is the previous step's `after`.
    pub chain: Vec<LectureStep>,
    /// The gradient at each scalar definition the families use (`S`): from
    /// `d(L, S)` through the node that uses it (`1/S`) and that node's local
    /// rule (else `S` held as a variable) to its simplest form.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<Vec<LectureStep>>,
}

/// The variable names an expression mentions (families and index names included).
fn mentions(e: &RecExpr<Math>) -> BTreeSet<Symbol> {
    e.as_ref()
        .iter()
        .filter_map(|n| match n {
            Math::Var(s) => Some(*s),
            _ => None,
        })
        .collect()
}

/// Splits `d(F, X)` (in input syntax) into `F` and `X`.
fn split_d(lhs: &RecExpr<Math>) -> Option<(String, String)> {
    let nodes = lhs.as_ref();
    let Some(Math::D([f, x])) = nodes.last() else {
        return None;
    };
    let sub = |id: egg::Id| -> RecExpr<Math> {
        let e: RecExpr<Math> = nodes[..=usize::from(id)].to_vec().into();
        e
    };
    Some((to_infix(&sub(*f)), to_infix(&sub(*x))))
}

/// A path definition: its name, how it is referred to (`S`, `y[j]`), its
/// family parameter, and its body.
struct OnPath {
    name: Symbol,
    reference: String,
    param: Option<String>,
}

/// The lecture for the first claim of `problem` (`text` is its source), or
/// `None` when the file's shape does not fit (no `d(NAME, x[k]) = …` claim,
/// no definition between them) or any equality is not proved.
pub(crate) fn lecture(problem: &Problem, text: &str, limits: &Limits) -> Option<Lecture> {
    let claim = problem.claims.first()?;
    let (out, x) = split_d(&claim.lhs)?;
    let rhs = to_infix(&claim.rhs);
    let out_sym = Symbol::from(out.as_str());
    let out_def = problem.definitions.iter().find(|d| d.name == out_sym)?;
    let x_expr = crate::parse::parse_expression(&x, &[]).ok()?;
    let x_vars = mentions(&x_expr);
    // The input's own family (`a` of `a[k]`) and its index (`k`).
    let x_family = *x_vars.iter().next()?;
    let defs = definitions(problem);
    // Which definitions depend on the input, and which the output needs.
    let mut depends = BTreeSet::new();
    for d in &problem.definitions {
        let m = mentions(&d.expr);
        if m.contains(&x_family) || m.iter().any(|s| depends.contains(s)) {
            depends.insert(d.name);
        }
    }
    let mut needed = BTreeSet::from([out_sym]);
    for d in problem.definitions.iter().rev() {
        if needed.contains(&d.name) {
            needed.extend(
                mentions(&d.expr)
                    .into_iter()
                    .filter(|s| defs.contains_key(s)),
            );
        }
    }
    let mut path = Vec::new();
    for d in &problem.definitions {
        if d.name == out_sym || !depends.contains(&d.name) || !needed.contains(&d.name) {
            continue;
        }
        let param = match d.expr.as_ref().last() {
            Some(Math::Lambda([p, _])) => match &d.expr.as_ref()[usize::from(*p)] {
                Math::Var(s) => Some(s.to_string()),
                _ => return None,
            },
            _ => None,
        };
        // The entry's free index must not be the input's.
        if param
            .as_ref()
            .is_some_and(|p| x_vars.contains(&Symbol::from(p.as_str())))
        {
            return None;
        }
        let reference = match &param {
            Some(p) => format!("{}[{p}]", d.name),
            None => d.name.to_string(),
        };
        path.push(OnPath {
            name: d.name,
            reference,
            param,
        });
    }
    if path.is_empty() {
        return None;
    }
    let names: BTreeMap<Symbol, usize> = problem.definitions.iter().map(|d| (d.name, 0)).collect();
    let families: BTreeSet<Symbol> = problem
        .definitions
        .iter()
        .filter(|d| matches!(d.expr.as_ref().last(), Some(Math::Lambda(_))))
        .map(|d| d.name)
        .collect();
    let parse = |t: &str| crate::parse::parse_term(t, &names, &families).ok();
    // Names a renamed bound index must not take: every name the file uses.
    let ranges = problem.ranges();
    let mut taken: BTreeSet<Symbol> = names.keys().copied().collect();
    // (its index names are bound or free where they stand, and taken only
    // in a form that uses them).
    let mut not_index = |e: &RecExpr<Math>| {
        let indices = crate::index::index_names(e);
        taken.extend(mentions(e).into_iter().filter(|s| !indices.contains(s)));
    };
    for d in &problem.definitions {
        not_index(&d.expr);
    }
    for c in &problem.claims {
        not_index(&c.lhs);
        not_index(&c.rhs);
    }
    let simplifier =
        super::Simplifier::new(problem, &defs, crate::prove::budget_for(limits)).ok()?;
    let simplify = |t: &str| simplifier.simplify(t, false).ok().map(|s| s.1);
    let moves = crate::prove::moves::Moves::new(problem);
    let deadline = Some(std::time::Instant::now() + limits.timeout);
    // The moves from `before` to `after` (`cancel y[j]`), or `None` when none are found.
    let named = |before: &str, after: &str| -> Option<String> {
        let steps = moves.chain(before, after, deadline)?;
        let mut names: Vec<String> = Vec::new();
        for s in steps {
            if !names.contains(&s.rule) {
                names.push(s.rule);
            }
        }
        Some(names.join(", "))
    };
    // The path definitions held fixed, as variables.
    let mut held = defs.clone();
    for p in &path {
        held.remove(&p.name);
    }
    // The Jacobian entries `d(D, x)`, simplified and factored. An entry that
    // runs long unfolded (RMS normalization's `d(y[j], x[k])`) is written
    // through the entries before it instead, as a lecture does: `D`'s own
    // partial derivative plus `dD/dP * d(P, x)` for each earlier `P` it uses.
    let mut entries: BTreeMap<Symbol, String> = BTreeMap::new();
    for p in &path {
        let r = parse(&p.reference)?;
        let derived = derivative(&r, &x_expr, &defs, limits)?;
        let simplified = simplify(&derived)?;
        let mut entry = moves.shape(&derived, &simplified, deadline);
        if entry.len() > LONG_ENTRY {
            let through = entry_through(p, &entries, &defs, &held, &x_expr, limits, &simplify);
            if let Some(shorter) = through.filter(|t| t.len() < entry.len()) {
                entry = shorter;
            }
        }
        entries.insert(p.name, unshadow(&entry, &parse, &ranges, &taken)?);
    }
    // The chain rule through the path definitions the output uses directly:
    // their partial derivatives, with every path definition held fixed.
    let direct = mentions(&out_def.expr);
    let body = match out_def.expr.as_ref().last() {
        Some(Math::Lambda(_)) => return None,
        _ => out_def.expr.clone(),
    };
    let (mut chain, mut substituted, mut cancelled, mut through) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut cancel_moves = Vec::new();
    let mut partials = Vec::new();
    for p in path.iter().filter(|p| direct.contains(&p.name)) {
        let r = crate::parse::parse_term(&p.reference, &BTreeMap::new(), &families).ok()?;
        let partial = simplify(&derivative(&body, &r, &held, limits)?)?;
        partials.push((p.name, p.param.clone(), partial.clone()));
        let entry = &entries[&p.name];
        let d = format!("d({}, {x})", p.reference);
        let raw = format!("({partial})*({entry})");
        let wrap = |t: &str| match &p.param {
            Some(j) => format!("sum({j}, {t})"),
            None => t.to_string(),
        };
        chain.push(wrap(&format!("({partial})*{d}")));
        substituted.push(wrap(&raw));
        // A minus sign in front of the sum, as a lecture writes it (`-sum(j, t[j]*…)`).
        let (sign, raw) = match partial.strip_prefix('-') {
            Some(_) if p.param.is_some() => ("-", format!("-({raw})")),
            _ => ("", raw),
        };
        let raw = parse(&raw).map(|e| to_infix(&e))?;
        let simplified = simplify(&raw)?;
        let product = moves.shape(&raw, &simplified, deadline);
        if let Some(n) = named(&raw, &product) {
            cancel_moves.push(n);
        }
        cancelled.push(format!("{sign}{}", wrap(&product)));
        through.push(p.reference.clone());
    }
    let tidy = |parts: &[String]| -> Option<String> {
        let joined = parts
            .iter()
            .map(|t| format!("({t})"))
            .collect::<Vec<_>>()
            .join(" + ");
        parse(&joined).map(|e| to_infix(&e))
    };
    let lhs = format!("d({out}, {x})");
    let entries_used: Vec<String> = path
        .iter()
        .filter(|p| direct.contains(&p.name))
        .map(|p| format!("d({}, {x}) = {}", p.reference, entries[&p.name]))
        .collect();
    let mut forms = vec![
        (lhs.clone(), String::new()),
        (
            tidy(&chain)?,
            format!("chain rule through {}", through.join(", ")),
        ),
        (
            tidy(&substituted)?,
            format!("substitute {}", entries_used.join(", ")),
        ),
        (tidy(&cancelled)?, cancel_moves.join("; ")),
    ];
    let collected = simplify(&forms[3].0)?;
    forms.push((collected, String::new()));
    forms.push((rhs, String::new()));
    // A step that only reorders factors teaches nothing: the next step starts
    // from the form before it.
    if cancel_moves.iter().all(|m| m == "reorder the terms") {
        forms.remove(3);
    }
    // A sum that reuses an index in use is written with a fresh one (the
    // simplifier's `y[j]*(K[j, u] - sum(j, …))` reads as `sum(i, …)`).
    for f in forms.iter_mut() {
        f.0 = unshadow(&f.0, &parse, &ranges, &taken)?;
    }
    forms.dedup_by(|b, a| a.0 == b.0);
    // A lecture shows forms a reader can follow; a file whose forms run long
    // (batch normalization) keeps only its proof.
    // and one whose sums reuse an index already in use (`y[j]*(… sum(j, …))`)
    // would read wrongly, though it is proved.
    let readable = |t: &str| {
        t.len() <= LONGEST
            && parse(t).is_some_and(|e| {
                let root = egg::Id::from(e.as_ref().len() - 1);
                let free = crate::index::free_indices(&e, root);
                !shadows(&e, root, &mut free.into_iter().collect())
            })
    };
    if !forms.iter().all(|f| readable(&f.0)) || !entries.values().all(|e| readable(e)) {
        return None;
    }
    // Every equality becomes a claim of one problem: the file without its claims.
    let mut claims = Vec::new();
    for p in &path {
        claims.push(format!("d({}, {x}) = {}", p.reference, entries[&p.name]));
    }
    for w in forms.windows(2) {
        claims.push(format!("{} = {}", w[0].0, w[1].0));
    }
    let mut source: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("prove"))
        .map(|l| format!("{l}\n"))
        .collect();
    for c in &claims {
        source.push_str(&format!("prove {c}\n"));
    }
    let lecture_problem = crate::parse::parse_problem(&source).ok()?;
    let report = prove_problem(&lecture_problem, limits);
    if report.claims.len() != claims.len()
        || report.claims.iter().any(|c| c.status != Status::Proved)
    {
        return None;
    }
    let step = |c: &ClaimReport, before: &str, after: &str, rule: String| LectureStep {
        before: before.to_string(),
        after: after.to_string(),
        rule,
        status: c.status,
        proof_steps: c.steps.len(),
        conditions: c.conditions.clone(),
    };
    let jacobians = path
        .iter()
        .zip(&report.claims)
        .map(|(p, c)| {
            let rule = format!("differentiate {}", p.reference);
            step(
                c,
                &format!("d({}, {x})", p.reference),
                &entries[&p.name],
                rule,
            )
        })
        .collect();
    let chain = forms
        .windows(2)
        .zip(&report.claims[path.len()..])
        .map(|(w, c)| {
            let rule = if w[1].1.is_empty() {
                proof_moves(c)
            } else {
                w[1].1.clone()
            };
            step(c, &w[0].0, &w[1].0, rule)
        })
        .collect();
    // The gradient at each scalar definition the families use (the book's
    // `/` node): the chain rule through the families, the definition held.
    let nodes = path
        .iter()
        .filter(|p| p.param.is_none() && !direct.contains(&p.name))
        .filter_map(|p| {
            let held_at = |q: Symbol, j: &str| -> Option<String> {
                let body = crate::index::instantiate(&defs[&q], Symbol::from(j))?;
                if !mentions(&body).contains(&p.name) {
                    return None;
                }
                let var = RecExpr::from(vec![Math::Var(p.name)]);
                simplify(&derivative(&body, &var, &held, limits)?)
            };
            let terms: Vec<String> = partials
                .iter()
                .filter_map(|(q, j, g)| {
                    let j = j.as_ref()?;
                    Some(format!("sum({j}, ({g})*({}))", held_at(*q, j)?))
                })
                .collect();
            // Through the node that uses the definition, as the book's graph
            // draws it (the `/` node `1/S`): the gradient arriving there, the
            // node's local rule, then the forms down to the simplest.
            let through = |q: Symbol, j: &str| node_using(p.name, &defs[&q], j, &held, limits);
            let at_node: Option<Vec<(String, String, graph::Op, String)>> = partials
                .iter()
                .filter(|(_, j, _)| j.is_some())
                .map(|(q, j, g)| {
                    let (node, d, op) = through(*q, j.as_deref()?)?;
                    let j = j.as_ref()?;
                    // Each branch's value simplified on its own (`-t[j]*S`), as the walk does.
                    let branch = simplify(&format!("({g})*({d})"))?;
                    Some((
                        node,
                        format!("sum({j}, ({g})*({d}))"),
                        op,
                        format!("sum({j}, {branch})"),
                    ))
                })
                .collect();
            let by_node = at_node.filter(|v| {
                !v.is_empty() && v.iter().all(|(n, _, op, _)| *n == v[0].0 && *op == v[0].2)
            });
            if let Some(v) = by_node {
                let (node, op) = (&v[0].0, &v[0].2);
                let arriving = tidy(&v.iter().map(|t| t.1.clone()).collect::<Vec<_>>())?;
                let local = match op {
                    graph::Op::Recip => format!("-({node})^2"),
                    _ => {
                        let node_term = parse(node)?;
                        let var = RecExpr::from(vec![Math::Var(p.name)]);
                        simplify(&derivative(&node_term, &var, &held, limits)?)?
                    }
                };
                let times = |g: &str| parse(&format!("({g})*({local})")).map(|e| to_infix(&e));
                let branches = tidy(&v.iter().map(|t| t.3.clone()).collect::<Vec<_>>())?;
                let simplified = simplify(&branches)?;
                let shaped = moves.shape(&branches, &simplified, deadline);
                let first = times(&arriving)?;
                let second = times(&shaped)?;
                let collected = simplify(&second)?;
                let used = simplifier.simplify(&collected, true).ok()?.1;
                let rule = format!(
                    "chain rule through {node}: branches add, {}",
                    op.rule(&local)
                );
                if let Some(found) = node_gradient(
                    p.name,
                    text,
                    &out,
                    (rule, vec![first, second, collected, used]),
                    &readable,
                    limits,
                ) {
                    return Some(found);
                }
            }
            let raw = tidy(&terms)?;
            let collected = simplify(&raw)?;
            let used = simplifier.simplify(&collected, true).ok()?.1;
            let rule = format!("chain rule, {} held as a variable", p.name);
            node_gradient(
                p.name,
                text,
                &out,
                (rule, vec![raw, collected, used]),
                &readable,
                limits,
            )
        })
        .collect();
    Some(Lecture {
        jacobians,
        chain,
        nodes,
    })
}

/// The chain `d(OUT, S) = …` at the scalar definition `name` through the
/// forms `shown`, every equality proved: the first in the file with `S` an input
/// (its definition dropped), the others in the file itself. `None` when one
/// is not proved or a form is not readable.
fn node_gradient(
    name: Symbol,
    text: &str,
    out: &str,
    (first_rule, shown): (String, Vec<String>),
    readable: &dyn Fn(&str) -> bool,
    limits: &Limits,
) -> Option<Vec<LectureStep>> {
    let lhs = format!("d({out}, {name})");
    let mut forms = vec![lhs.clone()];
    forms.extend(shown);
    forms.dedup();
    if !forms[1..].iter().all(|f| readable(f)) {
        return None;
    }
    let own = |l: &str| {
        let l = l.trim_start();
        // The figures' layers may name it; they change no proof.
        l.starts_with("prove") || l.starts_with("layer ") || l.starts_with(&format!("let {name} "))
    };
    let (mut held, mut file) = (String::new(), String::new());
    for l in text.lines() {
        if !own(l) {
            held.push_str(&format!("{l}\n"));
        }
        if !l.trim_start().starts_with("prove") {
            file.push_str(&format!("{l}\n"));
        }
    }
    held.push_str(&format!("prove {lhs} = {}\n", forms[1]));
    for w in forms[1..].windows(2) {
        file.push_str(&format!("prove {} = {}\n", w[0], w[1]));
    }
    let held = crate::parse::parse_problem(&held).ok()?;
    let file = crate::parse::parse_problem(&file).ok()?;
    // The two problems do not depend on each other: the file's is proved on
    // a second worker (these are the last proofs of a `derive`; one problem
    // after the other, they would leave a core idle).
    let (held, file) = crate::workers::join(
        || prove_problem(&held, limits),
        || prove_problem(&file, limits),
    );
    let mut reports = held.claims;
    reports.extend(file.claims);
    if reports.len() != forms.len() - 1 || reports.iter().any(|c| c.status != Status::Proved) {
        return None;
    }
    let rules = std::iter::once(first_rule).chain(reports[1..].iter().map(proof_moves));
    Some(
        forms
            .windows(2)
            .zip(&reports)
            .zip(rules)
            .map(|((w, c), rule)| LectureStep {
                before: w[0].clone(),
                after: w[1].clone(),
                rule,
                status: c.status,
                proof_steps: c.steps.len(),
                conditions: c.conditions.clone(),
            })
            .collect(),
    )
}

/// The simplified derivative's text (a lecture shows each form it proves, so
/// the simplification's own conditions are the proofs' to state).
fn derivative(
    expr: &RecExpr<Math>,
    var: &RecExpr<Math>,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    limits: &Limits,
) -> Option<String> {
    crate::prove::differentiate_by(expr, var, defs, limits)
        .ok()
        .map(|d| d.text)
}
