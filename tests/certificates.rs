//! Certificates and the soundness suites: every verdict in the corpus has a
//! certificate that `check` accepts; every tampered certificate is rejected;
//! no mutant of a true claim is proved.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use backprove::{
    check_certificate, check_report, parse_problem, prove_problem, render, softmax_with_loss,
    Format, Justification, Limits, Report, Status, DIFF_RULES,
};

/// The corpus files with verdicts, plus Softmax-with-Loss for 2, 3 and 5 classes.
fn corpus() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for folder in ["true", "false"] {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/inputs")
            .join(folder);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in files {
            out.push((
                f.display().to_string(),
                std::fs::read_to_string(&f).unwrap(),
            ));
        }
    }
    for n in [2, 3, 5] {
        out.push((format!("softmax-{n}"), softmax_with_loss(n)));
    }
    out
}

fn decide(text: &str) -> Report {
    prove_problem(&parse_problem(text).unwrap(), &Limits::default())
}

#[test]
fn every_verdict_in_the_corpus_has_a_certificate_that_checks() {
    let mut verdicts = 0;
    for (name, text) in corpus() {
        let report = decide(&text);
        let decided = report
            .claims
            .iter()
            .filter(|c| c.status != Status::Undecided)
            .count();
        assert!(
            report.claims.iter().all(|c| c
                .reason
                .as_deref()
                .is_none_or(|r| !r.contains("internal error"))),
            "{name}: a self-check failed"
        );
        let json = render(&report, Format::Json);
        assert_eq!(check_certificate(&json), Ok(decided), "{name}");
        verdicts += decided;
    }
    assert!(verdicts >= 40, "only {verdicts} verdicts in the corpus");
}

/// Every way we alter a certificate; each must be rejected.
fn tamperings(report: &Report) -> Vec<(String, Report)> {
    let mut out = Vec::new();
    let mut push = |what: String, r: Report| out.push((what, r));
    for (c, claim) in report.claims.iter().enumerate() {
        if claim.status == Status::Undecided {
            continue;
        }
        for (k, step) in claim.steps.iter().enumerate() {
            let lemma = step.rule.starts_with("d-")
                || step.rule.starts_with("unfold-")
                || step.rule == "rename-index";
            let mut r = report.clone();
            r.claims[c].steps[k].after = format!("({}) + 1", step.after);
            push(format!("claim {c} step {k}: changed term"), r);

            let mut r = report.clone();
            r.claims[c].steps[k].before = format!("2*({})", step.before);
            push(format!("claim {c} step {k}: changed start"), r);

            let mut r = report.clone();
            r.claims[c].steps[k].rule = if lemma {
                let other = DIFF_RULES
                    .iter()
                    .map(|r| r.name)
                    .find(|n| !step.rule.starts_with(n))
                    .unwrap();
                other.to_string()
            } else {
                "d-exp".to_string()
            };
            push(format!("claim {c} step {k}: wrong rule name"), r);

            // A renaming of a bound index states `t = t` up to bound names:
            // a proof without it is the same proof.
            if step.rule != "rename-index" {
                let mut r = report.clone();
                r.claims[c].steps.remove(k);
                push(format!("claim {c} step {k}: removed"), r);
            }

            // The typed justification changed behind an unchanged label.
            let mut r = report.clone();
            r.claims[c].steps[k].by = match &step.by {
                Justification::Rule { .. } | Justification::Linear { .. } => Justification::Rule {
                    rule: "d-exp".into(),
                },
                Justification::Unfold { name } => Justification::Unfold {
                    name: format!("{name}x"),
                },
                Justification::RenameIndex => Justification::Rule {
                    rule: "d-sum".into(),
                },
                // Without the lemmas a `d` stays unexpanded (flipping the flag
                // on a step with no `d` changes nothing, so it is not a forgery).
                Justification::Algebra { laws, name, .. } => Justification::Algebra {
                    differentiate: false,
                    laws: laws.clone(),
                    name: name.clone(),
                },
                Justification::Assume { .. } => Justification::Algebra {
                    differentiate: false,
                    laws: vec![],
                    name: None,
                },
            };
            let by = r.claims[c].steps[k].by.clone();
            r.claims[c].steps[k].rule = by.label();
            if r.claims[c].steps[k] != *step {
                push(format!("claim {c} step {k}: changed justification"), r);
            }

            // A move's name that does not say what the step does.
            if step.by.name().is_some() {
                let mut r = report.clone();
                if let Justification::Algebra { name, .. } | Justification::Assume { name, .. } =
                    &mut r.claims[c].steps[k].by
                {
                    *name = Some("substitute q = 1".into());
                }
                let by = r.claims[c].steps[k].by.clone();
                r.claims[c].steps[k].rule = by.label();
                push(format!("claim {c} step {k}: misnamed move"), r);
            }

            // Moving a chain step breaks the chain; lemmas form a set, so a
            // lemma is moved behind the chain instead, where it is no lemma.
            let mut r = report.clone();
            let moved = r.claims[c].steps.remove(k);
            if lemma {
                r.claims[c].steps.push(moved);
            } else {
                r.claims[c].steps.insert(0, moved);
            }
            if r.claims[c].steps != claim.steps && claim.status == Status::Proved {
                push(format!("claim {c} step {k}: reordered"), r);
            }
        }
        for i in 0..claim.conditions.len() {
            let mut r = report.clone();
            let dropped = r.claims[c].conditions.remove(i);
            r.claims[c]
                .side_conditions
                .retain(|s| s.condition != dropped);
            push(format!("claim {c}: dropped condition {dropped}"), r);
        }
        for i in 0..claim.spot_checks.len() {
            let mut r = report.clone();
            let v: f64 = claim.spot_checks[i].lhs.parse().unwrap();
            r.claims[c].spot_checks[i].lhs = format!("{:.6}", v + 0.5);
            push(format!("claim {c}: spot check {i} value"), r);
        }
        if let Some(cx) = &claim.counterexample {
            let mut r = report.clone();
            let v: f64 = cx.lhs.parse().unwrap();
            r.claims[c].counterexample.as_mut().unwrap().lhs = format!("{:.6}", v + 0.5);
            push(format!("claim {c}: counterexample value"), r);
        }
        let mut r = report.clone();
        r.claims[c].status = match claim.status {
            Status::Proved => Status::Disproved,
            _ => Status::Proved,
        };
        push(format!("claim {c}: status flipped"), r);

        let mut r = report.clone();
        r.claims[c].claim = claim.claim.replacen(" = ", " = 2*", 1);
        push(format!("claim {c}: claim changed"), r);
    }
    if !report.assumptions.is_empty() && report.claims.iter().any(|c| c.status == Status::Proved) {
        let mut r = report.clone();
        r.assumptions.clear();
        push("assumptions dropped".into(), r);
    }
    out
}

#[test]
fn every_tampered_certificate_is_rejected() {
    let mut total = 0;
    for (name, text) in corpus() {
        let report = decide(&text);
        assert!(
            check_report(&report).is_ok(),
            "{name}: the original must check"
        );
        for (what, tampered) in tamperings(&report) {
            total += 1;
            let json = serde_json::to_string(&tampered).unwrap();
            match check_certificate(&json) {
                Err(_) => {}
                Ok(_) => panic!("{name}: accepted a tampered certificate ({what})"),
            }
        }
    }
    eprintln!("tampered certificates rejected: {total} of {total}");
    assert!(total >= 500, "only {total} tampered certificates");
}

/// Perturbed copies of a problem with one claim: sign flips, swapped
/// variables, changed constants, dropped assumptions.
fn mutants(defs_and_assumptions: &[&str], claim: &str) -> Vec<(String, String)> {
    let (lhs, rhs) = claim.split_once(" = ").unwrap();
    let header = defs_and_assumptions.join("\n");
    let with = |rhs: String| format!("{header}\nprove {lhs} = {rhs}\n");
    let mut out = Vec::new();
    out.push(("negated".to_string(), with(format!("-({rhs})"))));
    if rhs.contains(" + ") {
        out.push((
            "sign flipped".to_string(),
            with(rhs.replacen(" + ", " - ", 1)),
        ));
    }
    if rhs.contains(" - ") {
        out.push((
            "sign flipped".to_string(),
            with(rhs.replacen(" - ", " + ", 1)),
        ));
    }
    if let Some(pos) = rhs.find(|c: char| c.is_ascii_digit()) {
        let d = rhs.as_bytes()[pos] - b'0';
        let changed = format!("{}{}{}", &rhs[..pos], (d + 1) % 10, &rhs[pos + 1..]);
        out.push(("constant changed".to_string(), with(changed)));
    }
    out.push(("shifted".to_string(), with(format!("{rhs} + 1"))));
    let vars = identifiers(claim);
    for (i, a) in vars.iter().enumerate() {
        for b in vars.iter().skip(i + 1) {
            let swapped = swap_words(rhs, a, b);
            if swapped != rhs {
                out.push((format!("swapped {a} and {b}"), with(swapped)));
            }
        }
    }
    for (i, line) in defs_and_assumptions.iter().enumerate() {
        if line.starts_with("assume") {
            let mut rest: Vec<&str> = defs_and_assumptions.to_vec();
            rest.remove(i);
            out.push((
                format!("dropped `{line}`"),
                format!("{}\nprove {claim}\n", rest.join("\n")),
            ));
        }
    }
    out
}

fn identifiers(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        let reserved = ["exp", "log", "sqrt", "d"].contains(&word);
        if !word.is_empty()
            && word.chars().next().unwrap().is_ascii_alphabetic()
            && !reserved
            && !out.iter().any(|w| w == word)
        {
            out.push(word.to_string());
        }
    }
    out
}

fn swap_words(text: &str, a: &str, b: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        out.push_str(if word == a {
            b
        } else if word == b {
            a
        } else {
            word
        });
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Whether the problem's single claim holds numerically at points meeting its
/// sign assumptions (used only for mutants that come out proved).
fn holds_numerically(text: &str) -> bool {
    let problem = parse_problem(text).unwrap();
    if backprove::unroll::is_indexed(&problem) {
        return holds_for_small_n(&problem);
    }
    assert!(
        problem
            .assumptions
            .iter()
            .all(|a| a.relation != backprove::Relation::Eq),
        "a proved mutant under an equation cannot be confirmed independently"
    );
    let claim = &problem.claims[0];
    let (l, r) = (
        common::inline(&claim.lhs, &problem),
        common::inline(&claim.rhs, &problem),
    );
    let mut agreed = 0;
    for x in [0.3, 1.7, 2.6, -0.9, -1.6] {
        for y in [0.8, 2.2, -1.4] {
            let mut free = format!("{} {}", backprove::to_infix(&l), backprove::to_infix(&r));
            for a in &problem.assumptions {
                free += &format!(
                    " {}",
                    backprove::to_infix(&common::inline(&a.lhs, &problem))
                );
            }
            let point: BTreeMap<String, f64> = identifiers(&free)
                .into_iter()
                .enumerate()
                .map(|(i, v)| (v, if i % 2 == 0 { x + i as f64 * 0.1 } else { y }))
                .collect();
            let sign_ok = problem.assumptions.iter().all(|a| {
                let v = common::eval(&common::inline(&a.lhs, &problem), &point)
                    .zip(common::eval(&common::inline(&a.rhs, &problem), &point));
                a.relation != backprove::Relation::Eq
                    && v.is_some_and(|(u, w)| common::relation_holds(a.relation, u, w))
            });
            if !sign_ok {
                continue;
            }
            if let (Some(u), Some(v)) = (common::eval(&l, &point), common::eval(&r, &point)) {
                if !common::close(u, v, 1e-5) {
                    return false;
                }
                agreed += 1;
            }
        }
    }
    agreed > 0
}

/// [`holds_numerically`] for a problem with indexed families: at n = 1, 2, 3
/// classes, every index valued in turn, with the test's own evaluator.
fn holds_for_small_n(problem: &backprove::Problem) -> bool {
    use backprove::index::{index_names, slots, Slot};
    let claim = &problem.claims[0];
    let defs = common::defs_of(problem);
    let all: Vec<&egg::RecExpr<backprove::Math>> = problem
        .definitions
        .iter()
        .map(|d| &d.expr)
        .chain([&claim.lhs, &claim.rhs])
        .chain(problem.assumptions.iter().flat_map(|a| [&a.lhs, &a.rhs]))
        .collect();
    let mut families = Vec::new();
    let mut scalars = Vec::new();
    let mut indices = Vec::new();
    for e in &all {
        indices.extend(index_names(e).into_iter().map(|s| s.to_string()));
        for (slot, node) in slots(e).iter().zip(e.as_ref()) {
            if let backprove::Math::Var(s) = node {
                let s = s.to_string();
                if defs.contains_key(&s) {
                    continue;
                }
                match slot {
                    Slot::Family => families.push(s),
                    Slot::Term => scalars.push(s),
                    Slot::Index => {}
                }
            }
        }
    }
    let mut agreed = 0;
    for n in 1..=3usize {
        for (round, x) in [0.3, 1.7, -0.9, 2.6].into_iter().enumerate() {
            let mut point: BTreeMap<String, f64> = BTreeMap::new();
            point.insert("n".into(), n as f64);
            // A declared range (`index i in 1..m`) gets another size than `n`.
            let other = n % 3 + 1;
            let ranges = problem.ranges();
            for (stem, _) in ranges.stems() {
                point.insert(format!("size of {stem}"), other as f64);
            }
            let size = |s: &str| {
                if ranges.size_of(s.into()).as_str() == "n" {
                    n
                } else {
                    other
                }
            };
            for (i, s) in indices.iter().enumerate() {
                point.insert(s.clone(), ((i + round) % size(s) + 1) as f64);
            }
            for (i, s) in scalars.iter().enumerate() {
                point.insert(s.clone(), x + 0.37 * i as f64);
            }
            for (f, fam) in families.iter().enumerate() {
                for i in 1..=3 {
                    point.insert(format!("{fam}[{i}]"), x - 0.61 * i as f64 + 0.23 * f as f64);
                    // Entries of a family with two indices.
                    for r in 1..=3 {
                        let v = x - 0.61 * i as f64 + 0.29 * r as f64 + 0.23 * f as f64;
                        point.insert(format!("{fam}[{i}, {r}]"), v);
                    }
                }
            }
            // `assume sum(j, t[j]) = c`: the last class takes up the difference.
            for a in &problem.assumptions {
                let root = a.lhs.as_ref().last();
                if let (backprove::Relation::Eq, Some(backprove::Math::Sum([_, body]))) =
                    (a.relation, root)
                {
                    if let backprove::Math::Idx(c) = &a.lhs[*body] {
                        let f = &c[0];
                        let gap = common::eval_with(&a.rhs, &defs, &point).unwrap_or(0.0)
                            - common::eval_with(&a.lhs, &defs, &point).unwrap_or(0.0);
                        *point.get_mut(&format!("{}[{n}]", a.lhs[*f])).unwrap() += gap;
                    }
                }
            }
            let meets = problem.assumptions.iter().all(|a| {
                let v = common::eval_with(&a.lhs, &defs, &point)
                    .zip(common::eval_with(&a.rhs, &defs, &point));
                v.is_some_and(|(u, w)| common::relation_holds(a.relation, u, w))
            });
            if !meets {
                continue;
            }
            let sides = (
                common::eval_with(&claim.lhs, &defs, &point),
                common::eval_with(&claim.rhs, &defs, &point),
            );
            if let (Some(u), Some(v)) = sides {
                if !common::close(u, v, 1e-5) {
                    return false;
                }
                agreed += 1;
            }
        }
    }
    agreed > 0
}

#[test]
fn no_mutant_of_a_true_claim_is_proved() {
    let mut total = 0;
    let mut equivalent = 0;
    let mut sources: Vec<String> = corpus()
        .into_iter()
        .filter(|(name, _)| !name.contains("/false/"))
        .map(|(_, t)| t)
        .collect();
    sources.retain(|t| decide(t).claims.iter().all(|c| c.status == Status::Proved));
    for text in sources {
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .collect();
        let header: Vec<&str> = lines
            .iter()
            .copied()
            .filter(|l| !l.starts_with("prove"))
            .collect();
        for claim in lines.iter().filter_map(|l| l.strip_prefix("prove ")) {
            for (what, mutant) in mutants(&header, claim) {
                let Ok(problem) = parse_problem(&mutant) else {
                    continue;
                };
                total += 1;
                let report = prove_problem(&problem, &Limits::default());
                if report.claims[0].status == Status::Proved {
                    // Only a mutant that is in fact still true may be proved.
                    assert!(
                        holds_numerically(&mutant),
                        "proved a false mutant ({what}):\n{mutant}"
                    );
                    equivalent += 1;
                    eprintln!(
                        "equivalent mutant ({what}): {}",
                        mutant.lines().last().unwrap_or("")
                    );
                }
            }
        }
    }
    eprintln!("mutants: {total}, proved: {equivalent} (each confirmed numerically to be an equivalent claim)");
    assert!(total >= 100, "only {total} mutants");
}
