//! The sled database under the wallet: a `meta` tree with the unencrypted [`Header`], and three
//! trees of sealed records. A record's sled key is a random id (or, in the consent log, a
//! sequence number), never anything taken from its content; its value is
//! `nonce ‖ XChaCha20-Poly1305(JSON)` with the tree and key as associated data, so a record
//! cannot be moved to another place unnoticed.

use std::path::{Path, PathBuf};

use civitas_keys::sealed::SealingKey;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};
use zeroize::Zeroizing;

use crate::error::{DatabaseFailure, WalletError};
use crate::header::Header;

const META_TREE: &str = "meta";
const HEADER_KEY: &[u8] = b"header";
const WRITES_KEY: &[u8] = b"writes";
/// The file beside sled's that holds the write counter.
pub(crate) const WRITES_FILE: &str = "wallet.writes";
const AAD_PREFIX: &str = "civitas-wallet/v1/";

/// A record as stored: its sled key and its sealed value.
pub(crate) type RawRecord = (Vec<u8>, Vec<u8>);

/// One of the wallet's sealed tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Table {
    Documents,
    HolderKeys,
    ConsentLog,
}

impl Table {
    pub(crate) const ALL: [Table; 3] = [Table::Documents, Table::HolderKeys, Table::ConsentLog];

    fn name(self) -> &'static str {
        match self {
            Self::Documents => "documents",
            Self::HolderKeys => "holder-keys",
            Self::ConsentLog => "consent-log",
        }
    }

    /// How errors name a record of this table.
    pub(crate) fn label(self, key: &[u8]) -> String {
        match self {
            Self::Documents => format!("document {}", String::from_utf8_lossy(key)),
            Self::HolderKeys => format!("holder key {}", String::from_utf8_lossy(key)),
            Self::ConsentLog => match <[u8; 8]>::try_from(key) {
                Ok(b) => format!("consent log entry {}", u64::from_be_bytes(b)),
                Err(_) => "consent log entry (bad key)".to_owned(),
            },
        }
    }

    pub(crate) fn aad(self, key: &[u8]) -> Vec<u8> {
        let mut aad = format!("{AAD_PREFIX}{}/", self.name()).into_bytes();
        aad.extend_from_slice(key);
        aad
    }
}

/// sled's error as the wallet's: damage, or sled's message.
fn describe(e: &sled::Error) -> DatabaseFailure {
    match e {
        sled::Error::Corruption { .. } => DatabaseFailure::Damaged,
        other => DatabaseFailure::Backend(other.to_string()),
    }
}

/// The open database.
pub(crate) struct Store {
    db: sled::Db,
    meta: sled::Tree,
    documents: sled::Tree,
    holder_keys: sled::Tree,
    consent_log: sled::Tree,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (or creates) the sled database in `path`.
    pub(crate) fn open(path: &Path) -> Result<Self, WalletError> {
        let db_err = |e: sled::Error| WalletError::Database {
            path: path.display().to_string(),
            reason: describe(&e),
        };
        // sled asserts on some kinds of damage instead of returning an error; a damaged file
        // must be an error for the holder, never a crash.
        let opened = std::panic::catch_unwind(|| sled::Config::new().path(path).open());
        let db = match opened {
            Ok(result) => result.map_err(db_err)?,
            Err(_) => {
                return Err(WalletError::Database {
                    path: path.display().to_string(),
                    reason: DatabaseFailure::Unreadable,
                });
            }
        };
        let tree = |name: &str| db.open_tree(name).map_err(db_err);
        Ok(Self {
            meta: tree(META_TREE)?,
            documents: tree(Table::Documents.name())?,
            holder_keys: tree(Table::HolderKeys.name())?,
            consent_log: tree(Table::ConsentLog.name())?,
            db,
            path: path.to_owned(),
        })
    }

    fn db_err(&self, e: sled::Error) -> WalletError {
        WalletError::Database {
            path: self.path.display().to_string(),
            reason: describe(&e),
        }
    }

    fn tree(&self, table: Table) -> &sled::Tree {
        match table {
            Table::Documents => &self.documents,
            Table::HolderKeys => &self.holder_keys,
            Table::ConsentLog => &self.consent_log,
        }
    }

    /// The stored header bytes, if the wallet was initialised.
    pub(crate) fn header_bytes(&self) -> Result<Option<Vec<u8>>, WalletError> {
        self.meta
            .get(HEADER_KEY)
            .map(|v| v.map(|v| v.to_vec()))
            .map_err(|e| self.db_err(e))
    }

    /// Seals `value` for `table` under `key` (the sled key).
    pub(crate) fn seal<T: Serialize>(
        sealing: &SealingKey,
        table: Table,
        key: &[u8],
        value: &T,
    ) -> Result<Vec<u8>, WalletError> {
        let plain = Zeroizing::new(
            serde_json::to_vec(value)
                .map_err(|e| WalletError::corrupt(table.label(key), e.to_string()))?,
        );
        Ok(sealing.encrypt(&table.aad(key), &plain))
    }

    /// Opens a sealed record.
    pub(crate) fn unseal<T: DeserializeOwned>(
        sealing: &SealingKey,
        table: Table,
        key: &[u8],
        sealed: &[u8],
    ) -> Result<T, WalletError> {
        let plain = sealing.decrypt(&table.aad(key), sealed).map_err(|e| {
            WalletError::corrupt(
                table.label(key),
                format!("{e} (the record does not authenticate)"),
            )
        })?;
        serde_json::from_slice(&plain)
            .map_err(|e| WalletError::corrupt(table.label(key), e.to_string()))
    }

    /// Writes one record, durably (and counts the write, see [`Store::check_writes`]).
    pub(crate) fn put<T: Serialize>(
        &self,
        sealing: &SealingKey,
        table: Table,
        key: &[u8],
        value: &T,
    ) -> Result<(), WalletError> {
        let sealed = Self::seal(sealing, table, key, value)?;
        self.counted(table, |tree| {
            tree.insert(key, sealed.as_slice()).map(|_| ())
        })
    }

    /// Whether a record exists.
    pub(crate) fn contains(&self, table: Table, key: &[u8]) -> Result<bool, WalletError> {
        self.tree(table)
            .contains_key(key)
            .map_err(|e| self.db_err(e))
    }

    /// Removes one record, durably; whether it was there.
    pub(crate) fn remove(&self, table: Table, key: &[u8]) -> Result<bool, WalletError> {
        if !self.contains(table, key)? {
            return Ok(false);
        }
        self.counted(table, |tree| tree.remove(key).map(|_| ()))?;
        Ok(true)
    }

    /// Runs `op` on `table` and adds one to the write counter in the same transaction, then
    /// flushes and records the counter outside the database.
    fn counted(
        &self,
        table: Table,
        op: impl Fn(
            &sled::transaction::TransactionalTree,
        ) -> Result<(), sled::transaction::UnabortableTransactionError>,
    ) -> Result<(), WalletError> {
        let result: sled::transaction::TransactionResult<u64, ()> = (&self.meta, self.tree(table))
            .transaction(|(meta, tree)| {
                let count = match meta.get(WRITES_KEY)? {
                    None => 0,
                    Some(v) => match <[u8; 8]>::try_from(v.as_ref()) {
                        Ok(b) => u64::from_be_bytes(b),
                        Err(_) => return Err(ConflictableTransactionError::Abort(())),
                    },
                };
                op(tree)?;
                let next = count.saturating_add(1);
                meta.insert(WRITES_KEY, &next.to_be_bytes())?;
                Ok(next)
            });
        let count = result.map_err(|e| match e {
            TransactionError::Abort(()) => {
                WalletError::corrupt("write counter", "it is not an 8-byte number")
            }
            TransactionError::Storage(e) => self.db_err(e),
        })?;
        self.flush()?;
        self.record_writes(count)
    }

    /// The write counter kept inside the database.
    fn writes_inside(&self) -> Result<u64, WalletError> {
        match self.meta.get(WRITES_KEY).map_err(|e| self.db_err(e))? {
            None => Ok(0),
            Some(v) => <[u8; 8]>::try_from(v.as_ref())
                .map(u64::from_be_bytes)
                .map_err(|_| WalletError::corrupt("write counter", "it is not an 8-byte number")),
        }
    }

    /// Records the write counter in `wallet.writes` (write, sync, rename, sync the directory).
    fn record_writes(&self, count: u64) -> Result<(), WalletError> {
        let path = self.path.join(WRITES_FILE);
        let tmp = self.path.join(format!("{WRITES_FILE}.tmp"));
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&tmp)?;
            std::io::Write::write_all(&mut file, format!("{count}\n").as_bytes())?;
            file.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            std::fs::File::open(&self.path)?.sync_all()
        };
        write().map_err(|e| WalletError::io(&path, e))
    }

    /// Checks that the database holds every write the wallet acknowledged. sled treats a
    /// damaged log as a torn write and silently recovers the state before it; the counter
    /// outside the database (`wallet.writes`) tells that apart from a clean state.
    pub(crate) fn check_writes(&self) -> Result<(), WalletError> {
        let inside = self.writes_inside()?;
        let path = self.path.join(WRITES_FILE);
        let outside = match std::fs::read(&path) {
            Ok(bytes) => std::str::from_utf8(&bytes)
                .ok()
                .and_then(|t| t.trim().parse::<u64>().ok())
                .ok_or_else(|| WalletError::corrupt(WRITES_FILE, "it is not a number"))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(WalletError::corrupt(
                    WRITES_FILE,
                    "it is missing: the wallet cannot tell whether its database is complete",
                ));
            }
            Err(e) => return Err(WalletError::io(&path, e)),
        };
        if inside < outside {
            return Err(WalletError::corrupt(
                "database",
                format!(
                    "it holds {inside} of the {outside} writes made: damaged data was dropped when it was opened (restore a backup)"
                ),
            ));
        }
        if inside > outside {
            // A crash after the database write and before the counter file's: complete.
            self.record_writes(inside)?;
        }
        Ok(())
    }

    /// Every record of `table`, opened, in key order.
    pub(crate) fn all<T: DeserializeOwned>(
        &self,
        sealing: &SealingKey,
        table: Table,
    ) -> Result<Vec<(Vec<u8>, T)>, WalletError> {
        let mut out = Vec::new();
        for item in self.tree(table).iter() {
            let (k, v) = item.map_err(|e| self.db_err(e))?;
            out.push((k.to_vec(), Self::unseal(sealing, table, &k, &v)?));
        }
        Ok(out)
    }

    /// The raw sealed values of `table` (for re-encryption).
    pub(crate) fn raw(&self, table: Table) -> Result<Vec<RawRecord>, WalletError> {
        self.tree(table)
            .iter()
            .map(|item| {
                item.map(|(k, v)| (k.to_vec(), v.to_vec()))
                    .map_err(|e| self.db_err(e))
            })
            .collect()
    }

    /// The next consent log sequence number: one more than the last (the caller serialises
    /// appends).
    pub(crate) fn next_log_seq(&self) -> Result<u64, WalletError> {
        let last = self
            .consent_log
            .last()
            .map_err(|e| self.db_err(e))?
            .map(|(k, _)| {
                <[u8; 8]>::try_from(k.as_ref())
                    .map(u64::from_be_bytes)
                    .map_err(|_| {
                        WalletError::corrupt("consent log", "a key is not a sequence number")
                    })
            })
            .transpose()?;
        Ok(last.map_or(1, |n| n.saturating_add(1)))
    }

    /// Replaces the header and every record in one transaction: either all of it is written,
    /// or none. `records` holds, per table, the sealed values to store.
    pub(crate) fn replace_all(
        &self,
        header: &Header,
        records: &[(Table, Vec<RawRecord>)],
    ) -> Result<(), WalletError> {
        let header_bytes = header.to_bytes();
        let result: sled::transaction::TransactionResult<u64, ()> = (
            &self.meta,
            &self.documents,
            &self.holder_keys,
            &self.consent_log,
        )
            .transaction(|(meta, documents, holder_keys, consent_log)| {
                meta.insert(HEADER_KEY, header_bytes.as_slice())?;
                let count = match meta.get(WRITES_KEY)? {
                    None => 0,
                    Some(v) => <[u8; 8]>::try_from(v.as_ref()).map_or(0, u64::from_be_bytes),
                };
                let next = count.saturating_add(1);
                meta.insert(WRITES_KEY, &next.to_be_bytes())?;
                for (table, values) in records {
                    let tree = match table {
                        Table::Documents => documents,
                        Table::HolderKeys => holder_keys,
                        Table::ConsentLog => consent_log,
                    };
                    for (k, v) in values {
                        tree.insert(k.as_slice(), v.as_slice())?;
                    }
                }
                Ok(next)
            });
        let count = result.map_err(|e| match e {
            TransactionError::Abort(()) => WalletError::corrupt("write counter", "aborted"),
            TransactionError::Storage(e) => self.db_err(e),
        })?;
        self.flush()?;
        self.record_writes(count)
    }

    /// Flushes everything written so far to disk.
    pub(crate) fn flush(&self) -> Result<(), WalletError> {
        self.db.flush().map_err(|e| self.db_err(e))?;
        Ok(())
    }
}
