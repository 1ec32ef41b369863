//! The checked contents of a problem file: definitions, assumptions and claims,
//! each as a term with its source line. Owns no parsing and no proving.

use std::collections::BTreeMap;

use egg::{RecExpr, Symbol};

use crate::language::Math;
use crate::print::{infix_at, to_infix};
use crate::report::NamedDefinition;

/// `let NAME = EXPR`.
#[derive(Debug, Clone)]
pub struct Definition {
    /// The bound name.
    pub name: Symbol,
    /// Its definition; earlier names appear as variables.
    pub expr: RecExpr<Math>,
    /// 1-based source line.
    pub line: usize,
}

/// The relation of an `assume` statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// `=`
    Eq,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `!=`
    Ne,
}

impl Relation {
    /// The relation as written in input syntax.
    pub fn symbol(self) -> &'static str {
        match self {
            Relation::Eq => "=",
            Relation::Gt => ">",
            Relation::Ge => ">=",
            Relation::Ne => "!=",
        }
    }
}

/// `assume LHS REL RHS`.
#[derive(Debug, Clone)]
pub struct Assumption {
    /// Left side.
    pub lhs: RecExpr<Math>,
    /// The relation.
    pub relation: Relation,
    /// Right side.
    pub rhs: RecExpr<Math>,
    /// 1-based source line.
    pub line: usize,
}

impl Assumption {
    /// The assumption in input syntax.
    pub fn text(&self) -> String {
        format!(
            "{} {} {}",
            to_infix(&self.lhs),
            self.relation.symbol(),
            to_infix(&self.rhs)
        )
    }
}

/// `prove LHS = RHS`.
#[derive(Debug, Clone)]
pub struct Claim {
    /// Left side.
    pub lhs: RecExpr<Math>,
    /// Right side.
    pub rhs: RecExpr<Math>,
    /// 1-based source line.
    pub line: usize,
}

impl Claim {
    /// The claim in input syntax.
    pub fn text(&self) -> String {
        format!("{} = {}", to_infix(&self.lhs), to_infix(&self.rhs))
    }
}

/// `layer NAME = y1, y2, S`: a named box of the figures, holding the values
/// the file defines under those names (a family name stands for all its elements).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// The layer's title, as written (`Cross Entropy Error`).
    pub name: String,
    /// The `let` names it holds, in the order written.
    pub members: Vec<Symbol>,
    /// 1-based source line.
    pub line: usize,
}

/// `index i, p in 1..m`: the indices `i` and `p` (and their numbered
/// variants) range over `1..m` for a symbolic size `m >= 1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDeclaration {
    /// The index names, as written.
    pub names: Vec<Symbol>,
    /// The size they range up to.
    pub size: Symbol,
    /// 1-based source line.
    pub line: usize,
}

impl IndexDeclaration {
    /// The declaration as written after `index`: `i, p in 1..m`.
    pub fn text(&self) -> String {
        let names: Vec<&str> = self.names.iter().map(|s| s.as_str()).collect();
        format!("{} in 1..{}", names.join(", "), self.size)
    }
}

/// A whole problem file, checked: every name is defined before use.
///
/// It prints back as a problem file, statements in source order, which
/// parses to the same problem:
///
/// ```
/// let text = "let S = exp(a1) + exp(a2)\nassume t1 + t2 = 1\nprove d(log(S), a1) = exp(a1)/S\n";
/// let problem = backprove::parse_problem(text).unwrap();
/// assert_eq!(problem.to_string(), text);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Problem {
    /// Definitions in source order.
    pub definitions: Vec<Definition>,
    /// Assumptions in source order.
    pub assumptions: Vec<Assumption>,
    /// Claims in source order.
    pub claims: Vec<Claim>,
    /// Named layers, for the figures; they change no proof.
    pub layers: Vec<Layer>,
    /// Index ranges other than `1..n`, in source order.
    pub indices: Vec<IndexDeclaration>,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // (line, kind, text): source order, and on one line (built problems)
        // definitions before the layers that name them, then assumptions, claims.
        let mut lines: Vec<(usize, u8, String)> = Vec::new();
        for d in self.named_definitions().into_iter().zip(&self.definitions) {
            // The parser's own `let n = sum(j, 1)` and `let m = sum(i, 1)` for a
            // declared size (line 0) are not written out.
            if d.1.line == 0 && (d.1.name.as_str() == "n" || self.is_size(d.1.name)) {
                continue;
            }
            lines.push((d.1.line, 0, format!("let {} = {}", d.0.name, d.0.expr)));
        }
        for l in &self.layers {
            let members: Vec<String> = l.members.iter().map(|m| m.to_string()).collect();
            lines.push((
                l.line,
                1,
                format!("layer {} = {}", l.name, members.join(", ")),
            ));
        }
        for i in &self.indices {
            lines.push((i.line, 0, format!("index {}", i.text())));
        }
        for a in &self.assumptions {
            lines.push((a.line, 2, format!("assume {}", a.text())));
        }
        for c in &self.claims {
            lines.push((c.line, 3, format!("prove {}", c.text())));
        }
        lines.sort_by_key(|(line, kind, _)| (*line, *kind));
        for (_, _, text) in lines {
            writeln!(f, "{text}")?;
        }
        Ok(())
    }
}

impl Problem {
    /// The right sides of the claims `d(OUTPUT, X) = RHS`, by `X` (the first
    /// claim for each), in input syntax.
    pub fn claimed_derivatives(&self, output: &str) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for c in &self.claims {
            let Some(Math::D([f, x])) = c.lhs.as_ref().last() else {
                continue;
            };
            if infix_at(&c.lhs, *f) == output {
                out.entry(infix_at(&c.lhs, *x))
                    .or_insert_with(|| to_infix(&c.rhs));
            }
        }
        out
    }

    /// The definitions by name.
    pub fn definition_map(&self) -> BTreeMap<Symbol, &RecExpr<Math>> {
        self.definitions.iter().map(|d| (d.name, &d.expr)).collect()
    }

    /// The definitions by name, owned.
    pub fn definitions_by_name(&self) -> BTreeMap<Symbol, RecExpr<Math>> {
        self.definitions
            .iter()
            .map(|d| (d.name, d.expr.clone()))
            .collect()
    }

    /// The definitions in input syntax, in order (`y[j]` for a family), as
    /// certificates and transcripts show them.
    pub fn named_definitions(&self) -> Vec<NamedDefinition> {
        self.definitions
            .iter()
            .map(|d| match d.expr.as_ref().last() {
                Some(Math::Lambda([j, body])) => NamedDefinition {
                    name: format!("{}[{}]", d.name, infix_at(&d.expr, *j)),
                    expr: infix_at(&d.expr, *body),
                },
                _ => NamedDefinition {
                    name: d.name.to_string(),
                    expr: to_infix(&d.expr),
                },
            })
            .collect()
    }

    /// The names defined with an index (`let y[j] = …`).
    pub fn families(&self) -> std::collections::BTreeSet<Symbol> {
        self.definitions
            .iter()
            .filter(|d| matches!(d.expr.as_ref().last(), Some(Math::Lambda(_))))
            .map(|d| d.name)
            .collect()
    }

    /// The ranges the problem's `index` statements declare.
    pub fn ranges(&self) -> crate::index::Ranges {
        let mut r = crate::index::Ranges::default();
        for i in &self.indices {
            for name in &i.names {
                r.declare(*name, i.size);
            }
        }
        r
    }

    /// Whether `name` is a size declared by an `index` statement.
    pub fn is_size(&self, name: Symbol) -> bool {
        self.indices.iter().any(|i| i.size == name)
    }

    /// Whether `name` is bound by a `let`.
    pub fn is_defined(&self, name: Symbol) -> bool {
        self.definitions.iter().any(|d| d.name == name)
    }
}
