//! The whole life of credentials over HTTPS: issue birth and marriage certificates, fetch the
//! status lists (caching headers, 304), revoke (the bit is set and the list verifies within a
//! second), suspend and reinstate, idempotency and supersession, the VC-API shapes (VC 2.0,
//! VC 1.1, vc+jwt), key rotation.

use crate::common;

use std::time::{Duration, Instant};

use civitas_core::report::Verdict;
use civitas_core::verify::VerifyOptions;
use civitas_issuer::DidMethod;
use civitas_qr::compact::{self, check_compact_text};
use civitas_qr::decode_image;
use civitas_status::{StatusSize, verify_status_list};
use common::{TestServer, birth_body, marriage_body};
use serde_json::{Value, json};

fn entry(vc: &Value, purpose: &str) -> (String, u64) {
    let e = vc["credentialStatus"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["statusPurpose"] == purpose)
        .unwrap();
    (
        e["statusListCredential"].as_str().unwrap().to_owned(),
        e["statusListIndex"].as_str().unwrap().parse().unwrap(),
    )
}

fn path_of(url: &str) -> String {
    let rest = url.split_once("://").unwrap().1;
    format!("/{}", rest.split_once('/').unwrap().1)
}

async fn bit(server: &TestServer, url: &str, index: u64) -> u8 {
    let r = server.get(&path_of(url)).await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    let checker = server.checker().await;
    let list = verify_status_list(&bytes, &checker, chrono::Utc::now())
        .await
        .expect("the published list verifies");
    assert_eq!(list.issuer(), server.issuer.did());
    list.get(index, StatusSize::ONE).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_publish_revoke_suspend_reinstate_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), DidMethod::Web).await;
    let checker = server.checker().await;

    // health and DID document
    let h: Value = server.get("/healthz").await.json().await.unwrap();
    assert_eq!(h["status"], "ok");
    assert!(server.issuer.did().starts_with("did:web:127.0.0.1%3A"));

    // issue a birth and a marriage certificate
    let (status, birth) = server.post("/birth-certificates", &birth_body("B-1")).await;
    assert_eq!(status, 201, "{birth}");
    let (status, marriage) = server
        .post("/marriage-certificates", &marriage_body("M-1"))
        .await;
    assert_eq!(status, 201, "{marriage}");
    for vc in [
        &birth["verifiableCredential"],
        &marriage["verifiableCredential"],
    ] {
        let report = checker
            .verify(vc.to_string().as_bytes(), &VerifyOptions::default())
            .await;
        assert_eq!(report.verdict, Verdict::Valid, "{report}");
    }
    let vc = &birth["verifiableCredential"];
    let id = birth["credentialId"].as_str().unwrap().to_owned();
    let (rev_url, rev_index) = entry(vc, "revocation");
    let (sus_url, sus_index) = entry(vc, "suspension");
    assert!(rev_url.ends_with("/status/revocation/1"));
    assert!(sus_url.ends_with("/status/suspension/1"));

    // the list: caching headers, ETag, 304
    let r = server.get(&path_of(&rev_url)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "public, max-age=300");
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    assert!(
        etag.starts_with('"') && etag.len() == 34,
        "strong ETag: {etag}"
    );
    let r304 = server
        .client
        .get(server.url(&path_of(&rev_url)))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r304.status(), 304);
    assert_eq!(bit(&server, &rev_url, rev_index).await, 0);

    // revoke: published within a second, the bit set, the list verifies
    let started = Instant::now();
    let (status, body) = server
        .post(
            "/credentials/status",
            &json!({"credentialId": id, "credentialStatus": [{"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "status": true}], "reason": "registered in error"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["revoked"], true);
    assert_eq!(body["published"], true);
    assert_eq!(bit(&server, &rev_url, rev_index).await, 1);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let r = server.get(&path_of(&rev_url)).await;
    assert_ne!(
        r.headers()["etag"].to_str().unwrap(),
        etag,
        "a new list has a new ETag"
    );
    // revocation is final
    let (status, body) = server
        .post(
            "/credentials/status",
            &json!({"credentialId": id, "action": "reinstate"}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(
        body["type"],
        "https://w3id.org/civitas/problems/status-conflict"
    );

    // suspend and reinstate the marriage certificate
    let mid = marriage["credentialId"].as_str().unwrap().to_owned();
    let (m_sus_url, m_sus_index) = entry(&marriage["verifiableCredential"], "suspension");
    assert_eq!(m_sus_url, sus_url);
    assert_ne!(m_sus_index, sus_index);
    let (status, body) = server
        .post(
            "/credentials/status",
            &json!({"credentialId": mid, "action": "suspend", "reason": "under review"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["suspended"], true);
    assert_eq!(bit(&server, &sus_url, m_sus_index).await, 1);
    let started = Instant::now();
    let (status, body) = server
        .post(
            "/credentials/status",
            &json!({"credentialId": mid, "credentialStatus": [{"statusPurpose": "suspension", "status": false}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["suspended"], false);
    assert_eq!(bit(&server, &sus_url, m_sus_index).await, 0);
    assert!(started.elapsed() < Duration::from_secs(1));

    // unknown credential
    let (status, body) = server
        .post(
            "/credentials/status",
            &json!({"credentialId": "urn:uuid:nope", "action": "revoke"}),
        )
        .await;
    assert_eq!(status, 404, "{body}");

    // the audit chain: init, token, 2 issues, revoke, suspend, reinstate
    let audit = server.issuer.verify_audit().unwrap().unwrap();
    assert_eq!(audit.entries, 7);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_supersession_and_vc_api_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), DidMethod::Web).await;
    let checker = server.checker().await;

    let (s1, first) = server.post("/birth-certificates", &birth_body("B-7")).await;
    assert_eq!(s1, 201);
    // the same record again: the same credential, 200
    let (s2, again) = server.post("/birth-certificates", &birth_body("B-7")).await;
    assert_eq!(s2, 200, "{again}");
    assert_eq!(again["credentialId"], first["credentialId"]);
    assert_eq!(again["replayed"], true);
    assert_eq!(again["verifiableCredential"], first["verifiableCredential"]);
    // a changed record without supersede: 409 naming the existing credential
    let mut changed = birth_body("B-7");
    changed["familyName"] = json!("Lebon-Ramdin");
    let (s3, conflict) = server.post("/birth-certificates", &changed).await;
    assert_eq!(s3, 409, "{conflict}");
    assert_eq!(conflict["existingCredentialId"], first["credentialId"]);
    // with supersede: a new credential, the old one revoked
    changed["options"] = json!({"supersede": true});
    let (s4, new) = server.post("/birth-certificates", &changed).await;
    assert_eq!(s4, 201, "{new}");
    assert_eq!(new["supersedes"], first["credentialId"]);
    let old = server
        .issuer
        .credential(first["credentialId"].as_str().unwrap())
        .unwrap()
        .unwrap()
        .0;
    assert!(old.revoked_at.is_some());
    assert_eq!(old.superseded_by.as_deref(), new["credentialId"].as_str());

    // VC-API, VC 2.0 input (issuer, id, validFrom filled in), unknown option ignored
    let subject = civitas_testkit::samples::birth_record();
    let v2 = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/civitas/civil-registry/v1"],
        "type": ["VerifiableCredential", "BirthCertificate"],
        "credentialSubject": subject,
    });
    let (s, body) = server
        .post(
            "/credentials/issue",
            &json!({"credential": v2, "options": {"somethingElse": 1}}),
        )
        .await;
    assert_eq!(s, 201, "{body}");
    let vc = &body["verifiableCredential"];
    assert_eq!(vc["issuer"], server.issuer.did());
    let report = checker
        .verify(vc.to_string().as_bytes(), &VerifyOptions::default())
        .await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");

    // VC 1.1 input: the data-integrity context is added for the proof
    let v1 = json!({
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://w3id.org/civitas/civil-registry/v1"],
        "type": ["VerifiableCredential", "BirthCertificate"],
        "issuer": server.issuer.did(),
        "issuanceDate": "2024-03-01T09:00:00Z",
        "credentialSubject": subject,
    });
    let (s, body) = server
        .post("/credentials/issue", &json!({"credential": v1}))
        .await;
    assert_eq!(s, 201, "{body}");
    let vc = &body["verifiableCredential"];
    let ctx = vc["@context"].as_array().unwrap();
    assert!(
        ctx.iter()
            .any(|c| c == "https://w3id.org/security/data-integrity/v2")
    );
    let report = checker
        .verify(vc.to_string().as_bytes(), &VerifyOptions::default())
        .await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
    // Bitstring Status List entries belong in VC 2.0 credentials: a 1.1 one carries none, and
    // its status cannot be changed (409), rather than a revocation nobody could see
    assert!(vc.get("credentialStatus").is_none(), "{vc}");
    assert!(
        !ctx.iter()
            .any(|c| c == "https://www.w3.org/ns/credentials/status/v1")
    );
    let (s, body) = server
        .post(
            "/credentials/status",
            &json!({"credentialId": vc["id"], "action": "revoke", "reason": "test"}),
        )
        .await;
    assert_eq!(s, 409, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("VC 1.1"),
        "{body}"
    );

    // vc+jwt on request: an enveloped credential
    let (s, body) = server
        .post(
            "/credentials/issue",
            &json!({"credential": v2, "options": {"securing": "vc+jwt"}}),
        )
        .await;
    assert_eq!(s, 201, "{body}");
    let id = body["verifiableCredential"]["id"].as_str().unwrap();
    let jws = id.strip_prefix("data:application/vc+jwt,").unwrap();
    let report = checker
        .verify(jws.as_bytes(), &VerifyOptions::default())
        .await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");

    // another issuer's credential is refused
    let mut foreign = v2.clone();
    foreign["issuer"] = json!("did:web:elsewhere.example");
    let (s, body) = server
        .post("/credentials/issue", &json!({"credential": foreign}))
        .await;
    assert_eq!(s, 400, "{body}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_rotation_keeps_old_credentials_verifying() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), DidMethod::Web).await;
    let (_, before) = server.post("/birth-certificates", &birth_body("R-1")).await;
    let r = server
        .client
        .post(server.url("/keys/rotate"))
        .bearer_auth(server.token())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, after) = server.post("/birth-certificates", &birth_body("R-2")).await;
    let vm = |v: &Value| {
        v["verifiableCredential"]["proof"]["verificationMethod"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(vm(&before).ends_with("#key-1"));
    assert!(vm(&after).ends_with("#key-2"));

    // the DID document lists both keys for assertionMethod: both credentials verify
    let checker = server.checker().await;
    for v in [&before, &after] {
        let report = checker
            .verify(
                v["verifiableCredential"].to_string().as_bytes(),
                &VerifyOptions::default(),
            )
            .await;
        assert_eq!(report.verdict, Verdict::Valid, "{report}");
    }
    // the key history has validity windows
    let keys: Value = server.get("/keys").await.json().await.unwrap();
    let keys = keys["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert!(keys[0]["validUntil"].is_string());
    assert!(keys[1].get("validUntil").is_none());
    // lists are re-signed with the new key (in the background)
    let mut resigned = false;
    for _ in 0..50 {
        let body: Value = server
            .get("/status/revocation/1")
            .await
            .json()
            .await
            .unwrap();
        if body["proof"]["verificationMethod"]
            .as_str()
            .unwrap()
            .ends_with("#key-2")
        {
            resigned = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(resigned);
    assert_eq!(server.issuer.verify_audit().unwrap().unwrap().entries, 5);
    server.stop().await;
}

/// Every issued certificate can be fetched as its compact QR form (text or image) and as a
/// printable PDF whose QR code reads back as the same, verifying, text — also for a credential
/// signed before a key rotation (the QR is signed by the credential's own key).
#[tokio::test]
async fn qr_and_printable_certificate_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), DidMethod::Web).await;
    let (status, birth) = server.post("/birth-certificates", &birth_body("P-1")).await;
    assert_eq!(status, 201, "{birth}");
    let id = birth["credentialId"].as_str().unwrap().to_owned();
    let (status, _) = server.post("/keys/rotate", &json!({})).await;
    assert_eq!(status, 200);
    let checker = server.checker().await;
    let fetch = |path: String| {
        let req = server
            .client
            .get(server.url(&path))
            .bearer_auth(server.token());
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            let content_type = r.headers()[reqwest::header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .to_owned();
            (status, content_type, r.bytes().await.unwrap().to_vec())
        }
    };

    // the QR text, signed by key-1 (the credential's key), verifies
    let (status, content_type, text) = fetch(format!("/credentials/{id}/qr")).await;
    assert_eq!(
        (status, content_type.as_str()),
        (200, "text/plain; charset=utf-8")
    );
    let text = String::from_utf8(text).unwrap();
    assert!(text.starts_with("CV1:"), "{text}");
    let report = check_compact_text(&checker, &text, &VerifyOptions::default()).await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
    assert!(
        compact::decode(&text).unwrap().kid().ends_with("#key-1"),
        "the QR is signed by the key that signed the credential"
    );

    // the QR image reads back as the same text
    let (status, content_type, png) = fetch(format!("/credentials/{id}/qr?format=png")).await;
    assert_eq!((status, content_type.as_str()), (200, "image/png"));
    assert_eq!(decode_image(&png).unwrap(), text);
    let (status, _, svg) = fetch(format!("/credentials/{id}/qr?format=svg")).await;
    assert_eq!(status, 200);
    assert!(String::from_utf8(svg).unwrap().contains("<svg"));

    // the printable certificate: SVG, and a PDF whose page image carries the same QR code
    let (status, content_type, svg) =
        fetch(format!("/credentials/{id}/certificate?format=svg")).await;
    assert_eq!((status, content_type.as_str()), (200, "image/svg+xml"));
    assert!(String::from_utf8(svg).unwrap().contains("<svg"));
    let (status, content_type, pdf) = fetch(format!("/credentials/{id}/certificate")).await;
    assert_eq!((status, content_type.as_str()), (200, "application/pdf"));
    assert!(pdf.starts_with(b"%PDF-"));
    if civitas_testkit::pdf::pdftoppm_available() {
        let file = dir.path().join("certificate.pdf");
        std::fs::write(&file, &pdf).unwrap();
        // 300 dpi, as printed: a version-14 code has 0.6 mm modules
        let page = civitas_testkit::pdf::first_page_png(&file, 300);
        assert_eq!(decode_image(&page).unwrap(), text);
    }

    // refusals: an unknown format, an unknown credential, no token
    let (status, _, body) = fetch(format!("/credentials/{id}/certificate?format=doc")).await;
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
    let (status, _, _) = fetch(format!("/credentials/{id}/qr?format=gif")).await;
    assert_eq!(status, 400);
    let (status, _, _) =
        fetch("/credentials/urn:uuid:00000000-0000-4000-8000-000000000000/qr".into()).await;
    assert_eq!(status, 404);
    let anonymous = server.get(&format!("/credentials/{id}/certificate")).await;
    assert_eq!(anonymous.status(), 401);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_names_its_request_for_the_request_log() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), DidMethod::Key).await;
    // a request id the client gives comes back; without one, the server makes one
    let given = server
        .client
        .get(server.url("/healthz"))
        .header("x-request-id", "clerk-7.trace")
        .send()
        .await
        .unwrap();
    assert_eq!(given.headers()["x-request-id"], "clerk-7.trace");
    let made = server.get("/no-such-endpoint").await;
    assert_eq!(made.status(), 404);
    let id = made.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 16, "{id}");
    server.stop().await;
}
