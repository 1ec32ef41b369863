//! The LaTeX transcripts compile with `pdflatex`: no error, no overfull box
//! and no mis-escaped character, for every built-in problem (as `derive`
//! writes it) and for Softmax-with-Loss at 2, 3, 5 and 16 classes. Without
//! `pdflatex` the test says so and passes, except under `CI=true` (where
//! `.ci/run` installs it).

use std::process::Command;

fn pdflatex_available() -> bool {
    let found = Command::new("pdflatex").arg("--version").output().is_ok();
    if !found && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but pdflatex is missing: .ci/run installs texlive-latex-base");
    }
    found
}

/// Runs the command-line tool; its standard output.
fn backprove(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_backprove"))
        .args(args)
        .output()
        .expect("backprove runs");
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// Compiles `tex` in a fresh directory (one run); the log.
fn compile(name: &str, tex: &str) -> String {
    let dir = std::env::temp_dir().join(format!("backprove-latex-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("t.tex"), tex).unwrap();
    let out = Command::new("pdflatex")
        .args(["-interaction=nonstopmode", "-halt-on-error", "t.tex"])
        .current_dir(&dir)
        .output()
        .expect("pdflatex runs");
    let log = std::fs::read_to_string(dir.join("t.log")).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "{name}: pdflatex failed\n{log}");
    log
}

/// `derive`'s LaTeX for a built-in example, or for Softmax-with-Loss at `n` classes.
fn document(name: &str) -> String {
    if let Some(n) = name.strip_prefix("softmax-with-loss-") {
        if n.parse::<usize>().is_ok() {
            let args = ["derive", "softmax-with-loss", "--classes", n];
            return backprove(&[&args[..], &["--format", "latex"]].concat());
        }
    }
    let dir = std::env::temp_dir().join(format!("backprove-example-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.txt"));
    std::fs::write(&file, backprove(&["example", name])).unwrap();
    let tex = backprove(&["derive", file.to_str().unwrap(), "--format", "latex"]);
    let _ = std::fs::remove_dir_all(&dir);
    tex
}

fn check(name: &str) -> Result<(), String> {
    let tex = document(name);
    if !tex.contains("\\end{document}") {
        return Err(format!("{name}: no document:\n{tex}"));
    }
    // `^`, `<`, `>` in text are escaped as characters, never as accents or ligatures.
    for bad in ["\\^{}", "\\^\\{", "¿", "¡"] {
        if tex.contains(bad) {
            return Err(format!("{name}: mis-escaped `{bad}`"));
        }
    }
    let log = compile(name, &tex);
    for bad in [
        "\n! ",
        "Overfull \\hbox",
        "Overfull \\vbox",
        "Missing character",
    ] {
        if let Some(at) = log.find(bad) {
            let end = (at + 400).min(log.len());
            return Err(format!("{name}: {bad} in the log: {}", &log[at..end]));
        }
    }
    Ok(())
}

#[test]
fn every_latex_transcript_compiles_with_no_overfull_box() {
    if !pdflatex_available() {
        eprintln!("pdflatex not found: LaTeX not compiled");
        return;
    }
    let mut names: Vec<String> = backprove::EXAMPLES
        .iter()
        .map(|e| e.0.to_string())
        .filter(|n| n != "softmax-with-loss")
        .collect();
    // 16 classes: the compact view (one node per family, sums shortened with `...`).
    names.extend(["2", "3", "5", "16"].map(|n| format!("softmax-with-loss-{n}")));
    // Two at a time: the documents are independent.
    let failures: Vec<String> = std::thread::scope(|s| {
        let (left, right) = names.split_at(names.len() / 2);
        let a = s.spawn(|| {
            left.iter()
                .filter_map(|n| check(n).err())
                .collect::<Vec<_>>()
        });
        let b: Vec<String> = right.iter().filter_map(|n| check(n).err()).collect();
        let mut a = a.join().unwrap();
        a.extend(b);
        a
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn sums_carry_their_limits() {
    let tex = document("softmax-with-loss-3");
    assert!(tex.contains("\\sum_{j=1}^{n}"), "{tex}");
}
