//! Benchmarks of the engine on Softmax-with-Loss (run with `cargo bench`).
//! Inputs are what `backprove example softmax-with-loss --classes N` prints.

use backprove::{derive, parse_problem, prove_problem, softmax_with_loss, Limits, Problem};

fn main() {
    divan::main();
}

/// The n-class problem with only the claim for class 1.
fn one_claim(n: usize) -> Problem {
    let text: String = softmax_with_loss(n)
        .lines()
        .filter(|l| !l.starts_with("prove") || l.starts_with("prove d(L, a1)"))
        .map(|l| format!("{l}\n"))
        .collect();
    parse_problem(&text).unwrap()
}

/// Deciding `d(L, a1) = y1 - t1` (differentiate, normal forms, spot checks, self-check).
#[divan::bench(args = [3, 10, 100, 300, 1000], sample_count = 5)]
fn prove_one_claim(bencher: divan::Bencher, n: usize) {
    let problem = one_claim(n);
    bencher.bench(|| prove_problem(&problem, &Limits::default()));
}

/// Deciding the claim for every class: claim by claim (on all cores) below
/// `rollup::ROLL_UP_FROM` (4) classes, from there on as instances of the
/// template proved once for every n.
#[divan::bench(args = [3, 10, 100, 300, 1000], sample_count = 3)]
fn prove_all_claims(bencher: divan::Bencher, n: usize) {
    let problem = parse_problem(&softmax_with_loss(n)).unwrap();
    bencher.bench(|| prove_problem(&problem, &Limits::default()));
}

/// Refuting the wrong claim `d(L, a1) = y1 + t1`, with a counterexample
/// at the problem's own number of classes.
#[divan::bench(args = [3, 10, 100, 300, 1000], sample_count = 5)]
fn refute_wrong_claim(bencher: divan::Bencher, n: usize) {
    let text: String = softmax_with_loss(n)
        .lines()
        .filter(|l| !l.starts_with("prove"))
        .map(|l| format!("{l}\n"))
        .collect();
    let problem = parse_problem(&format!("{text}prove d(L, a1) = y1 + t1\n")).unwrap();
    bencher.bench(|| prove_problem(&problem, &Limits::default()));
}

/// The whole textbook walk, every step proved.
#[divan::bench(args = [3, 10, 30, 100, 300, 1000], sample_count = 3)]
fn derive_transcript(bencher: divan::Bencher, n: usize) {
    let problem = parse_problem(&softmax_with_loss(n)).unwrap();
    let inputs: Vec<String> = (1..=n).map(|k| format!("a{k}")).collect();
    bencher.bench(|| derive(&problem, "L", &inputs, "bench").unwrap());
}

/// The proof for every number of classes at once (`softmax-with-loss-n`):
/// differentiate with sums, the `sum-*` rules, the assumption, spot checks
/// at n = 1, 2, 3, and the checker's self-check.
#[divan::bench(sample_count = 20)]
fn prove_every_n(bencher: divan::Bencher) {
    let problem = parse_problem(&backprove::softmax_with_loss_n()).unwrap();
    bencher.bench(|| prove_problem(&problem, &Limits::default()));
}

/// The Hessian `d(d(L, a[k]), a[m])` for every number of classes.
#[divan::bench(sample_count = 10)]
fn prove_hessian_every_n(bencher: divan::Bencher) {
    let text = backprove::softmax_with_loss_n().replace(
        "prove d(L, a[k]) = y[k] - t[k]",
        "prove d(d(L, a[k]), a[m]) = y[k]*(delta(k, m) - y[m])",
    );
    let problem = parse_problem(&text).unwrap();
    bencher.bench(|| prove_problem(&problem, &Limits::default()));
}
