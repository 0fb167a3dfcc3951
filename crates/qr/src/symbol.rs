//! The QR symbol of a compact credential: alphanumeric mode only, the smallest version that
//! holds the text, error-correction level M by default, as SVG or PNG. Reading it back from a
//! photo is [`crate::photo`]'s job.
//!
//! ```
//! use civitas_qr::symbol::{EcLevel, QrSymbol};
//! let symbol = QrSymbol::encode("CV1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDE", EcLevel::M)?;
//! assert_eq!((symbol.version(), symbol.ec_level()), (3, EcLevel::M));
//! assert!(symbol.to_svg("30mm").contains("viewBox"));
//! # Ok::<(), civitas_qr::QrError>(())
//! ```
//!
//! Why M: the printed QR is signed, so error correction only has to survive wear (a fold, a
//! stain, a stamp across a corner), not forgery. M restores up to 15% of the symbol; Q (25%)
//! would take a typical birth certificate from version 16 to version 19, i.e. modules 15%
//! smaller at the same printed size, which costs more phone-camera reads at 3 cm than it saves
//! in damaged ones. A registry that prints on fragile stock can pass [`EcLevel::Q`].

use std::io::Cursor;

use image::{ImageFormat, Luma};

/// A grayscale image (the `image` crate's), as the photo reader takes it.
pub use image::GrayImage;

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

/// The quiet zone around a symbol, in modules (ISO/IEC 18004 asks for 4).
pub const QUIET_ZONE: usize = 4;

/// Why a QR code could not be made or read. Reading errors ([`QrError::Image`],
/// [`QrError::ImageTooLarge`], [`QrError::NotFound`], [`QrError::Unreadable`]) all mean "this
/// image cannot be read", which says nothing about the document it shows.
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
    /// The image file is larger than the photo reader's limits (`MAX_IMAGE_BYTES`, `MAX_IMAGE_SIDE`).
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
        Self::smallest(text, ec_level, |bits| {
            bits.push_alphanumeric_data(text.as_bytes())
        })
    }

    /// The smallest symbol that holds `text` in byte mode at `ec_level`: for any text, e.g. an
    /// OpenID4VCI credential offer URI (lower case, `?`, `=`, `%`).
    pub fn encode_bytes(text: &str, ec_level: EcLevel) -> Result<Self, QrError> {
        Self::smallest(text, ec_level, |bits| bits.push_byte_data(text.as_bytes()))
    }

    /// The smallest symbol whose data `push` writes.
    fn smallest(
        text: &str,
        ec_level: EcLevel,
        push: impl Fn(&mut qrcode::bits::Bits) -> qrcode::types::QrResult<()>,
    ) -> Result<Self, QrError> {
        let level = ec_level.to_qrcode();
        for version in 1..=40i16 {
            let mut bits = qrcode::bits::Bits::new(qrcode::Version::Normal(version));
            if push(&mut bits).is_err() || bits.push_terminator(level).is_err() {
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
}
