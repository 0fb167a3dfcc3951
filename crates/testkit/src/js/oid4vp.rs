//! The OpenID4VP 1.0 peers of the JS interop harness, built on the openwallet-foundation's
//! `@openid4vc/openid4vp` (protocol) and `@sd-jwt/sd-jwt-vc` (presentations):
//! `oid4vp-verifier.mjs`, an HTTPS relying party asking for an SD-JWT VC
//! ([`JsPeer::oid4vp_verifier`], [`JsVerifier`]), and `oid4vp-wallet.mjs`, a wallet answering
//! a request link with one ([`JsPeer::oid4vp_wallet`], [`JsWalletAnswer`]).
//!
//! ```no_run
//! use civitas_testkit::js::{JsPeer, JsVerifierOptions};
//!
//! let Some(js) = JsPeer::get() else { return };
//! # let (cert_pem, key_pem, issuer_jwk) = (String::new(), String::new(), serde_json::Value::Null);
//! let mut verifier = js.oid4vp_verifier(&cert_pem, &key_pem, &issuer_jwk, &JsVerifierOptions::default());
//! // … a wallet answers verifier.link …
//! let result = verifier.wait_result();
//! assert!(result.verified, "{:?}\n{}", result.errors, verifier.log());
//! ```
//!
//! Both talk HTTPS on 127.0.0.1 only; `tests/interop/fixtures/tls-cert.pem` and `tls-key.pem`
//! are a TEST-ONLY pair for that (the JS side trusts a certificate through
//! `NODE_EXTRA_CA_CERTS`).

use std::fs::{self, File};
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{JsPeer, TempFiles, strings};

/// How long `oid4vp-wallet.mjs` may take before it is killed.
const WALLET_TIMEOUT: Duration = Duration::from_secs(120);
/// How long `oid4vp-verifier.mjs` may take to print its start line, a status or a result.
const VERIFIER_LINE_TIMEOUT: Duration = Duration::from_secs(60);

/// How to start `oid4vp-verifier.mjs` ([`JsPeer::oid4vp_verifier`]).
#[derive(Debug, Clone, Default)]
pub struct JsVerifierOptions {
    /// The Ed25519 seed of the verifier's did:key (its client id is
    /// `decentralized_identifier:<that did:key>`); `None`: a random key.
    pub seed: Option<[u8; 32]>,
    /// The `vct` asked for; `None`: `urn:civitas:type:BirthCertificate`.
    pub vct: Option<String>,
    /// The claims asked for (top-level claim names); empty: `givenName`, `familyName`,
    /// `birthDate`.
    pub claims: Vec<String>,
    /// Token Status Lists `(uri, status list JWT)` the verifier may use (it fetches nothing):
    /// a presented credential with a `status` is checked against these, and refused without.
    pub status_lists: Vec<(String, String)>,
    /// Sign the request object with the key of ANOTHER did:key than the client id's (`kid` of
    /// that other DID): a request every wallet must refuse.
    pub wrong_signer: bool,
}

/// What `oid4vp-verifier.mjs` concluded about the answer it got.
#[derive(Debug, Clone)]
pub struct JsVpResult {
    /// The response was accepted: `state`, `vp_token` answering exactly the DCQL query (checked
    /// by `@openid4vc/openid4vp`), and the SD-JWT VC presentation verified by
    /// `@sd-jwt/sd-jwt-vc` (issuer signature, disclosures, validity, status when given, `typ`,
    /// `vct`, the claims asked, a KB-JWT by `cnf.jwk` with the request's nonce, `aud` = the
    /// client id, a fresh `iat`).
    pub verified: bool,
    /// The verified claims (plain and disclosed, `_sd` removed); `Null` when not verified.
    pub claims: Value,
    /// The credential's own claims received (sorted), the registered JWT / SD-JWT VC claims
    /// (`iss`, `iat`, `vct`, `cnf`, `status`, …) left out; empty when not verified.
    pub disclosed: Vec<String>,
    /// The claim names of the presentation's disclosures, as sent (also when refused).
    pub disclosures: Vec<String>,
    /// Why not verified.
    pub errors: Vec<String>,
    /// The whole line (also `header`, `kb`, `queryId`, `walletError`).
    pub raw: Value,
}

/// A running `oid4vp-verifier.mjs`: an HTTPS OpenID4VP 1.0 relying party on `127.0.0.1`
/// (`@openid4vc/openid4vp`'s `Openid4vpVerifier`) with one pending request for an SD-JWT VC
/// (`dc+sd-jwt`, DCQL, signed request object by reference, `direct_post`). The node process is
/// killed when this is dropped.
pub struct JsVerifier {
    /// `https://127.0.0.1:PORT`.
    pub url: String,
    /// `decentralized_identifier:did:key:z6Mk…`.
    pub client_id: String,
    /// The verifier's did:key.
    pub did: String,
    /// Its verification method `did:key:z6Mk…#z6Mk…`.
    pub kid: String,
    /// The `kid` the request object is signed with (another DID's with `wrong_signer`).
    pub signer_kid: String,
    /// The request link: `openid4vp://?client_id=…&request_uri=…`.
    pub link: String,
    /// Where the request object is served.
    pub request_uri: String,
    /// Where the response goes.
    pub response_uri: String,
    /// The request's nonce (the KB-JWT must carry it).
    pub nonce: String,
    /// The request's state.
    pub state: String,
    /// The start line printed by the script (also `dcqlQuery`).
    pub raw: Value,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    log_path: PathBuf,
    _files: TempFiles,
}

impl std::fmt::Debug for JsVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsVerifier")
            .field("url", &self.url)
            .field("client_id", &self.client_id)
            .field("pid", &self.child.id())
            .finish_non_exhaustive()
    }
}

impl JsVerifier {
    /// Waits (at most 60 s) for the verifier's conclusion about the first answer to its
    /// request.
    ///
    /// # Panics
    ///
    /// When nothing comes in time, or the script dies.
    pub fn wait_result(&mut self) -> JsVpResult {
        loop {
            let v = self.next_line("a result");
            if v.get("verified").is_some() {
                return JsVpResult {
                    verified: v["verified"] == Value::Bool(true),
                    claims: v["claims"].clone(),
                    disclosed: strings(&v["disclosed"]),
                    disclosures: strings(&v["disclosures"]),
                    errors: strings(&v["errors"]),
                    raw: v,
                };
            }
        }
    }

    /// How often the request object was fetched and how many responses were POSTed so far.
    ///
    /// # Panics
    ///
    /// When the script is gone or does not answer.
    pub fn counts(&mut self) -> (u64, u64) {
        let stdin = self.stdin.as_mut().expect("the verifier's stdin is open");
        if let Err(e) = writeln!(stdin, "{{\"cmd\":\"status\"}}").and_then(|()| stdin.flush()) {
            panic!("oid4vp-verifier.mjs is gone ({e}):\n{}", self.log());
        }
        loop {
            let v = self.next_line("its counts");
            if let (Some(f), Some(p)) = (v["requestFetches"].as_u64(), v["responsePosts"].as_u64())
            {
                return (f, p);
            }
        }
    }

    /// What the verifier wrote on stderr so far: one line per request (`METHOD PATH STATUS`
    /// and the error), and its crashes.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    fn next_line(&mut self, what: &str) -> Value {
        let line = match self.lines.recv_timeout(VERIFIER_LINE_TIMEOUT) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => panic!(
                "oid4vp-verifier.mjs printed no {what} in {VERIFIER_LINE_TIMEOUT:?}:\n{}",
                self.log()
            ),
            Err(RecvTimeoutError::Disconnected) => {
                let status = self.child.wait().ok();
                panic!(
                    "oid4vp-verifier.mjs exited ({status:?}) before printing {what}:\n{}",
                    self.log()
                )
            }
        };
        serde_json::from_str(&line).unwrap_or_else(|e| {
            panic!(
                "oid4vp-verifier.mjs printed a non-JSON line ({e}): {line}\n{}",
                self.log()
            )
        })
    }
}

impl Drop for JsVerifier {
    fn drop(&mut self) {
        drop(self.stdin.take()); // the script exits when its stdin closes
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What `oid4vp-wallet.mjs` did with a request link.
#[derive(Debug, Clone)]
pub struct JsWalletAnswer {
    /// The verifier answered the response with 2xx.
    pub ok: bool,
    /// The HTTP status of the verifier's answer to the response, when it got that far.
    pub status: Option<u16>,
    /// The verifier's answer (JSON, or text).
    pub body: Value,
    /// The claim names of the disclosures sent.
    pub disclosed: Vec<String>,
    /// On failure before an answer: `usage`, `parse`, `resolve` (fetching or verifying the
    /// request object), `select`, `present`, `response` or `submit`.
    pub stage: Option<String>,
    /// On failure before an answer: the library's error.
    pub error: Option<String>,
    /// The whole line (also `clientId`, `nonce`, `queryId`, `responseUri`, `presentation`,
    /// and `http`: every HTTP exchange).
    pub raw: Value,
    /// 0 accepted, 1 refused or failed, 2 usage error.
    pub exit_code: i32,
}

fn opt_string(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

impl JsPeer {
    /// Starts the JS OpenID4VP verifier (`oid4vp-verifier.mjs`) on `https://127.0.0.1:<free
    /// port>` with the TLS certificate and key `cert_pem` / `key_pem`, verifying presentations
    /// of credentials signed by `issuer_jwk` (a public JWK, Ed25519 or P-256). Returns once it
    /// listens and made its request ([`JsVerifier::link`]).
    ///
    /// # Panics
    ///
    /// When node cannot be started, or the script exits or prints no start line within 60 s.
    pub fn oid4vp_verifier(
        &self,
        cert_pem: &str,
        key_pem: &str,
        issuer_jwk: &Value,
        opts: &JsVerifierOptions,
    ) -> JsVerifier {
        let files = TempFiles::new();
        let mut args = vec![
            self.script("oid4vp-verifier.mjs")
                .to_str()
                .unwrap_or_else(|| panic!("the interop directory path is not UTF-8"))
                .to_owned(),
            "--cert".into(),
            files.write("cert.pem", cert_pem),
            "--key".into(),
            files.write("key.pem", key_pem),
            "--port".into(),
            "0".into(),
            "--issuer-jwk".into(),
            files.write("issuer-jwk.json", &issuer_jwk.to_string()),
            "--verbose".into(),
        ];
        if let Some(seed) = &opts.seed {
            args.extend(["--seed-hex".into(), hex(seed)]);
        }
        if let Some(vct) = &opts.vct {
            args.extend(["--vct".into(), vct.clone()]);
        }
        if !opts.claims.is_empty() {
            args.extend(["--claims".into(), opts.claims.join(",")]);
        }
        for (i, (uri, jwt)) in opts.status_lists.iter().enumerate() {
            let path = files.write(&format!("status-list-{i}.jwt"), jwt);
            args.extend(["--status-list".into(), format!("{uri}={path}")]);
        }
        if opts.wrong_signer {
            args.push("--wrong-signer".into());
        }
        let log_path = files.0.path().join("verifier.log");
        let log = File::create(&log_path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", log_path.display()));
        let mut child = Command::new(&self.node)
            .args(&args)
            .current_dir(&self.dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run {} oid4vp-verifier.mjs: {e}",
                    self.node.display()
                )
            });
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if !line.trim().is_empty() && tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut verifier = JsVerifier {
            url: String::new(),
            client_id: String::new(),
            did: String::new(),
            kid: String::new(),
            signer_kid: String::new(),
            link: String::new(),
            request_uri: String::new(),
            response_uri: String::new(),
            nonce: String::new(),
            state: String::new(),
            raw: Value::Null,
            child,
            stdin,
            lines,
            log_path,
            _files: files,
        };
        let start = verifier.next_line("start line");
        let field = |name: &str| {
            opt_string(&start[name]).unwrap_or_else(|| {
                panic!("oid4vp-verifier.mjs printed an unexpected start line (no {name}): {start}")
            })
        };
        verifier.url = field("url");
        verifier.client_id = field("clientId");
        verifier.did = field("did");
        verifier.kid = field("kid");
        verifier.signer_kid = field("signerKid");
        verifier.link = field("link");
        verifier.request_uri = field("requestUri");
        verifier.response_uri = field("responseUri");
        verifier.nonce = field("nonce");
        verifier.state = field("state");
        verifier.raw = start;
        verifier
    }

    /// Runs the JS OpenID4VP wallet (`oid4vp-wallet.mjs`) on `request`:
    /// `{"link", "sdJwt", "holderJwk" (the PRIVATE JWK of the credential's `cnf.jwk`),
    /// "caCert" (a path: the verifier's certificate, trusted through NODE_EXTRA_CA_CERTS)}`,
    /// plus `"wrongNonce": true` to sign the KB-JWT over a nonce the verifier never gave.
    /// It resolves the link (request object fetched and verified), presents the claims the
    /// DCQL query names with a KB-JWT and POSTs the response (`direct_post`). A refusal is
    /// not a panic: see [`JsWalletAnswer::ok`], [`JsWalletAnswer::status`],
    /// [`JsWalletAnswer::stage`].
    ///
    /// # Panics
    ///
    /// When the script crashes without a JSON result or runs longer than 120 s.
    pub fn oid4vp_wallet(&self, request: &Value) -> JsWalletAnswer {
        let tmp = TempFiles::new();
        let mut args = vec![tmp.write("request.json", &request.to_string())];
        if request["wrongNonce"] == Value::Bool(true) {
            args.push("--wrong-nonce".into());
        }
        let (raw, exit_code) = self.run_timed(&tmp, "oid4vp-wallet.mjs", &args, WALLET_TIMEOUT);
        JsWalletAnswer {
            ok: raw["ok"] == Value::Bool(true),
            status: raw["status"].as_u64().and_then(|s| u16::try_from(s).ok()),
            body: raw["body"].clone(),
            disclosed: strings(&raw["disclosed"]),
            stage: opt_string(&raw["stage"]),
            error: opt_string(&raw["error"]),
            raw,
            exit_code,
        }
    }

    /// Runs a script that prints one JSON line, with a time limit (stdout and stderr go to
    /// files in `tmp`).
    fn run_timed(
        &self,
        tmp: &TempFiles,
        script: &str,
        args: &[String],
        timeout: Duration,
    ) -> (Value, i32) {
        let out_path = tmp.0.path().join("stdout");
        let err_path = tmp.0.path().join("stderr");
        let create =
            |p: &PathBuf| File::create(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let mut child = Command::new(&self.node)
            .arg(self.script(script))
            .args(args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(create(&out_path))
            .stderr(create(&err_path))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {} {script}: {e}", self.node.display()));
        let started = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if started.elapsed() > timeout => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "{script} ran longer than {timeout:?}\n--- stderr ---\n{}",
                        fs::read_to_string(&err_path).unwrap_or_default()
                    );
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => panic!("waiting for {script}: {e}"),
            }
        };
        let stdout = fs::read_to_string(&out_path).unwrap_or_default();
        let stderr = fs::read_to_string(&err_path).unwrap_or_default();
        let code = status.code();
        let line = stdout.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
        match serde_json::from_str::<Value>(line) {
            Ok(v) if v.is_object() && code.is_some_and(|c| [0, 1, 2].contains(&c)) => {
                (v, code.unwrap_or(-1))
            }
            _ => panic!(
                "{script} printed no JSON result (exit {code:?})\n--- stderr ---\n{stderr}\n\
                 --- stdout ---\n{stdout}"
            ),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
