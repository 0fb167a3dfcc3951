//! Every attack on a request object: each one built to fail.

use chrono::Duration;
use civitas_keys::did::did_key_method;
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::resolver::OfflineResolver;
use civitas_oid4vp::Oid4vpError;
use civitas_oid4vp::limits::MAX_REQUEST_OBJECT_BYTES;
use civitas_oid4vp::request::{sign_request_object, verify_request_object};
use serde_json::{Value, json};

use crate::{Bank, b64, bank, now, parts, request, sign_jws};

async fn verify(jwt: &str, client_id: &str) -> Oid4vpError {
    verify_request_object(jwt, client_id, &OfflineResolver::new(), now())
        .await
        .unwrap_err()
}

/// A request object of the bank with `edit` applied to its header and payload, re-signed.
async fn edited(bank: &Bank, edit: impl FnOnce(&mut Value, &mut Value)) -> String {
    let jwt = sign_request_object(&request(bank), &bank.signer)
        .await
        .unwrap();
    let (mut h, mut p) = parts(&jwt);
    edit(&mut h, &mut p);
    sign_jws(&bank.key, &h, &p)
}

#[tokio::test]
async fn client_id_differs_from_the_link() {
    let bank = bank();
    let jwt = sign_request_object(&request(&bank), &bank.signer)
        .await
        .unwrap();
    let other = bank_other_client_id();
    let e = verify(&jwt, &other).await;
    assert!(matches!(e, Oid4vpError::ClientIdMismatch { .. }), "{e}");
    assert_eq!(e.code(), "invalid_client");
}

fn bank_other_client_id() -> String {
    let k = KeyPair::generate(KeyAlgorithm::Ed25519);
    format!(
        "decentralized_identifier:{}",
        civitas_keys::did::did_key(&k.public_key())
    )
}

#[tokio::test]
async fn kid_of_another_did() {
    let bank = bank();
    let attacker = KeyPair::generate(KeyAlgorithm::Ed25519);
    let jwt = sign_request_object(&request(&bank), &bank.signer)
        .await
        .unwrap();
    let (mut h, p) = parts(&jwt);
    h["kid"] = json!(did_key_method(&attacker.public_key()));
    let forged = sign_jws(&attacker, &h, &p);
    let e = verify(&forged, &bank.client_id).await;
    assert!(matches!(e, Oid4vpError::SignerNotClientId { .. }), "{e}");
}

#[tokio::test]
async fn tampered_payload() {
    let bank = bank();
    let jwt = sign_request_object(&request(&bank), &bank.signer)
        .await
        .unwrap();
    let (_, mut p) = parts(&jwt);
    p["response_uri"] = json!("https://evil.example/collect");
    let mut pieces: Vec<String> = jwt.split('.').map(str::to_owned).collect();
    pieces[1] = b64(p.to_string().as_bytes());
    let e = verify(&pieces.join("."), &bank.client_id).await;
    assert!(matches!(e, Oid4vpError::BadSignature(_)), "{e}");
    assert_eq!(e.code(), "invalid_request_object");
}

#[tokio::test]
async fn alg_none_and_hs256() {
    let bank = bank();
    let jwt = sign_request_object(&request(&bank), &bank.signer)
        .await
        .unwrap();
    let (mut h, p) = parts(&jwt);
    h["alg"] = json!("none");
    let unsigned = format!(
        "{}.{}.",
        b64(h.to_string().as_bytes()),
        b64(p.to_string().as_bytes())
    );
    let e = verify(&unsigned, &bank.client_id).await;
    assert_eq!(e, Oid4vpError::AlgNotAllowed { alg: "none".into() });
    h["alg"] = json!("HS256");
    let forged = sign_jws(&bank.key, &h, &p);
    assert!(matches!(
        verify(&forged, &bank.client_id).await,
        Oid4vpError::AlgNotAllowed { .. }
    ));
}

#[tokio::test]
async fn expired_request() {
    let bank = bank();
    let jwt = edited(&bank, |_, p| {
        p["exp"] = json!((now() - Duration::seconds(1)).timestamp())
    })
    .await;
    assert!(matches!(
        verify(&jwt, &bank.client_id).await,
        Oid4vpError::Expired { .. }
    ));
    let jwt = edited(&bank, |_, p| {
        p.as_object_mut().unwrap().remove("exp");
    })
    .await;
    assert_eq!(
        verify(&jwt, &bank.client_id).await,
        Oid4vpError::MissingParameter { name: "exp" }
    );
    let jwt = edited(&bank, |_, p| {
        p["iat"] = json!((now() + Duration::minutes(10)).timestamp())
    })
    .await;
    assert!(matches!(
        verify(&jwt, &bank.client_id).await,
        Oid4vpError::IssuedInFuture { .. }
    ));
}

#[tokio::test]
async fn wrong_typ() {
    let bank = bank();
    let jwt = edited(&bank, |h, _| h["typ"] = json!("JWT")).await;
    assert_eq!(
        verify(&jwt, &bank.client_id).await,
        Oid4vpError::WrongTyp {
            found: Some("JWT".into())
        }
    );
    let jwt = edited(&bank, |h, _| {
        h.as_object_mut().unwrap().remove("typ");
    })
    .await;
    assert_eq!(
        verify(&jwt, &bank.client_id).await,
        Oid4vpError::WrongTyp { found: None }
    );
}

#[tokio::test]
async fn crit_header() {
    let bank = bank();
    let jwt = edited(&bank, |h, _| h["crit"] = json!(["b64"])).await;
    assert_eq!(
        verify(&jwt, &bank.client_id).await,
        Oid4vpError::CriticalHeader
    );
}

#[tokio::test]
async fn http_response_uri_to_a_remote_host() {
    let bank = bank();
    for uri in [
        "http://bank.example/r",
        "http://127.0.0.1.evil.example/r",
        "https://127.0.0.1@evil.example/r",
        "ftp://bank.example/r",
        "https:///r",
    ] {
        let jwt = edited(&bank, |_, p| p["response_uri"] = json!(uri)).await;
        let e = verify(&jwt, &bank.client_id).await;
        assert!(
            matches!(
                e,
                Oid4vpError::NotHttps {
                    name: "response_uri",
                    ..
                }
            ),
            "{uri}: {e}"
        );
    }
}

#[tokio::test]
async fn other_client_id_prefixes() {
    let bank = bank();
    for (client_id, expected) in [
        (
            "x509_san_dns:bank.example",
            Oid4vpError::UnsupportedClientIdPrefix {
                prefix: "x509_san_dns".into(),
            },
        ),
        (
            "https://bank.example",
            Oid4vpError::UnsupportedClientIdPrefix {
                prefix: "pre-registered".into(),
            },
        ),
        (
            "redirect_uri:https://bank.example/cb",
            Oid4vpError::SignedRedirectUriRequest,
        ),
        (
            "decentralized_identifier:bank",
            Oid4vpError::InvalidDid {
                client_id: "decentralized_identifier:bank".into(),
            },
        ),
    ] {
        let jwt = edited(&bank, |_, p| p["client_id"] = json!(client_id)).await;
        assert_eq!(verify(&jwt, client_id).await, expected, "{client_id}");
    }
}

/// An edit of a request object's payload.
type Edit = Box<dyn Fn(&mut Value)>;

#[tokio::test]
async fn claims_of_the_request() {
    let bank = bank();
    let cases: Vec<(Edit, Oid4vpError)> = vec![
        (
            Box::new(|p| p["aud"] = json!("https://wallet.example")),
            Oid4vpError::WrongAudience {
                found: "\"https://wallet.example\"".into(),
            },
        ),
        (
            Box::new(|p| p["response_type"] = json!("code")),
            Oid4vpError::UnsupportedResponseType {
                found: "code".into(),
            },
        ),
        (
            Box::new(|p| p["response_mode"] = json!("fragment")),
            Oid4vpError::UnsupportedResponseMode {
                found: "fragment".into(),
            },
        ),
        (
            Box::new(|p| p["response_mode"] = json!("direct_post.jwt")),
            Oid4vpError::UnsupportedResponseMode {
                found: "direct_post.jwt".into(),
            },
        ),
        (
            Box::new(|p| p["nonce"] = json!("short")),
            Oid4vpError::WeakNonce { length: 5, min: 16 },
        ),
        (
            Box::new(|p| {
                p.as_object_mut().unwrap().remove("nonce");
            }),
            Oid4vpError::MissingParameter { name: "nonce" },
        ),
        (
            Box::new(|p| {
                p.as_object_mut().unwrap().remove("state");
            }),
            Oid4vpError::MissingParameter { name: "state" },
        ),
        (
            Box::new(|p| {
                p.as_object_mut().unwrap().remove("dcql_query");
            }),
            Oid4vpError::MissingParameter { name: "dcql_query" },
        ),
        (
            Box::new(|p| p["redirect_uri"] = json!("https://bank.example/cb")),
            Oid4vpError::InvalidParameter {
                name: "redirect_uri",
                reason: "must not be present with a direct_post response mode".into(),
            },
        ),
    ];
    for (edit, expected) in cases {
        let jwt = edited(&bank, |_, p| edit(p)).await;
        assert_eq!(verify(&jwt, &bank.client_id).await, expected);
    }
    let jwt = edited(&bank, |_, p| {
        p["dcql_query"]["credentials"][0]["claims"][2]["path"] = json!([])
    })
    .await;
    match verify(&jwt, &bank.client_id).await {
        Oid4vpError::Dcql(e) => assert_eq!(e.pointer, "/credentials/0/claims/2/path"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn oversized_and_malformed() {
    let bank = bank();
    let big = "a".repeat(MAX_REQUEST_OBJECT_BYTES + 1);
    assert!(matches!(
        verify(&big, &bank.client_id).await,
        Oid4vpError::TooLarge { .. }
    ));
    let jwt = edited(&bank, |_, p| {
        p["padding"] = json!("x".repeat(MAX_REQUEST_OBJECT_BYTES))
    })
    .await;
    assert!(matches!(
        verify(&jwt, &bank.client_id).await,
        Oid4vpError::TooLarge { .. }
    ));
    for bad in ["", "a.b", "a.b.c.d", "!.!.!", "e30.e30.AA"] {
        let e = verify(bad, &bank.client_id).await;
        assert_eq!(e.code(), "invalid_request_object", "{bad}: {e}");
    }
}
