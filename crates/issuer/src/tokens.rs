//! Bearer tokens: who may write, and what.
//!
//! A token is `civ_` followed by 43 base64url characters (32 random bytes). The registry keeps
//! only its SHA-256 (hex) with a name and the actions it allows; the token itself is shown once,
//! when it is created. `admin` allows everything.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::error::UnknownName;
use crate::jcs::sha256_hex;

/// The prefix of every civitas issuer token.
pub const TOKEN_PREFIX: &str = "civ_";

/// What a token allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Issue credentials (`POST /credentials/issue`, `/birth-certificates`,
    /// `/marriage-certificates`, `/credentials/batch`).
    Issue,
    /// Change credential status (`POST /credentials/status`).
    Status,
    /// Everything, including reading the registry and the audit log, and rotating keys.
    Admin,
}

impl Action {
    /// The action's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Issue => "issue",
            Self::Status => "status",
            Self::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Action {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        match s {
            "issue" => Ok(Self::Issue),
            "status" => Ok(Self::Status),
            "admin" => Ok(Self::Admin),
            other => Err(UnknownName {
                given: other.to_owned(),
                what: "an action",
                accepted: "issue, status, admin",
            }),
        }
    }
}

/// A token as the registry keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRecord {
    /// Who holds it (appears in the audit log).
    pub name: String,
    /// SHA-256 of the token, hex.
    pub hash: String,
    /// What it allows.
    pub actions: Vec<Action>,
    /// When it was created.
    pub created: DateTime<Utc>,
}

impl TokenRecord {
    /// Whether the token allows `action` (`admin` allows everything).
    pub fn allows(&self, action: Action) -> bool {
        self.actions.contains(&action) || self.actions.contains(&Action::Admin)
    }
}

/// `n` random bytes as base64url without padding.
pub fn random_secret(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A new token and its record.
pub fn new_token(name: &str, actions: &[Action], now: DateTime<Utc>) -> (String, TokenRecord) {
    let token = format!("{TOKEN_PREFIX}{}", random_secret(32));
    let record = TokenRecord {
        name: name.to_owned(),
        hash: hash_token(&token),
        actions: actions.to_vec(),
        created: now,
    };
    (token, record)
}

/// The stored form of a token: SHA-256 of its text, hex.
pub fn hash_token(token: &str) -> String {
    sha256_hex(token.as_bytes())
}
