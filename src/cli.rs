//! The command line: clap types, file and stdout IO, exit codes. No maths.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};
use egg::Symbol;

use crate::error::Error;
use crate::examples::softmax_with_loss;
use crate::parse::parse_problem;
use crate::prove::{prove_problem, Limits};
use crate::render::{render, Format, TranscriptFormat};

/// Exit code for bad input or usage.
pub const EXIT_INPUT: u8 = 2;

/// Exit code for a verdict or walk left undecided within the limits.
pub const EXIT_UNDECIDED: u8 = 3;

/// The most classes `derive` walks and `example` writes: the walk grows with
/// the square of the classes, and a thousand is far past any textbook figure.
pub const MAX_CLASSES: u32 = 1000;

/// backprove: differentiate with named rules and prove gradients.
#[derive(Debug, Parser)]
#[command(name = "backprove", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Clone, clap::Args)]
struct LimitArgs {
    /// Seconds allowed per claim (for `derive`: for the whole walk).
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
    /// Maximum e-nodes per claim (the algebra gets a proportional budget).
    #[arg(long, default_value_t = 1_000_000)]
    max_nodes: usize,
}

impl LimitArgs {
    fn limits(&self) -> Result<Limits, String> {
        if !(self.timeout.is_finite() && self.timeout > 0.0) {
            return Err("--timeout must be a positive number of seconds".into());
        }
        if self.max_nodes == 0 {
            return Err("--max-nodes must be at least 1".into());
        }
        Ok(Limits {
            timeout: Duration::from_secs_f64(self.timeout.min(1e6)),
            max_nodes: self.max_nodes,
        })
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decide every claim of a problem file (`-` reads standard input).
    Prove {
        /// The problem file.
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Walk the backward pass of a layer node by node, proving every step.
    Derive {
        /// `softmax-with-loss`, or a problem file (`-` reads standard input).
        what: String,
        /// Number of classes, for `softmax-with-loss` and problems with indexed families (2 to 1000).
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(2..=MAX_CLASSES as i64))]
        classes: u32,
        /// The inputs to differentiate by, comma-separated (default: every input named `a…`).
        #[arg(long, value_delimiter = ',')]
        wrt: Vec<String>,
        /// The output to differentiate (default: the last `let` name).
        #[arg(long)]
        output: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TranscriptFormat::Text)]
        format: TranscriptFormat,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Re-verify a certificate (the JSON of `prove --format json`) without the prover.
    Check {
        /// The certificate (`-` reads standard input).
        file: PathBuf,
        /// The problem file the certificate must be about (its definitions,
        /// assumptions and claims exactly).
        #[arg(long)]
        problem: Option<PathBuf>,
    },
    /// Print the simplified derivative of an expression.
    Diff {
        /// The expression.
        expr: String,
        /// The variable to differentiate by.
        #[arg(long)]
        wrt: String,
        /// A definition `NAME=EXPR`; may be repeated, in order.
        #[arg(long = "let", value_name = "NAME=EXPR")]
        lets: Vec<String>,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Print a built-in problem file.
    Example {
        /// Which example.
        #[arg(value_enum)]
        name: ExampleName,
        /// Number of classes (2 to 1000).
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(2..=MAX_CLASSES as i64))]
        classes: u32,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ExampleName {
    /// The Softmax-with-Loss layer for `--classes` classes.
    SoftmaxWithLoss,
    /// The Softmax-with-Loss layer for every number of classes (indexed families and sums).
    SoftmaxWithLossN,
}

/// Runs the command line and returns the process exit code.
pub fn run(cli: Cli) -> u8 {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        None => derive_command(
            "softmax-with-loss",
            3,
            &[],
            None,
            TranscriptFormat::Text,
            &Limits::default(),
            &mut out,
        ),
        Some(Command::Derive {
            what,
            classes,
            wrt,
            output,
            format,
            limits,
        }) => {
            let limits = match limits.limits() {
                Ok(l) => l,
                Err(e) => return usage(&e),
            };
            derive_command(
                &what,
                classes as usize,
                &wrt,
                output.as_deref(),
                format,
                &limits,
                &mut out,
            )
        }
        Some(Command::Prove {
            file,
            format,
            limits,
        }) => {
            let limits = match limits.limits() {
                Ok(l) => l,
                Err(e) => return usage(&e),
            };
            let (text, name) = match read_input(&file) {
                Ok(t) => t,
                Err(e) => return usage(&e),
            };
            prove_text(&text, &name, format, &limits, &mut out)
        }
        Some(Command::Diff {
            expr,
            wrt,
            lets,
            limits,
        }) => {
            let limits = match limits.limits() {
                Ok(l) => l,
                Err(e) => return usage(&e),
            };
            diff_command(&expr, &wrt, &lets, &limits, &mut out)
        }
        Some(Command::Check { file, problem }) => {
            check_command(&file, problem.as_deref(), &mut out)
        }
        Some(Command::Example { name, classes }) => {
            let text = match name {
                ExampleName::SoftmaxWithLoss => softmax_with_loss(classes as usize),
                ExampleName::SoftmaxWithLossN => crate::examples::softmax_with_loss_n(),
            };
            let _ = out.write_all(text.as_bytes());
            0
        }
    }
}

/// `check CERT [--problem FILE]`: the kernel's verdict on each claim.
fn check_command(
    file: &std::path::Path,
    problem: Option<&std::path::Path>,
    out: &mut impl Write,
) -> u8 {
    use crate::check::CheckError;
    let (text, _) = match read_input(&file.to_path_buf()) {
        Ok(t) => t,
        Err(e) => return usage(&e),
    };
    let report = match crate::check::read(&text) {
        Ok(r) => r,
        Err(e) => return usage(&e.to_string()),
    };
    if let Some(path) = problem {
        let (source, _) = match read_input(&path.to_path_buf()) {
            Ok(t) => t,
            Err(e) => return usage(&e),
        };
        let parsed = match crate::parse::parse_problem(&source) {
            Ok(p) => p,
            Err(e) => return usage(&e.to_string()),
        };
        if let Err(e) = crate::check::same_problem(&report, &parsed) {
            let _ = writeln!(out, "certificate invalid: {e}");
            return 1;
        }
    }
    match crate::check::check_report(&report) {
        Ok(n) => {
            for c in &report.claims {
                let how = match c.status {
                    crate::report::Status::Proved if c.conditions.is_empty() => {
                        "proved".to_string()
                    }
                    crate::report::Status::Proved => {
                        format!("proved where {}", c.conditions.join(" and "))
                    }
                    crate::report::Status::Disproved => "disproved (counterexample checked)".into(),
                    crate::report::Status::Undecided => "undecided (nothing to check)".into(),
                };
                let _ = writeln!(out, "line {}: {}: {how}", c.line, c.claim);
            }
            let _ = writeln!(out, "certificate valid: {n} verdicts checked");
            if problem.is_none() {
                let _ = writeln!(
                    out,
                    "(checked against the certificate's own statement only; give --problem FILE to check it is about your file)"
                );
            }
            0
        }
        Err(e @ CheckError::Malformed(_)) => usage(&e.to_string()),
        Err(e) => {
            let _ = writeln!(out, "certificate invalid: {e}");
            1
        }
    }
}

fn derive_command(
    what: &str,
    classes: usize,
    wrt: &[String],
    output: Option<&str>,
    format: TranscriptFormat,
    limits: &Limits,
    out: &mut impl Write,
) -> u8 {
    let (text, name, title) = if what == "softmax-with-loss" {
        (
            softmax_with_loss(classes),
            "<softmax-with-loss>".to_string(),
            format!("Softmax-with-Loss, {classes} classes: the backward pass node by node"),
        )
    } else {
        match read_input(&PathBuf::from(what)) {
            Ok((t, n)) => {
                let title = format!("{n}: the backward pass node by node");
                (t, n, title)
            }
            Err(e) => return usage(&e),
        }
    };
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
        let concrete = match crate::unroll::unroll_to_text(&problem, classes) {
            Ok(t) => t,
            Err(e) => return usage(&e),
        };
        if !problem.claims.is_empty() {
            general_text = Some(text.clone());
        }
        problem = match parse_problem(&concrete) {
            Ok(p) => p,
            Err(e) => return usage(&format!("the problem at {classes} classes: {e}")),
        };
        title = format!("{name} at {classes} classes: the backward pass node by node");
    }
    // The file's claims `d(NAME, X) = …` say what to walk, unless told otherwise.
    let claimed: Vec<(String, String)> = problem
        .claims
        .iter()
        .filter_map(|c| match c.lhs.as_ref().last() {
            Some(crate::language::Math::D([f, x])) => Some((
                crate::print::infix_at(&c.lhs, *f),
                crate::print::infix_at(&c.lhs, *x),
            )),
            _ => None,
        })
        .collect();
    let Some(output) = output
        .map(str::to_string)
        .or_else(|| claimed.first().map(|(f, _)| f.clone()))
        .or_else(|| problem.definitions.last().map(|d| d.name.to_string()))
    else {
        return usage("the problem defines nothing to differentiate; pass --output");
    };
    let inputs: Vec<String> = if wrt.is_empty() {
        let defs = crate::prove::definitions(&problem);
        let mut vars = std::collections::BTreeSet::new();
        for d in &problem.definitions {
            for n in d.expr.as_ref() {
                if let crate::language::Math::Var(s) = n {
                    if !defs.contains_key(s) && s.as_str().starts_with('a') {
                        vars.insert(s.to_string());
                    }
                }
            }
        }
        let mut v: Vec<String> = claimed
            .iter()
            .filter(|(f, _)| *f == output)
            .map(|(_, x)| x.clone())
            .collect();
        v.dedup();
        if v.is_empty() {
            v = vars.into_iter().collect();
            v.sort_by(|a, b| crate::algebra::natural_cmp(a, b));
        }
        v
    } else {
        wrt.to_vec()
    };
    if inputs.is_empty() {
        return usage(&format!(
            "`{output}` has no input to walk: pass --wrt, or add a claim `prove d({output}, x) = …`"
        ));
    }
    match crate::transcript::derive_within(&problem, &output, &inputs, &title, limits) {
        Ok(mut t) => {
            if what == "softmax-with-loss" {
                general_text = Some(crate::examples::softmax_with_loss_n());
            }
            if let Some(general) = general_text {
                match crate::transcript::general_case_within(&general, limits) {
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

fn usage(message: &str) -> u8 {
    eprintln!("error: {message}");
    EXIT_INPUT
}

fn read_input(file: &PathBuf) -> Result<(String, String), String> {
    if file.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        return Ok((s, "<stdin>".into()));
    }
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let text =
        String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", file.display()))?;
    Ok((text, file.display().to_string()))
}

fn prove_text(text: &str, name: &str, format: Format, limits: &Limits, out: &mut impl Write) -> u8 {
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
    report.exit_code()
}

fn diff_command(
    expr: &str,
    wrt: &str,
    lets: &[String],
    limits: &Limits,
    out: &mut impl Write,
) -> u8 {
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
    match crate::prove::differentiate_by(&term, &var, &defs, limits) {
        Ok(d) => {
            let _ = writeln!(out, "{d}");
            0
        }
        Err(reason) => {
            eprintln!("undecided: {reason}");
            3
        }
    }
}

/// `error: ...` with the source line and a caret under the offending span.
pub fn render_error(e: &Error, source: &str, name: &str) -> String {
    let (line, column, width) = e.location();
    let text = crate::parse::source_lines(source)
        .nth(line.saturating_sub(1))
        .unwrap_or("");
    // Invisible characters are shown as one visible character each, so the caret still fits.
    let text: String = text
        .chars()
        .map(|c| {
            if crate::parse::is_invisible(c) {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect();
    let gutter = line.to_string().len();
    format!(
        "error: {e}\n{:gutter$}--> {name}:{line}:{column}\n{:gutter$} |\n{line} | {text}\n{:gutter$} | {}{}\n",
        "",
        "",
        "",
        " ".repeat(column.saturating_sub(1)),
        "^".repeat(width.max(1)),
    )
}
