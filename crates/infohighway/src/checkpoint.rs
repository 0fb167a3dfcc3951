//! The paging checkpoint of an e-service feed: after each page whose records are all on disk in
//! the registry, the cursor to continue from is written here, atomically (temporary file,
//! `fsync`, rename, `fsync` of the directory), so a crash leaves the previous checkpoint or the
//! new one, never a torn file. A restart resumes from it; records after it are read again and
//! come back as replays (idempotency), never as duplicates.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::IngestError;

/// Checkpoint format version.
pub const CHECKPOINT_FORMAT: u32 = 1;

/// Where a feed was left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Checkpoint {
    /// Always [`CHECKPOINT_FORMAT`].
    pub format: u32,
    /// The feed's URL (base URL and service path): a checkpoint is never applied to another feed.
    pub feed: String,
    /// The cursor to send next (`None`: from the beginning).
    pub cursor: Option<String>,
    /// Pages completed since the feed was first read.
    pub pages: u64,
    /// Records read since the feed was first read.
    pub records: u64,
    /// When this checkpoint was written (RFC 3339).
    pub updated_at: String,
}

impl Checkpoint {
    /// The start of `feed`.
    pub fn start(feed: &str) -> Self {
        Self {
            format: CHECKPOINT_FORMAT,
            feed: feed.to_owned(),
            cursor: None,
            pages: 0,
            records: 0,
            updated_at: now(),
        }
    }
}

fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A checkpoint file.
#[derive(Debug, Clone)]
pub struct CheckpointFile {
    path: PathBuf,
}

impl CheckpointFile {
    /// The checkpoint at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the checkpoint of `feed`: the start when there is none; an error when the file is
    /// unreadable or was written for another feed.
    pub fn load(&self, feed: &str) -> Result<Checkpoint, IngestError> {
        let bad = |reason: String| IngestError::Checkpoint {
            path: self.path.clone(),
            reason,
        };
        let text = match std::fs::read(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Checkpoint::start(feed));
            }
            Err(e) => return Err(IngestError::io(&self.path, e)),
        };
        if text.len() > 64 * 1024 {
            return Err(bad("larger than 64 KiB".into()));
        }
        let cp: Checkpoint =
            serde_json::from_slice(&text).map_err(|e| bad(format!("unreadable: {e}")))?;
        if cp.format != CHECKPOINT_FORMAT {
            return Err(bad(format!("format {} is not supported", cp.format)));
        }
        if cp.feed != feed {
            return Err(bad(format!(
                "written for feed {} but this run reads {feed}; delete it to start {feed} from the beginning",
                cp.feed
            )));
        }
        Ok(cp)
    }

    /// Writes `checkpoint` atomically and durably (stamped with the time); returns what was
    /// written.
    pub fn save(&self, checkpoint: &Checkpoint) -> Result<Checkpoint, IngestError> {
        let mut cp = checkpoint.clone();
        cp.updated_at = now();
        let bytes =
            serde_json::to_vec_pretty(&cp).map_err(|e| IngestError::io(&self.path, e.into()))?;
        write_atomic(&self.path, &bytes)?;
        Ok(cp)
    }

    /// Removes the checkpoint (the next run starts from the beginning).
    pub fn reset(&self) -> Result<(), IngestError> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(IngestError::io(&self.path, e)),
        }
    }
}

/// Writes `bytes` to `path` through a temporary file, synced, renamed over `path`, and the
/// directory synced.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), IngestError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| IngestError::io(&dir, e))?;
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    let tmp = path.with_file_name(name);
    let mut file = std::fs::File::create(&tmp).map_err(|e| IngestError::io(&tmp, e))?;
    file.write_all(bytes)
        .map_err(|e| IngestError::io(&tmp, e))?;
    file.sync_all().map_err(|e| IngestError::io(&tmp, e))?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(|e| IngestError::io(path, e))?;
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_round_trip_and_belong_to_one_feed() {
        let dir = tempfile::tempdir().unwrap();
        let file = CheckpointFile::new(dir.path().join("sub/birth.json"));
        assert_eq!(file.load("feed-a").unwrap().cursor, None);
        let mut cp = Checkpoint::start("feed-a");
        cp.cursor = Some("c42".into());
        cp.pages = 3;
        file.save(&cp).unwrap();
        let back = file.load("feed-a").unwrap();
        assert_eq!((back.cursor.as_deref(), back.pages), (Some("c42"), 3));
        assert!(
            file.load("feed-b")
                .unwrap_err()
                .to_string()
                .contains("feed-a")
        );
        std::fs::write(file.path(), b"{").unwrap();
        assert!(
            file.load("feed-a")
                .unwrap_err()
                .to_string()
                .contains("unreadable")
        );
        file.reset().unwrap();
        assert_eq!(file.load("feed-a").unwrap().pages, 0);
    }
}
