//! The result of deciding claims: our own data model, the one serialised type
//! (`--format json`). Renderers read it; nothing here does IO or proving.

use std::collections::BTreeMap;

use serde::Serialize;

/// The verdict on one claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The rule or reason, e.g. `d-add`, `unfold-S`, `algebra`, `assume t1 + t2 + t3 = 1`.
    pub rule: String,
    /// The term before the step.
    pub before: String,
    /// The term after the step.
    pub after: String,
}

/// A point where the two sides differ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Counterexample {
    /// Each free variable's exact value, as `p/q`.
    pub point: BTreeMap<String, String>,
    /// The left side's value there (rounded for display).
    pub lhs: String,
    /// The right side's value there (rounded for display).
    pub rhs: String,
}

/// Everything decided about one claim.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaimReport {
    /// The claim in input syntax.
    pub claim: String,
    /// Its source line.
    pub line: usize,
    /// The verdict.
    pub status: Status,
    /// Side conditions the result relies on that could not be established.
    pub conditions: Vec<String>,
    /// Where the sides differ, when disproved.
    pub counterexample: Option<Counterexample>,
    /// Derivative lemmas first (one per `d` term), then the chain from the
    /// left side to the right side.
    pub steps: Vec<Step>,
    /// Why the claim is undecided, or what was found when disproved.
    pub reason: Option<String>,
}

/// The results for a whole problem file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The schema version of this JSON.
    pub schema: u32,
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
