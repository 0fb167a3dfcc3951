//! Trust lists: which issuers a verifier believes, for which document types, with which keys.
//!
//! A trust list is itself a credential (`["VerifiableCredential", "CivitasTrustList"]`) signed
//! by a **trust anchor** the verifier is configured with (a ministry's key, say). It names every
//! trusted issuer: its DID, its pinned DID document (so that nothing is fetched), the document
//! types it may issue (a university may not issue birth certificates), the document profiles
//! it issues them under ([`PinnedProfile`]: the digests of a profile and of its context, so a
//! verifier never trusts a context it was not given, and a changed one is refused) and, for
//! rotated keys, the window in which each key may sign.
//!
//! The list's terms are defined by an inline `@context` object ([`trust_list_context`]), so the
//! list verifies with the contexts civitas-core bundles; the pinned DID documents and the
//! pinned profiles are JSON literals (`@type: @json`). It is signed as `vc+jwt` by default (Data Integrity also works).
//!
//! ```
//! use civitas_keys::keys::{KeyAlgorithm, KeyPair};
//! use civitas_keys::signer::LocalSigner;
//! use civitas_verifier::trust::{TrustAnchor, TrustList, TrustListSigning, TrustedIssuer};
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let anchor = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
//! let office = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
//!
//! let mut list = TrustList::new("Civil registry trust list");
//! list.add(TrustedIssuer::new(office.controller(), ["BirthCertificate"]).named("Civil Status Office"))?;
//! let signed = list.sign(&anchor, &TrustListSigning::default()).await?;
//!
//! let anchors = [TrustAnchor::did(anchor.controller())];
//! let verified = civitas_verifier::trust::verify_trust_list(signed.as_bytes(), &anchors, chrono::Utc::now()).await?;
//! assert_eq!(verified.list().issuers()[0].name.as_deref(), Some("Civil Status Office"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

use chrono::{DateTime, Utc};
use civitas_core::credential::{format_datetime, one_or_many};
use civitas_core::data_integrity::ProofOptions;
use civitas_core::profile::Known;
use civitas_core::report::CheckKind;
use civitas_core::secure::{Securing, secure_credential};
use civitas_core::verify::{DocumentCheck, Input, VerifyOptions};
use civitas_jsonld::contexts::{CREDENTIALS_V2, ContextLoader};
use civitas_keys::did::{ControllerDocument, MethodRef, ProofPurpose};
use civitas_keys::resolver::{OfflineResolver, controller_of};
use civitas_keys::signer::Signer;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::TrustListError;

/// The credential type of a trust list.
pub const TRUST_LIST_TYPE: &str = "CivitasTrustList";

/// The vocabulary of trust-list terms.
pub const TRUST_VOCAB: &str = "https://w3id.org/civitas/trust#";

/// The inline JSON-LD context that defines the trust-list terms (protected). It travels inside
/// every trust list, after the VC 2.0 context, so nothing needs to be bundled or fetched.
pub fn trust_list_context() -> Value {
    let term = |name: &str| format!("{TRUST_VOCAB}{name}");
    json!({
        "@protected": true,
        TRUST_LIST_TYPE: term("TrustList"),
        "TrustedIssuerList": term("TrustedIssuerList"),
        "TrustedIssuer": term("TrustedIssuer"),
        "sequence": {"@id": term("sequence"), "@type": "http://www.w3.org/2001/XMLSchema#integer"},
        "trustedIssuers": {"@id": term("trustedIssuer"), "@container": "@set"},
        "documentTypes": {"@id": term("documentType"), "@container": "@set"},
        "didDocument": {"@id": term("didDocument"), "@type": "@json"},
        "profiles": {"@id": term("profile"), "@type": "@json"},
        "keyValidity": {"@id": term("keyValidity"), "@container": "@set"},
        "key": {"@id": term("key"), "@type": "@id"},
        "notBefore": {"@id": term("notBefore"), "@type": "http://www.w3.org/2001/XMLSchema#dateTime"},
        "notAfter": {"@id": term("notAfter"), "@type": "http://www.w3.org/2001/XMLSchema#dateTime"}
    })
}

/// The window in which one key of a trusted issuer may sign (rotation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeyValidity {
    /// The verification method id (`did:web:registry.gov.mu#key-1`).
    pub key: String,
    /// The key signs from this time on (inclusive); none: since always.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_time")]
    pub not_before: Option<DateTime<Utc>>,
    /// The key stopped signing at this time (exclusive): a credential signed later is invalid,
    /// one signed before stays valid. None: still in use.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_time")]
    pub not_after: Option<DateTime<Utc>>,
}

impl KeyValidity {
    /// Whether `signed_at` falls inside the window.
    pub fn contains(&self, signed_at: DateTime<Utc>) -> bool {
        self.not_before.is_none_or(|b| signed_at >= b)
            && self.not_after.is_none_or(|a| signed_at < a)
    }

    /// The window in words.
    pub fn describe(&self) -> String {
        match (self.not_before, self.not_after) {
            (Some(b), Some(a)) => {
                format!("from {} until {}", format_datetime(b), format_datetime(a))
            }
            (Some(b), None) => format!("from {}", format_datetime(b)),
            (None, Some(a)) => format!("until {}", format_datetime(a)),
            (None, None) => "at any time".to_owned(),
        }
    }
}

mod opt_time {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&civitas_core::credential::format_datetime(*t)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let text = Option::<String>::deserialize(d)?;
        text.map(|t| {
            DateTime::parse_from_rfc3339(&t)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| {
                    serde::de::Error::custom(format!(
                        "`{t}` is not an RFC 3339 date-time with a time zone"
                    ))
                })
        })
        .transpose()
    }
}

/// One issuer the trust list vouches for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrustedIssuer {
    /// The issuer's DID (or URL), as it appears in credentials' `issuer`.
    pub id: String,
    /// Always `TrustedIssuer`.
    #[serde(rename = "type", default = "trusted_issuer_type")]
    pub kind: String,
    /// A name people recognise (`Civil Status Division, Mauritius`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The credential types it may issue (`BirthCertificate`, `MarriageCertificate`, …).
    pub document_types: Vec<String>,
    /// Its DID document, pinned: used instead of resolving the DID. Required for everything but
    /// `did:key` (whose document is computed), unless the verifier runs online.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub did_document: Option<ControllerDocument>,
    /// Signing windows of its keys (rotation). A key listed here may sign credentials inside its
    /// window, even if the DID document no longer lists it under `assertionMethod`. A key not
    /// listed is governed by the DID document alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_validity: Vec<KeyValidity>,
    /// The document profiles it issues under, pinned by digest: a verifier accepts its
    /// credentials of a pinned type only when the profile it knows for that type is this one,
    /// and learns a profile from a bundle only when it is pinned here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<PinnedProfile>,
}

/// A document profile a trust list pins for one issuer: the profile file's digest and its
/// JSON-LD context's (URL and digest of the context document as civitas derives it).
///
/// ```json
/// {"type": "BirthCertificate", "digest": "sha256:…",
///  "context": "https://w3id.org/civitas/civil-registry/v1", "contextDigest": "sha256:…"}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PinnedProfile {
    /// The document type (`BirthCertificate`): one of the issuer's `documentTypes`.
    #[serde(rename = "type")]
    pub type_name: String,
    /// `sha256:` and the lowercase hex SHA-256 of the profile file (its TOML text, as read).
    pub digest: String,
    /// The profile's context URL.
    pub context: String,
    /// `sha256:` and the lowercase hex SHA-256 of the context document derived from the
    /// profile (compact JSON, as civitas serves it).
    pub context_digest: String,
}

impl PinnedProfile {
    /// The pin of a known profile: its digest, its context URL and that context's digest as
    /// the process's registry derives it (for a context several bundled profiles share, the
    /// merged document).
    pub fn of(known: &Known) -> Result<Self, TrustListError> {
        let url = &known.profile.document.context_url;
        let registry = civitas_core::profile::known();
        let context = registry.context(url).ok_or_else(|| {
            TrustListError::invalid(
                "/profiles",
                format!(
                    "the context {url} of the {} profile is not known to this process: register the profile first",
                    known.type_name()
                ),
            )
        })?;
        Ok(Self {
            type_name: known.type_name().to_owned(),
            digest: known.digest.clone(),
            context: url.clone(),
            context_digest: context.digest.clone(),
        })
    }

    fn validate(&self, pointer: &str, document_types: &[String]) -> Result<(), TrustListError> {
        let bad = |field: &str, reason: String| {
            TrustListError::invalid(format!("{pointer}/{field}"), reason)
        };
        if !document_types.contains(&self.type_name) {
            return Err(bad(
                "type",
                format!(
                    "`{}` is not one of the issuer's documentTypes ({})",
                    self.type_name,
                    document_types.join(", ")
                ),
            ));
        }
        if !is_digest(&self.digest) {
            return Err(bad(
                "digest",
                format!(
                    "`{}` is not `sha256:` and 64 lowercase hex digits",
                    self.digest
                ),
            ));
        }
        if !is_url(&self.context) {
            return Err(bad("context", format!("`{}` is not a URL", self.context)));
        }
        if !is_digest(&self.context_digest) {
            return Err(bad(
                "contextDigest",
                format!(
                    "`{}` is not `sha256:` and 64 lowercase hex digits",
                    self.context_digest
                ),
            ));
        }
        Ok(())
    }
}

/// Whether `s` is `sha256:` and 64 lowercase hex digits.
pub fn is_digest(s: &str) -> bool {
    s.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

fn trusted_issuer_type() -> String {
    "TrustedIssuer".to_owned()
}

impl TrustedIssuer {
    /// An issuer trusted for `document_types`.
    pub fn new<I, S>(id: &str, document_types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            id: id.to_owned(),
            kind: trusted_issuer_type(),
            name: None,
            document_types: document_types.into_iter().map(Into::into).collect(),
            did_document: None,
            key_validity: Vec::new(),
            profiles: Vec::new(),
        }
    }

    /// Sets the name.
    pub fn named(mut self, name: &str) -> Self {
        self.name = Some(name.to_owned());
        self
    }

    /// Pins the DID document.
    pub fn with_document(mut self, document: ControllerDocument) -> Self {
        self.did_document = Some(document);
        self
    }

    /// Adds a key signing window.
    pub fn with_key_window(
        mut self,
        key: &str,
        not_before: Option<DateTime<Utc>>,
        not_after: Option<DateTime<Utc>>,
    ) -> Self {
        self.key_validity.push(KeyValidity {
            key: key.to_owned(),
            not_before,
            not_after,
        });
        self
    }

    /// Pins the profile `known` (a registry entry, [`civitas_core::profile::known`]): its type
    /// joins the document types when it is not there, and a pin for the same type is replaced.
    pub fn with_profile(mut self, known: &Known) -> Result<Self, TrustListError> {
        let pin = PinnedProfile::of(known)?;
        if !self.document_types.contains(&pin.type_name) {
            self.document_types.push(pin.type_name.clone());
        }
        self.profiles.retain(|p| p.type_name != pin.type_name);
        self.profiles.push(pin);
        Ok(self)
    }

    /// The profile the list pins for `type_name`, if any.
    pub fn pinned(&self, type_name: &str) -> Option<&PinnedProfile> {
        self.profiles.iter().find(|p| p.type_name == type_name)
    }

    /// Whether the issuer may issue a credential with these types.
    pub fn may_issue<'a>(&self, types: impl IntoIterator<Item = &'a str>) -> bool {
        types
            .into_iter()
            .filter(|t| *t != "VerifiableCredential")
            .any(|t| self.document_types.iter().any(|d| d == t))
    }

    /// The signing window of `key`, if the list gives one.
    pub fn window(&self, key: &str) -> Option<&KeyValidity> {
        self.key_validity.iter().find(|k| k.key == key)
    }

    /// A label for people: the name, or the DID.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }

    /// The pinned document as the resolver serves it: every key with a signing window is also
    /// allowed for `assertionMethod` (the trust list says it may sign, inside its window).
    pub fn effective_document(&self) -> Option<ControllerDocument> {
        let mut doc = self.did_document.clone()?;
        for window in &self.key_validity {
            if doc.method(&window.key).is_some()
                && !doc.allows(&window.key, ProofPurpose::AssertionMethod)
            {
                doc.assertion_method
                    .push(MethodRef::Reference(window.key.clone()));
            }
        }
        Some(doc)
    }

    fn validate(&self, pointer: &str) -> Result<(), TrustListError> {
        let bad = |field: &str, reason: String| {
            TrustListError::invalid(format!("{pointer}/{field}"), reason)
        };
        if !is_url(&self.id) {
            return Err(bad("id", format!("`{}` is not a DID or URL", self.id)));
        }
        if self.kind != "TrustedIssuer" {
            return Err(bad(
                "type",
                format!("is `{}`, expected TrustedIssuer", self.kind),
            ));
        }
        if self.document_types.is_empty() {
            return Err(bad(
                "documentTypes",
                "is empty: name the document types this issuer may issue".into(),
            ));
        }
        if let Some(i) = self
            .document_types
            .iter()
            .position(|t| t.is_empty() || t == "VerifiableCredential")
        {
            return Err(bad(
                &format!("documentTypes/{i}"),
                "must be a specific credential type".into(),
            ));
        }
        if let Some(doc) = &self.did_document
            && doc.id != self.id
        {
            return Err(bad(
                "didDocument/id",
                format!("is `{}`, not the issuer `{}`", doc.id, self.id),
            ));
        }
        for (i, w) in self.key_validity.iter().enumerate() {
            let here = format!("keyValidity/{i}");
            if controller_of(&w.key) != self.id || !w.key.contains('#') {
                return Err(bad(
                    &format!("{here}/key"),
                    format!("`{}` is not a key of {}", w.key, self.id),
                ));
            }
            if let (Some(b), Some(a)) = (w.not_before, w.not_after)
                && a <= b
            {
                return Err(bad(
                    &format!("{here}/notAfter"),
                    "is not after notBefore".into(),
                ));
            }
            if let Some(doc) = &self.did_document
                && doc.public_key(&w.key).is_err()
            {
                return Err(bad(
                    &format!("{here}/key"),
                    format!("`{}` is not a key of the pinned DID document", w.key),
                ));
            }
            if self.key_validity[..i].iter().any(|o| o.key == w.key) {
                return Err(bad(
                    &format!("{here}/key"),
                    format!("`{}` is listed twice", w.key),
                ));
            }
        }
        for (i, p) in self.profiles.iter().enumerate() {
            p.validate(&format!("{pointer}/profiles/{i}"), &self.document_types)?;
            if self.profiles[..i]
                .iter()
                .any(|o| o.type_name == p.type_name)
            {
                return Err(bad(
                    &format!("profiles/{i}/type"),
                    format!("`{}` is pinned twice", p.type_name),
                ));
            }
        }
        Ok(())
    }
}

fn is_url(s: &str) -> bool {
    s.split_once(':').is_some_and(|(scheme, rest)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            && !rest.is_empty()
            && !s.chars().any(char::is_whitespace)
    })
}

/// The content of a trust list: what `civitas trust-list create|add` edit and `sign` signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrustList {
    /// Always `TrustedIssuerList`.
    #[serde(rename = "type", default = "trusted_issuer_list_type")]
    pub kind: String,
    /// A name for people (`Mauritius civil registry trust list`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Grows by one with every published version, so operators can tell versions apart.
    #[serde(default)]
    pub sequence: u64,
    /// The trusted issuers.
    #[serde(default)]
    pub trusted_issuers: Vec<TrustedIssuer>,
}

fn trusted_issuer_list_type() -> String {
    "TrustedIssuerList".to_owned()
}

/// How a trust list is signed.
#[derive(Debug, Clone)]
pub struct TrustListSigning {
    /// `vc+jwt` (default) or Data Integrity.
    pub securing: Securing,
    /// `validFrom`; default: now.
    pub valid_from: Option<DateTime<Utc>>,
    /// `validUntil`: after it, verifiers answer *indeterminate* for trust until a newer list is
    /// loaded. Default: none.
    pub valid_until: Option<DateTime<Utc>>,
    /// The credential id; default: a random `urn:uuid:`.
    pub id: Option<String>,
}

impl Default for TrustListSigning {
    fn default() -> Self {
        Self {
            securing: Securing::VcJwt,
            valid_from: None,
            valid_until: None,
            id: None,
        }
    }
}

impl TrustList {
    /// An empty list named `name`, sequence 1.
    pub fn new(name: &str) -> Self {
        Self {
            kind: trusted_issuer_list_type(),
            name: Some(name.to_owned()),
            sequence: 1,
            trusted_issuers: Vec::new(),
        }
    }

    /// Reads a draft (the JSON of a `TrustList`).
    pub fn from_json(value: Value) -> Result<Self, TrustListError> {
        let list: Self = serde_json::from_value(value)
            .map_err(|e| TrustListError::invalid("", e.to_string()))?;
        list.validate()?;
        Ok(list)
    }

    /// The issuers (alias of `trusted_issuers`).
    pub fn issuers(&self) -> &[TrustedIssuer] {
        &self.trusted_issuers
    }

    /// Adds an issuer, or replaces the entry with the same DID.
    pub fn add(&mut self, issuer: TrustedIssuer) -> Result<(), TrustListError> {
        let at = self
            .trusted_issuers
            .iter()
            .position(|i| i.id == issuer.id)
            .unwrap_or(self.trusted_issuers.len());
        issuer.validate(&format!("/trustedIssuers/{at}"))?;
        if at == self.trusted_issuers.len() {
            self.trusted_issuers.push(issuer);
        } else {
            self.trusted_issuers[at] = issuer;
        }
        Ok(())
    }

    /// Removes the issuer `id`; returns whether it was there.
    pub fn remove(&mut self, id: &str) -> bool {
        let before = self.trusted_issuers.len();
        self.trusted_issuers.retain(|i| i.id != id);
        before != self.trusted_issuers.len()
    }

    /// The entry for issuer `id`.
    pub fn issuer(&self, id: &str) -> Option<&TrustedIssuer> {
        self.trusted_issuers.iter().find(|i| i.id == id)
    }

    /// Every profile the list pins, with the issuer that pins it.
    pub fn pinned_profiles(&self) -> impl Iterator<Item = (&TrustedIssuer, &PinnedProfile)> {
        self.trusted_issuers
            .iter()
            .flat_map(|i| i.profiles.iter().map(move |p| (i, p)))
    }

    /// Checks every entry: DIDs, pinned documents matching their DID, key windows naming keys
    /// of the pinned document, no issuer twice.
    pub fn validate(&self) -> Result<(), TrustListError> {
        if self.kind != "TrustedIssuerList" {
            return Err(TrustListError::invalid(
                "/type",
                format!("is `{}`, expected TrustedIssuerList", self.kind),
            ));
        }
        for (i, issuer) in self.trusted_issuers.iter().enumerate() {
            issuer.validate(&format!("/trustedIssuers/{i}"))?;
            if self.trusted_issuers[..i].iter().any(|o| o.id == issuer.id) {
                return Err(TrustListError::invalid(
                    format!("/trustedIssuers/{i}/id"),
                    format!("{} is listed twice", issuer.id),
                ));
            }
        }
        Ok(())
    }

    /// The unsigned trust-list credential issued by `anchor`.
    pub fn to_credential(
        &self,
        anchor: &str,
        signing: &TrustListSigning,
    ) -> Result<Value, TrustListError> {
        self.validate()?;
        let subject =
            serde_json::to_value(self).map_err(|e| TrustListError::invalid("", e.to_string()))?;
        let mut vc = json!({
            "@context": [CREDENTIALS_V2, trust_list_context()],
            "id": signing.id.clone().unwrap_or_else(|| format!("urn:uuid:{}", uuid::Uuid::new_v4())),
            "type": ["VerifiableCredential", TRUST_LIST_TYPE],
            "issuer": anchor,
            "validFrom": format_datetime(signing.valid_from.unwrap_or_else(Utc::now)),
        });
        if let Some(name) = &self.name {
            vc["name"] = name.clone().into();
        }
        if let Some(until) = signing.valid_until {
            vc["validUntil"] = format_datetime(until).into();
        }
        vc["credentialSubject"] = subject;
        Ok(vc)
    }

    /// Signs the list with the anchor's `signer` (its DID becomes the list's issuer). Returns the
    /// compact JWS (`vc+jwt`) or the JSON with its Data Integrity proof.
    pub async fn sign(
        &self,
        signer: &dyn Signer,
        signing: &TrustListSigning,
    ) -> Result<String, TrustListError> {
        let anchor = controller_of(signer.verification_method());
        let vc = self.to_credential(anchor, signing)?;
        let options = ProofOptions {
            created: signing.valid_from,
            ..ProofOptions::default()
        };
        Ok(secure_credential(
            &vc,
            signer,
            signing.securing,
            &options,
            &ContextLoader::bundled(),
        )
        .await?)
    }
}

/// A trust anchor: whom the verifier believes about trust lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustAnchor {
    /// The anchor's DID (or URL).
    pub id: String,
    /// Its pinned DID document: needed for anything but `did:key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<ControllerDocument>,
}

impl TrustAnchor {
    /// An anchor known by its DID (enough for `did:key`).
    pub fn did(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            document: None,
        }
    }

    /// An anchor with its pinned DID document (e.g. a ministry's `did:web`).
    pub fn document(document: ControllerDocument) -> Self {
        Self {
            id: document.id.clone(),
            document: Some(document),
        }
    }
}

/// A trust list whose signature by a configured anchor was verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedTrustList {
    list: TrustList,
    id: Option<String>,
    anchor: String,
    valid_from: Option<DateTime<Utc>>,
    valid_until: Option<DateTime<Utc>>,
    secured_with: String,
    signed: Value,
}

impl VerifiedTrustList {
    /// The content.
    pub fn list(&self) -> &TrustList {
        &self.list
    }

    /// The credential id.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The anchor that signed it.
    pub fn anchor(&self) -> &str {
        &self.anchor
    }

    /// `validFrom`.
    pub fn valid_from(&self) -> Option<DateTime<Utc>> {
        self.valid_from
    }

    /// `validUntil`.
    pub fn valid_until(&self) -> Option<DateTime<Utc>> {
        self.valid_until
    }

    /// `vc+jwt`, `eddsa-rdfc-2022`, …
    pub fn secured_with(&self) -> &str {
        &self.secured_with
    }

    /// The signed list as it was read: a JSON string (the JWS) or the JSON credential, ready to
    /// be put in a bundle.
    pub fn signed(&self) -> &Value {
        &self.signed
    }

    /// The issuer entry for `id`.
    pub fn issuer(&self, id: &str) -> Option<&TrustedIssuer> {
        self.list.issuer(id)
    }

    /// Why the list cannot be relied on at `now` (outside its validity period), if so.
    pub fn unusable_at(&self, now: DateTime<Utc>) -> Option<String> {
        if let Some(from) = self.valid_from
            && now < from
        {
            return Some(format!(
                "the trust list is only valid from {}",
                format_datetime(from)
            ));
        }
        if let Some(until) = self.valid_until
            && now > until
        {
            return Some(format!(
                "the trust list expired on {}: load a newer one",
                format_datetime(until)
            ));
        }
        None
    }

    /// A label for the list: its name and sequence.
    pub fn label(&self) -> String {
        format!(
            "{} (#{})",
            self.list.name.as_deref().unwrap_or("trust list"),
            self.list.sequence
        )
    }

    /// Pins every trusted issuer's effective DID document into `resolver`.
    pub fn pin_into(&self, resolver: &mut OfflineResolver) {
        for issuer in &self.list.trusted_issuers {
            if let Some(doc) = issuer.effective_document() {
                resolver.pin(doc);
            }
        }
    }
}

/// Reads a signed trust list (a `vc+jwt`, or JSON with a Data Integrity proof) and accepts it if
/// it is signed by one of `anchors` (with a key the anchor allows for `assertionMethod`), is
/// well-formed, and its content follows the trust-list rules.
///
/// The validity period is not enforced here: a verifier holding an expired list answers
/// *indeterminate* for trust (see [`VerifiedTrustList::unusable_at`]).
pub async fn verify_trust_list(
    bytes: &[u8],
    anchors: &[TrustAnchor],
    now: DateTime<Utc>,
) -> Result<VerifiedTrustList, TrustListError> {
    if anchors.is_empty() {
        return Err(TrustListError::NoAnchor);
    }
    let input = Input::parse(bytes).map_err(|e| TrustListError::Unreadable(e.to_string()))?;
    let Input::Credential(secured) = input else {
        return Err(TrustListError::NotATrustList(
            "it is a presentation".to_owned(),
        ));
    };
    let credential = secured.credential();
    if !credential.types().iter().any(|t| t == TRUST_LIST_TYPE) {
        return Err(TrustListError::NotATrustList(format!(
            "its type is {}, not {TRUST_LIST_TYPE}",
            credential.types().join(", ")
        )));
    }
    let issuer = credential.issuer().to_owned();
    if !anchors.iter().any(|a| a.id == issuer) {
        return Err(TrustListError::UnknownAnchor {
            issuer,
            anchors: anchors
                .iter()
                .map(|a| a.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let mut resolver = OfflineResolver::new();
    for anchor in anchors {
        if let Some(doc) = &anchor.document {
            resolver.pin(doc.clone());
        }
    }
    let checker = DocumentCheck::new(ContextLoader::bundled(), resolver);
    let options = VerifyOptions {
        now: Some(now),
        ..VerifyOptions::default()
    };
    let report = checker.check_credential(&secured, &options).await;
    for check in &report.checks {
        let counts = matches!(
            check.check,
            CheckKind::Syntax | CheckKind::Signature | CheckKind::IssuerBinding | CheckKind::Schema
        );
        if counts && check.outcome.is_failed() {
            return Err(TrustListError::Rejected {
                check: check.check.label(),
                reason: check.outcome.text().to_owned(),
            });
        }
    }
    let subjects = credential.subjects();
    let [subject] = subjects.as_slice() else {
        return Err(TrustListError::invalid(
            "/credentialSubject",
            "a trust list has exactly one subject",
        ));
    };
    let list = TrustList::from_json((*subject).clone()).map_err(|e| match e {
        TrustListError::Invalid { pointer, reason } => TrustListError::Invalid {
            pointer: format!("/credentialSubject{pointer}"),
            reason,
        },
        other => other,
    })?;
    let signed = match &secured {
        civitas_core::verify::SecuredCredential::Jwt { .. } => {
            Value::String(String::from_utf8_lossy(bytes.trim_ascii()).into_owned())
        }
        civitas_core::verify::SecuredCredential::DataIntegrity(c) => c.json().clone(),
    };
    Ok(VerifiedTrustList {
        list,
        id: credential.id().map(str::to_owned),
        anchor: issuer,
        valid_from: credential.valid_from(),
        valid_until: credential.valid_until(),
        secured_with: report.secured_with.unwrap_or_default(),
        signed,
    })
}

/// The type values of a credential JSON, for matching against `documentTypes`.
pub(crate) fn types_of(credential: &Value) -> Vec<&str> {
    one_or_many(credential.get("type"))
        .into_iter()
        .filter_map(Value::as_str)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn pin(type_name: &str) -> PinnedProfile {
        PinnedProfile {
            type_name: type_name.to_owned(),
            digest: D.to_owned(),
            context: "https://example.test/burial/v1".to_owned(),
            context_digest: D.to_owned(),
        }
    }

    fn issuer(profiles: Vec<PinnedProfile>) -> TrustedIssuer {
        let mut i = TrustedIssuer::new("did:example:office", ["TestBurialPermit"]);
        i.profiles = profiles;
        i
    }

    fn invalid(i: &TrustedIssuer) -> (String, String) {
        match i.validate("/trustedIssuers/0") {
            Err(TrustListError::Invalid { pointer, reason }) => (pointer, reason),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn digests_are_sha256_and_64_lowercase_hex_digits() {
        assert!(is_digest(D));
        assert!(!is_digest(&D.to_uppercase()));
        assert!(!is_digest(&D.replace("sha256:", "sha512:")));
        assert!(!is_digest(&D[..D.len() - 1]));
        assert!(!is_digest(&format!("{D}0")));
        assert!(!is_digest(&D.replace('a', "g")));
        assert!(!is_digest("sha256:"));
    }

    #[test]
    fn a_pinned_profile_is_checked_against_the_issuer_entry() {
        issuer(vec![pin("TestBurialPermit")])
            .validate("/trustedIssuers/0")
            .expect("a good pin");
        let (pointer, reason) = invalid(&issuer(vec![pin("BirthCertificate")]));
        assert_eq!(pointer, "/trustedIssuers/0/profiles/0/type");
        assert!(
            reason.contains("not one of the issuer's documentTypes"),
            "{reason}"
        );
        let mut p = pin("TestBurialPermit");
        p.digest = "sha256:ABC".to_owned();
        assert_eq!(
            invalid(&issuer(vec![p])).0,
            "/trustedIssuers/0/profiles/0/digest"
        );
        let mut p = pin("TestBurialPermit");
        p.context_digest = D.to_uppercase();
        assert_eq!(
            invalid(&issuer(vec![p])).0,
            "/trustedIssuers/0/profiles/0/contextDigest"
        );
        let mut p = pin("TestBurialPermit");
        p.context = "not a url".to_owned();
        assert_eq!(
            invalid(&issuer(vec![p])).0,
            "/trustedIssuers/0/profiles/0/context"
        );
        let (pointer, reason) = invalid(&issuer(vec![
            pin("TestBurialPermit"),
            pin("TestBurialPermit"),
        ]));
        assert_eq!(pointer, "/trustedIssuers/0/profiles/1/type");
        assert!(reason.contains("pinned twice"), "{reason}");
    }

    #[test]
    fn pinned_profiles_read_from_json_with_their_names_and_nothing_else() {
        let json = serde_json::json!({
            "id": "did:example:office",
            "documentTypes": ["TestBurialPermit"],
            "profiles": [{"type": "TestBurialPermit", "digest": D,
                "context": "https://example.test/burial/v1", "contextDigest": D}]
        });
        let i: TrustedIssuer = serde_json::from_value(json.clone()).expect("an issuer");
        assert_eq!(i.profiles, vec![pin("TestBurialPermit")]);
        assert_eq!(
            serde_json::to_value(&i).expect("json")["profiles"],
            json["profiles"]
        );
        let mut extra = json.clone();
        extra["profiles"][0]["version"] = "1".into();
        assert!(serde_json::from_value::<TrustedIssuer>(extra).is_err());
        // No pins: the member is left out, and a list without it reads.
        let plain = TrustedIssuer::new("did:example:office", ["BirthCertificate"]);
        assert!(
            serde_json::to_value(&plain)
                .expect("json")
                .get("profiles")
                .is_none()
        );
    }

    #[test]
    fn with_profile_pins_a_registry_entry_and_its_context() {
        let registry = civitas_core::profile::known();
        let birth = registry.get("BirthCertificate").expect("bundled");
        let i = TrustedIssuer::new("did:example:office", ["MarriageCertificate"])
            .with_profile(birth)
            .expect("a known profile");
        assert_eq!(
            i.document_types,
            ["MarriageCertificate", "BirthCertificate"]
        );
        let p = i.pinned("BirthCertificate").expect("pinned");
        assert_eq!(p.digest, birth.digest);
        assert_eq!(p.context, birth.profile.document.context_url);
        let context = registry.context(&p.context).expect("its context");
        assert_eq!(p.context_digest, context.digest);
        i.validate("/trustedIssuers/0").expect("valid");
        // Pinned again: one pin.
        let again = i.with_profile(birth).expect("again");
        assert_eq!(again.profiles.len(), 1);
        assert_eq!(again.document_types.len(), 2);
    }
}
