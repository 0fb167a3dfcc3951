//! Every rejection answers the right status with an RFC 9457 problem, and leaves the registry
//! as it was (credential count and audit log unchanged).

use crate::common;

use civitas_issuer::DidMethod;
use common::{TestServer, birth_body};
use serde_json::{Value, json};

/// what, path, body, token, expected status, problem slug
type Case<'a> = (&'a str, &'a str, Vec<u8>, Option<&'a str>, u16, &'a str);

async fn snapshot(server: &TestServer) -> (u64, u64) {
    let count = server.issuer.credential_count().unwrap();
    let audit = server.issuer.verify_audit().unwrap().unwrap().entries;
    (count, audit)
}

async fn raw_post(
    server: &TestServer,
    path: &str,
    body: Vec<u8>,
    token: Option<&str>,
) -> (u16, String, Value) {
    let mut req = server
        .client
        .post(server.url(path))
        .header("content-type", "application/json")
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let ctype = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = r.text().await.unwrap();
    (
        status,
        ctype,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rejection_has_its_status_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), DidMethod::Web).await;
    let admin = server.token().to_owned();
    // a token that may only change statuses
    let (s, t) = server
        .post(
            "/tokens",
            &json!({"name": "status-desk", "actions": ["status"]}),
        )
        .await;
    assert_eq!(s, 201, "{t}");
    let status_only = t["token"].as_str().unwrap().to_owned();
    let (s, ok) = server
        .post("/birth-certificates", &birth_body("OK-1"))
        .await;
    assert_eq!(s, 201, "{ok}");
    let before = snapshot(&server).await;

    let good = serde_json::to_vec(&birth_body("REJ-1")).unwrap();
    let mut undefined = civitas_testkit::samples::birth_record();
    undefined["favouriteColour"] = json!("blue");
    let v2_undefined = json!({"credential": {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/civitas/civil-registry/v1",
                     {"@vocab": null}],
        "type": ["VerifiableCredential", "BirthCertificate"],
        "credentialSubject": civitas_testkit::samples::birth_record(),
        "nickname": "Mimi"
    }});
    let mut invalid_record = birth_body("REJ-3");
    invalid_record["birthDate"] = json!("2999-01-01");
    let mut bad_sex = birth_body("REJ-4");
    bad_sex["sex"] = json!("Q");
    let big = {
        let mut v = birth_body("REJ-5");
        v["padding"] = json!("x".repeat(1024 * 1024 + 10));
        serde_json::to_vec(&v).unwrap()
    };

    let cases: Vec<Case> = vec![
        ("no token", "/birth-certificates", good.clone(), None, 401, "unauthorized"),
        ("wrong token", "/birth-certificates", good.clone(), Some("civ_notatoken"), 401, "unauthorized"),
        ("not a civitas token", "/birth-certificates", good.clone(), Some("hello"), 401, "unauthorized"),
        ("token lacking the action", "/birth-certificates", good.clone(), Some(&status_only), 403, "forbidden"),
        ("status token cannot use VC-API issue", "/credentials/issue", b"{}".to_vec(), Some(&status_only), 403, "forbidden"),
        ("oversized body", "/birth-certificates", big, Some(&admin), 413, "too-large"),
        ("malformed JSON", "/birth-certificates", b"{\"givenName\": \"Marie\",\n  oops}".to_vec(), Some(&admin), 400, "malformed-json"),
        ("unknown member in the record", "/birth-certificates", serde_json::to_vec(&{ let mut u = undefined.clone(); u["sourceRecordId"] = json!("REJ-2"); u }).unwrap(), Some(&admin), 400, "invalid-record"),
        ("undefined term (VC-API)", "/credentials/issue", serde_json::to_vec(&v2_undefined).unwrap(), Some(&admin), 400, "undefined-term"),
        ("record in the future", "/birth-certificates", serde_json::to_vec(&invalid_record).unwrap(), Some(&admin), 400, "invalid-record"),
        ("invalid sex code", "/birth-certificates", serde_json::to_vec(&bad_sex).unwrap(), Some(&admin), 400, "invalid-record"),
        ("missing sourceRecordId", "/birth-certificates", serde_json::to_vec(&civitas_testkit::samples::birth_record()).unwrap(), Some(&admin), 400, "invalid-request"),
        ("VC-API without credential", "/credentials/issue", b"{\"options\":{}}".to_vec(), Some(&admin), 400, "invalid-request"),
        ("VC-API invalid data model", "/credentials/issue", br#"{"credential":{"@context":["https://example.org/x"],"type":["VerifiableCredential"]}}"#.to_vec(), Some(&admin), 400, "invalid-credential"),
        ("VC-API with credentialStatus", "/credentials/issue", serde_json::to_vec(&json!({"credential": {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"], "credentialStatus": {"type": "X"}, "credentialSubject": {"id": "did:example:1"}}})).unwrap(), Some(&admin), 400, "invalid-request"),
        ("VC-API foreign type", "/credentials/issue", serde_json::to_vec(&json!({"credential": {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"], "credentialSubject": {"id": "did:example:1"}}})).unwrap(), Some(&admin), 400, "invalid-request"),
        ("status: no token", "/credentials/status", b"{}".to_vec(), None, 401, "unauthorized"),
        ("status: malformed", "/credentials/status", b"[".to_vec(), Some(&admin), 400, "malformed-json"),
        ("status: unknown purpose", "/credentials/status", serde_json::to_vec(&json!({"credentialId": ok["credentialId"], "credentialStatus": [{"statusPurpose": "refresh", "status": true}]})).unwrap(), Some(&admin), 400, "invalid-request"),
        ("batch: no token", "/credentials/batch", b"{}".to_vec(), None, 401, "unauthorized"),
        ("batch: no items", "/credentials/batch", b"{}".to_vec(), Some(&admin), 400, "invalid-request"),
    ];
    for (what, path, body, token, status, slug) in cases {
        let (got, ctype, problem) = raw_post(&server, path, body, token).await;
        assert_eq!(got, status, "{what}: {problem}");
        assert_eq!(ctype, "application/problem+json", "{what}");
        assert_eq!(
            problem["type"],
            format!("https://w3id.org/civitas/problems/{slug}"),
            "{what}: {problem}"
        );
        assert_eq!(problem["status"], status, "{what}");
        assert!(
            problem["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{what}"
        );
        assert_eq!(
            snapshot(&server).await,
            before,
            "{what} changed the registry"
        );
    }
    // malformed JSON says where
    let (_, _, p) = raw_post(
        &server,
        "/birth-certificates",
        b"{\n  oops}".to_vec(),
        Some(&admin),
    )
    .await;
    assert_eq!(p["line"], 2);
    // an invalid record names the field
    let (_, _, p) = raw_post(
        &server,
        "/birth-certificates",
        serde_json::to_vec(&bad_sex).unwrap(),
        Some(&admin),
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("sex"), "{p}");
    // a batch with bad items: those fail, the good one is issued
    let (s, body) = server
        .post("/credentials/batch", &json!({"items": [common::birth_item(1), {"type": "BirthCertificate", "sourceRecordId": "x", "record": {"givenName": "A"}}, {"type": "Passport", "sourceRecordId": "y", "record": {}}]}))
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["issued"], 1);
    assert_eq!(body["failed"], 2);
    assert_eq!(body["results"][1]["status"], 400);
    assert_eq!(body["results"][2]["status"], 400);
    assert_eq!(server.issuer.credential_count().unwrap(), before.0 + 1);
    // unknown endpoint and wrong method are problems too
    let r = server.get("/nothing-here").await;
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = server.get("/credentials/issue").await;
    assert_eq!(r.status(), 405);
    // reading the registry needs admin
    let r = server.get("/credentials").await;
    assert_eq!(r.status(), 401);
    server.stop().await;
}
