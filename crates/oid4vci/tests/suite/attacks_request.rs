use civitas_oid4vci::request::{MAX_REQUEST_BYTES, parse_credential_request};
use serde_json::json;

use crate::{BIRTH_LDP, issuer};

fn code(body: &[u8]) -> &'static str {
    parse_credential_request(body, &issuer().metadata)
        .unwrap_err()
        .code()
}

#[test]
fn unknown_configuration() {
    let body = json!({"credential_configuration_id": "PassportCredential_ldp_vc", "proofs": {"jwt": ["a.b.c"]}});
    assert_eq!(
        code(body.to_string().as_bytes()),
        "unknown_credential_configuration"
    );
    let body = json!({"format": "mso_mdoc", "credential_definition": {"type": ["VerifiableCredential"]}, "proof": {"proof_type": "jwt", "jwt": "a.b.c"}});
    assert_eq!(
        code(body.to_string().as_bytes()),
        "unknown_credential_configuration"
    );
}

#[test]
fn malformed_body() {
    assert_eq!(
        code(b"{\"credential_configuration_id\":"),
        "invalid_request"
    );
    assert_eq!(code(b"\"a string\""), "invalid_request");
    let body = json!({"credential_configuration_id": 7, "proofs": {"jwt": ["a.b.c"]}});
    assert_eq!(code(body.to_string().as_bytes()), "invalid_request");
    let body = json!({"credential_configuration_id": BIRTH_LDP, "proofs": {"jwt": "a.b.c"}});
    assert_eq!(code(body.to_string().as_bytes()), "invalid_request");
}

#[test]
fn a_repeated_member_name_is_refused_not_overwritten() {
    let body = format!(
        "{{\"credential_configuration_id\":\"PassportCredential_ldp_vc\",\"credential_configuration_id\":\"{BIRTH_LDP}\",\"proofs\":{{\"jwt\":[\"a.b.c\"]}}}}"
    );
    let e = parse_credential_request(body.as_bytes(), &issuer().metadata).unwrap_err();
    assert_eq!(e.code(), "invalid_request");
    assert!(e.to_string().contains("credential_configuration_id"), "{e}");
    // in an offer by value too
    let offer = "openid-credential-offer://?credential_offer=%7B%22credential_issuer%22%3A%22https%3A%2F%2Fa.example%22%2C%22credential_issuer%22%3A%22https%3A%2F%2Fb.example%22%2C%22credential_configuration_ids%22%3A%5B%22x%22%5D%7D";
    assert!(civitas_oid4vci::offer::parse_offer_uri(offer).is_err());
}

#[test]
fn both_proof_and_proofs() {
    let body = json!({
        "credential_configuration_id": BIRTH_LDP,
        "proofs": {"jwt": ["a.b.c"]},
        "proof": {"proof_type": "jwt", "jwt": "a.b.c"},
    });
    assert_eq!(code(body.to_string().as_bytes()), "invalid_request");
}

#[test]
fn no_proof() {
    let body = json!({"credential_configuration_id": BIRTH_LDP});
    assert_eq!(code(body.to_string().as_bytes()), "invalid_proof");
}

#[test]
fn oversized_body() {
    let body = format!("{{\"x\":\"{}\"}}", "a".repeat(MAX_REQUEST_BYTES));
    assert_eq!(code(body.as_bytes()), "invalid_request");
}
