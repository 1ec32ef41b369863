//! backprove differentiates expressions with named rewrite rules in an
//! e-graph and proves that a gradient equals its claimed closed form, with
//! exact rational algebra, side conditions and counterexamples.
//!
//! ```
//! let problem = backprove::parse_problem("
//! let S = exp(a1) + exp(a2)
//! let y1 = exp(a1) / S
//! let y2 = exp(a2) / S
//! let L = -(t1*log(y1) + t2*log(y2))
//! assume t1 + t2 = 1
//! prove d(L, a1) = y1 - t1
//! ").unwrap();
//! let report = backprove::prove_problem(&problem, &backprove::Limits::default());
//! assert_eq!(report.claims[0].status, backprove::Status::Proved);
//! ```
#![warn(missing_docs)]

mod algebra;
mod assumptions;
mod check;
mod cli;
mod differentiate;
mod error;
mod exact;
mod examples;
mod graph;
mod kernel;
mod language;
pub use language::index;
mod numeric;
mod parse;
mod print;
mod problem;
mod prove;
mod render;
mod report;
#[doc(hidden)]
pub mod rollup;
mod rules;
mod transcript;
pub mod unroll;
pub mod workers;

pub use check::{check_certificate, check_report, check_report_until, same_problem, CheckError};
pub use cli::render_error;
/// The command line, for the `backprove` binary only: not part of the
/// library's API.
#[doc(hidden)]
pub use cli::{run, Cli};
pub use error::{Error, ErrorKind, Span};
pub use examples::{example, softmax_with_loss, softmax_with_loss_n, EXAMPLES};
pub use language::{
    constant_node, derivative_bodies, derivative_bodies_bound, parse_rational, Constant, Math,
    Ranges, FUNCTIONS,
};
pub use parse::{parse_expression, parse_problem, MAX_DEFINITION_DEPTH};
pub use print::{to_infix, to_latex};
pub use problem::{Assumption, Claim, Definition, Problem, Relation};
pub use prove::{
    definitions, differentiate, differentiate_by, prove_problem, Derivative, Limits, StopReason,
};
pub use render::{
    figures, render, render_dot, render_svg, render_transcript, Figure, Format, Scene, SceneBox,
    SceneEdge, SceneNode, Shape, TranscriptFormat,
};
pub use report::{
    ClaimReport, InstanceOf, Justification, NamedDefinition, PointValues, Report, RolledUp,
    SideCondition, Status, Step,
};
pub use rules::diff::{DiffRule, Guard, DIFF_RULES};
pub use rules::laws::{Definition as FunctionDefinition, FUNCTION_DEFINITIONS, FUNCTION_LAWS};
pub use transcript::{
    derive, derive_within, general_case, general_case_within, Agreement, BackwardEdge,
    BackwardNode, ForwardNode, GeneralCase, Lecture, LectureStep, Simplification, Transcript,
};
