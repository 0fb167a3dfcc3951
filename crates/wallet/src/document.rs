//! The documents in the safe: what the holder imported (kept byte for byte as received), what it
//! is, when it came in and how its last verification came out; reading imports; searching.

use chrono::{DateTime, Utc};
use civitas_core::credential::{Credential, MAX_DOCUMENT_BYTES, one_or_many};
use civitas_core::model::DocumentType;
use civitas_core::report::{Report, Verdict};
use civitas_core::verify::SecuredCredential;
use civitas_verifier::document::Parsed;
use civitas_verifier::{Document, ReadError};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{UnreadableInput, WalletError};

/// How a stored credential is secured, which decides how it can be shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentFormat {
    /// JSON with an embedded Data Integrity proof.
    DataIntegrity,
    /// A `vc+jwt` compact JWS.
    VcJwt,
    /// The compact QR text (`CV1:…`) printed on a paper certificate.
    Compact,
    /// An SD-JWT VC (`dc+sd-jwt`) with every disclosure the issuer gave: the holder presents a
    /// subset of them, with a key binding JWT.
    SdJwtVc,
}

impl DocumentFormat {
    /// A short name for listings.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DataIntegrity => "data-integrity",
            Self::VcJwt => "vc+jwt",
            Self::Compact => "qr",
            Self::SdJwtVc => "dc+sd-jwt",
        }
    }
}

/// The outcome of a verification, kept with the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    /// When it ran.
    pub at: DateTime<Utc>,
    /// The verdict.
    pub verdict: Verdict,
    /// The verifier's full report.
    pub report: Report,
}

/// A document in the wallet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredDocument {
    /// The wallet's id for it: 12 random hexadecimal digits (never derived from the content).
    pub id: String,
    /// How it is secured.
    pub format: DocumentFormat,
    /// The credential exactly as imported (JSON text, JWS, or `CV1:` text).
    pub content: String,
    /// The credential as JSON (for a `vc+jwt` its payload; for the QR form the credential it
    /// rebuilds; for an SD-JWT VC its claims as a credential, civitas-verifier's
    /// `credential_view`).
    pub credential: Value,
    /// A description for people (`Birth certificate of Marie-Claire Lebon, born 2024-02-28`).
    pub description: String,
    /// When it was imported.
    pub imported_at: DateTime<Utc>,
    /// The last verification (at import, or a later re-verification).
    pub last_verification: Verification,
}

impl StoredDocument {
    /// The credential's `id`, if any.
    pub fn credential_id(&self) -> Option<&str> {
        self.credential.get("id").and_then(Value::as_str)
    }

    /// The issuer's DID or URL.
    pub fn issuer(&self) -> &str {
        match self.credential.get("issuer") {
            Some(Value::String(s)) => s,
            Some(Value::Object(o)) => o.get("id").and_then(Value::as_str).unwrap_or(""),
            _ => "",
        }
    }

    /// The credential's types.
    pub fn types(&self) -> Vec<&str> {
        one_or_many(self.credential.get("type"))
            .into_iter()
            .filter_map(Value::as_str)
            .collect()
    }

    /// The DIDs the credential is about (its subjects, a marriage's spouses).
    pub fn subject_ids(&self) -> Vec<String> {
        Credential::from_value(self.credential.clone())
            .map(|c| c.subject_ids().into_iter().map(str::to_owned).collect())
            .unwrap_or_default()
    }

    /// Whether it is a civitas civil-registry document (whose holder must be its subject).
    pub fn is_civil_document(&self) -> bool {
        Credential::from_value(self.credential.clone()).is_ok_and(|c| c.document_type().is_some())
    }

    /// The names of the people the credential is about: each subject's (and spouse's)
    /// `givenName`, `familyName` and `name`, in every language given.
    pub fn subject_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        for subject in one_or_many(self.credential.get("credentialSubject")) {
            let people = std::iter::once(subject).chain(one_or_many(subject.get("spouses")));
            for person in people {
                let mut parts = Vec::new();
                for key in ["givenName", "familyName", "name"] {
                    strings_in(person.get(key), &mut parts);
                }
                if !parts.is_empty() {
                    names.push(parts.join(" "));
                }
            }
        }
        names
    }

    /// The members of `credentialSubject` (what a verifier sees when the document is shared
    /// whole), for the consent log.
    pub fn subject_fields(&self) -> Vec<String> {
        let mut fields = Vec::new();
        for subject in one_or_many(self.credential.get("credentialSubject")) {
            if let Some(o) = subject.as_object() {
                for k in o.keys() {
                    if !fields.contains(k) {
                        fields.push(k.clone());
                    }
                }
            }
        }
        fields
    }
}

fn strings_in(value: Option<&Value>, out: &mut Vec<String>) {
    match value {
        Some(Value::String(s)) => out.push(s.clone()),
        Some(Value::Array(items)) => items.iter().for_each(|v| strings_in(Some(v), out)),
        Some(Value::Object(o)) => o.values().for_each(|v| strings_in(Some(v), out)),
        _ => {}
    }
}

/// A credential read from what the holder handed in, before verification.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedInput {
    /// How it is secured.
    pub format: DocumentFormat,
    /// The trimmed text.
    pub content: String,
    /// The credential as JSON.
    pub credential: Value,
    /// The credential as the verifier read it ([`Document::read`]): what
    /// [`Wallet::import`](crate::Wallet::import) hands to
    /// [`Verifier::verify_document`](civitas_verifier::Verifier::verify_document), so that the
    /// input is parsed once.
    pub document: Document,
}

/// Reads a credential to import: Data Integrity JSON, a `vc+jwt`, an SD-JWT VC, or the compact
/// QR text, recognised and parsed once by the verifier's reader ([`Document::read`]).
/// Presentations are refused with the reason; so is anything that is not text — a photo of a
/// QR code is read by the caller first (`civitas wallet import` does).
pub fn read_input(bytes: &[u8]) -> Result<ImportedInput, WalletError> {
    let unreadable = WalletError::Unreadable;
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(unreadable(UnreadableInput::TooLarge {
            size: bytes.len(),
            max: MAX_DOCUMENT_BYTES,
        }));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        unreadable(UnreadableInput::NotText {
            offset: e.valid_up_to(),
        })
    })?;
    let text = text.trim();
    if text.is_empty() {
        return Err(unreadable(UnreadableInput::Empty));
    }
    let document = Document::read(text.as_bytes()).map_err(|e| {
        unreadable(match e {
            ReadError::Compact(e) => UnreadableInput::Compact(e),
            ReadError::Input(e) => UnreadableInput::Input(e),
            ReadError::SdJwt(e) => UnreadableInput::SdJwt(e),
            // Not reached: `text` is UTF-8, which no PNG or JPEG signature is (their first
            // byte is not), and the compact text it holds is too.
            ReadError::Photo(_) | ReadError::PhotoReadingNotBuilt | ReadError::CompactNotUtf8 => {
                UnreadableInput::NotText { offset: 0 }
            }
        })
    })?;
    let (format, credential) = match &document.parsed {
        Parsed::Presentation(_) => return Err(unreadable(UnreadableInput::Presentation)),
        Parsed::Compact(c) => (DocumentFormat::Compact, c.credential_json().clone()),
        Parsed::Credential(SecuredCredential::DataIntegrity(c)) => {
            (DocumentFormat::DataIntegrity, c.json().clone())
        }
        Parsed::Credential(SecuredCredential::Jwt { credential, .. }) => {
            (DocumentFormat::VcJwt, credential.json().clone())
        }
        Parsed::SdJwt(s) => {
            if s.parsed.kb_jwt.is_some() {
                return Err(unreadable(UnreadableInput::Presentation));
            }
            let view = s
                .unverified_view()
                .map_err(|e| unreadable(UnreadableInput::SdJwt(e)))?;
            (DocumentFormat::SdJwtVc, view)
        }
    };
    Ok(ImportedInput {
        format,
        content: text.to_owned(),
        credential,
        document,
    })
}

/// A search over the wallet's documents; every criterion given must match (case-insensitive).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// A credential type (`BirthCertificate`; `birth` and `marriage` work too).
    pub document_type: Option<String>,
    /// Part of the issuer's DID or URL.
    pub issuer: Option<String>,
    /// Part of a subject's name (every word must appear in one name).
    pub subject_name: Option<String>,
}

impl Query {
    /// Whether `doc` matches.
    pub fn matches(&self, doc: &StoredDocument) -> bool {
        if let Some(want) = &self.document_type {
            let canonical = want
                .parse::<DocumentType>()
                .map(|t| t.as_str().to_owned())
                .unwrap_or_else(|_| want.clone());
            if !doc
                .types()
                .iter()
                .any(|t| t.eq_ignore_ascii_case(&canonical))
            {
                return false;
            }
        }
        if let Some(want) = &self.issuer
            && !doc.issuer().to_lowercase().contains(&want.to_lowercase())
        {
            return false;
        }
        if let Some(want) = &self.subject_name {
            let words: Vec<String> = want.split_whitespace().map(str::to_lowercase).collect();
            let found = doc.subject_names().iter().any(|name| {
                let name = name.to_lowercase();
                words.iter().all(|w| name.contains(w.as_str()))
            });
            if !found {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_it_cannot_hold_with_the_reason() {
        let cases: [(&[u8], &str); 5] = [
            (b"   ", "empty"),
            (b"\xff\xfe", "offset 0"),
            (b"eyJhbGciOiJFZERTQSJ9.e30.sig~WyJhIiwiYiJd~", "SD-JWT"),
            (b"CV1:%%%", ""),
            (
                br#"{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiablePresentation"]}"#,
                "presentation",
            ),
        ];
        for (input, word) in cases {
            match read_input(input) {
                Err(WalletError::Unreadable(reason)) => {
                    assert!(
                        reason
                            .to_string()
                            .to_lowercase()
                            .contains(&word.to_lowercase()),
                        "{word}: {reason}"
                    )
                }
                other => panic!("{word}: {other:?}"),
            }
        }
        let big = vec![b' '; MAX_DOCUMENT_BYTES + 1];
        assert!(matches!(
            read_input(&big),
            Err(WalletError::Unreadable(UnreadableInput::TooLarge { size, max }))
                if size == MAX_DOCUMENT_BYTES + 1 && max == MAX_DOCUMENT_BYTES
        ));
        // an SD-JWT whose parts do not read: the reason, not a refusal of SD-JWT as such
        assert!(matches!(
            read_input(b"eyJhbGciOiJFZERTQSJ9.e30.sig~WyJhIiwiYiJd~"),
            Err(WalletError::Unreadable(UnreadableInput::SdJwt(_)))
        ));
    }
}
