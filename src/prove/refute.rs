//! Looking for a counterexample: sample points that satisfy the
//! assumptions, evaluated with interval arithmetic, at n = 1, 2, 3 classes
//! for indexed problems. Evidence for a disproof, never a proof.

use super::*;

/// [`refute`], at `n` = 1, 2, 3 classes and every value of the claim's free
/// indices when the problem has indexed families (smallest `n` first).
/// With `quick`, only the first case (the smallest `n`, the first values of
/// the free indices) and at most that many points of it: a counterexample
/// found so is the one the whole search finds, and a false claim is most
/// often refuted at its first point.
pub(super) fn refute_any(
    problem: &Problem,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    claim: &Claim,
    (lhs, rhs): (&RecExpr<Math>, &RecExpr<Math>),
    count: usize,
    quick: Option<usize>,
    until: Instant,
) -> Refutation {
    let attempts = quick.unwrap_or(usize::MAX);
    if !unroll::is_indexed(problem) {
        let sides = Sides::Terms(lhs, rhs);
        let keep = if quick.is_some() { 0 } else { CHECK_POINTS };
        return refute(problem, defs, claim, sides, (count, attempts), keep, until);
    }
    let indices = crate::index::free_in_order_of(&[&claim.lhs, &claim.rhs]);
    let mut agreeing = Vec::new();
    let mut unsatisfiable = None;
    // Every size from 1 to 3 (each range's, when the file declares ranges).
    for sizes in unroll::Sizes::up_to(&problem.ranges(), 3) {
        let Ok(concrete) = unroll::unroll_problem(problem, &sizes) else {
            return Refutation::Agree(agreeing);
        };
        let concrete_defs = definitions(&concrete);
        // At most 27 valuations per n (all of them for up to three free indices).
        let mut valuations = unroll::valuations(&indices, &sizes);
        valuations.truncate(if quick.is_some() { 1 } else { 27 });
        let per_case = count.div_ceil(valuations.len()).max(2);
        for env in valuations {
            let terms = [&claim.lhs, &claim.rhs, lhs, rhs].map(|e| unroll::unroll(e, &sizes, &env));
            let [Ok(cl), Ok(cr), Ok(l), Ok(r)] = terms else {
                return Refutation::Agree(agreeing);
            };
            let unrolled = Claim {
                lhs: cl,
                rhs: cr,
                line: claim.line,
            };
            let mark = |p: &mut PointValues| {
                for (size, v) in sizes.values() {
                    let key = if size.as_str() == unroll::CLASSES {
                        unroll::classes_key(problem).to_string()
                    } else {
                        size.to_string()
                    };
                    p.point.insert(key, v.to_string());
                }
                for (s, v) in &env {
                    p.point.insert(s.to_string(), v.to_string());
                }
            };
            // Only the first agreeing point of each case is kept, while there is room.
            let keep = usize::from(agreeing.len() < CHECK_POINTS && quick.is_none());
            match refute(
                &concrete,
                &concrete_defs,
                &unrolled,
                Sides::Terms(&l, &r),
                (per_case, attempts),
                keep,
                until,
            ) {
                // At this number of classes the assumptions cannot hold (`n = 5`
                // at n = 1): no point here, which says nothing about other n.
                Refutation::Contradictory(text) => {
                    unsatisfiable = Some(text);
                    break;
                }
                stop @ (Refutation::NotSearched(_) | Refutation::OutOfTime) => return stop,
                Refutation::Differ(mut cx) => {
                    mark(&mut cx);
                    return Refutation::Differ(cx);
                }
                Refutation::Agree(points) => {
                    for mut p in points.into_iter().take(1) {
                        if agreeing.len() < CHECK_POINTS {
                            mark(&mut p);
                            agreeing.push(p);
                        }
                    }
                }
            }
        }
        if quick.is_some() {
            return Refutation::Agree(agreeing);
        }
    }
    match unsatisfiable {
        Some(text) if agreeing.is_empty() => Refutation::NotSearched(text),
        _ => Refutation::Agree(agreeing),
    }
}

/// The two sides whose values a search compares.
pub(super) enum Sides<'a> {
    /// Terms of the problem (derivatives expanded).
    Terms(&'a RecExpr<Math>, &'a RecExpr<Math>),
    /// Values computed otherwise (a template's sides evaluated at the
    /// problem's size), from the point; the claim's variables are the point's.
    /// None where the claim is undefined (a function under a `d` of it is).
    Values(&'a dyn Fn(&std::sync::Arc<crate::numeric::Point>) -> crate::numeric::SidesAt),
}

/// Looks for a point that satisfies the assumptions where the sides certainly
/// differ, at `count` points (and more, if points are rejected), at most
/// `attempts` drawn; of the points where they agree, the first `keep` are
/// written out.
pub(super) fn refute(
    problem: &Problem,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    claim: &Claim,
    sides: Sides,
    (count, attempts): (usize, usize),
    keep: usize,
    until: Instant,
) -> Refutation {
    let budget = Budget {
        max_work: 1_000_000,
        deadline: Some(until),
    };
    let mut norm = Normalizer::new(defs, false, budget);
    // The equations as one system, so that every point satisfies all of them.
    let solved = match crate::assumptions::solve_system(&mut norm, defs, problem) {
        Ok(System::Solved(solved)) => solved,
        Ok(System::Contradictory(text)) => return Refutation::Contradictory(text),
        Ok(System::Unsolvable(text)) => return Refutation::NotSearched(text),
        Err(_) => return Refutation::NotSearched(String::new()),
    };
    // The claim as written too: a derivative may have lost variables the claim is about.
    let mut exprs = vec![&claim.lhs, &claim.rhs];
    if let Sides::Terms(lhs, rhs) = sides {
        exprs.extend([lhs, rhs]);
    }
    exprs.extend(problem.assumptions.iter().flat_map(|a| [&a.lhs, &a.rhs]));
    let mut vars = collect_vars(exprs, defs);
    sort_naturally(&mut vars);
    let solved_vars: BTreeSet<Symbol> = solved.iter().map(|(v, _)| *v).collect();
    // The equations hold exactly at every point built from their solution;
    // one whose sides are defined everywhere needs no evaluation there.
    let exact: Vec<bool> = problem
        .assumptions
        .iter()
        .map(|a| {
            a.relation == Relation::Eq
                && defined_everywhere(&a.lhs, defs)
                && defined_everywhere(&a.rhs, defs)
        })
        .collect();
    // Where a function under a `d` of the claim is undefined, so is the
    // claim: such a point is none of its points (the checker agrees). A
    // template's values are none there already.
    let bodies: Vec<RecExpr<Math>> = match sides {
        Sides::Terms(..) => [&claim.lhs, &claim.rhs]
            .iter()
            .flat_map(|e| crate::language::derivative_bodies(e))
            .collect(),
        Sides::Values(_) => Vec::new(),
    };
    let mut rng = Rng::new(seed(claim));
    let mut agreeing = Vec::new();
    for attempt in 0..(count * 3).min(attempts) {
        if attempt >= count && attempt % 3 != 0 {
            continue;
        }
        if Instant::now() > until {
            return Refutation::OutOfTime;
        }
        let mut point: BTreeMap<Symbol, BigRational> = BTreeMap::new();
        for v in vars.iter().filter(|v| !solved_vars.contains(v)) {
            let value = if positive_by_assumption(problem, *v) {
                rng.quarter(1, 12)
            } else {
                rng.quarter(-12, 12)
            };
            point.insert(*v, value);
        }
        let mut ok = true;
        for (var, value) in solved.iter().rev() {
            match value.at(&norm, &point) {
                Some(x) => {
                    point.insert(*var, x);
                }
                None => ok = false,
            }
        }
        if !ok {
            continue;
        }
        // Shared, not copied, with whatever keeps the values at it.
        let point = std::sync::Arc::new(point);
        // One evaluator for the assumptions and the sides: the definitions'
        // values at the point are computed once.
        let mut eval = Evaluator::new(defs, &point);
        if !satisfies_facts(problem, &mut eval, &exact)
            || bodies.iter().any(|b| eval.eval(b).is_none())
        {
            continue;
        }
        let at_point = match sides {
            Sides::Terms(lhs, rhs) => eval.eval(lhs).zip(eval.eval(rhs)),
            Sides::Values(values) => values(&point),
        };
        let Some((l, r)) = at_point else {
            continue;
        };
        // A value beyond f64 cannot be written down for the checker to
        // recompute, and agrees with nothing in particular: such a point
        // decides nothing (`exp(1000000) = 1` is looked at elsewhere).
        let finite = |i: &Interval| i.lo.is_finite() && i.hi.is_finite();
        if !(finite(&l) && finite(&r)) {
            continue;
        }
        if l.disjoint(&r) {
            return Refutation::Differ(values(&point, &l, &r));
        }
        if agreeing.len() < keep.min(CHECK_POINTS) {
            agreeing.push(values(&point, &l, &r));
        }
    }
    Refutation::Agree(agreeing)
}

/// What the numeric search found.
pub(super) enum Refutation {
    /// A point where the sides certainly differ.
    Differ(PointValues),
    /// No such point; these points agree (up to [`CHECK_POINTS`] of them).
    Agree(Vec<PointValues>),
    /// No search ran: points satisfying this `assume` equation cannot be chosen
    /// (empty: the equations took more work than allowed).
    NotSearched(String),
    /// This `assume` equation contradicts the ones before it.
    Contradictory(String),
    /// The search ran out of time before it was done.
    OutOfTime,
}

pub(super) fn values(
    point: &BTreeMap<Symbol, BigRational>,
    l: &Interval,
    r: &Interval,
) -> PointValues {
    // In the text's order first, each name compared by its first 16 bytes
    // as one number (the rest only on a tie): the map is then built from
    // sorted entries.
    let mut entries: Vec<(u128, &str, &BigRational)> = point
        .iter()
        .map(|(k, v)| {
            let name = k.as_str();
            (prefix_number(name), name, v)
        })
        .collect();
    entries.sort_unstable_by_key(|e| e.0);
    for tied in entries.chunk_by_mut(|a, b| a.0 == b.0) {
        tied.sort_unstable_by(|a, b| a.1.cmp(b.1));
    }
    PointValues {
        point: entries
            .into_iter()
            .map(|(_, k, v)| (k.to_owned(), crate::language::rational_text(v)))
            .collect(),
        lhs: display(l),
        rhs: display(r),
    }
}

/// The first 16 bytes of `s` as a big-endian number, zeros after its end:
/// ordered as the strings are, up to ties between strings that agree there
/// (which are no shorter than 16 bytes).
fn prefix_number(s: &str) -> u128 {
    let mut bytes = [0u8; 16];
    let n = s.len().min(16);
    bytes[..n].copy_from_slice(&s.as_bytes()[..n]);
    u128::from_be_bytes(bytes)
}

/// Sorts distinct names as `natural_key` orders them, names with the same
/// key as symbols order ([`crate::algebra::natural_order`] of the names in
/// the symbols' order).
fn sort_naturally(vars: &mut Vec<Symbol>) {
    vars.sort_unstable();
    let names: Vec<&str> = vars.iter().map(|v| v.as_str()).collect();
    let order = crate::algebra::natural_order(&names);
    *vars = order.into_iter().map(|at| vars[at]).collect();
}

pub(super) fn display(i: &Interval) -> String {
    format!("{:.6}", i.mid())
}

/// The free variables of `exprs`, through the definitions they use, each
/// once, in no particular order.
pub(super) fn collect_vars(
    exprs: Vec<&RecExpr<Math>>,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
) -> Vec<Symbol> {
    let mut out = Vec::new();
    // Each name is looked at once, however often it occurs, in any of them
    // (room for each definition's name and a few free ones each).
    let mut seen: rustc_hash::FxHashSet<Symbol> =
        rustc_hash::FxHashSet::with_capacity_and_hasher(3 * defs.len() + 16, Default::default());
    let mut todo = exprs;
    while let Some(e) = todo.pop() {
        for node in e.as_ref() {
            if let Math::Var(s) = node {
                if !seen.insert(*s) {
                    continue;
                }
                match defs.get(s) {
                    Some(def) => todo.push(def),
                    None => out.push(*s),
                }
            }
        }
    }
    out
}

pub(super) fn positive_by_assumption(problem: &Problem, v: Symbol) -> bool {
    problem.assumptions.iter().any(|a| {
        matches!(a.relation, Relation::Gt | Relation::Ge)
            && matches!(a.lhs.as_ref(), [Math::Var(s)] if *s == v)
            && matches!(a.rhs.as_ref(), [Math::Num(c)] if !c.is_negative())
    })
}

/// Whether the point `eval` evaluates at satisfies the assumptions, with
/// `solved` the equations it was built to satisfy exactly whose sides are
/// defined at every point (read by [`defined_everywhere`]).
pub(super) fn satisfies_facts(problem: &Problem, eval: &mut Evaluator, solved: &[bool]) -> bool {
    let assumptions = problem
        .assumptions
        .iter()
        .zip(solved.iter().chain(std::iter::repeat(&false)));
    assumptions.filter(|(_, solved)| !**solved).all(|(a, _)| {
        let (Some(l), Some(r)) = (eval.eval(&a.lhs), eval.eval(&a.rhs)) else {
            return false;
        };
        match a.relation {
            Relation::Eq => true,
            Relation::Gt => l.lo > r.hi,
            Relation::Ge => l.lo >= r.hi,
            Relation::Ne => l.disjoint(&r),
        }
    })
}

/// Whether `e` has a value wherever its variables have: sums, differences
/// and products of numbers and variables that no definition names.
pub(super) fn defined_everywhere(
    e: &RecExpr<Math>,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
) -> bool {
    e.as_ref().iter().all(|n| match n {
        Math::Num(_) | Math::Add(_) | Math::Sub(_) | Math::Mul(_) | Math::Neg(_) => true,
        Math::Var(s) => !defs.contains_key(s),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sorting by stems and numbers is the stable sort by `natural_key` of
    /// the names in the symbols' order, whatever order they come in.
    #[test]
    fn names_sort_as_by_their_keys() {
        let lists = [
            vec![
                "t10", "a2", "t1", "a10", "a1", "b", "ab", "a", "a07", "a7", "t",
            ],
            vec!["x_1", "y[2]", "a1b2", "a1", "a01", "b"],
        ];
        for names in lists {
            let symbols: Vec<Symbol> = names.iter().map(|n| Symbol::from(*n)).collect();
            let mut expected: Vec<Symbol> = symbols
                .iter()
                .copied()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            expected.sort_by_cached_key(|v| crate::algebra::natural_key(v.as_str()));
            for reversed in [false, true] {
                let mut vars = symbols.clone();
                if reversed {
                    vars.reverse();
                }
                sort_naturally(&mut vars);
                assert_eq!(vars, expected);
            }
        }
    }

    /// A counterexample the quick search finds is the one the whole search
    /// finds; a claim that holds at its first points is left to the whole
    /// search (the sum is `exp(a[k])` at one class, not at two).
    #[test]
    fn the_quick_search_finds_the_whole_searchs_counterexample() {
        let cases = [
            ("let y = x^2\nprove y = x*x + 1", true),
            ("prove (x + 1)^2 = x^2 + 2*x + 1", false),
            ("prove sum(j, t[j]) = t[k] + 1", true),
            (
                "assume sum(j, t[j]) = 1\nprove sum(j, t[j]*x) = x + t[k]",
                true,
            ),
            ("let S = sum(j, exp(a[j]))\nprove S = exp(a[k])", false),
        ];
        let until = Instant::now() + std::time::Duration::from_secs(10);
        for (text, quick_finds) in cases {
            let problem = crate::parse_problem(text).unwrap();
            let defs = problem.definitions_by_name();
            let claim = &problem.claims[0];
            let (lhs, rhs) = (&claim.lhs, &claim.rhs);
            let sides = (lhs, rhs);
            let whole = refute_any(&problem, &defs, claim, sides, REFUTE_POINTS, None, until);
            let quick = Some(QUICK_POINTS);
            let quick = match refute_any(&problem, &defs, claim, sides, REFUTE_POINTS, quick, until)
            {
                Refutation::Differ(cx) => Some(cx),
                _ => None,
            };
            assert_eq!(quick.is_some(), quick_finds, "{text}");
            match (quick, whole) {
                (Some(q), Refutation::Differ(w)) => assert_eq!(q, w, "{text}"),
                (None, Refutation::Differ(_)) => assert!(text.contains("exp"), "{text}"),
                (None, Refutation::Agree(_)) => assert!(text.contains("2*x"), "{text}"),
                _ => panic!("unexpected search results: {text}"),
            }
        }
    }
}
