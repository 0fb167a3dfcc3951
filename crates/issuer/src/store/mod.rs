//! The registry store: what the issuer must not forget, behind the small [`RegistryStore`]
//! trait: [`SledStore`] is the embedded default, [`PgStore`] keeps it in PostgreSQL; where it
//! lives is a [`StoreLocation`] ([`open_store`]).
//!
//! Writes come in two kinds:
//! - [`RegistryStore::apply`] applies a [`WriteBatch`] atomically (all of it or none of it after
//!   a crash). The issuer's single writer (the committer) applies one batch per group of
//!   requests and then calls [`RegistryStore::flush`]; nothing is acknowledged before the flush
//!   returns.
//! - [`RegistryStore::put_allocator_state`] and [`RegistryStore::put_status_list`] /
//!   [`RegistryStore::put_published`] write outside batches: allocator leases (written before
//!   the leased indices are used, and made durable by the next flush, before anything using
//!   them is acknowledged), new empty lists, and signed lists (which can always be signed again).
//!
//! The store also keeps, per source record, the highest version issued
//! ([`Write::SourceVersion`], [`RegistryStore::source_version`]): the ingestion's version
//! ledger, written in the same batch as the issuance, so that no crash can separate the two.

mod copy;
mod exchange;
mod location;
mod postgres;
mod sessions;
mod sled_exchange;
mod sled_store;

pub use copy::{CopyReport, copy_registry};
pub use exchange::{ExchangeStore, MemoryExchangeStore, StoredOffer};
pub(crate) use location::remember;
pub use location::{PASSWORD_ENV, StoreLocation, parse_store_file, recall, redact, store_file};
pub use postgres::PgStore;
pub use sessions::{SessionStore, StoredSession};
pub use sled_store::SledStore;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use civitas_core::secure::Securing;
use civitas_status::{AllocatorState, StatusList, StatusPurpose};
use serde::{Deserialize, Serialize};

use crate::audit::AuditEntry;
use crate::error::IssuerError;
use crate::keystore::KeyRecord;
use crate::tokens::TokenRecord;

/// What the issuer is, fixed when its data directory is initialised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuerMeta {
    /// Registry format version.
    pub format: u32,
    /// The issuer's DID.
    pub did: String,
    /// The public base URL.
    pub base_url: String,
    /// `web` or `key`.
    pub did_method: crate::config::DidMethod,
    /// When it was initialised.
    pub created: DateTime<Utc>,
}

/// Where one of a credential's status entries points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusRef {
    /// The list URL (`statusListCredential`).
    pub list: String,
    /// The list number.
    pub list_number: u64,
    /// The index (`statusListIndex`).
    pub index: u64,
}

/// What the registry keeps about an issued credential (its metadata; the signed credential
/// itself is kept beside it, see [`RegistryStore::credential_text`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialRecord {
    /// The credential id (`urn:uuid:…`).
    pub id: String,
    /// The credential's `type` values.
    pub types: Vec<String>,
    /// SHA-256 (hex) of the canonical JSON of its `credentialSubject`.
    pub subject_digest: String,
    /// The source record it was issued from, if the caller named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_record_id: Option<String>,
    /// The revocation entry.
    pub revocation: StatusRef,
    /// The suspension entry.
    pub suspension: StatusRef,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// Who asked (token name).
    pub issued_by: String,
    /// The verification method that signed it.
    pub verification_method: String,
    /// How it is secured.
    pub securing: Securing,
    /// When it was revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
    /// How many times the record was changed after it was issued: several issuer instances
    /// writing one registry change a record only from the revision they read (SPEC.md §21.9).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub revision: u64,
    /// Whether it is suspended now.
    #[serde(default)]
    pub suspended: bool,
    /// The credential that superseded it (same source record, newer content).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<String>,
    /// The credential carries no status entry (a VC 1.1 credential: Bitstring Status List
    /// entries belong in VC 2.0 credentials). Its two positions are reserved like any other's
    /// but say nothing about it, and its status cannot be changed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub without_status: bool,
    /// The `message` entry, when the issuer gives its VC-API credentials one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<StatusRef>,
    /// For a holder-bound copy (issued through OpenID4VCI): the record it copies. Revoking,
    /// suspending or reinstating that record does the same to this copy, in the same commit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_of: Option<String>,
    /// For a holder-bound copy: the holder's DID, its subject `id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
    /// The holder-bound copies of this record, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub copies: Vec<String>,
    /// For a holder-bound copy: the holder received it as an SD-JWT VC, whose `status` names
    /// the Token Status List derived from this copy's revocation list (SPEC.md §12.12).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sd_jwt: bool,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl CredentialRecord {
    /// The status ref of `purpose` (revocation, suspension or message).
    pub fn status_ref(&self, purpose: StatusPurpose) -> Option<&StatusRef> {
        match purpose {
            StatusPurpose::Revocation => Some(&self.revocation),
            StatusPurpose::Suspension => Some(&self.suspension),
            StatusPurpose::Message => self.message.as_ref(),
            StatusPurpose::Refresh => None,
        }
    }
}

/// A signed status list credential as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishedList {
    /// The list URL.
    pub url: String,
    /// The list version that was signed.
    pub version: u64,
    /// The signed credential (JSON text, as served).
    pub body: String,
    /// The strong ETag (with quotes).
    pub etag: String,
    /// When it was signed.
    pub signed_at: DateTime<Utc>,
}

/// One write of a [`WriteBatch`].
#[derive(Debug, Clone)]
pub enum Write {
    /// The issuer's identity.
    Meta(IssuerMeta),
    /// A credential record (new or updated).
    Credential(Box<CredentialRecord>),
    /// The signed credential text of a new credential.
    CredentialText {
        /// Its id.
        id: String,
        /// The text (JSON, or a compact JWS).
        text: String,
    },
    /// The source record index: source record id → latest credential id.
    Source {
        /// The source record id.
        source_record_id: String,
        /// The credential id.
        credential_id: String,
        /// The credential the index named when the issuance was decided (`None`: none). A
        /// store shared by several instances refuses the batch when the index names another
        /// one by now ([`UnavailableReason::ConcurrentChange`](crate::error::UnavailableReason::ConcurrentChange)).
        replaces: Option<String>,
    },
    /// The highest version of a source record issued (the ingestion's version ledger). The
    /// issuer writes it only when it is higher than the one recorded (see
    /// [`compare_versions`]), in the same batch as the issuance it belongs to.
    SourceVersion {
        /// The source record id.
        source_record_id: String,
        /// Its version, as the source gives it (a number or an ISO 8601 timestamp).
        version: String,
    },
    /// A status list (its bits), written whole: by the only writer of an exclusive store.
    StatusList(Box<StatusList>),
    /// One status entry set to `value` in the list at `url` as the store has it: how a writer
    /// of a shared store changes bits, so that changes made by other instances stay.
    StatusEntry {
        /// The list URL.
        url: String,
        /// The entry's index.
        index: u64,
        /// Its new value.
        value: u8,
    },
    /// An audit entry.
    Audit(AuditEntry),
    /// A key record (new, or retired).
    Key(KeyRecord),
    /// A token.
    Token(TokenRecord),
    /// The number of credentials issued (a registry copied as it is).
    CredentialCount(u64),
    /// This many more credentials were issued (added to the stored number).
    CredentialsIssued(u64),
}

/// Writes applied atomically.
#[derive(Debug, Clone, Default)]
pub struct WriteBatch {
    /// The writes, in order.
    pub writes: Vec<Write>,
}

impl WriteBatch {
    /// Adds a write.
    pub fn push(&mut self, write: Write) {
        self.writes.push(write);
    }

    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }
}

/// Compares two source record versions: as numbers when both are whole numbers, otherwise as
/// text (ISO 8601 timestamps compare correctly as text). Versions recorded in the store only
/// grow by this order.
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<u128>(), b.parse::<u128>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

/// How often, and how far apart, a store tries to take its registry's lock when opening (sled's
/// directory lock, PostgreSQL's advisory lock): a process that has just closed the registry
/// releases it a moment later.
pub(crate) const LOCK_ATTEMPTS: u32 = 20;
pub(crate) const LOCK_RETRY: std::time::Duration = std::time::Duration::from_millis(100);

/// Opens the registry `location` names for the data directory `data_dir`: the sled database in
/// `<data dir>/registry`, or the PostgreSQL database at the URL.
pub fn open_store(
    data_dir: &std::path::Path,
    location: &StoreLocation,
) -> Result<Arc<dyn RegistryStore>, IssuerError> {
    Ok(match location {
        StoreLocation::Sled => Arc::new(SledStore::open(&data_dir.join("registry"))?),
        StoreLocation::Postgres { url } => Arc::new(PgStore::connect(url)?),
    })
}

/// Reads every credential record of `store`, in id order, a page at a time.
fn each_credential_page<S: RegistryStore + ?Sized>(
    store: &S,
    mut page_read: impl FnMut(Vec<CredentialRecord>),
) -> Result<(), IssuerError> {
    let mut after: Option<String> = None;
    loop {
        let page = store.credentials(after.as_deref(), 10_000)?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        after = Some(last.id.clone());
        page_read(page);
    }
}

/// Hands every credential record of `store` to `each`, in id order (O(credentials): for
/// tools, tests and an exclusive store's opening, not for requests).
pub fn each_credential(
    store: &dyn RegistryStore,
    mut each: impl FnMut(CredentialRecord),
) -> Result<(), IssuerError> {
    each_credential_page(store, |page| page.into_iter().for_each(&mut each))
}

/// The issuer's durable state.
pub trait RegistryStore: Send + Sync {
    /// Applies `batch` atomically (not yet durable: see [`flush`](Self::flush)).
    fn apply(&self, batch: WriteBatch) -> Result<(), IssuerError>;

    /// Makes every write so far durable; returns when it is on disk.
    fn flush(&self) -> Result<(), IssuerError>;

    /// The issuer's identity, if initialised.
    fn meta(&self) -> Result<Option<IssuerMeta>, IssuerError>;

    /// A credential record.
    fn credential(&self, id: &str) -> Result<Option<CredentialRecord>, IssuerError>;

    /// The signed credential text.
    fn credential_text(&self, id: &str) -> Result<Option<String>, IssuerError>;

    /// The latest credential issued for a source record.
    fn by_source(&self, source_record_id: &str) -> Result<Option<String>, IssuerError>;

    /// The highest version of a source record issued ([`Write::SourceVersion`]), if a version
    /// was ever given for it.
    fn source_version(&self, source_record_id: &str) -> Result<Option<String>, IssuerError>;

    /// Credential records in id order, after `after` (exclusive), at most `limit`.
    fn credentials(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<CredentialRecord>, IssuerError>;

    /// The number of credentials issued.
    fn credential_count(&self) -> Result<u64, IssuerError>;

    /// Every status list.
    fn status_lists(&self) -> Result<Vec<StatusList>, IssuerError>;

    /// Stores a status list outside a batch (a new, empty list).
    fn put_status_list(&self, list: &StatusList) -> Result<(), IssuerError>;

    /// The published (signed) list at `url`.
    fn published(&self, url: &str) -> Result<Option<PublishedList>, IssuerError>;

    /// Stores a signed list.
    fn put_published(&self, list: &PublishedList) -> Result<(), IssuerError>;

    /// The allocator state of `purpose`.
    fn allocator_state(
        &self,
        purpose: StatusPurpose,
    ) -> Result<Option<AllocatorState>, IssuerError>;

    /// Stores the allocator state of `purpose` (before any index of its new lease is used).
    fn put_allocator_state(
        &self,
        purpose: StatusPurpose,
        state: &AllocatorState,
    ) -> Result<(), IssuerError>;

    /// Audit entries with `seq >= from`, in order, at most `limit`.
    fn audit(&self, from: u64, limit: usize) -> Result<Vec<AuditEntry>, IssuerError>;

    /// The last audit entry.
    fn audit_head(&self) -> Result<Option<AuditEntry>, IssuerError>;

    /// The key history, oldest first.
    fn keys(&self) -> Result<Vec<KeyRecord>, IssuerError>;

    /// A token by its hash.
    fn token(&self, hash: &str) -> Result<Option<TokenRecord>, IssuerError>;

    /// Every token record.
    fn tokens(&self) -> Result<Vec<TokenRecord>, IssuerError>;

    /// Whether several issuer instances may write this registry at once ([`PgStore`]). The
    /// issuer then changes status entries one by one ([`Write::StatusEntry`]), takes allocator
    /// leases by compare-and-swap ([`swap_allocator_state`](Self::swap_allocator_state)),
    /// publishes lists only while it holds the publisher lease
    /// ([`lead_publishing`](Self::lead_publishing)) and follows what the others publish
    /// ([`published_since`](Self::published_since)). SPEC.md §21.9.
    fn shared(&self) -> bool {
        false
    }

    /// The status list at `url`, as stored.
    fn status_list(&self, url: &str) -> Result<Option<StatusList>, IssuerError> {
        Ok(self.status_lists()?.into_iter().find(|l| l.url() == url))
    }

    /// Stores the allocator state of `purpose` only if the stored one is still at generation
    /// `previous` (or none is stored): false when another instance took a lease meanwhile.
    fn swap_allocator_state(
        &self,
        purpose: StatusPurpose,
        previous: u64,
        state: &AllocatorState,
    ) -> Result<bool, IssuerError> {
        let _ = previous;
        self.put_allocator_state(purpose, state)?;
        Ok(true)
    }

    /// Whether this instance holds the publisher lease (signs and publishes changed lists).
    /// An exclusive store's only writer always does.
    fn lead_publishing(&self) -> Result<bool, IssuerError> {
        Ok(true)
    }

    /// Gives the publisher lease up (an instance that cannot sign with the current key).
    fn release_publishing(&self) -> Result<(), IssuerError> {
        Ok(())
    }

    /// The lists whose stored version is ahead of the published one (what the publisher of a
    /// shared store signs next).
    fn unpublished_lists(&self) -> Result<Vec<String>, IssuerError> {
        Ok(Vec::new())
    }

    /// The lists published after mark `since` (0: all), and the mark to ask from next time.
    fn published_since(&self, since: u64) -> Result<(Vec<PublishedList>, u64), IssuerError> {
        Ok((Vec::new(), since))
    }

    /// The records of holder-bound copies issued as SD-JWT VCs, issued at `since` or later
    /// (`None`: all), oldest first.
    fn sd_jwt_copies(
        &self,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<CredentialRecord>, IssuerError> {
        let mut found = Vec::new();
        each_credential_page(self, |page| {
            found.extend(
                page.into_iter()
                    .filter(|r| r.sd_jwt && since.is_none_or(|t| r.issued_at >= t)),
            );
        })?;
        found.sort_by_key(|r| r.issued_at);
        Ok(found)
    }

    /// Where the console keeps its sessions when every instance must know them (a shared
    /// registry); `None`: in the console's memory.
    fn session_store(&self) -> Option<Arc<dyn SessionStore>> {
        None
    }

    /// Where OpenID4VCI's pre-authorized codes, access tokens, nonces and offers by reference
    /// live. The default keeps them in memory (lost on restart: outstanding offers must be made
    /// again); [`SledStore`] keeps them in the registry database.
    fn exchange_store(&self) -> Arc<dyn ExchangeStore> {
        Arc::new(MemoryExchangeStore::default())
    }
}
