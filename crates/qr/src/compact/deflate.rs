//! Raw DEFLATE (RFC 1951) with a fixed preset dictionary, a hard cap on the inflated size and a
//! canonical form.
//!
//! * **Preset dictionary.** Compression starts as if [`DICTIONARY`] had just been output, so the
//!   first occurrence of a common string (`https://`, `/status/revocation/`, `did:web:`, the
//!   COSE header bytes...) is already a back-reference. This is zlib's `inflateSetDictionary`
//!   on a raw stream (Python: `zlib.decompressobj(-15, zdict=DICTIONARY)`; pako:
//!   `inflateRaw(data, {dictionary})`). It saves 70 to 90 bytes on a typical certificate, where
//!   messages of 500 bytes leave DEFLATE little to work with otherwise.
//! * **No zlib wrapper.** The COSE signature protects the content; the 2-byte header and the
//!   Adler-32 would cost 6 bytes and add nothing.
//! * **Canonical form.** The stream is one block (`BFINAL` = 1) and every padding bit is zero:
//!   after the end-of-block code of a Huffman-coded block (`BTYPE` = 01 or 10), or after the
//!   3-bit header of a stored block (`BTYPE` = 00, what compressors emit for incompressible
//!   data). Decoders ignore padding, so this rule is what makes every single-bit change of the
//!   compressed bytes noticed.

use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};

/// The preset dictionary of version 1 (348 bytes), in this order (least likely first: a match
/// nearer the data costs fewer bits):
///
/// 1. words of civil-status offices, in English and French;
/// 2. status list URL parts;
/// 3. the CBOR skeleton of a marriage subject (keys of [`super::claims::SUBJECT_KEYS`] and the
///    headers of fixed-size values), then of a birth subject;
/// 4. registration, status entries, the signature's header;
/// 5. the unprotected header, payload header and start of the claims, the start of a binary
///    Ed25519 `did:key`;
/// 6. DID prefixes;
/// 7. the start of a COSE_Sign1 message and its protected header `{1: ES256 | EdDSA, 4: bstr}`.
pub const DICTIONARY: &[u8] = b"Bureau de l'\xc3\xa9tat civil, Mairie de Clinique H\xc3\xb4pital \
Clinic Hospital Civil Status Office, \
https://www.https:///status/refresh//status/message//status/suspension//status/revocation/\
\xa6\x02\x82\xa6\x03\x04\x06aM\x06aF\x07\x19\x09n\x0ab\x0c\x19\x0d\xa4\x12x\x13\x16\x17b\x0e\x0f\x82\xa3\x03\
\x03\xa2benbfr\x04\x06aF\x06aM\x07\x19\x08\x19\x0b\xa4\x12\x13\x16\x17b\x10\xa4\x03\x04\x09n\x0ab\x11\xa4\x03\x04\x09n\x0ab\
\x18\x1a\xa5\x14p\x15x\x16\x18\x18\x19\x18\x19\x07\x82\x83\x00\x1a\x00\x83\x01\x1a\x00\x83\x01\x19X@\
\xa0Y\x01\xa5\x01\x01\x02P\x04\x1a\x06\x00X\"\xed\x01\
did:key:zDndid:key:z6Mkdid:web:#key-\
\xd2\x84X\xa2\x01&\x04X\xa2\x01'\x04X";

/// Why compressed bytes could not be inflated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InflateError {
    /// Inflating would produce more than the cap.
    #[error("the compressed payload inflates to more than {max} bytes")]
    TooLarge {
        /// The cap.
        max: usize,
    },
    /// Not a DEFLATE stream, or corrupt data.
    #[error("the compressed payload is corrupt: {reason}")]
    Corrupt {
        /// What the inflater reported.
        reason: &'static str,
    },
    /// Bytes follow the end of the DEFLATE stream.
    #[error("{extra} byte(s) follow the end of the compressed payload")]
    TrailingData {
        /// How many.
        extra: usize,
    },
    /// The unused bits after the DEFLATE block are not zero.
    #[error("the compressed payload has non-zero padding bits (altered?)")]
    Padding,
    /// Not a single DEFLATE block.
    #[error("the compressed payload must be a single DEFLATE block, not {found}")]
    Layout {
        /// What was found.
        found: &'static str,
    },
}

/// Compresses `data` with the preset dictionary, at the best compression level (zlib's level 9,
/// through zlib-rs).
pub fn compress(data: &[u8]) -> Result<Vec<u8>, InflateError> {
    let failed = |_| InflateError::Corrupt {
        reason: "the compressor failed",
    };
    let mut z = flate2::Compress::new(flate2::Compression::best(), false);
    z.set_dictionary(DICTIONARY).map_err(failed)?;
    let mut out = Vec::with_capacity(data.len() + data.len() / 2 + 64);
    match z
        .compress_vec(data, &mut out, flate2::FlushCompress::Finish)
        .map_err(failed)?
    {
        flate2::Status::StreamEnd => Ok(out),
        _ => Err(InflateError::Corrupt {
            reason: "the compressor did not finish",
        }),
    }
}

/// The stream the inflater sees: the dictionary as a non-final stored block, then `data`.
fn primed_stream(dict: &[u8], data: &[u8]) -> Vec<u8> {
    let len = dict.len() as u16;
    let mut stream = Vec::with_capacity(5 + dict.len() + data.len());
    stream.push(0x00); // BFINAL = 0, BTYPE = 00 (stored), padding
    stream.extend_from_slice(&len.to_le_bytes());
    stream.extend_from_slice(&(!len).to_le_bytes());
    stream.extend_from_slice(dict);
    stream.extend_from_slice(data);
    stream
}

/// Inflates a primed stream: `Ok((output after the dictionary, bytes consumed))`.
fn inflate_primed(
    stream: &[u8],
    skip: usize,
    max: usize,
) -> Result<(Vec<u8>, usize), InflateError> {
    let mut state = Box::<DecompressorOxide>::default();
    let cap = skip.saturating_add(max);
    let mut out = vec![0u8; cap.saturating_add(1)];
    let flags = inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    let (status, consumed, written) = decompress(&mut state, stream, &mut out, 0, flags);
    match status {
        TINFLStatus::Done if written <= cap => {
            out.truncate(written);
            Ok((out.split_off(skip.min(written)), consumed))
        }
        TINFLStatus::Done | TINFLStatus::HasMoreOutput => Err(InflateError::TooLarge { max }),
        TINFLStatus::FailedCannotMakeProgress | TINFLStatus::NeedsMoreInput => {
            Err(InflateError::Corrupt {
                reason: "truncated stream",
            })
        }
        _ => Err(InflateError::Corrupt {
            reason: "invalid DEFLATE data",
        }),
    }
}

/// Inflates a stream made by [`compress`], producing at most `max` bytes. The stream must use
/// all of `data` and be in canonical form (see the module documentation).
pub fn inflate(data: &[u8], max: usize) -> Result<Vec<u8>, InflateError> {
    let stored = match data.first().map(|b| (b & 1, (b >> 1) & 3)) {
        None => {
            return Err(InflateError::Corrupt {
                reason: "empty stream",
            });
        }
        Some((1, 1 | 2)) => false,
        // A stored block: the 5 bits after its 3-bit header pad to a byte boundary.
        Some((1, 0)) if data[0] >> 3 == 0 => true,
        Some((1, 0)) => return Err(InflateError::Padding),
        Some((1, _)) => {
            return Err(InflateError::Corrupt {
                reason: "reserved block type",
            });
        }
        Some(_) => {
            return Err(InflateError::Layout {
                found: "several blocks",
            });
        }
    };
    let dict = DICTIONARY;
    let mut stream = primed_stream(dict, data);
    let prefix = stream.len() - data.len();
    let (out, consumed) = inflate_primed(&stream, dict.len(), max)?;
    if consumed != stream.len() {
        return Err(InflateError::TrailingData {
            extra: stream.len().saturating_sub(consumed),
        });
    }
    // A set bit of the last byte that can be cleared without changing the result is padding:
    // every encoder writes it as zero, so a non-zero one means the bytes were altered.
    let last = stream.len() - 1;
    if !stored && last >= prefix {
        let byte = stream[last];
        for bit in 0..8 {
            if byte & (1 << bit) == 0 {
                continue;
            }
            stream[last] = byte & !(1 << bit);
            let same = matches!(
                inflate_primed(&stream, dict.len(), max),
                Ok((ref o, n)) if n == consumed && *o == out
            );
            stream[last] = byte;
            if same {
                return Err(InflateError::Padding);
            }
        }
    }
    Ok(out)
}

/// SHA-256 of [`DICTIONARY`] (hex), for implementers to check their copy.
pub const DICTIONARY_SHA256: &str =
    "aa9fd811b9c4b34e51b3b217afc63505513dc6a4d4eda50c3e397f58cda1e409";

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn the_dictionary_is_fixed() {
        let d = DICTIONARY;
        assert_eq!(d.len(), 348);
        assert!(d.ends_with(&[0xa2, 0x01, 0x27, 0x04, 0x58]));
        assert!(d.starts_with("Bureau de l'état civil".as_bytes()));
        // sha256 of the dictionary, as SPEC.md §13 gives it.
        use sha2::Digest as _;
        let digest = hex(&sha2::Sha256::digest(d));
        assert_eq!(digest, DICTIONARY_SHA256);
    }

    #[test]
    fn round_trip_and_limits() {
        let data = b"https://registry.gov.example/status/revocation/1 civitas civitas".repeat(4);
        let z = compress(&data).unwrap();
        assert!(z.len() < data.len() / 3, "{}", z.len());
        assert_eq!(inflate(&z, 1000).unwrap(), data);
        assert_eq!(inflate(&z, 10), Err(InflateError::TooLarge { max: 10 }));
        let mut longer = z.clone();
        longer.push(0);
        assert_eq!(
            inflate(&longer, 1000),
            Err(InflateError::TrailingData { extra: 1 })
        );
        assert!(matches!(
            inflate(&z[..z.len() - 1], 1000),
            Err(InflateError::Corrupt { .. })
        ));
        assert!(matches!(
            inflate(b"", 1000),
            Err(InflateError::Corrupt { .. })
        ));
        // The dictionary is what makes the first URL cheap: without it the same bytes are not
        // a valid stream, or not the same data.
        let plain = miniz_oxide::inflate::decompress_to_vec(&z);
        assert_ne!(plain.ok(), Some(data));
    }

    #[test]
    fn stored_blocks_need_zero_padding_and_several_blocks_are_refused() {
        let data = b"abcdefgh".repeat(8);
        // A stored block, primed like every stream (the dictionary is simply not used).
        let mut stored = vec![0x01];
        stored.extend_from_slice(&(data.len() as u16).to_le_bytes());
        stored.extend_from_slice(&(!(data.len() as u16)).to_le_bytes());
        stored.extend_from_slice(&data);
        assert_eq!(inflate(&stored, 1000).unwrap(), data);
        let mut padded = stored.clone();
        padded[0] |= 0b1000;
        assert_eq!(inflate(&padded, 1000), Err(InflateError::Padding));
        // An empty non-final stored block, then the real one.
        let z = compress(&data).unwrap();
        let mut two = vec![0x00, 0x00, 0x00, 0xff, 0xff];
        two.extend(&z);
        assert_eq!(
            inflate(&two, 1000),
            Err(InflateError::Layout {
                found: "several blocks"
            })
        );
    }

    #[test]
    fn incompressible_data_round_trips_and_every_bit_flip_is_noticed() {
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        let noise: Vec<u8> = (0..300)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let z = compress(&noise).unwrap();
        assert_eq!(z[0], 0b001, "one stored block, zero padding");
        assert_eq!(inflate(&z, 1000).unwrap(), noise);
        for i in 0..z.len() * 8 {
            let mut bad = z.clone();
            bad[i / 8] ^= 1 << (i % 8);
            if let Ok(out) = inflate(&bad, 1000) {
                assert_ne!(out, noise, "bit {i} flipped unnoticed");
            }
        }
    }

    #[test]
    fn a_zip_bomb_stops_at_the_cap() {
        let z = compress(&vec![0u8; 10_000_000]).unwrap();
        assert!(matches!(
            inflate(&z, 16_384),
            Err(InflateError::TooLarge { max: 16_384 } | InflateError::Layout { .. })
        ));
    }

    #[test]
    fn every_single_bit_flip_is_noticed() {
        let data = b"Marie-Claire Lebon, Candos, Plaines Wilhems; Anne Lebon; John Lebon".repeat(3);
        let z = compress(&data).unwrap();
        for i in 0..z.len() * 8 {
            let mut bad = z.clone();
            bad[i / 8] ^= 1 << (i % 8);
            if let Ok(out) = inflate(&bad, 1000) {
                assert_ne!(out, data, "bit {i} flipped unnoticed");
            }
        }
    }
}
