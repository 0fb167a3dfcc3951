//! The W3C specification examples and the status list signed by the JavaScript peer
//! (Digital Bazaar), read by civitas.

use crate::common;

use std::sync::Arc;

use civitas_core::report::{CheckKind, Outcome, Verdict};
use civitas_core::verify::{DocumentCheck, VerifyOptions};
use civitas_jsonld::contexts::ContextLoader;
use civitas_keys::resolver::OfflineResolver;
use civitas_status::bitstring::StatusSize;
use civitas_status::cache::{FreshnessPolicy, StatusListCache};
use civitas_status::credential::BitstringStatusListCredential;
use civitas_status::entry::{BitstringStatusListEntry, StatusPurpose};
use civitas_status::error::StatusError;
use civitas_status::policy::StatusPolicy;
use civitas_status::verify::verify_status_list;
use common::{at, read_vector};
use serde_json::Value;

const W3C: [&str; 6] = [
    "w3c/index-L1838-a-revocable-verifiable-credential.json",
    "w3c/index-L1868-a-status-list-verifiable-credential.json",
    "w3c/index-L1898-associating-multiple-status-lists-with-a-single-verifiable-credential.json",
    "w3c/index-L1943-associating-multiple-status-entries-in-a-single-status-list.json",
    "w3c/index-L687-example-statuslistcredential-using-simple-entries.json",
    "w3c/index-L944-example-bitstringstatuslistcredential.json",
];

fn json(rel: &str) -> Value {
    serde_json::from_slice(&read_vector(rel)).unwrap()
}

#[test]
fn every_w3c_example_decodes() {
    let mut lists = 0;
    let mut entries = 0;
    for rel in W3C {
        let doc = json(rel);
        let is_list = doc["type"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "BitstringStatusListCredential");
        if is_list {
            let list = BitstringStatusListCredential::from_json(&doc)
                .unwrap_or_else(|e| panic!("{rel}: {e}"));
            assert_eq!(list.id, "https://example.com/credentials/status/3");
            assert_eq!(list.issuer, "did:example:12345");
            assert_eq!(
                list.subject_id.as_deref(),
                Some("https://example.com/status/3#list")
            );
            assert_eq!(list.purposes, [StatusPurpose::Revocation]);
            assert_eq!(list.bits.len_bits(), 131_072);
            assert_eq!(list.bits.count_ones(), 0);
            assert_eq!(list.valid_from, Some(at("2021-04-05T14:27:40Z")));
            lists += 1;
        } else {
            let status = match &doc["credentialStatus"] {
                Value::Array(items) => items.clone(),
                one => vec![one.clone()],
            };
            for item in status {
                let entry = BitstringStatusListEntry::from_json(&item)
                    .unwrap_or_else(|e| panic!("{rel}: {e}"));
                assert!([94567, 12345, 23452].contains(&entry.index), "{rel}");
                assert_eq!(entry.size, StatusSize::ONE);
                assert_eq!(entry.id.as_deref(), item["id"].as_str());
                // Written back, the entry is the spec's, member for member.
                assert_eq!(entry.to_json(), item, "{rel}");
                entries += 1;
            }
        }
    }
    assert_eq!((lists, entries), (2, 7));
}

#[test]
fn the_spec_credential_reads_its_entry_from_the_spec_list() {
    let list = BitstringStatusListCredential::from_json(&json(W3C[1])).unwrap();
    let vc = json(W3C[0]);
    let entry = BitstringStatusListEntry::from_json(&vc["credentialStatus"]).unwrap();
    assert_eq!(list.status_for(&entry, "did:example:12345").unwrap(), 0);
    assert!(matches!(
        list.status_for(&entry, "did:example:other"),
        Err(StatusError::IssuerMismatch { .. })
    ));
    // The suspension entry of L687 points at list 4, with another purpose.
    let vc = json(W3C[4]);
    let suspension = BitstringStatusListEntry::from_json(&vc["credentialStatus"][1]).unwrap();
    assert!(matches!(
        list.status(&suspension),
        Err(StatusError::ListMismatch { .. })
    ));
    let mut same_list = suspension.clone();
    same_list.list_credential = list.id.clone();
    assert!(matches!(
        list.status(&same_list),
        Err(StatusError::PurposeMismatch {
            entry: StatusPurpose::Suspension,
            ..
        })
    ));
}

#[tokio::test]
async fn an_unsigned_spec_list_does_not_verify() {
    let bytes = read_vector(W3C[5]);
    let err = verify_status_list(
        &bytes,
        &DocumentCheck::default(),
        at("2025-01-01T00:00:00Z"),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, StatusError::BadListSignature { .. }), "{err}");
    assert!(err.to_string().contains("no proof"), "{err}");
}

const JS_LIST_URL: &str = "https://example.org/status-lists/birth/1";
const JS_ISSUER: &str = "did:key:z6MkondnsvzRYUH3ELHv6HFGUvu1AS14KXY17sQz4v1qnJD3";

#[tokio::test]
async fn the_js_signed_list_verifies_and_reads_correctly() {
    let bytes = read_vector("js/sample-status-list.json");
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    // Its context set: the VC 2.0 context alone (it defines the status list terms).
    assert_eq!(
        doc["@context"],
        serde_json::json!(["https://www.w3.org/ns/credentials/v2"])
    );
    let list = verify_status_list(
        &bytes,
        &DocumentCheck::default(),
        at("2025-06-01T00:00:00Z"),
    )
    .await
    .unwrap();
    assert_eq!(list.url(), JS_LIST_URL);
    assert_eq!(list.issuer(), JS_ISSUER);
    assert_eq!(list.secured_with(), "eddsa-rdfc-2022");
    assert_eq!(list.credential().purposes, [StatusPurpose::Revocation]);
    assert_eq!(list.credential().bits.len_bits(), 131_072);
    assert_eq!(list.credential().bits.count_ones(), 0);
    assert_eq!(list.get(94567, StatusSize::ONE).unwrap(), 0);
    let entry = BitstringStatusListEntry::new(JS_LIST_URL, 94567, StatusPurpose::Revocation);
    assert_eq!(list.status_for(&entry, JS_ISSUER).unwrap(), 0);
}

#[tokio::test]
async fn a_tampered_js_list_is_rejected() {
    let mut doc: Value =
        serde_json::from_slice(&read_vector("js/sample-status-list.json")).unwrap();
    let mut bits = civitas_status::Bitstring::decode(
        doc["credentialSubject"]["encodedList"].as_str().unwrap(),
    )
    .unwrap();
    bits.set(94567, StatusSize::ONE, 1).unwrap();
    doc["credentialSubject"]["encodedList"] = bits.encode().into();
    let bytes = serde_json::to_vec(&doc).unwrap();
    let err = verify_status_list(
        &bytes,
        &DocumentCheck::default(),
        at("2025-06-01T00:00:00Z"),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, StatusError::BadListSignature { .. }), "{err}");
}

#[tokio::test]
async fn the_js_credential_is_not_revoked_by_the_js_list() {
    let birth = String::from_utf8(read_vector("js/birth-context.json")).unwrap();
    let loader = ContextLoader::bundled()
        .with_context("https://example.org/contexts/birth-certificate/v1", &birth)
        .unwrap();
    let now = at("2025-06-01T00:00:00Z");
    let cache = Arc::new(StatusListCache::new());
    let plain = DocumentCheck::new(loader.clone(), OfflineResolver::new());
    cache
        .load(&read_vector("js/sample-status-list.json"), &plain, now)
        .await
        .unwrap();
    let checker = DocumentCheck::new(loader, OfflineResolver::new()).with_policy(Arc::new(
        StatusPolicy::new(
            cache,
            FreshnessPolicy::offline(std::time::Duration::from_secs(365 * 86_400)),
        ),
    ));
    let options = VerifyOptions {
        now: Some(now),
        ..VerifyOptions::default()
    };
    let report = checker
        .verify(&read_vector("js/sample-signed.json"), &options)
        .await;
    assert_eq!(
        report.outcome(CheckKind::Signature).map(Outcome::is_failed),
        Some(false),
        "{report}"
    );
    assert!(
        matches!(report.outcome(CheckKind::Revocation), Some(Outcome::Passed { detail }) if detail.contains("index 94567 of status list https://example.org/status-lists/birth/1 is clear")),
        "{report}"
    );
    assert!(
        matches!(
            report.outcome(CheckKind::Suspension),
            Some(Outcome::NotApplicable { .. })
        ),
        "{report}"
    );
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
}
