//! `civitas`: one command line over the civitas crates.
//!
//! Exit codes: 0 valid / done, 1 invalid, 2 bad input or usage, 3 indeterminate.
#![forbid(unsafe_code)]

mod audit_cmd;
mod did_cmd;
mod ingest_cmd;
mod input;
mod issuer_cmd;
mod keys_cmd;
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
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// civitas: official civil-registry documents as W3C Verifiable Credentials.
#[derive(Debug, Parser)]
#[command(name = "civitas", version, about, long_about = None)]
struct Cli {
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
    /// Print a sample birth or marriage record (or unsigned credential).
    Sample(sample_cmd::SampleArgs),
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
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}
