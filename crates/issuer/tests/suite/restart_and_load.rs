//! Restart on the same data directory, and 8 concurrent clients issuing 10,000 credentials.

use crate::common;

use std::collections::HashSet;
use std::time::Instant;

use civitas_issuer::DidMethod;
use common::{TestServer, birth_body, birth_item};
use serde_json::{Value, json};

/// (list number, index) pairs.
type Slots = HashSet<(u64, u64)>;

fn indices(records: &[civitas_issuer::store::CredentialRecord]) -> (Slots, Slots) {
    let rev = records
        .iter()
        .map(|r| (r.revocation.list_number, r.revocation.index))
        .collect();
    let sus = records
        .iter()
        .map(|r| (r.suspension.list_number, r.suspension.index))
        .collect();
    (rev, sus)
}

fn all_records(server: &TestServer) -> Vec<civitas_issuer::store::CredentialRecord> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = server.issuer.credentials(after.as_deref(), 1000).unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        out.extend(page);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_keeps_identity_keys_and_registry_and_never_reuses_an_index() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), DidMethod::Web).await;
    let token = server.token().to_owned();
    let did = server.issuer.did().to_owned();
    let keys = server.issuer.keys();
    let (s, body) = server
        .post(
            "/credentials/batch",
            &json!({"items": (0..70).map(birth_item).collect::<Vec<_>>()}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(body["issued"], 70);
    let (s, first) = server
        .post("/birth-certificates", &birth_body("keep-1"))
        .await;
    assert_eq!(s, 201);
    let port = server.port;
    let before = all_records(&server);
    let list_before: Value = server
        .get("/status/revocation/1")
        .await
        .json()
        .await
        .unwrap();
    server.stop().await;

    let mut server = TestServer::restart(dir.path(), port, DidMethod::Web).await;
    assert!(server.token.is_none(), "no new admin token on a restart");
    server.token = Some(token);
    assert_eq!(server.issuer.did(), did);
    assert_eq!(server.issuer.keys(), keys);
    assert_eq!(server.issuer.credential_count().unwrap(), 71);
    // the same credential is still listed and replayed
    let (s, again) = server
        .post("/birth-certificates", &birth_body("keep-1"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(again["credentialId"], first["credentialId"]);
    let r = server
        .client
        .get(server.url(&format!(
            "/credentials/{}",
            first["credentialId"].as_str().unwrap()
        )))
        .bearer_auth(server.token())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // the published list survived
    let list_after: Value = server
        .get("/status/revocation/1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list_after, list_before);
    // new indices never collide with old ones
    let (s, body) = server
        .post(
            "/credentials/batch",
            &json!({"items": (100..200).map(birth_item).collect::<Vec<_>>()}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(body["issued"], 100);
    let after = all_records(&server);
    assert_eq!(after.len(), 171);
    let (rev, sus) = indices(&after);
    assert_eq!(rev.len(), 171, "revocation indices are distinct");
    assert_eq!(sus.len(), 171, "suspension indices are distinct");
    let (old_rev, _) = indices(&before);
    assert!(old_rev.is_subset(&rev));
    assert!(server.issuer.verify_audit().unwrap().is_ok());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_concurrent_clients_issue_ten_thousand_credentials() {
    const CLIENTS: usize = 8;
    const PER_CLIENT: usize = 1250; // 10,000 in all
    const SINGLES: usize = 50; // per client, the rest in batches of 100
    let dir = tempfile::tempdir().unwrap();
    let server = std::sync::Arc::new(TestServer::start(dir.path(), DidMethod::Web).await);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let server = server.clone();
        tasks.push(tokio::spawn(async move {
            let base = c * PER_CLIENT;
            let mut ids = Vec::new();
            for n in base..base + SINGLES {
                let item = birth_item(n);
                let mut body = item["record"].clone();
                body["sourceRecordId"] = item["sourceRecordId"].clone();
                let (s, r) = server.post("/birth-certificates", &body).await;
                assert_eq!(s, 201, "{r}");
                ids.push(r["credentialId"].as_str().unwrap().to_owned());
            }
            let mut n = base + SINGLES;
            while n < base + PER_CLIENT {
                let end = (n + 100).min(base + PER_CLIENT);
                let (s, r) = server
                    .post(
                        "/credentials/batch",
                        &json!({"items": (n..end).map(birth_item).collect::<Vec<_>>()}),
                    )
                    .await;
                assert_eq!(s, 200);
                assert_eq!(r["issued"], end - n, "{}", r["results"][0]);
                for x in r["results"].as_array().unwrap() {
                    ids.push(x["credentialId"].as_str().unwrap().to_owned());
                }
                n = end;
            }
            ids
        }));
    }
    let mut ids = HashSet::new();
    for t in tasks {
        ids.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed();
    eprintln!("8 clients, 10,000 credentials over HTTPS: {elapsed:?}");
    assert_eq!(ids.len(), CLIENTS * PER_CLIENT);
    assert_eq!(server.issuer.credential_count().unwrap(), 10_000);
    let records = all_records(&server);
    assert_eq!(records.len(), 10_000);
    let (rev, sus) = indices(&records);
    assert_eq!(rev.len(), 10_000, "revocation indices are distinct");
    assert_eq!(sus.len(), 10_000, "suspension indices are distinct");
    assert!(records.iter().all(|r| ids.contains(&r.id)));
    let audit = server.issuer.verify_audit().unwrap().unwrap();
    assert_eq!(audit.entries, 10_002);
}
