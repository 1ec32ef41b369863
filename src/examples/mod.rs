//! Built-in problems: the layer library (`backprove example --list`), each a
//! problem file kept as data in `problems/`, and the Softmax-with-Loss layer
//! generated for a given number of classes. Owns no proving.

/// The layer library: name, what it is, and the problem file. Every entry is
/// proved by `prove` and walked by `derive` (checked in `tests/examples.rs`).
pub const EXAMPLES: &[(&str, &str, &str)] = &[
    (
        "affine",
        "the Affine layer, m inputs and n outputs",
        include_str!("problems/affine.txt"),
    ),
    ("relu", "ReLU", include_str!("problems/relu.txt")),
    ("sigmoid", "sigmoid", include_str!("problems/sigmoid.txt")),
    ("tanh", "tanh", include_str!("problems/tanh.txt")),
    (
        "softplus",
        "softplus",
        include_str!("problems/softplus.txt"),
    ),
    ("gelu", "GELU, tanh form", include_str!("problems/gelu.txt")),
    (
        "sigmoid-with-loss",
        "sigmoid with binary cross-entropy",
        include_str!("problems/sigmoid-with-loss.txt"),
    ),
    (
        "softmax-with-loss",
        "Softmax-with-Loss, --classes classes",
        "",
    ),
    ("softmax-with-loss-n", "Softmax-with-Loss, every n", ""),
    (
        "softmax-temperature",
        "softmax with temperature and cross-entropy",
        include_str!("problems/softmax-temperature.txt"),
    ),
    (
        "label-smoothing",
        "label-smoothed cross-entropy",
        include_str!("problems/label-smoothing.txt"),
    ),
    (
        "log-softmax",
        "log-softmax",
        include_str!("problems/log-softmax.txt"),
    ),
    (
        "log-sum-exp",
        "log-sum-exp",
        include_str!("problems/log-sum-exp.txt"),
    ),
    (
        "mean-squared-error",
        "mean squared error",
        include_str!("problems/mean-squared-error.txt"),
    ),
    (
        "dropout",
        "inverted dropout with a fixed mask",
        include_str!("problems/dropout.txt"),
    ),
    (
        "batch-normalization",
        "batch normalization (layer normalization over features)",
        include_str!("problems/batch-normalization.txt"),
    ),
    (
        "rms-normalization",
        "RMS normalization",
        include_str!("problems/rms-normalization.txt"),
    ),
    (
        "attention-scores",
        "softmax of attention scores q·K[j]/c",
        include_str!("problems/attention-scores.txt"),
    ),
];

/// The problem file of the built-in example `name` (`classes` for the
/// generated Softmax-with-Loss), or `None` for an unknown name.
///
/// ```
/// let text = backprove::example("relu", 3).unwrap();
/// assert!(text.contains("prove d(L, x) = g*step(x)"));
/// assert!(backprove::example("no-such-layer", 3).is_none());
/// ```
pub fn example(name: &str, classes: usize) -> Option<String> {
    match name {
        "softmax-with-loss" => Some(softmax_with_loss(classes)),
        "softmax-with-loss-n" => Some(softmax_with_loss_n()),
        _ => EXAMPLES
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, _, text)| text.to_string()),
    }
}

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
