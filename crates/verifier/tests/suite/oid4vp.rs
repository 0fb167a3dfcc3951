//! The relying party side of OpenID4VP 1.0 (`civitas_verifier::oid4vp`), served over HTTPS on
//! 127.0.0.1 and driven as a wallet would: create a request, fetch and check the signed request
//! object, present, POST the response, read the result. Each attack is built to fail.

use std::sync::{Arc, RwLock};

use chrono::{Duration, Utc};
use civitas_core::model::{DocumentType, sample};
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::resolver::OfflineResolver;
use civitas_keys::signer::LocalSigner;
use civitas_oid4vp::request::{AuthorizationRequest, verify_request_object};
use civitas_oid4vp::uri::parse_request_link;
use civitas_sdjwt::status_list::{TokenStatusList, sign_status_list_token};
use civitas_sdjwt::{IssueOptions, SdPath, StatusReference};
use civitas_testkit::fixtures::seeded_key;
use civitas_verifier::Verifier;
use civitas_verifier::oid4vp::{Oid4vpConfig, RelyingParty, router};
use civitas_verifier::trust::TrustedIssuer;
use serde_json::{Map, Value, json};

const TOKEN: &str = "rp-secret-token-for-the-tests-0123456789";
const STATUS_URI: &str = "https://office.example/status/1";

struct Rp {
    base: String,
    client: reqwest::Client,
    issuer: LocalSigner,
    holder: LocalSigner,
    client_id: String,
}

/// The issuer's token status list: index 7 revoked.
async fn status_token(issuer: &LocalSigner) -> String {
    let mut list = TokenStatusList::new(2, 64).unwrap();
    list.set(7, 1).unwrap();
    let now = Utc::now().timestamp();
    sign_status_list_token(&list, STATUS_URI, now - 60, Some(now + 3600), None, issuer)
        .await
        .unwrap()
}

impl Rp {
    async fn start() -> Self {
        Self::start_with(None).await
    }

    /// With a trust list naming `trusted` (its DID, its types) when given; else any issuer.
    async fn start_with(trusted: Option<(&str, &[&str])>) -> Self {
        use hyper_util::rt::{TokioExecutor, TokioIo};
        use hyper_util::service::TowerToHyperService;
        use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

        let issuer = LocalSigner::did_key(seeded_key(51));
        let holder = LocalSigner::did_key(seeded_key(52));
        let token = status_token(&issuer).await;
        let builder = match trusted {
            None => Verifier::builder().trust_any_issuer(),
            Some((did, types)) => {
                let anchor = civitas_testkit::fixtures::ministry();
                let list = civitas_testkit::fixtures::sign_trust_list(
                    &anchor,
                    [TrustedIssuer::new(did, types.iter().copied())],
                    &civitas_verifier::trust::TrustListSigning::default(),
                )
                .await;
                civitas_testkit::fixtures::verifier_builder(&anchor, &list)
            }
        };
        let verifier = builder
            .status_token(STATUS_URI, &token, None)
            .build()
            .await
            .unwrap();

        let generated = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
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
        let base = format!(
            "https://127.0.0.1:{}",
            listener.local_addr().unwrap().port()
        );
        let signer = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
        let rp = RelyingParty::new(Oid4vpConfig::new(
            &base,
            signer,
            "Test Bank",
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
        let cert = reqwest::Certificate::from_pem(generated.cert.pem().as_bytes()).unwrap();
        let client = reqwest::Client::builder()
            .add_root_certificate(cert)
            .no_proxy()
            .build()
            .unwrap();
        Self {
            base,
            client,
            issuer,
            holder,
            client_id,
        }
    }

    /// A birth certificate SD-JWT VC of the holder, every subject claim disclosable, status
    /// at `idx`.
    async fn sd_jwt(&self, type_name: &str, idx: u64) -> String {
        let t = DocumentType::named(type_name).unwrap();
        let Value::Object(mut claims) = sample(&t).unwrap() else {
            panic!("sample")
        };
        claims.remove("id");
        claims.remove("type");
        let mut options = IssueOptions::new(
            civitas_sdjwt::vct::vct_for(t.as_str()),
            self.issuer.controller(),
            Utc::now().timestamp() - 3600,
        );
        options.cnf_jwk = Some(civitas_keys::signer::Signer::public_key(&self.holder).to_jwk());
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
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut r = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        if let Some(b) = body {
            r = r.json(b);
        }
        let response = r.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn create(&self, body: Value) -> Value {
        let (status, answer) = self
            .call(
                reqwest::Method::POST,
                "/oid4vp/requests",
                Some(TOKEN),
                Some(&body),
            )
            .await;
        assert_eq!(status, 201, "{answer}");
        answer
    }

    async fn birth_request(&self) -> Value {
        self.create(json!({"type": "birth", "claims": ["givenName", "familyName", "birthDate"]}))
            .await
    }

    /// What the wallet does with the link: fetch the request object and check it.
    async fn fetch(&self, created: &Value) -> AuthorizationRequest {
        let link = parse_request_link(created["link"].as_str().unwrap()).unwrap();
        assert_eq!(link.client_id, self.client_id);
        let response = self.client.get(&link.request_uri).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "application/oauth-authz-req+jwt"
        );
        let jwt = response.text().await.unwrap();
        verify_request_object(&jwt, &link.client_id, &OfflineResolver::new(), Utc::now())
            .await
            .unwrap()
    }

    /// The holder presents `claims` of `sd_jwt` with a key binding for `aud` and `nonce`.
    async fn present(&self, sd_jwt: &str, claims: &[&str], aud: &str, nonce: &str) -> String {
        let paths: Vec<SdPath> = claims.iter().map(|c| SdPath::parse(c).unwrap()).collect();
        let selected = civitas_sdjwt::select(sd_jwt, &paths).unwrap();
        civitas_sdjwt::with_key_binding(&selected, &self.holder, aud, nonce, Utc::now().timestamp())
            .await
            .unwrap()
    }

    async fn post_form(&self, uri: &str, form: &str) -> (u16, Value) {
        let response = self
            .client
            .post(uri)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.to_owned())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn answer(&self, request: &AuthorizationRequest, vp_token: Value) -> (u16, Value) {
        let form = form(&[
            ("vp_token", &vp_token.to_string()),
            ("state", &request.state),
        ]);
        self.post_form(&request.response_uri, &form).await
    }

    async fn result(&self, id: &str) -> Value {
        let (status, body) = self
            .call(
                reqwest::Method::GET,
                &format!("/oid4vp/requests/{id}"),
                Some(TOKEN),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

fn form(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn keys(map: &Value) -> Vec<String> {
    let mut k: Vec<String> = map.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

const ASKED: [&str; 3] = ["givenName", "familyName", "birthDate"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sd_jwt_happy_path_keeps_exactly_the_claims_disclosed() {
    let rp = Rp::start().await;
    let created = rp.birth_request().await;
    assert_eq!(created["client_id"], rp.client_id.as_str());
    assert!(
        created["link"]
            .as_str()
            .unwrap()
            .starts_with("openid4vp://?client_id=")
    );
    assert!(created["qr"]["svg"].as_str().unwrap().starts_with("<svg"));
    assert!(!created["qr"]["png"].as_str().unwrap().is_empty());
    let id = created["id"].as_str().unwrap();
    assert_eq!(rp.result(id).await["status"], "pending");

    let request = rp.fetch(&created).await;
    assert_eq!(request.response_mode, "direct_post");
    assert_eq!(
        request.response_uri,
        format!("{}/oid4vp/responses/{id}", rp.base)
    );
    let meta = request.client_metadata.clone().unwrap();
    assert_eq!(meta["client_name"], "Test Bank");
    assert_eq!(
        meta["vp_formats_supported"]["dc+sd-jwt"]["kb-jwt_alg_values"][0],
        "EdDSA"
    );
    let cq = &request.dcql_query.credentials[0];
    assert_eq!(cq.id, "document");
    assert_eq!(
        cq.meta.vct_values.as_deref().unwrap(),
        ["urn:civitas:type:BirthCertificate".to_owned()]
    );

    let sd_jwt = rp.sd_jwt("BirthCertificate", 3).await;
    let vp = rp
        .present(&sd_jwt, &ASKED, &rp.client_id, &request.nonce)
        .await;
    let (status, body) = rp.answer(&request, json!({"document": [vp]})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({}));

    let result = rp.result(id).await;
    assert_eq!(result["status"], "verified", "{result}");
    let credential = &result["credentials"][0];
    assert_eq!(credential["query_id"], "document");
    assert_eq!(credential["format"], "dc+sd-jwt");
    assert_eq!(credential["type"], "BirthCertificate");
    assert_eq!(credential["issuer"], rp.issuer.controller());
    assert_eq!(credential["verdict"], "valid");
    assert_eq!(
        keys(&credential["claims"]),
        ["birthDate", "familyName", "givenName"]
    );
    assert!(credential["claims"].get("mother").is_none());
    assert!(!credential["checks"].as_array().unwrap().is_empty());

    // the object is no longer served once answered
    let (status, _) = rp
        .call(
            reqwest::Method::GET,
            &format!("/oid4vp/requests/{id}/object"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 404);
}

/// Runs one attack: a fresh request, `vp_token` made by `make` from the request; the response
/// must be refused with 400 `invalid_request` and the result stored as refused.
async fn refused(
    rp: &Rp,
    sd_jwt: &str,
    make: impl AsyncFnOnce(&Rp, &AuthorizationRequest, &str) -> Value,
    reason_has: &str,
) {
    let created = rp.birth_request().await;
    let id = created["id"].as_str().unwrap();
    let request = rp.fetch(&created).await;
    let vp_token = make(rp, &request, sd_jwt).await;
    let (status, body) = rp.answer(&request, vp_token).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_request", "{body}");
    let description = body["error_description"].as_str().unwrap();
    assert!(description.contains(reason_has), "{description}");
    let result = rp.result(id).await;
    assert_eq!(result["status"], "refused", "{result}");
    assert_eq!(result["reason"], description);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_binding_for_another_nonce_is_refused() {
    let rp = Rp::start().await;
    let sd = rp.sd_jwt("BirthCertificate", 3).await;
    refused(
        &rp,
        &sd,
        async |rp, _request, sd| {
            let vp = rp
                .present(sd, &ASKED, &rp.client_id, "another-nonce-0123456789abcdef")
                .await;
            json!({"document": [vp]})
        },
        "not valid",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_binding_for_another_audience_is_refused() {
    let rp = Rp::start().await;
    let sd = rp.sd_jwt("BirthCertificate", 3).await;
    refused(
        &rp,
        &sd,
        async |rp, request, sd| {
            let vp = rp
                .present(
                    sd,
                    &ASKED,
                    "decentralized_identifier:did:key:z6MkOther",
                    &request.nonce,
                )
                .await;
            json!({"document": [vp]})
        },
        "not valid",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_presentation_without_key_binding_is_refused() {
    let rp = Rp::start().await;
    let sd = rp.sd_jwt("BirthCertificate", 3).await;
    refused(
        &rp,
        &sd,
        async |_rp, _request, sd| {
            let paths: Vec<SdPath> = ASKED.iter().map(|c| SdPath::parse(c).unwrap()).collect();
            json!({"document": [civitas_sdjwt::select(sd, &paths).unwrap()]})
        },
        "not valid",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_credential_is_refused() {
    let rp = Rp::start().await;
    let sd = rp.sd_jwt("BirthCertificate", 7).await;
    refused(
        &rp,
        &sd,
        async |rp, request, sd| {
            json!({"document": [rp.present(sd, &ASKED, &rp.client_id, &request.nonce).await]})
        },
        "revoked",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_id_not_asked_is_refused() {
    let rp = Rp::start().await;
    let sd = rp.sd_jwt("BirthCertificate", 3).await;
    refused(
        &rp,
        &sd,
        async |rp, request, sd| {
            let vp = rp.present(sd, &ASKED, &rp.client_id, &request.nonce).await;
            json!({"document": [vp.clone()], "extra": [vp]})
        },
        "extra",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_presentation_of_another_type_is_refused() {
    let rp = Rp::start().await;
    let sd = rp.sd_jwt("MarriageCertificate", 3).await;
    refused(
        &rp,
        &sd,
        async |rp, request, sd| {
            let (claims, _) =
                civitas_sdjwt::verify::disclosed_claims(&civitas_sdjwt::parse(sd).unwrap())
                    .unwrap();
            let names: Vec<&str> = claims
                .keys()
                .map(String::as_str)
                .filter(|k| !["iss", "iat", "vct", "cnf", "status"].contains(k))
                .collect();
            json!({"document": [rp.present(sd, &names, &rp.client_id, &request.nonce).await]})
        },
        "vct",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_claims_are_refused() {
    let rp = Rp::start().await;
    let sd = rp.sd_jwt("BirthCertificate", 3).await;
    refused(
        &rp,
        &sd,
        async |rp, request, sd| {
            json!({"document": [rp.present(sd, &["givenName"], &rp.client_id, &request.nonce).await]})
        },
        "birthDate",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_state_is_refused_and_the_request_stays_pending() {
    let rp = Rp::start().await;
    let sd = rp.sd_jwt("BirthCertificate", 3).await;
    let created = rp.birth_request().await;
    let id = created["id"].as_str().unwrap();
    let mut request = rp.fetch(&created).await;
    let vp = rp.present(&sd, &ASKED, &rp.client_id, &request.nonce).await;
    let honest_state = std::mem::replace(&mut request.state, "not-the-state".to_owned());
    let (status, body) = rp.answer(&request, json!({"document": [vp.clone()]})).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_request");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("state")
    );
    assert_eq!(rp.result(id).await["status"], "pending");
    // the wallet's own answer is still taken
    request.state = honest_state;
    let (status, body) = rp.answer(&request, json!({"document": [vp]})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(rp.result(id).await["status"], "verified");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_response_is_refused_and_the_first_result_stays() {
    let rp = Rp::start().await;
    let sd = rp.sd_jwt("BirthCertificate", 3).await;
    let created = rp.birth_request().await;
    let id = created["id"].as_str().unwrap();
    let request = rp.fetch(&created).await;
    let vp = rp.present(&sd, &ASKED, &rp.client_id, &request.nonce).await;
    let (status, _) = rp.answer(&request, json!({"document": [vp]})).await;
    assert_eq!(status, 200);
    let vp = rp
        .present(&sd, &["givenName"], &rp.client_id, &request.nonce)
        .await;
    let (status, body) = rp.answer(&request, json!({"document": [vp]})).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_request");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("answered already")
    );
    let result = rp.result(id).await;
    assert_eq!(result["status"], "verified");
    assert_eq!(
        keys(&result["credentials"][0]["claims"]),
        ["birthDate", "familyName", "givenName"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_replayed_to_another_request_is_refused() {
    let rp = Rp::start().await;
    let sd = rp.sd_jwt("BirthCertificate", 3).await;
    let first = rp.birth_request().await;
    let first_request = rp.fetch(&first).await;
    let vp = rp
        .present(&sd, &ASKED, &rp.client_id, &first_request.nonce)
        .await;
    let (status, _) = rp
        .answer(&first_request, json!({"document": [vp.clone()]}))
        .await;
    assert_eq!(status, 200);

    // the same presentation, with the other request's state
    let second = rp.birth_request().await;
    let second_request = rp.fetch(&second).await;
    let (status, body) = rp.answer(&second_request, json!({"document": [vp]})).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_request");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("not valid"),
        "{body}"
    );
    assert_eq!(
        rp.result(second["id"].as_str().unwrap()).await["status"],
        "refused"
    );
    assert_eq!(
        rp.result(first["id"].as_str().unwrap()).await["status"],
        "verified"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_holder_may_refuse() {
    let rp = Rp::start().await;
    let created = rp.birth_request().await;
    let request = rp.fetch(&created).await;
    let body = form(&[("error", "access_denied"), ("state", &request.state)]);
    let (status, _) = rp.post_form(&request.response_uri, &body).await;
    assert_eq!(status, 200);
    let result = rp.result(created["id"].as_str().unwrap()).await;
    assert_eq!(result["status"], "refused");
    assert_eq!(result["error"], "access_denied");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_are_checked_against_the_profile() {
    let rp = Rp::start().await;
    let (status, body) = rp
        .call(
            reqwest::Method::POST,
            "/oid4vp/requests",
            Some(TOKEN),
            Some(&json!({"type": "BirthCertificate", "claims": ["givenName", "shoeSize"]})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["pointer"], "/claims/1");
    assert_eq!(body["claim"], "shoeSize");
    assert!(body["detail"].as_str().unwrap().contains("shoeSize"));

    let (status, body) = rp
        .call(
            reqwest::Method::POST,
            "/oid4vp/requests",
            Some(TOKEN),
            Some(&json!({"type": "Passport", "claims": ["givenName"]})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["pointer"], "/type");

    // nested claims and ldp_vc paths
    rp.create(json!({"type": "birth", "format": "ldp_vc", "claims": ["mother.familyName"]}))
        .await;
    let (status, body) = rp
        .call(
            reqwest::Method::POST,
            "/oid4vp/requests",
            Some(TOKEN),
            Some(
                &json!({"dcql_query": {"credentials": [{"id": "b", "format": "dc+sd-jwt",
                "meta": {"vct_values": ["urn:civitas:type:BirthCertificate"]},
                "claims": [{"path": ["mother", "shoeSize"]}]}]}}),
            ),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["pointer"], "/dcql_query/credentials/0/claims/0/path");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rp_api_needs_the_bearer_token_and_unknown_ids_are_404() {
    let rp = Rp::start().await;
    let body = json!({"type": "birth", "claims": ["givenName"]});
    for token in [None, Some("wrong")] {
        let (status, _) = rp
            .call(
                reqwest::Method::POST,
                "/oid4vp/requests",
                token,
                Some(&body),
            )
            .await;
        assert_eq!(status, 401);
    }
    let created = rp.create(body).await;
    let id = created["id"].as_str().unwrap();
    let (status, _) = rp
        .call(
            reqwest::Method::GET,
            &format!("/oid4vp/requests/{id}"),
            Some("wrong"),
            None,
        )
        .await;
    assert_eq!(status, 401);
    for path in ["/oid4vp/requests/nope", "/oid4vp/requests/nope/object"] {
        let (status, _) = rp.call(reqwest::Method::GET, path, Some(TOKEN), None).await;
        assert_eq!(status, 404, "{path}");
    }
    let (status, body) = rp
        .post_form(
            &format!("{}/oid4vp/responses/nope", rp.base),
            "vp_token=%7B%7D&state=x",
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], "invalid_request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_trust_list_only_trusted_issuers_are_verified() {
    let issuer = LocalSigner::did_key(seeded_key(51));
    // trusted for marriage certificates only: a birth certificate is refused
    let rp = Rp::start_with(Some((issuer.controller(), &["MarriageCertificate"]))).await;
    let sd = rp.sd_jwt("BirthCertificate", 3).await;
    refused(
        &rp,
        &sd,
        async |rp, request, sd| {
            json!({"document": [rp.present(sd, &ASKED, &rp.client_id, &request.nonce).await]})
        },
        "not valid",
    )
    .await;
    // trusted for birth certificates: verified
    let rp = Rp::start_with(Some((issuer.controller(), &["BirthCertificate"]))).await;
    let created = rp.birth_request().await;
    let request = rp.fetch(&created).await;
    let vp = rp.present(&sd, &ASKED, &rp.client_id, &request.nonce).await;
    let (status, body) = rp.answer(&request, json!({"document": [vp]})).await;
    assert_eq!(status, 200, "{body}");
    let result = rp.result(created["id"].as_str().unwrap()).await;
    assert_eq!(result["credentials"][0]["verdict"], "valid");
    let _ = Map::<String, Value>::new();
    let _ = Duration::seconds(1);
}
