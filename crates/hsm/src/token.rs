//! [`HsmToken`]: a logged-in session on one token, and what is done with it: finding keys by
//! label, listing them, generating them, signing.
//!
//! A module is loaded and initialized once per process (PKCS#11 allows one `C_Initialize`
//! per application) and kept for the life of the process. Each `HsmToken` has its own
//! session behind a mutex: PKCS#11 sessions must not be used by two threads at once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use civitas_keys::keys::{KeyAlgorithm, PublicKey};
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::eddsa::{EddsaParams, EddsaSignatureScheme};
use cryptoki::object::{Attribute, AttributeType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::config::{HsmConfig, TokenSelector, validate_key_label};
use crate::ec;
use crate::error::{HsmError, Operation};

/// A key pair in the token, as listed by [`HsmToken::keys`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// Its label (`CKA_LABEL`).
    pub label: String,
    /// Its algorithm, when civitas can sign with it (Ed25519 or P-256).
    pub algorithm: Option<KeyAlgorithm>,
    /// Its public key, when civitas can sign with it and the token holds the public key object.
    pub public_key: Option<PublicKey>,
    /// `CKA_TOKEN` of the private key: it is kept by the token, not only for the session.
    pub on_token: bool,
    /// `CKA_SENSITIVE` of the private key (false when the token does not say).
    pub sensitive: bool,
    /// `CKA_EXTRACTABLE` of the private key (true when the token does not say).
    pub extractable: bool,
    /// `CKA_NEVER_EXTRACTABLE` of the private key: it was generated in the token and could
    /// never be exported (false when the token does not say).
    pub never_extractable: bool,
}

/// A private key found by label, with what signing needs.
#[derive(Debug, Clone)]
pub(crate) struct KeyRef {
    pub(crate) label: String,
    pub(crate) handle: ObjectHandle,
    pub(crate) algorithm: KeyAlgorithm,
    pub(crate) public_key: PublicKey,
}

/// A logged-in user session on one token. Cloning shares the session.
#[derive(Clone)]
pub struct HsmToken {
    inner: Arc<Inner>,
}

struct Inner {
    /// `token "label" (slot N)`, for messages.
    name: String,
    session: Mutex<Session>,
}

impl std::fmt::Debug for HsmToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HsmToken")
            .field("token", &self.inner.name)
            .finish_non_exhaustive()
    }
}

/// The modules loaded by this process, by path: each initialized once, never finalized.
fn modules() -> &'static Mutex<HashMap<PathBuf, Pkcs11>> {
    static MODULES: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    MODULES.get_or_init(Default::default)
}

fn load(module: &Path) -> Result<Pkcs11, HsmError> {
    let failed = |operation, source| HsmError::Module {
        module: module.to_path_buf(),
        operation,
        source,
    };
    if !module.is_file() {
        return Err(HsmError::ModuleNotFound {
            module: module.to_path_buf(),
        });
    }
    let mut loaded = modules().lock().unwrap_or_else(|p| p.into_inner());
    if let Some(pkcs11) = loaded.get(module) {
        return Ok(pkcs11.clone());
    }
    let pkcs11 = Pkcs11::new(module).map_err(|e| failed(Operation::LoadModule, e))?;
    match pkcs11.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(failed(Operation::Initialize, e)),
    }
    loaded.insert(module.to_path_buf(), pkcs11.clone());
    Ok(pkcs11)
}

/// The slot of the initialized token `selector` names, and the token's description.
fn find_slot(
    pkcs11: &Pkcs11,
    module: &Path,
    selector: &TokenSelector,
) -> Result<(Slot, String), HsmError> {
    let failed = |operation, source| HsmError::Module {
        module: module.to_path_buf(),
        operation,
        source,
    };
    let slots = pkcs11
        .get_slots_with_initialized_token()
        .map_err(|e| failed(Operation::ListSlots, e))?;
    let mut present = Vec::new();
    for slot in slots {
        let info = pkcs11
            .get_token_info(slot)
            .map_err(|e| failed(Operation::ReadToken, e))?;
        let label = info.label().trim_end().to_owned();
        let found = match selector {
            TokenSelector::Slot(id) => slot.id() == *id,
            TokenSelector::Label(wanted) => label == *wanted,
        };
        if found {
            return Ok((slot, format!("token \"{label}\" (slot {})", slot.id())));
        }
        present.push(format!("\"{label}\" in slot {}", slot.id()));
    }
    Err(HsmError::TokenNotFound {
        module: module.to_path_buf(),
        token: selector.to_string(),
        present: if present.is_empty() {
            "none".into()
        } else {
            present.join(", ")
        },
    })
}

impl HsmToken {
    /// Loads the configuration's module, finds its token, opens a session and logs in with
    /// the PIN (read from `pin_file` or `pin_env`, zeroized after login). Blocking: from async
    /// code, call it on a blocking thread.
    ///
    /// PKCS#11 keeps the login state per process and token: when another `HsmToken` of this
    /// process is already logged in to the same token, the token does not check the PIN again.
    pub fn open(config: &HsmConfig) -> Result<Self, HsmError> {
        let pin = config.read_pin()?;
        let selector = config.token()?;
        let pkcs11 = load(&config.module)?;
        let (slot, name) = find_slot(&pkcs11, &config.module, &selector)?;
        let failed = |operation, source| HsmError::Pkcs11 {
            token: name.clone(),
            key: None,
            operation,
            source,
        };
        let session = pkcs11
            .open_rw_session(slot)
            .map_err(|e| failed(Operation::OpenSession, e))?;
        login(&session, &pin, &name)?;
        drop(pin);
        Ok(Self {
            inner: Arc::new(Inner {
                name,
                session: Mutex::new(session),
            }),
        })
    }

    /// The token's description (`token "label" (slot N)`), as errors name it.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    fn session(
        &self,
        key: Option<&str>,
        operation: Operation,
    ) -> Result<MutexGuard<'_, Session>, HsmError> {
        self.inner.session.lock().map_err(|_| HsmError::Task {
            token: self.inner.name.clone(),
            key: key.map(str::to_owned),
            operation,
            reason: "the session's lock is poisoned (a thread panicked while using it)".into(),
        })
    }

    fn failed(&self, key: Option<&str>, operation: Operation) -> impl Fn(CkError) -> HsmError {
        let token = self.inner.name.clone();
        let key = key.map(str::to_owned);
        move |source| HsmError::Pkcs11 {
            token: token.clone(),
            key: key.clone(),
            operation,
            source,
        }
    }

    /// Every private key in the token with what the token says of it, by label.
    pub fn keys(&self) -> Result<Vec<KeyInfo>, HsmError> {
        let session = self.session(None, Operation::FindKey)?;
        let handles = session
            .find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY)])
            .map_err(self.failed(None, Operation::FindKey))?;
        let mut keys = Vec::with_capacity(handles.len());
        for handle in handles {
            keys.push(self.describe(&session, handle)?);
        }
        keys.sort_by(|a, b| a.label.cmp(&b.label));
        Ok(keys)
    }

    /// What the token says of the private key `handle` (and its public key, by label).
    fn describe(&self, session: &Session, handle: ObjectHandle) -> Result<KeyInfo, HsmError> {
        let attributes = session
            .get_attributes(
                handle,
                &[
                    AttributeType::Label,
                    AttributeType::Token,
                    AttributeType::KeyType,
                    AttributeType::EcParams,
                    AttributeType::Sensitive,
                    AttributeType::Extractable,
                    AttributeType::NeverExtractable,
                ],
            )
            .map_err(self.failed(None, Operation::ReadKey))?;
        let mut info = KeyInfo {
            label: String::new(),
            algorithm: None,
            public_key: None,
            on_token: false,
            sensitive: false,
            extractable: true,
            never_extractable: false,
        };
        let mut key_type = None;
        let mut params = Vec::new();
        for attribute in attributes {
            match attribute {
                Attribute::Label(label) => info.label = String::from_utf8_lossy(&label).into(),
                Attribute::Token(b) => info.on_token = b,
                Attribute::KeyType(t) => key_type = Some(t),
                Attribute::EcParams(p) => params = p,
                Attribute::Sensitive(b) => info.sensitive = b,
                Attribute::Extractable(b) => info.extractable = b,
                Attribute::NeverExtractable(b) => info.never_extractable = b,
                _ => {}
            }
        }
        info.algorithm = key_type.and_then(|t| ec::algorithm_of(t, &params));
        if let Some(algorithm) = info.algorithm {
            info.public_key = self.public_key(session, &info.label, algorithm).ok();
        }
        Ok(info)
    }

    /// The public key object labelled `label`, read from `CKA_EC_POINT`.
    fn public_key(
        &self,
        session: &Session,
        label: &str,
        algorithm: KeyAlgorithm,
    ) -> Result<PublicKey, HsmError> {
        let unsuitable = |reason: String| HsmError::UnsuitableKey {
            token: self.inner.name.clone(),
            key: label.to_owned(),
            reason,
        };
        let handles = session
            .find_objects(&[
                Attribute::Class(ObjectClass::PUBLIC_KEY),
                Attribute::Label(label.as_bytes().to_vec()),
            ])
            .map_err(self.failed(Some(label), Operation::FindKey))?;
        let [handle] = handles[..] else {
            return Err(unsuitable(format!(
                "expected one public key object with this label, found {}",
                handles.len()
            )));
        };
        let attributes = session
            .get_attributes(handle, &[AttributeType::EcPoint])
            .map_err(self.failed(Some(label), Operation::ReadKey))?;
        let point = attributes
            .into_iter()
            .find_map(|a| match a {
                Attribute::EcPoint(point) => Some(point),
                _ => None,
            })
            .ok_or_else(|| unsuitable("the public key has no CKA_EC_POINT".into()))?;
        ec::public_key_from_point(algorithm, &point).map_err(unsuitable)
    }

    /// The private keys labelled `label`.
    fn find_private(&self, session: &Session, label: &str) -> Result<Vec<ObjectHandle>, HsmError> {
        session
            .find_objects(&[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::Label(label.as_bytes().to_vec()),
            ])
            .map_err(self.failed(Some(label), Operation::FindKey))
    }

    /// Finds the key labelled `label` and checks it can sign for civitas: exactly one private
    /// key with the label, of `algorithm`, sensitive and not extractable, and its public key.
    pub(crate) fn find_key(
        &self,
        label: &str,
        algorithm: KeyAlgorithm,
    ) -> Result<KeyRef, HsmError> {
        validate_key_label(label)?;
        let session = self.session(Some(label), Operation::FindKey)?;
        let unsuitable = |reason: String| HsmError::UnsuitableKey {
            token: self.inner.name.clone(),
            key: label.to_owned(),
            reason,
        };
        let handle = match self.find_private(&session, label)?[..] {
            [] => {
                return Err(HsmError::KeyNotFound {
                    token: self.inner.name.clone(),
                    key: label.to_owned(),
                });
            }
            [handle] => handle,
            ref more => {
                return Err(unsuitable(format!(
                    "{} private keys have this label; labels must be unique",
                    more.len()
                )));
            }
        };
        let info = self.describe(&session, handle)?;
        match info.algorithm {
            Some(found) if found == algorithm => {}
            Some(found) => {
                return Err(unsuitable(format!(
                    "the key is {found}, the configuration says {algorithm}"
                )));
            }
            None => {
                return Err(unsuitable(format!(
                    "the key is not {algorithm} (civitas signs with Ed25519 or P-256 keys)"
                )));
            }
        }
        if !info.sensitive || info.extractable {
            return Err(unsuitable(
                "the private key can leave the token (CKA_SENSITIVE false or CKA_EXTRACTABLE true)"
                    .into(),
            ));
        }
        let public_key = self.public_key(&session, label, algorithm)?;
        Ok(KeyRef {
            label: label.to_owned(),
            handle,
            algorithm,
            public_key,
        })
    }

    /// Generates a key pair of `algorithm` labelled `label` in the token: the private key
    /// sensitive, not extractable, a token object; refused if any key object has the label.
    pub(crate) fn generate_key(
        &self,
        label: &str,
        algorithm: KeyAlgorithm,
    ) -> Result<KeyRef, HsmError> {
        validate_key_label(label)?;
        {
            let session = self.session(Some(label), Operation::GenerateKey)?;
            let taken = session
                .find_objects(&[Attribute::Label(label.as_bytes().to_vec())])
                .map_err(self.failed(Some(label), Operation::FindKey))?;
            if !taken.is_empty() {
                return Err(HsmError::KeyExists {
                    token: self.inner.name.clone(),
                    key: label.to_owned(),
                });
            }
            let failed = self.failed(Some(label), Operation::GenerateKey);
            let id = session.generate_random_vec(16).map_err(&failed)?;
            let common = [
                Attribute::Token(true),
                Attribute::Label(label.as_bytes().to_vec()),
                Attribute::Id(id),
                Attribute::KeyType(ec::key_type_for(algorithm)),
            ];
            let mut public = common.to_vec();
            public.extend([
                Attribute::Private(false),
                Attribute::Verify(true),
                Attribute::EcParams(ec::params_for(algorithm).to_vec()),
            ]);
            let mut private = common.to_vec();
            private.extend([
                Attribute::Private(true),
                Attribute::Sensitive(true),
                Attribute::Extractable(false),
                Attribute::Sign(true),
            ]);
            let mechanism = match algorithm {
                KeyAlgorithm::Ed25519 => Mechanism::EccEdwardsKeyPairGen,
                KeyAlgorithm::P256 => Mechanism::EccKeyPairGen,
            };
            session
                .generate_key_pair(&mechanism, &public, &private)
                .map_err(failed)?;
        }
        self.find_key(label, algorithm)
    }

    /// The labels of the private keys in the token.
    pub(crate) fn labels(&self) -> Result<Vec<String>, HsmError> {
        Ok(self.keys()?.into_iter().map(|k| k.label).collect())
    }

    /// Signs `message` with `key` (Ed25519: `CKM_EDDSA`; P-256: `CKM_ECDSA` over its SHA-256,
    /// 64-byte `r‖s`) and checks the signature with the key's public key before returning it.
    /// Blocking.
    pub(crate) fn sign(&self, key: &KeyRef, message: &[u8]) -> Result<Vec<u8>, HsmError> {
        let failed = self.failed(Some(&key.label), Operation::Sign);
        let signature = {
            let session = self.session(Some(&key.label), Operation::Sign)?;
            match key.algorithm {
                KeyAlgorithm::Ed25519 => {
                    let mechanism = Mechanism::Eddsa(EddsaParams::new(EddsaSignatureScheme::Pure));
                    session
                        .sign(&mechanism, key.handle, message)
                        .map_err(failed)?
                }
                KeyAlgorithm::P256 => {
                    let digest = Sha256::digest(message);
                    let signature = session
                        .sign(&Mechanism::Ecdsa, key.handle, &digest)
                        .map_err(failed)?;
                    raw_ecdsa(signature)
                }
            }
        };
        checked(
            &self.inner.name,
            &key.label,
            &key.public_key,
            message,
            signature,
        )
    }
}

/// `signature` if it verifies over `message` with `public_key`: a token that answers with
/// another key's signature, or garbage, is refused here.
fn checked(
    token: &str,
    label: &str,
    public_key: &PublicKey,
    message: &[u8],
    signature: Vec<u8>,
) -> Result<Vec<u8>, HsmError> {
    match public_key.verify(message, &signature) {
        Ok(()) => Ok(signature),
        Err(e) => Err(HsmError::BadSignature {
            token: token.to_owned(),
            key: label.to_owned(),
            reason: e.to_string(),
        }),
    }
}

/// `CKM_ECDSA` answers `r‖s`; a module answering DER (as a few do) is brought to `r‖s`.
fn raw_ecdsa(signature: Vec<u8>) -> Vec<u8> {
    if signature.len() == 64 {
        return signature;
    }
    match p256::ecdsa::Signature::from_der(&signature) {
        Ok(der) => der.to_bytes().to_vec(),
        Err(_) => signature,
    }
}

/// Logs the user in; a session of this process already logged in is fine.
fn login(session: &Session, pin: &Zeroizing<String>, token: &str) -> Result<(), HsmError> {
    let pin = AuthPin::new(pin.as_str().into());
    match session.login(UserType::User, Some(&pin)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(()),
        Err(CkError::Pkcs11(RvError::PinIncorrect, _)) => Err(HsmError::WrongPin {
            token: token.to_owned(),
        }),
        Err(CkError::Pkcs11(RvError::PinLocked, _)) => Err(HsmError::PinLocked {
            token: token.to_owned(),
        }),
        Err(source) => Err(HsmError::Pkcs11 {
            token: token.to_owned(),
            key: None,
            operation: Operation::Login,
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use civitas_keys::keys::KeyPair;

    #[test]
    fn a_signature_that_does_not_verify_is_refused() {
        for algorithm in [KeyAlgorithm::Ed25519, KeyAlgorithm::P256] {
            let pair = KeyPair::generate(algorithm);
            let other = KeyPair::generate(algorithm);
            let public = pair.public_key();
            let good = pair.sign(b"message");
            assert_eq!(
                checked("token \"T\"", "k", &public, b"message", good.clone()).unwrap(),
                good
            );
            for bad in [other.sign(b"message"), vec![0; 64], good[..63].to_vec()] {
                let err = checked("token \"T\"", "k", &public, b"message", bad).unwrap_err();
                assert!(
                    err.to_string().starts_with(
                        "token \"T\", key \"k\": the token's signature does not verify"
                    ),
                    "{err}"
                );
            }
        }
    }

    #[test]
    fn der_ecdsa_signatures_are_brought_to_r_s() {
        let pair = KeyPair::generate(KeyAlgorithm::P256);
        let raw = pair.sign(b"message");
        let der = p256::ecdsa::Signature::from_slice(&raw)
            .unwrap()
            .to_der()
            .as_bytes()
            .to_vec();
        assert_eq!(raw_ecdsa(der), raw);
        assert_eq!(raw_ecdsa(raw.clone()), raw);
    }
}
