//! The every-n section as a lecture: the Jacobian entries and the chain rule
//! down to the claim, every equality a claim the prover proves for every n and
//! the independent checker accepts; files whose shape does not fit keep only
//! their proof.

use backprove::{
    check_report, example, general_case, parse_problem, prove_problem, softmax_with_loss_n,
    GeneralCase, Lecture, Limits, Status,
};

/// The general case of a built-in problem, and its lecture.
fn lecture_of(text: &str) -> (GeneralCase, Option<Lecture>) {
    let g = general_case(text).unwrap();
    assert_eq!(g.claim.status, Status::Proved);
    let lecture = g.lecture.clone();
    (g, lecture)
}

/// Every equality of `lecture`, as the claims `before = after`.
fn equalities(lecture: &Lecture) -> Vec<String> {
    lecture
        .jacobians
        .iter()
        .chain(&lecture.chain)
        // A node's first step holds its definition as a variable: another file.
        .chain(lecture.nodes.iter().flat_map(|n| n.iter().skip(1)))
        .map(|s| format!("{} = {}", s.before, s.after))
        .collect()
}

/// Proves the lecture's equalities afresh in `text`'s definitions and
/// assumptions, and has the independent checker accept every proof.
fn reproved(text: &str, lecture: &Lecture) {
    let mut source: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("prove"))
        .map(|l| format!("{l}\n"))
        .collect();
    for e in equalities(lecture) {
        source.push_str(&format!("prove {e}\n"));
    }
    let problem = parse_problem(&source).unwrap();
    let report = prove_problem(&problem, &Limits::default());
    for c in &report.claims {
        assert_eq!(c.status, Status::Proved, "{}", c.claim);
    }
    assert_eq!(check_report(&report), Ok(report.claims.len()));
}

/// The chain runs from `d(OUT, x)` to the claim's right side, each step
/// starting where the one before ended, every step proved.
fn connected(g: &GeneralCase, lecture: &Lecture) {
    let (lhs, rhs) = g.claim.claim.split_once(" = ").unwrap();
    assert_eq!(lecture.chain.first().unwrap().before, lhs);
    assert_eq!(lecture.chain.last().unwrap().after, rhs);
    for w in lecture.chain.windows(2) {
        assert_eq!(w[0].after, w[1].before);
    }
    for s in lecture.jacobians.iter().chain(&lecture.chain) {
        assert_eq!(s.status, Status::Proved, "{} = {}", s.before, s.after);
        assert!(s.proof_steps > 0);
        assert!(!s.rule.is_empty());
    }
}

#[test]
fn softmax_with_loss_is_taught_as_a_lecture_writes_it() {
    let text = softmax_with_loss_n();
    let (g, lecture) = lecture_of(&text);
    let lecture = lecture.expect("softmax with loss has a lecture");
    let entries = jacobian_entries(&lecture);
    assert_eq!(
        entries,
        [
            "d(S, a[k]) = exp(a[k])",
            "d(y[j], a[k]) = y[j]*(delta(j, k) - y[k])"
        ]
    );
    let forms: Vec<&str> = lecture.chain.iter().map(|s| s.after.as_str()).collect();
    assert_eq!(
        forms,
        [
            "sum(j, -t[j]/y[j]*d(y[j], a[k]))",
            "sum(j, -t[j]/y[j]*(y[j]*(delta(j, k) - y[k])))",
            "-sum(j, t[j]*(delta(j, k) - y[k]))",
            "y[k]*sum(j, t[j]) - t[k]",
            "y[k] - t[k]",
        ]
    );
    let rules: Vec<&str> = lecture.chain.iter().map(|s| s.rule.as_str()).collect();
    assert_eq!(rules[0], "chain rule through y[j]");
    assert_eq!(
        rules[1],
        "substitute d(y[j], a[k]) = y[j]*(delta(j, k) - y[k])"
    );
    assert_eq!(rules[2], "cancel y[j]");
    assert_eq!(rules[4], "use sum(j, t[j]) = 1");
    // The book's `/` node: the branches add at 1/S, the node multiplies by
    // -(1/S)^2, and the labels' sum gives 1/S.
    let node: Vec<(&str, &str, &str)> = lecture.nodes[0]
        .iter()
        .map(|s| (s.before.as_str(), s.after.as_str(), s.rule.as_str()))
        .collect();
    assert_eq!(
        node,
        [
            (
                "d(L, S)",
                "sum(j, -t[j]/y[j]*exp(a[j]))*(-(1/S)^2)",
                "chain rule through 1/S: branches add, / multiplies by minus its output squared, -(1/S)^2"
            ),
            (
                "sum(j, -t[j]/y[j]*exp(a[j]))*(-(1/S)^2)",
                "-S*sum(j, t[j])*(-(1/S)^2)",
                "take a constant out of the sum, substitute S, substitute y[j] = exp(a[j])/S"
            ),
            ("-S*sum(j, t[j])*(-(1/S)^2)", "sum(j, t[j])/S", "cancel S"),
            ("sum(j, t[j])/S", "1/S", "use sum(j, t[j]) = 1"),
        ]
    );
    assert!(lecture.nodes[0].iter().all(|s| s.status == Status::Proved));
    // Its first step is a claim of the file with S an input.
    let mut held: String = text
        .lines()
        .filter(|l| {
            !["prove", "layer", "let S "]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    held.push_str(&format!("prove {} = {}\n", node[0].0, node[0].1));
    let report = prove_problem(&parse_problem(&held).unwrap(), &Limits::default());
    assert_eq!(report.claims[0].status, Status::Proved);
    assert_eq!(check_report(&report), Ok(1));
    connected(&g, &lecture);
    reproved(&text, &lecture);
}

#[test]
fn every_n_files_of_the_same_shape_have_a_lecture_ending_in_their_claim() {
    for name in ["log-softmax", "softmax-temperature", "label-smoothing"] {
        let text = example(name, 3).unwrap();
        let (g, lecture) = lecture_of(&text);
        let lecture = lecture.unwrap_or_else(|| panic!("{name} has a lecture"));
        assert!(!lecture.jacobians.is_empty(), "{name}");
        assert!(
            lecture.chain[0].rule.starts_with("chain rule through "),
            "{name}"
        );
        connected(&g, &lecture);
        reproved(&text, &lecture);
    }
}

#[test]
fn files_whose_shape_does_not_fit_keep_only_their_proof() {
    // No definition between the output and the input; forms too long to read.
    for name in ["mean-squared-error", "batch-normalization"] {
        let text = example(name, 3).unwrap();
        let (_, lecture) = lecture_of(&text);
        assert!(lecture.is_none(), "{name}");
    }
}

#[test]
fn the_lecture_is_rendered_above_the_certificate_in_every_format() {
    let general = general_case(&softmax_with_loss_n()).unwrap();
    let problem = parse_problem(&backprove::softmax_with_loss(2)).unwrap();
    let mut t = backprove::derive(&problem, "L", &["a1".into(), "a2".into()], "softmax").unwrap();
    t.general = Some(general);
    for (format, entry, sum) in [
        (
            backprove::TranscriptFormat::Text,
            "d(y[j], a[k]) = y[j]*(delta(j, k) - y[k])",
            "-sum(j, t[j]*(delta(j, k) - y[k]))",
        ),
        (
            backprove::TranscriptFormat::Markdown,
            "y_{j} \\, \\left(\\delta_{j k} - y_{k}\\right)",
            "-\\sum_{j=1}^{n} t_{j}",
        ),
        (
            backprove::TranscriptFormat::Latex,
            "y_{j} \\, \\left(\\delta_{j k} - y_{k}\\right)",
            "-\\sum_{j=1}^{n} t_{j}",
        ),
    ] {
        let out = backprove::render_transcript(&t, format);
        let lecture = out.find("As a lecture writes it").expect("the lecture");
        let certificate = out.rfind("unfold-L").expect("the proof");
        assert!(lecture < certificate, "{format:?}");
        assert!(out[lecture..].contains(entry), "{format:?}");
        assert!(out[lecture..].contains(sum), "{format:?}");
        assert!(
            out[lecture..].contains("use sum(j, t[j]) = 1"),
            "{format:?}"
        );
    }
    let page = backprove::render_transcript(&t, backprove::TranscriptFormat::Html);
    let lecture = page.find("As a lecture writes it").expect("the lecture");
    assert!(lecture < page.rfind("unfold-L").unwrap());
    for rule in [
        "chain rule through y[j]",
        "cancel y[j]",
        "use sum(j, t[j]) = 1",
    ] {
        assert!(page[lecture..].contains(rule), "{rule}");
    }
}

#[test]
fn a_sum_that_reuses_an_index_in_use_is_renamed_in_the_lecture() {
    // Attention's entry d(y[j], q[u]) has a sum over the keys inside a term
    // with j free: the lecture writes it with a fresh index, never sum(j, …).
    let text = example("attention-scores", 3).unwrap();
    let (g, lecture) = lecture_of(&text);
    let lecture = lecture.expect("attention scores have a lecture");
    let entry = lecture
        .jacobians
        .iter()
        .find(|s| s.before == "d(y[j], q[u])")
        .expect("the entry of y[j]");
    assert_eq!(
        entry.after,
        "y[j]*(K[j, u] - sum(i, K[i, u]*exp(s[i]))/S)/c"
    );
    for s in lecture.jacobians.iter().chain(&lecture.chain) {
        assert!(!s.after.contains("sum(j, ") || !s.after.starts_with("y[j]"));
    }
    connected(&g, &lecture);
    reproved(&text, &lecture);
}

#[test]
fn a_long_jacobian_entry_is_written_through_the_entries_before_it() {
    let text = example("rms-normalization", 3).unwrap();
    let (_, lecture) = lecture_of(&text);
    let lecture = lecture.expect("rms normalization has a lecture");
    let entries = jacobian_entries(&lecture);
    assert_eq!(
        entries,
        [
            "d(r, x[k]) = y[k]/n",
            "d(y[j], x[k]) = delta(j, k)/r - x[j]*y[k]/(n*r^2)"
        ]
    );
    // Labels are the short names of moves, never a law's text.
    for s in lecture.chain.iter().chain(lecture.nodes.iter().flatten()) {
        assert!(!s.rule.contains(" = c*sum("), "{}", s.rule);
        assert!(!s.rule.contains("sqrt(p^2"), "{}", s.rule);
    }
}

/// The lecture's Jacobian entries as `before = after`.
fn jacobian_entries(lecture: &backprove::Lecture) -> Vec<String> {
    lecture
        .jacobians
        .iter()
        .map(|s| format!("{} = {}", s.before, s.after))
        .collect()
}
