//! The whole OpenID4VCI pre-authorized code flow in memory, and every attack on it.

mod attacks_codes;
mod attacks_proof;
mod attacks_request;
mod flow;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use civitas_keys::did;
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_oid4vci::codes::{CodeConfig, Codes, MemoryCodeStore};
use civitas_oid4vci::metadata::{CredentialIssuerMetadata, DocumentType, issuer_metadata};
use civitas_oid4vci::nonce::{MemoryNonceStore, Nonces};
use civitas_oid4vci::proof::{PROOF_TYP, ProofPolicy};
use serde_json::{Value, json};

pub const ISSUER: &str = "https://issuer.civitas.example";
pub const BIRTH_LDP: &str = "BirthCertificateCredential_ldp_vc";

/// The issuer's state: metadata, codes, nonces, proof policy.
pub struct Issuer {
    pub metadata: CredentialIssuerMetadata,
    pub codes: Codes<MemoryCodeStore>,
    pub nonces: Nonces<MemoryNonceStore>,
    pub policy: ProofPolicy,
}

pub fn issuer() -> Issuer {
    Issuer {
        metadata: issuer_metadata(
            ISSUER,
            &[
                DocumentType::new(
                    "BirthCertificateCredential",
                    "Birth certificate",
                    "Acte de naissance",
                ),
                DocumentType::new(
                    "MarriageCertificateCredential",
                    "Marriage certificate",
                    "Acte de mariage",
                ),
            ],
            &["https://civitas.example/ns/civil-registry/v1"],
        ),
        codes: Codes::new(MemoryCodeStore::new(), CodeConfig::default()),
        nonces: Nonces::new(MemoryNonceStore::new()),
        policy: ProofPolicy::new(ISSUER),
    }
}

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A compact JWS of `header` and `payload` signed by `key`.
pub fn sign_jws(key: &KeyPair, header: &Value, payload: &Value) -> String {
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(payload.to_string().as_bytes())
    );
    let sig = b64(&key.sign(input.as_bytes()));
    format!("{input}.{sig}")
}

/// The header naming `key` by its did:key URL.
pub fn kid_header(key: &KeyPair) -> Value {
    json!({
        "typ": PROOF_TYP,
        "alg": key.algorithm().jose_alg(),
        "kid": did::did_key_method(&key.public_key()),
    })
}

/// A valid proof payload.
pub fn payload(nonce: &str, now: DateTime<Utc>) -> Value {
    json!({"aud": ISSUER, "iat": now.timestamp(), "nonce": nonce})
}

pub fn holder() -> KeyPair {
    KeyPair::generate(KeyAlgorithm::Ed25519)
}
