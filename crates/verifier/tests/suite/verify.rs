//! The verification matrix: each document is built to fail exactly one check (or none).

use crate::common;

use chrono::Duration;
use civitas_core::report::{CheckKind, Outcome, Verdict};
use civitas_core::secure::{Securing, secure_credential};
use civitas_core::verify::VerifyOptions;
use common::*;

#[tokio::test]
async fn valid_birth_and_marriage_certificates() {
    let w = World::new().await;
    let v = w.standard_verifier().await;
    for doc in [w.valid_birth().await, w.valid_marriage().await] {
        let report = v.verify(doc.as_bytes(), &opts()).await;
        all_valid(&report);
        for kind in [
            CheckKind::Syntax,
            CheckKind::Signature,
            CheckKind::IssuerBinding,
            CheckKind::TrustedIssuer,
            CheckKind::ValidityPeriod,
            CheckKind::Revocation,
            CheckKind::Suspension,
            CheckKind::Schema,
        ] {
            assert!(
                matches!(report.outcome(kind), Some(Outcome::Passed { .. })),
                "{kind:?} should pass:\n{report}"
            );
        }
    }
    let birth = w.valid_birth().await;
    let report = v.verify(birth.as_bytes(), &opts()).await;
    let summary = v.summarize(&report).to_string();
    assert!(
        summary.starts_with(
            "VALID — Birth certificate of Marie-Claire Lebon, born 2024-02-28, issued by Civil Status Division, Mauritius"
        ),
        "{summary}"
    );
}

#[tokio::test]
async fn a_vc_jwt_birth_certificate_verifies_too() {
    let w = World::new().await;
    let v = w.standard_verifier().await;
    // civitas-core's vc+jwt carries no `iat`: `validFrom` is the signing time for key windows.
    let unsigned = w
        .registry
        .birth(None, 10, at(BIRTH_VALID_FROM))
        .valid_from(now() - Duration::days(1))
        .build()
        .unwrap();
    let jwt = secure_credential(
        unsigned.json(),
        &w.registry.signer,
        Securing::VcJwt,
        &Default::default(),
        &civitas_core::contexts::ContextLoader::bundled(),
    )
    .await
    .unwrap();
    let report = v.verify(jwt.as_bytes(), &opts()).await;
    all_valid(&report);
    assert_eq!(report.secured_with.as_deref(), Some("vc+jwt"));
}

#[tokio::test]
async fn tampered() {
    let w = World::new().await;
    let v = w.standard_verifier().await;
    let forged = w
        .valid_birth()
        .await
        .replace("Marie-Claire", "Marie-Claude");
    let reason = only_failure(
        &v.verify(forged.as_bytes(), &opts()).await,
        CheckKind::Signature,
    );
    assert!(reason.contains("altered"), "{reason}");
}

#[tokio::test]
async fn signed_by_an_untrusted_issuer() {
    let w = World::new().await;
    let v = w.standard_verifier().await;
    let unsigned = w
        .stranger
        .birth(None, 10, at(BIRTH_VALID_FROM))
        .build()
        .unwrap();
    let doc = sign_di(
        unsigned.json(),
        &w.stranger.signer,
        now() - Duration::days(1),
    )
    .await;
    let report = v.verify(doc.as_bytes(), &opts()).await;
    let reason = only_failure(&report, CheckKind::TrustedIssuer);
    assert!(reason.contains("is not on the trust list"), "{reason}");
    let summary = v.summarize(&report).to_string();
    assert!(
        summary.starts_with("INVALID — Birth certificate of Marie-Claire Lebon"),
        "{summary}"
    );
    assert!(summary.contains("NOT on the trust list"), "{summary}");
    assert!(
        summary.contains("Do not accept this document."),
        "{summary}"
    );
}

#[tokio::test]
async fn trusted_issuer_but_wrong_document_type() {
    let w = World::new().await;
    let v = w.standard_verifier().await;
    let unsigned = w
        .university
        .birth(None, 10, at(BIRTH_VALID_FROM))
        .build()
        .unwrap();
    let doc = sign_di(
        unsigned.json(),
        &w.university.signer,
        now() - Duration::days(1),
    )
    .await;
    let reason = only_failure(
        &v.verify(doc.as_bytes(), &opts()).await,
        CheckKind::TrustedIssuer,
    );
    assert!(
        reason.contains("University of Mauritius is trusted to issue UniversityDiploma only, not BirthCertificate"),
        "{reason}"
    );
}

#[tokio::test]
async fn did_web_issuer_signed_by_an_unrelated_did_key() {
    let w = World::new().await;
    let v = w.standard_verifier().await;
    let unsigned = w
        .registry
        .birth(None, 10, at(BIRTH_VALID_FROM))
        .build()
        .unwrap();
    // The stranger's did:key signs a credential that claims the registry as its issuer.
    let doc = sign_di(
        unsigned.json(),
        &w.stranger.signer,
        now() - Duration::days(1),
    )
    .await;
    let reason = only_failure(
        &v.verify(doc.as_bytes(), &opts()).await,
        CheckKind::IssuerBinding,
    );
    assert!(
        reason.contains("is not controlled by did:web:registry.gov.example"),
        "{reason}"
    );
}

#[tokio::test]
async fn key_outside_assertion_method() {
    let w = World::new().await;
    let v = w.standard_verifier().await;
    let unsigned = w
        .registry
        .birth(None, 10, at(BIRTH_VALID_FROM))
        .build()
        .unwrap();
    let doc = sign_di(unsigned.json(), &w.key3, now() - Duration::days(1)).await;
    let reason = only_failure(
        &v.verify(doc.as_bytes(), &opts()).await,
        CheckKind::IssuerBinding,
    );
    assert!(
        reason.contains(
            "does not allow the key did:web:registry.gov.example#key-3 for assertionMethod"
        ),
        "{reason}"
    );
}

#[tokio::test]
async fn rotated_out_key_inside_its_window_is_valid_and_after_it_invalid() {
    let w = World::new().await;
    let v = w.standard_verifier().await;
    let unsigned = w
        .registry
        .birth(None, 10, at(BIRTH_VALID_FROM))
        .build()
        .unwrap();
    // key-1 signed in June 2025, before the rotation on 2026-01-01: still valid in March 2026,
    // although the registry's DID document no longer lists key-1 for assertionMethod.
    let inside = sign_di(unsigned.json(), &w.key1, at("2025-06-01T10:00:00Z")).await;
    all_valid(&v.verify(inside.as_bytes(), &opts()).await);
    // key-1 signed in February 2026, after the rotation.
    let after = sign_di(unsigned.json(), &w.key1, at("2026-02-01T10:00:00Z")).await;
    let reason = only_failure(
        &v.verify(after.as_bytes(), &opts()).await,
        CheckKind::IssuerBinding,
    );
    assert!(
        reason.contains("#key-1 may sign only from 2024-01-01T00:00:00Z until 2026-01-01T00:00:00Z; this credential was signed at 2026-02-01T10:00:00Z"),
        "{reason}"
    );
    // The current key before its window opened is refused the same way.
    let early = sign_di(
        unsigned.json(),
        &w.registry.signer,
        at("2025-12-01T00:00:00Z"),
    )
    .await;
    only_failure(
        &v.verify(early.as_bytes(), &opts()).await,
        CheckKind::IssuerBinding,
    );
}

#[tokio::test]
async fn revoked() {
    let w = World::new().await;
    let v = w.standard_verifier().await;
    let unsigned = w
        .registry
        .birth(None, 20, at(BIRTH_VALID_FROM))
        .build()
        .unwrap();
    let doc = sign_di(
        unsigned.json(),
        &w.registry.signer,
        now() - Duration::days(1),
    )
    .await;
    let reason = only_failure(
        &v.verify(doc.as_bytes(), &opts()).await,
        CheckKind::Revocation,
    );
    assert!(reason.contains("revoked"), "{reason}");
}

#[tokio::test]
async fn suspended_then_reinstated() {
    let w = World::new().await;
    let v = w.standard_verifier().await;
    let unsigned = w
        .registry
        .birth(None, 30, at(BIRTH_VALID_FROM))
        .build()
        .unwrap();
    let doc = sign_di(
        unsigned.json(),
        &w.registry.signer,
        now() - Duration::days(1),
    )
    .await;
    let reason = only_failure(
        &v.verify(doc.as_bytes(), &opts()).await,
        CheckKind::Suspension,
    );
    assert!(reason.contains("suspended"), "{reason}");
    // The registry lifts the suspension and publishes a newer list; the verifier takes it.
    let newer = w
        .registry
        .lists(&[20], &[], now() - Duration::minutes(10))
        .await;
    v.add_status_list(&newer[1], now() - Duration::minutes(5))
        .await
        .unwrap();
    all_valid(&v.verify(doc.as_bytes(), &opts()).await);
    // An older list cannot be replayed to hide the change in the other direction.
    let old = w
        .registry
        .lists(&[], &[31], now() - Duration::hours(5))
        .await;
    assert!(v.add_status_list(&old[1], now()).await.is_err());
}

#[tokio::test]
async fn expired_and_not_yet_valid() {
    let w = World::new().await;
    let v = w.standard_verifier().await;
    let expired = w
        .registry
        .birth(None, 10, at(BIRTH_VALID_FROM))
        .valid_until(now() - Duration::days(1))
        .build()
        .unwrap();
    let doc = sign_di(
        expired.json(),
        &w.registry.signer,
        now() - Duration::days(2),
    )
    .await;
    let reason = only_failure(
        &v.verify(doc.as_bytes(), &opts()).await,
        CheckKind::ValidityPeriod,
    );
    assert!(reason.contains("expired"), "{reason}");

    let future = w
        .registry
        .birth(None, 10, at(BIRTH_VALID_FROM))
        .valid_from(now() + Duration::days(1))
        .build()
        .unwrap();
    let doc = sign_di(future.json(), &w.registry.signer, now() - Duration::days(1)).await;
    let reason = only_failure(
        &v.verify(doc.as_bytes(), &opts()).await,
        CheckKind::ValidityPeriod,
    );
    assert!(reason.contains("not valid yet"), "{reason}");
}

#[tokio::test]
async fn stale_status_snapshot_is_indeterminate() {
    let w = World::new().await;
    let lists = w.registry_lists(&[20], &[31]).await;
    // Fetched ten days ago; the default maximum age is seven days.
    let v = w.verifier_fetched(lists, now() - Duration::days(10)).await;
    let doc = w.valid_birth().await;
    let report = v.verify(doc.as_bytes(), &opts()).await;
    assert_eq!(report.verdict, Verdict::Indeterminate, "{report}");
    let bad = not_passed(&report);
    assert!(
        bad.iter()
            .all(|(_, o)| matches!(o, Outcome::Indeterminate { .. })),
        "{report}"
    );
    assert_eq!(
        bad.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
        [CheckKind::Revocation, CheckKind::Suspension],
        "{report}"
    );
    assert!(
        bad[0]
            .1
            .text()
            .contains("more than the accepted 7 day(s) ago"),
        "{report}"
    );
    let summary = v.summarize(&report).to_string();
    assert!(
        summary.starts_with("CANNOT BE CONFIRMED — Birth certificate"),
        "{summary}"
    );
    assert!(
        summary.contains("update the verifier's bundle"),
        "{summary}"
    );
    // A revoked credential stays invalid with a stale list: revocation is final.
    let unsigned = w
        .registry
        .birth(None, 20, at(BIRTH_VALID_FROM))
        .build()
        .unwrap();
    let revoked = sign_di(
        unsigned.json(),
        &w.registry.signer,
        now() - Duration::days(1),
    )
    .await;
    assert_eq!(
        v.verify(revoked.as_bytes(), &opts()).await.verdict,
        Verdict::Invalid
    );
}

#[tokio::test]
async fn missing_status_list_and_no_trust_list_are_indeterminate_never_valid() {
    let w = World::new().await;
    let doc = w.valid_birth().await;
    let v = w.verifier(Vec::new()).await;
    let report = v.verify(doc.as_bytes(), &opts()).await;
    assert_eq!(report.verdict, Verdict::Indeterminate, "{report}");
    // No trust configuration at all: the issuer cannot be confirmed.
    let bare = civitas_verifier::Verifier::builder()
        .pin(w.registry_doc.clone())
        .status_list(w.registry_lists(&[], &[]).await.remove(0), Some(now()))
        .status_list(w.registry_lists(&[], &[]).await.remove(1), Some(now()))
        .at(now())
        .build()
        .await
        .unwrap();
    let report = bare.verify(doc.as_bytes(), &opts()).await;
    assert_eq!(report.verdict, Verdict::Indeterminate, "{report}");
    assert!(matches!(
        report.outcome(CheckKind::TrustedIssuer),
        Some(Outcome::Indeterminate { .. })
    ));
}

#[tokio::test]
async fn presentations() {
    let w = World::new().await;
    let v = w.standard_verifier().await;
    let birth = w.valid_birth().await;
    let marriage = w.valid_marriage().await;
    let asked = |challenge: &str, domain: &str| VerifyOptions {
        challenge: Some(challenge.to_owned()),
        domain: Some(domain.to_owned()),
        ..opts()
    };

    let vp = w
        .present(&[&birth, &marriage], Some("c-123"), Some("bank.example"))
        .await;
    let report = v
        .verify(vp.as_bytes(), &asked("c-123", "bank.example"))
        .await;
    all_valid(&report);
    assert_eq!(report.credentials.len(), 2);
    for nested in &report.credentials {
        assert!(matches!(
            nested.outcome(CheckKind::TrustedIssuer),
            Some(Outcome::Passed { .. })
        ));
        assert!(matches!(
            nested.outcome(CheckKind::Revocation),
            Some(Outcome::Passed { .. })
        ));
    }
    let summary = v.summarize(&report).to_string();
    assert!(
        summary.starts_with("VALID — Presentation of 2 document(s) by did:key:"),
        "{summary}"
    );
    assert!(
        summary.contains("document 1: VALID — Birth certificate of Marie-Claire Lebon"),
        "{summary}"
    );

    // Wrong challenge.
    let report = v
        .verify(vp.as_bytes(), &asked("c-999", "bank.example"))
        .await;
    only_failure(&report, CheckKind::Challenge);
    // Wrong domain.
    let report = v
        .verify(vp.as_bytes(), &asked("c-123", "shop.example"))
        .await;
    only_failure(&report, CheckKind::Domain);

    // Replayed to another verifier: a rogue bank relays the border post's challenge to the
    // holder and forwards the presentation; it is bound to the bank's domain.
    let relayed = w
        .present(&[&birth], Some("border-777"), Some("bank.example"))
        .await;
    let report = v
        .verify(relayed.as_bytes(), &asked("border-777", "border.example"))
        .await;
    let reason = only_failure(&report, CheckKind::Domain);
    assert!(reason.contains("bank.example"), "{reason}");

    // Holder not the subject: someone else presents the holder's birth certificate.
    let thief = civitas_core::signer::LocalSigner::did_key(civitas_core::keys::KeyPair::generate(
        civitas_core::keys::KeyAlgorithm::Ed25519,
    ));
    let stolen = w
        .present_as(&thief, &[&birth], Some("c-123"), Some("bank.example"))
        .await;
    let report = v
        .verify(stolen.as_bytes(), &asked("c-123", "bank.example"))
        .await;
    only_failure(&report, CheckKind::HolderIsSubject);
    all_valid(&report.credentials[0]);

    // One embedded credential tampered (before the holder signed the presentation).
    let forged = marriage.replace("Doorgah", "Dorgah");
    let vp = w
        .present(&[&birth, &forged], Some("c-123"), Some("bank.example"))
        .await;
    let report = v
        .verify(vp.as_bytes(), &asked("c-123", "bank.example"))
        .await;
    only_failure(&report, CheckKind::EmbeddedCredentials);
    all_valid(&report.credentials[0]);
    only_failure(&report.credentials[1], CheckKind::Signature);
}

#[tokio::test]
async fn an_expired_trust_list_makes_trust_indeterminate() {
    let w = World::new().await;
    let mut list = civitas_verifier::trust::TrustList::new("short-lived");
    list.add(
        civitas_verifier::trust::TrustedIssuer::new(REGISTRY, ["BirthCertificate"])
            .with_document(w.registry_doc.clone()),
    )
    .unwrap();
    let signed = list
        .sign(
            &w.anchor,
            &civitas_verifier::trust::TrustListSigning {
                valid_from: Some(at("2025-01-01T00:00:00Z")),
                valid_until: Some(at("2026-02-01T00:00:00Z")),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut b = civitas_verifier::Verifier::builder()
        .trust_anchor(civitas_verifier::trust::TrustAnchor::did(
            w.anchor.controller(),
        ))
        .trust_list(signed)
        .at(now());
    for l in w.registry.lists(&[], &[], at("2026-01-10T00:00:00Z")).await {
        b = b.status_list(l, Some(at("2026-01-15T00:00:00Z")));
    }
    let v = b.build().await.unwrap();
    let doc = w.valid_birth().await;
    let report = v.verify(doc.as_bytes(), &opts()).await;
    assert_eq!(report.verdict, Verdict::Indeterminate, "{report}");
    assert!(
        report
            .outcome(CheckKind::TrustedIssuer)
            .is_some_and(|o| o.text().contains("expired on 2026-02-01"))
    );
    let before = VerifyOptions {
        now: Some(at("2026-01-20T00:00:00Z")),
        ..VerifyOptions::default()
    };
    all_valid(&v.verify(doc.as_bytes(), &before).await);
}
