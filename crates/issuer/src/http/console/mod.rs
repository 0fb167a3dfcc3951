//! The registrar's console: the web pages a civil status office works in, under `/console`,
//! drawn in the shared frame of civitas pages ([`civitas_web::Page`]), in English and French,
//! usable without JavaScript (plain forms).
//!
//! A clerk signs in with an issuer token ([`sign_in`]), exchanged for a session cookie
//! ([`session`]); every form is protected against cross-site requests ([`csrf`]); the token's
//! actions limit what the clerk sees and may do (no issue form without `issue`, no status
//! forms without `status`, no key rotation without `admin`: hidden, and refused with 403).
//!
//! The pages: find a record ([`records`], searched by a POSTed form so that no name reaches a
//! URL), a record with its printed certificate ([`record_page`], [`printed`]), issue a document
//! from a form generated from its profile ([`issue_form`]), revoke, suspend or reinstate
//! ([`status_actions`]), make an OpenID4VCI offer ([`offers`]), the audit log with its chain
//! verified ([`audit`]) and the signing keys ([`keys`]). Every page reuses the issuer's own
//! operations: nothing is issued, changed or rendered here differently from the API.

mod audit;
mod csrf;
mod document;
mod error;
mod form;
mod form_layout;
mod issue_form;
mod keys;
mod offers;
mod printed;
mod record_page;
mod records;
mod session;
mod sign_in;
mod status_actions;

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::header::SET_COOKIE;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use civitas_render::certificate::Format;
use civitas_web::Lang;

use crate::issuer::Issuer;

use session::Sessions;

type Shared = Arc<Issuer>;

/// The console's routes, with their session store: `store` (the registry's, when several
/// instances share it), or one in memory per router (a server's sessions die with it).
pub(crate) fn routes(store: Option<Arc<dyn crate::store::SessionStore>>) -> Router<Shared> {
    Router::new()
        .route("/console", get(records::search_page))
        .route("/console/search", post(records::search))
        .route("/console/records/{id}", get(record_page::show))
        .route(
            "/console/records/{id}/certificate.png",
            get(|s, l, u, p| printed::certificate_file(s, l, u, p, Format::Png)),
        )
        .route(
            "/console/records/{id}/certificate.pdf",
            get(|s, l, u, p| printed::certificate_file(s, l, u, p, Format::Pdf)),
        )
        .route("/console/records/{id}/qr.png", get(printed::qr_png))
        .route("/console/records/{id}/status", post(status_actions::change))
        .route("/console/records/{id}/offer", post(offers::create))
        .route("/console/issue", get(issue_form::choose))
        .route(
            "/console/issue/{type}",
            get(issue_form::show).post(issue_form::submit),
        )
        .route("/console/audit", get(audit::show))
        .route("/console/keys", get(keys::show))
        .route("/console/keys/rotate", post(keys::rotate))
        .route("/console/sign-in", get(sign_in::page).post(sign_in::submit))
        .route("/console/sign-out", post(sign_in::sign_out))
        .layer(axum::extract::DefaultBodyLimit::max(form::MAX_FORM_BYTES))
        .layer(axum::middleware::from_fn(remember_language))
        .layer(axum::Extension(Arc::new(Sessions::new(store))))
}

/// When a page is asked for with `?lang=` (the language link of every page), the answer also
/// sets the language cookie, so that the next pages stay in that language.
async fn remember_language(request: Request, next: Next) -> Response {
    let chosen = request.uri().query().and_then(|q| {
        q.split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == "lang")
            .and_then(|(_, v)| Lang::from_tag(v))
    });
    let mut response = next.run(request).await;
    if let Some(lang) = chosen {
        response.headers_mut().append(SET_COOKIE, lang.cookie());
    }
    response
}
