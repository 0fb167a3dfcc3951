//! Secrets at rest: a key derived from a passphrase with Argon2id (parameters stored, salt
//! random) and XChaCha20-Poly1305 authenticated encryption. Used for the issuer's key files and
//! every record of the citizen's wallet.
//!
//! ```
//! use civitas_keys::sealed::{KdfParams, Sealed};
//! let sealed = Sealed::seal(b"correct horse", b"secret key bytes", KdfParams::testing()).unwrap();
//! let text = serde_json::to_string(&sealed).unwrap();
//! let back: Sealed = serde_json::from_str(&text).unwrap();
//! assert_eq!(&*back.open(b"correct horse").unwrap(), b"secret key bytes");
//! assert!(back.open(b"wrong").is_err());
//! ```

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::encoding;

/// Why a secret could not be sealed or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The passphrase (or key) is wrong, or the data was altered: the two cannot be told apart.
    #[error("wrong passphrase, or the data was altered")]
    WrongKeyOrTampered,
    /// The sealed data is malformed (truncated, bad encoding, unknown version).
    #[error("sealed data is malformed: {0}")]
    Malformed(String),
    /// The key-derivation parameters are out of range.
    #[error("invalid key-derivation parameters: {0}")]
    Kdf(String),
}

/// Argon2id parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Iterations.
    pub iterations: u32,
    /// Parallelism.
    pub parallelism: u32,
}

impl Default for KdfParams {
    /// 64 MiB, 3 iterations, 1 lane (above OWASP's Argon2id minimum).
    fn default() -> Self {
        Self {
            memory_kib: 64 * 1024,
            iterations: 3,
            parallelism: 1,
        }
    }
}

impl KdfParams {
    /// Cheap parameters for tests only (1 MiB, 1 iteration).
    pub fn testing() -> Self {
        Self {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        }
    }

    /// The most memory a sealed file may ask for: 1 GiB (16 times the default).
    pub const MAX_MEMORY_KIB: u32 = 1024 * 1024;
    /// The most passes a sealed file may ask for.
    pub const MAX_ITERATIONS: u32 = 16;
    /// The most lanes a sealed file may ask for.
    pub const MAX_PARALLELISM: u32 = 16;

    fn check(&self) -> Result<(), SealError> {
        // Bounds keep a hostile file (a wallet backup, a key file) from asking for gigabytes of
        // memory or minutes of work before its passphrase is even tried.
        if !(8..=Self::MAX_MEMORY_KIB).contains(&self.memory_kib) {
            return Err(SealError::Kdf(format!(
                "memory {} KiB out of 8..={}",
                self.memory_kib,
                Self::MAX_MEMORY_KIB
            )));
        }
        if !(1..=Self::MAX_ITERATIONS).contains(&self.iterations)
            || !(1..=Self::MAX_PARALLELISM).contains(&self.parallelism)
        {
            return Err(SealError::Kdf(format!(
                "iterations must be 1..={} and parallelism 1..={} (got {} and {})",
                Self::MAX_ITERATIONS,
                Self::MAX_PARALLELISM,
                self.iterations,
                self.parallelism
            )));
        }
        Ok(())
    }
}

/// A 256-bit key derived from a passphrase; zeroized on drop.
#[derive(Clone)]
pub struct SealingKey {
    key: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey(<redacted>)")
    }
}

const NONCE_LEN: usize = 24;

impl SealingKey {
    /// Derives the key from `passphrase` and `salt` with Argon2id.
    pub fn derive(passphrase: &[u8], salt: &[u8], params: KdfParams) -> Result<Self, SealError> {
        params.check()?;
        let argon = argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            argon2::Params::new(
                params.memory_kib,
                params.iterations,
                params.parallelism,
                Some(32),
            )
            .map_err(|e| SealError::Kdf(e.to_string()))?,
        );
        let mut key = Zeroizing::new([0u8; 32]);
        argon
            .hash_password_into(passphrase, salt, key.as_mut())
            .map_err(|e| SealError::Kdf(e.to_string()))?;
        Ok(Self { key })
    }

    /// A random key (for data keys wrapped under a passphrase key).
    pub fn random() -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(key.as_mut());
        Self { key }
    }

    /// The raw key bytes (to wrap them under another key).
    pub fn bytes(&self) -> &[u8; 32] {
        &self.key
    }

    /// A key from raw bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SealError> {
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| SealError::Malformed(format!("a key is 32 bytes, got {}", bytes.len())))?;
        Ok(Self {
            key: Zeroizing::new(arr),
        })
    }

    /// Encrypts `plaintext`, authenticating `associated` too: `nonce ‖ ciphertext ‖ tag`.
    pub fn encrypt(&self, associated: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let cipher = XChaCha20Poly1305::new(self.key.as_ref().into());
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        // Encryption with a valid key and nonce cannot fail for in-memory buffers.
        let ct = cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: associated,
                },
            )
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend(ct);
        out
    }

    /// Decrypts what [`SealingKey::encrypt`] produced with the same `associated` data.
    pub fn decrypt(
        &self,
        associated: &[u8],
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, SealError> {
        if sealed.len() < NONCE_LEN + 16 {
            return Err(SealError::Malformed(format!(
                "{} bytes is shorter than a nonce and a tag",
                sealed.len()
            )));
        }
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce
            .try_into()
            .map_err(|_| SealError::Malformed("nonce".into()))?;
        let cipher = XChaCha20Poly1305::new(self.key.as_ref().into());
        cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: ct,
                    aad: associated,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| SealError::WrongKeyOrTampered)
    }
}

/// A secret sealed under a passphrase, self-describing (JSON): format version, KDF parameters,
/// salt and ciphertext.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    /// Format version (1).
    pub version: u32,
    /// Argon2id parameters.
    pub kdf: KdfParams,
    /// Random salt, base64url.
    pub salt: String,
    /// `nonce ‖ ciphertext ‖ tag`, base64url.
    pub ciphertext: String,
}

const SEALED_VERSION: u32 = 1;
const SEALED_AAD: &[u8] = b"civitas sealed v1";

impl Sealed {
    /// Seals `plaintext` under `passphrase`.
    pub fn seal(passphrase: &[u8], plaintext: &[u8], kdf: KdfParams) -> Result<Self, SealError> {
        let mut salt = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        let key = SealingKey::derive(passphrase, &salt, kdf)?;
        Ok(Self {
            version: SEALED_VERSION,
            kdf,
            salt: encoding::base64url(&salt),
            ciphertext: encoding::base64url(&key.encrypt(SEALED_AAD, plaintext)),
        })
    }

    /// Opens the secret with `passphrase`.
    pub fn open(&self, passphrase: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
        if self.version != SEALED_VERSION {
            return Err(SealError::Malformed(format!(
                "unknown version {}",
                self.version
            )));
        }
        let salt = encoding::decode_base64url(&self.salt)
            .map_err(|e| SealError::Malformed(format!("salt: {e}")))?;
        let ct = encoding::decode_base64url(&self.ciphertext)
            .map_err(|e| SealError::Malformed(format!("ciphertext: {e}")))?;
        SealingKey::derive(passphrase, &salt, self.kdf)?.decrypt(SEALED_AAD, &ct)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_wrong_passphrase_and_tampering() {
        let s = Sealed::seal(b"pw", b"hello", KdfParams::testing()).unwrap();
        assert_eq!(&*s.open(b"pw").unwrap(), b"hello");
        assert_eq!(s.open(b"pw2"), Err(SealError::WrongKeyOrTampered));
        let mut t = s.clone();
        let mut ct = encoding::decode_base64url(&t.ciphertext).unwrap();
        ct[30] ^= 1;
        t.ciphertext = encoding::base64url(&ct);
        assert_eq!(t.open(b"pw"), Err(SealError::WrongKeyOrTampered));
        let mut t = s.clone();
        t.ciphertext = "AAAA".into();
        assert!(matches!(t.open(b"pw"), Err(SealError::Malformed(_))));
        let mut t = s.clone();
        t.kdf.memory_kib = u32::MAX;
        assert!(matches!(t.open(b"pw"), Err(SealError::Kdf(_))));
        // Just over each bound: refused before any work.
        for kdf in [
            KdfParams {
                memory_kib: KdfParams::MAX_MEMORY_KIB + 1,
                ..KdfParams::testing()
            },
            KdfParams {
                iterations: KdfParams::MAX_ITERATIONS + 1,
                ..KdfParams::testing()
            },
            KdfParams {
                parallelism: KdfParams::MAX_PARALLELISM + 1,
                ..KdfParams::testing()
            },
            KdfParams {
                iterations: 0,
                ..KdfParams::testing()
            },
        ] {
            let mut t = s.clone();
            t.kdf = kdf;
            assert!(matches!(t.open(b"pw"), Err(SealError::Kdf(_))), "{kdf:?}");
        }
    }

    #[test]
    fn associated_data_is_bound() {
        let k = SealingKey::random();
        let ct = k.encrypt(b"record:1", b"data");
        assert_eq!(&*k.decrypt(b"record:1", &ct).unwrap(), b"data");
        assert_eq!(
            k.decrypt(b"record:2", &ct),
            Err(SealError::WrongKeyOrTampered)
        );
        assert!(!String::from_utf8_lossy(&ct).contains("data"));
    }
}
