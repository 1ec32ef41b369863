//! The `backprove` binary: parse arguments, run, map the result to an exit code.

use std::process::ExitCode;

use clap::Parser;

// The prover allocates many small terms, polynomials and strings; mimalloc
// serves them with far fewer instructions than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // The work runs on the workers (`backprove::workers`), whose stacks
    // have room for deep definitions. A panic has printed its message;
    // 101 is Rust's exit code for one.
    let run = || backprove::run(backprove::Cli::parse());
    let code = std::panic::catch_unwind(|| backprove::workers::run(run)).unwrap_or(101);
    ExitCode::from(code)
}
