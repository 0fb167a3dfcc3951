//! The examples in `examples/` run and say what they should. `cargo test` builds them (into
//! `target/<profile>/examples/`) before it runs this file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use civitas_core::credential::CredentialBuilder;
use civitas_core::data_integrity::ProofOptions;
use civitas_core::secure::{Securing, secure_credential};
use civitas_jsonld::contexts::ContextLoader;
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::signer::LocalSigner;
use civitas_status::allocator::{Allocator, AllocatorConfig};
use civitas_status::entry::StatusPurpose;
use civitas_status::list::{PublishOptions, StatusList};
use civitas_verifier::bundle::BundleBuilder;
use civitas_verifier::trust::{TrustAnchor, TrustList, TrustListSigning, TrustedIssuer};

/// `target/<profile>/examples/<name>`, next to this test's own `target/<profile>/deps/`.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let path = profile_dir.join("examples").join(name);
    assert!(
        path.exists(),
        "{} is missing: run the tests with `cargo test` (it builds the examples)",
        path.display()
    );
    path
}

fn run(name: &str, args: &[&str]) -> Output {
    Command::new(example(name))
        .args(args)
        .output()
        .expect("run the example")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn embed_issuer_issues_replays_and_revokes() {
    let out = run("embed_issuer", &[]);
    let text = stdout(&out);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("(Issued)") && text.contains("(Replayed)"),
        "{text}"
    );
    assert!(text.contains("revoked: true"), "{text}");
    assert!(text.contains("\"BirthCertificate\""), "{text}");
}

#[test]
fn wallet_share_presents_logs_backs_up_and_restores() {
    let out = run("wallet_share", &[]);
    let text = stdout(&out);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("the bank says: Valid"), "{text}");
    assert!(
        text.contains("with Bank of Port Louis (challenge bank-7f3a91)"),
        "{text}"
    );
    assert!(
        text.contains("restored: 1 document(s), 1 share(s) logged"),
        "{text}"
    );
}

/// Signs `list` and writes a bundle with it and the ministry's signed `trust` list.
async fn write_bundle(
    path: &Path,
    list: &mut StatusList,
    trust: &str,
    office: &LocalSigner,
    ministry: &LocalSigner,
) {
    let signed_list = list
        .sign(
            &PublishOptions::new(office.controller()),
            office,
            &ProofOptions::default(),
            &ContextLoader::bundled(),
        )
        .await
        .unwrap();
    let bundle = BundleBuilder::new(vec![TrustAnchor::did(ministry.controller())])
        .trust_list(trust.as_bytes().to_vec())
        .status_list(
            serde_json::to_vec(&signed_list).unwrap(),
            chrono::Utc::now(),
        )
        .build()
        .await
        .unwrap();
    std::fs::write(path, bundle.to_json_pretty()).unwrap();
}

/// verify_offline with a bundle made here: valid, then the same credential revoked in a newer
/// bundle, then tampered, then unreadable input.
#[tokio::test]
async fn verify_offline_says_valid_revoked_tampered_and_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let loader = ContextLoader::bundled();
    let ministry = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
    let office = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
    let mut allocator = Allocator::new(AllocatorConfig::new(
        "https://registry.gov.example/status/revocation",
        StatusPurpose::Revocation,
    ))
    .unwrap();
    let allocation = allocator.allocate().unwrap();
    let credential = CredentialBuilder::new(office.controller())
        .document(
            &civitas_testkit::samples::kind("birth"),
            civitas_testkit::samples::birth_record(),
        )
        .status(allocation.entry().to_json())
        .build()
        .unwrap();
    let signed = secure_credential(
        credential.json(),
        &office,
        Securing::DataIntegrity,
        &ProofOptions::default(),
        &loader,
    )
    .await
    .unwrap();
    let mut list = StatusList::for_allocation(&allocation).unwrap();
    let mut trust = TrustList::new("Civil registry trust list");
    trust
        .add(TrustedIssuer::new(
            office.controller(),
            ["BirthCertificate"],
        ))
        .unwrap();
    let trust = trust
        .sign(&ministry, &TrustListSigning::default())
        .await
        .unwrap();
    write_bundle(
        &d.join("bundle.json"),
        &mut list,
        &trust,
        &office,
        &ministry,
    )
    .await;
    std::fs::write(d.join("birth.json"), &signed).unwrap();
    let anchor = ministry.controller().to_owned();
    let path = |name: &str| d.join(name).display().to_string();

    let out = run(
        "verify_offline",
        &[&path("bundle.json"), &anchor, &path("birth.json")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).starts_with("VALID"), "{}", stdout(&out));

    list.revoke(allocation.index).unwrap();
    write_bundle(
        &d.join("bundle-2.json"),
        &mut list,
        &trust,
        &office,
        &ministry,
    )
    .await;
    let out = run(
        "verify_offline",
        &[&path("bundle-2.json"), &anchor, &path("birth.json")],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).starts_with("INVALID"), "{}", stdout(&out));
    assert!(stdout(&out).contains("revoked"), "{}", stdout(&out));

    std::fs::write(
        d.join("forged.json"),
        signed.replace("Marie-Claire", "Marie-Claude"),
    )
    .unwrap();
    let out = run(
        "verify_offline",
        &[&path("bundle.json"), &anchor, &path("forged.json")],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));

    let out = run(
        "verify_offline",
        &[&path("bundle.json"), &anchor, &path("missing.json")],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.json"));
}

#[test]
fn the_issuer_example_explains_itself() {
    let out = run("issuer", &["--help"]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("usage: issuer [--data-dir DIR]"));
}

/// The issuer example serving on 127.0.0.1 with `--log-format json`: each request is one JSON
/// line on standard error with its id, method, path, status and latency, and no token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_issuer_example_logs_each_request_as_json() {
    use std::io::Read as _;
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = Command::new(example("issuer"))
        .args(["--data-dir", dir.path().join("data").to_str().unwrap()])
        .args(["--listen", &listen, "--did-key", "--log-format", "json"])
        .env("CIVITAS_ISSUER_PASSPHRASE", "log test passphrase")
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let client = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let mut answered = None;
    for _ in 0..300 {
        if let Ok(r) = client
            .get(format!("https://127.0.0.1:{port}/healthz"))
            .header("x-request-id", "log-test-1")
            .bearer_auth("a-secret-token")
            .send()
            .await
        {
            answered = Some(r.status().as_u16());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(answered, Some(200), "the issuer example did not answer");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let line = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["request_id"] == "log-test-1")
        .unwrap_or_else(|| panic!("no request log line in: {stderr}"));
    assert_eq!(line["target"], "civitas::http");
    assert_eq!(line["method"], "GET");
    assert_eq!(line["path"], "/healthz");
    assert_eq!(line["status"], 200);
    assert!(line["latency_us"].is_u64());
    assert!(!stderr.contains("a-secret-token"));
}
