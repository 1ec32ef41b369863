//! The `backprove` binary: parse arguments, run, map the result to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = backprove::Cli::parse();
    ExitCode::from(backprove::run(cli))
}
