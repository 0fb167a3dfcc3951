//! civitas-verifier's integration tests, one test binary (one link step) for the whole crate.
//! Each module is one former test file; `common` holds their shared helpers.

mod common;
mod compact;
#[cfg(feature = "server")]
mod http_api;
mod js_interop;
#[cfg(feature = "server")]
mod js_oid4vp;
mod offline_bundle;
#[cfg(feature = "server")]
mod oid4vp;
mod online;
mod profiles;
mod reading;
mod sd_jwt;
mod trust_list;
mod verify;
