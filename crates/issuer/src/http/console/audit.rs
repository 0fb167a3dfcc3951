//! The audit log, a page of entries at a time (latest first by default), and its hash chain
//! recomputed on every view ([`Issuer::verify_audit`], as `GET /audit/verify`), with the result
//! in words. Reading the log needs `admin`, as in the API.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use civitas_web::{Lang, Page, escape};
use serde::Deserialize;
use serde_json::Value;

use super::error::{ConsoleError, respond};
use super::session::SignedIn;
use crate::issuer::Issuer;
use crate::tokens::Action;

/// Entries per page.
const PER_PAGE: u64 = 50;

/// `?from=`: the sequence number of the first entry shown (not personal).
#[derive(Debug, Deserialize)]
pub(crate) struct AuditQuery {
    from: Option<u64>,
}

/// `GET /console/audit`.
pub(crate) async fn show(
    State(issuer): State<Arc<Issuer>>,
    lang: Lang,
    session: SignedIn,
    Query(query): Query<AuditQuery>,
) -> Response {
    let nav = session.nav();
    let from = query.from;
    respond(lang, nav, audit_page(&issuer, lang, &session, from))
}

fn audit_page(
    issuer: &Issuer,
    lang: Lang,
    session: &SignedIn,
    from: Option<u64>,
) -> Result<Response, ConsoleError> {
    session.require(Action::Admin)?;
    let l = lang;
    let mut html = String::new();
    let head = match issuer.verify_audit()? {
        Ok(report) => {
            html.push_str(&format!(
                "<p class=\"verdict\" data-verdict=\"valid\" id=\"audit-chain\">{} <span class=\"why\">{} {} {}</span></p>",
                l.pick("The audit chain is intact.", "La chaîne d'audit est intacte."),
                report.entries,
                l.pick(
                    "entries recomputed from the first, each linked to the one before by its hash; last hash",
                    "entrées recalculées depuis la première, chacune liée à la précédente par son empreinte ; dernière empreinte"
                ),
                escape(report.head.as_deref().unwrap_or("—")),
            ));
            report.entries
        }
        Err(broken) => {
            html.push_str(&format!(
                "<p class=\"verdict\" data-verdict=\"invalid\" id=\"audit-chain\">{} <span class=\"why\">{} {}: {}</span></p>",
                l.pick("The audit chain is BROKEN.", "La chaîne d'audit est ROMPUE."),
                l.pick("First broken entry:", "Première entrée rompue :"),
                broken.seq,
                escape(&broken.reason),
            ));
            issuer.store().audit_head()?.map_or(broken.seq, |e| e.seq)
        }
    };
    let first = from
        .unwrap_or_else(|| head.saturating_sub(PER_PAGE - 1))
        .clamp(1, head.max(1));
    let entries = issuer.audit(first, usize::try_from(PER_PAGE).unwrap_or(50))?;
    html.push_str(&format!(
        "<div class=\"table-wrap\"><table id=\"audit-entries\"><caption>{} {first}–{}</caption><thead><tr>\
         <th scope=\"col\">#</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        l.pick("Entries", "Entrées"),
        entries.last().map_or(first, |e| e.seq),
        l.pick("Time", "Heure"),
        l.pick("Who", "Qui"),
        l.pick("Action", "Action"),
        l.pick("Subject", "Objet"),
        l.pick("Details", "Détails"),
    ));
    for e in entries.iter().rev() {
        let subject = if e.subject.starts_with("urn:uuid:") {
            format!(
                "<a href=\"/console/records/{s}\">{s}</a>",
                s = escape(&e.subject)
            )
        } else {
            escape(&e.subject)
        };
        html.push_str(&format!(
            "<tr id=\"audit-{seq}\"><td>{seq}</td><td>{time}</td><td>{actor}</td><td>{action}</td>\
             <td>{subject}</td><td>{details}</td></tr>",
            seq = e.seq,
            time = e.time.format("%Y-%m-%d %H:%M:%S"),
            actor = escape(&e.actor),
            action = e.action.as_str(),
            details = details(&e.details, l),
        ));
    }
    html.push_str("</tbody></table></div><nav aria-label=\"");
    html.push_str(l.pick("Audit log pages", "Pages du journal"));
    html.push_str("\"><p>");
    if first > 1 {
        html.push_str(&format!(
            "<a href=\"/console/audit?from={}\" id=\"older\">{}</a> ",
            first.saturating_sub(PER_PAGE).max(1),
            l.pick("Older entries", "Entrées plus anciennes")
        ));
    }
    if first + PER_PAGE <= head {
        html.push_str(&format!(
            "<a href=\"/console/audit?from={}\" id=\"newer\">{}</a>",
            first + PER_PAGE,
            l.pick("Newer entries", "Entrées plus récentes")
        ));
    }
    html.push_str("</p></nav>");
    Ok(Page::new(
        l,
        session.nav(),
        "/console/audit",
        l.pick("Audit log", "Journal d'audit"),
    )
    .main(html)
    .into_response())
}

/// An entry's details: its reason first (in words), then the other members, compact.
fn details(details: &Value, l: Lang) -> String {
    let Value::Object(map) = details else {
        return escape(&details.to_string());
    };
    let mut parts = Vec::new();
    if let Some(reason) = map.get("reason").and_then(Value::as_str) {
        parts.push(format!(
            "<span class=\"reason\">{} {}</span>",
            l.pick("Reason:", "Motif :"),
            escape(reason)
        ));
    }
    for (k, v) in map {
        if k == "reason" || v.is_null() {
            continue;
        }
        let text = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        parts.push(format!("{}: {}", escape(k), escape(&text)));
    }
    parts.join("<br>")
}
