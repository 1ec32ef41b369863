//! The equational chain of a proof: comparing normal forms (names kept
//! whole, then unfolded), the assumption steps, and the chain's marks as
//! steps. Owns no verdict and no refutation.

use super::*;

pub(super) enum Outcome {
    /// The chain; the conditions it needs are the kernel's to derive.
    Equal {
        chain: Vec<Step>,
    },
    Differ {
        residual: String,
    },
}

/// Compares normal forms, first with sums kept as names, then with
/// quotients unfolded too, then fully unfolded. When the first comparison
/// fails, `refuted` is asked whether a counterexample is at hand: the
/// sides then differ, and the other comparisons (which cannot show a false
/// claim true) are not made.
pub(super) fn decide_algebra(
    problem: &Problem,
    defs: &BTreeMap<Symbol, RecExpr<Math>>,
    claim: &Claim,
    (lhs, rhs): (&RecExpr<Math>, &RecExpr<Math>),
    budget: Budget,
    refuted: &mut dyn FnMut() -> bool,
) -> Result<Outcome, AlgebraError> {
    let mut residual = String::new();
    let equations = problem
        .assumptions
        .iter()
        .filter(|a| a.relation == Relation::Eq)
        .count();
    // Names kept whole; then with names whose values are one term over
    // factors unfolded (when there are such names: else the same pass), as
    // their derivatives' lemmas unfold them; then every name unfolded, which
    // may take exponentially more (`exp(u3)` of a long `u3`, kinks …).
    // Each pass: (names kept whole, quotients unfolded, reversed, trig).
    let mut passes: Vec<(bool, bool, bool, bool)> = vec![
        (true, false, false, false),
        (true, true, false, false),
        (false, false, false, false),
    ];
    // With several equations, a last pass uses them in reverse order: one
    // substitution per target, so the order decides which value a variable gets.
    if equations > 1 {
        passes.push((true, false, true, false));
    }
    // With `cos`, a last pass with `sin(u)^2 + cos(u)^2 = 1` (a proof that
    // does not need it keeps its form).
    let cos = |e: &RecExpr<Math>| e.as_ref().iter().any(|n| matches!(n, Math::Cos(_)));
    if [&claim.lhs, &claim.rhs]
        .into_iter()
        .chain(defs.values())
        .any(cos)
    {
        passes.push((false, false, false, true));
    }
    // With `sin-cos-square` the residual shown is the last pass's: every pass is made.
    let trig_pass = passes.iter().any(|p| p.3);
    for (i, &(opaque, quotients, reversed, trig)) in passes.iter().enumerate() {
        if i == 1 && !trig_pass && refuted() {
            return Ok(Outcome::Differ { residual });
        }
        let mut norm = Normalizer::new(defs, opaque, budget).with_ranges(&problem.ranges());
        norm.set_trig(trig);
        if quotients {
            norm.unfold_quotients();
        }
        add_sign_facts(&mut norm, problem)?;
        // The domain conditions of the claim as written, including inside `d`.
        norm.normalize(&claim.lhs)?;
        norm.normalize(&claim.rhs)?;
        norm.domain_read();
        norm.take_used_rules();
        let a = norm.normalize(lhs)?;
        let sum_rules = norm.take_used_rules();
        let b = norm.normalize(rhs)?;
        let rhs_rules = norm.take_used_rules();
        if quotients && !norm.unfolded_quotient() {
            continue;
        }
        let nb = norm.neg(&b);
        let diff = norm.add(&a, &nb)?;
        let first = Start {
            problem,
            defs,
            lhs,
            opaque,
            quotients,
            trig,
            budget,
            has_d: claim.lhs.as_ref().iter().any(|n| matches!(n, Math::D(_))),
        };
        if diff.is_zero() {
            let marks = first.marks(first.algebra(&mut norm, &a, &sum_rules)?)?;
            return Ok(Outcome::Equal {
                chain: chain(claim, &marks, &rhs_rules),
            });
        }
        // The first (names kept whole) residual is the one a reader can follow;
        // with `sin-cos-square`, the reduced one (`-1`, not `cos(x)^2 + sin(x)^2 - 2`).
        if residual.is_empty() || trig {
            residual = readable(&mut norm, &diff)?;
            if first.has_d {
                let left = readable(&mut norm, &a)?;
                if left != residual {
                    residual = format!("{residual} (the left side simplifies to {left})");
                }
            }
        }
        let mut solved = solve_equations(&mut norm, problem)?;
        if solved.is_empty() {
            continue;
        }
        if reversed {
            solved.reverse();
        }
        // The chain's start as this normalizer reads it now; the rest of it
        // (a normalizer of its own) only once the assumptions prove the claim.
        let algebra = first.algebra(&mut norm, &a, &sum_rules)?;
        let mut marks = Vec::new();
        let mut a = a.clone();
        let mut used: Vec<Target> = Vec::new();
        for (target, value, text) in &solved {
            // A second equation solved for the same target would replace the
            // first one's value, and the chain would jump: use the first only.
            if used.contains(target) {
                continue;
            }
            used.push(*target);
            let shown = norm.print_target(*target);
            norm.substitute_target(*target, value.clone());
            a = norm.normalize(lhs)?;
            marks.push((
                readable(&mut norm, &a)?,
                Some(format!("assume {text}: {shown} = {}", norm.print(value))),
            ));
        }
        let b = norm.normalize(rhs)?;
        let nb = norm.neg(&b);
        if norm.add(&a, &nb)?.is_zero() {
            let mut all = first.marks(algebra)?;
            all.extend(marks);
            return Ok(Outcome::Equal {
                chain: chain(claim, &all, &rhs_rules),
            });
        }
    }
    Ok(Outcome::Differ { residual })
}

/// One point of the chain: a term and the rule that leads to it (`None`: the default).
pub(super) type Mark = (String, Option<String>);

/// How the chain starts: the derivative's normal form, and with sums first the
/// derivative with its outermost sums kept whole (as the book writes it),
/// then the `sum-*` rules.
pub(super) struct Start<'a> {
    problem: &'a Problem,
    defs: &'a BTreeMap<Symbol, RecExpr<Math>>,
    lhs: &'a RecExpr<Math>,
    opaque: bool,
    quotients: bool,
    trig: bool,
    budget: Budget,
    has_d: bool,
}

impl Start<'_> {
    /// The derivative's normal form `a` as `norm` reads it, with the rules
    /// (`sum_rules`) that brought it there, and whether the chain first shows
    /// it with its sums kept whole.
    fn algebra(
        &self,
        norm: &mut Normalizer,
        a: &Rat,
        sum_rules: &[&str],
    ) -> Result<(Mark, bool), AlgebraError> {
        let mark = (readable(norm, a)?, labelled("algebra", sum_rules));
        Ok((mark, !sum_rules.is_empty() && self.has_d))
    }

    /// The chain's first marks: the derivative with its sums kept whole
    /// (normalized apart, so this may come after the chain's normalizer has
    /// moved on), then the `algebra` mark.
    fn marks(&self, (algebra, sums_first): (Mark, bool)) -> Result<Vec<Mark>, AlgebraError> {
        if !sums_first {
            return Ok(vec![algebra]);
        }
        let mut whole = Normalizer::new(self.defs, self.opaque, self.budget)
            .with_ranges(&self.problem.ranges());
        whole.set_trig(self.trig);
        if self.quotients {
            whole.unfold_quotients();
        }
        add_sign_facts(&mut whole, self.problem)?;
        whole.set_expand_sums(false);
        let r = whole.normalize(self.lhs)?;
        let inner = whole.take_used_rules();
        Ok(vec![
            (
                readable(&mut whole, &r)?,
                labelled("differentiate (lemmas above), algebra", &inner),
            ),
            algebra,
        ])
    }
}

/// `prefix: rule, rule`, or nothing without rules.
fn labelled(prefix: &str, rules: &[&str]) -> Option<String> {
    (!rules.is_empty()).then(|| format!("{prefix}: {}", rules.join(", ")))
}

/// A normal form as a step shows it: products that a name stands for written
/// as the name (`t1*y1` for `t1*exp(a1)/S`), for forms short enough to read.
/// A form whose text would not fit in the work left is a limit (`print_within`).
pub(super) fn readable(norm: &mut Normalizer, r: &Rat) -> Result<String, AlgebraError> {
    if r.num.len() > 64 {
        return norm.print_within(r);
    }
    let folded = norm.fold_names(r)?;
    norm.print_within(&folded)
}

/// The equational chain `lhs = derivative = normal form (= after assumptions) = ... = rhs`.
pub(super) fn chain(claim: &Claim, marks: &[Mark], rhs_rules: &[&str]) -> Vec<Step> {
    let has_d = |e: &RecExpr<Math>| e.as_ref().iter().any(|n| matches!(n, Math::D(_)));
    let mut terms: Vec<(String, String)> = Vec::new();
    // The d-free derivative itself is not printed: as a tree it grows with the
    // square of the number of terms; the lemmas above justify it piece by piece.
    for (i, (text, rule)) in marks.iter().enumerate() {
        let rule = match (i, rule) {
            (_, Some(r)) => r.clone(),
            (0, None) if has_d(&claim.lhs) => "differentiate (lemmas above), algebra".into(),
            _ => "algebra".into(),
        };
        terms.push((rule, text.clone()));
    }
    let last = if has_d(&claim.rhs) {
        "algebra, differentiate (lemmas above)".to_string()
    } else if rhs_rules.is_empty() {
        "algebra".to_string()
    } else {
        format!("algebra: {}", rhs_rules.join(", "))
    };
    terms.push((last, to_infix(&claim.rhs)));
    let mut steps = Vec::new();
    let mut current = to_infix(&claim.lhs);
    for (rule, next) in terms {
        if next != current {
            steps.push(Step::new(rule, current.clone(), next.clone()));
            current = next;
        }
    }
    steps
}

pub(crate) fn add_sign_facts(norm: &mut Normalizer, problem: &Problem) -> Result<(), AlgebraError> {
    norm.without_conditions(|norm| {
        for a in &problem.assumptions {
            let sign = match a.relation {
                Relation::Eq => continue,
                Relation::Gt => Sign::POS,
                Relation::Ge => Sign::NON_NEG,
                Relation::Ne => Sign::NON_ZERO,
            };
            let value = norm.difference(&a.lhs, &a.rhs)?;
            norm.add_fact(value, sign);
        }
        Ok(())
    })
}

/// Solves each `assume` equation for one free variable (or index-free sum), in source order.
pub(crate) fn solve_equations(
    norm: &mut Normalizer,
    problem: &Problem,
) -> Result<Vec<(Target, Rat, String)>, AlgebraError> {
    norm.without_conditions(|norm| {
        let mut solved = Vec::new();
        for a in problem
            .assumptions
            .iter()
            .filter(|a| a.relation == Relation::Eq)
        {
            let p = norm.difference(&a.lhs, &a.rhs)?;
            if let Some((var, value)) = norm.solve_linear(&p) {
                solved.push((var, value, a.text()));
            }
        }
        Ok(solved)
    })
}
