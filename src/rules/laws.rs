//! The definitions of the built-in functions as data: each law of
//! [`FUNCTION_LAWS`] is one or two rows `lhs => rhs` in egg's s-expression
//! syntax over `?u` and `?v`. The kernel rewrites a function by its row
//! when a step names the law; `tests/rules.rs` evaluates every row on both
//! sides of 0 and checks that each row is the equation the law's text
//! states. Owns no differentiation rule (`diff`) and no arithmetic.

/// One row of a function's definition: `lhs = rhs` under the law `law`.
#[derive(Debug, Clone, Copy)]
pub struct Definition {
    /// The law's name (`tanh-exp`), as steps cite it.
    pub law: &'static str,
    /// The function at `?u` (and `?v`).
    pub lhs: &'static str,
    /// What it is by definition.
    pub rhs: &'static str,
}

const fn row(law: &'static str, lhs: &'static str, rhs: &'static str) -> Definition {
    Definition { law, lhs, rhs }
}

/// Every row, in the order of [`FUNCTION_LAWS`].
pub const FUNCTION_DEFINITIONS: &[Definition] = &[
    row("sigmoid-exp", "(sigmoid ?u)", "(/ 1 (+ 1 (exp (neg ?u))))"),
    row("tanh-exp", "(tanh ?u)", "(- 1 (/ 2 (+ (exp (* 2 ?u)) 1)))"),
    row("softplus-exp", "(softplus ?u)", "(log (+ 1 (exp ?u)))"),
    row("relu-step", "(relu ?u)", "(* ?u (step ?u))"),
    row("abs-step", "(abs ?u)", "(* ?u (- (* 2 (step ?u)) 1))"),
    row(
        "max-min-step",
        "(max ?u ?v)",
        "(+ ?v (* (- ?u ?v) (step (- ?u ?v))))",
    ),
    row(
        "max-min-step",
        "(min ?u ?v)",
        "(- ?u (* (- ?u ?v) (step (- ?u ?v))))",
    ),
];

/// The built-in functions' laws as steps cite them: the definitions above in
/// input syntax, and `sin-cos-square`, which the kernel applies to powers of
/// `cos` (no row: it rewrites `cos(u)^e`, not `cos(u)`).
pub const FUNCTION_LAWS: &[(&str, &str)] = &[
    ("sigmoid-exp", "sigmoid(u) = 1/(1 + exp(-u))"),
    ("tanh-exp", "tanh(u) = 1 - 2/(exp(2*u) + 1)"),
    ("softplus-exp", "softplus(u) = log(1 + exp(u))"),
    ("relu-step", "relu(u) = u*step(u)"),
    ("abs-step", "abs(u) = u*(2*step(u) - 1)"),
    (
        "max-min-step",
        "max(u, v) = v + (u - v)*step(u - v), min(u, v) = u - (u - v)*step(u - v)",
    ),
    ("sin-cos-square", "cos(u)^2 = 1 - sin(u)^2"),
];
