//! The bearer token of a request (`Authorization: Bearer <token>`, RFC 6750), as an axum
//! extractor.
//!
//! [`Bearer`] only reads the header: a missing one, one that is not text, or one of another
//! scheme is a `401` [`Problem`] (`unauthorized`, with `WWW-Authenticate: Bearer`). Which
//! tokens are valid and what each allows is the server's business (the issuer's `Authorized`
//! extractor is built on this one).
//!
//! ```
//! use axum::{Router, routing::get};
//! use civitas_http::bearer::Bearer;
//!
//! async fn whoami(bearer: Bearer) -> String {
//!     format!("{} bytes of token", bearer.token().len())
//! }
//! let app: Router = Router::new().route("/whoami", get(whoami));
//! # let _ = app;
//! ```

use std::fmt;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

use crate::problem::Problem;

/// The token of `Authorization: Bearer <token>` (scheme `Bearer` or `bearer`, surrounding
/// blanks trimmed). Its `Debug` form never shows the token.
#[derive(Clone, PartialEq, Eq)]
pub struct Bearer(pub String);

impl Bearer {
    /// The token.
    pub fn token(&self) -> &str {
        &self.0
    }

    /// Reads the token from `headers`; a missing, non-text or non-`Bearer` `Authorization`
    /// header is a 401 problem saying which.
    pub fn from_headers(headers: &HeaderMap) -> Result<Self, Problem> {
        let value = headers.get(header::AUTHORIZATION).ok_or_else(|| {
            Problem::unauthorized("this endpoint needs `Authorization: Bearer <token>`")
        })?;
        let text = value
            .to_str()
            .map_err(|_| Problem::unauthorized("the Authorization header is not text"))?;
        let token = text
            .strip_prefix("Bearer ")
            .or_else(|| text.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                Problem::unauthorized("the Authorization header must be `Bearer <token>`")
            })?;
        Ok(Self(token.to_owned()))
    }
}

impl fmt::Debug for Bearer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Bearer(…)")
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Bearer {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        Self::from_headers(&parts.headers)
    }
}
