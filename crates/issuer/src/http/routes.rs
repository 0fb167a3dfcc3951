//! The routes: VC-API issue and status, typed endpoints, batch, status lists, DID document,
//! key history, registry and audit reads, health. See SPEC.md §12 for the request and response
//! shapes.

use std::fmt::Display;
use std::str::FromStr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use civitas_core::model::DocumentType;
use civitas_core::secure::Securing;
use civitas_http::json::{Json, MemberError, from_value, present};
use civitas_status::StatusPurpose;
use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer};
use serde_json::{Map, Value, json};

use super::auth::{Admin, Authorized, Issue, Status};
use super::problem::{Problem, bad_request, embedded, from_rejection};
use crate::commit::StatusAction;
use crate::error::{IssuerError, SigningError, UnavailableReason};
use crate::issue::{CredentialRequest, Document, IssueOutcome, IssueRequest, Issued};
use crate::issuer::{Issuer, StatusChange, TOKEN_SEGMENT};
use crate::tokens::Action;

/// Largest request body, except batches (1 MiB).
pub const MAX_BODY: usize = civitas_core::credential::MAX_DOCUMENT_BYTES;
/// Largest batch request body (16 MiB).
pub const MAX_BATCH_BODY: usize = 16 * 1024 * 1024;
/// Most items in one batch.
pub const MAX_BATCH_ITEMS: usize = 10_000;

pub use civitas_http::caching::if_none_match;
use civitas_http::caching::no_store;
use civitas_http::request_log::log_request;

type Shared = Arc<Issuer>;

/// The router for `issuer`.
pub fn router(issuer: Issuer) -> Router {
    // Public documents keep their own caching headers (status lists: `public, max-age`).
    let public = Router::new()
        .route("/healthz", get(healthz))
        .route("/.well-known/did.json", get(did_json))
        .route("/did.json", get(did_json))
        .route("/keys", get(keys))
        .route("/status/messages", get(status_messages))
        .route("/status/{purpose}/{number}", get(status_list))
        .merge(super::profiles::public_routes());
    // Everything else carries personal data (credentials, records, audit entries) or secrets
    // (tokens): never stored by a cache.
    Router::new()
        .route("/credentials/issue", post(issue_vc_api))
        .route("/credentials/status", post(update_status))
        .route("/credentials/batch", post(batch))
        .route("/birth-certificates", post(issue_birth))
        .route("/marriage-certificates", post(issue_marriage))
        .merge(super::profiles::issue_routes())
        .route("/credentials", get(list_credentials))
        .route("/credentials/{id}", get(get_credential))
        .route("/credentials/{id}/qr", get(get_qr))
        .route("/credentials/{id}/certificate", get(get_certificate))
        .route("/keys/rotate", post(rotate_key))
        .route("/tokens", post(create_token))
        .route("/audit", get(audit))
        .route("/audit/verify", get(audit_verify))
        .merge(super::oid4vci::routes())
        .merge(super::console::routes(issuer.store().session_store()))
        .layer(axum::middleware::map_response(no_store))
        .merge(public)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(log_request))
        .with_state(Arc::new(issuer))
}

async fn not_found() -> Problem {
    Problem::not_found("no such endpoint")
}

async fn method_not_allowed() -> Problem {
    Problem::method_not_allowed()
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    let mut r = (status, value.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// A JSON request body of at most `LIMIT` bytes (1 MiB unless given), read by civitas-http's
/// [`Json`] (413 beyond, 400 with line and column when it is not JSON, a repeated member name
/// refused) and refused in the issuer's terms ([`from_rejection`]: a missing or wrong member is
/// `invalid-request` naming it).
pub(super) struct Body<T, const LIMIT: usize = MAX_BODY>(pub(super) T);

impl<T: DeserializeOwned, const LIMIT: usize> FromRequest<Shared> for Body<T, LIMIT> {
    type Rejection = Problem;

    async fn from_request(request: Request, issuer: &Shared) -> Result<Self, Problem> {
        Json::<T, LIMIT>::from_request(request, issuer)
            .await
            .map(|Json(body)| Self(body))
            .map_err(from_rejection)
    }
}

/// A wrong member found below the body (a batch item, a status entry), as the issuer's error.
fn member_error(e: MemberError) -> IssuerError {
    IssuerError::invalid(&e.pointer, e.reason)
}

/// A string member read with `T`'s `FromStr`, whose error is the reason given.
struct Parsed<T>(T);

impl<'de, T: FromStr<Err: Display>> Deserialize<'de> for Parsed<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map(Parsed).map_err(serde::de::Error::custom)
    }
}

async fn healthz(State(issuer): State<Shared>) -> Response {
    match issuer.credential_count() {
        Ok(n) => json_response(
            StatusCode::OK,
            &json!({"status": "ok", "did": issuer.did(), "credentials": n,
                    "publisher": issuer.publishing()}),
        ),
        Err(e) => Problem::from(e).into_response(),
    }
}

async fn did_json(State(issuer): State<Shared>) -> Response {
    if issuer.meta().did_method != crate::config::DidMethod::Web {
        return Problem::not_found(format!(
            "this issuer is {}, a did:key: it has no did:web document",
            issuer.did()
        ))
        .into_response();
    }
    match issuer.did_document() {
        Ok(doc) => {
            let mut r = json_response(StatusCode::OK, &json!(doc));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/did+json"),
            );
            r
        }
        Err(e) => Problem::from(e).into_response(),
    }
}

async fn keys(State(issuer): State<Shared>) -> Response {
    json_response(
        StatusCode::OK,
        &json!({"issuer": issuer.did(), "keys": issuer.keys()}),
    )
}

/// The media type a status list is served as: `application/vc` unless the request's `Accept`
/// prefers `application/ld+json` or `application/json` (the same bytes either way). Among the
/// three, the highest `q` wins, then the order above; `*/*` and no `Accept` give the default.
fn status_list_media_type(headers: &HeaderMap) -> &'static str {
    const TYPES: [&str; 3] = ["application/vc", "application/ld+json", "application/json"];
    let mut best: Option<(f32, usize)> = None;
    for value in headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
    {
        for range in value.split(',') {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.strip_prefix("q="))
                .find_map(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(i) = TYPES.iter().position(|t| *t == media)
                && q > 0.0
                && best.is_none_or(|(bq, bi)| q > bq || (q == bq && i < bi))
            {
                best = Some((q, i));
            }
        }
    }
    best.map_or(TYPES[0], |(_, i)| TYPES[i])
}

/// What the values of the issuer's `message` status mean (the default `statusReference`).
async fn status_messages(State(issuer): State<Shared>) -> Response {
    let Some(m) = &issuer.config().status_messages else {
        return Problem::not_found("this issuer has no status messages").into_response();
    };
    let messages: Vec<Value> = m
        .messages
        .iter()
        .map(|m| json!({"status": format!("{:#x}", m.status), "message": m.message}))
        .collect();
    let mut r = json_response(
        StatusCode::OK,
        &json!({"statusPurpose": "message", "statusSize": m.size.bits(), "statusMessage": messages}),
    );
    let ttl = issuer.config().status_list_ttl.as_secs();
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={ttl}")) {
        r.headers_mut().insert(header::CACHE_CONTROL, v);
    }
    r
}

async fn status_list(
    State(issuer): State<Shared>,
    Path((purpose, number)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let purpose = match purpose.as_str() {
        "revocation" => StatusPurpose::Revocation,
        "suspension" => StatusPurpose::Suspension,
        "message" => StatusPurpose::Message,
        TOKEN_SEGMENT => return status_list_token(&issuer, &number, &headers).await,
        _ => return Problem::not_found(format!("no `{purpose}` status lists")).into_response(),
    };
    let Ok(number) = number.parse::<u64>() else {
        return Problem::not_found(format!("`{number}` is not a list number")).into_response();
    };
    let url = issuer.list_url(purpose, number);
    let Some(list) = issuer.published_list(&url) else {
        return Problem::not_found(format!("no status list {url}")).into_response();
    };
    let media = status_list_media_type(&headers);
    published(&issuer, &list.body, &list.etag, media, &headers)
}

/// The Token Status List derived from revocation list `number` (`application/statuslist+jwt`).
async fn status_list_token(issuer: &Shared, number: &str, headers: &HeaderMap) -> Response {
    let Ok(number) = number.parse::<u64>() else {
        return Problem::not_found(format!("`{number}` is not a list number")).into_response();
    };
    match issuer.status_list_token(number).await {
        Ok(Some(token)) => published(
            issuer,
            &token.body,
            &token.etag,
            "application/statuslist+jwt",
            headers,
        ),
        Ok(None) => Problem::not_found(format!("no token status list {number}")).into_response(),
        Err(e) => Problem::from(e).into_response(),
    }
}

/// A published status list: its body as `media`, cacheable for the lists' TTL, with its ETag
/// (and `304 Not Modified` when the request already has it).
fn published(
    issuer: &Shared,
    body: &str,
    etag: &str,
    media: &'static str,
    headers: &HeaderMap,
) -> Response {
    let ttl = issuer.config().status_list_ttl.as_secs();
    let cache = HeaderValue::from_str(&format!("public, max-age={ttl}"))
        .unwrap_or(HeaderValue::from_static("no-cache"));
    let etag_value = HeaderValue::from_str(etag).unwrap_or(HeaderValue::from_static("\"\""));
    let matches = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| if_none_match(v, etag));
    let mut r = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = (StatusCode::OK, body.to_owned()).into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
        r
    };
    r.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    r.headers_mut().insert(header::CACHE_CONTROL, cache);
    r.headers_mut().insert(header::ETAG, etag_value);
    r
}

/// `options` of the issuing endpoints; unknown keys are ignored. `format` is another name for
/// `securing` (it wins when both are given).
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OptionsBody {
    #[serde(default, deserialize_with = "present")]
    source_record_id: Option<String>,
    #[serde(default, deserialize_with = "present")]
    supersede: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    securing: Option<Parsed<Securing>>,
    #[serde(default, deserialize_with = "present")]
    format: Option<Parsed<Securing>>,
}

/// Options shared by the issuing endpoints.
#[derive(Debug, Default, Clone)]
struct Options {
    source_record_id: Option<String>,
    supersede: bool,
    securing: Option<Securing>,
}

impl From<OptionsBody> for Options {
    fn from(o: OptionsBody) -> Self {
        Self {
            source_record_id: o.source_record_id,
            supersede: o.supersede.unwrap_or(false),
            securing: o.format.or(o.securing).map(|Parsed(s)| s),
        }
    }
}

fn issued_response(issued: &Issued) -> Response {
    let status = match issued.outcome {
        IssueOutcome::Replayed => StatusCode::OK,
        _ => StatusCode::CREATED,
    };
    let mut body = json!({
        "verifiableCredential": issued.verifiable_credential(),
        "credentialId": issued.credential_id,
    });
    match &issued.outcome {
        IssueOutcome::Replayed => body["replayed"] = true.into(),
        IssueOutcome::Superseded { previous } => body["supersedes"] = previous.clone().into(),
        IssueOutcome::Issued => {}
    }
    let mut r = json_response(status, &body);
    if let Ok(loc) = HeaderValue::from_str(&format!("/credentials/{}", issued.credential_id)) {
        r.headers_mut().insert(header::LOCATION, loc);
    }
    r
}

/// A VC-API issue request.
#[derive(Deserialize)]
struct IssueBody {
    credential: Value,
    #[serde(default, deserialize_with = "present")]
    options: Option<OptionsBody>,
}

async fn issue_vc_api(
    State(issuer): State<Shared>,
    who: Authorized<Issue>,
    Body(request): Body<IssueBody>,
) -> Result<Response, Problem> {
    let options = Options::from(request.options.unwrap_or_default());
    let credential = request.credential;
    let issued = issuer
        .issue_credential(
            CredentialRequest {
                credential,
                source_record_id: options.source_record_id,
                supersede: options.supersede,
                securing: options.securing,
            },
            &who.token.name,
        )
        .await?;
    Ok(issued_response(&issued))
}

/// The members of a typed request object that are not the record.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ItemBody {
    #[serde(default, deserialize_with = "present")]
    source_record_id: Option<String>,
    #[serde(default, deserialize_with = "present")]
    options: Option<OptionsBody>,
}

/// A typed record from a request object (at JSON pointer `at`): `record` if present, else the
/// object itself without `sourceRecordId` and `options`.
fn typed_request(
    kind: DocumentType,
    mut obj: Map<String, Value>,
    defaults: &Options,
    at: &str,
) -> Result<IssueRequest, IssuerError> {
    let mut members = Map::new();
    for key in ["sourceRecordId", "options"] {
        if let Some(v) = obj.remove(key) {
            members.insert(key.to_owned(), v);
        }
    }
    let item: ItemBody = from_value(Value::Object(members), at).map_err(member_error)?;
    let mut options = Options::from(item.options.unwrap_or_default());
    if item.source_record_id.is_some() {
        options.source_record_id = item.source_record_id;
    }
    obj.remove("type").filter(|_| obj.contains_key("record"));
    let record = match obj.remove("record") {
        Some(r) => r,
        None => Value::Object(obj),
    };
    let source = options
        .source_record_id
        .or_else(|| defaults.source_record_id.clone())
        .ok_or_else(|| IssuerError::invalid(&format!("{at}/sourceRecordId"), "is required"))?;
    let document = Document::parse(kind, &record)?;
    Ok(IssueRequest {
        document,
        source_record_id: Some(source),
        source_version: None,
        supersede: options.supersede || defaults.supersede,
        securing: options.securing.or(defaults.securing),
    })
}

/// Issues `record` as a document of type `kind` (the typed endpoints).
pub(super) async fn issue_typed(
    issuer: Shared,
    who: Authorized<Issue>,
    record: Map<String, Value>,
    kind: DocumentType,
) -> Result<Response, Problem> {
    let request = typed_request(kind, record, &Options::default(), "")?;
    let issued = issuer.issue(request, &who.token.name).await?;
    Ok(issued_response(&issued))
}

async fn issue_birth(
    State(issuer): State<Shared>,
    who: Authorized<Issue>,
    Body(record): Body<Map<String, Value>>,
) -> Result<Response, Problem> {
    issue_typed(issuer, who, record, named("BirthCertificate")?).await
}

async fn issue_marriage(
    State(issuer): State<Shared>,
    who: Authorized<Issue>,
    Body(record): Body<Map<String, Value>>,
) -> Result<Response, Problem> {
    issue_typed(issuer, who, record, named("MarriageCertificate")?).await
}

/// A bundled document type the issuer issues, for its historical endpoints.
fn named(kind: &str) -> Result<DocumentType, Problem> {
    DocumentType::named(kind)
        .map_err(|e| Problem::not_found(format!("this issuer has no profile: {e}")))
}

/// A batch: the records (each read on its own: a bad one fails alone) and default options.
#[derive(Deserialize)]
struct BatchBody {
    items: Vec<Value>,
    #[serde(default, deserialize_with = "present")]
    options: Option<OptionsBody>,
}

async fn batch(
    State(issuer): State<Shared>,
    who: Authorized<Issue>,
    Body(request): Body<BatchBody, MAX_BATCH_BODY>,
) -> Result<Response, Problem> {
    let defaults = Options::from(request.options.unwrap_or_default());
    let items = request.items;
    if items.len() > MAX_BATCH_ITEMS {
        return Err(bad_request(
            "/items",
            format!("{} items; at most {MAX_BATCH_ITEMS} per batch", items.len()),
        ));
    }
    let mut requests = Vec::with_capacity(items.len());
    let mut early: Vec<Option<IssuerError>> = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let at = format!("/items/{i}");
        let parsed = (|| {
            let Value::Object(obj) = item else {
                return Err(IssuerError::invalid(&at, "must be an object"));
            };
            let kind = obj
                .get("type")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    IssuerError::invalid(
                        &format!("{at}/type"),
                        "is required (a document type: GET /profiles lists them)",
                    )
                })?
                .parse::<DocumentType>()
                .map_err(|e| IssuerError::invalid(&format!("{at}/type"), e.to_string()))?;
            typed_request(kind, obj, &defaults, &at)
        })();
        match parsed {
            Ok(r) => {
                requests.push(r);
                early.push(None);
            }
            Err(e) => early.push(Some(e)),
        }
    }
    let mut issued = issuer
        .issue_batch(requests, &who.token.name)
        .await
        .into_iter();
    let (mut n_issued, mut n_replayed, mut n_failed) = (0u64, 0u64, 0u64);
    let mut results = Vec::with_capacity(early.len());
    for (index, e) in early.into_iter().enumerate() {
        let r = match e {
            Some(e) => Err(e),
            None => issued
                .next()
                .unwrap_or(Err(IssuerError::Unavailable(UnavailableReason::NoResult))),
        };
        results.push(match r {
            Ok(i) => {
                let status = if i.outcome == IssueOutcome::Replayed {
                    n_replayed += 1;
                    200
                } else {
                    n_issued += 1;
                    201
                };
                json!({"index": index, "status": status, "credentialId": i.credential_id,
                       "verifiableCredential": i.verifiable_credential()})
            }
            Err(e) => {
                n_failed += 1;
                let p = embedded(e);
                json!({"index": index, "status": p["status"], "problem": p})
            }
        });
    }
    Ok(json_response(
        StatusCode::OK,
        &json!({"issued": n_issued, "replayed": n_replayed, "failed": n_failed, "results": results}),
    ))
}

fn status_body(change: &StatusChange) -> Value {
    json!({
        "credentialId": change.credential_id,
        "changed": change.changed,
        "revoked": change.revoked,
        "suspended": change.suspended,
        "statusListCredentials": change.lists,
        "published": change.published,
    })
}

/// A status update: `{credentialId, credentialStatus: [{statusPurpose, status}]}` (VC-API; one
/// entry may be given without its array), `{credentialId, action}` (civitas), or
/// `{credentialId, message: "0x1"}` (the `message` status, when the issuer has one).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusBody {
    credential_id: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default, deserialize_with = "present")]
    action: Option<Parsed<StatusAction>>,
    #[serde(default)]
    credential_status: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    message: Option<String>,
}

/// One VC-API status entry.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusEntry {
    #[serde(default)]
    status_purpose: Option<String>,
    #[serde(default, deserialize_with = "json_boolean")]
    status: Option<bool>,
}

/// Only a JSON boolean: `2`, `"0"` or `"yes"` read as a truth value would silently revoke or
/// reinstate.
fn json_boolean<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Value::deserialize(d)? {
        Value::Bool(b) => Ok(Some(b)),
        Value::Null => Ok(None),
        other => Err(serde::de::Error::custom(format!(
            "must be true or false (a JSON boolean), not {other}"
        ))),
    }
}

/// What a status update asks for.
fn status_actions(
    request: StatusBody,
) -> Result<(String, Vec<StatusAction>, Option<String>), IssuerError> {
    let id = request.credential_id;
    let reason = match request.reason {
        Some(s) if s.len() > 1000 => {
            return Err(IssuerError::invalid(
                "/reason",
                "must be a string of at most 1000 characters",
            ));
        }
        reason => reason,
    };
    if let Some(Parsed(action)) = request.action {
        return Ok((id, vec![action], reason));
    }
    if let Some(text) = request.message {
        let value = text
            .strip_prefix("0x")
            .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            .ok_or_else(|| {
                IssuerError::invalid("/message", "must be a status value in hexadecimal (`0x1`)")
            })?;
        return Ok((id, vec![StatusAction::Message(value)], reason));
    }
    let entries = match request.credential_status {
        Some(Value::Array(a)) => a,
        Some(one) => vec![one],
        None => {
            return Err(IssuerError::invalid(
                "/credentialStatus",
                "is required (or `action`)",
            ));
        }
    };
    let entries: Vec<StatusEntry> =
        from_value(Value::Array(entries), "/credentialStatus").map_err(member_error)?;
    let mut actions = Vec::new();
    for (i, e) in entries.into_iter().enumerate() {
        let at = format!("/credentialStatus/{i}");
        let Some(on) = e.status else {
            return Err(IssuerError::invalid(
                &format!("{at}/status"),
                "is required (true or false)",
            ));
        };
        actions.push(match (e.status_purpose.as_deref(), on) {
            (Some("revocation"), true) => StatusAction::Revoke,
            (Some("revocation"), false) => {
                return Err(IssuerError::invalid(
                    &format!("{at}/status"),
                    "revocation is final: it cannot be set back to false",
                ));
            }
            (Some("suspension"), true) => StatusAction::Suspend,
            (Some("suspension"), false) => StatusAction::Reinstate,
            _ => {
                return Err(IssuerError::invalid(
                    &format!("{at}/statusPurpose"),
                    "must be revocation or suspension",
                ));
            }
        });
    }
    if actions.is_empty() {
        return Err(IssuerError::invalid("/credentialStatus", "is empty"));
    }
    Ok((id, actions, reason))
}

async fn update_status(
    State(issuer): State<Shared>,
    who: Authorized<Status>,
    Body(request): Body<StatusBody>,
) -> Result<Response, Problem> {
    let (id, actions, reason) = status_actions(request)?;
    let mut last = None;
    for action in actions {
        last = Some(
            issuer
                .change_status(&id, action, reason.as_deref(), &who.token.name)
                .await?,
        );
    }
    match last {
        Some(change) => Ok(json_response(StatusCode::OK, &status_body(&change))),
        None => Err(bad_request("/credentialStatus", "is empty")),
    }
}

#[derive(serde::Deserialize)]
struct Page {
    after: Option<String>,
    limit: Option<usize>,
}

async fn list_credentials(
    State(issuer): State<Shared>,
    _who: Authorized<Admin>,
    Query(page): Query<Page>,
) -> Result<Response, Problem> {
    let limit = page.limit.unwrap_or(100).clamp(1, 1000);
    let records = issuer.credentials(page.after.as_deref(), limit)?;
    let next = (records.len() == limit)
        .then(|| records.last().map(|r| r.id.clone()))
        .flatten();
    Ok(json_response(
        StatusCode::OK,
        &json!({"total": issuer.credential_count()?, "credentials": records, "next": next}),
    ))
}

async fn get_credential(
    State(issuer): State<Shared>,
    _who: Authorized<Admin>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let (record, text) = issuer
        .credential(&id)?
        .ok_or_else(|| Problem::from(IssuerError::UnknownCredential(id.clone())))?;
    let vc = match (record.securing, text) {
        (Securing::DataIntegrity, Some(t)) => serde_json::from_str(&t).unwrap_or(Value::Null),
        (Securing::VcJwt, Some(t)) => Value::String(t),
        (_, None) => Value::Null,
    };
    Ok(json_response(
        StatusCode::OK,
        &json!({"record": record, "verifiableCredential": vc}),
    ))
}

#[derive(serde::Deserialize)]
struct QrQuery {
    format: Option<String>,
}

/// The compact QR form of a certificate: `text/plain` (`CV1:…`), or `?format=png` / `svg` for the
/// QR code image. Needs an `issue` token (the clerk who prints it).
async fn get_qr(
    State(issuer): State<Shared>,
    _who: Authorized<Issue>,
    Path(id): Path<String>,
    Query(q): Query<QrQuery>,
) -> Result<Response, Problem> {
    let qr_error = |e| Problem::from(IssuerError::Signing(SigningError::Qr(e)));
    let (body, content_type) = match q.format.as_deref() {
        None | Some("text") => (
            issuer.compact(&id).await?.into_bytes(),
            "text/plain; charset=utf-8",
        ),
        Some("png") => (
            issuer.qr_symbol(&id).await?.to_png(8).map_err(qr_error)?,
            "image/png",
        ),
        Some("svg") => (
            issuer.qr_symbol(&id).await?.to_svg("100%").into_bytes(),
            "image/svg+xml",
        ),
        Some(other) => {
            return Err(IssuerError::InvalidRequest {
                member: "format".into(),
                reason: format!("`{other}` is not text, png or svg"),
            }
            .into());
        }
    };
    Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
}

/// The printable certificate: `?format=pdf` (default), `svg` or `png`. Needs an `issue` token.
async fn get_certificate(
    State(issuer): State<Shared>,
    _who: Authorized<Issue>,
    Path(id): Path<String>,
    Query(q): Query<QrQuery>,
) -> Result<Response, Problem> {
    let format: civitas_render::certificate::Format =
        q.format.as_deref().unwrap_or("pdf").parse().map_err(
            |e: civitas_render::certificate::RenderError| {
                Problem::from(IssuerError::InvalidRequest {
                    member: "format".into(),
                    reason: e.to_string(),
                })
            },
        )?;
    let bytes = issuer.certificate(&id, format).await?;
    let content_type = match format {
        civitas_render::certificate::Format::Pdf => "application/pdf",
        civitas_render::certificate::Format::Svg => "image/svg+xml",
        civitas_render::certificate::Format::Png => "image/png",
    };
    Ok(([(header::CONTENT_TYPE, content_type)], bytes).into_response())
}

async fn rotate_key(
    State(issuer): State<Shared>,
    who: Authorized<Admin>,
) -> Result<Response, Problem> {
    let key = issuer.rotate_key(&who.token.name).await?;
    Ok(json_response(StatusCode::OK, &json!({"key": key})))
}

/// A token to create: its holder's name and what it allows.
#[derive(Deserialize)]
struct TokenBody {
    name: String,
    actions: Vec<Parsed<Action>>,
}

async fn create_token(
    State(issuer): State<Shared>,
    who: Authorized<Admin>,
    Body(request): Body<TokenBody>,
) -> Result<Response, Problem> {
    let name = request.name;
    let actions: Vec<Action> = request.actions.into_iter().map(|Parsed(a)| a).collect();
    let token = issuer
        .create_token(&name, &actions, &who.token.name)
        .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"name": name, "actions": actions, "token": token}),
    ))
}

#[derive(serde::Deserialize)]
struct AuditPage {
    from: Option<u64>,
    limit: Option<usize>,
}

async fn audit(
    State(issuer): State<Shared>,
    _who: Authorized<Admin>,
    Query(page): Query<AuditPage>,
) -> Result<Response, Problem> {
    let limit = page.limit.unwrap_or(1000).clamp(1, 100_000);
    let entries = issuer.audit(page.from.unwrap_or(1).max(1), limit)?;
    let mut body = String::new();
    for e in entries {
        body.push_str(&serde_json::to_string(&e).map_err(IssuerError::store)?);
        body.push('\n');
    }
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    Ok(r)
}

async fn audit_verify(
    State(issuer): State<Shared>,
    _who: Authorized<Admin>,
) -> Result<Response, Problem> {
    Ok(match issuer.verify_audit()? {
        Ok(report) => json_response(
            StatusCode::OK,
            &json!({"valid": true, "entries": report.entries, "head": report.head}),
        ),
        Err(broken) => json_response(
            StatusCode::OK,
            &json!({"valid": false, "firstBrokenEntry": broken.seq, "reason": broken.reason}),
        ),
    })
}
