//! The built-in functions (`tanh`, `sigmoid`, `relu`, `max` …) in the
//! kernel's normal form: each an opaque atom with the sign it surely has,
//! unless its definition law is named, which rewrites it by `exp`, `log` and
//! the step function. Owns no other law.

use std::collections::BTreeSet;

use egg::Symbol;
use num_rational::BigRational;
use num_traits::One;

use super::{Atom, Frac, Normalizer, Res, Signs};
use crate::language::FUNCTIONS;

/// The definition laws of the built-in functions, for [`super::LAWS`].
pub const FUNCTION_LAWS: &[(&str, &str)] = &[
    ("sigmoid-exp", "sigmoid(u) = 1/(1 + exp(-u))"),
    ("tanh-exp", "tanh(u) = 1 - 2/(exp(2*u) + 1)"),
    ("softplus-exp", "softplus(u) = log(1 + exp(u))"),
    ("relu-step", "relu(u) = u*step(u)"),
    ("abs-step", "abs(u) = u*(2*step(u) - 1)"),
    (
        "max-min-step",
        "max(u, v) = v + (u - v)*step(u - v), min(u, v) = u - (u - v)*step(u - v)",
    ),
    ("sin-cos-square", "cos(u)^2 = 1 - sin(u)^2"),
];

impl Normalizer<'_> {
    /// The normal form of the built-in function `name` at `args`. Definitions
    /// are unfolded only with names (a proof reads `tanh(x)` as an atom first).
    pub(super) fn function(&mut self, name: &str, args: Vec<Frac>) -> Res<Frac> {
        let one = Frac::constant(BigRational::one());
        let name = FUNCTIONS
            .iter()
            .map(|(f, _)| *f)
            .find(|f| *f == name)
            .unwrap_or("?");
        if self.unfold_all {
            match (name, args.as_slice()) {
                ("sigmoid", [u]) if self.law("sigmoid-exp") => {
                    let e = self.exp(&self.neg(u))?;
                    let d = self.add_owned(e, &one)?;
                    return self.inv(&d);
                }
                ("tanh", [u]) if self.law("tanh-exp") => {
                    let two = Frac::constant(BigRational::from_integer(2.into()));
                    let u2 = self.mul(&two, u)?;
                    let e = self.exp(&u2)?;
                    let d = self.add_owned(e, &one)?;
                    let r = self.inv(&d)?;
                    let r = self.mul(&two, &r)?;
                    return self.add_owned(one, &self.neg(&r));
                }
                ("softplus", [u]) if self.law("softplus-exp") => {
                    let e = self.exp(u)?;
                    let s = self.add_owned(e, &one)?;
                    return self.log(&s);
                }
                ("relu", [u]) if self.law("relu-step") => {
                    let s = self.atom_frac(Atom::Func("step", vec![u.clone()]), 1)?;
                    return self.mul(u, &s);
                }
                ("abs", [u]) if self.law("abs-step") => {
                    let s = self.atom_frac(Atom::Func("step", vec![u.clone()]), 1)?;
                    let two = Frac::constant(BigRational::from_integer(2.into()));
                    let s2 = self.mul(&two, &s)?;
                    let sign = self.add_owned(s2, &self.neg(&one))?;
                    return self.mul(u, &sign);
                }
                ("max" | "min", [u, v]) if self.law("max-min-step") => {
                    let diff = self.add(u, &self.neg(v))?;
                    let s = self.atom_frac(Atom::Func("step", vec![diff.clone()]), 1)?;
                    let part = self.mul(&diff, &s)?;
                    return if name == "max" {
                        self.add_owned(part, v)
                    } else {
                        self.add_owned(u.clone(), &self.neg(&part))
                    };
                }
                _ => {}
            }
        }
        self.atom_frac(Atom::Func(name, args), 1)
    }

    /// `cos(u)^e` for `e >= 2` as `cos(u)^(e mod 2)*(1 - sin(u)^2)^(e div 2)`
    /// (law `sin-cos-square`), so a normal form has `cos` to at most the first power.
    pub(super) fn cos_power(&mut self, args: &[Frac], e: i32) -> Res<(Frac, i32)> {
        let one = Frac::constant(BigRational::one());
        let sin = self.atom_frac(Atom::Func("sin", args.to_vec()), 2)?;
        let base = self.add_owned(one, &self.neg(&sin))?;
        Ok((self.powi(&base, e.div_euclid(2))?, e.rem_euclid(2)))
    }

    /// A function atom's free indices, height and the signs it surely has.
    pub(super) fn describe_function(
        &self,
        name: &str,
        args: &[Frac],
    ) -> (BTreeSet<Symbol>, u32, Signs) {
        let mut free = BTreeSet::new();
        for a in args {
            free.extend(self.frac_free(a));
        }
        let height = args.iter().map(|a| self.frac_height(a)).max().unwrap_or(0);
        let signs = function_signs(name, args.first().map(|a| self.frac_sign(a)));
        (free, height, signs)
    }
}

/// The signs a built-in function surely has, given its first argument's.
pub(super) fn function_signs(name: &str, arg: Option<Signs>) -> Signs {
    match name {
        "sigmoid" | "softplus" => Signs::POS,
        "relu" | "abs" | "step" => Signs::NON_NEG,
        // tanh is odd and increasing: it has its argument's sign.
        "tanh" => arg.unwrap_or(Signs::ANY),
        _ => Signs::ANY,
    }
}
