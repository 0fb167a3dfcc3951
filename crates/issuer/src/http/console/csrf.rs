//! Cross-site request forgery: the session cookie alone never makes a change.
//!
//! - Every form of a session carries a hidden `csrf` field: the session's CSRF token (32 random
//!   bytes, kept server-side with the session, never in a cookie). A POST whose field is
//!   missing or different is refused with 403 ([`SignedForm`] checks it before any handler
//!   runs).
//! - Every POST is also refused when the browser says it comes from elsewhere: an `Origin`
//!   that is not this service's, or a `Sec-Fetch-Site` other than `same-origin` (or `none`).
//! - The sign-in form, before any session exists, uses a double-submit token: a random value
//!   both in the cookie `civitas_console_pre` (`HttpOnly; Secure; SameSite=Strict;
//!   Path=/console`, 10 minutes) and in the form's `csrf` field; they must match, and the
//!   same `Origin` / `Sec-Fetch-Site` check applies.

use std::sync::Arc;

use axum::extract::{FromRequest, Request};
use axum::http::header::{HOST, ORIGIN};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use civitas_web::{Nav, escape};

use super::error::{ConsoleError, CsrfFailure};
use super::form::Fields;
use super::session::{SignedIn, request_lang};
use crate::issuer::Issuer;
use crate::tokens::random_secret;

/// The form field that carries the token.
pub(crate) const FIELD: &str = "csrf";
/// The pre-session (sign-in) cookie's name.
pub(crate) const PRE_COOKIE: &str = "civitas_console_pre";

/// The hidden field carrying `token`.
pub(crate) fn hidden_field(token: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{FIELD}\" value=\"{}\">",
        escape(token)
    )
}

/// Whether `a` and `b` are the same, in time that does not depend on where they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A new pre-session token and its `Set-Cookie` value.
pub(crate) fn pre_session() -> (String, HeaderValue) {
    let token = random_secret(32);
    let cookie = HeaderValue::from_str(&format!(
        "{PRE_COOKIE}={token}; HttpOnly; Secure; SameSite=Strict; Path=/console; Max-Age=600"
    ))
    .unwrap_or(HeaderValue::from_static(
        "civitas_console_pre=; Path=/console; Max-Age=0",
    ));
    (token, cookie)
}

/// The `Set-Cookie` value that deletes the pre-session cookie.
pub(crate) fn cleared_pre_cookie() -> HeaderValue {
    HeaderValue::from_static(
        "civitas_console_pre=; HttpOnly; Secure; SameSite=Strict; Path=/console; Max-Age=0",
    )
}

/// Refuses a request the browser says comes from another site: an `Origin` other than this
/// service's (the request's own host, or the issuer's public base URL), or a `Sec-Fetch-Site`
/// other than `same-origin` or `none`. Requests without these headers (not from a browser)
/// pass: the CSRF token still has to be right.
pub(crate) fn check_origin(
    headers: &HeaderMap,
    parts_host: Option<&str>,
    issuer: &Issuer,
) -> Result<(), ConsoleError> {
    if let Some(site) = headers.get("sec-fetch-site") {
        let site = site.to_str().unwrap_or("");
        if !matches!(site, "same-origin" | "none") {
            return Err(ConsoleError::Csrf(CsrfFailure::CrossSite));
        }
    }
    let Some(origin) = headers.get(ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or("");
    let authority = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or(ConsoleError::Csrf(CsrfFailure::CrossSite))?;
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .or(parts_host);
    let base = issuer.base_url();
    let base_authority = base
        .strip_prefix("https://")
        .or_else(|| base.strip_prefix("http://"))
        .map(|b| b.split('/').next().unwrap_or(b));
    if Some(authority) == host || Some(authority) == base_authority {
        Ok(())
    } else {
        Err(ConsoleError::Csrf(CsrfFailure::CrossSite))
    }
}

/// The host a request was sent to, from its URI (HTTP/2 `:authority`).
pub(crate) fn uri_host(parts: &Parts) -> Option<String> {
    parts.uri.authority().map(|a| a.as_str().to_owned())
}

/// A form POSTed by a signed-in clerk, as an extractor: the session is live, the request comes
/// from this service, and the form's `csrf` field is the session's token. Any failure is
/// refused before the handler runs (no session: sent to sign in; wrong or missing token: 403).
#[derive(Debug)]
pub(crate) struct SignedForm {
    /// The clerk.
    pub(crate) session: SignedIn,
    /// The form's fields.
    pub(crate) fields: Fields,
}

impl FromRequest<Arc<Issuer>> for SignedForm {
    /// The sign-in redirect, or the 403 page in the request's language.
    type Rejection = Response;

    async fn from_request(request: Request, issuer: &Arc<Issuer>) -> Result<Self, Response> {
        let (parts, body) = request.into_parts();
        let lang = request_lang(&parts);
        let session = SignedIn::of(&parts, issuer).map_err(|e| e.page(lang, Nav::SignIn))?;
        let nav = session.nav();
        let refuse = |e: ConsoleError| e.page(lang, nav.clone());
        check_origin(&parts.headers, uri_host(&parts).as_deref(), issuer).map_err(refuse)?;
        let fields = Fields::read(Request::from_parts(parts, body))
            .await
            .map_err(refuse)?;
        match fields.get(FIELD) {
            None | Some("") => Err(refuse(ConsoleError::Csrf(CsrfFailure::Missing))),
            Some(given) if !same_secret(given, &session.csrf) => {
                Err(refuse(ConsoleError::Csrf(CsrfFailure::Wrong)))
            }
            Some(_) => Ok(Self { session, fields }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
        assert!(!same_secret("", "a"));
    }

    #[test]
    fn the_hidden_field_escapes_its_value() {
        assert_eq!(
            hidden_field("a\"b"),
            "<input type=\"hidden\" name=\"csrf\" value=\"a&quot;b\">"
        );
    }
}
