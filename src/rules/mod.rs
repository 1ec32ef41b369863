//! Rewrite rules, one file per family.

pub mod diff;
