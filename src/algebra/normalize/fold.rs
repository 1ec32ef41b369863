//! Folding products back into the `let` names they stand for (`exp(a1)/S`
//! as `y1`), for printing. The names' products are read once per
//! normalizer and indexed by atom, so folding a term looks only at the
//! names whose atoms occur in it: a walk over a thousand classes folds each
//! node's value in time proportional to the value, not to the number of
//! names. Owns no arithmetic and no printing.

use std::collections::BTreeSet;
use std::sync::Arc;

use egg::Symbol;
use num_traits::One;
use rustc_hash::{FxHashMap, FxHashSet};

use super::{Atom, AtomId, Math, Monomial, Normalizer, Poly, Rat, Res};

/// The names of the definitions in order, with what each folds from.
#[derive(Debug, Default)]
pub(super) struct FoldIndex {
    entries: Vec<(Symbol, Entry)>,
    /// Scalar names by the first atom of their product: positions in `entries`.
    by_atom: FxHashMap<AtomId, Vec<usize>>,
    /// Positions of the names defined with an index (looked at for every term).
    indexed: Vec<usize>,
}

#[derive(Debug)]
enum Entry {
    /// `y[k]` for each free index `k` of the term.
    Indexed,
    /// A scalar name whose value is this product of at least two atoms.
    Product(Monomial),
    /// Nothing to fold: a sum, a single atom, a substituted name.
    Never,
}

impl Normalizer<'_> {
    /// Forgets the names' values (and what they fold from): the next use reads them again.
    pub(super) fn forget_names(&mut self) {
        self.names.clear();
        self.element_names.clear();
        self.fold_index = None;
    }

    /// Reads every name's value once, in definition order (as folding
    /// visits them), and indexes the products by their first atom.
    fn fold_index(&mut self) -> Res<Arc<FoldIndex>> {
        if let Some(index) = &self.fold_index {
            return Ok(Arc::clone(index));
        }
        let names: Vec<Symbol> = self.defs.keys().copied().collect();
        let mut index = FoldIndex::default();
        for (i, name) in names.into_iter().enumerate() {
            self.charge(1)?;
            if i.is_multiple_of(64) {
                self.check_deadline()?;
            }
            let def = &self.defs[&name];
            let entry = if self.substitution.contains_key(&name) {
                Entry::Never
            } else if matches!(def.as_ref().last(), Some(Math::Lambda(_)))
                && crate::index::is_indexed(def)
            {
                index.indexed.push(i);
                Entry::Indexed
            } else {
                match product(&self.variable(name)?) {
                    Some(m) => {
                        index.by_atom.entry(m.0[0].0).or_default().push(i);
                        Entry::Product(m)
                    }
                    None => Entry::Never,
                }
            };
            index.entries.push((name, entry));
        }
        let index = Arc::new(index);
        self.fold_index = Some(Arc::clone(&index));
        Ok(index)
    }

    /// Writes products of atoms that a `let` name stands for as that name
    /// (`exp(a1)/S` as `y1`), wherever the product occurs whole in a term.
    /// Names are visited in definition order, each once, as if every name
    /// were tried; only those whose atoms all occur can fold, so only
    /// those are looked at.
    pub fn fold_names(&mut self, r: &Rat) -> Res<Rat> {
        let indices: Vec<Symbol> = self.free_of(r).into_iter().collect();
        let mut out = self.fold_in_sums(r)?;
        let index = self.fold_index()?;
        let mut present = atoms_of(&out.num);
        // The names to visit, by position: a name can fold only when its first atom is present.
        let mut todo: BTreeSet<usize> = index.indexed.iter().copied().collect();
        for a in &present {
            if let Some(at) = index.by_atom.get(a) {
                todo.extend(at.iter().copied());
            }
        }
        let mut visited = 0usize;
        while let Some(pos) = todo.pop_first() {
            self.charge(1)?;
            visited += 1;
            if visited.is_multiple_of(64) {
                self.check_deadline()?;
            }
            let (name, entry) = &index.entries[pos];
            let instances: Vec<(Monomial, Atom)> = match entry {
                Entry::Never => continue,
                Entry::Product(m) => {
                    if !m.0.iter().all(|(a, _)| present.contains(a)) {
                        continue;
                    }
                    vec![(m.clone(), Atom::Name(*name))]
                }
                Entry::Indexed => {
                    let mut v = Vec::new();
                    for k in &indices {
                        let value = self.name_element(*name, *k)?;
                        if let Some(m) =
                            product(&value).filter(|m| m.0.iter().all(|(a, _)| present.contains(a)))
                        {
                            v.push((m, Atom::NameElement(*name, *k)));
                        }
                    }
                    v
                }
            };
            for (m, atom) in instances {
                self.charge(out.num.len() + 1)?;
                let id = self.atom(atom);
                let mut folded = Poly::zero();
                for (term, coef) in &out.num.0 {
                    // `exp(a1)*exp(a2)/S^2` holds `exp(a1)/S` whole: same signs, at least as large.
                    let fits = m.0.iter().all(|(a, e)| {
                        let have = term.exponent(*a);
                        have.signum() == e.signum() && have.abs() >= e.abs()
                    });
                    let term = if fits {
                        term.mul(&m.inv()).mul(&Monomial::atom(id, 1))
                    } else {
                        term.clone()
                    };
                    folded.add_term(term, coef.clone());
                }
                out.num = folded;
                present = atoms_of(&out.num);
                // The name's atom may be the first atom of a later name's product.
                if present.contains(&id) {
                    if let Some(at) = index.by_atom.get(&id) {
                        todo.extend(at.iter().copied().filter(|&p| p > pos));
                    }
                }
            }
        }
        Ok(out)
    }

    /// The bodies of the sums in `r` folded too (for printing only: the
    /// atoms made here are not normal forms).
    pub(super) fn fold_in_sums(&mut self, r: &Rat) -> Res<Rat> {
        let has_sum = |n: &Self| {
            r.num.0.keys().any(|m| {
                m.0.iter()
                    .any(|(a, _)| matches!(n.atoms[*a], Atom::Sum(..)))
            })
        };
        if !has_sum(self) {
            return Ok(r.clone());
        }
        let mut num = Poly::zero();
        for (m, c) in r.num.0.clone() {
            let mut term = Monomial::one();
            for (a, e) in m.0 {
                let Atom::Sum(body, bound) = self.atoms[a].clone() else {
                    term = term.mul(&Monomial::atom(a, e));
                    continue;
                };
                let folded = self.fold_names(&body)?;
                let id = self.atom(Atom::Sum(folded, bound));
                if let Some(hint) = self.sum_hints.get(&a).copied() {
                    self.sum_hints.entry(id).or_insert(hint);
                }
                term = term.mul(&Monomial::atom(id, e));
            }
            num.add_term(term, c);
        }
        Ok(Rat {
            num,
            den: r.den.clone(),
        })
    }
}

/// The atoms occurring in `p`.
fn atoms_of(p: &Poly) -> FxHashSet<AtomId> {
    p.0.keys()
        .flat_map(|m| m.0.iter().map(|(a, _)| *a))
        .collect()
}

/// The product a name's value is, when it is one that folding writes as the
/// name: a single monomial of at least two atoms, coefficient one, no
/// denominator.
fn product(value: &Rat) -> Option<Monomial> {
    let (m, c) = value.num.as_term()?;
    (value.den.is_empty() && c.is_one() && m.0.len() >= 2).then(|| m.clone())
}
