//! OpenID4VCI issuance (pre-authorized code flow) through civitas-issuer's library against a
//! direct [`Issuer::issue`], in the same rounds: a fresh registry (sled) in a temporary
//! directory, one credential at a time. A flow is the registrar's offer
//! ([`Issuer::create_offer`]), the token request ([`Issuer::token`], pre-authorized code and
//! transaction code), a nonce ([`Issuer::nonce`]), a fresh Ed25519 holder key and its
//! `openid4vci-proof+jwt`, and the credential request ([`Issuer::credential_endpoint`],
//! `BirthCertificate_ldp_vc`): a holder-bound copy signed and stored. The records offered are
//! issued before the clock starts. Wall clock (the flushes are most of the time). The same over
//! HTTPS: `cargo bench -p civitas-issuer --bench oid4vci`.

use std::time::Instant;

use anyhow::{Result, anyhow};
use civitas_core::model::DocumentType;
use civitas_issuer::{DidMethod, Document, IssueRequest, Issuer, IssuerConfig, PassphraseSource};
use civitas_keys::did;
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::sealed::KdfParams;
use serde_json::{Value, json};

use crate::measure::{Figure, Floor};

const BASE: &str = "https://registry.gov.example";

fn requests(first: usize, n: usize) -> Vec<IssueRequest> {
    let Ok(kind) = DocumentType::named("BirthCertificate") else {
        return Vec::new();
    };
    (first..first + n)
        .map(|i| {
            let mut doc = crate::fixture::birth_subject(&kind);
            doc["registration"]["registrationNumber"] = format!("PW/B/2025/{i:07}").into();
            let doc = Document::new(kind.clone(), doc).expect("the sample birth record is valid");
            IssueRequest::new(doc).source(&format!("oid4vci-bench-{i}"))
        })
        .collect()
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn b64(bytes: &[u8]) -> String {
    civitas_keys::encoding::base64url(bytes)
}

/// A fresh holder key's proof for `nonce`.
fn wallet_proof(nonce: &str) -> String {
    let key = KeyPair::generate(KeyAlgorithm::Ed25519);
    let header = json!({"typ": "openid4vci-proof+jwt", "alg": key.algorithm().jose_alg(),
                        "kid": did::did_key_method(&key.public_key())});
    let payload = json!({"aud": BASE, "iat": chrono::Utc::now().timestamp(), "nonce": nonce});
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(payload.to_string().as_bytes())
    );
    format!("{input}.{}", b64(&key.sign(input.as_bytes())))
}

/// Microseconds of each step of one flow: offer, token, nonce, proof, credential.
type Steps = [f64; 5];

async fn flow(issuer: &Issuer, id: &str) -> Result<Steps> {
    let t0 = Instant::now();
    let offer = issuer
        .create_offer(id, None, "civitas-bench")
        .await
        .map_err(|e| anyhow!("offer: {e}"))?;
    let t1 = Instant::now();
    let offered = serde_json::to_value(&offer.credential_offer)?;
    let code = offered["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
        ["pre-authorized_code"]
        .as_str()
        .ok_or_else(|| anyhow!("no pre-authorized code in {offered}"))?;
    let mut form = format!(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code={code}"
    );
    if let Some(tx) = &offer.tx_code {
        form.push_str(&format!("&tx_code={tx}"));
    }
    let token = issuer.token(&form).map_err(|e| anyhow!("token: {e}"))?;
    let t2 = Instant::now();
    let nonce = issuer.nonce().map_err(|e| anyhow!("nonce: {e}"))?;
    let t3 = Instant::now();
    let proof = wallet_proof(&nonce.c_nonce);
    let t4 = Instant::now();
    let body = json!({"credential_configuration_id": "BirthCertificate_ldp_vc",
                      "proofs": {"jwt": [proof]}})
    .to_string();
    let access = token["access_token"]
        .as_str()
        .ok_or_else(|| anyhow!("no access token in {token}"))?;
    let answer: Value = issuer
        .credential_endpoint(access, body.as_bytes())
        .await
        .map_err(|e| anyhow!("credential: {e}"))?;
    let t5 = Instant::now();
    if answer["credentials"][0]["credential"]["proof"].is_null() {
        return Err(anyhow!("no signed copy in {answer}"));
    }
    let us = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1e6;
    Ok([us(t0, t1), us(t1, t2), us(t2, t3), us(t3, t4), us(t4, t5)])
}

async fn direct(issuer: &Issuer, n: usize) -> Result<()> {
    let request = requests(n, 1).remove(0);
    issuer
        .issue(request, "civitas-bench")
        .await
        .map_err(|e| anyhow!("issue: {e}"))?;
    Ok(())
}

/// `rounds` rounds of `flows` OpenID4VCI flows and `flows` direct issues (the order alternating
/// from round to round); the figures: time per credential each way, the OpenID4VCI one noting
/// its ratio to the direct one and the median of each step.
pub(crate) fn figures(flows: usize, rounds: usize) -> Result<Vec<Figure>> {
    let dir = tempfile::tempdir()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let config = IssuerConfig::new(dir.path(), BASE)
            .did_method(DidMethod::Key)
            .passphrase(PassphraseSource::Value(
                "civitas-bench passphrase".to_owned().into(),
            ))
            .kdf(KdfParams::testing());
        let (issuer, _) = Issuer::open(config)
            .await
            .map_err(|e| anyhow!("opening the issuer: {e}"))?;
        let warm = 10;
        // the records offered, issued before the clock starts
        let mut offered = Vec::new();
        for r in issuer
            .issue_batch(requests(0, warm + flows * rounds), "civitas-bench")
            .await
        {
            offered.push(r.map_err(|e| anyhow!("pre-issuing: {e}"))?.credential_id);
        }
        let mut offered = offered.into_iter();
        let mut next = warm + flows * rounds;
        for _ in 0..warm {
            let id = offered.next().ok_or_else(|| anyhow!("no record"))?;
            flow(&issuer, &id).await?;
            direct(&issuer, next).await?;
            next += 1;
        }
        let (mut flow_us, mut direct_us, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        let mut steps: [Vec<f64>; 5] = Default::default();
        for round in 0..rounds {
            let (mut f, mut d) = (0.0, 0.0);
            for pass in 0..2 {
                if (round + pass) % 2 == 0 {
                    let ids: Vec<String> = offered.by_ref().take(flows).collect();
                    let t = Instant::now();
                    for id in &ids {
                        let s = flow(&issuer, id).await?;
                        for (all, one) in steps.iter_mut().zip(s) {
                            all.push(one);
                        }
                    }
                    f = t.elapsed().as_secs_f64() * 1e6 / flows as f64;
                } else {
                    let t = Instant::now();
                    for _ in 0..flows {
                        direct(&issuer, next).await?;
                        next += 1;
                    }
                    d = t.elapsed().as_secs_f64() * 1e6 / flows as f64;
                }
            }
            flow_us.push(f);
            direct_us.push(d);
            ratios.push(f / d);
        }
        issuer.wait_published().await;
        let (f, d) = (median(&flow_us), median(&direct_us));
        Ok(vec![
            Figure {
                paired: None,
                name: "durable issuance one at a time, per certificate".into(),
                median_us: d,
                floor: Floor::None,
                note: format!(
                    "{:.0} certificates/s: Issuer::issue, {flows} per round, wall clock",
                    1e6 / d
                ),
            },
            Figure {
                paired: None,
                name: "OpenID4VCI issuance (library), per credential".into(),
                median_us: f,
                floor: Floor::None,
                note: format!(
                    "{:.0} credentials/s, {:.2}× a direct issue (median of each round's ratio): \
                     offer {:.0} µs, token {:.0}, nonce {:.0}, wallet proof {:.0}, credential {:.0} \
                     (medians), wall clock; over HTTPS: cargo bench -p civitas-issuer --bench oid4vci",
                    1e6 / f,
                    median(&ratios),
                    median(&steps[0]),
                    median(&steps[1]),
                    median(&steps[2]),
                    median(&steps[3]),
                    median(&steps[4]),
                ),
            },
        ])
    })
}
