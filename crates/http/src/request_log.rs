//! The request log: one `tracing` event per request (target `civitas::http`), at `info` for
//! answers below 500 and at `error` for server errors, with the request id, method, path (no
//! query string), status and latency. Nothing else from the request is logged: no header value
//! (bearer tokens), no query string, no body (personal data).
//!
//! The request id is the client's `x-request-id` when it is 1 to 64 characters of
//! `[A-Za-z0-9._-]`, otherwise 16 random hexadecimal digits; it is set on the response so that
//! a client and an operator can name the same request.

use std::time::Instant;

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use rand::Rng as _;

/// The request id header.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest client-supplied request id kept.
pub const MAX_REQUEST_ID_LEN: usize = 64;

/// The request id to use: the client's when well formed, a new one otherwise.
pub fn request_id(given: Option<&HeaderValue>) -> HeaderValue {
    if let Some(value) = given {
        let bytes = value.as_bytes();
        let well_formed = !bytes.is_empty()
            && bytes.len() <= MAX_REQUEST_ID_LEN
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if well_formed {
            return value.clone();
        }
    }
    let id: u64 = rand::thread_rng().r#gen();
    HeaderValue::from_str(&format!("{id:016x}")).unwrap_or(HeaderValue::from_static("0"))
}

/// The middleware (`axum::middleware::from_fn(log_request)`): logs the request when its answer
/// is ready and returns the request id in `x-request-id`.
pub async fn log_request(mut request: Request, next: Next) -> Response {
    let id = request_id(request.headers().get(&REQUEST_ID));
    request.headers_mut().insert(REQUEST_ID, id.clone());
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let mut response = next.run(request).await;
    let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    let status = response.status().as_u16();
    let request_id = id.to_str().unwrap_or("");
    if status >= 500 {
        tracing::error!(target: "civitas::http", request_id, %method, path, status, latency_us, "request");
    } else {
        tracing::info!(target: "civitas::http", request_id, %method, path, status, latency_us, "request");
    }
    response.headers_mut().insert(REQUEST_ID, id);
    response
}
