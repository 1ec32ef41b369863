//! A roll-up template unrolled at a number of classes, with its elements'
//! names as the problem writes them (`a[2]` as `a2`): what the checker
//! compares the problem with ([`super::rollup::Rolled`]), once the renaming
//! is known to be one-to-one. Owns the renaming, not the comparison.

use super::*;
use crate::unroll;

/// A template's problem unrolled, and how its elements are renamed.
pub(super) struct Unrolled {
    /// The problem, elements written `a[2]`.
    pub problem: Problem,
    /// Each element's name as the problem writes it (`a[2]` as `a2`); any
    /// other name is its own.
    pub flat: rustc_hash::FxHashMap<Symbol, Symbol>,
    /// The names of the definitions and assumptions.
    names: Names,
}

/// Names read in an unrolled problem: families (of elements `a[2]`) and the others.
#[derive(Clone, Default)]
struct Names {
    families: BTreeSet<String>,
    scalars: BTreeSet<Symbol>,
}

impl Names {
    /// Notes `s`; whether it is an element (`a[2]`).
    fn note(&mut self, s: Symbol) -> bool {
        match s.as_str().split_once('[') {
            // (Each family's name copied once, not at each element.)
            Some((f, _)) => {
                if !self.families.contains(f) {
                    self.families.insert(f.to_string());
                }
                true
            }
            None => {
                self.scalars.insert(s);
                false
            }
        }
    }
}

impl Unrolled {
    /// `template` unrolled at `n` classes; an error when it does not unroll
    /// or renaming its elements is not one-to-one.
    pub(super) fn new(template: &Problem, n: usize) -> Result<Unrolled, String> {
        let problem = unroll::unroll_problem(template, &sizes(n))?;
        let mut names = Names::default();
        // Each element's name once, however often it occurs.
        let mut flat_names: rustc_hash::FxHashMap<Symbol, Symbol> = Default::default();
        let exprs = problem
            .definitions
            .iter()
            .map(|d| &d.expr)
            .chain(problem.assumptions.iter().flat_map(|a| [&a.lhs, &a.rhs]));
        let defined = problem.definitions.iter().map(|d| d.name);
        for s in defined.chain(exprs.flat_map(|e| {
            e.as_ref().iter().filter_map(|n| match n {
                Math::Var(s) => Some(*s),
                _ => None,
            })
        })) {
            if !flat_names.contains_key(&s) && names.note(s) {
                flat_names.insert(s, flat(s));
            }
        }
        one_to_one(&names.families, &names.scalars)?;
        Ok(Unrolled {
            problem,
            flat: flat_names,
            names,
        })
    }

    /// The renaming stays one-to-one with the names of `exprs` too (the
    /// template's claims, unrolled): a claim's `a2` and `a[2]` must not
    /// become one name.
    pub(super) fn one_to_one_with(&self, exprs: &[RecExpr<Math>]) -> Result<(), String> {
        let mut names = self.names.clone();
        for n in exprs.iter().flat_map(|e| e.as_ref()) {
            if let Math::Var(s) = n {
                names.note(*s);
            }
        }
        one_to_one(&names.families, &names.scalars)
    }

    /// The name `s` as the problem writes it.
    pub(super) fn name(&self, s: Symbol) -> Symbol {
        self.flat.get(&s).copied().unwrap_or(s)
    }
}

/// An [`Unrolled`] that either of two threads computes, whichever comes to
/// it first: the other takes it, waiting while it is being computed.
#[derive(Default)]
pub(super) struct Early {
    state: std::sync::Mutex<State>,
    done: std::sync::Condvar,
}

#[derive(Default)]
enum State {
    #[default]
    Free,
    Busy,
    Done(Result<Unrolled, String>),
    Taken,
}

impl Early {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Computes it with `f`, unless a thread has begun to (or taken it).
    pub(super) fn offer(&self, f: impl FnOnce() -> Result<Unrolled, String>) {
        {
            let mut state = self.lock();
            if !matches!(*state, State::Free) {
                return;
            }
            *state = State::Busy;
        }
        // A panic leaves an error, not a taker waiting for ever.
        let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
            .unwrap_or_else(|_| Err("unrolling the template failed".into()));
        *self.lock() = State::Done(done);
        self.done.notify_all();
    }

    /// What was computed (waiting while it is being computed), or else
    /// `f()`, here, and then no other thread computes it.
    pub(super) fn take(
        &self,
        f: impl FnOnce() -> Result<Unrolled, String>,
    ) -> Result<Unrolled, String> {
        let mut state = self.lock();
        loop {
            match std::mem::replace(&mut *state, State::Taken) {
                State::Busy => {
                    *state = State::Busy;
                    state = self.done.wait(state).unwrap_or_else(|e| e.into_inner());
                }
                State::Done(done) => return done,
                State::Free | State::Taken => {
                    drop(state);
                    return f();
                }
            }
        }
    }
}

/// Renaming `a[i]` to `ai` is one-to-one: no family ends in a digit (so `ai`
/// splits back uniquely) and no other name reads as an element.
fn one_to_one(families: &BTreeSet<String>, scalars: &BTreeSet<Symbol>) -> Result<(), String> {
    if let Some(f) = families
        .iter()
        .find(|f| f.ends_with(|c: char| c.is_ascii_digit()))
    {
        return Err(format!("the family name `{f}` ends in a digit"));
    }
    for s in scalars {
        if let Some((f, _)) = crate::rollup::split_element(s.as_str()) {
            if families.contains(f) {
                return Err(format!("`{s}` would read as an element of `{f}`"));
            }
        }
    }
    Ok(())
}

/// `a[2]` as the name `a2`.
pub(super) fn flat(s: Symbol) -> Symbol {
    match s.as_str().split_once('[') {
        Some((f, rest)) => {
            let rest = rest.trim_end_matches(']');
            let mut name = String::with_capacity(f.len() + rest.len());
            name.push_str(f);
            name.push_str(rest);
            Symbol::from(name)
        }
        None => s,
    }
}

/// `e` with every element `a[2]` renamed to `a2`.
pub(super) fn rename(e: &RecExpr<Math>) -> RecExpr<Math> {
    rename_by(e, flat)
}

/// `e` with every name `s` renamed to `name(s)`.
fn rename_by(e: &RecExpr<Math>, mut name: impl FnMut(Symbol) -> Symbol) -> RecExpr<Math> {
    e.as_ref()
        .iter()
        .map(|n| match n {
            Math::Var(s) => Math::Var(name(*s)),
            other => other.clone(),
        })
        .collect::<Vec<_>>()
        .into()
}

/// The one range of a roll-up template at `n` classes.
pub(super) fn sizes(n: usize) -> unroll::Sizes {
    unroll::Sizes::uniform(&Default::default(), n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(n: usize) -> Result<Unrolled, String> {
        Err(format!("computed {n}"))
    }

    /// What one thread offers, the other takes; what is taken is not
    /// offered again; a taker that finds nothing computes it itself, once.
    #[test]
    fn either_thread_computes_it_once() {
        let early = Early::default();
        early.offer(|| marked(1));
        early.offer(|| marked(2));
        assert_eq!(early.take(|| marked(3)).err(), Some("computed 1".into()));
        let early = Early::default();
        assert_eq!(early.take(|| marked(4)).err(), Some("computed 4".into()));
        early.offer(|| panic!("offered after it was taken"));
        let early = std::sync::Arc::new(Early::default());
        let other = early.clone();
        let offering = std::thread::spawn(move || other.offer(|| marked(5)));
        let taken = early.take(|| marked(6)).err().unwrap();
        offering.join().unwrap();
        assert!(taken == "computed 5" || taken == "computed 6", "{taken}");
    }
}
