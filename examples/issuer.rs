//! The government issuer service, in one command:
//!
//! ```text
//! cargo run --release --example issuer
//! ```
//!
//! On first run it creates the data directory (`./civitas-data`), the signing key (sealed under
//! a passphrase: `CIVITAS_ISSUER_PASSPHRASE`, the file named by `CIVITAS_ISSUER_PASSPHRASE_FILE`,
//! or a random one written to `<data dir>/passphrase` with mode 0600), the DID, a self-signed
//! TLS certificate and an admin token; later runs reuse them. It prints its URLs, its DID and a
//! ready-to-paste `curl` command that issues a birth certificate.
//!
//! Settings (arguments override environment variables):
//! - `--data-dir DIR` / `CIVITAS_DATA_DIR` (default `./civitas-data`)
//! - `--listen ADDR` / `CIVITAS_LISTEN` (default `127.0.0.1:8443`)
//! - `--base-url URL` / `CIVITAS_BASE_URL` (default `https://localhost:<port>`)
//! - `--did-key` / `CIVITAS_DID_METHOD=key`: a did:key issuer instead of did:web
//! - `--cert FILE --key FILE` / `CIVITAS_TLS_CERT`, `CIVITAS_TLS_KEY`: a real certificate
//! - `--open-vc-api` / `CIVITAS_VC_API=open`: sign any VC Data Model credential whose terms the
//!   issuer's contexts define, not only birth and marriage certificates (a general-purpose
//!   VC-API issuer; off by default)
//! - `--status-messages` / `CIVITAS_STATUS_MESSAGES=registry`: VC-API credentials get a third,
//!   two-bit `message` status entry (annotated, under rectification, rectified)
//! - `--verify-bundle FILE --verify-anchor DID` / `CIVITAS_VERIFY_BUNDLE`, `CIVITAS_VERIFY_ANCHOR`:
//!   the verify endpoints trust this offline bundle's trust list (signed by DID) instead of the
//!   issuer alone
//! - `--hsm FILE` / `CIVITAS_HSM`: keep the signing keys in a PKCS#11 token (a TOML file:
//!   module, token_label or slot, key_label, algorithm, pin_file or pin_env; SPEC.md §18.9).
//!   The key is generated in the token on the first run; the data directory remembers the token
//! - `--store URL` / `CIVITAS_STORE`: keep the registry in PostgreSQL
//!   (`postgres://user@host:port/database`; the password from the URL or `PGPASSWORD`; SPEC.md
//!   §21) instead of the sled database in the data directory. The data directory remembers it
//! - `--allow-context URL[=FILE]` (repeatable) / `CIVITAS_ALLOW_CONTEXTS` (space-separated): a
//!   context to accept besides the bundled ones, e.g. `https://www.w3.org/ns/credentials/examples/v2`

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use civitas_issuer::config::{ExtraContext, StatusMessages, VcApiMode, VerifyTrust};
use civitas_issuer::launch::launch;
use civitas_issuer::store::StoreLocation;
use civitas_issuer::{DidMethod, IssuerConfig, TlsConfig};

/// The allocator of civitas' binaries (see the workspace manifest).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn setting(args: &[String], flag: &str, env: &str) -> Option<String> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1).cloned())
        .or_else(|| std::env::var(env).ok().filter(|v| !v.is_empty()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!(
            "usage: issuer [--data-dir DIR] [--listen ADDR] [--base-url URL] [--did-key] [--cert FILE --key FILE] [--open-vc-api] [--status-messages] [--verify-bundle FILE --verify-anchor DID] [--hsm FILE] [--allow-context URL[=FILE]]... [--log-format text|json]"
        );
        return Ok(());
    }
    // The request log and other events: RUST_LOG filters (default info), --log-format json
    // (or CIVITAS_LOG_FORMAT=json) writes one JSON object per line.
    let log_format = setting(&args, "--log-format", "CIVITAS_LOG_FORMAT")
        .unwrap_or_else(|| "text".into())
        .parse()
        .context("--log-format")?;
    civitas_http::logging::init(log_format);
    let data_dir = PathBuf::from(
        setting(&args, "--data-dir", "CIVITAS_DATA_DIR").unwrap_or_else(|| "civitas-data".into()),
    );
    let listen: SocketAddr = setting(&args, "--listen", "CIVITAS_LISTEN")
        .unwrap_or_else(|| "127.0.0.1:8443".into())
        .parse()
        .context("--listen must be an address such as 127.0.0.1:8443")?;
    let base_url = setting(&args, "--base-url", "CIVITAS_BASE_URL")
        .unwrap_or_else(|| format!("https://localhost:{}", listen.port()));
    let did_key = args.iter().any(|a| a == "--did-key")
        || std::env::var("CIVITAS_DID_METHOD").is_ok_and(|v| v == "key");
    let mut config = IssuerConfig::new(&data_dir, &base_url).did_method(if did_key {
        DidMethod::Key
    } else {
        DidMethod::Web
    });
    if let (Some(cert), Some(key)) = (
        setting(&args, "--cert", "CIVITAS_TLS_CERT"),
        setting(&args, "--key", "CIVITAS_TLS_KEY"),
    ) {
        config = config.tls(TlsConfig::Files {
            cert: cert.into(),
            key: key.into(),
        });
    }
    if args.iter().any(|a| a == "--open-vc-api")
        || std::env::var("CIVITAS_VC_API").is_ok_and(|v| v == "open")
    {
        config = config.vc_api(VcApiMode::Open);
    }
    if args.iter().any(|a| a == "--status-messages")
        || std::env::var("CIVITAS_STATUS_MESSAGES").is_ok_and(|v| v == "registry")
    {
        config = config.status_messages(StatusMessages::registry_annotations());
    }
    match (
        setting(&args, "--verify-bundle", "CIVITAS_VERIFY_BUNDLE"),
        setting(&args, "--verify-anchor", "CIVITAS_VERIFY_ANCHOR"),
    ) {
        (Some(bundle), Some(anchor)) => {
            config = config.verify_trust(VerifyTrust {
                anchor: civitas_verifier::trust::TrustAnchor::did(&anchor),
                bundle: bundle.into(),
            });
        }
        (None, None) => {}
        _ => anyhow::bail!("--verify-bundle and --verify-anchor go together"),
    }
    if let Some(url) = setting(&args, "--store", "CIVITAS_STORE") {
        config = config.store(StoreLocation::parse(&url).context("--store")?);
    }
    if let Some(file) = setting(&args, "--hsm", "CIVITAS_HSM") {
        config = config.hsm(civitas_issuer::read_hsm_config(file.as_ref()).context("--hsm")?);
    }
    let mut contexts: Vec<String> = args
        .windows(2)
        .filter(|w| w[0] == "--allow-context")
        .map(|w| w[1].clone())
        .collect();
    if let Ok(list) = std::env::var("CIVITAS_ALLOW_CONTEXTS") {
        contexts.extend(list.split_whitespace().map(str::to_owned));
    }
    for spec in &contexts {
        config = config.extra_context(ExtraContext::parse(spec).context("--allow-context")?);
    }
    let service = launch(config, listen)
        .await
        .with_context(|| format!("starting the issuer on {}", data_dir.display()))?;
    println!("{}", service.banner());
    println!("Press Ctrl-C to stop.");
    service
        .serve(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
