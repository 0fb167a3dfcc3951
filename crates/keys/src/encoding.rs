//! Small encodings shared by keys, proofs, JWTs and the OpenID protocols: multibase base58btc,
//! base64url, multicodec, percent-encoding.

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
    /// The text is longer than the encoding of the largest value the reader accepts; refused
    /// before decoding (base58 decoding takes time quadratic in the length).
    #[error("{len} characters, more than the {max} that encode the {bytes} bytes at most expected")]
    TooLong {
        /// Its length in bytes.
        len: usize,
        /// The longest text accepted.
        max: usize,
        /// The largest decoded value accepted, in bytes.
        bytes: usize,
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
    let mut out = String::with_capacity(bytes.len() * 138 / 100 + 2);
    out.push('z');
    encode_base58_into(bytes, &mut out);
    out
}

/// Largest value [`decode_multibase_base58`] decodes (keys are at most 67 bytes, `did:key`s
/// 128 bytes, signatures 64 bytes).
pub const MAX_MULTIBASE_BYTES: usize = 256;

/// The longest base58btc text of a value of `bytes` bytes: ⌈bytes · log₅₈ 256⌉ digits (a leading
/// zero byte is one `1`, never more).
pub const fn max_base58_len(bytes: usize) -> usize {
    // log₅₈ 256 = 1.36565…
    (bytes * 136_566).div_ceil(100_000)
}

/// Decodes a multibase base58btc (`z…`) value of at most [`MAX_MULTIBASE_BYTES`] bytes.
pub fn decode_multibase_base58(text: &str) -> Result<Vec<u8>, DecodeError> {
    decode_multibase_base58_at_most(text, MAX_MULTIBASE_BYTES)
}

/// Decodes a multibase base58btc (`z…`) value of at most `max_bytes` bytes. A longer text is
/// refused by its length, before any decoding, so the work is bounded by `max_bytes` whatever
/// the input's size.
pub fn decode_multibase_base58_at_most(
    text: &str,
    max_bytes: usize,
) -> Result<Vec<u8>, DecodeError> {
    let max = max_base58_len(max_bytes) + 1;
    if text.len() > max {
        return Err(DecodeError::TooLong {
            len: text.len(),
            max,
            bytes: max_bytes,
        });
    }
    let body = text
        .strip_prefix('z')
        .ok_or(DecodeError::MultibasePrefix { expected: 'z' })?;
    decode_base58(body).map_err(|offset| {
        DecodeError::Base58(format!(
            "invalid character at byte {} (base58btc has no 0, O, I or l)",
            offset + 1
        ))
    })
}

/// The base58btc alphabet's value of each ASCII byte (0xff: not in the alphabet).
const BASE58_VALUES: [u8; 128] = {
    let alphabet = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let mut table = [0xffu8; 128];
    let mut i = 0;
    while i < alphabet.len() {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Decodes base58btc (Bitcoin alphabet; each leading `1` is a leading zero byte), or gives the
/// byte offset of the first character outside the alphabet.
///
/// The number is built in 32-bit limbs, five characters (58⁵ < 2³²) per multiplication, so a
/// 64-byte signature decodes in a few hundred operations instead of one per input character
/// and output byte. The work is still quadratic in the length: callers bound the length of text
/// from outside first ([`decode_multibase_base58_at_most`]).
pub fn decode_base58(text: &str) -> Result<Vec<u8>, usize> {
    let bytes = text.as_bytes();
    let digit = |i: usize| -> Result<u64, usize> {
        match BASE58_VALUES.get(usize::from(bytes[i])) {
            Some(&v) if v != 0xff => Ok(u64::from(v)),
            _ => Err(i),
        }
    };
    let zeros = bytes.iter().take_while(|&&b| b == b'1').count();
    // Little-endian 32-bit limbs of the value of the characters after the leading `1`s.
    let mut limbs: Vec<u32> = Vec::with_capacity((bytes.len() - zeros) * 733 / 4000 + 1);
    let mut i = zeros;
    while i < bytes.len() {
        let end = (i + 5).min(bytes.len());
        let mut chunk = 0u64;
        let mut scale = 1u64;
        for j in i..end {
            chunk = chunk * 58 + digit(j)?;
            scale *= 58;
        }
        let mut carry = chunk;
        for limb in &mut limbs {
            let v = u64::from(*limb) * scale + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            limbs.push(carry as u32);
        }
        i = end;
    }
    let mut out = vec![0u8; zeros];
    let mut significant = false;
    for limb in limbs.iter().rev() {
        for b in limb.to_be_bytes() {
            significant |= b != 0;
            if significant {
                out.push(b);
            }
        }
    }
    Ok(out)
}

/// The base58btc alphabet (Bitcoin's).
const BASE58_ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// 58⁵, the base of the limbs of [`encode_base58_into`] (it fits in 32 bits).
const BASE58_5: u64 = 58 * 58 * 58 * 58 * 58;

/// Appends the base58btc form of `bytes` (Bitcoin alphabet; each leading zero byte is a `1`).
///
/// The inverse of [`decode_base58`]: the number is built in limbs of five base-58 digits,
/// four input bytes per step, so a 64-byte signature encodes in a few hundred operations
/// instead of one per input byte and output character.
pub fn encode_base58_into(bytes: &[u8], out: &mut String) {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    let rest = &bytes[zeros..];
    // Little-endian limbs of five base-58 digits each.
    let mut limbs: Vec<u64> = Vec::with_capacity(rest.len() * 138 / 500 + 1);
    let head = rest.len() % 4;
    let chunks = std::iter::once(&rest[..head])
        .filter(|c| !c.is_empty())
        .chain(rest[head..].chunks(4));
    for chunk in chunks {
        let mut carry = chunk.iter().fold(0u64, |v, &b| (v << 8) | u64::from(b));
        let shift = 8 * chunk.len() as u32;
        for limb in &mut limbs {
            let v = (*limb << shift) + carry;
            *limb = v % BASE58_5;
            carry = v / BASE58_5;
        }
        while carry != 0 {
            limbs.push(carry % BASE58_5);
            carry /= BASE58_5;
        }
    }
    out.extend(std::iter::repeat_n('1', zeros));
    let mut digits = [0u8; 5];
    for (i, limb) in limbs.iter().rev().enumerate() {
        let mut v = *limb;
        for d in digits.iter_mut().rev() {
            *d = BASE58_ALPHABET[(v % 58) as usize];
            v /= 58;
        }
        // The most significant limb has no leading zero digits.
        let skip = if i == 0 {
            digits.iter().take_while(|&&d| d == b'1').count()
        } else {
            0
        };
        out.extend(digits[skip..].iter().map(|&d| char::from(d)));
    }
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

/// Percent-encodes everything but the RFC 3986 unreserved characters.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
    out
}

/// Decodes percent-encoding and `+` as a space; `None` if a `%` is not followed by two hex
/// digits or the result is not UTF-8.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hi = hex_digit(*bytes.get(i + 1)?)?;
                let lo = hex_digit(*bytes.get(i + 2)?)?;
                out.push((hi << 4) | lo);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
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
    fn base58_agrees_with_the_reference_decoder() {
        // Every length from 0 to 80 bytes, with and without leading zero bytes.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for len in 0..=80usize {
            for zeros in [0usize, 1, 3] {
                let mut data = vec![0u8; zeros];
                for _ in zeros..len.max(zeros) {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    data.push(state as u8);
                }
                let text = bs58::encode(&data).into_string();
                let mut ours = String::new();
                encode_base58_into(&data, &mut ours);
                assert_eq!(ours, text);
                assert_eq!(decode_base58(&text), Ok(data.clone()), "{text}");
                assert_eq!(bs58::decode(&text).into_vec().ok(), Some(data));
            }
        }
        // Values whose limbs carry more than 32 bits into the next one.
        for data in [
            vec![0xffu8; 64],
            vec![0x80; 37],
            [vec![0, 0], vec![0xfe; 33]].concat(),
        ] {
            let mut ours = String::new();
            encode_base58_into(&data, &mut ours);
            assert_eq!(ours, bs58::encode(&data).into_string());
        }
        for text in ["", "1", "111", "2", "z", "zzzzzz", "1zzzzzzzzzzzz"] {
            assert_eq!(
                decode_base58(text).ok(),
                bs58::decode(text).into_vec().ok(),
                "{text}"
            );
        }
    }

    #[test]
    fn base58_names_the_bad_character() {
        assert_eq!(decode_base58("abc0def"), Err(3));
        assert_eq!(decode_base58("l"), Err(0));
        assert_eq!(decode_base58("11é"), Err(2));
        assert_eq!(
            decode_multibase_base58("z12I"),
            Err(DecodeError::Base58(
                "invalid character at byte 3 (base58btc has no 0, O, I or l)".into()
            ))
        );
    }

    #[test]
    fn the_length_bound_is_tight_and_checked_before_decoding() {
        for n in 0..=300usize {
            assert_eq!(
                max_base58_len(n),
                bs58::encode(vec![0xffu8; n]).into_string().len(),
                "{n}"
            );
        }
        let sig = multibase_base58(&[0xff; 64]);
        assert_eq!(
            decode_multibase_base58_at_most(&sig, 64).unwrap(),
            [0xff; 64]
        );
        // One digit more is refused by length, even with a character no decoder would take.
        let long = format!("{sig}0");
        assert_eq!(
            decode_multibase_base58_at_most(&long, 64),
            Err(DecodeError::TooLong {
                len: 90,
                max: 89,
                bytes: 64
            })
        );
        let huge = format!("z{}", "2".repeat(1_000_000));
        assert!(matches!(
            decode_multibase_base58(&huge),
            Err(DecodeError::TooLong { len: 1_000_001, .. })
        ));
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
