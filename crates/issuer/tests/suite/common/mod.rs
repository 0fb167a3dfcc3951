//! A real issuer on 127.0.0.1 over HTTPS (self-signed certificate from the data directory) and
//! a reqwest client that trusts exactly that certificate.
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use civitas_core::verify::DocumentCheck;
use civitas_issuer::http::tls;
use civitas_issuer::{DidMethod, Issuer, IssuerConfig, PassphraseSource};
use civitas_jsonld::contexts::ContextLoader;
use civitas_keys::did::ControllerDocument;
use civitas_keys::resolver::OfflineResolver;
use civitas_keys::sealed::KdfParams;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub const PASSPHRASE: &str = "test passphrase";

pub fn config(dir: &Path, port: u16, method: DidMethod) -> IssuerConfig {
    IssuerConfig::new(dir, &format!("https://127.0.0.1:{port}"))
        .did_method(method)
        .passphrase(PassphraseSource::Value(PASSPHRASE.to_owned().into()))
        .kdf(KdfParams::testing())
}

pub struct TestServer {
    pub issuer: Issuer,
    pub base: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub token: Option<String>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestServer {
    /// Starts on a free port (first run: `token` is the admin token).
    pub async fn start(dir: &Path, method: DidMethod) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        Self::start_with(dir, listener, port, method).await
    }

    /// Starts again on `port` (a restart).
    pub async fn restart(dir: &Path, port: u16, method: DidMethod) -> Self {
        Self::restart_adjusted(dir, port, method, |c| c).await
    }

    /// Starts again on `port` with the configuration `adjust` makes of the default one.
    pub async fn restart_adjusted(
        dir: &Path,
        port: u16,
        method: DidMethod,
        adjust: impl FnOnce(IssuerConfig) -> IssuerConfig,
    ) -> Self {
        let mut tries = 0;
        let listener = loop {
            match TcpListener::bind(("127.0.0.1", port)).await {
                Ok(l) => break l,
                Err(e) if tries < 50 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("rebinding {port}: {e}"),
            }
        };
        Self::start_configured(dir, listener, adjust(config(dir, port, method))).await
    }

    async fn start_with(dir: &Path, listener: TcpListener, port: u16, method: DidMethod) -> Self {
        Self::start_configured(dir, listener, config(dir, port, method)).await
    }

    /// Starts another instance of an issuer on a free port: its data directory `dir` (a copy
    /// of the first instance's, see [`copy_data_dir`]), the public base URL `base_url` that all
    /// instances share, and the configuration `adjust` makes of the default one.
    pub async fn start_instance(
        dir: &Path,
        base_url: &str,
        adjust: impl FnOnce(IssuerConfig) -> IssuerConfig,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut config = config(dir, 0, DidMethod::Web);
        config.base_url = base_url.to_owned();
        Self::start_configured(dir, listener, adjust(config)).await
    }

    /// Starts on a free port with the configuration `adjust` makes of the default one.
    pub async fn start_adjusted(
        dir: &Path,
        method: DidMethod,
        adjust: impl FnOnce(IssuerConfig) -> IssuerConfig,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        Self::start_configured(dir, listener, adjust(config(dir, port, method))).await
    }

    async fn start_configured(dir: &Path, listener: TcpListener, config: IssuerConfig) -> Self {
        let port = listener.local_addr().unwrap().port();
        let tls_config = tls::server_config(&config).unwrap();
        // the registry may still be held by a server shutting down
        let mut tries = 0;
        let (issuer, opened) = loop {
            match Issuer::open(config.clone()).await {
                Ok(x) => break x,
                Err(e) if tries < 50 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("opening the issuer: {e}"),
            }
        };
        let (tx, rx) = oneshot::channel::<()>();
        let served = issuer.clone();
        let task = tokio::spawn(async move {
            civitas_issuer::http::serve(served, listener, tls_config, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        let cert = std::fs::read(tls::self_signed_cert_path(dir)).unwrap();
        let client = reqwest::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_pem(&cert).unwrap()])
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap();
        Self {
            issuer,
            base: format!("https://127.0.0.1:{port}"),
            port,
            client,
            token: opened.admin_token,
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn token(&self) -> &str {
        self.token.as_deref().expect("first run token")
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.post_as(path, body, Some(self.token())).await
    }

    pub async fn post_as(&self, path: &str, body: &Value, token: Option<&str>) -> (u16, Value) {
        let mut req = self.client.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// Stops serving and closes the registry.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }

    /// A checker trusting this issuer's DID document (as served).
    pub async fn checker(&self) -> DocumentCheck {
        let r = self.get("/.well-known/did.json").await;
        if r.status() != 200 {
            return DocumentCheck::default();
        }
        let doc: ControllerDocument = r.json().await.unwrap();
        DocumentCheck::new(ContextLoader::bundled(), OfflineResolver::new().with(doc))
    }
}

/// A birth record request body with a source record id.
/// Copies the data directory of an instance to `to`, for another instance.
pub fn copy_data_dir(from: &Path, to: &Path) {
    civitas_testkit::postgres::copy_data_dir(from, to).unwrap();
}

pub fn birth_body(source: &str) -> Value {
    let mut v = civitas_testkit::samples::birth_record();
    v["sourceRecordId"] = json!(source);
    v
}

/// A birth record with a distinct registration number (and name), as a batch item.
pub fn birth_item(n: usize) -> Value {
    let mut rec = civitas_testkit::samples::birth_record();
    rec["registration"]["registrationNumber"] = json!(format!("PW/B/2024/{n:06}"));
    rec["givenName"] = json!(format!("Marie-{n}"));
    json!({"type": "BirthCertificate", "sourceRecordId": format!("src-{n}"), "record": rec})
}

/// `birth_item`s `range` as library requests (each with its source record id).
pub fn birth_requests(range: std::ops::Range<usize>) -> Vec<civitas_issuer::IssueRequest> {
    range
        .map(|n| {
            let item = birth_item(n);
            civitas_issuer::IssueRequest::new(
                civitas_issuer::Document::parse(
                    civitas_testkit::samples::kind("BirthCertificate"),
                    &item["record"],
                )
                .unwrap(),
            )
            .source(item["sourceRecordId"].as_str().unwrap())
        })
        .collect()
}

pub fn marriage_body(source: &str) -> Value {
    let mut v = civitas_testkit::samples::marriage_record();
    v["sourceRecordId"] = json!(source);
    v
}

/// A trust-less checker that resolves `issuer`'s DID from its own controller document.
pub fn checker_for(issuer: &Issuer) -> DocumentCheck {
    DocumentCheck::new(
        ContextLoader::bundled(),
        OfflineResolver::new().with(issuer.did_document().unwrap()),
    )
}

/// The sample birth record (no holder) as a document to issue.
pub fn birth_document() -> civitas_issuer::Document {
    civitas_issuer::Document::new(
        civitas_testkit::samples::kind("BirthCertificate"),
        civitas_testkit::samples::birth_record(),
    )
    .unwrap()
}

/// The sample marriage record (no holder) as a document to issue.
pub fn marriage_document() -> civitas_issuer::Document {
    civitas_issuer::Document::new(
        civitas_testkit::samples::kind("MarriageCertificate"),
        civitas_testkit::samples::marriage_record(),
    )
    .unwrap()
}
