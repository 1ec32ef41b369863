//! The parser on random and mutated input: it returns a result, never panics,
//! and every error points inside the input.

mod common;

use backprove::{check_certificate, parse_problem, softmax_with_loss};
use proptest::prelude::*;

/// `base` with `len` characters at `pos` replaced by `insert` (positions past the end clamp).
fn splice(base: &str, pos: usize, len: usize, insert: &str) -> String {
    let chars: Vec<char> = base.chars().collect();
    let pos = pos.min(chars.len());
    let end = (pos + len).min(chars.len());
    chars[..pos]
        .iter()
        .copied()
        .chain(insert.chars())
        .chain(chars[end..].iter().copied())
        .collect()
}

fn check(text: &str) {
    if let Err(e) = parse_problem(text) {
        let (line, column, _) = e.location();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            line >= 1 && line <= lines.len().max(1),
            "line {line} out of range"
        );
        let len = lines.get(line - 1).map_or(0, |l| l.chars().count());
        assert!(
            column >= 1 && column <= len + 1,
            "column {column} past line of {len}: {e}"
        );
    }
}

proptest! {
    #![proptest_config(common::fixed(2000))]
    #[test]
    fn random_text_never_panics(text in "[a-z0-9 +*/^().,=<>!#\\[\\]\n-]{0,80}") {
        check(&text);
    }

    #[test]
    fn mutated_problems_never_panic(pos in 0usize..400, len in 0usize..6, insert in "[-+*/^(),=a-z0-9 ]{0,4}") {
        let base = softmax_with_loss(3);
        let mutated = splice(&base, pos, len, &insert);
        check(&mutated);
    }

    #[test]
    fn mutated_symbolic_problems_never_panic(pos in 0usize..200, len in 0usize..6, insert in "[-+*/^(),=\\[\\]ijkn ]{0,4}") {
        // Indexed families, sums and deltas, parsed and, when they parse, proved.
        let base = backprove::softmax_with_loss_n();
        let mutated = splice(&base, pos, len, &insert);
        check(&mutated);
        if let Ok(problem) = parse_problem(&mutated) {
            let limits = backprove::Limits { timeout: std::time::Duration::from_secs(2), max_nodes: 20_000 };
            let report = backprove::prove_problem(&problem, &limits);
            for claim in &report.claims {
                let reason = claim.reason.clone().unwrap_or_default();
                prop_assert!(!reason.contains("internal error"), "{}: {}", mutated, reason);
            }
        }
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let text = format!("prove {}x{} = x", "(".repeat(5000), ")".repeat(5000));
    assert!(parse_problem(&text).is_err());
    let text = format!("prove {}x = x", "-".repeat(5000));
    assert!(parse_problem(&text).is_err());
}

fn certificate() -> &'static str {
    static CERT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    CERT.get_or_init(|| {
        let text = format!(
            "{}prove d(x^2/(1 + x), x) = x*(x + 2)/(1 + x)^2\nprove d(L, a1) = y1 + t1\n",
            softmax_with_loss(2)
        );
        let problem = parse_problem(&text).unwrap();
        let report = backprove::prove_problem(&problem, &backprove::Limits::default());
        backprove::render(&report, backprove::Format::Json)
    })
}

/// A certificate of the symbolic Softmax proof and a symbolic disproof.
fn symbolic_certificate() -> &'static str {
    static CERT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    CERT.get_or_init(|| {
        let text = format!(
            "{}prove d(L, a[k]) = y[k]\nprove d(sum(k, a[k]^2), a[k]) = 2*a[k]\n",
            backprove::softmax_with_loss_n()
        );
        let problem = parse_problem(&text).unwrap();
        let report = backprove::prove_problem(&problem, &backprove::Limits::default());
        assert_eq!(backprove::check_report(&report), Ok(3));
        backprove::render(&report, backprove::Format::Json)
    })
}

proptest! {
    #![proptest_config(common::fixed(300))]
    #[test]
    fn check_never_panics_on_mutated_certificates(pos in 0usize..20_000, len in 0usize..8, insert in "[-+*/^(),=a-z0-9 \"{}\\[\\]:]{0,6}") {
        let base = certificate();
        let mutated = splice(base, pos % base.chars().count(), len, &insert);
        let _ = check_certificate(&mutated);
    }

    #[test]
    fn check_never_panics_on_mutated_symbolic_certificates(pos in 0usize..20_000, len in 0usize..8, insert in "[-+*/^(),=a-z0-9 \"{}\\[\\]:]{0,6}") {
        let base = symbolic_certificate();
        let mutated = splice(base, pos % base.chars().count(), len, &insert);
        let _ = check_certificate(&mutated);
    }

    #[test]
    fn check_never_panics_on_random_text(text in "\\PC{0,200}") {
        let _ = check_certificate(&text);
    }
}

#[test]
fn huge_exponents_end_in_a_verdict() {
    let problem = parse_problem("prove x^1000000000000 = x^1000000000000").unwrap();
    let report = backprove::prove_problem(&problem, &backprove::Limits::default());
    assert_eq!(report.claims.len(), 1);
}
