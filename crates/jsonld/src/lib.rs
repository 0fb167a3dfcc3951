#![doc = include_str!("../README.md")]
//!
//! civitas-jsonld: JSON-LD the way civitas signs it, offline.
//!
//! * [`json`]: the strict JSON reader every outside document goes through (duplicate members
//!   refused, size-limited, errors with a JSON pointer, line, column and byte offset).
//! * [`contexts`]: the bundled JSON-LD contexts and the offline loader: an unknown context URL is
//!   an error, never a fetch.
//! * [`canon`]: JSON-LD 1.1 expansion to RDF and RDFC-1.0 canonicalization, with civitas' own
//!   fast path for the shapes credentials use and ssi 0.16 as the general path. This crate is
//!   the only one in civitas that depends on ssi.
//! * [`member`]: small accessors for JSON members shared by the crates above it.
//!
//! It knows nothing of credentials, keys or signatures: civitas-core builds Data Integrity
//! proofs on top of [`canon`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod canon;
pub mod contexts;
pub mod json;
pub mod member;
