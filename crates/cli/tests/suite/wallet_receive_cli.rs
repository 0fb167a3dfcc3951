//! `civitas wallet receive`: the argument and offer errors a citizen can make, each a clear
//! message and exit status 2, with nothing stored. (The flow against an issuer is tested in
//! civitas-wallet and in the umbrella crate's end-to-end suite.)

use crate::common::ok;

use std::path::Path;
use std::process::{Command, Output};

const PASSPHRASE: &str = "a long wallet passphrase";

fn civitas(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_civitas"))
        .args(args)
        .current_dir(dir)
        .env("CIVITAS_WALLET_KDF", "testing")
        .env("CIVITAS_WALLET_PASSPHRASE", PASSPHRASE)
        .env_remove("CIVITAS_WALLET_DIR")
        .output()
        .expect("run civitas")
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// An offer by value of `issuer` asking for a 6-digit transaction code.
fn offer(issuer: &str) -> String {
    let json = serde_json::json!({
        "credential_issuer": issuer,
        "credential_configuration_ids": ["BirthCertificate_ldp_vc"],
        "grants": {"urn:ietf:params:oauth:grant-type:pre-authorized_code": {
            "pre-authorized_code": "abc", "tx_code": {"input_mode": "numeric", "length": 6}}}
    });
    format!(
        "openid-credential-offer://?credential_offer={}",
        percent_encode(&json.to_string())
    )
}

fn refused(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(needle), "expected {needle:?} in: {stderr}");
}

#[test]
fn receive_argument_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&civitas(&["wallet", "init"], d));

    // Neither an offer URI nor a file.
    refused(
        &civitas(&["wallet", "receive", "no-such-offer.png"], d),
        "neither a credential offer URI",
    );
    // A file that is not an offer.
    std::fs::write(d.join("offer.txt"), "hello").unwrap();
    refused(
        &civitas(&["wallet", "receive", "offer.txt"], d),
        "credential offer",
    );
    // The offer asks for a transaction code.
    let uri = offer("https://127.0.0.1:1");
    refused(&civitas(&["wallet", "receive", &uri], d), "--tx-code");
    // ... of 6 characters.
    refused(
        &civitas(&["wallet", "receive", &uri, "--tx-code", "12"], d),
        "6 characters",
    );
    // An issuer that is not https.
    refused(
        &civitas(&["wallet", "receive", &offer("http://127.0.0.1:1")], d),
        "https",
    );
    // A configuration the offer does not name is only known once the metadata is read; a
    // root certificate file that does not exist is an error before any exchange.
    refused(
        &civitas(
            &[
                "wallet",
                "receive",
                &uri,
                "--tx-code",
                "123456",
                "--ca",
                "missing.pem",
            ],
            d,
        ),
        "missing.pem",
    );
    // No issuer listens: the stage is named.
    refused(
        &civitas(&["wallet", "receive", &uri, "--tx-code", "123456"], d),
        "issuer metadata",
    );
    // Read from a file too, and nothing was stored.
    std::fs::write(d.join("offer-uri.txt"), format!("{uri}\n")).unwrap();
    refused(
        &civitas(&["wallet", "receive", "offer-uri.txt"], d),
        "--tx-code",
    );
    let list = ok(&civitas(&["wallet", "list"], d));
    assert!(list.contains("no documents"), "{list}");
    // A missing offer argument is clap's usage error.
    let usage = civitas(&["wallet", "receive"], d);
    assert_eq!(usage.status.code(), Some(2));
}
