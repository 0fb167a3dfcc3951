#![doc = include_str!("../README.md")]
//!
//! civitas-core: a civil-registry document as a W3C Verifiable Credential (Data Model 2.0, and
//! 1.1 for interoperability): the typed model of birth and marriage certificates and its
//! builders, the bundled JSON Schemas, credentials and presentations as checked JSON documents,
//! their proofs (Data Integrity `eddsa-rdfc-2022` / `ecdsa-rdfc-2019`, and `vc+jwt`), and the
//! **trust-less document check** that reports every check on its own.
//!
//! It stands on civitas-jsonld (JSON-LD expansion, RDFC-1.0, bundled contexts, the strict JSON
//! reader) and civitas-keys (keys, DIDs, the resolver, the `Signer` trait). The CV1 QR form is
//! civitas-qr. Nothing here touches the network: contexts are bundled, `did:key` is computed
//! and every other identifier resolves from documents pinned by the caller.
//!
//! # Verifying: two layers
//!
//! - **`civitas_verifier::Verifier` is the verifier.** It decides whether to accept a document:
//!   it reads any input (Data Integrity JSON, `vc+jwt`, the QR text or a photo of it, a
//!   presentation), runs the document check below, and adds what a deployment decides — the
//!   issuer is on a signed trust list for this document type, the document is neither revoked nor
//!   suspended (status lists, offline bundles, opt-in online mode).
//! - **[`verify::DocumentCheck`] is the trust-less layer under it.** It checks the document
//!   itself: structure, schema, signature against the key its issuer id names, validity dates (for
//!   presentations also challenge, domain, holder). It does **not** check whether the issuer is
//!   trusted or the document's status: a credential anyone signs with their own `did:key` is
//!   VALID to it, and its report says that trust was not checked
//!   ([`report::Report::trust_checked`]). Use it to check what you sign, or as the base of
//!   your own policies ([`verify::CredentialPolicy`]).
//!
//! # Issue a birth certificate, and check the document
//!
//! ```
//! use civitas_jsonld::contexts::ContextLoader;
//! use civitas_core::{credential::CredentialBuilder, data_integrity::ProofOptions, model::{DocumentType, sample}, report::Verdict, secure::{Securing, secure_credential}, verify::{DocumentCheck, VerifyOptions}};
//! use civitas_keys::{keys::{KeyAlgorithm, KeyPair}, signer::LocalSigner};
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! // The civil status office's key, here as a did:key.
//! let signer = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
//! let issuer = signer.controller().to_owned();
//!
//! // A birth record (here the profile's sample) becomes an unsigned credential, checked
//! // against its profile's fields, rules and schema...
//! let birth = DocumentType::named("BirthCertificate")?;
//! let record = sample(&birth).expect("the birth certificate profile has a sample");
//! let credential = CredentialBuilder::new(&issuer)
//!     .document(&birth, record)
//!     .build()?;
//! // ... and is signed with eddsa-rdfc-2022.
//! let loader = ContextLoader::bundled();
//! let signed = secure_credential(credential.json(), &signer, Securing::DataIntegrity,
//!     &ProofOptions::default(), &loader).await?;
//!
//! // The trust-less document check: intact, well-formed, signed by its issuer's key, in date.
//! let report = DocumentCheck::default().verify(signed.as_bytes(), &VerifyOptions::default()).await;
//! assert_eq!(report.verdict, Verdict::Valid, "{report}");
//! // It says nothing about whether this issuer may issue birth certificates (any did:key can
//! // sign): a bank or a border post verifies with civitas_verifier::Verifier and a trust list.
//! assert!(!report.trust_checked());
//! assert!(report.to_string().contains("not checked: whether the issuer is trusted"));
//!
//! // Change one letter and it fails, with the reason.
//! let forged = signed.replace("Marie-Claire", "Marie-Claude");
//! let report = DocumentCheck::default().verify(forged.as_bytes(), &VerifyOptions::default()).await;
//! assert_eq!(report.verdict, Verdict::Invalid);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod credential;
pub mod data_integrity;
pub mod data_model;
pub mod io;
pub mod jwt;
pub mod model;
/// Document profiles: a document type as data (civitas-profile, re-exported).
pub use civitas_profile as profile;
pub mod report;
pub mod schema;
pub mod secure;
pub mod self_check;
pub mod verify;
