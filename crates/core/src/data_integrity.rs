//! W3C Data Integrity proofs with the `eddsa-rdfc-2022` (Ed25519) and `ecdsa-rdfc-2019` (P-256)
//! cryptosuites: adding a proof (alone, to a proof set, or chained with `previousProof`) and
//! verifying every proof of a document.
//!
//! The algorithm (both suites): canonicalize the document without `proof` and the proof options
//! (with the document's `@context`) with RDFC-1.0, hash each with SHA-256, sign
//! `hash(options) ‖ hash(document)`, and encode the signature as multibase base58btc.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::credential::{format_datetime, one_or_many, parse_datetime};
use crate::self_check::Unchecked;
use civitas_jsonld::canon::{self, CanonError};
use civitas_jsonld::contexts::ContextLoader;
use civitas_jsonld::member::Member;
use civitas_jsonld::member::without_proof;
use civitas_keys::did::ProofPurpose;
use civitas_keys::encoding;
use civitas_keys::keys::KeyAlgorithm;
use civitas_keys::resolver::{self, Resolver};
use civitas_keys::signer::{Signer, SignerError};

/// The proof type of every Data Integrity proof.
pub const PROOF_TYPE: &str = "DataIntegrityProof";

/// The cryptosuites civitas signs and verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Cryptosuite {
    /// `eddsa-rdfc-2022`: Ed25519 over RDFC-1.0 (the default).
    #[serde(rename = "eddsa-rdfc-2022")]
    EddsaRdfc2022,
    /// `ecdsa-rdfc-2019`: ECDSA P-256 over RDFC-1.0.
    #[serde(rename = "ecdsa-rdfc-2019")]
    EcdsaRdfc2019,
}

impl Cryptosuite {
    /// The suite's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::EddsaRdfc2022 => "eddsa-rdfc-2022",
            Self::EcdsaRdfc2019 => "ecdsa-rdfc-2019",
        }
    }

    /// The key algorithm the suite needs.
    pub fn algorithm(self) -> KeyAlgorithm {
        match self {
            Self::EddsaRdfc2022 => KeyAlgorithm::Ed25519,
            Self::EcdsaRdfc2019 => KeyAlgorithm::P256,
        }
    }

    /// The suite for a key algorithm.
    pub fn for_algorithm(algorithm: KeyAlgorithm) -> Self {
        match algorithm {
            KeyAlgorithm::Ed25519 => Self::EddsaRdfc2022,
            KeyAlgorithm::P256 => Self::EcdsaRdfc2019,
        }
    }

    /// Parses a suite name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "eddsa-rdfc-2022" => Some(Self::EddsaRdfc2022),
            "ecdsa-rdfc-2019" => Some(Self::EcdsaRdfc2019),
            _ => None,
        }
    }
}

/// Options of a new proof.
#[derive(Debug, Clone)]
pub struct ProofOptions {
    /// The cryptosuite; default: the one for the signer's key.
    pub cryptosuite: Option<Cryptosuite>,
    /// `created`; default: now. `None` inside [`ProofOptions::omit_created`] leaves it out.
    pub created: Option<DateTime<Utc>>,
    /// Leave `created` out entirely.
    pub omit_created: bool,
    /// The proof purpose; default `assertionMethod`.
    pub purpose: ProofPurpose,
    /// An `id` for the proof (needed if later proofs chain to it).
    pub id: Option<String>,
    /// Ids of earlier proofs this one chains to (`previousProof`).
    pub previous_proof: Vec<String>,
    /// A verifier's challenge (presentations).
    pub challenge: Option<String>,
    /// The verifier's domain (presentations).
    pub domain: Option<String>,
    /// When the proof stops being acceptable.
    pub expires: Option<DateTime<Utc>>,
}

impl Default for ProofOptions {
    fn default() -> Self {
        Self {
            cryptosuite: None,
            created: None,
            omit_created: false,
            purpose: ProofPurpose::AssertionMethod,
            id: None,
            previous_proof: Vec::new(),
            challenge: None,
            domain: None,
            expires: None,
        }
    }
}

impl ProofOptions {
    /// Options for a holder's presentation proof: `authentication`, with challenge and domain.
    pub fn authentication(challenge: Option<&str>, domain: Option<&str>) -> Self {
        Self {
            purpose: ProofPurpose::Authentication,
            challenge: challenge.map(str::to_owned),
            domain: domain.map(str::to_owned),
            ..Self::default()
        }
    }
}

/// Why a proof could not be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The document is not a JSON object.
    #[error("only a JSON object can be secured")]
    NotAnObject,
    /// Canonicalization failed (unknown context, undefined term, ...).
    #[error(transparent)]
    Canonicalization(#[from] CanonError),
    /// The signer failed.
    #[error(transparent)]
    Signer(#[from] SignerError),
    /// The cryptosuite does not fit the signer's key.
    #[error("cryptosuite {suite} needs a {needs} key, the signer holds {has}")]
    AlgorithmMismatch {
        /// The suite.
        suite: &'static str,
        /// The algorithm it needs.
        needs: KeyAlgorithm,
        /// The signer's.
        has: KeyAlgorithm,
    },
    /// A `previousProof` id names no existing proof.
    #[error("previousProof `{0}` names no proof of the document")]
    UnknownPreviousProof(String),
    /// The signature the signer produced does not verify with its own public key.
    #[error("the signer's signature does not verify with its public key")]
    SelfCheckFailed,
}

/// Why a proof does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofFailure {
    /// A required member is missing or malformed.
    #[error("malformed proof: {0}")]
    Malformed(String),
    /// Not a `DataIntegrityProof` with a supported cryptosuite.
    #[error("unsupported proof: {0}")]
    Unsupported(String),
    /// The verification method could not be resolved to a key.
    #[error("verification method: {0}")]
    Key(String),
    /// The key does not fit the cryptosuite.
    #[error("cryptosuite {suite} needs a {needs} key, {method} is {has}")]
    AlgorithmMismatch {
        /// The suite.
        suite: &'static str,
        /// The algorithm it needs.
        needs: KeyAlgorithm,
        /// The method.
        method: String,
        /// The method's algorithm.
        has: KeyAlgorithm,
    },
    /// The document could not be canonicalized.
    #[error(transparent)]
    Canonicalization(#[from] CanonError),
    /// A `previousProof` is not in the document.
    #[error("previousProof `{0}` is not in the document")]
    MissingPreviousProof(String),
    /// The signature does not match.
    #[error("the signature does not match the document: it was altered or signed by another key")]
    BadSignature,
    /// The proof's `expires` has passed.
    #[error("the proof expired at {0}")]
    Expired(String),
}

/// The outcome of checking one proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofVerification {
    /// Position in the proof set.
    pub index: usize,
    /// The proof's `id`.
    pub id: Option<String>,
    /// The proof's `verificationMethod`.
    pub verification_method: Option<String>,
    /// The proof's `proofPurpose`.
    pub purpose: Option<String>,
    /// The proof's `cryptosuite`.
    pub cryptosuite: Option<String>,
    /// The proof's `challenge`.
    pub challenge: Option<String>,
    /// The proof's `domain` values.
    pub domains: Vec<String>,
    /// Whether the signature checks out.
    pub result: Result<(), ProofFailure>,
}

/// What the suites sign: the hash of the canonical proof options, then that of the canonical
/// document.
fn hash_data(options_digest: &[u8; 32], document_digest: &[u8; 32]) -> [u8; 64] {
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(options_digest);
    out[32..].copy_from_slice(document_digest);
    out
}

/// SHA-256 of the canonical proof options of `proof` (without `proofValue`, with the
/// document's `@context`); on the fast path without building them as a JSON value.
async fn options_digest(
    proof: &Value,
    document: &Value,
    loader: &ContextLoader,
) -> Result<[u8; 32], CanonError> {
    let Some(members) = proof.as_object() else {
        return Err(CanonError::Expansion(
            "proof options must be an object".into(),
        ));
    };
    let top = canon::TopLevel {
        skip: &["proofValue", "@context"],
        context: Some(document.member("@context")),
    };
    canon::digest_of(
        proof,
        top,
        || options_with_context(members, document),
        loader,
    )
    .await
}

/// The document that a proof signs: without `proof`, or with the chained previous proofs.
fn document_for(
    document: &Value,
    previous: &[String],
    existing: &[&Value],
) -> Result<Value, String> {
    let mut unsecured = without_proof(document);
    if !previous.is_empty() {
        let mut matching = Vec::new();
        for id in previous {
            let proof = existing
                .iter()
                .find(|p| p.member("id").and_then(Value::as_str) == Some(id))
                .ok_or_else(|| id.clone())?;
            matching.push((*proof).clone());
        }
        if let Some(o) = unsecured.as_object_mut() {
            o.insert("proof".into(), Value::Array(matching));
        }
    }
    Ok(unsecured)
}

fn options_with_context(proof: &Map<String, Value>, document: &Value) -> Value {
    let mut config = Map::new();
    if let Some(ctx) = document.member("@context") {
        config.insert("@context".into(), ctx.clone());
    }
    for (k, v) in proof {
        if k != "proofValue" && k != "@context" {
            config.insert(k.clone(), v.clone());
        }
    }
    Value::Object(config)
}

/// Canonical N-Quads of the document a new proof with `options` would sign, and of the proof
/// options: what the W3C test vectors call `canonDoc` and `proofCanon`.
pub async fn canonical_forms(
    document: &Value,
    proof_options: &Value,
    loader: &ContextLoader,
) -> Result<(String, String), CanonError> {
    let doc = canon::canonicalize(&without_proof(document), loader).await?;
    let opts = match proof_options.as_object() {
        Some(o) => canon::canonicalize(&options_with_context(o, document), loader).await?,
        None => {
            return Err(CanonError::Expansion(
                "proof options must be an object".into(),
            ));
        }
    };
    Ok((doc, opts))
}

/// Adds a Data Integrity proof to `document`, signed by `signer`. If the document already has
/// proofs, the new one joins the proof set (and chains to those named in `previous_proof`).
pub async fn add_proof(
    document: &Value,
    signer: &dyn Signer,
    options: &ProofOptions,
    loader: &ContextLoader,
) -> Result<Value, ProofError> {
    let proof = make_proof(document, signer, options, loader)
        .await?
        .check()?;
    attach_proof(document.clone(), proof)
}

/// [`add_proof`] for a document the caller gives away: the proof is added to it in place.
pub async fn add_proof_to(
    document: Value,
    signer: &dyn Signer,
    options: &ProofOptions,
    loader: &ContextLoader,
) -> Result<Value, ProofError> {
    add_proof_to_unchecked(document, signer, options, loader)
        .await?
        .check()
}

/// [`add_proof_to`] whose new signature is still to be checked with the signer's public key:
/// with [`Unchecked::check`], or with the others of a batch by [`crate::self_check::check_all`].
pub async fn add_proof_to_unchecked(
    document: Value,
    signer: &dyn Signer,
    options: &ProofOptions,
    loader: &ContextLoader,
) -> Result<Unchecked<Value>, ProofError> {
    let proof = make_proof(&document, signer, options, loader).await?;
    proof.try_map(|proof| attach_proof(document, proof))
}

/// The signed proof object [`add_proof`] adds to `document`, its signature not yet checked.
async fn make_proof(
    document: &Value,
    signer: &dyn Signer,
    options: &ProofOptions,
    loader: &ContextLoader,
) -> Result<Unchecked<Value>, ProofError> {
    if !document.is_object() {
        return Err(ProofError::NotAnObject);
    }
    let suite = options
        .cryptosuite
        .unwrap_or_else(|| Cryptosuite::for_algorithm(signer.algorithm()));
    if suite.algorithm() != signer.algorithm() {
        return Err(ProofError::AlgorithmMismatch {
            suite: suite.name(),
            needs: suite.algorithm(),
            has: signer.algorithm(),
        });
    }
    let mut proof = Map::new();
    if let Some(id) = &options.id {
        proof.insert("id".into(), id.clone().into());
    }
    proof.insert("type".into(), PROOF_TYPE.into());
    proof.insert("cryptosuite".into(), suite.name().into());
    if !options.omit_created {
        let created = options.created.unwrap_or_else(Utc::now);
        proof.insert("created".into(), format_datetime(created).into());
    }
    if let Some(expires) = options.expires {
        proof.insert("expires".into(), format_datetime(expires).into());
    }
    proof.insert(
        "verificationMethod".into(),
        signer.verification_method().into(),
    );
    proof.insert("proofPurpose".into(), options.purpose.as_str().into());
    if let Some(c) = &options.challenge {
        proof.insert("challenge".into(), c.clone().into());
    }
    if let Some(d) = &options.domain {
        proof.insert("domain".into(), d.clone().into());
    }
    match options.previous_proof.as_slice() {
        [] => {}
        [one] => {
            proof.insert("previousProof".into(), one.clone().into());
        }
        many => {
            proof.insert("previousProof".into(), many.to_vec().into());
        }
    }
    let document_digest = if options.previous_proof.is_empty() {
        canon::digest_without_proof(document, loader).await?
    } else {
        let existing = one_or_many(document.member("proof"));
        let unsecured = document_for(document, &options.previous_proof, &existing)
            .map_err(ProofError::UnknownPreviousProof)?;
        canon::digest(&unsecured, loader).await?
    };
    let mut proof = Value::Object(proof);
    let data = hash_data(
        &options_digest(&proof, document, loader).await?,
        &document_digest,
    );
    let signature = signer.sign(&data).await?;
    if let Some(members) = proof.as_object_mut() {
        members.insert(
            "proofValue".into(),
            encoding::multibase_base58(&signature).into(),
        );
    }
    Ok(Unchecked::signed(
        proof,
        signer.public_key(),
        data.to_vec(),
        signature,
    ))
}

/// `secured` with `proof` added to its `proof` member (made an array if it had one already).
fn attach_proof(mut secured: Value, proof: Value) -> Result<Value, ProofError> {
    let obj = secured.as_object_mut().ok_or(ProofError::NotAnObject)?;
    match obj.get_mut("proof") {
        None => {
            obj.insert("proof".into(), proof);
        }
        Some(Value::Array(items)) => items.push(proof),
        Some(one) => {
            let first = one.take();
            *one = Value::Array(vec![first, proof]);
        }
    }
    Ok(secured)
}

fn string_list(value: Option<&Value>) -> Vec<String> {
    one_or_many(value)
        .into_iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// Verifies every proof of `document`. The result lists one entry per proof; a document with
/// no proof gives an empty list.
pub async fn verify_proofs(
    document: &Value,
    resolver: &dyn Resolver,
    loader: &ContextLoader,
    now: DateTime<Utc>,
) -> Vec<ProofVerification> {
    let proofs = one_or_many(document.member("proof"));
    let mut plain_digest: Option<Result<[u8; 32], CanonError>> = None;
    let mut results = Vec::with_capacity(proofs.len());
    for (index, proof) in proofs.iter().enumerate() {
        let get = |k: &str| proof.member(k).and_then(Value::as_str).map(str::to_owned);
        let mut v = ProofVerification {
            index,
            id: get("id"),
            verification_method: get("verificationMethod"),
            purpose: get("proofPurpose"),
            cryptosuite: get("cryptosuite"),
            challenge: get("challenge"),
            domains: string_list(proof.member("domain")),
            result: Ok(()),
        };
        let previous = string_list(proof.member("previousProof"));
        let document_digest = if previous.is_empty() {
            match &plain_digest {
                Some(d) => d.clone(),
                None => {
                    let d = canon::digest_without_proof(document, loader).await;
                    plain_digest = Some(d.clone());
                    d
                }
            }
        } else {
            match document_for(document, &previous, &proofs) {
                Ok(doc) => canon::digest(&doc, loader).await,
                Err(id) => {
                    v.result = Err(ProofFailure::MissingPreviousProof(id));
                    results.push(v);
                    continue;
                }
            }
        };
        v.result = match document_digest {
            Ok(digest) => verify_one(document, proof, &digest, resolver, loader, now).await,
            Err(e) => Err(e.into()),
        };
        results.push(v);
    }
    results
}

/// Length of an `eddsa-rdfc-2022` (Ed25519) and an `ecdsa-rdfc-2019` (P-256, r ‖ s) signature.
const SIGNATURE_BYTES: usize = 64;

async fn verify_one(
    document: &Value,
    proof: &Value,
    document_digest: &[u8; 32],
    resolver: &dyn Resolver,
    loader: &ContextLoader,
    now: DateTime<Utc>,
) -> Result<(), ProofFailure> {
    let obj = proof
        .as_object()
        .ok_or_else(|| ProofFailure::Malformed("a proof must be an object".into()))?;
    let field = |k: &str| {
        obj.member(k)
            .and_then(Value::as_str)
            .ok_or_else(|| ProofFailure::Malformed(format!("`{k}` is missing or not a string")))
    };
    let kind = field("type")?;
    if kind != PROOF_TYPE {
        return Err(ProofFailure::Unsupported(format!(
            "proof type `{kind}` (civitas verifies {PROOF_TYPE})"
        )));
    }
    let suite_name = field("cryptosuite")?;
    let suite = Cryptosuite::from_name(suite_name).ok_or_else(|| {
        ProofFailure::Unsupported(format!(
            "cryptosuite `{suite_name}` (civitas verifies eddsa-rdfc-2022 and ecdsa-rdfc-2019)"
        ))
    })?;
    let method = field("verificationMethod")?;
    field("proofPurpose")?;
    for (key, pointer) in [("created", "/proof/created"), ("expires", "/proof/expires")] {
        if let Some(v) = obj.member(key) {
            let t =
                parse_datetime(pointer, v).map_err(|e| ProofFailure::Malformed(e.to_string()))?;
            if key == "expires" && t < now {
                return Err(ProofFailure::Expired(format_datetime(t)));
            }
        }
    }
    let signature =
        encoding::decode_multibase_base58_at_most(field("proofValue")?, SIGNATURE_BYTES)
            .map_err(|e| ProofFailure::Malformed(format!("`proofValue`: {e}")))?;
    let (_, key) = resolver::resolve_method(resolver, method)
        .await
        .map_err(|e| ProofFailure::Key(e.to_string()))?;
    if key.algorithm() != suite.algorithm() {
        return Err(ProofFailure::AlgorithmMismatch {
            suite: suite.name(),
            needs: suite.algorithm(),
            method: method.to_owned(),
            has: key.algorithm(),
        });
    }
    let data = hash_data(
        &options_digest(proof, document, loader).await?,
        document_digest,
    );
    key.verify(&data, &signature)
        .map_err(|_| ProofFailure::BadSignature)
}
