//! Arbitrary bytes as a sealed secret file (`civitas_keys::sealed::Sealed`, the JSON of an
//! issuer key file's secret and of wallet records) and as raw `nonce ‖ ciphertext ‖ tag`:
//! reading and opening must never panic. A file that is read serialises back to the same
//! value; it is opened with the key derivation made cheap (the fuzzer explores the decoding,
//! not Argon2id), and with its own parameters only when they are cheap already, so that each
//! input costs little.
#![no_main]

use civitas_keys::sealed::{KdfParams, Sealed, SealingKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(sealed) = serde_json::from_slice::<Sealed>(data) {
        let text = serde_json::to_string(&sealed).expect("a sealed value serialises");
        let again: Sealed = serde_json::from_str(&text).expect("a serialised sealed value reads");
        assert_eq!(again, sealed);
        let k = sealed.kdf;
        if u64::from(k.memory_kib) * u64::from(k.iterations) <= 64 && k.parallelism <= 2 {
            let _ = sealed.open(b"correct horse");
        }
        let mut cheap = sealed;
        cheap.kdf = KdfParams {
            memory_kib: 8,
            iterations: 1,
            parallelism: 1,
        };
        let _ = cheap.open(b"correct horse");
    }
    if let Ok(key) = SealingKey::from_bytes(&[7; 32]) {
        let _ = key.decrypt(b"civitas sealed v1", data);
    }
    let _ = SealingKey::from_bytes(data);
});
