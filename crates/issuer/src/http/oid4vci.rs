//! The OpenID4VCI endpoints (SPEC.md §12.11): metadata, offers, token, nonce, credential.
//!
//! Protocol endpoints answer OAuth errors (`{"error", "error_description"}`, 400, or 401 with
//! `WWW-Authenticate` for a bad access token), never problem details: that is what wallets
//! read. Making an offer is a civitas API call (a bearer token allowing `issue`), answered like
//! the rest of the API. Nothing here may be cached.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use civitas_core::credential::format_datetime;
use civitas_oid4vci::Oid4vciError;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{Authorized, Issue};
use super::problem::Problem;
use crate::error::{IssuerError, SigningError};
use crate::issuer::{Issuer, Offer};

type Shared = Arc<Issuer>;

/// Largest token request body (a form of three short members).
const MAX_TOKEN_BODY: usize = civitas_oid4vci::codes::MAX_TOKEN_REQUEST_BYTES;
/// Largest credential request body.
const MAX_CREDENTIAL_BODY: usize = civitas_oid4vci::request::MAX_REQUEST_BYTES;

/// The OpenID4VCI routes (cache headers are set by the caller's `no_store` layer).
pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/.well-known/openid-credential-issuer",
            get(issuer_metadata),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(authorization_server_metadata),
        )
        .route("/credentials/{id}/offers", post(create_offer))
        .route("/oid4vci/offers/{handle}", get(offer_by_reference))
        .route("/oid4vci/token", post(token))
        .route("/oid4vci/nonce", post(nonce))
        .route("/oid4vci/credential", post(credential))
}

fn json(status: StatusCode, body: &Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// An OAuth error response.
fn oauth_error(e: &Oid4vciError) -> Response {
    let (status, body) = e.response();
    if matches!(e, Oid4vciError::ServerError(_)) {
        tracing::warn!(error = %e, "OpenID4VCI request failed");
    }
    let mut r = json(
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        &body,
    );
    if let Oid4vciError::InvalidToken(_) = e {
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
    }
    r
}

async fn issuer_metadata(State(issuer): State<Shared>) -> Response {
    match serde_json::to_value(issuer.credential_issuer_metadata()) {
        Ok(v) => json(StatusCode::OK, &v),
        Err(e) => Problem::from(IssuerError::store(e)).into_response(),
    }
}

async fn authorization_server_metadata(State(issuer): State<Shared>) -> Response {
    match serde_json::to_value(issuer.authorization_server_metadata()) {
        Ok(v) => json(StatusCode::OK, &v),
        Err(e) => Problem::from(IssuerError::store(e)).into_response(),
    }
}

/// `POST /credentials/{id}/offers`: the body is empty, or `{"spouse": 0|1}` for a marriage
/// certificate.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OfferRequest {
    spouse: Option<usize>,
}

/// The QR code of an offer: its URI by reference, byte mode, error correction M.
pub fn offer_symbol(offer: &Offer) -> Result<civitas_qr::QrSymbol, IssuerError> {
    civitas_qr::QrSymbol::encode_bytes(&offer.offer_uri_by_reference, civitas_qr::EcLevel::M)
        .map_err(|e| IssuerError::Signing(SigningError::Qr(e)))
}

/// The JSON answer to an offer request (also what `civitas issuer offer --json` prints).
pub fn offer_json(offer: &Offer) -> Result<Value, IssuerError> {
    let symbol = offer_symbol(offer)?;
    let png = symbol
        .to_png(8)
        .map_err(|e| IssuerError::Signing(SigningError::Qr(e)))?;
    Ok(json!({
        "credentialId": offer.credential_id,
        "credentialOffer": offer.credential_offer,
        "offerUri": offer.offer_uri,
        "offerUriByReference": offer.offer_uri_by_reference,
        "txCode": offer.tx_code,
        "expiresAt": format_datetime(offer.expires_at),
        "qr": {
            "svg": symbol.to_svg("100%"),
            "png": base64::engine::general_purpose::STANDARD.encode(png),
        },
    }))
}

async fn create_offer(
    State(issuer): State<Shared>,
    who: Authorized<Issue>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, Problem> {
    let request: OfferRequest = if body.iter().all(u8::is_ascii_whitespace) {
        OfferRequest::default()
    } else {
        if body.len() > 4096 {
            return Err(IssuerError::invalid("body", "an offer request is at most 4 KiB").into());
        }
        let value = civitas_jsonld::json::parse(&body)
            .map_err(|e| IssuerError::invalid("body", e.to_string()))?;
        serde_json::from_value(value).map_err(|e| IssuerError::invalid("body", e.to_string()))?
    };
    let offer = issuer
        .create_offer(&id, request.spouse, &who.token.name)
        .await?;
    Ok(json(StatusCode::CREATED, &offer_json(&offer)?))
}

async fn offer_by_reference(
    State(issuer): State<Shared>,
    Path(handle): Path<String>,
) -> Result<Response, Problem> {
    if handle.len() > 128 {
        return Err(Problem::not_found("no such offer"));
    }
    match issuer.offer_by_reference(&handle)? {
        Some(offer) => {
            let value = serde_json::from_str::<Value>(&offer).map_err(IssuerError::store)?;
            Ok(json(StatusCode::OK, &value))
        }
        None => Err(Problem::not_found("no such offer, or it expired")),
    }
}

fn form_content_type(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

async fn token(State(issuer): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if !form_content_type(&headers) {
        return oauth_error(&Oid4vciError::InvalidRequest(
            "a token request is application/x-www-form-urlencoded".into(),
        ));
    }
    if body.len() > MAX_TOKEN_BODY {
        return oauth_error(&Oid4vciError::InvalidRequest(format!(
            "a token request is at most {MAX_TOKEN_BODY} bytes"
        )));
    }
    let Ok(form) = std::str::from_utf8(&body) else {
        return oauth_error(&Oid4vciError::InvalidRequest(
            "the token request is not UTF-8".into(),
        ));
    };
    let form = form.to_owned();
    // the code is consumed durably: a flush, off the async threads
    let answer = tokio::task::spawn_blocking(move || issuer.token(&form)).await;
    match answer {
        Ok(Ok(body)) => json(StatusCode::OK, &body),
        Ok(Err(e)) => oauth_error(&e),
        Err(e) => oauth_error(&Oid4vciError::ServerError(e.to_string())),
    }
}

async fn nonce(State(issuer): State<Shared>) -> Response {
    match issuer.nonce() {
        Ok(n) => json(StatusCode::OK, &json!({"c_nonce": n.c_nonce})),
        Err(e) => oauth_error(&e),
    }
}

/// The access token of `Authorization: Bearer …` (or `DPoP`-less `Bearer` only).
fn access_token(headers: &HeaderMap) -> Result<&str, Oid4vciError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| Oid4vciError::InvalidToken("no access token".into()))?
        .to_str()
        .map_err(|_| Oid4vciError::InvalidToken("the Authorization header is not text".into()))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim())
        }
        _ => Err(Oid4vciError::InvalidToken(
            "the Authorization header is not `Bearer <access token>`".into(),
        )),
    }
}

async fn credential(State(issuer): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let token = match access_token(&headers) {
        Ok(t) => t.to_owned(),
        Err(e) => return oauth_error(&e),
    };
    if body.len() > MAX_CREDENTIAL_BODY {
        return oauth_error(&Oid4vciError::InvalidRequest(format!(
            "a credential request is at most {MAX_CREDENTIAL_BODY} bytes"
        )));
    }
    match issuer.credential_endpoint(&token, &body).await {
        Ok(body) => json(StatusCode::OK, &body),
        Err(e) => oauth_error(&e),
    }
}
