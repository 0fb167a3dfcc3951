//! Disclosures (RFC 9901 §4.2): `[salt, name, value]` for an object property, `[salt, value]`
//! for an array element, base64url-encoded; the payload references each by its digest,
//! base64url(SHA-256(the ASCII of the encoded disclosure)).

use civitas_keys::encoding;
use rand::RngCore as _;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::error::SdJwtError;
use crate::jws;

/// The only `_sd_alg` civitas issues and accepts.
pub const SD_ALG: &str = "sha-256";

/// Bytes of randomness in a salt (128 bits, RFC 9901 §4.2.1's recommendation).
pub const SALT_BYTES: usize = 16;

/// One disclosure.
#[derive(Debug, Clone, PartialEq)]
pub struct Disclosure {
    /// The salt (base64url of [`SALT_BYTES`] random bytes when civitas makes it).
    pub salt: String,
    /// The claim name; `None` for an array element.
    pub name: Option<String>,
    /// The claim value.
    pub value: Value,
    /// The encoded disclosure, as it appears between `~`s.
    pub encoded: String,
}

/// A fresh salt: [`SALT_BYTES`] from the operating system's CSPRNG, base64url.
pub fn random_salt() -> String {
    let mut bytes = [0u8; SALT_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    encoding::base64url(&bytes)
}

/// The digest of an encoded disclosure: base64url(SHA-256(ASCII of `encoded`)).
pub fn digest_of(encoded: &str) -> String {
    encoding::base64url(&Sha256::digest(encoded.as_bytes()))
}

/// A decoy digest: the digest of 32 random bytes, indistinguishable from a real one.
pub fn decoy_digest() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    encoding::base64url(&Sha256::digest(bytes))
}

impl Disclosure {
    /// A new disclosure with a fresh random salt: an object property when `name` is given,
    /// an array element otherwise.
    pub fn new(name: Option<&str>, value: Value) -> Self {
        Self::with_salt(random_salt(), name, value)
    }

    /// A disclosure with the given salt (for test vectors).
    pub fn with_salt(salt: String, name: Option<&str>, value: Value) -> Self {
        let array = match name {
            Some(n) => Value::Array(vec![salt.clone().into(), n.into(), value.clone()]),
            None => Value::Array(vec![salt.clone().into(), value.clone()]),
        };
        let encoded = encoding::base64url(array.to_string().as_bytes());
        Self {
            salt,
            name: name.map(str::to_owned),
            value,
            encoded,
        }
    }

    /// This disclosure's digest ([`digest_of`] its encoded form).
    pub fn digest(&self) -> String {
        digest_of(&self.encoded)
    }

    /// Reads the encoded disclosure at `index` of a presentation.
    pub fn parse(encoded: &str, index: usize) -> Result<Self, SdJwtError> {
        if encoded.is_empty() {
            return Err(SdJwtError::EmptyDisclosure { index });
        }
        let bytes = jws::b64(format!("disclosure {index}"), encoded)?;
        let malformed = |reason: &str| SdJwtError::MalformedDisclosure {
            index,
            reason: reason.into(),
        };
        let Value::Array(items) = jws::json(format!("disclosure {index}"), &bytes)? else {
            return Err(malformed("not a JSON array"));
        };
        let (salt, name, value) = match <[Value; 3]>::try_from(items) {
            Ok([salt, name, value]) => {
                let Value::String(name) = name else {
                    return Err(malformed("the claim name (second element) is not a string"));
                };
                (salt, Some(name), value)
            }
            Err(items) => match <[Value; 2]>::try_from(items) {
                Ok([salt, value]) => (salt, None, value),
                Err(items) => {
                    return Err(malformed(&format!(
                        "an array of {} elements, expected 3 (object property) or 2 (array element)",
                        items.len()
                    )));
                }
            },
        };
        let Value::String(salt) = salt else {
            return Err(malformed("the salt (first element) is not a string"));
        };
        Ok(Self {
            salt,
            name,
            value,
            encoded: encoded.to_owned(),
        })
    }
}
