//! Shared helpers for civitas-core's integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use civitas_core::contexts::ContextLoader;
use civitas_core::keys::{KeyAlgorithm, KeyPair};
use civitas_core::signer::LocalSigner;
use serde_json::Value;

/// The repository's `vectors/` directory.
pub fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../vectors")
}

/// A vector file's text.
pub fn text(path: &str) -> String {
    let p = vectors().join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A vector file as JSON.
pub fn json(path: &str) -> Value {
    serde_json::from_str(&text(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The bundled loader plus the W3C examples and citizenship contexts the W3C vectors use, and
/// the JS peer's birth-certificate context.
pub fn w3c_loader() -> ContextLoader {
    ContextLoader::bundled()
        .with_context(
            "https://www.w3.org/ns/credentials/examples/v2",
            &text("w3c/vc-data-model/contexts/credentials/examples/v2"),
        )
        .unwrap()
        .with_context(
            "https://w3id.org/citizenship/v4rc1",
            &text("w3c/citizenship-vocab/contexts/citizenship-v4rc1.jsonld"),
        )
        .unwrap()
        .with_context(
            "https://example.org/contexts/birth-certificate/v1",
            &text("js-peer/birth-context.json"),
        )
        .unwrap()
}

/// The fixed test seed of civitas' own vectors (TEST ONLY).
pub const TEST_SEED: [u8; 32] = *b"civitas-test-issuer-seed-32bytes";

/// The fixed test issuer (Ed25519 did:key from [`TEST_SEED`]).
pub fn test_signer() -> LocalSigner {
    LocalSigner::did_key(KeyPair::from_secret_bytes(KeyAlgorithm::Ed25519, &TEST_SEED).unwrap())
}

/// A fixed P-256 test issuer.
pub fn test_p256_signer() -> LocalSigner {
    LocalSigner::did_key(KeyPair::from_secret_bytes(KeyAlgorithm::P256, &[0x11; 32]).unwrap())
}

/// The fixed `created` / `validFrom` of civitas' own vectors.
pub const TEST_TIME: &str = "2026-01-15T09:00:00Z";
