//! Credentials and presentations as JSON documents, checked against the VC Data Model (2.0, and
//! 1.1 for interoperability), and the [`CredentialBuilder`] that turns a civil-registry document
//! into an unsigned credential.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use crate::data_model::typed_objects;
use crate::model::{DocumentType, ModelError};
use civitas_jsonld::contexts::{CREDENTIALS_V1, CREDENTIALS_V2};
use civitas_jsonld::member::Member;

/// Largest credential, presentation or JWT accepted from outside (1 MiB).
pub const MAX_DOCUMENT_BYTES: usize = civitas_jsonld::json::MAX_JSON_BYTES;

/// Which VC Data Model a document follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum VcVersion {
    /// VC Data Model 1.1 (`https://www.w3.org/2018/credentials/v1`).
    #[serde(rename = "1.1")]
    V1_1,
    /// VC Data Model 2.0 (`https://www.w3.org/ns/credentials/v2`).
    #[serde(rename = "2.0")]
    V2_0,
}

/// Why a document is not a well-formed credential or presentation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyntaxError {
    /// Not JSON, larger than [`MAX_DOCUMENT_BYTES`], or an object repeating a member name: the
    /// strict parser's error (see [`civitas_jsonld::json`]), with its line, column, byte offset and
    /// pointer.
    #[error(transparent)]
    Json(civitas_jsonld::json::JsonError),
    /// A member is missing or has the wrong shape.
    #[error("`{pointer}`: {reason}")]
    Field {
        /// JSON pointer to the member (`/credentialSubject`).
        pointer: String,
        /// What is wrong.
        reason: String,
    },
}

impl SyntaxError {
    pub(crate) fn field(pointer: &str, reason: impl Into<String>) -> Self {
        Self::Field {
            pointer: pointer.to_owned(),
            reason: reason.into(),
        }
    }
}

/// Parses JSON from outside: size-limited, errors with line, column and byte offset, duplicate
/// member names refused (see [`civitas_jsonld::json`]).
pub fn parse_json(bytes: &[u8]) -> Result<Value, SyntaxError> {
    civitas_jsonld::json::parse_with_limit(bytes, MAX_DOCUMENT_BYTES).map_err(SyntaxError::from)
}

impl From<civitas_jsonld::json::JsonError> for SyntaxError {
    fn from(e: civitas_jsonld::json::JsonError) -> Self {
        use civitas_jsonld::json::JsonError;
        match e {
            JsonError::Shape { reason } => Self::Field {
                pointer: String::new(),
                reason,
            },
            other => Self::Json(other),
        }
    }
}

/// Whether `text` has the lexical form of an `xsd:dateTimeStamp`:
/// `YYYY-MM-DDThh:mm:ss[.s+](Z|±hh:mm)`, with an upper-case `T` and `Z` (RFC 3339 also
/// allows a space or lower case, which XML Schema does not).
fn is_datetime_stamp(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range)
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    let fixed = digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && b.get(10) == Some(&b'T')
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16)
        && b.get(16) == Some(&b':')
        && digits(17..19);
    if !fixed {
        return false;
    }
    let mut rest = &b[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let n = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &fraction[n..];
    }
    match rest {
        b"Z" => true,
        [sign, h1, h2, b':', m1, m2] => {
            matches!(sign, b'+' | b'-') && [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit())
        }
        _ => false,
    }
}

/// Parses an `xsd:dateTimeStamp`: a date-time with a time zone (RFC 3339 in XML Schema's
/// lexical form).
pub fn parse_datetime(pointer: &str, value: &Value) -> Result<DateTime<Utc>, SyntaxError> {
    let text = value
        .as_str()
        .ok_or_else(|| SyntaxError::field(pointer, "must be a date-time string"))?;
    if !is_datetime_stamp(text) {
        return Err(SyntaxError::field(
            pointer,
            format!("`{text}` is not a date-time with a time zone (e.g. 2026-01-31T09:00:00Z)"),
        ));
    }
    DateTime::parse_from_rfc3339(text)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| {
            SyntaxError::field(
                pointer,
                format!("`{text}` is not a date-time with a time zone (e.g. 2026-01-31T09:00:00Z)"),
            )
        })
}

/// Formats a time as civitas writes it: RFC 3339, UTC, whole seconds (`2026-01-31T09:00:00Z`).
pub fn format_datetime(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The bytes of a URL scheme after its first letter (RFC 3986: ALPHA / DIGIT / "+" / "-" / ".").
const SCHEME_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'+' || c == b'-' || c == b'.';
        b += 1;
    }
    table
};

/// Whether `s` is an absolute URL as the data model needs one: `scheme:rest`, no whitespace.
pub fn is_url(s: &str) -> bool {
    let bytes = s.as_bytes();
    // The scheme is read up to the first `:` in the same pass that validates it.
    let Some(colon) = bytes.iter().position(|&c| !SCHEME_BYTE[usize::from(c)]) else {
        return false;
    };
    bytes[colon] == b':'
        && bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && colon + 1 < bytes.len()
        && !has_whitespace(s)
}

/// Whether `s` contains a character with Unicode's `White_Space` property.
fn has_whitespace(s: &str) -> bool {
    // Screened eight bytes at a time first: every such character is a byte <= 0x20 or starts
    // with a byte >= 0x80, and most URLs have neither.
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let suspect_word = |w: u64| (w.wrapping_sub(0x21 * ONES) | w) & HIGH != 0;
    let mut rest = s.as_bytes();
    let mut suspect = false;
    while let Some((word, tail)) = rest.split_first_chunk::<8>() {
        suspect |= suspect_word(u64::from_le_bytes(*word));
        rest = tail;
    }
    suspect |= rest.iter().any(|&b| b <= b' ' || b >= 0x80);
    suspect && s.contains(char::is_whitespace)
}

/// One value or an array of values, as a list.
pub fn one_or_many(value: Option<&Value>) -> Vec<&Value> {
    match value {
        None => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
    }
}

fn version_of_first_context(first: Option<&Value>) -> Option<VcVersion> {
    match first.and_then(Value::as_str) {
        Some(CREDENTIALS_V2) => Some(VcVersion::V2_0),
        Some(CREDENTIALS_V1) => Some(VcVersion::V1_1),
        _ => None,
    }
}

/// The data model version `document`'s first `@context` names, without reading the rest of
/// it (`None`: neither VC 2.0 nor VC 1.1).
pub fn vc_version_of(document: &Value) -> Option<VcVersion> {
    match document.member("@context")? {
        Value::Array(items) => version_of_first_context(items.first()),
        one => version_of_first_context(Some(one)),
    }
}

fn contexts(obj: &Map<String, Value>) -> Result<(VcVersion, Vec<&Value>), SyntaxError> {
    let ctx = obj
        .member("@context")
        .ok_or_else(|| SyntaxError::field("/@context", "is required"))?;
    let items = one_or_many(Some(ctx));
    let Some(version) = version_of_first_context(items.first().copied()) else {
        return Err(SyntaxError::field(
            "/@context/0",
            format!("the first context must be {CREDENTIALS_V2} (or {CREDENTIALS_V1})"),
        ));
    };
    for (i, item) in items.iter().enumerate() {
        match item {
            Value::String(s) if is_url(s) => {}
            Value::Object(_) => {}
            _ => {
                return Err(SyntaxError::field(
                    &format!("/@context/{i}"),
                    "must be a URL or a context object",
                ));
            }
        }
    }
    Ok((version, items))
}

fn types(obj: &Map<String, Value>, required: &str) -> Result<Vec<String>, SyntaxError> {
    let types: Vec<String> = one_or_many(obj.member("type"))
        .into_iter()
        .map(|t| {
            t.as_str()
                .map(str::to_owned)
                .ok_or_else(|| SyntaxError::field("/type", "every type must be a string"))
        })
        .collect::<Result<_, _>>()?;
    if !types.iter().any(|t| t == required) {
        return Err(SyntaxError::field(
            "/type",
            format!("must include `{required}`"),
        ));
    }
    Ok(types)
}

fn optional_url(obj: &Map<String, Value>, key: &str) -> Result<Option<String>, SyntaxError> {
    match obj.member(key) {
        None => Ok(None),
        Some(Value::String(s)) if is_url(s) => Ok(Some(s.clone())),
        Some(_) => Err(SyntaxError::field(&format!("/{key}"), "must be a URL")),
    }
}

/// A credential that follows the VC Data Model (2.0 or 1.1), secured or not.
#[derive(Debug, Clone, PartialEq)]
pub struct Credential {
    json: Value,
    version: VcVersion,
    issuer: String,
    types: Vec<String>,
}

impl Credential {
    /// Parses and checks a credential from bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self, SyntaxError> {
        Self::from_value(parse_json(bytes)?)
    }

    /// Checks a credential given as JSON.
    pub fn from_value(json: Value) -> Result<Self, SyntaxError> {
        let obj = json
            .as_object()
            .ok_or_else(|| SyntaxError::field("", "a credential must be a JSON object"))?;
        let (version, _) = contexts(obj)?;
        let types = types(obj, "VerifiableCredential")?;
        optional_url(obj, "id")?;
        let issuer = match obj.member("issuer") {
            Some(Value::String(s)) if is_url(s) => s.clone(),
            Some(Value::Object(o)) => match o.member("id") {
                Some(Value::String(s)) if is_url(s) => s.clone(),
                _ => return Err(SyntaxError::field("/issuer/id", "must be a URL")),
            },
            Some(_) => {
                return Err(SyntaxError::field(
                    "/issuer",
                    "must be a URL or an object with an `id`",
                ));
            }
            None => return Err(SyntaxError::field("/issuer", "is required")),
        };
        let subjects = one_or_many(obj.member("credentialSubject"));
        if subjects.is_empty() {
            return Err(SyntaxError::field("/credentialSubject", "is required"));
        }
        for (i, s) in subjects.iter().enumerate() {
            match s.as_object() {
                Some(o) if !o.is_empty() => {
                    if let Some(id) = o.member("id")
                        && !id.as_str().is_some_and(is_url)
                    {
                        return Err(SyntaxError::field(
                            &format!("/credentialSubject/{i}/id"),
                            "must be a URL",
                        ));
                    }
                }
                _ => {
                    return Err(SyntaxError::field(
                        &format!("/credentialSubject/{i}"),
                        "must be a non-empty object",
                    ));
                }
            }
        }
        let (from_key, until_key) = match version {
            VcVersion::V2_0 => ("validFrom", "validUntil"),
            VcVersion::V1_1 => ("issuanceDate", "expirationDate"),
        };
        if version == VcVersion::V1_1 && obj.member("issuanceDate").is_none() {
            return Err(SyntaxError::field(
                "/issuanceDate",
                "is required in a VC 1.1 credential",
            ));
        }
        let from = obj
            .get(from_key)
            .map(|v| parse_datetime(&format!("/{from_key}"), v))
            .transpose()?;
        let until = obj
            .get(until_key)
            .map(|v| parse_datetime(&format!("/{until_key}"), v))
            .transpose()?;
        if let (Some(f), Some(u)) = (from, until)
            && u < f
        {
            return Err(SyntaxError::field(
                &format!("/{until_key}"),
                format!("is before {from_key}"),
            ));
        }
        typed_objects(obj, "credentialStatus", false)?;
        typed_objects(obj, "credentialSchema", true)?;
        crate::data_model::check(obj)?;
        for (i, p) in one_or_many(obj.member("proof")).into_iter().enumerate() {
            if !p.is_object() {
                return Err(SyntaxError::field(
                    &format!("/proof/{i}"),
                    "must be an object",
                ));
            }
        }
        Ok(Self {
            json,
            version,
            issuer,
            types,
        })
    }

    /// The whole document.
    pub fn json(&self) -> &Value {
        &self.json
    }

    /// The top-level member `key` (e.g. `credentialStatus`), found without hashing the key.
    pub fn member(&self, key: &str) -> Option<&Value> {
        self.json.member(key)
    }

    /// The whole document, owned.
    pub fn into_json(self) -> Value {
        self.json
    }

    /// The data model version.
    pub fn version(&self) -> VcVersion {
        self.version
    }

    /// The credential's `id`, if any.
    pub fn id(&self) -> Option<&str> {
        self.json.member("id").and_then(Value::as_str)
    }

    /// The issuer's identifier.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The `type` values.
    pub fn types(&self) -> &[String] {
        &self.types
    }

    /// The document type, if it is one the process knows a profile for: a type term of that
    /// profile's (protected) context, which the credential must use. A `BirthCertificate` of
    /// some other vocabulary is not ours.
    pub fn document_type(&self) -> Option<DocumentType> {
        let kind = DocumentType::from_types(self.types.iter().map(String::as_str))?;
        let known = kind.profile()?;
        let url = known.profile.document.context_url.as_str();
        one_or_many(self.json.member("@context"))
            .iter()
            .any(|c| c.as_str() == Some(url))
            .then_some(kind)
    }

    /// The credential subjects.
    pub fn subjects(&self) -> Vec<&Value> {
        one_or_many(self.json.member("credentialSubject"))
    }

    /// The DIDs/URLs of the subjects, and of everyone a known document type names as a
    /// holder (its profile's `did` fields: each spouse of a marriage certificate, the employee
    /// of a payslip).
    pub fn subject_ids(&self) -> Vec<&str> {
        let holder_paths = self
            .document_type()
            .and_then(|k| k.profile())
            .map(|k| k.profile.holder_paths())
            .unwrap_or_default();
        let mut ids = Vec::new();
        for s in self.subjects() {
            if let Some(id) = s.member("id").and_then(Value::as_str) {
                ids.push(id);
            }
            for path in &holder_paths {
                if path.segments.len() < 2 {
                    continue;
                }
                let mut at: Vec<&Value> = vec![s];
                for segment in &path.segments {
                    at = at
                        .into_iter()
                        .filter_map(|v| v.member(&segment.key))
                        .flat_map(|v| {
                            if segment.each {
                                one_or_many(Some(v))
                            } else {
                                vec![v]
                            }
                        })
                        .collect();
                }
                ids.extend(at.into_iter().filter_map(Value::as_str));
            }
        }
        ids
    }

    /// Start of validity (`validFrom`, or `issuanceDate` in 1.1).
    pub fn valid_from(&self) -> Option<DateTime<Utc>> {
        let key = match self.version {
            VcVersion::V2_0 => "validFrom",
            VcVersion::V1_1 => "issuanceDate",
        };
        self.json
            .member(key)
            .and_then(|v| parse_datetime("", v).ok())
    }

    /// End of validity (`validUntil`, or `expirationDate` in 1.1).
    pub fn valid_until(&self) -> Option<DateTime<Utc>> {
        let key = match self.version {
            VcVersion::V2_0 => "validUntil",
            VcVersion::V1_1 => "expirationDate",
        };
        self.json
            .member(key)
            .and_then(|v| parse_datetime("", v).ok())
    }

    /// The `credentialStatus` entries.
    pub fn status_entries(&self) -> Vec<&Value> {
        one_or_many(self.json.member("credentialStatus"))
    }

    /// The embedded proofs.
    pub fn proofs(&self) -> Vec<&Value> {
        one_or_many(self.json.member("proof"))
    }

    /// The document without its `proof`.
    pub fn unsecured(&self) -> Value {
        civitas_jsonld::member::without_proof(&self.json)
    }
}

/// A verifiable presentation: a holder's envelope around credentials, proving control.
#[derive(Debug, Clone, PartialEq)]
pub struct Presentation {
    json: Value,
    version: VcVersion,
}

impl Presentation {
    /// Parses and checks a presentation from bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self, SyntaxError> {
        Self::from_value(parse_json(bytes)?)
    }

    /// Checks a presentation given as JSON.
    pub fn from_value(json: Value) -> Result<Self, SyntaxError> {
        let obj = json
            .as_object()
            .ok_or_else(|| SyntaxError::field("", "a presentation must be a JSON object"))?;
        let (version, _) = contexts(obj)?;
        types(obj, "VerifiablePresentation")?;
        optional_url(obj, "id")?;
        match obj.member("holder") {
            None => {}
            Some(Value::String(s)) if is_url(s) => {}
            Some(Value::Object(o))
                if o.member("id").and_then(Value::as_str).is_some_and(is_url) => {}
            Some(_) => {
                return Err(SyntaxError::field(
                    "/holder",
                    "must be a URL or an object with an `id`",
                ));
            }
        }
        for (i, c) in one_or_many(obj.member("verifiableCredential"))
            .into_iter()
            .enumerate()
        {
            if !c.is_object() {
                return Err(SyntaxError::field(
                    &format!("/verifiableCredential/{i}"),
                    "must be an object (a credential or an EnvelopedVerifiableCredential)",
                ));
            }
        }
        Ok(Self { json, version })
    }

    /// The whole document.
    pub fn json(&self) -> &Value {
        &self.json
    }

    /// The data model version.
    pub fn version(&self) -> VcVersion {
        self.version
    }

    /// The holder's identifier, if given.
    pub fn holder(&self) -> Option<&str> {
        match self.json.member("holder") {
            Some(Value::String(s)) => Some(s),
            Some(Value::Object(o)) => o.member("id").and_then(Value::as_str),
            _ => None,
        }
    }

    /// The embedded credentials (as given: secured documents or enveloped credentials).
    pub fn credentials(&self) -> Vec<&Value> {
        one_or_many(self.json.member("verifiableCredential"))
    }

    /// The embedded proofs.
    pub fn proofs(&self) -> Vec<&Value> {
        one_or_many(self.json.member("proof"))
    }
}

/// Builds an unsigned credential for a document of a known type, checked against the data
/// model, its profile's fields and rules, and its JSON Schema. The credential uses the
/// profile's context and schema; when the profile gives a validity period and no `validUntil`
/// is set, it ends that period after `validFrom`.
///
/// ```
/// use civitas_core::credential::CredentialBuilder;
/// use civitas_core::model::{DocumentType, sample};
/// let birth = DocumentType::named("birth").unwrap();
/// let credential = CredentialBuilder::new("did:web:registry.gov.example")
///     .document(&birth, sample(&birth).unwrap())
///     .build()
///     .unwrap();
/// assert_eq!(credential.types(), ["VerifiableCredential", "BirthCertificate"]);
///
/// // A field that breaks the profile is named by its JSON pointer:
/// let mut broken = sample(&birth).unwrap();
/// broken["birthDate"] = "28/02/2024".into();
/// let err = CredentialBuilder::new("did:web:registry.gov.example")
///     .document(&birth, broken)
///     .build()
///     .unwrap_err();
/// assert!(err.to_string().contains("/birthDate"), "{err}");
/// ```
#[derive(Debug, Clone)]
pub struct CredentialBuilder {
    issuer: String,
    id: Option<String>,
    valid_from: Option<DateTime<Utc>>,
    valid_until: Option<DateTime<Utc>>,
    status: Vec<Value>,
    document: Option<(DocumentType, Value)>,
}

/// Why a credential could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// No document was given.
    #[error("no document: call `document(..)` before `build()`")]
    NoDocument,
    /// The document breaks its own rules.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The assembled credential breaks the data model.
    #[error(transparent)]
    Syntax(#[from] SyntaxError),
    /// The assembled credential breaks its JSON Schema.
    #[error(transparent)]
    Schema(#[from] crate::schema::SchemaError),
}

impl CredentialBuilder {
    /// A credential issued by `issuer` (a DID).
    pub fn new(issuer: &str) -> Self {
        Self {
            issuer: issuer.to_owned(),
            id: None,
            valid_from: None,
            valid_until: None,
            status: Vec::new(),
            document: None,
        }
    }

    /// Sets the credential id (default: a random `urn:uuid:`).
    pub fn id(mut self, id: &str) -> Self {
        self.id = Some(id.to_owned());
        self
    }

    /// Sets `validFrom` (default: now).
    pub fn valid_from(mut self, t: DateTime<Utc>) -> Self {
        self.valid_from = Some(t);
        self
    }

    /// Sets `validUntil` (default: none; civil-registry documents do not expire).
    pub fn valid_until(mut self, t: DateTime<Utc>) -> Self {
        self.valid_until = Some(t);
        self
    }

    /// Adds a `credentialStatus` entry.
    pub fn status(mut self, entry: Value) -> Self {
        self.status.push(entry);
        self
    }

    /// Sets the document: its type and its `credentialSubject`.
    pub fn document(mut self, kind: &DocumentType, subject: Value) -> Self {
        self.document = Some((kind.clone(), subject));
        self
    }

    /// Assembles and checks the unsigned credential.
    pub fn build(self) -> Result<Credential, BuildError> {
        let (kind, subject) = self.document.ok_or(BuildError::NoDocument)?;
        let known = kind.profile().ok_or_else(|| {
            ModelError::invalid(
                "type",
                format!("no profile of the document type `{kind}` is loaded"),
            )
        })?;
        crate::model::validate_subject(&kind, &subject)?;
        let document = &known.profile.document;
        let id = self
            .id
            .unwrap_or_else(|| format!("urn:uuid:{}", uuid::Uuid::new_v4()));
        let valid_from = self.valid_from.unwrap_or_else(Utc::now);
        let mut vc = json!({
            "@context": [CREDENTIALS_V2, document.context_url],
            "id": id,
            "type": ["VerifiableCredential", kind.as_str()],
            "issuer": self.issuer,
            "validFrom": format_datetime(valid_from),
        });
        let obj = vc.as_object_mut().ok_or(BuildError::NoDocument)?;
        let valid_until = self
            .valid_until
            .or_else(|| document.valid_for.and_then(|v| v.valid_until(valid_from)));
        if let Some(until) = valid_until {
            obj.insert("validUntil".into(), format_datetime(until).into());
        }
        obj.insert(
            "credentialSchema".into(),
            json!({"id": document.schema_url, "type": "JsonSchema"}),
        );
        obj.insert("credentialSubject".into(), subject);
        match self.status.len() {
            0 => {}
            1 => {
                obj.insert("credentialStatus".into(), self.status[0].clone());
            }
            _ => {
                obj.insert("credentialStatus".into(), Value::Array(self.status));
            }
        }
        crate::schema::validate(&document.schema_url, &vc)?;
        Ok(Credential::from_value(vc)?)
    }
}

#[cfg(test)]
mod tests {
    /// The definition `is_url` implements, written plainly.
    fn is_url_reference(s: &str) -> bool {
        let scheme_ok = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        match s.split_once(':') {
            Some((scheme, rest)) => {
                scheme_ok
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                    && !rest.is_empty()
                    && !s.contains(char::is_whitespace)
            }
            None => false,
        }
    }

    #[test]
    fn is_url_agrees_with_its_definition() {
        let mut cases = vec![
            String::new(),
            ":".into(),
            "a:".into(),
            ":b".into(),
            "1a:b".into(),
            "https://registry.gov.example/status/1#94567".into(),
            "did:web:registry.gov.example".into(),
            "urn:uuid:1c2b".into(),
            "a+b-c.d:e".into(),
            "a_b:c".into(),
            "é:x".into(),
            "https://exämple.org/ü".into(),
        ];
        for ws in [
            '\u{9}', '\u{a}', '\u{b}', '\u{c}', '\u{d}', ' ', '\u{85}', '\u{a0}', '\u{2028}',
            '\u{3000}',
        ] {
            cases.push(format!("https://x.example/{ws}y"));
            cases.push(format!("https:{ws}"));
        }
        for other in ['\u{0}', '\u{1f}', '\u{7f}', '\u{200b}', '\u{feff}'] {
            cases.push(format!("https://x.example/{other}y"));
        }
        // Every character that can be whitespace or look like it to the screen, at every
        // position of URLs of lengths 10 to 26 (inside the eight-byte words and in the tail).
        for len in 10..=26 {
            let base: String = "https://registry.example/1".chars().take(len).collect();
            for at in 0..=base.len() {
                for c in [
                    ' ', '\t', '\u{0}', '!', '\u{20}', '\u{21}', '\u{7f}', '\u{a0}', 'é',
                ] {
                    let mut case = base.clone();
                    case.insert(at, c);
                    cases.push(case);
                }
            }
            cases.push(base);
        }
        for b in 0u8..=0x7f {
            let c = char::from(b);
            cases.push(format!("https://x.example/abc{c}def"));
            cases.push(format!("a{c}b:x"));
            cases.push(format!("{c}:x"));
        }
        for case in &cases {
            assert_eq!(is_url(case), is_url_reference(case), "{case:?}");
        }
    }

    use super::*;

    #[test]
    fn json_errors_carry_a_byte_offset() {
        let err = parse_json(b"{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap_err();
        match err {
            SyntaxError::Json(civitas_jsonld::json::JsonError::Syntax { line, offset, .. }) => {
                assert_eq!(line, 3);
                assert_eq!(offset, 18);
            }
            other => panic!("{other:?}"),
        }
        let big = vec![b' '; MAX_DOCUMENT_BYTES + 1];
        assert!(matches!(
            parse_json(&big),
            Err(SyntaxError::Json(
                civitas_jsonld::json::JsonError::TooLarge { .. }
            ))
        ));
    }

    #[test]
    fn data_model_errors_name_the_member() {
        let base = json!({
            "@context": [CREDENTIALS_V2],
            "type": ["VerifiableCredential"],
            "issuer": "did:key:z6Mk",
            "credentialSubject": {"id": "did:example:1"}
        });
        assert!(Credential::from_value(base.clone()).is_ok());
        let cases = [
            ("/@context/0", json!({"@context": ["https://x.example"]})),
            ("/type", json!({"type": ["Credential"]})),
            ("/issuer", json!({"issuer": 5})),
            ("/credentialSubject/0", json!({"credentialSubject": {}})),
            ("/validFrom", json!({"validFrom": "yesterday"})),
            (
                "/validUntil",
                json!({"validFrom": "2025-01-02T00:00:00Z", "validUntil": "2025-01-01T00:00:00Z"}),
            ),
            (
                "/credentialStatus/0/type",
                json!({"credentialStatus": {"id": "https://s.example/1#5"}}),
            ),
            (
                "/credentialSchema/0/id",
                json!({"credentialSchema": {"type": "JsonSchema"}}),
            ),
            ("/id", json!({"id": "not a url"})),
        ];
        for (pointer, patch) in cases {
            let mut doc = base.clone();
            for (k, v) in patch.as_object().unwrap() {
                doc[k] = v.clone();
            }
            match Credential::from_value(doc) {
                Err(SyntaxError::Field { pointer: p, .. }) => assert_eq!(p, pointer),
                other => panic!("{pointer}: {other:?}"),
            }
        }
        let mut v1 = base.clone();
        v1["@context"] = json!([CREDENTIALS_V1]);
        assert!(matches!(
            Credential::from_value(v1.clone()),
            Err(SyntaxError::Field { pointer, .. }) if pointer == "/issuanceDate"
        ));
        v1["issuanceDate"] = json!("2020-01-01T00:00:00Z");
        assert_eq!(
            Credential::from_value(v1).unwrap().version(),
            VcVersion::V1_1
        );
    }
}
