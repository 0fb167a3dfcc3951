//! The binary facing hostile or unusual surroundings: a closed standard output, contexts it
//! does not have, JSON with a repeated member name.

use crate::common::{civitas, ok};

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Runs civitas with a standard output whose reading end is already closed (`… | head -0`).
fn with_closed_stdout(args: &[&str], dir: &Path) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    Command::new(env!("CARGO_BIN_EXE_civitas"))
        .args(args)
        .current_dir(dir)
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run civitas")
}

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../vectors")
}

/// A key, a signed birth certificate and a tampered one in `d`.
fn signed_files(d: &Path) {
    ok(&civitas(&["keys", "generate", "--out", "issuer.jwk"], d));
    let info: serde_json::Value =
        serde_json::from_str(&ok(&civitas(&["keys", "show", "issuer.jwk", "--json"], d))).unwrap();
    let did = info["did"].as_str().unwrap();
    let unsigned = ok(&civitas(&["sample", "birth", "--issuer", did], d));
    std::fs::write(d.join("unsigned.json"), &unsigned).unwrap();
    ok(&civitas(
        &[
            "sign",
            "unsigned.json",
            "--key",
            "issuer.jwk",
            "--out",
            "signed.json",
        ],
        d,
    ));
    let forged = std::fs::read_to_string(d.join("signed.json"))
        .unwrap()
        .replace("Marie-Claire", "Marie-Claude");
    std::fs::write(d.join("forged.json"), forged).unwrap();
}

#[test]
fn a_closed_standard_output_is_a_normal_end() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    signed_files(d);
    for (args, code) in [
        (&["sample", "birth"][..], 0),
        (&["keys", "show", "issuer.jwk", "--json"], 0),
        (&["keys", "show", "issuer.jwk"], 0),
        (&["verify", "signed.json"], 0),
        (&["verify", "signed.json", "--json"], 0),
        // The verdict's exit code survives: a pipeline with pipefail still sees the failure.
        (&["verify", "forged.json"], 1),
    ] {
        let out = with_closed_stdout(args, d);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn an_unknown_context_is_indeterminate_with_exit_code_3() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&civitas(&["keys", "generate", "--out", "issuer.jwk"], d));
    let info: serde_json::Value =
        serde_json::from_str(&ok(&civitas(&["keys", "show", "issuer.jwk", "--json"], d))).unwrap();
    let url = "https://www.w3.org/ns/credentials/examples/v2";
    let unsigned = serde_json::json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", url],
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "issuer": info["did"],
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"}
    });
    std::fs::write(d.join("unsigned.json"), unsigned.to_string()).unwrap();
    let context = vectors().join("w3c/vc-data-model/contexts/credentials/examples/v2");
    let context_arg = format!("{url}={}", context.display());
    ok(&civitas(
        &[
            "sign",
            "unsigned.json",
            "--key",
            "issuer.jwk",
            "--context",
            &context_arg,
            "--out",
            "signed.json",
        ],
        d,
    ));
    // With the context the signature checks out; without it civitas cannot tell.
    let out = civitas(&["verify", "signed.json", "--context", &context_arg], d);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = civitas(&["verify", "signed.json"], d);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(
        stdout.contains(url) && stdout.contains("cannot be checked"),
        "{stdout}"
    );
}

#[test]
fn a_repeated_member_name_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    signed_files(d);
    let text = std::fs::read_to_string(d.join("signed.json")).unwrap();
    let doubled = text.replacen(
        "\"givenName\":",
        "\"givenName\": \"Forged\", \"givenName\":",
        1,
    );
    assert_ne!(doubled, text);
    std::fs::write(d.join("doubled.json"), doubled).unwrap();
    let out = civitas(&["verify", "doubled.json"], d);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("duplicate member name at `/credentialSubject/givenName`"),
        "{stdout}"
    );
}
