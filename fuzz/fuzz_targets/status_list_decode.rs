//! Arbitrary bytes as an `encodedList`, as GZIP data, as a status entry and as a status list
//! credential: decoding must never panic, and never use more than the decompression cap.
#![no_main]

use civitas_status::bitstring::{Bitstring, MAX_DECODED_LIST_BYTES, StatusSize};
use civitas_status::credential::BitstringStatusListCredential;
use civitas_status::entry::BitstringStatusListEntry;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(bits) = Bitstring::from_gzip(data) {
        assert!(bits.as_bytes().len() <= MAX_DECODED_LIST_BYTES);
        let _ = bits.get(94_567, StatusSize::ONE);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(bits) = Bitstring::decode(text) {
            assert!(bits.as_bytes().len() <= MAX_DECODED_LIST_BYTES);
        }
        let _ = civitas_status::entry::parse_index(text);
    }
    if let Ok(list) = BitstringStatusListCredential::parse(data) {
        let _ = list.get(0, StatusSize::ONE);
        let _ = list.to_json();
    }
    if let Ok(entry) = BitstringStatusListEntry::parse(data) {
        let _ = entry.to_json();
    }
});
