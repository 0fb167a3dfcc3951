//! The consent log: one sealed entry per share, written before the shared data is handed out,
//! and one per credential received from an issuer through OpenID4VCI (the holder's key was
//! bound to it).

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
    /// Some claims of an SD-JWT VC, with a key binding JWT for the verifier's nonce (the
    /// `challenge`) and audience (the `domain`); the document's `fields` are exactly the
    /// claims disclosed.
    Disclosure,
    /// Not a share: a credential received from an issuer through OpenID4VCI, bound to the
    /// holder key that signed the key proof ([`ConsentEntry::received`] says from whom).
    Received,
}

/// Where a received credential came from ([`ShareForm::Received`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Receipt {
    /// The Credential Issuer Identifier (an https URL).
    pub issuer: String,
    /// The protocol: `OpenID4VCI`.
    pub protocol: String,
    /// The credential configuration requested (`BirthCertificate_ldp_vc`).
    pub configuration_id: String,
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
    /// The fields the recipient received: every `credentialSubject` member of a document shared
    /// whole; for an SD-JWT VC disclosure exactly the claims it showed (plain and disclosed,
    /// nested ones as `mother.nationalId`).
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
    /// For [`ShareForm::Received`]: from which issuer, how, which configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received: Option<Receipt>,
}

impl ConsentEntry {
    /// The entry in one line: `received from ISSUER via OpenID4VCI, configuration …`, or
    /// `shared with …`.
    pub fn summary(&self) -> String {
        if let Some(r) = &self.received {
            return format!(
                "received from {} via {}, configuration {}",
                r.issuer, r.protocol, r.configuration_id
            );
        }
        let mut line = format!(
            "shared with {}",
            self.recipient.as_deref().unwrap_or("(unnamed)")
        );
        if let Some(d) = &self.domain {
            line.push_str(&format!(" ({d})"));
        }
        match &self.challenge {
            Some(c) => line.push_str(&format!(", challenge {c}")),
            None => line.push_str(", QR text, no challenge"),
        }
        if self.form == ShareForm::Disclosure {
            let claims: Vec<&str> = self
                .documents
                .iter()
                .flat_map(|d| d.fields.iter().map(String::as_str))
                .collect();
            line.push_str(&format!(", disclosed only: {}", claims.join(", ")));
        }
        line
    }
}
