//! Interop both ways with Digital Bazaar's JS stack (through the project's harness in
//! tests/interop): civitas-signed credentials verify there, JS-signed ones verify here.

use crate::common;

use civitas_core::contexts::{CIVIL_REGISTRY_V1, ContextLoader};
use civitas_core::report::Verdict;
use civitas_core::verify::{Checker, VerifyOptions};
use civitas_testkit::js::JsPeer;

fn our_context() -> (&'static str, &'static str) {
    let loader = ContextLoader::bundled();
    let text = loader
        .source(CIVIL_REGISTRY_V1)
        .expect("bundled")
        .to_owned();
    (CIVIL_REGISTRY_V1, Box::leak(text.into_boxed_str()))
}

#[test]
fn civitas_birth_and_marriage_certificates_verify_in_the_js_stack() {
    let Some(peer) = JsPeer::get() else { return };
    for doc in ["birth-certificate", "marriage-certificate"] {
        let signed = common::text(&format!("civitas/{doc}/signed-di.json"));
        let verdict = peer.verify(&signed, &[our_context()], &[], None);
        assert!(verdict.verified, "{doc}: {:?}", verdict.raw);
        // The JS stack sees tampering too.
        let forged = signed
            .replace("Lebon", "Lebrun")
            .replace("Doorgah", "Dorgah");
        let verdict = peer.verify(&forged, &[our_context()], &[], None);
        assert!(!verdict.verified, "{doc} tampered");
    }
}

#[tokio::test]
async fn a_birth_certificate_signed_by_the_js_stack_verifies_in_civitas() {
    let Some(peer) = JsPeer::get() else { return };
    let mut unsigned = common::json("civitas/birth-certificate/unsigned.json");
    unsigned["issuer"] = serde_json::json!("$DID");
    let seed = [0x42u8; 32];
    let signed = peer.sign(
        &unsigned.to_string(),
        &seed,
        "2026-02-01T10:00:00Z",
        &[our_context()],
    );
    let report = Checker::default()
        .verify(signed.as_bytes(), &VerifyOptions::default())
        .await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
    // And civitas, given the same key and time, produces the same proof.
    let key = civitas_core::keys::KeyPair::from_secret_bytes(
        civitas_core::keys::KeyAlgorithm::Ed25519,
        &seed,
    )
    .unwrap();
    let signer = civitas_core::signer::LocalSigner::did_key(key);
    let js: serde_json::Value = serde_json::from_str(&signed).unwrap();
    let opts = civitas_core::data_integrity::ProofOptions {
        created: Some("2026-02-01T10:00:00Z".parse().unwrap()),
        ..Default::default()
    };
    let ours = civitas_core::data_integrity::add_proof(
        &civitas_core::credential::without_proof(&js),
        &signer,
        &opts,
        &ContextLoader::bundled(),
    )
    .await
    .unwrap();
    assert_eq!(ours["proof"]["proofValue"], js["proof"]["proofValue"]);
}

#[test]
fn the_reference_peer_sample_verifies_in_the_harness_too() {
    let Some(peer) = JsPeer::get() else { return };
    let signed = common::text("js-peer/sample-signed.json");
    let ctx = common::text("js-peer/birth-context.json");
    let verdict = peer.verify(
        &signed,
        &[("https://example.org/contexts/birth-certificate/v1", &ctx)],
        &[],
        None,
    );
    assert!(verdict.verified, "{:?}", verdict.raw);
}
