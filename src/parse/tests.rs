//! Unit tests of the parser: each case is a problem file and what it reads
//! as — the problem printed back in input syntax, or the error with its
//! position. Every file of the test corpus also prints back to text that
//! parses to the same problem.

use super::parse_problem;

/// Parses `input` and compares the problem printed back (or the error) with `expect`.
#[track_caller]
fn check(input: &str, expect: &str) {
    let got = match parse_problem(input) {
        Ok(p) => p.to_string(),
        Err(e) => format!("error: {e}\n"),
    };
    assert_eq!(got, expect, "input:\n{input}");
}

#[test]
fn precedence_and_associativity() {
    check(
        "prove a - b - c = a - (b + c)",
        "prove a - b - c = a - (b + c)\n",
    );
    check("prove a - (b - c) = a/b*c", "prove a - (b - c) = a/b*c\n");
    check("prove -x^2 = (-x)^2", "prove -x^2 = (-x)^2\n");
    check("prove x^y^z = (x^y)^z", "prove x^y^z = (x^y)^z\n");
    check("prove a/(b*c) = a/b/c", "prove a/(b*c) = a/b/c\n");
}

#[test]
fn numbers_are_exact_rationals() {
    check("prove 0.25*x = x/4", "prove 1/4*x = x/4\n");
    check("prove 1.5 = 3/2", "prove 3/2 = 3/2\n");
}

#[test]
fn statements_keep_their_order_and_families_their_index() {
    check(
        "let S = sum(j, exp(a[j]))\nlet y[j] = exp(a[j])/S\nassume sum(j, t[j]) = 1\nassume n >= 1\nprove d(S, a[k]) = exp(a[k])",
        "let S = sum(j, exp(a[j]))\nlet y[j] = exp(a[j])/S\nassume sum(j, t[j]) = 1\nassume n >= 1\nprove d(S, a[k]) = exp(a[k])\n",
    );
    check(
        "let y = exp(a)\nlayer Output = y\nprove d(y, a) = y",
        "let y = exp(a)\nlayer Output = y\nprove d(y, a) = y\n",
    );
}

#[test]
fn comments_and_blank_lines_are_skipped() {
    check("# a comment\n\nprove x = x  # why not\n", "prove x = x\n");
}

#[test]
fn errors_point_at_the_spot() {
    check(
        "let y = z + 1\nlet z = 2",
        "error: line 1, column 9: `z` is used before its definition on line 2\n",
    );
    check(
        "prove (x + 1 = x",
        "error: line 1, column 14: expected `)` or an operator, found `=`\n",
    );
    check(
        "prove x = 1 1",
        "error: line 1, column 13: expected an operator or end of line, found number `1`\n",
    );
    check(
        "prove x/0 = 1",
        "error: line 1, column 9: division by the constant 0\n",
    );
    check(
        "let x = 1\nlet x = 2",
        "error: line 2, column 5: `x` is already defined on line 1\n",
    );
}

/// Everything of a problem but its source lines, terms in input syntax (a
/// constant `1/4` and the quotient `1/4` print alike).
fn terms(p: &crate::problem::Problem) -> String {
    use crate::print::to_infix;
    let defs: Vec<_> = p
        .definitions
        .iter()
        .map(|d| (d.name, to_infix(&d.expr)))
        .collect();
    let assumptions: Vec<_> = p.assumptions.iter().map(|a| a.text()).collect();
    let claims: Vec<_> = p.claims.iter().map(|c| c.text()).collect();
    let layers: Vec<_> = p.layers.iter().map(|l| (&l.name, &l.members)).collect();
    format!("{defs:?}\n{assumptions:?}\n{claims:?}\n{layers:?}")
}

#[test]
fn every_corpus_file_prints_back_to_the_same_problem() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/inputs");
    let mut seen = 0;
    for kind in ["true", "false", "undecided"] {
        let mut files: Vec<_> = std::fs::read_dir(dir.join(kind))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let Ok(problem) = parse_problem(&text) else {
                continue;
            };
            let printed = problem.to_string();
            let again = parse_problem(&printed)
                .unwrap_or_else(|e| panic!("{}: {e}\n{printed}", file.display()));
            assert_eq!(terms(&again), terms(&problem), "{}", file.display());
            seen += 1;
        }
    }
    assert!(seen >= 20, "only {seen} corpus files were read");
}

#[test]
fn errors_of_meaning_say_what_they_are_about() {
    use crate::error::{Error, ErrorKind};
    let kind = |input: &str| match parse_problem(input) {
        Err(Error::Semantic { kind, .. }) => Some(kind),
        _ => None,
    };
    assert_eq!(kind("let y = z\nlet z = 1"), Some(ErrorKind::Name));
    assert_eq!(kind("prove foo(x) = 1"), Some(ErrorKind::Name));
    assert_eq!(kind("let y = 2\nprove y[j] = 1"), Some(ErrorKind::Index));
    assert_eq!(kind("prove x/0 = 1"), Some(ErrorKind::Arithmetic));
    assert_eq!(
        kind("let y = x\nprove d(x, y) = 1"),
        Some(ErrorKind::Differentiation)
    );
    assert_eq!(kind("let y = x\nlayer A = z"), Some(ErrorKind::Layer));
    assert_eq!(
        kind(&format!("prove x = {}", "9".repeat(5000))),
        Some(ErrorKind::TooLarge)
    );
    // A syntax error is not an error of meaning.
    assert_eq!(kind("prove (x = 1"), None);
}

#[test]
fn a_layer_without_a_name_says_so_at_its_spot() {
    check(
        "let y = x\nlayer = y",
        "error: line 2, column 7: expected the layer's name (words before `=`), found `=`\n",
    );
    check(
        "let y = x\nlayer",
        "error: line 2, column 6: expected the layer's name (words before `=`), found end of line\n",
    );
}

/// A character a layer's name cannot have (Hangul, say) is reported as
/// such at its spot (was: expected a name, a number, an operator or a
/// parenthesis); after the `=` it is an ordinary error.
#[test]
fn a_layer_name_in_other_letters_says_what_a_name_is() {
    check(
        "let y = x\nlayer 시그모이드 = y",
        "error: line 2, column 7: expected a word of the layer's name (ASCII letters and digits) or `=`, found `시`\n",
    );
    check(
        "let y = x\n  layer Soft 층 = y",
        "error: line 2, column 14: expected a word of the layer's name (ASCII letters and digits) or `=`, found `층`\n",
    );
    check(
        "let y = x\nlayer Out = y, ü",
        "error: line 2, column 16: expected a name, a number, an operator or a parenthesis, found `ü`\n",
    );
}
