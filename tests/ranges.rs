//! Families with two indices and index ranges of their own size
//! (`index i, p in 1..m`): the Affine layer and the attention scores proved
//! for every size, the wrong variants refused at two different sizes, the
//! ranges carried by the certificate and read by the kernel, and unrolling
//! at every combination of sizes.

use backprove::unroll::{unroll_to_text, Sizes};
use backprove::{check_report, parse_problem, prove_problem, same_problem, Limits, Report, Status};

const AFFINE: &str = include_str!("inputs/true/affine.txt");
const WRONG: &str = include_str!("inputs/false/affine-wrong.txt");

fn decide(text: &str) -> Report {
    prove_problem(&parse_problem(text).unwrap(), &Limits::default())
}

fn statuses(report: &Report) -> Vec<Status> {
    report.claims.iter().map(|c| c.status).collect()
}

#[test]
fn the_affine_layer_is_proved_for_every_size_and_its_certificate_checks() {
    let report = decide(AFFINE);
    assert_eq!(statuses(&report), vec![Status::Proved; 3]);
    assert_eq!(report.indices, ["i, p in 1..m", "j, q in 1..n"]);
    // The weight gradient goes through the matrix rule and sum-delta.
    let rules: Vec<&str> = report.claims[0]
        .steps
        .iter()
        .map(|s| s.rule.as_str())
        .collect();
    assert!(rules.contains(&"d-matrix"), "{rules:?}");
    assert_eq!(check_report(&report).unwrap(), 3);
    same_problem(&report, &parse_problem(AFFINE).unwrap()).unwrap();
}

#[test]
fn the_attention_scores_are_proved_for_every_size() {
    let report = decide(include_str!("inputs/true/attention-scores.txt"));
    assert_eq!(statuses(&report), vec![Status::Proved; 2]);
    assert_eq!(check_report(&report).unwrap(), 2);
}

#[test]
fn wrong_gradients_of_the_right_shapes_are_refused_at_the_sizes_that_tell() {
    let report = decide(WRONG);
    assert_eq!(statuses(&report), vec![Status::Disproved; 3]);
    let size = |claim: usize, name: &str| -> u32 {
        let cx = report.claims[claim].counterexample.as_ref().unwrap();
        cx.point[name].parse().unwrap()
    };
    // Forgetting a delta over `j`, or taking a sum of products apart, shows
    // only with two classes or more; two sizes taken as one only when they differ.
    assert!(size(0, "n") >= 2 && size(1, "n") >= 2);
    assert_ne!(size(2, "m"), size(2, "n"));
    assert!(report.claims[2]
        .reason
        .as_deref()
        .is_some_and(|r| r.contains("m - n")));
    assert_eq!(check_report(&report).unwrap(), 3);
}

#[test]
fn a_square_layer_refuses_the_transposed_gradients_and_an_oblong_one_cannot_state_them() {
    let report = decide(include_str!("inputs/false/affine-square-transposed.txt"));
    assert_eq!(statuses(&report), vec![Status::Disproved; 2]);
    assert_eq!(check_report(&report).unwrap(), 2);
    // With W of m×n, `x[q]` and `W[j, p]` read outside their families' ranges.
    for (file, name) in [
        (
            include_str!("inputs/fail/affine-transposed.txt"),
            "`x`'s index",
        ),
        (
            include_str!("inputs/fail/affine-dx-transposed.txt"),
            "`W`'s first index",
        ),
    ] {
        let err = parse_problem(file).unwrap_err().to_string();
        assert!(
            err.contains(name) && err.contains("runs over 1..n"),
            "{err}"
        );
    }
}

#[test]
fn a_certificate_that_mixes_up_the_ranges_is_rejected() {
    let honest = decide("index i in 1..m\nprove sum(i, 1) = m\n");
    assert_eq!(check_report(&honest).unwrap(), 1);
    // The same step written to end in `n`: the kernel keeps the sizes apart.
    let mut forged = honest.clone();
    let claim = &mut forged.claims[0];
    claim.claim = "sum(i, 1) = n".into();
    let step = claim.steps.last_mut().unwrap();
    step.after = "n".into();
    forged.definitions.push(backprove::NamedDefinition {
        name: "n".into(),
        expr: "sum(j, 1)".into(),
    });
    assert!(check_report(&forged).is_err());
    // The ranges are part of the statement: another problem's are refused.
    let other = parse_problem("index i in 1..n\nprove sum(i, 1) = n\n").unwrap();
    assert!(same_problem(&honest, &other).is_err());
    // And a certificate whose range is relabelled does not read back.
    let mut relabelled = honest.clone();
    relabelled.indices = vec!["i in 1..k".into()];
    assert!(check_report(&relabelled).is_err());
}

#[test]
fn the_kernel_applies_sum_delta_within_one_range_only() {
    // `d(sum(j, x[j]), x[k]) = 1` holds when `k` is one of `j`'s values.
    let honest = decide("prove d(sum(j, x[j]), x[k]) = 1\n");
    assert_eq!(check_report(&honest).unwrap(), 1);
    // The same proof with the sum over `i` in 1..m, for `k` in 1..n: false
    // for k > m. The reader refuses a written `delta(i, k)`, so the forger
    // keeps the lemma `d(x[j], x[k]) = delta(j, k)` (its renaming to `i` is
    // made inside the kernel) and jumps to `1` in one step: the kernel does
    // not apply sum-delta across two ranges.
    let mut forged = honest.clone();
    forged.indices = vec!["i in 1..m".into()];
    forged.definitions = vec![backprove::NamedDefinition {
        name: "m".into(),
        expr: "sum(i, 1)".into(),
    }];
    let claim = &mut forged.claims[0];
    claim.claim = "d(sum(i, x[i]), x[k]) = 1".into();
    claim.steps[0].before = "d(sum(i, x[i]), x[k])".into();
    claim.steps[0].after = "sum(i, d(x[i], x[k]))".into();
    let mut jump = claim.steps[2].clone();
    jump.before = "d(sum(i, x[i]), x[k])".into();
    jump.after = "1".into();
    claim.steps.truncate(2);
    claim.steps.push(jump);
    for p in &mut claim.spot_checks {
        let n = p.point.get("n").cloned().unwrap_or_else(|| "1".into());
        p.point.insert("m".into(), n);
    }
    let err = check_report(&forged).unwrap_err().to_string();
    assert!(err.contains("step 3") && err.contains("not equal"), "{err}");
}

#[test]
fn sizes_are_tried_in_every_combination_smallest_first() {
    let problem = parse_problem(AFFINE).unwrap();
    let all = Sizes::up_to(&problem.ranges(), 3);
    assert_eq!(all.len(), 9);
    assert_eq!(all[0].to_string(), "n = 1, m = 1");
    assert!(all.windows(2).all(|w| {
        let total = |s: &Sizes| s.values().iter().map(|(_, v)| v).sum::<usize>();
        total(&w[0]) <= total(&w[1])
    }));
}

#[test]
fn the_affine_layer_unrolled_at_two_sizes_is_proved_entry_by_entry() {
    // One language, one engine: at m = 2 inputs and n = 3 outputs the file
    // is an ordinary concrete problem, with a claim for every entry.
    let problem = parse_problem(AFFINE).unwrap();
    let sizes = Sizes::uniform(&problem.ranges(), 3).with("m".into(), 2);
    let text = unroll_to_text(&problem, &sizes).unwrap();
    assert!(text.starts_with("# n = 3, m = 2\n"), "{text}");
    assert!(text.contains("let y3 = x1*W1_3 + x2*W2_3 + b3"), "{text}");
    assert!(text.contains("prove d(L, W2_3) = x2*g3"), "{text}");
    let report = decide(&text);
    // 6 weights, 2 inputs, 3 biases.
    assert_eq!(statuses(&report), vec![Status::Proved; 11]);
    // The wrong file unrolled the same way is wrong entry by entry.
    let wrong = parse_problem(WRONG).unwrap();
    let report = decide(&unroll_to_text(&wrong, &sizes).unwrap());
    assert_eq!(statuses(&report), vec![Status::Disproved; 9]);
    // The square layer with its gradients transposed is wrong entry by entry
    // except on the diagonal, where the transposition changes nothing.
    let square = parse_problem(include_str!("inputs/false/affine-square-transposed.txt")).unwrap();
    let text = unroll_to_text(&square, &Sizes::uniform(&square.ranges(), 3)).unwrap();
    let report = decide(&text);
    assert_eq!(report.claims.len(), 12, "{text}");
    for claim in &report.claims {
        let diagonal = ["W1_1", "W2_2", "W3_3"]
            .iter()
            .any(|w| claim.claim.starts_with(&format!("d(L, {w})")));
        let expected = if diagonal {
            Status::Proved
        } else {
            Status::Disproved
        };
        assert_eq!(claim.status, expected, "{}", claim.claim);
    }
}

#[test]
fn a_problem_with_ranges_prints_back_as_itself() {
    let problem = parse_problem(AFFINE).unwrap();
    let text = problem.to_string();
    assert!(
        text.starts_with("index i, p in 1..m\nindex j, q in 1..n\n"),
        "{text}"
    );
    let again = parse_problem(&text).unwrap();
    assert_eq!(again.to_string(), text);
    assert_eq!(again.ranges(), problem.ranges());
}

#[test]
fn a_defined_family_is_read_within_its_own_range_only() {
    // `let y[j]` defines y[1..n]; a certificate that reads `y[i]` with `i`
    // in 1..m (where the unrolled points would leave y[2] free) is refused.
    let honest = decide("index i in 1..m\nlet y[j] = 2*a[j]\nprove y[j] = 2*a[j]\n");
    assert_eq!(statuses(&honest), [Status::Proved]);
    let mut forged = honest.clone();
    let claim = &mut forged.claims[0];
    claim.claim = "y[i] = 2*a[i]".into();
    for s in &mut claim.steps {
        s.before = s.before.replace("[j]", "[i]");
        s.after = s.after.replace("[j]", "[i]");
    }
    let err = check_report(&forged).unwrap_err().to_string();
    assert!(err.contains("is defined over `j`"), "{err}");
}

#[test]
fn a_certificate_with_the_classes_declared_as_a_range_reads_back() {
    // `index j in 1..n` names the default size: its definition `n = sum(j, 1)`
    // comes from the declaration when the checker reads the certificate.
    let text = "index i in 1..m\nindex j in 1..n\nprove sum(j, 1) + sum(i, 1) = n + m\n";
    let report = decide(text);
    assert_eq!(statuses(&report), [Status::Proved]);
    assert_eq!(check_report(&report).unwrap(), 1);
    same_problem(&report, &parse_problem(text).unwrap()).unwrap();
}

/// Found by an eleventh red-team review: the delta picking the outer index of
/// a matrix, `sum(i, sum(j, W[i, j]*delta(i, p)))`, left `sum(j, W[p, j])`
/// with its bound index renumbered, another atom than the same sum written
/// directly, so the Affine layer's input gradient summed over i first (and
/// `d(sum(i, sum(j, W[i, j]*x[i])), x[p])`) was undecided. Each near miss,
/// the matrix transposed, is disproved.
#[test]
fn a_sum_renamed_by_the_delta_is_the_sum_written_directly() {
    for (sums, other) in [
        ("sum(i, sum(j, W[i, j]*delta(i, p)))", "sum(j, W[p, j])"),
        ("sum(i, sum(q, W[i, q]*delta(i, p)))", "sum(q, W[p, q])"),
        ("d(sum(i, sum(j, W[i, j]*x[i])), x[p])", "sum(j, W[p, j])"),
        (
            "d(sum(i, sum(j, W[i, j]*x[i]*y[j])), x[p])",
            "sum(q, W[p, q]*y[q])",
        ),
    ] {
        let text = format!("index i, p in 1..m\nindex j, q in 1..n\nprove {sums} = {other}\n");
        let report = decide(&text);
        assert_eq!(statuses(&report), [Status::Proved], "{text}");
        assert_eq!(check_report(&report), Ok(1), "{text}");
        let swapped = text
            .replace("W[p, j]", "W[j, p]")
            .replace("W[p, q]", "W[q, p]");
        let swapped = swapped.replace("index j, q in 1..n", "index j, q in 1..m");
        let report = decide(&swapped);
        assert_eq!(statuses(&report), [Status::Disproved], "{swapped}");
        assert_eq!(check_report(&report), Ok(1), "{swapped}");
    }
}
