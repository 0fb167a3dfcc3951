use chrono::Utc;
use civitas_keys::did;
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_oid4vci::codes::TokenRequest;
use civitas_oid4vci::metadata::authorization_server_metadata;
use civitas_oid4vci::offer::{
    CredentialOffer, PRE_AUTHORIZED_GRANT, ParsedOffer, offer_uri_by_reference, parse_offer_uri,
    percent_encode,
};
use civitas_oid4vci::proof::validate_jwt_proof;
use civitas_oid4vci::request::{CredentialResponse, RequestShape, parse_credential_request};
use serde_json::json;

use crate::{BIRTH_LDP, ISSUER, issuer, kid_header, payload, sign_jws};

fn whole_flow(alg: KeyAlgorithm, by_jwk: bool) {
    let now = Utc::now();
    let issuer = issuer();

    // Metadata, as the wallet reads them.
    let meta_json = serde_json::to_value(&issuer.metadata).unwrap();
    assert_eq!(meta_json["credential_issuer"], ISSUER);
    assert!(meta_json["credential_configurations_supported"][BIRTH_LDP].is_object());
    let as_meta = serde_json::to_value(authorization_server_metadata(ISSUER)).unwrap();
    let token_endpoint = as_meta["token_endpoint"].as_str().unwrap();
    assert!(token_endpoint.starts_with(ISSUER));

    // The office issues a code and an offer; the wallet scans the offer.
    let issued = issuer
        .codes
        .issue("record-42", vec![BIRTH_LDP.into()], now)
        .unwrap();
    let offer =
        CredentialOffer::pre_authorized(ISSUER, vec![BIRTH_LDP.into()], &issued.code, Some(6));
    let ParsedOffer::ByValue(scanned) = parse_offer_uri(&offer.to_uri().unwrap()).unwrap() else {
        panic!("by value expected");
    };
    let grant = scanned.grants.pre_authorized_code.unwrap();
    assert_eq!(grant.tx_code.unwrap().length, Some(6));
    assert_eq!(
        parse_offer_uri(&offer_uri_by_reference(&format!("{ISSUER}/offers/1"))).unwrap(),
        ParsedOffer::ByReference(format!("{ISSUER}/offers/1"))
    );

    // Token request with the transaction code the holder received by mail.
    let form = format!(
        "grant_type={}&pre-authorized_code={}&tx_code={}",
        percent_encode(PRE_AUTHORIZED_GRANT),
        percent_encode(&grant.pre_authorized_code),
        issued.tx_code.unwrap()
    );
    let token = issuer
        .codes
        .exchange(&TokenRequest::from_form(&form).unwrap(), now)
        .unwrap();

    // Nonce, proof, credential request.
    let c_nonce = issuer.nonces.issue(now).unwrap().c_nonce;
    let key = KeyPair::generate(alg);
    let mut header = kid_header(&key);
    if by_jwk {
        let h = header.as_object_mut().unwrap();
        h.remove("kid");
        h.insert(
            "jwk".into(),
            serde_json::to_value(key.public_key().to_jwk()).unwrap(),
        );
    }
    let jwt = sign_jws(&key, &header, &payload(&c_nonce, now));
    let body = json!({"credential_configuration_id": BIRTH_LDP, "proofs": {"jwt": [jwt]}});
    let request = parse_credential_request(body.to_string().as_bytes(), &issuer.metadata).unwrap();
    assert_eq!(request.shape, RequestShape::V1);
    let grant = issuer
        .codes
        .redeem_token(
            &token.access_token,
            &request.credential_configuration_id,
            now,
        )
        .unwrap();
    assert_eq!(grant.record_id, "record-42");
    let holder =
        validate_jwt_proof(&request.jwt_proofs[0], &issuer.policy, &issuer.nonces, now).unwrap();
    assert_eq!(holder.did, did::did_key(&key.public_key()));
    assert!(holder.did.starts_with("did:key:z"));

    let response = CredentialResponse::new(
        request.shape,
        vec![json!({"credentialSubject": {"id": holder.did}})],
        String::new(),
        0,
    )
    .unwrap();
    assert_eq!(
        response.to_json()["credentials"][0]["credential"]["credentialSubject"]["id"],
        holder.did
    );
}

#[test]
fn whole_flow_ed25519_kid() {
    whole_flow(KeyAlgorithm::Ed25519, false);
}

#[test]
fn whole_flow_p256_jwk() {
    whole_flow(KeyAlgorithm::P256, true);
}

#[test]
fn draft13_request_and_response() {
    let now = Utc::now();
    let issuer = issuer();
    let key = crate::holder();
    let c_nonce = issuer.nonces.issue(now).unwrap().c_nonce;
    let jwt = sign_jws(&key, &kid_header(&key), &payload(&c_nonce, now));
    let body = json!({
        "format": "jwt_vc_json",
        "credential_definition": {"type": ["VerifiableCredential", "MarriageCertificateCredential"]},
        "proof": {"proof_type": "jwt", "jwt": jwt},
    });
    let request = parse_credential_request(body.to_string().as_bytes(), &issuer.metadata).unwrap();
    assert_eq!(request.shape, RequestShape::Draft13);
    assert_eq!(
        request.credential_configuration_id,
        "MarriageCertificateCredential_jwt_vc_json"
    );
    validate_jwt_proof(&request.jwt_proofs[0], &issuer.policy, &issuer.nonces, now).unwrap();
    let next = issuer.nonces.issue(now).unwrap().c_nonce;
    let response = CredentialResponse::new(request.shape, vec![json!("ey.x.y")], next.clone(), 300)
        .unwrap()
        .to_json();
    assert_eq!(response["credential"], "ey.x.y");
    assert_eq!(response["c_nonce"], next);
}

#[test]
fn batch_of_proofs_shares_one_nonce() {
    use civitas_oid4vci::proof::validate_jwt_proofs;
    let now = Utc::now();
    let issuer = issuer();
    let (a, b) = (crate::holder(), KeyPair::generate(KeyAlgorithm::P256));
    let nonce = issuer.nonces.issue(now).unwrap().c_nonce;
    let proofs = vec![
        sign_jws(&a, &kid_header(&a), &payload(&nonce, now)),
        sign_jws(&b, &kid_header(&b), &payload(&nonce, now)),
    ];
    let holders = validate_jwt_proofs(&proofs, &issuer.policy, &issuer.nonces, now).unwrap();
    assert_eq!(holders[1].did, did::did_key(&b.public_key()));
    let e = validate_jwt_proofs(&proofs, &issuer.policy, &issuer.nonces, now).unwrap_err();
    assert_eq!(e.code(), "invalid_nonce");

    let (n1, n2) = (
        issuer.nonces.issue(now).unwrap().c_nonce,
        issuer.nonces.issue(now).unwrap().c_nonce,
    );
    let mixed = vec![
        sign_jws(&a, &kid_header(&a), &payload(&n1, now)),
        sign_jws(&b, &kid_header(&b), &payload(&n2, now)),
    ];
    let e = validate_jwt_proofs(&mixed, &issuer.policy, &issuer.nonces, now).unwrap_err();
    assert_eq!(e.code(), "invalid_nonce");
}
