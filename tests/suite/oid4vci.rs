//! OpenID4VCI end to end, through public APIs and real components only: the civitas issuer
//! service (HTTPS on 127.0.0.1, sled data directory, did:web) offers a citizen's birth
//! certificate; her civitas wallet receives it through the pre-authorized code flow (offer by
//! value, by reference, and read from the offer's QR code), verified with a trust list signed
//! by the ministry before it is stored.
//!
//! The wallet's refusals are checked against the real issuer where the real issuer can cause
//! them: a wrong transaction code (the issuer's `invalid_grant`, typed), a used offer, a
//! verifier whose trust list does not vouch for the issuer's birth certificates (nothing
//! stored). A credential about
//! someone else and a tampered credential need a misbehaving issuer: civitas-wallet's own suite
//! runs them against a stub issuer over HTTPS (`crates/wallet/tests/suite/receive.rs`).

use std::net::SocketAddr;
use std::time::Duration;

use civitas_core::report::Verdict;
use civitas_issuer::launch::launch;
use civitas_issuer::{DidMethod, IssuerConfig, PassphraseSource};
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::sealed::KdfParams;
use civitas_keys::signer::LocalSigner;

use civitas_verifier::VerifyOptions;
use civitas_verifier::trust::{TrustAnchor, TrustList, TrustListSigning, TrustedIssuer};
use civitas_wallet::{
    ReceiveError, ReceiveOptions, ReceiveStage, ShareForm, ShareRequest, Wallet, WalletError,
};
use serde_json::{Value, json};

use crate::common::{free_port, verifier};

/// Standard base64 (padding and line breaks ignored): the umbrella crate has no base64
/// dependency.
fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in text.bytes().filter(|b| !b"=\r\n ".contains(b)) {
        let v = ALPHABET.iter().position(|a| *a == b).expect("base64") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// The registrar's offer of credential `id`: `POST /credentials/{id}/offers`.
async fn make_offer(https: &reqwest::Client, base: &str, admin: &str, id: &str) -> Value {
    let response = https
        .post(format!("{base}/credentials/{id}/offers"))
        .bearer_auth(admin)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let offer: Value = response.json().await.unwrap();
    assert!(status.is_success(), "{status}: {offer}");
    for member in ["offerUri", "offerUriByReference", "txCode", "expiresAt"] {
        assert!(offer.get(member).is_some(), "no {member}: {offer}");
    }
    offer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_receives_her_birth_certificate_through_openid4vci() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();

    // The issuer service, HTTPS on 127.0.0.1, did:web.
    let port = free_port();
    let base = format!("https://127.0.0.1:{port}");
    let data = dir.join("registry");
    let config = IssuerConfig::new(&data, &base)
        .did_method(DidMethod::Web)
        .passphrase(PassphraseSource::Value(
            "registry passphrase".to_owned().into(),
        ))
        .kdf(KdfParams::testing());
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let launched = launch(config, addr).await.expect("issuer starts");
    let issuer = launched.issuer.clone();
    let admin = launched
        .opened
        .admin_token
        .clone()
        .expect("first run token");
    let cert_pem = std::fs::read(launched.self_signed_cert.clone().unwrap()).unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(launched.serve(async {
        let _ = stop_rx.await;
    }));
    let https = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&cert_pem).unwrap()])
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();

    // The registrar issues Marie-Claire's birth certificate (no holder DID yet).
    let mut record = civitas_testkit::samples::birth_record();
    record["sourceRecordId"] = json!("CSO-B-2024-PW-001234");
    let response = https
        .post(format!("{base}/birth-certificates"))
        .bearer_auth(&admin)
        .json(&record)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let issued: Value = response.json().await.unwrap();
    let id = issued["credentialId"].as_str().unwrap().to_owned();

    // The ministry vouches for the registry, pinning the DID document it publishes; the
    // citizen's wallet app ships that trust list.
    let did_document: civitas_keys::did::ControllerDocument = https
        .get(format!("{base}/.well-known/did.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ministry = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
    let anchor = TrustAnchor::did(ministry.controller());
    let mut trust = TrustList::new("Republic of Mauritius: civil registry");
    trust
        .add(
            TrustedIssuer::new(issuer.did(), ["BirthCertificate", "MarriageCertificate"])
                .named("Civil Status Division")
                .with_document(did_document.clone()),
        )
        .unwrap();
    let trust = trust
        .sign(&ministry, &TrustListSigning::default())
        .await
        .unwrap();
    let citizen_verifier = verifier(&cert_pem, &anchor, trust.as_bytes(), &base).await;

    // Marie-Claire's wallet.
    let wallet = Wallet::create(
        &dir.join("wallet"),
        b"marie's passphrase",
        KdfParams::testing(),
    )
    .unwrap();
    let holder = wallet.holder_keys().unwrap()[0].did.clone();

    // 1. A wrong transaction code: the issuer's invalid_grant, typed; nothing stored.
    let offer = make_offer(&https, &base, &admin, &id).await;
    let tx_code = offer["txCode"].as_str().unwrap().to_owned();
    let wrong: String = tx_code
        .chars()
        .map(|c| if c == '0' { '1' } else { '0' })
        .collect();
    let options = |tx: &str| ReceiveOptions {
        tx_code: Some(tx.to_owned()),
        root_certificates_pem: vec![cert_pem.clone()],
        ..ReceiveOptions::default()
    };
    let e = wallet
        .receive(
            offer["offerUri"].as_str().unwrap(),
            &options(&wrong),
            &citizen_verifier,
        )
        .await
        .unwrap_err();
    assert_eq!(e.stage(), ReceiveStage::Token, "{e}");
    assert_eq!(
        e.oauth_error().map(|o| o.error.as_str()),
        Some("invalid_grant"),
        "{e}"
    );
    assert!(wallet.documents().unwrap().is_empty());

    // 2. The right one (the same offer: one wrong guess does not lock it): received, verified,
    //    bound to her holder key, stored, logged.
    let received = wallet
        .receive(
            offer["offerUri"].as_str().unwrap(),
            &options(&tx_code),
            &citizen_verifier,
        )
        .await
        .expect("received");
    assert_eq!(received.holder.did, holder);
    assert_eq!(received.document.subject_ids(), vec![holder.clone()]);
    assert_eq!(received.document.last_verification.verdict, Verdict::Valid);
    assert!(received.document.types().contains(&"BirthCertificate"));
    assert!(received.credential_issuer.starts_with(&base));
    let log = wallet.consent_log().unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].form, ShareForm::Received);
    assert!(
        log[0].summary().starts_with(&format!(
            "received from {} via OpenID4VCI, configuration ",
            received.credential_issuer
        )),
        "{}",
        log[0].summary()
    );

    // ... and she can present it: the bank's verifier says valid.
    let shared = wallet
        .present(&ShareRequest {
            documents: vec![received.document.id.clone()],
            challenge: "bank-51c2".into(),
            domain: "https://bank.example".into(),
            recipient: Some("Bank of Port Louis".into()),
            holder: None,
        })
        .await
        .expect("presentation");
    let asked = VerifyOptions {
        challenge: Some("bank-51c2".into()),
        domain: Some("https://bank.example".into()),
        ..VerifyOptions::default()
    };
    let report = citizen_verifier
        .verify(shared.payload.as_bytes(), &asked)
        .await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");

    // 3. The same offer again: its code was used (invalid_grant).
    let e = wallet
        .receive(
            offer["offerUri"].as_str().unwrap(),
            &options(&tx_code),
            &citizen_verifier,
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.oauth_error().map(|o| o.error.as_str()),
        Some("invalid_grant"),
        "{e}"
    );

    // 4. A new offer, by reference, into a second wallet whose trust list names the registry
    //    for marriage certificates only: refused by the verifier, nothing stored or logged.
    let mut marriages_only = TrustList::new("Republic of Mauritius: marriages");
    marriages_only
        .add(
            TrustedIssuer::new(issuer.did(), ["MarriageCertificate"])
                .named("Civil Status Division")
                .with_document(did_document),
        )
        .unwrap();
    let marriages_only = marriages_only
        .sign(&ministry, &TrustListSigning::default())
        .await
        .unwrap();
    let distrustful = verifier(&cert_pem, &anchor, marriages_only.as_bytes(), &base).await;
    let other = Wallet::create(
        &dir.join("other"),
        b"other passphrase",
        KdfParams::testing(),
    )
    .unwrap();
    let offer = make_offer(&https, &base, &admin, &id).await;
    let e = other
        .receive(
            offer["offerUriByReference"].as_str().unwrap(),
            &options(offer["txCode"].as_str().unwrap()),
            &distrustful,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            ReceiveError::Wallet {
                stage: ReceiveStage::Verification,
                source: WalletError::Refused { .. }
            }
        ),
        "{e}"
    );
    assert!(other.documents().unwrap().is_empty());
    assert!(other.consent_log().unwrap().is_empty());

    // 5. A new offer read from its QR code (PNG), by the trusting verifier: received.
    let offer = make_offer(&https, &base, &admin, &id).await;
    let png = base64_decode(offer["qr"]["png"].as_str().unwrap());
    let scanned = civitas_qr::decode_image(&png).expect("the offer's QR code");
    let third = Wallet::create(
        &dir.join("third"),
        b"third passphrase",
        KdfParams::testing(),
    )
    .unwrap();
    let received = third
        .receive(
            &scanned,
            &options(offer["txCode"].as_str().unwrap()),
            &citizen_verifier,
        )
        .await
        .expect("received from the QR code");
    assert_eq!(
        received.document.subject_ids(),
        vec![third.holder_keys().unwrap()[0].did.clone()]
    );

    let _ = stop_tx.send(());
    server.await.unwrap().unwrap();
}
