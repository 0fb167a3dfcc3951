//! What can be issued, and how one credential is prepared: the request types
//! ([`IssueRequest`] for a typed registry record, [`CredentialRequest`] for a VC-API
//! credential), their validation, and building and signing the credential once its status
//! entries are allocated.

use chrono::{DateTime, Utc};
use civitas_core::credential::{Credential, CredentialBuilder, VcVersion, format_datetime};
use civitas_core::data_integrity::ProofOptions;
use civitas_core::model::{DocumentType, validate_subject};
use civitas_core::secure::{SecureError, Securing, secure_owned_credential_unchecked};
use civitas_core::self_check::{self, Unchecked};
use civitas_jsonld::contexts::{CREDENTIALS_V1, ContextLoader};
use civitas_keys::signer::Signer;
use serde_json::{Value, json};

use crate::config::{IssuerConfig, StatusMessages, VcApiMode};
use crate::error::{IssuerError, SigningError};
use crate::jcs;
use crate::status::EntryPair;
use crate::store::CredentialRecord;

/// Longest accepted source record id.
pub const MAX_SOURCE_RECORD_ID: usize = 256;

/// A document to issue: a known document type and its `credentialSubject`, checked against
/// the type's profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    kind: DocumentType,
    subject: Value,
}

impl Document {
    /// Reads a registry record of type `kind` (the subject's JSON, implied `type` members
    /// optional) and checks it against the type's profile: kinds, required fields, patterns and rules; an error names the field by
    /// its JSON pointer.
    pub fn parse(kind: DocumentType, record: &Value) -> Result<Self, IssuerError> {
        Self::new(kind, record.clone())
    }

    /// [`Document::parse`], taking the record. Implied `type` members are filled in and
    /// members put in the profile's order ([`civitas_core::profile::Profile::complete`]).
    pub fn new(kind: DocumentType, mut subject: Value) -> Result<Self, IssuerError> {
        if let Some(known) = kind.profile() {
            known.profile.complete(&mut subject);
        }
        validate_subject(&kind, &subject)?;
        Ok(Self { kind, subject })
    }

    /// The document type.
    pub fn document_type(&self) -> DocumentType {
        self.kind.clone()
    }

    /// The same document held by `did`: the subject's holder (`id` of its `did` field), or,
    /// when several people may hold it (the spouses of a marriage certificate), the holder
    /// number `item` (0, 1, ...), which must then be named.
    pub fn with_holder(mut self, did: &str, item: Option<usize>) -> Result<Self, IssuerError> {
        let known = self.kind.profile().ok_or_else(|| {
            IssuerError::invalid("type", format!("no profile of {} is loaded", self.kind))
        })?;
        if known.profile.holder_in_list() && item.is_none() {
            return Err(IssuerError::invalid(
                "spouse",
                format!(
                    "a {} is held by one of the people it names: say which (0, 1, ...)",
                    self.kind
                ),
            ));
        }
        known
            .profile
            .set_holder_in(&mut self.subject, Some(did), item)
            .map_err(|e| IssuerError::invalid("spouse", e))?;
        Ok(self)
    }

    /// The document as the credential's subject.
    pub fn subject(&self) -> Result<Value, IssuerError> {
        Ok(self.subject.clone())
    }
}

/// A request to issue a typed registry record.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueRequest {
    /// The document.
    pub document: Document,
    /// The registry's id for the record: issuing the same record again returns the credential
    /// already issued (idempotency).
    pub source_record_id: Option<String>,
    /// The source record's version (a number or an ISO 8601 timestamp), when the source gives
    /// one: recorded in the registry with the issuance, in the same commit, when it is higher
    /// than the one recorded ([`Issuer::source_version`](crate::Issuer::source_version) reads
    /// it back). Ignored without a source record id.
    pub source_version: Option<String>,
    /// When the record was issued before with different content: revoke that credential and
    /// issue this one (otherwise: [`IssuerError::Conflict`]).
    pub supersede: bool,
    /// How to secure it (default: the issuer's).
    pub securing: Option<Securing>,
}

impl IssueRequest {
    /// A request for `document` without a source record id.
    pub fn new(document: Document) -> Self {
        Self {
            document,
            source_record_id: None,
            source_version: None,
            supersede: false,
            securing: None,
        }
    }

    /// Sets the source record id.
    pub fn source(mut self, id: &str) -> Self {
        self.source_record_id = Some(id.to_owned());
        self
    }

    /// Sets the source record's version (see [`IssueRequest::source_version`]).
    pub fn version(mut self, version: &str) -> Self {
        self.source_version = Some(version.to_owned());
        self
    }

    /// Asks to supersede an earlier, different version of the record.
    pub fn supersede(mut self, yes: bool) -> Self {
        self.supersede = yes;
        self
    }

    /// Sets the securing mechanism.
    pub fn securing(mut self, securing: Securing) -> Self {
        self.securing = Some(securing);
        self
    }
}

/// A VC-API request: an unsigned credential (VC 2.0 or 1.1) whose subject is a civitas
/// document. The issuer sets `issuer` (or checks it is its own), `id` and the validity start
/// when missing, adds `credentialSchema` (VC 2.0) and the status entries, and signs.
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialRequest {
    /// The unsigned credential.
    pub credential: Value,
    /// See [`IssueRequest::source_record_id`].
    pub source_record_id: Option<String>,
    /// See [`IssueRequest::supersede`].
    pub supersede: bool,
    /// See [`IssueRequest::securing`].
    pub securing: Option<Securing>,
}

/// How an issuance request was answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueOutcome {
    /// A new credential.
    Issued,
    /// The same record was issued before: the credential issued then.
    Replayed,
    /// A new credential, and the one issued before for the same source record was revoked.
    Superseded {
        /// The revoked credential.
        previous: String,
    },
}

/// An issued (or replayed) credential.
#[derive(Debug, Clone, PartialEq)]
pub struct Issued {
    /// Its id.
    pub credential_id: String,
    /// The secured credential: JSON text (Data Integrity) or a compact JWS (`vc+jwt`).
    pub credential: String,
    /// What happened.
    pub outcome: IssueOutcome,
    /// The registry's record.
    pub record: CredentialRecord,
}

impl Issued {
    /// The credential as the VC-API returns it: the JSON document, or for `vc+jwt` an
    /// `EnvelopedVerifiableCredential` carrying the JWS as a `data:` URL.
    pub fn verifiable_credential(&self) -> Value {
        match self.record.securing {
            Securing::DataIntegrity => {
                serde_json::from_str(&self.credential).unwrap_or(Value::Null)
            }
            Securing::VcJwt => json!({
                "@context": [civitas_jsonld::contexts::CREDENTIALS_V2],
                "id": format!("data:application/vc+jwt,{}", self.credential),
                "type": "EnvelopedVerifiableCredential",
            }),
        }
    }
}

/// What is issued: a typed document, or a VC-API credential (normalised, without status).
#[derive(Debug, Clone)]
pub(crate) enum Payload {
    Typed(Document),
    Raw(Value),
}

/// One validated request.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub(crate) payload: Payload,
    pub(crate) source: Option<String>,
    /// The source record's version, to record with the issuance.
    pub(crate) source_version: Option<String>,
    pub(crate) supersede: bool,
    pub(crate) securing: Securing,
    pub(crate) types: Vec<String>,
    /// Whether the issuer's status entries go into the credential (not in a VC 1.1 one).
    pub(crate) with_status: bool,
    /// For a holder-bound copy: the record it copies and the holder.
    pub(crate) copy: Option<CopyOf>,
}

/// What a holder-bound copy copies, and for whom.
#[derive(Debug, Clone)]
pub(crate) struct CopyOf {
    /// The record copied.
    pub(crate) original: String,
    /// The holder's DID (the copy's subject `id`).
    pub(crate) holder: String,
    /// The holder receives it as an SD-JWT VC.
    pub(crate) sd_jwt: bool,
}

impl Item {
    /// The subject digest (idempotency): JCS SHA-256 of the `credentialSubject` the item is
    /// issued with. Computed here only when the registry already holds the item's source
    /// record; otherwise [`build_and_sign`] computes it, in parallel, from the JSON it builds.
    pub(crate) fn subject_digest(&self) -> Result<String, IssuerError> {
        match &self.payload {
            Payload::Typed(doc) => Ok(jcs::digest(&doc.subject()?)),
            Payload::Raw(v) => Ok(subject_digest_of(v)),
        }
    }
}

/// The subject digest of a credential's JSON.
fn subject_digest_of(credential: &Value) -> String {
    jcs::digest(credential.get("credentialSubject").unwrap_or(&Value::Null))
}

pub(crate) fn check_source(source: Option<&str>) -> Result<(), IssuerError> {
    check_source_text("sourceRecordId", source)
}

/// Checks a source record id or version (`member` names it): 1 to [`MAX_SOURCE_RECORD_ID`]
/// characters, no control characters, no surrounding spaces.
fn check_source_text(member: &str, text: Option<&str>) -> Result<(), IssuerError> {
    if let Some(s) = text
        && (s.is_empty()
            || s.len() > MAX_SOURCE_RECORD_ID
            || s.chars().any(char::is_control)
            || s.trim() != s)
    {
        return Err(IssuerError::invalid(
            member,
            format!(
                "must be 1 to {MAX_SOURCE_RECORD_ID} characters, without control characters or surrounding spaces"
            ),
        ));
    }
    Ok(())
}

fn check_allowed(kind: &DocumentType, allowed: &[DocumentType]) -> Result<(), IssuerError> {
    if allowed.contains(kind) {
        Ok(())
    } else {
        Err(IssuerError::TypeNotAllowed(kind.clone()))
    }
}

/// The URL of the JSON Schema of a known document type.
fn schema_url(kind: &DocumentType) -> Result<String, IssuerError> {
    kind.schema_url()
        .ok_or_else(|| IssuerError::invalid("type", format!("no profile of {kind} is loaded")))
}

impl Item {
    /// Whether the item takes a `message` status entry when the issuer has status messages: a
    /// VC-API credential that carries status entries (a typed document keeps the two its
    /// compact QR form can carry).
    pub(crate) fn takes_message(&self) -> bool {
        self.with_status && matches!(self.payload, Payload::Raw(_))
    }

    pub(crate) fn typed(
        request: IssueRequest,
        allowed: &[DocumentType],
        default_securing: Securing,
    ) -> Result<Self, IssuerError> {
        check_source(request.source_record_id.as_deref())?;
        check_source_text("sourceVersion", request.source_version.as_deref())?;
        let kind = request.document.document_type();
        check_allowed(&kind, allowed)?;
        Ok(Self {
            payload: Payload::Typed(request.document),
            source: request.source_record_id,
            source_version: request.source_version,
            supersede: request.supersede,
            securing: request.securing.unwrap_or(default_securing),
            types: vec!["VerifiableCredential".into(), kind.as_str().into()],
            with_status: true,
            copy: None,
        })
    }

    pub(crate) fn raw(
        request: CredentialRequest,
        issuer: &str,
        config: &IssuerConfig,
        now: DateTime<Utc>,
    ) -> Result<Self, IssuerError> {
        check_source(request.source_record_id.as_deref())?;
        let credential = normalize(
            request.credential,
            issuer,
            &config.document_types,
            config.vc_api,
            now,
        )?;
        let parsed = Credential::from_value(credential.clone())?;
        Ok(Self {
            types: parsed.types().to_vec(),
            with_status: parsed.version() == VcVersion::V2_0,
            payload: Payload::Raw(credential),
            source: request.source_record_id,
            source_version: None,
            supersede: request.supersede,
            securing: request.securing.unwrap_or(config.default_securing),
            copy: None,
        })
    }
}

/// Checks and completes a VC-API credential (everything but the issuer's status entries).
///
/// Both modes: an unsigned credential, this issuer as `issuer` (set when missing), an `id`
/// (a `urn:uuid:` when missing), every VC Data Model rule [`Credential::from_value`] checks, and
/// for one of the issuer's document types its subject and schema (with `credentialSchema` added
/// in VC 2.0). Closed mode: only those document types, and no caller `credentialStatus`. Open
/// mode: any credential; a caller's `credentialStatus` (checked well formed) is kept, and the
/// validity start is set only where the model requires one (VC 1.1 `issuanceDate`).
fn normalize(
    credential: Value,
    issuer: &str,
    allowed: &[DocumentType],
    mode: VcApiMode,
    now: DateTime<Utc>,
) -> Result<Value, IssuerError> {
    let Value::Object(mut obj) = credential else {
        return Err(IssuerError::invalid("/credential", "must be a JSON object"));
    };
    if obj.contains_key("proof") {
        return Err(IssuerError::invalid(
            "/credential/proof",
            "an unsigned credential is expected",
        ));
    }
    if mode == VcApiMode::Closed && obj.contains_key("credentialStatus") {
        return Err(IssuerError::invalid(
            "/credential/credentialStatus",
            "status entries are assigned by the issuer",
        ));
    }
    match obj.get("issuer") {
        None => {
            obj.insert("issuer".into(), issuer.into());
        }
        Some(Value::String(s)) if s == issuer => {}
        Some(Value::Object(o)) if o.get("id").and_then(Value::as_str) == Some(issuer) => {}
        Some(_) => {
            return Err(IssuerError::invalid(
                "/credential/issuer",
                format!("this issuer is {issuer}"),
            ));
        }
    }
    if !obj.contains_key("id") {
        obj.insert(
            "id".into(),
            format!("urn:uuid:{}", uuid::Uuid::new_v4()).into(),
        );
    }
    let is_v1 = match obj.get("@context") {
        Some(Value::Array(a)) => a.first().and_then(Value::as_str) == Some(CREDENTIALS_V1),
        Some(Value::String(s)) => s == CREDENTIALS_V1,
        _ => false,
    };
    if is_v1 && !obj.contains_key("issuanceDate") {
        obj.insert("issuanceDate".into(), format_datetime(now).into());
    } else if !is_v1 && mode == VcApiMode::Closed && !obj.contains_key("validFrom") {
        obj.insert("validFrom".into(), format_datetime(now).into());
    }
    let parsed = Credential::from_value(Value::Object(obj.clone()))?;
    let kind = match parsed.document_type() {
        Some(kind) => {
            check_allowed(&kind, allowed)?;
            Some(kind)
        }
        None if mode == VcApiMode::Open => None,
        None => {
            return Err(IssuerError::invalid(
                "/credential/type",
                format!(
                    "this issuer issues {}, each with its profile's context",
                    allowed
                        .iter()
                        .map(DocumentType::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    };
    if let Some(kind) = &kind
        && parsed.version() == VcVersion::V2_0
        && !obj.contains_key("credentialSchema")
    {
        obj.insert(
            "credentialSchema".into(),
            json!({"id": schema_url(kind)?, "type": "JsonSchema"}),
        );
    }
    let Some(kind) = kind else {
        return Ok(Value::Object(obj));
    };
    let subjects = parsed.subjects();
    let [subject] = subjects.as_slice() else {
        return Err(IssuerError::invalid(
            "/credential/credentialSubject",
            "must be exactly one document",
        ));
    };
    validate_subject(&kind, subject).map_err(|mut e| {
        e.field = format!("/credential/credentialSubject{}", e.field);
        e
    })?;
    let value = Value::Object(obj);
    civitas_core::schema::validate(&schema_url(&kind)?, &value).map_err(IssuerError::Schema)?;
    Ok(value)
}

/// Checks that every term of a VC-API credential is defined (before anything is allocated),
/// and that the digests of its related resources available offline match them.
pub(crate) async fn check_terms(item: &Item, loader: &ContextLoader) -> Result<(), IssuerError> {
    if let Payload::Raw(v) = &item.payload {
        civitas_core::data_model::check_related_digests(v, loader).map_err(IssuerError::Syntax)?;
        civitas_jsonld::canon::check_terms(v, loader)
            .await
            .map_err(IssuerError::JsonLd)?;
    }
    Ok(())
}

fn secure_error(e: SecureError) -> IssuerError {
    match e {
        SecureError::Syntax(s) => IssuerError::Syntax(s),
        SecureError::JsonLd(c) => IssuerError::JsonLd(c),
        other => IssuerError::Signing(SigningError::Secure(other)),
    }
}

/// Where the service explains its status messages by default: `<base>/status/messages`, from a
/// message list URL `<base>/status/message/<n>`.
pub(crate) fn messages_url(list_url: &str) -> String {
    let base = list_url
        .rsplit_once("/status/")
        .map_or(list_url, |(base, _)| base);
    format!("{base}/status/messages")
}

/// What [`build_and_sign`] gives: the credential's id, its secured text and its subject digest.
pub(crate) struct Signed {
    pub(crate) id: String,
    pub(crate) text: String,
    pub(crate) digest: String,
}

/// Checks the signatures of credentials [`build_and_sign`] made, as one batch.
pub(crate) fn check_signed(signed: Vec<Unchecked<Signed>>) -> Vec<Result<Signed, IssuerError>> {
    self_check::check_all(signed)
        .into_iter()
        .map(|r| r.map_err(|e| secure_error(SecureError::Proof(e))))
        .collect()
}

/// Builds the credential of `item` with its status entries and signs it. Its signature is
/// still to be checked, by [`check_signed`] with the others of its batch.
pub(crate) async fn build_and_sign(
    item: &Item,
    entries: &EntryPair,
    issuer: &str,
    messages: Option<&StatusMessages>,
    signer: &dyn Signer,
    loader: &ContextLoader,
    now: DateTime<Utc>,
) -> Result<Unchecked<Signed>, IssuerError> {
    let revocation = entries.revocation.entry().to_json();
    let suspension = entries.suspension.entry().to_json();
    let message = match (&entries.message, messages) {
        (Some(allocation), Some(m)) => {
            let reference = m
                .reference
                .clone()
                .unwrap_or_else(|| messages_url(&allocation.list_url));
            let entry = allocation
                .message_entry(m.messages.clone())
                .map_err(|e| IssuerError::config(format!("status messages: {e}")))?
                .with_reference(&reference);
            Some(entry.to_json())
        }
        _ => None,
    };
    let unsigned = match &item.payload {
        Payload::Typed(doc) => {
            let builder = CredentialBuilder::new(issuer)
                .valid_from(now)
                .status(revocation)
                .status(suspension);
            builder
                .document(&doc.kind, doc.subject.clone())
                .build()
                .map_err(|e| IssuerError::invalid("record", e.to_string()))?
                .into_json()
        }
        Payload::Raw(v) => {
            let mut v = v.clone();
            if let Some(o) = v.as_object_mut().filter(|_| item.with_status) {
                // A caller's entries (open mode) come first, then the issuer's own.
                let mut entries = match o.remove("credentialStatus") {
                    Some(Value::Array(given)) => given,
                    Some(one) => vec![one],
                    None => Vec::new(),
                };
                entries.extend([revocation, suspension]);
                entries.extend(message);
                o.insert("credentialStatus".into(), Value::Array(entries));
            }
            v
        }
    };
    let id = unsigned
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    // The subject as built is the item's: the digest `Item::subject_digest` would give.
    let digest = subject_digest_of(&unsigned);
    let options = ProofOptions {
        created: Some(now),
        ..ProofOptions::default()
    };
    let text = secure_owned_credential_unchecked(unsigned, signer, item.securing, &options, loader)
        .await
        .map_err(secure_error)?;
    Ok(text.map(|text| Signed { id, text, digest }))
}
