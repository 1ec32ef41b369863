//! Printing normal forms in input syntax (terms in a fixed order, factors
//! last, sums with readable bound names). Folding products back into the
//! `let` names they stand for is `fold`'s, printing factored for a reader
//! `factored`'s. Owns no arithmetic.

use num_rational::BigRational;
use num_traits::{One, Signed};

use rustc_hash::FxHashMap as HashMap;

use super::{AlgebraError, Atom, AtomId, Budget, Monomial, Normalizer, Poly, Rat, Res};

impl Budget {
    /// The longest text a form is printed as within this budget
    /// ([`Normalizer::print_within`]): a character per twenty units of work,
    /// so one per node of `--max-nodes` (twenty units each), as the lemmas,
    /// printed, may have a node per node. Reading a printed proof step back
    /// costs about a hundred bytes a character.
    pub fn max_text(&self) -> usize {
        self.max_work / 20
    }
}

impl Normalizer<'_> {
    /// [`Normalizer::print`] within the budget: a form whose text would be
    /// longer than [`Budget::max_text`] (or that is printed past the
    /// deadline) is a limit, not a string. Its length is estimated first,
    /// atom by atom: an atom nested in the arguments of others is counted
    /// once per occurrence, as printed, so a text far longer than the work
    /// that built the form (exponentially, for nested atoms) is never written out.
    pub fn print_within(&self, r: &Rat) -> Res<String> {
        self.check_printable(r)?;
        Ok(self.print(r))
    }

    /// [`Normalizer::print_factored`] within the budget, as [`Normalizer::print_within`].
    pub fn print_factored_within(&self, r: &Rat) -> Res<String> {
        self.check_printable(r)?;
        Ok(self.print_factored(r))
    }

    fn check_printable(&self, r: &Rat) -> Res<()> {
        if self.printed_len(r, &mut HashMap::default()) > self.budget.max_text() {
            return Err(AlgebraError::Limit);
        }
        self.check_deadline()
    }

    /// About how long `r` is printed (at least as long as its atoms'
    /// names and numbers), saturating; `sizes` remembers each atom's.
    fn printed_len(&self, r: &Rat, sizes: &mut HashMap<AtomId, usize>) -> usize {
        let mut n = self.poly_len(&r.num, sizes);
        for f in r.den.keys() {
            n = n.saturating_add(self.poly_len(&self.factors[*f], sizes).saturating_add(8));
        }
        n
    }

    fn poly_len(&self, p: &Poly, sizes: &mut HashMap<AtomId, usize>) -> usize {
        let mut n = 0usize;
        for (m, c) in &p.0 {
            let digits = (c.numer().bits() + c.denom().bits()) / 3;
            n = n.saturating_add(
                usize::try_from(digits)
                    .unwrap_or(usize::MAX)
                    .saturating_add(3),
            );
            for (a, _) in &m.0 {
                n = n.saturating_add(self.atom_len(*a, sizes).saturating_add(4));
            }
        }
        n
    }

    fn atom_len(&self, a: AtomId, sizes: &mut HashMap<AtomId, usize>) -> usize {
        if let Some(n) = sizes.get(&a) {
            return *n;
        }
        let n = match &self.atoms[a] {
            Atom::Var(v) | Atom::Name(v) => v.as_str().len(),
            Atom::Exp(r) | Atom::Log(r) | Atom::Sqrt(r) | Atom::Sum(r, _) | Atom::Root(r, _) => {
                self.printed_len(r, sizes).saturating_add(8)
            }
            Atom::Func(name, args) => args.iter().fold(name.len() + 2, |n, r| {
                n.saturating_add(self.printed_len(r, sizes).saturating_add(2))
            }),
            Atom::Element(f, indices) => f.as_str().len() + 4 * indices.len() + 2,
            Atom::NameElement(f, _) => f.as_str().len() + 4,
            Atom::Delta(..) => 12,
            Atom::Opaque(s, _) => s.len(),
        };
        sizes.insert(a, n);
        n
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

    /// The normal form in input syntax: terms in a fixed order, factors last.
    pub fn print(&self, r: &Rat) -> String {
        let num = self.print_poly(&r.num);
        if r.den.is_empty() {
            return num;
        }
        let factors: Vec<String> = r
            .den
            .iter()
            .map(|(f, e)| {
                let p = format!("({})", self.print_poly(&self.factors[*f]));
                if *e == 1 {
                    p
                } else {
                    format!("{p}^{e}")
                }
            })
            .collect();
        let den = if factors.len() == 1 {
            factors[0].clone()
        } else {
            format!("({})", factors.join("*"))
        };
        let num = if r.num.len() > 1 {
            format!("({num})")
        } else {
            num
        };
        format!("{num}/{den}")
    }

    pub(super) fn print_poly(&self, p: &Poly) -> String {
        if p.is_zero() {
            return "0".into();
        }
        let mut terms: Vec<(bool, String, bool, String)> =
            p.0.iter()
                .map(|(m, c)| {
                    let (neg, body) = self.print_term(m, c);
                    (m.is_one(), self.print_monomial_key(m), neg, body)
                })
                .collect();
        // Positive terms first, constants last within each sign: `y1 - t1`, `1 - t1 - t2`.
        terms.sort_by_cached_key(|t| (t.2, t.0, natural_key(&t.1)));
        let mut out = String::new();
        for (i, (_, _, neg, body)) in terms.iter().enumerate() {
            match (i, neg) {
                (0, true) => out.push_str(&format!("-{body}")),
                (0, false) => out.push_str(body),
                (_, true) => out.push_str(&format!(" - {body}")),
                (_, false) => out.push_str(&format!(" + {body}")),
            }
        }
        out
    }

    pub(super) fn print_monomial_key(&self, m: &Monomial) -> String {
        let mut parts: Vec<String> =
            m.0.iter()
                .map(|(a, e)| format!("{}^{e}", self.print_atom(*a)))
                .collect();
        parts.sort_by_cached_key(|s| factor_key(s));
        parts.join("*")
    }

    /// One term as `(is_negative, text of its absolute value)`.
    pub(super) fn print_term(&self, m: &Monomial, c: &BigRational) -> (bool, String) {
        let neg = c.is_negative();
        let c = c.abs();
        let mut up: Vec<String> = Vec::new();
        let mut down: Vec<String> = Vec::new();
        for &(a, e) in &m.0 {
            // A root is a power: it needs parentheses only under another power.
            let text = |k: i64| {
                if k == 1 {
                    self.print_atom(a)
                } else {
                    format!("{}^{k}", self.print_atom_operand(a))
                }
            };
            if e > 0 {
                up.push(text(e));
            } else {
                down.push(text(-e));
            }
        }
        up.sort_by_cached_key(|s| factor_key(s));
        down.sort_by_cached_key(|s| factor_key(s));
        let numer = c.numer().clone();
        let denom = c.denom().clone();
        if !numer.is_one() || up.is_empty() {
            up.insert(0, numer.to_string());
        }
        if !denom.is_one() {
            down.insert(0, denom.to_string());
        }
        let mut s = up.join("*");
        match down.len() {
            0 => {}
            1 => s = format!("{s}/{}", down[0]),
            _ => s = format!("{s}/({})", down.join("*")),
        }
        (neg, s)
    }

    pub(super) fn print_atom_operand(&self, a: AtomId) -> String {
        match &self.atoms[a] {
            Atom::Root(..) => format!("({})", self.print_atom(a)),
            _ => self.print_atom(a),
        }
    }

    pub(super) fn print_atom(&self, a: AtomId) -> String {
        let key = (
            a,
            self.print_scope.borrow().clone(),
            self.sum_hints.get(&a).copied(),
        );
        if let Some(text) = self.printed.borrow().get(&key) {
            return text.clone();
        }
        let text = self.print_atom_uncached(a);
        self.printed.borrow_mut().insert(key, text.clone());
        text
    }

    fn print_atom_uncached(&self, a: AtomId) -> String {
        match &self.atoms[a] {
            Atom::Var(v) | Atom::Name(v) => v.to_string(),
            Atom::Exp(r) => format!("exp({})", self.print(r)),
            Atom::Log(r) => format!("log({})", self.print(r)),
            Atom::Sqrt(r) => format!("sqrt({})", self.print(r)),
            Atom::Func(name, args) => {
                let args: Vec<String> = args.iter().map(|r| self.print(r)).collect();
                format!("{name}({})", args.join(", "))
            }
            Atom::Root(r, c) => {
                let base = self.print(r);
                // `^` is right-associative: `x^2` as a base needs parentheses too.
                let base = if r.is_monomial() && !base.contains(['/', '*', '-', '^', ' ']) {
                    base
                } else {
                    format!("({base})")
                };
                format!("{base}^({c})")
            }
            Atom::Element(f, indices) => {
                let shown: Vec<String> = indices.iter().map(|i| self.index_name(*i)).collect();
                format!("{f}[{}]", shown.join(", "))
            }
            Atom::NameElement(f, i) => format!("{f}[{}]", self.index_name(*i)),
            Atom::Delta(i, k) => format!("delta({}, {})", self.index_name(*i), self.index_name(*k)),
            Atom::Sum(body, bound)
                if body.as_constant().is_some_and(|c| c.is_one())
                    && self.size_name(*bound).is_some() =>
            {
                self.size_name(*bound)
                    .map(|s| s.to_string())
                    .unwrap_or_default()
            }
            Atom::Sum(body, bound) => self.print_sum(a, body, *bound),
            Atom::Opaque(s, _) => s.clone(),
        }
    }
}

/// Plain names before function applications, then natural order: `t1*exp(a1)`.
fn factor_key(s: &str) -> (bool, Vec<(String, u64)>) {
    (s.contains('('), natural_key(s))
}

/// A sort key that orders `a2` before `a10`.
pub fn natural_key(s: &str) -> Vec<(String, u64)> {
    // A name and then at most 19 digits (`a17`), the common case: the same key in one step.
    match simple_key(s) {
        Some((text, number)) => vec![(text.to_string(), number)],
        None => natural_key_by_chunks(s),
    }
}

/// [`natural_key`]'s one part, borrowed, for a name without digits or a name
/// then at most 19 digits (`t1000`); `None` for any other name.
pub fn simple_key(s: &str) -> Option<(&str, u64)> {
    let bytes = s.as_bytes();
    let Some(i) = bytes.iter().position(u8::is_ascii_digit) else {
        return Some((s, 0));
    };
    if bytes.len() - i > 19 {
        return None;
    }
    // At most 19 digits: no overflow.
    let mut number = 0u64;
    for b in &bytes[i..] {
        if !b.is_ascii_digit() {
            return None;
        }
        number = number * 10 + u64::from(b - b'0');
    }
    Some((&s[..i], number))
}

/// The positions of `names` in [`natural_key`] order, names with equal keys
/// in the order given; no key is built when every name is a [`simple_key`]
/// (a point at a thousand classes has two thousand names).
pub fn natural_order(names: &[&str]) -> Vec<usize> {
    // (Positions past 32 bits, which no point has, take the other way.)
    let keys: Option<Vec<(&str, u64, usize)>> = names
        .iter()
        .enumerate()
        .map(|(i, s)| simple_key(s).map(|(text, number)| (text, number, i)))
        .collect::<Option<_>>()
        .filter(|_| u32::try_from(names.len()).is_ok());
    match keys {
        // Each stem's rank among the stems, so that the sort compares
        // numbers only: rank, number and position in one machine integer.
        Some(keys) => {
            // Each stem numbered as first seen (a name's stem is mostly the
            // one before's: looked up only when it is not), then ranked.
            let mut ids: rustc_hash::FxHashMap<&str, usize> = Default::default();
            let mut stems: Vec<&str> = Vec::new();
            let mut last: Option<(&str, usize)> = None;
            let mut seen: Vec<usize> = Vec::with_capacity(keys.len());
            for (stem, _, _) in &keys {
                let id = match last {
                    Some((s, id)) if s == *stem => id,
                    _ => *ids.entry(*stem).or_insert_with(|| {
                        stems.push(stem);
                        stems.len() - 1
                    }),
                };
                last = Some((stem, id));
                seen.push(id);
            }
            let mut by_text: Vec<usize> = (0..stems.len()).collect();
            by_text.sort_unstable_by_key(|id| stems[*id]);
            let mut rank = vec![0u128; stems.len()];
            for (r, id) in by_text.into_iter().enumerate() {
                rank[id] = r as u128;
            }
            let mut order: Vec<u128> = keys
                .iter()
                .zip(&seen)
                .map(|((_, number, i), id)| {
                    rank[*id] << 96 | u128::from(*number) << 32 | *i as u128
                })
                .collect();
            order.sort_unstable();
            order
                .into_iter()
                .map(|k| (k & 0xffff_ffff) as usize)
                .collect()
        }
        None => {
            let mut order: Vec<usize> = (0..names.len()).collect();
            order.sort_by_cached_key(|i| natural_key(names[*i]));
            order
        }
    }
}

/// [`natural_key`], chunk by chunk: text, then the number its digits read.
fn natural_key_by_chunks(s: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut text = String::new();
    // The digits read so far, as a number (`None` once it overflows), and
    // whether there are any.
    let mut number: Option<u64> = Some(0);
    let mut digits = false;
    for ch in s.chars() {
        if ch.is_ascii_digit() {
            let d = u64::from(ch as u8 - b'0');
            number = number.and_then(|n| n.checked_mul(10)?.checked_add(d));
            digits = true;
        } else {
            if digits {
                // Too many digits for a number sorts last.
                out.push((std::mem::take(&mut text), number.unwrap_or(u64::MAX)));
                number = Some(0);
                digits = false;
            }
            text.push(ch);
        }
    }
    // The last digits, or 0 when there are none (or too many).
    out.push((text, if digits { number.unwrap_or(0) } else { 0 }));
    out
}

/// Compares names so that `t2` comes before `t10` (as [`natural_key`]
/// orders them, without building the keys of two [`simple_key`] names).
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    match (simple_key(a), simple_key(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => natural_key(a).cmp(&natural_key(b)),
    }
}

#[cfg(test)]
mod natural_key_tests {
    use super::*;

    const NAMES: [&str; 16] = [
        "", "a", "a1", "a2", "a10", "a007", "a7", "t1000", "t", "W1_2", "x_y3", "1a", "12", "a1b2",
        "b", "ab",
    ];

    /// Comparing without keys orders as the keys do.
    #[test]
    fn natural_cmp_is_the_keys_order() {
        for a in NAMES {
            for b in NAMES {
                let keys = natural_key(a).cmp(&natural_key(b));
                assert_eq!(natural_cmp(a, b), keys, "{a} {b}");
            }
        }
    }

    /// `natural_order` is the stable sort by the keys, with and without a
    /// name that is not a simple key (`a1b2`).
    #[test]
    fn natural_order_is_the_stable_sort_by_keys() {
        for names in [&NAMES[..], &["t10", "a07", "t2", "a7", "a", "t1"][..]] {
            let mut expected: Vec<usize> = (0..names.len()).collect();
            expected.sort_by_key(|i| natural_key(names[*i]));
            assert_eq!(natural_order(names), expected, "{names:?}");
        }
    }

    /// The one-step key is the chunk-by-chunk key wherever it applies.
    #[test]
    fn the_short_way_gives_the_same_keys() {
        let digits19 = format!("a{}", "9".repeat(19));
        let digits20 = format!("a{}", "9".repeat(20));
        for s in [
            "", "a", "a1", "a17", "a007", "t1000", "W1_2", "1a", "12", "x_y3", "y[3]", "exp(a1)",
            "a1b2", &digits19, &digits20,
        ] {
            assert_eq!(natural_key(s), natural_key_by_chunks(s), "{s}");
        }
    }
}
