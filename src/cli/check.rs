//! `backprove check CERT [--problem FILE]`: reads a certificate, hands it to
//! the checker and prints the kernel's verdict on each claim.

use super::*;

/// `check CERT [--problem FILE]`: the kernel's verdict on each claim.
pub(super) fn check_command(
    file: &std::path::Path,
    problem: Option<&std::path::Path>,
    timeout: Duration,
    out: &mut impl Write,
) -> u8 {
    use crate::check::CheckError;
    // The clock runs from the start: reading a large certificate counts.
    let deadline = std::time::Instant::now() + timeout;
    let (text, _) = match read_input(&file.to_path_buf()) {
        Ok(t) => t,
        Err(e) => return usage(&e),
    };
    let report = match crate::check::read(&text) {
        Ok(r) => r,
        Err(e) => return usage(&e.to_string()),
    };
    if let Some(path) = problem {
        let (source, _) = match read_input(&path.to_path_buf()) {
            Ok(t) => t,
            Err(e) => return usage(&e),
        };
        let parsed = match crate::parse::parse_problem(&source) {
            Ok(p) => p,
            Err(e) => return usage(&e.to_string()),
        };
        if let Err(e) = crate::check::same_problem(&report, &parsed) {
            let _ = writeln!(out, "certificate invalid: {e}");
            return 1;
        }
    }
    match crate::check::check_report_until(&report, Some(deadline)) {
        Ok(n) => {
            for c in &report.claims {
                let how = match c.status {
                    crate::report::Status::Proved => c.status.with_conditions(&c.conditions),
                    crate::report::Status::Disproved => "disproved (counterexample checked)".into(),
                    crate::report::Status::Undecided => "undecided (nothing to check)".into(),
                };
                let _ = writeln!(out, "line {}: {}: {how}", c.line, c.claim);
            }
            let _ = writeln!(out, "certificate valid: {n} verdicts checked");
            if problem.is_none() {
                let _ = writeln!(
                    out,
                    "(checked against the certificate's own statement only; give --problem FILE to check it is about your file)"
                );
            }
            0
        }
        Err(e @ CheckError::Malformed(_)) => usage(&e.to_string()),
        Err(e @ CheckError::Limit { .. }) => {
            let _ = writeln!(
                out,
                "not decided: {e} (nothing was accepted or found wrong; --timeout {} s)",
                timeout.as_secs_f64()
            );
            EXIT_UNDECIDED
        }
        Err(e) => {
            let _ = writeln!(out, "certificate invalid: {e}");
            1
        }
    }
}
