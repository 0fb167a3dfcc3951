//! Crash test: a real ingestion process is killed with SIGKILL in the middle of a feed, then
//! ingestion runs again on the same data directory. The registry ends with exactly one
//! credential per good record (nothing lost, nothing issued twice, nothing superseded), the
//! second run resumed from the checkpoint (it did not re-read the feed from the start), and the
//! audit chain verifies.
//!
//! The same for a CSV export, which has no checkpoint: the second run reads the file again,
//! every credential acknowledged before the kill is in the registry and replays, the rest is
//! issued, nothing twice.
//!
//! The ingesting process is this test binary re-run in "child mode" (`crash_child_ingest`,
//! `crash_child_ingest_file`, which do nothing unless `CIVITAS_INGEST_CHILD_DIR` is set).

use crate::common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use civitas_infohighway::{
    CheckpointFile, Counts, FeedOptions, FileFormat, InfoHighwayClient, InfoHighwayConfig,
    IngestOptions, Mapping, NoProgress, Position, Progress, ingest_feed, ingest_file, mappings,
};
use common::*;

const DIR_ENV: &str = "CIVITAS_INGEST_CHILD_DIR";
const URL_ENV: &str = "CIVITAS_INGEST_CHILD_URL";
const FILE_ENV: &str = "CIVITAS_INGEST_CHILD_FILE";
const N: usize = 3_000;
const PAGE: usize = 100;

async fn run_ingestion(
    dir: &std::path::Path,
    url: &str,
) -> (civitas_issuer::Issuer, civitas_infohighway::Summary) {
    let data = dir.join("issuer");
    let issuer = open_issuer(&data).await;
    let path = ih_config(&dir.join("conf"), url, API_KEY, PAGE);
    let config = InfoHighwayConfig::from_file(&path).unwrap();
    let service = config.service("birth").unwrap().clone();
    let mapping = Arc::new(Mapping::from_file(&service.mapping).unwrap());
    let checkpoint = CheckpointFile::new(config.checkpoint_path(&service, &data));
    let client = Arc::new(InfoHighwayClient::new(config).unwrap());
    let options = IngestOptions::for_data_dir(&data).batch_size(100);
    let summary = ingest_feed(
        &issuer,
        client,
        &service,
        mapping,
        &checkpoint,
        &options,
        &FeedOptions::default(),
        &NoProgress,
    )
    .await
    .unwrap();
    (issuer, summary)
}

/// Runs `child_test` of this test binary in a child process with `envs`, waits until
/// `progress` (polled every 20 ms) gives a value, then kills the child with SIGKILL.
async fn kill_when<T>(
    child_test: &str,
    envs: &[(&str, &std::ffi::OsStr)],
    progress: impl Fn() -> Option<T>,
) -> T {
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", child_test, "--nocapture", "--test-threads=1"])
        .envs(envs.iter().copied())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let value = loop {
        // a guard against a child that hangs, not a speed requirement
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the child made no progress"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the child ended before it was killed"
        );
        if let Some(v) = progress() {
            break v;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    value
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_child_ingest() {
    let (Ok(dir), Ok(url)) = (std::env::var(DIR_ENV), std::env::var(URL_ENV)) else {
        return; // not in child mode
    };
    run_ingestion(std::path::Path::new(&dir), &url).await;
    std::fs::write(std::path::Path::new(&dir).join("child-finished"), b"1").unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_feed_then_resume_without_duplicates() {
    let records: Vec<_> = (0..N).map(|i| ih_record(i, 1)).collect();
    let stub = Stub::start(
        records,
        Behaviour {
            delay: Duration::from_millis(60),
            ..Behaviour::default()
        },
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    // wait until the child has checkpointed a few pages, then kill it (SIGKILL)
    let checkpoint_path = dir.path().join("issuer/ingest/checkpoints/birth.json");
    let pages_at_kill = kill_when(
        "crash::crash_child_ingest",
        &[
            (DIR_ENV, dir.path().as_os_str()),
            (URL_ENV, stub.base_url.as_ref()),
        ],
        || {
            let text = std::fs::read_to_string(&checkpoint_path).ok()?;
            let v = serde_json::from_str::<serde_json::Value>(&text).ok()?;
            v["pages"].as_u64().filter(|p| *p >= 6)
        },
    )
    .await;
    assert!(!dir.path().join("child-finished").exists());
    let requests_before = stub.requests.load(std::sync::atomic::Ordering::SeqCst);
    let cp: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&checkpoint_path).unwrap()).unwrap();
    let resumed_from = cp["pages"].as_u64().unwrap();
    assert!(resumed_from >= pages_at_kill);

    // run again, in this process, on the same data directory
    let (issuer, s) = run_ingestion(dir.path(), &stub.base_url).await;
    let requests_after = stub.requests.load(std::sync::atomic::Ordering::SeqCst) - requests_before;
    assert_eq!(
        requests_after as u64,
        (N / PAGE) as u64 - resumed_from,
        "the second run resumed from the checkpoint"
    );
    assert_eq!(s.counts.read, (N as u64) - resumed_from * PAGE as u64);
    assert_eq!(s.counts.superseded, 0);

    // compare the registry with what the feed holds
    let records = all_records(&issuer);
    let expected: HashSet<String> = (0..N)
        .filter(|i| flaw(*i) == Flaw::None)
        .map(record_id)
        .collect();
    let ids: Vec<String> = records
        .iter()
        .map(|r| r.source_record_id.clone().unwrap())
        .collect();
    let distinct: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(ids.len(), distinct.len(), "a record was issued twice");
    assert_eq!(
        distinct, expected,
        "the registry holds exactly the good records"
    );
    assert!(
        records
            .iter()
            .all(|r| r.revoked_at.is_none() && r.superseded_by.is_none())
    );
    assert!(issuer.verify_audit().unwrap().is_ok());
    eprintln!(
        "crash test: killed after {pages_at_kill} checkpointed pages, resumed from page {resumed_from}: {} issued before the kill, {} issued and {} replayed after",
        N - bad_count(0..N) - s.counts.issued as usize,
        s.counts.issued,
        s.counts.replayed
    );
}

/// Writes the number of credentials acknowledged so far to a file (the parent watches it).
struct AcknowledgedFile(std::path::PathBuf);

impl Progress for AcknowledgedFile {
    fn update(&self, counts: &Counts, _: Option<Position>) {
        let _ = std::fs::write(&self.0, counts.issued.to_string());
    }
}

async fn ingest_csv(
    issuer: &dyn civitas_infohighway::Sink,
    data: &std::path::Path,
    csv: &std::path::Path,
    progress: &dyn Progress,
) -> civitas_infohighway::Summary {
    let mapping = Arc::new(Mapping::parse("csv-birth.toml", mappings::CSV_BIRTH).unwrap());
    let options = IngestOptions::for_data_dir(data).batch_size(100);
    ingest_file(issuer, csv, FileFormat::Csv, mapping, &options, progress)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_child_ingest_file() {
    let (Ok(dir), Ok(csv)) = (std::env::var(DIR_ENV), std::env::var(FILE_ENV)) else {
        return; // not in child mode
    };
    let dir = std::path::Path::new(&dir);
    let issuer = open_issuer(&dir.join("issuer")).await;
    let progress = AcknowledgedFile(dir.join("acknowledged"));
    ingest_csv(
        &issuer,
        &dir.join("issuer"),
        std::path::Path::new(&csv),
        &progress,
    )
    .await;
    std::fs::write(dir.join("child-finished"), b"1").unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_export_then_again_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("births.csv");
    write_csv(&csv, 0..N);
    let acknowledged_path = dir.path().join("acknowledged");
    let acknowledged = kill_when(
        "crash::crash_child_ingest_file",
        &[
            (DIR_ENV, dir.path().as_os_str()),
            (FILE_ENV, csv.as_os_str()),
        ],
        || {
            let n = std::fs::read_to_string(&acknowledged_path)
                .ok()?
                .parse::<u64>()
                .ok()?;
            (n >= 500).then_some(n)
        },
    )
    .await;
    assert!(!dir.path().join("child-finished").exists());

    let data = dir.path().join("issuer");
    let issuer = open_issuer(&data).await;
    let before = issuer.credential_count().unwrap();
    assert!(
        before >= acknowledged,
        "acknowledged {acknowledged}, registry {before}"
    );
    let s = ingest_csv(&issuer, &data, &csv, &NoProgress).await;
    let good = (N - bad_count(0..N)) as u64;
    assert_eq!(
        s.counts.replayed, before,
        "everything issued before the kill replays"
    );
    assert_eq!(s.counts.issued, good - before);
    assert_eq!(s.counts.superseded, 0);

    let ids: Vec<String> = all_records(&issuer)
        .into_iter()
        .map(|r| r.source_record_id.unwrap())
        .collect();
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), distinct.len(), "a record was issued twice");
    assert_eq!(ids.len() as u64, good);
    assert!(issuer.verify_audit().unwrap().is_ok());
    eprintln!(
        "crash test (file): killed with {acknowledged} acknowledged, {before} in the registry; then {} replayed, {} issued",
        s.counts.replayed, s.counts.issued
    );
}

const CORRECTIONS_ENV: &str = "CIVITAS_INGEST_CHILD_CORRECTIONS";
/// The records of the version test: the good ones among the first 60.
const VERSIONED: std::ops::Range<usize> = 0..60;

/// A sink that, once the issuer has acknowledged a batch, says so in a file and then hangs:
/// the parent kills the process there, right after the issuance and before anything the
/// ingester does once a batch is acknowledged.
struct HangAfterAcknowledgement {
    issuer: civitas_issuer::Issuer,
    marker: std::path::PathBuf,
}

#[async_trait::async_trait]
impl civitas_infohighway::sink::Sink for HangAfterAcknowledgement {
    async fn issue_batch(
        &self,
        requests: Vec<civitas_issuer::IssueRequest>,
        actor: &str,
    ) -> Result<Vec<civitas_infohighway::sink::SinkResult>, civitas_infohighway::IngestError> {
        civitas_infohighway::sink::Sink::issue_batch(&self.issuer, requests, actor).await?;
        let _ = std::fs::write(&self.marker, b"acknowledged");
        // never answers: the parent kills the process here
        std::future::pending().await
    }

    async fn source_version(
        &self,
        source_record_id: &str,
    ) -> Result<Option<String>, civitas_infohighway::IngestError> {
        civitas_infohighway::sink::Sink::source_version(&self.issuer, source_record_id).await
    }

    async fn record_source_versions(
        &self,
        entries: &[(String, String)],
    ) -> Result<usize, civitas_infohighway::IngestError> {
        civitas_infohighway::sink::Sink::record_source_versions(&self.issuer, entries).await
    }

    fn describe(&self) -> String {
        "an issuer, then a crash".into()
    }
}

fn write_versioned(path: &std::path::Path, version: u32) {
    let mut text = format!("{}\n", mappings::CSV_BIRTH_HEADER);
    for i in VERSIONED.filter(|i| flaw(*i) == Flaw::None) {
        text.push_str(&csv_row(i, version));
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

/// Child: ingests version 1 of the records, then their corrections (version 2) through
/// [`HangAfterAcknowledgement`], which hangs once the issuer acknowledged the corrections.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_child_corrections() {
    let (Ok(dir), Ok(corrections)) = (std::env::var(DIR_ENV), std::env::var(CORRECTIONS_ENV))
    else {
        return; // not in child mode
    };
    let dir = std::path::Path::new(&dir);
    let data = dir.join("issuer");
    let issuer = open_issuer(&data).await;
    let first = ingest_csv(&issuer, &data, &dir.join("v1.csv"), &NoProgress).await;
    assert_eq!(first.counts.rejected, 0);
    let sink = HangAfterAcknowledgement {
        issuer,
        marker: dir.join("acknowledged"),
    };
    // never returns: the sink hangs once the corrections are acknowledged
    ingest_csv(
        &sink,
        &data,
        std::path::Path::new(&corrections),
        &NoProgress,
    )
    .await;
    std::fs::write(dir.join("child-finished"), b"1").unwrap();
}

/// The version of a record is recorded in the same commit as its issuance: a process killed
/// (SIGKILL) right after the issuer acknowledged corrected records (version 2) cannot lose
/// their version, so version 1 read again afterwards is skipped as stale, not refused as a
/// conflict (as it was when the ledger was written after the acknowledgement).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_right_after_the_acknowledgement_keeps_the_record_versions() {
    let dir = tempfile::tempdir().unwrap();
    let v1 = dir.path().join("v1.csv");
    let v2 = dir.path().join("v2.csv");
    write_versioned(&v1, 1);
    write_versioned(&v2, 2);
    let marker = dir.path().join("acknowledged");
    kill_when(
        "crash::crash_child_corrections",
        &[
            (DIR_ENV, dir.path().as_os_str()),
            (CORRECTIONS_ENV, v2.as_os_str()),
        ],
        || marker.exists().then_some(()),
    )
    .await;
    assert!(!dir.path().join("child-finished").exists());

    let data = dir.path().join("issuer");
    let issuer = open_issuer(&data).await;
    let good = VERSIONED.filter(|i| flaw(*i) == Flaw::None).count() as u64;
    // the corrections were committed before the kill: one superseded credential each
    let records = all_records(&issuer);
    assert_eq!(records.len() as u64, 2 * good);
    assert_eq!(
        records.iter().filter(|r| r.superseded_by.is_some()).count() as u64,
        good
    );
    let again = ingest_csv(&issuer, &data, &v1, &NoProgress).await;
    assert_eq!(
        (
            again.counts.stale,
            again.counts.rejected,
            again.counts.issued
        ),
        (good, 0, 0),
        "version 1 read again after the crash: {:?}",
        again.counts
    );
    assert_eq!(all_records(&issuer).len() as u64, 2 * good);
    assert_eq!(
        issuer
            .source_version("PW/B/2024/000000")
            .unwrap()
            .as_deref(),
        Some("2")
    );
}
