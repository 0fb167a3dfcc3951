//! Answering a verifier through OpenID4VP 1.0 (cross-device flow, signed request object by
//! reference, `direct_post`): [`Wallet::prepare_response`] reads the link (or QR), fetches and
//! verifies the request object, and matches its DCQL query to the wallet's documents, so that
//! the holder is shown who asks, for what, and exactly which claims would go;
//! [`Wallet::send_response`] then builds the presentations (each one consent-logged by
//! [`Wallet::disclose`] or [`Wallet::present`]) and POSTs them to the verifier;
//! [`Wallet::decline`] tells the verifier `access_denied` instead.
//!
//! Nothing is sent before the request object is verified: its signature by a key of the DID its
//! `client_id` names (`decentralized_identifier:<did>`), that `client_id` equal to the link's,
//! not expired, `direct_post` to an https `response_uri`. Every exchange is HTTPS (a loopback
//! http verifier only when [`RespondOptions::allow_loopback_http`]), without redirects or
//! proxies, with timeouts and size limits (the OpenID4VCI client of [`crate::receive`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Utc;
use civitas_keys::resolver::{OfflineResolver, Resolver};
use civitas_oid4vp::Oid4vpError;
use civitas_oid4vp::dcql::{
    CredentialQuery, FORMAT_LDP_VC, FORMAT_SD_JWT, PathElement, match_claims,
};
use civitas_oid4vp::limits::MAX_REQUEST_OBJECT_BYTES;
use civitas_oid4vp::request::{AuthorizationRequest, RequestPolicy, verify_request_object_with};
use civitas_oid4vp::response::{AuthorizationResponse, ErrorResponse, Presentation};
use civitas_oid4vp::uri::{RequestUriMethod, parse_request_link_with};
use civitas_sdjwt::SdPath;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::consent::ConsentEntry;
use crate::disclose::{DisclosureRequest, bound_holder_of};
use crate::document::{DocumentFormat, StoredDocument};
use crate::error::WalletError;
use crate::receive::{Https, ReceiveError, ReceiveOptions, ReceiveStage};
use crate::share::{MAX_RECIPIENT_CHARS, ShareRequest};
use crate::wallet::Wallet;

/// The protocol named in messages.
pub const PROTOCOL: &str = "OpenID4VP";
/// The media type of a request object (RFC 9101 §10.8), asked for when fetching it.
pub const REQUEST_OBJECT_MEDIA_TYPE: &str = "application/oauth-authz-req+jwt";
/// The largest answer the verifier may give to the response POST: 64 KiB.
pub const MAX_VERIFIER_ANSWER_BYTES: usize = 64 * 1024;

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

/// How [`Wallet::prepare_response`] reaches and checks the verifier.
#[derive(Clone, Default)]
pub struct RespondOptions {
    /// Extra root certificates (PEM) the verifier's TLS certificate may chain to (a test
    /// verifier's self-signed certificate).
    pub roots: Vec<Vec<u8>>,
    /// Whether `request_uri` and `response_uri` may be `http://` to 127.0.0.1, `[::1]` or
    /// localhost (tests and local development only).
    pub allow_loopback_http: bool,
    /// How the verifier's DID is resolved (`did:web` needs one that fetches); default:
    /// `did:key` only (`civitas_keys::resolver::OfflineResolver`).
    pub resolver: Option<Arc<dyn Resolver>>,
}

impl std::fmt::Debug for RespondOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RespondOptions")
            .field("roots", &self.roots.len())
            .field("allow_loopback_http", &self.allow_loopback_http)
            .field("resolver", &self.resolver.as_ref().map(|_| "custom"))
            .finish()
    }
}

/// Where [`Wallet::prepare_response`] or [`Wallet::send_response`] stopped on an exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RespondStage {
    /// Fetching the request object (`request_uri`).
    RequestObject,
    /// Posting the response (or the refusal) to `response_uri`.
    Response,
}

impl RespondStage {
    /// The stage in words.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RequestObject => "request object",
            Self::Response => "response",
        }
    }
}

impl std::fmt::Display for RespondStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the wallet did not answer the verifier (or the verifier did not accept the answer).
#[derive(Debug, thiserror::Error)]
pub enum RespondError {
    /// The link (QR content) is not an OpenID4VP request link: civitas-oid4vp's error.
    #[error("request link: {0}")]
    Link(Oid4vpError),
    /// The HTTP client could not be built (a root certificate that is not PEM).
    #[error("HTTP client: {0}")]
    Client(String),
    /// An exchange failed: connection, TLS, timeout, an answer larger than the limit.
    #[error("{stage}: {url}: {reason}")]
    Fetch {
        /// The stage.
        stage: RespondStage,
        /// The URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The verifier answered an HTTP status the flow does not expect.
    #[error("{stage}: {url} answered HTTP {status}")]
    Status {
        /// The stage.
        stage: RespondStage,
        /// The URL.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The request object was refused (signature, client id, expiry, response mode,
    /// response_uri, DCQL query, …): civitas-oid4vp's error. Nothing was sent.
    #[error("the request was refused, nothing was sent: {0}")]
    RequestRefused(Oid4vpError),
    /// No document of the wallet answers a credential query the verifier requires.
    #[error("no document in the wallet answers credential query `{query_id}`: {reason}")]
    NoMatchingDocument {
        /// The credential query id.
        query_id: String,
        /// Why (the closest document's reason, or that none is of the format and type).
        reason: String,
    },
    /// The holder declined; the verifier was told `access_denied`.
    #[error("declined: nothing was shared (the verifier was told `access_denied`)")]
    Declined,
    /// The verifier refused the response (HTTP 400 with `error`).
    #[error("the verifier refused the response (HTTP {status}): {error}{}", .description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The `error` code.
        error: String,
        /// The `error_description`, if any.
        description: Option<String>,
    },
    /// The wallet failed to build a presentation (a holder key, the database).
    #[error("credential query `{query_id}`: {source}")]
    Wallet {
        /// The credential query id (empty when not about one).
        query_id: String,
        /// The wallet's error.
        source: WalletError,
    },
}

impl RespondError {
    fn wallet(query_id: &str) -> impl Fn(WalletError) -> Self + '_ {
        move |source| Self::Wallet {
            query_id: query_id.to_owned(),
            source,
        }
    }

    fn of_exchange(stage: RespondStage, e: ReceiveError) -> Self {
        match e {
            ReceiveError::Client(reason) => Self::Client(reason),
            ReceiveError::Http { url, reason, .. } => Self::Fetch { stage, url, reason },
            ReceiveError::NotHttps { url, .. } => Self::Fetch {
                stage,
                url,
                reason: "not an https URL".to_owned(),
            },
            ReceiveError::Status { url, status, .. } | ReceiveError::Issuer { url, status, .. } => {
                Self::Status { stage, url, status }
            }
            other => Self::Fetch {
                stage,
                url: String::new(),
                reason: other.to_string(),
            },
        }
    }
}

/// What will be disclosed for one credential query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreparedQuery {
    /// The credential query id (the `vp_token` key).
    pub query_id: String,
    /// Its format (`dc+sd-jwt`, `ldp_vc`).
    pub format: String,
    /// The wallet id of the chosen document.
    pub document_id: String,
    /// The document, in words.
    pub document_description: String,
    /// The claims disclosed, as paths (`givenName`, `mother.givenName`): for an SD-JWT VC
    /// exactly these (and what its issuer put in plain); for `ldp_vc` the members of the
    /// credential subject, since the whole document goes.
    pub claims: Vec<String>,
    /// Whether the WHOLE document is disclosed (`ldp_vc`: a Data Integrity credential cannot
    /// hide claims).
    pub whole_document: bool,
    /// The holder DID that signs the presentation (key binding or VP proof).
    pub holder: String,
}

/// A verified request, matched against the wallet: what the holder is asked to consent to.
#[derive(Debug, Clone)]
pub struct PreparedResponse {
    /// The verified request.
    pub request: AuthorizationRequest,
    /// Where it was fetched.
    pub request_uri: String,
    /// The verifier's client identifier (`decentralized_identifier:did:…`), verified: the
    /// request object is signed by a key of that DID.
    pub client_id: String,
    /// The name the verifier gives itself (`client_metadata.client_name`), AS IT CLAIMS: not
    /// verified.
    pub client_name: Option<String>,
    /// Where the response goes.
    pub response_uri: String,
    /// Its host (and port).
    pub response_host: String,
    /// The credential queries answered, each with its document and claims.
    pub queries: Vec<PreparedQuery>,
    /// Credential queries of an optional credential set that no document answers (skipped).
    pub unanswered: Vec<String>,
    https_only: bool,
    roots: Vec<Vec<u8>>,
}

impl PreparedResponse {
    /// Who receives it, for the consent log and the prompt: the claimed name, else the client
    /// id (printable, at most 200 characters).
    pub fn recipient(&self) -> String {
        let name = self
            .client_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(&self.client_id);
        name.chars()
            .filter(|c| !c.is_control())
            .take(MAX_RECIPIENT_CHARS)
            .collect()
    }
}

/// What the verifier answered.
#[derive(Debug, Clone)]
pub struct Responded {
    /// Its HTTP status.
    pub status: u16,
    /// Its body (as text, lossy).
    pub body: String,
    /// The `redirect_uri` of its JSON answer, if any (where to continue in a browser).
    pub redirect_uri: Option<String>,
    /// The consent log entries written (one per presentation; none for a refusal).
    pub consent: Vec<ConsentEntry>,
}

fn path_text(path: &[PathElement]) -> Result<String, String> {
    let values: Vec<Value> = path
        .iter()
        .map(|e| match e {
            PathElement::Key(k) => Value::String(k.clone()),
            PathElement::Index(i) => Value::from(*i),
            PathElement::All => Value::Null,
        })
        .collect();
    let sd = SdPath::from_claims_path(&values).map_err(|e| e.to_string())?;
    let text = sd.to_string();
    // A member name with `.` or `[` has no text form the disclosure request reads back.
    match SdPath::parse(&text) {
        Ok(back) if back == sd => Ok(text),
        _ => Err(format!(
            "claim path {} cannot be written as a wallet claim path",
            Value::Array(values)
        )),
    }
}

fn path_display(path: &[PathElement]) -> String {
    path_text(path).unwrap_or_else(|_| format!("{path:?}"))
}

/// The `vct` of a stored SD-JWT VC.
fn vct_of(doc: &StoredDocument) -> Option<String> {
    civitas_sdjwt::verify::parse(&doc.content)
        .ok()
        .and_then(|p| {
            p.payload
                .get("vct")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
}

/// The claims of an SD-JWT VC at the top level, as DCQL paths see them.
fn sd_jwt_claims(doc: &StoredDocument) -> Value {
    let mut claims: Map<String, Value> = doc
        .credential
        .get("credentialSubject")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    claims.remove("id");
    Value::Object(claims)
}

enum Candidate {
    Chosen(PreparedQuery),
    Rejected(String),
}

/// Whether `doc` answers `query`, and what it would disclose.
fn consider(
    query: &CredentialQuery,
    doc: &StoredDocument,
    holders: &[String],
) -> Option<Candidate> {
    let type_ok = match query.format.as_str() {
        FORMAT_SD_JWT if doc.format == DocumentFormat::SdJwtVc => {
            let vct = vct_of(doc);
            query
                .meta
                .vct_values
                .iter()
                .flatten()
                .any(|v| Some(v) == vct.as_ref())
        }
        FORMAT_LDP_VC if doc.format == DocumentFormat::DataIntegrity => {
            let types = doc.types();
            query
                .meta
                .type_values
                .iter()
                .flatten()
                .any(|set| set.iter().all(|t| types.contains(&t.as_str())))
        }
        _ => false,
    };
    if !type_ok {
        return None;
    }
    let described = format!("document {} ({})", doc.id, doc.description);
    let (claims_value, holder) = if doc.format == DocumentFormat::SdJwtVc {
        let holder = match bound_holder_of(&doc.content) {
            Ok(h) => h,
            Err(e) => return Some(Candidate::Rejected(format!("{described}: {e}"))),
        };
        (sd_jwt_claims(doc), holder)
    } else {
        let subjects = doc.subject_ids();
        let Some(holder) = subjects.iter().find(|s| holders.contains(s)).cloned() else {
            return Some(Candidate::Rejected(format!(
                "{described} is not about a holder key of this wallet"
            )));
        };
        (doc.credential.clone(), holder)
    };
    if !holders.contains(&holder) {
        return Some(Candidate::Rejected(format!(
            "{described} is bound to {holder}, not a holder key of this wallet"
        )));
    }
    let matched = match_claims(query, &claims_value);
    if !matched.satisfied {
        let missing: Vec<String> = matched.missing.iter().map(|p| path_display(p)).collect();
        return Some(Candidate::Rejected(format!(
            "{described} lacks (or has other values for) {}",
            missing.join(", ")
        )));
    }
    let (claims, whole_document) = if doc.format == DocumentFormat::SdJwtVc {
        let mut texts = Vec::with_capacity(matched.paths.len());
        for p in &matched.paths {
            match path_text(p) {
                Ok(t) => texts.push(t),
                Err(e) => return Some(Candidate::Rejected(format!("{described}: {e}"))),
            }
        }
        (texts, false)
    } else {
        (doc.subject_fields(), true)
    };
    Some(Candidate::Chosen(PreparedQuery {
        query_id: query.id.clone(),
        format: query.format.clone(),
        document_id: doc.id.clone(),
        document_description: doc.description.clone(),
        claims,
        whole_document,
        holder,
    }))
}

/// The first document answering `query`, or why none does.
fn choose(
    query: &CredentialQuery,
    docs: &[StoredDocument],
    holders: &[String],
) -> Result<PreparedQuery, String> {
    if query.format != FORMAT_SD_JWT && query.format != FORMAT_LDP_VC {
        return Err(format!(
            "the wallet answers dc+sd-jwt and ldp_vc queries, not {}",
            query.format
        ));
    }
    let mut first_reason = None;
    for doc in docs {
        match consider(query, doc, holders) {
            Some(Candidate::Chosen(p)) => return Ok(p),
            Some(Candidate::Rejected(r)) => {
                first_reason.get_or_insert(r);
            }
            None => {}
        }
    }
    Err(first_reason.unwrap_or_else(|| {
        let wanted = match query.format.as_str() {
            FORMAT_SD_JWT => format!(
                "vct {}",
                query
                    .meta
                    .vct_values
                    .iter()
                    .flatten()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
            _ => format!(
                "type {}",
                query
                    .meta
                    .type_values
                    .iter()
                    .flatten()
                    .map(|s| s.join(" + "))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        };
        format!("no {} document of {wanted}", query.format)
    }))
}

fn host_of(uri: &str) -> String {
    reqwest::Url::parse(uri)
        .ok()
        .and_then(|u| {
            let host = u.host_str()?.to_owned();
            Some(match u.port() {
                Some(p) => format!("{host}:{p}"),
                None => host,
            })
        })
        .unwrap_or_else(|| uri.to_owned())
}

fn client(roots: &[Vec<u8>], https_only: bool, max: usize) -> Result<Https, RespondError> {
    let options = ReceiveOptions {
        root_certificates_pem: roots.to_vec(),
        max_response_bytes: max,
        ..ReceiveOptions::default()
    };
    Https::build(&options, https_only)
        .map_err(|e| RespondError::of_exchange(RespondStage::RequestObject, e))
}

impl Wallet {
    /// Reads an OpenID4VP request link (`openid4vp://?client_id=…&request_uri=…`, or the same
    /// query on an `https://` link), fetches the request object from `request_uri` (GET,
    /// `Accept: application/oauth-authz-req+jwt`, at most 64 KiB), verifies it against the
    /// link's `client_id` and matches every credential query of its DCQL query to a document
    /// of the wallet. Nothing is sent to the verifier and nothing is logged.
    pub async fn prepare_response(
        &self,
        link: &str,
        options: &RespondOptions,
    ) -> Result<PreparedResponse, RespondError> {
        let link = parse_request_link_with(link, options.allow_loopback_http)
            .map_err(RespondError::Link)?;
        if link.request_uri_method == RequestUriMethod::Post {
            return Err(RespondError::Link(
                Oid4vpError::UnsupportedRequestUriMethod {
                    found: "post (civitas fetches request objects with GET)".to_owned(),
                },
            ));
        }
        let https_only = !options.allow_loopback_http;
        let https = client(&options.roots, https_only, MAX_REQUEST_OBJECT_BYTES)?;
        let url = reqwest::Url::parse(&link.request_uri).map_err(|e| RespondError::Fetch {
            stage: RespondStage::RequestObject,
            url: link.request_uri.clone(),
            reason: e.to_string(),
        })?;
        let request = https
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, REQUEST_OBJECT_MEDIA_TYPE);
        let (status, body) = https
            .exchange(ReceiveStage::Offer, &link.request_uri, request)
            .await
            .map_err(|e| RespondError::of_exchange(RespondStage::RequestObject, e))?;
        if !(200..300).contains(&status) {
            return Err(RespondError::Status {
                stage: RespondStage::RequestObject,
                url: link.request_uri.clone(),
                status,
            });
        }
        let jwt = String::from_utf8(body).map_err(|_| RespondError::Fetch {
            stage: RespondStage::RequestObject,
            url: link.request_uri.clone(),
            reason: "the answer is not text".to_owned(),
        })?;

        let policy = RequestPolicy {
            allow_loopback_http: options.allow_loopback_http,
            ..RequestPolicy::default()
        };
        let offline;
        let resolver: &dyn Resolver = match &options.resolver {
            Some(r) => r.as_ref(),
            None => {
                offline = OfflineResolver::new();
                &offline
            }
        };
        let request =
            verify_request_object_with(&jwt, &link.client_id, resolver, Utc::now(), &policy)
                .await
                .map_err(RespondError::RequestRefused)?;

        // Which documents answer which queries.
        let docs = self.documents().map_err(RespondError::wallet(""))?;
        let holders: Vec<String> = self
            .holder_keys()
            .map_err(RespondError::wallet(""))?
            .into_iter()
            .map(|k| k.did)
            .collect();
        let mut answers: BTreeMap<String, Result<PreparedQuery, String>> = BTreeMap::new();
        for query in &request.dcql_query.credentials {
            answers.insert(query.id.clone(), choose(query, &docs, &holders));
        }
        let ordered_ids: Vec<&String> = request
            .dcql_query
            .credentials
            .iter()
            .map(|c| &c.id)
            .collect();
        let mut wanted: Vec<String> = Vec::new();
        match &request.dcql_query.credential_sets {
            None => {
                for id in &ordered_ids {
                    if let Some(Err(reason)) = answers.get(*id) {
                        return Err(RespondError::NoMatchingDocument {
                            query_id: (*id).clone(),
                            reason: reason.clone(),
                        });
                    }
                    wanted.push((*id).clone());
                }
            }
            Some(sets) => {
                for set in sets {
                    let answered = |id: &String| matches!(answers.get(id), Some(Ok(_)));
                    match set.options.iter().find(|o| o.iter().all(answered)) {
                        Some(option) => {
                            for id in option {
                                if !wanted.contains(id) {
                                    wanted.push(id.clone());
                                }
                            }
                        }
                        None if set.required => {
                            let first = set
                                .options
                                .first()
                                .and_then(|o| o.iter().find(|id| !answered(id)).cloned());
                            let query_id = first.unwrap_or_default();
                            let reason = match answers.get(&query_id) {
                                Some(Err(r)) => r.clone(),
                                _ => {
                                    "no option of a required credential set is answered".to_owned()
                                }
                            };
                            return Err(RespondError::NoMatchingDocument { query_id, reason });
                        }
                        None => {}
                    }
                }
            }
        }
        let mut queries = Vec::new();
        let mut unanswered = Vec::new();
        for id in ordered_ids {
            match answers.remove(id) {
                Some(Ok(q)) if wanted.contains(id) => queries.push(q),
                Some(Err(_)) => unanswered.push(id.clone()),
                _ => {}
            }
        }
        let client_name = request
            .client_metadata
            .as_ref()
            .and_then(|m| m.get("client_name"))
            .and_then(Value::as_str)
            .map(|n| {
                n.chars()
                    .filter(|c| !c.is_control())
                    .take(MAX_RECIPIENT_CHARS)
                    .collect()
            });
        Ok(PreparedResponse {
            client_id: request.client_id.clone(),
            client_name,
            response_uri: request.response_uri.clone(),
            response_host: host_of(&request.response_uri),
            request_uri: link.request_uri,
            request,
            queries,
            unanswered,
            https_only,
            roots: options.roots.clone(),
        })
    }

    /// Builds a presentation for every prepared query — an SD-JWT VC with exactly the claims
    /// shown and a key binding JWT (`aud` = client_id, `nonce`) through [`Wallet::disclose`], a
    /// Data Integrity VP (challenge = nonce, domain = client_id) through [`Wallet::present`],
    /// each written to the consent log for `recipient` (default: [`PreparedResponse::recipient`])
    /// — and POSTs `vp_token` and `state` to the verifier's `response_uri`. An answer of 2xx is
    /// acceptance; 400 with `error` is [`RespondError::Refused`].
    pub async fn send_response(
        &self,
        prepared: &PreparedResponse,
        recipient: Option<&str>,
    ) -> Result<Responded, RespondError> {
        let recipient = recipient.map_or_else(|| prepared.recipient(), str::to_owned);
        let request = &prepared.request;
        let https = client(
            &prepared.roots,
            prepared.https_only,
            MAX_VERIFIER_ANSWER_BYTES,
        )?;
        let mut vp_token: BTreeMap<String, Vec<Presentation>> = BTreeMap::new();
        let mut consent = Vec::new();
        for query in &prepared.queries {
            let fail = RespondError::wallet(&query.query_id);
            let presentation = if query.whole_document {
                let shared = self
                    .present(&ShareRequest {
                        documents: vec![query.document_id.clone()],
                        challenge: request.nonce.clone(),
                        domain: request.client_id.clone(),
                        recipient: Some(recipient.clone()),
                        holder: Some(query.holder.clone()),
                    })
                    .await
                    .map_err(&fail)?;
                let object = match serde_json::from_str::<Value>(&shared.payload) {
                    Ok(Value::Object(map)) => map,
                    _ => {
                        return Err(fail(WalletError::Share(
                            "the presentation is not a JSON object".to_owned(),
                        )));
                    }
                };
                consent.push(shared.consent);
                Presentation::Object(object)
            } else {
                let shared = self
                    .disclose(&DisclosureRequest {
                        document: query.document_id.clone(),
                        claims: query.claims.clone(),
                        nonce: request.nonce.clone(),
                        audience: request.client_id.clone(),
                        recipient: Some(recipient.clone()),
                    })
                    .await
                    .map_err(&fail)?;
                consent.push(shared.consent);
                Presentation::Compact(shared.payload)
            };
            vp_token.insert(query.query_id.clone(), vec![presentation]);
        }
        let form = AuthorizationResponse {
            vp_token,
            state: request.state.clone(),
        }
        .to_form();
        let (status, body) = post(&https, &request.response_uri, form).await?;
        answer(&request.response_uri, status, body, consent)
    }

    /// Tells the verifier the holder declined: POSTs `error=access_denied&state=…` to its
    /// `response_uri`. Nothing is shared or logged.
    pub async fn decline(&self, prepared: &PreparedResponse) -> Result<Responded, RespondError> {
        let https = client(
            &prepared.roots,
            prepared.https_only,
            MAX_VERIFIER_ANSWER_BYTES,
        )?;
        let form = ErrorResponse {
            error: "access_denied".to_owned(),
            error_description: Some("the holder declined to share".to_owned()),
            state: Some(prepared.request.state.clone()),
        }
        .to_form();
        let (status, body) = post(&https, &prepared.request.response_uri, form).await?;
        answer(&prepared.request.response_uri, status, body, Vec::new())
    }
}

async fn post(https: &Https, url: &str, form: String) -> Result<(u16, Vec<u8>), RespondError> {
    let parsed = reqwest::Url::parse(url).map_err(|e| RespondError::Fetch {
        stage: RespondStage::Response,
        url: url.to_owned(),
        reason: e.to_string(),
    })?;
    let request = https
        .client
        .post(parsed)
        .header(reqwest::header::ACCEPT, JSON)
        .header(reqwest::header::CONTENT_TYPE, FORM)
        .body(form);
    https
        .exchange(ReceiveStage::Offer, url, request)
        .await
        .map_err(|e| RespondError::of_exchange(RespondStage::Response, e))
}

fn answer(
    url: &str,
    status: u16,
    body: Vec<u8>,
    consent: Vec<ConsentEntry>,
) -> Result<Responded, RespondError> {
    if (200..300).contains(&status) {
        let redirect_uri = serde_json::from_slice::<Value>(&body).ok().and_then(|v| {
            v.get("redirect_uri")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
        return Ok(Responded {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
            redirect_uri,
            consent,
        });
    }
    match civitas_oid4vci::client::parse_oauth_error(&body, MAX_VERIFIER_ANSWER_BYTES) {
        Some(e) => Err(RespondError::Refused {
            status,
            error: e.error,
            description: e.error_description,
        }),
        None => Err(RespondError::Status {
            stage: RespondStage::Response,
            url: url.to_owned(),
            status,
        }),
    }
}
