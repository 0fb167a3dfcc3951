//! Issuing a document from a form generated from its profile: one input per field (a date
//! input for a date, a list of labelled choices for an enumeration, a fieldset with its legend
//! for a person or a place, one fieldset per item of a list, a second input for the French
//! text of a language map), the labels in the page's language.
//!
//! The POST builds the JSON subject, checks it against the profile (every error at once) and
//! goes through the issuer's own issuance ([`Issuer::issue`], as `POST /documents/{type}`).
//! An error is shown next to its input (`error-<id>`, the input `aria-invalid` and
//! `aria-describedby`), listed at the top with a link to the input, and the form comes back
//! filled with what was typed (422). Success: 303 to the record's page.
//!
//! The form itself (its inputs, reading it back, placing the errors) is [`super::form_layout`].

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use civitas_core::model::DocumentType;
use civitas_core::profile::Known;
use civitas_web::{Lang, Page, escape};

use super::csrf::{SignedForm, hidden_field};
use super::document::label;
use super::error::{ConsoleError, respond};
use super::form::{Fields, Input};
use super::form_layout::{FieldError, Layout, Render, SOURCE, placed};
use super::session::SignedIn;
use super::sign_in::see_other;
use crate::error::{ErrorKind, IssuerError};
use crate::issue::{Document, IssueRequest};
use crate::issuer::Issuer;
use crate::tokens::Action;

/// The id of the supersede checkbox.
const SUPERSEDE: &str = "supersede";

/// A document type this issuer issues, named as in a URL (`birth-certificate`, `birth`).
fn served(
    issuer: &Issuer,
    name: &str,
    lang: Lang,
) -> Result<(DocumentType, Arc<Known>), ConsoleError> {
    issuer.document_type(name).ok_or_else(|| {
        ConsoleError::NotFound(format!(
            "{} {}",
            lang.pick(
                "This issuer issues no document of type",
                "Cet émetteur ne délivre aucun document de type"
            ),
            name.chars().take(100).collect::<String>()
        ))
    })
}

/// `GET /console/issue`: the document types to choose from.
pub(crate) async fn choose(
    State(issuer): State<Arc<Issuer>>,
    lang: Lang,
    session: SignedIn,
) -> Response {
    let l = lang;
    if let Err(e) = session.require(Action::Issue) {
        return e.page(l, session.nav());
    }
    let mut html = format!(
        "<p>{}</p><ul id=\"document-types\">",
        l.pick(
            "Choose the document to issue:",
            "Choisissez le document à délivrer :"
        )
    );
    for known in issuer
        .config()
        .document_types
        .iter()
        .filter_map(DocumentType::profile)
    {
        html.push_str(&format!(
            "<li><a href=\"/console/issue/{}\">{}</a></li>",
            escape(&known.name()),
            escape(&label(&known.profile.document.label, l))
        ));
    }
    html.push_str("</ul>");
    Page::new(
        l,
        session.nav(),
        "/console/issue",
        l.pick("Issue a document", "Délivrer un document"),
    )
    .main(html)
    .into_response()
}

/// `GET /console/issue/{type}`: the empty form.
pub(crate) async fn show(
    State(issuer): State<Arc<Issuer>>,
    lang: Lang,
    session: SignedIn,
    Path(name): Path<String>,
) -> Response {
    let nav = session.nav();
    let result = (|| -> Result<Response, ConsoleError> {
        session.require(Action::Issue)?;
        let (_, known) = served(&issuer, &name, lang)?;
        Ok(form_page(
            lang,
            &session,
            &known,
            &Fields::default(),
            &[],
            StatusCode::OK,
        ))
    })();
    respond(lang, nav, result)
}

/// `POST /console/issue/{type}`.
pub(crate) async fn submit(
    State(issuer): State<Arc<Issuer>>,
    lang: Lang,
    Path(name): Path<String>,
    form: SignedForm,
) -> Response {
    let SignedForm { session, fields } = form;
    let nav = session.nav();
    let result: Result<Response, ConsoleError> = async {
        session.require(Action::Issue)?;
        let (kind, known) = served(&issuer, &name, lang)?;
        let layout = Layout::of(&known.profile, lang);
        let (mut subject, mut errors) = layout.subject(&fields, lang);
        let source = fields.text(SOURCE);
        if source.is_none() {
            errors.push(FieldError::at(
                SOURCE,
                lang.pick(
                    "The source record id is required: the register's id of this record.",
                    "L'identifiant de l'acte source est obligatoire : l'identifiant de cet acte dans le registre.",
                ),
            ));
        }
        if errors.is_empty() {
            known.profile.complete(&mut subject);
            errors.extend(
                known
                    .profile
                    .validate(&subject)
                    .into_iter()
                    .map(|e| FieldError::pointer(&e.pointer, &e.message)),
            );
        }
        let Some(source) = source.filter(|_| errors.is_empty()) else {
            return Ok(form_page(
                lang,
                &session,
                &known,
                &fields,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        };
        let request = Document::new(kind, subject).map(|document| {
            IssueRequest::new(document)
                .source(source)
                .supersede(fields.get(SUPERSEDE) == Some("yes"))
        });
        let issued = match request {
            Ok(r) => issuer.issue(r, session.actor()).await,
            Err(e) => Err(e),
        };
        match issued {
            Ok(issued) => Ok(see_other(&format!(
                "/console/records/{}",
                issued.credential_id
            ))),
            Err(e) => {
                let status = match e.kind() {
                    ErrorKind::Internal | ErrorKind::Unavailable => {
                        return Err(ConsoleError::Issuer(e));
                    }
                    ErrorKind::Conflict => StatusCode::CONFLICT,
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                };
                let error = match &e {
                    IssuerError::Record(m) => FieldError::pointer(&m.field, &m.reason),
                    IssuerError::Conflict { .. } => FieldError::at(
                        SOURCE,
                        &format!(
                            "{e}. {}",
                            lang.pick(
                                "Tick the box below to replace it.",
                                "Cochez la case ci-dessous pour le remplacer."
                            )
                        ),
                    ),
                    IssuerError::InvalidRequest { member, reason } if member == SOURCE => {
                        FieldError::at(SOURCE, reason)
                    }
                    other => FieldError::at("", &other.to_string()),
                };
                Ok(form_page(lang, &session, &known, &fields, &[error], status))
            }
        }
    }
    .await;
    respond(lang, nav, result)
}

/// The form of `known`, filled with `fields`, with `errors`.
fn form_page(
    lang: Lang,
    session: &SignedIn,
    known: &Known,
    fields: &Fields,
    errors: &[FieldError],
    status: StatusCode,
) -> Response {
    let l = lang;
    let layout = Layout::of(&known.profile, l);
    let ids = layout.ids();
    let placed = placed(errors, &ids);
    let mut by_id: BTreeMap<&str, String> = BTreeMap::new();
    for e in &placed {
        let slot = by_id.entry(e.id.as_str()).or_default();
        if !slot.is_empty() {
            slot.push(' ');
        }
        slot.push_str(&e.message);
    }
    let render = Render {
        fields,
        errors: by_id,
        lang: l,
    };
    let mut html = String::new();
    if !placed.is_empty() {
        html.push_str(&format!(
            "<div class=\"alert\" role=\"alert\" id=\"error-summary\" tabindex=\"-1\"><h2>{}</h2><ul>",
            l.pick("The document was not issued. Correct these fields:", "Le document n'a pas été délivré. Corrigez ces champs :")
        ));
        for e in &placed {
            let name = ids
                .iter()
                .find(|(i, _)| *i == e.id)
                .map(|(_, n)| n.as_str())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| {
                    if e.id == SOURCE {
                        l.pick("Source record id", "Identifiant de l'acte source")
                    } else {
                        ""
                    }
                });
            if e.id.is_empty() {
                html.push_str(&format!("<li>{}</li>", escape(&e.message)));
            } else {
                html.push_str(&format!(
                    "<li><a href=\"#{id}\">{name}</a>: {msg}</li>",
                    id = escape(&e.id),
                    name = escape(name),
                    msg = escape(&e.message)
                ));
            }
        }
        html.push_str("</ul></div>");
    }
    let title = label(&known.profile.document.label, l);
    let action = format!("/console/issue/{}", known.name());
    let source = Input {
        id: SOURCE,
        label: l.pick("Source record id", "Identifiant de l'acte source"),
        kind: "text",
        value: fields.get(SOURCE).unwrap_or_default(),
        required: true,
        hint: Some(l.pick(
            "The register's id of this record: issuing the same record again gives the same document.",
            "L'identifiant de cet acte dans le registre : délivrer à nouveau le même acte donne le même document.",
        )),
        error: render.error(SOURCE),
        extra: " autocomplete=\"off\"",
    };
    let supersede_checked = if fields.get(SUPERSEDE) == Some("yes") {
        " checked"
    } else {
        ""
    };
    html.push_str(&format!(
        "<p>{intro}</p><form method=\"post\" action=\"{action}\" id=\"issue-form\" novalidate>{csrf}\
         <fieldset><legend>{register}</legend>{source}\
         <label for=\"{SUPERSEDE}\"><input type=\"checkbox\" id=\"{SUPERSEDE}\" name=\"{SUPERSEDE}\" value=\"yes\"{supersede_checked}> \
         {supersede}</label></fieldset>\
         {inputs}<button type=\"submit\" id=\"issue-button\">{button}</button></form>",
        intro = l.pick("Fields marked * are required.", "Les champs marqués * sont obligatoires."),
        action = escape(&action),
        csrf = hidden_field(&session.csrf),
        register = l.pick("Register", "Registre"),
        source = source.html(),
        supersede = l.pick(
            "This record was corrected: replace (and revoke) the document already issued for it",
            "Cet acte a été rectifié : remplacer (et révoquer) le document déjà délivré pour lui"
        ),
        inputs = render.items(&layout.items),
        button = l.pick("Issue", "Délivrer"),
    ));
    Page::new(
        l,
        session.nav(),
        &action,
        format!("{} — {title}", l.pick("Issue", "Délivrer")),
    )
    .status(status)
    .main(html)
    .into_response()
}
