//! The wallet's checks of a request object, cheapest and structural first, the signature
//! before any claim is trusted.

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use civitas_keys::resolver::{Resolver, controller_of};
use serde_json::{Map, Value};

use super::{
    AuthorizationRequest, DID_PREFIX, DIRECT_POST, REQUEST_OBJECT_TYP, RESPONSE_TYPE_VP_TOKEN,
    SELF_ISSUED_AUD,
};
use crate::dcql::DcqlQuery;
use crate::error::{Input, Oid4vpError, clip};
use crate::limits::{MAX_REQUEST_OBJECT_BYTES, MIN_NONCE_CHARS};
use crate::uri::check_https;

/// The client identifier prefixes of OpenID4VP 1.0 §5.9.3 (besides `decentralized_identifier`).
const OTHER_PREFIXES: [&str; 6] = [
    "redirect_uri",
    "openid_federation",
    "verifier_attestation",
    "x509_san_dns",
    "x509_hash",
    "origin",
];

/// What a request object must satisfy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestPolicy {
    /// The allowed `alg` values (default EdDSA, ES256; `none` and `HS*` are always refused).
    pub allowed_algs: Vec<String>,
    /// The allowed response modes (default `direct_post`).
    pub allowed_response_modes: Vec<String>,
    /// Whether `response_uri` may be `http://` to 127.0.0.1, `[::1]` or localhost (tests).
    pub allow_loopback_http: bool,
    /// How far in the future `iat` may be (default 60 s).
    pub max_clock_skew: Duration,
}

impl Default for RequestPolicy {
    fn default() -> Self {
        Self {
            allowed_algs: vec!["EdDSA".into(), "ES256".into()],
            allowed_response_modes: vec![DIRECT_POST.into()],
            allow_loopback_http: false,
            max_clock_skew: Duration::seconds(60),
        }
    }
}

/// Verifies a request object with the default [`RequestPolicy`]; `expected_client_id` is the
/// `client_id` of the link (QR) that gave its `request_uri`.
pub async fn verify_request_object(
    jwt: &str,
    expected_client_id: &str,
    resolver: &dyn Resolver,
    now: DateTime<Utc>,
) -> Result<AuthorizationRequest, Oid4vpError> {
    verify_request_object_with(
        jwt,
        expected_client_id,
        resolver,
        now,
        &RequestPolicy::default(),
    )
    .await
}

fn malformed(reason: impl Into<String>) -> Oid4vpError {
    Oid4vpError::MalformedRequestObject(reason.into())
}

/// The protected header, read before anything else so that `typ` and `alg` are refused with
/// their own reasons.
fn header(jwt: &str) -> Result<Map<String, Value>, Oid4vpError> {
    let part = jwt.split('.').next().unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| malformed("the header is not base64url"))?;
    match civitas_core::credential::parse_json(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(malformed("the header is not a JSON object")),
        Err(e) => Err(malformed(format!("the header is not JSON: {e}"))),
    }
}

/// The DID of a `decentralized_identifier:` client id; every other prefix is refused.
fn client_did(client_id: &str) -> Result<&str, Oid4vpError> {
    if let Some(did) = client_id.strip_prefix(DID_PREFIX) {
        let mut parts = did.splitn(3, ':');
        let ok = parts.next() == Some("did")
            && parts.next().is_some_and(|m| {
                !m.is_empty()
                    && m.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
            && parts.next().is_some_and(|rest| !rest.is_empty())
            && !did.contains(['#', '?', '/'])
            && !did.chars().any(char::is_whitespace);
        return if ok {
            Ok(did)
        } else {
            Err(Oid4vpError::InvalidDid {
                client_id: clip(client_id, 256),
            })
        };
    }
    let prefix = client_id.split_once(':').map(|(p, _)| p);
    match prefix {
        Some("redirect_uri") => Err(Oid4vpError::SignedRedirectUriRequest),
        Some(p) if OTHER_PREFIXES.contains(&p) => Err(Oid4vpError::UnsupportedClientIdPrefix {
            prefix: p.to_owned(),
        }),
        _ => Err(Oid4vpError::UnsupportedClientIdPrefix {
            prefix: "pre-registered".to_owned(),
        }),
    }
}

fn string_claim(payload: &Map<String, Value>, name: &'static str) -> Result<String, Oid4vpError> {
    match payload.get(name) {
        None | Some(Value::Null) => Err(Oid4vpError::MissingParameter { name }),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(Oid4vpError::InvalidParameter {
            name,
            reason: "not a string".into(),
        }),
    }
}

fn time_claim(
    payload: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<i64>, Oid4vpError> {
    match payload.get(name) {
        None => Ok(None),
        Some(v) => v.as_i64().map(Some).ok_or(Oid4vpError::InvalidParameter {
            name,
            reason: "not an integer number of seconds".into(),
        }),
    }
}

/// Verifies a request object: size, `typ`, `alg`, `crit`, the `client_id` against the link's,
/// its prefix (`decentralized_identifier:` only), the `kid` against the client's DID, the
/// signature, `exp`/`iat`, `aud`, `response_type`, `response_mode`, `response_uri`, `nonce`,
/// `state` and the DCQL query, in that order; the first failure is returned.
pub async fn verify_request_object_with(
    jwt: &str,
    expected_client_id: &str,
    resolver: &dyn Resolver,
    now: DateTime<Utc>,
    policy: &RequestPolicy,
) -> Result<AuthorizationRequest, Oid4vpError> {
    let jwt = jwt.trim();
    if jwt.len() > MAX_REQUEST_OBJECT_BYTES {
        return Err(Oid4vpError::TooLarge {
            what: Input::RequestObject,
            size: jwt.len(),
            max: MAX_REQUEST_OBJECT_BYTES,
        });
    }
    let parts = jwt.split('.').count();
    if parts != 3 {
        return Err(malformed(format!(
            "a compact JWS has 3 parts, this has {parts}"
        )));
    }
    let header = header(jwt)?;
    let typ = header.get("typ").and_then(Value::as_str);
    // RFC 7515 §4.1.9: the `application/` prefix may be omitted, and is equivalent.
    let typ_ok = typ.is_some_and(|t| {
        t.eq_ignore_ascii_case(REQUEST_OBJECT_TYP)
            || t.eq_ignore_ascii_case("application/oauth-authz-req+jwt")
    });
    if !typ_ok {
        return Err(Oid4vpError::WrongTyp {
            found: header
                .get("typ")
                .map(|t| clip(t.as_str().unwrap_or("(not a string)"), 64)),
        });
    }
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed("the header has no `alg`"))?;
    if alg.eq_ignore_ascii_case("none")
        || alg.starts_with("HS")
        || !policy.allowed_algs.iter().any(|a| a == alg)
    {
        return Err(Oid4vpError::AlgNotAllowed { alg: clip(alg, 32) });
    }
    if header.contains_key("crit") {
        return Err(Oid4vpError::CriticalHeader);
    }
    let decoded = civitas_core::jwt::decode(jwt).map_err(|e| malformed(e.to_string()))?;
    let Value::Object(payload) = &decoded.payload else {
        return Err(malformed("the payload is not a JSON object"));
    };

    // Who is asking: the link's client, identified by a DID, signing with one of its keys.
    let client_id = string_claim(payload, "client_id")?;
    if client_id != expected_client_id {
        return Err(Oid4vpError::ClientIdMismatch {
            link: clip(expected_client_id, 256),
            request: clip(&client_id, 256),
        });
    }
    let did = client_did(&client_id)?;
    if controller_of(&decoded.kid) != did {
        return Err(Oid4vpError::SignerNotClientId {
            kid: clip(&decoded.kid, 256),
            did: did.to_owned(),
        });
    }
    decoded
        .verify_signature(resolver)
        .await
        .map_err(|e| Oid4vpError::BadSignature(e.to_string()))?;

    // When.
    let exp = time_claim(payload, "exp")?.ok_or(Oid4vpError::MissingParameter { name: "exp" })?;
    if exp <= now.timestamp() {
        return Err(Oid4vpError::Expired {
            exp,
            now: now.timestamp(),
        });
    }
    let iat = time_claim(payload, "iat")?;
    if let Some(iat) = iat
        && iat > (now + policy.max_clock_skew).timestamp()
    {
        return Err(Oid4vpError::IssuedInFuture {
            iat,
            now: now.timestamp(),
        });
    }
    let aud_ok = match payload.get("aud") {
        Some(Value::String(a)) => a == SELF_ISSUED_AUD,
        Some(Value::Array(list)) => list.iter().any(|a| a.as_str() == Some(SELF_ISSUED_AUD)),
        _ => false,
    };
    if !aud_ok {
        return Err(Oid4vpError::WrongAudience {
            found: clip(
                &payload
                    .get("aud")
                    .map_or("(missing)".to_owned(), Value::to_string),
                256,
            ),
        });
    }

    // What and where to answer.
    let response_type = string_claim(payload, "response_type")?;
    if response_type != RESPONSE_TYPE_VP_TOKEN {
        return Err(Oid4vpError::UnsupportedResponseType {
            found: clip(&response_type, 64),
        });
    }
    let response_mode = string_claim(payload, "response_mode")?;
    if !policy.allowed_response_modes.contains(&response_mode) {
        return Err(Oid4vpError::UnsupportedResponseMode {
            found: clip(&response_mode, 64),
        });
    }
    if payload.contains_key("redirect_uri") {
        return Err(Oid4vpError::InvalidParameter {
            name: "redirect_uri",
            reason: "must not be present with a direct_post response mode".into(),
        });
    }
    let response_uri = string_claim(payload, "response_uri")?;
    check_https("response_uri", &response_uri, policy.allow_loopback_http)?;
    let nonce = string_claim(payload, "nonce")?;
    let length = nonce.chars().count();
    if length < MIN_NONCE_CHARS {
        return Err(Oid4vpError::WeakNonce {
            length,
            min: MIN_NONCE_CHARS,
        });
    }
    let state = string_claim(payload, "state")?;
    if state.is_empty() {
        return Err(Oid4vpError::MissingParameter { name: "state" });
    }
    if payload.contains_key("presentation_definition") || payload.contains_key("scope") {
        return Err(Oid4vpError::InvalidParameter {
            name: "dcql_query",
            reason: "civitas answers DCQL queries only, not `presentation_definition` or `scope`"
                .into(),
        });
    }
    let dcql_query = DcqlQuery::parse(
        payload
            .get("dcql_query")
            .ok_or(Oid4vpError::MissingParameter { name: "dcql_query" })?,
    )?;
    let client_metadata = match payload.get("client_metadata") {
        None => None,
        Some(v @ Value::Object(_)) => Some(v.clone()),
        Some(_) => {
            return Err(Oid4vpError::InvalidParameter {
                name: "client_metadata",
                reason: "not a JSON object".into(),
            });
        }
    };
    Ok(AuthorizationRequest {
        client_id,
        response_type,
        response_mode,
        response_uri,
        nonce,
        state,
        dcql_query,
        client_metadata,
        aud: SELF_ISSUED_AUD.to_owned(),
        iat,
        exp,
    })
}
