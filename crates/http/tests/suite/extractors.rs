//! The problem document, the bearer-token extractor and typed JSON bodies, through a real axum
//! server on 127.0.0.1 called over HTTP: what a client sends wrong, and the problem it gets.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use civitas_http::bearer::Bearer;
use civitas_http::json::Json;
use civitas_http::problem::{PROBLEM_BASE, Problem, type_uri};
use serde_json::{Value, json};

/// The largest body `/items` takes, small so that the test stays small.
const LIMIT: usize = 256;

#[derive(Debug, serde::Deserialize)]
struct Items {
    name: String,
    items: Vec<Item>,
}

#[derive(Debug, serde::Deserialize)]
struct Item {
    count: u32,
}

async fn whoami(bearer: Bearer) -> String {
    format!("token of {} bytes", bearer.token().len())
}

async fn items(Json(request): Json<Items, LIMIT>) -> String {
    let total: u32 = request.items.iter().map(|i| i.count).sum();
    format!("{}: {total}", request.name)
}

async fn gone() -> Problem {
    Problem::unauthorized("the session ended").with_challenge("Bearer realm=\"test\"")
}

struct Server {
    base: String,
    client: reqwest::Client,
}

impl Server {
    async fn start() -> Self {
        let app = Router::new()
            .route("/whoami", get(whoami))
            .route("/items", post(items))
            .route("/gone", get(gone));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            base,
            client: reqwest::Client::new(),
        }
    }

    /// Sends `request` and returns the status, the headers and the body as JSON (`Null` when it
    /// is not JSON).
    async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        (
            status,
            headers,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }

    async fn post_items(
        &self,
        body: impl Into<reqwest::Body>,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        self.send(
            self.client
                .post(format!("{}/items", self.base))
                .header("content-type", "application/json")
                .body(body),
        )
        .await
    }
}

/// A problem answer: its status, media type and `type` URI.
fn assert_problem(got: &(u16, reqwest::header::HeaderMap, Value), status: u16, slug: &str) {
    let (s, headers, body) = got;
    assert_eq!(*s, status, "{body}");
    assert_eq!(
        headers["content-type"], "application/problem+json",
        "{body}"
    );
    assert_eq!(
        body["type"],
        format!("https://w3id.org/civitas/problems/{slug}"),
        "{body}"
    );
    assert_eq!(body["status"], status, "{body}");
    assert!(
        body["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{body}"
    );
}

#[test]
fn problem_type_uris_are_the_base_and_a_slug() {
    assert_eq!(PROBLEM_BASE, "https://w3id.org/civitas/problems/");
    assert_eq!(
        type_uri("too-large"),
        "https://w3id.org/civitas/problems/too-large"
    );
    let p = Problem::too_large(10).with("extra", json!([1]));
    assert_eq!(p.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        p.to_json(),
        json!({"type": "https://w3id.org/civitas/problems/too-large",
               "title": "Request body too large", "status": 413,
               "detail": "the request body is larger than the 10 bytes allowed",
               "limit": 10, "extra": [1]})
    );
}

#[tokio::test]
async fn a_missing_or_malformed_bearer_token_is_a_401_with_its_challenge() {
    let server = Server::start().await;
    let url = format!("{}/whoami", server.base);

    let missing = server.send(server.client.get(&url)).await;
    assert_problem(&missing, 401, "unauthorized");
    assert_eq!(missing.1["www-authenticate"], "Bearer");
    assert!(
        missing.2["detail"]
            .as_str()
            .unwrap()
            .contains("Authorization: Bearer"),
        "{}",
        missing.2
    );

    for (what, value, says) in [
        (
            "another scheme",
            "Basic dXNlcjpwdw==",
            "must be `Bearer <token>`",
        ),
        ("no token", "Bearer    ", "must be `Bearer <token>`"),
        ("no space", "Bearertoken", "must be `Bearer <token>`"),
    ] {
        let got = server
            .send(server.client.get(&url).header("authorization", value))
            .await;
        assert_problem(&got, 401, "unauthorized");
        assert_eq!(got.1["www-authenticate"], "Bearer", "{what}");
        assert!(
            got.2["detail"].as_str().unwrap().contains(says),
            "{what}: {}",
            got.2
        );
        assert!(
            !got.2.to_string().contains("dXNlcjpwdw"),
            "{what}: the header is not echoed"
        );
    }
    let not_text = reqwest::header::HeaderValue::from_bytes(b"Bearer \xffabc").unwrap();
    let got = server
        .send(server.client.get(&url).header("authorization", not_text))
        .await;
    assert_problem(&got, 401, "unauthorized");
    assert!(
        got.2["detail"].as_str().unwrap().contains("not text"),
        "{}",
        got.2
    );

    for value in ["Bearer civ_abc123", "bearer  civ_abc123 "] {
        let response = server
            .client
            .get(&url)
            .header("authorization", value)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{value}");
        assert_eq!(
            response.text().await.unwrap(),
            "token of 10 bytes",
            "{value}"
        );
    }

    let realm = server
        .send(server.client.get(format!("{}/gone", server.base)))
        .await;
    assert_problem(&realm, 401, "unauthorized");
    assert_eq!(realm.1["www-authenticate"], "Bearer realm=\"test\"");
}

#[test]
fn a_bearer_never_shows_its_token_in_debug() {
    let b = Bearer("civ_secret".to_owned());
    assert!(!format!("{b:?}").contains("civ_secret"));
}

#[tokio::test]
async fn a_typed_json_body_is_read_or_refused_with_where_and_why() {
    let server = Server::start().await;

    let ok = server
        .client
        .post(format!("{}/items", server.base))
        .body(r#"{"name": "sum", "items": [{"count": 2}, {"count": 3}], "ignored": true}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "sum: 5");

    // Over the limit: 413, the limit named, whether announced or not.
    let big = format!(r#"{{"name": "{}", "items": []}}"#, "x".repeat(LIMIT));
    let got = server.post_items(big.clone()).await;
    assert_problem(&got, 413, "too-large");
    assert_eq!(got.2["limit"], LIMIT, "{}", got.2);
    let answer = post_chunked(&server.base, "/items", big.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("problems/too-large"), "{answer}");

    // Not JSON: where.
    let got = server.post_items("{\"name\": \"x\",\n  oops}").await;
    assert_problem(&got, 400, "malformed-json");
    assert_eq!(
        (got.2["line"].clone(), got.2["column"].clone()),
        (json!(2), json!(3)),
        "{}",
        got.2
    );
    assert!(got.2["offset"].is_u64(), "{}", got.2);

    // A repeated member name: refused, with the pointer and position of the second one.
    let text = r#"{"name": "a", "items": [{"count": 1, "count": 2}]}"#;
    let got = server.post_items(text).await;
    assert_problem(&got, 400, "malformed-json");
    assert_eq!(got.2["title"], "Duplicate member name");
    assert_eq!(got.2["pointer"], "/items/0/count", "{}", got.2);
    assert_eq!(
        got.2["offset"],
        text.rfind("\"count\"").unwrap(),
        "{}",
        got.2
    );
    assert_eq!(got.2["line"], 1);

    // A member of the wrong type, or missing: the JSON pointer of the member.
    for (body, pointer, says) in [
        (
            json!({"name": "a", "items": [{"count": 1}, {"count": "2"}]}),
            "/items/1/count",
            "expected u32",
        ),
        (
            json!({"name": "a", "items": [{"count": -1}]}),
            "/items/0/count",
            "number",
        ),
        (
            json!({"name": 7, "items": []}),
            "/name",
            "expected a string",
        ),
        (
            json!({"name": "a", "items": [{}]}),
            "/items/0/count",
            "is required",
        ),
        (json!({"items": []}), "/name", "is required"),
        (json!(["a", []]), "", "the body must be a JSON object"),
        (json!("text"), "", "the body must be a JSON object"),
    ] {
        let got = server.post_items(body.to_string()).await;
        assert_problem(&got, 400, "invalid-request");
        assert_eq!(got.2["pointer"], pointer, "{body}: {}", got.2);
        let detail = got.2["detail"].as_str().unwrap();
        assert!(
            detail.starts_with(&format!("`{pointer}`: ")),
            "{body}: {detail}"
        );
        assert!(detail.contains(says), "{body}: {detail}");
    }
}

/// Posts `body` to `path` with `Transfer-Encoding: chunked` (no length announced) over a raw
/// connection, and returns the answer's text.
async fn post_chunked(base: &str, path: &str, body: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nhost: {address}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    )
    .into_bytes();
    for chunk in body.chunks(100) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    stream.write_all(&request).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}
