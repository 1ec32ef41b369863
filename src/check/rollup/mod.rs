//! Checking a rolled-up certificate ([`RolledUp`]): the problem must be the
//! template unrolled at its number of classes, `a[2]` written `a2`, node by
//! node; each instance claim its template claim unrolled at the index values
//! it names. The template's claims are checked like any claim, by the kernel,
//! for every `n`. Linear in the size of the problem.
//!
//! Why an instance then holds: the kernel accepts the template claim for
//! every `n >= 1` and every value of its free indices in `1..n`; unrolling
//! is what such a statement means at one `n` (the same unroller checks every
//! counterexample); and renaming `a[i]` to `ai` is one-to-one here (no family
//! name ends in a digit, no other name reads as an element), so the problem
//! says exactly what the unrolled template says. A differentiation variable
//! merged with another name would change a derivative: that is why the
//! renaming must be one-to-one, not merely consistent.

use super::unrolled::{flat, rename, sizes, Early, Unrolled};
use super::*;
use crate::numeric::{Interval, Point, SidesAt};
use crate::report::{InstanceOf, PointValues, RolledUp};
use crate::unroll;
use egg::Language;
use num_rational::BigRational;

/// A verified roll-up: the problem is the template unrolled at `classes`.
pub(crate) struct Rolled {
    classes: usize,
    template: std::sync::Arc<Template>,
}

/// A roll-up's template as the checker reads it from the certificate's
/// roll-up section alone: its definitions, and its claims with their proofs
/// checked by the kernel. Whether the problem is its instance is
/// [`Rolled`]'s to check.
pub(crate) struct Template {
    /// The section it was read from.
    source: RolledUp,
    /// The template's own context (its definitions and assumptions).
    context: Context,
    claims: Vec<TemplateClaim>,
    /// What [`Template::keep_values_at`] kept.
    kept: std::sync::Mutex<Option<Kept>>,
    /// The template unrolled at the section's number of classes, by
    /// [`Template::unroll`] or by [`Rolled::with`], whichever comes first.
    unrolled: Early,
}

/// A point, and a claim's sides' values there.
struct Kept {
    /// The point as written ([`super::points::written`]), when it was kept from its text,
    /// and as read.
    text: Option<Vec<u8>>,
    point: std::sync::Arc<Point>,
    /// What the values are a function of, beyond the point: the claim
    /// (0-based), the number of classes and the index values.
    at: (usize, usize, unroll::Env),
    values: SidesAt,
}

/// A template claim as the checker read it.
struct TemplateClaim {
    lhs: RecExpr<Math>,
    rhs: RecExpr<Math>,
    free: BTreeSet<Symbol>,
    /// Whether the kernel accepts its proof, with no stated condition.
    proved: Result<(), String>,
    /// Whether the certificate says "proved" with no stated condition (so `proved` is the kernel's answer).
    plain_proof: bool,
    /// When the certificate says "disproved": whether the checker accepts
    /// the disproof (its lemmas and its counterexample).
    disproved: Option<Result<(), String>>,
    /// Its sides with every `d` replaced by its kernel-checked lemma.
    expanded: Result<(RecExpr<Math>, RecExpr<Math>), String>,
    /// The functions under a `d` in its sides as written, each with the
    /// indices bound around it ([`crate::language::derivative_bodies_bound`]).
    bodies: Vec<(RecExpr<Math>, Vec<Symbol>)>,
}

impl Template {
    /// Reads the template of `r` and checks its claims' proofs.
    pub(crate) fn new(r: &RolledUp) -> Result<Template, String> {
        Template::until(r, None)
    }

    /// [`Template::new`], its checks stopping at `deadline`.
    pub(crate) fn until(
        r: &RolledUp,
        deadline: Option<std::time::Instant>,
    ) -> Result<Template, String> {
        let header = Report {
            indices: Vec::new(),
            schema: SCHEMA,
            definitions: r.definitions.clone(),
            assumptions: r.assumptions.clone(),
            claims: Vec::new(),
            rolled_up: None,
        };
        let template = Context::new_with(&header, || None, deadline)
            .map_err(|e| format!("the template: {e}"))?;
        let mut claims = Vec::new();
        for c in &r.claims {
            let proof = template.proof(c).map_err(|(_, e)| e)?;
            let free = crate::index::free_in_order_of(&[&proof.lhs, &proof.rhs])
                .into_iter()
                .collect();
            let plain_proof = c.status == Status::Proved && c.conditions.is_empty();
            let proved = if !plain_proof {
                Err("its template claim is not proved without conditions".to_string())
            } else {
                template.check_claim(c).map_err(|(_, e)| e)
            };
            // A disproof's check expands the sides too; a rejection names its
            // step as the prover's self-check would.
            let disproof = (c.status == Status::Disproved).then(|| {
                template
                    .check_disproof(c, &proof)
                    .map_err(|(step, e)| match step {
                        Some(s) => format!("step {s}: {e}"),
                        None => e,
                    })
            });
            let (disproved, expanded) = match disproof {
                Some(Ok(sides)) => (Some(Ok(())), Ok(sides)),
                other => (
                    other.map(|d| d.map(|_| ())),
                    kernel::lemmas(&template.statement, &proof.lemmas)
                        .map_err(|e| e.reason)
                        .and_then(|x| Ok((x.expand(&proof.lhs)?, x.expand(&proof.rhs)?))),
                ),
            };
            let bodies = [&proof.lhs, &proof.rhs]
                .into_iter()
                .flat_map(crate::language::derivative_bodies_bound)
                .collect();
            claims.push(TemplateClaim {
                bodies,
                lhs: proof.lhs,
                rhs: proof.rhs,
                free,
                proved,
                plain_proof,
                disproved,
                expanded,
            });
        }
        Ok(Template {
            source: r.clone(),
            context: template,
            claims,
            kept: Default::default(),
            unrolled: Default::default(),
        })
    }

    /// Every verdict of the template's claims checks, those no instance
    /// claim uses too: a certificate is valid only if all of it is.
    fn check_verdicts(&self) -> Result<(), String> {
        for (i, (t, c)) in self.claims.iter().zip(&self.source.claims).enumerate() {
            let checked = match c.status {
                Status::Proved if t.plain_proof => t.proved.clone(),
                Status::Proved => self.context.check_claim(c).map_err(|(_, e)| e),
                Status::Disproved => t.disproved.clone().unwrap_or(Ok(())),
                Status::Undecided => Ok(()),
            };
            checked.map_err(|e| format!("template claim {}: {e}", i + 1))?;
        }
        Ok(())
    }

    /// Unrolls the template at its section's number of classes, for
    /// [`Rolled::with`] to take instead of unrolling it then, unless it has
    /// begun to (the prover has it done on another thread; the checker alone
    /// first checks that the problem is large enough).
    pub(crate) fn unroll(&self) {
        self.unrolled
            .offer(|| Unrolled::new(&self.context.problem, self.source.classes));
    }

    /// The values at `point` of claim `t`'s (0-based) sides, with every `d`
    /// replaced by its lemma, at `env` and `classes` classes, an element
    /// `a[2]` being the point's `a2`. Evaluated on the template, a sum as a
    /// loop: the same intervals as evaluating the sides unrolled and renamed
    /// ([`crate::numeric::Indexed`]). Values kept (by
    /// [`Template::note_values_at`]) for the same arguments are read back.
    pub(crate) fn values_at(
        &self,
        t: usize,
        classes: usize,
        env: &unroll::Env,
        point: &BTreeMap<Symbol, BigRational>,
    ) -> Result<SidesAt, String> {
        // The kept point itself (as the checker reads it back) is not compared entry by entry.
        let same = |k: &Kept| {
            (k.at.0, k.at.1, &k.at.2) == (t, classes, env)
                && (std::ptr::eq(k.point.as_ref(), point) || *k.point == *point)
        };
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(k) = kept.as_ref().filter(|k| same(k)) {
            return Ok(k.values);
        }
        drop(kept);
        self.evaluate(t, classes, env, point)
    }

    /// [`Template::values_at`], and keeps them as the last values evaluated
    /// (a call with the same arguments reads them back).
    pub(crate) fn note_values_at(
        &self,
        t: usize,
        classes: usize,
        env: &unroll::Env,
        point: &std::sync::Arc<Point>,
    ) -> Result<SidesAt, String> {
        let values = self.values_at(t, classes, env, point)?;
        *self.kept.lock().unwrap_or_else(|e| e.into_inner()) = Some(Kept {
            text: None,
            point: point.clone(),
            at: (t, classes, env.clone()),
            values,
        });
        Ok(values)
    }

    /// The evaluation itself.
    fn evaluate(
        &self,
        t: usize,
        classes: usize,
        env: &unroll::Env,
        point: &BTreeMap<Symbol, BigRational>,
    ) -> Result<SidesAt, String> {
        let c = self.claims.get(t).ok_or("no such template claim")?;
        let (l, r) = c.expanded.as_ref().map_err(|e| e.clone())?;
        let sizes = sizes(classes);
        // The point's values of elements by family and index, read off its
        // names: `a2` is `a` at 2 (`split_element` reads only names that
        // `flat` writes).
        let mut families: rustc_hash::FxHashMap<&str, Symbol> = Default::default();
        let mut values: rustc_hash::FxHashMap<(Symbol, usize), &BigRational> =
            rustc_hash::FxHashMap::with_capacity_and_hasher(point.len(), Default::default());
        for (name, value) in point {
            if let Some((f, i)) = crate::rollup::split_element(name.as_str()) {
                let f = *families.entry(f).or_insert_with(|| Symbol::from(f));
                values.insert((f, i), value);
            }
        }
        let element = |f: Symbol, v: &[usize]| {
            match v {
                [i] => values.get(&(f, *i)).copied(),
                _ => None,
            }
            .or_else(|| point.get(&flat(unroll::element_at(f, v))))
        };
        let mut eval = crate::numeric::Indexed::new(&self.context.defs, &sizes, point, &element);
        within_domain(&mut eval, &c.bodies, env, classes)?;
        Ok(eval.eval(l, env).zip(eval.eval(r, env)))
    }

    /// Reads the point `p` and [`Template::values_at`] there, and keeps
    /// both: a later reading of the same text, or evaluation with the same
    /// arguments, is read back instead of done again (the prover computes
    /// them for its counterexample while the checker is still reading the
    /// problem, and the checker's check of it then costs neither).
    pub(crate) fn keep_values_at(
        &self,
        t: usize,
        classes: usize,
        env: &unroll::Env,
        p: &PointValues,
    ) -> Result<SidesAt, String> {
        // Noted before, with the same arguments at the point the text reads
        // as (or just now): the text goes with it.
        let keep_text = |point: Option<&std::sync::Arc<Point>>| {
            let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
            let k = kept.as_mut().filter(|k| {
                (k.at.0, k.at.1, &k.at.2) == (t, classes, env)
                    && point.map_or_else(|| super::points::reads_as(p, &k.point), |q| *q == k.point)
            })?;
            k.text = Some(super::points::written(p));
            Some(k.values)
        };
        if let Some(values) = keep_text(None) {
            return Ok(values);
        }
        let point = std::sync::Arc::new(super::read_point(p)?);
        let values = self.note_values_at(t, classes, env, &point)?;
        keep_text(Some(&point));
        Ok(values)
    }

    /// The point `p`, read exactly ([`super::read_point`]; the kept reading
    /// when `p` is the text kept).
    fn read_point(&self, p: &PointValues) -> Result<std::sync::Arc<Point>, String> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        match kept.as_ref() {
            Some(k)
                if k.text
                    .as_deref()
                    .is_some_and(|t| super::points::is_written(t, p)) =>
            {
                Ok(k.point.clone())
            }
            _ => Ok(std::sync::Arc::new(super::read_point(p)?)),
        }
    }
}

impl Rolled {
    /// Checks that `concrete` is `r`'s template unrolled, and reads its claims.
    pub(crate) fn new(
        r: &RolledUp,
        concrete: &Problem,
        deadline: Option<std::time::Instant>,
    ) -> Result<Rolled, String> {
        Rolled::with(
            std::sync::Arc::new(Template::until(r, deadline)?),
            r,
            concrete,
        )
    }

    /// [`Rolled::new`] with the template already read: `template` must be
    /// [`Template::new`] of `r` (it is checked: a template read from another
    /// section is refused).
    pub(crate) fn with(
        template: std::sync::Arc<Template>,
        r: &RolledUp,
        concrete: &Problem,
    ) -> Result<Rolled, String> {
        if template.source != *r {
            return Err("the template was read from another roll-up".into());
        }
        let n = r.classes;
        let template_problem = &template.context.problem;
        // Unrolling makes at least n nodes per sum or family: a problem that
        // small cannot be the instance, and a forged n must not cost more.
        let size: usize = concrete
            .definitions
            .iter()
            .map(|d| d.expr.as_ref().len() + 1)
            .chain(
                concrete
                    .assumptions
                    .iter()
                    .map(|a| a.lhs.as_ref().len() + a.rhs.as_ref().len()),
            )
            .sum();
        if n == 0 || n > size {
            return Err(format!("{n} classes for a problem of {size} nodes"));
        }
        let families = template_problem
            .definitions
            .iter()
            .filter(|d| matches!(d.expr.as_ref().last(), Some(Math::Lambda(_))))
            .count();
        let scalars = template_problem.definitions.len() - families;
        if families.checked_mul(n).and_then(|f| f.checked_add(scalars))
            != Some(concrete.definitions.len())
        {
            return Err("the problem does not have the unrolled template's definitions".into());
        }
        if !template_problem.indices.is_empty() {
            return Err("a roll-up template ranges over the classes only".into());
        }
        // Unrolled already ([`Template::unroll`], from the same section), or now.
        let unrolled = template
            .unrolled
            .take(|| Unrolled::new(template_problem, n))?;
        // The claims' names too: each claim at its first class (its names
        // do not depend on which class).
        let mut claims = Vec::new();
        for t in &template.claims {
            let env = t.free.iter().map(|&i| (i, 1)).collect();
            for side in [&t.lhs, &t.rhs] {
                claims.push(unroll::unroll(side, &sizes(n), &env)?);
            }
        }
        unrolled.one_to_one_with(&claims)?;
        let defs = &concrete.definitions;
        if defs.len() != unrolled.problem.definitions.len() {
            return Err("the problem does not have the unrolled template's definitions".into());
        }
        let name = |s| unrolled.name(s);
        for (u, c) in unrolled.problem.definitions.iter().zip(defs) {
            if name(u.name) != c.name || !same_renamed(&u.expr, &c.expr, name) {
                return Err(format!(
                    "the definition of `{}` is not the template's",
                    c.name
                ));
            }
        }
        let assumptions = &concrete.assumptions;
        if assumptions.len() != unrolled.problem.assumptions.len() {
            return Err("the problem does not have the unrolled template's assumptions".into());
        }
        for (u, c) in unrolled.problem.assumptions.iter().zip(assumptions) {
            if u.relation != c.relation
                || !same_renamed(&u.lhs, &c.lhs, name)
                || !same_renamed(&u.rhs, &c.rhs, name)
            {
                return Err(format!(
                    "the assumption `{}` is not the template's",
                    c.text()
                ));
            }
        }
        Ok(Rolled {
            classes: n,
            template,
        })
    }

    /// [`Template::check_verdicts`] of its template.
    pub(crate) fn check_verdicts(&self) -> Result<(), String> {
        self.template.check_verdicts()
    }

    /// Why the checker rejected template claim `t`'s (0-based) proof without
    /// conditions (the kernel) or its disproof, if it did: the prover
    /// withdraws that verdict.
    pub(crate) fn rejected(&self, t: usize) -> Option<&str> {
        let c = self.template.claims.get(t)?;
        match (&c.proved, c.plain_proof, &c.disproved) {
            (Err(why), true, _) | (_, _, Some(Err(why))) => Some(why),
            _ => None,
        }
    }

    /// [`Template::values_at`] at the problem's number of classes.
    pub(crate) fn values_at(
        &self,
        t: usize,
        env: &unroll::Env,
        point: &BTreeMap<Symbol, BigRational>,
    ) -> Result<Option<(Interval, Interval)>, String> {
        self.template.values_at(t, self.classes, env, point)
    }

    /// Checks an instance claim of the problem.
    pub(crate) fn check(
        &self,
        ctx: &Context,
        claim: &ClaimReport,
        inst: &InstanceOf,
    ) -> Result<(), Failure> {
        let fail = |e: String| (None, e);
        let t = inst
            .template
            .checked_sub(1)
            .and_then(|i| self.template.claims.get(i))
            .ok_or_else(|| fail(format!("there is no template claim {}", inst.template)))?;
        let mut env = unroll::Env::new();
        for (name, v) in &inst.indices {
            if !(1..=self.classes).contains(v) {
                return Err(fail(format!(
                    "index {name} = {v} is not a class of 1..{}",
                    self.classes
                )));
            }
            env.insert(Symbol::from(name.as_str()), *v);
        }
        if env.keys().copied().collect::<BTreeSet<_>>() != t.free {
            return Err(fail(
                "the instance does not value the template claim's free indices".into(),
            ));
        }
        let (l, r) = claim
            .claim
            .split_once(" = ")
            .ok_or_else(|| fail("the claim is not an equation".into()))?;
        let (l, r) = (ctx.term(l).map_err(fail)?, ctx.term(r).map_err(fail)?);
        let at =
            |e: &RecExpr<Math>| unroll::unroll(e, &sizes(self.classes), &env).map(|e| rename(&e));
        if !same(&at(&t.lhs).map_err(fail)?, &l) || !same(&at(&t.rhs).map_err(fail)?, &r) {
            return Err(fail(
                "the claim is not its template claim at these indices".into(),
            ));
        }
        if !claim.steps.is_empty()
            || !claim.conditions.is_empty()
            || !claim.side_conditions.is_empty()
        {
            return Err(fail(
                "an instance's proof and conditions are its template claim's".into(),
            ));
        }
        match claim.status {
            Status::Proved => {
                t.proved.clone().map_err(fail)?;
                if !claim.spot_checks.is_empty() {
                    return Err(fail(
                        "an instance's spot checks are its template claim's".into(),
                    ));
                }
                Ok(())
            }
            Status::Disproved => {
                t.expanded.as_ref().map_err(|e| fail(e.clone()))?;
                let cx = claim
                    .counterexample
                    .as_ref()
                    .ok_or_else(|| fail("a disproof needs a counterexample".into()))?;
                // The template's values say whether the point is in the claim's domain.
                let sides = |_: &mut crate::numeric::Evaluator,
                             point: &BTreeMap<Symbol, BigRational>| {
                    self.values_at(inst.template - 1, &env, point)
                };
                let point = self.template.read_point(cx).map_err(fail)?;
                ctx.check_point_by(cx, &point, &sides, false).map_err(fail)
            }
            Status::Undecided => Ok(()),
        }
    }
}

/// Fails where a function under a `d` of a claim (one of its `bodies`) is
/// undefined at `env`, at every value of the indices bound around it (which
/// shadow `env`'s of the same name): there neither is the claim, and the
/// point is none of its points (as [`super::points::within_domain`] says of
/// a claim as written).
fn within_domain(
    eval: &mut crate::numeric::Indexed,
    bodies: &[(RecExpr<Math>, Vec<Symbol>)],
    env: &unroll::Env,
    classes: usize,
) -> Result<(), String> {
    for (body, bound) in bodies {
        let mut bound = bound.clone();
        // By name: the order of the values tried must not depend on the order names were interned.
        bound.sort_unstable_by(|a, b| a.as_str().cmp(b.as_str()));
        bound.dedup();
        let mut at = env.clone();
        at.extend(bound.iter().map(|i| (*i, 1)));
        loop {
            if eval.eval(body, &at).is_none() {
                // By name, not by symbol: the text must not depend on the order names were interned.
                let mut values: Vec<String> =
                    at.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                values.sort();
                let at = if values.is_empty() {
                    String::new()
                } else {
                    format!(" at {}", values.join(", "))
                };
                return Err(format!(
                    "`{}`{at} is undefined at the point, and so is its derivative: the claim says nothing there",
                    crate::print::to_infix(body)
                ));
            }
            // The next values of the bound indices, the last fastest; done after the last.
            let Some(i) = bound.iter().rposition(|i| at[i] < classes) else {
                break;
            };
            *at.get_mut(&bound[i]).expect("valued above") += 1;
            for j in &bound[i + 1..] {
                at.insert(*j, 1);
            }
        }
    }
    Ok(())
}

/// Whether two terms are the same tree (however their nodes are laid out).
pub(crate) fn same(a: &RecExpr<Math>, b: &RecExpr<Math>) -> bool {
    same_renamed(a, b, |s| s)
}

/// Whether `a`, every name `s` in it renamed to `name(s)`, is the same tree
/// as `b` ([`same`], without building the renamed term).
fn same_renamed(a: &RecExpr<Math>, b: &RecExpr<Math>, name: impl Fn(Symbol) -> Symbol) -> bool {
    let mut todo = vec![(root(a), root(b))];
    while let Some((x, y)) = todo.pop() {
        let (x, y) = (&a[x], &b[y]);
        let alike = match (x, y) {
            (Math::Var(s), Math::Var(t)) => name(*s) == *t,
            _ => x.matches(y),
        };
        if !alike {
            return false;
        }
        todo.extend(
            x.children()
                .iter()
                .copied()
                .zip(y.children().iter().copied()),
        );
    }
    true
}

#[cfg(test)]
mod tests;
