//! Several issuer instances on one PostgreSQL database (SPEC.md §21.9), each with its own HTTPS
//! server, data directory (a copy of the first one's: the key, the TLS certificate,
//! `store.toml`), connections and publisher, as behind a load balancer. Two and three instances
//! issue at once: no status index is handed out twice, every acknowledged credential is in the
//! registry, the audit chain is one chain; a status change made at any instance is served by
//! every instance within 2 seconds.
//!
//! The instance killed with SIGKILL (mid-batch, and the one that publishes) is in `crash.rs`.

use crate::common;

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use civitas_issuer::store::{CredentialRecord, StoreLocation};
use civitas_issuer::{DidMethod, Issuer};
use civitas_status::StatusSize;
use civitas_status::bitstring::Bitstring;
use civitas_testkit::postgres::PgServer;
use common::{TestServer, birth_item, copy_data_dir};
use serde_json::{Value, json};

/// Starts `n` instances of one new issuer on the database at `url`, in `root`; returns them
/// and the admin token.
pub async fn start_instances(url: &str, n: usize, root: &Path) -> (Vec<TestServer>, String) {
    let first_dir = root.join("instance-1");
    let location = StoreLocation::parse(url).unwrap();
    let first = TestServer::start_adjusted(&first_dir, DidMethod::Web, |c| c.store(location)).await;
    let token = first.token.clone().expect("the first run's admin token");
    let base = first.base.clone();
    let mut all = vec![first];
    for i in 2..=n {
        let dir = root.join(format!("instance-{i}"));
        copy_data_dir(&first_dir, &dir);
        // the database comes from the copied store.toml
        all.push(TestServer::start_instance(&dir, &base, |c| c).await);
    }
    (all, token)
}

/// Every record in the registry.
pub fn all_records(issuer: &Issuer) -> Vec<CredentialRecord> {
    let mut out = Vec::new();
    civitas_issuer::store::each_credential(issuer.store().as_ref(), |r| out.push(r)).unwrap();
    out
}

/// Checks that no status position is used twice and that every id of `acknowledged` is in
/// `records`.
pub fn check_registry(records: &[CredentialRecord], acknowledged: &[String]) {
    let mut positions = HashSet::new();
    for r in records {
        for s in [&r.revocation, &r.suspension] {
            assert!(
                positions.insert((s.list.clone(), s.index)),
                "{} index {} handed out twice",
                s.list,
                s.index
            );
        }
    }
    let ids: HashSet<&str> = records.iter().map(|r| r.id.as_str()).collect();
    for id in acknowledged {
        assert!(ids.contains(id.as_str()), "{id} acknowledged but missing");
    }
}

/// The value of entry `index` in the list at `list_url` as `server` serves it (None while it
/// serves none).
pub async fn served_entry(server: &TestServer, list_url: &str, index: u64) -> Option<u8> {
    served_entry_at(&server.client, &server.base, list_url, index).await
}

/// The value of entry `index` in the list at `list_url` as the instance at `base` serves it.
pub async fn served_entry_at(
    client: &reqwest::Client,
    base: &str,
    list_url: &str,
    index: u64,
) -> Option<u8> {
    let path = &list_url[list_url.find("/status/")?..];
    let r = client.get(format!("{base}{path}")).send().await.ok()?;
    if !r.status().is_success() {
        return None;
    }
    let body: Value = r.json().await.ok()?;
    let encoded = body["credentialSubject"]["encodedList"].as_str()?;
    Bitstring::decode(encoded)
        .ok()?
        .get(index, StatusSize::ONE)
        .ok()
}

/// Issues `batches` batches of `size` births through each of `clients_per` clients of every
/// instance at once; returns the acknowledged credential ids with the instance that issued
/// them. Every item must be issued.
async fn issue_everywhere(
    servers: &[TestServer],
    token: &str,
    clients_per: usize,
    batches: usize,
    size: usize,
) -> Vec<(String, usize)> {
    let mut tasks = Vec::new();
    for (i, server) in servers.iter().enumerate() {
        for c in 0..clients_per {
            let (client, url, token) = (
                server.client.clone(),
                server.url("/credentials/batch"),
                token.to_owned(),
            );
            let first = (i * clients_per + c) * 1_000_000;
            tasks.push(tokio::spawn(async move {
                let mut ids = Vec::new();
                for b in 0..batches {
                    let start = first + b * size;
                    let items: Vec<_> = (start..start + size).map(birth_item).collect();
                    let r = client
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&json!({ "items": items }))
                        .send()
                        .await
                        .unwrap();
                    let status = r.status();
                    let body: Value = r.json().await.unwrap();
                    assert!(status.is_success(), "{status}: {body}");
                    for x in body["results"].as_array().unwrap() {
                        let id = x["credentialId"].as_str();
                        assert!(id.is_some(), "an item was not issued: {x}");
                        ids.push((id.unwrap().to_owned(), i));
                    }
                }
                ids
            }));
        }
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all
}

/// Changes the status of `id` at `server` and returns how long it took until every instance
/// serves the changed entry of `list` at `index` (from the request's start).
async fn change_and_see_everywhere(
    servers: &[TestServer],
    at: usize,
    token: &str,
    id: &str,
    action: &str,
    list: &str,
    index: u64,
) -> Duration {
    let started = Instant::now();
    let r = servers[at]
        .client
        .post(servers[at].url("/credentials/status"))
        .bearer_auth(token)
        .json(&json!({"credentialId": id, "action": action}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    for server in servers {
        while served_entry(server, list, index).await != Some(1) {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "instance {} does not serve the change",
                server.base
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    started.elapsed()
}

async fn instances_issue_concurrently(n: usize) {
    let Some(pg) = PgServer::shared() else { return };
    let url = pg.database();
    let root = tempfile::tempdir().unwrap();
    let (servers, token) = start_instances(&url, n, root.path()).await;
    let leaders = servers.iter().filter(|s| s.issuer.publishing()).count();
    assert!(leaders <= 1, "{leaders} instances publish");

    let issued = issue_everywhere(&servers, &token, 2, 5, 20).await;
    assert_eq!(issued.len(), n * 2 * 5 * 20);
    let acknowledged: Vec<String> = issued.iter().map(|(id, _)| id.clone()).collect();
    let unique: HashSet<&String> = acknowledged.iter().collect();
    assert_eq!(unique.len(), acknowledged.len(), "an id was returned twice");
    for server in &servers {
        assert_eq!(
            server.issuer.credential_count().unwrap(),
            acknowledged.len() as u64
        );
    }
    let records = all_records(&servers[0].issuer);
    assert_eq!(records.len(), acknowledged.len());
    check_registry(&records, &acknowledged);
    // one chain: every issuance once, linked across instances
    let report = servers[n - 1]
        .issuer
        .verify_audit()
        .unwrap()
        .expect("the audit chain verifies");
    assert!(report.entries as usize > acknowledged.len(), "{report:?}");

    // a status change at any instance is served by every instance within 2 seconds
    let mut slowest = Duration::ZERO;
    for (k, (id, by)) in issued.iter().step_by(37).take(2 * n).enumerate() {
        let at = (by + 1 + k) % n; // not the instance that issued it
        let (record, _) = servers[at].issuer.credential(id).unwrap().unwrap();
        let (action, entry) = if k % 2 == 0 {
            ("revoke", &record.revocation)
        } else {
            ("suspend", &record.suspension)
        };
        let took =
            change_and_see_everywhere(&servers, at, &token, id, action, &entry.list, entry.index)
                .await;
        slowest = slowest.max(took);
    }
    eprintln!("{n} instances: a status change served everywhere in at most {slowest:?}");
    assert!(slowest < Duration::from_secs(2), "{slowest:?}");
    // a revoked record cannot be suspended at another instance either
    let (id, by) = &issued[0];
    let (record, _) = servers[*by].issuer.credential(id).unwrap().unwrap();
    assert!(record.revoked_at.is_some());
    let other = (by + 1) % n;
    let r = servers[other]
        .client
        .post(servers[other].url("/credentials/status"))
        .bearer_auth(&token)
        .json(&json!({"credentialId": id, "action": "reinstate"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    servers[0]
        .issuer
        .verify_audit()
        .unwrap()
        .expect("the audit chain verifies after the changes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_issue_and_change_status_concurrently() {
    instances_issue_concurrently(2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_issue_and_change_status_concurrently() {
    instances_issue_concurrently(3).await;
}

/// The same source record sent to two instances at once is issued once: the second write
/// finds the index changed and is refused (503, try again), or it finds the first credential
/// (a replay).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_source_record_at_two_instances_is_issued_once() {
    let Some(pg) = PgServer::shared() else { return };
    let url = pg.database();
    let root = tempfile::tempdir().unwrap();
    let (servers, token) = start_instances(&url, 2, root.path()).await;
    for round in 0..10 {
        let body = common::birth_body(&format!("race-{round}"));
        let send = |s: &TestServer| {
            s.client
                .post(s.url("/birth-certificates"))
                .bearer_auth(&token)
                .json(&body)
                .send()
        };
        let (a, b) = tokio::join!(send(&servers[0]), send(&servers[1]));
        let mut ids = HashSet::new();
        for r in [a.unwrap(), b.unwrap()] {
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap();
            match status {
                200 | 201 => {
                    ids.insert(body["credentialId"].as_str().unwrap().to_owned());
                }
                503 => assert!(
                    body["detail"]
                        .as_str()
                        .unwrap()
                        .contains("another issuer instance"),
                    "{body}"
                ),
                other => panic!("{other}: {body}"),
            }
        }
        assert!(ids.len() <= 1, "round {round}: issued twice: {ids:?}");
        let indexed = servers[0]
            .issuer
            .store()
            .by_source(&format!("race-{round}"))
            .unwrap();
        assert_eq!(indexed.iter().collect::<HashSet<_>>().len(), 1);
    }
    let records = all_records(&servers[0].issuer);
    assert_eq!(records.len(), 10, "one credential per source record");
}

/// A key rotated at one instance is followed by the other: it serves the new DID document at
/// once, refuses to issue while it cannot open the new key (503, naming the key file), and
/// signs with it once the sealed key file is in its keys directory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_rotated_at_one_instance_is_followed_by_the_others() {
    let Some(pg) = PgServer::shared() else { return };
    let url = pg.database();
    let root = tempfile::tempdir().unwrap();
    let (servers, token) = start_instances(&url, 2, root.path()).await;
    let r = servers[0]
        .client
        .post(servers[0].url("/keys/rotate"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let rotated: Value = r.json().await.unwrap();
    let method = rotated["key"]["verificationMethod"]
        .as_str()
        .unwrap_or_else(|| panic!("{rotated}"))
        .to_owned();
    let issue_at_second = || async {
        let r = servers[1]
            .client
            .post(servers[1].url("/birth-certificates"))
            .bearer_auth(&token)
            .json(&common::birth_body(&format!(
                "after-rotation-{}",
                rand_suffix()
            )))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json::<Value>().await.unwrap())
    };
    // the second instance serves the new key within LEAD_RETRY and will not sign with the old
    let started = Instant::now();
    loop {
        let doc: Value = servers[1]
            .client
            .get(servers[1].url("/.well-known/did.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if doc.to_string().contains(&method) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "{doc}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, body) = issue_at_second().await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("key-2.json"),
        "{body}"
    );
    // the sealed key file copied: it signs with the new key
    std::fs::copy(
        root.path().join("instance-1/keys/key-2.json"),
        root.path().join("instance-2/keys/key-2.json"),
    )
    .unwrap();
    let started = Instant::now();
    loop {
        let (status, body) = issue_at_second().await;
        if status == 201 {
            let proof = &body["verifiableCredential"]["proof"]["verificationMethod"];
            assert_eq!(proof.as_str(), Some(method.as_str()), "{body}");
            break;
        }
        assert_eq!(status, 503, "{body}");
        assert!(started.elapsed() < Duration::from_secs(10), "{body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}
