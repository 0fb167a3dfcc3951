use civitas_core::{canon, contexts::ContextLoader};
#[tokio::test]
async fn w3c_canon() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../vectors/w3c/");
    let ex = std::fs::read_to_string(format!("{dir}vc-data-model/contexts/credentials/examples/v2")).unwrap();
    let loader = ContextLoader::bundled().with_context("https://www.w3.org/ns/credentials/examples/v2", &ex).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(format!("{dir}vc-di-eddsa/TestVectors/unsigned.json")).unwrap()).unwrap();
    let c = canon::canonicalize(&doc, &loader).await.unwrap();
    let want = std::fs::read_to_string(format!("{dir}vc-di-eddsa/TestVectors/eddsa-rdfc-2022/canonDocDataInt.txt")).unwrap();
    assert_eq!(c, want);
    let pc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(format!("{dir}vc-di-eddsa/TestVectors/eddsa-rdfc-2022/proofConfigDataInt.json")).unwrap()).unwrap();
    let c = canon::canonicalize(&pc, &loader).await.unwrap();
    let want = std::fs::read_to_string(format!("{dir}vc-di-eddsa/TestVectors/eddsa-rdfc-2022/proofCanonDataInt.txt")).unwrap();
    assert_eq!(c, want);
}
