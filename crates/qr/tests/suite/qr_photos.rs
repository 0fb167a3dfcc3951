//! The QR reader on phone-photograph-like images of a real civitas QR code (generated here,
//! deterministically, by `common::photo`): it must read a set that the reader before rxing
//! missed (it read 48 of 160 such images where zbar read 114; `examples/qr_photo_rates.rs`),
//! bound its work on large images, and say "not found" rather than anything about a document.

use std::io::Cursor;
use std::time::{Duration, Instant};

use civitas_qr::{EcLevel, MAX_IMAGE_PIXELS, QrError, QrSymbol, decode_image, decode_luma};
use image::{GrayImage, ImageFormat, Luma};

use crate::common::photo::{FAMILIES, Rng, Shot, photograph};

/// A compact credential's length and alphabet (`CV1:` + Base45, 600 characters: version 16-M).
fn payload() -> String {
    let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    let mut rng = Rng::new(7);
    let body: String = (0..596)
        .map(|_| alphabet[(rng.next_u64() % alphabet.len() as u64) as usize] as char)
        .collect();
    format!("CV1:{body}")
}

fn symbol_image(text: &str) -> GrayImage {
    QrSymbol::encode(text, EcLevel::M).unwrap().to_image(1)
}

fn shot_of(family: &str, i: usize) -> Shot {
    let family = FAMILIES.iter().find(|f| f.name == family).unwrap();
    (family.shot)(i, 20)
}

#[test]
fn phone_photos_are_read() {
    let text = payload();
    let symbol = symbol_image(&text);
    // Each degradation at a strength the former reader (rqrr alone) could not read, zbar
    // missing some of them too.
    let cases = [
        ("rotation", 12),
        ("blur", 17),
        ("downscale", 16),
        ("jpeg", 2),
        ("perspective", 19),
        ("light", 18),
        ("noise", 17),
        ("phone", 1),
        ("phone", 4),
    ];
    let mut missed = Vec::new();
    for (family, i) in cases {
        let shot = shot_of(family, i);
        let photo = photograph(&symbol, &shot);
        match decode_image(&photo) {
            Ok(read) => assert_eq!(read, text, "{family} {i}"),
            Err(e) => missed.push(format!("{family} {i} ({shot:?}): {e}")),
        }
    }
    assert!(missed.is_empty(), "not read:\n{}", missed.join("\n"));
}

#[test]
fn a_large_noisy_image_is_searched_within_the_budget() {
    // 4000 x 4000 pixels of noise: the former reader spent over five CPU-minutes on it.
    let mut rng = Rng::new(11);
    let mut pixels = vec![0u8; 4000 * 4000];
    for chunk in pixels.chunks_mut(8) {
        chunk.copy_from_slice(&rng.next_u64().to_le_bytes()[..chunk.len()]);
    }
    let noise = GrayImage::from_raw(4000, 4000, pixels).unwrap();
    let start = Instant::now();
    let outcome = decode_luma(noise);
    let elapsed = start.elapsed();
    assert_eq!(
        outcome,
        Err(QrError::NotFound {
            width: 4000,
            height: 4000
        })
    );
    assert!(elapsed < Duration::from_secs(30), "{elapsed:?}");
}

#[test]
fn a_code_in_a_large_photo_is_found_after_reduction() {
    // A 3200 x 2400 photo (searched at 1600 x 1200 first) with the code in a part of it.
    let text = payload();
    let symbol = symbol_image(&text);
    let shot = Shot {
        rotate_deg: 4.0,
        blur: 0.8,
        px_per_module: 7.0,
        noise: 4.0,
        ..Shot::default()
    };
    let photo = crate::common::photo::photograph_luma(&symbol, &shot);
    let mut frame = GrayImage::from_pixel(3200, 2400, Luma([180]));
    image::imageops::overlay(&mut frame, &photo, 900, 500);
    let mut jpeg = Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
        .encode_image(&frame)
        .unwrap();
    assert_eq!(decode_image(jpeg.get_ref()).unwrap(), text);
}

#[test]
fn too_many_pixels_are_refused_from_the_header() {
    // A valid PNG header claiming 9000 x 9000 pixels (81 megapixels) and no pixel data: the
    // refusal comes from the dimensions, before any decoding.
    let mut png = Cursor::new(Vec::new());
    GrayImage::new(1, 1)
        .write_to(&mut png, ImageFormat::Png)
        .unwrap();
    let mut png = png.into_inner();
    png[16..20].copy_from_slice(&9000u32.to_be_bytes());
    png[20..24].copy_from_slice(&9000u32.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    let err = decode_image(&png).unwrap_err();
    let QrError::ImageTooLarge(message) = &err else {
        panic!("{err:?}");
    };
    assert!(message.contains("9000x9000"), "{message}");
    assert!(
        err.to_string()
            .contains(&(MAX_IMAGE_PIXELS / 1_000_000).to_string()),
        "{err}"
    );
}

/// CRC-32 (PNG chunks).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
