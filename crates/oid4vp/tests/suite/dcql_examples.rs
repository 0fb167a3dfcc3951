//! The DCQL examples of OpenID4VP 1.0 §6.4 and the civitas bank query.

use civitas_oid4vp::dcql::{DcqlQuery, PathElement, claim_paths};
use serde_json::json;

use crate::bank_query;

#[test]
fn spec_simple_sd_jwt() {
    let q = DcqlQuery::parse(&json!({
      "credentials": [{
          "id": "my_credential",
          "format": "dc+sd-jwt",
          "meta": {"vct_values": ["https://credentials.example.com/identity_credential"]},
          "claims": [
              {"path": ["last_name"]},
              {"path": ["first_name"]},
              {"path": ["address", "street_address"]}
          ]
      }]
    }))
    .unwrap();
    let c = &q.credentials[0];
    assert_eq!(c.id, "my_credential");
    assert!(!c.multiple);
    assert!(c.require_cryptographic_holder_binding);
    assert_eq!(
        claim_paths(c)[2],
        vec![
            PathElement::Key("address".into()),
            PathElement::Key("street_address".into())
        ]
    );
}

#[test]
fn spec_mdoc() {
    let q = DcqlQuery::parse(&json!({
      "credentials": [{
          "id": "my_credential",
          "format": "mso_mdoc",
          "meta": {"doctype_value": "org.iso.7367.1.mVRC"},
          "claims": [
            {"path": ["org.iso.7367.1", "vehicle_holder"], "intent_to_retain": false},
            {"path": ["org.iso.18013.5.1", "first_name"]}
          ]
      }]
    }))
    .unwrap();
    assert_eq!(
        q.credentials[0].meta.doctype_value.as_deref(),
        Some("org.iso.7367.1.mVRC")
    );
}

#[test]
fn spec_credential_sets() {
    let pid = |id: &str, claims: serde_json::Value| {
        json!({"id": id, "format": "dc+sd-jwt",
               "meta": {"vct_values": ["https://credentials.example.com/identity_credential"]},
               "claims": claims})
    };
    let q = DcqlQuery::parse(&json!({
      "credentials": [
        pid("pid", json!([{"path": ["given_name"]}, {"path": ["family_name"]}, {"path": ["address", "street_address"]}])),
        pid("other_pid", json!([{"path": ["given_name"]}, {"path": ["family_name"]}, {"path": ["address", "street_address"]}])),
        pid("pid_reduced_cred_1", json!([{"path": ["family_name"]}, {"path": ["given_name"]}])),
        pid("pid_reduced_cred_2", json!([{"path": ["postal_code"]}, {"path": ["locality"]}, {"path": ["region"]}])),
        {"id": "nice_to_have", "format": "dc+sd-jwt",
         "meta": {"vct_values": ["https://company.example/company_rewards"]},
         "claims": [{"path": ["rewards_number"]}]}
      ],
      "credential_sets": [
        {"options": [["pid"], ["other_pid"], ["pid_reduced_cred_1", "pid_reduced_cred_2"]]},
        {"required": false, "options": [["nice_to_have"]]}
      ]
    }))
    .unwrap();
    let sets = q.credential_sets.as_ref().unwrap();
    assert!(sets[0].required);
    assert!(!sets[1].required);
    assert_eq!(sets[0].options[2].len(), 2);
}

#[test]
fn spec_claim_sets_and_values() {
    let q = DcqlQuery::parse(&json!({
      "credentials": [{
          "id": "pid",
          "format": "dc+sd-jwt",
          "meta": {"vct_values": ["https://credentials.example.com/identity_credential"]},
          "claims": [
            {"id": "a", "path": ["last_name"], "values": ["Doe"]},
            {"id": "b", "path": ["postal_code"], "values": ["90210", "90211"]},
            {"id": "c", "path": ["locality"]},
            {"id": "d", "path": ["region"]},
            {"id": "e", "path": ["date_of_birth"]},
            {"id": "f", "path": ["nationalities", null]},
            {"id": "g", "path": ["degrees", 0, "type"], "values": [1, true]}
          ],
          "claim_sets": [["a", "c", "d", "e"], ["a", "b", "e"]]
      }]
    }))
    .unwrap();
    let c = &q.credentials[0];
    assert_eq!(c.claim_sets.as_ref().unwrap()[1], vec!["a", "b", "e"]);
    assert_eq!(c.claims.as_ref().unwrap()[5].path[1], PathElement::All);
    assert_eq!(c.claims.as_ref().unwrap()[6].path[1], PathElement::Index(0));
}

#[test]
fn spec_w3c_formats() {
    let q = DcqlQuery::parse(&json!({
      "credentials": [
        {"id": "example_ldp_vc", "format": "ldp_vc",
         "meta": {"type_values": [["IDCredential"]]},
         "claims": [{"path": ["credentialSubject", "family_name"]}, {"path": ["credentialSubject", "given_name"]}]},
        {"id": "example_jwt_vc", "format": "jwt_vc_json",
         "meta": {"type_values": [["https://example.org/examples#AlumniCredential", "https://example.org/examples#BachelorDegree"]]},
         "trusted_authorities": [{"type": "aki", "values": ["s9tIpPmhxdiuNkHMEWNpYim8S8Y"]}],
         "multiple": true, "require_cryptographic_holder_binding": false}
      ]
    }))
    .unwrap();
    let jwt = &q.credentials[1];
    assert!(jwt.multiple);
    assert!(!jwt.require_cryptographic_holder_binding);
    assert_eq!(jwt.trusted_authorities.as_ref().unwrap()[0].kind, "aki");
    assert!(jwt.claims.is_none());
}

#[test]
fn bank_query_round_trip() {
    let q = bank_query();
    let v = q.to_value();
    assert_eq!(
        v,
        json!({"credentials": [{
            "id": "birth", "format": "dc+sd-jwt",
            "meta": {"vct_values": ["urn:civitas:type:BirthCertificate"]},
            "claims": [{"path": ["givenName"]}, {"path": ["familyName"]}, {"path": ["birthDate"]}],
            "require_cryptographic_holder_binding": true
        }]})
    );
    assert_eq!(DcqlQuery::parse(&v).unwrap(), q);
    assert_eq!(DcqlQuery::from_slice(v.to_string().as_bytes()).unwrap(), q);
    let back: DcqlQuery = serde_json::from_value(v).unwrap();
    assert_eq!(back, q);
}
