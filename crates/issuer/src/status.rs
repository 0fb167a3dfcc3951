//! Status management: the [`StatusBook`] (allocators and status lists, in memory, mirrored in
//! the store) and the [`Publisher`], a background task that signs changed lists and publishes
//! them, coalescing changes that arrive while it signs.
//!
//! Every credential gets a revocation entry and a suspension entry, in separate lists
//! (`<base>/status/revocation/<n>`, `<base>/status/suspension/<n>`), at indices handed out by
//! civitas-status' [`Allocator`] (random-looking, never reused). The allocator's persistence
//! contract is followed: a state that says `must_persist` is written to the store before its
//! index goes into a credential, and the flush that precedes every acknowledgement makes it
//! durable. On open, the state is also moved past every index found in the registry
//! ([`AllocatorState::recover`]), so even a store that lost the last lease write never hands out
//! an index twice.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::Utc;
use civitas_core::data_integrity::{ProofOptions, add_proof};
use civitas_jsonld::contexts::ContextLoader;
use civitas_keys::signer::Signer;
use civitas_status::allocator::AllocatorConfig;
use civitas_status::{
    Allocation, Allocator, AllocatorState, PublishOptions, StatusList, StatusPurpose,
};
use tokio::sync::{Notify, watch};

use crate::error::{IssuerError, SigningError, StoreError, UnavailableReason};
use crate::jcs::sha256_hex;
use crate::store::{CredentialRecord, PublishedList, RegistryStore, StatusRef};

/// The two purposes every credential carries.
pub const PURPOSES: [StatusPurpose; 2] = [StatusPurpose::Revocation, StatusPurpose::Suspension];

/// The path segment of a purpose in list URLs.
pub fn purpose_segment(purpose: StatusPurpose) -> &'static str {
    purpose.as_str()
}

/// Allocators and lists.
#[derive(Debug)]
pub struct StatusBook {
    allocators: HashMap<StatusPurpose, Allocator>,
    lists: HashMap<String, StatusList>,
    /// The copies issued as SD-JWT VCs, by revocation list URL: their revocation index and
    /// their suspension entry (what a Token Status List of that revocation list says).
    sd_links: HashMap<String, Vec<(u64, StatusRef)>>,
    /// The copies linked in `sd_links`, by id.
    sd_linked: HashSet<String>,
}

/// What a Token Status List says, derived from one revocation list (SPEC.md §12.12).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenState {
    /// The number of entries (the revocation list's).
    pub entries: u64,
    /// The non-zero values: index → `0x01` (revoked, INVALID) or `0x02` (suspended).
    pub values: Vec<(u64, u8)>,
    /// The versions of the lists it was derived from: it changes when they change.
    pub versions: Vec<(String, u64)>,
}

/// The allocations of one credential: revocation, suspension and, when asked, message.
#[derive(Debug, Clone)]
pub struct EntryPair {
    /// The revocation entry's allocation.
    pub revocation: Allocation,
    /// The suspension entry's allocation.
    pub suspension: Allocation,
    /// The message entry's allocation (VC-API credentials of an issuer with status messages).
    pub message: Option<Allocation>,
}

impl StatusBook {
    /// Loads the book from the store: allocator states (created from `configs` when missing),
    /// moved past every `(purpose, list number, index)` in `used`, and the lists.
    pub fn load(
        store: &dyn RegistryStore,
        configs: Vec<AllocatorConfig>,
        used: &HashMap<StatusPurpose, Vec<(u64, u64)>>,
    ) -> Result<Self, IssuerError> {
        let mut allocators = HashMap::new();
        for config in configs {
            let purpose = config.purpose;
            let mut state = match store.allocator_state(purpose)? {
                Some(s) => {
                    if s.config() != &config {
                        return Err(IssuerError::config(format!(
                            "the {} lists were set up as {:?}, the configuration now says {:?}",
                            purpose.as_str(),
                            s.config(),
                            config
                        )));
                    }
                    s
                }
                None => {
                    let new = AllocatorState::new(config)?;
                    // another instance may be creating it too: the first one stored is used
                    if store.swap_allocator_state(purpose, 0, &new)? {
                        new
                    } else {
                        store.allocator_state(purpose)?.ok_or_else(|| {
                            IssuerError::Store(StoreError::Backend(format!(
                                "the {} allocator vanished while it was created",
                                purpose.as_str()
                            )))
                        })?
                    }
                }
            };
            if let Some(used) = used.get(&purpose)
                && !used.is_empty()
            {
                state.recover(used.iter().copied())?;
                store.put_allocator_state(purpose, &state)?;
            }
            allocators.insert(purpose, Allocator::restore(state)?);
        }
        let lists = store
            .status_lists()?
            .into_iter()
            .map(|l| (l.url().to_owned(), l))
            .collect();
        Ok(Self {
            allocators,
            lists,
            sd_links: HashMap::new(),
            sd_linked: HashSet::new(),
        })
    }

    /// Records that the copy `record` was issued as an SD-JWT VC: the Token Status List of its
    /// revocation list reports its suspension too. (Once per copy.)
    pub fn link_sd_jwt(&mut self, record: &CredentialRecord) {
        if !self.sd_linked.insert(record.id.clone()) {
            return;
        }
        self.sd_links
            .entry(record.revocation.list.clone())
            .or_default()
            .push((record.revocation.index, record.suspension.clone()));
    }

    /// The Token Status List state of revocation list `url`: `0x01` where its bit is set,
    /// `0x02` where an SD-JWT VC copy listed there is suspended (and not revoked).
    pub fn token_state(&self, url: &str) -> Option<TokenState> {
        let list = self.revocation_list(url)?;
        // only the bytes with a bit set are looked into
        let per_byte = 8 / u64::from(list.status_size().bits().max(1));
        let mut values = Vec::new();
        for (byte, _) in (0u64..)
            .zip(list.bits().as_bytes())
            .filter(|(_, b)| **b != 0)
        {
            let first = byte * per_byte;
            for index in first..(first + per_byte).min(list.entries()) {
                if list.get(index).ok()? != 0 {
                    values.push((index, 1));
                }
            }
        }
        for (index, suspension) in self.sd_links.get(url).map_or(&[][..], Vec::as_slice) {
            let Some(s) = self.lists.get(&suspension.list) else {
                continue;
            };
            if s.get(suspension.index).ok()? != 0 && list.get(*index).ok()? == 0 {
                values.push((*index, 2));
            }
        }
        values.sort_unstable();
        Some(TokenState {
            entries: list.entries(),
            values,
            versions: self.token_versions(url)?,
        })
    }

    /// The versions of the lists the Token Status List of revocation list `url` derives from
    /// (cheap: what tells whether a signed token list is still current).
    pub fn token_versions(&self, url: &str) -> Option<Vec<(String, u64)>> {
        let list = self.revocation_list(url)?;
        let mut versions = vec![(url.to_owned(), list.version())];
        let mut seen = BTreeSet::new();
        for (_, suspension) in self.sd_links.get(url).map_or(&[][..], Vec::as_slice) {
            if let Some(s) = self.lists.get(&suspension.list)
                && seen.insert(suspension.list.as_str())
            {
                versions.push((suspension.list.clone(), s.version()));
            }
        }
        Some(versions)
    }

    /// The revocation list at `url`.
    fn revocation_list(&self, url: &str) -> Option<&StatusList> {
        self.lists
            .get(url)
            .filter(|l| l.purpose() == StatusPurpose::Revocation)
    }

    /// Allocates the revocation and suspension entries of one credential per item of
    /// `with_message`, and a message entry for those where it is `true`. Lists they open are
    /// created and stored, and returned; allocator states are stored whenever a lease is taken.
    pub fn allocate(
        &mut self,
        with_message: &[bool],
        store: &dyn RegistryStore,
    ) -> Result<(Vec<EntryPair>, Vec<String>), IssuerError> {
        let mut pairs = Vec::with_capacity(with_message.len());
        let mut opened = Vec::new();
        let shared = store.shared();
        for &wants_message in with_message {
            let mut one = |purpose: StatusPurpose| -> Result<Allocation, IssuerError> {
                let allocator = self.allocators.get_mut(&purpose).ok_or_else(|| {
                    IssuerError::config(format!("no {} allocator", purpose.as_str()))
                })?;
                let a = lease(allocator, purpose, store)?;
                if a.opened_list {
                    let list = StatusList::for_allocation(&a)?;
                    store.put_status_list(&list)?;
                    opened.push(list.url().to_owned());
                    self.lists.insert(list.url().to_owned(), list);
                } else if shared && !self.lists.contains_key(&a.list_url) {
                    // a list another instance opened (and, if it stopped before storing the
                    // list, stored here: a shared store keeps the first list stored)
                    store.put_status_list(&StatusList::for_allocation(&a)?)?;
                    let list = store.status_list(&a.list_url)?.ok_or_else(|| {
                        IssuerError::Store(StoreError::MissingList(a.list_url.clone()))
                    })?;
                    self.lists.insert(a.list_url.clone(), list);
                }
                Ok(a)
            };
            let revocation = one(StatusPurpose::Revocation)?;
            let suspension = one(StatusPurpose::Suspension)?;
            let message = if wants_message {
                Some(one(StatusPurpose::Message)?)
            } else {
                None
            };
            pairs.push(EntryPair {
                revocation,
                suspension,
                message,
            });
        }
        Ok((pairs, opened))
    }

    /// Puts `list` in the book as the store has it now (a shared store's list, changed by
    /// other instances too).
    pub fn replace_list(&mut self, list: StatusList) {
        self.lists.insert(list.url().to_owned(), list);
    }

    /// The list at `url`.
    pub fn list(&self, url: &str) -> Option<&StatusList> {
        self.lists.get(url)
    }

    /// The list at `url`, to change.
    pub fn list_mut(&mut self, url: &str) -> Result<&mut StatusList, IssuerError> {
        self.lists
            .get_mut(url)
            .ok_or_else(|| IssuerError::Store(StoreError::MissingList(url.to_owned())))
    }

    /// Every list URL.
    pub fn urls(&self) -> Vec<String> {
        self.lists.keys().cloned().collect()
    }
}

/// How often an instance of a shared store reads what was published, and the publisher
/// looks for lists changed by other instances: a change is served by every instance about
/// two such periods after it was committed (SPEC.md §21.9).
pub const FOLLOW_EVERY: Duration = Duration::from_millis(250);

/// How often an instance of a shared store that does not publish tries to take the
/// publisher lease: the longest a killed publisher's lists wait for another one.
pub const LEAD_RETRY: Duration = Duration::from_secs(1);

/// How far back an instance of a shared store looks for SD-JWT VC copies other instances
/// issued, before the newest it has seen: a copy is recorded with the second it was signed in,
/// and committed a moment later (a write that takes longer than the store's 10 s fails).
pub const SD_JWT_OVERLAP: Duration = Duration::from_secs(15);

/// Links in `book` the SD-JWT VC copies issued (by any instance) since `since`, less
/// [`SD_JWT_OVERLAP`]; returns the time to ask from next. A Token Status List served by this
/// instance then reports the suspension of copies other instances issued (SPEC.md §21.9).
pub(crate) fn follow_sd_jwt_copies(
    book: &Mutex<StatusBook>,
    store: &dyn RegistryStore,
    since: chrono::DateTime<Utc>,
) -> Result<chrono::DateTime<Utc>, IssuerError> {
    let from = chrono::TimeDelta::from_std(SD_JWT_OVERLAP)
        .ok()
        .and_then(|d| since.checked_sub_signed(d))
        .unwrap_or(since);
    let copies = store.sd_jwt_copies(Some(from))?;
    let newest = copies.iter().map(|r| r.issued_at).max().unwrap_or(since);
    if !copies.is_empty()
        && let Ok(mut b) = book.lock()
    {
        for r in &copies {
            b.link_sd_jwt(r);
        }
    }
    Ok(newest.max(since))
}

/// How many times an allocation is tried when other instances keep taking the lease first.
const LEASE_ATTEMPTS: u32 = 64;

/// The next index of `allocator`. A new lease is stored before its index is used, by
/// compare-and-swap on the stored generation (the allocator's persistence contract): when
/// another instance sharing the store took a lease meanwhile, the allocator continues from the
/// stored state and takes the next one.
fn lease(
    allocator: &mut Allocator,
    purpose: StatusPurpose,
    store: &dyn RegistryStore,
) -> Result<Allocation, IssuerError> {
    for _ in 0..LEASE_ATTEMPTS {
        let a = allocator.allocate()?;
        if !a.must_persist
            || store.swap_allocator_state(purpose, a.previous_generation, allocator.state())?
        {
            return Ok(a);
        }
        let stored = store.allocator_state(purpose)?.ok_or_else(|| {
            IssuerError::Store(StoreError::Backend(format!(
                "the {} allocator state is missing",
                purpose.as_str()
            )))
        })?;
        *allocator = Allocator::restore(stored)?;
    }
    Err(IssuerError::Unavailable(
        UnavailableReason::ConcurrentChange(format!(
            "the {} allocator {LEASE_ATTEMPTS} times",
            purpose.as_str()
        )),
    ))
}

/// Signs and publishes status lists in the background.
pub struct Publisher {
    pending: Mutex<(BTreeSet<String>, bool)>,
    notify: Notify,
    published: RwLock<HashMap<String, Arc<PublishedList>>>,
    round: watch::Sender<u64>,
    /// Whether this instance signs and publishes (always, on an exclusive store; while it
    /// holds the publisher lease, on a shared one).
    leading: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher").finish_non_exhaustive()
    }
}

/// What the publisher needs to sign.
pub(crate) struct SigningContext {
    pub(crate) signer: Arc<dyn Signer>,
    pub(crate) issuer: String,
    pub(crate) ttl: Duration,
    pub(crate) loader: ContextLoader,
}

/// The strong ETag of a body: the first 128 bits of its SHA-256, hex, quoted.
pub fn etag_of(body: &str) -> String {
    let hash = sha256_hex(body.as_bytes());
    format!("\"{}\"", &hash[..32])
}

impl Publisher {
    /// A publisher serving the lists already signed in `store`.
    pub fn new(store: &dyn RegistryStore, urls: &[String]) -> Result<Self, IssuerError> {
        let mut published = HashMap::new();
        for url in urls {
            if let Some(p) = store.published(url)? {
                published.insert(url.clone(), Arc::new(p));
            }
        }
        Ok(Self {
            pending: Mutex::new((BTreeSet::new(), false)),
            notify: Notify::new(),
            published: RwLock::new(published),
            round: watch::channel(0).0,
            leading: std::sync::atomic::AtomicBool::new(!store.shared()),
        })
    }

    /// Asks for `urls` to be signed and published (if they changed since last published).
    pub fn request(&self, urls: impl IntoIterator<Item = String>) {
        if let Ok(mut p) = self.pending.lock() {
            p.0.extend(urls);
        }
        self.notify.notify_one();
    }

    /// Asks for every list to be signed again even if unchanged (after a key rotation).
    pub fn request_all(&self, urls: impl IntoIterator<Item = String>) {
        if let Ok(mut p) = self.pending.lock() {
            p.0.extend(urls);
            p.1 = true;
        }
        self.notify.notify_one();
    }

    /// Wakes the task (to notice shutdown).
    pub(crate) fn wake(&self) {
        self.notify.notify_one();
    }

    /// Whether this instance signs and publishes the status lists now.
    pub fn leading(&self) -> bool {
        self.leading.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Records whether this instance holds the publisher lease.
    pub(crate) fn set_leading(&self, leading: bool) {
        self.leading
            .store(leading, std::sync::atomic::Ordering::SeqCst);
    }

    /// The published list at `url`.
    pub fn get(&self, url: &str) -> Option<Arc<PublishedList>> {
        self.published.read().ok()?.get(url).cloned()
    }

    /// The version published at `url` (0: none).
    pub fn version(&self, url: &str) -> u64 {
        self.get(url).map_or(0, |p| p.version)
    }

    /// Waits until the list at `url` is published at `version` or later; false on time-out.
    pub async fn wait_for(&self, url: &str, version: u64, timeout: Duration) -> bool {
        let mut rx = self.round.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if self.version(url) >= version {
                return true;
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => {}
                _ => return self.version(url) >= version,
            }
        }
    }

    /// The pending requests, taken: the URLs, and whether they must be signed even if
    /// unchanged.
    fn take_pending(&self) -> Result<(BTreeSet<String>, bool), IssuerError> {
        match self.pending.lock() {
            Ok(mut p) => Ok((std::mem::take(&mut p.0), std::mem::take(&mut p.1))),
            Err(_) => Err(IssuerError::Unavailable(UnavailableReason::Poisoned(
                "publisher state",
            ))),
        }
    }

    /// One round: signs every pending list that changed (or all pending, when forced).
    /// Returns false when there was nothing to do.
    pub(crate) async fn round(
        &self,
        book: &Mutex<StatusBook>,
        store: &dyn RegistryStore,
        ctx: &SigningContext,
    ) -> Result<bool, IssuerError> {
        let (urls, force) = self.take_pending()?;
        if urls.is_empty() {
            return Ok(false);
        }
        for url in urls {
            let snapshot = match book.lock() {
                Ok(b) => b.list(&url).cloned(),
                Err(_) => {
                    return Err(IssuerError::Unavailable(UnavailableReason::Poisoned(
                        "status book",
                    )));
                }
            };
            let Some(list) = snapshot else { continue };
            if !force && self.version(&url) >= list.version() {
                continue;
            }
            self.publish(&list, store, ctx).await?;
            if let Ok(mut b) = book.lock()
                && let Ok(l) = b.list_mut(&url)
            {
                l.mark_signed(list.version());
            }
        }
        Ok(true)
    }

    /// One round of the instance that holds the publisher lease of a shared store: signs
    /// every list whose stored version is ahead of the published one, and the pending ones
    /// when forced, from the lists as stored.
    pub(crate) async fn lead_round(
        &self,
        book: &Mutex<StatusBook>,
        store: &dyn RegistryStore,
        ctx: &SigningContext,
    ) -> Result<(), IssuerError> {
        let (pending, force) = self.take_pending()?;
        let mut urls: BTreeSet<String> = store.unpublished_lists()?.into_iter().collect();
        if force {
            urls.extend(pending);
        }
        for url in urls {
            let Some(list) = store.status_list(&url)? else {
                continue;
            };
            if !force && self.version(&url) >= list.version() {
                continue;
            }
            self.publish(&list, store, ctx).await?;
            if let Ok(mut b) = book.lock() {
                b.replace_list(list);
            }
        }
        Ok(())
    }

    /// What an instance that does not hold the publisher lease does with its requests: the
    /// instance that holds it publishes them.
    pub(crate) fn drop_pending(&self) {
        let _ = self.take_pending();
    }

    /// Follows what was published in a shared store: serves the lists published after mark
    /// `since` and reads them into the book as stored (other instances change them too).
    /// Returns the next mark.
    pub(crate) fn follow(
        &self,
        since: u64,
        book: &Mutex<StatusBook>,
        store: &dyn RegistryStore,
    ) -> Result<u64, IssuerError> {
        let (lists, mark) = store.published_since(since)?;
        if lists.is_empty() {
            return Ok(mark);
        }
        for published in lists {
            if published.version < self.version(&published.url) {
                continue;
            }
            if let Some(list) = store.status_list(&published.url)?
                && let Ok(mut b) = book.lock()
            {
                b.replace_list(list);
            }
            self.adopt(published);
        }
        Ok(mark)
    }

    /// Serves `published`, a list another instance published (or this one, seen again).
    pub(crate) fn adopt(&self, published: PublishedList) -> Arc<PublishedList> {
        let published = Arc::new(published);
        if let Ok(mut map) = self.published.write() {
            map.insert(published.url.clone(), published.clone());
        }
        self.round.send_modify(|r| *r += 1);
        published
    }

    /// Signs `list` as it is now and publishes it.
    async fn publish(
        &self,
        list: &StatusList,
        store: &dyn RegistryStore,
        ctx: &SigningContext,
    ) -> Result<(), IssuerError> {
        let url = list.url().to_owned();
        let now = Utc::now();
        let options = PublishOptions::new(&ctx.issuer).ttl(ctx.ttl);
        let unsigned = list.to_credential(&options, now).to_json();
        let proof = ProofOptions {
            created: Some(now),
            ..ProofOptions::default()
        };
        let signed = add_proof(&unsigned, ctx.signer.as_ref(), &proof, &ctx.loader)
            .await
            .map_err(|error| {
                IssuerError::Signing(SigningError::StatusList {
                    url: url.clone(),
                    error,
                })
            })?;
        let body = serde_json::to_string(&signed).map_err(IssuerError::store)?;
        let published = PublishedList {
            url: url.clone(),
            version: list.version(),
            etag: etag_of(&body),
            body,
            signed_at: now,
        };
        store.put_published(&published)?;
        if let Ok(mut map) = self.published.write() {
            map.insert(url, Arc::new(published));
        }
        self.round.send_modify(|r| *r += 1);
        Ok(())
    }

    /// Waits for a request (or a wake-up).
    pub(crate) async fn wait(&self) {
        self.notify.notified().await;
    }
}

/// The allocator configuration of `purpose`.
pub fn allocator_config(
    base: &str,
    purpose: StatusPurpose,
    entries: u64,
    lease: u64,
) -> AllocatorConfig {
    AllocatorConfig::new(base, purpose)
        .entries_per_list(entries)
        .lease_size(lease)
}
