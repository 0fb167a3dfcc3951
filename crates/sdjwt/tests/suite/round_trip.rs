//! Issue → select a subset → key binding → verify, with Ed25519 and P-256.

use civitas_keys::encoding;
use civitas_keys::keys::KeyAlgorithm;
use civitas_sdjwt::present::select_claims_paths;
use civitas_sdjwt::verify::{KeyBindingPolicy, VerifyOptions};
use civitas_sdjwt::{SdJwtError, SdPath, SdStep, select, verify, with_key_binding};
use serde_json::{Value, json};

use crate::common::*;

fn round_trip(alg: KeyAlgorithm) {
    let f = Fixture::new(alg);
    let issued = issued(&f);
    let pk = f.issuer_key.public_key();
    assert!(issued.sd_jwt.ends_with('~'));

    // Everything disclosed: the claims come back as issued.
    let full = verify(&issued.sd_jwt, &pk, &VerifyOptions::new(NOW)).unwrap();
    for (k, v) in claims() {
        assert_eq!(full.claims[&k], v, "{k}");
    }
    assert_eq!(full.vct, "urn:civitas:type:BirthCertificate");
    assert_eq!(full.iss.as_deref(), Some(ISSUER));
    assert_eq!(full.kid.as_deref(), Some(KID));
    assert_eq!(full.exp, Some(NOW + 3600));
    assert_eq!(full.cnf, Some(f.holder_key.public_key()));
    assert!(!full.key_binding_verified());
    assert_eq!(full.disclosed.len(), issued.disclosures.len());
    for key in ["_sd", "_sd_alg", "..."] {
        assert!(!full.claims.contains_key(key));
        assert!(!full.claims["mother"].as_object().unwrap().contains_key(key));
    }

    // A subset with key binding.
    let subset = select(&issued.sd_jwt, &paths(&["givenName", "mother"])).unwrap();
    let presented = rt()
        .block_on(with_key_binding(&subset, &f.holder, AUD, NONCE, NOW - 5))
        .unwrap();
    let options = VerifyOptions::new(NOW).require_key_binding(AUD, NONCE, 300);
    let v = verify(&presented, &pk, &options).unwrap();
    assert!(v.key_binding_verified());
    let kb = v.key_binding.as_ref().unwrap();
    assert_eq!(
        (kb.aud.as_str(), kb.nonce.as_str(), kb.iat),
        (AUD, NONCE, NOW - 5)
    );
    assert_eq!(v.claims["givenName"], "Marie");
    assert_eq!(v.claims["familyName"], "Laurent"); // always visible
    assert_eq!(v.claims["mother"], json!({"givenName": "Claire"}));
    assert_eq!(v.claims["father"], json!({"givenName": "Jean"}));
    assert_eq!(v.claims["siblings"], json!([]));
    assert!(!v.claims.contains_key("birthDate"));
    let mut disclosed = v.disclosed.clone();
    disclosed.sort();
    assert_eq!(disclosed, paths(&["givenName", "mother"]));
}

#[test]
fn round_trip_ed25519() {
    round_trip(KeyAlgorithm::Ed25519);
}

#[test]
fn round_trip_p256() {
    round_trip(KeyAlgorithm::P256);
}

/// Every `~`-separated part of a presentation, base64url-decoded where it decodes.
fn decoded_text(presentation: &str) -> String {
    presentation
        .split(['~', '.'])
        .map(|p| {
            encoding::decode_base64url(p)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default()
                + p
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_subset_does_not_contain_undisclosed_values() {
    let f = Fixture::new(KeyAlgorithm::Ed25519);
    let issued = issued(&f);
    // The full SD-JWT has them (so the search below can find them).
    let full = decoded_text(&issued.sd_jwt);
    assert!(full.contains(MOTHER_ID) && full.contains(CHILD_NAME));
    let subset = select(&issued.sd_jwt, &paths(&["givenName", "mother"])).unwrap();
    let text = decoded_text(&subset);
    assert!(text.contains("Claire"), "the revealed mother is there");
    for secret in [MOTHER_ID, CHILD_NAME, "2020-03-01", "J0101197901234"] {
        assert!(!text.contains(secret), "{secret} leaked into {text}");
    }
}

#[test]
fn nested_reveal_brings_its_parent() {
    let f = Fixture::new(KeyAlgorithm::Ed25519);
    let issued = issued(&f);
    let subset = select(
        &issued.sd_jwt,
        &paths(&["mother.nationalId", "siblings[1]"]),
    )
    .unwrap();
    let v = verify(
        &subset,
        &f.issuer_key.public_key(),
        &VerifyOptions::new(NOW),
    )
    .unwrap();
    assert_eq!(
        v.claims["mother"],
        json!({"givenName": "Claire", "nationalId": MOTHER_ID})
    );
    assert_eq!(v.claims["siblings"], json!([{"name": "Louis"}]));
    assert_eq!(
        v.disclosed,
        paths(&["siblings[0]", "mother", "mother.nationalId"])
    );

    // The same with DCQL claims paths.
    let dcql = select_claims_paths(
        &issued.sd_jwt,
        &[json!(["mother", "nationalId"]), json!(["siblings", null])]
            .map(|v| v.as_array().cloned().unwrap_or_default()),
    )
    .unwrap();
    let v = verify(&dcql, &f.issuer_key.public_key(), &VerifyOptions::new(NOW)).unwrap();
    assert_eq!(v.claims["siblings"].as_array().unwrap().len(), 2);
    assert_eq!(v.claims["mother"]["nationalId"], MOTHER_ID);
}

#[test]
fn decoys_pad_every_sd_array() {
    let f = Fixture::new(KeyAlgorithm::Ed25519);
    let issued = issued(&f);
    let (header, payload, _) = split(&issued.sd_jwt);
    assert_eq!(header["typ"], "dc+sd-jwt");
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["kid"], KID);
    assert_eq!(payload["_sd_alg"], "sha-256");
    // givenName, birthDate, mother: 3 real digests, at least 2 decoys, a multiple of 4.
    let top = payload["_sd"].as_array().unwrap();
    assert_eq!(top.len(), 8);
    let father = payload["father"]["_sd"].as_array().unwrap();
    assert_eq!(father.len(), 4);
    assert!(father.len() > 1);
    // Sorted, all distinct.
    let mut sorted = top.clone();
    sorted.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    sorted.dedup();
    assert_eq!(&sorted, top);
    // The mother disclosure's value holds its own `_sd` (nationalId + decoys).
    let mother = issued
        .disclosures
        .iter()
        .find(|d| d.path == SdPath(vec![SdStep::Key("mother".into())]))
        .unwrap();
    assert_eq!(mother.disclosure.value["_sd"].as_array().unwrap().len(), 4);
    assert_eq!(mother.disclosure.value["givenName"], "Claire");
    // Array elements are references.
    assert!(payload["siblings"][0]["..."].is_string());
    // Salts are 128 bits, all different.
    let mut salts: Vec<&str> = issued
        .disclosures
        .iter()
        .map(|d| d.disclosure.salt.as_str())
        .collect();
    assert!(
        salts
            .iter()
            .all(|s| encoding::decode_base64url(s).unwrap().len() == 16)
    );
    salts.sort_unstable();
    salts.dedup();
    assert_eq!(salts.len(), issued.disclosures.len());
}

#[test]
fn paths_parse_and_print() {
    for text in ["a", "a.b", "spouses[]", "spouses[].nationalId", "m[2][].x"] {
        assert_eq!(SdPath::parse(text).unwrap().to_string(), text);
    }
    assert_eq!(
        SdPath::parse("spouses[].nationalId")
            .unwrap()
            .to_claims_path(),
        json!(["spouses", null, "nationalId"])
            .as_array()
            .unwrap()
            .clone()
    );
    assert_eq!(
        SdPath::from_claims_path(json!(["a", 0, null]).as_array().unwrap()).unwrap(),
        SdPath::parse("a[0][]").unwrap()
    );
    for bad in ["", "a.", ".a", "a[", "a]", "a[x]", "a[-1]", "a[]b"] {
        assert!(
            matches!(SdPath::parse(bad), Err(SdJwtError::InvalidPath { .. })),
            "{bad}"
        );
    }
    assert!(SdPath::from_claims_path(json!(["a", -1]).as_array().unwrap()).is_err());
    assert!(SdPath::from_claims_path(&[]).is_err());
    assert!(SdPath::from_claims_path(json!([true]).as_array().unwrap()).is_err());
}

#[test]
fn a_path_naming_nothing_is_skipped_and_reserved_claims_refused() {
    let f = Fixture::new(KeyAlgorithm::Ed25519);
    let mut o = options(&f);
    o.selectively_disclosable = paths(&["nothing", "mother.nothing", "givenName[]"]);
    let issued = rt()
        .block_on(civitas_sdjwt::issue(&claims(), &o, &f.issuer))
        .unwrap();
    assert!(issued.disclosures.is_empty());
    let (_, payload, _) = split(&issued.sd_jwt);
    assert!(payload.get("_sd").is_none());

    for reserved in ["iss", "vct", "cnf", "_sd", "status"] {
        o.selectively_disclosable = paths(&[reserved]);
        let err = rt()
            .block_on(civitas_sdjwt::issue(&claims(), &o, &f.issuer))
            .unwrap_err();
        assert!(matches!(err, SdJwtError::ReservedClaim { .. }), "{err}");
    }
    o.selectively_disclosable.clear();
    for reserved in ["exp", "_sd_alg", "..."] {
        let mut c = claims();
        c.insert(reserved.into(), Value::from(1));
        let err = rt()
            .block_on(civitas_sdjwt::issue(&c, &o, &f.issuer))
            .unwrap_err();
        assert!(matches!(err, SdJwtError::ReservedClaim { .. }), "{err}");
    }
    let mut c = claims();
    c.insert("mother".into(), json!({"_sd": []}));
    let err = rt()
        .block_on(civitas_sdjwt::issue(&c, &o, &f.issuer))
        .unwrap_err();
    assert!(
        matches!(&err, SdJwtError::ReservedClaim { path, .. } if path == "mother._sd"),
        "{err}"
    );
}

#[test]
fn status_reference_and_policies() {
    let f = Fixture::new(KeyAlgorithm::P256);
    let mut o = options(&f);
    o.status = Some(civitas_sdjwt::StatusReference {
        idx: 42,
        uri: "https://registry.example/status/1".into(),
    });
    o.sub = Some("did:example:holder".into());
    let issued = rt()
        .block_on(civitas_sdjwt::issue(&claims(), &o, &f.issuer))
        .unwrap();
    let pk = f.issuer_key.public_key();
    let v = verify(&issued.sd_jwt, &pk, &VerifyOptions::new(NOW)).unwrap();
    assert_eq!(v.status, o.status);
    assert_eq!(v.sub.as_deref(), Some("did:example:holder"));

    // Forbidden refuses a KB-JWT; Optional checks it without aud and nonce.
    let kb = rt()
        .block_on(with_key_binding(&issued.sd_jwt, &f.holder, AUD, NONCE, NOW))
        .unwrap();
    let mut forbid = VerifyOptions::new(NOW);
    forbid.key_binding = KeyBindingPolicy::Forbidden;
    assert!(matches!(
        verify(&kb, &pk, &forbid),
        Err(SdJwtError::UnexpectedKeyBinding { .. })
    ));
    assert!(verify(&issued.sd_jwt, &pk, &forbid).is_ok());
    let v = verify(&kb, &pk, &VerifyOptions::new(NOW)).unwrap();
    assert!(v.key_binding_verified());
    // A second KB-JWT, or selecting from a bound presentation, is refused.
    assert!(
        rt().block_on(with_key_binding(&kb, &f.holder, AUD, NONCE, NOW))
            .is_err()
    );
    assert!(select(&kb, &[]).is_err());
    // `verify_with` resolves the key by `kid`.
    let resolved = civitas_sdjwt::verify::verify_with(
        &issued.sd_jwt,
        &|kid| (kid == Some(KID)).then(|| pk.clone()),
        &VerifyOptions::new(NOW),
    );
    assert!(resolved.is_ok());
    let unknown =
        civitas_sdjwt::verify::verify_with(&issued.sd_jwt, &|_| None, &VerifyOptions::new(NOW));
    assert!(matches!(unknown, Err(SdJwtError::UnknownKey { .. })));
}

#[test]
fn legacy_typ_is_accepted() {
    let f = Fixture::new(KeyAlgorithm::Ed25519);
    let issued = issued(&f);
    let legacy = resign(&issued.sd_jwt, &f.issuer_key, |h, _| {
        h["typ"] = "vc+sd-jwt".into();
    });
    assert!(
        verify(
            &legacy,
            &f.issuer_key.public_key(),
            &VerifyOptions::new(NOW)
        )
        .is_ok()
    );
}
