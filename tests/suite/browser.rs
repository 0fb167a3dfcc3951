//! The two web pages in a real browser: Debian's Chromium, headless, driven by the Node scripts
//! in `tests/browser/` (playwright-core, axe-core) against a real issuer service (HTTPS on
//! 127.0.0.1, sled in a temporary directory).
//!
//! 1. A registrar signs in to `/console` with the admin token, issues a birth certificate
//!    through the profile's form with one wrong field, sees the error next to it, corrects it,
//!    lands on the record page, downloads the printed certificate (PNG, PDF), and revokes
//!    another record with a reason. A session cookie without its CSRF token changes nothing.
//! 2. A clerk uploads the printed page's image to `/verify` (phone-sized screen): VALID; the
//!    certificate is revoked (API); the clerk reloads (the page's bundle is refreshed) and the
//!    same image says NOT VALID. In French, another certificate's QR image says VALIDE. With
//!    the device camera (Chromium's fake camera playing a Y4M video of a printed QR code), the
//!    clerk presses "Scan" and reads VALID.
//! 3. Offline: the page, loaded once online (service worker, bundle in IndexedDB), verifies CV1
//!    texts in the browser after the service is stopped and the browser is offline.
//! 4. axe-core finds no serious or critical violation on any of the pages visited.
//!
//! Screenshots of every page go to `<target>/browser-screenshots/`; with
//! `CIVITAS_UPDATE_SCREENSHOTS=1` the README's two (`docs/screenshots/console.png`,
//! `verify.png`) are rewritten. Without node, Chromium (`/usr/bin/chromium` or `CHROMIUM`) or
//! `tests/browser/node_modules` (`npm ci`), the test says `SKIPPED` and passes, except under
//! `CI=true`, where it fails.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use civitas_issuer::launch::launch;
use civitas_issuer::{DidMethod, IssuerConfig, PassphraseSource};
use civitas_keys::sealed::KdfParams;
use civitas_testkit::tools::available;
use serde_json::{Value, json};

use crate::common::free_port;

/// Longest a scenario may run (each script has its own, shorter watchdog that closes the
/// browser; past this the node process is killed).
const SCENARIO_BUDGET: Duration = Duration::from_secs(330);

/// Every page the accessibility checker must have seen (the scripts' labels).
const PAGES_CHECKED: &[&str] = &[
    "sign-in",
    "records",
    "issue form",
    "issue form with errors",
    "record page",
    "audit",
    "keys",
    "verify",
    "verify result valid",
    "verify result invalid",
    "verify (French)",
    "verify result valid (French)",
    "verify (offline)",
    "verify offline result valid",
    "verify offline result invalid",
];

/// Node, Chromium and the scripts' packages, found.
struct Browser {
    node: String,
    chromium: String,
    dir: PathBuf,
}

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// What runs the scenarios, or `None` after a loud `SKIPPED:` (a failure under `CI=true`).
fn browser() -> Option<Browser> {
    let what = "the console and the verifier page in a real browser";
    let node = std::env::var("CIVITAS_NODE").unwrap_or_else(|_| "node".into());
    if !available(&node, "--version", "nodejs", what) {
        return None;
    }
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !available(&chromium, "--version", "chromium", what) {
        return None;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    for package in ["playwright-core", "axe-core"] {
        if !dir.join("node_modules").join(package).is_dir() {
            let message = format!(
                "tests/browser/node_modules/{package} is missing (cd tests/browser && npm ci)"
            );
            if ci() {
                panic!("{message}: required under CI=true");
            }
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: {message}; {what} was not checked"
            );
            return None;
        }
    }
    Some(Browser {
        node,
        chromium,
        dir,
    })
}

/// `<target>/browser-screenshots`: next to this test's `target/<profile>/deps/`.
fn screenshots_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    let target = exe
        .parent()
        .and_then(Path::parent)
        .and_then(Path::parent)
        .expect("target/<profile>/deps");
    target.join("browser-screenshots")
}

impl Browser {
    /// Runs `node <script> <args>` in `tests/browser` and returns the JSON line it printed;
    /// panics with its output when it fails.
    /// `env`: extra environment (secrets stay out of the command line and its messages).
    async fn run(&self, script: &str, args: &[String], env: &[(&str, &str)]) -> Value {
        let started = Instant::now();
        let child = tokio::process::Command::new(&self.node)
            .current_dir(&self.dir)
            .arg(script)
            .args(args)
            .envs(env.iter().copied())
            .env("CHROMIUM", &self.chromium)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {} {script}: {e}", self.node));
        // On timeout the future is dropped, and with it the child: killed (kill_on_drop).
        let out = tokio::time::timeout(SCENARIO_BUDGET, child.wait_with_output())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "node {script} {args:?} ran longer than {} s: killed",
                    SCENARIO_BUDGET.as_secs()
                )
            })
            .expect("node's output");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "node {script} {} failed ({}):\n{stderr}\n{stdout}",
            args.join(" "),
            out.status
        );
        let line = stdout
            .lines()
            .rev()
            .find(|l| l.starts_with('{'))
            .unwrap_or_else(|| panic!("node {script} printed no JSON line:\n{stdout}\n{stderr}"));
        let value: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("node {script} printed no JSON ({e}): {line}"));
        assert_eq!(value["ok"], true, "{value}");
        let _ = writeln!(
            std::io::stderr(),
            "browser: {script} {} in {:.1} s",
            value["scenario"].as_str().unwrap_or("?"),
            started.elapsed().as_secs_f64()
        );
        value
    }
}

/// The issuer's JSON API, as the registry's other systems use it.
struct Api {
    base: String,
    admin: String,
    https: reqwest::Client,
}

impl Api {
    async fn send(&self, request: reqwest::RequestBuilder) -> reqwest::Response {
        let response = request
            .bearer_auth(&self.admin)
            .send()
            .await
            .expect("the issuer answers");
        let status = response.status();
        assert!(status.is_success(), "{status}: {:?}", response.text().await);
        response
    }

    /// Issues the sample birth certificate for a child called `given`: its credential id.
    async fn issue_birth(&self, given: &str) -> String {
        let mut record = civitas_testkit::samples::birth_record();
        record["givenName"] = json!(given);
        record["sourceRecordId"] = json!(format!("CSO-B-2024-PW-{given}"));
        let body: Value = self
            .send(
                self.https
                    .post(format!("{}/birth-certificates", self.base))
                    .json(&record),
            )
            .await
            .json()
            .await
            .unwrap();
        body["credentialId"]
            .as_str()
            .expect("credentialId")
            .to_owned()
    }

    /// The stored record of credential `id` and its credential.
    async fn record(&self, id: &str) -> Value {
        self.send(self.https.get(format!("{}/credentials/{id}", self.base)))
            .await
            .json()
            .await
            .unwrap()
    }

    async fn revoke(&self, id: &str) {
        self.send(
            self.https
                .post(format!("{}/credentials/status", self.base))
                .json(&json!({"credentialId": id, "action": "revoke",
                              "reason": "registered in error (browser test)"})),
        )
        .await;
    }

    /// The compact QR text (`CV1:…`) of credential `id`.
    async fn qr_text(&self, id: &str) -> String {
        self.send(self.https.get(format!("{}/credentials/{id}/qr", self.base)))
            .await
            .text()
            .await
            .unwrap()
    }

    /// The QR code image of credential `id` (PNG).
    async fn qr_png(&self, id: &str) -> Vec<u8> {
        self.send(
            self.https
                .get(format!("{}/credentials/{id}/qr?format=png", self.base)),
        )
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec()
    }
}

fn arg(name: &str, value: impl AsRef<str>) -> [String; 2] {
    [format!("--{name}"), value.as_ref().to_owned()]
}

fn args<const N: usize>(pairs: [[String; 2]; N]) -> Vec<String> {
    pairs.into_iter().flatten().collect()
}

fn labels(value: &Value) -> Vec<String> {
    value["a11yChecked"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registrar_and_clerk_in_headless_chromium() {
    let Some(browser) = browser() else { return };
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let shots = screenshots_dir();
    // this run's pictures only (no FAILED-… left from an earlier run)
    let _ = std::fs::remove_dir_all(&shots);
    let docs = std::env::var("CIVITAS_UPDATE_SCREENSHOTS")
        .is_ok_and(|v| v == "1")
        .then(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots"));

    // The issuer service: HTTPS (self-signed) on 127.0.0.1, did:web, sled in `dir`.
    let port = free_port();
    let base = format!("https://127.0.0.1:{port}");
    let config = IssuerConfig::new(dir.join("registry"), &base)
        .did_method(DidMethod::Web)
        .passphrase(PassphraseSource::Value(
            "browser test passphrase".to_owned().into(),
        ))
        .kdf(KdfParams::testing());
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let launched = launch(config, addr).await.expect("issuer starts");
    let admin = launched
        .opened
        .admin_token
        .clone()
        .expect("first run token");
    let cert = launched.self_signed_cert.clone().expect("self-signed cert");
    let cert_pem = std::fs::read(&cert).unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(launched.serve(async {
        let _ = stop_rx.await;
    }));
    let api = Api {
        base: base.clone(),
        admin: admin.clone(),
        https: reqwest::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_pem(&cert_pem).unwrap()])
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap(),
    };
    let common = |profile: &str| -> Vec<String> {
        let mut v = args([
            arg("base", &base),
            arg("cert", cert.display().to_string()),
            arg("shots", shots.display().to_string()),
            arg("profile", dir.join(profile).display().to_string()),
        ]);
        if let Some(docs) = &docs {
            v.extend(arg("docs", docs.display().to_string()));
        }
        v
    };

    // Issued beforehand through the API: the record the registrar revokes in the console, and
    // one that stays valid (the CSRF attempts aim at it; the offline page verifies it).
    let other = api.issue_birth("Paul").await;
    let kept = api.issue_birth("Jeanne").await;

    // 1. The registrar.
    let printed = dir.join("printed-certificate.png");
    let mut console_args = common("registrar");
    console_args.extend(args([
        arg("revoke-id", &other),
        arg("csrf-id", &kept),
        arg("save-png", printed.display().to_string()),
    ]));
    let registrar = browser
        .run(
            "console.mjs",
            &console_args,
            &[("CIVITAS_CONSOLE_TOKEN", &admin)],
        )
        .await;
    let issued = registrar["issuedId"]
        .as_str()
        .unwrap_or_else(|| panic!("no issuedId: {registrar}"))
        .to_owned();
    let got = api.record(&issued).await;
    assert!(
        got["record"]["types"]
            .as_array()
            .is_some_and(|t| t.contains(&json!("BirthCertificate"))),
        "{got}"
    );
    let subject = &got["verifiableCredential"]["credentialSubject"];
    assert_eq!(
        subject["birthDate"], registrar["birthDate"],
        "the corrected date of birth was issued: {subject}"
    );
    assert!(got["record"].get("revokedAt").is_none(), "{got}");
    let revoked = api.record(&other).await;
    assert!(
        revoked["record"]["revokedAt"].is_string(),
        "the console's revocation reached the registry: {revoked}"
    );
    // the CSRF attempts were refused (403) and changed nothing
    assert_eq!(registrar["csrf"]["withoutToken"], 403, "{registrar}");
    assert_eq!(registrar["csrf"]["wrongToken"], 403, "{registrar}");
    let kept_record = api.record(&kept).await;
    assert!(
        kept_record["record"].get("revokedAt").is_none()
            && kept_record["record"]["suspended"] != true,
        "a POST without its CSRF token changed the record: {kept_record}"
    );
    let png = std::fs::read(&printed).expect("the downloaded certificate PNG");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");

    // 2. The clerk: the printed page's picture, before and after its revocation.
    let mut clerk = common("clerk");
    clerk.extend(args([
        arg("step", "upload"),
        arg("image", printed.display().to_string()),
    ]));
    let mut before = clerk.clone();
    before.extend(args([
        arg("expect", "valid"),
        arg("label", "verify-valid"),
        arg("docs-name", "verify.png"),
    ]));
    let valid = browser.run("verify.mjs", &before, &[]).await;
    assert_eq!(valid["verdict"], "valid", "{valid}");
    assert!(
        valid["text"].as_str().unwrap().starts_with("VALID"),
        "{valid}"
    );
    api.revoke(&issued).await;
    let mut after = clerk.clone();
    after.extend(args([
        arg("expect", "invalid"),
        arg("label", "verify-revoked"),
    ]));
    let invalid = browser.run("verify.mjs", &after, &[]).await;
    assert_eq!(invalid["verdict"], "invalid", "{invalid}");
    assert!(
        invalid["text"].as_str().unwrap().starts_with("NOT VALID"),
        "{invalid}"
    );
    // the reload refreshed the stored bundle: newer, with the revocation list changed
    let (b1, b2) = (&valid["bundle"], &invalid["bundle"]);
    assert!(
        b1["madeAt"].is_string() && b2["madeAt"].is_string(),
        "no bundle stored: {b1} {b2}"
    );
    assert!(
        b1.get("stale").is_none() && b2.get("stale").is_none(),
        "the page did not store a fresh bundle at load: {b1} {b2}"
    );
    assert_ne!(b1["madeAt"], b2["madeAt"], "the bundle was not refreshed");
    let revocation = |b: &Value| {
        b["statusLists"]
            .as_array()
            .and_then(|l| l.iter().find(|s| s["purpose"] == "revocation").cloned())
            .unwrap_or_else(|| panic!("no revocation list in the stored bundle: {b}"))
    };
    assert_ne!(
        revocation(b1)["digest"],
        revocation(b2)["digest"],
        "the refreshed bundle's revocation list did not change"
    );

    // In French, on another phone: the kept certificate's QR image.
    let qr_png = dir.join("kept-qr.png");
    std::fs::write(&qr_png, api.qr_png(&kept).await).unwrap();
    let mut french = common("clerk-fr");
    french.extend(args([
        arg("step", "upload"),
        arg("image", qr_png.display().to_string()),
        arg("expect", "valid"),
        arg("lang", "fr"),
        arg("label", "verify-fr-valid"),
    ]));
    let fr = browser.run("verify.mjs", &french, &[]).await;
    assert!(fr["text"].as_str().unwrap().starts_with("VALIDE"), "{fr}");

    // The camera: Chromium's fake camera films the kept certificate's QR code.
    let video = dir.join("kept-qr.y4m");
    std::fs::write(&video, qr_video(&api.qr_text(&kept).await)).unwrap();
    let mut camera = common("clerk-camera");
    camera.extend(args([
        arg("step", "camera"),
        arg("video", video.display().to_string()),
    ]));
    let scanned = browser.run("verify.mjs", &camera, &[]).await;
    assert_eq!(scanned["verdict"], "valid", "{scanned}");

    // 3. Offline: loaded once online (after the revocations), then the service stops and the
    // browser is offline; the stored bundle decides.
    let valid_text = dir.join("kept.cv1.txt");
    std::fs::write(&valid_text, api.qr_text(&kept).await).unwrap();
    let revoked_text = dir.join("revoked.cv1.txt");
    std::fs::write(&revoked_text, api.qr_text(&issued).await).unwrap();
    let mut prepare = common("offline");
    prepare.extend(arg("step", "offline-prepare"));
    let prepared = browser.run("verify.mjs", &prepare, &[]).await;
    assert!(prepared["bundle"]["madeAt"].is_string(), "{prepared}");
    let _ = stop_tx.send(());
    match tokio::time::timeout(Duration::from_secs(20), server).await {
        Ok(joined) => joined.expect("server task").expect("server"),
        Err(_) => panic!("the issuer did not stop in 20 s"),
    }
    // a new connection (the API client's pooled ones may outlive the listener)
    let fresh = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&cert_pem).unwrap()])
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    assert!(
        fresh.get(format!("{base}/healthz")).send().await.is_err(),
        "the service still answers: the offline step would not be offline"
    );
    let mut offline = common("offline");
    offline.extend(args([
        arg("step", "offline"),
        arg("valid-text", valid_text.display().to_string()),
        arg("revoked-text", revoked_text.display().to_string()),
        arg("revoked-image", printed.display().to_string()),
    ]));
    let cut = browser.run("verify.mjs", &offline, &[]).await;
    assert_eq!(cut["results"]["valid"]["verdict"], "valid", "{cut}");
    assert_eq!(cut["results"]["invalid"]["verdict"], "invalid", "{cut}");
    assert_eq!(cut["results"]["image"]["verdict"], "invalid", "{cut}");

    // 4. Every page went through axe-core (each script fails on a serious or critical
    // violation; this checks that none was left out).
    let seen: Vec<String> = [&registrar, &valid, &invalid, &fr, &cut]
        .into_iter()
        .flat_map(labels)
        .collect();
    let missing: Vec<&&str> = PAGES_CHECKED
        .iter()
        .filter(|p| !seen.iter().any(|s| s == **p))
        .collect();
    assert!(
        missing.is_empty(),
        "pages not checked by axe-core: {missing:?} (checked: {seen:?})"
    );
    let _ = writeln!(
        std::io::stderr(),
        "browser: all scenarios in {:.1} s; screenshots in {}",
        started.elapsed().as_secs_f64(),
        shots.display()
    );
}

/// A short Y4M video (4:2:0, 640×640, two identical frames, which Chromium's fake camera plays
/// in a loop) of the QR code of `text`, black modules on white with the quiet zone.
fn qr_video(text: &str) -> Vec<u8> {
    let symbol = civitas_qr::QrSymbol::encode(text, civitas_qr::EcLevel::M).expect("a QR code");
    const SIDE: usize = 640;
    let modules = symbol.width() + 8; // 4 modules of quiet zone on each side
    let scale = SIDE / modules;
    let offset = (SIDE - scale * modules) / 2 + 4 * scale;
    let mut luma = vec![235u8; SIDE * SIDE];
    for y in 0..symbol.width() {
        for x in 0..symbol.width() {
            if symbol.is_dark(x, y) {
                for dy in 0..scale {
                    let row = (offset + y * scale + dy) * SIDE;
                    for dx in 0..scale {
                        luma[row + offset + x * scale + dx] = 16;
                    }
                }
            }
        }
    }
    let chroma = vec![128u8; (SIDE / 2) * (SIDE / 2)];
    let mut video = format!("YUV4MPEG2 W{SIDE} H{SIDE} F10:1 Ip A1:1 C420jpeg\n").into_bytes();
    for _ in 0..2 {
        video.extend_from_slice(b"FRAME\n");
        video.extend_from_slice(&luma);
        video.extend_from_slice(&chroma);
        video.extend_from_slice(&chroma);
    }
    video
}
