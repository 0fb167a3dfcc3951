//! A credential issued over HTTPS (did:key issuer) verifies with Digital Bazaar's JS stack,
//! including its status entries against the lists the issuer publishes; after a revocation the
//! JS stack sees the bit.

use crate::common;

use civitas_issuer::DidMethod;
use civitas_jsonld::contexts::{CIVIL_REGISTRY_V1, ContextLoader};
use civitas_testkit::js::JsPeer;
use common::{TestServer, birth_body};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_credential_issued_over_http_verifies_with_the_js_stack() {
    let Some(js) = JsPeer::get() else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), DidMethod::Key).await;
    assert!(server.issuer.did().starts_with("did:key:z6Mk"));
    let (s, body) = server
        .post("/birth-certificates", &birth_body("JS-1"))
        .await;
    assert_eq!(s, 201, "{body}");
    let vc = body["verifiableCredential"].to_string();
    let loader = ContextLoader::bundled();
    let context = loader.source(CIVIL_REGISTRY_V1).unwrap();
    let lists = || async {
        let rev = server
            .get("/status/revocation/1")
            .await
            .text()
            .await
            .unwrap();
        let sus = server
            .get("/status/suspension/1")
            .await
            .text()
            .await
            .unwrap();
        (rev, sus)
    };
    let (rev, sus) = lists().await;
    let verdict = js.verify(&vc, &[(CIVIL_REGISTRY_V1, context)], &[&rev, &sus], None);
    assert!(verdict.verified, "{:?} {}", verdict.errors, verdict.raw);
    assert!(verdict.status_checked, "{}", verdict.raw);

    // revoked: the JS stack reads the bit from the re-signed list
    let (s, _) = server
        .post(
            "/credentials/status",
            &json!({"credentialId": body["credentialId"], "action": "revoke"}),
        )
        .await;
    assert_eq!(s, 200);
    let (rev, sus) = lists().await;
    let verdict = js.verify(&vc, &[(CIVIL_REGISTRY_V1, context)], &[&rev, &sus], None);
    assert!(
        !verdict.verified,
        "a revoked credential must not verify: {}",
        verdict.raw
    );
    server.stop().await;
}

/// The OpenID4VCI wallet of `@openid4vc/openid4vci` (an independent implementation) receives a
/// birth certificate from the civitas issuer through the whole pre-authorized code flow, with
/// the transaction code, both as `ldp_vc` (EdDSA holder key) and `jwt_vc_json` (ES256); the
/// credential verifies and its subject is the key the JS wallet proved. A wrong transaction
/// code is refused with `invalid_grant`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_js_openid4vci_wallet_receives_a_birth_certificate() {
    let Some(js) = JsPeer::get() else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), DidMethod::Key).await;
    let ca = std::fs::read_to_string(civitas_issuer::http::tls::self_signed_cert_path(dir.path()))
        .unwrap();
    let checker = server.checker().await;
    for (source, alg, configuration) in [
        ("JS-OID-1", "EdDSA", "BirthCertificate_ldp_vc"),
        ("JS-OID-2", "ES256", "BirthCertificate_jwt_vc_json"),
    ] {
        let (s, body) = server
            .post("/birth-certificates", &birth_body(source))
            .await;
        assert_eq!(s, 201, "{body}");
        let id = body["credentialId"].as_str().unwrap();
        let (s, offer) = server
            .post(&format!("/credentials/{id}/offers"), &json!({}))
            .await;
        assert_eq!(s, 201, "{offer}");
        let options = civitas_testkit::js::JsReceiveOptions {
            tx_code: offer["txCode"].as_str().map(str::to_owned),
            alg: alg.into(),
            configuration: Some(configuration.into()),
            ..Default::default()
        };
        let uri = offer["offerUriByReference"].as_str().unwrap();
        let received = js.oid4vci_receive_with(uri, &ca, &options);
        assert!(received.ok, "{alg}: {}", received.raw);
        let credential = &received.credentials[0];
        let text = match credential {
            serde_json::Value::String(jwt) => jwt.clone(),
            other => other.to_string(),
        };
        let report = checker
            .verify(
                text.as_bytes(),
                &civitas_core::verify::VerifyOptions::default(),
            )
            .await;
        assert_eq!(
            report.verdict,
            civitas_core::report::Verdict::Valid,
            "{report}"
        );
        // the JS wallet names a `jwk` holder as did:jwk; civitas names the same key as did:key
        let holder = received.holder.clone().unwrap();
        let holder = match holder.strip_prefix("did:jwk:") {
            Some(encoded) => {
                use base64::Engine as _;
                let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(encoded)
                    .unwrap();
                let jwk: civitas_keys::keys::Jwk = serde_json::from_slice(&json).unwrap();
                let key = civitas_keys::keys::PublicKey::from_jwk(&jwk).unwrap();
                civitas_keys::did::did_key(&key)
            }
            None => holder,
        };
        let copies = server.issuer.credential(id).unwrap().unwrap().0.copies;
        let (copy, _) = server.issuer.credential(&copies[0]).unwrap().unwrap();
        assert_eq!(
            copy.holder.as_deref(),
            Some(holder.as_str()),
            "{}",
            received.raw
        );
    }

    // a wrong transaction code: the JS wallet reports the issuer's invalid_grant
    let (_, body) = server
        .post("/birth-certificates", &birth_body("JS-OID-3"))
        .await;
    let id = body["credentialId"].as_str().unwrap();
    let (_, offer) = server
        .post(&format!("/credentials/{id}/offers"), &json!({}))
        .await;
    let received = js.oid4vci_receive(
        offer["offerUri"].as_str().unwrap(),
        Some("999999x"),
        &ca,
        "EdDSA",
    );
    assert!(!received.ok);
    assert_eq!(
        received.error_code.as_deref(),
        Some("invalid_grant"),
        "{}",
        received.raw
    );
    server.stop().await;
}
