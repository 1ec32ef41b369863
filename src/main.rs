//! The `backprove` binary: parse arguments, run, map the result to an exit code.

use std::process::ExitCode;

use clap::Parser;

// The prover allocates many small terms, polynomials and strings; mimalloc
// serves them with far fewer instructions than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Every stage reads a name through its definition, so a chain of
    // definitions (up to `MAX_DEFINITION_DEPTH`) is a depth of recursion:
    // the work runs on a thread with room for it (reserved, not committed),
    // or here when no such thread can be had.
    let run = || backprove::run(backprove::Cli::parse());
    let code = match std::thread::Builder::new().stack_size(512 << 20).spawn(run) {
        // A panic has printed its message; 101 is Rust's exit code for one.
        Ok(worker) => worker.join().unwrap_or(101),
        Err(_) => run(),
    };
    ExitCode::from(code)
}
