//! The command line: clap types, dispatch, reading input and exit codes;
//! each command in its own file (`prove`, `derive`, `check`), input errors
//! rendered in `errors`. No maths.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};
use egg::Symbol;

use crate::examples::softmax_with_loss;
use crate::parse::parse_problem;
use crate::prove::{prove_problem, Limits};
use crate::render::{render, Format, TranscriptFormat};

mod check;
mod derive;
mod errors;
mod prove;

use check::check_command;
use derive::derive_command;
pub use errors::render_error;
use prove::{diff_command, prove_text};

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
        /// Number of classes, for `softmax-with-loss` and problems with indexed families (2 to 1000); every declared size (`index i in 1..m`) takes it too.
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
        /// Seconds allowed for the whole check; past them it ends undecided (exit 3).
        #[arg(long, default_value_t = 60.0)]
        timeout: f64,
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
    /// Print a built-in problem file (`--list` names them).
    Example {
        /// Which example.
        #[arg(required_unless_present = "list")]
        name: Option<String>,
        /// List the built-in examples.
        #[arg(long)]
        list: bool,
        /// Number of classes (2 to 1000).
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(2..=MAX_CLASSES as i64))]
        classes: u32,
    },
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
        Some(Command::Check {
            file,
            problem,
            timeout,
        }) => {
            if !(timeout.is_finite() && timeout > 0.0) {
                return usage("--timeout must be a positive number of seconds");
            }
            let timeout = Duration::from_secs_f64(timeout.min(1e6));
            check_command(&file, problem.as_deref(), timeout, &mut out)
        }
        Some(Command::Example {
            name,
            list,
            classes,
        }) => {
            if list {
                for (name, what, _) in crate::examples::EXAMPLES {
                    let _ = writeln!(out, "{name:<22}{what}");
                }
                return 0;
            }
            let name = name.unwrap_or_default();
            match crate::examples::example(&name, classes as usize) {
                Some(text) => {
                    let _ = out.write_all(text.as_bytes());
                    0
                }
                None => {
                    let names: Vec<&str> = crate::examples::EXAMPLES.iter().map(|e| e.0).collect();
                    usage(&format!(
                        "unknown example `{name}`; expected one of {}",
                        names.join(", ")
                    ))
                }
            }
        }
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
