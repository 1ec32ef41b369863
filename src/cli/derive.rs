//! `backprove derive`: the backward walk of a built-in layer or a problem
//! file, rendered in the chosen format, with its exit code.

use super::*;

pub(super) fn derive_command(
    what: &str,
    classes: usize,
    wrt: &[String],
    output: Option<&str>,
    format: TranscriptFormat,
    limits: &Limits,
    out: &mut impl Write,
) -> u8 {
    let (text, name) = if what == "softmax-with-loss" {
        (
            softmax_with_loss(classes),
            "<softmax-with-loss>".to_string(),
        )
    } else {
        match read_input(&PathBuf::from(what)) {
            Ok(read) => read,
            Err(e) => return usage(&e),
        }
    };
    let heading = title_of(&text, &name);
    // A heading with a colon of its own takes a dash, so the title has one colon.
    let sep = if heading.contains(':') { " —" } else { ":" };
    let title = format!("{heading}{sep} the backward pass node by node");
    let mut problem = match parse_problem(&text) {
        Ok(p) => p,
        Err(e) => {
            eprint!("{}", render_error(&e, &text, &name));
            return EXIT_INPUT;
        }
    };
    // A problem for every n: the walk runs at `--classes` classes, and the
    // problem's first claim, proved for every n, follows it.
    let mut general_text = None;
    let mut title = title;
    if crate::unroll::is_indexed(&problem) {
        // Every size at `--classes` (`n = 3`, or `n = 3, m = 3` with declared ranges).
        let sizes = crate::unroll::Sizes::uniform(&problem.ranges(), classes);
        let concrete = match crate::unroll::unroll_to_text(&problem, &sizes) {
            Ok(t) => t,
            // Too large at this many classes: a limit, not a fault of the input.
            Err(e) if crate::unroll::is_too_large(&e) => {
                eprintln!("undecided: not proved within limits: {e} at {sizes}");
                return super::EXIT_UNDECIDED;
            }
            Err(e) => return usage(&e),
        };
        if !problem.claims.is_empty() {
            general_text = Some(text.clone());
        }
        problem = match parse_problem(&concrete) {
            Ok(p) => p,
            Err(e) => return usage(&format!("the problem at {classes} classes: {e}")),
        };
        title = format!("{heading}, at {sizes}{sep} the backward pass node by node");
    }
    // Without --output and --wrt, the walk is the one the claims ask about:
    // `prove d(L, x) = …` walks from `L` back to `x`.
    let (claimed_output, claimed_inputs) = claimed_derivatives(&problem);
    let Some(output) = output
        .map(str::to_string)
        .or(claimed_output)
        .or_else(|| problem.definitions.last().map(|d| d.name.to_string()))
    else {
        return usage("the problem defines nothing to differentiate; pass --output");
    };
    let inputs: Vec<String> = if !wrt.is_empty() {
        wrt.to_vec()
    } else if !claimed_inputs.is_empty() {
        claimed_inputs
    } else {
        // The inputs named `a…` that the output depends on (another `a2`
        // of the file is no input of it, and walking to it is an error).
        let defs = crate::prove::definitions(&problem);
        let mut vars = std::collections::BTreeSet::new();
        let mut seen = std::collections::BTreeSet::new();
        let mut todo = vec![egg::Symbol::from(output.as_str())];
        while let Some(name) = todo.pop() {
            let Some(expr) = defs.get(&name).filter(|_| seen.insert(name)) else {
                continue;
            };
            for n in expr.as_ref() {
                if let crate::language::Math::Var(s) = n {
                    if defs.contains_key(s) {
                        todo.push(*s);
                    } else if s.as_str().starts_with('a') {
                        vars.insert(s.to_string());
                    }
                }
            }
        }
        let mut v: Vec<String> = vars.into_iter().collect();
        v.sort_by(|a, b| crate::algebra::natural_cmp(a, b));
        v
    };
    if inputs.is_empty() {
        return usage(&format!(
            "`{output}` has no input to walk: pass --wrt, or add a claim `prove d({output}, x) = …`"
        ));
    }
    if what == "softmax-with-loss" {
        general_text = Some(crate::examples::softmax_with_loss_n());
    }
    // The general case does not depend on the walk: on a second core, both at once.
    let (walked, general) = crate::workers::join(
        || crate::transcript::derive_within(&problem, &output, &inputs, &title, limits),
        || {
            (general_text.as_ref())
                .map(|general| crate::transcript::general_case_within(general, limits))
        },
    );
    match walked {
        Ok(mut t) => {
            if let Some(general) = general {
                match general {
                    Ok(g) => t.general = Some(g),
                    Err(e) => return usage(&e),
                }
            }
            let text = crate::render::render_transcript(&t, format);
            let _ = out.write_all(text.as_bytes());
            for r in &t.refuted {
                eprintln!("disproved: {r}");
            }
            if !t.refuted.is_empty() {
                1
            } else if t.all_proved() {
                0
            } else {
                EXIT_UNDECIDED
            }
        }
        Err(e) if e.starts_with(crate::transcript::WALK_LIMIT) => {
            eprintln!("undecided: {e}");
            EXIT_UNDECIDED
        }
        Err(e) => usage(&e),
    }
}

/// The name the claims differentiate (`L` of `prove d(L, x) = …`, when it is
/// a `let` name) and the variables they differentiate by, in order.
fn claimed_derivatives(problem: &crate::problem::Problem) -> (Option<String>, Vec<String>) {
    let defs = crate::prove::definitions(problem);
    let mut output = None;
    let mut inputs: Vec<String> = Vec::new();
    for claim in &problem.claims {
        let e = &claim.lhs;
        let root = egg::Id::from(e.as_ref().len() - 1);
        let crate::language::Math::D([f, x]) = e[root] else {
            continue;
        };
        if let (crate::language::Math::Var(f), None) = (&e[f], &output) {
            if defs.contains_key(f) {
                output = Some(f.to_string());
            }
        }
        if let crate::language::Math::Var(x) = &e[x] {
            if !inputs.contains(&x.to_string()) {
                inputs.push(x.to_string());
            }
        }
    }
    (output, inputs)
}

/// What a walk is called: the file's first `#` comment line (`# Sigmoid with
/// binary cross-entropy`), else the file's name without its folder and
/// extension, else (standard input) "The problem".
pub(crate) fn title_of(text: &str, name: &str) -> String {
    let comment = text
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix('#'))
        .map(str::trim)
        .find(|c| !c.is_empty());
    if let Some(c) = comment {
        return c.to_string();
    }
    if name.starts_with('<') {
        return "The problem".into();
    }
    let path = std::path::Path::new(name);
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::title_of;

    #[test]
    fn the_title_is_the_first_comment_else_the_file_name() {
        assert_eq!(
            title_of("\n#  Sigmoid with loss \nlet y = x # no\n", "<stdin>"),
            "Sigmoid with loss"
        );
        assert_eq!(
            title_of("let y = x # not a title line\n", "dir/my-layer.txt"),
            "my-layer"
        );
        assert_eq!(title_of("#\nlet y = x\n", "<stdin>"), "The problem");
    }
}
