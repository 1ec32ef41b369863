//! Built-in problems: the Softmax-with-Loss layer for a given number of
//! classes, and for every number of classes at once.

/// The Softmax-with-Loss problem file for `n` classes, with one claim per class.
///
/// ```
/// let text = backprove::softmax_with_loss(2);
/// assert!(text.contains("prove d(L, a2) = y2 - t2"));
/// ```
pub fn softmax_with_loss(n: usize) -> String {
    let ks = 1..=n;
    let join =
        |f: &dyn Fn(usize) -> String, sep: &str| ks.clone().map(f).collect::<Vec<_>>().join(sep);
    let mut out = format!("# Softmax-with-Loss, {n} classes\n");
    out += &format!("let S = {}\n", join(&|k| format!("exp(a{k})"), " + "));
    for k in 1..=n {
        out += &format!("let y{k} = exp(a{k}) / S\n");
    }
    out += &format!(
        "let L = -({})\n",
        join(&|k| format!("t{k}*log(y{k})"), " + ")
    );
    out += &format!("assume {} = 1\n", join(&|k| format!("t{k}"), " + "));
    for k in 1..=n {
        out += &format!("prove d(L, a{k}) = y{k} - t{k}\n");
    }
    out += &format!(
        "layer Softmax = S, {}\nlayer Cross Entropy Error = L\n",
        join(&|k| format!("y{k}"), ", ")
    );
    out
}

/// The Softmax-with-Loss problem for every number of classes `n`: indexed
/// families, sums over the classes and one claim for a symbolic class `k`.
///
/// ```
/// let p = backprove::parse_problem(&backprove::softmax_with_loss_n()).unwrap();
/// assert_eq!(p.claims.len(), 1);
/// ```
pub fn softmax_with_loss_n() -> String {
    "# Softmax-with-Loss, every number of classes n
let S = sum(i, exp(a[i]))
let y[j] = exp(a[j]) / S
let L = -sum(j, t[j] * log(y[j]))
assume sum(j, t[j]) = 1
prove d(L, a[k]) = y[k] - t[k]
layer Softmax = S, y
layer Cross Entropy Error = L
"
    .to_string()
}
