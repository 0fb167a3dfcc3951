//! VC-JOSE: a credential secured as a compact JWS with `typ: vc+jwt` (EdDSA or ES256), the
//! credential itself being the JWT claims set.

use serde_json::{Map, Value, json};

use crate::credential::MAX_DOCUMENT_BYTES;
use civitas_keys::encoding;
use civitas_keys::keys::KeyAlgorithm;
use civitas_keys::resolver::{self, Resolver};
use civitas_keys::signer::{Signer, SignerError};

/// The media type (`typ`) of a credential secured as a JWT.
pub const VC_JWT_TYPE: &str = "vc+jwt";
/// The media type of a presentation secured as a JWT.
pub const VP_JWT_TYPE: &str = "vp+jwt";
/// The older draft `typ` that ssi and others still emit; accepted when verifying.
pub const VC_LD_JWT_TYPE: &str = "vc-ld+jwt";

/// Why a decoded JWT's signature does not verify ([`DecodedJwt::verify_signature`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtSignatureError {
    /// The `kid` does not resolve to a usable verification method (the resolver's error, a
    /// payload rather than a `#[source]` since the message includes it).
    #[error("verification method: {0}")]
    Method(resolver::ResolveError),
    /// The header's `alg` is not the algorithm of the key `kid` names.
    #[error("`alg` is {} but {kid} is a {key} key", header.jose_alg())]
    AlgorithmMismatch {
        /// The verification method (`kid`).
        kid: String,
        /// The algorithm in the protected header.
        header: KeyAlgorithm,
        /// The key's algorithm.
        key: KeyAlgorithm,
    },
    /// The signature does not verify with the key.
    #[error("the JWT signature does not match: it was altered or signed by another key")]
    Mismatch {
        /// The verification method (`kid`).
        kid: String,
    },
}

/// Why a JWT could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// Longer than [`MAX_DOCUMENT_BYTES`].
    #[error("the JWT is {size} bytes, more than the {max} allowed")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// Not three dot-separated parts.
    #[error("a compact JWS has 3 parts separated by `.`, this has {0} (truncated?)")]
    Parts(usize),
    /// A part is not base64url.
    #[error("JWT {part}: invalid base64url at byte {offset} of the part")]
    Base64 {
        /// `header`, `payload` or `signature`.
        part: &'static str,
        /// Offset inside the part.
        offset: usize,
    },
    /// The header or payload is not a JSON object.
    #[error("JWT {part} is not a JSON object: {reason}")]
    Json {
        /// `header` or `payload`.
        part: &'static str,
        /// Why.
        reason: String,
    },
    /// A header member is missing or wrong.
    #[error("JWT header: {0}")]
    Header(String),
    /// The signer failed.
    #[error(transparent)]
    Signer(#[from] SignerError),
}

/// A decoded (not yet verified) compact JWS.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedJwt {
    /// The protected header.
    pub header: Map<String, Value>,
    /// The payload (the credential or presentation).
    pub payload: Value,
    /// `alg`.
    pub algorithm: KeyAlgorithm,
    /// `kid`: the verification method.
    pub kid: String,
    /// `typ`, if present.
    pub typ: Option<String>,
    signing_input: String,
    signature: Vec<u8>,
}

fn alg_of(name: &str) -> Option<KeyAlgorithm> {
    match name {
        "EdDSA" | "Ed25519" => Some(KeyAlgorithm::Ed25519),
        "ES256" => Some(KeyAlgorithm::P256),
        _ => None,
    }
}

/// Secures `payload` (a credential) as a compact JWS with `typ: vc+jwt`.
pub async fn sign(payload: &Value, typ: &str, signer: &dyn Signer) -> Result<String, JwtError> {
    let header = json!({
        "alg": signer.algorithm().jose_alg(),
        "kid": signer.verification_method(),
        "typ": typ,
    });
    let header = serde_json::to_vec(&header).map_err(|e| JwtError::Json {
        part: "header",
        reason: e.to_string(),
    })?;
    let body = serde_json::to_vec(payload).map_err(|e| JwtError::Json {
        part: "payload",
        reason: e.to_string(),
    })?;
    let input = format!(
        "{}.{}",
        encoding::base64url(&header),
        encoding::base64url(&body)
    );
    let signature = signer.sign(input.as_bytes()).await?;
    Ok(format!("{input}.{}", encoding::base64url(&signature)))
}

/// Secures a credential as `vc+jwt`.
pub async fn sign_credential(credential: &Value, signer: &dyn Signer) -> Result<String, JwtError> {
    sign(credential, VC_JWT_TYPE, signer).await
}

/// Decodes a compact JWS without checking its signature.
pub fn decode(text: &str) -> Result<DecodedJwt, JwtError> {
    let text = text.trim();
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(JwtError::TooLarge {
            size: text.len(),
            max: MAX_DOCUMENT_BYTES,
        });
    }
    let parts: Vec<&str> = text.split('.').collect();
    let [h, p, s] = parts.as_slice() else {
        return Err(JwtError::Parts(parts.len()));
    };
    let b64 = |part: &'static str, t: &str| {
        encoding::decode_base64url(t).map_err(|e| match e {
            encoding::DecodeError::Base64 { offset } => JwtError::Base64 { part, offset },
            _ => JwtError::Base64 { part, offset: 0 },
        })
    };
    let json_object = |part: &'static str, bytes: &[u8]| -> Result<Value, JwtError> {
        let v: Value = civitas_jsonld::json::parse(bytes).map_err(|e| JwtError::Json {
            part,
            reason: e.to_string(),
        })?;
        if v.is_object() {
            Ok(v)
        } else {
            Err(JwtError::Json {
                part,
                reason: "not an object".into(),
            })
        }
    };
    let header = match json_object("header", &b64("header", h)?)? {
        Value::Object(o) => o,
        _ => return Err(JwtError::Header("not an object".into())),
    };
    let payload = json_object("payload", &b64("payload", p)?)?;
    let signature = b64("signature", s)?;
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .ok_or_else(|| JwtError::Header("`alg` is missing".into()))?;
    let algorithm = alg_of(alg)
        .ok_or_else(|| JwtError::Header(format!("`alg` {alg} is not supported (EdDSA, ES256)")))?;
    let kid = header
        .get("kid")
        .and_then(Value::as_str)
        .ok_or_else(|| JwtError::Header("`kid` (the verification method) is missing".into()))?
        .to_owned();
    let typ = header.get("typ").and_then(Value::as_str).map(str::to_owned);
    Ok(DecodedJwt {
        header,
        payload,
        algorithm,
        kid,
        typ,
        signing_input: format!("{h}.{p}"),
        signature,
    })
}

/// Whether `text` looks like a compact JWS (three base64url parts).
pub fn looks_like_jws(text: &str) -> bool {
    let t = text.trim();
    t.split('.').count() == 3
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

impl DecodedJwt {
    /// Checks the signature with the key `kid` names; `Err` says why it does not verify.
    pub async fn verify_signature(&self, resolver: &dyn Resolver) -> Result<(), JwtSignatureError> {
        let (_, key) = resolver::resolve_method(resolver, &self.kid)
            .await
            .map_err(JwtSignatureError::Method)?;
        if key.algorithm() != self.algorithm {
            return Err(JwtSignatureError::AlgorithmMismatch {
                kid: self.kid.clone(),
                header: self.algorithm,
                key: key.algorithm(),
            });
        }
        key.verify(self.signing_input.as_bytes(), &self.signature)
            .map_err(|_| JwtSignatureError::Mismatch {
                kid: self.kid.clone(),
            })
    }
}
