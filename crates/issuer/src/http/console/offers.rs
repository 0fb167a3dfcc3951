//! An OpenID4VCI offer for the citizen named in a record: the issuer's own offer
//! ([`Issuer::create_offer`], as `POST /credentials/{id}/offers`), shown as the QR code the
//! citizen's wallet scans (the offer by reference, [`offer_symbol`]) and the transaction code
//! to give by another channel. The page is the only place its secrets are seen (never cached).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use civitas_core::profile::{Kind, Known};
use civitas_web::{Lang, Page, escape};
use serde_json::Value;

use super::csrf::{SignedForm, hidden_field};
use super::document::{label, value_text};
use super::error::{ConsoleError, respond};
use super::form::select;
use super::session::SignedIn;
use crate::error::{IssuerError, SigningError};
use crate::http::oid4vci::offer_symbol;
use crate::issuer::Issuer;
use crate::tokens::Action;

/// Pixels per module of the offer's QR image.
const QR_MODULE_PIXELS: u32 = 6;

/// The people who may each hold the document, when its holder is one item of a list (the
/// spouses of a marriage certificate): `(item number, name)`.
fn holders(known: &Known, subject: &Value, lang: Lang) -> Option<Vec<(String, String)>> {
    if !known.profile.holder_in_list() {
        return None;
    }
    let list = known
        .profile
        .subject
        .fields
        .iter()
        .find(|f| matches!(f.kind, Kind::List { .. }))?;
    let items = subject.get(&list.key)?.as_array()?;
    Some(
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let name = ["givenName", "familyName"]
                    .iter()
                    .filter_map(|k| item.get(*k).map(value_text))
                    .collect::<Vec<_>>()
                    .join(" ");
                (
                    i.to_string(),
                    format!("{} {} — {name}", label(&list.label, lang), i + 1),
                )
            })
            .collect(),
    )
}

/// The offer form of a record's page.
pub(crate) fn offer_form(
    l: Lang,
    session: &SignedIn,
    eid: &str,
    known: &Known,
    subject: &Value,
) -> String {
    let spouse = holders(known, subject, l).map_or_else(String::new, |options| {
        select(
            "spouse",
            l.pick("For", "Pour"),
            &options,
            "",
            true,
            None,
            l.pick("Choose the person", "Choisissez la personne"),
        )
    });
    format!(
        "<section aria-labelledby=\"offer-heading\" id=\"offer\"><h2 id=\"offer-heading\">{h}</h2>\
         <p>{p}</p><form method=\"post\" action=\"/console/records/{eid}/offer\" id=\"offer-form\">{csrf}{spouse}\
         <button type=\"submit\" id=\"offer-button\">{button}</button></form></section>",
        h = l.pick("Offer to a wallet", "Offrir à un portefeuille"),
        p = l.pick(
            "Make a one-time offer (OpenID4VCI) that the citizen scans with a wallet app to receive this document.",
            "Créez une offre à usage unique (OpenID4VCI) que le citoyen scanne avec une application de portefeuille pour recevoir ce document.",
        ),
        csrf = hidden_field(&session.csrf),
        button = l.pick("Make an offer", "Créer une offre"),
    )
}

/// `POST /console/records/{id}/offer` (`spouse`: the item number, for a document several people
/// may hold).
pub(crate) async fn create(
    State(issuer): State<Arc<Issuer>>,
    lang: Lang,
    Path(id): Path<String>,
    form: SignedForm,
) -> Response {
    let SignedForm { session, fields } = form;
    let nav = session.nav();
    let result: Result<Response, ConsoleError> = async {
        session.require(Action::Issue)?;
        let spouse = match fields.text("spouse") {
            None => None,
            Some(n) => Some(n.parse::<usize>().map_err(|_| {
                ConsoleError::Form(
                    lang.pick("choose the person", "choisissez la personne")
                        .to_owned(),
                )
            })?),
        };
        let offer = issuer.create_offer(&id, spouse, session.actor()).await?;
        let png = offer_symbol(&offer)?
            .to_png(QR_MODULE_PIXELS)
            .map_err(|e| IssuerError::Signing(SigningError::Qr(e)))?;
        let l = lang;
        let data = base64::engine::general_purpose::STANDARD.encode(png);
        let tx = offer.tx_code.as_deref().map_or_else(
            || {
                format!(
                    "<p id=\"tx-code-none\">{}</p>",
                    l.pick(
                        "This offer needs no transaction code.",
                        "Cette offre ne demande pas de code de transaction."
                    )
                )
            },
            |code| {
                format!(
                    "<p>{}</p><p class=\"tx-code\" id=\"tx-code\">{}</p>",
                    l.pick(
                        "Transaction code (give it to the citizen by another channel: read it out, or by SMS):",
                        "Code de transaction (à donner au citoyen par un autre moyen : à voix haute, ou par SMS) :"
                    ),
                    escape(code)
                )
            },
        );
        let main = format!(
            "<div class=\"notice\" role=\"status\"><p>{intro}</p></div>\
             <p class=\"qr\"><img id=\"offer-qr\" src=\"data:image/png;base64,{data}\" alt=\"{alt}\"></p>{tx}\
             <p>{expires} <time id=\"offer-expires\" datetime=\"{at}\">{at_text}</time></p>\
             <p><a href=\"/console/records/{eid}\">{back}</a></p>",
            intro = l.pick(
                "Show this QR code to the citizen: their wallet app scans it to receive the document. It works once.",
                "Montrez ce code QR au citoyen : son application de portefeuille le scanne pour recevoir le document. Il ne sert qu'une fois.",
            ),
            alt = l.pick(
                "QR code of the credential offer, for the citizen's wallet",
                "Code QR de l'offre, pour le portefeuille du citoyen"
            ),
            expires = l.pick("The offer expires at", "L'offre expire à"),
            at = offer.expires_at.to_rfc3339(),
            at_text = offer.expires_at.format("%Y-%m-%d %H:%M UTC"),
            eid = escape(&id),
            back = l.pick("Back to the record", "Retour à l'acte"),
        );
        Ok(Page::new(
            l,
            nav.clone(),
            &format!("/console/records/{id}"),
            l.pick("Offer for a wallet", "Offre pour un portefeuille"),
        )
        .main(main)
        .into_response())
    }
    .await;
    respond(lang, nav, result)
}
