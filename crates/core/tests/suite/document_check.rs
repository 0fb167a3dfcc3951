//! The trust-less document check (`DocumentCheck`): it says plainly that it did not check the
//! issuer's trust or the document's status, and its report records what the document is (for a
//! summary made from the report alone), outside the JSON report.

use std::sync::Arc;

use crate::common::test_signer;

use civitas_core::credential::CredentialBuilder;
use civitas_core::data_integrity::ProofOptions;
use civitas_core::model;
use civitas_core::report::{CheckKind, Outcome, Report, Verdict};
use civitas_core::secure::{Presentable, Securing, secure_credential, secure_presentation};
use civitas_core::verify::{CredentialPolicy, DocumentCheck, SecuredCredential, VerifyOptions};
use civitas_jsonld::contexts::ContextLoader;
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::signer::LocalSigner;
use civitas_testkit::samples;
use serde_json::{Value, json};

const BIRTH: &str = "Birth certificate of Marie-Claire Lebon, born 2024-02-28";

async fn signed_birth(signer: &LocalSigner, securing: Securing) -> String {
    signed_birth_of(signer, securing, "did:example:marie-claire").await
}

/// A birth certificate whose subject (the child) is `holder`.
async fn signed_birth_of(signer: &LocalSigner, securing: Securing, holder: &str) -> String {
    let (kind, birth) = samples::sample("birth", Some(holder));
    let doc = CredentialBuilder::new(signer.controller())
        .document(&kind, birth)
        .build()
        .unwrap()
        .into_json();
    secure_credential(
        &doc,
        signer,
        securing,
        &ProofOptions::default(),
        &ContextLoader::bundled(),
    )
    .await
    .unwrap()
}

/// A stand-in for a deployment's trust policy: it trusts everyone, but it is consulted.
struct TrustEveryone;

#[async_trait::async_trait]
impl CredentialPolicy for TrustEveryone {
    async fn check(&self, _: &SecuredCredential, _: &VerifyOptions, report: &mut Report) {
        report.push(
            CheckKind::TrustedIssuer,
            Outcome::passed("trusted by the test"),
        );
    }
}

#[tokio::test]
async fn a_credential_from_any_did_key_is_valid_and_the_report_says_trust_was_not_checked() {
    // Anyone can make a did:key and sign a birth certificate with it.
    let anyone = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
    let signed = signed_birth(&anyone, Securing::DataIntegrity).await;
    let report = DocumentCheck::default()
        .verify(signed.as_bytes(), &VerifyOptions::default())
        .await;
    // The verdict keeps its meaning: the document itself is intact and in date...
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
    // ... and the report says plainly what that does not cover.
    assert!(!report.trust_checked());
    for check in [
        CheckKind::TrustedIssuer,
        CheckKind::Revocation,
        CheckKind::Suspension,
    ] {
        assert!(report.outcome(check).is_none(), "{check:?}\n{report}");
    }
    let text = report.to_string();
    assert!(
        text.contains(
            "not checked: whether the issuer is trusted, revocation and suspension (this is the \
             trust-less document check; civitas_verifier::Verifier decides trust)"
        ),
        "{text}"
    );
    // The JSON report is unchanged: the note is for people, the checks say it for programs.
    let json = serde_json::to_value(&report).unwrap();
    assert!(!json.to_string().contains("not checked"), "{json}");

    // With a trust policy plugged in, trust was checked and the note goes.
    let with_trust = DocumentCheck::default().with_policy(Arc::new(TrustEveryone));
    let report = with_trust
        .verify(signed.as_bytes(), &VerifyOptions::default())
        .await;
    assert!(report.trust_checked(), "{report}");
    assert!(!report.to_string().contains("not checked"), "{report}");
}

#[tokio::test]
async fn a_presentation_says_which_credentials_inside_were_not_checked_for_trust() {
    let holder = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
    let di = signed_birth_of(&test_signer(), Securing::DataIntegrity, holder.controller()).await;
    let vp = secure_presentation(
        &[Presentable::from_text(&di).unwrap()],
        &holder,
        None,
        None,
        &ContextLoader::bundled(),
    )
    .await
    .unwrap();
    let report = DocumentCheck::default()
        .verify(vp.as_bytes(), &VerifyOptions::default())
        .await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
    assert!(!report.trust_checked());
    let text = report.to_string();
    // Said once, for the credential inside (the presentation itself has no issuer to trust).
    assert_eq!(
        text.matches("not checked: whether the issuer is trusted")
            .count(),
        1,
        "{text}"
    );
    // Each credential inside is described; the presentation itself is not.
    assert_eq!(report.about.description, None);
    assert_eq!(
        report.credentials[0].about.description.as_deref(),
        Some(BIRTH)
    );
}

#[tokio::test]
async fn the_report_records_what_the_document_is_as_it_was_read() {
    let signer = test_signer();
    for securing in [Securing::DataIntegrity, Securing::VcJwt] {
        let signed = signed_birth(&signer, securing).await;
        let report = DocumentCheck::default()
            .verify(signed.as_bytes(), &VerifyOptions::default())
            .await;
        assert_eq!(report.verdict, Verdict::Valid, "{report}");
        assert_eq!(
            report.about.description.as_deref(),
            Some(BIRTH),
            "{securing:?}"
        );
        assert!(!report.about.from_photo);
    }

    // A document its rules refuse (born in the future) is still described, from its JSON.
    let signed = signed_birth(&signer, Securing::DataIntegrity).await;
    let mut future: Value = serde_json::from_str(&signed).unwrap();
    future["credentialSubject"]["birthDate"] = json!("2999-01-01");
    let report = DocumentCheck::default()
        .verify(future.to_string().as_bytes(), &VerifyOptions::default())
        .await;
    assert!(
        report.outcome(CheckKind::Schema).unwrap().is_failed(),
        "{report}"
    );
    assert_eq!(
        report.about.description.as_deref(),
        Some("Birth certificate of Marie-Claire Lebon, born 2999-01-01")
    );
    assert_eq!(
        report.about.description,
        Some(model::describe(&future)),
        "the fast description and model::describe agree"
    );

    // Something that is not a civil-registry document is named by its types.
    let other = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "issuer": signer.controller(),
        "credentialSubject": {"id": "did:example:someone"}
    });
    let report = DocumentCheck::default()
        .verify(other.to_string().as_bytes(), &VerifyOptions::default())
        .await;
    assert_eq!(
        report.about.description.as_deref(),
        Some("Credential of type ExampleDegreeCredential"),
        "{report}"
    );

    // The description is for people: it is not a member of the JSON report (SPEC §8), and a
    // report read back from JSON has none.
    let json = serde_json::to_value(&report).unwrap();
    assert!(json.get("about").is_none() && json.get("description").is_none());
    let back: Report = serde_json::from_value(json).unwrap();
    assert_eq!(back.about.description, None);
    // Reports are equal when their JSON is (a wallet compares the report it stored with the one
    // it made): `about` is left out of `==`.
    assert_eq!(back, report);
    let mut relabelled = report.clone();
    relabelled.about.description = Some("something else".into());
    assert_eq!(relabelled, report);
    relabelled.checks.pop();
    assert_ne!(relabelled, report);
}
