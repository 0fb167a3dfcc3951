//! `civitas verifier`: make an offline bundle, serve the VC-API verify endpoints, inspect a
//! bundle. Also the trust options shared with `civitas verify` ([`TrustArgs`]). The logic lives
//! in civitas-verifier; this is the command line around it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use civitas_core::profile::registry::register_file;
use civitas_keys::did::ControllerDocument;
use civitas_verifier::Verifier;
use civitas_verifier::bundle::{Bundle, BundleBuilder, MAX_BUNDLE_BYTES};
use civitas_verifier::online::{HttpFetcher, OnlineConfig};
use civitas_verifier::trust::{TrustAnchor, verify_trust_list};
use serde_json::json;

use crate::input;

/// Where the verifier's trust and status come from (shared by `verify` and `verifier serve`).
#[derive(Debug, Clone, clap::Args)]
pub struct TrustArgs {
    /// An offline bundle (`civitas verifier bundle`): trust list, status lists, contexts.
    #[arg(long)]
    pub bundle: Option<PathBuf>,
    /// A signed trust list (instead of, or replacing, the bundle's).
    #[arg(long = "trust-list")]
    pub trust_list: Option<PathBuf>,
    /// A trust anchor: a DID (did:key) or a DID document file (did:web). Repeatable. Required
    /// with --bundle or --trust-list.
    #[arg(long = "trust-anchor")]
    pub trust_anchors: Vec<String>,
    /// A signed status list credential (repeatable); counted as fetched now.
    #[arg(long = "status-list")]
    pub status_lists: Vec<PathBuf>,
    /// Status snapshots older than this are stale (status indeterminate): 90s, 30m, 12h, 7d.
    #[arg(long = "max-status-age", default_value = "7d", value_parser = parse_duration)]
    pub max_status_age: Duration,
    /// Pinned DID documents of holders or issuers outside the trust list.
    #[arg(long = "did-document")]
    pub did_documents: Vec<PathBuf>,
    /// Extra JSON-LD contexts, as URL=FILE.
    #[arg(long = "context")]
    pub contexts: Vec<String>,
    /// A document profile (TOML) civitas does not ship, to learn (repeatable): the trust list
    /// must pin it (a bundle carries the ones its trust list pins).
    #[arg(long = "profile", value_name = "FILE")]
    pub profiles: Vec<PathBuf>,
    /// Fetch missing or stale status lists and did:web documents over HTTPS.
    #[arg(long)]
    pub online: bool,
    /// With --online: also fetch plain http:// URLs (tests, closed networks only).
    #[arg(long = "allow-http", requires = "online")]
    pub allow_http: bool,
}

/// A `--max-status-age` value that is not a duration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationError {
    /// The text given.
    pub text: String,
    /// What is wrong with it.
    pub reason: DurationProblem,
}

/// What is wrong with a duration ([`DurationError`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationProblem {
    /// No number, or a number too large for 64 bits.
    Number,
    /// The unit is not `s`, `m`, `h` or `d`.
    Unit,
    /// The duration in seconds does not fit in 64 bits.
    Overflow,
}

impl std::fmt::Display for DurationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let why = match self.reason {
            DurationProblem::Number | DurationProblem::Unit => "",
            DurationProblem::Overflow => ": too long",
        };
        write!(
            f,
            "`{}` is not a duration (e.g. 90s, 30m, 12h, 7d){why}",
            self.text
        )
    }
}

impl std::error::Error for DurationError {}

/// Parses `90s`, `30m`, `12h`, `7d` (or plain seconds).
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let t = text.trim();
    let (number, unit) = t
        .find(|c: char| !c.is_ascii_digit())
        .map_or((t, ""), |i| t.split_at(i));
    let fail = |reason| DurationError {
        text: text.to_owned(),
        reason,
    };
    let n: u64 = number.parse().map_err(|_| fail(DurationProblem::Number))?;
    let secs = match unit {
        "" | "s" => Some(n),
        "m" => n.checked_mul(60),
        "h" => n.checked_mul(3_600),
        "d" => n.checked_mul(86_400),
        _ => return Err(fail(DurationProblem::Unit)),
    }
    .ok_or_else(|| fail(DurationProblem::Overflow))?;
    Ok(Duration::from_secs(secs))
}

/// Reads a trust anchor argument: a DID, or a DID document file.
pub fn parse_anchor(arg: &str) -> anyhow::Result<TrustAnchor> {
    if arg.starts_with("did:") {
        return Ok(TrustAnchor::did(arg));
    }
    let path = Path::new(arg);
    let doc: ControllerDocument = serde_json::from_value(input::read_json(path)?)
        .map_err(|e| anyhow::anyhow!("{}: not a DID document: {e}", path.display()))?;
    Ok(TrustAnchor::document(doc))
}

/// Parses every `--trust-anchor`.
pub fn anchors(args: &[String]) -> anyhow::Result<Vec<TrustAnchor>> {
    args.iter().map(|a| parse_anchor(a)).collect()
}

/// Reads a bundle file (up to [`MAX_BUNDLE_BYTES`]).
pub fn load_bundle(path: &Path) -> anyhow::Result<Bundle> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("opening {}", path.display()))?
        .len();
    if size > MAX_BUNDLE_BYTES as u64 {
        bail!(
            "{} is {size} bytes, more than the {MAX_BUNDLE_BYTES} a bundle may have",
            path.display()
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Bundle::parse(&bytes).with_context(|| format!("{}", path.display()))
}

impl TrustArgs {
    /// Whether a trust list is given (by --bundle or --trust-list).
    pub fn has_trust_list(&self) -> bool {
        self.bundle.is_some() || self.trust_list.is_some()
    }

    /// Builds the verifier. Without --bundle or --trust-list, issuers are not checked against a
    /// trust list (the `trustedIssuer` check is *not applicable*).
    pub async fn build(&self, now: Option<DateTime<Utc>>) -> anyhow::Result<Verifier> {
        let anchors = anchors(&self.trust_anchors)?;
        if self.has_trust_list() && anchors.is_empty() {
            bail!(
                "--bundle and --trust-list need --trust-anchor: the DID (or DID document) of whoever signs the trust list"
            );
        }
        let mut builder = Verifier::builder().max_status_age(self.max_status_age);
        for a in anchors {
            builder = builder.trust_anchor(a);
        }
        if let Some(path) = &self.bundle {
            builder = builder.bundle(&load_bundle(path)?);
        }
        if let Some(path) = &self.trust_list {
            builder = builder.trust_list(input::read_limited(path)?);
        }
        if !self.has_trust_list() {
            builder = builder.trust_any_issuer();
        }
        for path in &self.status_lists {
            builder = builder.status_list(input::read_limited(path)?, None);
        }
        for path in &self.did_documents {
            let doc: ControllerDocument = serde_json::from_value(input::read_json(path)?)
                .map_err(|e| anyhow::anyhow!("{}: not a DID document: {e}", path.display()))?;
            builder = builder.pin(doc);
        }
        for pair in &self.contexts {
            let (url, file) = pair
                .split_once('=')
                .with_context(|| format!("--context `{pair}`: expected URL=FILE"))?;
            builder = builder.context(url, &input::read_text(Path::new(file))?);
        }
        for path in &self.profiles {
            builder = builder.profile(&input::read_text(path)?);
        }
        if self.online {
            builder = builder.online(OnlineConfig::default().allow_http(self.allow_http));
        }
        if let Some(now) = now {
            builder = builder.at(now);
        }
        Ok(builder.build().await?)
    }
}

/// `civitas verifier …`
#[derive(Debug, clap::Subcommand)]
pub enum VerifierCommand {
    /// Make an offline bundle: a signed trust list, status list snapshots, contexts and the
    /// profiles the trust list pins that civitas does not ship, from files or fetched from the
    /// issuers' published URLs. Everything is verified first.
    Bundle {
        /// The signed trust list file.
        #[arg(long = "trust-list", conflicts_with = "trust_list_url")]
        trust_list: Option<PathBuf>,
        /// Fetch the signed trust list from this URL.
        #[arg(long = "trust-list-url")]
        trust_list_url: Option<String>,
        /// Trust anchor(s) the trust list must be signed by (DID or DID document file).
        #[arg(long = "trust-anchor", required = true)]
        trust_anchors: Vec<String>,
        /// A signed status list credential file (repeatable).
        #[arg(long = "status-list")]
        status_lists: Vec<PathBuf>,
        /// Fetch a status list credential from this URL (repeatable).
        #[arg(long = "status-url")]
        status_urls: Vec<String>,
        /// Extra JSON-LD contexts the documents need, as URL=FILE.
        #[arg(long = "context")]
        contexts: Vec<String>,
        /// A document profile file (TOML) the trust list pins and civitas does not ship
        /// (repeatable): loaded first, then carried by the bundle. Every such profile the
        /// trust list pins must be given.
        #[arg(long = "profile", value_name = "FILE")]
        profiles: Vec<PathBuf>,
        /// Also fetch plain http:// URLs (tests, closed networks only).
        #[arg(long = "allow-http")]
        allow_http: bool,
        /// Where to write the bundle.
        #[arg(long, short)]
        out: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Serve POST /credentials/verify and POST /presentations/verify (W3C VC-API).
    Serve {
        /// Trust and status sources.
        #[command(flatten)]
        trust: TrustArgs,
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
    },
    /// Show what a bundle holds and check it (signatures, snapshot ages).
    Inspect {
        /// The bundle file.
        bundle: PathBuf,
        /// Trust anchor(s) to check the trust list against (DID or DID document file).
        #[arg(long = "trust-anchor", required = true)]
        trust_anchors: Vec<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a `verifier` subcommand; returns the exit code.
pub async fn run(cmd: VerifierCommand) -> anyhow::Result<i32> {
    match cmd {
        VerifierCommand::Bundle {
            trust_list,
            trust_list_url,
            trust_anchors,
            status_lists,
            status_urls,
            contexts,
            profiles,
            allow_http,
            out,
            json,
        } => {
            for path in &profiles {
                register_file(path).with_context(|| format!("--profile {}", path.display()))?;
            }
            let mut builder = BundleBuilder::new(anchors(&trust_anchors)?);
            let needs_network = trust_list_url.is_some() || !status_urls.is_empty();
            let fetcher = if needs_network {
                Some(HttpFetcher::new(
                    OnlineConfig::default().allow_http(allow_http),
                )?)
            } else {
                None
            };
            match (&trust_list, &trust_list_url, &fetcher) {
                (Some(path), _, _) => builder = builder.trust_list(input::read_limited(path)?),
                (None, Some(url), Some(f)) => builder = builder.fetch_trust_list(f, url).await?,
                _ => bail!("give --trust-list FILE or --trust-list-url URL"),
            }
            for path in &status_lists {
                builder = builder.status_list(input::read_limited(path)?, Utc::now());
            }
            if let Some(f) = &fetcher {
                for url in &status_urls {
                    builder = builder.fetch_status_list(f, url).await?;
                }
            }
            for pair in &contexts {
                let (url, file) = pair
                    .split_once('=')
                    .with_context(|| format!("--context `{pair}`: expected URL=FILE"))?;
                builder = builder.context(url, &input::read_text(Path::new(file))?);
            }
            let bundle = builder.build().await?;
            input::write_output(&out, &bundle.to_json_pretty(), false)?;
            let described = describe(&bundle, &anchors(&trust_anchors)?).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&described)?);
            } else {
                println!("bundle written to {}", out.display());
                print!("{}", text(&described));
            }
            Ok(0)
        }
        VerifierCommand::Serve { trust, listen } => {
            let verifier = Arc::new(trust.build(None).await?);
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .with_context(|| format!("listening on {listen}"))?;
            eprintln!(
                "civitas verifier: POST http://{}/credentials/verify and /presentations/verify ({}, trust list: {})",
                listener.local_addr()?,
                if verifier.fetcher().is_some() {
                    "online"
                } else {
                    "offline"
                },
                verifier
                    .trust_list()
                    .map_or_else(|| "none: issuers not checked".to_owned(), |t| t.label())
            );
            civitas_verifier::http::serve(listener, verifier).await?;
            Ok(0)
        }
        VerifierCommand::Inspect {
            bundle,
            trust_anchors,
            json,
        } => {
            let bundle = load_bundle(&bundle)?;
            let anchors = anchors(&trust_anchors)?;
            let described = describe(&bundle, &anchors).await?;
            // The whole bundle must load: trust list and every snapshot verified.
            let loads = Verifier::from_bundle(&bundle, anchors, Duration::MAX).await;
            if json {
                let mut d = described;
                d["loads"] = match &loads {
                    Ok(_) => json!(true),
                    Err(e) => json!({"error": e.to_string()}),
                };
                println!("{}", serde_json::to_string_pretty(&d)?);
            } else {
                print!("{}", text(&described));
                match &loads {
                    Ok(_) => println!("every signature in the bundle verifies"),
                    Err(e) => println!("NOT USABLE: {e}"),
                }
            }
            Ok(if loads.is_ok() { 0 } else { 1 })
        }
    }
}

/// What a bundle holds, as JSON.
async fn describe(bundle: &Bundle, anchors: &[TrustAnchor]) -> anyhow::Result<serde_json::Value> {
    let now = Utc::now();
    let trust = verify_trust_list(&bundle.trust_list_bytes(), anchors, now).await?;
    Ok(json!({
        "createdAt": bundle.created_at,
        "trustList": {
            "name": trust.list().name,
            "sequence": trust.list().sequence,
            "anchor": trust.anchor(),
            "validFrom": trust.valid_from(),
            "validUntil": trust.valid_until(),
            "securedWith": trust.secured_with(),
            "issuers": trust.list().issuers().iter().map(|i| json!({
                "id": i.id, "name": i.name, "documentTypes": i.document_types,
                "pinnedDocument": i.did_document.is_some(),
                "keyWindows": i.key_validity.len(),
                "profiles": i.profiles,
            })).collect::<Vec<_>>(),
        },
        "statusLists": bundle.status_lists.iter().map(|s| json!({
            "url": s.url,
            "fetchedAt": s.fetched_at,
            "ageSeconds": (now - s.fetched_at).num_seconds(),
        })).collect::<Vec<_>>(),
        "contexts": bundle.contexts.iter().map(|c| c.url.clone()).collect::<Vec<_>>(),
        "profiles": bundle.profiles.iter().map(|p| {
            let digest = civitas_core::profile::registry::digest(p.text.as_bytes());
            let type_name = civitas_core::profile::Profile::from_toml(&p.text, "bundle")
                .map(|profile| profile.document.type_name)
                .ok();
            json!({"type": type_name, "digest": digest})
        }).collect::<Vec<_>>(),
    }))
}

fn text(d: &serde_json::Value) -> String {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("-").to_owned();
    let t = &d["trustList"];
    let mut out = format!(
        "made at:     {}\ntrust list:  {} (#{}) signed by {} ({})\n",
        s(&d["createdAt"]),
        s(&t["name"]),
        t["sequence"],
        s(&t["anchor"]),
        s(&t["securedWith"]),
    );
    for i in t["issuers"].as_array().into_iter().flatten() {
        let types: Vec<String> = i["documentTypes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(s)
            .collect();
        out.push_str(&format!(
            "  issuer:    {} — {} — may issue {}\n",
            s(&i["id"]),
            s(&i["name"]),
            types.join(", ")
        ));
        for p in i["profiles"].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "             pins the {} profile {}\n",
                s(&p["type"]),
                s(&p["digest"])
            ));
        }
    }
    for l in d["statusLists"].as_array().into_iter().flatten() {
        let age = l["ageSeconds"].as_i64().unwrap_or(0);
        out.push_str(&format!(
            "status list: {} fetched {} ({}h {}m ago)\n",
            s(&l["url"]),
            s(&l["fetchedAt"]),
            age / 3600,
            (age % 3600) / 60
        ));
    }
    for c in d["contexts"].as_array().into_iter().flatten() {
        out.push_str(&format!("context:     {}\n", s(c)));
    }
    for p in d["profiles"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "profile:     {} {}\n",
            s(&p["type"]),
            s(&p["digest"])
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_typed_errors() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(604_800)));
        let e = parse_duration("7w").unwrap_err();
        assert_eq!(e.reason, DurationProblem::Unit);
        assert_eq!(
            e.to_string(),
            "`7w` is not a duration (e.g. 90s, 30m, 12h, 7d)"
        );
        assert_eq!(
            parse_duration("soon").unwrap_err().reason,
            DurationProblem::Number
        );
        let e = parse_duration("99999999999999999d").unwrap_err();
        assert_eq!(e.reason, DurationProblem::Overflow);
        assert!(e.to_string().ends_with("too long"), "{e}");
    }
}
