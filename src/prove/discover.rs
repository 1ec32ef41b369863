//! The kernel asked in discovery mode, for the prover: which laws each step
//! used and which conditions it needs, with as few stated as needed. Shared
//! by the moves' search (`moves`) and certifying (`certify`); owns no
//! checking (the kernel decides) and no choice of steps.

use std::time::Instant;

use crate::kernel::{Discharge, Rejection, Stop};

/// The kernel in discovery mode (every law may fire, every condition the
/// signs do not establish is stated), then as few stated as needed: one the
/// other stated conditions imply is marked implied. What is stated does not
/// make a proof: the checker derives the conditions again. Past `deadline`
/// the proof is rejected with [`crate::kernel::KERNEL_TIME`] (the prover's
/// time limit holds here too), never accepted with more conditions stated.
pub(crate) fn discover(
    statement: &crate::kernel::Statement,
    proof: &crate::kernel::Proof,
    deadline: Option<Instant>,
) -> Result<crate::kernel::Checked, Rejection> {
    let (mut accepted, expander) = crate::kernel::check(statement, proof, true, deadline)?;
    for i in 0..accepted.needed.len() {
        if accepted.needed[i].discharge != Discharge::Stated {
            continue;
        }
        let others: Vec<_> = accepted
            .needed
            .iter()
            .enumerate()
            .filter(|(j, n)| *j != i && n.discharge == Discharge::Stated)
            .map(|(_, n)| (n.term.clone(), n.rel))
            .collect();
        let c = &accepted.needed[i];
        match crate::kernel::implied(statement, &others, &c.term, c.rel, deadline) {
            Ok(true) => accepted.needed[i].discharge = Discharge::Implied,
            Err(Stop::Time) => {
                return Err(Rejection {
                    step: None,
                    reason: crate::kernel::KERNEL_TIME.into(),
                })
            }
            Ok(false) | Err(_) => {}
        }
    }
    Ok((accepted, expander))
}
