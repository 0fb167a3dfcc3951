//! Reading what the verifier page's form sends, within limits: `multipart/form-data` (a file, a
//! text, the page language) or `application/x-www-form-urlencoded` (a text, the language).
//!
//! The body is read to at most [`MAX_BODY_BYTES`] first (a longer one is read on and dropped so
//! that every client gets the 413: civitas-http's [`read_limited`]), then parsed; the text may
//! hold at most [`MAX_TEXT_BYTES`]. Nothing read here is logged.

use axum::body::{Body, Bytes};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use civitas_http::body::{BodyError, read_limited};
use serde::Deserialize;

use crate::lang::Lang;

/// The largest request body accepted: 16 MiB (a phone photo of a certificate).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// The largest text accepted (the text box, or a urlencoded `text`): 1 MiB, the largest
/// document the verifier reads.
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;

/// The most form fields read (the form has three).
const MAX_FIELDS: usize = 16;

/// The largest value of the `lang` field.
const MAX_LANG_BYTES: u64 = 64;

/// A file sent with the form.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    /// Its bytes.
    pub bytes: Bytes,
    /// The name the browser gave (never logged, never shown).
    pub name: Option<String>,
    /// The media type the browser gave (`image/png`), if any.
    pub content_type: Option<String>,
}

impl UploadedFile {
    /// Whether it is a PDF: by its first bytes, else by what the browser said about it.
    pub fn is_pdf(&self) -> bool {
        is_pdf(&self.bytes)
            || self
                .content_type
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case("application/pdf"))
            || self
                .name
                .as_deref()
                .is_some_and(|n| n.to_ascii_lowercase().ends_with(".pdf"))
    }
}

/// Whether `bytes` start like a PDF file (`%PDF-`, after blanks).
pub fn is_pdf(bytes: &[u8]) -> bool {
    bytes.trim_ascii_start().starts_with(b"%PDF-")
}

/// What the form sent: empty file inputs and blank texts are left out.
#[derive(Debug, Clone, Default)]
pub struct Upload {
    /// The file (`document`).
    pub file: Option<UploadedFile>,
    /// The text (`text`): the QR code's text, a JSON credential, a `vc+jwt`, an SD-JWT.
    pub text: Option<Bytes>,
    /// The page language (`lang`), when it names English or French.
    pub lang: Option<Lang>,
}

/// Why the form could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    /// The body is larger than [`MAX_BODY_BYTES`].
    #[error("the request body is larger than {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// The text is larger than [`MAX_TEXT_BYTES`].
    #[error("the text is larger than {limit} bytes")]
    TextTooLong {
        /// The limit.
        limit: usize,
    },
    /// The body is not the form it says it is.
    #[error("the form cannot be read: {0}")]
    Malformed(String),
    /// The body is not a form at all.
    #[error("the request is not a form (Content-Type {0})")]
    NotAForm(String),
    /// The connection failed while the body was read.
    #[error("the request could not be read: {0}")]
    Unreadable(String),
}

impl UploadError {
    /// The status code of the page that says so.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::TooLarge { .. } | Self::TextTooLong { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Malformed(_) | Self::Unreadable(_) => StatusCode::BAD_REQUEST,
            Self::NotAForm(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        }
    }
}

impl From<BodyError> for UploadError {
    fn from(e: BodyError) -> Self {
        match e {
            BodyError::TooLarge { limit } => Self::TooLarge { limit },
            BodyError::Unreadable { reason } => Self::Unreadable(reason),
        }
    }
}

/// Reads the form in `body` (its type from `headers`).
pub async fn read(headers: &HeaderMap, body: Body) -> Result<Upload, UploadError> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "multipart/form-data" => {
            let boundary = multer::parse_boundary(&content_type)
                .map_err(|e| UploadError::Malformed(e.to_string()))?;
            let bytes = read_limited(headers, body, MAX_BODY_BYTES).await?;
            multipart(bytes, boundary).await
        }
        "application/x-www-form-urlencoded" => {
            let bytes = read_limited(headers, body, MAX_BODY_BYTES).await?;
            urlencoded(&bytes)
        }
        _ => {
            // read (and drop) what was sent, so that the client reads the answer
            let _ = read_limited(headers, body, 0).await;
            Err(UploadError::NotAForm(if content_type.is_empty() {
                "missing".to_owned()
            } else {
                content_type.chars().take(100).collect()
            }))
        }
    }
}

/// A `multipart/form-data` body.
async fn multipart(bytes: Bytes, boundary: String) -> Result<Upload, UploadError> {
    let limits = multer::SizeLimit::new()
        .whole_stream(MAX_BODY_BYTES as u64)
        .per_field(MAX_BODY_BYTES as u64)
        .for_field("text", MAX_TEXT_BYTES as u64)
        .for_field("lang", MAX_LANG_BYTES);
    let mut form = multer::Multipart::with_constraints(
        Body::from(bytes).into_data_stream(),
        boundary,
        multer::Constraints::new().size_limit(limits),
    );
    let mut upload = Upload::default();
    let mut fields = 0usize;
    while let Some(field) = form.next_field().await.map_err(form_error)? {
        fields += 1;
        if fields > MAX_FIELDS {
            return Err(UploadError::Malformed(format!(
                "more than {MAX_FIELDS} fields"
            )));
        }
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(|m| m.essence_str().to_owned());
        let value = field.bytes().await.map_err(form_error)?;
        match name.as_str() {
            "document" if upload.file.is_none() && !value.is_empty() => {
                upload.file = Some(UploadedFile {
                    bytes: value,
                    name: file_name,
                    content_type,
                });
            }
            "text" if upload.text.is_none() => upload.text = text(value)?,
            "lang" if upload.lang.is_none() => {
                upload.lang = std::str::from_utf8(&value).ok().and_then(Lang::from_tag);
            }
            // a second file or text, or a field the form does not have: not read
            _ => {}
        }
    }
    Ok(upload)
}

/// A multipart parsing error in this module's terms.
fn form_error(e: multer::Error) -> UploadError {
    match e {
        multer::Error::FieldSizeExceeded { field_name, .. }
            if field_name.as_deref() == Some("text") =>
        {
            UploadError::TextTooLong {
                limit: MAX_TEXT_BYTES,
            }
        }
        multer::Error::StreamSizeExceeded { .. } => UploadError::TooLarge {
            limit: MAX_BODY_BYTES,
        },
        other => UploadError::Malformed(other.to_string()),
    }
}

/// The text, if not blank; refused when longer than [`MAX_TEXT_BYTES`].
fn text(value: Bytes) -> Result<Option<Bytes>, UploadError> {
    if value.len() > MAX_TEXT_BYTES {
        return Err(UploadError::TextTooLong {
            limit: MAX_TEXT_BYTES,
        });
    }
    Ok((!value.trim_ascii().is_empty()).then_some(value))
}

/// The members of a urlencoded form this page reads.
#[derive(Deserialize)]
struct UrlEncoded {
    text: Option<String>,
    lang: Option<String>,
}

/// An `application/x-www-form-urlencoded` body.
fn urlencoded(bytes: &[u8]) -> Result<Upload, UploadError> {
    let form: UrlEncoded =
        serde_urlencoded::from_bytes(bytes).map_err(|e| UploadError::Malformed(e.to_string()))?;
    Ok(Upload {
        file: None,
        text: match form.text {
            Some(t) => text(Bytes::from(t))?,
            None => None,
        },
        lang: form.lang.as_deref().and_then(Lang::from_tag),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(content_type: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            CONTENT_TYPE,
            content_type
                .parse()
                .unwrap_or(axum::http::HeaderValue::from_static("x/y")),
        );
        h
    }

    #[tokio::test]
    async fn a_multipart_form_gives_its_file_text_and_language() {
        let body = "--XX\r\nContent-Disposition: form-data; name=\"lang\"\r\n\r\nfr\r\n\
                    --XX\r\nContent-Disposition: form-data; name=\"document\"; filename=\"c.pdf\"\r\n\
                    Content-Type: application/pdf\r\n\r\n%PDF-1.7 x\r\n\
                    --XX\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n  \r\n--XX--\r\n";
        let upload = read(
            &headers("multipart/form-data; boundary=XX"),
            Body::from(body),
        )
        .await
        .unwrap_or_default();
        assert_eq!(upload.lang, Some(Lang::Fr));
        assert!(upload.text.is_none(), "a blank text is no text");
        assert!(upload.file.as_ref().is_some_and(UploadedFile::is_pdf));
    }

    #[tokio::test]
    async fn broken_and_oversized_forms_are_typed_errors() {
        let broken = read(
            &headers("multipart/form-data; boundary=XX"),
            Body::from("--XX\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nabc"),
        )
        .await;
        assert!(
            matches!(broken, Err(UploadError::Malformed(_))),
            "{broken:?}"
        );
        let no_boundary = read(&headers("multipart/form-data"), Body::from("x")).await;
        assert!(matches!(no_boundary, Err(UploadError::Malformed(_))));
        let long = format!("text={}", "a".repeat(MAX_TEXT_BYTES + 1));
        let too_long = read(
            &headers("application/x-www-form-urlencoded"),
            Body::from(long),
        )
        .await;
        assert_eq!(
            too_long.err(),
            Some(UploadError::TextTooLong {
                limit: MAX_TEXT_BYTES
            })
        );
        let json = read(&headers("application/json"), Body::from("{}")).await;
        assert_eq!(
            json.err().map(|e| e.status()),
            Some(StatusCode::UNSUPPORTED_MEDIA_TYPE)
        );
    }
}
