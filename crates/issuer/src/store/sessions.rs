//! Console sessions kept by the registry ([`SessionStore`]), so that every instance of an issuer
//! sharing its registry (SPEC.md §21.9) knows a session another one opened: behind a load
//! balancer, a clerk's requests may reach any instance. Stores of one process keep them in the
//! console's memory instead.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::IssuerError;

/// What is kept of a console session, under the SHA-256 (hex) of its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredSession {
    /// SHA-256 of the token signed in with.
    pub token_hash: String,
    /// The CSRF token every form of the session carries.
    pub csrf: String,
    /// When the session ends.
    pub expires_at: DateTime<Utc>,
}

/// Console sessions in the registry.
pub trait SessionStore: Send + Sync {
    /// Stores a new session under `key` (dropping expired ones on the way).
    fn put_session(&self, key: &str, session: &StoredSession) -> Result<(), IssuerError>;

    /// The session under `key`, if any (expired or not: the console checks).
    fn session(&self, key: &str) -> Result<Option<StoredSession>, IssuerError>;

    /// Ends the session under `key`.
    fn remove_session(&self, key: &str) -> Result<(), IssuerError>;
}
