//! The umbrella crate's end-to-end tests, one test binary: one module per subject.

mod browser;
mod common;
mod examples;
mod journey;
mod oid4vci;
mod profiles;
