//! OpenID4VCI over HTTPS on 127.0.0.1: a registrar makes an offer for an issued birth
//! certificate, a wallet (here: the test, with its own key) runs the pre-authorized code flow
//! and receives a holder-bound copy that verifies, whose subject is its key; revoking the
//! record revokes the copy in the same commit; and every attack the issue names is refused with
//! its OAuth error code, with nothing issued.

use std::time::Duration;

use base64::Engine as _;
use chrono::Utc;
use civitas_core::report::Verdict;
use civitas_core::verify::VerifyOptions;
use civitas_issuer::DidMethod;
use civitas_keys::did;
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use serde_json::{Value, json};

use crate::common::{TestServer, birth_body, marriage_body};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn jws(key: &KeyPair, header: &Value, payload: &Value) -> String {
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(payload.to_string().as_bytes())
    );
    format!("{input}.{}", b64(&key.sign(input.as_bytes())))
}

fn kid_header(key: &KeyPair) -> Value {
    json!({"typ": "openid4vci-proof+jwt", "alg": key.algorithm().jose_alg(),
           "kid": did::did_key_method(&key.public_key())})
}

/// A wallet's view of one offer.
pub(crate) struct Flow<'a> {
    server: &'a TestServer,
    pub(crate) offer: Value,
}

impl<'a> Flow<'a> {
    /// Issues a birth certificate and makes an offer for it.
    pub(crate) async fn birth(server: &'a TestServer, source: &str) -> (String, Flow<'a>) {
        let (s, body) = server
            .post("/birth-certificates", &birth_body(source))
            .await;
        assert_eq!(s, 201, "{body}");
        let id = body["credentialId"].as_str().unwrap().to_owned();
        let flow = Self::offer(server, &id, &json!({})).await;
        (id, flow)
    }

    async fn offer(server: &'a TestServer, id: &str, body: &Value) -> Flow<'a> {
        let (s, offer) = server
            .post(&format!("/credentials/{id}/offers"), body)
            .await;
        assert_eq!(s, 201, "{offer}");
        Flow { server, offer }
    }

    pub(crate) fn code(&self) -> String {
        self.offer["credentialOffer"]["grants"]
            ["urn:ietf:params:oauth:grant-type:pre-authorized_code"]["pre-authorized_code"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub(crate) fn tx_code(&self) -> String {
        self.offer["txCode"].as_str().unwrap().to_owned()
    }

    async fn token_with(&self, code: &str, tx_code: Option<&str>) -> (u16, Value) {
        let mut form = format!(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code={code}"
        );
        if let Some(tx) = tx_code {
            form.push_str(&format!("&tx_code={tx}"));
        }
        let r = self
            .server
            .client
            .post(self.server.url("/oid4vci/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    pub(crate) async fn token(&self) -> String {
        let (s, body) = self.token_with(&self.code(), Some(&self.tx_code())).await;
        assert_eq!(s, 200, "{body}");
        assert_eq!(body["token_type"], "Bearer");
        assert!(body["c_nonce"].is_string(), "{body}");
        body["access_token"].as_str().unwrap().to_owned()
    }

    pub(crate) async fn nonce(&self) -> String {
        let r = self
            .server
            .client
            .post(self.server.url("/oid4vci/nonce"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["cache-control"], "no-store");
        let body: Value = r.json().await.unwrap();
        body["c_nonce"].as_str().unwrap().to_owned()
    }

    pub(crate) fn proof(&self, key: &KeyPair, nonce: &str) -> String {
        jws(
            key,
            &kid_header(key),
            &json!({"aud": self.server.base, "iat": Utc::now().timestamp(), "nonce": nonce}),
        )
    }

    pub(crate) async fn credential(&self, token: &str, body: &Value) -> (u16, Value) {
        let r = self
            .server
            .client
            .post(self.server.url("/oid4vci/credential"))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }
}

/// A key proof made for a given nonce.
type ProofFor<'a> = Box<dyn Fn(&str) -> String + 'a>;

pub(crate) fn request(configuration: &str, proof: &str) -> Value {
    json!({"credential_configuration_id": configuration, "proofs": {"jwt": [proof]}})
}

const BIRTH_LDP: &str = "BirthCertificate_ldp_vc";
const BIRTH_JWT: &str = "BirthCertificate_jwt_vc_json";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wallet_receives_a_holder_bound_copy_and_revoking_the_record_revokes_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), DidMethod::Key).await;

    // metadata: one configuration per type and format, bilingual
    let meta: Value = server
        .get("/.well-known/openid-credential-issuer")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(meta["credential_issuer"], server.base);
    let configurations = meta["credential_configurations_supported"]
        .as_object()
        .unwrap();
    for id in [BIRTH_LDP, BIRTH_JWT, "MarriageCertificate_ldp_vc"] {
        assert!(configurations.contains_key(id), "{id}: {meta}");
    }
    let display = &configurations[BIRTH_LDP]["credential_metadata"]["display"];
    assert_eq!(display[1]["name"], "Acte de naissance", "{display}");
    let asm: Value = server
        .get("/.well-known/oauth-authorization-server")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(asm["token_endpoint"], server.url("/oid4vci/token"));

    let (original, flow) = Flow::birth(&server, "OID-1").await;
    assert_eq!(flow.tx_code().len(), 6);
    assert!(flow.offer["qr"]["svg"].as_str().unwrap().contains("<svg"));
    assert!(!flow.offer["qr"]["png"].as_str().unwrap().is_empty());
    // the offer by reference serves the same offer
    let uri = flow.offer["offerUriByReference"].as_str().unwrap();
    let url =
        civitas_oid4vci::offer::percent_decode(uri.split_once("credential_offer_uri=").unwrap().1)
            .unwrap();
    let by_reference: Value = server
        .client
        .get(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_reference, flow.offer["credentialOffer"]);

    let holder = KeyPair::generate(KeyAlgorithm::Ed25519);
    let holder_did = did::did_key(&holder.public_key());
    let token = flow.token().await;
    let nonce = flow.nonce().await;
    let (s, body) = flow
        .credential(&token, &request(BIRTH_LDP, &flow.proof(&holder, &nonce)))
        .await;
    assert_eq!(s, 200, "{body}");
    let credential = &body["credentials"][0]["credential"];
    assert_eq!(credential["credentialSubject"]["id"], holder_did.as_str());
    let checker = server.checker().await;
    let report = checker
        .verify(credential.to_string().as_bytes(), &VerifyOptions::default())
        .await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");

    // the registry links the copy and its record
    let copy_id = credential["id"].as_str().unwrap();
    let (copy, _) = server.issuer.credential(copy_id).unwrap().unwrap();
    assert_eq!(copy.copy_of.as_deref(), Some(original.as_str()));
    assert_eq!(copy.holder.as_deref(), Some(holder_did.as_str()));
    let (record, _) = server.issuer.credential(&original).unwrap().unwrap();
    assert_eq!(record.copies, vec![copy_id.to_owned()]);
    assert_ne!(copy.revocation.index, record.revocation.index);

    // revoking the record revokes the copy, in the same commit
    let change = server
        .issuer
        .revoke(&original, Some("registered in error"), "registrar")
        .await
        .unwrap();
    assert!(change.revoked && change.published);
    let (copy, _) = server.issuer.credential(copy_id).unwrap().unwrap();
    assert!(copy.revoked_at.is_some());
    let audit = server.issuer.audit(1, 1000).unwrap();
    let revocations: Vec<_> = audit
        .iter()
        .filter(|e| e.action.as_str() == "revoke")
        .collect();
    assert_eq!(revocations.len(), 2, "{revocations:?}");
    assert!(server.issuer.verify_audit().unwrap().is_ok());
    // the copy's own bit is set in the list as published (re-signed before the answer)
    let lists = server.issuer.store().status_lists().unwrap();
    let list = lists
        .iter()
        .find(|l| l.url() == copy.revocation.list)
        .unwrap();
    assert_eq!(list.get(copy.revocation.index).unwrap(), 1);
    let published = server.issuer.published_list(&copy.revocation.list).unwrap();
    assert!(published.version >= list.version());

    // a revoked record gets no more offers
    let (s, body) = server
        .post(&format!("/credentials/{original}/offers"), &json!({}))
        .await;
    assert_eq!(s, 409, "{body}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vc_jwt_and_the_draft_13_shapes_and_a_marriage_for_one_spouse() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), DidMethod::Key).await;
    let holder = KeyPair::generate(KeyAlgorithm::P256);
    let checker = server.checker().await;

    // 1.0 request, jwt_vc_json: the credential is the compact JWS
    let (_, flow) = Flow::birth(&server, "OID-JWT").await;
    let token = flow.token().await;
    let nonce = flow.nonce().await;
    let (s, body) = flow
        .credential(&token, &request(BIRTH_JWT, &flow.proof(&holder, &nonce)))
        .await;
    assert_eq!(s, 200, "{body}");
    let jwt = body["credentials"][0]["credential"].as_str().unwrap();
    let report = checker
        .verify(jwt.as_bytes(), &VerifyOptions::default())
        .await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");

    // draft 13: the nonce from the token response, `format` + `credential_definition`, the
    // singular `proof`; the answer has the singular `credential` and a new `c_nonce`
    let (_, flow) = Flow::birth(&server, "OID-D13").await;
    let (s, token) = flow.token_with(&flow.code(), Some(&flow.tx_code())).await;
    assert_eq!(s, 200);
    let nonce = token["c_nonce"].as_str().unwrap();
    let body = json!({
        "format": "ldp_vc",
        "credential_definition": {"type": ["VerifiableCredential", "BirthCertificate"]},
        "proof": {"proof_type": "jwt", "jwt": flow.proof(&holder, nonce)},
    });
    let (s, answer) = flow
        .credential(token["access_token"].as_str().unwrap(), &body)
        .await;
    assert_eq!(s, 200, "{answer}");
    assert!(answer["c_nonce"].is_string(), "{answer}");
    let report = checker
        .verify(
            answer["credential"].to_string().as_bytes(),
            &VerifyOptions::default(),
        )
        .await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");

    // a marriage certificate is offered to one spouse, who becomes its holder
    let (s, body) = server
        .post("/marriage-certificates", &marriage_body("OID-M"))
        .await;
    assert_eq!(s, 201, "{body}");
    let id = body["credentialId"].as_str().unwrap();
    let (s, refused) = server
        .post(&format!("/credentials/{id}/offers"), &json!({}))
        .await;
    assert_eq!(s, 400, "a marriage offer must name the spouse: {refused}");
    let flow = Flow::offer(&server, id, &json!({"spouse": 1})).await;
    let token = flow.token().await;
    let nonce = flow.nonce().await;
    let (s, body) = flow
        .credential(
            &token,
            &request("MarriageCertificate_ldp_vc", &flow.proof(&holder, &nonce)),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let subject = &body["credentials"][0]["credential"]["credentialSubject"];
    assert_eq!(
        subject["spouses"][1]["id"],
        did::did_key(&holder.public_key()).as_str()
    );
    assert!(subject["spouses"][0].get("id").is_none(), "{subject}");
    server.stop().await;
}

/// Every attack is refused with its error code, and nothing is issued.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attacks_are_refused_with_their_error_code_and_nothing_is_issued() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_adjusted(dir.path(), DidMethod::Key, |mut c| {
        c.oid4vci.codes.code_ttl = chrono::Duration::seconds(3);
        c
    })
    .await;
    let holder = KeyPair::generate(KeyAlgorithm::Ed25519);
    let count = || server.issuer.credential_count().unwrap();

    // a wrong transaction code: invalid_grant, three times, then the code is dead even with
    // the right one
    let (_, flow) = Flow::birth(&server, "ATK-TX").await;
    let issued = count();
    for _ in 0..3 {
        let (s, body) = flow.token_with(&flow.code(), Some("000000x")).await;
        assert_eq!((s, body["error"].as_str()), (400, Some("invalid_grant")));
    }
    let (s, body) = flow.token_with(&flow.code(), Some(&flow.tx_code())).await;
    assert_eq!(body["error"], "invalid_grant", "{s} {body}");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("locked")
    );

    // a missing transaction code is invalid_request
    let (_, flow) = Flow::birth(&server, "ATK-REPLAY").await;
    let (s, body) = flow.token_with(&flow.code(), None).await;
    assert_eq!((s, body["error"].as_str()), (400, Some("invalid_request")));
    // a replayed pre-authorized code
    let token = flow.token().await;
    let (_, body) = flow.token_with(&flow.code(), Some(&flow.tx_code())).await;
    assert_eq!(body["error"], "invalid_grant");
    assert!(body["error_description"].as_str().unwrap().contains("used"));
    // an unknown code, a wrong grant type, a JSON body
    let (_, body) = flow.token_with("not-a-code", Some("123456")).await;
    assert_eq!(body["error"], "invalid_grant");
    let r = server
        .client
        .post(server.url("/oid4vci/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=authorization_code&code=x")
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");
    let (s, body) = server
        .post_as("/oid4vci/token", &json!({"pre-authorized_code": "x"}), None)
        .await;
    assert_eq!((s, body["error"].as_str()), (400, Some("invalid_request")));

    // proofs built to fail, each with a fresh nonce: nothing issued, the token still usable
    let other = KeyPair::generate(KeyAlgorithm::Ed25519);
    let now = Utc::now().timestamp();
    let cases: Vec<(&str, ProofFor, &str)> = vec![
        (
            "wrong nonce",
            Box::new(|_| flow.proof(&holder, "not-the-nonce")),
            "invalid_nonce",
        ),
        (
            "wrong audience",
            Box::new(|n| {
                jws(
                    &holder,
                    &kid_header(&holder),
                    &json!({"aud": "https://elsewhere.example", "iat": now, "nonce": n}),
                )
            }),
            "invalid_proof",
        ),
        (
            "stale iat",
            Box::new(|n| {
                jws(
                    &holder,
                    &kid_header(&holder),
                    &json!({"aud": server.base, "iat": now - 3600, "nonce": n}),
                )
            }),
            "invalid_proof",
        ),
        (
            "alg none",
            Box::new(|n| {
                let h = json!({"typ": "openid4vci-proof+jwt", "alg": "none",
                               "kid": did::did_key_method(&holder.public_key())});
                let p = json!({"aud": server.base, "iat": now, "nonce": n});
                format!(
                    "{}.{}.",
                    b64(h.to_string().as_bytes()),
                    b64(p.to_string().as_bytes())
                )
            }),
            "invalid_proof",
        ),
        (
            "a MAC algorithm",
            Box::new(|n| {
                let mut h = kid_header(&holder);
                h["alg"] = json!("HS256");
                jws(
                    &holder,
                    &h,
                    &json!({"aud": server.base, "iat": now, "nonce": n}),
                )
            }),
            "invalid_proof",
        ),
        (
            "a private key in the header",
            Box::new(|n| {
                let mut jwk = serde_json::to_value(holder.public_key().to_jwk()).unwrap();
                jwk["d"] = json!(b64(&[7u8; 32]));
                let h = json!({"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "jwk": jwk});
                jws(
                    &holder,
                    &h,
                    &json!({"aud": server.base, "iat": now, "nonce": n}),
                )
            }),
            "invalid_proof",
        ),
        (
            "a kid that does not resolve",
            Box::new(|n| {
                let h = json!({"typ": "openid4vci-proof+jwt", "alg": "EdDSA",
                               "kid": "did:web:wallet.example#key-1"});
                jws(
                    &holder,
                    &h,
                    &json!({"aud": server.base, "iat": now, "nonce": n}),
                )
            }),
            "invalid_proof",
        ),
        (
            "signed by another key than the header names",
            Box::new(|n| {
                jws(
                    &other,
                    &kid_header(&holder),
                    &json!({"aud": server.base, "iat": now, "nonce": n}),
                )
            }),
            "invalid_proof",
        ),
    ];
    let before = count();
    for (what, proof, code) in &cases {
        let nonce = flow.nonce().await;
        let (s, body) = flow
            .credential(&token, &request(BIRTH_LDP, &proof(&nonce)))
            .await;
        assert_eq!(
            (s, body["error"].as_str()),
            (400, Some(*code)),
            "{what}: {body}"
        );
    }
    // an unknown configuration, a malformed body
    let nonce = flow.nonce().await;
    let (_, body) = flow
        .credential(
            &token,
            &request("PassportCredential_ldp_vc", &flow.proof(&holder, &nonce)),
        )
        .await;
    assert_eq!(body["error"], "unknown_credential_configuration", "{body}");
    let r = server
        .client
        .post(server.url("/oid4vci/credential"))
        .bearer_auth(&token)
        .body("{\"credential_configuration_id\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    // no access token, or a made-up one: 401 invalid_token with WWW-Authenticate
    let r = server
        .client
        .post(server.url("/oid4vci/credential"))
        .json(&request(BIRTH_LDP, "a.b.c"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    let (s, body) = flow
        .credential("made-up", &request(BIRTH_LDP, "a.b.c"))
        .await;
    assert_eq!((s, body["error"].as_str()), (401, Some("invalid_token")));
    assert_eq!(count(), before, "a refused request issued something");

    // the token works once; reused after the credential was issued: invalid_token
    let nonce = flow.nonce().await;
    let (s, body) = flow
        .credential(&token, &request(BIRTH_LDP, &flow.proof(&holder, &nonce)))
        .await;
    assert_eq!(s, 200, "{body}");
    let nonce = flow.nonce().await;
    let (s, body) = flow
        .credential(&token, &request(BIRTH_LDP, &flow.proof(&holder, &nonce)))
        .await;
    assert_eq!((s, body["error"].as_str()), (401, Some("invalid_token")));
    // a nonce used once is not accepted twice
    assert_eq!(count(), before + 1);

    // an expired code (3 s here)
    let (_, flow) = Flow::birth(&server, "ATK-EXPIRED").await;
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let (_, body) = flow.token_with(&flow.code(), Some(&flow.tx_code())).await;
    assert_eq!(body["error"], "invalid_grant");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    // offers need an `issue` token
    let (s, _) = server
        .post_as("/credentials/x/offers", &json!({}), None)
        .await;
    assert_eq!(s, 401);
    let _ = issued;
    drop(cases);
    drop(flow);
    server.stop().await;
}

/// An offer made before a restart is honoured after it: codes live in the registry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offer_survives_a_restart_and_its_code_stays_single_use() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), DidMethod::Key).await;
    let token = server.token().to_owned();
    let (_, flow) = Flow::birth(&server, "RESTART-1").await;
    let (code, tx) = (flow.code(), flow.tx_code());
    let port = server.port;
    server.stop().await;
    let mut server = TestServer::restart(dir.path(), port, DidMethod::Key).await;
    server.token = Some(token);
    let flow = Flow {
        server: &server,
        offer: json!({}),
    };
    let (s, body) = flow.token_with(&code, Some(&tx)).await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = flow.token_with(&code, Some(&tx)).await;
    assert_eq!((s, body["error"].as_str()), (400, Some("invalid_grant")));
    server.stop().await;
}
