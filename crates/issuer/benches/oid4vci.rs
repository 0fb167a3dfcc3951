//! A whole OpenID4VCI issuance (pre-authorized code flow) against a direct typed issuance, in
//! the same run; registry on disk (sled in a temp dir), Ed25519 `eddsa-rdfc-2022`, `ldp_vc`:
//!
//! ```text
//! cargo bench -p civitas-issuer --bench oid4vci            # all figures
//! cargo bench -p civitas-issuer --bench oid4vci -- quick   # fewer rounds
//! ```
//!
//! One client, one credential at a time. Each round times, in an order that rotates from round
//! to round so that a change in machine load falls on all of them alike:
//!
//! - **OpenID4VCI over HTTPS** (the server on 127.0.0.1, a reqwest client trusting its
//!   self-signed certificate): the registrar's `POST /credentials/{id}/offers` (the answer
//!   carries the offer, its QR code as SVG and PNG and the transaction code), then the wallet's
//!   `POST /oid4vci/token` (pre-authorized code + transaction code), `POST /oid4vci/nonce`,
//!   a fresh Ed25519 holder key and its `openid4vci-proof+jwt` (did:key `kid`, signed in the
//!   bench), and `POST /oid4vci/credential` for `BirthCertificate_ldp_vc`: a holder-bound copy
//!   signed and stored.
//! - **direct typed issuance over HTTPS**: `POST /birth-certificates` with the record.
//! - **the library**: `Issuer::issue`, and the same OpenID4VCI flow through the library
//!   (`create_offer`, `token`, `nonce`, `credential_endpoint`: no TLS, HTTP or QR code).
//!
//! The records the offers are for are issued (in batches) before anything is timed. Printed:
//! for each way, the median over rounds of credentials per second and of the time per
//! credential; the ratio OpenID4VCI / direct of the time per credential (of the medians, and
//! the median of each round's ratio); and the median time of each step of an OpenID4VCI flow
//! (offer, token, nonce, wallet proof, credential) over every flow of every round, in
//! microseconds; and, apart, the time the HTTPS offer answer takes to render its QR code (what
//! the HTTPS offer adds to the library's).

use std::time::{Duration, Instant};

use base64::Engine as _;
use civitas_core::model::{DocumentType, sample};
use civitas_issuer::{DidMethod, Document, IssueRequest, Issuer, IssuerConfig, PassphraseSource};
use civitas_keys::did;
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::sealed::KdfParams;
use serde_json::{Value, json};

const CONFIGURATION: &str = "BirthCertificate_ldp_vc";
const PRE_AUTHORIZED: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";

fn record(n: usize) -> Value {
    let kind = DocumentType::named("BirthCertificate").expect("bundled");
    let mut rec = sample(&kind).unwrap_or_default();
    if let Some(known) = kind.profile() {
        known.profile.set_holder(&mut rec, None);
    }
    rec["registration"]["registrationNumber"] = json!(format!("PW/B/2025/{n:07}"));
    rec["givenName"] = json!(format!("Amina-{n}"));
    rec
}

fn request(n: usize) -> IssueRequest {
    let doc = Document::parse(
        DocumentType::named("BirthCertificate").expect("bundled"),
        &record(n),
    )
    .expect("sample record");
    IssueRequest::new(doc).source(&format!("oid4vci-bench-{n}"))
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A wallet's key proof: a JWS over `{aud, iat, nonce}` by `key`, its did:key as `kid`.
fn proof(key: &KeyPair, audience: &str, nonce: &str) -> String {
    let header = json!({"typ": "openid4vci-proof+jwt", "alg": key.algorithm().jose_alg(),
                        "kid": did::did_key_method(&key.public_key())});
    let payload = json!({"aud": audience, "iat": chrono::Utc::now().timestamp(), "nonce": nonce});
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(payload.to_string().as_bytes())
    );
    format!("{input}.{}", b64(&key.sign(input.as_bytes())))
}

/// A fresh holder key and its proof for `nonce`.
fn wallet_proof(audience: &str, nonce: &str) -> String {
    let holder = KeyPair::generate(KeyAlgorithm::Ed25519);
    proof(&holder, audience, nonce)
}

fn token_form(offer: &Value, tx_code: Option<&str>) -> String {
    let code = offer["grants"][PRE_AUTHORIZED]["pre-authorized_code"]
        .as_str()
        .expect("pre-authorized code");
    let mut form = format!(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code={code}"
    );
    if let Some(tx) = tx_code {
        form.push_str(&format!("&tx_code={tx}"));
    }
    form
}

fn credential_request(proof: &str) -> Value {
    json!({"credential_configuration_id": CONFIGURATION, "proofs": {"jwt": [proof]}})
}

fn assert_copy(answer: &Value) {
    let subject = &answer["credentials"][0]["credential"]["credentialSubject"]["id"];
    assert!(
        subject.as_str().is_some_and(|s| s.starts_with("did:key:")),
        "{answer}"
    );
}

/// The time each step of one OpenID4VCI flow took.
#[derive(Default)]
struct Steps {
    offer: Vec<f64>,
    token: Vec<f64>,
    nonce: Vec<f64>,
    proof: Vec<f64>,
    credential: Vec<f64>,
    flow: Vec<f64>,
}

impl Steps {
    fn print(&self, label: &str) {
        println!(
            "{label:<44} offer {:>6.0}  token {:>6.0}  nonce {:>5.0}  proof {:>5.0}  credential {:>6.0}  whole {:>6.0} µs",
            median(&self.offer),
            median(&self.token),
            median(&self.nonce),
            median(&self.proof),
            median(&self.credential),
            median(&self.flow),
        );
    }
}

struct Bench {
    issuer: Issuer,
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Bench {
    async fn post_json(&self, path: &str, bearer: &str, body: &Value) -> (u16, Value) {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(bearer)
            .json(body)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.expect("json"))
    }

    /// One whole OpenID4VCI issuance over HTTPS for record `id`, each step timed.
    async fn oid4vci_http(&self, id: &str, steps: &mut Steps) {
        let started = Instant::now();
        let (s, offer) = self
            .post_json(
                &format!("/credentials/{id}/offers"),
                &self.token,
                &json!({}),
            )
            .await;
        assert_eq!(s, 201, "{offer}");
        let t_offer = Instant::now();
        let r = self
            .client
            .post(format!("{}/oid4vci/token", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(token_form(
                &offer["credentialOffer"],
                offer["txCode"].as_str(),
            ))
            .send()
            .await
            .expect("token");
        assert_eq!(r.status(), 200);
        let token: Value = r.json().await.expect("json");
        let t_token = Instant::now();
        let r = self
            .client
            .post(format!("{}/oid4vci/nonce", self.base))
            .send()
            .await
            .expect("nonce");
        assert_eq!(r.status(), 200);
        let nonce: Value = r.json().await.expect("json");
        let t_nonce = Instant::now();
        let proof = wallet_proof(&self.base, nonce["c_nonce"].as_str().expect("c_nonce"));
        let t_proof = Instant::now();
        let (s, answer) = self
            .post_json(
                "/oid4vci/credential",
                token["access_token"].as_str().expect("access token"),
                &credential_request(&proof),
            )
            .await;
        let done = Instant::now();
        assert_eq!(s, 200, "{answer}");
        assert_copy(&answer);
        steps.offer.push(micros(t_offer - started));
        steps.token.push(micros(t_token - t_offer));
        steps.nonce.push(micros(t_nonce - t_token));
        steps.proof.push(micros(t_proof - t_nonce));
        steps.credential.push(micros(done - t_proof));
        steps.flow.push(micros(done - started));
    }

    /// The same flow through the library.
    async fn oid4vci_library(&self, id: &str, steps: &mut Steps) {
        let started = Instant::now();
        let offer = self
            .issuer
            .create_offer(id, None, "bench")
            .await
            .expect("offer");
        let t_offer = Instant::now();
        let offer_json = serde_json::to_value(&offer.credential_offer).expect("offer json");
        let token = self
            .issuer
            .token(&token_form(&offer_json, offer.tx_code.as_deref()))
            .expect("token");
        let t_token = Instant::now();
        let nonce = self.issuer.nonce().expect("nonce");
        let t_nonce = Instant::now();
        let proof = wallet_proof(&self.base, &nonce.c_nonce);
        let t_proof = Instant::now();
        let body = credential_request(&proof).to_string();
        let answer = self
            .issuer
            .credential_endpoint(
                token["access_token"].as_str().expect("access token"),
                body.as_bytes(),
            )
            .await
            .expect("credential");
        let done = Instant::now();
        assert_copy(&answer);
        steps.offer.push(micros(t_offer - started));
        steps.token.push(micros(t_token - t_offer));
        steps.nonce.push(micros(t_nonce - t_token));
        steps.proof.push(micros(t_proof - t_nonce));
        steps.credential.push(micros(done - t_proof));
        steps.flow.push(micros(done - started));
    }

    /// `POST /birth-certificates` for record `n`.
    async fn direct_http(&self, n: usize) {
        let mut body = record(n);
        body["sourceRecordId"] = json!(format!("oid4vci-bench-{n}"));
        let (s, answer) = self
            .post_json("/birth-certificates", &self.token, &body)
            .await;
        assert_eq!(s, 201, "{answer}");
    }

    async fn direct_library(&self, n: usize) {
        self.issuer.issue(request(n), "bench").await.expect("issue");
    }

    /// Issues records `from..from + count` (untimed) and returns their ids.
    async fn pre_issue(&self, from: usize, count: usize) -> Vec<String> {
        let requests: Vec<IssueRequest> = (from..from + count).map(request).collect();
        self.issuer
            .issue_batch(requests, "bench")
            .await
            .into_iter()
            .map(|r| r.expect("pre-issue").credential_id)
            .collect()
    }
}

/// The ways of issuing one credential that each round times.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Way {
    Oid4vciHttp,
    DirectHttp,
    Oid4vciLibrary,
    DirectLibrary,
}

const WAYS: [Way; 4] = [
    Way::Oid4vciHttp,
    Way::DirectHttp,
    Way::Oid4vciLibrary,
    Way::DirectLibrary,
];

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    let (rounds, per_round) = if quick { (3, 30) } else { (7, 100) };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let base = format!("https://127.0.0.1:{port}");
        let config = IssuerConfig::new(dir.path(), &base)
            .did_method(DidMethod::Web)
            .passphrase(PassphraseSource::Value("bench".to_owned().into()))
            .kdf(KdfParams::testing());
        let issuer = Issuer::open(config).await.expect("open").0;
        let token = issuer
            .create_token("bench", &[civitas_issuer::Action::Issue], "bench")
            .await
            .expect("token");
        let tls = civitas_issuer::http::tls::server_config(issuer.config()).expect("tls");
        tokio::spawn(civitas_issuer::http::serve(
            issuer.clone(),
            listener,
            tls,
            std::future::pending(),
        ));
        let cert = std::fs::read(civitas_issuer::http::tls::self_signed_cert_path(
            dir.path(),
        ))
        .expect("cert");
        let client = reqwest::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_pem(&cert).expect("pem")])
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client");
        let bench = Bench {
            issuer,
            client,
            base,
            token,
        };
        println!(
            "OpenID4VCI (pre-authorized code, ldp_vc, fresh Ed25519 holder key) against direct issuance, \
             birth certificates, eddsa-rdfc-2022, sled on disk, {} cores; one at a time, \
             {per_round} credentials per way per round, median of {rounds} rounds",
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );

        // every record an offer is for, issued before anything is timed
        let warm = 20;
        let offered = 2 * (warm + rounds * per_round) + 1;
        let mut records = Vec::with_capacity(offered);
        let mut next = 0;
        while records.len() < offered {
            let count = (offered - records.len()).min(500);
            records.extend(bench.pre_issue(next, count).await);
            next += count;
        }
        let mut records = records.into_iter();

        // warm-up: each way a few times
        let mut discard = Steps::default();
        for _ in 0..warm {
            bench
                .oid4vci_http(&records.next().expect("record"), &mut discard)
                .await;
            bench
                .oid4vci_library(&records.next().expect("record"), &mut discard)
                .await;
            bench.direct_http(next).await;
            bench.direct_library(next + 1).await;
            next += 2;
        }

        let mut http_steps = Steps::default();
        let mut library_steps = Steps::default();
        let mut per_second: Vec<Vec<f64>> = vec![Vec::new(); WAYS.len()];
        let mut round_ratio_http = Vec::new();
        let mut round_ratio_library = Vec::new();
        for round in 0..rounds {
            let mut order = WAYS;
            order.rotate_left(round % WAYS.len());
            let mut this_round = [0.0; WAYS.len()];
            for way in order {
                let ids: Vec<String> = match way {
                    Way::Oid4vciHttp | Way::Oid4vciLibrary => {
                        records.by_ref().take(per_round).collect()
                    }
                    Way::DirectHttp | Way::DirectLibrary => Vec::new(),
                };
                let started = Instant::now();
                match way {
                    Way::Oid4vciHttp => {
                        for id in &ids {
                            bench.oid4vci_http(id, &mut http_steps).await;
                        }
                    }
                    Way::Oid4vciLibrary => {
                        for id in &ids {
                            bench.oid4vci_library(id, &mut library_steps).await;
                        }
                    }
                    Way::DirectHttp => {
                        for i in 0..per_round {
                            bench.direct_http(next + i).await;
                        }
                    }
                    Way::DirectLibrary => {
                        for i in 0..per_round {
                            bench.direct_library(next + i).await;
                        }
                    }
                }
                let rate = per_round as f64 / started.elapsed().as_secs_f64();
                if matches!(way, Way::DirectHttp | Way::DirectLibrary) {
                    next += per_round;
                }
                let slot = WAYS.iter().position(|w| *w == way).unwrap_or(0);
                this_round[slot] = rate;
                per_second[slot].push(rate);
            }
            // time ratio OpenID4VCI / direct = direct rate / OpenID4VCI rate
            round_ratio_http.push(this_round[1] / this_round[0]);
            round_ratio_library.push(this_round[3] / this_round[2]);
        }

        let labels = [
            "HTTPS OpenID4VCI (offer+token+nonce+credential)",
            "HTTPS POST /birth-certificates",
            "library OpenID4VCI (create_offer..credential_endpoint)",
            "library Issuer::issue",
        ];
        let medians: Vec<f64> = per_second.iter().map(|f| median(f)).collect();
        for (label, rate) in labels.iter().zip(&medians) {
            println!(
                "{label:<56} {rate:>7.0} credentials/s  {:>7.0} µs per credential",
                1e6 / rate
            );
        }
        println!(
            "OpenID4VCI / direct, time per credential, HTTPS:   {:.2}x (of the medians), {:.2}x (median of each round's ratio)",
            medians[1] / medians[0],
            median(&round_ratio_http)
        );
        println!(
            "OpenID4VCI / direct, time per credential, library: {:.2}x (of the medians), {:.2}x (median of each round's ratio)",
            medians[3] / medians[2],
            median(&round_ratio_library)
        );
        println!("steps of one OpenID4VCI flow, medians over every flow:");
        http_steps.print("  HTTPS");
        library_steps.print("  library");
        // what the HTTPS offer answer adds to the library's offer: its QR code, SVG and PNG
        let offer = bench
            .issuer
            .create_offer(&records.next().expect("record"), None, "bench")
            .await
            .expect("offer");
        let mut rendering = Vec::new();
        for _ in 0..20 {
            let started = Instant::now();
            let answer = civitas_issuer::http::oid4vci::offer_json(&offer).expect("offer answer");
            rendering.push(micros(started.elapsed()));
            assert!(answer["qr"]["png"].is_string());
        }
        println!(
            "  of which the offer answer's QR code (SVG + PNG, outside the rounds): {:.0} µs",
            median(&rendering)
        );
        println!(
            "registry: {} credentials",
            bench.issuer.credential_count().unwrap_or(0)
        );
    });
}
