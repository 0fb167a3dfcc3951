//! Arbitrary bytes as a verifiable presentation (`Presentation::parse`, then the full check a
//! verifier makes with its challenge and domain), and as the credential a presentation carries:
//! a JSON value embedded as it is, and text as an `EnvelopedVerifiableCredential` (`vc+jwt`).
//! Nothing may panic.
#![no_main]

use chrono::{DateTime, Utc};
use civitas_core::credential::{Presentation, parse_json};
use civitas_core::verify::{DocumentCheck, SecuredCredential, VerifyOptions};
use civitas_jsonld::contexts::CREDENTIALS_V2;
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

const HOLDER: &str = "did:key:z6MkrJcuCDcoALJYLUkXZAGbvN5dcuyN9pv6asrSQfJ4spgk";

fn wrapped(credential: Value) -> Value {
    json!({
        "@context": [CREDENTIALS_V2],
        "type": ["VerifiablePresentation"],
        "holder": HOLDER,
        "verifiableCredential": [credential],
    })
}

fuzz_target!(|data: &[u8]| {
    let mut presentations = Vec::new();
    if let Ok(vp) = Presentation::parse(data) {
        presentations.push(vp);
    }
    if let Ok(value) = parse_json(data) {
        let _ = SecuredCredential::from_embedded(&value);
        if let Ok(vp) = Presentation::from_value(wrapped(value)) {
            presentations.push(vp);
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let enveloped = json!({
            "@context": [CREDENTIALS_V2],
            "id": format!("data:application/vc+jwt,{}", text.trim()),
            "type": ["EnvelopedVerifiableCredential"],
        });
        if let Ok(vp) = Presentation::from_value(wrapped(enveloped)) {
            presentations.push(vp);
        }
    }
    if presentations.is_empty() {
        return;
    }
    let Ok(rt) = tokio::runtime::Builder::new_current_thread().build() else {
        return;
    };
    let checker = DocumentCheck::default();
    let options = VerifyOptions {
        now: DateTime::<Utc>::from_timestamp(1_780_000_000, 0),
        challenge: Some("c-0f3a".to_owned()),
        domain: Some("https://bank.example".to_owned()),
    };
    for vp in &presentations {
        let _report = rt.block_on(checker.check_presentation(vp, &options));
    }
});
