//! civitas-infohighway's integration tests, one test binary (one link step) for the whole crate.
//! Each module is one former test file; `common` holds their shared helpers.

mod common;
mod crash;
mod exports;
mod files;
mod infohighway;
mod mtls;
mod sources;
