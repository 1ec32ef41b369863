//! The conditions a proof needs: established from the signs of terms as
//! written (a square the normal form expanded away, a name's definition) and
//! from the claim's own domain, or else stated. Each case that is
//! established has a near miss whose condition must stay stated.

use backprove::{check_report, parse_problem, prove_problem, Limits, Status};

/// The conditions `text`'s one claim is proved under (its certificate checked).
fn conditions(text: &str) -> Vec<String> {
    let report = prove_problem(&parse_problem(text).unwrap(), &Limits::default());
    let claim = &report.claims[0];
    assert_eq!(claim.status, Status::Proved, "{text}: {:?}", claim.reason);
    assert_eq!(check_report(&report).unwrap(), 1, "{text}");
    claim.conditions.clone()
}

#[test]
fn a_divisor_that_is_positive_as_written_needs_no_condition() {
    for text in [
        "prove (x^2 + 1)/(x^2 + 1) = 1",
        "let q = x^2 + 1\nprove q/q = 1",
        "prove sum(j, (a[j] - 1)^2 + 1)/sum(j, (a[j] - 1)^2 + 1) = 1",
        "prove tanh(x^2 + 1)/tanh(x^2 + 1) = 1",
        "let y[j] = exp(a[j]) + a[j]^2\nprove y[k]/y[k] = 1",
        "assume e > 0\nprove (sum(j, (a[j] - m)^2)/n + e)/(sum(j, (a[j] - m)^2)/n + e) = 1",
    ] {
        assert_eq!(conditions(text), Vec::<String>::new(), "{text}");
    }
}

#[test]
fn a_divisor_that_may_be_zero_keeps_its_condition() {
    for (text, condition) in [
        ("prove (x^2 - 1)/(x^2 - 1) = 1", "x^2 - 1 != 0"),
        ("let q = x^2\nprove q/q = 1", "q != 0"),
        (
            "prove sum(j, a[j]^2)/sum(j, a[j]^2) = 1",
            "sum(j, a[j]^2) != 0",
        ),
        ("prove (x - 1)^3/(x - 1)^3 = 1", "x - 1 != 0"),
        ("prove tanh(x)/tanh(x) = 1", "tanh(x) != 0"),
        // A sum of terms that may be negative, though each is a square minus one.
        (
            "prove sum(j, a[j]^2 - 1)/sum(j, a[j]^2 - 1) = 1",
            "sum(j, a[j]^2 - 1) != 0",
        ),
        // Without `e > 0`, the variance plus `e` may vanish.
        (
            "prove (sum(j, (a[j] - m)^2)/n + e)/(sum(j, (a[j] - m)^2)/n + e) = 1",
            "sum(j, (a[j] - m)^2)/n + e != 0",
        ),
    ] {
        let got = conditions(text);
        assert!(
            got.iter().any(|c| c == condition),
            "{text}: {got:?} should state {condition}"
        );
    }
}

#[test]
fn batch_normalization_with_a_positive_epsilon_needs_no_condition() {
    let text = backprove::example("batch-normalization", 3).unwrap();
    assert!(text.contains("assume eps > 0"));
    assert_eq!(conditions(&text), Vec::<String>::new());
    // Without the assumption, only where both sides are defined: `s != 0`,
    // from which `v + eps > 0` and its expanded forms (times `n`, `n^2`) follow.
    let without = text.replace("assume eps > 0\n", "");
    assert_eq!(conditions(&without), ["s != 0"]);
}

#[test]
fn a_square_root_that_is_not_zero_has_a_positive_argument() {
    // `sqrt(x) != 0` is stated; `x >= 0` follows from it and is not listed.
    assert_eq!(
        conditions("prove d(sqrt(x), x) = 1/(2*sqrt(x))"),
        ["sqrt(x) != 0"]
    );
}

/// Off a kink the step function is constant: given (or where the claim is
/// defined) `u > 0`, `step(u)` is 1, and given `u < 0` it is 0, so ReLU's
/// and abs's derivatives are the book's 1, 0 and -1 there. Each near miss,
/// the sign not known, is disproved.
#[test]
fn the_step_function_is_constant_where_its_argument_has_a_sign() {
    for (text, near_miss) in [
        (
            "assume x > 0\nprove d(relu(x), x) = 1",
            "prove d(relu(x), x) = 1",
        ),
        (
            "assume x > 0\nprove max(x, 0) = x",
            "assume x + 1 > 0\nprove max(x, 0) = x",
        ),
        (
            "assume -x > 0\nprove d(relu(x), x) = 0",
            "assume 1 - x > 0\nprove d(relu(x), x) = 0",
        ),
        (
            "assume -x > 0\nprove d(abs(x), x) = -1",
            "prove d(abs(x), x) = -1",
        ),
        (
            "assume a[j] > 0\nprove d(sum(j, relu(a[j])*g[j]), a[k]) = g[k]",
            "assume a[j] + 1 > 0\nprove d(sum(j, relu(a[j])*g[j]), a[k]) = g[k]",
        ),
        (
            "prove step(exp(x)) + relu(-exp(x)) = 1",
            "prove step(x) + relu(-x) = 1",
        ),
        // The claim's domain, where log(x) is defined, is stated.
        (
            "prove d(log(x), x) = 1/abs(x)",
            "prove d(log(x^2), x) = 2/abs(x)",
        ),
    ] {
        let domain = text.contains("log").then(|| "x > 0".to_string());
        assert_eq!(conditions(text), Vec::from_iter(domain), "{text}");
        let report = prove_problem(&parse_problem(near_miss).unwrap(), &Limits::default());
        assert_eq!(report.claims[0].status, Status::Disproved, "{near_miss}");
        assert_eq!(check_report(&report), Ok(1), "{near_miss}");
    }
}

/// Found by a twelfth red-team review: the prover read `step(x^2)` as 1
/// from the condition `x^2 != 0` its own proof met (the kink of relu), a
/// fact the kernel does not have, and the true `d(relu(x^2), x) = 2*x` ended
/// in "internal error". The step function's value comes from the
/// assumptions and the claim's domain only; a domain condition `x^2 != 0`
/// with `x^2 >= 0` as written gives `x^2 > 0` in the kernel too.
#[test]
fn a_step_is_decided_by_what_the_kernel_knows_too() {
    for text in ["prove d(relu(x^2), x) = 2*x", "prove d(relu(-x^2), x) = 0"] {
        let report = prove_problem(&parse_problem(text).unwrap(), &Limits::default());
        let reason = report.claims[0].reason.clone().unwrap_or_default();
        assert!(!reason.contains("internal error"), "{text}: {reason}");
        assert_eq!(
            check_report(&report),
            Ok(usize::from(report.claims[0].status != Status::Undecided))
        );
    }
    assert_eq!(
        conditions("prove 1/x^2 + relu(x^2) = 1/x^2 + x^2"),
        ["x != 0"]
    );
    assert_eq!(conditions("prove 1/x^2 + step(-x^2) = 1/x^2"), ["x != 0"]);
}

/// Found by the fixed-seed property test once the kernel's facts grew: a
/// domain `sqrt(x)*x > 0` with `x >= 0` (from `sqrt(x)`) says `x > 0`, which
/// the prover used to split `log(sqrt(x)*x)` and the kernel could not see,
/// so even `log(sqrt(x)*x) = log(sqrt(x)*x)` ended in "internal error". A
/// product's fact now speaks of each factor: it is not zero. A domain that
/// contradicts the signs (`sqrt(x)*(-2/3) > 0`) stays a fact of itself.
#[test]
fn a_product_that_is_not_zero_has_no_zero_factor() {
    for (text, condition) in [
        ("prove log(sqrt(x)*x) = log(sqrt(x)*x)", "sqrt(x)*x > 0"),
        (
            "prove log(sqrt(x)*x) + y = y + log(sqrt(x)*x)",
            "sqrt(x)*x > 0",
        ),
        ("prove log(sqrt(x)*x) = log(sqrt(x)) + log(x)", "x > 0"),
        (
            "prove log(sqrt(x)*(1/3 - 1)) + x = x + log(sqrt(x)*(1/3 - 1))",
            "sqrt(x)*(1/3 - 1) > 0",
        ),
    ] {
        assert_eq!(conditions(text), [condition], "{text}");
    }
}

/// Found by a thirteenth red-team review: `sin-cos-square` writes
/// `cos(x)^2` as `1 - sin(x)^2`, whose sign no fact shows, so the kernel's
/// discovery could not see `step(cos(x)^-2) = 1` that the prover had used,
/// and the true claims ended in "internal error". A step function's
/// argument is read for its sign before that law.
#[test]
fn a_step_of_a_power_of_cos_is_decided_before_sin_cos_square() {
    for text in [
        "prove step(cos(x)^-2) = 1",
        "prove step(cos(x)^2)/cos(x) = 1/cos(x)",
        "prove step(-cos(x)^2)/cos(x) = 0",
    ] {
        assert_eq!(conditions(text), ["cos(x) != 0"], "{text}");
    }
    // A fourteenth review: the same through a definition row (relu, abs and
    // max unfold to a step of a placeholder), a step of sin^2 + cos^2, and a
    // domain fact read with the law. The kernel's discovery now also reads
    // each step without `sin-cos-square` when it does not check with it.
    for (text, domain) in [
        ("prove relu(cos(x)^2 + 1) = cos(x)^2 + 1", None),
        ("prove abs(cos(x)^2 + 1) = cos(x)^2 + 1", None),
        ("prove max(cos(x)^2 + 1, 0) = cos(x)^2 + 1", None),
        ("prove step(sin(x)^2 + cos(x)^2) = 1", None),
        (
            "prove step(cos(x)^2)*log(cos(x)^2) = log(cos(x)^2)",
            Some("cos(x)^2 > 0"),
        ),
    ] {
        assert_eq!(
            conditions(text),
            Vec::from_iter(domain.map(String::from)),
            "{text}"
        );
    }
}

/// Found by a sixteenth red-team review: with `sin-cos-square` the kink
/// factor of `abs(sin(x)^2 + cos(x)^2 - 1)` divides by zero, and the
/// kernel's discovery stopped there ("internal error") instead of reading
/// the step without that law as the prover had. The kink's condition is
/// stated, and the report says the claim may be vacuous.
#[test]
fn a_kink_that_is_zero_by_sin_cos_square_is_read_without_it() {
    for text in [
        "prove d(abs(sin(x)^2 + cos(x)^2 - 1), x) = 0",
        "prove d(relu(sin(x)^2 + cos(x)^2 - 1), x) = 0",
    ] {
        assert_eq!(conditions(text), ["sin(x)^2 + cos(x)^2 - 1 != 0"], "{text}");
    }
}
