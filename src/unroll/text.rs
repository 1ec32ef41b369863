//! The unrolled problem as a concrete problem file ([`unroll_to_text`]):
//! elements renamed to plain names (`a[2]` to `a2`), claims stated for each
//! value of their free indices. Owns only this rendering; the unrolling is
//! the parent module's.

use egg::{RecExpr, Symbol};

use super::{unroll, unroll_problem, valuations, Sizes};
use crate::language::Math;
use crate::problem::Problem;

/// The problem at `n` classes as a concrete problem file: `a[2]` becomes the
/// variable `a2` (`y[2]` the name `y2`), each claim is stated for every value
/// of its free indices, and an undefined `n` becomes the number itself. The
/// walk of `backprove derive` runs on this file. Fails when a new name would
/// clash with a name the problem already uses.
///
/// ```
/// let p = backprove::parse_problem(&backprove::softmax_with_loss_n()).unwrap();
/// let sizes = backprove::unroll::Sizes::uniform(&p.ranges(), 2);
/// let text = backprove::unroll::unroll_to_text(&p, &sizes).unwrap();
/// assert!(text.contains("let y2 = exp(a2)/S"));
/// assert!(text.contains("prove d(L, a2) = y2 - t2"));
/// ```
pub fn unroll_to_text(problem: &Problem, sizes: &Sizes) -> Result<String, String> {
    let concrete = unroll_problem(problem, sizes)?;
    let mut claims = Vec::new();
    for c in &problem.claims {
        let free = crate::index::free_in_order_of(&[&c.lhs, &c.rhs]);
        for env in valuations(&free, sizes) {
            claims.push((unroll(&c.lhs, sizes, &env)?, unroll(&c.rhs, sizes, &env)?));
        }
    }
    // Names the problem already uses, which a flattened element must not take.
    let mut taken: std::collections::BTreeSet<Symbol> = std::collections::BTreeSet::new();
    let exprs = concrete
        .definitions
        .iter()
        .map(|d| &d.expr)
        .chain(concrete.assumptions.iter().flat_map(|a| [&a.lhs, &a.rhs]))
        .chain(claims.iter().flat_map(|(l, r)| [l, r]));
    for e in exprs {
        for node in e.as_ref() {
            if let Math::Var(s) = node {
                if !s.as_str().contains('[') {
                    taken.insert(*s);
                }
            }
        }
    }
    for d in &concrete.definitions {
        if !d.name.as_str().contains('[') {
            taken.insert(d.name);
        }
    }
    // The element each new name stands for: two elements must not become one
    // name (`a[11]` and `a1[1]` would both be `a11`).
    let made: std::cell::RefCell<std::collections::BTreeMap<Symbol, Symbol>> = Default::default();
    let flat = |s: Symbol| -> Result<Symbol, String> {
        match s.as_str().split_once('[') {
            Some((family, rest)) => {
                // `a[2]` becomes `a2`, `W[1, 2]` becomes `W1_2`.
                let values = rest.trim_end_matches(']').replace(", ", "_");
                let name = Symbol::from(format!("{family}{values}"));
                if taken.contains(&name) {
                    return Err(format!(
                        "`{s}` would become `{name}`, which the problem already uses"
                    ));
                }
                if let Some(other) = made.borrow_mut().insert(name, s).filter(|o| *o != s) {
                    return Err(format!("`{other}` and `{s}` would both become `{name}`"));
                }
                Ok(name)
            }
            None => Ok(s),
        }
    };
    let rename = |e: &RecExpr<Math>| -> Result<String, String> {
        let mut nodes = Vec::with_capacity(e.as_ref().len());
        for node in e.as_ref() {
            nodes.push(match node {
                Math::Var(s) => Math::Var(flat(*s)?),
                other => other.clone(),
            });
        }
        Ok(crate::print::to_infix(&RecExpr::from(nodes)))
    };
    let mut out = if sizes.ranges().is_default() {
        format!("# {} classes\n", sizes.n())
    } else {
        format!("# {sizes}\n")
    };
    for d in &concrete.definitions {
        // The number of classes and the declared sizes are numbers here.
        if d.line == 0 {
            if let Some(v) = sizes.size(d.name) {
                out += &format!("let {} = {v}\n", d.name);
                continue;
            }
        }
        out += &format!("let {} = {}\n", flat(d.name)?, rename(&d.expr)?);
    }
    for a in &concrete.assumptions {
        out += &format!(
            "assume {} {} {}\n",
            rename(&a.lhs)?,
            a.relation.symbol(),
            rename(&a.rhs)?
        );
    }
    for (l, r) in &claims {
        out += &format!("prove {} = {}\n", rename(l)?, rename(r)?);
    }
    // A family in a layer stands for its elements.
    for layer in &problem.layers {
        let mut names = Vec::new();
        for m in &layer.members {
            let elements: Vec<Symbol> = concrete
                .definitions
                .iter()
                .map(|d| d.name)
                .filter(|d| d.as_str().split_once('[').map(|(f, _)| f) == Some(m.as_str()))
                .collect();
            if elements.is_empty() {
                names.push(flat(*m)?.to_string());
            }
            for e in elements {
                names.push(flat(e)?.to_string());
            }
        }
        out += &format!("layer {} = {}\n", layer.name, names.join(", "));
    }
    Ok(out)
}
