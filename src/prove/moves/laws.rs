//! Names for the algebra steps no chain of moves replaced, read off the laws
//! the kernel named for them: `substitute y = 1/(1 + exp(-a))`,
//! `write (exp(x) - exp(-x))/(exp(x) + exp(-x)) as h`,
//! `by exp(u + v) = exp(u)*exp(v)`, and `use t1 + t2 + t3 = 1` for an
//! assumption step. The name is only the step's label: the
//! step keeps its laws, and the kernel checks its equation with them. A step
//! with no law beyond field arithmetic keeps the plain label `algebra`.

use super::Moves;
use crate::report::{ClaimReport, Justification};

/// Names each plain algebra step of `claim` (after the kernel has named its laws).
pub(crate) fn name_by_laws(moves: &Moves, claim: &mut ClaimReport) {
    for step in &mut claim.steps {
        // An assumption step that unfolds nothing is the move `use E` (the
        // equation as the file states it), whatever it solves `E` for.
        if let Justification::Assume {
            equation,
            laws,
            name: name @ None,
            ..
        } = &mut step.by
        {
            if laws.is_empty() {
                *name = Some(format!("use {equation}"));
                step.rule = step.by.label();
            }
            continue;
        }
        let Justification::Algebra {
            differentiate: false,
            laws,
            name: None,
        } = &step.by
        else {
            continue;
        };
        if laws.is_empty() {
            continue;
        }
        let moves_of: Vec<String> = laws
            .iter()
            .map(|law| moves.law_move(law, &step.before, &step.after))
            .collect();
        // Substitutions first, the laws used as one `by … and …`, writing back
        // last: the checker reads a name's `substitute N = …` or `… as N`
        // (the step must unfold N).
        let mut parts: Vec<String> = moves_of
            .iter()
            .filter(|m| m.starts_with("substitute "))
            .cloned()
            .collect();
        let by: Vec<&str> = moves_of
            .iter()
            .filter_map(|m| m.strip_prefix("by "))
            .collect();
        if !by.is_empty() {
            parts.push(format!("by {}", by.join(" and ")));
        }
        parts.extend(moves_of.iter().filter(|m| m.starts_with("write ")).cloned());
        if let Justification::Algebra { name, .. } = &mut step.by {
            *name = Some(parts.join(", "));
        }
        step.rule = step.by.label();
    }
}

impl Moves {
    /// What using `law` does in the step `before = after`, as a move.
    fn law_move(&self, law: &str, before: &str, after: &str) -> String {
        if let Some(stem) = law.strip_prefix("unfold-") {
            let Some((name, body)) = self.written.get(stem) else {
                return format!("substitute {stem}");
            };
            // A name that appears only after the step is written back, not substituted.
            return if !mentions(before, stem) && mentions(after, stem) {
                format!("write {body} as {name}")
            } else {
                format!("substitute {name} = {body}")
            };
        }
        match crate::check::law_citation(law) {
            Some(text) => format!("by {text}"),
            None => format!("by {law}"),
        }
    }
}

/// Whether `name` occurs in `text` as a whole identifier (or a family's `name[`).
fn mentions(text: &str, name: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}
