//! Sums over the classes: `sum-linear`, `sum-factor`, `sum-const`,
//! `sum-delta`, the bound index's canonical name, and renaming a free index
//! inside a normal form (atoms rebuilt so the laws apply again).

use egg::Symbol;
use num_rational::BigRational;
use num_traits::One;

use super::{term, Atom, AtomId, Frac, Math, Mono, Normalizer, Poly, Res, Stop};

impl Normalizer<'_> {
    pub(super) fn sum(&mut self, body: &Frac, j: Symbol) -> Res<Frac> {
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
                    // Within one range only: `k` must be one of `j`'s values.
                    Atom::Delta(x, y)
                        if *e >= 1 && (*x == j) != (*y == j) && self.ranges.same_range(*x, *y) =>
                    {
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
                let n = self.atom_frac(Atom::Size(self.ranges.size_of(j)), 1)?;
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
    pub(super) fn sum_atom(&mut self, body: Frac, j: Symbol) -> Res<Frac> {
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
        let bound = Symbol::from(format!("#{h}{}", self.ranges.suffix(j)));
        let canonical = self.subst_index(&body, j, bound)?;
        self.atom_frac(Atom::Sum(canonical, h, bound), 1)
    }

    /// `f` with the free index `from` renamed to `to`; atoms are rebuilt, so laws apply again.
    pub(super) fn subst_index(&mut self, f: &Frac, from: Symbol, to: Symbol) -> Res<Frac> {
        if !self.frac_free(f).contains(&from) {
            return Ok(f.clone());
        }
        let collecting = std::mem::replace(&mut self.collecting, false);
        let out = self.subst_inner(f, from, to);
        self.collecting = collecting;
        out
    }

    pub(super) fn subst_inner(&mut self, f: &Frac, from: Symbol, to: Symbol) -> Res<Frac> {
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

    pub(super) fn subst_poly(&mut self, p: &Poly, from: Symbol, to: Symbol) -> Res<Frac> {
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

    pub(super) fn subst_atom(&mut self, a: AtomId, from: Symbol, to: Symbol) -> Res<Frac> {
        let r = |s: Symbol| if s == from { to } else { s };
        match self.atoms[a as usize].clone() {
            Atom::Elem(f, j) => self.atom_frac(Atom::Elem(f, j.into_iter().map(r).collect()), 1),
            Atom::NameElem(f, j) => self.element(f, vec![r(j)]),
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
            Atom::Sum(u, h, bound) => {
                let v = self.subst_inner(&u, from, to)?;
                self.atom_frac(Atom::Sum(v, h, bound), 1)
            }
            Atom::Func(name, args) => {
                let mut moved = Vec::with_capacity(args.len());
                for u in &args {
                    moved.push(self.subst_inner(u, from, to)?);
                }
                self.atom_frac(Atom::Func(name, moved), 1)
            }
            Atom::Deriv(d, _) => {
                let e = term::substitute(&d, term::root(&d), from, to);
                let free = term::free_indices(&e, term::root(&e)).into_iter().collect();
                self.atom_frac(Atom::Deriv(e, free), 1)
            }
            // No index inside: a variable, a name, a range's size.
            other => self.atom_frac(other, 1),
        }
    }

    /// `a[j]` or `W[i, j]` of a free family, or `y[j]` of a defined one.
    pub(super) fn element(&mut self, family: Symbol, indices: Vec<Symbol>) -> Res<Frac> {
        let Some((Some(i), body)) = self.defs.get(&family) else {
            return self.atom_frac(Atom::Elem(family, indices), 1);
        };
        let [j] = indices[..] else {
            return Err(Stop::Unsupported(format!(
                "`{family}` with several indices"
            )));
        };
        let (i, body) = (*i, body.clone());
        let Math::Lambda([_, b]) = body[term::root(&body)] else {
            return Err(Stop::Unsupported(format!("the definition of `{family}`")));
        };
        let instance = term::substitute(&body, b, i, j);
        let value = self.normalize(&instance)?;
        self.unfold_or_keep(family, value, Atom::NameElem(family, j))
    }

    pub(super) fn delta(&mut self, j: Symbol, k: Symbol) -> Res<Frac> {
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
}
