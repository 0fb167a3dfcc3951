//! The public verifier page, `/verify`: a clerk gives a photo or a scan of a certificate's QR
//! code, its PDF (read in the browser by the page's script), a credential file or its text, and
//! reads the verdict in plain words first, then what the document says with its labels, then
//! every check. The page works without JavaScript (the form is posted and verified here, with
//! the service's verifier); with it, it is an installable app that verifies the QR form offline
//! against a stored browser bundle.
//!
//! - `GET /verify`: the page ([`page`]).
//! - `POST /verify`: `multipart/form-data` (`document`, `text`, `lang`) or
//!   `application/x-www-form-urlencoded` (`text`, `lang`), at most 16 MiB ([`upload`]); the
//!   page with the result above the form ([`result`]): 200 when the document is valid, 422 when
//!   it is not valid or cannot be decided (a photo whose QR code cannot be read cannot be
//!   decided, never *not valid*), 422 for a PDF sent without the script, 400 when the form
//!   cannot be read or is empty, 413 beyond the limits, 415 for what is not a form.
//! - `GET /verify/manifest.webmanifest`, `GET /verify/sw.js`,
//!   `GET /verify/offline-bundle.json`: the app ([`app`]).
//!
//! What a document says is shown with its profile's labels ([`content`]); the page's own words
//! in English and French are in [`words`].
//!
//! Nothing given to the page is logged or kept, and no page is cached (`no-store`). The assets
//! the page loads (`/assets/…`) are served by [`crate::assets::router`], merged by
//! [`crate::verifier_pages`].

pub mod app;
pub mod content;
pub mod page;
pub mod result;
pub mod upload;
pub mod words;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use civitas_verifier::Verifier;
use civitas_verifier::http::SharedVerifier;

use crate::lang::Lang;
use page::Above;

/// The verifier page's routes, answering with whatever verifier `shared` holds at each request.
pub fn router(shared: SharedVerifier) -> Router {
    Router::new()
        .route(page::PATH, get(show).post(verify))
        .route("/verify/manifest.webmanifest", get(app::manifest_route))
        .route("/verify/sw.js", get(app::service_worker_route))
        .route(
            "/verify/offline-bundle.json",
            get(app::offline_bundle_route),
        )
        .with_state(shared)
}

/// The verifier `shared` holds now.
pub(crate) fn current(shared: &SharedVerifier) -> Arc<Verifier> {
    match shared.read() {
        Ok(v) => v.clone(),
        // a writer panicked while swapping: the verifier it left is still whole
        Err(poisoned) => poisoned.into_inner().clone(),
    }
}

/// `GET /verify`; asked for with `?lang=` (the language link), it also sets the language
/// cookie, so that the result pages stay in that language.
async fn show(lang: Lang, RawQuery(query): RawQuery) -> Response {
    let chosen = query.as_deref().is_some_and(|q| {
        q.split('&')
            .filter_map(|pair| pair.split_once('='))
            .any(|(k, v)| k == "lang" && Lang::from_tag(v).is_some())
    });
    let page = page::page(lang, Above::Nothing, StatusCode::OK);
    if chosen {
        page.cookie(lang.cookie()).into_response()
    } else {
        page.into_response()
    }
}

/// `POST /verify`: reads the form, verifies what it holds, answers the page with the result.
async fn verify(
    State(shared): State<SharedVerifier>,
    lang: Lang,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let upload = match upload::read(&headers, body).await {
        Ok(upload) => upload,
        Err(e) => {
            let above = Above::Problem(page::upload_problem(&e, lang));
            return page::page(lang, above, e.status()).into_response();
        }
    };
    let lang = upload.lang.unwrap_or(lang);
    let both = upload.file.is_some() && upload.text.is_some();
    let input = match (upload.file, upload.text) {
        (Some(file), _) if file.is_pdf() => {
            let above = Above::Problem(page::pdf_problem(lang));
            return page::page(lang, above, StatusCode::UNPROCESSABLE_ENTITY).into_response();
        }
        (Some(file), _) => file.bytes,
        (None, Some(text)) if upload::is_pdf(&text) => {
            let above = Above::Problem(page::pdf_problem(lang));
            return page::page(lang, above, StatusCode::UNPROCESSABLE_ENTITY).into_response();
        }
        (None, Some(text)) => text,
        (None, None) => {
            return page::page(lang, Above::NothingGiven, StatusCode::BAD_REQUEST).into_response();
        }
    };
    let verifier = current(&shared);
    let checked = result::check(verifier.clone(), input).await;
    let mut html = result::result_html(&checked, &verifier, lang);
    if both {
        html.insert_str(0, &page::both_given_note(lang));
    }
    page::page(lang, Above::Result(html), result::status(&checked.report)).into_response()
}
