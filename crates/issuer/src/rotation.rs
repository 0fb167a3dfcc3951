//! Key rotation: a new key signs from now on; the old one stays in the DID document (under
//! `assertionMethod`) so that everything it signed keeps verifying, and its validity window is
//! closed in the key history.

use std::sync::Arc;

use chrono::Utc;
use serde_json::json;

use crate::audit::{AuditAction, AuditEvent};
use crate::config::DidMethod;
use crate::error::{IssuerError, RotationError, StoreError};
use crate::issuer::Issuer;
use crate::issuer::next_key;
use crate::keystore::{FileSigner, KeyRecord, create_key};
use crate::store::Write;
use civitas_keys::signer::Signer;

impl Issuer {
    /// Adds a new key and makes it the signing key for new credentials and status lists (every
    /// list is re-signed with it). Returns the new key's record. Only did:web issuers can
    /// rotate: a did:key issuer's DID is its key.
    pub async fn rotate_key(&self, actor: &str) -> Result<KeyRecord, IssuerError> {
        let inner = self.inner();
        if inner.meta.did_method == DidMethod::Key {
            return Err(IssuerError::Rotation(RotationError::DidKey));
        }
        let _turn = inner.rotation.lock().await;
        let keys = self.keys();
        let Some(current) = keys.iter().rev().find(|k| k.valid_until.is_none()).cloned() else {
            return Err(IssuerError::Store(StoreError::NoCurrentKey));
        };
        let number = keys.iter().map(|k| k.number).max().unwrap_or(0) + 1;
        let now = Utc::now();
        let did = inner.meta.did.clone();
        let (record, signer): (KeyRecord, Arc<dyn Signer>) = if current.file.is_empty() {
            // Held outside the data directory: only a key of the issuer's own token can be
            // followed by a new one, generated in that token.
            let (Some(token), Some(_)) = (&inner.hsm, &current.hsm_label) else {
                return Err(IssuerError::Rotation(RotationError::ExternalSigner(
                    current.verification_method,
                )));
            };
            let (signer, label) = next_key(token.clone(), current.clone()).await?;
            let method = format!("{did}#key-{number}");
            let record = KeyRecord {
                number,
                verification_method: method.clone(),
                algorithm: current.algorithm,
                public_key_multibase: signer.public_key().to_multikey(),
                valid_from: now,
                valid_until: None,
                file: String::new(),
                hsm_label: Some(label),
            };
            (record, Arc::new(signer.with_verification_method(method)))
        } else {
            self.new_key_file(number, now).await?
        };
        let mut retired = current.clone();
        retired.valid_until = Some(now);
        let event = AuditEvent::new(
            actor,
            AuditAction::KeyRotate,
            &record.verification_method,
            json!({"previous": current.verification_method,
                   "publicKeyMultibase": record.public_key_multibase,
                   "algorithm": record.algorithm}),
        );
        inner
            .committer
            .records(
                vec![Write::Key(retired.clone()), Write::Key(record.clone())],
                vec![event],
            )
            .await?;
        if let Ok(mut k) = inner.keys.write() {
            for key in k.iter_mut() {
                if key.number == retired.number {
                    *key = retired.clone();
                }
            }
            k.push(record.clone());
        }
        if let Ok(mut s) = inner.signer.write() {
            *s = signer;
        }
        let urls = inner.book.lock().map(|b| b.urls()).unwrap_or_default();
        // Every list is re-signed with the new key in the background.
        inner.publisher.request_all(urls);
        Ok(record)
    }

    /// Follows the key history as another instance of a shared registry changed it (SPEC.md
    /// §21.9): serves the new DID document, and signs with the new current key once this
    /// instance can open it (a sealed key file copied into its `keys/`, or a key of the token it
    /// shares); until then it refuses to issue rather than sign with a retired key.
    pub(crate) async fn follow_keys(&self) -> Result<(), IssuerError> {
        let inner = self.inner();
        let store = inner.store.clone();
        let stored = tokio::task::spawn_blocking(move || store.keys())
            .await
            .map_err(|e| IssuerError::Store(StoreError::WriterPanicked(e.to_string())))??;
        let missing = inner.key_missing.read().map_or(true, |m| m.is_some());
        if stored == self.keys() && !missing {
            return Ok(());
        }
        let Some(current) = stored
            .iter()
            .rev()
            .find(|k| k.valid_until.is_none())
            .cloned()
        else {
            return Err(IssuerError::Store(StoreError::NoCurrentKey));
        };
        if let Ok(mut k) = inner.keys.write() {
            *k = stored;
        }
        if self.signer().verification_method() == current.verification_method {
            return Ok(());
        }
        let keys_dir = inner.config.keys_dir();
        let passphrase = inner.passphrase.clone();
        let token = inner.hsm.clone();
        let key = current.clone();
        let opened =
            tokio::task::spawn_blocking(move || -> Result<Arc<dyn Signer>, IssuerError> {
                if !key.file.is_empty() {
                    return Ok(Arc::new(FileSigner::open(
                        &keys_dir,
                        &key,
                        passphrase.as_bytes(),
                    )?));
                }
                match (&token, &key.hsm_label) {
                    (Some(token), Some(label)) => Ok(Arc::new(
                        token
                            .signer(label, key.algorithm)
                            .map_err(IssuerError::Hsm)?
                            .with_verification_method(&key.verification_method),
                    )),
                    _ => Err(IssuerError::Rotation(RotationError::ExternalSigner(
                        key.verification_method.clone(),
                    ))),
                }
            })
            .await
            .map_err(|e| IssuerError::Store(StoreError::WriterPanicked(e.to_string())))?;
        match opened {
            Ok(signer) => {
                tracing::info!(key = %current.verification_method, "signing with the key another instance rotated to");
                if let Ok(mut s) = inner.signer.write() {
                    *s = signer;
                }
                if let Ok(mut m) = inner.key_missing.write() {
                    *m = None;
                }
            }
            Err(e) => {
                let what = if current.file.is_empty() {
                    format!(
                        "the token's key {}",
                        current.hsm_label.as_deref().unwrap_or("?")
                    )
                } else {
                    format!("{} in its keys directory", current.file)
                };
                let reason = format!(
                    "the signing key was rotated to {} by another instance, and this instance cannot open it ({e}): give it {what}, or restart it once it has",
                    current.verification_method
                );
                tracing::warn!("{reason}");
                if let Ok(mut m) = inner.key_missing.write() {
                    *m = Some(reason);
                }
            }
        }
        Ok(())
    }

    /// Key `number` as a new sealed key file in the data directory.
    async fn new_key_file(
        &self,
        number: u32,
        now: chrono::DateTime<Utc>,
    ) -> Result<(KeyRecord, Arc<dyn Signer>), IssuerError> {
        let inner = self.inner();
        let did = inner.meta.did.clone();
        let keys_dir = inner.config.keys_dir();
        let algorithm = inner.config.key_algorithm;
        let kdf = inner.config.kdf;
        let passphrase = inner.passphrase.clone();
        let (record, signer) = tokio::task::spawn_blocking(move || {
            create_key(
                &keys_dir,
                number,
                algorithm,
                |_| format!("{did}#key-{number}"),
                passphrase.as_bytes(),
                kdf,
                now,
            )
        })
        .await
        .map_err(|e| IssuerError::Rotation(RotationError::KeyGeneration(e.to_string())))??;
        Ok((record, Arc::new(signer)))
    }
}
