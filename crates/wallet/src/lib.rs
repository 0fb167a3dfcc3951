#![doc = include_str!("../README.md")]
//!
//! # The crate
//!
//! A [`Wallet`] is a sled database in a directory of its own. Every record — documents, holder
//! keys, the consent log — is sealed with XChaCha20-Poly1305 under a key derived from the
//! holder's passphrase with Argon2id (`civitas_keys::sealed`); record keys are random ids. The
//! only record in the clear is the header: format version, Argon2id parameters, salt and a check
//! tag, so that a wrong passphrase is a clear error that changes nothing.
//!
//! - **holder keys**: `did:key` Ed25519 (or P-256) keys generated inside the wallet;
//! - **documents**: imported from Data Integrity JSON, a `vc+jwt`, or the `CV1:` QR text of a
//!   paper certificate, each verified first by a caller-configured
//!   [`civitas_verifier::Verifier`] and refused with its report if not valid; listed, searched
//!   (type, issuer, subject name), shown, deleted, re-verified;
//! - **sharing**: a presentation for a verifier's challenge and domain, signed by the holder key
//!   (proof purpose `authentication`) — or, for a document imported from a QR code, its QR text;
//!   every share goes to the consent log first;
//! - **receiving** ([`Wallet::receive`]): a credential from an issuer through OpenID4VCI 1.0
//!   (pre-authorized code flow, over HTTPS), bound to a holder key by a key proof, verified like
//!   an import, its subject checked to be that holder, then stored and logged;
//! - **passphrase change** re-encrypts everything in one transaction; **backup** is one sealed
//!   file that [`Wallet::restore`] turns into an identical wallet elsewhere.
//!
//! The formats are specified in SPEC.md §16.
//!
//! # A birth certificate in, a presentation out
//!
//! ```
//! use civitas_jsonld::contexts::ContextLoader;
//! use civitas_core::{credential::CredentialBuilder, data_integrity::ProofOptions, model::{DocumentType, sample}, report::Verdict, secure::{Securing, secure_credential}};
//! use civitas_keys::{keys::{KeyAlgorithm, KeyPair}, sealed::KdfParams, signer::LocalSigner};
//! use civitas_verifier::{Verifier, VerifyOptions};
//! use civitas_wallet::{ImportOptions, ShareRequest, Wallet};
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let dir = tempfile::tempdir()?;
//! let wallet = Wallet::create(&dir.path().join("wallet"), b"my passphrase", KdfParams::testing())?;
//! let holder = wallet.holder_keys()?[0].did.clone();
//!
//! // The civil status office issues the child's birth certificate to the wallet's DID.
//! let office = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
//! let birth = DocumentType::named("BirthCertificate")?;
//! let mut record = sample(&birth).ok_or("the birth certificate profile has a sample")?;
//! record["id"] = holder.into();
//! let unsigned = CredentialBuilder::new(office.controller()).document(&birth, record).build()?;
//! let signed = secure_credential(unsigned.json(), &office, Securing::DataIntegrity,
//!     &ProofOptions::default(), &ContextLoader::bundled()).await?;
//!
//! // Verified, then stored.
//! let verifier = Verifier::builder().trust_any_issuer().build().await?;
//! let doc = wallet.import(signed.as_bytes(), &verifier, &ImportOptions::default()).await?;
//!
//! // The bank asks for it with a challenge; the holder consents.
//! let shared = wallet.present(&ShareRequest {
//!     documents: vec![doc.id.clone()],
//!     challenge: "4f7c2a".into(),
//!     domain: "https://bank.example".into(),
//!     recipient: Some("Bank".into()),
//!     holder: None,
//! }).await?;
//! let options = VerifyOptions { challenge: Some("4f7c2a".into()),
//!     domain: Some("https://bank.example".into()), ..Default::default() };
//! let report = verifier.verify(shared.payload.as_bytes(), &options).await;
//! assert_eq!(report.verdict, Verdict::Valid, "{report}");
//! assert_eq!(wallet.consent_log()?.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod backup;
pub mod consent;
pub mod disclose;
pub mod document;
pub mod error;
pub mod header;
pub mod holder;
pub mod receive;
pub mod respond;
pub mod share;
mod store;
mod wallet;

pub use consent::{ConsentEntry, Receipt, ShareForm, SharedDocument};
pub use disclose::DisclosureRequest;
pub use document::{DocumentFormat, Query, StoredDocument, Verification};
pub use error::{BackupProblem, DatabaseFailure, PassphraseProblem, UnreadableInput, WalletError};
pub use holder::HolderKey;
pub use receive::{ReceiveError, ReceiveOptions, ReceiveStage, Received};
pub use respond::{
    PreparedQuery, PreparedResponse, RespondError, RespondOptions, RespondStage, Responded,
};
pub use share::{ShareRequest, Shared};
pub use wallet::{ImportOptions, Wallet};
