//! The certificate checker: reads a certificate (the JSON of
//! `prove --format json`, schema 2), hands every proof to the trusted
//! [`kernel`](crate::kernel), and checks what the kernel does not:
//! counterexamples and spot checks (interval arithmetic after unrolling), that
//! the labels and side conditions shown are the ones checked, and, given the
//! problem file, that the certificate is about that problem.
//!
//! Trusted for proofs: the kernel, and the parser that reads the
//! certificate's terms (the same parser reads the user's problem file, so it
//! defines what a claim means). Trusted for disproofs: the interval evaluator
//! (`numeric`) and the unroller (`unroll`). Not used: the e-graph, the
//! prover's algebra, any choice the prover made.

use std::collections::{BTreeMap, BTreeSet};

use egg::{Id, RecExpr, Symbol};

mod error;
mod json;
mod names;
mod points;
mod rollup;
mod unrolled;
pub use error::CheckError;
pub(crate) use points::read_point;
pub(crate) use rollup::Template;

use names::check_name;
pub(crate) use names::{law_citation, name_parts};

use crate::kernel::{self, Discharge, Justification as K, Rel};
use crate::language::Math;
use crate::parse::parse_problem;
use crate::print::to_infix;
use crate::problem::{Problem, Relation};
use crate::report::{ClaimReport, Justification, Report, Status};

/// The certificate schema this checker reads.
pub const SCHEMA: u32 = 2;

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
    check_report(&read(json)?)
}

/// Reads a certificate: JSON of schema 2.
pub fn read(json: &str) -> Result<Report, CheckError> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| CheckError::Malformed(e.to_string()))?;
    json::no_key_twice(json).map_err(CheckError::Malformed)?;
    match value.get("schema").and_then(|s| s.as_u64()) {
        Some(s) if s == u64::from(SCHEMA) => {}
        Some(s) => {
            return Err(CheckError::Malformed(format!(
            "unsupported schema {s} (this checker reads schema {SCHEMA}; prove the problem again)"
        )))
        }
        None => return Err(CheckError::Malformed("no schema number".into())),
    }
    serde_json::from_value(value).map_err(|e| CheckError::Malformed(e.to_string()))
}

/// Checks every proved or disproved claim of `report`; returns how many.
pub fn check_report(report: &Report) -> Result<usize, CheckError> {
    check_report_until(report, None)
}

/// [`check_report`], stopping with [`CheckError::Limit`] once `deadline`
/// has passed (between steps, and inside a step's algebra).
///
/// ```
/// let p = backprove::parse_problem("prove d(x^2, x) = 2*x").unwrap();
/// let report = backprove::prove_problem(&p, &backprove::Limits::default());
/// let now = std::time::Instant::now();
/// let late = backprove::check_report_until(&report, Some(now));
/// assert!(matches!(late, Err(backprove::CheckError::Limit { .. })));
/// let later = now + std::time::Duration::from_secs(60);
/// assert_eq!(backprove::check_report_until(&report, Some(later)), Ok(1));
/// ```
pub fn check_report_until(
    report: &Report,
    deadline: Option<std::time::Instant>,
) -> Result<usize, CheckError> {
    if report.schema != SCHEMA {
        return Err(CheckError::Malformed(format!(
            "unsupported schema {}",
            report.schema
        )));
    }
    let context = Context::new_with(report, || None, deadline).map_err(CheckError::Malformed)?;
    // A limit (the reason says so) decides nothing; anything else is a fault.
    let failed = |claim: usize, (step, reason): Failure| {
        if reason.contains(kernel::LIMIT) {
            let at = step.map(|s| format!("step {s}: ")).unwrap_or_default();
            CheckError::Limit {
                claim,
                reason: format!("{at}{reason}"),
            }
        } else {
            CheckError::Invalid {
                claim,
                step,
                reason,
            }
        }
    };
    // The roll-up section's verdicts, also those no instance claim uses
    // (claim 0: the section).
    match &context.rolled {
        Some(Err(e)) => {
            return Err(failed(
                0,
                (None, format!("the roll-up does not check: {e}")),
            ))
        }
        Some(Ok(r)) => r.check_verdicts().map_err(|e| failed(0, (None, e)))?,
        None => {}
    }
    let mut checked = 0;
    for (i, claim) in report.claims.iter().enumerate() {
        if claim.status == Status::Undecided {
            continue;
        }
        context.check_claim(claim).map_err(|f| failed(i + 1, f))?;
        checked += 1;
    }
    Ok(checked)
}

/// Checks that `report` states exactly the definitions, assumptions and
/// claims of `problem` (as the prover prints them), in order.
pub fn same_problem(report: &Report, problem: &Problem) -> Result<(), CheckError> {
    let indices: Vec<String> = problem.indices.iter().map(|i| i.text()).collect();
    if indices != report.indices {
        return Err(CheckError::OtherProblem("the index ranges differ".into()));
    }
    let defs = problem.named_definitions();
    if defs != report.definitions {
        return Err(CheckError::OtherProblem("the definitions differ".into()));
    }
    let assumptions: Vec<String> = problem.assumptions.iter().map(|a| a.text()).collect();
    if assumptions != report.assumptions {
        return Err(CheckError::OtherProblem("the assumptions differ".into()));
    }
    let claims: Vec<(String, usize)> = problem.claims.iter().map(|c| (c.text(), c.line)).collect();
    let stated: Vec<(String, usize)> = report
        .claims
        .iter()
        .map(|c| (c.claim.clone(), c.line))
        .collect();
    if claims.iter().map(|c| &c.0).ne(stated.iter().map(|c| &c.0)) {
        return Err(CheckError::OtherProblem("the claims differ".into()));
    }
    // `check` prints each claim by its line: the lines must be the file's.
    if claims != stated {
        return Err(CheckError::OtherProblem(
            "the claims' line numbers differ".into(),
        ));
    }
    Ok(())
}

/// A failing step (1-based, when one is at fault) and why.
pub(crate) type Failure = (Option<usize>, String);

/// Definitions and assumptions, re-read from the certificate's text.
pub(crate) struct Context {
    problem: Problem,
    defs: BTreeMap<Symbol, RecExpr<Math>>,
    names: BTreeMap<Symbol, usize>,
    pub(crate) statement: kernel::Statement,
    /// The assumptions' texts, for naming them in steps.
    assumption_texts: Vec<String>,
    /// The verified roll-up, when the certificate has one (or why it fails).
    rolled: Option<Result<rollup::Rolled, String>>,
    /// Every term text read so far, with what it reads as: reading is a
    /// function of the text and of the header this context was read from, and
    /// a proof states most terms twice (a step's end is the next one's start),
    /// the prover's certifying and its self-check read the same steps.
    /// Shared by the contexts read from the same header ([`shared_reads`]).
    read: Reads,
    /// When the checks stop, undecided.
    deadline: Option<std::time::Instant>,
}

/// Term texts and what they read as, under one header.
type Reads =
    std::sync::Arc<std::sync::Mutex<rustc_hash::FxHashMap<String, Result<RecExpr<Math>, String>>>>;

/// The term texts read under the header `text` (a context's `index`, `let`
/// and `assume` lines) by every context read from that same text: what a
/// term reads as is a function of the header and the term's text alone, so
/// the checker re-reading a roll-up's template reads what the prover's
/// context for the template read. A few headers are kept: more, and all go.
fn shared_reads(text: &str) -> Reads {
    static SHARED: std::sync::OnceLock<std::sync::Mutex<rustc_hash::FxHashMap<String, Reads>>> =
        std::sync::OnceLock::new();
    let mut shared = SHARED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if shared.len() >= 16 && !shared.contains_key(text) {
        shared.clear();
    }
    shared.entry(text.to_string()).or_default().clone()
}

impl Context {
    pub(crate) fn new(report: &Report) -> Result<Context, String> {
        Context::new_with(report, || None, None)
    }

    /// [`Context::new`], where `template` gives the roll-up's template
    /// already read ([`rollup::Template::new`] of the report's roll-up
    /// section), if it can, when the problem has been read; its checks stop
    /// at `deadline` with a [`kernel::LIMIT`] reason.
    pub(crate) fn new_with(
        report: &Report,
        template: impl FnOnce() -> Option<std::sync::Arc<rollup::Template>>,
        deadline: Option<std::time::Instant>,
    ) -> Result<Context, String> {
        let mut text = String::new();
        for i in &report.indices {
            text += &format!("index {i}\n");
        }
        let probe = parse_problem(&text).map_err(|e| e.to_string())?;
        for d in &report.definitions {
            // A declared size is defined by its `index` line, as the parser does.
            if probe.is_size(Symbol::from(d.name.as_str())) {
                continue;
            }
            text += &format!("let {} = {}\n", d.name, d.expr);
        }
        for a in &report.assumptions {
            text += &format!("assume {a}\n");
        }
        let problem = parse_problem(&text).map_err(|e| e.to_string())?;
        if problem.named_definitions() != report.definitions
            || problem.indices.iter().map(|i| i.text()).collect::<Vec<_>>() != report.indices
            || problem
                .assumptions
                .iter()
                .map(|a| a.text())
                .collect::<Vec<_>>()
                != report.assumptions
        {
            return Err("the definitions or assumptions do not read back as written".into());
        }
        let defs = problem.definitions_by_name();
        let names = problem
            .definitions
            .iter()
            .map(|d| (d.name, d.line))
            .collect();
        let mut statement = kernel::Statement {
            ranges: problem.ranges(),
            ..Default::default()
        };
        for d in &problem.definitions {
            let index = match d.expr.as_ref().last() {
                Some(Math::Lambda([j, _])) => match &d.expr[*j] {
                    Math::Var(j) => Some(*j),
                    _ => None,
                },
                _ => None,
            };
            statement.defs.insert(d.name, (index, d.expr.clone()));
        }
        for a in &problem.assumptions {
            statement.assumptions.push(kernel::Assumption {
                lhs: a.lhs.clone(),
                rel: match a.relation {
                    Relation::Eq => None,
                    Relation::Gt => Some(Rel::Gt),
                    Relation::Ge => Some(Rel::Ge),
                    Relation::Ne => Some(Rel::Ne),
                },
                rhs: a.rhs.clone(),
            });
        }
        let rolled = report.rolled_up.as_ref().map(|r| match template() {
            Some(t) => rollup::Rolled::with(t, r, &problem),
            None => rollup::Rolled::new(r, &problem, deadline),
        });
        Ok(Context {
            assumption_texts: report.assumptions.clone(),
            problem,
            defs,
            names,
            statement,
            rolled,
            read: shared_reads(&text),
            deadline,
        })
    }

    /// The verified roll-up, when the certificate has one and it checks.
    pub(crate) fn rolled_up(&self) -> Option<&rollup::Rolled> {
        self.rolled.as_ref().and_then(|r| r.as_ref().ok())
    }

    fn term(&self, text: &str) -> Result<RecExpr<Math>, String> {
        let lock = || self.read.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(done) = lock().get(text) {
            return done.clone();
        }
        let done = crate::parse::parse_term_in(text, &self.names, &self.problem)
            .map_err(|e| format!("cannot read `{text}`: {e}"));
        // Short texts only: the long ones are few, and at a thousand classes large.
        if text.len() <= 400 {
            let mut read = lock();
            if read.len() < 20_000 {
                read.insert(text.to_string(), done.clone());
            }
        }
        done
    }

    /// Whether `body` is the definition of `name` as the file states it
    /// (`y[j]` of a family at its index `j`, at each index in turn for two),
    /// up to bound index names.
    fn defines(&self, name: &str, body: &str) -> bool {
        let (stem, index) = match name.split_once('[') {
            Some((stem, rest)) => (stem, rest.strip_suffix(']')),
            None => (name, None),
        };
        let Some(def) = self.defs.get(&Symbol::from(stem)) else {
            return false;
        };
        let Ok(written) = self.term(body) else {
            return false;
        };
        // `y[k]`: the definition at `k`; `K[j, r]`: at `j`, then at `r`.
        let mut expected = def.clone();
        for j in index.into_iter().flat_map(|i| i.split(',')) {
            match crate::index::instantiate(&expected, Symbol::from(j.trim())) {
                Some(e) => expected = e,
                None => return false,
            }
        }
        kernel::same_term(&expected, &written, &self.statement.ranges)
    }

    /// A condition `E != 0`, `E > 0` or `E >= 0`.
    fn condition(&self, text: &str) -> Result<(RecExpr<Math>, Rel), String> {
        for (suffix, rel) in [(" != 0", Rel::Ne), (" >= 0", Rel::Ge), (" > 0", Rel::Gt)] {
            if let Some(t) = text.strip_suffix(suffix) {
                return Ok((self.term(t)?, rel));
            }
        }
        Err(format!(
            "`{text}` is not a condition `E != 0`, `E > 0` or `E >= 0`"
        ))
    }

    /// The kernel's step for a certificate step.
    fn step(&self, s: &crate::report::Step) -> Result<kernel::Step, String> {
        if s.rule != s.by.label() {
            return Err(format!(
                "the label `{}` is not its justification's (`{}`)",
                s.rule,
                s.by.label()
            ));
        }
        let known = |l: &String| {
            kernel::LAWS
                .iter()
                .chain(kernel::FUNCTION_LAWS)
                .any(|(name, _)| name == l)
                || l.strip_prefix("unfold-")
                    .is_some_and(|n| self.defs.contains_key(&Symbol::from(n)))
        };
        let laws_of = match &s.by {
            Justification::Algebra { laws, .. } | Justification::Assume { laws, .. } => {
                laws.as_slice()
            }
            _ => &[],
        };
        if let Some(l) = laws_of.iter().find(|l| !known(l)) {
            return Err(format!("`{l}` is not a law of the kernel"));
        }
        let laws = |l: &[String]| l.iter().cloned().collect::<BTreeSet<String>>();
        let by = match &s.by {
            Justification::Rule { rule } => K::Rule(rule.clone()),
            Justification::Unfold { name } => K::Unfold(Symbol::from(name.as_str())),
            Justification::RenameIndex => K::RenameIndex,
            Justification::Linear { rule } if rule == "d-add" || rule == "d-add, d-sub" => {
                K::Linear
            }
            Justification::Linear { rule } => return Err(format!("`{rule}` is not d-add")),
            Justification::Algebra {
                differentiate,
                laws: l,
                ..
            } => K::Algebra {
                laws: laws(l),
                differentiate: *differentiate,
            },
            Justification::Assume {
                equation,
                target,
                value,
                coefficient,
                laws: l,
                ..
            } => K::Assume {
                equation: self
                    .assumption_texts
                    .iter()
                    .position(|a| a == equation)
                    .ok_or_else(|| format!("`{equation}` is not an assumption"))?,
                target: self.term(target)?,
                value: self.term(value)?,
                coefficient: coefficient.as_deref().map(|c| self.term(c)).transpose()?,
                laws: laws(l),
            },
        };
        Ok(kernel::Step {
            by,
            before: self.term(&s.before)?,
            after: self.term(&s.after)?,
        })
    }

    /// The claim's sides, its lemmas and chain as the kernel reads them.
    pub(crate) fn proof(&self, claim: &ClaimReport) -> Result<kernel::Proof, Failure> {
        let (l, r) = claim
            .claim
            .split_once(" = ")
            .ok_or((None, "the claim is not an equation".to_string()))?;
        let lhs = self.term(l).map_err(|e| (None, e))?;
        let rhs = self.term(r).map_err(|e| (None, e))?;
        let count = claim.steps.iter().take_while(|s| s.by.is_lemma()).count();
        let mut lemmas = Vec::new();
        let mut chain = Vec::new();
        for (i, s) in claim.steps.iter().enumerate() {
            let step = self.step(s).map_err(|e| (Some(i + 1), e))?;
            if i < count {
                lemmas.push(step);
            } else if s.by.is_lemma() {
                return Err((Some(i + 1), "lemmas come before the chain".into()));
            } else {
                chain.push(step);
            }
        }
        let mut stated = Vec::new();
        for c in &claim.conditions {
            stated.push(self.condition(c).map_err(|e| (None, e))?);
        }
        Ok(kernel::Proof {
            lhs,
            rhs,
            lemmas,
            chain,
            stated,
        })
    }

    pub(crate) fn check_claim(&self, claim: &ClaimReport) -> Result<(), Failure> {
        self.check_claim_until(claim, self.deadline)
    }

    /// [`Context::check_claim`], where the kernel's check of a proof stops
    /// once `deadline` has passed (the prover's self-check within its time
    /// limit): then it fails with [`kernel::KERNEL_TIME`].
    pub(crate) fn check_claim_until(
        &self,
        claim: &ClaimReport,
        deadline: Option<std::time::Instant>,
    ) -> Result<(), Failure> {
        if let Some(instance) = &claim.instance {
            return match &self.rolled {
                Some(Ok(rolled)) => rolled.check(self, claim, instance),
                Some(Err(e)) => Err((None, format!("the roll-up does not check: {e}"))),
                None => Err((None, "an instance claim without a roll-up".into())),
            };
        }
        for (i, s) in claim.steps.iter().enumerate() {
            check_name(&s.by, &|n, body| self.defines(n, body)).map_err(|e| (Some(i + 1), e))?;
        }
        let proof = self.proof(claim)?;
        let fail = |r: kernel::Rejection| (r.step, r.reason);
        match claim.status {
            Status::Proved => {
                if proof.chain.is_empty()
                    && !kernel::same_term(&proof.lhs, &proof.rhs, &self.statement.ranges)
                {
                    return Err((
                        None,
                        "a proof needs at least one step after its lemmas".into(),
                    ));
                }
                // The kernel's expander of the lemmas it just checked.
                let (accepted, expander) =
                    kernel::check(&self.statement, &proof, false, deadline).map_err(fail)?;
                self.check_shown(claim, &accepted)?;
                let lhs = expander.expand(&proof.lhs).map_err(|e| (None, e))?;
                let rhs = expander.expand(&proof.rhs).map_err(|e| (None, e))?;
                for p in &claim.spot_checks {
                    if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                        return Err((None, kernel::KERNEL_TIME.to_string()));
                    }
                    self.check_point(p, &lhs, &rhs, [&proof.lhs, &proof.rhs], true)
                        .map_err(|e| (None, e))?;
                }
                Ok(())
            }
            Status::Disproved => self.check_disproof(claim, &proof).map(|_| ()),
            Status::Undecided => Ok(()),
        }
    }

    /// Checks a disproof, read as `proof` ([`Context::proof`]): its lemmas,
    /// each used, and its counterexample; returns the sides with every `d`
    /// replaced by its lemma.
    pub(crate) fn check_disproof(
        &self,
        claim: &ClaimReport,
        proof: &kernel::Proof,
    ) -> Result<(RecExpr<Math>, RecExpr<Math>), Failure> {
        if !proof.chain.is_empty() {
            return Err((None, "a disproof has no chain of steps".into()));
        }
        let expander = kernel::lemmas(&self.statement, &proof.lemmas)
            .map_err(|r: kernel::Rejection| (r.step, r.reason))?;
        let lhs = expander.expand(&proof.lhs).map_err(|e| (None, e))?;
        let rhs = expander.expand(&proof.rhs).map_err(|e| (None, e))?;
        let cx = claim
            .counterexample
            .as_ref()
            .ok_or((None, "a disproof needs a counterexample".to_string()))?;
        self.check_point(cx, &lhs, &rhs, [&proof.lhs, &proof.rhs], false)
            .map_err(|e| (None, e))?;
        let used = expander.used.borrow();
        if let Some(k) = expander.keys().find(|k| !used.contains(*k)) {
            return Err((None, format!("the lemma for {k} is never used")));
        }
        Ok((lhs, rhs))
    }

    /// The side conditions shown are exactly the ones the kernel needed, discharged as it did.
    fn check_shown(&self, claim: &ClaimReport, accepted: &kernel::Accepted) -> Result<(), Failure> {
        let shown = side_conditions(accepted);
        let listed: Vec<(String, String)> = claim
            .side_conditions
            .iter()
            .map(|s| (s.condition.clone(), s.discharged.clone()))
            .collect();
        if shown != listed {
            return Err((
                None,
                "the side conditions shown are not the ones the proof needs".into(),
            ));
        }
        Ok(())
    }
}

/// The side conditions of an accepted proof as shown: `(condition, how)`.
pub(crate) fn side_conditions(accepted: &kernel::Accepted) -> Vec<(String, String)> {
    accepted
        .needed
        .iter()
        .map(|n| {
            (
                format!("{} {} 0", to_infix(&n.term), kernel::rel_text(n.rel)),
                match n.discharge {
                    Discharge::Signs => "sign facts",
                    Discharge::Stated => "stated",
                    Discharge::Implied => "implied by the stated conditions",
                }
                .to_string(),
            )
        })
        .collect()
}

fn root(expr: &RecExpr<Math>) -> Id {
    Id::from(expr.as_ref().len() - 1)
}
