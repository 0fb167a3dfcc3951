//! Printable certificates: SVG, PDF and PNG of the birth and marriage certificates; the PDF opens
//! with poppler's `pdftoppm` and its page image carries a QR code that reads back as the same
//! compact credential. Without `pdftoppm` these checks are skipped with a message, except under
//! `CI=true`, where they fail (Debian: `apt-get install -y poppler-utils`).

use std::path::PathBuf;
use std::process::Command;

use civitas_core::credential::{Credential, CredentialBuilder};
use civitas_core::model::samples;
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::resolver::OfflineResolver;
use civitas_keys::signer::LocalSigner;
use civitas_qr::compact;
use civitas_qr::{EcLevel, decode_image};
use civitas_render::certificate::{self, Format, RenderError, RenderOptions, layout};
use civitas_testkit::pdf;
use serde_json::Value;

fn vector(path: &str) -> Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../vectors")
        .join(path);
    serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap()
}

fn test_signer() -> LocalSigner {
    LocalSigner::did_key(
        KeyPair::from_secret_bytes(KeyAlgorithm::Ed25519, b"civitas-test-issuer-seed-32bytes")
            .unwrap(),
    )
}

async fn with_qr(path: &str) -> (Value, String) {
    let json = vector(path);
    let credential = Credential::from_value(json.clone()).unwrap();
    let text = compact::encode(&credential, &test_signer()).await.unwrap();
    (json, text)
}

const DOCUMENTS: [&str; 2] = [
    "civitas/birth-certificate/signed-di.json",
    "civitas/marriage-certificate/signed-di.json",
];

/// Where rendered samples are left for a person to look at.
fn out_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("certificates");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn name_of(path: &str) -> &str {
    path.split('/').nth(1).unwrap_or("document")
}

#[tokio::test]
async fn the_layout_has_bilingual_labels_the_fields_and_the_qr() {
    let (json, text) = with_qr(DOCUMENTS[0]).await;
    let (svg, symbol) = layout(&json, &text, EcLevel::M).unwrap();
    for needle in [
        "Birth Certificate",
        "Acte de naissance",
        "Given name(s)",
        "Prénom(s)",
        "Date of birth",
        "Date de naissance",
        "Marie-Claire",
        "John / Jean",
        "28 February 2024 / 28 février 2024, 14:35",
        "Victoria Hospital, Candos, Plaines Wilhems, MU",
        "Civil Status Office, Rose Hill",
        "urn:uuid:6f0d8a52-3c1e-4b7a-9f2e-1d5c8b4a7e30",
        "How to verify / Comment vérifier",
        "shape-rendering=\"crispEdges\"",
    ] {
        assert!(svg.contains(needle), "{needle} is missing");
    }
    assert_eq!(symbol.ec_level(), EcLevel::M);
    let (json, text) = with_qr(DOCUMENTS[1]).await;
    let (svg, _) = layout(&json, &text, EcLevel::M).unwrap();
    for needle in [
        "Marriage Certificate",
        "Acte de mariage",
        "Anil",
        "Sophie",
        "Witness 2",
        "Priya Ramsamy (R2222198800002)",
    ] {
        assert!(svg.contains(needle), "{needle} is missing");
    }
}

#[tokio::test]
async fn svg_and_png_carry_a_readable_qr_code() {
    for path in DOCUMENTS {
        let (json, text) = with_qr(path).await;
        let svg = certificate::render(&json, &text, Format::Svg).unwrap();
        let svg_text = String::from_utf8(svg.clone()).unwrap();
        assert!(svg_text.starts_with("<svg"));
        assert!(!svg_text.contains("<text"), "text must be outlines");
        std::fs::write(out_dir().join(format!("{}.svg", name_of(path))), &svg).unwrap();

        let rendered =
            certificate::render_with(&json, &text, Format::Png, &RenderOptions::default()).unwrap();
        std::fs::write(
            out_dir().join(format!("{}.png", name_of(path))),
            &rendered.bytes,
        )
        .unwrap();
        let page = image::load_from_memory(&rendered.bytes).unwrap();
        // A4 at 200 dpi: 1654 x 2339 pixels, give or take rounding.
        assert!(page.width().abs_diff(1654) <= 1 && page.height().abs_diff(2339) <= 1);
        assert_eq!(decode_image(&rendered.bytes).unwrap(), text, "{path}");
        println!(
            "{path}: QR version {}-{}, {} characters",
            rendered.qr_version,
            rendered.qr_ec_level,
            text.len()
        );
    }
}

#[tokio::test]
async fn the_pdf_opens_with_pdftoppm_and_its_qr_reads_back() {
    for path in DOCUMENTS {
        let (json, text) = with_qr(path).await;
        let pdf = certificate::render(&json, &text, Format::Pdf).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let file = out_dir().join(format!("{}.pdf", name_of(path)));
        std::fs::write(&file, &pdf).unwrap();
        println!("{path}: PDF {} bytes", pdf.len());
        if !pdf::pdftoppm_available() {
            return;
        }
        // 150 dpi, and 300 dpi as a scanner (or the journey example) makes it: the larger page
        // is reduced before it is searched, and the code must still read.
        let mut read = String::new();
        for (dpi, (width, height)) in [(150, (1240, 1754)), (300, (2480, 3508))] {
            let page = pdf::first_page_png(&file, dpi);
            let decoded = image::load_from_memory(&page).unwrap();
            // A4, give or take rounding.
            assert!(decoded.width().abs_diff(width) <= 1 && decoded.height().abs_diff(height) <= 1);
            read = decode_image(&page).unwrap();
            assert_eq!(
                read, text,
                "{path}: the QR code on the PDF page at {dpi} dpi"
            );
        }
        let compact = compact::decode(&read).unwrap();
        compact
            .verify_signature(&OfflineResolver::new())
            .await
            .unwrap();
        assert_eq!(
            compact.to_credential_json(),
            Credential::from_value(json).unwrap().unsecured()
        );
        // The text is real text, with the fonts embedded (pdftotext is poppler's too).
        if let Ok(out) = Command::new("pdftotext").arg(&file).arg("-").output() {
            let words = String::from_utf8_lossy(&out.stdout).to_string();
            assert!(words.contains("Certificate"), "{words}");
            assert!(words.contains("Comment vérifier"), "{words}");
        }
    }
}

#[tokio::test]
async fn a_qr_text_of_another_credential_is_refused() {
    let (json, _) = with_qr(DOCUMENTS[0]).await;
    let (_, other) = with_qr(DOCUMENTS[1]).await;
    assert_eq!(
        certificate::render(&json, &other, Format::Pdf),
        Err(RenderError::Mismatch)
    );
    assert!(matches!(
        certificate::render(&json, "CV1:GARBAGE", Format::Pdf),
        Err(RenderError::Compact(_))
    ));
    let mut not_ours = json.clone();
    not_ours["type"] = serde_json::json!(["VerifiableCredential"]);
    assert!(matches!(
        certificate::render(&not_ours, "CV1:", Format::Svg),
        Err(RenderError::NotACertificate(_))
    ));
    assert!(matches!(
        certificate::render(&serde_json::json!([1]), "CV1:", Format::Svg),
        Err(RenderError::Credential(_))
    ));
    assert!(matches!(
        "docx".parse::<Format>(),
        Err(RenderError::Format(_))
    ));
}

#[tokio::test]
async fn hostile_and_long_values_are_escaped_and_fit() {
    let signer = test_signer();
    let mut birth = samples::birth_certificate();
    birth.given_name = "<script>alert(1)</script> & \"Zoé\"".into();
    birth.registration.office = "Bureau de l'état civil de la municipalité "
        .repeat(4)
        .trim()
        .to_owned();
    birth.birth_place = birth
        .birth_place
        .named("Très Long Nom d'Hôpital Régional ".repeat(5).trim());
    let credential = CredentialBuilder::new(signer.controller())
        .document(&birth)
        .build()
        .unwrap();
    let text = compact::encode(&credential, &signer).await.unwrap();
    let (svg, _) = layout(credential.json(), &text, EcLevel::Q).unwrap();
    assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Zoé&quot;"));
    assert!(!svg.contains("<script"));
    let rendered = certificate::render_with(
        credential.json(),
        &text,
        Format::Png,
        &RenderOptions {
            ec_level: EcLevel::Q,
            png_dpi: 200,
        },
    )
    .unwrap();
    std::fs::write(out_dir().join("long-values.png"), &rendered.bytes).unwrap();
    assert_eq!(rendered.qr_ec_level, EcLevel::Q);
    assert_eq!(decode_image(&rendered.bytes).unwrap(), text);
    assert_eq!(
        certificate::render_with(
            credential.json(),
            &text,
            Format::Png,
            &RenderOptions {
                ec_level: EcLevel::M,
                png_dpi: 5000,
            },
        ),
        Err(RenderError::Dpi(5000))
    );
}
