//! The JavaScript interop peer: Digital Bazaar's VC stack (`@digitalbazaar/vc`,
//! `data-integrity`, `eddsa-rdfc-2022-cryptosuite`, `vc-bitstring-status-list`, did:key)
//! driven through the scripts in `tests/interop/` (see its README.md).
//!
//! Every call runs one `node` process over temporary files; the scripts are offline (a static
//! document loader: bundled contexts, did:key, and what the caller passes). Use it in tests:
//!
//! ```no_run
//! use civitas_testkit::js::JsPeer;
//!
//! let Some(js) = JsPeer::get() else { return }; // loud skip when node is missing (not on CI)
//! # let signed = String::new(); let context = String::new();
//! let verdict = js.verify(&signed, &[("https://example.org/ctx/v1", &context)], &[], None);
//! assert!(verdict.verified, "{:?}", verdict.errors);
//! ```
//!
//! [`JsPeer::get`] finds `node` (>= 20; `CIVITAS_NODE` overrides the program, `CIVITAS_NPM`
//! the npm program) and runs `npm ci` in `tests/interop` once if its `node_modules` is missing
//! or older than `package-lock.json`, serialised across test processes by a lock file.
//! Without node it returns `None` and says so loudly on stderr, unless the environment
//! variable `CI` is `"true"`: then any failure to get the peer panics.
//!
//! OpenID4VCI 1.0 (pre-authorized code flow, `@openid4vc/openid4vci`): a JS wallet
//! ([`JsPeer::oid4vci_receive`], [`JsReceived`]) and a JS HTTPS issuer
//! ([`JsPeer::oid4vci_issuer`], [`JsIssuer`]); `tests/interop/fixtures/tls-cert.pem` and
//! `tls-key.pem` are a TEST-ONLY certificate for `127.0.0.1` to run the latter with.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

mod oid4vci;
pub use oid4vci::{JsIssuer, JsOffer, JsReceiveOptions, JsReceived, JsTamper};
mod sdjwt;
pub use sdjwt::JsSdJwtVerdict;
mod oid4vp;
pub use oid4vp::{JsVerifier, JsVerifierOptions, JsVpResult, JsWalletAnswer};

/// Minimum Node.js major version the scripts need.
const MIN_NODE_MAJOR: u32 = 20;
/// A `.npm-ci.lock` older than this is left over from a dead process and is removed.
const STALE_LOCK: Duration = Duration::from_secs(10 * 60);
/// How long to wait for another process's `npm ci` before giving up.
const LOCK_WAIT: Duration = Duration::from_secs(15 * 60);

/// The JavaScript interop peer: the scripts in `tests/interop/`, run with `node`.
#[derive(Debug, Clone)]
pub struct JsPeer {
    dir: PathBuf,
    node: PathBuf,
}

/// What `verify.mjs` said about a credential.
#[derive(Debug, Clone)]
pub struct JsVerdict {
    /// The credential verified: proof, validity period and, when status lists were given,
    /// the status check (a set revocation/suspension bit makes this `false`).
    pub verified: bool,
    /// The error messages of the JS stack (empty when verified).
    pub errors: Vec<String>,
    /// The credential has a `credentialStatus` and status lists were given, so it was checked.
    pub status_checked: bool,
    /// The whole JSON line printed by `verify.mjs` (incl. `status`: one object per entry with
    /// `statusPurpose`, `statusListIndex`, `statusListCredential` and `bit`).
    pub raw: Value,
    /// The script's exit code: 0 verified, 1 not verified, 2 input error (e.g. not JSON).
    pub exit_code: i32,
}

/// What `status.mjs` said about one index of a `BitstringStatusListCredential`.
#[derive(Debug, Clone)]
pub struct JsStatus {
    /// The status list credential's proof verified (and its types are the expected ones).
    pub verified: bool,
    /// The bit at the index; `None` if the list could not be decoded or the index is out of
    /// range.
    pub bit: Option<u8>,
    /// The decoded list's length in bits; `None` if it could not be decoded.
    pub length: Option<u64>,
    /// The list's `statusPurpose`.
    pub purpose: Option<String>,
    /// The error messages of the JS stack.
    pub errors: Vec<String>,
    /// The whole JSON line printed by `status.mjs`.
    pub raw: Value,
    /// The script's exit code: 0 verified and bit read, 1 otherwise, 2 input error.
    pub exit_code: i32,
}

static PEER: OnceLock<Option<JsPeer>> = OnceLock::new();

impl JsPeer {
    /// The peer, ready to use: finds `node` (>= 20) and runs `npm ci` in `tests/interop` once
    /// if `node_modules` is missing or stale (guarded across concurrent test processes by
    /// `tests/interop/.npm-ci.lock`; a lock older than 10 minutes is treated as left by a dead
    /// process and removed).
    ///
    /// Returns `None`, with a loud `JS INTEROP SKIPPED: …` message on stderr (written past the
    /// test harness's output capture), when node is missing or `npm ci` fails and the
    /// environment variable `CI` is not `"true"`.
    ///
    /// # Panics
    ///
    /// When `CI=true` and node or npm fail, and when `tests/interop` is missing.
    pub fn get() -> Option<JsPeer> {
        let peer = PEER.get_or_init(init).clone();
        if peer.is_none() {
            // every skipping test says so, not only the first one
            let _ = writeln!(
                std::io::stderr(),
                "JS INTEROP SKIPPED (see the message above; set CI=true to make this an error)"
            );
        }
        peer
    }

    /// The `tests/interop` directory (scripts, `fixtures/`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Verifies a credential with `verify.mjs`.
    ///
    /// `contexts` are extra JSON-LD contexts as `(url, context document text)`; the standard
    /// ones (VC 1.1/2.0, data-integrity, multikey, status list v1) are bundled. `status_lists`
    /// are `BitstringStatusListCredential` texts, served under their `id`; with them the
    /// credential's status is checked. `now` is the ISO date-time to check validity against.
    ///
    /// # Panics
    ///
    /// When the script fails in any other way than "verified" / "not verified" / "input
    /// error" with a JSON verdict.
    pub fn verify(
        &self,
        credential_json: &str,
        contexts: &[(&str, &str)],
        status_lists: &[&str],
        now: Option<&str>,
    ) -> JsVerdict {
        let tmp = TempFiles::new();
        let mut args = vec![tmp.write("credential.json", credential_json)];
        args.extend(tmp.context_args(contexts));
        for (i, list) in status_lists.iter().enumerate() {
            args.push("--status-list".into());
            args.push(tmp.write(&format!("status-list-{i}.json"), list));
        }
        if let Some(now) = now {
            args.push("--now".into());
            args.push(now.into());
        }
        let (raw, exit_code) = self.run_json("verify.mjs", &args, &[0, 1, 2]);
        JsVerdict {
            verified: raw["verified"] == Value::Bool(true),
            errors: strings(&raw["errors"]),
            status_checked: raw["statusChecked"] == Value::Bool(true),
            raw,
            exit_code,
        }
    }

    /// Signs a credential with `sign.mjs`: a `DataIntegrityProof` (`eddsa-rdfc-2022`) by the
    /// Ed25519 key derived from `seed`, verification method `did:key:z6Mk…#z6Mk…` of that key,
    /// `created` as given. An `issuer` (or `issuer.id`) equal to the placeholder `"$DID"` is
    /// replaced by the key's did:key. Returns the signed credential's JSON text.
    ///
    /// Note the JS stack's own behaviour: a VC 1.1 credential without `issuanceDate` gets one
    /// (now), and a credential whose `@context` has neither the VC 2.0 nor the data-integrity
    /// v2 context gets the latter appended.
    ///
    /// # Panics
    ///
    /// When signing fails (e.g. an undefined term or unknown context).
    pub fn sign(
        &self,
        unsigned_json: &str,
        seed: &[u8; 32],
        created: &str,
        contexts: &[(&str, &str)],
    ) -> String {
        let tmp = TempFiles::new();
        let seed_hex: String = seed.iter().map(|b| format!("{b:02x}")).collect();
        let mut args = vec![
            tmp.write("unsigned.json", unsigned_json),
            "--seed-hex".into(),
            seed_hex,
            "--created".into(),
            created.into(),
        ];
        args.extend(tmp.context_args(contexts));
        let out = self.run("sign.mjs", &args, &[]);
        self.expect_exit(&out, "sign.mjs", &[0]);
        let text = String::from_utf8(out.stdout).expect("sign.mjs printed non-UTF-8");
        if let Err(e) = serde_json::from_str::<Value>(&text) {
            panic!("sign.mjs printed something that is not JSON ({e}):\n{text}");
        }
        text
    }

    /// Canonicalizes a JSON-LD document with `canon.mjs`: exactly what the `eddsa-rdfc-2022`
    /// cryptosuite hashes (jsonld.js toRDF in safe mode with `rdfDirection: i18n-datatype`,
    /// then rdf-canonize RDFC-1.0). Returns the canonical N-Quads, or the JS stack's error
    /// messages when it refuses the document (e.g. an undefined term, an invalid language tag).
    ///
    /// # Panics
    ///
    /// When the script fails in any other way than with a JSON answer (e.g. the document is not
    /// JSON).
    pub fn canonize(
        &self,
        document_json: &str,
        contexts: &[(&str, &str)],
    ) -> Result<String, Vec<String>> {
        let tmp = TempFiles::new();
        let mut args = vec![tmp.write("document.json", document_json)];
        args.extend(tmp.context_args(contexts));
        let (raw, _) = self.run_json("canon.mjs", &args, &[0, 1]);
        match raw["nquads"].as_str() {
            Some(text) if raw["ok"] == Value::Bool(true) => Ok(text.to_owned()),
            _ => Err(strings(&raw["errors"])),
        }
    }

    /// Verifies a `BitstringStatusListCredential`'s proof with `status.mjs` and reads the bit at
    /// `index` (decoded by `@digitalbazaar/vc-bitstring-status-list`).
    ///
    /// # Panics
    ///
    /// When the script fails in any other way than with a JSON answer.
    pub fn status(&self, list_json: &str, index: u64, contexts: &[(&str, &str)]) -> JsStatus {
        let tmp = TempFiles::new();
        let mut args = vec![
            tmp.write("status-list.json", list_json),
            "--index".into(),
            index.to_string(),
        ];
        args.extend(tmp.context_args(contexts));
        let (raw, exit_code) = self.run_json("status.mjs", &args, &[0, 1, 2]);
        JsStatus {
            verified: raw["verified"] == Value::Bool(true),
            bit: raw["bit"].as_u64().map(|b| u8::from(b != 0)),
            length: raw["length"].as_u64(),
            purpose: raw["purpose"].as_str().map(str::to_owned),
            errors: strings(&raw["errors"]),
            raw,
            exit_code,
        }
    }

    /// Times the JS stack with `bench.mjs`: `n` verifies and `n` issues of the given signed
    /// credential after warm-up (`n / 5`, between 1 and 100), single-threaded, and the raw
    /// `node:crypto` Ed25519 verify floor. Returns the printed lines: first
    /// `{"bench":"env",…}` (node, CPU, package versions), then one per bench (`verify`,
    /// `issue`, `raw_ed25519_verify`) with `n`, `ops_per_sec`, `mean_us`, `p50_us`, `p95_us`,
    /// `min_us`.
    ///
    /// # Panics
    ///
    /// When the credential does not verify or the script fails.
    pub fn bench(&self, signed_json: &str, contexts: &[(&str, &str)], n: usize) -> Vec<Value> {
        let tmp = TempFiles::new();
        let mut args = vec![tmp.write("signed.json", signed_json)];
        args.extend(tmp.context_args(contexts));
        let warmup = (n / 5).clamp(1, 100);
        let env = [("N", n.max(1).to_string()), ("WARMUP", warmup.to_string())];
        let out = self.run("bench.mjs", &args, &env);
        self.expect_exit(&out, "bench.mjs", &[0]);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("bench.mjs printed a non-JSON line ({e}): {l}"))
            })
            .collect()
    }

    fn script(&self, script: &str) -> PathBuf {
        self.dir.join(script)
    }

    fn run(&self, script: &str, args: &[String], env: &[(&str, String)]) -> Output {
        let mut cmd = Command::new(&self.node);
        cmd.arg(self.script(script))
            .args(args)
            .current_dir(&self.dir)
            .stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap_or_else(|e| {
            panic!(
                "cannot run {} {}: {e}",
                self.node.display(),
                self.script(script).display()
            )
        })
    }

    fn expect_exit(&self, out: &Output, script: &str, ok: &[i32]) {
        let code = out.status.code();
        if !code.is_some_and(|c| ok.contains(&c)) {
            panic!(
                "{} failed: exit {:?}\n--- stderr ---\n{}\n--- stdout ---\n{}",
                self.script(script).display(),
                code.map_or_else(|| format!("{} (signal)", out.status), |c| c.to_string()),
                String::from_utf8_lossy(&out.stderr),
                String::from_utf8_lossy(&out.stdout),
            );
        }
    }

    /// Runs a script that prints one JSON line; returns it and the exit code.
    fn run_json(&self, script: &str, args: &[String], ok: &[i32]) -> (Value, i32) {
        let out = self.run(script, args, &[]);
        self.expect_exit(&out, script, ok);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
        match serde_json::from_str::<Value>(line) {
            Ok(v) if v.is_object() => (v, out.status.code().unwrap_or(-1)),
            _ => panic!(
                "{} printed no JSON result (exit {:?})\n--- stderr ---\n{}\n--- stdout ---\n{}",
                self.script(script).display(),
                out.status.code(),
                String::from_utf8_lossy(&out.stderr),
                stdout,
            ),
        }
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|e| e.as_str().map_or_else(|| e.to_string(), str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A temporary directory holding one call's input files.
struct TempFiles(tempfile::TempDir);

impl TempFiles {
    fn new() -> Self {
        Self(
            tempfile::Builder::new()
                .prefix("civitas-js-")
                .tempdir()
                .expect("cannot create a temporary directory"),
        )
    }

    /// Writes `text` to `name`; returns the path as a string argument.
    fn write(&self, name: &str, text: &str) -> String {
        let path = self.0.path().join(name);
        fs::write(&path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        path.to_str()
            .unwrap_or_else(|| panic!("temporary path {} is not UTF-8", path.display()))
            .to_owned()
    }

    /// `--context URL=FILE` arguments (the scripts take FILE after the last '=').
    fn context_args(&self, contexts: &[(&str, &str)]) -> Vec<String> {
        let mut args = Vec::with_capacity(contexts.len() * 2);
        for (i, (url, text)) in contexts.iter().enumerate() {
            assert!(!url.is_empty(), "a context URL is empty");
            let path = self.write(&format!("context-{i}.json"), text);
            assert!(!path.contains('='), "temporary path {path} contains '='");
            args.push("--context".into());
            args.push(format!("{url}={path}"));
        }
        args
    }
}

fn interop_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/interop");
    let dir = dir
        .canonicalize()
        .unwrap_or_else(|e| panic!("the JS interop harness is missing: {} ({e})", dir.display()));
    assert!(
        dir.join("verify.mjs").is_file() && dir.join("package-lock.json").is_file(),
        "{} is not the JS interop harness (no verify.mjs / package-lock.json)",
        dir.display()
    );
    dir
}

fn on_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// On CI: panics. Elsewhere: says loudly why the JS interop tests are skipped.
fn skip(reason: &str) -> Option<JsPeer> {
    if on_ci() {
        panic!("JS interop peer unavailable with CI=true: {reason}");
    }
    let bar = "=".repeat(78);
    // std::io::stderr() directly: not captured by the test harness, unlike eprintln!
    let _ = writeln!(
        std::io::stderr(),
        "{bar}\nJS INTEROP SKIPPED: {reason}\n\
         The JavaScript interop tests (tests/interop, Digital Bazaar's VC stack) did not run.\n\
         Install Node.js >= {MIN_NODE_MAJOR} with npm (the npm registry must be reachable \
         once, for `npm ci`),\nor set CI=true to make this an error.\n{bar}"
    );
    None
}

fn init() -> Option<JsPeer> {
    let dir = interop_dir();
    let node = PathBuf::from(std::env::var_os("CIVITAS_NODE").unwrap_or_else(|| "node".into()));
    let version = match Command::new(&node).arg("--version").output() {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        Ok(out) => {
            return skip(&format!(
                "node not found: `{} --version` failed ({}): {}",
                node.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Err(e) => {
            return skip(&format!(
                "node not found: cannot run `{}` ({e})",
                node.display()
            ));
        }
    };
    let major = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok());
    if major.is_none_or(|m| m < MIN_NODE_MAJOR) {
        return skip(&format!(
            "node {version} is too old (need >= {MIN_NODE_MAJOR})"
        ));
    }
    if let Err(reason) = ensure_node_modules(&dir) {
        return skip(&reason);
    }
    Some(JsPeer { dir, node })
}

/// node_modules is complete and not older than package-lock.json (npm writes
/// `node_modules/.package-lock.json` at the end of an install).
fn installed(dir: &Path) -> bool {
    let mtime = |p: PathBuf| fs::metadata(p).and_then(|m| m.modified()).ok();
    match (
        mtime(dir.join("node_modules/.package-lock.json")),
        mtime(dir.join("package-lock.json")),
    ) {
        (Some(installed), Some(lock)) => installed >= lock,
        _ => false,
    }
}

/// Removes the lock file when dropped.
struct LockGuard(PathBuf);

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

fn acquire_lock(path: &Path) -> Result<LockGuard, String> {
    let start = Instant::now();
    loop {
        match OpenOptions::new().write(true).create_new(true).open(path) {
            Ok(mut f) => {
                let _ = writeln!(f, "pid {}", std::process::id());
                return Ok(LockGuard(path.to_owned()));
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                let age = fs::metadata(path)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| SystemTime::now().duration_since(t).ok());
                if age.is_some_and(|a| a > STALE_LOCK) {
                    // left by a process that died during `npm ci`
                    let _ = fs::remove_file(path);
                    continue;
                }
                if start.elapsed() > LOCK_WAIT {
                    return Err(format!(
                        "waited {LOCK_WAIT:?} for {} (another `npm ci`); remove it if stale",
                        path.display()
                    ));
                }
                std::thread::sleep(Duration::from_millis(250));
            }
            Err(e) => return Err(format!("cannot create {}: {e}", path.display())),
        }
    }
}

fn ensure_node_modules(dir: &Path) -> Result<(), String> {
    if installed(dir) {
        return Ok(());
    }
    let _lock = acquire_lock(&dir.join(".npm-ci.lock"))?;
    if installed(dir) {
        return Ok(()); // another process installed while we waited
    }
    let npm = std::env::var_os("CIVITAS_NPM").unwrap_or_else(|| {
        if cfg!(windows) {
            "npm.cmd".into()
        } else {
            "npm".into()
        }
    });
    let _ = writeln!(
        std::io::stderr(),
        "civitas-testkit: running `npm ci` in {} (once)",
        dir.display()
    );
    let out = Command::new(&npm)
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            format!(
                "npm not found: cannot run `{}` ({e})",
                npm.to_string_lossy()
            )
        })?;
    if !out.status.success() {
        return Err(format!(
            "`npm ci` failed in {} ({}):\n{}",
            dir.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    if !installed(dir) {
        return Err(format!(
            "`npm ci` in {} succeeded but node_modules/.package-lock.json is missing",
            dir.display()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BIRTH_CONTEXT_URL: &str = "https://example.org/contexts/birth-certificate/v1";
    const BIRTH_CONTEXT: &str = include_str!("../../../tests/interop/fixtures/birth-context.json");
    const BIRTH_UNSIGNED: &str =
        include_str!("../../../tests/interop/fixtures/birth-unsigned.json");
    const STATUS_LIST: &str =
        include_str!("../../../tests/interop/fixtures/status-list-unsigned.json");
    const STATUS_LIST_REVOKED: &str =
        include_str!("../../../tests/interop/fixtures/status-list-revoked-unsigned.json");
    /// The fixtures' credential points at this index of `STATUS_LIST_*`; it is set in the
    /// revoked one.
    const STATUS_INDEX: u64 = 94567;
    const CREATED: &str = "2025-01-01T00:00:00Z";
    /// The TEST-ONLY seed of the reference JS peer's samples.
    const REF_SEED: [u8; 32] = [
        0x9b, 0x1f, 0x2d, 0x3c, 0x4e, 0x5f, 0x60, 0x71, 0x82, 0x93, 0xa4, 0xb5, 0xc6, 0xd7, 0xe8,
        0xf9, 0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x60, 0x71, 0x82, 0x93, 0xa4, 0xb5, 0xc6, 0xd7,
        0xe8, 0xf9,
    ];
    const SEED: [u8; 32] = [7; 32];

    fn ctx() -> [(&'static str, &'static str); 1] {
        [(BIRTH_CONTEXT_URL, BIRTH_CONTEXT)]
    }

    fn json(s: &str) -> Value {
        serde_json::from_str(s).expect("JSON")
    }

    #[test]
    fn sign_then_verify() {
        let Some(js) = JsPeer::get() else { return };
        let signed = js.sign(BIRTH_UNSIGNED, &SEED, "2025-02-01T10:00:00Z", &ctx());
        let v = json(&signed);
        let issuer = v["issuer"].as_str().unwrap();
        assert!(issuer.starts_with("did:key:z6Mk"), "{issuer}");
        let fingerprint = issuer.trim_start_matches("did:key:");
        assert_eq!(
            v["proof"]["verificationMethod"],
            format!("{issuer}#{fingerprint}")
        );
        assert_eq!(v["proof"]["type"], "DataIntegrityProof");
        assert_eq!(v["proof"]["cryptosuite"], "eddsa-rdfc-2022");
        assert_eq!(v["proof"]["created"], "2025-02-01T10:00:00Z");

        let verdict = js.verify(&signed, &ctx(), &[], None);
        assert!(verdict.verified, "{verdict:?}");
        assert_eq!(verdict.exit_code, 0);
        assert!(verdict.errors.is_empty());
        // it has a credentialStatus, but no status list was given
        assert!(!verdict.status_checked);
    }

    #[test]
    fn canonize_gives_the_cryptosuite_canonical_form_or_its_errors() {
        let Some(js) = JsPeer::get() else { return };
        let doc = serde_json::json!({
            "@context": {
                "l": {"@id": "https://example.org/l", "@container": "@list"},
                "d": "https://example.org/d"
            },
            "@id": "https://example.org/s",
            "l": ["b", "a"],
            "d": {"@value": "x", "@language": "EN-GB", "@direction": "rtl"}
        });
        let nquads = js.canonize(&doc.to_string(), &[]).unwrap();
        assert_eq!(
            nquads,
            "<https://example.org/s> <https://example.org/d> \"x\"^^<https://www.w3.org/ns/i18n#en-gb_rtl> .\n\
             <https://example.org/s> <https://example.org/l> _:c14n0 .\n\
             _:c14n0 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> \"b\" .\n\
             _:c14n0 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> _:c14n1 .\n\
             _:c14n1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> \"a\" .\n\
             _:c14n1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> <http://www.w3.org/1999/02/22-rdf-syntax-ns#nil> .\n"
        );
        // Safe mode: a term no context defines is an error, not dropped data.
        let undefined = serde_json::json!({"@context": {}, "@id": "https://example.org/s", "u": 1});
        let errors = js.canonize(&undefined.to_string(), &[]).unwrap_err();
        assert!(!errors.is_empty());
    }

    #[test]
    fn signing_is_deterministic_and_matches_the_reference_sample() {
        let Some(js) = JsPeer::get() else { return };
        let a = json(&js.sign(BIRTH_UNSIGNED, &REF_SEED, CREATED, &ctx()));
        let b = json(&js.sign(BIRTH_UNSIGNED, &REF_SEED, CREATED, &ctx()));
        assert_eq!(a, b);
        // the proof of the reference peer's sample-signed.json (same seed, credential, created)
        assert_eq!(
            a["proof"]["proofValue"],
            "z5e3Ym5FNM3GUHfkwcu3UQwiWJwkxVix6RaLhnYyeA2RYBouVBQXd5VbAzcjRFnjL53eAxTe8NkbWY93SjLouQUNf"
        );
        assert_eq!(
            a["issuer"],
            "did:key:z6MkondnsvzRYUH3ELHv6HFGUvu1AS14KXY17sQz4v1qnJD3"
        );
    }

    #[test]
    fn tampering_unknown_context_validity_and_bad_input_fail() {
        let Some(js) = JsPeer::get() else { return };
        let signed = js.sign(BIRTH_UNSIGNED, &SEED, CREATED, &ctx());

        let mut tampered = json(&signed);
        tampered["credentialSubject"]["name"] = "Mallory".into();
        let v = js.verify(&tampered.to_string(), &ctx(), &[], None);
        assert!(!v.verified && v.exit_code == 1, "{v:?}");
        assert!(!v.errors.is_empty());

        // the custom context is not bundled: never fetched, an error
        let v = js.verify(&signed, &[], &[], None);
        assert!(!v.verified && v.exit_code == 1, "{v:?}");
        assert!(
            v.errors.iter().any(|e| e.contains("refusing to load")),
            "{v:?}"
        );

        // an undefined term is data loss: safe mode rejects it
        let mut extra = json(&signed);
        extra["credentialSubject"]["nickname"] = "Addie".into();
        let v = js.verify(&extra.to_string(), &ctx(), &[], None);
        assert!(!v.verified, "{v:?}");

        // before validFrom
        let v = js.verify(&signed, &ctx(), &[], Some("2024-06-01T00:00:00Z"));
        assert!(!v.verified && v.exit_code == 1, "{v:?}");
        assert!(v.errors.iter().any(|e| e.contains("validFrom")), "{v:?}");

        // not JSON: an input error, exit 2
        let v = js.verify("{not json", &ctx(), &[], None);
        assert!(!v.verified && v.exit_code == 2, "{v:?}");
    }

    #[test]
    fn status_lists() {
        let Some(js) = JsPeer::get() else { return };
        let signed = js.sign(BIRTH_UNSIGNED, &SEED, CREATED, &ctx());
        let good = js.sign(STATUS_LIST, &SEED, CREATED, &[]);
        let revoked = js.sign(STATUS_LIST_REVOKED, &SEED, CREATED, &[]);

        let v = js.verify(&signed, &ctx(), &[&good], None);
        assert!(v.verified && v.status_checked, "{v:?}");
        assert_eq!(v.raw["status"][0]["bit"], 0);

        let v = js.verify(&signed, &ctx(), &[&revoked], None);
        assert!(!v.verified && v.status_checked && v.exit_code == 1, "{v:?}");
        assert_eq!(v.raw["status"][0]["bit"], 1);

        // a status list signed by another issuer is refused
        let foreign = js.sign(STATUS_LIST, &REF_SEED, CREATED, &[]);
        let v = js.verify(&signed, &ctx(), &[&foreign], None);
        assert!(!v.verified, "{v:?}");
        assert!(v.errors.iter().any(|e| e.contains("Issuers")), "{v:?}");

        let s = js.status(&revoked, STATUS_INDEX, &[]);
        assert!(s.verified, "{s:?}");
        assert_eq!(
            (s.bit, s.length, s.purpose.as_deref(), s.exit_code),
            (Some(1), Some(131_072), Some("revocation"), 0)
        );
        let s = js.status(&revoked, STATUS_INDEX + 1, &[]);
        assert_eq!(s.bit, Some(0), "{s:?}");

        let s = js.status(&good, 131_072, &[]);
        assert_eq!((s.bit, s.exit_code), (None, 1), "{s:?}");

        let mut forged = json(&revoked);
        forged["credentialSubject"]["statusPurpose"] = "suspension".into();
        let s = js.status(&forged.to_string(), STATUS_INDEX, &[]);
        assert!(!s.verified && s.exit_code == 1, "{s:?}");
    }

    #[test]
    fn bench_runs() {
        let Some(js) = JsPeer::get() else { return };
        let signed = js.sign(BIRTH_UNSIGNED, &SEED, CREATED, &ctx());
        let lines = js.bench(&signed, &ctx(), 3);
        let names: Vec<&str> = lines.iter().filter_map(|l| l["bench"].as_str()).collect();
        assert_eq!(names, ["env", "verify", "issue", "raw_ed25519_verify"]);
        for l in &lines[1..] {
            assert_eq!(l["n"], 3);
            assert!(l["p50_us"].as_f64().unwrap() > 0.0, "{l}");
            assert!(l["ops_per_sec"].as_f64().unwrap() > 0.0, "{l}");
            assert!(l["mean_us"].as_f64().is_some(), "{l}");
        }
    }
}
