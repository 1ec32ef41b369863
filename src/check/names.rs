//! What a step's name may say: every part of a combined name (`substitute
//! S = …, by …, write … as y1`) is checked against what its step does (the
//! definitions it unfolds and states, the laws it cites, the assumption it
//! uses). Labels only: the kernel checks every step's equation.

use crate::kernel;
use crate::report::Justification;

/// How a step's name cites the law `law` after `by`: its equations without
/// their side conditions (the step lists those), `sum(j, c) = c*n`.
pub(crate) fn law_citation(law: &str) -> Option<String> {
    kernel::LAWS
        .iter()
        .chain(kernel::FUNCTION_LAWS)
        .find(|(n, _)| *n == law)
        .map(|(_, text)| equations(text))
}

/// A law's equations, without their side conditions (the step lists
/// those): `sum(j, c) = c*n`, `sqrt(u)^2 = u; sqrt(p^2/q^2) = p/q`. A
/// condition (` where …`, ` for …`) runs to the next `;`.
fn equations(text: &str) -> String {
    let mut clauses = Vec::new();
    for segment in top_level(text, ';') {
        let cut = [" where ", " for "]
            .iter()
            .filter_map(|w| segment.find(w))
            .min()
            .unwrap_or(segment.len());
        clauses.extend(top_level(&segment[..cut], ','));
    }
    clauses.join("; ")
}

/// `text` split at `sep` outside brackets, each part trimmed, empty parts left out.
fn top_level(text: &str, sep: char) -> Vec<&str> {
    let (mut depth, mut start, mut out) = (0i32, 0, Vec::new());
    for (at, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), sep)))
    {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            c if c == sep && depth == 0 => {
                let part = text[start..at].trim();
                if !part.is_empty() {
                    out.push(part);
                }
                start = at + c.len_utf8();
            }
            _ => {}
        }
    }
    out
}

/// Checks that a step's name says what its justification does: `use EQ`
/// is an assumption step with that equation; `substitute N = D` and
/// `write D as N` unfold `N`, and `D` is its definition.
pub(super) fn check_name(
    by: &Justification,
    defines: &dyn Fn(&str, &str) -> bool,
) -> Result<(), String> {
    let Some(name) = by.name() else {
        return Ok(());
    };
    let wrong = || Err(format!("the move `{name}` is not what its step does"));
    if name.is_empty() || name.contains('\n') {
        return wrong();
    }
    match by {
        Justification::Assume { equation, .. } if name != format!("use {equation}") => {
            return wrong();
        }
        // A combined name (`substitute S = …, substitute q1 = …, by …,
        // write … as y1`) is checked part by part, every part as if it
        // stood alone.
        Justification::Algebra { laws, .. }
            if !name_parts(name)
                .iter()
                .all(|part| part_fits(part, laws, defines)) =>
        {
            return wrong();
        }
        _ => {}
    }
    Ok(())
}

/// The parts of a combined step name: `name` split at `, ` outside brackets
/// (a definition or a law's citation may hold commas, always inside brackets).
pub(crate) fn name_parts(name: &str) -> Vec<&str> {
    let (mut depth, mut start, mut out) = (0i32, 0, Vec::new());
    for (at, c) in name.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' if depth == 0 && name[at..].starts_with(", ") => {
                out.push(&name[start..at]);
                start = at + 2;
            }
            _ => {}
        }
    }
    out.push(&name[start..]);
    out
}

/// Whether one part of an algebra step's name says what the step does:
/// `substitute N = D` and `write D as N` need the step to unfold `N` and
/// `D` to be `N`'s definition (`defines`),
/// `by A and B` cites only laws the step uses, `use …` belongs to
/// assumption steps only; any other part names field arithmetic.
fn part_fits(part: &str, laws: &[String], defines: &dyn Fn(&str, &str) -> bool) -> bool {
    let unfolds = |n: &str| {
        // A family's element `y[j]` is unfolded by its family's law `unfold-y`.
        let n = n.split('[').next().unwrap_or(n);
        laws.iter().any(|l| *l == format!("unfold-{n}"))
    };
    if part.is_empty() || part.starts_with("use ") {
        return false;
    }
    if let Some(rest) = part.strip_prefix("substitute ") {
        // `substitute N = D` also states N's definition: it must be the file's.
        return match rest.split_once(" = ") {
            Some((n, body)) => unfolds(n) && defines(n, body),
            None => unfolds(rest),
        };
    }
    if let Some(rest) = part.strip_prefix("write ") {
        // `write D as N`: D must be N's definition, as for `substitute N = D`.
        return rest
            .rsplit_once(" as ")
            .is_some_and(|(body, n)| unfolds(n) && defines(n, body));
    }
    if let Some(cited) = part.strip_prefix("by ") {
        let used = |c: &str| {
            laws.iter()
                .any(|l| law_citation(l).as_deref() == Some(c) || l == c)
        };
        return cited.split(" and ").all(used);
    }
    true
}
