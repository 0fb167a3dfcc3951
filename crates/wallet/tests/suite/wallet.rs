//! The wallet with real components: a sled database in a temporary directory, credentials signed
//! by a civil status office, a verifier configured from a signed trust list and signed status
//! lists.

use crate::common;

use civitas_core::report::{CheckKind, Verdict};
use civitas_core::secure::Securing;
use civitas_jsonld::json::JsonError;
use civitas_keys::sealed::KdfParams;
use civitas_verifier::document::Parsed;
use civitas_verifier::{Document, VerifyOptions};
use civitas_wallet::document::read_input;
use civitas_wallet::{
    BackupProblem, DatabaseFailure, DocumentFormat, ImportOptions, Query, ShareForm, ShareRequest,
    Wallet, WalletError,
};
use common::*;

fn request(ids: &[&str], challenge: &str, domain: &str) -> ShareRequest {
    ShareRequest {
        documents: ids.iter().map(|s| (*s).to_owned()).collect(),
        challenge: challenge.to_owned(),
        domain: domain.to_owned(),
        recipient: Some("Mauritius Commercial Bank".to_owned()),
        holder: None,
    }
}

fn expecting(challenge: &str, domain: &str) -> VerifyOptions {
    VerifyOptions {
        challenge: Some(challenge.to_owned()),
        domain: Some(domain.to_owned()),
        ..VerifyOptions::default()
    }
}

#[tokio::test]
async fn import_present_and_the_verifier_checks_challenge_and_domain() {
    let world = World::new().await;
    let verifier = world.verifier(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let wallet = new_wallet(&dir.path().join("w"));
    let holder = holder_did(&wallet);

    let birth = birth(&world.office, &holder, 10, Securing::DataIntegrity).await;
    let marriage = marriage(&world.office, &holder, 20, Securing::VcJwt).await;
    let b = wallet
        .import(birth.as_bytes(), &verifier, &ImportOptions::default())
        .await
        .unwrap();
    let m = wallet
        .import(marriage.as_bytes(), &verifier, &ImportOptions::default())
        .await
        .unwrap();
    assert_eq!(b.format, DocumentFormat::DataIntegrity);
    assert_eq!(m.format, DocumentFormat::VcJwt);
    assert_eq!(b.last_verification.verdict, Verdict::Valid);
    assert!(
        b.description
            .starts_with("Birth certificate of Marie-Claire Lebon")
    );

    let shared = wallet
        .present(&request(
            &[&b.id, &m.id],
            "nonce-7c1f9a",
            "https://bank.example",
        ))
        .await
        .unwrap();
    let ok = verifier
        .verify(
            shared.payload.as_bytes(),
            &expecting("nonce-7c1f9a", "https://bank.example"),
        )
        .await;
    assert_eq!(ok.verdict, Verdict::Valid, "{ok}");
    assert_eq!(ok.credentials.len(), 2);

    let other_challenge = verifier
        .verify(
            shared.payload.as_bytes(),
            &expecting("nonce-other", "https://bank.example"),
        )
        .await;
    assert_eq!(other_challenge.verdict, Verdict::Invalid);
    assert!(
        other_challenge
            .outcome(CheckKind::Challenge)
            .unwrap()
            .is_failed()
    );
    let other_domain = verifier
        .verify(
            shared.payload.as_bytes(),
            &expecting("nonce-7c1f9a", "https://evil.example"),
        )
        .await;
    assert_eq!(other_domain.verdict, Verdict::Invalid);
    assert!(other_domain.outcome(CheckKind::Domain).unwrap().is_failed());

    // The share is in the consent log: to whom, what, when, which challenge.
    let log = wallet.consent_log().unwrap();
    assert_eq!(log.len(), 1);
    let entry = &log[0];
    assert_eq!(entry, &shared.consent);
    assert_eq!(
        entry.recipient.as_deref(),
        Some("Mauritius Commercial Bank")
    );
    assert_eq!(entry.challenge.as_deref(), Some("nonce-7c1f9a"));
    assert_eq!(entry.domain.as_deref(), Some("https://bank.example"));
    assert_eq!(entry.holder.as_deref(), Some(holder.as_str()));
    assert_eq!(entry.form, ShareForm::Presentation);
    assert_eq!(entry.documents.len(), 2);
    assert_eq!(entry.documents[0].id, b.id);
    assert!(entry.documents[0].fields.contains(&"givenName".to_owned()));
    assert!(entry.documents[1].fields.contains(&"spouses".to_owned()));

    // A request the wallet must refuse: a control character, no challenge, unknown document.
    for bad in [
        request(&[&b.id], "", "https://bank.example"),
        request(&[&b.id], "n\u{7}", "https://bank.example"),
        request(&[], "n", "https://bank.example"),
        request(&[&b.id, &b.id], "n", "https://bank.example"),
    ] {
        assert!(matches!(
            wallet.present(&bad).await,
            Err(WalletError::Share(_))
        ));
    }
    assert!(matches!(
        wallet.present(&request(&["ffffffffffff"], "n", "d")).await,
        Err(WalletError::NotFound(_))
    ));
    assert_eq!(
        wallet.consent_log().unwrap().len(),
        1,
        "refusals are not shares"
    );
}

#[tokio::test]
async fn a_document_about_someone_else_is_not_presented_as_ours() {
    let world = World::new().await;
    let verifier = world.verifier(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let wallet = new_wallet(&dir.path().join("w"));
    // A parent keeps the child's certificate, issued to the child's own DID.
    let child = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
    let birth = birth(&world.office, child, 12, Securing::DataIntegrity).await;
    let doc = wallet
        .import(birth.as_bytes(), &verifier, &ImportOptions::default())
        .await
        .unwrap();
    match wallet
        .present(&request(&[&doc.id], "n", "https://bank.example"))
        .await
    {
        Err(WalletError::Share(reason)) => assert!(reason.contains(child), "{reason}"),
        other => panic!("{other:?}"),
    }
    // A second key does not help, and asking for a key the wallet lacks is refused.
    let second = wallet
        .add_holder_key(civitas_keys::keys::KeyAlgorithm::Ed25519)
        .unwrap();
    assert_eq!(wallet.holder_keys().unwrap().len(), 2);
    let mut req = request(&[&doc.id], "n", "https://bank.example");
    req.holder = Some(second.did.clone());
    assert!(matches!(
        wallet.present(&req).await,
        Err(WalletError::Share(_))
    ));
    req.holder = Some(child.to_owned());
    assert!(matches!(
        wallet.present(&req).await,
        Err(WalletError::Share(_))
    ));
}

#[tokio::test]
async fn invalid_revoked_and_untrusted_credentials_are_refused_with_the_reason() {
    let world = World::new().await;
    let verifier = world.verifier(&[40]).await;
    let dir = tempfile::tempdir().unwrap();
    let wallet = new_wallet(&dir.path().join("w"));
    let holder = holder_did(&wallet);

    let revoked = birth(&world.office, &holder, 40, Securing::DataIntegrity).await;
    match wallet
        .import(revoked.as_bytes(), &verifier, &ImportOptions::default())
        .await
    {
        Err(WalletError::Refused { reason, report }) => {
            assert_eq!(report.verdict, Verdict::Invalid);
            assert!(
                report.outcome(CheckKind::Revocation).unwrap().is_failed(),
                "{report}"
            );
            assert!(reason.starts_with("revocation:"), "{reason}");
        }
        other => panic!("{other:?}"),
    }

    let good = birth(&world.office, &holder, 50, Securing::DataIntegrity).await;
    let forged = good.replace("Marie-Claire", "Marie-Claude");
    match wallet
        .import(forged.as_bytes(), &verifier, &ImportOptions::default())
        .await
    {
        Err(WalletError::Refused { reason, report }) => {
            assert!(
                report.outcome(CheckKind::Signature).unwrap().is_failed(),
                "{report}"
            );
            assert!(reason.starts_with("signature:"), "{reason}");
        }
        other => panic!("{other:?}"),
    }

    let untrusted = birth(&world.stranger, &holder, 10, Securing::VcJwt).await;
    match wallet
        .import(untrusted.as_bytes(), &verifier, &ImportOptions::default())
        .await
    {
        Err(WalletError::Refused { reason, report }) => {
            assert!(
                report
                    .outcome(CheckKind::TrustedIssuer)
                    .unwrap()
                    .is_failed(),
                "{report}"
            );
            assert!(reason.contains("not on the trust list"), "{reason}");
        }
        other => panic!("{other:?}"),
    }

    // Not a credential at all.
    assert!(matches!(
        wallet
            .import(b"{\"hello\": ", &verifier, &ImportOptions::default())
            .await,
        Err(WalletError::Unreadable(_))
    ));
    assert!(
        wallet.documents().unwrap().is_empty(),
        "nothing refused is kept"
    );

    // The good one goes in, once.
    let doc = wallet
        .import(good.as_bytes(), &verifier, &ImportOptions::default())
        .await
        .unwrap();
    assert!(matches!(
        wallet.import(good.as_bytes(), &verifier, &ImportOptions::default()).await,
        Err(WalletError::Duplicate { id }) if id == doc.id
    ));
}

#[tokio::test]
async fn indeterminate_status_is_refused_unless_the_holder_accepts_it() {
    let world = World::new().await;
    // A verifier without the office's status lists cannot confirm the status.
    let verifier = civitas_verifier::Verifier::builder()
        .trust_anchor(civitas_verifier::trust::TrustAnchor::did(
            world.anchor.controller(),
        ))
        .trust_list(world.trust_list.clone())
        .build()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let wallet = new_wallet(&dir.path().join("w"));
    let birth = birth(
        &world.office,
        &holder_did(&wallet),
        10,
        Securing::DataIntegrity,
    )
    .await;
    match wallet
        .import(birth.as_bytes(), &verifier, &ImportOptions::default())
        .await
    {
        Err(WalletError::Refused { report, .. }) => {
            assert_eq!(report.verdict, Verdict::Indeterminate)
        }
        other => panic!("{other:?}"),
    }
    let options = ImportOptions {
        accept_indeterminate: true,
        ..ImportOptions::default()
    };
    let doc = wallet
        .import(birth.as_bytes(), &verifier, &options)
        .await
        .unwrap();
    assert_eq!(doc.last_verification.verdict, Verdict::Indeterminate);
    // With the lists, a re-verification records the new result.
    let full = world.verifier(&[]).await;
    let again = wallet
        .reverify(&doc.id, &full, &VerifyOptions::default())
        .await
        .unwrap();
    assert_eq!(again.last_verification.verdict, Verdict::Valid);
    assert_eq!(wallet.document(&doc.id).unwrap(), again);
}

#[tokio::test]
async fn list_search_show_delete() {
    let world = World::new().await;
    let verifier = world.verifier(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let wallet = new_wallet(&dir.path().join("w"));
    let holder = holder_did(&wallet);
    let birth = birth(&world.office, &holder, 10, Securing::DataIntegrity).await;
    let marriage = marriage(&world.office, &holder, 20, Securing::DataIntegrity).await;
    let b = wallet
        .import(birth.as_bytes(), &verifier, &ImportOptions::default())
        .await
        .unwrap();
    let m = wallet
        .import(marriage.as_bytes(), &verifier, &ImportOptions::default())
        .await
        .unwrap();
    let ids = |docs: Vec<civitas_wallet::StoredDocument>| -> Vec<String> {
        docs.into_iter().map(|d| d.id).collect()
    };
    assert_eq!(
        ids(wallet.documents().unwrap()),
        [b.id.clone(), m.id.clone()]
    );
    let query = |t: Option<&str>, issuer: Option<&str>, name: Option<&str>| Query {
        document_type: t.map(str::to_owned),
        issuer: issuer.map(str::to_owned),
        subject_name: name.map(str::to_owned),
    };
    let office_part = &world.office.did[8..20];
    let both = vec![b.id.clone(), m.id.clone()];
    let cases = [
        (query(Some("birth"), None, None), vec![b.id.clone()]),
        (
            query(Some("MarriageCertificate"), None, None),
            vec![m.id.clone()],
        ),
        (query(None, None, Some("marie LEBON")), vec![b.id.clone()]),
        (query(None, None, Some("Sophie Li")), vec![m.id.clone()]),
        // The mother is named in the birth certificate, but is not its subject.
        (query(None, None, Some("Anne")), vec![]),
        (query(None, Some(office_part), None), both),
        (query(None, Some(&world.stranger.did), None), vec![]),
        (
            query(Some("birth"), Some(office_part), Some("lebon")),
            vec![b.id.clone()],
        ),
        (query(Some("birth"), None, Some("sophie")), vec![]),
    ];
    for (q, want) in cases {
        assert_eq!(ids(wallet.search(&q).unwrap()), want, "{q:?}");
    }

    // Show by id or unique prefix.
    assert_eq!(wallet.document(&b.id).unwrap(), b);
    assert_eq!(wallet.document(&b.id[..6]).unwrap(), b);
    assert!(matches!(wallet.document(""), Err(WalletError::NotFound(_))));
    assert_eq!(wallet.delete(&b.id).unwrap().id, b.id);
    assert_eq!(ids(wallet.documents().unwrap()), vec![m.id.clone()]);
    assert!(matches!(
        wallet.delete(&b.id),
        Err(WalletError::NotFound(_))
    ));
}

/// The wallet reads what it imports once, with the verifier's reader: for each form (Data
/// Integrity JSON, `vc+jwt`, `CV1:` text; whitespace around it is not kept) the stored document
/// and its report are what `Document::read` and `Verifier::verify_document` give.
#[tokio::test]
async fn each_form_is_read_once_and_stored_as_the_verifier_reads_it() {
    let world = World::new().await;
    let verifier = world.verifier(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let wallet = new_wallet(&dir.path().join("w"));
    let holder = holder_did(&wallet);
    let options = ImportOptions {
        verify: VerifyOptions {
            now: Some(chrono::Utc::now()),
            ..VerifyOptions::default()
        },
        ..ImportOptions::default()
    };
    let di = birth(&world.office, &holder, 80, Securing::DataIntegrity).await;
    let jwt = birth(&world.office, &holder, 82, Securing::VcJwt).await;
    let cv1 = civitas_qr::compact::encode(
        &birth_unsigned(&world.office, None, 84),
        &world.office.signer,
    )
    .await
    .unwrap();
    let forms = [
        (DocumentFormat::DataIntegrity, di),
        (DocumentFormat::VcJwt, jwt),
        (DocumentFormat::Compact, cv1),
    ];
    for (format, text) in forms {
        let input = format!("\n  {text}\r\n");
        let document = Document::read(text.as_bytes()).unwrap();
        let credential = match &document.parsed {
            Parsed::Credential(c) => c.credential().json().clone(),
            Parsed::Compact(c) => c.credential_json().clone(),
            Parsed::Presentation(p) => panic!("{format:?} read as {p:?}"),
            Parsed::SdJwt(s) => panic!("{format:?} read as an SD-JWT: {}", s.text),
        };
        let read = read_input(input.as_bytes()).unwrap();
        assert_eq!(read.document, document, "{format:?}");
        assert_eq!(read.format, format);
        assert_eq!(read.credential, credential, "{format:?}");

        let doc = wallet
            .import(input.as_bytes(), &verifier, &options)
            .await
            .unwrap_or_else(|e| panic!("{format:?}: {e}"));
        let report = verifier.verify_document(&document, &options.verify).await;
        assert_eq!(report.verdict, Verdict::Valid, "{format:?}: {report}");
        assert_eq!(doc.format, format);
        assert_eq!(doc.content, text, "{format:?}");
        assert_eq!(doc.credential, credential, "{format:?}");
        assert_eq!(doc.last_verification.verdict, report.verdict);
        assert_eq!(doc.last_verification.report, report, "{format:?}");
        assert_eq!(
            doc.last_verification.report.about, report.about,
            "{format:?}"
        );
        assert_eq!(
            report.about.description.as_deref(),
            Some(doc.description.as_str()),
            "{format:?}"
        );
        // What was stored reads back the same.
        assert_eq!(wallet.document(&doc.id).unwrap(), doc, "{format:?}");
    }
    assert_eq!(wallet.documents().unwrap().len(), 3);
}

#[tokio::test]
async fn a_paper_certificate_qr_is_imported_and_shown_as_its_qr_text() {
    let world = World::new().await;
    let verifier = world.verifier(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let wallet = new_wallet(&dir.path().join("w"));
    let unsigned = birth_unsigned(&world.office, None, 60);
    let text = civitas_qr::compact::encode(&unsigned, &world.office.signer)
        .await
        .unwrap();
    let doc = wallet
        .import(text.as_bytes(), &verifier, &ImportOptions::default())
        .await
        .unwrap();
    assert_eq!(doc.format, DocumentFormat::Compact);
    assert!(
        doc.description
            .starts_with("Birth certificate of Marie-Claire Lebon")
    );
    assert!(matches!(
        wallet
            .present(&request(&[&doc.id], "n", "https://bank.example"))
            .await,
        Err(WalletError::Share(_))
    ));
    let shared = wallet
        .share_qr_text(&doc.id, Some("Passport office"))
        .unwrap();
    assert_eq!(shared.payload, text);
    let report = verifier
        .verify(shared.payload.as_bytes(), &VerifyOptions::default())
        .await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
    let log = wallet.consent_log().unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].form, ShareForm::QrText);
    assert_eq!(log[0].challenge, None);
    assert_eq!(log[0].recipient.as_deref(), Some("Passport office"));
}

#[tokio::test]
async fn nothing_personal_is_readable_in_the_database_files_or_the_backup() {
    let world = World::new().await;
    let verifier = world.verifier(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w");
    let wallet = new_wallet(&path);
    let holder = holder_did(&wallet);
    let birth = birth(&world.office, &holder, 10, Securing::DataIntegrity).await;
    let marriage = marriage(&world.office, &holder, 20, Securing::VcJwt).await;
    let b = wallet
        .import(birth.as_bytes(), &verifier, &ImportOptions::default())
        .await
        .unwrap();
    let m = wallet
        .import(marriage.as_bytes(), &verifier, &ImportOptions::default())
        .await
        .unwrap();
    wallet
        .present(&request(
            &[&b.id, &m.id],
            "challenge-secret-31337",
            "https://bank.example",
        ))
        .await
        .unwrap();
    let backup = wallet.backup().unwrap();
    drop(wallet);

    let mut needles: Vec<String> = BIRTH_SECRETS
        .iter()
        .chain(MARRIAGE_SECRETS)
        .map(|s| (*s).to_owned())
        .collect();
    needles.push(holder.clone());
    needles.push(holder["did:key:".len()..].to_owned());
    needles.push(b.credential_id().unwrap().to_owned());
    needles.push(m.credential_id().unwrap().to_owned());
    needles.push("challenge-secret-31337".into());
    needles.push("Mauritius Commercial Bank".into());
    needles.push("BirthCertificate".into());
    // The needles are really in what was stored (birth in clear JSON, the marriage inside
    // the JWT's base64url payload): their absence below means something.
    for s in BIRTH_SECRETS {
        assert!(birth.contains(s), "{s}");
    }
    let disk = raw_bytes(&path);
    assert!(disk.len() > 4096, "the database files hold the data");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o700,
            "only the owner enters the wallet directory"
        );
    }
    for needle in &needles {
        assert!(
            !contains(&disk, needle.as_bytes()),
            "`{needle}` is readable in the database files"
        );
        assert!(
            !contains(&backup, needle.as_bytes()),
            "`{needle}` is readable in the backup"
        );
    }
    // Nor the JWT (its base64url payload) nor the stored JSON as such.
    let jwt_payload = marriage.split('.').nth(1).unwrap();
    assert!(!contains(&disk, &jwt_payload.as_bytes()[..40]));
    assert!(!contains(&backup, &jwt_payload.as_bytes()[..40]));
    assert!(!contains(&disk, b"credentialSubject"));
    assert!(!contains(&backup, b"credentialSubject"));
}

#[tokio::test]
async fn wrong_passphrase_changes_nothing_and_a_passphrase_change_re_encrypts() {
    let world = World::new().await;
    let verifier = world.verifier(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w");
    let wallet = new_wallet(&path);
    let holder = holder_did(&wallet);
    let birth = birth(&world.office, &holder, 10, Securing::DataIntegrity).await;
    let doc = wallet
        .import(birth.as_bytes(), &verifier, &ImportOptions::default())
        .await
        .unwrap();
    let before = wallet.documents().unwrap();
    drop(wallet);

    let files_before = raw_bytes(&path);
    assert!(matches!(
        Wallet::open(&path, b"wrong passphrase"),
        Err(WalletError::WrongPassphrase { what: "wallet" })
    ));
    assert!(matches!(
        Wallet::open(&path, b""),
        Err(WalletError::Passphrase(_))
    ));
    assert!(matches!(
        Wallet::open(&dir.path().join("nowhere"), PASSPHRASE),
        Err(WalletError::NotAWallet { .. })
    ));
    assert!(
        !dir.path().join("nowhere").exists(),
        "opening creates nothing"
    );
    let _ = files_before;

    // One process at a time.
    let first = Wallet::open(&path, PASSPHRASE).unwrap();
    assert!(matches!(
        Wallet::open(&path, PASSPHRASE),
        Err(WalletError::Database { .. })
    ));
    drop(first);

    let mut wallet = reopen(|| Wallet::open(&path, PASSPHRASE));
    assert_eq!(wallet.documents().unwrap(), before);
    assert!(matches!(
        wallet.change_passphrase(b"not it", b"new passphrase", KdfParams::testing()),
        Err(WalletError::WrongPassphrase { .. })
    ));
    assert_eq!(wallet.documents().unwrap(), before);
    wallet
        .change_passphrase(PASSPHRASE, b"new passphrase", KdfParams::testing())
        .unwrap();
    assert_eq!(wallet.documents().unwrap(), before);
    drop(wallet);

    assert!(matches!(
        reopen_result(|| Wallet::open(&path, PASSPHRASE)),
        Err(WalletError::WrongPassphrase { .. })
    ));
    let wallet = reopen(|| Wallet::open(&path, b"new passphrase"));
    assert_eq!(wallet.documents().unwrap(), before);
    assert_eq!(holder_did(&wallet), holder);
    let shared = wallet
        .present(&request(&[&doc.id], "c", "https://bank.example"))
        .await
        .unwrap();
    let report = verifier
        .verify(
            shared.payload.as_bytes(),
            &expecting("c", "https://bank.example"),
        )
        .await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
}

#[tokio::test]
async fn backup_restores_an_identical_wallet_and_a_damaged_one_is_refused() {
    let world = World::new().await;
    let verifier = world.verifier(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let wallet = new_wallet(&dir.path().join("w"));
    let holder = holder_did(&wallet);
    wallet
        .add_holder_key(civitas_keys::keys::KeyAlgorithm::P256)
        .unwrap();
    let birth = birth(&world.office, &holder, 10, Securing::DataIntegrity).await;
    let marriage = marriage(&world.office, &holder, 20, Securing::VcJwt).await;
    let b = wallet
        .import(birth.as_bytes(), &verifier, &ImportOptions::default())
        .await
        .unwrap();
    let m = wallet
        .import(marriage.as_bytes(), &verifier, &ImportOptions::default())
        .await
        .unwrap();
    wallet
        .present(&request(&[&b.id], "first", "https://bank.example"))
        .await
        .unwrap();
    let backup = wallet.backup().unwrap();

    // Restored on a "new machine" with the passphrase: the same documents, keys and log.
    let restored_dir = dir.path().join("restored");
    assert!(matches!(
        Wallet::restore(&backup, b"wrong", &restored_dir),
        Err(WalletError::WrongPassphrase { what: "backup" })
    ));
    assert!(!restored_dir.exists());
    let restored = Wallet::restore(&backup, PASSPHRASE, &restored_dir).unwrap();
    assert_eq!(restored.documents().unwrap(), wallet.documents().unwrap());
    assert_eq!(
        restored.holder_keys().unwrap(),
        wallet.holder_keys().unwrap()
    );
    assert_eq!(
        restored.consent_log().unwrap(),
        wallet.consent_log().unwrap()
    );
    let shared = restored
        .present(&request(&[&b.id, &m.id], "second", "https://bank.example"))
        .await
        .unwrap();
    assert_eq!(
        shared.consent.seq, 2,
        "the log continues after the restored entries"
    );
    let report = verifier
        .verify(
            shared.payload.as_bytes(),
            &expecting("second", "https://bank.example"),
        )
        .await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
    drop(restored);
    let reopened = Wallet::open(&restored_dir, PASSPHRASE).unwrap();
    assert_eq!(reopened.consent_log().unwrap().len(), 2);
    drop(reopened);

    // Not into a directory that holds something.
    assert!(matches!(
        Wallet::restore(&backup, PASSPHRASE, &restored_dir),
        Err(WalletError::NotEmpty { .. })
    ));

    // Damaged copies: a changed character in the content, in the clear part, truncated, not
    // JSON at all. Each is refused with a clear error, and creates nothing.
    let text = String::from_utf8(backup.clone()).unwrap();
    let content_at = text.find("\"content\": \"").unwrap() + 12 + 100;
    let mut flipped = backup.clone();
    flipped[content_at] = if flipped[content_at] == b'A' {
        b'B'
    } else {
        b'A'
    };
    let created_at = text.find("\"created\": \"").unwrap() + 12 + 3;
    let mut redated = backup.clone();
    redated[created_at] = if redated[created_at] == b'1' {
        b'2'
    } else {
        b'1'
    };
    let truncated = backup[..backup.len() / 2].to_vec();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("flipped content", flipped),
        ("changed clear part", redated),
        ("truncated", truncated),
        ("garbage", b"\x00\x01 not a backup".to_vec()),
    ];
    for (what, bytes) in cases {
        let target = dir.path().join(what.replace(' ', "-"));
        match Wallet::restore(&bytes, PASSPHRASE, &target) {
            Err(WalletError::BackupDamaged(reason)) => {
                assert!(!reason.to_string().is_empty(), "{what}");
            }
            other => panic!("{what}: {other:?}"),
        }
        assert!(!target.exists(), "{what}: nothing is created");
    }
}

/// Whether an error is sled's "could not acquire lock": the database a handle just dropped is
/// still held for a moment by sled's flusher thread.
fn held_by_a_closing_handle(e: &dyn std::fmt::Debug) -> bool {
    format!("{e:?}").contains("could not acquire lock")
}

/// `open()`'s answer once the database is no longer held by a handle that is closing (up to
/// 5 s), whatever that answer is.
fn reopen_result<T, E: std::fmt::Debug>(mut open: impl FnMut() -> Result<T, E>) -> Result<T, E> {
    for _ in 0..100 {
        match open() {
            Err(e) if held_by_a_closing_handle(&e) => {
                std::thread::sleep(std::time::Duration::from_millis(50))
            }
            other => return other,
        }
    }
    open()
}

/// Opens, waiting for a handle that is closing (see [`reopen_result`]).
fn reopen<T, E: std::fmt::Debug>(open: impl FnMut() -> Result<T, E>) -> T {
    reopen_result(open).unwrap()
}

#[tokio::test]
async fn damaged_database_records_are_refused_without_panic() {
    let world = World::new().await;
    let verifier = world.verifier(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w");
    let wallet = new_wallet(&path);
    let holder = holder_did(&wallet);
    let b = wallet
        .import(
            birth(&world.office, &holder, 10, Securing::DataIntegrity)
                .await
                .as_bytes(),
            &verifier,
            &ImportOptions::default(),
        )
        .await
        .unwrap();
    let m = wallet
        .import(
            marriage(&world.office, &holder, 20, Securing::DataIntegrity)
                .await
                .as_bytes(),
            &verifier,
            &ImportOptions::default(),
        )
        .await
        .unwrap();
    let originals = wallet.documents().unwrap();
    drop(wallet);

    // Through sled itself: a flipped bit in a sealed record, and two records swapped.
    {
        let db = reopen(|| sled::open(&path));
        let docs = db.open_tree("documents").unwrap();
        let mut value = docs.get(b.id.as_bytes()).unwrap().unwrap().to_vec();
        value[40] ^= 0x01;
        docs.insert(b.id.as_bytes(), value).unwrap();
        db.flush().unwrap();
    }
    let wallet = reopen(|| Wallet::open(&path, PASSPHRASE));
    match wallet.documents() {
        Err(WalletError::Corrupt { record, .. }) => {
            assert_eq!(record, format!("document {}", b.id))
        }
        other => panic!("{other:?}"),
    }
    drop(wallet);
    {
        let db = reopen(|| sled::open(&path));
        let docs = db.open_tree("documents").unwrap();
        let mv = docs.get(m.id.as_bytes()).unwrap().unwrap();
        docs.insert(b.id.as_bytes(), mv).unwrap();
        db.flush().unwrap();
    }
    let wallet = reopen(|| Wallet::open(&path, PASSPHRASE));
    assert!(
        matches!(wallet.documents(), Err(WalletError::Corrupt { .. })),
        "a moved record is refused"
    );
    drop(wallet);
    {
        let db = reopen(|| sled::open(&path));
        db.open_tree("meta")
            .unwrap()
            .insert(b"header", &b"{\"version\":1"[..])
            .unwrap();
        db.flush().unwrap();
    }
    assert!(matches!(
        reopen_result(|| Wallet::open(&path, PASSPHRASE)),
        Err(WalletError::Corrupt { record, .. }) if record == "wallet header"
    ));

    // Bytes flipped in the database file itself, at many places: whatever happens is an
    // error or a wallet whose every readable document is one of the originals — never a
    // panic, never altered content.
    let fresh = dir.path().join("fresh");
    let wallet = new_wallet(&fresh);
    let holder = holder_did(&wallet);
    for (i, doc) in [
        birth(&world.office, &holder, 10, Securing::DataIntegrity).await,
        marriage(&world.office, &holder, 20, Securing::VcJwt).await,
    ]
    .iter()
    .enumerate()
    {
        wallet
            .import(doc.as_bytes(), &verifier, &ImportOptions::default())
            .await
            .unwrap_or_else(|e| panic!("{i}: {e}"));
    }
    let originals = {
        let _ = originals;
        wallet.documents().unwrap()
    };
    drop(wallet);
    let db_file = std::fs::read(fresh.join("db")).unwrap();
    let copy_of_fresh = |name: &str| {
        let copy = dir.path().join(name);
        std::fs::create_dir(&copy).unwrap();
        for entry in std::fs::read_dir(&fresh).unwrap() {
            let entry = entry.unwrap();
            if entry.path().is_file() {
                std::fs::copy(entry.path(), copy.join(entry.file_name())).unwrap();
            }
        }
        copy
    };

    // A byte changed inside the first document's sealed record, in the file: sled drops that
    // record and everything after it as a torn write; the wallet's write counter (kept beside
    // the database) notices, and the wallet is refused.
    let sealed_first = {
        let db = reopen(|| sled::open(&fresh));
        let docs = db.open_tree("documents").unwrap();
        docs.get(originals[0].id.as_bytes())
            .unwrap()
            .unwrap()
            .to_vec()
    };
    let at = db_file
        .windows(64)
        .position(|w| w == &sealed_first[200..264])
        .expect("the sealed record is in the file");
    let copy = copy_of_fresh("targeted");
    let mut bytes = db_file.clone();
    bytes[at + 10] ^= 0x01;
    std::fs::write(copy.join("db"), &bytes).unwrap();
    match Wallet::open(&copy, PASSPHRASE) {
        // sled notices the damage itself...
        Err(WalletError::Database { reason, .. }) => {
            assert!(
                matches!(
                    reason,
                    DatabaseFailure::Damaged | DatabaseFailure::Unreadable
                ),
                "{reason}"
            );
            assert!(reason.to_string().contains("damaged"), "{reason}")
        }
        // ...or recovers the state before it, and the counter tells.
        Err(WalletError::Corrupt { record, reason }) => {
            assert_eq!(record, "database");
            assert!(reason.contains("restore a backup"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    // The control: an unchanged copy opens with every document.
    let copy = copy_of_fresh("unchanged");
    assert_eq!(
        Wallet::open(&copy, PASSPHRASE)
            .unwrap()
            .documents()
            .unwrap(),
        originals
    );
    // Without the counter file the wallet cannot vouch for itself either.
    let copy = copy_of_fresh("no-counter");
    std::fs::remove_file(copy.join("wallet.writes")).unwrap();
    assert!(matches!(
        Wallet::open(&copy, PASSPHRASE),
        Err(WalletError::Corrupt { record, .. }) if record == "wallet.writes"
    ));
    let mut refused = 0;
    let trials = 12;
    for t in 0..trials {
        let copy = copy_of_fresh(&format!("copy-{t}"));
        let mut bytes = db_file.clone();
        let at = (bytes.len() / trials) * t + bytes.len() / (2 * trials);
        for b in &mut bytes[at..(at + 16).min(db_file.len())] {
            *b ^= 0x5a;
        }
        std::fs::write(copy.join("db"), &bytes).unwrap();
        let outcome = std::panic::catch_unwind(|| {
            let w = Wallet::open(&copy, PASSPHRASE)?;
            w.documents()
        });
        match outcome {
            Err(_) => panic!("trial {t} (offset {at}): the wallet panicked"),
            Ok(Err(e)) => {
                eprintln!("trial {t} (offset {at}): {e}");
                refused += 1
            }
            Ok(Ok(docs)) => {
                for d in docs {
                    assert!(
                        originals.contains(&d),
                        "trial {t}: altered document {}",
                        d.id
                    );
                }
            }
        }
    }
    eprintln!("{refused} of {trials} damaged database files were refused outright");
}

#[tokio::test]
async fn every_damaged_copy_of_a_backup_is_refused_or_restores_the_same_wallet() {
    let world = World::new().await;
    let verifier = world.verifier(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let wallet = new_wallet(&dir.path().join("w"));
    let holder = holder_did(&wallet);
    wallet
        .import(
            birth(&world.office, &holder, 10, Securing::VcJwt)
                .await
                .as_bytes(),
            &verifier,
            &ImportOptions::default(),
        )
        .await
        .unwrap();
    let backup = wallet.backup().unwrap();
    let documents = wallet.documents().unwrap();
    // One byte changed at 300 places spread over the file (each a different bit pattern),
    // and 50 truncations: never a panic; a restore that succeeds (a change in JSON
    // whitespace, say) gives back exactly the same documents.
    let mut refused = 0;
    let mut cases: Vec<Vec<u8>> = Vec::new();
    for i in 0..300usize {
        let mut bytes = backup.clone();
        let at = i * backup.len() / 300;
        bytes[at] ^= 1 << (i % 8);
        cases.push(bytes);
    }
    for i in 0..50usize {
        cases.push(backup[..i * backup.len() / 50].to_vec());
    }
    for (i, bytes) in cases.iter().enumerate() {
        let target = dir.path().join(format!("r{i}"));
        match Wallet::restore(bytes, PASSPHRASE, &target) {
            Ok(restored) => assert_eq!(restored.documents().unwrap(), documents, "case {i}"),
            Err(_) => {
                refused += 1;
                assert!(
                    !target.exists(),
                    "case {i}: a refused restore creates nothing"
                );
            }
        }
    }
    assert!(
        refused >= 340,
        "only {refused} of 350 damaged copies were refused"
    );
}

#[test]
fn a_backup_clear_part_is_read_without_the_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let wallet = new_wallet(&dir.path().join("w"));
    let backup = wallet.backup().unwrap();
    let header = civitas_wallet::backup::inspect(&backup).unwrap();
    assert_eq!(header.kdf, wallet.kdf());
    assert!(header.unlock(PASSPHRASE, "backup").is_ok());

    let text = String::from_utf8(backup).unwrap();
    let cases = [
        ("not JSON", "{\"format\": ".to_owned(), "line 1"),
        (
            "another format",
            text.replace("civitas-wallet-backup", "civitas-wallet-bakup"),
            "`format`",
        ),
    ];
    for (what, bytes, needle) in cases {
        match civitas_wallet::backup::inspect(bytes.as_bytes()) {
            Err(WalletError::BackupDamaged(reason)) => {
                assert!(reason.to_string().contains(needle), "{what}: {reason}")
            }
            other => panic!("{what}: {other:?}"),
        }
    }
    let newer = text.replacen("\"version\": 1", "\"version\": 2", 1);
    assert!(matches!(
        civitas_wallet::backup::inspect(newer.as_bytes()),
        Err(WalletError::Version { found: 2, .. })
    ));
}

#[test]
fn a_backup_repeating_a_member_name_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let wallet = new_wallet(&dir.path().join("w"));
    let text = String::from_utf8(wallet.backup().unwrap()).unwrap();
    // Last-wins reading would take the genuine `format` and accept the file.
    let doubled = text.replacen('{', "{\"format\": \"something-else\", ", 1);
    match civitas_wallet::backup::inspect(doubled.as_bytes()) {
        Err(WalletError::BackupDamaged(reason)) => {
            assert!(
                matches!(&reason, BackupProblem::NotABackup(JsonError::DuplicateMember { pointer, .. })
                    if pointer == "/format"),
                "{reason:?}"
            );
            assert!(
                reason
                    .to_string()
                    .contains("duplicate member name at `/format`"),
                "{reason}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        Wallet::restore(doubled.as_bytes(), PASSPHRASE, &dir.path().join("r")),
        Err(WalletError::BackupDamaged(_))
    ));
}
