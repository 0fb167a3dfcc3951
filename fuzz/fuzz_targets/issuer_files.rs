//! Arbitrary text as the issuer's store setting and data-directory files: `--store` /
//! `CIVITAS_STORE` (`StoreLocation::parse`, and the redaction that keeps passwords out of
//! messages), `store.toml` (`parse_store_file`) and `hsm.toml` (`parse_hsm_config`). None may
//! panic; a parsed location shows no password, and a redacted URL is redacted already.
#![no_main]

use civitas_issuer::parse_hsm_config;
use civitas_issuer::store::{StoreLocation, parse_store_file, redact};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let shown = redact(text);
    assert_eq!(
        redact(&shown),
        shown,
        "redaction is not stable for {text:?}"
    );
    match StoreLocation::parse(text) {
        Ok(location) => {
            let _ = location.display();
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    if let Ok(location) = parse_store_file(text) {
        let _ = location.display();
    }
    if let Err(e) = parse_hsm_config(text) {
        let _ = e.to_string();
    }
});
