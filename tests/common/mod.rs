//! Shared test helpers: insta settings bound once, a plain f64 evaluator that
//! differentiates by central differences (independent of backprove's rules).
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
    eval_at(expr, Id::from(expr.as_ref().len() - 1), point)
}

fn eval_at(expr: &RecExpr<Math>, id: Id, point: &BTreeMap<String, f64>) -> Option<f64> {
    let get = |c: &Id| eval_at(expr, *c, point);
    let v = match &expr[id] {
        Math::Num(c) => num_traits::ToPrimitive::to_f64(&c.0)?,
        Math::Var(s) => *point.get(s.as_str())?,
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
        Math::D([f, x]) => {
            let Math::Var(name) = &expr[*x] else {
                return None;
            };
            let x0 = *point.get(name.as_str())?;
            let h = 1e-5 * (1.0 + x0.abs());
            let mut p = point.clone();
            p.insert(name.to_string(), x0 + h);
            let up = eval_at(expr, *f, &p)?;
            p.insert(name.to_string(), x0 - h);
            let down = eval_at(expr, *f, &p)?;
            (up - down) / (2.0 * h)
        }
    };
    v.is_finite().then_some(v)
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
