//! `civitas wallet init|import|list|show|present|log|keys|backup|restore|passphrase|delete`, run
//! as a citizen would, with a credential signed by `civitas sign` and checked by
//! `civitas verify`. (Belongs in crates/cli/tests/: it needs the `civitas` binary.)

use crate::common::ok;

use std::path::Path;
use std::process::{Command, Output};

const PASSPHRASE: &str = "a long wallet passphrase";

fn run(args: &[&str], dir: &Path, passphrase: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_civitas"));
    cmd.args(args)
        .current_dir(dir)
        .env("CIVITAS_WALLET_KDF", "testing")
        .env_remove("CIVITAS_WALLET_DIR")
        .env_remove("CIVITAS_WALLET_NEW_PASSPHRASE");
    match passphrase {
        Some(p) => cmd.env("CIVITAS_WALLET_PASSPHRASE", p),
        None => cmd.env_remove("CIVITAS_WALLET_PASSPHRASE"),
    };
    cmd.output().expect("run civitas")
}

fn civitas(args: &[&str], dir: &Path) -> Output {
    run(args, dir, Some(PASSPHRASE))
}

fn code(out: &Output) -> Option<i32> {
    out.status.code()
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn a_citizen_keeps_shares_and_backs_up_documents() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // The wallet, and its holder DID for the civil status office.
    let init = json(&ok(&civitas(&["wallet", "init", "--json"], d)));
    let holder = init["holder"].as_str().unwrap().to_owned();
    assert!(holder.starts_with("did:key:z6Mk"), "{holder}");
    assert!(d.join("civitas-wallet").is_dir());
    let again = civitas(&["wallet", "init"], d);
    assert_eq!(
        code(&again),
        Some(2),
        "a wallet is not created over another"
    );

    // The office signs a birth certificate (Data Integrity) and a marriage certificate
    // (vc+jwt) issued to that DID.
    ok(&civitas(&["keys", "generate", "--out", "office.jwk"], d));
    let office = json(&ok(&civitas(&["keys", "show", "office.jwk", "--json"], d)))["did"]
        .as_str()
        .unwrap()
        .to_owned();
    for (kind, format, file) in [
        ("birth", "data-integrity", "birth.json"),
        ("marriage", "vc+jwt", "marriage.jwt"),
    ] {
        let unsigned = ok(&civitas(
            &["sample", kind, "--issuer", &office, "--holder", &holder],
            d,
        ));
        std::fs::write(d.join("unsigned.json"), unsigned).unwrap();
        ok(&civitas(
            &[
                "sign",
                "unsigned.json",
                "--key",
                "office.jwk",
                "--format",
                format,
                "--out",
                file,
            ],
            d,
        ));
    }

    // Import: verified first. A forged copy is refused with the verifier's reason (exit 1).
    let birth = std::fs::read_to_string(d.join("birth.json")).unwrap();
    std::fs::write(
        d.join("forged.json"),
        birth.replace("Marie-Claire", "Marie-Claude"),
    )
    .unwrap();
    let refused = civitas(&["wallet", "import", "forged.json"], d);
    assert_eq!(code(&refused), Some(1));
    let text = String::from_utf8_lossy(&refused.stdout);
    assert!(text.starts_with("REFUSED"), "{text}");
    assert!(text.contains("Reason: signature:"), "{text}");

    // With the ministry's trust list (the office is on it for birth certificates only), a
    // marriage certificate from the office is refused, the birth certificate accepted.
    ok(&civitas(&["keys", "generate", "--out", "anchor.jwk"], d));
    let anchor = json(&ok(&civitas(&["keys", "show", "anchor.jwk", "--json"], d)))["did"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(&civitas(
        &[
            "trust-list",
            "create",
            "--name",
            "Trust list",
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
            "--document-type",
            "BirthCertificate",
        ],
        d,
    ));
    ok(&civitas(
        &[
            "trust-list",
            "sign",
            "draft.json",
            "--key",
            "anchor.jwk",
            "--out",
            "tl.jwt",
        ],
        d,
    ));
    let trust = ["--trust-list", "tl.jwt", "--trust-anchor", anchor.as_str()];
    let mut args = vec!["wallet", "import", "marriage.jwt"];
    args.extend(trust);
    let untrusted = civitas(&args, d);
    assert_eq!(code(&untrusted), Some(1));
    assert!(
        String::from_utf8_lossy(&untrusted.stdout).contains("Reason: trusted issuer:"),
        "{}",
        String::from_utf8_lossy(&untrusted.stdout)
    );
    let mut args = vec!["wallet", "import", "birth.json", "--json"];
    args.extend(trust);
    let b = json(&ok(&civitas(&args, d)));
    let b_id = b["id"].as_str().unwrap().to_owned();
    assert_eq!(b["lastVerification"]["verdict"], "valid");
    let text = ok(&civitas(&["wallet", "import", "marriage.jwt"], d));
    assert!(text.starts_with("imported "), "{text}");
    let dup = civitas(&["wallet", "import", "birth.json"], d);
    assert_eq!(code(&dup), Some(2));
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already in the wallet"));

    // List and search.
    let list = ok(&civitas(&["wallet", "list"], d));
    assert_eq!(list.lines().count(), 2, "{list}");
    assert!(
        list.contains("Birth certificate of Marie-Claire Lebon"),
        "{list}"
    );
    let births = json(&ok(&civitas(
        &["wallet", "list", "--type", "birth", "--json"],
        d,
    )));
    assert_eq!(births.as_array().unwrap().len(), 1);
    assert_eq!(births[0]["id"], b_id.as_str());
    let sophie = json(&ok(&civitas(
        &["wallet", "list", "--name", "sophie li", "--json"],
        d,
    )));
    assert_eq!(sophie.as_array().unwrap().len(), 1);
    let m_id = sophie[0]["id"].as_str().unwrap().to_owned();
    let none = ok(&civitas(
        &["wallet", "list", "--issuer", "did:web:nobody"],
        d,
    ));
    assert_eq!(none.trim(), "no documents");

    // Show: by a unique prefix; the content is the credential as imported.
    let shown = ok(&civitas(&["wallet", "show", &b_id[..5]], d));
    assert!(
        shown.starts_with("Birth certificate of Marie-Claire Lebon"),
        "{shown}"
    );
    assert!(shown.contains(&format!("subject:   {holder}")), "{shown}");
    let content = ok(&civitas(&["wallet", "show", &b_id, "--content"], d));
    assert_eq!(content.trim(), birth.trim());

    // Present both for the bank's challenge; civitas verify accepts it with that challenge and
    // domain, and refuses it with another.
    ok(&civitas(
        &[
            "wallet",
            "present",
            &b_id,
            &m_id,
            "--challenge",
            "nonce-42",
            "--domain",
            "https://bank.example",
            "--to",
            "Mauritius Commercial Bank",
            "--out",
            "vp.json",
        ],
        d,
    ));
    let valid = civitas(
        &[
            "verify",
            "vp.json",
            "--challenge",
            "nonce-42",
            "--domain",
            "https://bank.example",
        ],
        d,
    );
    assert_eq!(
        code(&valid),
        Some(0),
        "{}",
        String::from_utf8_lossy(&valid.stdout)
    );
    let replayed = civitas(
        &[
            "verify",
            "vp.json",
            "--challenge",
            "nonce-43",
            "--domain",
            "https://bank.example",
        ],
        d,
    );
    assert_eq!(code(&replayed), Some(1));
    let no_challenge = civitas(&["wallet", "present", &b_id, "--domain", "d"], d);
    assert_eq!(code(&no_challenge), Some(2));

    // The consent log.
    let log = ok(&civitas(&["wallet", "log"], d));
    assert!(log.starts_with("#1 "), "{log}");
    assert!(
        log.contains("to Mauritius Commercial Bank (https://bank.example), challenge nonce-42"),
        "{log}"
    );
    assert!(log.contains(&b_id) && log.contains(&m_id), "{log}");
    let log_json = json(&ok(&civitas(&["wallet", "log", "--json"], d)));
    assert_eq!(log_json[0]["documents"].as_array().unwrap().len(), 2);

    // A second holder key.
    let keys = json(&ok(&civitas(
        &["wallet", "keys", "--new", "--algorithm", "p256", "--json"],
        d,
    )));
    assert_eq!(keys.as_array().unwrap().len(), 2);
    assert_eq!(keys[0]["did"], holder.as_str());
    assert!(keys[1]["did"].as_str().unwrap().starts_with("did:key:zDn"));

    // Wrong or missing passphrase: exit 2 with a clear message, nothing changed.
    let wrong = run(&["wallet", "list"], d, Some("not the passphrase"));
    assert_eq!(code(&wrong), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("wrong passphrase"));
    let missing = run(&["wallet", "list"], d, None);
    assert_eq!(code(&missing), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("CIVITAS_WALLET_PASSPHRASE"));
    std::fs::write(d.join("pass.txt"), format!("{PASSPHRASE}\n")).unwrap();
    let from_file = ok(&run(
        &["wallet", "list", "--passphrase-file", "pass.txt"],
        d,
        None,
    ));
    assert_eq!(from_file, list);

    // Backup, restore elsewhere: the same listing, and a presentation that verifies.
    ok(&civitas(&["wallet", "backup", "--out", "wallet.backup"], d));
    let backup = std::fs::read(d.join("wallet.backup")).unwrap();
    assert!(!String::from_utf8_lossy(&backup).contains("Lebon"));
    ok(&civitas(
        &["wallet", "--wallet", "restored", "restore", "wallet.backup"],
        d,
    ));
    let restored_list = ok(&civitas(&["wallet", "--wallet", "restored", "list"], d));
    assert_eq!(restored_list, list);
    assert_eq!(
        ok(&civitas(&["wallet", "--wallet", "restored", "log"], d)),
        log
    );
    ok(&civitas(
        &[
            "wallet",
            "--wallet",
            "restored",
            "present",
            &b_id,
            "--challenge",
            "n2",
            "--domain",
            "https://bank.example",
            "--out",
            "vp2.json",
        ],
        d,
    ));
    ok(&civitas(
        &[
            "verify",
            "vp2.json",
            "--challenge",
            "n2",
            "--domain",
            "https://bank.example",
        ],
        d,
    ));
    let mut damaged = backup.clone();
    let at = damaged.len() - 60;
    damaged[at] = if damaged[at] == b'A' { b'B' } else { b'A' };
    std::fs::write(d.join("damaged.backup"), &damaged).unwrap();
    let refused = civitas(
        &[
            "wallet",
            "--wallet",
            "from-damaged",
            "restore",
            "damaged.backup",
        ],
        d,
    );
    assert_eq!(code(&refused), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("the backup is refused"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(!d.join("from-damaged").exists());

    // Passphrase change: the old one no longer opens the wallet, the new one does.
    let changed = Command::new(env!("CARGO_BIN_EXE_civitas"))
        .args(["wallet", "passphrase"])
        .current_dir(d)
        .env("CIVITAS_WALLET_KDF", "testing")
        .env("CIVITAS_WALLET_PASSPHRASE", PASSPHRASE)
        .env("CIVITAS_WALLET_NEW_PASSPHRASE", "the new passphrase")
        .output()
        .unwrap();
    ok(&changed);
    assert_eq!(code(&civitas(&["wallet", "list"], d)), Some(2));
    assert_eq!(
        ok(&run(&["wallet", "list"], d, Some("the new passphrase"))),
        list
    );

    // Delete.
    let deleted = ok(&run(
        &["wallet", "delete", &m_id],
        d,
        Some("the new passphrase"),
    ));
    assert!(deleted.starts_with(&format!("deleted {m_id}")), "{deleted}");
    let after = ok(&run(&["wallet", "list"], d, Some("the new passphrase")));
    assert_eq!(after.lines().count(), 1, "{after}");
}

#[test]
fn a_paper_certificate_qr_goes_in_and_out_as_qr() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&civitas(&["wallet", "init"], d));
    ok(&civitas(&["keys", "generate", "--out", "office.jwk"], d));
    let office = json(&ok(&civitas(&["keys", "show", "office.jwk", "--json"], d)))["did"]
        .as_str()
        .unwrap()
        .to_owned();
    let unsigned = ok(&civitas(&["sample", "birth", "--issuer", &office], d));
    std::fs::write(d.join("unsigned.json"), unsigned).unwrap();
    ok(&civitas(
        &[
            "qr",
            "encode",
            "unsigned.json",
            "--key",
            "office.jwk",
            "--png",
            "qr.png",
            "--out",
            "qr.txt",
        ],
        d,
    ));
    // From the photo of the QR code.
    let doc = json(&ok(&civitas(&["wallet", "import", "qr.png", "--json"], d)));
    assert_eq!(doc["format"], "compact");
    let id = doc["id"].as_str().unwrap().to_owned();
    let no_vp = civitas(
        &[
            "wallet",
            "present",
            &id,
            "--challenge",
            "c",
            "--domain",
            "d",
        ],
        d,
    );
    assert_eq!(code(&no_vp), Some(2));
    assert!(String::from_utf8_lossy(&no_vp.stderr).contains("QR"));
    ok(&civitas(
        &[
            "wallet",
            "present",
            &id,
            "--qr",
            "--to",
            "Passport office",
            "--png",
            "shared.png",
            "--out",
            "shared.txt",
        ],
        d,
    ));
    let shared = std::fs::read_to_string(d.join("shared.txt")).unwrap();
    let original = std::fs::read_to_string(d.join("qr.txt")).unwrap();
    assert_eq!(shared.trim(), original.trim());
    ok(&civitas(&["verify", "shared.png"], d));
    let log = ok(&civitas(&["wallet", "log"], d));
    assert!(
        log.contains("to Passport office, QR text, no challenge"),
        "{log}"
    );
}
