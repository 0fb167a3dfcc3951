//! A summary of a report that a clerk at a counter can read: one headline saying whether to
//! accept the document, what it is, who issued it, and — when it is not valid — why and what to
//! do; then every check.
//!
//! ```text
//! VALID — Birth certificate of Marie-Claire Lebon, born 2024-02-28, issued by Civil Status Office, Rose Hill
//!   [ok  ] format: VC Data Model 2.0
//!   [ok  ] signature: proof verified
//!   …
//! ```

use civitas_core::report::{CheckKind, DocumentKind, Outcome, Report, Verdict};
use serde_json::Value;

use crate::trust::VerifiedTrustList;

/// A report explained for people. `Display` prints it.
#[derive(Debug, Clone)]
pub struct Summary<'a> {
    report: &'a Report,
    /// `VALID — Birth certificate of …, issued by …`.
    pub headline: String,
    /// Why it is not valid (the first failed, else indeterminate, check).
    pub reason: Option<String>,
    /// What to do.
    pub advice: Option<String>,
    /// For a presentation: one line per credential inside.
    pub documents: Vec<String>,
}

/// The verdict in words.
pub fn verdict_word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Valid => "VALID",
        Verdict::Invalid => "INVALID",
        Verdict::Indeterminate => "CANNOT BE CONFIRMED",
    }
}

/// What a credential is, in words: `Birth certificate of Marie-Claire Lebon, born 2024-02-28`
/// (civitas-core's [`describe`](civitas_core::model::describe)).
pub fn describe_credential(credential: &Value) -> String {
    civitas_core::model::describe(credential)
}

/// What a report's document is, as recorded when it was read; `Credential` when nothing was
/// recorded (a report read back from JSON).
fn described(report: &Report) -> &str {
    report.about.description.as_deref().unwrap_or("Credential")
}

fn issuer_words(issuer: Option<&str>, trust: Option<&VerifiedTrustList>) -> String {
    let Some(issuer) = issuer else {
        return "of unknown origin".to_owned();
    };
    match trust.map(|t| t.issuer(issuer)) {
        Some(Some(entry)) => format!("issued by {}", entry.label()),
        Some(None) => format!("issued by {issuer} (NOT on the trust list)"),
        None => format!("issued by {issuer}"),
    }
}

fn first_problem(report: &Report) -> Option<String> {
    let find = |pred: fn(&Outcome) -> bool| {
        report
            .checks
            .iter()
            .find(|c| pred(&c.outcome))
            .map(|c| format!("{}: {}", c.check.label(), c.outcome.text()))
    };
    find(Outcome::is_failed).or_else(|| find(|o| matches!(o, Outcome::Indeterminate { .. })))
}

fn advice(report: &Report) -> Option<String> {
    match report.verdict {
        Verdict::Valid => None,
        Verdict::Invalid => Some("Do not accept this document.".to_owned()),
        Verdict::Indeterminate => {
            let undecided = |k: CheckKind| {
                matches!(report.outcome(k), Some(Outcome::Indeterminate { .. }))
                    || report
                        .credentials
                        .iter()
                        .any(|r| matches!(r.outcome(k), Some(Outcome::Indeterminate { .. })))
            };
            Some(
                if undecided(CheckKind::Revocation) || undecided(CheckKind::Suspension) {
                    "Its revocation status could not be confirmed: update the verifier's bundle \
                     (or verify online) and try again."
                } else if undecided(CheckKind::TrustedIssuer) {
                    "The issuer could not be confirmed: load a current trust list and try again."
                } else {
                    "It could not be confirmed: verify again later."
                }
                .to_owned(),
            )
        }
    }
}

impl<'a> Summary<'a> {
    /// Explains `report` from the report alone — what the document is comes from
    /// [`Report::about`], recorded when it was read — naming issuers as the trust list does.
    pub fn new(report: &'a Report, trust: Option<&VerifiedTrustList>) -> Self {
        let verdict = verdict_word(report.verdict);
        let mut documents = Vec::new();
        let headline = match report.kind {
            DocumentKind::Credential => format!(
                "{verdict} — {}, {}",
                described(report),
                issuer_words(report.issuer.as_deref(), trust)
            ),
            DocumentKind::Presentation => {
                for (i, nested) in report.credentials.iter().enumerate() {
                    documents.push(format!(
                        "document {}: {} — {}, {}",
                        i + 1,
                        verdict_word(nested.verdict),
                        described(nested),
                        issuer_words(nested.issuer.as_deref(), trust)
                    ));
                }
                format!(
                    "{verdict} — Presentation of {} document(s) by {}",
                    report.credentials.len(),
                    report.issuer.as_deref().unwrap_or("an unnamed holder")
                )
            }
            DocumentKind::Unknown if report.about.from_photo => {
                // A photo whose QR code cannot be read says nothing about the document.
                return Self {
                    report,
                    headline: "CANNOT READ THIS IMAGE — no QR code could be read from it"
                        .to_owned(),
                    reason: first_problem(report),
                    advice: Some(
                        "This says nothing about the document: photograph its QR code again, \
                         or verify its file."
                            .to_owned(),
                    ),
                    documents,
                };
            }
            DocumentKind::Unknown => format!("{verdict} — this is not a document civitas can read"),
        };
        Self {
            report,
            headline,
            reason: (report.verdict != Verdict::Valid)
                .then(|| first_problem(report))
                .flatten(),
            advice: advice(report),
            documents,
        }
    }
}

fn write_checks(
    f: &mut std::fmt::Formatter<'_>,
    report: &Report,
    indent: &str,
) -> std::fmt::Result {
    for c in &report.checks {
        let mark = match c.outcome {
            Outcome::Passed { .. } => "ok  ",
            Outcome::Failed { .. } => "FAIL",
            Outcome::NotApplicable { .. } => "n/a ",
            Outcome::Indeterminate { .. } => "??  ",
        };
        let text = c.outcome.text();
        if text.is_empty() {
            writeln!(f, "{indent}[{mark}] {}", c.check.label())?;
        } else {
            writeln!(f, "{indent}[{mark}] {}: {text}", c.check.label())?;
        }
    }
    Ok(())
}

impl std::fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{}", self.headline)?;
        if let Some(reason) = &self.reason {
            writeln!(f, "  Reason: {reason}")?;
        }
        if let Some(advice) = &self.advice {
            writeln!(f, "  {advice}")?;
        }
        if let Some(t) = self
            .report
            .types
            .iter()
            .find(|t| !t.starts_with("Verifiable"))
        {
            writeln!(f, "  type:   {t}")?;
        }
        if let Some(issuer) = &self.report.issuer {
            let role = if self.report.kind == DocumentKind::Presentation {
                "holder"
            } else {
                "issuer"
            };
            writeln!(f, "  {role}: {issuer}")?;
        }
        if let Some(id) = &self.report.id {
            writeln!(f, "  id:     {id}")?;
        }
        if let Some(s) = &self.report.secured_with {
            writeln!(f, "  signed: {s}")?;
        }
        writeln!(f, "  checks:")?;
        write_checks(f, self.report, "    ")?;
        for (line, nested) in self.documents.iter().zip(&self.report.credentials) {
            writeln!(f, "  {line}")?;
            write_checks(f, nested, "    ")?;
        }
        Ok(())
    }
}
