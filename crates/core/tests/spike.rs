use civitas_core::{contexts::ContextLoader, data_integrity, keys::KeyPair, resolver::OfflineResolver, signer::LocalSigner};
#[tokio::test]
async fn w3c_sign() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../vectors/w3c/");
    let ex = std::fs::read_to_string(format!("{dir}vc-data-model/contexts/credentials/examples/v2")).unwrap();
    let loader = ContextLoader::bundled().with_context("https://www.w3.org/ns/credentials/examples/v2", &ex).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(format!("{dir}vc-di-eddsa/TestVectors/unsigned.json")).unwrap()).unwrap();
    let key = KeyPair::from_secret_multikey("z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq").unwrap();
    let signer = LocalSigner::did_key(key);
    let opts = data_integrity::ProofOptions { created: Some("2023-02-24T23:36:38Z".parse().unwrap()), ..Default::default() };
    let signed = data_integrity::add_proof(&doc, &signer, &opts, &loader).await.unwrap();
    let want: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(format!("{dir}vc-di-eddsa/TestVectors/eddsa-rdfc-2022/signedDataInt.json")).unwrap()).unwrap();
    assert_eq!(signed["proof"]["proofValue"], want["proof"]["proofValue"]);
    let r = data_integrity::verify_proofs(&want, &OfflineResolver::new(), &loader, chrono::Utc::now()).await;
    assert!(r[0].result.is_ok(), "{r:?}");
    for f in ["signedProofSet2.json", "signedProofChain2.json", "signedProofChain1.json", "signedProofSet1.json"] {
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(format!("{dir}vc-di-eddsa/TestVectors/proof-set-chain/{f}")).unwrap()).unwrap();
        let r = data_integrity::verify_proofs(&v, &OfflineResolver::new(), &loader, chrono::Utc::now()).await;
        assert!(r.iter().all(|p| p.result.is_ok()), "{f}: {r:?}");
        println!("{f}: {} proofs", r.len());
    }
}
