//! Validation of a `jwt` key proof (OpenID4VCI 1.0 Appendix F.1): a compact JWS with
//! `typ: openid4vci-proof+jwt`, signed by the holder's key named by `kid` (a `did:key` URL) or
//! `jwk`, with the issuer as `aud`, a recent `iat` and a fresh `nonce`.

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use civitas_keys::did;
use civitas_keys::keys::{Jwk, KeyAlgorithm, PublicKey};
use serde_json::{Map, Value};

use crate::error::Oid4vciError;
use crate::nonce::{NonceStore, Nonces};

/// The `typ` of a key proof JWT.
pub const PROOF_TYP: &str = "openid4vci-proof+jwt";
/// The largest key proof accepted (bytes).
pub const MAX_PROOF_BYTES: usize = 8 * 1024;

/// What a key proof must satisfy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofPolicy {
    /// The Credential Issuer Identifier: the required `aud`.
    pub credential_issuer: String,
    /// The allowed `alg` values (default EdDSA, ES256; `none` and `HS*` are always refused).
    pub allowed_algs: Vec<String>,
    /// How old `iat` may be (default 5 minutes).
    pub max_age: Duration,
    /// How far in the future `iat` may be (default 60 s).
    pub max_future: Duration,
}

impl ProofPolicy {
    /// The default policy for an issuer.
    pub fn new(credential_issuer: &str) -> Self {
        Self {
            credential_issuer: credential_issuer.to_owned(),
            allowed_algs: vec!["EdDSA".into(), "ES256".into()],
            max_age: Duration::minutes(5),
            max_future: Duration::seconds(60),
        }
    }
}

/// A valid key proof: the holder's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolderKey {
    /// The holder's DID (`did:key:…`), derived from the `jwk` when the proof carries one.
    pub did: String,
    /// The verification method (`did:key:…#…`).
    pub verification_method: String,
    /// The public key.
    pub public_key: PublicKey,
}

fn invalid(msg: impl Into<String>) -> Oid4vciError {
    Oid4vciError::InvalidProof(msg.into())
}

fn decode_json(part: &str, what: &str) -> Result<Map<String, Value>, Oid4vciError> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| invalid(format!("proof {what} is not base64url")))?;
    // The strict reader: a repeated member name (two `alg`s, two `nonce`s) is refused.
    match civitas_jsonld::json::parse(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(invalid(format!("proof {what} is not a JSON object"))),
        Err(e) => Err(invalid(format!("proof {what} is not JSON: {e}"))),
    }
}

const PRIVATE_JWK_MEMBERS: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "k"];

fn key_from_header(header: &Map<String, Value>) -> Result<(PublicKey, String), Oid4vciError> {
    match (header.get("kid"), header.get("jwk")) {
        (Some(_), Some(_)) => Err(invalid("proof header has both `kid` and `jwk`")),
        (None, None) => Err(invalid("proof header has neither `kid` nor `jwk`")),
        (Some(kid), None) => {
            let kid = kid
                .as_str()
                .ok_or_else(|| invalid("`kid` is not a string"))?;
            if !kid.starts_with("did:key:") || !kid.contains('#') {
                return Err(invalid("`kid` is not a did:key URL with a fragment"));
            }
            let base = kid.split('#').next().unwrap_or(kid);
            let document = did::did_key_document(base)
                .map_err(|e| invalid(format!("`kid` does not resolve: {e}")))?;
            let key = document
                .public_key(kid)
                .map_err(|e| invalid(format!("`kid` does not resolve: {e}")))?;
            Ok((key, kid.to_owned()))
        }
        (None, Some(jwk)) => {
            let obj = jwk
                .as_object()
                .ok_or_else(|| invalid("`jwk` is not an object"))?;
            if let Some(m) = PRIVATE_JWK_MEMBERS.iter().find(|m| obj.contains_key(**m)) {
                return Err(invalid(format!("`jwk` holds a private member `{m}`")));
            }
            let jwk: Jwk = serde_json::from_value(jwk.clone())
                .map_err(|e| invalid(format!("`jwk` is not a valid JWK: {e}")))?;
            let key = PublicKey::from_jwk(&jwk)
                .map_err(|e| invalid(format!("`jwk` is not a supported key: {e}")))?;
            let method = did::did_key_method(&key);
            Ok((key, method))
        }
    }
}

/// Validates a `jwt` key proof and consumes its nonce; returns the holder's key.
///
/// Every failure is `invalid_proof`, except a missing, unknown, expired or reused `nonce`:
/// `invalid_nonce`. The nonce is consumed only once everything else has been checked.
pub fn validate_jwt_proof<S: NonceStore>(
    jwt: &str,
    policy: &ProofPolicy,
    nonces: &Nonces<S>,
    now: DateTime<Utc>,
) -> Result<HolderKey, Oid4vciError> {
    let (holder, nonce) = check_jwt_proof(jwt, policy, now)?;
    nonces.consume(&nonce, now)?;
    Ok(holder)
}

/// Validates the `jwt` key proofs of one (batch) credential request: each is checked as by
/// [`validate_jwt_proof`], they must all carry the same `nonce`, and it is consumed once.
pub fn validate_jwt_proofs<S: NonceStore>(
    jwts: &[String],
    policy: &ProofPolicy,
    nonces: &Nonces<S>,
    now: DateTime<Utc>,
) -> Result<Vec<HolderKey>, Oid4vciError> {
    let mut holders = Vec::with_capacity(jwts.len());
    let mut shared: Option<String> = None;
    for jwt in jwts {
        let (holder, nonce) = check_jwt_proof(jwt, policy, now)?;
        match &shared {
            Some(first) if *first != nonce => {
                return Err(Oid4vciError::InvalidNonce(
                    "the proofs of one request carry different nonces".into(),
                ));
            }
            Some(_) => {}
            None => shared = Some(nonce),
        }
        holders.push(holder);
    }
    let nonce = shared.ok_or_else(|| invalid("no key proof"))?;
    nonces.consume(&nonce, now)?;
    Ok(holders)
}

/// Everything but the nonce's consumption: the holder's key and the proof's `nonce`.
fn check_jwt_proof(
    jwt: &str,
    policy: &ProofPolicy,
    now: DateTime<Utc>,
) -> Result<(HolderKey, String), Oid4vciError> {
    if jwt.len() > MAX_PROOF_BYTES {
        return Err(invalid(format!(
            "proof of {} bytes is larger than the limit of {MAX_PROOF_BYTES}",
            jwt.len()
        )));
    }
    let mut parts = jwt.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid("proof is not a compact JWS of three parts"));
    };
    let header = decode_json(h, "header")?;
    let typ = header.get("typ").and_then(Value::as_str);
    // RFC 7515 §4.1.9: the `application/` prefix may be omitted, and is equivalent.
    if typ != Some(PROOF_TYP) && typ != Some("application/openid4vci-proof+jwt") {
        return Err(invalid(format!("proof `typ` must be `{PROOF_TYP}`")));
    }
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("proof header has no `alg`"))?;
    if alg.eq_ignore_ascii_case("none")
        || alg.starts_with("HS")
        || !policy.allowed_algs.iter().any(|a| a == alg)
    {
        return Err(invalid(format!("proof `alg` `{alg}` is not allowed")));
    }
    if header.contains_key("crit") {
        return Err(invalid(
            "proof header `crit` names extensions civitas does not understand",
        ));
    }
    if header.contains_key("x5c") || header.contains_key("trust_chain") {
        return Err(invalid(
            "proof header key by `x5c` or `trust_chain` is not supported",
        ));
    }
    let (key, method) = key_from_header(&header)?;
    let expected_alg = match key.algorithm() {
        KeyAlgorithm::Ed25519 => "EdDSA",
        KeyAlgorithm::P256 => "ES256",
    };
    if alg != expected_alg {
        return Err(invalid(format!(
            "proof `alg` `{alg}` does not match the {} key",
            key.algorithm()
        )));
    }
    let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| invalid("proof signature is not base64url"))?;
    let signing_input = &jwt[..h.len() + 1 + p.len()];
    key.verify(signing_input.as_bytes(), &signature)
        .map_err(|e| invalid(format!("proof signature does not verify: {e}")))?;

    let payload = decode_json(p, "payload")?;
    let aud_ok = match payload.get("aud") {
        Some(Value::String(a)) => *a == policy.credential_issuer,
        Some(Value::Array(list)) => list
            .iter()
            .any(|a| a.as_str() == Some(policy.credential_issuer.as_str())),
        _ => false,
    };
    if !aud_ok {
        return Err(invalid("proof `aud` is not the credential issuer"));
    }
    let iat = payload
        .get("iat")
        .and_then(Value::as_i64)
        .ok_or_else(|| invalid("proof has no numeric `iat`"))?;
    let iat = DateTime::<Utc>::from_timestamp(iat, 0)
        .ok_or_else(|| invalid("proof `iat` out of range"))?;
    if iat < now - policy.max_age {
        return Err(invalid("proof `iat` is too old"));
    }
    if iat > now + policy.max_future {
        return Err(invalid("proof `iat` is in the future"));
    }
    if let Some(exp) = payload.get("exp") {
        let exp = exp
            .as_i64()
            .ok_or_else(|| invalid("proof `exp` is not a number"))?;
        if exp <= now.timestamp() {
            return Err(invalid("proof has expired (`exp`)"));
        }
    }
    let nonce = payload
        .get("nonce")
        .and_then(Value::as_str)
        .ok_or_else(|| Oid4vciError::InvalidNonce("proof has no `nonce`".into()))?;
    let holder = HolderKey {
        did: did::did_key(&key),
        verification_method: method,
        public_key: key,
    };
    Ok((holder, nonce.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nonce::MemoryNonceStore;
    use civitas_keys::keys::KeyPair;

    fn b64(v: &Value) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    }

    fn sign(kp: &KeyPair, header: &Value, payload: &Value) -> String {
        let input = format!("{}.{}", b64(header), b64(payload));
        let sig =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(kp.sign(input.as_bytes()));
        format!("{input}.{sig}")
    }

    #[test]
    fn both_algorithms_and_both_key_forms() {
        let nonces = Nonces::new(MemoryNonceStore::new());
        let policy = ProofPolicy::new("https://issuer.example");
        let now = Utc::now();
        for alg in [KeyAlgorithm::Ed25519, KeyAlgorithm::P256] {
            let kp = KeyPair::generate(alg);
            let pk = kp.public_key();
            for header_key in [
                serde_json::json!({"kid": did::did_key_method(&pk)}),
                serde_json::json!({"jwk": pk.to_jwk()}),
            ] {
                let mut header = serde_json::json!({"typ": PROOF_TYP, "alg": alg.jose_alg()});
                header
                    .as_object_mut()
                    .unwrap()
                    .extend(header_key.as_object().unwrap().clone());
                let nonce = nonces.issue(now).unwrap().c_nonce;
                let payload = serde_json::json!({"aud": "https://issuer.example", "iat": now.timestamp(), "nonce": nonce});
                let jwt = sign(&kp, &header, &payload);
                let holder = validate_jwt_proof(&jwt, &policy, &nonces, now).unwrap();
                assert_eq!(holder.did, did::did_key(&pk));
                assert_eq!(
                    validate_jwt_proof(&jwt, &policy, &nonces, now)
                        .unwrap_err()
                        .code(),
                    "invalid_nonce"
                );
            }
        }
    }

    #[test]
    fn malformed() {
        let nonces = Nonces::new(MemoryNonceStore::new());
        let policy = ProofPolicy::new("https://issuer.example");
        let now = Utc::now();
        for jwt in ["", "a.b", "a.b.c.d", "!.!.!"] {
            assert_eq!(
                validate_jwt_proof(jwt, &policy, &nonces, now)
                    .unwrap_err()
                    .code(),
                "invalid_proof"
            );
        }
    }
}
