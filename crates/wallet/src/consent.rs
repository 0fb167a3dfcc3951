//! The consent log: one sealed entry per share, written before the shared data is handed out.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How documents were shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ShareForm {
    /// A presentation signed by the holder for the verifier's challenge and domain.
    Presentation,
    /// The issuer-signed QR text (`CV1:…`) of one document, as printed on paper: no holder
    /// proof, no challenge.
    QrText,
}

/// One document in a share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedDocument {
    /// The wallet's id of the document.
    pub id: String,
    /// Its description at the time.
    pub description: String,
    /// The credential's `id`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_id: Option<String>,
    /// The `credentialSubject` fields the recipient received (all of them: civitas credentials
    /// are shared whole).
    pub fields: Vec<String>,
}

/// A record of one share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentEntry {
    /// Position in the log (increasing).
    pub seq: u64,
    /// When.
    pub at: DateTime<Utc>,
    /// To whom, as the holder named them (e.g. `Mauritius Commercial Bank`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
    /// The verifier's domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// The verifier's challenge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge: Option<String>,
    /// The holder DID that signed, for a presentation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
    /// The presentation's `id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presentation_id: Option<String>,
    /// How.
    pub form: ShareForm,
    /// What.
    pub documents: Vec<SharedDocument>,
}
