//! Reading what is handed to the verifier, once: [`Document::read`] tells the form of the input
//! from its first bytes ([`InputFormat`]), reads a photo's QR code, and parses the result — a
//! credential (Data Integrity JSON or `vc+jwt`), a presentation, or the compact QR form. The
//! parsed [`Document`] then goes to [`Verifier::verify_document`](crate::Verifier::verify_document),
//! whose report records what a [`Summary`](crate::summary::Summary) says about it: nothing reads
//! the input a second time.

use civitas_core::credential::Presentation;
use civitas_core::report::{CheckKind, DocumentKind, Outcome, Report};
use civitas_core::verify::{Input, InputError, SecuredCredential};
use civitas_qr::QrError;
use civitas_qr::compact::{CompactCredential, CompactError};

use crate::sd_jwt::SdJwtInput;

/// What kind of input a byte string is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// JSON: a credential with Data Integrity proofs, or a presentation.
    Json,
    /// A compact JWS (`vc+jwt`).
    Jwt,
    /// The compact QR form (`CV1:…`).
    Compact,
    /// A PNG or JPEG photo or scan of a QR code.
    Image,
}

impl InputFormat {
    /// Tells the format from the first characters (no parsing).
    pub fn detect(bytes: &[u8]) -> Self {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") || bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            return Self::Image;
        }
        let t = bytes.trim_ascii_start();
        if t.first() == Some(&b'{') {
            return Self::Json;
        }
        let digits = t
            .strip_prefix(b"CV")
            .map(|rest| (rest.iter().take_while(|b| b.is_ascii_digit()).count(), rest));
        match digits {
            Some((n, rest)) if n > 0 && rest.get(n) == Some(&b':') => Self::Compact,
            _ => Self::Jwt,
        }
    }
}

/// What a document turned out to be, parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    /// A credential: Data Integrity JSON or `vc+jwt`.
    Credential(SecuredCredential),
    /// A presentation (JSON with type `VerifiablePresentation`).
    Presentation(Presentation),
    /// The compact QR form (`CV1:…`), structurally checked, signature not yet verified.
    Compact(Box<CompactCredential>),
    /// An SD-JWT VC (`dc+sd-jwt`), with or without a key binding JWT, split into its parts,
    /// nothing verified yet.
    SdJwt(Box<SdJwtInput>),
}

/// The input of a verification, recognised and parsed once ([`Document::read`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// What was read.
    pub parsed: Parsed,
    /// The form the bytes had: for a photo [`InputFormat::Image`], whatever its QR code held.
    pub format: InputFormat,
}

/// Why an input could not be read as a document. Nothing is said about the document itself: the
/// verifier reports it with a failed `syntax` check ([`ReadError::report`]), and for a photo the
/// caller should ask for a new one, never call the document invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// A PNG or JPEG in which no QR code could be read (none found, unreadable, too large,
    /// corrupt).
    #[error("QR image: {0}")]
    Photo(#[from] QrError),
    /// A PNG or JPEG, handed to a verifier built without photo reading (its `photo` feature is
    /// off): the image is not looked at, and nothing is said about the document it shows.
    #[error(
        "QR image: this verifier was built without photo reading (feature `photo`); give the QR code's text instead"
    )]
    PhotoReadingNotBuilt,
    /// Text that starts like the compact form but is not UTF-8.
    #[error("the compact text is not UTF-8")]
    CompactNotUtf8,
    /// Compact text that cannot be read (prefix, version, Base45, inflation, COSE, claims).
    #[error(transparent)]
    Compact(#[from] CompactError),
    /// JSON or `vc+jwt` that cannot be read (empty, syntax, data model, JWS).
    #[error(transparent)]
    Input(#[from] InputError),
    /// An SD-JWT that cannot be read (size, parts, base64url, JSON, disclosures).
    #[error("SD-JWT: {0}")]
    SdJwt(#[from] civitas_sdjwt::SdJwtError),
}

impl ReadError {
    /// The report of an input that could not be read: kind unknown, `syntax` failed with this
    /// error; for [`ReadError::Photo`] and [`ReadError::PhotoReadingNotBuilt`] the report records
    /// that the input was a photo.
    pub fn report(&self) -> Report {
        let mut report = Report::new(DocumentKind::Unknown);
        report.push(CheckKind::Syntax, Outcome::failed(self.to_string()));
        report.about.from_photo = self.is_photo();
        report
    }

    /// Whether the input was a photo or scan (a PNG or JPEG) whose QR code was not read: the
    /// caller should ask for a new photo (or the QR code's text), never call the document
    /// invalid.
    pub fn is_photo(&self) -> bool {
        matches!(self, Self::Photo(_) | Self::PhotoReadingNotBuilt)
    }
}

/// The text of the QR code in a PNG or JPEG photo or scan (civitas-qr's photo reader).
#[cfg(feature = "photo")]
fn read_photo(bytes: &[u8]) -> Result<String, ReadError> {
    Ok(civitas_qr::decode_image(bytes)?)
}

/// Built without the `photo` feature: an image is refused unread. (Always compiled, so that
/// the default build's unit tests exercise this path too.)
#[cfg_attr(feature = "photo", allow(dead_code))]
fn photo_reading_not_built(_bytes: &[u8]) -> Result<String, ReadError> {
    Err(ReadError::PhotoReadingNotBuilt)
}

#[cfg(not(feature = "photo"))]
use photo_reading_not_built as read_photo;

impl Document {
    /// Recognises and parses `bytes`: a PNG or JPEG photo of a QR code (its text is then read as
    /// below), the compact QR text (`CV<n>:…`), JSON (a credential with Data Integrity proofs, or
    /// a presentation), or else a `vc+jwt` compact JWS. Each format's own size limits apply.
    /// Without the `photo` feature an image is [`ReadError::PhotoReadingNotBuilt`].
    pub fn read(bytes: &[u8]) -> Result<Self, ReadError> {
        Self::read_with(bytes, read_photo)
    }

    /// [`Document::read`] with `photo` as the photo reader.
    fn read_with(
        bytes: &[u8],
        photo: fn(&[u8]) -> Result<String, ReadError>,
    ) -> Result<Self, ReadError> {
        let format = InputFormat::detect(bytes);
        if format == InputFormat::Image {
            let text = photo(bytes)?;
            let parsed = Self::parse_text(text.as_bytes(), InputFormat::detect(text.as_bytes()))?;
            return Ok(Self { parsed, format });
        }
        Ok(Self {
            parsed: Self::parse_text(bytes, format)?,
            format,
        })
    }

    fn parse_text(bytes: &[u8], format: InputFormat) -> Result<Parsed, ReadError> {
        match format {
            InputFormat::Compact => {
                let text = std::str::from_utf8(bytes).map_err(|_| ReadError::CompactNotUtf8)?;
                let compact = civitas_qr::compact::decode(text.trim())?;
                Ok(Parsed::Compact(Box::new(compact)))
            }
            InputFormat::Jwt if SdJwtInput::looks_like(bytes) => {
                // not UTF-8: the replacement characters fail base64url where they are
                let text = String::from_utf8_lossy(bytes);
                Ok(Parsed::SdJwt(Box::new(SdJwtInput::read(&text)?)))
            }
            // An image inside a QR code is not read again: it is neither JSON nor compact text.
            InputFormat::Json | InputFormat::Jwt | InputFormat::Image => {
                Ok(match Input::parse(bytes)? {
                    Input::Credential(c) => Parsed::Credential(c),
                    Input::Presentation(p) => Parsed::Presentation(p),
                })
            }
        }
    }

    /// Whether it was read from a photo or scan of a QR code.
    pub fn from_photo(&self) -> bool {
        self.format == InputFormat::Image
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_a_verifier_cannot_read_is_reported_as_a_photo() {
        let error = ReadError::PhotoReadingNotBuilt;
        assert!(error.is_photo());
        assert!(
            error
                .to_string()
                .contains("built without photo reading (feature `photo`)"),
            "{error}"
        );
        let report = error.report();
        assert_eq!(report.kind, DocumentKind::Unknown);
        assert!(report.about.from_photo);
        assert_eq!(
            report.outcome(CheckKind::Syntax).map(|o| o.text()),
            Some(error.to_string().as_str())
        );
        assert!(!ReadError::CompactNotUtf8.is_photo());
        assert!(!ReadError::CompactNotUtf8.report().about.from_photo);
    }

    /// Built without photo reading, a PNG or JPEG is refused unread, whatever it shows (the
    /// reader such a build uses, tested in every build; `Document::read` itself in a build
    /// without `photo`).
    #[test]
    fn without_the_photo_feature_an_image_is_refused_unread() {
        for image in [
            &b"\x89PNG\r\n\x1a\n rest"[..],
            &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10],
        ] {
            assert_eq!(
                Document::read_with(image, photo_reading_not_built),
                Err(ReadError::PhotoReadingNotBuilt)
            );
            #[cfg(not(feature = "photo"))]
            assert_eq!(Document::read(image), Err(ReadError::PhotoReadingNotBuilt));
        }
    }
}
