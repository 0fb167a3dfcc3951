//! `civitas verifier`: make an offline bundle, serve the VC-API verify endpoints, inspect a
//! bundle. Also the trust options shared with `civitas verify` ([`TrustArgs`]). The logic lives
//! in civitas-verifier; this is the command line around it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use civitas_core::profile::registry::register_file;
use civitas_keys::did::ControllerDocument;
use civitas_verifier::Verifier;
use civitas_verifier::bundle::{Bundle, BundleBuilder, MAX_BUNDLE_BYTES};
use civitas_verifier::oid4vp::{ClientError, Oid4vpConfig, RelyingParty, RpClient};
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
        /// Fetch a Token Status List (the `statuslist+jwt` SD-JWT VCs name) from this URL
        /// (repeatable): `<issuer>/status/token/<n>` for a civitas issuer.
        #[arg(long = "status-token-url")]
        status_token_urls: Vec<String>,
        /// A Token Status List file, as URI=FILE (the URI SD-JWT VCs name; repeatable).
        #[arg(long = "status-token", value_name = "URI=FILE")]
        status_tokens: Vec<String>,
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
    /// Serve POST /credentials/verify and POST /presentations/verify (W3C VC-API), and the
    /// relying party side of OpenID4VP 1.0 (/oid4vp/…): requests shown as QR codes, wallets'
    /// responses verified. Plain HTTP: put it behind a TLS proxy at --public-url.
    Serve {
        /// Trust and status sources.
        #[command(flatten)]
        trust: TrustArgs,
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// The public base URL wallets reach (request_uri and response_uri are built from
        /// it); default https://<listen address>.
        #[arg(long = "public-url")]
        public_url: Option<String>,
        /// The relying party's key (a secret multikey, or a private JWK) signing request
        /// objects; created with a new Ed25519 key (mode 0600) when missing. Without it, a key
        /// for this run only.
        #[arg(long = "verifier-key", value_name = "FILE")]
        verifier_key: Option<PathBuf>,
        /// The name wallets show for this relying party.
        #[arg(long = "client-name", default_value = "civitas verifier")]
        client_name: String,
        /// The bearer token of the relying party API (POST /oid4vp/requests, GET
        /// /oid4vp/requests/ID); created with 32 random bytes (base64url, mode 0600) when
        /// missing. Without it, a token for this run only, printed at start.
        #[arg(long = "rp-token-file", value_name = "FILE")]
        rp_token_file: Option<PathBuf>,
    },
    /// Ask a wallet for a credential (OpenID4VP): make a request on a running `verifier serve`
    /// and print its link (and write its QR code).
    Request {
        /// The server's base URL (https://…; http:// only to a loopback address).
        #[arg(long)]
        server: String,
        /// The file holding the relying party API bearer token.
        #[arg(long = "token-file")]
        token_file: PathBuf,
        /// The document type (BirthCertificate, birth-certificate, birth).
        #[arg(long = "type", conflicts_with = "dcql", requires = "claims")]
        type_name: Option<String>,
        /// The claims asked, comma-separated (nested with dots: mother.familyName).
        #[arg(long, value_delimiter = ',', conflicts_with = "dcql")]
        claims: Vec<String>,
        /// The credential format asked: dc+sd-jwt (default) or ldp_vc.
        #[arg(long, conflicts_with = "dcql")]
        format: Option<String>,
        /// A DCQL query file (JSON), instead of --type and --claims.
        #[arg(long, required_unless_present = "type_name")]
        dcql: Option<PathBuf>,
        /// Write the QR code of the link here (.png or .svg).
        #[arg(long)]
        qr: Option<PathBuf>,
        /// An extra root certificate (PEM) for the server's TLS certificate (repeatable).
        #[arg(long)]
        ca: Vec<PathBuf>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show the status and the verified claims of an OpenID4VP request (exit 0 verified, 1
    /// refused or expired, 3 still pending).
    Result {
        /// The server's base URL.
        #[arg(long)]
        server: String,
        /// The file holding the relying party API bearer token.
        #[arg(long = "token-file")]
        token_file: PathBuf,
        /// The request id.
        id: String,
        /// Wait up to this many seconds while the request is pending.
        #[arg(long, default_value_t = 0)]
        wait: u64,
        /// An extra root certificate (PEM) for the server's TLS certificate (repeatable).
        #[arg(long)]
        ca: Vec<PathBuf>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
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
            status_token_urls,
            status_tokens,
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
            let needs_network = trust_list_url.is_some()
                || !status_urls.is_empty()
                || !status_token_urls.is_empty();
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
            for pair in &status_tokens {
                let (uri, file) = pair
                    .split_once('=')
                    .with_context(|| format!("--status-token `{pair}`: expected URI=FILE"))?;
                builder =
                    builder.status_token(uri, &input::read_text(Path::new(file))?, Utc::now());
            }
            if let Some(f) = &fetcher {
                for url in &status_urls {
                    builder = builder.fetch_status_list(f, url).await?;
                }
                for url in &status_token_urls {
                    builder = builder.fetch_status_token(f, url).await?;
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
        VerifierCommand::Serve {
            trust,
            listen,
            public_url,
            verifier_key,
            client_name,
            rp_token_file,
        } => {
            let verifier = Arc::new(trust.build(None).await?);
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .with_context(|| format!("listening on {listen}"))?;
            let public_url = match public_url {
                Some(url) => url,
                None => format!("https://{}", listener.local_addr()?),
            };
            if !public_url.starts_with("https://") && !public_url.starts_with("http://") {
                bail!("--public-url `{public_url}` is not an http(s) URL");
            }
            let signer = civitas_keys::signer::LocalSigner::did_key(relying_party_key(
                verifier_key.as_deref(),
            )?);
            let token = match &rp_token_file {
                Some(path) => rp_token(path)?,
                None => {
                    let token = civitas_verifier::oid4vp::generate_token();
                    eprintln!(
                        "civitas verifier: relying party API token for this run (give --rp-token-file to keep one): {token}"
                    );
                    token
                }
            };
            let shared = Arc::new(RwLock::new(verifier.clone()));
            let rp = RelyingParty::new(Oid4vpConfig::new(
                &public_url,
                signer,
                &client_name,
                &token,
                shared.clone(),
            ));
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
            eprintln!(
                "civitas verifier: OpenID4VP relying party {} as {} (client_id {})",
                public_url,
                client_name,
                rp.client_id()
            );
            eprintln!(
                "civitas verifier: the verifier page at http://{}/verify",
                listener.local_addr()?
            );
            let app = civitas_verifier::http::shared_router(shared.clone())
                .merge(civitas_verifier::oid4vp::router(rp))
                .merge(civitas_web::verifier_pages(shared));
            axum::serve(listener, app).await?;
            Ok(0)
        }
        VerifierCommand::Request {
            server,
            token_file,
            type_name,
            claims,
            format,
            dcql,
            qr,
            ca,
            json,
        } => {
            let client = rp_client(&server, &token_file, &ca)?;
            let body = match (&dcql, &type_name) {
                (Some(path), _) => json!({"dcql_query": input::read_json(path)?}),
                (None, Some(t)) => {
                    let mut body = json!({"type": t, "claims": claims});
                    if let Some(f) = &format {
                        body["format"] = json!(f);
                    }
                    body
                }
                (None, None) => bail!("give --type and --claims, or --dcql FILE"),
            };
            let mut created = client.create(&body).await.map_err(api_error)?;
            let link = created["link"].as_str().unwrap_or_default().to_owned();
            if let Some(out) = &qr {
                write_qr(out, &link)?;
            }
            if json {
                if let Some(m) = created.as_object_mut() {
                    m.remove("qr");
                }
                println!("{}", serde_json::to_string_pretty(&created)?);
            } else {
                let s = |k: &str| created[k].as_str().unwrap_or("-").to_owned();
                println!("id:        {}", s("id"));
                println!("link:      {link}");
                println!("client_id: {}", s("client_id"));
                println!("expires:   {}", s("expires_at"));
                if let Some(out) = &qr {
                    println!("QR code written to {}", out.display());
                }
            }
            Ok(0)
        }
        VerifierCommand::Result {
            server,
            token_file,
            id,
            wait,
            ca,
            json,
        } => {
            let client = rp_client(&server, &token_file, &ca)?;
            let deadline = std::time::Instant::now() + Duration::from_secs(wait);
            let result = loop {
                let result = client.result(&id).await.map_err(api_error)?;
                if result["status"] != "pending" || std::time::Instant::now() >= deadline {
                    break result;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&result)?);
            } else {
                print!("{}", result_text(&result));
            }
            Ok(match result["status"].as_str() {
                Some("verified") => 0,
                Some("pending") => 3,
                _ => 1,
            })
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

/// The relying party key: read from `path` (secret multikey or private JWK), created there
/// with a new Ed25519 key (mode 0600) when missing; a key for this run without a path.
fn relying_party_key(path: Option<&Path>) -> anyhow::Result<civitas_keys::keys::KeyPair> {
    use civitas_keys::keys::{KeyAlgorithm, KeyPair};
    let Some(path) = path else {
        return Ok(KeyPair::generate(KeyAlgorithm::Ed25519));
    };
    if path.exists() {
        let text = input::read_text(path)?;
        return civitas_verifier::oid4vp::read_key(&text).with_context(|| {
            format!(
                "{} is not a secret multikey or a private JWK",
                path.display()
            )
        });
    }
    let key = KeyPair::generate(KeyAlgorithm::Ed25519);
    input::write_output(path, &key.to_secret_multikey(), true)?;
    eprintln!(
        "civitas verifier: new relying party key written to {}",
        path.display()
    );
    Ok(key)
}

/// The relying party API token in `path`, created (32 random bytes, base64url, mode 0600)
/// when missing.
fn rp_token(path: &Path) -> anyhow::Result<String> {
    if path.exists() {
        let token = input::read_text(path)?.trim().to_owned();
        if token.len() < 16 {
            bail!(
                "{}: the token is shorter than 16 characters",
                path.display()
            );
        }
        return Ok(token);
    }
    let token = civitas_verifier::oid4vp::generate_token();
    input::write_output(path, &token, true)?;
    eprintln!(
        "civitas verifier: new relying party API token written to {}",
        path.display()
    );
    Ok(token)
}

fn rp_client(server: &str, token_file: &Path, ca: &[PathBuf]) -> anyhow::Result<RpClient> {
    let token = input::read_text(token_file)?.trim().to_owned();
    let roots = ca
        .iter()
        .map(|p| input::read_limited(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(RpClient::new(server, &token, &roots)?)
}

fn api_error(e: ClientError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// Writes the QR code of `link`: SVG for a `.svg` path, PNG otherwise.
fn write_qr(out: &Path, link: &str) -> anyhow::Result<()> {
    let symbol = civitas_qr::QrSymbol::encode_bytes(link, civitas_qr::EcLevel::M)?;
    let svg = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    if svg {
        std::fs::write(out, symbol.to_svg("100%"))
    } else {
        std::fs::write(out, symbol.to_png(8)?)
    }
    .with_context(|| format!("writing {}", out.display()))
}

/// A request's result for people.
fn result_text(r: &serde_json::Value) -> String {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("-").to_owned();
    let mut out = format!("status: {}\n", s(&r["status"]));
    if let Some(reason) = r["reason"].as_str() {
        out.push_str(&format!("reason: {reason}\n"));
    }
    for c in r["credentials"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "{}: {} {} from {}: {}\n",
            s(&c["query_id"]),
            s(&c["format"]),
            s(&c["type"]),
            s(&c["issuer"]),
            s(&c["verdict"]).to_uppercase()
        ));
        for (k, v) in c["claims"].as_object().into_iter().flatten() {
            let shown = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            out.push_str(&format!("  {k}: {shown}\n"));
        }
    }
    out
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
        "statusTokens": bundle.status_tokens.iter().map(|s| json!({
            "url": s.uri,
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
    for (key, label) in [
        ("statusLists", "status list"),
        ("statusTokens", "token list "),
    ] {
        for l in d[key].as_array().into_iter().flatten() {
            let age = l["ageSeconds"].as_i64().unwrap_or(0);
            out.push_str(&format!(
                "{label}: {} fetched {} ({}h {}m ago)\n",
                s(&l["url"]),
                s(&l["fetchedAt"]),
                age / 3600,
                (age % 3600) / 60
            ));
        }
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
