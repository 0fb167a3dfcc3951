//! Crash test: a real server process is killed with SIGKILL while clients issue (singles and
//! batches) and revoke. After a restart on the same data directory, every credential a client
//! received is in the registry, every acknowledged revocation holds, no status index is used
//! twice, and the audit chain verifies.
//!
//! The server is this test binary itself, re-run in "child mode" (`crash_child_server` below,
//! which does nothing unless `CIVITAS_CRASH_CHILD_DIR` is set). The same test runs on sled and
//! on PostgreSQL (`CIVITAS_CRASH_CHILD_STORE`: the child's registry URL).

use crate::common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use civitas_issuer::store::StoreLocation;
use civitas_issuer::{DidMethod, Issuer};
use common::{TestServer, birth_item};
use serde_json::json;

const DIR_ENV: &str = "CIVITAS_CRASH_CHILD_DIR";
const PORT_ENV: &str = "CIVITAS_CRASH_CHILD_PORT";
const STORE_ENV: &str = "CIVITAS_CRASH_CHILD_STORE";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_child_server() {
    let (Ok(dir), Ok(port)) = (std::env::var(DIR_ENV), std::env::var(PORT_ENV)) else {
        return; // not in child mode
    };
    let port: u16 = port.parse().unwrap();
    let store = std::env::var(STORE_ENV).ok();
    let server =
        TestServer::restart_adjusted(std::path::Path::new(&dir), port, DidMethod::Web, |c| {
            match store {
                Some(url) => c.store(StoreLocation::parse(&url).unwrap()),
                None => c,
            }
        })
        .await;
    if let Some(t) = &server.token {
        std::fs::write(std::path::Path::new(&dir).join("token.txt"), t).unwrap();
    }
    std::fs::write(std::path::Path::new(&dir).join("ready"), b"1").unwrap();
    // serve until killed
    tokio::time::sleep(Duration::from_secs(600)).await;
}

fn spawn_child(dir: &std::path::Path, port: u16, store: Option<&str>) -> std::process::Child {
    let _ = std::fs::remove_file(dir.join("ready"));
    let mut command = std::process::Command::new(std::env::current_exe().unwrap());
    if let Some(url) = store {
        command.env(STORE_ENV, url);
    }
    command
        .args([
            "--exact",
            "crash::crash_child_server",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(DIR_ENV, dir)
        .env(PORT_ENV, port.to_string())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

async fn wait_ready(dir: &std::path::Path) {
    let started = Instant::now();
    while !dir.join("ready").exists() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the child did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_batch_loses_nothing_acknowledged() {
    kill_mid_batch(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_batch_on_postgres_loses_nothing_acknowledged() {
    let Some(pg) = civitas_testkit::postgres::PgServer::shared() else {
        return;
    };
    kill_mid_batch(Some(pg.database())).await;
}

/// Kills an issuer process (on sled, or on the PostgreSQL database `store`) while clients
/// issue and revoke, opens the registry again and checks what was acknowledged.
async fn kill_mid_batch(store: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = spawn_child(dir.path(), port, store.as_deref());
    wait_ready(dir.path()).await;
    let token = std::fs::read_to_string(dir.path().join("token.txt")).unwrap();
    let cert = std::fs::read(civitas_issuer::http::tls::self_signed_cert_path(dir.path())).unwrap();
    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&cert).unwrap()])
        .build()
        .unwrap();
    let base = format!("https://127.0.0.1:{port}");

    let received: Arc<Mutex<Vec<String>>> = Arc::default();
    let revoked: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut clients = Vec::new();
    for c in 0..4usize {
        let (client, base, token, received) = (
            client.clone(),
            base.clone(),
            token.clone(),
            received.clone(),
        );
        clients.push(tokio::spawn(async move {
            let mut n = c * 1_000_000;
            loop {
                let items: Vec<_> = (n..n + 40).map(birth_item).collect();
                n += 40;
                let Ok(r) = client
                    .post(format!("{base}/credentials/batch"))
                    .bearer_auth(&token)
                    .json(&json!({"items": items}))
                    .send()
                    .await
                else {
                    return;
                };
                let Ok(body) = r.json::<serde_json::Value>().await else {
                    return;
                };
                for x in body["results"].as_array().into_iter().flatten() {
                    if let Some(id) = x["credentialId"].as_str() {
                        received.lock().unwrap().push(id.to_owned());
                    }
                }
            }
        }));
    }
    {
        // one client revokes what the others received
        let (client, base, token, received, revoked) = (
            client.clone(),
            base.clone(),
            token.clone(),
            received.clone(),
            revoked.clone(),
        );
        clients.push(tokio::spawn(async move {
            let mut i = 0;
            loop {
                let id = received.lock().unwrap().get(i).cloned();
                let Some(id) = id else {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                };
                i += 7;
                let Ok(r) = client
                    .post(format!("{base}/credentials/status"))
                    .bearer_auth(&token)
                    .json(&json!({"credentialId": id, "action": "revoke"}))
                    .send()
                    .await
                else {
                    return;
                };
                if r.status() == 200 {
                    revoked.lock().unwrap().push(id);
                } else {
                    return;
                }
            }
        }));
    }
    // let them work, then kill the server mid-batch
    let started = Instant::now();
    while received.lock().unwrap().len() < 400 && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(137)).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    for c in clients {
        let _ = tokio::time::timeout(Duration::from_secs(30), c).await;
    }
    let received = received.lock().unwrap().clone();
    let revoked = revoked.lock().unwrap().clone();
    assert!(
        received.len() >= 400,
        "only {} received before the kill",
        received.len()
    );

    // restart on the same data directory
    let (issuer, _) = Issuer::open(common::config(dir.path(), port, DidMethod::Web))
        .await
        .unwrap();
    for id in &received {
        let (record, text) = issuer
            .credential(id)
            .unwrap()
            .unwrap_or_else(|| panic!("{id} was acknowledged but is not in the registry"));
        assert!(text.is_some());
        assert_eq!(&record.id, id);
    }
    for id in &revoked {
        let (record, _) = issuer.credential(id).unwrap().unwrap();
        assert!(
            record.revoked_at.is_some(),
            "{id}: acknowledged revocation lost"
        );
    }
    let mut records = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = issuer.credentials(after.as_deref(), 1000).unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        records.extend(page);
    }
    assert_eq!(records.len() as u64, issuer.credential_count().unwrap());
    let rev: HashSet<_> = records
        .iter()
        .map(|r| (r.revocation.list_number, r.revocation.index))
        .collect();
    let sus: HashSet<_> = records
        .iter()
        .map(|r| (r.suspension.list_number, r.suspension.index))
        .collect();
    assert_eq!(
        rev.len(),
        records.len(),
        "a revocation index was used twice"
    );
    assert_eq!(
        sus.len(),
        records.len(),
        "a suspension index was used twice"
    );
    let audit = issuer
        .verify_audit()
        .unwrap()
        .expect("the audit chain verifies");
    assert!(audit.entries >= records.len() as u64 + revoked.len() as u64 + 2);
    // the revocations are in the published list
    assert!(issuer.wait_published().await);

    // and the restarted issuer goes on without collisions
    let more = issuer
        .issue_batch(common::birth_requests(5_000_000..5_000_100), "test")
        .await;
    let mut rev = rev;
    for r in more {
        let r = r.unwrap();
        assert!(rev.insert((r.record.revocation.list_number, r.record.revocation.index)));
    }
    eprintln!(
        "crash test: {} credentials and {} revocations acknowledged before SIGKILL, {} in the registry after restart",
        received.len(),
        revoked.len(),
        records.len()
    );
}
