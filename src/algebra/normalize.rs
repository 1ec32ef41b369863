//! The exact normal form of a term: a rational function over atoms
//! (`Laurent polynomial / product of polynomial factors`), with `exp`, `log`,
//! `sqrt` and named definitions as atoms. Two terms with equal normal forms are
//! equal wherever both are defined; the side conditions that equality relies on
//! are collected as the term is read. Owns no e-graph and no printing of proofs.
//!
//! This file owns the atoms, arithmetic and reading a term; `facts` owns side
//! conditions and signs, `printing` the input-syntax form, `solve` the
//! `assume` equations, `sums` sums over classes and deltas.

mod facts;
mod printing;
#[cfg(test)]
mod round_trip;
mod solve;
mod sums;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::Instant;

pub use printing::{natural_cmp, natural_key};
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
    /// `a[j]` of a free family.
    Element(Symbol, Symbol),
    /// `y[j]` of a family defined with an index, kept whole.
    NameElement(Symbol, Symbol),
    /// `delta(j, k)`, the names in order.
    Delta(Symbol, Symbol),
    /// `sum(#d, body)` over the canonical bound index `#d` (see `sums`).
    Sum(Rat, Symbol),
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
    opaque_sums: bool,
    opaque_all: bool,
    atoms: Vec<Atom>,
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
            opaque_sums,
            opaque_all: false,
            atoms: Vec::new(),
            atom_index: HashMap::new(),
            atom_signs: HashMap::new(),
            atom_free: Vec::new(),
            factors: Vec::new(),
            factor_index: HashMap::new(),
            factor_free: Vec::new(),
            names: HashMap::new(),
            element_names: HashMap::new(),
            expand_sums: true,
            used_rules: BTreeSet::new(),
            sum_hints: HashMap::new(),
            atom_substitution: HashMap::new(),
            has_deltas: false,
            reducing_deltas: false,
            print_scope: RefCell::new(Vec::new()),
            printed: RefCell::new(HashMap::new()),
            substitution: BTreeMap::new(),
            facts: Vec::new(),
            conditions: BTreeMap::new(),
            seen_conditions: HashSet::new(),
            stated: BTreeMap::new(),
            budget,
            work: 0,
        }
    }

    /// From now on every `let` name stays an atom, products included
    /// (`-t1/y1` rather than `-t1*S/exp(a1)`).
    pub fn keep_all_names(&mut self) {
        self.opaque_all = true;
        self.names.clear();
        self.element_names.clear();
    }

    /// Whether sums are expanded by the `sum-*` rules (the default) or the
    /// outermost ones kept whole with normalized bodies (to show a derivative
    /// before they apply).
    pub fn set_expand_sums(&mut self, expand: bool) {
        self.expand_sums = expand;
        self.names.clear();
        self.element_names.clear();
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
    /// [`Normalizer::keep_all_names`], and for sums when names are kept whole.
    fn keeps_whole(&self, value: &Rat) -> bool {
        let has_sum = value.num.0.keys().any(|m| {
            m.0.iter()
                .any(|(a, _)| matches!(self.atoms[*a], Atom::Sum(..)))
        });
        self.opaque_all || (self.opaque_sums && (!value.is_monomial() || has_sum))
    }

    /// How many atom factors `r` is written with: a measure of how simple it reads.
    pub fn weight(&self, r: &Rat) -> usize {
        let poly = |p: &Poly| -> usize {
            p.0.keys()
                .map(|m| {
                    m.0.iter()
                        .map(|(_, e)| e.unsigned_abs() as usize)
                        .sum::<usize>()
                        .max(1)
                })
                .sum()
        };
        poly(&r.num) + r.den.keys().map(|f| poly(&self.factors[*f])).sum::<usize>()
    }

    /// From now on, the free variable `var` stands for `value`.
    pub fn substitute(&mut self, var: Symbol, value: Rat) {
        self.substitution.insert(var, value);
        // Forget only the names whose definitions (through other names) use `var`.
        fn uses(
            name: Symbol,
            var: Symbol,
            defs: &BTreeMap<Symbol, RecExpr<Math>>,
            memo: &mut HashMap<Symbol, bool>,
        ) -> bool {
            if let Some(&known) = memo.get(&name) {
                return known;
            }
            let found = defs[&name].as_ref().iter().any(|n| match n {
                Math::Var(s) if *s == var => true,
                Math::Var(s) if defs.contains_key(s) => uses(*s, var, defs, memo),
                _ => false,
            });
            memo.insert(name, found);
            found
        }
        let mut memo: HashMap<Symbol, bool> = HashMap::new();
        let stale: Vec<Symbol> = self
            .names
            .keys()
            .copied()
            .filter(|name| uses(*name, var, self.defs, &mut memo))
            .collect();
        for name in stale {
            self.names.remove(&name);
        }
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
        let mut out = Poly::zero();
        for (m, c) in &a.0 {
            self.charge(b.len() + 1)?;
            self.check_deadline()?;
            for (n, d) in &b.0 {
                let product = c * d;
                if product.numer().bits() > MAX_COEFFICIENT_BITS
                    || product.denom().bits() > MAX_COEFFICIENT_BITS
                {
                    return Err(AlgebraError::Limit);
                }
                out.add_term(m.mul(n), product);
            }
        }
        Ok(out)
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
            nested_in_sums(nodes)
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
                Math::Idx([a, j]) => {
                    let (family, j) = (name_at(a), name_at(j));
                    if self.defs.contains_key(&family) {
                        self.name_element(family, j)?
                    } else {
                        self.element(family, j)
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

    /// `a + b` over the least common denominator.
    pub fn add(&mut self, a: &Rat, b: &Rat) -> Res<Rat> {
        self.add_owned(a.clone(), b)
    }

    /// `a + b`, reusing `a`'s storage: summing a long chain costs linear time.
    fn add_owned(&mut self, mut a: Rat, b: &Rat) -> Res<Rat> {
        if a.den == b.den {
            self.charge(b.num.len() + 1)?;
            for (m, c) in &b.num.0 {
                a.num.add_term(m.clone(), c.clone());
            }
            return Ok(self.tidy(a));
        }
        let mut lcm = a.den.clone();
        for (&f, &e) in &b.den {
            let v = lcm.entry(f).or_insert(0);
            *v = (*v).max(e);
        }
        let missing = |d: &BTreeMap<usize, u32>| -> BTreeMap<usize, u32> {
            lcm.iter()
                .map(|(f, e)| (*f, e - d.get(f).copied().unwrap_or(0)))
                .filter(|(_, e)| *e > 0)
                .collect()
        };
        let (ma, mb) = (missing(&a.den), missing(&b.den));
        let fa = self.expand_factors(&ma)?;
        let fb = self.expand_factors(&mb)?;
        let num = self.poly_mul(&a.num, &fa)?;
        let num = num.add(&self.poly_mul(&b.num, &fb)?);
        Ok(self.tidy(Rat { num, den: lcm }))
    }

    fn tidy(&self, r: Rat) -> Rat {
        if r.num.is_zero() {
            return Rat::default();
        }
        self.cancel(r)
    }

    /// Cancels a denominator factor `f` when the numerator is `c*m*f` for a
    /// constant `c` and monomial `m` (`A/A = 1`); no polynomial gcd beyond that.
    fn cancel(&self, mut r: Rat) -> Rat {
        loop {
            let found = r.den.keys().copied().find_map(|f| {
                let factor = &self.factors[f];
                if factor.len() != r.num.len() || factor.len() > 64 {
                    return None;
                }
                let (n1, d1) = factor.0.iter().next()?;
                r.num.0.iter().find_map(|(m, c)| {
                    let shift = m.mul(&n1.inv());
                    let scale = c / d1;
                    (factor.shift(&shift).scale(&scale) == r.num).then_some((f, shift, scale))
                })
            });
            let Some((f, shift, scale)) = found else {
                return r;
            };
            r.num = Poly::term(shift, scale);
            let e = r.den.get_mut(&f).expect("the factor is in the denominator");
            *e -= 1;
            if *e == 0 {
                r.den.remove(&f);
            }
        }
    }

    /// `-a`.
    pub fn neg(&self, a: &Rat) -> Rat {
        Rat {
            num: a.num.scale(&-BigRational::one()),
            den: a.den.clone(),
        }
    }

    /// `a * b`.
    pub fn mul(&mut self, a: &Rat, b: &Rat) -> Res<Rat> {
        let mut den = a.den.clone();
        for (&f, &e) in &b.den {
            *den.entry(f).or_insert(0) += e;
        }
        let num = self.poly_mul(&a.num, &b.num)?;
        let r = self.tidy(Rat { num, den });
        self.reduce_sqrt(r)
    }

    /// `1 / a`; the caller has recorded `a != 0`.
    fn inv(&mut self, a: &Rat) -> Res<Rat> {
        if a.is_zero() {
            return Err(AlgebraError::ZeroDivisor(self.print(a)));
        }
        let moved = self.expand_factors(&a.den)?;
        let content = a.num.monomial_content();
        let rest = a.num.shift(&content.inv());
        let lead = rest.primitive_scale();
        let monic = rest.scale(&lead.recip());
        let scale = Poly::term(content.inv(), lead.recip());
        let num = self.poly_mul(&moved, &scale)?;
        let mut den = BTreeMap::new();
        if monic.len() > 1 {
            let id = match self.factor_index.get(&monic) {
                Some(&id) => id,
                None => {
                    let id = self.factors.len();
                    let free: BTreeSet<Symbol> = monic
                        .0
                        .keys()
                        .flat_map(|m| {
                            m.0.iter()
                                .flat_map(|(a, _)| self.atom_free[*a].iter().copied())
                        })
                        .collect();
                    self.factor_free.push(free);
                    self.factors.push(monic.clone());
                    self.factor_index.insert(monic, id);
                    id
                }
            };
            den.insert(id, 1);
        }
        Ok(Rat { num, den })
    }

    fn powi(&mut self, a: &Rat, e: i64) -> Res<Rat> {
        if e < 0 {
            // Invert first, so a sum keeps its own factor: `1/(x + y)^2`, not `1/(x^2 + 2*x*y + y^2)`.
            let inv = self.inv(a)?;
            return self.powi(&inv, -e);
        }
        let mut acc = Rat::constant(BigRational::one());
        let mut base = a.clone();
        let mut e = e;
        while e > 0 {
            if e & 1 == 1 {
                acc = self.mul(&acc, &base)?;
            }
            e >>= 1;
            if e > 0 {
                base = self.mul(&base, &base)?;
            }
        }
        Ok(acc)
    }

    fn pow(&mut self, base: &Rat, exponent: &Rat) -> Res<Rat> {
        let Some(c) = exponent.as_constant() else {
            // A general power is exp(exponent * log(base)), defined for base > 0.
            self.require(base, Sign::POS, ">")?;
            let l = self.log(base)?;
            let prod = self.mul(exponent, &l)?;
            return self.exp(&prod);
        };
        if c.is_integer() {
            let e = c.to_integer().to_i64().ok_or(AlgebraError::Limit)?;
            if e.abs() > 1000 {
                return Err(AlgebraError::Limit);
            }
            if e < 0 {
                self.require(base, Sign::NON_ZERO, "!=")?;
            }
            return self.powi(base, e);
        }
        if c.is_negative() {
            self.require(base, Sign::POS, ">")?;
        } else {
            self.require(base, Sign::NON_NEG, ">=")?;
        }
        if c.denom() == &BigInt::from(2) {
            let s = self.sqrt(base)?;
            let e = c.numer().to_i64().ok_or(AlgebraError::Limit)?;
            return self.powi(&s, e);
        }
        Ok(self.atom_rat(Atom::Root(base.clone(), Constant(c)), 1))
    }

    /// `exp(a)`, split over the terms of `a` so that `exp(u)*exp(v)` and `exp(u+v)` agree.
    fn exp(&mut self, a: &Rat) -> Res<Rat> {
        if !a.den.is_empty() {
            return Ok(self.atom_rat(Atom::Exp(a.clone()), 1));
        }
        let mut acc = Rat::constant(BigRational::one());
        for (m, c) in a.num.0.clone() {
            if let Some(u) = self.log_argument(&m) {
                if c.is_integer() {
                    // exp(c*log(u)) = u^c where log(u) is defined, that is u > 0.
                    let e = c.to_integer().to_i64().ok_or(AlgebraError::Limit)?;
                    let p = self.powi(&u, e)?;
                    acc = self.mul(&acc, &p)?;
                    continue;
                }
            }
            let q = BigRational::from_integer(c.denom().clone());
            let p = c.numer().to_i64().ok_or(AlgebraError::Limit)?;
            let arg = Rat {
                num: Poly::term(m, q.recip()),
                den: BTreeMap::new(),
            };
            let id = self.atom(Atom::Exp(arg));
            self.atom_signs.insert(id, Sign::POS);
            let factor = Rat {
                num: Poly::term(Monomial::atom(id, p), BigRational::one()),
                den: BTreeMap::new(),
            };
            acc = self.mul(&acc, &factor)?;
        }
        Ok(acc)
    }

    /// `u` when `m` is exactly `log(u)`.
    fn log_argument(&self, m: &Monomial) -> Option<Rat> {
        match m.0.as_slice() {
            [(a, 1)] => match &self.atoms[*a] {
                Atom::Log(u) => Some(u.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    /// `log(a)`: split into a sum of logs only where every factor is surely positive.
    fn log(&mut self, a: &Rat) -> Res<Rat> {
        if let Some(c) = a.as_constant() {
            if c.is_one() {
                return Ok(Rat::default());
            }
            return Ok(self.atom_rat(Atom::Log(a.clone()), 1));
        }
        let splittable = match a.num.as_term() {
            Some((m, c)) => {
                c.is_positive()
                    && m.0.iter().all(|(atom, _)| self.atom_sign(*atom).is_pos())
                    && a.den.keys().all(|f| {
                        let p = self.factors[*f].clone();
                        self.poly_sign(&p).is_pos()
                    })
            }
            None => false,
        };
        if !splittable {
            return Ok(self.atom_rat(Atom::Log(a.clone()), 1));
        }
        let (m, c) = a
            .num
            .as_term()
            .map(|(m, c)| (m.clone(), c.clone()))
            .expect("one term");
        let mut acc = if c.is_one() {
            Rat::default()
        } else {
            self.atom_rat(Atom::Log(Rat::constant(c)), 1)
        };
        for (atom, e) in m.0 {
            let part = match self.atoms[atom].clone() {
                Atom::Exp(arg) => arg,
                _ => {
                    let single = Rat {
                        num: Poly::term(Monomial::atom(atom, 1), BigRational::one()),
                        den: BTreeMap::new(),
                    };
                    self.atom_rat(Atom::Log(single), 1)
                }
            };
            let scaled = Rat {
                num: part.num.scale(&BigRational::from_integer(BigInt::from(e))),
                den: part.den,
            };
            acc = self.add(&acc, &scaled)?;
        }
        for (f, e) in a.den.clone() {
            let factor = Rat {
                num: self.factors[f].clone(),
                den: BTreeMap::new(),
            };
            let l = self.atom_rat(Atom::Log(factor), 1);
            let scaled = Rat {
                num: l.num.scale(&-BigRational::from_integer(BigInt::from(e))),
                den: l.den,
            };
            acc = self.add(&acc, &scaled)?;
        }
        Ok(acc)
    }

    fn sqrt(&mut self, a: &Rat) -> Res<Rat> {
        if let Some(c) = a.as_constant() {
            if !c.is_negative() {
                let (n, d) = (c.numer().clone(), c.denom().clone());
                let (rn, rd) = (n.sqrt(), d.sqrt());
                if &rn * &rn == n && &rd * &rd == d {
                    return Ok(Rat::constant(BigRational::new(rn, rd)));
                }
            }
        }
        // Its sign is read from its argument when asked (see `atom_sign`), not
        // cached: facts change, and a cached sign would outlive them.
        let id = self.atom(Atom::Sqrt(a.clone()));
        Ok(Rat {
            num: Poly::term(Monomial::atom(id, 1), BigRational::one()),
            den: BTreeMap::new(),
        })
    }

    /// Rewrites `sqrt(u)^e` with `|e| >= 2` as `u^(e div 2) * sqrt(u)^(e mod 2)`.
    fn reduce_sqrt(&mut self, r: Rat) -> Res<Rat> {
        let needs = r.num.0.keys().any(|m| {
            m.0.iter()
                .any(|(a, e)| e.abs() >= 2 && matches!(self.atoms[*a], Atom::Sqrt(_)))
        });
        if !needs {
            return Ok(r);
        }
        let mut total = Rat::default();
        for (m, c) in r.num.0.clone() {
            let mut keep = Vec::new();
            let mut extra = Rat::constant(c);
            for (a, e) in m.0 {
                match (&self.atoms[a], e.abs() >= 2) {
                    (Atom::Sqrt(u), true) => {
                        let u = u.clone();
                        let half = e.div_euclid(2);
                        let p = self.powi(&u, half)?;
                        extra = self.mul(&extra, &p)?;
                        if e.rem_euclid(2) != 0 {
                            keep.push((a, 1));
                        }
                    }
                    _ => keep.push((a, e)),
                }
            }
            let base = Rat {
                num: Poly::term(Monomial(keep), BigRational::one()),
                den: BTreeMap::new(),
            };
            let t = self.mul(&extra, &base)?;
            total = self.add(&total, &t)?;
        }
        Ok(Rat {
            num: total.num,
            den: {
                let mut d = total.den;
                for (f, e) in r.den {
                    *d.entry(f).or_insert(0) += e;
                }
                d
            },
        })
    }
}

/// Which nodes lie inside the body of a `sum` (top-down from every `sum` node).
fn nested_in_sums(nodes: &[Math]) -> Vec<bool> {
    let mut inside = vec![false; nodes.len()];
    for i in (0..nodes.len()).rev() {
        let mark = inside[i] || matches!(nodes[i], Math::Sum(_));
        if mark {
            for c in egg::Language::children(&nodes[i]) {
                inside[usize::from(*c)] = true;
            }
        }
    }
    inside
}

/// The factors of the divisor at `id` with their exponents: products are
/// split and small positive integer powers peeled (`(x + y)^2*z` gives
/// `x + y` twice and `z` once).
fn divisor_factors(nodes: &[Math], id: egg::Id) -> Vec<(egg::Id, i64)> {
    let mut out = Vec::new();
    let mut todo = vec![(id, 1i64)];
    while let Some((id, k)) = todo.pop() {
        match &nodes[usize::from(id)] {
            Math::Mul([a, b]) => {
                todo.push((*b, k));
                todo.push((*a, k));
            }
            Math::Pow([base, e]) => match &nodes[usize::from(*e)] {
                Math::Num(c) if c.is_integer() => match c.0.to_integer().to_i64() {
                    Some(p) if (1..=1000).contains(&p) && k.saturating_mul(p) <= 1000 => {
                        todo.push((*base, k * p))
                    }
                    _ => out.push((id, k)),
                },
                _ => out.push((id, k)),
            },
            _ => out.push((id, k)),
        }
    }
    out
}
