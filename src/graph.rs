//! The computation graph of an expression, as the textbook draws it: inputs,
//! n-ary `+`, binary `*`, reciprocal `1/x`, `exp`, `log`, multiplication by a
//! constant and constant powers. Shared subexpressions are one node with
//! several uses. Owns the forward values and the node-local backward rules;
//! simplifying and proving the backward values is the transcript's job.

use std::collections::{BTreeMap, HashMap};

use egg::{Id, RecExpr, Symbol};
use num_traits::{One, Zero};

use crate::language::{Constant, Math};

/// What a node computes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Op {
    /// A free variable.
    Input(String),
    /// A constant.
    Const(Constant),
    /// The sum of its inputs.
    Add,
    /// The product of its two inputs.
    Mul,
    /// `1/x`.
    Recip,
    /// `exp(x)`.
    Exp,
    /// `log(x)`.
    Log,
    /// `c*x` for a constant `c`.
    Scale(Constant),
    /// `x^c` for a constant `c`.
    Pow(Constant),
    /// A built-in function of `FUNCTIONS` (`tanh`, `relu`, `max` …).
    Func(&'static str),
}

impl Op {
    /// The node's symbol, as drawn.
    pub fn symbol(&self) -> String {
        match self {
            Op::Input(_) => "input".into(),
            Op::Const(c) => c.to_string(),
            Op::Add => "+".into(),
            Op::Mul => "*".into(),
            Op::Recip => "/".into(),
            Op::Exp => "exp".into(),
            Op::Log => "log".into(),
            Op::Scale(c) => format!("*{c}"),
            Op::Pow(c) => format!("^{c}"),
            Op::Func(name) => name.to_string(),
        }
    }

    /// The node-local backward rule, in words, ending in `local`, the local
    /// derivative the walk computed with this node's own names (`log
    /// multiplies by 1 over its input, 1/y1`): the file's names never clash
    /// with a rule's letters. `+` and `×` say what they pass in words only.
    pub fn rule(&self, local: &str) -> String {
        let words = match self {
            Op::Input(_) | Op::Const(_) => return String::new(),
            Op::Add => return "+ passes the upstream gradient unchanged".into(),
            Op::Mul | Op::Scale(_) => return "× multiplies by the other forward input".into(),
            Op::Recip => "/ multiplies by minus its output squared,".into(),
            Op::Exp => "exp multiplies by its output,".into(),
            Op::Log => "log multiplies by 1 over its input,".into(),
            Op::Pow(_) => format!("{} multiplies by", self.symbol()),
            Op::Func(name) => match *name {
                "tanh" => "tanh multiplies by 1 minus its output squared,",
                "sigmoid" => "sigmoid multiplies by its output times 1 minus it,",
                "softplus" => "softplus multiplies by sigmoid of its input,",
                "relu" => "relu (not at 0) multiplies by the step of its input,",
                "step" => "step (not at 0) multiplies by",
                "abs" => "abs (not at 0) multiplies by the sign of its input,",
                "sin" => "sin multiplies by cos of its input,",
                "cos" => "cos multiplies by minus sin of its input,",
                "max" => "max passes the gradient to the larger input,",
                _ => "min passes the gradient to the smaller input,",
            }
            .into(),
        };
        // As the printer writes it: `1/(y1)` is `1/y1`.
        let local = crate::parse::parse_expression(local, &[])
            .map_or_else(|_| local.to_string(), |e| crate::print::to_infix(&e));
        format!("{words} {local}")
    }

    /// The local derivative of a function node by its input `pos`, given
    /// its inputs' terms `x` and its own value `y` (as text).
    pub fn local_derivative(&self, pos: usize, x: &[String], y: &str) -> Option<String> {
        let Op::Func(name) = self else { return None };
        let a = &x[0];
        let other = |p: usize| &x[1 - p];
        Some(match *name {
            "tanh" => format!("1 - ({y})^2"),
            "sigmoid" => format!("({y})*(1 - ({y}))"),
            "softplus" => format!("sigmoid({a})"),
            // As the rule table's: the kink factor `u/u` keeps the point
            // where the derivative does not exist out (`where u != 0`).
            "relu" => format!("step({a})*(({a})/({a}))"),
            "step" => "0".to_string(),
            "abs" => format!("abs({a})/({a})"),
            "sin" => format!("cos({a})"),
            "cos" => format!("-sin({a})"),
            "max" => format!(
                "step(({a}) - ({b}))*((({a}) - ({b}))/(({a}) - ({b})))",
                a = x[pos],
                b = other(pos)
            ),
            _ => format!(
                "step(({b}) - ({a}))*((({a}) - ({b}))/(({a}) - ({b})))",
                a = x[pos],
                b = other(pos)
            ),
        })
    }
}

/// One node: its operation, its inputs (earlier nodes) and its name.
#[derive(Debug, Clone)]
pub struct Node {
    /// What it computes.
    pub op: Op,
    /// Its inputs, by index.
    pub inputs: Vec<usize>,
    /// The user's name for its value (`S`, `y1`, `a1`), if there is one.
    pub name: Option<String>,
}

/// A computation graph; nodes are in topological order, the output last.
#[derive(Debug, Clone)]
pub struct Graph {
    /// The nodes, inputs before their users.
    pub nodes: Vec<Node>,
    /// The output node.
    pub output: usize,
}

/// Why an expression has no computation graph.
pub type GraphError = String;

impl Graph {
    /// Builds the graph of `expr`, unfolding `let` names into shared, named nodes.
    pub fn build(
        expr: &RecExpr<Math>,
        defs: &BTreeMap<Symbol, RecExpr<Math>>,
    ) -> Result<Graph, GraphError> {
        Graph::build_with(expr, defs, false)
    }

    /// Builds the graph of one entry of an indexed definition (`exp(a[j])/S`):
    /// its elements (`a[j]`) are inputs, as its scalars are. Sums still have
    /// no node: the every-n lecture builds the graph of a family's body, to
    /// find the node that uses a shared definition (the book's `/` node).
    pub fn build_entry(expr: &RecExpr<Math>) -> Result<Graph, GraphError> {
        Graph::build_with(expr, &BTreeMap::new(), true)
    }

    fn build_with(
        expr: &RecExpr<Math>,
        defs: &BTreeMap<Symbol, RecExpr<Math>>,
        elements: bool,
    ) -> Result<Graph, GraphError> {
        let mut b = Builder {
            defs,
            nodes: Vec::new(),
            index: HashMap::new(),
            names: HashMap::new(),
            elements,
        };
        let output = b.term(expr)?;
        Ok(Graph {
            nodes: b.nodes,
            output,
        })
    }

    /// The node's value as a term, referring to named nodes by name.
    pub fn term(&self, i: usize) -> RecExpr<Math> {
        let mut out = RecExpr::default();
        self.add_term(i, &mut out, true);
        out
    }

    /// The node's value as a term in its inputs' names, one level deep (`exp(a1)`, `1/S`).
    pub fn add_term(&self, i: usize, out: &mut RecExpr<Math>, top: bool) -> Id {
        let node = &self.nodes[i];
        let input = matches!(node.op, Op::Input(_));
        if let (Some(name), false) = (&node.name, top && !input) {
            return out.add(Math::Var(Symbol::from(name.as_str())));
        }
        let args: Vec<Id> = node
            .inputs
            .iter()
            .map(|c| self.add_term(*c, out, false))
            .collect();
        match &node.op {
            Op::Input(name) => out.add(Math::Var(Symbol::from(name.as_str()))),
            Op::Const(c) => out.add(Math::Num(c.clone())),
            // `x + -y` is written `x - y`, as a textbook does (no `+ -`).
            Op::Add => {
                let mut acc = args[0];
                for a in &args[1..] {
                    acc = match out[*a].clone() {
                        Math::Neg(b) => out.add(Math::Sub([acc, b])),
                        Math::Mul([k, b]) if matches!(&out[k], Math::Num(c) if c.is_negative()) => {
                            let Math::Num(c) = out[k].clone() else {
                                unreachable!("matched above")
                            };
                            let k = out.add(Math::Num(Constant(-c.0)));
                            let b = out.add(Math::Mul([k, b]));
                            out.add(Math::Sub([acc, b]))
                        }
                        _ => out.add(Math::Add([acc, *a])),
                    };
                }
                acc
            }
            Op::Mul => out.add(Math::Mul([args[0], args[1]])),
            Op::Recip => {
                let one = out.add(Math::Num(Constant::int(1)));
                out.add(Math::Div([one, args[0]]))
            }
            Op::Exp => out.add(Math::Exp(args[0])),
            Op::Log => out.add(Math::Log(args[0])),
            Op::Scale(c) if c.0 == -num_rational::BigRational::one() => out.add(Math::Neg(args[0])),
            Op::Scale(c) => {
                let k = out.add(Math::Num(c.clone()));
                out.add(Math::Mul([k, args[0]]))
            }
            Op::Pow(c) => {
                let k = out.add(Math::Num(c.clone()));
                out.add(Math::Pow([args[0], k]))
            }
            Op::Func(name) => {
                let node = Math::function(name, &args).expect("a built-in function");
                out.add(node)
            }
        }
    }
}

struct Builder<'a> {
    defs: &'a BTreeMap<Symbol, RecExpr<Math>>,
    nodes: Vec<Node>,
    index: HashMap<(Op, Vec<usize>), usize>,
    names: HashMap<Symbol, usize>,
    /// Whether an element `a[j]` is an input (else it has no node).
    elements: bool,
}

impl Builder<'_> {
    fn node(&mut self, op: Op, inputs: Vec<usize>) -> usize {
        if let Some(&i) = self.index.get(&(op.clone(), inputs.clone())) {
            return i;
        }
        self.nodes.push(Node {
            op: op.clone(),
            inputs: inputs.clone(),
            name: None,
        });
        let i = self.nodes.len() - 1;
        self.index.insert((op, inputs), i);
        i
    }

    fn term(&mut self, expr: &RecExpr<Math>) -> Result<usize, GraphError> {
        self.at(expr, Id::from(expr.as_ref().len() - 1))
    }

    /// Terms of a `+`/`-` chain, each with whether it is subtracted.
    fn summands(expr: &RecExpr<Math>, id: Id, negative: bool, out: &mut Vec<(bool, Id)>) {
        match &expr[id] {
            Math::Add([a, b]) => {
                Self::summands(expr, *a, negative, out);
                Self::summands(expr, *b, negative, out);
            }
            Math::Sub([a, b]) => {
                Self::summands(expr, *a, negative, out);
                Self::summands(expr, *b, !negative, out);
            }
            _ => out.push((negative, id)),
        }
    }

    fn at(&mut self, expr: &RecExpr<Math>, id: Id) -> Result<usize, GraphError> {
        let minus_one = Constant::int(-1);
        Ok(match &expr[id] {
            Math::Num(c) => self.node(Op::Const(c.clone()), vec![]),
            Math::Var(s) => match self.defs.get(s) {
                Some(def) => {
                    if let Some(&i) = self.names.get(s) {
                        return Ok(i);
                    }
                    let i = self.term(&def.clone())?;
                    if self.nodes[i].name.is_none() {
                        self.nodes[i].name = Some(s.to_string());
                    }
                    self.names.insert(*s, i);
                    i
                }
                None => {
                    let i = self.node(Op::Input(s.to_string()), vec![]);
                    self.nodes[i].name = Some(s.to_string());
                    i
                }
            },
            Math::Add(_) | Math::Sub(_) => {
                let mut parts = Vec::new();
                Self::summands(expr, id, false, &mut parts);
                let mut inputs = Vec::new();
                for (negative, p) in parts {
                    let t = self.at(expr, p)?;
                    inputs.push(if negative {
                        self.node(Op::Scale(minus_one.clone()), vec![t])
                    } else {
                        t
                    });
                }
                self.node(Op::Add, inputs)
            }
            Math::Neg(a) => {
                let a = self.at(expr, *a)?;
                self.node(Op::Scale(minus_one), vec![a])
            }
            Math::Mul([a, b]) => match (&expr[*a], &expr[*b]) {
                (Math::Num(c), _) => {
                    let b = self.at(expr, *b)?;
                    self.node(Op::Scale(c.clone()), vec![b])
                }
                (_, Math::Num(c)) => {
                    let a = self.at(expr, *a)?;
                    self.node(Op::Scale(c.clone()), vec![a])
                }
                _ => {
                    let (a, b) = (self.at(expr, *a)?, self.at(expr, *b)?);
                    self.node(Op::Mul, vec![a, b])
                }
            },
            // Division by a constant is multiplication by its reciprocal, as a textbook draws it.
            Math::Div([a, b]) if matches!(&expr[*b], Math::Num(c) if !c.0.is_zero()) => {
                let Math::Num(c) = &expr[*b] else {
                    unreachable!("matched above")
                };
                let a = self.at(expr, *a)?;
                self.node(Op::Scale(Constant(c.0.recip())), vec![a])
            }
            Math::Div([a, b]) => {
                let r = self.at(expr, *b)?;
                let r = self.node(Op::Recip, vec![r]);
                match &expr[*a] {
                    Math::Num(c) if c.is_one() => r,
                    Math::Num(c) => self.node(Op::Scale(c.clone()), vec![r]),
                    _ => {
                        let a = self.at(expr, *a)?;
                        self.node(Op::Mul, vec![a, r])
                    }
                }
            }
            Math::Pow([a, b]) => {
                let Math::Num(c) = &expr[*b] else {
                    return Err("a power with a variable exponent has no node in the graph".into());
                };
                let a = self.at(expr, *a)?;
                if c.0 == -num_rational::BigRational::one() {
                    self.node(Op::Recip, vec![a])
                } else {
                    self.node(Op::Pow(c.clone()), vec![a])
                }
            }
            Math::Exp(a) => {
                let a = self.at(expr, *a)?;
                self.node(Op::Exp, vec![a])
            }
            Math::Log(a) => {
                let a = self.at(expr, *a)?;
                self.node(Op::Log, vec![a])
            }
            Math::Sqrt(a) => {
                let a = self.at(expr, *a)?;
                self.node(
                    Op::Pow(Constant(num_rational::BigRational::new(1.into(), 2.into()))),
                    vec![a],
                )
            }
            Math::Idx(_) if self.elements => {
                let text = crate::print::infix_at(expr, id);
                let i = self.node(Op::Input(text.clone()), vec![]);
                self.nodes[i].name = Some(text);
                i
            }
            Math::D(_) => return Err("derive takes an expression without d(...)".into()),
            Math::Idx(_) | Math::Sum(_) | Math::Delta(_) | Math::Lambda(_) => {
                return Err(
                    "derive walks concrete graphs only; indexed families, sums and deltas are proved with `prove`"
                        .into(),
                )
            }
            // Every other node is a built-in function.
            f => {
                let name = crate::language::FUNCTIONS
                    .iter()
                    .map(|(n, _)| *n)
                    .find(|n| *n == f.to_string())
                    .ok_or_else(|| format!("`{f}` has no node in the graph"))?;
                let mut inputs = Vec::new();
                for c in egg::Language::children(f) {
                    inputs.push(self.at(expr, *c)?);
                }
                self.node(Op::Func(name), inputs)
            }
        })
    }
}

/// The layers of a graph: each a title and its nodes, in forward order.
pub type Layers = Vec<(String, Vec<usize>)>;

impl Graph {
    /// Groups the nodes into layers, as the figures box them. A node named in
    /// a `layer` statement is in that layer; any other node except a walked
    /// input is in the layer of its users (the first user's where they
    /// disagree), so the `exp` under `y1` and the labels `t1` join the layer
    /// that uses them. Without `layer` statements there are two: the one that
    /// computes the output from the named values it uses, and the rest.
    pub fn layers(&self, declared: &[crate::problem::Layer], walked: &[usize]) -> Layers {
        let declared_empty = declared.is_empty();
        let declared = if declared_empty {
            self.automatic_layers()
        } else {
            declared
                .iter()
                .map(|l| {
                    let names = l.members.iter().map(|m| m.to_string()).collect();
                    (l.name.clone(), names)
                })
                .collect()
        };
        let mut layer: Vec<Option<usize>> = vec![None; self.nodes.len()];
        // Users come after their inputs, so walking backwards sees them first.
        for i in (0..self.nodes.len()).rev() {
            let node = &self.nodes[i];
            let named = node
                .name
                .as_ref()
                .and_then(|n| declared.iter().position(|(_, m)| m.contains(n)));
            layer[i] = match named {
                Some(l) if !matches!(node.op, Op::Input(_)) => Some(l),
                _ if walked.contains(&i) => None,
                _ => (i + 1..self.nodes.len())
                    .find(|&u| self.nodes[u].inputs.contains(&i) && layer[u].is_some())
                    .and_then(|u| layer[u]),
            };
        }
        let mut out: Layers = declared
            .into_iter()
            .enumerate()
            .map(|(l, (title, _))| {
                let nodes = (0..self.nodes.len())
                    .filter(|&i| layer[i] == Some(l))
                    .collect();
                (title, nodes)
            })
            .filter(|(_, nodes): &(String, Vec<usize>)| !nodes.is_empty())
            .collect();
        // Declared layers that hold no node (their names only rename
        // another: `let L = y`, `layer T = L`) box nothing: the automatic ones.
        if out.is_empty() && !declared_empty {
            return self.layers(&[], walked);
        }
        // In forward order: a layer before the layers that use it.
        out.sort_by_key(|(_, nodes)| nodes.iter().max().copied());
        out
    }

    /// The output's own layer (reached from it without passing a named
    /// value) and, when it uses named values, the layer computing them.
    fn automatic_layers(&self) -> Vec<(String, Vec<String>)> {
        let mut boundary: Vec<String> = Vec::new();
        let mut seen = vec![false; self.nodes.len()];
        let mut todo = vec![self.output];
        while let Some(i) = todo.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            let node = &self.nodes[i];
            if i != self.output && node.name.is_some() {
                if !matches!(node.op, Op::Input(_)) {
                    boundary.push(node.name.clone().unwrap_or_default());
                }
                continue;
            }
            todo.extend(node.inputs.iter().copied());
        }
        boundary.sort_by(|a, b| crate::algebra::natural_cmp(a, b));
        let output = self.nodes[self.output]
            .name
            .clone()
            .unwrap_or_else(|| "the output".into());
        let mut out = Vec::new();
        if !boundary.is_empty() {
            out.push((format!("computing {}", boundary.join(", ")), boundary));
        }
        out.push((format!("computing {output}"), vec![output]));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Op;
    use crate::language::Constant;

    #[test]
    fn a_rule_ends_in_the_local_derivative_as_the_printer_writes_it() {
        assert_eq!(
            Op::Log.rule("1/(y1)"),
            "log multiplies by 1 over its input, 1/y1"
        );
        assert_eq!(
            Op::Func("sigmoid").rule("(s)*(1 - (s))"),
            "sigmoid multiplies by its output times 1 minus it, s*(1 - s)"
        );
        assert_eq!(
            Op::Recip.rule("-(1/S)^2"),
            "/ multiplies by minus its output squared, -(1/S)^2"
        );
        assert_eq!(
            Op::Pow(Constant::int(3)).rule("3*(a + b)^(2)"),
            "^3 multiplies by 3*(a + b)^2"
        );
        assert_eq!(
            Op::Pow(Constant::int(2)).rule("2*(h)"),
            "^2 multiplies by 2*h"
        );
        assert_eq!(Op::Mul.rule("x"), "× multiplies by the other forward input");
    }
}
