//! The compact form of a civil-registry credential, for the QR code printed on the document:
//! the credential's claims as CBOR with short keys, signed as COSE_Sign1 by the issuer's key,
//! zlib-compressed, Base45-encoded and prefixed `CV1:` — every character is in the QR
//! alphanumeric alphabet.
//!
//! ```text
//! CV1:<Base45( zlib( COSE_Sign1( protected {alg, kid}, payload = CBOR claims ) ) )>
//! ```
//!
//! The compact form carries the same claims as the full credential: id, issuer, validity, the
//! whole `credentialSubject` and the status entries, so that a verifier rebuilds the credential
//! ([`CompactCredential::to_credential_json`]) and runs the same trust, validity, status and
//! schema checks as for the full one. The format is specified in SPEC.md §13.
//!
//! ```
//! use civitas_qr::compact;
//! use civitas_core::{credential::CredentialBuilder, model::{DocumentType, sample}};
//! use civitas_keys::{keys::{KeyAlgorithm, KeyPair}, resolver::OfflineResolver, signer::LocalSigner};
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let signer = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
//! let birth = DocumentType::named("BirthCertificate")?;
//! let credential = CredentialBuilder::new(signer.controller())
//!     .document(&birth, sample(&birth).expect("a sample"))
//!     .build()?;
//!
//! // The text for the QR code.
//! let text = compact::encode(&credential, &signer).await?;
//! assert!(text.starts_with("CV1:"));
//!
//! // A verifier reads it back, checks the signature and rebuilds the credential.
//! let read = compact::decode(&text)?;
//! read.verify_signature(&OfflineResolver::new()).await?;
//! assert_eq!(read.to_credential_json(), *credential.json());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

pub mod base45;
mod check;
pub mod claims;
pub mod cose;
pub mod deflate;

pub use check::{check_compact, check_compact_text};

use serde_json::Value;

use civitas_core::credential::{Credential, SyntaxError};
use civitas_core::model::DocumentType;
use civitas_core::report::Outcome;
use civitas_keys::did::ProofPurpose;
use civitas_keys::keys::KeyAlgorithm;
use civitas_keys::resolver::{self, Resolver};
use civitas_keys::signer::{Signer, SignerError};

/// The prefix of version 1 of the compact form.
pub const PREFIX: &str = "CV1:";

/// `Report::secured_with` for a compact credential.
pub const SECURED_WITH: &str = "cose-compact";

/// Longest compact text accepted, in characters: what a version 40 QR code holds in
/// alphanumeric mode at error-correction level L.
pub const MAX_TEXT_CHARS: usize = 4296;

/// Largest compressed payload: what [`MAX_TEXT_CHARS`] of Base45 can carry.
pub const MAX_COMPRESSED_BYTES: usize = (MAX_TEXT_CHARS - PREFIX.len()) / 3 * 2 + 1;

/// Hard cap on the inflated COSE message: inflating stops there.
pub const MAX_INFLATED_BYTES: usize = 16 * 1024;

/// Why a credential has no compact form, or a compact text cannot be read or verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompactError {
    /// Longer than [`MAX_TEXT_CHARS`].
    #[error("the compact text is {len} characters, more than the {max} a QR code can hold")]
    TooLong {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The text does not start with `CV1:`.
    #[error(
        "not a civitas compact credential: it does not start with `{PREFIX}` (found {found:?})"
    )]
    Prefix {
        /// The first characters found.
        found: String,
    },
    /// A later version of the compact form.
    #[error(
        "compact credential version `{version}` is not supported (this verifier reads {PREFIX})"
    )]
    Version {
        /// The prefix found (e.g. `CV2:`).
        version: String,
    },
    /// Not Base45.
    #[error("compact text: {0}")]
    Base45(#[from] base45::Base45Error),
    /// Not a valid zlib stream.
    #[error(transparent)]
    Inflate(#[from] deflate::InflateError),
    /// Not a COSE_Sign1 message civitas accepts.
    #[error(transparent)]
    Cose(#[from] cose::CoseError),
    /// The claims do not follow the key table.
    #[error("compact claims: `{path}`: {reason}")]
    Claims {
        /// Where, as a dotted path in the rebuilt credential (`credentialSubject.mother`).
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The rebuilt credential breaks the VC data model.
    #[error("the rebuilt credential is not valid: {0}")]
    Rebuilt(#[from] SyntaxError),
    /// The credential has something the compact form cannot carry.
    #[error("no compact form: `{pointer}`: {reason}")]
    NotRepresentable {
        /// JSON pointer to the member.
        pointer: String,
        /// Why.
        reason: String,
    },
    /// The message (before or after compression) is too large for a QR code.
    #[error("the compact payload is {size} bytes, more than the {max} allowed")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The signer failed.
    #[error(transparent)]
    Signer(#[from] SignerError),
    /// The signer returned a signature that its own public key does not verify.
    #[error("signer `{method}` returned a signature its public key does not verify")]
    SelfCheck {
        /// The signer's verification method.
        method: String,
    },
    /// The `kid` could not be resolved to a key.
    #[error("cannot resolve the signing key `{kid}`: {reason}")]
    Resolve {
        /// The verification method.
        kid: String,
        /// Why.
        reason: String,
    },
    /// `alg` does not match the key `kid` names.
    #[error("`alg` is {header} but {kid} is a {key} key")]
    AlgorithmMismatch {
        /// The verification method.
        kid: String,
        /// The algorithm in the protected header.
        header: KeyAlgorithm,
        /// The key's algorithm.
        key: KeyAlgorithm,
    },
    /// The COSE signature does not verify.
    #[error(
        "the COSE signature does not verify with {kid}: the compact credential was altered or signed by another key"
    )]
    BadSignature {
        /// The verification method.
        kid: String,
    },
}

/// Sizes of the layers of a compact credential, in bytes (and characters for the text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompactSizes {
    /// The CBOR claims (the COSE payload).
    pub claims: usize,
    /// The COSE_Sign1 message.
    pub cose: usize,
    /// The zlib-compressed message: the payload budget is counted here.
    pub compressed: usize,
    /// The whole text, prefix included.
    pub text: usize,
}

/// A compact credential read from its text: parsed and structurally checked, signature not yet
/// verified.
#[derive(Debug, Clone, PartialEq)]
pub struct CompactCredential {
    algorithm: KeyAlgorithm,
    kid: String,
    document_type: DocumentType,
    credential: Value,
    to_be_signed: Vec<u8>,
    signature: Vec<u8>,
    sizes: CompactSizes,
}

/// Encodes `credential` in compact form, signed by `signer` (the issuer's key). Any proof on the
/// credential is ignored: the compact form carries its own signature.
pub async fn encode(credential: &Credential, signer: &dyn Signer) -> Result<String, CompactError> {
    let method = signer.verification_method();
    let claims = claims::encode(credential, method)?;
    let protected = cose::protected_header(signer.algorithm(), method)?;
    let tbs = cose::sig_structure(&protected, &claims)?;
    let signature = signer.sign(&tbs).await?;
    if signer.public_key().verify(&tbs, &signature).is_err() {
        return Err(CompactError::SelfCheck {
            method: method.to_owned(),
        });
    }
    let message = cose::sign1(&protected, &claims, &signature)?;
    if message.len() > MAX_INFLATED_BYTES {
        return Err(CompactError::TooLarge {
            size: message.len(),
            max: MAX_INFLATED_BYTES,
        });
    }
    let compressed = deflate::compress(&message)?;
    // What is handed out must be what every decoder accepts (one Huffman block, zero padding).
    if deflate::inflate(&compressed, MAX_INFLATED_BYTES)? != message {
        return Err(deflate::InflateError::Corrupt {
            reason: "the compressor's output does not inflate to its input",
        }
        .into());
    }
    if compressed.len() > MAX_COMPRESSED_BYTES {
        return Err(CompactError::TooLarge {
            size: compressed.len(),
            max: MAX_COMPRESSED_BYTES,
        });
    }
    Ok(format!("{PREFIX}{}", base45::encode(&compressed)))
}

/// Whether `text` looks like a compact credential (starts with a `CV<n>:` prefix).
pub fn looks_like_compact(text: &str) -> bool {
    version_prefix(text.trim_start_matches(['\r', '\n', '\t'])).is_some()
}

fn version_prefix(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("CV")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0 && rest.as_bytes().get(digits) == Some(&b':')).then(|| &text[..digits + 3])
}

/// Reads a compact text: prefix, Base45, inflation (capped), COSE_Sign1 structure and claims.
/// The signature is not checked here: see [`CompactCredential::verify_signature`].
///
/// Line breaks and tabs around the text are ignored (spaces are Base45 characters).
pub fn decode(text: &str) -> Result<CompactCredential, CompactError> {
    let text = text.trim_matches(['\r', '\n', '\t']);
    if text.len() > MAX_TEXT_CHARS {
        return Err(CompactError::TooLong {
            len: text.len(),
            max: MAX_TEXT_CHARS,
        });
    }
    let Some(body) = text.strip_prefix(PREFIX) else {
        return Err(match version_prefix(text) {
            Some(version) => CompactError::Version {
                version: version.to_owned(),
            },
            None => CompactError::Prefix {
                found: text.chars().take(8).collect(),
            },
        });
    };
    let compressed = base45::decode(body)?;
    let message = deflate::inflate(&compressed, MAX_INFLATED_BYTES)?;
    let sign1 = cose::parse(&message)?;
    let decoded = claims::decode(&sign1.payload, &sign1.kid)?;
    let to_be_signed = cose::sig_structure(&sign1.protected, &sign1.payload)?;
    Ok(CompactCredential {
        algorithm: sign1.algorithm,
        kid: sign1.kid,
        document_type: decoded.document_type,
        credential: decoded.credential,
        to_be_signed,
        signature: sign1.signature,
        sizes: CompactSizes {
            claims: sign1.payload.len(),
            cose: message.len(),
            compressed: compressed.len(),
            text: text.len(),
        },
    })
}

impl CompactCredential {
    /// The signature algorithm (protected header `alg`).
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// The verification method that signed (protected header `kid`).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The document type.
    pub fn document_type(&self) -> DocumentType {
        self.document_type.clone()
    }

    /// The issuer.
    pub fn issuer(&self) -> &str {
        self.credential
            .get("issuer")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The credential id, if it has one.
    pub fn id(&self) -> Option<&str> {
        self.credential.get("id").and_then(Value::as_str)
    }

    /// The sizes of each layer.
    pub fn sizes(&self) -> CompactSizes {
        self.sizes
    }

    /// The rebuilt credential (same id, issuer, type, validity, subject and status entries as
    /// the credential it was made from; no proof).
    pub fn credential_json(&self) -> &Value {
        &self.credential
    }

    /// The rebuilt credential, owned. See [`CompactCredential::credential_json`].
    pub fn to_credential_json(&self) -> Value {
        self.credential.clone()
    }

    /// The rebuilt credential, checked against the VC data model.
    pub fn to_credential(&self) -> Result<Credential, CompactError> {
        Ok(Credential::from_value(self.credential.clone())?)
    }

    /// Checks the COSE signature with the key `kid` resolves to.
    ///
    /// This says the text was signed by that key; whether the key belongs to the issuer is
    /// [`CompactCredential::check_issuer_binding`], whether the issuer is trusted is the
    /// verifier's policy.
    pub async fn verify_signature(&self, resolver: &dyn Resolver) -> Result<(), CompactError> {
        let (_, key) = resolver::resolve_method(resolver, &self.kid)
            .await
            .map_err(|e| CompactError::Resolve {
                kid: self.kid.clone(),
                reason: e.to_string(),
            })?;
        if key.algorithm() != self.algorithm {
            return Err(CompactError::AlgorithmMismatch {
                kid: self.kid.clone(),
                header: self.algorithm,
                key: key.algorithm(),
            });
        }
        key.verify(&self.to_be_signed, &self.signature)
            .map_err(|_| CompactError::BadSignature {
                kid: self.kid.clone(),
            })
    }

    /// Checks that the issuer allows `kid` for `assertionMethod`.
    pub async fn check_issuer_binding(
        &self,
        resolver: &dyn Resolver,
    ) -> Result<(), resolver::RelationshipError> {
        resolver::check_relationship(
            resolver,
            self.issuer(),
            &self.kid,
            ProofPurpose::AssertionMethod,
        )
        .await
    }

    /// [`CompactCredential::verify_signature`] as a report outcome (the `Signature` check).
    pub async fn signature_outcome(&self, resolver: &dyn Resolver) -> Outcome {
        match self.verify_signature(resolver).await {
            Ok(()) => Outcome::passed(format!(
                "COSE_Sign1 {} signature by {}",
                self.algorithm.jose_alg(),
                self.kid
            )),
            Err(e) => Outcome::failed(e.to_string()),
        }
    }

    /// [`CompactCredential::check_issuer_binding`] as a report outcome (the `IssuerBinding`
    /// check).
    pub async fn binding_outcome(&self, resolver: &dyn Resolver) -> Outcome {
        Outcome::from_result(
            self.check_issuer_binding(resolver)
                .await
                .map(|()| format!("{} is an assertion key of the issuer", self.kid)),
        )
    }
}
