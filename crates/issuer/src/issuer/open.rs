//! Opening an issuer: the builder that takes a registry store and a signer (or the defaults),
//! the first run that initialises a registry, and the checks that an existing registry is
//! opened with the identity and the key it was initialised with.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, Utc};
use civitas_keys::did::{did_key, did_key_method, did_web};
use civitas_keys::keys::PublicKey;
use civitas_keys::signer::Signer;
use civitas_status::StatusPurpose;
use serde_json::json;
use zeroize::Zeroizing;

use crate::audit::{AuditAction, AuditEvent, ChainHead};
use crate::commit::Committer;
use crate::config::{DidMethod, IssuerConfig};
use crate::error::{ConfigError, IssuerError, StoreError};
use crate::keystore::{FileSigner, KeyRecord, create_key};
use crate::locks::KeyedLocks;
use crate::status::{Publisher, StatusBook, allocator_config};
use crate::store::{IssuerMeta, RegistryStore, StoreLocation, Write, WriteBatch, open_store};
use crate::tokens::{Action, new_token};

use super::{Inner, Issuer, Opened, PUBLISH_WAIT, REGISTRY_FORMAT, now_secs, publish_task};
/// Assembles an [`Issuer`]: its configuration, and optionally the registry store and the signer
/// to use instead of the defaults (the sled registry and the sealed key files of the data
/// directory). Made by [`Issuer::builder`].
///
/// An issuer initialised with an external signer (an HSM, a cloud KMS) records its key in the
/// key history without a key file; it must be given that signer every time it is opened, and
/// the signer must hold the current key of the history.
pub struct IssuerBuilder {
    pub(super) config: IssuerConfig,
    pub(super) store: Option<Arc<dyn RegistryStore>>,
    pub(super) signer: Option<Arc<dyn Signer>>,
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
        let mut config = self.config;
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(IssuerError::config(
                "Issuer::open must be called inside a tokio runtime",
            ));
        }
        // A broken profile, and unknown or broken extra contexts, stop the issuer before
        // anything is opened.
        config.load_profiles()?;
        let loader = config.context_loader()?;
        crate::fsutil::create_private_dir(&config.data_dir)?;
        // An issuer created with its keys in a token remembers the token (hsm.toml).
        if config.hsm.is_none() {
            config.hsm = super::hsm::recall(&config.data_dir)?;
        }
        // An issuer created on PostgreSQL remembers its database (store.toml).
        if config.store == StoreLocation::Sled
            && let Some(location) = crate::store::recall(&config.data_dir)?
        {
            config.store = location;
        }
        let store: Arc<dyn RegistryStore> = match self.store {
            Some(store) => store,
            None => {
                let store = open_store(&config.data_dir, &config.store)?;
                crate::store::remember(&config.data_dir, &config.store)?;
                store
            }
        };
        let mut external = self.signer;
        // Keys in a PKCS#11 token: the current key's signer (or, on the first run, the
        // configured key, generated in the token when missing) is the external signer.
        let mut hsm_token = None;
        let mut first_hsm_label = None;
        if let (None, Some(hsm)) = (&external, &config.hsm) {
            let current = store
                .keys()?
                .into_iter()
                .rev()
                .find(|k| k.valid_until.is_none());
            let first_method = match (&current, did_web_of(&config)?) {
                (None, Some(did)) => Some(format!("{did}#key-1")),
                _ => None,
            };
            let first_run = current.is_none();
            let opened = super::hsm::open(hsm.clone(), current, first_method).await?;
            // only once the token holds this issuer's current key
            super::hsm::remember(&config.data_dir, hsm)?;
            if first_run {
                first_hsm_label = Some(opened.label.clone());
            }
            external = Some(opened.signer);
            hsm_token = Some(opened.token);
        }
        let (meta, passphrase, opened) = match store.meta()? {
            Some(meta) => {
                check_identity(&config, &meta)?;
                // keys in a token: no key file to open, no passphrase needed
                let passphrase = match &config.hsm {
                    Some(_) => Zeroizing::new(String::new()),
                    None => config.passphrase.resolve(&config.data_dir, false)?.0,
                };
                let opened = Opened {
                    initialized: false,
                    admin_token: None,
                    passphrase_file: None,
                };
                (meta, passphrase, opened)
            }
            None => initialize(
                &config,
                store.as_ref(),
                external.as_deref(),
                first_hsm_label.as_deref(),
            )?,
        };
        let keys = store.keys()?;
        let current = keys
            .iter()
            .rev()
            .find(|k| k.valid_until.is_none())
            .ok_or(IssuerError::Store(StoreError::NoCurrentKey))?;
        let signer: Arc<dyn Signer> = match external {
            Some(signer) => {
                check_external_signer(signer.as_ref(), current)?;
                signer
            }
            None if current.file.is_empty() => {
                return Err(IssuerError::config(format!(
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
        // Status: allocators moved past every index in the registry, then the lists. A store
        // shared by several instances writes every lease durably before it is used and is
        // backed up whole (SPEC.md §21.8), so it is not scanned: opening stays O(lists).
        let mut used: HashMap<StatusPurpose, Vec<(u64, u64)>> = HashMap::new();
        let sd_jwt_copies = if store.shared() {
            store.sd_jwt_copies(None)?
        } else {
            let mut sd_jwt_copies = Vec::new();
            crate::store::each_credential(store.as_ref(), |r| {
                used.entry(StatusPurpose::Revocation)
                    .or_default()
                    .push((r.revocation.list_number, r.revocation.index));
                used.entry(StatusPurpose::Suspension)
                    .or_default()
                    .push((r.suspension.list_number, r.suspension.index));
                if let Some(m) = &r.message {
                    used.entry(StatusPurpose::Message)
                        .or_default()
                        .push((m.list_number, m.index));
                }
                if r.sd_jwt {
                    sd_jwt_copies.push(r);
                }
            })?;
            sd_jwt_copies
        };
        let mut configs: Vec<_> = crate::status::PURPOSES
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
        if let Some(messages) = &config.status_messages {
            messages.check()?;
            configs.push(
                allocator_config(
                    &config.status_base(StatusPurpose::Message.as_str()),
                    StatusPurpose::Message,
                    config.entries_per_list,
                    config.lease_size,
                )
                .status_size(messages.size),
            );
        }
        let mut book = StatusBook::load(store.as_ref(), configs, &used)?;
        for r in &sd_jwt_copies {
            book.link_sd_jwt(r);
        }
        store.flush()?;
        let urls = book.urls();
        let publisher = Arc::new(Publisher::new(store.as_ref(), &urls)?);
        let book = Arc::new(Mutex::new(book));
        let committer = Committer::start(store.clone(), book.clone(), head);
        let closed = Arc::new(AtomicBool::new(false));
        let inner = Arc::new(Inner {
            loader,
            signer: RwLock::new(signer),
            keys: RwLock::new(keys),
            passphrase,
            book,
            publisher: publisher.clone(),
            committer,
            locks: Arc::new(KeyedLocks::default()),
            rotation: tokio::sync::Mutex::new(()),
            key_missing: RwLock::new(None),
            exchange: super::oid4vci::Exchange::new(&config, store.exchange_store()),
            tokens: Default::default(),
            hsm: hsm_token,
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

fn check_identity(config: &IssuerConfig, meta: &IssuerMeta) -> Result<(), IssuerError> {
    if meta.format != REGISTRY_FORMAT {
        return Err(IssuerError::config(format!(
            "registry format {} is not {REGISTRY_FORMAT}",
            meta.format
        )));
    }
    if config.base_url != meta.base_url {
        return Err(IssuerError::config(format!(
            "{} was initialised for {} ({}), not {}: status list URLs and the DID cannot change under issued credentials; use the original base URL or another data directory",
            config.data_dir.display(),
            meta.base_url,
            meta.did,
            config.base_url
        )));
    }
    if config.did_method != meta.did_method {
        return Err(IssuerError::config(format!(
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
/// issuer (`did_web`, or for did:key the did:key of the signer's own public key). `hsm_label`:
/// the key's label in the issuer's PKCS#11 token, when it is there.
fn external_key_record(
    signer: &dyn Signer,
    did_web: Option<&str>,
    hsm_label: Option<&str>,
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
        return Err(IssuerError::config(format!(
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
        hsm_label: hsm_label.map(str::to_owned),
    })
}

/// An external signer given to an initialised issuer must hold the history's current key.
fn check_external_signer(signer: &dyn Signer, current: &KeyRecord) -> Result<(), IssuerError> {
    let public = signer.public_key().to_multikey();
    if public != current.public_key_multibase
        || signer.verification_method() != current.verification_method
    {
        return Err(IssuerError::config(format!(
            "the signer holds {} ({public}), but the registry's current key is {} ({})",
            signer.verification_method(),
            current.verification_method,
            current.public_key_multibase
        )));
    }
    Ok(())
}

/// The did:web DID of `config`'s base URL (`None` for a did:key issuer).
fn did_web_of(config: &IssuerConfig) -> Result<Option<String>, IssuerError> {
    Ok(match config.did_method {
        DidMethod::Web => {
            let (host, path) = config.host_and_path()?;
            let segs: Vec<&str> = path.iter().map(String::as_str).collect();
            Some(did_web(&host, &segs).map_err(|e| IssuerError::Config(ConfigError::Did(e)))?)
        }
        DidMethod::Key => None,
    })
}

/// First run: the first key, the DID, the admin token and the first audit entries.
fn initialize(
    config: &IssuerConfig,
    store: &dyn RegistryStore,
    external: Option<&dyn Signer>,
    hsm_label: Option<&str>,
) -> Result<(IssuerMeta, Zeroizing<String>, Opened), IssuerError> {
    crate::config::host_and_path(&config.base_url)?;
    let (passphrase, passphrase_file) = match &config.hsm {
        // keys in a token: nothing is sealed under a passphrase
        Some(_) => (Zeroizing::new(String::new()), None),
        None => config.passphrase.resolve(&config.data_dir, true)?,
    };
    let keys_dir = config.keys_dir();
    crate::fsutil::create_private_dir(&keys_dir)?;
    // A key file left by an initialisation that crashed before its registry entry was written
    // signed nothing: start over.
    let stale = keys_dir.join("key-1.json");
    if stale.exists() {
        std::fs::remove_file(&stale).map_err(|e| IssuerError::io(&stale, e))?;
    }
    let now = now_secs();
    let did_web_id = did_web_of(config)?;
    let method_for = |public: &PublicKey| match &did_web_id {
        Some(did) => format!("{did}#key-1"),
        None => did_key_method(public),
    };
    let key = match external {
        Some(signer) => external_key_record(signer, did_web_id.as_deref(), hsm_label, now)?,
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
