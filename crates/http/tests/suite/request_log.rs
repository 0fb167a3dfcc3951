//! The request log, through a real axum router: what each line holds, and what it never holds.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::{get, post};
use axum::{Router, middleware};
use civitas_http::request_log::{REQUEST_ID, log_request};
use tower::ServiceExt as _;

/// Collects what the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::ErrorKind::Other)?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn lines(&self) -> Vec<serde_json::Value> {
        let bytes = self.0.lock().unwrap().clone();
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

fn app() -> Router {
    Router::new()
        .route("/ok", get(|| async { "fine" }))
        .route(
            "/broken",
            post(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "no") }),
        )
        .layer(middleware::from_fn(log_request))
}

#[tokio::test]
async fn each_request_is_one_line_with_id_method_path_status_and_latency_and_no_secret() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let response = app()
        .oneshot(
            Request::get("/ok?name=Marie-Claire")
                .header("authorization", "Bearer secret-token-123")
                .header(REQUEST_ID, "client-id.42")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[REQUEST_ID], "client-id.42");

    let response = app()
        .oneshot(
            Request::post("/broken")
                .header(REQUEST_ID, "not a valid id; <script>")
                .body(Body::from(r#"{"givenName": "Marie-Claire"}"#))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    let made = response.headers()[REQUEST_ID].to_str().unwrap().to_owned();
    assert_eq!(made.len(), 16, "a malformed client id is replaced: {made}");
    assert!(made.bytes().all(|b| b.is_ascii_hexdigit()));

    let lines = captured.lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let first = &lines[0];
    assert_eq!(first["level"], "INFO");
    assert_eq!(first["target"], "civitas::http");
    assert_eq!(first["request_id"], "client-id.42");
    assert_eq!(first["method"], "GET");
    assert_eq!(first["path"], "/ok");
    assert_eq!(first["status"], 200);
    assert!(first["latency_us"].is_u64());
    let second = &lines[1];
    assert_eq!(second["level"], "ERROR");
    assert_eq!(second["request_id"], made.as_str());
    assert_eq!(second["status"], 500);
    let all = serde_json::to_string(&lines).unwrap();
    for secret in ["secret-token-123", "Marie-Claire", "Bearer", "script"] {
        assert!(!all.contains(secret), "{secret} was logged: {all}");
    }
}

#[test]
fn log_formats_parse_by_name() {
    use civitas_http::logging::LogFormat;
    assert_eq!("json".parse::<LogFormat>(), Ok(LogFormat::Json));
    assert_eq!("text".parse::<LogFormat>(), Ok(LogFormat::Text));
    let err = "xml".parse::<LogFormat>().unwrap_err();
    assert!(err.to_string().contains("xml"));
}
