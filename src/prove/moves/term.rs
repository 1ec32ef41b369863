//! Terms as a student reads them: sums of terms, products of factors with
//! integer exponents and a rational coefficient, everything else an opaque
//! atom (`t1`, `exp(a1)`, `log(y1)`). Owns reading a term into this shape,
//! printing it back in input syntax, and the key that says when two terms
//! differ only in the order of their terms and factors. Proves nothing: every
//! move made on these terms is checked by the kernel as an equation.

use egg::{Id, RecExpr};
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};

use crate::language::Math;
use crate::print::infix_at;

/// A term: a number, an atom (its input-syntax text), a sum, or a product
/// `coefficient * f1^k1 * f2^k2 …` (no factor is a number or a product).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum T {
    Num(BigRational),
    Atom(String),
    Sum(Vec<T>),
    Prod(BigRational, Vec<(T, i32)>),
}

/// Reads a term; powers only with small integer exponents, else an atom.
pub(crate) fn from_expr(e: &RecExpr<Math>) -> T {
    at(e, Id::from(e.as_ref().len() - 1))
}

fn at(e: &RecExpr<Math>, id: Id) -> T {
    match &e[id] {
        Math::Num(c) => T::Num(c.0.clone()),
        // A long sum is one chain of `+` and `-`: read its terms in one pass
        // (flattening pair by pair would copy the terms read so far at every `+`).
        Math::Add(_) | Math::Sub(_) => {
            let mut spine = Vec::new();
            let mut first = id;
            while let Math::Add([a, _]) | Math::Sub([a, _]) = &e[first] {
                spine.push(first);
                first = *a;
            }
            let mut terms = vec![at(e, first)];
            for &node in spine.iter().rev() {
                match &e[node] {
                    Math::Add([_, b]) => terms.push(at(e, *b)),
                    Math::Sub([_, b]) => terms.push(neg(&at(e, *b))),
                    _ => unreachable!("the spine holds only sums"),
                }
            }
            sum(terms)
        }
        Math::Neg(a) => neg(&at(e, *a)),
        Math::Mul([a, b]) => mul(&at(e, *a), &at(e, *b)),
        Math::Div([a, b]) => match inv(&at(e, *b)) {
            Some(i) => mul(&at(e, *a), &i),
            None => T::Atom(infix_at(e, id)),
        },
        Math::Pow([a, b]) => match constant(e, *b) {
            Some(c) if c.is_integer() && c.abs() <= BigRational::from_integer(8.into()) => {
                let k = c.to_integer().to_i32().unwrap_or(1);
                pow(&at(e, *a), k).unwrap_or_else(|| T::Atom(infix_at(e, id)))
            }
            _ => T::Atom(infix_at(e, id)),
        },
        _ => T::Atom(infix_at(e, id)),
    }
}

/// The value of an exponent written with numbers, `+`, `-` (`2 - 1`).
fn constant(e: &RecExpr<Math>, id: Id) -> Option<BigRational> {
    match &e[id] {
        Math::Num(c) => Some(c.0.clone()),
        Math::Add([a, b]) => Some(constant(e, *a)? + constant(e, *b)?),
        Math::Sub([a, b]) => Some(constant(e, *a)? - constant(e, *b)?),
        Math::Neg(a) => Some(-constant(e, *a)?),
        _ => None,
    }
}

fn one() -> BigRational {
    BigRational::one()
}

/// A sum, flattened, without zero terms.
pub(crate) fn sum(terms: Vec<T>) -> T {
    let mut out = Vec::new();
    for t in terms {
        match t {
            T::Sum(inner) => out.extend(inner),
            T::Num(c) if c.is_zero() => {}
            t => out.push(t),
        }
    }
    match out.len() {
        0 => T::Num(BigRational::zero()),
        1 => out.pop().expect("one term"),
        _ => T::Sum(out),
    }
}

/// A product in its simplest shape (no zero exponents, no unit wrapper).
pub(crate) fn prod(c: BigRational, fs: Vec<(T, i32)>) -> T {
    if c.is_zero() {
        return T::Num(c);
    }
    let fs: Vec<(T, i32)> = fs.into_iter().filter(|(_, k)| *k != 0).collect();
    if fs.is_empty() {
        return T::Num(c);
    }
    if c.is_one() && fs.len() == 1 && fs[0].1 == 1 {
        return fs.into_iter().next().expect("one factor").0;
    }
    T::Prod(c, fs)
}

/// The coefficient and factors of a term seen as a product.
pub(crate) fn parts(t: &T) -> (BigRational, Vec<(T, i32)>) {
    match t {
        T::Num(c) => (c.clone(), vec![]),
        T::Prod(c, fs) => (c.clone(), fs.clone()),
        t => (one(), vec![(t.clone(), 1)]),
    }
}

pub(crate) fn scale(t: &T, c: &BigRational) -> T {
    let (k, fs) = parts(t);
    prod(k * c, fs)
}

pub(crate) fn neg(t: &T) -> T {
    scale(t, &-one())
}

pub(crate) fn mul(a: &T, b: &T) -> T {
    let (ca, mut fa) = parts(a);
    let (cb, fb) = parts(b);
    fa.extend(fb);
    prod(ca * cb, fa)
}

/// `1/t`; the factors of a quotient keep their order, numerator first.
pub(crate) fn inv(t: &T) -> Option<T> {
    let (c, fs) = parts(t);
    if c.is_zero() {
        return None;
    }
    let mut inverted: Vec<(T, i32)> = fs.into_iter().map(|(f, k)| (f, -k)).collect();
    inverted.sort_by_key(|(_, k)| *k < 0);
    Some(prod(c.recip(), inverted))
}

pub(crate) fn pow(t: &T, k: i32) -> Option<T> {
    if k == 0 {
        return Some(T::Num(one()));
    }
    let (c, fs) = parts(t);
    if c.is_zero() && k < 0 {
        return None;
    }
    let ck = num_traits::Pow::pow(c, k);
    if let T::Sum(_) = t {
        return Some(prod(one(), vec![(t.clone(), k)]));
    }
    let mut fs: Vec<(T, i32)> = fs.into_iter().map(|(f, e)| (f, e * k)).collect();
    fs.sort_by_key(|(_, k)| *k < 0);
    Some(prod(ck, fs))
}

pub(crate) fn is_negative(t: &T) -> bool {
    match t {
        T::Num(c) | T::Prod(c, _) => c.is_negative(),
        _ => false,
    }
}

fn number(c: &BigRational) -> String {
    if c.is_integer() {
        c.numer().to_string()
    } else {
        format!("{}/{}", c.numer(), c.denom())
    }
}

/// Whether an atom's text can take `^k` or follow `/` without parentheses.
fn simple(text: &str) -> bool {
    let Some(open) = text.find('(') else {
        return text
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '[' || c == ']');
    };
    let head = &text[..open];
    if head.is_empty() || !head.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return false;
    }
    // The call's parenthesis closes at the very end.
    let mut depth = 0i32;
    for (i, c) in text.char_indices().skip(open) {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return i == text.len() - 1;
                }
            }
            _ => {}
        }
    }
    false
}

/// A factor as it stands inside a product.
fn factor(f: &T) -> String {
    match f {
        T::Atom(a) if simple(a) => a.clone(),
        T::Num(c) if !c.is_negative() && c.is_integer() => number(c),
        f => format!("({})", print(f)),
    }
}

/// Prints a term in input syntax: factors with positive exponents first,
/// then `/` and the others; a negative term of a sum after ` - `.
pub(crate) fn print(t: &T) -> String {
    match t {
        T::Num(c) => number(c),
        T::Atom(a) => a.clone(),
        T::Sum(terms) => {
            let mut s = String::new();
            for (i, term) in terms.iter().enumerate() {
                if i == 0 {
                    s += &print(term);
                } else if is_negative(term) {
                    s += " - ";
                    s += &print(&neg(term));
                } else {
                    s += " + ";
                    s += &print(term);
                }
            }
            s
        }
        T::Prod(c, fs) => {
            let a = c.abs();
            let mut s = String::new();
            if !a.numer().is_one() {
                s += &a.numer().to_string();
            }
            for (f, k) in fs.iter().filter(|(_, k)| *k > 0) {
                if !s.is_empty() {
                    s += "*";
                }
                s += &factor(f);
                if *k > 1 {
                    s += &format!("^{k}");
                }
            }
            let den: Vec<String> = fs
                .iter()
                .filter(|(_, k)| *k < 0)
                .map(|(f, k)| {
                    if *k < -1 {
                        format!("{}^{}", factor(f), -k)
                    } else {
                        factor(f)
                    }
                })
                .chain((!a.denom().is_one()).then(|| a.denom().to_string()))
                .collect();
            if s.is_empty() {
                s += "1";
            }
            match den.len() {
                0 => {}
                1 => s += &format!("/{}", den[0]),
                _ => s += &format!("/({})", den.join("*")),
            }
            if c.is_negative() {
                format!("-{s}")
            } else {
                s
            }
        }
    }
}

/// The term up to the order of terms and factors, the sign of a sum factor
/// and repeated factors of one sign (`S*S` is `S^2`): two terms with the same
/// key are one product or sum written in another order.
pub(crate) fn key(t: &T) -> String {
    match t {
        // An atom or a number is its own canonical form.
        T::Atom(a) => a.clone(),
        T::Num(c) => number(c),
        _ => KEYS.with(|keys| {
            let mut keys = keys.borrow_mut();
            let hash = exact_hash(t);
            if let Some((_, k)) = keys
                .get(&hash)
                .and_then(|bucket| bucket.iter().find(|(u, _)| exact_eq(u, t)))
            {
                return k.clone();
            }
            let k = print(&canon(t));
            if keys.len() >= KEYS_HELD {
                keys.clear();
            }
            keys.entry(hash).or_default().push((t.clone(), k.clone()));
            k
        }),
    }
}

/// How many terms' keys a thread keeps (then it starts afresh).
const KEYS_HELD: usize = 8192;

thread_local! {
    /// The keys computed so far, by [`exact_hash`]: a search asks for the
    /// key of the same term many times (every move leaves most of it as it was).
    static KEYS: std::cell::RefCell<rustc_hash::FxHashMap<u64, Vec<(T, String)>>> =
        std::cell::RefCell::new(rustc_hash::FxHashMap::default());
}

/// Whether two terms are written alike: the same shape, atoms, exponents, and
/// numbers with the same numerator and denominator as stored (so both print
/// alike, and have one key).
pub(super) fn exact_eq(a: &T, b: &T) -> bool {
    let same = |x: &BigRational, y: &BigRational| x.numer() == y.numer() && x.denom() == y.denom();
    match (a, b) {
        (T::Num(x), T::Num(y)) => same(x, y),
        (T::Atom(x), T::Atom(y)) => x == y,
        (T::Sum(xs), T::Sum(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| exact_eq(x, y))
        }
        (T::Prod(c, fs), T::Prod(d, gs)) => {
            same(c, d)
                && fs.len() == gs.len()
                && fs
                    .iter()
                    .zip(gs)
                    .all(|((f, k), (g, e))| k == e && exact_eq(f, g))
        }
        _ => false,
    }
}

/// A hash of a term's written form, consistent with [`exact_eq`].
fn exact_hash(t: &T) -> u64 {
    use std::hash::{Hash, Hasher};
    fn walk(t: &T, h: &mut rustc_hash::FxHasher) {
        match t {
            T::Num(c) => {
                0u8.hash(h);
                c.numer().hash(h);
                c.denom().hash(h);
            }
            T::Atom(a) => {
                1u8.hash(h);
                a.hash(h);
            }
            T::Sum(ts) => {
                2u8.hash(h);
                ts.len().hash(h);
                ts.iter().for_each(|x| walk(x, h));
            }
            T::Prod(c, fs) => {
                3u8.hash(h);
                c.numer().hash(h);
                c.denom().hash(h);
                fs.len().hash(h);
                for (f, k) in fs {
                    k.hash(h);
                    walk(f, h);
                }
            }
        }
    }
    let mut h = rustc_hash::FxHasher::default();
    walk(t, &mut h);
    h.finish()
}

fn canon(t: &T) -> T {
    match t {
        T::Num(_) | T::Atom(_) => t.clone(),
        T::Sum(terms) => {
            let mut terms: Vec<(String, T)> = terms
                .iter()
                .map(|x| {
                    let x = canon(x);
                    (print(&x), x)
                })
                .collect();
            terms.sort_by(|a, b| a.0.cmp(&b.0));
            sum(terms.into_iter().map(|(_, x)| x).collect())
        }
        T::Prod(c, fs) => {
            let mut c = c.clone();
            let mut merged: Vec<(String, T, i32)> = Vec::new();
            for (f, k) in fs {
                let mut f = canon(f);
                // A sum factor is written with its first term positive.
                if let T::Sum(terms) = &f {
                    if terms.first().is_some_and(is_negative) {
                        f = canon(&sum(terms.iter().map(neg).collect()));
                        if k % 2 != 0 {
                            c = -c;
                        }
                    }
                }
                let name = print(&f);
                match merged
                    .iter_mut()
                    .find(|(n, _, e)| *n == name && (*e > 0) == (*k > 0))
                {
                    Some(m) => m.2 += k,
                    None => merged.push((name, f, *k)),
                }
            }
            merged.sort_by(|a, b| (a.2 < 0, &a.0).cmp(&(b.2 < 0, &b.0)));
            prod(c, merged.into_iter().map(|(_, f, k)| (f, k)).collect())
        }
    }
}

/// Whether a number is small enough to be worth a move (no huge powers).
pub(crate) fn small(c: &BigRational) -> bool {
    c.numer().bits() < 64 && c.denom().bits() < 64
}
