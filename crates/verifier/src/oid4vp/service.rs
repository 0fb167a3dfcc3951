//! The relying party's state: its configuration and the requests it made, in memory.
//!
//! Pending requests live in this process only: they die with it (a wallet answering after a
//! restart gets `404`). At most [`Oid4vpConfig::max_requests`] requests are held; each can be
//! fetched and answered for [`Oid4vpConfig::lifetime`] (10 minutes), and its result is kept as
//! long again for the relying party to read, then purged.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Duration, Utc};
use civitas_keys::signer::LocalSigner;
use civitas_oid4vp::dcql::DcqlQuery;
use civitas_oid4vp::request::{
    AuthorizationRequest, did_client_id, generate_state, sign_request_object,
};
use serde_json::{Value, json};

use super::result::{RequestResult, Status};
use crate::http::SharedVerifier;
use crate::verifier::Verifier;

/// How long a request can be fetched and answered.
pub const REQUEST_LIFETIME_SECS: i64 = 600;
/// The most requests held at once.
pub const MAX_LIVE_REQUESTS: usize = 10_000;

/// The relying party's configuration.
#[derive(Clone)]
pub struct Oid4vpConfig {
    /// The public base URL the wallet reaches (`https://verifier.bank.example`), without a
    /// trailing slash; `request_uri` and `response_uri` are built from it.
    pub public_url: String,
    /// The key that signs request objects; its DID is the client identifier.
    pub signer: LocalSigner,
    /// The name wallets show (`client_metadata.client_name`).
    pub client_name: String,
    /// The bearer token of the relying party API.
    pub rp_token: String,
    /// The verifier that checks the presentations.
    pub verifier: SharedVerifier,
    /// How long a request can be fetched and answered (default 10 minutes).
    pub lifetime: Duration,
    /// The most requests held (default 10 000).
    pub max_requests: usize,
}

impl std::fmt::Debug for Oid4vpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oid4vpConfig")
            .field("public_url", &self.public_url)
            .field("client_name", &self.client_name)
            .field("lifetime", &self.lifetime)
            .field("max_requests", &self.max_requests)
            .finish_non_exhaustive()
    }
}

impl Oid4vpConfig {
    /// A configuration with the default lifetime and bound.
    pub fn new(
        public_url: &str,
        signer: LocalSigner,
        client_name: &str,
        rp_token: &str,
        verifier: SharedVerifier,
    ) -> Self {
        Self {
            public_url: public_url.trim_end_matches('/').to_owned(),
            signer,
            client_name: client_name.to_owned(),
            rp_token: rp_token.to_owned(),
            verifier,
            lifetime: Duration::seconds(REQUEST_LIFETIME_SECS),
            max_requests: MAX_LIVE_REQUESTS,
        }
    }
}

/// Where a held request is.
#[derive(Debug, Clone)]
pub(crate) enum Phase {
    Pending,
    /// A response with the right `state` is being verified: no other is taken.
    Answering,
    Done(Box<RequestResult>),
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) request: AuthorizationRequest,
    pub(crate) object: String,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) phase: Phase,
}

impl Entry {
    pub(crate) fn live(&self, now: DateTime<Utc>) -> bool {
        now < self.expires_at
    }
}

/// Why a request could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// Too many requests are held.
    #[error("{0} requests are pending: try again later")]
    Full(usize),
    /// The request object could not be signed.
    #[error(transparent)]
    Signing(#[from] civitas_oid4vp::Oid4vpError),
}

/// A request just made: what the relying party shows.
#[derive(Debug, Clone)]
pub struct Created {
    /// Its id.
    pub id: String,
    /// The cross-device link (`openid4vp://?client_id=…&request_uri=…`), for the QR code.
    pub link: String,
    /// Where the wallet fetches the request object.
    pub request_uri: String,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
}

/// The relying party: configuration and requests.
#[derive(Debug)]
pub struct RelyingParty {
    pub(crate) config: Oid4vpConfig,
    client_id: String,
    requests: Mutex<HashMap<String, Entry>>,
}

impl RelyingParty {
    /// A relying party with `config`, holding no request.
    pub fn new(config: Oid4vpConfig) -> Arc<Self> {
        let client_id = did_client_id(config.signer.controller());
        Arc::new(Self {
            config,
            client_id,
            requests: Mutex::new(HashMap::new()),
        })
    }

    /// Its client identifier: `decentralized_identifier:<did>`.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The configuration.
    pub fn config(&self) -> &Oid4vpConfig {
        &self.config
    }

    /// The verifier now configured.
    pub fn verifier(&self) -> Arc<Verifier> {
        match self.config.verifier.read() {
            Ok(v) => v.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        match self.requests.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// How many requests are held.
    pub fn held(&self) -> usize {
        self.lock().len()
    }

    /// Drops the requests whose result has been kept for a lifetime after they expired.
    fn purge(map: &mut HashMap<String, Entry>, now: DateTime<Utc>, lifetime: Duration) {
        map.retain(|_, e| now < e.expires_at + lifetime);
    }

    /// The `client_metadata` of the request objects.
    pub fn client_metadata(&self) -> Value {
        json!({
            "client_name": self.config.client_name,
            "vp_formats_supported": {
                "dc+sd-jwt": {
                    "sd-jwt_alg_values": ["EdDSA", "ES256"],
                    "kb-jwt_alg_values": ["EdDSA", "ES256"],
                },
                "ldp_vc": {
                    "proof_type_values": ["DataIntegrityProof"],
                    "cryptosuite_values": ["eddsa-rdfc-2022", "ecdsa-rdfc-2019"],
                },
            },
        })
    }

    /// Makes a request for `query`: a fresh nonce and state, the signed request object.
    pub async fn create(&self, query: DcqlQuery) -> Result<Created, CreateError> {
        let now = Utc::now();
        {
            let mut map = self.lock();
            Self::purge(&mut map, now, self.config.lifetime);
            if map.len() >= self.config.max_requests {
                return Err(CreateError::Full(map.len()));
            }
        }
        let id = generate_state();
        let base = &self.config.public_url;
        let request_uri = format!("{base}/oid4vp/requests/{id}/object");
        let response_uri = format!("{base}/oid4vp/responses/{id}");
        let mut request = AuthorizationRequest::direct_post(
            &self.client_id,
            &response_uri,
            query,
            now,
            self.config.lifetime,
        );
        request.client_metadata = Some(self.client_metadata());
        let object = sign_request_object(&request, &self.config.signer).await?;
        let expires_at = now + self.config.lifetime;
        let entry = Entry {
            request,
            object,
            created_at: now,
            expires_at,
            phase: Phase::Pending,
        };
        {
            let mut map = self.lock();
            if map.len() >= self.config.max_requests {
                return Err(CreateError::Full(map.len()));
            }
            map.insert(id.clone(), entry);
        }
        Ok(Created {
            link: civitas_oid4vp::uri::request_link(&self.client_id, &request_uri),
            id,
            request_uri,
            expires_at,
        })
    }

    /// The signed request object of a live request.
    pub fn object(&self, id: &str) -> Option<String> {
        let now = Utc::now();
        let map = self.lock();
        map.get(id)
            .filter(|e| e.live(now) && matches!(e.phase, Phase::Pending))
            .map(|e| e.object.clone())
    }

    /// The request `id` as the relying party API shows it.
    pub fn result(&self, id: &str) -> Option<RequestResult> {
        let now = Utc::now();
        let mut map = self.lock();
        Self::purge(&mut map, now, self.config.lifetime);
        let e = map.get(id)?;
        Some(match &e.phase {
            Phase::Done(result) => (**result).clone(),
            Phase::Pending | Phase::Answering => RequestResult {
                id: id.to_owned(),
                status: if e.live(now) {
                    Status::Pending
                } else {
                    Status::Expired
                },
                reason: (!e.live(now)).then(|| "the wallet did not answer in time".to_owned()),
                error: None,
                credentials: Vec::new(),
                created_at: e.created_at,
                expires_at: e.expires_at,
                answered_at: None,
            },
        })
    }

    /// The request of `id`, when it can still be answered.
    pub(crate) fn pending(&self, id: &str) -> Result<Entry, Refusal> {
        let now = Utc::now();
        let map = self.lock();
        let e = map.get(id).ok_or(Refusal::Unknown)?;
        if !matches!(e.phase, Phase::Pending) {
            return Err(Refusal::Answered);
        }
        if !e.live(now) {
            return Err(Refusal::Unknown);
        }
        Ok(e.clone())
    }

    /// Takes the request `id` for one response: `false` when another took it first.
    pub(crate) fn take(&self, id: &str) -> bool {
        let mut map = self.lock();
        match map.get_mut(id) {
            Some(e) if matches!(e.phase, Phase::Pending) => {
                e.phase = Phase::Answering;
                true
            }
            _ => false,
        }
    }

    /// Files the result of request `id`.
    pub(crate) fn file(&self, id: &str, result: RequestResult) {
        if let Some(e) = self.lock().get_mut(id) {
            e.phase = Phase::Done(Box::new(result));
        }
    }

    /// Constant-time comparison of a bearer token with the relying party's.
    pub fn token_matches(&self, token: &str) -> bool {
        let a = token.as_bytes();
        let b = self.config.rp_token.as_bytes();
        let diff = (a.len() ^ b.len())
            | a.iter()
                .zip(b.iter().cycle())
                .fold(0usize, |acc, (x, y)| acc | usize::from(x ^ y));
        diff == 0 && !b.is_empty()
    }
}

/// Why a response is not taken before it is even looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No such request, or it expired.
    Unknown,
    /// It was answered already.
    Answered,
}
