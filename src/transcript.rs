//! The textbook transcript: the backward walk over a computation graph, node
//! by node, with every backward value simplified and every simplification
//! proved by the engine. Owns the data model renderers read; no IO.

use egg::{RecExpr, Symbol};
use serde::Serialize;

use crate::algebra::Budget;
use crate::graph::{Graph, Op};
use crate::parse::parse_expression;
use crate::print::to_infix;
use crate::problem::Problem;
use crate::prove::{definitions, named_definitions, prove_problem, Limits};
use crate::report::{ClaimReport, NamedDefinition, Status, Step};

mod lecture;
mod simplifier;

pub use lecture::{Lecture, LectureStep};
use simplifier::Simplifier;

/// One node of the forward pass.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ForwardNode {
    /// Index in the graph.
    pub id: usize,
    /// Operation symbol (`+`, `*`, `/`, `exp`, `log`, `*-1`) or the input's name.
    pub op: String,
    /// The user's name for the value, if any.
    pub name: Option<String>,
    /// Inputs, by index.
    pub inputs: Vec<usize>,
    /// The value, in terms of the inputs' names.
    pub value: String,
}

/// A simplification `raw = simplified`, with the engine's verdict and proof.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Simplification {
    /// The value as the local rules produce it.
    pub raw: String,
    /// The value in the form shown.
    pub simplified: String,
    /// `proved`, `disproved` or `undecided`.
    pub status: Status,
    /// The proof's steps (algebra and assumptions), when proved.
    pub steps: Vec<Step>,
    /// Side conditions the proof relies on.
    pub conditions: Vec<String>,
    /// Proved as the instance of a claim proved for every `n` (the steps are that proof's).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub every_n: bool,
}

/// The gradient sent along one edge, from a node to one of its inputs.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct BackwardEdge {
    /// The node (the edge's head).
    pub from: usize,
    /// The input receiving the gradient.
    pub to: usize,
    /// The gradient arriving at `from`.
    pub upstream: String,
    /// The local rule.
    pub rule: String,
    /// The value sent, with its simplification.
    pub gradient: Simplification,
}

/// One node of the backward walk: its gradient (the sum over its uses) and the
/// edges it sends back to its inputs.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct BackwardNode {
    /// Index in the graph.
    pub id: usize,
    /// Its forward value.
    pub value: String,
    /// The gradients arriving from its uses (more than one at a branch).
    pub arriving: Vec<String>,
    /// Their sum, simplified.
    pub gradient: Simplification,
    /// What it sends to each input.
    pub edges: Vec<BackwardEdge>,
}

/// The walk's result for one input, and the engine's proof that it equals `d(output, input)`.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Agreement {
    /// The input.
    pub input: String,
    /// The gradient the walk delivers.
    pub walk: String,
    /// The claim `d(L, input) = walk`.
    pub claim: String,
    /// The verdict on it.
    pub status: Status,
    /// How many lemmas and steps the proof has.
    pub proof_steps: usize,
    /// Side conditions the proof relies on: the walk's result is proved only where they hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
}

/// A whole derivation.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Transcript {
    /// What is derived.
    pub title: String,
    /// The definitions used.
    pub definitions: Vec<NamedDefinition>,
    /// The assumptions used.
    pub assumptions: Vec<String>,
    /// The output's name.
    pub output: String,
    /// The inputs differentiated by.
    pub inputs: Vec<String>,
    /// The forward pass, inputs first.
    pub forward: Vec<ForwardNode>,
    /// The backward walk, output first.
    pub backward: Vec<BackwardNode>,
    /// Agreement with the rule-based derivative, per input.
    pub agreements: Vec<Agreement>,
    /// The same result for every number of classes, proved once with sums.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub general: Option<GeneralCase>,
    /// The layers the figures box, in forward order: the file's `layer`
    /// statements, or the output's own layer and the one feeding it.
    #[serde(default)]
    pub layers: Vec<LayerGroup>,
    /// Steps found false, each with its counterexample (the file's claim, when
    /// the walk aimed at it and it is wrong).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refuted: Vec<String>,
}

/// One layer of the figures: its title and its nodes.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct LayerGroup {
    /// The title (`Softmax`, `Cross Entropy Error`).
    pub name: String,
    /// Its nodes, by index.
    pub nodes: Vec<usize>,
}

/// A claim about every number of classes `n`, with its proof.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct GeneralCase {
    /// The declared index ranges (`i, p in 1..m`), when the file has any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indices: Vec<String>,
    /// The definitions, with indexed families and sums.
    pub definitions: Vec<NamedDefinition>,
    /// The assumptions.
    pub assumptions: Vec<String>,
    /// The claim, its verdict and its proof (checked by the independent checker).
    pub claim: crate::report::ClaimReport,
    /// The same result as a lecture writes it: Jacobian entries and the chain
    /// rule, every equality a proved claim (absent where the file's shape does not fit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lecture: Option<Lecture>,
}

/// Proves the single claim of the symbolic problem `text` for the general-n section.
///
/// ```
/// let g = backprove::general_case(&backprove::softmax_with_loss_n()).unwrap();
/// assert_eq!(g.claim.status, backprove::Status::Proved);
/// assert!(g.claim.steps.len() <= 15);
/// ```
pub fn general_case(text: &str) -> Result<GeneralCase, String> {
    general_case_within(text, &Limits::default())
}

/// [`general_case`] within `limits` (as `derive` passes them on).
pub fn general_case_within(text: &str, limits: &Limits) -> Result<GeneralCase, String> {
    let problem = crate::parse::parse_problem(text).map_err(|e| e.to_string())?;
    let report = prove_problem(&problem, limits);
    let claim = report
        .claims
        .into_iter()
        .next()
        .ok_or("the general case has no claim")?;
    let lecture = (claim.status == Status::Proved)
        .then(|| lecture::lecture(&problem, text, limits))
        .flatten();
    Ok(GeneralCase {
        lecture,
        indices: report.indices,
        definitions: report.definitions,
        assumptions: report.assumptions,
        claim,
    })
}

impl Transcript {
    /// Whether every simplification and agreement is proved.
    pub fn all_proved(&self) -> bool {
        let edges = self
            .backward
            .iter()
            .flat_map(|n| std::iter::once(&n.gradient).chain(n.edges.iter().map(|e| &e.gradient)));
        edges.into_iter().all(|s| s.status == Status::Proved)
            && self.agreements.iter().all(|a| a.status == Status::Proved)
            && self
                .general
                .as_ref()
                .is_none_or(|g| g.claim.status == Status::Proved)
    }
}

/// Derives the backward pass of `output` (a name or expression of `problem`)
/// with respect to `inputs`, proving every step.
///
/// ```
/// let problem = backprove::parse_problem(&backprove::softmax_with_loss(2)).unwrap();
/// let t = backprove::derive(&problem, "L", &["a1".into(), "a2".into()], "softmax").unwrap();
/// assert_eq!(t.agreements[0].walk, "y1 - t1");
/// assert!(t.all_proved());
/// ```
pub fn derive(
    problem: &Problem,
    output: &str,
    inputs: &[String],
    title: &str,
) -> Result<Transcript, String> {
    derive_within(problem, output, inputs, title, &Limits::default())
}

/// [`derive`] within `limits`: `timeout` bounds the whole walk (simplifying
/// every value, then proving every step), `max_nodes` each proof and the
/// algebra's work. Hitting one is an `Err` that starts with
/// [`WALK_LIMIT`] and names the limit.
pub fn derive_within(
    problem: &Problem,
    output: &str,
    inputs: &[String],
    title: &str,
    limits: &Limits,
) -> Result<Transcript, String> {
    let deadline = std::time::Instant::now() + limits.timeout;
    let defs = definitions(problem);
    let names: Vec<Symbol> = problem.definitions.iter().map(|d| d.name).collect();
    let out_expr = parse_expression(output, &names).map_err(|e| e.to_string())?;
    let graph = Graph::build(&out_expr, &defs)?;
    let input_ids: Vec<usize> = inputs
        .iter()
        .map(|name| {
            graph
                .nodes
                .iter()
                .position(|n| matches!(&n.op, Op::Input(s) if s == name))
                .ok_or_else(|| format!("`{name}` is not an input of `{output}`"))
        })
        .collect::<Result<_, _>>()?;
    // Only nodes on a path from a chosen input carry gradients worth showing.
    let mut relevant = vec![false; graph.nodes.len()];
    for (i, n) in graph.nodes.iter().enumerate() {
        relevant[i] = input_ids.contains(&i) || n.inputs.iter().any(|c| relevant[*c]);
    }
    let budget = Budget {
        max_work: limits.max_nodes.saturating_mul(20),
        deadline: Some(deadline),
    };
    let simplifier = Simplifier::new(problem, &defs, budget)?;
    let moves = crate::prove::moves::Moves::new(problem);
    let term = |i: usize| to_infix(&graph.term(i));
    // A node as a factor: by its name where it has one (`y1`), else its value (`exp(a1)`).
    let refer = |i: usize| {
        let mut out = RecExpr::default();
        graph.add_term(i, &mut out, false);
        to_infix(&out)
    };
    let value = |i: usize| {
        let mut out = RecExpr::default();
        graph.add_term(i, &mut out, true);
        to_infix(&out)
    };
    let forward = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| ForwardNode {
            id: i,
            op: n.op.symbol(),
            name: n.name.clone(),
            inputs: n.inputs.clone(),
            value: value(i),
        })
        .collect();

    // The file's claims `d(OUTPUT, X) = RHS`: the walk aims the last step into X at RHS
    // (the first such claim), or X's sum of branches when X has several uses. Read once.
    let mut users = vec![0usize; graph.nodes.len()];
    for n in &graph.nodes {
        let mut once = n.inputs.clone();
        once.sort_unstable();
        once.dedup();
        for i in once {
            users[i] += 1;
        }
    }
    let claims_by_input = problem.claimed_derivatives(output);
    let claimed = |input: usize| -> Option<String> {
        (users[input] == 1)
            .then(|| claims_by_input.get(&term(input)).cloned())
            .flatten()
    };
    let mut arriving: Vec<Vec<String>> = vec![Vec::new(); graph.nodes.len()];
    arriving[graph.output].push("1".into());
    let mut backward = Vec::new();
    let mut pending: Vec<(String, String)> = Vec::new();
    // Longest distance from the output: walking by level visits every use of a
    // node before the node, and visits the graph stage by stage, as the book does.
    let mut level = vec![0usize; graph.nodes.len()];
    for i in (0..graph.nodes.len()).rev() {
        for &c in &graph.nodes[i].inputs {
            level[c] = level[c].max(level[i] + 1);
        }
    }
    let mut order: Vec<usize> = (0..graph.nodes.len()).collect();
    order.sort_by_key(|&i| (level[i], i));
    for i in order {
        if !relevant[i] || arriving[i].is_empty() {
            continue;
        }
        let raw = arriving[i]
            .iter()
            .map(|g| format!("({g})"))
            .collect::<Vec<_>>()
            .join(" + ");
        // One use: its gradient is what that use sent, already simplified
        // (and aimed at the file's claim when the node is a walked input).
        let gradient = match arriving[i].as_slice() {
            [one] => (one.clone(), one.clone()),
            _ => simplifier.simplify(&raw, false)?,
        };
        // An input with several uses: its branches' sum is aimed at the file's claim.
        let aim = (input_ids.contains(&i) && arriving[i].len() > 1)
            .then(|| claims_by_input.get(&term(i)).cloned())
            .flatten();
        let gradient = match aim {
            Some(rhs) => (gradient.0.clone(), rhs),
            None => (
                gradient.0.clone(),
                moves.shape(&gradient.0, &gradient.1, Some(deadline)),
            ),
        };
        pending.push((gradient.0.clone(), gradient.1.clone()));
        let g = gradient.1.clone();
        let node = &graph.nodes[i];
        let mut edges = Vec::new();
        for (pos, &input) in node.inputs.iter().enumerate() {
            if !relevant[input] {
                continue;
            }
            let x = refer(input);
            let local = match &node.op {
                Op::Add => "1".to_string(),
                Op::Mul => refer(node.inputs[1 - pos]),
                // By the node's name where it has one (`1 - h^2` for `h = tanh(…)`).
                Op::Recip => format!("-({})^2", refer(i)),
                Op::Exp => refer(i),
                Op::Log => format!("1/({x})"),
                Op::Scale(c) => c.to_string(),
                Op::Pow(c) => match crate::language::Constant(
                    &c.0 - num_rational::BigRational::from_integer(1.into()),
                ) {
                    d if num_traits::One::is_one(&d.0) => format!("{c}*({x})"),
                    d => format!("{c}*({x})^({d})"),
                },
                Op::Func(_) => {
                    let xs: Vec<String> = node.inputs.iter().map(|&j| refer(j)).collect();
                    node.op
                        .local_derivative(pos, &xs, &refer(i))
                        .expect("a function node")
                }
                Op::Input(_) | Op::Const(_) => continue,
            };
            let raw = if local == "1" {
                g.clone()
            } else {
                format!("({g})*({local})")
            };
            let sent = simplifier.simplify(&raw, true)?;
            let sent = match input_ids.contains(&input).then(|| claimed(input)).flatten() {
                Some(rhs) => (sent.0.clone(), rhs),
                None => (
                    sent.0.clone(),
                    moves.shape(&sent.0, &sent.1, Some(deadline)),
                ),
            };
            pending.push((sent.0.clone(), sent.1.clone()));
            arriving[input].push(sent.1.clone());
            edges.push((input, node.op.rule(&local), sent));
        }
        backward.push((i, value(i), arriving[i].clone(), gradient, g, edges));
    }

    // Prove every simplification, and the agreement with d(output, input), in one batch.
    let agreements_claims: Vec<(String, String)> = input_ids
        .iter()
        .map(|&k| {
            let walk = backward
                .iter()
                .find(|b| b.0 == k)
                .map(|b| b.4.clone())
                .unwrap_or_else(|| "0".into());
            (format!("d({output}, {})", term(k)), walk)
        })
        .collect();
    let mut text = String::new();
    for d in &problem.definitions {
        text += &format!("let {} = {}\n", d.name, to_infix(&d.expr));
    }
    for a in &problem.assumptions {
        text += &format!("assume {}\n", a.text());
    }
    // A value that needs no simplification needs no proof (both sides are the same term).
    for (raw, simple) in pending
        .iter()
        .filter(|(r, s)| r != s)
        .chain(agreements_claims.iter())
    {
        text += &format!("prove {raw} = {simple}\n");
    }
    let batch = crate::parse::parse_problem(&text).map_err(|e| format!("internal error: {e}"))?;
    let remaining = deadline.saturating_duration_since(std::time::Instant::now());
    if remaining.is_zero() {
        return Err(format!(
            "{WALK_LIMIT}: the walk ran out of time (--timeout)"
        ));
    }
    let from = crate::rollup::WALK_ROLL_UP_FROM;
    let report = crate::prove::prove_problem_until(&batch, limits, Some(deadline), from);
    let refuted: Vec<String> = report
        .claims
        .iter()
        .filter(|c| c.status == Status::Disproved)
        .map(ClaimReport::refutation)
        .collect();
    let rolled = report.rolled_up;
    let mut verdicts = report.claims.into_iter();
    let mut next = |raw: String, simplified: String| {
        if raw == simplified {
            return Simplification {
                raw,
                simplified,
                status: Status::Proved,
                steps: Vec::new(),
                conditions: Vec::new(),
                every_n: false,
            };
        }
        let c = verdicts.next().expect("one verdict per claim");
        let every_n = rolled
            .as_ref()
            .zip(c.instance.as_ref())
            .filter(|_| c.steps.is_empty());
        let steps: Vec<Step> = match every_n {
            Some((r, instance)) => r.instance_steps(instance),
            None => c
                .steps
                .into_iter()
                .filter(|s| !s.rule.starts_with("d-") && !s.rule.starts_with("unfold-"))
                .collect(),
        };
        Simplification {
            raw,
            simplified,
            status: c.status,
            steps,
            conditions: c.conditions,
            every_n: every_n.is_some(),
        }
    };
    let backward = backward
        .into_iter()
        .map(|(id, value, arriving, gradient, _, edges)| {
            let gradient = next(gradient.0, gradient.1);
            let edges = edges
                .into_iter()
                .map(|(to, rule, sent)| {
                    let upstream = gradient.simplified.clone();
                    BackwardEdge {
                        from: id,
                        to,
                        upstream,
                        rule,
                        gradient: next(sent.0, sent.1),
                    }
                })
                .collect();
            BackwardNode {
                id,
                value,
                arriving,
                gradient,
                edges,
            }
        })
        .collect();
    let agreements = input_ids
        .iter()
        .zip(agreements_claims)
        .map(|(&k, (lhs, walk))| {
            let c = verdicts.next().expect("one verdict per claim");
            Agreement {
                input: term(k),
                claim: format!("{lhs} = {walk}"),
                walk,
                status: c.status,
                proof_steps: c.steps.len(),
                conditions: c.conditions,
            }
        })
        .collect();
    Ok(Transcript {
        title: title.to_string(),
        definitions: named_definitions(problem),
        assumptions: problem.assumptions.iter().map(|a| a.text()).collect(),
        output: output.to_string(),
        inputs: inputs.to_vec(),
        forward,
        backward,
        agreements,
        general: None,
        refuted,
        layers: graph
            .layers(&problem.layers, &input_ids)
            .into_iter()
            .map(|(name, nodes)| LayerGroup { name, nodes })
            .collect(),
    })
}

/// How an `Err` of [`derive_within`] starts when a limit, not the input, ended the walk.
pub const WALK_LIMIT: &str = "not proved within limits";

pub(crate) fn limit_reached() -> String {
    format!("{WALK_LIMIT}: simplifying the walk's values reached the time or work limit (--timeout, --max-nodes)")
}
