//! Why a certificate is not accepted: malformed, invalid (with the claim
//! and step at fault), about another problem, or not decided within a
//! limit. Owns the error type and its wording, no checking.

/// Why a certificate is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// The certificate cannot be read (not JSON of the schema, or unparsable terms in its header).
    #[error("malformed certificate: {0}")]
    Malformed(String),
    /// A claim's proof does not check.
    #[error("{}: {reason}", at(*claim, *step))]
    Invalid {
        /// 1-based claim number (0: the roll-up section).
        claim: usize,
        /// 1-based step number, when a step is at fault.
        step: Option<usize>,
        /// What is wrong.
        reason: String,
    },
    /// The certificate is not about the given problem file.
    #[error("the certificate is not about this problem: {0}")]
    OtherProblem(String),
    /// A limit (the time allowed) ended the check before it decided: the
    /// certificate is neither accepted nor found wrong.
    #[error("{}: {reason}", at(*claim, None))]
    Limit {
        /// 1-based claim number (0: the roll-up section).
        claim: usize,
        /// What ran out, and where.
        reason: String,
    },
}

/// Where a check failed: `claim 2, step 3`, or the roll-up section (claim 0).
fn at(claim: usize, step: Option<usize>) -> String {
    let step = step.map(|s| format!(", step {s}")).unwrap_or_default();
    match claim {
        0 => format!("the roll-up section{step}"),
        c => format!("claim {c}{step}"),
    }
}
