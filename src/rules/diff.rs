//! The differentiation rules as data: one aligned table of named rewrites on
//! `d(...)` terms with their side conditions, the names of the rules that
//! unfold a `let` name and rename a bound index, and reading the table's
//! sides as pattern trees (`pattern_ast`, the trees egg's parser gives). The
//! kernel reads this table; turning it into e-graph rewrites is
//! `rules::rewrites`, running them the prover's job.

use egg::{ENodeOrVar, FromOp, Id, Language, Pattern, PatternAst, RecExpr};

use crate::language::Math;

/// Which side condition a rule needs before it may fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// None.
    Always,
    /// `?c` is a constant.
    IsConstant,
    /// `?x` is a free variable (not a `let` name).
    IsFreeVar,
    /// `?y` and `?x` are different free variables (a scalar, or an element
    /// `a[j]` of a free family; elements of one family are not different here).
    IsOtherFreeVar,
    /// `?a` is a free family (not defined by `let`).
    IsFreeFamily,
    /// The index bound by `sum` (`?j`) is not free in `?x`.
    NotCaptured,
    /// The exponent `?b` is not a constant (else `d-pow-const` applies). A
    /// preference, not a condition: `d-pow` holds for any exponent where the
    /// base is positive, so the kernel does not re-check it.
    IsVariableExponent,
}

/// One differentiation rule: `lhs => rhs` in egg's s-expression syntax.
#[derive(Debug, Clone, Copy)]
pub struct DiffRule {
    /// Kebab-case name shown in proofs.
    pub name: &'static str,
    /// Left side.
    pub lhs: &'static str,
    /// Right side.
    pub rhs: &'static str,
    /// Side condition.
    pub guard: Guard,
}

const fn rule(name: &'static str, lhs: &'static str, rhs: &'static str, guard: Guard) -> DiffRule {
    DiffRule {
        name,
        lhs,
        rhs,
        guard,
    }
}

use Guard::*;

/// Every differentiation rule. Each is a true identity wherever its right
/// side is defined (checked numerically in `tests/rules.rs`), and its right
/// side is undefined where the left side is not differentiable: `d-relu`,
/// `d-abs`, `d-step` divide by the argument and `d-max`, `d-min` by the
/// difference of the arguments, so a proof through them holds only where
/// that is non-zero, and says so; `d-pow` takes `log` of the base, so it
/// holds where the base is positive.
#[rustfmt::skip]
pub const DIFF_RULES: &[DiffRule] = &[
    rule("d-const",     "(d ?c ?x)",         "0",                                                 IsConstant),
    rule("d-var",       "(d ?x ?x)",         "1",                                                 IsFreeVar),
    rule("d-var-other", "(d ?y ?x)",         "0",                                                 IsOtherFreeVar),
    rule("d-add",       "(d (+ ?a ?b) ?x)",  "(+ (d ?a ?x) (d ?b ?x))",                           Always),
    rule("d-sub",       "(d (- ?a ?b) ?x)",  "(- (d ?a ?x) (d ?b ?x))",                           Always),
    rule("d-neg",       "(d (neg ?a) ?x)",   "(neg (d ?a ?x))",                                   Always),
    rule("d-mul",       "(d (* ?a ?b) ?x)",  "(+ (* (d ?a ?x) ?b) (* ?a (d ?b ?x)))",             Always),
    rule("d-div",       "(d (/ ?a ?b) ?x)",  "(/ (- (* (d ?a ?x) ?b) (* ?a (d ?b ?x))) (^ ?b 2))", Always),
    rule("d-pow-const", "(d (^ ?a ?c) ?x)",  "(* (* ?c (^ ?a (- ?c 1))) (d ?a ?x))",              IsConstant),
    rule("d-exp",       "(d (exp ?a) ?x)",   "(* (exp ?a) (d ?a ?x))",                            Always),
    rule("d-log",       "(d (log ?a) ?x)",   "(/ (d ?a ?x) ?a)",                                  Always),
    rule("d-sqrt",      "(d (sqrt ?a) ?x)",  "(/ (d ?a ?x) (* 2 (sqrt ?a)))",                     Always),
    rule("d-pow",       "(d (^ ?a ?b) ?x)",  "(* (^ ?a ?b) (+ (* (d ?b ?x) (log ?a)) (/ (* ?b (d ?a ?x)) ?a)))", IsVariableExponent),
    rule("d-tanh",      "(d (tanh ?a) ?x)",  "(* (- 1 (^ (tanh ?a) 2)) (d ?a ?x))",               Always),
    rule("d-sigmoid",   "(d (sigmoid ?a) ?x)", "(* (* (sigmoid ?a) (- 1 (sigmoid ?a))) (d ?a ?x))", Always),
    rule("d-softplus",  "(d (softplus ?a) ?x)", "(* (sigmoid ?a) (d ?a ?x))",                     Always),
    rule("d-relu",      "(d (relu ?a) ?x)",  "(* (* (step ?a) (/ ?a ?a)) (d ?a ?x))",             Always),
    rule("d-step",      "(d (step ?a) ?x)",  "(/ 0 ?a)",                                          Always),
    rule("d-abs",       "(d (abs ?a) ?x)",   "(* (/ (abs ?a) ?a) (d ?a ?x))",                     Always),
    rule("d-max",       "(d (max ?a ?b) ?x)", "(* (/ (- ?a ?b) (- ?a ?b)) (+ (* (step (- ?a ?b)) (d ?a ?x)) (* (step (- ?b ?a)) (d ?b ?x))))", Always),
    rule("d-min",       "(d (min ?a ?b) ?x)", "(* (/ (- ?a ?b) (- ?a ?b)) (+ (* (step (- ?b ?a)) (d ?a ?x)) (* (step (- ?a ?b)) (d ?b ?x))))", Always),
    rule("d-sin",       "(d (sin ?a) ?x)",   "(* (cos ?a) (d ?a ?x))",                            Always),
    rule("d-cos",       "(d (cos ?a) ?x)",   "(neg (* (sin ?a) (d ?a ?x)))",                      Always),
    rule("d-index",     "(d (idx ?a ?j) (idx ?a ?k))", "(delta ?j ?k)",                           IsFreeFamily),
    rule("d-matrix",    "(d (idx ?a ?i ?j) (idx ?a ?p ?q))", "(* (delta ?i ?p) (delta ?j ?q))",  IsFreeFamily),
    rule("d-delta",     "(d (delta ?j ?k) ?x)", "0",                                              Always),
    rule("d-sum",       "(d (sum ?j ?a) ?x)", "(sum ?j (d ?a ?x))",                               NotCaptured),
];

/// The position of `rule` in [`DIFF_RULES`].
fn index_of(rule: &DiffRule) -> usize {
    DIFF_RULES
        .iter()
        .position(|r| r.name == rule.name)
        .expect("a table rule")
}

/// The sides of `rule` as pattern trees, exactly the trees of the compiled
/// patterns of [`rule_patterns`] (read once per process, without compiling).
pub fn rule_asts(rule: &DiffRule) -> &'static (PatternAst<Math>, PatternAst<Math>) {
    static ASTS: std::sync::OnceLock<Vec<(PatternAst<Math>, PatternAst<Math>)>> =
        std::sync::OnceLock::new();
    let all = ASTS.get_or_init(|| {
        let read = |side: &str| compact(pattern_ast(side).expect("a rule side reads"));
        DIFF_RULES
            .iter()
            .map(|r| (read(r.lhs), read(r.rhs)))
            .collect()
    });
    &all[index_of(rule)]
}

/// The sides of `rule` compiled for e-matching: each rule compiled once per
/// process, when first asked for (a problem's rewrites need only the rules
/// its operators can fire).
pub fn rule_patterns(rule: &DiffRule) -> &'static (Pattern<Math>, Pattern<Math>) {
    type Compiled = std::sync::OnceLock<(Pattern<Math>, Pattern<Math>)>;
    static PATTERNS: std::sync::OnceLock<Vec<Compiled>> = std::sync::OnceLock::new();
    let all = PATTERNS.get_or_init(|| DIFF_RULES.iter().map(|_| Compiled::new()).collect());
    all[index_of(rule)].get_or_init(|| {
        let (lhs, rhs) = rule_asts(rule);
        (Pattern::new(lhs.clone()), Pattern::new(rhs.clone()))
    })
}

/// `ast` with repeated nodes shared, as egg's `Pattern::new` stores a
/// pattern: each distinct node once, in order of first occurrence.
fn compact(ast: PatternAst<Math>) -> PatternAst<Math> {
    let mut ids: Vec<Id> = Vec::with_capacity(ast.as_ref().len());
    let mut nodes: Vec<ENodeOrVar<Math>> = Vec::new();
    // A rule side has a few nodes: a scan finds a repeat sooner than a hash.
    for node in ast.as_ref() {
        let node = node.clone().map_children(|c| ids[usize::from(c)]);
        let at = nodes.iter().position(|n| *n == node).unwrap_or_else(|| {
            nodes.push(node);
            nodes.len() - 1
        });
        ids.push(Id::from(at));
    }
    RecExpr::from(nodes)
}

/// The name of the rule that unfolds `let` names under `d`.
pub const UNFOLD: &str = "unfold";

/// The name of the rule that renames a bound index out of the way of `d`'s variable.
pub const RENAME: &str = "rename-index";

/// The rule called `name`.
pub fn diff_rule(name: &str) -> Option<&'static DiffRule> {
    DIFF_RULES.iter().find(|r| r.name == name)
}

/// A rule side (egg's s-expression syntax: `(op child ...)`, an atom, or a
/// pattern variable `?v`) as a pattern tree: the tree `text.parse()` gives
/// (each node after its children, left to right), read without egg's general
/// s-expression reader, which costs more than the rest of compiling the table.
/// `None` when `text` is not such a term.
pub fn pattern_ast(text: &str) -> Option<PatternAst<Math>> {
    // The tokens: `(`, `)` and the words between them and spaces.
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if c == '(' || c == ')' || c.is_whitespace() {
            words.extend(start.take().map(|s| &text[s..i]));
            if !c.is_whitespace() {
                words.push(&text[i..i + 1]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    words.extend(start.map(|s| &text[s..]));
    let mut tokens = words.into_iter();
    let mut nodes = Vec::new();
    let first = tokens.next()?;
    read_node(first, &mut tokens, &mut nodes)?;
    tokens.next().is_none().then(|| RecExpr::from(nodes))
}

/// Reads the term that starts with `token` into `nodes`; returns its id.
fn read_node<'a>(
    token: &'a str,
    tokens: &mut impl Iterator<Item = &'a str>,
    nodes: &mut Vec<ENodeOrVar<Math>>,
) -> Option<Id> {
    let node = match token {
        ")" => return None,
        "(" => {
            let op = tokens.next().filter(|op| !matches!(*op, "(" | ")"))?;
            let mut children = Vec::new();
            loop {
                match tokens.next()? {
                    ")" => break,
                    t => children.push(read_node(t, tokens, nodes)?),
                }
            }
            ENodeOrVar::from_op(op, children).ok()?
        }
        atom => ENodeOrVar::from_op(atom, vec![]).ok()?,
    };
    nodes.push(node);
    Some(Id::from(nodes.len() - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_ast_reads_every_rule_side_as_egg_does() {
        for r in DIFF_RULES {
            for side in [r.lhs, r.rhs] {
                let egg: PatternAst<Math> = side.parse().expect("egg reads the table");
                assert_eq!(pattern_ast(side), Some(egg), "{side}");
            }
        }
        for r in DIFF_RULES {
            let (lhs, rhs) = rule_asts(r);
            assert_eq!(
                lhs,
                &r.lhs.parse::<Pattern<Math>>().unwrap().ast,
                "{}",
                r.lhs
            );
            assert_eq!(
                rhs,
                &r.rhs.parse::<Pattern<Math>>().unwrap().ast,
                "{}",
                r.rhs
            );
        }
        for side in [
            "(d ?f ?x)",
            "(d ?s ?x)",
            "(* (exp ?a) (d ?a ?x))",
            "0",
            "?a",
        ] {
            let egg: PatternAst<Math> = side.parse().expect("egg reads it");
            assert_eq!(pattern_ast(side), Some(egg), "{side}");
        }
        for bad in ["", "(", ")", "(d ?a", "(d ?a))", "()", "((d) ?a)", "?a ?b"] {
            assert_eq!(pattern_ast(bad), None, "{bad}");
        }
    }
}
