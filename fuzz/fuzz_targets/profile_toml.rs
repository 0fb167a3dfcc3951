//! Arbitrary text as a document profile (`Profile::from_toml`, TOML): it must never panic, and a
//! profile that loads must give every derivation (context, schema, CV1 table, labels, sample,
//! summary, holders, member order) without panicking. The bytes after the first 0xFF (never part of UTF-8 text) are a subject
//! (JSON) that a profile which loaded validates; without them, its own sample and a few fixed
//! subjects are.
#![no_main]

use civitas_profile::{Cv1Table, Profile, merged_context};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    let (text, subject) = match data.iter().position(|b| *b == 0xFF) {
        Some(at) => (&data[..at], Some(&data[at + 1..])),
        None => (data, None),
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let profile = match Profile::from_toml(text, "fuzz.toml") {
        Ok(p) => p,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let _ = profile.context();
    let _ = merged_context(&[&profile, &profile]);
    let _ = profile.json_schema();
    if let Some(table) = profile.cv1_table() {
        let _ = Cv1Table::merged(&[table.clone(), table]);
    }
    let _ = profile.cv1_path_keys();
    let labels = profile.labels();
    for (path, _) in profile.field_paths() {
        let _ = labels.field(&path.to_string());
        let _ = profile.resolve(&path);
    }
    let _ = profile.withholdable();
    let _ = profile.ingestion_targets();
    let sample = profile.sample();
    let subjects: Vec<Value> = match subject {
        Some(bytes) => serde_json::from_slice(bytes).into_iter().collect(),
        None => vec![
            sample,
            json!({}),
            json!([]),
            json!({"type": 1, "id": "did:x:y", "a": {"b": [1, {"c": "2024-02-30"}]}}),
        ],
    };
    for subject in &subjects {
        for e in profile.validate(subject) {
            let _ = e.to_string();
        }
        // what verifiers, wallets and the QR decoder do with any subject
        let _ = profile.summary(subject, "en");
        let _ = profile.summary(subject, "fr");
        let _ = profile.holders(subject);
        let mut copy = subject.clone();
        profile.order(&mut copy);
        profile.complete(&mut copy);
        let _ = profile.set_holder_in(&mut copy, Some("did:example:h"), Some(1));
    }
});
