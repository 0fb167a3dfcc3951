//! The authorization request (OpenID4VP 1.0 §5) as a signed request object (JAR, RFC 9101):
//! the verifier builds and signs it ([`sign_request_object`]), the wallet checks it
//! ([`verify_request_object`], in `verify`).

mod verify;

pub use verify::{RequestPolicy, verify_request_object, verify_request_object_with};

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use civitas_keys::resolver::controller_of;
use civitas_keys::signer::Signer;
use rand::RngCore as _;
use serde::Serialize;
use serde_json::Value;

use crate::dcql::DcqlQuery;
use crate::error::Oid4vpError;

/// The `typ` of a request object (RFC 9101 §10.8).
pub const REQUEST_OBJECT_TYP: &str = "oauth-authz-req+jwt";
/// The `aud` of a request object for a wallet without published metadata (§5.8).
pub const SELF_ISSUED_AUD: &str = "https://self-issued.me/v2";
/// The client identifier prefix of a verifier identified by a DID (§5.9.3).
pub const DID_PREFIX: &str = "decentralized_identifier:";
/// The only `response_type` civitas asks for.
pub const RESPONSE_TYPE_VP_TOKEN: &str = "vp_token";
/// The response mode of the cross-device flow: the wallet POSTs a form to `response_uri`.
pub const DIRECT_POST: &str = "direct_post";
/// `direct_post` with an encrypted response (not implemented by civitas; allowed by policy only).
pub const DIRECT_POST_JWT: &str = "direct_post.jwt";

/// An OpenID4VP authorization request, as carried by a request object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuthorizationRequest {
    /// The verifier's client identifier (`decentralized_identifier:did:…`).
    pub client_id: String,
    /// `vp_token`.
    pub response_type: String,
    /// `direct_post` (or `direct_post.jwt`).
    pub response_mode: String,
    /// Where the wallet POSTs the response (https).
    pub response_uri: String,
    /// Binds the presentations to this request (≥ 16 characters).
    pub nonce: String,
    /// Binds the response to the verifier's session.
    pub state: String,
    /// What the verifier asks for.
    pub dcql_query: DcqlQuery,
    /// The verifier's metadata (`vp_formats_supported`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_metadata: Option<Value>,
    /// The audience: [`SELF_ISSUED_AUD`].
    pub aud: String,
    /// When the request object was made (seconds since the epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// When the request object expires (seconds since the epoch).
    pub exp: i64,
}

impl AuthorizationRequest {
    /// A `direct_post` request of `client_id` for `dcql_query`, answered at `response_uri`,
    /// with a fresh `nonce` and `state`, issued `now` and valid for `lifetime`.
    pub fn direct_post(
        client_id: &str,
        response_uri: &str,
        dcql_query: DcqlQuery,
        now: DateTime<Utc>,
        lifetime: Duration,
    ) -> Self {
        Self {
            client_id: client_id.to_owned(),
            response_type: RESPONSE_TYPE_VP_TOKEN.to_owned(),
            response_mode: DIRECT_POST.to_owned(),
            response_uri: response_uri.to_owned(),
            nonce: generate_nonce(),
            state: generate_state(),
            dcql_query,
            client_metadata: None,
            aud: SELF_ISSUED_AUD.to_owned(),
            iat: Some(now.timestamp()),
            exp: (now + lifetime).timestamp(),
        }
    }

    /// The request as the JWT claims set.
    pub fn to_claims(&self) -> Result<Value, Oid4vpError> {
        serde_json::to_value(self).map_err(|e| Oid4vpError::Signing(e.to_string()))
    }
}

/// The client id of a verifier identified by `did`: `decentralized_identifier:<did>`.
pub fn did_client_id(did: &str) -> String {
    format!("{DID_PREFIX}{did}")
}

fn random_b64(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// A fresh `nonce`: 256 random bits, base64url (43 characters).
pub fn generate_nonce() -> String {
    random_b64(32)
}

/// A fresh `state`: 128 random bits, base64url (22 characters).
pub fn generate_state() -> String {
    random_b64(16)
}

/// Signs `request` as a request object: a compact JWS with `typ: oauth-authz-req+jwt`, the
/// signer's `alg` and `kid` = its verification method.
///
/// Refused (`SignerNotClientId`) when the client id is `decentralized_identifier:<did>` and
/// the signer's verification method is not of that DID: wallets would refuse the request.
pub async fn sign_request_object(
    request: &AuthorizationRequest,
    signer: &dyn Signer,
) -> Result<String, Oid4vpError> {
    if let Some(did) = request.client_id.strip_prefix(DID_PREFIX) {
        let kid = signer.verification_method();
        if controller_of(kid) != did {
            return Err(Oid4vpError::SignerNotClientId {
                kid: kid.to_owned(),
                did: did.to_owned(),
            });
        }
    }
    let claims = request.to_claims()?;
    civitas_core::jwt::sign(&claims, REQUEST_OBJECT_TYP, signer)
        .await
        .map_err(|e| Oid4vpError::Signing(e.to_string()))
}
