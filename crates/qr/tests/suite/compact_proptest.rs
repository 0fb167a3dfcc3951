//! Property tests for the compact QR form: `decode` never panics, whatever it is given, and
//! whatever text a certificate holds comes back unchanged.

use crate::common;

use civitas_core::credential::CredentialBuilder;
use civitas_keys::resolver::OfflineResolver;
use civitas_qr::compact::{self, PREFIX, base45, deflate};
use civitas_testkit::samples;
use common::test_signer;
use proptest::prelude::*;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn decode_never_panics_on_any_string(text in ".{0,600}") {
        let _ = compact::decode(&text);
        let _ = compact::decode(&format!("{PREFIX}{text}"));
    }

    #[test]
    fn decode_never_panics_on_base45_text(text in "[0-9A-Z $%*+\\-./:]{0,900}") {
        let framed = format!("{PREFIX}{text}");
        prop_assert!(compact::decode(&framed).is_err());
    }

    #[test]
    fn decode_refuses_random_bytes_at_every_layer(bytes in proptest::collection::vec(any::<u8>(), 0..700)) {
        // Random bytes as the compressed payload, and compressed as the COSE message.
        let raw = format!("{PREFIX}{}", base45::encode(&bytes));
        prop_assert!(compact::decode(&raw).is_err());
        let z = deflate::compress(&bytes).unwrap();
        let inflating = format!("{PREFIX}{}", base45::encode(&z));
        prop_assert!(compact::decode(&inflating).is_err());
    }

    #[test]
    fn base45_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let text = base45::encode(&bytes);
        prop_assert!(text.bytes().all(|c| base45::ALPHABET.contains(&c)));
        prop_assert_eq!(base45::decode(&text).unwrap(), bytes);
    }

    #[test]
    fn deflate_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let z = deflate::compress(&bytes).unwrap();
        prop_assert_eq!(deflate::inflate(&z, 4096).unwrap(), bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any names (any script, any length the model accepts) survive the compact form exactly.
    #[test]
    fn any_names_round_trip(
        given in "[\\p{L}][\\p{L} '\\-]{0,40}[\\p{L}]",
        family in "[\\p{L}][\\p{L} '\\-]{0,40}[\\p{L}]",
        french in "[\\p{L}]{1,30}",
        office in "[\\p{L}0-9][\\p{L}0-9 ,.'\\-]{0,80}[\\p{L}0-9]",
    ) {
        let signer = test_signer();
        let (kind, mut birth) = samples::sample("birth", None);
        birth["givenName"] = serde_json::json!({"en": given, "fr": french});
        birth["familyName"] = serde_json::json!(family);
        birth["registration"]["registrationOffice"] = serde_json::json!(office);
        let credential = CredentialBuilder::new(signer.controller())
            .document(&kind, birth)
            .build()
            .unwrap();
        let rt = runtime();
        let text = rt.block_on(compact::encode(&credential, &signer)).unwrap();
        let read = compact::decode(&text).unwrap();
        rt.block_on(read.verify_signature(&OfflineResolver::new())).unwrap();
        prop_assert_eq!(read.to_credential_json(), credential.json().clone());
    }
}
