//! Typed JSON request bodies: read with a size limit ([`crate::body::read_limited`]), parsed
//! by civitas' strict parser ([`civitas_jsonld::json`]: a repeated member name is refused with
//! its pointer, line, column and offset), then deserialized into the handler's type with the
//! JSON pointer of any member that is missing or of the wrong type.
//!
//! ```
//! use axum::{Router, routing::post};
//! use civitas_http::json::Json;
//!
//! #[derive(serde::Deserialize)]
//! struct NewToken {
//!     name: String,
//!     actions: Vec<String>,
//! }
//!
//! // `{"name": 5}` is answered 400 `invalid-request`, `pointer: "/name"`.
//! async fn create(Json(request): Json<NewToken>) -> String {
//!     format!("{} with {} actions", request.name, request.actions.len())
//! }
//! let app: Router = Router::new().route("/tokens", post(create));
//! # let _ = app;
//! ```
//!
//! A server that names these errors differently takes `Result<Json<T>, JsonRejection>` and maps
//! the [`JsonRejection`] itself.

use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use civitas_jsonld::json::{JsonError, MAX_JSON_BYTES};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::body::{BodyError, read_limited};
use crate::problem::Problem;

/// A JSON request body deserialized into `T`, of at most `LIMIT` bytes (1 MiB unless given).
/// The body must be a JSON object (every civitas request is one). Its rejection is a
/// [`JsonRejection`], answered as a [`Problem`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Json<T, const LIMIT: usize = MAX_JSON_BYTES>(pub T);

/// A request member that is missing or does not have the expected type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{pointer}`: {reason}")]
pub struct MemberError {
    /// JSON pointer (RFC 6901) to the member: `/options/supersede`, `/items/3/type`; the
    /// pointer of the missing member itself when one is required.
    pub pointer: String,
    /// What is wrong (`is required`, `invalid type: integer `5`, expected a string`).
    pub reason: String,
}

/// Why a JSON request body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonRejection {
    /// The body is over the limit (413), or the connection failed while it was read (400).
    #[error(transparent)]
    Body(#[from] BodyError),
    /// The body is not JSON, or repeats a member name (400 `malformed-json`).
    #[error(transparent)]
    Json(#[from] JsonError),
    /// A member is missing or of the wrong type (400 `invalid-request` with its `pointer`).
    #[error(transparent)]
    Member(#[from] MemberError),
}

impl From<&JsonRejection> for Problem {
    fn from(e: &JsonRejection) -> Self {
        match e {
            JsonRejection::Body(BodyError::TooLarge { limit }) => Problem::too_large(*limit),
            JsonRejection::Body(unreadable @ BodyError::Unreadable { .. }) => Problem::new(
                axum::http::StatusCode::BAD_REQUEST,
                "invalid-request",
                "Invalid request",
                unreadable.to_string(),
            ),
            JsonRejection::Json(json) => Problem::from(json),
            JsonRejection::Member(m) => Problem::invalid_member(&m.pointer, &m.reason),
        }
    }
}

impl From<JsonRejection> for Problem {
    fn from(e: JsonRejection) -> Self {
        Self::from(&e)
    }
}

impl IntoResponse for JsonRejection {
    fn into_response(self) -> Response {
        Problem::from(&self).into_response()
    }
}

impl<S: Send + Sync, T: DeserializeOwned, const LIMIT: usize> FromRequest<S> for Json<T, LIMIT> {
    type Rejection = JsonRejection;

    async fn from_request(request: Request, _state: &S) -> Result<Self, JsonRejection> {
        let (parts, body) = request.into_parts();
        let bytes = read_limited(&parts.headers, body, LIMIT).await?;
        let value = civitas_jsonld::json::parse_with_limit(&bytes, LIMIT)?;
        // serde would read a struct from an array, by position: a request is an object.
        if !value.is_object() {
            return Err(MemberError {
                pointer: String::new(),
                reason: "the body must be a JSON object".to_owned(),
            }
            .into());
        }
        Ok(Self(from_value(value, "")?))
    }
}

/// Deserializes `value`, found at JSON pointer `at` of a request (`""` for the whole body), into
/// `T`; a missing member or one of the wrong type is named by its pointer (`at` + the path to
/// it).
pub fn from_value<T: DeserializeOwned>(value: Value, at: &str) -> Result<T, MemberError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let mut pointer = at.to_owned();
        for segment in e.path().iter() {
            use serde_path_to_error::Segment;
            match segment {
                Segment::Seq { index } => push_segment(&mut pointer, &index.to_string()),
                Segment::Map { key } | Segment::Enum { variant: key } => {
                    push_segment(&mut pointer, key)
                }
                Segment::Unknown => {}
            }
        }
        let message = e.into_inner().to_string();
        // serde's "missing field `x`" is reported at the object that lacks it: name the member.
        match missing_field(&message) {
            Some(field) => {
                push_segment(&mut pointer, field);
                MemberError {
                    pointer,
                    reason: "is required".to_owned(),
                }
            }
            None => MemberError {
                pointer,
                reason: message,
            },
        }
    })
}

/// For `#[serde(default, deserialize_with = "civitas_http::json::present")]` on an `Option`
/// member: it may be left out, but when present it is read as a `T`, so that `null` is refused
/// (with the member's pointer) instead of being taken for an absent member.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// Appends one reference token to a JSON pointer (RFC 6901 §3: `~` → `~0`, `/` → `~1`).
fn push_segment(pointer: &mut String, segment: &str) {
    pointer.push('/');
    pointer.push_str(&segment.replace('~', "~0").replace('/', "~1"));
}

/// The field named by serde's `missing field `x`` message.
fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")?
        .strip_suffix('`')
        .filter(|f| !f.contains('`'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Request {
        name: String,
        #[serde(default)]
        items: Vec<Item>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Item {
        #[serde(rename = "a/b~c")]
        odd: u8,
    }

    #[test]
    fn pointers_name_the_member() {
        let e = from_value::<Request>(json!({"items": []}), "").unwrap_err();
        assert_eq!(e.pointer, "/name");
        assert_eq!(e.reason, "is required");
        let e = from_value::<Request>(json!({"name": 5}), "").unwrap_err();
        assert_eq!(e.pointer, "/name");
        assert!(e.reason.contains("expected a string"), "{e}");
        let e = from_value::<Request>(
            json!({"name": "x", "items": [{"a/b~c": 1}, {"a/b~c": "2"}]}),
            "/batch",
        )
        .unwrap_err();
        assert_eq!(e.pointer, "/batch/items/1/a~1b~0c");
        let e = from_value::<Request>(json!({"name": "x", "items": [{}]}), "").unwrap_err();
        assert_eq!(e.pointer, "/items/0/a~1b~0c");
        assert_eq!(e.to_string(), "`/items/0/a~1b~0c`: is required");
    }
}
