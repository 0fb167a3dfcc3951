//! The civil-registry documents civitas issues, as typed Rust values that serialize to the
//! `credentialSubject` of their credential: [`BirthCertificate`] and [`MarriageCertificate`].
//!
//! Each is built with a builder that refuses an incomplete or inconsistent record with a
//! [`ModelError`] naming the field (as a path inside `credentialSubject`).

mod birth;
mod common;
mod marriage;
pub mod samples;

pub use birth::{BirthCertificate, BirthCertificateBuilder};
pub use common::{
    LocalizedText, MAX_TEXT_CHARS, Person, Place, Registration, Sex, check_country,
    check_national_id, check_text,
};
pub use marriage::{MarriageCertificate, MarriageCertificateBuilder, Spouse};

use chrono::NaiveDate;

/// A record that does not make a valid document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{field}`: {reason}")]
pub struct ModelError {
    /// The offending field, as a path inside `credentialSubject` (e.g. `mother.nationalId`).
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

impl ModelError {
    /// A required field that is missing or blank.
    pub fn missing(field: &str) -> Self {
        Self {
            field: field.to_owned(),
            reason: "is required".into(),
        }
    }

    /// A field whose value is not acceptable.
    pub fn invalid(field: &str, reason: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            reason: reason.into(),
        }
    }
    /// The same error, its field a member of `parent` (`mother` + `nationalId` →
    /// `mother.nationalId`). Nested values are checked with their own field names and the path
    /// is only built for an error.
    pub fn within(mut self, parent: &str) -> Self {
        self.field = format!("{parent}.{}", self.field);
        self
    }
}

/// The kinds of document civitas issues.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum DocumentType {
    /// A birth certificate.
    BirthCertificate,
    /// A marriage certificate.
    MarriageCertificate,
}

impl DocumentType {
    /// Every document type.
    pub const ALL: [DocumentType; 2] = [Self::BirthCertificate, Self::MarriageCertificate];

    /// The credential type (`BirthCertificate`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BirthCertificate => "BirthCertificate",
            Self::MarriageCertificate => "MarriageCertificate",
        }
    }

    /// The URL of the document type's JSON Schema (see [`crate::schema`]).
    pub fn schema_url(self) -> &'static str {
        match self {
            Self::BirthCertificate => crate::schema::BIRTH_CERTIFICATE_SCHEMA,
            Self::MarriageCertificate => crate::schema::MARRIAGE_CERTIFICATE_SCHEMA,
        }
    }

    /// Bilingual title, English / French.
    pub fn title(self) -> (&'static str, &'static str) {
        match self {
            Self::BirthCertificate => ("Birth Certificate", "Acte de naissance"),
            Self::MarriageCertificate => ("Marriage Certificate", "Acte de mariage"),
        }
    }

    /// The document type among a credential's `type` values, if any.
    pub fn from_types<'a>(types: impl IntoIterator<Item = &'a str>) -> Option<Self> {
        types.into_iter().find_map(|t| t.parse().ok())
    }
}

impl std::fmt::Display for DocumentType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for DocumentType {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, ModelError> {
        match s {
            "BirthCertificate" | "birth" | "birth-certificate" => Ok(Self::BirthCertificate),
            "MarriageCertificate" | "marriage" | "marriage-certificate" => {
                Ok(Self::MarriageCertificate)
            }
            other => Err(ModelError::invalid(
                "type",
                format!(
                    "`{other}` is not a civitas document type (BirthCertificate, MarriageCertificate)"
                ),
            )),
        }
    }
}

/// A civil-registry document that can become a credential's subject.
pub trait CivilDocument: serde::Serialize + serde::de::DeserializeOwned {
    /// Its document type.
    const TYPE: DocumentType;

    /// Checks the record for completeness and consistency, `today` being the latest acceptable
    /// date for any event or registration.
    fn validate(&self, today: NaiveDate) -> Result<(), ModelError>;

    /// The DIDs of the people who may hold this document (the child; either spouse).
    fn holders(&self) -> Vec<&str>;

    /// A short human description, for listings (`Birth certificate of Marie Lebon`).
    fn summary(&self) -> String;
}

/// The latest calendar date anywhere on Earth right now (UTC+14), so that an event registered
/// "today" in any time zone is never refused as being in the future.
pub fn latest_date_today() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(14)).date_naive()
}

/// Parses a document's `credentialSubject` into its typed form and validates it.
pub fn parse_subject<D: CivilDocument>(subject: &serde_json::Value) -> Result<D, ModelError> {
    let doc: D = <D as serde::Deserialize>::deserialize(subject)
        .map_err(|e| ModelError::invalid("credentialSubject", e.to_string()))?;
    doc.validate(latest_date_today())?;
    Ok(doc)
}

/// What a credential is, in words, from its JSON: `Birth certificate of Marie-Claire Lebon, born
/// 2024-02-28` or `Marriage certificate of …` when its `type` names a civil-registry document and
/// its (first) subject reads as one, else `Credential of type …` (the types not starting with
/// `Verifiable`), else `Credential`. Never fails: it only describes, it checks nothing.
pub fn describe(credential: &serde_json::Value) -> String {
    let types: Vec<&str> = crate::credential::one_or_many(credential.get("type"))
        .into_iter()
        .filter_map(serde_json::Value::as_str)
        .collect();
    let subject = crate::credential::one_or_many(credential.get("credentialSubject"))
        .first()
        .copied()
        .unwrap_or(&serde_json::Value::Null);
    let described = match DocumentType::from_types(types.iter().copied()) {
        Some(DocumentType::BirthCertificate) => {
            <BirthCertificate as serde::Deserialize>::deserialize(subject)
                .ok()
                .map(|d| d.summary())
        }
        Some(DocumentType::MarriageCertificate) => {
            <MarriageCertificate as serde::Deserialize>::deserialize(subject)
                .ok()
                .map(|d| d.summary())
        }
        None => None,
    };
    described.unwrap_or_else(|| {
        let specific: Vec<&str> = types
            .iter()
            .copied()
            .filter(|t| !t.starts_with("Verifiable"))
            .collect();
        if specific.is_empty() {
            "Credential".to_owned()
        } else {
            format!("Credential of type {}", specific.join(", "))
        }
    })
}
