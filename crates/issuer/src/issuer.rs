//! [`Issuer`]: the issuing authority. Opening it (first run: initialising the data directory),
//! issuing one credential or many, changing statuses, and reading the registry.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;

use chrono::{DateTime, Utc};
use civitas_core::contexts::ContextLoader;
use civitas_core::did::{ControllerDocument, did_key, did_key_document, did_key_method, did_web};
use civitas_core::keys::PublicKey;
use civitas_core::signer::Signer;
use civitas_status::StatusPurpose;
use serde_json::json;
use zeroize::Zeroizing;

use crate::audit::{
    AuditAction, AuditEntry, AuditEvent, BrokenLink, ChainHead, ChainReport, ChainVerifier,
};
use crate::commit::{Committer, Prepared, StatusAction};
use crate::config::{DidMethod, IssuerConfig};
use crate::error::IssuerError;
use crate::issue::{self, CredentialRequest, IssueOutcome, IssueRequest, Issued, Item};
use crate::keystore::{FileSigner, KeyRecord, create_key, did_document};
use crate::locks::KeyedLocks;
use crate::status::{EntryPair, Publisher, SigningContext, StatusBook, allocator_config};
use crate::store::{
    CredentialRecord, IssuerMeta, PublishedList, RegistryStore, SledStore, StatusRef, Write,
    WriteBatch,
};
use crate::tokens::{Action, TokenRecord, hash_token, new_token};

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
    closed: Arc<AtomicBool>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.closed.store(true, Ordering::SeqCst);
        self.publisher.wake();
    }
}

enum Resolution {
    New(Option<String>),
    Replay(Box<Issued>),
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
        let registry = data_dir.join("registry");
        if !registry.exists() {
            return Err(IssuerError::Config(format!(
                "{} is not an issuer data directory (run `civitas issuer init` first)",
                data_dir.display()
            )));
        }
        let store = SledStore::open(&registry)?;
        let meta = store.meta()?.ok_or_else(|| {
            IssuerError::Config(format!("{} was never initialised", data_dir.display()))
        })?;
        Ok(IssuerConfig::new(data_dir, &meta.base_url).did_method(meta.did_method))
    }

    /// The issuer's DID.
    pub fn did(&self) -> &str {
        &self.inner.meta.did
    }

    /// The public base URL.
    pub fn base_url(&self) -> &str {
        &self.inner.meta.base_url
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

    /// The passphrase that opens the key files (crate-internal: older keys are opened on demand).
    pub(crate) fn passphrase(&self) -> &str {
        &self.inner.passphrase
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
                did_key_document(self.did()).map_err(|e| IssuerError::Config(e.to_string()))
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

    /// The signed status list published at `url`.
    pub fn published_list(&self, url: &str) -> Option<Arc<PublishedList>> {
        self.inner.publisher.get(url)
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

    /// Issues one typed registry record (see [`IssueRequest`]). Returns once the credential is
    /// on disk.
    pub async fn issue(&self, request: IssueRequest, actor: &str) -> Result<Issued, IssuerError> {
        let item = Item::typed(
            request,
            &self.inner.config.document_types,
            self.inner.config.default_securing,
        );
        self.one(item, actor).await
    }

    /// Issues a VC-API credential (see [`CredentialRequest`]).
    pub async fn issue_credential(
        &self,
        request: CredentialRequest,
        actor: &str,
    ) -> Result<Issued, IssuerError> {
        let item = Item::raw(
            request,
            self.did(),
            &self.inner.config.document_types,
            self.inner.config.default_securing,
            now_secs(),
        );
        self.one(item, actor).await
    }

    /// Issues many typed records: validated one by one, signed in parallel on every core,
    /// recorded with one flush. Each result answers the request at the same position.
    pub async fn issue_batch(
        &self,
        requests: Vec<IssueRequest>,
        actor: &str,
    ) -> Vec<Result<Issued, IssuerError>> {
        let items = requests
            .into_iter()
            .map(|r| {
                Item::typed(
                    r,
                    &self.inner.config.document_types,
                    self.inner.config.default_securing,
                )
            })
            .collect();
        self.run(items, actor).await
    }

    async fn one(
        &self,
        item: Result<Item, IssuerError>,
        actor: &str,
    ) -> Result<Issued, IssuerError> {
        self.run(vec![item], actor)
            .await
            .pop()
            .unwrap_or_else(|| Err(IssuerError::Unavailable("no result".into())))
    }

    pub(crate) async fn run(
        &self,
        items: Vec<Result<Item, IssuerError>>,
        actor: &str,
    ) -> Vec<Result<Issued, IssuerError>> {
        let inner = &self.inner;
        let mut results: Vec<Option<Result<Issued, IssuerError>>> =
            (0..items.len()).map(|_| None).collect();
        let mut seen = HashSet::new();
        let mut work: Vec<(usize, Item)> = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            match item {
                Err(e) => results[i] = Some(Err(e)),
                Ok(item) => {
                    if let Some(s) = &item.source
                        && !seen.insert(s.clone())
                    {
                        results[i] = Some(Err(IssuerError::invalid(
                            "sourceRecordId",
                            format!("`{s}` appears more than once in this batch"),
                        )));
                        continue;
                    }
                    work.push((i, item));
                }
            }
        }
        let _guard = inner
            .locks
            .lock(
                work.iter()
                    .filter_map(|(_, it)| it.source.clone())
                    .collect(),
            )
            .await;

        // Idempotency, and the checks that need the registry or JSON-LD.
        let mut todo: Vec<(usize, Item, Option<String>)> = Vec::new();
        for (i, item) in work {
            let checked = async {
                if let issue::Payload::Raw(v) = &item.payload
                    && let Some(id) = v.get("id").and_then(serde_json::Value::as_str)
                    && inner.store.credential(id)?.is_some()
                {
                    return Err(IssuerError::DuplicateId(id.to_owned()));
                }
                let resolution = self.resolve(&item)?;
                if matches!(resolution, Resolution::New(_)) {
                    issue::check_terms(&item, &inner.loader).await?;
                }
                Ok(resolution)
            };
            match checked.await {
                Ok(Resolution::New(supersedes)) => todo.push((i, item, supersedes)),
                Ok(Resolution::Replay(issued)) => results[i] = Some(Ok(*issued)),
                Err(e) => results[i] = Some(Err(e)),
            }
        }

        if !todo.is_empty() {
            let allocated = match inner.book.lock() {
                Ok(mut book) => book.allocate(todo.len(), inner.store.as_ref()),
                Err(_) => Err(IssuerError::Unavailable("status book poisoned".into())),
            };
            match allocated {
                Err(e) => {
                    let msg = e.to_string();
                    for (i, _, _) in todo {
                        results[i] = Some(Err(IssuerError::Unavailable(msg.clone())));
                    }
                }
                Ok((pairs, opened)) => {
                    if !opened.is_empty() {
                        inner.publisher.request(opened.iter().cloned());
                    }
                    self.sign_and_commit(todo, pairs, &opened, actor, &mut results)
                        .await;
                }
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(IssuerError::Unavailable("no result".into()))))
            .collect()
    }

    fn resolve(&self, item: &Item) -> Result<Resolution, IssuerError> {
        let store = &self.inner.store;
        let Some(source) = &item.source else {
            return Ok(Resolution::New(None));
        };
        let Some(id) = store.by_source(source)? else {
            return Ok(Resolution::New(None));
        };
        let record = store.credential(&id)?.ok_or_else(|| {
            IssuerError::Store(format!(
                "source record {source} points at a missing credential {id}"
            ))
        })?;
        if record.subject_digest == item.subject_digest()? {
            let text = store
                .credential_text(&id)?
                .ok_or_else(|| IssuerError::Store(format!("credential {id} has no text")))?;
            return Ok(Resolution::Replay(Box::new(Issued {
                credential_id: id,
                credential: text,
                outcome: IssueOutcome::Replayed,
                record,
            })));
        }
        if !item.supersede {
            return Err(IssuerError::Conflict {
                source_record_id: source.clone(),
                existing: id,
            });
        }
        Ok(Resolution::New(Some(id)))
    }

    async fn sign_and_commit(
        &self,
        todo: Vec<(usize, Item, Option<String>)>,
        pairs: Vec<EntryPair>,
        opened: &[String],
        actor: &str,
        results: &mut [Option<Result<Issued, IssuerError>>],
    ) {
        let inner = &self.inner;
        let now = now_secs();
        let signer: Arc<dyn Signer> = self.signer();
        let method = signer.verification_method().to_owned();
        let jobs: Vec<SignJob> = todo
            .into_iter()
            .zip(pairs)
            .map(|((i, item, supersedes), pair)| SignJob {
                i,
                item,
                supersedes,
                pair,
                result: None,
            })
            .collect();
        let ctx = Arc::new(SignContext {
            issuer: inner.meta.did.clone(),
            signer,
            loader: inner.loader.clone(),
            now,
        });
        let jobs = sign_parallel(jobs, ctx).await;

        let mut prepared = Vec::new();
        let mut positions = Vec::new();
        for job in jobs {
            match job.result {
                Some(Ok(issue::Signed { id, text, digest })) => {
                    let record = CredentialRecord {
                        id,
                        types: job.item.types,
                        subject_digest: digest,
                        source_record_id: job.item.source,
                        revocation: status_ref(&job.pair.revocation),
                        suspension: status_ref(&job.pair.suspension),
                        issued_at: now,
                        issued_by: actor.to_owned(),
                        verification_method: method.clone(),
                        securing: job.item.securing,
                        revoked_at: None,
                        suspended: false,
                        superseded_by: None,
                    };
                    positions.push(job.i);
                    prepared.push(Prepared {
                        record,
                        text,
                        supersedes: job.supersedes,
                    });
                }
                Some(Err(e)) => results[job.i] = Some(Err(e)),
                None => {
                    results[job.i] =
                        Some(Err(IssuerError::Signing("the signing task failed".into())))
                }
            }
        }
        if prepared.is_empty() {
            return;
        }
        match inner.committer.issue(prepared.clone(), actor).await {
            Ok(changed) => {
                let mut wait: Vec<(String, u64)> = changed;
                wait.extend(opened.iter().map(|u| (u.clone(), 1)));
                if !wait.is_empty() {
                    inner.publisher.request(wait.iter().map(|(u, _)| u.clone()));
                    for (url, version) in &wait {
                        inner.publisher.wait_for(url, *version, PUBLISH_WAIT).await;
                    }
                }
                for (i, p) in positions.into_iter().zip(prepared) {
                    let outcome = match p.supersedes {
                        Some(previous) => IssueOutcome::Superseded { previous },
                        None => IssueOutcome::Issued,
                    };
                    results[i] = Some(Ok(Issued {
                        credential_id: p.record.id.clone(),
                        credential: p.text,
                        outcome,
                        record: p.record,
                    }));
                }
            }
            Err(e) => {
                let msg = e.to_string();
                for i in positions {
                    results[i] = Some(Err(IssuerError::Store(msg.clone())));
                }
            }
        }
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

fn status_ref(a: &civitas_status::Allocation) -> StatusRef {
    StatusRef {
        list: a.list_url.clone(),
        list_number: a.list_number,
        index: a.index,
    }
}

/// Assembles an [`Issuer`]: its configuration, and optionally the registry store and the signer
/// to use instead of the defaults (the sled registry and the sealed key files of the data
/// directory). Made by [`Issuer::builder`].
///
/// An issuer initialised with an external signer (an HSM, a cloud KMS) records its key in the
/// key history without a key file; it must be given that signer every time it is opened, and
/// the signer must hold the current key of the history.
pub struct IssuerBuilder {
    config: IssuerConfig,
    store: Option<Arc<dyn RegistryStore>>,
    signer: Option<Arc<dyn Signer>>,
}

impl std::fmt::Debug for IssuerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuerBuilder")
            .field("data_dir", &self.config.data_dir)
            .field("store", &self.store.as_ref().map(|_| "given"))
            .field(
                "signer",
                &self
                    .signer
                    .as_ref()
                    .map(|s| s.verification_method().to_owned()),
            )
            .finish()
    }
}

impl IssuerBuilder {
    /// The registry store to use instead of the sled database in the data directory.
    pub fn store(mut self, store: Arc<dyn RegistryStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// The signer to use instead of the sealed key files. Its verification method must be the
    /// issuer's: for `did:key`, the did:key of its public key; for `did:web`, a fragment of the
    /// issuer's DID. On first run it becomes key 1 of the key history.
    pub fn signer(mut self, signer: Arc<dyn Signer>) -> Self {
        self.signer = Some(signer);
        self
    }

    /// Opens the issuer, initialising the data directory and the registry on first run:
    /// registry, first key, DID, admin token. Later runs reuse all of them; an identity setting
    /// that differs from the one the registry was initialised with is an error.
    pub async fn build(self) -> Result<(Issuer, Opened), IssuerError> {
        let config = self.config;
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(IssuerError::Config(
                "Issuer::open must be called inside a tokio runtime".into(),
            ));
        }
        crate::fsutil::create_private_dir(&config.data_dir)?;
        let store: Arc<dyn RegistryStore> = match self.store {
            Some(store) => store,
            None => Arc::new(SledStore::open(&config.registry_dir())?),
        };
        let external = self.signer;
        let (meta, passphrase, opened) = match store.meta()? {
            Some(meta) => {
                check_identity(&config, &meta)?;
                let (passphrase, _) = config.passphrase.resolve(&config.data_dir, false)?;
                let opened = Opened {
                    initialized: false,
                    admin_token: None,
                    passphrase_file: None,
                };
                (meta, passphrase, opened)
            }
            None => initialize(&config, store.as_ref(), external.as_deref())?,
        };
        let keys = store.keys()?;
        let current = keys
            .iter()
            .rev()
            .find(|k| k.valid_until.is_none())
            .ok_or_else(|| IssuerError::Store("the key history has no current key".into()))?;
        let signer: Arc<dyn Signer> = match external {
            Some(signer) => {
                check_external_signer(signer.as_ref(), current)?;
                signer
            }
            None if current.file.is_empty() => {
                return Err(IssuerError::Config(format!(
                    "the current key {} is held outside the data directory: give the issuer its signer (Issuer::builder(config).signer(..))",
                    current.verification_method
                )));
            }
            None => Arc::new(FileSigner::open(
                &config.keys_dir(),
                current,
                passphrase.as_bytes(),
            )?),
        };
        let head = store
            .audit_head()?
            .map_or_else(ChainHead::default, |e| ChainHead::of(&e));
        let count = store.credential_count()?;

        // Status: allocators moved past every index in the registry, then the lists.
        let mut used: HashMap<StatusPurpose, Vec<(u64, u64)>> = HashMap::new();
        let mut after: Option<String> = None;
        loop {
            let page = store.credentials(after.as_deref(), 10_000)?;
            let Some(last) = page.last() else { break };
            after = Some(last.id.clone());
            for r in &page {
                used.entry(StatusPurpose::Revocation)
                    .or_default()
                    .push((r.revocation.list_number, r.revocation.index));
                used.entry(StatusPurpose::Suspension)
                    .or_default()
                    .push((r.suspension.list_number, r.suspension.index));
            }
        }
        let configs = crate::status::PURPOSES
            .iter()
            .map(|p| {
                allocator_config(
                    &config.status_base(p.as_str()),
                    *p,
                    config.entries_per_list,
                    config.lease_size,
                )
            })
            .collect();
        let book = StatusBook::load(store.as_ref(), configs, &used)?;
        store.flush()?;
        let urls = book.urls();
        let publisher = Arc::new(Publisher::new(store.as_ref(), &urls)?);
        let book = Arc::new(Mutex::new(book));
        let committer = Committer::start(store.clone(), book.clone(), head, count);
        let closed = Arc::new(AtomicBool::new(false));
        let inner = Arc::new(Inner {
            loader: ContextLoader::bundled(),
            signer: RwLock::new(signer),
            keys: RwLock::new(keys),
            passphrase,
            book,
            publisher: publisher.clone(),
            committer,
            locks: Arc::new(KeyedLocks::default()),
            rotation: tokio::sync::Mutex::new(()),
            closed: closed.clone(),
            config,
            meta,
            store,
        });
        tokio::spawn(publish_task(
            Arc::downgrade(&inner),
            publisher.clone(),
            closed,
        ));
        // Lists changed since they were last signed (or never signed) are published now.
        publisher.request(urls.iter().cloned());
        for url in &urls {
            let version = match inner.book.lock() {
                Ok(b) => b.list(url).map_or(0, |l| l.version()),
                Err(_) => 0,
            };
            publisher.wait_for(url, version, PUBLISH_WAIT).await;
        }
        Ok((Issuer { inner }, opened))
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

struct SignContext {
    issuer: String,
    signer: Arc<dyn Signer>,
    loader: ContextLoader,
    now: DateTime<Utc>,
}

struct SignJob {
    i: usize,
    item: Item,
    supersedes: Option<String>,
    pair: EntryPair,
    result: Option<Result<issue::Signed, IssuerError>>,
}

/// Signs `jobs` one after the other, then checks their signatures together.
async fn sign_chunk(mut jobs: Vec<SignJob>, ctx: Arc<SignContext>) -> Vec<SignJob> {
    let mut signed = Vec::with_capacity(jobs.len());
    let mut signed_at = Vec::with_capacity(jobs.len());
    for (k, job) in jobs.iter_mut().enumerate() {
        let made = issue::build_and_sign(
            &job.item,
            &job.pair,
            &ctx.issuer,
            ctx.signer.as_ref(),
            &ctx.loader,
            ctx.now,
        )
        .await;
        match made {
            Ok(unchecked) => {
                signed.push(unchecked);
                signed_at.push(k);
            }
            Err(e) => job.result = Some(Err(e)),
        }
    }
    for (k, checked) in signed_at.into_iter().zip(issue::check_signed(signed)) {
        jobs[k].result = Some(checked);
    }
    jobs
}

/// Signs on every core: the jobs are split into one chunk per core, each a task.
async fn sign_parallel(mut jobs: Vec<SignJob>, ctx: Arc<SignContext>) -> Vec<SignJob> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if jobs.len() < 2 || cores < 2 {
        return sign_chunk(jobs, ctx).await;
    }
    let chunk = jobs.len().div_ceil(cores);
    let mut handles = Vec::new();
    while !jobs.is_empty() {
        let rest = jobs.split_off(chunk.min(jobs.len()));
        let mine = std::mem::replace(&mut jobs, rest);
        handles.push(tokio::spawn(sign_chunk(mine, ctx.clone())));
    }
    let mut out = Vec::new();
    for h in handles {
        if let Ok(done) = h.await {
            out.extend(done);
        }
    }
    out
}

async fn publish_task(inner: Weak<Inner>, publisher: Arc<Publisher>, closed: Arc<AtomicBool>) {
    loop {
        publisher.wait().await;
        if closed.load(Ordering::SeqCst) {
            return;
        }
        let Some(strong) = inner.upgrade() else {
            return;
        };
        let ctx = SigningContext {
            signer: strong.signer_dyn(),
            issuer: strong.meta.did.clone(),
            ttl: strong.config.status_list_ttl,
            loader: strong.loader.clone(),
        };
        let book = strong.book.clone();
        let store = strong.store.clone();
        drop(strong);
        if let Err(e) = publisher.round(&book, store.as_ref(), &ctx).await {
            eprintln!("civitas-issuer: publishing status lists failed: {e}; retrying in 1 s");
            tokio::time::sleep(Duration::from_secs(1)).await;
            let urls = book.lock().map(|b| b.urls()).unwrap_or_default();
            publisher.request(urls);
        }
    }
}

impl Inner {
    fn signer_dyn(&self) -> Arc<dyn Signer> {
        match self.signer.read() {
            Ok(s) => s.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }
}

fn check_identity(config: &IssuerConfig, meta: &IssuerMeta) -> Result<(), IssuerError> {
    if meta.format != REGISTRY_FORMAT {
        return Err(IssuerError::Config(format!(
            "registry format {} is not {REGISTRY_FORMAT}",
            meta.format
        )));
    }
    if config.base_url != meta.base_url {
        return Err(IssuerError::Config(format!(
            "{} was initialised for {} ({}), not {}: status list URLs and the DID cannot change under issued credentials; use the original base URL or another data directory",
            config.data_dir.display(),
            meta.base_url,
            meta.did,
            config.base_url
        )));
    }
    if config.did_method != meta.did_method {
        return Err(IssuerError::Config(format!(
            "{} was initialised with {:?} DIDs ({}), not {:?}",
            config.data_dir.display(),
            meta.did_method,
            meta.did,
            config.did_method
        )));
    }
    Ok(())
}

/// Key 1 of the history for an external signer: its verification method must belong to the
/// issuer (`did_web`, or for did:key the did:key of the signer's own public key).
fn external_key_record(
    signer: &dyn Signer,
    did_web: Option<&str>,
    now: DateTime<Utc>,
) -> Result<KeyRecord, IssuerError> {
    let public = signer.public_key();
    let method = signer.verification_method().to_owned();
    let belongs = match did_web {
        Some(did) => method
            .strip_prefix(did)
            .and_then(|rest| rest.strip_prefix('#'))
            .is_some_and(|fragment| !fragment.is_empty()),
        None => method == did_key_method(&public),
    };
    if !belongs {
        return Err(IssuerError::Config(format!(
            "the signer's verification method {method} is not a key of this issuer ({})",
            did_web.map_or_else(|| did_key_method(&public), |d| format!("{d}#<fragment>"))
        )));
    }
    Ok(KeyRecord {
        number: 1,
        verification_method: method,
        algorithm: signer.algorithm(),
        public_key_multibase: public.to_multikey(),
        valid_from: now,
        valid_until: None,
        file: String::new(),
    })
}

/// An external signer given to an initialised issuer must hold the history's current key.
fn check_external_signer(signer: &dyn Signer, current: &KeyRecord) -> Result<(), IssuerError> {
    let public = signer.public_key().to_multikey();
    if public != current.public_key_multibase
        || signer.verification_method() != current.verification_method
    {
        return Err(IssuerError::Config(format!(
            "the signer holds {} ({public}), but the registry's current key is {} ({})",
            signer.verification_method(),
            current.verification_method,
            current.public_key_multibase
        )));
    }
    Ok(())
}

/// First run: the first key, the DID, the admin token and the first audit entries.
fn initialize(
    config: &IssuerConfig,
    store: &dyn RegistryStore,
    external: Option<&dyn Signer>,
) -> Result<(IssuerMeta, Zeroizing<String>, Opened), IssuerError> {
    crate::config::host_and_path(&config.base_url)?;
    let (passphrase, passphrase_file) = config.passphrase.resolve(&config.data_dir, true)?;
    let keys_dir = config.keys_dir();
    crate::fsutil::create_private_dir(&keys_dir)?;
    // A key file left by an initialisation that crashed before its registry entry was written
    // signed nothing: start over.
    let stale = keys_dir.join("key-1.json");
    if stale.exists() {
        std::fs::remove_file(&stale).map_err(|e| IssuerError::io(&stale, e))?;
    }
    let now = now_secs();
    let did_web_id = match config.did_method {
        DidMethod::Web => {
            let (host, path) = config.host_and_path()?;
            let segs: Vec<&str> = path.iter().map(String::as_str).collect();
            Some(did_web(&host, &segs).map_err(|e| IssuerError::Config(e.to_string()))?)
        }
        DidMethod::Key => None,
    };
    let method_for = |public: &PublicKey| match &did_web_id {
        Some(did) => format!("{did}#key-1"),
        None => did_key_method(public),
    };
    let key = match external {
        Some(signer) => external_key_record(signer, did_web_id.as_deref(), now)?,
        None => {
            create_key(
                &keys_dir,
                1,
                config.key_algorithm,
                method_for,
                passphrase.as_bytes(),
                config.kdf,
                now,
            )?
            .0
        }
    };
    let did = match &did_web_id {
        Some(d) => d.clone(),
        None => did_key(&key.public_key()?),
    };
    let meta = IssuerMeta {
        format: REGISTRY_FORMAT,
        did: did.clone(),
        base_url: config.base_url.clone(),
        did_method: config.did_method,
        created: now,
    };
    let (admin_token, token_record) = new_token("admin", &[Action::Admin], now);
    let mut head = ChainHead::default();
    let mut batch = WriteBatch::default();
    batch.push(Write::Key(key.clone()));
    batch.push(Write::Token(token_record));
    batch.push(Write::Audit(head.append(
        AuditEvent::new(
            "init",
            AuditAction::Init,
            &did,
            json!({"baseUrl": config.base_url, "verificationMethod": key.verification_method,
                   "publicKeyMultibase": key.public_key_multibase}),
        ),
        now,
    )));
    batch.push(Write::Audit(head.append(
        AuditEvent::new(
            "init",
            AuditAction::TokenCreate,
            "admin",
            json!({"actions": ["admin"]}),
        ),
        now,
    )));
    // The identity goes last: a registry without `meta` is not initialised.
    batch.push(Write::Meta(meta.clone()));
    store.apply(batch)?;
    store.flush()?;
    Ok((
        meta,
        passphrase,
        Opened {
            initialized: true,
            admin_token: Some(admin_token),
            passphrase_file,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use civitas_core::keys::{KeyAlgorithm, KeyPair, PublicKey};
    use civitas_core::model::samples;
    use civitas_core::secure::Securing;
    use civitas_core::signer::{LocalSigner, SignerError};
    use civitas_status::{Allocation, StatusSize};
    use std::sync::atomic::AtomicUsize;

    use crate::issue::{Document, Payload};

    /// A signer that damages every third signature it makes, as a faulty key service would.
    struct Flaky {
        inner: LocalSigner,
        count: AtomicUsize,
    }

    #[async_trait::async_trait]
    impl Signer for Flaky {
        fn verification_method(&self) -> &str {
            self.inner.verification_method()
        }
        fn algorithm(&self) -> civitas_core::keys::KeyAlgorithm {
            self.inner.algorithm()
        }
        fn public_key(&self) -> PublicKey {
            self.inner.public_key()
        }
        async fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
            let mut signature = self.inner.sign(message).await?;
            if self.count.fetch_add(1, Ordering::SeqCst) % 3 == 1 {
                signature[17] ^= 0x40;
            }
            Ok(signature)
        }
    }

    fn allocation(purpose: StatusPurpose, index: u64) -> Allocation {
        Allocation {
            purpose,
            list_number: 1,
            list_url: format!("https://registry.example/status/{purpose:?}/1"),
            index,
            status_size: StatusSize::ONE,
            entries_per_list: 131_072,
            opened_list: false,
            must_persist: false,
            previous_generation: 0,
        }
    }

    fn jobs(n: usize) -> Vec<SignJob> {
        (0..n)
            .map(|i| SignJob {
                i,
                item: Item {
                    payload: Payload::Typed(Document::Birth(
                        Box::new(samples::birth_certificate()),
                    )),
                    source: None,
                    supersede: false,
                    securing: Securing::DataIntegrity,
                    types: Vec::new(),
                },
                supersedes: None,
                pair: EntryPair {
                    revocation: allocation(StatusPurpose::Revocation, i as u64),
                    suspension: allocation(StatusPurpose::Suspension, i as u64),
                },
                result: None,
            })
            .collect()
    }

    /// The signatures of a signing chunk are checked as one batch: the damaged ones, and only
    /// they, are refused, whether the chunk has one credential or many.
    #[tokio::test]
    async fn a_chunk_refuses_exactly_the_signatures_that_do_not_verify() {
        for n in [1, 2, 9] {
            let inner = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
            let ctx = Arc::new(SignContext {
                issuer: inner.controller().to_owned(),
                signer: Arc::new(Flaky {
                    inner,
                    count: AtomicUsize::new(0),
                }),
                loader: ContextLoader::bundled(),
                now: Utc::now(),
            });
            let done = sign_chunk(jobs(n), ctx).await;
            assert_eq!(done.len(), n);
            for (k, job) in done.iter().enumerate() {
                assert_eq!(job.i, k);
                match &job.result {
                    Some(Ok(signed)) => {
                        assert_ne!(k % 3, 1, "credential {k} was damaged but passed");
                        assert!(signed.text.contains("proofValue"));
                    }
                    Some(Err(IssuerError::Signing(reason))) => {
                        assert_eq!(k % 3, 1, "credential {k} was refused: {reason}");
                        assert!(reason.contains("does not verify"), "{reason}");
                    }
                    other => panic!("credential {k}: {:?}", other.as_ref().map(|r| r.is_ok())),
                }
            }
        }
    }
}
