//! civitas' wallet answers an independent OpenID4VP 1.0 verifier: the verifier side of
//! `@openid4vc/openid4vp` (tests/interop/oid4vp-verifier.mjs), which checks the presentation
//! with `@sd-jwt/sd-jwt-vc`. Over HTTPS on 127.0.0.1 the wallet fetches and verifies the JS
//! verifier's signed request object (client id `decentralized_identifier:did:key:…`), matches
//! its DCQL query and sends an SD-JWT VC disclosing exactly the claims asked, with a key
//! binding JWT for the verifier's nonce and client id; the JS side says what it verified. A
//! request object signed by another DID's key is refused before anything is posted.

use chrono::Utc;
use civitas_core::report::Verdict;
use civitas_keys::did;
use civitas_keys::signer::Signer as _;
use civitas_oid4vp::Oid4vpError;
use civitas_sdjwt::status_list::{TokenStatusList, sign_status_list_token};
use civitas_sdjwt::{IssueOptions, SdPath, StatusReference};
use civitas_testkit::js::{JsPeer, JsVerifierOptions};
use civitas_wallet::{DocumentFormat, ImportOptions, RespondError, RespondOptions, Wallet};
use serde_json::{Map, Value, json};

use crate::common::*;

const TOKEN_URI: &str = "https://registry.gov.example/status/token/1";
const ASKED: [&str; 3] = ["birthDate", "familyName", "givenName"];

fn subject() -> Map<String, Value> {
    json!({
        "givenName": "Marie-Claire", "familyName": "Lebon", "birthDate": "2024-02-28",
        "sex": "F",
        "mother": {"type": "Person", "givenName": "Anne", "familyName": "Lebon",
                   "nationalId": "L0101198512345"},
        "father": {"type": "Person", "givenName": "John", "familyName": "Lebon",
                   "nationalId": "L0202198354321"}
    })
    .as_object()
    .cloned()
    .unwrap()
}

/// The office's Token Status List (nothing revoked), signed now.
async fn status_token(world: &World) -> String {
    let list = TokenStatusList::new(2, 1024).unwrap();
    let now = Utc::now().timestamp();
    sign_status_list_token(
        &list,
        TOKEN_URI,
        now - 60,
        Some(now + 3600),
        None,
        &world.office.signer,
    )
    .await
    .unwrap()
}

/// A birth certificate SD-JWT VC of the office bound to `holder`, every subject claim
/// selectively disclosable, status index 7 of the token list.
async fn sd_jwt(world: &World, holder: &str) -> String {
    let key = did::did_key_public_key(holder).unwrap();
    let mut options = IssueOptions::new(
        "urn:civitas:type:BirthCertificate",
        &world.office.did,
        Utc::now().timestamp() - 60,
    );
    options.sub = Some(holder.to_owned());
    options.cnf_jwk = Some(key.to_jwk());
    options.status = Some(StatusReference {
        idx: 7,
        uri: TOKEN_URI.into(),
    });
    options.selectively_disclosable = subject()
        .keys()
        .map(|p| SdPath::parse(p).unwrap())
        .collect();
    civitas_sdjwt::issue(&subject(), &options, &world.office.signer)
        .await
        .unwrap()
        .sd_jwt
}

/// A wallet holding the office's SD-JWT VC (imported, verified against the trust list and the
/// token status list).
async fn wallet_with_sd_jwt(world: &World, dir: &std::path::Path, token: &str) -> Wallet {
    let verifier = civitas_testkit::fixtures::verifier_builder(&world.anchor, &world.trust_list)
        .status_token(TOKEN_URI, token, None)
        .build()
        .await
        .unwrap();
    let wallet = new_wallet(&dir.join("w"));
    let holder = holder_did(&wallet);
    let issued = sd_jwt(world, &holder).await;
    let doc = wallet
        .import(issued.as_bytes(), &verifier, &ImportOptions::default())
        .await
        .unwrap();
    assert_eq!(doc.format, DocumentFormat::SdJwtVc);
    assert_eq!(doc.last_verification.verdict, Verdict::Valid);
    wallet
}

fn tls(js: &JsPeer) -> (String, String) {
    let read = |name: &str| std::fs::read_to_string(js.dir().join("fixtures").join(name)).unwrap();
    (read("tls-cert.pem"), read("tls-key.pem"))
}

fn issuer_jwk(world: &World) -> Value {
    serde_json::to_value(world.office.signer.public_key().to_jwk()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wallet_answers_the_js_openid4vp_verifier_with_exactly_the_claims_asked() {
    let Some(js) = JsPeer::get() else { return };
    let world = World::new().await;
    let token = status_token(&world).await;
    let dir = tempfile::tempdir().unwrap();
    let wallet = wallet_with_sd_jwt(&world, dir.path(), &token).await;
    let (cert, key) = tls(&js);
    let mut verifier = js.oid4vp_verifier(
        &cert,
        &key,
        &issuer_jwk(&world),
        &JsVerifierOptions {
            seed: Some([0x61; 32]),
            status_lists: vec![(TOKEN_URI.to_owned(), token.clone())],
            ..JsVerifierOptions::default()
        },
    );
    assert!(
        verifier
            .link
            .starts_with("openid4vp://?client_id=decentralized_identifier")
    );
    assert!(
        verifier
            .client_id
            .starts_with("decentralized_identifier:did:key:z6Mk")
    );

    let options = RespondOptions {
        roots: vec![cert.clone().into_bytes()],
        ..RespondOptions::default()
    };
    let prepared = wallet
        .prepare_response(&verifier.link, &options)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", verifier.log()));
    // what the holder is shown: who asks, and exactly which claims would go
    assert_eq!(prepared.client_id, verifier.client_id);
    assert_eq!(prepared.request.nonce, verifier.nonce);
    assert_eq!(prepared.request.state, verifier.state);
    assert_eq!(prepared.response_uri, verifier.response_uri);
    assert_eq!(
        prepared.client_name.as_deref(),
        Some("JS interop verifier (@openid4vc/openid4vp)")
    );
    assert_eq!(prepared.queries.len(), 1);
    let query = &prepared.queries[0];
    assert_eq!(query.query_id, "document");
    assert_eq!(query.format, "dc+sd-jwt");
    assert!(!query.whole_document);
    let mut shown = query.claims.clone();
    shown.sort();
    assert_eq!(shown, ASKED);

    let responded = wallet
        .send_response(&prepared, None)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", verifier.log()));
    assert_eq!(responded.status, 200, "{}", responded.body);
    assert_eq!(responded.consent.len(), 1);

    // what the independent verifier made of it
    let result = verifier.wait_result();
    assert!(
        result.verified,
        "{:?}\n{}\n{}",
        result.errors,
        result.raw,
        verifier.log()
    );
    assert_eq!(result.disclosed, ASKED, "{}", result.raw);
    let mut sent = result.disclosures.clone();
    sent.sort();
    assert_eq!(sent, ASKED, "the disclosures sent: {}", result.raw);
    assert_eq!(result.claims["givenName"], "Marie-Claire");
    assert_eq!(result.claims["familyName"], "Lebon");
    assert_eq!(result.claims["birthDate"], "2024-02-28");
    for withheld in ["mother", "father", "sex"] {
        assert!(
            result.claims.get(withheld).is_none(),
            "{withheld} went out: {}",
            result.raw
        );
    }
    assert_eq!(result.claims["iss"], world.office.did.as_str());
    assert_eq!(result.raw["kb"]["aud"], verifier.client_id.as_str());
    assert_eq!(result.raw["kb"]["nonce"], verifier.nonce.as_str());
    assert_eq!(result.raw["header"]["typ"], "dc+sd-jwt");
    assert_eq!(verifier.counts(), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_js_request_object_signed_by_another_did_is_refused_before_anything_is_sent() {
    let Some(js) = JsPeer::get() else { return };
    let world = World::new().await;
    let token = status_token(&world).await;
    let dir = tempfile::tempdir().unwrap();
    let wallet = wallet_with_sd_jwt(&world, dir.path(), &token).await;
    let (cert, key) = tls(&js);
    let mut verifier = js.oid4vp_verifier(
        &cert,
        &key,
        &issuer_jwk(&world),
        &JsVerifierOptions {
            seed: Some([0x62; 32]),
            status_lists: vec![(TOKEN_URI.to_owned(), token)],
            wrong_signer: true,
            ..JsVerifierOptions::default()
        },
    );
    assert!(
        !verifier
            .signer_kid
            .starts_with(&format!("{}#", verifier.did))
    );

    let options = RespondOptions {
        roots: vec![cert.into_bytes()],
        ..RespondOptions::default()
    };
    let e = wallet
        .prepare_response(&verifier.link, &options)
        .await
        .map(|p| p.client_id)
        .unwrap_err();
    match &e {
        RespondError::RequestRefused(Oid4vpError::SignerNotClientId { kid, did }) => {
            assert_eq!(kid, &verifier.signer_kid);
            assert_eq!(did, &verifier.did);
        }
        other => panic!(
            "expected SignerNotClientId, got: {other}\n{}",
            verifier.log()
        ),
    }
    // the request object was fetched, nothing was posted, nothing was logged
    assert_eq!(verifier.counts(), (1, 0), "{}", verifier.log());
    assert!(wallet.consent_log().unwrap().is_empty());
}
