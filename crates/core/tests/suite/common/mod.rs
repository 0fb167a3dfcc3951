//! Shared helpers for civitas-core's integration tests.
#![allow(dead_code)]

use civitas_jsonld::contexts::ContextLoader;
pub use civitas_testkit::vectors::{
    TEST_SEED, TEST_TIME, json, test_p256_signer, test_signer, text, vectors,
};

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
