//! The [`Signer`] trait: whatever holds a private key (memory, an encrypted file, an HSM or a cloud
//! KMS) signs through it, so the key never has to be handed to civitas.

use crate::keys::{KeyAlgorithm, KeyPair, PublicKey};

/// Why a signer could not sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("signer `{method}` failed: {reason}")]
pub struct SignerError {
    /// The signer's verification method.
    pub method: String,
    /// What went wrong.
    pub reason: String,
}

/// Something that signs with one key.
#[async_trait::async_trait]
pub trait Signer: Send + Sync {
    /// The verification method id of the key (e.g. `did:web:registry.gov.mu#key-1`).
    fn verification_method(&self) -> &str;

    /// The key's algorithm.
    fn algorithm(&self) -> KeyAlgorithm;

    /// The public key, so that signatures can be checked before they are handed out.
    fn public_key(&self) -> PublicKey;

    /// Signs `message` (Ed25519, or ECDSA P-256 with SHA-256 as 64-byte `r‖s`).
    async fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError>;
}

/// A signer holding its key pair in memory (zeroized on drop).
#[derive(Debug, Clone)]
pub struct LocalSigner {
    key: KeyPair,
    method: String,
}

impl LocalSigner {
    /// A signer for `key`, known to verifiers as `verification_method`.
    pub fn new(key: KeyPair, verification_method: impl Into<String>) -> Self {
        Self {
            key,
            method: verification_method.into(),
        }
    }

    /// A signer whose verification method is the key's own `did:key`.
    pub fn did_key(key: KeyPair) -> Self {
        let method = crate::did::did_key_method(&key.public_key());
        Self::new(key, method)
    }

    /// The DID (controller) part of the verification method.
    pub fn controller(&self) -> &str {
        crate::resolver::controller_of(&self.method)
    }
}

#[async_trait::async_trait]
impl Signer for LocalSigner {
    fn verification_method(&self) -> &str {
        &self.method
    }

    fn algorithm(&self) -> KeyAlgorithm {
        self.key.algorithm()
    }

    fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }

    async fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        Ok(self.key.sign(message))
    }
}
