//! Input built to hurt: oversized proof values, duplicate member names, contexts civitas does not
//! have. Each must give a clear answer, and the right verdict.

use crate::common;

use civitas_core::credential::MAX_DOCUMENT_BYTES;
use civitas_core::data_integrity::ProofOptions;
use civitas_core::report::{CheckKind, Outcome, Report, Verdict};
use civitas_core::secure::{Securing, secure_credential};
use civitas_core::verify::{DocumentCheck, VerifyOptions};
use civitas_keys::resolver::OfflineResolver;
use serde_json::json;

async fn verify(doc: &[u8]) -> Report {
    DocumentCheck::default()
        .verify(doc, &VerifyOptions::default())
        .await
}

fn reason(report: &Report, check: CheckKind) -> String {
    match report.outcome(check) {
        Some(Outcome::Failed { reason }) | Some(Outcome::Indeterminate { reason }) => {
            reason.clone()
        }
        other => panic!("expected {check:?} to fail or be indeterminate, got {other:?}\n{report}"),
    }
}

#[tokio::test]
async fn a_megabyte_proof_value_is_refused_by_its_length() {
    let mut doc = common::json("civitas/birth-certificate/signed-di.json");
    // As large a proofValue as the document limit allows: about a million base58 digits.
    let room = MAX_DOCUMENT_BYTES - doc.to_string().len() - 64;
    doc["proof"]["proofValue"] = json!(format!("z{}", "3".repeat(room)));
    let text = doc.to_string();
    assert!(text.len() > 1_000_000 && text.len() <= MAX_DOCUMENT_BYTES);
    let report = verify(text.as_bytes()).await;
    assert_eq!(report.verdict, Verdict::Invalid);
    let why = reason(&report, CheckKind::Signature);
    assert!(
        why.contains("`proofValue`")
            && why.contains("more than the 89")
            && why.contains("64 bytes"),
        "{why}"
    );
}

#[tokio::test]
async fn a_duplicate_member_name_in_a_signed_credential_is_refused() {
    let text = common::text("civitas/birth-certificate/signed-di.json");
    // Last-wins parsing would read the genuine name and the signature would verify.
    let forged = text.replacen(
        "\"givenName\": \"Marie-Claire\"",
        "\"givenName\": \"Forged\", \"givenName\": \"Marie-Claire\"",
        1,
    );
    assert_ne!(forged, text);
    let report = verify(forged.as_bytes()).await;
    assert_eq!(report.verdict, Verdict::Invalid, "{report}");
    let why = reason(&report, CheckKind::Syntax);
    let offset = forged.rfind("\"givenName\": \"Marie-Claire\"").unwrap();
    assert!(
        why.contains("duplicate member name at `/credentialSubject/givenName`")
            && why.contains(&format!("byte {offset}")),
        "{why}"
    );
    // The untouched document still verifies.
    assert_eq!(verify(text.as_bytes()).await.verdict, Verdict::Valid);
}

#[tokio::test]
async fn a_duplicate_member_name_in_a_jwt_payload_is_refused() {
    let jwt = common::text("civitas/birth-certificate/signed.jwt");
    let parts: Vec<&str> = jwt.trim().split('.').collect();
    let payload = civitas_keys::encoding::decode_base64url(parts[1]).unwrap();
    let payload = String::from_utf8(payload).unwrap();
    assert!(payload.contains("\"id\":"));
    let doubled = payload.replacen("{", "{\"id\":\"urn:uuid:forged\",", 1);
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        civitas_keys::encoding::base64url(doubled.as_bytes()),
        parts[2]
    );
    let report = verify(tampered.as_bytes()).await;
    let why = reason(&report, CheckKind::Syntax);
    assert!(why.contains("duplicate member name"), "{why}");
}

#[tokio::test]
async fn an_unknown_context_makes_the_signature_indeterminate_not_invalid() {
    // A credential with a good signature over a context the default checker does not have
    // (signed with a loader that has it): civitas cannot tell whether it is good.
    let url = "https://www.w3.org/ns/credentials/examples/v2";
    let signer = common::test_signer();
    let unsigned = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", url],
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "issuer": signer.controller(),
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"}
    });
    let text = secure_credential(
        &unsigned,
        &signer,
        Securing::DataIntegrity,
        &ProofOptions::default(),
        &common::w3c_loader(),
    )
    .await
    .unwrap();
    let report = verify(text.as_bytes()).await;
    match report.outcome(CheckKind::Signature) {
        Some(Outcome::Indeterminate { reason }) => assert!(
            reason.contains(url) && reason.contains("cannot be checked"),
            "{reason}"
        ),
        other => panic!("expected indeterminate, got {other:?}\n{report}"),
    }
    assert_eq!(report.verdict, Verdict::Indeterminate, "{report}");
    // With the context it verifies; tampered, it fails with the context and stays undecided
    // without it.
    let checker = DocumentCheck::new(common::w3c_loader(), OfflineResolver::new());
    let options = VerifyOptions::default();
    let report = checker.verify(text.as_bytes(), &options).await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
    let tampered = text.replacen("The School of Examples", "The School of Forgeries", 1);
    let report = checker.verify(tampered.as_bytes(), &options).await;
    assert_eq!(report.verdict, Verdict::Invalid, "{report}");
    assert_eq!(
        verify(tampered.as_bytes()).await.verdict,
        Verdict::Indeterminate
    );
}
