//! The certificate: the result of deciding a problem's claims as data
//! (`prove --format json`, schema 2) — verdicts, typed proof steps, side
//! conditions, spot checks, counterexamples and which limit stopped a claim.
//! The checker reads it back; renderers print it; nothing here does IO or
//! proving. (Transcripts of the backward walk are `transcript`'s data.)

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The verdict on one claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Proved, possibly under the stated conditions.
    Proved,
    /// Refuted by a counterexample.
    Disproved,
    /// Neither, within the limits.
    Undecided,
}

impl Status {
    /// The status as a lowercase word.
    pub fn word(self) -> &'static str {
        match self {
            Status::Proved => "proved",
            Status::Disproved => "disproved",
            Status::Undecided => "undecided",
        }
    }

    /// The status with the side conditions a proof relies on, as a report
    /// says it: `proved`, `proved where x != 0 and y > 0`.
    ///
    /// ```
    /// use backprove::Status;
    /// assert_eq!(Status::Proved.with_conditions(&[]), "proved");
    /// let c = ["x != 0".to_string()];
    /// assert_eq!(Status::Proved.with_conditions(&c), "proved where x != 0");
    /// ```
    pub fn with_conditions(self, conditions: &[String]) -> String {
        if conditions.is_empty() || self != Status::Proved {
            self.word().to_string()
        } else {
            format!("{} where {}", self.word(), conditions.join(" and "))
        }
    }
}

/// One justified equation of a proof, in input syntax.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The justification as shown, e.g. `d-add`, `unfold-S`, `algebra: sum-delta`,
    /// `assume t1 + t2 + t3 = 1: t3 = 1 - t1 - t2` (always `by`'s label).
    pub rule: String,
    /// The term before the step.
    pub before: String,
    /// The term after the step.
    pub after: String,
    /// Why the step holds, typed: what the kernel checks.
    pub by: Justification,
}

impl Step {
    /// A step whose justification is read from its label (`d-mul`, `unfold-S`, `algebra`, …).
    pub fn new(
        rule: impl Into<String>,
        before: impl Into<String>,
        after: impl Into<String>,
    ) -> Step {
        let rule = rule.into();
        let by = Justification::from_label(&rule);
        Step {
            rule: by.label(),
            before: before.into(),
            after: after.into(),
            by,
        }
    }
}

/// Why a step holds (schema 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Justification {
    /// A differentiation rule of the table, by name.
    Rule {
        /// Its name, e.g. `d-mul`.
        rule: String,
    },
    /// `d(NAME, x) = d(its definition, x)`.
    Unfold {
        /// The name unfolded.
        name: String,
    },
    /// `d(sum(k, f), a[k]) = d(sum(j, f[k := j]), a[k])`.
    RenameIndex,
    /// `d-add` over a whole sum: `d(u1 + u2 - …, x) = d(u1, x) + d(u2, x) - …`.
    Linear {
        /// `d-add`, or `d-add, d-sub` when some term is subtracted.
        rule: String,
    },
    /// Field arithmetic and the named laws (after replacing each `d` by its lemma).
    Algebra {
        /// Whether each `d` is replaced by its lemma first.
        differentiate: bool,
        /// The laws beyond field arithmetic, e.g. `sum-delta`, `unfold-S`.
        laws: Vec<String>,
        /// The textbook move this step makes (`cancel exp(a1)`), shown as its
        /// label; the kernel checks the equation, not the name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// An assumption solved for one term, substituted, then algebra.
    Assume {
        /// The equation, as among the assumptions.
        equation: String,
        /// The term solved for: a variable, or a sum free of indices.
        target: String,
        /// Its value.
        value: String,
        /// The target's coefficient when not a constant (then it must be non-zero).
        coefficient: Option<String>,
        /// The laws beyond field arithmetic.
        laws: Vec<String>,
        /// The textbook move (`use t1 + t2 + t3 = 1`), shown as its label.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
}

impl Justification {
    /// The label proofs show: the move's name when it has one.
    pub fn label(&self) -> String {
        if let Some(name) = self.name() {
            return name.to_string();
        }
        let with = |head: String, laws: &[String]| {
            if laws.is_empty() {
                head
            } else {
                format!("{head}: {}", laws.join(", "))
            }
        };
        match self {
            Justification::Rule { rule } | Justification::Linear { rule } => rule.clone(),
            Justification::Unfold { name } => format!("unfold-{name}"),
            Justification::RenameIndex => "rename-index".into(),
            Justification::Algebra {
                differentiate,
                laws,
                ..
            } => with(
                if *differentiate {
                    "differentiate (lemmas above), algebra"
                } else {
                    "algebra"
                }
                .into(),
                laws,
            ),
            Justification::Assume {
                equation,
                target,
                value,
                laws,
                ..
            } => {
                let head = format!("assume {equation}: {target} = {value}");
                if laws.is_empty() {
                    head
                } else {
                    format!("{head} (with {})", laws.join(", "))
                }
            }
        }
    }

    /// The textbook move a chain step is named by, if any.
    ///
    /// ```
    /// let p = backprove::parse_problem("prove x/x = 1").unwrap();
    /// let report = backprove::prove_problem(&p, &backprove::Limits::default());
    /// let step = &report.claims[0].steps[0];
    /// assert_eq!(step.by.name(), Some("cancel x"));
    /// assert_eq!(step.rule, "cancel x");
    /// ```
    pub fn name(&self) -> Option<&str> {
        match self {
            Justification::Algebra { name, .. } | Justification::Assume { name, .. } => {
                name.as_deref()
            }
            _ => None,
        }
    }

    /// The justification a label names (the inverse of [`Justification::label`]
    /// for labels without laws).
    pub fn from_label(rule: &str) -> Justification {
        if let Some(rest) = rule.strip_prefix("assume ") {
            let (equation, solution) = rest.rsplit_once(": ").unwrap_or((rest, ""));
            let (target, value) = solution.split_once(" = ").unwrap_or((solution, ""));
            return Justification::Assume {
                equation: equation.into(),
                target: target.into(),
                value: value.into(),
                coefficient: None,
                laws: vec![],
                name: None,
            };
        }
        if let Some(name) = rule.strip_prefix("unfold-") {
            return Justification::Unfold { name: name.into() };
        }
        match rule {
            "rename-index" => Justification::RenameIndex,
            "d-add" | "d-add, d-sub" => Justification::Linear { rule: rule.into() },
            r if r.starts_with("d-") => Justification::Rule { rule: r.into() },
            r => Justification::Algebra {
                differentiate: r.contains("differentiate"),
                laws: vec![],
                name: None,
            },
        }
    }

    /// Whether this justifies a lemma `d(f, x) = …` rather than a chain step.
    pub fn is_lemma(&self) -> bool {
        !matches!(
            self,
            Justification::Algebra { .. } | Justification::Assume { .. }
        )
    }
}

/// Both sides evaluated at one point: a counterexample, or a spot check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointValues {
    /// Each free variable's exact value, as `p/q`.
    pub point: BTreeMap<String, String>,
    /// The left side's value there (rounded to 6 decimals).
    pub lhs: String,
    /// The right side's value there (rounded to 6 decimals).
    pub rhs: String,
}

/// A side condition a proof needed, and how it was discharged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SideCondition {
    /// The condition in input syntax, `E != 0`, `E > 0` or `E >= 0`.
    pub condition: String,
    /// `"sign facts"` (established from constants, `exp > 0`, sums and
    /// products of positives, squares and `assume` facts) or `"stated"` (left
    /// as a condition of the result, listed in `conditions`).
    pub discharged: String,
}

/// A `let` definition, in input syntax.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedDefinition {
    /// The name.
    pub name: String,
    /// Its definition.
    pub expr: String,
}

/// Everything decided about one claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimReport {
    /// The claim in input syntax.
    pub claim: String,
    /// Its source line.
    pub line: usize,
    /// The verdict.
    pub status: Status,
    /// Side conditions the result relies on that could not be established.
    pub conditions: Vec<String>,
    /// Every side condition the proof needed, with how it was discharged.
    pub side_conditions: Vec<SideCondition>,
    /// Where the sides differ, when disproved.
    pub counterexample: Option<PointValues>,
    /// Points satisfying the assumptions where both sides were evaluated and agree, when proved.
    pub spot_checks: Vec<PointValues>,
    /// Derivative lemmas first (one per `d` term), then, when proved, the
    /// chain from the left side to the right side.
    pub steps: Vec<Step>,
    /// Why the claim is undecided, or what was found when disproved.
    pub reason: Option<String>,
    /// When a limit left the claim undecided: which one (`"time"`, `"nodes"`,
    /// `"work"`). Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<StopReason>,
    /// When the claim is decided as an instance of a rolled-up template claim:
    /// which one and at which index values (the proof is the template's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<InstanceOf>,
}

impl ClaimReport {
    /// A disproved claim in one line: `CLAIM is false: at POINT the left side is … and the right side …`.
    pub fn refutation(&self) -> String {
        let at = self.counterexample.as_ref().map_or(String::new(), |p| {
            let point: Vec<String> = p.point.iter().map(|(k, v)| format!("{k} = {v}")).collect();
            format!(
                ": at {} the left side is {} and the right side {}",
                point.join(", "),
                p.lhs,
                p.rhs
            )
        });
        format!("{} is false{at}", self.claim)
    }

    /// The claim on `line` (in input syntax) before anything is decided:
    /// undecided, with no steps, conditions, points or reason.
    pub fn undecided(claim: String, line: usize) -> ClaimReport {
        ClaimReport {
            claim,
            line,
            status: Status::Undecided,
            conditions: Vec::new(),
            side_conditions: Vec::new(),
            counterexample: None,
            spot_checks: Vec::new(),
            steps: Vec::new(),
            reason: None,
            limit: None,
            instance: None,
        }
    }
}

/// A claim decided as the instance of a template claim (see [`RolledUp`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceOf {
    /// The template claim, 1-based among [`RolledUp::claims`].
    pub template: usize,
    /// The value of each of the template claim's free indices.
    pub indices: BTreeMap<String, usize>,
}

/// An unrolled problem recognised as the instance at `n = classes` of an
/// indexed template: the template's claims are decided once for every `n`,
/// and the checker verifies that the problem and each instance claim are the
/// template unrolled (`a[2]` written `a2`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RolledUp {
    /// The number of classes of the problem.
    pub classes: usize,
    /// The template's definitions (`y[j]` for a family).
    pub definitions: Vec<NamedDefinition>,
    /// The template's assumptions.
    pub assumptions: Vec<String>,
    /// The template claims, each decided with its own proof.
    pub claims: Vec<ClaimReport>,
}

impl RolledUp {
    /// The steps that prove an instance claim: its template claim's chain
    /// (the lemmas of `d` and unfoldings left out), written at the instance's
    /// indices (`t[k]` as `t3`). Each was checked for every `n`; the checker
    /// verifies the instantiation.
    pub fn instance_steps(&self, instance: &InstanceOf) -> Vec<Step> {
        let Some(template) = self.claims.get(instance.template.wrapping_sub(1)) else {
            return Vec::new();
        };
        let at = |text: &str| {
            let mut text = text.to_string();
            for (k, v) in &instance.indices {
                text = text.replace(&format!("[{k}]"), &v.to_string());
            }
            text
        };
        template
            .steps
            .iter()
            .filter(|s| !s.rule.starts_with("d-") && !s.rule.starts_with("unfold-"))
            .map(|s| Step {
                before: at(&s.before),
                after: at(&s.after),
                ..s.clone()
            })
            .collect()
    }
}

/// The results for a whole problem file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The schema version of this JSON.
    pub schema: u32,
    /// The declared index ranges (`i, p in 1..m`), in order; absent when every
    /// index ranges over `1..n`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indices: Vec<String>,
    /// The `let` definitions, in order.
    pub definitions: Vec<NamedDefinition>,
    /// The assumptions, in input syntax.
    pub assumptions: Vec<String>,
    /// One entry per claim, in source order.
    pub claims: Vec<ClaimReport>,
    /// The template the problem is an instance of, when its claims were decided that way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolled_up: Option<RolledUp>,
}

impl Report {
    /// The process exit code: 0 all proved, 1 some disproved, 3 some undecided.
    pub fn exit_code(&self) -> u8 {
        if self.claims.iter().any(|c| c.status == Status::Disproved) {
            1
        } else if self.claims.iter().any(|c| c.status == Status::Undecided) {
            3
        } else {
            0
        }
    }
}

/// Which limit stopped a claim short of a verdict ("not decided: limit").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StopReason {
    /// The time per claim (`--timeout`).
    Time,
    /// The e-graph's node limit (`--max-nodes`), or a term written out
    /// beyond ten times it.
    Nodes,
    /// The algebra's work budget, which `--max-nodes` scales.
    Work,
}

impl StopReason {
    /// The limit's name as the command line and the JSON spell it.
    pub fn name(self) -> &'static str {
        match self {
            StopReason::Time => "time",
            StopReason::Nodes => "nodes",
            StopReason::Work => "work",
        }
    }
}
