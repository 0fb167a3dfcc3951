//! Ingestion throughput: a civil status office's CSV export of 100,000 births (1% bad rows, as in
//! the tests) ingested with the shipped `csv-birth.toml` mapping into a fresh issuer (sled
//! registry on disk, Ed25519 `eddsa-rdfc-2022`, batches of 500: parallel signing, one flush per
//! batch), the report written.
//!
//! ```text
//! cargo bench -p civitas-infohighway --bench ingest_csv            # 100,000 records, 3 runs
//! cargo bench -p civitas-infohighway --bench ingest_csv -- quick   # 10,000 records, 1 run
//! ```
//!
//! Prints, for each run and as the median: records ingested per second (every row read, mapped,
//! validated, and issued or reported) and credentials issued per second.

#[path = "../tests/suite/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::Instant;

use civitas_infohighway::{FileFormat, IngestOptions, Mapping, NoProgress, ingest_file, mappings};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    let (records, runs) = if quick { (10_000, 1) } else { (100_000, 3) };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("births.csv");
    common::write_csv(&csv, 0..records);
    let size = std::fs::metadata(&csv).map(|m| m.len()).unwrap_or(0);
    let bad = common::bad_count(0..records);
    println!(
        "ingest_csv: {records} records ({} MiB, {bad} bad), {runs} run(s), {} cores",
        size >> 20,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let mapping = Arc::new(Mapping::parse("csv-birth.toml", mappings::CSV_BIRTH).expect("mapping"));
    let mut ingested = Vec::new();
    let mut issued = Vec::new();
    for run in 1..=runs {
        let data = dir.path().join(format!("issuer-{run}"));
        let (secs, counts) = runtime.block_on(async {
            let issuer = common::open_issuer(&data).await;
            let options = IngestOptions::for_data_dir(&data)
                .report(dir.path().join(format!("report-{run}.json")));
            let started = Instant::now();
            let summary = ingest_file(
                &issuer,
                &csv,
                FileFormat::Csv,
                mapping.clone(),
                &options,
                &NoProgress,
            )
            .await
            .expect("ingest");
            let secs = started.elapsed().as_secs_f64();
            assert_eq!(
                issuer.credential_count().expect("count"),
                (records - bad) as u64
            );
            (secs, summary.counts)
        });
        assert_eq!(
            (counts.issued, counts.rejected),
            ((records - bad) as u64, bad as u64)
        );
        let r = counts.handled() as f64 / secs;
        let i = counts.issued as f64 / secs;
        println!(
            "  run {run}: {secs:.1} s, {r:.0} records/s ingested, {i:.0} credentials/s issued"
        );
        ingested.push(r);
        issued.push(i);
        let _ = std::fs::remove_dir_all(&data);
    }
    println!(
        "median: {:.0} records/s ingested, {:.0} credentials/s issued",
        median(ingested),
        median(issued)
    );
}
