//! The labels of the lecture's steps: a proof's moves by the short names a
//! student knows (`take a constant out of the sum`, `the delta picks j = k`,
//! `cancel y[j]`), never the kernel's text of a law. Labels only: every
//! equality they name is proved and checked as it is written.

use crate::report::{ClaimReport, Justification};

/// The named moves of a proof of an equality without `d`, as a lecture
/// names them: its steps' moves (`cancel y[j]`, `use sum(j, t[j]) = 1`),
/// a law by the short name a student knows (`take a constant out of the
/// sum`, not the law's text), a long definition left out of `substitute`
/// and `write … as` (the file states it above), and the substitutions
/// beside a law left out.
pub(super) fn proof_moves(c: &ClaimReport) -> String {
    let mut seen: Vec<String> = Vec::new();
    let mut add = |m: String| {
        if !seen.contains(&m) {
            seen.push(m);
        }
    };
    for s in &c.steps {
        let (Justification::Algebra { laws, name, .. } | Justification::Assume { laws, name, .. }) =
            &s.by
        else {
            add(s.rule.clone());
            continue;
        };
        let Some(name) = name else {
            add(s.rule.clone());
            continue;
        };
        if matches!(s.by, Justification::Assume { .. }) {
            add(name.clone());
            continue;
        }
        let parts = crate::check::name_parts(name);
        // Beside a law, the definitions a step unfolds are the file's
        // (stated above the lecture): the law is what the step teaches.
        let cites = parts.iter().any(|p| p.starts_with("by "));
        for part in parts {
            if cites && part.starts_with("substitute ") {
                continue;
            }
            if part.starts_with("by ") {
                laws.iter()
                    .filter(|l| !l.starts_with("unfold-"))
                    .for_each(|l| add(short_law(l)));
            } else if let Some((n, body)) = part
                .strip_prefix("substitute ")
                .and_then(|r| r.split_once(" = "))
            {
                add(match body.len() <= SHORT_BODY {
                    true => part.to_string(),
                    false => format!("substitute {n}"),
                });
            } else if let Some((body, n)) = part
                .strip_prefix("write ")
                .and_then(|r| r.rsplit_once(" as "))
            {
                add(match body.len() <= SHORT_BODY {
                    true => part.to_string(),
                    false => format!("write … as {n}"),
                });
            } else {
                add(part.to_string());
            }
        }
    }
    seen.join(", ")
}

/// A definition longer than this is not written out in a lecture's label.
const SHORT_BODY: usize = 16;

/// A law of the kernel by the name a lecture gives it.
fn short_law(law: &str) -> String {
    let short = match law {
        "exp-sum" => "exp(u + v) = exp(u)*exp(v)",
        "exp-log" => "exp(log(u)) = u",
        "log-product" => "log of a product",
        "log-exp" => "log(exp(u)) = u",
        "sqrt-square" => "sqrt(u)^2 = u",
        "power-root" => "u^(1/2) = sqrt(u)",
        "power-exp" => "u^v = exp(v*log(u))",
        "sum-linear" => "split the sum",
        "sum-factor" => "take a constant out of the sum",
        "sum-const" => "a sum of n equal terms",
        "sum-delta" => "the delta picks j = k",
        "delta-subst" => "the delta sets the index",
        "delta-symmetric" => "delta(j, k) = delta(k, j)",
        "step-positive" => "step(u) = 1 where u > 0",
        "step-negative" => "step(u) = 0 where u < 0",
        other => {
            return match other.split_once('-') {
                Some((f, _))
                    if crate::kernel::FUNCTION_LAWS
                        .iter()
                        .any(|(n, _)| *n == other) =>
                {
                    format!("definition of {f}")
                }
                _ => format!("by {other}"),
            }
        }
    };
    short.to_string()
}
