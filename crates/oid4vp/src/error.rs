//! Every refusal of the crate, with the OAuth / OpenID4VP error code a `direct_post` error
//! response carries.

/// Which outside input a size limit applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// A request object (compact JWS).
    RequestObject,
    /// A DCQL query as bytes.
    DcqlQuery,
    /// A request link (the QR content).
    RequestLink,
    /// A direct_post form body.
    ResponseForm,
    /// The `vp_token` of a response.
    VpToken,
}

impl std::fmt::Display for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::RequestObject => "request object",
            Self::DcqlQuery => "DCQL query",
            Self::RequestLink => "request link",
            Self::ResponseForm => "response form body",
            Self::VpToken => "vp_token",
        })
    }
}

/// What is wrong in a DCQL query ([`DcqlError::problem`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DcqlProblem {
    /// A required member is missing.
    #[error("required member is missing")]
    Missing,
    /// The value is not a JSON object.
    #[error("not a JSON object")]
    NotAnObject,
    /// The value is not a JSON array.
    #[error("not a JSON array")]
    NotAnArray,
    /// The value is not a string.
    #[error("not a string")]
    NotAString,
    /// The value is not a boolean.
    #[error("not a boolean")]
    NotABoolean,
    /// An array that must not be empty is empty.
    #[error("must not be empty")]
    Empty,
    /// An array is longer than civitas' limit.
    #[error("{count} entries, more than the limit of {max}")]
    TooMany {
        /// How many entries.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// An identifier is empty, too long, or has characters other than `A-Za-z0-9_-`.
    #[error("identifier `{id}` must be 1 to 128 characters of A-Z, a-z, 0-9, `_` and `-`")]
    InvalidId {
        /// The identifier (truncated to 128 bytes).
        id: String,
    },
    /// An identifier is used twice.
    #[error("identifier `{id}` is used more than once")]
    DuplicateId {
        /// The identifier.
        id: String,
    },
    /// A credential set names a credential query that does not exist.
    #[error("no credential query has the id `{id}`")]
    UnknownCredentialId {
        /// The identifier.
        id: String,
    },
    /// A claim set names a claims query that does not exist.
    #[error("no claims query of this credential query has the id `{id}`")]
    UnknownClaimId {
        /// The identifier.
        id: String,
    },
    /// `claim_sets` is used but this claims query has no `id`.
    #[error("`id` is required on every claims query when `claim_sets` is present")]
    ClaimIdRequired,
    /// `claim_sets` is present without `claims`.
    #[error("`claim_sets` must not be present without `claims`")]
    ClaimSetsWithoutClaims,
    /// The credential format is not one civitas knows.
    #[error("format `{format}` is not supported (dc+sd-jwt, ldp_vc, jwt_vc_json, mso_mdoc)")]
    UnknownFormat {
        /// The format (truncated to 128 bytes).
        format: String,
    },
    /// The `meta` member the format requires is missing.
    #[error("format `{format}` requires `meta.{member}`")]
    MissingMeta {
        /// The format.
        format: &'static str,
        /// The required member of `meta`.
        member: &'static str,
    },
    /// A path element is not a string, a non-negative integer or null.
    #[error("a claims path element must be a string, a non-negative integer or null")]
    InvalidPathElement,
    /// A value to match is not a string, an integer or a boolean.
    #[error("a value to match must be a string, an integer or a boolean")]
    InvalidValue,
}

/// A DCQL query is invalid: what is wrong and where (a JSON pointer into the query).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("DCQL query invalid at `{pointer}`: {problem}")]
pub struct DcqlError {
    /// JSON pointer to the offending member (`/credentials/0/claims/2/path`; empty for the root).
    pub pointer: String,
    /// What is wrong.
    pub problem: DcqlProblem,
}

impl DcqlError {
    pub(crate) fn new(pointer: impl Into<String>, problem: DcqlProblem) -> Self {
        Self {
            pointer: pointer.into(),
            problem,
        }
    }
}

/// Every refusal of the OpenID4VP protocol core.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Oid4vpError {
    /// The DCQL query is invalid.
    #[error(transparent)]
    Dcql(#[from] DcqlError),
    /// An input is larger than its limit.
    #[error("{what} of {size} bytes is larger than the limit of {max}")]
    TooLarge {
        /// Which input.
        what: Input,
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The request object is not a well-formed compact JWS.
    #[error("request object is not a well-formed JWT: {0}")]
    MalformedRequestObject(String),
    /// The request object's `typ` is not `oauth-authz-req+jwt`.
    #[error("request object `typ` is {}, it must be `oauth-authz-req+jwt`", .found.as_deref().map_or("missing".to_owned(), |t| format!("`{t}`")))]
    WrongTyp {
        /// The `typ` found, if any.
        found: Option<String>,
    },
    /// The request object's `alg` is not on the allow-list (`none` and `HS*` never are).
    #[error("request object `alg` `{alg}` is not allowed")]
    AlgNotAllowed {
        /// The `alg` found.
        alg: String,
    },
    /// The request object's header has `crit`.
    #[error("request object header `crit` names extensions civitas does not understand")]
    CriticalHeader,
    /// The request object's `client_id` is not the link's `client_id`.
    #[error("request object `client_id` `{request}` differs from the link's `client_id` `{link}`")]
    ClientIdMismatch {
        /// The `client_id` of the link (QR).
        link: String,
        /// The `client_id` claim of the request object.
        request: String,
    },
    /// The client identifier prefix is not `decentralized_identifier:`.
    #[error(
        "client identifier prefix `{prefix}` is not supported (only `decentralized_identifier:`)"
    )]
    UnsupportedClientIdPrefix {
        /// The prefix (`x509_san_dns`, …), or `pre-registered` when there is none.
        prefix: String,
    },
    /// A `redirect_uri:` client sent a signed request object, which that prefix forbids.
    #[error("a `redirect_uri:` client must not sign its request object")]
    SignedRedirectUriRequest,
    /// The `decentralized_identifier:` client id does not hold a DID.
    #[error("client_id `{client_id}` does not hold a DID after `decentralized_identifier:`")]
    InvalidDid {
        /// The client id.
        client_id: String,
    },
    /// The JWS `kid` is not a verification method of the client id's DID.
    #[error("request object is signed with `{kid}`, not a verification method of `{did}`")]
    SignerNotClientId {
        /// The `kid`.
        kid: String,
        /// The client id's DID.
        did: String,
    },
    /// The request object's signature does not verify.
    #[error("request object signature does not verify: {0}")]
    BadSignature(String),
    /// The request object has expired.
    #[error("request object expired at {exp} (now {now})")]
    Expired {
        /// `exp` (seconds since the epoch).
        exp: i64,
        /// The time of the check.
        now: i64,
    },
    /// The request object's `iat` is in the future.
    #[error("request object `iat` {iat} is in the future (now {now})")]
    IssuedInFuture {
        /// `iat`.
        iat: i64,
        /// The time of the check.
        now: i64,
    },
    /// The request object's `aud` is not the wallet's.
    #[error("request object `aud` is `{found}`, not `https://self-issued.me/v2`")]
    WrongAudience {
        /// The `aud` found (as JSON).
        found: String,
    },
    /// A required parameter is missing.
    #[error("parameter `{name}` is missing")]
    MissingParameter {
        /// The parameter.
        name: &'static str,
    },
    /// A parameter has the wrong type or value.
    #[error("parameter `{name}`: {reason}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// `response_type` is not `vp_token`.
    #[error("response_type `{found}` is not supported (only `vp_token`)")]
    UnsupportedResponseType {
        /// The value found.
        found: String,
    },
    /// `response_mode` is not `direct_post` (or `direct_post.jwt`).
    #[error("response_mode `{found}` is not supported (`direct_post`, `direct_post.jwt`)")]
    UnsupportedResponseMode {
        /// The value found.
        found: String,
    },
    /// A URL that must be https (or loopback http when allowed) is not.
    #[error("`{name}` `{uri}` is not an https URL (http only to 127.0.0.1/localhost when allowed)")]
    NotHttps {
        /// The parameter.
        name: &'static str,
        /// The URL (truncated to 256 bytes).
        uri: String,
    },
    /// The `nonce` is shorter than [`crate::limits::MIN_NONCE_CHARS`].
    #[error("`nonce` of {length} characters is shorter than {min}")]
    WeakNonce {
        /// Its length.
        length: usize,
        /// The minimum.
        min: usize,
    },
    /// The link is not `openid4vp://` or `https://`.
    #[error("request link does not start with `openid4vp://` or `https://`")]
    BadLinkScheme,
    /// A parameter appears more than once.
    #[error("parameter `{name}` appears more than once")]
    RepeatedParameter {
        /// The parameter.
        name: String,
    },
    /// A parameter is not valid percent-encoded UTF-8.
    #[error("parameter `{name}` is not valid percent-encoded UTF-8")]
    BadPercentEncoding {
        /// The parameter.
        name: String,
    },
    /// `request_uri_method` is neither `get` nor `post`.
    #[error("request_uri_method `{found}` is neither `get` nor `post`")]
    UnsupportedRequestUriMethod {
        /// The value found.
        found: String,
    },
    /// `vp_token` is not JSON.
    #[error("`vp_token` is not JSON: {0}")]
    VpTokenNotJson(String),
    /// `vp_token` is not a JSON object keyed by credential query id.
    #[error("`vp_token` is not a JSON object keyed by credential query id")]
    VpTokenNotObject,
    /// A `vp_token` member is not a non-empty array.
    #[error("`vp_token` member `{id}` is not a non-empty array of presentations")]
    PresentationsNotArray {
        /// The credential query id.
        id: String,
    },
    /// A presentation is neither a string nor a JSON object.
    #[error("`vp_token` member `{id}` entry {index} is neither a string nor a JSON object")]
    InvalidPresentation {
        /// The credential query id.
        id: String,
        /// Index in the array.
        index: usize,
    },
    /// `vp_token` holds presentations for a query id the request did not ask for.
    #[error("`vp_token` holds `{id}`, which the DCQL query did not ask for")]
    UnexpectedQueryId {
        /// The credential query id.
        id: String,
    },
    /// `vp_token` lacks a credential query the request requires.
    #[error("`vp_token` lacks `{id}`, which the DCQL query requires")]
    MissingQueryId {
        /// The credential query id.
        id: String,
    },
    /// No option of a required credential set is fully answered.
    #[error(
        "no option of required credential set {index} (`/credential_sets/{index}`) is answered"
    )]
    CredentialSetUnsatisfied {
        /// Index of the credential set query.
        index: usize,
    },
    /// More than one presentation for a query without `multiple: true`.
    #[error("`vp_token` member `{id}` holds {count} presentations, the query allows {max}")]
    TooManyPresentations {
        /// The credential query id.
        id: String,
        /// How many.
        count: usize,
        /// How many are allowed.
        max: usize,
    },
    /// The response's `state` is not the request's.
    #[error("response `state` is not the request's")]
    StateMismatch,
    /// The signer failed, or the request could not be serialized.
    #[error("signing the request object failed: {0}")]
    Signing(String),
}

impl Oid4vpError {
    /// The OAuth / OpenID4VP `error` code for a direct_post error response.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Dcql(DcqlError {
                problem: DcqlProblem::UnknownFormat { .. },
                ..
            }) => "vp_formats_not_supported",
            Self::TooLarge {
                what: Input::RequestObject,
                ..
            }
            | Self::MalformedRequestObject(_)
            | Self::WrongTyp { .. }
            | Self::AlgNotAllowed { .. }
            | Self::CriticalHeader
            | Self::BadSignature(_)
            | Self::Expired { .. }
            | Self::IssuedInFuture { .. }
            | Self::WrongAudience { .. } => "invalid_request_object",
            Self::ClientIdMismatch { .. }
            | Self::UnsupportedClientIdPrefix { .. }
            | Self::SignedRedirectUriRequest
            | Self::InvalidDid { .. }
            | Self::SignerNotClientId { .. } => "invalid_client",
            Self::UnsupportedRequestUriMethod { .. } => "invalid_request_uri_method",
            Self::Signing(_) => "server_error",
            _ => "invalid_request",
        }
    }

    /// The `error_description`: the message.
    pub fn description(&self) -> String {
        self.to_string()
    }
}

/// Truncates outside text kept in an error to `max` bytes (on a character boundary).
pub(crate) fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}
