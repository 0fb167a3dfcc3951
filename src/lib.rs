//! civitas: official civil-registry documents (birth and marriage certificates first) as W3C
//! Verifiable Credentials: issued by a government, kept by citizens in an encrypted safe, and
//! verified offline by anyone.
//!
//! This umbrella crate re-exports the civitas crates under one name; see README.md for the tour
//! and SPEC.md for the specification.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use civitas_core as core;
pub use civitas_status as status;
