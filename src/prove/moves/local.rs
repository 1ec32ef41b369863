//! The moves at one place of a term (`cancel`, `expand`, `factor out`,
//! `collect like terms`, `combine the fractions`, `multiply top and bottom
//! by -1`), each a function from a term to the move's name and the term it
//! gives. Owns only the shapes; the search (`search.rs`) decides where and
//! in which order they are tried, and the kernel checks every move made.

use std::collections::HashSet;

use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{One, Signed};

use super::search::{has_key, rebuild};
use super::term::{key, mul, neg, parts, print, prod, small, sum, T};

/// A term of a sum: its factors' key, its coefficient, its factors.
type Like = (String, BigRational, Vec<(T, i32)>);

/// `x^a * … / x^b` → `x^(a-b)`: a factor in both numerator and denominator.
pub(super) fn cancel(t: &T) -> Option<(String, T)> {
    let T::Prod(c, fs) = t else { return None };
    // Nothing cancels without factors of both signs (and keys are not cheap).
    if !(fs.iter().any(|(_, e)| *e > 0) && fs.iter().any(|(_, e)| *e < 0)) {
        return None;
    }
    let keys: Vec<String> = fs.iter().map(|(f, _)| key(f)).collect();
    let group = |i: usize| -> Vec<i32> {
        fs.iter()
            .zip(&keys)
            .filter(|(_, k)| **k == keys[i])
            .map(|((_, e), _)| *e)
            .collect()
    };
    let mut cancelled: Vec<String> = Vec::new();
    let mut out: Vec<(T, i32)> = Vec::new();
    let mut done: HashSet<&str> = HashSet::new();
    for (i, (f, k)) in fs.iter().enumerate() {
        let g = group(i);
        let both = g.iter().any(|e| *e > 0) && g.iter().any(|e| *e < 0);
        if !both {
            out.push((f.clone(), *k));
            continue;
        }
        let total: i32 = g.iter().sum();
        if !done.contains(keys[i].as_str()) && total == 0 {
            done.insert(&keys[i]);
            cancelled.push(print(f));
        }
        // What is left stands where the first factor of its sign stood.
        if total != 0 && (total > 0) == (*k > 0) && !done.contains(keys[i].as_str()) {
            done.insert(&keys[i]);
            cancelled.push(print(f));
            out.push((f.clone(), total));
        }
    }
    if cancelled.is_empty() {
        return None;
    }
    Some((
        format!("cancel {}", cancelled.join(" and ")),
        prod(c.clone(), out),
    ))
}

/// `(u + v)*w` → `u*w + v*w`.
pub(super) fn expand(t: &T) -> Option<(String, T)> {
    expansion(t).map(|(_, next)| ("expand".into(), next))
}

/// `(u + v)*w` → `u*w + v*w`, with the factor `w` the terms share.
fn expansion(t: &T) -> Option<(T, T)> {
    let T::Prod(c, fs) = t else { return None };
    let i = fs
        .iter()
        .position(|(f, k)| *k == 1 && matches!(f, T::Sum(_)))?;
    let T::Sum(terms) = &fs[i].0 else { return None };
    let mut rest = fs.clone();
    rest.remove(i);
    let rest = prod(c.clone(), rest);
    let next = sum(terms.iter().map(|x| mul(x, &rest)).collect());
    Some((rest, next))
}

/// `expansion` at the first place it applies, with the shared factor.
pub(super) fn first_expansion(t: &T) -> Option<(T, T)> {
    if let Some(r) = expansion(t) {
        return Some(r);
    }
    match t {
        T::Sum(ts) => ts.iter().enumerate().find_map(|(i, x)| {
            let (shared, r) = first_expansion(x)?;
            let mut ts = ts.clone();
            ts[i] = r;
            Some((shared, sum(ts)))
        }),
        T::Prod(c, fs) => fs.iter().enumerate().find_map(|(i, (x, _))| {
            let (shared, r) = first_expansion(x)?;
            let mut fs = fs.clone();
            fs[i].0 = r;
            Some((shared, rebuild(c.clone(), fs)))
        }),
        _ => None,
    }
}

/// `c*x*u + c*x*v` → `c*x*(u + v)`: the factors every term shares, and the sign.
pub(super) fn factor_out(t: &T) -> Option<(String, T)> {
    let T::Sum(terms) = t else { return None };
    let split: Vec<(BigRational, Vec<(T, i32)>)> = terms.iter().map(parts).collect();
    let mut common: Vec<(T, i32)> = Vec::new();
    for (f, k) in &split[0].1 {
        let kf = key(f);
        let mut least = Some(*k);
        for (_, fs) in &split[1..] {
            let e = fs
                .iter()
                .find(|(g, e)| (*e > 0) == (*k > 0) && has_key(g, &kf))
                .map(|(_, e)| *e);
            least = match (least, e) {
                (Some(l), Some(e)) if *k > 0 => Some(l.min(e)),
                (Some(l), Some(e)) => Some(l.max(e)),
                _ => None,
            };
        }
        let Some(least) = least else { continue };
        if !common.iter().any(|(g, _)| has_key(g, &kf)) {
            common.push((f.clone(), least));
        }
    }
    let all_negative = split.iter().all(|(c, _)| c.is_negative());
    let integers = split.iter().all(|(c, _)| c.is_integer() && small(c));
    let mut g = if integers {
        split
            .iter()
            .fold(num_bigint::BigInt::from(0), |g, (c, _)| g.gcd(c.numer()))
    } else {
        num_bigint::BigInt::from(1)
    };
    if g == num_bigint::BigInt::from(0) {
        g = num_bigint::BigInt::from(1);
    }
    let mut cc = BigRational::from_integer(g);
    if all_negative {
        cc = -cc;
    }
    if common.is_empty() && cc.is_one() {
        return None;
    }
    let rest: Vec<T> = split
        .iter()
        .map(|(c, fs)| {
            let mut fs = fs.clone();
            for (f, k) in &common {
                let kf = key(f);
                if let Some(slot) = fs
                    .iter_mut()
                    .find(|(g, e)| (*e > 0) == (*k > 0) && has_key(g, &kf))
                {
                    slot.1 -= k;
                }
            }
            prod(c / &cc, fs)
        })
        .collect();
    let shared = prod(cc.clone(), common.clone());
    let mut fs = common;
    fs.push((sum(rest), 1));
    Some((format!("factor out {}", print(&shared)), rebuild(cc, fs)))
}

/// `a/(1 - p)` → `-a/(p - 1)`: a denominator that is a sum, written with its
/// signs flipped and the fraction's sign with it.
pub(super) fn flip_signs(t: &T) -> Option<(String, T)> {
    let T::Prod(c, fs) = t else { return None };
    let at = fs
        .iter()
        .position(|(f, k)| *k < 0 && k % 2 != 0 && matches!(f, T::Sum(_)))?;
    let T::Sum(terms) = &fs[at].0 else {
        return None;
    };
    let mut fs = fs.clone();
    // A positive term first, as one writes it: `p - 1`, not `-1 + p`.
    let mut flipped: Vec<T> = terms.iter().map(neg).collect();
    flipped.sort_by_key(super::term::is_negative);
    fs[at].0 = sum(flipped);
    Some((
        "multiply top and bottom by -1".into(),
        rebuild(-c.clone(), fs),
    ))
}

/// `2*x + 3*x` → `5*x`: terms that differ only in their coefficient.
pub(super) fn collect(t: &T) -> Option<(String, T)> {
    let T::Sum(terms) = t else { return None };
    let mut out: Vec<Like> = Vec::new();
    let mut merged = false;
    for x in terms {
        let (c, fs) = parts(x);
        let k = key(&prod(BigRational::one(), fs.clone()));
        match out.iter_mut().find(|(kk, _, _)| *kk == k) {
            Some(slot) => {
                slot.1 += c;
                merged = true;
            }
            None => out.push((k, c, fs)),
        }
    }
    merged.then(|| {
        let terms = out.into_iter().map(|(_, c, fs)| prod(c, fs)).collect();
        ("collect like terms".to_string(), sum(terms))
    })
}

/// `u/p + v/q` → `(u*q + v*p)/(p*q)`: one fraction over a common denominator.
pub(super) fn combine(t: &T) -> Option<(String, T)> {
    let T::Sum(terms) = t else { return None };
    let mut den: Vec<(T, i32)> = Vec::new();
    for x in terms {
        for (f, k) in parts(x).1.into_iter().filter(|(_, k)| *k < 0) {
            let kf = key(&f);
            match den.iter_mut().find(|(g, _)| has_key(g, &kf)) {
                Some(slot) => slot.1 = slot.1.min(k),
                None => den.push((f, k)),
            }
        }
    }
    if den.is_empty() {
        return None;
    }
    let over: Vec<(T, i32)> = den.iter().map(|(f, k)| (f.clone(), -k)).collect();
    let whole = prod(BigRational::one(), over);
    let nums: Vec<T> = terms
        .iter()
        .map(|x| {
            let m = mul(x, &whole);
            cancel(&m).map_or(m, |(_, r)| r)
        })
        .collect();
    if nums.iter().any(|n| parts(n).1.iter().any(|(_, k)| *k < 0)) {
        return None;
    }
    let mut fs = vec![(sum(nums), 1)];
    fs.extend(den);
    Some(("combine the fractions".into(), prod(BigRational::one(), fs)))
}
