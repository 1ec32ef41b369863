//! The de Bruijn kernel: the only code trusted to accept a proof.
//!
//! It reads a [`Statement`] (definitions and assumptions) and a [`Proof`]
//! (lemmas, a chain of typed steps, stated conditions) as terms of the
//! expression language, and accepts the claim `lhs = rhs` only when:
//! - every lemma `d(f, x) = …` is its rule's instance (the rule table's
//!   patterns, the kernel's own tree matcher, the rule's side condition), an
//!   unfolding of the definition it names, or an index renaming;
//! - the chain runs from `lhs` to `rhs`, each step starting where the last
//!   ended (terms compared up to the names of bound indices); an algebra step
//!   is an identity of rational functions over opaque atoms after the lemmas
//!   replace every `d` (when the step differentiates) and the laws the step
//!   names ([`norm::LAWS`], `unfold-NAME`) — no other law applies; an
//!   assumption step solves an equation that is linear in the solved-for term
//!   with a coefficient that is non-zero (a constant, or a checked condition);
//! - every definedness condition met (divisors non-zero, `log` of positives,
//!   `sqrt` of non-negatives, powers, non-zero coefficients) follows from the
//!   signs, the assumptions' sign facts, and the stated conditions.
//!
//! It imports nothing of the crate but the expression language and the rule
//! table (`tests/kernel_imports.rs` enforces it). Parsing the certificate,
//! spot checks and counterexamples (interval arithmetic, unrolling) are
//! outside: they check disproofs and reports, not proofs.

mod lemma;
mod norm;
mod poly;
mod sign;
mod term;
mod verdict;

use std::collections::{BTreeMap, BTreeSet};

use egg::{RecExpr, Symbol};

pub use lemma::Expander;
pub use norm::Stop;
pub use norm::{Defs, Rel, FUNCTION_LAWS, LAWS};
use norm::{Met, Normalizer};
use term::{alpha_key, root};
use verdict::{reject, stop};
pub use verdict::{Accepted, Checked, Discharge, Needed, Rejection, KERNEL_TIME, LIMIT};

use crate::language::{Math, Ranges};

/// Why a step holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Justification {
    /// A rule of the differentiation table, by name (`d-mul`).
    Rule(String),
    /// `d(NAME, x) = d(definition, x)` (or `d(y[k], x)` for `let y[j] = …`).
    Unfold(Symbol),
    /// `d(sum(k, f), a[k]) = d(sum(j, f[k := j]), a[k])`.
    RenameIndex,
    /// `d(u1 ± u2 ± …, x) = d(u1, x) ± d(u2, x) ± …` (`d-add` over a whole sum).
    Linear,
    /// Field arithmetic and the named laws; with `differentiate`, every `d`
    /// is first replaced by its lemma.
    Algebra {
        /// The laws beyond field arithmetic the step may use.
        laws: BTreeSet<String>,
        /// Whether the lemmas replace the `d` terms.
        differentiate: bool,
    },
    /// The assumption `equation` (its position) solved for `target` gives
    /// `value`; then field arithmetic and the named laws.
    Assume {
        /// Which assumption (0-based).
        equation: usize,
        /// A free variable, or a sum free of indices.
        target: RecExpr<Math>,
        /// What the equation forces it to be.
        value: RecExpr<Math>,
        /// The target's coefficient in the equation, when it is not a
        /// constant: then `coefficient != 0` is a condition of the proof.
        coefficient: Option<RecExpr<Math>>,
        /// The laws the step may use.
        laws: BTreeSet<String>,
    },
}

/// One justified equation `before = after`.
#[derive(Debug, Clone)]
pub struct Step {
    /// Why it holds.
    pub by: Justification,
    /// The left side.
    pub before: RecExpr<Math>,
    /// The right side.
    pub after: RecExpr<Math>,
}

/// An assumption: `lhs = rhs`, or `lhs - rhs REL 0`.
#[derive(Debug, Clone)]
pub struct Assumption {
    /// Left side.
    pub lhs: RecExpr<Math>,
    /// `None` for an equation.
    pub rel: Option<Rel>,
    /// Right side.
    pub rhs: RecExpr<Math>,
}

/// What a proof is about: the definitions and the assumptions.
#[derive(Debug, Clone, Default)]
pub struct Statement {
    /// `let` names: index (for families) and body (a `lambda` root for families).
    pub defs: Defs,
    /// In order.
    pub assumptions: Vec<Assumption>,
    /// The index ranges the problem declares (`index i in 1..m`).
    pub ranges: Ranges,
}

/// A proof of `lhs = rhs`.
#[derive(Debug, Clone)]
pub struct Proof {
    /// The claim's left side.
    pub lhs: RecExpr<Math>,
    /// The claim's right side.
    pub rhs: RecExpr<Math>,
    /// Lemmas `d(f, x) = …`, each used wherever its left side occurs.
    pub lemmas: Vec<Step>,
    /// The chain from `lhs` to `rhs`.
    pub chain: Vec<Step>,
    /// Conditions the result is stated under: `term REL 0`.
    pub stated: Vec<(RecExpr<Math>, Rel)>,
}

/// Whether two terms are the same up to the names of bound indices.
pub fn same_term(a: &RecExpr<Math>, b: &RecExpr<Math>, ranges: &Ranges) -> bool {
    alpha_key(a, root(a), ranges) == alpha_key(b, root(b), ranges)
}

/// Checks the lemmas and builds the expander of `d` terms.
pub fn lemmas(statement: &Statement, lemmas: &[Step]) -> Result<Expander, Rejection> {
    let mut pairs = Vec::new();
    for (i, l) in lemmas.iter().enumerate() {
        let key = lemma::check(
            &statement.defs,
            &statement.ranges,
            &l.by,
            &l.before,
            &l.after,
        )
        .or_else(|e| reject(Some(i + 1), e))?;
        pairs.push((l.before.clone(), l.after.clone(), key));
    }
    Expander::new(&pairs, &statement.ranges)
        .or_else(|i| reject(Some(i + 1), "a second lemma for the same derivative"))
}

/// Checks `proof` of `lhs = rhs` under `statement`. With `discover`, every
/// law may fire and the stated conditions are taken to be exactly the ones
/// the signs do not establish (the prover lists them); without, only the
/// laws each step names apply and every condition must be met.
/// Past `deadline` (the prover's time limit, or `backprove check --timeout`)
/// the proof is rejected with [`KERNEL_TIME`]: a limit only ever rejects.
pub fn check(
    statement: &Statement,
    proof: &Proof,
    discover: bool,
    deadline: Option<std::time::Instant>,
) -> Result<Checked, Rejection> {
    let expander = lemmas(statement, &proof.lemmas)?;
    let first = proof.lemmas.len();
    let mut accepted = Accepted::default();
    let mut needed: BTreeMap<(String, Rel), usize> = BTreeMap::new();
    let mut substitutions: Vec<(RecExpr<Math>, RecExpr<Math>)> = Vec::new();
    let mut current = alpha_key(&proof.lhs, root(&proof.lhs), &statement.ranges);
    let mut ctx = Ctx {
        statement,
        proof,
        discover,
        needed: &mut needed,
        accepted: &mut accepted,
        domain: vec![],
        built: vec![],
        deadline,
    };

    // The claim's own domain: both sides as written, inside `d` too. The
    // claim is about where both sides are defined, so every step may use it.
    {
        let mut n = ctx
            .normalizer(None, (false, false, true), &[], true)
            .map_err(stop(None))?;
        n.normalize(&proof.lhs).map_err(stop(None))?;
        n.normalize(&proof.rhs).map_err(stop(None))?;
        ctx.conditions(&mut n, None)?;
        // With what the terms surely are as written (`v + eps > 0` for
        // `sqrt(v + eps)`): a step may expand the square that shows it.
        for m in n.met().to_vec() {
            if let Some(r) = n.written_rel(&m.term).filter(|r| *r != m.rel) {
                ctx.domain.push((m.term.clone(), r));
            }
            ctx.domain.push((m.term, m.rel));
        }
    }
    for (i, step) in proof.chain.iter().enumerate() {
        let at = Some(first + i + 1);
        if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            return Err(stop(at)(Stop::Time));
        }
        if alpha_key(&step.before, root(&step.before), &statement.ranges) != current {
            return reject(at, "the step does not start where the chain stands");
        }
        let (laws, differentiate) = match &step.by {
            Justification::Algebra {
                laws,
                differentiate,
            } => (laws, *differentiate),
            Justification::Assume {
                equation,
                target,
                value,
                coefficient,
                laws,
            } => {
                ctx.solve(
                    *equation,
                    target,
                    value,
                    coefficient.as_ref(),
                    laws,
                    &substitutions,
                    at,
                )?;
                substitutions.push((target.clone(), value.clone()));
                (laws, false)
            }
            _ => return reject(at, "a chain step is algebra or an assumption"),
        };
        let (b, a) = if differentiate {
            let e = |t: &RecExpr<Math>| expander.expand(t).or_else(|e| reject(at, e));
            (e(&step.before)?, e(&step.after)?)
        } else {
            (step.before.clone(), step.after.clone())
        };
        let used = ctx.equal(&b, &a, laws, &substitutions, at)?;
        ctx.accepted.laws.push(used);
        current = alpha_key(&step.after, root(&step.after), &statement.ranges);
    }
    if current != alpha_key(&proof.rhs, root(&proof.rhs), &statement.ranges) {
        return reject(None, "the chain does not end at the claim's right side");
    }
    let used = expander.used.take();
    if let Some(k) = expander.keys().find(|k| !used.contains(*k)) {
        return reject(None, format!("the lemma for {k} is never used"));
    }
    Ok((accepted, expander))
}

/// Whether `term REL 0` follows from the signs, the assumptions and `given`.
/// Stops (with [`Stop::Time`]) once `deadline` has passed.
pub fn implied(
    statement: &Statement,
    given: &[(RecExpr<Math>, Rel)],
    term: &RecExpr<Math>,
    rel: Rel,
    deadline: Option<std::time::Instant>,
) -> Result<bool, Stop> {
    let mut n =
        Normalizer::new(&statement.defs, &statement.ranges, None, true).until(deadline, false);
    for a in &statement.assumptions {
        if let Some(r) = a.rel {
            let v = n.quietly(&a.lhs, &a.rhs)?;
            n.add_fact(v, r);
        }
    }
    for (t, r) in given {
        let v = n.quietly(t, &zero())?;
        n.add_fact(v, *r);
    }
    let v = n.quietly(term, &zero())?;
    Ok(n.holds(&v, rel))
}

struct Ctx<'a> {
    statement: &'a Statement,
    proof: &'a Proof,
    discover: bool,
    needed: &'a mut BTreeMap<(String, Rel), usize>,
    accepted: &'a mut Accepted,
    /// The conditions under which both sides of the claim are defined.
    domain: Vec<(RecExpr<Math>, Rel)>,
    /// The normalizers built so far, as built (before any step read a term),
    /// by what they were built from: their laws, whether they unfold every
    /// name, whether they have the domain, and how many conditions of the
    /// domain and substitutions there were (both only ever grow).
    built: Vec<(Built<'a>, Normalizer<'a>)>,
    /// When the check stops, as on its work budget.
    deadline: Option<std::time::Instant>,
}

type Built<'a> = (
    Option<&'a BTreeSet<String>>,
    (bool, bool, bool),
    bool,
    usize,
    usize,
);

impl<'a> Ctx<'a> {
    /// A normalizer with the assumptions' sign facts, the claim's domain as
    /// facts (or not) and the substitutions so far. One built from the same
    /// is a copy of the first (building is deterministic).
    fn normalizer(
        &mut self,
        laws: Option<&'a BTreeSet<String>>,
        (unfold_all, quotients, trig): (bool, bool, bool),
        substitutions: &[(RecExpr<Math>, RecExpr<Math>)],
        domain: bool,
    ) -> Result<Normalizer<'a>, Stop> {
        let (facts, substituted) = (self.domain.len(), substitutions.len());
        let key = (
            laws,
            (unfold_all, quotients, trig),
            domain,
            facts,
            substituted,
        );
        if let Some((_, n)) = self.built.iter().find(|(k, _)| *k == key) {
            return Ok(n.clone());
        }
        let mut n = Normalizer::new(
            &self.statement.defs,
            &self.statement.ranges,
            laws,
            unfold_all,
        )
        .until(self.deadline, quotients)
        .with_trig(trig);
        for a in &self.statement.assumptions {
            if let Some(rel) = a.rel {
                let v = n.quietly(&a.lhs, &a.rhs)?;
                n.add_fact(v, rel);
            }
        }
        for (t, rel) in self.domain.iter().filter(|_| domain) {
            let v = n.quietly(t, &zero())?;
            n.add_fact(v, *rel);
        }
        for (target, value) in substitutions {
            let v = n.normalize(value)?;
            n.substitute(target, v)?;
        }
        self.built.push((key, n.clone()));
        Ok(n)
    }

    /// Checks `b = a` under the laws (in discovery: names kept whole, then
    /// with quotients unfolded too, then every name unfolded; then each
    /// without `sin-cos-square`, which hides the sign of `cos(u)^2` a step
    /// function may need).
    fn equal(
        &mut self,
        b: &RecExpr<Math>,
        a: &RecExpr<Math>,
        laws: &'a BTreeSet<String>,
        substitutions: &[(RecExpr<Math>, RecExpr<Math>)],
        at: Option<usize>,
    ) -> Result<BTreeSet<String>, Rejection> {
        let tries: &[(bool, bool, bool)] = if self.discover {
            &[
                (false, false, true),
                (false, true, true),
                (true, false, true),
                (false, false, false),
                (true, false, false),
            ]
        } else {
            &[(true, false, true)]
        };
        for &(unfold_all, quotients, trig) in tries {
            let allowed = (!self.discover).then_some(laws);
            let mut n = self
                .normalizer(allowed, (unfold_all, quotients, trig), substitutions, true)
                .map_err(stop(at))?;
            // In discovery, what names kept whole cannot read may read
            // unfolded, and what reads as a division by zero with
            // `sin-cos-square` may read without it.
            let d = match n.difference(b, a) {
                Err(Stop::Unsupported(_)) if self.discover && (!unfold_all || trig) => continue,
                d => d.map_err(stop(at))?,
            };
            if d.is_zero() {
                self.conditions(&mut n, at)?;
                return Ok(std::mem::take(&mut n.used));
            }
        }
        reject(
            at,
            "the two sides are not equal under the laws the step names",
        )
    }

    /// Checks that `target = value` is what assumption `equation` forces.
    #[allow(clippy::too_many_arguments)]
    fn solve(
        &mut self,
        equation: usize,
        target: &RecExpr<Math>,
        value: &RecExpr<Math>,
        coefficient: Option<&RecExpr<Math>>,
        laws: &'a BTreeSet<String>,
        substitutions: &[(RecExpr<Math>, RecExpr<Math>)],
        at: Option<usize>,
    ) -> Result<(), Rejection> {
        let Some(eq) = self
            .statement
            .assumptions
            .get(equation)
            .filter(|a| a.rel.is_none())
        else {
            return reject(at, "the step names no equation among the assumptions");
        };
        if !matches!(target.as_ref().last(), Some(Math::Var(_) | Math::Sum(_))) {
            return reject(at, "an assumption is solved for a variable or a sum");
        }
        let allowed = (!self.discover).then_some(laws);
        let mut n = self
            .normalizer(allowed, (true, false, true), substitutions, false)
            .map_err(stop(at))?;
        let f = n.quietly(&eq.lhs, &eq.rhs).map_err(stop(at))?;
        let Some((coef, rest)) = n.linear_in(&f, target).map_err(stop(at))? else {
            return reject(
                at,
                "the equation is not linear in the term solved for, so it does not determine it",
            );
        };
        if coef.is_zero() {
            return reject(
                at,
                "the term solved for does not occur in the equation, so it is not determined",
            );
        }
        let v = n.normalize(value).map_err(stop(at))?;
        match n.linear_in(&v, target).map_err(stop(at))? {
            Some((c, _)) if c.is_zero() => {}
            _ => return reject(at, "the value mentions the term solved for"),
        }
        let solved = n.solve(&coef, &rest).map_err(stop(at))?;
        if !n.minus(&solved, &v).map_err(stop(at))?.is_zero() {
            return reject(at, "the value is not what the equation gives");
        }
        // The coefficient must be non-zero: a non-zero constant, or a condition like any other.
        match (coefficient, coef.is_nonzero_constant()) {
            (None, true) => {}
            (None, false) => return reject(at, "the coefficient of the term solved for is not a non-zero constant, and the step does not name it"),
            (Some(c), _) => {
                let cv = n.normalize(c).map_err(stop(at))?;
                if !n.minus(&cv, &coef).map_err(stop(at))?.is_zero() {
                    return reject(at, "the step names a coefficient that is not the equation's");
                }
                n.need_nonzero(c.clone(), &coef);
            }
        }
        self.conditions(&mut n, at)
    }

    /// Classifies the conditions a normalizer met; a condition neither
    /// established nor stated rejects the proof (in discovery it is stated).
    fn conditions(&mut self, n: &mut Normalizer, at: Option<usize>) -> Result<(), Rejection> {
        // Established with names kept whole, or else with every name unfolded
        // (`1 - s > 0` for `s = 1/(1 + exp(-z))`), the claim's domain given.
        let mut open = Vec::new();
        for m in n.open_conditions() {
            if !implied(self.statement, &self.domain, &m.term, m.rel, self.deadline)
                .map_err(stop(at))?
            {
                open.push(m);
            }
        }
        let open_keys: BTreeSet<(String, Rel)> = open
            .iter()
            .map(|m| {
                (
                    alpha_key(&m.term, root(&m.term), &self.statement.ranges),
                    m.rel,
                )
            })
            .collect();
        if !self.discover {
            for m in &open {
                if !implied(
                    self.statement,
                    &self.proof.stated,
                    &m.term,
                    m.rel,
                    self.deadline,
                )
                .map_err(stop(at))?
                {
                    return reject(
                        at,
                        format!(
                            "the proof needs {} {} 0, which is neither established nor stated",
                            m.term,
                            rel_text(m.rel)
                        ),
                    );
                }
            }
        }
        let met: Vec<Met> = n.met().to_vec();
        for m in met {
            let key = (
                alpha_key(&m.term, root(&m.term), &self.statement.ranges),
                m.rel,
            );
            if self.needed.contains_key(&key) {
                continue;
            }
            self.needed.insert(key.clone(), self.accepted.needed.len());
            let stated = self.discover
                || self.proof.stated.iter().any(|(t, r)| {
                    *r == m.rel && alpha_key(t, root(t), &self.statement.ranges) == key.0
                });
            let discharge = match (open_keys.contains(&key), stated) {
                (false, _) => Discharge::Signs,
                (true, true) => Discharge::Stated,
                (true, false) => Discharge::Implied,
            };
            self.accepted.needed.push(Needed {
                term: m.term,
                rel: m.rel,
                discharge,
            });
        }
        Ok(())
    }
}

fn zero() -> RecExpr<Math> {
    RecExpr::from(vec![Math::Num(crate::language::Constant::int(0))])
}

/// `!=`, `>` or `>=`.
pub fn rel_text(rel: Rel) -> &'static str {
    match rel {
        Rel::Ne => "!=",
        Rel::Gt => ">",
        Rel::Ge => ">=",
    }
}
