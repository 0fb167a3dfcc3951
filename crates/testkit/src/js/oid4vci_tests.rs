//! The JS OpenID4VCI peers against each other (unit tests of the wrappers, in the crate's one
//! test binary) through the testkit wrappers: the JS wallet
//! (`oid4vci-wallet.mjs`) receives from the JS issuer (`oid4vci-issuer.mjs`), and the issuer
//! refuses what it must. Skips loudly without node (fails with `CI=true`).

use crate::js::{JsPeer, JsReceiveOptions, JsTamper};

const CERT: &str = include_str!("../../../../tests/interop/fixtures/tls-cert.pem");
const KEY: &str = include_str!("../../../../tests/interop/fixtures/tls-key.pem");
const BIRTH_CONTEXT_URL: &str = "https://example.org/contexts/birth-certificate/v1";
const BIRTH_CONTEXT: &str = include_str!("../../../../tests/interop/fixtures/birth-context.json");
const SEED: [u8; 32] = [7; 32];

#[test]
fn js_wallet_receives_from_js_issuer_and_refusals_are_reported() {
    let Some(js) = JsPeer::get() else { return };
    let mut issuer = js.oid4vci_issuer(CERT, KEY, &SEED, &[]);
    assert!(issuer.url.starts_with("https://127.0.0.1:"), "{issuer:?}");
    assert!(issuer.issuer_did.starts_with("did:key:z6Mk"));
    assert_eq!(issuer.configuration_id, "BirthCertificate_ldp_vc");
    let tx = issuer
        .tx_code
        .clone()
        .expect("the start offer has a tx code");
    assert_eq!(tx.len(), 6);

    // EdDSA: did:key holder, the credential verifies with the JS verifier
    let got = js.oid4vci_receive(&issuer.offer, Some(&tx), CERT, "EdDSA");
    assert!(got.ok, "{got:?}\n{}", issuer.log());
    assert_eq!(got.exit_code, 0);
    assert_eq!(
        got.configuration_id.as_deref(),
        Some("BirthCertificate_ldp_vc")
    );
    assert_eq!(got.raw["version"], "V1");
    let holder = got.holder.clone().unwrap();
    assert!(holder.starts_with("did:key:z6Mk"), "{holder}");
    let kid = got.raw["proof"]["header"]["kid"].as_str().unwrap();
    assert_eq!(kid, format!("{holder}#{}", &holder["did:key:".len()..]));
    assert_eq!(got.raw["proof"]["header"]["typ"], "openid4vci-proof+jwt");
    assert_eq!(got.credentials.len(), 1);
    let vc = &got.credentials[0];
    assert_eq!(vc["credentialSubject"]["id"], holder.as_str());
    assert_eq!(vc["issuer"], issuer.issuer_did.as_str());
    assert_eq!(vc["proof"]["cryptosuite"], "eddsa-rdfc-2022");
    assert!(got.token_response.as_ref().unwrap()["access_token"].is_string());
    let verdict = js.verify(
        &vc.to_string(),
        &[(BIRTH_CONTEXT_URL, BIRTH_CONTEXT)],
        &[],
        None,
    );
    assert!(verdict.verified, "{verdict:?}");

    // the pre-authorized code is single use
    let again = js.oid4vci_receive(&issuer.offer, Some(&tx), CERT, "EdDSA");
    assert!(!again.ok && again.exit_code == 1, "{again:?}");
    assert_eq!(
        (
            again.stage.as_deref(),
            again.error_code.as_deref(),
            again.http_status
        ),
        (Some("token"), Some("invalid_grant"), Some(400))
    );

    // ES256: the proof carries a jwk; the holder is its did:jwk
    let offer = issuer.new_offer(true, false);
    let got = js.oid4vci_receive(&offer.offer, offer.tx_code.as_deref(), CERT, "ES256");
    assert!(got.ok, "{got:?}\n{}", issuer.log());
    let holder = got.holder.clone().unwrap();
    assert!(holder.starts_with("did:jwk:"), "{holder}");
    assert_eq!(got.raw["proof"]["header"]["jwk"]["crv"], "P-256");
    assert_eq!(
        got.credentials[0]["credentialSubject"]["id"],
        holder.as_str()
    );

    // an offer by reference without a transaction code, a fixed holder key
    let offer = issuer.new_offer(false, true);
    assert!(offer.offer.contains("credential_offer_uri="), "{offer:?}");
    assert!(offer.tx_code.is_none());
    let opts = JsReceiveOptions {
        holder_seed: Some([9; 32]),
        ..JsReceiveOptions::default()
    };
    let a = js.oid4vci_receive_with(&offer.offer, CERT, &opts);
    assert!(a.ok, "{a:?}\n{}", issuer.log());
    let offer = issuer.new_offer(false, false);
    let b = js.oid4vci_receive_with(&offer.offer, CERT, &opts);
    assert_eq!(a.holder, b.holder);

    // refusals, one per injected fault
    for (tamper, stage, code) in [
        (JsTamper::WrongTxCode, "token", "invalid_grant"),
        (JsTamper::NoTxCode, "token", "invalid_request"),
        (JsTamper::WrongNonce, "credential", "invalid_nonce"),
        (JsTamper::WrongAud, "credential", "invalid_proof"),
    ] {
        let offer = issuer.new_offer(true, false);
        let opts = JsReceiveOptions {
            tx_code: offer.tx_code.clone(),
            tamper: Some(tamper),
            ..JsReceiveOptions::default()
        };
        let r = js.oid4vci_receive_with(&offer.offer, CERT, &opts);
        assert!(!r.ok && r.exit_code == 1, "{tamper:?}: {r:?}");
        assert_eq!(
            (r.stage.as_deref(), r.error_code.as_deref()),
            (Some(stage), Some(code)),
            "{tamper:?}: {r:?}"
        );
        assert!(r.credentials.is_empty());
    }

    // untrusted certificate: the wallet fails at the metadata step, nothing issued
    let offer = issuer.new_offer(true, false);
    let other_ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    let r = js.oid4vci_receive(&offer.offer, offer.tx_code.as_deref(), other_ca, "EdDSA");
    assert!(!r.ok && r.stage.as_deref() == Some("metadata"), "{r:?}");

    // usage error: exit 2
    let r = js.oid4vci_receive(&offer.offer, None, CERT, "RS256");
    assert_eq!(
        (r.ok, r.exit_code, r.stage.as_deref()),
        (false, 2, Some("usage"))
    );

    assert!(
        issuer.log().contains("POST /credential 200"),
        "{}",
        issuer.log()
    );
}
