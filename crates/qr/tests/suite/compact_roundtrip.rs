//! The compact QR form (`civitas_qr::compact`): round trips over civitas' vectors and the
//! sample records, the payload budget, the fixed vectors of vectors/compact/, and the report a
//! compact credential gets from the checker.
//!
//! `CIVITAS_UPDATE_VECTORS=1 cargo test -p civitas-core --test compact_roundtrip` rewrites
//! vectors/compact/ (review the diff!).

use crate::common;

use civitas_core::credential::{Credential, CredentialBuilder};
use civitas_core::model::DocumentType;
use civitas_core::report::{CheckKind, Outcome, Verdict};
use civitas_core::verify::{DocumentCheck, VerifyOptions};
use civitas_keys::did::{ControllerDocument, ProofPurpose};
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::resolver::OfflineResolver;
use civitas_keys::signer::{LocalSigner, Signer};
use civitas_qr::compact::{self, CompactError, PREFIX, SECURED_WITH};
use civitas_testkit::samples;
use common::{TEST_TIME, json, test_p256_signer, test_signer, vectors};
use serde_json::{Value, json};

/// The payload budget: a typical birth certificate, compressed, before Base45. Typical: issued
/// by a civil-status office under its `did:web` (`#key-1`), with its revocation and suspension
/// entries, with or without the holder's `did:key`.
const BIRTH_BUDGET: usize = 400;

/// The ceiling for civitas' own vectors, which are the worst case: issuer and holder are both
/// `did:key`s, so two 32-byte public keys (one of them written twice in the kid) ride along.
const DID_KEY_CEILING: usize = 420;

fn credential(path: &str) -> Credential {
    Credential::from_value(json(path)).unwrap()
}

fn without_proof(c: &Credential) -> Value {
    c.unsecured()
}

fn status(n: u32, purpose: &str, list: u32) -> Value {
    let url = format!("https://registry.gov.example/status/{purpose}/{list}");
    json!({
        "id": format!("{url}#{n}"),
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": n.to_string(),
        "statusListCredential": url,
    })
}

fn issued((kind, subject): &(DocumentType, Value), signer: &LocalSigner) -> Credential {
    CredentialBuilder::new(signer.controller())
        .id("urn:uuid:6f0d8a52-3c1e-4b7a-9f2e-1d5c8b4a7e30")
        .valid_from(TEST_TIME.parse().unwrap())
        .status(status(94_567, "revocation", 1))
        .status(status(20_417, "suspension", 1))
        .document(kind, subject.clone())
        .build()
        .unwrap()
}

fn signer_for(path: &str) -> LocalSigner {
    if path.contains("p256") {
        test_p256_signer()
    } else {
        test_signer()
    }
}

const VECTORS: [&str; 4] = [
    "civitas/birth-certificate/signed-di.json",
    "civitas/birth-certificate/signed-di-p256.json",
    "civitas/marriage-certificate/signed-di.json",
    "civitas/marriage-certificate/signed-di-p256.json",
];

#[tokio::test]
async fn vectors_round_trip_exactly_and_stay_under_the_did_key_ceiling() {
    let resolver = OfflineResolver::new();
    for path in VECTORS {
        let original = credential(path);
        let signer = signer_for(path);
        let text = compact::encode(&original, &signer).await.unwrap();
        assert!(text.starts_with(PREFIX));
        let read = compact::decode(&text).unwrap();
        read.verify_signature(&resolver).await.unwrap();
        assert_eq!(read.kid(), signer.verification_method());
        assert_eq!(read.algorithm(), signer.algorithm());
        // Same claims, and even the same member order as civitas writes them.
        assert_eq!(
            read.to_credential_json(),
            without_proof(&original),
            "{path}"
        );
        assert_eq!(
            serde_json::to_string(read.credential_json()).unwrap(),
            serde_json::to_string(&without_proof(&original)).unwrap(),
            "{path}"
        );
        let sizes = read.sizes();
        println!(
            "{path}: claims {} B, COSE {} B, compressed {} B (did:key ceiling {DID_KEY_CEILING}), text {} chars",
            sizes.claims, sizes.cose, sizes.compressed, sizes.text
        );
        assert_eq!(sizes.text, text.len());
        assert!(
            sizes.compressed <= DID_KEY_CEILING,
            "{path}: {} bytes before Base45, over {DID_KEY_CEILING}",
            sizes.compressed
        );
    }
}

/// A civil-status office's signer: `did:web:registry.gov.example#key-1`.
fn office_signer() -> LocalSigner {
    LocalSigner::new(
        KeyPair::from_secret_bytes(KeyAlgorithm::Ed25519, &common::TEST_SEED).unwrap(),
        "did:web:registry.gov.example#key-1",
    )
}

#[tokio::test]
async fn typical_birth_certificates_fit_the_budget() {
    let holder = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
    let birth = samples::sample("birth", None);
    let with_holder = samples::sample("birth", Some(holder));
    let marriage = samples::sample("marriage", Some(holder));
    assert_eq!(marriage.1["spouses"][0]["id"], holder);
    for signer in [office_signer(), test_signer(), test_p256_signer()] {
        let plain = CredentialBuilder::new(signer.controller())
            .document(&birth.0, birth.1.clone())
            .build()
            .unwrap();
        for (name, c) in [
            ("birth, no status", plain),
            ("birth, status", issued(&birth, &signer)),
            ("birth, holder + status", issued(&with_holder, &signer)),
            ("marriage, holder + status", issued(&marriage, &signer)),
        ] {
            let text = compact::encode(&c, &signer).await.unwrap();
            let read = compact::decode(&text).unwrap();
            assert_eq!(read.to_credential_json(), *c.json(), "{name}");
            let s = read.sizes();
            let by = signer.verification_method();
            println!(
                "{name} ({}): claims {} B, COSE {} B, compressed {} B, text {} chars",
                &by[..by.len().min(24)],
                s.claims,
                s.cose,
                s.compressed,
                s.text
            );
            let ceiling = if by.starts_with("did:web:") {
                BIRTH_BUDGET
            } else {
                DID_KEY_CEILING
            };
            if name.starts_with("birth") {
                assert!(
                    s.compressed <= ceiling,
                    "{name} by {by}: {} bytes",
                    s.compressed
                );
            }
        }
    }
}

fn check_or_write(name: &str, content: &str) {
    let path = vectors().join("compact").join(name);
    if std::env::var("CIVITAS_UPDATE_VECTORS").is_ok() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with CIVITAS_UPDATE_VECTORS=1 to create)",
            path.display()
        )
    });
    assert_eq!(content, want, "{name} is no longer byte-identical");
}

#[tokio::test]
async fn fixed_vectors_are_reproduced_byte_for_byte() {
    // Ed25519 and RFC 6979 ECDSA are deterministic, and so is the compressor: the same
    // credential and key give the same text.
    let mut sets: Vec<(String, String)> = vec![
        (VECTORS[0].into(), "birth-certificate.txt".into()),
        (VECTORS[1].into(), "birth-certificate-p256.txt".into()),
        (VECTORS[2].into(), "marriage-certificate.txt".into()),
        (VECTORS[3].into(), "marriage-certificate-p256.txt".into()),
    ];
    // the five types added as profiles (vectors/civitas/<name>/, Ed25519)
    for name in [
        "death-certificate",
        "driving-licence",
        "academic-certificate",
        "payslip",
        "vaccination-certificate",
    ] {
        sets.push((
            format!("civitas/{name}/signed-di.json"),
            format!("{name}.txt"),
        ));
    }
    for (path, name) in sets {
        let (path, name) = (path.as_str(), name.as_str());
        let text = compact::encode(&credential(path), &signer_for(path))
            .await
            .unwrap();
        check_or_write(name, &format!("{text}\n"));
        // And a stored vector decodes to the credential it was made from.
        let stored = std::fs::read_to_string(vectors().join("compact").join(name)).unwrap();
        let read = compact::decode(&stored).unwrap();
        let unsigned = path.replace("signed-di", "unsigned");
        assert_eq!(read.to_credential_json(), json(&unsigned), "{name}");
    }
}

#[tokio::test]
async fn the_checker_reports_a_compact_credential_like_the_full_one() {
    let signer = test_signer();
    let text = compact::encode(&credential(VECTORS[0]), &signer)
        .await
        .unwrap();
    let report =
        compact::check_compact_text(&DocumentCheck::default(), &text, &VerifyOptions::default())
            .await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
    assert_eq!(report.secured_with.as_deref(), Some(SECURED_WITH));
    assert_eq!(
        report.id.as_deref(),
        Some("urn:uuid:6f0d8a52-3c1e-4b7a-9f2e-1d5c8b4a7e30")
    );
    assert_eq!(report.types, ["VerifiableCredential", "BirthCertificate"]);
    for check in [
        CheckKind::Syntax,
        CheckKind::Signature,
        CheckKind::IssuerBinding,
        CheckKind::ValidityPeriod,
        CheckKind::Schema,
    ] {
        assert!(
            matches!(report.outcome(check), Some(Outcome::Passed { .. })),
            "{check:?}: {report}"
        );
    }
    assert!(
        report
            .outcome(CheckKind::Signature)
            .unwrap()
            .text()
            .contains("COSE_Sign1 EdDSA")
    );

    // The full credential gets the same verdict and the same checks.
    let full = DocumentCheck::default()
        .verify(
            std::fs::read(vectors().join(VECTORS[0]))
                .unwrap()
                .as_slice(),
            &VerifyOptions::default(),
        )
        .await;
    assert_eq!(full.verdict, Verdict::Valid);
    let kinds =
        |r: &civitas_core::report::Report| r.checks.iter().map(|c| c.check).collect::<Vec<_>>();
    assert_eq!(kinds(&report), kinds(&full));
}

#[tokio::test]
async fn a_key_the_issuer_does_not_list_fails_issuer_binding() {
    // The issuer's did:web document lists key-1; the QR is signed by another key (a did:key),
    // which verifies on its own but is not the issuer's.
    let issuer_key = KeyPair::from_secret_bytes(KeyAlgorithm::Ed25519, &[7; 32]).unwrap();
    let issuer = "did:web:registry.gov.example";
    let mut doc = ControllerDocument::new(issuer);
    doc.add_key(
        "key-1",
        &issuer_key.public_key(),
        &[ProofPurpose::AssertionMethod],
    );
    let resolver = OfflineResolver::new().with(doc);
    let checker = DocumentCheck::new(
        civitas_jsonld::contexts::ContextLoader::bundled(),
        resolver.clone(),
    );
    let c = CredentialBuilder::new(issuer)
        .valid_from(TEST_TIME.parse().unwrap())
        .document(&samples::kind("birth"), samples::sample("birth", None).1)
        .build()
        .unwrap();

    let good = LocalSigner::new(issuer_key, format!("{issuer}#key-1"));
    let text = compact::encode(&c, &good).await.unwrap();
    let report = compact::check_compact_text(&checker, &text, &VerifyOptions::default()).await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");

    let intruder = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
    let text = compact::encode(&c, &intruder).await.unwrap();
    let read = compact::decode(&text).unwrap();
    read.verify_signature(&resolver).await.unwrap();
    let report = compact::check_compact(&checker, &read, &VerifyOptions::default()).await;
    assert_eq!(report.verdict, Verdict::Invalid);
    assert!(matches!(
        report.outcome(CheckKind::Signature),
        Some(Outcome::Passed { .. })
    ));
    let binding = report.outcome(CheckKind::IssuerBinding).unwrap();
    assert!(binding.is_failed(), "{report}");
    assert!(binding.text().contains("not controlled by"), "{binding:?}");

    // A key the issuer lists, but not for assertionMethod.
    let auth_key = KeyPair::generate(KeyAlgorithm::Ed25519);
    let mut doc = ControllerDocument::new(issuer);
    doc.add_key(
        "auth",
        &auth_key.public_key(),
        &[ProofPurpose::Authentication],
    );
    let checker = DocumentCheck::new(
        civitas_jsonld::contexts::ContextLoader::bundled(),
        OfflineResolver::new().with(doc),
    );
    let text = compact::encode(&c, &LocalSigner::new(auth_key, format!("{issuer}#auth")))
        .await
        .unwrap();
    let report = compact::check_compact_text(&checker, &text, &VerifyOptions::default()).await;
    assert!(
        report
            .outcome(CheckKind::IssuerBinding)
            .unwrap()
            .is_failed()
    );
}

#[tokio::test]
async fn unknown_keys_and_wrong_algorithms_fail_the_signature_check() {
    let c = credential(VECTORS[0]);
    let issuer = "did:web:registry.gov.example";
    let key = KeyPair::generate(KeyAlgorithm::Ed25519);
    let text = compact::encode(&c, &LocalSigner::new(key, format!("{issuer}#key-1")))
        .await
        .unwrap();
    let read = compact::decode(&text).unwrap();
    assert!(matches!(
        read.verify_signature(&OfflineResolver::new()).await,
        Err(CompactError::Resolve { .. })
    ));
    // The issuer pins a P-256 key under the kid the EdDSA message names.
    let mut doc = ControllerDocument::new(issuer);
    doc.add_key(
        "key-1",
        &KeyPair::generate(KeyAlgorithm::P256).public_key(),
        &[ProofPurpose::AssertionMethod],
    );
    assert!(matches!(
        read.verify_signature(&OfflineResolver::new().with(doc))
            .await,
        Err(CompactError::AlgorithmMismatch { .. })
    ));
    // Same kid, another Ed25519 key: the signature does not verify.
    let mut doc = ControllerDocument::new(issuer);
    doc.add_key(
        "key-1",
        &KeyPair::generate(KeyAlgorithm::Ed25519).public_key(),
        &[ProofPurpose::AssertionMethod],
    );
    let err = read
        .verify_signature(&OfflineResolver::new().with(doc))
        .await
        .unwrap_err();
    assert!(matches!(err, CompactError::BadSignature { .. }));
    assert!(err.to_string().contains("altered or signed by another key"));
}

#[tokio::test]
async fn an_expired_compact_credential_fails_validity() {
    let signer = test_signer();
    let c = CredentialBuilder::new(signer.controller())
        .valid_from("2020-01-01T00:00:00Z".parse().unwrap())
        .valid_until("2021-01-01T00:00:00Z".parse().unwrap())
        .document(&samples::kind("birth"), samples::sample("birth", None).1)
        .build()
        .unwrap();
    let text = compact::encode(&c, &signer).await.unwrap();
    let report =
        compact::check_compact_text(&DocumentCheck::default(), &text, &VerifyOptions::default())
            .await;
    assert_eq!(report.verdict, Verdict::Invalid);
    let validity = report.outcome(CheckKind::ValidityPeriod).unwrap();
    assert!(validity.text().contains("expired on 2021-01-01T00:00:00Z"));
}

/// Decodes and verifies; `Ok` only if everything passes.
async fn accept(text: &str) -> Result<Value, String> {
    let read = compact::decode(text).map_err(|e| e.to_string())?;
    read.verify_signature(&OfflineResolver::new())
        .await
        .map_err(|e| e.to_string())?;
    Ok(read.to_credential_json())
}

#[tokio::test]
async fn every_single_bit_flip_after_the_prefix_is_refused() {
    for path in [VECTORS[0], VECTORS[1]] {
        let text = compact::encode(&credential(path), &signer_for(path))
            .await
            .unwrap();
        assert!(accept(&text).await.is_ok());
        // In the binary payload (re-encoded as Base45: a valid text with one bit changed).
        let bytes = compact::base45::decode(&text[PREFIX.len()..]).unwrap();
        let mut reasons = std::collections::BTreeMap::<String, usize>::new();
        for bit in 0..bytes.len() * 8 {
            let mut bad = bytes.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            let forged = format!("{PREFIX}{}", compact::base45::encode(&bad));
            match accept(&forged).await {
                Ok(_) => panic!("{path}: flipping payload bit {bit} went unnoticed"),
                Err(e) => {
                    let kind: String = e
                        .split(|c: char| !c.is_ascii_alphabetic() && c != ' ')
                        .next()
                        .unwrap_or_default()
                        .split(' ')
                        .take(5)
                        .collect::<Vec<_>>()
                        .join(" ");
                    *reasons.entry(kind).or_default() += 1;
                }
            }
        }
        println!("{path}: {} bit flips refused: {reasons:?}", bytes.len() * 8);
        // In the text itself.
        for i in PREFIX.len()..text.len() {
            for bit in 0..7 {
                let mut t = text.clone().into_bytes();
                t[i] ^= 1 << bit;
                let Ok(forged) = String::from_utf8(t) else {
                    continue;
                };
                assert!(
                    accept(&forged).await.is_err(),
                    "{path}: flipping bit {bit} of character {i} went unnoticed"
                );
            }
        }
    }
}

#[tokio::test]
async fn credentials_without_a_compact_form_are_refused_with_the_member() {
    let signer = test_signer();
    let base = without_proof(&credential(VECTORS[0]));
    type Patch = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Patch)> = vec![
        ("/name", Box::new(|v| v["name"] = json!("Extract"))),
        (
            "/credentialSubject/eyeColour",
            Box::new(|v| v["credentialSubject"]["eyeColour"] = json!("brown")),
        ),
        (
            "/credentialSubject/mother/nationalId",
            Box::new(|v| v["credentialSubject"]["mother"]["nationalId"] = json!(12)),
        ),
        (
            "/issuer",
            Box::new(|v| v["issuer"] = json!({"id": v["issuer"].clone(), "name": "Registry"})),
        ),
        (
            "/credentialStatus/0/statusSize",
            Box::new(|v| v["credentialStatus"][0]["statusSize"] = json!(2)),
        ),
        (
            "/credentialSchema",
            Box::new(|v| v["credentialSchema"]["id"] = json!("https://example.org/s.json")),
        ),
    ];
    for (pointer, patch) in cases {
        let mut doc = base.clone();
        patch(&mut doc);
        let c = Credential::from_value(doc).unwrap();
        match compact::encode(&c, &signer).await {
            Err(CompactError::NotRepresentable { pointer: p, .. }) => assert_eq!(p, pointer),
            other => panic!("{pointer}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn odd_but_valid_values_round_trip_as_text() {
    // Values that have a binary form only when it gives back the same text: a non-UUID id,
    // fractional seconds, an explicit offset, a status entry without id, an unknown purpose,
    // an index with a leading zero, three entries sharing a list.
    let signer = test_signer();
    let mut doc = without_proof(&credential(VECTORS[0]));
    doc["id"] = json!("https://registry.gov.example/credentials/PW-B-2024-001234");
    doc["validFrom"] = json!("2026-01-15T09:00:00.250Z");
    doc["validUntil"] = json!("2126-01-15T13:00:00+04:00");
    doc["credentialSubject"]["birthTime"] = json!("14:35:00.5");
    doc["credentialStatus"] = json!([
        {
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "0042",
            "statusListCredential": "https://registry.gov.example/status/1"
        },
        {
            "id": "urn:example:entry",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "suspension",
            "statusListIndex": "7",
            "statusListCredential": "https://registry.gov.example/status/1"
        },
        {
            "id": "https://registry.gov.example/status/1#8",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "custom",
            "statusListIndex": "8",
            "statusListCredential": "https://registry.gov.example/status/1"
        }
    ]);
    let c = Credential::from_value(doc.clone()).unwrap();
    let text = compact::encode(&c, &signer).await.unwrap();
    assert_eq!(accept(&text).await.unwrap(), doc);
}

#[tokio::test]
async fn garbage_text_gives_typed_errors() {
    type Expect = fn(&CompactError) -> bool;
    let cases: [(&str, Expect); 8] = [
        ("", |e| matches!(e, CompactError::Prefix { .. })),
        ("HC1:6BFOXN", |e| matches!(e, CompactError::Prefix { .. })),
        (
            "CV2:ABC",
            |e| matches!(e, CompactError::Version { version } if version == "CV2:"),
        ),
        ("CV1:abc", |e| matches!(e, CompactError::Base45(_))),
        ("CV1:A", |e| matches!(e, CompactError::Base45(_))),
        ("CV1:", |e| matches!(e, CompactError::Inflate(_))),
        ("CV1:BB8", |e| matches!(e, CompactError::Inflate(_))),
        (
            "CV1:..................................................................",
            |e| matches!(e, CompactError::Base45(_) | CompactError::Inflate(_)),
        ),
    ];
    for (text, ok) in cases {
        let err = compact::decode(text).unwrap_err();
        assert!(ok(&err), "{text:?}: {err:?}");
        assert!(!err.to_string().is_empty());
    }
    let long = format!("CV1:{}", "0".repeat(compact::MAX_TEXT_CHARS));
    assert!(matches!(
        compact::decode(&long),
        Err(CompactError::TooLong { .. })
    ));
    // Valid layers around a payload that is not a COSE message, or not our claims.
    let wrap = |bytes: &[u8]| {
        format!(
            "{PREFIX}{}",
            compact::base45::encode(&compact::deflate::compress(bytes).unwrap())
        )
    };
    assert!(matches!(
        compact::decode(&wrap(b"\xa0")),
        Err(CompactError::Cose(_))
    ));
    let protected = compact::cose::protected_header(KeyAlgorithm::Ed25519, "did:key:z#z").unwrap();
    let not_claims = compact::cose::sign1(&protected, b"\x80", &[0; 64]).unwrap();
    assert!(matches!(
        compact::decode(&wrap(&not_claims)),
        Err(CompactError::Claims { .. })
    ));
    let unknown_type = compact::cose::sign1(&protected, b"\xa1\x01\x09", &[0; 64]).unwrap();
    let err = compact::decode(&wrap(&unknown_type)).unwrap_err();
    assert!(
        err.to_string().contains("unknown document type code 9"),
        "{err}"
    );
}

#[test]
fn line_breaks_around_the_text_are_ignored() {
    let text = std::fs::read_to_string(vectors().join("compact/birth-certificate.txt")).unwrap();
    assert!(text.ends_with('\n'));
    let read = compact::decode(&format!("\r\n{text}\r\n")).unwrap();
    assert_eq!(read.document_type().as_str(), "BirthCertificate");
    assert!(compact::looks_like_compact(&text));
    assert!(!compact::looks_like_compact("{\"@context\": []}"));
}
