//! A birth certificate signed by Digital Bazaar's JS stack (through the project's interop
//! harness) verifies in the civitas verifier, with trust and status.

use crate::common;

use civitas_core::report::CheckKind;
use civitas_jsonld::contexts::{CIVIL_REGISTRY_V1, ContextLoader};
use civitas_testkit::js::JsPeer;
use common::*;

#[tokio::test]
async fn a_credential_signed_by_the_js_stack_verifies() {
    let Some(peer) = JsPeer::get() else { return };
    let w = World::new().await;
    let v = w.standard_verifier().await;
    let unsigned = w
        .js_issuer
        .birth(None, 10, at(BIRTH_VALID_FROM))
        .build()
        .unwrap();
    let context = ContextLoader::bundled()
        .source(CIVIL_REGISTRY_V1)
        .unwrap()
        .to_owned();
    let signed = peer.sign(
        &unsigned.json().to_string(),
        &JS_SEED,
        "2026-02-01T10:00:00Z",
        &[(CIVIL_REGISTRY_V1, &context)],
    );
    let report = v.verify(signed.as_bytes(), &opts()).await;
    all_valid(&report);
    assert!(
        report
            .outcome(CheckKind::TrustedIssuer)
            .is_some_and(|o| o.text().contains("JS test office"))
    );
    // And the JS-signed credential is caught when altered, like any other.
    let forged = signed.replace("Lebon", "Lebrun");
    only_failure(
        &v.verify(forged.as_bytes(), &opts()).await,
        CheckKind::Signature,
    );
}
