//! civitas' own vectors (vectors/civitas/): a birth and a marriage certificate from a fixed test
//! seed and fixed times: unsigned document, canonical N-Quads, signed Data Integrity document
//! (Ed25519 and P-256) and signed `vc+jwt`. The tests re-derive every file byte for byte, so any
//! change in output is noticed. `CIVITAS_UPDATE_VECTORS=1 cargo test -p civitas-core --test
//! civitas_vectors` rewrites them (review the diff!).

use crate::common;

use civitas_core::credential::CredentialBuilder;
use civitas_core::data_integrity::{ProofOptions, canonical_forms};
use civitas_core::model::DocumentType;
use civitas_core::report::Verdict;
use civitas_core::secure::{Securing, secure_credential};
use civitas_core::verify::{DocumentCheck, VerifyOptions};
use civitas_keys::signer::{LocalSigner, Signer};
use civitas_testkit::samples;
use common::{TEST_TIME, test_p256_signer, test_signer, vectors};
use serde_json::{Value, json};

fn status(n: u32, purpose: &str, list: u32) -> Value {
    let url = format!("https://registry.gov.example/status/{purpose}/{list}");
    json!({
        "id": format!("{url}#{n}"),
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": n.to_string(),
        "statusListCredential": url,
    })
}

fn unsigned(kind: &DocumentType, subject: Value, id: &str, signer: &LocalSigner) -> Value {
    CredentialBuilder::new(signer.controller())
        .id(id)
        .valid_from(TEST_TIME.parse().unwrap())
        .status(status(94_567, "revocation", 1))
        .status(status(20_417, "suspension", 1))
        .document(kind, subject)
        .build()
        .unwrap()
        .into_json()
}

fn check_or_write(name: &str, content: &str) {
    let path = vectors().join("civitas").join(name);
    if std::env::var("CIVITAS_UPDATE_VECTORS").is_ok() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with CIVITAS_UPDATE_VECTORS=1 to create)",
            path.display()
        )
    });
    assert_eq!(
        content, want,
        "{name} changed: output is no longer byte-identical"
    );
}

async fn derive(name: &str, kind: &DocumentType, subject: Value, id: &str) {
    let loader = civitas_jsonld::contexts::ContextLoader::bundled();
    let opts = ProofOptions {
        created: Some(TEST_TIME.parse().unwrap()),
        ..ProofOptions::default()
    };
    for (suffix, signer) in [("", test_signer()), ("-p256", test_p256_signer())] {
        let doc = unsigned(kind, subject.clone(), id, &signer);
        let pretty = serde_json::to_string_pretty(&doc).unwrap() + "\n";
        check_or_write(&format!("{name}/unsigned{suffix}.json"), &pretty);
        let proof_config = json!({
            "type": "DataIntegrityProof",
            "cryptosuite": signer.algorithm().cryptosuite(),
            "created": TEST_TIME,
            "verificationMethod": signer.verification_method(),
            "proofPurpose": "assertionMethod",
        });
        let (canon_doc, canon_proof) = canonical_forms(&doc, &proof_config, &loader).await.unwrap();
        check_or_write(&format!("{name}/canonical{suffix}.nq"), &canon_doc);
        check_or_write(&format!("{name}/proof-canonical{suffix}.nq"), &canon_proof);
        let signed = secure_credential(&doc, &signer, Securing::DataIntegrity, &opts, &loader)
            .await
            .unwrap();
        check_or_write(
            &format!("{name}/signed-di{suffix}.json"),
            &(signed.clone() + "\n"),
        );
        let checker = DocumentCheck::default();
        let now = VerifyOptions::default();
        assert_eq!(
            checker.verify(signed.as_bytes(), &now).await.verdict,
            Verdict::Valid
        );
        if suffix.is_empty() {
            let jwt = secure_credential(&doc, &signer, Securing::VcJwt, &opts, &loader)
                .await
                .unwrap();
            check_or_write(&format!("{name}/signed.jwt"), &(jwt.clone() + "\n"));
            let report = checker.verify(jwt.as_bytes(), &now).await;
            assert_eq!(report.verdict, Verdict::Valid, "{report}");
        }
    }
}

#[tokio::test]
async fn birth_certificate_vectors_rederive_byte_for_byte() {
    // The profile's sample, holder included (the child's DID).
    let subject = samples::birth();
    assert_eq!(
        subject["id"],
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    );
    derive(
        "birth-certificate",
        &samples::kind("BirthCertificate"),
        subject,
        "urn:uuid:6f0d8a52-3c1e-4b7a-9f2e-1d5c8b4a7e30",
    )
    .await;
}

#[tokio::test]
async fn marriage_certificate_vectors_rederive_byte_for_byte() {
    let subject = samples::marriage();
    derive(
        "marriage-certificate",
        &samples::kind("MarriageCertificate"),
        subject,
        "urn:uuid:0c2b7e91-5d4f-4a36-8e1b-7f9a3c6d2b58",
    )
    .await;
}

/// The five types added as profiles: one vector set each, from the profile's sample (holder
/// included), named by the type's short name.
pub(crate) const OTHER_TYPES: [(&str, &str); 5] = [
    (
        "DeathCertificate",
        "urn:uuid:3a7c1e52-9b0d-4f6e-8a21-5d4c3b2a1f09",
    ),
    (
        "DrivingLicence",
        "urn:uuid:8e2f4a61-0c3b-4d7e-9f15-6a5b4c3d2e18",
    ),
    (
        "AcademicCertificate",
        "urn:uuid:b1c9d8e7-2f3a-4b5c-8d6e-7f8a9b0c1d27",
    ),
    ("Payslip", "urn:uuid:c4d5e6f7-8a9b-4c0d-9e1f-2a3b4c5d6e36"),
    (
        "VaccinationCertificate",
        "urn:uuid:d7e8f9a0-1b2c-4d3e-8f4a-5b6c7d8e9f45",
    ),
];

#[tokio::test]
async fn every_other_bundled_type_has_vectors_that_rederive_byte_for_byte() {
    for (type_name, id) in OTHER_TYPES {
        let kind = samples::kind(type_name);
        let name = kind.profile().unwrap().name();
        derive(&name, &kind, samples::subject(type_name), id).await;
    }
}

#[test]
fn key_file_matches_the_test_seed() {
    let signer = test_signer();
    let key = json!({
        "warning": "TEST ONLY: this key is public; never use it for real documents",
        "algorithm": "Ed25519",
        "seedText": "civitas-test-issuer-seed-32bytes",
        "did": signer.controller(),
        "verificationMethod": signer.verification_method(),
        "publicKeyMultibase": signer.public_key().to_multikey(),
        "p256": {
            "secretHex": "11".repeat(32),
            "did": test_p256_signer().controller(),
            "verificationMethod": test_p256_signer().verification_method(),
        }
    });
    check_or_write(
        "test-key.json",
        &(serde_json::to_string_pretty(&key).unwrap() + "\n"),
    );
}
