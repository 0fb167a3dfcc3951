//! `c_nonce` issuance and one-time consumption with expiry (the Nonce Endpoint).

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::StoreError;
use crate::error::Oid4vciError;
use crate::secret::{self, SecretHash};

/// Storage of nonces by the SHA-256 of the nonce.
pub trait NonceStore: Send + Sync {
    /// Stores a nonce's expiry; `Ok(false)` if the hash is already present.
    fn put(&self, hash: SecretHash, expires_at: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Removes a nonce and returns its expiry, atomically: of two concurrent takes of one
    /// nonce, one gets `None`.
    fn take(&self, hash: &SecretHash) -> Result<Option<DateTime<Utc>>, StoreError>;
    /// Forgets nonces that expired before `now` (a store that expires entries itself may do
    /// nothing).
    fn purge_expired(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        let _ = now;
        Ok(())
    }
}

/// A shared store is a store (the issuer keeps one behind an `Arc<dyn …>`).
impl<T: NonceStore + ?Sized> NonceStore for std::sync::Arc<T> {
    fn put(&self, hash: SecretHash, expires_at: DateTime<Utc>) -> Result<bool, StoreError> {
        (**self).put(hash, expires_at)
    }
    fn take(&self, hash: &SecretHash) -> Result<Option<DateTime<Utc>>, StoreError> {
        (**self).take(hash)
    }
    fn purge_expired(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        (**self).purge_expired(now)
    }
}

/// An in-memory [`NonceStore`], for tests and single-process use.
#[derive(Debug, Default)]
pub struct MemoryNonceStore {
    nonces: Mutex<HashMap<SecretHash, DateTime<Utc>>>,
}

impl MemoryNonceStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl NonceStore for MemoryNonceStore {
    fn put(&self, hash: SecretHash, expires_at: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut map = self
            .nonces
            .lock()
            .map_err(|_| StoreError("lock poisoned".into()))?;
        if map.contains_key(&hash) {
            return Ok(false);
        }
        map.insert(hash, expires_at);
        Ok(true)
    }

    fn take(&self, hash: &SecretHash) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(self
            .nonces
            .lock()
            .map_err(|_| StoreError("lock poisoned".into()))?
            .remove(hash))
    }

    fn purge_expired(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.nonces
            .lock()
            .map_err(|_| StoreError("lock poisoned".into()))?
            .retain(|_, expires_at| *expires_at > now);
        Ok(())
    }
}

impl MemoryNonceStore {
    /// How many nonces are stored.
    pub fn len(&self) -> usize {
        self.nonces.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// Whether no nonce is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The Nonce Endpoint's response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NonceResponse {
    /// The nonce the next key proof must carry.
    pub c_nonce: String,
}

/// Nonces over a [`NonceStore`].
#[derive(Debug)]
pub struct Nonces<S> {
    store: S,
    ttl: Duration,
}

impl<S: NonceStore> Nonces<S> {
    /// Nonces over `store` living 5 minutes.
    pub fn new(store: S) -> Self {
        Self::with_ttl(store, Duration::minutes(5))
    }

    /// Nonces over `store` living `ttl`.
    pub fn with_ttl(store: S, ttl: Duration) -> Self {
        Self { store, ttl }
    }

    /// How long a nonce lives.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Issues a new nonce (and forgets expired ones, so the store stays bounded by the issue
    /// rate).
    pub fn issue(&self, now: DateTime<Utc>) -> Result<NonceResponse, Oid4vciError> {
        self.store.purge_expired(now)?;
        let nonce = secret::random_secret();
        if !self.store.put(secret::hash(&nonce), now + self.ttl)? {
            return Err(Oid4vciError::ServerError("nonce collision".into()));
        }
        Ok(NonceResponse { c_nonce: nonce })
    }

    /// Consumes a nonce: unknown, reused or expired → `invalid_nonce`.
    pub fn consume(&self, nonce: &str, now: DateTime<Utc>) -> Result<(), Oid4vciError> {
        match self.store.take(&secret::hash(nonce))? {
            None => Err(Oid4vciError::InvalidNonce(
                "c_nonce is unknown or already used".into(),
            )),
            Some(expires_at) if now >= expires_at => {
                Err(Oid4vciError::InvalidNonce("c_nonce expired".into()))
            }
            Some(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_time_and_expiry() {
        let n = Nonces::new(MemoryNonceStore::new());
        let now = Utc::now();
        let a = n.issue(now).unwrap().c_nonce;
        n.consume(&a, now).unwrap();
        assert_eq!(n.consume(&a, now).unwrap_err().code(), "invalid_nonce");
        assert_eq!(n.consume("nope", now).unwrap_err().code(), "invalid_nonce");
        let b = n.issue(now).unwrap().c_nonce;
        let e = n.consume(&b, now + Duration::minutes(5)).unwrap_err();
        assert_eq!(e, Oid4vciError::InvalidNonce("c_nonce expired".into()));
    }

    #[test]
    fn expired_nonces_are_purged() {
        let n = Nonces::new(MemoryNonceStore::new());
        let now = Utc::now();
        n.issue(now).unwrap();
        n.issue(now).unwrap();
        n.issue(now + Duration::minutes(6)).unwrap();
        assert_eq!(n.store.len(), 1);
    }
}
