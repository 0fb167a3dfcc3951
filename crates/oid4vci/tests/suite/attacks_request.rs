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
