//! Finding a record: by name, registration number, source record id or issue date range. The
//! terms are POSTed (never in a URL). The registry has no name index, so the search reads the
//! registry in id order and stops after [`MAX_MATCHES`] matches or [`MAX_SCANNED`] records,
//! and says so; fine for the embedded store.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use civitas_core::credential::Credential;
use civitas_web::{Lang, Page, escape};
use serde_json::Value;

use super::csrf::{SignedForm, hidden_field};
use super::error::{ConsoleError, respond};
use super::form::{Fields, Input};
use super::record_page::status_words;
use super::session::SignedIn;
use crate::issuer::Issuer;
use crate::store::CredentialRecord;

/// Most matches shown.
pub(crate) const MAX_MATCHES: usize = 200;
/// Most records read by one search.
pub(crate) const MAX_SCANNED: usize = 100_000;
/// Records read per page of the registry.
const PAGE: usize = 500;

/// What a clerk searches for.
#[derive(Debug, Clone, Default)]
struct Terms {
    /// Words that must all appear in the document's names (given, family, place names).
    name: Vec<String>,
    /// A registration number, exactly (case and spaces around ignored).
    registration_number: Option<String>,
    /// A source record id, exactly.
    source_record_id: Option<String>,
    /// Issued on or after.
    from: Option<NaiveDate>,
    /// Issued on or before.
    to: Option<NaiveDate>,
}

/// The values typed in the form, to fill it again.
#[derive(Debug, Clone, Default)]
struct Typed {
    name: String,
    registration_number: String,
    source_record_id: String,
    from: String,
    to: String,
}

impl Typed {
    fn of(fields: &Fields) -> Self {
        let get = |k: &str| fields.get(k).unwrap_or_default().to_owned();
        Self {
            name: get("name"),
            registration_number: get("registrationNumber"),
            source_record_id: get("sourceRecordId"),
            from: get("issuedFrom"),
            to: get("issuedTo"),
        }
    }
}

/// The terms of a search form; `Err` holds each wrong input with its message.
fn terms(fields: &Fields, lang: Lang) -> Result<Terms, Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    let mut date = |name: &'static str| {
        fields
            .text(name)
            .and_then(|t| match NaiveDate::parse_from_str(t, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push((
                        name,
                        lang.pick(
                            "Write the date as YYYY-MM-DD (2024-03-01).",
                            "Écrivez la date sous la forme AAAA-MM-JJ (2024-03-01).",
                        )
                        .to_owned(),
                    ));
                    None
                }
            })
    };
    let from = date("issuedFrom");
    let to = date("issuedTo");
    let t = Terms {
        name: fields
            .text("name")
            .map(|n| n.split_whitespace().map(str::to_lowercase).collect())
            .unwrap_or_default(),
        registration_number: fields.text("registrationNumber").map(str::to_lowercase),
        source_record_id: fields.text("sourceRecordId").map(str::to_owned),
        from,
        to,
    };
    if errors.is_empty()
        && t.name.is_empty()
        && t.registration_number.is_none()
        && t.source_record_id.is_none()
        && t.from.is_none()
        && t.to.is_none()
    {
        errors.push((
            "name",
            lang.pick(
                "Fill in at least one of the search fields.",
                "Remplissez au moins un des champs de recherche.",
            )
            .to_owned(),
        ));
    }
    if errors.is_empty() {
        Ok(t)
    } else {
        Err(errors)
    }
}

/// The search form, filled with `typed`, with `errors` next to their inputs.
fn search_form(lang: Lang, csrf: &str, typed: &Typed, errors: &[(&str, String)]) -> String {
    let l = lang;
    let error = |name: &str| {
        errors
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, e)| e.as_str())
    };
    let inputs = [
        Input {
            id: "name",
            label: l.pick("Name", "Nom"),
            kind: "search",
            value: &typed.name,
            hint: Some(l.pick(
                "Given or family names, in any order (every word must match).",
                "Prénoms ou nom, dans n'importe quel ordre (chaque mot doit correspondre).",
            )),
            error: error("name"),
            extra: " autocomplete=\"off\"",
            ..Input::default()
        },
        Input {
            id: "registrationNumber",
            label: l.pick("Registration number", "Numéro d'acte"),
            kind: "search",
            value: &typed.registration_number,
            error: error("registrationNumber"),
            extra: " autocomplete=\"off\"",
            ..Input::default()
        },
        Input {
            id: "sourceRecordId",
            label: l.pick("Source record id", "Identifiant de l'acte source"),
            kind: "search",
            value: &typed.source_record_id,
            error: error("sourceRecordId"),
            extra: " autocomplete=\"off\"",
            ..Input::default()
        },
    ];
    let dates = [
        Input {
            id: "issuedFrom",
            label: l.pick("Issued on or after", "Délivré le ou après le"),
            kind: "date",
            value: &typed.from,
            error: error("issuedFrom"),
            ..Input::default()
        },
        Input {
            id: "issuedTo",
            label: l.pick("Issued on or before", "Délivré le ou avant le"),
            kind: "date",
            value: &typed.to,
            error: error("issuedTo"),
            ..Input::default()
        },
    ];
    format!(
        "<form method=\"post\" action=\"/console/search\" id=\"search-form\" role=\"search\">{csrf}\
         <fieldset><legend>{legend}</legend>{inputs}\
         <fieldset><legend>{date_legend}</legend>{dates}</fieldset></fieldset>\
         <button type=\"submit\" id=\"search-button\">{button}</button></form>",
        csrf = hidden_field(csrf),
        legend = l.pick("Find a record", "Trouver un acte"),
        inputs = inputs.iter().map(Input::html).collect::<String>(),
        date_legend = l.pick("Issue date", "Date de délivrance"),
        dates = dates.iter().map(Input::html).collect::<String>(),
        button = l.pick("Search", "Rechercher"),
    )
}

/// `GET /console`: the search form.
pub(crate) async fn search_page(lang: Lang, session: SignedIn) -> Response {
    let main = format!(
        "<p>{}</p>{}",
        lang.pick(
            "Search the registry of issued documents. The search terms are sent with the form, never in the page's address.",
            "Cherchez dans le registre des documents délivrés. Les termes de recherche sont envoyés avec le formulaire, jamais dans l'adresse de la page.",
        ),
        search_form(lang, &session.csrf, &Typed::default(), &[])
    );
    Page::new(
        lang,
        session.nav(),
        "/console",
        lang.pick("Records", "Actes"),
    )
    .main(main)
    .into_response()
}

/// `POST /console/search`: the form again, and the results.
pub(crate) async fn search(
    State(issuer): State<Arc<Issuer>>,
    lang: Lang,
    form: SignedForm,
) -> Response {
    let SignedForm { session, fields } = form;
    let nav = session.nav();
    respond(lang, nav, search_results(&issuer, lang, &session, &fields))
}

fn search_results(
    issuer: &Issuer,
    lang: Lang,
    session: &SignedIn,
    fields: &Fields,
) -> Result<Response, ConsoleError> {
    let l = lang;
    let typed = Typed::of(fields);
    let page = Page::new(l, session.nav(), "/console", l.pick("Records", "Actes"));
    let terms = match terms(fields, l) {
        Ok(t) => t,
        Err(errors) => {
            return Ok(page
                .status(axum::http::StatusCode::UNPROCESSABLE_ENTITY)
                .main(search_form(l, &session.csrf, &typed, &errors))
                .into_response());
        }
    };
    let found = find(issuer, &terms)?;
    let mut html = search_form(l, &session.csrf, &typed, &[]);
    html.push_str(&format!(
        "<section aria-labelledby=\"results-heading\" id=\"results\"><h2 id=\"results-heading\">{}</h2>",
        l.pick("Results", "Résultats")
    ));
    let count = found.matches.len();
    html.push_str(&format!(
        "<p id=\"result-count\" role=\"status\">{}</p>",
        match (count, found.limited) {
            (0, false) => l.pick("No record matches.", "Aucun acte ne correspond.").to_owned(),
            (n, false) => format!("{n} {}", l.pick("record(s) found.", "acte(s) trouvé(s).")),
            (n, true) => format!(
                "{n} {}",
                l.pick(
                    "record(s) found; the search stopped there (it reads at most 200 matches or 100 000 records): add terms to narrow it.",
                    "acte(s) trouvé(s) ; la recherche s'est arrêtée là (au plus 200 résultats ou 100 000 actes lus) : ajoutez des termes pour la préciser.",
                )
            ),
        }
    ));
    if count > 0 {
        html.push_str(&format!(
            "<div class=\"table-wrap\"><table id=\"results-table\"><caption>{}</caption><thead><tr>\
             <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
             <th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            l.pick("Matching records", "Actes correspondants"),
            l.pick("Document", "Document"),
            l.pick("Registration number", "Numéro d'acte"),
            l.pick("Source record id", "Acte source"),
            l.pick("Issued", "Délivré le"),
            l.pick("Status", "Statut"),
        ));
        for m in &found.matches {
            html.push_str(&format!(
                "<tr><td><a href=\"/console/records/{id}\">{summary}</a></td><td>{number}</td>\
                 <td>{source}</td><td>{issued}</td><td>{status}</td></tr>",
                id = escape(&m.record.id),
                summary = escape(&m.summary(l)),
                number = escape(&m.registration_number.clone().unwrap_or_default()),
                source = escape(m.record.source_record_id.as_deref().unwrap_or("")),
                issued = m.record.issued_at.format("%Y-%m-%d"),
                status = escape(&status_words(&m.record, l)),
            ));
        }
        html.push_str("</tbody></table></div>");
    }
    html.push_str("</section>");
    Ok(page.main(html).into_response())
}

/// A record that matched, with its document.
struct Match {
    record: CredentialRecord,
    subject: Value,
    types: Vec<String>,
    registration_number: Option<String>,
}

impl Match {
    /// The document's one-line summary (`Birth certificate of …`) in `lang`.
    fn summary(&self, lang: Lang) -> String {
        let known = civitas_core::profile::known();
        match known.from_types(self.types.iter().map(String::as_str)) {
            Some(k) => k.profile.summary(&self.subject, lang.code()),
            None => self.types.join(", "),
        }
    }
}

/// What a search found.
struct Found {
    matches: Vec<Match>,
    /// The search stopped before reading the whole registry.
    limited: bool,
}

/// Reads the registry for records matching `terms`.
fn find(issuer: &Issuer, terms: &Terms) -> Result<Found, ConsoleError> {
    let mut matches = Vec::new();
    let mut after: Option<String> = None;
    let mut scanned = 0usize;
    loop {
        let page = issuer.credentials(after.as_deref(), PAGE)?;
        let full = page.len() == PAGE;
        after = page.last().map(|r| r.id.clone());
        for record in page {
            scanned += 1;
            if let Some(m) = matching(issuer, record, terms)? {
                matches.push(m);
                if matches.len() >= MAX_MATCHES {
                    return Ok(Found {
                        matches,
                        limited: true,
                    });
                }
            }
            if scanned >= MAX_SCANNED {
                return Ok(Found {
                    matches,
                    limited: true,
                });
            }
        }
        if !full {
            return Ok(Found {
                matches,
                limited: false,
            });
        }
    }
}

/// `record` as a match of `terms`, if it is one (holder copies are not listed: their record's
/// page lists them).
fn matching(
    issuer: &Issuer,
    record: CredentialRecord,
    terms: &Terms,
) -> Result<Option<Match>, ConsoleError> {
    if record.copy_of.is_some() {
        return Ok(None);
    }
    if let Some(s) = &terms.source_record_id
        && record.source_record_id.as_deref() != Some(s.as_str())
    {
        return Ok(None);
    }
    let day = record.issued_at.date_naive();
    if terms.from.is_some_and(|f| day < f) || terms.to.is_some_and(|t| day > t) {
        return Ok(None);
    }
    let credential = match issuer.issued_credential(&record.id) {
        Ok((c, _)) => c,
        // a record whose document cannot be read is not a match (the record page says why)
        Err(_) => return Ok(None),
    };
    let subject = first_subject(&credential);
    let registration_number = member_texts(&subject, &["registrationNumber"], 0)
        .into_iter()
        .next();
    if let Some(n) = &terms.registration_number
        && registration_number
            .as_deref()
            .is_none_or(|r| r.trim().to_lowercase() != *n)
    {
        return Ok(None);
    }
    if !terms.name.is_empty() {
        let names: Vec<String> = member_texts(&subject, &["givenName", "familyName", "name"], 0)
            .into_iter()
            .map(|n| n.to_lowercase())
            .collect();
        if !terms
            .name
            .iter()
            .all(|w| names.iter().any(|n| n.contains(w.as_str())))
        {
            return Ok(None);
        }
    }
    Ok(Some(Match {
        types: record.types.clone(),
        record,
        subject,
        registration_number,
    }))
}

/// The credential's (first) subject.
pub(crate) fn first_subject(credential: &Credential) -> Value {
    credential
        .subjects()
        .first()
        .map_or(Value::Null, |s| (*s).clone())
}

/// Every text under a member called one of `keys`, anywhere in `value` (a language map's texts
/// each).
fn member_texts(value: &Value, keys: &[&str], depth: usize) -> Vec<String> {
    let mut out = Vec::new();
    if depth > 16 {
        return out;
    }
    match value {
        Value::Object(m) => {
            for (k, v) in m {
                if keys.contains(&k.as_str()) {
                    match v {
                        Value::String(s) => out.push(s.clone()),
                        Value::Object(map) => {
                            out.extend(map.values().filter_map(Value::as_str).map(str::to_owned));
                        }
                        _ => {}
                    }
                } else {
                    out.extend(member_texts(v, keys, depth + 1));
                }
            }
        }
        Value::Array(a) => {
            for v in a {
                out.extend(member_texts(v, keys, depth + 1));
            }
        }
        _ => {}
    }
    out
}
