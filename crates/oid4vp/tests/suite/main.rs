//! The OpenID4VP protocol core: DCQL, request objects, links, responses, and every attack.

mod attacks_request;
mod attacks_response;
mod dcql_errors;
mod dcql_examples;
mod dcql_matching;
mod link;
mod request_flow;

use base64::Engine as _;
use chrono::{DateTime, Duration, TimeZone, Utc};
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::signer::LocalSigner;
use civitas_oid4vp::dcql::{DcqlQuery, FORMAT_SD_JWT, Meta};
use civitas_oid4vp::request::{AuthorizationRequest, did_client_id};
use serde_json::Value;

/// The bank's DCQL query: a birth certificate as SD-JWT VC, three claims.
pub fn bank_query() -> DcqlQuery {
    DcqlQuery::single(
        "birth",
        FORMAT_SD_JWT,
        Meta::sd_jwt(&["urn:civitas:type:BirthCertificate"]),
        &[&["givenName"], &["familyName"], &["birthDate"]],
    )
    .unwrap()
}

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0)
        .single()
        .unwrap()
}

/// The bank: a did:key signer and its client id.
pub struct Bank {
    pub key: KeyPair,
    pub signer: LocalSigner,
    pub client_id: String,
}

pub fn bank() -> Bank {
    let key = KeyPair::generate(KeyAlgorithm::Ed25519);
    let signer = LocalSigner::did_key(key.clone());
    let client_id = did_client_id(signer.controller());
    Bank {
        key,
        signer,
        client_id,
    }
}

pub fn request(bank: &Bank) -> AuthorizationRequest {
    AuthorizationRequest::direct_post(
        &bank.client_id,
        "https://bank.example/oid4vp/response",
        bank_query(),
        now(),
        Duration::minutes(5),
    )
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

/// The header and payload of a compact JWS.
pub fn parts(jwt: &str) -> (Value, Value) {
    let mut it = jwt.split('.');
    let mut next = || {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(it.next().unwrap())
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    };
    let h = next();
    let p = next();
    (h, p)
}
