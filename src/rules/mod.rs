//! Rewrite rules, one file per family, and the terms built from them.

pub mod diff;
pub(crate) mod firing;
pub mod laws;
pub(crate) mod rewrites;
pub(crate) mod terms;
