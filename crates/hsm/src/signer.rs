//! [`Pkcs11Signer`]: a key in a PKCS#11 token behind civitas' [`Signer`] trait, and its
//! rotation.

use civitas_keys::did::did_key_method;
use civitas_keys::keys::{KeyAlgorithm, PublicKey};
use civitas_keys::signer::{Signer, SignerError};

use crate::config::HsmConfig;
use crate::error::{HsmError, Operation};
use crate::token::{HsmToken, KeyRef};

/// Signs with a private key that never leaves its PKCS#11 token.
///
/// Each signature is made on a blocking thread (`tokio::task::spawn_blocking`), under the
/// token session's lock, and checked with the key's public key before it is returned.
#[derive(Clone)]
pub struct Pkcs11Signer {
    token: HsmToken,
    key: KeyRef,
    method: String,
}

impl std::fmt::Debug for Pkcs11Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkcs11Signer")
            .field("token", &self.token.name())
            .field("key", &self.key.label)
            .field("algorithm", &self.key.algorithm)
            .field("method", &self.method)
            .finish()
    }
}

/// A rotation's outcome: the new key signs from now on; the previous key stays in the token
/// (and in the issuer's DID document) so that what it signed keeps verifying.
#[derive(Debug, Clone)]
pub struct Rotation {
    /// The previous key's label.
    pub previous_label: String,
    /// The previous key's public key.
    pub previous_public_key: PublicKey,
    /// The new key's label (write it as `key_label` in the configuration).
    pub label: String,
    /// The new key's public key.
    pub public_key: PublicKey,
    /// A signer with the new key (on the same session; verification method: its `did:key`).
    pub signer: Pkcs11Signer,
}

impl HsmToken {
    /// A signer with the existing key labelled `label`, which must be of `algorithm`.
    /// Its verification method is the key's `did:key` until
    /// [`Pkcs11Signer::with_verification_method`] changes it.
    pub fn signer(&self, label: &str, algorithm: KeyAlgorithm) -> Result<Pkcs11Signer, HsmError> {
        let key = self.find_key(label, algorithm)?;
        Ok(Pkcs11Signer::new(self.clone(), key))
    }

    /// Generates a key pair labelled `label` in the token (refused if the label is taken) and
    /// returns its signer.
    pub fn generate(&self, label: &str, algorithm: KeyAlgorithm) -> Result<Pkcs11Signer, HsmError> {
        let key = self.generate_key(label, algorithm)?;
        Ok(Pkcs11Signer::new(self.clone(), key))
    }
}

impl Pkcs11Signer {
    fn new(token: HsmToken, key: KeyRef) -> Self {
        let method = did_key_method(&key.public_key);
        Self { token, key, method }
    }

    /// Opens the configuration's token and finds its key (`key_label`, of `algorithm`).
    /// Blocking.
    pub fn open(config: &HsmConfig) -> Result<Self, HsmError> {
        HsmToken::open(config)?.signer(&config.key_label, config.algorithm)
    }

    /// Opens the configuration's token and generates its key (`key_label`, of `algorithm`),
    /// refusing if a key with that label exists. Blocking.
    pub fn generate(config: &HsmConfig) -> Result<Self, HsmError> {
        HsmToken::open(config)?.generate(&config.key_label, config.algorithm)
    }

    /// The same signer known to verifiers as `method` (e.g. `did:web:registry.gov.mu#key-2`).
    pub fn with_verification_method(mut self, method: impl Into<String>) -> Self {
        self.method = method.into();
        self
    }

    /// The key's label in the token.
    pub fn label(&self) -> &str {
        &self.key.label
    }

    /// The token the key is in.
    pub fn token(&self) -> &HsmToken {
        &self.token
    }

    /// Generates the next key of the same algorithm and keeps this one: `issuer` is followed by
    /// `issuer-2`, `issuer-2` by `issuer-3` (the first free label). Blocking.
    pub fn rotate(&self) -> Result<Rotation, HsmError> {
        let taken = self.token.labels()?;
        let label = next_label(&self.key.label, &taken);
        let signer = self.token.generate(&label, self.key.algorithm)?;
        Ok(Rotation {
            previous_label: self.key.label.clone(),
            previous_public_key: self.key.public_key.clone(),
            label,
            public_key: signer.key.public_key.clone(),
            signer,
        })
    }

    /// Signs on the calling thread (what [`Signer::sign`] runs on a blocking thread), checking
    /// the signature before returning it.
    pub fn sign_blocking(&self, message: &[u8]) -> Result<Vec<u8>, HsmError> {
        self.token.sign(&self.key, message)
    }
}

/// The label after `label`: `<stem>-<n+1>` for `<stem>-<n>`, `<label>-2` otherwise, skipping
/// labels already `taken`.
pub(crate) fn next_label(label: &str, taken: &[String]) -> String {
    let (stem, mut n) = match label.rsplit_once('-') {
        Some((stem, n))
            if !stem.is_empty() && !n.starts_with('0') && n.bytes().all(|b| b.is_ascii_digit()) =>
        {
            match n.parse::<u64>() {
                Ok(n) => (stem, n),
                Err(_) => (label, 1),
            }
        }
        _ => (label, 1),
    };
    loop {
        n = n.saturating_add(1);
        let next = format!("{stem}-{n}");
        if !taken.contains(&next) || n == u64::MAX {
            return next;
        }
    }
}

#[async_trait::async_trait]
impl Signer for Pkcs11Signer {
    fn verification_method(&self) -> &str {
        &self.method
    }

    fn algorithm(&self) -> KeyAlgorithm {
        self.key.algorithm
    }

    fn public_key(&self) -> PublicKey {
        self.key.public_key.clone()
    }

    async fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        let signer = self.clone();
        let message = message.to_vec();
        let signed = tokio::task::spawn_blocking(move || signer.sign_blocking(&message))
            .await
            .map_err(|e| HsmError::Task {
                token: self.token.name().to_owned(),
                key: Some(self.key.label.clone()),
                operation: Operation::Sign,
                reason: e.to_string(),
            })
            .and_then(|signed| signed);
        signed.map_err(|e| SignerError {
            method: self.method.clone(),
            reason: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::next_label;

    #[test]
    fn rotation_labels_count_up_and_skip_taken_ones() {
        let taken = |labels: &[&str]| labels.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(next_label("issuer", &[]), "issuer-2");
        assert_eq!(next_label("issuer-2", &[]), "issuer-3");
        assert_eq!(next_label("issuer", &taken(&["issuer-2"])), "issuer-3");
        assert_eq!(next_label("key-09", &[]), "key-09-2");
        assert_eq!(next_label("-7", &[]), "-7-2");
    }
}
