//! The whole journey, end to end, through public APIs and real components only:
//!
//! 1. a stub InfoHighway e-service (HTTP on 127.0.0.1) serves birth and marriage records;
//! 2. the issuer service (HTTPS on 127.0.0.1, sled data directory, did:web) ingests and issues;
//! 3. a citizen's wallet (its own sled directory, sealed) receives her birth certificate through
//!    OpenID4VCI: the registrar makes an offer, she scans its QR code and types the transaction
//!    code; the issuer binds the copy to the key her wallet proves (her record names no DID);
//!    she also receives it as an SD-JWT VC (the third OpenID4VCI configuration);
//! 4. the bank asks through OpenID4VP (a QR code, a signed request, a DCQL query for her given
//!    name, family name and date of birth): her wallet discloses exactly those three claims of
//!    the SD-JWT VC with a key binding, and the bank's stored result holds nothing else; asked
//!    for the whole Data Integrity document (`ldp_vc`), the same flow works too;
//! 5. a verifier that needs the whole document gets a presentation (challenge, domain) and,
//!    loaded only with an offline bundle (trust list signed by the ministry, status list and
//!    token list snapshots fetched from the issuer), says *valid*;
//! 6. the registrar revokes the certificate (and with it the copies in her wallet); a fresh
//!    bundle is made;
//! 7. the same presentation now says *revoked*, and a new OpenID4VP answer is refused;
//! 8. the printed certificate's QR code, read from the PDF's page image, says *revoked* too.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use civitas_core::report::{CheckKind, Report, Verdict};
use civitas_infohighway::{
    CheckpointFile, FeedOptions, InfoHighwayClient, InfoHighwayConfig, IngestOptions, Mapping,
    NoProgress, ingest_feed, mappings,
};
use civitas_issuer::launch::launch;
use civitas_issuer::{DidMethod, IssuerConfig, PassphraseSource};
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::sealed::KdfParams;
use civitas_keys::signer::LocalSigner;
use civitas_verifier::bundle::{Bundle, BundleBuilder};
use civitas_verifier::oid4vp::{Oid4vpConfig, RelyingParty, RpClient};
use civitas_verifier::online::{HttpFetcher, OnlineConfig};
use civitas_verifier::trust::{TrustAnchor, TrustList, TrustListSigning, TrustedIssuer};
use civitas_verifier::{Verifier, VerifyOptions};
use civitas_wallet::receive::ReceiveOptions;
use civitas_wallet::{ImportOptions, RespondOptions, ShareRequest, Wallet};
use serde_json::{Value, json};

use crate::common::free_port;

/// The civil registry's InfoHighway e-service as the journey needs it: well behaved, two
/// services (`CSO.BirthRecords`, `CSO.MarriageRecords`), cursor paging, an API key (SPEC.md
/// §15.1). The misbehaving stub of civitas-infohighway's own tests covers the failures.
mod registry {
    use std::collections::HashMap;
    use std::sync::Arc;

    use axum::extract::{Path, Query, State};
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::{IntoResponse, Response};
    use serde_json::{Value, json};

    pub const API_KEY: &str = "journey-api-key";

    #[derive(serde::Deserialize)]
    struct Page {
        cursor: Option<usize>,
        limit: Option<usize>,
    }

    async fn records(
        State(services): State<Arc<HashMap<String, Vec<Value>>>>,
        Path(service): Path<String>,
        headers: HeaderMap,
        Query(page): Query<Page>,
    ) -> Response {
        if headers.get("x-api-key").and_then(|v| v.to_str().ok()) != Some(API_KEY) {
            return (StatusCode::UNAUTHORIZED, "unknown API key").into_response();
        }
        let Some(all) = services.get(&service) else {
            return (StatusCode::NOT_FOUND, "unknown service").into_response();
        };
        let start = page.cursor.unwrap_or(0).min(all.len());
        let end = (start + page.limit.unwrap_or(100)).min(all.len());
        axum::Json(
            json!({"records": all[start..end], "nextCursor": end.to_string(),
                          "hasMore": end < all.len(), "remaining": all.len() - end}),
        )
        .into_response()
    }

    /// Serves `services` (e-service name → records) on 127.0.0.1; returns the base URL.
    pub async fn serve(services: HashMap<String, Vec<Value>>) -> String {
        let app = axum::Router::new()
            .route(
                "/api/services/{service}/records",
                axum::routing::get(records),
            )
            .with_state(Arc::new(services));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://127.0.0.1:{port}/api")
    }

    /// Birth record `i` in the e-service's form; `did` is the wallet the child (now an adult)
    /// linked to their civil-registry identity.
    pub fn birth(i: usize, given: &str, did: Option<&str>) -> Value {
        let mut child = json!({"surname": "Lebon", "otherNames": {"en": given}, "sex": 2,
            "dateOfBirth": "1998-02-27", "timeOfBirth": "14:35",
            "placeOfBirth": {"institution": "Victoria Hospital", "locality": "Candos",
                             "district": "PW"}});
        if let Some(did) = did {
            child["did"] = json!(did);
        }
        json!({"recordId": format!("CSO-B-1998-PW-{i:06}"), "version": 1,
               "registration": {"district": "PW", "year": 1998, "entryNumber": format!("{i:06}"),
                                "office": "Civil Status Office, Rose Hill", "date": "1998-03-02",
                                "registrar": "A. Ramdin"},
               "child": child,
               "mother": {"surname": "Lebon", "otherNames": {"en": "Anne"},
                          "nid": "L0101197012345", "nationality": "MU"}})
    }

    /// Marriage record `i`.
    pub fn marriage(i: usize) -> Value {
        json!({"recordId": format!("CSO-M-2025-PL-{i:06}"), "version": 1,
               "registration": {"district": "PL", "year": 2025, "entryNumber": format!("{i:06}"),
                                "office": "Civil Status Office, Port Louis", "date": "2025-06-16",
                                "registrar": "K. Appadoo"},
               "celebration": {"date": "2025-06-14", "officer": "K. Appadoo",
                               "place": {"institution": "Municipal Hall", "locality": "Port Louis",
                                         "district": "PL"}},
               "parties": [
                   {"surname": "Doorgah", "otherNames": {"en": format!("Anil {i}")}, "sex": 1,
                    "dateOfBirth": "1994-05-02", "nationality": "MU"},
                   {"surname": "Li", "otherNames": {"en": format!("Sophie {i}")}, "sex": 2,
                    "dateOfBirth": "1996-09-21", "nationality": "MU"}],
               "witnesses": [{"surname": "Ramsamy", "otherNames": {"en": "Vikash"}},
                             {"surname": "Chan", "otherNames": {"en": "Mei"}}]})
    }
}

/// The InfoHighway configuration of the two feeds (SPEC.md §15.3), written beside the shipped
/// mappings.
fn infohighway_config(dir: &std::path::Path, base_url: &str) -> InfoHighwayConfig {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("birth.toml"), mappings::INFOHIGHWAY_BIRTH).unwrap();
    std::fs::write(dir.join("marriage.toml"), mappings::INFOHIGHWAY_MARRIAGE).unwrap();
    std::fs::write(dir.join("api-key"), registry::API_KEY).unwrap();
    let path = dir.join("infohighway.toml");
    std::fs::write(
        &path,
        format!(
            r#"format = 1
base_url = "{base_url}"
page_size = 7

[auth]
type = "api-key"
header = "X-API-Key"
key_file = "api-key"

[services.birth]
service = "CSO.BirthRecords"
mapping = "birth.toml"

[services.marriage]
service = "CSO.MarriageRecords"
mapping = "marriage.toml"
"#
        ),
    )
    .unwrap();
    InfoHighwayConfig::from_file(&path).unwrap()
}

/// The bank's nightly bundle: the ministry's trust list and fresh snapshots of the issuer's
/// status lists, fetched over HTTPS by a new process (no HTTP cache from the night before).
async fn bundle(cert_pem: &[u8], anchor: &TrustAnchor, trust_list: &[u8], base: &str) -> Bundle {
    let fetcher = HttpFetcher::new(OnlineConfig {
        root_certificates_pem: vec![cert_pem.to_vec()],
        ..OnlineConfig::default()
    })
    .unwrap();
    BundleBuilder::new(vec![anchor.clone()])
        .trust_list(trust_list.to_vec())
        .fetch_status_list(&fetcher, &format!("{base}/status/revocation/1"))
        .await
        .expect("revocation list")
        .fetch_status_list(&fetcher, &format!("{base}/status/suspension/1"))
        .await
        .expect("suspension list")
        .fetch_status_token(&fetcher, &format!("{base}/status/token/1"))
        .await
        .expect("token status list")
        .build()
        .await
        .expect("bundle")
}

async fn bank_verifier(bundle: &Bundle, anchor: &TrustAnchor) -> Verifier {
    Verifier::from_bundle(bundle, vec![anchor.clone()], Duration::from_secs(3_600))
        .await
        .expect("verifier from bundle")
}

/// The relying party API token of the bank in the journey.
const RP_TOKEN: &str = "bank-relying-party-token-0123456789abcdef";

/// The bank's OpenID4VP relying party on 127.0.0.1 (plain HTTP on loopback; behind its TLS
/// proxy in production), answering with whatever verifier `verifier` holds.
async fn relying_party(
    verifier: civitas_verifier::http::SharedVerifier,
) -> (String, Arc<RelyingParty>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let signer = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
    let config = Oid4vpConfig::new(&base, signer, "Bank of Port Louis", RP_TOKEN, verifier);
    let rp = RelyingParty::new(config);
    let app = civitas_verifier::oid4vp::router(rp.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, rp)
}

/// What the bank asks: given name, family name, date of birth of a birth certificate.
fn asked_claims() -> Value {
    json!({"type": "BirthCertificate", "claims": ["givenName", "familyName", "birthDate"]})
}

/// The wallet id of the Data Integrity copy bound to `holder`.
fn stored_di_id(wallet: &Wallet, holder: &str) -> String {
    wallet
        .documents()
        .unwrap()
        .into_iter()
        .find(|d| {
            d.format == civitas_wallet::DocumentFormat::DataIntegrity
                && d.credential["credentialSubject"]["id"] == holder
        })
        .expect("the Data Integrity copy")
        .id
}

/// Whether check `kind` failed in the report or in the report of a credential inside it.
fn check_failed(report: &Report, kind: CheckKind) -> bool {
    report
        .checks
        .iter()
        .any(|c| c.check == kind && c.outcome.is_failed())
        || report.credentials.iter().any(|r| check_failed(r, kind))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_the_registry_to_the_bank_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();

    // Marie-Claire's wallet, created first: she links its DID to her civil-registry identity.
    let wallet = Wallet::create(
        &dir.join("wallet"),
        b"marie's passphrase",
        KdfParams::testing(),
    )
    .unwrap();
    let holder = wallet.holder_keys().unwrap()[0].did.clone();

    // 1. InfoHighway serves 20 births (the 8th is Marie-Claire's) and 5 marriages.
    let births: Vec<Value> = (0..20)
        .map(|i| match i {
            // her record names no DID: her wallet's key comes with OpenID4VCI
            7 => registry::birth(i, "Marie-Claire", None),
            _ => registry::birth(i, &format!("Child {i}"), None),
        })
        .collect();
    let marriages: Vec<Value> = (0..5).map(registry::marriage).collect();
    let infohighway = registry::serve(
        [
            ("CSO.BirthRecords".to_owned(), births),
            ("CSO.MarriageRecords".to_owned(), marriages),
        ]
        .into(),
    )
    .await;

    // 2. The issuer service, HTTPS on 127.0.0.1, did:web.
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

    // ... ingests both feeds, page by page, from their checkpoints.
    let ih = infohighway_config(&dir.join("infohighway"), &infohighway);
    let client = Arc::new(InfoHighwayClient::new(ih.clone()).unwrap());
    for name in ["birth", "marriage"] {
        let service = ih.service(name).unwrap().clone();
        let mapping = Arc::new(Mapping::from_file(&service.mapping).unwrap());
        let summary = ingest_feed(
            &issuer,
            client.clone(),
            &service,
            mapping,
            &CheckpointFile::new(ih.checkpoint_path(&service, &data)),
            &IngestOptions::for_data_dir(&data).report(dir.join(format!("{name}-report.json"))),
            &FeedOptions::default(),
            &NoProgress,
        )
        .await
        .expect("ingestion");
        let report = std::fs::read_to_string(dir.join(format!("{name}-report.json")));
        assert_eq!(summary.counts.rejected, 0, "{name}: {summary:?} {report:?}");
    }
    assert_eq!(issuer.credential_count().unwrap(), 25);

    // The citizen portal hands Marie-Claire her certificate (GET /credentials/{id}).
    let record = issuer
        .credentials(None, 100)
        .unwrap()
        .into_iter()
        .find(|r| r.source_record_id.as_deref() == Some("CSO-B-1998-PW-000007"))
        .expect("Marie-Claire's record");
    let id = record.id.clone();
    let got: Value = https
        .get(format!("{base}/credentials/{id}"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let certificate = got["verifiableCredential"].to_string();
    assert!(certificate.contains("Marie-Claire"));

    // The ministry vouches for the registry (birth and marriage certificates), pinning the DID
    // document it publishes.
    let did_document = https
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
                .with_document(did_document),
        )
        .unwrap();
    let trust = trust
        .sign(&ministry, &TrustListSigning::default())
        .await
        .unwrap();
    let bundle_before = bundle(&cert_pem, &anchor, trust.as_bytes(), &base).await;

    // 3. The registrar makes an OpenID4VCI offer for her record; she scans its QR code and
    // types the transaction code she was sent by SMS. Her wallet proves its key, verifies what
    // it receives (with the same kind of bundle) and stores it: a copy bound to her key.
    let offer: Value = https
        .post(format!("{base}/credentials/{id}/offers"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let qr_png = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(offer["qr"]["png"].as_str().unwrap())
            .unwrap()
    };
    let scanned = civitas_qr::photo::decode_image(&qr_png).expect("the offer's QR code reads");
    assert_eq!(scanned, offer["offerUriByReference"].as_str().unwrap());
    let citizen_verifier = bank_verifier(&bundle_before, &anchor).await;
    let options = ReceiveOptions {
        tx_code: offer["txCode"].as_str().map(str::to_owned),
        root_certificates_pem: vec![cert_pem.clone()],
        ..ReceiveOptions::default()
    };
    let received = wallet
        .receive(&scanned, &options, &citizen_verifier)
        .await
        .expect("receive");
    let stored = received.document;
    assert!(stored.types().contains(&"BirthCertificate"));
    assert_eq!(
        stored.credential["credentialSubject"]["id"],
        holder.as_str()
    );
    // the offer is single use
    let again = wallet
        .receive(&scanned, &options, &citizen_verifier)
        .await
        .expect_err("a used offer");
    assert_eq!(
        again.oauth_error().map(|e| e.error.as_str()),
        Some("invalid_grant")
    );
    // The unbound original (the file the portal hands out) cannot be presented as hers: a
    // verifier requires the holder to be the subject, and the wallet says so before sharing.
    let unbound = wallet
        .import(
            certificate.as_bytes(),
            &citizen_verifier,
            &ImportOptions::default(),
        )
        .await
        .expect("import");

    // ... and, from a second offer, as an SD-JWT VC: the form that lets her show some claims.
    let offer: Value = https
        .post(format!("{base}/credentials/{id}/offers"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sd_options = ReceiveOptions {
        tx_code: offer["txCode"].as_str().map(str::to_owned),
        configuration_id: Some("BirthCertificate_dc+sd-jwt".into()),
        ..options.clone()
    };
    let sd_jwt = wallet
        .receive(
            offer["offerUriByReference"].as_str().unwrap(),
            &sd_options,
            &citizen_verifier,
        )
        .await
        .expect("receive the SD-JWT VC")
        .document;
    assert_eq!(sd_jwt.format, civitas_wallet::DocumentFormat::SdJwtVc);

    // 4. The bank's relying party asks through OpenID4VP: a QR code on its counter screen, a
    // signed request, a DCQL query for three claims. Its verifier: the nightly bundle.
    let bank_shared: civitas_verifier::http::SharedVerifier = Arc::new(std::sync::RwLock::new(
        Arc::new(bank_verifier(&bundle_before, &anchor).await),
    ));
    let (rp_base, rp) = relying_party(bank_shared.clone()).await;
    let rp_client = RpClient::new(&rp_base, RP_TOKEN, &[]).unwrap();
    let respond = RespondOptions {
        allow_loopback_http: true,
        ..RespondOptions::default()
    };
    let request = rp_client.create(&asked_claims()).await.expect("request");
    let prepared = wallet
        .prepare_response(request["link"].as_str().unwrap(), &respond)
        .await
        .expect("a request signed by the bank's DID");
    assert_eq!(prepared.client_id, rp.client_id());
    assert_eq!(prepared.queries[0].document_id, sd_jwt.id);
    assert_eq!(
        prepared.queries[0].claims,
        ["givenName", "familyName", "birthDate"]
    );
    wallet
        .send_response(&prepared, Some("Bank of Port Louis"))
        .await
        .expect("the bank accepts");
    let result = rp_client
        .result(request["id"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(result["status"], "verified", "{result}");
    let claims = result["credentials"][0]["claims"].as_object().unwrap();
    let mut names: Vec<&str> = claims.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["birthDate", "familyName", "givenName"], "{result}");
    assert_eq!(claims["givenName"], "Marie-Claire");
    // nothing about her parents, her birth place or her registration reached the bank
    let kept = result.to_string();
    for withheld in [
        "mother",
        "father",
        "nationalId",
        "birthPlace",
        "registration",
        "Anne",
    ] {
        assert!(!kept.contains(withheld), "{withheld} in {kept}");
    }
    let log = wallet.consent_log().unwrap();
    let entry = log.last().unwrap();
    assert_eq!(entry.form, civitas_wallet::ShareForm::Disclosure);
    assert_eq!(
        entry.documents[0].fields,
        ["givenName", "familyName", "birthDate"]
    );
    // A relying party that needs the whole document asks for the Data Integrity form: the
    // wallet says it shares the whole document, and the bank keeps only what it named.
    let whole = rp_client
        .create(&json!({"type": "BirthCertificate", "format": "ldp_vc",
                        "claims": ["givenName", "familyName", "birthDate"]}))
        .await
        .unwrap();
    let prepared = wallet
        .prepare_response(whole["link"].as_str().unwrap(), &respond)
        .await
        .unwrap();
    assert!(prepared.queries[0].whole_document);
    assert_eq!(
        prepared.queries[0].document_id,
        stored_di_id(&wallet, &holder)
    );
    wallet
        .send_response(&prepared, Some("Bank of Port Louis"))
        .await
        .expect("the bank accepts the whole document");
    let result = rp_client
        .result(whole["id"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(result["status"], "verified", "{result}");
    assert_eq!(result["credentials"][0]["format"], "ldp_vc");

    // 5. A verifier that needs the whole document asks with a challenge and its domain.
    let shared = wallet
        .present(&ShareRequest {
            documents: vec![stored.id.clone()],
            challenge: "bank-7f3a91".into(),
            domain: "https://bank.example".into(),
            recipient: Some("Bank of Port Louis".into()),
            holder: None,
        })
        .await
        .expect("presentation");
    let asked = VerifyOptions {
        challenge: Some("bank-7f3a91".into()),
        domain: Some("https://bank.example".into()),
        ..VerifyOptions::default()
    };
    let refused = wallet
        .present(&ShareRequest {
            documents: vec![unbound.id.clone()],
            challenge: "bank-7f3a91".into(),
            domain: "https://bank.example".into(),
            recipient: Some("Bank of Port Louis".into()),
            holder: None,
        })
        .await
        .expect_err("the unbound original is about nobody the wallet holds");
    assert!(
        refused.to_string().contains("holder to be its subject"),
        "{refused}"
    );

    // 5. The bank, offline with its bundle: valid, because the holder is now the subject.
    let bank = bank_verifier(&bundle_before, &anchor).await;
    let report = bank.verify(shared.payload.as_bytes(), &asked).await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
    // (a replay for another challenge is refused)
    let other = VerifyOptions {
        challenge: Some("another".into()),
        ..asked.clone()
    };
    let replay = bank.verify(shared.payload.as_bytes(), &other).await;
    assert_eq!(replay.verdict, Verdict::Invalid, "{replay}");

    // 6. The registrar revokes it (the answer comes once the list is re-signed and published).
    let revoked: Value = https
        .post(format!("{base}/credentials/status"))
        .bearer_auth(&admin)
        .json(&json!({"credentialId": id, "action": "revoke", "reason": "registered in error"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(revoked["revoked"], true, "{revoked}");
    let bundle_after = bundle(&cert_pem, &anchor, trust.as_bytes(), &base).await;
    let bank = bank_verifier(&bundle_after, &anchor).await;

    // 7. The same presentation: revoked (the copy in her wallet followed its record) ...
    let report = bank.verify(shared.payload.as_bytes(), &asked).await;
    assert_eq!(report.verdict, Verdict::Invalid, "{report}");
    assert!(check_failed(&report, CheckKind::Revocation), "{report}");
    // ... and, with the new bundle, the relying party refuses her SD-JWT VC: its token list
    // entry flipped with the same revocation.
    *bank_shared.write().unwrap() = Arc::new(bank_verifier(&bundle_after, &anchor).await);
    let again = rp_client.create(&asked_claims()).await.unwrap();
    let prepared = wallet
        .prepare_response(again["link"].as_str().unwrap(), &respond)
        .await
        .unwrap();
    let refused = wallet
        .send_response(&prepared, Some("Bank of Port Louis"))
        .await
        .expect_err("revoked");
    assert!(refused.to_string().contains("revoked"), "{refused}");
    let result = rp_client
        .result(again["id"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(result["status"], "refused", "{result}");

    // 8. The printed certificate: its QR code, read from the PDF page, says revoked too.
    let pdf = https
        .get(format!("{base}/credentials/{id}/certificate?format=pdf"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    if civitas_testkit::pdf::pdftoppm_available() {
        let file = dir.join("certificate.pdf");
        std::fs::write(&file, &pdf).unwrap();
        let page = civitas_testkit::pdf::first_page_png(&file, 300);
        let report = bank.verify(&page, &VerifyOptions::default()).await;
        assert_eq!(report.verdict, Verdict::Invalid, "{report}");
        assert!(check_failed(&report, CheckKind::Revocation), "{report}");
        // ... while before the revocation, the same page was valid
        let before = bank_verifier(&bundle_before, &anchor).await;
        let report = before.verify(&page, &VerifyOptions::default()).await;
        assert_eq!(report.verdict, Verdict::Valid, "{report}");
    }

    let _ = stop_tx.send(());
    server.await.unwrap().unwrap();
}

/// `target/<profile>/<relative>`, next to this test's `target/<profile>/deps/`.
fn built(relative: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    let profile_dir = exe
        .parent()
        .and_then(std::path::Path::parent)
        .expect("target/<profile>");
    let path = profile_dir.join(relative);
    assert!(
        path.exists(),
        "{} is missing: run `cargo test --workspace` (it builds the civitas binary and the examples)",
        path.display()
    );
    path
}

/// A `CARGO_TARGET_DIR` for `examples/journey.sh`: `release/civitas` and
/// `release/examples/issuer` run this test run's binaries and note that they were used, and a
/// `cargo` stub (first on `PATH`) notes the builds asked for instead of building again.
#[cfg(unix)]
fn target_dir_of_wrappers(dir: &std::path::Path) -> (std::path::PathBuf, std::ffi::OsString) {
    use std::os::unix::fs::PermissionsExt;
    let target = dir.join("elsewhere-target");
    let bin = dir.join("bin");
    std::fs::create_dir_all(target.join("release/examples")).unwrap();
    std::fs::create_dir_all(&bin).unwrap();
    let script = |path: &std::path::Path, body: String| {
        std::fs::write(path, format!("#!/usr/bin/env bash\n{body}\n")).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    let log = dir.join("used.log");
    for (name, real) in [
        ("release/civitas", built("civitas")),
        ("release/examples/issuer", built("examples/issuer")),
    ] {
        script(
            &target.join(name),
            format!(
                "echo {name} >> '{}'\nexec '{}' \"$@\"",
                log.display(),
                real.display()
            ),
        );
    }
    script(
        &bin.join("cargo"),
        format!("echo \"cargo $*\" >> '{}'", log.display()),
    );
    let path = std::env::join_paths(
        std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    (target, path)
}

/// The same journey from the command line: `examples/journey.sh`, run as a newcomer would
/// (with the binaries this test run built, found through `CARGO_TARGET_DIR`), tells the whole
/// story and ends revoked.
#[cfg(unix)]
#[test]
fn the_journey_script_tells_the_whole_story() {
    if std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "curl is required under CI"
        );
        eprintln!(
            "SKIPPED: curl is not installed; examples/journey.sh talks to the issuer with it"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tools = tempfile::tempdir().unwrap();
    let (target, path) = target_dir_of_wrappers(tools.path());
    let out = std::process::Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/journey.sh"))
        .env_remove("CIVITAS_BIN")
        .env_remove("ISSUER_BIN")
        .env("CARGO_TARGET_DIR", &target)
        .env("PATH", path)
        .env("JOURNEY_DIR", dir.path())
        .env("JOURNEY_PORT", free_port().to_string())
        .env("JOURNEY_RP_PORT", free_port().to_string())
        .output()
        .expect("bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for expected in [
        "received ",
        "  holder:    did:key:",
        "issued      2",
        "rejected    1",
        "VALID — Presentation of 1 document(s)",
        "[ok  ] revocation: not revoked",
        "\"revoked\":true",
        "INVALID — Presentation of 1 document(s)",
        "[FAIL] revocation: revoked",
        "signed: cose-compact",
        "via:       OpenID4VCI, configuration BirthCertificate_dc+sd-jwt",
        "token list : ",
        "    claims disclosed: givenName, familyName, birthDate",
        "SHARED with Bank of Port Louis: the verifier accepted",
        "status: verified",
        "  givenName: Marie-Claire",
        "REFUSED by the verifier (HTTP 400): invalid_request: presentation 0 of `document`: not valid (revocation: revoked",
        "The journey ends as it should",
    ] {
        assert!(
            stdout.contains(expected),
            "missing `{expected}` in:\n{stdout}\n{stderr}"
        );
    }
    // The script asked cargo for the builds and ran what it built into CARGO_TARGET_DIR.
    let used = std::fs::read_to_string(tools.path().join("used.log")).unwrap_or_default();
    for expected in [
        "cargo build -q --release -p civitas-cli --bin civitas",
        "cargo build -q --release --example issuer",
        "release/civitas",
        "release/examples/issuer",
    ] {
        assert!(used.contains(expected), "`{expected}` not in:\n{used}");
    }
}
