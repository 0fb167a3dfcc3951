//! What OpenID4VCI needs remembered between a wallet's requests: pre-authorized codes, access
//! tokens and nonces (civitas-oid4vci's [`CodeStore`] and [`NonceStore`], every secret kept only
//! as its SHA-256), and credential offers served by reference. [`MemoryExchangeStore`] keeps
//! them in memory; the sled registry keeps them in its database (`SledStore`).

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use civitas_oid4vci::codes::{CodeRecord, CodeStore, MemoryCodeStore, StoreError, TokenRecord};
use civitas_oid4vci::nonce::{MemoryNonceStore, NonceStore};
use civitas_oid4vci::secret::SecretHash;
use serde::{Deserialize, Serialize};

/// A credential offer served by reference (`credential_offer_uri`), under the SHA-256 of its
/// random handle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredOffer {
    /// The offer's JSON, as served.
    pub offer: String,
    /// When it stops being served (when its pre-authorized code expires).
    pub expires_at: DateTime<Utc>,
}

/// The store of OpenID4VCI state: codes, tokens, nonces and offers by reference. Updates of
/// codes and tokens are compare-and-swap and a nonce is taken atomically, so that a secret is
/// used at most once even by concurrent requests.
pub trait ExchangeStore: CodeStore + NonceStore {
    /// Stores an offer under its handle's hash; `Ok(false)` if the hash is taken.
    fn put_offer(&self, hash: SecretHash, offer: StoredOffer) -> Result<bool, StoreError>;
    /// Reads an offer.
    fn get_offer(&self, hash: &SecretHash) -> Result<Option<StoredOffer>, StoreError>;
    /// Makes what was written so far durable (a consumed code must stay consumed after a
    /// crash).
    fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// When expired entries were last dropped (Unix seconds): stores that keep them drop them at
/// most once a minute, and only one caller at a time.
#[derive(Debug, Default)]
pub(crate) struct PurgeClock(std::sync::atomic::AtomicI64);

impl PurgeClock {
    /// Whether it is time to drop expired entries; if so, the caller is the one to do it.
    pub(crate) fn due(&self, now: DateTime<Utc>) -> bool {
        use std::sync::atomic::Ordering;
        let last = self.0.load(Ordering::Relaxed);
        now.timestamp() - last >= 60
            && self
                .0
                .compare_exchange(last, now.timestamp(), Ordering::SeqCst, Ordering::Relaxed)
                .is_ok()
    }
}

/// An in-memory [`ExchangeStore`]: for stores without persistence of their own and for tests.
#[derive(Debug, Default)]
pub struct MemoryExchangeStore {
    codes: MemoryCodeStore,
    nonces: MemoryNonceStore,
    offers: Mutex<HashMap<SecretHash, StoredOffer>>,
}

impl CodeStore for MemoryExchangeStore {
    fn put_code(&self, hash: SecretHash, record: CodeRecord) -> Result<bool, StoreError> {
        self.codes.put_code(hash, record)
    }
    fn get_code(&self, hash: &SecretHash) -> Result<Option<CodeRecord>, StoreError> {
        self.codes.get_code(hash)
    }
    fn update_code(
        &self,
        hash: &SecretHash,
        expected: &CodeRecord,
        new: CodeRecord,
    ) -> Result<bool, StoreError> {
        self.codes.update_code(hash, expected, new)
    }
    fn put_token(&self, hash: SecretHash, record: TokenRecord) -> Result<bool, StoreError> {
        self.codes.put_token(hash, record)
    }
    fn get_token(&self, hash: &SecretHash) -> Result<Option<TokenRecord>, StoreError> {
        self.codes.get_token(hash)
    }
    fn update_token(
        &self,
        hash: &SecretHash,
        expected: &TokenRecord,
        new: TokenRecord,
    ) -> Result<bool, StoreError> {
        self.codes.update_token(hash, expected, new)
    }
}

impl NonceStore for MemoryExchangeStore {
    fn put(&self, hash: SecretHash, expires_at: DateTime<Utc>) -> Result<bool, StoreError> {
        self.nonces.put(hash, expires_at)
    }
    fn take(&self, hash: &SecretHash) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.nonces.take(hash)
    }
    fn purge_expired(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.nonces.purge_expired(now)?;
        let mut offers = self
            .offers
            .lock()
            .map_err(|_| StoreError("lock poisoned".into()))?;
        offers.retain(|_, o| o.expires_at > now);
        Ok(())
    }
}

impl ExchangeStore for MemoryExchangeStore {
    fn put_offer(&self, hash: SecretHash, offer: StoredOffer) -> Result<bool, StoreError> {
        let mut offers = self
            .offers
            .lock()
            .map_err(|_| StoreError("lock poisoned".into()))?;
        if offers.contains_key(&hash) {
            return Ok(false);
        }
        offers.insert(hash, offer);
        Ok(true)
    }
    fn get_offer(&self, hash: &SecretHash) -> Result<Option<StoredOffer>, StoreError> {
        let offers = self
            .offers
            .lock()
            .map_err(|_| StoreError("lock poisoned".into()))?;
        Ok(offers.get(hash).cloned())
    }
}
