//! The wallet's one unencrypted record: format version, Argon2id parameters, random salt and a
//! check tag (a known plaintext sealed under the derived key), so that a wrong passphrase is
//! told apart from damage before anything is read or written.

use civitas_keys::encoding;
use civitas_keys::sealed::{KdfParams, SealError, SealingKey};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::error::{PassphraseProblem, WalletError};

/// The wallet format version this code writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// Longest passphrase accepted, in bytes.
pub const MAX_PASSPHRASE_BYTES: usize = 1024;

const CHECK_AAD: &[u8] = b"civitas-wallet/v1/check";
const CHECK_PLAINTEXT: &[u8] = b"civitas wallet key check v1";
const SALT_BYTES: usize = 16;

/// The unencrypted header: what is needed to derive the key and recognise it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Header {
    /// Format version ([`FORMAT_VERSION`]).
    pub version: u32,
    /// Argon2id parameters.
    pub kdf: KdfParams,
    /// Random salt, base64url (16 bytes).
    pub salt: String,
    /// `CHECK_PLAINTEXT` sealed under the derived key, base64url.
    pub check: String,
}

/// Refuses an empty or over-long passphrase.
pub fn check_passphrase(passphrase: &[u8]) -> Result<(), WalletError> {
    if passphrase.is_empty() {
        return Err(WalletError::Passphrase(PassphraseProblem::Empty));
    }
    if passphrase.len() > MAX_PASSPHRASE_BYTES {
        return Err(WalletError::Passphrase(PassphraseProblem::TooLong {
            size: passphrase.len(),
            max: MAX_PASSPHRASE_BYTES,
        }));
    }
    Ok(())
}

impl Header {
    /// A new header with a random salt, and the key it describes.
    pub fn create(passphrase: &[u8], kdf: KdfParams) -> Result<(Self, SealingKey), WalletError> {
        check_passphrase(passphrase)?;
        let mut salt = [0u8; SALT_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        let key = SealingKey::derive(passphrase, &salt, kdf).map_err(WalletError::Kdf)?;
        let check = key.encrypt(CHECK_AAD, CHECK_PLAINTEXT);
        Ok((
            Self {
                version: FORMAT_VERSION,
                kdf,
                salt: encoding::base64url(&salt),
                check: encoding::base64url(&check),
            },
            key,
        ))
    }

    /// Reads a header from its stored bytes; `what` names the container in errors.
    pub fn parse(bytes: &[u8], what: &'static str) -> Result<Self, WalletError> {
        let header: Self = serde_json::from_slice(bytes)
            .map_err(|e| WalletError::corrupt(format!("{what} header"), e.to_string()))?;
        if header.version != FORMAT_VERSION {
            return Err(WalletError::Version {
                what,
                found: header.version,
                supported: FORMAT_VERSION,
            });
        }
        Ok(header)
    }

    /// Derives the key from `passphrase` and checks it against the check tag.
    pub fn unlock(&self, passphrase: &[u8], what: &'static str) -> Result<SealingKey, WalletError> {
        check_passphrase(passphrase)?;
        let salt = encoding::decode_base64url(&self.salt)
            .map_err(|e| WalletError::corrupt(format!("{what} header"), format!("salt: {e}")))?;
        if salt.len() != SALT_BYTES {
            return Err(WalletError::corrupt(
                format!("{what} header"),
                format!("the salt is {} bytes, expected {SALT_BYTES}", salt.len()),
            ));
        }
        let check = encoding::decode_base64url(&self.check)
            .map_err(|e| WalletError::corrupt(format!("{what} header"), format!("check: {e}")))?;
        let key = SealingKey::derive(passphrase, &salt, self.kdf).map_err(WalletError::Kdf)?;
        match key.decrypt(CHECK_AAD, &check) {
            Ok(plain) if plain.as_slice() == CHECK_PLAINTEXT => Ok(key),
            Ok(_) | Err(SealError::WrongKeyOrTampered) => {
                Err(WalletError::WrongPassphrase { what })
            }
            Err(e) => Err(WalletError::corrupt(
                format!("{what} header"),
                format!("check: {e}"),
            )),
        }
    }

    /// The header as stored.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unlock_tells_a_wrong_passphrase_from_damage() {
        let (header, key) = Header::create(b"pw", KdfParams::testing()).unwrap();
        let again = Header::parse(&header.to_bytes(), "wallet").unwrap();
        assert_eq!(again.unlock(b"pw", "wallet").unwrap().bytes(), key.bytes());
        assert!(matches!(
            again.unlock(b"px", "wallet"),
            Err(WalletError::WrongPassphrase { what: "wallet" })
        ));
        assert!(matches!(
            again.unlock(b"", "wallet"),
            Err(WalletError::Passphrase(PassphraseProblem::Empty))
        ));
        let long = vec![b'p'; MAX_PASSPHRASE_BYTES + 1];
        let too_long = again.unlock(&long, "wallet").unwrap_err();
        assert!(
            matches!(too_long, WalletError::Passphrase(PassphraseProblem::TooLong { size, max })
                if size == MAX_PASSPHRASE_BYTES + 1 && max == MAX_PASSPHRASE_BYTES),
            "{too_long:?}"
        );
        assert_eq!(
            too_long.to_string(),
            format!(
                "passphrase: the passphrase is {} bytes, more than {MAX_PASSPHRASE_BYTES}",
                MAX_PASSPHRASE_BYTES + 1
            )
        );
        let mut short = again.clone();
        short.check = "AAAA".into();
        assert!(matches!(
            short.unlock(b"pw", "wallet"),
            Err(WalletError::Corrupt { .. })
        ));
        let mut v2 = again;
        v2.version = 2;
        assert!(matches!(
            Header::parse(&v2.to_bytes(), "wallet"),
            Err(WalletError::Version { found: 2, .. })
        ));
        assert!(matches!(
            Header::parse(b"{not json", "wallet"),
            Err(WalletError::Corrupt { .. })
        ));
    }
}
