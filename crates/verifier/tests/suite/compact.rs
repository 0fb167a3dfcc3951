//! The compact QR form (`CV1:…`) gives the same kind of report as the full credential, with the
//! same trust, key-window and status checks.

use crate::common;

use civitas_core::report::CheckKind;
use civitas_qr::compact;
use common::*;

#[tokio::test]
async fn a_qr_payload_verifies_like_the_credential() {
    let w = World::new().await;
    let v = w.standard_verifier().await;
    let credential = w
        .registry
        .birth(None, 10, at(BIRTH_VALID_FROM))
        .valid_from(now() - chrono::Duration::days(1))
        .build()
        .unwrap();
    let text = compact::encode(&credential, &w.registry.signer)
        .await
        .unwrap();
    let report = v.verify(text.as_bytes(), &opts()).await;
    all_valid(&report);
    assert_eq!(report.secured_with.as_deref(), Some("cose-compact"));
    assert!(matches!(
        report.outcome(CheckKind::Revocation),
        Some(civitas_core::report::Outcome::Passed { .. })
    ));
    let summary = v.summarize(&report).to_string();
    assert!(
        summary.starts_with("VALID — Birth certificate of Marie-Claire Lebon"),
        "{summary}"
    );

    // Revoked, through the same status entries.
    let revoked = w
        .registry
        .birth(None, 20, at(BIRTH_VALID_FROM))
        .valid_from(now() - chrono::Duration::days(1))
        .build()
        .unwrap();
    let text = compact::encode(&revoked, &w.registry.signer).await.unwrap();
    only_failure(
        &v.verify(text.as_bytes(), &opts()).await,
        CheckKind::Revocation,
    );

    // The rotated-out key: valid for a credential issued inside its window, not after.
    let inside = w
        .registry
        .birth(None, 10, at(BIRTH_VALID_FROM))
        .build()
        .unwrap(); // validFrom 2025-06-01
    let text = compact::encode(&inside, &w.key1).await.unwrap();
    all_valid(&v.verify(text.as_bytes(), &opts()).await);
    let after = w
        .registry
        .birth(None, 10, at(BIRTH_VALID_FROM))
        .valid_from(at("2026-02-01T00:00:00Z"))
        .build()
        .unwrap();
    let text = compact::encode(&after, &w.key1).await.unwrap();
    only_failure(
        &v.verify(text.as_bytes(), &opts()).await,
        CheckKind::IssuerBinding,
    );

    // An untrusted issuer's QR code.
    let stranger = w
        .stranger
        .birth(None, 10, at(BIRTH_VALID_FROM))
        .build()
        .unwrap();
    let text = compact::encode(&stranger, &w.stranger.signer)
        .await
        .unwrap();
    only_failure(
        &v.verify(text.as_bytes(), &opts()).await,
        CheckKind::TrustedIssuer,
    );

    // A damaged QR text cannot be read: syntax.
    let report = v.verify(b"CV1:NOT-BASE45-$$$", &opts()).await;
    assert_eq!(report.verdict, civitas_core::report::Verdict::Invalid);
    assert!(
        report
            .outcome(CheckKind::Syntax)
            .is_some_and(|o| o.is_failed())
    );
}

#[cfg(feature = "photo")]
#[tokio::test]
async fn a_photo_of_the_qr_code_verifies_like_its_text() {
    let w = World::new().await;
    let v = w.standard_verifier().await;
    let credential = w
        .registry
        .birth(None, 10, at(BIRTH_VALID_FROM))
        .valid_from(now() - chrono::Duration::days(1))
        .build()
        .unwrap();
    let text = compact::encode(&credential, &w.registry.signer)
        .await
        .unwrap();
    let png = civitas_qr::QrSymbol::encode(&text, civitas_qr::EcLevel::M)
        .unwrap()
        .to_png(6)
        .unwrap();
    let report = v.verify(&png, &opts()).await;
    all_valid(&report);
    assert_eq!(report.secured_with.as_deref(), Some("cose-compact"));
    let summary = v.summarize(&report).to_string();
    assert!(
        summary.starts_with("VALID — Birth certificate of Marie-Claire Lebon"),
        "the photo is described like its text: {summary}"
    );

    // A PNG that holds no QR code is a clear syntax error, not a panic.
    let blank = civitas_qr::QrSymbol::encode("CV1:", civitas_qr::EcLevel::M)
        .unwrap()
        .to_png(1)
        .unwrap();
    let mut broken = blank.clone();
    broken.truncate(blank.len() / 2);
    let report = v.verify(&broken, &opts()).await;
    assert!(
        report
            .outcome(CheckKind::Syntax)
            .is_some_and(|o| o.is_failed()),
        "{report}"
    );
    // An image that cannot be read says nothing about the document: the clerk is told so and
    // asked for a new photo, never told to refuse it; Document::read gives the typed error.
    let summary = v.summarize(&report).to_string();
    assert!(
        summary.starts_with("CANNOT READ THIS IMAGE — "),
        "{summary}"
    );
    assert!(
        summary.contains("photograph its QR code again"),
        "{summary}"
    );
    assert!(
        !summary.contains("INVALID") && !summary.contains("Do not accept"),
        "{summary}"
    );
    assert!(matches!(
        civitas_verifier::Document::read(&broken),
        Err(civitas_verifier::ReadError::Photo(
            civitas_qr::QrError::Image(_)
        ))
    ));
}
