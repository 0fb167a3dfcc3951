//! The VC-API modes of the issuer service, over HTTPS on 127.0.0.1: the open mode signs generic
//! credentials (and keeps a caller's status entries), every VC Data Model 2.0 rule is refused
//! with its own credential built to break it, the closed mode still refuses anything that is not
//! one of its document types; the service's own verify endpoints; status lists by `Accept`.

use civitas_issuer::config::{ExtraContext, VcApiMode};
use civitas_issuer::{DidMethod, IssuerConfig};
use civitas_jsonld::contexts::CREDENTIALS_EXAMPLES_V2;
use serde_json::{Value, json};

use crate::common::{TestServer, birth_body};

const V2: &str = "https://www.w3.org/ns/credentials/v2";

fn open(config: IssuerConfig) -> IssuerConfig {
    config
        .vc_api(VcApiMode::Open)
        .extra_context(ExtraContext::known(CREDENTIALS_EXAMPLES_V2))
}

fn generic() -> Value {
    json!({
        "@context": [V2, CREDENTIALS_EXAMPLES_V2],
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "credentialSubject": {"id": "did:example:alice", "alumniOf": "The School of Examples"}
    })
}

fn with(mut credential: Value, key: &str, value: Value) -> Value {
    credential[key] = value;
    credential
}

async fn issue(server: &TestServer, credential: &Value) -> (u16, Value) {
    server
        .post("/credentials/issue", &json!({"credential": credential}))
        .await
}

#[tokio::test]
async fn the_open_mode_signs_generic_credentials_and_keeps_a_callers_status() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_adjusted(dir.path(), DidMethod::Key, open).await;
    let (status, body) = issue(&server, &generic()).await;
    assert_eq!(status, 201, "{body}");
    let vc = &body["verifiableCredential"];
    assert_eq!(vc["issuer"], server.issuer.did());
    assert_eq!(vc["@context"][1], CREDENTIALS_EXAMPLES_V2);
    // no validFrom is invented for a VC 2.0 credential; the issuer's two entries are added
    assert!(vc.get("validFrom").is_none(), "{vc}");
    assert_eq!(vc["credentialStatus"].as_array().unwrap().len(), 2);

    let caller_status = json!({"id": "https://example.org/status/1#7", "type": "ExampleStatus"});
    let (status, body) = issue(
        &server,
        &with(generic(), "credentialStatus", caller_status.clone()),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let entries = body["verifiableCredential"]["credentialStatus"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0], caller_status);
    assert_eq!(entries[1]["type"], "BitstringStatusListEntry");

    // recorded in the registry and the audit chain like any issuance
    let id = body["verifiableCredential"]["id"].as_str().unwrap();
    assert!(server.issuer.credential(id).unwrap().is_some());
    assert!(server.issuer.verify_audit().unwrap().is_ok());

    // a context that is neither bundled nor allowed is never fetched: refused
    let unknown = json!({
        "@context": [V2, "https://example.org/contexts/unknown/v1"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:alice"}
    });
    let (status, body) = issue(&server, &unknown).await;
    assert_eq!(status, 400, "{body}");
    // a civil-registry document is still held to its schema in the open mode
    let mut birth = json!({
        "@context": [V2, "https://w3id.org/civitas/civil-registry/v1"],
        "type": ["VerifiableCredential", "BirthCertificate"],
        "credentialSubject": civitas_testkit::samples::birth_record()
    });
    birth["credentialSubject"]["sex"] = json!("unknown value");
    let (status, body) = issue(&server, &birth).await;
    assert!(status == 400 || status == 422, "{status} {body}");
    server.stop().await;
}

#[tokio::test]
async fn every_data_model_rule_is_refused_with_a_credential_built_to_break_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_adjusted(dir.path(), DidMethod::Key, open).await;
    let sri = "sha384-l/HrjlBCNWyAX91hr6LFV2Y3heB5Tcr6IeE4/Tje8YyzYBM8IhqjHWiWpr8+ZbYU";
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "credentialStatus without type",
            with(
                generic(),
                "credentialStatus",
                json!({"id": "https://example.org/s#1"}),
            ),
            "/credentialStatus/0/type",
        ),
        (
            "termsOfUse without type",
            with(
                generic(),
                "termsOfUse",
                json!({"id": "https://example.org/terms"}),
            ),
            "/termsOfUse/0/type",
        ),
        (
            "evidence without type",
            with(
                generic(),
                "evidence",
                json!([{"id": "https://example.org/e/1"}]),
            ),
            "/evidence/0/type",
        ),
        (
            "refreshService without type",
            with(
                generic(),
                "refreshService",
                json!({"id": "https://example.org/r"}),
            ),
            "/refreshService/0/type",
        ),
        (
            "credentialSchema without type",
            with(
                generic(),
                "credentialSchema",
                json!({"id": "https://example.org/schema"}),
            ),
            "/credentialSchema/0/type",
        ),
        (
            "relatedResource as strings",
            with(generic(), "relatedResource", json!([V2])),
            "/relatedResource/0",
        ),
        (
            "relatedResource without id",
            with(generic(), "relatedResource", json!([{"digestSRI": sri}])),
            "/relatedResource/0/id",
        ),
        (
            "relatedResource with a repeated id",
            with(
                generic(),
                "relatedResource",
                json!([{"id": V2, "digestSRI": sri}, {"id": V2, "digestSRI": sri}]),
            ),
            "/relatedResource/1/id",
        ),
        (
            "relatedResource without a digest",
            with(generic(), "relatedResource", json!([{"id": V2}])),
            "/relatedResource/0",
        ),
        (
            "relatedResource with a wrong digest",
            with(
                generic(),
                "relatedResource",
                json!([{"id": V2, "digestMultibase": "uM4RgWQc3RUDtjJCSgTJtTfvpZ7SPEg_LNO0ESlovQC0"}]),
            ),
            "/relatedResource/0",
        ),
        (
            "validFrom not a dateTimeStamp",
            with(generic(), "validFrom", json!("2024-01-01 10:00:00Z")),
            "/validFrom",
        ),
        (
            "validUntil without a time zone",
            with(generic(), "validUntil", json!("2030-01-01T10:00:00")),
            "/validUntil",
        ),
        (
            "name with an extra member",
            with(
                generic(),
                "name",
                json!({"@value": "A", "@language": "en", "url": "x"}),
            ),
            "/name/url",
        ),
        (
            "description not a string",
            with(generic(), "description", json!(42)),
            "/description",
        ),
    ];
    for (what, credential, pointer) in cases {
        let (status, body) = issue(&server, &credential).await;
        assert_eq!(status, 400, "{what}: {body}");
        assert!(
            body.to_string().contains(pointer),
            "{what}: expected {pointer} in {body}"
        );
    }
    // a term no context defines (only VC 2.0's issuer-dependent @vocab would take it)
    let undefined = json!({
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:alice"},
        "statusEntry": {"type": "BitstringStatusListEntry"}
    });
    let (status, body) = issue(&server, &undefined).await;
    assert_eq!(status, 400, "undefined term: {body}");
    // and the same rules hold at the verify endpoint: a signed credential edited to break one
    let (_, body) = issue(&server, &generic()).await;
    let mut vc = body["verifiableCredential"].clone();
    vc["termsOfUse"] = json!({"id": "https://example.org/terms"});
    let (status, body) = server
        .post("/credentials/verify", &json!({"verifiableCredential": vc}))
        .await;
    assert!(status == 400 || status == 422, "{body}");
    server.stop().await;
}

#[tokio::test]
async fn the_closed_mode_still_refuses_what_is_not_a_document_type_of_the_issuer() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), DidMethod::Key).await;
    let plain = json!({
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:alice", "name": "Alice"}
    });
    let (status, body) = issue(&server, &plain).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = issue(&server, &generic()).await;
    assert_eq!(
        status, 400,
        "the examples context is not allowed in the closed mode: {body}"
    );
    server.stop().await;
}

#[tokio::test]
async fn the_issuer_service_verifies_and_sees_its_own_revocations_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), DidMethod::Key).await;
    let (status, body) = server.post("/birth-certificates", &birth_body("V-1")).await;
    assert_eq!(status, 201, "{body}");
    let vc = body["verifiableCredential"].clone();
    let id = vc["id"].as_str().unwrap().to_owned();
    let request = json!({"verifiableCredential": vc});
    let (status, body) = server.post_as("/credentials/verify", &request, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["verified"], true);
    assert!(
        body["checks"]
            .as_array()
            .unwrap()
            .contains(&json!("trustedIssuer")),
        "{body}"
    );

    server
        .issuer
        .revoke(&id, Some("test"), "test")
        .await
        .unwrap();
    assert!(server.issuer.wait_published().await);
    let (status, body) = server.post_as("/credentials/verify", &request, None).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("revocation"), "{body}");

    // a credential of another issuer is not trusted in the closed mode
    let other_dir = tempfile::tempdir().unwrap();
    let other = TestServer::start(other_dir.path(), DidMethod::Key).await;
    let (_, body) = other.post("/birth-certificates", &birth_body("V-2")).await;
    let foreign = json!({"verifiableCredential": body["verifiableCredential"]});
    let (status, body) = server.post_as("/credentials/verify", &foreign, None).await;
    assert_eq!(status, 422, "{body}");
    other.stop().await;

    // JSON text in a string is not a credential
    let text = json!({"verifiableCredential": request["verifiableCredential"].to_string()});
    let (status, body) = server.post_as("/credentials/verify", &text, None).await;
    assert_eq!(status, 400, "{body}");
    server.stop().await;
}

#[tokio::test]
async fn status_lists_are_served_as_the_client_accepts_with_vary() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), DidMethod::Key).await;
    let (status, _) = server.post("/birth-certificates", &birth_body("S-1")).await;
    assert_eq!(status, 201);
    assert!(server.issuer.wait_published().await);
    let url = server
        .issuer
        .status_list_urls()
        .into_iter()
        .find(|u| u.contains("/revocation/"))
        .unwrap();
    for (accept, expected) in [
        (None, "application/vc"),
        (Some("*/*"), "application/vc"),
        (
            Some("application/ld+json, application/json"),
            "application/ld+json",
        ),
        (Some("application/json"), "application/json"),
        (
            Some("application/json;q=0.9, application/vc;q=0.5"),
            "application/json",
        ),
        (Some("text/html"), "application/vc"),
    ] {
        let mut request = server.client.get(&url);
        if let Some(a) = accept {
            request = request.header("accept", a);
        }
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], expected, "Accept: {accept:?}");
        assert_eq!(r.headers()["vary"], "Accept");
        assert!(r.headers().contains_key("etag"));
        assert!(
            r.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("max-age")
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn status_messages_give_vc_api_credentials_a_message_entry_a_registrar_can_set() {
    use civitas_issuer::config::StatusMessages;
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_adjusted(dir.path(), DidMethod::Key, |c| {
        open(c).status_messages(StatusMessages::registry_annotations())
    })
    .await;
    let (status, body) = issue(&server, &generic()).await;
    assert_eq!(status, 201, "{body}");
    let vc = body["verifiableCredential"].clone();
    let entries = vc["credentialStatus"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "{vc}");
    let message = &entries[2];
    assert_eq!(message["statusPurpose"], "message");
    assert_eq!(message["statusSize"], 2);
    assert_eq!(
        message["statusMessage"].as_array().unwrap().len(),
        4,
        "2 bits: 4 values"
    );
    assert_eq!(message["statusMessage"][1]["status"], "0x1");
    assert_eq!(message["statusReference"], server.url("/status/messages"));
    let r = server.get("/status/messages").await;
    assert_eq!(r.status(), 200);
    let explained: Value = r.json().await.unwrap();
    assert_eq!(explained["statusMessage"], message["statusMessage"]);

    // the registrar sets it; the list is re-signed and published, the audit log says so
    let id = vc["id"].as_str().unwrap();
    let (status, body) = server
        .post(
            "/credentials/status",
            &json!({"credentialId": id, "message": "0x2", "reason": "rectification"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["changed"], true);
    let list_url = message["statusListCredential"].as_str().unwrap();
    assert!(
        body["statusListCredentials"]
            .as_array()
            .unwrap()
            .contains(&json!(list_url))
    );
    let list = server.issuer.published_list(list_url).unwrap();
    let bits = civitas_status::BitstringStatusListCredential::parse(list.body.as_bytes()).unwrap();
    let index: u64 = message["statusListIndex"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        bits.bits
            .get(index, civitas_status::StatusSize::new(2).unwrap())
            .unwrap(),
        2
    );
    assert!(server.issuer.verify_audit().unwrap().is_ok());
    // the issuer's verifier still finds the credential valid (a message is not a revocation)
    let (status, body) = server
        .post_as(
            "/credentials/verify",
            &json!({"verifiableCredential": vc}),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // values outside the entry's size, malformed values, credentials without the entry
    for bad in ["0x4", "2", "0xZZ"] {
        let (status, body) = server
            .post(
                "/credentials/status",
                &json!({"credentialId": id, "message": bad}),
            )
            .await;
        assert!(status == 400 || status == 409, "{bad}: {status} {body}");
    }
    let (_, body) = server.post("/birth-certificates", &birth_body("M-1")).await;
    let birth = body["verifiableCredential"].clone();
    assert_eq!(
        birth["credentialStatus"].as_array().unwrap().len(),
        2,
        "a typed document keeps its two entries"
    );
    let (status, body) = server
        .post(
            "/credentials/status",
            &json!({"credentialId": birth["id"], "message": "0x1"}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    server.stop().await;
}

/// A trust list signed by `anchor` naming `issuers` for birth certificates, as an offline
/// bundle file in `dir`.
async fn bundle_file(
    dir: &std::path::Path,
    anchor: &civitas_keys::signer::LocalSigner,
    issuers: &[&str],
) -> std::path::PathBuf {
    use civitas_verifier::bundle::BundleBuilder;
    use civitas_verifier::trust::{TrustAnchor, TrustList, TrustListSigning, TrustedIssuer};
    let mut list = TrustList::new("ministry");
    for issuer in issuers {
        list.add(TrustedIssuer::new(issuer, ["BirthCertificate"]))
            .unwrap();
    }
    let signed = list
        .sign(anchor, &TrustListSigning::default())
        .await
        .unwrap();
    let bundle = BundleBuilder::new(vec![TrustAnchor::did(anchor.controller())])
        .trust_list(signed)
        .build()
        .await
        .unwrap();
    let path = dir.join("bundle.json");
    std::fs::write(&path, bundle.to_json_pretty()).unwrap();
    path
}

#[tokio::test]
async fn the_verify_endpoints_can_trust_a_ministry_bundle_instead_of_the_issuer_alone() {
    use civitas_issuer::config::VerifyTrust;
    use civitas_keys::keys::{KeyAlgorithm, KeyPair};
    use civitas_keys::signer::LocalSigner;
    use civitas_verifier::trust::TrustAnchor;
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let first = TestServer::start(dir.path(), DidMethod::Key).await;
    let did = first.issuer.did().to_owned();
    let port = first.port;
    let token = first.token().to_owned();
    first.stop().await;

    let anchor = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
    let listed = bundle_file(files.path(), &anchor, &[&did]).await;
    let trust = VerifyTrust {
        anchor: TrustAnchor::did(anchor.controller()),
        bundle: listed,
    };
    let mut server =
        TestServer::restart_adjusted(dir.path(), port, DidMethod::Key, |c| c.verify_trust(trust))
            .await;
    server.token = Some(token);
    let (status, body) = server.post("/birth-certificates", &birth_body("B-1")).await;
    assert_eq!(status, 201, "{body}");
    let request = json!({"verifiableCredential": body["verifiableCredential"]});
    let (status, body) = server.post_as("/credentials/verify", &request, None).await;
    assert_eq!(status, 200, "{body}");
    let checks = body["report"]["checks"].as_array().unwrap();
    let trusted = checks
        .iter()
        .find(|c| c["check"] == "trustedIssuer")
        .unwrap();
    assert_eq!(trusted["status"], "passed", "{body}");
    let token = server.token().to_owned();
    server.stop().await;

    // a bundle whose trust list does not name the issuer: its own credential is not trusted
    let other = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
    let unlisted = bundle_file(files.path(), &anchor, &[other.controller()]).await;
    let trust = VerifyTrust {
        anchor: TrustAnchor::did(anchor.controller()),
        bundle: unlisted,
    };
    let mut server =
        TestServer::restart_adjusted(dir.path(), port, DidMethod::Key, |c| c.verify_trust(trust))
            .await;
    server.token = Some(token);
    let (status, body) = server.post_as("/credentials/verify", &request, None).await;
    assert_eq!(status, 422, "{body}");
    server.stop().await;

    // a bundle file that is not a bundle stops the service at start
    let broken = files.path().join("broken.json");
    std::fs::write(&broken, "{}").unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let config =
        crate::common::config(fresh.path(), port, DidMethod::Key).verify_trust(VerifyTrust {
            anchor: TrustAnchor::did(anchor.controller()),
            bundle: broken,
        });
    let (issuer, _) = civitas_issuer::Issuer::open(config).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let served = civitas_issuer::http::serve(issuer, listener, None, async {}).await;
    assert!(served.is_err(), "a broken bundle must stop the service");
}
