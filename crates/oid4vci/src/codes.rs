//! The single-use pre-authorized code and the single-use access token it is exchanged for.
//!
//! A code is random (32 bytes, base64url), stored only as its SHA-256, bound to a record id and
//! the configuration ids it may be used for, expires, and carries a transaction code (digits)
//! compared in constant time. After [`CodeConfig::max_tx_code_attempts`] wrong transaction codes
//! the code is dead. A successful token exchange consumes it: a replay gives `invalid_grant`.
//! The access token is random too, stored hashed, short-lived, and used for one issuance.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Oid4vciError;
use crate::offer::PRE_AUTHORIZED_GRANT;
use crate::secret::{self, SecretHash};

/// Where a pre-authorized code stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CodeState {
    /// Not used yet.
    Active,
    /// Exchanged for an access token.
    Consumed,
    /// Too many wrong transaction codes.
    Locked,
}

/// A stored pre-authorized code (the code itself is not stored, only its hash as the key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeRecord {
    /// The registry record the credential is issued from.
    pub record_id: String,
    /// The configuration ids the code may be used for.
    pub configuration_ids: Vec<String>,
    /// The SHA-256 of the transaction code, if one is required.
    pub tx_code_hash: Option<SecretHash>,
    /// When the code expires.
    pub expires_at: DateTime<Utc>,
    /// Wrong transaction codes so far.
    pub failed_tx_code_attempts: u32,
    /// The state.
    pub state: CodeState,
}

/// A stored access token (keyed by its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// The registry record the credential is issued from.
    pub record_id: String,
    /// The configuration ids the token may be used for.
    pub configuration_ids: Vec<String>,
    /// When the token expires.
    pub expires_at: DateTime<Utc>,
    /// Whether it has been used for an issuance.
    pub used: bool,
}

/// A store failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("code store: {0}")]
pub struct StoreError(pub String);

impl From<StoreError> for Oid4vciError {
    fn from(e: StoreError) -> Self {
        Self::ServerError(e.to_string())
    }
}

/// Storage of codes and tokens, by the SHA-256 of the secret. Updates are compare-and-swap so
/// that two concurrent exchanges of one code cannot both succeed.
pub trait CodeStore: Send + Sync {
    /// Stores a new code; `Ok(false)` if the hash is already present.
    fn put_code(&self, hash: SecretHash, record: CodeRecord) -> Result<bool, StoreError>;
    /// Reads a code.
    fn get_code(&self, hash: &SecretHash) -> Result<Option<CodeRecord>, StoreError>;
    /// Replaces a code's record if it still equals `expected`; `Ok(false)` otherwise.
    fn update_code(
        &self,
        hash: &SecretHash,
        expected: &CodeRecord,
        new: CodeRecord,
    ) -> Result<bool, StoreError>;
    /// Stores a new access token; `Ok(false)` if the hash is already present.
    fn put_token(&self, hash: SecretHash, record: TokenRecord) -> Result<bool, StoreError>;
    /// Reads an access token.
    fn get_token(&self, hash: &SecretHash) -> Result<Option<TokenRecord>, StoreError>;
    /// Replaces a token's record if it still equals `expected`; `Ok(false)` otherwise.
    fn update_token(
        &self,
        hash: &SecretHash,
        expected: &TokenRecord,
        new: TokenRecord,
    ) -> Result<bool, StoreError>;
}

/// A shared store is a store (the issuer keeps one behind an `Arc<dyn …>`).
impl<T: CodeStore + ?Sized> CodeStore for std::sync::Arc<T> {
    fn put_code(&self, hash: SecretHash, record: CodeRecord) -> Result<bool, StoreError> {
        (**self).put_code(hash, record)
    }
    fn get_code(&self, hash: &SecretHash) -> Result<Option<CodeRecord>, StoreError> {
        (**self).get_code(hash)
    }
    fn update_code(
        &self,
        hash: &SecretHash,
        expected: &CodeRecord,
        new: CodeRecord,
    ) -> Result<bool, StoreError> {
        (**self).update_code(hash, expected, new)
    }
    fn put_token(&self, hash: SecretHash, record: TokenRecord) -> Result<bool, StoreError> {
        (**self).put_token(hash, record)
    }
    fn get_token(&self, hash: &SecretHash) -> Result<Option<TokenRecord>, StoreError> {
        (**self).get_token(hash)
    }
    fn update_token(
        &self,
        hash: &SecretHash,
        expected: &TokenRecord,
        new: TokenRecord,
    ) -> Result<bool, StoreError> {
        (**self).update_token(hash, expected, new)
    }
}

/// An in-memory [`CodeStore`], for tests and single-process use.
#[derive(Debug, Default)]
pub struct MemoryCodeStore {
    codes: Mutex<HashMap<SecretHash, CodeRecord>>,
    tokens: Mutex<HashMap<SecretHash, TokenRecord>>,
}

impl MemoryCodeStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

fn poisoned<T>(_: T) -> StoreError {
    StoreError("lock poisoned".into())
}

fn put<V>(map: &Mutex<HashMap<SecretHash, V>>, hash: SecretHash, v: V) -> Result<bool, StoreError> {
    let mut map = map.lock().map_err(poisoned)?;
    if map.contains_key(&hash) {
        return Ok(false);
    }
    map.insert(hash, v);
    Ok(true)
}

fn get<V: Clone>(
    map: &Mutex<HashMap<SecretHash, V>>,
    hash: &SecretHash,
) -> Result<Option<V>, StoreError> {
    Ok(map.lock().map_err(poisoned)?.get(hash).cloned())
}

fn cas<V: PartialEq>(
    map: &Mutex<HashMap<SecretHash, V>>,
    hash: &SecretHash,
    expected: &V,
    new: V,
) -> Result<bool, StoreError> {
    let mut map = map.lock().map_err(poisoned)?;
    match map.get_mut(hash) {
        Some(current) if current == expected => {
            *current = new;
            Ok(true)
        }
        _ => Ok(false),
    }
}

impl CodeStore for MemoryCodeStore {
    fn put_code(&self, hash: SecretHash, record: CodeRecord) -> Result<bool, StoreError> {
        put(&self.codes, hash, record)
    }
    fn get_code(&self, hash: &SecretHash) -> Result<Option<CodeRecord>, StoreError> {
        get(&self.codes, hash)
    }
    fn update_code(
        &self,
        hash: &SecretHash,
        expected: &CodeRecord,
        new: CodeRecord,
    ) -> Result<bool, StoreError> {
        cas(&self.codes, hash, expected, new)
    }
    fn put_token(&self, hash: SecretHash, record: TokenRecord) -> Result<bool, StoreError> {
        put(&self.tokens, hash, record)
    }
    fn get_token(&self, hash: &SecretHash) -> Result<Option<TokenRecord>, StoreError> {
        get(&self.tokens, hash)
    }
    fn update_token(
        &self,
        hash: &SecretHash,
        expected: &TokenRecord,
        new: TokenRecord,
    ) -> Result<bool, StoreError> {
        cas(&self.tokens, hash, expected, new)
    }
}

/// Lifetimes and limits of codes and tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeConfig {
    /// How long a pre-authorized code lives (default 10 minutes).
    pub code_ttl: Duration,
    /// The transaction code's number of digits, `None` for no transaction code (default 6).
    pub tx_code_length: Option<u32>,
    /// Wrong transaction codes allowed before the code is dead (default 3).
    pub max_tx_code_attempts: u32,
    /// How long an access token lives (default 5 minutes).
    pub token_ttl: Duration,
}

impl Default for CodeConfig {
    fn default() -> Self {
        Self {
            code_ttl: Duration::minutes(10),
            tx_code_length: Some(6),
            max_tx_code_attempts: 3,
            token_ttl: Duration::minutes(5),
        }
    }
}

/// A freshly issued pre-authorized code: the only time the secrets are seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCode {
    /// The pre-authorized code, for the offer.
    pub code: String,
    /// The transaction code, to send the holder by another channel.
    pub tx_code: Option<String>,
    /// When the code expires.
    pub expires_at: DateTime<Utc>,
}

/// A token request of the pre-authorized code grant (`application/x-www-form-urlencoded`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// `pre-authorized_code`.
    pub pre_authorized_code: String,
    /// `tx_code`.
    pub tx_code: Option<String>,
}

/// The largest token request body parsed (bytes).
pub const MAX_TOKEN_REQUEST_BYTES: usize = 4096;

impl TokenRequest {
    /// Parses a form-encoded token request body.
    pub fn from_form(body: &str) -> Result<Self, Oid4vciError> {
        if body.len() > MAX_TOKEN_REQUEST_BYTES {
            return Err(Oid4vciError::InvalidRequest(
                "token request too large".into(),
            ));
        }
        let mut grant_type = None;
        let mut code = None;
        let mut tx_code = None;
        for pair in body.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = crate::offer::percent_decode(value).ok_or_else(|| {
                Oid4vciError::InvalidRequest(format!("`{name}` is not valid percent-encoding"))
            })?;
            let slot = match name {
                "grant_type" => &mut grant_type,
                "pre-authorized_code" => &mut code,
                "tx_code" => &mut tx_code,
                _ => continue,
            };
            if slot.replace(value).is_some() {
                return Err(Oid4vciError::InvalidRequest(format!(
                    "`{name}` is repeated"
                )));
            }
        }
        match grant_type.as_deref() {
            Some(PRE_AUTHORIZED_GRANT) => {}
            Some(other) => {
                return Err(Oid4vciError::UnsupportedGrantType(format!(
                    "grant type `{other}` is not supported"
                )));
            }
            None => {
                return Err(Oid4vciError::InvalidRequest(
                    "`grant_type` is missing".into(),
                ));
            }
        }
        let pre_authorized_code = code.ok_or_else(|| {
            Oid4vciError::InvalidRequest("`pre-authorized_code` is missing".into())
        })?;
        Ok(Self {
            pre_authorized_code,
            tx_code,
        })
    }
}

/// The token response (RFC 6749 §5.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: String,
    /// `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: i64,
}

/// What a redeemed access token allows: one issuance of one configuration from one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The registry record the credential is issued from.
    pub record_id: String,
    /// The configuration to issue.
    pub configuration_id: String,
}

/// The pre-authorized code and access token lifecycle over a [`CodeStore`].
#[derive(Debug)]
pub struct Codes<S> {
    store: S,
    config: CodeConfig,
}

fn grant_error(msg: &str) -> Oid4vciError {
    Oid4vciError::InvalidGrant(msg.to_owned())
}

impl<S: CodeStore> Codes<S> {
    /// The lifecycle over `store` with `config`.
    pub fn new(store: S, config: CodeConfig) -> Self {
        Self { store, config }
    }

    /// The configuration.
    pub fn config(&self) -> &CodeConfig {
        &self.config
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Issues a pre-authorized code for `record_id`, usable for `configuration_ids`.
    pub fn issue(
        &self,
        record_id: &str,
        configuration_ids: Vec<String>,
        now: DateTime<Utc>,
    ) -> Result<IssuedCode, Oid4vciError> {
        if configuration_ids.is_empty() {
            return Err(Oid4vciError::InvalidRequest(
                "a pre-authorized code needs at least one configuration".into(),
            ));
        }
        let tx_code = self
            .config
            .tx_code_length
            .map(|n| secret::random_digits(n as usize));
        let code = secret::random_secret();
        let expires_at = now + self.config.code_ttl;
        let record = CodeRecord {
            record_id: record_id.to_owned(),
            configuration_ids,
            tx_code_hash: tx_code.as_deref().map(secret::hash),
            expires_at,
            failed_tx_code_attempts: 0,
            state: CodeState::Active,
        };
        if !self.store.put_code(secret::hash(&code), record)? {
            return Err(Oid4vciError::ServerError("code collision".into()));
        }
        Ok(IssuedCode {
            code,
            tx_code,
            expires_at,
        })
    }

    /// Exchanges a pre-authorized code (and its transaction code) for an access token.
    pub fn exchange(
        &self,
        request: &TokenRequest,
        now: DateTime<Utc>,
    ) -> Result<TokenResponse, Oid4vciError> {
        let hash = secret::hash(&request.pre_authorized_code);
        let current = self
            .store
            .get_code(&hash)?
            .ok_or_else(|| grant_error("unknown pre-authorized code"))?;
        match current.state {
            CodeState::Active => {}
            CodeState::Consumed => return Err(grant_error("pre-authorized code already used")),
            CodeState::Locked => {
                return Err(grant_error(
                    "pre-authorized code locked after too many wrong transaction codes",
                ));
            }
        }
        if now >= current.expires_at {
            return Err(grant_error("pre-authorized code expired"));
        }
        // OpenID4VCI 1.0 §6.3: a transaction code given when none is expected, or missing when
        // one is, is `invalid_request`; a wrong one is `invalid_grant`.
        if current.tx_code_hash.is_none() && request.tx_code.is_some() {
            return Err(Oid4vciError::InvalidRequest(
                "`tx_code` given but this code expects none".into(),
            ));
        }
        if let Some(expected) = &current.tx_code_hash {
            let given = request
                .tx_code
                .as_deref()
                .ok_or_else(|| Oid4vciError::InvalidRequest("`tx_code` is missing".into()))?;
            if !secret::constant_time_eq(&secret::hash(given), expected) {
                self.count_wrong_tx_code(&hash, current)?;
                return Err(grant_error("wrong transaction code"));
            }
        }
        let mut consumed = current.clone();
        consumed.state = CodeState::Consumed;
        if !self.store.update_code(&hash, &current, consumed)? {
            return Err(grant_error("pre-authorized code already used"));
        }
        let token = secret::random_secret();
        let record = TokenRecord {
            record_id: current.record_id,
            configuration_ids: current.configuration_ids,
            expires_at: now + self.config.token_ttl,
            used: false,
        };
        if !self.store.put_token(secret::hash(&token), record)? {
            return Err(Oid4vciError::ServerError("token collision".into()));
        }
        Ok(TokenResponse {
            access_token: token,
            token_type: "Bearer".into(),
            expires_in: self.config.token_ttl.num_seconds(),
        })
    }

    /// Counts a wrong transaction code, retrying when a concurrent attempt changed the record
    /// first: every wrong guess counts, so parallel guessing cannot get past the limit.
    fn count_wrong_tx_code(
        &self,
        hash: &SecretHash,
        mut current: CodeRecord,
    ) -> Result<(), Oid4vciError> {
        for _ in 0..64 {
            if current.state != CodeState::Active {
                return Ok(());
            }
            let mut next = current.clone();
            next.failed_tx_code_attempts = next.failed_tx_code_attempts.saturating_add(1);
            if next.failed_tx_code_attempts >= self.config.max_tx_code_attempts {
                next.state = CodeState::Locked;
            }
            if self.store.update_code(hash, &current, next)? {
                return Ok(());
            }
            match self.store.get_code(hash)? {
                Some(record) => current = record,
                None => return Ok(()),
            }
        }
        Err(Oid4vciError::ServerError(
            "could not record a wrong transaction code under contention".into(),
        ))
    }

    /// Checks an access token without using it: the record and configurations it allows.
    pub fn check_token(
        &self,
        access_token: &str,
        now: DateTime<Utc>,
    ) -> Result<TokenRecord, Oid4vciError> {
        let record = self
            .store
            .get_token(&secret::hash(access_token))?
            .ok_or_else(|| Oid4vciError::InvalidToken("unknown access token".into()))?;
        if record.used {
            return Err(Oid4vciError::InvalidToken(
                "access token already used".into(),
            ));
        }
        if now >= record.expires_at {
            return Err(Oid4vciError::InvalidToken("access token expired".into()));
        }
        Ok(record)
    }

    /// Uses an access token for one issuance of `configuration_id`.
    pub fn redeem_token(
        &self,
        access_token: &str,
        configuration_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Grant, Oid4vciError> {
        let hash = secret::hash(access_token);
        let current = self.check_token(access_token, now)?;
        if !current
            .configuration_ids
            .iter()
            .any(|c| c == configuration_id)
        {
            return Err(Oid4vciError::UnknownCredentialConfiguration(format!(
                "the access token does not cover `{configuration_id}`"
            )));
        }
        let mut used = current.clone();
        used.used = true;
        if !self.store.update_token(&hash, &current, used)? {
            return Err(Oid4vciError::InvalidToken(
                "access token already used".into(),
            ));
        }
        Ok(Grant {
            record_id: current.record_id,
            configuration_id: configuration_id.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes() -> Codes<MemoryCodeStore> {
        Codes::new(MemoryCodeStore::new(), CodeConfig::default())
    }

    fn req(code: &str, tx: Option<&str>) -> TokenRequest {
        TokenRequest {
            pre_authorized_code: code.into(),
            tx_code: tx.map(Into::into),
        }
    }

    #[test]
    fn stored_only_hashed_and_single_use() {
        let c = codes();
        let now = Utc::now();
        let issued = c.issue("rec-1", vec!["A".into()], now).unwrap();
        assert_eq!(issued.code.len(), 43);
        let tx = issued.tx_code.clone().unwrap();
        assert_eq!(tx.len(), 6);
        assert!(
            c.store()
                .get_code(&secret::hash(&issued.code))
                .unwrap()
                .is_some()
        );
        let t = c.exchange(&req(&issued.code, Some(&tx)), now).unwrap();
        assert_eq!(t.token_type, "Bearer");
        assert_eq!(t.expires_in, 300);
        assert_eq!(
            c.exchange(&req(&issued.code, Some(&tx)), now)
                .unwrap_err()
                .code(),
            "invalid_grant"
        );
        let g = c.redeem_token(&t.access_token, "A", now).unwrap();
        assert_eq!(g.record_id, "rec-1");
        assert_eq!(
            c.redeem_token(&t.access_token, "A", now)
                .unwrap_err()
                .code(),
            "invalid_token"
        );
    }

    #[test]
    fn lock_out() {
        let c = codes();
        let now = Utc::now();
        let issued = c.issue("rec-1", vec!["A".into()], now).unwrap();
        let tx = issued.tx_code.clone().unwrap();
        let wrong = if tx == "000000" { "111111" } else { "000000" };
        for _ in 0..3 {
            assert_eq!(
                c.exchange(&req(&issued.code, Some(wrong)), now)
                    .unwrap_err()
                    .code(),
                "invalid_grant"
            );
        }
        let e = c.exchange(&req(&issued.code, Some(&tx)), now).unwrap_err();
        assert!(e.description().contains("locked"), "{e}");
    }

    #[test]
    fn missing_tx_code_and_expiry() {
        let c = codes();
        let now = Utc::now();
        let issued = c.issue("rec-1", vec!["A".into()], now).unwrap();
        assert_eq!(
            c.exchange(&req(&issued.code, None), now)
                .unwrap_err()
                .code(),
            "invalid_request"
        );
        let later = now + Duration::minutes(10);
        let e = c
            .exchange(&req(&issued.code, issued.tx_code.as_deref()), later)
            .unwrap_err();
        assert!(e.description().contains("expired"));
    }

    #[test]
    fn unexpected_tx_code() {
        let c = Codes::new(
            MemoryCodeStore::new(),
            CodeConfig {
                tx_code_length: None,
                ..CodeConfig::default()
            },
        );
        let now = Utc::now();
        let issued = c.issue("rec-1", vec!["A".into()], now).unwrap();
        assert!(issued.tx_code.is_none());
        let e = c
            .exchange(&req(&issued.code, Some("123456")), now)
            .unwrap_err();
        assert_eq!(e.code(), "invalid_request");
        c.exchange(&req(&issued.code, None), now).unwrap();
    }

    #[test]
    fn token_request_form() {
        let r = TokenRequest::from_form(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code=abc&tx_code=123456",
        )
        .unwrap();
        assert_eq!(r, req("abc", Some("123456")));
        assert_eq!(
            TokenRequest::from_form("grant_type=authorization_code&code=x")
                .unwrap_err()
                .code(),
            "unsupported_grant_type"
        );
        assert_eq!(
            TokenRequest::from_form("pre-authorized_code=x")
                .unwrap_err()
                .code(),
            "invalid_request"
        );
    }
}
