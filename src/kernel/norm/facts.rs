//! Signs of normal forms and the facts they come from: assumptions,
//! the claim's domain, stated conditions; and the definedness conditions met
//! while reading a term.

use egg::{Id, Language, RecExpr, Symbol};
use num_rational::BigRational;
use num_traits::{One, Signed};

use super::{single_atom, term, Atom, Frac, Met, Mono, Normalizer, Poly, Rel, Res, Signs};
use crate::language::Math;

impl Normalizer<'_> {
    pub(super) fn poly_sign(&self, p: &Poly) -> Signs {
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
        // `c*u^a*v^b > 0` (or `!= 0`) says `u != 0` and `v != 0`: with
        // `x >= 0`, `sqrt(x)*x > 0` gives `x > 0`.
        if rel != Rel::Ge && value.num.len() == 1 && single_atom(&scaled).is_none() {
            let atoms: Vec<u32> = value.num.atoms().collect();
            for a in atoms {
                let one = Frac {
                    num: Poly::term(Mono::atom(a, 1), BigRational::one()),
                    den: vec![],
                };
                self.add_fact(one, Rel::Ne);
            }
        }
        if let Some(a) = single_atom(&scaled) {
            if let Atom::Elem(fam, idx) = &self.atoms[a as usize] {
                self.family_facts.push((*fam, idx.clone(), rel));
            }
            let s = self.signs[a as usize].and(rel.allowed());
            self.signs[a as usize] = s;
            // `sqrt(u) != 0` where defined says `u > 0`.
            if let (Atom::Sqrt(u), Rel::Ne | Rel::Gt) = (&self.atoms[a as usize], rel) {
                let u = u.clone();
                self.add_fact(u, Rel::Gt);
            }
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
        let surely = self.frac_sign(value);
        for (f, frel) in &facts {
            // Every non-zero multiple of a fact `!= 0` or `> 0` is not zero.
            if rel == Rel::Ne && *frel != Rel::Ge && self.same_up_to(f, value, true) {
                return true;
            }
            // A positive multiple has the fact's signs, and those it surely
            // has too: `u != 0` where `u >= 0` as written says `u > 0`.
            let signs = [frel.allowed(), surely.and(frel.allowed())];
            if signs.iter().any(|s| s.within(rel.allowed())) && self.same_up_to(f, value, false) {
                return true;
            }
        }
        false
    }

    /// Whether `a = c*b` for a constant `c > 0` (any `c != 0` with `any_sign`),
    /// also after renaming free indices of `a` to those of `b`.
    pub(super) fn same_up_to(&mut self, a: &Frac, b: &Frac, any_sign: bool) -> bool {
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
            // A fact's index stands for every value of its own range only.
            let ranges = self.ranges;
            if !perm
                .iter()
                .enumerate()
                .all(|(i, p)| ranges.same_range(from[i], to[*p]))
            {
                continue;
            }
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
            if self.scaled(&renamed.num, &b.num, any_sign) {
                return true;
            }
        }
        false
    }

    /// Whether `b = c*m*a` for a constant `c` and a monomial `m` of atoms
    /// whose signs are known (`n^2*(v + eps)` for `v + eps`): `c*m > 0`, or
    /// only `c*m != 0` with `any_sign`.
    fn scaled(&self, a: &Poly, b: &Poly, any_sign: bool) -> bool {
        let Some((ma, ca)) = a.0.iter().next() else {
            return false;
        };
        let Some(inverse) = ma.pow(-1) else {
            return false;
        };
        // `a`'s first monomial goes to one of `b`'s: try each (a few at most
        // for long sums, which rarely match).
        for (mb, cb) in b.0.iter().take(64) {
            let (Some(m), k) = (mb.mul(&inverse), cb / ca) else {
                continue;
            };
            let sign = m.0.iter().fold(Signs::of(&k), |s, (x, e)| {
                s.mul(self.signs[*x as usize].pow(*e))
            });
            let allowed = if any_sign {
                Signs::ANY.nonzero()
            } else {
                Signs::POS
            };
            if sign.within(allowed) && a.mul_term(&m, &k).as_ref() == Some(b) {
                return true;
            }
        }
        false
    }

    pub(super) fn condition(&mut self, expr: &RecExpr<Math>, id: Id, value: &Frac, rel: Rel) {
        if !self.collecting
            || self.frac_sign(value).within(rel.allowed()) && value.as_constant().is_some()
        {
            return;
        }
        if self.seen.insert((value.clone(), rel)) {
            // A difference with 0, as `max(u, 0)`'s kink gives it, reads as `u != 0`.
            let zero =
                |i: &Id| matches!(&expr[*i], Math::Num(c) if num_traits::Zero::is_zero(&c.0));
            let written = match &expr[id] {
                Math::Sub([u, z]) if zero(z) => *u,
                Math::Sub([z, u]) if zero(z) && rel == Rel::Ne => *u,
                _ => id,
            };
            self.met.push(Met {
                term: term::sub(expr, written),
                rel,
                value: value.clone(),
            });
        }
    }

    /// Splits the conditions met into those the signs and facts establish
    /// (of the normal form, or of the term as written) and the rest.
    pub fn open_conditions(&mut self) -> Vec<Met> {
        let met = self.met.clone();
        met.into_iter()
            .filter(|m| {
                !self.holds(&m.value, m.rel) && !self.written_sign(&m.term).within(m.rel.allowed())
            })
            .collect()
    }

    /// The strongest relation to zero `term` surely has as written, if any.
    pub fn written_rel(&mut self, term: &RecExpr<Math>) -> Option<Rel> {
        let s = self.written_sign(term);
        [Rel::Gt, Rel::Ge, Rel::Ne]
            .into_iter()
            .find(|r| s.within(r.allowed()))
    }

    /// The signs of a term as written, node by node: the normal form may have
    /// expanded away a square (`sum(i, (x[i] - mu)^2)`) that this still sees.
    /// Names and defined families count by their definitions; free ones by
    /// the facts about them.
    pub fn written_sign(&mut self, term: &RecExpr<Math>) -> Signs {
        let nodes = term.as_ref();
        let mut s: Vec<Signs> = Vec::with_capacity(nodes.len());
        for node in nodes {
            let at = |c: &Id| s[usize::from(*c)];
            let sign = match node {
                Math::Num(c) => Signs::of(&c.0),
                Math::Var(v) => self.name_sign(*v),
                Math::Idx(c) => match term::name(term, c[0]) {
                    Some(f) => self.element_sign(f, term, &c[1..]),
                    None => Signs::ANY,
                },
                Math::Add([a, b]) => at(a).add(at(b)),
                Math::Sub([a, b]) => at(a).add(at(b).mul(Signs::NEG)),
                Math::Mul([a, b]) => at(a).mul(at(b)),
                Math::Div([a, b]) => at(a).mul(at(b).pow(-1)),
                Math::Neg(a) => at(a).mul(Signs::NEG),
                Math::Pow([a, b]) => match &nodes[usize::from(*b)] {
                    // `u^0 = 1`, `0^0` too.
                    Math::Num(c) if c.is_zero() => Signs::POS,
                    Math::Num(c) if c.is_integer() => {
                        let even = c.0.to_integer() % 2 == 0.into();
                        at(a).pow(if c.0.is_negative() { -1 } else { 1 } * (1 + i32::from(even)))
                    }
                    _ if at(a).within(Signs::POS) => Signs::POS,
                    _ => Signs::ANY,
                },
                Math::Exp(_) => Signs::POS,
                Math::Sqrt(a) if at(a).within(Signs::POS) => Signs::POS,
                Math::Sqrt(_) | Math::Delta(_) => Signs::NON_NEG,
                // At least one term, each of the body's signs.
                Math::Sum([_, body]) => at(body).add(at(body)),
                Math::Log(_) | Math::D(_) | Math::Lambda(_) => Signs::ANY,
                f => super::functions::function_signs(&f.to_string(), f.children().first().map(at)),
            };
            s.push(sign);
        }
        s.last().copied().unwrap_or(Signs::ANY)
    }

    fn name_sign(&mut self, v: Symbol) -> Signs {
        if let Some(s) = self.written.get(&v) {
            return *s;
        }
        let s = match self.defs.get(&v) {
            Some((None, body)) => {
                // A cycle cannot reach here (definitions come in order);
                // the entry guards the recursion all the same.
                self.written.insert(v, Signs::ANY);
                let body = body.clone();
                self.written_sign(&body)
            }
            Some((Some(_), _)) => Signs::ANY,
            None => self.fact_sign(|a| matches!(a, Atom::Var(w) if *w == v), None),
        };
        self.written.insert(v, s);
        s
    }

    fn element_sign(&mut self, f: Symbol, term: &RecExpr<Math>, indices: &[Id]) -> Signs {
        match self.defs.get(&f) {
            Some((Some(_), body)) => {
                let Math::Lambda([_, b]) = body[term::root(body)] else {
                    return Signs::ANY;
                };
                if let Some(s) = self.written.get(&f) {
                    return *s;
                }
                self.written.insert(f, Signs::ANY);
                let value = term::sub(body, b);
                let s = self.written_sign(&value);
                self.written.insert(f, s);
                s
            }
            Some((None, _)) => Signs::ANY,
            None => {
                let k: Vec<Symbol> = indices
                    .iter()
                    .filter_map(|j| term::name(term, *j))
                    .collect();
                self.fact_sign(
                    |a| matches!(a, Atom::Elem(b, j) if *b == f && *j == k),
                    Some((f, &k)),
                )
            }
        }
    }
}

/// Every order of `0..n`.
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
