//! `backprove prove FILE` and `backprove diff EXPR --wrt X`: decide claims,
//! or differentiate one expression, and print the result.

use super::*;

pub(super) fn prove_text(
    text: &str,
    name: &str,
    format: Format,
    limits: &Limits,
    out: &mut impl Write,
) -> u8 {
    let problem = match parse_problem(text) {
        Ok(p) => p,
        Err(e) => {
            eprint!("{}", render_error(&e, text, name));
            return EXIT_INPUT;
        }
    };
    if problem.claims.is_empty() {
        return usage(&format!(
            "{name} has no `prove` statement: there is nothing to decide"
        ));
    }
    let report = prove_problem(&problem, limits);
    let _ = out.write_all(render(&report, format).as_bytes());
    let code = report.exit_code();
    // The process ends next and returns its memory whole: the report and
    // the problem (at a thousand classes, thousands of terms and strings,
    // a counterexample's made on another thread) are not freed piece by piece.
    std::mem::forget((problem, report));
    code
}

pub(super) fn diff_command(
    expr: &str,
    wrt: &str,
    lets: &[String],
    limits: &Limits,
    out: &mut impl Write,
) -> u8 {
    // One line each: a line break would add statements (`assume …`) to the
    // problem the derivative is proved in, unseen.
    for text in lets.iter().map(String::as_str).chain([expr, wrt]) {
        if text.contains(['\n', '\r']) {
            return usage(&format!("{text:?}: a line break in an expression or --let"));
        }
    }
    let mut source = String::new();
    for l in lets {
        let Some((name, body)) = l.split_once('=') else {
            return usage(&format!("--let {l}: expected NAME=EXPR"));
        };
        source += &format!("let {} = {}\n", name.trim(), body.trim());
    }
    let problem = match parse_problem(&source) {
        Ok(p) => p,
        Err(e) => {
            eprint!("{}", render_error(&e, &source, "--let"));
            return EXIT_INPUT;
        }
    };
    let names: Vec<Symbol> = problem.definitions.iter().map(|d| d.name).collect();
    let defined: std::collections::BTreeMap<Symbol, usize> = problem
        .definitions
        .iter()
        .map(|d| (d.name, d.line))
        .collect();
    let families: std::collections::BTreeSet<Symbol> = problem
        .definitions
        .iter()
        .filter(|d| {
            matches!(
                d.expr.as_ref().last(),
                Some(crate::language::Math::Lambda(_))
            )
        })
        .map(|d| d.name)
        .collect();
    let term = match crate::parse::parse_term(expr, &defined, &families) {
        Ok(t) => t,
        Err(e) => {
            eprint!("{}", render_error(&e, expr, "EXPR"));
            return EXIT_INPUT;
        }
    };
    // The variable: a free variable `x` or an element `a[k]` of a free family.
    let var = match crate::parse::parse_term(wrt.trim(), &defined, &families) {
        Ok(v) => match v.as_ref() {
            [crate::language::Math::Var(s)] if !names.contains(s) => v,
            [crate::language::Math::Var(a), crate::language::Math::Var(_), crate::language::Math::Idx(_)]
                if !names.contains(a) =>
            {
                v
            }
            _ => return usage(&format!("--wrt {wrt}: expected a free variable or `a[k]`")),
        },
        Err(_) => return usage(&format!("--wrt {wrt}: expected a free variable or `a[k]`")),
    };
    let defs = crate::prove::definitions(&problem);
    let start = std::time::Instant::now();
    match crate::prove::differentiate_by(&term, &var, &defs, limits) {
        Ok(d) => {
            let _ = writeln!(out, "{}", d.text);
            // The timeout covers both: proving gets what differentiating left.
            let rest = Limits {
                timeout: limits.timeout.saturating_sub(start.elapsed()),
                ..*limits
            };
            let (line, code) = proved_where(&source, expr, wrt, &d, &rest);
            let _ = writeln!(out, "  {line}");
            code
        }
        Err(reason) => {
            eprintln!("undecided: {reason}");
            3
        }
    }
}

/// What `diff` says under its derivative, and its exit code: the claim
/// `d(EXPR, WRT) = text` proved (its conditions derived by the kernel: the
/// derivative is the rules' only off a kink, inside a domain), 0; or why
/// not, with the conditions the simplification relied on, 3 (1 if found false).
fn proved_where(
    lets: &str,
    expr: &str,
    wrt: &str,
    d: &crate::prove::Derivative,
    limits: &Limits,
) -> (String, u8) {
    let claim = format!("{lets}prove d({expr}, {wrt}) = {}\n", d.text);
    let report = parse_problem(&claim).map(|p| prove_problem(&p, limits));
    match report.as_ref().map(|r| &r.claims[..]) {
        Ok([c]) if c.status == crate::report::Status::Proved => (
            format!(
                "[{}, certificate checked]",
                c.status.with_conditions(&c.conditions)
            ),
            0,
        ),
        Ok([c]) => (
            format!(
                "[{}: {}{}]",
                c.status.word(),
                c.reason
                    .as_deref()
                    .unwrap_or("the equality was not decided"),
                simplified_where(d)
            ),
            if c.status == crate::report::Status::Disproved {
                1
            } else {
                3
            },
        ),
        _ => (
            format!(
                "[not checked: the derivative does not read back as a claim{}]",
                simplified_where(d)
            ),
            3,
        ),
    }
}

/// The simplification's own conditions, for a derivative the kernel did not check.
fn simplified_where(d: &crate::prove::Derivative) -> String {
    if d.conditions.is_empty() {
        String::new()
    } else {
        format!("; simplified where {}", d.conditions.join(" and "))
    }
}
