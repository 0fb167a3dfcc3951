//! Printable certificates: SVG, PDF and PNG of the birth and marriage certificates (the signed
//! vectors) and of the sample of every bundled document type, laid out from its profile; the PDF
//! opens with poppler's `pdftoppm` and its page image carries a QR code that reads back as the
//! same compact credential. Without `pdftoppm` these checks are skipped with a message, except
//! under `CI=true`, where they fail (Debian: `apt-get install -y poppler-utils`).

use std::path::PathBuf;
use std::process::Command;

use civitas_core::credential::{Credential, CredentialBuilder};
use civitas_core::model::{DocumentType, sample};
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::resolver::OfflineResolver;
use civitas_keys::signer::LocalSigner;
use civitas_qr::compact;
use civitas_qr::{EcLevel, decode_image};
use civitas_render::certificate::{self, Format, RenderError, RenderOptions, layout};
use civitas_testkit::{pdf, samples};
use serde_json::{Value, json};

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
        "Female / Féminin",
        "28 February 2024 / 28 février 2024",
        "Time of birth",
        ">14:35<",
        "Victoria Hospital, Candos, Plaines Wilhems, MU",
        "Mother · Mère",
        "Father · Père",
        "Registration · Enregistrement",
        "Civil Status Office, Rose Hill",
        "Entry number / Numéro d&apos;acte<",
        ">PW/B/2024/001234<",
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
        "Spouses · Époux",
        "Anil",
        "Sophie",
        "Name after marriage",
        "Male / Masculin",
        "Witnesses · Témoins",
        "1. Jean Li (L1111197000001)",
        "2. Priya Ramsamy (R2222198800002)",
        "14 June 2025 / 14 juin 2025",
    ] {
        assert!(svg.contains(needle), "{needle} is missing");
    }
    // The spouses side by side: each row of the section has both spouses' values on its line.
    let row = |value: &str| {
        svg.lines()
            .find(|l| l.contains(&format!(">{value}<")))
            .and_then(|l| l.split("y=\"").nth(1))
            .and_then(|r| r.split('"').next())
            .map(str::to_owned)
    };
    assert_eq!(row("Anil"), row("Sophie"));
    assert!(row("Anil").is_some());
    assert_eq!(row("Doorgah"), row("Li"));
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
    let kind = samples::kind("birth");
    let mut birth = samples::birth();
    birth["givenName"] = json!("<script>alert(1)</script> & \"Zoé\"");
    birth["registration"]["registrationOffice"] = json!(
        "Bureau de l'état civil de la municipalité "
            .repeat(4)
            .trim()
    );
    birth["birthPlace"]["name"] = json!("Très Long Nom d'Hôpital Régional ".repeat(5).trim());
    let credential = CredentialBuilder::new(signer.controller())
        .document(&kind, birth)
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

/// The sample of `kind`, signed by the test issuer, and its QR text.
async fn sample_with_qr(kind: &DocumentType) -> (Credential, String) {
    let signer = test_signer();
    let subject = sample(kind).unwrap();
    let credential = CredentialBuilder::new(signer.controller())
        .document(kind, subject)
        .build()
        .unwrap_or_else(|e| panic!("{kind}: {e}"));
    let text = compact::encode(&credential, &signer).await.unwrap();
    (credential, text)
}

#[tokio::test]
async fn every_bundled_type_prints_a_page_from_its_profile() {
    let kinds = DocumentType::all();
    assert!(kinds.len() >= 7, "{kinds:?}");
    let has_pdftotext =
        pdf::pdftoppm_available() && Command::new("pdftotext").arg("-v").output().is_ok();
    for kind in kinds {
        let known = kind.profile().unwrap();
        let profile = &known.profile;
        let title = &profile.certificate.title;
        let (credential, text) = sample_with_qr(&kind).await;
        let (svg, _) = layout(credential.json(), &text, EcLevel::M).unwrap();
        for section in &profile.certificate.sections {
            assert!(
                svg.contains(&escape(section.title.en())),
                "{kind}: section {} is missing",
                section.title.en()
            );
        }
        assert!(svg.contains(&escape(title.en())), "{kind}");
        assert!(svg.contains(&escape(title.fr())), "{kind}");

        let pdf = certificate::render(credential.json(), &text, Format::Pdf).unwrap();
        assert!(pdf.starts_with(b"%PDF-"), "{kind}");
        let file = out_dir().join(format!("sample-{kind}.pdf"));
        std::fs::write(&file, &pdf).unwrap();
        if has_pdftotext {
            let out = Command::new("pdftotext")
                .arg(&file)
                .arg("-")
                .output()
                .unwrap();
            let words = String::from_utf8_lossy(&out.stdout).to_string();
            assert!(words.contains(title.en()), "{kind}: {words}");
            assert!(words.contains("Comment vérifier"), "{kind}: {words}");
        }

        let png = certificate::render(credential.json(), &text, Format::Png).unwrap();
        std::fs::write(out_dir().join(format!("sample-{kind}.png")), &png).unwrap();
        let page = image::load_from_memory(&png).unwrap();
        assert!(page.width().abs_diff(1654) <= 1 && page.height().abs_diff(2339) <= 1);
        assert_eq!(decode_image(&png).unwrap(), text, "{kind}: the QR code");
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('\'', "&apos;")
}

#[tokio::test]
async fn values_are_written_by_their_kinds() {
    let expected: [(&str, &[&str]); 5] = [
        (
            "DrivingLicence",
            &[
                "Categories · Catégories",
                "Cars / Voitures",
                "Light motorcycles",
                "15 June 2009",
                "Traffic Management and Road Safety Unit",
            ],
        ),
        (
            "Payslip",
            &[
                "Earnings / Gains",
                "Basic salary",
                "42000.00 MUR",
                "Deductions / Retenues",
                "Net pay",
                "40905.98 MUR",
                "Lagoon Textiles Ltd",
            ],
        ),
        (
            "VaccinationCertificate",
            &[
                "Yellow fever / Fièvre jaune",
                "Doses",
                "Dose number",
                ">1<",
                "Stamaril",
                "2 September 2025 / 2 septembre 2025",
            ],
        ),
        (
            "AcademicCertificate",
            &[
                "University of Mauritius, UOM, Réduit, MU",
                "Bachelor&apos;s degree / Licence",
                "Upper second class / Mention bien",
                ">180<",
            ],
        ),
        (
            "DeathCertificate",
            &[
                "Jawaharlal Nehru Hospital, Rose Belle, Grand Port, MU",
                ">06:10<",
                "Male / Masculin",
                "Entry number / Numéro d&apos;acte<",
                ">GP/D/2025/000877<",
            ],
        ),
    ];
    for (name, needles) in expected {
        let kind = samples::kind(name);
        let (credential, text) = sample_with_qr(&kind).await;
        let (svg, _) = layout(credential.json(), &text, EcLevel::M).unwrap();
        for needle in needles {
            assert!(svg.contains(needle), "{name}: {needle} is missing");
        }
        // No registration number in the header of a type without one.
        if name != "DeathCertificate" {
            assert!(!svg.contains("Numéro d&apos;acte"), "{name}");
        }
    }
}

#[tokio::test]
async fn long_lists_are_laid_out_item_by_item_and_fit() {
    // Every category of the driving licence: more items than columns.
    let signer = test_signer();
    let kind = samples::kind("DrivingLicence");
    let mut subject = sample(&kind).unwrap();
    let codes = [
        "AM", "A1", "A2", "A", "B", "BE", "C1", "C", "CE", "D1", "D", "DE",
    ];
    subject["categories"] = codes
        .iter()
        .map(|c| json!({"type": "DrivingCategory", "categoryCode": c, "issueDate": "2024-05-02"}))
        .collect();
    let credential = CredentialBuilder::new(signer.controller())
        .document(&kind, subject)
        .build()
        .unwrap();
    let text = compact::encode(&credential, &signer).await.unwrap();
    let (svg, _) = layout(credential.json(), &text, EcLevel::M).unwrap();
    for needle in [
        "Categories / Catégories · 1/12",
        "Categories / Catégories · 6/12",
        "Mopeds / Cyclomoteurs",
        "+ 6 more / + 6 autres (in the QR code / dans le code QR)",
    ] {
        assert!(svg.contains(needle), "{needle} is missing");
    }
    assert!(!svg.contains("Categories / Catégories · 7/12"));
    // Nothing is laid out below the body: every value sits above the footer's rule.
    for line in svg.lines().filter(|l| l.contains("font-size=\"3.")) {
        let y: f32 = line
            .split("y=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .and_then(|y| y.parse().ok())
            .unwrap();
        assert!(y < 230.0, "{line}");
    }
    let png = certificate::render(credential.json(), &text, Format::Png).unwrap();
    std::fs::write(out_dir().join("long-list.png"), &png).unwrap();
    assert_eq!(decode_image(&png).unwrap(), text);
}
