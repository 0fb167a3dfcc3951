//! The IETF Token Status List: entries, bit order, `lst`, the signed token, bombs.

use std::io::Write as _;

use civitas_keys::encoding;
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::signer::LocalSigner;
use civitas_sdjwt::SdJwtError;
use civitas_sdjwt::status_list::{
    INVALID, MAX_LIST_BYTES, SUSPENDED, TokenStatusList, VALID, sign_status_list_token,
    verify_status_list_token,
};
use serde_json::json;

use crate::common::*;

const URI: &str = "https://registry.example/status/1";

#[test]
fn set_and_get_for_every_width() {
    for bits in [1u8, 2, 4, 8] {
        let mut list = TokenStatusList::new(bits, 1000).unwrap();
        assert_eq!(list.len(), 1000);
        let max = ((1u16 << bits) - 1) as u8;
        list.set(0, max).unwrap();
        list.set(7, 1).unwrap();
        list.set(999, max).unwrap();
        assert_eq!(list.get(0).unwrap(), max);
        assert_eq!(list.get(1).unwrap(), VALID);
        assert_eq!(list.get(7).unwrap(), 1);
        assert_eq!(list.get(999).unwrap(), max);
        list.set(0, VALID).unwrap();
        assert_eq!(list.get(0).unwrap(), VALID);
        assert_eq!(list.get(999).unwrap(), max, "neighbours untouched");
        assert!(matches!(
            list.get(1000),
            Err(SdJwtError::IndexOutOfRange { idx: 1000, .. })
        ));
        if bits < 8 {
            assert!(matches!(
                list.set(3, max + 1),
                Err(SdJwtError::InvalidStatusValue { .. })
            ));
        }
    }
    for bits in [0u8, 3, 16] {
        assert_eq!(
            TokenStatusList::new(bits, 8).unwrap_err(),
            SdJwtError::InvalidBits { bits: bits.into() }
        );
    }
    assert!(matches!(
        TokenStatusList::new(1, u64::MAX),
        Err(SdJwtError::StatusListTooLong { .. })
    ));
}

#[test]
fn bit_order_is_least_significant_first() {
    // The draft's examples: 1 bit, statuses 1,0,0,1,1,1,0,1 → 0xB9;
    // 2 bits, statuses 1,2,0,3 → 0xC9.
    let mut one = TokenStatusList::new(1, 16).unwrap();
    for (i, s) in [1, 0, 0, 1, 1, 1, 0, 1].into_iter().enumerate() {
        one.set(i as u64, s).unwrap();
    }
    one.set(9, INVALID).unwrap();
    assert_eq!(one.as_bytes(), [0xB9, 0b0000_0010]);
    let mut two = TokenStatusList::new(2, 4).unwrap();
    for (i, s) in [INVALID, SUSPENDED, VALID, 3].into_iter().enumerate() {
        two.set(i as u64, s).unwrap();
    }
    assert_eq!(two.as_bytes(), [0xC9]);
    // A W3C Bitstring Status List is most significant bit first: index 0 is 0x80.
    let w3c = TokenStatusList::from_bitstring(&[0x80, 0x01]);
    assert_eq!(w3c.as_bytes(), [0x01, 0x80]);
    assert_eq!(w3c.get(0).unwrap(), 1);
    assert_eq!(w3c.get(15).unwrap(), 1);
    assert_eq!((1..15).map(|i| w3c.get(i).unwrap()).sum::<u8>(), 0);
}

#[test]
fn lst_round_trip_is_zlib() {
    let mut list = TokenStatusList::new(2, 100_000).unwrap();
    list.set(94_567, SUSPENDED).unwrap();
    let lst = list.lst();
    let raw = encoding::decode_base64url(&lst).unwrap();
    assert_eq!(raw[0], 0x78, "RFC 1950 zlib header");
    let back = TokenStatusList::from_lst(2, &lst).unwrap();
    assert_eq!(back, list);
    assert_eq!(back.get(94_567).unwrap(), SUSPENDED);
    assert!(matches!(
        TokenStatusList::from_lst(1, "eJzLSM3JyVcozy_KSQEAGgQEXQ-not-zlib"),
        Err(SdJwtError::Base64 { .. } | SdJwtError::Decompression { .. })
    ));
    assert!(matches!(
        TokenStatusList::from_lst(1, "AAAA"),
        Err(SdJwtError::Decompression { .. })
    ));
}

fn signed(list: &TokenStatusList, key: &KeyPair, exp: Option<i64>) -> String {
    let signer = LocalSigner::new(key.clone(), "did:example:issuer#status");
    rt().block_on(sign_status_list_token(
        list,
        URI,
        NOW - 10,
        exp,
        Some(3600),
        &signer,
    ))
    .unwrap()
}

#[test]
fn token_round_trip() {
    for alg in [KeyAlgorithm::Ed25519, KeyAlgorithm::P256] {
        let key = KeyPair::generate(alg);
        let mut list = TokenStatusList::new(1, 1024).unwrap();
        list.set(42, INVALID).unwrap();
        let token = signed(&list, &key, Some(NOW + 60));
        let (header, payload, _) = split(&format!("{token}~"));
        assert_eq!(header["typ"], "statuslist+jwt");
        assert_eq!(header["kid"], "did:example:issuer#status");
        assert_eq!(payload["sub"], URI);
        assert_eq!(payload["ttl"], 3600);
        assert_eq!(payload["status_list"]["bits"], 1);
        let back = verify_status_list_token(&token, &key.public_key(), URI, NOW).unwrap();
        assert_eq!(back.get(42).unwrap(), INVALID);
        assert_eq!(back.get(41).unwrap(), VALID);
    }
}

#[test]
fn token_for_another_uri_is_refused() {
    let key = KeyPair::generate(KeyAlgorithm::Ed25519);
    let token = signed(&TokenStatusList::new(1, 8).unwrap(), &key, None);
    assert!(matches!(
        verify_status_list_token(
            &token,
            &key.public_key(),
            "https://registry.example/status/2",
            NOW
        ),
        Err(SdJwtError::WrongSubject { .. })
    ));
}

#[test]
fn tampered_token_is_refused() {
    let key = KeyPair::generate(KeyAlgorithm::Ed25519);
    let mut list = TokenStatusList::new(1, 64).unwrap();
    list.set(3, INVALID).unwrap();
    let token = signed(&list, &key, None);
    // Un-revoke entry 3, keeping the signature.
    let (header, mut payload, _) = split(&format!("{token}~"));
    payload["status_list"] = TokenStatusList::new(1, 64).unwrap().to_claim();
    let signature = token.rsplit('.').next().unwrap();
    let forged = format!(
        "{}.{}.{signature}",
        encoding::base64url(header.to_string().as_bytes()),
        encoding::base64url(payload.to_string().as_bytes())
    );
    assert_eq!(
        verify_status_list_token(&forged, &key.public_key(), URI, NOW).unwrap_err(),
        SdJwtError::BadSignature {
            what: "status list token"
        }
    );
    // Another key, a wrong typ, an expired token.
    let other = KeyPair::generate(KeyAlgorithm::Ed25519);
    assert!(verify_status_list_token(&token, &other.public_key(), URI, NOW).is_err());
    let wrong_typ = sign_jwt(&json!({"alg": "EdDSA", "typ": "JWT"}), &payload, &key);
    assert!(matches!(
        verify_status_list_token(&wrong_typ, &key.public_key(), URI, NOW),
        Err(SdJwtError::WrongType { .. })
    ));
    let expired = signed(&list, &key, Some(NOW - 1));
    assert!(matches!(
        verify_status_list_token(&expired, &key.public_key(), URI, NOW),
        Err(SdJwtError::Expired { .. })
    ));
}

#[test]
fn a_zlib_bomb_is_refused() {
    // 17 MiB of zeros compress to ~17 KiB.
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..17 {
        z.write_all(&chunk).unwrap();
    }
    let lst = encoding::base64url(&z.finish().unwrap());
    assert!(lst.len() < 100_000);
    assert_eq!(
        TokenStatusList::from_lst(1, &lst).unwrap_err(),
        SdJwtError::DecompressedTooLarge {
            max: MAX_LIST_BYTES
        }
    );
    // Also inside a validly signed token.
    let key = KeyPair::generate(KeyAlgorithm::Ed25519);
    let payload = json!({"sub": URI, "iat": NOW, "status_list": {"bits": 1, "lst": lst}});
    let token = sign_jwt(
        &json!({"alg": "EdDSA", "typ": "statuslist+jwt"}),
        &payload,
        &key,
    );
    assert_eq!(
        verify_status_list_token(&token, &key.public_key(), URI, NOW).unwrap_err(),
        SdJwtError::DecompressedTooLarge {
            max: MAX_LIST_BYTES
        }
    );
}
