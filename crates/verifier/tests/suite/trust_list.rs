//! Trust lists: signed by an anchor (vc+jwt or Data Integrity), refused from anyone else, when
//! altered, when malformed.

use crate::common;

use civitas_core::secure::Securing;
use civitas_jsonld::contexts::ContextLoader;
use civitas_keys::did::{ControllerDocument, ProofPurpose};
use civitas_keys::encoding::{base64url, decode_base64url};
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::signer::{LocalSigner, Signer};
use civitas_verifier::error::TrustListError;
use civitas_verifier::trust::{
    TRUST_LIST_TYPE, TrustAnchor, TrustList, TrustListSigning, TrustedIssuer, verify_trust_list,
};
use common::*;
use serde_json::json;

#[tokio::test]
async fn a_signed_list_verifies_and_keeps_its_content() {
    let w = World::new().await;
    let verified = verify_trust_list(w.trust_list.as_bytes(), &w.anchors(), now())
        .await
        .unwrap();
    assert_eq!(verified.anchor(), w.anchor.controller());
    assert_eq!(verified.secured_with(), "vc+jwt");
    let registry = verified.issuer(REGISTRY).unwrap();
    assert_eq!(registry.name.as_deref(), Some(REGISTRY_NAME));
    assert_eq!(registry.did_document.as_ref(), Some(&w.registry_doc));
    assert_eq!(registry.key_validity.len(), 2);
    // The rotated-out key is an assertion key again, inside its window only.
    let key1 = w.key1.verification_method();
    let effective = registry.effective_document().unwrap();
    assert!(effective.allows(key1, ProofPurpose::AssertionMethod));
    assert!(!w.registry_doc.allows(key1, ProofPurpose::AssertionMethod));
}

#[tokio::test]
async fn a_data_integrity_list_verifies_too() {
    let w = World::new().await;
    let verified = verify_trust_list(w.trust_list.as_bytes(), &w.anchors(), now())
        .await
        .unwrap();
    let di = verified
        .list()
        .sign(
            &w.anchor,
            &TrustListSigning {
                securing: Securing::DataIntegrity,
                ..TrustListSigning::default()
            },
        )
        .await
        .unwrap();
    let back = verify_trust_list(di.as_bytes(), &w.anchors(), now())
        .await
        .unwrap();
    assert_eq!(back.list(), verified.list());
    assert_eq!(back.secured_with(), "eddsa-rdfc-2022");
    // Changing a pinned key inside the JSON literal breaks the proof.
    let mut json: serde_json::Value = serde_json::from_str(&di).unwrap();
    json["credentialSubject"]["trustedIssuers"][0]["documentTypes"] =
        json!(["BirthCertificate", "DrivingLicence"]);
    let err = verify_trust_list(json.to_string().as_bytes(), &w.anchors(), now())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            TrustListError::Rejected {
                check: "signature",
                ..
            }
        ),
        "{err}"
    );
    let mut json: serde_json::Value = serde_json::from_str(&di).unwrap();
    json["credentialSubject"]["trustedIssuers"][0]["didDocument"]["verificationMethod"][1]["publicKeyMultibase"] = json!(
        w.stranger
            .signer
            .controller()
            .trim_start_matches("did:key:")
    );
    assert!(
        verify_trust_list(json.to_string().as_bytes(), &w.anchors(), now())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn refused_from_anyone_but_an_anchor_or_when_altered() {
    let w = World::new().await;
    // Signed by the stranger: not an anchor.
    let verified = verify_trust_list(w.trust_list.as_bytes(), &w.anchors(), now())
        .await
        .unwrap();
    let forged = verified
        .list()
        .sign(&w.stranger.signer, &TrustListSigning::default())
        .await
        .unwrap();
    let err = verify_trust_list(forged.as_bytes(), &w.anchors(), now())
        .await
        .unwrap_err();
    assert!(matches!(err, TrustListError::UnknownAnchor { .. }), "{err}");
    assert!(matches!(
        verify_trust_list(w.trust_list.as_bytes(), &[], now()).await,
        Err(TrustListError::NoAnchor)
    ));

    // The anchor's JWT with the stranger added to the payload, signature unchanged.
    let parts: Vec<&str> = w.trust_list.split('.').collect();
    let mut payload: serde_json::Value =
        serde_json::from_slice(&decode_base64url(parts[1]).unwrap()).unwrap();
    payload["credentialSubject"]["trustedIssuers"]
        .as_array_mut()
        .unwrap()
        .push(
            serde_json::to_value(TrustedIssuer::new(&w.stranger.did, ["BirthCertificate"]))
                .unwrap(),
        );
    let altered = format!(
        "{}.{}.{}",
        parts[0],
        base64url(&serde_json::to_vec(&payload).unwrap()),
        parts[2]
    );
    let err = verify_trust_list(altered.as_bytes(), &w.anchors(), now())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            TrustListError::Rejected {
                check: "signature",
                ..
            }
        ),
        "{err}"
    );

    // A birth certificate is not a trust list.
    let err = verify_trust_list(w.valid_birth().await.as_bytes(), &w.anchors(), now())
        .await
        .unwrap_err();
    assert!(matches!(err, TrustListError::NotATrustList(_)), "{err}");
    let err = verify_trust_list(b"   ", &w.anchors(), now())
        .await
        .unwrap_err();
    assert!(matches!(err, TrustListError::Unreadable(_)), "{err}");
}

#[tokio::test]
async fn a_did_web_anchor_needs_its_pinned_document() {
    let w = World::new().await;
    let key = KeyPair::generate(KeyAlgorithm::Ed25519);
    let mut doc = ControllerDocument::new("did:web:ministry.gov.example");
    let method = doc.add_key("key-1", &key.public_key(), &[ProofPurpose::AssertionMethod]);
    let ministry = LocalSigner::new(key, method);
    let verified = verify_trust_list(w.trust_list.as_bytes(), &w.anchors(), now())
        .await
        .unwrap();
    let signed = verified
        .list()
        .sign(&ministry, &TrustListSigning::default())
        .await
        .unwrap();
    let ok = verify_trust_list(signed.as_bytes(), &[TrustAnchor::document(doc)], now()).await;
    assert!(ok.is_ok(), "{ok:?}");
    let err = verify_trust_list(
        signed.as_bytes(),
        &[TrustAnchor::did("did:web:ministry.gov.example")],
        now(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, TrustListError::Rejected { .. }), "{err}");
}

#[tokio::test]
async fn malformed_lists_are_refused_with_the_place() {
    let w = World::new().await;
    let mut list = TrustList::new("t");
    // A key window for a key the pinned document does not have.
    let err = list
        .add(
            TrustedIssuer::new(REGISTRY, ["BirthCertificate"])
                .with_document(w.registry_doc.clone())
                .with_key_window(&format!("{REGISTRY}#key-9"), None, None),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "trust list `/trustedIssuers/0/keyValidity/0/key`: `did:web:registry.gov.example#key-9` is not a key of the pinned DID document"
    );
    // A pinned document of another DID.
    let err = list
        .add(
            TrustedIssuer::new("did:web:other.example", ["BirthCertificate"])
                .with_document(w.registry_doc.clone()),
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("/trustedIssuers/0/didDocument/id"),
        "{err}"
    );
    // No document types; a window that ends before it starts.
    assert!(
        list.add(TrustedIssuer::new(REGISTRY, Vec::<String>::new()))
            .is_err()
    );
    assert!(
        list.add(
            TrustedIssuer::new(REGISTRY, ["BirthCertificate"]).with_key_window(
                &format!("{REGISTRY}#key-1"),
                Some(at("2026-01-01T00:00:00Z")),
                Some(at("2025-01-01T00:00:00Z"))
            )
        )
        .is_err()
    );
    // Unknown members are refused (a restriction must never be silently ignored).
    let err = TrustList::from_json(json!({"type": "TrustedIssuerList", "trustedIssuers": [
        {"id": REGISTRY, "documentTypes": ["BirthCertificate"], "onlyOnMondays": true}
    ]}))
    .unwrap_err();
    assert!(err.to_string().contains("onlyOnMondays"), "{err}");
    // Drafts round-trip.
    list.add(
        TrustedIssuer::new(REGISTRY, ["BirthCertificate"]).with_document(w.registry_doc.clone()),
    )
    .unwrap();
    let back = TrustList::from_json(serde_json::to_value(&list).unwrap()).unwrap();
    assert_eq!(back, list);
    assert!(back.clone().remove(REGISTRY));
    // The unsigned credential carries the inline context and the type.
    let vc = list
        .to_credential("did:key:z6Mkexample", &TrustListSigning::default())
        .unwrap();
    assert_eq!(vc["type"][1], TRUST_LIST_TYPE);
    assert!(vc["@context"][1].is_object());
    civitas_jsonld::canon::check_terms(&vc, &ContextLoader::bundled())
        .await
        .unwrap();
}
