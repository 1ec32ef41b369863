//! Shared test helpers: insta settings bound once, a plain f64 evaluator that
//! differentiates by central differences (independent of backprove's rules),
//! a program run with its standard input.
#![allow(dead_code)]

use std::collections::BTreeMap;

use backprove::Math;
use egg::{Id, RecExpr};

/// insta settings: snapshots in the top-level `snapshots/`, described by the input.
pub fn settings(description: &str) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
    s.set_prepend_module_to_snapshot(true);
    s.set_description(description);
    s.set_omit_expression(true);
    s
}

/// Evaluates `expr` at `point` in f64; `d(f, x)` by a central difference.
/// `None` where undefined or not finite.
pub fn eval(expr: &RecExpr<Math>, point: &BTreeMap<String, f64>) -> Option<f64> {
    eval_at(expr, Id::from(expr.as_ref().len() - 1), point, &Defs::new())
}

/// Definitions by name, for [`eval_with`].
pub type Defs = BTreeMap<String, RecExpr<Math>>;

/// [`eval`] where `let` names (with or without an index) are evaluated from `defs`.
pub fn eval_with(expr: &RecExpr<Math>, defs: &Defs, point: &BTreeMap<String, f64>) -> Option<f64> {
    eval_at(expr, Id::from(expr.as_ref().len() - 1), point, defs)
}

/// The definitions of `problem` by name.
pub fn defs_of(problem: &backprove::Problem) -> Defs {
    problem
        .definitions
        .iter()
        .map(|d| (d.name.to_string(), d.expr.clone()))
        .collect()
}

fn eval_at(
    expr: &RecExpr<Math>,
    id: Id,
    point: &BTreeMap<String, f64>,
    defs: &Defs,
) -> Option<f64> {
    let get = |c: &Id| eval_at(expr, *c, point, defs);
    let v = match &expr[id] {
        Math::Num(c) => num_traits::ToPrimitive::to_f64(&c.0)?,
        Math::Var(s) => match defs.get(s.as_str()) {
            Some(def) => eval_with(def, defs, point)?,
            None => *point.get(s.as_str())?,
        },
        // `y[k]` of `let y[j] = body`: the body with `j` valued as `k` is.
        Math::Idx(c)
            if c.len() == 2
                && matches!(&expr[c[0]], Math::Var(y) if defs.contains_key(y.as_str())) =>
        {
            let (a, j) = (&c[0], &c[1]);
            let Math::Var(y) = &expr[*a] else { return None };
            let def = &defs[y.as_str()];
            let Math::Lambda([param, body]) = def[Id::from(def.as_ref().len() - 1)] else {
                return None;
            };
            let Math::Var(param) = &def[param] else {
                return None;
            };
            let mut p = point.clone();
            p.insert(param.to_string(), index(expr, *j, point)? as f64);
            eval_at(def, body, &p, defs)?
        }
        Math::Add([a, b]) => get(a)? + get(b)?,
        Math::Sub([a, b]) => get(a)? - get(b)?,
        Math::Mul([a, b]) => get(a)? * get(b)?,
        Math::Div([a, b]) => {
            let d = get(b)?;
            if d.abs() < 1e-9 {
                return None;
            }
            get(a)? / d
        }
        Math::Pow([a, b]) => {
            let (x, e) = (get(a)?, get(b)?);
            if e.fract() != 0.0 && x <= 0.0 {
                return None;
            }
            if x == 0.0 && e < 0.0 {
                return None;
            }
            x.powf(e)
        }
        Math::Neg(a) => -get(a)?,
        Math::Exp(a) => get(a)?.exp(),
        Math::Log(a) => {
            let x = get(a)?;
            if x <= 1e-9 {
                return None;
            }
            x.ln()
        }
        Math::Sqrt(a) => {
            let x = get(a)?;
            if x < 1e-9 {
                return None;
            }
            x.sqrt()
        }
        // Indices are point entries too (`k` = 2); `a[k]` is the entry `a[2]`;
        // `n` is the number of classes.
        Math::Idx(c) => *point.get(&element(expr, c, point)?)?,
        Math::Delta([j, k]) => {
            let (j, k) = (index(expr, *j, point)?, index(expr, *k, point)?);
            f64::from(u8::from(j == k))
        }
        Math::Sum([j, body]) => {
            let Math::Var(j) = &expr[*j] else { return None };
            // The size of `j`'s range: `size of i` for a declared range, else `n`.
            let size = format!("size of {}", backprove::index::stem(*j));
            let n = *point.get(&size).or_else(|| point.get("n"))? as usize;
            let mut p = point.clone();
            let mut total = 0.0;
            for i in 1..=n {
                p.insert(j.to_string(), i as f64);
                total += eval_at(expr, *body, &p, defs)?;
            }
            total
        }
        Math::Lambda(_) => return None,
        Math::Tanh(a) => get(a)?.tanh(),
        Math::Sigmoid(a) => 1.0 / (1.0 + (-get(a)?).exp()),
        Math::Softplus(a) => get(a)?.exp().ln_1p(),
        Math::Sin(a) => get(a)?.sin(),
        Math::Cos(a) => get(a)?.cos(),
        // Too near a kink the central difference below is wrong, so the
        // piecewise functions are left undefined there (as the rules are at it).
        Math::Relu(a) => kinked(get(a)?)?.max(0.0),
        Math::Abs(a) => kinked(get(a)?)?.abs(),
        Math::Step(a) => f64::from(u8::from(kinked(get(a)?)? > 0.0)),
        Math::Max([a, b]) => {
            let (a, b) = (get(a)?, get(b)?);
            kinked(a - b)?;
            a.max(b)
        }
        Math::Min([a, b]) => {
            let (a, b) = (get(a)?, get(b)?);
            kinked(a - b)?;
            a.min(b)
        }
        Math::D([f, x]) => {
            let name = match &expr[*x] {
                Math::Var(name) => name.to_string(),
                Math::Idx(c) => element(expr, c, point)?,
                _ => return None,
            };
            let name = &name;
            let x0 = *point.get(name.as_str())?;
            let h = 1e-5 * (1.0 + x0.abs());
            let mut p = point.clone();
            p.insert(name.to_string(), x0 + h);
            let up = eval_at(expr, *f, &p, defs)?;
            p.insert(name.to_string(), x0 - h);
            let down = eval_at(expr, *f, &p, defs)?;
            (up - down) / (2.0 * h)
        }
    };
    v.is_finite().then_some(v)
}

/// `x`, unless it is too near 0 for a central difference across it to be right.
fn kinked(x: f64) -> Option<f64> {
    (x.abs() > 1e-3).then_some(x)
}

fn index(expr: &RecExpr<Math>, j: Id, point: &BTreeMap<String, f64>) -> Option<i64> {
    let Math::Var(j) = &expr[j] else { return None };
    Some(*point.get(j.as_str())? as i64)
}

/// The point entry of an element: `a[2]`, `W[1, 2]`.
fn element(expr: &RecExpr<Math>, c: &[Id], point: &BTreeMap<String, f64>) -> Option<String> {
    let Math::Var(a) = &expr[c[0]] else {
        return None;
    };
    let mut values = Vec::new();
    for j in &c[1..] {
        values.push(index(expr, *j, point)?.to_string());
    }
    Some(format!("{a}[{}]", values.join(", ")))
}

/// Whether `u REL w` holds for an assumption's relation (equations to 1e-9).
pub fn relation_holds(relation: backprove::Relation, u: f64, w: f64) -> bool {
    match relation {
        backprove::Relation::Eq => (u - w).abs() < 1e-9,
        backprove::Relation::Gt => u > w,
        backprove::Relation::Ge => u >= w,
        backprove::Relation::Ne => u != w,
    }
}

/// Whether two values agree to a relative tolerance.
pub fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs()))
}

/// Inlines every `let` name of `defs` into `expr`, so the f64 evaluator sees free variables only.
pub fn inline(expr: &RecExpr<Math>, problem: &backprove::Problem) -> RecExpr<Math> {
    let mut text = backprove::to_infix(expr);
    for def in problem.definitions.iter().rev() {
        let body = format!("({})", backprove::to_infix(&def.expr));
        text = replace_word(&text, def.name.as_str(), &body);
    }
    backprove::parse_expression(&text, &[]).expect("inlined term parses")
}

fn replace_word(text: &str, word: &str, with: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = text.chars().collect();
    let w: Vec<char> = word.chars().collect();
    let is_id = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut i = 0;
    while i < chars.len() {
        let matches = chars[i..].starts_with(&w)
            && (i == 0 || !is_id(chars[i - 1]))
            && chars.get(i + w.len()).is_none_or(|c| !is_id(*c));
        if matches {
            out.push_str(with);
            i += w.len();
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// A proptest configuration with a fixed seed, so every run (and CI) tests the same cases.
pub fn fixed(cases: u32) -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        cases,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5eed_0bad_cafe),
        ..proptest::test_runner::Config::default()
    }
}

/// `program` run with `args` and `stdin` written to it, to its end (a
/// process that exits before reading its input closes the pipe: not a
/// failure).
pub fn run_with_input(program: &str, args: &[&str], stdin: &[u8]) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}
