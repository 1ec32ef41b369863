//! The expression language every stage shares: the egg [`Math`] language,
//! the exact [`Constant`] it carries, the index ranges, and (in [`index`])
//! what its binders mean: free indices and renaming without capture. Owns no
//! rules and no evaluation.

pub mod index;

use std::fmt;
use std::str::FromStr;

use egg::{define_language, Id, Language, RecExpr, Symbol};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

/// An exact rational constant, printed as `3`, `-2` or `3/4`.
///
/// ```
/// use backprove::Constant;
/// let c: Constant = "0.25".parse().unwrap();
/// assert_eq!(c.to_string(), "1/4");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Constant(pub BigRational);

impl Constant {
    /// The constant `n`.
    pub fn int(n: i64) -> Self {
        Constant(BigRational::from_integer(BigInt::from(n)))
    }

    /// Whether this constant is an integer.
    pub fn is_integer(&self) -> bool {
        self.0.is_integer()
    }

    /// Whether this constant is zero.
    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    /// Whether this constant is one.
    pub fn is_one(&self) -> bool {
        self.0.is_one()
    }

    /// Whether this constant is negative.
    pub fn is_negative(&self) -> bool {
        self.0.is_negative()
    }
}

/// Parses an exact decimal (`2`, `-0.25`) or a fraction (`3/4`) into a rational.
pub fn parse_rational(s: &str) -> Option<BigRational> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    // A fraction of machine integers (a point's `-7/4`): reduced without big numbers.
    let small = |s: &str| (s.len() <= 18).then(|| small_digits(s)).flatten();
    if let Some((n, d)) = body.split_once('/') {
        if let (Some(n), Some(d)) = (small(n), small(d)) {
            if d == 0 {
                return None;
            }
            let g = num_integer::Integer::gcd(&n, &d);
            let n = BigInt::from(n / g);
            let value = BigRational::new_raw(if neg { -n } else { n }, BigInt::from(d / g));
            return Some(value);
        }
    }
    let value = if let Some((n, d)) = body.split_once('/') {
        let n: BigInt = digits(n)?;
        let d: BigInt = digits(d)?;
        if d.is_zero() {
            return None;
        }
        BigRational::new(n, d)
    } else if let Some((int, frac)) = body.split_once('.') {
        if int.is_empty() || frac.is_empty() {
            return None;
        }
        let whole: BigInt = digits(&format!("{int}{frac}"))?;
        let scale = num_traits::pow(BigInt::from(10), frac.len());
        BigRational::new(whole, scale)
    } else {
        BigRational::from_integer(digits(body)?)
    };
    Some(if neg { -value } else { value })
}

fn digits(s: &str) -> Option<BigInt> {
    if s.len() <= 18 {
        return small_digits(s).map(BigInt::from);
    }
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Up to 18 decimal digits (and nothing else) as a machine integer.
fn small_digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl FromStr for Constant {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_rational(s)
            .map(Constant)
            .ok_or_else(|| format!("not a rational constant: {s}"))
    }
}

impl fmt::Display for Constant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&rational_text(&self.0))
    }
}

/// A rational as a [`Constant`] prints it: `-7/4`, `3`.
pub(crate) fn rational_text(v: &BigRational) -> String {
    use num_traits::ToPrimitive;
    // Machine integers are written digit by digit, without big-number division.
    let signed = |s: &mut String, n: i64| {
        if n < 0 {
            s.push('-');
        }
        push_decimal(s, n.unsigned_abs());
    };
    match (v.numer().to_i64(), v.denom().to_i64()) {
        (Some(n), Some(d)) => {
            let mut s = String::with_capacity(8);
            signed(&mut s, n);
            if d != 1 {
                s.push('/');
                signed(&mut s, d);
            }
            s
        }
        _ if v.is_integer() => v.numer().to_string(),
        _ => format!("{}/{}", v.numer(), v.denom()),
    }
}

/// Appends `v` in decimal digits, as `to_string` writes it (without `fmt`:
/// names such as `a1000` and a point's values are written by the thousand).
pub(crate) fn push_decimal(out: &mut String, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut k = digits.len();
    loop {
        k -= 1;
        digits[k] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend(digits[k..].iter().map(|d| char::from(*d)));
}

#[allow(missing_docs)]
mod math {
    use super::*;
    define_language! {
        /// The term language: arithmetic, `exp`, `log`, `sqrt`, the built-in
        /// functions of [`FUNCTIONS`], derivatives, exact constants and variables. Let-bound names are [`Math::Var`] too;
        /// the problem's definitions say which names are bound.
        ///
        /// Indexed families: `idx(a, j)` is `a[j]` and `idx(W, i, j)` is `W[i, j]`
        /// (a family name, then one or more index names), `sum(j, e)` sums `e` over
        /// `j = 1..n` for a symbolic number of classes `n >= 1`, `delta(j, k)`
        /// is the Kronecker delta. Family and index names are [`Math::Var`]
        /// children in those slots. `lambda(j, e)` is only ever the root of an
        /// indexed definition `let y[j] = e`.
        pub enum Math {
            "d" = D([Id; 2]),
            "idx" = Idx(Box<[Id]>),
            "sum" = Sum([Id; 2]),
            "delta" = Delta([Id; 2]),
            "lambda" = Lambda([Id; 2]),
            "+" = Add([Id; 2]),
            "-" = Sub([Id; 2]),
            "*" = Mul([Id; 2]),
            "/" = Div([Id; 2]),
            "^" = Pow([Id; 2]),
            "neg" = Neg(Id),
            "exp" = Exp(Id),
            "log" = Log(Id),
            "sqrt" = Sqrt(Id),
            "tanh" = Tanh(Id),
            "sigmoid" = Sigmoid(Id),
            "softplus" = Softplus(Id),
            "relu" = Relu(Id),
            "step" = Step(Id),
            "abs" = Abs(Id),
            "sin" = Sin(Id),
            "cos" = Cos(Id),
            "max" = Max([Id; 2]),
            "min" = Min([Id; 2]),
            Num(Constant),
            Var(Symbol),
        }
    }
}
pub use math::Math;

/// The built-in functions beyond `exp`, `log` and `sqrt`: their names as the
/// parser reads them and their number of arguments. `step` is the Heaviside
/// step (1 for a positive argument, 0 for a negative one; its value at 0 is
/// left open, and nothing proved depends on it).
pub const FUNCTIONS: &[(&str, usize)] = &[
    ("tanh", 1),
    ("sigmoid", 1),
    ("softplus", 1),
    ("relu", 1),
    ("step", 1),
    ("abs", 1),
    ("sin", 1),
    ("cos", 1),
    ("max", 2),
    ("min", 2),
];

impl Math {
    /// The node for the built-in function `name` of [`FUNCTIONS`] applied to `args`.
    ///
    /// ```
    /// use backprove::Math;
    /// let node = Math::function("tanh", &[egg::Id::from(0)]).unwrap();
    /// assert_eq!(node.to_string(), "tanh");
    /// ```
    pub fn function(name: &str, args: &[Id]) -> Option<Math> {
        Some(match (name, args) {
            ("tanh", [a]) => Math::Tanh(*a),
            ("sigmoid", [a]) => Math::Sigmoid(*a),
            ("softplus", [a]) => Math::Softplus(*a),
            ("relu", [a]) => Math::Relu(*a),
            ("step", [a]) => Math::Step(*a),
            ("abs", [a]) => Math::Abs(*a),
            ("sin", [a]) => Math::Sin(*a),
            ("cos", [a]) => Math::Cos(*a),
            ("max", [a, b]) => Math::Max([*a, *b]),
            ("min", [a, b]) => Math::Min([*a, *b]),
            _ => return None,
        })
    }

    /// Whether this node is a built-in function of [`FUNCTIONS`].
    pub fn is_function(&self) -> bool {
        matches!(
            self,
            Math::Tanh(_)
                | Math::Sigmoid(_)
                | Math::Softplus(_)
                | Math::Relu(_)
                | Math::Step(_)
                | Math::Abs(_)
                | Math::Sin(_)
                | Math::Cos(_)
                | Math::Max(_)
                | Math::Min(_)
        )
    }
}

/// The functions under a `d` in `expr` (innermost ones: a body with a
/// `d` of its own is left to that one's): where one is undefined, so is
/// the derivative, whatever the rules' formula for it gives there.
///
/// ```
/// let e = backprove::parse_expression("d(log(x), x) + d(d(sqrt(x), x), x)", &[]).unwrap();
/// let bodies: Vec<String> = backprove::derivative_bodies(&e)
///     .iter()
///     .map(backprove::to_infix)
///     .collect();
/// assert_eq!(bodies, ["log(x)", "sqrt(x)"]);
/// ```
pub fn derivative_bodies(expr: &RecExpr<Math>) -> Vec<RecExpr<Math>> {
    let nodes = expr.as_ref();
    let has_d = has_d(nodes);
    nodes
        .iter()
        .filter_map(|n| match n {
            Math::D([f, _]) if !has_d[usize::from(*f)] => Some(subterm(nodes, *f)),
            _ => None,
        })
        .collect()
}

/// [`derivative_bodies`], each with the indices bound around its `d`
/// (outermost first; a free index of the same name is shadowed there): a
/// body is defined only where it is at every value of them.
///
/// ```
/// let e = backprove::parse_expression("d(x[k], x[k]) + sum(k, d(log(x[k]), x[k]))", &[]).unwrap();
/// let bodies: Vec<(String, Vec<String>)> = backprove::derivative_bodies_bound(&e)
///     .iter()
///     .map(|(b, bound)| (backprove::to_infix(b), bound.iter().map(|s| s.to_string()).collect()))
///     .collect();
/// assert_eq!(bodies, [("x[k]".into(), vec![]), ("log(x[k])".into(), vec!["k".to_string()])]);
/// ```
pub fn derivative_bodies_bound(expr: &RecExpr<Math>) -> Vec<(RecExpr<Math>, Vec<Symbol>)> {
    let nodes = expr.as_ref();
    let has_d = has_d(nodes);
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    // Depth first, the left child first; a subterm without a `d` is left out.
    let mut todo = vec![(nodes.len() - 1, Vec::new())];
    while let Some((i, bound)) = todo.pop() {
        if !has_d[i] {
            continue;
        }
        match &nodes[i] {
            Math::D([f, _]) if !has_d[usize::from(*f)] => {
                if seen.insert((i, bound.clone())) {
                    out.push((subterm(nodes, *f), bound));
                }
            }
            Math::Sum([j, body]) | Math::Lambda([j, body]) => {
                let mut inner = bound;
                if let Math::Var(j) = &nodes[usize::from(*j)] {
                    inner.push(*j);
                }
                todo.push((usize::from(*body), inner));
            }
            n => todo.extend(
                n.children()
                    .iter()
                    .rev()
                    .map(|c| (usize::from(*c), bound.clone())),
            ),
        }
    }
    out
}

/// Whether the subterm at each node has a `d` in it (children come first).
fn has_d(nodes: &[Math]) -> Vec<bool> {
    let mut has_d = vec![false; nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        has_d[i] = matches!(n, Math::D(_)) || n.children().iter().any(|c| has_d[usize::from(*c)]);
    }
    has_d
}

/// The subterm of `nodes` at `id`, as a term of its own.
pub(crate) fn subterm(nodes: &[Math], id: Id) -> RecExpr<Math> {
    let mut out = Vec::new();
    copy_nodes(nodes, id, &mut out);
    RecExpr::from(out)
}

/// Appends the subterm of `nodes` at `id` to `out`, its nodes in their
/// order (children come before their parents, so one pass backwards marks
/// what it uses); returns its new id.
pub(crate) fn copy_nodes(nodes: &[Math], id: Id, out: &mut Vec<Math>) -> Id {
    let top = usize::from(id);
    let mut used = vec![false; top + 1];
    used[top] = true;
    for i in (0..=top).rev() {
        if used[i] {
            for c in nodes[i].children() {
                used[usize::from(*c)] = true;
            }
        }
    }
    let mut at = vec![Id::from(0); top + 1];
    for i in (0..=top).filter(|&i| used[i]) {
        out.push(nodes[i].clone().map_children(|c| at[usize::from(c)]));
        at[i] = Id::from(out.len() - 1);
    }
    at[top]
}

/// The exact value of `node` when its children's values are `value`:
/// numbers, `+ - * /` and small integer powers of them. A division by zero,
/// `0` to a negative power or a power too large to compute is no constant.
///
/// ```
/// use backprove::{constant_node, Math};
/// let e: egg::RecExpr<Math> = "(^ (/ 1 2) 3)".parse().unwrap();
/// fn value(e: &egg::RecExpr<Math>, id: egg::Id) -> Option<num_rational::BigRational> {
///     constant_node(&e[id], |c| value(e, c))
/// }
/// let root = egg::Id::from(e.as_ref().len() - 1);
/// assert_eq!(value(&e, root).unwrap().to_string(), "1/8");
/// ```
pub fn constant_node(
    node: &Math,
    mut value: impl FnMut(Id) -> Option<BigRational>,
) -> Option<BigRational> {
    use num_traits::{ToPrimitive, Zero};
    match node {
        Math::Num(c) => Some(c.0.clone()),
        Math::Add([a, b]) => Some(value(*a)? + value(*b)?),
        Math::Sub([a, b]) => Some(value(*a)? - value(*b)?),
        Math::Mul([a, b]) => Some(value(*a)? * value(*b)?),
        Math::Neg(a) => Some(-value(*a)?),
        Math::Div([a, b]) => {
            let d = value(*b)?;
            (!d.is_zero()).then(|| value(*a).map(|n| n / d)).flatten()
        }
        Math::Pow([a, b]) => {
            let e = value(*b)?;
            let e = e.is_integer().then(|| e.to_integer().to_i32()).flatten()?;
            let base = value(*a)?;
            let bits = base.numer().bits().max(base.denom().bits());
            let small = bits.saturating_mul(u64::from(e.unsigned_abs())) <= 100_000;
            (small && e.abs() <= 64 && (e >= 0 || !base.is_zero()))
                .then(|| num_traits::Pow::pow(base, e))
        }
        _ => None,
    }
}

/// Which size each index ranges over. `index i, p in 1..m` declares that `i`
/// and `p` range over `1..m`; every other index ranges over `1..n`, the number
/// of classes. A declaration covers the name's numbered variants too (`i2`,
/// `p3`: the names a renaming makes), and the canonical names `#1i` the
/// algebra gives bound indices.
///
/// ```
/// use backprove::Ranges;
/// let mut r = Ranges::default();
/// r.declare("i".into(), "m".into());
/// assert_eq!(r.size_of("i2".into()).as_str(), "m");
/// assert_eq!(r.size_of("j".into()).as_str(), "n");
/// assert_eq!(r.suffix("p".into()), "");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Ranges {
    /// The size of each declared stem, in declaration order of the sizes.
    stems: std::collections::BTreeMap<Symbol, Symbol>,
    /// Each declared size with the first stem declared for it.
    sizes: Vec<(Symbol, Symbol)>,
}

/// The default size: the number of classes.
pub const CLASSES: &str = "n";

/// The name an index is a variant of: `i2` and `#3i` are variants of `i`,
/// `#1` of nothing (`""`).
pub fn stem(s: Symbol) -> &'static str {
    let text = s.as_str();
    let text = match text.strip_prefix('#') {
        Some(rest) => rest.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => text,
    };
    text.trim_end_matches(|c: char| c.is_ascii_digit())
}

impl Ranges {
    /// Declares that `index` (and its variants) ranges over `1..size`.
    pub fn declare(&mut self, index: Symbol, size: Symbol) {
        let stem = Symbol::from(stem(index));
        if size.as_str() == CLASSES {
            return;
        }
        self.stems.insert(stem, size);
        if !self.sizes.iter().any(|(s, _)| *s == size) {
            self.sizes.push((size, stem));
        }
    }

    /// The ranges of declarations written as after `index` (`i, p in 1..m`),
    /// as certificates and transcripts list them; others are skipped.
    ///
    /// ```
    /// let r = backprove::Ranges::from_declarations(&["i, p in 1..m".to_string()]);
    /// assert_eq!(r.size_of("p".into()).as_str(), "m");
    /// ```
    pub fn from_declarations(declarations: &[String]) -> Ranges {
        let mut out = Ranges::default();
        for d in declarations {
            if let Some((names, size)) = d.split_once(" in 1..") {
                for name in names.split(',') {
                    out.declare(Symbol::from(name.trim()), Symbol::from(size.trim()));
                }
            }
        }
        out
    }

    /// Whether no range but the default is declared.
    pub fn is_default(&self) -> bool {
        self.sizes.is_empty()
    }

    /// The size `index` ranges over.
    pub fn size_of(&self, index: Symbol) -> Symbol {
        self.stems
            .get(&Symbol::from(stem(index)))
            .copied()
            .unwrap_or_else(|| Symbol::from(CLASSES))
    }

    /// Whether `a` and `b` range over the same size.
    pub fn same_range(&self, a: Symbol, b: Symbol) -> bool {
        self.size_of(a) == self.size_of(b)
    }

    /// The declared sizes (not `n`), each with the first stem declared for it.
    pub fn sizes(&self) -> &[(Symbol, Symbol)] {
        &self.sizes
    }

    /// The declared stems with their sizes, in name order.
    pub fn stems(&self) -> impl Iterator<Item = (Symbol, Symbol)> + '_ {
        self.stems.iter().map(|(a, b)| (*a, *b))
    }

    /// What a canonical name of a bound index of `index`'s range ends in: the
    /// first stem declared for that size, or nothing for the default range. Two
    /// bound indices of one range get the same canonical name.
    pub fn suffix(&self, index: Symbol) -> &'static str {
        let size = self.size_of(index);
        self.sizes
            .iter()
            .find(|(s, _)| *s == size)
            .map_or("", |(_, stem)| stem.as_str())
    }
}

/// The depth number of a canonical bound name: `3` for `#3` and `#3i`.
pub fn canonical_depth(s: Symbol) -> Option<usize> {
    let rest = s.as_str().strip_prefix('#')?;
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `rational_text` writes what `num`'s `Display` writes, machine
    /// integers (the digit-by-digit path) and big numbers alike.
    #[test]
    fn rational_text_is_num_display() {
        let big: BigInt = "123456789012345678901234567890".parse().unwrap();
        let mut values: Vec<BigRational> = [
            (0, 1),
            (7, 1),
            (-7, 4),
            (3, 12),
            (i64::MAX, 1),
            (i64::MIN, 3),
            (-1, i64::MAX),
        ]
        .iter()
        .map(|(n, d)| BigRational::new((*n).into(), (*d).into()))
        .collect();
        values.push(BigRational::from_integer(big.clone()));
        values.push(BigRational::new(1.into(), big));
        for v in values {
            assert_eq!(rational_text(&v), v.to_string());
        }
    }

    #[test]
    fn decimal_digits_are_those_of_to_string() {
        for v in [0, 1, 9, 10, 99, 100, 1000, 65535, 1 << 40, u64::MAX] {
            let mut s = String::from("a[");
            push_decimal(&mut s, v);
            assert_eq!(s, format!("a[{v}"));
        }
    }
}
