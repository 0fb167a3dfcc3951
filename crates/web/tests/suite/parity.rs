//! The browser verifies a CV1 QR text as `civitas verify` does: the same inputs checked by the
//! Rust verifier (offline, with a trust list and status snapshots) and by the built
//! `assets/verify-app.js` in Node against the browser bundle made from that same verifier
//! (`civitas_web::offline::browser_bundle`) give the same verdict, and the same checks fail or
//! cannot be decided.
//!
//! Node missing: skipped loudly, except under `CI=true` where it fails (civitas-testkit's
//! `tools::available`).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use chrono::{DateTime, Duration, Utc};
use civitas_core::report::Report;
use civitas_core::verify::VerifyOptions;
use civitas_keys::did::{ControllerDocument, ProofPurpose};
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::signer::LocalSigner;
use civitas_qr::compact;
use civitas_testkit::fixtures::{Office, ministry, seeded_key, sign_trust_list, verifier_builder};
use civitas_verifier::Verifier;
use civitas_verifier::trust::{TrustListSigning, TrustedIssuer};
use serde_json::{Value, json};

const NOW: &str = "2026-03-01T12:00:00Z";
const ROTATION: &str = "2026-01-01T00:00:00Z";
const REGISTRY: &str = "did:web:registry.gov.example";

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("test time")
}

fn now() -> DateTime<Utc> {
    at(NOW)
}

fn opts() -> VerifyOptions {
    VerifyOptions {
        now: Some(now()),
        ..VerifyOptions::default()
    }
}

/// The ministry's trust list: the registry (did:web, an Ed25519 key rotated out, the current
/// Ed25519 key, a P-256 key), a university trusted for diplomas only, and the issuers of the
/// CV1 vectors (did:key) for their own document types.
struct World {
    anchor: LocalSigner,
    registry: Office,
    p256: LocalSigner,
    key1: LocalSigner,
    university: Office,
    trust_list: String,
}

fn vectors() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../vectors/compact");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("vectors/compact")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .map(|p| {
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&p)
                .expect("vector")
                .trim()
                .to_owned();
            (name, text)
        })
        .collect();
    out.sort();
    out
}

impl World {
    async fn new() -> Self {
        let anchor = ministry();
        let (k1, k2) = (seeded_key(11), seeded_key(12));
        let kp = KeyPair::from_secret_bytes(KeyAlgorithm::P256, &[7; 32]).expect("p256 key");
        let mut doc = ControllerDocument::new(REGISTRY);
        let id1 = doc.add_key("key-1", &k1.public_key(), &[]);
        let id2 = doc.add_key("key-2", &k2.public_key(), &[ProofPurpose::AssertionMethod]);
        let idp = doc.add_key(
            "key-p256",
            &kp.public_key(),
            &[ProofPurpose::AssertionMethod],
        );
        let registry = Office {
            did: REGISTRY.to_owned(),
            signer: LocalSigner::new(k2, id2.clone()),
            rev_url: "https://registry.gov.example/status/revocation/1".to_owned(),
            sus_url: "https://registry.gov.example/status/suspension/1".to_owned(),
        };
        let university = Office::did_key(21, "uni.example");
        let mut issuers = vec![
            TrustedIssuer::new(REGISTRY, ["BirthCertificate", "MarriageCertificate"])
                .named("Civil Status Division, Mauritius")
                .with_document(doc)
                .with_key_window(&id1, Some(at("2024-01-01T00:00:00Z")), Some(at(ROTATION)))
                .with_key_window(&id2, Some(at(ROTATION)), None),
            TrustedIssuer::new(&university.did, ["UniversityDiploma"])
                .named("University of Mauritius"),
        ];
        // The vectors' own issuers, each trusted for the types it signed.
        let mut by_issuer: Vec<(String, Vec<String>)> = Vec::new();
        for (_, text) in vectors() {
            let read = compact::decode(&text).expect("a vector decodes");
            let kind = read.document_type().as_str().to_owned();
            match by_issuer.iter_mut().find(|(i, _)| i == read.issuer()) {
                Some((_, kinds)) if !kinds.contains(&kind) => kinds.push(kind),
                Some(_) => {}
                None => by_issuer.push((read.issuer().to_owned(), vec![kind])),
            }
        }
        for (issuer, kinds) in by_issuer {
            issuers.push(TrustedIssuer::new(&issuer, kinds).named("Vector issuer"));
        }
        let trust_list = sign_trust_list(
            &anchor,
            issuers,
            &TrustListSigning {
                valid_from: Some(at("2025-01-01T00:00:00Z")),
                ..TrustListSigning::default()
            },
        )
        .await;
        Self {
            anchor,
            registry,
            p256: LocalSigner::new(kp, idp),
            key1: LocalSigner::new(k1, id1),
            university,
            trust_list,
        }
    }

    /// An offline verifier at [`NOW`] holding the registry's and the university's lists
    /// (revocation index 20 and suspension index 31 set), fetched at `fetched_at`.
    async fn verifier(&self, fetched_at: DateTime<Utc>) -> Verifier {
        let signed = now() - Duration::days(10);
        let mut lists = self.registry.lists(&[20], &[31], signed).await;
        lists.extend(self.university.lists(&[], &[], signed).await);
        let mut b = verifier_builder(&self.anchor, &self.trust_list).at(now());
        for l in lists {
            b = b.status_list(l, Some(fetched_at));
        }
        b.build().await.expect("verifier")
    }

    async fn qr(
        &self,
        office: &Office,
        kind: &str,
        signer: &LocalSigner,
        index: u64,
        valid: (DateTime<Utc>, Option<DateTime<Utc>>),
    ) -> String {
        let mut builder = office.document(kind, None, index, valid.0);
        if let Some(until) = valid.1 {
            builder = builder.valid_until(until);
        }
        let credential = builder.build().expect("credential");
        compact::encode(&credential, signer).await.expect("compact")
    }
}

/// The checks of a report that did not pass, by name, and the verdict.
fn rust_view(report: &Report) -> (String, Vec<(String, String)>) {
    let json = serde_json::to_value(report).expect("report json");
    let verdict = json["verdict"].as_str().unwrap_or_default().to_owned();
    let mut not_passed: Vec<(String, String)> = json["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| {
            let status = c["status"].as_str()?;
            let outcome = match status {
                "passed" | "notApplicable" => return None,
                "failed" => "failed",
                other => other,
            };
            Some((c["check"].as_str()?.to_owned(), outcome.to_owned()))
        })
        .collect();
    not_passed.sort();
    (verdict, not_passed)
}

fn js_view(report: &Value) -> (String, Vec<(String, String)>) {
    let verdict = report["verdict"].as_str().unwrap_or_default().to_owned();
    let mut not_passed: Vec<(String, String)> = report["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| {
            let outcome = c["outcome"].as_str()?;
            if matches!(outcome, "ok" | "not-applicable") {
                return None;
            }
            Some((c["check"].as_str()?.to_owned(), outcome.to_owned()))
        })
        .collect();
    not_passed.sort();
    (verdict, not_passed)
}

/// Runs the built bundle's `verifyCompact` in Node on every text against `bundle` at [`NOW`].
fn run_js(bundle: &Value, texts: &[&str]) -> Vec<Value> {
    let built = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/verify-app.js");
    let dir = std::env::temp_dir().join(format!("civitas-web-parity-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let driver = dir.join("driver.mjs");
    std::fs::write(
        &driver,
        r#"import { pathToFileURL } from 'node:url';
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const app = await import(pathToFileURL(process.argv[2]).href);
const out = [];
for (const text of input.texts) out.push(await app.verifyCompact(text, input.bundle, new Date(input.now)));
process.stdout.write(JSON.stringify(out));
"#,
    )
    .expect("driver");
    let mut child = Command::new("node")
        .arg(&driver)
        .arg(&built)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs");
    let input = json!({"bundle": bundle, "now": NOW, "texts": texts});
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.to_string().as_bytes())
        .expect("write to node");
    let output = child.wait_with_output().expect("node finishes");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        output.status.success(),
        "node failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("node's reports")
}

fn node_available() -> bool {
    civitas_testkit::tools::available(
        "node",
        "--version",
        "nodejs",
        "the browser's CV1 verification (assets/verify-app.js) against the Rust verifier",
    )
}

/// One character of the Base45 body changed (to another Base45 character).
fn altered(text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let i = compact::PREFIX.len() + (chars.len() - compact::PREFIX.len()) / 2;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

/// Checks every case in both verifiers; `expected` is the verdict both must give (empty: the
/// Rust verifier's, whatever it is). With `exact`, the checks that did not pass must be the
/// same too; without, the browser's must be among the Rust verifier's (the profile's
/// cross-field rules are checked by the server only: on an altered text the server may also
/// fail `schema`), and include the failed `syntax` or `signature`.
async fn compare(verifier: &Verifier, cases: &[(&str, String, &str)], exact: bool) {
    let bundle = civitas_web::offline::browser_bundle(verifier, now());
    let texts: Vec<&str> = cases.iter().map(|(_, t, _)| t.as_str()).collect();
    // For debugging the page by hand: the bundle and the texts, written where asked.
    if let Ok(dir) = std::env::var("CIVITAS_WEB_PARITY_DUMP") {
        let dump = json!({"now": NOW, "bundle": bundle, "cases": cases
            .iter()
            .map(|(name, text, expected)| json!({"name": name, "text": text, "expected": expected}))
            .collect::<Vec<_>>()});
        let file = PathBuf::from(dir).join(format!("parity-{}.json", cases.len()));
        std::fs::write(file, dump.to_string()).expect("dump");
        if let Some((_, text, _)) = cases.first()
            && let Ok(symbol) = civitas_qr::QrSymbol::encode(text, civitas_qr::EcLevel::M)
            && let Ok(png) = symbol.to_png(4)
        {
            let file = PathBuf::from(std::env::var("CIVITAS_WEB_PARITY_DUMP").unwrap_or_default())
                .join(format!("parity-{}.png", cases.len()));
            std::fs::write(file, png).expect("dump png");
        }
    }
    let js = run_js(&bundle, &texts);
    assert_eq!(js.len(), cases.len());
    let mut mismatches = Vec::new();
    for ((name, text, expected), js_report) in cases.iter().zip(&js) {
        let rust = verifier.verify(text.as_bytes(), &opts()).await;
        let (rv, rc) = rust_view(&rust);
        let (jv, jc) = js_view(js_report);
        eprintln!("{name}: Rust {rv} {rc:?}, JS {jv} {jc:?}");
        let expected = if expected.is_empty() {
            rv.as_str()
        } else {
            expected
        };
        let checks_agree = if exact {
            rc == jc
        } else {
            jc.iter().all(|c| rc.contains(c))
                && jc
                    .iter()
                    .any(|(c, o)| (c == "syntax" || c == "signature") && o == "failed")
        };
        if rv != expected || jv != expected || !checks_agree {
            mismatches.push(format!(
                "{name}: expected {expected}; Rust {rv} {rc:?}; JS {jv} {jc:?}\n  Rust: {}\n  JS: {}",
                serde_json::to_string(&rust.checks).unwrap_or_default(),
                js_report["checks"]
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[tokio::test]
async fn the_browser_gives_the_verdicts_of_the_rust_verifier() {
    if !node_available() {
        return;
    }
    let w = World::new().await;
    let reg = &w.registry;
    let day = Duration::days(1);
    let fresh = w.verifier(now() - Duration::hours(1)).await;
    let valid = (now() - day, None);

    let birth = w.qr(reg, "BirthCertificate", &reg.signer, 10, valid).await;
    let birth_p256 = w.qr(reg, "BirthCertificate", &w.p256, 12, valid).await;
    let marriage = w
        .qr(reg, "MarriageCertificate", &reg.signer, 14, valid)
        .await;
    let rogue_key = LocalSigner::new(seeded_key(99), format!("{REGISTRY}#key-9"));
    let rogue = w.qr(reg, "BirthCertificate", &rogue_key, 10, valid).await;
    let rotated_inside = w
        .qr(
            reg,
            "BirthCertificate",
            &w.key1,
            10,
            (at("2025-06-01T10:00:00Z"), None),
        )
        .await;
    let rotated_after = w.qr(reg, "BirthCertificate", &w.key1, 10, valid).await;
    let untrusted_type = w
        .qr(
            &w.university,
            "BirthCertificate",
            &w.university.signer,
            10,
            valid,
        )
        .await;
    let expired = w
        .qr(
            reg,
            "BirthCertificate",
            &reg.signer,
            10,
            (now() - day * 30, Some(now() - day)),
        )
        .await;
    let not_yet = w
        .qr(
            reg,
            "BirthCertificate",
            &reg.signer,
            10,
            (now() + day, None),
        )
        .await;
    let revoked = w.qr(reg, "BirthCertificate", &reg.signer, 20, valid).await;
    let suspended = w.qr(reg, "BirthCertificate", &reg.signer, 30, valid).await;

    let mut cases: Vec<(&str, String, &str)> = vec![
        ("valid birth certificate (Ed25519)", birth.clone(), "valid"),
        (
            "valid birth certificate (P-256)",
            birth_p256.clone(),
            "valid",
        ),
        ("valid marriage certificate", marriage, "valid"),
        ("one Base45 character changed", altered(&birth), "invalid"),
        (
            "one Base45 character changed (P-256)",
            altered(&birth_p256),
            "invalid",
        ),
        ("a key not in the issuer's DID document", rogue, "invalid"),
        (
            "a rotated-out key inside its window",
            rotated_inside,
            "valid",
        ),
        (
            "a rotated-out key after its window",
            rotated_after,
            "invalid",
        ),
        (
            "an issuer not trusted for the type",
            untrusted_type,
            "invalid",
        ),
        ("expired", expired, "invalid"),
        ("not yet valid", not_yet, "invalid"),
        ("revoked", revoked, "invalid"),
        ("suspended", suspended, "invalid"),
        ("not a QR text", "hello".to_owned(), "invalid"),
        ("a later version", "CV2:ABC".to_owned(), "invalid"),
        ("not Base45", "CV1:NOT-BASE45-$$$".to_owned(), "invalid"),
        ("truncated", birth[..birth.len() - 3].to_owned(), "invalid"),
        ("empty", String::new(), "invalid"),
        ("too long", format!("CV1:{}", "A".repeat(5000)), "invalid"),
    ];
    // Every vector against its own issuer (trusted; its status lists are not in the bundle):
    // whatever the Rust verifier says, the browser says.
    let names: Vec<String> = vectors()
        .iter()
        .map(|(n, _)| format!("vector {n}"))
        .collect();
    for ((_, text), name) in vectors().into_iter().zip(&names) {
        cases.push((name.as_str(), text, ""));
    }
    compare(&fresh, &cases, true).await;

    // A status snapshot older than the verifier's limit (7 days): cannot be decided.
    let stale = w.verifier(now() - Duration::days(8)).await;
    compare(
        &stale,
        &[
            ("status snapshot too old", birth.clone(), "indeterminate"),
            (
                "revoked, snapshot too old (revocation is final)",
                { w.qr(reg, "BirthCertificate", &reg.signer, 20, valid).await },
                "invalid",
            ),
        ],
        true,
    )
    .await;
}

#[tokio::test]
async fn every_single_character_change_is_refused_by_both() {
    if !node_available() {
        return;
    }
    let w = World::new().await;
    let reg = &w.registry;
    let verifier = w.verifier(now() - Duration::hours(1)).await;
    let text = w
        .qr(
            reg,
            "BirthCertificate",
            &reg.signer,
            10,
            (now() - Duration::days(1), None),
        )
        .await;
    // Every position of the Base45 body, changed to the next character of the alphabet.
    let alphabet = compact::base45::ALPHABET;
    let mut cases = Vec::new();
    for i in compact::PREFIX.len()..text.len() {
        let mut bytes = text.clone().into_bytes();
        let at = alphabet.iter().position(|&c| c == bytes[i]).unwrap_or(0);
        bytes[i] = alphabet[(at + 1) % alphabet.len()];
        let changed = String::from_utf8(bytes).expect("ascii");
        cases.push(("changed character", changed, "invalid"));
    }
    compare(&verifier, &cases, false).await;
}
