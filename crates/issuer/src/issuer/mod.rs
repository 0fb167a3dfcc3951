//! [`Issuer`]: the issuing authority. This module holds the issuer itself, reading the
//! registry, tokens and status changes; `open` assembles and opens it ([`IssuerBuilder`]: the
//! store and signer seams, the first run); `pipeline` issues, top to bottom; `versions` reads
//! and records source record versions.

mod hsm;
mod oid4vci;
mod open;
mod pipeline;
mod sd_jwt;
mod status_token;
mod versions;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;

use chrono::{DateTime, Utc};
use civitas_jsonld::contexts::ContextLoader;
use civitas_keys::did::{ControllerDocument, did_key_document};
use civitas_keys::signer::Signer;
use civitas_status::StatusPurpose;
use serde_json::json;
use zeroize::Zeroizing;

use crate::audit::{AuditAction, AuditEntry, AuditEvent, BrokenLink, ChainReport, ChainVerifier};
use crate::commit::{Committer, StatusAction};
use crate::config::{DidMethod, IssuerConfig};
use crate::error::{ConfigError, IssuerError, UnavailableReason};
use crate::keystore::{KeyRecord, did_document};
use crate::locks::KeyedLocks;
use crate::status::{Publisher, SigningContext, StatusBook};
use crate::store::{
    CredentialRecord, IssuerMeta, PublishedList, RegistryStore, StoreLocation, Write,
};
use crate::tokens::{Action, TokenRecord, hash_token, new_token};

pub(crate) use hsm::next_key;
pub use hsm::{hsm_file, parse_hsm_config, read_hsm_config};
pub use oid4vci::{CopyForm, Offer, WALLET_ACTOR};
pub use open::IssuerBuilder;
pub use status_token::{SignedToken, TOKEN_SEGMENT};

/// Registry format version.
pub const REGISTRY_FORMAT: u32 = 1;

/// How long a status change waits for its list to be published before answering anyway.
pub const PUBLISH_WAIT: Duration = Duration::from_secs(5);

/// What opening the issuer did.
#[derive(Debug, Clone)]
pub struct Opened {
    /// The data directory was initialised now (first run).
    pub initialized: bool,
    /// The admin token created on first run (shown once; only its hash is kept).
    pub admin_token: Option<String>,
    /// The passphrase file created on first run, when no passphrase was given.
    pub passphrase_file: Option<PathBuf>,
}

/// The result of a status change.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange {
    /// The credential.
    pub credential_id: String,
    /// Whether anything changed (revoking twice changes nothing).
    pub changed: bool,
    /// Revoked now?
    pub revoked: bool,
    /// Suspended now?
    pub suspended: bool,
    /// The status lists re-signed for this change.
    pub lists: Vec<String>,
    /// Whether they were published before this answer (within [`PUBLISH_WAIT`]).
    pub published: bool,
    /// The registry's record after the change.
    pub record: CredentialRecord,
}

/// The issuing authority: cheap to clone (all clones share one registry).
///
/// Must be opened inside a tokio runtime: it runs a committer task (group commit) and a
/// publisher task (status lists).
#[derive(Clone)]
pub struct Issuer {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("did", &self.inner.meta.did)
            .field("base_url", &self.inner.meta.base_url)
            .finish_non_exhaustive()
    }
}

pub(crate) struct Inner {
    pub(crate) config: IssuerConfig,
    pub(crate) meta: IssuerMeta,
    pub(crate) store: Arc<dyn RegistryStore>,
    pub(crate) loader: ContextLoader,
    pub(crate) signer: RwLock<Arc<dyn Signer>>,
    pub(crate) keys: RwLock<Vec<KeyRecord>>,
    pub(crate) passphrase: Zeroizing<String>,
    pub(crate) book: Arc<Mutex<StatusBook>>,
    pub(crate) publisher: Arc<Publisher>,
    pub(crate) committer: Committer,
    pub(crate) locks: Arc<KeyedLocks>,
    pub(crate) rotation: tokio::sync::Mutex<()>,
    /// Why this instance cannot issue now: the key history's current key, rotated by another
    /// instance of a shared registry, is not one it can open (SPEC.md §21.9).
    pub(crate) key_missing: RwLock<Option<String>>,
    pub(crate) exchange: oid4vci::Exchange,
    pub(crate) tokens: status_token::TokenCache,
    /// The PKCS#11 token holding the signing keys, when the configuration names one.
    pub(crate) hsm: Option<civitas_hsm::HsmToken>,
    closed: Arc<AtomicBool>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.closed.store(true, Ordering::SeqCst);
        self.publisher.wake();
    }
}

fn now_secs() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now)
}

impl Issuer {
    /// Opens the issuer on `config.data_dir` with the defaults: the sled registry in the data
    /// directory and the sealed key files as signer. `Issuer::builder(config).build()` does the
    /// same; the builder takes another [`RegistryStore`] or [`Signer`].
    pub async fn open(config: IssuerConfig) -> Result<(Self, Opened), IssuerError> {
        Self::builder(config).build().await
    }

    /// Starts assembling an issuer on `config`: the store and the signer default to the sled
    /// registry and the key files of the data directory.
    pub fn builder(config: IssuerConfig) -> IssuerBuilder {
        IssuerBuilder {
            config,
            store: None,
            signer: None,
        }
    }
    /// The configuration of an initialised data directory (its base URL and DID method as
    /// recorded at initialisation; every other setting at its default), for tools that open an
    /// existing issuer without being told its identity again.
    pub fn config_of(data_dir: &std::path::Path) -> Result<IssuerConfig, IssuerError> {
        let location = crate::store::recall(data_dir)?.unwrap_or_default();
        if location == StoreLocation::Sled && !data_dir.join("registry").exists() {
            return Err(IssuerError::config(format!(
                "{} is not an issuer data directory (run `civitas issuer init` first)",
                data_dir.display()
            )));
        }
        let meta = crate::store::open_store(data_dir, &location)?
            .meta()?
            .ok_or_else(|| {
                IssuerError::config(format!("{} was never initialised", data_dir.display()))
            })?;
        let mut config = IssuerConfig::new(data_dir, &meta.base_url)
            .did_method(meta.did_method)
            .store(location);
        config.hsm = hsm::recall(data_dir)?;
        Ok(config)
    }

    /// The issuer's DID.
    pub fn did(&self) -> &str {
        &self.inner.meta.did
    }

    /// The public base URL.
    pub fn base_url(&self) -> &str {
        &self.inner.meta.base_url
    }

    /// One of this issuer's document types and its profile, named as a user would (`birth`,
    /// `driving-licence`, `DrivingLicence`); `None` when it is not a type this issuer issues.
    pub fn document_type(
        &self,
        name: &str,
    ) -> Option<(
        civitas_core::model::DocumentType,
        Arc<civitas_core::profile::Known>,
    )> {
        let kind = civitas_core::model::DocumentType::named(name).ok()?;
        if !self.config().document_types.contains(&kind) {
            return None;
        }
        let known = kind.profile()?;
        Some((kind, known))
    }

    /// The configuration it was opened with.
    pub fn config(&self) -> &IssuerConfig {
        &self.inner.config
    }

    /// What the registry says about the issuer.
    pub fn meta(&self) -> &IssuerMeta {
        &self.inner.meta
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn RegistryStore> {
        &self.inner.store
    }

    /// The context loader used for signing.
    pub fn loader(&self) -> &ContextLoader {
        &self.inner.loader
    }

    /// The PKCS#11 token holding the signing keys, if the configuration names one.
    pub(crate) fn hsm_token(&self) -> Option<&civitas_hsm::HsmToken> {
        self.inner.hsm.as_ref()
    }

    /// The passphrase that opens the key files (crate-internal: older keys are opened on demand).
    pub(crate) fn passphrase(&self) -> &str {
        &self.inner.passphrase
    }

    /// The signer of new credentials: the current signer, unless the key history's current
    /// key was rotated by another instance and this one cannot open it (then 503).
    pub(crate) fn issuing_signer(&self) -> Result<Arc<dyn Signer>, IssuerError> {
        match self.inner.key_missing.read().as_deref() {
            Ok(Some(reason)) => Err(IssuerError::Unavailable(UnavailableReason::KeyNotHeld(
                reason.clone(),
            ))),
            _ => Ok(self.signer()),
        }
    }

    /// The current signer.
    pub fn signer(&self) -> Arc<dyn Signer> {
        match self.inner.signer.read() {
            Ok(s) => s.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// The key history, oldest first.
    pub fn keys(&self) -> Vec<KeyRecord> {
        match self.inner.keys.read() {
            Ok(k) => k.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// The issuer's controller (DID) document: for did:web every key of the history under
    /// `assertionMethod`; for did:key the key's own document.
    pub fn did_document(&self) -> Result<ControllerDocument, IssuerError> {
        match self.inner.meta.did_method {
            DidMethod::Web => did_document(self.did(), &self.keys()),
            DidMethod::Key => {
                did_key_document(self.did()).map_err(|e| IssuerError::Config(ConfigError::Did(e)))
            }
        }
    }

    /// The URL of list `number` of `purpose`.
    pub fn list_url(&self, purpose: StatusPurpose, number: u64) -> String {
        format!(
            "{}/status/{}/{number}",
            self.inner.meta.base_url,
            purpose.as_str()
        )
    }

    /// The URL of every status list the issuer keeps.
    pub fn status_list_urls(&self) -> Vec<String> {
        match self.inner.book.lock() {
            Ok(book) => book.urls(),
            Err(poisoned) => poisoned.into_inner().urls(),
        }
    }

    /// The signed status list published at `url`. On a registry shared by several instances,
    /// one this instance has not followed yet (published a moment ago by another) is read from
    /// the registry.
    pub fn published_list(&self, url: &str) -> Option<Arc<PublishedList>> {
        let inner = &self.inner;
        inner.publisher.get(url).or_else(|| {
            let stored = inner.store.shared().then(|| inner.store.published(url));
            Some(inner.publisher.adopt(stored?.ok()??))
        })
    }

    /// Makes sure the book holds the list at `url` when a registry shared by several instances
    /// has it (another instance opened it a moment ago).
    pub(crate) fn know_list(&self, url: &str) -> Result<(), IssuerError> {
        let inner = &self.inner;
        let known = inner
            .book
            .lock()
            .map_err(|_| IssuerError::Unavailable(UnavailableReason::Poisoned("status book")))?
            .list(url)
            .is_some();
        if !known
            && inner.store.shared()
            && let Some(list) = inner.store.status_list(url)?
            && let Ok(mut book) = inner.book.lock()
        {
            book.replace_list(list);
        }
        Ok(())
    }

    /// The record of credential `id`, and its signed text.
    pub fn credential(
        &self,
        id: &str,
    ) -> Result<Option<(CredentialRecord, Option<String>)>, IssuerError> {
        match self.inner.store.credential(id)? {
            Some(r) => Ok(Some((r, self.inner.store.credential_text(id)?))),
            None => Ok(None),
        }
    }

    /// Credential records in id order after `after`, at most `limit`.
    pub fn credentials(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<CredentialRecord>, IssuerError> {
        self.inner.store.credentials(after, limit)
    }

    /// Whether this instance signs and publishes the status lists now: always on sled; on a
    /// registry shared by several instances, while it holds the publisher lease (SPEC.md
    /// §21.9). `GET /healthz` says it as `publisher`.
    pub fn publishing(&self) -> bool {
        self.inner.publisher.leading()
    }

    /// How many credentials were issued.
    pub fn credential_count(&self) -> Result<u64, IssuerError> {
        self.inner.store.credential_count()
    }

    /// Audit entries from `from` (1-based), at most `limit`.
    pub fn audit(&self, from: u64, limit: usize) -> Result<Vec<AuditEntry>, IssuerError> {
        self.inner.store.audit(from, limit)
    }

    /// Recomputes the whole audit chain; the outer error is a store failure, the inner one the
    /// first broken link.
    pub fn verify_audit(&self) -> Result<Result<ChainReport, BrokenLink>, IssuerError> {
        verify_store_audit(self.inner.store.as_ref())
    }

    /// The token record for a bearer token, if it is one of ours.
    pub fn authenticate(&self, token: &str) -> Result<Option<TokenRecord>, IssuerError> {
        if !token.starts_with(crate::tokens::TOKEN_PREFIX) {
            return Ok(None);
        }
        self.inner.store.token(&hash_token(token))
    }

    /// Creates a token for `name` allowing `actions`; returns it (shown once).
    pub async fn create_token(
        &self,
        name: &str,
        actions: &[Action],
        actor: &str,
    ) -> Result<String, IssuerError> {
        if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
            return Err(IssuerError::invalid("name", "must be 1 to 64 characters"));
        }
        let (token, record) = new_token(name, actions, Utc::now());
        let event = AuditEvent::new(
            actor,
            AuditAction::TokenCreate,
            name,
            json!({"actions": actions}),
        );
        self.inner
            .committer
            .records(vec![Write::Token(record)], vec![event])
            .await?;
        Ok(token)
    }

    /// Revokes, suspends or reinstates credential `id`. Returns once the change is on disk and
    /// the affected status list is re-signed and published (or after [`PUBLISH_WAIT`]).
    pub async fn change_status(
        &self,
        id: &str,
        action: StatusAction,
        reason: Option<&str>,
        actor: &str,
    ) -> Result<StatusChange, IssuerError> {
        let inner = &self.inner;
        let r = inner.committer.status(id, action, reason, actor).await?;
        let mut published = true;
        if !r.lists.is_empty() {
            inner
                .publisher
                .request(r.lists.iter().map(|(u, _)| u.clone()));
            for (url, version) in &r.lists {
                published &= inner.publisher.wait_for(url, *version, PUBLISH_WAIT).await;
            }
        }
        Ok(StatusChange {
            credential_id: id.to_owned(),
            changed: r.changed,
            revoked: r.record.revoked_at.is_some(),
            suspended: r.record.suspended,
            lists: r.lists.into_iter().map(|(u, _)| u).collect(),
            published,
            record: r.record,
        })
    }

    /// Revokes credential `id` (final).
    pub async fn revoke(
        &self,
        id: &str,
        reason: Option<&str>,
        actor: &str,
    ) -> Result<StatusChange, IssuerError> {
        self.change_status(id, StatusAction::Revoke, reason, actor)
            .await
    }

    /// Suspends credential `id`.
    pub async fn suspend(
        &self,
        id: &str,
        reason: Option<&str>,
        actor: &str,
    ) -> Result<StatusChange, IssuerError> {
        self.change_status(id, StatusAction::Suspend, reason, actor)
            .await
    }

    /// Lifts the suspension of credential `id`.
    pub async fn reinstate(
        &self,
        id: &str,
        reason: Option<&str>,
        actor: &str,
    ) -> Result<StatusChange, IssuerError> {
        self.change_status(id, StatusAction::Reinstate, reason, actor)
            .await
    }

    pub(crate) fn inner(&self) -> &Arc<Inner> {
        &self.inner
    }

    /// Waits until every status list is published at its current version.
    pub async fn wait_published(&self) -> bool {
        let lists: Vec<(String, u64)> = match self.inner.book.lock() {
            Ok(b) => b
                .urls()
                .into_iter()
                .filter_map(|u| b.list(&u).map(|l| (u, l.version())))
                .collect(),
            Err(_) => return false,
        };
        let mut ok = true;
        for (url, v) in lists {
            ok &= self.inner.publisher.wait_for(&url, v, PUBLISH_WAIT).await;
        }
        ok
    }
}

/// Recomputes the audit chain stored in `store`, page by page.
pub fn verify_store_audit(
    store: &dyn RegistryStore,
) -> Result<Result<ChainReport, BrokenLink>, IssuerError> {
    let mut verifier = ChainVerifier::new();
    let mut from = 1;
    loop {
        let page = store.audit(from, 10_000)?;
        let Some(last) = page.last() else { break };
        from = last.seq + 1;
        for entry in &page {
            if let Err(e) = verifier.push(entry) {
                return Ok(Err(e));
            }
        }
    }
    Ok(Ok(verifier.report()))
}

async fn publish_task(inner: Weak<Inner>, publisher: Arc<Publisher>, closed: Arc<AtomicBool>) {
    if inner.upgrade().is_some_and(|i| i.store.shared()) {
        return shared_publish_task(inner, publisher, closed).await;
    }
    loop {
        publisher.wait().await;
        if closed.load(Ordering::SeqCst) {
            return;
        }
        let Some(strong) = inner.upgrade() else {
            return;
        };
        let ctx = strong.signing_context();
        let book = strong.book.clone();
        let store = strong.store.clone();
        drop(strong);
        if let Err(e) = publisher.round(&book, store.as_ref(), &ctx).await {
            tracing::warn!(error = %e, "publishing status lists failed; retrying in 1 s");
            tokio::time::sleep(Duration::from_secs(1)).await;
            let urls = book.lock().map(|b| b.urls()).unwrap_or_default();
            publisher.request(urls);
        }
    }
}

/// The publisher of an instance sharing its store with others (SPEC.md §21.9): every
/// [`FOLLOW_EVERY`](crate::status::FOLLOW_EVERY) (or at once on a request) it serves what was
/// published, by any instance; while it holds the publisher lease it signs the lists changed
/// by any instance; otherwise it tries to take the lease every
/// [`LEAD_RETRY`](crate::status::LEAD_RETRY).
async fn shared_publish_task(
    inner: Weak<Inner>,
    publisher: Arc<Publisher>,
    closed: Arc<AtomicBool>,
) {
    let mut mark = 0;
    // the SD-JWT VC copies linked when the instance opened are those issued until now
    let mut copies_since = chrono::Utc::now();
    let mut leading = false;
    let mut next_try = tokio::time::Instant::now();
    // a failure is logged when it starts and when it ends, not every round
    let mut failing = Failing::default();
    loop {
        tokio::select! {
            () = publisher.wait() => {}
            () = tokio::time::sleep(crate::status::FOLLOW_EVERY) => {}
        }
        if closed.load(Ordering::SeqCst) {
            return;
        }
        let Some(strong) = inner.upgrade() else {
            return;
        };
        let issuer = Issuer { inner: strong };
        let store = issuer.inner.store.clone();
        let book = issuer.inner.book.clone();
        failing.note(
            "reading published status lists",
            publisher
                .follow(mark, &book, store.as_ref())
                .map(|next| mark = next),
        );
        let now = tokio::time::Instant::now();
        let due = now >= next_try;
        if due {
            next_try = now + crate::status::LEAD_RETRY;
            failing.note("reading the key history", issuer.follow_keys().await);
            failing.note(
                "reading the SD-JWT VC copies other instances issued",
                crate::status::follow_sd_jwt_copies(&book, store.as_ref(), copies_since)
                    .map(|next| copies_since = next),
            );
        }
        // an instance that cannot sign with the current key leaves publishing to the others
        let can_sign = issuer.issuing_signer().is_ok();
        if leading || (can_sign && due) {
            let was = leading;
            leading = match store.lead_publishing() {
                Ok(held) => held,
                Err(e) => {
                    failing.note("checking the publisher lease", Err(e));
                    false
                }
            };
            if leading && !can_sign {
                failing.note("giving the publisher lease up", store.release_publishing());
                leading = false;
            }
            if leading != was {
                publisher.set_leading(leading);
                tracing::info!(leading, "publisher lease");
            }
        }
        if !leading {
            publisher.drop_pending();
            continue;
        }
        let ctx = issuer.inner.signing_context();
        drop(issuer);
        failing.note(
            "publishing status lists",
            publisher.lead_round(&book, store.as_ref(), &ctx).await,
        );
    }
}

/// The failures of the shared publisher's steps going on now, by step: each is logged when it
/// starts and when it ends.
#[derive(Default)]
struct Failing(std::collections::BTreeSet<&'static str>);

impl Failing {
    fn note(&mut self, step: &'static str, outcome: Result<(), IssuerError>) {
        match outcome {
            Ok(()) => {
                if self.0.remove(step) {
                    tracing::info!(step, "works again");
                }
            }
            Err(e) => {
                if self.0.insert(step) {
                    tracing::warn!(step, error = %e, "failed; trying again");
                }
            }
        }
    }
}

impl Inner {
    /// What the publisher signs with now.
    fn signing_context(&self) -> SigningContext {
        SigningContext {
            signer: self.signer_dyn(),
            issuer: self.meta.did.clone(),
            ttl: self.config.status_list_ttl,
            loader: self.loader.clone(),
        }
    }

    fn signer_dyn(&self) -> Arc<dyn Signer> {
        match self.signer.read() {
            Ok(s) => s.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }
}
