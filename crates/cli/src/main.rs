//! `civitas`: one command line over the civitas crates.
//!
//! Exit codes: 0 valid / done, 1 invalid, 2 bad input or usage, 3 indeterminate.
#![forbid(unsafe_code)]

// `println!` and `print!` for every command: a closed standard output (`civitas verify … |
// head -1`) is a normal end, not a panic. Defined before the modules so that they use these.
macro_rules! println {
    () => {
        $crate::write_stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

macro_rules! print {
    ($($arg:tt)*) => {
        $crate::write_stdout(format_args!($($arg)*))
    };
}

mod audit_cmd;
mod did_cmd;
mod ingest_cmd;
mod input;
mod issuer_cmd;
mod keys_cmd;
mod profile_cmd;
mod render_cmd;
mod sample_cmd;
mod sign_cmd;
mod status_cmd;
mod trust_list_cmd;
mod verifier_cmd;
mod verify_cmd;
mod wallet_cmd;

use clap::{Parser, Subcommand};

/// The allocator of civitas' binaries (see the workspace manifest).
/// Set once standard output is found closed: later output is dropped.
static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Writes to standard output. When the reader has gone (broken pipe) the rest of the output is
/// dropped and the command finishes with its own exit code; any other write error ends the
/// process with exit code 2.
fn write_stdout(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    use std::sync::atomic::Ordering;
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    if let Err(e) = std::io::stdout().lock().write_fmt(args) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
        } else {
            eprintln!("error: cannot write to standard output: {e}");
            std::process::exit(2);
        }
    }
}

/// Whether `e` comes from writing to a closed pipe.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// civitas: official civil-registry documents as W3C Verifiable Credentials.
#[derive(Debug, Parser)]
#[command(name = "civitas", version, about, long_about = None)]
struct Cli {
    /// How log events (the servers' request log, warnings) are written to standard error:
    /// `text` or `json` (one object per line). `RUST_LOG` filters them (default `info`).
    #[arg(long, global = true, value_name = "text|json")]
    log_format: Option<civitas_http::logging::LogFormat>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate and inspect keys.
    #[command(subcommand)]
    Keys(keys_cmd::KeysCommand),
    /// Build DID documents.
    #[command(subcommand)]
    Did(did_cmd::DidCommand),
    /// Print a sample record (or unsigned credential) of any known document type.
    Sample(sample_cmd::SampleArgs),
    /// Document profiles: list the known document types, check a profile, show what derives.
    #[command(subcommand)]
    Profile(profile_cmd::ProfileCommand),
    /// Secure an unsigned credential (Data Integrity or vc+jwt).
    Sign(sign_cmd::SignArgs),
    /// Verify a credential or presentation (exit 0 valid, 1 invalid, 2 bad input, 3 indeterminate).
    Verify(verify_cmd::VerifyArgs),
    /// Render a printable certificate (PDF, SVG, PNG) with its QR code.
    Render(render_cmd::RenderArgs),
    /// Make, read and verify the compact QR form of a credential.
    #[command(subcommand)]
    Qr(render_cmd::QrCommand),
    /// Run and operate the government issuer service.
    #[command(subcommand)]
    Issuer(issuer_cmd::IssuerCommand),
    /// Check the issuer's hash-chained audit log.
    #[command(subcommand)]
    Audit(audit_cmd::AuditCommand),
    /// Build, sign and inspect trust lists (which issuers a verifier believes).
    #[command(subcommand)]
    TrustList(trust_list_cmd::TrustListCommand),
    /// Offline bundles, and the VC-API verify service.
    #[command(subcommand)]
    Verifier(verifier_cmd::VerifierCommand),
    /// Inspect status lists and check a credential's status against them.
    #[command(subcommand)]
    Status(status_cmd::StatusCommand),
    /// The citizen's encrypted wallet: import, list, share with consent, back up.
    Wallet(wallet_cmd::WalletArgs),
    /// Issue from civil-registry records: an export file or InfoHighway e-service feeds.
    #[command(subcommand)]
    Ingest(ingest_cmd::IngestCommand),
}

fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return std::process::ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let log_format = match cli.log_format {
        Some(format) => format,
        None => match std::env::var("CIVITAS_LOG_FORMAT") {
            Ok(v) if !v.is_empty() => match v.parse() {
                Ok(format) => format,
                Err(e) => {
                    eprintln!("error: CIVITAS_LOG_FORMAT: {e}");
                    return std::process::ExitCode::from(2);
                }
            },
            _ => civitas_http::logging::LogFormat::Text,
        },
    };
    civitas_http::logging::init(log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Keys(cmd) => keys_cmd::run(cmd),
            Command::Did(cmd) => did_cmd::run(cmd),
            Command::Sample(args) => sample_cmd::run(args),
            Command::Profile(cmd) => profile_cmd::run(cmd),
            Command::Sign(args) => sign_cmd::run(args).await,
            Command::Verify(args) => verify_cmd::run(args).await,
            Command::Status(cmd) => status_cmd::run(cmd).await,
            Command::TrustList(cmd) => trust_list_cmd::run(cmd).await,
            Command::Verifier(cmd) => verifier_cmd::run(cmd).await,
            Command::Issuer(cmd) => issuer_cmd::run(cmd).await,
            Command::Render(args) => render_cmd::run_render(args).await,
            Command::Qr(cmd) => render_cmd::run_qr(cmd).await,
            Command::Audit(cmd) => audit_cmd::run(cmd).await,
            Command::Wallet(args) => wallet_cmd::run(args).await,
            Command::Ingest(cmd) => ingest_cmd::run(cmd).await,
        }
    });
    match result {
        Ok(code) => std::process::ExitCode::from(u8::try_from(code).unwrap_or(2)),
        // Output written straight to standard output (a rendered file, audit lines) whose
        // reader went away: a normal end.
        Err(e) if is_broken_pipe(&e) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}
