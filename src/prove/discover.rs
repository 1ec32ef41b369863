//! The kernel asked in discovery mode, for the prover: which laws each step
//! used and which conditions it needs, with as few stated as needed. Shared
//! by the moves' search (`moves`) and certifying (`certify`); owns no
//! checking (the kernel decides) and no choice of steps.

use crate::kernel::Discharge;

/// The kernel in discovery mode (every law may fire, every condition the
/// signs do not establish is stated), then as few stated as needed: one the
/// other stated conditions imply is marked implied. What is stated does not
/// make a proof: the checker derives the conditions again.
pub(crate) fn discover(
    statement: &crate::kernel::Statement,
    proof: &crate::kernel::Proof,
) -> Result<crate::kernel::Checked, crate::kernel::Rejection> {
    let (mut accepted, expander) = crate::kernel::check(statement, proof, true, None)?;
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
        if crate::kernel::implied(statement, &others, &c.term, c.rel).unwrap_or(false) {
            accepted.needed[i].discharge = Discharge::Implied;
        }
    }
    Ok((accepted, expander))
}
