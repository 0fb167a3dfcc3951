//! The files the pages load, embedded in the binary at build time and served under `/assets/`
//! by [`router`]: the stylesheet and the verifier page's scripts. Nothing is fetched from
//! anywhere else (no CDN): the pages work on a closed network and offline.

use axum::Router;
use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

/// One embedded file.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    /// Its name under `/assets/`.
    pub name: &'static str,
    /// Its media type.
    pub content_type: &'static str,
    /// Its bytes.
    pub bytes: &'static [u8],
}

/// Every embedded file.
pub const ASSETS: &[Asset] = &[
    Asset {
        name: "civitas.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../assets/civitas.css"),
    },
    // the verifier page: its stylesheet and the app's icons
    Asset {
        name: "verify.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../assets/verify.css"),
    },
    Asset {
        name: "icon.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../assets/icon.svg"),
    },
    Asset {
        name: "icon-192.png",
        content_type: "image/png",
        bytes: include_bytes!("../assets/icon-192.png"),
    },
    Asset {
        name: "icon-512.png",
        content_type: "image/png",
        bytes: include_bytes!("../assets/icon-512.png"),
    },
    // the verifier page's app (built from crates/web/js by `node build.mjs`): the page's
    // behaviour and the CV1 verification in the browser, then pdf.js and its worker, loaded
    // only when a PDF is chosen
    Asset {
        name: "verify-app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../assets/verify-app.js"),
    },
    Asset {
        name: "pdf.mjs",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../assets/pdf.mjs"),
    },
    Asset {
        name: "pdf.worker.mjs",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../assets/pdf.worker.mjs"),
    },
];

/// The embedded file called `name`.
pub fn asset(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

/// The strong ETag of some bytes (the first 16 bytes of their SHA-256, quoted).
pub fn etag(bytes: &[u8]) -> String {
    format!("\"{}\"", hex::encode(&Sha256::digest(bytes)[..16]))
}

/// `asset` as a response: its media type, an ETag (304 when `If-None-Match` has it), cached
/// for an hour and revalidated after.
pub fn serve(asset: &Asset, request: &HeaderMap) -> Response {
    let tag = etag(asset.bytes);
    let matches = request
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag));
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        asset.bytes.into_response()
    };
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600, must-revalidate"),
    );
    if let Ok(value) = HeaderValue::from_str(&tag) {
        headers.insert(ETAG, value);
    }
    headers.insert(
        axum::http::HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// `GET /assets/{name}`: the embedded files (404 for any other name).
pub fn router() -> Router {
    Router::new().route(
        "/assets/{name}",
        get(|Path(name): Path<String>, headers: HeaderMap| async move {
            match asset(&name) {
                Some(a) => serve(a, &headers),
                None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
            }
        }),
    )
}
