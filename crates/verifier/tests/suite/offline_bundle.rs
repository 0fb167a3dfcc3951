//! The offline bundle round-trips through a file, and a verifier loaded from it makes no network
//! connection — asserted with a live server on 127.0.0.1 that the documents point at and that
//! counts every TCP connection, and with the process-wide count of HTTP clients built. The same
//! server then proves the detector works: an online verifier does connect.
//!
//! One test function only: the HTTP client count is process-wide.

use crate::common;

use chrono::{Duration, Utc};
use civitas_core::report::{CheckKind, Outcome, Verdict};
use civitas_core::verify::VerifyOptions;
use civitas_keys::did::{ControllerDocument, ProofPurpose};
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::signer::LocalSigner;
use civitas_verifier::bundle::{Bundle, BundleBuilder};
use civitas_verifier::online::{OnlineConfig, http_clients_built_on_this_thread};
use civitas_verifier::trust::{TrustList, TrustListSigning, TrustedIssuer};
use civitas_verifier::{Mode, Verifier};
use common::server::{LocalServer, Route};
use common::*;

#[tokio::test]
async fn a_bundle_round_trips_and_a_bundle_verifier_never_touches_the_network() {
    let w = World::new().await;
    let server = LocalServer::start().await;

    // An issuer whose DID document and status lists live on the local server.
    let did = server.did_web();
    let key = KeyPair::from_secret_bytes(KeyAlgorithm::Ed25519, &[51; 32]).unwrap();
    let mut doc = ControllerDocument::new(&did);
    let method = doc.add_key("key-1", &key.public_key(), &[ProofPurpose::AssertionMethod]);
    let issuer = Office {
        did: did.clone(),
        signer: LocalSigner::new(key, method),
        rev_url: server.url("/status/revocation/1"),
        sus_url: server.url("/status/suspension/1"),
    };
    let lists = issuer
        .lists(&[], &[], Utc::now() - Duration::hours(1))
        .await;
    server.route(
        "/.well-known/did.json",
        Route::new(serde_json::to_vec(&doc).unwrap()),
    );
    server.route("/status/revocation/1", Route::new(lists[0].clone()));
    server.route("/status/suspension/1", Route::new(lists[1].clone()));

    let mut list = TrustList::new("local");
    list.add(
        TrustedIssuer::new(&did, ["BirthCertificate"])
            .named("Local Office")
            .with_document(doc.clone()),
    )
    .unwrap();
    let trust = list
        .sign(&w.anchor, &TrustListSigning::default())
        .await
        .unwrap();
    let unsigned = issuer
        .birth(None, 10, at(BIRTH_VALID_FROM))
        .build()
        .unwrap();
    let credential = sign_di(
        unsigned.json(),
        &issuer.signer,
        Utc::now() - Duration::hours(2),
    )
    .await;

    let clients_before = http_clients_built_on_this_thread();

    // Made from files, written, read back: the same bundle.
    let bundle = BundleBuilder::new(w.anchors())
        .trust_list(trust.clone())
        .status_list(lists[0].clone(), Utc::now())
        .status_list(lists[1].clone(), Utc::now())
        .build()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("verifier-bundle.json");
    std::fs::write(&path, bundle.to_json_pretty()).unwrap();
    let read = Bundle::parse(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(read, bundle);
    assert_eq!(read.status_lists.len(), 2);
    assert_eq!(read.status_lists[0].url, issuer.rev_url);
    assert!(
        read.trust_list.is_string(),
        "a vc+jwt trust list travels as a string"
    );

    let verifier =
        Verifier::from_bundle(&read, w.anchors(), std::time::Duration::from_secs(86_400))
            .await
            .unwrap();
    assert_eq!(verifier.mode(), Mode::Offline);
    assert!(verifier.fetcher().is_none());
    let report = verifier
        .verify(credential.as_bytes(), &VerifyOptions::default())
        .await;
    all_valid(&report);

    // Documents that would need the network get no answer from it: a list not in the bundle,
    // an issuer whose DID document is not pinned, a did:web holder.
    let other = Office {
        rev_url: server.url("/status/revocation/2"),
        sus_url: server.url("/status/suspension/2"),
        ..issuer.clone()
    };
    let unsigned = other.birth(None, 10, at(BIRTH_VALID_FROM)).build().unwrap();
    let unlisted = sign_di(
        unsigned.json(),
        &issuer.signer,
        Utc::now() - Duration::hours(2),
    )
    .await;
    let report = verifier
        .verify(unlisted.as_bytes(), &VerifyOptions::default())
        .await;
    assert_eq!(report.verdict, Verdict::Indeterminate, "{report}");
    let mut holder_doc = ControllerDocument::new(&format!("{did}:people:ana"));
    let holder_key = KeyPair::generate(KeyAlgorithm::Ed25519);
    let holder_method = holder_doc.add_key(
        "key-1",
        &holder_key.public_key(),
        &[ProofPurpose::Authentication],
    );
    let holder = LocalSigner::new(holder_key, holder_method);
    let vp = w
        .present_as(&holder, &[&credential], Some("c"), Some("d"))
        .await;
    let report = verifier
        .verify(
            vp.as_bytes(),
            &VerifyOptions {
                challenge: Some("c".into()),
                domain: Some("d".into()),
                ..VerifyOptions::default()
            },
        )
        .await;
    assert_eq!(report.verdict, Verdict::Invalid, "{report}");
    assert!(
        report
            .outcome(CheckKind::Signature)
            .is_some_and(Outcome::is_failed)
    );

    // Let any connection attempt arrive before counting.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        server.connections(),
        0,
        "the bundle verifier connected: {:?}",
        server.seen()
    );
    assert_eq!(
        http_clients_built_on_this_thread(),
        clients_before,
        "the bundle path built an HTTP client"
    );

    // The detector works: the same documents, verified online (HTTP allowed for the test),
    // make the verifier fetch the lists from the server.
    let online = Verifier::builder()
        .trust_anchor(w.anchors().remove(0))
        .trust_list(trust)
        .online(OnlineConfig::default().allow_http(true))
        .build()
        .await
        .unwrap();
    assert_eq!(online.mode(), Mode::Online);
    let report = online
        .verify(credential.as_bytes(), &VerifyOptions::default())
        .await;
    all_valid(&report);
    assert!(http_clients_built_on_this_thread() > clients_before);
    assert_eq!(server.connections(), 2, "{:?}", server.seen());
    let paths: Vec<String> = server.seen().into_iter().map(|s| s.path).collect();
    assert_eq!(paths, ["/status/revocation/1", "/status/suspension/1"]);
}

#[test]
fn a_bundle_with_a_repeated_member_name_is_refused() {
    // Last-wins reading would take the second `type` and complain about it instead.
    let text = br#"{"type": "CivitasVerifierBundle", "type": "Other", "version": 1}"#;
    let err = Bundle::parse(text).unwrap_err().to_string();
    assert!(err.contains("duplicate member name at `/type`"), "{err}");
    assert!(err.contains("byte 34"), "{err}");
}
