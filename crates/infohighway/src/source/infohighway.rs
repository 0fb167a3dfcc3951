//! The InfoHighway e-service client: cursor paging over a records feed, with authentication
//! (API key or mutual TLS), a rate limit, timeouts, a response size limit, and retries with
//! exponential backoff and jitter on timeouts, connection failures, 429, 5xx and malformed
//! pages. The contract is specified in SPEC.md (section "Ingestion"); every name in it is configurable.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rand::Rng;
use serde_json::Value;
use tokio::sync::{Mutex, mpsc};
use tokio::time::Instant;

use crate::checkpoint::{Checkpoint, CheckpointFile};
use crate::config::{Auth, InfoHighwayConfig, Paging, ServiceConfig};
use crate::error::IngestError;
use crate::ingest::{
    Ingest, IngestOptions, Item, Position, Progress, Summary, Unit, map_record, unreadable,
};
use crate::mapping::Mapping;
use crate::sink::Sink;
use crate::source::{Emitter, Source};

/// One page of a feed.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The records (each should be a JSON object).
    pub records: Vec<Value>,
    /// The cursor to ask for next.
    pub next_cursor: Option<String>,
    /// Whether more records are waiting now.
    pub has_more: bool,
    /// Records left after this page, when the service says.
    pub remaining: Option<u64>,
}

/// Why a response body is not a page of the feed (the client retries such a response).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    /// The body is not JSON.
    #[error("malformed page (line {line}, column {column}): {reason}")]
    Json {
        /// Line of the error (1-based).
        line: usize,
        /// Column of the error (1-based).
        column: usize,
        /// What the JSON parser says.
        reason: String,
    },
    /// The records member ([`Paging::records`]) is missing or `null`.
    #[error("malformed page: no `{0}` array")]
    NoRecords(String),
    /// The records member is not an array.
    #[error("malformed page: `{0}` is not an array")]
    RecordsNotArray(String),
    /// The page says more records follow but gives no cursor to ask for them.
    #[error("malformed page: `{has_more}` is true but there is no `{next_cursor}`")]
    NoCursor {
        /// The has-more member's name.
        has_more: String,
        /// The next-cursor member's name.
        next_cursor: String,
    },
}

impl Page {
    /// Reads a page from a response body, with the member names of `paging` (each a member
    /// name or a dotted path): the records array, the next cursor (a non-empty string or a
    /// number), whether more follow (default: a cursor was given and the page is not empty)
    /// and how many remain.
    pub fn parse(body: &[u8], paging: &Paging) -> Result<Self, PageError> {
        // The strict parser: a page repeating a member name (a record's or the page's own) is
        // refused, as the rest of civitas refuses it.
        let value = civitas_jsonld::json::parse_with_limit(body, usize::MAX).map_err(|e| {
            let (line, column) = match &e {
                civitas_jsonld::json::JsonError::Syntax { line, column, .. }
                | civitas_jsonld::json::JsonError::DuplicateMember { line, column, .. } => {
                    (*line, *column)
                }
                _ => (1, 1),
            };
            PageError::Json {
                line,
                column,
                reason: e.to_string(),
            }
        })?;
        let records = match dotted(&value, &paging.records) {
            Some(Value::Array(a)) => a.clone(),
            Some(Value::Null) | None => return Err(PageError::NoRecords(paging.records.clone())),
            Some(_) => return Err(PageError::RecordsNotArray(paging.records.clone())),
        };
        let next_cursor = match dotted(&value, &paging.next_cursor) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let has_more = match dotted(&value, &paging.has_more) {
            Some(Value::Bool(b)) => *b,
            _ => next_cursor.is_some() && !records.is_empty(),
        };
        if has_more && next_cursor.is_none() {
            return Err(PageError::NoCursor {
                has_more: paging.has_more.clone(),
                next_cursor: paging.next_cursor.clone(),
            });
        }
        let remaining = dotted(&value, &paging.remaining).and_then(Value::as_u64);
        Ok(Page {
            records,
            next_cursor,
            has_more,
            remaining,
        })
    }
}

/// An InfoHighway client for one configuration.
///
/// Requests run on a runtime of their own (one thread, started with the client and stopped
/// when it is dropped), so that the timeouts and the rate limit measure the e-service, not the
/// caller's runtime: a batch being signed on every core must not make a healthy service look
/// slow.
#[derive(Debug)]
pub struct InfoHighwayClient {
    inner: Arc<Http>,
    io: tokio::runtime::Handle,
    _stop: tokio::sync::oneshot::Sender<()>,
}

#[derive(Debug)]
struct Http {
    http: reqwest::Client,
    config: InfoHighwayConfig,
    next_slot: Mutex<Instant>,
}

/// Starts the client's I/O runtime on its own thread; it ends when `stop` is dropped.
fn io_runtime() -> std::io::Result<(tokio::runtime::Handle, tokio::sync::oneshot::Sender<()>)> {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("infohighway-io".into())
        .spawn(move || {
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => {
                    let _ = tx.send(Ok(runtime.handle().clone()));
                    runtime.block_on(async {
                        let _ = stopped.await;
                    });
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                }
            }
        })?;
    let handle = rx
        .recv()
        .map_err(|_| std::io::Error::other("the I/O thread ended at once"))??;
    Ok((handle, stop))
}

fn dotted<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    if let Some(x) = v.get(path) {
        return Some(x);
    }
    path.split('.').try_fold(v, |at, k| at.get(k))
}

fn short(text: &str) -> String {
    let t: String = text.chars().take(300).collect();
    if t.len() < text.len() {
        format!("{t}…")
    } else {
        t
    }
}

/// The reason, if `error` is a TLS failure that retrying cannot fix: the server refused the
/// handshake with an alert about certificates or security parameters, or its certificate was
/// not accepted. (A reset connection or an internal error stays a transient failure.)
fn tls_refusal(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    use rustls::AlertDescription as A;
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return match tls {
                rustls::Error::AlertReceived(
                    alert @ (A::CertificateRequired
                    | A::BadCertificate
                    | A::UnsupportedCertificate
                    | A::CertificateRevoked
                    | A::CertificateExpired
                    | A::CertificateUnknown
                    | A::UnknownCA
                    | A::AccessDenied
                    | A::HandshakeFailure
                    | A::InsufficientSecurity
                    | A::ProtocolVersion),
                ) => Some(format!(
                    "the server refused it with the alert {alert:?} (is the client certificate \
                     in [auth] the one the e-service expects?)"
                )),
                rustls::Error::InvalidCertificate(why) => Some(format!(
                    "the server's certificate is not accepted ({why:?}); is [tls] ca the CA \
                     that issued it?"
                )),
                _ => None,
            };
        }
        // An `io::Error` wrapping another error hides it from `source()`.
        next = match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    None
}

enum Attempt {
    Retry(String, Option<Duration>),
    Fatal(IngestError),
}

impl InfoHighwayClient {
    /// Builds the HTTP client (rustls; the configured CA or the platform's roots; the client
    /// certificate for mutual TLS).
    pub fn new(config: InfoHighwayConfig) -> Result<Self, IngestError> {
        let file = config.file.display().to_string();
        let cfg_err = |key: &str, message: String| {
            IngestError::Config(crate::error::FileError {
                file: file.clone(),
                line: 0,
                column: 0,
                key: Some(key.to_owned()),
                message,
            })
        };
        let mut builder = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .user_agent(config.user_agent.clone())
            .redirect(reqwest::redirect::Policy::none());
        if let Some(ca) = &config.ca {
            let pem = std::fs::read(ca).map_err(|e| IngestError::io(ca, e))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| cfg_err("tls.ca", format!("{}: {e}", ca.display())))?;
            if certs.is_empty() {
                return Err(cfg_err(
                    "tls.ca",
                    format!("{}: no certificate", ca.display()),
                ));
            }
            builder = builder.tls_certs_only(certs);
        }
        if let Auth::Mtls { identity } = &config.auth {
            let pem = std::fs::read(identity).map_err(|e| IngestError::io(identity, e))?;
            let id = reqwest::Identity::from_pem(&pem).map_err(|e| {
                cfg_err(
                    "auth.identity",
                    format!(
                        "{}: not a PEM certificate chain with its private key: {e}",
                        identity.display()
                    ),
                )
            })?;
            builder = builder.identity(id);
        }
        let http = builder
            .build()
            .map_err(|e| cfg_err("tls", format!("cannot build the HTTP client: {e}")))?;
        let (io, stop) = io_runtime().map_err(|e| IngestError::Service {
            url: config.base_url.clone(),
            reason: format!("cannot start the client's I/O thread: {e}"),
        })?;
        Ok(Self {
            inner: Arc::new(Http {
                http,
                config,
                next_slot: Mutex::new(Instant::now()),
            }),
            io,
            _stop: stop,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &InfoHighwayConfig {
        &self.inner.config
    }

    fn backoff(&self, attempt: u32, hint: Option<Duration>) -> Duration {
        let r = &self.inner.config.retry;
        let exp = r
            .initial_backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(r.max_backoff);
        let jittered = exp.mul_f64(rand::thread_rng().gen_range(0.5..=1.0));
        match hint {
            Some(h) => h.min(r.max_backoff).max(jittered),
            None => jittered,
        }
    }

    /// One attempt (rate limit included), on the I/O runtime.
    async fn attempt(&self, url: &str, cursor: Option<&str>) -> Result<Page, Attempt> {
        let (inner, url, cursor) = (
            self.inner.clone(),
            url.to_owned(),
            cursor.map(str::to_owned),
        );
        let task = self.io.spawn(async move {
            inner.pace().await;
            inner.try_fetch(&url, cursor.as_deref()).await
        });
        match task.await {
            Ok(result) => result,
            Err(e) => Err(Attempt::Retry(format!("the request task ended: {e}"), None)),
        }
    }

    /// Fetches one page of `service` from `cursor`, retrying as configured. `notice` hears
    /// about each retry.
    pub async fn fetch_page(
        &self,
        service: &ServiceConfig,
        cursor: Option<&str>,
        notice: &(dyn Fn(String) + Send + Sync),
    ) -> Result<Page, IngestError> {
        let config = &self.inner.config;
        let url = config.feed_url(service);
        let mut last = String::new();
        for attempt in 1..=config.retry.max_attempts {
            match self.attempt(&url, cursor).await {
                Ok(page) => return Ok(page),
                Err(Attempt::Fatal(e)) => return Err(e),
                Err(Attempt::Retry(reason, hint)) => {
                    last = reason;
                    if attempt < config.retry.max_attempts {
                        let wait = self.backoff(attempt, hint);
                        notice(format!(
                            "{url}: {last}; retry {attempt}/{} in {:.1} s",
                            config.retry.max_attempts - 1,
                            wait.as_secs_f64()
                        ));
                        tokio::time::sleep(wait).await;
                    }
                }
            }
        }
        Err(IngestError::Service {
            url,
            reason: format!(
                "still failing after {} attempts: {last}",
                config.retry.max_attempts
            ),
        })
    }
}

impl Http {
    /// Waits for the next request slot of the rate limit.
    async fn pace(&self) {
        let interval = Duration::from_secs_f64(1.0 / self.config.rate_limit);
        let at = {
            let mut next = self.next_slot.lock().await;
            let now = Instant::now();
            let at = (*next).max(now);
            *next = at + interval;
            at
        };
        tokio::time::sleep_until(at).await;
    }

    async fn try_fetch(&self, url: &str, cursor: Option<&str>) -> Result<Page, Attempt> {
        let paging = &self.config.paging;
        let mut full = reqwest::Url::parse(url).map_err(|e| {
            Attempt::Fatal(IngestError::Service {
                url: url.to_owned(),
                reason: format!("not a URL: {e}"),
            })
        })?;
        {
            let mut q = full.query_pairs_mut();
            q.append_pair(&paging.limit_param, &self.config.page_size.to_string());
            if let Some(c) = cursor {
                q.append_pair(&paging.cursor_param, c);
            }
        }
        let mut request = self
            .http
            .get(full)
            .header(reqwest::header::ACCEPT, "application/json");
        for (k, v) in &self.config.headers {
            request = request.header(k.as_str(), v.as_str());
        }
        if let Auth::ApiKey {
            header,
            prefix,
            key,
        } = &self.config.auth
        {
            request = request.header(header.as_str(), format!("{prefix}{key}"));
        }
        let mut response = match request.send().await {
            Ok(r) => r,
            Err(e) if e.is_builder() => {
                return Err(Attempt::Fatal(IngestError::Service {
                    url: url.to_owned(),
                    reason: format!("cannot build the request: {e}"),
                }));
            }
            Err(e) => {
                if let Some(reason) = tls_refusal(&e) {
                    return Err(Attempt::Fatal(IngestError::TlsRefused {
                        url: url.to_owned(),
                        reason,
                    }));
                }
                let what = if e.is_timeout() {
                    "timed out"
                } else {
                    "request failed"
                };
                return Err(Attempt::Retry(format!("{what}: {e}"), None));
            }
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let max = self.config.max_response_bytes;
        if response.content_length().is_some_and(|n| n > max) {
            return Err(Attempt::Fatal(IngestError::Service {
                url: url.to_owned(),
                reason: format!("the response is larger than the limit of {max} bytes"),
            }));
        }
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() as u64 + chunk.len() as u64 > max {
                        return Err(Attempt::Fatal(IngestError::Service {
                            url: url.to_owned(),
                            reason: format!("the response is larger than the limit of {max} bytes"),
                        }));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    let what = if e.is_timeout() {
                        "timed out reading the body"
                    } else {
                        "reading the body failed"
                    };
                    return Err(Attempt::Retry(format!("{what}: {e}"), None));
                }
            }
        }
        let text = || short(&String::from_utf8_lossy(&body));
        match status.as_u16() {
            200..=299 => {}
            401 | 403 => {
                return Err(Attempt::Fatal(IngestError::AuthRefused {
                    url: url.to_owned(),
                    status: status.as_u16(),
                    detail: problem_detail(&body).unwrap_or_else(text),
                }));
            }
            408 | 425 | 429 | 500..=599 => {
                return Err(Attempt::Retry(
                    format!(
                        "HTTP {status}: {}",
                        problem_detail(&body).unwrap_or_else(text)
                    ),
                    retry_after,
                ));
            }
            _ => {
                return Err(Attempt::Fatal(IngestError::Service {
                    url: url.to_owned(),
                    reason: format!(
                        "HTTP {status}: {}",
                        problem_detail(&body).unwrap_or_else(text)
                    ),
                }));
            }
        }
        Page::parse(&body, paging).map_err(|e| Attempt::Retry(e.to_string(), None))
    }
}

fn problem_detail(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    v.get("detail")
        .or_else(|| v.get("message"))
        .or_else(|| v.get("error"))
        .and_then(Value::as_str)
        .map(short)
}

/// How a feed is read.
#[derive(Debug, Clone, Default)]
pub struct FeedOptions {
    /// Keep polling after catching up (every `poll_interval`), until `stop` is set.
    pub follow: bool,
    /// Set to stop at the next page boundary (or during a pause).
    pub stop: Option<Arc<AtomicBool>>,
}

fn stopped(stop: &Option<Arc<AtomicBool>>) -> bool {
    stop.as_ref().is_some_and(|s| s.load(Ordering::SeqCst))
}

/// One service's InfoHighway feed as a [`Source`], from its checkpoint: pages are fetched
/// (the next one while the current one is issued), with retries, and the checkpoint is
/// advanced once a page's records are all acknowledged or reported.
#[derive(Debug)]
pub struct FeedSource {
    client: Arc<InfoHighwayClient>,
    service: ServiceConfig,
    checkpoint: CheckpointFile,
    start: Checkpoint,
    feed: FeedOptions,
    url: String,
}

impl FeedSource {
    /// The feed of `service`, resuming from `checkpoint` (an error when that file is
    /// unreadable or was written for another feed).
    pub fn open(
        client: Arc<InfoHighwayClient>,
        service: &ServiceConfig,
        checkpoint: &CheckpointFile,
        feed: &FeedOptions,
    ) -> Result<Self, IngestError> {
        let url = client.config().feed_url(service);
        let start = checkpoint.load(&url)?;
        Ok(Self {
            client,
            service: service.clone(),
            checkpoint: checkpoint.clone(),
            start,
            feed: feed.clone(),
            url,
        })
    }
}

#[async_trait::async_trait]
impl Source for FeedSource {
    fn label(&self) -> String {
        format!("infohighway {}", self.url)
    }

    fn checkpoint_file(&self) -> Option<CheckpointFile> {
        Some(self.checkpoint.clone())
    }

    async fn read(self: Box<Self>, out: Emitter) {
        let Self {
            client,
            service,
            start,
            feed,
            ..
        } = *self;
        read_feed(client, service, out.mapping, start, feed, out.tx).await;
    }
}

/// Ingests one service's feed: shorthand for [`Ingest`] over a [`FeedSource`].
#[allow(clippy::too_many_arguments)]
pub async fn ingest_feed(
    sink: &dyn Sink,
    client: Arc<InfoHighwayClient>,
    service: &ServiceConfig,
    mapping: Arc<Mapping>,
    checkpoint: &CheckpointFile,
    options: &IngestOptions,
    feed: &FeedOptions,
    progress: &dyn Progress,
) -> Result<Summary, IngestError> {
    let source = FeedSource::open(client, service, checkpoint, feed)?;
    Ingest::new(sink, mapping)
        .options(options)
        .progress(progress)
        .run(source)
        .await
}

async fn read_feed(
    client: Arc<InfoHighwayClient>,
    service: ServiceConfig,
    mapping: Arc<Mapping>,
    mut cp: Checkpoint,
    feed: FeedOptions,
    tx: mpsc::Sender<Item>,
) {
    let notice_tx = tx.clone();
    let notice = move |m: String| {
        let _ = notice_tx.try_send(Item::Notice(m));
    };
    let mut repeats = 0u32;
    let mut done_records: u64 = 0;
    loop {
        if stopped(&feed.stop) {
            return;
        }
        let page = match client
            .fetch_page(&service, cp.cursor.as_deref(), &notice)
            .await
        {
            Ok(p) => p,
            Err(e) => {
                let _ = tx.send(Item::Fatal(e)).await;
                return;
            }
        };
        let page_no = cp.pages + 1;
        let cursor_label = cp.cursor.clone().unwrap_or_else(|| "start".into());
        for (i, record) in page.records.iter().enumerate() {
            let position = format!("page {page_no} (cursor {cursor_label}), item {}", i + 1);
            let item = if record.is_object() {
                map_record(&mapping, position, record)
            } else {
                unreadable(position, "the record is not a JSON object".into())
            };
            if tx.send(item).await.is_err() {
                return;
            }
        }
        done_records += page.records.len() as u64;
        let same_cursor = page.next_cursor.is_some() && page.next_cursor == cp.cursor;
        cp.records += page.records.len() as u64;
        cp.pages = page_no;
        if let Some(next) = &page.next_cursor {
            cp.cursor = Some(next.clone());
        }
        if tx.send(Item::Checkpoint(cp.clone())).await.is_err() {
            return;
        }
        let _ = tx
            .send(Item::Position(Position {
                done: done_records,
                total: page.remaining.map(|r| r + done_records),
                unit: Unit::Records,
            }))
            .await;
        if page.has_more {
            if same_cursor {
                repeats += 1;
                if repeats > client.config().retry.max_attempts {
                    let _ = tx
                        .send(Item::Fatal(IngestError::Service {
                            url: client.config().feed_url(&service),
                            reason: format!(
                                "the service keeps answering cursor {cursor_label} with the same cursor"
                            ),
                        }))
                        .await;
                    return;
                }
            } else {
                repeats = 0;
            }
            continue;
        }
        if !feed.follow {
            return;
        }
        let _ = tx
            .send(Item::Notice(format!(
                "caught up; next poll in {} s",
                client.config().poll_interval.as_secs()
            )))
            .await;
        let until = Instant::now() + client.config().poll_interval;
        while Instant::now() < until {
            if stopped(&feed.stop) || tx.is_closed() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200).min(until - Instant::now())).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_read_with_the_configured_member_names() {
        let paging = Paging::default();
        let page = Page::parse(
            br#"{"records": [{"id": 1}], "nextCursor": 42, "remaining": 7}"#,
            &paging,
        )
        .unwrap();
        assert_eq!(page.records.len(), 1);
        assert_eq!(page.next_cursor.as_deref(), Some("42"));
        assert!(page.has_more, "a cursor and records: more follow");
        assert_eq!(page.remaining, Some(7));

        let dotted = Paging {
            records: "data.items".into(),
            next_cursor: "data.next".into(),
            has_more: "data.more".into(),
            ..Paging::default()
        };
        let page = Page::parse(
            br#"{"data": {"items": [], "next": "", "more": false}}"#,
            &dotted,
        )
        .unwrap();
        assert_eq!(
            (page.records.len(), page.next_cursor, page.has_more),
            (0, None, false)
        );
    }

    #[test]
    fn a_malformed_page_says_what_is_wrong() {
        let paging = Paging::default();
        let cases: [(&[u8], &str); 5] = [
            (b"{\"records\": [", "malformed page (line 1, column 13)"),
            (
                b"{\"records\": [{\"recordId\": \"a\", \"recordId\": \"b\"}]}",
                "malformed page (line 1, column 32): duplicate member name at `/records/0/recordId`",
            ),
            (b"{\"records\": null}", "malformed page: no `records` array"),
            (
                b"{\"records\": {}}",
                "malformed page: `records` is not an array",
            ),
            (
                b"{\"records\": [], \"hasMore\": true}",
                "malformed page: `hasMore` is true but there is no `nextCursor`",
            ),
        ];
        for (body, want) in cases {
            let e = Page::parse(body, &paging).unwrap_err();
            assert!(e.to_string().starts_with(want), "{e}");
        }
    }
}
