//! civitas-cli's integration tests, one test binary (one link step) for the whole crate.
//! Each module is one former test file; `common` holds their shared helpers.

mod cli;
mod common;
mod hardening;
mod ingest_cli;
mod oid4vp_cli;
mod profile_cli;
mod verifier_cli;
mod wallet_cli;
mod wallet_receive_cli;
mod wallet_respond;
