//! `civitas trust-list`: create a trust-list draft, add issuers to it (with the document
//! profiles they issue under, pinned by digest: `--profile FILE`), sign it with the trust
//! anchor's key, inspect a draft or a signed list. The logic lives in civitas-verifier.
//!
//! Exit codes: 0 done (for `inspect`: a signed list that verifies against the given anchors, or
//! a draft that follows the rules); 1 a signed list that does not verify; 2 bad input.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use civitas_core::profile::registry::register_file;
use civitas_core::secure::Securing;
use civitas_core::verify::Input;
use civitas_keys::did::ControllerDocument;
use civitas_keys::signer::LocalSigner;
use civitas_verifier::trust::{
    KeyValidity, TrustList, TrustListSigning, TrustedIssuer, VerifiedTrustList, verify_trust_list,
};
use serde_json::json;

use crate::verifier_cmd::anchors;
use crate::{input, keys_cmd};

/// `civitas trust-list …`
#[derive(Debug, clap::Subcommand)]
pub enum TrustListCommand {
    /// Start an empty trust-list draft (JSON, unsigned).
    Create {
        /// A name people recognise.
        #[arg(long)]
        name: String,
        /// The version number of the list (grow it with every publication).
        #[arg(long, default_value_t = 1)]
        sequence: u64,
        /// Where to write the draft (default: standard output).
        #[arg(long, short, default_value = "-")]
        out: PathBuf,
    },
    /// Add (or replace) a trusted issuer in a draft.
    Add {
        /// The draft file (rewritten in place unless --out is given).
        draft: PathBuf,
        /// The issuer's DID.
        #[arg(long)]
        issuer: String,
        /// Its name, as the clerk should read it.
        #[arg(long)]
        name: Option<String>,
        /// A credential type it may issue (repeatable): BirthCertificate, MarriageCertificate, …
        #[arg(long = "document-type", required_unless_present = "profiles")]
        document_types: Vec<String>,
        /// A document profile file (TOML) it issues under (repeatable): its type is added to
        /// the document types and the list pins the profile's digest and its context's, so
        /// verifiers refuse any other profile or context for the type.
        #[arg(long = "profile", value_name = "FILE")]
        profiles: Vec<PathBuf>,
        /// Its DID document, pinned (needed for did:web).
        #[arg(long = "did-document")]
        did_document: Option<PathBuf>,
        /// A key's signing window, `KEY_ID=FROM..UNTIL` (RFC 3339; either side may be empty),
        /// e.g. `did:web:registry.gov.mu#key-1=..2026-01-01T00:00:00Z`. Repeatable.
        #[arg(long = "key-window")]
        key_windows: Vec<String>,
        /// Where to write the draft (default: the draft file itself).
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Remove a trusted issuer from a draft.
    Remove {
        /// The draft file (rewritten in place).
        draft: PathBuf,
        /// The issuer's DID.
        #[arg(long)]
        issuer: String,
    },
    /// Sign a draft with the trust anchor's key.
    Sign {
        /// The draft file.
        draft: PathBuf,
        /// The anchor's private JWK.
        #[arg(long)]
        key: PathBuf,
        /// The anchor key's verification method (did:web anchors); default: its did:key.
        #[arg(long)]
        method: Option<String>,
        /// vc+jwt (default) or data-integrity.
        #[arg(long, default_value = "vc+jwt")]
        format: Securing,
        /// validFrom (RFC 3339); default: now.
        #[arg(long = "valid-from")]
        valid_from: Option<String>,
        /// validUntil (RFC 3339): verifiers stop trusting the list after it.
        #[arg(long = "valid-until")]
        valid_until: Option<String>,
        /// Where to write the signed list (default: standard output).
        #[arg(long, short, default_value = "-")]
        out: PathBuf,
    },
    /// Show a draft or a signed trust list; with --trust-anchor, verify the signature.
    Inspect {
        /// The draft or signed list.
        list: PathBuf,
        /// Trust anchor(s) to verify a signed list against (DID or DID document file).
        #[arg(long = "trust-anchor")]
        trust_anchors: Vec<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn time(arg: &str, text: &str) -> anyhow::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| anyhow::anyhow!("{arg} `{text}` is not an RFC 3339 date-time"))
}

fn read_draft(path: &Path) -> anyhow::Result<TrustList> {
    TrustList::from_json(input::read_json(path)?).with_context(|| format!("{}", path.display()))
}

fn write_draft(path: &Path, list: &TrustList) -> anyhow::Result<()> {
    input::write_output(path, &serde_json::to_string_pretty(list)?, false)
}

/// Parses `KEY_ID=FROM..UNTIL`.
fn key_window(text: &str) -> anyhow::Result<KeyValidity> {
    let (key, range) = text
        .rsplit_once('=')
        .with_context(|| format!("--key-window `{text}`: expected KEY_ID=FROM..UNTIL"))?;
    let (from, until) = range
        .split_once("..")
        .with_context(|| format!("--key-window `{text}`: expected FROM..UNTIL after `=`"))?;
    let opt = |t: &str| (!t.is_empty()).then(|| time("--key-window", t)).transpose();
    Ok(KeyValidity {
        key: key.to_owned(),
        not_before: opt(from)?,
        not_after: opt(until)?,
    })
}

/// Runs a `trust-list` subcommand; returns the exit code.
pub async fn run(cmd: TrustListCommand) -> anyhow::Result<i32> {
    match cmd {
        TrustListCommand::Create {
            name,
            sequence,
            out,
        } => {
            let mut list = TrustList::new(&name);
            list.sequence = sequence;
            write_draft(&out, &list)?;
            Ok(0)
        }
        TrustListCommand::Add {
            draft,
            issuer,
            name,
            document_types,
            profiles,
            did_document,
            key_windows,
            out,
        } => {
            let mut list = read_draft(&draft)?;
            let mut entry = TrustedIssuer::new(&issuer, document_types);
            entry.name = name;
            for path in &profiles {
                let known =
                    register_file(path).with_context(|| format!("--profile {}", path.display()))?;
                entry = entry
                    .with_profile(&known)
                    .with_context(|| format!("--profile {}", path.display()))?;
            }
            if let Some(path) = did_document {
                let doc: ControllerDocument = serde_json::from_value(input::read_json(&path)?)
                    .map_err(|e| anyhow::anyhow!("{}: not a DID document: {e}", path.display()))?;
                entry = entry.with_document(doc);
            }
            for w in &key_windows {
                entry.key_validity.push(key_window(w)?);
            }
            list.add(entry)?;
            write_draft(out.as_deref().unwrap_or(&draft), &list)?;
            Ok(0)
        }
        TrustListCommand::Remove { draft, issuer } => {
            let mut list = read_draft(&draft)?;
            if !list.remove(&issuer) {
                bail!("{issuer} is not in {}", draft.display());
            }
            write_draft(&draft, &list)?;
            Ok(0)
        }
        TrustListCommand::Sign {
            draft,
            key,
            method,
            format,
            valid_from,
            valid_until,
            out,
        } => {
            let list = read_draft(&draft)?;
            let pair = keys_cmd::load_key(&key)?;
            let signer = match method {
                Some(m) => LocalSigner::new(pair, m),
                None => LocalSigner::did_key(pair),
            };
            let signing = TrustListSigning {
                securing: format,
                valid_from: valid_from
                    .as_deref()
                    .map(|t| time("--valid-from", t))
                    .transpose()?,
                valid_until: valid_until
                    .as_deref()
                    .map(|t| time("--valid-until", t))
                    .transpose()?,
                id: None,
            };
            let signed = list.sign(&signer, &signing).await?;
            input::write_output(&out, &signed, false)?;
            if out.as_os_str() != "-" {
                eprintln!(
                    "trust list signed by {} (give verifiers --trust-anchor {})",
                    signer.controller(),
                    signer.controller()
                );
            }
            Ok(0)
        }
        TrustListCommand::Inspect {
            list,
            trust_anchors,
            json,
        } => inspect(&list, &trust_anchors, json).await,
    }
}

async fn inspect(path: &Path, trust_anchors: &[String], json_out: bool) -> anyhow::Result<i32> {
    let bytes = input::read_limited(path)?;
    let trimmed = bytes.trim_ascii();
    let is_draft = trimmed.first() == Some(&b'{')
        && civitas_core::credential::parse_json(trimmed)
            .ok()
            .is_some_and(|v| v.get("credentialSubject").is_none());
    if is_draft {
        let list = read_draft(path)?;
        let value = json!({"signed": false, "list": list});
        if json_out {
            println!("{}", serde_json::to_string_pretty(&value)?);
        } else {
            println!("DRAFT (unsigned) — sign it with `civitas trust-list sign`");
            print!("{}", describe(&list));
        }
        return Ok(0);
    }
    let anchors = anchors(trust_anchors)?;
    if anchors.is_empty() {
        // Show it without checking: say so.
        let Ok(Input::Credential(c)) = Input::parse(&bytes) else {
            bail!("{}: not a signed trust list", path.display());
        };
        let subject = c.credential().subjects().first().map(|s| (*s).clone());
        let list = TrustList::from_json(subject.unwrap_or_default())?;
        if json_out {
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({
                    "signed": true, "verified": null, "issuer": c.credential().issuer(), "list": list
                }))?
            );
        } else {
            println!(
                "signed by {} — signature NOT checked (give --trust-anchor to verify)",
                c.credential().issuer()
            );
            print!("{}", describe(&list));
        }
        return Ok(0);
    }
    match verify_trust_list(&bytes, &anchors, Utc::now()).await {
        Ok(verified) => {
            if json_out {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&verified_json(&verified))?
                );
            } else {
                println!(
                    "VERIFIED — signed by trust anchor {} ({}), valid {}",
                    verified.anchor(),
                    verified.secured_with(),
                    validity(&verified)
                );
                if let Some(reason) = verified.unusable_at(Utc::now()) {
                    println!("  WARNING: {reason}");
                }
                print!("{}", describe(verified.list()));
            }
            Ok(0)
        }
        Err(e) => {
            if json_out {
                println!(
                    "{}",
                    json!({"signed": true, "verified": false, "error": e.to_string()})
                );
            } else {
                println!("NOT VERIFIED — {e}");
            }
            Ok(1)
        }
    }
}

fn validity(v: &VerifiedTrustList) -> String {
    let t = |x: Option<DateTime<Utc>>| x.map(civitas_core::credential::format_datetime);
    match (t(v.valid_from()), t(v.valid_until())) {
        (Some(f), Some(u)) => format!("from {f} until {u}"),
        (Some(f), None) => format!("from {f}, no expiry"),
        (None, Some(u)) => format!("until {u}"),
        (None, None) => "always".to_owned(),
    }
}

fn verified_json(v: &VerifiedTrustList) -> serde_json::Value {
    json!({
        "signed": true,
        "verified": true,
        "anchor": v.anchor(),
        "securedWith": v.secured_with(),
        "validFrom": v.valid_from(),
        "validUntil": v.valid_until(),
        "list": v.list(),
    })
}

fn describe(list: &TrustList) -> String {
    let mut out = format!(
        "{} (#{}), {} issuer(s)\n",
        list.name.as_deref().unwrap_or("trust list"),
        list.sequence,
        list.issuers().len()
    );
    for i in list.issuers() {
        out.push_str(&format!(
            "  {} — {}\n    may issue: {}\n    DID document: {}\n",
            i.id,
            i.name.as_deref().unwrap_or("(no name)"),
            i.document_types.join(", "),
            if i.did_document.is_some() {
                "pinned"
            } else {
                "not pinned"
            }
        ));
        for w in &i.key_validity {
            out.push_str(&format!("    key {} signs {}\n", w.key, w.describe()));
        }
        for p in &i.profiles {
            out.push_str(&format!(
                "    profile {} pinned: {} (context {} {})\n",
                p.type_name, p.digest, p.context, p.context_digest
            ));
        }
    }
    out
}
