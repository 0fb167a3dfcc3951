//! Every bundled document type round-trips through the compact QR form (`compact::encode`,
//! `compact::decode`), exactly and verifiably: issued from its profile's sample by a
//! civil-status office (`did:web`) and by a `did:key`, with revocation and suspension entries
//! and (where the type has one) a holder. Its CV1 text, issued by the office, stays within 600
//! characters; and the rebuilt credential keeps the member order civitas writes.

use crate::common::{TEST_SEED, TEST_TIME, test_signer};

use civitas_core::credential::{Credential, CredentialBuilder};
use civitas_core::model::DocumentType;
use civitas_core::report::Verdict;
use civitas_core::verify::{DocumentCheck, VerifyOptions};
use civitas_keys::did::{ControllerDocument, ProofPurpose};
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::resolver::OfflineResolver;
use civitas_keys::signer::{LocalSigner, Signer};
use civitas_qr::compact::{self, PREFIX};
use civitas_testkit::samples;
use serde_json::{Value, json};

/// The most characters a bundled type's CV1 text may have.
const MAX_CV1_CHARS: usize = 600;

const HOLDER: &str = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";

fn status(n: u32, purpose: &str) -> Value {
    let url = format!("https://registry.gov.example/status/{purpose}/1");
    json!({
        "id": format!("{url}#{n}"),
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": n.to_string(),
        "statusListCredential": url,
    })
}

/// A civil-status office (`did:web:registry.gov.example#key-1`), and a resolver and a checker
/// that know its DID document.
fn office() -> (LocalSigner, OfflineResolver, DocumentCheck) {
    let key = KeyPair::from_secret_bytes(KeyAlgorithm::Ed25519, &TEST_SEED).unwrap();
    let mut doc = ControllerDocument::new("did:web:registry.gov.example");
    doc.add_key("key-1", &key.public_key(), &[ProofPurpose::AssertionMethod]);
    let resolver = OfflineResolver::new().with(doc);
    let checker = DocumentCheck::new(
        civitas_jsonld::contexts::ContextLoader::bundled(),
        resolver.clone(),
    );
    let signer = LocalSigner::new(key, "did:web:registry.gov.example#key-1");
    (signer, resolver, checker)
}

/// The sample of `kind` with a holder, issued by `signer` with status entries.
fn issued(kind: &DocumentType, signer: &LocalSigner) -> Credential {
    let (kind, subject) = samples::sample(kind.as_str(), Some(HOLDER));
    CredentialBuilder::new(signer.controller())
        .id("urn:uuid:6f0d8a52-3c1e-4b7a-9f2e-1d5c8b4a7e30")
        .valid_from(TEST_TIME.parse().unwrap())
        .status(status(94_567, "revocation"))
        .status(status(20_417, "suspension"))
        .document(&kind, subject)
        .build()
        .unwrap_or_else(|e| panic!("{kind}: {e}"))
}

#[tokio::test]
async fn every_bundled_type_round_trips_through_cv1_within_600_characters() {
    let (office, resolver, checker) = office();
    let kinds = DocumentType::all();
    assert!(kinds.len() >= 7, "{kinds:?}");
    let mut sizes = Vec::new();
    // (The did:key rows are printed for comparison: a did:key issuer writes its 32-byte key in
    // the kid, twice; the 600-character budget is for an office under did:web.)
    for kind in &kinds {
        for signer in [&office, &test_signer()] {
            let credential = issued(kind, signer);
            let text = compact::encode(&credential, signer)
                .await
                .unwrap_or_else(|e| panic!("{kind}: {e}"));
            assert!(text.starts_with(PREFIX), "{kind}");
            let read = compact::decode(&text).unwrap_or_else(|e| panic!("{kind}: {e}"));
            read.verify_signature(&resolver)
                .await
                .unwrap_or_else(|e| panic!("{kind}: {e}"));
            assert_eq!(read.document_type(), *kind);
            assert_eq!(read.kid(), signer.verification_method());
            // The same credential: every member, every value.
            assert_eq!(read.to_credential_json(), *credential.json(), "{kind}");
            let report =
                compact::check_compact_text(&checker, &text, &VerifyOptions::default()).await;
            assert_eq!(report.verdict, Verdict::Valid, "{kind}: {report}");

            let s = read.sizes();
            assert_eq!(s.text, text.chars().count());
            let by = if signer.controller().starts_with("did:web:") {
                "did:web"
            } else {
                "did:key"
            };
            println!(
                "{kind} ({by}): claims {} B, COSE {} B, compressed {} B, CV1 text {} chars",
                s.claims, s.cose, s.compressed, s.text
            );
            sizes.push((kind.to_string(), by, s.text));
        }
    }
    for (kind, by, chars) in sizes.iter().filter(|(_, by, _)| *by == "did:web") {
        assert!(
            *chars <= MAX_CV1_CHARS,
            "{kind} ({by}): {chars} characters of CV1 text, over {MAX_CV1_CHARS}"
        );
    }
}

/// Every member's JSON pointer, depth first, in document order.
fn member_order(value: &Value, at: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(o) => {
            for (k, v) in o {
                let here = format!("{at}/{k}");
                out.push(here.clone());
                member_order(v, &here, out);
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                member_order(v, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// SPEC §13 (subject key table): "The keys follow the order in which civitas writes members,
/// so the rebuilt JSON keeps it". The credential rebuilt from the CV1 text has its members in
/// the order civitas wrote them, for every bundled type.
#[tokio::test]
async fn every_bundled_type_keeps_its_member_order_through_cv1() {
    let signer = test_signer();
    let mut reordered = Vec::new();
    for kind in DocumentType::all() {
        let credential = issued(&kind, &signer);
        let text = compact::encode(&credential, &signer).await.unwrap();
        let read = compact::decode(&text).unwrap();
        assert_eq!(read.to_credential_json(), *credential.json(), "{kind}");
        let (mut want, mut got) = (Vec::new(), Vec::new());
        member_order(credential.json(), "", &mut want);
        member_order(read.credential_json(), "", &mut got);
        if let Some(i) = (0..want.len()).find(|&i| want.get(i) != got.get(i)) {
            reordered.push(format!(
                "{kind}: member {i} is {} where civitas wrote {}",
                got[i], want[i]
            ));
        }
    }
    assert!(
        reordered.is_empty(),
        "members rebuilt in another order:\n{}",
        reordered.join("\n")
    );
}
