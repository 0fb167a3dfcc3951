//! civitas-wallet's integration tests, one test binary (one link step) for the whole crate.
//! Each module is one former test file; `common` holds their shared helpers.

mod common;
mod crash;
mod disclose;
mod js_issuer;
mod js_oid4vp;
mod receive;
mod respond;
mod wallet;
