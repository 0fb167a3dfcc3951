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

        let credential = issue_and_verify(&issuer, "hsm-1").await;
        issuer.wait_published().await;
        assert_eq!(credential["proof"]["cryptosuite"], algorithm.cryptosuite());
        assert_eq!(
            credential["proof"]["verificationMethod"],
            signer.verification_method()
        );
    }
}

/// Opens the issuer in `dir` again, from its data directory alone, once sled has released the
/// registry's lock (it does so from a background thread after the previous issuer is dropped;
/// reading the configuration opens the registry too).
async fn reopen(dir: &std::path::Path) -> Issuer {
    use civitas_issuer::IssuerError::Store;
    use civitas_issuer::error::StoreError::Open;
    for _ in 0..250 {
        let opened = match Issuer::config_of(dir) {
            Ok(config) => Issuer::open(config).await.map(|(issuer, _)| issuer),
            Err(e) => Err(e),
        };
        match opened {
            Err(Store(Open { .. })) => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await
            }
            other => return other.unwrap(),
        }
    }
    panic!("the registry stayed locked")
}

async fn issue_and_verify(issuer: &Issuer, source: &str) -> serde_json::Value {
    let issued = issuer
        .issue(
            IssueRequest::new(
                civitas_issuer::Document::new(
                    civitas_testkit::samples::kind("BirthCertificate"),
                    civitas_testkit::samples::birth_record(),
                )
                .unwrap(),
            )
            .source(source),
            "test",
        )
        .await
        .unwrap();
    let checker = DocumentCheck::new(
        ContextLoader::bundled(),
        OfflineResolver::new().with(issuer.did_document().unwrap()),
    );
    let report = checker
        .verify(issued.credential.as_bytes(), &VerifyOptions::default())
        .await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
    serde_json::from_str(&issued.credential).unwrap()
}

/// A did:web issuer configured with a token (`IssuerConfig::hsm`): the first key is generated
/// in the token, the data directory remembers the token (not the PIN), a rotation generates
/// the next key in the token and keeps the first for what it signed, and the issuer reopens
/// from its data directory alone with the rotated key.
pub async fn a_did_web_issuer_keeps_its_keys_in_the_token(env: &Env) {
    println!("softhsm: a did:web issuer configured with the token generates, rotates, reopens");
    let dir = tempfile::tempdir().unwrap();
    let hsm = env.config("registry", KeyAlgorithm::Ed25519);
    let config = IssuerConfig::new(dir.path(), "https://127.0.0.1:8443")
        .passphrase(PassphraseSource::Value("test passphrase".to_owned().into()))
        .kdf(KdfParams::testing())
        .hsm(hsm.clone());
    let (issuer, opened) = Issuer::open(config).await.unwrap();
    assert!(opened.initialized);
    let first = issuer.keys()[0].clone();
    assert_eq!(first.hsm_label.as_deref(), Some("registry"));
    assert!(first.file.is_empty(), "no key file for a key in the token");
    assert!(!dir.path().join("keys/key-1.json").exists());
    let remembered = std::fs::read_to_string(civitas_issuer::hsm_file(dir.path())).unwrap();
    assert!(remembered.contains("registry") && !remembered.contains("1234"));
    let token_keys = civitas_hsm::HsmToken::open(&hsm).unwrap().keys().unwrap();
    let generated = token_keys.iter().find(|k| k.label == "registry").unwrap();
    assert!(
        generated.sensitive && !generated.extractable,
        "{generated:?}"
    );

    let before = issue_and_verify(&issuer, "hsm-web-1").await;
    assert_eq!(
        before["proof"]["verificationMethod"],
        format!("{}#key-1", issuer.did())
    );

    let rotated = issuer.rotate_key("test").await.unwrap();
    assert_eq!(rotated.number, 2);
    assert_eq!(rotated.hsm_label.as_deref(), Some("registry-2"));
    let after = issue_and_verify(&issuer, "hsm-web-2").await;
    assert_eq!(
        after["proof"]["verificationMethod"],
        format!("{}#key-2", issuer.did())
    );
    // the first key's window is closed, and what it signed still verifies with the DID document
    let keys = issuer.keys();
    assert!(keys[0].valid_until.is_some() && keys[1].valid_until.is_none());
    let checker = DocumentCheck::new(
        ContextLoader::bundled(),
        OfflineResolver::new().with(issuer.did_document().unwrap()),
    );
    let report = checker
        .verify(before.to_string().as_bytes(), &VerifyOptions::default())
        .await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
    // a QR code made now for the first credential is signed by the key that signed it
    let qr = issuer
        .compact(before["id"].as_str().unwrap())
        .await
        .unwrap();
    let read = civitas_qr::compact::decode(&qr).unwrap();
    assert_eq!(read.kid(), format!("{}#key-1", issuer.did()));
    assert!(!dir.path().join("passphrase").exists(), "nothing to seal");
    issuer.wait_published().await;
    drop(issuer);

    // reopened from the data directory alone: the remembered token, the rotated key
    let again = reopen(dir.path()).await;
    let third = issue_and_verify(&again, "hsm-web-3").await;
    assert_eq!(
        third["proof"]["verificationMethod"],
        format!("{}#key-2", again.did())
    );
    drop(again);

    // an issuer whose keys are files is not silently moved to a token
    let files = tempfile::tempdir().unwrap();
    let plain = IssuerConfig::new(files.path(), "https://127.0.0.1:8443")
        .passphrase(PassphraseSource::Value("test passphrase".to_owned().into()))
        .kdf(KdfParams::testing());
    drop(Issuer::open(plain.clone()).await.unwrap());
    let mut moved = plain.hsm(env.config("registry-moved", KeyAlgorithm::Ed25519));
    moved.did_method = DidMethod::Web;
    let e = loop {
        match Issuer::open(moved.clone()).await {
            Err(civitas_issuer::IssuerError::Store(civitas_issuer::error::StoreError::Open {
                ..
            })) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            Err(e) => break e,
            Ok(_) => panic!("a file-key issuer opened with a token"),
        }
    };
    assert!(e.to_string().contains("is not in the HSM"), "{e}");
}
