//! The exact normal form of a term: a rational function over atoms
//! (`Laurent polynomial / product of polynomial factors`), with `exp`, `log`,
//! `sqrt` and named definitions as atoms. Two terms with equal normal forms are
//! equal wherever both are defined; the side conditions that equality relies on
//! are collected as the term is read. Owns no e-graph and no printing of proofs.
//!
//! This file owns the atoms, arithmetic and reading a term; `facts` owns side
//! conditions and signs, `printing` the input-syntax form, `fold` names back
//! in, `solve` the `assume` equations, `sums` sums over classes and deltas.

mod arith;
use arith::divisor_factors;
mod factored;
mod facts;
mod fold;
mod functions;
mod printing;
#[cfg(test)]
mod round_trip;
mod solve;
mod sums;
#[cfg(test)]
mod tests;
mod transcendental;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::time::Instant;

pub use printing::{natural_cmp, natural_key, natural_order};
pub use sums::SUM_RULES;

use egg::{RecExpr, Symbol};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive};

use super::poly::{AtomId, Monomial, Poly};
use super::sign::Sign;
use crate::language::{Constant, Math};

/// A rational function: `num / (factor_1^e_1 * ...)`; factors are monic
/// polynomials with more than one term, kept in the normalizer's table.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Rat {
    /// The numerator.
    pub num: Poly,
    /// Denominator factors and their exponents.
    pub den: BTreeMap<usize, u32>,
}

impl Rat {
    /// The constant `c`.
    pub fn constant(c: BigRational) -> Rat {
        Rat {
            num: Poly::constant(c),
            den: BTreeMap::new(),
        }
    }

    /// Whether this is zero.
    pub fn is_zero(&self) -> bool {
        self.num.is_zero()
    }

    /// The value if this is a constant.
    pub fn as_constant(&self) -> Option<BigRational> {
        if self.den.is_empty() {
            self.num.as_constant()
        } else {
            None
        }
    }

    /// Whether this is `c * monomial` with no denominator factors.
    pub fn is_monomial(&self) -> bool {
        self.den.is_empty() && self.num.len() <= 1
    }
}

/// What an atom of a normal form stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Atom {
    /// A free variable.
    Var(Symbol),
    /// A `let` name kept whole (its definition is a sum).
    Name(Symbol),
    /// `exp` of a normal form.
    Exp(Rat),
    /// `log` of a normal form.
    Log(Rat),
    /// `sqrt` of a normal form.
    Sqrt(Rat),
    /// A normal form to a non-integer constant power (other than 1/2).
    Root(Rat, Constant),
    /// `a[j]` (or `W[i, j]`) of a free family.
    Element(Symbol, Vec<Symbol>),
    /// `y[j]` of a family defined with an index, kept whole.
    NameElement(Symbol, Symbol),
    /// `delta(j, k)`, the names in order.
    Delta(Symbol, Symbol),
    /// `sum(#d, body)` over the canonical bound index `#d` (see `sums`).
    Sum(Rat, Symbol),
    /// A built-in function of normal forms (by its name in `FUNCTIONS`).
    Func(&'static str, Vec<Rat>),
    /// Something the algebra does not look into (an unevaluated derivative),
    /// with the index names free in it.
    Opaque(String, BTreeSet<Symbol>),
}

/// What an `assume` equation is solved for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A free variable.
    Var(Symbol),
    /// An index-free sum such as `sum(j, t[j])` (an atom of this normalizer).
    Sum(AtomId),
}

/// Why normalization stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlgebraError {
    /// The work or time budget ran out.
    Limit,
    /// A divisor is identically zero.
    ZeroDivisor(String),
}

/// Budgets for one normalizer.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Maximum number of coefficient operations.
    pub max_work: usize,
    /// When to give up.
    pub deadline: Option<Instant>,
}

/// Computes normal forms; one instance per comparison, so atom numbers agree.
pub struct Normalizer<'a> {
    defs: &'a BTreeMap<Symbol, RecExpr<Math>>,
    /// The ranges of the indices (`sum-const` and `sum-delta` depend on them).
    ranges: crate::index::Ranges,
    /// Whether `cos(u)^2` is written `1 - sin(u)^2` (law `sin-cos-square`).
    trig: bool,
    opaque_sums: bool,
    opaque_all: bool,
    /// With names kept whole, a name whose value is one term over factors
    /// (`1/(1 + u^2)`) is unfolded all the same; and whether one was.
    unfold_quotients: bool,
    unfolded_quotient: bool,
    atoms: Vec<Atom>,
    /// The `sqrt` atoms, so signs need not look through every atom.
    roots: Vec<AtomId>,
    atom_index: HashMap<Atom, AtomId>,
    atom_signs: HashMap<AtomId, Sign>,
    /// The index names free in each atom.
    atom_free: Vec<BTreeSet<Symbol>>,
    factors: Vec<Poly>,
    factor_index: HashMap<Poly, usize>,
    /// The index names free in each factor.
    factor_free: Vec<BTreeSet<Symbol>>,
    names: HashMap<Symbol, Rat>,
    element_names: HashMap<(Symbol, Symbol), Rat>,
    /// What each name folds from, read once (`fold`); forgotten with the names.
    fold_index: Option<std::sync::Arc<fold::FoldIndex>>,
    /// Whether sums are expanded by the `sum-*` rules (else kept as atoms).
    expand_sums: bool,
    /// The `sum-*` rules applied so far.
    used_rules: BTreeSet<&'static str>,
    /// The bound index name a sum atom was first written with.
    sum_hints: HashMap<AtomId, Symbol>,
    /// Whether a `delta` atom exists (else `reduce_delta` has nothing to do).
    has_deltas: bool,
    /// Set while `reduce_delta` runs (it multiplies, and must not re-enter).
    reducing_deltas: bool,
    /// Index-free sums that `assume` equations give values.
    atom_substitution: HashMap<AtomId, Rat>,
    /// Canonical bound indices and the names they print as, innermost last.
    print_scope: RefCell<Vec<(Symbol, Symbol)>>,
    /// Atoms already printed, by atom and print scope: an atom nested in
    /// itself (`exp(exp(x))`) is printed for sorting and for output, and
    /// without this each level would double the work.
    printed: RefCell<HashMap<PrintKey, String>>,
    substitution: BTreeMap<Symbol, Rat>,
    facts: Vec<(Rat, Sign)>,
    /// Which of `facts` come from `assume` lines ([`Normalizer::add_fact`]):
    /// those speak of every element they are an instance of; the others (a
    /// condition met in the claim, `a[k] > 0` for `log(a[k])`) of their own element only.
    assumed: Vec<bool>,
    /// How many of `facts` come before the proof's own conditions (the
    /// assumptions' and the claim's domain, [`Normalizer::domain_read`]):
    /// only those decide a step function's value, as in the kernel.
    domain_facts: usize,
    /// Every side condition met, in input syntax: `true` when stated (not established).
    conditions: BTreeMap<String, bool>,
    /// The stated conditions' values and facts, by text.
    stated: BTreeMap<String, (Rat, Sign)>,
    seen_conditions: HashSet<(Rat, &'static str)>,
    budget: Budget,
    work: usize,
}

type Res<T> = Result<T, AlgebraError>;

/// An atom, the print scope it is printed in and its sum's name hint.
type PrintKey = (AtomId, Vec<(Symbol, Symbol)>, Option<Symbol>);

/// The largest coefficient (numerator or denominator, in bits) the algebra
/// computes with: about 30,000 decimal digits, far beyond any derivative's
/// constants, small enough that arithmetic on it stays fast.
pub const MAX_COEFFICIENT_BITS: u64 = 100_000;

impl<'a> Normalizer<'a> {
    /// A normalizer over `defs`. With `opaque_sums`, a name whose definition is
    /// not a single term stays an atom (cheap, and enough for most proofs);
    /// without it every name is unfolded (complete for rational functions).
    pub fn new(
        defs: &'a BTreeMap<Symbol, RecExpr<Math>>,
        opaque_sums: bool,
        budget: Budget,
    ) -> Self {
        Normalizer {
            defs,
            ranges: crate::index::Ranges::default(),
            trig: false,
            opaque_sums,
            opaque_all: false,
            unfold_quotients: false,
            unfolded_quotient: false,
            atoms: Vec::new(),
            roots: Vec::new(),
            atom_index: HashMap::default(),
            atom_signs: HashMap::default(),
            atom_free: Vec::new(),
            factors: Vec::new(),
            factor_index: HashMap::default(),
            factor_free: Vec::new(),
            names: HashMap::default(),
            element_names: HashMap::default(),
            fold_index: None,
            expand_sums: true,
            used_rules: BTreeSet::new(),
            sum_hints: HashMap::default(),
            atom_substitution: HashMap::default(),
            has_deltas: false,
            reducing_deltas: false,
            print_scope: RefCell::new(Vec::new()),
            printed: RefCell::new(HashMap::default()),
            substitution: BTreeMap::new(),
            facts: Vec::new(),
            assumed: Vec::new(),
            domain_facts: 0,
            conditions: BTreeMap::new(),
            seen_conditions: HashSet::default(),
            stated: BTreeMap::new(),
            budget,
            work: 0,
        }
    }

    /// The normalizer with the problem's index ranges: required for any
    /// problem that declares ranges (`index i in 1..m`); without them every
    /// index ranges over `1..n`.
    pub fn with_ranges(mut self, ranges: &crate::index::Ranges) -> Self {
        self.ranges = ranges.clone();
        self
    }

    /// Whether `cos(u)^2` is written `1 - sin(u)^2` from now on.
    pub fn set_trig(&mut self, on: bool) {
        self.trig = on;
    }

    /// From now on every `let` name stays an atom, products included
    /// (`-t1/y1` rather than `-t1*S/exp(a1)`).
    pub fn keep_all_names(&mut self) {
        self.opaque_all = true;
        self.forget_names();
    }

    /// With names kept whole, names whose values are one term over factors
    /// (`u1 = 1/(1 + u0^2)`) unfolded too: a derivative's lemma unfolds
    /// them (`d(u1, x)` is `-2*u0*d(u0, x)/(1 + u0^2)^2`), where a walk
    /// writes `-u1^2`. Whether one was unfolded: [`Normalizer::unfolded_quotient`].
    pub fn unfold_quotients(&mut self) {
        self.unfold_quotients = true;
        self.forget_names();
    }

    /// Whether a name was unfolded only because [`Normalizer::unfold_quotients`] is on.
    pub fn unfolded_quotient(&self) -> bool {
        self.unfolded_quotient
    }

    /// Whether sums are expanded by the `sum-*` rules (the default) or the
    /// outermost ones kept whole with normalized bodies (to show a derivative
    /// before they apply).
    pub fn set_expand_sums(&mut self, expand: bool) {
        self.expand_sums = expand;
        self.forget_names();
    }

    /// The `sum-*` rules applied since the last call, in table order.
    pub fn take_used_rules(&mut self) -> Vec<&'static str> {
        let used = std::mem::take(&mut self.used_rules);
        SUM_RULES
            .iter()
            .copied()
            .filter(|r| used.contains(r))
            .collect()
    }

    /// Whether a name whose value is `value` stays an atom: always with
    /// [`Normalizer::keep_all_names`], and for sums when names are kept
    /// whole (one term over factors too, unless quotients are unfolded).
    fn keeps_whole(&mut self, value: &Rat) -> bool {
        let has_sum = value.num.0.keys().any(|m| {
            m.0.iter()
                .any(|(a, _)| matches!(self.atoms[*a], Atom::Sum(..)))
        });
        if self.opaque_all || !self.opaque_sums || has_sum || value.is_monomial() {
            return self.opaque_all || (self.opaque_sums && has_sum);
        }
        let quotient = value.num.len() <= 1 && self.unfold_quotients;
        self.unfolded_quotient |= quotient;
        !quotient
    }

    /// A new budget of work; what is normalized (the definitions) is kept.
    pub fn fresh_budget(&mut self) {
        self.work = 0;
    }

    pub(super) fn charge(&mut self, units: usize) -> Res<()> {
        self.work += units;
        if self.work > self.budget.max_work {
            return Err(AlgebraError::Limit);
        }
        if self.work % 4096 < units {
            if let Some(deadline) = self.budget.deadline {
                if Instant::now() > deadline {
                    return Err(AlgebraError::Limit);
                }
            }
        }
        Ok(())
    }

    /// `a * b`, charged row by row: one product of two long polynomials can
    /// take seconds, so the deadline is looked at inside it, not only before.
    /// Coefficients larger than [`MAX_COEFFICIENT_BITS`] end the work too.
    fn poly_mul(&mut self, a: &Poly, b: &Poly) -> Res<Poly> {
        let (a, b) = if a.len() < b.len() { (b, a) } else { (a, b) };
        let mut out = crate::algebra::poly::Terms::new(a.len().saturating_mul(b.len()));
        for (m, c) in &a.0 {
            self.charge(b.len() + 1)?;
            self.check_deadline()?;
            for (n, d) in &b.0 {
                let product = crate::algebra::poly::mul(c, d);
                if product.numer().bits() > MAX_COEFFICIENT_BITS
                    || product.denom().bits() > MAX_COEFFICIENT_BITS
                {
                    return Err(AlgebraError::Limit);
                }
                out.push(m.mul(n), product);
            }
        }
        Ok(out.finish())
    }

    pub(super) fn check_deadline(&self) -> Res<()> {
        match self.budget.deadline {
            Some(deadline) if Instant::now() > deadline => Err(AlgebraError::Limit),
            _ => Ok(()),
        }
    }

    fn atom(&mut self, atom: Atom) -> AtomId {
        if let Some(&id) = self.atom_index.get(&atom) {
            return id;
        }
        let id = self.atoms.len();
        let free = self.free_of_atom(&atom);
        self.atom_free.push(free);
        if matches!(atom, Atom::Sqrt(_)) {
            self.roots.push(id);
        }
        self.atoms.push(atom.clone());
        self.atom_index.insert(atom, id);
        id
    }

    fn atom_rat(&mut self, atom: Atom, e: i64) -> Rat {
        let id = self.atom(atom);
        Rat {
            num: Poly::term(Monomial::atom(id, e), BigRational::one()),
            den: BTreeMap::new(),
        }
    }

    /// Normal form of the whole term.
    pub fn normalize(&mut self, expr: &RecExpr<Math>) -> Res<Rat> {
        let nodes = expr.as_ref();
        // A node used once hands its normal form over instead of cloning it.
        let mut uses = vec![0u32; nodes.len()];
        for node in nodes {
            for c in egg::Language::children(node) {
                uses[usize::from(*c)] += 1;
            }
            // A divisor `u^k * v` is non-zero exactly where `u` and `v` are: keep them.
            if let Math::Div([_, b]) = node {
                for (base, _) in divisor_factors(nodes, *b) {
                    uses[usize::from(base)] += 1;
                }
            }
        }
        let slots = if crate::index::is_indexed(expr) {
            crate::index::slots(expr)
        } else {
            Vec::new()
        };
        // With sums kept whole, only the outermost are: those inside a sum are expanded.
        let nested = if !self.expand_sums && !slots.is_empty() {
            sums::nested_in_sums(nodes)
        } else {
            Vec::new()
        };
        let name_at = |id: &egg::Id| match &nodes[usize::from(*id)] {
            Math::Var(s) => *s,
            _ => Symbol::from("?"),
        };
        let mut out: Vec<Rat> = Vec::with_capacity(nodes.len());
        for (i, node) in nodes.iter().enumerate() {
            if slots.get(i).is_some_and(|s| *s != crate::index::Slot::Term) {
                out.push(Rat::default());
                continue;
            }
            // The factors of a divisor `u^k * v`, each of which must be non-zero.
            let factors: Vec<(Rat, i64)> = match node {
                Math::Div([_, b]) => divisor_factors(nodes, *b)
                    .into_iter()
                    .map(|(base, k)| (out[usize::from(base)].clone(), k))
                    .collect(),
                _ => Vec::new(),
            };
            let mut get = |i: &egg::Id| {
                let i = usize::from(*i);
                if uses[i] == 1 {
                    std::mem::take(&mut out[i])
                } else {
                    out[i].clone()
                }
            };
            let r = match node {
                Math::Num(c) => Rat::constant(c.0.clone()),
                Math::Var(v) => self.variable(*v)?,
                Math::Add([a, b]) => {
                    let (a, b) = (get(a), get(b));
                    self.add_owned(a, &b)?
                }
                Math::Sub([a, b]) => {
                    let (a, b) = (get(a), get(b));
                    let nb = self.neg(&b);
                    self.add_owned(a, &nb)?
                }
                Math::Mul([a, b]) => self.mul(&get(a), &get(b))?,
                Math::Div([a, _]) => {
                    // `a / (u^k * v)` as `a * (1/u)^k * (1/v)`: the denominator keeps its factors.
                    let mut acc = get(a);
                    for (base, k) in &factors {
                        self.require(base, Sign::NON_ZERO, "!=")?;
                        let inv = self.inv(base)?;
                        let p = self.powi(&inv, *k)?;
                        acc = self.mul(&acc, &p)?;
                    }
                    acc
                }
                Math::Neg(a) => self.neg(&get(a)),
                Math::Pow([a, b]) => self.pow(&get(a), &get(b))?,
                Math::Exp(a) => self.exp(&get(a))?,
                Math::Log(a) => {
                    let arg = get(a);
                    self.require(&arg, Sign::POS, ">")?;
                    self.log(&arg)?
                }
                Math::Sqrt(a) => {
                    let arg = get(a);
                    self.require(&arg, Sign::NON_NEG, ">=")?;
                    self.sqrt(&arg)?
                }
                Math::D([f, x]) => {
                    let (f, x) = (get(f), get(x));
                    let text = format!("d({}, {})", self.print(&f), self.print(&x));
                    let mut free = self.free_of(&f);
                    free.extend(self.free_of(&x));
                    self.atom_rat(Atom::Opaque(text, free), 1)
                }
                Math::Idx(c) => {
                    let family = name_at(&c[0]);
                    match &c[1..] {
                        [j] if self.defs.contains_key(&family) => {
                            self.name_element(family, name_at(j))?
                        }
                        indices => {
                            let indices = indices.iter().map(name_at).collect();
                            self.element(family, indices)
                        }
                    }
                }
                Math::Delta([j, k]) => self.delta(name_at(j), name_at(k)),
                Math::Sum([j, body]) => {
                    let body = get(body);
                    let expand = self.expand_sums || nested.get(i).copied().unwrap_or(false);
                    self.sum_over(&body, name_at(j), expand)?
                }
                Math::Lambda(_) => {
                    let text = crate::print::infix_at(expr, egg::Id::from(i));
                    self.atom_rat(Atom::Opaque(text, BTreeSet::new()), 1)
                }
                // Every other node is a built-in function.
                f => {
                    let args = egg::Language::children(f).iter().map(&mut get).collect();
                    self.function(&f.to_string(), args)?
                }
            };
            out.push(r);
        }
        // `delta-subst` on the whole result only: a product inside it may still
        // meet a denominator, and the rule leaves terms over such denominators alone.
        let r = out.pop().unwrap_or_default();
        self.reduce_delta(r)
    }

    fn variable(&mut self, v: Symbol) -> Res<Rat> {
        if let Some(r) = self.substitution.get(&v) {
            return Ok(r.clone());
        }
        let Some(def) = self.defs.get(&v) else {
            return Ok(self.atom_rat(Atom::Var(v), 1));
        };
        if let Some(r) = self.names.get(&v) {
            return Ok(r.clone());
        }
        let value = self.normalize(def)?;
        let r = self.whole_or_unfolded(value, Atom::Name(v));
        self.names.insert(v, r.clone());
        Ok(r)
    }

    /// A name's value, or the name as an atom (with the value's sign) when
    /// names of such values stay whole.
    fn whole_or_unfolded(&mut self, value: Rat, name: Atom) -> Rat {
        if !self.keeps_whole(&value) {
            return value;
        }
        let sign = self.sign(&value);
        let id = self.atom(name);
        self.atom_signs.insert(id, sign);
        Rat {
            num: Poly::term(Monomial::atom(id, 1), BigRational::one()),
            den: BTreeMap::new(),
        }
    }

    fn expand_factors(&mut self, exps: &BTreeMap<usize, u32>) -> Res<Poly> {
        let mut acc = Poly::constant(BigRational::one());
        for (&f, &e) in exps {
            for _ in 0..e {
                let factor = self.factors[f].clone();
                acc = self.poly_mul(&acc, &factor)?;
            }
        }
        Ok(acc)
    }

    /// The normal form of `lhs - rhs`.
    pub fn difference(&mut self, lhs: &RecExpr<Math>, rhs: &RecExpr<Math>) -> Res<Rat> {
        let a = self.normalize(lhs)?;
        let b = self.normalize(rhs)?;
        let nb = self.neg(&b);
        self.add_owned(a, &nb)
    }
}
