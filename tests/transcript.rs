//! The textbook transcript: the backward walk of Softmax-with-Loss, generated
//! from the problem file, every step proved, in every format.

mod common;

use backprove::{derive, parse_problem, softmax_with_loss, Status, Transcript};

fn transcript(n: usize) -> Transcript {
    let problem = parse_problem(&softmax_with_loss(n)).unwrap();
    let inputs: Vec<String> = (1..=n).map(|k| format!("a{k}")).collect();
    derive(
        &problem,
        "L",
        &inputs,
        &format!("Softmax-with-Loss, {n} classes"),
    )
    .unwrap()
}

#[test]
fn the_walk_ends_in_y_minus_t_for_every_class_and_every_step_is_proved() {
    for n in [2, 3, 5] {
        let t = transcript(n);
        assert!(t.all_proved(), "n = {n}");
        let walks: Vec<&str> = t.agreements.iter().map(|a| a.walk.as_str()).collect();
        let expected: Vec<String> = (1..=n).map(|k| format!("y{k} - t{k}")).collect();
        assert_eq!(walks, expected, "n = {n}");
        assert!(t.agreements.iter().all(|a| a.status == Status::Proved));
    }
}

#[test]
fn the_label_assumption_is_used_exactly_at_the_reciprocal_node() {
    let t = transcript(3);
    let mut uses = Vec::new();
    for node in &t.backward {
        for edge in &node.edges {
            if edge
                .gradient
                .steps
                .iter()
                .any(|s| matches!(s.by, backprove::Justification::Assume { .. }))
            {
                uses.push(t.forward[node.id].op.clone());
            }
        }
        assert!(!node
            .gradient
            .steps
            .iter()
            .any(|s| matches!(s.by, backprove::Justification::Assume { .. })));
    }
    assert_eq!(uses, vec!["/".to_string()]);
}

#[test]
fn the_three_class_walk_shows_the_books_values_in_the_books_order() {
    let text = backprove::render_transcript(&transcript(3), backprove::TranscriptFormat::Text);
    // DERIVATION.md, fig a-4 to eq a.4, for k = 1.
    let book = [
        "  Cross Entropy Error\n  -------------------", // the output's layer first
        "gradient: ∂L/∂L = 1",                          // a-4: 1 at L
        "1*(-1) = -1",                                  // a-4: the × node with input -1
        "-> [11] t1*log(y1), [15] t2*log(y2), [19] t3*log(y3): + passes -1 unchanged",
        "-1*t1 = -t1",         // a-4: * with t_k gives -t_k
        "-t1*(1/y1) = -t1/y1", // a-4: log gives -t_k/y_k
        "  Softmax\n  -------",
        "-t1/y1*(1/S)  [proved in 2 moves]", // a-4(2): towards exp(a_k) ...
        "= -t1/exp(a1)        [cancel S]",   // ... is -t_k/exp(a_k)
        "-t1/y1*exp(a1)  [proved in 2 moves]", // a-4(2): towards 1/S ...
        "= -t1*S*exp(a1)/exp(a1)  [substitute y1 = exp(a1)/S]",
        "= -t1*S                  [cancel exp(a1)]", // ... is -t_k S
        "branches add: -t1*S - t2*S - t3*S",         // a-4(3): 1/S fanned out
        "gradient: -S*(t1 + t2 + t3)  [proved: factor out -S]",
        "= (t1 + t2 + t3)/S  [cancel S]", // a-4(3): the / node ...
        "= 1/S               [use t1 + t2 + t3 = 1]", // ... the labels sum to 1
        "-> [2] exp(a1), [4] exp(a2), [6] exp(a3): + passes 1/S unchanged", // a-4(4)
        "gradient: 1/S - t1/exp(a1)",     // a-4(5): exp(a_k) fanned out twice
        "(1/S - t1/exp(a1))*exp(a1)  [proved in 3 moves]", // eq a.4, a-4(6)
        "= exp(a1)/S - t1                  [cancel exp(a1)]",
        "= y1 - t1                         [write exp(a1)/S as y1]",
    ];
    let mut from = 0;
    for value in book {
        let at = text[from..]
            .find(value)
            .unwrap_or_else(|| panic!("`{value}` not found after byte {from}"));
        from += at + value.len();
    }
}

#[test]
fn transcripts_in_every_format_are_stable() {
    for n in [2, 3, 5] {
        let t = transcript(n);
        for (name, format) in [
            ("text", backprove::TranscriptFormat::Text),
            ("markdown", backprove::TranscriptFormat::Markdown),
            ("latex", backprove::TranscriptFormat::Latex),
            ("dot", backprove::TranscriptFormat::Dot),
        ] {
            // The figures' DOT once, at three classes; the text users read at every size.
            if name == "dot" && n != 3 {
                continue;
            }
            let out = backprove::render_transcript(&t, format);
            assert_eq!(
                out,
                backprove::render_transcript(&transcript(n), format),
                "two runs differ"
            );
            common::settings(&softmax_with_loss(n))
                .bind(|| insta::assert_snapshot!(format!("softmax_{n}_{name}"), out));
        }
    }
}

/// The transcript's JSON is data, not what users read: instead of a snapshot,
/// what a program reading it relies on (each step's `rule`, `before` and
/// `after`, and each agreement's `walk` in problem-file syntax).
#[test]
fn the_transcript_json_carries_every_step_and_the_walks_final_values() {
    for n in [2, 3, 5] {
        let t = transcript(n);
        let json = backprove::render_transcript(&t, backprove::TranscriptFormat::Json);
        assert_eq!(
            json,
            backprove::render_transcript(&transcript(n), backprove::TranscriptFormat::Json)
        );
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let text = json.as_str();
        let agreements = v["agreements"].as_array().expect("agreements");
        assert_eq!(agreements.len(), n, "one agreement per class");
        for (k, a) in agreements.iter().enumerate() {
            let walk = a["walk"].as_str().expect("walk");
            assert_eq!(walk, format!("y{} - t{}", k + 1, k + 1), "{text}");
            backprove::parse_expression(walk, &[]).expect("walk in problem-file syntax");
        }
        let mut steps = 0;
        let mut stack = vec![&v];
        while let Some(x) = stack.pop() {
            match x {
                serde_json::Value::Object(m) => {
                    if m.contains_key("rule") && m.contains_key("before") && m.contains_key("after")
                    {
                        steps += 1;
                        assert!(m["rule"]
                            .as_str()
                            .is_some_and(|r| !r.is_empty() && r != "algebra"));
                    }
                    stack.extend(m.values());
                }
                serde_json::Value::Array(a) => stack.extend(a),
                _ => {}
            }
        }
        assert!(steps > 10 * n, "only {steps} steps at n = {n}");
    }
}

#[test]
fn svg_figures_are_well_formed_xml_and_the_three_class_one_is_snapshotted() {
    for n in [2, 3, 5] {
        let t = transcript(n);
        for figure in backprove::figures(&t) {
            let svg = backprove::render_svg(&figure);
            roxmltree::Document::parse(&svg)
                .unwrap_or_else(|e| panic!("n = {n}, {}: {e}", figure.name));
            assert!(svg.contains("<svg"));
        }
    }
    let svg = backprove::render_transcript(&transcript(3), backprove::TranscriptFormat::Svg);
    common::settings(&softmax_with_loss(3)).bind(|| insta::assert_snapshot!("softmax_3_svg", svg));
}

#[test]
fn the_figures_follow_the_books_stages() {
    let figures = backprove::figures(&transcript(3));
    let names: Vec<&str> = figures.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "a-1", "a-2", "a-3", "a-4", "a-4(1)", "a-4(2)", "a-4(3)", "a-4(4)", "a-4(5)", "a-4(6)",
            "a-5"
        ]
    );
    let titles: Vec<&str> = figures.iter().map(|f| f.title.as_str()).collect();
    assert!(titles[1].starts_with("Softmax, forward"), "{titles:?}");
    assert!(
        titles[2].starts_with("Cross Entropy Error, forward"),
        "{titles:?}"
    );
    assert!(titles[6].contains("the / node (1/S)"), "{titles:?}");
    // Each stage highlights the node it processes, and shows more backward values than the last.
    let shown = |f: &backprove::Figure| {
        f.scene
            .edges
            .iter()
            .filter(|e| e.backward.is_some())
            .count()
    };
    for w in figures[4..10].windows(2) {
        assert!(
            shown(&w[0]) <= shown(&w[1]),
            "{} then {}",
            w[0].name,
            w[1].name
        );
        assert!(
            w[1].scene.nodes.iter().any(|n| n.highlight),
            "{}",
            w[1].name
        );
    }
    // The layers are boxed by the names the problem file gives them.
    let whole = figures.last().unwrap();
    let boxes: Vec<&str> = whole.scene.boxes.iter().map(|b| b.title.as_str()).collect();
    assert_eq!(boxes, ["Softmax", "Cross Entropy Error"]);
}

#[test]
fn graphviz_accepts_every_figure() {
    let Ok(status) = std::process::Command::new("dot").arg("-V").output() else {
        // CI installs Graphviz (.ci/run) and must not skip this test.
        assert!(
            std::env::var("CI").is_err(),
            "Graphviz `dot` is required under CI"
        );
        eprintln!("skipped: Graphviz `dot` is not installed");
        return;
    };
    assert!(status.status.success());
    for n in [2, 3, 5] {
        let dot = backprove::render_transcript(&transcript(n), backprove::TranscriptFormat::Dot);
        let out = common::run_with_input("dot", &["-Tsvg"], dot.as_bytes());
        assert!(
            out.status.success(),
            "n = {n}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "n = {n}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).matches("<svg").count(),
            11
        );
    }
}

#[test]
fn the_readme_figure_is_the_current_output() {
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/softmax-3-backward.svg"
    ))
    .unwrap();
    let now = backprove::render_transcript(&transcript(3), backprove::TranscriptFormat::Svg);
    assert_eq!(committed, now, "regenerate with: backprove derive softmax-with-loss --format svg > docs/softmax-3-backward.svg");
}

#[test]
fn many_classes_show_one_node_per_family_and_a_table_over_k() {
    let t = transcript(12);
    assert!(t.all_proved());
    let text = backprove::render_transcript(&t, backprove::TranscriptFormat::Text);
    // The walk is shown once, for a general k ...
    assert!(text.contains("-t_k*(1/y_k) = -t_k/y_k"), "{text}");
    assert!(text.contains("(1/S - t_k/exp(a_k))*exp(a_k)  [proved in 3 moves]"));
    assert!(text.contains("= y_k - t_k                           [write exp(a_k)/S as y_k]"));
    assert!(
        !text.contains("log(y7)*"),
        "a family member leaked into the compact view"
    );
    // ... the label sum is still used at the / node, shortened ...
    assert!(text.contains("= 1/S                      [use t1 + t2 + ... + t12 = 1]"));
    // ... and the result is listed for every k.
    for k in 1..=12 {
        assert!(text.contains(&format!("∂L/∂a{k} = y{k} - t{k}")), "k = {k}");
    }
    // As many lines as one class needs (the moves add a few per node), not twelve times as many.
    assert!(text.lines().count() < 120, "{} lines", text.lines().count());
    common::settings(&softmax_with_loss(12))
        .bind(|| insta::assert_snapshot!("softmax_12_text", text));
}

#[test]
fn rolled_up_steps_name_the_moves_that_proved_them_for_every_n() {
    let t = transcript(16);
    assert!(t.all_proved());
    let text = backprove::render_transcript(&t, backprove::TranscriptFormat::Text);
    assert!(!text.contains(": ]"), "an empty move list: {text}");
    assert!(
        text.contains("-1*t_k = -t_k  [proved for every n: multiply]"),
        "{text}"
    );
    for b in &t.backward {
        for s in std::iter::once(&b.gradient).chain(b.edges.iter().map(|e| &e.gradient)) {
            assert!(s.raw == s.simplified || !s.steps.is_empty(), "{s:?}");
            assert!(s.steps.iter().all(|st| !st.rule.is_empty()), "{s:?}");
        }
    }
}

#[test]
fn the_general_case_follows_the_walk_proved_once_for_every_n() {
    let mut t = transcript(3);
    let general = backprove::general_case(&backprove::softmax_with_loss_n()).unwrap();
    assert_eq!(general.claim.status, Status::Proved);
    assert!(
        general.claim.steps.len() <= 15,
        "{} steps",
        general.claim.steps.len()
    );
    let rules: Vec<&str> = general
        .claim
        .steps
        .iter()
        .map(|s| s.rule.as_str())
        .collect();
    for needed in ["d-sum", "d-index", "unfold-y"] {
        assert!(rules.contains(&needed), "{needed} missing from {rules:?}");
    }
    assert!(rules.iter().any(|r| r.contains("sum-delta")));
    assert!(general.claim.steps.iter().any(|s| matches!(
        &s.by,
        backprove::Justification::Assume { equation, .. } if equation == "sum(j, t[j]) = 1"
    )));
    // The section's proof is a certificate the independent checker accepts.
    let report = backprove::Report {
        indices: Vec::new(),
        schema: 2,
        definitions: general.definitions.clone(),
        assumptions: general.assumptions.clone(),
        claims: vec![general.claim.clone()],
        rolled_up: None,
    };
    assert_eq!(backprove::check_report(&report), Ok(1));
    t.general = Some(general);
    assert!(t.all_proved());
    for (name, format) in [
        ("text", backprove::TranscriptFormat::Text),
        ("markdown", backprove::TranscriptFormat::Markdown),
        ("latex", backprove::TranscriptFormat::Latex),
    ] {
        let out = backprove::render_transcript(&t, format);
        let at = out
            .find("every number of classes")
            .expect("the general section is rendered");
        // After the n = 3 walk.
        assert!(at > out.find("Result").unwrap(), "{name}");
        let start = out[..at].rfind('\n').map_or(0, |i| i + 1);
        let section = out[start..].to_string();
        common::settings(&backprove::softmax_with_loss_n())
            .bind(|| insta::assert_snapshot!(format!("softmax_n_{name}"), section));
    }
}

#[test]
fn a_walk_through_named_nodes_speaks_their_names_and_ends_in_the_files_claim() {
    // One use of `w`: the value its use sends, aimed at the claim, is its
    // gradient (it is not simplified again into another form).
    let text = "let h = tanh(w*x + b)\nlet q = h^3\nlet L = (q - t)^2/2\n\
                prove d(L, w) = (q - t)*3*h^2*(1 - h^2)*x\n";
    let t = derive(&parse_problem(text).unwrap(), "L", &["w".into()], "tanh").unwrap();
    assert!(t.all_proved());
    assert_eq!(t.agreements[0].walk, "(q - t)*3*h^2*(1 - h^2)*x");
    let edges: Vec<(&str, &str)> = t
        .backward
        .iter()
        .flat_map(|b| b.edges.iter())
        .map(|e| (e.rule.as_str(), e.gradient.simplified.as_str()))
        .collect();
    // The tanh node multiplies by `1 - h^2`, in the file's name for its
    // output; no value goes back to `tanh(w*x + b)` written out, and the
    // value is the product the chain makes, not four terms.
    assert!(
        edges.contains(&(
            "tanh multiplies by 1 minus its output squared, 1 - h^2",
            "3*(q - t)*h^2*(1 - h^2)"
        )),
        "{edges:?}"
    );
    assert!(edges.iter().all(|(_, v)| !v.contains("tanh")), "{edges:?}");
    assert!(
        edges.iter().any(|(r, _)| *r == "^3 multiplies by 3*h^2"),
        "{edges:?}"
    );
}

/// A value the local rule already gives in its simplest form is written
/// once: the tanh example's `g*(1 - y^2) = g*(1 - y^2)` read as a step
/// without its proof.
#[test]
fn no_edge_writes_a_value_equal_to_itself() {
    let dir = std::env::temp_dir().join(format!("backprove-same-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, _, _) in backprove::EXAMPLES {
        let file = dir.join(format!("{name}.txt"));
        std::fs::write(&file, backprove::example(name, 3).unwrap()).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_backprove"))
            .args(["derive", file.to_str().unwrap()])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        for line in text.lines() {
            if let Some((left, right)) = line.trim().split_once(" = ") {
                assert!(left != right, "{name}: {line}");
            }
        }
    }
}
