//! The OpenID4VCI 1.0 peers (pre-authorized code flow) of the JS interop harness, built on
//! the openwallet-foundation's `@openid4vc/openid4vci` / `@openid4vc/oauth2`:
//! `oid4vci-wallet.mjs` (a wallet, [`JsPeer::oid4vci_receive`]) and `oid4vci-issuer.mjs`
//! (an HTTPS issuer of `eddsa-rdfc-2022` Data Integrity credentials, [`JsPeer::oid4vci_issuer`]).
//!
//! ```no_run
//! use civitas_testkit::js::JsPeer;
//!
//! let Some(js) = JsPeer::get() else { return };
//! # let (cert_pem, key_pem) = (String::new(), String::new());
//! let issuer = js.oid4vci_issuer(&cert_pem, &key_pem, &[7; 32], &[]);
//! let got = js.oid4vci_receive(&issuer.offer, issuer.tx_code.as_deref(), &cert_pem, "EdDSA");
//! assert!(got.ok, "{:?} {:?}\n{}", got.stage, got.error, issuer.log());
//! ```
//!
//! The certificate must be valid for `127.0.0.1` (an IP address SAN); the JS side trusts the
//! PEM given to the wallet through `NODE_EXTRA_CA_CERTS`. `tests/interop/fixtures/tls-cert.pem`
//! and `tls-key.pem` are a TEST-ONLY self-signed pair for that.

use std::fs::{self, File};
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{JsPeer, TempFiles};

/// How long `oid4vci-wallet.mjs` may take before it is killed.
const WALLET_TIMEOUT: Duration = Duration::from_secs(120);
/// How long `oid4vci-issuer.mjs` may take to print a line (start, new offer).
const ISSUER_LINE_TIMEOUT: Duration = Duration::from_secs(60);

/// What `oid4vci-wallet.mjs` got from an issuer (see `tests/interop/README.md`).
#[derive(Debug, Clone)]
pub struct JsReceived {
    /// The whole flow succeeded and the credential response had credentials.
    pub ok: bool,
    /// On failure, the step that failed: `offer`, `metadata`, `token`, `nonce`, `proof`,
    /// `credential`, `usage` (bad arguments) or `internal` (a bug of the script).
    pub stage: Option<String>,
    /// On failure, the library's error message.
    pub error: Option<String>,
    /// On failure, the OAuth `error` of the refusing HTTP response (e.g. `invalid_grant`,
    /// `invalid_nonce`, `invalid_proof`), when the server answered with one.
    pub error_code: Option<String>,
    /// On failure, the HTTP status of the refusing response, when there was one.
    pub http_status: Option<u16>,
    /// The holder's DID: `did:key:z6Mk…` (EdDSA, sent as the proof's `kid`) or the `did:jwk`
    /// of the key sent as the proof's `jwk` (ES256).
    pub holder: Option<String>,
    /// The credential configuration requested.
    pub configuration_id: Option<String>,
    /// The credentials of the credential response (for `ldp_vc`: JSON objects).
    pub credentials: Vec<Value>,
    /// The token endpoint's response.
    pub token_response: Option<Value>,
    /// The whole JSON line printed by the script; besides the fields above: `raw` (the
    /// credential response body), `offer`, `issuerMetadata`, `authorizationServerMetadata`,
    /// `version` (the library's reading of the metadata), `nonce`, `proof` (`header`,
    /// `payload`), `errorDescription`, `body` and `http` (every HTTP exchange: `method`, `url`,
    /// `requestBody`, `authorization`, `status`, `contentType`, `responseBody`).
    pub raw: Value,
    /// The script's exit code: 0 received, 1 refused or failed at some stage, 2 usage error.
    pub exit_code: i32,
}

/// A deliberate fault the JS wallet injects, for negative tests ([`JsReceiveOptions::tamper`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsTamper {
    /// Send a transaction code with one digit changed (`000000` when none was given).
    WrongTxCode,
    /// Send no `tx_code` although the offer asks for one.
    NoTxCode,
    /// Sign the key proof over a `nonce` the issuer never gave.
    WrongNonce,
    /// Sign the key proof with `aud` `https://attacker.example`.
    WrongAud,
}

impl JsTamper {
    fn arg(self) -> &'static str {
        match self {
            JsTamper::WrongTxCode => "wrong-tx-code",
            JsTamper::NoTxCode => "no-tx-code",
            JsTamper::WrongNonce => "wrong-nonce",
            JsTamper::WrongAud => "wrong-aud",
        }
    }
}

/// Options of [`JsPeer::oid4vci_receive_with`].
#[derive(Debug, Clone)]
pub struct JsReceiveOptions {
    /// The transaction code to send (`--tx-code`).
    pub tx_code: Option<String>,
    /// The key proof's algorithm: `EdDSA` (default; did:key `kid`) or `ES256` (`jwk`).
    pub alg: String,
    /// The credential configuration to request; default: the offer's first.
    pub configuration: Option<String>,
    /// The holder's Ed25519 seed (EdDSA only); default: a fresh random key.
    pub holder_seed: Option<[u8; 32]>,
    /// A fault to inject.
    pub tamper: Option<JsTamper>,
}

impl Default for JsReceiveOptions {
    fn default() -> Self {
        Self {
            tx_code: None,
            alg: "EdDSA".into(),
            configuration: None,
            holder_seed: None,
            tamper: None,
        }
    }
}

/// One pre-authorized offer of a [`JsIssuer`].
#[derive(Debug, Clone)]
pub struct JsOffer {
    /// `openid-credential-offer://?credential_offer=…` (or `…?credential_offer_uri=…`).
    pub offer: String,
    /// The transaction code the offer asks for, if any (6 digits).
    pub tx_code: Option<String>,
    /// The pre-authorized code inside the offer.
    pub pre_authorized_code: String,
}

/// A running `oid4vci-issuer.mjs`: an HTTPS credential issuer (and its own authorization server)
/// on `127.0.0.1`, offering `BirthCertificate_ldp_vc` (`ldp_vc`). The node process is killed
/// when this is dropped.
///
/// It issues `fixtures/birth-unsigned.json` signed with `eddsa-rdfc-2022` by the seed's did:key,
/// with a fresh `id`, `issuer` = [`JsIssuer::issuer_did`] and `credentialSubject.id` = the key
/// proof's holder: the DID of its `kid` (Ed25519 did:key only) or the `did:jwk` of its `jwk`.
pub struct JsIssuer {
    /// The credential issuer identifier, `https://127.0.0.1:PORT` (also the authorization server).
    pub url: String,
    /// The did:key (`did:key:z6Mk…`) that signs the credentials.
    pub issuer_did: String,
    /// The offer made at start: with a 6-digit transaction code, by value.
    pub offer: String,
    /// The start offer's transaction code.
    pub tx_code: Option<String>,
    /// The start offer's pre-authorized code.
    pub pre_authorized_code: String,
    /// The offered credential configuration, `BirthCertificate_ldp_vc`.
    pub configuration_id: String,
    /// The start line printed by the script.
    pub raw: Value,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    log_path: PathBuf,
    _files: TempFiles,
}

impl std::fmt::Debug for JsIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsIssuer")
            .field("url", &self.url)
            .field("issuer_did", &self.issuer_did)
            .field("pid", &self.child.id())
            .finish_non_exhaustive()
    }
}

impl JsIssuer {
    /// Makes one more pre-authorized offer (single-use code), with a 6-digit transaction code if
    /// `tx_code`, passed by reference (`credential_offer_uri`, served by the issuer) if
    /// `by_reference`.
    ///
    /// # Panics
    ///
    /// When the issuer is gone or does not answer.
    pub fn new_offer(&mut self, tx_code: bool, by_reference: bool) -> JsOffer {
        let request = serde_json::json!({"txCode": tx_code, "byReference": by_reference});
        let stdin = self.stdin.as_mut().expect("the issuer's stdin is open");
        if let Err(e) = writeln!(stdin, "{request}").and_then(|()| stdin.flush()) {
            panic!("oid4vci-issuer.mjs is gone ({e}):\n{}", self.log());
        }
        let v = self.next_line("a new offer");
        match offer_of(&v) {
            Some(offer) => offer,
            None => panic!(
                "oid4vci-issuer.mjs refused a new offer: {v}\n{}",
                self.log()
            ),
        }
    }

    /// What the issuer wrote on stderr so far: one line per request (`METHOD PATH STATUS` and
    /// the error), and its crashes.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    fn next_line(&mut self, what: &str) -> Value {
        let line = match self.lines.recv_timeout(ISSUER_LINE_TIMEOUT) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => panic!(
                "oid4vci-issuer.mjs printed no {what} in {ISSUER_LINE_TIMEOUT:?}:\n{}",
                self.log()
            ),
            Err(RecvTimeoutError::Disconnected) => {
                let status = self.child.wait().ok();
                panic!(
                    "oid4vci-issuer.mjs exited ({status:?}) before printing {what}:\n{}",
                    self.log()
                )
            }
        };
        serde_json::from_str(&line).unwrap_or_else(|e| {
            panic!(
                "oid4vci-issuer.mjs printed a non-JSON line ({e}): {line}\n{}",
                self.log()
            )
        })
    }
}

impl Drop for JsIssuer {
    fn drop(&mut self) {
        drop(self.stdin.take()); // the script exits when its stdin closes
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn offer_of(v: &Value) -> Option<JsOffer> {
    Some(JsOffer {
        offer: v["offer"].as_str()?.to_owned(),
        tx_code: v["txCode"].as_str().map(str::to_owned),
        pre_authorized_code: v["preAuthorizedCode"].as_str()?.to_owned(),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn opt_string(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

impl JsPeer {
    /// Receives a credential with the JS wallet (`oid4vci-wallet.mjs`): the whole pre-authorized
    /// code flow against the issuer of `offer_uri` (`openid-credential-offer://?credential_offer=…`
    /// or `…?credential_offer_uri=…`), with the transaction code `tx_code`, a fresh holder key
    /// and a key proof signed with `alg` (`EdDSA`: `kid` = the holder's did:key verification
    /// method; `ES256`: `jwk`). `ca_pem` is the certificate (or CA) the issuer's HTTPS is trusted
    /// by. Only `127.0.0.1` is reached.
    ///
    /// A refusal is not a panic: see [`JsReceived::ok`], [`JsReceived::stage`] and
    /// [`JsReceived::error_code`].
    ///
    /// # Panics
    ///
    /// When the script crashes without a JSON result or runs longer than 120 s.
    pub fn oid4vci_receive(
        &self,
        offer_uri: &str,
        tx_code: Option<&str>,
        ca_pem: &str,
        alg: &str,
    ) -> JsReceived {
        let opts = JsReceiveOptions {
            tx_code: tx_code.map(str::to_owned),
            alg: alg.to_owned(),
            ..JsReceiveOptions::default()
        };
        self.oid4vci_receive_with(offer_uri, ca_pem, &opts)
    }

    /// [`JsPeer::oid4vci_receive`] with all the options: a configuration, a fixed holder seed, a
    /// fault to inject ([`JsTamper`]).
    ///
    /// # Panics
    ///
    /// When the script crashes without a JSON result or runs longer than 120 s.
    pub fn oid4vci_receive_with(
        &self,
        offer_uri: &str,
        ca_pem: &str,
        opts: &JsReceiveOptions,
    ) -> JsReceived {
        let tmp = TempFiles::new();
        let ca = tmp.write("ca.pem", ca_pem);
        let mut args = vec![
            "--offer".to_owned(),
            offer_uri.to_owned(),
            "--alg".into(),
            opts.alg.clone(),
        ];
        if let Some(code) = &opts.tx_code {
            args.extend(["--tx-code".into(), code.clone()]);
        }
        if let Some(id) = &opts.configuration {
            args.extend(["--configuration".into(), id.clone()]);
        }
        if let Some(seed) = &opts.holder_seed {
            args.extend(["--holder-seed-hex".into(), hex(seed)]);
        }
        if let Some(t) = opts.tamper {
            args.extend(["--tamper".into(), t.arg().into()]);
        }
        let (raw, exit_code) = self.run_json_timed(
            &tmp,
            "oid4vci-wallet.mjs",
            &args,
            &[("NODE_EXTRA_CA_CERTS", ca)],
            WALLET_TIMEOUT,
        );
        JsReceived {
            ok: raw["ok"] == Value::Bool(true),
            stage: opt_string(&raw["stage"]),
            error: opt_string(&raw["error"]),
            error_code: opt_string(&raw["errorCode"]),
            http_status: raw["httpStatus"]
                .as_u64()
                .and_then(|s| u16::try_from(s).ok()),
            holder: opt_string(&raw["holder"]),
            configuration_id: opt_string(&raw["configurationId"]),
            credentials: raw["credentials"].as_array().cloned().unwrap_or_default(),
            token_response: raw.get("tokenResponse").cloned(),
            raw,
            exit_code,
        }
    }

    /// Starts the JS issuer (`oid4vci-issuer.mjs`) on `https://127.0.0.1:<free port>` with the
    /// TLS certificate and key `cert_pem` / `key_pem` (PEM; valid for `127.0.0.1`), signing
    /// credentials with the did:key of the Ed25519 `seed`. `contexts` are extra JSON-LD contexts
    /// `(url, text)` (the birth certificate fixture's context is built in). Returns once the
    /// issuer listens and made its first offer (with a transaction code).
    ///
    /// # Panics
    ///
    /// When node cannot be started, or the script exits or prints no start line within 60 s
    /// (e.g. a bad certificate).
    pub fn oid4vci_issuer(
        &self,
        cert_pem: &str,
        key_pem: &str,
        seed: &[u8; 32],
        contexts: &[(&str, &str)],
    ) -> JsIssuer {
        self.oid4vci_issuer_of(cert_pem, key_pem, seed, contexts, None)
    }

    /// [`JsPeer::oid4vci_issuer`] issuing `template` (an unsigned credential's JSON: its `id`,
    /// `issuer` and subject `id` are set per issuance) instead of the birth certificate fixture.
    ///
    /// # Panics
    ///
    /// As [`JsPeer::oid4vci_issuer`].
    pub fn oid4vci_issuer_of(
        &self,
        cert_pem: &str,
        key_pem: &str,
        seed: &[u8; 32],
        contexts: &[(&str, &str)],
        template: Option<&str>,
    ) -> JsIssuer {
        let files = TempFiles::new();
        let mut args = vec![
            self.script("oid4vci-issuer.mjs")
                .to_str()
                .unwrap_or_else(|| panic!("the interop directory path is not UTF-8"))
                .to_owned(),
            "--cert".into(),
            files.write("cert.pem", cert_pem),
            "--key".into(),
            files.write("key.pem", key_pem),
            "--port".into(),
            "0".into(),
            "--seed-hex".into(),
            hex(seed),
            "--verbose".into(),
        ];
        args.extend(files.context_args(contexts));
        if let Some(template) = template {
            args.push("--credential".into());
            args.push(files.write("credential.json", template));
        }
        let log_path = files.0.path().join("issuer.log");
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
                panic!("cannot run {} oid4vci-issuer.mjs: {e}", self.node.display())
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
        let mut issuer = JsIssuer {
            url: String::new(),
            issuer_did: String::new(),
            offer: String::new(),
            tx_code: None,
            pre_authorized_code: String::new(),
            configuration_id: String::new(),
            raw: Value::Null,
            child,
            stdin,
            lines,
            log_path,
            _files: files,
        };
        let start = issuer.next_line("start line");
        let (Some(url), Some(did), Some(offer), Some(config)) = (
            opt_string(&start["url"]),
            opt_string(&start["issuerDid"]),
            offer_of(&start),
            opt_string(&start["configurationId"]),
        ) else {
            panic!(
                "oid4vci-issuer.mjs printed an unexpected start line: {start}\n{}",
                issuer.log()
            );
        };
        issuer.url = url;
        issuer.issuer_did = did;
        issuer.offer = offer.offer;
        issuer.tx_code = offer.tx_code;
        issuer.pre_authorized_code = offer.pre_authorized_code;
        issuer.configuration_id = config;
        issuer.raw = start;
        issuer
    }

    /// Runs a script that prints one JSON line, with extra environment variables and a time
    /// limit (stdout and stderr go to files in `tmp`, so a large output cannot block it).
    fn run_json_timed(
        &self,
        tmp: &TempFiles,
        script: &str,
        args: &[String],
        env: &[(&str, String)],
        timeout: Duration,
    ) -> (Value, i32) {
        let out_path = tmp.0.path().join("stdout");
        let err_path = tmp.0.path().join("stderr");
        let create =
            |p: &PathBuf| File::create(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let mut cmd = Command::new(&self.node);
        cmd.arg(self.script(script))
            .args(args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(create(&out_path))
            .stderr(create(&err_path));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
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

#[cfg(test)]
#[path = "oid4vci_tests.rs"]
mod tests;
