//! The printed certificate of a record, for its page: the PNG image and the PDF the issuer
//! renders ([`Issuer::certificate`], as `GET /credentials/{id}/certificate`), and the QR code
//! of its compact form ([`Issuer::compact`], as `GET /credentials/{id}/qr?format=png`). They
//! need a token allowing `issue`, like the API; never cached.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use civitas_render::certificate::Format;
use civitas_web::Lang;

use super::error::{ConsoleError, respond};
use super::session::SignedIn;
use crate::error::{IssuerError, SigningError};
use crate::issuer::Issuer;
use crate::tokens::Action;

/// Pixels per QR module of the QR image (as the API's `?format=png`).
const QR_MODULE_PIXELS: u32 = 8;

/// `bytes` as a file of `media_type`, never cached; `attachment` names the download.
fn file(bytes: Vec<u8>, media_type: &'static str, attachment: Option<&str>) -> Response {
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(media_type));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        axum::http::HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    if let Some(name) = attachment
        && let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
    {
        h.insert(CONTENT_DISPOSITION, v);
    }
    r
}

async fn certificate(
    issuer: &Issuer,
    session: &SignedIn,
    id: &str,
    format: Format,
) -> Result<Response, ConsoleError> {
    session.require(Action::Issue)?;
    let bytes = issuer.certificate(id, format).await?;
    let attachment = (format == Format::Pdf).then_some("certificate.pdf");
    Ok(file(bytes, format.media_type(), attachment))
}

/// `GET /console/records/{id}/certificate.png` and `.pdf` (`format`).
pub(crate) async fn certificate_file(
    State(issuer): State<Arc<Issuer>>,
    lang: Lang,
    session: SignedIn,
    Path(id): Path<String>,
    format: Format,
) -> Response {
    respond(
        lang,
        session.nav(),
        certificate(&issuer, &session, &id, format).await,
    )
}

/// `GET /console/records/{id}/qr.png`.
pub(crate) async fn qr_png(
    State(issuer): State<Arc<Issuer>>,
    lang: Lang,
    session: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let nav = session.nav();
    let result: Result<Response, ConsoleError> = async {
        session.require(Action::Issue)?;
        let png = issuer
            .qr_symbol(&id)
            .await?
            .to_png(QR_MODULE_PIXELS)
            .map_err(|e| IssuerError::Signing(SigningError::Qr(e)))?;
        Ok(file(png, "image/png", None))
    }
    .await;
    respond(lang, nav, result)
}
