//! civitas-core: a civil-registry document as a W3C Verifiable Credential (Data Model 2.0, and
//! 1.1 for interoperability): the typed model of birth and marriage certificates and its
//! builders, the bundled JSON Schemas, credentials and presentations as checked JSON documents,
//! their proofs (Data Integrity `eddsa-rdfc-2022` / `ecdsa-rdfc-2019`, and `vc+jwt`), and the
//! **trust-less** document check that reports every check on its own.
//!
//! It stands on civitas-jsonld (JSON-LD expansion, RDFC-1.0, bundled contexts, the strict JSON
//! reader) and civitas-keys (keys, DIDs, the resolver, the `Signer` trait). The CV1 QR form is
//! civitas-qr; deciding whether an issuer is trusted, and revocation, are civitas-verifier's and
//! civitas-status' jobs. Nothing here touches the network.
//!
//! # Issue and verify a birth certificate
//!
//! ```
//! use civitas_core::{
//!     credential::CredentialBuilder, data_integrity::ProofOptions, model::samples,
//!     report::Verdict, secure::{Securing, secure_credential}, verify::{Checker, VerifyOptions},
//! };
//! use civitas_jsonld::contexts::ContextLoader;
//! use civitas_keys::{keys::{KeyAlgorithm, KeyPair}, signer::LocalSigner};
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

pub mod credential;
pub mod data_integrity;
pub mod io;
pub mod jwt;
pub mod model;
pub mod report;
pub mod schema;
pub mod secure;
pub mod self_check;
pub mod verify;
