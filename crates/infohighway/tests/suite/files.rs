//! File ingestion end to end: a CSV export of 10,000 births (100 bad rows of five kinds) into a
//! real issuer (sled in a temp dir): exact counts, every bad row in the report with its reason,
//! idempotent re-runs, a corrected row superseding, JSON Lines.

use crate::common;

use std::sync::Arc;

use civitas_infohighway::report::read_report;
use civitas_infohighway::{FileFormat, IngestOptions, Mapping, NoProgress, ingest_file, mappings};
use common::*;
use serde_json::Value;

/// Ingests the CSV export at `path` with the shipped CSV mapping.
async fn ingest_csv(
    issuer: &civitas_issuer::Issuer,
    path: &std::path::Path,
    options: &IngestOptions,
) -> civitas_infohighway::Summary {
    ingest_file(
        issuer,
        path,
        FileFormat::Csv,
        csv_mapping(),
        options,
        &NoProgress,
    )
    .await
    .unwrap()
}

fn csv_mapping() -> Arc<Mapping> {
    Arc::new(Mapping::parse("csv-birth.toml", mappings::CSV_BIRTH).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_export_of_10000_births() {
    const N: usize = 10_000;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("issuer");
    let issuer = open_issuer(&data).await;
    let csv = dir.path().join("births.csv");
    write_csv(&csv, 0..N);
    let bad = bad_count(0..N);
    assert_eq!(bad, 100);

    let report = dir.path().join("report.json");
    let options = IngestOptions::for_data_dir(&data).report(&report);
    let started = std::time::Instant::now();
    let summary = ingest_csv(&issuer, &csv, &options).await;
    eprintln!(
        "csv: {N} rows in {:.1} s ({:.0} records/s, dev profile)",
        started.elapsed().as_secs_f64(),
        summary.rate()
    );
    let c = summary.counts;
    assert_eq!(c.read, N as u64);
    assert_eq!(c.issued, (N - bad) as u64);
    assert_eq!(c.rejected, bad as u64);
    assert_eq!((c.replayed, c.superseded, c.stale), (0, 0, 0));
    assert_eq!(summary.exit_code(), 1);
    assert_eq!(issuer.credential_count().unwrap(), (N - bad) as u64);

    // the report names every bad row, with field and reason
    let r = read_report(&report).unwrap();
    assert_eq!(r["complete"], true);
    assert_eq!(r["counts"]["rejected"], bad as u64);
    let rejected = r["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), bad);
    for entry in rejected {
        let line: usize = entry["position"].as_str().unwrap()["line ".len()..]
            .parse()
            .unwrap();
        let i = line - 2; // header is line 1
        let (field, reason_part) = match flaw(i) {
            Flaw::BadDate => ("birthDate", "`30/02/2023` is not a date"),
            Flaw::UnknownSex => ("sex", "`Q` is not in code table `sex`"),
            Flaw::RegisteredBeforeBirth => (
                "registration.registrationDate",
                "is not on or after birthDate",
            ),
            Flaw::NoId => ("sourceRecordId", "the record has no id"),
            Flaw::NotAnObject => ("record", "fields, the header has 25"),
            Flaw::None => panic!("row {i} is good but was rejected: {entry}"),
        };
        assert_eq!(entry["field"], field, "{entry}");
        assert!(
            entry["reason"].as_str().unwrap().contains(reason_part),
            "{entry}"
        );
        if flaw(i) != Flaw::NoId && flaw(i) != Flaw::NotAnObject {
            assert_eq!(entry["recordId"], format!("PW/B/2024/{i:06}"), "{entry}");
        }
    }
    let date_entry = rejected.iter().find(|e| e["field"] == "birthDate").unwrap();
    assert_eq!(date_entry["sourceField"], "date_of_birth");
    assert_eq!(date_entry["stage"], "mapping");
    let order = rejected
        .iter()
        .find(|e| e["field"] == "registration.registrationDate")
        .unwrap();
    assert_eq!(order["stage"], "validation");

    // the same export again: nothing new
    let again = ingest_csv(&issuer, &csv, &options).await;
    assert_eq!(again.counts.issued, 0);
    assert_eq!(again.counts.replayed, (N - bad) as u64);
    assert_eq!(issuer.credential_count().unwrap(), (N - bad) as u64);

    // a corrected entry (version 2) supersedes; the old version read again is stale
    let fix = dir.path().join("corrections.csv");
    std::fs::write(
        &fix,
        format!(
            "{}\n{}\n{}\n",
            mappings::CSV_BIRTH_HEADER,
            csv_row(42, 2),
            csv_row(42, 1)
        ),
    )
    .unwrap();
    let old = issuer
        .credentials(None, 100_000)
        .unwrap()
        .into_iter()
        .find(|r| r.source_record_id.as_deref() == Some("PW/B/2024/000042"))
        .unwrap();
    let fixed = ingest_csv(&issuer, &fix, &options).await;
    assert_eq!(
        (fixed.counts.superseded, fixed.counts.stale),
        (1, 1),
        "{fixed:?}"
    );
    let (old_now, _) = issuer.credential(&old.id).unwrap().unwrap();
    assert!(old_now.revoked_at.is_some() && old_now.superseded_by.is_some());
    assert_eq!(issuer.credential_count().unwrap(), (N - bad + 1) as u64);
    let r = read_report(&report).unwrap();
    assert_eq!(r["stale"][0]["ledgerVersion"], "2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_lines_export() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("issuer");
    let issuer = open_issuer(&data).await;
    let path = dir.path().join("births.jsonl");
    let mut text = String::new();
    for i in 0..20 {
        text.push_str(&ih_record(i, 1).to_string());
        text.push('\n');
    }
    text.push_str("{\"recordId\": \"broken\", \n");
    text.push('\n');
    // A record repeating a member name: refused, whatever a last-wins reader would make of it.
    let doubled = ih_record(30, 1)
        .to_string()
        .replacen('{', "{\"recordId\": \"forged\", ", 1);
    text.push_str(&doubled);
    text.push('\n');
    std::fs::write(&path, text).unwrap();
    let mapping = Arc::new(Mapping::parse("ih.toml", mappings::INFOHIGHWAY_BIRTH).unwrap());
    let report = dir.path().join("r.json");
    let options = IngestOptions::for_data_dir(&data).report(&report);
    let s = ingest_file(
        &issuer,
        &path,
        FileFormat::JsonLines,
        mapping,
        &options,
        &NoProgress,
    )
    .await
    .unwrap();
    // record 3 is registered before birth, 17 has a bad date; line 21 is malformed JSON, line
    // 23 repeats a member name
    assert_eq!(
        (s.counts.read, s.counts.issued, s.counts.rejected),
        (22, 18, 4)
    );
    let r = read_report(&report).unwrap();
    let reasons: Vec<(&str, &str)> = r["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["position"].as_str().unwrap(),
                e["field"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            ("line 4", "registration.registrationDate"),
            ("line 18", "birthDate"),
            ("line 21", "record"),
            ("line 23", "record")
        ]
    );
    let doubled = r["rejected"][3]["reason"].as_str().unwrap();
    assert!(
        doubled.contains("duplicate member name at `/recordId`"),
        "{doubled}"
    );
    let malformed: &Value = &r["rejected"][2];
    assert!(
        malformed["reason"]
            .as_str()
            .unwrap()
            .contains("malformed JSON")
    );
}

#[tokio::test]
async fn a_bad_mapping_is_refused_with_its_line() {
    let e = Mapping::parse(
        "bad.toml",
        "format = 1\ndocument = \"BirthCertificate\"\n[record]\nid = { from = \"id\" }\n[fields]\n\"birthDate\" = { from = \"d\", date = \"%d/%m/%Y\" }\n\"sex\" = { from = \"s\", code = \"gender\" }\n",
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "bad.toml:7:9: `fields.\"sex\"`: no code table `gender` (add [codes.gender]; tables defined: none)"
    );
}

/// A version ledger left by an earlier civitas (a sled database of its own in
/// `<data>/ingest/ledger`) is folded into the registry at the start of the next run, then
/// renamed `ledger.folded`: the versions it knew still make an older record stale.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_legacy_ledger_is_folded_into_the_registry() {
    const GOOD: [usize; 5] = [0, 1, 2, 4, 5]; // row 3 is a bad one
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("issuer");
    let issuer = open_issuer(&data).await;
    let rows = |version| {
        let mut text = format!("{}\n", mappings::CSV_BIRTH_HEADER);
        for i in GOOD {
            text.push_str(&csv_row(i, version));
            text.push('\n');
        }
        text
    };
    // version 2 issued by an earlier civitas: the registry knows no version, its ledger does
    let v2 = dir.path().join("v2.csv");
    std::fs::write(&v2, rows(2)).unwrap();
    let unversioned = mappings::CSV_BIRTH.replace("version = { from = \"record_version\" }", "");
    assert_ne!(unversioned, mappings::CSV_BIRTH);
    let mapping = Arc::new(Mapping::parse("csv-birth.toml", &unversioned).unwrap());
    let options = IngestOptions::default();
    let first = ingest_file(
        &issuer,
        &v2,
        FileFormat::Csv,
        mapping,
        &options,
        &NoProgress,
    )
    .await
    .unwrap();
    assert_eq!(first.counts.issued, 5);
    let legacy = data.join("ingest").join("ledger");
    {
        let db = sled::open(&legacy).unwrap();
        for i in GOOD {
            db.insert(format!("PW/B/2024/{i:06}"), "2").unwrap();
        }
        db.flush().unwrap();
    }

    // version 1 read again: stale, thanks to the folded ledger
    let v1 = dir.path().join("v1.csv");
    std::fs::write(&v1, rows(1)).unwrap();
    let options = IngestOptions::for_data_dir(&data);
    for run in 0..2 {
        let again = ingest_csv(&issuer, &v1, &options).await;
        assert_eq!(
            (
                again.counts.stale,
                again.counts.superseded,
                again.counts.issued
            ),
            (5, 0, 0),
            "run {run}: {:?}",
            again.counts
        );
    }
    assert!(!legacy.exists());
    assert!(data.join("ingest").join("ledger.folded").exists());
    assert_eq!(
        issuer
            .source_version("PW/B/2024/000004")
            .unwrap()
            .as_deref(),
        Some("2")
    );
    assert_eq!(issuer.credential_count().unwrap(), 5);
}
