//! `civitas wallet`: the citizen's encrypted safe on the command line. The logic lives in
//! civitas-wallet.
//!
//! The wallet directory is `--wallet DIR`, else `$CIVITAS_WALLET_DIR`, else `./civitas-wallet`.
//! The passphrase comes from `$CIVITAS_WALLET_PASSPHRASE`, else the first line of
//! `--passphrase-file`; a new one (for `passphrase`) from `$CIVITAS_WALLET_NEW_PASSPHRASE`,
//! else `--new-passphrase-file`. `$CIVITAS_WALLET_KDF=testing` makes new keys with cheap
//! Argon2id parameters (1 MiB, 1 iteration): for tests only.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use civitas_keys::keys::KeyAlgorithm;
use civitas_keys::sealed::KdfParams;
use civitas_qr::{self as qr, EcLevel, QrSymbol};
use civitas_verifier::VerifyOptions;
use civitas_verifier::summary::verdict_word;
use civitas_wallet::{
    ConsentEntry, DisclosureRequest, ImportOptions, Query, ReceiveError, ReceiveOptions,
    ShareRequest, StoredDocument, Wallet, WalletError,
};
use serde_json::json;

use crate::input;
use crate::verifier_cmd::TrustArgs;

const DIR_ENV: &str = "CIVITAS_WALLET_DIR";
const PASSPHRASE_ENV: &str = "CIVITAS_WALLET_PASSPHRASE";
const NEW_PASSPHRASE_ENV: &str = "CIVITAS_WALLET_NEW_PASSPHRASE";
const KDF_ENV: &str = "CIVITAS_WALLET_KDF";
const DEFAULT_DIR: &str = "civitas-wallet";

/// `civitas wallet [--wallet DIR] [--passphrase-file F] <command>`.
#[derive(Debug, clap::Args)]
pub struct WalletArgs {
    /// The wallet directory (default: $CIVITAS_WALLET_DIR, else ./civitas-wallet).
    #[arg(long, global = true)]
    pub wallet: Option<PathBuf>,
    /// A file whose first line is the passphrase (if $CIVITAS_WALLET_PASSPHRASE is not set).
    #[arg(long = "passphrase-file", global = true)]
    pub passphrase_file: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: WalletCommand,
}

/// `civitas wallet …`
#[derive(Debug, clap::Subcommand)]
pub enum WalletCommand {
    /// Create a wallet (in a new or empty directory) with a holder key; prints the holder DID.
    Init {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Verify a credential (JSON, vc+jwt, CV1: QR text, or a PNG/JPEG of the QR code) and
    /// store it; exit 1 if the verifier refuses it.
    Import {
        /// The credential file (`-` for standard input).
        input: PathBuf,
        /// Trust and status sources (--bundle, --trust-list, --trust-anchor, …).
        #[command(flatten)]
        trust: TrustArgs,
        /// Keep it even if its status cannot be confirmed (verdict indeterminate).
        #[arg(long = "accept-indeterminate")]
        accept_indeterminate: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Receive a credential from an issuer through OpenID4VCI (pre-authorized code flow, over
    /// HTTPS): bound to a holder key of the wallet by a key proof, verified like an import
    /// (trust list, status), its subject checked to be that holder, then stored and logged;
    /// exit 1 if the verifier (or the subject check) refuses it.
    Receive {
        /// The credential offer: an `openid-credential-offer://` URI, or a file holding it
        /// (text, or a PNG/JPEG photo of its QR code; `-` for standard input).
        offer: String,
        /// The transaction code the issuer sent you by another channel (mail, SMS).
        #[arg(long = "tx-code")]
        tx_code: Option<String>,
        /// The credential configuration to request (one the offer names, e.g.
        /// BirthCertificate_ldp_vc); default: the first offered.
        #[arg(long)]
        configuration: Option<String>,
        /// The holder key that proves possession (DID or key id); default: the oldest.
        #[arg(long)]
        holder: Option<String>,
        /// A PEM root certificate the issuer's TLS certificate may chain to (repeatable; a test
        /// issuer's self-signed certificate).
        #[arg(long = "ca")]
        ca: Vec<PathBuf>,
        /// Trust and status sources (--bundle, --trust-list, --trust-anchor, …).
        #[command(flatten)]
        trust: TrustArgs,
        /// Keep it even if its status cannot be confirmed (verdict indeterminate).
        #[arg(long = "accept-indeterminate")]
        accept_indeterminate: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Answer a verifier's request through OpenID4VP (the QR a verifier shows): the request is
    /// fetched and its signature checked against the verifier's DID; shows who asks, for what,
    /// which document and which claims would be disclosed, and asks before sharing (unless
    /// --yes). Exit 0 accepted, 1 refused or declined, 2 bad input.
    Respond {
        /// The request: an `openid4vp://` link, or a file holding it (text, or a PNG/JPEG photo
        /// of its QR code; `-` for standard input, then with --yes).
        request: String,
        /// Share without asking.
        #[arg(long)]
        yes: bool,
        /// A PEM root certificate the verifier's TLS certificate may chain to (repeatable; a
        /// test verifier's self-signed certificate).
        #[arg(long = "ca")]
        ca: Vec<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Let the request and the response go over plain http to 127.0.0.1/localhost (a
        /// verifier on this machine, for development and demonstrations; never needed for a
        /// real verifier, which is https).
        #[arg(long = "allow-loopback-http")]
        allow_loopback_http: bool,
    },
    /// List the documents, or those matching every filter given.
    List {
        /// A type: BirthCertificate (or birth), MarriageCertificate (or marriage), …
        #[arg(long = "type")]
        document_type: Option<String>,
        /// Part of the issuer's DID.
        #[arg(long)]
        issuer: Option<String>,
        /// Part of a subject's name.
        #[arg(long)]
        name: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one document (by id or unique id prefix).
    Show {
        /// The document id.
        id: String,
        /// Print the credential as imported instead of the description.
        #[arg(long)]
        content: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Delete a document (the consent log keeps its entries).
    Delete {
        /// The document id.
        id: String,
    },
    /// Share documents: a presentation signed by the holder for the verifier's challenge and
    /// domain, or (--qr) the QR text of a document imported from a QR code, or (--claims) only
    /// some claims of an SD-JWT VC, with a key binding for the challenge (its nonce) and the
    /// domain (its audience). Logged first.
    Present {
        /// The documents to share (ids or unique prefixes).
        #[arg(required = true)]
        ids: Vec<String>,
        /// The verifier's challenge.
        #[arg(long, required_unless_present = "qr")]
        challenge: Option<String>,
        /// The verifier's domain.
        #[arg(long, required_unless_present = "qr")]
        domain: Option<String>,
        /// Who receives it (for the consent log).
        #[arg(long)]
        to: Option<String>,
        /// Sign with this holder DID (default: the key the documents are about).
        #[arg(long)]
        holder: Option<String>,
        /// Share the document's QR text (CV1:) instead of a presentation.
        #[arg(long, conflicts_with_all = ["challenge", "domain", "holder"])]
        qr: bool,
        /// An SD-JWT VC: disclose only these claims (comma-separated paths: givenName,
        /// birthDate, mother.givenName, children[]); the others stay hidden.
        #[arg(long, value_delimiter = ',', conflicts_with_all = ["qr", "holder"])]
        claims: Option<Vec<String>>,
        /// With --qr: also write the QR code as PNG.
        #[arg(long, requires = "qr")]
        png: Option<PathBuf>,
        /// Where to write it (default: standard output).
        #[arg(long, short, default_value = "-")]
        out: PathBuf,
    },
    /// Show the consent log: every share, to whom, what, when, with which challenge.
    Log {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the holder keys, or add one.
    Keys {
        /// Generate another holder key.
        #[arg(long)]
        new: bool,
        /// Its algorithm: ed25519 or p256.
        #[arg(long, default_value = "ed25519", requires = "new")]
        algorithm: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write the whole wallet as one encrypted backup file (same passphrase).
    Backup {
        /// The backup file to write (mode 0600).
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Restore a backup into the wallet directory (which must be new or empty).
    Restore {
        /// The backup file.
        backup: PathBuf,
    },
    /// Change the passphrase; everything is re-encrypted at once.
    Passphrase {
        /// A file whose first line is the new passphrase (if $CIVITAS_WALLET_NEW_PASSPHRASE is
        /// not set).
        #[arg(long = "new-passphrase-file")]
        new_passphrase_file: Option<PathBuf>,
    },
}

fn wallet_dir(args: &WalletArgs) -> PathBuf {
    args.wallet
        .clone()
        .or_else(|| std::env::var_os(DIR_ENV).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DIR))
}

fn secret(env: &str, file: Option<&Path>, flag: &str) -> anyhow::Result<Vec<u8>> {
    if let Some(value) = std::env::var_os(env) {
        return Ok(value.into_encoded_bytes());
    }
    let Some(path) = file else {
        bail!("no passphrase: set {env} or give {flag}");
    };
    let bytes = input::read_up_to(path, civitas_wallet::header::MAX_PASSPHRASE_BYTES + 2)?;
    let line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    Ok(line.strip_suffix(b"\r").unwrap_or(line).to_vec())
}

fn kdf() -> anyhow::Result<KdfParams> {
    match std::env::var(KDF_ENV).as_deref() {
        Err(_) | Ok("") | Ok("default") => Ok(KdfParams::default()),
        Ok("testing") => Ok(KdfParams::testing()),
        Ok(other) => bail!("{KDF_ENV}=`{other}`: expected `default` or `testing`"),
    }
}

fn verdict_of(doc: &StoredDocument) -> &'static str {
    verdict_word(doc.last_verification.verdict)
}

fn document_json(doc: &StoredDocument) -> serde_json::Value {
    json!({
        "id": doc.id,
        "format": doc.format,
        "description": doc.description,
        "types": doc.types(),
        "issuer": doc.issuer(),
        "credentialId": doc.credential_id(),
        "importedAt": doc.imported_at,
        "lastVerification": {"at": doc.last_verification.at, "verdict": doc.last_verification.verdict},
    })
}

fn document_line(doc: &StoredDocument) -> String {
    format!(
        "{}  {:<14}  {:<6}  {}  {}",
        doc.id,
        doc.format.as_str(),
        verdict_of(doc),
        doc.imported_at.format("%Y-%m-%d"),
        doc.description
    )
}

fn log_line(entry: &ConsentEntry) -> String {
    let mut line = match &entry.received {
        Some(_) => format!(
            "#{} {} {}",
            entry.seq,
            entry.at.format("%Y-%m-%dT%H:%M:%SZ"),
            entry.summary()
        ),
        None => {
            let to = entry.recipient.as_deref().unwrap_or("(unnamed)");
            let mut line = format!(
                "#{} {} to {to}",
                entry.seq,
                entry.at.format("%Y-%m-%dT%H:%M:%SZ")
            );
            if let Some(d) = &entry.domain {
                line.push_str(&format!(" ({d})"));
            }
            match &entry.challenge {
                Some(c) => line.push_str(&format!(", challenge {c}")),
                None => line.push_str(", QR text, no challenge"),
            }
            line
        }
    };
    for d in &entry.documents {
        line.push_str(&format!(
            "\n    {} {}: fields {}",
            d.id,
            d.description,
            d.fields.join(", ")
        ));
    }
    line
}

fn read_credential(path: &Path) -> anyhow::Result<Vec<u8>> {
    let bytes = input::read_up_to(path, qr::MAX_IMAGE_BYTES)?;
    let is_image = bytes.starts_with(b"\x89PNG") || bytes.starts_with(b"\xff\xd8");
    if is_image {
        let text = qr::decode_image(&bytes).with_context(|| format!("{}", path.display()))?;
        return Ok(text.into_bytes());
    }
    Ok(bytes)
}

/// The offer URI: given as is, or read from a file (text, or a photo of its QR code).
fn read_offer(offer: &str) -> anyhow::Result<String> {
    if offer.starts_with(civitas_wallet::receive::OFFER_SCHEME) || offer.starts_with("https://") {
        return Ok(offer.to_owned());
    }
    let path = Path::new(offer);
    if offer != "-" && !path.exists() {
        bail!(
            "`{offer}` is neither a credential offer URI (openid-credential-offer://…) nor a file"
        );
    }
    let bytes = read_credential(path)?;
    let text = String::from_utf8(bytes)
        .with_context(|| format!("{offer} is not text or a PNG/JPEG of a QR code"))?;
    let text = text.trim();
    if text.is_empty() {
        bail!("{offer} is empty");
    }
    Ok(text.to_owned())
}

/// Prints a refusal of the received credential (nothing was stored).
fn print_receive_refusal(
    json_out: bool,
    reason: &str,
    report: Option<&civitas_core::report::Report>,
    verifier: &civitas_verifier::Verifier,
) -> anyhow::Result<()> {
    if json_out {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({"refused": reason, "report": report}))?
        );
    } else {
        println!("REFUSED — the received credential was not stored");
        println!("  Reason: {reason}");
        if let Some(report) = report {
            print!("{}", verifier.summarize(report));
            println!();
        }
    }
    Ok(())
}

/// Runs `civitas wallet …`.
pub async fn run(args: WalletArgs) -> anyhow::Result<i32> {
    let dir = wallet_dir(&args);
    let passphrase = || {
        secret(
            PASSPHRASE_ENV,
            args.passphrase_file.as_deref(),
            "--passphrase-file",
        )
    };
    let open = || -> anyhow::Result<Wallet> { Ok(Wallet::open(&dir, &passphrase()?)?) };
    match &args.command {
        WalletCommand::Init { json } => {
            let wallet = Wallet::create(&dir, &passphrase()?, kdf()?)?;
            let key = wallet
                .holder_keys()?
                .into_iter()
                .next()
                .context("the new wallet has no holder key")?;
            if *json {
                println!(
                    "{}",
                    json!({"wallet": dir.display().to_string(), "holder": key.did})
                );
            } else {
                println!("wallet created in {}", dir.display());
                println!("holder DID: {}", key.did);
                println!(
                    "(give this DID to the issuer: documents issued to it can be presented from this wallet)"
                );
            }
            Ok(0)
        }
        WalletCommand::Import {
            input,
            trust,
            accept_indeterminate,
            json,
        } => {
            let bytes = read_credential(input)?;
            let wallet = open()?;
            let verifier = trust.build(None).await?;
            if !trust.has_trust_list() {
                eprintln!(
                    "note: no --bundle or --trust-list: the issuer is not checked against a trust list"
                );
            }
            let options = ImportOptions {
                verify: VerifyOptions::default(),
                accept_indeterminate: *accept_indeterminate,
            };
            match wallet.import(&bytes, &verifier, &options).await {
                Ok(doc) => {
                    if *json {
                        println!("{}", serde_json::to_string_pretty(&document_json(&doc))?);
                    } else {
                        println!("imported {}: {}", doc.id, doc.description);
                        println!("  verified: {}", verdict_of(&doc));
                    }
                    Ok(0)
                }
                Err(WalletError::Refused { reason, report }) => {
                    if *json {
                        println!(
                            "{}",
                            serde_json::to_string_pretty(
                                &json!({"refused": reason, "report": report})
                            )?
                        );
                    } else {
                        println!("REFUSED — the credential was not imported");
                        println!("  Reason: {reason}");
                        print!("{}", verifier.summarize(&report));
                        println!();
                    }
                    Ok(1)
                }
                Err(e) => Err(e.into()),
            }
        }
        WalletCommand::Receive {
            offer,
            tx_code,
            configuration,
            holder,
            ca,
            trust,
            accept_indeterminate,
            json,
        } => {
            let offer = read_offer(offer)?;
            let mut roots = Vec::new();
            for path in ca {
                roots.push(input::read_up_to(path, 1024 * 1024)?);
            }
            let wallet = open()?;
            let verifier = trust.build(None).await?;
            if !trust.has_trust_list() {
                eprintln!(
                    "note: no --bundle or --trust-list: the issuer is not checked against a trust list"
                );
            }
            let options = ReceiveOptions {
                tx_code: tx_code.clone(),
                configuration_id: configuration.clone(),
                holder: holder.clone(),
                root_certificates_pem: roots,
                import: ImportOptions {
                    verify: VerifyOptions::default(),
                    accept_indeterminate: *accept_indeterminate,
                },
                ..ReceiveOptions::default()
            };
            match wallet.receive(&offer, &options, &verifier).await {
                Ok(received) => {
                    let doc = &received.document;
                    if *json {
                        let mut value = document_json(doc);
                        value["receivedFrom"] = json!(received.credential_issuer);
                        value["configuration"] = json!(received.configuration_id);
                        value["holder"] = json!(received.holder.did);
                        value["logEntry"] = json!(received.log_entry.seq);
                        println!("{}", serde_json::to_string_pretty(&value)?);
                    } else {
                        println!("received {}: {}", doc.id, doc.description);
                        println!("  from:      {}", received.credential_issuer);
                        println!(
                            "  via:       OpenID4VCI, configuration {}",
                            received.configuration_id
                        );
                        println!("  holder:    {}", received.holder.did);
                        println!("  verified:  {}", verdict_of(doc));
                        println!("  log entry: #{}", received.log_entry.seq);
                    }
                    Ok(0)
                }
                Err(ReceiveError::Wallet {
                    source: WalletError::Refused { reason, report },
                    ..
                }) => {
                    print_receive_refusal(*json, &reason, Some(&report), &verifier)?;
                    Ok(1)
                }
                Err(e @ ReceiveError::SubjectMismatch { .. }) => {
                    print_receive_refusal(*json, &e.to_string(), None, &verifier)?;
                    Ok(1)
                }
                // The message names the stage and already includes its cause.
                Err(e) => Err(anyhow::anyhow!("{e}")),
            }
        }
        WalletCommand::Respond {
            request,
            yes,
            ca,
            json,
            allow_loopback_http,
        } => respond(open, request, *yes, ca, *json, *allow_loopback_http).await,
        WalletCommand::List {
            document_type,
            issuer,
            name,
            json,
        } => {
            let wallet = open()?;
            let docs = wallet.search(&Query {
                document_type: document_type.clone(),
                issuer: issuer.clone(),
                subject_name: name.clone(),
            })?;
            if *json {
                let list: Vec<_> = docs.iter().map(document_json).collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else if docs.is_empty() {
                println!("no documents");
            } else {
                for doc in &docs {
                    println!("{}", document_line(doc));
                }
            }
            Ok(0)
        }
        WalletCommand::Show { id, content, json } => {
            let wallet = open()?;
            let doc = wallet.document(id)?;
            if *content {
                println!("{}", doc.content);
            } else if *json {
                let mut value = document_json(&doc);
                value["credential"] = doc.credential.clone();
                value["lastVerification"]["report"] =
                    serde_json::to_value(&doc.last_verification.report)?;
                println!("{}", serde_json::to_string_pretty(&value)?);
            } else {
                println!("{}", doc.description);
                println!("  id:        {}", doc.id);
                println!("  format:    {}", doc.format.as_str());
                println!("  types:     {}", doc.types().join(", "));
                println!("  issuer:    {}", doc.issuer());
                if let Some(cid) = doc.credential_id() {
                    println!("  credential: {cid}");
                }
                let subjects = doc.subject_ids();
                if !subjects.is_empty() {
                    println!("  subject:   {}", subjects.join(", "));
                }
                println!("  imported:  {}", doc.imported_at.to_rfc3339());
                println!(
                    "  verified:  {} at {}",
                    verdict_of(&doc),
                    doc.last_verification.at.to_rfc3339()
                );
                for check in &doc.last_verification.report.checks {
                    println!("    {}: {}", check.check.label(), check.outcome.text());
                }
            }
            Ok(0)
        }
        WalletCommand::Delete { id } => {
            let wallet = open()?;
            let doc = wallet.delete(id)?;
            println!("deleted {}: {}", doc.id, doc.description);
            Ok(0)
        }
        WalletCommand::Present {
            ids,
            challenge,
            domain,
            to,
            holder,
            qr: as_qr,
            claims,
            png,
            out,
        } => {
            let wallet = open()?;
            let shared = if let Some(claims) = claims {
                let [id] = ids.as_slice() else {
                    bail!("--claims discloses one SD-JWT VC at a time");
                };
                wallet
                    .disclose(&DisclosureRequest {
                        document: id.clone(),
                        claims: claims.clone(),
                        nonce: challenge.clone().unwrap_or_default(),
                        audience: domain.clone().unwrap_or_default(),
                        recipient: to.clone(),
                    })
                    .await?
            } else if *as_qr {
                let [id] = ids.as_slice() else {
                    bail!("--qr shares one document at a time");
                };
                let shared = wallet.share_qr_text(id, to.as_deref())?;
                if let Some(path) = png {
                    let symbol = QrSymbol::encode(&shared.payload, EcLevel::M)?;
                    std::fs::write(path, symbol.to_png(8)?)
                        .with_context(|| format!("writing {}", path.display()))?;
                }
                shared
            } else {
                wallet
                    .present(&ShareRequest {
                        documents: ids.clone(),
                        challenge: challenge.clone().unwrap_or_default(),
                        domain: domain.clone().unwrap_or_default(),
                        recipient: to.clone(),
                        holder: holder.clone(),
                    })
                    .await?
            };
            input::write_output(out, &shared.payload, false)?;
            eprintln!(
                "shared {} document(s); consent log entry #{}",
                shared.consent.documents.len(),
                shared.consent.seq
            );
            Ok(0)
        }
        WalletCommand::Log { json } => {
            let wallet = open()?;
            let log = wallet.consent_log()?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&log)?);
            } else if log.is_empty() {
                println!("nothing has been shared or received");
            } else {
                for entry in &log {
                    println!("{}", log_line(entry));
                }
            }
            Ok(0)
        }
        WalletCommand::Keys {
            new,
            algorithm,
            json,
        } => {
            let wallet = open()?;
            if *new {
                let algorithm = match algorithm.as_str() {
                    "ed25519" | "Ed25519" => KeyAlgorithm::Ed25519,
                    "p256" | "P-256" | "p-256" => KeyAlgorithm::P256,
                    other => bail!("--algorithm `{other}`: expected ed25519 or p256"),
                };
                wallet.add_holder_key(algorithm)?;
            }
            let keys = wallet.holder_keys()?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&keys)?);
            } else {
                for k in &keys {
                    println!(
                        "{}  {:?}  {}  {}",
                        k.id,
                        k.algorithm,
                        k.created.format("%Y-%m-%d"),
                        k.did
                    );
                }
            }
            Ok(0)
        }
        WalletCommand::Backup { out } => {
            let wallet = open()?;
            let bytes = wallet.backup()?;
            let text = String::from_utf8(bytes).context("the backup is not text")?;
            input::write_output(out, text.trim_end(), true)?;
            eprintln!("backup written to {}", out.display());
            Ok(0)
        }
        WalletCommand::Restore { backup } => {
            let bytes = input::read_up_to(backup, civitas_wallet::backup::MAX_BACKUP_BYTES)?;
            let wallet = Wallet::restore(&bytes, &passphrase()?, &dir)?;
            println!(
                "restored {} document(s), {} holder key(s) and {} consent log entries into {}",
                wallet.documents()?.len(),
                wallet.holder_keys()?.len(),
                wallet.consent_log()?.len(),
                dir.display()
            );
            Ok(0)
        }
        WalletCommand::Passphrase {
            new_passphrase_file,
        } => {
            let old = passphrase()?;
            let new = secret(
                NEW_PASSPHRASE_ENV,
                new_passphrase_file.as_deref(),
                "--new-passphrase-file",
            )?;
            let mut wallet = Wallet::open(&dir, &old)?;
            wallet.change_passphrase(&old, &new, kdf()?)?;
            println!("passphrase changed; every record was re-encrypted");
            Ok(0)
        }
    }
}

/// The request link: given as is, or read from a file (text, or a photo of its QR code).
fn read_request_link(arg: &str) -> anyhow::Result<String> {
    if arg.starts_with(civitas_oid4vp_scheme()) || arg.starts_with("https://") {
        return Ok(arg.to_owned());
    }
    let path = Path::new(arg);
    if arg != "-" && !path.exists() {
        bail!("`{arg}` is neither an OpenID4VP request link (openid4vp://…) nor a file");
    }
    let bytes = read_credential(path)?;
    let text = String::from_utf8(bytes)
        .with_context(|| format!("{arg} is not text or a PNG/JPEG of a QR code"))?;
    let text = text.trim();
    if text.is_empty() {
        bail!("{arg} is empty");
    }
    Ok(text.to_owned())
}

fn civitas_oid4vp_scheme() -> &'static str {
    "openid4vp://"
}

fn prepared_json(prepared: &civitas_wallet::PreparedResponse) -> serde_json::Value {
    json!({
        "clientId": prepared.client_id,
        "clientName": prepared.client_name,
        "clientNameVerified": false,
        "responseUri": prepared.response_uri,
        "responseHost": prepared.response_host,
        "queries": prepared.queries,
        "unanswered": prepared.unanswered,
    })
}

fn print_prepared(prepared: &civitas_wallet::PreparedResponse) {
    println!("A verifier asks for documents (OpenID4VP).");
    match &prepared.client_name {
        Some(name) => println!("  name:      {name} (as it claims; not verified)"),
        None => println!("  name:      (none given)"),
    }
    println!(
        "  client id: {} (verified: it signed the request)",
        prepared.client_id
    );
    println!("  answer to: {}", prepared.response_host);
    for q in &prepared.queries {
        println!(
            "  {}: {} ({}) — document {}",
            q.query_id, q.document_description, q.format, q.document_id
        );
        if q.whole_document {
            println!(
                "    the WHOLE document is disclosed: {}",
                q.claims.join(", ")
            );
        } else if q.claims.is_empty() {
            println!("    no selectively disclosable claim (only what the issuer put in plain)");
        } else {
            println!("    claims disclosed: {}", q.claims.join(", "));
        }
    }
    for id in &prepared.unanswered {
        println!("  {id}: optional, no document answers it (skipped)");
    }
}

fn ask(question: &str) -> anyhow::Result<bool> {
    use std::io::{BufRead, Write};
    eprint!("{question} [y/N] ");
    std::io::stderr().flush().ok();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the answer from standard input")?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "Yes" | "YES"))
}

/// `civitas wallet respond`.
async fn respond(
    open: impl Fn() -> anyhow::Result<Wallet>,
    request: &str,
    yes: bool,
    ca: &[PathBuf],
    json_out: bool,
    allow_loopback_http: bool,
) -> anyhow::Result<i32> {
    use civitas_wallet::{RespondError, RespondOptions};
    if request == "-" && !yes {
        bail!(
            "the request link comes from standard input: give --yes (the answer is read from standard input too)"
        );
    }
    let link = read_request_link(request)?;
    let mut roots = Vec::new();
    for path in ca {
        roots.push(input::read_up_to(path, 1024 * 1024)?);
    }
    let wallet = open()?;
    let options = RespondOptions {
        roots,
        allow_loopback_http,
        resolver: None,
    };
    let refused = |reason: String, json_out: bool| -> anyhow::Result<i32> {
        if json_out {
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({"outcome": "refused", "reason": reason}))?
            );
        } else {
            println!("NOT SHARED — {reason}");
        }
        Ok(1)
    };
    let prepared = match wallet.prepare_response(&link, &options).await {
        Ok(p) => p,
        Err(e @ (RespondError::RequestRefused(_) | RespondError::NoMatchingDocument { .. })) => {
            return refused(e.to_string(), json_out);
        }
        Err(e) => return Err(anyhow::anyhow!("{e}")),
    };
    if !json_out {
        print_prepared(&prepared);
    }
    let recipient = prepared.recipient();
    let consent = yes || ask(&format!("Share these claims with {recipient}?"))?;
    let mut out = prepared_json(&prepared);
    if !consent {
        let told = wallet.decline(&prepared).await;
        out["outcome"] = json!("declined");
        out["verifierTold"] = json!(told.is_ok());
        if json_out {
            println!("{}", serde_json::to_string_pretty(&out)?);
        } else {
            println!("{}", RespondError::Declined);
            if let Err(e) = told {
                println!("  (telling the verifier failed: {e})");
            }
        }
        return Ok(1);
    }
    match wallet.send_response(&prepared, None).await {
        Ok(responded) => {
            out["outcome"] = json!("accepted");
            out["status"] = json!(responded.status);
            out["redirectUri"] = json!(responded.redirect_uri);
            out["logEntries"] = json!(responded.consent.iter().map(|c| c.seq).collect::<Vec<_>>());
            if json_out {
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                println!(
                    "SHARED with {recipient}: the verifier accepted (HTTP {})",
                    responded.status
                );
                if let Some(uri) = &responded.redirect_uri {
                    println!("  continue at: {uri}");
                }
                for c in &responded.consent {
                    println!("  consent log entry: #{}", c.seq);
                }
            }
            Ok(0)
        }
        Err(RespondError::Refused {
            status,
            error,
            description,
        }) => {
            out["outcome"] = json!("refused by the verifier");
            out["status"] = json!(status);
            out["error"] = json!(error);
            out["errorDescription"] = json!(description);
            if json_out {
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                println!(
                    "REFUSED by the verifier (HTTP {status}): {error}{}",
                    description.map(|d| format!(": {d}")).unwrap_or_default()
                );
                println!("  (the share is in the consent log: `civitas wallet log`)");
            }
            Ok(1)
        }
        Err(e) => Err(anyhow::anyhow!("{e}")),
    }
}
