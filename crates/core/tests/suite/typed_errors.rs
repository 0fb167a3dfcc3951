//! The errors of JWT signature checks, issuer binding and embedded credentials are typed: they
//! carry the key, controller and purpose concerned, and still read as they always did.

use crate::common;

use civitas_core::jwt::{self, JwtSignatureError};
use civitas_core::verify::{EmbeddedError, SecuredCredential};
use civitas_keys::did::ProofPurpose;
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::resolver::{self, OfflineResolver, RelationshipError, ResolveError};
use civitas_keys::signer::{LocalSigner, Signer};
use serde_json::json;

fn payload() -> serde_json::Value {
    json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
           "issuer": "did:example:issuer", "credentialSubject": {"id": "did:example:1"}})
}

/// A JWT signed with the test issuer's Ed25519 key whose header names `kid`.
async fn signed_as(kid: &str) -> jwt::DecodedJwt {
    let key = KeyPair::from_secret_bytes(KeyAlgorithm::Ed25519, &common::TEST_SEED).unwrap();
    let signer = LocalSigner::new(key, kid);
    let token = jwt::sign_credential(&payload(), &signer).await.unwrap();
    jwt::decode(&token).unwrap()
}

#[tokio::test]
async fn jwt_signature_errors_name_the_key() {
    let resolver = OfflineResolver::new();
    let ed = common::test_signer();
    let p256 = common::test_p256_signer();
    let other =
        LocalSigner::did_key(KeyPair::from_secret_bytes(KeyAlgorithm::Ed25519, &[7; 32]).unwrap());

    // signed by one Ed25519 key, naming another
    let kid = other.verification_method().to_owned();
    let decoded = signed_as(&kid).await;
    let e = decoded.verify_signature(&resolver).await.unwrap_err();
    assert_eq!(e, JwtSignatureError::Mismatch { kid: kid.clone() });
    assert_eq!(
        e.to_string(),
        "the JWT signature does not match: it was altered or signed by another key"
    );

    // an EdDSA header naming a P-256 key
    let kid = p256.verification_method().to_owned();
    let decoded = signed_as(&kid).await;
    let e = decoded.verify_signature(&resolver).await.unwrap_err();
    assert_eq!(
        e,
        JwtSignatureError::AlgorithmMismatch {
            kid: kid.clone(),
            header: KeyAlgorithm::Ed25519,
            key: KeyAlgorithm::P256,
        }
    );
    assert_eq!(
        e.to_string(),
        format!("`alg` is EdDSA but {kid} is a {} key", KeyAlgorithm::P256)
    );

    // a kid nobody can resolve offline
    let decoded = signed_as("did:web:nowhere.example#key-1").await;
    let e = decoded.verify_signature(&resolver).await.unwrap_err();
    assert!(
        matches!(&e, JwtSignatureError::Method(ResolveError::NotFound(id)) if id == "did:web:nowhere.example"),
        "{e:?}"
    );
    assert!(e.to_string().starts_with("verification method: "), "{e}");

    // and the good case still verifies
    let decoded = jwt::decode(&jwt::sign_credential(&payload(), &ed).await.unwrap()).unwrap();
    decoded.verify_signature(&resolver).await.unwrap();
}

#[tokio::test]
async fn relationship_errors_name_controller_key_and_purpose() {
    let resolver = OfflineResolver::new();
    let issuer = common::test_signer();
    let stranger = common::test_p256_signer();
    let e = resolver::check_relationship(
        &resolver,
        issuer.controller(),
        stranger.verification_method(),
        ProofPurpose::AssertionMethod,
    )
    .await
    .unwrap_err();
    assert_eq!(
        e,
        RelationshipError::NotControlled {
            controller: issuer.controller().to_owned(),
            method: stranger.verification_method().to_owned(),
            purpose: ProofPurpose::AssertionMethod,
        }
    );
    assert_eq!(
        e.to_string(),
        format!(
            "the key {m} is not controlled by {c}, and {c} does not list it under {p}",
            m = stranger.verification_method(),
            c = issuer.controller(),
            p = ProofPurpose::AssertionMethod
        )
    );
    let e = resolver::check_relationship(
        &resolver,
        "did:web:nowhere.example",
        "did:web:nowhere.example#k",
        ProofPurpose::AssertionMethod,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(e, RelationshipError::Resolve(ResolveError::NotFound(_))),
        "{e:?}"
    );
}

#[test]
fn embedded_credential_errors_keep_the_id_and_the_cause() {
    let e = SecuredCredential::from_embedded(
        &json!({"type": ["EnvelopedVerifiableCredential"], "id": "data:text/plain,hello"}),
    )
    .unwrap_err();
    assert_eq!(
        e,
        EmbeddedError::EnvelopeId {
            id: "data:text/plain,hello".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "an EnvelopedVerifiableCredential must have a data:application/vc+jwt, id"
    );
    let e = SecuredCredential::from_embedded(
        &json!({"type": ["EnvelopedVerifiableCredential"], "id": "data:application/vc+jwt,a.b"}),
    )
    .unwrap_err();
    assert!(matches!(e, EmbeddedError::Input(_)), "{e:?}");
    let e =
        SecuredCredential::from_embedded(&json!({"type": ["VerifiableCredential"]})).unwrap_err();
    assert!(matches!(e, EmbeddedError::Syntax(_)), "{e:?}");
}
