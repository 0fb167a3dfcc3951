//! `BitstringStatusListCredential`: the credential an issuer publishes with the bits of one
//! status list, read from JSON (or `vc+jwt`) and written as VC Data Model 2.0 JSON.
//!
//! Reading it here checks its shape and decodes the bits; it does not check the signature. For
//! that, see [`verify_status_list`](crate::verify::verify_status_list).

use std::time::Duration;

use chrono::{DateTime, Utc};
use civitas_core::credential::{Credential, format_datetime, one_or_many};
use civitas_core::verify::{Input, SecuredCredential};
use civitas_jsonld::contexts::CREDENTIALS_V2;
use serde_json::{Map, Value, json};

use crate::bitstring::{Bitstring, StatusSize};
use crate::entry::{BitstringStatusListEntry, EntryView, StatusPurpose, is_url};
use crate::error::StatusError;

/// The `type` of a status list credential.
pub const LIST_CREDENTIAL_TYPE: &str = "BitstringStatusListCredential";

/// The `type` of its subject, the status list.
pub const LIST_TYPE: &str = "BitstringStatusList";

/// A status list credential: who issued it, for what purpose(s), when it is valid, and the bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BitstringStatusListCredential {
    /// The credential's `id`: the URL the list is published at, which entries name in
    /// `statusListCredential`.
    pub id: String,
    /// The issuer.
    pub issuer: String,
    /// `credentialSubject.id` (civitas writes `<id>#list`).
    pub subject_id: Option<String>,
    /// `credentialSubject.statusPurpose`: one or more purposes.
    pub purposes: Vec<StatusPurpose>,
    /// The decoded `credentialSubject.encodedList`.
    pub bits: Bitstring,
    /// `validFrom`.
    pub valid_from: Option<DateTime<Utc>>,
    /// `validUntil`.
    pub valid_until: Option<DateTime<Utc>>,
    /// `credentialSubject.ttl`: how long a verifier may use the list before fetching it again
    /// (milliseconds in JSON).
    pub ttl: Option<Duration>,
}

impl BitstringStatusListCredential {
    /// A list credential with subject id `<id>#list` and no validity period or ttl.
    pub fn new(id: &str, issuer: &str, purpose: StatusPurpose, bits: Bitstring) -> Self {
        Self {
            id: id.to_owned(),
            issuer: issuer.to_owned(),
            subject_id: Some(format!("{id}#list")),
            purposes: vec![purpose],
            bits,
            valid_from: None,
            valid_until: None,
            ttl: None,
        }
    }

    /// Reads a status list credential from bytes: JSON (Data Integrity or unsecured) or a
    /// `vc+jwt` compact JWS. The signature is not checked here.
    pub fn parse(bytes: &[u8]) -> Result<Self, StatusError> {
        Self::from_secured(&parse_secured(bytes)?)
    }

    /// Reads a status list credential from a JSON value (the signature is not checked).
    pub fn from_json(value: &Value) -> Result<Self, StatusError> {
        Self::from_credential(&Credential::from_value(value.clone())?)
    }

    /// Reads the status list from a secured credential (the signature is not checked).
    pub fn from_secured(secured: &SecuredCredential) -> Result<Self, StatusError> {
        Self::from_credential(secured.credential())
    }

    /// Reads the status list from a credential that follows the VC data model.
    pub fn from_credential(credential: &Credential) -> Result<Self, StatusError> {
        if !credential.types().iter().any(|t| t == LIST_CREDENTIAL_TYPE) {
            return Err(StatusError::NotAStatusList {
                reason: format!(
                    "its type is {}, which does not include {LIST_CREDENTIAL_TYPE}",
                    credential.types().join(", ")
                ),
            });
        }
        let id = credential
            .id()
            .ok_or_else(|| {
                StatusError::field(
                    "/id",
                    "a status list credential needs an id: the URL entries point at",
                )
            })?
            .to_owned();
        let subjects = credential.subjects();
        let subject = match subjects.as_slice() {
            [one] => one
                .as_object()
                .ok_or_else(|| StatusError::field("/credentialSubject", "must be an object"))?,
            _ => {
                return Err(StatusError::field(
                    "/credentialSubject",
                    format!("must be exactly one {LIST_TYPE}, found {}", subjects.len()),
                ));
            }
        };
        let subject_types: Vec<&str> = one_or_many(subject.get("type"))
            .into_iter()
            .filter_map(Value::as_str)
            .collect();
        if !subject_types.contains(&LIST_TYPE) {
            return Err(StatusError::NotAStatusList {
                reason: format!("credentialSubject.type must be {LIST_TYPE}"),
            });
        }
        let subject_id = match subject.get("id") {
            None => None,
            Some(Value::String(s)) if is_url(s) => Some(s.clone()),
            Some(_) => return Err(StatusError::field("/credentialSubject/id", "must be a URL")),
        };
        let purposes = match subject.get("statusPurpose") {
            Some(Value::String(s)) => vec![StatusPurpose::parse(s)?],
            Some(Value::Array(items)) if !items.is_empty() => items
                .iter()
                .map(|v| match v.as_str() {
                    Some(s) => StatusPurpose::parse(s),
                    None => Err(StatusError::field(
                        "/credentialSubject/statusPurpose",
                        "must be a string or an array of strings",
                    )),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => {
                return Err(StatusError::field(
                    "/credentialSubject/statusPurpose",
                    "must be a string or a non-empty array of strings",
                ));
            }
            None => {
                return Err(StatusError::field(
                    "/credentialSubject/statusPurpose",
                    "is required",
                ));
            }
        };
        let encoded = match subject.get("encodedList") {
            Some(Value::String(s)) => s,
            Some(_) => {
                return Err(StatusError::field(
                    "/credentialSubject/encodedList",
                    "must be a string",
                ));
            }
            None => {
                return Err(StatusError::field(
                    "/credentialSubject/encodedList",
                    "is required",
                ));
            }
        };
        let bits = Bitstring::decode(encoded)?;
        bits.check_minimum()?;
        let ttl = match subject.get("ttl") {
            None => None,
            Some(v) => Some(Duration::from_millis(v.as_u64().ok_or_else(|| {
                StatusError::field(
                    "/credentialSubject/ttl",
                    "must be a non-negative integer number of milliseconds",
                )
            })?)),
        };
        Ok(Self {
            id,
            issuer: credential.issuer().to_owned(),
            subject_id,
            purposes,
            bits,
            valid_from: credential.valid_from(),
            valid_until: credential.valid_until(),
            ttl,
        })
    }

    /// Whether the list is for `purpose`.
    pub fn has_purpose(&self, purpose: StatusPurpose) -> bool {
        self.purposes.contains(&purpose)
    }

    /// The purposes as text, comma-separated.
    pub fn purposes_text(&self) -> String {
        self.purposes
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The value of the entry at `index`, `size` bits wide. Checks the range only.
    #[inline]
    pub fn get(&self, index: u64, size: StatusSize) -> Result<u8, StatusError> {
        self.bits.get(index, size)
    }

    /// The value of `entry` in this list, after checking that the entry points at this list and
    /// that its purpose is one of the list's.
    pub fn status(&self, entry: &BitstringStatusListEntry) -> Result<u8, StatusError> {
        self.status_of(
            &entry.list_credential,
            entry.purpose,
            entry.index,
            entry.size,
        )
    }

    /// [`status`](Self::status), after also checking that the list was issued by
    /// `credential_issuer`.
    pub fn status_for(
        &self,
        entry: &BitstringStatusListEntry,
        credential_issuer: &str,
    ) -> Result<u8, StatusError> {
        self.check_issuer(credential_issuer)?;
        self.status(entry)
    }

    /// [`status_for`](Self::status_for) for an entry read in place.
    pub(crate) fn status_of_view(
        &self,
        entry: &EntryView<'_>,
        credential_issuer: &str,
    ) -> Result<u8, StatusError> {
        self.check_issuer(credential_issuer)?;
        self.status_of(
            entry.list_credential,
            entry.purpose,
            entry.index,
            entry.size,
        )
    }

    fn check_issuer(&self, credential_issuer: &str) -> Result<(), StatusError> {
        if self.issuer == credential_issuer {
            Ok(())
        } else {
            Err(StatusError::IssuerMismatch {
                list: self.id.clone(),
                list_issuer: self.issuer.clone(),
                credential_issuer: credential_issuer.to_owned(),
            })
        }
    }

    /// The value at `index` (`size` bits) for an entry of `purpose` pointing at `list_credential`.
    fn status_of(
        &self,
        list_credential: &str,
        purpose: StatusPurpose,
        index: u64,
        size: StatusSize,
    ) -> Result<u8, StatusError> {
        if list_credential != self.id {
            return Err(StatusError::ListMismatch {
                entry_list: list_credential.to_owned(),
                list: self.id.clone(),
            });
        }
        if !self.has_purpose(purpose) {
            return Err(StatusError::PurposeMismatch {
                list: self.id.clone(),
                list_purposes: self.purposes_text(),
                entry: purpose,
            });
        }
        self.bits.get(index, size)
    }

    /// The unsigned credential as VC Data Model 2.0 JSON.
    pub fn to_json(&self) -> Value {
        let mut subject = Map::new();
        if let Some(id) = &self.subject_id {
            subject.insert("id".into(), id.clone().into());
        }
        subject.insert("type".into(), LIST_TYPE.into());
        subject.insert(
            "statusPurpose".into(),
            match self.purposes.as_slice() {
                [one] => one.as_str().into(),
                many => many.iter().map(|p| p.as_str()).collect::<Vec<_>>().into(),
            },
        );
        subject.insert("encodedList".into(), self.bits.encode().into());
        if let Some(ttl) = self.ttl {
            let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
            subject.insert("ttl".into(), json!(ms));
        }
        let mut vc = Map::new();
        vc.insert("@context".into(), json!([CREDENTIALS_V2]));
        vc.insert("id".into(), self.id.clone().into());
        vc.insert(
            "type".into(),
            json!(["VerifiableCredential", LIST_CREDENTIAL_TYPE]),
        );
        vc.insert("issuer".into(), self.issuer.clone().into());
        if let Some(t) = self.valid_from {
            vc.insert("validFrom".into(), format_datetime(t).into());
        }
        if let Some(t) = self.valid_until {
            vc.insert("validUntil".into(), format_datetime(t).into());
        }
        vc.insert("credentialSubject".into(), Value::Object(subject));
        Value::Object(vc)
    }
}

/// Reads a credential (JSON or `vc+jwt`), refusing presentations.
pub(crate) fn parse_secured(bytes: &[u8]) -> Result<SecuredCredential, StatusError> {
    match Input::parse(bytes)? {
        Input::Credential(c) => Ok(c),
        Input::Presentation(_) => Err(StatusError::NotAStatusList {
            reason: "it is a verifiable presentation".into(),
        }),
    }
}
