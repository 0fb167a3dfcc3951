//! Reading a QR code back from a photo or a scan (feature `photo`): PNG or JPEG, bounded in
//! size and work, with rxing (the Rust port of ZXing's detector and decoder).
//!
//! Reading is made for phone photographs (a few degrees turned, tilted, defocused, unevenly
//! lit, noisy, JPEG): the image is reduced to at most [`SEARCH_SIDE`] pixels a side and
//! searched in a few passes (as it is, smoothed, sharpened, with one global threshold, with
//! more pixels per module) until one reads the code or the [`WORK_BUDGET_PIXELS`] are spent.
//! An image of more than [`MAX_IMAGE_PIXELS`] is refused from its header. On the generated
//! photo set of `examples/qr_photo_rates.rs` it reads more than zbar does, and every image zbar
//! reads.

use std::io::Cursor;

use image::ImageFormat;

use crate::symbol::{GrayImage, QrError};

/// Largest image file read (bytes).
pub const MAX_IMAGE_BYTES: usize = 32 * 1024 * 1024;
/// Largest image width or height read (pixels).
pub const MAX_IMAGE_SIDE: u32 = 10_000;
/// Largest image read, in pixels: a 50-megapixel phone photo. Larger images are refused from
/// their header, before their pixels are decoded.
pub const MAX_IMAGE_PIXELS: u64 = 50_000_000;
/// Longest side searched first: a larger image is reduced to this (then, if the budget allows,
/// searched once more at up to twice this).
pub const SEARCH_SIDE: u32 = 1600;
/// The reader's work budget: the pixels examined by all its passes together. Every pass of a
/// 1600x1200 working image fits (four passes of 1.9 million pixels and one of 7.7 million).
pub const WORK_BUDGET_PIXELS: u64 = 16_000_000;

/// Reads the QR code in a PNG or JPEG image (a scan or a photo) and returns its text.
///
/// The work is bounded: the image's dimensions are read from its header and an image of more
/// than [`MAX_IMAGE_PIXELS`] is refused before it is decoded ([`QrError::ImageTooLarge`]); a
/// large one is reduced before it is searched, and the search stops after examining
/// [`WORK_BUDGET_PIXELS`] pixels in all. [`QrError::NotFound`] then means "this image cannot be
/// read", never that a document is invalid.
pub fn decode_image(bytes: &[u8]) -> Result<String, QrError> {
    let image = load_luma(bytes)?;
    decode_luma(image)
}

/// The width and height of a PNG or JPEG image, read from its header alone (no pixel is
/// decoded).
pub fn image_dimensions(bytes: &[u8]) -> Result<(u32, u32), QrError> {
    image_reader(bytes)?
        .into_dimensions()
        .map_err(|e| QrError::Image(e.to_string()))
}

fn image_reader(bytes: &[u8]) -> Result<image::ImageReader<Cursor<&[u8]>>, QrError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(QrError::ImageTooLarge(format!(
            "{} bytes, more than {MAX_IMAGE_BYTES}",
            bytes.len()
        )));
    }
    let reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| QrError::Image(e.to_string()))?;
    match reader.format() {
        Some(ImageFormat::Png | ImageFormat::Jpeg) => Ok(reader),
        Some(other) => Err(QrError::Image(format!(
            "{other:?} images are not supported (PNG, JPEG)"
        ))),
        None => Err(QrError::Image("unknown image format (PNG, JPEG)".into())),
    }
}

/// Decodes a PNG or JPEG image to grayscale, refusing one larger than [`MAX_IMAGE_BYTES`],
/// [`MAX_IMAGE_SIDE`] or [`MAX_IMAGE_PIXELS`] before decoding its pixels.
pub fn load_luma(bytes: &[u8]) -> Result<GrayImage, QrError> {
    // The header first: a huge image is refused before a single pixel is decoded.
    let (width, height) = image_dimensions(bytes)?;
    check_dimensions(width, height)?;
    let mut reader = image_reader(bytes)?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let image = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(l) => QrError::ImageTooLarge(l.to_string()),
        other => QrError::Image(other.to_string()),
    })?;
    Ok(image.into_luma8())
}

fn check_dimensions(width: u32, height: u32) -> Result<(), QrError> {
    let pixels = u64::from(width) * u64::from(height);
    if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || pixels > MAX_IMAGE_PIXELS {
        return Err(QrError::ImageTooLarge(format!(
            "{width}x{height} pixels ({:.1} megapixels); the reader takes at most {} megapixels \
             and {MAX_IMAGE_SIDE} pixels a side: save the photo at a lower resolution",
            pixels as f64 / 1e6,
            MAX_IMAGE_PIXELS / 1_000_000
        )));
    }
    Ok(())
}

/// Reads the QR code in a grayscale image, within the same bounds as [`decode_image`].
pub fn decode_luma(image: GrayImage) -> Result<String, QrError> {
    let (width, height) = image.dimensions();
    if width == 0 || height == 0 {
        return Err(QrError::Image("the image is empty".into()));
    }
    check_dimensions(width, height)?;
    Search::new(image).run()
}

/// What one pass of the search looks at: the working image, or a filtered copy of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    /// The image, reduced to at most [`SEARCH_SIDE`] pixels a side.
    Base,
    /// The working image smoothed (sensor noise, JPEG blocks).
    Smooth,
    /// The working image sharpened (defocus).
    Sharp,
    /// More pixels per module: the original at up to twice [`SEARCH_SIDE`] if it is larger,
    /// else the working image enlarged twice (a code printed small or photographed far away).
    Fine,
}

/// How a view is made black and white before the detector looks at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Threshold {
    /// ZXing's local thresholds (8x8 blocks against their 5x5 neighbourhood): uneven light.
    Local,
    /// One threshold for the whole image (ZXing's histogram valley).
    Global,
}

/// The passes, likeliest first: on the phone-photo set of `examples/qr_photo_rates.rs` the
/// first reads about nine in ten of the codes that are read at all.
const PASSES: [(View, Threshold); 5] = [
    (View::Base, Threshold::Local),
    (View::Smooth, Threshold::Local),
    (View::Sharp, Threshold::Local),
    (View::Base, Threshold::Global),
    (View::Fine, Threshold::Local),
];

/// The search: [`PASSES`] in order, each charged the pixels it examines against
/// [`WORK_BUDGET_PIXELS`]; a pass that would overspend is skipped.
struct Search {
    original: GrayImage,
    base: GrayImage,
    /// Pixels examined so far.
    spent: u64,
}

impl Search {
    fn new(original: GrayImage) -> Self {
        // Area averaging also averages away sensor noise.
        let base = reduce(&original, SEARCH_SIDE);
        Self {
            original,
            base,
            spent: 0,
        }
    }

    fn view(&self, view: View) -> std::borrow::Cow<'_, GrayImage> {
        use std::borrow::Cow;
        match view {
            View::Base => Cow::Borrowed(&self.base),
            View::Smooth => Cow::Owned(image::imageops::blur(&self.base, 1.2)),
            View::Sharp => Cow::Owned(image::imageops::unsharpen(&self.base, 2.0, 0)),
            View::Fine => {
                if self.original.width().max(self.original.height()) > SEARCH_SIDE {
                    Cow::Owned(reduce(&self.original, 2 * SEARCH_SIDE))
                } else {
                    Cow::Owned(image::imageops::resize(
                        &self.base,
                        self.base.width() * 2,
                        self.base.height() * 2,
                        image::imageops::FilterType::CatmullRom,
                    ))
                }
            }
        }
    }

    /// The pixels `view` has, without making it.
    fn cost(&self, view: View) -> u64 {
        let pixels = |w: u32, h: u32| u64::from(w) * u64::from(h);
        match view {
            View::Base | View::Smooth | View::Sharp => {
                pixels(self.base.width(), self.base.height())
            }
            View::Fine => {
                let (w, h) = self.original.dimensions();
                if w.max(h) > SEARCH_SIDE {
                    pixels(w, h).min(4 * pixels(self.base.width(), self.base.height()))
                } else {
                    4 * pixels(self.base.width(), self.base.height())
                }
            }
        }
    }

    fn run(mut self) -> Result<String, QrError> {
        let (width, height) = self.original.dimensions();
        for (view, threshold) in PASSES {
            let cost = self.cost(view);
            if self.spent + cost > WORK_BUDGET_PIXELS {
                continue;
            }
            self.spent += cost;
            if let Some(text) = zxing(&self.view(view), threshold)? {
                return Ok(text);
            }
        }
        Err(QrError::NotFound { width, height })
    }
}

/// `image` reduced (area averaging) so that its longer side is at most `side`; a copy if it is
/// already that small.
fn reduce(image: &GrayImage, side: u32) -> GrayImage {
    let longest = image.width().max(image.height());
    if longest <= side || side == 0 {
        return image.clone();
    }
    let factor = f64::from(longest) / f64::from(side);
    let w = ((f64::from(image.width()) / factor).round() as u32).max(1);
    let h = ((f64::from(image.height()) / factor).round() as u32).max(1);
    image::imageops::resize(image, w, h, image::imageops::FilterType::Triangle)
}

/// One pass of ZXing's QR reader (rxing, the Rust port of zxing-cpp's detector). A panic inside
/// the third-party decoder, fed with an outside image, is contained and reported as an
/// unreadable code instead of taking the verifier down.
fn zxing(image: &GrayImage, threshold: Threshold) -> Result<Option<String>, QrError> {
    use rxing::Reader;
    if image.width() < 21 || image.height() < 21 {
        return Ok(None);
    }
    let hints = rxing::DecodeHints {
        TryHarder: Some(true),
        PossibleFormats: Some([rxing::BarcodeFormat::QR_CODE].into_iter().collect()),
        ..rxing::DecodeHints::default()
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let source =
            rxing::Luma8Source::new_with_slice(image.as_raw(), image.width(), image.height())
                .ok()?;
        let result = match threshold {
            Threshold::Local => rxing::qrcode::cpp_port::QrReader.decode_with_hints(
                &mut rxing::BinaryBitmap::new(rxing::common::HybridBinarizer::new(source)),
                &hints,
            ),
            Threshold::Global => rxing::qrcode::cpp_port::QrReader.decode_with_hints(
                &mut rxing::BinaryBitmap::new(rxing::common::GlobalHistogramBinarizer::new(source)),
                &hints,
            ),
        };
        result.ok().map(|r| r.getText().to_owned())
    }))
    .map_err(|_| QrError::Unreadable("the QR reader failed on this image".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::symbol::{EcLevel, QrSymbol};
    use image::Luma;
    #[test]
    fn the_png_reads_back() {
        let text = "CV1:0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ$%*+-./:";
        let symbol = QrSymbol::encode(text, EcLevel::M).unwrap();
        assert_eq!(decode_image(&symbol.to_png(3).unwrap()).unwrap(), text);
        assert!(symbol.to_svg("40mm").contains("viewBox"));
    }

    #[test]
    fn garbage_images_are_typed_errors() {
        assert!(matches!(decode_image(b""), Err(QrError::Image(_))));
        assert!(matches!(decode_image(b"GIF89a..."), Err(QrError::Image(_))));
        assert!(matches!(
            decode_image(b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR"),
            Err(QrError::Image(_))
        ));
        let blank = GrayImage::from_pixel(64, 48, Luma([255]));
        let mut png = Cursor::new(Vec::new());
        blank.write_to(&mut png, ImageFormat::Png).unwrap();
        assert_eq!(
            decode_image(png.get_ref()),
            Err(QrError::NotFound {
                width: 64,
                height: 48
            })
        );
    }
}
