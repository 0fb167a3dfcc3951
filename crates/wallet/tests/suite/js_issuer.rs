//! civitas' wallet receives a birth certificate from an independent OpenID4VCI issuer: the
//! issuer side of `@openid4vc/openid4vci` (tests/interop/oid4vci-issuer.mjs), which signs with
//! Digital Bazaar's stack. The wallet runs the flow over HTTPS on 127.0.0.1, proves its key,
//! verifies what it receives against the ministry's trust list before storing it, and refuses
//! a wrong transaction code with the issuer's `invalid_grant`, storing nothing.

use chrono::{Duration, Utc};
use civitas_core::credential::CredentialBuilder;
use civitas_jsonld::contexts::{CIVIL_REGISTRY_V1, ContextLoader};
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::sealed::KdfParams;
use civitas_keys::signer::LocalSigner;
use civitas_testkit::fixtures::{ministry, sign_trust_list, verifier_builder};
use civitas_testkit::js::JsPeer;
use civitas_testkit::samples;
use civitas_verifier::trust::{TrustListSigning, TrustedIssuer};
use civitas_wallet::Wallet;
use civitas_wallet::receive::ReceiveOptions;

use crate::common::PASSPHRASE;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wallet_receives_a_birth_certificate_from_the_js_openid4vci_issuer() {
    let Some(js) = JsPeer::get() else { return };
    let seed = [42u8; 32];
    let office = LocalSigner::did_key(
        KeyPair::from_secret_bytes(KeyAlgorithm::Ed25519, &seed).expect("seed"),
    );
    let did = office.controller().to_owned();
    // a civitas birth certificate for the JS issuer to sign (it sets id, issuer and subject id)
    let template = CredentialBuilder::new(&did)
        .valid_from(Utc::now() - Duration::days(1))
        .document(&samples::kind("BirthCertificate"), samples::birth())
        .build()
        .expect("unsigned birth certificate")
        .into_json()
        .to_string();
    let cert = std::fs::read_to_string(js.dir().join("fixtures/tls-cert.pem")).unwrap();
    let key = std::fs::read_to_string(js.dir().join("fixtures/tls-key.pem")).unwrap();
    let loader = ContextLoader::bundled();
    let context = loader.source(CIVIL_REGISTRY_V1).unwrap();
    let mut issuer = js.oid4vci_issuer_of(
        &cert,
        &key,
        &seed,
        &[(CIVIL_REGISTRY_V1, context)],
        Some(&template),
    );
    assert_eq!(issuer.issuer_did, did);

    let anchor = ministry();
    let trust_list = sign_trust_list(
        &anchor,
        [TrustedIssuer::new(&did, ["BirthCertificate"]).named("Office on the JS stack")],
        &TrustListSigning::default(),
    )
    .await;
    let verifier = verifier_builder(&anchor, &trust_list)
        .build()
        .await
        .expect("verifier");
    let dir = tempfile::tempdir().unwrap();
    let wallet = Wallet::create(&dir.path().join("w"), PASSPHRASE, KdfParams::testing()).unwrap();
    let mut options = ReceiveOptions {
        tx_code: issuer.tx_code.clone(),
        root_certificates_pem: vec![cert.clone().into_bytes()],
        ..ReceiveOptions::default()
    };
    options.import.accept_indeterminate = false;

    let received = wallet
        .receive(&issuer.offer, &options, &verifier)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", issuer.log()));
    assert_eq!(
        received.document.credential["credentialSubject"]["id"],
        received.holder.did.as_str()
    );
    assert_eq!(received.document.issuer(), did);
    assert_eq!(wallet.documents().unwrap().len(), 1);

    // a wrong transaction code: the issuer's invalid_grant, nothing stored
    let offer = issuer.new_offer(true, false);
    options.tx_code = Some("000000".into());
    let refused = wallet
        .receive(&offer.offer, &options, &verifier)
        .await
        .expect_err("a wrong transaction code must be refused");
    assert_eq!(
        refused.oauth_error().map(|e| e.error.as_str()),
        Some("invalid_grant"),
        "{refused}"
    );
    assert_eq!(wallet.documents().unwrap().len(), 1);
}
