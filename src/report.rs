//! The result of deciding claims: our own data model, the one serialised type
//! (`--format json`). Renderers read it; nothing here does IO or proving.

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
}

/// One justified equation of a proof, in input syntax.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The rule or reason, e.g. `d-add`, `unfold-S`, `algebra`, `assume t1 + t2 + t3 = 1`.
    pub rule: String,
    /// The term before the step.
    pub before: String,
    /// The term after the step.
    pub after: String,
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
}

/// The results for a whole problem file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The schema version of this JSON.
    pub schema: u32,
    /// The `let` definitions, in order.
    pub definitions: Vec<NamedDefinition>,
    /// The assumptions, in input syntax.
    pub assumptions: Vec<String>,
    /// One entry per claim, in source order.
    pub claims: Vec<ClaimReport>,
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
