//! Every DCQL validation error, with its JSON pointer.

use civitas_oid4vp::Oid4vpError;
use civitas_oid4vp::dcql::{DcqlQuery, FORMAT_LDP_VC, Meta};
use civitas_oid4vp::error::{DcqlError, DcqlProblem};
use civitas_oid4vp::limits::MAX_DCQL_BYTES;
use serde_json::{Value, json};

fn refused(q: Value) -> DcqlError {
    match DcqlQuery::parse(&q) {
        Err(Oid4vpError::Dcql(e)) => e,
        other => panic!("expected a DCQL error, got {other:?}"),
    }
}

fn sd(id: &str, claims: Value) -> Value {
    json!({"id": id, "format": "dc+sd-jwt", "meta": {"vct_values": ["urn:x"]}, "claims": claims})
}

fn check(q: Value, pointer: &str, problem: DcqlProblem) {
    let e = refused(q);
    assert_eq!(e.pointer, pointer, "{e}");
    assert_eq!(e.problem, problem, "{e}");
    assert!(e.to_string().contains(pointer));
}

#[test]
fn root_and_credentials() {
    check(json!([]), "", DcqlProblem::NotAnObject);
    check(json!({}), "/credentials", DcqlProblem::Missing);
    check(
        json!({"credentials": []}),
        "/credentials",
        DcqlProblem::Empty,
    );
    check(
        json!({"credentials": {}}),
        "/credentials",
        DcqlProblem::NotAnArray,
    );
    let many: Vec<Value> = (0..17)
        .map(|i| sd(&format!("c{i}"), json!([{"path": ["a"]}])))
        .collect();
    check(
        json!({"credentials": many}),
        "/credentials",
        DcqlProblem::TooMany { count: 17, max: 16 },
    );
}

#[test]
fn ids() {
    check(
        json!({"credentials": [sd("", json!([{"path": ["a"]}]))]}),
        "/credentials/0/id",
        DcqlProblem::InvalidId { id: String::new() },
    );
    check(
        json!({"credentials": [sd("a b", json!([{"path": ["a"]}]))]}),
        "/credentials/0/id",
        DcqlProblem::InvalidId { id: "a b".into() },
    );
    check(
        json!({"credentials": [{"format": "dc+sd-jwt", "meta": {"vct_values": ["x"]}}]}),
        "/credentials/0/id",
        DcqlProblem::Missing,
    );
    check(
        json!({"credentials": [sd("a", json!([{"path": ["x"]}])), sd("a", json!([{"path": ["y"]}]))]}),
        "/credentials/1/id",
        DcqlProblem::DuplicateId { id: "a".into() },
    );
    check(
        json!({"credentials": [sd("a", json!([{"id": "x", "path": ["x"]}, {"id": "x", "path": ["y"]}]))]}),
        "/credentials/0/claims/1/id",
        DcqlProblem::DuplicateId { id: "x".into() },
    );
}

#[test]
fn formats_and_meta() {
    check(
        json!({"credentials": [{"id": "a", "format": "vc+sd-jwt", "meta": {}}]}),
        "/credentials/0/format",
        DcqlProblem::UnknownFormat {
            format: "vc+sd-jwt".into(),
        },
    );
    check(
        json!({"credentials": [{"id": "a", "format": "dc+sd-jwt"}]}),
        "/credentials/0/meta",
        DcqlProblem::Missing,
    );
    check(
        json!({"credentials": [{"id": "a", "format": "dc+sd-jwt", "meta": {}}]}),
        "/credentials/0/meta",
        DcqlProblem::MissingMeta {
            format: "dc+sd-jwt",
            member: "vct_values",
        },
    );
    check(
        json!({"credentials": [{"id": "a", "format": "ldp_vc", "meta": {"vct_values": ["x"]}}]}),
        "/credentials/0/meta",
        DcqlProblem::MissingMeta {
            format: "ldp_vc",
            member: "type_values",
        },
    );
    check(
        json!({"credentials": [{"id": "a", "format": "jwt_vc_json", "meta": {"type_values": ["VC"]}}]}),
        "/credentials/0/meta/type_values/0",
        DcqlProblem::NotAnArray,
    );
    // The unknown format maps to `vp_formats_not_supported`.
    let e = DcqlQuery::parse(&json!({"credentials": [{"id": "a", "format": "x", "meta": {}}]}))
        .unwrap_err();
    assert_eq!(e.code(), "vp_formats_not_supported");
    assert!(DcqlQuery::single("a", FORMAT_LDP_VC, Meta::default(), &[]).is_err());
}

#[test]
fn claims_and_paths() {
    check(
        json!({"credentials": [sd("a", json!([]))]}),
        "/credentials/0/claims",
        DcqlProblem::Empty,
    );
    check(
        json!({"credentials": [sd("a", json!([{"path": ["x"]}, {"path": ["y"]}, {"path": []}]))]}),
        "/credentials/0/claims/2/path",
        DcqlProblem::Empty,
    );
    check(
        json!({"credentials": [sd("a", json!([{}]))]}),
        "/credentials/0/claims/0/path",
        DcqlProblem::Missing,
    );
    check(
        json!({"credentials": [sd("a", json!([{"path": ["x", -1]}]))]}),
        "/credentials/0/claims/0/path/1",
        DcqlProblem::InvalidPathElement,
    );
    check(
        json!({"credentials": [sd("a", json!([{"path": [true]}]))]}),
        "/credentials/0/claims/0/path/0",
        DcqlProblem::InvalidPathElement,
    );
    let long: Vec<&str> = vec!["k"; 17];
    check(
        json!({"credentials": [sd("a", json!([{"path": long}]))]}),
        "/credentials/0/claims/0/path",
        DcqlProblem::TooMany { count: 17, max: 16 },
    );
    let claims: Vec<Value> = (0..65)
        .map(|i| json!({"path": [format!("c{i}")]}))
        .collect();
    check(
        json!({"credentials": [sd("a", json!(claims))]}),
        "/credentials/0/claims",
        DcqlProblem::TooMany { count: 65, max: 64 },
    );
    check(
        json!({"credentials": [sd("a", json!([{"path": ["x"], "values": [{"a": 1}]}]))]}),
        "/credentials/0/claims/0/values/0",
        DcqlProblem::InvalidValue,
    );
    check(
        json!({"credentials": [sd("a", json!([{"path": ["x"], "values": [1.5]}]))]}),
        "/credentials/0/claims/0/values/0",
        DcqlProblem::InvalidValue,
    );
}

#[test]
fn claim_sets() {
    let mut q = json!({"credentials": [{"id": "a", "format": "dc+sd-jwt", "meta": {"vct_values": ["x"]}, "claim_sets": [["x"]]}]});
    check(
        q.clone(),
        "/credentials/0/claim_sets",
        DcqlProblem::ClaimSetsWithoutClaims,
    );
    q["credentials"][0]["claims"] = json!([{"id": "x", "path": ["x"]}, {"path": ["y"]}]);
    check(
        q.clone(),
        "/credentials/0/claims/1",
        DcqlProblem::ClaimIdRequired,
    );
    q["credentials"][0]["claims"] = json!([{"id": "x", "path": ["x"]}]);
    q["credentials"][0]["claim_sets"] = json!([["x"], ["x", "z"]]);
    check(
        q.clone(),
        "/credentials/0/claim_sets/1/1",
        DcqlProblem::UnknownClaimId { id: "z".into() },
    );
    q["credentials"][0]["claim_sets"] = json!([[]]);
    check(q, "/credentials/0/claim_sets/0", DcqlProblem::Empty);
}

#[test]
fn credential_sets() {
    let base = |sets: Value| json!({"credentials": [sd("a", json!([{"path": ["x"]}]))], "credential_sets": sets});
    check(base(json!([])), "/credential_sets", DcqlProblem::Empty);
    check(
        base(json!([{}])),
        "/credential_sets/0/options",
        DcqlProblem::Missing,
    );
    check(
        base(json!([{"options": [["a"], ["b"]]}])),
        "/credential_sets/0/options/1/0",
        DcqlProblem::UnknownCredentialId { id: "b".into() },
    );
    check(
        base(json!([{"options": [["a"]], "required": "yes"}])),
        "/credential_sets/0/required",
        DcqlProblem::NotABoolean,
    );
}

#[test]
fn booleans_and_authorities() {
    let mut q = json!({"credentials": [sd("a", json!([{"path": ["x"]}]))]});
    q["credentials"][0]["multiple"] = json!("true");
    check(
        q.clone(),
        "/credentials/0/multiple",
        DcqlProblem::NotABoolean,
    );
    q["credentials"][0]["multiple"] = json!(true);
    q["credentials"][0]["trusted_authorities"] = json!([{"type": "aki", "values": []}]);
    check(
        q.clone(),
        "/credentials/0/trusted_authorities/0/values",
        DcqlProblem::Empty,
    );
    q["credentials"][0]["trusted_authorities"] = json!([{"values": ["x"]}]);
    check(
        q,
        "/credentials/0/trusted_authorities/0/type",
        DcqlProblem::Missing,
    );
}

#[test]
fn oversized_and_malformed_bytes() {
    let big = vec![b' '; MAX_DCQL_BYTES + 1];
    assert!(matches!(
        DcqlQuery::from_slice(&big),
        Err(Oid4vpError::TooLarge { .. })
    ));
    assert!(matches!(
        DcqlQuery::from_slice(br#"{"credentials": [], "credentials": []}"#),
        Err(Oid4vpError::InvalidParameter {
            name: "dcql_query",
            ..
        })
    ));
    assert!(DcqlQuery::from_slice(b"\xff").is_err());
}
