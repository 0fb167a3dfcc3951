//! What makes the verifier page an installable app that works offline: its web app manifest,
//! its service worker (`crates/web/js/src/sw.js`, served under `/verify/` so that it may
//! control `/verify`), and the browser bundle it stores (trust list, status snapshots,
//! profiles: [`crate::offline::browser_bundle`]).

use std::sync::Arc;

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use civitas_http::caching::if_none_match;
use civitas_verifier::Verifier;
use civitas_verifier::http::SharedVerifier;
use serde_json::{Value, json};

use super::page::{PATH, THEME_COLOR};
use crate::assets::etag;
use crate::lang::Lang;

/// The service worker's script.
pub const SERVICE_WORKER: &[u8] = include_bytes!("../../js/src/sw.js");

/// The web app manifest in `lang`.
pub fn manifest(lang: Lang) -> Value {
    json!({
        "name": lang.pick("civitas — check a document", "civitas — vérifier un document"),
        "short_name": lang.pick("Check", "Vérifier"),
        "description": lang.pick(
            "Check a civil-registry document from its QR code or its file, also offline.",
            "Vérifier un document d'état civil par son code QR ou son fichier, même hors ligne.",
        ),
        "lang": lang.code(),
        "id": PATH,
        "start_url": PATH,
        "scope": PATH,
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOR,
        "icons": [
            {"src": "/assets/icon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
            {"src": "/assets/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": "/assets/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"}
        ]
    })
}

/// `body` with its type and an ETag, `no-cache` (stored, revalidated at each use), or 304 when
/// `If-None-Match` has the tag.
fn revalidated(
    request: &HeaderMap,
    body: Vec<u8>,
    content_type: &'static str,
    tag: &str,
) -> Response {
    let matches = request
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| if_none_match(v, tag));
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        body.into_response()
    };
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(value) = HeaderValue::from_str(tag) {
        headers.insert(ETAG, value);
    }
    response
}

/// `GET /verify/manifest.webmanifest`.
pub async fn manifest_route(lang: Lang, headers: HeaderMap) -> Response {
    let body = manifest(lang).to_string().into_bytes();
    let tag = etag(&body);
    revalidated(&headers, body, "application/manifest+json", &tag)
}

/// `GET /verify/sw.js`: the service worker, allowed to control `/verify`.
pub async fn service_worker_route(headers: HeaderMap) -> Response {
    let tag = etag(SERVICE_WORKER);
    let mut response = revalidated(
        &headers,
        SERVICE_WORKER.to_vec(),
        "text/javascript; charset=utf-8",
        &tag,
    );
    response.headers_mut().insert(
        HeaderName::from_static("service-worker-allowed"),
        HeaderValue::from_static(PATH),
    );
    response
}

/// The browser bundle of `verifier` now, and its weak ETag: the digest of the bundle without
/// `madeAt`, so that a bundle made again from the same verifier matches.
pub fn bundle_and_tag(verifier: &Verifier) -> (Vec<u8>, String) {
    let bundle = serde_json::to_value(crate::offline::browser_bundle(verifier, Utc::now()))
        .unwrap_or(Value::Null);
    let mut without_time = bundle.clone();
    if let Value::Object(members) = &mut without_time {
        members.remove("madeAt");
    }
    let tag = format!("W/{}", etag(without_time.to_string().as_bytes()));
    (bundle.to_string().into_bytes(), tag)
}

/// `GET /verify/offline-bundle.json`: the browser bundle of the current verifier.
pub async fn offline_bundle_route(
    State(shared): State<SharedVerifier>,
    headers: HeaderMap,
) -> Response {
    let verifier: Arc<Verifier> = super::current(&shared);
    let (body, tag) = bundle_and_tag(&verifier);
    revalidated(&headers, body, "application/json", &tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_starts_and_stays_at_verify() {
        let m = manifest(Lang::Fr);
        assert_eq!(m["start_url"], "/verify");
        assert_eq!(m["scope"], "/verify");
        assert_eq!(m["display"], "standalone");
        assert_eq!(m["lang"], "fr");
        let icons = m["icons"].as_array().map(Vec::len);
        assert_eq!(icons, Some(3));
        for icon in ["icon.svg", "icon-192.png", "icon-512.png"] {
            assert!(crate::assets::asset(icon).is_some(), "{icon} is embedded");
        }
    }
}
