//! Crash test: a real server process is killed with SIGKILL while clients issue (singles and
//! batches) and revoke. After a restart on the same data directory, every credential a client
//! received is in the registry, every acknowledged revocation holds, no status index is used
//! twice, and the audit chain verifies.
//!
//! The server is this test binary itself, re-run in "child mode" (`crash_child_server` below,
//! which does nothing unless `CIVITAS_CRASH_CHILD_DIR` is set). The same test runs on sled and
//! on PostgreSQL (`CIVITAS_CRASH_CHILD_STORE`: the child's registry URL). On PostgreSQL, two
//! instances also run as two processes sharing one database, and the one that publishes the
//! status lists is killed mid-batch: the other takes publishing over within seconds
//! (`CIVITAS_CRASH_CHILD_BASE`: the public base URL the instances share).

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
const BASE_ENV: &str = "CIVITAS_CRASH_CHILD_BASE";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_child_server() {
    let (Ok(dir), Ok(port)) = (std::env::var(DIR_ENV), std::env::var(PORT_ENV)) else {
        return; // not in child mode
    };
    let port: u16 = port.parse().unwrap();
    let store = std::env::var(STORE_ENV).ok();
    let base = std::env::var(BASE_ENV).ok();
    let server =
        TestServer::restart_adjusted(std::path::Path::new(&dir), port, DidMethod::Web, |c| {
            let mut c = match store {
                Some(url) => c.store(StoreLocation::parse(&url).unwrap()),
                None => c,
            };
            if let Some(base) = base {
                c.base_url = base;
            }
            c
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
    spawn_instance(dir, port, store, None)
}

/// A child serving the registry `store` from `dir` on `port`, under the public base URL
/// `base` (default: its own address).
fn spawn_instance(
    dir: &std::path::Path,
    port: u16,
    store: Option<&str>,
    base: Option<&str>,
) -> std::process::Child {
    let _ = std::fs::remove_file(dir.join("ready"));
    let mut command = std::process::Command::new(std::env::current_exe().unwrap());
    if let Some(url) = store {
        command.env(STORE_ENV, url);
    }
    if let Some(base) = base {
        command.env(BASE_ENV, base);
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
        let url = format!("{base}/credentials/batch");
        clients.push(tokio::spawn(async move {
            issue_batches(&client, &url, &token, c * 1_000_000, None, |id| {
                received.lock().unwrap().push(id);
            })
            .await;
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
    let records = crate::instances::all_records(&issuer);
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

/// Posts batches of 40 births to `url` (numbered from `first`) until a request fails or `stop`
/// is set, handing every credential id received to `received`.
async fn issue_batches(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    first: usize,
    stop: Option<&std::sync::atomic::AtomicBool>,
    mut received: impl FnMut(String),
) {
    let mut n = first;
    while !stop.is_some_and(|s| s.load(std::sync::atomic::Ordering::SeqCst)) {
        let items: Vec<_> = (n..n + 40).map(birth_item).collect();
        n += 40;
        let Ok(r) = client
            .post(url)
            .bearer_auth(token)
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
                received(id.to_owned());
            }
        }
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Two issuer processes on one PostgreSQL database; clients issue at both; the instance that
/// publishes the status lists is killed with SIGKILL mid-batch. The other takes the publisher
/// lease: a revocation it acknowledges after the kill is served within seconds. Nothing either
/// acknowledged is lost, no index was used twice, the audit chain is one chain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_of_the_publishing_instance_hands_publishing_over() {
    let Some(pg) = civitas_testkit::postgres::PgServer::shared() else {
        return;
    };
    let url = pg.database();
    let root = tempfile::tempdir().unwrap();
    let dirs = [root.path().join("a"), root.path().join("b")];
    let ports = [free_port(), free_port()];
    let base = format!("https://127.0.0.1:{}", ports[0]);
    std::fs::create_dir_all(&dirs[0]).unwrap();
    let first = spawn_instance(&dirs[0], ports[0], Some(&url), None);
    wait_ready(&dirs[0]).await;
    common::copy_data_dir(&dirs[0], &dirs[1]);
    let second = spawn_instance(&dirs[1], ports[1], Some(&url), Some(&base));
    wait_ready(&dirs[1]).await;
    let mut children = [first, second];
    let token = std::fs::read_to_string(dirs[0].join("token.txt")).unwrap();
    let cert = std::fs::read(civitas_issuer::http::tls::self_signed_cert_path(&dirs[0])).unwrap();
    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&cert).unwrap()])
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let bases = ports.map(|p| format!("https://127.0.0.1:{p}"));

    // the one that publishes
    let publishing = |i: usize| {
        let (client, url) = (client.clone(), format!("{}/healthz", bases[i]));
        async move {
            let r = client.get(url).send().await.ok()?;
            r.json::<serde_json::Value>().await.ok()?["publisher"].as_bool()
        }
    };
    let started = Instant::now();
    let leader = loop {
        match (publishing(0).await, publishing(1).await) {
            (Some(true), Some(false)) => break 0,
            (Some(false), Some(true)) => break 1,
            _ => {}
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no single publisher"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let survivor = 1 - leader;

    let received: Arc<Mutex<Vec<(String, usize)>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    for c in 0..4usize {
        let at = c % 2;
        let (client, url, token, received, stop) = (
            client.clone(),
            format!("{}/credentials/batch", bases[at]),
            token.clone(),
            received.clone(),
            stop.clone(),
        );
        clients.push(tokio::spawn(async move {
            issue_batches(&client, &url, &token, c * 1_000_000, Some(&stop), |id| {
                received.lock().unwrap().push((id, at));
            })
            .await;
        }));
    }
    let started = Instant::now();
    while received.lock().unwrap().len() < 400 && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(137)).await;
    children[leader].kill().unwrap(); // SIGKILL, mid-batch
    children[leader].wait().unwrap();
    let killed = Instant::now();

    // the survivor revokes a credential the killed instance issued; its list is served with
    // the change once the survivor has taken publishing over
    let victim = received
        .lock()
        .unwrap()
        .iter()
        .find(|(_, at)| *at == leader)
        .map(|(id, _)| id.clone())
        .expect("the killed instance issued something");
    let r = client
        .post(format!("{}/credentials/status", bases[survivor]))
        .bearer_auth(&token)
        .json(&json!({"credentialId": victim, "action": "revoke"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let record: serde_json::Value = client
        .get(format!("{}/credentials/{victim}", bases[survivor]))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list = record["record"]["revocation"]["list"].as_str().unwrap();
    let index = record["record"]["revocation"]["index"].as_u64().unwrap();
    loop {
        let served =
            crate::instances::served_entry_at(&client, &bases[survivor], list, index).await;
        if served == Some(1) {
            break;
        }
        assert!(
            killed.elapsed() < Duration::from_secs(15),
            "publishing was not taken over"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let handover = killed.elapsed();
    assert_eq!(publishing(survivor).await, Some(true));
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for c in clients {
        let _ = tokio::time::timeout(Duration::from_secs(30), c).await;
    }
    children[survivor].kill().unwrap();
    children[survivor].wait().unwrap();

    // what both acknowledged is there, once
    let received: Vec<String> = received
        .lock()
        .unwrap()
        .iter()
        .map(|(id, _)| id.clone())
        .collect();
    let mut config = common::config(&dirs[survivor], ports[survivor], DidMethod::Web);
    config.base_url = base.clone();
    let (issuer, _) = Issuer::open(config).await.unwrap();
    let records = crate::instances::all_records(&issuer);
    crate::instances::check_registry(&records, &received);
    assert_eq!(records.len() as u64, issuer.credential_count().unwrap());
    let (victim_record, _) = issuer.credential(&victim).unwrap().unwrap();
    assert!(victim_record.revoked_at.is_some());
    issuer
        .verify_audit()
        .unwrap()
        .expect("the audit chain verifies");
    eprintln!(
        "publisher killed: {} credentials acknowledged by two instances; a revocation made after the kill was served by the other instance {handover:?} after it",
        received.len()
    );
    assert!(handover < Duration::from_secs(10), "{handover:?}");
}
