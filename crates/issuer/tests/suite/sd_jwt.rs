//! SD-JWT VCs through OpenID4VCI (SPEC.md §12.12): the third configuration of a type issues a
//! holder-bound copy as a `dc+sd-jwt` whose withholdable fields are disclosures, bound to the
//! proved key (`cnf.jwk`), with a `status` in the Token Status List derived from the copy's
//! revocation list; suspending, reinstating and revoking the record show in that token list as
//! in the Bitstring lists.

use chrono::Utc;
use civitas_issuer::DidMethod;
use civitas_keys::did;
use civitas_keys::keys::{KeyAlgorithm, KeyPair, PublicKey};
use civitas_sdjwt::status_list::verify_status_list_token;
use civitas_sdjwt::verify::{VerifyOptions, verify};
use serde_json::{Value, json};

use crate::common::TestServer;
use crate::oid4vci::{Flow, request};

const BIRTH_SD_JWT: &str = "BirthCertificate_dc+sd-jwt";

/// The token list at `uri`, fetched over HTTPS and verified with the issuer's key.
async fn token_value(server: &TestServer, key: &PublicKey, uri: &str, idx: u64) -> u8 {
    let r = server.client.get(uri).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/statuslist+jwt");
    let body = r.text().await.unwrap();
    let list = verify_status_list_token(&body, key, uri, Utc::now().timestamp()).unwrap();
    list.get(idx).unwrap()
}

/// Runs the OpenID4VCI flow for `flow`'s offer, the proof signed by `holder`: the SD-JWT VC
/// copy, as issued.
async fn sd_jwt_copy(flow: &Flow<'_>, holder: &KeyPair) -> String {
    let token = flow.token().await;
    let nonce = flow.nonce().await;
    let (s, body) = flow
        .credential(&token, &request(BIRTH_SD_JWT, &flow.proof(holder, &nonce)))
        .await;
    assert_eq!(s, 200, "{body}");
    body["credentials"][0]["credential"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sd_jwt_vc_is_issued_bound_to_the_key_and_its_token_status_follows_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), DidMethod::Key).await;
    let meta: Value = server
        .get("/.well-known/openid-credential-issuer")
        .await
        .json()
        .await
        .unwrap();
    let configuration = &meta["credential_configurations_supported"][BIRTH_SD_JWT];
    assert_eq!(configuration["format"], "dc+sd-jwt", "{meta}");
    assert_eq!(configuration["vct"], "urn:civitas:type:BirthCertificate");

    let (original, flow) = Flow::birth(&server, "SD-1").await;
    let ids = &flow.offer["credentialOffer"]["credential_configuration_ids"];
    assert!(
        ids.as_array().unwrap().contains(&json!(BIRTH_SD_JWT)),
        "{ids}"
    );
    let holder = KeyPair::generate(KeyAlgorithm::Ed25519);
    let sd_jwt = sd_jwt_copy(&flow, &holder).await;
    // the parents' national ids are only in disclosures, never in the signed payload
    let jwt = sd_jwt.split('~').next().unwrap();
    let payload = civitas_core::jwt::decode(jwt).unwrap().payload;
    assert!(!payload.to_string().contains("L0101198512345"), "{payload}");
    assert!(
        !payload.to_string().contains("Victoria Hospital"),
        "{payload}"
    );
    // given name, family name and date of birth are in plain: showing them hides the rest
    assert_eq!(payload["givenName"], "Marie-Claire");
    assert!(sd_jwt.split('~').count() > 8, "{sd_jwt}");

    let issuer_key = server.issuer.signer().public_key();
    let options = VerifyOptions::new(Utc::now().timestamp());
    let verified = verify(&sd_jwt, &issuer_key, &options).unwrap();
    assert_eq!(verified.vct, "urn:civitas:type:BirthCertificate");
    assert_eq!(verified.iss.as_deref(), Some(server.issuer.did()));
    assert_eq!(
        verified.claims["mother"]["nationalId"], "L0101198512345",
        "{:?}",
        verified.claims
    );
    assert_eq!(verified.claims["givenName"], "Marie-Claire");
    let cnf = PublicKey::from_jwk(verified.cnf_jwk.as_ref().unwrap()).unwrap();
    assert_eq!(cnf, holder.public_key());
    let status = verified.status.clone().unwrap();
    assert!(
        status.uri.starts_with(&server.url("/status/token/")),
        "{}",
        status.uri
    );

    // the registry keeps the copy, linked to its record
    let (record, _) = server.issuer.credential(&original).unwrap().unwrap();
    let copy_id = record.copies[0].clone();
    let (copy, _) = server.issuer.credential(&copy_id).unwrap().unwrap();
    assert!(copy.sd_jwt);
    assert_eq!(
        copy.holder.as_deref(),
        Some(did::did_key(&holder.public_key()).as_str())
    );
    assert_eq!(copy.revocation.index, status.idx);

    assert_eq!(
        token_value(&server, &issuer_key, &status.uri, status.idx).await,
        0
    );
    // an unchanged token list is answered 304 to a client that has it
    let r = server.client.get(&status.uri).send().await.unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    r.text().await.unwrap();
    let again = server
        .client
        .get(&status.uri)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    drop(again);

    // suspending the record suspends the copy: 0x02 in the token list
    server
        .issuer
        .suspend(&original, Some("under review"), "registrar")
        .await
        .unwrap();
    assert_eq!(
        token_value(&server, &issuer_key, &status.uri, status.idx).await,
        2
    );
    server
        .issuer
        .reinstate(&original, Some("review closed"), "registrar")
        .await
        .unwrap();
    assert_eq!(
        token_value(&server, &issuer_key, &status.uri, status.idx).await,
        0
    );
    // revoking it: 0x01, and the copy's bit in the Bitstring list, from the same change
    server
        .issuer
        .revoke(&original, Some("registered in error"), "registrar")
        .await
        .unwrap();
    assert_eq!(
        token_value(&server, &issuer_key, &status.uri, status.idx).await,
        1
    );
    let lists = server.issuer.store().status_lists().unwrap();
    let list = lists
        .iter()
        .find(|l| l.url() == copy.revocation.list)
        .unwrap();
    assert_eq!(list.get(copy.revocation.index).unwrap(), 1);

    // the token list survives a restart: the copy is found again in the registry
    let status_uri = status.uri.clone();
    let port = server.port;
    server.stop().await;
    let server = TestServer::restart(dir.path(), port, DidMethod::Key).await;
    let issuer_key = server.issuer.signer().public_key();
    assert_eq!(
        token_value(&server, &issuer_key, &status_uri, status.idx).await,
        1
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suspended_copy_shows_suspended_in_the_token_list_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), DidMethod::Key).await;
    let (original, flow) = Flow::birth(&server, "SD-2").await;
    let sd_jwt = sd_jwt_copy(&flow, &KeyPair::generate(KeyAlgorithm::P256)).await;
    let issuer_key = server.issuer.signer().public_key();
    let options = VerifyOptions::new(Utc::now().timestamp());
    let status = verify(&sd_jwt, &issuer_key, &options)
        .unwrap()
        .status
        .unwrap();
    server
        .issuer
        .suspend(&original, Some("under review"), "registrar")
        .await
        .unwrap();
    let port = server.port;
    server.stop().await;
    let server = TestServer::restart(dir.path(), port, DidMethod::Key).await;
    assert_eq!(
        token_value(&server, &issuer_key, &status.uri, status.idx).await,
        2
    );
    // a number that is no revocation list: 404
    let r = server.get("/status/token/999").await;
    assert_eq!(r.status(), 404);
    let r = server.get("/status/token/x").await;
    assert_eq!(r.status(), 404);
    server.stop().await;
}

/// Two instances of one issuer on a shared PostgreSQL registry: a copy issued as an SD-JWT VC at
/// one, its record suspended there, and the Token Status List served by the other says
/// suspended (it follows the copies other instances issue, SPEC.md §21.9).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_instance_token_list_shows_a_copy_it_did_not_issue_as_suspended() {
    let Some(pg) = civitas_testkit::postgres::PgServer::shared() else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let (servers, _) = crate::instances::start_instances(&pg.database(), 2, root.path()).await;
    let (original, flow) = Flow::birth(&servers[0], "SD-3").await;
    let sd_jwt = sd_jwt_copy(&flow, &KeyPair::generate(KeyAlgorithm::P256)).await;
    let issuer_key = servers[0].issuer.signer().public_key();
    let status = verify(
        &sd_jwt,
        &issuer_key,
        &VerifyOptions::new(Utc::now().timestamp()),
    )
    .unwrap()
    .status
    .unwrap();
    servers[0]
        .issuer
        .suspend(&original, Some("under review"), "registrar")
        .await
        .unwrap();
    // the other instance serves the same list, under the same URL's path
    let path = &status.uri[status.uri.find("/status/token/").unwrap()..];
    let started = std::time::Instant::now();
    loop {
        let r = servers[1]
            .client
            .get(servers[1].url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body = r.text().await.unwrap();
        let list =
            verify_status_list_token(&body, &issuer_key, &status.uri, Utc::now().timestamp())
                .unwrap();
        if list.get(status.idx).unwrap() == 2 {
            eprintln!(
                "the other instance's token list said suspended {:?} after the suspension",
                started.elapsed()
            );
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "the other instance does not show the copy suspended"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
