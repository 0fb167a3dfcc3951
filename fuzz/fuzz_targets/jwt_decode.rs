//! Arbitrary text as a compact JWS: decoding must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = civitas_core::jwt::decode(text);
        let _ = civitas_core::verify::Input::parse(data);
    }
});
