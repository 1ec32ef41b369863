//! The problem-file corpus: every file under `tests/inputs/` is decided and its
//! text report snapshotted; each folder fixes the verdict its claims must get.

mod common;

use std::path::Path;

use backprove::{parse_problem, prove_problem, render, Format, Limits, Status};

fn decide(path: &Path, expected: Status) -> String {
    let text = std::fs::read_to_string(path).expect("input is readable");
    let problem = parse_problem(&text).expect("corpus input parses");
    let report = prove_problem(&problem, &Limits::default());
    assert!(
        !report.claims.is_empty(),
        "{} has no claims",
        path.display()
    );
    for claim in &report.claims {
        assert_eq!(
            claim.status,
            expected,
            "{}: {}",
            path.display(),
            claim.claim
        );
        if expected == Status::Disproved {
            let cx = claim.counterexample.as_ref();
            let cx =
                cx.unwrap_or_else(|| panic!("disproof without counterexample: {}", claim.claim));
            assert!(
                !cx.point.is_empty(),
                "counterexample names no variable: {}",
                claim.claim
            );
        }
    }
    let again = prove_problem(&problem, &Limits::default());
    assert_eq!(report, again, "output differs between two runs");
    render(&report, Format::Text)
}

#[test]
fn true_claims_are_proved() {
    insta::glob!("inputs/true/*.txt", |path| {
        let out = decide(path, Status::Proved);
        common::settings(&std::fs::read_to_string(path).unwrap())
            .bind(|| insta::assert_snapshot!(out));
    });
}

#[test]
fn false_claims_are_disproved_with_a_counterexample() {
    insta::glob!("inputs/false/*.txt", |path| {
        let out = decide(path, Status::Disproved);
        common::settings(&std::fs::read_to_string(path).unwrap())
            .bind(|| insta::assert_snapshot!(out));
    });
}

#[test]
fn undecidable_claims_say_why() {
    insta::glob!("inputs/undecided/*.txt", |path| {
        let out = decide(path, Status::Undecided);
        common::settings(&std::fs::read_to_string(path).unwrap())
            .bind(|| insta::assert_snapshot!(out));
    });
}

#[test]
fn malformed_input_points_at_the_spot() {
    insta::glob!("inputs/fail/*.txt", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let err = parse_problem(&text).expect_err("input must be rejected");
        let (line, column, _) = err.location();
        let line_text = text.lines().nth(line - 1).expect("error line exists");
        assert!(
            column <= line_text.chars().count() + 1,
            "column {column} past end of line"
        );
        let shown = backprove::render_error(&err, &text, "input.txt");
        common::settings(&text).bind(|| insta::assert_snapshot!(shown));
    });
}
