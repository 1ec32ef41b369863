//! The kernel stays small and independent: a file in `src/kernel/` may use
//! nothing of the crate but the expression language and the rule tables
//! (differentiation rules, function definitions).

use std::path::PathBuf;

const ALLOWED: &[&str] = &[
    "crate::language",
    "crate::rules::diff",
    "crate::rules::laws",
];

#[test]
fn the_kernel_imports_only_the_language_and_the_rule_table() {
    let mut todo = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/kernel")];
    let mut files = 0;
    while let Some(path) = todo.pop() {
        if path.is_dir() {
            todo.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        files += 1;
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for (at, _) in code.match_indices("crate::") {
                let rest = &code[at..];
                assert!(
                    ALLOWED.iter().any(|a| rest.starts_with(a)),
                    "{}:{}: the kernel uses `{}`",
                    path.display(),
                    i + 1,
                    rest.split([';', ' ', ',', '(', '{']).next().unwrap_or(rest)
                );
            }
            // `super::super` or a path out of the folder would also leave the kernel.
            assert!(
                !code.contains("super::super"),
                "{}:{}",
                path.display(),
                i + 1
            );
        }
    }
    assert!(files >= 10, "the kernel's files were not found");
}

#[test]
fn the_import_check_catches_a_forbidden_path() {
    let line = "use crate::algebra::Normalizer;";
    assert!(!ALLOWED.iter().any(|a| line.contains(a)));
}
