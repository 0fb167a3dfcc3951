//! The W3C RDFC-1.0 test suite (vectors/w3c/rdf-canon) against civitas' RDFC-1.0
//! implementation, the one the Data Integrity fast path uses.
//!
//! Every entry runs except the two that name SHA-384 as the hash algorithm (`#test075c`,
//! `#test075m`): civitas canonicalizes with SHA-256 only, as eddsa-rdfc-2022 and
//! ecdsa-rdfc-2019 (P-256) require.

use crate::common;

use civitas_jsonld::canon::spec::{NQuadsError, canonicalize_nquads_with_map};
use serde_json::Value;

/// The work limit of the test runner: the negative test (a 10-node clique) must exceed it.
const LIMIT: u32 = 4096;

#[test]
fn rdfc10_test_suite() {
    let dir = common::vectors().join("w3c/rdf-canon/tests");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.jsonld")).unwrap())
            .unwrap();
    let entries = manifest["entries"].as_array().unwrap();
    let (mut passed, mut skipped, mut failures) = (0, Vec::new(), Vec::new());
    for e in entries {
        let id = e["id"].as_str().unwrap();
        let kind = e["type"].as_str().unwrap();
        if e.get("hashAlgorithm")
            .and_then(Value::as_str)
            .is_some_and(|h| h != "SHA256")
        {
            skipped.push(id);
            continue;
        }
        let input = std::fs::read_to_string(dir.join(e["action"].as_str().unwrap())).unwrap();
        let got = canonicalize_nquads_with_map(&input, LIMIT);
        let ok = match kind {
            "rdfc:RDFC10EvalTest" => {
                let want =
                    std::fs::read_to_string(dir.join(e["result"].as_str().unwrap())).unwrap();
                matches!(&got, Ok((text, _)) if *text == want)
            }
            "rdfc:RDFC10MapTest" => {
                let want: Value = serde_json::from_str(
                    &std::fs::read_to_string(dir.join(e["result"].as_str().unwrap())).unwrap(),
                )
                .unwrap();
                let want: Vec<(String, String)> = {
                    let mut v: Vec<(String, String)> = want
                        .as_object()
                        .unwrap()
                        .iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                        .collect();
                    v.sort();
                    v
                };
                matches!(&got, Ok((_, map)) if *map == want)
            }
            "rdfc:RDFC10NegativeEvalTest" => matches!(got, Err(NQuadsError::TooComplex(_))),
            other => panic!("unknown test type {other}"),
        };
        if ok {
            passed += 1;
        } else {
            failures.push(format!("{id} ({kind}): {got:?}"));
        }
    }
    println!(
        "RDFC-1.0: {passed} passed, {} skipped ({skipped:?}: SHA-384), {} failed",
        skipped.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
    assert_eq!(passed + skipped.len(), entries.len());
    assert_eq!(skipped.len(), 2);
}
