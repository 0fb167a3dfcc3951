//! Online mode (opt-in): fetching status lists and `did:web` documents over HTTPS, with timeouts,
//! a response size limit and an HTTP cache (`ETag` / `Last-Modified` revalidation, `max-age`).
//!
//! Nothing in this module runs unless a caller builds an [`HttpFetcher`] — which only
//! [`VerifierBuilder::online`](crate::VerifierBuilder::online) and the bundle maker's fetch
//! step do. A verifier loaded from a bundle never builds one ([`http_clients_built`] lets tests
//! assert it).
//!
//! Rules:
//! - HTTPS only; `http:` URLs (and `did:web` over `http:`) only with
//!   [`OnlineConfig::allow_http`], meant for tests and closed networks. Redirects (at most 3)
//!   follow the same rule.
//! - No URL with user info; only `http`/`https`.
//! - Whole-request timeout ([`OnlineConfig::timeout`], default 10 s) and connect timeout
//!   (default 5 s).
//! - Responses larger than [`OnlineConfig::max_response_bytes`] (default 1 MiB) are refused,
//!   whether announced by `Content-Length` or found while reading.
//! - Cached per URL: fresh for `Cache-Control: max-age` (capped at [`OnlineConfig::max_ttl`]),
//!   else [`OnlineConfig::default_ttl`]; `no-store` is not cached, `no-cache` is revalidated
//!   every time. A stale entry is revalidated with `If-None-Match` / `If-Modified-Since`; a
//!   `304` keeps the cached body.
//! - The online status policy fetches only the status lists of issuers on the trust list (when
//!   one is configured), at most [`OnlineConfig::max_lists_per_credential`] per credential, so
//!   a document cannot make the verifier fetch arbitrary URLs.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use civitas_core::credential::{Credential, one_or_many};
use civitas_core::report::Report;
use civitas_core::verify::{CredentialPolicy, DocumentCheck, SecuredCredential, VerifyOptions};
use civitas_keys::did::{ControllerDocument, did_web_url};
use civitas_keys::resolver::{OfflineResolver, ResolveError, Resolver};
use civitas_status::cache::{CacheLookup, StatusListCache};
use civitas_status::policy::StatusPolicy;
use serde_json::Value;

use crate::error::FetchError;
use crate::trust::VerifiedTrustList;

static CLIENTS_BUILT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static CLIENTS_BUILT_HERE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// How many HTTP clients this process has built (every [`HttpFetcher::new`] builds one).
pub fn http_clients_built() -> usize {
    CLIENTS_BUILT.load(Ordering::SeqCst)
}

/// How many HTTP clients were built on the calling thread. Tests use it to assert that a
/// bundle-loaded verifier never goes online, undisturbed by other tests running in parallel in
/// the same process (a single-threaded runtime runs the whole test on its thread).
pub fn http_clients_built_on_this_thread() -> usize {
    CLIENTS_BUILT_HERE.with(std::cell::Cell::get)
}

/// Settings of online mode.
#[derive(Debug, Clone)]
pub struct OnlineConfig {
    /// Accept plain `http:` URLs and resolve `did:web` over `http:`. For tests and closed
    /// networks only: without TLS anyone on the path can change what is fetched (signatures
    /// still protect status lists, not the availability of fresh ones).
    pub allow_http: bool,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Largest response body accepted.
    pub max_response_bytes: usize,
    /// How long a response without `max-age` is reused without asking again.
    pub default_ttl: Duration,
    /// The longest a response is reused without asking again, whatever `max-age` says.
    pub max_ttl: Duration,
    /// Status lists fetched per credential, at most.
    pub max_lists_per_credential: usize,
    /// Extra trusted root certificates (PEM), e.g. a government's private PKI or a test CA.
    pub root_certificates_pem: Vec<Vec<u8>>,
}

impl Default for OnlineConfig {
    fn default() -> Self {
        Self {
            allow_http: false,
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            max_response_bytes: civitas_core::credential::MAX_DOCUMENT_BYTES,
            default_ttl: Duration::from_secs(300),
            max_ttl: Duration::from_secs(86_400),
            max_lists_per_credential: 4,
            root_certificates_pem: Vec::new(),
        }
    }
}

impl OnlineConfig {
    /// Sets [`allow_http`](Self::allow_http).
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }
}

/// A fetched response body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The body.
    pub body: Arc<Vec<u8>>,
    /// When it was (last) fetched or revalidated.
    pub fetched_at: DateTime<Utc>,
    /// Whether it came from the cache without a request.
    pub from_cache: bool,
}

#[derive(Debug, Clone)]
struct CachedResponse {
    body: Arc<Vec<u8>>,
    etag: Option<String>,
    last_modified: Option<String>,
    fetched_at: DateTime<Utc>,
    fresh_until: DateTime<Utc>,
}

/// Fetches documents over HTTPS with limits and a cache. Share it behind an `Arc`.
#[derive(Debug)]
pub struct HttpFetcher {
    client: reqwest::Client,
    config: OnlineConfig,
    cache: Mutex<HashMap<String, CachedResponse>>,
    requests: AtomicUsize,
}

enum Freshness {
    NoStore,
    For(Duration),
}

impl HttpFetcher {
    /// Builds the HTTP client (rustls; no proxy from the environment).
    pub fn new(config: OnlineConfig) -> Result<Self, FetchError> {
        let mut builder = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .https_only(!config.allow_http)
            .redirect(reqwest::redirect::Policy::limited(3))
            .user_agent(concat!("civitas-verifier/", env!("CARGO_PKG_VERSION")));
        for pem in &config.root_certificates_pem {
            let cert = reqwest::Certificate::from_pem(pem)
                .map_err(|e| FetchError::Client(format!("root certificate: {e}")))?;
            builder = builder.add_root_certificate(cert);
        }
        let client = builder
            .build()
            .map_err(|e| FetchError::Client(e.to_string()))?;
        CLIENTS_BUILT.fetch_add(1, Ordering::SeqCst);
        CLIENTS_BUILT_HERE.with(|n| n.set(n.get() + 1));
        Ok(Self {
            client,
            config,
            cache: Mutex::new(HashMap::new()),
            requests: AtomicUsize::new(0),
        })
    }

    /// The settings.
    pub fn config(&self) -> &OnlineConfig {
        &self.config
    }

    /// How many HTTP requests this fetcher has sent.
    pub fn requests_sent(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// Checks that `url` may be fetched under the settings.
    pub fn check_url(&self, url: &str) -> Result<reqwest::Url, FetchError> {
        let parsed = reqwest::Url::parse(url).map_err(|e| FetchError::Url {
            url: url.to_owned(),
            reason: e.to_string(),
        })?;
        match parsed.scheme() {
            "https" => {}
            "http" if self.config.allow_http => {}
            "http" => {
                return Err(FetchError::Insecure {
                    url: url.to_owned(),
                });
            }
            other => {
                return Err(FetchError::Url {
                    url: url.to_owned(),
                    reason: format!("scheme `{other}` is not fetched (https only)"),
                });
            }
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(FetchError::Url {
                url: url.to_owned(),
                reason: "URLs with user credentials are not fetched".to_owned(),
            });
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(FetchError::Url {
                url: url.to_owned(),
                reason: "no host".to_owned(),
            });
        }
        Ok(parsed)
    }

    fn cached(&self, url: &str) -> Option<CachedResponse> {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(url)
            .cloned()
    }

    fn store(&self, url: &str, entry: CachedResponse) {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(url.to_owned(), entry);
    }

    fn forget(&self, url: &str) {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(url);
    }

    fn freshness(&self, headers: &reqwest::header::HeaderMap) -> Freshness {
        let directives: Vec<String> = headers
            .get_all(reqwest::header::CACHE_CONTROL)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|d| d.trim().to_ascii_lowercase())
            .collect();
        if directives.iter().any(|d| d == "no-store") {
            return Freshness::NoStore;
        }
        if directives.iter().any(|d| d == "no-cache") {
            return Freshness::For(Duration::ZERO);
        }
        let max_age = directives.iter().find_map(|d| {
            d.strip_prefix("max-age=")
                .and_then(|s| s.trim_matches('"').parse::<u64>().ok())
        });
        Freshness::For(
            max_age
                .map(Duration::from_secs)
                .unwrap_or(self.config.default_ttl)
                .min(self.config.max_ttl),
        )
    }

    /// GETs `url` (through the cache), accepting `accept`.
    pub async fn get(&self, url: &str, accept: &str) -> Result<Fetched, FetchError> {
        let parsed = self.check_url(url)?;
        let now = Utc::now();
        let cached = self.cached(url);
        if let Some(c) = &cached
            && now < c.fresh_until
        {
            return Ok(Fetched {
                body: c.body.clone(),
                fetched_at: c.fetched_at,
                from_cache: true,
            });
        }
        let mut request = self
            .client
            .get(parsed)
            .header(reqwest::header::ACCEPT, accept);
        if let Some(c) = &cached {
            if let Some(etag) = &c.etag {
                request = request.header(reqwest::header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &c.last_modified {
                request = request.header(reqwest::header::IF_MODIFIED_SINCE, lm);
            }
        }
        self.requests.fetch_add(1, Ordering::SeqCst);
        let failed = |e: reqwest::Error| FetchError::Request {
            url: url.to_owned(),
            reason: if e.is_timeout() {
                "timed out".to_owned()
            } else {
                error_chain(&e)
            },
        };
        let mut response = request.send().await.map_err(failed)?;
        let status = response.status();
        let freshness = self.freshness(response.headers());
        let fresh_until = |f: &Freshness| match f {
            Freshness::NoStore => now,
            Freshness::For(d) => TimeDelta::from_std(*d)
                .ok()
                .and_then(|d| now.checked_add_signed(d))
                .unwrap_or(now),
        };
        if status == reqwest::StatusCode::NOT_MODIFIED
            && let Some(mut c) = cached
        {
            c.fetched_at = now;
            c.fresh_until = fresh_until(&freshness);
            self.store(url, c.clone());
            return Ok(Fetched {
                body: c.body,
                fetched_at: now,
                from_cache: false,
            });
        }
        if status != reqwest::StatusCode::OK {
            return Err(FetchError::Status {
                url: url.to_owned(),
                status: status.as_u16(),
            });
        }
        let max = self.config.max_response_bytes;
        let too_large = || FetchError::TooLarge {
            url: url.to_owned(),
            max,
        };
        if response.content_length().is_some_and(|n| n > max as u64) {
            return Err(too_large());
        }
        let header = |name: reqwest::header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let etag = header(reqwest::header::ETAG);
        let last_modified = header(reqwest::header::LAST_MODIFIED);
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            if body.len() + chunk.len() > max {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        let body = Arc::new(body);
        match freshness {
            Freshness::NoStore => self.forget(url),
            ref f => self.store(
                url,
                CachedResponse {
                    body: body.clone(),
                    etag,
                    last_modified,
                    fetched_at: now,
                    fresh_until: fresh_until(f),
                },
            ),
        }
        Ok(Fetched {
            body,
            fetched_at: now,
            from_cache: false,
        })
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// A resolver that answers from pinned documents and `did:key` first, and fetches `did:web`
/// documents (through an [`HttpFetcher`], so cached and limited).
#[derive(Debug, Clone)]
pub struct OnlineResolver {
    pinned: OfflineResolver,
    fetcher: Arc<HttpFetcher>,
}

impl OnlineResolver {
    /// Pinned documents first, then `did:web` online.
    pub fn new(pinned: OfflineResolver, fetcher: Arc<HttpFetcher>) -> Self {
        Self { pinned, fetcher }
    }

    /// The URL a `did:web` document is fetched from (over `http:` when allowed).
    pub fn did_web_location(&self, did: &str) -> Result<String, ResolveError> {
        let url = did_web_url(did)?;
        Ok(if self.fetcher.config().allow_http {
            url.replacen("https://", "http://", 1)
        } else {
            url
        })
    }
}

#[async_trait::async_trait]
impl Resolver for OnlineResolver {
    async fn resolve(&self, id: &str) -> Result<Arc<ControllerDocument>, ResolveError> {
        match self.pinned.resolve_now(id) {
            Err(ResolveError::NotFound(_)) if id.starts_with("did:web:") => {}
            other => return other,
        }
        let failed = |reason: String| ResolveError::Failed {
            id: id.to_owned(),
            reason,
        };
        let url = self.did_web_location(id)?;
        let fetched = self
            .fetcher
            .get(&url, "application/did+json, application/json")
            .await
            .map_err(|e| failed(e.to_string()))?;
        let json = civitas_core::credential::parse_json(&fetched.body)
            .map_err(|e| failed(format!("{url}: {e}")))?;
        let doc: ControllerDocument = serde_json::from_value(json)
            .map_err(|e| failed(format!("{url} is not a DID document: {e}")))?;
        if doc.id != id {
            return Err(failed(format!(
                "{url} holds the document of `{}`, not of `{id}`",
                doc.id
            )));
        }
        Ok(Arc::new(doc))
    }
}

/// The status policy of an online verifier: before answering from the cache it fetches each
/// status list that is missing or stale (and of a trusted issuer), verifies it and caches it.
#[derive(Debug, Clone)]
pub struct OnlineStatusPolicy {
    inner: StatusPolicy,
    fetcher: Arc<HttpFetcher>,
    list_checker: DocumentCheck,
    trust: Option<Arc<VerifiedTrustList>>,
}

impl OnlineStatusPolicy {
    /// `inner` answers; `list_checker` (contexts and resolver, no policies) verifies fetched
    /// lists; with `trust`, only trusted issuers' lists are fetched.
    pub fn new(
        inner: StatusPolicy,
        fetcher: Arc<HttpFetcher>,
        list_checker: DocumentCheck,
        trust: Option<Arc<VerifiedTrustList>>,
    ) -> Self {
        Self {
            inner,
            fetcher,
            list_checker,
            trust,
        }
    }

    fn cache(&self) -> &StatusListCache {
        self.inner.cache()
    }

    /// Fetches and caches the lists `credential` points at that are missing or stale at `now`.
    pub async fn refresh(&self, credential: &Credential, now: DateTime<Utc>) {
        if let Some(trust) = &self.trust
            && trust.issuer(credential.issuer()).is_none()
        {
            return;
        }
        let mut urls: Vec<&str> = Vec::new();
        for entry in one_or_many(credential.json().get("credentialStatus")) {
            if let Some(url) = entry.get("statusListCredential").and_then(Value::as_str)
                && !urls.contains(&url)
            {
                urls.push(url);
            }
        }
        for url in urls
            .into_iter()
            .take(self.fetcher.config().max_lists_per_credential)
        {
            if matches!(
                self.cache().lookup(url, now, self.inner.freshness()),
                CacheLookup::Fresh(_)
            ) {
                continue;
            }
            let Ok(fetched) = self
                .fetcher
                .get(url, "application/vc+jwt, application/vc, application/json")
                .await
            else {
                continue; // the check answers indeterminate (missing or stale)
            };
            // A list that does not verify, or is older than the cached one, is not cached.
            let _ = self
                .cache()
                .load(&fetched.body, &self.list_checker, fetched.fetched_at)
                .await;
        }
    }
}

#[async_trait::async_trait]
impl CredentialPolicy for OnlineStatusPolicy {
    async fn check(
        &self,
        credential: &SecuredCredential,
        options: &VerifyOptions,
        report: &mut Report,
    ) {
        self.refresh(credential.credential(), options.now()).await;
        self.inner.check(credential, options, report).await;
    }
}
