//! Receiving a credential from an issuer through OpenID4VCI 1.0, pre-authorized code flow
//! ([`Wallet::receive`]).
//!
//! The wallet follows the issuer's metadata, not fixed paths: offer (by value, or fetched by
//! reference) → Credential Issuer Metadata → Authorization Server Metadata (its token endpoint)
//! → token request (pre-authorized code, transaction code) → nonce (the Nonce Endpoint, else the
//! token response's `c_nonce`) → a `jwt` key proof signed by a holder key of the wallet →
//! credential request. What comes back is verified like an import (trust list, status), must
//! name the proved holder as its subject, and only then is stored, with an entry in the wallet's
//! log. Every call is HTTPS only (a loopback issuer too), with timeouts, no redirects and a size
//! limit on every answer.

use std::time::Duration;

use chrono::Utc;
use civitas_core::credential::Credential;
use civitas_keys::keys::KeyAlgorithm;
use civitas_oid4vci::client::{self, ClientError, ProofClaims};
use civitas_oid4vci::metadata::{
    CredentialConfiguration, CredentialIssuerMetadata, FORMAT_DC_SD_JWT, FORMAT_JWT_VC_JSON,
    FORMAT_LDP_VC,
};
use civitas_oid4vci::offer::{CredentialOffer, OfferError, ParsedOffer, parse_offer_uri};
use civitas_verifier::Verifier;
use serde_json::Value;

use crate::consent::{ConsentEntry, Receipt, ShareForm};
use crate::document::StoredDocument;
use crate::error::WalletError;
use crate::holder::{HolderKey, HolderKeyRecord};
use crate::share::shared_document;
use crate::wallet::{ImportOptions, Wallet};

pub use civitas_oid4vci::client::OAuthError;
pub use civitas_oid4vci::offer::OFFER_SCHEME;

/// The protocol named in the wallet's log.
pub const PROTOCOL: &str = "OpenID4VCI";
/// The default size limit of every answer of the issuer: 1 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = client::MAX_RESPONSE_BYTES;

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

/// How [`Wallet::receive`] runs.
#[derive(Debug, Clone)]
pub struct ReceiveOptions {
    /// The transaction code the issuer sent the holder by another channel, when the offer asks
    /// for one.
    pub tx_code: Option<String>,
    /// The configuration to request (one of the offer's); default: the first offered whose
    /// format the wallet stores (`ldp_vc`, `jwt_vc_json`).
    pub configuration_id: Option<String>,
    /// The holder key that proves possession (its DID, verification method or wallet id);
    /// default: the oldest key of an algorithm the issuer accepts, a new one if none is.
    pub holder: Option<String>,
    /// Extra root certificates (PEM) the issuer's TLS certificate may chain to (a test issuer's
    /// self-signed certificate).
    pub root_certificates_pem: Vec<Vec<u8>>,
    /// The time limit of each HTTP exchange (default 30 s).
    pub timeout: Duration,
    /// The time limit of each connection (default 10 s).
    pub connect_timeout: Duration,
    /// The size limit of each answer (default and most: 1 MiB).
    pub max_response_bytes: usize,
    /// How the received credential is verified (as by [`Wallet::import`]).
    pub import: ImportOptions,
}

impl Default for ReceiveOptions {
    fn default() -> Self {
        Self {
            tx_code: None,
            configuration_id: None,
            holder: None,
            root_certificates_pem: Vec::new(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            import: ImportOptions::default(),
        }
    }
}

/// What [`Wallet::receive`] stored.
#[derive(Debug, Clone)]
pub struct Received {
    /// The stored document.
    pub document: StoredDocument,
    /// The Credential Issuer Identifier.
    pub credential_issuer: String,
    /// The configuration requested.
    pub configuration_id: String,
    /// The holder key that proved possession (the credential's subject).
    pub holder: HolderKey,
    /// The wallet log entry written.
    pub log_entry: ConsentEntry,
}

/// The stage of the flow where [`Wallet::receive`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiveStage {
    /// Reading the offer (or fetching it by reference).
    Offer,
    /// Fetching the Credential Issuer Metadata, choosing the configuration.
    IssuerMetadata,
    /// Fetching the Authorization Server Metadata.
    AuthorizationServerMetadata,
    /// The token request.
    Token,
    /// Choosing the holder key.
    Holder,
    /// The nonce request.
    Nonce,
    /// Building the key proof.
    Proof,
    /// The credential request.
    Credential,
    /// Verifying what was received (trust list, status, subject).
    Verification,
    /// Storing it and writing the log.
    Storage,
}

impl ReceiveStage {
    /// The stage in words.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Offer => "credential offer",
            Self::IssuerMetadata => "issuer metadata",
            Self::AuthorizationServerMetadata => "authorization server metadata",
            Self::Token => "token request",
            Self::Holder => "holder key",
            Self::Nonce => "nonce request",
            Self::Proof => "key proof",
            Self::Credential => "credential request",
            Self::Verification => "verification",
            Self::Storage => "storage",
        }
    }
}

impl std::fmt::Display for ReceiveStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn tx_hint(length: &Option<u32>, description: &Option<String>) -> String {
    let mut hint = String::new();
    if let Some(n) = length {
        hint.push_str(&format!(" of {n} characters"));
    }
    if let Some(d) = description {
        hint.push_str(&format!(" ({d})"));
    }
    hint
}

/// Why [`Wallet::receive`] stored nothing. [`ReceiveError::stage`] names the stage;
/// [`ReceiveError::oauth_error`] gives the issuer's `error` and `error_description`.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    /// The offer URI is not a credential offer.
    #[error("credential offer: {0}")]
    Offer(#[from] OfferError),
    /// The offer has no pre-authorized code grant.
    #[error(
        "credential offer: it has no pre-authorized code grant (the only flow the wallet supports)"
    )]
    NoPreAuthorizedCode,
    /// The offer asks for a transaction code and none was given.
    #[error(
        "credential offer: the issuer asks for a transaction code{}; give it (--tx-code)",
        tx_hint(.length, .description)
    )]
    TxCodeRequired {
        /// Its length, if the offer says.
        length: Option<u32>,
        /// Where to find it, as the offer says.
        description: Option<String>,
    },
    /// A transaction code was given but the offer asks for none.
    #[error("credential offer: the offer asks for no transaction code, but one was given")]
    TxCodeNotExpected,
    /// The transaction code given is not as long as the offer says.
    #[error(
        "credential offer: the transaction code must be {expected} characters long, not {given}"
    )]
    TxCodeLength {
        /// The length the offer gives.
        expected: u32,
        /// The length given.
        given: usize,
    },
    /// The requested configuration is not one the offer names.
    #[error(
        "issuer metadata: configuration {requested:?} is not offered (offered: {})",
        .offered.join(", ")
    )]
    ConfigurationNotOffered {
        /// The configuration asked for.
        requested: String,
        /// The offer's configurations.
        offered: Vec<String>,
    },
    /// A configuration the offer names is not in the issuer's metadata.
    #[error("issuer metadata: the offered configuration {0:?} is not in the issuer's metadata")]
    UnknownConfiguration(String),
    /// The chosen configuration cannot be received: a format the wallet does not store, or no
    /// `jwt` key proof.
    #[error("issuer metadata: configuration {id:?} cannot be received: {reason}")]
    UnsupportedConfiguration {
        /// The configuration.
        id: String,
        /// Why.
        reason: String,
    },
    /// No holder key of the wallet may sign the key proof.
    #[error(
        "holder key: {holder} is {algorithm} but the issuer accepts key proofs signed with {} only",
        .accepted.join(", ")
    )]
    ProofAlgorithm {
        /// The holder key asked for.
        holder: String,
        /// Its JOSE algorithm.
        algorithm: &'static str,
        /// The algorithms the issuer accepts.
        accepted: Vec<String>,
    },
    /// A URL the flow would call is not an https URL.
    #[error("{stage}: {url:?} is not an https URL (the wallet calls issuers over HTTPS only)")]
    NotHttps {
        /// The stage.
        stage: ReceiveStage,
        /// The URL.
        url: String,
    },
    /// The HTTP client could not be built (a root certificate that is not PEM).
    #[error("HTTP client: {0}")]
    Client(String),
    /// The exchange failed: connection, TLS, timeout, or an answer larger than the limit.
    #[error("{stage}: {url}: {reason}")]
    Http {
        /// The stage.
        stage: ReceiveStage,
        /// The URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The issuer (or its authorization server) answered with an OAuth error.
    #[error("{stage}: the issuer refused (HTTP {status}): {error}")]
    Issuer {
        /// The stage.
        stage: ReceiveStage,
        /// The URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The `error` and `error_description`.
        error: OAuthError,
    },
    /// The issuer answered an HTTP error without an OAuth error body.
    #[error("{stage}: {url} answered HTTP {status}")]
    Status {
        /// The stage.
        stage: ReceiveStage,
        /// The URL.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// An answer is not what the protocol says, or a request could not be built.
    #[error("{stage}: {source}")]
    Protocol {
        /// The stage.
        stage: ReceiveStage,
        /// What is wrong.
        source: ClientError,
    },
    /// The credential does not name the holder whose key proved possession as its subject.
    #[error(
        "verification: the credential is about {}, not the holder {holder} whose key signed the proof; it was not stored",
        if .subjects.is_empty() { "no identified subject".to_owned() } else { .subjects.join(", ") }
    )]
    SubjectMismatch {
        /// The holder's DID.
        holder: String,
        /// The credential's subject DIDs.
        subjects: Vec<String>,
    },
    /// The wallet refused or failed: the verifier refused the credential (it was not stored),
    /// it is already in the wallet, a holder key or the database failed.
    #[error("{stage}: {source}")]
    Wallet {
        /// The stage.
        stage: ReceiveStage,
        /// The wallet's error ([`WalletError::Refused`] carries the verifier's report).
        source: WalletError,
    },
}

impl ReceiveError {
    /// The stage of the flow where it stopped.
    pub fn stage(&self) -> ReceiveStage {
        match self {
            Self::Offer(_)
            | Self::NoPreAuthorizedCode
            | Self::TxCodeRequired { .. }
            | Self::TxCodeNotExpected
            | Self::TxCodeLength { .. }
            | Self::Client(_) => ReceiveStage::Offer,
            Self::ConfigurationNotOffered { .. }
            | Self::UnknownConfiguration(_)
            | Self::UnsupportedConfiguration { .. } => ReceiveStage::IssuerMetadata,
            Self::ProofAlgorithm { .. } => ReceiveStage::Holder,
            Self::SubjectMismatch { .. } => ReceiveStage::Verification,
            Self::NotHttps { stage, .. }
            | Self::Http { stage, .. }
            | Self::Issuer { stage, .. }
            | Self::Status { stage, .. }
            | Self::Protocol { stage, .. }
            | Self::Wallet { stage, .. } => *stage,
        }
    }

    /// The issuer's OAuth error (`invalid_grant`, `invalid_proof`, …), if it answered one.
    pub fn oauth_error(&self) -> Option<&OAuthError> {
        match self {
            Self::Issuer { error, .. } => Some(error),
            _ => None,
        }
    }
}

fn protocol(stage: ReceiveStage) -> impl Fn(ClientError) -> ReceiveError {
    move |source| ReceiveError::Protocol { stage, source }
}

fn wallet_error(stage: ReceiveStage) -> impl Fn(WalletError) -> ReceiveError {
    move |source| ReceiveError::Wallet { stage, source }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

/// The HTTPS client of one receipt: no redirects, no proxy, timeouts, size-limited answers.
/// (Also the client of an OpenID4VP response, `crate::respond`.)
pub(crate) struct Https {
    pub(crate) client: reqwest::Client,
    pub(crate) max: usize,
}

impl Https {
    fn new(options: &ReceiveOptions) -> Result<Self, ReceiveError> {
        Self::build(options, true)
    }

    /// The client; `https_only: false` lets plain http through (the caller allows it to a
    /// loopback host only, for tests).
    pub(crate) fn build(options: &ReceiveOptions, https_only: bool) -> Result<Self, ReceiveError> {
        let mut builder = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.connect_timeout)
            .https_only(https_only)
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("civitas-wallet/", env!("CARGO_PKG_VERSION")));
        for pem in &options.root_certificates_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| ReceiveError::Client(format!("root certificate: {e}")))?;
            if certs.is_empty() {
                return Err(ReceiveError::Client(
                    "a root certificate file holds no PEM certificate".to_owned(),
                ));
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let client = builder
            .build()
            .map_err(|e| ReceiveError::Client(error_chain(&e)))?;
        Ok(Self {
            client,
            max: options.max_response_bytes.min(client::MAX_RESPONSE_BYTES),
        })
    }

    fn check(stage: ReceiveStage, url: &str) -> Result<reqwest::Url, ReceiveError> {
        let not_https = || ReceiveError::NotHttps {
            stage,
            url: url.to_owned(),
        };
        if !client::is_https_url(url) {
            return Err(not_https());
        }
        let parsed = reqwest::Url::parse(url).map_err(|_| not_https())?;
        if parsed.scheme() != "https" || parsed.host_str().is_none_or(str::is_empty) {
            return Err(not_https());
        }
        Ok(parsed)
    }

    async fn get(&self, stage: ReceiveStage, url: &str) -> Result<Vec<u8>, ReceiveError> {
        let parsed = Self::check(stage, url)?;
        let request = self
            .client
            .get(parsed)
            .header(reqwest::header::ACCEPT, JSON);
        self.send(stage, url, request).await
    }

    async fn post(
        &self,
        stage: ReceiveStage,
        url: &str,
        content_type: &str,
        body: String,
        bearer: Option<&str>,
    ) -> Result<Vec<u8>, ReceiveError> {
        let parsed = Self::check(stage, url)?;
        let mut request = self
            .client
            .post(parsed)
            .header(reqwest::header::ACCEPT, JSON)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        self.send(stage, url, request).await
    }

    async fn send(
        &self,
        stage: ReceiveStage,
        url: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<Vec<u8>, ReceiveError> {
        let (status, body) = self.exchange(stage, url, request).await?;
        if (200..300).contains(&status) {
            return Ok(body);
        }
        match client::parse_oauth_error(&body, self.max) {
            Some(error) => Err(ReceiveError::Issuer {
                stage,
                url: url.to_owned(),
                status,
                error,
            }),
            None => Err(ReceiveError::Status {
                stage,
                url: url.to_owned(),
                status,
            }),
        }
    }

    /// Sends `request` and reads the answer (at most `max` bytes): its status and body,
    /// whatever the status. Failures are [`ReceiveError::Http`].
    pub(crate) async fn exchange(
        &self,
        stage: ReceiveStage,
        url: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<(u16, Vec<u8>), ReceiveError> {
        let failed = |e: reqwest::Error| ReceiveError::Http {
            stage,
            url: url.to_owned(),
            reason: if e.is_timeout() {
                "timed out".to_owned()
            } else {
                error_chain(&e)
            },
        };
        let mut response = request.send().await.map_err(failed)?;
        let status = response.status();
        let too_large = || ReceiveError::Http {
            stage,
            url: url.to_owned(),
            reason: format!("the answer is larger than {} bytes", self.max),
        };
        if response
            .content_length()
            .is_some_and(|n| n > self.max as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            if body.len() + chunk.len() > self.max {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok((status.as_u16(), body))
    }
}

/// The formats the wallet stores.
const FORMATS: [&str; 3] = [FORMAT_LDP_VC, FORMAT_JWT_VC_JSON, FORMAT_DC_SD_JWT];

/// Why a configuration cannot be received, if it cannot.
fn unsupported(configuration: &CredentialConfiguration) -> Option<String> {
    if !FORMATS.contains(&configuration.format.as_str()) {
        return Some(format!(
            "format {:?} is not one the wallet stores (ldp_vc, jwt_vc_json, dc+sd-jwt)",
            configuration.format
        ));
    }
    if !configuration.proof_types_supported.is_empty()
        && !configuration.proof_types_supported.contains_key("jwt")
    {
        return Some("it takes no `jwt` key proof".to_owned());
    }
    None
}

/// The configuration to request: the one asked for (it must be offered), else the first offered
/// the wallet can receive.
fn choose_configuration<'m>(
    offer: &CredentialOffer,
    metadata: &'m CredentialIssuerMetadata,
    wanted: Option<&str>,
) -> Result<(String, &'m CredentialConfiguration), ReceiveError> {
    let offered = &offer.credential_configuration_ids;
    let lookup = |id: &str| {
        metadata
            .credential_configurations_supported
            .get(id)
            .ok_or_else(|| ReceiveError::UnknownConfiguration(id.to_owned()))
    };
    if let Some(id) = wanted {
        if !offered.iter().any(|o| o == id) {
            return Err(ReceiveError::ConfigurationNotOffered {
                requested: id.to_owned(),
                offered: offered.clone(),
            });
        }
        let configuration = lookup(id)?;
        if let Some(reason) = unsupported(configuration) {
            return Err(ReceiveError::UnsupportedConfiguration {
                id: id.to_owned(),
                reason,
            });
        }
        return Ok((id.to_owned(), configuration));
    }
    let mut first_refusal = None;
    for id in offered {
        let configuration = lookup(id)?;
        match unsupported(configuration) {
            None => return Ok((id.clone(), configuration)),
            Some(reason) => {
                first_refusal.get_or_insert(ReceiveError::UnsupportedConfiguration {
                    id: id.clone(),
                    reason,
                });
            }
        }
    }
    Err(first_refusal.unwrap_or_else(|| ReceiveError::UnknownConfiguration(String::new())))
}

/// The algorithms the configuration accepts for `jwt` key proofs (empty: not said).
fn proof_algorithms(configuration: &CredentialConfiguration) -> Vec<String> {
    configuration
        .proof_types_supported
        .get("jwt")
        .map(|p| p.proof_signing_alg_values_supported.clone())
        .unwrap_or_default()
}

/// The subjects' DIDs of a credential (a marriage's spouses too).
fn subject_ids(credential: &Value) -> Vec<String> {
    Credential::from_value(credential.clone())
        .map(|c| c.subject_ids().into_iter().map(str::to_owned).collect())
        .unwrap_or_default()
}

impl Wallet {
    /// The holder key that signs the key proof: the one asked for, else the oldest of an
    /// algorithm in `accepted` (empty: any), else a new one.
    fn receiving_holder(
        &self,
        wanted: Option<&str>,
        accepted: &[String],
    ) -> Result<HolderKeyRecord, ReceiveError> {
        let fail = wallet_error(ReceiveStage::Holder);
        let allowed =
            |alg: KeyAlgorithm| accepted.is_empty() || accepted.iter().any(|a| a == alg.jose_alg());
        let records = self.holder_records().map_err(&fail)?;
        if let Some(wanted) = wanted {
            let record = records
                .into_iter()
                .find(|r| {
                    r.id == wanted || r.verification_method == wanted || r.public().did == wanted
                })
                .ok_or_else(|| {
                    fail(WalletError::NotFound(format!(
                        "there is no holder key `{wanted}` in the wallet"
                    )))
                })?;
            if !allowed(record.algorithm) {
                return Err(ReceiveError::ProofAlgorithm {
                    holder: record.public().did,
                    algorithm: record.algorithm.jose_alg(),
                    accepted: accepted.to_vec(),
                });
            }
            return Ok(record);
        }
        if let Some(record) = records.into_iter().find(|r| allowed(r.algorithm)) {
            return Ok(record);
        }
        let algorithm = [KeyAlgorithm::Ed25519, KeyAlgorithm::P256]
            .into_iter()
            .find(|a| allowed(*a))
            .ok_or_else(|| ReceiveError::ProofAlgorithm {
                holder: "(any holder key)".to_owned(),
                algorithm: "EdDSA or ES256",
                accepted: accepted.to_vec(),
            })?;
        let key = self.add_holder_key(algorithm).map_err(&fail)?;
        self.holder_records()
            .map_err(&fail)?
            .into_iter()
            .find(|r| r.id == key.id)
            .ok_or_else(|| fail(WalletError::NotFound("the new holder key".to_owned())))
    }

    /// Receives a credential through OpenID4VCI (pre-authorized code flow) from the offer
    /// `offer` (`openid-credential-offer://?credential_offer=…` or `…?credential_offer_uri=…`),
    /// verifies it with `verifier` as [`Wallet::import`] does, checks that its subject is the
    /// holder whose key signed the key proof, stores it and writes a log entry
    /// ([`ShareForm::Received`]). Nothing is stored unless every step succeeds.
    pub async fn receive(
        &self,
        offer: &str,
        options: &ReceiveOptions,
        verifier: &Verifier,
    ) -> Result<Received, ReceiveError> {
        let https = Https::new(options)?;
        let max = https.max;

        // The offer, by value or fetched by reference.
        let offer = match parse_offer_uri(offer.trim())? {
            ParsedOffer::ByValue(offer) => offer,
            ParsedOffer::ByReference(url) => {
                let body = https.get(ReceiveStage::Offer, &url).await?;
                client::parse_offer(&body, max).map_err(protocol(ReceiveStage::Offer))?
            }
        };
        let grant = offer
            .grants
            .pre_authorized_code
            .clone()
            .ok_or(ReceiveError::NoPreAuthorizedCode)?;
        let tx_code = match (&grant.tx_code, options.tx_code.as_deref()) {
            (Some(asked), None) => {
                return Err(ReceiveError::TxCodeRequired {
                    length: asked.length,
                    description: asked.description.clone(),
                });
            }
            (None, Some(_)) => return Err(ReceiveError::TxCodeNotExpected),
            (Some(asked), Some(code)) => {
                let given = code.chars().count();
                if let Some(expected) = asked.length
                    && given != expected as usize
                {
                    return Err(ReceiveError::TxCodeLength { expected, given });
                }
                Some(code)
            }
            (None, None) => None,
        };

        // The issuer's metadata, the configuration.
        let url = client::issuer_metadata_url(&offer.credential_issuer)
            .map_err(protocol(ReceiveStage::Offer))?;
        let body = https.get(ReceiveStage::IssuerMetadata, &url).await?;
        let metadata = client::parse_issuer_metadata(&body, &offer.credential_issuer, max)
            .map_err(protocol(ReceiveStage::IssuerMetadata))?;
        let (configuration_id, configuration) =
            choose_configuration(&offer, &metadata, options.configuration_id.as_deref())?;

        // The holder key that will prove possession: chosen before the single-use code is spent.
        let record =
            self.receiving_holder(options.holder.as_deref(), &proof_algorithms(configuration))?;
        let signer = record
            .signer()
            .map_err(wallet_error(ReceiveStage::Holder))?;
        let holder = record.public();

        // The authorization server: its token endpoint.
        let server = metadata
            .authorization_servers
            .first()
            .unwrap_or(&metadata.credential_issuer)
            .clone();
        let url = client::authorization_server_metadata_url(&server)
            .map_err(protocol(ReceiveStage::AuthorizationServerMetadata))?;
        let body = https
            .get(ReceiveStage::AuthorizationServerMetadata, &url)
            .await?;
        let server_metadata = client::parse_authorization_server_metadata(&body, &server, max)
            .map_err(protocol(ReceiveStage::AuthorizationServerMetadata))?;

        // The token.
        let form = client::token_request_form(&grant.pre_authorized_code, tx_code);
        let body = https
            .post(
                ReceiveStage::Token,
                &server_metadata.token_endpoint,
                FORM,
                form,
                None,
            )
            .await?;
        let token =
            client::parse_token_response(&body, max).map_err(protocol(ReceiveStage::Token))?;

        // The nonce, the proof, the credential (once more with a fresh nonce if the issuer says
        // `invalid_nonce`).
        let mut nonce = match &metadata.nonce_endpoint {
            Some(url) => Some(self::nonce(&https, url).await?),
            None => token.c_nonce.clone(),
        };
        let mut retried = false;
        let answer = loop {
            let claims = ProofClaims {
                audience: &metadata.credential_issuer,
                nonce: nonce.as_deref(),
                issued_at: Utc::now(),
            };
            let jwt = client::build_key_proof(&signer, &claims)
                .await
                .map_err(protocol(ReceiveStage::Proof))?;
            let body = client::credential_request_body(&configuration_id, &[jwt]);
            let sent = https
                .post(
                    ReceiveStage::Credential,
                    &metadata.credential_endpoint,
                    JSON,
                    body,
                    Some(&token.access_token),
                )
                .await;
            match sent {
                Ok(body) => {
                    break client::parse_credential_response(&body, max)
                        .map_err(protocol(ReceiveStage::Credential))?;
                }
                Err(ReceiveError::Issuer { error, .. })
                    if error.error == "invalid_nonce"
                        && !retried
                        && metadata.nonce_endpoint.is_some() =>
                {
                    retried = true;
                    if let Some(url) = &metadata.nonce_endpoint {
                        nonce = Some(self::nonce(&https, url).await?);
                    }
                }
                Err(e) => return Err(e),
            }
        };
        let [credential] = answer.credentials.as_slice() else {
            return Err(ReceiveError::Protocol {
                stage: ReceiveStage::Credential,
                source: ClientError::Malformed {
                    what: client::Answer::Credential,
                    reason: format!(
                        "{} credentials for one key proof, expected one",
                        answer.credentials.len()
                    ),
                },
            });
        };
        let text = match credential {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };

        // Verified as an import is, about the proved holder, then stored and logged.
        let (read, report) = self
            .verify_input(text.as_bytes(), verifier, &options.import)
            .await
            .map_err(wallet_error(ReceiveStage::Verification))?;
        let mut subjects = subject_ids(&read.credential);
        if read.format == crate::DocumentFormat::SdJwtVc {
            // what binds an SD-JWT VC to its holder is its `cnf` key, not its `sub`
            subjects = crate::disclose::bound_holder_of(&read.content)
                .map(|did| vec![did])
                .unwrap_or_default();
        }
        if !subjects.contains(&holder.did) {
            return Err(ReceiveError::SubjectMismatch {
                holder: holder.did,
                subjects,
            });
        }
        let document = self
            .store_verified(read, report)
            .map_err(wallet_error(ReceiveStage::Storage))?;
        let log_entry = self
            .log_share(ConsentEntry {
                seq: 0,
                at: Utc::now(),
                recipient: None,
                domain: Some(metadata.credential_issuer.clone()),
                challenge: None,
                holder: Some(holder.did.clone()),
                presentation_id: None,
                form: ShareForm::Received,
                documents: vec![shared_document(&document)],
                received: Some(Receipt {
                    issuer: metadata.credential_issuer.clone(),
                    protocol: PROTOCOL.to_owned(),
                    configuration_id: configuration_id.clone(),
                }),
            })
            .map_err(wallet_error(ReceiveStage::Storage))?;
        Ok(Received {
            document,
            credential_issuer: metadata.credential_issuer,
            configuration_id,
            holder,
            log_entry,
        })
    }
}

async fn nonce(https: &Https, url: &str) -> Result<String, ReceiveError> {
    let body = https
        .post(ReceiveStage::Nonce, url, FORM, String::new(), None)
        .await?;
    client::parse_nonce_response(&body, https.max)
        .map(|n| n.c_nonce)
        .map_err(protocol(ReceiveStage::Nonce))
}
