//! civitas-verifier's integration tests, one test binary (one link step) for the whole crate.
//! Each module is one former test file; `common` holds their shared helpers.

mod common;
mod compact;
#[cfg(feature = "server")]
mod http_api;
mod js_interop;
mod offline_bundle;
mod online;
mod profiles;
mod reading;
mod trust_list;
mod verify;
