//! The VC-API verify endpoints of the issuer service: `POST /credentials/verify` and
//! `POST /presentations/verify`, civitas-verifier's routes answered by a verifier the issuer
//! builds from its own configuration, so that one process is a whole VC-API implementation.
//!
//! - **Trust**: an offline bundle when the configuration names one
//!   ([`VerifyTrust`](crate::config::VerifyTrust): its trust list, snapshots and contexts);
//!   otherwise, in the closed mode, the issuer itself for its document types (a trust list it
//!   signs at start, anchored on its own DID), and in the open mode any issuer whose key
//!   resolves offline (`did:key`, or the issuer's own pinned `did:web`), as a general-purpose
//!   VC-API verifier does (`trustedIssuer` is then *not applicable*).
//! - **Contexts**: the bundled ones and the configuration's extra contexts; never fetched.
//! - **Status**: the issuer's own published lists, loaded in-process before each request when
//!   they changed (or every [`RELOAD_EVERY`]), so a revocation shows at once; other issuers'
//!   lists are never fetched (offline).
//! - **Keys**: after a key rotation, the next request rebuilds the verifier with the new DID
//!   document.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use civitas_verifier::Verifier;
use civitas_verifier::bundle::{Bundle, MAX_BUNDLE_BYTES};
use civitas_verifier::http::{SharedVerifier, shared_router};
use civitas_verifier::trust::{TrustAnchor, TrustList, TrustListSigning, TrustedIssuer};

use crate::config::{DidMethod, VcApiMode};
use crate::error::IssuerError;
use crate::issuer::Issuer;

/// How often an unchanged status list is loaded again (its snapshot's age restarts).
pub const RELOAD_EVERY: Duration = Duration::from_secs(60);

/// What the verifier was last given: the key count it was built with, and each list's version
/// and when it was loaded.
struct Synced {
    keys: usize,
    lists: HashMap<String, (u64, Instant)>,
}

/// The issuer and the verifier kept in step with it.
struct IssuerVerifier {
    issuer: Issuer,
    shared: SharedVerifier,
    synced: tokio::sync::Mutex<Synced>,
}

/// The verify routes for `issuer`, with their verifier built now.
pub(crate) async fn routes(issuer: Issuer) -> Result<Router, IssuerError> {
    let verifier = build(&issuer).await?;
    let shared: SharedVerifier = Arc::new(RwLock::new(Arc::new(verifier)));
    let state = Arc::new(IssuerVerifier {
        synced: tokio::sync::Mutex::new(Synced {
            keys: issuer.keys().len(),
            lists: HashMap::new(),
        }),
        issuer,
        shared: shared.clone(),
    });
    // the VC-API endpoints and the verifier page answer with the same verifier, in step
    Ok(shared_router(shared.clone())
        .merge(civitas_web::verify::router(shared))
        .layer(axum::middleware::from_fn_with_state(state, in_step))
        .merge(civitas_web::assets::router()))
}

/// Brings the verifier in step with the issuer, then answers.
async fn in_step(
    State(state): State<Arc<IssuerVerifier>>,
    request: Request,
    next: Next,
) -> Response {
    if let Err(e) = state.sync().await {
        tracing::warn!(error = %e, "the verify endpoints could not be brought up to date");
    }
    next.run(request).await
}

impl IssuerVerifier {
    async fn sync(&self) -> Result<(), IssuerError> {
        let mut synced = self.synced.lock().await;
        let keys = self.issuer.keys().len();
        if keys != synced.keys {
            let fresh = build(&self.issuer).await?;
            match self.shared.write() {
                Ok(mut v) => *v = Arc::new(fresh),
                Err(poisoned) => *poisoned.into_inner() = Arc::new(fresh),
            }
            synced.keys = keys;
            synced.lists.clear();
        }
        let verifier = match self.shared.read() {
            Ok(v) => v.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        for url in self.issuer.status_list_urls() {
            let Some(list) = self.issuer.published_list(&url) else {
                continue;
            };
            let fresh = synced.lists.get(&url).is_some_and(|(version, at)| {
                *version == list.version && at.elapsed() < RELOAD_EVERY
            });
            if fresh {
                continue;
            }
            verifier
                .add_status_list(list.body.as_bytes(), chrono::Utc::now())
                .await
                .map_err(|e| IssuerError::config(format!("status list {url}: {e}")))?;
            synced.lists.insert(url, (list.version, Instant::now()));
        }
        Ok(())
    }
}

/// Reads the bundle the configuration names (size-limited, checked as a bundle).
fn read_bundle(path: &std::path::Path) -> Result<Bundle, IssuerError> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_BUNDLE_BYTES as u64 + 1).read_to_end(&mut bytes))
        .map_err(|e| IssuerError::config(format!("verify bundle {}: {e}", path.display())))?;
    if bytes.len() > MAX_BUNDLE_BYTES {
        return Err(IssuerError::config(format!(
            "verify bundle {}: larger than {MAX_BUNDLE_BYTES} bytes",
            path.display()
        )));
    }
    Bundle::parse(&bytes)
        .map_err(|e| IssuerError::config(format!("verify bundle {}: {e}", path.display())))
}

/// The verifier for `issuer`'s configuration (see the module documentation).
async fn build(issuer: &Issuer) -> Result<Verifier, IssuerError> {
    let config = issuer.config();
    let mut builder = Verifier::builder();
    let loader = issuer.loader();
    for extra in &config.extra_contexts {
        if let Some(text) = loader.source(&extra.url) {
            builder = builder.context(&extra.url, text);
        }
    }
    let document = issuer.did_document()?;
    let web = issuer.meta().did_method == DidMethod::Web;
    if web {
        builder = builder.pin(document.clone());
    }
    builder = match (&config.verify_trust, config.vc_api) {
        (Some(trust), _) => {
            let bundle = read_bundle(&trust.bundle)?;
            builder.trust_anchor(trust.anchor.clone()).bundle(&bundle)
        }
        (None, VcApiMode::Open) => builder.trust_any_issuer(),
        (None, VcApiMode::Closed) => {
            let mut entry = TrustedIssuer::new(
                issuer.did(),
                config.document_types.iter().map(|t| t.as_str()),
            )
            .named(issuer.base_url());
            if web {
                entry = entry.with_document(document.clone());
            }
            let mut list = TrustList::new(issuer.base_url());
            list.add(entry)
                .map_err(|e| IssuerError::config(format!("the issuer's own trust list: {e}")))?;
            let signed = list
                .sign(issuer.signer().as_ref(), &TrustListSigning::default())
                .await
                .map_err(|e| IssuerError::config(format!("signing its own trust list: {e}")))?;
            let anchor = if web {
                TrustAnchor::document(document)
            } else {
                TrustAnchor::did(issuer.did())
            };
            builder.trust_anchor(anchor).trust_list(signed)
        }
    };
    builder
        .build()
        .await
        .map_err(|e| IssuerError::config(format!("the verify endpoints' verifier: {e}")))
}
