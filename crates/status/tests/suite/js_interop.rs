//! Interop with Digital Bazaar's JS stack (`@digitalbazaar/vc-bitstring-status-list`) through
//! the project's JS peer (`civitas_testkit::js`). Skipped loudly when node is missing (an
//! error on CI).

use crate::common;

use civitas_core::data_integrity::{ProofOptions, add_proof};
use civitas_core::verify::DocumentCheck;
use civitas_jsonld::contexts::ContextLoader;
use civitas_status::bitstring::{Bitstring, StatusSize};
use civitas_status::credential::BitstringStatusListCredential;
use civitas_status::entry::{BitstringStatusListEntry, StatusPurpose};
use civitas_status::list::PublishOptions;
use civitas_status::verify::verify_status_list;
use civitas_testkit::js::JsPeer;
use common::{LIST_URL, at, signed_list, signer};
use serde_json::json;

const REVOKED: u64 = 94_567;

#[tokio::test]
async fn js_reads_a_list_signed_by_civitas() {
    let Some(js) = JsPeer::get() else { return };
    let issuer = signer(11);
    let list = signed_list(
        &issuer,
        issuer.controller(),
        LIST_URL,
        StatusPurpose::Revocation,
        &[REVOKED, 7],
        PublishOptions::new(""),
    )
    .await;
    let text = serde_json::to_string(&list).unwrap();

    let status = js.status(&text, REVOKED, &[]);
    assert!(status.verified, "{:?}", status.errors);
    assert_eq!(status.bit, Some(1), "{:?}", status.raw);
    assert_eq!(status.length, Some(131_072));
    assert_eq!(status.purpose.as_deref(), Some("revocation"));
    for index in [0, 6, 8, REVOKED - 1, REVOKED + 1, 131_071] {
        let s = js.status(&text, index, &[]);
        assert!(s.verified, "{:?}", s.errors);
        assert_eq!(s.bit, Some(0), "index {index}: {:?}", s.raw);
    }
    assert_eq!(js.status(&text, 7, &[]).bit, Some(1));
}

#[tokio::test]
async fn js_verifies_civitas_credentials_against_a_civitas_list() {
    let Some(js) = JsPeer::get() else { return };
    let issuer = signer(12);
    let list = signed_list(
        &issuer,
        issuer.controller(),
        LIST_URL,
        StatusPurpose::Revocation,
        &[REVOKED],
        PublishOptions::new(""),
    )
    .await;
    let list_text = serde_json::to_string(&list).unwrap();
    for (index, revoked) in [(REVOKED, true), (1234, false)] {
        let vc = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": "urn:uuid:8d0b3c61-98a4-4f3e-a1c8-4a3a6c0b9e21",
            "type": ["VerifiableCredential"],
            "issuer": issuer.controller(),
            "validFrom": "2025-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:holder"},
            "credentialStatus": BitstringStatusListEntry::new(LIST_URL, index, StatusPurpose::Revocation).to_json()
        });
        let proof = ProofOptions {
            created: Some(at("2025-01-01T00:00:00Z")),
            ..ProofOptions::default()
        };
        let signed = add_proof(&vc, &issuer, &proof, &ContextLoader::bundled())
            .await
            .unwrap();
        let verdict = js.verify(
            &signed.to_string(),
            &[],
            &[&list_text],
            Some("2025-06-01T00:00:00Z"),
        );
        assert!(verdict.status_checked, "{:?}", verdict.raw);
        assert_eq!(
            verdict.verified, !revoked,
            "index {index}: {:?}",
            verdict.raw
        );
    }
}

#[tokio::test]
async fn civitas_reads_a_list_signed_by_js() {
    let Some(js) = JsPeer::get() else { return };
    let mut bits = Bitstring::zeroed(131_072, StatusSize::ONE).unwrap();
    bits.set(REVOKED, StatusSize::ONE, 1).unwrap();
    let mut unsigned =
        BitstringStatusListCredential::new(LIST_URL, "$DID", StatusPurpose::Revocation, bits);
    unsigned.valid_from = Some(at("2025-01-01T00:00:00Z"));
    let signed = js.sign(
        &unsigned.to_json().to_string(),
        &[13; 32],
        "2025-01-01T00:00:00Z",
        &[],
    );
    let list = verify_status_list(
        signed.as_bytes(),
        &DocumentCheck::default(),
        at("2025-06-01T00:00:00Z"),
    )
    .await
    .unwrap();
    assert_eq!(list.issuer(), signer(13).controller());
    assert_eq!(list.get(REVOKED, StatusSize::ONE).unwrap(), 1);
    assert_eq!(list.credential().bits.count_ones(), 1);
}
