//! `Wallet::receive` (OpenID4VCI, pre-authorized code flow): refusals that need no issuer, and
//! the whole flow against a stub issuer over HTTPS on 127.0.0.1 (civitas-oid4vci's issuer-side
//! checks, credentials signed by the test world's office) that misbehaves on demand: a
//! credential about someone else, a tampered credential, OAuth errors, an answer too large, a
//! deferred answer, a redirect.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use civitas_core::secure::Securing;
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::signer::LocalSigner;
use civitas_oid4vci::codes::TokenRequest;
use civitas_oid4vci::metadata::{
    DocumentType, authorization_server_metadata, configuration_id, issuer_metadata,
};
use civitas_oid4vci::nonce::{MemoryNonceStore, Nonces};
use civitas_oid4vci::offer::{CredentialOffer, offer_uri_by_reference};
use civitas_oid4vci::proof::{ProofPolicy, validate_jwt_proof};
use civitas_oid4vci::request::parse_credential_request;
use civitas_wallet::{ReceiveError, ReceiveOptions, ReceiveStage, ShareForm, Wallet, WalletError};
use serde_json::{Value, json};

use crate::common::*;

const TX_CODE: &str = "493817";
const CODE: &str = "pre-authorized-code-1";
const TOKEN: &str = "access-token-1";

fn birth_ldp() -> String {
    configuration_id("BirthCertificate", "ldp_vc")
}

fn birth_jwt() -> String {
    configuration_id("BirthCertificate", "jwt_vc_json")
}

/// How the stub issuer behaves at its credential endpoint (and elsewhere).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    /// Issues the birth certificate to the holder who proved possession.
    Honest,
    /// Issues it to another DID.
    OtherSubject,
    /// Issues it to the holder, then changes a name in it.
    Tampered,
    /// Answers 2 MiB.
    Huge,
    /// Answers a deferred issuance.
    Deferred,
    /// Redirects the credential request elsewhere.
    Redirect,
    /// Says `invalid_nonce` to the first credential request.
    StaleNonceOnce,
}

struct Stub {
    base: String,
    office: Office,
    nonces: Nonces<MemoryNonceStore>,
    behaviour: Behaviour,
    /// The proofs' holders, in order.
    holders: Mutex<Vec<String>>,
    credential_requests: Mutex<usize>,
}

fn oauth(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

async fn issuer_meta(State(stub): State<Arc<Stub>>) -> Response {
    let meta = issuer_metadata(
        &stub.base,
        &[DocumentType::new(
            "BirthCertificate",
            "Birth certificate",
            "Acte de naissance",
        )],
        &[],
    );
    axum::Json(meta).into_response()
}

async fn as_meta(State(stub): State<Arc<Stub>>) -> Response {
    axum::Json(authorization_server_metadata(&stub.base)).into_response()
}

async fn offer(State(stub): State<Arc<Stub>>) -> Response {
    axum::Json(CredentialOffer::pre_authorized(
        &stub.base,
        vec![birth_ldp()],
        CODE,
        Some(6),
    ))
    .into_response()
}

async fn token(body: String) -> Response {
    let Ok(request) = TokenRequest::from_form(&body) else {
        return oauth(StatusCode::BAD_REQUEST, "invalid_request", "bad form");
    };
    if request.pre_authorized_code != CODE || request.tx_code.as_deref() != Some(TX_CODE) {
        return oauth(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the transaction code is wrong",
        );
    }
    axum::Json(json!({"access_token": TOKEN, "token_type": "Bearer", "expires_in": 300}))
        .into_response()
}

async fn nonce(State(stub): State<Arc<Stub>>) -> Response {
    match stub.nonces.issue(Utc::now()) {
        Ok(n) => axum::Json(n).into_response(),
        Err(e) => oauth(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            &e.to_string(),
        ),
    }
}

async fn credential(State(stub): State<Arc<Stub>>, headers: HeaderMap, body: String) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if auth != format!("Bearer {TOKEN}") {
        return oauth(StatusCode::UNAUTHORIZED, "invalid_token", "unknown token");
    }
    let meta = issuer_metadata(
        &stub.base,
        &[DocumentType::new("BirthCertificate", "Birth", "Naissance")],
        &[],
    );
    let request = match parse_credential_request(body.as_bytes(), &meta) {
        Ok(r) => r,
        Err(e) => return oauth(StatusCode::BAD_REQUEST, e.code(), e.description()),
    };
    let count = {
        let mut n = stub.credential_requests.lock().unwrap();
        *n += 1;
        *n
    };
    if stub.behaviour == Behaviour::StaleNonceOnce && count == 1 {
        return oauth(StatusCode::BAD_REQUEST, "invalid_nonce", "c_nonce expired");
    }
    let policy = ProofPolicy::new(&stub.base);
    let holder = match validate_jwt_proof(&request.jwt_proofs[0], &policy, &stub.nonces, Utc::now())
    {
        Ok(h) => h,
        Err(e) => return oauth(StatusCode::BAD_REQUEST, e.code(), e.description()),
    };
    stub.holders.lock().unwrap().push(holder.did.clone());
    let securing = if request.credential_configuration_id == birth_jwt() {
        Securing::VcJwt
    } else {
        Securing::DataIntegrity
    };
    let subject = match stub.behaviour {
        Behaviour::OtherSubject => LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519))
            .controller()
            .to_owned(),
        _ => holder.did.clone(),
    };
    let signed = birth(&stub.office, &subject, 40, securing).await;
    let credential: Value = match securing {
        Securing::VcJwt => Value::String(signed),
        _ => serde_json::from_str(&signed).unwrap(),
    };
    let credential = match stub.behaviour {
        Behaviour::Tampered => serde_json::from_str(
            &credential
                .to_string()
                .replace("Marie-Claire", "Marie-Clara"),
        )
        .unwrap(),
        _ => credential,
    };
    match stub.behaviour {
        Behaviour::Huge => (StatusCode::OK, "x".repeat(2 * 1024 * 1024)).into_response(),
        Behaviour::Deferred => axum::Json(json!({"transaction_id": "t-1"})).into_response(),
        Behaviour::Redirect => (
            StatusCode::TEMPORARY_REDIRECT,
            [("location", "https://127.0.0.1:1/elsewhere")],
        )
            .into_response(),
        _ => axum::Json(json!({"credentials": [{"credential": credential}]})).into_response(),
    }
}

struct Running {
    stub: Arc<Stub>,
    cert_pem: Vec<u8>,
}

impl Running {
    fn base(&self) -> &str {
        &self.stub.base
    }

    fn offer(&self, tx: bool) -> String {
        CredentialOffer::pre_authorized(
            self.base(),
            vec![birth_ldp(), birth_jwt()],
            CODE,
            tx.then_some(6),
        )
        .to_uri()
        .unwrap()
    }

    fn options(&self) -> ReceiveOptions {
        ReceiveOptions {
            tx_code: Some(TX_CODE.to_owned()),
            root_certificates_pem: vec![self.cert_pem.clone()],
            ..ReceiveOptions::default()
        }
    }
}

/// Starts the stub issuer over HTTPS on 127.0.0.1 (a fresh self-signed certificate).
async fn start(world: &World, behaviour: Behaviour) -> Running {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::service::TowerToHyperService;
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

    let generated =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let tls = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![generated.cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
                generated.signing_key.serialize_der(),
            )),
        )
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let stub = Arc::new(Stub {
        base: format!("https://127.0.0.1:{port}/issuer"),
        office: Office::did_key(11, "registry.gov.example"),
        nonces: Nonces::new(MemoryNonceStore::new()),
        behaviour,
        holders: Mutex::new(Vec::new()),
        credential_requests: Mutex::new(0),
    });
    assert_eq!(stub.office.did, world.office.did);
    let app = axum::Router::new()
        .route(
            "/.well-known/openid-credential-issuer/issuer",
            get(issuer_meta),
        )
        .route(
            "/.well-known/oauth-authorization-server/issuer",
            get(as_meta),
        )
        .route("/issuer/offers/1", get(offer))
        .route("/issuer/oid4vci/token", post(token))
        .route("/issuer/oid4vci/nonce", post(nonce))
        .route("/issuer/oid4vci/credential", post(credential))
        .with_state(stub.clone());
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (acceptor, app) = (acceptor.clone(), app.clone());
            tokio::spawn(async move {
                let Ok(tls_stream) = acceptor.accept(stream).await else {
                    return;
                };
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls_stream), TowerToHyperService::new(app))
                    .await;
            });
        }
    });
    Running {
        stub,
        cert_pem: generated.cert.pem().into_bytes(),
    }
}

async fn receive(
    wallet: &Wallet,
    world: &World,
    offer: &str,
    options: &ReceiveOptions,
) -> Result<civitas_wallet::Received, ReceiveError> {
    let verifier = world.verifier(&[]).await;
    wallet.receive(offer, options, &verifier).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_honest_issuer_by_value_and_by_reference() {
    let world = World::new().await;
    let running = start(&world, Behaviour::Honest).await;
    let dir = tempfile::tempdir().unwrap();
    let wallet = new_wallet(&dir.path().join("w"));
    let holder = holder_did(&wallet);

    let received = receive(&wallet, &world, &running.offer(true), &running.options())
        .await
        .expect("received");
    assert_eq!(received.credential_issuer, running.base());
    assert_eq!(received.configuration_id, birth_ldp());
    assert_eq!(received.holder.did, holder);
    assert_eq!(received.document.subject_ids(), vec![holder.clone()]);
    assert_eq!(*running.stub.holders.lock().unwrap(), vec![holder.clone()]);
    assert_eq!(wallet.documents().unwrap().len(), 1);
    let log = wallet.consent_log().unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].form, ShareForm::Received);
    assert_eq!(
        log[0].summary(),
        format!(
            "received from {} via OpenID4VCI, configuration {}",
            running.base(),
            birth_ldp()
        )
    );
    assert_eq!(log[0].documents[0].id, received.document.id);

    // By reference (the offer fetched from the issuer), into another wallet.
    let other = new_wallet(&dir.path().join("w2"));
    let by_reference = offer_uri_by_reference(&format!("{}/offers/1", running.base()));
    let mut options = running.options();
    options.configuration_id = Some(birth_ldp());
    let received = receive(&other, &world, &by_reference, &options)
        .await
        .expect("by reference");
    assert_eq!(received.holder.did, holder_did(&other));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jwt_credential_and_a_p256_holder() {
    let world = World::new().await;
    let running = start(&world, Behaviour::Honest).await;
    let dir = tempfile::tempdir().unwrap();
    let wallet = new_wallet(&dir.path().join("w"));
    let p256 = wallet.add_holder_key(KeyAlgorithm::P256).unwrap();
    let mut options = running.options();
    options.configuration_id = Some(birth_jwt());
    options.holder = Some(p256.did.clone());
    let received = receive(&wallet, &world, &running.offer(true), &options)
        .await
        .expect("received");
    assert_eq!(received.holder.did, p256.did);
    assert_eq!(
        received.document.format,
        civitas_wallet::DocumentFormat::VcJwt
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_credential_about_someone_else_is_not_stored() {
    let world = World::new().await;
    let running = start(&world, Behaviour::OtherSubject).await;
    let dir = tempfile::tempdir().unwrap();
    let wallet = new_wallet(&dir.path().join("w"));
    let e = receive(&wallet, &world, &running.offer(true), &running.options())
        .await
        .unwrap_err();
    assert!(matches!(e, ReceiveError::SubjectMismatch { .. }), "{e}");
    assert_eq!(e.stage(), ReceiveStage::Verification);
    assert!(wallet.documents().unwrap().is_empty());
    assert!(wallet.consent_log().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_credential_is_refused_and_not_stored() {
    let world = World::new().await;
    let running = start(&world, Behaviour::Tampered).await;
    let dir = tempfile::tempdir().unwrap();
    let wallet = new_wallet(&dir.path().join("w"));
    let e = receive(&wallet, &world, &running.offer(true), &running.options())
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
    assert!(wallet.documents().unwrap().is_empty());
    assert!(wallet.consent_log().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_issuers_oauth_errors_are_typed() {
    let world = World::new().await;
    let running = start(&world, Behaviour::Honest).await;
    let dir = tempfile::tempdir().unwrap();
    let wallet = new_wallet(&dir.path().join("w"));
    let mut options = running.options();
    options.tx_code = Some("000000".to_owned());
    let e = receive(&wallet, &world, &running.offer(true), &options)
        .await
        .unwrap_err();
    assert_eq!(e.stage(), ReceiveStage::Token);
    let oauth = e.oauth_error().expect("an OAuth error");
    assert_eq!(oauth.error, "invalid_grant");
    assert_eq!(
        oauth.error_description.as_deref(),
        Some("the transaction code is wrong")
    );
    assert!(e.to_string().contains("invalid_grant"), "{e}");
    assert!(wallet.documents().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_nonce_is_retried_once_with_a_fresh_one() {
    let world = World::new().await;
    let running = start(&world, Behaviour::StaleNonceOnce).await;
    let dir = tempfile::tempdir().unwrap();
    let wallet = new_wallet(&dir.path().join("w"));
    receive(&wallet, &world, &running.offer(true), &running.options())
        .await
        .expect("received on the second try");
    assert_eq!(*running.stub.credential_requests.lock().unwrap(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_deferred_and_redirected_answers() {
    let world = World::new().await;
    let dir = tempfile::tempdir().unwrap();
    for (i, behaviour) in [Behaviour::Huge, Behaviour::Deferred, Behaviour::Redirect]
        .into_iter()
        .enumerate()
    {
        let running = start(&world, behaviour).await;
        let wallet = new_wallet(&dir.path().join(format!("w{i}")));
        let e = receive(&wallet, &world, &running.offer(true), &running.options())
            .await
            .unwrap_err();
        assert_eq!(e.stage(), ReceiveStage::Credential, "{behaviour:?}: {e}");
        match behaviour {
            Behaviour::Huge => assert!(
                matches!(&e, ReceiveError::Http { reason, .. } if reason.contains("larger than")),
                "{e}"
            ),
            Behaviour::Deferred => assert!(e.to_string().contains("deferred"), "{e}"),
            _ => assert!(matches!(e, ReceiveError::Status { status: 307, .. }), "{e}"),
        }
        assert!(wallet.documents().unwrap().is_empty());
    }
    // A smaller limit than the metadata's size refuses at the first answer.
    let running = start(&world, Behaviour::Honest).await;
    let wallet = new_wallet(&dir.path().join("small"));
    let mut options = running.options();
    options.max_response_bytes = 100;
    let e = receive(&wallet, &world, &running.offer(true), &options)
        .await
        .unwrap_err();
    assert_eq!(e.stage(), ReceiveStage::IssuerMetadata, "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_is_refused() {
    let world = World::new().await;
    let running = start(&world, Behaviour::Honest).await;
    let dir = tempfile::tempdir().unwrap();
    let wallet = new_wallet(&dir.path().join("w"));
    let mut options = running.options();
    options.root_certificates_pem.clear();
    let e = receive(&wallet, &world, &running.offer(true), &options)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            ReceiveError::Http {
                stage: ReceiveStage::IssuerMetadata,
                ..
            }
        ),
        "{e}"
    );
}

/// Refusals before any network exchange.
#[tokio::test]
async fn refusals_that_need_no_issuer() {
    let world = World::new().await;
    let dir = tempfile::tempdir().unwrap();
    let wallet = new_wallet(&dir.path().join("w"));
    let offer = |issuer: &str, tx: Option<u32>| {
        CredentialOffer::pre_authorized(issuer, vec![birth_ldp()], CODE, tx)
            .to_uri()
            .unwrap()
    };
    let options = ReceiveOptions::default();
    let with_tx = ReceiveOptions {
        tx_code: Some(TX_CODE.to_owned()),
        ..ReceiveOptions::default()
    };

    let e = receive(&wallet, &world, "not an offer", &options)
        .await
        .unwrap_err();
    assert!(matches!(e, ReceiveError::Offer(_)), "{e}");
    assert_eq!(e.stage(), ReceiveStage::Offer);

    let e = receive(
        &wallet,
        &world,
        "openid-credential-offer://?credential_offer_uri=http%3A%2F%2F127.0.0.1%2Foffer",
        &options,
    )
    .await
    .unwrap_err();
    assert!(matches!(e, ReceiveError::Offer(_)), "{e}");

    let mut no_grant =
        CredentialOffer::pre_authorized("https://127.0.0.1:1", vec![birth_ldp()], CODE, None);
    no_grant.grants.pre_authorized_code = None;
    let e = receive(&wallet, &world, &no_grant.to_uri().unwrap(), &options)
        .await
        .unwrap_err();
    assert!(matches!(e, ReceiveError::NoPreAuthorizedCode), "{e}");

    let e = receive(
        &wallet,
        &world,
        &offer("https://127.0.0.1:1", Some(6)),
        &options,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            e,
            ReceiveError::TxCodeRequired {
                length: Some(6),
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("--tx-code"), "{e}");

    let e = receive(
        &wallet,
        &world,
        &offer("https://127.0.0.1:1", None),
        &with_tx,
    )
    .await
    .unwrap_err();
    assert!(matches!(e, ReceiveError::TxCodeNotExpected), "{e}");

    let short = ReceiveOptions {
        tx_code: Some("123".to_owned()),
        ..ReceiveOptions::default()
    };
    let e = receive(
        &wallet,
        &world,
        &offer("https://127.0.0.1:1", Some(6)),
        &short,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            e,
            ReceiveError::TxCodeLength {
                expected: 6,
                given: 3
            }
        ),
        "{e}"
    );

    let bad_ca = ReceiveOptions {
        root_certificates_pem: vec![b"not a certificate".to_vec()],
        ..with_tx.clone()
    };
    let e = receive(
        &wallet,
        &world,
        &offer("https://127.0.0.1:1", Some(6)),
        &bad_ca,
    )
    .await
    .unwrap_err();
    assert!(matches!(e, ReceiveError::Client(_)), "{e}");

    // Nothing listens on port 1: the metadata fetch fails, named.
    let e = receive(
        &wallet,
        &world,
        &offer("https://127.0.0.1:1", Some(6)),
        &with_tx,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            e,
            ReceiveError::Http {
                stage: ReceiveStage::IssuerMetadata,
                ..
            }
        ),
        "{e}"
    );
    assert!(wallet.documents().unwrap().is_empty());
    assert!(wallet.consent_log().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn choices_the_offer_or_the_wallet_cannot_honour() {
    let world = World::new().await;
    let running = start(&world, Behaviour::Honest).await;
    let dir = tempfile::tempdir().unwrap();
    let wallet = new_wallet(&dir.path().join("w"));

    let mut options = running.options();
    options.configuration_id = Some("MarriageCertificate_ldp_vc".to_owned());
    let e = receive(&wallet, &world, &running.offer(true), &options)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ReceiveError::ConfigurationNotOffered { offered, .. } if offered.len() == 2),
        "{e}"
    );
    assert_eq!(e.stage(), ReceiveStage::IssuerMetadata);

    let mut options = running.options();
    options.holder = Some("did:key:z6MkNotInThisWallet".to_owned());
    let e = receive(&wallet, &world, &running.offer(true), &options)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            ReceiveError::Wallet {
                stage: ReceiveStage::Holder,
                source: WalletError::NotFound(_)
            }
        ),
        "{e}"
    );
    assert!(wallet.documents().unwrap().is_empty());
}
