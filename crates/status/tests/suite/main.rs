//! civitas-status's integration tests, one test binary (one link step) for the whole crate.
//! Each module is one former test file; `common` holds their shared helpers.

mod allocator;
mod bad_input;
mod checking;
mod common;
mod inspect;
mod js_interop;
mod properties;
mod vectors;
