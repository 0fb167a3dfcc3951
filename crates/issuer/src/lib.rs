#![doc = include_str!("../README.md")]
//!
//! civitas-issuer: the service a civil status office runs. It turns registry records (birth and
//! marriage certificates) into signed W3C Verifiable Credentials, keeps a durable registry of
//! what it issued, revokes and suspends through W3C Bitstring Status Lists that it re-signs and
//! publishes within a second, writes a hash-chained audit log, rotates keys without breaking
//! old credentials, and serves the W3C VC-API over HTTPS.
//!
//! - [`Issuer`] is the authority: [`Issuer::open`] initialises a data directory on first run
//!   (key sealed under a passphrase, DID, admin token) and reuses it afterwards;
//!   [`Issuer::issue`], [`Issuer::issue_credential`] (VC-API) and [`Issuer::issue_batch`]
//!   return only once the credential is on disk; [`Issuer::revoke`], [`Issuer::suspend`],
//!   [`Issuer::reinstate`] return once the list is re-signed; [`Issuer::rotate_key`].
//! - [`store`]: the [`RegistryStore`](store::RegistryStore) trait and its sled implementation.
//! - [`commit`]: the single writer with group commit (one flush per group of requests).
//! - [`status`]: status entry allocation and the list publisher.
//! - [`audit`]: the hash chain and its verification.
//! - [`keystore`]: sealed key files, the key history, the did:web document.
//! - [`tokens`]: bearer tokens (stored hashed) and their actions.
//! - [`http`]: the axum/rustls server; [`launch`]: open + bind + banner in one call.
//!
//! SPEC.md §12 (at the repository root) describes the HTTP API, the store layout, the
//! durability and crash semantics, the audit format and the key files.
//!
//! # Issue, revoke, verify
//!
//! ```
//! # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
//! use civitas_core::{model::{DocumentType, sample}, verify::{DocumentCheck, VerifyOptions}, report::Verdict};
//! use civitas_keys::sealed::KdfParams;
//! use civitas_issuer::{Document, Issuer, IssuerConfig, IssueRequest, DidMethod, PassphraseSource};
//!
//! let dir = tempfile::tempdir()?;
//! let config = IssuerConfig::new(dir.path(), "https://registry.gov.example")
//!     .did_method(DidMethod::Key) // did:web needs its document pinned by verifiers
//!     .passphrase(PassphraseSource::Value("correct horse".to_owned().into()))
//!     .kdf(KdfParams::testing());
//! let (issuer, opened) = Issuer::open(config).await?;
//! assert!(opened.initialized && opened.admin_token.is_some());
//!
//! // A birth record from the civil register becomes a signed credential, durably recorded.
//! // Its type is a document profile (civitas-profile); the record is checked against it.
//! let birth = DocumentType::named("birth")?;
//! let record = Document::new(birth.clone(), sample(&birth).unwrap())?;
//! let request = IssueRequest::new(record).source("PW/B/2024/001234");
//! let issued = issuer.issue(request.clone(), "registrar").await?;
//! let report = DocumentCheck::default()
//!     .verify(issued.credential.as_bytes(), &VerifyOptions::default()).await;
//! assert_eq!(report.verdict, Verdict::Valid, "{report}");
//!
//! // The same source record again: the same credential (idempotency).
//! let again = issuer.issue(request, "registrar").await?;
//! assert_eq!(again.credential_id, issued.credential_id);
//!
//! // Revocation re-signs and publishes the revocation list before returning.
//! let change = issuer.revoke(&issued.credential_id, Some("registered in error"), "registrar").await?;
//! assert!(change.revoked && change.published);
//! assert!(issuer.verify_audit()?.is_ok());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod audit;
pub mod commit;
pub mod config;
pub mod error;
mod fsutil;
pub mod http;
pub mod issue;
pub mod issuer;
pub mod jcs;
pub mod keystore;
pub mod launch;
mod locks;
mod printable;
mod rotation;
pub mod status;
pub mod store;
pub mod tokens;

pub use commit::StatusAction;
pub use config::{DidMethod, IssuerConfig, Oid4vciConfig, PassphraseSource, TlsConfig};
pub use error::IssuerError;
pub use issue::{CredentialRequest, Document, IssueOutcome, IssueRequest, Issued};
pub use issuer::{
    Issuer, IssuerBuilder, Offer, Opened, StatusChange, WALLET_ACTOR, hsm_file, parse_hsm_config,
    read_hsm_config,
};
pub use tokens::Action;
