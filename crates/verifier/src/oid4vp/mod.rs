//! The relying party side of OpenID4VP 1.0 (feature `server`): a bank asks a wallet for
//! credentials through a QR code and gets them verified (SPEC.md §14.9).
//!
//! - `POST /oid4vp/requests` (relying party API, `Authorization: Bearer`): a DCQL query, or the
//!   shorthand `{"type", "format", "claims"}` ([`RequestBody`]), every claim path checked
//!   against the document type's profile; answers the link (`openid4vp://?client_id=…&
//!   request_uri=…`) and its QR code.
//! - `GET /oid4vp/requests/{id}/object` (wallet): the signed request object (`direct_post`,
//!   fresh nonce and state, `client_id = decentralized_identifier:<did>`).
//! - `POST /oid4vp/responses/{id}` (wallet): the authorization response, checked — `state`,
//!   one answer only, the `vp_token` against the query, each presentation verified by the
//!   [`Verifier`](crate::Verifier) with challenge = nonce and domain = client id (SD-JWT VC
//!   key binding required), of the type asked, with the claims asked.
//! - `GET /oid4vp/requests/{id}` (relying party API): status and the claims kept
//!   ([`RequestResult`]).
//!
//! State is in memory ([`RelyingParty`]): pending requests die with the process; at most
//! 10 000 are held, each answerable for 10 minutes, its result kept 10 minutes more.

mod check;
mod client;
mod query;
mod result;
mod routes;
mod service;

pub use client::{ClientError, MAX_ANSWER_BYTES, RpClient};
pub use query::{QueryError, RequestBody, SHORTHAND_QUERY_ID, show_path, vct_of};
pub use result::{CredentialResult, RequestResult, Status};
pub use routes::{MAX_REQUEST_BODY_BYTES, REQUEST_OBJECT_MEDIA_TYPE, router};
pub use service::{
    CreateError, Created, MAX_LIVE_REQUESTS, Oid4vpConfig, REQUEST_LIFETIME_SECS, RelyingParty,
};

/// A fresh secret for the relying party API: 32 random bytes, base64url.
pub fn generate_token() -> String {
    civitas_oid4vp::request::generate_nonce()
}

/// Serves the verify routes ([`crate::http::shared_router`]) and the relying party's routes
/// ([`router`]) on `listener` (plain HTTP: behind a TLS-terminating proxy whose public URL is
/// [`Oid4vpConfig::public_url`]).
pub async fn serve(
    listener: tokio::net::TcpListener,
    verifier: crate::http::SharedVerifier,
    rp: std::sync::Arc<RelyingParty>,
) -> std::io::Result<()> {
    let app = crate::http::shared_router(verifier).merge(router(rp));
    axum::serve(listener, app).await
}

/// The relying party key in a file: a secret multikey (`z…`) or a private JWK.
pub fn read_key(text: &str) -> Result<civitas_keys::keys::KeyPair, civitas_keys::keys::KeyError> {
    let text = text.trim();
    if text.starts_with('{') {
        civitas_keys::keys::KeyPair::from_jwk_json(text)
    } else {
        civitas_keys::keys::KeyPair::from_secret_multikey(text)
    }
}
