//! The binary end to end: exit codes, standard input, limits, `diff`, `example`.

use std::io::Write;
use std::process::{Command, Stdio};

fn backprove(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_backprove"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn no_arguments_runs_the_softmax_example() {
    let (code, out, _) = backprove(&[], "");
    assert_eq!(code, 0);
    assert!(out.contains("∂L/∂a3 = y3 - t3"), "{out}");
    assert!(out.contains("the walk agrees with the rule-based derivative: proved"));
}

#[test]
fn exit_codes_follow_the_verdicts() {
    assert_eq!(backprove(&["prove", "-"], "prove x + x = 2*x\n").0, 0);
    assert_eq!(backprove(&["prove", "-"], "prove x + x = 3*x\n").0, 1);
    assert_eq!(
        backprove(&["prove", "-"], "prove sqrt(x)*sqrt(y) = sqrt(x*y)\n").0,
        3
    );
    let (code, _, err) = backprove(&["prove", "-"], "prove x = (x\n");
    assert_eq!(code, 2);
    assert!(err.contains("line 1, column 13"), "{err}");
    assert_eq!(backprove(&["prove", "/no/such/file"], "").0, 2);
    assert_eq!(backprove(&["frobnicate"], "").0, 2);
}

#[test]
fn limits_end_in_undecided() {
    let problem = backprove::softmax_with_loss(10);
    let (code, out, _) = backprove(&["prove", "-", "--max-nodes", "50"], &problem);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("not proved within limits"));
    let (code, out, _) = backprove(&["prove", "-", "--timeout", "0.000001"], &problem);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("not proved within limits"));
}

#[test]
fn json_output_parses() {
    let (code, out, _) = backprove(&["prove", "-", "--format", "json"], "prove d(x^2, x) = x\n");
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["claims"][0]["status"], "disproved");
    assert!(v["claims"][0]["counterexample"]["point"]["x"].is_string());
}

#[test]
fn diff_prints_the_simplified_derivative() {
    let (code, out, _) = backprove(
        &["diff", "s", "--wrt", "x", "--let", "s=1/(1 + exp(-x))"],
        "",
    );
    assert_eq!(code, 0);
    assert!(!out.contains("d("), "{out}");
    let (code, _, err) = backprove(&["diff", "x +", "--wrt", "x"], "");
    assert_eq!(code, 2);
    assert!(err.contains("column"), "{err}");
}

#[test]
fn example_prints_a_problem_file_that_proves() {
    let (code, file, _) = backprove(&["example", "softmax-with-loss", "--classes", "4"], "");
    assert_eq!(code, 0);
    assert_eq!(file, backprove::softmax_with_loss(4));
    assert_eq!(backprove(&["prove", "-"], &file).0, 0);
}

#[test]
fn the_default_transcript_ends_with_the_proof_for_every_n() {
    let (code, out, _) = backprove(&[], "");
    assert_eq!(code, 0);
    let general = out
        .find("For every number of classes n")
        .expect("section present");
    assert!(general > out.find("∂L/∂a3 = y3 - t3").unwrap());
    assert!(
        out.contains("claim d(L, a[k]) = y[k] - t[k]: proved"),
        "{out}"
    );
}

#[test]
fn the_symbolic_example_proves_and_its_certificate_checks() {
    let (code, text, _) = backprove(&["example", "softmax-with-loss-n"], "");
    assert_eq!(code, 0);
    let (code, json, _) = backprove(&["prove", "-", "--format", "json"], &text);
    assert_eq!(code, 0, "{json}");
    let (code, out, _) = backprove(&["check", "-"], &json);
    assert_eq!(code, 0);
    assert!(
        out.starts_with(
            "line 6: d(L, a[k]) = y[k] - t[k]: proved\ncertificate valid: 1 verdicts checked\n"
        ),
        "{out}"
    );
    assert!(out.contains("own statement only"), "{out}");
    // Against the problem file it is about, and against another.
    let dir = std::env::temp_dir().join(format!("backprove-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mine = dir.join("softmax-n.txt");
    std::fs::write(&mine, &text).unwrap();
    let other = dir.join("other.txt");
    std::fs::write(&other, text.replace("y[k] - t[k]", "t[k] - y[k]")).unwrap();
    let (code, out, _) = backprove(&["check", "-", "--problem", mine.to_str().unwrap()], &json);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("own statement only"), "{out}");
    let (code, out, _) = backprove(&["check", "-", "--problem", other.to_str().unwrap()], &json);
    assert_eq!(
        (code, out.trim()),
        (
            1,
            "certificate invalid: the certificate is not about this problem: the claims differ"
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
    let forged = json.replace("delta(j, k)", "delta(j, j)");
    assert_ne!(forged, json);
    assert_eq!(backprove(&["check", "-"], &forged).0, 1);
}

#[test]
fn diff_by_an_element_of_a_family() {
    let args = [
        "diff",
        "y[k]",
        "--wrt",
        "a[m]",
        "--let",
        "S=sum(i, exp(a[i]))",
        "--let",
        "y[j]=exp(a[j])/S",
    ];
    let (code, out, err) = backprove(&args, "");
    assert_eq!(
        (code, out.trim()),
        (
            0,
            "y[k]*delta(k, m) - y[k]*y[m]\n  [proved, certificate checked]"
        ),
        "{err}"
    );
    // A defined name or a number is no variable to differentiate by.
    let (code, _, err) = backprove(&["diff", "x^2", "--wrt", "S", "--let", "S=x"], "");
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = backprove(&["diff", "x^2", "--wrt", "y[k]", "--let", "y[j]=a[j]"], "");
    assert_eq!(code, 2);
}

#[test]
fn derive_walks_a_symbolic_problem_at_a_number_of_classes_then_proves_it_for_every_n() {
    let (_, text, _) = backprove(&["example", "softmax-with-loss-n"], "");
    let (code, out, err) = backprove(&["derive", "-", "--classes", "4"], &text);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(", at n = 4: the backward pass"), "{out}");
    assert!(out.contains("y4 = exp(a4)/S"), "{out}");
    let walk = out
        .find("∂L/∂a4 = y4 - t4")
        .expect("the walk reaches every class");
    let general = out
        .find("For every number of classes n")
        .expect("the general section");
    assert!(walk < general);
    assert!(out.contains("claim d(L, a[k]) = y[k] - t[k]: proved"));
}

/// The walk's last value at an input, as the JSON gives it.
fn walk_result(file: &str) -> (i32, Vec<String>, String) {
    let (code, out, err) = backprove(&["derive", "-", "--format", "json"], file);
    if code != 0 {
        return (code, vec![], err);
    }
    let t: serde_json::Value = serde_json::from_str(&out).unwrap();
    let walks = t["agreements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["walk"].as_str().unwrap().to_string())
        .collect();
    (code, walks, err)
}

#[test]
fn derive_aims_at_the_files_claims_in_the_files_names() {
    let sigmoid = "let s = 1/(1 + exp(-z))\nlet L = -(t*log(s) + (1 - t)*log(1 - s))\nprove d(L, z) = s - t\n";
    assert_eq!(
        walk_result(sigmoid),
        (0, vec!["s - t".into()], String::new())
    );
    let affine =
        "let o = w*x + b\nlet L = (o - y)^2/2\nprove d(L, w) = (o - y)*x\nprove d(L, b) = o - y\n";
    let (code, walks, _) = walk_result(affine);
    assert_eq!(code, 0);
    assert_eq!(walks, vec!["(o - y)*x".to_string(), "o - y".to_string()]);
    // x has two uses (exp(x) and exp(-x)): the sum of its branches is aimed at the claim.
    let tanh = "let h = (exp(x) - exp(-x))/(exp(x) + exp(-x))\nprove d(h, x) = 1 - h^2\n";
    assert_eq!(
        walk_result(tanh),
        (0, vec!["1 - h^2".into()], String::new())
    );
    // A false claim at an input with two uses is still refused.
    let (code, _, err) = backprove(&["derive", "-"], &tanh.replace("1 - h^2", "1 + h^2"));
    assert_eq!(code, 1, "{err}");
}

#[test]
fn derive_names_every_step_of_the_logistic_walk() {
    let sigmoid = "let y = 1/(1 + exp(-a))\nlet L = -(t*log(y) + (1 - t)*log(1 - y))\nprove d(L, a) = y - t\n";
    let (code, out, err) = backprove(&["derive", "-", "--format", "json"], sigmoid);
    assert_eq!(code, 0, "{err}");
    let t: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut stack = vec![&t];
    let mut steps = 0;
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(rule) = m.get("rule").and_then(|r| r.as_str()) {
                    if m.contains_key("before") {
                        steps += 1;
                        assert!(!rule.starts_with("algebra"), "unnamed step: {rule}");
                    }
                }
                stack.extend(m.values());
            }
            serde_json::Value::Array(a) => stack.extend(a),
            _ => {}
        }
    }
    assert!(steps > 10, "{steps} steps");
}

#[test]
fn derive_refuses_a_false_claim_and_a_file_with_nothing_to_walk() {
    let wrong = "let s = 1/(1 + exp(-z))\nlet L = -(t*log(s) + (1 - t)*log(1 - s))\nprove d(L, z) = t - s\n";
    let (code, _, err) = backprove(&["derive", "-"], wrong);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("d(L, z) = t - s is false: at "), "{err}");
    let (code, _, err) = backprove(&["derive", "-"], "let q = 2*3\n");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no input to walk"), "{err}");
}

#[test]
fn a_certificate_whose_step_name_lies_in_its_second_part_is_refused() {
    let problem = include_str!("inputs/true/softmax-2.txt");
    let (code, json, _) = backprove(&["prove", "-", "--format", "json"], problem);
    assert_eq!(code, 0);
    assert_eq!(backprove(&["check", "-"], &json).0, 0);
    let honest = "substitute y1 = exp(a1)/S, substitute y2 = exp(a2)/S\"";
    assert!(
        json.contains(honest),
        "the combined name is in the certificate"
    );
    let forged = json.replace(
        honest,
        "substitute y1 = exp(a1)/S, substitute L = -(t1*log(y1) + t2*log(y2))\"",
    );
    let (code, out, _) = backprove(&["check", "-"], &forged);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("is not what its step does"), "{out}");
}
