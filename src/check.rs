//! The independent checker: re-verifies a certificate (the JSON of
//! `prove --format json`) without the prover.
//!
//! What it trusts (the trusted base), and why:
//! - the parser (`parse`), which turns the certificate's strings back into terms;
//! - the rule table (`rules::diff::DIFF_RULES`), each rule checked numerically
//!   in `tests/rules.rs`; the checker matches rules with its own tree matcher,
//!   not egg's e-matching;
//! - the exact algebra (`algebra`): normal forms over `BigRational`, used to
//!   re-decide every algebra step and re-derive every side condition;
//! - the interval evaluator (`numeric`) for spot checks and counterexamples,
//!   and the unroller (`unroll`) that puts a symbolic-n problem at the point's
//!   number of classes;
//! - the index helpers (`index`): free indices and substitution without capture.
//!
//! What it does not use: the e-graph, the extraction, the prover's choice of
//! steps. Every step is re-derived from the certificate's text alone.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use egg::{ENodeOrVar, Id, Language, RecExpr, Symbol, Var};
use num_rational::BigRational;
use num_traits::{ToPrimitive, Zero};

use crate::algebra::{Budget, Normalizer, Rat, Sign};
use crate::language::{parse_rational, Math};
use crate::numeric::{Evaluator, Interval};
use crate::parse::{parse_problem, parse_term};
use crate::print::{infix_at, to_infix};
use crate::problem::{Problem, Relation};
use crate::report::{ClaimReport, PointValues, Report, Status, Step};
use crate::rules::diff::{
    head_indices, independent, rule_patterns, Guard, Head, DIFF_RULES, RENAME,
};
use crate::unroll;

/// Why a certificate is not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckError {
    /// The certificate cannot be read (not JSON of the schema, or unparsable terms in its header).
    Malformed(String),
    /// A claim's proof does not check.
    Invalid {
        /// 1-based claim number.
        claim: usize,
        /// 1-based step number, when a step is at fault.
        step: Option<usize>,
        /// What is wrong.
        reason: String,
    },
}

impl std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckError::Malformed(m) => write!(f, "malformed certificate: {m}"),
            CheckError::Invalid {
                claim,
                step: Some(step),
                reason,
            } => write!(f, "claim {claim}, step {step}: {reason}"),
            CheckError::Invalid {
                claim,
                step: None,
                reason,
            } => write!(f, "claim {claim}: {reason}"),
        }
    }
}

/// Checks a certificate given as JSON text; returns how many verdicts were verified.
///
/// ```
/// let p = backprove::parse_problem("prove d(x^2, x) = 2*x").unwrap();
/// let report = backprove::prove_problem(&p, &backprove::Limits::default());
/// let json = backprove::render(&report, backprove::Format::Json);
/// assert_eq!(backprove::check_certificate(&json), Ok(1));
/// let forged = json.replace("\"2*x\"", "\"3*x\"");
/// assert!(backprove::check_certificate(&forged).is_err());
/// ```
pub fn check_certificate(json: &str) -> Result<usize, CheckError> {
    let report: Report =
        serde_json::from_str(json).map_err(|e| CheckError::Malformed(e.to_string()))?;
    check_report(&report)
}

/// Checks every proved or disproved claim of `report`; returns how many.
pub fn check_report(report: &Report) -> Result<usize, CheckError> {
    let context = Context::new(report).map_err(CheckError::Malformed)?;
    let mut checked = 0;
    for (i, claim) in report.claims.iter().enumerate() {
        if claim.status == Status::Undecided {
            continue;
        }
        context
            .check_claim(claim)
            .map_err(|(step, reason)| CheckError::Invalid {
                claim: i + 1,
                step,
                reason,
            })?;
        checked += 1;
    }
    Ok(checked)
}

/// A failing step (1-based, when one is at fault) and why.
pub(crate) type Failure = (Option<usize>, String);

fn at(step: usize) -> impl Fn(String) -> Failure {
    move |reason| (Some(step + 1), reason)
}

/// Definitions and assumptions, re-read from the certificate's text.
pub(crate) struct Context {
    problem: Problem,
    defs: BTreeMap<Symbol, RecExpr<Math>>,
    names: BTreeMap<Symbol, usize>,
    /// The names defined with an index (`let y[j] = ...`).
    families: BTreeSet<Symbol>,
}

impl Context {
    pub(crate) fn new(report: &Report) -> Result<Context, String> {
        let mut text = String::new();
        for d in &report.definitions {
            text += &format!("let {} = {}\n", d.name, d.expr);
        }
        for a in &report.assumptions {
            text += &format!("assume {a}\n");
        }
        let problem = parse_problem(&text).map_err(|e| e.to_string())?;
        let defs = problem
            .definitions
            .iter()
            .map(|d| (d.name, d.expr.clone()))
            .collect();
        let names = problem
            .definitions
            .iter()
            .map(|d| (d.name, d.line))
            .collect();
        let families = problem
            .definitions
            .iter()
            .filter(|d| crate::index::instantiate(&d.expr, d.name).is_some())
            .map(|d| d.name)
            .collect();
        Ok(Context {
            problem,
            defs,
            names,
            families,
        })
    }

    fn term(&self, text: &str) -> Result<RecExpr<Math>, String> {
        parse_term(text, &self.names, &self.families)
            .map_err(|e| format!("cannot read `{text}`: {e}"))
    }

    fn is_free_var(&self, expr: &RecExpr<Math>, id: Id) -> Option<Symbol> {
        match &expr[id] {
            Math::Var(s) if !self.defs.contains_key(s) => Some(*s),
            _ => None,
        }
    }

    /// The variable at `id`: a free scalar, or an element of a free family.
    fn head(&self, expr: &RecExpr<Math>, id: Id) -> Option<Head> {
        match &expr[id] {
            Math::Idx([a, j]) => match (self.is_free_var(expr, *a), &expr[*j]) {
                (Some(family), Math::Var(index)) => Some(Head::Element(family, *index)),
                _ => None,
            },
            _ => self.is_free_var(expr, id).map(Head::Scalar),
        }
    }

    pub(crate) fn check_claim(&self, claim: &ClaimReport) -> Result<(), Failure> {
        let (lhs_text, rhs_text) = claim
            .claim
            .split_once(" = ")
            .ok_or((None, "the claim is not an equation".to_string()))?;
        let claim_lhs = self.term(lhs_text).map_err(|e| (None, e))?;
        let claim_rhs = self.term(rhs_text).map_err(|e| (None, e))?;

        let lemma_count = claim
            .steps
            .iter()
            .take_while(|s| is_lemma_rule(&s.rule))
            .count();
        let mut lemmas: HashMap<String, RecExpr<Math>> = HashMap::new();
        for (i, step) in claim.steps[..lemma_count].iter().enumerate() {
            let (before, after) = self.check_lemma(step).map_err(at(i))?;
            let key = to_infix(&before);
            if lemmas.insert(key.clone(), after).is_some() {
                return Err((Some(i + 1), format!("a second lemma for `{key}`")));
            }
        }
        // A lemma with free indices holds for every value of them: it also
        // serves its renamings (`d(exp(a[i]), a[k])` by the lemma for `d(exp(a[j]), a[k])`).
        let mut schemas: HashMap<String, (String, Vec<Symbol>)> = HashMap::new();
        for (key, _) in lemmas.iter() {
            let before = self.term(key).map_err(|e| (None, e))?;
            if crate::index::is_indexed(&before) {
                let (canonical, order) = crate::index::canonical(&before);
                schemas
                    .entry(to_infix(&canonical))
                    .or_insert((key.clone(), order));
            }
        }
        let expander = Expander {
            lemmas: &lemmas,
            schemas: &schemas,
            used: Default::default(),
            done: Default::default(),
        };
        let lhs = expander.expand(&claim_lhs).map_err(|e| (None, e))?;
        let rhs = expander.expand(&claim_rhs).map_err(|e| (None, e))?;

        match claim.status {
            Status::Proved => {
                let chain = &claim.steps[lemma_count..];
                if chain.is_empty() && to_infix(&claim_lhs) != to_infix(&claim_rhs) {
                    return Err((
                        None,
                        "a proof needs at least one step after its lemmas".into(),
                    ));
                }
                self.check_chain(claim, lemma_count, &expander, &claim_lhs, &claim_rhs)?;
                for p in &claim.spot_checks {
                    self.check_point(p, &lhs, &rhs, true)
                        .map_err(|e| (None, e))?;
                }
                expander.all_used(&claim.steps)
            }
            Status::Disproved => {
                if claim.steps.len() != lemma_count {
                    return Err((None, "a disproof has no chain of steps".into()));
                }
                let cx = claim
                    .counterexample
                    .as_ref()
                    .ok_or((None, "a disproof needs a counterexample".to_string()))?;
                self.check_point(cx, &lhs, &rhs, false)
                    .map_err(|e| (None, e))?;
                expander.all_used(&claim.steps)
            }
            Status::Undecided => Ok(()),
        }
    }

    /// Checks one lemma `d(f, x) = ...` against the rule it names.
    fn check_lemma(&self, step: &Step) -> Result<(RecExpr<Math>, RecExpr<Math>), String> {
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

    /// Checks the chain from the claim's left side to its right side.
    fn check_chain(
        &self,
        claim: &ClaimReport,
        first: usize,
        expander: &Expander,
        claim_lhs: &RecExpr<Math>,
        claim_rhs: &RecExpr<Math>,
    ) -> Result<(), Failure> {
        let chain = &claim.steps[first..];
        let mut stated: BTreeSet<String> = BTreeSet::new();
        for c in &claim.conditions {
            stated.insert(c.clone());
        }
        for sc in &claim.side_conditions {
            if sc.discharged == "stated" && !stated.contains(&sc.condition) {
                return Err((
                    None,
                    format!(
                        "side condition `{}` is stated but not listed in conditions",
                        sc.condition
                    ),
                ));
            }
        }
        let mut current = to_infix(claim_lhs);
        let mut substitution: Vec<(RecExpr<Math>, RecExpr<Math>)> = Vec::new();
        let mut needed: BTreeSet<String> = BTreeSet::new();
        // One normalizer with names kept whole serves the whole chain (substitutions
        // accumulate in step order); a step it cannot decide gets a fully unfolding one.
        let mut norm = self.normalizer(true).map_err(|e| (None, e))?;
        // The claim's own domain: definedness of both sides as written,
        // including inside `d` (the derivatives' domains are met in the chain).
        for side in [claim_lhs, claim_rhs] {
            norm.normalize(side).map_err(|e| (None, algebra_error(e)))?;
        }
        for (k, step) in chain.iter().enumerate() {
            let index = first + k;
            let fail = at(index);
            let before = self.term(&step.before).map_err(&fail)?;
            let after = self.term(&step.after).map_err(&fail)?;
            if to_infix(&before) != current {
                return Err(fail(format!(
                    "starts from `{}`, not from `{current}`",
                    step.before
                )));
            }
            if let Some(rest) = step.rule.strip_prefix("assume ") {
                let (text, solution) = rest.rsplit_once(": ").ok_or_else(|| {
                    fail("an assumption step names `EQUATION: VAR = VALUE`".into())
                })?;
                let (var, value) = solution
                    .split_once(" = ")
                    .ok_or_else(|| fail("an assumption step names `VAR = VALUE`".into()))?;
                let var = self.term(var).map_err(&fail)?;
                let value = self.term(value).map_err(&fail)?;
                self.check_solution(text, &var, &value).map_err(&fail)?;
                substitute(&mut norm, &var, &value).map_err(&fail)?;
                substitution.push((var, value));
            } else if !matches!(
                step.rule.as_str(),
                "algebra"
                    | "differentiate (lemmas above), algebra"
                    | "algebra, differentiate (lemmas above)"
            ) && !["algebra: ", "differentiate (lemmas above), algebra: "]
                .iter()
                .filter_map(|p| step.rule.strip_prefix(p))
                .any(|rules| {
                    rules
                        .split(", ")
                        .all(|r| crate::algebra::SUM_RULES.contains(&r))
                })
            {
                return Err(fail(format!("unknown rule `{}`", step.rule)));
            }
            let has_d = |e: &RecExpr<Math>| e.as_ref().iter().any(|n| matches!(n, Math::D(_)));
            if !step.rule.contains("differentiate") && (has_d(&before) || has_d(&after)) {
                return Err(fail(format!(
                    "rule {} cannot remove derivatives",
                    step.rule
                )));
            }
            let b = expander.expand(&before).map_err(&fail)?;
            let a = expander.expand(&after).map_err(&fail)?;
            if !difference(&mut norm, &b, &a).map_err(&fail)?.is_zero() {
                let conditions = self.equal_unfolded(&b, &a, &substitution).map_err(&fail)?;
                needed.extend(conditions);
            }
            current = to_infix(&after);
        }
        needed.extend(norm.conditions());
        if current != to_infix(claim_rhs) {
            return Err((
                None,
                format!("the chain ends at `{current}`, not at the right side"),
            ));
        }
        // A condition the names-kept-whole analysis could not establish may
        // follow once every name is unfolded (`1 - s > 0` for `s = 1/(1 + exp(-z))`).
        // Stated conditions may also imply needed ones (`x != 0` gives `4*x^2 != 0`).
        let mut unfolded = self.normalizer(false).map_err(|e| (None, e))?;
        for c in &stated {
            if let Some((text, sign)) = [
                (" != 0", Sign::NON_ZERO),
                (" >= 0", Sign::NON_NEG),
                (" > 0", Sign::POS),
            ]
            .iter()
            .find_map(|(suffix, sign)| c.strip_suffix(suffix).map(|t| (t, *sign)))
            {
                let expr = self.term(text).map_err(|e| (None, e))?;
                unfolded
                    .assume_quietly(&expr, sign)
                    .map_err(|e| (None, algebra_error(e)))?;
            }
        }
        needed.retain(|c| stated.contains(c) || !self.established(&mut unfolded, c));
        // A stated condition may be written differently (`2*x + 10 != 0` for `x + 5 != 0`).
        needed.retain(|c| {
            stated.contains(c)
                || !stated
                    .iter()
                    .any(|s| self.same_condition(&mut unfolded, c, s))
        });
        if let Some(missing) = needed.iter().find(|c| !stated.contains(*c)) {
            return Err((
                None,
                format!("the proof needs `{missing}`, which is neither established nor stated"),
            ));
        }
        Ok(())
    }

    /// A normalizer with the sign facts of the assumptions. The stated
    /// conditions are not facts here: the checker re-derives which conditions
    /// the proof needs, exactly as the prover does, and compares.
    fn normalizer(&self, opaque: bool) -> Result<Normalizer<'_>, String> {
        let budget = Budget {
            max_work: 200_000_000,
            deadline: None,
        };
        let mut norm = Normalizer::new(&self.defs, opaque, budget);
        let mut facts: Vec<(RecExpr<Math>, RecExpr<Math>, Sign)> = Vec::new();
        for a in &self.problem.assumptions {
            let sign = match a.relation {
                Relation::Eq => continue,
                Relation::Gt => Sign::POS,
                Relation::Ge => Sign::NON_NEG,
                Relation::Ne => Sign::NON_ZERO,
            };
            facts.push((a.lhs.clone(), a.rhs.clone(), sign));
        }
        norm.without_conditions(|norm| -> Result<(), String> {
            for (l, r, sign) in facts {
                let v = difference(norm, &l, &r)?;
                norm.add_fact(v, sign);
            }
            Ok(())
        })?;
        Ok(norm)
    }

    /// Whether the condition `E REL 0` (as the normalizer prints it) follows from the sign facts.
    fn established(&self, norm: &mut Normalizer, condition: &str) -> bool {
        let Some((text, rel)) = [" != 0", " >= 0", " > 0"].iter().find_map(|suffix| {
            condition
                .strip_suffix(suffix)
                .map(|t| (t, suffix.trim_end_matches(" 0").trim()))
        }) else {
            return false;
        };
        let Ok(expr) = self.term(text) else {
            return false;
        };
        match norm.normalize(&expr) {
            Ok(value) => norm.holds(&value, rel),
            Err(_) => false,
        }
    }

    /// Whether conditions `a` and `b` say the same: the same relation, and
    /// expressions that are constant multiples (positive ones for `>` and `>=`).
    fn same_condition(&self, norm: &mut Normalizer, a: &str, b: &str) -> bool {
        let split = |c: &str| {
            [" != 0", " >= 0", " > 0"]
                .iter()
                .find_map(|suffix| c.strip_suffix(suffix).map(|t| (t.to_string(), *suffix)))
        };
        let (Some((ta, ra)), Some((tb, rb))) = (split(a), split(b)) else {
            return false;
        };
        if ra != rb {
            return false;
        }
        let (Ok(ea), Ok(eb)) = (self.term(&ta), self.term(&tb)) else {
            return false;
        };
        let (Ok(va), Ok(vb)) = (norm.normalize(&ea), norm.normalize(&eb)) else {
            return false;
        };
        // Compare as polynomials: `va = k * vb` for the constant `k` that matches one term.
        if !va.den.is_empty() || !vb.den.is_empty() {
            return false;
        }
        let Some((m, c)) = va.num.0.iter().next() else {
            return false;
        };
        let Some(d) = vb.num.0.get(m) else {
            return false;
        };
        let k = c / d;
        if va.num != vb.num.scale(&k) {
            return false;
        }
        ra == " != 0" || num_traits::Signed::is_positive(&k)
    }

    /// Whether `a = b` (after the substitutions) with every name unfolded.
    /// Returns the conditions relied on that the sign facts do not establish.
    fn equal_unfolded(
        &self,
        b: &RecExpr<Math>,
        a: &RecExpr<Math>,
        substitution: &[(RecExpr<Math>, RecExpr<Math>)],
    ) -> Result<Vec<String>, String> {
        let mut norm = self.normalizer(false)?;
        for (var, value) in substitution {
            substitute(&mut norm, var, value)?;
        }
        if difference(&mut norm, b, a)?.is_zero() {
            return Ok(norm.conditions());
        }
        Err("the two sides do not have the same normal form".into())
    }

    /// Checks that `var = value` solves the assumption `text`, that `var` is a
    /// free variable or an index-free sum, and that `value` is free of `var`.
    fn check_solution(
        &self,
        text: &str,
        var: &RecExpr<Math>,
        value: &RecExpr<Math>,
    ) -> Result<(), String> {
        let assumption = self
            .problem
            .assumptions
            .iter()
            .find(|a| a.relation == Relation::Eq && a.text() == text)
            .ok_or_else(|| format!("`{text}` is not an assumption"))?;
        let budget = Budget {
            max_work: 50_000_000,
            deadline: None,
        };
        let mut norm = Normalizer::new(&self.defs, false, budget);
        let target = norm
            .target_of(var)
            .map_err(algebra_error)?
            .ok_or("an assumption is solved for a free variable or a sum free of indices")?;
        let v = norm.normalize(value).map_err(algebra_error)?;
        if norm.mentions_target(&v, target) {
            return Err(format!("the value of {} mentions it", to_infix(var)));
        }
        norm.substitute_target(target, v);
        if difference(&mut norm, &assumption.lhs, &assumption.rhs)?.is_zero() {
            Ok(())
        } else {
            Err(format!(
                "{} = {} does not solve `{text}`",
                to_infix(var),
                to_infix(value)
            ))
        }
    }

    /// Checks a point: it satisfies the assumptions, and the sides agree there
    /// (spot check) or certainly differ (counterexample), with the values stated.
    fn check_point(
        &self,
        p: &PointValues,
        lhs: &RecExpr<Math>,
        rhs: &RecExpr<Math>,
        agree: bool,
    ) -> Result<(), String> {
        let mut point: BTreeMap<Symbol, BigRational> = BTreeMap::new();
        for (name, value) in &p.point {
            let v = parse_rational(value).ok_or_else(|| format!("`{value}` is not a rational"))?;
            point.insert(Symbol::from(name.as_str()), v);
        }
        let indexed = unroll::is_indexed(&self.problem)
            || crate::index::is_indexed(lhs)
            || crate::index::is_indexed(rhs);
        if !indexed {
            return self.check_concrete_point(
                p,
                &self.problem,
                &self.defs,
                &point,
                lhs,
                rhs,
                agree,
            );
        }
        // At the point's number of classes and index values.
        let count = |key: &str| -> Result<usize, String> {
            let v = p
                .point
                .get(key)
                .ok_or_else(|| format!("the point gives no value for `{key}`"))?;
            v.parse::<usize>()
                .map_err(|_| format!("`{key}` = {v} is not a whole number"))
        };
        let n = count(unroll::CLASSES)?;
        if !(1..=64).contains(&n) {
            return Err(format!("the point has {n} classes; 1 to 64 are checked"));
        }
        let mut env = unroll::Env::new();
        for side in [lhs, rhs] {
            for s in crate::index::free_in_order(side) {
                let v = count(s.as_str())?;
                if !(1..=n).contains(&v) {
                    return Err(format!("index `{s}` = {v} is not a class of 1..{n}"));
                }
                env.insert(s, v);
            }
        }
        let concrete = unroll::unroll_problem(&self.problem, n)?;
        let defs: BTreeMap<Symbol, RecExpr<Math>> = concrete
            .definitions
            .iter()
            .map(|d| (d.name, d.expr.clone()))
            .collect();
        let l = unroll::unroll(lhs, n, &env)?;
        let r = unroll::unroll(rhs, n, &env)?;
        self.check_concrete_point(p, &concrete, &defs, &point, &l, &r, agree)
    }

    #[allow(clippy::too_many_arguments)]
    fn check_concrete_point(
        &self,
        p: &PointValues,
        problem: &Problem,
        defs: &BTreeMap<Symbol, RecExpr<Math>>,
        point: &BTreeMap<Symbol, BigRational>,
        lhs: &RecExpr<Math>,
        rhs: &RecExpr<Math>,
        agree: bool,
    ) -> Result<(), String> {
        let point = point.clone();
        let mut eval = Evaluator::new(defs, &point);
        for a in &problem.assumptions {
            let (Some(l), Some(r)) = (eval.eval(&a.lhs), eval.eval(&a.rhs)) else {
                return Err(format!(
                    "assumption `{}` is undefined at the point",
                    a.text()
                ));
            };
            let holds = match a.relation {
                Relation::Eq => {
                    let l = exact_value(&a.lhs, defs, &point);
                    l.is_some() && l == exact_value(&a.rhs, defs, &point)
                }
                Relation::Gt => l.lo > r.hi,
                Relation::Ge => l.lo >= r.hi,
                Relation::Ne => l.disjoint(&r),
            };
            if !holds {
                return Err(format!("the point does not satisfy `{}`", a.text()));
            }
        }
        let (Some(l), Some(r)) = (eval.eval(lhs), eval.eval(rhs)) else {
            return Err("a side is undefined at the point (or a variable has no value)".into());
        };
        if agree && l.disjoint(&r) {
            return Err("the sides differ at a spot-check point".into());
        }
        if !agree && !l.disjoint(&r) {
            return Err("the sides do not certainly differ at the counterexample".into());
        }
        for (stated, value) in [(&p.lhs, l), (&p.rhs, r)] {
            let stated: f64 = stated
                .parse()
                .map_err(|_| format!("`{stated}` is not a number"))?;
            if !close(stated, &value) {
                return Err(format!(
                    "a side is {:.6} at the point, not {stated}",
                    value.mid()
                ));
            }
        }
        Ok(())
    }
}

/// The exact value of a rational expression at a rational point (no `exp`, `log`, `sqrt`).
fn exact_value(
    expr: &RecExpr<Math>,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    point: &BTreeMap<Symbol, BigRational>,
) -> Option<BigRational> {
    exact_at(expr, root(expr), defs, point)
}

/// [`exact_value`] of the subterm at `id`.
fn exact_at(
    expr: &RecExpr<Math>,
    id: Id,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    point: &BTreeMap<Symbol, BigRational>,
) -> Option<BigRational> {
    let mut vals: Vec<Option<BigRational>> = Vec::with_capacity(usize::from(id) + 1);
    for node in &expr.as_ref()[..=usize::from(id)] {
        let get = |c: &Id| vals[usize::from(*c)].clone();
        let v = match node {
            Math::Num(c) => Some(c.0.clone()),
            Math::Var(s) => match defs.get(s) {
                Some(def) => exact_value(def, defs, point),
                None => point.get(s).cloned(),
            },
            Math::Add([a, b]) => get(a).zip(get(b)).map(|(a, b)| a + b),
            Math::Sub([a, b]) => get(a).zip(get(b)).map(|(a, b)| a - b),
            Math::Mul([a, b]) => get(a).zip(get(b)).map(|(a, b)| a * b),
            Math::Div([a, b]) => get(a)
                .zip(get(b))
                .and_then(|(a, b)| (!b.is_zero()).then(|| a / b)),
            Math::Neg(a) => get(a).map(|a| -a),
            // A closure, so that `?` leaves this node undefined, not the whole evaluation.
            Math::Pow([a, b]) => (|| {
                let e = get(b)?;
                let e = if e.is_integer() {
                    e.to_integer().to_i32()?
                } else {
                    return None;
                };
                let base = get(a)?;
                (e.abs() <= 64 && (e >= 0 || !base.is_zero()))
                    .then(|| num_traits::Pow::pow(base, e))
            })(),
            _ => None,
        };
        vals.push(v);
    }
    vals.pop().flatten()
}

fn close(stated: f64, value: &Interval) -> bool {
    let slack = 1e-6 * (1.0 + stated.abs());
    stated >= value.lo - slack && stated <= value.hi + slack
}

fn algebra_error(e: crate::algebra::AlgebraError) -> String {
    format!("the algebra failed: {e:?}")
}

fn difference(norm: &mut Normalizer, a: &RecExpr<Math>, b: &RecExpr<Math>) -> Result<Rat, String> {
    let x = norm.normalize(a).map_err(algebra_error)?;
    let y = norm.normalize(b).map_err(algebra_error)?;
    let ny = norm.neg(&y);
    norm.add(&x, &ny).map_err(algebra_error)
}

/// Lets `var` (a free variable or an index-free sum) stand for `value` in `norm`.
fn substitute(
    norm: &mut Normalizer,
    var: &RecExpr<Math>,
    value: &RecExpr<Math>,
) -> Result<(), String> {
    let target = norm
        .target_of(var)
        .map_err(algebra_error)?
        .ok_or("an assumption is solved for a free variable or a sum free of indices")?;
    let v = norm.normalize(value).map_err(algebra_error)?;
    norm.substitute_target(target, v);
    Ok(())
}

fn is_lemma_rule(rule: &str) -> bool {
    rule.starts_with("d-") || rule.starts_with("unfold-") || rule == RENAME
}

fn root(expr: &RecExpr<Math>) -> Id {
    Id::from(expr.as_ref().len() - 1)
}

/// Replaces every `d` term by its lemma, bottom-up, sharing repeated lemmas:
/// the result is a `d`-free term as a DAG.
struct Expander<'a> {
    lemmas: &'a HashMap<String, RecExpr<Math>>,
    /// Lemmas with free indices by their canonical text, with their index names in order.
    schemas: &'a HashMap<String, (String, Vec<Symbol>)>,
    used: std::cell::RefCell<BTreeSet<String>>,
    /// Terms already expanded, by their text.
    done: std::cell::RefCell<HashMap<String, RecExpr<Math>>>,
}

impl Expander<'_> {
    fn expand(&self, expr: &RecExpr<Math>) -> Result<RecExpr<Math>, String> {
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
    fn all_used(&self, steps: &[Step]) -> Result<(), Failure> {
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
fn copy_subterm(expr: &RecExpr<Math>, id: Id, out: &mut Vec<Math>) -> Id {
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
