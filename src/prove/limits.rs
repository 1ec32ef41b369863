//! The resources one claim may use (which of them ran out is the report's
//! [`StopReason`](crate::report::StopReason)). Owns no deciding.

use std::time::Duration;

/// Resource limits for deciding one claim, built from the defaults:
///
/// ```
/// use std::time::Duration;
/// let limits = backprove::Limits::default()
///     .with_timeout(Duration::from_secs(2))
///     .with_max_nodes(50_000);
/// assert_eq!(limits.timeout, Duration::from_secs(2));
/// assert_eq!(limits.max_nodes, 50_000);
/// let p = backprove::parse_problem("prove d(x^3, x) = 3*x^2").unwrap();
/// let report = backprove::prove_problem(&p, &limits);
/// assert_eq!(report.claims[0].status, backprove::Status::Proved);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock time per claim.
    pub timeout: Duration,
    /// E-nodes in the differentiation e-graph; also scales the algebra budget.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(10),
            max_nodes: 1_000_000,
        }
    }
}

impl Limits {
    /// These limits with another time per claim.
    pub fn with_timeout(self, timeout: Duration) -> Limits {
        Limits { timeout, ..self }
    }

    /// These limits with another e-node limit (which also scales the algebra's work budget).
    pub fn with_max_nodes(self, max_nodes: usize) -> Limits {
        Limits { max_nodes, ..self }
    }
}
