//! What the relying party keeps of a request: its status and, per credential query answered,
//! what was verified and the claims it asked for (nothing more).

use chrono::{DateTime, Utc};
use civitas_core::report::{Outcome, Report, Verdict};
use serde::Serialize;
use serde_json::{Map, Value, json};

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Waiting for the wallet.
    Pending,
    /// Answered with presentations that were all verified and answer the query.
    Verified,
    /// Answered with a refusal of the holder, or with presentations that were refused.
    Refused,
    /// Not answered within its lifetime.
    Expired,
}

/// One verified (or refused) presentation, for one credential query.
#[derive(Debug, Clone, Serialize)]
pub struct CredentialResult {
    /// The credential query it answers.
    pub query_id: String,
    /// `dc+sd-jwt` or `ldp_vc`.
    pub format: String,
    /// The document type (`BirthCertificate`), when known.
    #[serde(rename = "type")]
    pub type_name: Option<String>,
    /// The issuer (`iss`, or the credential's `issuer`).
    pub issuer: Option<String>,
    /// The verifier's verdict.
    pub verdict: Verdict,
    /// The claims kept: for `dc+sd-jwt` the disclosed claims of the subject (registered claims
    /// removed), for `ldp_vc` the `credentialSubject` members the query named.
    pub claims: Map<String, Value>,
    /// Each check: `{"check", "outcome", "detail"}`.
    pub checks: Vec<Value>,
    /// The whole report (SPEC §8 JSON).
    pub report: Value,
}

impl CredentialResult {
    /// The checks of `report`, as kept.
    pub fn checks_of(report: &Report) -> Vec<Value> {
        report
            .checks
            .iter()
            .map(|c| {
                let outcome = match &c.outcome {
                    Outcome::Passed { .. } => "passed",
                    Outcome::Failed { .. } => "failed",
                    Outcome::Indeterminate { .. } => "indeterminate",
                    Outcome::NotApplicable { .. } => "not_applicable",
                };
                json!({"check": c.check, "outcome": outcome, "detail": c.outcome.text()})
            })
            .collect()
    }
}

/// A request as the relying party API shows it (`GET /oid4vp/requests/{id}`).
#[derive(Debug, Clone, Serialize)]
pub struct RequestResult {
    /// The request id.
    pub id: String,
    /// Where it stands.
    pub status: Status,
    /// Why it was refused (or expired).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The OAuth error code of a refusal (`access_denied` from the holder, `invalid_request`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The presentations verified (also those of a refused response, with their verdicts).
    pub credentials: Vec<CredentialResult>,
    /// When the request was made.
    pub created_at: DateTime<Utc>,
    /// When it expires (or expired).
    pub expires_at: DateTime<Utc>,
    /// When the wallet answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<DateTime<Utc>>,
}
