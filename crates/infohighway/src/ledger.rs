//! The version ledger: for each source record id, the highest version issued. It stops an old
//! version of a record, read again (a duplicated page, a replayed export), from superseding a
//! newer one that was issued since.
//!
//! It lives in the issuer's registry store ([`civitas_issuer::store::RegistryStore::source_version`]):
//! each record is sent with its version ([`civitas_issuer::IssueRequest::source_version`]) and
//! the issuer records that version in the same atomic commit as the issuance (or, for a replay
//! with a higher version, before answering). No crash can separate the two: once the issuer
//! acknowledged a record, its version is on disk. Ingestion reads it back through its
//! [`Sink`] and decides with [`verdict`].
//!
//! Earlier versions of civitas kept the ledger in a sled database of its own next to the
//! registry (`<data>/ingest/ledger`), written after the issuer acknowledged a batch. Such a
//! ledger is read once and folded into the registry ([`fold_legacy`], at the start of a run),
//! then renamed `ledger.folded`.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

pub use civitas_issuer::store::compare_versions;

use crate::error::IngestError;
use crate::sink::Sink;

/// How long reading a legacy ledger waits for a lock a previous run of this process still
/// holds.
pub const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// How an incoming record's version compares with the ledger's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Never issued, or newer than what was issued: issue, superseding any earlier version.
    Newer,
    /// The version that was issued: issue without superseding (a replay if unchanged).
    Same,
    /// Older than what was issued: skip.
    Older(String),
}

/// How `version` compares with `known`, the version recorded (if any).
pub fn verdict(known: Option<&str>, version: &str) -> Verdict {
    match known {
        None => Verdict::Newer,
        Some(known) => match compare_versions(version, known) {
            Ordering::Greater => Verdict::Newer,
            Ordering::Equal => Verdict::Same,
            Ordering::Less => Verdict::Older(known.to_owned()),
        },
    }
}

/// How `version` of record `id` compares with what the issuer's registry recorded.
pub async fn check(sink: &dyn Sink, id: &str, version: &str) -> Result<Verdict, IngestError> {
    Ok(verdict(sink.source_version(id).await?.as_deref(), version))
}

/// Where a folded legacy ledger is moved to: `<dir>.folded`.
pub fn folded_path(dir: &Path) -> PathBuf {
    let mut name = dir.file_name().unwrap_or_default().to_owned();
    name.push(".folded");
    dir.with_file_name(name)
}

/// Folds the legacy ledger in `dir` (a sled database written by earlier versions of civitas)
/// into the issuer's registry, if there is one: every entry is recorded through `sink` (a
/// version only ever grows, so folding twice changes nothing), then the directory is renamed
/// [`folded_path`]. Returns how many entries it held, or `None` when there was no ledger.
pub async fn fold_legacy(sink: &dyn Sink, dir: &Path) -> Result<Option<usize>, IngestError> {
    if !dir.exists() {
        return Ok(None);
    }
    let entries = read_legacy(dir)?;
    sink.record_source_versions(&entries).await?;
    let folded = folded_path(dir);
    if folded.exists() {
        std::fs::remove_dir_all(&folded).map_err(|e| IngestError::io(&folded, e))?;
    }
    std::fs::rename(dir, &folded).map_err(|e| IngestError::io(dir, e))?;
    Ok(Some(entries.len()))
}

/// Every entry (record id, version) of the legacy ledger in `dir`. sled releases its file lock
/// from a background thread after the last handle of a previous run is dropped, so a lock still
/// held is retried for up to [`LOCK_WAIT`]; a ledger another process holds is then an error.
pub fn read_legacy(dir: &Path) -> Result<Vec<(String, String)>, IngestError> {
    let failed = |reason: String| IngestError::Ledger {
        path: dir.to_owned(),
        reason,
    };
    let started = std::time::Instant::now();
    let db = loop {
        match sled::Config::new().path(dir).cache_capacity(8 << 20).open() {
            Ok(db) => break db,
            // sled reports a held lock as an `Other` I/O error with this text
            Err(sled::Error::Io(e))
                if e.to_string().contains("could not acquire lock")
                    && started.elapsed() < LOCK_WAIT =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => return Err(failed(e.to_string())),
        }
    };
    db.iter()
        .map(|item| {
            let (k, v) = item.map_err(|e| failed(e.to_string()))?;
            let text = |b: &[u8]| {
                String::from_utf8(b.to_vec())
                    .map_err(|_| failed(format!("an entry is not UTF-8 ({} bytes)", b.len())))
            };
            Ok((text(&k)?, text(&v)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_legacy_ledger_released_by_a_previous_run_is_read_after_its_lock_is_free() {
        let dir = tempfile::tempdir().unwrap();
        let first = sled::open(dir.path()).unwrap();
        first.insert("R1", "2").unwrap();
        first.flush().unwrap();
        let holder = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            drop(first);
        });
        let entries = read_legacy(dir.path()).unwrap();
        assert_eq!(entries, vec![("R1".to_owned(), "2".to_owned())]);
        holder.join().unwrap();
    }

    #[test]
    fn versions_only_grow() {
        assert_eq!(compare_versions("10", "9"), Ordering::Greater);
        assert_eq!(
            compare_versions("2024-03-01T10:00:00Z", "2024-02-01T10:00:00Z"),
            Ordering::Greater
        );
        assert_eq!(verdict(None, "1"), Verdict::Newer);
        assert_eq!(verdict(Some("2"), "2"), Verdict::Same);
        assert_eq!(verdict(Some("2"), "3"), Verdict::Newer);
        assert_eq!(verdict(Some("2"), "1"), Verdict::Older("2".into()));
    }

    #[test]
    fn a_folded_ledger_is_renamed_beside_itself() {
        assert_eq!(
            folded_path(Path::new("/d/ingest/ledger")),
            Path::new("/d/ingest/ledger.folded")
        );
    }
}
