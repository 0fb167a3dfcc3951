//! `Wallet::prepare_response` / `send_response` / `decline` (OpenID4VP 1.0, cross-device,
//! signed request object by reference, `direct_post`) against a mock verifier over HTTPS on
//! 127.0.0.1 that serves a request object signed with a did:key and records every POST: an
//! honest exchange (exactly the asked claims disclosed, key binding to the verifier's client id
//! and nonce, state echoed, consent logged), and requests built to be refused before anything
//! is sent.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{Duration, Utc};
use civitas_core::model::{DocumentType, sample};
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::signer::{LocalSigner, Signer};
use civitas_oid4vp::Oid4vpError;
use civitas_oid4vp::dcql::{DcqlQuery, FORMAT_SD_JWT, Meta};
use civitas_oid4vp::request::{AuthorizationRequest, did_client_id, sign_request_object};
use civitas_oid4vp::response::{DirectPost, Presentation, parse_direct_post};
use civitas_oid4vp::uri::request_link;
use civitas_sdjwt::vct::vct_for;
use civitas_sdjwt::{IssueOptions, SdPath};
use civitas_verifier::Verifier;
use civitas_wallet::{
    ImportOptions, RespondError, RespondOptions, ShareForm, StoredDocument, Wallet,
};
use serde_json::{Map, Value, json};

use crate::common::*;

const VERIFIER_NAME: &str = "Bank of Testing";

/// The mock verifier: the request object it serves, and every form POSTed to it.
struct Mock {
    base: String,
    request_object: Mutex<String>,
    posts: Mutex<Vec<String>>,
    /// Whether it refuses the response (400 `invalid_request`).
    refuse: bool,
}

async fn request_object(State(mock): State<Arc<Mock>>) -> Response {
    let jwt = mock.request_object.lock().unwrap().clone();
    ([("content-type", "application/oauth-authz-req+jwt")], jwt).into_response()
}

async fn response(State(mock): State<Arc<Mock>>, body: String) -> Response {
    mock.posts.lock().unwrap().push(body);
    if mock.refuse {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "invalid_request", "error_description": "not today"})),
        )
            .into_response();
    }
    axum::Json(json!({})).into_response()
}

struct Running {
    mock: Arc<Mock>,
    cert_pem: Vec<u8>,
}

impl Running {
    fn request_uri(&self) -> String {
        format!("{}/request/1", self.mock.base)
    }

    fn response_uri(&self) -> String {
        format!("{}/response/1", self.mock.base)
    }

    fn options(&self) -> RespondOptions {
        RespondOptions {
            roots: vec![self.cert_pem.clone()],
            ..RespondOptions::default()
        }
    }

    fn serve(&self, jwt: &str) {
        *self.mock.request_object.lock().unwrap() = jwt.to_owned();
    }

    fn posts(&self) -> Vec<String> {
        self.mock.posts.lock().unwrap().clone()
    }
}

/// Starts the mock verifier over HTTPS on 127.0.0.1 (a fresh self-signed certificate).
async fn start(refuse: bool) -> Running {
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
    let mock = Arc::new(Mock {
        base: format!("https://127.0.0.1:{port}"),
        request_object: Mutex::new(String::new()),
        posts: Mutex::new(Vec::new()),
        refuse,
    });
    let app = axum::Router::new()
        .route("/request/1", get(request_object))
        .route("/response/1", post(response))
        .with_state(mock.clone());
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
        mock,
        cert_pem: generated.cert.pem().into_bytes(),
    }
}

/// A verifier identified by a did:key.
fn verifier_key() -> LocalSigner {
    LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519))
}

/// The query of the tests: givenName, familyName and birthDate of a birth certificate.
fn birth_query(type_name: &str) -> DcqlQuery {
    DcqlQuery::single(
        "birth",
        FORMAT_SD_JWT,
        Meta::sd_jwt(&[&vct_for(type_name)]),
        &[&["givenName"], &["familyName"], &["birthDate"]],
    )
    .unwrap()
}

/// A request of `client_id` for `query`, answered at the mock, issued `age` ago, valid 5 min.
fn request(
    running: &Running,
    client_id: &str,
    query: DcqlQuery,
    age: Duration,
) -> AuthorizationRequest {
    let mut request = AuthorizationRequest::direct_post(
        client_id,
        &running.response_uri(),
        query,
        Utc::now() - age,
        Duration::minutes(5),
    );
    request.client_metadata = Some(json!({"client_name": VERIFIER_NAME}));
    request
}

/// The sample birth certificate's subject as an SD-JWT VC by the test world's office, every
/// claim selectively disclosable, bound (`cnf`) to the wallet's first holder key; imported.
async fn store_birth_sd_jwt(wallet: &Wallet, world: &World) -> StoredDocument {
    let birth = DocumentType::named("BirthCertificate").unwrap();
    let Value::Object(mut claims) = sample(&birth).unwrap() else {
        panic!("the sample is an object")
    };
    claims.remove("id");
    claims.remove("type");
    let holder = holder_did(wallet);
    let key = civitas_keys::did::did_key_public_key(&holder).unwrap();
    let mut options = IssueOptions::new(
        vct_for("BirthCertificate"),
        world.office.did.clone(),
        (Utc::now() - Duration::hours(1)).timestamp(),
    );
    options.sub = Some(holder);
    options.cnf_jwk = Some(key.to_jwk());
    options.selectively_disclosable = claims.keys().map(|k| SdPath::parse(k).unwrap()).collect();
    let issued = civitas_sdjwt::issue(&claims, &options, &world.office.signer)
        .await
        .unwrap();
    let verifier = Verifier::builder()
        .trust_any_issuer()
        .build()
        .await
        .unwrap();
    wallet
        .import(
            issued.as_str().as_bytes(),
            &verifier,
            &ImportOptions {
                accept_indeterminate: true,
                ..ImportOptions::default()
            },
        )
        .await
        .expect("the SD-JWT VC is imported")
}

/// A new wallet holding the SD-JWT VC.
async fn wallet_with_birth(dir: &std::path::Path, world: &World) -> (Wallet, StoredDocument) {
    let wallet = new_wallet(&dir.join("w"));
    let doc = store_birth_sd_jwt(&wallet, world).await;
    (wallet, doc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_honest_verifier_gets_exactly_the_claims_it_asked_for() {
    let world = World::new().await;
    let running = start(false).await;
    let dir = tempfile::tempdir().unwrap();
    let (wallet, doc) = wallet_with_birth(dir.path(), &world).await;

    let key = verifier_key();
    let client_id = did_client_id(key.controller());
    let request = request(
        &running,
        &client_id,
        birth_query("BirthCertificate"),
        Duration::zero(),
    );
    running.serve(&sign_request_object(&request, &key).await.unwrap());
    let link = request_link(&client_id, &running.request_uri());

    let prepared = wallet
        .prepare_response(&link, &running.options())
        .await
        .expect("prepared");
    assert_eq!(prepared.client_id, client_id);
    assert_eq!(prepared.client_name.as_deref(), Some(VERIFIER_NAME));
    assert_eq!(
        prepared.response_host,
        running.mock.base.trim_start_matches("https://")
    );
    assert_eq!(prepared.recipient(), VERIFIER_NAME);
    assert_eq!(prepared.queries.len(), 1);
    let query = &prepared.queries[0];
    assert_eq!(query.query_id, "birth");
    assert_eq!(query.document_id, doc.id);
    assert!(!query.whole_document);
    assert_eq!(query.claims, vec!["givenName", "familyName", "birthDate"]);
    assert!(running.posts().is_empty(), "nothing is sent before consent");
    assert!(wallet.consent_log().unwrap().is_empty());

    let responded = wallet
        .send_response(&prepared, None)
        .await
        .expect("accepted");
    assert_eq!(responded.status, 200);
    assert_eq!(responded.consent.len(), 1);

    // What the verifier received.
    let posts = running.posts();
    assert_eq!(posts.len(), 1);
    let DirectPost::Response(response) = parse_direct_post(posts[0].as_bytes()).unwrap() else {
        panic!("a vp_token was posted: {}", posts[0]);
    };
    assert_eq!(response.state, request.state);
    response.check_against(&request.dcql_query).unwrap();
    let [Presentation::Compact(presentation)] = response.vp_token["birth"].as_slice() else {
        panic!("one SD-JWT presentation");
    };
    let verified = civitas_sdjwt::verify(
        presentation,
        &world.office.signer.public_key(),
        &civitas_sdjwt::VerifyOptions::new(Utc::now().timestamp()).require_key_binding(
            &client_id,
            &request.nonce,
            300,
        ),
    )
    .expect("the presentation verifies, key binding included");
    let binding = verified.key_binding.expect("a KB-JWT");
    assert_eq!(binding.aud, client_id);
    assert_eq!(binding.nonce, request.nonce);
    let mut disclosed: Vec<String> = verified.disclosed.iter().map(ToString::to_string).collect();
    disclosed.sort();
    assert_eq!(disclosed, vec!["birthDate", "familyName", "givenName"]);
    assert!(verified.claims.contains_key("givenName"));
    assert!(!verified.claims.contains_key("mother"));
    assert!(!verified.claims.contains_key("father"));
    assert!(!presentation.contains("Ramdin"), "nothing of the parents");

    // The consent log: exactly those claims, to that verifier.
    let log = wallet.consent_log().unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].form, ShareForm::Disclosure);
    assert_eq!(log[0].recipient.as_deref(), Some(VERIFIER_NAME));
    assert_eq!(log[0].domain.as_deref(), Some(client_id.as_str()));
    assert_eq!(log[0].challenge.as_deref(), Some(request.nonce.as_str()));
    assert_eq!(log[0].documents.len(), 1);
    assert_eq!(log[0].documents[0].id, doc.id);
    let mut fields = log[0].documents[0].fields.clone();
    fields.sort();
    assert_eq!(fields, vec!["birthDate", "familyName", "givenName"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_signed_by_another_did_is_refused_before_anything_is_sent() {
    let world = World::new().await;
    let running = start(false).await;
    let dir = tempfile::tempdir().unwrap();
    let (wallet, _) = wallet_with_birth(dir.path(), &world).await;
    let key = verifier_key();
    let impostor = verifier_key();
    let client_id = did_client_id(key.controller());
    let link = request_link(&client_id, &running.request_uri());

    // The link's client id in the request, signed by another DID's key.
    let request_a = request(
        &running,
        &client_id,
        birth_query("BirthCertificate"),
        Duration::zero(),
    );
    let forged = civitas_core::jwt::sign(
        &request_a.to_claims().unwrap(),
        "oauth-authz-req+jwt",
        &impostor,
    )
    .await
    .unwrap();
    running.serve(&forged);
    let e = wallet
        .prepare_response(&link, &running.options())
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            RespondError::RequestRefused(Oid4vpError::SignerNotClientId { .. })
        ),
        "{e}"
    );

    // The impostor's own, honest request behind the link of another client id.
    let impostor_id = did_client_id(impostor.controller());
    let request_b = request(
        &running,
        &impostor_id,
        birth_query("BirthCertificate"),
        Duration::zero(),
    );
    running.serve(&sign_request_object(&request_b, &impostor).await.unwrap());
    let e = wallet
        .prepare_response(&link, &running.options())
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            RespondError::RequestRefused(Oid4vpError::ClientIdMismatch { .. })
        ),
        "{e}"
    );
    assert!(running.posts().is_empty());
    assert!(wallet.consent_log().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_request_object_is_refused() {
    let world = World::new().await;
    let running = start(false).await;
    let dir = tempfile::tempdir().unwrap();
    let (wallet, _) = wallet_with_birth(dir.path(), &world).await;
    let key = verifier_key();
    let client_id = did_client_id(key.controller());
    let request = request(
        &running,
        &client_id,
        birth_query("BirthCertificate"),
        Duration::zero(),
    );
    let jwt = sign_request_object(&request, &key).await.unwrap();

    // The response goes elsewhere, the signature kept.
    use civitas_keys::encoding::{base64url, decode_base64url};
    let parts: Vec<&str> = jwt.split('.').collect();
    let mut payload: Map<String, Value> =
        serde_json::from_slice(&decode_base64url(parts[1]).unwrap()).unwrap();
    payload.insert(
        "response_uri".into(),
        Value::String("https://attacker.example/collect".into()),
    );
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        base64url(&serde_json::to_vec(&payload).unwrap()),
        parts[2]
    );
    running.serve(&tampered);
    let link = request_link(&client_id, &running.request_uri());
    let e = wallet
        .prepare_response(&link, &running.options())
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            RespondError::RequestRefused(Oid4vpError::BadSignature(_))
        ),
        "{e}"
    );
    assert!(running.posts().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_request_is_refused() {
    let world = World::new().await;
    let running = start(false).await;
    let dir = tempfile::tempdir().unwrap();
    let (wallet, _) = wallet_with_birth(dir.path(), &world).await;
    let key = verifier_key();
    let client_id = did_client_id(key.controller());
    let request = request(
        &running,
        &client_id,
        birth_query("BirthCertificate"),
        Duration::minutes(10),
    );
    running.serve(&sign_request_object(&request, &key).await.unwrap());
    let link = request_link(&client_id, &running.request_uri());
    let e = wallet
        .prepare_response(&link, &running.options())
        .await
        .unwrap_err();
    assert!(
        matches!(e, RespondError::RequestRefused(Oid4vpError::Expired { .. })),
        "{e}"
    );
    assert!(running.posts().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_type_the_wallet_does_not_hold_matches_nothing() {
    let world = World::new().await;
    let running = start(false).await;
    let dir = tempfile::tempdir().unwrap();
    let (wallet, _) = wallet_with_birth(dir.path(), &world).await;
    let key = verifier_key();
    let client_id = did_client_id(key.controller());
    let link = request_link(&client_id, &running.request_uri());

    let marriage = DcqlQuery::single(
        "marriage",
        FORMAT_SD_JWT,
        Meta::sd_jwt(&[&vct_for("MarriageCertificate")]),
        &[&["spouses"]],
    )
    .unwrap();
    let request_m = request(&running, &client_id, marriage, Duration::zero());
    running.serve(&sign_request_object(&request_m, &key).await.unwrap());
    let e = wallet
        .prepare_response(&link, &running.options())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, RespondError::NoMatchingDocument { query_id, .. } if query_id == "marriage"),
        "{e}"
    );

    // The right type, a claim the document does not have.
    let odd = DcqlQuery::single(
        "birth",
        FORMAT_SD_JWT,
        Meta::sd_jwt(&[&vct_for("BirthCertificate")]),
        &[&["givenName"], &["shoeSize"]],
    )
    .unwrap();
    let request_o = request(&running, &client_id, odd, Duration::zero());
    running.serve(&sign_request_object(&request_o, &key).await.unwrap());
    let e = wallet
        .prepare_response(&link, &running.options())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, RespondError::NoMatchingDocument { query_id, reason } if query_id == "birth" && reason.contains("shoeSize")),
        "{e}"
    );
    assert!(running.posts().is_empty());
    assert!(wallet.consent_log().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declining_posts_access_denied_and_shares_nothing() {
    let world = World::new().await;
    let running = start(false).await;
    let dir = tempfile::tempdir().unwrap();
    let (wallet, _) = wallet_with_birth(dir.path(), &world).await;
    let key = verifier_key();
    let client_id = did_client_id(key.controller());
    let request = request(
        &running,
        &client_id,
        birth_query("BirthCertificate"),
        Duration::zero(),
    );
    running.serve(&sign_request_object(&request, &key).await.unwrap());
    let link = request_link(&client_id, &running.request_uri());
    let prepared = wallet
        .prepare_response(&link, &running.options())
        .await
        .unwrap();
    wallet
        .decline(&prepared)
        .await
        .expect("the verifier took the refusal");
    let posts = running.posts();
    assert_eq!(posts.len(), 1);
    let DirectPost::Error(error) = parse_direct_post(posts[0].as_bytes()).unwrap() else {
        panic!("an error response was posted: {}", posts[0]);
    };
    assert_eq!(error.error, "access_denied");
    assert_eq!(error.state.as_deref(), Some(request.state.as_str()));
    assert!(!posts[0].contains("vp_token"));
    assert!(wallet.consent_log().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verifier_refusal_is_typed() {
    let world = World::new().await;
    let running = start(true).await;
    let dir = tempfile::tempdir().unwrap();
    let (wallet, _) = wallet_with_birth(dir.path(), &world).await;
    let key = verifier_key();
    let client_id = did_client_id(key.controller());
    let request = request(
        &running,
        &client_id,
        birth_query("BirthCertificate"),
        Duration::zero(),
    );
    running.serve(&sign_request_object(&request, &key).await.unwrap());
    let link = request_link(&client_id, &running.request_uri());
    let prepared = wallet
        .prepare_response(&link, &running.options())
        .await
        .unwrap();
    let e = wallet
        .send_response(&prepared, Some("My bank"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, RespondError::Refused { status: 400, error, description }
            if error == "invalid_request" && description.as_deref() == Some("not today")),
        "{e}"
    );
    // The share was logged before it went (to the name the holder gave).
    let log = wallet.consent_log().unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].recipient.as_deref(), Some("My bank"));
}

#[tokio::test]
async fn bad_links_and_unreachable_verifiers() {
    let dir = tempfile::tempdir().unwrap();
    let wallet = new_wallet(&dir.path().join("w"));
    let options = RespondOptions::default();
    for link in [
        "not a link",
        "openid4vp://?client_id=decentralized_identifier%3Adid%3Akey%3Az6Mk",
        "openid4vp://?client_id=x&request_uri=http%3A%2F%2F127.0.0.1%3A1%2Fr",
    ] {
        let e = wallet.prepare_response(link, &options).await.unwrap_err();
        assert!(matches!(e, RespondError::Link(_)), "{link}: {e}");
    }
    let e = wallet
        .prepare_response(
            "openid4vp://?client_id=x&request_uri=https%3A%2F%2F127.0.0.1%3A1%2Fr",
            &options,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&e, RespondError::Fetch { url, .. } if url == "https://127.0.0.1:1/r"),
        "{e}"
    );
    let bad_root = RespondOptions {
        roots: vec![b"not a certificate".to_vec()],
        ..RespondOptions::default()
    };
    let e = wallet
        .prepare_response(
            "openid4vp://?client_id=x&request_uri=https%3A%2F%2F127.0.0.1%3A1%2Fr",
            &bad_root,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, RespondError::Client(_)), "{e}");
}
