//! Arbitrary bytes as a form posted to the public verifier page (`POST /verify`): the first line
//! is the `Content-Type` (a multipart boundary, urlencoded, anything else), the rest the body.
//! Reading it must never panic: it is a form (file, text, language) within the limits, or a
//! typed refusal with its HTTP status; then the language cookie and `Accept-Language` reading
//! of the same bytes as header values.
#![no_main]

use axum::body::Body;
use axum::http::header::{ACCEPT_LANGUAGE, CONTENT_TYPE, COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use civitas_web::Lang;
use civitas_web::verify::upload;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (first, body) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_bytes(first) {
        headers.insert(CONTENT_TYPE, value.clone());
        headers.insert(ACCEPT_LANGUAGE, value.clone());
        headers.insert(COOKIE, value);
    }
    let _ = Lang::negotiate(std::str::from_utf8(first).ok(), &headers);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    match runtime.block_on(upload::read(&headers, Body::from(body.to_vec()))) {
        Ok(form) => {
            // what was kept is within the limits
            assert!(form.text.is_none_or(|t| t.len() <= upload::MAX_TEXT_BYTES));
            assert!(
                form.file
                    .is_none_or(|f| f.bytes.len() <= upload::MAX_BODY_BYTES && !f.bytes.is_empty())
            );
        }
        Err(e) => assert!(e.status().is_client_error(), "{e}"),
    }
});
