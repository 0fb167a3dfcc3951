//! civitas: official civil-registry documents (birth and marriage certificates first) as W3C
//! Verifiable Credentials: issued by a government, kept by citizens in an encrypted safe, and
//! verified offline by anyone.
//!
//! This umbrella crate re-exports every civitas library crate under one name; see README.md for
//! the tour and SPEC.md for the specification (its first section names the crates and how data flows through
//! them). From the bottom up:
//!
//! | name | crate | job |
//! | --- | --- | --- |
//! | [`jsonld`] | civitas-jsonld | strict JSON, bundled contexts, JSON-LD expansion, RDFC-1.0 |
//! | [`keys`] | civitas-keys | keys, DIDs, the resolver, the `Signer` trait, sealed secrets |
//! | [`core`] | civitas-core | the document model, proofs, the trust-less document check |
//! | [`qr`] | civitas-qr | the CV1 compact form, QR symbols, reading them from photos |
//! | [`status`] | civitas-status | Bitstring Status Lists: allocation, publication, checks |
//! | [`http`] | civitas-http | the services' shared HTTP plumbing |
//! | [`render`] | civitas-render | printable certificates (SVG, PDF, PNG) |
//! | [`verifier`] | civitas-verifier | the verifier: trust lists, status, bundles, verdicts |
//! | [`issuer`] | civitas-issuer | the issuance service: registry, signing, status, audit |
//! | [`infohighway`] | civitas-infohighway | ingestion of registry records from files and feeds |
//! | [`wallet`] | civitas-wallet | the citizen's encrypted safe and selective sharing |
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use civitas_core as core;
pub use civitas_http as http;
pub use civitas_infohighway as infohighway;
pub use civitas_issuer as issuer;
pub use civitas_jsonld as jsonld;
pub use civitas_keys as keys;
pub use civitas_qr as qr;
pub use civitas_render as render;
pub use civitas_status as status;
pub use civitas_verifier as verifier;
pub use civitas_wallet as wallet;
