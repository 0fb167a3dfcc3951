#![doc = include_str!("../README.md")]
//!
//! civitas-status: revocation and suspension of civitas documents with
//! [W3C Bitstring Status Lists v1.0](https://www.w3.org/TR/vc-bitstring-status-list/).
//!
//! Every document civitas issues carries a revocation entry and a suspension entry
//! ([`BitstringStatusListEntry`](entry::BitstringStatusListEntry)) pointing at one index of a
//! status list: a bitstring of at least 131,072 entries, published by the issuer as a signed
//! [`BitstringStatusListCredential`](credential::BitstringStatusListCredential). A verifier
//! fetches the list once for many documents, so it learns nothing about which document it is
//! checking (herd privacy).
//!
//! For issuers:
//! - [`allocator`]: hands out indices at random among the unused ones, never twice, opening a
//!   new list when one is full; its state is serialisable (read the persistence contract there).
//! - [`list`]: the issuer's copy of a list: revoke (final), suspend and lift, multi-bit message
//!   status, a version that says when it must be signed and published again, and signing
//!   through civitas-core.
//!
//! For verifiers:
//! - [`verify`]: verify a status list credential once (signature, and the key is its issuer's);
//!   lookups are then bit reads.
//! - [`cache`]: verified lists by URL, answering fresh, stale or missing (`ttl`, `validUntil`,
//!   the caller's maximum ages).
//! - [`policy`]: [`StatusPolicy`](policy::StatusPolicy), the
//!   [`CredentialPolicy`](civitas_core::verify::CredentialPolicy) that adds the revocation and
//!   suspension checks to civitas reports. A stale or missing list is *indeterminate*, never
//!   "not revoked"; the list must be the credential issuer's and of the entry's purpose.
//!
//! Underneath: [`bitstring`] (the bits and their `encodedList` form, with the decompression cap
//! [`MAX_DECODED_LIST_BYTES`](bitstring::MAX_DECODED_LIST_BYTES) = 16 MiB), [`entry`],
//! [`credential`], [`check`] (a credential's entries against the cache, as report outcomes),
//! [`inspect`] (a summary of a list for people) and [`error`].
//!
//! # Example
//!
//! An issuer allocates entries, revokes one and signs the list; a verifier checks the list once
//! and then answers from the cache.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use std::sync::Arc;
//! use civitas_jsonld::contexts::ContextLoader;
//! use civitas_core::data_integrity::ProofOptions;
//! use civitas_keys::keys::{KeyAlgorithm, KeyPair};
//! use civitas_keys::signer::LocalSigner;
//! use civitas_core::verify::DocumentCheck;
//! use civitas_status::allocator::{Allocator, AllocatorConfig};
//! use civitas_status::cache::{CacheLookup, FreshnessPolicy, StatusListCache};
//! use civitas_status::entry::StatusPurpose;
//! use civitas_status::list::{PublishOptions, StatusList};
//!
//! // Issuer: an Ed25519 did:key, one revocation list.
//! let signer = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
//! let issuer = signer.controller().to_owned();
//! let mut allocator = Allocator::new(AllocatorConfig::new(
//!     "https://registry.gov.example/status/revocation", StatusPurpose::Revocation)).unwrap();
//! let allocation = allocator.allocate().unwrap(); // store allocator.state() first if must_persist
//! let entry = allocation.entry();                 // goes into the credential's credentialStatus
//! let mut list = StatusList::for_allocation(&allocation).unwrap();
//! list.revoke(entry.index).unwrap();
//! let signed = list
//!     .sign(&PublishOptions::new(&issuer), &signer, &ProofOptions::default(), &ContextLoader::bundled())
//!     .await
//!     .unwrap();
//! assert!(!list.is_dirty());
//!
//! // Verifier: verify once, then look up.
//! let cache = StatusListCache::new();
//! let now = chrono::Utc::now();
//! let bytes = serde_json::to_vec(&signed).unwrap();
//! cache.load(&bytes, &DocumentCheck::default(), now).await.unwrap();
//! let CacheLookup::Fresh(verified) = cache.lookup(&entry.list_credential, now, &FreshnessPolicy::online()) else {
//!     panic!("just loaded");
//! };
//! assert_eq!(verified.status_for(&entry, &issuer).unwrap(), 1); // revoked
//! # });
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod allocator;
pub mod bitstring;
pub mod cache;
pub mod check;
pub mod credential;
pub mod entry;
pub mod error;
pub mod inspect;
pub mod list;
mod permutation;
pub mod policy;
pub mod verify;

pub use allocator::{Allocation, Allocator, AllocatorConfig, AllocatorState};
pub use bitstring::{Bitstring, MAX_DECODED_LIST_BYTES, MIN_ENTRIES, StatusSize};
pub use cache::{CacheLookup, FreshnessPolicy, StatusListCache};
pub use check::CredentialStatus;
pub use credential::BitstringStatusListCredential;
pub use entry::{BitstringStatusListEntry, StatusPurpose};
pub use error::{EncodedListError, StatusError};
pub use list::{PublishOptions, StatusList};
pub use policy::StatusPolicy;
pub use verify::{VerifiedStatusList, verify_status_list};
