//! Base45 (RFC 9285): bytes as text in the 45-character alphabet of QR alphanumeric mode.
//!
//! Two bytes `a, b` become three characters `c d e` with `a·256 + b = c + d·45 + e·45²`; a final
//! single byte becomes two characters. Decoding refuses every string that encoding could not have
//! produced (a character outside the alphabet, a dangling character, a group over its maximum), so
//! each byte string has exactly one Base45 form.

/// The Base45 alphabet: the character of value `i` is `ALPHABET[i]`.
pub const ALPHABET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Why a string is not Base45.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Base45Error {
    /// A character outside the alphabet (e.g. a lower-case letter).
    #[error("character {found:?} at offset {offset} is not in the Base45 alphabet")]
    Character {
        /// Byte offset in the Base45 text.
        offset: usize,
        /// The character found.
        found: char,
    },
    /// The length leaves a single character at the end (lengths are 3n or 3n + 2).
    #[error("a Base45 text of {len} characters is truncated: its length must be 3n or 3n+2")]
    Length {
        /// The text's length.
        len: usize,
    },
    /// A group encodes a value larger than its bytes can hold.
    #[error(
        "the Base45 group at offset {offset} encodes {value}, more than the {max} its bytes can hold"
    )]
    Overflow {
        /// Byte offset of the group.
        offset: usize,
        /// The value it encodes.
        value: u32,
        /// 65535 for a 3-character group, 255 for a final 2-character group.
        max: u32,
    },
}

/// Encodes `bytes` as Base45.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(2) * 3);
    let mut push = |v: u32| out.push(char::from(ALPHABET[(v % 45) as usize]));
    for chunk in bytes.chunks(2) {
        match *chunk {
            [a, b] => {
                let n = u32::from(a) * 256 + u32::from(b);
                push(n);
                push(n / 45);
                push(n / (45 * 45));
            }
            [a] => {
                let n = u32::from(a);
                push(n);
                push(n / 45);
            }
            _ => {}
        }
    }
    out
}

fn value_of(offset: usize, c: u8) -> Result<u32, Base45Error> {
    ALPHABET
        .iter()
        .position(|&a| a == c)
        .map(|v| v as u32)
        .ok_or(Base45Error::Character {
            offset,
            found: char::from(c),
        })
}

/// Decodes Base45 text.
pub fn decode(text: &str) -> Result<Vec<u8>, Base45Error> {
    let bytes = text.as_bytes();
    if bytes.len() % 3 == 1 {
        // Report a bad character first: it says more than the length.
        for (i, &c) in bytes.iter().enumerate() {
            value_of(i, c)?;
        }
        return Err(Base45Error::Length { len: bytes.len() });
    }
    let mut out = Vec::with_capacity(bytes.len() / 3 * 2 + 1);
    for (group, chunk) in bytes.chunks(3).enumerate() {
        let offset = group * 3;
        let mut n = 0u32;
        let mut scale = 1u32;
        for (i, &c) in chunk.iter().enumerate() {
            n += value_of(offset + i, c)? * scale;
            scale *= 45;
        }
        if chunk.len() == 3 {
            if n > 0xFFFF {
                return Err(Base45Error::Overflow {
                    offset,
                    value: n,
                    max: 0xFFFF,
                });
            }
            out.extend_from_slice(&[(n >> 8) as u8, (n & 0xFF) as u8]);
        } else {
            if n > 0xFF {
                return Err(Base45Error::Overflow {
                    offset,
                    value: n,
                    max: 0xFF,
                });
            }
            out.push(n as u8);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_9285_examples() {
        for (bytes, text) in [
            (&b"AB"[..], "BB8"),
            (b"Hello!!", "%69 VD92EX0"),
            (b"base-45", "UJCLQE7W581"),
            (b"ietf!", "QED8WEX0"),
            (b"", ""),
        ] {
            assert_eq!(encode(bytes), text);
            assert_eq!(decode(text).unwrap(), bytes);
        }
    }

    #[test]
    fn invalid_text_is_a_typed_error() {
        assert_eq!(
            decode("GGW"),
            Err(Base45Error::Overflow {
                offset: 0,
                value: 65_536,
                max: 65_535
            })
        );
        assert!(matches!(decode("::"), Err(Base45Error::Overflow { .. })));
        assert_eq!(decode("ABCD"), Err(Base45Error::Length { len: 4 }));
        assert_eq!(
            decode("AbC"),
            Err(Base45Error::Character {
                offset: 1,
                found: 'b'
            })
        );
        assert!(matches!(
            decode("é"),
            Err(Base45Error::Character { offset: 0, .. })
        ));
    }

    #[test]
    fn every_byte_pair_round_trips() {
        for a in 0..=255u8 {
            for b in [0u8, 1, 44, 45, 127, 200, 255] {
                assert_eq!(decode(&encode(&[a, b])).unwrap(), [a, b]);
                assert_eq!(decode(&encode(&[b, a, b])).unwrap(), [b, a, b]);
            }
        }
    }
}
