//! Credential → compact text → QR code image → read back by the QR reader → signature verified,
//! same claims; and garbage images give typed errors, never a panic.

use std::io::Cursor;
use std::path::PathBuf;

use civitas_core::credential::Credential;
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::resolver::OfflineResolver;
use civitas_keys::signer::LocalSigner;
use civitas_qr::compact::{self, CompactError};
use civitas_qr::{EcLevel, QrError, QrSymbol, decode_image};
use image::{GrayImage, ImageFormat, Luma};
use proptest::prelude::*;

fn vector(path: &str) -> serde_json::Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../vectors")
        .join(path);
    serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap()
}

/// The TEST-ONLY issuer of vectors/civitas (Ed25519 from a fixed seed).
fn test_signer() -> LocalSigner {
    LocalSigner::did_key(
        KeyPair::from_secret_bytes(KeyAlgorithm::Ed25519, b"civitas-test-issuer-seed-32bytes")
            .unwrap(),
    )
}

fn png_of(image: &GrayImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn credential_to_qr_png_and_back_verifies_with_the_same_claims() {
    for path in [
        "civitas/birth-certificate/signed-di.json",
        "civitas/marriage-certificate/signed-di.json",
    ] {
        let original = Credential::from_value(vector(path)).unwrap();
        let text = compact::encode(&original, &test_signer()).await.unwrap();
        for level in [EcLevel::M, EcLevel::Q] {
            let symbol = QrSymbol::encode(&text, level).unwrap();
            println!(
                "{path}: {} characters -> QR version {}-{} ({}x{} modules)",
                text.len(),
                symbol.version(),
                symbol.ec_level(),
                symbol.width(),
                symbol.width(),
            );
            let png = symbol.to_png(4).unwrap();
            let read_text = decode_image(&png).unwrap();
            assert_eq!(read_text, text);
            let read = compact::decode(&read_text).unwrap();
            read.verify_signature(&OfflineResolver::new())
                .await
                .unwrap();
            assert_eq!(read.to_credential_json(), original.unsecured());
        }
        // The default level keeps a typical certificate at version 16 or below.
        assert!(QrSymbol::encode(&text, EcLevel::M).unwrap().version() <= 16);
    }
}

#[tokio::test]
async fn a_photo_like_jpeg_reads_too() {
    let original =
        Credential::from_value(vector("civitas/birth-certificate/signed-di.json")).unwrap();
    let text = compact::encode(&original, &test_signer()).await.unwrap();
    let symbol = QrSymbol::encode(&text, EcLevel::M).unwrap();
    // On a grey desk, turned a quarter, slightly blurred, saved as a lossy JPEG.
    let qr = symbol.to_image(5);
    let mut desk = GrayImage::from_pixel(qr.width() + 300, qr.height() + 200, Luma([170]));
    image::imageops::overlay(&mut desk, &qr, 140, 90);
    let photo = image::imageops::blur(&image::imageops::rotate90(&desk), 0.8);
    let mut jpeg = Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 70)
        .encode_image(&photo)
        .unwrap();
    assert_eq!(decode_image(jpeg.get_ref()).unwrap(), text);
}

#[test]
fn a_qr_code_that_is_not_a_civitas_credential_is_a_clear_error() {
    let png = QrSymbol::encode("HC1:NCFOXN%TS3DH", EcLevel::M)
        .unwrap()
        .to_png(4)
        .unwrap();
    let text = decode_image(&png).unwrap();
    assert!(matches!(
        compact::decode(&text),
        Err(CompactError::Prefix { .. })
    ));
}

#[test]
fn garbage_images_are_typed_errors() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("text", b"CV1:not an image".to_vec()),
        (
            "truncated png",
            png_of(&GrayImage::new(40, 40))[..30].to_vec(),
        ),
        ("jpeg header only", vec![0xff, 0xd8, 0xff, 0xe0, 0, 16]),
        ("bmp", b"BM\x00\x00\x00\x00".to_vec()),
    ];
    for (name, bytes) in cases {
        let err = decode_image(&bytes).unwrap_err();
        assert!(
            matches!(err, QrError::Image(_) | QrError::ImageTooLarge(_)),
            "{name}: {err:?}"
        );
    }
    // Noise, and a picture of nothing.
    let mut x = 1u32;
    let noise = GrayImage::from_fn(300, 200, |_, _| {
        x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        Luma([(x >> 24) as u8])
    });
    assert!(matches!(
        decode_image(&png_of(&noise)),
        Err(QrError::NotFound { .. } | QrError::Unreadable(_))
    ));
    // A PNG claiming 20000 x 20000 pixels is refused before decoding.
    let mut huge = png_of(&GrayImage::new(1, 1));
    huge[16..20].copy_from_slice(&20_000u32.to_be_bytes());
    huge[20..24].copy_from_slice(&20_000u32.to_be_bytes());
    assert!(decode_image(&huge).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = decode_image(&bytes);
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(&bytes);
        let _ = decode_image(&png);
    }

    #[test]
    fn random_pictures_never_panic(
        w in 1u32..120,
        h in 1u32..120,
        seed in any::<u32>(),
    ) {
        let mut x = seed;
        let picture = GrayImage::from_fn(w, h, |_, _| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            Luma([if x >> 31 == 1 { 0 } else { 255 }])
        });
        let _ = decode_image(&png_of(&picture));
    }
}
