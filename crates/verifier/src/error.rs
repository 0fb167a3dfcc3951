//! The errors of civitas-verifier. Each names what is wrong and where: a JSON pointer, a URL, a
//! DID or a check.

use civitas_core::secure::SecureError;
use civitas_jsonld::contexts::ContextError;
use civitas_status::error::StatusError;

/// Why a trust list could not be built, signed, read or accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustListError {
    /// The text is neither a JSON credential nor a `vc+jwt`.
    #[error("the trust list cannot be read: {0}")]
    Unreadable(String),
    /// A credential, but not a `CivitasTrustList`.
    #[error("not a trust list: {0}")]
    NotATrustList(String),
    /// Signed by someone who is not one of the verifier's trust anchors.
    #[error(
        "the trust list is signed by {issuer}, which is not a configured trust anchor ({anchors})"
    )]
    UnknownAnchor {
        /// The trust list's issuer.
        issuer: String,
        /// The configured anchors, comma-separated.
        anchors: String,
    },
    /// A check on the signed trust list failed (signature, issuer binding, syntax).
    #[error("the trust list is rejected: {check}: {reason}")]
    Rejected {
        /// The check that failed (its label).
        check: &'static str,
        /// Why.
        reason: String,
    },
    /// The content breaks the trust-list rules.
    #[error("trust list `{pointer}`: {reason}")]
    Invalid {
        /// JSON pointer inside the trust list (`/trustedIssuers/0/didDocument`).
        pointer: String,
        /// What is wrong.
        reason: String,
    },
    /// No trust anchor was configured to check a trust list against.
    #[error(
        "no trust anchor is configured: a trust list can only be accepted from a configured anchor"
    )]
    NoAnchor,
    /// Signing failed.
    #[error("signing the trust list failed: {0}")]
    Sign(#[from] SecureError),
}

impl TrustListError {
    pub(crate) fn invalid(pointer: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid {
            pointer: pointer.into(),
            reason: reason.into(),
        }
    }
}

/// Why an HTTP fetch (online mode, bundle building) failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The URL cannot be parsed or is not allowed (credentials in it, unsupported scheme).
    #[error("`{url}` cannot be fetched: {reason}")]
    Url {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// A plain `http:` URL while only HTTPS is allowed.
    #[error("`{url}` is not HTTPS; plain HTTP is refused unless explicitly allowed")]
    Insecure {
        /// The URL.
        url: String,
    },
    /// The HTTP client could not be built.
    #[error("the HTTP client cannot be built: {0}")]
    Client(String),
    /// The request failed (connection, TLS, timeout, redirect).
    #[error("fetching `{url}` failed: {reason}")]
    Request {
        /// The URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The server answered with a status other than 200 (or 304 to a conditional request).
    #[error("fetching `{url}`: the server answered HTTP {status}")]
    Status {
        /// The URL.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The response is larger than allowed.
    #[error("fetching `{url}`: the response is larger than {max} bytes")]
    TooLarge {
        /// The URL.
        url: String,
        /// The limit.
        max: usize,
    },
}

/// Why a bundle could not be read, built or loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// Larger than [`MAX_BUNDLE_BYTES`](crate::bundle::MAX_BUNDLE_BYTES).
    #[error("the bundle is {size} bytes, more than the {max} allowed")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// Not JSON, or not the bundle's shape.
    #[error("not a verifier bundle: {0}")]
    Format(String),
    /// A later version of the format.
    #[error("bundle version {0} is not supported (this verifier reads version 1)")]
    Version(u64),
    /// The trust list inside is not accepted.
    #[error(transparent)]
    TrustList(#[from] TrustListError),
    /// A status list snapshot is not accepted.
    #[error("status list snapshot `{url}`: {reason}")]
    StatusList {
        /// The snapshot's URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// A context inside is not accepted.
    #[error("context `{url}` in the bundle: {reason}")]
    Context {
        /// The context URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// A document profile inside (or one the trust list pins, when building a bundle) is not
    /// accepted: not pinned by the trust list, not the pinned one, unreadable, or in conflict
    /// with a profile this process already knows.
    #[error("bundle profile {name}: {reason}")]
    Profile {
        /// The profile's type name, or its place in the bundle (`#2`) when it cannot be read.
        name: String,
        /// Why.
        reason: String,
    },
    /// Fetching a published document failed.
    #[error(transparent)]
    Fetch(#[from] FetchError),
}

impl From<ContextError> for BundleError {
    fn from(e: ContextError) -> Self {
        let url = match &e {
            ContextError::InvalidUrl { url }
            | ContextError::InvalidJson { url, .. }
            | ContextError::NotAContext { url }
            | ContextError::TooLarge { url, .. } => url.clone(),
        };
        Self::Context {
            url,
            reason: e.to_string(),
        }
    }
}

/// Why a [`Verifier`](crate::Verifier) could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifierError {
    /// The trust list is not accepted.
    #[error(transparent)]
    TrustList(#[from] TrustListError),
    /// The bundle is not accepted.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// A status list given to the verifier is not accepted.
    #[error("status list: {0}")]
    StatusList(#[from] StatusError),
    /// A context given to the verifier is not accepted.
    #[error("context: {0}")]
    Context(String),
    /// The online client could not be set up.
    #[error(transparent)]
    Fetch(#[from] FetchError),
}

impl From<ContextError> for VerifierError {
    fn from(e: ContextError) -> Self {
        Self::Context(e.to_string())
    }
}
