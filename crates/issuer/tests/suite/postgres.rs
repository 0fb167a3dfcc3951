//! The registry in PostgreSQL (SPEC.md §21), against a real server: `initdb` into a temporary
//! directory and `postgres` on 127.0.0.1 (civitas-testkit's `PgServer`). Without PostgreSQL
//! these tests say loudly that they were skipped; under `CI=true` that is a failure.
//!
//! The crash test of an issuer process killed mid-batch on PostgreSQL is in `crash.rs`, beside
//! the same test on sled.

use crate::common;

use std::collections::HashSet;
use std::time::Duration;

use civitas_issuer::error::StoreError;
use civitas_issuer::store::{
    PgStore, RegistryStore, SledStore, StoreLocation, copy_registry, store_file,
};
use civitas_issuer::{Action, DidMethod, Issuer, IssuerError};
use civitas_status::StatusPurpose;
use civitas_testkit::postgres::PgServer;
use common::{TestServer, birth_body, birth_requests};

fn database_name(url: &str) -> &str {
    url.rsplit('/').next().unwrap()
}

fn location(url: &str) -> StoreLocation {
    StoreLocation::parse(url).unwrap()
}

/// Every record the registry holds, read through the store trait, as comparable text.
fn everything(store: &dyn RegistryStore) -> Vec<String> {
    let mut out = vec![format!("{:?}", store.meta().unwrap())];
    let mut after: Option<String> = None;
    loop {
        let page = store.credentials(after.as_deref(), 7).unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        for r in page {
            out.push(format!("{r:?}"));
            out.push(format!("{:?}", store.credential_text(&r.id).unwrap()));
            if let Some(source) = &r.source_record_id {
                out.push(format!("{source} → {:?}", store.by_source(source).unwrap()));
                out.push(format!(
                    "{source} v{:?}",
                    store.source_version(source).unwrap()
                ));
            }
        }
    }
    out.push(format!("count {}", store.credential_count().unwrap()));
    for list in store.status_lists().unwrap() {
        out.push(format!("{:?}", serde_json::to_string(&list).unwrap()));
        out.push(format!("{:?}", store.published(list.url()).unwrap()));
    }
    for purpose in StatusPurpose::ALL {
        out.push(format!(
            "{:?}",
            store
                .allocator_state(purpose)
                .unwrap()
                .map(|s| serde_json::to_string(&s).unwrap())
        ));
    }
    out.extend(
        store
            .audit(0, 10_000)
            .unwrap()
            .iter()
            .map(|e| format!("{e:?}")),
    );
    out.push(format!("{:?}", store.audit_head().unwrap()));
    out.extend(store.keys().unwrap().iter().map(|k| format!("{k:?}")));
    out.extend(store.tokens().unwrap().iter().map(|t| format!("{t:?}")));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_issuer_on_postgres_issues_revokes_and_reopens_from_its_data_directory() {
    let Some(pg) = PgServer::shared() else { return };
    let url = pg.database();
    let dir = tempfile::tempdir().unwrap();
    let config = common::config(dir.path(), 8443, DidMethod::Web).store(location(&url));
    let (issuer, opened) = Issuer::open(config).await.unwrap();
    assert!(opened.initialized);
    let issued: Vec<_> = issuer
        .issue_batch(birth_requests(0..40), "test")
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    // the same source record again: the registry answers with what it issued
    let again = issuer
        .issue(birth_requests(5..6).remove(0), "test")
        .await
        .unwrap();
    assert_eq!(again.credential_id, issued[5].credential_id);
    issuer
        .revoke(&issued[3].credential_id, Some("registered twice"), "test")
        .await
        .unwrap();
    issuer
        .suspend(&issued[4].credential_id, Some("under review"), "test")
        .await
        .unwrap();
    assert!(issuer.wait_published().await);
    let db = database_name(&url);
    assert_eq!(
        pg.psql(db, "SELECT count(*) FROM civitas_credentials"),
        "40"
    );
    assert_eq!(
        pg.psql(db, "SELECT count(*) FROM civitas_credential_texts"),
        "40"
    );
    assert_eq!(pg.psql(db, "SELECT max(version) FROM civitas_schema"), "2");
    let published = pg.psql(db, "SELECT count(*) FROM civitas_published_lists");
    assert!(published.parse::<u32>().unwrap() >= 2, "{published}");
    // the data directory remembers the database, and holds no sled registry
    let remembered = std::fs::read_to_string(store_file(dir.path())).unwrap();
    assert!(remembered.contains(&url), "{remembered}");
    assert!(!dir.path().join("registry").exists());
    drop(issuer);

    // opened again from the data directory alone
    let config = Issuer::config_of(dir.path()).unwrap();
    assert_eq!(config.store, location(&url));
    let (issuer, opened) = Issuer::open(common::config(dir.path(), 8443, DidMethod::Web))
        .await
        .unwrap();
    assert!(!opened.initialized);
    assert_eq!(issuer.credential_count().unwrap(), 40);
    let (revoked, _) = issuer
        .credential(&issued[3].credential_id)
        .unwrap()
        .unwrap();
    assert!(revoked.revoked_at.is_some());
    let (suspended, _) = issuer
        .credential(&issued[4].credential_id)
        .unwrap()
        .unwrap();
    assert!(suspended.suspended);
    let report = issuer
        .verify_audit()
        .unwrap()
        .expect("the audit chain verifies");
    assert!(report.entries >= 43, "{report:?}");
    let list = issuer
        .store()
        .status_lists()
        .unwrap()
        .into_iter()
        .find(|l| l.url() == revoked.revocation.list)
        .unwrap();
    assert_eq!(list.get(revoked.revocation.index).unwrap(), 1);
    // and goes on issuing, without reusing an index
    let mut used: HashSet<_> = issued
        .iter()
        .map(|i| (i.record.revocation.list_number, i.record.revocation.index))
        .collect();
    for more in issuer.issue_batch(birth_requests(100..120), "test").await {
        let r = more.unwrap().record;
        assert!(used.insert((r.revocation.list_number, r.revocation.index)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_instances_open_one_database_and_no_password_is_shown() {
    let Some(pg) = PgServer::shared() else { return };
    let url = pg.database();
    let first = PgStore::connect(&url).unwrap();
    // trust authentication ignores the password: it is only there to be kept out of messages
    let with_password = url.replacen("postgres@", "postgres:s3cret-pw@", 1);
    let second = PgStore::connect(&with_password).unwrap();
    assert!(first.shared() && second.shared());
    assert!(!second.url().contains("s3cret"), "{}", second.url());
    assert!(!format!("{second:?}").contains("s3cret"));
    assert_eq!(second.credential_count().unwrap(), 0);
    drop((first, second));

    // nothing listens there: a clear error naming the URL without its password
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let e = PgStore::connect(&format!(
        "postgres://civitas:s3cret-pw@127.0.0.1:{port}/nowhere"
    ))
    .unwrap_err();
    assert!(
        matches!(&e, IssuerError::Store(StoreError::Connect { .. })),
        "{e:?}"
    );
    let message = e.to_string();
    assert!(
        message.contains("cannot reach the registry database"),
        "{message}"
    );
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    assert!(!message.contains("s3cret"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_migrated_by_a_newer_civitas_is_refused() {
    let Some(pg) = PgServer::shared() else { return };
    let url = pg.database();
    drop(PgStore::connect(&url).unwrap());
    pg.psql(
        database_name(&url),
        "INSERT INTO civitas_schema (version) VALUES (99)",
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    let e = PgStore::connect(&url).unwrap_err();
    assert!(
        matches!(
            &e,
            IssuerError::Store(StoreError::SchemaTooNew { found: 99, .. })
        ),
        "{e:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sled_registry_moves_to_postgres_intact() {
    let Some(pg) = PgServer::shared() else { return };
    let url = pg.database();
    let dir = tempfile::tempdir().unwrap();
    let config = common::config(dir.path(), 8443, DidMethod::Web);
    let (issuer, _) = Issuer::open(config.clone()).await.unwrap();
    let issued: Vec<_> = issuer
        .issue_batch(birth_requests(0..30), "test")
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    issuer
        .revoke(&issued[1].credential_id, None, "test")
        .await
        .unwrap();
    issuer
        .create_token("clerk", &[Action::Issue], "test")
        .await
        .unwrap();
    issuer.rotate_key("test").await.unwrap();
    issuer
        .record_source_versions(&[("src-7".to_owned(), "20240102".to_owned())])
        .await
        .ok();
    assert!(issuer.wait_published().await);
    drop(issuer);
    tokio::time::sleep(Duration::from_millis(200)).await;

    let sled = SledStore::open(&dir.path().join("registry")).unwrap();
    let postgres = PgStore::connect(&url).unwrap();
    let report = copy_registry(&sled, &postgres).unwrap();
    assert_eq!(report.credentials, 30);
    assert_eq!(everything(&sled), everything(&postgres));
    drop(postgres);
    drop(sled);

    // the issuer opens on the copy with its own keys, and goes on where it was
    let (issuer, opened) = Issuer::open(config.store(location(&url))).await.unwrap();
    assert!(!opened.initialized);
    assert_eq!(issuer.keys().len(), 2);
    issuer
        .verify_audit()
        .unwrap()
        .expect("the audit chain verifies");
    let used: HashSet<_> = issued
        .iter()
        .map(|i| (i.record.revocation.list_number, i.record.revocation.index))
        .collect();
    let more = issuer
        .issue(birth_requests(40..41).remove(0), "test")
        .await
        .unwrap();
    assert!(!used.contains(&(
        more.record.revocation.list_number,
        more.record.revocation.index
    )));
    assert!(more.record.verification_method.ends_with("#key-2"));
}

/// The database crashes under load (`pg_ctl stop -m immediate`): requests in flight fail with
/// 503, never with a wrong answer; nothing acknowledged is lost; once the database is back,
/// the same issuer process serves again (and after a restart too).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_crash_under_load_answers_503_and_loses_nothing_acknowledged() {
    let Some(mut pg) = PgServer::start() else {
        return;
    };
    let url = pg.database();
    let dir = tempfile::tempdir().unwrap();
    let server =
        TestServer::start_adjusted(dir.path(), DidMethod::Web, |c| c.store(location(&url))).await;
    let token = server.token.clone().unwrap();
    let (port, base, client) = (server.port, server.base.clone(), server.client.clone());
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let statuses = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u16>::new()));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut load = Vec::new();
    for c in 0..3usize {
        let (client, base, token, acknowledged, statuses, stop) = (
            client.clone(),
            base.clone(),
            token.clone(),
            acknowledged.clone(),
            statuses.clone(),
            stop.clone(),
        );
        load.push(tokio::spawn(async move {
            let mut n = 1_000_000 * (c + 1);
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                n += 1;
                let Ok(r) = client
                    .post(format!("{base}/birth-certificates"))
                    .bearer_auth(&token)
                    .json(&birth_body(&format!("load-{n}")))
                    .send()
                    .await
                else {
                    continue;
                };
                let status = r.status().as_u16();
                statuses.lock().unwrap().push(status);
                if status == 500 {
                    let body = r.text().await.unwrap_or_default();
                    panic!("500 while the database was down: {body}");
                }
                if status == 201 || status == 200 {
                    let body: serde_json::Value = r.json().await.unwrap();
                    let id = body["credentialId"].as_str().unwrap().to_owned();
                    acknowledged.lock().unwrap().push(id);
                }
            }
        }));
    }
    let started = std::time::Instant::now();
    while acknowledged.lock().unwrap().len() < 30 && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    pg.crash();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for l in load {
        l.await.unwrap();
    }
    let seen: HashSet<u16> = statuses.lock().unwrap().iter().copied().collect();
    assert!(
        seen.iter().all(|s| [200, 201, 503].contains(s)),
        "unexpected statuses: {seen:?}"
    );
    assert!(
        seen.contains(&503),
        "no request failed while the database was down: {seen:?}"
    );
    // while the database is down, a lookup says so too
    let r = client
        .get(format!(
            "{base}/credentials/{}",
            acknowledged.lock().unwrap()[0]
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);

    pg.start_again();
    // the same process serves again once the database is back: no restart
    let started = std::time::Instant::now();
    loop {
        let r = client
            .post(format!("{base}/birth-certificates"))
            .bearer_auth(&token)
            .json(&birth_body("after-the-database-came-back"))
            .send()
            .await
            .unwrap();
        if r.status() == 201 {
            break;
        }
        assert_eq!(r.status(), 503);
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the issuer did not recover"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(server);
    let server = TestServer::restart(dir.path(), port, DidMethod::Web).await;
    let acknowledged = acknowledged.lock().unwrap().clone();
    for id in &acknowledged {
        assert!(
            server.issuer.credential(id).unwrap().is_some(),
            "{id} was acknowledged but is not in the registry"
        );
    }
    server
        .issuer
        .verify_audit()
        .unwrap()
        .expect("the audit chain verifies");
    let r = server
        .client
        .post(format!("{}/birth-certificates", server.base))
        .bearer_auth(&token)
        .json(&birth_body("after-the-crash"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
}
