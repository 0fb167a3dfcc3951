//! Signing keys in a PKCS#11 token ([`IssuerConfig::hsm`](crate::IssuerConfig::hsm)): the
//! current key's signer when the issuer opens (on the first run, the configured key, found in
//! the token or generated there), and the next key generated in the token when it rotates. No
//! private key ever leaves the token; the key history records each key's label
//! ([`KeyRecord::hsm_label`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use civitas_hsm::{HsmConfig, HsmError, HsmToken, Pkcs11Signer};
use civitas_keys::keys::KeyAlgorithm;
use civitas_keys::signer::Signer;

use crate::error::{IssuerError, RotationError};
use crate::keystore::KeyRecord;

/// The token and the signer of the current key, as opened.
pub(super) struct OpenedHsm {
    /// The logged-in token (kept for rotations).
    pub(super) token: HsmToken,
    /// The current key's signer.
    pub(super) signer: Arc<dyn Signer>,
    /// The current key's label.
    pub(super) label: String,
}

/// Opens `config`'s token and the signer of `current` (the key history's current key), or,
/// before the first key exists, of the configured key (generated when the token has no key
/// with that label), known as `first_method` (`did:web:…#key-1`; `None`: its did:key).
/// Blocking work runs on a blocking thread.
pub(super) async fn open(
    config: HsmConfig,
    current: Option<KeyRecord>,
    first_method: Option<String>,
) -> Result<OpenedHsm, IssuerError> {
    run_blocking(move || {
        let token = HsmToken::open(&config).map_err(IssuerError::Hsm)?;
        let signer = match &current {
            Some(key) => {
                let Some(label) = &key.hsm_label else {
                    return Err(IssuerError::config(format!(
                        "the current key {} is not in the HSM (it is {}): an issuer keeps the key store it was created with",
                        key.verification_method,
                        if key.file.is_empty() {
                            "held by another external signer".to_owned()
                        } else {
                            format!("the key file {}", key.file)
                        }
                    )));
                };
                token
                    .signer(label, key.algorithm)
                    .map_err(IssuerError::Hsm)?
                    .with_verification_method(&key.verification_method)
            }
            None => {
                let signer = match token.signer(&config.key_label, config.algorithm) {
                    Ok(signer) => signer,
                    Err(HsmError::KeyNotFound { .. }) => token
                        .generate(&config.key_label, config.algorithm)
                        .map_err(IssuerError::Hsm)?,
                    Err(e) => return Err(IssuerError::Hsm(e)),
                };
                match first_method {
                    Some(method) => signer.with_verification_method(method),
                    None => signer,
                }
            }
        };
        Ok(OpenedHsm {
            token,
            label: signer.label().to_owned(),
            signer: Arc::new(signer),
        })
    })
    .await
}

/// Generates the key that follows `current` in `token` (label `issuer` → `issuer-2`, the first
/// free one), of the same algorithm; the current key stays in the token.
pub(crate) async fn next_key(
    token: HsmToken,
    current: KeyRecord,
) -> Result<(Pkcs11Signer, String), IssuerError> {
    run_blocking(move || {
        let Some(label) = &current.hsm_label else {
            return Err(IssuerError::Rotation(RotationError::ExternalSigner(
                current.verification_method.clone(),
            )));
        };
        let algorithm: KeyAlgorithm = current.algorithm;
        let rotation = token
            .signer(label, algorithm)
            .and_then(|signer| signer.rotate())
            .map_err(IssuerError::Hsm)?;
        Ok((rotation.signer, rotation.label))
    })
    .await
}

async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, IssuerError> + Send + 'static,
) -> Result<T, IssuerError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| IssuerError::Rotation(RotationError::KeyGeneration(e.to_string())))?
}

/// Largest `hsm.toml` read (64 KiB).
const MAX_HSM_FILE: u64 = 64 * 1024;

/// Where an issuer remembers its token: `<data dir>/hsm.toml` (the module, the token, the
/// first key's label, the algorithm, and where the PIN is read: never the PIN itself).
pub fn hsm_file(data_dir: &Path) -> PathBuf {
    data_dir.join("hsm.toml")
}

/// Writes `config` to `<data dir>/hsm.toml` (mode 0600) unless it holds it already, so that
/// every later opening of this data directory (the service, `civitas issuer` commands) finds
/// its keys without being told again.
pub(super) fn remember(data_dir: &Path, config: &HsmConfig) -> Result<(), IssuerError> {
    config
        .validate()
        .map_err(|e| IssuerError::Hsm(HsmError::Config(e)))?;
    if recall(data_dir)?.as_ref() == Some(config) {
        return Ok(());
    }
    let text = toml::to_string(config)
        .map_err(|e| IssuerError::config(format!("writing hsm.toml: {e}")))?;
    crate::fsutil::write_private(&hsm_file(data_dir), text.as_bytes())
}

/// The token configuration `<data dir>/hsm.toml` holds, if the file exists.
pub(super) fn recall(data_dir: &Path) -> Result<Option<HsmConfig>, IssuerError> {
    let path = hsm_file(data_dir);
    if !path.exists() {
        return Ok(None);
    }
    read_hsm_config(&path).map(Some)
}

/// Reads a token configuration (TOML: `module`, `token_label` or `slot`, `key_label`,
/// `algorithm`, `pin_file` or `pin_env`; at most 64 KiB), checked field by field.
pub fn read_hsm_config(path: &Path) -> Result<HsmConfig, IssuerError> {
    let text = crate::fsutil::read_limited(path, MAX_HSM_FILE)?;
    parse_hsm_config(&text).map_err(|e| IssuerError::config(format!("{}: {e}", path.display())))
}

/// A token configuration's text, parsed and checked field by field.
pub fn parse_hsm_config(text: &str) -> Result<HsmConfig, IssuerError> {
    let config: HsmConfig = toml::from_str(text).map_err(|e| IssuerError::config(e.to_string()))?;
    config
        .validate()
        .map_err(|e| IssuerError::config(e.to_string()))?;
    Ok(config)
}
