//! The OAuth 2.0 / OpenID4VCI errors, their JSON body and HTTP status.

use serde::Serialize;

/// An error of the protocol: each variant carries its OAuth / OpenID4VCI error code (see
/// [`Oid4vciError::code`]) and a description for `error_description`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Oid4vciError {
    /// `invalid_request`: the request is malformed (body, parameters, URI).
    #[error("invalid_request: {0}")]
    InvalidRequest(String),
    /// `invalid_grant`: the pre-authorized code (or its transaction code) is unknown, expired,
    /// used or locked.
    #[error("invalid_grant: {0}")]
    InvalidGrant(String),
    /// `invalid_token`: the access token is unknown, expired or used.
    #[error("invalid_token: {0}")]
    InvalidToken(String),
    /// `invalid_proof`: the key proof is missing or does not verify.
    #[error("invalid_proof: {0}")]
    InvalidProof(String),
    /// `invalid_nonce`: the proof's `nonce` is missing, unknown, expired or reused.
    #[error("invalid_nonce: {0}")]
    InvalidNonce(String),
    /// `unknown_credential_configuration`: the requested configuration is not offered.
    #[error("unknown_credential_configuration: {0}")]
    UnknownCredentialConfiguration(String),
    /// `unsupported_grant_type`: the token request names another grant type.
    #[error("unsupported_grant_type: {0}")]
    UnsupportedGrantType(String),
    /// `credential_request_denied`: the request was understood but the issuer will not issue
    /// (the record is revoked or suspended, or has all the copies it may have).
    #[error("credential_request_denied: {0}")]
    CredentialRequestDenied(String),
    /// `server_error`: the store failed.
    #[error("server_error: {0}")]
    ServerError(String),
}

/// The JSON error body: `{"error": …, "error_description": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorBody {
    /// The error code.
    pub error: &'static str,
    /// A human-readable description.
    pub error_description: String,
}

impl Oid4vciError {
    /// The error code of the `error` member.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidGrant(_) => "invalid_grant",
            Self::InvalidToken(_) => "invalid_token",
            Self::InvalidProof(_) => "invalid_proof",
            Self::InvalidNonce(_) => "invalid_nonce",
            Self::UnknownCredentialConfiguration(_) => "unknown_credential_configuration",
            Self::UnsupportedGrantType(_) => "unsupported_grant_type",
            Self::CredentialRequestDenied(_) => "credential_request_denied",
            Self::ServerError(_) => "server_error",
        }
    }

    /// The description of the `error_description` member.
    pub fn description(&self) -> &str {
        match self {
            Self::InvalidRequest(d)
            | Self::InvalidGrant(d)
            | Self::InvalidToken(d)
            | Self::InvalidProof(d)
            | Self::InvalidNonce(d)
            | Self::UnknownCredentialConfiguration(d)
            | Self::UnsupportedGrantType(d)
            | Self::CredentialRequestDenied(d)
            | Self::ServerError(d) => d,
        }
    }

    /// The HTTP status: 401 for `invalid_token`, 500 for `server_error`, 400 otherwise.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::InvalidToken(_) => 401,
            Self::ServerError(_) => 500,
            _ => 400,
        }
    }

    /// The JSON error body.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: self.code(),
            error_description: self.description().to_owned(),
        }
    }

    /// The HTTP status and the JSON error body as a `serde_json::Value`.
    pub fn response(&self) -> (u16, serde_json::Value) {
        (
            self.http_status(),
            serde_json::json!({"error": self.code(), "error_description": self.description()}),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_and_status() {
        let e = Oid4vciError::InvalidToken("expired".into());
        assert_eq!(e.http_status(), 401);
        let (status, body) = e.response();
        assert_eq!(status, 401);
        assert_eq!(body["error"], "invalid_token");
        assert_eq!(body["error_description"], "expired");
        let e = Oid4vciError::InvalidNonce("reused".into());
        assert_eq!(e.http_status(), 400);
        assert_eq!(e.body().error, "invalid_nonce");
        assert_eq!(
            serde_json::to_value(e.body()).unwrap(),
            serde_json::json!({"error": "invalid_nonce", "error_description": "reused"})
        );
    }
}
