//! [`SledExchange`]: OpenID4VCI state in the registry's sled database, beside the registry
//! (one process holds the database, so an offer made by `civitas issuer offer` is known to the
//! service started after it). Keys are a prefix and the SHA-256 of the secret; values JSON:
//!
//! | key | value |
//! | --- | --- |
//! | `oc/<code hash>` | `CodeRecord` |
//! | `ot/<access token hash>` | `TokenRecord` |
//! | `on/<nonce hash>` | the nonce's expiry |
//! | `oo/<offer handle hash>` | [`StoredOffer`] |
//!
//! Compare-and-swap is sled's own, on the exact bytes stored. Expired entries are dropped at
//! most once a minute, when a nonce is issued.

use chrono::{DateTime, Utc};
use civitas_oid4vci::codes::{CodeRecord, CodeStore, StoreError, TokenRecord};
use civitas_oid4vci::nonce::NonceStore;
use civitas_oid4vci::secret::SecretHash;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::exchange::{ExchangeStore, PurgeClock, StoredOffer};

const CODES: &[u8] = b"oc/";
const TOKENS: &[u8] = b"ot/";
const NONCES: &[u8] = b"on/";
const OFFERS: &[u8] = b"oo/";

/// OpenID4VCI state in a sled database.
#[derive(Debug)]
pub(crate) struct SledExchange {
    db: sled::Db,
    /// When expired entries were last dropped.
    last_purge: PurgeClock,
}

fn key(prefix: &[u8], hash: &SecretHash) -> Vec<u8> {
    let mut k = Vec::with_capacity(prefix.len() + hash.len());
    k.extend_from_slice(prefix);
    k.extend_from_slice(hash);
    k
}

fn failed(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

fn to_json<T: Serialize>(v: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(v).map_err(failed)
}

fn from_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError(format!("corrupt entry: {e}")))
}

impl SledExchange {
    pub(crate) fn new(db: sled::Db) -> Self {
        Self {
            db,
            last_purge: PurgeClock::default(),
        }
    }

    fn insert_new<T: Serialize>(
        &self,
        prefix: &[u8],
        hash: &SecretHash,
        value: &T,
    ) -> Result<bool, StoreError> {
        let swapped = self
            .db
            .compare_and_swap(
                key(prefix, hash),
                None as Option<&[u8]>,
                Some(to_json(value)?),
            )
            .map_err(failed)?;
        Ok(swapped.is_ok())
    }

    fn read<T: DeserializeOwned>(
        &self,
        prefix: &[u8],
        hash: &SecretHash,
    ) -> Result<Option<T>, StoreError> {
        match self.db.get(key(prefix, hash)).map_err(failed)? {
            Some(v) => from_json(&v).map(Some),
            None => Ok(None),
        }
    }

    fn swap<T: Serialize>(
        &self,
        prefix: &[u8],
        hash: &SecretHash,
        expected: &T,
        new: &T,
    ) -> Result<bool, StoreError> {
        let swapped = self
            .db
            .compare_and_swap(
                key(prefix, hash),
                Some(to_json(expected)?),
                Some(to_json(new)?),
            )
            .map_err(failed)?;
        Ok(swapped.is_ok())
    }

    /// Drops the entries under `prefix` whose expiry (read by `expiry`) is before `now`.
    fn drop_expired(
        &self,
        prefix: &[u8],
        now: DateTime<Utc>,
        expiry: impl Fn(&[u8]) -> Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        for item in self.db.scan_prefix(prefix) {
            let (k, v) = item.map_err(failed)?;
            // an entry that cannot be read is kept: it is refused when used, and looked at
            if expiry(&v).is_some_and(|at| at <= now) {
                self.db.remove(k).map_err(failed)?;
            }
        }
        Ok(())
    }
}

impl CodeStore for SledExchange {
    fn put_code(&self, hash: SecretHash, record: CodeRecord) -> Result<bool, StoreError> {
        self.insert_new(CODES, &hash, &record)
    }
    fn get_code(&self, hash: &SecretHash) -> Result<Option<CodeRecord>, StoreError> {
        self.read(CODES, hash)
    }
    fn update_code(
        &self,
        hash: &SecretHash,
        expected: &CodeRecord,
        new: CodeRecord,
    ) -> Result<bool, StoreError> {
        self.swap(CODES, hash, expected, &new)
    }
    fn put_token(&self, hash: SecretHash, record: TokenRecord) -> Result<bool, StoreError> {
        self.insert_new(TOKENS, &hash, &record)
    }
    fn get_token(&self, hash: &SecretHash) -> Result<Option<TokenRecord>, StoreError> {
        self.read(TOKENS, hash)
    }
    fn update_token(
        &self,
        hash: &SecretHash,
        expected: &TokenRecord,
        new: TokenRecord,
    ) -> Result<bool, StoreError> {
        self.swap(TOKENS, hash, expected, &new)
    }
}

impl NonceStore for SledExchange {
    fn put(&self, hash: SecretHash, expires_at: DateTime<Utc>) -> Result<bool, StoreError> {
        self.insert_new(NONCES, &hash, &expires_at)
    }
    fn take(&self, hash: &SecretHash) -> Result<Option<DateTime<Utc>>, StoreError> {
        match self.db.remove(key(NONCES, hash)).map_err(failed)? {
            Some(v) => from_json(&v).map(Some),
            None => Ok(None),
        }
    }
    fn purge_expired(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        if !self.last_purge.due(now) {
            return Ok(());
        }
        self.drop_expired(NONCES, now, |v| from_json(v).ok())?;
        self.drop_expired(OFFERS, now, |v| {
            from_json::<StoredOffer>(v).ok().map(|o| o.expires_at)
        })?;
        self.drop_expired(CODES, now, |v| {
            from_json::<CodeRecord>(v).ok().map(|c| c.expires_at)
        })?;
        self.drop_expired(TOKENS, now, |v| {
            from_json::<TokenRecord>(v).ok().map(|t| t.expires_at)
        })
    }
}

impl ExchangeStore for SledExchange {
    fn put_offer(&self, hash: SecretHash, offer: StoredOffer) -> Result<bool, StoreError> {
        self.insert_new(OFFERS, &hash, &offer)
    }
    fn get_offer(&self, hash: &SecretHash) -> Result<Option<StoredOffer>, StoreError> {
        self.read(OFFERS, hash)
    }
    fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map(|_| ()).map_err(failed)
    }
}
