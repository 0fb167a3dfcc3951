//! Verification reports: every check reported on its own as passed, failed (with the reason),
//! not applicable, or indeterminate, and an overall verdict.
//!
//! A report says exactly what was checked. One made by civitas-core's trust-less
//! [`DocumentCheck`](crate::verify::DocumentCheck) alone has no `trustedIssuer`, `revocation` or
//! `suspension` check, and its `Display` says that the issuer's trust was not checked
//! ([`Report::trust_checked`]); civitas-verifier's `Verifier` adds those checks.

use serde::{Deserialize, Serialize};

/// What was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CheckKind {
    /// The document is well-formed JSON and follows the VC data model.
    Syntax,
    /// Every proof (or the JWS / COSE signature) verifies.
    Signature,
    /// The signing key is controlled by the issuer and allowed for `assertionMethod`.
    IssuerBinding,
    /// The issuer is trusted for this document type.
    TrustedIssuer,
    /// Now is inside `validFrom`..`validUntil`.
    ValidityPeriod,
    /// Not revoked.
    Revocation,
    /// Not suspended.
    Suspension,
    /// The document matches its JSON Schema and the rules of its type.
    Schema,
    /// A presentation's proof has purpose `authentication`.
    ProofPurpose,
    /// A presentation's challenge is the one the verifier asked for.
    Challenge,
    /// A presentation's domain is the verifier's.
    Domain,
    /// The presentation's holder controls the key that signed it.
    HolderBinding,
    /// The holder is the subject of each credential whose type requires it.
    HolderIsSubject,
    /// Every credential inside a presentation verifies.
    EmbeddedCredentials,
}

impl CheckKind {
    /// A short label for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Syntax => "format",
            Self::Signature => "signature",
            Self::IssuerBinding => "issuer key",
            Self::TrustedIssuer => "trusted issuer",
            Self::ValidityPeriod => "validity period",
            Self::Revocation => "revocation",
            Self::Suspension => "suspension",
            Self::Schema => "schema",
            Self::ProofPurpose => "proof purpose",
            Self::Challenge => "challenge",
            Self::Domain => "domain",
            Self::HolderBinding => "holder key",
            Self::HolderIsSubject => "holder is subject",
            Self::EmbeddedCredentials => "credentials inside",
        }
    }
}

/// How a check came out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum Outcome {
    /// The check passed.
    Passed {
        /// What was found, for the record.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        detail: String,
    },
    /// The check failed: the document is invalid.
    Failed {
        /// Why.
        reason: String,
    },
    /// The check does not apply to this document.
    NotApplicable {
        /// Why.
        reason: String,
    },
    /// The check could not be decided (e.g. a stale status list): neither valid nor invalid.
    Indeterminate {
        /// Why.
        reason: String,
    },
}

impl Outcome {
    /// A pass with a detail.
    pub fn passed(detail: impl Into<String>) -> Self {
        Self::Passed {
            detail: detail.into(),
        }
    }

    /// A failure.
    pub fn failed(reason: impl Into<String>) -> Self {
        Self::Failed {
            reason: reason.into(),
        }
    }

    /// Not applicable.
    pub fn not_applicable(reason: impl Into<String>) -> Self {
        Self::NotApplicable {
            reason: reason.into(),
        }
    }

    /// Indeterminate.
    pub fn indeterminate(reason: impl Into<String>) -> Self {
        Self::Indeterminate {
            reason: reason.into(),
        }
    }

    /// `Passed` or `Failed` from a result: the detail, or the error's message as the reason.
    pub fn from_result<E: std::fmt::Display>(result: Result<String, E>) -> Self {
        match result {
            Ok(d) => Self::passed(d),
            Err(r) => Self::failed(r.to_string()),
        }
    }

    /// Whether the check failed.
    pub fn is_failed(&self) -> bool {
        matches!(self, Self::Failed { .. })
    }

    /// The reason or detail.
    pub fn text(&self) -> &str {
        match self {
            Self::Passed { detail } => detail,
            Self::Failed { reason }
            | Self::NotApplicable { reason }
            | Self::Indeterminate { reason } => reason,
        }
    }
}

/// One check and its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// What was checked.
    pub check: CheckKind,
    /// How it came out.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The overall result: the worst outcome of the checks that ran.
///
/// It covers what was checked and nothing else: *valid* from the trust-less
/// [`DocumentCheck`](crate::verify::DocumentCheck) alone means "intact, well-formed, signed by a
/// key its issuer id names, in its validity period" — not "from a trusted issuer", not "not
/// revoked" (see [`Report::trust_checked`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Verdict {
    /// Every check passed or did not apply.
    Valid,
    /// At least one check failed.
    Invalid,
    /// No check failed, but at least one could not be decided.
    Indeterminate,
}

/// What kind of document a report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DocumentKind {
    /// A credential.
    Credential,
    /// A presentation.
    Presentation,
    /// Something that could not be read.
    Unknown,
}

/// What a report's document is, for people, recorded when the document was read, so that a summary
/// (civitas-verifier's `Summary`) is made from the report alone and never reads the input again.
/// Not part of the JSON report (SPEC §8): a report read back from JSON has the default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct About {
    /// What the credential is, in words: `Birth certificate of Marie-Claire Lebon, born
    /// 2024-02-28`, `Credential of type …`, `Credential` ([`crate::model::describe`]). `None`
    /// for a presentation (each credential inside has its own) or what could not be read.
    pub description: Option<String>,
    /// The input was a photo or scan (PNG, JPEG) of a QR code.
    pub from_photo: bool,
}

/// The result of verifying a credential or presentation.
///
/// Two reports are equal when their JSON is: [`Report::about`], which is not serialized, is left
/// out of the comparison, so that a report read back from JSON (a wallet's stored verification)
/// equals the one that was written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The overall verdict.
    pub verdict: Verdict,
    /// Credential or presentation.
    pub kind: DocumentKind,
    /// How it is secured (`eddsa-rdfc-2022`, `vc+jwt`, `cose-compact`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secured_with: Option<String>,
    /// The document's `id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The issuer (credential) or holder (presentation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The document's types.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
    /// The checks, in the order they ran.
    pub checks: Vec<Check>,
    /// For a presentation: the report of each credential inside.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credentials: Vec<Report>,
    /// What the document is, for people (not serialized, and not compared by `==`).
    #[serde(skip)]
    pub about: About,
}

impl PartialEq for Report {
    fn eq(&self, other: &Self) -> bool {
        // Every member of the JSON report; `about` is not one (see the type's docs).
        let Self {
            verdict,
            kind,
            secured_with,
            id,
            issuer,
            types,
            checks,
            credentials,
            about: _,
        } = self;
        *verdict == other.verdict
            && *kind == other.kind
            && *secured_with == other.secured_with
            && *id == other.id
            && *issuer == other.issuer
            && *types == other.types
            && *checks == other.checks
            && *credentials == other.credentials
    }
}

impl Eq for Report {}

impl Report {
    /// An empty report (valid until a check says otherwise).
    pub fn new(kind: DocumentKind) -> Self {
        Self {
            verdict: Verdict::Valid,
            kind,
            secured_with: None,
            id: None,
            issuer: None,
            types: Vec::new(),
            checks: Vec::new(),
            credentials: Vec::new(),
            about: About::default(),
        }
    }

    /// Whether the issuer's trust was checked: a `trustedIssuer` check ran (passed, failed,
    /// undecided, or not applicable because trust was deliberately switched off). For a
    /// presentation, whether it ran on every credential inside. `false` for a report of the
    /// trust-less [`DocumentCheck`](crate::verify::DocumentCheck) alone.
    pub fn trust_checked(&self) -> bool {
        match self.kind {
            DocumentKind::Credential => self.outcome(CheckKind::TrustedIssuer).is_some(),
            DocumentKind::Presentation => self.credentials.iter().all(Report::trust_checked),
            DocumentKind::Unknown => false,
        }
    }

    /// Adds (or replaces) a check and updates the verdict.
    pub fn push(&mut self, check: CheckKind, outcome: Outcome) {
        match self.checks.iter_mut().find(|c| c.check == check) {
            Some(existing) => existing.outcome = outcome,
            None => self.checks.push(Check { check, outcome }),
        }
        self.verdict = self.compute_verdict();
    }

    fn compute_verdict(&self) -> Verdict {
        let outcomes = self.checks.iter().map(|c| &c.outcome);
        if outcomes.clone().any(Outcome::is_failed) {
            Verdict::Invalid
        } else if outcomes
            .clone()
            .any(|o| matches!(o, Outcome::Indeterminate { .. }))
        {
            Verdict::Indeterminate
        } else {
            Verdict::Valid
        }
    }

    /// The outcome of `check`, if it ran.
    pub fn outcome(&self, check: CheckKind) -> Option<&Outcome> {
        self.checks
            .iter()
            .find(|c| c.check == check)
            .map(|c| &c.outcome)
    }

    /// Whether the verdict is valid.
    pub fn is_valid(&self) -> bool {
        self.verdict == Verdict::Valid
    }

    /// Recomputes the `EmbeddedCredentials` check from the embedded reports (after policies have
    /// added checks to them).
    pub fn summarize_embedded(&mut self) {
        if self.kind != DocumentKind::Presentation {
            return;
        }
        let n = self.credentials.len();
        let bad: Vec<String> = self
            .credentials
            .iter()
            .enumerate()
            .filter(|(_, r)| r.verdict != Verdict::Valid)
            .map(|(i, r)| {
                let reason = r
                    .checks
                    .iter()
                    .find(|c| {
                        !matches!(
                            c.outcome,
                            Outcome::Passed { .. } | Outcome::NotApplicable { .. }
                        )
                    })
                    .map(|c| format!("{}: {}", c.check.label(), c.outcome.text()))
                    .unwrap_or_default();
                format!("credential {i} is {:?} ({reason})", r.verdict).to_lowercase()
            })
            .collect();
        let outcome = if n == 0 {
            Outcome::not_applicable("the presentation carries no credential")
        } else if self
            .credentials
            .iter()
            .any(|r| r.verdict == Verdict::Invalid)
        {
            Outcome::failed(bad.join("; "))
        } else if !bad.is_empty() {
            Outcome::indeterminate(bad.join("; "))
        } else {
            Outcome::passed(format!("{n} credential(s) verified"))
        };
        self.push(CheckKind::EmbeddedCredentials, outcome);
    }
}

impl std::fmt::Display for Report {
    /// A summary a clerk at a counter can read.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headline = match self.verdict {
            Verdict::Valid => "VALID",
            Verdict::Invalid => "INVALID",
            Verdict::Indeterminate => "CANNOT BE CONFIRMED (indeterminate)",
        };
        let what = match self.kind {
            DocumentKind::Credential => "credential",
            DocumentKind::Presentation => "presentation",
            DocumentKind::Unknown => "document",
        };
        writeln!(f, "{headline}: {what}")?;
        if let Some(t) = self.types.iter().find(|t| !t.starts_with("Verifiable")) {
            writeln!(f, "  type:    {t}")?;
        }
        if let Some(i) = &self.issuer {
            let role = if self.kind == DocumentKind::Presentation {
                "holder: "
            } else {
                "issuer: "
            };
            writeln!(f, "  {role} {i}")?;
        }
        if let Some(id) = &self.id {
            writeln!(f, "  id:      {id}")?;
        }
        for c in &self.checks {
            let mark = match c.outcome {
                Outcome::Passed { .. } => "ok  ",
                Outcome::Failed { .. } => "FAIL",
                Outcome::NotApplicable { .. } => "n/a ",
                Outcome::Indeterminate { .. } => "??  ",
            };
            let text = c.outcome.text();
            if text.is_empty() {
                writeln!(f, "  [{mark}] {}", c.check.label())?;
            } else {
                writeln!(f, "  [{mark}] {}: {text}", c.check.label())?;
            }
        }
        if self.kind == DocumentKind::Credential && !self.trust_checked() {
            writeln!(
                f,
                "  not checked: whether the issuer is trusted{} (this is the trust-less document \
                 check; civitas_verifier::Verifier decides trust)",
                if self.outcome(CheckKind::Revocation).is_none() {
                    ", revocation and suspension"
                } else {
                    ""
                }
            )?;
        }
        for (i, r) in self.credentials.iter().enumerate() {
            writeln!(f, "  credential {i}:")?;
            for line in r.to_string().lines() {
                writeln!(f, "    {line}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_follows_the_worst_check() {
        let mut r = Report::new(DocumentKind::Credential);
        r.push(CheckKind::Signature, Outcome::passed(""));
        assert_eq!(r.verdict, Verdict::Valid);
        r.push(CheckKind::Revocation, Outcome::indeterminate("stale"));
        assert_eq!(r.verdict, Verdict::Indeterminate);
        r.push(CheckKind::Schema, Outcome::failed("bad"));
        assert_eq!(r.verdict, Verdict::Invalid);
        r.push(CheckKind::Schema, Outcome::passed(""));
        assert_eq!(r.verdict, Verdict::Indeterminate);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["checks"][1]["status"], "indeterminate");
        assert_eq!(json["verdict"], "indeterminate");
        let back: Report = serde_json::from_value(json).unwrap();
        assert_eq!(back, r);
    }
}
