//! Arbitrary input as a compact QR credential (`CV1:...`): reading it must never panic, at any
//! layer — the text, the Base45 bytes (DEFLATE with the preset dictionary), the COSE_Sign1
//! message, the CBOR claims — and neither must verifying what was read.
#![no_main]

use civitas_qr::compact::{self, PREFIX, base45, claims, cose, deflate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The text as a QR reader hands it over.
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = compact::decode(text);
        let _ = compact::decode(&format!("{PREFIX}{text}"));
    }
    // The bytes as the compressed payload.
    let _ = deflate::inflate(data, compact::MAX_INFLATED_BYTES);
    if let Ok(read) = compact::decode(&format!("{PREFIX}{}", base45::encode(data))) {
        let _ = read.to_credential();
        let rt = tokio::runtime::Builder::new_current_thread().build();
        if let Ok(rt) = rt {
            let _ =
                rt.block_on(read.verify_signature(&civitas_keys::resolver::OfflineResolver::new()));
        }
    }
    // The bytes as the COSE message, and as the claims.
    let _ = cose::parse(data);
    let _ = claims::decode(
        data,
        "did:key:z6MkrJcuCDcoALJYLUkXZAGbvN5dcuyN9pv6asrSQfJ4spgk#k",
    );
});
