//! The bitstring of a status list and its wire form, `encodedList`: the multibase base64url
//! (`u…`, no padding) of the GZIP of the bits. Index 0 is the most significant bit of the first
//! byte; an entry of `statusSize` *n* at index *i* occupies bits *i·n* to *i·n + n − 1*, most
//! significant bit first.
//!
//! Decoding is bounded: the encoded text may be at most [`MAX_ENCODED_LIST_BYTES`] long and
//! decompression stops at [`MAX_DECODED_LIST_BYTES`], so a GZIP bomb costs at most that much
//! memory.

use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use flate2::Compression;

use crate::error::{EncodedListError, StatusError};

/// The fewest entries a status list may hold, and the size civitas gives new lists: 131,072
/// (16 KiB of 1-bit entries), the minimum of the specification, for herd privacy.
pub const MIN_ENTRIES: u64 = 131_072;

/// The shortest bitstring the specification allows: 16 KiB, 131,072 bits.
pub const MIN_BITSTRING_BITS: u64 = 131_072;

/// The decompression cap: a decoded status list may be at most 16 MiB (134,217,728 one-bit
/// entries). Decompression stops as soon as the output would pass this size, so a GZIP bomb
/// costs at most 16 MiB of memory and the time to inflate it.
pub const MAX_DECODED_LIST_BYTES: usize = 16 * 1024 * 1024;

/// The longest `encodedList` text accepted: the size of the largest document civitas-core reads
/// ([`MAX_DOCUMENT_BYTES`](civitas_core::credential::MAX_DOCUMENT_BYTES), 1 MiB).
pub const MAX_ENCODED_LIST_BYTES: usize = civitas_core::credential::MAX_DOCUMENT_BYTES;

/// The number of bits per status entry (`statusSize`): 1 to 8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatusSize(u8);

impl StatusSize {
    /// One bit per entry: the size of every revocation and suspension list.
    pub const ONE: Self = Self(1);

    /// A size of `bits` bits (1 to 8).
    pub fn new(bits: u8) -> Result<Self, StatusError> {
        if (1..=8).contains(&bits) {
            Ok(Self(bits))
        } else {
            Err(StatusError::InvalidStatusSize {
                value: bits.to_string(),
            })
        }
    }

    /// The number of bits.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// The largest value an entry can hold (`2^bits − 1`).
    pub fn max_value(self) -> u8 {
        // 1..=8 bits: 1, 3, ..., 255.
        (((1u16) << self.0) - 1) as u8
    }

    /// How many distinct values an entry can hold (`2^bits`): the number of `statusMessage`
    /// elements a message entry of this size needs.
    pub fn values(self) -> u16 {
        1u16 << self.0
    }
}

impl Default for StatusSize {
    fn default() -> Self {
        Self::ONE
    }
}

impl std::fmt::Display for StatusSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl serde::Serialize for StatusSize {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for StatusSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let bits = u8::deserialize(d)?;
        Self::new(bits).map_err(serde::de::Error::custom)
    }
}

/// The bits of a status list.
#[derive(Clone, PartialEq, Eq)]
pub struct Bitstring {
    bytes: Vec<u8>,
}

impl std::fmt::Debug for Bitstring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bitstring")
            .field("bits", &self.len_bits())
            .field("set_bits", &self.count_ones())
            .finish()
    }
}

impl Bitstring {
    /// An all-zero bitstring for `entries` entries of `size` bits, padded to the 16 KiB minimum.
    pub fn zeroed(entries: u64, size: StatusSize) -> Result<Self, StatusError> {
        let bits = entries
            .checked_mul(u64::from(size.bits()))
            .filter(|b| *b <= (MAX_DECODED_LIST_BYTES as u64) * 8)
            .ok_or(EncodedListError::TooLarge {
                max: MAX_DECODED_LIST_BYTES,
            })?;
        let bytes = bits.div_ceil(8).max(MIN_BITSTRING_BITS / 8);
        Ok(Self {
            bytes: vec![0; bytes as usize],
        })
    }

    /// A bitstring over `bytes` (no size checks; [`Bitstring::check_minimum`] does them).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self { bytes }
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The length in bits.
    pub fn len_bits(&self) -> u64 {
        self.bytes.len() as u64 * 8
    }

    /// How many entries of `size` bits the bitstring holds.
    pub fn entries(&self, size: StatusSize) -> u64 {
        self.len_bits() / u64::from(size.bits())
    }

    /// Fails with [`StatusError::ListTooShort`] if the bitstring is under the 16 KiB minimum.
    pub fn check_minimum(&self) -> Result<(), StatusError> {
        if self.len_bits() < MIN_BITSTRING_BITS {
            return Err(StatusError::ListTooShort {
                bits: self.len_bits(),
                min: MIN_BITSTRING_BITS,
            });
        }
        Ok(())
    }

    fn start(&self, index: u64, size: StatusSize) -> Result<u64, StatusError> {
        let n = u64::from(size.bits());
        match index.checked_mul(n) {
            Some(start)
                if start
                    .checked_add(n)
                    .is_some_and(|end| end <= self.len_bits()) =>
            {
                Ok(start)
            }
            _ => Err(StatusError::IndexOutOfRange {
                index,
                status_size: size.bits(),
                entries: self.entries(size),
            }),
        }
    }

    /// The value of the entry at `index` (`size` bits, most significant first).
    #[inline]
    pub fn get(&self, index: u64, size: StatusSize) -> Result<u8, StatusError> {
        let start = self.start(index, size)?;
        if size.bits() == 1 {
            let byte = self.bytes[(start >> 3) as usize];
            return Ok((byte >> (7 - (start & 7))) & 1);
        }
        let mut value = 0u8;
        for p in start..start + u64::from(size.bits()) {
            let bit = (self.bytes[(p >> 3) as usize] >> (7 - (p & 7))) & 1;
            value = (value << 1) | bit;
        }
        Ok(value)
    }

    /// Sets the entry at `index` to `value` and returns its previous value.
    pub fn set(&mut self, index: u64, size: StatusSize, value: u8) -> Result<u8, StatusError> {
        if value > size.max_value() {
            return Err(StatusError::ValueTooLarge {
                value,
                status_size: size.bits(),
            });
        }
        let previous = self.get(index, size)?;
        let start = self.start(index, size)?;
        let n = u64::from(size.bits());
        for k in 0..n {
            let p = start + k;
            let mask = 1u8 << (7 - (p & 7));
            let byte = &mut self.bytes[(p >> 3) as usize];
            if (value >> (n - 1 - k)) & 1 == 1 {
                *byte |= mask;
            } else {
                *byte &= !mask;
            }
        }
        Ok(previous)
    }

    /// The number of bits set to 1.
    pub fn count_ones(&self) -> u64 {
        self.bytes.iter().map(|b| u64::from(b.count_ones())).sum()
    }

    /// The entries (of `size` bits) whose value is not 0, with their values, in index order.
    pub fn nonzero(&self, size: StatusSize) -> impl Iterator<Item = (u64, u8)> + '_ {
        let n = u64::from(size.bits());
        let entries = self.entries(size);
        let bytes = &self.bytes;
        // Skip whole zero bytes quickly: an entry can only be non-zero if a byte it touches is.
        (0..entries)
            .filter(move |i| {
                let first = (i * n) >> 3;
                let last = (i * n + n - 1) >> 3;
                (first..=last).any(|b| bytes[b as usize] != 0)
            })
            .filter_map(move |i| match self.get(i, size) {
                Ok(0) | Err(_) => None,
                Ok(v) => Some((i, v)),
            })
    }

    /// The GZIP of the bits (deterministic: no file name, modification time 0).
    pub fn to_gzip(&self) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(
            Vec::with_capacity(self.bytes.len() / 64 + 64),
            Compression::default(),
        );
        let written = encoder
            .write_all(&self.bytes)
            .and_then(|()| encoder.finish());
        match written {
            Ok(gzip) => gzip,
            // Writing into a Vec<u8> cannot fail.
            Err(e) => unreachable!("GZIP into memory failed: {e}"),
        }
    }

    /// The `encodedList` form: `u` + base64url (no padding) of the GZIP of the bits.
    pub fn encode(&self) -> String {
        let gzip = self.to_gzip();
        let mut out = String::with_capacity(1 + gzip.len().div_ceil(3) * 4);
        out.push('u');
        URL_SAFE_NO_PAD.encode_string(&gzip, &mut out);
        out
    }

    /// Decodes an `encodedList` value, decompressing at most [`MAX_DECODED_LIST_BYTES`].
    ///
    /// Does not check the 16 KiB minimum (see [`Bitstring::check_minimum`]).
    pub fn decode(encoded: &str) -> Result<Self, EncodedListError> {
        if encoded.len() > MAX_ENCODED_LIST_BYTES {
            return Err(EncodedListError::TooLong {
                size: encoded.len(),
                max: MAX_ENCODED_LIST_BYTES,
            });
        }
        let body = match encoded.strip_prefix('u') {
            Some(body) => body,
            None => {
                let found = match encoded.chars().next() {
                    None => "nothing (the value is empty)".to_owned(),
                    Some(c) => format!("`{}`", c.escape_default()),
                };
                return Err(EncodedListError::NotMultibase { found });
            }
        };
        let gzip = URL_SAFE_NO_PAD.decode(body).map_err(|e| {
            let offset = match e {
                base64::DecodeError::InvalidByte(o, _)
                | base64::DecodeError::InvalidLastSymbol(o, _) => o,
                _ => body.len(),
            };
            EncodedListError::Base64 { offset }
        })?;
        Self::from_gzip(&gzip)
    }

    /// Decompresses exactly one GZIP member, at most [`MAX_DECODED_LIST_BYTES`] of output;
    /// bytes after the member are refused.
    pub fn from_gzip(gzip: &[u8]) -> Result<Self, EncodedListError> {
        if gzip.len() < 2 || gzip[0] != 0x1f || gzip[1] != 0x8b {
            return Err(EncodedListError::NotGzip);
        }
        let limit = MAX_DECODED_LIST_BYTES as u64 + 1;
        let mut bytes = Vec::new();
        // The `bufread` decoder reads from the slice itself (no buffer of its own), so what it
        // leaves unread is exactly what follows the member.
        let mut decoder = flate2::bufread::GzDecoder::new(gzip).take(limit);
        if let Err(e) = decoder.read_to_end(&mut bytes) {
            return Err(match e.kind() {
                std::io::ErrorKind::UnexpectedEof => EncodedListError::Truncated,
                _ => EncodedListError::Corrupt {
                    reason: e.to_string(),
                },
            });
        }
        if bytes.len() > MAX_DECODED_LIST_BYTES {
            return Err(EncodedListError::TooLarge {
                max: MAX_DECODED_LIST_BYTES,
            });
        }
        let rest = decoder.into_inner().into_inner();
        if !rest.is_empty() {
            return Err(EncodedListError::TrailingBytes { count: rest.len() });
        }
        Ok(Self { bytes })
    }
}

impl serde::Serialize for Bitstring {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.encode())
    }
}

impl<'de> serde::Deserialize<'de> for Bitstring {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::decode(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC_EMPTY: &str =
        "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA";

    #[test]
    fn spec_example_is_16_kib_of_zeros() {
        let bits = Bitstring::decode(SPEC_EMPTY).unwrap();
        assert_eq!(bits.len_bits(), 131_072);
        assert_eq!(bits.count_ones(), 0);
        bits.check_minimum().unwrap();
    }

    #[test]
    fn index_zero_is_the_most_significant_bit() {
        let mut bits = Bitstring::zeroed(MIN_ENTRIES, StatusSize::ONE).unwrap();
        bits.set(0, StatusSize::ONE, 1).unwrap();
        bits.set(9, StatusSize::ONE, 1).unwrap();
        assert_eq!(&bits.as_bytes()[..2], &[0b1000_0000, 0b0100_0000]);
        let two = StatusSize::new(2).unwrap();
        let mut bits = Bitstring::zeroed(MIN_ENTRIES, two).unwrap();
        bits.set(1, two, 0b10).unwrap();
        assert_eq!(bits.as_bytes()[0], 0b0010_0000);
        assert_eq!(bits.get(1, two).unwrap(), 2);
        let three = StatusSize::new(3).unwrap();
        bits.set(2, three, 0b101).unwrap(); // bits 6, 7, 8: crosses a byte
        assert_eq!(&bits.as_bytes()[..2], &[0b0010_0010, 0b1000_0000]);
        assert_eq!(bits.get(2, three).unwrap(), 5);
    }

    #[test]
    fn sizes_and_values_are_checked() {
        assert!(matches!(
            StatusSize::new(0),
            Err(StatusError::InvalidStatusSize { .. })
        ));
        assert!(matches!(
            StatusSize::new(9),
            Err(StatusError::InvalidStatusSize { .. })
        ));
        assert_eq!(StatusSize::new(8).unwrap().max_value(), 255);
        let mut bits = Bitstring::zeroed(MIN_ENTRIES, StatusSize::ONE).unwrap();
        assert!(matches!(
            bits.set(0, StatusSize::ONE, 2),
            Err(StatusError::ValueTooLarge {
                value: 2,
                status_size: 1
            })
        ));
        assert!(matches!(
            bits.get(MIN_ENTRIES, StatusSize::ONE),
            Err(StatusError::IndexOutOfRange {
                index: 131_072,
                entries: 131_072,
                ..
            })
        ));
        assert!(matches!(
            bits.get(u64::MAX, StatusSize::new(8).unwrap()),
            Err(StatusError::IndexOutOfRange { .. })
        ));
    }
}
