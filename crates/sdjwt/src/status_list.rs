//! The IETF Token Status List (draft-ietf-oauth-status-list): a list of 1-, 2-, 4- or 8-bit
//! statuses, compressed with zlib (RFC 1950) and published as `lst` (base64url) in a signed
//! `statuslist+jwt`.
//!
//! Bit order: entry `idx` occupies the `bits` bits starting at bit `(idx * bits) % 8`,
//! counted from the LEAST significant bit, of byte `idx * bits / 8`. This is the opposite of
//! the W3C Bitstring Status List (most significant bit first); [`TokenStatusList::from_bitstring`]
//! converts one.

use std::io::{Read as _, Write as _};

use civitas_keys::encoding;
use civitas_keys::keys::PublicKey;
use civitas_keys::signer::Signer;
use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use serde_json::{Map, Value};

use crate::error::SdJwtError;
use crate::jws;

/// The `typ` of a status list token.
pub const STATUS_LIST_JWT_TYPE: &str = "statuslist+jwt";
/// Status: valid.
pub const VALID: u8 = 0x00;
/// Status: invalid (revoked).
pub const INVALID: u8 = 0x01;
/// Status: suspended.
pub const SUSPENDED: u8 = 0x02;
/// The most bytes a list may have (compressed `lst` is decompressed to at most this).
pub const MAX_LIST_BYTES: usize = 16 * 1024 * 1024;
/// The largest status list token accepted, in bytes.
pub const MAX_TOKEN_BYTES: usize = 4 * 1024 * 1024;

/// A Token Status List.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenStatusList {
    bits: u8,
    bytes: Vec<u8>,
}

fn check_bits(bits: u64) -> Result<u8, SdJwtError> {
    match bits {
        1 | 2 | 4 | 8 => Ok(bits as u8),
        _ => Err(SdJwtError::InvalidBits { bits }),
    }
}

impl TokenStatusList {
    /// A list of `len` entries of `bits` bits (1, 2, 4 or 8), all [`VALID`].
    pub fn new(bits: u8, len: u64) -> Result<Self, SdJwtError> {
        let bits = check_bits(u64::from(bits))?;
        let max = MAX_LIST_BYTES as u64 * 8 / u64::from(bits);
        if len > max {
            return Err(SdJwtError::StatusListTooLong { entries: len, max });
        }
        let bytes = (len * u64::from(bits)).div_ceil(8) as usize;
        Ok(Self {
            bits,
            bytes: vec![0; bytes],
        })
    }

    /// A list of `bits` bits per entry over `bytes` (in this format's bit order).
    pub fn from_bytes(bits: u8, bytes: Vec<u8>) -> Result<Self, SdJwtError> {
        let bits = check_bits(u64::from(bits))?;
        if bytes.len() > MAX_LIST_BYTES {
            return Err(SdJwtError::DecompressedTooLarge {
                max: MAX_LIST_BYTES,
            });
        }
        Ok(Self { bits, bytes })
    }

    /// A 1-bit list from a W3C Bitstring Status List's raw bits (most significant bit first:
    /// bit `i` is bit `7 - i % 8` of byte `i / 8`), same indexes and values.
    pub fn from_bitstring(msb_first: &[u8]) -> Self {
        Self {
            bits: 1,
            bytes: msb_first.iter().map(|b| b.reverse_bits()).collect(),
        }
    }

    /// Bits per entry.
    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The number of entries.
    pub fn len(&self) -> u64 {
        self.bytes.len() as u64 * 8 / u64::from(self.bits)
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn locate(&self, idx: u64) -> Result<(usize, u32, u8), SdJwtError> {
        if idx >= self.len() {
            return Err(SdJwtError::IndexOutOfRange {
                idx,
                len: self.len(),
            });
        }
        let bit = idx * u64::from(self.bits);
        let mask = ((1u16 << self.bits) - 1) as u8;
        Ok(((bit / 8) as usize, (bit % 8) as u32, mask))
    }

    /// The status of entry `idx`.
    pub fn get(&self, idx: u64) -> Result<u8, SdJwtError> {
        let (byte, shift, mask) = self.locate(idx)?;
        Ok((self.bytes[byte] >> shift) & mask)
    }

    /// Sets the status of entry `idx` (a value that fits in `bits`).
    pub fn set(&mut self, idx: u64, value: u8) -> Result<(), SdJwtError> {
        let (byte, shift, mask) = self.locate(idx)?;
        if value & !mask != 0 {
            return Err(SdJwtError::InvalidStatusValue {
                value,
                bits: self.bits,
            });
        }
        self.bytes[byte] = (self.bytes[byte] & !(mask << shift)) | (value << shift);
        Ok(())
    }

    /// `lst`: base64url of the zlib-compressed bytes.
    pub fn lst(&self) -> String {
        let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
        // Writing to a Vec cannot fail.
        let compressed = z
            .write_all(&self.bytes)
            .and_then(|()| z.finish())
            .unwrap_or_default();
        encoding::base64url(&compressed)
    }

    /// Reads `bits` and `lst`, decompressing at most [`MAX_LIST_BYTES`].
    pub fn from_lst(bits: u8, lst: &str) -> Result<Self, SdJwtError> {
        let bits = check_bits(u64::from(bits))?;
        let compressed = jws::b64("status list `lst`", lst)?;
        let mut bytes = Vec::new();
        ZlibDecoder::new(compressed.as_slice())
            .take(MAX_LIST_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| SdJwtError::Decompression {
                reason: format!("not valid zlib data: {e}"),
            })?;
        if bytes.len() > MAX_LIST_BYTES {
            return Err(SdJwtError::DecompressedTooLarge {
                max: MAX_LIST_BYTES,
            });
        }
        Ok(Self { bits, bytes })
    }

    /// The `status_list` claim: `{"bits": …, "lst": …}`.
    pub fn to_claim(&self) -> Value {
        serde_json::json!({"bits": self.bits, "lst": self.lst()})
    }

    /// Reads a `status_list` claim.
    pub fn from_claim(claim: &Value) -> Result<Self, SdJwtError> {
        let invalid = |reason: &str| SdJwtError::InvalidClaim {
            claim: "status_list",
            reason: reason.into(),
        };
        let bits = claim
            .get("bits")
            .and_then(Value::as_u64)
            .ok_or_else(|| invalid("`bits` is missing or not a number"))?;
        let bits = check_bits(bits)?;
        let lst = claim
            .get("lst")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("`lst` is missing or not a string"))?;
        Self::from_lst(bits, lst)
    }
}

/// Signs `list` as a status list token for `sub` (the URI credentials reference): header
/// `{alg, typ: statuslist+jwt, kid}`, payload `{sub, iat, exp?, ttl?, status_list}`.
pub async fn sign_status_list_token(
    list: &TokenStatusList,
    sub: &str,
    iat: i64,
    exp: Option<i64>,
    ttl: Option<u64>,
    signer: &dyn Signer,
) -> Result<String, SdJwtError> {
    let mut payload = Map::new();
    payload.insert("sub".into(), sub.into());
    payload.insert("iat".into(), iat.into());
    if let Some(exp) = exp {
        payload.insert("exp".into(), exp.into());
    }
    if let Some(ttl) = ttl {
        payload.insert("ttl".into(), ttl.into());
    }
    payload.insert("status_list".into(), list.to_claim());
    jws::sign(
        STATUS_LIST_JWT_TYPE,
        Some(signer.verification_method()),
        &payload,
        signer,
    )
    .await
}

/// Verifies a status list token (its `typ`, `alg`, signature by `key`, `sub` equal to
/// `expected_sub`, `exp` after `now`) and returns its list.
pub fn verify_status_list_token(
    text: &str,
    key: &PublicKey,
    expected_sub: &str,
    now: i64,
) -> Result<TokenStatusList, SdJwtError> {
    const WHAT: &str = "status list token";
    if text.len() > MAX_TOKEN_BYTES {
        return Err(SdJwtError::TooLarge {
            what: WHAT,
            size: text.len(),
            max: MAX_TOKEN_BYTES,
        });
    }
    let jws = jws::decode(WHAT, text.trim())?;
    jws.expect_typ(WHAT, &[STATUS_LIST_JWT_TYPE])?;
    jws.verify_signature(WHAT, key)?;
    let sub = jws.payload.get("sub").and_then(Value::as_str);
    if sub != Some(expected_sub) {
        return Err(SdJwtError::WrongSubject {
            expected: expected_sub.to_owned(),
            found: sub.map(str::to_owned),
        });
    }
    if jws::int_claim(&jws.payload, "iat")?.is_none() {
        return Err(SdJwtError::InvalidClaim {
            claim: "iat",
            reason: "missing from the status list token".into(),
        });
    }
    if let Some(exp) = jws::int_claim(&jws.payload, "exp")?
        && exp <= now
    {
        return Err(SdJwtError::Expired { exp, now });
    }
    let claim = jws
        .payload
        .get("status_list")
        .ok_or_else(|| SdJwtError::InvalidClaim {
            claim: "status_list",
            reason: "missing from the status list token".into(),
        })?;
    TokenStatusList::from_claim(claim)
}

/// Decodes a status list token's list without verifying anything (for inspection and
/// fuzzing; never trust its result).
pub fn decode_status_list_token_unverified(text: &str) -> Result<TokenStatusList, SdJwtError> {
    if text.len() > MAX_TOKEN_BYTES {
        return Err(SdJwtError::TooLarge {
            what: "status list token",
            size: text.len(),
            max: MAX_TOKEN_BYTES,
        });
    }
    let jws = jws::decode("status list token", text.trim())?;
    let claim = jws
        .payload
        .get("status_list")
        .ok_or_else(|| SdJwtError::InvalidClaim {
            claim: "status_list",
            reason: "missing from the status list token".into(),
        })?;
    TokenStatusList::from_claim(claim)
}
