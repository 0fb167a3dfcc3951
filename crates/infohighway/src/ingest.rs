//! The ingestion pipeline: a reader (a file or an e-service feed) maps records on its own
//! thread or task and hands them over a bounded channel to the issuing loop, which groups them
//! into batches for [`Sink::issue_batch`] (parallel signing, one flush per batch), counts what
//! happened, writes bad records to the report and, once a batch is acknowledged, the feed
//! checkpoint. Each record goes with its version, which the issuer records in the same commit
//! as the issuance (the version [`ledger`](mod@crate::ledger), in the registry store).
//!
//! Guarantees:
//! - every record read ends in exactly one count: issued, replayed, superseded, rejected
//!   (listed in the report with field and reason) or stale (listed too);
//! - a record id is never twice in one batch (the issuer would refuse the second): the batch
//!   is sent before a second version of a record joins it, so versions are applied in order;
//! - a checkpoint is written only after every record before it is acknowledged by the issuer
//!   (or rejected and reported), so a crash never skips a record; records after the checkpoint
//!   are read again and replay.

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use civitas_issuer::{IssueOutcome, IssueRequest};
use tokio::sync::mpsc;

use crate::checkpoint::{Checkpoint, CheckpointFile};
use crate::error::IngestError;
use crate::ledger::{self, Verdict};
use crate::mapping::{MapFailure, Mapped, Mapping};
use crate::report::{Counts, Issue, Rejection, ReportHeader, ReportWriter, Stage, Stale};
use crate::sink::Sink;
use crate::source::file::{FileFormat, FileSource};
use crate::source::{Emitter, Source};

/// How an ingestion runs.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Records per issuer batch (default 500; the issuer takes at most 10,000).
    pub batch_size: usize,
    /// A partial batch is sent when no record arrived for this long (slow feeds).
    pub max_batch_delay: Duration,
    /// Where to write the JSON report (`None`: counts only).
    pub report: Option<PathBuf>,
    /// The separate version ledger of earlier civitas versions (`<data>/ingest/ledger`): when
    /// it exists, it is folded into the issuer's registry at the start of the run, then
    /// renamed `ledger.folded` ([`ledger::fold_legacy`]). The ledger itself is in the registry.
    pub ledger: Option<PathBuf>,
    /// Whether a corrected record supersedes (revokes and replaces) the credential issued for
    /// its earlier version (default `true`). When `false`, it is rejected as a conflict.
    pub supersede: bool,
    /// The audit log's actor for what this ingestion issues (default `ingest`).
    pub actor: String,
    /// Mapped records buffered between the reader and the issuer (default 2,048).
    pub buffer: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self {
            batch_size: 500,
            max_batch_delay: Duration::from_secs(2),
            report: None,
            ledger: None,
            supersede: true,
            actor: "ingest".into(),
            buffer: 2048,
        }
    }
}

impl IngestOptions {
    /// Options for an issuer data directory: a legacy ledger in `<data>/ingest/ledger` is
    /// folded into the registry.
    pub fn for_data_dir(data_dir: &Path) -> Self {
        Self {
            ledger: Some(data_dir.join("ingest").join("ledger")),
            ..Self::default()
        }
    }

    /// Sets the report path.
    pub fn report(mut self, path: impl Into<PathBuf>) -> Self {
        self.report = Some(path.into());
        self
    }

    /// Sets the batch size (1 to 10,000).
    pub fn batch_size(mut self, n: usize) -> Self {
        self.batch_size = n.clamp(1, 10_000);
        self
    }
}

/// What the progress is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Bytes of a file.
    Bytes,
    /// Records of a feed.
    Records,
}

/// How far a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Done so far.
    pub done: u64,
    /// The total, when known.
    pub total: Option<u64>,
    /// What `done` and `total` count.
    pub unit: Unit,
}

/// Receives progress (the CLI draws a progress bar from it). Called from the issuing loop
/// after every batch and whenever the reader reports its position.
pub trait Progress: Send + Sync {
    /// The counts so far and the reader's position.
    fn update(&self, counts: &Counts, position: Option<Position>);
    /// A notice worth showing (a retry, a poll).
    fn notice(&self, _message: &str) {}
}

/// No progress display.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn update(&self, _: &Counts, _: Option<Position>) {}
}

/// The outcome of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The counts.
    pub counts: Counts,
    /// How long it took.
    pub elapsed: Duration,
    /// The report, if one was written.
    pub report: Option<PathBuf>,
    /// The last checkpoint written (feeds).
    pub checkpoint: Option<Checkpoint>,
}

impl Summary {
    /// Records handled per second.
    pub fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.counts.handled() as f64 / secs
        } else {
            0.0
        }
    }

    /// The exit code for a command line: 0 when every record was issued (or replayed,
    /// superseded, skipped as stale), 1 when some were rejected.
    pub fn exit_code(&self) -> i32 {
        if self.counts.rejected > 0 { 1 } else { 0 }
    }
}

/// What the reader hands to the issuing loop.
#[derive(Debug)]
pub(crate) enum Item {
    Mapped {
        position: String,
        mapped: Box<Mapped>,
    },
    Rejected(Box<Rejection>),
    Checkpoint(Checkpoint),
    Position(Position),
    Notice(String),
    Fatal(IngestError),
}

/// A record that could not be read as one (parse stage), at `position`.
pub(crate) fn unreadable(position: String, reason: String) -> Item {
    Item::Rejected(Box::new(Rejection::new(
        None,
        position,
        Stage::Parse,
        vec![Issue {
            field: "record".into(),
            source_field: None,
            reason,
        }],
    )))
}

/// Turns a mapping result into an item.
pub(crate) fn map_record(mapping: &Mapping, position: String, record: &serde_json::Value) -> Item {
    match mapping.apply(record) {
        Ok(mapped) => Item::Mapped {
            position,
            mapped: Box::new(mapped),
        },
        Err(MapFailure {
            source_id,
            issues,
            stage,
        }) => Item::Rejected(Box::new(Rejection::new(source_id, position, stage, issues))),
    }
}

struct Pending {
    position: String,
    source_id: String,
}

struct Loop<'a> {
    sink: &'a dyn Sink,
    mapping: &'a Mapping,
    options: &'a IngestOptions,
    progress: &'a dyn Progress,
    report: ReportWriter,
    checkpoint_file: Option<&'a CheckpointFile>,
    counts: Counts,
    batch: Vec<(Pending, IssueRequest)>,
    ids: HashSet<String>,
    pending_checkpoint: Option<Checkpoint>,
    saved_checkpoint: Option<Checkpoint>,
    position: Option<Position>,
}

impl Loop<'_> {
    async fn handle(&mut self, item: Item) -> Result<(), IngestError> {
        match item {
            Item::Mapped { position, mapped } => {
                self.counts.read += 1;
                let Mapped {
                    source_id,
                    version,
                    document,
                } = *mapped;
                if self.ids.contains(&source_id) {
                    self.flush().await?;
                }
                let mut supersede = self.options.supersede;
                if let Some(v) = &version {
                    match ledger::check(self.sink, &source_id, v).await? {
                        Verdict::Newer => {}
                        Verdict::Same => supersede = false,
                        Verdict::Older(known) => {
                            self.counts.stale += 1;
                            self.report.stale(&Stale {
                                record_id: source_id,
                                position,
                                version: v.clone(),
                                ledger_version: known,
                            })?;
                            return Ok(());
                        }
                    }
                }
                let mut request = IssueRequest::new(document)
                    .source(&source_id)
                    .supersede(supersede);
                request.source_version = version;
                self.ids.insert(source_id.clone());
                self.batch.push((
                    Pending {
                        position,
                        source_id,
                    },
                    request,
                ));
                if self.batch.len() >= self.options.batch_size {
                    self.flush().await?;
                }
            }
            Item::Rejected(r) => {
                self.counts.read += 1;
                self.counts.rejected += 1;
                self.report.reject(&r)?;
            }
            Item::Checkpoint(cp) => {
                self.pending_checkpoint = Some(cp);
                if self.batch.is_empty() {
                    self.save_checkpoint()?;
                }
            }
            Item::Position(p) => {
                self.position = Some(p);
                self.progress.update(&self.counts, self.position);
            }
            Item::Notice(m) => self.progress.notice(&m),
            Item::Fatal(e) => {
                // the reader failed: what it read before is still issued and checkpointed
                self.flush().await?;
                self.save_checkpoint()?;
                return Err(e);
            }
        }
        Ok(())
    }

    fn save_checkpoint(&mut self) -> Result<(), IngestError> {
        if let (Some(file), Some(cp)) = (self.checkpoint_file, self.pending_checkpoint.take()) {
            // what the report says about the records before the checkpoint is on disk first
            self.report.flush()?;
            self.saved_checkpoint = Some(file.save(&cp)?);
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), IngestError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        self.ids.clear();
        let (pending, requests): (Vec<Pending>, Vec<IssueRequest>) = batch.into_iter().unzip();
        let results = self.sink.issue_batch(requests, &self.options.actor).await?;
        for (p, result) in pending.into_iter().zip(results) {
            match result {
                Ok((_, outcome)) => match outcome {
                    IssueOutcome::Issued => self.counts.issued += 1,
                    IssueOutcome::Replayed => self.counts.replayed += 1,
                    IssueOutcome::Superseded { .. } => self.counts.superseded += 1,
                },
                Err(e) => {
                    self.counts.rejected += 1;
                    let issue: Issue = self.mapping.issue_of(&e);
                    let stage = match e {
                        civitas_issuer::IssuerError::Record(_) => Stage::Validation,
                        _ => Stage::Issuer,
                    };
                    self.report.reject(&Rejection::new(
                        Some(p.source_id),
                        p.position,
                        stage,
                        vec![issue],
                    ))?;
                }
            }
        }
        self.save_checkpoint()?;
        self.progress.update(&self.counts, self.position);
        Ok(())
    }
}

/// Runs the issuing loop over `rx` until the reader is done or something fatal happens; the
/// report is written in both cases.
pub(crate) async fn run_loop(
    sink: &dyn Sink,
    mapping: &Mapping,
    options: &IngestOptions,
    progress: &dyn Progress,
    source: String,
    checkpoint_file: Option<&CheckpointFile>,
    mut rx: mpsc::Receiver<Item>,
) -> Result<Summary, IngestError> {
    let started = Instant::now();
    let started_at = now();
    if let Some(dir) = &options.ledger {
        ledger::fold_legacy(sink, dir).await?;
    }
    let mut lp = Loop {
        sink,
        mapping,
        options,
        progress,
        report: ReportWriter::new(options.report.as_deref())?,
        checkpoint_file,
        counts: Counts::default(),
        batch: Vec::new(),
        ids: HashSet::new(),
        pending_checkpoint: None,
        saved_checkpoint: None,
        position: None,
    };
    let result: Result<(), IngestError> = async {
        loop {
            let item = if lp.batch.is_empty() {
                rx.recv().await
            } else {
                match tokio::time::timeout(options.max_batch_delay, rx.recv()).await {
                    Ok(item) => item,
                    Err(_) => {
                        lp.flush().await?;
                        continue;
                    }
                }
            };
            match item {
                Some(item) => lp.handle(item).await?,
                None => break,
            }
        }
        lp.flush().await?;
        lp.save_checkpoint()
    }
    .await;
    // stop the reader if it is still going
    rx.close();
    progress.update(&lp.counts, lp.position);
    let header = ReportHeader {
        source,
        mappings: vec![mapping.name().to_owned()],
        started_at,
        finished_at: now(),
        complete: result.is_ok(),
        error: result.as_ref().err().map(ToString::to_string),
        counts: lp.counts,
    };
    let report_path = lp.report.path().map(Path::to_owned);
    let written = lp.report.finish(&header);
    result?;
    written?;
    Ok(Summary {
        counts: lp.counts,
        elapsed: started.elapsed(),
        report: report_path,
        checkpoint: lp.saved_checkpoint,
    })
}

fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// One ingestion run: records from a [`Source`] (an export file, an InfoHighway feed, or a
/// source of your own) are mapped with `mapping`, validated and issued through `sink` in
/// batches; bad records go to the report, checkpoints are saved once acknowledged.
///
/// ```no_run
/// # async fn run(sink: &dyn civitas_infohighway::Sink, mapping: std::sync::Arc<civitas_infohighway::Mapping>)
/// # -> Result<(), civitas_infohighway::IngestError> {
/// use civitas_infohighway::{FileFormat, Ingest, IngestOptions, source::file::FileSource};
/// let source = FileSource::open("births.csv".as_ref(), FileFormat::Csv, mapping.csv())?;
/// let summary = Ingest::new(sink, mapping).options(&IngestOptions::default()).run(source).await?;
/// println!("{} issued", summary.counts.issued);
/// # Ok(()) }
/// ```
pub struct Ingest<'a> {
    sink: &'a dyn Sink,
    mapping: Arc<Mapping>,
    options: Cow<'a, IngestOptions>,
    progress: &'a dyn Progress,
}

impl std::fmt::Debug for Ingest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ingest")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<'a> Ingest<'a> {
    /// A run issuing through `sink` with `mapping`, default options, no progress display.
    pub fn new(sink: &'a dyn Sink, mapping: Arc<Mapping>) -> Self {
        Self {
            sink,
            mapping,
            options: Cow::Owned(IngestOptions::default()),
            progress: &NoProgress,
        }
    }

    /// Batch size, report, ledger to fold in, channel size (see [`IngestOptions`]).
    pub fn options(mut self, options: &'a IngestOptions) -> Self {
        self.options = Cow::Borrowed(options);
        self
    }

    /// Where progress is shown.
    pub fn progress(mut self, progress: &'a dyn Progress) -> Self {
        self.progress = progress;
        self
    }

    /// Reads `source` to its end (or until it fails or the sink does) and issues what it sends.
    pub async fn run(self, source: impl Source) -> Result<Summary, IngestError> {
        let label = source.label();
        let checkpoint_file = source.checkpoint_file();
        let (tx, rx) = mpsc::channel(self.options.buffer.max(1));
        let out = Emitter {
            tx,
            mapping: self.mapping.clone(),
        };
        let producer = tokio::spawn(Box::new(source).read(out));
        let summary = run_loop(
            self.sink,
            &self.mapping,
            &self.options,
            self.progress,
            label,
            checkpoint_file.as_ref(),
            rx,
        )
        .await;
        producer.abort();
        let _ = producer.await;
        summary
    }
}

/// Ingests an export file: shorthand for [`Ingest`] over a [`FileSource`].
pub async fn ingest_file(
    sink: &dyn Sink,
    path: &Path,
    format: FileFormat,
    mapping: Arc<Mapping>,
    options: &IngestOptions,
    progress: &dyn Progress,
) -> Result<Summary, IngestError> {
    let source = FileSource::open(path, format, mapping.csv())?;
    Ingest::new(sink, mapping)
        .options(options)
        .progress(progress)
        .run(source)
        .await
}
