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

use egg::{Id, RecExpr, Symbol};

mod lemmas;
mod points;

use lemmas::Expander;

use crate::algebra::{Budget, Normalizer, Rat, Sign};
use crate::language::Math;
use crate::parse::{parse_problem, parse_term};
use crate::print::to_infix;
use crate::problem::{Problem, Relation};
use crate::report::{ClaimReport, Report, Status};
use crate::rules::diff::{Head, RENAME};

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
        let expander = Expander::new(&lemmas, &schemas);
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
