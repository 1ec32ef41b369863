//! What the kernel says of a proof: the conditions an accepted one needs
//! and how each is met, or why it is rejected (a limit's reason marked as
//! such). Owns no checking.

use std::collections::BTreeSet;

use egg::RecExpr;

use super::{Expander, Rel, Stop};
use crate::language::Math;

/// How a condition the proof needs is met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discharge {
    /// By the signs and the assumptions.
    Signs,
    /// Stated: listed among the conditions of the result.
    Stated,
    /// Implied by the stated conditions (`x != 0` by `x > 0`).
    Implied,
}

/// A condition the proof needs: `term REL 0`.
#[derive(Debug, Clone)]
pub struct Needed {
    /// The term, as met.
    pub term: RecExpr<Math>,
    /// The relation to zero.
    pub rel: Rel,
    /// How it is met.
    pub discharge: Discharge,
}

/// What the kernel says of an accepted proof.
#[derive(Debug, Clone, Default)]
pub struct Accepted {
    /// Every condition needed, once, in the order met.
    pub needed: Vec<Needed>,
    /// The laws each chain step used (in discovery, the ones that fired).
    pub laws: Vec<BTreeSet<String>>,
}

/// An accepted proof: what the kernel says of it, and the expander of its lemmas.
pub type Checked = (Accepted, Expander);

/// Why a proof is rejected: the 1-based lemma or step at fault (lemmas first), and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// 1-based position among lemmas then chain steps, when one is at fault.
    pub step: Option<usize>,
    /// What is wrong.
    pub reason: String,
}

pub(super) fn reject<T>(step: Option<usize>, reason: impl Into<String>) -> Result<T, Rejection> {
    Err(Rejection {
        step,
        reason: reason.into(),
    })
}

/// How the reason of a [`Rejection`] starts when a limit, not the proof,
/// ended the check: the proof is then neither accepted nor found wrong.
pub const LIMIT: &str = "not checked within limits";

/// Why a proof checked with a deadline is rejected once it has passed
/// (a [`LIMIT`] reason).
pub const KERNEL_TIME: &str = "not checked within limits: the time limit was reached";

pub(super) fn stop(step: Option<usize>) -> impl Fn(Stop) -> Rejection {
    move |s| Rejection {
        step,
        reason: match s {
            Stop::Limit => format!("{LIMIT}: the kernel's work budget ran out"),
            Stop::Time => KERNEL_TIME.into(),
            Stop::Unsupported(what) => format!("the kernel does not read {what}"),
        },
    }
}
