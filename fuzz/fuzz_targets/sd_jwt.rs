//! Arbitrary bytes as an SD-JWT (parsed, verified, selected from) and as a status list token
//! and `lst`: nothing may panic, and decompression never exceeds its cap.
#![no_main]

use std::sync::OnceLock;

use civitas_keys::keys::{KeyAlgorithm, KeyPair, PublicKey};
use civitas_sdjwt::status_list::{self, MAX_LIST_BYTES, TokenStatusList};
use civitas_sdjwt::verify::VerifyOptions;
use libfuzzer_sys::fuzz_target;

fn key() -> &'static PublicKey {
    static KEY: OnceLock<PublicKey> = OnceLock::new();
    KEY.get_or_init(|| {
        KeyPair::from_secret_bytes(KeyAlgorithm::Ed25519, &[7; 32])
            .map(|k| k.public_key())
            .unwrap_or_else(|_| KeyPair::generate(KeyAlgorithm::Ed25519).public_key())
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(sd) = civitas_sdjwt::verify::parse(text) {
        assert!(sd.disclosures.len() <= civitas_sdjwt::verify::MAX_DISCLOSURES);
        if let Ok(path) = civitas_sdjwt::SdPath::parse("a.b[].c") {
            let _ = civitas_sdjwt::select(text, &[path]);
        }
    }
    let options = VerifyOptions::new(1_800_000_000).require_key_binding("aud", "nonce", 300);
    let _ = civitas_sdjwt::verify(text, key(), &options);
    let _ = civitas_sdjwt::verify(text, key(), &VerifyOptions::new(1_800_000_000));
    if let Ok(list) = status_list::decode_status_list_token_unverified(text) {
        assert!(list.as_bytes().len() <= MAX_LIST_BYTES);
        let _ = list.get(94_567);
    }
    let _ = status_list::verify_status_list_token(text, key(), "https://example.org/s", 0);
    for bits in [1, 2, 8] {
        if let Ok(list) = TokenStatusList::from_lst(bits, text) {
            assert!(list.as_bytes().len() <= MAX_LIST_BYTES);
        }
    }
});
