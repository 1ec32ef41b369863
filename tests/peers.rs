//! The peer scripts of `bench/peers.py` decide for real: every system present
//! (backprove, SymPy, SymEngine, Maxima, Giac) verifies the Softmax-with-Loss
//! gradient and refutes the wrong claim and the claim without its assumption.
//! Systems that are not installed are skipped with a message; without
//! `python3` the whole test is skipped (CI installs no peers).

use std::process::Command;

#[test]
fn every_peer_script_verifies_the_identity_and_refuses_the_wrong_ones() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/peers.py");
    let Ok(out) = Command::new("python3")
        .arg(script)
        .args(["--check", "4", "--binary", env!("CARGO_BIN_EXE_backprove")])
        .output()
    else {
        eprintln!("SKIP: python3 is not installed, so bench/peers.py cannot run");
        return;
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}");
    assert!(out.status.success(), "{stdout}\n{stderr}");
    // backprove itself always runs; its three answers are checked like the peers'.
    for claim in ["true: verified", "wrong: refuted", "no assumption: refuted"] {
        assert!(
            stdout.contains(&format!("ok backprove n = 4 {claim}")),
            "{stdout}"
        );
    }
    assert!(!stdout.contains("WRONG"), "{stdout}");
}
