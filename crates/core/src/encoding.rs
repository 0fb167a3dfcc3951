//! Small encodings shared by keys, proofs and JWTs: multibase base58btc, base64url, multicodec.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Why an encoded value could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A multibase value without the expected prefix character.
    #[error("expected a multibase value starting with `{expected}`")]
    MultibasePrefix {
        /// The prefix that was expected.
        expected: char,
    },
    /// The base58btc body is invalid.
    #[error("invalid base58btc: {0}")]
    Base58(String),
    /// The base64url text is invalid.
    #[error("invalid base64url at byte {offset}")]
    Base64 {
        /// Byte offset of the first invalid character (or the length, if the text is truncated).
        offset: usize,
    },
}

/// Multibase base58btc (`z…`) of `bytes`.
pub fn multibase_base58(bytes: &[u8]) -> String {
    format!("z{}", bs58::encode(bytes).into_string())
}

/// Decodes a multibase base58btc (`z…`) value.
pub fn decode_multibase_base58(text: &str) -> Result<Vec<u8>, DecodeError> {
    let body = text
        .strip_prefix('z')
        .ok_or(DecodeError::MultibasePrefix { expected: 'z' })?;
    bs58::decode(body)
        .into_vec()
        .map_err(|e| DecodeError::Base58(e.to_string()))
}

/// Unpadded base64url of `bytes`.
pub fn base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes unpadded base64url.
pub fn decode_base64url(text: &str) -> Result<Vec<u8>, DecodeError> {
    URL_SAFE_NO_PAD.decode(text).map_err(|e| {
        let offset = match e {
            base64::DecodeError::InvalidByte(o, _) => o,
            base64::DecodeError::InvalidLastSymbol(o, _) => o,
            _ => text.len(),
        };
        DecodeError::Base64 { offset }
    })
}

/// Multicodec prefixes (unsigned varints) of the key types civitas uses.
pub mod multicodec {
    /// `ed25519-pub` (0xed).
    pub const ED25519_PUB: [u8; 2] = [0xed, 0x01];
    /// `ed25519-priv` (0x1300).
    pub const ED25519_PRIV: [u8; 2] = [0x80, 0x26];
    /// `p256-pub` (0x1200), compressed SEC1 point.
    pub const P256_PUB: [u8; 2] = [0x80, 0x24];
    /// `p256-priv` (0x1306).
    pub const P256_PRIV: [u8; 2] = [0x86, 0x26];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let data = b"civitas \x00\xff";
        assert_eq!(
            decode_multibase_base58(&multibase_base58(data)).unwrap(),
            data
        );
        assert_eq!(decode_base64url(&base64url(data)).unwrap(), data);
    }

    #[test]
    fn errors_say_where() {
        assert_eq!(
            decode_multibase_base58("u123"),
            Err(DecodeError::MultibasePrefix { expected: 'z' })
        );
        assert!(matches!(
            decode_multibase_base58("z0OIl"),
            Err(DecodeError::Base58(_))
        ));
        assert_eq!(
            decode_base64url("ab*d"),
            Err(DecodeError::Base64 { offset: 2 })
        );
    }
}
