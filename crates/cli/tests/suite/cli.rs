//! The `civitas` binary, run as a user would: keys, DID documents, signing, verification and
//! exit codes.

use crate::common::{civitas, ok};

#[test]
fn generate_sign_verify_tamper_with_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&civitas(&["keys", "generate", "--out", "issuer.jwk"], d));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.join("issuer.jwk"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "private key file must be 0600");
    }
    let info: serde_json::Value =
        serde_json::from_str(&ok(&civitas(&["keys", "show", "issuer.jwk", "--json"], d))).unwrap();
    let did = info["did"].as_str().unwrap();
    let unsigned = ok(&civitas(&["sample", "birth", "--issuer", did], d));
    std::fs::write(d.join("unsigned.json"), &unsigned).unwrap();

    for format in ["data-integrity", "vc+jwt"] {
        ok(&civitas(
            &[
                "sign",
                "unsigned.json",
                "--key",
                "issuer.jwk",
                "--format",
                format,
                "--out",
                "signed",
            ],
            d,
        ));
        let out = civitas(&["verify", "signed"], d);
        let text = ok(&out);
        assert!(
            text.starts_with("VALID — Birth certificate of Marie-Claire Lebon"),
            "{text}"
        );
        assert!(text.contains("BirthCertificate"));

        let json_out = ok(&civitas(&["verify", "signed", "--json"], d));
        let report: serde_json::Value = serde_json::from_str(&json_out).unwrap();
        assert_eq!(report["verdict"], "valid");
    }

    // Tampered → exit 1, with the reason.
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
    let out = civitas(&["verify", "forged.json"], d);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("INVALID") && text.contains("[FAIL] signature"),
        "{text}"
    );

    // Bad input → exit 2.
    std::fs::write(d.join("broken.json"), "{\"@context\": [").unwrap();
    let out = civitas(&["verify", "broken.json"], d);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("byte"));
    assert_eq!(
        civitas(&["verify", "missing.json"], d).status.code(),
        Some(2)
    );
    assert_eq!(civitas(&["verify"], d).status.code(), Some(2));
    assert_eq!(
        civitas(&["sign", "unsigned.json", "--key", "unsigned.json"], d)
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn did_web_document_verifies_a_did_web_credential() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&civitas(&["keys", "generate", "--out", "k1.jwk"], d));
    ok(&civitas(
        &["keys", "generate", "--algorithm", "p256", "--out", "k2.jwk"],
        d,
    ));
    ok(&civitas(
        &[
            "did",
            "web",
            "registry.gov.example",
            "--key",
            "k1.jwk",
            "--key",
            "k2.jwk",
            "--out",
            "did.json",
        ],
        d,
    ));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("did.json")).unwrap()).unwrap();
    assert_eq!(doc["id"], "did:web:registry.gov.example");
    assert_eq!(
        doc["assertionMethod"][1],
        "did:web:registry.gov.example#key-2"
    );

    let unsigned = ok(&civitas(
        &[
            "sample",
            "marriage",
            "--issuer",
            "did:web:registry.gov.example",
        ],
        d,
    ));
    std::fs::write(d.join("unsigned.json"), unsigned).unwrap();
    ok(&civitas(
        &[
            "sign",
            "unsigned.json",
            "--key",
            "k2.jwk",
            "--method",
            "did:web:registry.gov.example#key-2",
            "--out",
            "signed.json",
        ],
        d,
    ));
    let text = ok(&civitas(
        &["verify", "signed.json", "--did-document", "did.json"],
        d,
    ));
    assert!(
        text.contains("ecdsa-rdfc-2019") || text.starts_with("VALID"),
        "{text}"
    );
    // Without the pinned DID document the issuer cannot be resolved: invalid, not a crash.
    let out = civitas(&["verify", "signed.json"], d);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("no controller document is known for `did:web:registry.gov.example`")
    );
}

/// The issuer's offline commands on a data directory: init, issue, list, export (credential, QR
/// text, printable PDF), revoke, and the audit chain over all of it.
#[test]
fn issuer_init_issue_list_export_revoke_and_audit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = ["--data-dir", "registry"];
    let init = ok(&civitas(
        &[
            &["issuer", "init"][..],
            &data,
            &["--base-url", "https://registry.gov.example", "--did-key"],
        ]
        .concat(),
        d,
    ));
    assert!(init.contains("DID       did:key:z6Mk"), "{init}");
    assert!(init.contains("admin token (shown once): civ_"), "{init}");

    std::fs::write(d.join("record.json"), ok(&civitas(&["sample", "birth"], d))).unwrap();
    let issue = civitas(
        &[
            &["issuer", "issue"][..],
            &data,
            &[
                "birth",
                "record.json",
                "--source",
                "PW/B/2024/001234",
                "--out",
                "birth.json",
            ],
        ]
        .concat(),
        d,
    );
    ok(&issue);
    // signed and bound to the issuer; with no status list at hand its status cannot be
    // confirmed (exit 3), which is never reported as valid
    let verified = civitas(&["verify", "birth.json"], d);
    let text = String::from_utf8_lossy(&verified.stdout).into_owned();
    assert_eq!(verified.status.code(), Some(3), "{text}");
    assert!(
        text.starts_with("CANNOT BE CONFIRMED") && !text.contains("FAIL"),
        "{text}"
    );

    let list = ok(&civitas(&[&["issuer", "list"][..], &data].concat(), d));
    let line = list.lines().next().expect("one credential");
    assert!(
        line.contains("BirthCertificate")
            && line.contains("active")
            && line.contains("PW/B/2024/001234"),
        "{list}"
    );
    let id = line.split_whitespace().next().unwrap().to_owned();

    // export: as issued, the QR text, the printable PDF
    let exported = ok(&civitas(
        &[&["issuer", "export"][..], &data, &[&id]].concat(),
        d,
    ));
    assert_eq!(
        exported,
        std::fs::read_to_string(d.join("birth.json")).unwrap()
    );
    let qr = ok(&civitas(
        &[&["issuer", "export"][..], &data, &[&id, "--as", "qr"]].concat(),
        d,
    ));
    assert!(qr.starts_with("CV1:"), "{qr}");
    std::fs::write(d.join("qr.txt"), &qr).unwrap();
    let verified = civitas(&["verify", "qr.txt"], d);
    assert_eq!(
        verified.status.code(),
        Some(3),
        "the QR text checks as the credential does"
    );
    ok(&civitas(
        &[
            &["issuer", "export"][..],
            &data,
            &[&id, "--as", "pdf", "--out", "birth.pdf"],
        ]
        .concat(),
        d,
    ));
    assert!(
        std::fs::read(d.join("birth.pdf"))
            .unwrap()
            .starts_with(b"%PDF-")
    );
    let unknown = civitas(
        &[
            &["issuer", "export"][..],
            &data,
            &["urn:uuid:00000000-0000-4000-8000-000000000000"],
        ]
        .concat(),
        d,
    );
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("refused"));

    // an OpenID4VCI offer for the record: the offer URI, the transaction code, the QR code
    let offer = ok(&civitas(
        &[
            &["issuer", "offer"][..],
            &data,
            &[&id, "--qr", "offer.png", "--json"],
        ]
        .concat(),
        d,
    ));
    let offer: serde_json::Value = serde_json::from_str(&offer).unwrap();
    assert!(
        offer["offerUriByReference"]
            .as_str()
            .unwrap()
            .starts_with("openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fregistry.gov.example%2Foid4vci%2Foffers%2F"),
        "{offer}"
    );
    assert_eq!(offer["txCode"].as_str().unwrap().len(), 6);
    assert!(
        std::fs::read(d.join("offer.png"))
            .unwrap()
            .starts_with(b"\x89PNG")
    );
    let text = ok(&civitas(
        &[&["issuer", "offer"][..], &data, &[&id]].concat(),
        d,
    ));
    assert!(
        text.contains("tx code:") && text.contains("single use"),
        "{text}"
    );
    let bad = civitas(
        &[&["issuer", "offer"][..], &data, &[&id, "--qr", "offer.gif"]].concat(),
        d,
    );
    assert_eq!(bad.status.code(), Some(2));
    let marriage = civitas(
        &[&["issuer", "offer"][..], &data, &[&id, "--spouse", "1"]].concat(),
        d,
    );
    assert_ne!(
        marriage.status.code(),
        Some(0),
        "a birth certificate has no spouse"
    );

    // revoke: final, visible in the list; the audit chain holds
    let revoke = ok(&civitas(
        &[
            &["issuer", "revoke"][..],
            &data,
            &[&id, "--reason", "registered in error"],
        ]
        .concat(),
        d,
    ));
    assert!(revoke.contains("is revoked"), "{revoke}");
    assert!(ok(&civitas(&[&["issuer", "list"][..], &data].concat(), d)).contains("revoked"));
    let audit = ok(&civitas(&[&["audit", "verify"][..], &data].concat(), d));
    assert!(
        audit.to_lowercase().contains("valid") || audit.contains("intact"),
        "{audit}"
    );
}
