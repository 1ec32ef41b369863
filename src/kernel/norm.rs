//! The kernel's normal form: a term as a rational function over opaque atoms
//! (`Laurent polynomial / product of polynomial factors`). Field arithmetic
//! is always on; every other law (`exp-sum`, `sum-delta`, unfolding a name …)
//! applies only when the step names it, and is recorded when it fires. The
//! definedness conditions met while reading a term are collected. Owns no
//! chain and no lemmas.
//!
//! This file owns the atoms and reading a term; `arith` owns field
//! arithmetic, `facts` signs and conditions, `laws` the laws on `exp`, `log`,
//! `sqrt` and powers, `sums` sums over the classes, `solve` what an
//! assumption step needs.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::collections::{BTreeMap, BTreeSet};

use egg::{Id, Language, RecExpr, Symbol};
use num_rational::BigRational;
use num_traits::{One, ToPrimitive, Zero};

mod arith;
mod facts;
mod functions;
mod laws;
mod solve;
mod sums;

use super::poly::{AtomId, Mono, Poly};
use super::sign::Signs;
use super::term;
use crate::language::{index, Math, Ranges};

pub use crate::rules::laws::FUNCTION_LAWS;
pub use laws::LAWS;

/// A rational function: `num / (factor_1^e_1 * ...)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Frac {
    /// The numerator.
    pub num: Poly,
    /// Denominator factors (by number) and exponents, sorted.
    pub den: Vec<(u32, u32)>,
}

impl Frac {
    fn constant(c: BigRational) -> Frac {
        Frac {
            num: Poly::constant(c),
            den: vec![],
        }
    }
    /// Whether this is zero.
    pub fn is_zero(&self) -> bool {
        self.num.is_zero()
    }
    fn as_constant(&self) -> Option<BigRational> {
        if self.den.is_empty() {
            self.num.as_constant()
        } else {
            None
        }
    }
    /// Whether this is a constant other than zero.
    pub fn is_nonzero_constant(&self) -> bool {
        self.as_constant().is_some_and(|c| !c.is_zero())
    }
    fn is_monomial(&self) -> bool {
        self.den.is_empty() && self.num.len() <= 1
    }
}

/// What an atom stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Atom {
    Var(Symbol),
    Name(Symbol),
    NameElem(Symbol, Symbol),
    Elem(Symbol, Vec<Symbol>),
    Delta(Symbol, Symbol),
    Exp(Frac),
    Log(Frac),
    Sqrt(Frac),
    Root(Frac, BigRational),
    /// `sum(#h, body)`, the bound index named `#h` by its height (with its
    /// range's suffix, `#hi`, for a declared range), and that name.
    Sum(Frac, u32, Symbol),
    /// The size of a range, `sum(j, 1)`: `n` or a declared size.
    Size(Symbol),
    /// A built-in function of its arguments (`functions`).
    Func(&'static str, Vec<Frac>),
    /// A derivative, kept as written (with its free indices): `d` is not
    /// pointwise, so an assumption's substitution must not reach inside it.
    Deriv(RecExpr<Math>, Vec<Symbol>),
}

/// A relation of a condition to zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rel {
    /// `!= 0`
    Ne,
    /// `> 0`
    Gt,
    /// `>= 0`
    Ge,
}

impl Rel {
    fn allowed(self) -> Signs {
        match self {
            Rel::Ne => Signs(5),
            Rel::Gt => Signs::POS,
            Rel::Ge => Signs::NON_NEG,
        }
    }
}

/// Why the normalizer stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// The work budget ran out.
    Limit,
    /// The deadline passed (the prover's time limit; `backprove check --timeout`).
    Time,
    /// Something the kernel does not read (with what).
    Unsupported(String),
}

type Res<T> = Result<T, Stop>;

/// A definition: its index (for `let y[j] = E`) and body.
pub type Defs = BTreeMap<Symbol, (Option<Symbol>, RecExpr<Math>)>;

/// A condition met while reading: the subterm it is about, its normal form, the relation.
#[derive(Debug, Clone)]
pub struct Met {
    /// The subterm, as written where it was met.
    pub term: RecExpr<Math>,
    /// The relation to zero.
    pub rel: Rel,
    value: Frac,
}

/// Computes normal forms; one instance per step, so atom numbers agree.
#[derive(Clone)]
pub struct Normalizer<'a> {
    defs: &'a Defs,
    /// The index ranges: `sum-const` gives a range's size, and `sum-delta`
    /// applies within one range only.
    ranges: &'a Ranges,
    /// `None`: every law may fire (discovery); else only these.
    allowed: Option<&'a BTreeSet<String>>,
    /// The laws that fired.
    pub used: BTreeSet<String>,
    unfold_all: bool,
    /// Names whose values are one term over factors unfold too (discovery).
    unfold_quotients: bool,
    /// `sin-cos-square` held back (reading a step function's argument for its sign).
    trig_off: bool,
    atoms: Vec<Atom>,
    atom_index: HashMap<Atom, AtomId>,
    free: Vec<BTreeSet<Symbol>>,
    height: Vec<u32>,
    signs: Vec<Signs>,
    factors: Vec<Poly>,
    factor_index: HashMap<Poly, u32>,
    names: HashMap<Symbol, Frac>,
    /// A function's definition row being read: its placeholders' values.
    bound: HashMap<Symbol, Frac>,
    /// The signs of names and defined families as written (`written_sign`).
    written: HashMap<Symbol, Signs>,
    inverses: HashMap<Frac, Frac>,
    substitution: HashMap<AtomId, Frac>,
    /// Sign facts: whole values, and family-wide facts about single elements.
    facts: Vec<(Frac, Rel)>,
    family_facts: Vec<(Symbol, Vec<Symbol>, Rel)>,
    collecting: bool,
    met: Vec<Met>,
    seen: HashSet<(Frac, Rel)>,
    work: u64,
    max_work: u64,
    /// When to stop (the prover's time limit); `None`: only the work budget.
    deadline: Option<std::time::Instant>,
}

impl<'a> Normalizer<'a> {
    /// A normalizer over `defs`; `allowed` the laws a step names (`None`: all).
    pub fn new(
        defs: &'a Defs,
        ranges: &'a Ranges,
        allowed: Option<&'a BTreeSet<String>>,
        unfold_all: bool,
    ) -> Self {
        Normalizer {
            defs,
            ranges,
            allowed,
            used: BTreeSet::new(),
            unfold_all,
            unfold_quotients: false,
            trig_off: false,
            atoms: vec![],
            atom_index: HashMap::default(),
            free: vec![],
            height: vec![],
            signs: vec![],
            factors: vec![],
            factor_index: HashMap::default(),
            names: HashMap::default(),
            bound: HashMap::default(),
            written: HashMap::default(),
            inverses: HashMap::default(),
            substitution: HashMap::default(),
            facts: vec![],
            family_facts: vec![],
            collecting: true,
            met: vec![],
            seen: HashSet::default(),
            work: 0,
            max_work: 50_000_000,
            deadline: None,
        }
    }

    /// Without `sin-cos-square` unless `trig` (discovery's second reading).
    pub fn with_trig(mut self, trig: bool) -> Self {
        self.trig_off = !trig;
        self
    }

    /// This normalizer, stopping (as on its work budget) once `deadline` has
    /// passed; with `quotients`, a name whose value is one term over factors
    /// (`1/(1 + u^2)`) unfolds where the law allows, as a single term does.
    pub fn until(self, deadline: Option<std::time::Instant>, quotients: bool) -> Self {
        Normalizer {
            deadline,
            unfold_quotients: quotients,
            ..self
        }
    }

    fn law(&mut self, name: &str) -> bool {
        let ok = self.allowed.is_none_or(|a| a.contains(name))
            && !(self.trig_off && name == "sin-cos-square");
        if ok {
            self.used.insert(name.to_string());
        }
        ok
    }

    fn charge(&mut self, units: usize) -> Res<()> {
        let units = units as u64 + 1;
        self.work += units;
        if self.work > self.max_work {
            return Err(Stop::Limit);
        }
        // The clock is read about every 4096 units of work.
        if self.work % 4096 < units {
            self.check_clock()?;
        }
        Ok(())
    }

    /// The conditions met so far.
    pub fn met(&self) -> &[Met] {
        &self.met
    }

    // ---- atoms -------------------------------------------------------------

    fn intern(&mut self, atom: Atom) -> AtomId {
        if let Some(&id) = self.atom_index.get(&atom) {
            return id;
        }
        let (free, height, signs) = self.describe(&atom);
        let id = self.atoms.len() as AtomId;
        self.atoms.push(atom.clone());
        self.free.push(free);
        self.height.push(height);
        self.signs.push(signs);
        self.atom_index.insert(atom, id);
        id
    }

    fn frac_free(&self, f: &Frac) -> BTreeSet<Symbol> {
        let mut out = BTreeSet::new();
        for a in f.num.atoms() {
            out.extend(self.free[a as usize].iter().copied());
        }
        for (k, _) in &f.den {
            for a in self.factors[*k as usize].atoms() {
                out.extend(self.free[a as usize].iter().copied());
            }
        }
        out
    }

    fn frac_height(&self, f: &Frac) -> u32 {
        let den = f
            .den
            .iter()
            .flat_map(|(k, _)| self.factors[*k as usize].atoms());
        f.num
            .atoms()
            .chain(den)
            .map(|a| self.height[a as usize])
            .max()
            .unwrap_or(0)
    }

    fn describe(&self, atom: &Atom) -> (BTreeSet<Symbol>, u32, Signs) {
        let set = |v: &[Symbol]| v.iter().copied().collect::<BTreeSet<_>>();
        match atom {
            Atom::Var(v) => (
                BTreeSet::new(),
                0,
                self.fact_sign(|a| matches!(a, Atom::Var(w) if w == v), None),
            ),
            Atom::Name(_) | Atom::Size(_) => (
                BTreeSet::new(),
                0,
                if matches!(atom, Atom::Size(_)) {
                    Signs::POS
                } else {
                    Signs::ANY
                },
            ),
            Atom::NameElem(_, j) => (set(&[*j]), 0, Signs::ANY),
            Atom::Elem(a, j) => (
                set(j),
                0,
                self.fact_sign(
                    |x| matches!(x, Atom::Elem(b, k) if b == a && k == j),
                    Some((*a, j)),
                ),
            ),
            Atom::Delta(j, k) => (set(&[*j, *k]), 0, Signs::NON_NEG),
            Atom::Exp(f) => (self.frac_free(f), self.frac_height(f), Signs::POS),
            Atom::Log(f) => (self.frac_free(f), self.frac_height(f), Signs::ANY),
            Atom::Sqrt(f) | Atom::Root(f, _) => {
                let s = if self.frac_sign(f).within(Signs::POS) {
                    Signs::POS
                } else {
                    Signs::NON_NEG
                };
                (self.frac_free(f), self.frac_height(f), s)
            }
            Atom::Sum(f, h, bound) => {
                let mut free = self.frac_free(f);
                free.remove(bound);
                // n >= 1 terms of the body's signs: closed under addition.
                let s = self.frac_sign(f);
                (free, *h, s.add(s))
            }
            Atom::Deriv(_, free) => (free.iter().copied().collect(), 0, Signs::ANY),
            Atom::Func(name, args) => self.describe_function(name, args),
        }
    }

    /// The sign of an atom from the facts that are about it alone.
    fn fact_sign(&self, is: impl Fn(&Atom) -> bool, element: Option<(Symbol, &[Symbol])>) -> Signs {
        let mut s = Signs::ANY;
        for (f, rel) in &self.facts {
            if let Some(a) = single_atom(f) {
                if is(&self.atoms[a as usize]) {
                    s = s.and(rel.allowed());
                }
            }
        }
        // A fact on an element of a family speaks of the elements it is about.
        for (fam, pattern, rel) in &self.family_facts {
            if element.is_some_and(|(f, idx)| f == *fam && index::instance_of(pattern, idx)) {
                s = s.and(rel.allowed());
            }
        }
        s
    }

    fn atom_frac(&mut self, atom: Atom, e: i32) -> Res<Frac> {
        let id = self.intern(atom);
        if let Some(value) = self.substitution.get(&id).cloned() {
            return self.powi(&value, e);
        }
        Ok(Frac {
            num: Poly::term(Mono::atom(id, e), BigRational::one()),
            den: vec![],
        })
    }

    /// From now on the atom that `target` reads as stands for `value`.
    pub fn substitute(&mut self, target: &RecExpr<Math>, value: Frac) -> Res<()> {
        let t = self.normalize(target)?;
        let a = single_atom(&t)
            .ok_or_else(|| Stop::Unsupported("a target that is not a variable or a sum".into()))?;
        self.substitution.insert(a, value);
        self.names.clear();
        Ok(())
    }

    // ---- reading a term ----------------------------------------------------

    /// The normal form of a term, collecting the conditions it is defined under.
    pub fn normalize(&mut self, expr: &RecExpr<Math>) -> Res<Frac> {
        let nodes = expr.as_ref();
        // Index names and family names are read by their parents, not as terms.
        let slots = index::slots(expr);
        // A node used once hands its normal form over instead of cloning it.
        let mut uses = vec![0u32; nodes.len()];
        for n in nodes {
            for c in n.children() {
                uses[usize::from(*c)] += 1;
            }
            if let Math::Div([_, b]) = n {
                for (f, _) in divisor_factors(nodes, *b) {
                    uses[usize::from(f)] += 1;
                }
            }
        }
        let mut out: Vec<Frac> = Vec::with_capacity(nodes.len());
        for (i, node) in nodes.iter().enumerate() {
            if slots[i] != index::Slot::Term {
                out.push(Frac::default());
                continue;
            }
            self.charge(1)?;
            let mut get = |c: &Id| {
                let c = usize::from(*c);
                if uses[c] == 1 {
                    std::mem::take(&mut out[c])
                } else {
                    out[c].clone()
                }
            };
            let name = |c: &Id| term::name(expr, *c).unwrap_or_else(|| Symbol::from("?"));
            let r = match node {
                Math::Num(c) => Frac::constant(c.0.clone()),
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
                Math::Neg(a) => self.neg(&get(a)),
                Math::Div([a, b]) => {
                    // `a / (u^k * v)` as `a * (1/u)^k * (1/v)`: the divisor keeps its factors.
                    let mut acc = get(a);
                    for (f, k) in divisor_factors(nodes, *b) {
                        let d = out[usize::from(f)].clone();
                        self.condition(expr, f, &d, Rel::Ne);
                        let inv = self.inv(&d)?;
                        let p = self.powi(&inv, k)?;
                        acc = self.mul(&acc, &p)?;
                    }
                    acc
                }
                Math::Pow([a, b]) => {
                    let base = get(a);
                    let e = get(b);
                    self.power(expr, *a, base, e)?
                }
                Math::Exp(a) => self.exp(&get(a))?,
                Math::Log(a) => {
                    let u = get(a);
                    self.condition(expr, *a, &u, Rel::Gt);
                    self.log(&u)?
                }
                Math::Sqrt(a) => {
                    let u = get(a);
                    self.condition(expr, *a, &u, Rel::Ge);
                    self.sqrt(&u)?
                }
                Math::D(_) => {
                    let d = term::sub(expr, Id::from(i));
                    let free = term::free_indices(&d, term::root(&d)).into_iter().collect();
                    self.atom_frac(Atom::Deriv(d, free), 1)?
                }
                Math::Idx(c) => self.element(name(&c[0]), c[1..].iter().map(name).collect())?,
                Math::Delta([j, k]) => self.delta(name(j), name(k))?,
                Math::Sum([j, body]) => self.sum(&get(body), name(j))?,
                Math::Lambda(_) => {
                    return Err(Stop::Unsupported(
                        "an indexed definition inside a term".into(),
                    ))
                }
                // `cos(u)^2 > 0` shows before `sin-cos-square` writes it `1 - sin(u)^2`.
                Math::Step(a) if !self.trig_off => {
                    let (u, arg) = (get(a), term::sub(expr, *a));
                    if arg.as_ref().iter().any(|n| matches!(n, Math::Cos(_))) {
                        self.trig_off = true;
                        let plain = self.normalize(&arg);
                        self.trig_off = false;
                        self.step(u, &plain?)?
                    } else {
                        self.step(u.clone(), &u)?
                    }
                }
                // Every other node is a built-in function.
                f => self.function(&f.to_string(), f.children().iter().map(get).collect())?,
            };
            out.push(r);
        }
        Ok(out.pop().unwrap_or_default())
    }

    fn variable(&mut self, v: Symbol) -> Res<Frac> {
        if let Some(value) = self.bound.get(&v) {
            return Ok(value.clone());
        }
        match self.defs.get(&v) {
            Some((None, body)) => {
                if let Some(r) = self.names.get(&v) {
                    return Ok(r.clone());
                }
                let body = body.clone();
                let value = self.normalize(&body)?;
                let r = self.unfold_or_keep(v, value, Atom::Name(v))?;
                self.names.insert(v, r.clone());
                Ok(r)
            }
            Some((Some(_), _)) => Err(Stop::Unsupported(format!(
                "the family `{v}` without an index"
            ))),
            None => self.atom_frac(Atom::Var(v), 1),
        }
    }

    /// The definition's `value` where `unfold-NAME` applies (always with
    /// every name unfolded; a monomial is unfolded too, and a quotient when
    /// quotients unfold), else the name's atom, which has the signs of its value.
    fn unfold_or_keep(&mut self, name: Symbol, value: Frac, atom: Atom) -> Res<Frac> {
        let quotient = self.unfold_quotients && value.num.len() <= 1;
        if (self.unfold_all || value.is_monomial() || quotient)
            && self.law(&format!("unfold-{name}"))
        {
            return Ok(value);
        }
        let sign = self.frac_sign(&value);
        let id = self.intern(atom.clone());
        self.signs[id as usize] = self.signs[id as usize].and(sign);
        self.atom_frac(atom, 1)
    }
}

/// The factors of the divisor at `id` with their exponents: products split,
/// small positive integer powers peeled.
fn divisor_factors(nodes: &[Math], id: Id) -> Vec<(Id, i32)> {
    let mut out = Vec::new();
    let mut todo = vec![(id, 1i32)];
    while let Some((id, k)) = todo.pop() {
        match &nodes[usize::from(id)] {
            Math::Mul([a, b]) => {
                todo.push((*b, k));
                todo.push((*a, k));
            }
            Math::Pow([base, e]) => match &nodes[usize::from(*e)] {
                Math::Num(c) if c.is_integer() => match c.0.to_integer().to_i32() {
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

/// The atom when `f` is exactly one atom to the first power.
fn single_atom(f: &Frac) -> Option<AtomId> {
    if !f.den.is_empty() || f.num.len() != 1 {
        return None;
    }
    let (m, c) = f.num.0.iter().next()?;
    match m.0.as_slice() {
        [(a, 1)] if c.is_one() => Some(*a),
        _ => None,
    }
}
