//! One test per attack: each is built to pass the other checks and fail exactly one.

use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::signer::LocalSigner;
use civitas_sdjwt::verify::{MAX_DISCLOSURES, MAX_SD_JWT_BYTES, VerifyOptions};
use civitas_sdjwt::{SdJwtError, select, verify, with_key_binding};
use serde_json::{Value, json};

use crate::common::*;

struct Setup {
    f: Fixture,
    sd_jwt: String,
}

fn setup() -> Setup {
    let f = Fixture::new(KeyAlgorithm::Ed25519);
    let sd_jwt = issued(&f).sd_jwt;
    Setup { f, sd_jwt }
}

impl Setup {
    fn verify(&self, text: &str) -> Result<civitas_sdjwt::VerifiedSdJwt, SdJwtError> {
        verify(
            text,
            &self.f.issuer_key.public_key(),
            &VerifyOptions::new(NOW),
        )
    }

    fn verify_kb(&self, text: &str) -> Result<civitas_sdjwt::VerifiedSdJwt, SdJwtError> {
        let options = VerifyOptions::new(NOW).require_key_binding(AUD, NONCE, 300);
        verify(text, &self.f.issuer_key.public_key(), &options)
    }

    fn subset(&self) -> String {
        select(&self.sd_jwt, &paths(&["givenName"])).unwrap()
    }

    fn bind(
        &self,
        presentation: &str,
        signer: &LocalSigner,
        aud: &str,
        nonce: &str,
        iat: i64,
    ) -> String {
        rt().block_on(with_key_binding(presentation, signer, aud, nonce, iat))
            .unwrap()
    }

    fn resign(&self, edit: impl FnOnce(&mut Value, &mut Value)) -> String {
        resign(&self.sd_jwt, &self.f.issuer_key, edit)
    }
}

#[test]
fn the_untouched_fixture_verifies() {
    let s = setup();
    s.verify(&s.sd_jwt).unwrap();
    let kb = s.bind(&s.subset(), &s.f.holder, AUD, NONCE, NOW);
    s.verify_kb(&kb).unwrap();
}

#[test]
fn disclosure_not_in_the_payload() {
    let s = setup();
    let forged = encode_disclosure(&json!(["c2FsdHNhbHRzYWx0", "nationality", "Atlantis"]));
    let count = s.sd_jwt.matches('~').count() - 1;
    let text = format!("{}{forged}~", s.sd_jwt);
    assert_eq!(
        s.verify(&text).unwrap_err(),
        SdJwtError::DisclosureNotReferenced { index: count }
    );
}

#[test]
fn same_disclosure_twice() {
    let s = setup();
    let first = s.sd_jwt.split('~').nth(1).unwrap();
    let text = format!("{}{first}~", s.sd_jwt);
    assert!(matches!(
        s.verify(&text).unwrap_err(),
        SdJwtError::DuplicateDisclosure { first: 0, .. }
    ));
}

#[test]
fn disclosure_of_a_claim_issued_in_plain() {
    let s = setup();
    let d = encode_disclosure(&json!(["c2FsdHNhbHRzYWx0", "familyName", "Mallory"]));
    let dg = digest(&d);
    let text = s.resign(|_, p| {
        p["_sd"].as_array_mut().unwrap().push(dg.into());
    });
    let err = s.verify(&format!("{text}{d}~")).unwrap_err();
    assert!(
        matches!(&err, SdJwtError::ClashingClaim { name, .. } if name == "familyName"),
        "{err}"
    );
}

#[test]
fn disclosure_of_a_reserved_name() {
    let s = setup();
    for name in ["_sd", "...", "vct", "exp"] {
        let d = encode_disclosure(&json!(["c2FsdHNhbHRzYWx0", name, "x"]));
        let dg = digest(&d);
        let text = s.resign(|_, p| {
            p["_sd"].as_array_mut().unwrap().push(dg.into());
        });
        let err = s.verify(&format!("{text}{d}~")).unwrap_err();
        assert!(
            matches!(err, SdJwtError::ClashingClaim { .. }),
            "{name}: {err}"
        );
    }
}

#[test]
fn same_digest_twice_in_the_payload() {
    let s = setup();
    let text = s.resign(|_, p| {
        let first = p["_sd"][0].clone();
        p["extra"] = json!({ "_sd": [first] });
    });
    assert!(matches!(
        s.verify(&text).unwrap_err(),
        SdJwtError::DuplicateDigest { .. }
    ));
}

#[test]
fn array_element_disclosure_referenced_as_a_property() {
    let s = setup();
    let d = encode_disclosure(&json!(["c2FsdHNhbHRzYWx0", "x"]));
    let dg = digest(&d);
    let text = s.resign(|_, p| {
        p["_sd"].as_array_mut().unwrap().push(dg.into());
    });
    assert!(matches!(
        s.verify(&format!("{text}{d}~")).unwrap_err(),
        SdJwtError::DisclosureKindMismatch { .. }
    ));
}

#[test]
fn kb_jwt_for_another_nonce() {
    let s = setup();
    let kb = s.bind(&s.subset(), &s.f.holder, AUD, "another-nonce", NOW);
    assert_eq!(s.verify_kb(&kb).unwrap_err(), SdJwtError::KeyBindingNonce);
}

#[test]
fn kb_jwt_for_another_audience() {
    let s = setup();
    let kb = s.bind(
        &s.subset(),
        &s.f.holder,
        "https://attacker.example",
        NONCE,
        NOW,
    );
    assert!(matches!(
        s.verify_kb(&kb).unwrap_err(),
        SdJwtError::KeyBindingAudience { .. }
    ));
}

#[test]
fn kb_jwt_stale() {
    let s = setup();
    let kb = s.bind(&s.subset(), &s.f.holder, AUD, NONCE, NOW - 3600);
    assert!(matches!(
        s.verify_kb(&kb).unwrap_err(),
        SdJwtError::KeyBindingStale {
            reason: "too old",
            ..
        }
    ));
}

#[test]
fn kb_jwt_from_the_future() {
    let s = setup();
    let kb = s.bind(&s.subset(), &s.f.holder, AUD, NONCE, NOW + 3600);
    assert!(matches!(
        s.verify_kb(&kb).unwrap_err(),
        SdJwtError::KeyBindingStale {
            reason: "in the future",
            ..
        }
    ));
}

#[test]
fn kb_jwt_with_the_wrong_sd_hash() {
    let s = setup();
    // A KB-JWT made for the full presentation, moved onto the subset.
    let full = s.bind(&s.sd_jwt, &s.f.holder, AUD, NONCE, NOW);
    let kb_jwt = full.rsplit('~').next().unwrap();
    let moved = format!("{}{kb_jwt}", s.subset());
    assert_eq!(s.verify_kb(&moved).unwrap_err(), SdJwtError::KeyBindingHash);
}

#[test]
fn kb_jwt_signed_by_another_key() {
    let s = setup();
    let thief = LocalSigner::new(
        KeyPair::generate(KeyAlgorithm::Ed25519),
        "did:example:thief#1",
    );
    let kb = s.bind(&s.subset(), &thief, AUD, NONCE, NOW);
    assert_eq!(
        s.verify_kb(&kb).unwrap_err(),
        SdJwtError::BadSignature { what: "KB-JWT" }
    );
}

#[test]
fn kb_jwt_with_the_wrong_typ() {
    let s = setup();
    let presented = s.subset();
    let kb = sign_jwt(
        &json!({"alg": "EdDSA", "typ": "JWT"}),
        &json!({"iat": NOW, "aud": AUD, "nonce": NONCE,
                "sd_hash": civitas_sdjwt::verify::sd_hash(&presented)}),
        &s.f.holder_key,
    );
    assert!(matches!(
        s.verify_kb(&format!("{presented}{kb}")).unwrap_err(),
        SdJwtError::WrongType { what: "KB-JWT", .. }
    ));
}

#[test]
fn kb_missing_when_required() {
    let s = setup();
    assert_eq!(
        s.verify_kb(&s.subset()).unwrap_err(),
        SdJwtError::KeyBindingMissing
    );
}

#[test]
fn tampered_disclosure_one_character() {
    let s = setup();
    let mut parts: Vec<String> = s.sd_jwt.split('~').map(str::to_owned).collect();
    let d = &mut parts[1];
    let i = d.len() / 2;
    let c = d.as_bytes()[i];
    let replacement = if c == b'A' { "B" } else { "A" };
    d.replace_range(i..=i, replacement);
    let err = s.verify(&parts.join("~")).unwrap_err();
    assert!(
        matches!(
            err,
            SdJwtError::DisclosureNotReferenced { index: 0 }
                | SdJwtError::Json { .. }
                | SdJwtError::MalformedDisclosure { index: 0, .. }
        ),
        "{err}"
    );
}

#[test]
fn tampered_disclosure_value() {
    let s = setup();
    let mut parts: Vec<String> = s.sd_jwt.split('~').map(str::to_owned).collect();
    let d = civitas_sdjwt::Disclosure::parse(&parts[1], 0).unwrap();
    let forged = civitas_sdjwt::Disclosure::with_salt(d.salt, d.name.as_deref(), json!("Mallory"));
    parts[1] = forged.encoded;
    assert_eq!(
        s.verify(&parts.join("~")).unwrap_err(),
        SdJwtError::DisclosureNotReferenced { index: 0 }
    );
}

#[test]
fn malformed_disclosures() {
    let s = setup();
    for (bad, expect_base64) in [
        ("!!!!", true),
        (&*encode_disclosure(&json!(["salt"])), false),
        (&*encode_disclosure(&json!(["salt", 1, "x"])), false),
        (&*encode_disclosure(&json!({"salt": 1})), false),
        (&*encode_disclosure(&json!([1, "x"])), false),
    ] {
        let err = s.verify(&format!("{}{bad}~", s.sd_jwt)).unwrap_err();
        if expect_base64 {
            assert!(matches!(err, SdJwtError::Base64 { offset: 0, .. }), "{err}");
        } else {
            assert!(
                matches!(err, SdJwtError::MalformedDisclosure { .. }),
                "{err}"
            );
        }
    }
    let empty = s.sd_jwt.replacen('~', "~~", 1);
    assert!(matches!(
        s.verify(&empty).unwrap_err(),
        SdJwtError::EmptyDisclosure { index: 0 }
    ));
}

#[test]
fn sd_alg_sha512_and_md5() {
    let s = setup();
    for alg in ["sha-512", "md5"] {
        let text = s.resign(|_, p| p["_sd_alg"] = alg.into());
        assert_eq!(
            s.verify(&text).unwrap_err(),
            SdJwtError::UnsupportedSdAlg { alg: alg.into() }
        );
    }
}

#[test]
fn header_typ_wrong() {
    let s = setup();
    for typ in [Some("JWT"), Some("vc+jwt"), None] {
        let text = s.resign(|h, _| match typ {
            Some(t) => h["typ"] = t.into(),
            None => {
                h.as_object_mut().unwrap().remove("typ");
            }
        });
        assert!(matches!(
            s.verify(&text).unwrap_err(),
            SdJwtError::WrongType {
                what: "issuer JWT",
                ..
            }
        ));
    }
}

#[test]
fn alg_none_and_hmac() {
    let s = setup();
    let (mut header, payload, rest) = split(&s.sd_jwt);
    for alg in ["none", "HS256", "RS256"] {
        header["alg"] = alg.into();
        let jwt = format!(
            "{}.{}.",
            civitas_keys::encoding::base64url(header.to_string().as_bytes()),
            civitas_keys::encoding::base64url(payload.to_string().as_bytes())
        );
        assert_eq!(
            s.verify(&format!("{jwt}~{rest}")).unwrap_err(),
            SdJwtError::AlgorithmNotAllowed {
                what: "issuer JWT",
                alg: alg.into()
            }
        );
    }
}

#[test]
fn alg_not_matching_the_key() {
    let s = setup();
    let text = s.resign(|h, _| h["alg"] = "ES256".into());
    assert!(matches!(
        s.verify(&text).unwrap_err(),
        SdJwtError::AlgorithmMismatch { .. }
    ));
}

#[test]
fn tampered_payload() {
    let s = setup();
    let (header, mut payload, rest) = split(&s.sd_jwt);
    let signature = s
        .sd_jwt
        .split('~')
        .next()
        .unwrap()
        .rsplit('.')
        .next()
        .unwrap();
    payload["familyName"] = "Mallory".into();
    let jwt = format!(
        "{}.{}.{signature}",
        civitas_keys::encoding::base64url(header.to_string().as_bytes()),
        civitas_keys::encoding::base64url(payload.to_string().as_bytes())
    );
    assert_eq!(
        s.verify(&format!("{jwt}~{rest}")).unwrap_err(),
        SdJwtError::BadSignature { what: "issuer JWT" }
    );
}

#[test]
fn signed_by_another_issuer() {
    let s = setup();
    let other = KeyPair::generate(KeyAlgorithm::Ed25519);
    let text = resign(&s.sd_jwt, &other, |_, _| {});
    assert_eq!(
        s.verify(&text).unwrap_err(),
        SdJwtError::BadSignature { what: "issuer JWT" }
    );
}

#[test]
fn expired() {
    let s = setup();
    let options = VerifyOptions::new(NOW + 7200);
    assert!(matches!(
        verify(&s.sd_jwt, &s.f.issuer_key.public_key(), &options).unwrap_err(),
        SdJwtError::Expired { .. }
    ));
}

#[test]
fn not_yet_valid_and_issued_in_the_future() {
    let s = setup();
    let text = s.resign(|_, p| p["nbf"] = (NOW + 600).into());
    assert!(matches!(
        s.verify(&text).unwrap_err(),
        SdJwtError::NotYetValid { .. }
    ));
    let text = s.resign(|_, p| p["iat"] = (NOW + 600).into());
    assert!(matches!(
        s.verify(&text).unwrap_err(),
        SdJwtError::IssuedInFuture { .. }
    ));
}

#[test]
fn vct_missing_or_not_a_string() {
    let s = setup();
    let text = s.resign(|_, p| {
        p.as_object_mut().unwrap().remove("vct");
    });
    assert!(matches!(
        s.verify(&text).unwrap_err(),
        SdJwtError::InvalidClaim { claim: "vct", .. }
    ));
    let text = s.resign(|_, p| p["vct"] = 7.into());
    assert!(matches!(
        s.verify(&text).unwrap_err(),
        SdJwtError::InvalidClaim { claim: "vct", .. }
    ));
}

#[test]
fn cnf_with_a_private_key_or_garbage() {
    let s = setup();
    let private = serde_json::to_value(s.f.holder_key.to_private_jwk()).unwrap();
    for cnf in [
        json!({"jwk": private}),
        json!({"jwk": {"kty": "RSA"}}),
        json!("x"),
        json!({"kid": "k"}),
    ] {
        let text = s.resign(|_, p| p["cnf"] = cnf.clone());
        assert!(
            matches!(s.verify(&text).unwrap_err(), SdJwtError::InvalidCnf { .. }),
            "{cnf}"
        );
    }
}

#[test]
fn too_large_too_many_too_deep() {
    let s = setup();
    let big = format!("{}{}~", s.sd_jwt, "A".repeat(MAX_SD_JWT_BYTES));
    assert!(matches!(
        s.verify(&big).unwrap_err(),
        SdJwtError::TooLarge { .. }
    ));
    let many = format!("{}{}", s.sd_jwt, "AA~".repeat(MAX_DISCLOSURES + 1));
    assert!(matches!(
        s.verify(&many).unwrap_err(),
        SdJwtError::TooManyDisclosures { .. }
    ));
    let mut deep = json!(1);
    for _ in 0..20 {
        deep = json!({"a": deep});
    }
    let text = s.resign(|_, p| p["deep"] = deep);
    assert!(matches!(
        s.verify(&text).unwrap_err(),
        SdJwtError::TooDeep { .. }
    ));
    assert_eq!(s.verify("a.b.c").unwrap_err(), SdJwtError::NotSdJwt);
    assert!(matches!(
        s.verify("a.b~").unwrap_err(),
        SdJwtError::JwsParts { count: 2, .. }
    ));
}

#[test]
fn a_self_referencing_disclosure_is_refused() {
    // A disclosure cannot hold its own digest, but two can hold each other's only if one of
    // them is also referenced from the payload: the cycle shows up as a digest seen twice.
    let s = setup();
    let inner = encode_disclosure(&json!(["c2FsdA", "x", 1]));
    let outer = encode_disclosure(&json!(["c2FsdA", "y", {"_sd": [digest(&inner)]}]));
    let (d_in, d_out) = (digest(&inner), digest(&outer));
    let text = s.resign(|_, p| {
        let sd = p["_sd"].as_array_mut().unwrap();
        sd.push(d_out.clone().into());
        sd.push(d_in.clone().into());
    });
    assert!(matches!(
        s.verify(&format!("{text}{inner}~{outer}~")).unwrap_err(),
        SdJwtError::DuplicateDigest { .. }
    ));
}
