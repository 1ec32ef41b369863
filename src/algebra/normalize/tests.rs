//! Unit tests of the normal form: each case is a term (with the `let`
//! names it may use) and the normal form printed back, followed by the side
//! conditions equality with it relies on that the signs do not establish.

use std::collections::BTreeMap;

use egg::Symbol;

use super::{Budget, Normalizer};
use crate::parse::parse_problem;

/// Normalizes the right side of `prove 0 = TERM` under the file's `let`
/// names and compares the printed form (and open conditions) with `expect`.
#[track_caller]
fn check(file: &str, expect: &str) {
    let problem = parse_problem(file).expect("a well-formed test input");
    let defs: BTreeMap<Symbol, _> = problem.definitions_by_name();
    let budget = Budget {
        max_work: 200_000,
        deadline: None,
    };
    let mut norm = Normalizer::new(&defs, false, budget);
    let term = &problem.claims.last().expect("a claim").rhs;
    let value = norm.normalize(term).expect("within the budget");
    let mut got = norm.print(&value);
    let open: Vec<&String> = norm
        .conditions
        .iter()
        .filter(|(_, stated)| **stated)
        .map(|(c, _)| c)
        .collect();
    if !open.is_empty() {
        got += &format!(
            "  where {}",
            open.iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    assert_eq!(got, expect, "input:\n{file}");
}

#[test]
fn field_arithmetic_collects_and_cancels() {
    check("prove 0 = x + x - 3*x", "-x");
    check("prove 0 = (x + 1)^2 - x^2", "2*x + 1");
    check("prove 0 = x/x", "1  where x != 0");
    // A factor cancels when the numerator is a multiple of it as written;
    // equality is decided by the difference, which is exactly zero.
    check(
        "prove 0 = (x^2 - 1)/(x - 1)",
        "(x^2 - 1)/(x - 1)  where x - 1 != 0",
    );
    check(
        "prove 0 = (x^2 - 1)/(x - 1) - (x + 1)",
        "0  where x - 1 != 0",
    );
    check("prove 0 = (x^2 - x)/(x - 1)", "x  where x - 1 != 0");
    // Monomial denominators stay as negative powers (Laurent polynomials).
    check("prove 0 = 1/x + 1/y", "1/x + 1/y  where x != 0, y != 0");
}

#[test]
fn exp_and_log_laws_apply_where_they_hold() {
    // Products of exponentials are kept as products, and compare equal to the
    // exponential of the sum.
    check("prove 0 = exp(a)*exp(b)", "exp(a)*exp(b)");
    check("prove 0 = exp(a + b) - exp(a)*exp(b)", "0");
    check("prove 0 = log(exp(x))", "x");
    check("prove 0 = exp(log(x))", "x  where x > 0");
    // `log(x*y) = log(x) + log(y)` needs both positive, which nothing here
    // says: the product stays whole, defined where `x*y > 0`.
    check("prove 0 = log(x*y)", "log(x*y)  where x*y > 0");
    check("prove 0 = log(2*exp(x))", "log(2) + x");
    check("prove 0 = log(exp(x)*exp(y))", "x + y");
}

#[test]
fn roots_of_squares_keep_their_sign_condition() {
    check("prove 0 = sqrt(x)^2", "x  where x >= 0");
    check("prove 0 = sqrt(exp(x))^2", "exp(x)");
}

#[test]
fn sums_over_the_classes() {
    check(
        "prove 0 = sum(j, 2*a[j] + b[j])",
        "2*sum(j, a[j]) + sum(j, b[j])",
    );
    check("prove 0 = sum(j, c)", "c*sum(j, 1)");
    check("prove 0 = sum(j, delta(j, k)*a[j])", "a[k]");
    check("prove 0 = sum(j, x*a[j])", "x*sum(j, a[j])");
}

#[test]
fn names_unfold_to_their_definitions() {
    check(
        "let S = exp(a1) + exp(a2)\nlet y1 = exp(a1)/S\nprove 0 = y1*S",
        "exp(a1)",
    );
    check(
        "let S = sum(j, exp(a[j]))\nlet y[j] = exp(a[j])/S\nprove 0 = sum(j, y[j])",
        "1",
    );
}

/// The factored text of `term`'s normal form, checked to read back as the
/// same value.
#[track_caller]
fn factored(term: &str) -> String {
    let budget = Budget {
        max_work: 200_000,
        deadline: None,
    };
    let defs = BTreeMap::new();
    let mut norm = Normalizer::new(&defs, false, budget);
    let read = |text: &str| {
        parse_problem(&format!("prove 0 = {text}")).unwrap().claims[0]
            .rhs
            .clone()
    };
    let value = norm.normalize(&read(term)).unwrap();
    let text = norm.print_factored(&value);
    let back = norm.normalize(&read(&text)).unwrap();
    let nb = norm.neg(&back);
    assert!(
        norm.add(&value, &nb).unwrap().is_zero(),
        "{term} printed as {text}"
    );
    text
}

/// The factored text of a normal form reads back as the same value; the
/// products a chain of layers makes are written as products.
#[test]
fn factored_text_is_the_same_value() {
    let cases = [
        ("(c5 - c5^2)*(c6 - c6^2)*e", "c5*(1 - c5)*c6*(1 - c6)*e"),
        ("e*c6*(1 - c6)", "c6*(1 - c6)*e"),
        ("(3*q - 3*t)*h^2*(1 - h^2)", "3*(q - t)*h^2*(1 - h^2)"),
        // Two groups, one a product; a product of sums is left expanded.
        (
            "a2*c6 + c1*(1 - c1)*c2*(1 - c2)*e",
            "a2*c6 + c1*(1 - c1)*c2*(1 - c2)*e",
        ),
        ("(x + y)*(z + w)", "w*x + w*y + x*z + y*z"),
        ("x + y", "x + y"),
        ("(x + 1)*x/(x - 1)", "(x + x^2)/(x - 1)"),
        ("2*x*y - 2*x", "2*(y - 1)*x"),
        ("x*y^2 - x^2*y + x^3*y^3 - y", "x*y^2 + x^3*y^3 - x^2*y - y"),
    ];
    for (term, expect) in cases {
        let text = factored(term);
        assert_eq!(text, expect, "{term}");
    }
}

/// Random sums of products of small polynomials (the shapes a walk's values
/// take, and others): the factored text always reads back as the same value.
#[test]
fn factored_text_reads_back_as_the_same_value_at_random() {
    let mut rng = crate::numeric::Rng::new(14);
    let mut pick = |n: u64| (rng.next_u64() % n) as usize;
    let names = ["a", "b", "c", "u", "v"];
    let mut split = 0;
    for _ in 0..300 {
        let mut sum = Vec::new();
        for _ in 0..1 + pick(2) {
            let mut product = Vec::new();
            for _ in 0..1 + pick(3) {
                let mut factor = Vec::new();
                // Half the factors in one name (as `1 - c5` is), half in any.
                let one = (pick(2) == 0).then(|| names[pick(names.len() as u64)]);
                for _ in 0..1 + pick(3) {
                    let coefficient = pick(7) as i64 - 3;
                    let name = one.unwrap_or_else(|| names[pick(names.len() as u64)]);
                    factor.push(format!("{coefficient}*{name}^{}", pick(3)));
                }
                product.push(format!("({})", factor.join(" + ")));
            }
            sum.push(product.join("*"));
        }
        let term = sum.join(" + ");
        let text = factored(&term);
        // Written as a product of two sums or more (the split at work).
        if text.matches(")*").count() + text.matches("*(").count() >= 2 {
            split += 1;
        }
    }
    assert!(split >= 30, "only {split} of 300 written as products");
}
