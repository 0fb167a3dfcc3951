//! Presentations: challenge, domain, holder binding, holder-is-subject, embedded credentials.

use crate::common;

use civitas_core::credential::CredentialBuilder;
use civitas_core::data_integrity::ProofOptions;
use civitas_core::report::{CheckKind, Outcome, Report, Verdict};
use civitas_core::secure::{Presentable, Securing, secure_credential, secure_presentation};
use civitas_core::verify::{DocumentCheck, VerifyOptions};
use civitas_jsonld::contexts::ContextLoader;
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::signer::LocalSigner;
use civitas_testkit::samples;
use common::test_signer;
use serde_json::json;

struct World {
    holder: LocalSigner,
    di: String,
    jwt: String,
}

async fn world() -> World {
    let issuer = test_signer();
    let holder = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
    let (kind, birth) = samples::sample("birth", Some(holder.controller()));
    let doc = CredentialBuilder::new(issuer.controller())
        .document(&kind, birth)
        .build()
        .unwrap()
        .into_json();
    let loader = ContextLoader::bundled();
    let di = secure_credential(
        &doc,
        &issuer,
        Securing::DataIntegrity,
        &ProofOptions::default(),
        &loader,
    )
    .await
    .unwrap();
    let jwt = secure_credential(
        &doc,
        &issuer,
        Securing::VcJwt,
        &ProofOptions::default(),
        &loader,
    )
    .await
    .unwrap();
    World { holder, di, jwt }
}

fn asked(challenge: &str, domain: &str) -> VerifyOptions {
    VerifyOptions {
        challenge: Some(challenge.into()),
        domain: Some(domain.into()),
        ..Default::default()
    }
}

async fn present(
    _w: &World,
    creds: &[Presentable],
    signer: &LocalSigner,
    challenge: &str,
    domain: &str,
) -> String {
    secure_presentation(
        creds,
        signer,
        Some(challenge),
        Some(domain),
        &ContextLoader::bundled(),
    )
    .await
    .unwrap()
}

fn failed(report: &Report, check: CheckKind) -> String {
    match report.outcome(check) {
        Some(Outcome::Failed { reason }) => reason.clone(),
        other => panic!("expected {check:?} to fail, got {other:?}\n{report}"),
    }
}

#[tokio::test]
async fn a_holder_presents_di_and_jwt_credentials() {
    let w = world().await;
    let creds = [
        Presentable::from_text(&w.di).unwrap(),
        Presentable::from_text(&w.jwt).unwrap(),
    ];
    let vp = present(&w, &creds, &w.holder, "n-4f2a", "https://bank.example").await;
    let report = DocumentCheck::default()
        .verify(vp.as_bytes(), &asked("n-4f2a", "https://bank.example"))
        .await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
    assert_eq!(report.credentials.len(), 2);
    assert_eq!(
        report.credentials[1].secured_with.as_deref(),
        Some("vc+jwt")
    );
}

#[tokio::test]
async fn wrong_challenge_wrong_domain_and_replay_are_rejected() {
    let w = world().await;
    let creds = [Presentable::from_text(&w.di).unwrap()];
    let vp = present(&w, &creds, &w.holder, "n-1", "https://bank.example").await;
    let r = DocumentCheck::default()
        .verify(vp.as_bytes(), &asked("n-2", "https://bank.example"))
        .await;
    assert!(failed(&r, CheckKind::Challenge).contains("expected `n-2`"));
    let r = DocumentCheck::default()
        .verify(vp.as_bytes(), &asked("n-1", "https://university.example"))
        .await;
    assert!(failed(&r, CheckKind::Domain).contains("https://university.example"));
    // Replayed to another verifier with its own fresh challenge: both fail.
    let r = DocumentCheck::default()
        .verify(vp.as_bytes(), &asked("n-9", "https://border.example"))
        .await;
    failed(&r, CheckKind::Challenge);
    failed(&r, CheckKind::Domain);
    // Editing the challenge breaks the signature.
    let edited = vp.replace("\"n-1\"", "\"n-2\"");
    let r = DocumentCheck::default()
        .verify(edited.as_bytes(), &asked("n-2", "https://bank.example"))
        .await;
    failed(&r, CheckKind::Signature);
}

#[tokio::test]
async fn holder_who_is_not_the_subject_is_rejected() {
    let w = world().await;
    let stranger = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
    let vp = present(
        &w,
        &[Presentable::from_text(&w.di).unwrap()],
        &stranger,
        "c",
        "d",
    )
    .await;
    let r = DocumentCheck::default()
        .verify(vp.as_bytes(), &asked("c", "d"))
        .await;
    assert!(failed(&r, CheckKind::HolderIsSubject).contains("not about the holder"));
    assert!(matches!(
        r.outcome(CheckKind::HolderBinding),
        Some(Outcome::Passed { .. })
    ));
}

#[tokio::test]
async fn holder_field_must_match_the_signing_key() {
    let w = world().await;
    let vp = present(
        &w,
        &[Presentable::from_text(&w.di).unwrap()],
        &w.holder,
        "c",
        "d",
    )
    .await;
    let mut v: serde_json::Value = serde_json::from_str(&vp).unwrap();
    v["holder"] = json!(civitas_keys::did::did_key(
        &KeyPair::generate(KeyAlgorithm::Ed25519).public_key()
    ));
    let r = DocumentCheck::default()
        .verify(v.to_string().as_bytes(), &asked("c", "d"))
        .await;
    failed(&r, CheckKind::Signature);
    failed(&r, CheckKind::HolderBinding);
}

#[tokio::test]
async fn one_tampered_embedded_credential_makes_the_presentation_invalid() {
    let w = world().await;
    let tampered = w.di.replace("Marie-Claire", "Marie-Claude");
    let creds = [
        Presentable::from_text(&w.jwt).unwrap(),
        Presentable::from_text(&tampered).unwrap(),
    ];
    // The holder signs over the tampered credential: the presentation's own proof is fine.
    let vp = present(&w, &creds, &w.holder, "c", "d").await;
    let r = DocumentCheck::default()
        .verify(vp.as_bytes(), &asked("c", "d"))
        .await;
    assert!(matches!(
        r.outcome(CheckKind::Signature),
        Some(Outcome::Passed { .. })
    ));
    assert!(failed(&r, CheckKind::EmbeddedCredentials).contains("credential 1"));
    assert_eq!(r.credentials[0].verdict, Verdict::Valid);
    assert_eq!(r.credentials[1].verdict, Verdict::Invalid);
    assert_eq!(r.verdict, Verdict::Invalid);
}

#[tokio::test]
async fn a_credential_is_not_a_presentation() {
    let w = world().await;
    // A presentation signed for assertionMethod instead of authentication.
    let vp = serde_json::json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": w.holder.controller(),
        "verifiableCredential": [serde_json::from_str::<serde_json::Value>(&w.di).unwrap()],
    });
    let signed = civitas_core::data_integrity::add_proof(
        &vp,
        &w.holder,
        &ProofOptions::default(),
        &ContextLoader::bundled(),
    )
    .await
    .unwrap();
    let r = DocumentCheck::default()
        .verify(signed.to_string().as_bytes(), &VerifyOptions::default())
        .await;
    assert!(failed(&r, CheckKind::ProofPurpose).contains("authentication"));
}
