//! [`StatusPolicy`]: the [`CredentialPolicy`] that adds the revocation and suspension checks to
//! every report of a [`DocumentCheck`](civitas_core::verify::DocumentCheck), answering from a
//! [`StatusListCache`].

use std::sync::Arc;

use civitas_core::report::{CheckKind, Report};
use civitas_core::verify::{CredentialPolicy, SecuredCredential, VerifyOptions};

use crate::cache::{FreshnessPolicy, StatusListCache};
use crate::check::CredentialStatus;
use crate::entry::StatusPurpose;

/// Adds [`CheckKind::Revocation`] and [`CheckKind::Suspension`] to reports:
///
/// - *passed* when every entry of the purpose is clear in a fresh, verified list of the
///   credential's issuer;
/// - *failed* (`revoked` / `suspended`, naming the list URL and index) when one is set, or when
///   an entry is malformed or does not fit its list (another issuer, another purpose, out of
///   range);
/// - *indeterminate* when a list is stale or not in the cache (never "not revoked");
/// - *not applicable* when the credential has no entry of that purpose.
///
/// ```
/// use std::sync::Arc;
/// use civitas_core::verify::DocumentCheck;
/// use civitas_status::cache::{FreshnessPolicy, StatusListCache};
/// use civitas_status::policy::StatusPolicy;
///
/// let cache = Arc::new(StatusListCache::new());
/// let checker = DocumentCheck::default()
///     .with_policy(Arc::new(StatusPolicy::new(cache.clone(), FreshnessPolicy::online())));
/// ```
#[derive(Debug, Clone)]
pub struct StatusPolicy {
    cache: Arc<StatusListCache>,
    freshness: FreshnessPolicy,
}

impl StatusPolicy {
    /// A policy answering from `cache` under `freshness`.
    pub fn new(cache: Arc<StatusListCache>, freshness: FreshnessPolicy) -> Self {
        Self { cache, freshness }
    }

    /// The cache.
    pub fn cache(&self) -> &Arc<StatusListCache> {
        &self.cache
    }

    /// The freshness rules.
    pub fn freshness(&self) -> &FreshnessPolicy {
        &self.freshness
    }
}

#[async_trait::async_trait]
impl CredentialPolicy for StatusPolicy {
    async fn check(
        &self,
        credential: &SecuredCredential,
        options: &VerifyOptions,
        report: &mut Report,
    ) {
        let status = CredentialStatus::check(
            credential.credential(),
            &self.cache,
            &self.freshness,
            options.now(),
        );
        report.push(
            CheckKind::Revocation,
            status.outcome(StatusPurpose::Revocation),
        );
        report.push(
            CheckKind::Suspension,
            status.outcome(StatusPurpose::Suspension),
        );
    }
}
