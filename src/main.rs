//! The `backprove` binary: parse arguments, run, map the result to an exit code.

use std::process::ExitCode;

use clap::Parser;

// The prover allocates many small terms, polynomials and strings; mimalloc
// serves them with far fewer instructions than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = backprove::Cli::parse();
    // Every stage reads a name through its definition, so a chain of
    // definitions (up to `MAX_DEFINITION_DEPTH`) is a depth of recursion:
    // the work runs on a thread with room for it (reserved, not committed).
    let worker = std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(move || backprove::run(cli));
    match worker.map(|w| w.join()) {
        Ok(Ok(code)) => ExitCode::from(code),
        // A panic has printed its message; 101 is Rust's exit code for one.
        _ => ExitCode::from(101),
    }
}
