//! civitas-core: the foundation of civitas. Civil-registry documents (birth and marriage
//! certificates) as W3C Verifiable Credentials (Data Model 2.0, and 1.1 for interoperability):
//! the typed model and its builders, the bundled JSON-LD contexts and JSON Schemas, keys and
//! DIDs, signing with Data Integrity (`eddsa-rdfc-2022`, `ecdsa-rdfc-2019`) or `vc+jwt`, and
//! verification that reports every check on its own.
//!
//! Nothing here touches the network: contexts are bundled, `did:key` is computed and every other
//! identifier resolves from documents pinned by the caller.
//!
//! # Issue and verify a birth certificate
//!
//! ```
//! use civitas_core::{
//!     contexts::ContextLoader, credential::CredentialBuilder, data_integrity::ProofOptions,
//!     keys::{KeyAlgorithm, KeyPair}, model::samples, report::Verdict,
//!     secure::{Securing, secure_credential}, signer::LocalSigner,
//!     verify::{Checker, VerifyOptions},
//! };
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! // The civil status office's key, here as a did:key.
//! let signer = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
//! let issuer = signer.controller().to_owned();
//!
//! // A birth record becomes an unsigned credential (checked against its rules and schema)...
//! let credential = CredentialBuilder::new(&issuer)
//!     .document(&samples::birth_certificate())
//!     .build()?;
//! // ... and is signed with eddsa-rdfc-2022.
//! let loader = ContextLoader::bundled();
//! let signed = secure_credential(credential.json(), &signer, Securing::DataIntegrity,
//!     &ProofOptions::default(), &loader).await?;
//!
//! // Anyone can verify it offline.
//! let report = Checker::default().verify(signed.as_bytes(), &VerifyOptions::default()).await;
//! assert_eq!(report.verdict, Verdict::Valid, "{report}");
//!
//! // Change one letter and it fails, with the reason.
//! let forged = signed.replace("Marie-Claire", "Marie-Claude");
//! let report = Checker::default().verify(forged.as_bytes(), &VerifyOptions::default()).await;
//! assert_eq!(report.verdict, Verdict::Invalid);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod canon;
pub mod compact;
pub mod contexts;
pub mod credential;
pub mod data_integrity;
pub mod did;
pub mod encoding;
pub mod io;
pub mod json;
pub mod jwt;
pub mod keys;
mod member;
pub mod model;
pub mod report;
pub mod resolver;
pub mod schema;
pub mod sealed;
pub mod secure;
pub mod self_check;
pub mod signer;
pub mod verify;
