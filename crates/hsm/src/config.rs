//! [`HsmConfig`]: where the token is, which key, and where its PIN comes from.
//!
//! The configuration is plain serde data, so that the issuer's TOML file can hold it as a
//! table. The PIN itself is never part of it: only the file or environment variable that holds
//! it. [`HsmConfig::validate`] says which field is wrong.

use std::path::{Path, PathBuf};

use civitas_keys::keys::KeyAlgorithm;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// The longest key label accepted, in bytes.
pub const MAX_KEY_LABEL_BYTES: usize = 128;

/// The longest token label PKCS#11 can hold (`CK_TOKEN_INFO.label`), in bytes.
pub const MAX_TOKEN_LABEL_BYTES: usize = 32;

/// The longest PIN accepted from a file or variable, in bytes.
pub const MAX_PIN_BYTES: usize = 256;

/// Where a signing key lives in a PKCS#11 token.
///
/// In TOML:
///
/// ```toml
/// module = "/usr/lib/softhsm/libsofthsm2.so"
/// token_label = "civil-registry"    # or: slot = 0
/// key_label = "issuer"
/// algorithm = "ed25519"             # or "p256"
/// pin_file = "/run/secrets/hsm-pin" # or: pin_env = "CIVITAS_HSM_PIN"
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HsmConfig {
    /// The PKCS#11 module (shared library) of the HSM, as an absolute path.
    pub module: PathBuf,
    /// The slot holding the token (give this or `token_label`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot: Option<u64>,
    /// The label of the token (give this or `slot`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_label: Option<String>,
    /// The label (`CKA_LABEL`) of the signing key in the token.
    pub key_label: String,
    /// The key's algorithm (`ed25519`, the default, or `p256`).
    #[serde(default)]
    pub algorithm: KeyAlgorithm,
    /// A file holding the user PIN (give this or `pin_env`); one trailing newline is ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_file: Option<PathBuf>,
    /// An environment variable holding the user PIN (give this or `pin_file`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_env: Option<String>,
    /// A PIN written in the configuration itself: read only to be refused.
    #[serde(default, rename = "pin", skip_serializing)]
    inline_pin: Option<InlinePin>,
}

/// The value of a `pin` member: its content is dropped unread, only its presence is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct InlinePin;

impl<'de> Deserialize<'de> for InlinePin {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer).map(|_| InlinePin)
    }
}

/// Which token a configuration names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSelector {
    /// The token in this slot.
    Slot(u64),
    /// The (initialized) token with this label.
    Label(String),
}

impl std::fmt::Display for TokenSelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Slot(id) => write!(f, "slot {id}"),
            Self::Label(label) => write!(f, "token \"{label}\""),
        }
    }
}

/// Where the user PIN is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinSource {
    /// A file (one trailing newline ignored).
    File(PathBuf),
    /// An environment variable.
    Env(String),
}

impl std::fmt::Display for PinSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(path) => write!(f, "`pin_file` {}", path.display()),
            Self::Env(name) => write!(f, "`pin_env` {name}"),
        }
    }
}

/// What is wrong with an [`HsmConfig`], naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// `module` is empty or relative.
    #[error(
        "`module` must be the absolute path of the PKCS#11 module (.so), got \"{}\"",
        .0.display()
    )]
    Module(PathBuf),
    /// Both or neither of `slot` and `token_label`.
    #[error("give exactly one of `slot` and `token_label` to name the token")]
    TokenChoice,
    /// `token_label` is empty or too long.
    #[error("`token_label` must be 1 to {MAX_TOKEN_LABEL_BYTES} bytes, got {0}")]
    TokenLabel(usize),
    /// `key_label` is empty, too long or holds control characters.
    #[error("`key_label` {0}")]
    KeyLabel(&'static str),
    /// Both or neither of `pin_file` and `pin_env`.
    #[error("give exactly one of `pin_file` and `pin_env` for the user PIN")]
    PinChoice,
    /// A `pin` member in the configuration.
    #[error("`pin` must not be written in the configuration: use `pin_file` or `pin_env`")]
    InlinePin,
    /// `pin_env` is not a usable variable name.
    #[error("`pin_env` must be a variable name (not empty, no `=` or NUL), got \"{0}\"")]
    PinEnvName(String),
    /// The PIN file cannot be read.
    #[error("`pin_file` {}: {reason}", .path.display())]
    PinFile {
        /// The file.
        path: PathBuf,
        /// Why it could not be read.
        reason: String,
    },
    /// The PIN variable is not set (or not UTF-8).
    #[error("`pin_env` {0} is not set (or not UTF-8)")]
    PinEnvUnset(String),
    /// The PIN read is empty or too long.
    #[error("{from} holds {reason}")]
    PinValue {
        /// Where the PIN was read.
        from: PinSource,
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl HsmConfig {
    /// A configuration for `key_label` in the token labelled `token_label` of `module`, with
    /// the PIN in the file `pin_file` (change with the other setters).
    pub fn new(
        module: impl Into<PathBuf>,
        token_label: impl Into<String>,
        key_label: impl Into<String>,
        algorithm: KeyAlgorithm,
        pin_file: impl Into<PathBuf>,
    ) -> Self {
        Self {
            module: module.into(),
            slot: None,
            token_label: Some(token_label.into()),
            key_label: key_label.into(),
            algorithm,
            pin_file: Some(pin_file.into()),
            pin_env: None,
            inline_pin: None,
        }
    }

    /// Names the token by slot instead of by label.
    pub fn slot(mut self, slot: u64) -> Self {
        self.slot = Some(slot);
        self.token_label = None;
        self
    }

    /// Reads the PIN from the environment variable `name` instead of a file.
    pub fn pin_env(mut self, name: impl Into<String>) -> Self {
        self.pin_env = Some(name.into());
        self.pin_file = None;
        self
    }

    /// The same configuration for another key label.
    pub fn key_label(mut self, label: impl Into<String>) -> Self {
        self.key_label = label.into();
        self
    }

    /// The same configuration for another algorithm.
    pub fn algorithm(mut self, algorithm: KeyAlgorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// Checks every field (without touching the module or the PIN).
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.inline_pin.is_some() {
            return Err(ConfigError::InlinePin);
        }
        if !self.module.is_absolute() {
            return Err(ConfigError::Module(self.module.clone()));
        }
        self.token()?;
        validate_key_label(&self.key_label)?;
        self.pin_source()?;
        Ok(())
    }

    /// The token this configuration names.
    pub fn token(&self) -> Result<TokenSelector, ConfigError> {
        match (self.slot, &self.token_label) {
            (Some(slot), None) => Ok(TokenSelector::Slot(slot)),
            (None, Some(label)) if label.is_empty() || label.len() > MAX_TOKEN_LABEL_BYTES => {
                Err(ConfigError::TokenLabel(label.len()))
            }
            (None, Some(label)) => Ok(TokenSelector::Label(label.clone())),
            _ => Err(ConfigError::TokenChoice),
        }
    }

    /// Where the PIN comes from.
    pub fn pin_source(&self) -> Result<PinSource, ConfigError> {
        match (&self.pin_file, &self.pin_env) {
            (Some(path), None) => Ok(PinSource::File(path.clone())),
            (None, Some(name)) if name.is_empty() || name.contains(['=', '\0']) => {
                Err(ConfigError::PinEnvName(name.clone()))
            }
            (None, Some(name)) => Ok(PinSource::Env(name.clone())),
            _ => Err(ConfigError::PinChoice),
        }
    }

    /// Reads the PIN (validating the configuration first). The PIN is zeroized when dropped.
    pub fn read_pin(&self) -> Result<Zeroizing<String>, ConfigError> {
        self.validate()?;
        let source = self.pin_source()?;
        let pin = match &source {
            PinSource::File(path) => read_pin_file(path)?,
            PinSource::Env(name) => Zeroizing::new(
                std::env::var(name).map_err(|_| ConfigError::PinEnvUnset(name.clone()))?,
            ),
        };
        let reason = if pin.is_empty() {
            "an empty PIN"
        } else if pin.len() > MAX_PIN_BYTES {
            "a PIN longer than 256 bytes"
        } else {
            return Ok(pin);
        };
        Err(ConfigError::PinValue {
            from: source,
            reason,
        })
    }
}

/// Checks a key label: 1 to [`MAX_KEY_LABEL_BYTES`] bytes, no control characters.
pub fn validate_key_label(label: &str) -> Result<(), ConfigError> {
    if label.is_empty() {
        Err(ConfigError::KeyLabel("is empty"))
    } else if label.len() > MAX_KEY_LABEL_BYTES {
        Err(ConfigError::KeyLabel("is longer than 128 bytes"))
    } else if label.chars().any(char::is_control) {
        Err(ConfigError::KeyLabel("holds control characters"))
    } else {
        Ok(())
    }
}

fn read_pin_file(path: &Path) -> Result<Zeroizing<String>, ConfigError> {
    let unreadable = |reason: String| ConfigError::PinFile {
        path: path.to_path_buf(),
        reason,
    };
    let bytes = Zeroizing::new(std::fs::read(path).map_err(|e| unreadable(e.to_string()))?);
    let text = std::str::from_utf8(&bytes).map_err(|_| unreadable("not UTF-8".into()))?;
    let text = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text);
    Ok(Zeroizing::new(text.to_owned()))
}
