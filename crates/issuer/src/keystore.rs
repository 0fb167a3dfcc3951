//! Issuer keys at rest and their history.
//!
//! Each key lives in its own file `<data dir>/keys/key-<n>.json` (mode 0600): the public key in
//! clear, the secret key (a secret Multikey) sealed with [`civitas_keys::sealed`] (Argon2id +
//! XChaCha20-Poly1305) under the issuer's passphrase. The registry keeps the key *history*
//! ([`KeyRecord`]): which verification method signed from when to when. [`FileSigner`] is the
//! [`Signer`] over an opened key file.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use civitas_core::io::IoFailure;
use civitas_keys::did::{ControllerDocument, ProofPurpose};
use civitas_keys::keys::{KeyAlgorithm, KeyPair, PublicKey};
use civitas_keys::sealed::{KdfParams, Sealed};
use civitas_keys::signer::{LocalSigner, Signer, SignerError};
use serde::{Deserialize, Serialize};

use crate::error::{IssuerError, KeyFileProblem, PassphraseError};

/// Format version of key files.
pub const KEY_FILE_FORMAT: u32 = 1;

/// One key in the issuer's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyRecord {
    /// 1 for the first key, then 2, 3, … with each rotation.
    pub number: u32,
    /// The verification method id (`did:web:…#key-1`, or `did:key:z…#z…`).
    pub verification_method: String,
    /// The algorithm.
    pub algorithm: KeyAlgorithm,
    /// The public key as Multikey (`z6Mk…`).
    pub public_key_multibase: String,
    /// From when the key signs.
    pub valid_from: DateTime<Utc>,
    /// When it stopped signing (rotated out); `None` for the current key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<DateTime<Utc>>,
    /// The key file's name in the keys directory; empty for a key held by an external signer
    /// (an HSM or a KMS: see `IssuerBuilder::signer`).
    pub file: String,
    /// For a key generated in the issuer's PKCS#11 token ([`IssuerConfig::hsm`](crate::IssuerConfig::hsm)):
    /// its label there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hsm_label: Option<String>,
}

impl KeyRecord {
    /// The public key.
    pub fn public_key(&self) -> Result<PublicKey, IssuerError> {
        PublicKey::from_multikey(&self.public_key_multibase).map_err(|e| IssuerError::KeyFile {
            path: self.file.clone(),
            reason: KeyFileProblem::PublicKey(e),
        })
    }
}

/// A key file as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyFile {
    format: u32,
    verification_method: String,
    algorithm: KeyAlgorithm,
    public_key_multibase: String,
    created: DateTime<Utc>,
    /// The secret Multikey, sealed.
    sealed: Sealed,
}

/// Generates key number `number`, seals it under `passphrase` into a new file in `keys_dir`
/// and returns its record (valid from `now`) and signer. `method_for` turns the public key
/// into the verification method id.
pub fn create_key(
    keys_dir: &Path,
    number: u32,
    algorithm: KeyAlgorithm,
    method_for: impl FnOnce(&PublicKey) -> String,
    passphrase: &[u8],
    kdf: KdfParams,
    now: DateTime<Utc>,
) -> Result<(KeyRecord, FileSigner), IssuerError> {
    let pair = KeyPair::generate(algorithm);
    let public = pair.public_key();
    let method = method_for(&public);
    let name = format!("key-{number}.json");
    let path = keys_dir.join(&name);
    if path.exists() {
        return Err(IssuerError::KeyFile {
            path: path.display().to_string(),
            reason: KeyFileProblem::Exists,
        });
    }
    let sealed =
        Sealed::seal(passphrase, pair.to_secret_multikey().as_bytes(), kdf).map_err(|e| {
            IssuerError::KeyFile {
                path: path.display().to_string(),
                reason: KeyFileProblem::Seal(e),
            }
        })?;
    let file = KeyFile {
        format: KEY_FILE_FORMAT,
        verification_method: method.clone(),
        algorithm,
        public_key_multibase: public.to_multikey(),
        created: now,
        sealed,
    };
    let text = serde_json::to_vec_pretty(&file).map_err(|e| IssuerError::KeyFile {
        path: path.display().to_string(),
        reason: KeyFileProblem::Json(e.to_string()),
    })?;
    crate::fsutil::write_private(&path, &text)?;
    let record = KeyRecord {
        number,
        verification_method: method.clone(),
        algorithm,
        public_key_multibase: public.to_multikey(),
        valid_from: now,
        valid_until: None,
        file: name,
        hsm_label: None,
    };
    Ok((
        record,
        FileSigner {
            inner: LocalSigner::new(pair, method),
            path,
        },
    ))
}

/// A [`Signer`] whose key was read from a sealed key file.
#[derive(Debug, Clone)]
pub struct FileSigner {
    inner: LocalSigner,
    path: PathBuf,
}

impl FileSigner {
    /// Opens the key file of `record` in `keys_dir` with `passphrase`, and checks that it holds
    /// the key the record names.
    pub fn open(
        keys_dir: &Path,
        record: &KeyRecord,
        passphrase: &[u8],
    ) -> Result<Self, IssuerError> {
        let path = keys_dir.join(&record.file);
        let fail = |reason: KeyFileProblem| IssuerError::KeyFile {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read(&path)
            .map_err(|e| fail(KeyFileProblem::Unreadable(IoFailure::of(&e))))?;
        let file: KeyFile =
            serde_json::from_slice(&text).map_err(|e| fail(KeyFileProblem::Json(e.to_string())))?;
        if file.format != KEY_FILE_FORMAT {
            return Err(fail(KeyFileProblem::UnknownFormat(file.format)));
        }
        if file.public_key_multibase != record.public_key_multibase
            || file.verification_method != record.verification_method
        {
            return Err(fail(KeyFileProblem::NotTheRegistrysKey {
                found: file.verification_method,
                found_key: file.public_key_multibase,
                expected: record.verification_method.clone(),
                expected_key: record.public_key_multibase.clone(),
            }));
        }
        let secret = file.sealed.open(passphrase).map_err(|error| {
            IssuerError::Passphrase(PassphraseError::Wrong {
                path: path.display().to_string(),
                error,
            })
        })?;
        let secret =
            std::str::from_utf8(&secret).map_err(|_| fail(KeyFileProblem::SecretNotText))?;
        let pair =
            KeyPair::from_secret_multikey(secret).map_err(|e| fail(KeyFileProblem::Secret(e)))?;
        if pair.public_key().to_multikey() != record.public_key_multibase {
            return Err(fail(KeyFileProblem::SecretMismatch));
        }
        Ok(Self {
            inner: LocalSigner::new(pair, record.verification_method.clone()),
            path,
        })
    }

    /// The key file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The DID (controller) of the key.
    pub fn controller(&self) -> &str {
        self.inner.controller()
    }
}

#[async_trait::async_trait]
impl Signer for FileSigner {
    fn verification_method(&self) -> &str {
        self.inner.verification_method()
    }

    fn algorithm(&self) -> KeyAlgorithm {
        self.inner.algorithm()
    }

    fn public_key(&self) -> PublicKey {
        self.inner.public_key()
    }

    async fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        self.inner.sign(message).await
    }
}

/// The `did:web` document of `did` from the key history: every key (current and rotated out)
/// is a Multikey verification method `#key-<n>` listed under `assertionMethod`, so that
/// everything signed before a rotation keeps verifying. Validity windows are not part of DID
/// documents; verifiers that want them take them from the key history (`GET /keys`).
pub fn did_document(did: &str, keys: &[KeyRecord]) -> Result<ControllerDocument, IssuerError> {
    let mut doc = ControllerDocument::new(did);
    for key in keys {
        let public = key.public_key()?;
        let fragment = key
            .verification_method
            .rsplit_once('#')
            .map_or("key", |(_, f)| f);
        doc.add_key(fragment, &public, &[ProofPurpose::AssertionMethod]);
    }
    Ok(doc)
}
