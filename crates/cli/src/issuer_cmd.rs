//! `civitas issuer …`: run and operate the government issuer service. The logic lives in
//! civitas-issuer; this is the command line around it. Commands other than `serve` open the data
//! directory themselves, so they run while no server holds it (sled allows one process); with a
//! server running, use its HTTP API.
//!
//! The key passphrase comes from `CIVITAS_ISSUER_PASSPHRASE`, the file named by
//! `CIVITAS_ISSUER_PASSPHRASE_FILE`, or `<data dir>/passphrase` (created on `init` when none is
//! given). Exit codes: 0 done, 1 refused (conflict, unknown credential), 2 bad input or error.

use std::io::Read as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use civitas_core::model::DocumentType;
use civitas_core::secure::Securing;
use civitas_issuer::config::{ExtraContext, StatusMessages, VcApiMode, VerifyTrust};
use civitas_issuer::error::ErrorKind;
use civitas_issuer::launch::launch;
use civitas_issuer::store::StoreLocation;
use civitas_issuer::{
    DidMethod, Document, IssueRequest, Issuer, IssuerConfig, IssuerError, StatusAction, TlsConfig,
};
use serde_json::json;

/// The actor name written to the audit log for command-line actions.
const ACTOR: &str = "cli";

/// Where the issuer's data lives.
#[derive(Debug, clap::Args)]
pub struct DataDir {
    /// The data directory (default: $CIVITAS_DATA_DIR, else ./civitas-data).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

impl DataDir {
    fn path(&self) -> PathBuf {
        self.data_dir
            .clone()
            .or_else(|| std::env::var_os("CIVITAS_DATA_DIR").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("civitas-data"))
    }
}

/// `civitas issuer …`
#[derive(Debug, clap::Subcommand)]
pub enum IssuerCommand {
    /// Initialise a data directory: signing key (sealed), DID, admin token (printed once).
    Init {
        #[command(flatten)]
        dir: DataDir,
        /// The public base URL (status lists are published under it; did:web is derived from it).
        #[arg(long)]
        base_url: String,
        /// Use a did:key issuer instead of did:web (local use; cannot rotate keys).
        #[arg(long)]
        did_key: bool,
        /// Keep the signing keys in this PKCS#11 token (a TOML file: module, token_label or
        /// slot, key_label, algorithm, pin_file or pin_env; SPEC §18.9): the key is generated
        /// in the token, and the data directory remembers the token for every later command.
        #[arg(long, value_name = "FILE")]
        hsm: Option<PathBuf>,
        /// Keep the registry in PostgreSQL (`postgres://user@host:port/database`; the password
        /// from the URL or PGPASSWORD; SPEC §21) instead of the sled database in the data
        /// directory. The data directory remembers it for every later command.
        #[arg(long, value_name = "URL")]
        store: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run the HTTPS server (initialises the data directory on first run).
    Serve {
        #[command(flatten)]
        dir: DataDir,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8443")]
        listen: SocketAddr,
        /// The public base URL (default: the one recorded, else https://localhost:<port>).
        #[arg(long)]
        base_url: Option<String>,
        /// Use a did:key issuer (first run only).
        #[arg(long)]
        did_key: bool,
        /// Keep the signing keys in this PKCS#11 token (first run; see `issuer init --hsm`).
        #[arg(long, value_name = "FILE")]
        hsm: Option<PathBuf>,
        /// Keep the registry in PostgreSQL (`postgres://user@host:port/database`; the password
        /// from the URL or PGPASSWORD; SPEC §21) instead of the sled database in the data
        /// directory. The data directory remembers it for every later command.
        #[arg(long, value_name = "URL")]
        store: Option<String>,
        /// A PEM certificate chain (with --key) instead of the self-signed certificate.
        #[arg(long, requires = "key")]
        cert: Option<PathBuf>,
        /// The PEM private key of --cert.
        #[arg(long, requires = "cert")]
        key: Option<PathBuf>,
        /// The open VC-API mode: sign any VC Data Model 2.0 (or 1.1) credential whose terms the
        /// issuer's contexts define, not only its document types (SPEC §12.1).
        #[arg(long)]
        open_vc_api: bool,
        /// A context to accept besides the bundled ones: a URL civitas knows (the W3C examples
        /// context) or URL=FILE. Repeatable; never fetched.
        #[arg(long = "allow-context", value_name = "URL[=FILE]")]
        allow_context: Vec<String>,
        /// Give VC-API credentials a third, two-bit `message` status entry (annotated, under
        /// rectification, rectified; SPEC §12.10).
        #[arg(long)]
        status_messages: bool,
        /// The verify endpoints trust this offline bundle (`civitas verifier bundle`) instead
        /// of the issuer alone.
        #[arg(long, requires = "verify_anchor")]
        verify_bundle: Option<PathBuf>,
        /// The DID that signs --verify-bundle's trust list.
        #[arg(long, requires = "verify_bundle")]
        verify_anchor: Option<String>,
    },
    /// Issue a credential from a registry record (the typed model's JSON).
    Issue {
        #[command(flatten)]
        dir: DataDir,
        /// The document type (`birth`, `DrivingLicence`, …; `civitas profile list`).
        kind: String,
        /// The record (JSON file, or - for standard input).
        record: PathBuf,
        /// The registry's id for the record (idempotency key).
        #[arg(long)]
        source: String,
        /// Revoke the credential issued earlier for a changed record, and issue this one.
        #[arg(long)]
        supersede: bool,
        /// data-integrity (default) or vc+jwt.
        #[arg(long)]
        format: Option<Securing>,
        /// Write the credential here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Revoke a credential (final).
    Revoke(StatusArgs),
    /// Suspend a credential.
    Suspend(StatusArgs),
    /// Lift a credential's suspension.
    Reinstate(StatusArgs),
    /// Add a new signing key; old keys stay in the DID document.
    RotateKey {
        #[command(flatten)]
        dir: DataDir,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write an issued credential as issued, its QR text (`CV1:…`), or its printable
    /// certificate (PDF, SVG or PNG with the QR code).
    Export {
        #[command(flatten)]
        dir: DataDir,
        /// The credential id (urn:uuid:…).
        id: String,
        /// credential (default), qr, pdf, svg or png.
        #[arg(long = "as", default_value = "credential", value_parser = ["credential", "qr", "pdf", "svg", "png"])]
        what: String,
        /// Write it here instead of standard output.
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Make an OpenID4VCI credential offer for an issued record (SPEC §12.11): prints the offer
    /// URI (the one in the QR code), the transaction code to give the citizen by another
    /// channel, and when the single-use code expires; the wallet then receives a copy bound to
    /// its key from the running service.
    Offer {
        #[command(flatten)]
        dir: DataDir,
        /// The record's credential id (urn:uuid:…).
        id: String,
        /// For a marriage certificate: which spouse will hold the copy (0 or 1).
        #[arg(long)]
        spouse: Option<usize>,
        /// Write the offer's QR code here (.png or .svg).
        #[arg(long)]
        qr: Option<PathBuf>,
        /// Print JSON (the HTTP endpoint's answer).
        #[arg(long)]
        json: bool,
    },
    /// List issued credentials (id order).
    List {
        #[command(flatten)]
        dir: DataDir,
        /// Start after this credential id.
        #[arg(long)]
        after: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
        /// Print JSON lines.
        #[arg(long)]
        json: bool,
    },
}

/// Arguments of a status change.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    #[command(flatten)]
    dir: DataDir,
    /// The credential id (urn:uuid:…).
    id: String,
    /// Why (written to the audit log).
    #[arg(long)]
    reason: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

async fn open_existing(dir: &Path) -> anyhow::Result<Issuer> {
    let config = Issuer::config_of(dir)?;
    let (issuer, _) = Issuer::open(config)
        .await
        .with_context(|| format!("opening the issuer in {}", dir.display()))?;
    Ok(issuer)
}

fn refused(e: &IssuerError) -> bool {
    matches!(e.kind(), ErrorKind::Conflict | ErrorKind::NotFound)
}

/// Runs an `issuer` subcommand and returns the process exit code.
pub async fn run(cmd: IssuerCommand) -> anyhow::Result<i32> {
    match cmd {
        IssuerCommand::Init {
            dir,
            base_url,
            did_key,
            hsm,
            store,
            json,
        } => {
            let method = if did_key {
                DidMethod::Key
            } else {
                DidMethod::Web
            };
            let mut config = IssuerConfig::new(dir.path(), &base_url).did_method(method);
            if let Some(file) = &hsm {
                config = config.hsm(civitas_issuer::read_hsm_config(file)?);
            }
            if let Some(url) = &store {
                config = config.store(StoreLocation::parse(url)?);
            }
            let (issuer, opened) = Issuer::open(config).await?;
            if json {
                println!(
                    "{}",
                    json!({"initialized": opened.initialized, "did": issuer.did(),
                           "baseUrl": issuer.base_url(), "adminToken": opened.admin_token,
                           "passphraseFile": opened.passphrase_file})
                );
            } else {
                if !opened.initialized {
                    println!(
                        "{} was initialised before; nothing changed.",
                        dir.path().display()
                    );
                }
                println!("DID       {}", issuer.did());
                println!("base URL  {}", issuer.base_url());
                if let Some(p) = &opened.passphrase_file {
                    println!(
                        "passphrase written to {} (mode 0600): keep it safe",
                        p.display()
                    );
                }
                if let Some(t) = &opened.admin_token {
                    println!("admin token (shown once): {t}");
                }
            }
            Ok(0)
        }
        IssuerCommand::Serve {
            dir,
            listen,
            base_url,
            did_key,
            hsm,
            store,
            cert,
            key,
            open_vc_api,
            allow_context,
            status_messages,
            verify_bundle,
            verify_anchor,
        } => {
            let path = dir.path();
            let location = store.as_deref().map(StoreLocation::parse).transpose()?;
            let mut config = match (Issuer::config_of(&path), base_url) {
                (Ok(c), None) => c,
                (_, Some(url)) => IssuerConfig::new(&path, &url),
                (Err(_), None) => {
                    IssuerConfig::new(&path, &format!("https://localhost:{}", listen.port()))
                }
            };
            if did_key {
                config = config.did_method(DidMethod::Key);
            }
            if let Some(file) = &hsm {
                config = config.hsm(civitas_issuer::read_hsm_config(file)?);
            }
            if let Some(location) = location {
                config = config.store(location);
            }
            if let (Some(cert), Some(key)) = (cert, key) {
                config = config.tls(TlsConfig::Files { cert, key });
            }
            if open_vc_api {
                config = config.vc_api(VcApiMode::Open);
            }
            if status_messages {
                config = config.status_messages(StatusMessages::registry_annotations());
            }
            if let (Some(bundle), Some(anchor)) = (verify_bundle, verify_anchor) {
                config = config.verify_trust(VerifyTrust {
                    anchor: civitas_verifier::trust::TrustAnchor::did(&anchor),
                    bundle,
                });
            }
            for spec in &allow_context {
                config = config.extra_context(ExtraContext::parse(spec)?);
            }
            let service = launch(config, listen).await?;
            println!("{}", service.banner());
            service
                .serve(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
            Ok(0)
        }
        IssuerCommand::Issue {
            dir,
            kind,
            record,
            source,
            supersede,
            format,
            out,
        } => {
            let text = if record.as_os_str() == "-" {
                let mut s = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin().take(1 << 20), &mut s)?;
                s
            } else {
                std::fs::read_to_string(&record)
                    .with_context(|| format!("reading {}", record.display()))?
            };
            let value = match civitas_core::credential::parse_json(text.as_bytes()) {
                Ok(v) => v,
                Err(e) => {
                    eprintln!("error: {}: {e}", record.display());
                    return Ok(2);
                }
            };
            let issuer = open_existing(&dir.path()).await?;
            let kind = match DocumentType::named(&kind) {
                Ok(k) => k,
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(2);
                }
            };
            let document = match Document::parse(kind, &value) {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(2);
                }
            };
            let mut request = IssueRequest::new(document)
                .source(&source)
                .supersede(supersede);
            if let Some(f) = format {
                request = request.securing(f);
            }
            match issuer.issue(request, ACTOR).await {
                Ok(issued) => {
                    eprintln!("{} {:?}", issued.credential_id, issued.outcome);
                    match out {
                        Some(path) => std::fs::write(&path, &issued.credential)
                            .with_context(|| format!("writing {}", path.display()))?,
                        None => println!("{}", issued.credential),
                    }
                    Ok(0)
                }
                Err(e) if refused(&e) => {
                    eprintln!("refused: {e}");
                    Ok(1)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    Ok(2)
                }
            }
        }
        IssuerCommand::Revoke(a) => status(a, StatusAction::Revoke).await,
        IssuerCommand::Suspend(a) => status(a, StatusAction::Suspend).await,
        IssuerCommand::Reinstate(a) => status(a, StatusAction::Reinstate).await,
        IssuerCommand::RotateKey { dir, json } => {
            let issuer = open_existing(&dir.path()).await?;
            match issuer.rotate_key(ACTOR).await {
                Ok(key) => {
                    if json {
                        println!("{}", serde_json::to_string(&key)?);
                    } else {
                        println!("new signing key {}", key.verification_method);
                        println!(
                            "earlier keys stay in the DID document, so what they signed still verifies"
                        );
                    }
                    // let the background publisher re-sign the lists with the new key
                    issuer.wait_published().await;
                    Ok(0)
                }
                Err(e) if refused(&e) => {
                    eprintln!("refused: {e}");
                    Ok(1)
                }
                Err(e) => Err(e.into()),
            }
        }
        IssuerCommand::Export { dir, id, what, out } => {
            let issuer = open_existing(&dir.path()).await?;
            let bytes = match what.as_str() {
                "credential" => match issuer.credential(&id)? {
                    Some((_, Some(text))) => Ok(text.into_bytes()),
                    _ => Err(IssuerError::UnknownCredential(id.clone())),
                },
                "qr" => issuer.compact(&id).await.map(String::into_bytes),
                format => match format.parse() {
                    Ok(format) => issuer.certificate(&id, format).await,
                    Err(e) => {
                        eprintln!("error: --as: {e}");
                        return Ok(2);
                    }
                },
            };
            match bytes {
                Ok(bytes) => {
                    match out {
                        Some(path) => std::fs::write(&path, &bytes)
                            .with_context(|| format!("writing {}", path.display()))?,
                        None => std::io::Write::write_all(&mut std::io::stdout(), &bytes)?,
                    }
                    Ok(0)
                }
                Err(e) if refused(&e) => {
                    eprintln!("refused: {e}");
                    Ok(1)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    Ok(2)
                }
            }
        }
        IssuerCommand::Offer {
            dir,
            id,
            spouse,
            qr,
            json,
        } => offer(&dir.path(), &id, spouse, qr.as_deref(), json).await,
        IssuerCommand::List {
            dir,
            after,
            limit,
            json,
        } => {
            let issuer = open_existing(&dir.path()).await?;
            let records = issuer.credentials(after.as_deref(), limit)?;
            for r in &records {
                if json {
                    println!("{}", serde_json::to_string(r)?);
                } else {
                    let state = if r.revoked_at.is_some() {
                        "revoked"
                    } else if r.suspended {
                        "suspended"
                    } else {
                        "active"
                    };
                    println!(
                        "{}  {:<20} {:<9} {}  {}",
                        r.id,
                        r.types.last().map_or("", String::as_str),
                        state,
                        civitas_core::credential::format_datetime(r.issued_at),
                        r.source_record_id.as_deref().unwrap_or("-")
                    );
                }
            }
            if !json {
                eprintln!(
                    "{} of {} credentials",
                    records.len(),
                    issuer.credential_count()?
                );
            }
            Ok(0)
        }
    }
}

async fn offer(
    dir: &Path,
    id: &str,
    spouse: Option<usize>,
    qr: Option<&Path>,
    as_json: bool,
) -> anyhow::Result<i32> {
    let format = match qr {
        None => None,
        Some(path) => match path.extension().and_then(|e| e.to_str()) {
            Some("png") => Some("png"),
            Some("svg") => Some("svg"),
            _ => {
                eprintln!(
                    "error: --qr {}: the file name must end in .png or .svg",
                    path.display()
                );
                return Ok(2);
            }
        },
    };
    let issuer = open_existing(dir).await?;
    let made = match issuer.create_offer(id, spouse, ACTOR).await {
        Ok(made) => made,
        Err(e) if refused(&e) => {
            eprintln!("refused: {e}");
            return Ok(1);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(2);
        }
    };
    if let (Some(path), Some(format)) = (qr, format) {
        let symbol = civitas_issuer::http::oid4vci::offer_symbol(&made)?;
        let bytes = match format {
            "png" => symbol.to_png(8)?,
            _ => symbol.to_svg("100%").into_bytes(),
        };
        std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    if as_json {
        println!("{}", civitas_issuer::http::oid4vci::offer_json(&made)?);
    } else {
        println!("offer:     {}", made.offer_uri_by_reference);
        if let Some(tx) = &made.tx_code {
            println!("tx code:   {tx}   (give it to the citizen by another channel)");
        }
        println!(
            "expires:   {}   (single use)",
            civitas_core::credential::format_datetime(made.expires_at)
        );
        if let Some(path) = qr {
            println!("QR code:   {}", path.display());
        }
    }
    Ok(0)
}

async fn status(a: StatusArgs, action: StatusAction) -> anyhow::Result<i32> {
    let issuer = open_existing(&a.dir.path()).await?;
    match issuer
        .change_status(&a.id, action, a.reason.as_deref(), ACTOR)
        .await
    {
        Ok(change) => {
            if a.json {
                println!(
                    "{}",
                    json!({"credentialId": change.credential_id, "changed": change.changed,
                           "revoked": change.revoked, "suspended": change.suspended,
                           "statusListCredentials": change.lists, "published": change.published})
                );
            } else {
                let state = if change.revoked {
                    "revoked"
                } else if change.suspended {
                    "suspended"
                } else {
                    "active"
                };
                let note = if change.changed { "" } else { " (unchanged)" };
                println!("{} is {state}{note}", change.credential_id);
            }
            Ok(0)
        }
        Err(e) if refused(&e) => {
            eprintln!("refused: {e}");
            Ok(1)
        }
        Err(e) => Err(e.into()),
    }
}
