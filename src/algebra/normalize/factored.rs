//! Printing a normal form factored, for a reader: the monomial its terms
//! share in front of the parentheses, a product of factors each in one atom
//! or of degree one (`c5*(1 - c5)*c6*(1 - c6)*early`, not sixteen terms;
//! `3*(q - t)*h^2*(1 - h^2)`), or one term beside such a product. A product
//! with a longer factor reads worse than its terms, and is not written so.
//! Only the text changes: the normal
//! form is the same, and whoever shows the text proves it equal first.
//! Printing terms and atoms is `printing`'s; this owns no arithmetic.

use std::collections::BTreeMap;

use num_rational::BigRational;
use num_traits::One;

use super::{AtomId, Monomial, Normalizer, Poly, Rat};

impl Normalizer<'_> {
    /// Like [`Normalizer::print`], with a monomial common to every term
    /// factored out: `(t1 + t2 + t3)/S`; and when it reads no longer, a
    /// polynomial written as a product of factors in one atom each
    /// (`c5*(1 - c5)*c6*(1 - c6)*early`), or as one term beside such a
    /// product (`a2*c6 + c1*(1 - c1)*c2*(1 - c2)*early`).
    pub fn print_factored(&self, r: &Rat) -> String {
        let plain = self.print_common_factor(r);
        if !r.den.is_empty() || r.num.len() < 2 {
            return plain;
        }
        // A product when it reads no longer; a term beside one when shorter.
        match self.print_grouped(&r.num) {
            Some((grouped, product)) if grouped.len() + usize::from(!product) <= plain.len() => {
                grouped
            }
            _ => plain,
        }
    }

    /// [`Normalizer::print`] with the monomial every term has (with the
    /// same exponent) in front of the parentheses: `(t1 + t2 + t3)/S`.
    fn print_common_factor(&self, r: &Rat) -> String {
        let content = common_monomial(&r.num);
        if r.num.len() < 2 || content.is_one() || !r.den.is_empty() {
            return self.print(r);
        }
        let rest = Rat {
            num: r.num.shift(&content.inv()),
            den: BTreeMap::new(),
        };
        let (_, body) = self.print_term(&content, &BigRational::one());
        let inner = self.print(&rest);
        match body.strip_prefix("1/") {
            Some(down) => format!("({inner})/{down}"),
            None => format!("({inner})*{body}"),
        }
    }

    /// `p` as a product ([`Normalizer::print_product`]), or as one term
    /// beside a product (the terms without an atom and with it): the
    /// shortest such text, and whether it is a product.
    /// `None` when there is none.
    fn print_grouped(&self, p: &Poly) -> Option<(String, bool)> {
        let mut best = self.print_product(p).map(|t| (t, true));
        // A long sum is left as it is; of a shorter one, the atoms in the
        // most terms but not in all are tried.
        const MOST_TERMS: usize = 256;
        const MOST_TRIED: usize = 8;
        if p.len() > MOST_TERMS {
            return best;
        }
        let mut atoms: Vec<(usize, AtomId)> = occurrences(p)
            .into_iter()
            .filter(|(_, n)| *n < p.len())
            .map(|(a, n)| (n, a))
            .collect();
        atoms.sort_by_key(|&(n, a)| (std::cmp::Reverse(n), a));
        for (_, x) in atoms.into_iter().take(MOST_TRIED) {
            let (with, without): (Vec<_>, Vec<_>) =
                p.0.iter().partition(|(m, _)| m.exponent(x) != 0);
            if with.is_empty() || without.is_empty() {
                continue;
            }
            let part = |terms: Vec<(&Monomial, &BigRational)>| {
                Poly(
                    terms
                        .into_iter()
                        .map(|(m, c)| (m.clone(), c.clone()))
                        .collect(),
                )
            };
            let (with, without) = (part(with), part(without));
            // One term beside a product (`a2*c6 + c1*(1 - c1)*…`): a sum of
            // partial products reads worse than its terms.
            if with.len() > 1 && without.len() > 1 {
                continue;
            }
            let (a, b) = (self.print_product(&without), self.print_product(&with));
            if a.is_none() && b.is_none() {
                continue;
            }
            let a = a.unwrap_or_else(|| self.print_poly(&without));
            let b = b.unwrap_or_else(|| self.print_poly(&with));
            // Not a minus sign first: `b - y`, not `-y + b`.
            let (a, b) = match (a.strip_prefix('-'), b.starts_with('-')) {
                (Some(_), false) => (b, a),
                _ => (a, b),
            };
            let text = match b.strip_prefix('-') {
                Some(b) => format!("{a} - {b}"),
                None => format!("{a} + {b}"),
            };
            if best.as_ref().is_none_or(|(t, _)| text.len() < t.len()) {
                best = Some((text, false));
            }
        }
        best
    }

    /// `p` (of two terms or more) as a product: the monomial its terms
    /// share last, and before it the rest split into factors in one atom
    /// each ([`split_by_atoms`]), each with its own least powers in front
    /// (`c6*(1 - c6)*early`). `None` when it is no product of two factors.
    fn print_product(&self, p: &Poly) -> Option<String> {
        if p.len() < 2 {
            return None;
        }
        let content = common_monomial(p);
        let rest = p.shift(&content.inv());
        let factors = split_by_atoms(&rest);
        let own = least_powers(&rest);
        if factors.len() < 2 && own.is_one() && content.is_one() {
            return None;
        }
        // Only factors read at a glance: in one atom (`1 - c5`) or of
        // degree one (`q - t`). `h2*(h2 + h2*t - h2^2 - t)` reads worse
        // than the terms it stands for.
        let simple = |f: &Poly| {
            occurrences(f).len() < 2
                || f.0
                    .keys()
                    .all(|m| m.0.iter().map(|(_, e)| e.abs()).sum::<i64>() <= 1)
        };
        if !factors.iter().all(simple) {
            return None;
        }
        let mut text: Vec<String> = factors.iter().map(|f| self.print_factor(f)).collect();
        // A factor with a number in front first: `3*(q - t)*h^2*(1 - h^2)`.
        text.sort_by_key(|t| !t.starts_with(|c: char| c.is_ascii_digit()));
        if !content.is_one() {
            let (_, body) = self.print_term(&content, &BigRational::one());
            if body.starts_with("1/") {
                return None;
            }
            text.push(body);
        }
        Some(text.join("*"))
    }

    /// One factor of a product: with its least powers in front,
    /// `c5*(1 - c5)`; a lone term as it is.
    fn print_factor(&self, p: &Poly) -> String {
        if p.len() < 2 {
            let term = Rat {
                num: p.clone(),
                den: BTreeMap::new(),
            };
            return self.print(&term);
        }
        let content = least_powers(p);
        let rest = p.shift(&content.inv());
        // A whole number every coefficient is a multiple of: `3*(q - t)`.
        let whole = integer_content(&rest);
        let rest = match &whole {
            Some(g) => Poly(rest.0.iter().map(|(m, c)| (m.clone(), c / g)).collect()),
            None => rest,
        };
        let inner = self.print_poly(&rest);
        let (_, body) = self.print_term(&content, whole.as_ref().unwrap_or(&BigRational::one()));
        if body == "1" {
            return format!("({inner})");
        }
        format!("{body}*({inner})")
    }
}

/// The greatest whole number above 1 that divides every coefficient of
/// `p`, when they are all whole numbers and there is one.
fn integer_content(p: &Poly) -> Option<BigRational> {
    use num_integer::Integer;
    let mut g = num_bigint::BigInt::from(0);
    for c in p.0.values() {
        if !c.is_integer() {
            return None;
        }
        g = g.gcd(c.numer());
    }
    (g > num_bigint::BigInt::from(1)).then(|| BigRational::from_integer(g))
}

/// `p` as a product of polynomials, each but the last in one atom, that
/// share no atom: an atom splits off when the terms grouped by its power
/// are one polynomial times numbers (`c5*c6 - c5*c6^2 - c5^2*c6 +
/// c5^2*c6^2` is `(c5 - c5^2)*(c6 - c6^2)`). One factor, `p` itself, when
/// no atom splits off.
fn split_by_atoms(p: &Poly) -> Vec<Poly> {
    let mut factors = Vec::new();
    let mut rest = p.clone();
    'split: while rest.len() > 1 {
        let counts = occurrences(&rest);
        if counts.len() < 2 {
            break;
        }
        // The terms without an atom that splits off are one group of
        // equal size with the others: it is in half the terms or more.
        let terms = rest.len();
        let atoms: Vec<AtomId> = (counts.iter())
            .filter(|(_, n)| 2 * **n >= terms)
            .map(|(a, _)| *a)
            .collect();
        for x in atoms {
            // As many terms at each power of `x` (counted before the
            // terms are copied into groups).
            let mut sizes: BTreeMap<i64, usize> = BTreeMap::new();
            for m in rest.0.keys() {
                *sizes.entry(m.exponent(x)).or_insert(0) += 1;
            }
            let first = sizes.values().next().copied().unwrap_or(0);
            if sizes.len() < 2 || sizes.values().any(|n| *n != first) {
                continue;
            }
            // The terms by the power of `x`, with `x` taken out.
            let mut groups: BTreeMap<i64, Poly> = BTreeMap::new();
            for (m, c) in &rest.0 {
                let e = m.exponent(x);
                let without = m.mul(&Monomial::atom(x, -e));
                groups
                    .entry(e)
                    .or_insert_with(Poly::zero)
                    .0
                    .insert(without, c.clone());
            }
            if groups.len() < 2 {
                continue;
            }
            let (_, base) = groups.iter().next().expect("two groups");
            let (key, c0) = base.0.iter().next().expect("a term");
            let mut along = Poly::zero();
            let proportional = groups.iter().all(|(e, g)| {
                let ratio = &g.0.get(key).cloned().unwrap_or_default() / c0;
                along.0.insert(Monomial::atom(x, *e), ratio.clone());
                g.len() == base.len()
                    && g.0
                        .iter()
                        .all(|(m, c)| base.0.get(m).is_some_and(|b| *c == b * &ratio))
            });
            if proportional {
                factors.push(along);
                rest = base.clone();
                continue 'split;
            }
        }
        break;
    }
    factors.push(rest);
    factors
}

/// The atoms every term of `p` has with the same exponent, as one monomial.
fn common_monomial(p: &Poly) -> Monomial {
    let first = p.0.keys().next().cloned().unwrap_or_default();
    Monomial(
        first
            .0
            .iter()
            .copied()
            .filter(|(a, e)| p.0.keys().all(|m| m.exponent(*a) == *e))
            .collect(),
    )
}

/// The least positive power of each atom every term of `p` has.
fn least_powers(p: &Poly) -> Monomial {
    let first = p.0.keys().next().cloned().unwrap_or_default();
    Monomial(
        first
            .0
            .iter()
            .filter_map(|&(a, _)| {
                let least = p.0.keys().map(|m| m.exponent(a)).min()?;
                (least > 0).then_some((a, least))
            })
            .collect(),
    )
}

/// Each atom of `p` and the number of terms it is in.
fn occurrences(p: &Poly) -> BTreeMap<AtomId, usize> {
    let mut counts = BTreeMap::new();
    for m in p.0.keys() {
        for (a, _) in &m.0 {
            *counts.entry(*a).or_insert(0) += 1;
        }
    }
    counts
}
