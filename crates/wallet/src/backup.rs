//! The backup file: one JSON object carrying the wallet's header (KDF parameters, salt, check
//! tag) in the clear and everything else — documents, holder keys, consent log — sealed as one
//! authenticated ciphertext whose associated data is the clear part. A changed byte anywhere
//! makes it refused; a wrong passphrase is told apart by the check tag.

use civitas_keys::encoding;
use civitas_keys::sealed::SealingKey;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::consent::ConsentEntry;
use crate::document::StoredDocument;
use crate::error::{BackupProblem, WalletError};
use crate::header::{FORMAT_VERSION, Header};
use crate::holder::HolderKeyRecord;

/// The `format` member of a backup file.
pub const BACKUP_FORMAT: &str = "civitas-wallet-backup";

/// Largest backup file accepted: 64 MiB.
pub const MAX_BACKUP_BYTES: usize = 64 * 1024 * 1024;

const CONTENT_AAD_PREFIX: &[u8] = b"civitas-wallet-backup/v1\n";

/// The file as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct BackupFile {
    format: String,
    version: u32,
    created: String,
    header: Header,
    content: String,
}

/// What a backup holds once opened.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BackupContent {
    pub(crate) documents: Vec<StoredDocument>,
    pub(crate) holder_keys: Vec<HolderKeyRecord>,
    pub(crate) consent_log: Vec<ConsentEntry>,
}

fn content_aad(file: &BackupFile) -> Vec<u8> {
    let mut aad = CONTENT_AAD_PREFIX.to_vec();
    aad.extend_from_slice(file.created.as_bytes());
    aad.push(b'\n');
    aad.extend_from_slice(&file.header.to_bytes());
    aad
}

/// Seals `content` into backup file bytes, under the wallet's key and header.
pub(crate) fn write(
    header: &Header,
    key: &SealingKey,
    content: &BackupContent,
) -> Result<Vec<u8>, WalletError> {
    let plain = Zeroizing::new(
        serde_json::to_vec(content).map_err(|e| WalletError::corrupt("backup", e.to_string()))?,
    );
    let mut file = BackupFile {
        format: BACKUP_FORMAT.to_owned(),
        version: FORMAT_VERSION,
        created: civitas_core::credential::format_datetime(chrono::Utc::now()),
        header: header.clone(),
        content: String::new(),
    };
    file.content = encoding::base64url(&key.encrypt(&content_aad(&file), &plain));
    let mut bytes = serde_json::to_vec_pretty(&file)
        .map_err(|e| WalletError::corrupt("backup", e.to_string()))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Reads a backup file's clear part without the passphrase — its size, `format`, versions and
/// header (KDF parameters, salt, check tag) — with the checks [`crate::Wallet::restore`] makes
/// before it derives the key. (The KDF parameters are checked when the key is derived.)
pub fn inspect(bytes: &[u8]) -> Result<Header, WalletError> {
    Ok(read_clear(bytes)?.header)
}

fn read_clear(bytes: &[u8]) -> Result<BackupFile, WalletError> {
    if bytes.len() > MAX_BACKUP_BYTES {
        return Err(WalletError::BackupDamaged(BackupProblem::TooLarge {
            size: bytes.len(),
            max: MAX_BACKUP_BYTES,
        }));
    }
    // The strict parser: a repeated member name is refused, with where it is.
    let file: BackupFile = civitas_jsonld::json::from_slice(bytes, MAX_BACKUP_BYTES)
        .map_err(|e| WalletError::BackupDamaged(BackupProblem::NotABackup(e)))?;
    if file.format != BACKUP_FORMAT {
        return Err(WalletError::BackupDamaged(BackupProblem::Format {
            found: file.format,
            expected: BACKUP_FORMAT,
        }));
    }
    if file.version != FORMAT_VERSION {
        return Err(WalletError::Version {
            what: "backup",
            found: file.version,
            supported: FORMAT_VERSION,
        });
    }
    if file.header.version != FORMAT_VERSION {
        return Err(WalletError::Version {
            what: "backup",
            found: file.header.version,
            supported: FORMAT_VERSION,
        });
    }
    Ok(file)
}

/// Opens backup file bytes with `passphrase`: the header it carries, the key, and the content.
pub(crate) fn read(
    bytes: &[u8],
    passphrase: &[u8],
) -> Result<(Header, SealingKey, BackupContent), WalletError> {
    let file = read_clear(bytes)?;
    let key = file.header.unlock(passphrase, "backup")?;
    let sealed = encoding::decode_base64url(&file.content)
        .map_err(|e| WalletError::BackupDamaged(BackupProblem::Content(e)))?;
    let plain = key
        .decrypt(&content_aad(&file), &sealed)
        .map_err(|_| WalletError::BackupDamaged(BackupProblem::NotAuthentic))?;
    let content: BackupContent = civitas_jsonld::json::from_slice(&plain, usize::MAX)
        .map_err(|e| WalletError::BackupDamaged(BackupProblem::ContentUnreadable(e)))?;
    Ok((file.header, key, content))
}
