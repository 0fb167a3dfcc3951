//! The version ledger: for each source record id, the version last issued. It stops an old
//! version of a record, read again (a duplicated page, a replayed export), from superseding a
//! newer one that was issued since.
//!
//! It lives next to the registry (a small sled database of its own) and is written after the
//! issuer has acknowledged a batch. A crash between the two loses at most that batch's entries;
//! the records are then simply read again: an equal version replays, a newer one supersedes,
//! and an older one is decided with the ledger's (older) entry, at worst as a conflict, which
//! the report shows. The issuer keeping the source version itself, in the same commit, would
//! close that window (see the crate's notes).

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use crate::error::IngestError;

/// How long [`Ledger::open`] waits for a lock a previous run of this process still holds.
pub const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// The version ledger.
#[derive(Debug, Clone)]
pub struct Ledger {
    db: sled::Db,
    path: PathBuf,
}

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

/// Compares two versions: as numbers when both are whole numbers, otherwise as text (ISO 8601
/// timestamps compare correctly as text).
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    match (a.parse::<u128>(), b.parse::<u128>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

impl Ledger {
    /// Opens (or creates) the ledger in `dir`. sled releases its file lock from a background
    /// thread after the last handle of a previous run is dropped, so a run that follows another
    /// one at once may find the lock still held: that is retried for up to [`LOCK_WAIT`]; a
    /// ledger another process holds is then an error.
    pub fn open(dir: &Path) -> Result<Self, IngestError> {
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
                Err(e) => {
                    return Err(IngestError::Ledger {
                        path: dir.to_owned(),
                        reason: e.to_string(),
                    });
                }
            }
        };
        Ok(Self {
            db,
            path: dir.to_owned(),
        })
    }

    fn err(&self, e: impl std::fmt::Display) -> IngestError {
        IngestError::Ledger {
            path: self.path.clone(),
            reason: e.to_string(),
        }
    }

    /// The version last issued for `id`.
    pub fn get(&self, id: &str) -> Result<Option<String>, IngestError> {
        Ok(self
            .db
            .get(id.as_bytes())
            .map_err(|e| self.err(e))?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// How `version` of `id` compares with what was issued.
    pub fn check(&self, id: &str, version: &str) -> Result<Verdict, IngestError> {
        Ok(match self.get(id)? {
            None => Verdict::Newer,
            Some(known) => match compare_versions(version, &known) {
                Ordering::Greater => Verdict::Newer,
                Ordering::Equal => Verdict::Same,
                Ordering::Less => Verdict::Older(known),
            },
        })
    }

    /// Records the versions issued (one batch, one flush); never moves a version backwards.
    pub fn record(&self, entries: &[(String, String)]) -> Result<(), IngestError> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut batch = sled::Batch::default();
        for (id, version) in entries {
            let keep = match self.get(id)? {
                Some(known) => compare_versions(version, &known) == Ordering::Greater,
                None => true,
            };
            if keep {
                batch.insert(id.as_bytes(), version.as_bytes());
            }
        }
        self.db.apply_batch(batch).map_err(|e| self.err(e))?;
        self.db.flush().map_err(|e| self.err(e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ledger_released_by_a_previous_run_is_opened_after_its_lock_is_free() {
        let dir = tempfile::tempdir().unwrap();
        let first = Ledger::open(dir.path()).unwrap();
        first.record(&[("R1".into(), "2".into())]).unwrap();
        let holder = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            drop(first);
        });
        let second = Ledger::open(dir.path()).unwrap();
        assert_eq!(second.get("R1").unwrap().as_deref(), Some("2"));
        holder.join().unwrap();
    }

    #[test]
    fn versions_only_grow() {
        assert_eq!(compare_versions("10", "9"), Ordering::Greater);
        assert_eq!(
            compare_versions("2024-03-01T10:00:00Z", "2024-02-01T10:00:00Z"),
            Ordering::Greater
        );
        let dir = tempfile::tempdir().unwrap();
        let l = Ledger::open(dir.path()).unwrap();
        assert_eq!(l.check("a", "1").unwrap(), Verdict::Newer);
        l.record(&[("a".into(), "2".into())]).unwrap();
        assert_eq!(l.check("a", "2").unwrap(), Verdict::Same);
        assert_eq!(l.check("a", "3").unwrap(), Verdict::Newer);
        assert_eq!(l.check("a", "1").unwrap(), Verdict::Older("2".into()));
        l.record(&[("a".into(), "1".into())]).unwrap();
        assert_eq!(l.get("a").unwrap().as_deref(), Some("2"));
    }
}
