//! The wallet side of the pre-authorized code flow, without the network: the URLs of the
//! well-known metadata, the token request form, the `jwt` key proof, the credential request
//! body, and the parsing of everything an issuer answers (metadata, offer by reference, token,
//! nonce, credential and OAuth error bodies).
//!
//! Every answer is read with a size limit ([`MAX_RESPONSE_BYTES`] unless the caller gives less)
//! by the strict JSON reader (a repeated member name is refused), and every refusal is a
//! [`ClientError`] naming what was being read.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use civitas_keys::signer::Signer;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::metadata::{AuthorizationServerMetadata, CredentialIssuerMetadata};
use crate::nonce::NonceResponse;
use crate::offer::{CredentialOffer, PRE_AUTHORIZED_GRANT, percent_encode};
use crate::proof::PROOF_TYP;
use crate::request::RequestShape;

/// The largest answer of an issuer the wallet reads (bytes): 1 MiB.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// The most credentials one credential response may carry.
pub const MAX_RESPONSE_CREDENTIALS: usize = 10;
/// The path segment of Credential Issuer Metadata (OpenID4VCI 1.0 §12.2.2).
pub const ISSUER_METADATA_WELL_KNOWN: &str = "/.well-known/openid-credential-issuer";
/// The path segment of OAuth Authorization Server Metadata (RFC 8414 §3).
pub const AS_METADATA_WELL_KNOWN: &str = "/.well-known/oauth-authorization-server";

/// Which answer of the issuer was being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// A credential offer fetched by reference.
    Offer,
    /// Credential Issuer Metadata.
    IssuerMetadata,
    /// Authorization Server Metadata.
    AuthorizationServerMetadata,
    /// The token response.
    Token,
    /// The nonce response.
    Nonce,
    /// The credential response.
    Credential,
    /// An OAuth error body.
    Error,
}

impl Answer {
    /// The answer in words.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Offer => "credential offer",
            Self::IssuerMetadata => "credential issuer metadata",
            Self::AuthorizationServerMetadata => "authorization server metadata",
            Self::Token => "token response",
            Self::Nonce => "nonce response",
            Self::Credential => "credential response",
            Self::Error => "error response",
        }
    }
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the wallet side could not build a request or read an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The answer is larger than the limit.
    #[error("the {what} is {size} bytes, more than the {max} allowed")]
    TooLarge {
        /// What was read.
        what: Answer,
        /// Its size (or the size read so far).
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The answer is not JSON (the strict reader's words: a repeated member name is refused).
    #[error("the {what} is not valid JSON: {reason}")]
    Json {
        /// What was read.
        what: Answer,
        /// The reader's error.
        reason: String,
    },
    /// The answer is JSON but not what it must be.
    #[error("the {what} is malformed: {reason}")]
    Malformed {
        /// What was read.
        what: Answer,
        /// What is wrong.
        reason: String,
    },
    /// A URL (an identifier or an endpoint) is not an https URL the wallet may use.
    #[error("`{field}` is not an https URL the wallet may use: {url:?}")]
    NotHttps {
        /// Which field.
        field: &'static str,
        /// The URL given.
        url: String,
    },
    /// The signer's verification method is not a `did:key` URL (a key proof names its key by
    /// `kid`, which the issuer resolves without the network).
    #[error("the holder key `{0}` is not a did:key verification method (did:key:…#…)")]
    NotDidKey(String),
    /// The signer failed.
    #[error("signing the key proof failed: {0}")]
    Sign(String),
}

fn malformed(what: Answer, reason: impl Into<String>) -> ClientError {
    ClientError::Malformed {
        what,
        reason: reason.into(),
    }
}

/// Reads `body` as one JSON object: size first (`max`, at most [`MAX_RESPONSE_BYTES`]), then the
/// strict reader.
pub fn read_object(
    body: &[u8],
    what: Answer,
    max: usize,
) -> Result<Map<String, Value>, ClientError> {
    let max = max.min(MAX_RESPONSE_BYTES);
    if body.len() > max {
        return Err(ClientError::TooLarge {
            what,
            size: body.len(),
            max,
        });
    }
    match civitas_jsonld::json::parse_with_limit(body, max) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(malformed(what, "not a JSON object")),
        Err(e) => Err(ClientError::Json {
            what,
            reason: e.to_string(),
        }),
    }
}

fn typed<T: DeserializeOwned>(map: Map<String, Value>, what: Answer) -> Result<T, ClientError> {
    serde_json::from_value(Value::Object(map)).map_err(|e| malformed(what, e.to_string()))
}

/// Whether `url` is an https URL the wallet may call: `https://` with a host, no user
/// credentials, no fragment, no whitespace or control characters.
pub fn is_https_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    !authority.is_empty()
        && !authority.contains('@')
        && !url.contains('#')
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn require_https(field: &'static str, url: &str) -> Result<(), ClientError> {
    if is_https_url(url) {
        Ok(())
    } else {
        Err(ClientError::NotHttps {
            field,
            url: url.to_owned(),
        })
    }
}

/// Inserts a well-known segment between the host and the path of an identifier
/// (`https://host/path` → `https://host/.well-known/x/path`), as OpenID4VCI 1.0 §12.2.2 and
/// RFC 8414 §3.1 say. The identifier must be an https URL without query or fragment.
fn well_known(field: &'static str, identifier: &str, segment: &str) -> Result<String, ClientError> {
    require_https(field, identifier)?;
    if identifier.contains('?') {
        return Err(ClientError::NotHttps {
            field,
            url: identifier.to_owned(),
        });
    }
    let rest = &identifier["https://".len()..];
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
        None => (rest, ""),
    };
    Ok(format!("https://{host}{segment}{path}"))
}

/// The URL of the Credential Issuer Metadata of `credential_issuer`.
pub fn issuer_metadata_url(credential_issuer: &str) -> Result<String, ClientError> {
    well_known(
        "credential_issuer",
        credential_issuer,
        ISSUER_METADATA_WELL_KNOWN,
    )
}

/// The URL of the Authorization Server Metadata of the authorization server `issuer`.
pub fn authorization_server_metadata_url(issuer: &str) -> Result<String, ClientError> {
    well_known("authorization_servers", issuer, AS_METADATA_WELL_KNOWN)
}

/// Two identifiers are the same once a trailing `/` is ignored.
pub fn same_identifier(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

/// Parses a credential offer fetched by reference (`credential_offer_uri`), with the checks of
/// an offer by value: at least one configuration, an https `credential_issuer`.
pub fn parse_offer(body: &[u8], max: usize) -> Result<CredentialOffer, ClientError> {
    let offer: CredentialOffer = typed(read_object(body, Answer::Offer, max)?, Answer::Offer)?;
    if offer.credential_configuration_ids.is_empty() {
        return Err(malformed(
            Answer::Offer,
            "it names no credential configuration",
        ));
    }
    require_https("credential_issuer", &offer.credential_issuer)?;
    Ok(offer)
}

/// Parses Credential Issuer Metadata: its `credential_issuer` must be `expected_issuer` (the
/// offer's, OpenID4VCI 1.0 §12.2.3), and its endpoints https URLs.
pub fn parse_issuer_metadata(
    body: &[u8],
    expected_issuer: &str,
    max: usize,
) -> Result<CredentialIssuerMetadata, ClientError> {
    let what = Answer::IssuerMetadata;
    let metadata: CredentialIssuerMetadata = typed(read_object(body, what, max)?, what)?;
    if !same_identifier(&metadata.credential_issuer, expected_issuer) {
        return Err(malformed(
            what,
            format!(
                "`credential_issuer` is {:?}, not the offer's {expected_issuer:?}",
                metadata.credential_issuer
            ),
        ));
    }
    require_https("credential_endpoint", &metadata.credential_endpoint)?;
    if let Some(nonce) = &metadata.nonce_endpoint {
        require_https("nonce_endpoint", nonce)?;
    }
    for server in &metadata.authorization_servers {
        require_https("authorization_servers", server)?;
    }
    if metadata.credential_configurations_supported.is_empty() {
        return Err(malformed(what, "no `credential_configurations_supported`"));
    }
    Ok(metadata)
}

/// Parses Authorization Server Metadata: its `issuer` must be `expected_issuer` (RFC 8414 §3.3)
/// and its `token_endpoint` an https URL.
pub fn parse_authorization_server_metadata(
    body: &[u8],
    expected_issuer: &str,
    max: usize,
) -> Result<AuthorizationServerMetadata, ClientError> {
    let what = Answer::AuthorizationServerMetadata;
    let metadata: AuthorizationServerMetadata = typed(read_object(body, what, max)?, what)?;
    if !same_identifier(&metadata.issuer, expected_issuer) {
        return Err(malformed(
            what,
            format!("`issuer` is {:?}, not {expected_issuer:?}", metadata.issuer),
        ));
    }
    require_https("token_endpoint", &metadata.token_endpoint)?;
    if !metadata.grant_types_supported.is_empty()
        && !metadata
            .grant_types_supported
            .iter()
            .any(|g| g == PRE_AUTHORIZED_GRANT)
    {
        return Err(malformed(
            what,
            "the pre-authorized code grant is not in `grant_types_supported`",
        ));
    }
    Ok(metadata)
}

/// The token request body (`application/x-www-form-urlencoded`) of the pre-authorized code
/// grant, with the transaction code when there is one.
pub fn token_request_form(pre_authorized_code: &str, tx_code: Option<&str>) -> String {
    let mut form = format!(
        "grant_type={}&pre-authorized_code={}",
        percent_encode(PRE_AUTHORIZED_GRANT),
        percent_encode(pre_authorized_code)
    );
    if let Some(tx) = tx_code {
        form.push_str("&tx_code=");
        form.push_str(&percent_encode(tx));
    }
    form
}

/// A successful token response, as the wallet reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenGrant {
    /// The access token (sent as `Bearer`).
    pub access_token: String,
    /// Seconds until it expires, if said.
    pub expires_in: Option<i64>,
    /// A nonce for the key proof, if the authorization server gave one.
    pub c_nonce: Option<String>,
}

fn optional_string(
    map: &Map<String, Value>,
    name: &str,
    what: Answer,
) -> Result<Option<String>, ClientError> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
        Some(_) => Err(malformed(
            what,
            format!("`{name}` is not a non-empty string"),
        )),
    }
}

/// Parses a token response: a non-empty `access_token` of `token_type` `Bearer` (DPoP is not
/// supported), an optional numeric `expires_in` and an optional `c_nonce`.
pub fn parse_token_response(body: &[u8], max: usize) -> Result<TokenGrant, ClientError> {
    let what = Answer::Token;
    let map = read_object(body, what, max)?;
    let access_token = optional_string(&map, "access_token", what)?
        .ok_or_else(|| malformed(what, "no `access_token`"))?;
    match map.get("token_type").and_then(Value::as_str) {
        Some(t) if t.eq_ignore_ascii_case("bearer") => {}
        Some(t) => {
            return Err(malformed(
                what,
                format!("`token_type` {t:?} is not supported (Bearer only)"),
            ));
        }
        None => return Err(malformed(what, "no `token_type`")),
    }
    let expires_in = match map.get("expires_in") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_i64()
                .ok_or_else(|| malformed(what, "`expires_in` is not an integer"))?,
        ),
    };
    Ok(TokenGrant {
        access_token,
        expires_in,
        c_nonce: optional_string(&map, "c_nonce", what)?,
    })
}

/// Parses a Nonce Endpoint response: `{"c_nonce": "…"}`.
pub fn parse_nonce_response(body: &[u8], max: usize) -> Result<NonceResponse, ClientError> {
    let what = Answer::Nonce;
    let map = read_object(body, what, max)?;
    let c_nonce =
        optional_string(&map, "c_nonce", what)?.ok_or_else(|| malformed(what, "no `c_nonce`"))?;
    Ok(NonceResponse { c_nonce })
}

/// An OAuth 2.0 / OpenID4VCI error body (`{"error": …, "error_description": …}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    /// The error code (`invalid_grant`, `invalid_proof`, …).
    pub error: String,
    /// The issuer's description, if any.
    pub error_description: Option<String>,
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.error)?;
        if let Some(d) = &self.error_description {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

/// The longest error code or description kept from an error body (characters).
const MAX_ERROR_TEXT: usize = 1000;

fn printable(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .take(MAX_ERROR_TEXT)
        .collect()
}

/// Parses an OAuth error body; `None` if it is not one (not JSON, no string `error`). The code
/// and description are cut to 1000 characters, control characters dropped.
pub fn parse_oauth_error(body: &[u8], max: usize) -> Option<OAuthError> {
    let map = read_object(body, Answer::Error, max).ok()?;
    let error = map.get("error")?.as_str()?;
    if error.is_empty() {
        return None;
    }
    Some(OAuthError {
        error: printable(error),
        error_description: map
            .get("error_description")
            .and_then(Value::as_str)
            .map(printable),
    })
}

/// The claims of a `jwt` key proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofClaims<'a> {
    /// `aud`: the Credential Issuer Identifier.
    pub audience: &'a str,
    /// `nonce`: the issuer's `c_nonce`, if it gave one.
    pub nonce: Option<&'a str>,
    /// `iat`.
    pub issued_at: DateTime<Utc>,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Builds a `jwt` key proof (OpenID4VCI 1.0 Appendix F.1): header `typ`
/// `openid4vci-proof+jwt`, `alg` (EdDSA or ES256, from the signer's key) and `kid` (the
/// signer's `did:key` verification method); claims `aud`, `iat` and `nonce`.
pub async fn build_key_proof(
    signer: &dyn Signer,
    claims: &ProofClaims<'_>,
) -> Result<String, ClientError> {
    let kid = signer.verification_method();
    if !kid.starts_with("did:key:") || !kid.contains('#') {
        return Err(ClientError::NotDidKey(kid.to_owned()));
    }
    let header = json!({"typ": PROOF_TYP, "alg": signer.algorithm().jose_alg(), "kid": kid});
    let mut payload = json!({"aud": claims.audience, "iat": claims.issued_at.timestamp()});
    if let (Some(nonce), Some(map)) = (claims.nonce, payload.as_object_mut()) {
        map.insert("nonce".into(), Value::String(nonce.to_owned()));
    }
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(payload.to_string().as_bytes())
    );
    let signature = signer
        .sign(input.as_bytes())
        .await
        .map_err(|e| ClientError::Sign(e.to_string()))?;
    Ok(format!("{input}.{}", b64(&signature)))
}

/// The credential request body (OpenID4VCI 1.0 §8.2): `credential_configuration_id` and
/// `proofs.jwt`.
pub fn credential_request_body(configuration_id: &str, jwt_proofs: &[String]) -> String {
    json!({"credential_configuration_id": configuration_id, "proofs": {"jwt": jwt_proofs}})
        .to_string()
}

/// A credential response as the wallet reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialAnswer {
    /// The credentials: a JSON object (`ldp_vc`) or a string (`jwt_vc_json`), at least one.
    pub credentials: Vec<Value>,
    /// The shape the issuer answered in.
    pub shape: RequestShape,
    /// The fresh nonce of a draft-13 answer.
    pub c_nonce: Option<String>,
    /// The `notification_id`, if any.
    pub notification_id: Option<String>,
}

fn credential_value(v: &Value, what: Answer) -> Result<Value, ClientError> {
    match v {
        Value::Object(o) if !o.is_empty() => Ok(v.clone()),
        Value::String(s) if !s.is_empty() => Ok(v.clone()),
        _ => Err(malformed(
            what,
            "a `credential` is neither a JSON object nor a non-empty string",
        )),
    }
}

/// Parses a credential response: OpenID4VCI 1.0 (`{"credentials": [{"credential": …}]}`) or
/// draft 13 (`{"credential": …, "c_nonce": …}`). A deferred answer (`transaction_id` without
/// credentials) and an answer with both shapes are refused.
pub fn parse_credential_response(body: &[u8], max: usize) -> Result<CredentialAnswer, ClientError> {
    let what = Answer::Credential;
    let map = read_object(body, what, max)?;
    let notification_id = optional_string(&map, "notification_id", what)?;
    let (credentials, shape) = match (map.get("credentials"), map.get("credential")) {
        (Some(_), Some(_)) => {
            return Err(malformed(
                what,
                "it has both `credentials` and `credential`",
            ));
        }
        (None, None) => {
            let reason = if map.contains_key("transaction_id") {
                "deferred issuance (`transaction_id`) is not supported"
            } else {
                "it has no `credentials`"
            };
            return Err(malformed(what, reason));
        }
        (Some(list), None) => {
            let list = list
                .as_array()
                .ok_or_else(|| malformed(what, "`credentials` is not an array"))?;
            if list.is_empty() {
                return Err(malformed(what, "`credentials` is empty"));
            }
            if list.len() > MAX_RESPONSE_CREDENTIALS {
                return Err(malformed(
                    what,
                    format!("more than {MAX_RESPONSE_CREDENTIALS} credentials"),
                ));
            }
            let credentials = list
                .iter()
                .map(|item| {
                    item.as_object()
                        .and_then(|o| o.get("credential"))
                        .ok_or_else(|| {
                            malformed(what, "an item of `credentials` has no `credential`")
                        })
                        .and_then(|c| credential_value(c, what))
                })
                .collect::<Result<Vec<_>, _>>()?;
            (credentials, RequestShape::V1)
        }
        (None, Some(one)) => (vec![credential_value(one, what)?], RequestShape::Draft13),
    };
    let c_nonce = match shape {
        RequestShape::Draft13 => optional_string(&map, "c_nonce", what)?,
        RequestShape::V1 => None,
    };
    Ok(CredentialAnswer {
        credentials,
        shape,
        c_nonce,
        notification_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::{
        DocumentType, authorization_server_metadata, configuration_id, issuer_metadata,
    };
    use crate::nonce::{MemoryNonceStore, Nonces};
    use crate::proof::{ProofPolicy, validate_jwt_proof};
    use crate::request::{CredentialResponse, parse_credential_request};
    use civitas_keys::keys::{KeyAlgorithm, KeyPair};
    use civitas_keys::signer::LocalSigner;

    const ISSUER: &str = "https://issuer.example/registry";

    fn run<F: std::future::Future>(f: F) -> F::Output {
        // A minimal executor: LocalSigner signs without awaiting anything.
        use std::task::{Context, Poll, Waker};
        let mut f = std::pin::pin!(f);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
        }
    }

    #[test]
    fn a_built_proof_passes_the_issuer_check() {
        let nonces = Nonces::new(MemoryNonceStore::new());
        let policy = ProofPolicy::new(ISSUER);
        let now = Utc::now();
        for alg in [KeyAlgorithm::Ed25519, KeyAlgorithm::P256] {
            let signer = LocalSigner::did_key(KeyPair::generate(alg));
            let nonce = nonces.issue(now).unwrap().c_nonce;
            let claims = ProofClaims {
                audience: ISSUER,
                nonce: Some(&nonce),
                issued_at: now,
            };
            let jwt = run(build_key_proof(&signer, &claims)).unwrap();
            let holder = validate_jwt_proof(&jwt, &policy, &nonces, now).unwrap();
            assert_eq!(holder.did, signer.controller());
            assert_eq!(holder.verification_method, signer.verification_method());
            // Another audience, or no nonce, is refused by the issuer.
            let nonce = nonces.issue(now).unwrap().c_nonce;
            let other = ProofClaims {
                audience: "https://other.example",
                nonce: Some(&nonce),
                issued_at: now,
            };
            let jwt = run(build_key_proof(&signer, &other)).unwrap();
            assert_eq!(
                validate_jwt_proof(&jwt, &policy, &nonces, now)
                    .unwrap_err()
                    .code(),
                "invalid_proof"
            );
            let none = ProofClaims {
                audience: ISSUER,
                nonce: None,
                issued_at: now,
            };
            let jwt = run(build_key_proof(&signer, &none)).unwrap();
            assert_eq!(
                validate_jwt_proof(&jwt, &policy, &nonces, now)
                    .unwrap_err()
                    .code(),
                "invalid_nonce"
            );
        }
    }

    #[test]
    fn a_proof_needs_a_did_key() {
        let signer = LocalSigner::new(
            KeyPair::generate(KeyAlgorithm::Ed25519),
            "did:web:issuer.example#key-1",
        );
        let claims = ProofClaims {
            audience: ISSUER,
            nonce: None,
            issued_at: Utc::now(),
        };
        assert!(matches!(
            run(build_key_proof(&signer, &claims)),
            Err(ClientError::NotDidKey(_))
        ));
    }

    #[test]
    fn requests_are_what_the_issuer_parses() {
        let form = token_request_form("a b&c", Some("012345"));
        let parsed = crate::codes::TokenRequest::from_form(&form).unwrap();
        assert_eq!(parsed.pre_authorized_code, "a b&c");
        assert_eq!(parsed.tx_code.as_deref(), Some("012345"));
        let parsed = crate::codes::TokenRequest::from_form(&token_request_form("x", None)).unwrap();
        assert_eq!(parsed.tx_code, None);

        let meta = issuer_metadata(
            ISSUER,
            &[DocumentType::new("BirthCertificate", "Birth", "Naissance")],
            &[],
        );
        let id = configuration_id("BirthCertificate", "ldp_vc");
        let body = credential_request_body(&id, &["a.b.c".to_owned()]);
        let request = parse_credential_request(body.as_bytes(), &meta).unwrap();
        assert_eq!(request.credential_configuration_id, id);
        assert_eq!(request.shape, RequestShape::V1);
        assert_eq!(request.jwt_proofs, ["a.b.c"]);
    }

    #[test]
    fn well_known_urls() {
        assert_eq!(
            issuer_metadata_url("https://issuer.example").unwrap(),
            "https://issuer.example/.well-known/openid-credential-issuer"
        );
        assert_eq!(
            issuer_metadata_url("https://issuer.example:8443/tenant/a/").unwrap(),
            "https://issuer.example:8443/.well-known/openid-credential-issuer/tenant/a"
        );
        assert_eq!(
            authorization_server_metadata_url("https://127.0.0.1:9/").unwrap(),
            "https://127.0.0.1:9/.well-known/oauth-authorization-server"
        );
        for bad in [
            "http://issuer.example",
            "https://",
            "https://u:p@issuer.example",
            "https://issuer.example/?q",
            "https://issuer.example/#f",
            "https://issuer .example",
        ] {
            assert!(issuer_metadata_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn metadata_is_checked() {
        let meta = issuer_metadata(
            ISSUER,
            &[DocumentType::new("BirthCertificate", "Birth", "Naissance")],
            &[],
        );
        let body = serde_json::to_vec(&meta).unwrap();
        assert_eq!(
            parse_issuer_metadata(&body, ISSUER, MAX_RESPONSE_BYTES).unwrap(),
            meta
        );
        assert!(matches!(
            parse_issuer_metadata(&body, "https://evil.example", MAX_RESPONSE_BYTES),
            Err(ClientError::Malformed { .. })
        ));
        let mut http = meta.clone();
        http.credential_endpoint = "http://issuer.example/credential".into();
        assert!(matches!(
            parse_issuer_metadata(
                &serde_json::to_vec(&http).unwrap(),
                ISSUER,
                MAX_RESPONSE_BYTES
            ),
            Err(ClientError::NotHttps {
                field: "credential_endpoint",
                ..
            })
        ));
        let as_meta = serde_json::to_vec(&authorization_server_metadata(ISSUER)).unwrap();
        let parsed =
            parse_authorization_server_metadata(&as_meta, ISSUER, MAX_RESPONSE_BYTES).unwrap();
        assert_eq!(parsed.token_endpoint, format!("{ISSUER}/oid4vci/token"));
        assert!(
            parse_authorization_server_metadata(&as_meta, "https://x.example", MAX_RESPONSE_BYTES)
                .is_err()
        );
        // Duplicate member names are refused, not overwritten.
        let dup = br#"{"issuer":"https://issuer.example/registry","issuer":"https://x","token_endpoint":"https://x/t"}"#;
        assert!(matches!(
            parse_authorization_server_metadata(dup, ISSUER, MAX_RESPONSE_BYTES),
            Err(ClientError::Json { .. })
        ));
    }

    #[test]
    fn token_and_nonce_responses() {
        let t = parse_token_response(
            br#"{"access_token":"tok","token_type":"Bearer","expires_in":300,"c_nonce":"n1"}"#,
            MAX_RESPONSE_BYTES,
        )
        .unwrap();
        assert_eq!(t.access_token, "tok");
        assert_eq!(t.expires_in, Some(300));
        assert_eq!(t.c_nonce.as_deref(), Some("n1"));
        for bad in [
            &br#"{"token_type":"Bearer"}"#[..],
            br#"{"access_token":"","token_type":"Bearer"}"#,
            br#"{"access_token":"t","token_type":"DPoP"}"#,
            br#"{"access_token":"t"}"#,
            br#"{"access_token":"t","token_type":"Bearer","expires_in":"soon"}"#,
            br#"{"access_token":"t","access_token":"u","token_type":"Bearer"}"#,
            br#"[]"#,
            b"",
        ] {
            assert!(parse_token_response(bad, MAX_RESPONSE_BYTES).is_err());
        }
        assert_eq!(
            parse_nonce_response(br#"{"c_nonce":"abc"}"#, MAX_RESPONSE_BYTES)
                .unwrap()
                .c_nonce,
            "abc"
        );
        assert!(parse_nonce_response(br#"{"c_nonce":1}"#, MAX_RESPONSE_BYTES).is_err());
        assert!(parse_nonce_response(br#"{}"#, MAX_RESPONSE_BYTES).is_err());
    }

    #[test]
    fn size_limits() {
        let big = format!(r#"{{"c_nonce":"{}"}}"#, "a".repeat(100));
        assert!(matches!(
            parse_nonce_response(big.as_bytes(), 50),
            Err(ClientError::TooLarge { max: 50, .. })
        ));
        let huge = vec![b' '; MAX_RESPONSE_BYTES + 1];
        assert!(matches!(
            parse_credential_response(&huge, usize::MAX),
            Err(ClientError::TooLarge { .. })
        ));
    }

    #[test]
    fn credential_responses_of_both_shapes() {
        let v1 = CredentialResponse::new(
            RequestShape::V1,
            vec![json!({"type": ["VerifiableCredential"]})],
            "n".into(),
            300,
        )
        .unwrap()
        .to_json()
        .to_string();
        let a = parse_credential_response(v1.as_bytes(), MAX_RESPONSE_BYTES).unwrap();
        assert_eq!(a.shape, RequestShape::V1);
        assert_eq!(a.credentials, [json!({"type": ["VerifiableCredential"]})]);
        let d13 =
            CredentialResponse::new(RequestShape::Draft13, vec![json!("a.b.c")], "n".into(), 300)
                .unwrap()
                .to_json()
                .to_string();
        let a = parse_credential_response(d13.as_bytes(), MAX_RESPONSE_BYTES).unwrap();
        assert_eq!(a.shape, RequestShape::Draft13);
        assert_eq!(a.credentials, [json!("a.b.c")]);
        assert_eq!(a.c_nonce.as_deref(), Some("n"));
        for bad in [
            json!({}),
            json!({"transaction_id": "t"}),
            json!({"credentials": []}),
            json!({"credentials": {}}),
            json!({"credentials": [{"x": 1}]}),
            json!({"credentials": [{"credential": 5}]}),
            json!({"credentials": [{"credential": ""}]}),
            json!({"credentials": [{"credential": "a"}], "credential": "a"}),
            json!({"credential": null}),
        ] {
            assert!(
                parse_credential_response(bad.to_string().as_bytes(), MAX_RESPONSE_BYTES).is_err(),
                "{bad}"
            );
        }
        let many =
            json!({"credentials": vec![json!({"credential": "a"}); MAX_RESPONSE_CREDENTIALS + 1]});
        assert!(
            parse_credential_response(many.to_string().as_bytes(), MAX_RESPONSE_BYTES).is_err()
        );
    }

    #[test]
    fn oauth_errors() {
        let e = parse_oauth_error(
            br#"{"error":"invalid_grant","error_description":"wrong tx_code\n"}"#,
            MAX_RESPONSE_BYTES,
        )
        .unwrap();
        assert_eq!(e.error, "invalid_grant");
        assert_eq!(e.error_description.as_deref(), Some("wrong tx_code"));
        assert_eq!(e.to_string(), "invalid_grant: wrong tx_code");
        assert_eq!(
            parse_oauth_error(br#"{"error":"invalid_token"}"#, MAX_RESPONSE_BYTES)
                .unwrap()
                .to_string(),
            "invalid_token"
        );
        assert!(parse_oauth_error(b"<html>", MAX_RESPONSE_BYTES).is_none());
        assert!(parse_oauth_error(br#"{"error":5}"#, MAX_RESPONSE_BYTES).is_none());
        assert!(parse_oauth_error(br#"{"error":""}"#, MAX_RESPONSE_BYTES).is_none());
    }

    #[test]
    fn offers_by_reference() {
        let offer = CredentialOffer::pre_authorized(ISSUER, vec!["X_ldp_vc".into()], "c", Some(6));
        let body = serde_json::to_vec(&offer).unwrap();
        assert_eq!(parse_offer(&body, MAX_RESPONSE_BYTES).unwrap(), offer);
        let mut none = offer.clone();
        none.credential_configuration_ids.clear();
        assert!(parse_offer(&serde_json::to_vec(&none).unwrap(), MAX_RESPONSE_BYTES).is_err());
        let mut http = offer;
        http.credential_issuer = "http://issuer.example".into();
        assert!(parse_offer(&serde_json::to_vec(&http).unwrap(), MAX_RESPONSE_BYTES).is_err());
    }
}
