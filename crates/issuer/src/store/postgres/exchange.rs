//! `PgExchange`: OpenID4VCI's codes, access tokens, nonces and offers by reference in the
//! registry database (tables `civitas_oid4vci_*`, keyed by the SHA-256 of the secret). Each
//! operation is one statement: insert-if-absent (`ON CONFLICT DO NOTHING`), compare-and-swap
//! (`UPDATE … WHERE record = expected`, on the exact JSON text stored) and take
//! (`DELETE … RETURNING`), so that a secret is used at most once even by requests reaching
//! different connections. Expired rows are dropped at most once a minute.

use chrono::{DateTime, Utc};
use civitas_oid4vci::codes::{CodeRecord, CodeStore, StoreError, TokenRecord};
use civitas_oid4vci::nonce::NonceStore;
use civitas_oid4vci::secret::SecretHash;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::queries::{PURGE_EXPIRED, Q};
use super::{Db, db_error};
use crate::error::IssuerError;
use crate::store::exchange::{ExchangeStore, PurgeClock, StoredOffer};

/// OpenID4VCI state in PostgreSQL.
pub(super) struct PgExchange {
    db: Db,
    /// When expired entries were last dropped.
    last_purge: PurgeClock,
}

fn failed(e: IssuerError) -> StoreError {
    StoreError(e.to_string())
}

fn to_json<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError(e.to_string()))
}

fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError(format!("corrupt entry: {e}")))
}

impl PgExchange {
    pub(super) fn new(db: Db) -> Self {
        Self {
            db,
            last_purge: PurgeClock::default(),
        }
    }

    fn insert_new(
        &self,
        q: Q,
        hash: &SecretHash,
        value: String,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.db
            .change(
                "storing OpenID4VCI state",
                q,
                params![hash.to_vec(), value, expires_at],
            )
            .map(|n| n == 1)
            .map_err(failed)
    }

    fn read<T: DeserializeOwned>(&self, q: Q, hash: &SecretHash) -> Result<Option<T>, StoreError> {
        self.db
            .text("reading OpenID4VCI state", q, params![hash.to_vec()])
            .map_err(failed)?
            .map(|t| from_json(&t))
            .transpose()
    }

    fn swap<T: Serialize>(
        &self,
        q: Q,
        hash: &SecretHash,
        expected: &T,
        new: &T,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.db
            .change(
                "updating OpenID4VCI state",
                q,
                params![hash.to_vec(), to_json(expected)?, to_json(new)?, expires_at],
            )
            .map(|n| n == 1)
            .map_err(failed)
    }
}

impl CodeStore for PgExchange {
    fn put_code(&self, hash: SecretHash, record: CodeRecord) -> Result<bool, StoreError> {
        self.insert_new(Q::PutCode, &hash, to_json(&record)?, record.expires_at)
    }
    fn get_code(&self, hash: &SecretHash) -> Result<Option<CodeRecord>, StoreError> {
        self.read(Q::Code, hash)
    }
    fn update_code(
        &self,
        hash: &SecretHash,
        expected: &CodeRecord,
        new: CodeRecord,
    ) -> Result<bool, StoreError> {
        self.swap(Q::SwapCode, hash, expected, &new, new.expires_at)
    }
    fn put_token(&self, hash: SecretHash, record: TokenRecord) -> Result<bool, StoreError> {
        self.insert_new(
            Q::PutExchangeToken,
            &hash,
            to_json(&record)?,
            record.expires_at,
        )
    }
    fn get_token(&self, hash: &SecretHash) -> Result<Option<TokenRecord>, StoreError> {
        self.read(Q::ExchangeToken, hash)
    }
    fn update_token(
        &self,
        hash: &SecretHash,
        expected: &TokenRecord,
        new: TokenRecord,
    ) -> Result<bool, StoreError> {
        self.swap(Q::SwapExchangeToken, hash, expected, &new, new.expires_at)
    }
}

impl NonceStore for PgExchange {
    fn put(&self, hash: SecretHash, expires_at: DateTime<Utc>) -> Result<bool, StoreError> {
        self.db
            .change(
                "storing a nonce",
                Q::PutNonce,
                params![hash.to_vec(), expires_at],
            )
            .map(|n| n == 1)
            .map_err(failed)
    }
    fn take(&self, hash: &SecretHash) -> Result<Option<DateTime<Utc>>, StoreError> {
        let rows = self
            .db
            .rows("taking a nonce", Q::TakeNonce, params![hash.to_vec()])
            .map_err(failed)?;
        Ok(rows.first().map(|row| row.get::<_, DateTime<Utc>>(0)))
    }
    fn purge_expired(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        if !self.last_purge.due(now) {
            return Ok(());
        }
        let op = "dropping expired OpenID4VCI state";
        self.db
            .call(op, move |shared| async move {
                let conn = shared.reader().await?;
                for sql in PURGE_EXPIRED {
                    conn.client
                        .execute(sql, &[&now])
                        .await
                        .map_err(|e| db_error(op, e))?;
                }
                Ok(())
            })
            .map_err(failed)
    }
}

impl ExchangeStore for PgExchange {
    fn put_offer(&self, hash: SecretHash, offer: StoredOffer) -> Result<bool, StoreError> {
        let expires_at = offer.expires_at;
        self.insert_new(Q::PutOffer, &hash, to_json(&offer)?, expires_at)
    }
    fn get_offer(&self, hash: &SecretHash) -> Result<Option<StoredOffer>, StoreError> {
        self.read(Q::Offer, hash)
    }
}
