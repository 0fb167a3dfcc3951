//! The claims of a civil-registry credential as CBOR with short keys (table version 1), and back.
//!
//! Everything the credential says is kept: document type, id, issuer, validity, every member of
//! `credentialSubject` (language maps included) and the status entries. What is implied by the
//! document type (`@context`, `type`, `credentialSchema`) is not written and is rebuilt. A typed
//! value (date, time, instant, UUID, index) is written in binary only when it converts back to
//! exactly the same text; otherwise it is kept as text, so the rebuilt JSON equals the original.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveTime, Timelike};
use ciborium::Value as Cbor;
use serde_json::{Map, Value as Json};

use super::CompactError;
use civitas_core::credential::{Credential, format_datetime, one_or_many};
use civitas_core::model::DocumentType;
use civitas_jsonld::contexts::CREDENTIALS_V2;
use civitas_keys::encoding::{decode_multibase_base58, multibase_base58};
use civitas_keys::resolver::controller_of;

/// Top-level claim: document type (uint, a code of the [`table`]).
pub const CLAIM_TYPE: u64 = 1;
/// Top-level claim: credential `id` (16-byte UUID of a `urn:uuid:` id, or text).
pub const CLAIM_ID: u64 = 2;
/// Top-level claim: `issuer` (text).
pub const CLAIM_ISSUER: u64 = 3;
/// Top-level claim: `validFrom` (seconds since the Unix epoch, or text).
pub const CLAIM_VALID_FROM: u64 = 4;
/// Top-level claim: `validUntil` (seconds since the Unix epoch, or text).
pub const CLAIM_VALID_UNTIL: u64 = 5;
/// Top-level claim: `credentialSubject` (map keyed by the [`table`]'s keys).
pub const CLAIM_SUBJECT: u64 = 6;
/// Top-level claim: `credentialStatus` (array of entries).
pub const CLAIM_STATUS: u64 = 7;

/// How a subject member's value is written (SPEC.md §13.4): the kinds of the profiles' CV1
/// key table.
pub use civitas_core::profile::Cv1Kind as Kind;

/// The key table of version 1: the union of every known profile's `[cv1]` keys — document type
/// codes, subject members and their kinds, `type` value codes and implied classes
/// (civitas-profile's registry refuses a profile whose keys clash with a known one's).
pub fn table() -> Table {
    Table(civitas_core::profile::known())
}

/// A snapshot of the known profiles, read for their CV1 keys.
#[derive(Debug, Clone)]
pub struct Table(std::sync::Arc<civitas_core::profile::Registry>);

impl Table {
    fn cv1(&self) -> &civitas_core::profile::Cv1Table {
        self.0.cv1()
    }

    /// The code of a document type.
    pub fn document_code(&self, kind: &DocumentType) -> Option<u64> {
        self.cv1()
            .documents
            .iter()
            .find(|(_, t)| t.as_str() == kind.as_str())
            .map(|(c, _)| *c)
    }

    /// The document type of a code.
    pub fn document_type(&self, code: u64) -> Option<DocumentType> {
        let name = self.cv1().documents.get(&code)?;
        DocumentType::from_types([name.as_str()])
    }

    /// The key and kind of a subject member.
    pub fn key(&self, member: &str) -> Option<(u64, Kind)> {
        self.cv1()
            .keys
            .iter()
            .find(|k| k.member == member)
            .map(|k| (k.key, k.kind))
    }

    /// The member and kind of a key.
    pub fn member(&self, key: u64) -> Option<(&str, Kind)> {
        self.cv1()
            .keys
            .iter()
            .find(|k| k.key == key)
            .map(|k| (k.member.as_str(), k.kind))
    }

    /// The `type` an object has unless it says otherwise: such a `type` is not written (an
    /// object without `type` where one is implied writes `null`).
    pub fn default_type(&self, member: &str) -> Option<&str> {
        self.cv1().implied.get(member).map(String::as_str)
    }

    /// The implied `type` of the subject of a document type.
    pub fn subject_type(&self, kind: &DocumentType) -> Option<&str> {
        self.cv1()
            .subject_types
            .get(kind.as_str())
            .map(String::as_str)
    }

    /// The code of a `type` value.
    pub fn type_code(&self, name: &str) -> Option<u64> {
        self.cv1()
            .types
            .iter()
            .find(|(_, n)| n.as_str() == name)
            .map(|(c, _)| *c)
    }

    /// The `type` value of a code.
    pub fn type_name(&self, code: u64) -> Option<&str> {
        self.cv1().types.get(&code).map(String::as_str)
    }

    /// The context URL and the schema URL of a document type.
    pub fn urls(&self, kind: &DocumentType) -> Option<(&str, &str)> {
        self.0.get(kind.as_str()).map(|k| {
            (
                k.profile.document.context_url.as_str(),
                k.profile.document.schema_url.as_str(),
            )
        })
    }
}

/// Status purpose codes.
pub const STATUS_PURPOSES: [(u64, &str); 4] = [
    (0, "revocation"),
    (1, "suspension"),
    (2, "refresh"),
    (3, "message"),
];

/// The status entry type (the only one written).
pub const STATUS_ENTRY_TYPE: &str = "BitstringStatusListEntry";

/// Deepest nesting of subject objects.
pub const MAX_DEPTH: usize = 6;

const UUID_PREFIX: &str = "urn:uuid:";

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

fn not_representable(pointer: &str, reason: impl Into<String>) -> CompactError {
    CompactError::NotRepresentable {
        pointer: pointer.to_owned(),
        reason: reason.into(),
    }
}

fn bad_claim(path: &str, reason: impl Into<String>) -> CompactError {
    CompactError::Claims {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

fn uint(n: u64) -> Cbor {
    Cbor::Integer(n.into())
}

fn int(n: i64) -> Cbor {
    Cbor::Integer(n.into())
}

fn as_u64(v: &Cbor) -> Option<u64> {
    match v {
        Cbor::Integer(i) => u64::try_from(*i).ok(),
        _ => None,
    }
}

fn as_i64(v: &Cbor) -> Option<i64> {
    match v {
        Cbor::Integer(i) => i64::try_from(*i).ok(),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding: credential JSON -> CBOR

/// The claims of `credential` as CBOR bytes, for a message whose `kid` is `kid` (an issuer that
/// is the DID of `kid` is not written).
pub fn encode(credential: &Credential, kid: &str) -> Result<Vec<u8>, CompactError> {
    let json = credential
        .json()
        .as_object()
        .ok_or_else(|| not_representable("", "not an object"))?;
    let table = table();
    let no_form = || {
        not_representable(
            "/type",
            "only documents of a known type whose profile has a [cv1] table have a compact form",
        )
    };
    let kind = credential.document_type().ok_or_else(no_form)?;
    let code = table.document_code(&kind).ok_or_else(no_form)?;
    let (context_url, schema_url) = table.urls(&kind).ok_or_else(no_form)?;
    let context = json.get("@context").cloned().unwrap_or(Json::Null);
    if context != Json::from(vec![CREDENTIALS_V2, context_url]) {
        return Err(not_representable(
            "/@context",
            format!("must be exactly [\"{CREDENTIALS_V2}\", \"{context_url}\"]"),
        ));
    }
    if credential.types() != ["VerifiableCredential", kind.as_str()] {
        return Err(not_representable(
            "/type",
            format!("must be exactly [\"VerifiableCredential\", \"{kind}\"]"),
        ));
    }
    let mut claims: Vec<(u64, Cbor)> = Vec::new();
    claims.push((CLAIM_TYPE, uint(code)));
    for (member, value) in json {
        let pointer = format!("/{member}");
        match member.as_str() {
            "@context" | "type" | "proof" => {}
            "id" => claims.push((CLAIM_ID, encode_id(value, &pointer)?)),
            "issuer" => match value {
                Json::String(s) if s == controller_of(kid) && kid.contains('#') => {}
                Json::String(s) => claims.push((CLAIM_ISSUER, Cbor::Text(s.clone()))),
                _ => {
                    return Err(not_representable(
                        &pointer,
                        "an issuer object has no compact form; the issuer must be its id",
                    ));
                }
            },
            "validFrom" => claims.push((CLAIM_VALID_FROM, encode_instant(value, &pointer)?)),
            "validUntil" => claims.push((CLAIM_VALID_UNTIL, encode_instant(value, &pointer)?)),
            "credentialSchema" => {
                let expected = schema_of(schema_url);
                let given = one_or_many(Some(value));
                if given.len() != 1 || *given[0] != expected {
                    return Err(not_representable(
                        &pointer,
                        format!("must be exactly {expected}"),
                    ));
                }
            }
            "credentialSubject" => match value {
                Json::Object(o) => claims.push((
                    CLAIM_SUBJECT,
                    encode_object(&table, o, table.subject_type(&kind), &pointer, 0)?,
                )),
                _ => {
                    return Err(not_representable(
                        &pointer,
                        "must be a single object in a compact credential",
                    ));
                }
            },
            "credentialStatus" => {
                let entries = one_or_many(Some(value));
                if !entries.is_empty() {
                    claims.push((CLAIM_STATUS, encode_status(&entries, &pointer)?));
                }
            }
            other => {
                return Err(not_representable(
                    &pointer,
                    format!("`{other}` is not in the compact claim table (version 1)"),
                ));
            }
        }
    }
    if !json.contains_key("credentialSchema") {
        return Err(not_representable(
            "/credentialSchema",
            format!("must be {}", schema_of(schema_url)),
        ));
    }
    claims.sort_by_key(|(k, _)| *k);
    let map = Cbor::Map(claims.into_iter().map(|(k, v)| (uint(k), v)).collect());
    super::cose::to_vec(&map).map_err(CompactError::from)
}

fn schema_of(url: &str) -> Json {
    serde_json::json!({"id": url, "type": "JsonSchema"})
}

fn encode_id(value: &Json, pointer: &str) -> Result<Cbor, CompactError> {
    let Json::String(id) = value else {
        return Err(not_representable(pointer, "must be a string"));
    };
    if let Some(rest) = id.strip_prefix(UUID_PREFIX)
        && let Ok(uuid) = uuid::Uuid::parse_str(rest)
        && format!("{UUID_PREFIX}{}", uuid.hyphenated()) == *id
    {
        return Ok(Cbor::Bytes(uuid.as_bytes().to_vec()));
    }
    Ok(Cbor::Text(id.clone()))
}

fn encode_instant(value: &Json, pointer: &str) -> Result<Cbor, CompactError> {
    let Json::String(text) = value else {
        return Err(not_representable(pointer, "must be a date-time string"));
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        let t = t.to_utc();
        if format_datetime(t) == *text {
            return Ok(int(t.timestamp()));
        }
    }
    Ok(Cbor::Text(text.clone()))
}

const TYPE_KEY: u64 = 1;

fn encode_object(
    table: &Table,
    object: &Map<String, Json>,
    implied_type: Option<&str>,
    pointer: &str,
    depth: usize,
) -> Result<Cbor, CompactError> {
    if depth > MAX_DEPTH {
        return Err(not_representable(pointer, "nested too deeply"));
    }
    let mut entries = Vec::with_capacity(object.len());
    if implied_type.is_some() && !object.contains_key("type") {
        entries.push((TYPE_KEY, Cbor::Null));
    }
    for (name, value) in object {
        if name == "type"
            && let (Some(implied), Some(t)) = (implied_type, value.as_str())
            && t == implied
        {
            continue;
        }
        let p = format!("{pointer}/{name}");
        let (key, kind) = table.key(name).ok_or_else(|| {
            not_representable(
                &p,
                format!("`{name}` is not in the compact key table (version 1)"),
            )
        })?;
        entries.push((key, encode_value(table, name, value, kind, &p, depth)?));
    }
    entries.sort_by_key(|(k, _)| *k);
    Ok(Cbor::Map(
        entries.into_iter().map(|(k, v)| (uint(k), v)).collect(),
    ))
}

fn text_of<'a>(value: &'a Json, pointer: &str) -> Result<&'a str, CompactError> {
    value
        .as_str()
        .ok_or_else(|| not_representable(pointer, "must be a string"))
}

fn encode_value(
    table: &Table,
    member: &str,
    value: &Json,
    kind: Kind,
    pointer: &str,
    depth: usize,
) -> Result<Cbor, CompactError> {
    Ok(match kind {
        Kind::Text => Cbor::Text(text_of(value, pointer)?.to_owned()),
        Kind::Did => {
            let text = text_of(value, pointer)?;
            match did_key_bytes(text) {
                Some(bytes) => Cbor::Bytes(bytes),
                None => Cbor::Text(text.to_owned()),
            }
        }
        Kind::Localized => match value {
            Json::String(s) => Cbor::Text(s.clone()),
            Json::Object(map) if !map.is_empty() => {
                let mut pairs = Vec::with_capacity(map.len());
                for (lang, text) in map {
                    let text = text_of(text, &format!("{pointer}/{lang}"))?;
                    pairs.push((Cbor::Text(lang.clone()), Cbor::Text(text.to_owned())));
                }
                Cbor::Map(pairs)
            }
            _ => {
                return Err(not_representable(
                    pointer,
                    "must be a string or a non-empty language map",
                ));
            }
        },
        Kind::Date => {
            let text = text_of(value, pointer)?;
            match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(d) if d.format("%Y-%m-%d").to_string() == text => int((d - epoch()).num_days()),
                _ => Cbor::Text(text.to_owned()),
            }
        }
        Kind::Time => {
            let text = text_of(value, pointer)?;
            match NaiveTime::parse_from_str(text, "%H:%M:%S") {
                Ok(t) if t.format("%H:%M:%S").to_string() == text => {
                    uint(u64::from(t.num_seconds_from_midnight()))
                }
                _ => Cbor::Text(text.to_owned()),
            }
        }
        Kind::Instant => encode_instant(value, pointer)?,
        Kind::Amount => match value {
            Json::Object(o) => match compact_amount(o) {
                Some(a) => a,
                None => encode_object(table, o, None, pointer, depth + 1)?,
            },
            _ => return Err(not_representable(pointer, "must be an amount object")),
        },
        Kind::Integer => match value.as_i64() {
            Some(n) => int(n),
            None => return Err(not_representable(pointer, "must be an integer")),
        },
        Kind::TypeName => {
            let text = text_of(value, pointer)?;
            match table.type_code(text) {
                Some(code) => uint(code),
                None => Cbor::Text(text.to_owned()),
            }
        }
        Kind::Object => match value {
            Json::Object(o) => {
                encode_object(table, o, table.default_type(member), pointer, depth + 1)?
            }
            _ => return Err(not_representable(pointer, "must be an object")),
        },
        Kind::ObjectList => match value {
            Json::Array(items) => Cbor::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| match item {
                        Json::Object(o) => encode_object(
                            table,
                            o,
                            table.default_type(member),
                            &format!("{pointer}/{i}"),
                            depth + 1,
                        ),
                        _ => Err(not_representable(
                            &format!("{pointer}/{i}"),
                            "must be an object",
                        )),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            _ => return Err(not_representable(pointer, "must be an array of objects")),
        },
    })
}

/// The multicodec key bytes of a `did:key` whose text is exactly `did:key:` + multibase
/// base58btc of them.
fn did_key_bytes(did: &str) -> Option<Vec<u8>> {
    let multibase = did.strip_prefix("did:key:")?;
    let bytes = decode_multibase_base58(multibase).ok()?;
    (multibase_base58(&bytes) == multibase && (1..=MAX_DID_KEY_BYTES).contains(&bytes.len()))
        .then_some(bytes)
}

/// Longest binary `did:key` accepted.
const MAX_DID_KEY_BYTES: usize = 128;

fn is_canonical_index(text: &str) -> Option<u64> {
    let n: u64 = text.parse().ok()?;
    (n.to_string() == text).then_some(n)
}

fn encode_status(entries: &[&Json], pointer: &str) -> Result<Cbor, CompactError> {
    let mut lists: Vec<&str> = Vec::new();
    let mut out = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let p = format!("{pointer}/{i}");
        let obj = entry
            .as_object()
            .ok_or_else(|| not_representable(&p, "must be an object"))?;
        for member in obj.keys() {
            if !matches!(
                member.as_str(),
                "id" | "type" | "statusPurpose" | "statusListIndex" | "statusListCredential"
            ) {
                return Err(not_representable(
                    &format!("{p}/{member}"),
                    "status entries with members other than id, type, statusPurpose, \
                     statusListIndex and statusListCredential have no compact form",
                ));
            }
        }
        let member = |name: &str| -> Result<&str, CompactError> {
            obj.get(name)
                .and_then(Json::as_str)
                .ok_or_else(|| not_representable(&format!("{p}/{name}"), "must be a string"))
        };
        if member("type")? != STATUS_ENTRY_TYPE {
            return Err(not_representable(
                &format!("{p}/type"),
                format!("only {STATUS_ENTRY_TYPE} entries have a compact form"),
            ));
        }
        let purpose_text = member("statusPurpose")?;
        let purpose = match STATUS_PURPOSES.iter().find(|(_, n)| *n == purpose_text) {
            Some((code, _)) => uint(*code),
            None => Cbor::Text(purpose_text.to_owned()),
        };
        let index_text = member("statusListIndex")?;
        let index = match is_canonical_index(index_text) {
            Some(n) => uint(n),
            None => Cbor::Text(index_text.to_owned()),
        };
        let list_text = member("statusListCredential")?;
        let list = match lists.iter().position(|l| *l == list_text) {
            Some(earlier) => uint(earlier as u64),
            None => Cbor::Text(list_text.to_owned()),
        };
        lists.push(list_text);
        let mut item = vec![purpose, index, list];
        match obj.get("id") {
            Some(Json::String(id)) if *id == format!("{list_text}#{index_text}") => {}
            Some(Json::String(id)) => item.push(Cbor::Text(id.clone())),
            None => item.push(Cbor::Null),
            Some(_) => return Err(not_representable(&format!("{p}/id"), "must be a string")),
        }
        out.push(Cbor::Array(item));
    }
    Ok(Cbor::Array(out))
}

// ---------------------------------------------------------------------------------------------
// Decoding: CBOR -> credential JSON

/// Decoded claims: the document type and the rebuilt credential (without proof).
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedClaims {
    /// The document type.
    pub document_type: DocumentType,
    /// The rebuilt credential.
    pub credential: Json,
}

fn keyed(entries: Vec<(Cbor, Cbor)>, path: &str) -> Result<BTreeMap<u64, Cbor>, CompactError> {
    let mut out = BTreeMap::new();
    for (k, v) in entries {
        let key = as_u64(&k)
            .ok_or_else(|| bad_claim(path, format!("key {k:?} is not an unsigned integer")))?;
        if out.insert(key, v).is_some() {
            return Err(bad_claim(path, format!("key {key} is repeated")));
        }
    }
    Ok(out)
}

fn text(v: Cbor, path: &str) -> Result<String, CompactError> {
    match v {
        Cbor::Text(s) => Ok(s),
        _ => Err(bad_claim(path, "must be text")),
    }
}

/// Rebuilds the credential from the claims CBOR of a message signed with `kid`.
pub fn decode(payload: &[u8], kid: &str) -> Result<DecodedClaims, CompactError> {
    let Cbor::Map(entries) = super::cose::from_slice(payload)? else {
        return Err(bad_claim("claims", "must be a map"));
    };
    let mut claims = keyed(entries, "claims")?;
    if let Some(k) = claims
        .keys()
        .find(|k| !(CLAIM_TYPE..=CLAIM_STATUS).contains(*k))
    {
        return Err(bad_claim(
            "claims",
            format!("unknown claim key {k} (not in table version 1)"),
        ));
    }
    let code = claims
        .remove(&CLAIM_TYPE)
        .as_ref()
        .and_then(as_u64)
        .ok_or_else(|| bad_claim("type", "the document type code is missing"))?;
    let table = table();
    let kind = table
        .document_type(code)
        .ok_or_else(|| bad_claim("type", format!("unknown document type code {code}")))?;
    let (context_url, schema_url) = table
        .urls(&kind)
        .ok_or_else(|| bad_claim("type", format!("unknown document type code {code}")))?;
    let mut vc = Map::new();
    vc.insert(
        "@context".into(),
        Json::from(vec![CREDENTIALS_V2, context_url]),
    );
    if let Some(id) = claims.remove(&CLAIM_ID) {
        let id = match id {
            Cbor::Bytes(b) => {
                let uuid = uuid::Uuid::from_slice(&b)
                    .map_err(|_| bad_claim("id", "a binary id must be a 16-byte UUID"))?;
                format!("{UUID_PREFIX}{}", uuid.hyphenated())
            }
            other => text(other, "id")?,
        };
        vc.insert("id".into(), Json::String(id));
    }
    vc.insert(
        "type".into(),
        Json::from(vec!["VerifiableCredential", kind.as_str()]),
    );
    let issuer = match claims.remove(&CLAIM_ISSUER) {
        Some(issuer) => text(issuer, "issuer")?,
        None if kid.contains('#') => controller_of(kid).to_owned(),
        None => {
            return Err(bad_claim(
                "issuer",
                "is missing, and the kid is not a DID URL to take it from",
            ));
        }
    };
    vc.insert("issuer".into(), Json::String(issuer));
    for (key, name) in [
        (CLAIM_VALID_FROM, "validFrom"),
        (CLAIM_VALID_UNTIL, "validUntil"),
    ] {
        if let Some(v) = claims.remove(&key) {
            vc.insert(name.into(), Json::String(decode_instant(v, name)?));
        }
    }
    vc.insert("credentialSchema".into(), schema_of(schema_url));
    let subject = claims
        .remove(&CLAIM_SUBJECT)
        .ok_or_else(|| bad_claim("credentialSubject", "is missing"))?;
    let Cbor::Map(subject) = subject else {
        return Err(bad_claim("credentialSubject", "must be a map"));
    };
    let mut subject = Json::Object(decode_object(
        &table,
        subject,
        table.subject_type(&kind),
        "credentialSubject",
        0,
    )?);
    // Members come back in the profile's order, as the issuer wrote them (the keys are in
    // ascending order, which is that order for the birth and marriage table only).
    if let Some(known) = table.0.get(kind.as_str()) {
        known.profile.order(&mut subject);
    }
    vc.insert("credentialSubject".into(), subject);
    if let Some(status) = claims.remove(&CLAIM_STATUS) {
        vc.insert("credentialStatus".into(), decode_status(status)?);
    }
    Ok(DecodedClaims {
        document_type: kind,
        credential: Json::Object(vc),
    })
}

fn decode_instant(v: Cbor, path: &str) -> Result<String, CompactError> {
    match v {
        Cbor::Text(s) => Ok(s),
        other => {
            let secs = as_i64(&other)
                .ok_or_else(|| bad_claim(path, "must be seconds since the epoch or text"))?;
            DateTime::from_timestamp(secs, 0)
                .map(format_datetime)
                .ok_or_else(|| bad_claim(path, format!("{secs} is out of range")))
        }
    }
}

fn decode_object(
    table: &Table,
    entries: Vec<(Cbor, Cbor)>,
    implied_type: Option<&str>,
    path: &str,
    depth: usize,
) -> Result<Map<String, Json>, CompactError> {
    if depth > MAX_DEPTH {
        return Err(bad_claim(path, "nested too deeply"));
    }
    let mut members = Vec::with_capacity(entries.len() + 1);
    let entries = keyed(entries, path)?;
    if !entries.contains_key(&TYPE_KEY)
        && let Some(implied) = implied_type
    {
        members.push((TYPE_KEY, "type", Json::String(implied.to_owned())));
    }
    for (key, value) in entries {
        let (name, kind) = table.member(key).ok_or_else(|| {
            bad_claim(path, format!("unknown key {key} (not in table version 1)"))
        })?;
        let p = format!("{path}.{name}");
        if key == TYPE_KEY && value == Cbor::Null {
            if implied_type.is_none() {
                return Err(bad_claim(&p, "null where no type is implied"));
            }
            continue;
        }
        members.push((
            key,
            name,
            decode_value(table, name, value, kind, &p, depth)?,
        ));
    }
    members.sort_by_key(|(k, _, _)| *k);
    if members.is_empty() {
        return Err(bad_claim(path, "is empty"));
    }
    Ok(members
        .into_iter()
        .map(|(_, name, v)| (name.to_owned(), v))
        .collect())
}

fn decode_value(
    table: &Table,
    member: &str,
    value: Cbor,
    kind: Kind,
    path: &str,
    depth: usize,
) -> Result<Json, CompactError> {
    Ok(match kind {
        Kind::Text => Json::String(text(value, path)?),
        Kind::Did => match value {
            Cbor::Bytes(b) if (1..=MAX_DID_KEY_BYTES).contains(&b.len()) => {
                Json::String(format!("did:key:{}", multibase_base58(&b)))
            }
            Cbor::Bytes(_) => return Err(bad_claim(path, "a binary did:key is 1 to 128 bytes")),
            other => Json::String(text(other, path)?),
        },
        Kind::Localized => match value {
            Cbor::Text(s) => Json::String(s),
            Cbor::Map(pairs) if !pairs.is_empty() => {
                let mut map = Map::new();
                for (lang, v) in pairs {
                    let lang = text(lang, path)?;
                    let v = text(v, &format!("{path}.{lang}"))?;
                    if map.insert(lang.clone(), Json::String(v)).is_some() {
                        return Err(bad_claim(path, format!("language `{lang}` is repeated")));
                    }
                }
                Json::Object(map)
            }
            _ => return Err(bad_claim(path, "must be text or a non-empty language map")),
        },
        Kind::Date => match value {
            Cbor::Text(s) => Json::String(s),
            other => {
                let days = as_i64(&other)
                    .ok_or_else(|| bad_claim(path, "must be days since 1970-01-01 or text"))?;
                let date = chrono::Duration::try_days(days)
                    .and_then(|d| epoch().checked_add_signed(d))
                    .ok_or_else(|| bad_claim(path, format!("{days} days is out of range")))?;
                Json::String(date.format("%Y-%m-%d").to_string())
            }
        },
        Kind::Time => match value {
            Cbor::Text(s) => Json::String(s),
            other => {
                let secs = as_u64(&other)
                    .and_then(|s| u32::try_from(s).ok())
                    .and_then(|s| NaiveTime::from_num_seconds_from_midnight_opt(s, 0))
                    .ok_or_else(|| bad_claim(path, "must be seconds since midnight or text"))?;
                Json::String(secs.format("%H:%M:%S").to_string())
            }
        },
        Kind::Instant => Json::String(decode_instant(value, path)?),
        Kind::Amount => match value {
            Cbor::Array(parts) => expand_amount(parts, path)?,
            Cbor::Map(m) => Json::Object(decode_object(table, m, None, path, depth + 1)?),
            _ => return Err(bad_claim(path, "must be an amount array or a map")),
        },
        Kind::Integer => {
            Json::from(as_i64(&value).ok_or_else(|| bad_claim(path, "must be an integer"))?)
        }
        Kind::TypeName => match value {
            Cbor::Text(s) => Json::String(s),
            other => {
                let code = as_u64(&other).unwrap_or(u64::MAX);
                let name = table
                    .type_name(code)
                    .ok_or_else(|| bad_claim(path, "unknown type code"))?;
                Json::String(name.to_owned())
            }
        },
        Kind::Object => match value {
            Cbor::Map(m) => Json::Object(decode_object(
                table,
                m,
                table.default_type(member),
                path,
                depth + 1,
            )?),
            _ => return Err(bad_claim(path, "must be a map")),
        },
        Kind::ObjectList => match value {
            Cbor::Array(items) => Json::Array(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, item)| match item {
                        Cbor::Map(m) => decode_object(
                            table,
                            m,
                            table.default_type(member),
                            &format!("{path}[{i}]"),
                            depth + 1,
                        )
                        .map(Json::Object),
                        _ => Err(bad_claim(&format!("{path}[{i}]"), "must be a map")),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            _ => return Err(bad_claim(path, "must be an array")),
        },
    })
}

/// `{"value": "1234.50", "currency": "MUR"}` as `[123450, 2, "MUR"]`, when the value is a
/// plain decimal that prints back the same (no leading zeros, at most 18 digits).
fn compact_amount(o: &Map<String, Json>) -> Option<Cbor> {
    if o.len() != 2 {
        return None;
    }
    let value = o.get("value")?.as_str()?;
    let currency = o.get("currency")?.as_str()?;
    let (negative, digits) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty()
        || whole.len() + fraction.len() > 18
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
        || (digits.contains('.') && fraction.is_empty())
    {
        return None;
    }
    let mantissa: i64 = format!("{whole}{fraction}").parse().ok()?;
    let mantissa = if negative { -mantissa } else { mantissa };
    let scale = u32::try_from(fraction.len()).ok()?;
    (amount_text(mantissa, scale)? == value).then(|| {
        Cbor::Array(vec![
            int(mantissa),
            uint(u64::from(scale)),
            Cbor::Text(currency.to_owned()),
        ])
    })
}

/// The decimal text of `mantissa` × 10^-`scale`, with exactly `scale` decimals.
fn amount_text(mantissa: i64, scale: u32) -> Option<String> {
    if scale > 18 {
        return None;
    }
    let digits = mantissa.unsigned_abs().to_string();
    let scale = scale as usize;
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (whole, fraction) = padded.split_at(padded.len() - scale);
    let sign = if mantissa < 0 { "-" } else { "" };
    Some(if scale == 0 {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{fraction}")
    })
}

fn expand_amount(parts: Vec<Cbor>, path: &str) -> Result<Json, CompactError> {
    let [mantissa, scale, currency] = <[Cbor; 3]>::try_from(parts)
        .map_err(|_| bad_claim(path, "an amount is [mantissa, scale, currency]"))?;
    let mantissa =
        as_i64(&mantissa).ok_or_else(|| bad_claim(path, "the mantissa is an integer"))?;
    let scale = as_u64(&scale)
        .and_then(|s| u32::try_from(s).ok())
        .ok_or_else(|| bad_claim(path, "the scale is 0 to 18"))?;
    let value =
        amount_text(mantissa, scale).ok_or_else(|| bad_claim(path, "the scale is 0 to 18"))?;
    let currency = text(currency, path)?;
    let mut out = Map::new();
    out.insert("value".into(), Json::String(value));
    out.insert("currency".into(), Json::String(currency));
    Ok(Json::Object(out))
}

fn decode_status(value: Cbor) -> Result<Json, CompactError> {
    let Cbor::Array(items) = value else {
        return Err(bad_claim("credentialStatus", "must be an array"));
    };
    if items.is_empty() {
        return Err(bad_claim(
            "credentialStatus",
            "an empty list is written by leaving the claim out",
        ));
    }
    let mut lists: Vec<String> = Vec::with_capacity(items.len());
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let path = format!("credentialStatus[{i}]");
        let Cbor::Array(fields) = item else {
            return Err(bad_claim(&path, "must be an array"));
        };
        if !(3..=4).contains(&fields.len()) {
            return Err(bad_claim(&path, "must have 3 or 4 elements"));
        }
        let mut fields = fields.into_iter();
        let (Some(purpose), Some(index), Some(list)) =
            (fields.next(), fields.next(), fields.next())
        else {
            return Err(bad_claim(&path, "must have 3 or 4 elements"));
        };
        let purpose = match purpose {
            Cbor::Text(s) => s,
            other => {
                let code = as_u64(&other).unwrap_or(u64::MAX);
                STATUS_PURPOSES
                    .iter()
                    .find(|(c, _)| *c == code)
                    .map(|(_, n)| (*n).to_owned())
                    .ok_or_else(|| bad_claim(&path, "unknown status purpose code"))?
            }
        };
        let index = match index {
            Cbor::Text(s) => s,
            other => as_u64(&other)
                .map(|n| n.to_string())
                .ok_or_else(|| bad_claim(&path, "the index must be an unsigned integer"))?,
        };
        let list = match list {
            Cbor::Text(s) => s,
            other => as_u64(&other)
                .and_then(|n| usize::try_from(n).ok())
                .and_then(|n| lists.get(n).cloned())
                .ok_or_else(|| {
                    bad_claim(
                        &path,
                        "the list must be a URL or the number of an earlier entry",
                    )
                })?,
        };
        let id = match fields.next() {
            None => Some(format!("{list}#{index}")),
            Some(Cbor::Null) => None,
            Some(Cbor::Text(s)) => Some(s),
            Some(_) => return Err(bad_claim(&path, "the id must be text or null")),
        };
        let mut entry = Map::new();
        if let Some(id) = id {
            entry.insert("id".into(), Json::String(id));
        }
        entry.insert("type".into(), Json::String(STATUS_ENTRY_TYPE.into()));
        entry.insert("statusPurpose".into(), Json::String(purpose));
        entry.insert("statusListIndex".into(), Json::String(index));
        entry.insert("statusListCredential".into(), Json::String(list.clone()));
        lists.push(list);
        out.push(Json::Object(entry));
    }
    Ok(if out.len() == 1 {
        out.remove(0)
    } else {
        Json::Array(out)
    })
}
