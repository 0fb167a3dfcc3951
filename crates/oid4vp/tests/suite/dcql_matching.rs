//! Claims path pointers and the matching of a query against a credential's claims.

use civitas_oid4vp::dcql::{DcqlQuery, PathElement, PathSelectError, match_claims, select};
use serde_json::json;

use crate::bank_query;

#[test]
fn bank_query_against_disclosed_claims() {
    let q = bank_query();
    let cq = &q.credentials[0];
    let full = json!({"vct": "urn:civitas:type:BirthCertificate", "givenName": "Marie", "familyName": "Curie", "birthDate": "1867-11-07"});
    let m = match_claims(cq, &full);
    assert!(m.satisfied);
    assert_eq!(m.paths.len(), 3);
    assert!(m.missing.is_empty());
    let partial = json!({"givenName": "Marie"});
    let m = match_claims(cq, &partial);
    assert!(!m.satisfied);
    assert_eq!(
        m.missing,
        vec![
            vec![PathElement::Key("familyName".into())],
            vec![PathElement::Key("birthDate".into())]
        ]
    );
}

#[test]
fn claim_sets_choose_first_satisfied_and_values_match() {
    let q = DcqlQuery::parse(&json!({"credentials": [{
        "id": "pid", "format": "dc+sd-jwt", "meta": {"vct_values": ["x"]},
        "claims": [
            {"id": "a", "path": ["last_name"], "values": ["Doe"]},
            {"id": "b", "path": ["postal_code"], "values": ["90210", "90211"]},
            {"id": "c", "path": ["locality"]}
        ],
        "claim_sets": [["a", "c"], ["a", "b"]]
    }]}))
    .unwrap();
    let cq = &q.credentials[0];
    let m = match_claims(cq, &json!({"last_name": "Doe", "postal_code": "90211"}));
    assert!(m.satisfied);
    assert_eq!(m.claim_set, Some(1));
    let m = match_claims(
        cq,
        &json!({"last_name": "Roe", "postal_code": "90211", "locality": "LA"}),
    );
    assert!(!m.satisfied);
    assert_eq!(m.claim_set, None);
    assert_eq!(m.missing, vec![vec![PathElement::Key("last_name".into())]]);
}

#[test]
fn w3c_paths_and_no_claims() {
    let q = DcqlQuery::parse(&json!({"credentials": [
        {"id": "vc", "format": "ldp_vc", "meta": {"type_values": [["BirthCertificate"]]},
         "claims": [{"path": ["credentialSubject", "parents", null, "name"], "values": ["Bronisława"]}]},
        {"id": "any", "format": "ldp_vc", "meta": {"type_values": [["X"]]}}
    ]}))
    .unwrap();
    let vc =
        json!({"credentialSubject": {"parents": [{"name": "Władysław"}, {"name": "Bronisława"}]}});
    assert!(match_claims(&q.credentials[0], &vc).satisfied);
    let m = match_claims(&q.credentials[1], &vc);
    assert!(m.satisfied && m.paths.is_empty());
}

#[test]
fn path_selection() {
    let v = json!({"a": [{"b": 1}, {"b": 2}, {"c": 3}], "s": "x"});
    let all = [
        PathElement::from("a"),
        PathElement::All,
        PathElement::from("b"),
    ];
    assert_eq!(select(&all, &v).unwrap(), vec![&json!(1), &json!(2)]);
    assert_eq!(
        select(&[PathElement::from("a"), PathElement::Index(2)], &v).unwrap(),
        vec![&json!({"c": 3})]
    );
    assert_eq!(
        select(&[PathElement::from("a"), PathElement::Index(9)], &v),
        Err(PathSelectError::NothingSelected { index: 1 })
    );
    assert_eq!(
        select(&[PathElement::from("s"), PathElement::All], &v),
        Err(PathSelectError::NotAnArray { index: 1 })
    );
    assert_eq!(
        select(&[PathElement::from("s"), PathElement::from("k")], &v),
        Err(PathSelectError::NotAnObject { index: 1 })
    );
    assert_eq!(
        select(&[PathElement::Index(u64::MAX)], &json!([1])),
        Err(PathSelectError::NothingSelected { index: 0 })
    );
}
