//! Revoking, suspending or reinstating a record from its page, with a required reason: the
//! issuer's own status change ([`Issuer::change_status`], as `POST /credentials/status`),
//! which records the reason in the audit log and re-signs the status list; the page then says
//! which list was re-signed and whether it is published.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use civitas_web::{Lang, escape};

use super::csrf::SignedForm;
use super::error::{ConsoleError, respond};
use super::record_page::{MAX_REASON, record_page};
use crate::commit::StatusAction;
use crate::issuer::Issuer;
use crate::tokens::Action;

/// `POST /console/records/{id}/status`: `action` (`revoke`, `suspend`, `reinstate`) and
/// `reason`.
pub(crate) async fn change(
    State(issuer): State<Arc<Issuer>>,
    lang: Lang,
    Path(id): Path<String>,
    form: SignedForm,
) -> Response {
    let SignedForm { session, fields } = form;
    let l = lang;
    let nav = session.nav();
    if let Err(e) = session.require(Action::Status) {
        return e.page(l, nav);
    }
    let action = match fields.get("action") {
        Some("revoke") => StatusAction::Revoke,
        Some("suspend") => StatusAction::Suspend,
        Some("reinstate") => StatusAction::Reinstate,
        _ => {
            return respond(
                l,
                nav,
                Err(ConsoleError::Form(
                    l.pick(
                        "the action must be revoke, suspend or reinstate",
                        "l'action doit être revoke, suspend ou reinstate",
                    )
                    .to_owned(),
                )),
            );
        }
    };
    let reason = fields.text("reason");
    let refused = |text: &str| {
        let notice = format!(
            "<div class=\"alert\" role=\"alert\" id=\"error\"><p>{}</p></div>",
            escape(text)
        );
        respond(
            l,
            nav.clone(),
            record_page(
                &issuer,
                l,
                &session,
                &id,
                Some(notice),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
        )
    };
    let Some(reason) = reason else {
        return refused(l.pick(
            "Nothing was changed: give the reason of the change.",
            "Rien n'a été modifié : donnez le motif du changement.",
        ));
    };
    if reason.chars().count() > MAX_REASON {
        return refused(l.pick(
            "Nothing was changed: the reason is longer than 1000 characters.",
            "Rien n'a été modifié : le motif dépasse 1000 caractères.",
        ));
    }
    let change = match issuer
        .change_status(&id, action, Some(reason), session.actor())
        .await
    {
        Ok(c) => c,
        Err(e) => return refused(&e.to_string()),
    };
    let done = match (action, change.changed) {
        (_, false) => l.pick(
            "Nothing changed: the record already had this status.",
            "Rien n'a changé : l'acte avait déjà ce statut.",
        ),
        (StatusAction::Revoke, true) => l.pick("The record is revoked.", "L'acte est révoqué."),
        (StatusAction::Suspend, true) => l.pick("The record is suspended.", "L'acte est suspendu."),
        _ => l.pick("The record is reinstated.", "L'acte est rétabli."),
    };
    let mut notice = format!(
        "<div class=\"notice\" role=\"status\" id=\"status-notice\"><p>{}</p>",
        escape(done)
    );
    if !change.lists.is_empty() {
        notice.push_str(&format!(
            "<p>{}</p><ul id=\"re-signed-lists\">",
            l.pick(
                "Status list re-signed:",
                "Liste de statut signée à nouveau :"
            )
        ));
        for url in &change.lists {
            notice.push_str(&format!(
                "<li><a href=\"{u}\">{u}</a></li>",
                u = escape(url)
            ));
        }
        notice.push_str("</ul>");
        notice.push_str(&format!(
            "<p id=\"published\" data-published=\"{}\">{}</p>",
            change.published,
            if change.published {
                l.pick(
                    "Published: verifiers that fetch it now see the change.",
                    "Publiée : les vérificateurs qui la chargent maintenant voient le changement.",
                )
            } else {
                l.pick(
                    "Not published yet: it will be within seconds.",
                    "Pas encore publiée : elle le sera dans quelques secondes.",
                )
            }
        ));
    }
    notice.push_str("</div>");
    respond(
        l,
        nav,
        record_page(&issuer, l, &session, &id, Some(notice), StatusCode::OK),
    )
}
