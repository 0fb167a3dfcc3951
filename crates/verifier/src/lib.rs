#![doc = include_str!("../README.md")]
//!
//! # The crate
//!
//! **[`Verifier`] is the verifier**: the one entry point to decide whether to accept a document.
//! Under it runs civitas-core's trust-less
//! [`DocumentCheck`](civitas_core::verify::DocumentCheck), which decides what the document alone
//! can tell (syntax, signature, the key belongs to the issuer, validity period, schema; for
//! presentations the challenge, domain, holder and every credential inside) and says VALID for a
//! well-signed credential from any key. This crate adds what a deployment decides:
//!
//! - **trust** — a signed [trust list](trust) from a trust anchor the verifier is configured
//!   with names each trusted issuer, its pinned DID document, the document types it may issue,
//!   the profiles it issues them under (pinned by digest, with their contexts:
//!   [`PinnedProfile`](trust::PinnedProfile)) and the signing windows of its rotated keys
//!   ([`TrustPolicy`](policy::TrustPolicy));
//! - **status** — revocation and suspension from snapshots of the issuers' signed status lists
//!   (civitas-status' [`StatusPolicy`](civitas_status::policy::StatusPolicy)); a snapshot older
//!   than the configured maximum age makes the verdict *indeterminate*, never *valid*;
//! - **the offline [bundle]** — one file with the trust list, the status snapshots, the
//!   contexts and the document profiles civitas does not ship (learnt only when the trust list
//!   pins them): a verifier loaded from it never touches the network;
//! - **[online mode](online)** (opt-in) — status lists and `did:web` documents fetched over HTTPS
//!   with timeouts, size limits and an HTTP cache;
//! - **[HTTP](http)** (feature `server`) — the VC-API `POST /credentials/verify` and
//!   `/presentations/verify`;
//! - **[summaries](summary)** a clerk can read.
//!
//! [`Verifier::verify`] takes the bytes of a credential (Data Integrity JSON, `vc+jwt`, the
//! compact QR text or — with the feature `photo` — a photo of its QR code) or a presentation,
//! reads them once into a [`Document`], and returns a civitas-core [`Report`] with every check
//! and what the document is; [`Verifier::summarize`] explains that report from the report alone.
//!
//! # Example: an offline check at a bank counter
//!
//! ```
//! use civitas_jsonld::contexts::ContextLoader;
//! use civitas_core::{credential::CredentialBuilder, data_integrity::ProofOptions, model::{DocumentType, sample}, report::Verdict, secure::{Securing, secure_credential}};
//! use civitas_keys::{keys::{KeyAlgorithm, KeyPair}, signer::LocalSigner};
//! use civitas_status::{allocator::{Allocator, AllocatorConfig}, entry::StatusPurpose,
//!     list::{PublishOptions, StatusList}};
//! use civitas_verifier::{Verifier, VerifyOptions, bundle::BundleBuilder,
//!     trust::{TrustAnchor, TrustList, TrustListSigning, TrustedIssuer}};
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let loader = ContextLoader::bundled();
//! // The ministry (trust anchor) and a civil status office (issuer).
//! let ministry = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
//! let office = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
//!
//! // The office issues a birth certificate with a revocation entry, and publishes the list.
//! let mut allocator = Allocator::new(AllocatorConfig::new(
//!     "https://registry.gov.example/status/revocation", StatusPurpose::Revocation))?;
//! let allocation = allocator.allocate()?;
//! let birth = DocumentType::named("BirthCertificate")?;
//! let record = sample(&birth).ok_or("the birth certificate profile has a sample")?;
//! let credential = CredentialBuilder::new(office.controller())
//!     .document(&birth, record)
//!     .status(allocation.entry().to_json())
//!     .build()?;
//! let signed = secure_credential(credential.json(), &office, Securing::DataIntegrity,
//!     &ProofOptions::default(), &loader).await?;
//! let list = StatusList::for_allocation(&allocation)?
//!     .sign(&PublishOptions::new(office.controller()), &office, &ProofOptions::default(), &loader)
//!     .await?;
//!
//! // The ministry vouches for the office, for birth certificates only.
//! let mut trust = TrustList::new("Civil registry trust list");
//! trust.add(TrustedIssuer::new(office.controller(), ["BirthCertificate"]).named("Civil Status Office, Rose Hill"))?;
//! let trust = trust.sign(&ministry, &TrustListSigning::default()).await?;
//!
//! // Nightly: a bundle for the counters. At the counter: verify, offline.
//! let anchors = vec![TrustAnchor::did(ministry.controller())];
//! let bundle = BundleBuilder::new(anchors.clone())
//!     .trust_list(trust)
//!     .status_list(serde_json::to_vec(&list)?, chrono::Utc::now())
//!     .build()
//!     .await?;
//! let verifier = Verifier::from_bundle(&bundle, anchors, std::time::Duration::from_secs(86_400)).await?;
//! let report = verifier.verify(signed.as_bytes(), &VerifyOptions::default()).await;
//! assert_eq!(report.verdict, Verdict::Valid, "{report}");
//! let summary = verifier.summarize(&report).to_string();
//! assert!(summary.starts_with("VALID — Birth certificate of Marie-Claire Lebon"), "{summary}");
//! assert!(summary.lines().next().unwrap().ends_with("issued by Civil Status Office, Rose Hill"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod bundle;
pub mod document;
pub mod error;
#[cfg(feature = "server")]
pub mod http;
#[cfg(feature = "server")]
pub mod oid4vp;
pub mod online;
pub mod policy;
pub mod sd_jwt;
pub mod summary;
pub mod trust;
mod verifier;

pub use civitas_core::report::{Report, Verdict};
pub use civitas_core::verify::VerifyOptions;
pub use document::{Document, InputFormat, ReadError};
pub use verifier::{DEFAULT_MAX_STATUS_AGE, Mode, Verifier, VerifierBuilder};
