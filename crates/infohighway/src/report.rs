//! The ingest report: counts, and every record that was not issued with the field and the
//! reason. It is written as one JSON document:
//!
//! ```json
//! {"format": 1, "source": "file births.csv", "mapping": "csv-birth.toml",
//!  "startedAt": "2026-01-15T09:00:00Z", "finishedAt": "2026-01-15T09:01:40Z",
//!  "counts": {"read": 10000, "issued": 9990, "replayed": 0, "superseded": 2, "rejected": 8, "stale": 0},
//!  "complete": true,
//!  "rejected": [{"recordId": "PW/B/2024/000017", "position": "line 18", "stage": "mapping",
//!                "field": "birthDate", "sourceField": "date_of_birth",
//!                "reason": "`31/02/2024` is not a date in the format %d/%m/%Y"}],
//!  "stale": [{"recordId": "…", "position": "…", "version": "3", "ledgerVersion": "4"}]}
//! ```
//!
//! Rejections are streamed to a side file (`<report>.rejected.jsonl`) as they happen and
//! copied into the report at the end, so memory stays constant however many records are bad,
//! and a run that is killed still leaves what it rejected on disk.

use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::IngestError;

/// Report format version.
pub const REPORT_FORMAT: u32 = 1;

/// Where a record failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// The source record could not be read (malformed JSON line, not an object, too long).
    Parse,
    /// The mapping could not produce the document (a bad date, an unknown code).
    Mapping,
    /// The document breaks its rules (civitas-core's model validation).
    Validation,
    /// The issuer refused it (a conflicting record without superseding, a type not allowed).
    Issuer,
}

/// One problem with a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Issue {
    /// The document field (`registration.registrationDate`), or `sourceRecordId`, or `record`.
    pub field: String,
    /// The source field(s) it was mapped from, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_field: Option<String>,
    /// What is wrong.
    pub reason: String,
}

/// A record that was not issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rejection {
    /// The source record id, when it could be read.
    pub record_id: Option<String>,
    /// Where the record is in its source (`line 18`, `page 3 (cursor …), item 7`).
    pub position: String,
    /// Where it failed.
    pub stage: Stage,
    /// The first problem's field.
    pub field: String,
    /// The first problem's source field(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_field: Option<String>,
    /// The first problem.
    pub reason: String,
    /// Further problems of the same record, if any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_issues: Vec<Issue>,
}

impl Rejection {
    /// A rejection from its issues (the first one is the headline).
    pub fn new(
        record_id: Option<String>,
        position: String,
        stage: Stage,
        mut issues: Vec<Issue>,
    ) -> Self {
        let first = if issues.is_empty() {
            Issue {
                field: "record".into(),
                source_field: None,
                reason: "rejected".into(),
            }
        } else {
            issues.remove(0)
        };
        Self {
            record_id,
            position,
            stage,
            field: first.field,
            source_field: first.source_field,
            reason: first.reason,
            other_issues: issues,
        }
    }
}

/// A record skipped because the registry already holds a newer version of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stale {
    /// The source record id.
    pub record_id: String,
    /// Where the record is in its source.
    pub position: String,
    /// Its version.
    pub version: String,
    /// The version already issued.
    pub ledger_version: String,
}

/// What happened to the records of one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Records read from the source (good and bad).
    pub read: u64,
    /// New credentials issued (not counting those that superseded an earlier one).
    pub issued: u64,
    /// Records issued before with the same content: the existing credential was kept.
    pub replayed: u64,
    /// Corrected records: a new credential issued, the earlier one revoked.
    pub superseded: u64,
    /// Records not issued (see the report).
    pub rejected: u64,
    /// Records older than the version already issued: skipped.
    pub stale: u64,
}

impl Counts {
    /// Records handled so far (every read record ends up in exactly one other count).
    pub fn handled(&self) -> u64 {
        self.issued + self.replayed + self.superseded + self.rejected + self.stale
    }
}

/// Writes a report: rejections go to a side file as they come, the report is assembled at the
/// end.
#[derive(Debug)]
pub struct ReportWriter {
    path: Option<PathBuf>,
    side: Option<(PathBuf, BufWriter<std::fs::File>)>,
    stale_side: Option<(PathBuf, BufWriter<std::fs::File>)>,
}

fn side_path(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

fn open_side(path: &Path) -> Result<(PathBuf, BufWriter<std::fs::File>), IngestError> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|e| IngestError::io(dir, e))?;
    }
    let file = std::fs::File::create(path).map_err(|e| IngestError::io(path, e))?;
    Ok((path.to_owned(), BufWriter::new(file)))
}

impl ReportWriter {
    /// A writer for a report at `path` (`None`: rejections are only counted).
    pub fn new(path: Option<&Path>) -> Result<Self, IngestError> {
        let (side, stale_side) = match path {
            Some(p) => (
                Some(open_side(&side_path(p, ".rejected.jsonl"))?),
                Some(open_side(&side_path(p, ".stale.jsonl"))?),
            ),
            None => (None, None),
        };
        Ok(Self {
            path: path.map(Path::to_owned),
            side,
            stale_side,
        })
    }

    /// The report's path.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Records a rejection.
    pub fn reject(&mut self, r: &Rejection) -> Result<(), IngestError> {
        if let Some((path, w)) = &mut self.side {
            serde_json::to_writer(&mut *w, r)
                .map_err(|e| IngestError::io(path.clone(), e.into()))?;
            w.write_all(b"\n")
                .map_err(|e| IngestError::io(path.clone(), e))?;
        }
        Ok(())
    }

    /// Records a stale record.
    pub fn stale(&mut self, s: &Stale) -> Result<(), IngestError> {
        if let Some((path, w)) = &mut self.stale_side {
            serde_json::to_writer(&mut *w, s)
                .map_err(|e| IngestError::io(path.clone(), e.into()))?;
            w.write_all(b"\n")
                .map_err(|e| IngestError::io(path.clone(), e))?;
        }
        Ok(())
    }

    /// Pushes buffered rejections to the side file.
    pub fn flush(&mut self) -> Result<(), IngestError> {
        for (path, w) in self.side.iter_mut().chain(self.stale_side.iter_mut()) {
            w.flush().map_err(|e| IngestError::io(path.clone(), e))?;
        }
        Ok(())
    }

    /// Writes the report (atomically) and removes the side files.
    pub fn finish(mut self, header: &ReportHeader) -> Result<(), IngestError> {
        self.flush()?;
        let Some(path) = self.path.clone() else {
            return Ok(());
        };
        let tmp = side_path(&path, ".tmp");
        let file = std::fs::File::create(&tmp).map_err(|e| IngestError::io(&tmp, e))?;
        let mut out = BufWriter::new(file);
        let io = |e: std::io::Error| IngestError::io(&tmp, e);
        let head = json!({
            "format": REPORT_FORMAT,
            "source": header.source,
            "mapping": header.mappings,
            "startedAt": header.started_at,
            "finishedAt": header.finished_at,
            "complete": header.complete,
            "error": header.error,
            "counts": header.counts,
        });
        let Value::Object(head) = head else {
            return Ok(());
        };
        out.write_all(b"{").map_err(io)?;
        for (k, v) in &head {
            write!(out, "\n  {}: {},", Value::from(k.as_str()), v).map_err(io)?;
        }
        for (name, side) in [
            ("rejected", self.side.take()),
            ("stale", self.stale_side.take()),
        ] {
            write!(out, "\n  \"{name}\": [").map_err(io)?;
            if let Some((side_path, w)) = side {
                drop(w);
                let f =
                    std::fs::File::open(&side_path).map_err(|e| IngestError::io(&side_path, e))?;
                let mut first = true;
                for line in std::io::BufReader::new(f).lines() {
                    let line = line.map_err(|e| IngestError::io(&side_path, e))?;
                    if line.is_empty() {
                        continue;
                    }
                    out.write_all(if first { b"\n    " } else { b",\n    " })
                        .map_err(io)?;
                    out.write_all(line.as_bytes()).map_err(io)?;
                    first = false;
                }
                let _ = std::fs::remove_file(&side_path);
                if !first {
                    out.write_all(b"\n  ").map_err(io)?;
                }
            }
            out.write_all(if name == "rejected" { b"]," } else { b"]" })
                .map_err(io)?;
        }
        out.write_all(b"\n}\n").map_err(io)?;
        let file = out.into_inner().map_err(|e| io(e.into_error()))?;
        file.sync_all().map_err(io)?;
        drop(file);
        std::fs::rename(&tmp, &path).map_err(|e| IngestError::io(&path, e))?;
        Ok(())
    }
}

/// The report's header fields.
#[derive(Debug, Clone)]
pub struct ReportHeader {
    /// What was read (`file births.csv`, `infohighway https://…/birth`).
    pub source: String,
    /// The mapping file(s).
    pub mappings: Vec<String>,
    /// When the run started (RFC 3339).
    pub started_at: String,
    /// When it ended (RFC 3339).
    pub finished_at: String,
    /// Whether the source was read to its end.
    pub complete: bool,
    /// The error that stopped the run, if any.
    pub error: Option<String>,
    /// The counts.
    pub counts: Counts,
}

/// Reads a report back (tests, tools).
pub fn read_report(path: &Path) -> Result<Value, IngestError> {
    let text = std::fs::read_to_string(path).map_err(|e| IngestError::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| IngestError::Input {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}
