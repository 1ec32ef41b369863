//! Evaluating indexed terms at concrete sizes without unrolling them: a
//! `sum` is a loop over its range, `a[j]` the point's value of the element
//! it names, `delta(j, k)` a 0 or 1, and `y[j]` of `let y[j] = …` its
//! definition at that `j`. Each operation is the one [`Evaluator`] applies to
//! the unrolled term, in the same order (a sum adds its instances left to
//! right, as `unroll` writes them), so both give the same intervals, bit
//! for bit (a function already applied to the same interval is read back,
//! not applied again); this one costs the template's size times the range,
//! not the unrolled tree. Owns no unrolling and no naming of elements (the caller's
//! `element` gives the point's value of `a[2]`, however the point names it).

use std::collections::BTreeMap;
use std::rc::Rc;

use egg::{Id, Language, RecExpr, Symbol};
use num_rational::BigRational;
use rustc_hash::FxHashMap;

use super::{apply, Interval};
use crate::language::{constant_node, Math};
use crate::unroll::{Env, Sizes};

/// Evaluates indexed terms at one point and one set of sizes; each name's,
/// element's and closed sum's value is computed once, and each
/// one-argument function's once per argument.
pub(crate) struct Indexed<'a> {
    defs: &'a BTreeMap<Symbol, RecExpr<Math>>,
    sizes: &'a Sizes,
    point: &'a BTreeMap<Symbol, BigRational>,
    element: &'a dyn Fn(Symbol, &[usize]) -> Option<&'a BigRational>,
    /// Scalar names' values.
    names: FxHashMap<Symbol, Option<Interval>>,
    /// Elements' values, defined or free, by family and packed index values.
    elements: FxHashMap<(Symbol, u64), Option<Interval>>,
    /// Each definition's shape, by name.
    shapes: FxHashMap<Symbol, usize>,
    all: Vec<Shape>,
    /// Sums' values by shape, node and the packed values of their free indices.
    sums: FxHashMap<(usize, Id, u64), Option<Interval>>,
    /// Closed subterms' values by shape and node.
    closed: FxHashMap<(usize, Id), Option<Interval>>,
    /// The intervals of 0 and 1, as `delta` unrolls to.
    bits: [Option<Interval>; 2],
    /// Room for regions' values, kept for the next region.
    room: Vec<Vec<Option<Interval>>>,
    /// Room for a family definition's one binding.
    binding: Vec<(Symbol, usize)>,
    /// Functions' values by function and argument (its bounds' bits).
    functions: FxHashMap<(std::mem::Discriminant<Math>, u64, u64), Option<Interval>>,
}

/// What evaluating one term needs beyond its nodes: each node's free
/// indices, and its regions (by top node, made when first evaluated).
struct Shape {
    free: Vec<Vec<Symbol>>,
    regions: Vec<Option<Rc<Region>>>,
}

/// How a power's exponent is read (as [`apply`] reads the unrolled term's).
enum Exponent {
    /// A constant: its exact value, computed once.
    Constant(Option<BigRational>),
    /// It has index terms (`delta(j, k)`): read at each instance, at this id.
    Indexed(Id),
}

/// The nodes below one node that are evaluated together: not inside a sum's
/// body (each instance of a body is a region of its own) nor in an index
/// slot. In order, children first; children are positions in this list.
struct Region {
    steps: Vec<Step>,
}

/// One node of a [`Region`], as evaluating it needs it.
enum Step {
    /// A scalar name.
    Name(Symbol),
    /// A number's interval.
    Value(Option<Interval>),
    /// `f[i]` or `f[i, j]`: the family and the index names.
    Element(Symbol, Vec<Symbol>),
    /// `delta(j, k)`: 1 or 0.
    Delta(Symbol, Symbol),
    /// `sum(j, body)` at the term's node `id`.
    Sum { id: Id, j: Symbol, body: Id },
    /// A power, children by position, and how its exponent is read.
    Pow(Math, Exponent),
    /// A subterm without free indices at the term's node `id`: its value
    /// once, however many instances of the enclosing sum read it.
    Closed(Id),
    /// Arithmetic or a function, children by position.
    Apply(Math),
    /// Not a value (`d`, `lambda`, a malformed index slot).
    Undefined,
}

impl Region {
    fn new(expr: &RecExpr<Math>, free: &[Vec<Symbol>], top: Id) -> Region {
        let mut needed = vec![false; usize::from(top) + 1];
        needed[usize::from(top)] = true;
        let closed = |i: usize| {
            i != usize::from(top)
                && free[i].is_empty()
                && !matches!(expr[Id::from(i)], Math::Var(_) | Math::Num(_))
        };
        for i in (0..=usize::from(top)).rev() {
            match &expr[Id::from(i)] {
                _ if !needed[i] || closed(i) => {}
                Math::Idx(_) | Math::Delta(_) | Math::Sum(_) | Math::Lambda(_) => {}
                node => {
                    for c in node.children() {
                        needed[usize::from(*c)] = true;
                    }
                }
            }
        }
        let mut position: FxHashMap<Id, Id> = FxHashMap::default();
        let mut steps = Vec::new();
        let name = |id: &Id| index_name(expr, *id);
        for i in (0..=usize::from(top)).filter(|i| needed[*i]) {
            let id = Id::from(i);
            let step = match &expr[id] {
                _ if closed(i) => Step::Closed(id),
                Math::Var(s) => Step::Name(*s),
                Math::Num(c) => Step::Value(Interval::from_rational(&c.0)),
                Math::Idx(c) => {
                    let indices: Option<Vec<Symbol>> = c[1..].iter().map(name).collect();
                    match (name(&c[0]), indices) {
                        (Some(f), Some(ix)) => Step::Element(f, ix),
                        _ => Step::Undefined,
                    }
                }
                Math::Delta([j, k]) => match (name(j), name(k)) {
                    (Some(j), Some(k)) => Step::Delta(j, k),
                    _ => Step::Undefined,
                },
                Math::Sum([j, body]) => match name(j) {
                    Some(j) => Step::Sum { id, j, body: *body },
                    None => Step::Undefined,
                },
                Math::D(_) | Math::Lambda(_) => Step::Undefined,
                Math::Pow([_, e]) => {
                    let indexed = expr.as_ref()[..=usize::from(*e)].iter().any(|n| {
                        matches!(
                            n,
                            Math::Idx(_) | Math::Delta(_) | Math::Sum(_) | Math::Lambda(_)
                        )
                    });
                    let exponent = if indexed {
                        Exponent::Indexed(*e)
                    } else {
                        Exponent::Constant(super::constant(expr, *e))
                    };
                    Step::Pow(expr[id].clone().map_children(|c| position[&c]), exponent)
                }
                n => Step::Apply(n.clone().map_children(|c| position[&c])),
            };
            position.insert(id, Id::from(steps.len()));
            steps.push(step);
        }
        Region { steps }
    }
}

impl<'a> Indexed<'a> {
    /// An evaluator at `point`, with `defs` the indexed definitions (a
    /// `lambda` root for a family) and `element` the point's value of an
    /// element of a free family.
    pub(crate) fn new(
        defs: &'a BTreeMap<Symbol, RecExpr<Math>>,
        sizes: &'a Sizes,
        point: &'a BTreeMap<Symbol, BigRational>,
        element: &'a dyn Fn(Symbol, &[usize]) -> Option<&'a BigRational>,
    ) -> Self {
        let int = |k: i64| Interval::from_rational(&BigRational::from_integer(k.into()));
        Indexed {
            defs,
            sizes,
            point,
            element,
            names: FxHashMap::default(),
            // Every free element of the point, and about as many defined ones.
            elements: FxHashMap::with_capacity_and_hasher(2 * point.len(), Default::default()),
            shapes: FxHashMap::default(),
            all: Vec::new(),
            sums: FxHashMap::default(),
            closed: FxHashMap::default(),
            bits: [int(0), int(1)],
            room: Vec::new(),
            binding: Vec::new(),
            functions: FxHashMap::with_capacity_and_hasher(point.len(), Default::default()),
        }
    }

    /// The value of `expr` with its free indices valued by `env`, or `None`
    /// where the unrolled term would be undefined or fail to unroll.
    pub(crate) fn eval(&mut self, expr: &RecExpr<Math>, env: &Env) -> Option<Interval> {
        let shape = self.shape(expr);
        let mut env: Vec<(Symbol, usize)> = env.iter().map(|(s, v)| (*s, *v)).collect();
        self.region(expr, shape, root(expr), &mut env)
    }

    fn shape(&mut self, expr: &RecExpr<Math>) -> usize {
        self.all.push(Shape {
            free: crate::unroll::free_indices(expr),
            regions: vec![None; expr.as_ref().len()],
        });
        self.all.len() - 1
    }

    /// The value of the subterm at `top`, its sums' bodies evaluated by
    /// recursion (so the recursion is as deep as sums nest, not as the term).
    /// `env` binds index names, the innermost binding last.
    fn region(
        &mut self,
        expr: &RecExpr<Math>,
        shape: usize,
        top: Id,
        env: &mut Vec<(Symbol, usize)>,
    ) -> Option<Interval> {
        let region = match &self.all[shape].regions[usize::from(top)] {
            Some(r) => r.clone(),
            None => {
                let r = Rc::new(Region::new(expr, &self.all[shape].free, top));
                self.all[shape].regions[usize::from(top)] = Some(r.clone());
                r
            }
        };
        // The values' room is reused, region after region.
        let mut vals = self.room.pop().unwrap_or_default();
        vals.clear();
        vals.reserve(region.steps.len());
        for step in &region.steps {
            let v = match step {
                Step::Name(s) => self.name(*s),
                Step::Value(v) => *v,
                Step::Element(f, ix) => {
                    let mut values = [0usize; 2];
                    let mut ok = ix.len() <= 2;
                    for (slot, j) in values.iter_mut().zip(ix) {
                        match lookup(env, *j) {
                            Some(v) => *slot = v,
                            None => ok = false,
                        }
                    }
                    if ok {
                        self.element(*f, &values[..ix.len()])
                    } else {
                        None
                    }
                }
                Step::Delta(j, k) => lookup(env, *j)
                    .zip(lookup(env, *k))
                    .and_then(|(j, k)| self.bits[usize::from(j == k)]),
                Step::Sum { id, j, body } => self.sum(expr, shape, *id, *j, *body, env),
                Step::Undefined => None,
                Step::Pow(node, Exponent::Constant(c)) => {
                    apply(expr, node, |c| vals[usize::from(c)], |_, _| c.clone())
                }
                Step::Pow(node, Exponent::Indexed(e)) => {
                    let exponent = |_: &RecExpr<Math>, _: Id| {
                        let mut at: Env = env.iter().copied().collect();
                        constant_in(expr, *e, &mut at, self.sizes)
                    };
                    apply(expr, node, |c| vals[usize::from(c)], exponent)
                }
                Step::Closed(id) => match self.closed.get(&(shape, *id)) {
                    Some(v) => *v,
                    None => {
                        let v = self.region(expr, shape, *id, &mut Vec::new());
                        self.closed.insert((shape, *id), v);
                        v
                    }
                },
                Step::Apply(
                    node @ (Math::Exp(a)
                    | Math::Log(a)
                    | Math::Sqrt(a)
                    | Math::Tanh(a)
                    | Math::Sigmoid(a)
                    | Math::Softplus(a)
                    | Math::Sin(a)
                    | Math::Cos(a)),
                ) => self.function(expr, node, vals[usize::from(*a)]),
                Step::Apply(node) => apply(expr, node, |c| vals[usize::from(c)], |_, _| None),
            };
            vals.push(v);
        }
        let value = vals.pop().flatten();
        self.room.push(vals);
        value
    }

    fn sum(
        &mut self,
        expr: &RecExpr<Math>,
        shape: usize,
        id: Id,
        j: Symbol,
        body: Id,
        env: &mut Vec<(Symbol, usize)>,
    ) -> Option<Interval> {
        let value = |s: &Symbol| lookup(env, *s).unwrap_or(0);
        let free = &self.all[shape].free[usize::from(id)];
        let key = crate::unroll::pack_by(free, value).map(|p| (shape, id, p));
        if let Some(done) = key.and_then(|k| self.sums.get(&k)) {
            return *done;
        }
        let mut acc: Option<Option<Interval>> = None;
        env.push((j, 0));
        for i in 1..=self.sizes.of(j) {
            env.last_mut().expect("just pushed").1 = i;
            let term = self.region(expr, shape, body, env);
            acc = Some(match acc {
                None => term,
                Some(acc) => acc.zip(term).and_then(|(a, b)| a.add(b)),
            });
        }
        env.pop();
        let done = acc.flatten();
        if let Some(k) = key {
            self.sums.insert(k, done);
        }
        done
    }

    /// A function of one argument at `x`, once per function and argument:
    /// `exp(a[j])` in a sum, in `y[j]` and in a derivative is one `exp`.
    fn function(
        &mut self,
        expr: &RecExpr<Math>,
        node: &Math,
        x: Option<Interval>,
    ) -> Option<Interval> {
        let x = x?;
        let key = (std::mem::discriminant(node), x.lo.to_bits(), x.hi.to_bits());
        if let Some(v) = self.functions.get(&key) {
            return *v;
        }
        let v = apply(expr, node, |_| Some(x), |_, _| None);
        self.functions.insert(key, v);
        v
    }

    /// A scalar name: its definition's value, or the point's.
    fn name(&mut self, s: Symbol) -> Option<Interval> {
        if let Some(v) = self.names.get(&s) {
            return *v;
        }
        let v = match self.defs.get(&s) {
            Some(def) if !matches!(def.as_ref().last(), Some(Math::Lambda(_))) => {
                let shape = self.def_shape(s, def);
                self.region(def, shape, root(def), &mut Vec::new())
            }
            Some(_) => None,
            None => self.point.get(&s).and_then(Interval::from_rational),
        };
        self.names.insert(s, v);
        v
    }

    /// An element `f[v…]`: the family's definition at `v`, or the point's value.
    fn element(&mut self, family: Symbol, values: &[usize]) -> Option<Interval> {
        let key = crate::unroll::pack(values)?;
        if let Some(v) = self.elements.get(&(family, key)) {
            return *v;
        }
        let v = match self.defs.get(&family) {
            Some(def) => match (def.as_ref().last(), values) {
                (Some(Math::Lambda([j, body])), [v]) => {
                    let j = index_name(def, *j)?;
                    let shape = self.def_shape(family, def);
                    // The binding's room is reused, element after element.
                    let mut env = std::mem::take(&mut self.binding);
                    env.clear();
                    env.push((j, *v));
                    let value = self.region(def, shape, *body, &mut env);
                    self.binding = env;
                    value
                }
                _ => None,
            },
            None => (self.element)(family, values).and_then(Interval::from_rational),
        };
        self.elements.insert((family, key), v);
        v
    }

    fn def_shape(&mut self, name: Symbol, def: &RecExpr<Math>) -> usize {
        if let Some(s) = self.shapes.get(&name) {
            return *s;
        }
        let s = self.shape(def);
        self.shapes.insert(name, s);
        s
    }
}

/// The innermost binding of index `j`.
fn lookup(env: &[(Symbol, usize)], j: Symbol) -> Option<usize> {
    env.iter().rev().find(|(s, _)| *s == j).map(|(_, v)| *v)
}

/// The exact value of a constant subterm, `delta` and `sum` read at `env`
/// (what the unrolled subterm's value is, for a power's exponent).
fn constant_in(expr: &RecExpr<Math>, id: Id, env: &mut Env, sizes: &Sizes) -> Option<BigRational> {
    match &expr[id] {
        Math::Delta([j, k]) => {
            let value = |j: &Id| index_name(expr, *j).and_then(|j| env.get(&j).copied());
            let same = value(j)? == value(k)?;
            Some(BigRational::from_integer(i64::from(same).into()))
        }
        Math::Sum([j, body]) => {
            let j = index_name(expr, *j)?;
            let saved = env.get(&j).copied();
            let mut acc: Option<Option<BigRational>> = None;
            for i in 1..=sizes.of(j) {
                env.insert(j, i);
                let term = constant_in(expr, *body, env, sizes);
                acc = Some(match acc {
                    None => term,
                    Some(acc) => acc.zip(term).map(|(a, b)| a + b),
                });
            }
            match saved {
                Some(v) => env.insert(j, v),
                None => env.remove(&j),
            };
            acc.flatten()
        }
        Math::Idx(_) | Math::Lambda(_) => None,
        node => constant_node(node, |c| constant_in(expr, c, env, sizes)),
    }
}

fn index_name(expr: &RecExpr<Math>, id: Id) -> Option<Symbol> {
    match &expr[id] {
        Math::Var(s) => Some(*s),
        _ => None,
    }
}

fn root(expr: &RecExpr<Math>) -> Id {
    Id::from(expr.as_ref().len().saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::Evaluator;

    /// The indexed value and the unrolled term's value are the same interval.
    #[test]
    fn agrees_with_unrolling_bit_for_bit() {
        let p = crate::parse_problem(
            "let S = sum(j, exp(a[j]))\nlet y[j] = exp(a[j])/S\n\
             prove sum(j, t[j]*(delta(j, k)*S - y[j]*sum(i, exp(a[i])*delta(i, k)))/S^(1 + delta(k, k))) = y[k]\n\
             prove sum(j, exp(a[j])*t[j] - exp(a[j])*delta(j, k) + t[j]/y[j]) + log(y[k])*y[k] = y[k]",
        )
        .unwrap();
        let defs = p.definitions_by_name();
        let sizes = Sizes::uniform(&p.ranges(), 7);
        let concrete = crate::unroll::unroll_problem(&p, &sizes).unwrap();
        let concrete_defs = concrete.definitions_by_name();
        let mut point = BTreeMap::new();
        for i in 1..=7 {
            let q = |k: i64| BigRational::new(k.into(), 4.into());
            point.insert(
                crate::unroll::element(Symbol::from("a"), i),
                q(i as i64 - 3),
            );
            point.insert(
                crate::unroll::element(Symbol::from("t"), i),
                q(5 - i as i64),
            );
        }
        let element = |f: Symbol, v: &[usize]| point.get(&crate::unroll::element_at(f, v));
        // The second claim writes subterms twice.
        for (k, lhs) in (1..=7).flat_map(|k| [(k, &p.claims[0].lhs), (k, &p.claims[1].lhs)]) {
            let env = Env::from([(Symbol::from("k"), k)]);
            let unrolled = crate::unroll::unroll(lhs, &sizes, &env).unwrap();
            let expected = Evaluator::new(&concrete_defs, &point)
                .eval(&unrolled)
                .unwrap();
            let got = Indexed::new(&defs, &sizes, &point, &element)
                .eval(lhs, &env)
                .unwrap();
            assert_eq!(got, expected, "at k = {k}");
        }
        // A missing value leaves the term undefined, as it does unrolled.
        let none = |_: Symbol, _: &[usize]| None;
        let env = Env::from([(Symbol::from("k"), 1)]);
        assert!(Indexed::new(&defs, &sizes, &point, &none)
            .eval(&p.claims[0].lhs, &env)
            .is_none());
    }
}
