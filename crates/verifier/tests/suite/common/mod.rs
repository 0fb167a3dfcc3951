//! The test world: the ministry (trust anchor), the civil registry (a did:web with a rotated-out
//! key, a current key and an authentication-only key), a university trusted for diplomas only,
//! a stranger on no list, a holder, their status lists and a signed trust list. Offices, status
//! lists, sample certificates and the trust list come from civitas-testkit's fixtures; what is
//! here is the verifier's own (the did:web registry with its key windows, forged proofs,
//! report assertions, a local HTTP server).
#![allow(dead_code)]

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use civitas_core::data_integrity::{ProofOptions, add_proof};
use civitas_core::report::{CheckKind, Outcome, Report, Verdict};
use civitas_core::secure::{Presentable, secure_presentation};
use civitas_core::verify::VerifyOptions;
use civitas_jsonld::contexts::ContextLoader;
use civitas_keys::did::{ControllerDocument, ProofPurpose};
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::signer::LocalSigner;
pub use civitas_testkit::fixtures::Office;
use civitas_testkit::fixtures::{ministry, seeded_key, sign_trust_list, verifier_builder};
use civitas_verifier::Verifier;
use civitas_verifier::trust::{TrustAnchor, TrustListSigning, TrustedIssuer};
use serde_json::Value;

pub const NOW: &str = "2026-03-01T12:00:00Z";
pub const ROTATION: &str = "2026-01-01T00:00:00Z";
pub const REGISTRY: &str = "did:web:registry.gov.example";
pub const REGISTRY_NAME: &str = "Civil Status Division, Mauritius";
/// The seed of the did:key the JS peer signs with.
pub const JS_SEED: [u8; 32] = [0x42; 32];

pub fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("test time")
}

pub fn now() -> DateTime<Utc> {
    at(NOW)
}

pub fn opts() -> VerifyOptions {
    VerifyOptions {
        now: Some(now()),
        ..VerifyOptions::default()
    }
}

/// When the registry's sample birth certificates become valid.
pub const BIRTH_VALID_FROM: &str = "2025-06-01T10:00:00Z";
/// When the registry's sample marriage certificates become valid.
pub const MARRIAGE_VALID_FROM: &str = "2025-06-20T10:00:00Z";

/// Signs `unsigned` with a Data Integrity proof by `signer`, created at `created` — without
/// civitas-core's "the signer is the issuer" guard, so tests can forge.
pub async fn sign_di(unsigned: &Value, signer: &LocalSigner, created: DateTime<Utc>) -> String {
    let options = ProofOptions {
        created: Some(created),
        ..ProofOptions::default()
    };
    let signed = add_proof(unsigned, signer, &options, &ContextLoader::bundled())
        .await
        .expect("sign");
    serde_json::to_string_pretty(&signed).expect("json")
}

pub struct World {
    pub anchor: LocalSigner,
    /// The registry with its current key (`#key-2`).
    pub registry: Office,
    /// `#key-1`: rotated out on [`ROTATION`].
    pub key1: LocalSigner,
    /// `#key-3`: listed for authentication only.
    pub key3: LocalSigner,
    pub registry_doc: ControllerDocument,
    /// Trusted for `UniversityDiploma` only.
    pub university: Office,
    /// On no list.
    pub stranger: Office,
    /// A did:key the JS peer signs with, trusted for birth certificates.
    pub js_issuer: Office,
    pub holder: LocalSigner,
    pub trust_list: String,
}

impl World {
    pub async fn new() -> Self {
        let anchor = ministry();
        let (k1, k2, k3) = (seeded_key(11), seeded_key(12), seeded_key(13));
        let mut doc = ControllerDocument::new(REGISTRY);
        let id1 = doc.add_key("key-1", &k1.public_key(), &[]);
        let id2 = doc.add_key("key-2", &k2.public_key(), &[ProofPurpose::AssertionMethod]);
        let id3 = doc.add_key("key-3", &k3.public_key(), &[ProofPurpose::Authentication]);
        let registry = Office {
            did: REGISTRY.to_owned(),
            signer: LocalSigner::new(k2, id2.clone()),
            rev_url: "https://registry.gov.example/status/revocation/1".to_owned(),
            sus_url: "https://registry.gov.example/status/suspension/1".to_owned(),
        };
        let university = Office::did_key(21, "uni.example");
        let stranger = Office::did_key(31, "stranger.example");
        let js_issuer = Office::new(
            LocalSigner::did_key(
                KeyPair::from_secret_bytes(KeyAlgorithm::Ed25519, &JS_SEED).expect("seed"),
            ),
            "js.example",
        );
        let holder = LocalSigner::did_key(seeded_key(41));

        let trust_list = sign_trust_list(
            &anchor,
            [
                TrustedIssuer::new(REGISTRY, ["BirthCertificate", "MarriageCertificate"])
                    .named(REGISTRY_NAME)
                    .with_document(doc.clone())
                    .with_key_window(&id1, Some(at("2024-01-01T00:00:00Z")), Some(at(ROTATION)))
                    .with_key_window(&id2, Some(at(ROTATION)), None),
                TrustedIssuer::new(&university.did, ["UniversityDiploma"])
                    .named("University of Mauritius"),
                TrustedIssuer::new(&js_issuer.did, ["BirthCertificate"]).named("JS test office"),
            ],
            &TrustListSigning {
                valid_from: Some(at("2025-01-01T00:00:00Z")),
                ..TrustListSigning::default()
            },
        )
        .await;
        Self {
            anchor,
            registry,
            key1: LocalSigner::new(k1, id1),
            key3: LocalSigner::new(k3, id3),
            registry_doc: doc,
            university,
            stranger,
            js_issuer,
            holder,
            trust_list,
        }
    }

    pub fn anchors(&self) -> Vec<TrustAnchor> {
        vec![TrustAnchor::did(self.anchor.controller())]
    }

    /// Registry lists valid from an hour before [`NOW`], with these bits set.
    pub async fn registry_lists(&self, revoked: &[u64], suspended: &[u64]) -> Vec<Vec<u8>> {
        self.registry
            .lists(revoked, suspended, now() - Duration::hours(1))
            .await
    }

    /// An offline verifier with the trust list and these status lists, fetched an hour before
    /// [`NOW`].
    pub async fn verifier(&self, lists: Vec<Vec<u8>>) -> Verifier {
        self.verifier_fetched(lists, now() - Duration::hours(1))
            .await
    }

    pub async fn verifier_fetched(
        &self,
        lists: Vec<Vec<u8>>,
        fetched_at: DateTime<Utc>,
    ) -> Verifier {
        let mut b = verifier_builder(&self.anchor, &self.trust_list).at(now());
        for l in lists {
            b = b.status_list(l, Some(fetched_at));
        }
        b.build().await.expect("verifier")
    }

    /// The standard verifier: registry, university, stranger and JS lists, nothing set but
    /// registry revocation index 20 and suspension index 31.
    pub async fn standard_verifier(&self) -> Verifier {
        let t = now() - Duration::hours(1);
        let mut lists = self.registry_lists(&[20], &[31]).await;
        lists.extend(self.university.lists(&[], &[], t).await);
        lists.extend(self.stranger.lists(&[], &[], t).await);
        lists.extend(self.js_issuer.lists(&[], &[], t).await);
        self.verifier(lists).await
    }

    /// The standard verifier's lists, but signed an hour ago and fetched now (real time): for
    /// callers that cannot pass a verification time (HTTP).
    pub async fn live_verifier(&self) -> Verifier {
        let t = Utc::now() - Duration::hours(1);
        let mut lists = self.registry.lists(&[20], &[31], t).await;
        lists.extend(self.stranger.lists(&[], &[], t).await);
        let mut b = verifier_builder(&self.anchor, &self.trust_list);
        for l in lists {
            b = b.status_list(l, None);
        }
        b.build().await.expect("verifier")
    }

    /// A valid birth certificate of the holder, signed by the registry's current key a day
    /// before [`NOW`], status at index 10/11.
    pub async fn valid_birth(&self) -> String {
        let unsigned = self
            .registry
            .birth(Some(self.holder.controller()), 10, at(BIRTH_VALID_FROM))
            .build()
            .expect("birth");
        sign_di(
            unsigned.json(),
            &self.registry.signer,
            now() - Duration::days(1),
        )
        .await
    }

    pub async fn valid_marriage(&self) -> String {
        let unsigned = self
            .registry
            .marriage(Some(self.holder.controller()), 10, at(MARRIAGE_VALID_FROM))
            .build()
            .expect("marriage");
        sign_di(
            unsigned.json(),
            &self.registry.signer,
            now() - Duration::days(1),
        )
        .await
    }

    /// The holder presents `credentials` with `challenge` and `domain`.
    pub async fn present(
        &self,
        credentials: &[&str],
        challenge: Option<&str>,
        domain: Option<&str>,
    ) -> String {
        self.present_as(&self.holder, credentials, challenge, domain)
            .await
    }

    pub async fn present_as(
        &self,
        holder: &LocalSigner,
        credentials: &[&str],
        challenge: Option<&str>,
        domain: Option<&str>,
    ) -> String {
        let items: Vec<Presentable> = credentials
            .iter()
            .map(|c| Presentable::from_text(c).expect("presentable"))
            .collect();
        secure_presentation(&items, holder, challenge, domain, &ContextLoader::bundled())
            .await
            .expect("presentation")
    }
}

/// The checks that did not pass (failed or indeterminate), by kind.
pub fn not_passed(report: &Report) -> Vec<(CheckKind, &Outcome)> {
    report
        .checks
        .iter()
        .filter(|c| {
            matches!(
                c.outcome,
                Outcome::Failed { .. } | Outcome::Indeterminate { .. }
            )
        })
        .map(|c| (c.check, &c.outcome))
        .collect()
}

/// Asserts that exactly one check failed, `kind`, and nothing else is undecided; returns its
/// reason.
pub fn only_failure(report: &Report, kind: CheckKind) -> String {
    let bad = not_passed(report);
    assert_eq!(report.verdict, Verdict::Invalid, "{report}");
    assert_eq!(bad.len(), 1, "exactly one check should fail:\n{report}");
    assert_eq!(bad[0].0, kind, "{report}");
    assert!(bad[0].1.is_failed(), "{report}");
    bad[0].1.text().to_owned()
}

/// Asserts that every check passed or did not apply.
pub fn all_valid(report: &Report) {
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
    assert!(not_passed(report).is_empty(), "{report}");
}

pub fn shared(v: Verifier) -> Arc<Verifier> {
    Arc::new(v)
}

/// A minimal HTTP/1.1 server on 127.0.0.1 that counts every TCP connection it accepts, records
/// each request and serves fixed routes (with `ETag` / `304` and `Cache-Control`).
pub mod server {
    use std::collections::HashMap;
    use std::net::SocketAddr;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[derive(Debug, Clone, Default)]
    pub struct Route {
        pub body: Vec<u8>,
        pub etag: Option<String>,
        pub cache_control: Option<String>,
        pub delay: Option<Duration>,
    }

    impl Route {
        pub fn new(body: impl Into<Vec<u8>>) -> Self {
            Self {
                body: body.into(),
                ..Self::default()
            }
        }
    }

    /// One request as the server saw it.
    #[derive(Debug, Clone)]
    pub struct Seen {
        pub path: String,
        pub if_none_match: Option<String>,
        pub status: u16,
    }

    #[derive(Clone)]
    pub struct LocalServer {
        pub addr: SocketAddr,
        pub connections: Arc<AtomicUsize>,
        pub seen: Arc<Mutex<Vec<Seen>>>,
        pub routes: Arc<Mutex<HashMap<String, Route>>>,
    }

    impl LocalServer {
        pub async fn start() -> Self {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let server = Self {
                addr: listener.local_addr().unwrap(),
                connections: Arc::new(AtomicUsize::new(0)),
                seen: Arc::new(Mutex::new(Vec::new())),
                routes: Arc::new(Mutex::new(HashMap::new())),
            };
            let s = server.clone();
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    s.connections.fetch_add(1, Ordering::SeqCst);
                    let s = s.clone();
                    tokio::spawn(async move { s.handle(stream).await });
                }
            });
            server
        }

        pub fn route(&self, path: &str, route: Route) {
            self.routes.lock().unwrap().insert(path.to_owned(), route);
        }

        pub fn url(&self, path: &str) -> String {
            format!("http://{}{path}", self.addr)
        }

        /// `did:web:127.0.0.1%3A<port>`.
        pub fn did_web(&self) -> String {
            format!("did:web:127.0.0.1%3A{}", self.addr.port())
        }

        pub fn connections(&self) -> usize {
            self.connections.load(Ordering::SeqCst)
        }

        pub fn seen(&self) -> Vec<Seen> {
            self.seen.lock().unwrap().clone()
        }

        async fn handle(&self, mut stream: tokio::net::TcpStream) {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 65_536 {
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            let head = String::from_utf8_lossy(&buf).into_owned();
            let mut lines = head.split("\r\n");
            let path = lines
                .next()
                .and_then(|l| l.split(' ').nth(1))
                .unwrap_or("/")
                .to_owned();
            let if_none_match = lines
                .filter_map(|l| l.split_once(':'))
                .find(|(k, _)| k.eq_ignore_ascii_case("if-none-match"))
                .map(|(_, v)| v.trim().to_owned());
            let route = self.routes.lock().unwrap().get(&path).cloned();
            let (status, reason, body, headers) = match route {
                None => (404, "Not Found", Vec::new(), String::new()),
                Some(r) => {
                    if let Some(d) = r.delay {
                        tokio::time::sleep(d).await;
                    }
                    let mut headers = String::new();
                    if let Some(e) = &r.etag {
                        headers.push_str(&format!("ETag: {e}\r\n"));
                    }
                    if let Some(c) = &r.cache_control {
                        headers.push_str(&format!("Cache-Control: {c}\r\n"));
                    }
                    if r.etag.is_some() && r.etag == if_none_match {
                        (304, "Not Modified", Vec::new(), headers)
                    } else {
                        (200, "OK", r.body, headers)
                    }
                }
            };
            self.seen.lock().unwrap().push(Seen {
                path,
                if_none_match,
                status,
            });
            let head = format!(
                "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{headers}Connection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&body).await;
            let _ = stream.shutdown().await;
        }
    }
}
