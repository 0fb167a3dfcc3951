//! [`HsmError`]: every failure names the operation and the token (and key) it concerned.

use std::path::PathBuf;

use crate::config::ConfigError;

/// The PKCS#11 operation that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Loading the module (`dlopen`, `C_GetFunctionList`).
    LoadModule,
    /// `C_Initialize`.
    Initialize,
    /// Listing the slots (`C_GetSlotList`).
    ListSlots,
    /// Reading a token's information (`C_GetTokenInfo`).
    ReadToken,
    /// Opening a session (`C_OpenSession`).
    OpenSession,
    /// Logging in as the user (`C_Login`).
    Login,
    /// Looking keys up by label (`C_FindObjects`).
    FindKey,
    /// Reading a key's attributes (`C_GetAttributeValue`).
    ReadKey,
    /// Generating a key pair (`C_GenerateKeyPair`, `C_GenerateRandom` for its id).
    GenerateKey,
    /// Signing (`C_Sign`).
    Sign,
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::LoadModule => "load module",
            Self::Initialize => "initialize",
            Self::ListSlots => "list slots",
            Self::ReadToken => "read token information",
            Self::OpenSession => "open session",
            Self::Login => "login",
            Self::FindKey => "find key",
            Self::ReadKey => "read key attributes",
            Self::GenerateKey => "generate key",
            Self::Sign => "sign",
        })
    }
}

/// Why the HSM could not be used, or refused to sign.
#[derive(Debug, thiserror::Error)]
pub enum HsmError {
    /// The configuration is wrong, or the PIN cannot be read.
    #[error("HSM configuration: {0}")]
    Config(#[from] ConfigError),
    /// The module file does not exist.
    #[error("PKCS#11 module {} not found", .module.display())]
    ModuleNotFound {
        /// The configured module.
        module: PathBuf,
    },
    /// The module could not be loaded, initialized or asked for its slots.
    #[error("PKCS#11 module {}: {operation} failed: {source}", .module.display())]
    Module {
        /// The configured module.
        module: PathBuf,
        /// What was being done.
        operation: Operation,
        /// The module's answer.
        source: cryptoki::error::Error,
    },
    /// No initialized token matches the configuration.
    #[error("PKCS#11 module {}: no initialized {token} (present: {present})", .module.display())]
    TokenNotFound {
        /// The configured module.
        module: PathBuf,
        /// The token asked for (`token "label"` or `slot N`).
        token: String,
        /// The initialized tokens present, for the message.
        present: String,
    },
    /// The token refused the PIN.
    #[error("{token}: login refused: wrong PIN")]
    WrongPin {
        /// The token.
        token: String,
    },
    /// The token's user PIN is locked.
    #[error("{token}: login refused: the user PIN is locked")]
    PinLocked {
        /// The token.
        token: String,
    },
    /// No private key has the label.
    #[error("{token}: no private key labelled \"{key}\"")]
    KeyNotFound {
        /// The token.
        token: String,
        /// The key label.
        key: String,
    },
    /// A key with the label exists already (generate refuses to make a second one).
    #[error("{token}: a key labelled \"{key}\" already exists")]
    KeyExists {
        /// The token.
        token: String,
        /// The key label.
        key: String,
    },
    /// The key is there but cannot be used to sign for civitas (another algorithm, no public
    /// key object, an extractable private key, ...).
    #[error("{token}, key \"{key}\": {reason}")]
    UnsuitableKey {
        /// The token.
        token: String,
        /// The key label.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// A PKCS#11 call failed.
    #[error("{token}{}: {operation} failed: {source}", key_part(.key))]
    Pkcs11 {
        /// The token.
        token: String,
        /// The key label, when the operation concerned one key.
        key: Option<String>,
        /// What was being done.
        operation: Operation,
        /// The module's answer.
        source: cryptoki::error::Error,
    },
    /// The token returned a signature that does not verify with the key's public key.
    #[error(
        "{token}, key \"{key}\": the token's signature does not verify with the key's public key: {reason}"
    )]
    BadSignature {
        /// The token.
        token: String,
        /// The key label.
        key: String,
        /// The verifier's reason.
        reason: String,
    },
    /// The session's lock was poisoned or the signing task did not finish.
    #[error("{token}{}: {operation} failed: {reason}", key_part(.key))]
    Task {
        /// The token.
        token: String,
        /// The key label, when the operation concerned one key.
        key: Option<String>,
        /// What was being done.
        operation: Operation,
        /// What happened.
        reason: String,
    },
}

fn key_part(key: &Option<String>) -> String {
    key.as_ref()
        .map(|k| format!(", key \"{k}\""))
        .unwrap_or_default()
}

impl HsmError {
    /// The PKCS#11 return value, when a PKCS#11 call failed.
    pub fn rv(&self) -> Option<cryptoki::error::RvError> {
        match self {
            Self::Module { source, .. } | Self::Pkcs11 { source, .. } => match source {
                cryptoki::error::Error::Pkcs11(rv, _) => Some(*rv),
                _ => None,
            },
            _ => None,
        }
    }
}
