//! What several end-to-end tests need: a free port, a verifier loaded from a fresh bundle.

use std::time::Duration;

use civitas_verifier::Verifier;
use civitas_verifier::bundle::BundleBuilder;
use civitas_verifier::online::{HttpFetcher, OnlineConfig};
use civitas_verifier::trust::TrustAnchor;

/// A port of 127.0.0.1 that was free a moment ago (the issuer's did:web needs it up front).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A verifier trusting what `signed_trust_list` (signed by `anchor`) names, with the issuer's
/// status lists fetched now over HTTPS.
pub async fn verifier(
    cert_pem: &[u8],
    anchor: &TrustAnchor,
    trust_list: &[u8],
    base: &str,
) -> Verifier {
    let fetcher = HttpFetcher::new(OnlineConfig {
        root_certificates_pem: vec![cert_pem.to_vec()],
        ..OnlineConfig::default()
    })
    .unwrap();
    let bundle = BundleBuilder::new(vec![anchor.clone()])
        .trust_list(trust_list.to_vec())
        .fetch_status_list(&fetcher, &format!("{base}/status/revocation/1"))
        .await
        .expect("revocation list")
        .fetch_status_list(&fetcher, &format!("{base}/status/suspension/1"))
        .await
        .expect("suspension list")
        .build()
        .await
        .expect("bundle");
    Verifier::from_bundle(&bundle, vec![anchor.clone()], Duration::from_secs(3_600))
        .await
        .expect("verifier from bundle")
}
