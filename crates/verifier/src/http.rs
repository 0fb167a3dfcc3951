//! The W3C VC-API verify endpoints as an axum [`Router`]: `POST /credentials/verify` and
//! `POST /presentations/verify`. `civitas verifier serve` serves it; the issuer's server can
//! mount it (`Router::merge` or `nest`).
//!
//! - **200** `application/json` when the verdict is valid: `{"verified": true, "checks": [...],
//!   "warnings": [...], "errors": [], "report": {...}}`.
//! - **422** `application/problem+json` (RFC 9457, civitas-http's [`Problem`]) when the document
//!   was read but is invalid (`…/problems/verification-failed`) or cannot be confirmed
//!   (`…/problems/verification-indeterminate`), with the same members plus the report.
//! - **400** problem details when the request is not JSON (with `line`, `column`, `offset`),
//!   lacks the document, has an option of the wrong type (with its `pointer`), or the document
//!   cannot be read at all (with the report).
//! - **413** problem details when the body is larger than [`MAX_BODY_BYTES`] (1 MiB).
//!
//! Option keys other than `challenge` and `domain` are ignored, as VC-API asks.

use std::sync::{Arc, RwLock};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use civitas_core::report::{DocumentKind, Outcome, Report, Verdict};
use civitas_core::verify::VerifyOptions;
use civitas_http::body::BodyError;
use civitas_http::caching::no_store;
use civitas_http::json::{Json, JsonRejection, present};
pub use civitas_http::problem::PROBLEM_BASE;
use civitas_http::problem::{Problem, type_uri};
use civitas_http::request_log::log_request;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::verifier::Verifier;

/// Largest request body accepted (1 MiB).
pub const MAX_BODY_BYTES: usize = civitas_core::credential::MAX_DOCUMENT_BYTES;

/// The verifier the routes answer with, replaceable while they serve (a service whose trust or
/// keys change swaps in a new one; requests already running keep the one they started with).
pub type SharedVerifier = Arc<RwLock<Arc<Verifier>>>;

/// The verify routes, sharing `verifier`.
pub fn router(verifier: Arc<Verifier>) -> Router {
    shared_router(Arc::new(RwLock::new(verifier)))
}

/// The verify routes, answering with whatever verifier `shared` holds at each request.
pub fn shared_router(shared: SharedVerifier) -> Router {
    Router::new()
        .route("/credentials/verify", post(verify_credential))
        .route("/presentations/verify", post(verify_presentation))
        // every answer carries the verified document's content (the report): never cached
        .layer(axum::middleware::map_response(no_store))
        .layer(axum::middleware::from_fn(log_request))
        .with_state(shared)
}

/// The verifier `shared` holds now.
fn current(shared: &SharedVerifier) -> Arc<Verifier> {
    match shared.read() {
        Ok(v) => v.clone(),
        // a writer panicked while swapping: the verifier it left is still whole
        Err(poisoned) => poisoned.into_inner().clone(),
    }
}

/// A request body refused by civitas-http's [`Json`], in this API's terms: `request-too-large`
/// (413) over [`MAX_BODY_BYTES`] (read to its end and dropped first, so that every client gets
/// the answer), `malformed-request` (400) otherwise, with the strict parser's `line`, `column`,
/// `offset` and `pointer`, or the `pointer` of the member of the wrong type.
fn refused(e: JsonRejection) -> Problem {
    match e {
        JsonRejection::Body(BodyError::TooLarge { .. }) => Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request-too-large",
            "Request too large",
            format!("the body is larger than {MAX_BODY_BYTES} bytes"),
        ),
        JsonRejection::Body(e) => bad_request("malformed-request", e.to_string()),
        JsonRejection::Json(e) => {
            // the strict parser's members (line, column, offset, pointer), this API's type
            let members = Problem::from(&e).parts().extra.clone();
            bad_request("malformed-request", format!("the body is not JSON: {e}"))
                .with_members(members)
        }
        JsonRejection::Member(m) => {
            bad_request("malformed-request", m.to_string()).with("pointer", m.pointer)
        }
    }
}

/// Serves [`router`] on `listener` until the task is dropped or the server fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    verifier: Arc<Verifier>,
) -> std::io::Result<()> {
    axum::serve(listener, router(verifier)).await
}

/// A request refused before verification (400).
fn bad_request(slug: &'static str, detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::BAD_REQUEST, slug, "Bad request", detail)
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

/// A `POST /credentials/verify` request.
#[derive(Deserialize)]
struct CredentialBody {
    #[serde(rename = "verifiableCredential", default, deserialize_with = "present")]
    document: Option<Value>,
    #[serde(default)]
    options: Option<OptionsBody>,
}

/// A `POST /presentations/verify` request.
#[derive(Deserialize)]
struct PresentationBody {
    #[serde(
        rename = "verifiablePresentation",
        default,
        deserialize_with = "present"
    )]
    document: Option<Value>,
    #[serde(default)]
    options: Option<OptionsBody>,
}

/// The options read; the others are ignored.
#[derive(Default, Deserialize)]
struct OptionsBody {
    #[serde(default)]
    challenge: Option<String>,
    #[serde(default)]
    domain: Option<String>,
}

async fn verify_credential(
    State(shared): State<SharedVerifier>,
    body: Result<Json<CredentialBody>, JsonRejection>,
) -> Response {
    match body {
        Ok(Json(b)) => handle(&current(&shared), b.document, b.options, Expect::Credential).await,
        Err(e) => refused(e).into_response(),
    }
}

async fn verify_presentation(
    State(shared): State<SharedVerifier>,
    body: Result<Json<PresentationBody>, JsonRejection>,
) -> Response {
    match body {
        Ok(Json(b)) => {
            handle(
                &current(&shared),
                b.document,
                b.options,
                Expect::Presentation,
            )
            .await
        }
        Err(e) => refused(e).into_response(),
    }
}

fn is_presentation(value: &Value) -> bool {
    civitas_core::credential::one_or_many(value.get("type"))
        .iter()
        .any(|t| t.as_str() == Some("VerifiablePresentation"))
}

/// The document's bytes, from the request's member.
fn read_document(document: Option<Value>, expect: Expect) -> Result<Vec<u8>, Problem> {
    let member = expect.member();
    match document {
        Some(value @ Value::Object(_)) => {
            if is_presentation(&value) != (expect == Expect::Presentation) {
                return Err(bad_request(
                    "wrong-document",
                    format!("`{member}` must be a verifiable {}", expect.noun()),
                ));
            }
            serde_json::to_vec(&value).map_err(|e| bad_request("malformed-request", e.to_string()))
        }
        // A JSON credential serialized into a string is not a credential (Data Integrity:
        // "securedDocument is not a map"); a string is a vc+jwt or a compact QR text.
        Some(Value::String(s)) if s.trim_start().starts_with(['{', '[']) => Err(bad_request(
            "malformed-request",
            format!("`{member}` is JSON text in a string: send the credential as a JSON object"),
        )),
        Some(Value::String(s)) if expect == Expect::Credential => Ok(s.into_bytes()),
        Some(_) => Err(bad_request(
            "malformed-request",
            format!(
                "`{member}` must be a JSON object{}",
                if expect == Expect::Credential {
                    " or a string (vc+jwt, compact QR)"
                } else {
                    ""
                }
            ),
        )),
        None => Err(bad_request(
            "malformed-request",
            format!("the request has no `{member}`"),
        )),
    }
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
                "type": type_uri(name.as_str().unwrap_or_default()),
                "title": format!("{} could not be decided", c.check.label()),
                "detail": reason,
            })),
            Outcome::Failed { reason } => errors.push(json!({
                "type": type_uri(name.as_str().unwrap_or_default()),
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

async fn handle(
    verifier: &Verifier,
    document: Option<Value>,
    options: Option<OptionsBody>,
    expect: Expect,
) -> Response {
    let document = match read_document(document, expect) {
        Ok(d) => d,
        Err(problem) => return problem.into_response(),
    };
    let options = options.unwrap_or_default();
    let options = VerifyOptions {
        challenge: options.challenge,
        domain: options.domain,
        ..VerifyOptions::default()
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
        return Problem::new(
            StatusCode::BAD_REQUEST,
            "malformed-document",
            format!("The {} cannot be read", expect.noun()),
            detail,
        )
        .with_members(members)
        .into_response();
    }
    match report.verdict {
        Verdict::Valid => (StatusCode::OK, axum::Json(Value::Object(members))).into_response(),
        Verdict::Invalid => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "verification-failed",
            format!("The {} is not valid", expect.noun()),
            detail,
        )
        .with_members(members)
        .into_response(),
        Verdict::Indeterminate => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "verification-indeterminate",
            format!("The {} cannot be confirmed", expect.noun()),
            detail,
        )
        .with_members(members)
        .into_response(),
    }
}
