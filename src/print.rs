//! Terms back to input syntax, with the fewest parentheses that re-parse to
//! the same term. Owns printing only.

use egg::{Id, Language, RecExpr};

use crate::language::Math;

/// Binding strength: sums 1, products 2, unary minus 3, powers 4, atoms 5.
pub(crate) fn precedence(node: &Math) -> u8 {
    match node {
        Math::Add(_) | Math::Sub(_) => 1,
        Math::Mul(_) | Math::Div(_) => 2,
        Math::Neg(_) => 3,
        // A fraction prints as a quotient (`-1/2` too), so it binds like one:
        // `x/(-1/2)`, never `x/-1/2`, which reads as `(x/-1)/2`.
        Math::Num(c) if !c.is_integer() => 2,
        Math::Num(c) if c.is_negative() => 3,
        Math::Pow(_) => 4,
        _ => 5,
    }
}

/// Prints the whole term in input syntax.
///
/// ```
/// let e: egg::RecExpr<backprove::Math> = "(neg (^ x 2))".parse().unwrap();
/// assert_eq!(backprove::to_infix(&e), "-x^2");
/// ```
pub fn to_infix(expr: &RecExpr<Math>) -> String {
    let nodes = expr.as_ref();
    if nodes.is_empty() {
        return String::new();
    }
    infix_at(expr, Id::from(nodes.len() - 1))
}

/// Prints the subterm rooted at `id`, into one buffer with an explicit stack:
/// linear in the output, and deep terms need no recursion.
pub fn infix_at(expr: &RecExpr<Math>, id: Id) -> String {
    enum Item {
        Node(Id, u8),
        Text(&'static str),
    }
    let mut out = String::new();
    let mut stack = vec![Item::Node(id, 0)];
    while let Some(item) = stack.pop() {
        let (id, min) = match item {
            Item::Text(t) => {
                out.push_str(t);
                continue;
            }
            Item::Node(id, min) => (id, min),
        };
        let node = &expr[id];
        if precedence(node) < min {
            out.push('(');
            stack.push(Item::Text(")"));
        }
        if node.is_function() {
            out.push_str(&node.to_string());
            out.push('(');
            stack.push(Item::Text(")"));
            for (i, c) in node.children().iter().enumerate().rev() {
                stack.push(Item::Node(*c, 0));
                if i > 0 {
                    stack.push(Item::Text(", "));
                }
            }
            continue;
        }
        let (open, parts): (&str, [Option<Item>; 3]) = match node {
            Math::Num(c) => {
                out.push_str(&c.to_string());
                continue;
            }
            Math::Var(v) => {
                out.push_str(v.as_str());
                continue;
            }
            Math::Add([a, b]) => (
                "",
                [
                    Some(Item::Node(*a, 1)),
                    Some(Item::Text(" + ")),
                    Some(Item::Node(*b, 2)),
                ],
            ),
            Math::Sub([a, b]) => (
                "",
                [
                    Some(Item::Node(*a, 1)),
                    Some(Item::Text(" - ")),
                    Some(Item::Node(*b, 2)),
                ],
            ),
            Math::Mul([a, b]) => (
                "",
                [
                    Some(Item::Node(*a, 2)),
                    Some(Item::Text("*")),
                    // `x*(-1)`, never `x*-1`, as a textbook writes it.
                    Some(Item::Node(*b, 4)),
                ],
            ),
            Math::Div([a, b]) => (
                "",
                [
                    Some(Item::Node(*a, 2)),
                    Some(Item::Text("/")),
                    Some(Item::Node(*b, 4)),
                ],
            ),
            Math::Pow([a, b]) => (
                "",
                [
                    Some(Item::Node(*a, 5)),
                    Some(Item::Text("^")),
                    Some(Item::Node(*b, 3)),
                ],
            ),
            Math::Neg(a) => ("-", [Some(Item::Node(*a, 3)), None, None]),
            Math::Exp(a) => (
                "exp(",
                [Some(Item::Node(*a, 0)), Some(Item::Text(")")), None],
            ),
            Math::Log(a) => (
                "log(",
                [Some(Item::Node(*a, 0)), Some(Item::Text(")")), None],
            ),
            Math::Sqrt(a) => (
                "sqrt(",
                [Some(Item::Node(*a, 0)), Some(Item::Text(")")), None],
            ),
            Math::Idx(c) => {
                // `W[i, j]`: the family, `[`, the indices with `, ` between.
                stack.push(Item::Text("]"));
                for (k, j) in c[1..].iter().enumerate().rev() {
                    stack.push(Item::Node(*j, 0));
                    if k > 0 {
                        stack.push(Item::Text(", "));
                    }
                }
                stack.push(Item::Text("["));
                stack.push(Item::Node(c[0], 0));
                continue;
            }
            Math::Sum([j, body]) | Math::Lambda([j, body]) => {
                stack.push(Item::Text(")"));
                (
                    if matches!(node, Math::Sum(_)) {
                        "sum("
                    } else {
                        "lambda("
                    },
                    [
                        Some(Item::Node(*j, 0)),
                        Some(Item::Text(", ")),
                        Some(Item::Node(*body, 0)),
                    ],
                )
            }
            Math::Delta([j, k]) => {
                stack.push(Item::Text(")"));
                (
                    "delta(",
                    [
                        Some(Item::Node(*j, 0)),
                        Some(Item::Text(", ")),
                        Some(Item::Node(*k, 0)),
                    ],
                )
            }
            Math::D([f, x]) => {
                stack.push(Item::Text(")"));
                (
                    "d(",
                    [
                        Some(Item::Node(*f, 0)),
                        Some(Item::Text(", ")),
                        Some(Item::Node(*x, 0)),
                    ],
                )
            }
            // The built-in functions, printed above.
            _ => continue,
        };
        out.push_str(open);
        stack.extend(parts.into_iter().rev().flatten());
    }
    out
}

thread_local! {
    /// The index ranges LaTeX sums are printed with (their upper limits).
    static LATEX_RANGES: std::cell::RefCell<crate::language::Ranges> = Default::default();
}

/// Runs `f` with LaTeX sums printed over `ranges` (`\sum_{i=1}^{m}` for an
/// index declared `in 1..m`); outside it every sum runs to `n`. The renderers
/// of a transcript or report with declared ranges print through this.
pub fn with_latex_ranges<T>(ranges: &crate::language::Ranges, f: impl FnOnce() -> T) -> T {
    let before = LATEX_RANGES.with(|r| r.replace(ranges.clone()));
    let out = f();
    LATEX_RANGES.with(|r| r.replace(before));
    out
}

/// Prints the whole term as LaTeX math (no surrounding `$`).
///
/// ```
/// let e: egg::RecExpr<backprove::Math> = "(/ (exp a1) S)".parse().unwrap();
/// assert_eq!(backprove::to_latex(&e), "\\frac{\\exp\\left(a_{1}\\right)}{S}");
/// ```
pub fn to_latex(expr: &RecExpr<Math>) -> String {
    latex_nodes(expr).pop().unwrap_or_default()
}

/// Every node of the term as LaTeX math, in node order (the last is the whole
/// term): the pieces a renderer that breaks long formulas reuses.
pub fn latex_nodes(expr: &RecExpr<Math>) -> Vec<String> {
    let nodes = expr.as_ref();
    let mut text: Vec<String> = Vec::with_capacity(nodes.len());
    for node in nodes {
        let get = |c: &Id| text[usize::from(*c)].clone();
        let wrap = |c: &Id, min: u8| {
            let s = get(c);
            if precedence(&nodes[usize::from(*c)]) < min {
                format!("\\left({s}\\right)")
            } else {
                s
            }
        };
        // A sum inside a sum or product is bracketed, so no term after it
        // reads as part of it: `y_k \left(\sum_j t_j\right) - t_k`.
        let operand = |c: &Id, min: u8| {
            if matches!(nodes[usize::from(*c)], Math::Sum(_)) {
                format!("\\left({}\\right)", get(c))
            } else {
                wrap(c, min)
            }
        };
        let s = match node {
            Math::Num(c) if c.is_integer() => c.to_string(),
            Math::Num(c) => {
                let sign = if c.is_negative() { "-" } else { "" };
                let a = num_traits::Signed::abs(&c.0);
                format!("{sign}\\frac{{{}}}{{{}}}", a.numer(), a.denom())
            }
            Math::Var(v) => latex_name(v.as_str()),
            Math::Add([a, b]) => format!("{} + {}", operand(a, 1), operand(b, 2)),
            Math::Sub([a, b]) => format!("{} - {}", operand(a, 1), operand(b, 2)),
            Math::Mul([a, b]) => format!("{} \\, {}", operand(a, 2), operand(b, 4)),
            Math::Div([a, b]) => format!("\\frac{{{}}}{{{}}}", get(a), get(b)),
            // A sum to a power is bracketed: `\left(\sum_j x_j\right)^{2}`.
            Math::Pow([a, b]) => format!("{{{}}}^{{{}}}", operand(a, 5), get(b)),
            Math::Neg(a) => format!("-{}", wrap(a, 3)),
            Math::Exp(a) => format!("\\exp\\left({}\\right)", get(a)),
            Math::Log(a) => format!("\\log\\left({}\\right)", get(a)),
            Math::Sqrt(a) => format!("\\sqrt{{{}}}", get(a)),
            Math::Idx(c) => {
                let indices: Vec<String> = c[1..].iter().map(get).collect();
                format!("{}_{{{}}}", get(&c[0]), indices.join(" "))
            }
            // Sums run over their index's range: `j = 1..n`, or `i = 1..m` when declared.
            Math::Sum([j, body]) => {
                let size = match &expr[*j] {
                    Math::Var(s) => LATEX_RANGES.with(|r| r.borrow().size_of(*s)),
                    _ => egg::Symbol::from(crate::language::CLASSES),
                };
                format!("\\sum_{{{}=1}}^{{{size}}} {}", get(j), wrap(body, 2))
            }
            Math::Lambda([_, body]) => get(body),
            Math::Delta([j, k]) => format!("\\delta_{{{} {}}}", get(j), get(k)),
            Math::D([f, x]) => format!(
                "\\frac{{\\partial}}{{\\partial {}}}\\left({}\\right)",
                get(x),
                get(f)
            ),
            f => {
                let name = match f {
                    Math::Tanh(_) => "\\tanh".to_string(),
                    Math::Sin(_) => "\\sin".to_string(),
                    Math::Cos(_) => "\\cos".to_string(),
                    Math::Max(_) => "\\max".to_string(),
                    Math::Min(_) => "\\min".to_string(),
                    Math::Sigmoid(_) => "\\sigma".to_string(),
                    other => format!("\\operatorname{{{other}}}"),
                };
                let args: Vec<String> = f.children().iter().map(get).collect();
                format!("{name}\\left({}\\right)", args.join(", "))
            }
        };
        text.push(s);
    }
    text
}

/// `a1` as `a_{1}`, `a_1` as `a_{1}`, `T` as `T`.
fn latex_name(name: &str) -> String {
    let (stem, sub) = match name.split_once('_') {
        Some((s, sub)) => (s.to_string(), sub.to_string()),
        None => {
            let split = name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
            (name[..split].to_string(), name[split..].to_string())
        }
    };
    let stem = if stem.chars().count() > 1 {
        format!("\\mathit{{{stem}}}")
    } else {
        stem
    };
    if sub.is_empty() {
        stem
    } else {
        format!("{stem}_{{{}}}", sub.replace('_', "\\_"))
    }
}
