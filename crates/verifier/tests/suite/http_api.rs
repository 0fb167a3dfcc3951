//! The VC-API verify endpoints, served on 127.0.0.1 and called over HTTP.

use crate::common;

use std::sync::Arc;

use chrono::Duration;
use civitas_core::secure::{Securing, secure_credential};
use civitas_verifier::http;
use common::*;
use serde_json::{Value, json};

struct Api {
    base: String,
    client: reqwest::Client,
}

impl Api {
    async fn start(w: &World) -> Self {
        let verifier = Arc::new(w.live_verifier().await);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(http::serve(listener, verifier));
        Self {
            base,
            client: reqwest::Client::new(),
        }
    }

    async fn post(&self, path: &str, body: impl Into<reqwest::Body>) -> (u16, String, Value) {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = response.text().await.unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        (status, content_type, json)
    }

    async fn post_json(&self, path: &str, body: &Value) -> (u16, String, Value) {
        self.post(path, serde_json::to_vec(body).unwrap()).await
    }
}

fn doc(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[tokio::test]
async fn credentials_verify() {
    let w = World::new().await;
    let api = Api::start(&w).await;
    let birth = w.valid_birth().await;

    // Valid: 200 with the report; unknown option keys are ignored.
    let (status, ctype, body) = api
        .post_json(
            "/credentials/verify",
            &json!({"verifiableCredential": doc(&birth), "options": {"checks": ["proof"], "unknown": 1}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(ctype.starts_with("application/json"));
    assert_eq!(body["verified"], true);
    assert_eq!(body["report"]["verdict"], "valid");
    assert!(
        body["checks"]
            .as_array()
            .unwrap()
            .contains(&json!("trustedIssuer"))
    );
    assert_eq!(body["errors"], json!([]));

    // A vc+jwt as a string.
    let unsigned = w
        .registry
        .birth(None, 10, at(BIRTH_VALID_FROM))
        .valid_from(chrono::Utc::now() - Duration::days(1))
        .build()
        .unwrap();
    let jwt = secure_credential(
        unsigned.json(),
        &w.registry.signer,
        Securing::VcJwt,
        &Default::default(),
        &civitas_jsonld::contexts::ContextLoader::bundled(),
    )
    .await
    .unwrap();
    let (status, _, body) = api
        .post_json("/credentials/verify", &json!({"verifiableCredential": jwt}))
        .await;
    assert_eq!(status, 200, "{body}");

    // Invalid: 422 problem details with the report.
    let forged = birth.replace("Marie-Claire", "Marie-Claude");
    let (status, ctype, body) = api
        .post_json(
            "/credentials/verify",
            &json!({"verifiableCredential": doc(&forged)}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(ctype, "application/problem+json");
    assert_eq!(
        body["type"],
        "https://w3id.org/civitas/problems/verification-failed"
    );
    assert_eq!(body["status"], 422);
    assert_eq!(body["verified"], false);
    assert!(
        body["detail"].as_str().unwrap().starts_with("signature:"),
        "{body}"
    );
    assert_eq!(body["report"]["verdict"], "invalid");
    assert_eq!(
        body["errors"][0]["type"],
        "https://w3id.org/civitas/problems/signature"
    );

    // Revoked: 422 as well.
    let unsigned = w
        .registry
        .birth(None, 20, at(BIRTH_VALID_FROM))
        .build()
        .unwrap();
    let revoked = sign_di(
        unsigned.json(),
        &w.registry.signer,
        now() - Duration::days(1),
    )
    .await;
    let (status, _, body) = api
        .post_json(
            "/credentials/verify",
            &json!({"verifiableCredential": doc(&revoked)}),
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        body["detail"].as_str().unwrap().starts_with("revocation:"),
        "{body}"
    );

    // Indeterminate (no status list for this issuer's lists): 422, its own problem type.
    let unsigned = w
        .js_issuer
        .birth(None, 10, at(BIRTH_VALID_FROM))
        .build()
        .unwrap();
    let unknown = sign_di(unsigned.json(), &w.js_issuer.signer, now()).await;
    let (status, _, body) = api
        .post_json(
            "/credentials/verify",
            &json!({"verifiableCredential": doc(&unknown)}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["type"],
        "https://w3id.org/civitas/problems/verification-indeterminate"
    );
    assert_eq!(body["report"]["verdict"], "indeterminate");
    assert!(!body["warnings"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn bad_requests() {
    let w = World::new().await;
    let api = Api::start(&w).await;

    // Malformed JSON: 400.
    let (status, ctype, body) = api
        .post("/credentials/verify", "{\"verifiableCredential\": ")
        .await;
    assert_eq!(status, 400);
    assert_eq!(ctype, "application/problem+json");
    assert_eq!(
        body["type"],
        "https://w3id.org/civitas/problems/malformed-request"
    );
    assert!(
        body["detail"].as_str().unwrap().contains("not JSON"),
        "{body}"
    );
    // … saying where (the strict parser's line, column and byte offset).
    assert_eq!(body["line"], 1, "{body}");
    assert_eq!(body["offset"], 24, "{body}");
    assert!(body["column"].is_u64(), "{body}");

    // An option of the wrong type names its JSON pointer; the document member says what it
    // must be.
    let (status, _, body) = api
        .post_json(
            "/credentials/verify",
            &json!({"verifiableCredential": "CV1:x", "options": {"domain": ["bank.example"]}}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["type"],
        "https://w3id.org/civitas/problems/malformed-request"
    );
    assert_eq!(body["pointer"], "/options/domain", "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .starts_with("`/options/domain`: invalid type"),
        "{body}"
    );
    let (status, _, body) = api
        .post_json(
            "/credentials/verify",
            &json!({"verifiableCredential": null}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["detail"],
        "`verifiableCredential` must be a JSON object or a string (vc+jwt, compact QR)"
    );

    // No document, a document of the wrong kind, an option of the wrong type: 400.
    for (path, request) in [
        ("/credentials/verify", json!({"options": {}})),
        ("/credentials/verify", json!([1, 2])),
        ("/credentials/verify", json!({"verifiableCredential": 5})),
        (
            "/presentations/verify",
            json!({"verifiablePresentation": doc(&w.valid_birth().await)}),
        ),
        (
            "/credentials/verify",
            json!({"verifiableCredential": doc(&w.valid_birth().await), "options": {"challenge": 5}}),
        ),
    ] {
        let (status, ctype, body) = api.post_json(path, &request).await;
        assert_eq!(status, 400, "{request}: {body}");
        assert_eq!(ctype, "application/problem+json");
    }

    // A document that is not a credential: 400 with the report.
    let (status, _, body) = api
        .post_json(
            "/credentials/verify",
            &json!({"verifiableCredential": {"type": ["VerifiableCredential"]}}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["type"],
        "https://w3id.org/civitas/problems/malformed-document"
    );
    assert_eq!(body["report"]["checks"][0]["check"], "syntax");

    // Over 1 MiB: 413.
    let big = format!(
        "{{\"verifiableCredential\": {{}}, \"padding\": \"{}\"}}",
        "a".repeat(http::MAX_BODY_BYTES)
    );
    let (status, ctype, body) = api.post("/credentials/verify", big).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(ctype, "application/problem+json");
    assert_eq!(
        body["type"],
        "https://w3id.org/civitas/problems/request-too-large"
    );
}

#[tokio::test]
async fn presentations_verify() {
    let w = World::new().await;
    let api = Api::start(&w).await;
    let birth = w.valid_birth().await;
    let vp = w
        .present(&[&birth], Some("c-42"), Some("bank.example"))
        .await;

    let (status, _, body) = api
        .post_json(
            "/presentations/verify",
            &json!({"verifiablePresentation": doc(&vp),
                    "options": {"challenge": "c-42", "domain": "bank.example", "extra": true}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["report"]["kind"], "presentation");
    assert_eq!(body["report"]["credentials"][0]["verdict"], "valid");

    let (status, _, body) = api
        .post_json(
            "/presentations/verify",
            &json!({"verifiablePresentation": doc(&vp),
                    "options": {"challenge": "c-43", "domain": "bank.example"}}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["detail"].as_str().unwrap().starts_with("challenge:"),
        "{body}"
    );

    // A presentation sent to the credentials endpoint.
    let (status, _, _) = api
        .post_json(
            "/credentials/verify",
            &json!({"verifiableCredential": doc(&vp)}),
        )
        .await;
    assert_eq!(status, 400);
}

/// The status and HTTP version curl reports for POSTing `file` to `url` (`"413 2"`), or `None`
/// when curl is not installed (a loud skip; a failure under `CI=true`).
async fn curl_status(args: &[&str], file: &std::path::Path, url: &str) -> Option<String> {
    if !civitas_testkit::tools::available("curl", "--version", "curl", "413 over HTTP/2 with curl")
    {
        return None;
    }
    let out = tokio::process::Command::new("curl")
        .args(args)
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{http_version}",
        ])
        .args(["-H", "content-type: application/json", "--data-binary"])
        .arg(format!("@{}", file.display()))
        .arg(url)
        .output()
        .await
        .ok()?;
    assert!(
        out.status.success(),
        "curl failed: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stdout)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A client speaking HTTP/2 from the first byte (h2c prior knowledge), as a gateway would.
fn http2_client() -> reqwest::Client {
    reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap()
}

#[tokio::test]
async fn an_oversized_body_gets_413_over_http2_as_over_http1() {
    let w = World::new().await;
    let api = Api::start(&w).await;
    // Just over the limit, and far over it: read to the end (and dropped) before the answer.
    let dir = tempfile::tempdir().unwrap();
    for size in [http::MAX_BODY_BYTES + 100, 12 * 1024 * 1024] {
        let big = format!(
            "{{\"verifiableCredential\": {{}}, \"padding\": \"{}\"}}",
            "a".repeat(size)
        );
        // curl (nghttp2) reports a stream the server resets before reading the upload as an
        // error (exit 92) instead of the answer.
        let file = dir.path().join("body.json");
        std::fs::write(&file, &big).unwrap();
        let url = format!("{}/credentials/verify", api.base);
        if let Some(status) = curl_status(&["--http2-prior-knowledge"], &file, &url).await {
            assert_eq!(status, "413 2", "curl over HTTP/2, {size} bytes");
        }
        let clients = [
            ("HTTP/1.1", reqwest::Client::new()),
            ("HTTP/2", http2_client()),
        ];
        for (protocol, client) in clients {
            let response = client
                .post(format!("{}/credentials/verify", api.base))
                .header("content-type", "application/json")
                .body(big.clone())
                .send()
                .await
                .unwrap_or_else(|e| panic!("{protocol}, {size} bytes: {e:?}"));
            if protocol == "HTTP/2" {
                assert_eq!(response.version(), reqwest::Version::HTTP_2);
            }
            assert_eq!(response.status().as_u16(), 413, "{protocol}, {size} bytes");
            let body: Value = response.json().await.unwrap();
            assert_eq!(
                body["type"], "https://w3id.org/civitas/problems/request-too-large",
                "{protocol}"
            );
        }
    }
}

#[tokio::test]
async fn duplicate_member_names_are_refused_with_their_pointer() {
    let w = World::new().await;
    let api = Api::start(&w).await;
    let birth = w.valid_birth().await;
    let value = doc(&birth);
    let given = value["credentialSubject"]["givenName"].to_string();
    let text = serde_json::to_string(&value).unwrap().replacen(
        &format!("\"givenName\":{given}"),
        &format!("\"givenName\":\"Forged\",\"givenName\":{given}"),
        1,
    );
    assert!(text.contains("Forged"));
    let request = format!("{{\"verifiableCredential\": {text}}}");
    let (status, ctype, body) = api.post("/credentials/verify", request).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(ctype, "application/problem+json");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains(
            "duplicate member name at `/verifiableCredential/credentialSubject/givenName`"
        ),
        "{detail}"
    );
    // A duplicate in the request itself.
    let (status, _, body) = api
        .post(
            "/credentials/verify",
            format!("{{\"verifiableCredential\": {birth}, \"options\": {{}}, \"options\": {{}}}}"),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("`/options`"),
        "{body}"
    );
}

#[tokio::test]
async fn verification_answers_are_not_cached_and_unknown_contexts_are_indeterminate() {
    let w = World::new().await;
    let api = Api::start(&w).await;
    let birth = w.valid_birth().await;
    let mut unknown = doc(&birth);
    unknown["@context"]
        .as_array_mut()
        .unwrap()
        .push(json!("https://contexts.example/unknown/v1"));
    for (request, status) in [
        (json!({"verifiableCredential": doc(&birth)}), 200),
        (json!({"verifiableCredential": unknown}), 422),
        (json!({"nothing": true}), 400),
    ] {
        let response = api
            .client
            .post(format!("{}/credentials/verify", api.base))
            .json(&request)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status);
        assert_eq!(
            response
                .headers()
                .get("cache-control")
                .map(|v| v.to_str().unwrap()),
            Some("no-store"),
            "{status}"
        );
        let body: Value = response.json().await.unwrap();
        if status == 422 {
            assert_eq!(
                body["type"], "https://w3id.org/civitas/problems/verification-indeterminate",
                "{body}"
            );
            assert!(
                body["detail"]
                    .as_str()
                    .unwrap()
                    .contains("https://contexts.example/unknown/v1"),
                "{body}"
            );
        }
    }
}

#[tokio::test]
async fn every_answer_names_its_request_for_the_request_log() {
    let w = World::new().await;
    let api = Api::start(&w).await;
    let response = api
        .client
        .post(format!("{}/credentials/verify", api.base))
        .header("x-request-id", "bank-desk-3")
        .json(&json!({"nothing": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(response.headers()["x-request-id"], "bank-desk-3");
}
