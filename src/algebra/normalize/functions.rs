//! The built-in functions (`tanh`, `sigmoid`, `relu`, `max` …) in normal
//! forms: each an atom with the sign it surely has; with names unfolded, its
//! definition by `exp`, `log` and the step function (the kernel's
//! `FUNCTION_LAWS`); `step(u)` is 1 or 0 where the signs put `u` above or
//! below 0 (`step-positive`, `step-negative`). Owns no other law.

use super::*;

impl Normalizer<'_> {
    /// The normal form of the built-in function `name` at `args`.
    pub(super) fn function(&mut self, name: &str, args: Vec<Rat>) -> Res<Rat> {
        let one = Rat::constant(BigRational::one());
        let two = Rat::constant(BigRational::from_integer(2.into()));
        let name = crate::language::FUNCTIONS
            .iter()
            .map(|(f, _)| *f)
            .find(|f| *f == name)
            .unwrap_or("?");
        let step = |n: &mut Self, u: &Rat| n.step(u);
        if !self.opaque_sums {
            match (name, args.as_slice()) {
                ("sigmoid", [u]) => {
                    let e = self.exp(&self.neg(u))?;
                    let d = self.add_owned(e, &one)?;
                    return self.inv(&d);
                }
                ("tanh", [u]) => {
                    let u2 = self.mul(&two, u)?;
                    let e = self.exp(&u2)?;
                    let d = self.add_owned(e, &one)?;
                    let r = self.inv(&d)?;
                    let r = self.mul(&two, &r)?;
                    return self.add_owned(one, &self.neg(&r));
                }
                ("softplus", [u]) => {
                    let e = self.exp(u)?;
                    let s = self.add_owned(e, &one)?;
                    return self.log(&s);
                }
                ("relu", [u]) => {
                    let s = step(self, u);
                    return self.mul(u, &s);
                }
                ("abs", [u]) => {
                    let s = step(self, u);
                    let s2 = self.mul(&two, &s)?;
                    let sign = self.add_owned(s2, &self.neg(&one))?;
                    return self.mul(u, &sign);
                }
                ("max" | "min", [u, v]) => {
                    let diff = self.add(u, &self.neg(v))?;
                    let s = step(self, &diff);
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
        if let ("step", [u]) = (name, args.as_slice()) {
            return Ok(self.step(u));
        }
        Ok(self.atom_rat(Atom::Func(name, args), 1))
    }

    /// `step(u)`: 1 where `u` is surely positive, 0 where surely negative
    /// (the kernel's `step-positive`, `step-negative`), else an atom; by the
    /// assumptions and the claim's domain, not by the proof's own conditions.
    fn step(&mut self, u: &Rat) -> Rat {
        match self.domain_sign(u) {
            Sign::POS => Rat::constant(BigRational::one()),
            Sign::NEG => Rat::default(),
            _ => self.atom_rat(Atom::Func("step", vec![u.clone()]), 1),
        }
    }

    /// The sign a built-in function's value surely has.
    pub(super) fn function_sign(&self, name: &str, args: &[Rat]) -> Sign {
        match name {
            "sigmoid" | "softplus" => Sign::POS,
            "relu" | "abs" | "step" => Sign::NON_NEG,
            // tanh is odd and increasing: it has its argument's sign.
            "tanh" => args.first().map_or(Sign::ANY, |a| self.sign(a)),
            _ => Sign::ANY,
        }
    }
}
