//! civitas-core (work in progress)
#![forbid(unsafe_code)]
pub mod canon;
pub mod contexts;
