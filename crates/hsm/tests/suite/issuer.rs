//! End to end: a did:key issuer signing with a key in the token issues a birth certificate
//! that verifies. Run by `softhsm::in_softhsm`.

use std::sync::Arc;

use civitas_core::report::Verdict;
use civitas_core::verify::{DocumentCheck, VerifyOptions};
use civitas_hsm::Pkcs11Signer;
use civitas_issuer::{DidMethod, IssueRequest, Issuer, IssuerConfig, PassphraseSource};
use civitas_jsonld::contexts::ContextLoader;
use civitas_keys::did::did_key;
use civitas_keys::keys::KeyAlgorithm;
use civitas_keys::resolver::OfflineResolver;
use civitas_keys::sealed::KdfParams;
use civitas_keys::signer::Signer;

use crate::softhsm::Env;

pub async fn an_issuer_signs_with_the_token(env: &Env) {
    for (algorithm, label) in [
        (KeyAlgorithm::Ed25519, "issuer-ed"),
        (KeyAlgorithm::P256, "issuer-p256"),
    ] {
        println!("softhsm: a did:key issuer signs a birth certificate with {label} ({algorithm})");
        let signer = Pkcs11Signer::open(&env.config(label, algorithm)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let config = IssuerConfig::new(dir.path(), "https://127.0.0.1:8443")
            .did_method(DidMethod::Key)
            .passphrase(PassphraseSource::Value("test passphrase".to_owned().into()))
            .kdf(KdfParams::testing());
        let (issuer, opened) = Issuer::builder(config)
            .signer(Arc::new(signer.clone()))
            .build()
            .await
            .unwrap();
        assert!(opened.initialized);
        assert_eq!(issuer.did(), did_key(&signer.public_key()));

        let issued = issuer
            .issue(
                IssueRequest::new(
                    civitas_issuer::Document::new(
                        civitas_testkit::samples::kind("BirthCertificate"),
                        civitas_testkit::samples::birth_record(),
                    )
                    .unwrap(),
                )
                .source("hsm-1"),
                "test",
            )
            .await
            .unwrap();
        issuer.wait_published().await;
        let credential: serde_json::Value = serde_json::from_str(&issued.credential).unwrap();
        assert_eq!(credential["proof"]["cryptosuite"], algorithm.cryptosuite());
        assert_eq!(
            credential["proof"]["verificationMethod"],
            signer.verification_method()
        );

        let checker = DocumentCheck::new(
            ContextLoader::bundled(),
            OfflineResolver::new().with(issuer.did_document().unwrap()),
        );
        let report = checker
            .verify(issued.credential.as_bytes(), &VerifyOptions::default())
            .await;
        assert_eq!(report.verdict, Verdict::Valid, "{report}");
    }
}
