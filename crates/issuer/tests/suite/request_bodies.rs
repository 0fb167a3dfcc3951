//! Request bodies and bearer tokens through civitas-http's extractors, over HTTPS on 127.0.0.1:
//! a wrong or missing member is a 400 `invalid-request` naming its JSON pointer (in `member`),
//! a bad `Authorization` header a 401 with the issuer's challenge, and nothing is issued.

use crate::common;

use civitas_issuer::DidMethod;
use common::{TestServer, birth_body};
use serde_json::{Value, json};

/// Posts `body` with the admin token; returns the status and the problem document.
async fn refused(server: &TestServer, path: &str, body: &Value) -> (u16, Value) {
    let (status, problem) = server.post(path, body).await;
    assert_eq!(
        problem["type"], "https://w3id.org/civitas/problems/invalid-request",
        "{path} {body}: {problem}"
    );
    (status, problem)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_member_is_named_by_its_json_pointer() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), DidMethod::Web).await;
    let count = server.issuer.credential_count().unwrap();

    let with = |source: &str, key: &str, value: Value| {
        let mut b = birth_body(source);
        b[key] = value;
        b
    };
    let credential = json!({"@context": ["https://www.w3.org/ns/credentials/v2"]});
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "/birth-certificates",
            with("B-1", "options", json!({"supersede": "yes"})),
            "/options/supersede",
            "expected a boolean",
        ),
        (
            "/birth-certificates",
            with("B-2", "options", json!({"securing": "pgp"})),
            "/options/securing",
            "pgp",
        ),
        (
            "/birth-certificates",
            with("B-3", "options", json!({"format": 7})),
            "/options/format",
            "expected a string",
        ),
        (
            "/birth-certificates",
            with("B-4", "options", json!(null)),
            "/options",
            "null",
        ),
        (
            "/birth-certificates",
            with("B-5", "sourceRecordId", json!(12)),
            "/sourceRecordId",
            "expected a string",
        ),
        (
            "/birth-certificates",
            json!(["not", "an", "object"]),
            "",
            "must be a JSON object",
        ),
        (
            "/credentials/issue",
            json!({"options": {}}),
            "/credential",
            "is required",
        ),
        (
            "/credentials/issue",
            json!({"credential": credential, "options": {"sourceRecordId": false}}),
            "/options/sourceRecordId",
            "expected a string",
        ),
        (
            "/credentials/batch",
            json!({"items": {"type": "BirthCertificate"}}),
            "/items",
            "expected a sequence",
        ),
        (
            "/credentials/batch",
            json!({"items": [], "options": {"supersede": 1}}),
            "/options/supersede",
            "expected a boolean",
        ),
        (
            "/credentials/status",
            json!({"action": "revoke"}),
            "/credentialId",
            "is required",
        ),
        (
            "/credentials/status",
            json!({"credentialId": "urn:uuid:x", "action": "erase"}),
            "/action",
            "not a status action",
        ),
        (
            "/credentials/status",
            json!({"credentialId": "urn:uuid:x", "reason": 5, "action": "revoke"}),
            "/reason",
            "expected a string",
        ),
        (
            "/credentials/status",
            json!({"credentialId": "urn:uuid:x", "credentialStatus": [{"statusPurpose": "revocation", "status": true}, {"statusPurpose": "suspension", "status": "on"}]}),
            "/credentialStatus/1/status",
            "true or false",
        ),
        (
            "/tokens",
            json!({"name": "desk", "actions": ["issue", 5]}),
            "/actions/1",
            "expected a string",
        ),
        (
            "/tokens",
            json!({"name": "desk", "actions": ["fly"]}),
            "/actions/0",
            "not an action",
        ),
        (
            "/tokens",
            json!({"actions": ["issue"]}),
            "/name",
            "is required",
        ),
    ];
    for (path, body, pointer, says) in cases {
        let (status, problem) = refused(&server, path, &body).await;
        assert_eq!(status, 400, "{path} {body}: {problem}");
        assert_eq!(problem["member"], pointer, "{path} {body}: {problem}");
        let detail = problem["detail"].as_str().unwrap();
        assert!(
            detail.starts_with(&format!("`{pointer}`: ")),
            "{path} {body}: {detail}"
        );
        assert!(detail.contains(says), "{path} {body}: {detail}");
    }

    // In a batch, a bad item fails alone, named from the top of the request.
    let mut bad = common::birth_item(2);
    bad["options"] = json!({"supersede": "no"});
    let (status, body) = server
        .post(
            "/credentials/batch",
            &json!({"items": [common::birth_item(1), bad]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["issued"].clone(), body["failed"].clone()),
        (json!(1), json!(1)),
        "{body}"
    );
    let problem = &body["results"][1]["problem"];
    assert_eq!(problem["member"], "/items/1/options/supersede", "{body}");
    assert_eq!(server.issuer.credential_count().unwrap(), count + 1);

    // Options that are right are still read: `format` names the securing.
    let (status, body) = server
        .post(
            "/birth-certificates",
            &with(
                "B-6",
                "options",
                json!({"format": "vc+jwt", "supersede": false}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body["verifiableCredential"]["type"], "EnvelopedVerifiableCredential",
        "{body}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_authorization_header_is_a_401_with_the_issuer_challenge() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), DidMethod::Web).await;
    let body = serde_json::to_vec(&birth_body("AUTH-1")).unwrap();
    let admin = format!("Bearer {}", server.token());
    for (what, header, status, says) in [
        ("none", None, 401, "needs `Authorization: Bearer <token>`"),
        (
            "basic",
            Some("Basic YWRtaW46YWRtaW4="),
            401,
            "must be `Bearer <token>`",
        ),
        ("empty", Some("Bearer "), 401, "must be `Bearer <token>`"),
        ("unknown", Some("Bearer civ_unknown"), 401, "not valid"),
        ("admin", Some(admin.as_str()), 201, ""),
    ] {
        let mut request = server
            .client
            .post(server.url("/birth-certificates"))
            .header("content-type", "application/json")
            .body(body.clone());
        if let Some(h) = header {
            request = request.header("authorization", h);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{what}");
        if status == 401 {
            assert_eq!(
                response.headers()["www-authenticate"],
                "Bearer realm=\"civitas-issuer\"",
                "{what}"
            );
            let problem: Value = response.json().await.unwrap();
            assert_eq!(
                problem["type"], "https://w3id.org/civitas/problems/unauthorized",
                "{what}"
            );
            assert!(
                problem["detail"].as_str().unwrap().contains(says),
                "{what}: {problem}"
            );
        }
    }
    // Reads state their permission too: an issue token may not list the registry.
    let (s, t) = server
        .post("/tokens", &json!({"name": "clerk", "actions": ["issue"]}))
        .await;
    assert_eq!(s, 201, "{t}");
    let response = server
        .client
        .get(server.url("/credentials"))
        .bearer_auth(t["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["requiredAction"], "admin", "{problem}");
    server.stop().await;
}
