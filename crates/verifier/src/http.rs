//! The W3C VC-API verify endpoints as an axum [`Router`]: `POST /credentials/verify` and
//! `POST /presentations/verify`. `civitas verifier serve` serves it; the issuer's server can
//! mount it (`Router::merge` or `nest`).
//!
//! - **200** `application/json` when the verdict is valid: `{"verified": true, "checks": [...],
//!   "warnings": [...], "errors": [], "report": {...}}`.
//! - **422** `application/problem+json` (RFC 9457) when the document was read but is invalid
//!   (`…#verification-failed`) or cannot be confirmed (`…#verification-indeterminate`), with
//!   the same members plus the report.
//! - **400** problem details when the request is not JSON, lacks the document, has an option of
//!   the wrong type, or the document cannot be read at all (with the report).
//! - **413** problem details when the body is larger than [`MAX_BODY_BYTES`] (1 MiB).
//!
//! Option keys other than `challenge` and `domain` are ignored, as VC-API asks.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use civitas_core::report::{DocumentKind, Outcome, Report, Verdict};
use civitas_core::verify::VerifyOptions;
use civitas_http::body::{BodyError, read_limited};
use civitas_http::caching::no_store;
use civitas_http::request_log::log_request;
use serde_json::{Map, Value, json};

use crate::verifier::Verifier;

/// Largest request body accepted (1 MiB).
pub const MAX_BODY_BYTES: usize = civitas_core::credential::MAX_DOCUMENT_BYTES;

/// The base of civitas' problem `type` URIs.
pub const PROBLEM_BASE: &str = "https://w3id.org/civitas/problems#";

/// The verify routes, sharing `verifier`.
pub fn router(verifier: Arc<Verifier>) -> Router {
    Router::new()
        .route("/credentials/verify", post(verify_credential))
        .route("/presentations/verify", post(verify_presentation))
        // every answer carries the verified document's content (the report): never cached
        .layer(axum::middleware::map_response(no_store))
        .layer(axum::middleware::from_fn(log_request))
        .with_state(verifier)
}

/// Reads the request body, or answers 413: a body over [`MAX_BODY_BYTES`] is read to its end
/// (and dropped) first, so that every client gets the answer (see `civitas_http::body`).
async fn read_body(headers: &HeaderMap, body: Body) -> Result<Bytes, Response> {
    read_limited(headers, body, MAX_BODY_BYTES)
        .await
        .map_err(|e| match e {
            BodyError::TooLarge { .. } => problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request-too-large",
                "Request too large",
                &format!("the body is larger than {MAX_BODY_BYTES} bytes"),
                Map::new(),
            ),
            BodyError::Unreadable { .. } => problem(
                StatusCode::BAD_REQUEST,
                "malformed-request",
                "Bad request",
                &e.to_string(),
                Map::new(),
            ),
        })
}

/// Serves [`router`] on `listener` until the task is dropped or the server fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    verifier: Arc<Verifier>,
) -> std::io::Result<()> {
    axum::serve(listener, router(verifier)).await
}

/// An RFC 9457 problem with extra members.
fn problem(
    status: StatusCode,
    kind: &str,
    title: &str,
    detail: &str,
    extra: Map<String, Value>,
) -> Response {
    let mut body = Map::new();
    body.insert("type".into(), format!("{PROBLEM_BASE}{kind}").into());
    body.insert("title".into(), title.into());
    body.insert("status".into(), status.as_u16().into());
    body.insert("detail".into(), detail.into());
    body.extend(extra);
    let mut response = (status, axum::Json(Value::Object(body))).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

/// A request refused before verification (400).
struct BadRequest {
    kind: &'static str,
    detail: String,
}

fn bad_request(kind: &'static str, detail: &str) -> BadRequest {
    BadRequest {
        kind,
        detail: detail.to_owned(),
    }
}

impl IntoResponse for BadRequest {
    fn into_response(self) -> Response {
        problem(
            StatusCode::BAD_REQUEST,
            self.kind,
            "Bad request",
            &self.detail,
            Map::new(),
        )
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    Credential,
    Presentation,
}

impl Expect {
    fn member(self) -> &'static str {
        match self {
            Self::Credential => "verifiableCredential",
            Self::Presentation => "verifiablePresentation",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Self::Credential => "credential",
            Self::Presentation => "presentation",
        }
    }
}

async fn verify_credential(
    State(verifier): State<Arc<Verifier>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    handle(&verifier, &headers, body, Expect::Credential).await
}

async fn verify_presentation(
    State(verifier): State<Arc<Verifier>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    handle(&verifier, &headers, body, Expect::Presentation).await
}

fn is_presentation(value: &Value) -> bool {
    civitas_core::credential::one_or_many(value.get("type"))
        .iter()
        .any(|t| t.as_str() == Some("VerifiablePresentation"))
}

/// Reads the request: the document's bytes and the options.
fn read_request(body: &[u8], expect: Expect) -> Result<(Vec<u8>, VerifyOptions), BadRequest> {
    let request = civitas_core::credential::parse_json(body)
        .map_err(|e| bad_request("malformed-request", &format!("the body is not JSON: {e}")))?;
    let Some(request) = request.as_object() else {
        return Err(bad_request(
            "malformed-request",
            "the body must be a JSON object",
        ));
    };
    let member = expect.member();
    let document = match request.get(member) {
        Some(Value::Object(o)) => {
            let value = Value::Object(o.clone());
            if is_presentation(&value) != (expect == Expect::Presentation) {
                return Err(bad_request(
                    "wrong-document",
                    &format!("`{member}` must be a verifiable {}", expect.noun()),
                ));
            }
            serde_json::to_vec(&value)
                .map_err(|e| bad_request("malformed-request", &e.to_string()))?
        }
        Some(Value::String(s)) if expect == Expect::Credential => s.as_bytes().to_vec(),
        Some(_) => {
            return Err(bad_request(
                "malformed-request",
                &format!(
                    "`{member}` must be a JSON object{}",
                    if expect == Expect::Credential {
                        " or a string (vc+jwt, compact QR)"
                    } else {
                        ""
                    }
                ),
            ));
        }
        None => {
            return Err(bad_request(
                "malformed-request",
                &format!("the request has no `{member}`"),
            ));
        }
    };
    let mut options = VerifyOptions::default();
    match request.get("options") {
        None | Some(Value::Null) => {}
        Some(Value::Object(o)) => {
            let text = |key: &str| -> Result<Option<String>, BadRequest> {
                match o.get(key) {
                    None | Some(Value::Null) => Ok(None),
                    Some(Value::String(s)) => Ok(Some(s.clone())),
                    Some(_) => Err(bad_request(
                        "malformed-request",
                        &format!("option `{key}` must be a string"),
                    )),
                }
            };
            options.challenge = text("challenge")?;
            options.domain = text("domain")?;
        }
        Some(_) => {
            return Err(bad_request(
                "malformed-request",
                "`options` must be an object",
            ));
        }
    }
    Ok((document, options))
}

/// The VC-API result members for a report.
fn result_members(report: &Report) -> Map<String, Value> {
    let mut checks = Vec::new();
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    for c in &report.checks {
        let name = serde_json::to_value(c.check).unwrap_or(Value::Null);
        match &c.outcome {
            Outcome::Passed { .. } => checks.push(name),
            Outcome::NotApplicable { .. } => {}
            Outcome::Indeterminate { reason } => warnings.push(json!({
                "type": format!("{PROBLEM_BASE}{}", name.as_str().unwrap_or_default()),
                "title": format!("{} could not be decided", c.check.label()),
                "detail": reason,
            })),
            Outcome::Failed { reason } => errors.push(json!({
                "type": format!("{PROBLEM_BASE}{}", name.as_str().unwrap_or_default()),
                "title": format!("{} failed", c.check.label()),
                "detail": reason,
            })),
        }
    }
    let mut m = Map::new();
    m.insert("verified".into(), (report.verdict == Verdict::Valid).into());
    m.insert("checks".into(), checks.into());
    m.insert("warnings".into(), warnings.into());
    m.insert("errors".into(), errors.into());
    m.insert(
        "report".into(),
        serde_json::to_value(report).unwrap_or(Value::Null),
    );
    m
}

async fn handle(verifier: &Verifier, headers: &HeaderMap, body: Body, expect: Expect) -> Response {
    let body = match read_body(headers, body).await {
        Ok(b) => b,
        Err(response) => return response,
    };
    let (document, options) = match read_request(&body, expect) {
        Ok(r) => r,
        Err(bad) => return bad.into_response(),
    };
    let report = verifier.verify(&document, &options).await;
    let detail = report
        .checks
        .iter()
        .find(|c| c.outcome.is_failed())
        .or_else(|| {
            report
                .checks
                .iter()
                .find(|c| matches!(c.outcome, Outcome::Indeterminate { .. }))
        })
        .map(|c| format!("{}: {}", c.check.label(), c.outcome.text()))
        .unwrap_or_default();
    let members = result_members(&report);
    if report.kind == DocumentKind::Unknown
        || report
            .outcome(civitas_core::report::CheckKind::Syntax)
            .is_some_and(Outcome::is_failed)
    {
        return problem(
            StatusCode::BAD_REQUEST,
            "malformed-document",
            &format!("The {} cannot be read", expect.noun()),
            &detail,
            members,
        );
    }
    match report.verdict {
        Verdict::Valid => (StatusCode::OK, axum::Json(Value::Object(members))).into_response(),
        Verdict::Invalid => problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "verification-failed",
            &format!("The {} is not valid", expect.noun()),
            &detail,
            members,
        ),
        Verdict::Indeterminate => problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "verification-indeterminate",
            &format!("The {} cannot be confirmed", expect.noun()),
            &detail,
            members,
        ),
    }
}
