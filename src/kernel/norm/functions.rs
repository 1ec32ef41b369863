//! The built-in functions (`tanh`, `sigmoid`, `relu`, `max` …) in the
//! kernel's normal form: each an opaque atom with the sign it surely has,
//! unless its definition law is named: then the function is rewritten by its
//! row of the table `rules::laws` (by `exp`, `log` and the step function).
//! `step(u)` is 1 or 0 where the signs and facts put `u` above or below 0
//! (laws `step-positive`, `step-negative`). Owns no other law.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use egg::{ENodeOrVar, Language, Pattern, RecExpr, Symbol};
use num_rational::BigRational;
use num_traits::One;

use super::{Atom, Frac, Normalizer, Rel, Res, Signs};
use crate::language::{Math, FUNCTIONS};
use crate::rules::laws::FUNCTION_DEFINITIONS;

/// A definition row read once: its law, the function's name and argument
/// placeholders (`?u`, `?v`), and its right side with the placeholders as variables.
type Row = (&'static str, String, Vec<Symbol>, RecExpr<Math>);

fn rows() -> &'static [Row] {
    static ROWS: OnceLock<Vec<Row>> = OnceLock::new();
    ROWS.get_or_init(|| {
        let term = |p: &Pattern<Math>| {
            let nodes = p.ast.as_ref().iter().map(|n| match n {
                ENodeOrVar::ENode(n) => n.clone(),
                ENodeOrVar::Var(v) => Math::Var(Symbol::from(v.to_string())),
            });
            RecExpr::from(nodes.collect::<Vec<_>>())
        };
        let read = |s: &str| s.parse::<Pattern<Math>>().expect("the table's rows parse");
        FUNCTION_DEFINITIONS
            .iter()
            .map(|d| {
                let lhs = term(&read(d.lhs));
                let head = lhs.as_ref().last().expect("a row has a head");
                let args = head.children().iter().map(|c| match &lhs[*c] {
                    Math::Var(v) => *v,
                    _ => Symbol::from("?"),
                });
                (d.law, head.to_string(), args.collect(), term(&read(d.rhs)))
            })
            .collect()
    })
}

impl Normalizer<'_> {
    /// The normal form of the built-in function `name` at `args`. Definitions
    /// are unfolded only with names (a proof reads `tanh(x)` as an atom first).
    pub(super) fn function(&mut self, name: &str, args: Vec<Frac>) -> Res<Frac> {
        let name = FUNCTIONS
            .iter()
            .map(|(f, _)| *f)
            .find(|f| *f == name)
            .unwrap_or("?");
        let row = rows()
            .iter()
            .find(|(_, f, vars, _)| f == name && vars.len() == args.len());
        if let ("step", [u]) = (name, args.as_slice()) {
            return self.step(u.clone(), u);
        }
        if let Some((law, _, vars, rhs)) = row.filter(|_| self.unfold_all) {
            if self.law(law) {
                // The row's right side, its placeholders read as the arguments;
                // its divisors and logarithms are of positives, met quietly.
                let saved =
                    std::mem::replace(&mut self.bound, vars.iter().copied().zip(args).collect());
                let collecting = std::mem::replace(&mut self.collecting, false);
                let out = self.normalize(rhs);
                self.collecting = collecting;
                self.bound = saved;
                return out;
            }
        }
        self.atom_frac(Atom::Func(name, args), 1)
    }

    /// `step(u)`, `u` read also as `plain` (the same value, its sign maybe
    /// clearer): 1 or 0 where the signs and facts (the claim's domain among
    /// them) put either reading on one side of the kink, else an atom.
    pub(super) fn step(&mut self, u: Frac, plain: &Frac) -> Res<Frac> {
        for reading in [plain, &u] {
            for (side, value, law) in [
                (reading.clone(), 1, "step-positive"),
                (self.neg(reading), 0, "step-negative"),
            ] {
                if self.holds(&side, Rel::Gt) && self.law(law) {
                    return Ok(Frac::constant(BigRational::from_integer(value.into())));
                }
            }
        }
        self.atom_frac(Atom::Func("step", vec![u]), 1)
    }

    /// `cos(u)^e` for `e >= 2` or `e < 0` as `cos(u)^(e mod 2)*(1 -
    /// sin(u)^2)^(e div 2)` (law `sin-cos-square`), so a normal form has `cos`
    /// to the first power at most, in its numerator only (`1/cos(u)^2` is
    /// `1/(1 - sin(u)^2)`, as `cos(u)^2/cos(u)^2` is 1).
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
