//! DIDs and controller documents: `did:key` (computed from the key), `did:web` documents built from
//! a set of keys, and the [`ControllerDocument`] model that both resolve to.
//!
//! A controller document lists verification methods (public keys) and the verification
//! relationships each may be used for: `assertionMethod` (issuing credentials) and
//! `authentication` (proving control, e.g. signing presentations).

use serde::{Deserialize, Serialize};

use crate::keys::{Jwk, KeyError, PublicKey};

/// The DID v1 context.
pub const DID_V1_CONTEXT: &str = "https://www.w3.org/ns/did/v1";

/// Why a DID or controller document is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DidError {
    /// The text is not a DID of the expected method.
    #[error("`{did}` is not a valid {method} DID: {reason}")]
    InvalidDid {
        /// The offending DID.
        did: String,
        /// The expected method.
        method: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A verification method's key could not be read.
    #[error("verification method `{id}`: {source}")]
    Key {
        /// The verification method id.
        id: String,
        /// The key error.
        #[source]
        source: KeyError,
    },
    /// A verification method has neither `publicKeyMultibase` nor `publicKeyJwk`.
    #[error("verification method `{0}` carries no public key")]
    NoPublicKey(String),
    /// The controller document names a verification method it does not contain.
    #[error("verification method `{0}` is not in the controller document")]
    UnknownMethod(String),
}

/// The `did:key` DID of a public key (`did:key:z6Mk…`).
pub fn did_key(public: &PublicKey) -> String {
    format!("did:key:{}", public.to_multikey())
}

/// The `did:key` verification method id of a public key (`did:key:z6Mk…#z6Mk…`).
pub fn did_key_method(public: &PublicKey) -> String {
    let mb = public.to_multikey();
    format!("did:key:{mb}#{mb}")
}

/// Reads the public key out of a `did:key` DID (or DID URL).
pub fn did_key_public_key(did: &str) -> Result<PublicKey, DidError> {
    let invalid = |reason: String| DidError::InvalidDid {
        did: did.to_owned(),
        method: "did:key",
        reason,
    };
    let base = did.split('#').next().unwrap_or(did);
    let mb = base
        .strip_prefix("did:key:")
        .ok_or_else(|| invalid("does not start with `did:key:`".into()))?;
    PublicKey::from_multikey(mb).map_err(|e| invalid(e.to_string()))
}

/// The controller document of a `did:key` DID: one Multikey verification method, usable for
/// every relationship.
pub fn did_key_document(did: &str) -> Result<ControllerDocument, DidError> {
    let public = did_key_public_key(did)?;
    let base = did_key(&public);
    let vm = did_key_method(&public);
    let method = VerificationMethod::multikey(&vm, &base, &public);
    let reference = || vec![MethodRef::Reference(vm.clone())];
    Ok(ControllerDocument {
        context: vec![
            DID_V1_CONTEXT.into(),
            civitas_jsonld::contexts::MULTIKEY_V1.into(),
        ],
        id: base,
        verification_method: vec![method],
        assertion_method: reference(),
        authentication: reference(),
        capability_invocation: reference(),
        capability_delegation: reference(),
        other: serde_json::Map::new(),
    })
}

/// `did:web:` DID for a host (with optional port) and path: `registry.gov.mu` →
/// `did:web:registry.gov.mu`; `localhost:8443` → `did:web:localhost%3A8443`.
pub fn did_web(host: &str, path: &[&str]) -> Result<String, DidError> {
    let invalid = |reason: &str| DidError::InvalidDid {
        did: host.to_owned(),
        method: "did:web",
        reason: reason.to_owned(),
    };
    if host.is_empty()
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
    {
        return Err(invalid("host must be a DNS name with an optional :port"));
    }
    let mut did = format!("did:web:{}", host.replace(':', "%3A"));
    for segment in path {
        if segment.is_empty() || segment.contains([':', '/', '#', '?']) {
            return Err(invalid(
                "path segments must be non-empty and not contain : / # ?",
            ));
        }
        did.push(':');
        did.push_str(segment);
    }
    Ok(did)
}

/// The HTTPS URL a `did:web` DID document is served at (`…/.well-known/did.json` for a bare host).
pub fn did_web_url(did: &str) -> Result<String, DidError> {
    let invalid = |reason: &str| DidError::InvalidDid {
        did: did.to_owned(),
        method: "did:web",
        reason: reason.to_owned(),
    };
    let rest = did
        .strip_prefix("did:web:")
        .ok_or_else(|| invalid("does not start with `did:web:`"))?;
    let mut parts = rest.split(':');
    let host = parts
        .next()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| invalid("no host"))?
        .replace("%3A", ":")
        .replace("%3a", ":");
    let path: Vec<&str> = parts.collect();
    if path.iter().any(|p| p.is_empty()) {
        return Err(invalid("empty path segment"));
    }
    Ok(if path.is_empty() {
        format!("https://{host}/.well-known/did.json")
    } else {
        format!("https://{host}/{}/did.json", path.join("/"))
    })
}

/// A verification method: a public key with an id and a controller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationMethod {
    /// The method id (a DID URL, or an absolute URL).
    pub id: String,
    /// `Multikey` or `JsonWebKey` (older `Ed25519VerificationKey2020`/`JsonWebKey2020` are read too).
    #[serde(rename = "type")]
    pub kind: String,
    /// The controller of the key.
    pub controller: String,
    /// The Multikey public key.
    #[serde(
        rename = "publicKeyMultibase",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub public_key_multibase: Option<String>,
    /// The public key as a JWK.
    #[serde(
        rename = "publicKeyJwk",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub public_key_jwk: Option<Jwk>,
}

impl VerificationMethod {
    /// A `Multikey` verification method.
    pub fn multikey(id: &str, controller: &str, public: &PublicKey) -> Self {
        Self {
            id: id.to_owned(),
            kind: "Multikey".into(),
            controller: controller.to_owned(),
            public_key_multibase: Some(public.to_multikey()),
            public_key_jwk: None,
        }
    }

    /// The public key this method carries.
    pub fn public_key(&self) -> Result<PublicKey, DidError> {
        let key_err = |source| DidError::Key {
            id: self.id.clone(),
            source,
        };
        if let Some(mb) = &self.public_key_multibase {
            return PublicKey::from_multikey(mb).map_err(key_err);
        }
        if let Some(jwk) = &self.public_key_jwk {
            return PublicKey::from_jwk(jwk).map_err(key_err);
        }
        Err(DidError::NoPublicKey(self.id.clone()))
    }
}

/// An entry of a verification relationship: a reference to a method, or a method embedded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MethodRef {
    /// A method id (absolute, or relative `#fragment`).
    Reference(String),
    /// An embedded method.
    Embedded(Box<VerificationMethod>),
}

impl MethodRef {
    /// The referenced or embedded method's id.
    pub fn id(&self) -> &str {
        match self {
            Self::Reference(id) => id,
            Self::Embedded(vm) => &vm.id,
        }
    }
}

/// The verification relationships civitas checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ProofPurpose {
    /// `assertionMethod`: issuing credentials and status lists.
    #[serde(rename = "assertionMethod")]
    AssertionMethod,
    /// `authentication`: proving control, e.g. a holder signing a presentation.
    #[serde(rename = "authentication")]
    Authentication,
}

impl ProofPurpose {
    /// The term used in proofs and controller documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AssertionMethod => "assertionMethod",
            Self::Authentication => "authentication",
        }
    }
}

impl std::fmt::Display for ProofPurpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A DID document or, more generally, a controlled identifier document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControllerDocument {
    /// JSON-LD contexts.
    #[serde(rename = "@context", default, skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<serde_json::Value>,
    /// The controller's identifier (a DID or URL).
    pub id: String,
    /// Verification methods.
    #[serde(
        rename = "verificationMethod",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub verification_method: Vec<VerificationMethod>,
    /// Methods allowed to issue.
    #[serde(
        rename = "assertionMethod",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub assertion_method: Vec<MethodRef>,
    /// Methods allowed to authenticate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authentication: Vec<MethodRef>,
    /// Methods allowed to invoke capabilities.
    #[serde(
        rename = "capabilityInvocation",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub capability_invocation: Vec<MethodRef>,
    /// Methods allowed to delegate capabilities.
    #[serde(
        rename = "capabilityDelegation",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub capability_delegation: Vec<MethodRef>,
    /// Any other members, kept as they are.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl ControllerDocument {
    /// An empty document for `id`, with the DID and Multikey contexts.
    pub fn new(id: &str) -> Self {
        Self {
            context: vec![
                DID_V1_CONTEXT.into(),
                civitas_jsonld::contexts::MULTIKEY_V1.into(),
            ],
            id: id.to_owned(),
            verification_method: Vec::new(),
            assertion_method: Vec::new(),
            authentication: Vec::new(),
            capability_invocation: Vec::new(),
            capability_delegation: Vec::new(),
            other: serde_json::Map::new(),
        }
    }

    /// Adds a Multikey verification method `#fragment` for `public`, allowed for `purposes`.
    /// Returns the method's full id.
    pub fn add_key(
        &mut self,
        fragment: &str,
        public: &PublicKey,
        purposes: &[ProofPurpose],
    ) -> String {
        let id = format!("{}#{}", self.id, fragment.trim_start_matches('#'));
        self.verification_method
            .push(VerificationMethod::multikey(&id, &self.id, public));
        for purpose in purposes {
            self.relationship_mut(*purpose)
                .push(MethodRef::Reference(id.clone()));
        }
        id
    }

    /// Removes `method_id` from the `purpose` relationship (the key stays listed, e.g. so that
    /// old signatures remain attributable after a rotation).
    pub fn revoke_purpose(&mut self, method_id: &str, purpose: ProofPurpose) {
        let absolute = self.absolute(method_id);
        let id = self.id.clone();
        self.relationship_mut(purpose)
            .retain(|r| absolute_id(&id, r.id()) != absolute);
    }

    fn relationship_mut(&mut self, purpose: ProofPurpose) -> &mut Vec<MethodRef> {
        match purpose {
            ProofPurpose::AssertionMethod => &mut self.assertion_method,
            ProofPurpose::Authentication => &mut self.authentication,
        }
    }

    /// The entries of a verification relationship.
    pub fn relationship(&self, purpose: ProofPurpose) -> &[MethodRef] {
        match purpose {
            ProofPurpose::AssertionMethod => &self.assertion_method,
            ProofPurpose::Authentication => &self.authentication,
        }
    }

    fn absolute(&self, id: &str) -> String {
        absolute_id(&self.id, id)
    }

    /// Whether `method_id` is allowed for `purpose` by this document.
    pub fn allows(&self, method_id: &str, purpose: ProofPurpose) -> bool {
        self.relationship(purpose)
            .iter()
            .any(|r| self.absolute(r.id()) == method_id)
    }

    /// The verification method `method_id`, listed or embedded in a relationship.
    pub fn method(&self, method_id: &str) -> Option<VerificationMethod> {
        let listed = self
            .verification_method
            .iter()
            .find(|vm| self.absolute(&vm.id) == method_id);
        let embedded = || {
            [
                &self.assertion_method,
                &self.authentication,
                &self.capability_invocation,
                &self.capability_delegation,
            ]
            .into_iter()
            .flatten()
            .find_map(|r| match r {
                MethodRef::Embedded(vm) if self.absolute(&vm.id) == method_id => Some(vm.as_ref()),
                _ => None,
            })
        };
        listed.or_else(embedded).map(|vm| {
            let mut vm = vm.clone();
            vm.id = self.absolute(&vm.id);
            vm.controller = self.absolute(&vm.controller);
            vm
        })
    }

    /// The public key of `method_id`, after checking that this document controls it.
    pub fn public_key(&self, method_id: &str) -> Result<PublicKey, DidError> {
        let vm = self
            .method(method_id)
            .ok_or_else(|| DidError::UnknownMethod(method_id.to_owned()))?;
        if vm.controller != self.id {
            return Err(DidError::UnknownMethod(format!(
                "{method_id} (its controller is {}, not {})",
                vm.controller, self.id
            )));
        }
        vm.public_key()
    }

    /// Every key listed in the document, by method id (keys that cannot be read are skipped).
    pub fn keys(&self) -> Vec<(String, PublicKey)> {
        self.verification_method
            .iter()
            .filter_map(|vm| Some((self.absolute(&vm.id), vm.public_key().ok()?)))
            .collect()
    }
}

fn absolute_id(base: &str, id: &str) -> String {
    if id.starts_with('#') {
        format!("{base}{id}")
    } else {
        id.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyAlgorithm, KeyPair};

    #[test]
    fn did_key_document_resolves_its_own_key() {
        for alg in [KeyAlgorithm::Ed25519, KeyAlgorithm::P256] {
            let public = KeyPair::generate(alg).public_key();
            let doc = did_key_document(&did_key(&public)).unwrap();
            let vm = did_key_method(&public);
            assert!(doc.allows(&vm, ProofPurpose::AssertionMethod));
            assert!(doc.allows(&vm, ProofPurpose::Authentication));
            assert_eq!(doc.public_key(&vm).unwrap(), public);
        }
        assert!(did_key_document("did:key:zXYZ").is_err());
        assert!(did_key_document("did:web:x").is_err());
    }

    #[test]
    fn did_web_documents_list_keys_by_purpose() {
        let did = did_web("registry.gov.example", &[]).unwrap();
        assert_eq!(did, "did:web:registry.gov.example");
        let mut doc = ControllerDocument::new(&did);
        let k1 = KeyPair::generate(KeyAlgorithm::Ed25519).public_key();
        let k2 = KeyPair::generate(KeyAlgorithm::P256).public_key();
        let id1 = doc.add_key("key-1", &k1, &[ProofPurpose::AssertionMethod]);
        let id2 = doc.add_key("key-2", &k2, &[]);
        assert!(doc.allows(&id1, ProofPurpose::AssertionMethod));
        assert!(!doc.allows(&id2, ProofPurpose::AssertionMethod));
        assert_eq!(doc.public_key(&id2).unwrap(), k2);
        doc.revoke_purpose(&id1, ProofPurpose::AssertionMethod);
        assert!(!doc.allows(&id1, ProofPurpose::AssertionMethod));
        let json = serde_json::to_string(&doc).unwrap();
        let back: ControllerDocument = serde_json::from_str(&json).unwrap();
        assert_eq!(back, doc);
    }

    #[test]
    fn did_web_urls() {
        assert_eq!(
            did_web_url("did:web:registry.gov.example").unwrap(),
            "https://registry.gov.example/.well-known/did.json"
        );
        assert_eq!(
            did_web_url("did:web:localhost%3A8443:issuers:birth").unwrap(),
            "https://localhost:8443/issuers/birth/did.json"
        );
        assert_eq!(
            did_web("localhost:8443", &["issuers", "birth"]).unwrap(),
            "did:web:localhost%3A8443:issuers:birth"
        );
        assert!(did_web_url("did:web:").is_err());
        assert!(did_web("bad host/", &[]).is_err());
    }

    #[test]
    fn relative_ids_and_foreign_controllers() {
        let public = KeyPair::generate(KeyAlgorithm::Ed25519).public_key();
        let doc: ControllerDocument = serde_json::from_value(serde_json::json!({
            "id": "did:web:a.example",
            "verificationMethod": [
                {"id": "#k1", "type": "Multikey", "controller": "did:web:a.example",
                 "publicKeyMultibase": public.to_multikey()},
                {"id": "#k2", "type": "Multikey", "controller": "did:web:evil.example",
                 "publicKeyMultibase": public.to_multikey()}
            ],
            "assertionMethod": ["#k1"]
        }))
        .unwrap();
        assert!(doc.allows("did:web:a.example#k1", ProofPurpose::AssertionMethod));
        assert_eq!(doc.public_key("did:web:a.example#k1").unwrap(), public);
        assert!(doc.public_key("did:web:a.example#k2").is_err());
        assert!(doc.public_key("did:web:a.example#k3").is_err());
    }
}
