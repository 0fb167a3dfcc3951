//! The curve parameters (`CKA_EC_PARAMS`) and public points (`CKA_EC_POINT`) of the two key
//! kinds civitas signs with, and their conversion to [`PublicKey`].

use civitas_keys::keys::{KeyAlgorithm, PublicKey};
use cryptoki::object::KeyType;

/// `CKA_EC_PARAMS` for Ed25519 as the DER printable string `edwards25519` (PKCS#11 3.0
/// §2.3.10), which SoftHSM and most modules accept at generation.
pub(crate) const ED25519_PARAMS_NAME: &[u8] = b"\x13\x0cedwards25519";

/// `CKA_EC_PARAMS` for Ed25519 as the DER OID 1.3.101.112 (RFC 8410), which modules may return.
pub(crate) const ED25519_PARAMS_OID: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];

/// `CKA_EC_PARAMS` for P-256: the DER OID 1.2.840.10045.3.1.7 (prime256v1).
pub(crate) const P256_PARAMS_OID: &[u8] =
    &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// The `CKA_EC_PARAMS` civitas generates keys with.
pub(crate) fn params_for(algorithm: KeyAlgorithm) -> &'static [u8] {
    match algorithm {
        KeyAlgorithm::Ed25519 => ED25519_PARAMS_NAME,
        KeyAlgorithm::P256 => P256_PARAMS_OID,
    }
}

/// The `CKA_KEY_TYPE` of keys of `algorithm`.
pub(crate) fn key_type_for(algorithm: KeyAlgorithm) -> KeyType {
    match algorithm {
        KeyAlgorithm::Ed25519 => KeyType::EC_EDWARDS,
        KeyAlgorithm::P256 => KeyType::EC,
    }
}

/// The algorithm of a key of this type and curve, when civitas signs with it.
pub(crate) fn algorithm_of(key_type: KeyType, params: &[u8]) -> Option<KeyAlgorithm> {
    if key_type == KeyType::EC_EDWARDS
        && (params == ED25519_PARAMS_NAME || params == ED25519_PARAMS_OID)
    {
        Some(KeyAlgorithm::Ed25519)
    } else if key_type == KeyType::EC && params == P256_PARAMS_OID {
        Some(KeyAlgorithm::P256)
    } else {
        None
    }
}

/// The public key from `CKA_EC_POINT`: a DER OCTET STRING around the 32 bytes of an Ed25519
/// key or the SEC1 point of a P-256 key (uncompressed or compressed). Modules that return the
/// bare bytes are accepted too; the lengths tell the two forms apart.
pub(crate) fn public_key_from_point(
    algorithm: KeyAlgorithm,
    point: &[u8],
) -> Result<PublicKey, String> {
    let wrapped = |len: usize| point.len() == len + 2 && point[0] == 0x04 && point[1] == len as u8;
    let inner = match algorithm {
        KeyAlgorithm::Ed25519 if wrapped(32) => &point[2..],
        KeyAlgorithm::Ed25519 if point.len() == 32 => point,
        KeyAlgorithm::P256 if wrapped(65) || wrapped(33) => &point[2..],
        KeyAlgorithm::P256 if point.len() == 65 || point.len() == 33 => point,
        _ => {
            return Err(format!(
                "CKA_EC_POINT of {} bytes is not a {algorithm} public key",
                point.len()
            ));
        }
    };
    PublicKey::from_bytes(algorithm, inner).map_err(|e| format!("CKA_EC_POINT: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use civitas_keys::keys::KeyPair;

    #[test]
    fn points_wrapped_or_bare_give_the_same_key() {
        let ed = KeyPair::generate(KeyAlgorithm::Ed25519).public_key();
        let raw = ed.to_bytes();
        let mut der = vec![0x04, 0x20];
        der.extend_from_slice(&raw);
        for point in [&raw, &der] {
            assert_eq!(
                public_key_from_point(KeyAlgorithm::Ed25519, point).unwrap(),
                ed
            );
        }

        let p = KeyPair::generate(KeyAlgorithm::P256).public_key();
        let PublicKey::P256(inner) = &p else {
            panic!("P-256")
        };
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        let uncompressed = inner.to_encoded_point(false).as_bytes().to_vec();
        let mut der = vec![0x04, 0x41];
        der.extend_from_slice(&uncompressed);
        for point in [&uncompressed, &der, &p.to_bytes()] {
            assert_eq!(public_key_from_point(KeyAlgorithm::P256, point).unwrap(), p);
        }

        let err = public_key_from_point(KeyAlgorithm::Ed25519, &der).unwrap_err();
        assert!(err.contains("67 bytes is not a Ed25519"), "{err}");
    }

    #[test]
    fn curves_are_recognised_by_type_and_parameters() {
        assert_eq!(
            algorithm_of(KeyType::EC_EDWARDS, ED25519_PARAMS_OID),
            Some(KeyAlgorithm::Ed25519)
        );
        assert_eq!(
            algorithm_of(KeyType::EC, params_for(KeyAlgorithm::P256)),
            Some(KeyAlgorithm::P256)
        );
        assert_eq!(algorithm_of(KeyType::EC, ED25519_PARAMS_NAME), None);
        assert_eq!(algorithm_of(KeyType::RSA, &[]), None);
    }
}
