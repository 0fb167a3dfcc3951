//! Verifying a status list credential once — its signature, and that the signing key belongs to
//! its issuer — through civitas-core's [`DocumentCheck`], so that lookups afterwards are plain bit
//! reads.

use chrono::{DateTime, Utc};
use civitas_core::report::{CheckKind, Outcome, Report};
use civitas_core::verify::{DocumentCheck, SecuredCredential, VerifyOptions};

use crate::bitstring::StatusSize;
use crate::credential::{BitstringStatusListCredential, parse_secured};
use crate::entry::{BitstringStatusListEntry, EntryView};
use crate::error::StatusError;

/// A status list credential whose signature and issuer binding were verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedStatusList {
    credential: BitstringStatusListCredential,
    secured_with: String,
    signed_by: String,
    verified_at: DateTime<Utc>,
}

impl VerifiedStatusList {
    /// The list URL (the credential's `id`).
    pub fn url(&self) -> &str {
        &self.credential.id
    }

    /// The list's issuer.
    pub fn issuer(&self) -> &str {
        &self.credential.issuer
    }

    /// The decoded credential.
    pub fn credential(&self) -> &BitstringStatusListCredential {
        &self.credential
    }

    /// How it was secured (`eddsa-rdfc-2022`, `vc+jwt`, ...).
    pub fn secured_with(&self) -> &str {
        &self.secured_with
    }

    /// What the issuer-binding check found (which key of the issuer signed).
    pub fn signed_by(&self) -> &str {
        &self.signed_by
    }

    /// When it was verified.
    pub fn verified_at(&self) -> DateTime<Utc> {
        self.verified_at
    }

    /// The value of the entry at `index`, `size` bits wide: a bit read after a range check.
    #[inline]
    pub fn get(&self, index: u64, size: StatusSize) -> Result<u8, StatusError> {
        self.credential.bits.get(index, size)
    }

    /// The value of `entry`, after checking it points at this list with a matching purpose.
    pub fn status(&self, entry: &BitstringStatusListEntry) -> Result<u8, StatusError> {
        self.credential.status(entry)
    }

    /// [`status`](Self::status), after also checking that this list was issued by
    /// `credential_issuer` (the issuer of the credential carrying the entry).
    pub fn status_for(
        &self,
        entry: &BitstringStatusListEntry,
        credential_issuer: &str,
    ) -> Result<u8, StatusError> {
        self.credential.status_for(entry, credential_issuer)
    }

    /// [`status_for`](Self::status_for) for an entry read in place.
    pub(crate) fn status_of_view(
        &self,
        entry: &EntryView<'_>,
        credential_issuer: &str,
    ) -> Result<u8, StatusError> {
        self.credential.status_of_view(entry, credential_issuer)
    }
}

/// Reads and verifies a status list credential (JSON with Data Integrity proofs, or `vc+jwt`).
///
/// `checker` supplies the contexts and the resolver for the issuer's keys; its policies are not
/// consulted for the list. The list must be a well-formed `BitstringStatusListCredential` with a
/// decodable `encodedList` of at least 16 KiB, its signature must verify at `now`, and the key
/// must be one its issuer allows for `assertionMethod`. The validity period is *not* enforced
/// here: an expired list is still a true statement of its time, and the
/// [cache](crate::cache::StatusListCache) reports it as stale.
pub async fn verify_status_list(
    bytes: &[u8],
    checker: &DocumentCheck,
    now: DateTime<Utc>,
) -> Result<VerifiedStatusList, StatusError> {
    let secured = parse_secured(bytes)?;
    verify_secured_list(&secured, checker, now).await
}

/// [`verify_status_list`] for a credential already parsed.
pub async fn verify_secured_list(
    secured: &SecuredCredential,
    checker: &DocumentCheck,
    now: DateTime<Utc>,
) -> Result<VerifiedStatusList, StatusError> {
    let credential = BitstringStatusListCredential::from_secured(secured)?;
    // The checker without its policies: a status policy must not recurse into the list.
    let plain =
        DocumentCheck::with_shared_resolver(checker.loader().clone(), checker.resolver().clone());
    let options = VerifyOptions {
        now: Some(now),
        ..VerifyOptions::default()
    };
    let report = plain.check_credential(secured, &options).await;
    let signed_by = judge(&report, &credential)?;
    Ok(VerifiedStatusList {
        secured_with: report.secured_with.clone().unwrap_or_default(),
        signed_by,
        credential,
        verified_at: now,
    })
}

fn judge(report: &Report, list: &BitstringStatusListCredential) -> Result<String, StatusError> {
    let url = || list.id.clone();
    match report.outcome(CheckKind::Signature) {
        Some(Outcome::Passed { .. }) => {}
        other => {
            return Err(StatusError::BadListSignature {
                list: url(),
                reason: other
                    .map_or("the signature was not checked", Outcome::text)
                    .to_owned(),
            });
        }
    }
    let signed_by = match report.outcome(CheckKind::IssuerBinding) {
        Some(Outcome::Passed { detail }) => detail.clone(),
        other => {
            return Err(StatusError::ListNotSignedByIssuer {
                list: url(),
                issuer: list.issuer.clone(),
                reason: other
                    .map_or("the issuer binding was not checked", Outcome::text)
                    .to_owned(),
            });
        }
    };
    for check in &report.checks {
        let counts = matches!(check.check, CheckKind::Syntax | CheckKind::Schema);
        if counts && check.outcome.is_failed() {
            return Err(StatusError::ListRejected {
                list: url(),
                reason: format!("{}: {}", check.check.label(), check.outcome.text()),
            });
        }
    }
    Ok(signed_by)
}
