//! Arbitrary text as an InfoHighway mapping file (`Mapping::parse`, TOML): it must never panic.
//! The bytes after the first 0xFF (never part of UTF-8 text) are a source record (JSON) that a
//! mapping which compiled is applied to (`Mapping::apply`, the document's rules included);
//! without them, a few fixed records are.
#![no_main]

use civitas_infohighway::Mapping;
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    let (text, record) = match data.iter().position(|b| *b == 0xFF) {
        Some(at) => (&data[..at], Some(&data[at + 1..])),
        None => (data, None),
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let mapping = match Mapping::parse("fuzz.toml", text) {
        Ok(m) => m,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let _ = mapping.document_type();
    let _ = mapping.csv();
    for target in [
        "sourceRecordId",
        "credentialSubject.child.givenName",
        "validFrom",
    ] {
        let _ = mapping.source_of(target);
    }
    let records: Vec<Value> = match record {
        Some(bytes) => serde_json::from_slice(bytes).into_iter().collect(),
        None => vec![
            json!({}),
            json!({"id": "1", "recordVersion": 2, "child": {"givenName": "Anne"}}),
            json!({"id": ["x"], "date_of_birth": "2026-02-30", "time": "25:61:00"}),
        ],
    };
    for record in &records {
        let _ = mapping.record_id(record);
        let _ = mapping.apply(record);
    }
});
