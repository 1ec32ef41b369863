//! The `backprove` binary: parse arguments, run, map the result to an exit code.

use std::process::ExitCode;

use clap::Parser;

// The prover allocates many small terms, polynomials and strings; mimalloc
// serves them with far fewer instructions than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = backprove::Cli::parse();
    ExitCode::from(backprove::run(cli))
}
