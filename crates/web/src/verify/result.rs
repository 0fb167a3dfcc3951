//! A verification and how the page shows it: the verdict in plain words first (the verdict
//! word, what the document is and who issued it, then why and what to do — civitas-verifier's
//! [`Summary`]), then what the document says ([`content`]), then every check.
//!
//! French pages say the verdict, the check names, the outcome words and the advice in French;
//! the verifier's reasons and details (`the credential is revoked`) stay in English.

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::StatusCode;
use civitas_core::model::describe_in;
use civitas_core::report::{CheckKind, DocumentKind, Outcome, Report, Verdict};
use civitas_core::verify::VerifyOptions;
use civitas_verifier::document::Parsed;
use civitas_verifier::summary::{Summary, verdict_word};
use civitas_verifier::{Document, InputFormat, ReadError, Verifier};
use serde_json::Value;

use super::content;
use super::words::{
    advice_fr, capitalized, check_code, check_name, outcome_words, verdict_code, verdict_words,
};
use crate::html::escape;
use crate::lang::Lang;

/// A verification: the report and the credentials that were read (one, or those inside a
/// presentation), for their content.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The verifier's report.
    pub report: Report,
    /// The credentials read, as JSON (not verified by being here: see the report).
    pub credentials: Vec<Value>,
}

/// Reads `input` once (a photo's QR code is read off the async runtime) and verifies it with
/// `verifier` now. Neither step can take the page down: a reader or verifier that gives up
/// (panics) gives a report that says the input was not read, or not decided.
pub async fn check(verifier: Arc<Verifier>, input: Bytes) -> Checked {
    let is_image = InputFormat::detect(&input) == InputFormat::Image;
    let document = match tokio::task::spawn_blocking(move || Document::read(&input)).await {
        Ok(Ok(document)) => document,
        Ok(Err(e)) => return unread(&e),
        Err(_) => {
            let mut report = Report::new(DocumentKind::Unknown);
            report.push(
                CheckKind::Syntax,
                Outcome::failed("the input could not be read"),
            );
            report.about.from_photo = is_image;
            return Checked {
                report,
                credentials: Vec::new(),
            };
        }
    };
    let credentials = credentials(&document.parsed);
    let verification = tokio::spawn(async move {
        verifier
            .verify_document(&document, &VerifyOptions::default())
            .await
    });
    let report = verification.await.unwrap_or_else(|_| {
        let mut report = Report::new(DocumentKind::Unknown);
        report.push(
            CheckKind::Syntax,
            Outcome::indeterminate("the verifier stopped on this document"),
        );
        report
    });
    Checked {
        report,
        credentials,
    }
}

/// The report of an input that could not be read.
fn unread(e: &ReadError) -> Checked {
    Checked {
        report: e.report(),
        credentials: Vec::new(),
    }
}

/// The credentials' JSON in what was read.
fn credentials(parsed: &Parsed) -> Vec<Value> {
    match parsed {
        Parsed::Credential(c) => vec![c.credential().json().clone()],
        Parsed::Compact(c) => vec![c.credential_json().clone()],
        Parsed::SdJwt(s) => s.unverified_view().map(|v| vec![v]).unwrap_or_default(),
        Parsed::Presentation(p) => p
            .credentials()
            .into_iter()
            .filter(|c| c.get("credentialSubject").is_some())
            .cloned()
            .collect(),
    }
}

/// The verdict the page shows: the report's, except that an image whose QR code could not be
/// read says nothing about the document (*cannot be decided*, never *not valid*).
pub fn shown_verdict(report: &Report) -> Verdict {
    if report.kind == DocumentKind::Unknown && report.about.from_photo {
        Verdict::Indeterminate
    } else {
        report.verdict
    }
}

/// The status code of a result page: 200 for a valid document, else 422.
pub fn status(report: &Report) -> StatusCode {
    match shown_verdict(report) {
        Verdict::Valid => StatusCode::OK,
        Verdict::Invalid | Verdict::Indeterminate => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// The issuer in words, as the trust list names it.
fn issuer_words(report: &Report, verifier: &Verifier, lang: Lang) -> String {
    let Some(issuer) = report.issuer.as_deref() else {
        return lang
            .pick("of unknown origin", "d'origine inconnue")
            .to_owned();
    };
    let by = lang.pick("issued by", "délivré par");
    match verifier.trust_list().map(|t| t.issuer(issuer)) {
        Some(Some(entry)) => format!("{by} {}", entry.label()),
        Some(None) => format!(
            "{by} {issuer} ({})",
            lang.pick("NOT on the trust list", "ABSENT de la liste de confiance")
        ),
        None => format!("{by} {issuer}"),
    }
}

/// What the document is, after the verdict word: the summary's words in English, the same
/// said in French.
fn headline(checked: &Checked, summary: &Summary<'_>, verifier: &Verifier, lang: Lang) -> String {
    let report = &checked.report;
    if report.kind == DocumentKind::Unknown && report.about.from_photo {
        return lang
            .pick(
                "no QR code could be read from this image",
                "aucun code QR n'a pu être lu dans cette image",
            )
            .to_owned();
    }
    if lang == Lang::En {
        let word = verdict_word(report.verdict);
        return match summary
            .headline
            .strip_prefix(word)
            .and_then(|r| r.strip_prefix(" — "))
        {
            Some(rest) => rest.to_owned(),
            None => summary
                .headline
                .split_once(" — ")
                .map_or_else(|| summary.headline.clone(), |(_, r)| r.to_owned()),
        };
    }
    match report.kind {
        DocumentKind::Credential => {
            let what = checked
                .credentials
                .first()
                .map_or_else(|| "Document".to_owned(), |c| describe_in(c, lang.code()));
            format!("{what}, {}", issuer_words(report, verifier, lang))
        }
        DocumentKind::Presentation => format!(
            "présentation de {} document(s) par {}",
            report.credentials.len(),
            report.issuer.as_deref().unwrap_or("un titulaire sans nom")
        ),
        DocumentKind::Unknown => "ce n'est pas un document que civitas sait lire".to_owned(),
    }
}

/// Why, in words: the summary's reason (the first failed, else undecided, check), its check
/// named in `lang`.
fn reason(report: &Report, summary: &Summary<'_>, lang: Lang) -> Option<String> {
    let en = summary.reason.as_ref()?;
    if lang == Lang::En {
        return Some(en.clone());
    }
    report
        .checks
        .iter()
        .find(|c| format!("{}: {}", c.check.label(), c.outcome.text()) == *en)
        .map(|c| format!("{} : {}", check_name(c.check, lang), c.outcome.text()))
        .or_else(|| Some(en.clone()))
}

/// The verdict paragraph: `<p id="verdict">` with the verdict word, what the document is, and
/// `<span class="why">` the reason and advice.
pub fn verdict_html(checked: &Checked, verifier: &Verifier, lang: Lang) -> String {
    let report = &checked.report;
    let summary = verifier.summarize(report);
    let shown = shown_verdict(report);
    let mut why = Vec::new();
    match reason(report, &summary, lang) {
        Some(r) => {
            let stop = if r.ends_with('.') { "" } else { "." };
            why.push(format!("{}{stop}", capitalized(&r)));
        }
        None if shown == Verdict::Valid => why.push(
            lang.pick(
                "Every check passed. Compare the content below with the document shown to you.",
                "Tous les contrôles sont réussis. Comparez le contenu ci-dessous avec le document \
                 présenté.",
            )
            .to_owned(),
        ),
        None => {}
    }
    if let Some(advice) = &summary.advice {
        why.push(match lang {
            Lang::En => advice.clone(),
            Lang::Fr => advice_fr(advice).map_or_else(|| advice.clone(), str::to_owned),
        });
    }
    let why = if why.is_empty() {
        String::new()
    } else {
        format!("<span class=\"why\">{}</span>", escape(&why.join(" ")))
    };
    format!(
        "<p id=\"verdict\" class=\"verdict\" data-verdict=\"{code}\">{word} — {what}{why}</p>",
        code = verdict_code(shown),
        word = verdict_words(shown, lang),
        what = escape(&headline(checked, &summary, verifier, lang)),
    )
}

/// The document's content: a heading and `<dl id="document-content">`; nothing when nothing
/// was read.
pub fn content_html(checked: &Checked, verifier: &Verifier, lang: Lang) -> String {
    if checked.credentials.is_empty() {
        return String::new();
    }
    let mut dl = String::new();
    for (i, credential) in checked.credentials.iter().enumerate() {
        if checked.credentials.len() > 1 {
            dl.push_str(&format!(
                "<dt class=\"document-number\">{} {}</dt><dd></dd>",
                lang.pick("Document", "Document"),
                i + 1
            ));
        }
        let issuer = credential
            .get("issuer")
            .and_then(|i| i.as_str().or_else(|| i.get("id").and_then(Value::as_str)))
            .and_then(|id| verifier.trust_list().and_then(|t| t.issuer(id)))
            .map(|entry| entry.label().to_owned());
        dl.push_str(&content::html(&content::rows(
            credential,
            issuer.as_deref(),
            lang,
        )));
    }
    let warning = if shown_verdict(&checked.report) == Verdict::Valid {
        String::new()
    } else {
        format!(
            "<p class=\"hint\" id=\"content-warning\">{}</p>",
            lang.pick(
                "This document is not confirmed: what it says below cannot be relied on.",
                "Ce document n'est pas confirmé : ce qu'il dit ci-dessous n'est pas fiable.",
            )
        )
    };
    format!(
        "<h2 id=\"content-heading\">{}</h2>{warning}\
         <dl id=\"document-content\" class=\"content\" aria-labelledby=\"content-heading\">{dl}</dl>",
        lang.pick("What the document says", "Ce que dit le document"),
    )
}

/// One list of checks (`main`: the document's own, `#checks`).
fn checks_list(report: &Report, main: bool, lang: Lang) -> String {
    let mut html = if main {
        "<ul id=\"checks\" class=\"checks\" aria-labelledby=\"checks-heading\">".to_owned()
    } else {
        "<ul class=\"checks\">".to_owned()
    };
    for c in &report.checks {
        let (class, words) = outcome_words(&c.outcome, lang);
        let detail = c.outcome.text();
        let detail = if detail.is_empty() {
            String::new()
        } else {
            format!("<span class=\"check-detail\">{}</span>", escape(detail))
        };
        html.push_str(&format!(
            "<li data-check=\"{code}\" data-outcome=\"{class}\" class=\"outcome-{class}\">\
             <span class=\"check-name\">{name}</span>{colon}<strong class=\"check-outcome\">{words}</strong>{detail}</li>",
            code = escape(&check_code(c.check)),
            name = capitalized(check_name(c.check, lang)),
            colon = lang.pick(": ", " : "),
        ));
    }
    html.push_str("</ul>");
    html
}

/// Every check: a heading and `<ul id="checks">`, then those of each credential inside a
/// presentation.
pub fn checks_html(report: &Report, lang: Lang) -> String {
    let mut html = format!(
        "<h2 id=\"checks-heading\">{}</h2>{}",
        lang.pick("Checks", "Contrôles"),
        checks_list(report, true, lang)
    );
    for (i, nested) in report.credentials.iter().enumerate() {
        html.push_str(&format!(
            "<h3>{} {} — {}</h3>{}",
            lang.pick("Document", "Document"),
            i + 1,
            verdict_words(nested.verdict, lang),
            checks_list(nested, false, lang)
        ));
    }
    html
}

/// The whole result: `<section id="result">` with the verdict, the content and the checks.
pub fn result_html(checked: &Checked, verifier: &Verifier, lang: Lang) -> String {
    format!(
        "<section id=\"result\" aria-live=\"polite\" aria-label=\"{label}\">{verdict}{content}{checks}</section>",
        label = lang.pick("Result", "Résultat"),
        verdict = verdict_html(checked, verifier, lang),
        content = content_html(checked, verifier, lang),
        checks = checks_html(&checked.report, lang),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report_with(check: CheckKind, outcome: Outcome) -> Report {
        let mut report = Report::new(DocumentKind::Credential);
        report.push(CheckKind::Signature, Outcome::passed("proof verified"));
        report.push(check, outcome);
        report
    }

    /// Every advice the summary gives has its French: a new one shows up here.
    #[test]
    fn the_summary_advice_is_translated() {
        let mut reports = vec![
            report_with(CheckKind::Revocation, Outcome::failed("revoked")),
            report_with(CheckKind::Revocation, Outcome::indeterminate("stale")),
            report_with(CheckKind::TrustedIssuer, Outcome::indeterminate("no list")),
            report_with(CheckKind::ValidityPeriod, Outcome::indeterminate("clock")),
        ];
        reports.push(ReadError::PhotoReadingNotBuilt.report());
        for report in &reports {
            let summary = Summary::new(report, None);
            let advice = summary.advice.unwrap_or_default();
            assert!(advice_fr(&advice).is_some(), "no French for {advice:?}");
        }
    }

    #[test]
    fn an_unreadable_photo_cannot_be_decided_and_checks_are_named() {
        let report = ReadError::PhotoReadingNotBuilt.report();
        assert_eq!(report.verdict, Verdict::Invalid);
        assert_eq!(shown_verdict(&report), Verdict::Indeterminate);
        assert_eq!(status(&report), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(check_code(CheckKind::TrustedIssuer), "trustedIssuer");
        let html = checks_html(
            &report_with(CheckKind::Revocation, Outcome::failed("revoked")),
            Lang::Fr,
        );
        assert!(html.contains("data-check=\"revocation\" data-outcome=\"failed\""));
        assert!(html.contains("Révocation"));
        assert!(html.contains("échoué"));
    }
}
