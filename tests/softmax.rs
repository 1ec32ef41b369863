//! The Softmax-with-Loss claim for several numbers of classes: proved for every
//! k; refused without the label assumption or with a wrong sign.

mod common;

use backprove::{parse_problem, prove_problem, render, softmax_with_loss, Format, Limits, Status};

fn statuses(text: &str) -> Vec<Status> {
    let problem = parse_problem(text).expect("generated problem parses");
    prove_problem(&problem, &Limits::default())
        .claims
        .iter()
        .map(|c| c.status)
        .collect()
}

#[test]
fn every_class_is_proved_for_2_3_10_and_64_classes() {
    for n in [2, 3, 10, 64] {
        let got = statuses(&softmax_with_loss(n));
        assert_eq!(got, vec![Status::Proved; n], "n = {n}");
    }
}

#[test]
fn dropping_the_label_assumption_is_disproved() {
    for n in [2, 3, 10] {
        let text: String = softmax_with_loss(n)
            .lines()
            .filter(|l| !l.starts_with("assume"))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(statuses(&text), vec![Status::Disproved; n], "n = {n}");
    }
}

#[test]
fn a_wrong_sign_is_disproved() {
    for n in [2, 3, 10] {
        let text = softmax_with_loss(n).replace(" - t", " + t");
        assert_eq!(statuses(&text), vec![Status::Disproved; n], "n = {n}");
    }
}

#[test]
fn the_three_class_report_in_every_format() {
    let text = softmax_with_loss(3);
    let problem = parse_problem(&text).unwrap();
    let report = prove_problem(&problem, &Limits::default());
    for (name, format) in [
        ("text", Format::Text),
        ("markdown", Format::Markdown),
        ("latex", Format::Latex),
        ("json", Format::Json),
    ] {
        let out = render(&report, format);
        assert_eq!(
            out,
            render(&prove_problem(&problem, &Limits::default()), format)
        );
        common::settings(&text).bind(|| insta::assert_snapshot!(format!("softmax_3_{name}"), out));
    }
}

#[test]
fn json_has_the_documented_fields() {
    let problem = parse_problem(&softmax_with_loss(2)).unwrap();
    let report = prove_problem(&problem, &Limits::default());
    let json: serde_json::Value = serde_json::from_str(&render(&report, Format::Json)).unwrap();
    let claim = &json["claims"][0];
    assert_eq!(claim["claim"], "d(L, a1) = y1 - t1");
    assert_eq!(claim["status"], "proved");
    assert!(claim["conditions"].as_array().unwrap().is_empty());
    assert!(claim["counterexample"].is_null());
    let steps = claim["steps"].as_array().unwrap();
    assert!(steps
        .iter()
        .all(|s| s["rule"].is_string() && s["before"].is_string() && s["after"].is_string()));
    assert!(steps.iter().any(|s| s["rule"]
        .as_str()
        .unwrap()
        .starts_with("assume t1 + t2 = 1")));
}

#[test]
fn the_problem_for_every_n_unrolled_at_2_to_5_classes_is_proved_class_by_class() {
    // One language, one engine: the symbolic file, unrolled, is an ordinary
    // concrete problem, and every class of it is proved the concrete way too.
    let symbolic = parse_problem(&backprove::softmax_with_loss_n()).unwrap();
    for n in 2..=5 {
        let sizes = backprove::unroll::Sizes::uniform(&symbolic.ranges(), n);
        let text = backprove::unroll::unroll_to_text(&symbolic, &sizes).unwrap();
        assert_eq!(statuses(&text), vec![Status::Proved; n], "n = {n}:\n{text}");
    }
    // And a wrong claim for every n is wrong class by class.
    let wrong = backprove::softmax_with_loss_n().replace("y[k] - t[k]", "t[k] - y[k]");
    let wrong = parse_problem(&wrong).unwrap();
    let sizes = backprove::unroll::Sizes::uniform(&wrong.ranges(), 3);
    let text = backprove::unroll::unroll_to_text(&wrong, &sizes).unwrap();
    assert_eq!(statuses(&text), vec![Status::Disproved; 3]);
}
