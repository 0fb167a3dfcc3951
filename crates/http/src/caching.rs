//! Caching headers: `Cache-Control: no-store` for answers that no cache may keep, and
//! `If-None-Match` matched against an entity tag the way RFC 9110 says.

use axum::http::{HeaderValue, header};
use axum::response::Response;

/// Adds `Cache-Control: no-store` (RFC 9111 §5.2.2.5): for answers that carry personal data
/// or secrets (`axum::middleware::map_response(no_store)`).
pub async fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Whether an `If-None-Match` field value matches `etag`, by weak comparison (RFC 9110
/// §13.1.2): `*`, or a list of entity tags one of which has the same opaque tag, `W/` or not.
/// A malformed list matches nothing (the full response is sent).
pub fn if_none_match(field: &str, etag: &str) -> bool {
    let opaque = |tag: &str| tag.strip_prefix("W/").unwrap_or(tag).to_owned();
    let ours = opaque(etag.trim());
    let mut rest = field.trim();
    if rest == "*" {
        return true;
    }
    loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            return false;
        }
        let tag_start = rest.strip_prefix("W/").unwrap_or(rest);
        let Some(body) = tag_start.strip_prefix('"') else {
            return false;
        };
        let Some(close) = body.find('"') else {
            return false;
        };
        if tag_start[..close + 2] == ours {
            return true;
        }
        rest = &body[close + 1..];
    }
}
