//! Interop both ways with Digital Bazaar's JS stack (through the project's harness in
//! tests/interop): civitas-signed credentials verify there, JS-signed ones verify here.

use crate::common;

use civitas_core::report::Verdict;
use civitas_core::verify::{DocumentCheck, VerifyOptions};
use civitas_jsonld::contexts::{CIVIL_REGISTRY_V1, ContextLoader};
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
    let report = DocumentCheck::default()
        .verify(signed.as_bytes(), &VerifyOptions::default())
        .await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
    // And civitas, given the same key and time, produces the same proof.
    let key = civitas_keys::keys::KeyPair::from_secret_bytes(
        civitas_keys::keys::KeyAlgorithm::Ed25519,
        &seed,
    )
    .unwrap();
    let signer = civitas_keys::signer::LocalSigner::did_key(key);
    let js: serde_json::Value = serde_json::from_str(&signed).unwrap();
    let opts = civitas_core::data_integrity::ProofOptions {
        created: Some("2026-02-01T10:00:00Z".parse().unwrap()),
        ..Default::default()
    };
    let ours = civitas_core::data_integrity::add_proof(
        &civitas_jsonld::member::without_proof(&js),
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

/// The shapes of issue 17 (lists, `@direction`, upper-case language tags, control characters):
/// an unsigned credential with an inline context, and tampered `credentialSubject`s.
fn issue17_credential(issuer: &str) -> serde_json::Value {
    serde_json::json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            {
                "ordered": {"@id": "https://example.org/ordered", "@container": "@list"},
                "label": {"@id": "https://example.org/label"},
                "labels": {"@id": "https://example.org/labels", "@container": "@language"}
            }
        ],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": issue17_subject()
    })
}

fn issue17_subject() -> serde_json::Value {
    serde_json::json!({
        "id": "did:example:1",
        "ordered": ["first", "second", ["third", "fourth"], []],
        "label": [
            {"@value": "مرحبا", "@language": "ar", "@direction": "rtl"},
            {"@value": "colour", "@language": "en-GB"},
            "tab\there, bell\u{7}, delete\u{7f}"
        ],
        "labels": {"zh-Hant-TW": "台灣"}
    })
}

/// `(what was changed, the tampered credentialSubject)`.
fn issue17_tampered() -> Vec<(&'static str, serde_json::Value)> {
    let edit = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut s = issue17_subject();
        f(&mut s);
        s
    };
    vec![
        (
            "list reversed",
            edit(&|s| {
                s["ordered"] = serde_json::json!([[], ["third", "fourth"], "second", "first"]);
            }),
        ),
        (
            "nested list reversed",
            edit(&|s| s["ordered"][2] = serde_json::json!(["fourth", "third"])),
        ),
        (
            "direction flipped",
            edit(&|s| s["label"][0]["@direction"] = serde_json::json!("ltr")),
        ),
        (
            "direction removed",
            edit(&|s| {
                s["label"][0].as_object_mut().unwrap().remove("@direction");
            }),
        ),
        (
            "language tag changed",
            edit(&|s| s["label"][1]["@language"] = serde_json::json!("en-US")),
        ),
        (
            "language map tag changed",
            edit(&|s| s["labels"] = serde_json::json!({"zh-Hans-TW": "台灣"})),
        ),
        (
            "control character changed",
            edit(&|s| s["label"][2] = serde_json::json!("tab\u{b}here, bell\u{7}, delete\u{7f}")),
        ),
    ]
}

fn with_subject(signed: &str, subject: &serde_json::Value) -> String {
    let mut v: serde_json::Value = serde_json::from_str(signed).unwrap();
    v["credentialSubject"] = subject.clone();
    v.to_string()
}

#[tokio::test]
async fn issue17_shapes_signed_by_civitas_verify_in_the_js_stack_and_tampering_fails_in_both() {
    let Some(peer) = JsPeer::get() else { return };
    let signer = common::test_signer();
    let vm = civitas_keys::signer::Signer::verification_method(&signer);
    let did = vm.split('#').next().unwrap().to_owned();
    let signed = civitas_core::data_integrity::add_proof(
        &issue17_credential(&did),
        &signer,
        &civitas_core::data_integrity::ProofOptions::default(),
        &ContextLoader::bundled(),
    )
    .await
    .unwrap()
    .to_string();
    let verdict = peer.verify(&signed, &[], &[], None);
    assert!(verdict.verified, "{:?}", verdict.raw);
    for (what, subject) in issue17_tampered() {
        let forged = with_subject(&signed, &subject);
        let verdict = peer.verify(&forged, &[], &[], None);
        assert!(!verdict.verified, "JS stack: {what} still verifies");
        let report = DocumentCheck::default()
            .verify(forged.as_bytes(), &VerifyOptions::default())
            .await;
        assert_eq!(report.verdict, Verdict::Invalid, "civitas: {what}");
    }
}

#[tokio::test]
async fn issue17_shapes_signed_by_the_js_stack_verify_in_civitas_and_tampering_fails_in_both() {
    let Some(peer) = JsPeer::get() else { return };
    let seed = [0x17u8; 32];
    let signed = peer.sign(
        &issue17_credential("$DID").to_string(),
        &seed,
        "2026-02-01T10:00:00Z",
        &[],
    );
    let report = DocumentCheck::default()
        .verify(signed.as_bytes(), &VerifyOptions::default())
        .await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
    for (what, subject) in issue17_tampered() {
        let forged = with_subject(&signed, &subject);
        let report = DocumentCheck::default()
            .verify(forged.as_bytes(), &VerifyOptions::default())
            .await;
        assert_eq!(report.verdict, Verdict::Invalid, "civitas: {what}");
        let verdict = peer.verify(&forged, &[], &[], None);
        assert!(!verdict.verified, "JS stack: {what} still verifies");
    }
    // Given the same key and time, civitas produces the JS stack's proof.
    let key = civitas_keys::keys::KeyPair::from_secret_bytes(
        civitas_keys::keys::KeyAlgorithm::Ed25519,
        &seed,
    )
    .unwrap();
    let js: serde_json::Value = serde_json::from_str(&signed).unwrap();
    let ours = civitas_core::data_integrity::add_proof(
        &civitas_jsonld::member::without_proof(&js),
        &civitas_keys::signer::LocalSigner::did_key(key),
        &civitas_core::data_integrity::ProofOptions {
            created: Some("2026-02-01T10:00:00Z".parse().unwrap()),
            ..Default::default()
        },
        &ContextLoader::bundled(),
    )
    .await
    .unwrap();
    assert_eq!(ours["proof"]["proofValue"], js["proof"]["proofValue"]);
}

#[tokio::test]
async fn a_birth_certificate_with_upper_case_language_tags_verifies_both_ways() {
    let Some(peer) = JsPeer::get() else { return };
    let mut unsigned = common::json("civitas/birth-certificate/unsigned.json");
    unsigned["credentialSubject"]["father"]["givenName"] =
        serde_json::json!({"en-GB": "John", "fr-MU": "Jean", "zh-Hant-TW": "約翰"});
    // civitas signs, the JS stack verifies (and refuses a changed tag).
    let signer = common::test_signer();
    let vm = civitas_keys::signer::Signer::verification_method(&signer);
    unsigned["issuer"] = serde_json::json!(vm.split('#').next().unwrap());
    let signed = civitas_core::data_integrity::add_proof(
        &unsigned,
        &signer,
        &civitas_core::data_integrity::ProofOptions::default(),
        &ContextLoader::bundled(),
    )
    .await
    .unwrap()
    .to_string();
    let verdict = peer.verify(&signed, &[our_context()], &[], None);
    assert!(verdict.verified, "{:?}", verdict.raw);
    let forged = signed.replace("\"en-GB\"", "\"en-US\"");
    assert!(!peer.verify(&forged, &[our_context()], &[], None).verified);
    // The JS stack signs, civitas verifies.
    unsigned["issuer"] = serde_json::json!("$DID");
    let js_signed = peer.sign(
        &unsigned.to_string(),
        &[0x42u8; 32],
        "2026-02-01T10:00:00Z",
        &[our_context()],
    );
    let report = DocumentCheck::default()
        .verify(js_signed.as_bytes(), &VerifyOptions::default())
        .await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
}
