//! The document types an issuer serves, as data: `GET /profiles` lists them with their digests,
//! `GET /profiles/{type}` gives the profile file, `…/context` its JSON-LD context and
//! `…/schema` its JSON Schema (SPEC.md §19.11); `POST /documents/{type}` issues a record of any
//! of them (the typed endpoint of every profile).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use civitas_core::model::DocumentType;
use civitas_core::profile::Known;
use serde_json::{Map, Value, json};

use super::auth::{Authorized, Issue};
use super::problem::Problem;
use super::routes::{Body, issue_typed};
use crate::issuer::Issuer;

type Shared = Arc<Issuer>;

/// The public routes (profiles are public documents) and the typed issuance route.
pub(super) fn public_routes() -> Router<Shared> {
    Router::new()
        .route("/profiles", get(list))
        .route("/profiles/{type}", get(profile_file))
        .route("/profiles/{type}/context", get(context))
        .route("/profiles/{type}/schema", get(schema))
}

/// `POST /documents/{type}`.
pub(super) fn issue_routes() -> Router<Shared> {
    Router::new().route("/documents/{type}", post(issue_document))
}

/// The profile of one of the issuer's document types, named as a user would (`birth`,
/// `driving-licence`, `DrivingLicence`).
fn served(issuer: &Issuer, name: &str) -> Result<(DocumentType, Arc<Known>), Problem> {
    issuer.document_type(name).ok_or_else(|| {
        Problem::not_found(format!(
            "this issuer issues no document type `{}` (GET /profiles lists them)",
            name.chars().take(100).collect::<String>()
        ))
    })
}

fn with_type(body: String, media_type: &'static str) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}

/// What a verifier pins of a profile (SPEC.md §19.11): type, version, titles, the digest of the
/// file, its context URL and the digest of the context served there, its schema URL.
pub fn summary(known: &Known) -> Value {
    let registry = civitas_core::profile::known();
    let d = &known.profile.document;
    let context_digest = registry
        .context(&d.context_url)
        .map(|c| c.digest.clone())
        .unwrap_or_default();
    json!({
        "type": d.type_name,
        "name": known.name(),
        "version": d.version,
        "title": {"en": d.label.en(), "fr": d.label.fr()},
        "digest": known.digest,
        "context": d.context_url,
        "contextDigest": context_digest,
        "schema": d.schema_url,
        "validFor": d.valid_for.map(|v| v.to_string()),
        "bundled": known.bundled,
    })
}

async fn list(State(issuer): State<Shared>) -> Response {
    let profiles: Vec<Value> = issuer
        .config()
        .document_types
        .iter()
        .filter_map(DocumentType::profile)
        .map(|k| summary(&k))
        .collect();
    with_type(
        json!({ "profiles": profiles }).to_string(),
        "application/json",
    )
}

async fn profile_file(
    State(issuer): State<Shared>,
    Path(name): Path<String>,
) -> Result<Response, Problem> {
    let (_, known) = served(&issuer, &name)?;
    Ok(with_type(known.text.clone(), "application/toml"))
}

async fn context(
    State(issuer): State<Shared>,
    Path(name): Path<String>,
) -> Result<Response, Problem> {
    let (_, known) = served(&issuer, &name)?;
    let url = &known.profile.document.context_url;
    // The exact bytes the issuer's loader signs with: the bundled file for a bundled context,
    // the derived document otherwise.
    let text = issuer
        .loader()
        .source(url)
        .map(str::to_owned)
        .or_else(|| {
            civitas_core::profile::known()
                .context(url)
                .map(|c| c.text.clone())
        })
        .ok_or_else(|| Problem::not_found(format!("no context is loaded for {url}")))?;
    Ok(with_type(text, "application/ld+json"))
}

async fn schema(
    State(issuer): State<Shared>,
    Path(name): Path<String>,
) -> Result<Response, Problem> {
    let (_, known) = served(&issuer, &name)?;
    Ok(with_type(
        known.schema.to_string(),
        "application/schema+json",
    ))
}

async fn issue_document(
    State(issuer): State<Shared>,
    Path(name): Path<String>,
    who: Authorized<Issue>,
    Body(record): Body<Map<String, Value>>,
) -> Result<Response, Problem> {
    let (kind, _) = served(&issuer, &name)?;
    issue_typed(issuer, who, record, kind).await
}
