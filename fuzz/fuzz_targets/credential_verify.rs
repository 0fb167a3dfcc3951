//! Arbitrary bytes as a credential, presentation or JWT: parsing and full verification
//! (canonicalization included) must never panic.
#![no_main]

use civitas_core::verify::{DocumentCheck, VerifyOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread().build() else {
        return;
    };
    let checker = DocumentCheck::default();
    let _report = rt.block_on(checker.verify(data, &VerifyOptions::default()));
});
