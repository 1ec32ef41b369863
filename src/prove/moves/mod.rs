//! Textbook moves: turns one algebra step `before = after` into a short
//! chain of moves a student recognises (`substitute y1 = exp(a1)/S`,
//! `cancel exp(a1)`, `factor out -S`, `expand`, `use t1 + t2 + t3 = 1`,
//! `write exp(a1)/S as y1`, `multiply top and bottom by -1` …), found by a breadth-first search over the
//! moves, so the chain is a shortest one. Each move becomes a certificate
//! step whose justification the kernel already checks (algebra, or an
//! assumption) and whose name is only its label: a chain is kept only when
//! the kernel accepts it without conditions the single step did not need.
//!
//! Owns the search and the naming; `term` owns the shape of terms. Does not
//! decide equality (the kernel's normal form does) and proves nothing itself.

mod laws;
mod local;
mod search;
mod term;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::Instant;

use egg::Symbol;

use crate::kernel::Discharge;
use crate::language::Math;
use crate::parse::parse_term;
use crate::print::to_infix;
use crate::problem::{Problem, Relation};
use crate::report::{ClaimReport, Justification, Status, Step};
pub(crate) use laws::name_by_laws;
pub(crate) use search::Kind;
use term::{from_expr, key, print, T};

/// An equation among the assumptions, as the moves use it.
struct Equation {
    /// As the file states it (`t1 + t2 + t3 = 1`).
    text: String,
    lhs: T,
    /// `lhs`'s key, computed once (a long sum's key is not cheap).
    lhs_key: String,
    rhs: T,
    /// What the kernel's assumption step solves it for, and the value.
    target: String,
    value: String,
}

/// The moves a problem allows: its definitions (to substitute and write
/// back) and its equations (to use).
pub(crate) struct Moves {
    names: BTreeMap<Symbol, usize>,
    families: BTreeSet<Symbol>,
    /// Scalar definitions: name, definition as written, as a term.
    defs: Vec<(String, String, T)>,
    /// Each definition's term's key, and its length printed, in `defs` order.
    def_keys: Vec<String>,
    def_lens: Vec<usize>,
    /// Positions in `defs` by name: a term's atoms find the definitions they name.
    def_at: HashMap<String, usize>,
    equations: Vec<Equation>,
    /// Each definition as written (`y[j]` and its body for a family), by name.
    written: BTreeMap<String, (String, String)>,
    /// The texts read so far and the terms they read as (a chain reads its
    /// ends again for each step, and the forms it shows once more).
    read: Mutex<HashMap<String, Option<T>>>,
    /// The searches forward that reached every state they could, by their
    /// start and the atoms of their goal (see `search::Explorations`).
    explored: Mutex<search::Explorations>,
}

impl Moves {
    /// The moves of `problem`.
    pub(crate) fn new(problem: &Problem) -> Moves {
        let names = problem
            .definitions
            .iter()
            .map(|d| (d.name, d.line))
            .collect();
        let families = problem.families();
        let defs: Vec<(String, String, T)> = problem
            .definitions
            .iter()
            .filter(|d| !matches!(d.expr.as_ref().last(), Some(Math::Lambda(_))))
            .map(|d| (d.name.to_string(), to_infix(&d.expr), from_expr(&d.expr)))
            .collect();
        Moves {
            names,
            families,
            def_keys: defs.iter().map(|(_, _, t)| key(t)).collect(),
            def_lens: defs.iter().map(|(_, _, t)| print(t).len()).collect(),
            def_at: defs
                .iter()
                .enumerate()
                .map(|(i, (name, _, _))| (name.clone(), i))
                .collect(),
            defs,
            equations: equations(problem),
            written: problem
                .named_definitions()
                .into_iter()
                .map(|d| {
                    let stem = d.name.split('[').next().unwrap_or_default().to_string();
                    (stem, (d.name, d.expr))
                })
                .collect(),
            read: Mutex::new(HashMap::new()),
            explored: Mutex::default(),
        }
    }

    fn read(&self, text: &str) -> Option<T> {
        // Far too long to search (`MAX_TEXT`): not read, nor kept, at all.
        if text.len() > search::MAX_READ {
            return None;
        }
        let read = self.read.lock().map(|r| r.get(text).cloned());
        if let Ok(Some(t)) = read {
            return t;
        }
        let t = parse_term(text, &self.names, &self.families)
            .ok()
            .map(|e| from_expr(&e));
        if let Ok(mut r) = self.read.lock() {
            r.insert(text.to_string(), t.clone());
        }
        t
    }

    /// The form a chain of moves from `before` ends in, when it reaches
    /// `after` up to the order of terms and factors (`-S*(t1 + t2 + t3)` for
    /// `(-t1 - t2 - t3)*S`); else (none found by `deadline`) `after` itself.
    pub(crate) fn shape(&self, before: &str, after: &str, deadline: Option<Instant>) -> String {
        // No moves lead from a form to itself: the search would stop at its start.
        if before == after {
            return after.to_string();
        }
        let found = self
            .read(before)
            .zip(self.read(after))
            .and_then(|(b, a)| self.search(&b, &a, deadline, false));
        match found {
            Some(path) if !path.is_empty() => {
                let last = print(&path[path.len() - 1].1);
                match self.read(&last) {
                    Some(t) if key(&t) == key(&path[path.len() - 1].1) => last,
                    _ => after.to_string(),
                }
            }
            _ => after.to_string(),
        }
    }

    /// The chain of named steps from `before` to `after`, if moves reach it
    /// by `deadline`.
    pub(crate) fn chain(
        &self,
        before: &str,
        after: &str,
        deadline: Option<Instant>,
    ) -> Option<Vec<Step>> {
        let (b, a) = (self.read(before)?, self.read(after)?);
        let path = self.search(&b, &a, deadline, true)?;
        let mut steps = Vec::new();
        let mut current = before.to_string();
        if path.is_empty() {
            // Nothing but the order changes, or numbers and signs multiply out.
            let letters = |t: &str| {
                let mut c: Vec<char> = t.chars().filter(|c| !c.is_whitespace()).collect();
                c.sort_unstable();
                c
            };
            let written_as_sum = parse_term(before, &self.names, &self.families)
                .is_ok_and(|e| matches!(e.as_ref().last(), Some(Math::Add(_) | Math::Sub(_))));
            let name = if written_as_sum || letters(before) == letters(after) {
                "reorder the terms"
            } else {
                "multiply"
            };
            steps.push(self.step(&Kind::Algebra(name.into()), &current, after));
            return Some(steps);
        }
        for (i, (kind, state)) in path.iter().enumerate() {
            let next = if i + 1 == path.len() {
                after.to_string()
            } else {
                let text = print(state);
                // Every form shown reads back as the term it stands for.
                if self.read(&text).map(|t| key(&t)) != Some(key(state)) {
                    return None;
                }
                text
            };
            if next != current {
                steps.push(self.step(kind, &current, &next));
                current = next;
            }
        }
        Some(steps)
    }

    fn step(&self, kind: &Kind, before: &str, after: &str) -> Step {
        let by = match kind {
            Kind::Algebra(name) => Justification::Algebra {
                differentiate: false,
                laws: vec![],
                name: Some(name.clone()),
            },
            Kind::Use(i) => {
                let e = &self.equations[*i];
                Justification::Assume {
                    equation: e.text.clone(),
                    target: e.target.clone(),
                    value: e.value.clone(),
                    coefficient: None,
                    laws: vec![],
                    name: Some(format!("use {}", e.text)),
                }
            }
        };
        Step {
            rule: by.label(),
            before: before.into(),
            after: after.into(),
            by,
        }
    }
}

/// The equations of `problem` with what the prover's algebra solves them for.
fn equations(problem: &Problem) -> Vec<Equation> {
    let defs = problem.definitions_by_name();
    let budget = crate::algebra::Budget {
        max_work: 1_000_000,
        deadline: None,
    };
    let mut norm =
        crate::algebra::Normalizer::new(&defs, true, budget).with_ranges(&problem.ranges());
    let Ok(solved) = crate::prove::solve_equations(&mut norm, problem) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (target, value, text) in solved {
        let Some(a) = problem
            .assumptions
            .iter()
            .find(|a| a.relation == Relation::Eq && a.text() == text)
        else {
            continue;
        };
        let lhs = from_expr(&a.lhs);
        out.push(Equation {
            text,
            lhs_key: key(&lhs),
            lhs,
            rhs: from_expr(&a.rhs),
            target: norm.print_target(target),
            value: norm.print(&value),
        });
    }
    out
}

/// The two ends of a stretch of steps, as written.
type Stretch = (String, String);

/// A claim's steps and what the kernel, in discovery mode, accepted of them.
pub(crate) type Checked = (Vec<Step>, crate::kernel::Accepted);

/// Replaces the algebra at the end of a proved claim (everything after its
/// lemmas and its differentiation step) by a chain of named moves: the whole
/// stretch at once, else step by step. A replacement is kept only when the
/// kernel accepts the whole claim with it, needing no condition the claim
/// did not need before; otherwise (or when the search runs past `deadline`)
/// the claim is left as it is: its plain algebra steps, checked by the kernel.
///
/// Returns the claim's steps as they stand with what the kernel, in discovery
/// mode, said of them, when it checked them here (certifying needs the same).
pub(crate) fn refine(
    moves: &Moves,
    context: &crate::check::Context,
    claim: &mut ClaimReport,
    deadline: Option<Instant>,
) -> Option<Checked> {
    if claim.status != Status::Proved {
        return None;
    }
    let plain = |s: &Step| {
        matches!(
            s.by,
            Justification::Algebra {
                differentiate: false,
                name: None,
                ..
            } | Justification::Assume { name: None, .. }
        )
    };
    let first = claim.steps.iter().position(plain)?;
    let check = |steps: Vec<Step>| -> Option<crate::kernel::Accepted> {
        let mut whole = claim.clone();
        whole.steps = steps;
        let proof = context.proof(&whole).ok()?;
        crate::prove::discover::discover(&context.statement, &proof, deadline)
            .ok()
            .map(|(accepted, _)| accepted)
    };
    let stated = |accepted: &crate::kernel::Accepted| -> BTreeSet<String> {
        accepted
            .needed
            .iter()
            .filter(|n| n.discharge == Discharge::Stated)
            .map(|n| format!("{} {}", to_infix(&n.term), crate::kernel::rel_text(n.rel)))
            .collect()
    };
    // The candidates in order, each built only when the ones before it were
    // not kept: a chain for the whole stretch, then one for each step. The
    // searches are memoised (a stretch of one step is searched once) and a
    // candidate equal to one already rejected is not checked again.
    let mut searched: Vec<(Stretch, Option<Vec<Step>>)> = Vec::new();
    let mut chain = |before: &str, after: &str| -> Option<Vec<Step>> {
        if let Some((_, found)) = searched
            .iter()
            .find(|((b, a), _)| b == before && a == after)
        {
            return found.clone();
        }
        let found = moves.chain(before, after, deadline);
        searched.push(((before.to_string(), after.to_string()), found.clone()));
        found
    };
    // The kernel's word on the steps as they are, and the conditions stated there.
    let mut before: Option<Option<(crate::kernel::Accepted, BTreeSet<String>)>> = None;
    let mut rejected: Vec<Vec<Step>> = Vec::new();
    for whole_stretch in [true, false] {
        let candidate = if whole_stretch {
            if !claim.steps[first..].iter().all(plain) {
                continue;
            }
            let from = &claim.steps[first].before;
            let to = &claim.steps[claim.steps.len() - 1].after;
            let Some(found) = chain(from, to) else {
                continue;
            };
            let mut steps = claim.steps[..first].to_vec();
            steps.extend(found);
            steps
        } else {
            let mut one_by_one = Vec::new();
            for s in &claim.steps {
                match plain(s).then(|| chain(&s.before, &s.after)).flatten() {
                    Some(found) => one_by_one.extend(found),
                    None => one_by_one.push(s.clone()),
                }
            }
            if one_by_one == claim.steps {
                continue;
            }
            one_by_one
        };
        if rejected.contains(&candidate) {
            continue;
        }
        let Some(now) = check(candidate.clone()) else {
            rejected.push(candidate);
            continue;
        };
        // A chain that needs no stated condition needs none the steps did not:
        // the steps themselves need not be checked for it.
        let needs = stated(&now);
        let keep = needs.is_empty() || {
            let (_, needed) = before
                .get_or_insert_with(|| {
                    check(claim.steps.clone()).map(|a| {
                        let needed = stated(&a);
                        (a, needed)
                    })
                })
                .as_ref()?;
            needs.is_subset(needed)
        };
        if keep {
            claim.steps = candidate.clone();
            return Some((candidate, now));
        }
        rejected.push(candidate);
    }
    let (accepted, _) = before??;
    Some((claim.steps.clone(), accepted))
}
