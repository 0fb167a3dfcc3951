//! `civitas ingest …`: issue credentials from civil-registry records, from an export file or
//! from InfoHighway e-service feeds. The logic lives in civitas-infohighway; this is the
//! command line around it: a progress bar on standard error, a final summary, exit codes.
//!
//! The issuer's data directory is opened here (as `civitas issuer issue` does), so no server
//! may hold it. Exit codes: 0 every record issued (or replayed, superseded, stale), 1 some
//! records rejected (see the report), 2 the run stopped.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use civitas_infohighway::{
    CheckpointFile, Counts, FeedOptions, FileFormat, InfoHighwayClient, InfoHighwayConfig, Ingest,
    IngestError, IngestOptions, Mapping, Position, Progress, Source, Summary, Unit,
    source::{file::FileSource, infohighway::FeedSource},
};
use civitas_issuer::Issuer;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

/// `civitas ingest …`
#[derive(Debug, clap::Subcommand)]
pub enum IngestCommand {
    /// Ingest an export file (CSV or JSON Lines) with a mapping.
    File(FileArgs),
    /// Ingest the feeds of an InfoHighway e-service configuration.
    Infohighway(FeedArgs),
}

/// What every ingestion takes.
#[derive(Debug, clap::Args)]
pub struct CommonArgs {
    /// The issuer's data directory (default: $CIVITAS_DATA_DIR, else ./civitas-data).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Where to write the ingest report (default: <data dir>/ingest/reports/<time>-<source>.json).
    #[arg(long)]
    report: Option<PathBuf>,
    /// Records per issuer batch (1 to 10000).
    #[arg(long, default_value_t = 500)]
    batch_size: usize,
    /// Reject a corrected record as a conflict instead of superseding its credential.
    #[arg(long)]
    no_supersede: bool,
    /// No progress bar or notices.
    #[arg(long)]
    quiet: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

/// `civitas ingest file`
#[derive(Debug, clap::Args)]
pub struct FileArgs {
    /// The export file.
    path: PathBuf,
    /// The mapping (TOML) from the file's fields to the document.
    #[arg(long)]
    mapping: PathBuf,
    /// csv or jsonl (default: from the file's extension).
    #[arg(long)]
    format: Option<FileFormat>,
    #[command(flatten)]
    common: CommonArgs,
}

/// `civitas ingest infohighway`
#[derive(Debug, clap::Args)]
pub struct FeedArgs {
    /// The InfoHighway configuration (TOML).
    #[arg(long)]
    config: PathBuf,
    /// Only these services (their names in the configuration); default: all of them.
    #[arg(long = "service")]
    services: Vec<String>,
    /// Keep polling after catching up, until interrupted (Ctrl-C stops at a page boundary).
    #[arg(long)]
    follow: bool,
    /// Forget the checkpoint and read the feed from the beginning (already issued records
    /// replay).
    #[arg(long)]
    reset_checkpoint: bool,
    #[command(flatten)]
    common: CommonArgs,
}

impl CommonArgs {
    fn data_dir(&self) -> PathBuf {
        self.data_dir
            .clone()
            .or_else(|| std::env::var_os("CIVITAS_DATA_DIR").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("civitas-data"))
    }

    fn options(&self, data_dir: &Path, label: &str, started: &str) -> IngestOptions {
        let report = self.report.clone().unwrap_or_else(|| {
            data_dir
                .join("ingest")
                .join("reports")
                .join(format!("{started}-{label}.json"))
        });
        let mut options = IngestOptions::for_data_dir(data_dir)
            .report(report)
            .batch_size(self.batch_size);
        options.supersede = !self.no_supersede;
        options.actor = "cli-ingest".into();
        options
    }
}

async fn open_issuer(dir: &Path) -> anyhow::Result<Issuer> {
    let config = Issuer::config_of(dir)?;
    let (issuer, _) = Issuer::open(config)
        .await
        .with_context(|| format!("opening the issuer in {}", dir.display()))?;
    Ok(issuer)
}

fn stamp() -> String {
    chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string()
}

/// Runs an `ingest` subcommand and returns the process exit code.
pub async fn run(cmd: IngestCommand) -> anyhow::Result<i32> {
    match cmd {
        IngestCommand::File(args) => run_file(args).await,
        IngestCommand::Infohighway(args) => run_feeds(args).await,
    }
}

async fn run_file(args: FileArgs) -> anyhow::Result<i32> {
    let format = match args.format {
        Some(f) => f,
        None => FileFormat::from_path(&args.path).with_context(|| {
            format!(
                "{}: cannot tell the format from the extension; give --format csv or --format jsonl",
                args.path.display()
            )
        })?,
    };
    let mapping = Arc::new(Mapping::from_file(&args.mapping)?);
    let data_dir = args.common.data_dir();
    let issuer = open_issuer(&data_dir).await?;
    let options = args.common.options(&data_dir, "file", &stamp());
    let bar = Bar::new(args.common.quiet || args.common.json);
    let source = FileSource::open(&args.path, format, mapping.csv());
    let summary = ingest(&issuer, mapping, &options, &bar, source).await?;
    print_summary(
        &format!("file {}", args.path.display()),
        &summary,
        args.common.json,
    );
    Ok(summary.exit_code())
}

async fn run_feeds(args: FeedArgs) -> anyhow::Result<i32> {
    let config = InfoHighwayConfig::from_file(&args.config)?;
    let names: Vec<String> = if args.services.is_empty() {
        config.services.keys().cloned().collect()
    } else {
        args.services.clone()
    };
    let mut services = Vec::new();
    for name in &names {
        let service = config.service(name)?.clone();
        let mapping = Arc::new(Mapping::from_file(&service.mapping)?);
        services.push((service, mapping));
    }
    let data_dir = args.common.data_dir();
    let issuer = open_issuer(&data_dir).await?;
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("stopping at the next page boundary (Ctrl-C again to quit at once)");
                stop.store(true, Ordering::SeqCst);
                // what is not checkpointed is read again next time: quitting loses nothing
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(130);
                }
            }
        });
    }
    let feed = FeedOptions {
        follow: args.follow,
        stop: Some(stop),
    };
    let client = Arc::new(InfoHighwayClient::new(config)?);
    let started = stamp();
    let several = services.len() > 1;
    let mut code = 0;
    for (service, mapping) in services {
        let mut options = args.common.options(&data_dir, &service.name, &started);
        if several && let (Some(report), Some(_)) = (&options.report, &args.common.report) {
            // one report per service: `r.json` → `r-birth.json`
            let stem = report.file_stem().unwrap_or_default().to_string_lossy();
            let ext = report
                .extension()
                .map(|e| format!(".{}", e.to_string_lossy()))
                .unwrap_or_default();
            options.report = Some(report.with_file_name(format!("{stem}-{}{ext}", service.name)));
        }
        let checkpoint = CheckpointFile::new(client.config().checkpoint_path(&service, &data_dir));
        if args.reset_checkpoint {
            checkpoint.reset()?;
        }
        let bar = Bar::new(args.common.quiet || args.common.json);
        bar.notice(&format!(
            "{}: {}",
            service.name,
            client.config().feed_url(&service)
        ));
        let source = FeedSource::open(client.clone(), &service, &checkpoint, &feed);
        let summary = ingest(&issuer, mapping, &options, &bar, source).await?;
        print_summary(
            &format!("infohighway {} ({})", service.name, service.service),
            &summary,
            args.common.json,
        );
        code = code.max(summary.exit_code());
    }
    Ok(code)
}

fn print_summary(source: &str, s: &Summary, json: bool) {
    let c = &s.counts;
    if json {
        let checkpoint = s
            .checkpoint
            .as_ref()
            .map(|cp| json!({"cursor": cp.cursor, "pages": cp.pages, "records": cp.records}));
        println!(
            "{}",
            json!({"source": source, "counts": c, "elapsedSeconds": s.elapsed.as_secs_f64(),
                   "recordsPerSecond": s.rate(), "report": s.report, "checkpoint": checkpoint,
                   "exitCode": s.exit_code()})
        );
        return;
    }
    println!(
        "{source}: {} records in {:.1} s ({:.0} records/s)",
        c.read,
        s.elapsed.as_secs_f64(),
        s.rate()
    );
    println!("  issued      {}", c.issued);
    println!("  replayed    {}", c.replayed);
    println!("  superseded  {}", c.superseded);
    println!("  rejected    {}", c.rejected);
    println!("  stale       {}", c.stale);
    if let Some(r) = &s.report {
        println!("  report      {}", r.display());
    }
    if let Some(cp) = &s.checkpoint {
        println!(
            "  checkpoint  page {}, cursor {}",
            cp.pages,
            cp.cursor.as_deref().unwrap_or("(start)")
        );
    }
    if c.rejected > 0 {
        println!(
            "{} records were not issued: the report lists each with its reason",
            c.rejected
        );
    }
}

/// Runs `source` (if it could be opened) through the pipeline, then takes the progress bar
/// down, whatever the outcome.
async fn ingest(
    issuer: &Issuer,
    mapping: Arc<Mapping>,
    options: &IngestOptions,
    bar: &Bar,
    source: Result<impl Source, IngestError>,
) -> Result<Summary, IngestError> {
    let result = match source {
        Ok(source) => {
            Ingest::new(issuer, mapping)
                .options(options)
                .progress(bar)
                .run(source)
                .await
        }
        Err(e) => Err(e),
    };
    bar.finish();
    result
}

/// The progress bar: the file's bytes (or the feed's records) with the counts, the rate and
/// the ETA. Hidden when standard error is not a terminal; notices then go to standard error as
/// plain lines.
struct Bar {
    bar: ProgressBar,
    quiet: bool,
    started: Instant,
}

impl Bar {
    fn new(quiet: bool) -> Self {
        let target = if quiet {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(None, target);
        bar.set_style(Self::style(None));
        bar.enable_steady_tick(Duration::from_millis(250));
        Self {
            bar,
            quiet,
            started: Instant::now(),
        }
    }

    fn style(unit: Option<Unit>) -> ProgressStyle {
        let template = match unit {
            None => "{spinner} {elapsed_precise} {msg}",
            Some(Unit::Bytes) => {
                "{bar:30} {percent:>3}% {binary_bytes}/{binary_total_bytes} ETA {eta} {msg}"
            }
            Some(Unit::Records) => "{bar:30} {pos}/{len} records ETA {eta} {msg}",
        };
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for Bar {
    fn update(&self, counts: &Counts, position: Option<Position>) {
        if let Some(Position {
            done,
            total: Some(total),
            unit,
        }) = position
        {
            if self.bar.length() != Some(total) {
                if self.bar.length().is_none() {
                    self.bar.set_style(Self::style(Some(unit)));
                }
                self.bar.set_length(total);
            }
            self.bar.set_position(done.min(total));
        }
        let secs = self.started.elapsed().as_secs_f64();
        let rate = if secs > 0.0 {
            counts.handled() as f64 / secs
        } else {
            0.0
        };
        self.bar.set_message(format!(
            "{rate:.0} rec/s · issued {} · replayed {} · superseded {} · rejected {} · stale {}",
            counts.issued, counts.replayed, counts.superseded, counts.rejected, counts.stale
        ));
    }

    fn notice(&self, message: &str) {
        if self.quiet {
            return;
        }
        if self.bar.is_hidden() {
            eprintln!("{message}");
        } else {
            self.bar.println(message);
        }
    }
}
