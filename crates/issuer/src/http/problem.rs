//! RFC 9457 problem details: every error answer is `application/problem+json` with a `type`
//! URL naming the problem, a `title`, the `status` and a `detail` that says what is wrong
//! (and, where it helps, extension members such as `existingCredentialId`, or for a schema
//! violation the `schema` and an `errors` array of `{pointer, detail}`, one per violation).

//! The issuer's errors as RFC 9457 problem details: every error answer is civitas-http's
//! [`Problem`] (`application/problem+json`, `type` `https://w3id.org/civitas/problems/<slug>`,
//! `title`, `status`, `detail`), with, where it helps, extension members such as
//! `existingCredentialId`, or for a schema violation the `schema` and an `errors` array of
//! `{pointer, detail}`, one per violation. This module holds the issuer's own mapping
//! ([`IssuerError`] → [`Problem`]); the type, the JSON parser's problems and the 401 live in
//! [`civitas_http::problem`].

use axum::http::StatusCode;
use civitas_core::credential::SyntaxError;
use civitas_core::schema::SchemaError;
use civitas_http::json::{JsonRejection, MemberError};
use civitas_jsonld::json::JsonError;
use serde_json::{Value, json};

use crate::error::{ErrorKind, IssuerError};

pub use civitas_http::problem::{PROBLEM_BASE, Problem, ProblemParts};

/// The `WWW-Authenticate` challenge of the issuer's 401s.
pub const CHALLENGE: &str = "Bearer realm=\"civitas-issuer\"";

/// 400 `invalid-request` for a request member (a JSON pointer, or a parameter name).
pub fn bad_request(member: &str, reason: impl Into<String>) -> Problem {
    Problem::from(IssuerError::invalid(member, reason))
}

/// A request body refused by [`civitas_http::json::Json`], in the issuer's terms: a wrong or
/// missing member is an `invalid-request` naming it in `member` (like every other request
/// error of the issuer); a body that cannot be read is `invalid-request` for `(body)`.
pub fn from_rejection(e: JsonRejection) -> Problem {
    match e {
        JsonRejection::Member(MemberError { pointer, reason }) => bad_request(&pointer, reason),
        JsonRejection::Body(e @ civitas_http::body::BodyError::Unreadable { .. }) => {
            bad_request("(body)", e.to_string())
        }
        other => Problem::from(other),
    }
}

impl From<IssuerError> for Problem {
    fn from(e: IssuerError) -> Self {
        // The strict parser's errors read the same from every civitas server.
        if let IssuerError::Syntax(SyntaxError::Json(
            json @ (JsonError::Syntax { .. }
            | JsonError::DuplicateMember { .. }
            | JsonError::TooLarge { .. }),
        )) = &e
        {
            return Problem::from(json);
        }
        let (status, title) = match e.kind() {
            ErrorKind::BadRequest => (StatusCode::BAD_REQUEST, "Invalid request"),
            ErrorKind::Conflict => (StatusCode::CONFLICT, "Conflict"),
            ErrorKind::NotFound => (StatusCode::NOT_FOUND, "Not found"),
            ErrorKind::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "Unavailable"),
            ErrorKind::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "Internal error"),
        };
        let title = match &e {
            IssuerError::Syntax(SyntaxError::Field { .. }) => "Invalid credential",
            IssuerError::Record(_) => "Invalid record",
            IssuerError::Schema(_) => "Schema violation",
            IssuerError::JsonLd(_) => "Undefined term or unknown context",
            IssuerError::TypeNotAllowed(_) => "Document type not allowed",
            IssuerError::Conflict { .. } => "Source record already issued",
            _ => title,
        };
        let mut p = Problem::new(status, e.slug(), title, e.to_string());
        match &e {
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

/// `json!` of a problem for embedding in batch results.
pub fn embedded(e: IssuerError) -> Value {
    let p = Problem::from(e);
    json!(p.to_json())
}
