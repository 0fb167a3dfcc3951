//! `civitas audit …`: check the issuer's hash-chained audit log. Reads the registry directly
//! (no key or passphrase needed; not while a server holds the data directory) or an exported
//! log (JSON lines, as `GET /audit` and `civitas audit export` write them).
//!
//! Exit codes: 0 the chain verifies, 1 a link is broken (the first one is reported), 2 error.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use civitas_issuer::audit::{BrokenLink, ChainReport, verify_json_lines};
use civitas_issuer::issuer::verify_store_audit;
use civitas_issuer::store::{self, RegistryStore, StoreLocation};
use serde_json::json;

/// `civitas audit …`
#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Recompute the chain and report the first broken link.
    Verify {
        /// The issuer's data directory (default: $CIVITAS_DATA_DIR, else ./civitas-data).
        #[arg(long, conflicts_with = "file")]
        data_dir: Option<PathBuf>,
        /// An exported log (JSON lines) instead of a data directory.
        #[arg(long)]
        file: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write the log as JSON lines.
    Export {
        /// The issuer's data directory (default: $CIVITAS_DATA_DIR, else ./civitas-data).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn data_dir(given: Option<PathBuf>) -> PathBuf {
    given
        .or_else(|| std::env::var_os("CIVITAS_DATA_DIR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("civitas-data"))
}

/// The registry of the data directory `dir`: its sled database, or the PostgreSQL database its
/// `store.toml` names.
fn open_store(dir: &std::path::Path) -> anyhow::Result<Arc<dyn RegistryStore>> {
    let location = store::recall(dir)?.unwrap_or_default();
    anyhow::ensure!(
        location != StoreLocation::Sled || dir.join("registry").exists(),
        "{} is not an issuer data directory",
        dir.display()
    );
    Ok(store::open_store(dir, &location)?)
}

/// Runs an `audit` subcommand and returns the process exit code.
pub async fn run(cmd: AuditCommand) -> anyhow::Result<i32> {
    match cmd {
        AuditCommand::Verify {
            data_dir: dir,
            file,
            json,
        } => {
            let result: Result<ChainReport, BrokenLink> = match file {
                Some(path) => {
                    let f = std::fs::File::open(&path)
                        .with_context(|| format!("opening {}", path.display()))?;
                    verify_json_lines(std::io::BufReader::new(f))
                }
                None => verify_store_audit(open_store(&data_dir(dir))?.as_ref())?,
            };
            match result {
                Ok(report) => {
                    if json {
                        println!(
                            "{}",
                            json!({"valid": true, "entries": report.entries, "head": report.head})
                        );
                    } else {
                        println!(
                            "audit log valid: {} entries, head {}",
                            report.entries,
                            report.head.as_deref().unwrap_or("(empty)")
                        );
                    }
                    Ok(0)
                }
                Err(broken) => {
                    if json {
                        println!(
                            "{}",
                            json!({"valid": false, "firstBrokenEntry": broken.seq, "reason": broken.reason})
                        );
                    } else {
                        println!(
                            "audit log BROKEN at entry {}: {}",
                            broken.seq, broken.reason
                        );
                    }
                    Ok(1)
                }
            }
        }
        AuditCommand::Export { data_dir: dir, out } => {
            let store = open_store(&data_dir(dir))?;
            let mut sink: Box<dyn std::io::Write> = match &out {
                Some(p) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(p)
                        .with_context(|| format!("creating {}", p.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            let mut from = 1;
            loop {
                let page = store.audit(from, 10_000)?;
                let Some(last) = page.last() else { break };
                from = last.seq + 1;
                for e in &page {
                    writeln!(sink, "{}", serde_json::to_string(e)?)?;
                }
            }
            sink.flush()?;
            Ok(0)
        }
    }
}
