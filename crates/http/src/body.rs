//! Request bodies read with a size limit, in a way every client gets the `413` for.
//!
//! A server that answers `413` without reading the rest of an upload leaves an HTTP/1.1 client
//! writing into a closed connection (broken pipe) and makes HTTP/2 reset the stream, which
//! clients such as curl report as an error instead of the answer. [`read_limited`] keeps at
//! most `limit` bytes and reads the rest of a longer body to its end, dropping it as it comes
//! (no memory beyond `limit`), up to [`DRAIN_BYTES`] in all; only a body announced or found
//! larger than that is answered at once.

use axum::body::{Body, Bytes, HttpBody};
use axum::http::{HeaderMap, header};

/// The most a server reads of a body over its limit before answering (64 MiB).
pub const DRAIN_BYTES: usize = 64 * 1024 * 1024;

/// Why a body was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// The body is larger than the limit (an answer of 413).
    #[error("the request body is larger than the {limit} bytes allowed")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// The connection failed while the body was read.
    #[error("the request body could not be read: {reason}")]
    Unreadable {
        /// What the connection reported.
        reason: String,
    },
}

/// Reads a body of at most `limit` bytes; a longer one is read on and dropped (up to
/// [`DRAIN_BYTES`] in all) before [`BodyError::TooLarge`] is returned.
pub async fn read_limited(
    headers: &HeaderMap,
    mut body: Body,
    limit: usize,
) -> Result<Bytes, BodyError> {
    let too_large = BodyError::TooLarge { limit };
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|len| len > DRAIN_BYTES as u64) {
        return Err(too_large);
    }
    let capacity = announced.map_or(0, |len| len.min(limit as u64) as usize);
    let mut kept = Vec::with_capacity(capacity);
    let mut total = 0usize;
    while let Some(frame) =
        std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await
    {
        let frame = frame.map_err(|e| {
            if total > limit {
                too_large.clone()
            } else {
                BodyError::Unreadable {
                    reason: e.to_string(),
                }
            }
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        total = total.saturating_add(data.len());
        if total > DRAIN_BYTES {
            return Err(too_large);
        }
        if total <= limit {
            kept.extend_from_slice(&data);
        }
    }
    if total > limit {
        return Err(too_large);
    }
    Ok(Bytes::from(kept))
}
