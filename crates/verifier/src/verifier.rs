//! [`Verifier`], the verifier: civitas-core's trust-less [`DocumentCheck`] with the deployment's
//! policies — the trust list ([`TrustPolicy`]) and revocation/suspension ([`StatusPolicy`], or
//! its online variant) — built from a trust configuration, an offline bundle, or online mode.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use civitas_core::report::Report;
use civitas_core::verify::{DocumentCheck, VerifyOptions};
use civitas_jsonld::contexts::ContextLoader;
use civitas_keys::did::ControllerDocument;
use civitas_keys::resolver::{OfflineResolver, Resolver};
use civitas_qr::compact::CompactCredential;
use civitas_status::cache::{FreshnessPolicy, StatusListCache};
use civitas_status::policy::StatusPolicy;

use crate::bundle::{Bundle, credential_bytes, learn_profiles, loader_with_profiles};
use crate::document::{Document, Parsed};
use crate::error::{BundleError, VerifierError};
use crate::online::{HttpFetcher, OnlineConfig, OnlineResolver, OnlineStatusPolicy};
use crate::policy::{Signing, TrustMode, TrustPolicy, issued_at};
use crate::sd_jwt::{SdJwtContext, TokenLists, verify_sd_jwt};
use crate::summary::Summary;
use crate::trust::{TrustAnchor, VerifiedTrustList, verify_trust_list};

/// The default maximum age of a status snapshot in offline mode: 7 days.
pub const DEFAULT_MAX_STATUS_AGE: Duration = Duration::from_secs(7 * 86_400);

/// Where the verifier's status lists come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Snapshots only (from a bundle or files); never touches the network.
    Offline,
    /// Fetches status lists and `did:web` documents as needed.
    Online,
}

/// The verifier: verifies credentials (Data Integrity, `vc+jwt`, compact QR text or a photo of
/// it) and presentations against a trust list and status lists — what to use to decide whether
/// to accept a document. Under it runs civitas-core's trust-less [`DocumentCheck`] (the document
/// itself: structure, schema, signature, issuer key, dates), to which it adds issuer trust and
/// status. Cheap to share behind an `Arc`; every method takes `&self`.
///
/// [`Verifier::verify`] reads the input once ([`Document::read`]) and checks it; the report
/// records what [`Verifier::summarize`] says, so the summary never reads the input again.
///
/// ```
/// # async fn f(bundle_bytes: &[u8], anchor: &str, input: &[u8]) -> Result<(), civitas_verifier::error::VerifierError> {
/// use civitas_verifier::{Verifier, VerifyOptions, bundle::Bundle, trust::TrustAnchor};
/// let verifier = Verifier::builder()
///     .trust_anchor(TrustAnchor::did(anchor))
///     .bundle(&Bundle::parse(bundle_bytes)?)
///     .build()
///     .await?;
/// let report = verifier.verify(input, &VerifyOptions::default()).await;
/// println!("{}", verifier.summarize(&report));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    checker: DocumentCheck,
    trust: TrustPolicy,
    cache: Arc<StatusListCache>,
    freshness: FreshnessPolicy,
    mode: Mode,
    fetcher: Option<Arc<HttpFetcher>>,
    bundle_created_at: Option<DateTime<Utc>>,
    tokens: Arc<TokenLists>,
}

/// Builds a [`Verifier`]. Nothing is checked until [`VerifierBuilder::build`].
#[derive(Debug, Clone, Default)]
pub struct VerifierBuilder {
    anchors: Vec<TrustAnchor>,
    trust_list: Option<Vec<u8>>,
    any_issuer: bool,
    status_lists: Vec<(Vec<u8>, Option<DateTime<Utc>>)>,
    contexts: Vec<(String, String)>,
    profiles: Vec<String>,
    pinned: Vec<ControllerDocument>,
    max_status_age: Option<Duration>,
    max_list_age: Option<Duration>,
    online: Option<OnlineConfig>,
    bundle_created_at: Option<DateTime<Utc>>,
    now: Option<DateTime<Utc>>,
    tokens: Vec<(String, String, Option<DateTime<Utc>>)>,
}

impl VerifierBuilder {
    /// A Token Status List snapshot (the `statuslist+jwt` served at `uri`, fetched at
    /// `fetched_at`, default now), for SD-JWT VCs; verified with the issuer's key when used.
    pub fn status_token(mut self, uri: &str, jwt: &str, fetched_at: Option<DateTime<Utc>>) -> Self {
        self.tokens
            .push((uri.to_owned(), jwt.to_owned(), fetched_at));
        self
    }

    /// Trusts trust lists signed by `anchor` (repeatable).
    pub fn trust_anchor(mut self, anchor: TrustAnchor) -> Self {
        self.anchors.push(anchor);
        self
    }

    /// The signed trust list (`vc+jwt` or Data Integrity JSON); it must be signed by a trust
    /// anchor.
    pub fn trust_list(mut self, signed: impl Into<Vec<u8>>) -> Self {
        self.trust_list = Some(signed.into());
        self
    }

    /// No trust list: `trustedIssuer` is reported *not applicable* instead of *indeterminate*.
    /// For development, or for callers that decide trust themselves.
    pub fn trust_any_issuer(mut self) -> Self {
        self.any_issuer = true;
        self
    }

    /// A signed status list credential, fetched at `fetched_at` (default: when the verifier is
    /// built).
    pub fn status_list(
        mut self,
        signed: impl Into<Vec<u8>>,
        fetched_at: Option<DateTime<Utc>>,
    ) -> Self {
        self.status_lists.push((signed.into(), fetched_at));
        self
    }

    /// A JSON-LD context that civitas-core does not bundle.
    pub fn context(mut self, url: &str, text: &str) -> Self {
        self.contexts.push((url.to_owned(), text.to_owned()));
        self
    }

    /// A document profile (its TOML text) the verifier must learn: one civitas does not ship.
    /// At [`VerifierBuilder::build`] it must be pinned by an issuer of the trust list, and is
    /// then registered in the process and its context served (see
    /// [`learn_profiles`](crate::bundle::learn_profiles)).
    pub fn profile(mut self, text: &str) -> Self {
        self.profiles.push(text.to_owned());
        self
    }

    /// Pins a DID document (holders' `did:web`, issuers outside the trust list). The trust
    /// list's own pinned documents take precedence.
    pub fn pin(mut self, document: ControllerDocument) -> Self {
        self.pinned.push(document);
        self
    }

    /// Everything in an offline bundle: trust list, status snapshots, contexts, profiles.
    pub fn bundle(mut self, bundle: &Bundle) -> Self {
        self.trust_list = Some(bundle.trust_list_bytes());
        for s in &bundle.status_lists {
            self.status_lists
                .push((credential_bytes(&s.credential), Some(s.fetched_at)));
        }
        for c in &bundle.contexts {
            let text = serde_json::to_string(&c.document).unwrap_or_default();
            self.contexts.push((c.url.clone(), text));
        }
        for p in &bundle.profiles {
            self.profiles.push(p.text.clone());
        }
        for t in &bundle.status_tokens {
            self.tokens
                .push((t.uri.clone(), t.token.clone(), Some(t.fetched_at)));
        }
        self.bundle_created_at = Some(bundle.created_at);
        self
    }

    /// Offline: a status snapshot fetched longer ago than this is stale (status checks
    /// *indeterminate*). Default [`DEFAULT_MAX_STATUS_AGE`]. Online it bounds cache use too.
    pub fn max_status_age(mut self, age: Duration) -> Self {
        self.max_status_age = Some(age);
        self
    }

    /// A status list whose `validFrom` (signed by the issuer) is longer ago than this is stale,
    /// whenever it was fetched. Default: no limit.
    pub fn max_list_age(mut self, age: Duration) -> Self {
        self.max_list_age = Some(age);
        self
    }

    /// Opt in to online mode: status lists and `did:web` documents are fetched when missing or
    /// stale (see [`crate::online`]).
    pub fn online(mut self, config: OnlineConfig) -> Self {
        self.online = Some(config);
        self
    }

    /// The time at which the trust list and status lists are checked while building (default:
    /// now). Verifications use [`VerifyOptions::now`].
    pub fn at(mut self, now: DateTime<Utc>) -> Self {
        self.now = Some(now);
        self
    }

    /// Checks the trust list against the anchors, learns the profiles it pins (each must be
    /// pinned), checks every status list against its issuer's keys, and assembles the
    /// verifier.
    pub async fn build(self) -> Result<Verifier, VerifierError> {
        let now = self.now.unwrap_or_else(Utc::now);
        let trust_list = match &self.trust_list {
            Some(bytes) => Some(Arc::new(
                verify_trust_list(bytes, &self.anchors, now).await?,
            )),
            None => None,
        };
        let learnt = match (&trust_list, self.profiles.is_empty()) {
            (_, true) => Vec::new(),
            (Some(list), false) => learn_profiles(self.profiles.iter().map(String::as_str), list)?,
            (None, false) => {
                return Err(VerifierError::Bundle(BundleError::Profile {
                    name: "#1".to_owned(),
                    reason: "a profile is learnt only from a trust list that pins it, and none is configured".to_owned(),
                }));
            }
        };
        let loader = loader_with_profiles(ContextLoader::bundled(), &learnt, &self.contexts)
            .map_err(|e| match e {
                BundleError::Context { url, reason } => {
                    VerifierError::Context(format!("{url}: {reason}"))
                }
                other => VerifierError::Bundle(other),
            })?;
        let mode = match &trust_list {
            Some(list) => TrustMode::List(list.clone()),
            None if self.any_issuer => TrustMode::AnyIssuer,
            None => TrustMode::NotConfigured,
        };
        let mut pinned = OfflineResolver::new();
        for doc in self.pinned {
            pinned.pin(doc);
        }
        if let Some(list) = &trust_list {
            list.pin_into(&mut pinned);
        }
        let fetcher = match &self.online {
            Some(config) => Some(Arc::new(HttpFetcher::new(config.clone())?)),
            None => None,
        };
        let resolver: Arc<dyn Resolver> = match &fetcher {
            Some(f) => Arc::new(OnlineResolver::new(pinned, f.clone())),
            None => Arc::new(pinned),
        };
        let list_checker = DocumentCheck::with_shared_resolver(loader.clone(), resolver.clone());
        let cache = Arc::new(StatusListCache::new());
        for (bytes, fetched_at) in &self.status_lists {
            cache
                .load(bytes, &list_checker, fetched_at.unwrap_or(now))
                .await?;
        }
        let max_status_age = self.max_status_age.unwrap_or(DEFAULT_MAX_STATUS_AGE);
        let freshness = match &self.online {
            None => FreshnessPolicy {
                honor_ttl: false,
                default_ttl: civitas_status::cache::DEFAULT_TTL,
                max_age: Some(max_status_age),
                max_list_age: self.max_list_age,
            },
            Some(_) => FreshnessPolicy {
                max_age: Some(max_status_age),
                max_list_age: self.max_list_age,
                ..FreshnessPolicy::online()
            },
        };
        let trust = TrustPolicy::new(mode);
        let status = StatusPolicy::new(cache.clone(), freshness);
        let status_policy: Arc<dyn civitas_core::verify::CredentialPolicy> = match &fetcher {
            Some(f) => Arc::new(OnlineStatusPolicy::new(
                status,
                f.clone(),
                list_checker,
                trust_list.clone(),
            )),
            None => Arc::new(status),
        };
        let checker = DocumentCheck::with_shared_resolver(loader, resolver)
            .with_policy(Arc::new(trust.clone()))
            .with_policy(status_policy);
        let tokens = Arc::new(TokenLists::default());
        for (uri, jwt, fetched_at) in &self.tokens {
            tokens.insert(uri, jwt, fetched_at.unwrap_or(now));
        }
        Ok(Verifier {
            tokens,
            checker,
            trust,
            cache,
            freshness,
            mode: if fetcher.is_some() {
                Mode::Online
            } else {
                Mode::Offline
            },
            fetcher,
            bundle_created_at: self.bundle_created_at,
        })
    }
}

impl Verifier {
    /// A builder.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder::default()
    }

    /// An offline verifier from a bundle whose trust list is signed by one of `anchors`.
    pub async fn from_bundle(
        bundle: &Bundle,
        anchors: Vec<TrustAnchor>,
        max_status_age: Duration,
    ) -> Result<Self, VerifierError> {
        let mut builder = Self::builder()
            .bundle(bundle)
            .max_status_age(max_status_age);
        for a in anchors {
            builder = builder.trust_anchor(a);
        }
        builder.build().await
    }

    /// Verifies a credential (Data Integrity JSON, `vc+jwt`, compact QR text, or a PNG/JPEG
    /// photo of the QR code) or a presentation: reads it once ([`Document::read`]) and checks it
    /// ([`Verifier::verify_document`]). Input that cannot be read gives a report of kind unknown
    /// whose `syntax` check failed ([`ReadError::report`](crate::ReadError::report)). Every check
    /// is in the report; see [`Report::verdict`].
    pub async fn verify(&self, input: &[u8], options: &VerifyOptions) -> Report {
        match Document::read(input) {
            Ok(document) => self.verify_document(&document, options).await,
            Err(e) => e.report(),
        }
    }

    /// Verifies a document already read ([`Document::read`]): the document check, the trust
    /// list, revocation and suspension. The report records what the document is
    /// ([`Report::about`]) for [`Verifier::summarize`].
    pub async fn verify_document(&self, document: &Document, options: &VerifyOptions) -> Report {
        let mut report = match &document.parsed {
            Parsed::Credential(c) => self.checker.check_credential(c, options).await,
            Parsed::Presentation(p) => self.checker.check_presentation(p, options).await,
            Parsed::Compact(c) => self.verify_compact(c, options).await,
            Parsed::SdJwt(s) => {
                let ctx = SdJwtContext {
                    checker: &self.checker,
                    trust: &self.trust,
                    tokens: &self.tokens,
                    fetcher: self.fetcher.as_deref(),
                    max_age: self.freshness.max_age,
                };
                verify_sd_jwt(&ctx, s, options).await
            }
        };
        report.about.from_photo = document.from_photo();
        report
    }

    /// Verifies a compact QR credential (`CV1:…`): the COSE signature and its `kid`'s binding to
    /// the issuer, then — on the credential it rebuilds — everything else, policies included;
    /// the key windows are judged against the credential's `validFrom`.
    async fn verify_compact(&self, compact: &CompactCredential, options: &VerifyOptions) -> Report {
        let mut report = civitas_qr::compact::check_compact(&self.checker, compact, options).await;
        let signing = Signing {
            key: compact.kid().to_owned(),
            signed_at: issued_at(compact.credential_json()),
        };
        self.trust
            .apply_key_windows(compact.issuer(), &[signing], &mut report);
        report
    }

    /// A summary of `report` for people (see [`Summary`]), made from the report alone, naming
    /// issuers as this verifier's trust list does.
    pub fn summarize<'a>(&self, report: &'a Report) -> Summary<'a> {
        Summary::new(report, self.trust_list())
    }

    /// The verified trust list, if one is configured.
    pub fn trust_list(&self) -> Option<&VerifiedTrustList> {
        self.trust.trust_list()
    }

    /// The trust policy.
    pub fn trust_policy(&self) -> &TrustPolicy {
        &self.trust
    }

    /// The status list cache (shared with the status policy).
    pub fn status_cache(&self) -> &Arc<StatusListCache> {
        &self.cache
    }

    /// The freshness rules for status lists.
    pub fn freshness(&self) -> &FreshnessPolicy {
        &self.freshness
    }

    /// Offline or online.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The online fetcher, if online.
    pub fn fetcher(&self) -> Option<&Arc<HttpFetcher>> {
        self.fetcher.as_ref()
    }

    /// When the bundle it was loaded from was made.
    pub fn bundle_created_at(&self) -> Option<DateTime<Utc>> {
        self.bundle_created_at
    }

    /// The document check under the verifier, with the verifier's trust and status policies.
    pub fn document_check(&self) -> &DocumentCheck {
        &self.checker
    }

    /// The Token Status Lists held (SD-JWT VCs): snapshots given and lists fetched.
    pub fn status_tokens(&self) -> &TokenLists {
        &self.tokens
    }

    /// Adds (or refreshes) a status list snapshot, verified against its issuer's keys.
    pub async fn add_status_list(
        &self,
        signed: &[u8],
        fetched_at: DateTime<Utc>,
    ) -> Result<(), VerifierError> {
        let plain = DocumentCheck::with_shared_resolver(
            self.checker.loader().clone(),
            self.checker.resolver().clone(),
        );
        self.cache.load(signed, &plain, fetched_at).await?;
        Ok(())
    }
}
