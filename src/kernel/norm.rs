//! The kernel's normal form: a term as a rational function over opaque atoms
//! (`Laurent polynomial / product of polynomial factors`). Field arithmetic
//! is always on; every other law (`exp-sum`, `sum-delta`, unfolding a name …)
//! applies only when the step names it, and is recorded when it fires. The
//! definedness conditions met while reading a term are collected. Owns no
//! chain and no lemmas.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use egg::{Id, Language, RecExpr, Symbol};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};

use super::poly::{AtomId, Mono, Poly};
use super::sign::Signs;
use super::term;
use crate::language::Math;

/// The algebra laws beyond field arithmetic, each with the side condition
/// under which the normalizer applies it (`unfold-NAME` is the fifteenth).
pub const LAWS: &[(&str, &str)] = &[
    ("exp-sum", "exp(u + v) = exp(u)*exp(v), exp(k*u) = exp(u)^k"),
    (
        "exp-log",
        "exp(k*log(u)) = u^k for an integer k, where u > 0",
    ),
    (
        "log-product",
        "log(c*u^a*v^b) = log(c) + a*log(u) + b*log(v) where c, u, v > 0",
    ),
    ("log-exp", "log(exp(u)) = u"),
    (
        "sqrt-square",
        "sqrt(u)^2 = u where u >= 0; sqrt(p^2/q^2) = p/q",
    ),
    (
        "power-root",
        "u^(p/2) = sqrt(u)^p where u >= 0 (u > 0 for p < 0)",
    ),
    ("power-exp", "u^v = exp(v*log(u)) where u > 0"),
    ("sum-linear", "sum(j, u + v) = sum(j, u) + sum(j, v)"),
    ("sum-factor", "sum(j, c*u) = c*sum(j, u) for c free of j"),
    ("sum-const", "sum(j, c) = c*n for c free of j"),
    (
        "sum-delta",
        "sum(j, delta(j, k)*u) = u[j := k]; delta(j, j) = 1; delta^e = delta",
    ),
    ("delta-subst", "delta(k, m)*u(m) = delta(k, m)*u(k)"),
    ("delta-symmetric", "delta(j, k) = delta(k, j)"),
];

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
    Elem(Symbol, Symbol),
    Delta(Symbol, Symbol),
    Exp(Frac),
    Log(Frac),
    Sqrt(Frac),
    Root(Frac, BigRational),
    /// `sum(#h, body)`, the bound index named `#h` by its height.
    Sum(Frac, u32),
    /// The number of classes, `sum(j, 1)`.
    Classes,
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
pub struct Normalizer<'a> {
    defs: &'a Defs,
    /// `None`: every law may fire (discovery); else only these.
    allowed: Option<&'a BTreeSet<String>>,
    /// The laws that fired.
    pub used: BTreeSet<String>,
    unfold_all: bool,
    atoms: Vec<Atom>,
    atom_index: HashMap<Atom, AtomId>,
    free: Vec<BTreeSet<Symbol>>,
    height: Vec<u32>,
    signs: Vec<Signs>,
    factors: Vec<Poly>,
    factor_index: HashMap<Poly, u32>,
    names: HashMap<Symbol, Frac>,
    inverses: HashMap<Frac, Frac>,
    substitution: HashMap<AtomId, Frac>,
    /// Sign facts: whole values, and family-wide facts about single elements.
    facts: Vec<(Frac, Rel)>,
    family_facts: Vec<(Symbol, Rel)>,
    collecting: bool,
    met: Vec<Met>,
    seen: HashSet<(Frac, Rel)>,
    work: u64,
    max_work: u64,
}

impl<'a> Normalizer<'a> {
    /// A normalizer over `defs`; `allowed` the laws a step names (`None`: all).
    pub fn new(defs: &'a Defs, allowed: Option<&'a BTreeSet<String>>, unfold_all: bool) -> Self {
        Normalizer {
            defs,
            allowed,
            used: BTreeSet::new(),
            unfold_all,
            atoms: vec![],
            atom_index: HashMap::new(),
            free: vec![],
            height: vec![],
            signs: vec![],
            factors: vec![],
            factor_index: HashMap::new(),
            names: HashMap::new(),
            inverses: HashMap::new(),
            substitution: HashMap::new(),
            facts: vec![],
            family_facts: vec![],
            collecting: true,
            met: vec![],
            seen: HashSet::new(),
            work: 0,
            max_work: 50_000_000,
        }
    }

    fn law(&mut self, name: &str) -> bool {
        let ok = self.allowed.is_none_or(|a| a.contains(name));
        if ok {
            self.used.insert(name.to_string());
        }
        ok
    }

    fn charge(&mut self, units: usize) -> Res<()> {
        self.work += units as u64 + 1;
        if self.work > self.max_work {
            return Err(Stop::Limit);
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
            Atom::Name(_) | Atom::Classes => (
                BTreeSet::new(),
                0,
                if matches!(atom, Atom::Classes) {
                    Signs::POS
                } else {
                    Signs::ANY
                },
            ),
            Atom::NameElem(_, j) => (set(&[*j]), 0, Signs::ANY),
            Atom::Elem(a, j) => (
                set(&[*j]),
                0,
                self.fact_sign(
                    |x| matches!(x, Atom::Elem(b, k) if b == a && k == j),
                    Some(*a),
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
            Atom::Sum(f, h) => {
                let mut free = self.frac_free(f);
                free.remove(&Symbol::from(format!("#{h}")));
                // n >= 1 terms of the body's signs: closed under addition.
                let s = self.frac_sign(f);
                (free, *h, s.add(s))
            }
            Atom::Deriv(_, free) => (free.iter().copied().collect(), 0, Signs::ANY),
        }
    }

    /// The sign of an atom from the facts that are about it alone.
    fn fact_sign(&self, is: impl Fn(&Atom) -> bool, family: Option<Symbol>) -> Signs {
        let mut s = Signs::ANY;
        for (f, rel) in &self.facts {
            if let Some(a) = single_atom(f) {
                if is(&self.atoms[a as usize]) {
                    s = s.and(rel.allowed());
                }
            }
        }
        for (fam, rel) in &self.family_facts {
            if Some(*fam) == family {
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

    // ---- signs and facts ---------------------------------------------------

    fn poly_sign(&self, p: &Poly) -> Signs {
        let mut total = Signs::ZERO;
        for (m, c) in &p.0 {
            let mut s = Signs::of(c);
            for (a, e) in &m.0 {
                s = s.mul(self.signs[*a as usize].pow(*e));
            }
            total = total.add(s);
        }
        total
    }

    /// The possible signs of a normal form.
    pub fn frac_sign(&self, f: &Frac) -> Signs {
        let mut s = self.poly_sign(&f.num);
        for (k, e) in &f.den {
            s = s.mul(self.poly_sign(&self.factors[*k as usize]).pow(-(*e as i32)));
        }
        s
    }

    /// Adds the fact `value REL 0` (from an assumption or a stated condition).
    pub fn add_fact(&mut self, value: Frac, rel: Rel) {
        // `c*u REL 0` for a constant `c > 0` says `u REL 0`.
        let scaled = match value.num.0.iter().next() {
            Some((m, c)) if value.den.is_empty() && value.num.len() == 1 && c.is_positive() => {
                Frac {
                    num: Poly::term(m.clone(), BigRational::one()),
                    den: vec![],
                }
            }
            _ => value.clone(),
        };
        if let Some(a) = single_atom(&scaled) {
            if let Atom::Elem(fam, _) = &self.atoms[a as usize] {
                self.family_facts.push((*fam, rel));
            }
            let s = self.signs[a as usize].and(rel.allowed());
            self.signs[a as usize] = s;
        }
        self.facts.push((value, rel));
    }

    /// Reads `lhs - rhs` without collecting conditions (for facts).
    pub fn quietly(&mut self, lhs: &RecExpr<Math>, rhs: &RecExpr<Math>) -> Res<Frac> {
        let before = self.collecting;
        self.collecting = false;
        let out = self.difference(lhs, rhs);
        self.collecting = before;
        out
    }

    /// Whether `value REL 0` follows from the signs and the facts.
    pub fn holds(&mut self, value: &Frac, rel: Rel) -> bool {
        if self.frac_sign(value).within(rel.allowed()) {
            return true;
        }
        let facts = self.facts.clone();
        for (f, frel) in &facts {
            let implied = match (frel, rel) {
                (a, b) if a == &b => true,
                (Rel::Gt, _) => true,
                _ => false,
            };
            if !implied {
                continue;
            }
            if self.same_up_to(f, value, rel == Rel::Ne) {
                return true;
            }
        }
        false
    }

    /// Whether `a = c*b` for a constant `c > 0` (any `c != 0` with `any_sign`),
    /// also after renaming free indices of `a` to those of `b`.
    fn same_up_to(&mut self, a: &Frac, b: &Frac, any_sign: bool) -> bool {
        if a == b {
            return true;
        }
        let (fa, fb) = (self.frac_free(a), self.frac_free(b));
        if fa.len() != fb.len() || fa.len() > 3 {
            return false;
        }
        let from: Vec<Symbol> = fa.into_iter().collect();
        let to: Vec<Symbol> = fb.into_iter().collect();
        for perm in permutations(to.len()) {
            let mut renamed = a.clone();
            let mut ok = true;
            // Through temporary names, so a swap does not collide.
            for (i, f) in from.iter().enumerate() {
                match self.subst_index(&renamed, *f, Symbol::from(format!("%{i}"))) {
                    Ok(r) => renamed = r,
                    Err(_) => ok = false,
                }
            }
            for (i, p) in perm.iter().enumerate() {
                match self.subst_index(&renamed, Symbol::from(format!("%{i}")), to[*p]) {
                    Ok(r) => renamed = r,
                    Err(_) => ok = false,
                }
            }
            if !ok || renamed.den != b.den || renamed.num.len() != b.num.len() {
                continue;
            }
            let (Some((m, c)), Some(d)) = (renamed.num.0.iter().next(), b.num.0.values().next())
            else {
                continue;
            };
            if !b.num.0.contains_key(m) {
                continue;
            }
            let k = b.num.0[m].clone() / c;
            let _ = d;
            if renamed.num.scale(&k) == b.num && (any_sign || k.is_positive()) {
                return true;
            }
        }
        false
    }

    fn condition(&mut self, expr: &RecExpr<Math>, id: Id, value: &Frac, rel: Rel) {
        if !self.collecting
            || self.frac_sign(value).within(rel.allowed()) && value.as_constant().is_some()
        {
            return;
        }
        if self.seen.insert((value.clone(), rel)) {
            self.met.push(Met {
                term: term::sub(expr, id),
                rel,
                value: value.clone(),
            });
        }
    }

    /// Splits the conditions met into those the signs and facts establish and the rest.
    pub fn open_conditions(&mut self) -> Vec<Met> {
        let met = self.met.clone();
        met.into_iter()
            .filter(|m| !self.holds(&m.value, m.rel))
            .collect()
    }

    // ---- arithmetic --------------------------------------------------------

    fn add(&mut self, a: &Frac, b: &Frac) -> Res<Frac> {
        self.add_owned(a.clone(), b)
    }

    /// `a + b`, reusing `a`: a long sum costs linear time.
    fn add_owned(&mut self, mut a: Frac, b: &Frac) -> Res<Frac> {
        self.charge(b.num.len())?;
        if a.den == b.den {
            for (m, c) in &b.num.0 {
                a.num.add_term(m.clone(), c.clone());
            }
            return Ok(self.cancel(a));
        }
        self.charge(a.num.len())?;
        let mut lcm: BTreeMap<u32, u32> = a.den.iter().copied().collect();
        for (k, e) in &b.den {
            let v = lcm.entry(*k).or_insert(0);
            *v = (*v).max(*e);
        }
        let na = self.lift(&a.num, &a.den, &lcm)?;
        let nb = self.lift(&b.num, &b.den, &lcm)?;
        Ok(self.cancel(Frac {
            num: na.add(&nb),
            den: lcm.into_iter().collect(),
        }))
    }

    /// `num * (lcm / den)`, expanded.
    fn lift(&mut self, num: &Poly, den: &[(u32, u32)], lcm: &BTreeMap<u32, u32>) -> Res<Poly> {
        let mut acc = num.clone();
        for (k, e) in lcm {
            let have = den.iter().find(|(f, _)| f == k).map_or(0, |(_, e)| *e);
            for _ in have..*e {
                let f = self.factors[*k as usize].clone();
                self.charge(acc.len() * f.len())?;
                acc = acc.mul(&f).ok_or(Stop::Limit)?;
            }
        }
        Ok(acc)
    }

    fn neg(&self, a: &Frac) -> Frac {
        Frac {
            num: a.num.scale(&-BigRational::one()),
            den: a.den.clone(),
        }
    }

    fn mul(&mut self, a: &Frac, b: &Frac) -> Res<Frac> {
        self.charge(a.num.len() * b.num.len())?;
        let mut den: BTreeMap<u32, u32> = a.den.iter().copied().collect();
        for (k, e) in &b.den {
            *den.entry(*k).or_insert(0) += e;
        }
        let num = a.num.mul(&b.num).ok_or(Stop::Limit)?;
        let r = self.cancel(Frac {
            num,
            den: den.into_iter().collect(),
        });
        self.reduce(r)
    }

    /// Cancels a factor `f` when the numerator is `c*m*f` (`A/A = 1`).
    fn cancel(&self, mut r: Frac) -> Frac {
        if r.num.is_zero() {
            return Frac::default();
        }
        'again: loop {
            for i in 0..r.den.len() {
                let f = &self.factors[r.den[i].0 as usize];
                if f.len() != r.num.len() {
                    continue;
                }
                let (m0, c0) = f.0.iter().next().expect("a factor has terms");
                for (m, c) in &r.num.0 {
                    let Some(shift) = m.mul(&m0.pow(-1).unwrap_or_default()) else {
                        continue;
                    };
                    let scale = c / c0;
                    if f.mul_term(&shift, &scale).as_ref() == Some(&r.num) {
                        r.num = Poly::term(shift, scale);
                        r.den[i].1 -= 1;
                        r.den.retain(|(_, e)| *e > 0);
                        continue 'again;
                    }
                }
            }
            return r;
        }
    }

    /// `1/a`; the caller has met `a != 0`.
    fn inv(&mut self, a: &Frac) -> Res<Frac> {
        if a.is_zero() {
            return Err(Stop::Unsupported("a division by zero".into()));
        }
        // A long sum such as `S` is inverted once per normalizer.
        if a.num.len() > 8 {
            if let Some(r) = self.inverses.get(a) {
                return Ok(r.clone());
            }
            let r = self.invert(a)?;
            self.inverses.insert(a.clone(), r.clone());
            return Ok(r);
        }
        self.invert(a)
    }

    fn invert(&mut self, a: &Frac) -> Res<Frac> {
        let mut num = Poly::constant(BigRational::one());
        for (k, e) in &a.den {
            for _ in 0..*e {
                let f = self.factors[*k as usize].clone();
                num = num.mul(&f).ok_or(Stop::Limit)?;
            }
        }
        let content = a.num.content();
        let inv_content = content.pow(-1).ok_or(Stop::Limit)?;
        let rest = a
            .num
            .mul_term(&inv_content, &BigRational::one())
            .ok_or(Stop::Limit)?;
        let lead = rest.lead();
        let monic = rest.scale(&lead.recip());
        num = num
            .mul_term(&inv_content, &lead.recip())
            .ok_or(Stop::Limit)?;
        let mut den = vec![];
        if monic.len() > 1 {
            let id = match self.factor_index.get(&monic) {
                Some(id) => *id,
                None => {
                    let id = self.factors.len() as u32;
                    self.factors.push(monic.clone());
                    self.factor_index.insert(monic, id);
                    id
                }
            };
            den.push((id, 1));
        }
        Ok(Frac { num, den })
    }

    fn powi(&mut self, a: &Frac, e: i32) -> Res<Frac> {
        if e < 0 {
            let inv = self.inv(a)?;
            return self.powi(&inv, e.checked_neg().ok_or(Stop::Limit)?);
        }
        if e > 4096 {
            return Err(Stop::Limit);
        }
        let mut acc = Frac::constant(BigRational::one());
        for _ in 0..e {
            acc = self.mul(&acc, a)?;
        }
        Ok(acc)
    }

    /// `sqrt(u)^e` with `|e| >= 2` as `u^(e div 2)*sqrt(u)^(e mod 2)`;
    /// `delta^e = delta`; `delta(k, m)*u(m) = delta(k, m)*u(k)`.
    fn reduce(&mut self, r: Frac) -> Res<Frac> {
        self.reduce_with(r, false)
    }

    /// [`Normalizer::reduce`] with `delta-subst` too, to a fixed point: applied
    /// to whole numerators (a difference, a sum's body), where every monomial
    /// is reached the same way.
    fn reduce_all(&mut self, mut r: Frac) -> Res<Frac> {
        for _ in 0..8 {
            let next = self.reduce_with(r.clone(), true)?;
            if next == r {
                break;
            }
            r = next;
        }
        Ok(r)
    }

    fn reduce_with(&mut self, r: Frac, deltas: bool) -> Res<Frac> {
        let needs = r.num.0.keys().any(|m| {
            m.0.iter().any(|(a, e)| match &self.atoms[*a as usize] {
                Atom::Sqrt(_) => e.abs() >= 2,
                Atom::Delta(..) => *e >= 2 || deltas && m.0.len() > 1,
                _ => false,
            })
        });
        if !needs {
            return Ok(r);
        }
        let mut total = Frac::default();
        for (m, c) in r.num.0.clone() {
            let mut acc = Frac::constant(c);
            let mut rest: Vec<(AtomId, i32)> = vec![];
            let mut delta: Option<(Symbol, Symbol)> = None;
            for (a, e) in m.0 {
                match self.atoms[a as usize].clone() {
                    Atom::Sqrt(u) if e.abs() >= 2 && self.law("sqrt-square") => {
                        let p = self.powi(&u, e.div_euclid(2))?;
                        acc = self.mul_plain(&acc, &p)?;
                        if e.rem_euclid(2) != 0 {
                            rest.push((a, 1));
                        }
                    }
                    Atom::Delta(j, k)
                        if e >= 1 && delta.is_none() && (e == 1 || self.law("sum-delta")) =>
                    {
                        delta = Some((j, k));
                        rest.push((a, 1));
                    }
                    _ => rest.push((a, e)),
                }
            }
            let mut t = Frac {
                num: Poly::term(Mono(rest), BigRational::one()),
                den: vec![],
            };
            if let Some((j, k)) = delta {
                // Substitute the later name by the earlier in the other factors.
                let (keep, gone) = if j < k { (j, k) } else { (k, j) };
                let d = self.intern(Atom::Delta(j, k));
                let others = Frac {
                    num: Poly::term(
                        t.num.0.keys().next().expect("one").without(d),
                        BigRational::one(),
                    ),
                    den: vec![],
                };
                if deltas && self.frac_free(&others).contains(&gone) && self.law("delta-subst") {
                    let moved = self.subst_index(&others, gone, keep)?;
                    let dd = Frac {
                        num: Poly::term(Mono::atom(d, 1), BigRational::one()),
                        den: vec![],
                    };
                    t = self.mul_plain(&moved, &dd)?;
                }
            }
            let t = self.mul_plain(&acc, &t)?;
            total = self.add(&total, &t)?;
        }
        let mut den: BTreeMap<u32, u32> = total.den.iter().copied().collect();
        for (k, e) in r.den {
            *den.entry(k).or_insert(0) += e;
        }
        Ok(self.cancel(Frac {
            num: total.num,
            den: den.into_iter().collect(),
        }))
    }

    fn mul_plain(&mut self, a: &Frac, b: &Frac) -> Res<Frac> {
        self.charge(a.num.len() * b.num.len())?;
        let mut den: BTreeMap<u32, u32> = a.den.iter().copied().collect();
        for (k, e) in &b.den {
            *den.entry(*k).or_insert(0) += e;
        }
        let num = a.num.mul(&b.num).ok_or(Stop::Limit)?;
        Ok(self.cancel(Frac {
            num,
            den: den.into_iter().collect(),
        }))
    }

    /// `lhs - rhs`.
    pub fn difference(&mut self, lhs: &RecExpr<Math>, rhs: &RecExpr<Math>) -> Res<Frac> {
        let a = self.normalize(lhs)?;
        let b = self.normalize(rhs)?;
        let nb = self.neg(&b);
        let d = self.add(&a, &nb)?;
        // Zero exactly when its numerator is.
        let num = self.reduce_all(Frac {
            num: d.num,
            den: vec![],
        })?;
        let mut den: BTreeMap<u32, u32> = num.den.iter().copied().collect();
        for (k, e) in d.den {
            *den.entry(k).or_insert(0) += e;
        }
        Ok(Frac {
            num: num.num,
            den: den.into_iter().collect(),
        })
    }

    // ---- reading a term ----------------------------------------------------

    /// The normal form of a term, collecting the conditions it is defined under.
    pub fn normalize(&mut self, expr: &RecExpr<Math>) -> Res<Frac> {
        let nodes = expr.as_ref();
        let mut slot = vec![false; nodes.len()];
        for n in nodes {
            match n {
                Math::Idx([a, j]) => {
                    slot[usize::from(*a)] = true;
                    slot[usize::from(*j)] = true;
                }
                Math::Delta([j, k]) | Math::Sum([j, k]) | Math::Lambda([j, k]) => {
                    slot[usize::from(*j)] = true;
                    if matches!(n, Math::Delta(_)) {
                        slot[usize::from(*k)] = true;
                    }
                }
                _ => {}
            }
        }
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
            if slot[i] {
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
                Math::Idx([a, j]) => self.element(name(a), name(j))?,
                Math::Delta([j, k]) => self.delta(name(j), name(k))?,
                Math::Sum([j, body]) => self.sum(&get(body), name(j))?,
                Math::Lambda(_) => {
                    return Err(Stop::Unsupported(
                        "an indexed definition inside a term".into(),
                    ))
                }
            };
            out.push(r);
        }
        Ok(out.pop().unwrap_or_default())
    }

    fn variable(&mut self, v: Symbol) -> Res<Frac> {
        match self.defs.get(&v) {
            Some((None, body)) => {
                if let Some(r) = self.names.get(&v) {
                    return Ok(r.clone());
                }
                let body = body.clone();
                let value = self.normalize(&body)?;
                let law = format!("unfold-{v}");
                let unfold = (self.unfold_all || value.is_monomial()) && self.law(&law);
                let r = if unfold {
                    value
                } else {
                    let sign = self.frac_sign(&value);
                    let id = self.intern(Atom::Name(v));
                    self.signs[id as usize] = self.signs[id as usize].and(sign);
                    self.atom_frac(Atom::Name(v), 1)?
                };
                self.names.insert(v, r.clone());
                Ok(r)
            }
            Some((Some(_), _)) => Err(Stop::Unsupported(format!(
                "the family `{v}` without an index"
            ))),
            None => self.atom_frac(Atom::Var(v), 1),
        }
    }

    fn element(&mut self, family: Symbol, j: Symbol) -> Res<Frac> {
        let Some((Some(i), body)) = self.defs.get(&family) else {
            return self.atom_frac(Atom::Elem(family, j), 1);
        };
        let (i, body) = (*i, body.clone());
        let Math::Lambda([_, b]) = body[term::root(&body)] else {
            return Err(Stop::Unsupported(format!("the definition of `{family}`")));
        };
        let instance = term::rename(&body, b, i, j);
        let value = self.normalize(&instance)?;
        let law = format!("unfold-{family}");
        if (self.unfold_all || value.is_monomial()) && self.law(&law) {
            return Ok(value);
        }
        let sign = self.frac_sign(&value);
        let id = self.intern(Atom::NameElem(family, j));
        self.signs[id as usize] = self.signs[id as usize].and(sign);
        self.atom_frac(Atom::NameElem(family, j), 1)
    }

    fn delta(&mut self, j: Symbol, k: Symbol) -> Res<Frac> {
        if j == k && self.law("sum-delta") {
            return Ok(Frac::constant(BigRational::one()));
        }
        let (a, b) = if j <= k || !self.law("delta-symmetric") {
            (j, k)
        } else {
            (k, j)
        };
        self.atom_frac(Atom::Delta(a, b), 1)
    }

    fn power(&mut self, expr: &RecExpr<Math>, at: Id, base: Frac, e: Frac) -> Res<Frac> {
        let Some(c) = e.as_constant() else {
            self.condition(expr, at, &base, Rel::Gt);
            if !self.law("power-exp") {
                return Err(Stop::Unsupported(
                    "a power with a variable exponent without power-exp".into(),
                ));
            }
            let l = self.log(&base)?;
            let p = self.mul(&e, &l)?;
            return self.exp(&p);
        };
        if c.is_integer() {
            let k = c
                .to_integer()
                .to_i32()
                .filter(|k| k.abs() <= 4096)
                .ok_or(Stop::Limit)?;
            if k < 0 {
                self.condition(expr, at, &base, Rel::Ne);
            }
            return self.powi(&base, k);
        }
        self.condition(
            expr,
            at,
            &base,
            if c.is_negative() { Rel::Gt } else { Rel::Ge },
        );
        if c.denom() == &BigInt::from(2) && self.law("power-root") {
            let s = self.sqrt(&base)?;
            let k = c
                .numer()
                .to_i32()
                .filter(|k| k.abs() <= 4096)
                .ok_or(Stop::Limit)?;
            return self.powi(&s, k);
        }
        self.atom_frac(Atom::Root(base, c), 1)
    }

    fn exp(&mut self, a: &Frac) -> Res<Frac> {
        if a.is_zero() {
            return Ok(Frac::constant(BigRational::one()));
        }
        if !a.den.is_empty() || !self.law_quiet("exp-sum") && a.num.len() != 1 {
            return self.atom_frac(Atom::Exp(a.clone()), 1);
        }
        if a.is_zero() {
            return Ok(Frac::constant(BigRational::one()));
        }
        let mut acc = Frac::constant(BigRational::one());
        let terms = a.num.0.clone();
        for (m, c) in terms.iter() {
            if let [(l, 1)] = m.0.as_slice() {
                if let Atom::Log(u) = self.atoms[*l as usize].clone() {
                    if c.is_integer() && self.law("exp-log") {
                        let k = c
                            .to_integer()
                            .to_i32()
                            .filter(|k| k.abs() <= 4096)
                            .ok_or(Stop::Limit)?;
                        let p = self.powi(&u, k)?;
                        acc = self.mul(&acc, &p)?;
                        continue;
                    }
                }
            }
            let (p, q) = (c.numer().clone(), c.denom().clone());
            let whole = terms.len() == 1 && p.is_one();
            if !whole && !self.law("exp-sum") {
                return self.atom_frac(Atom::Exp(a.clone()), 1);
            }
            let arg = Frac {
                num: Poly::term(m.clone(), BigRational::new(BigInt::one(), q)),
                den: vec![],
            };
            let k = p.to_i32().filter(|k| k.abs() <= 4096).ok_or(Stop::Limit)?;
            let f = self.atom_frac(Atom::Exp(arg), k)?;
            acc = self.mul(&acc, &f)?;
        }
        Ok(acc)
    }

    fn law_quiet(&self, name: &str) -> bool {
        self.allowed.is_none_or(|a| a.contains(name))
    }

    fn log(&mut self, a: &Frac) -> Res<Frac> {
        if a.as_constant().is_some_and(|c| c.is_one()) {
            return Ok(Frac::default());
        }
        let single = a.num.len() == 1 && {
            let (m, c) = a.num.0.iter().next().expect("one term");
            c.is_positive()
                && m.0
                    .iter()
                    .all(|(x, _)| self.signs[*x as usize].within(Signs::POS))
                && a.den.iter().all(|(k, _)| {
                    self.poly_sign(&self.factors[*k as usize])
                        .within(Signs::POS)
                })
        };
        if !single {
            return self.atom_frac(Atom::Log(a.clone()), 1);
        }
        let (m, c) = a
            .num
            .0
            .iter()
            .next()
            .map(|(m, c)| (m.clone(), c.clone()))
            .expect("one");
        let pieces = m.0.len() + a.den.len() + usize::from(!c.is_one());
        let plain_exp = pieces == 1
            && m.0
                .first()
                .is_some_and(|(x, e)| *e == 1 && matches!(self.atoms[*x as usize], Atom::Exp(_)));
        let whole = pieces == 1 && m.0.first().is_some_and(|(_, e)| *e == 1);
        if !whole && !self.law("log-product") {
            return self.atom_frac(Atom::Log(a.clone()), 1);
        }
        let mut acc = if c.is_one() {
            Frac::default()
        } else {
            self.atom_frac(Atom::Log(Frac::constant(c)), 1)?
        };
        for (x, e) in m.0 {
            let part = match self.atoms[x as usize].clone() {
                Atom::Exp(u) if self.law("log-exp") => u,
                _ => {
                    if plain_exp || whole {
                        return self.atom_frac(Atom::Log(a.clone()), 1);
                    }
                    let one = Frac {
                        num: Poly::term(Mono::atom(x, 1), BigRational::one()),
                        den: vec![],
                    };
                    self.atom_frac(Atom::Log(one), 1)?
                }
            };
            let scaled = Frac {
                num: part.num.scale(&BigRational::from_integer(e.into())),
                den: part.den,
            };
            acc = self.add(&acc, &scaled)?;
        }
        for (k, e) in a.den.clone() {
            let f = Frac {
                num: self.factors[k as usize].clone(),
                den: vec![],
            };
            let l = self.atom_frac(Atom::Log(f), 1)?;
            let scaled = Frac {
                num: l.num.scale(&-BigRational::from_integer(e.into())),
                den: l.den,
            };
            acc = self.add(&acc, &scaled)?;
        }
        Ok(acc)
    }

    fn sqrt(&mut self, a: &Frac) -> Res<Frac> {
        if let Some(c) = a.as_constant() {
            if !c.is_negative() {
                let (n, d) = (c.numer().clone(), c.denom().clone());
                let (rn, rd) = (n.sqrt(), d.sqrt());
                if &rn * &rn == n && &rd * &rd == d && self.law("sqrt-square") {
                    return Ok(Frac::constant(BigRational::new(rn, rd)));
                }
            }
        }
        self.atom_frac(Atom::Sqrt(a.clone()), 1)
    }

    // ---- sums --------------------------------------------------------------

    fn sum(&mut self, body: &Frac, j: Symbol) -> Res<Frac> {
        let den_dep: Vec<(u32, u32)> = body
            .den
            .iter()
            .copied()
            .filter(|(k, _)| {
                self.factors[*k as usize]
                    .atoms()
                    .any(|a| self.free[a as usize].contains(&j))
            })
            .collect();
        let den_free: Vec<(u32, u32)> = body
            .den
            .iter()
            .copied()
            .filter(|d| !den_dep.contains(d))
            .collect();
        let split = body.num.len() > 1 && self.law_quiet("sum-linear");
        if !split && body.num.len() > 1 || body.num.is_zero() {
            if body.num.is_zero() {
                return Ok(Frac::default());
            }
            return self.sum_atom(body.clone(), j);
        }
        if body.num.len() > 1 {
            self.law("sum-linear");
        }
        let mut total = Frac::default();
        for (m, c) in body.num.0.clone() {
            let (dep, free): (Vec<_>, Vec<_>) =
                m.0.iter()
                    .copied()
                    .partition(|(a, _)| self.free[*a as usize].contains(&j));
            let delta = dep
                .iter()
                .find_map(|(a, e)| match &self.atoms[*a as usize] {
                    Atom::Delta(x, y) if *e >= 1 && (*x == j) != (*y == j) => {
                        Some((*a, if *x == j { *y } else { *x }))
                    }
                    _ => None,
                });
            let outside = Frac {
                num: Poly::term(Mono(free.clone()), c.clone()),
                den: vec![],
            };
            let factored = !free.is_empty() || !c.is_one();
            let value = if let Some((d, k)) = delta.filter(|_| self.law_quiet("sum-delta")) {
                self.law("sum-delta");
                let rest = Frac {
                    num: Poly::term(Mono(dep.clone()).without(d), BigRational::one()),
                    den: den_dep.clone(),
                };
                let moved = self.subst_index(&rest, j, k)?;
                self.mul(&outside, &moved)?
            } else if dep.is_empty() && den_dep.is_empty() && self.law_quiet("sum-const") {
                self.law("sum-const");
                let n = self.atom_frac(Atom::Classes, 1)?;
                self.mul(&outside, &n)?
            } else if factored && !self.law_quiet("sum-factor") {
                let whole = Frac {
                    num: Poly::term(m.clone(), c.clone()),
                    den: den_dep.clone(),
                };
                self.sum_atom(whole, j)?
            } else {
                if factored {
                    self.law("sum-factor");
                }
                let inner = Frac {
                    num: Poly::term(Mono(dep), BigRational::one()),
                    den: den_dep.clone(),
                };
                let s = self.sum_atom(inner, j)?;
                self.mul(&outside, &s)?
            };
            total = self.add(&total, &value)?;
        }
        let free_part = Frac {
            num: Poly::constant(BigRational::one()),
            den: den_free,
        };
        self.mul(&total, &free_part)
    }

    /// `sum(j, body)` as an atom, its bound index renamed to `#h` by its height.
    fn sum_atom(&mut self, body: Frac, j: Symbol) -> Res<Frac> {
        let reduced = self.reduce_all(Frac {
            num: body.num,
            den: vec![],
        })?;
        let body = self.mul_plain(
            &reduced,
            &Frac {
                num: Poly::constant(BigRational::one()),
                den: body.den,
            },
        )?;
        let h = self.frac_height(&body) + 1;
        let canonical = self.subst_index(&body, j, Symbol::from(format!("#{h}")))?;
        self.atom_frac(Atom::Sum(canonical, h), 1)
    }

    /// `f` with the free index `from` renamed to `to`; atoms are rebuilt, so laws apply again.
    fn subst_index(&mut self, f: &Frac, from: Symbol, to: Symbol) -> Res<Frac> {
        if !self.frac_free(f).contains(&from) {
            return Ok(f.clone());
        }
        let collecting = std::mem::replace(&mut self.collecting, false);
        let out = self.subst_inner(f, from, to);
        self.collecting = collecting;
        out
    }

    fn subst_inner(&mut self, f: &Frac, from: Symbol, to: Symbol) -> Res<Frac> {
        let num = self.subst_poly(&f.num, from, to)?;
        let mut acc = num;
        for (k, e) in f.den.clone() {
            let p = self.factors[k as usize].clone();
            let fp = self.subst_poly(&p, from, to)?;
            let inv = self.inv(&fp)?;
            let pe = self.powi(&inv, e as i32)?;
            acc = self.mul(&acc, &pe)?;
        }
        Ok(acc)
    }

    fn subst_poly(&mut self, p: &Poly, from: Symbol, to: Symbol) -> Res<Frac> {
        let mut total = Frac::default();
        for (m, c) in p.0.clone() {
            let mut t = Frac::constant(c);
            for (a, e) in m.0 {
                let x = if self.free[a as usize].contains(&from) {
                    let rebuilt = self.subst_atom(a, from, to)?;
                    self.powi(&rebuilt, e)?
                } else {
                    Frac {
                        num: Poly::term(Mono::atom(a, e), BigRational::one()),
                        den: vec![],
                    }
                };
                t = self.mul(&t, &x)?;
            }
            total = self.add(&total, &t)?;
        }
        Ok(total)
    }

    fn subst_atom(&mut self, a: AtomId, from: Symbol, to: Symbol) -> Res<Frac> {
        let r = |s: Symbol| if s == from { to } else { s };
        match self.atoms[a as usize].clone() {
            Atom::Elem(f, j) => self.atom_frac(Atom::Elem(f, r(j)), 1),
            Atom::NameElem(f, j) => self.element(f, r(j)),
            Atom::Delta(j, k) => self.delta(r(j), r(k)),
            Atom::Exp(u) => {
                let v = self.subst_inner(&u, from, to)?;
                self.exp(&v)
            }
            Atom::Log(u) => {
                let v = self.subst_inner(&u, from, to)?;
                self.log(&v)
            }
            Atom::Sqrt(u) => {
                let v = self.subst_inner(&u, from, to)?;
                self.sqrt(&v)
            }
            Atom::Root(u, c) => {
                let v = self.subst_inner(&u, from, to)?;
                self.atom_frac(Atom::Root(v, c), 1)
            }
            Atom::Sum(u, h) => {
                let v = self.subst_inner(&u, from, to)?;
                self.atom_frac(Atom::Sum(v, h), 1)
            }
            Atom::Deriv(d, _) => {
                let e = term::rename(&d, term::root(&d), from, to);
                let free = term::free_indices(&e, term::root(&e)).into_iter().collect();
                self.atom_frac(Atom::Deriv(e, free), 1)
            }
            other => self.atom_frac(other, 1),
        }
    }

    /// `value` as a polynomial in the atom of `target`: `(coefficient, rest)`
    /// when it is `coefficient*target + rest` with neither mentioning it.
    pub fn linear_in(&mut self, value: &Frac, target: &RecExpr<Math>) -> Res<Option<(Frac, Frac)>> {
        let t = self.normalize(target)?;
        let Some(a) = single_atom(&t) else {
            return Ok(None);
        };
        let mentions = |n: &Self, p: &Poly| p.atoms().any(|x| x == a || n.atom_mentions(x, a));
        if value
            .den
            .iter()
            .any(|(k, _)| mentions(self, &self.factors[*k as usize]))
        {
            return Ok(None);
        }
        let mut coef = Poly::default();
        let mut rest = Poly::default();
        for (m, c) in &value.num.0 {
            match m.degree(a) {
                0 => rest.add_term(m.clone(), c.clone()),
                1 => coef.add_term(m.without(a), c.clone()),
                _ => return Ok(None),
            }
        }
        if mentions(self, &coef) || mentions(self, &rest) {
            return Ok(None);
        }
        Ok(Some((
            Frac {
                num: coef,
                den: value.den.clone(),
            },
            Frac {
                num: rest,
                den: value.den.clone(),
            },
        )))
    }

    /// Whether atom `x` has atom `a` inside it.
    fn atom_mentions(&self, x: AtomId, a: AtomId) -> bool {
        let inner = |f: &Frac| {
            f.num
                .atoms()
                .chain(
                    f.den
                        .iter()
                        .flat_map(|(k, _)| self.factors[*k as usize].atoms()),
                )
                .any(|y| y == a || self.atom_mentions(y, a))
        };
        match &self.atoms[x as usize] {
            Atom::Exp(f) | Atom::Log(f) | Atom::Sqrt(f) | Atom::Root(f, _) | Atom::Sum(f, _) => {
                inner(f)
            }
            _ => false,
        }
    }

    /// `-rest / coefficient`.
    pub fn solve(&mut self, coef: &Frac, rest: &Frac) -> Res<Frac> {
        let inv = self.inv(coef)?;
        let n = self.neg(rest);
        self.mul(&n, &inv)
    }

    /// `a - b`.
    pub fn minus(&mut self, a: &Frac, b: &Frac) -> Res<Frac> {
        let nb = self.neg(b);
        self.add(a, &nb)
    }

    /// Records that `value != 0` is needed (an assumption's coefficient).
    pub fn need_nonzero(&mut self, term: RecExpr<Math>, value: &Frac) {
        if value.as_constant().is_some_and(|c| !c.is_zero()) {
            return;
        }
        if self.seen.insert((value.clone(), Rel::Ne)) {
            self.met.push(Met {
                term,
                rel: Rel::Ne,
                value: value.clone(),
            });
        }
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

fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![vec![]];
    }
    let mut out = vec![];
    for p in permutations(n - 1) {
        for i in 0..=p.len() {
            let mut q = p.clone();
            q.insert(i, n - 1);
            out.push(q);
        }
    }
    out
}
