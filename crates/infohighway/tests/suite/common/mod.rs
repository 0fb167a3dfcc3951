//! Shared test support: an issuer in a temp dir, generated civil-registry records (InfoHighway
//! JSON and CSV rows, with deliberately bad ones at known positions), and a stub InfoHighway
//! e-service (axum on 127.0.0.1) that can misbehave.
#![allow(dead_code)]

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use civitas_issuer::{DidMethod, Issuer, IssuerConfig, PassphraseSource};
use civitas_keys::sealed::KdfParams;
use serde_json::{Value, json};

pub const API_KEY: &str = "ih-test-key-123";

pub fn issuer_config(dir: &Path) -> IssuerConfig {
    IssuerConfig::new(dir, "https://registry.gov.example")
        .did_method(DidMethod::Key)
        .passphrase(PassphraseSource::Value("test passphrase".to_owned().into()))
        .kdf(KdfParams::testing())
}

pub async fn open_issuer(dir: &Path) -> Issuer {
    Issuer::open(issuer_config(dir))
        .await
        .expect("open issuer")
        .0
}

fn day(base: &str, plus: i64) -> chrono::NaiveDate {
    base.parse::<chrono::NaiveDate>().unwrap() + chrono::Duration::days(plus)
}

/// What is wrong with generated record `i` (one in 100 is bad, in five different ways).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flaw {
    None,
    BadDate,
    UnknownSex,
    RegisteredBeforeBirth,
    NoId,
    NotAnObject,
}

pub fn flaw(i: usize) -> Flaw {
    match i % 1000 {
        17 | 517 => Flaw::BadDate,
        271 | 771 => Flaw::UnknownSex,
        503 | 3 => Flaw::RegisteredBeforeBirth,
        777 | 277 => Flaw::NoId,
        901 | 401 => Flaw::NotAnObject,
        _ => Flaw::None,
    }
}

pub fn record_id(i: usize) -> String {
    format!("CSO-B-2024-PW-{i:06}")
}

/// Birth record `i` as the InfoHighway e-service serves it (SPEC.md, "Ingestion").
pub fn ih_record(i: usize, version: u32) -> Value {
    let born = day("2023-01-01", (i % 400) as i64);
    let registered = born + chrono::Duration::days(3);
    let mut r = json!({
        "recordId": record_id(i),
        "version": version,
        "recordType": "BIRTH",
        "lastModified": "2024-03-01T10:15:00Z",
        "registration": {"district": "PW", "year": 2024, "entryNumber": format!("{i:06}"),
                          "office": "Civil Status Office, Rose Hill",
                          "date": registered.to_string(), "registrar": "A. Ramdin"},
        "child": {"surname": format!("Lebon{}", if version > 1 { "-Martin" } else { "" }),
                  "otherNames": {"en": format!("Marie {i}"), "fr": format!("Marie {i}")},
                  "sex": if i.is_multiple_of(2) { 2 } else { 1 },
                  "dateOfBirth": born.to_string(), "timeOfBirth": "14:35",
                  "placeOfBirth": {"institution": "Victoria Hospital", "locality": "Candos", "district": "PW"}},
        "mother": {"surname": "Lebon", "otherNames": {"en": "Anne"}, "nid": format!("L{i:09}M"), "nationality": "MU"},
        "father": {"surname": "Lebon", "otherNames": {"en": "John", "fr": "Jean"}, "nid": format!("L{i:09}F"), "nationality": "MU"}
    });
    match flaw(i) {
        Flaw::None => {}
        Flaw::BadDate => r["child"]["dateOfBirth"] = json!("2023-02-30"),
        Flaw::UnknownSex => r["child"]["sex"] = json!(7),
        Flaw::RegisteredBeforeBirth => {
            r["registration"]["date"] = json!((born - chrono::Duration::days(1)).to_string())
        }
        Flaw::NoId => {
            r.as_object_mut().unwrap().remove("recordId");
        }
        Flaw::NotAnObject => r = json!(format!("garbled record {i}")),
    }
    r
}

/// Birth record `i` as a row of the CSV layout of `mappings/csv-birth.toml`.
pub fn csv_row(i: usize, version: u32) -> String {
    let born = day("2023-01-01", (i % 400) as i64);
    let mut registered = born + chrono::Duration::days(3);
    let mut dob = born.format("%d/%m/%Y").to_string();
    let mut sex = if i.is_multiple_of(2) { "F" } else { "M" }.to_owned();
    let mut entry = format!("{i:06}");
    match flaw(i) {
        Flaw::None => {}
        Flaw::BadDate => dob = "30/02/2023".into(),
        Flaw::UnknownSex => sex = "Q".into(),
        Flaw::RegisteredBeforeBirth => registered = born - chrono::Duration::days(1),
        Flaw::NoId => entry = String::new(),
        Flaw::NotAnObject => return format!("PW,2024,{i:06},garbled"),
    }
    let surname = if version > 1 { "Lebon-Martin" } else { "Lebon" };
    format!(
        "PW,2024,{entry},{version},Marie {i},,{surname},{sex},{dob},14:35,Victoria Hospital,Candos,PW,Anne,Lebon,L{i:09}M,MU,John,Jean,Lebon,L{i:09}F,MU,\"Civil Status Office, Rose Hill\",{},A. Ramdin",
        registered.format("%d/%m/%Y")
    )
}

pub fn write_csv(path: &Path, range: std::ops::Range<usize>) {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(f, "{}", civitas_infohighway::mappings::CSV_BIRTH_HEADER).unwrap();
    for i in range {
        writeln!(f, "{}", csv_row(i, 1)).unwrap();
    }
}

pub fn bad_count(range: std::ops::Range<usize>) -> usize {
    range.filter(|i| flaw(*i) != Flaw::None).count()
}

// ---------------------------------------------------------------------------------------------
// The stub e-service
// ---------------------------------------------------------------------------------------------

/// How the stub misbehaves. Request numbers count every request, from 1.
#[derive(Debug, Default)]
pub struct Behaviour {
    /// Requests answered 500.
    pub fail_500: HashSet<usize>,
    /// Requests answered 503 with `Retry-After: 0`.
    pub fail_503: HashSet<usize>,
    /// Requests that hang for 10 s (longer than the client's 3 s timeout).
    pub hang: HashSet<usize>,
    /// Requests answered with a truncated JSON body.
    pub truncate: HashSet<usize>,
    /// The first request at this offset gets the previous page again, with the same cursor.
    pub duplicate_at: Option<usize>,
    /// Slow every page down (for crash tests).
    pub delay: Duration,
    /// Authenticate by the TLS client certificate only (no API key expected).
    pub no_api_key: bool,
}

#[derive(Clone)]
pub struct Stub {
    pub records: Arc<Mutex<Vec<Value>>>,
    pub behaviour: Arc<Mutex<Behaviour>>,
    pub requests: Arc<AtomicUsize>,
    pub base_url: String,
}

#[derive(serde::Deserialize)]
struct PageQuery {
    cursor: Option<String>,
    limit: Option<usize>,
}

async fn serve_records(
    State(stub): State<Stub>,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    let n = stub.requests.fetch_add(1, Ordering::SeqCst) + 1;
    let no_api_key = stub.behaviour.lock().unwrap().no_api_key;
    if !no_api_key && headers.get("x-api-key").and_then(|v| v.to_str().ok()) != Some(API_KEY) {
        return (
            StatusCode::UNAUTHORIZED,
            [("content-type", "application/problem+json")],
            json!({"type": "about:blank", "title": "Unauthorized", "status": 401,
                   "detail": "unknown API key"})
            .to_string(),
        )
            .into_response();
    }
    let (fail500, fail503, hang, truncate, delay) = {
        let b = stub.behaviour.lock().unwrap();
        (
            b.fail_500.contains(&n),
            b.fail_503.contains(&n),
            b.hang.contains(&n),
            b.truncate.contains(&n),
            b.delay,
        )
    };
    if hang {
        // the client gives up after 3 s
        tokio::time::sleep(Duration::from_secs(10)).await;
        return (StatusCode::GATEWAY_TIMEOUT, "too late").into_response();
    }
    if fail500 {
        return (StatusCode::INTERNAL_SERVER_ERROR, "database unavailable").into_response();
    }
    if fail503 {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [("retry-after", "0")],
            "busy",
        )
            .into_response();
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let offset: usize = match q
        .cursor
        .as_deref()
        .map(|c| c.strip_prefix('o').and_then(|s| s.parse().ok()))
    {
        None => 0,
        Some(Some(o)) => o,
        Some(None) => {
            return (StatusCode::BAD_REQUEST, "unknown cursor").into_response();
        }
    };
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let all = stub.records.lock().unwrap().clone();
    let duplicate = {
        let mut b = stub.behaviour.lock().unwrap();
        if !truncate && b.duplicate_at == Some(offset) && offset >= limit {
            b.duplicate_at = None;
            true
        } else {
            false
        }
    };
    let (start, next) = if duplicate {
        (offset - limit, offset)
    } else {
        let end = (offset + limit).min(all.len());
        (offset, end)
    };
    let end = (start + limit).min(all.len());
    let page: Vec<Value> = all[start.min(all.len())..end].to_vec();
    let body = json!({
        "records": page,
        "nextCursor": format!("o{next}"),
        "hasMore": next < all.len(),
        "remaining": all.len().saturating_sub(next),
    })
    .to_string();
    if truncate {
        let cut = body.len() / 2;
        return (
            [("content-type", "application/json")],
            body[..cut].to_owned(),
        )
            .into_response();
    }
    ([("content-type", "application/json")], body).into_response()
}

/// Runs a server on its own thread and runtime (so that it answers promptly however busy the
/// test's runtime is with issuing), on a free port of 127.0.0.1; returns the port.
fn spawn_server<F, Fut>(serve: F) -> u16
where
    F: FnOnce(tokio::net::TcpListener) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap().port()).unwrap();
            serve(listener).await;
        });
    });
    rx.recv().unwrap()
}

impl Stub {
    fn new(records: Vec<Value>, behaviour: Behaviour, base_url: String) -> Self {
        Stub {
            records: Arc::new(Mutex::new(records)),
            behaviour: Arc::new(Mutex::new(behaviour)),
            requests: Arc::new(AtomicUsize::new(0)),
            base_url,
        }
    }

    fn router(&self) -> axum::Router {
        axum::Router::new()
            .route("/api/services/{service}/records", get(serve_records))
            .with_state(self.clone())
    }

    /// Starts the stub on a free port of 127.0.0.1 with `records` (plain HTTP).
    pub async fn start(records: Vec<Value>, behaviour: Behaviour) -> Self {
        let mut stub = Stub::new(records, behaviour, String::new());
        let app = stub.router();
        let port = spawn_server(move |listener| async move {
            let _ = axum::serve(listener, app).await;
        });
        stub.base_url = format!("http://127.0.0.1:{port}/api");
        stub
    }

    /// Starts the stub over HTTPS with `tls` (which may require client certificates).
    pub async fn start_tls(
        records: Vec<Value>,
        behaviour: Behaviour,
        tls: Arc<rustls::ServerConfig>,
    ) -> Self {
        use hyper_util::rt::{TokioExecutor, TokioIo};
        use hyper_util::service::TowerToHyperService;
        let mut stub = Stub::new(records, behaviour, String::new());
        let app = stub.router();
        let acceptor = tokio_rustls::TlsAcceptor::from(tls);
        let port = spawn_server(move |listener| async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (acceptor, app) = (acceptor.clone(), app.clone());
                tokio::spawn(async move {
                    // a refused client certificate ends the connection here
                    let Ok(tls_stream) = acceptor.accept(stream).await else {
                        return;
                    };
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tls_stream), TowerToHyperService::new(app))
                        .await;
                });
            }
        });
        stub.base_url = format!("https://127.0.0.1:{port}/api");
        stub
    }

    pub fn push(&self, record: Value) {
        self.records.lock().unwrap().push(record);
    }
}

/// An InfoHighway configuration for `base_url`, writing the mapping next to it.
pub fn ih_config(dir: &Path, base_url: &str, key: &str, page_size: usize) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("infohighway-birth.toml"),
        civitas_infohighway::mappings::INFOHIGHWAY_BIRTH,
    )
    .unwrap();
    std::fs::write(dir.join("api-key"), key).unwrap();
    let config = format!(
        r#"format = 1
base_url = "{base_url}"
page_size = {page_size}
timeout_secs = 3.0
connect_timeout_secs = 3.0
rate_limit = 1000.0
poll_interval_secs = 0.2

[auth]
type = "api-key"
header = "X-API-Key"
key_file = "api-key"

[retry]
max_attempts = 4
initial_backoff_ms = 10
max_backoff_ms = 100

[services.birth]
service = "CSO.BirthRecords"
mapping = "infohighway-birth.toml"
"#
    );
    let path = dir.join("infohighway.toml");
    std::fs::write(&path, config).unwrap();
    path
}

/// Every credential record of the registry.
pub fn all_records(issuer: &Issuer) -> Vec<civitas_issuer::store::CredentialRecord> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = issuer.credentials(after.as_deref(), 1000).unwrap();
        if page.is_empty() {
            return out;
        }
        after = page.last().map(|r| r.id.clone());
        out.extend(page);
    }
}
