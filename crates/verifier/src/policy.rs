//! [`TrustPolicy`]: the [`CredentialPolicy`] that adds the `trustedIssuer` check to every
//! credential (top-level or inside a presentation) and enforces the signing windows of rotated
//! keys.
//!
//! **Which time is compared with a key's window.** The time the credential says it was signed:
//! for Data Integrity, each proof's `created` (each proof against its own key); for `vc+jwt`,
//! `iat`, else `nbf`; for the compact QR form, and whenever the proof carries no time, the
//! credential's `validFrom` (`issuanceDate` in VC 1.1). All of these are covered by the
//! signature. A credential that gives no time at all cannot be shown to be inside the window
//! and fails. The window is `notBefore <= signed < notAfter`.
//!
//! A key whose window is over keeps verifying what it signed inside the window — that is what
//! keeps old birth certificates valid after a rotation. It does not protect against a *stolen*
//! key whose holder back-dates `created`: against that, the trust list's publisher ends the
//! window at the time of the compromise and the issuer re-issues (and revokes) what was signed
//! after it.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use civitas_core::credential::{format_datetime, parse_datetime};
use civitas_core::report::{CheckKind, Outcome, Report};
use civitas_core::verify::{CredentialPolicy, SecuredCredential, VerifyOptions};
use serde_json::Value;

use crate::trust::{TrustedIssuer, VerifiedTrustList, types_of};

/// Where trust in issuers comes from.
#[derive(Debug, Clone)]
pub enum TrustMode {
    /// A verified trust list: only its issuers, for their document types.
    List(Arc<VerifiedTrustList>),
    /// Nothing configured: `trustedIssuer` is *indeterminate*, so no credential is *valid*.
    NotConfigured,
    /// Explicitly no trust check (development, or a caller that decides trust itself):
    /// `trustedIssuer` is *not applicable*.
    AnyIssuer,
}

/// Adds [`CheckKind::TrustedIssuer`] and enforces key signing windows (on
/// [`CheckKind::IssuerBinding`]).
///
/// - *passed*: the issuer is on the trust list and may issue one of the credential's types
///   and, where the list pins the profile of a type, the profile this process knows for it is
///   that one (same digest, same context digest);
/// - *failed*: it is not on the list, or not for this type, or this verifier knows no profile
///   of the type (a verifier learns types from its bundle), or the profile it knows for the
///   type is not the one the list pins;
/// - *indeterminate*: no trust list is configured, or the list is outside its validity period;
/// - *not applicable*: [`TrustMode::AnyIssuer`].
///
/// When the credential was signed by a key whose window (from the trust list) does not contain
/// the signing time, the `issuerBinding` check fails with the window and the time.
#[derive(Debug, Clone)]
pub struct TrustPolicy {
    mode: TrustMode,
}

/// One signature of a credential: the key and the time the credential says it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signing {
    /// The verification method.
    pub key: String,
    /// The signing time claimed (see the module documentation), if any.
    pub signed_at: Option<DateTime<Utc>>,
}

impl TrustPolicy {
    /// A policy with this trust mode.
    pub fn new(mode: TrustMode) -> Self {
        Self { mode }
    }

    /// The trust mode.
    pub fn mode(&self) -> &TrustMode {
        &self.mode
    }

    /// The trust list, if one is configured.
    pub fn trust_list(&self) -> Option<&VerifiedTrustList> {
        match &self.mode {
            TrustMode::List(l) => Some(l),
            _ => None,
        }
    }

    /// The `trustedIssuer` outcome for a credential of `types` issued by `issuer`, at `now`.
    pub fn trusted_issuer_outcome(
        &self,
        issuer: &str,
        types: &[&str],
        now: DateTime<Utc>,
    ) -> Outcome {
        let list = match &self.mode {
            TrustMode::AnyIssuer => {
                return Outcome::not_applicable(
                    "issuer trust is not checked: this verifier was set up without a trust list",
                );
            }
            TrustMode::NotConfigured => {
                return Outcome::indeterminate(
                    "no trust list is configured: the issuer cannot be confirmed",
                );
            }
            TrustMode::List(list) => list,
        };
        if let Some(reason) = list.unusable_at(now) {
            return Outcome::indeterminate(reason);
        }
        let Some(entry) = list.issuer(issuer) else {
            return Outcome::failed(format!(
                "{issuer} is not on the trust list {}",
                list.label()
            ));
        };
        let document_types: Vec<&str> = types
            .iter()
            .copied()
            .filter(|t| *t != "VerifiableCredential")
            .collect();
        if entry.may_issue(document_types.iter().copied()) {
            let issued: Vec<&str> = document_types
                .iter()
                .copied()
                .filter(|t| entry.document_types.iter().any(|d| d == t))
                .collect();
            let registry = civitas_core::profile::known();
            if !issued.iter().any(|t| registry.get(t).is_some()) {
                return Outcome::failed(format!(
                    "this verifier has no profile for {}: it learns a document type from a bundle whose trust list pins the type's profile",
                    issued.join(", ")
                ));
            }
            if let Some(reason) = profile_mismatch(entry, &issued) {
                return Outcome::failed(reason);
            }
            Outcome::passed(format!(
                "{} is trusted for {} by {}",
                entry.label(),
                issued.join(", "),
                list.label()
            ))
        } else {
            Outcome::failed(format!(
                "{} is trusted to issue {} only, not {}",
                entry.label(),
                entry.document_types.join(", "),
                if document_types.is_empty() {
                    "an untyped credential".to_owned()
                } else {
                    document_types.join(", ")
                }
            ))
        }
    }

    /// Why one of `signings` falls outside its key's window, if one does.
    pub fn key_window_failure(&self, issuer: &str, signings: &[Signing]) -> Option<String> {
        let entry = self.trust_list()?.issuer(issuer)?;
        for signing in signings {
            let Some(window) = entry.window(&signing.key) else {
                continue;
            };
            match signing.signed_at {
                None => {
                    return Some(format!(
                        "{} may sign only {}, and this credential does not say when it was signed",
                        signing.key,
                        window.describe()
                    ));
                }
                Some(t) if !window.contains(t) => {
                    return Some(format!(
                        "{} may sign only {}; this credential was signed at {}",
                        signing.key,
                        window.describe(),
                        format_datetime(t)
                    ));
                }
                Some(_) => {}
            }
        }
        None
    }

    /// Applies the key windows to a report: a violation turns a passed `issuerBinding` into a
    /// failure.
    pub fn apply_key_windows(&self, issuer: &str, signings: &[Signing], report: &mut Report) {
        if let Some(reason) = self.key_window_failure(issuer, signings)
            && matches!(
                report.outcome(CheckKind::IssuerBinding),
                Some(Outcome::Passed { .. })
            )
        {
            report.push(CheckKind::IssuerBinding, Outcome::failed(reason));
        }
    }
}

/// Why the profiles this process knows for `document_types` are not the ones `entry` pins, if
/// they are not: the profile's digest, then its context's.
pub fn profile_mismatch(entry: &TrustedIssuer, document_types: &[&str]) -> Option<String> {
    let registry = civitas_core::profile::known();
    for type_name in document_types {
        let Some(pin) = entry.pinned(type_name) else {
            continue;
        };
        let Some(known) = registry.get(type_name) else {
            return Some(format!(
                "this verifier has no {type_name} profile; the trust list pins {}",
                pin.digest
            ));
        };
        if known.digest != pin.digest {
            return Some(format!(
                "the {type_name} profile this verifier knows ({}) is not the one the trust list pins ({})",
                known.digest, pin.digest
            ));
        }
        let context = registry.context(&pin.context);
        if known.profile.document.context_url != pin.context
            || context.is_none_or(|c| c.digest != pin.context_digest)
        {
            return Some(format!(
                "the context of the {type_name} profile this verifier knows ({} {}) is not the one the trust list pins ({} {})",
                known.profile.document.context_url,
                context.map_or("unknown", |c| c.digest.as_str()),
                pin.context,
                pin.context_digest
            ));
        }
    }
    None
}

fn time_member(json: &Value, key: &str) -> Option<DateTime<Utc>> {
    json.get(key)
        .and_then(|v| parse_datetime(&format!("/{key}"), v).ok())
}

/// The credential's own issuance time: `validFrom`, or `issuanceDate` (VC 1.1).
pub fn issued_at(credential: &Value) -> Option<DateTime<Utc>> {
    time_member(credential, "validFrom").or_else(|| time_member(credential, "issuanceDate"))
}

/// The signatures of a secured credential: each Data Integrity proof's key and `created`, or the
/// JWT's `kid` and `iat`/`nbf`; the credential's issuance time when the proof gives none.
pub fn signings(secured: &SecuredCredential) -> Vec<Signing> {
    let credential = secured.credential().json();
    match secured {
        SecuredCredential::DataIntegrity(c) => c
            .proofs()
            .into_iter()
            .filter_map(|proof| {
                Some(Signing {
                    key: proof.get("verificationMethod")?.as_str()?.to_owned(),
                    signed_at: time_member(proof, "created").or_else(|| issued_at(credential)),
                })
            })
            .collect(),
        SecuredCredential::Jwt { jwt, .. } => {
            let claim = |k: &str| {
                jwt.payload
                    .get(k)
                    .and_then(Value::as_i64)
                    .and_then(|s| DateTime::from_timestamp(s, 0))
            };
            vec![Signing {
                key: jwt.kid.clone(),
                signed_at: claim("iat")
                    .or_else(|| claim("nbf"))
                    .or_else(|| issued_at(credential)),
            }]
        }
    }
}

#[async_trait::async_trait]
impl CredentialPolicy for TrustPolicy {
    async fn check(
        &self,
        secured: &SecuredCredential,
        options: &VerifyOptions,
        report: &mut Report,
    ) {
        let credential = secured.credential();
        let types = types_of(credential.json());
        report.push(
            CheckKind::TrustedIssuer,
            self.trusted_issuer_outcome(credential.issuer(), &types, options.now()),
        );
        self.apply_key_windows(credential.issuer(), &signings(secured), report);
    }
}
