//! One way in: the input of a verification is recognised and parsed once (`Document::read`),
//! the checks take the parsed document (`Verifier::verify_document`), and the summary is made
//! from the report alone (`Verifier::summarize(&report)` takes no input to read again).

use crate::common;

use civitas_core::credential::Credential;
use civitas_core::data_integrity::ProofOptions;
use civitas_core::report::{CheckKind, DocumentKind, Report};
use civitas_core::secure::{Securing, secure_credential};
use civitas_jsonld::contexts::ContextLoader;
use civitas_qr::compact;
use civitas_qr::{EcLevel, QrError, QrSymbol};
use civitas_verifier::document::Parsed;
use civitas_verifier::{Document, InputFormat, ReadError};
use common::*;

const BIRTH: &str = "Birth certificate of Marie-Claire Lebon, born 2024-02-28";

fn photo_of(text: &str) -> Vec<u8> {
    QrSymbol::encode(text, EcLevel::L)
        .unwrap()
        .to_png(4)
        .unwrap()
}

/// Every form a verifier is handed, as bytes.
async fn every_form(w: &World) -> Vec<(&'static str, Vec<u8>, InputFormat)> {
    let di = w.valid_birth().await;
    let mut unsigned: serde_json::Value = serde_json::from_str(&di).unwrap();
    unsigned.as_object_mut().unwrap().remove("proof");
    let jwt = secure_credential(
        &unsigned,
        &w.registry.signer,
        Securing::VcJwt,
        &ProofOptions::default(),
        &ContextLoader::bundled(),
    )
    .await
    .unwrap();
    let credential = Credential::from_value(unsigned).unwrap();
    let cv1 = compact::encode(&credential, &w.registry.signer)
        .await
        .unwrap();
    let vp = w.present(&[&di], None, None).await;
    let mut forms = vec![
        ("Data Integrity", di.into_bytes(), InputFormat::Json),
        ("vc+jwt", jwt.into_bytes(), InputFormat::Jwt),
        ("CV1 text", cv1.clone().into_bytes(), InputFormat::Compact),
        ("presentation", vp.into_bytes(), InputFormat::Json),
    ];
    // Built without the `photo` feature, a photo is not read (see
    // `without_photo_reading_a_photo_is_refused_unread`).
    if cfg!(feature = "photo") {
        forms.push(("photo of CV1", photo_of(&cv1), InputFormat::Image));
    }
    forms
}

#[tokio::test]
async fn each_form_is_read_once_into_the_document_the_checks_take() {
    let w = World::new().await;
    let v = w.standard_verifier().await;
    for (name, bytes, format) in every_form(&w).await {
        let document = Document::read(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(document.format, format, "{name}");
        assert_eq!(
            document.from_photo(),
            format == InputFormat::Image,
            "{name}"
        );
        match (&document.parsed, name) {
            (Parsed::Compact(_), "CV1 text" | "photo of CV1") => {}
            (Parsed::Credential(_), "Data Integrity" | "vc+jwt") => {}
            (Parsed::Presentation(_), "presentation") => {}
            (other, _) => panic!("{name} read as {other:?}"),
        }
        // The parsed document gives exactly the report the bytes give.
        let report = v.verify_document(&document, &opts()).await;
        let from_bytes = v.verify(&bytes, &opts()).await;
        assert_eq!(report, from_bytes, "{name}");
        assert_eq!(report.about, from_bytes.about, "{name}");
        // And the report records what the summary needs.
        assert_eq!(report.about.from_photo, document.from_photo(), "{name}");
        let described = match report.kind {
            DocumentKind::Presentation => {
                assert_eq!(report.about.description, None, "{name}");
                report.credentials[0].about.description.clone()
            }
            _ => report.about.description.clone(),
        };
        assert_eq!(described.as_deref(), Some(BIRTH), "{name}: {report}");
    }
}

#[tokio::test]
async fn the_summary_is_made_from_the_report_alone() {
    let w = World::new().await;
    let v = w.standard_verifier().await;
    let birth = w.valid_birth().await;
    let mut report = v.verify(birth.as_bytes(), &opts()).await;
    let headline = |report: &Report| v.summarize(report).headline;
    assert_eq!(
        headline(&report),
        format!("VALID — {BIRTH}, issued by {REGISTRY_NAME}")
    );

    // What the summary says the document is comes from the report, nowhere else.
    report.about.description = Some("Marriage certificate of nobody".into());
    assert_eq!(
        headline(&report),
        format!("VALID — Marriage certificate of nobody, issued by {REGISTRY_NAME}")
    );
    // A report read back from JSON records nothing about the document: it is a "Credential".
    let back: Report = serde_json::from_value(serde_json::to_value(&report).unwrap()).unwrap();
    assert_eq!(
        headline(&back),
        format!("VALID — Credential, issued by {REGISTRY_NAME}")
    );

    // A presentation: one line per credential inside, each from its own report.
    let vp = w.present(&[&birth], None, None).await;
    let mut report = v.verify(vp.as_bytes(), &opts()).await;
    let documents = |report: &Report| v.summarize(report).documents;
    assert_eq!(
        documents(&report),
        [format!(
            "document 1: VALID — {BIRTH}, issued by {REGISTRY_NAME}"
        )]
    );
    report.credentials[0].about.description = Some("Something else".into());
    assert_eq!(
        documents(&report),
        [format!(
            "document 1: VALID — Something else, issued by {REGISTRY_NAME}"
        )]
    );
}

/// Whether a read error is the one expected.
type IsExpected = fn(&ReadError) -> bool;

#[tokio::test]
async fn what_cannot_be_read_is_a_typed_read_error_with_its_report() {
    let w = World::new().await;
    let v = w.standard_verifier().await;
    let mut broken = photo_of("CV1:");
    broken.truncate(broken.len() / 2);
    let cases: Vec<(Vec<u8>, IsExpected, &str)> = vec![
        (
            broken,
            if cfg!(feature = "photo") {
                |e| matches!(e, ReadError::Photo(QrError::Image(_)))
            } else {
                |e| matches!(e, ReadError::PhotoReadingNotBuilt)
            },
            "CANNOT READ THIS IMAGE — no QR code could be read from it",
        ),
        (
            b"{\"type\": [\"VerifiableCredential\"".to_vec(),
            |e| matches!(e, ReadError::Input(_)),
            "INVALID — this is not a document civitas can read",
        ),
        (
            b"CV1:not base45 at all!".to_vec(),
            |e| matches!(e, ReadError::Compact(_)),
            "INVALID — this is not a document civitas can read",
        ),
        (
            b"CV1:\xff\xfe".to_vec(),
            |e| matches!(e, ReadError::CompactNotUtf8),
            "INVALID — this is not a document civitas can read",
        ),
        (
            b"   ".to_vec(),
            |e| matches!(e, ReadError::Input(_)),
            "INVALID — this is not a document civitas can read",
        ),
    ];
    for (bytes, expected, headline) in cases {
        let error = Document::read(&bytes).expect_err("unreadable");
        assert!(expected(&error), "{error:?}");
        let report = error.report();
        assert_eq!(report.kind, DocumentKind::Unknown);
        assert_eq!(
            report.outcome(CheckKind::Syntax).map(|o| o.text()),
            Some(error.to_string().as_str())
        );
        assert_eq!(
            report.about.from_photo,
            matches!(error, ReadError::Photo(_) | ReadError::PhotoReadingNotBuilt)
        );
        assert_eq!(error.is_photo(), report.about.from_photo);
        // What `verify` says of the bytes is that report.
        let from_bytes = v.verify(&bytes, &opts()).await;
        assert_eq!(from_bytes, report);
        assert_eq!(from_bytes.about, report.about);
        assert_eq!(v.summarize(&report).headline, headline, "{error}");
    }
}

/// Built without the `photo` feature (`cargo test -p civitas-verifier --no-default-features
/// --features server --test suite`), a good photo of a valid CV1 code is refused unread with a
/// typed error, and the clerk is told the image was not read — never that the document is
/// invalid. Its text is still read.
#[cfg(not(feature = "photo"))]
#[tokio::test]
async fn without_photo_reading_a_photo_is_refused_unread() {
    let w = World::new().await;
    let v = w.standard_verifier().await;
    let forms = every_form(&w).await;
    let (_, cv1, _) = forms
        .iter()
        .find(|(name, ..)| *name == "CV1 text")
        .expect("the CV1 form");
    let text = std::str::from_utf8(cv1).unwrap();
    let photo = photo_of(text);
    assert_eq!(InputFormat::detect(&photo), InputFormat::Image);
    let error = Document::read(&photo).expect_err("not read");
    assert_eq!(error, ReadError::PhotoReadingNotBuilt);
    assert!(
        error.to_string().contains("built without photo reading"),
        "{error}"
    );
    let report = v.verify(&photo, &opts()).await;
    assert_eq!(report, error.report());
    assert!(report.about.from_photo);
    let summary = v.summarize(&report);
    assert_eq!(
        summary.headline,
        "CANNOT READ THIS IMAGE — no QR code could be read from it"
    );
    assert!(
        summary
            .reason
            .as_deref()
            .is_some_and(|r| r.ends_with(&error.to_string())),
        "{:?}",
        summary.reason
    );
    // The QR code's text is read as ever.
    let from_text = Document::read(cv1).expect("the CV1 text reads");
    assert!(matches!(from_text.parsed, Parsed::Compact(_)));
    assert_eq!(
        v.verify_document(&from_text, &opts())
            .await
            .about
            .description
            .as_deref(),
        Some(BIRTH)
    );
}
