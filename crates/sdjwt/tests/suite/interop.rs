//! Interop with the independent JS stack (`@sd-jwt/sd-jwt-vc` 0.19.0): it verifies civitas
//! SD-JWT VCs, full and subset with key binding, and refuses a tampered one.

use civitas_keys::keys::KeyAlgorithm;
use civitas_sdjwt::{select, with_key_binding};
use civitas_testkit::js::JsPeer;
use serde_json::{Value, json};

use crate::common::*;

fn request(f: &Fixture, sd_jwt: &str, kb: Value) -> Value {
    json!({
        "sdJwt": sd_jwt,
        "issuerJwk": f.issuer_key.public_key().to_jwk(),
        "kb": kb,
        "now": NOW,
    })
}

#[test]
fn js_verifies_a_civitas_sd_jwt_with_all_disclosures() {
    let Some(js) = JsPeer::get() else { return };
    for alg in [KeyAlgorithm::Ed25519, KeyAlgorithm::P256] {
        let f = Fixture::new(alg);
        let issued = issued(&f);
        let mut req = request(&f, &issued.sd_jwt, Value::Null);
        req["requiredClaims"] = json!(["givenName", "birthDate", "mother"]);
        let v = js.sd_jwt_verify(&req);
        assert!(v.verified && v.exit_code == 0, "{alg:?}: {v:?}");
        for (k, value) in claims() {
            assert_eq!(v.claims[&k], value, "{alg:?} {k}");
        }
        assert_eq!(v.claims["vct"], "urn:civitas:type:BirthCertificate");
    }
}

#[test]
fn js_verifies_a_subset_with_key_binding() {
    let Some(js) = JsPeer::get() else { return };
    for alg in [KeyAlgorithm::Ed25519, KeyAlgorithm::P256] {
        let f = Fixture::new(alg);
        let issued = issued(&f);
        let subset = select(&issued.sd_jwt, &paths(&["givenName", "mother.nationalId"])).unwrap();
        let presented = rt()
            .block_on(with_key_binding(&subset, &f.holder, AUD, NONCE, NOW))
            .unwrap();
        let v = js.sd_jwt_verify(&request(
            &f,
            &presented,
            json!({"aud": AUD, "nonce": NONCE}),
        ));
        assert!(v.verified && v.exit_code == 0, "{alg:?}: {v:?}");
        assert_eq!(v.raw["kb"]["payload"]["nonce"], NONCE);
        // Exactly the subset: the plain claims, givenName, mother (with nationalId), no
        // birthDate, no sibling, no father's nationalId.
        let claims = v.claims.as_object().unwrap();
        assert_eq!(claims["givenName"], "Marie");
        assert_eq!(
            claims["mother"],
            json!({"givenName": "Claire", "nationalId": MOTHER_ID})
        );
        assert_eq!(claims["father"], json!({"givenName": "Jean"}));
        assert_eq!(claims["siblings"], json!([]));
        assert!(!claims.contains_key("birthDate"));
        let mut keys: Vec<&str> = claims.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "cnf",
                "exp",
                "familyName",
                "father",
                "givenName",
                "iat",
                "iss",
                "mother",
                "registrationNumber",
                "siblings",
                "vct"
            ]
        );

        // The same presentation with another nonce or audience is refused.
        let v = js.sd_jwt_verify(&request(
            &f,
            &presented,
            json!({"aud": AUD, "nonce": "other"}),
        ));
        assert!(!v.verified && v.exit_code == 1, "{v:?}");
        let v = js.sd_jwt_verify(&request(
            &f,
            &presented,
            json!({"aud": "https://attacker.example", "nonce": NONCE}),
        ));
        assert!(!v.verified && v.exit_code == 1, "{v:?}");
    }
}

#[test]
fn js_refuses_a_tampered_sd_jwt() {
    let Some(js) = JsPeer::get() else { return };
    let f = Fixture::new(KeyAlgorithm::Ed25519);
    let issued = issued(&f);
    // A disclosure whose value was changed: its digest is in no `_sd`.
    let d = &issued.disclosures[0].disclosure;
    let forged =
        civitas_sdjwt::Disclosure::with_salt(d.salt.clone(), d.name.as_deref(), json!("Mallory"));
    let tampered = issued.sd_jwt.replacen(&d.encoded, &forged.encoded, 1);
    let v = js.sd_jwt_verify(&request(&f, &tampered, Value::Null));
    // Known deviation of @sd-jwt 0.19.0: RFC 9901 §7.1 says to refuse an SD-JWT with a
    // disclosure no digest references (civitas does: `DisclosureNotReferenced`); the JS stack
    // ignores it. It must at least never show the forged value.
    assert!(!v.raw.to_string().contains("Mallory"), "{v:?}");
    assert!(
        civitas_sdjwt::verify(
            &tampered,
            &f.issuer_key.public_key(),
            &civitas_sdjwt::VerifyOptions::new(NOW)
        )
        .is_err()
    );
    // A payload changed under the signature.
    let (header, mut payload, rest) = split(&issued.sd_jwt);
    payload["familyName"] = "Mallory".into();
    let sig = issued
        .sd_jwt
        .split('~')
        .next()
        .unwrap()
        .rsplit('.')
        .next()
        .unwrap();
    let jwt = format!(
        "{}.{}.{sig}",
        civitas_keys::encoding::base64url(header.to_string().as_bytes()),
        civitas_keys::encoding::base64url(payload.to_string().as_bytes())
    );
    let v = js.sd_jwt_verify(&request(&f, &format!("{jwt}~{rest}"), Value::Null));
    assert!(!v.verified && v.exit_code == 1, "{v:?}");
    // Signed by another issuer.
    let v = js.sd_jwt_verify(&request(
        &Fixture::new(KeyAlgorithm::Ed25519),
        &issued.sd_jwt,
        Value::Null,
    ));
    assert!(!v.verified && v.exit_code == 1, "{v:?}");
    // Not JSON: an input error.
    let v = js.sd_jwt_verify(&json!({"sdJwt": 1}));
    assert_eq!(v.exit_code, 2, "{v:?}");
}
