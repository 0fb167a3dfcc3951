//! RFC 9457 problem details, the one error answer of civitas' servers.
//!
//! Every error is `application/problem+json` with a `type` URI naming the problem
//! (`https://w3id.org/civitas/problems/` + a slug, [`type_uri`]), a short `title`, the `status`
//! and a `detail` that says what is wrong, plus extension members where they help (`pointer`,
//! `line`, `column`, `offset`, `limit`, `errors: [{pointer, detail}]`, …). A `401` also carries
//! `WWW-Authenticate` (RFC 6750: `Bearer`, with a realm when the server names one).
//!
//! The mappings of a service's own errors to problems live in that service's crate; this module
//! maps only what every server shares: the strict JSON parser's errors
//! ([`civitas_jsonld::json::JsonError`]) and missing or malformed bearer tokens.
//!
//! ```
//! use axum::http::StatusCode;
//! use civitas_http::problem::Problem;
//!
//! let p = Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found", "no such endpoint")
//!     .with("path", "/nowhere");
//! assert_eq!(p.to_json()["type"], "https://w3id.org/civitas/problems/not-found");
//! assert_eq!(p.to_json()["path"], "/nowhere");
//! ```

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use civitas_jsonld::json::JsonError;
use serde_json::{Map, Value};

/// The base of every problem `type` URI: the slug follows it.
pub const PROBLEM_BASE: &str = "https://w3id.org/civitas/problems/";

/// The media type of a problem document.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The `type` URI of the problem named `slug` (`https://w3id.org/civitas/problems/<slug>`).
pub fn type_uri(slug: &str) -> String {
    format!("{PROBLEM_BASE}{slug}")
}

/// An error answer (boxed, so that it travels cheaply in `Result`s).
#[derive(Debug, Clone)]
pub struct Problem(Box<ProblemParts>);

/// The members of a [`Problem`].
#[derive(Debug, Clone)]
pub struct ProblemParts {
    /// The HTTP status.
    pub status: StatusCode,
    /// The problem's slug: the last segment of its `type` URI.
    pub slug: &'static str,
    /// A short summary, the same for every occurrence of the problem.
    pub title: String,
    /// What is wrong, precisely.
    pub detail: String,
    /// Extension members, written after the standard ones.
    pub extra: Map<String, Value>,
    /// The `WWW-Authenticate` challenge of a `401`: `Bearer` unless set.
    pub challenge: Option<String>,
}

impl Problem {
    /// A problem with no extension member.
    pub fn new(
        status: StatusCode,
        slug: &'static str,
        title: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self(Box::new(ProblemParts {
            status,
            slug,
            title: title.into(),
            detail: detail.into(),
            extra: Map::new(),
            challenge: None,
        }))
    }

    /// The members.
    pub fn parts(&self) -> &ProblemParts {
        &self.0
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The slug (`not-found`).
    pub fn slug(&self) -> &'static str {
        self.0.slug
    }

    /// Adds (or replaces) the extension member `key`.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.0.extra.insert(key.to_owned(), value.into());
        self
    }

    /// Adds (or replaces) every member of `members` as an extension member.
    pub fn with_members(mut self, members: Map<String, Value>) -> Self {
        self.0.extra.extend(members);
        self
    }

    /// Sets the `WWW-Authenticate` challenge sent with a `401` (`Bearer realm="…"`).
    pub fn with_challenge(mut self, challenge: impl Into<String>) -> Self {
        self.0.challenge = Some(challenge.into());
        self
    }

    /// The problem document: `type`, `title`, `status`, `detail`, then the extension members.
    pub fn to_json(&self) -> Value {
        let p = &self.0;
        let mut o = Map::new();
        o.insert("type".into(), type_uri(p.slug).into());
        o.insert("title".into(), p.title.clone().into());
        o.insert("status".into(), p.status.as_u16().into());
        o.insert("detail".into(), p.detail.clone().into());
        for (k, v) in &p.extra {
            o.insert(k.clone(), v.clone());
        }
        Value::Object(o)
    }

    /// 401 `unauthorized`: no usable bearer token.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentication required",
            detail,
        )
    }

    /// 403 `forbidden`: the token `token` (its holder's name) does not allow `action`; the
    /// action is in `requiredAction`.
    pub fn forbidden(token: &str, action: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Not allowed",
            format!("token `{token}` is not allowed to {action}"),
        )
        .with("requiredAction", action)
    }

    /// 413 `too-large`: the body is larger than `limit` bytes (in `limit`).
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            "Request body too large",
            format!("the request body is larger than the {limit} bytes allowed"),
        )
        .with("limit", limit)
    }

    /// 404 `not-found`.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }

    /// 405 `method-not-allowed`.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "Method not allowed",
            "this endpoint does not take that method",
        )
    }

    /// 400 `invalid-request`: the request member at JSON pointer `pointer` (in `pointer`) is
    /// missing or wrong; the detail reads `` `<pointer>`: <reason> ``.
    pub fn invalid_member(pointer: &str, reason: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid-request",
            "Invalid request",
            format!("`{pointer}`: {reason}"),
        )
        .with("pointer", pointer)
    }
}

/// The strict parser's errors: `malformed-json` (400, with `line`, `column`, `offset`, and the
/// `pointer` of a repeated member name), `too-large` (413), or `invalid-request` (400) for
/// well-formed JSON of the wrong shape.
impl From<&JsonError> for Problem {
    fn from(e: &JsonError) -> Self {
        let detail = e.to_string();
        let malformed = |title: &str| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "malformed-json",
                title,
                detail.clone(),
            )
        };
        match e {
            JsonError::TooLarge { max, .. } => Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "Request body too large",
                detail.clone(),
            )
            .with("limit", *max),
            JsonError::Syntax {
                line,
                column,
                offset,
                ..
            } => malformed("Malformed JSON")
                .with("line", *line as u64)
                .with("column", *column as u64)
                .with("offset", *offset as u64),
            JsonError::DuplicateMember {
                pointer,
                line,
                column,
                offset,
            } => malformed("Duplicate member name")
                .with("pointer", pointer.clone())
                .with("line", *line as u64)
                .with("column", *column as u64)
                .with("offset", *offset as u64),
            JsonError::Shape { .. } => Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid-request",
                "Invalid request",
                detail.clone(),
            ),
        }
    }
}

impl From<JsonError> for Problem {
    fn from(e: JsonError) -> Self {
        Self::from(&e)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = self.to_json().to_string();
        let status = self.0.status;
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if status == StatusCode::UNAUTHORIZED {
            let challenge = self
                .0
                .challenge
                .as_deref()
                .and_then(|c| HeaderValue::from_str(c).ok())
                .unwrap_or(HeaderValue::from_static("Bearer"));
            headers.insert(header::WWW_AUTHENTICATE, challenge);
        }
        response
    }
}
