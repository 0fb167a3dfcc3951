//! Online mode against a local server on 127.0.0.1: did:web resolution, status list fetching and
//! caching (ETag / 304, max-age), HTTPS-only, size limits, timeouts, and no fetching for issuers
//! that are not trusted.

use crate::common;

use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use civitas_core::report::{CheckKind, Outcome, Verdict};
use civitas_core::verify::VerifyOptions;
use civitas_keys::did::{ControllerDocument, ProofPurpose};
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::signer::LocalSigner;
use civitas_verifier::Verifier;
use civitas_verifier::bundle::BundleBuilder;
use civitas_verifier::error::FetchError;
use civitas_verifier::online::{HttpFetcher, OnlineConfig};
use civitas_verifier::trust::{TrustList, TrustListSigning, TrustedIssuer};
use common::server::{LocalServer, Route};
use common::*;

struct Setup {
    w: World,
    server: LocalServer,
    issuer: Office,
    doc: ControllerDocument,
}

async fn setup() -> Setup {
    let w = World::new().await;
    let server = LocalServer::start().await;
    let did = server.did_web();
    let key = KeyPair::from_secret_bytes(KeyAlgorithm::Ed25519, &[61; 32]).unwrap();
    let mut doc = ControllerDocument::new(&did);
    let method = doc.add_key("key-1", &key.public_key(), &[ProofPurpose::AssertionMethod]);
    let issuer = Office {
        did,
        signer: LocalSigner::new(key, method),
        rev_url: server.url("/status/revocation/1"),
        sus_url: server.url("/status/suspension/1"),
    };
    let lists = issuer
        .lists(&[20], &[], Utc::now() - Duration::hours(1))
        .await;
    server.route(
        "/.well-known/did.json",
        Route::new(serde_json::to_vec(&doc).unwrap()),
    );
    for (path, body) in [
        ("/status/revocation/1", &lists[0]),
        ("/status/suspension/1", &lists[1]),
    ] {
        server.route(
            path,
            Route {
                etag: Some("\"v1\"".into()),
                cache_control: Some("max-age=0".into()),
                ..Route::new(body.clone())
            },
        );
    }
    Setup {
        w,
        server,
        issuer,
        doc,
    }
}

/// A trust list naming the local issuer, with its DID document pinned or not.
async fn trust(s: &Setup, pinned: bool) -> String {
    let mut entry = TrustedIssuer::new(&s.issuer.did, ["BirthCertificate"]).named("Local Office");
    if pinned {
        entry = entry.with_document(s.doc.clone());
    }
    let mut list = TrustList::new("online");
    list.add(entry).unwrap();
    list.sign(&s.w.anchor, &TrustListSigning::default())
        .await
        .unwrap()
}

async fn online_verifier(s: &Setup, pinned: bool, config: OnlineConfig) -> Verifier {
    Verifier::builder()
        .trust_anchor(s.w.anchors().remove(0))
        .trust_list(trust(s, pinned).await)
        .online(config)
        .build()
        .await
        .unwrap()
}

async fn credential(s: &Setup, index: u64) -> String {
    let unsigned = s
        .issuer
        .birth(None, index, at(BIRTH_VALID_FROM))
        .build()
        .unwrap();
    sign_di(
        unsigned.json(),
        &s.issuer.signer,
        Utc::now() - Duration::hours(2),
    )
    .await
}

#[tokio::test]
async fn fetches_did_web_documents_and_status_lists_and_caches_them() {
    let s = setup().await;
    // The trust list names the issuer but pins no document: did:web is resolved online.
    let v = online_verifier(&s, false, OnlineConfig::default().allow_http(true)).await;
    let doc = credential(&s, 10).await;
    let report = v.verify(doc.as_bytes(), &VerifyOptions::default()).await;
    all_valid(&report);
    let paths: Vec<String> = s.server.seen().iter().map(|r| r.path.clone()).collect();
    assert!(
        paths.contains(&"/.well-known/did.json".to_owned()),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"/status/revocation/1".to_owned()),
        "{paths:?}"
    );
    // A revoked one, from the same (cached, still fresh per its ttl) lists: no new list fetch.
    let before = s.server.seen().len();
    let revoked = credential(&s, 20).await;
    let report = v
        .verify(revoked.as_bytes(), &VerifyOptions::default())
        .await;
    assert!(only_failure(&report, CheckKind::Revocation).contains("revoked"));
    assert!(
        s.server.seen()[before..]
            .iter()
            .all(|r| !r.path.starts_with("/status/")),
        "{:?}",
        s.server.seen()
    );
}

#[tokio::test]
async fn the_http_cache_revalidates_with_etag() {
    let s = setup().await;
    let fetcher = HttpFetcher::new(OnlineConfig::default().allow_http(true)).unwrap();
    let url = s.server.url("/status/revocation/1");
    let first = fetcher.get(&url, "application/json").await.unwrap();
    assert!(!first.from_cache);
    // max-age=0: asked again, conditionally; 304 keeps the body.
    let second = fetcher.get(&url, "application/json").await.unwrap();
    assert_eq!(second.body, first.body);
    let seen = s.server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].if_none_match.as_deref(), Some("\"v1\""));
    assert_eq!(seen[1].status, 304);
    // max-age=60: served from the cache without a request.
    s.server.route(
        "/did.json-like",
        Route {
            cache_control: Some("max-age=60".into()),
            ..Route::new(b"{}".to_vec())
        },
    );
    let url = s.server.url("/did.json-like");
    fetcher.get(&url, "application/json").await.unwrap();
    let again = fetcher.get(&url, "application/json").await.unwrap();
    assert!(again.from_cache);
    assert_eq!(s.server.seen().len(), 3);
    assert_eq!(fetcher.requests_sent(), 3);
}

#[tokio::test]
async fn https_only_unless_allowed() {
    let s = setup().await;
    let fetcher = HttpFetcher::new(OnlineConfig::default()).unwrap();
    let err = fetcher
        .get(&s.server.url("/status/revocation/1"), "application/json")
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Insecure { .. }), "{err}");
    for bad in [
        "ftp://127.0.0.1/x",
        "https://user:pw@127.0.0.1/x",
        "not a url",
    ] {
        assert!(matches!(
            fetcher.get(bad, "application/json").await,
            Err(FetchError::Url { .. })
        ));
    }
    // An online verifier that may not use http: the lists cannot be fetched, so the status is
    // indeterminate — never valid — and nothing reached the server.
    let v = online_verifier(&s, true, OnlineConfig::default()).await;
    let report = v
        .verify(
            credential(&s, 10).await.as_bytes(),
            &VerifyOptions::default(),
        )
        .await;
    assert_eq!(report.verdict, Verdict::Indeterminate, "{report}");
    assert!(matches!(
        report.outcome(CheckKind::Revocation),
        Some(Outcome::Indeterminate { .. })
    ));
    assert_eq!(s.server.connections(), 0);
}

#[tokio::test]
async fn size_limits_and_timeouts() {
    let s = setup().await;
    s.server
        .route("/big", Route::new(vec![b' '; 2 * 1024 * 1024]));
    s.server.route(
        "/slow",
        Route {
            delay: Some(StdDuration::from_secs(3)),
            ..Route::new(b"{}".to_vec())
        },
    );
    let fetcher = HttpFetcher::new(OnlineConfig {
        timeout: StdDuration::from_millis(300),
        ..OnlineConfig::default().allow_http(true)
    })
    .unwrap();
    let err = fetcher.get(&s.server.url("/big"), "*/*").await.unwrap_err();
    assert!(
        matches!(err, FetchError::TooLarge { max, .. } if max == 1024 * 1024),
        "{err}"
    );
    let err = fetcher
        .get(&s.server.url("/slow"), "*/*")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("timed out"), "{err}");
    let err = fetcher
        .get(&s.server.url("/missing"), "*/*")
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::Status { status: 404, .. }),
        "{err}"
    );
}

#[tokio::test]
async fn untrusted_issuers_do_not_make_the_verifier_fetch() {
    let s = setup().await;
    let v = online_verifier(&s, true, OnlineConfig::default().allow_http(true)).await;
    // The stranger's credential points its status at the local server.
    let stranger = Office {
        rev_url: s.server.url("/status/revocation/1"),
        sus_url: s.server.url("/status/suspension/1"),
        ..s.w.stranger.clone()
    };
    let unsigned = stranger
        .birth(None, 10, at(BIRTH_VALID_FROM))
        .build()
        .unwrap();
    let doc = sign_di(
        unsigned.json(),
        &stranger.signer,
        Utc::now() - Duration::hours(2),
    )
    .await;
    let report = v.verify(doc.as_bytes(), &VerifyOptions::default()).await;
    assert_eq!(report.verdict, Verdict::Invalid);
    assert!(
        report
            .outcome(CheckKind::TrustedIssuer)
            .is_some_and(Outcome::is_failed)
    );
    assert_eq!(s.server.connections(), 0, "{:?}", s.server.seen());
}

#[tokio::test]
async fn a_bundle_can_be_made_from_published_urls() {
    let s = setup().await;
    let trust_text = trust(&s, true).await;
    s.server
        .route("/trust-list.jwt", Route::new(trust_text.into_bytes()));
    let fetcher = HttpFetcher::new(OnlineConfig::default().allow_http(true)).unwrap();
    let bundle = BundleBuilder::new(s.w.anchors())
        .fetch_trust_list(&fetcher, &s.server.url("/trust-list.jwt"))
        .await
        .unwrap()
        .fetch_status_list(&fetcher, &s.issuer.rev_url)
        .await
        .unwrap()
        .fetch_status_list(&fetcher, &s.issuer.sus_url)
        .await
        .unwrap()
        .build()
        .await
        .unwrap();
    assert_eq!(bundle.status_lists.len(), 2);
    let v = Verifier::from_bundle(&bundle, s.w.anchors(), StdDuration::from_secs(3600))
        .await
        .unwrap();
    let report = v
        .verify(
            credential(&s, 20).await.as_bytes(),
            &VerifyOptions::default(),
        )
        .await;
    only_failure(&report, CheckKind::Revocation);
}
