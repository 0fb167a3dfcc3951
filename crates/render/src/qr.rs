//! QR codes of compact credentials: making them (alphanumeric mode only, the smallest version
//! that holds the text, error-correction level M by default) as SVG or PNG, and reading them
//! back from a PNG or JPEG photo or scan with a pure-Rust reader.
//!
//! ```
//! use civitas_render::qr::{EcLevel, QrSymbol, decode_image};
//! let symbol = QrSymbol::encode("CV1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDE", EcLevel::M)?;
//! assert_eq!((symbol.version(), symbol.ec_level()), (3, EcLevel::M));
//! let png = symbol.to_png(4)?;
//! assert_eq!(decode_image(&png)?, "CV1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDE");
//! # Ok::<(), civitas_render::qr::QrError>(())
//! ```
//!
//! Why M: the printed QR is signed, so error correction only has to survive wear (a fold, a
//! stain, a stamp across a corner), not forgery. M restores up to 15% of the symbol; Q (25%)
//! would take a typical birth certificate from version 16 to version 19, i.e. modules 15%
//! smaller at the same printed size, which costs more phone-camera reads at 3 cm than it saves
//! in damaged ones. A registry that prints on fragile stock can pass [`EcLevel::Q`].

use std::io::Cursor;

use image::{GrayImage, ImageFormat, Luma};

/// The error-correction level of a QR code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum EcLevel {
    /// Low: restores up to 7% of the symbol.
    L,
    /// Medium: up to 15%. civitas' default for printed certificates.
    #[default]
    M,
    /// Quartile: up to 25%.
    Q,
    /// High: up to 30%.
    H,
}

impl EcLevel {
    fn to_qrcode(self) -> qrcode::EcLevel {
        match self {
            Self::L => qrcode::EcLevel::L,
            Self::M => qrcode::EcLevel::M,
            Self::Q => qrcode::EcLevel::Q,
            Self::H => qrcode::EcLevel::H,
        }
    }
}

impl std::fmt::Display for EcLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::L => "L",
            Self::M => "M",
            Self::Q => "Q",
            Self::H => "H",
        })
    }
}

impl std::str::FromStr for EcLevel {
    type Err = QrError;
    fn from_str(s: &str) -> Result<Self, QrError> {
        match s.to_ascii_uppercase().as_str() {
            "L" => Ok(Self::L),
            "M" => Ok(Self::M),
            "Q" => Ok(Self::Q),
            "H" => Ok(Self::H),
            _ => Err(QrError::EcLevel(s.to_owned())),
        }
    }
}

/// Largest image file read (bytes).
pub const MAX_IMAGE_BYTES: usize = 32 * 1024 * 1024;
/// Largest image width or height read (pixels).
pub const MAX_IMAGE_SIDE: u32 = 10_000;
/// The quiet zone around a symbol, in modules (ISO/IEC 18004 asks for 4).
pub const QUIET_ZONE: usize = 4;

/// Why a QR code could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    /// A character that QR alphanumeric mode cannot carry.
    #[error(
        "character {found:?} at offset {offset} cannot be carried in QR alphanumeric mode (0-9, A-Z, space, $%*+-./:)"
    )]
    NotAlphanumeric {
        /// Byte offset.
        offset: usize,
        /// The character.
        found: char,
    },
    /// More than a version 40 symbol holds at this level.
    #[error("{len} characters do not fit in a QR code at error-correction level {level}")]
    TooLong {
        /// The text's length.
        len: usize,
        /// The level asked for.
        level: EcLevel,
    },
    /// An unknown error-correction level name.
    #[error("`{0}` is not an error-correction level (L, M, Q, H)")]
    EcLevel(String),
    /// The image file is larger than [`MAX_IMAGE_BYTES`] or its sides than [`MAX_IMAGE_SIDE`].
    #[error("the image is too large: {0}")]
    ImageTooLarge(String),
    /// Not a PNG or JPEG image, or a corrupt one.
    #[error("not a readable PNG or JPEG image: {0}")]
    Image(String),
    /// No QR code was found in the image.
    #[error(
        "no QR code found in the {width}x{height} image (photograph it flat, in focus, filling a good part of the frame)"
    )]
    NotFound {
        /// Image width.
        width: u32,
        /// Image height.
        height: u32,
    },
    /// A QR code was found but could not be read.
    #[error("a QR code was found but could not be read: {0}")]
    Unreadable(String),
    /// Encoding the PNG failed.
    #[error("PNG encoding failed: {0}")]
    Png(String),
}

/// A QR symbol: its modules, version and error-correction level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrSymbol {
    version: u8,
    ec_level: EcLevel,
    width: usize,
    modules: Vec<bool>,
}

impl QrSymbol {
    /// The smallest symbol that holds `text` in alphanumeric mode at `ec_level`. Every compact
    /// credential text (`CV1:` + Base45) is alphanumeric.
    pub fn encode(text: &str, ec_level: EcLevel) -> Result<Self, QrError> {
        if let Some((offset, found)) = text.char_indices().find(|(_, c)| !is_alphanumeric_mode(*c))
        {
            return Err(QrError::NotAlphanumeric { offset, found });
        }
        let level = ec_level.to_qrcode();
        for version in 1..=40i16 {
            let mut bits = qrcode::bits::Bits::new(qrcode::Version::Normal(version));
            if bits.push_alphanumeric_data(text.as_bytes()).is_err()
                || bits.push_terminator(level).is_err()
            {
                continue;
            }
            let Ok(code) = qrcode::QrCode::with_bits(bits, level) else {
                continue;
            };
            return Ok(Self {
                version: version as u8,
                ec_level,
                width: code.width(),
                modules: code
                    .to_colors()
                    .into_iter()
                    .map(|c| c == qrcode::Color::Dark)
                    .collect(),
            });
        }
        Err(QrError::TooLong {
            len: text.len(),
            level: ec_level,
        })
    }

    /// The version (1 to 40): the symbol is `17 + 4 × version` modules wide.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// The error-correction level.
    pub fn ec_level(&self) -> EcLevel {
        self.ec_level
    }

    /// Width (and height) in modules, without the quiet zone.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether the module at column `x`, row `y` is dark (`false` outside the symbol).
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && self.modules[y * self.width + x]
    }

    /// SVG path data drawing the dark modules, one unit per module, the symbol's top-left
    /// corner at the origin (runs of dark modules in a row are merged).
    pub fn svg_path_data(&self) -> String {
        let mut d = String::new();
        for y in 0..self.width {
            let mut x = 0;
            while x < self.width {
                if self.is_dark(x, y) {
                    let start = x;
                    while x < self.width && self.is_dark(x, y) {
                        x += 1;
                    }
                    d.push_str(&format!("M{start} {y}h{}v1h-{}z", x - start, x - start));
                } else {
                    x += 1;
                }
            }
        }
        d
    }

    /// A standalone SVG image of the symbol with its quiet zone; `size` is the side in any SVG
    /// length (`"40mm"`, `"320"`).
    pub fn to_svg(&self, size: &str) -> String {
        let side = self.width + 2 * QUIET_ZONE;
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{size}\" height=\"{size}\" \
             viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\">\
             <rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/>\
             <path transform=\"translate({QUIET_ZONE} {QUIET_ZONE})\" fill=\"#000\" d=\"{}\"/></svg>\n",
            self.svg_path_data()
        )
    }

    /// A grayscale image, `scale` pixels per module, with the quiet zone.
    pub fn to_image(&self, scale: u32) -> GrayImage {
        let scale = scale.max(1);
        let side = (self.width + 2 * QUIET_ZONE) as u32 * scale;
        GrayImage::from_fn(side, side, |px, py| {
            let x = (px / scale) as usize;
            let y = (py / scale) as usize;
            let dark =
                x >= QUIET_ZONE && y >= QUIET_ZONE && self.is_dark(x - QUIET_ZONE, y - QUIET_ZONE);
            Luma([if dark { 0 } else { 255 }])
        })
    }

    /// A PNG image, `scale` pixels per module, with the quiet zone.
    pub fn to_png(&self, scale: u32) -> Result<Vec<u8>, QrError> {
        let mut out = Cursor::new(Vec::new());
        self.to_image(scale)
            .write_to(&mut out, ImageFormat::Png)
            .map_err(|e| QrError::Png(e.to_string()))?;
        Ok(out.into_inner())
    }
}

/// Whether QR alphanumeric mode can carry `c`: the Base45 alphabet.
pub fn is_alphanumeric_mode(c: char) -> bool {
    matches!(c, '0'..='9' | 'A'..='Z' | ' ' | '$' | '%' | '*' | '+' | '-' | '.' | '/' | ':')
}

/// Reads the QR code in a PNG or JPEG image (a scan or a photo) and returns its text.
pub fn decode_image(bytes: &[u8]) -> Result<String, QrError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(QrError::ImageTooLarge(format!(
            "{} bytes, more than {MAX_IMAGE_BYTES}",
            bytes.len()
        )));
    }
    let mut reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| QrError::Image(e.to_string()))?;
    match reader.format() {
        Some(ImageFormat::Png | ImageFormat::Jpeg) => {}
        Some(other) => {
            return Err(QrError::Image(format!(
                "{other:?} images are not supported (PNG, JPEG)"
            )));
        }
        None => return Err(QrError::Image("unknown image format (PNG, JPEG)".into())),
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let image = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(l) => QrError::ImageTooLarge(l.to_string()),
        other => QrError::Image(other.to_string()),
    })?;
    decode_luma(image.to_luma8())
}

/// Reads the QR code in a grayscale image.
pub fn decode_luma(image: GrayImage) -> Result<String, QrError> {
    let (width, height) = image.dimensions();
    if width == 0 || height == 0 {
        return Err(QrError::Image("the image is empty".into()));
    }
    let mut first_error = None;
    // Large photos are tried as they are, then reduced: blur and sensor noise at full
    // resolution can hide a symbol that a smaller image shows clearly.
    let mut candidates = vec![image];
    if width.max(height) > 1600 {
        let factor = width.max(height) as f32 / 1200.0;
        let (w, h) = (
            ((width as f32 / factor) as u32).max(1),
            ((height as f32 / factor) as u32).max(1),
        );
        let reduced =
            image::imageops::resize(&candidates[0], w, h, image::imageops::FilterType::Triangle);
        candidates.push(reduced);
    }
    // Each is also tried in pure black and white (Otsu's threshold): the grey edges of a
    // printed page rendered at 150-300 dpi defeat the reader's own adaptive threshold.
    let binarized: Vec<GrayImage> = candidates.iter().map(binarize).collect();
    for candidate in candidates
        .into_iter()
        .zip(binarized)
        .flat_map(|(a, b)| [a, b])
    {
        match read_grids(candidate) {
            Ok(Some(text)) => return Ok(text),
            Ok(None) => {}
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or(QrError::NotFound { width, height }))
}

/// `image` in black and white, split at Otsu's threshold (the one that best separates the
/// histogram's two classes).
fn binarize(image: &GrayImage) -> GrayImage {
    let mut histogram = [0u64; 256];
    for p in image.pixels() {
        histogram[usize::from(p[0])] += 1;
    }
    let total: u64 = histogram.iter().sum();
    let sum_all: f64 = histogram
        .iter()
        .enumerate()
        .map(|(v, &n)| v as f64 * n as f64)
        .sum();
    let (mut weight_below, mut sum_below) = (0u64, 0f64);
    let (mut best, mut threshold) = (0f64, 128u8);
    for (value, &count) in histogram.iter().enumerate() {
        weight_below += count;
        sum_below += value as f64 * count as f64;
        let weight_above = total - weight_below;
        if weight_below == 0 || weight_above == 0 {
            continue;
        }
        let mean_below = sum_below / weight_below as f64;
        let mean_above = (sum_all - sum_below) / weight_above as f64;
        let between = weight_below as f64 * weight_above as f64 * (mean_below - mean_above).powi(2);
        if between > best {
            best = between;
            threshold = value as u8;
        }
    }
    GrayImage::from_fn(image.width(), image.height(), |x, y| {
        image::Luma([if image.get_pixel(x, y)[0] <= threshold {
            0
        } else {
            255
        }])
    })
}

fn read_grids(image: GrayImage) -> Result<Option<String>, QrError> {
    // rqrr is a third-party decoder fed with outside images: a panic inside it must not take
    // the verifier down, so it is contained here and reported as an unreadable code.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let mut prepared = rqrr::PreparedImage::prepare(image);
        let mut error = None;
        for grid in prepared.detect_grids() {
            match grid.decode() {
                Ok((_, text)) => return Ok(Some(text)),
                Err(e) => error = Some(QrError::Unreadable(e.to_string())),
            }
        }
        error.map_or(Ok(None), Err)
    }))
    .unwrap_or_else(|_| {
        Err(QrError::Unreadable(
            "the QR reader failed on this image".into(),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_grow_with_the_text_and_the_level() {
        let text = "CV1:".to_owned() + &"6BFOXN*TS0".repeat(60);
        let m = QrSymbol::encode(&text, EcLevel::M).unwrap();
        let q = QrSymbol::encode(&text, EcLevel::Q).unwrap();
        assert_eq!(m.width(), 17 + 4 * m.version() as usize);
        assert!(q.version() > m.version());
        assert!(matches!(
            QrSymbol::encode("cv1:abc", EcLevel::M),
            Err(QrError::NotAlphanumeric {
                offset: 0,
                found: 'c'
            })
        ));
        assert!(matches!(
            QrSymbol::encode(&"A".repeat(5000), EcLevel::L),
            Err(QrError::TooLong { len: 5000, .. })
        ));
        assert_eq!("q".parse::<EcLevel>().unwrap(), EcLevel::Q);
    }

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
