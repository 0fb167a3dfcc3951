//! The repository's test vectors (`vectors/`) and the fixed test issuers that signed them.

use std::path::PathBuf;

use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::signer::LocalSigner;
use serde_json::Value;

/// The repository's `vectors/` directory.
pub fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../vectors")
}

/// A vector file's text (panics with the path if it cannot be read: test support only).
pub fn text(path: &str) -> String {
    let p = vectors().join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A vector file as JSON.
pub fn json(path: &str) -> Value {
    serde_json::from_str(&text(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The fixed test seed of civitas' own vectors (TEST ONLY).
pub const TEST_SEED: [u8; 32] = *b"civitas-test-issuer-seed-32bytes";

/// The fixed test issuer (Ed25519 did:key from [`TEST_SEED`]).
pub fn test_signer() -> LocalSigner {
    LocalSigner::did_key(
        KeyPair::from_secret_bytes(KeyAlgorithm::Ed25519, &TEST_SEED).expect("a valid seed"),
    )
}

/// A fixed P-256 test issuer.
pub fn test_p256_signer() -> LocalSigner {
    LocalSigner::did_key(
        KeyPair::from_secret_bytes(KeyAlgorithm::P256, &[0x11; 32]).expect("a valid scalar"),
    )
}

/// The signing time of civitas' own vectors.
pub const TEST_TIME: &str = "2026-01-15T09:00:00Z";
