//! The check civitas makes of every Data Integrity signature it produces before handing it out:
//! the signature must verify with the signer's own public key (a faulty signer, a remote key
//! service answering with another key, a bit flipped in memory). One signature is checked on
//! its own; many, made by a batch issuance, are checked together with one Ed25519 batch
//! verification, which costs about 40 % of checking them one by one.
//!
//! A value waiting for its check is an [`Unchecked`]: the signed value can only be taken out of
//! it through [`Unchecked::check`] or [`check_all`], so that no code path can skip the check.

use crate::data_integrity::ProofError;
use civitas_keys::keys::PublicKey;

/// A signed value whose signature has not been checked yet against the signer's public key.
#[must_use = "a signed value must be checked before it is handed out"]
pub struct Unchecked<T> {
    value: T,
    pending: Option<Pending>,
}

/// A signature waiting for its check.
struct Pending {
    key: PublicKey,
    message: Vec<u8>,
    signature: Vec<u8>,
}

impl Pending {
    fn verify(&self) -> Result<(), ProofError> {
        self.key
            .verify(&self.message, &self.signature)
            .map_err(|_| ProofError::SelfCheckFailed)
    }
}

impl<T> Unchecked<T> {
    /// `value`, signed with `signature` over `message`, to be checked with `key`.
    pub(crate) fn signed(value: T, key: PublicKey, message: Vec<u8>, signature: Vec<u8>) -> Self {
        Self {
            value,
            pending: Some(Pending {
                key,
                message,
                signature,
            }),
        }
    }

    /// `value`, which carries no signature that civitas checks (a `vc+jwt`).
    pub(crate) fn nothing_to_check(value: T) -> Self {
        Self {
            value,
            pending: None,
        }
    }

    /// The same check, for the value `f` makes of this one.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Unchecked<U> {
        Unchecked {
            value: f(self.value),
            pending: self.pending,
        }
    }

    /// The same check, for the value `f` makes of this one, if it makes one.
    pub fn try_map<U, E>(self, f: impl FnOnce(T) -> Result<U, E>) -> Result<Unchecked<U>, E> {
        Ok(Unchecked {
            value: f(self.value)?,
            pending: self.pending,
        })
    }

    /// Checks the signature on its own and gives the value if it verifies.
    pub fn check(self) -> Result<T, ProofError> {
        if let Some(p) = &self.pending {
            p.verify()?;
        }
        Ok(self.value)
    }
}

/// Checks every value's signature and gives each value, or [`ProofError::SelfCheckFailed`] for
/// those whose signature does not verify, in the order given.
///
/// The Ed25519 signatures are verified together with one batch verification; if the batch
/// fails, each is verified on its own to find the ones at fault. P-256 signatures are verified
/// one by one.
pub fn check_all<T>(items: Vec<Unchecked<T>>) -> Vec<Result<T, ProofError>> {
    let batch_ok = ed25519_batch_verifies(&items);
    items
        .into_iter()
        .map(|item| match &item.pending {
            Some(Pending {
                key: PublicKey::Ed25519(_),
                ..
            }) if batch_ok => Ok(item.value),
            _ => item.check(),
        })
        .collect()
}

/// Whether the Ed25519 signatures among `items` verify as a batch (true when there are none).
fn ed25519_batch_verifies<T>(items: &[Unchecked<T>]) -> bool {
    let mut messages = Vec::with_capacity(items.len());
    let mut signatures = Vec::with_capacity(items.len());
    let mut keys = Vec::with_capacity(items.len());
    for item in items {
        if let Some(Pending {
            key: PublicKey::Ed25519(key),
            message,
            signature,
        }) = &item.pending
        {
            let Ok(signature) = ed25519_dalek::Signature::from_slice(signature) else {
                return false;
            };
            messages.push(message.as_slice());
            signatures.push(signature);
            keys.push(*key);
        }
    }
    match messages.len() {
        0 => true,
        // A batch of one costs more than a plain verification.
        1 => false,
        _ => ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use civitas_keys::keys::{KeyAlgorithm, KeyPair};

    fn signed(key: &KeyPair, n: u8) -> Unchecked<u8> {
        let message = vec![n; 64];
        let signature = key.sign(&message);
        Unchecked::signed(n, key.public_key(), message, signature)
    }

    #[test]
    fn good_signatures_pass_alone_and_as_a_batch() {
        let ed = KeyPair::generate(KeyAlgorithm::Ed25519);
        let other = KeyPair::generate(KeyAlgorithm::Ed25519);
        let p256 = KeyPair::generate(KeyAlgorithm::P256);
        assert_eq!(signed(&ed, 7).check().ok(), Some(7));
        let items = vec![
            signed(&ed, 1),
            signed(&p256, 2),
            signed(&other, 3),
            Unchecked::nothing_to_check(4),
            signed(&ed, 5),
        ];
        let out: Vec<_> = check_all(items).into_iter().map(Result::ok).collect();
        assert_eq!(out, vec![Some(1), Some(2), Some(3), Some(4), Some(5)]);
        assert!(check_all(Vec::<Unchecked<u8>>::new()).is_empty());
    }

    #[test]
    fn a_bad_signature_fails_alone_and_only_it_fails_in_a_batch() {
        let ed = KeyPair::generate(KeyAlgorithm::Ed25519);
        let wrong = KeyPair::generate(KeyAlgorithm::Ed25519);
        let p256 = KeyPair::generate(KeyAlgorithm::P256);
        // Signed by another key than the one the signer claims.
        let by_wrong_key = |n: u8| {
            let message = vec![n; 64];
            let signature = wrong.sign(&message);
            Unchecked::signed(n, ed.public_key(), message, signature)
        };
        // A flipped bit in the signature.
        let flipped = |key: &KeyPair, n: u8| {
            let message = vec![n; 64];
            let mut signature = key.sign(&message);
            signature[10] ^= 1;
            Unchecked::signed(n, key.public_key(), message, signature)
        };
        // Too short to be a signature at all.
        let truncated = Unchecked::signed(9, ed.public_key(), vec![9; 64], vec![0; 10]);
        assert!(matches!(
            by_wrong_key(1).check(),
            Err(ProofError::SelfCheckFailed)
        ));
        let items = vec![
            signed(&ed, 1),
            by_wrong_key(2),
            signed(&ed, 3),
            flipped(&ed, 4),
            flipped(&p256, 5),
            truncated,
            signed(&p256, 6),
        ];
        let out: Vec<_> = check_all(items).into_iter().map(Result::ok).collect();
        assert_eq!(out, vec![Some(1), None, Some(3), None, None, None, Some(6)]);
    }
}
