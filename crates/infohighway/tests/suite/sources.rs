//! The `Source` trait is the seam of ingestion: a source civitas does not ship (here, records
//! held in memory, with checkpoints) runs through `Ingest` like a file or a feed: mapped,
//! issued into a real issuer, bad records reported with the position the source gave them,
//! checkpoints saved once acknowledged, and a source's failure ending the run.

use crate::common;

use std::sync::Arc;

use civitas_infohighway::report::read_report;
use civitas_infohighway::{
    Checkpoint, CheckpointFile, Emitter, Ingest, IngestError, IngestOptions, Mapping, Source,
    mappings,
};
use common::*;
use serde_json::Value;

/// Records held in memory, sent in pages of `page` with a checkpoint after each; optionally
/// failing after `fail_after` records.
struct MemorySource {
    records: Vec<Value>,
    page: usize,
    checkpoint: Option<CheckpointFile>,
    fail_after: Option<usize>,
}

#[async_trait::async_trait]
impl Source for MemorySource {
    fn label(&self) -> String {
        "memory (test)".into()
    }

    fn checkpoint_file(&self) -> Option<CheckpointFile> {
        self.checkpoint.clone()
    }

    async fn read(self: Box<Self>, out: Emitter) {
        let mut cp = Checkpoint::start("memory://test");
        for (p, page) in self.records.chunks(self.page).enumerate() {
            for (i, record) in page.iter().enumerate() {
                let n = p * self.page + i;
                if self.fail_after == Some(n) {
                    out.fail(IngestError::Service {
                        url: "memory://test".into(),
                        reason: "the test source breaks here".into(),
                    })
                    .await;
                    return;
                }
                if !out.record(format!("memory item {}", n + 1), record).await {
                    return;
                }
            }
            cp.pages += 1;
            cp.records += page.len() as u64;
            cp.cursor = Some(format!("{}", (p + 1) * self.page));
            if !out.checkpoint(cp.clone()).await {
                return;
            }
        }
    }
}

fn mapping() -> Arc<Mapping> {
    Arc::new(Mapping::parse("ih.toml", mappings::INFOHIGHWAY_BIRTH).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_of_its_own_runs_through_ingest() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("issuer");
    let issuer = open_issuer(&data).await;
    // Records 0..12: record 3 is registered before its birth (rejected by the rules).
    let records: Vec<Value> = (0..12).map(|i| ih_record(i, 1)).collect();
    let cp_file = CheckpointFile::new(dir.path().join("memory.checkpoint"));
    let report = dir.path().join("r.json");
    let options = IngestOptions::for_data_dir(&data).report(&report);
    let source = MemorySource {
        records,
        page: 5,
        checkpoint: Some(cp_file.clone()),
        fail_after: None,
    };
    let s = Ingest::new(&issuer, mapping())
        .options(&options)
        .run(source)
        .await
        .unwrap();
    assert_eq!(
        (s.counts.read, s.counts.issued, s.counts.rejected),
        (12, 11, 1)
    );
    assert_eq!(all_records(&issuer).len(), 11);
    let r = read_report(&report).unwrap();
    assert_eq!(r["source"], "memory (test)");
    assert_eq!(r["rejected"][0]["position"], "memory item 4");
    assert_eq!(r["rejected"][0]["field"], "registration.registrationDate");
    // The last checkpoint the source sent was saved, after its records were acknowledged.
    let saved = cp_file.load("memory://test").unwrap();
    assert_eq!((saved.pages, saved.records), (3, 12));
    assert_eq!(saved.cursor.as_deref(), Some("15"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_source_ends_the_run_with_its_error_after_what_it_sent() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("issuer");
    let issuer = open_issuer(&data).await;
    let records: Vec<Value> = (10..20).map(|i| ih_record(i, 1)).collect();
    let options = IngestOptions::for_data_dir(&data);
    let source = MemorySource {
        records,
        page: 4,
        checkpoint: None,
        fail_after: Some(6),
    };
    let e = Ingest::new(&issuer, mapping())
        .options(&options)
        .run(source)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("the test source breaks here"), "{e}");
    // The six records sent before the failure were issued (record 17 is flawed, but it
    // comes after the break).
    assert_eq!(all_records(&issuer).len(), 6);
}
