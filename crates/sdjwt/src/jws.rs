//! The small compact-JWS reader and writer the three JWTs of this crate share (the issuer-signed
//! JWT, the KB-JWT and the status list token): unlike `civitas_core::jwt`, no `kid` is required
//! and the caller names the JWT in every error.

use civitas_keys::encoding;
use civitas_keys::keys::{KeyAlgorithm, PublicKey};
use civitas_keys::signer::Signer;
use serde_json::{Map, Value};

use crate::error::SdJwtError;

/// A decoded, not yet verified, compact JWS.
#[derive(Debug, Clone)]
pub(crate) struct Jws {
    pub header: Map<String, Value>,
    pub payload: Map<String, Value>,
    signing_input: String,
    signature: Vec<u8>,
}

/// Unpadded base64url decoding whose error names the part.
pub(crate) fn b64(what: impl Into<String>, text: &str) -> Result<Vec<u8>, SdJwtError> {
    encoding::decode_base64url(text).map_err(|e| SdJwtError::Base64 {
        what: what.into(),
        offset: match e {
            encoding::DecodeError::Base64 { offset } => offset,
            _ => 0,
        },
    })
}

/// Strict JSON (a repeated member name is refused).
pub(crate) fn json(what: impl Into<String>, bytes: &[u8]) -> Result<Value, SdJwtError> {
    civitas_jsonld::json::parse(bytes).map_err(|e| SdJwtError::Json {
        what: what.into(),
        reason: e.to_string(),
    })
}

fn object(what: &str, bytes: &[u8]) -> Result<Map<String, Value>, SdJwtError> {
    match json(what, bytes)? {
        Value::Object(o) => Ok(o),
        _ => Err(SdJwtError::Json {
            what: what.into(),
            reason: "not a JSON object".into(),
        }),
    }
}

/// Decodes `text` as a compact JWS (`what` names it in errors).
pub(crate) fn decode(what: &'static str, text: &str) -> Result<Jws, SdJwtError> {
    let parts: Vec<&str> = text.split('.').collect();
    let [h, p, s] = parts.as_slice() else {
        return Err(SdJwtError::JwsParts {
            what,
            count: parts.len(),
        });
    };
    let header = object(
        &format!("{what} header"),
        &b64(format!("{what} header"), h)?,
    )?;
    let payload = object(
        &format!("{what} payload"),
        &b64(format!("{what} payload"), p)?,
    )?;
    let signature = b64(format!("{what} signature"), s)?;
    Ok(Jws {
        header,
        payload,
        signing_input: format!("{h}.{p}"),
        signature,
    })
}

impl Jws {
    /// The header's `typ`.
    pub fn typ(&self) -> Option<&str> {
        self.header.get("typ").and_then(Value::as_str)
    }

    /// Checks `typ` is one of `accepted` (the first is named in the error); the `application/`
    /// prefix is equivalent (RFC 7515 §4.1.9).
    pub fn expect_typ(
        &self,
        what: &'static str,
        accepted: &[&'static str],
    ) -> Result<(), SdJwtError> {
        let typ = self
            .typ()
            .map(|t| t.strip_prefix("application/").unwrap_or(t));
        if typ.is_some_and(|t| accepted.iter().any(|a| a.eq_ignore_ascii_case(t))) {
            Ok(())
        } else {
            Err(SdJwtError::WrongType {
                what,
                expected: accepted.first().copied().unwrap_or_default(),
                found: self.typ().map(str::to_owned),
            })
        }
    }

    /// The header's `alg`, from the allow-list (EdDSA, ES256; never `none` or HMAC), and no
    /// header member civitas does not understand (`crit`) or would have to trust blindly.
    pub fn algorithm(&self, what: &'static str) -> Result<KeyAlgorithm, SdJwtError> {
        for member in ["crit", "jku", "x5u"] {
            if self.header.contains_key(member) {
                return Err(SdJwtError::UnsupportedHeader {
                    what,
                    member: member.into(),
                });
            }
        }
        match self.header.get("alg").and_then(Value::as_str) {
            Some("EdDSA") => Ok(KeyAlgorithm::Ed25519),
            Some("ES256") => Ok(KeyAlgorithm::P256),
            other => Err(SdJwtError::AlgorithmNotAllowed {
                what,
                alg: other.unwrap_or_default().to_owned(),
            }),
        }
    }

    /// Checks the allow-listed `alg` matches `key` and the signature verifies with it.
    pub fn verify_signature(&self, what: &'static str, key: &PublicKey) -> Result<(), SdJwtError> {
        let alg = self.algorithm(what)?;
        if alg != key.algorithm() {
            return Err(SdJwtError::AlgorithmMismatch {
                what,
                header: alg,
                key: key.algorithm(),
            });
        }
        key.verify(self.signing_input.as_bytes(), &self.signature)
            .map_err(|_| SdJwtError::BadSignature { what })
    }
}

/// Signs `payload` as a compact JWS with header `{alg, typ, kid?}`.
pub(crate) async fn sign(
    typ: &str,
    kid: Option<&str>,
    payload: &Map<String, Value>,
    signer: &dyn Signer,
) -> Result<String, SdJwtError> {
    let mut header = Map::new();
    header.insert("alg".into(), signer.algorithm().jose_alg().into());
    header.insert("typ".into(), typ.into());
    if let Some(kid) = kid {
        header.insert("kid".into(), kid.into());
    }
    let input = format!(
        "{}.{}",
        encoding::base64url(Value::Object(header).to_string().as_bytes()),
        encoding::base64url(Value::Object(payload.clone()).to_string().as_bytes())
    );
    let signature = signer.sign(input.as_bytes()).await?;
    Ok(format!("{input}.{}", encoding::base64url(&signature)))
}

/// An integer claim of `map`, `None` when absent; an error when present but not an integer.
pub(crate) fn int_claim(
    map: &Map<String, Value>,
    claim: &'static str,
) -> Result<Option<i64>, SdJwtError> {
    match map.get(claim) {
        None => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| SdJwtError::InvalidClaim {
                claim,
                reason: format!("not an integer number of seconds: {v}"),
            }),
    }
}
