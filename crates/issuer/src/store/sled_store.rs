//! [`SledStore`]: the registry in an embedded sled database (`<data dir>/registry`).
//!
//! Everything lives in one sled tree, under key prefixes, so that one [`WriteBatch`] is one
//! atomic sled batch:
//!
//! | key | value |
//! | --- | --- |
//! | `meta` | [`IssuerMeta`] |
//! | `n/credentials` | credential count (u64, big-endian) |
//! | `c/<credential id>` | [`CredentialRecord`] |
//! | `v/<credential id>` | the signed credential (text) |
//! | `s/<source record id>` | the latest credential id for that source record |
//! | `r/<source record id>` | the highest version of that source record issued (text) |
//! | `l/<list url>` | [`StatusList`] (bits as `encodedList`) |
//! | `p/<list url>` | [`PublishedList`] |
//! | `g/<purpose>` | [`AllocatorState`] |
//! | `a/<seq, u64 big-endian>` | [`AuditEntry`] |
//! | `k/<number, u32 big-endian>` | [`KeyRecord`] |
//! | `t/<token hash>` | [`TokenRecord`] |
//! | `oc/`, `ot/`, `on/`, `oo/` + SHA-256 | OpenID4VCI codes, access tokens, nonces, offers (see `SledExchange`) |
//!
//! Values are JSON. sled takes an exclusive lock on the directory: one process at a time.

use std::collections::HashMap;
use std::path::Path;

use civitas_status::{AllocatorState, StatusList, StatusPurpose};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{
    CredentialRecord, IssuerMeta, LOCK_ATTEMPTS, LOCK_RETRY, PublishedList, RegistryStore, Write,
    WriteBatch,
};
use crate::audit::AuditEntry;
use crate::error::{IssuerError, StoreError};
use crate::keystore::KeyRecord;
use crate::tokens::TokenRecord;

/// The registry in a sled database.
#[derive(Debug, Clone)]
pub struct SledStore {
    pub(super) db: sled::Db,
}

fn key(prefix: &str, rest: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(prefix.len() + rest.len());
    k.extend_from_slice(prefix.as_bytes());
    k.extend_from_slice(rest);
    k
}

fn json<T: Serialize>(value: &T) -> Result<Vec<u8>, IssuerError> {
    serde_json::to_vec(value).map_err(IssuerError::store)
}

fn parse<T: DeserializeOwned>(what: &'static str, bytes: &[u8]) -> Result<T, IssuerError> {
    serde_json::from_slice(bytes).map_err(|e| {
        IssuerError::Store(StoreError::Corrupt {
            what,
            reason: e.to_string(),
        })
    })
}

impl SledStore {
    /// Opens (or creates) the database in `dir`. Fails if another process holds it; a holder
    /// that is closing it (sled releases its lock from a background thread) is waited for up
    /// to 2 s.
    pub fn open(dir: &Path) -> Result<Self, IssuerError> {
        let mut attempt = 0;
        loop {
            let opened = sled::Config::new()
                .path(dir)
                .cache_capacity(256 * 1024 * 1024)
                .mode(sled::Mode::HighThroughput)
                .open();
            match opened {
                Ok(db) => return Ok(Self { db }),
                // sled reports a held lock as an `Other` error with this message
                Err(sled::Error::Io(e))
                    if e.to_string().starts_with("could not acquire lock")
                        && attempt < LOCK_ATTEMPTS =>
                {
                    attempt += 1;
                    std::thread::sleep(LOCK_RETRY);
                }
                Err(e) => {
                    return Err(IssuerError::Store(StoreError::Open {
                        path: dir.display().to_string(),
                        reason: e.to_string(),
                    }));
                }
            }
        }
    }

    fn get<T: DeserializeOwned>(
        &self,
        what: &'static str,
        k: &[u8],
    ) -> Result<Option<T>, IssuerError> {
        match self.db.get(k).map_err(IssuerError::store)? {
            Some(v) => Ok(Some(parse(what, &v)?)),
            None => Ok(None),
        }
    }

    /// A text value under `prefix` + `id` (`what` names it in errors).
    fn text(
        &self,
        prefix: &str,
        what: &'static str,
        id: &str,
    ) -> Result<Option<String>, IssuerError> {
        match self
            .db
            .get(key(prefix, id.as_bytes()))
            .map_err(IssuerError::store)?
        {
            Some(v) => String::from_utf8(v.to_vec()).map(Some).map_err(|_| {
                IssuerError::Store(StoreError::NotUtf8 {
                    what,
                    id: id.to_owned(),
                })
            }),
            None => Ok(None),
        }
    }

    fn scan<T: DeserializeOwned>(
        &self,
        what: &'static str,
        prefix: &str,
    ) -> Result<Vec<T>, IssuerError> {
        self.db
            .scan_prefix(prefix.as_bytes())
            .map(|item| {
                let (_, v) = item.map_err(IssuerError::store)?;
                parse(what, &v)
            })
            .collect()
    }
}

impl RegistryStore for SledStore {
    fn apply(&self, batch: WriteBatch) -> Result<(), IssuerError> {
        let mut b = sled::Batch::default();
        // lists changed entry by entry, and credentials counted, in this batch
        let mut entries: HashMap<String, StatusList> = HashMap::new();
        let mut issued: Option<u64> = None;
        for write in batch.writes {
            match write {
                Write::Meta(m) => b.insert(b"meta".to_vec(), json(&m)?),
                Write::Credential(r) => b.insert(key("c/", r.id.as_bytes()), json(&r)?),
                Write::CredentialText { id, text } => {
                    b.insert(key("v/", id.as_bytes()), text.into_bytes())
                }
                // one writer: the index cannot have changed since the issuance was decided
                Write::Source {
                    source_record_id,
                    credential_id,
                    replaces: _,
                } => b.insert(
                    key("s/", source_record_id.as_bytes()),
                    credential_id.into_bytes(),
                ),
                Write::SourceVersion {
                    source_record_id,
                    version,
                } => b.insert(key("r/", source_record_id.as_bytes()), version.into_bytes()),
                Write::StatusList(l) => {
                    entries.remove(l.url());
                    b.insert(key("l/", l.url().as_bytes()), json(&*l)?)
                }
                Write::StatusEntry { url, index, value } => {
                    let list = match entries.entry(url) {
                        std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                        std::collections::hash_map::Entry::Vacant(v) => {
                            let stored = self
                                .get("status list", &key("l/", v.key().as_bytes()))?
                                .ok_or_else(|| {
                                IssuerError::Store(StoreError::MissingList(v.key().clone()))
                            })?;
                            v.insert(stored)
                        }
                    };
                    list.set(index, value)?;
                    b.insert(key("l/", list.url().as_bytes()), json(&*list)?);
                }
                Write::Audit(e) => b.insert(key("a/", &e.seq.to_be_bytes()), json(&e)?),
                Write::Key(k) => b.insert(key("k/", &k.number.to_be_bytes()), json(&k)?),
                Write::Token(t) => b.insert(key("t/", t.hash.as_bytes()), json(&t)?),
                Write::CredentialCount(n) => issued = Some(n),
                Write::CredentialsIssued(n) => {
                    let before = match issued {
                        Some(c) => c,
                        None => self.credential_count()?,
                    };
                    issued = Some(before.saturating_add(n));
                }
            }
        }
        if let Some(n) = issued {
            b.insert(b"n/credentials".to_vec(), n.to_be_bytes().to_vec());
        }
        self.db.apply_batch(b).map_err(IssuerError::store)?;
        Ok(())
    }

    fn status_list(&self, url: &str) -> Result<Option<StatusList>, IssuerError> {
        self.get("status list", &key("l/", url.as_bytes()))
    }

    fn flush(&self) -> Result<(), IssuerError> {
        self.db.flush().map_err(IssuerError::store)?;
        Ok(())
    }

    fn meta(&self) -> Result<Option<IssuerMeta>, IssuerError> {
        self.get("meta", b"meta")
    }

    fn credential(&self, id: &str) -> Result<Option<CredentialRecord>, IssuerError> {
        self.get("credential", &key("c/", id.as_bytes()))
    }

    fn credential_text(&self, id: &str) -> Result<Option<String>, IssuerError> {
        self.text("v/", "credential text", id)
    }

    fn by_source(&self, source_record_id: &str) -> Result<Option<String>, IssuerError> {
        self.text("s/", "source index", source_record_id)
    }

    fn source_version(&self, source_record_id: &str) -> Result<Option<String>, IssuerError> {
        self.text("r/", "source version", source_record_id)
    }

    fn credentials(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<CredentialRecord>, IssuerError> {
        let start = match after {
            Some(a) => {
                let mut k = key("c/", a.as_bytes());
                k.push(0);
                k
            }
            None => b"c/".to_vec(),
        };
        let mut out = Vec::new();
        for item in self.db.range(start..b"c0".to_vec()) {
            if out.len() >= limit {
                break;
            }
            let (_, v) = item.map_err(IssuerError::store)?;
            out.push(parse("credential", &v)?);
        }
        Ok(out)
    }

    fn credential_count(&self) -> Result<u64, IssuerError> {
        match self.db.get(b"n/credentials").map_err(IssuerError::store)? {
            Some(v) => {
                let bytes: [u8; 8] = v
                    .as_ref()
                    .try_into()
                    .map_err(|_| IssuerError::Store(StoreError::CorruptCount))?;
                Ok(u64::from_be_bytes(bytes))
            }
            None => Ok(0),
        }
    }

    fn status_lists(&self) -> Result<Vec<StatusList>, IssuerError> {
        self.scan("status list", "l/")
    }

    fn put_status_list(&self, list: &StatusList) -> Result<(), IssuerError> {
        self.db
            .insert(key("l/", list.url().as_bytes()), json(list)?)
            .map_err(IssuerError::store)?;
        Ok(())
    }

    fn published(&self, url: &str) -> Result<Option<PublishedList>, IssuerError> {
        self.get("published list", &key("p/", url.as_bytes()))
    }

    fn put_published(&self, list: &PublishedList) -> Result<(), IssuerError> {
        self.db
            .insert(key("p/", list.url.as_bytes()), json(list)?)
            .map_err(IssuerError::store)?;
        Ok(())
    }

    fn allocator_state(
        &self,
        purpose: StatusPurpose,
    ) -> Result<Option<AllocatorState>, IssuerError> {
        self.get("allocator", &key("g/", purpose.as_str().as_bytes()))
    }

    fn put_allocator_state(
        &self,
        purpose: StatusPurpose,
        state: &AllocatorState,
    ) -> Result<(), IssuerError> {
        self.db
            .insert(key("g/", purpose.as_str().as_bytes()), json(state)?)
            .map_err(IssuerError::store)?;
        Ok(())
    }

    fn audit(&self, from: u64, limit: usize) -> Result<Vec<AuditEntry>, IssuerError> {
        let mut out = Vec::new();
        for item in self
            .db
            .range(key("a/", &from.to_be_bytes())..b"a0".to_vec())
        {
            if out.len() >= limit {
                break;
            }
            let (_, v) = item.map_err(IssuerError::store)?;
            out.push(parse("audit", &v)?);
        }
        Ok(out)
    }

    fn audit_head(&self) -> Result<Option<AuditEntry>, IssuerError> {
        match self.db.range(b"a/".to_vec()..b"a0".to_vec()).next_back() {
            Some(item) => {
                let (_, v) = item.map_err(IssuerError::store)?;
                Ok(Some(parse("audit", &v)?))
            }
            None => Ok(None),
        }
    }

    fn keys(&self) -> Result<Vec<KeyRecord>, IssuerError> {
        self.scan("key", "k/")
    }

    fn token(&self, hash: &str) -> Result<Option<TokenRecord>, IssuerError> {
        self.get("token", &key("t/", hash.as_bytes()))
    }

    fn tokens(&self) -> Result<Vec<TokenRecord>, IssuerError> {
        self.scan("token", "t/")
    }

    fn exchange_store(&self) -> std::sync::Arc<dyn super::ExchangeStore> {
        std::sync::Arc::new(super::sled_exchange::SledExchange::new(self.db.clone()))
    }
}
