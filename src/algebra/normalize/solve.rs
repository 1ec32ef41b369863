//! `assume` equations: solving for a free variable or an index-free sum,
//! substituting the solution, and exact evaluation of a normal form at a
//! rational point.

use std::collections::BTreeMap;

use egg::{RecExpr, Symbol};
use num_rational::BigRational;
use num_traits::Zero;
use rustc_hash::FxHashMap as HashMap;

use crate::exact::{bits, power_bits, MAX_EXACT_BITS};
use crate::language::Math;

use super::{natural_key, Atom, AtomId, Monomial, Normalizer, Poly, Rat, Target};

impl Normalizer<'_> {
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
        let mut memo: HashMap<Symbol, bool> = HashMap::default();
        let stale: Vec<Symbol> = self
            .names
            .keys()
            .copied()
            .filter(|name| uses(*name, var, self.defs, &mut memo))
            .collect();
        for name in stale {
            self.names.remove(&name);
        }
        self.fold_index = None;
    }

    /// If `p = 0` can be solved for a free variable (the last such) or else
    /// for an index-free sum, that occurs linearly with a constant
    /// coefficient, returns it and its value.
    pub fn solve_linear(&mut self, p: &Rat) -> Option<(Target, Rat)> {
        if !p.den.is_empty() {
            return None;
        }
        if let Some((v, value)) = self.solve_for_var(p) {
            return Some((Target::Var(v), value));
        }
        self.solve_for_sum(p)
            .map(|(a, value)| (Target::Sum(a), value))
    }

    /// From now on `target` stands for `value`.
    pub fn substitute_target(&mut self, target: Target, value: Rat) {
        match target {
            Target::Var(v) => self.substitute(v, value),
            Target::Sum(a) => self.substitute_atom(a, value),
        }
    }

    /// The target in input syntax.
    pub fn print_target(&self, target: Target) -> String {
        match target {
            Target::Var(v) => v.to_string(),
            // Written out, not as the class count `n`: a step solves for a sum.
            Target::Sum(a) => match &self.atoms[a] {
                Atom::Sum(body, bound) => self.print_sum(a, body, *bound),
                _ => self.print_atom(a),
            },
        }
    }

    pub(super) fn solve_for_var(&mut self, p: &Rat) -> Option<(Symbol, Rat)> {
        let mut candidates: Vec<(Symbol, AtomId)> = Vec::new();
        // Atoms already listed (a sum over a thousand classes lists a thousand).
        let mut listed: std::collections::HashSet<AtomId> = Default::default();
        for m in p.num.0.keys() {
            for &(a, _) in &m.0 {
                if let Atom::Var(v) = self.atoms[a] {
                    if listed.insert(a) {
                        candidates.push((v, a));
                    }
                }
            }
        }
        // Each name's sort key once; the sort is stable, as `natural_cmp`'s was.
        candidates.sort_by_cached_key(|x| natural_key(x.0.as_str()));
        for (v, a) in candidates.into_iter().rev() {
            let with: Vec<(&Monomial, &BigRational)> =
                p.num.0.iter().filter(|(m, _)| m.exponent(a) != 0).collect();
            if with.len() != 1 || with[0].0 .0.len() != 1 || with[0].0.exponent(a) != 1 {
                continue;
            }
            let coef = with[0].1.clone();
            if p.num
                .0
                .iter()
                .any(|(m, _)| self.mentions(m, v) && m.exponent(a) == 0)
            {
                continue;
            }
            let mut rest = p.num.clone();
            rest.0.remove(&Monomial::atom(a, 1));
            let value = rest.scale(&(-coef.recip()));
            return Some((
                v,
                Rat {
                    num: value,
                    den: BTreeMap::new(),
                },
            ));
        }
        None
    }

    /// Whether any atom of `m` other than the variable itself mentions `v`.
    pub(super) fn mentions(&self, m: &Monomial, v: Symbol) -> bool {
        m.0.iter().any(|(a, _)| self.atom_mentions(*a, v))
    }

    pub(super) fn atom_mentions(&self, a: AtomId, v: Symbol) -> bool {
        let rat_mentions = |r: &Rat| {
            r.num.0.keys().any(|m| self.mentions(m, v))
                || r.den
                    .keys()
                    .any(|f| self.factors[*f].0.keys().any(|m| self.mentions(m, v)))
        };
        match &self.atoms[a] {
            Atom::Var(w) => *w == v,
            Atom::Name(_)
            | Atom::Opaque(..)
            | Atom::Element(..)
            | Atom::NameElement(..)
            | Atom::Delta(..) => false,
            Atom::Exp(r) | Atom::Log(r) | Atom::Sqrt(r) | Atom::Root(r, _) | Atom::Sum(r, _) => {
                rat_mentions(r)
            }
            Atom::Func(_, args) => args.iter().any(rat_mentions),
        }
    }

    /// The exact value of `r` at `point` when every atom is a free variable there.
    pub fn evaluate_exact(
        &self,
        r: &Rat,
        point: &BTreeMap<Symbol, BigRational>,
    ) -> Option<BigRational> {
        let eval_poly = |p: &Poly| -> Option<BigRational> {
            let mut total = crate::algebra::poly::Sum::default();
            for (m, c) in &p.0 {
                let mut t = c.clone();
                for &(a, e) in &m.0 {
                    let Atom::Var(v) = self.atoms[a] else {
                        return None;
                    };
                    let x = point.get(&v)?;
                    if x.is_zero() && e < 0 || power_bits(x, e.unsigned_abs()) > MAX_EXACT_BITS {
                        return None;
                    }
                    if e == 1 {
                        t = crate::algebra::poly::mul(&t, x);
                    } else {
                        t *= num_traits::pow::Pow::pow(x, e);
                    }
                }
                total.add(&t);
            }
            Some(total.value())
        };
        let mut value = eval_poly(&r.num)?;
        for (f, e) in &r.den {
            let d = eval_poly(&self.factors[*f])?;
            if d.is_zero() || power_bits(&d, u64::from(*e)) > MAX_EXACT_BITS {
                return None;
            }
            value /= num_traits::pow::Pow::pow(&d, *e as i32);
        }
        // A point the checker could not check exactly is no point.
        (bits(&value) <= MAX_EXACT_BITS).then_some(value)
    }
}
