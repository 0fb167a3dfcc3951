//! The holder's keys: `did:key` key pairs generated inside the wallet and stored only sealed.
//! The secret leaves a record only to become a [`LocalSigner`] in memory.

use chrono::{DateTime, Utc};
use civitas_keys::did::did_key_method;
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::resolver::controller_of;
use civitas_keys::signer::LocalSigner;
use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use crate::error::WalletError;

/// A holder key as stored (sealed) in the wallet.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HolderKeyRecord {
    /// The wallet's id for the key.
    pub id: String,
    /// Its verification method (`did:key:z6Mk…#z6Mk…`).
    pub verification_method: String,
    /// The key algorithm.
    pub algorithm: KeyAlgorithm,
    /// When it was generated.
    pub created: DateTime<Utc>,
    /// The secret key as a Multikey `secretKeyMultibase`.
    secret: String,
}

impl Drop for HolderKeyRecord {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

impl std::fmt::Debug for HolderKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HolderKeyRecord")
            .field("id", &self.id)
            .field("verification_method", &self.verification_method)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// What can be shown of a holder key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HolderKey {
    /// The wallet's id for the key.
    pub id: String,
    /// The holder's DID (give it to the issuer so documents name it as their subject).
    pub did: String,
    /// The verification method that signs presentations.
    pub verification_method: String,
    /// The key algorithm.
    pub algorithm: KeyAlgorithm,
    /// When it was generated.
    pub created: DateTime<Utc>,
}

impl HolderKeyRecord {
    /// Generates a new key pair.
    pub fn generate(id: String, algorithm: KeyAlgorithm) -> Self {
        let pair = KeyPair::generate(algorithm);
        Self {
            id,
            verification_method: did_key_method(&pair.public_key()),
            algorithm,
            created: Utc::now(),
            secret: pair.to_secret_multikey().to_string(),
        }
    }

    /// The public description.
    pub fn public(&self) -> HolderKey {
        HolderKey {
            id: self.id.clone(),
            did: controller_of(&self.verification_method).to_owned(),
            verification_method: self.verification_method.clone(),
            algorithm: self.algorithm,
            created: self.created,
        }
    }

    /// The signer, after checking that the secret matches the recorded verification method.
    pub fn signer(&self) -> Result<LocalSigner, WalletError> {
        let record = format!("holder key {}", self.id);
        let pair = KeyPair::from_secret_multikey(&self.secret)
            .map_err(|e| WalletError::corrupt(&record, e.to_string()))?;
        if did_key_method(&pair.public_key()) != self.verification_method {
            return Err(WalletError::corrupt(
                record,
                "the secret key does not match its recorded did:key",
            ));
        }
        Ok(LocalSigner::new(pair, self.verification_method.clone()))
    }
}
