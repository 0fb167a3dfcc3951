//! The documents civitas issues. A document type is a profile ([`civitas_profile`]): its
//! fields, rules, labels and summary are data, and this module applies them to a credential's
//! `credentialSubject`: [`validate_subject`], [`describe`], [`sample`].

use chrono::NaiveDate;
use serde_json::Value;

pub use civitas_profile::{DocumentType, UnknownDocumentType};

/// A record that does not make a valid document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{field}`: {reason}")]
pub struct ModelError {
    /// The offending field: a JSON pointer inside `credentialSubject` (`/mother/nationalId`;
    /// empty for the subject as a whole), or `type` for the document type.
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

impl ModelError {
    /// A field whose value is not acceptable.
    pub fn invalid(field: &str, reason: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            reason: reason.into(),
        }
    }
}

impl From<UnknownDocumentType> for ModelError {
    fn from(e: UnknownDocumentType) -> Self {
        Self::invalid("type", e.to_string())
    }
}

/// The latest calendar date anywhere on Earth right now (UTC+14), so that an event registered
/// "today" in any time zone is never refused as being in the future.
pub fn latest_date_today() -> NaiveDate {
    civitas_profile::latest_date_on_earth()
}

/// Checks a `credentialSubject` against its type's profile: kinds, required members, patterns
/// and rules, `today` being the latest acceptable date. The error is the first the profile
/// finds, at its JSON pointer.
pub fn validate_subject_at(
    kind: &DocumentType,
    subject: &Value,
    today: NaiveDate,
) -> Result<(), ModelError> {
    let known = kind.profile().ok_or_else(|| {
        ModelError::invalid(
            "type",
            format!("no profile of the document type `{kind}` is loaded"),
        )
    })?;
    match known.profile.validate_at(subject, today).into_iter().next() {
        None => Ok(()),
        Some(e) => Err(ModelError::invalid(&e.pointer, e.message)),
    }
}

/// [`validate_subject_at`] with today's latest date on Earth.
pub fn validate_subject(kind: &DocumentType, subject: &Value) -> Result<(), ModelError> {
    validate_subject_at(kind, subject, latest_date_today())
}

/// The sample subject of a document type (fictitious people; every value made up), from its
/// profile's `[sample]` or derived from its fields.
pub fn sample(kind: &DocumentType) -> Option<Value> {
    kind.profile().map(|k| k.profile.sample())
}

/// What a credential is, in words, from its JSON: its profile's summary (`Birth certificate of
/// Marie-Claire Lebon, born 2024-02-28`) when its `type` names a known document type, else
/// `Credential of type …` (the types not starting with `Verifiable`), else `Credential`. Never
/// fails: it only describes, it checks nothing.
pub fn describe(credential: &Value) -> String {
    describe_in(credential, "en")
}

/// [`describe`] in `language` (`en`, `fr`).
pub fn describe_in(credential: &Value, language: &str) -> String {
    let types: Vec<&str> = crate::credential::one_or_many(credential.get("type"))
        .into_iter()
        .filter_map(Value::as_str)
        .collect();
    let subject = crate::credential::one_or_many(credential.get("credentialSubject"))
        .first()
        .copied()
        .unwrap_or(&Value::Null);
    let registry = civitas_profile::known();
    if let Some(known) = registry.from_types(types.iter().copied())
        && subject.is_object()
    {
        return known.profile.summary(subject, language);
    }
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
}
