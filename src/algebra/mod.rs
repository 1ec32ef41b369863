//! Exact algebra: Laurent polynomials over atoms, rational normal forms and
//! sign facts. Owns equality of d-free terms; knows nothing of e-graphs.

mod normalize;
mod poly;
mod sign;

#[cfg(test)]
pub(crate) use normalize::natural_key;
pub use normalize::{natural_cmp, natural_order, AlgebraError, Budget, Normalizer, Rat, Target};
pub use sign::Sign;
