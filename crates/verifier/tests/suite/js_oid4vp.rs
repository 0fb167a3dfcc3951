//! civitas' OpenID4VP relying party (`civitas_verifier::oid4vp`) answered by an independent
//! wallet: the client side of `@openid4vc/openid4vp` with `@sd-jwt/sd-jwt-vc` presentations
//! (tests/interop/oid4vp-wallet.mjs). Over HTTPS on 127.0.0.1 the JS wallet resolves the link
//! (fetches the signed request object and verifies it against the `decentralized_identifier:`
//! client id with its own did:key resolution), presents the claims the DCQL query names with a
//! key binding JWT and POSTs the response; civitas keeps exactly those claims. A key binding
//! JWT over another nonce is refused and the request is stored as refused.

use std::sync::{Arc, RwLock};

use chrono::Utc;
use civitas_core::model::{DocumentType, sample};
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::signer::LocalSigner;
use civitas_sdjwt::status_list::{TokenStatusList, sign_status_list_token};
use civitas_sdjwt::{IssueOptions, SdPath, StatusReference};
use civitas_testkit::fixtures::seeded_key;
use civitas_testkit::js::{JsPeer, JsWalletAnswer};
use civitas_verifier::Verifier;
use civitas_verifier::oid4vp::{Oid4vpConfig, RelyingParty, router};
use serde_json::{Value, json};

const TOKEN: &str = "rp-secret-token-for-the-js-interop-0123456789";
const STATUS_URI: &str = "https://office.example/status/js/1";
const ASKED: [&str; 3] = ["birthDate", "familyName", "givenName"];
const HOLDER_SEED: u8 = 72;

/// civitas' relying party over HTTPS on 127.0.0.1 (the TEST-ONLY certificate of
/// tests/interop/fixtures), trusting any issuer, with the issuer's token status list.
struct Rp {
    base: String,
    client: reqwest::Client,
    issuer: LocalSigner,
    client_id: String,
}

impl Rp {
    async fn start(js: &JsPeer) -> Self {
        use hyper_util::rt::{TokioExecutor, TokioIo};
        use hyper_util::service::TowerToHyperService;
        use rustls::pki_types::pem::PemObject as _;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};

        let issuer = LocalSigner::did_key(seeded_key(71));
        let mut list = TokenStatusList::new(2, 64).unwrap();
        list.set(9, 1).unwrap();
        let now = Utc::now().timestamp();
        let token =
            sign_status_list_token(&list, STATUS_URI, now - 60, Some(now + 3600), None, &issuer)
                .await
                .unwrap();
        let verifier = Verifier::builder()
            .trust_any_issuer()
            .status_token(STATUS_URI, &token, None)
            .build()
            .await
            .unwrap();

        let cert_path = js.dir().join("fixtures/tls-cert.pem");
        let cert_pem = std::fs::read(&cert_path).unwrap();
        let key_pem = std::fs::read(js.dir().join("fixtures/tls-key.pem")).unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from_pem_slice(&cert_pem).unwrap()],
                PrivateKeyDer::from_pem_slice(&key_pem).unwrap(),
            )
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!(
            "https://127.0.0.1:{}",
            listener.local_addr().unwrap().port()
        );
        let signer = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
        let rp = RelyingParty::new(Oid4vpConfig::new(
            &base,
            signer,
            "civitas test bank",
            TOKEN,
            Arc::new(RwLock::new(Arc::new(verifier))),
        ));
        let client_id = rp.client_id().to_owned();
        let app = router(rp);
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
        let client = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&cert_pem).unwrap())
            .no_proxy()
            .build()
            .unwrap();
        Self {
            base,
            client,
            issuer,
            client_id,
        }
    }

    /// A birth certificate SD-JWT VC of the holder (seed [`HOLDER_SEED`]), every subject claim
    /// disclosable, status at `idx`.
    async fn sd_jwt(&self, idx: u64) -> String {
        let t = DocumentType::named("BirthCertificate").unwrap();
        let Value::Object(mut claims) = sample(&t).unwrap() else {
            panic!("sample")
        };
        claims.remove("id");
        claims.remove("type");
        assert!(claims.contains_key("mother"), "the sample has parents");
        let mut options = IssueOptions::new(
            civitas_sdjwt::vct::vct_for(t.as_str()),
            self.issuer.controller(),
            Utc::now().timestamp() - 3600,
        );
        options.cnf_jwk = Some(seeded_key(HOLDER_SEED).public_key().to_jwk());
        options.status = Some(StatusReference {
            idx,
            uri: STATUS_URI.to_owned(),
        });
        options.selectively_disclosable =
            claims.keys().map(|k| SdPath::parse(k).unwrap()).collect();
        civitas_sdjwt::issue(&claims, &options, &self.issuer)
            .await
            .unwrap()
            .sd_jwt
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut r = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(TOKEN);
        if let Some(b) = body {
            r = r.json(b);
        }
        let response = r.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// `POST /oid4vp/requests` for a birth certificate's givenName, familyName, birthDate.
    async fn birth_request(&self) -> Value {
        let body = json!({"type": "BirthCertificate",
                          "claims": ["givenName", "familyName", "birthDate"]});
        let (status, created) = self
            .call(reqwest::Method::POST, "/oid4vp/requests", Some(&body))
            .await;
        assert_eq!(status, 201, "{created}");
        created
    }

    async fn result(&self, id: &str) -> Value {
        let (status, body) = self
            .call(
                reqwest::Method::GET,
                &format!("/oid4vp/requests/{id}"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

/// The JS wallet answers `created["link"]` with `sd_jwt` (blocking: run off the runtime).
async fn js_wallet(
    js: &JsPeer,
    created: &Value,
    sd_jwt: &str,
    wrong_nonce: bool,
) -> JsWalletAnswer {
    let holder_jwk = serde_json::to_value(seeded_key(HOLDER_SEED).to_private_jwk()).unwrap();
    let request = json!({
        "link": created["link"],
        "sdJwt": sd_jwt,
        "holderJwk": holder_jwk,
        "caCert": js.dir().join("fixtures/tls-cert.pem"),
        "wrongNonce": wrong_nonce,
    });
    let js = js.clone();
    tokio::task::spawn_blocking(move || js.oid4vp_wallet(&request))
        .await
        .unwrap()
}

fn keys(map: &Value) -> Vec<String> {
    let mut k: Vec<String> = map
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {map}"))
        .keys()
        .cloned()
        .collect();
    k.sort();
    k
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_js_openid4vp_wallet_is_verified_with_exactly_the_claims_asked() {
    let Some(js) = JsPeer::get() else { return };
    let rp = Rp::start(&js).await;
    let created = rp.birth_request().await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(rp.result(id).await["status"], "pending");
    let sd_jwt = rp.sd_jwt(3).await;

    let answer = js_wallet(&js, &created, &sd_jwt, false).await;
    assert!(answer.ok, "{}", answer.raw);
    assert_eq!(answer.status, Some(200), "{}", answer.raw);
    assert_eq!(answer.body, json!({}));
    // the JS library read the client id and nonce as civitas wrote them
    assert_eq!(answer.raw["clientId"], rp.client_id.as_str());
    assert_eq!(answer.raw["queryId"], "document");
    let mut sent = answer.disclosed.clone();
    sent.sort();
    assert_eq!(sent, ASKED, "{}", answer.raw);

    let result = rp.result(id).await;
    assert_eq!(result["status"], "verified", "{result}");
    let credential = &result["credentials"][0];
    assert_eq!(credential["query_id"], "document");
    assert_eq!(credential["format"], "dc+sd-jwt");
    assert_eq!(credential["type"], "BirthCertificate");
    assert_eq!(credential["issuer"], rp.issuer.controller());
    assert_eq!(credential["verdict"], "valid");
    assert_eq!(keys(&credential["claims"]), ASKED, "{result}");
    assert!(credential["claims"].get("mother").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_js_key_binding_for_another_nonce_is_refused() {
    let Some(js) = JsPeer::get() else { return };
    let rp = Rp::start(&js).await;
    let created = rp.birth_request().await;
    let id = created["id"].as_str().unwrap();
    let sd_jwt = rp.sd_jwt(3).await;

    let answer = js_wallet(&js, &created, &sd_jwt, true).await;
    assert!(!answer.ok, "{}", answer.raw);
    assert_eq!(
        answer.stage, None,
        "it got as far as an answer: {}",
        answer.raw
    );
    assert_eq!(answer.status, Some(400), "{}", answer.raw);
    assert_eq!(answer.body["error"], "invalid_request", "{}", answer.raw);
    assert!(
        answer.raw["nonce"]
            .as_str()
            .unwrap()
            .starts_with("not-the-verifiers-nonce"),
        "{}",
        answer.raw
    );

    let result = rp.result(id).await;
    assert_eq!(result["status"], "refused", "{result}");
    let description = answer.body["error_description"].as_str().unwrap();
    assert_eq!(result["reason"], description);
    assert!(description.contains("not valid"), "{description}");
    // nothing of the refused presentation is kept
    for credential in result["credentials"].as_array().into_iter().flatten() {
        assert!(
            credential["claims"]
                .as_object()
                .is_none_or(|c| c.is_empty()),
            "{result}"
        );
    }
}
