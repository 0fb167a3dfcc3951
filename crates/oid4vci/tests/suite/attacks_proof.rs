use chrono::{Duration, Utc};
use civitas_keys::did;
use civitas_keys::keys::KeyAlgorithm;
use civitas_keys::keys::KeyPair;
use civitas_oid4vci::proof::{MAX_PROOF_BYTES, PROOF_TYP, validate_jwt_proof};
use serde_json::{Value, json};

use crate::{ISSUER, Issuer, b64, holder, issuer, kid_header, payload, sign_jws};

fn check(issuer: &Issuer, jwt: &str) -> &'static str {
    validate_jwt_proof(jwt, &issuer.policy, &issuer.nonces, Utc::now())
        .unwrap_err()
        .code()
}

fn fresh(issuer: &Issuer) -> String {
    issuer.nonces.issue(Utc::now()).unwrap().c_nonce
}

#[test]
fn wrong_nonce() {
    let issuer = issuer();
    let key = holder();
    let _issued = fresh(&issuer);
    let jwt = sign_jws(&key, &kid_header(&key), &payload("not-a-nonce", Utc::now()));
    assert_eq!(check(&issuer, &jwt), "invalid_nonce");
}

#[test]
fn missing_nonce() {
    let issuer = issuer();
    let key = holder();
    let jwt = sign_jws(
        &key,
        &kid_header(&key),
        &json!({"aud": ISSUER, "iat": Utc::now().timestamp()}),
    );
    assert_eq!(check(&issuer, &jwt), "invalid_nonce");
}

#[test]
fn expired_nonce() {
    let issuer = issuer();
    let key = holder();
    let old = Utc::now() - Duration::minutes(6);
    let nonce = issuer.nonces.issue(old).unwrap().c_nonce;
    let jwt = sign_jws(&key, &kid_header(&key), &payload(&nonce, Utc::now()));
    assert_eq!(check(&issuer, &jwt), "invalid_nonce");
}

#[test]
fn wrong_audience() {
    let issuer = issuer();
    let key = holder();
    let nonce = fresh(&issuer);
    let jwt = sign_jws(
        &key,
        &kid_header(&key),
        &json!({"aud": "https://evil.example", "iat": Utc::now().timestamp(), "nonce": nonce}),
    );
    assert_eq!(check(&issuer, &jwt), "invalid_proof");
    // The refused proof did not burn the nonce.
    let good = sign_jws(&key, &kid_header(&key), &payload(&nonce, Utc::now()));
    validate_jwt_proof(&good, &issuer.policy, &issuer.nonces, Utc::now()).unwrap();
}

#[test]
fn stale_iat() {
    let issuer = issuer();
    let key = holder();
    let nonce = fresh(&issuer);
    let jwt = sign_jws(
        &key,
        &kid_header(&key),
        &payload(&nonce, Utc::now() - Duration::minutes(6)),
    );
    assert_eq!(check(&issuer, &jwt), "invalid_proof");
}

#[test]
fn future_iat() {
    let issuer = issuer();
    let key = holder();
    let nonce = fresh(&issuer);
    let jwt = sign_jws(
        &key,
        &kid_header(&key),
        &payload(&nonce, Utc::now() + Duration::seconds(120)),
    );
    assert_eq!(check(&issuer, &jwt), "invalid_proof");
}

#[test]
fn alg_none() {
    let issuer = issuer();
    let key = holder();
    let nonce = fresh(&issuer);
    let mut header = kid_header(&key);
    header["alg"] = json!("none");
    let unsigned = format!(
        "{}.{}.",
        b64(header.to_string().as_bytes()),
        b64(payload(&nonce, Utc::now()).to_string().as_bytes())
    );
    assert_eq!(check(&issuer, &unsigned), "invalid_proof");
}

#[test]
fn alg_hs256() {
    let issuer = issuer();
    let key = holder();
    let nonce = fresh(&issuer);
    let mut header = kid_header(&key);
    header["alg"] = json!("HS256");
    let jwt = sign_jws(&key, &header, &payload(&nonce, Utc::now()));
    assert_eq!(check(&issuer, &jwt), "invalid_proof");
}

#[test]
fn alg_not_matching_the_key() {
    let issuer = issuer();
    let key = holder();
    let nonce = fresh(&issuer);
    let mut header = kid_header(&key);
    header["alg"] = json!("ES256");
    let jwt = sign_jws(&key, &header, &payload(&nonce, Utc::now()));
    assert_eq!(check(&issuer, &jwt), "invalid_proof");
}

#[test]
fn wrong_typ() {
    let issuer = issuer();
    let key = holder();
    let nonce = fresh(&issuer);
    let mut header = kid_header(&key);
    header["typ"] = json!("JWT");
    let jwt = sign_jws(&key, &header, &payload(&nonce, Utc::now()));
    assert_eq!(check(&issuer, &jwt), "invalid_proof");
}

#[test]
fn private_key_in_jwk_header() {
    let issuer = issuer();
    let key = holder();
    let nonce = fresh(&issuer);
    let header = json!({
        "typ": PROOF_TYP,
        "alg": "EdDSA",
        "jwk": serde_json::to_value(key.to_private_jwk()).unwrap(),
    });
    assert!(header["jwk"]["d"].is_string());
    let jwt = sign_jws(&key, &header, &payload(&nonce, Utc::now()));
    assert_eq!(check(&issuer, &jwt), "invalid_proof");
}

#[test]
fn both_kid_and_jwk() {
    let issuer = issuer();
    let key = holder();
    let nonce = fresh(&issuer);
    let mut header = kid_header(&key);
    header["jwk"] = serde_json::to_value(key.public_key().to_jwk()).unwrap();
    let jwt = sign_jws(&key, &header, &payload(&nonce, Utc::now()));
    assert_eq!(check(&issuer, &jwt), "invalid_proof");
}

#[test]
fn neither_kid_nor_jwk() {
    let issuer = issuer();
    let key = holder();
    let nonce = fresh(&issuer);
    let jwt = sign_jws(
        &key,
        &json!({"typ": PROOF_TYP, "alg": "EdDSA"}),
        &payload(&nonce, Utc::now()),
    );
    assert_eq!(check(&issuer, &jwt), "invalid_proof");
}

#[test]
fn kid_that_does_not_resolve() {
    let issuer = issuer();
    let key = holder();
    for kid in [
        "did:key:zNotAKey#zNotAKey".to_owned(),
        "did:web:evil.example#key-1".to_owned(),
        did::did_key(&key.public_key()),
        format!("{}#other", did::did_key(&key.public_key())),
    ] {
        let nonce = fresh(&issuer);
        let header = json!({"typ": PROOF_TYP, "alg": "EdDSA", "kid": kid});
        let jwt = sign_jws(&key, &header, &payload(&nonce, Utc::now()));
        assert_eq!(check(&issuer, &jwt), "invalid_proof", "{kid}");
    }
}

#[test]
fn signed_by_another_key_than_the_header_names() {
    let issuer = issuer();
    let named = holder();
    let signer = holder();
    for header in [
        kid_header(&named),
        json!({"typ": PROOF_TYP, "alg": "EdDSA", "jwk": named.public_key().to_jwk()}),
    ] {
        let nonce = fresh(&issuer);
        let jwt = sign_jws(&signer, &header, &payload(&nonce, Utc::now()));
        assert_eq!(check(&issuer, &jwt), "invalid_proof");
    }
    let p256 = KeyPair::generate(KeyAlgorithm::P256);
    let other = KeyPair::generate(KeyAlgorithm::P256);
    let nonce = fresh(&issuer);
    let jwt = sign_jws(&other, &kid_header(&p256), &payload(&nonce, Utc::now()));
    assert_eq!(check(&issuer, &jwt), "invalid_proof");
}

#[test]
fn tampered_payload() {
    let issuer = issuer();
    let key = holder();
    let nonce = fresh(&issuer);
    let jwt = sign_jws(&key, &kid_header(&key), &payload(&nonce, Utc::now()));
    let parts: Vec<&str> = jwt.split('.').collect();
    let forged = json!({"aud": ISSUER, "iat": Utc::now().timestamp(), "nonce": nonce, "x": 1});
    let jwt = format!(
        "{}.{}.{}",
        parts[0],
        b64(forged.to_string().as_bytes()),
        parts[2]
    );
    assert_eq!(check(&issuer, &jwt), "invalid_proof");
}

#[test]
fn oversized_jws() {
    let issuer = issuer();
    let key = holder();
    let nonce = fresh(&issuer);
    let mut body = payload(&nonce, Utc::now());
    body["padding"] = Value::String("a".repeat(MAX_PROOF_BYTES));
    let jwt = sign_jws(&key, &kid_header(&key), &body);
    assert!(jwt.len() > MAX_PROOF_BYTES);
    let e = validate_jwt_proof(&jwt, &issuer.policy, &issuer.nonces, Utc::now()).unwrap_err();
    assert_eq!(e.code(), "invalid_proof");
    assert!(e.description().contains("larger"));
}

#[test]
fn crit_header() {
    let issuer = issuer();
    let key = holder();
    let nonce = fresh(&issuer);
    let mut header = kid_header(&key);
    header["crit"] = json!(["b64"]);
    let jwt = sign_jws(&key, &header, &payload(&nonce, Utc::now()));
    assert_eq!(check(&issuer, &jwt), "invalid_proof");
}

#[test]
fn expired_exp() {
    let issuer = issuer();
    let key = holder();
    let nonce = fresh(&issuer);
    let mut body = payload(&nonce, Utc::now());
    body["exp"] = json!(Utc::now().timestamp() - 1);
    let jwt = sign_jws(&key, &kid_header(&key), &body);
    assert_eq!(check(&issuer, &jwt), "invalid_proof");
}
