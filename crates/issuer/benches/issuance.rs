//! Durable issuance throughput, registry on disk (sled in a temp dir), Ed25519 eddsa-rdfc-2022:
//!
//! ```text
//! cargo bench -p civitas-issuer --bench issuance            # all figures
//! cargo bench -p civitas-issuer --bench issuance -- quick   # fewer rounds
//! ```
//!
//! Prints the median of several rounds for: one client issuing one credential at a time
//! (library and HTTPS), 8 concurrent clients (library and HTTPS), and the batch path (one
//! request of 1,000 records: parallel signing, one flush).

use std::time::{Duration, Instant};

use civitas_core::model::{DocumentType, sample};
use civitas_issuer::{DidMethod, Document, IssueRequest, Issuer, IssuerConfig, PassphraseSource};
use civitas_keys::sealed::KdfParams;
use serde_json::{Value, json};

fn record(n: usize) -> Value {
    let kind = DocumentType::named("BirthCertificate").expect("bundled");
    let mut rec = sample(&kind).unwrap_or_default();
    if let Some(known) = kind.profile() {
        known.profile.set_holder(&mut rec, None);
    }
    rec["registration"]["registrationNumber"] = json!(format!("PW/B/2024/{n:07}"));
    rec["givenName"] = json!(format!("Marie-{n}"));
    rec
}

fn request(n: usize) -> IssueRequest {
    let doc = Document::parse(
        DocumentType::named("BirthCertificate").expect("bundled"),
        &record(n),
    )
    .expect("sample record");
    IssueRequest::new(doc).source(&format!("bench-{n}"))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

async fn open(dir: &std::path::Path, port: u16) -> Issuer {
    let config = IssuerConfig::new(dir, &format!("https://127.0.0.1:{port}"))
        .did_method(DidMethod::Web)
        .passphrase(PassphraseSource::Value("bench".to_owned().into()))
        .kdf(KdfParams::testing());
    Issuer::open(config).await.expect("open").0
}

/// `clients` tasks each issuing `per_client` one by one; returns credentials per second.
async fn library_clients(issuer: &Issuer, clients: usize, per_client: usize, offset: usize) -> f64 {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let issuer = issuer.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..per_client {
                issuer
                    .issue(request(offset + c * per_client + i), "bench")
                    .await
                    .expect("issue");
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    (clients * per_client) as f64 / started.elapsed().as_secs_f64()
}

async fn http_clients(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    clients: usize,
    per_client: usize,
    offset: usize,
) -> f64 {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (client, base, token) = (client.clone(), base.to_owned(), token.to_owned());
        tasks.push(tokio::spawn(async move {
            for i in 0..per_client {
                let n = offset + c * per_client + i;
                let mut body = record(n);
                body["sourceRecordId"] = json!(format!("bench-{n}"));
                let r = client
                    .post(format!("{base}/birth-certificates"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .expect("request");
                assert_eq!(r.status(), 201);
                let _ = r.bytes().await;
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    (clients * per_client) as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    let rounds = if quick { 3 } else { 5 };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let issuer = open(dir.path(), port).await;
        let token = issuer
            .create_token("bench", &[civitas_issuer::Action::Issue], "bench")
            .await
            .expect("token");
        let tls = civitas_issuer::http::tls::server_config(issuer.config()).expect("tls");
        let served = issuer.clone();
        tokio::spawn(civitas_issuer::http::serve(served, listener, tls, std::future::pending()));
        let cert = std::fs::read(civitas_issuer::http::tls::self_signed_cert_path(dir.path()))
            .expect("cert");
        let client = reqwest::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_pem(&cert).expect("pem")])
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client");
        let base = format!("https://127.0.0.1:{port}");
        println!(
            "durable issuance, birth certificates, eddsa-rdfc-2022, sled on disk, {} cores; median of {rounds} rounds",
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );
        let mut offset = 0;
        // warm-up
        library_clients(&issuer, 2, 50, offset).await;
        offset += 100;

        let run = |label: &'static str, figures: Vec<f64>| {
            println!("{label:<48} {:>8.0} credentials/s", median(figures));
        };
        let mut f = Vec::new();
        for _ in 0..rounds {
            f.push(library_clients(&issuer, 1, 200, offset).await);
            offset += 200;
        }
        run("library, 1 client, one at a time", f);
        let mut f = Vec::new();
        for _ in 0..rounds {
            f.push(library_clients(&issuer, 8, 100, offset).await);
            offset += 800;
        }
        run("library, 8 concurrent clients, one at a time", f);
        let mut f = Vec::new();
        for _ in 0..rounds {
            f.push(http_clients(&client, &base, &token, 1, 200, offset).await);
            offset += 200;
        }
        run("HTTPS POST /birth-certificates, 1 client", f);
        let mut f = Vec::new();
        for _ in 0..rounds {
            f.push(http_clients(&client, &base, &token, 8, 100, offset).await);
            offset += 800;
        }
        run("HTTPS POST /birth-certificates, 8 clients", f);
        let mut f = Vec::new();
        for _ in 0..rounds {
            let requests: Vec<IssueRequest> = (offset..offset + 1000).map(request).collect();
            offset += 1000;
            let started = Instant::now();
            let results = issuer.issue_batch(requests, "bench").await;
            let secs = started.elapsed().as_secs_f64();
            assert!(results.iter().all(Result::is_ok));
            f.push(1000.0 / secs);
        }
        run("library batch of 1,000 (parallel sign, 1 flush)", f);
        // the same through HTTPS
        let mut f = Vec::new();
        for _ in 0..rounds {
            let items: Vec<Value> = (offset..offset + 1000)
                .map(|n| json!({"type": "BirthCertificate", "sourceRecordId": format!("bench-{n}"), "record": record(n)}))
                .collect();
            offset += 1000;
            let started = Instant::now();
            let r = client
                .post(format!("{base}/credentials/batch"))
                .bearer_auth(&token)
                .json(&json!({"items": items}))
                .send()
                .await
                .expect("batch");
            let body: Value = r.json().await.expect("json");
            let secs = started.elapsed().as_secs_f64();
            assert_eq!(body["issued"], 1000);
            f.push(1000.0 / secs);
        }
        run("HTTPS POST /credentials/batch of 1,000", f);
        println!("registry: {} credentials", issuer.credential_count().unwrap_or(0));
    });
}
