//! Back-up and restore of an issuer, on both stores (SPEC.md §21.8): the procedure restores a
//! working issuer on "another machine" (another directory, the original removed, another
//! database) with the same DID, keys, registry, status lists and audit chain.

use crate::common;

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use civitas_issuer::store::{StoreLocation, store_file};
use civitas_issuer::{DidMethod, Issuer};
use civitas_testkit::postgres::PgServer;
use common::birth_requests;

/// `cp -a`: the data directory as a backup tool copies it.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    std::fs::set_permissions(to, std::fs::metadata(from).unwrap().permissions()).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// What a restored issuer must show again.
#[derive(Debug, PartialEq)]
struct Snapshot {
    did: String,
    keys: Vec<String>,
    count: u64,
    revoked: String,
    audit_head: String,
    revocation_list: String,
    used: Vec<(u64, u64)>,
}

/// Issues, revokes, rotates, and returns what the restored issuer must show.
async fn populate(issuer: &Issuer) -> Snapshot {
    let issued: Vec<_> = issuer
        .issue_batch(birth_requests(0..20), "test")
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let revoked = issued[2].credential_id.clone();
    issuer
        .revoke(&revoked, Some("registered twice"), "test")
        .await
        .unwrap();
    issuer.rotate_key("test").await.unwrap();
    assert!(issuer.wait_published().await);
    snapshot(
        issuer,
        &revoked,
        issued.iter().map(|i| i.credential_id.clone()),
    )
}

fn snapshot(issuer: &Issuer, revoked: &str, ids: impl Iterator<Item = String>) -> Snapshot {
    let (record, _) = issuer.credential(revoked).unwrap().unwrap();
    assert!(record.revoked_at.is_some());
    let list = issuer.published_list(&record.revocation.list).unwrap();
    let mut used: Vec<(u64, u64)> = ids
        .map(|id| {
            let (r, text) = issuer.credential(&id).unwrap().unwrap();
            assert!(text.is_some());
            (r.revocation.list_number, r.revocation.index)
        })
        .collect();
    used.sort();
    Snapshot {
        did: issuer.did().to_owned(),
        keys: issuer
            .keys()
            .iter()
            .map(|k| format!("{} {}", k.verification_method, k.public_key_multibase))
            .collect(),
        count: issuer.credential_count().unwrap(),
        revoked: revoked.to_owned(),
        audit_head: format!("{:?}", issuer.store().audit_head().unwrap()),
        // the bits: the list may be signed again (with the rotated key) after a restart
        revocation_list: serde_json::from_str::<serde_json::Value>(&list.body).unwrap()
            ["credentialSubject"]["encodedList"]
            .as_str()
            .unwrap()
            .to_owned(),
        used,
    }
}

/// The restored issuer shows `before`, verifies its chain, and issues with the rotated key
/// without reusing a status position.
async fn check_restored(issuer: &Issuer, before: &Snapshot, ids: Vec<String>) {
    issuer
        .verify_audit()
        .unwrap()
        .expect("the audit chain verifies");
    let after = snapshot(issuer, &before.revoked, ids.into_iter());
    assert_eq!(&after, before);
    let used: HashSet<_> = before.used.iter().copied().collect();
    let more = issuer
        .issue(birth_requests(50..51).remove(0), "test")
        .await
        .unwrap();
    assert!(!used.contains(&(
        more.record.revocation.list_number,
        more.record.revocation.index
    )));
    assert!(more.record.verification_method.ends_with("#key-2"));
}

fn ids(issuer: &Issuer) -> Vec<String> {
    issuer
        .credentials(None, 1000)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sled_issuer_restored_from_a_copy_of_its_data_directory_works_elsewhere() {
    let machine_a = tempfile::tempdir().unwrap();
    let machine_b = tempfile::tempdir().unwrap();
    let (issuer, _) = Issuer::open(common::config(machine_a.path(), 8443, DidMethod::Web))
        .await
        .unwrap();
    let before = populate(&issuer).await;
    let all = ids(&issuer);
    drop(issuer);
    tokio::time::sleep(Duration::from_millis(200)).await;

    // the backup: the stopped issuer's data directory; the first machine is then lost
    let restored = machine_b.path().join("civitas-data");
    copy_dir(machine_a.path(), &restored);
    drop(machine_a);

    let (issuer, opened) = Issuer::open(common::config(&restored, 8443, DidMethod::Web))
        .await
        .unwrap();
    assert!(!opened.initialized);
    check_restored(&issuer, &before, all).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_issuer_restored_from_pg_dump_and_its_data_directory_works_elsewhere() {
    let Some(pg) = PgServer::shared() else { return };
    let url = pg.database();
    let machine_a = tempfile::tempdir().unwrap();
    let machine_b = tempfile::tempdir().unwrap();
    let config = common::config(machine_a.path(), 8443, DidMethod::Web)
        .store(StoreLocation::parse(&url).unwrap());
    let (issuer, _) = Issuer::open(config).await.unwrap();
    let before = populate(&issuer).await;
    let all = ids(&issuer);
    drop(issuer);
    tokio::time::sleep(Duration::from_millis(200)).await;

    // the backup: pg_dump of the database, and the data directory (keys, store.toml, TLS)
    let dump = machine_b.path().join("registry.dump");
    let name = url.rsplit('/').next().unwrap();
    pg.dump(name, &dump);
    let restored = machine_b.path().join("civitas-data");
    copy_dir(machine_a.path(), &restored);
    drop(machine_a);
    pg.psql("postgres", &format!("DROP DATABASE {name} WITH (FORCE)"));

    // restored into another database: the data directory is told where it is now
    let new_url = pg.restore(&dump);
    let config = common::config(&restored, 8443, DidMethod::Web)
        .store(StoreLocation::parse(&new_url).unwrap());
    let (issuer, opened) = Issuer::open(config).await.unwrap();
    assert!(!opened.initialized);
    check_restored(&issuer, &before, all).await;
    let remembered = std::fs::read_to_string(store_file(&restored)).unwrap();
    assert!(remembered.contains(&new_url), "{remembered}");
}
