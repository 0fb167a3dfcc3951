//! RFC 9457 problem details: every error answer is `application/problem+json` with a `type`
//! URL naming the problem, a `title`, the `status` and a `detail` that says what is wrong
//! (and, where it helps, extension members such as `existingCredentialId`, or for a schema
//! violation the `schema` and an `errors` array of `{pointer, detail}`, one per violation).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use civitas_core::credential::SyntaxError;
use civitas_core::schema::SchemaError;
use civitas_jsonld::json::JsonError;
use serde_json::{Map, Value, json};

use crate::error::{ErrorKind, IssuerError};

/// The base of every problem `type` URL.
pub const PROBLEM_BASE: &str = "https://w3id.org/civitas/problems/";

/// An error answer (boxed: it travels in `Result`s).
#[derive(Debug, Clone)]
pub struct Problem(Box<ProblemParts>);

/// The members of a [`Problem`].
#[derive(Debug, Clone)]
pub struct ProblemParts {
    /// The HTTP status.
    pub status: StatusCode,
    /// The problem's slug (last segment of its `type`).
    pub slug: &'static str,
    /// A short summary.
    pub title: String,
    /// What is wrong, precisely.
    pub detail: String,
    /// Extension members.
    pub extra: Map<String, Value>,
}

impl Problem {
    /// A problem.
    pub fn new(
        status: StatusCode,
        slug: &'static str,
        title: &str,
        detail: impl Into<String>,
    ) -> Self {
        Self(Box::new(ProblemParts {
            status,
            slug,
            title: title.to_owned(),
            detail: detail.into(),
            extra: Map::new(),
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

    /// Adds an extension member.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.0.extra.insert(key.to_owned(), value.into());
        self
    }

    /// The problem as JSON.
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        let p = &self.0;
        o.insert("type".into(), format!("{PROBLEM_BASE}{}", p.slug).into());
        o.insert("title".into(), p.title.clone().into());
        o.insert("status".into(), p.status.as_u16().into());
        o.insert("detail".into(), p.detail.clone().into());
        for (k, v) in &p.extra {
            o.insert(k.clone(), v.clone());
        }
        Value::Object(o)
    }

    /// 401: no usable bearer token.
    pub fn unauthorized(detail: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentication required",
            detail,
        )
    }

    /// 403: the token does not allow the action.
    pub fn forbidden(token: &str, action: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Not allowed",
            format!("token `{token}` is not allowed to {action}"),
        )
        .with("requiredAction", action)
    }

    /// 413: the body is larger than the limit.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            "Request body too large",
            format!("the request body is larger than the {limit} bytes allowed"),
        )
        .with("limit", limit)
    }

    /// 404.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }

    /// 400 for a request member.
    pub fn bad_request(member: &str, reason: impl Into<String>) -> Self {
        Self::from(IssuerError::invalid(member, reason))
    }
}

impl From<IssuerError> for Problem {
    fn from(e: IssuerError) -> Self {
        let (status, title) = match e.kind() {
            ErrorKind::BadRequest => (StatusCode::BAD_REQUEST, "Invalid request"),
            ErrorKind::Conflict => (StatusCode::CONFLICT, "Conflict"),
            ErrorKind::NotFound => (StatusCode::NOT_FOUND, "Not found"),
            ErrorKind::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "Unavailable"),
            ErrorKind::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "Internal error"),
        };
        let title = match &e {
            IssuerError::Syntax(SyntaxError::Json(JsonError::Syntax { .. })) => "Malformed JSON",
            IssuerError::Syntax(SyntaxError::Json(JsonError::DuplicateMember { .. })) => {
                "Duplicate member name"
            }
            IssuerError::Syntax(SyntaxError::Json(JsonError::TooLarge { .. })) => {
                "Request body too large"
            }
            IssuerError::Syntax(SyntaxError::Field { .. }) => "Invalid credential",
            IssuerError::Record(_) => "Invalid record",
            IssuerError::Schema(_) => "Schema violation",
            IssuerError::JsonLd(_) => "Undefined term or unknown context",
            IssuerError::TypeNotAllowed(_) => "Document type not allowed",
            IssuerError::Conflict { .. } => "Source record already issued",
            _ => title,
        };
        let status = match &e {
            IssuerError::Syntax(SyntaxError::Json(JsonError::TooLarge { .. })) => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            _ => status,
        };
        let mut p = Problem::new(status, e.slug(), title, e.to_string());
        match &e {
            IssuerError::Syntax(SyntaxError::Json(JsonError::Syntax {
                line,
                column,
                offset,
                ..
            })) => {
                p = p
                    .with("line", *line as u64)
                    .with("column", *column as u64)
                    .with("offset", *offset as u64);
            }
            IssuerError::Syntax(SyntaxError::Json(JsonError::DuplicateMember {
                pointer,
                line,
                column,
                offset,
            })) => {
                p = p
                    .with("pointer", pointer.clone())
                    .with("line", *line as u64)
                    .with("column", *column as u64)
                    .with("offset", *offset as u64);
            }
            IssuerError::Syntax(SyntaxError::Field { pointer, .. }) => {
                p = p.with("pointer", pointer.clone());
            }
            IssuerError::Record(m) => p = p.with("field", m.field.clone()),
            IssuerError::Schema(SchemaError::Invalid { schema, violations }) => {
                let errors: Vec<Value> = violations
                    .iter()
                    .map(|v| json!({"pointer": v.pointer, "detail": v.message}))
                    .collect();
                p = p.with("schema", schema.clone()).with("errors", errors);
            }
            IssuerError::Schema(SchemaError::Unknown(schema)) => {
                p = p.with("schema", schema.clone());
            }
            IssuerError::InvalidRequest { member, .. } => p = p.with("member", member.clone()),
            IssuerError::Conflict {
                existing,
                source_record_id,
            } => {
                p = p
                    .with("existingCredentialId", existing.clone())
                    .with("sourceRecordId", source_record_id.clone());
            }
            _ => {}
        }
        p
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = self.to_json().to_string();
        let status = self.0.status;
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"civitas-issuer\""),
            );
        }
        response
    }
}

/// `json!` of a problem for embedding in batch results.
pub fn embedded(e: IssuerError) -> Value {
    let p = Problem::from(e);
    json!(p.to_json())
}
