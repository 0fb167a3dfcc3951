//! Every bundled document type goes through the README tour's steps, over HTTPS, with real
//! components: issued from its profile's sample record at `POST /documents/{type}` for a
//! citizen's wallet, printed (PDF) with its QR code, imported into the wallet, presented to a
//! bank whose verifier has only an offline bundle (valid), its QR code verified offline
//! (valid), then revoked: the same presentation and QR code say *revoked*.

use std::net::SocketAddr;
use std::time::Duration;

use civitas_core::model::{DocumentType, sample};
use civitas_core::report::{CheckKind, Report, Verdict};
use civitas_issuer::launch::launch;
use civitas_issuer::{DidMethod, IssuerConfig, PassphraseSource};
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::sealed::KdfParams;
use civitas_keys::signer::LocalSigner;
use civitas_verifier::VerifyOptions;
use civitas_verifier::trust::{TrustAnchor, TrustList, TrustListSigning, TrustedIssuer};
use civitas_wallet::{ImportOptions, ShareRequest, Wallet};
use serde_json::{Value, json};

use crate::common::{free_port, verifier};

fn failed(report: &Report, kind: CheckKind) -> bool {
    report
        .checks
        .iter()
        .any(|c| c.check == kind && c.outcome.is_failed())
        || report.credentials.iter().any(|r| failed(r, kind))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bundled_type_goes_through_the_tour() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let wallet = Wallet::create(&dir.join("wallet"), b"citizen", KdfParams::testing()).unwrap();
    let holder = wallet.holder_keys().unwrap()[0].did.clone();

    let port = free_port();
    let base = format!("https://127.0.0.1:{port}");
    let config = IssuerConfig::new(dir.join("registry"), &base)
        .did_method(DidMethod::Web)
        .passphrase(PassphraseSource::Value("registry".to_owned().into()))
        .kdf(KdfParams::testing());
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let launched = launch(config, addr).await.expect("issuer starts");
    let issuer = launched.issuer.clone();
    let admin = launched.opened.admin_token.clone().unwrap();
    let cert_pem = std::fs::read(launched.self_signed_cert.clone().unwrap()).unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(launched.serve(async {
        let _ = stop_rx.await;
    }));
    let https = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&cert_pem).unwrap()])
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();

    // The issuer says which types it issues, each with its profile's digest.
    let listed: Value = https
        .get(format!("{base}/profiles"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // (other tests of this binary may have loaded profiles of their own)
    let kinds: Vec<DocumentType> = DocumentType::all()
        .into_iter()
        .filter(|k| k.profile().is_some_and(|p| p.bundled))
        .collect();
    assert_eq!(kinds.len(), 7, "{listed}");
    for kind in &kinds {
        let entry = listed["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["type"] == kind.as_str())
            .unwrap_or_else(|| panic!("{kind} listed: {listed}"));
        assert!(entry["digest"].as_str().unwrap().starts_with("sha256:"));
        for part in ["context", "schema"] {
            let r = https
                .get(format!(
                    "{base}/profiles/{}/{part}",
                    entry["name"].as_str().unwrap()
                ))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{kind} {part}");
        }
    }

    // Issue one of each for the citizen, over HTTPS, from its profile's sample record.
    let mut issued = Vec::new();
    for (i, kind) in kinds.iter().enumerate() {
        let known = kind.profile().unwrap();
        let mut record = sample(kind).unwrap();
        known.profile.set_holder(&mut record, Some(&holder));
        record["sourceRecordId"] = json!(format!("tour-{i}"));
        let name = known.name();
        let response = https
            .post(format!("{base}/documents/{name}"))
            .bearer_auth(&admin)
            .json(&record)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 201, "{kind}: {body}");
        let id = body["credentialId"].as_str().unwrap().to_owned();
        // validity: a type with a validity period expires, the others do not
        let vc = &body["verifiableCredential"];
        assert_eq!(
            vc.get("validUntil").is_some(),
            known.profile.document.valid_for.is_some(),
            "{kind}: {vc}"
        );
        issued.push((kind.clone(), id, vc.to_string()));
    }
    // an unknown type is a 404 that names the list
    let r = https
        .post(format!("{base}/documents/building-permit"))
        .bearer_auth(&admin)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // The ministry's trust list: this registry, for every bundled type.
    let did_document: Value = https
        .get(format!("{base}/.well-known/did.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ministry = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
    let anchor = TrustAnchor::did(ministry.controller());
    let mut trust = TrustList::new("every bundled document type");
    trust
        .add(
            TrustedIssuer::new(issuer.did(), kinds.iter().map(DocumentType::as_str))
                .with_document(serde_json::from_value(did_document).unwrap()),
        )
        .unwrap();
    let trust = trust
        .sign(&ministry, &TrustListSigning::default())
        .await
        .unwrap();
    let bank = verifier(&cert_pem, &anchor, trust.as_bytes(), &base).await;

    let mut shared = Vec::new();
    for (kind, id, credential) in &issued {
        // printed, with its QR code
        let pdf = https
            .get(format!("{base}/credentials/{id}/certificate?format=pdf"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(pdf.status(), 200, "{kind}");
        assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"), "{kind}");
        let qr = https
            .get(format!("{base}/credentials/{id}/qr"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        println!("{kind}: CV1 {} characters", qr.len());
        assert!(qr.len() <= 600, "{kind}: CV1 is {} characters", qr.len());
        let report = bank.verify(qr.as_bytes(), &VerifyOptions::default()).await;
        assert_eq!(report.verdict, Verdict::Valid, "{kind} QR: {report}");
        assert_eq!(
            report.about.description.as_deref(),
            Some(
                kind.profile()
                    .unwrap()
                    .profile
                    .summary(
                        &serde_json::from_str::<Value>(credential).unwrap()["credentialSubject"],
                        "en"
                    )
                    .as_str()
            ),
            "{kind}"
        );

        // into the wallet, then presented to the bank
        let stored = wallet
            .import(credential.as_bytes(), &bank, &ImportOptions::default())
            .await
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
        let presentation = wallet
            .present(&ShareRequest {
                documents: vec![stored.id.clone()],
                challenge: format!("bank-{id}"),
                domain: "https://bank.example".into(),
                recipient: Some("Bank".into()),
                holder: None,
            })
            .await
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
        let asked = VerifyOptions {
            challenge: Some(format!("bank-{id}")),
            domain: Some("https://bank.example".into()),
            ..VerifyOptions::default()
        };
        let report = bank.verify(presentation.payload.as_bytes(), &asked).await;
        assert_eq!(report.verdict, Verdict::Valid, "{kind}: {report}");
        shared.push((kind.clone(), id.clone(), qr, presentation.payload, asked));
    }

    // Revoke each; with a fresh bundle, the presentation and the QR code say revoked.
    for (_, id, ..) in &shared {
        let r: Value = https
            .post(format!("{base}/credentials/status"))
            .bearer_auth(&admin)
            .json(&json!({"credentialId": id, "action": "revoke", "reason": "tour"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(r["revoked"], true, "{r}");
    }
    let bank = verifier(&cert_pem, &anchor, trust.as_bytes(), &base).await;
    for (kind, _, qr, presentation, asked) in &shared {
        let report = bank.verify(presentation.as_bytes(), asked).await;
        assert_eq!(report.verdict, Verdict::Invalid, "{kind}: {report}");
        assert!(failed(&report, CheckKind::Revocation), "{kind}: {report}");
        let report = bank.verify(qr.as_bytes(), &VerifyOptions::default()).await;
        assert!(
            failed(&report, CheckKind::Revocation),
            "{kind} QR: {report}"
        );
    }

    let _ = stop_tx.send(());
    server.await.unwrap().unwrap();
}

/// A document type written only for this test (unknown to civitas' code and bundled
/// profiles) goes the whole way: the issuer loads it from its profile directory, issues it over
/// HTTPS and from a CSV export through a mapping, prints it; the ministry pins it in the trust
/// list; the bank's bundle carries it, so the bank's verifier learns it; the citizen's wallet
/// stores and presents it; valid offline; revoked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_written_for_the_test_goes_from_a_csv_export_to_revoked() {
    use civitas_infohighway::{
        FileFormat, IngestOptions, Mapping, NoProgress, ingest_file, mappings,
    };
    use civitas_verifier::Verifier;
    use civitas_verifier::bundle::BundleBuilder;
    use civitas_verifier::online::{HttpFetcher, OnlineConfig};
    use std::sync::Arc;

    const TYPE: &str = "E2eBurialPermit";
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let data = dir.join("registry");
    std::fs::create_dir_all(data.join("profiles")).unwrap();
    let profile_text = civitas_testkit::samples::test_profile(TYPE, 230);
    std::fs::write(data.join("profiles/burial-permit.toml"), &profile_text).unwrap();

    let wallet = Wallet::create(&dir.join("wallet"), b"citizen", KdfParams::testing()).unwrap();
    let holder = wallet.holder_keys().unwrap()[0].did.clone();

    // The issuer, with the profile in its data directory.
    let port = free_port();
    let base = format!("https://127.0.0.1:{port}");
    let config = IssuerConfig::new(&data, &base)
        .did_method(DidMethod::Web)
        .passphrase(PassphraseSource::Value("registry".to_owned().into()))
        .kdf(KdfParams::testing());
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let launched = launch(config, addr).await.expect("issuer starts");
    let issuer = launched.issuer.clone();
    let admin = launched.opened.admin_token.clone().unwrap();
    let cert_pem = std::fs::read(launched.self_signed_cert.clone().unwrap()).unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(launched.serve(async {
        let _ = stop_rx.await;
    }));
    let https = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&cert_pem).unwrap()])
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let kind = DocumentType::named(TYPE).expect("the issuer loaded the profile");
    let known = kind.profile().unwrap();
    assert!(!known.bundled);

    // Issued over HTTPS for the citizen ...
    let mut record = sample(&kind).unwrap();
    known.profile.set_holder(&mut record, Some(&holder));
    record["sourceRecordId"] = json!("BP-2026-1");
    let response = https
        .post(format!("{base}/documents/{}", known.name()))
        .bearer_auth(&admin)
        .json(&record)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let issued: Value = response.json().await.unwrap();
    let id = issued["credentialId"].as_str().unwrap().to_owned();
    let credential = issued["verifiableCredential"].to_string();

    // ... and from a CSV export, through a mapping that targets the new type.
    let mapping = mappings::CSV_DEATH.replace(
        "document = \"DeathCertificate\"",
        &format!("document = \"{TYPE}\""),
    );
    assert_ne!(mapping, mappings::CSV_DEATH);
    let mapping = Arc::new(Mapping::parse("burial-permits.toml", &mapping).unwrap());
    let csv = dir.join("burial-permits.csv");
    std::fs::write(&csv, mappings::CSV_DEATH_SAMPLE).unwrap();
    let summary = ingest_file(
        &issuer,
        &csv,
        FileFormat::Csv,
        mapping,
        &IngestOptions::default().report(dir.join("report.json")),
        &NoProgress,
    )
    .await
    .expect("ingestion");
    assert_eq!(summary.counts.rejected, 0, "{summary:?}");
    assert_eq!(summary.counts.issued, 3, "{summary:?}");

    // Printed, with its QR code.
    let pdf = https
        .get(format!("{base}/credentials/{id}/certificate?format=pdf"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let qr = https
        .get(format!("{base}/credentials/{id}/qr"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(qr.starts_with("CV1:"), "{qr}");

    // The ministry pins the profile (and its context) for this registry.
    let did_document: Value = https
        .get(format!("{base}/.well-known/did.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ministry = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
    let anchor = TrustAnchor::did(ministry.controller());
    let mut trust = TrustList::new("burial permits");
    trust
        .add(
            TrustedIssuer::new(issuer.did(), Vec::<String>::new())
                .with_profile(&known)
                .unwrap()
                .with_document(serde_json::from_value(did_document).unwrap()),
        )
        .unwrap();
    let trust = trust
        .sign(&ministry, &TrustListSigning::default())
        .await
        .unwrap();

    // The bank's bundle carries the profile; its verifier learns the type from it.
    // (a new fetcher each night: no HTTP cache from the night before)
    let bundle = |trust: Vec<u8>| {
        let anchor = anchor.clone();
        let base = base.clone();
        let fetcher = HttpFetcher::new(OnlineConfig {
            root_certificates_pem: vec![cert_pem.clone()],
            ..OnlineConfig::default()
        })
        .unwrap();
        async move {
            BundleBuilder::new(vec![anchor])
                .trust_list(trust)
                .fetch_status_list(&fetcher, &format!("{base}/status/revocation/1"))
                .await
                .unwrap()
                .fetch_status_list(&fetcher, &format!("{base}/status/suspension/1"))
                .await
                .unwrap()
                .build()
                .await
                .unwrap()
        }
    };
    let before = bundle(trust.as_bytes().to_vec()).await;
    assert_eq!(before.profiles.len(), 1);
    assert_eq!(before.profiles[0].text, profile_text);
    let bank = Verifier::from_bundle(&before, vec![anchor.clone()], Duration::from_secs(3_600))
        .await
        .unwrap();

    // The wallet stores it and presents it; valid offline, file and QR code.
    let stored = wallet
        .import(credential.as_bytes(), &bank, &ImportOptions::default())
        .await
        .expect("import");
    let presentation = wallet
        .present(&ShareRequest {
            documents: vec![stored.id.clone()],
            challenge: "bank-bp".into(),
            domain: "https://bank.example".into(),
            recipient: Some("Bank".into()),
            holder: None,
        })
        .await
        .expect("present");
    let asked = VerifyOptions {
        challenge: Some("bank-bp".into()),
        domain: Some("https://bank.example".into()),
        ..VerifyOptions::default()
    };
    let report = bank.verify(presentation.payload.as_bytes(), &asked).await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
    let report = bank.verify(qr.as_bytes(), &VerifyOptions::default()).await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
    assert_eq!(
        report.about.description.as_deref(),
        Some("Burial permit for Paul Lebon, died 2025-11-20")
    );

    // Revoked: with a fresh bundle, the presentation and the QR code say so.
    let r: Value = https
        .post(format!("{base}/credentials/status"))
        .bearer_auth(&admin)
        .json(&json!({"credentialId": id, "action": "revoke", "reason": "test"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["revoked"], true, "{r}");
    let after = bundle(trust.as_bytes().to_vec()).await;
    let bank = Verifier::from_bundle(&after, vec![anchor.clone()], Duration::from_secs(3_600))
        .await
        .unwrap();
    let report = bank.verify(presentation.payload.as_bytes(), &asked).await;
    assert_eq!(report.verdict, Verdict::Invalid, "{report}");
    assert!(failed(&report, CheckKind::Revocation), "{report}");
    let report = bank.verify(qr.as_bytes(), &VerifyOptions::default()).await;
    assert!(failed(&report, CheckKind::Revocation), "{report}");

    let _ = stop_tx.send(());
    server.await.unwrap().unwrap();
}
