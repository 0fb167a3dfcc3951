//! Every rejection, each built to fail one check, with the error it must give.

use crate::common;

use chrono::{Duration, Utc};
use civitas_core::credential::{CredentialBuilder, format_datetime};
use civitas_core::data_integrity::{self, ProofOptions};
use civitas_core::report::{CheckKind, Outcome, Report, Verdict};
use civitas_core::secure::{SecureError, Securing, secure_credential};
use civitas_core::verify::{DocumentCheck, VerifyOptions};
use civitas_jsonld::contexts::ContextLoader;
use civitas_keys::did::{ControllerDocument, ProofPurpose, did_web};
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::resolver::OfflineResolver;
use civitas_keys::signer::LocalSigner;
use civitas_testkit::samples;
use common::{json, test_signer};
use serde_json::{Value, json};

async fn verify(doc: &str) -> Report {
    DocumentCheck::default()
        .verify(doc.as_bytes(), &VerifyOptions::default())
        .await
}

fn failed(report: &Report, check: CheckKind) -> String {
    match report.outcome(check) {
        Some(Outcome::Failed { reason }) => reason.clone(),
        other => panic!("expected {check:?} to fail, got {other:?}\n{report}"),
    }
}

fn passed(report: &Report, check: CheckKind) {
    assert!(
        matches!(report.outcome(check), Some(Outcome::Passed { .. })),
        "expected {check:?} to pass\n{report}"
    );
}

/// Every JSON pointer to a leaf (string, number, bool) outside the proof.
fn leaves(v: &Value, pointer: String, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, child) in o {
                if pointer.is_empty() && k == "proof" {
                    continue;
                }
                leaves(
                    child,
                    format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                leaves(child, format!("{pointer}/{i}"), out);
            }
        }
        _ => out.push(pointer),
    }
}

fn tamper(v: &Value) -> Value {
    match v {
        Value::String(s) if s.len() > 1 => {
            // Change one character in the middle, keeping the shape (dates stay dates).
            let mut chars: Vec<char> = s.chars().collect();
            let i = chars.len() / 2;
            chars[i] = match chars[i] {
                '0'..='8' => char::from(chars[i] as u8 + 1),
                '9' => '0',
                'a' => 'b',
                _ => 'a',
            };
            Value::String(chars.into_iter().collect())
        }
        Value::String(_) => Value::String("Z".into()),
        other => json!(format!("{other}x")),
    }
}

#[tokio::test]
async fn every_leaf_of_the_birth_certificate_is_protected() {
    let signed = json("civitas/birth-certificate/signed-di.json");
    assert_eq!(verify(&signed.to_string()).await.verdict, Verdict::Valid);
    let mut pointers = Vec::new();
    leaves(&signed, String::new(), &mut pointers);
    assert!(pointers.len() > 40, "{}", pointers.len());
    for p in &pointers {
        let mut doc = signed.clone();
        let leaf = doc.pointer_mut(p).unwrap();
        let changed = tamper(leaf);
        assert_ne!(*leaf, changed, "{p}");
        *leaf = changed;
        let report = verify(&doc.to_string()).await;
        assert_eq!(
            report.verdict,
            Verdict::Invalid,
            "tampering {p} went unnoticed\n{report}"
        );
        // Either the signature fails, or the tampering broke the data model before that; a
        // changed context URL is one civitas does not have, so the signature cannot be checked
        // (the schema fails it).
        let sig = report.outcome(CheckKind::Signature);
        let syntax = report.outcome(CheckKind::Syntax);
        let unknown_context = p.starts_with("/@context/")
            && matches!(sig, Some(Outcome::Indeterminate { .. }))
            && report
                .outcome(CheckKind::Schema)
                .is_some_and(Outcome::is_failed);
        assert!(
            sig.is_some_and(Outcome::is_failed)
                || syntax.is_some_and(Outcome::is_failed)
                || unknown_context,
            "{p}\n{report}"
        );
    }
}

#[tokio::test]
async fn tampered_name_says_the_signature_does_not_match() {
    let mut doc = json("civitas/birth-certificate/signed-di.json");
    doc["credentialSubject"]["givenName"] = json!("Marie-Claude");
    let report = verify(&doc.to_string()).await;
    assert!(failed(&report, CheckKind::Signature).contains("does not match"));
    passed(&report, CheckKind::IssuerBinding);
}

#[tokio::test]
async fn wrong_key_is_rejected() {
    let mut doc = json("civitas/birth-certificate/signed-di.json");
    let other =
        civitas_keys::did::did_key_method(&KeyPair::generate(KeyAlgorithm::Ed25519).public_key());
    doc["proof"]["verificationMethod"] = json!(other);
    let report = verify(&doc.to_string()).await;
    failed(&report, CheckKind::Signature);
    assert!(failed(&report, CheckKind::IssuerBinding).contains("not controlled by"));
}

fn web_issuer() -> (String, KeyPair, KeyPair, OfflineResolver) {
    let did = did_web("registry.gov.example", &[]).unwrap();
    let key1 = KeyPair::generate(KeyAlgorithm::Ed25519);
    let key2 = KeyPair::generate(KeyAlgorithm::Ed25519);
    let mut doc = ControllerDocument::new(&did);
    doc.add_key(
        "key-1",
        &key1.public_key(),
        &[ProofPurpose::AssertionMethod],
    );
    doc.add_key("key-2", &key2.public_key(), &[ProofPurpose::Authentication]);
    (did, key1, key2, OfflineResolver::new().with(doc))
}

fn birth_for(issuer: &str) -> Value {
    CredentialBuilder::new(issuer)
        .document(&samples::kind("birth"), samples::sample("birth", None).1)
        .build()
        .unwrap()
        .into_json()
}

#[tokio::test]
async fn did_web_issuer_with_its_own_key_is_accepted() {
    let (did, key1, _, resolver) = web_issuer();
    let signer = LocalSigner::new(key1, format!("{did}#key-1"));
    let signed = secure_credential(
        &birth_for(&did),
        &signer,
        Securing::DataIntegrity,
        &ProofOptions::default(),
        &ContextLoader::bundled(),
    )
    .await
    .unwrap();
    let report = DocumentCheck::new(ContextLoader::bundled(), resolver)
        .verify(signed.as_bytes(), &VerifyOptions::default())
        .await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
}

#[tokio::test]
async fn did_web_issuer_signed_by_an_unrelated_did_key_is_rejected() {
    let (did, _, _, resolver) = web_issuer();
    let rogue = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
    // The facade refuses to sign for someone else...
    let refused = secure_credential(
        &birth_for(&did),
        &rogue,
        Securing::DataIntegrity,
        &ProofOptions::default(),
        &ContextLoader::bundled(),
    )
    .await;
    assert!(matches!(refused, Err(SecureError::NotTheIssuer { .. })));
    // ...but an attacker can build the proof directly: the signature is fine, the binding is not.
    let forged = data_integrity::add_proof(
        &birth_for(&did),
        &rogue,
        &ProofOptions::default(),
        &ContextLoader::bundled(),
    )
    .await
    .unwrap();
    let report = DocumentCheck::new(ContextLoader::bundled(), resolver)
        .verify(forged.to_string().as_bytes(), &VerifyOptions::default())
        .await;
    passed(&report, CheckKind::Signature);
    let reason = failed(&report, CheckKind::IssuerBinding);
    assert!(
        reason.contains("not controlled by did:web:registry.gov.example"),
        "{reason}"
    );
}

#[tokio::test]
async fn key_outside_assertion_method_is_rejected() {
    let (did, _, key2, resolver) = web_issuer();
    let signer = LocalSigner::new(key2, format!("{did}#key-2"));
    let signed = secure_credential(
        &birth_for(&did),
        &signer,
        Securing::DataIntegrity,
        &ProofOptions::default(),
        &ContextLoader::bundled(),
    )
    .await
    .unwrap();
    let report = DocumentCheck::new(ContextLoader::bundled(), resolver)
        .verify(signed.as_bytes(), &VerifyOptions::default())
        .await;
    passed(&report, CheckKind::Signature);
    assert!(
        failed(&report, CheckKind::IssuerBinding).contains(
            "does not allow the key did:web:registry.gov.example#key-2 for assertionMethod"
        )
    );
}

async fn signed_with_validity(
    from: chrono::DateTime<Utc>,
    until: Option<chrono::DateTime<Utc>>,
) -> String {
    let signer = test_signer();
    let mut b = CredentialBuilder::new(signer.controller())
        .valid_from(from)
        .document(&samples::kind("birth"), samples::sample("birth", None).1);
    if let Some(u) = until {
        b = b.valid_until(u);
    }
    let doc = b.build().unwrap().into_json();
    secure_credential(
        &doc,
        &signer,
        Securing::DataIntegrity,
        &ProofOptions::default(),
        &ContextLoader::bundled(),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn expired_credential_is_rejected() {
    let now = Utc::now();
    let signed =
        signed_with_validity(now - Duration::days(30), Some(now - Duration::days(1))).await;
    let report = verify(&signed).await;
    passed(&report, CheckKind::Signature);
    assert!(failed(&report, CheckKind::ValidityPeriod).starts_with("expired on"));
}

#[tokio::test]
async fn not_yet_valid_credential_is_rejected() {
    let signed = signed_with_validity(Utc::now() + Duration::days(2), None).await;
    let report = verify(&signed).await;
    passed(&report, CheckKind::Signature);
    assert!(failed(&report, CheckKind::ValidityPeriod).starts_with("not valid yet"));
    // ...and valid once its time has come.
    let later = VerifyOptions {
        now: Some(Utc::now() + Duration::days(3)),
        ..Default::default()
    };
    assert_eq!(
        DocumentCheck::default()
            .verify(signed.as_bytes(), &later)
            .await
            .verdict,
        Verdict::Valid
    );
}

#[tokio::test]
async fn unknown_context_is_refused_at_signing_and_at_verification() {
    let signer = test_signer();
    let mut doc = birth_for(signer.controller());
    doc["@context"]
        .as_array_mut()
        .unwrap()
        .push(json!("https://contexts.example/unknown/v1"));
    let err = secure_credential(
        &doc,
        &signer,
        Securing::DataIntegrity,
        &ProofOptions::default(),
        &ContextLoader::bundled(),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("unknown JSON-LD context `https://contexts.example/unknown/v1`"),
        "{err}"
    );

    let mut signed = json("civitas/birth-certificate/signed-di.json");
    signed["@context"]
        .as_array_mut()
        .unwrap()
        .push(json!("https://contexts.example/unknown/v1"));
    let report = verify(&signed.to_string()).await;
    // civitas cannot check the signature, which is not the same as finding it bad (SPEC §8).
    match report.outcome(CheckKind::Signature) {
        Some(Outcome::Indeterminate { reason }) => {
            assert!(
                reason.contains("https://contexts.example/unknown/v1"),
                "{reason}"
            )
        }
        other => panic!("expected an indeterminate signature, got {other:?}\n{report}"),
    }
}

#[tokio::test]
async fn undefined_term_is_refused_at_signing_and_at_verification() {
    let signer = test_signer();
    let mut doc = birth_for(signer.controller());
    doc["credentialSubject"]["favouriteColour"] = json!("blue");
    for securing in [Securing::DataIntegrity, Securing::VcJwt] {
        let err = secure_credential(
            &doc,
            &signer,
            securing,
            &ProofOptions::default(),
            &ContextLoader::bundled(),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, SecureError::JsonLd(_)), "{securing:?}: {err}");
        assert!(err.to_string().contains("favouriteColour"), "{err}");
    }
    let mut signed = json("civitas/birth-certificate/signed-di.json");
    signed["credentialSubject"]["favouriteColour"] = json!("blue");
    let report = verify(&signed.to_string()).await;
    assert!(failed(&report, CheckKind::Signature).contains("favouriteColour"));
}

#[tokio::test]
async fn undefined_term_in_a_jwt_is_reported_even_with_a_good_signature() {
    let signer = test_signer();
    let mut doc = birth_for(signer.controller());
    doc["credentialSubject"]["favouriteColour"] = json!("blue");
    // Sign below the facade (which would refuse), as a careless issuer might.
    let jwt = civitas_core::jwt::sign_credential(&doc, &signer)
        .await
        .unwrap();
    let report = verify(&jwt).await;
    passed(&report, CheckKind::Signature);
    assert!(failed(&report, CheckKind::Syntax).contains("favouriteColour"));
}

#[tokio::test]
async fn malformed_json_says_where() {
    let text =
        std::fs::read_to_string(common::vectors().join("civitas/birth-certificate/signed-di.json"))
            .unwrap();
    let broken = text.replacen("\"issuer\":", "\"issuer\"", 1);
    let report = verify(&broken).await;
    let reason = failed(&report, CheckKind::Syntax);
    assert!(
        reason.contains("line 11") && reason.contains("byte"),
        "{reason}"
    );
    assert_eq!(report.verdict, Verdict::Invalid);
}

#[tokio::test]
async fn truncated_and_tampered_jwts_are_rejected() {
    let jwt = common::text("civitas/birth-certificate/signed.jwt");
    let jwt = jwt.trim();
    assert_eq!(verify(jwt).await.verdict, Verdict::Valid);
    let (head, _) = jwt.rsplit_once('.').unwrap();
    let report = verify(head).await;
    assert!(
        failed(&report, CheckKind::Syntax).contains("3 parts"),
        "{report}"
    );
    let report = verify(&jwt[..jwt.len() - 10]).await;
    failed(&report, CheckKind::Signature);
    // Flip a payload character.
    let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
    let payload = civitas_keys::encoding::decode_base64url(&parts[1]).unwrap();
    let mut v: Value = serde_json::from_slice(&payload).unwrap();
    v["credentialSubject"]["familyName"] = json!("Lebonne");
    parts[1] = civitas_keys::encoding::base64url(&serde_json::to_vec(&v).unwrap());
    let report = verify(&parts.join(".")).await;
    assert!(failed(&report, CheckKind::Signature).contains("does not match"));
    // Garbage in a part.
    let report = verify("eyJhbGciOiJFZERTQSJ9.@@@.xyz").await;
    assert!(
        failed(&report, CheckKind::Syntax).contains("base64url"),
        "{report}"
    );
}

#[tokio::test]
async fn key_that_does_not_fit_the_cryptosuite_is_rejected() {
    let mut doc = json("civitas/birth-certificate/signed-di-p256.json");
    doc["proof"]["cryptosuite"] = json!("eddsa-rdfc-2022");
    let report = verify(&doc.to_string()).await;
    assert!(
        failed(&report, CheckKind::Signature).contains("needs a Ed25519 key"),
        "{report}"
    );
}

#[tokio::test]
async fn schema_and_record_rules_are_checked_at_verification() {
    // A signed credential whose record breaks the rules (registered before birth).
    let signer = test_signer();
    let mut doc = birth_for(signer.controller());
    doc["credentialSubject"]["registration"]["registrationDate"] = json!("2024-01-01");
    let signed = data_integrity::add_proof(
        &doc,
        &signer,
        &ProofOptions::default(),
        &ContextLoader::bundled(),
    )
    .await
    .unwrap();
    let report = verify(&signed.to_string()).await;
    passed(&report, CheckKind::Signature);
    assert!(
        failed(&report, CheckKind::Schema)
            .contains("credentialSubject/registration/registrationDate"),
        "{report}"
    );
    // A signed credential that breaks the JSON Schema (sex not F/M/X).
    let mut doc = birth_for(signer.controller());
    doc["credentialSubject"]["sex"] = json!("female");
    let signed = data_integrity::add_proof(
        &doc,
        &signer,
        &ProofOptions::default(),
        &ContextLoader::bundled(),
    )
    .await
    .unwrap();
    let report = verify(&signed.to_string()).await;
    assert!(
        failed(&report, CheckKind::Schema).contains("/credentialSubject/sex"),
        "{report}"
    );
}

#[tokio::test]
async fn expired_proof_is_rejected() {
    let signer = test_signer();
    let opts = ProofOptions {
        expires: Some(Utc::now() - Duration::hours(1)),
        ..Default::default()
    };
    let signed = data_integrity::add_proof(
        &birth_for(signer.controller()),
        &signer,
        &opts,
        &ContextLoader::bundled(),
    )
    .await
    .unwrap();
    let report = verify(&signed.to_string()).await;
    assert!(failed(&report, CheckKind::Signature).contains("expired at"));
    let _ = format_datetime(Utc::now());
}

/// A signer that claims one key and signs with another, as a misconfigured key service would.
struct ClaimsAnotherKey {
    signs_with: LocalSigner,
    claims: KeyPair,
}

#[async_trait::async_trait]
impl civitas_keys::signer::Signer for ClaimsAnotherKey {
    fn verification_method(&self) -> &str {
        self.signs_with.verification_method()
    }
    fn algorithm(&self) -> KeyAlgorithm {
        self.signs_with.algorithm()
    }
    fn public_key(&self) -> civitas_keys::keys::PublicKey {
        self.claims.public_key()
    }
    async fn sign(&self, message: &[u8]) -> Result<Vec<u8>, civitas_keys::signer::SignerError> {
        self.signs_with.sign(message).await
    }
}

#[tokio::test]
async fn a_signature_the_signers_own_key_does_not_verify_is_never_handed_out() {
    for algorithm in [KeyAlgorithm::Ed25519, KeyAlgorithm::P256] {
        let signer = ClaimsAnotherKey {
            signs_with: LocalSigner::did_key(KeyPair::generate(algorithm)),
            claims: KeyPair::generate(algorithm),
        };
        let credential = CredentialBuilder::new(signer.signs_with.controller())
            .document(&samples::kind("birth"), samples::sample("birth", None).1)
            .build()
            .expect("sample builds");
        let loader = ContextLoader::bundled();
        let refused = secure_credential(
            credential.json(),
            &signer,
            Securing::DataIntegrity,
            &ProofOptions::default(),
            &loader,
        )
        .await;
        assert!(
            matches!(
                refused,
                Err(SecureError::Proof(
                    data_integrity::ProofError::SelfCheckFailed
                ))
            ),
            "{algorithm:?}: {refused:?}"
        );
        let refused = data_integrity::add_proof(
            credential.json(),
            &signer,
            &ProofOptions::default(),
            &loader,
        )
        .await;
        assert!(
            matches!(refused, Err(data_integrity::ProofError::SelfCheckFailed)),
            "{algorithm:?}: {refused:?}"
        );
    }
}
