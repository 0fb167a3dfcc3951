//! A record's page: its status, the document's fields with their labels, the certificate as it
//! prints (PNG image, PDF link, QR code), and the forms the clerk's token allows: revoke,
//! suspend or reinstate with a reason, and an OpenID4VCI offer for the citizen's wallet.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use civitas_web::{Lang, Page, escape};

use super::csrf::hidden_field;
use super::document::{definition_list, label, rows};
use super::error::{ConsoleError, respond};
use super::records::first_subject;
use super::session::SignedIn;
use crate::issuer::Issuer;
use crate::store::CredentialRecord;
use crate::tokens::Action;

/// Most characters of a status change's reason (as the API).
pub(crate) const MAX_REASON: usize = 1000;

/// A record's status in words: revoked (when), suspended, superseded, or active.
pub(crate) fn status_words(record: &CredentialRecord, lang: Lang) -> String {
    let l = lang;
    let mut words = if let Some(at) = record.revoked_at {
        format!(
            "{} {}",
            l.pick("Revoked on", "Révoqué le"),
            at.format("%Y-%m-%d")
        )
    } else if record.suspended {
        l.pick("Suspended", "Suspendu").to_owned()
    } else {
        l.pick("Active", "Actif").to_owned()
    };
    if record.superseded_by.is_some() {
        words.push_str(l.pick(" (superseded)", " (remplacé)"));
    }
    words
}

/// `GET /console/records/{id}`.
pub(crate) async fn show(
    State(issuer): State<Arc<Issuer>>,
    lang: Lang,
    session: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let nav = session.nav();
    respond(
        lang,
        nav,
        record_page(&issuer, lang, &session, &id, None, StatusCode::OK),
    )
}

/// The record's page, with `notice` (HTML) at the top.
pub(crate) fn record_page(
    issuer: &Issuer,
    lang: Lang,
    session: &SignedIn,
    id: &str,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, ConsoleError> {
    let l = lang;
    let (record, _) = issuer.credential(id)?.ok_or_else(|| {
        ConsoleError::NotFound(format!(
            "{} {id}",
            l.pick(
                "No record here has the id",
                "Aucun acte ici ne porte l'identifiant"
            )
        ))
    })?;
    let (credential, _) = issuer.issued_credential(id)?;
    let subject = first_subject(&credential);
    let known = credential.document_type().and_then(|k| k.profile());
    let title = match &known {
        Some(k) => k.profile.summary(&subject, l.code()),
        None => record.types.join(", "),
    };
    let eid = escape(id);
    let mut html = String::new();
    if let Some(n) = notice {
        html.push_str(&n);
    }
    // the record
    let mut facts = vec![
        (
            l.pick("Status", "Statut").to_owned(),
            status_words(&record, l),
        ),
        (
            l.pick("Document", "Document").to_owned(),
            known.as_ref().map_or_else(
                || record.types.join(", "),
                |k| label(&k.profile.document.label, l),
            ),
        ),
        (
            l.pick("Credential id", "Identifiant").to_owned(),
            id.to_owned(),
        ),
        (
            l.pick("Issued", "Délivré le").to_owned(),
            record.issued_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        ),
        (
            l.pick("Issued by", "Délivré par").to_owned(),
            record.issued_by.clone(),
        ),
    ];
    if let Some(s) = &record.source_record_id {
        facts.push((
            l.pick("Source record id", "Acte source").to_owned(),
            s.clone(),
        ));
    }
    if let Some(by) = &record.superseded_by {
        facts.push((
            l.pick("Superseded by", "Remplacé par").to_owned(),
            by.clone(),
        ));
    }
    if let Some(of) = &record.copy_of {
        facts.push((
            l.pick("Holder copy of", "Copie du titulaire de").to_owned(),
            of.clone(),
        ));
    }
    if !record.copies.is_empty() {
        facts.push((
            l.pick(
                "Holder copies (wallets)",
                "Copies des titulaires (portefeuilles)",
            )
            .to_owned(),
            record.copies.len().to_string(),
        ));
    }
    html.push_str(&format!(
        "<section aria-labelledby=\"record-heading\"><h2 id=\"record-heading\">{}</h2>{}</section>",
        l.pick("Record", "Acte"),
        definition_list("record-facts", &facts)
    ));
    // the document
    if let Some(k) = &known {
        html.push_str(&format!(
            "<section aria-labelledby=\"content-heading\"><h2 id=\"content-heading\">{}</h2>{}</section>",
            l.pick("Content", "Contenu"),
            definition_list("document-content", &rows(&k.profile, &subject, l))
        ));
    }
    // the printed certificate
    if session.allows(Action::Issue) && known.is_some() {
        html.push_str(&format!(
            "<section aria-labelledby=\"print-heading\" id=\"printed\"><h2 id=\"print-heading\">{h}</h2>\
             <p><a class=\"button\" id=\"certificate-pdf\" href=\"/console/records/{eid}/certificate.pdf\" download>{pdf}</a></p>\
             <p><img id=\"certificate-image\" class=\"certificate\" src=\"/console/records/{eid}/certificate.png\" alt=\"{alt}\" width=\"827\" height=\"1170\"></p>\
             <p><img id=\"qr-image\" class=\"qr\" src=\"/console/records/{eid}/qr.png\" alt=\"{qr_alt}\"></p></section>",
            h = l.pick("The certificate as it prints", "Le certificat tel qu'il s'imprime"),
            pdf = l.pick("Download the PDF to print", "Télécharger le PDF à imprimer"),
            alt = escape(&format!("{} {title}", l.pick("Printed certificate:", "Certificat imprimé :"))),
            qr_alt = l.pick(
                "The QR code printed on the certificate (its signed content)",
                "Le code QR imprimé sur le certificat (son contenu signé)"
            ),
        ));
    }
    // status changes
    let changeable =
        record.revoked_at.is_none() && !record.without_status && record.copy_of.is_none();
    if session.allows(Action::Status) && changeable {
        html.push_str(&format!(
            "<section aria-labelledby=\"status-heading\" id=\"status-actions\"><h2 id=\"status-heading\">{}</h2>",
            l.pick("Change its status", "Changer son statut")
        ));
        if record.suspended {
            html.push_str(&status_form(l, session, &eid, "reinstate"));
        } else {
            html.push_str(&status_form(l, session, &eid, "suspend"));
        }
        html.push_str(&status_form(l, session, &eid, "revoke"));
        html.push_str("</section>");
    }
    // an offer for the citizen's wallet
    let offerable = record.revoked_at.is_none()
        && !record.suspended
        && record.copy_of.is_none()
        && record.superseded_by.is_none();
    if session.allows(Action::Issue)
        && offerable
        && let Some(k) = &known
    {
        html.push_str(&super::offers::offer_form(l, session, &eid, k, &subject));
    }
    Ok(
        Page::new(l, session.nav(), &format!("/console/records/{id}"), title)
            .status(status)
            .main(html)
            .into_response(),
    )
}

/// The form of one status change (`revoke`, `suspend`, `reinstate`), with its required reason.
fn status_form(l: Lang, session: &SignedIn, eid: &str, action: &str) -> String {
    let (legend, button, class) = match action {
        "revoke" => (
            l.pick("Revoke (final)", "Révoquer (définitif)"),
            l.pick("Revoke", "Révoquer"),
            " class=\"danger\"",
        ),
        "suspend" => (
            l.pick("Suspend", "Suspendre"),
            l.pick("Suspend", "Suspendre"),
            "",
        ),
        _ => (
            l.pick(
                "Reinstate (lift the suspension)",
                "Rétablir (lever la suspension)",
            ),
            l.pick("Reinstate", "Rétablir"),
            "",
        ),
    };
    format!(
        "<form method=\"post\" action=\"/console/records/{eid}/status\" id=\"{action}-form\">{csrf}\
         <input type=\"hidden\" name=\"action\" value=\"{action}\">\
         <fieldset><legend>{legend}</legend>\
         <label for=\"{action}-reason\">{reason} *</label>\
         <p class=\"hint\" id=\"hint-{action}-reason\">{hint}</p>\
         <textarea id=\"{action}-reason\" name=\"reason\" required maxlength=\"{MAX_REASON}\" aria-describedby=\"hint-{action}-reason\"></textarea>\
         <button type=\"submit\" id=\"{action}-button\"{class}>{button}</button></fieldset></form>",
        csrf = hidden_field(&session.csrf),
        reason = l.pick("Reason", "Motif"),
        hint = l.pick(
            "Kept in the audit log. Write no more personal data than needed.",
            "Conservé dans le journal d'audit. N'écrivez pas plus de données personnelles que nécessaire."
        ),
    )
}
