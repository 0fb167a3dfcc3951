//! Arbitrary bytes as an offline verifier bundle: `Bundle::parse` must never panic; a bundle
//! that is read writes itself out (`to_json_pretty`) as a bundle that reads back the same (after
//! one round, which truncates times to whole seconds); loading it into a verifier
//! (`Verifier::from_bundle`: the trust list's and status lists' signatures, the contexts) must
//! never panic either.
#![no_main]

use std::time::Duration;

use civitas_verifier::Verifier;
use civitas_verifier::bundle::Bundle;
use civitas_verifier::trust::TrustAnchor;
use libfuzzer_sys::fuzz_target;

const ANCHOR: &str = "did:key:z6MkrJcuCDcoALJYLUkXZAGbvN5dcuyN9pv6asrSQfJ4spgk";

fuzz_target!(|data: &[u8]| {
    let Ok(bundle) = Bundle::parse(data) else {
        return;
    };
    let written =
        Bundle::parse(bundle.to_json_pretty().as_bytes()).expect("a written bundle reads");
    let again =
        Bundle::parse(written.to_json_pretty().as_bytes()).expect("a rewritten bundle reads");
    assert_eq!(again, written);
    let _ = bundle.trust_list_bytes();
    let _ = bundle.oldest_snapshot();
    let _ = bundle.loader();
    let Ok(rt) = tokio::runtime::Builder::new_current_thread().build() else {
        return;
    };
    let _ = rt.block_on(Verifier::from_bundle(
        &bundle,
        vec![TrustAnchor::did(ANCHOR)],
        Duration::from_secs(86_400),
    ));
});
