//! The signing keys (admin only): the current key and the history, and key rotation
//! ([`Issuer::rotate_key`], as `POST /keys/rotate`).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use civitas_web::{Lang, Page, escape};

use super::csrf::{SignedForm, hidden_field};
use super::error::{ConsoleError, respond};
use super::session::SignedIn;
use crate::error::ErrorKind;
use crate::issuer::Issuer;
use crate::tokens::Action;

/// `GET /console/keys`.
pub(crate) async fn show(
    State(issuer): State<Arc<Issuer>>,
    lang: Lang,
    session: SignedIn,
) -> Response {
    let nav = session.nav();
    respond(
        lang,
        nav,
        keys_page(&issuer, lang, &session, None, StatusCode::OK),
    )
}

/// `POST /console/keys/rotate`.
pub(crate) async fn rotate(
    State(issuer): State<Arc<Issuer>>,
    lang: Lang,
    form: SignedForm,
) -> Response {
    let SignedForm { session, .. } = form;
    let nav = session.nav();
    let l = lang;
    if let Err(e) = session.require(Action::Admin) {
        return e.page(l, nav);
    }
    let (notice, status) = match issuer.rotate_key(session.actor()).await {
        Ok(key) => (
            format!(
                "<div class=\"notice\" role=\"status\" id=\"rotation-notice\"><p>{} {} ({})</p></div>",
                l.pick(
                    "Rotated. New credentials and every status list are now signed by key",
                    "Rotation faite. Les nouveaux documents et toutes les listes de statut sont désormais signés par la clé"
                ),
                key.number,
                escape(&key.verification_method),
            ),
            StatusCode::OK,
        ),
        Err(e) => {
            let status = match e.kind() {
                ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
                ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::CONFLICT,
            };
            (
                format!(
                    "<div class=\"alert\" role=\"alert\" id=\"error\"><p>{} {}</p></div>",
                    l.pick("The key was not rotated:", "La clé n'a pas été changée :"),
                    escape(&e.to_string())
                ),
                status,
            )
        }
    };
    respond(
        l,
        nav,
        keys_page(&issuer, l, &session, Some(notice), status),
    )
}

fn keys_page(
    issuer: &Issuer,
    lang: Lang,
    session: &SignedIn,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, ConsoleError> {
    session.require(Action::Admin)?;
    let l = lang;
    let mut html = notice.unwrap_or_default();
    html.push_str(&format!(
        "<p>{} <code>{}</code></p>",
        l.pick("Issuer:", "Émetteur :"),
        escape(issuer.did())
    ));
    html.push_str(&format!(
        "<div class=\"table-wrap\"><table id=\"keys-table\"><caption>{}</caption><thead><tr>\
         <th scope=\"col\">#</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        l.pick(
            "Signing keys, oldest first",
            "Clés de signature, de la plus ancienne"
        ),
        l.pick("Verification method", "Méthode de vérification"),
        l.pick("Algorithm", "Algorithme"),
        l.pick("Signs from", "Signe depuis"),
        l.pick("Until", "Jusqu'au"),
    ));
    for k in issuer.keys() {
        html.push_str(&format!(
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            k.number,
            escape(&k.verification_method),
            k.algorithm,
            k.valid_from.format("%Y-%m-%d %H:%M UTC"),
            k.valid_until.map_or_else(
                || l.pick("current key", "clé actuelle").to_owned(),
                |u| u.format("%Y-%m-%d %H:%M UTC").to_string()
            ),
        ));
    }
    html.push_str("</tbody></table></div>");
    html.push_str(&format!(
        "<form method=\"post\" action=\"/console/keys/rotate\" id=\"rotate-form\">{csrf}\
         <fieldset><legend>{legend}</legend><p>{p}</p>\
         <button type=\"submit\" id=\"rotate-button\">{button}</button></fieldset></form>",
        csrf = hidden_field(&session.csrf),
        legend = l.pick("Rotate the signing key", "Changer la clé de signature"),
        p = l.pick(
            "A new key signs from now on; the old one stays in the DID document so that everything it signed keeps verifying.",
            "Une nouvelle clé signe à partir de maintenant ; l'ancienne reste dans le document DID pour que tout ce qu'elle a signé reste vérifiable.",
        ),
        button = l.pick("Rotate the key", "Changer la clé"),
    ));
    Ok(
        Page::new(l, session.nav(), "/console/keys", l.pick("Keys", "Clés"))
            .status(status)
            .main(html)
            .into_response(),
    )
}
