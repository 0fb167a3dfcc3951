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
