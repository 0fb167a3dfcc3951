//! `civitas trust-list …`, `civitas verifier bundle|inspect` and `civitas verify --bundle`, run as
//! a user would. (Belongs in crates/cli/tests/: it needs the `civitas` binary.)

use std::path::Path;
use std::process::{Command, Output};

fn civitas(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_civitas"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run civitas")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stderr: {}\nstdout: {}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn did_of(key: &str, d: &Path) -> String {
    let info: serde_json::Value =
        serde_json::from_str(&ok(&civitas(&["keys", "show", key, "--json"], d))).unwrap();
    info["did"].as_str().unwrap().to_owned()
}

#[test]
fn trust_list_bundle_and_verify_at_the_counter() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for key in ["anchor.jwk", "office.jwk", "stranger.jwk"] {
        ok(&civitas(&["keys", "generate", "--out", key], d));
    }
    let anchor = did_of("anchor.jwk", d);
    let office = did_of("office.jwk", d);
    let stranger = did_of("stranger.jwk", d);

    // The ministry's trust list: the office, for birth certificates.
    ok(&civitas(
        &[
            "trust-list",
            "create",
            "--name",
            "Civil registry trust list",
            "--out",
            "draft.json",
        ],
        d,
    ));
    ok(&civitas(
        &[
            "trust-list",
            "add",
            "draft.json",
            "--issuer",
            &office,
            "--name",
            "Civil Status Office, Rose Hill",
            "--document-type",
            "BirthCertificate",
        ],
        d,
    ));
    let text = ok(&civitas(&["trust-list", "inspect", "draft.json"], d));
    assert!(text.starts_with("DRAFT"), "{text}");
    assert!(text.contains("may issue: BirthCertificate"), "{text}");
    ok(&civitas(
        &[
            "trust-list",
            "sign",
            "draft.json",
            "--key",
            "anchor.jwk",
            "--out",
            "trust-list.jwt",
        ],
        d,
    ));
    let text = ok(&civitas(
        &[
            "trust-list",
            "inspect",
            "trust-list.jwt",
            "--trust-anchor",
            &anchor,
        ],
        d,
    ));
    assert!(
        text.starts_with("VERIFIED — signed by trust anchor"),
        "{text}"
    );
    let out = civitas(
        &[
            "trust-list",
            "inspect",
            "trust-list.jwt",
            "--trust-anchor",
            &stranger,
        ],
        d,
    );
    assert_eq!(out.status.code(), Some(1));

    // The nightly bundle.
    let text = ok(&civitas(
        &[
            "verifier",
            "bundle",
            "--trust-list",
            "trust-list.jwt",
            "--trust-anchor",
            &anchor,
            "--out",
            "bundle.json",
        ],
        d,
    ));
    assert!(text.contains("bundle written to bundle.json"), "{text}");
    let text = ok(&civitas(
        &[
            "verifier",
            "inspect",
            "bundle.json",
            "--trust-anchor",
            &anchor,
        ],
        d,
    ));
    assert!(
        text.contains("every signature in the bundle verifies"),
        "{text}"
    );

    // Documents: one from the office, one from a stranger.
    for (key, did, out) in [
        ("office.jwk", &office, "birth.json"),
        ("stranger.jwk", &stranger, "forged-office.json"),
    ] {
        let unsigned = ok(&civitas(&["sample", "birth", "--issuer", did], d));
        std::fs::write(d.join("unsigned.json"), &unsigned).unwrap();
        ok(&civitas(
            &["sign", "unsigned.json", "--key", key, "--out", out],
            d,
        ));
    }

    let out = civitas(
        &[
            "verify",
            "birth.json",
            "--bundle",
            "bundle.json",
            "--trust-anchor",
            &anchor,
        ],
        d,
    );
    let text = ok(&out);
    assert!(
        text.starts_with(
            "VALID — Birth certificate of Marie-Claire Lebon, born 2024-02-28, issued by Civil Status Office, Rose Hill"
        ),
        "{text}"
    );
    let out = civitas(
        &[
            "verify",
            "forged-office.json",
            "--bundle",
            "bundle.json",
            "--trust-anchor",
            &anchor,
        ],
        d,
    );
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("INVALID —") && text.contains("NOT on the trust list"),
        "{text}"
    );
    assert!(text.contains("Do not accept this document."), "{text}");

    let json: serde_json::Value = serde_json::from_str(&ok(&civitas(
        &[
            "verify",
            "birth.json",
            "--trust-list",
            "trust-list.jwt",
            "--trust-anchor",
            &anchor,
            "--json",
        ],
        d,
    )))
    .unwrap();
    assert_eq!(json["verdict"], "valid");

    // Usage errors: exit 2.
    for args in [
        vec!["verify", "birth.json", "--bundle", "bundle.json"],
        vec![
            "verify",
            "birth.json",
            "--bundle",
            "bundle.json",
            "--trust-anchor",
            &stranger,
        ],
        vec!["verify", "birth.json", "--max-status-age", "soon"],
        vec!["verify", "birth.json", "--allow-http"],
    ] {
        assert_eq!(civitas(&args, d).status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn a_photo_without_a_readable_qr_code_cannot_be_read_and_is_not_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A photo of a blank page.
    civitas_qr::GrayImage::from_raw(320, 240, vec![200; 320 * 240])
        .unwrap()
        .save(d.join("blank.png"))
        .unwrap();
    for args in [
        vec!["verify", "blank.png"],
        vec!["verify", "blank.png", "--json"],
    ] {
        let out = civitas(&args, d);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let all = format!("{stdout}{stderr}");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {all}");
        assert!(!all.contains("INVALID"), "{args:?}: {all}");
        assert!(!all.contains("Do not accept"), "{args:?}: {all}");
        assert!(
            all.to_lowercase().contains("cannot read this image"),
            "{args:?}: {all}"
        );
        assert!(
            all.contains("no QR code found in the 320x240 image"),
            "{args:?}: {all}"
        );
    }
}
