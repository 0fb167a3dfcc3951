//! The W3C vc-di-eddsa test vectors: canonical forms, proofValue byte for byte, proof sets and
//! proof chains; and the credential signed by Digital Bazaar's JS stack.

use crate::common;

use civitas_core::data_integrity::{self, ProofOptions, canonical_forms};
use civitas_core::report::{CheckKind, Outcome, Verdict};
use civitas_core::verify::{DocumentCheck, VerifyOptions};
use civitas_keys::did::{ControllerDocument, MethodRef};
use civitas_keys::keys::KeyPair;
use civitas_keys::resolver::OfflineResolver;
use civitas_keys::signer::LocalSigner;
use common::{json, text, w3c_loader};
use serde_json::Value;

const DIR: &str = "w3c/vc-di-eddsa/TestVectors/";

fn signer(secret_multikey: &str) -> LocalSigner {
    LocalSigner::did_key(KeyPair::from_secret_multikey(secret_multikey).unwrap())
}

fn options_from(config: &Value) -> ProofOptions {
    ProofOptions {
        created: config["created"].as_str().map(|c| c.parse().unwrap()),
        id: config["id"].as_str().map(str::to_owned),
        previous_proof: match &config["previousProof"] {
            Value::String(s) => vec![s.clone()],
            Value::Array(a) => a.iter().map(|v| v.as_str().unwrap().to_owned()).collect(),
            _ => vec![],
        },
        ..ProofOptions::default()
    }
}

#[tokio::test]
async fn canonical_forms_match_both_rdfc_vectors() {
    let loader = w3c_loader();
    for (dir, unsigned) in [
        ("eddsa-rdfc-2022/", "unsigned.json"),
        ("eddsa-rdfc-2022/employ/", "employmentAuth.json"),
    ] {
        let doc = json(&format!("{DIR}{unsigned}"));
        let config = json(&format!("{DIR}{dir}proofConfigDataInt.json"));
        let (canon_doc, canon_proof) = canonical_forms(&doc, &config, &loader).await.unwrap();
        assert_eq!(
            canon_doc,
            text(&format!("{DIR}{dir}canonDocDataInt.txt")),
            "{dir}"
        );
        assert_eq!(
            canon_proof,
            text(&format!("{DIR}{dir}proofCanonDataInt.txt")),
            "{dir}"
        );
    }
}

#[tokio::test]
async fn signer_reproduces_proof_value_byte_for_byte() {
    let loader = w3c_loader();
    let key = json(&format!("{DIR}keyPair.json"));
    let s = signer(key["privateKeyMultibase"].as_str().unwrap());
    for (dir, unsigned) in [
        ("eddsa-rdfc-2022/", "unsigned.json"),
        ("eddsa-rdfc-2022/employ/", "employmentAuth.json"),
    ] {
        let doc = json(&format!("{DIR}{unsigned}"));
        let config = json(&format!("{DIR}{dir}proofConfigDataInt.json"));
        let signed = data_integrity::add_proof(&doc, &s, &options_from(&config), &loader)
            .await
            .unwrap();
        let want = json(&format!("{DIR}{dir}signedDataInt.json"));
        assert_eq!(
            signed["proof"]["proofValue"], want["proof"]["proofValue"],
            "{dir}"
        );
        assert_eq!(signed, want, "{dir}: the whole signed document");
        assert_eq!(
            signed["proof"]["proofValue"].as_str().unwrap(),
            text(&format!("{DIR}{dir}sigBTC58DataInt.txt")).trim()
        );
    }
}

#[tokio::test]
async fn signer_reproduces_proof_sets_and_chains() {
    let loader = w3c_loader();
    let keys = json(&format!("{DIR}proof-set-chain/multiKeyPairs.json"));
    let k = |n: u8| {
        signer(
            keys[format!("keyPair{n}")]["privateKeyMultibase"]
                .as_str()
                .unwrap(),
        )
    };
    let unsigned = json(&format!("{DIR}proof-set-chain/unsigned.json"));
    let c = |name: &str| json(&format!("{DIR}proof-set-chain/{name}"));

    let set1 = data_integrity::add_proof(
        &unsigned,
        &k(1),
        &options_from(&c("proofSetConfig1.json")),
        &loader,
    )
    .await
    .unwrap();
    assert_eq!(set1, c("signedProofSet1.json"));
    let set2 = data_integrity::add_proof(
        &set1,
        &k(2),
        &options_from(&c("proofSetConfig2.json")),
        &loader,
    )
    .await
    .unwrap();
    assert_eq!(set2, c("signedProofSet2.json"));
    let chain1 = data_integrity::add_proof(
        &set2,
        &k(3),
        &options_from(&c("proofChainConfig1.json")),
        &loader,
    )
    .await
    .unwrap();
    assert_eq!(chain1, c("signedProofChain1.json"));
    let chain2 = data_integrity::add_proof(
        &chain1,
        &k(4),
        &options_from(&c("proofChainConfig2.json")),
        &loader,
    )
    .await
    .unwrap();
    assert_eq!(chain2, c("signedProofChain2.json"));
}

/// The vectors' issuer is an https URL whose keys are did:keys: a verifier must be told (pinned
/// controller document) that the issuer authorizes them.
fn issuer_document(issuer: &str, methods: &[&str]) -> ControllerDocument {
    let mut doc = ControllerDocument::new(issuer);
    doc.assertion_method = methods
        .iter()
        .map(|m| MethodRef::Reference((*m).to_owned()))
        .collect();
    doc
}

fn methods(doc: &Value) -> Vec<String> {
    civitas_core::credential::one_or_many(doc.get("proof"))
        .iter()
        .map(|p| p["verificationMethod"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn checker_accepts_signed_vectors_sets_and_chains_with_a_pinned_issuer() {
    for file in [
        "eddsa-rdfc-2022/signedDataInt.json",
        "proof-set-chain/signedProofSet1.json",
        "proof-set-chain/signedProofSet2.json",
        "proof-set-chain/signedProofChain1.json",
        "proof-set-chain/signedProofChain2.json",
    ] {
        let doc = json(&format!("{DIR}{file}"));
        let ms = methods(&doc);
        let refs: Vec<&str> = ms.iter().map(String::as_str).collect();
        let resolver =
            OfflineResolver::new().with(issuer_document(doc["issuer"].as_str().unwrap(), &refs));
        let checker = DocumentCheck::new(w3c_loader(), resolver);
        let report = checker
            .verify(doc.to_string().as_bytes(), &VerifyOptions::default())
            .await;
        assert_eq!(report.verdict, Verdict::Valid, "{file}\n{report}");

        // Without the pinned issuer document, the signatures still verify but nothing binds the
        // did:key signers to the https issuer.
        let unpinned = DocumentCheck::new(w3c_loader(), OfflineResolver::new());
        let report = unpinned
            .verify(doc.to_string().as_bytes(), &VerifyOptions::default())
            .await;
        assert!(
            matches!(
                report.outcome(CheckKind::Signature),
                Some(Outcome::Passed { .. })
            ),
            "{file}\n{report}"
        );
        assert!(
            report
                .outcome(CheckKind::IssuerBinding)
                .unwrap()
                .is_failed(),
            "{file}\n{report}"
        );
    }
}

#[tokio::test]
async fn a_broken_chain_link_is_reported() {
    let mut doc = json(&format!("{DIR}proof-set-chain/signedProofChain2.json"));
    // Drop a proof that a later proof chains to.
    doc["proof"].as_array_mut().unwrap().remove(0);
    let report = DocumentCheck::new(w3c_loader(), OfflineResolver::new())
        .verify(doc.to_string().as_bytes(), &VerifyOptions::default())
        .await;
    let sig = report.outcome(CheckKind::Signature).unwrap();
    assert!(sig.text().contains("previousProof"), "{report}");
}

#[tokio::test]
async fn credential_signed_by_the_js_stack_verifies() {
    let doc = json("js-peer/sample-signed.json");
    let checker = DocumentCheck::new(w3c_loader(), OfflineResolver::new());
    let report = checker
        .verify(doc.to_string().as_bytes(), &VerifyOptions::default())
        .await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
    // The JS peer's key, given as a seed, reproduces its proofValue.
    let key = json("js-peer/sample-key.json");
    let seed = hex::decode(key["secretSeedHex"].as_str().unwrap()).unwrap();
    let s = LocalSigner::did_key(
        KeyPair::from_secret_bytes(civitas_keys::keys::KeyAlgorithm::Ed25519, &seed).unwrap(),
    );
    let unsigned = civitas_jsonld::member::without_proof(&doc);
    let opts = ProofOptions {
        created: Some("2025-01-01T00:00:00Z".parse().unwrap()),
        ..Default::default()
    };
    let ours = data_integrity::add_proof(&unsigned, &s, &opts, &w3c_loader())
        .await
        .unwrap();
    assert_eq!(ours["proof"]["proofValue"], doc["proof"]["proofValue"]);
}
