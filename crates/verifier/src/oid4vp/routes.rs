//! The relying party's routes (axum): the API the relying party's own systems call (bearer
//! token) and the two endpoints the wallet calls (public).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use chrono::Utc;
use civitas_http::bearer::Bearer;
use civitas_http::body::{BodyError, read_limited};
use civitas_http::caching::no_store;
use civitas_http::json::{Json, JsonRejection};
use civitas_http::problem::Problem;
use civitas_http::request_log::log_request;
use civitas_oid4vp::limits::MAX_RESPONSE_FORM_BYTES;
use civitas_oid4vp::response::{DirectPost, parse_direct_post};
use serde_json::{Value, json};

use super::check::check_response;
use super::query::RequestBody;
use super::result::{RequestResult, Status};
use super::service::{CreateError, Refusal, RelyingParty};

/// The largest `POST /oid4vp/requests` body (64 KiB: a DCQL query at most).
pub const MAX_REQUEST_BODY_BYTES: usize = 64 * 1024;

/// The media type of a request object.
pub const REQUEST_OBJECT_MEDIA_TYPE: &str = "application/oauth-authz-req+jwt";

/// The routes of `rp`: `POST /oid4vp/requests`, `GET /oid4vp/requests/{id}` (bearer), `GET
/// /oid4vp/requests/{id}/object` and `POST /oid4vp/responses/{id}` (public).
pub fn router(rp: Arc<RelyingParty>) -> Router {
    Router::new()
        .route("/oid4vp/requests", post(create))
        .route("/oid4vp/requests/{id}", get(status))
        .route("/oid4vp/requests/{id}/object", get(object))
        .route("/oid4vp/responses/{id}", post(respond))
        .layer(axum::middleware::map_response(no_store))
        .layer(axum::middleware::from_fn(log_request))
        .with_state(rp)
}

fn authorize(rp: &RelyingParty, bearer: Result<Bearer, Problem>) -> Result<(), Problem> {
    let bearer = bearer?;
    if rp.token_matches(bearer.token()) {
        Ok(())
    } else {
        Err(Problem::unauthorized(
            "the bearer token is not the relying party's",
        ))
    }
}

fn bad_request(slug: &'static str, detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::BAD_REQUEST, slug, "Bad request", detail)
}

async fn create(
    State(rp): State<Arc<RelyingParty>>,
    bearer: Result<Bearer, Problem>,
    body: Result<Json<RequestBody, MAX_REQUEST_BODY_BYTES>, JsonRejection>,
) -> Response {
    if let Err(p) = authorize(&rp, bearer) {
        return p.into_response();
    }
    let body = match body {
        Ok(Json(b)) => b,
        Err(e) => return Problem::from(e).into_response(),
    };
    let query = match body.to_query() {
        Ok(q) => q,
        Err(e) => {
            let mut p = bad_request("invalid-query", e.detail.clone()).with("pointer", e.pointer);
            if let Some(claim) = e.claim {
                p = p.with("claim", claim);
            }
            return p.into_response();
        }
    };
    let created = match rp.create(query).await {
        Ok(c) => c,
        Err(e @ CreateError::Full(_)) => {
            let mut r = Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "too-many-requests",
                "Too many pending requests",
                e.to_string(),
            )
            .into_response();
            r.headers_mut().insert(
                header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("60"),
            );
            return r;
        }
        Err(e) => {
            return Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "signing-failed",
                "Signing failed",
                e.to_string(),
            )
            .into_response();
        }
    };
    let qr = match civitas_qr::QrSymbol::encode_bytes(&created.link, civitas_qr::EcLevel::M) {
        Ok(symbol) => json!({
            "svg": symbol.to_svg("100%"),
            "png": symbol.to_png(8).map(|png| base64::engine::general_purpose::STANDARD.encode(png)).unwrap_or_default(),
        }),
        Err(_) => Value::Null,
    };
    (
        StatusCode::CREATED,
        [(header::LOCATION, format!("/oid4vp/requests/{}", created.id))],
        axum::Json(json!({
            "id": created.id,
            "link": created.link,
            "request_uri": created.request_uri,
            "client_id": rp.client_id(),
            "expires_at": civitas_core::credential::format_datetime(created.expires_at),
            "qr": qr,
        })),
    )
        .into_response()
}

async fn status(
    State(rp): State<Arc<RelyingParty>>,
    bearer: Result<Bearer, Problem>,
    Path(id): Path<String>,
) -> Response {
    if let Err(p) = authorize(&rp, bearer) {
        return p.into_response();
    }
    match rp.result(&id) {
        Some(result) => axum::Json(result).into_response(),
        None => Problem::not_found("no such request (or it was purged)").into_response(),
    }
}

async fn object(State(rp): State<Arc<RelyingParty>>, Path(id): Path<String>) -> Response {
    match rp.object(&id) {
        Some(jwt) => ([(header::CONTENT_TYPE, REQUEST_OBJECT_MEDIA_TYPE)], jwt).into_response(),
        None => {
            Problem::not_found("no such request, or it expired or was answered").into_response()
        }
    }
}

/// An OAuth error answer to the wallet (`{"error", "error_description"}`).
fn oauth_error(status: StatusCode, error: &str, description: impl Into<String>) -> Response {
    (
        status,
        axum::Json(json!({"error": error, "error_description": description.into()})),
    )
        .into_response()
}

async fn respond(
    State(rp): State<Arc<RelyingParty>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let entry = match rp.pending(&id) {
        Ok(e) => e,
        Err(Refusal::Unknown) => {
            return oauth_error(
                StatusCode::NOT_FOUND,
                "invalid_request",
                "no such request, or it expired",
            );
        }
        Err(Refusal::Answered) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "this request was answered already: a second response is refused",
            );
        }
    };
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().is_some_and(|m| {
                m.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        });
    if !form {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the response must be application/x-www-form-urlencoded",
        );
    }
    let bytes = match read_limited(&headers, body, MAX_RESPONSE_FORM_BYTES).await {
        Ok(b) => b,
        Err(e @ BodyError::TooLarge { .. }) => {
            return oauth_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_request",
                e.to_string(),
            );
        }
        Err(e) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", e.to_string()),
    };
    let posted = match parse_direct_post(&bytes) {
        Ok(p) => p,
        Err(e) => return oauth_error(StatusCode::BAD_REQUEST, e.code(), e.description()),
    };
    // The state binds the response to this request: without it nothing is taken (a stranger
    // who knows the public response URI cannot spoil the request).
    let state_ok = match &posted {
        DirectPost::Response(r) => r.check_state(&entry.request.state).is_ok(),
        DirectPost::Error(e) => e.state.as_deref() == Some(entry.request.state.as_str()),
    };
    if !state_ok {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the response `state` is not this request's",
        );
    }
    if !rp.take(&id) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "this request was answered already: a second response is refused",
        );
    }
    let mut result = RequestResult {
        id: id.clone(),
        status: Status::Refused,
        reason: None,
        error: None,
        credentials: Vec::new(),
        created_at: entry.created_at,
        expires_at: entry.expires_at,
        answered_at: Some(Utc::now()),
    };
    match posted {
        DirectPost::Error(e) => {
            result.reason = Some(match &e.error_description {
                Some(d) => format!("refused by the holder ({}): {d}", e.error),
                None => format!("refused by the holder ({})", e.error),
            });
            result.error = Some(e.error);
            rp.file(&id, result);
            (StatusCode::OK, axum::Json(json!({}))).into_response()
        }
        DirectPost::Response(response) => {
            let verifier = rp.verifier();
            let checked = check_response(
                &verifier,
                &entry.request.dcql_query,
                &response,
                &entry.request.nonce,
                rp.client_id(),
            )
            .await;
            match checked {
                Ok(credentials) => {
                    result.status = Status::Verified;
                    result.credentials = credentials;
                    rp.file(&id, result);
                    (StatusCode::OK, axum::Json(json!({}))).into_response()
                }
                Err(refused) => {
                    result.reason = Some(refused.description.clone());
                    result.error = Some(refused.error.to_owned());
                    result.credentials = refused.credentials;
                    rp.file(&id, result);
                    oauth_error(StatusCode::BAD_REQUEST, refused.error, refused.description)
                }
            }
        }
    }
}
