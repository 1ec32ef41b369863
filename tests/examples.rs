//! The layer library: every built-in example is proved by `prove` and walked
//! by `derive` (exit 0 from the command line, as a user runs them), and a
//! wrong gradient in any of them is refused.

use std::io::Write;
use std::process::{Command, Stdio};

fn backprove(args: &[&str], stdin: &str) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_backprove"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin takes the problem");
    let out = child.wait_with_output().expect("the binary ends");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn names() -> Vec<String> {
    let (code, list) = backprove(&["example", "--list"], "");
    assert_eq!(code, 0);
    list.lines()
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect()
}

#[test]
fn the_list_names_every_example_of_the_library() {
    let names = names();
    assert_eq!(names.len(), backprove::EXAMPLES.len());
    for name in [
        "relu",
        "tanh",
        "sigmoid-with-loss",
        "softmax-with-loss-n",
        "dropout",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} is listed");
    }
}

#[test]
fn every_example_is_proved_and_walked() {
    for name in names() {
        let (code, text) = backprove(&["example", &name], "");
        assert_eq!(code, 0, "example {name}");
        let (code, report) = backprove(&["prove", "-"], &text);
        assert_eq!(code, 0, "prove {name}:\n{report}");
        // Correctness, not speed: a generous limit, so a loaded machine
        // cannot turn a walk into "undecided" (speed is in benches/).
        let (code, walk) = backprove(&["derive", "-", "--timeout", "300"], &text);
        assert_eq!(code, 0, "derive {name}:\n{walk}");
        assert!(
            walk.contains("  node ["),
            "derive {name} walks nodes:\n{walk}"
        );
        assert!(
            walk.contains("certificate checked"),
            "derive {name}:\n{walk}"
        );
        // Written as a book writes it: titled from the file, no `+ -`, no `*-`.
        assert!(!walk.contains("<stdin>"), "derive {name}:\n{walk}");
        assert!(
            !walk.contains("+ -") && !walk.contains("*-"),
            "derive {name}:\n{walk}"
        );
        assert!(
            walk.contains("= 1  (the walk starts here"),
            "derive {name}:\n{walk}"
        );
    }
}

#[test]
fn a_wrong_gradient_in_any_example_is_refused() {
    for name in names() {
        let (_, text) = backprove(&["example", &name], "");
        // The first claim's right side, off by one.
        let wrong: String = text
            .lines()
            .map(|l| {
                if l.starts_with("prove ") {
                    format!("{l} + 1\n")
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
        let (code, report) = backprove(&["prove", "-"], &wrong);
        assert_eq!(code, 1, "prove {name} with a wrong gradient:\n{report}");
    }
}

#[test]
fn an_unknown_example_is_a_usage_error() {
    assert_eq!(backprove(&["example", "no-such-layer"], "").0, 2);
}
