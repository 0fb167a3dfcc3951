//! A request object signed by the bank and accepted by the wallet.

use chrono::Duration;
use civitas_keys::did::{ControllerDocument, ProofPurpose};
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::resolver::OfflineResolver;
use civitas_keys::signer::LocalSigner;
use civitas_oid4vp::Oid4vpError;
use civitas_oid4vp::request::{
    AuthorizationRequest, REQUEST_OBJECT_TYP, RequestPolicy, SELF_ISSUED_AUD, did_client_id,
    generate_nonce, generate_state, sign_request_object, verify_request_object,
    verify_request_object_with,
};
use civitas_oid4vp::uri::{parse_request_link, request_link};

use crate::{bank, bank_query, now, parts, request};

#[tokio::test]
async fn did_key_round_trip() {
    let bank = bank();
    let req = request(&bank);
    let jwt = sign_request_object(&req, &bank.signer).await.unwrap();
    let (header, payload) = parts(&jwt);
    assert_eq!(header["typ"], REQUEST_OBJECT_TYP);
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(
        header["kid"],
        civitas_keys::signer::Signer::verification_method(&bank.signer)
    );
    assert_eq!(payload["aud"], SELF_ISSUED_AUD);
    assert_eq!(payload["response_mode"], "direct_post");
    assert_eq!(payload["dcql_query"], bank_query().to_value());

    // The QR, then the request object it points to.
    let link = request_link(&bank.client_id, "https://bank.example/oid4vp/request/abc");
    let parsed = parse_request_link(&link).unwrap();
    assert_eq!(parsed.client_id, bank.client_id);
    let got = verify_request_object(&jwt, &parsed.client_id, &OfflineResolver::new(), now())
        .await
        .unwrap();
    assert_eq!(got, req);
}

#[tokio::test]
async fn p256_and_did_web_pinned() {
    let key = KeyPair::generate(KeyAlgorithm::P256);
    let mut doc = ControllerDocument::new("did:web:bank.example");
    let kid = doc.add_key("key-1", &key.public_key(), &[ProofPurpose::Authentication]);
    let resolver = OfflineResolver::new().with(doc);
    let signer = LocalSigner::new(key, kid);
    let client_id = did_client_id("did:web:bank.example");
    let req = AuthorizationRequest::direct_post(
        &client_id,
        "https://bank.example/r",
        bank_query(),
        now(),
        Duration::minutes(5),
    );
    let jwt = sign_request_object(&req, &signer).await.unwrap();
    assert_eq!(parts(&jwt).0["alg"], "ES256");
    let got = verify_request_object(&jwt, &client_id, &resolver, now())
        .await
        .unwrap();
    assert_eq!(got.client_id, client_id);
}

#[tokio::test]
async fn loopback_response_uri_only_when_allowed() {
    let bank = bank();
    let mut req = request(&bank);
    req.response_uri = "http://127.0.0.1:8080/response".into();
    let jwt = sign_request_object(&req, &bank.signer).await.unwrap();
    let resolver = OfflineResolver::new();
    assert!(matches!(
        verify_request_object(&jwt, &bank.client_id, &resolver, now()).await,
        Err(Oid4vpError::NotHttps {
            name: "response_uri",
            ..
        })
    ));
    let policy = RequestPolicy {
        allow_loopback_http: true,
        ..RequestPolicy::default()
    };
    verify_request_object_with(&jwt, &bank.client_id, &resolver, now(), &policy)
        .await
        .unwrap();
}

#[tokio::test]
async fn signer_of_another_did_cannot_sign() {
    let bank = bank();
    let other = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
    let e = sign_request_object(&request(&bank), &other)
        .await
        .unwrap_err();
    assert!(matches!(e, Oid4vpError::SignerNotClientId { .. }));
}

#[test]
fn nonce_and_state_are_fresh_and_long() {
    let (a, b) = (generate_nonce(), generate_nonce());
    assert_ne!(a, b);
    assert_eq!(a.len(), 43);
    assert!(
        a.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    );
    assert_eq!(generate_state().len(), 22);
    assert_ne!(generate_state(), generate_state());
}
