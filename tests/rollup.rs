//! Rolled-up problems: an unrolled problem with many classes is decided as the
//! instance of its indexed template (proved once for every n), every claim
//! checked as an instance by the independent checker; forged roll-ups and
//! instances are rejected; problems that are no instance go claim by claim.

use backprove::{
    check_report, parse_problem, prove_problem, render, softmax_with_loss, Format, Limits, Report,
    Status,
};

fn decide(text: &str) -> Report {
    prove_problem(&parse_problem(text).unwrap(), &Limits::default())
}

fn rejected(report: &Report) -> String {
    match check_report(report) {
        Ok(n) => panic!("a forged certificate was accepted ({n} verdicts)"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn every_class_is_proved_once_as_an_instance_of_the_template() {
    let report = decide(&softmax_with_loss(20));
    let rolled = report.rolled_up.as_ref().expect("20 classes roll up");
    assert_eq!(rolled.classes, 20);
    assert_eq!(rolled.claims.len(), 1);
    assert_eq!(rolled.claims[0].claim, "d(L, a[k]) = y[k] - t[k]");
    assert_eq!(rolled.claims[0].status, Status::Proved);
    for (i, c) in report.claims.iter().enumerate() {
        assert_eq!(c.status, Status::Proved, "{}", c.claim);
        let inst = c.instance.as_ref().expect("an instance");
        assert_eq!(inst.template, 1);
        assert_eq!(inst.indices.get("k"), Some(&(i + 1)));
    }
    assert_eq!(check_report(&report), Ok(20));
    // The certificate reads back and checks as JSON too.
    let json = render(&report, Format::Json);
    assert_eq!(backprove::check_certificate(&json), Ok(20));
    // One line per claim after the template's proof.
    let text = render(&report, Format::Text);
    assert_eq!(text.matches("template claim 1 at k = ").count(), 20);
    assert_eq!(text.matches("[d-mul]").count(), 1);
}

#[test]
fn a_wrong_claim_and_a_missing_assumption_are_disproved_at_the_problems_n() {
    let wrong = softmax_with_loss(20).replace(" - t", " + t");
    let no_assumption: String = softmax_with_loss(20)
        .lines()
        .filter(|l| !l.starts_with("assume"))
        .map(|l| format!("{l}\n"))
        .collect();
    for text in [wrong, no_assumption] {
        let report = decide(&text);
        assert!(report.rolled_up.is_some());
        for c in &report.claims {
            assert_eq!(c.status, Status::Disproved, "{}", c.claim);
            assert!(c.instance.is_some());
            let cx = c.counterexample.as_ref().unwrap();
            // A point of the 20-class problem, in its own names.
            assert!(cx.point.contains_key("a20") && !cx.point.contains_key("n"));
        }
        assert_eq!(check_report(&report), Ok(20));
    }
}

/// One wrong claim: its counterexample is searched before the checker reads
/// the problem (30 classes) or while it does, on another thread (400
/// classes, past `PARALLEL_SEARCH_FROM`), and the checker's values for it are
/// computed then; the certificate checks, and a point with one value changed
/// does not.
#[test]
fn a_lone_wrong_claim_is_refuted_with_a_point_the_checker_accepts() {
    for classes in [30, 400] {
        let text: String = softmax_with_loss(classes)
            .lines()
            .filter(|l| !l.starts_with("prove") || l.starts_with("prove d(L, a7) "))
            .map(|l| format!("{}\n", l.replace(" - t7", " + 2*t7")))
            .collect();
        let report = decide(&text);
        assert!(report.rolled_up.is_some());
        let [claim] = report.claims.as_slice() else {
            panic!("one claim: {:?}", report.claims.len())
        };
        assert_eq!(claim.status, Status::Disproved, "{:?}", claim.reason);
        let cx = claim.counterexample.as_ref().unwrap();
        assert_eq!(cx.point.len(), 2 * classes);
        assert_eq!(check_report(&report), Ok(1));
        // Another point: `a3` moved (the assumption does not involve it), sides as stated.
        let mut r = report.clone();
        let cx = r.claims[0].counterexample.as_mut().unwrap();
        let a3 = cx.point.get_mut("a3").unwrap();
        *a3 = if a3 == "9" { "10".into() } else { "9".into() };
        assert!(rejected(&r).contains("a side is"));
    }
}

#[test]
fn the_books_three_classes_are_decided_claim_by_claim_and_four_roll_up() {
    let report = decide(&softmax_with_loss(3));
    assert!(report.rolled_up.is_none());
    assert!(report
        .claims
        .iter()
        .all(|c| c.instance.is_none() && !c.steps.is_empty()));
    let report = decide(&softmax_with_loss(4));
    assert!(report.rolled_up.is_some());
    assert!(report
        .claims
        .iter()
        .all(|c| c.instance.is_some() && c.status == Status::Proved));
    assert_eq!(check_report(&report), Ok(4));
}

#[test]
fn a_problem_that_is_no_instance_is_decided_claim_by_claim() {
    // One class's definition differs from the others': no template fits.
    let text = softmax_with_loss(20).replace("let y7 = exp(a7) / S", "let y7 = exp(a7) / S + 0");
    let report = decide(&text);
    assert!(report.rolled_up.is_none());
    assert_eq!(report.claims[0].status, Status::Proved);
    assert!(report.claims.iter().all(|c| c.instance.is_none()));
}

#[test]
fn a_claim_that_is_no_instance_is_decided_on_its_own() {
    let text = format!(
        "{}prove d(L, a1) = y1 - t1 + 0*t2*t3*t4*t5\n",
        softmax_with_loss(20)
    );
    let report = decide(&text);
    assert!(report.rolled_up.is_some());
    let last = report.claims.last().unwrap();
    assert_eq!(last.status, Status::Proved);
    assert!(last.instance.is_none() && !last.steps.is_empty());
    assert_eq!(check_report(&report), Ok(21));
}

#[test]
fn forged_roll_ups_and_instances_are_rejected() {
    let real = decide(&softmax_with_loss(20));
    assert_eq!(check_report(&real), Ok(20));

    // The problem is not the template unrolled: one definition changed.
    let mut r = real.clone();
    let y7 = r.definitions.iter_mut().find(|d| d.name == "y7").unwrap();
    y7.expr = "exp(a8)/S".into();
    assert!(rejected(&r).contains("roll-up"));

    // The roll-up claims another number of classes.
    let mut r = real.clone();
    r.rolled_up.as_mut().unwrap().classes = 19;
    assert!(rejected(&r).contains("roll-up"));

    // An instance at the wrong index.
    let mut r = real.clone();
    r.claims[2]
        .instance
        .as_mut()
        .unwrap()
        .indices
        .insert("k".into(), 4);
    assert!(rejected(&r).contains("not its template claim"));

    // An index outside the classes.
    let mut r = real.clone();
    r.claims[2]
        .instance
        .as_mut()
        .unwrap()
        .indices
        .insert("k".into(), 21);
    assert!(rejected(&r).contains("not a class"));

    // A template claim changed: its proof no longer ends there.
    let mut r = real.clone();
    r.rolled_up.as_mut().unwrap().claims[0].claim = "d(L, a[k]) = y[k] + t[k]".into();
    for c in r.claims.iter_mut() {
        c.claim = c.claim.replace(" - t", " + t");
    }
    rejected(&r);

    // A template whose family name ends in a digit: renaming would not be one-to-one.
    let mut r = real.clone();
    for d in r.rolled_up.as_mut().unwrap().definitions.iter_mut() {
        d.expr = d.expr.replace("a[", "a1[");
    }
    rejected(&r);

    // A disproof claimed for a proved instance, with a made-up point.
    let mut r = real.clone();
    r.claims[0].status = Status::Disproved;
    rejected(&r);

    // An instance claim without a roll-up.
    let mut r = real;
    r.rolled_up = None;
    assert!(rejected(&r).contains("without a roll-up"));
}

#[test]
fn any_problem_whose_definitions_share_a_shape_rolls_up() {
    let n = 20;
    let terms: Vec<String> = (1..=n).map(|i| format!("(w{i}*x{i} - t{i})^2")).collect();
    let mut text = format!("let E = {}\n", terms.join(" + "));
    for k in [3, 17] {
        text += &format!("prove d(E, w{k}) = 2*x{k}*(w{k}*x{k} - t{k})\n");
    }
    text += "prove d(E, w5) = x5*(w5*x5 - t5)\n";
    let report = decide(&text);
    let rolled = report.rolled_up.as_ref().expect("rolls up");
    assert_eq!(rolled.definitions[0].expr, "sum(j, (w[j]*x[j] - t[j])^2)");
    let statuses: Vec<Status> = report.claims.iter().map(|c| c.status).collect();
    assert_eq!(
        statuses,
        [Status::Proved, Status::Proved, Status::Disproved]
    );
    assert!(report.claims.iter().all(|c| c.instance.is_some()));
    assert_eq!(check_report(&report), Ok(3));
}

#[test]
fn an_instance_of_a_refuted_template_that_holds_is_proved_on_its_own() {
    // d(d(L, a[k]), a[m]) = -y[k]*y[m] fails at k = m, so the template is
    // refuted; at k = 1, m = 2 it holds, and is proved the ordinary way.
    let text = format!("{}prove d(d(L, a1), a2) = -y1*y2\n", softmax_with_loss(16));
    let report = decide(&text);
    let last = report.claims.last().unwrap();
    assert_eq!(last.status, Status::Proved, "{:?}", last.reason);
    assert!(last.instance.is_none());
    assert_eq!(check_report(&report), Ok(17));
}

#[test]
fn every_format_shows_the_template_proof_once_and_each_instance_in_a_line() {
    let report = decide(&softmax_with_loss(4));
    for format in [Format::Text, Format::Markdown, Format::Latex] {
        let out = render(&report, format);
        assert_eq!(
            out.matches("emplate claim 1 (line").count(),
            1,
            "{format:?}: {out}"
        );
        // The template's proof, step by step: its sum rule once.
        assert!(out.contains("d-sum"), "{format:?} shows no template proof");
        assert_eq!(
            out.matches("template claim 1 at k = ").count(),
            4,
            "{format:?}: one line per instance"
        );
    }
}
