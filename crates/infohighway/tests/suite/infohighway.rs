//! The InfoHighway feed end to end against a stub e-service (axum on 127.0.0.1) that
//! misbehaves: 500s, a 503 with Retry-After, a request that hangs past the timeout, a truncated
//! page, a duplicated page, malformed records, a record corrected between two polls, an old
//! version served again, and refused credentials.

use crate::common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use civitas_infohighway::report::read_report;
use civitas_infohighway::{
    CheckpointFile, Counts, FeedOptions, InfoHighwayClient, InfoHighwayConfig, IngestError,
    IngestOptions, Mapping, NoProgress, Position, Progress, ingest_feed,
};
use common::*;

struct Feed {
    client: Arc<InfoHighwayClient>,
    mapping: Arc<Mapping>,
    checkpoint: CheckpointFile,
    service: civitas_infohighway::ServiceConfig,
}

fn feed(
    config_dir: &std::path::Path,
    data: &std::path::Path,
    base: &str,
    key: &str,
    page: usize,
) -> Feed {
    let path = ih_config(config_dir, base, key, page);
    let config = InfoHighwayConfig::from_file(&path).unwrap();
    let service = config.service("birth").unwrap().clone();
    let mapping = Arc::new(Mapping::from_file(&service.mapping).unwrap());
    let checkpoint = CheckpointFile::new(config.checkpoint_path(&service, data));
    Feed {
        client: Arc::new(InfoHighwayClient::new(config).unwrap()),
        mapping,
        checkpoint,
        service,
    }
}

impl Feed {
    /// Reads the feed once, from its checkpoint, into `issuer`.
    async fn run(
        &self,
        issuer: &civitas_issuer::Issuer,
        options: &IngestOptions,
        progress: &dyn Progress,
    ) -> Result<civitas_infohighway::Summary, IngestError> {
        ingest_feed(
            issuer,
            self.client.clone(),
            &self.service,
            self.mapping.clone(),
            &self.checkpoint,
            options,
            &FeedOptions::default(),
            progress,
        )
        .await
    }
}

/// Keeps the notices (retries) of a run.
#[derive(Default)]
struct Notices(Mutex<Vec<String>>);

impl Progress for Notices {
    fn update(&self, _: &Counts, _: Option<Position>) {}
    fn notice(&self, message: &str) {
        self.0.lock().unwrap().push(message.to_owned());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_of_10000_births_through_misbehaviour() {
    const N: usize = 10_000;
    const PAGE: usize = 500;
    let records: Vec<_> = (0..N).map(|i| ih_record(i, 1)).collect();
    let behaviour = Behaviour {
        fail_500: HashSet::from([2, 3]),
        fail_503: HashSet::from([6]),
        hang: HashSet::from([9]),
        truncate: HashSet::from([12]),
        duplicate_at: Some(3 * PAGE),
        ..Behaviour::default()
    };
    let stub = Stub::start(records, behaviour).await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("issuer");
    let issuer = open_issuer(&data).await;
    let f = feed(
        &dir.path().join("conf"),
        &data,
        &stub.base_url,
        API_KEY,
        PAGE,
    );
    let report = dir.path().join("report.json");
    let options = IngestOptions::for_data_dir(&data).report(&report);

    let started = std::time::Instant::now();
    let notices = Notices::default();
    let s = f.run(&issuer, &options, &notices).await.unwrap();
    let notices = notices.0.into_inner().unwrap();
    eprintln!(
        "feed: {N} records in {:.1} s ({} requests)",
        started.elapsed().as_secs_f64(),
        stub.requests.load(std::sync::atomic::Ordering::SeqCst)
    );
    for n in &notices {
        eprintln!("  {n}");
    }
    // every misbehaviour was retried, and said so
    for (what, times) in [
        ("HTTP 500 Internal Server Error: database unavailable", 2),
        ("HTTP 503 Service Unavailable: busy", 1),
        ("timed out", 1),
        ("malformed page", 1),
    ] {
        assert!(
            notices.iter().filter(|n| n.contains(what)).count() >= times,
            "{what}: {notices:#?}"
        );
    }
    let bad = bad_count(0..N);
    let dup_good = (2 * PAGE..3 * PAGE)
        .filter(|i| flaw(*i) == Flaw::None)
        .count();
    let dup_bad = PAGE - dup_good;
    let c = s.counts;
    assert_eq!(c.read, (N + PAGE) as u64, "{c:?}");
    assert_eq!(c.issued, (N - bad) as u64, "{c:?}");
    assert_eq!(
        c.replayed, dup_good as u64,
        "the duplicated page replays: {c:?}"
    );
    assert_eq!(c.rejected, (bad + dup_bad) as u64, "{c:?}");
    assert_eq!(issuer.credential_count().unwrap(), (N - bad) as u64);
    let cp = s.checkpoint.clone().unwrap();
    assert_eq!(cp.cursor.as_deref(), Some(format!("o{N}").as_str()));
    assert_eq!(f.checkpoint.load(&cp.feed).unwrap(), cp);

    let r = read_report(&report).unwrap();
    let rejected = r["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), bad + dup_bad);
    let ids: HashSet<&str> = rejected
        .iter()
        .filter_map(|e| e["recordId"].as_str())
        .collect();
    for i in 0..N {
        let expect_listed = matches!(
            flaw(i),
            Flaw::BadDate | Flaw::UnknownSex | Flaw::RegisteredBeforeBirth
        );
        assert_eq!(
            ids.contains(record_id(i).as_str()),
            expect_listed,
            "record {i}"
        );
    }
    let kinds = |field: &str| rejected.iter().filter(|e| e["field"] == field).count();
    let per_kind = |f: Flaw| {
        (0..N).filter(|i| flaw(*i) == f).count()
            + (2 * PAGE..3 * PAGE).filter(|i| flaw(*i) == f).count()
    };
    assert_eq!(kinds("birthDate"), per_kind(Flaw::BadDate));
    assert_eq!(kinds("sex"), per_kind(Flaw::UnknownSex));
    assert_eq!(
        kinds("registration.registrationDate"),
        per_kind(Flaw::RegisteredBeforeBirth)
    );
    assert_eq!(kinds("sourceRecordId"), per_kind(Flaw::NoId));
    assert!(
        rejected
            .iter()
            .filter(|e| e["field"] == "record")
            .all(|e| e["reason"] == "the record is not a JSON object" && e["stage"] == "parse")
    );
    assert_eq!(kinds("record"), per_kind(Flaw::NotAnObject));
    let sex = rejected.iter().find(|e| e["field"] == "sex").unwrap();
    assert_eq!(sex["sourceField"], "child.sex");
    assert!(
        sex["position"].as_str().unwrap().starts_with("page "),
        "{sex}"
    );

    // between two polls: record 42 is corrected (version 2), a new record arrives, and an old
    // version of record 43 is served again (out of order)
    let old = all_records(&issuer)
        .into_iter()
        .find(|r| r.source_record_id.as_deref() == Some(record_id(42).as_str()))
        .unwrap();
    stub.push(ih_record(42, 2));
    stub.push(ih_record(N, 1));
    stub.push(ih_record(44, 2));
    stub.push(ih_record(44, 1));
    let s2 = f.run(&issuer, &options, &NoProgress).await.unwrap();
    let c = s2.counts;
    assert_eq!(
        (c.read, c.superseded, c.issued, c.stale, c.rejected),
        (4, 2, 1, 1, 0),
        "{c:?}"
    );
    let (old_now, _) = issuer.credential(&old.id).unwrap().unwrap();
    assert!(
        old_now.revoked_at.is_some(),
        "the superseded credential is revoked"
    );
    assert!(old_now.superseded_by.is_some());
    assert_eq!(issuer.credential_count().unwrap(), (N - bad + 3) as u64);
    let r = read_report(&report).unwrap();
    assert_eq!(r["stale"][0]["recordId"], record_id(44));

    // nothing new: an empty poll
    let s3 = f.run(&issuer, &options, &NoProgress).await.unwrap();
    assert_eq!(s3.counts.read, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_credentials_stop_at_once() {
    let stub = Stub::start(
        (0..10).map(|i| ih_record(i, 1)).collect(),
        Behaviour::default(),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("issuer");
    let issuer = open_issuer(&data).await;
    let f = feed(
        &dir.path().join("conf"),
        &data,
        &stub.base_url,
        "wrong-key",
        5,
    );
    let report = dir.path().join("report.json");
    let options = IngestOptions::for_data_dir(&data).report(&report);
    let e = f.run(&issuer, &options, &NoProgress).await.unwrap_err();
    assert!(
        matches!(e, IngestError::AuthRefused { status: 401, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("unknown API key"), "{e}");
    assert!(e.is_input());
    assert_eq!(
        stub.requests.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "no retry on 401"
    );
    assert!(!f.checkpoint.path().exists());
    assert_eq!(issuer.credential_count().unwrap(), 0);
    let r = read_report(&report).unwrap();
    assert_eq!(r["complete"], false);
    assert!(r["error"].as_str().unwrap().contains("access refused"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_that_keeps_failing_stops_after_the_retries() {
    let stub = Stub::start(
        (0..10).map(|i| ih_record(i, 1)).collect(),
        Behaviour {
            fail_500: (3..100).collect(),
            ..Behaviour::default()
        },
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("issuer");
    let issuer = open_issuer(&data).await;
    let f = feed(&dir.path().join("conf"), &data, &stub.base_url, API_KEY, 4);
    let options = IngestOptions::for_data_dir(&data);
    let e = f.run(&issuer, &options, &NoProgress).await.unwrap_err();
    assert!(
        e.to_string()
            .contains("still failing after 4 attempts: HTTP 500"),
        "{e}"
    );
    // pages 1 and 2 were read and issued before the failures: the checkpoint says so
    assert_eq!(
        stub.requests.load(std::sync::atomic::Ordering::SeqCst),
        2 + 4
    );
    let cp = f
        .checkpoint
        .load(&f.client.config().feed_url(&f.service))
        .unwrap();
    assert_eq!((cp.cursor.as_deref(), cp.pages), (Some("o8"), 2));
    // 0..8 minus record 3 (registered before birth)
    assert_eq!(issuer.credential_count().unwrap(), 7);
}
