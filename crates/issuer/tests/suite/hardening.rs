//! The issuer service facing unusual clients: HTTP/2 with an oversized body, a status that is
//! not a boolean, weak validators, duplicate member names, caches.

use crate::common;

use std::time::Duration;

use civitas_issuer::DidMethod;
use civitas_issuer::http::routes::if_none_match;
use civitas_issuer::http::tls;
use common::{TestServer, birth_body};
use serde_json::{Value, json};

fn path_of(url: &str) -> String {
    let rest = url.split_once("://").unwrap().1;
    format!("/{}", rest.split_once('/').unwrap().1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_gets_413_over_http2_as_over_http1() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), DidMethod::Key).await;
    let cert = std::fs::read(tls::self_signed_cert_path(dir.path())).unwrap();
    let client = |http2: bool| {
        let builder = reqwest::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_pem(&cert).unwrap()])
            .timeout(Duration::from_secs(60));
        if http2 {
            builder.http2_prior_knowledge()
        } else {
            builder.http1_only()
        }
        .build()
        .unwrap()
    };
    let limit = civitas_issuer::http::routes::MAX_BODY;
    // Just over the limit and far over it: read to the end (and dropped) before the answer.
    let cert_path = tls::self_signed_cert_path(dir.path());
    for size in [limit + 100, 24 * 1024 * 1024] {
        let body = format!("{{\"padding\": \"{}\"}}", "a".repeat(size));
        // curl (nghttp2, HTTP/2 by ALPN over TLS) reports a stream reset before the upload
        // is read as an error (exit 92) instead of the answer.
        let file = dir.path().join("body.json");
        std::fs::write(&file, &body).unwrap();
        let curl = civitas_testkit::tools::available(
            "curl",
            "--version",
            "curl",
            "413 over HTTP/2 with curl",
        )
        .then(|| {
            std::process::Command::new("curl")
                .args([
                    "--http2",
                    "-s",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{http_code} %{http_version}",
                ])
                .arg("--cacert")
                .arg(&cert_path)
                .args(["-H", &format!("authorization: Bearer {}", server.token())])
                .args(["-H", "content-type: application/json", "--data-binary"])
                .arg(format!("@{}", file.display()))
                .arg(server.url("/birth-certificates"))
                .output()
        });
        if let Some(Ok(out)) = curl {
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(out.status.success(), "curl: {:?} {stdout}", out.status);
            assert_eq!(stdout, "413 2", "curl over HTTP/2, {size} bytes");
        }
        for http2 in [false, true] {
            let response = client(http2)
                .post(server.url("/birth-certificates"))
                .bearer_auth(server.token())
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .unwrap_or_else(|e| panic!("HTTP/2: {http2}, {size} bytes: {e:?}"));
            if http2 {
                assert_eq!(response.version(), reqwest::Version::HTTP_2);
            }
            assert_eq!(response.status().as_u16(), 413, "HTTP/2: {http2}, {size}");
            let problem: Value = response.json().await.unwrap();
            assert_eq!(problem["status"], 413);
        }
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_must_be_a_json_boolean() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), DidMethod::Key).await;
    let (status, issued) = server.post("/birth-certificates", &birth_body("H-1")).await;
    assert_eq!(status, 201, "{issued}");
    let id = issued["credentialId"].as_str().unwrap();
    let (status, body) = server
        .post(
            "/credentials/status",
            &json!({"credentialId": id, "action": "suspend"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["suspended"], true);
    // `2`, `0`, `"false"`, `null` are not booleans: refused, and nothing changes.
    for value in [
        json!(2),
        json!(0),
        json!("false"),
        json!(null),
        json!([false]),
    ] {
        let (status, problem) = server
            .post(
                "/credentials/status",
                &json!({"credentialId": id, "credentialStatus": [
                    {"type": "BitstringStatusListEntry", "statusPurpose": "suspension", "status": value}]}),
            )
            .await;
        assert_eq!(status, 400, "{value}: {problem}");
        assert_eq!(problem["member"], "/credentialStatus/0/status", "{problem}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("true or false"),
            "{problem}"
        );
    }
    let (status, body) = server
        .post(
            "/credentials/status",
            &json!({"credentialId": id, "credentialStatus": [
                {"type": "BitstringStatusListEntry", "statusPurpose": "suspension", "status": true}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["changed"], false, "still suspended: {body}");
    server.stop().await;
}

#[test]
fn if_none_match_uses_weak_comparison() {
    let etag = "\"abc\"";
    for field in [
        "\"abc\"",
        "W/\"abc\"",
        "*",
        " \"x\", W/\"abc\"",
        "\"x\",\"abc\"",
        "\"a,b\", \"abc\"",
    ] {
        assert!(if_none_match(field, etag), "{field}");
    }
    for field in [
        "\"abd\"", "W/\"ab\"", "abc", "\"a,b\"", "", "\"abc", "W/abc",
    ] {
        assert!(!if_none_match(field, etag), "{field}");
    }
    assert!(if_none_match("\"abc\"", "W/\"abc\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weak_validators_duplicate_names_and_caching() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), DidMethod::Key).await;
    let response = server
        .client
        .post(server.url("/birth-certificates"))
        .bearer_auth(server.token())
        .json(&birth_body("H-2"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let issued: Value = response.json().await.unwrap();
    let id = issued["credentialId"].as_str().unwrap();
    let list = issued["verifiableCredential"]["credentialStatus"][0]["statusListCredential"]
        .as_str()
        .unwrap();

    // The status list keeps its public caching; a weak If-None-Match matches its strong ETag.
    let r = server.get(&path_of(list)).await;
    assert_eq!(r.headers()["cache-control"], "public, max-age=300");
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    for field in [
        format!("W/{etag}"),
        format!("\"other\", W/{etag}"),
        "*".into(),
    ] {
        let r = server
            .client
            .get(server.url(&path_of(list)))
            .header("If-None-Match", &field)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 304, "{field}");
    }

    // Personal data is never stored by a cache.
    for path in [
        format!("/credentials/{id}"),
        "/credentials".into(),
        "/audit".into(),
    ] {
        let r = server
            .client
            .get(server.url(&path))
            .bearer_auth(server.token())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["cache-control"], "no-store", "{path}");
    }

    // A repeated member name is refused with where it is.
    let body = serde_json::to_string(&birth_body("H-3")).unwrap().replacen(
        "\"givenName\":",
        "\"givenName\":\"Forged\",\"givenName\":",
        1,
    );
    let r = server
        .client
        .post(server.url("/birth-certificates"))
        .bearer_auth(server.token())
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["pointer"], "/givenName", "{problem}");
    let second =
        body.find("\"givenName\":\"Forged\",").unwrap() + "\"givenName\":\"Forged\",".len();
    assert_eq!(problem["offset"].as_u64(), Some(second as u64), "{problem}");
    server.stop().await;
}
