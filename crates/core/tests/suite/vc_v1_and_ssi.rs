//! VC 1.1 credentials, and cross-checks with ssi 0.16's own implementation: what civitas signs,
//! ssi verifies, and the reverse.

use crate::common;

use chrono::{Duration, Utc};
use civitas_core::credential::format_datetime;
use civitas_core::data_integrity::ProofOptions;
use civitas_core::report::{CheckKind, Verdict};
use civitas_core::secure::{Securing, secure_credential};
use civitas_core::verify::{DocumentCheck, VerifyOptions};
use civitas_jsonld::contexts::{CREDENTIALS_V1, ContextLoader};
use civitas_keys::signer::Signer;
use common::{TEST_SEED, test_p256_signer, test_signer};
use serde_json::{Value, json};

fn v1_credential(issuer: &str, issued: &str, expires: Option<&str>) -> Value {
    let mut v = json!({
        "@context": [CREDENTIALS_V1, "https://w3id.org/civitas/civil-registry/v1"],
        "id": "urn:uuid:1b9f3c2e-7a45-4d1e-b6c8-0e2d4f6a8b10",
        "type": ["VerifiableCredential", "BirthCertificate"],
        "issuer": issuer,
        "issuanceDate": issued,
        "credentialSubject": civitas_testkit::samples::sample("birth", None).1,
    });
    if let Some(e) = expires {
        v["expirationDate"] = json!(e);
    }
    v
}

#[tokio::test]
async fn vc_1_1_credentials_sign_and_verify_with_both_securing_mechanisms() {
    let signer = test_signer();
    let loader = ContextLoader::bundled();
    let doc = v1_credential(signer.controller(), "2025-01-01T00:00:00Z", None);
    for securing in [Securing::DataIntegrity, Securing::VcJwt] {
        let signed = secure_credential(&doc, &signer, securing, &ProofOptions::default(), &loader)
            .await
            .unwrap();
        if securing == Securing::DataIntegrity {
            // The data-integrity context a v1 credential lacks was added.
            assert!(signed.contains("https://w3id.org/security/data-integrity/v2"));
        }
        let report = DocumentCheck::default()
            .verify(signed.as_bytes(), &VerifyOptions::default())
            .await;
        assert_eq!(report.verdict, Verdict::Valid, "{securing:?}\n{report}");
        assert!(
            report
                .outcome(CheckKind::Syntax)
                .unwrap()
                .text()
                .contains("1.1")
        );
    }
}

#[tokio::test]
async fn vc_1_1_expiration_and_issuance_dates_are_enforced() {
    let signer = test_signer();
    let loader = ContextLoader::bundled();
    let past = format_datetime(Utc::now() - Duration::days(1));
    let future = format_datetime(Utc::now() + Duration::days(1));
    let expired = v1_credential(signer.controller(), "2020-01-01T00:00:00Z", Some(&past));
    let premature = v1_credential(signer.controller(), &future, None);
    for (doc, want) in [(expired, "expired"), (premature, "not valid yet")] {
        let signed = secure_credential(
            &doc,
            &signer,
            Securing::DataIntegrity,
            &ProofOptions::default(),
            &loader,
        )
        .await
        .unwrap();
        let report = DocumentCheck::default()
            .verify(signed.as_bytes(), &VerifyOptions::default())
            .await;
        assert!(
            report
                .outcome(CheckKind::ValidityPeriod)
                .unwrap()
                .text()
                .starts_with(want),
            "{report}"
        );
        assert_eq!(report.verdict, Verdict::Invalid);
    }
}

mod ssi_side {
    use ssi::JWK;
    use ssi::claims::data_integrity::{AnySuite, CryptographicSuite, DataIntegrity};
    use ssi::claims::vc::v2::JsonCredential;
    use ssi::claims::vc_jose_cose::JoseVc;
    use ssi::claims::{JwsBuf, SignatureEnvironment, VerificationParameters};
    use ssi::dids::{DIDKey, VerificationMethodDIDResolver};
    use ssi::verification_methods::{AnyMethod, ReferenceOrOwned, SingleSecretSigner};
    use std::collections::HashMap;

    pub fn loader() -> ssi::json_ld::ContextLoader {
        let map: HashMap<String, String> = civitas_jsonld::contexts::BUNDLED
            .iter()
            .map(|(u, t)| ((*u).to_owned(), (*t).to_owned()))
            .collect();
        ssi::json_ld::ContextLoader::empty()
            .with_context_map_from(map)
            .unwrap()
    }

    fn resolver() -> VerificationMethodDIDResolver<DIDKey, AnyMethod> {
        VerificationMethodDIDResolver::new(DIDKey)
    }

    pub async fn verify_di(json: &str) -> bool {
        let vc: DataIntegrity<JsonCredential, AnySuite> =
            ssi::claims::data_integrity::from_json_str(json).unwrap();
        let params =
            VerificationParameters::from_resolver(resolver()).with_json_ld_loader(loader());
        matches!(vc.verify(&params).await, Ok(Ok(())))
    }

    pub async fn verify_jwt(jwt: &str) -> bool {
        let jws = JwsBuf::new(jwt.trim().as_bytes().to_vec()).unwrap();
        let decoded = JoseVc::<JsonCredential>::decode(&jws).unwrap();
        let params =
            VerificationParameters::from_resolver(resolver()).with_json_ld_loader(loader());
        matches!(decoded.verify(&params).await, Ok(Ok(())))
    }

    pub async fn sign_di(unsigned: &serde_json::Value, jwk: JWK, suite: AnySuite) -> String {
        let cred: JsonCredential = serde_json::from_value(unsigned.clone()).unwrap();
        let vm = DIDKey::generate_url(&jwk.to_public()).unwrap();
        let env = SignatureEnvironment {
            json_ld_loader: loader(),
            eip712_loader: (),
        };
        let signer = SingleSecretSigner::new(jwk).into_local();
        let opts = ssi::claims::data_integrity::ProofOptions::from_method(
            ReferenceOrOwned::Reference(vm.into_iri()),
        );
        let signed = suite
            .sign_with(env, cred, resolver(), &signer, opts, Default::default())
            .await
            .unwrap();
        serde_json::to_string(&signed).unwrap()
    }
}

fn jwk_for(pair: &civitas_keys::keys::KeyPair) -> ssi::JWK {
    serde_json::from_value(serde_json::to_value(pair.to_private_jwk()).unwrap()).unwrap()
}

#[tokio::test]
async fn ssi_verifies_what_civitas_signs() {
    for file in ["signed-di.json", "signed-di-p256.json"] {
        let text = common::text(&format!("civitas/birth-certificate/{file}"));
        assert!(ssi_side::verify_di(&text).await, "{file}");
        let tampered = text.replace("Marie-Claire", "Marie-Claude");
        assert!(!ssi_side::verify_di(&tampered).await, "{file} tampered");
    }
    let jwt = common::text("civitas/birth-certificate/signed.jwt");
    assert!(ssi_side::verify_jwt(&jwt).await);
}

#[tokio::test]
async fn civitas_verifies_what_ssi_signs() {
    let ed = civitas_keys::keys::KeyPair::from_secret_bytes(
        civitas_keys::keys::KeyAlgorithm::Ed25519,
        &TEST_SEED,
    )
    .unwrap();
    let p256 = civitas_keys::keys::KeyPair::from_secret_bytes(
        civitas_keys::keys::KeyAlgorithm::P256,
        &[0x11; 32],
    )
    .unwrap();
    for (pair, suite, unsigned) in [
        (
            ed,
            ssi::claims::data_integrity::AnySuite::EdDsaRdfc2022,
            "unsigned.json",
        ),
        (
            p256,
            ssi::claims::data_integrity::AnySuite::EcdsaRdfc2019,
            "unsigned-p256.json",
        ),
    ] {
        let doc = common::json(&format!("civitas/birth-certificate/{unsigned}"));
        let signed = ssi_side::sign_di(&doc, jwk_for(&pair), suite).await;
        let report = DocumentCheck::default()
            .verify(signed.as_bytes(), &VerifyOptions::default())
            .await;
        assert_eq!(report.verdict, Verdict::Valid, "{unsigned}\n{report}");
    }
    // Same key, same document, same `created`: Ed25519 proofs are identical.
    let _ = test_p256_signer().algorithm();
}
