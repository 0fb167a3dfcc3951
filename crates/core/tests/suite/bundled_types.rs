//! Every bundled document type (one profile per file in crates/profile/profiles/) builds from
//! its profile's sample, signs with Data Integrity (eddsa-rdfc-2022) and vc+jwt, verifies Valid
//! with the trust-less document check, and is canonicalized by the fast path (document and
//! proof configuration), identically to the general path wherever that one answers.

use std::path::Path;

use crate::canon_equivalence::compare;
use crate::common::test_signer;

use civitas_core::credential::{CredentialBuilder, format_datetime};
use civitas_core::data_integrity::ProofOptions;
use civitas_core::model::{self, DocumentType};
use civitas_core::profile::Profile;
use civitas_core::report::{CheckKind, Verdict};
use civitas_core::secure::{Securing, secure_credential};
use civitas_core::verify::{DocumentCheck, VerifyOptions};
use civitas_jsonld::canon;
use civitas_jsonld::contexts::ContextLoader;
use civitas_keys::signer::Signer;
use serde_json::json;

/// The type names of the profile files civitas-profile bundles (crates/profile/profiles/).
fn bundled_type_names() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../profile/profiles");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).unwrap();
            let profile = Profile::from_toml(&text, &path.display().to_string())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            names.push(profile.document.type_name);
        }
    }
    names.sort();
    names
}

#[tokio::test]
async fn every_bundled_type_builds_signs_verifies_and_takes_the_fast_path() {
    let mut kinds: Vec<String> = DocumentType::all()
        .iter()
        .map(|k| k.as_str().to_owned())
        .collect();
    kinds.sort();
    let bundled = bundled_type_names();
    assert!(bundled.len() >= 7, "bundled profiles: {bundled:?}");
    assert_eq!(kinds, bundled, "DocumentType::all() is every bundled type");

    let loader = ContextLoader::bundled();
    let signer = test_signer();
    let checker = DocumentCheck::default();
    let now = VerifyOptions::default();
    for kind in DocumentType::all() {
        assert!(kind.profile().unwrap().bundled, "{kind}");
        let subject = model::sample(&kind).unwrap_or_else(|| panic!("{kind} has a sample"));
        model::validate_subject(&kind, &subject)
            .unwrap_or_else(|e| panic!("{kind}: its sample breaks its profile: {e}"));
        let credential = CredentialBuilder::new(signer.controller())
            .document(&kind, subject.clone())
            .build()
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(credential.document_type().as_ref(), Some(&kind));
        assert_eq!(credential.types(), ["VerifiableCredential", kind.as_str()]);
        let doc = credential.into_json();
        assert_eq!(doc["credentialSubject"], subject, "{kind}");
        assert_eq!(
            doc["credentialSchema"]["id"].as_str(),
            kind.schema_url().as_deref(),
            "{kind}"
        );

        // The fast path answers for the document and for its proof configuration (and agrees
        // with the general path: `compare` panics on any difference).
        if let Err(e) = canon::fast_canonicalize(&doc, &loader) {
            panic!("{kind}: the fast path declined the document: {e}");
        }
        assert!(compare(&format!("{kind}"), &doc, &loader).await, "{kind}");
        let config = json!({
            "@context": doc["@context"].clone(),
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "created": format_datetime(chrono::Utc::now()),
            "verificationMethod": signer.verification_method(),
            "proofPurpose": "assertionMethod",
        });
        if let Err(e) = canon::fast_canonicalize(&config, &loader) {
            panic!("{kind}: the fast path declined the proof configuration: {e}");
        }
        assert!(
            compare(&format!("{kind} proof config"), &config, &loader).await,
            "{kind}"
        );

        let description = model::describe(&doc);
        assert!(
            !description.starts_with("Credential"),
            "{kind}: its profile describes it: {description}"
        );
        for securing in [Securing::DataIntegrity, Securing::VcJwt] {
            let signed =
                secure_credential(&doc, &signer, securing, &ProofOptions::default(), &loader)
                    .await
                    .unwrap_or_else(|e| panic!("{kind} {securing:?}: {e}"));
            let report = checker.verify(signed.as_bytes(), &now).await;
            assert_eq!(
                report.verdict,
                Verdict::Valid,
                "{kind} {securing:?}: {report}"
            );
            assert!(
                !report.outcome(CheckKind::Schema).unwrap().is_failed(),
                "{kind} {securing:?}: {report}"
            );
            assert_eq!(
                report.about.description.as_deref(),
                Some(description.as_str()),
                "{kind} {securing:?}"
            );
        }
        println!(
            "{kind}: built, signed (eddsa-rdfc-2022, vc+jwt), Valid; fast path; {description}"
        );
    }
}
