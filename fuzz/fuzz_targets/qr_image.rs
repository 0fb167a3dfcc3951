//! Arbitrary bytes as a photo of a QR code: reading it must never panic, hang or blow up memory,
//! whether the bytes are a PNG or JPEG file (header, compressed pixels) or the pixels themselves
//! handed to the detector and decoder. Input is bounded (64 KiB, as CI's `-max_len`); files
//! whose header claims more than 32,768 pixels (and raw pixels beyond that many) are only
//! checked for their header, so that each run stays fast (the refusal of large images is tested
//! in civitas-qr's suite).
#![no_main]

use civitas_qr as qr;
use libfuzzer_sys::fuzz_target;

const MAX_INPUT: usize = 64 * 1024;
const MAX_FUZZ_PIXELS: u64 = 1 << 15;

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_INPUT {
        return;
    }
    // The bytes as an image file.
    if let Ok((w, h)) = qr::image_dimensions(data)
        && u64::from(w) * u64::from(h) <= MAX_FUZZ_PIXELS
    {
        let _ = qr::decode_image(data);
    }
    // The bytes as grey pixels: the first byte picks the width (1 to 256).
    if let Some((&first, pixels)) = data.split_first() {
        let width = u32::from(first) + 1;
        let height = pixels.len() as u32 / width;
        if height > 0 {
            let height = height.min(MAX_FUZZ_PIXELS as u32 / width);
            let pixels = pixels[..(width * height) as usize].to_vec();
            if let Some(image) = qr::GrayImage::from_raw(width, height, pixels) {
                let _ = qr::decode_luma(image);
            }
        }
    }
});
