//! `civitas status`: read a status list credential, and check a credential's revocation and
//! suspension against status list files. The logic lives in civitas-status; this is the
//! command line around it.
//!
//! Exit codes: 0 active (or, for `inspect`, a list whose signature verifies); 1 revoked,
//! suspended, or invalid (a status list that does not verify, a stale list, an entry that does
//! not fit its list); 2 bad input (unreadable files, a status list missing for an entry).

use std::io::Read;
use std::path::{Path, PathBuf};

use civitas_core::credential::MAX_DOCUMENT_BYTES;
use civitas_core::report::Outcome;
use civitas_core::verify::{DocumentCheck, Input};
use civitas_status::cache::{FreshnessPolicy, StatusListCache};
use civitas_status::check::{CredentialStatus, EntryState};
use civitas_status::entry::StatusPurpose;
use civitas_status::inspect::ListSummary;
use serde_json::json;

/// `civitas status …`
#[derive(Debug, clap::Subcommand)]
pub enum StatusCommand {
    /// Show what a status list credential holds: size, entries set per purpose, validity,
    /// issuer, and whether its signature verifies (did:key issuers; offline).
    Inspect {
        /// The status list credential (JSON or vc+jwt).
        list: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Check a credential's revocation and suspension entries against status list credentials.
    /// Only the status is checked, not the credential's own signature (see `civitas verify`).
    Check {
        /// The credential (JSON or vc+jwt).
        credential: PathBuf,
        /// A status list credential the entries point at (repeat for several lists).
        #[arg(long)]
        list: Vec<PathBuf>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a `status` subcommand and returns the process exit code.
pub async fn run(cmd: StatusCommand) -> anyhow::Result<i32> {
    match cmd {
        StatusCommand::Inspect { list, json } => inspect(&list, json).await,
        StatusCommand::Check {
            credential,
            list,
            json,
        } => check(&credential, &list, json).await,
    }
}

/// Reads a file of at most `MAX_DOCUMENT_BYTES` (so a huge file is not read into memory).
fn read_bounded(path: &Path) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(MAX_DOCUMENT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(format!(
            "{}: larger than the {MAX_DOCUMENT_BYTES} bytes accepted",
            path.display()
        ));
    }
    Ok(bytes)
}

fn bad_input(json: bool, message: &str) -> i32 {
    if json {
        println!("{}", json!({"error": message}));
    } else {
        eprintln!("civitas status: {message}");
    }
    2
}

async fn inspect(path: &Path, json: bool) -> anyhow::Result<i32> {
    let bytes = match read_bounded(path) {
        Ok(b) => b,
        Err(e) => return Ok(bad_input(json, &e)),
    };
    // (SystemTime converts into the chrono time civitas uses: no chrono dependency here.)
    let now = std::time::SystemTime::now();
    let summary = match ListSummary::inspect(&bytes, &DocumentCheck::default(), now.into()).await {
        Ok(s) => s,
        Err(e) => return Ok(bad_input(json, &format!("{}: {e}", path.display()))),
    };
    if json {
        // the signature serializes as {"verified", "detail" | "reason"}
        let value = serde_json::to_value(&summary)?;
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        print!("{summary}");
    }
    Ok(if summary.signature.is_verified() {
        0
    } else {
        1
    })
}

fn state_label(state: &EntryState) -> &'static str {
    match state {
        EntryState::Clear => "clear",
        EntryState::Set { .. } => "set",
        EntryState::Stale { .. } => "stale",
        EntryState::Missing => "missing",
        EntryState::Invalid(_) => "invalid",
        EntryState::Unsupported { .. } => "unsupported",
    }
}

async fn check(credential_path: &Path, lists: &[PathBuf], json: bool) -> anyhow::Result<i32> {
    let bytes = match read_bounded(credential_path) {
        Ok(b) => b,
        Err(e) => return Ok(bad_input(json, &e)),
    };
    let credential = match Input::parse(&bytes) {
        Ok(Input::Credential(c)) => c,
        Ok(Input::Presentation(_)) => {
            return Ok(bad_input(
                json,
                &format!(
                    "{}: a presentation; give one credential",
                    credential_path.display()
                ),
            ));
        }
        Err(e) => {
            return Ok(bad_input(
                json,
                &format!("{}: {e}", credential_path.display()),
            ));
        }
    };
    // (SystemTime converts into the chrono time civitas uses: no chrono dependency here.)
    let now = std::time::SystemTime::now();
    let cache = StatusListCache::new();
    let checker = DocumentCheck::default();
    let mut list_reports = Vec::new();
    let mut list_failed = false;
    for path in lists {
        let list_bytes = match read_bounded(path) {
            Ok(b) => b,
            Err(e) => return Ok(bad_input(json, &e)),
        };
        match cache.load(&list_bytes, &checker, now.into()).await {
            Ok(list) => list_reports.push(json!({
                "file": path.display().to_string(),
                "id": list.url(),
                "verified": true,
            })),
            Err(
                e @ (civitas_status::StatusError::Input(_)
                | civitas_status::StatusError::NotAStatusList { .. }
                | civitas_status::StatusError::Field { .. }
                | civitas_status::StatusError::EncodedList(_)
                | civitas_status::StatusError::ListTooShort { .. }
                | civitas_status::StatusError::UnknownPurpose { .. }),
            ) => {
                return Ok(bad_input(json, &format!("{}: {e}", path.display())));
            }
            Err(e) => {
                list_failed = true;
                if !json {
                    eprintln!("civitas status: {}: {e}", path.display());
                }
                list_reports.push(json!({
                    "file": path.display().to_string(),
                    "verified": false,
                    "reason": e.to_string(),
                }));
            }
        }
    }
    // The lists were given just now: only their validity period limits them.
    let freshness = FreshnessPolicy {
        honor_ttl: false,
        ..FreshnessPolicy::online()
    };
    let status = CredentialStatus::check(credential.credential(), &cache, &freshness, now.into());
    let revocation = status.outcome(StatusPurpose::Revocation);
    let suspension = status.outcome(StatusPurpose::Suspension);
    let missing: Vec<String> = status
        .entries
        .iter()
        .filter(|e| e.state == EntryState::Missing)
        .filter_map(|e| e.list_url.clone())
        .collect();
    let code = if revocation.is_failed() || suspension.is_failed() {
        1
    } else if !missing.is_empty() && !list_failed {
        2
    } else if [&revocation, &suspension]
        .iter()
        .any(|o| matches!(o, Outcome::Indeterminate { .. }))
        || list_failed
    {
        1
    } else {
        0
    };
    if json {
        let entries: Vec<_> = status
            .entries
            .iter()
            .map(|e| {
                json!({
                    "position": e.position,
                    "purpose": e.purpose.map(|p| p.as_str()),
                    "statusListCredential": e.list_url,
                    "statusListIndex": e.index,
                    "state": state_label(&e.state),
                })
            })
            .collect();
        let out = json!({
            "credential": credential.credential().id(),
            "issuer": status.issuer,
            "active": code == 0,
            "revocation": revocation,
            "suspension": suspension,
            "entries": entries,
            "lists": list_reports,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        let headline = match code {
            0 => "ACTIVE",
            1 if revocation.is_failed() || suspension.is_failed() => "NOT ACTIVE",
            1 => "CANNOT BE CONFIRMED",
            _ => "STATUS LIST MISSING",
        };
        println!(
            "{headline}: {}",
            credential
                .credential()
                .id()
                .unwrap_or("(credential without id)")
        );
        println!("  issuer:     {}", status.issuer);
        println!("  revocation: {}", describe(&revocation));
        println!("  suspension: {}", describe(&suspension));
        for url in &missing {
            println!("  pass --list with the status list credential {url}");
        }
    }
    Ok(code)
}

fn describe(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Passed { detail } => format!("ok ({detail})"),
        Outcome::Failed { reason } => format!("FAILED: {reason}"),
        Outcome::NotApplicable { reason } => format!("n/a ({reason})"),
        Outcome::Indeterminate { reason } => format!("?? {reason}"),
    }
}
