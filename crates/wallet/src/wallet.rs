//! [`Wallet`]: create or open the safe, holder keys, documents (import, list, search, show,
//! delete, re-verify), the consent log, passphrase change, backup and restore.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::Utc;
use civitas_core::report::{Report, Verdict};
use civitas_jsonld::contexts::ContextLoader;
use civitas_keys::keys::KeyAlgorithm;
use civitas_keys::sealed::{KdfParams, SealingKey};
use civitas_verifier::summary::describe_credential;
use civitas_verifier::{Verifier, VerifyOptions};
use rand::RngCore;

use crate::backup::{self, BackupContent};
use crate::consent::ConsentEntry;
use crate::document::{ImportedInput, Query, StoredDocument, Verification, read_input};
use crate::error::WalletError;
use crate::header::Header;
use crate::holder::{HolderKey, HolderKeyRecord};
use crate::store::{Store, Table};

/// How an import is verified.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Passed to the verifier (the verification time, mostly).
    pub verify: VerifyOptions,
    /// Keep a credential whose verdict is *indeterminate* (e.g. no current status list).
    /// Default: refuse anything that is not *valid*.
    pub accept_indeterminate: bool,
}

/// The citizen's encrypted safe: a sled database in a directory of its own, every record sealed
/// under a key derived from the holder's passphrase. See the crate documentation.
pub struct Wallet {
    store: Store,
    header: Header,
    key: SealingKey,
    dir: PathBuf,
    loader: ContextLoader,
    log_lock: Mutex<()>,
}

impl std::fmt::Debug for Wallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wallet").field("dir", &self.dir).finish()
    }
}

/// A new random id: 12 hexadecimal digits.
fn random_id() -> String {
    let mut bytes = [0u8; 6];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Makes sure `dir` exists and is empty, and (on Unix) that only its owner can enter it.
fn ensure_empty(dir: &Path) -> Result<(), WalletError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(WalletError::NotEmpty {
                    path: dir.display().to_string(),
                });
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(|e| WalletError::io(dir, e))?;
        }
        Err(e) => return Err(WalletError::io(dir, e)),
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| WalletError::io(dir, e))?;
    }
    Ok(())
}

impl Wallet {
    /// Creates a wallet in `dir` (new or empty) with one Ed25519 holder key. `kdf` sets the
    /// Argon2id cost ([`KdfParams::default`] in production; [`KdfParams::testing`] in tests).
    pub fn create(dir: &Path, passphrase: &[u8], kdf: KdfParams) -> Result<Self, WalletError> {
        let (header, key) = Header::create(passphrase, kdf)?;
        ensure_empty(dir)?;
        let store = Store::open(dir)?;
        let record = HolderKeyRecord::generate(random_id(), KeyAlgorithm::Ed25519);
        let sealed = Store::seal(&key, Table::HolderKeys, record.id.as_bytes(), &record)?;
        store.replace_all(
            &header,
            &[(
                Table::HolderKeys,
                vec![(record.id.as_bytes().to_vec(), sealed)],
            )],
        )?;
        Ok(Self::assemble(store, header, key, dir))
    }

    /// Opens the wallet in `dir` with `passphrase`. A wrong passphrase is
    /// [`WalletError::WrongPassphrase`] and changes nothing.
    pub fn open(dir: &Path, passphrase: &[u8]) -> Result<Self, WalletError> {
        if !dir.join("db").is_file() {
            return Err(WalletError::NotAWallet {
                path: dir.display().to_string(),
            });
        }
        let store = Store::open(dir)?;
        let bytes = store
            .header_bytes()?
            .ok_or_else(|| WalletError::NotAWallet {
                path: dir.display().to_string(),
            })?;
        let header = Header::parse(&bytes, "wallet")?;
        let key = header.unlock(passphrase, "wallet")?;
        store.check_writes()?;
        Ok(Self::assemble(store, header, key, dir))
    }

    fn assemble(store: Store, header: Header, key: SealingKey, dir: &Path) -> Self {
        Self {
            store,
            header,
            key,
            dir: dir.to_owned(),
            loader: ContextLoader::bundled(),
            log_lock: Mutex::new(()),
        }
    }

    /// The wallet's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The Argon2id parameters the wallet's key is derived with.
    pub fn kdf(&self) -> KdfParams {
        self.header.kdf
    }

    /// Uses `loader` (with contexts civitas does not bundle) to sign presentations.
    pub fn with_loader(mut self, loader: ContextLoader) -> Self {
        self.loader = loader;
        self
    }

    pub(crate) fn loader(&self) -> &ContextLoader {
        &self.loader
    }

    // ---- holder keys ----

    pub(crate) fn holder_records(&self) -> Result<Vec<HolderKeyRecord>, WalletError> {
        let mut keys: Vec<HolderKeyRecord> = self
            .store
            .all(&self.key, Table::HolderKeys)?
            .into_iter()
            .map(|(_, r)| r)
            .collect();
        keys.sort_by(|a, b| a.created.cmp(&b.created).then(a.id.cmp(&b.id)));
        Ok(keys)
    }

    /// The holder keys, oldest (the default) first.
    pub fn holder_keys(&self) -> Result<Vec<HolderKey>, WalletError> {
        Ok(self
            .holder_records()?
            .iter()
            .map(HolderKeyRecord::public)
            .collect())
    }

    /// Generates another holder key (a new `did:key`).
    pub fn add_holder_key(&self, algorithm: KeyAlgorithm) -> Result<HolderKey, WalletError> {
        let mut id = random_id();
        while self.store.contains(Table::HolderKeys, id.as_bytes())? {
            id = random_id();
        }
        let record = HolderKeyRecord::generate(id, algorithm);
        self.store
            .put(&self.key, Table::HolderKeys, record.id.as_bytes(), &record)?;
        Ok(record.public())
    }

    // ---- documents ----

    /// Verifies `input` (Data Integrity JSON, `vc+jwt`, or `CV1:` QR text) with `verifier` and,
    /// if it is valid, stores it. The input is recognised and parsed once
    /// ([`read_input`](crate::document::read_input), through the verifier's
    /// [`Document::read`](civitas_verifier::Document::read)); the verifier checks that parsed
    /// document ([`Verifier::verify_document`]). Refused: [`WalletError::Refused`] with the
    /// verifier's report.
    pub async fn import(
        &self,
        input: &[u8],
        verifier: &Verifier,
        options: &ImportOptions,
    ) -> Result<StoredDocument, WalletError> {
        let (read, report) = self.verify_input(input, verifier, options).await?;
        self.store_verified(read, report)
    }

    /// The checks of [`Wallet::import`] without storing: read once, not already in the wallet,
    /// accepted by `verifier`. Returns what was read and the verifier's report.
    pub(crate) async fn verify_input(
        &self,
        input: &[u8],
        verifier: &Verifier,
        options: &ImportOptions,
    ) -> Result<(ImportedInput, Report), WalletError> {
        let read = read_input(input)?;
        let existing = self.documents()?;
        let credential_id = read.credential.get("id").and_then(|v| v.as_str());
        if let Some(dup) = existing.iter().find(|d| {
            d.content == read.content
                || (credential_id.is_some() && d.credential_id() == credential_id)
        }) {
            return Err(WalletError::Duplicate { id: dup.id.clone() });
        }
        // The input was read once, above: the verifier checks the document it parsed.
        let report = verifier
            .verify_document(&read.document, &options.verify)
            .await;
        let accepted = match report.verdict {
            Verdict::Valid => true,
            Verdict::Indeterminate => options.accept_indeterminate,
            Verdict::Invalid => false,
        };
        if !accepted {
            let reason = verifier
                .summarize(&report)
                .reason
                .unwrap_or_else(|| format!("{:?}", report.verdict));
            return Err(WalletError::Refused {
                reason,
                report: Box::new(report),
            });
        }
        Ok((read, report))
    }

    /// Stores a credential [`Wallet::verify_input`] accepted.
    pub(crate) fn store_verified(
        &self,
        read: ImportedInput,
        report: Report,
    ) -> Result<StoredDocument, WalletError> {
        let existing = self.documents()?;
        let mut id = random_id();
        while existing.iter().any(|d| d.id == id) {
            id = random_id();
        }
        let now = Utc::now();
        let doc = StoredDocument {
            id,
            format: read.format,
            description: describe_credential(&read.credential),
            content: read.content,
            credential: read.credential,
            imported_at: now,
            last_verification: Verification {
                at: now,
                verdict: report.verdict,
                report,
            },
        };
        self.store
            .put(&self.key, Table::Documents, doc.id.as_bytes(), &doc)?;
        Ok(doc)
    }

    /// Every document, in the order they were imported.
    pub fn documents(&self) -> Result<Vec<StoredDocument>, WalletError> {
        let mut docs: Vec<StoredDocument> = self
            .store
            .all(&self.key, Table::Documents)?
            .into_iter()
            .map(|(_, d)| d)
            .collect();
        docs.sort_by(|a, b| a.imported_at.cmp(&b.imported_at).then(a.id.cmp(&b.id)));
        Ok(docs)
    }

    /// The documents matching `query`.
    pub fn search(&self, query: &Query) -> Result<Vec<StoredDocument>, WalletError> {
        Ok(self
            .documents()?
            .into_iter()
            .filter(|d| query.matches(d))
            .collect())
    }

    /// The document with this id, or the only one whose id starts with it.
    pub fn document(&self, id: &str) -> Result<StoredDocument, WalletError> {
        let docs = self.documents()?;
        if let Some(d) = docs.iter().find(|d| d.id == id) {
            return Ok(d.clone());
        }
        let matching: Vec<&StoredDocument> = if id.is_empty() {
            Vec::new()
        } else {
            docs.iter().filter(|d| d.id.starts_with(id)).collect()
        };
        match matching.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(WalletError::NotFound(format!(
                "there is no document `{id}` in the wallet"
            ))),
            many => Err(WalletError::NotFound(format!(
                "`{id}` matches several documents ({}): give more of the id",
                many.iter()
                    .map(|d| d.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// Deletes a document; returns what was deleted. The consent log keeps its entries.
    pub fn delete(&self, id: &str) -> Result<StoredDocument, WalletError> {
        let doc = self.document(id)?;
        self.store.remove(Table::Documents, doc.id.as_bytes())?;
        Ok(doc)
    }

    /// Verifies a stored document again (e.g. with a newer status list) and records the result.
    pub async fn reverify(
        &self,
        id: &str,
        verifier: &Verifier,
        options: &VerifyOptions,
    ) -> Result<StoredDocument, WalletError> {
        let mut doc = self.document(id)?;
        let report = verifier.verify(doc.content.as_bytes(), options).await;
        doc.last_verification = Verification {
            at: Utc::now(),
            verdict: report.verdict,
            report,
        };
        self.store
            .put(&self.key, Table::Documents, doc.id.as_bytes(), &doc)?;
        Ok(doc)
    }

    // ---- consent log ----

    /// Every share, oldest first.
    pub fn consent_log(&self) -> Result<Vec<ConsentEntry>, WalletError> {
        Ok(self
            .store
            .all(&self.key, Table::ConsentLog)?
            .into_iter()
            .map(|(_, e)| e)
            .collect())
    }

    /// Appends to the consent log (durably) and returns the entry with its sequence number.
    pub(crate) fn log_share(&self, mut entry: ConsentEntry) -> Result<ConsentEntry, WalletError> {
        let _guard = self
            .log_lock
            .lock()
            .map_err(|_| WalletError::corrupt("consent log", "a previous append failed midway"))?;
        entry.seq = self.store.next_log_seq()?;
        self.store.put(
            &self.key,
            Table::ConsentLog,
            &entry.seq.to_be_bytes(),
            &entry,
        )?;
        Ok(entry)
    }

    // ---- passphrase, backup, restore ----

    /// Changes the passphrase: a new salt and key (and `kdf` parameters), and every record
    /// re-encrypted, all in one transaction. A wrong `old` passphrase changes nothing.
    pub fn change_passphrase(
        &mut self,
        old: &[u8],
        new: &[u8],
        kdf: KdfParams,
    ) -> Result<(), WalletError> {
        let current = self.header.unlock(old, "wallet")?;
        if current.bytes() != self.key.bytes() {
            return Err(WalletError::WrongPassphrase { what: "wallet" });
        }
        let (header, key) = Header::create(new, kdf)?;
        let mut records = Vec::new();
        for table in Table::ALL {
            let mut values = Vec::new();
            for (k, sealed) in self.store.raw(table)? {
                let aad = table.aad(&k);
                let plain = self.key.decrypt(&aad, &sealed).map_err(|e| {
                    WalletError::corrupt(
                        table.label(&k),
                        format!("{e} (the record does not authenticate)"),
                    )
                })?;
                values.push((k, key.encrypt(&aad, &plain)));
            }
            records.push((table, values));
        }
        self.store.replace_all(&header, &records)?;
        self.header = header;
        self.key = key;
        Ok(())
    }

    /// The whole wallet — documents, holder keys, consent log — as one sealed backup file,
    /// opened with the wallet's passphrase.
    pub fn backup(&self) -> Result<Vec<u8>, WalletError> {
        let content = BackupContent {
            documents: self.documents()?,
            holder_keys: self.holder_records()?,
            consent_log: self.consent_log()?,
        };
        backup::write(&self.header, &self.key, &content)
    }

    /// Restores a backup into `dir` (new or empty) with the passphrase it was made under. A
    /// damaged backup is [`WalletError::BackupDamaged`] and nothing is created.
    pub fn restore(bytes: &[u8], passphrase: &[u8], dir: &Path) -> Result<Self, WalletError> {
        let (header, key, content) = backup::read(bytes, passphrase)?;
        let mut docs = Vec::new();
        for d in &content.documents {
            docs.push((
                d.id.as_bytes().to_vec(),
                Store::seal(&key, Table::Documents, d.id.as_bytes(), d)?,
            ));
        }
        let mut keys = Vec::new();
        for k in &content.holder_keys {
            k.signer()?;
            keys.push((
                k.id.as_bytes().to_vec(),
                Store::seal(&key, Table::HolderKeys, k.id.as_bytes(), k)?,
            ));
        }
        let mut log = Vec::new();
        for e in &content.consent_log {
            let k = e.seq.to_be_bytes();
            log.push((k.to_vec(), Store::seal(&key, Table::ConsentLog, &k, e)?));
        }
        ensure_empty(dir)?;
        let store = Store::open(dir)?;
        store.replace_all(
            &header,
            &[
                (Table::Documents, docs),
                (Table::HolderKeys, keys),
                (Table::ConsentLog, log),
            ],
        )?;
        Ok(Self::assemble(store, header, key, dir))
    }
}
