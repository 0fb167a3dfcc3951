//! [`IssuerError`]: everything that can go wrong in the issuer, each variant naming what is
//! wrong. The HTTP layer maps each to a status code and an RFC 9457 problem type
//! ([`IssuerError::kind`]).

use civitas_core::credential::SyntaxError;
use civitas_core::data_integrity::ProofError;
use civitas_core::io::IoFailure;
use civitas_core::jwt::JwtError;
use civitas_core::model::{DocumentType, ModelError};
use civitas_core::schema::SchemaError;
use civitas_core::secure::SecureError;
use civitas_jsonld::canon::CanonError;
use civitas_jsonld::json::JsonError;
use civitas_keys::did::DidError;
use civitas_keys::keys::KeyError;
use civitas_keys::sealed::SealError;
use civitas_qr::QrError;
use civitas_qr::compact::CompactError;
use civitas_render::certificate::RenderError;

use crate::config::{PASSPHRASE_ENV, PASSPHRASE_FILE_ENV};

/// Everything that can go wrong in civitas-issuer.
#[derive(Debug, thiserror::Error)]
pub enum IssuerError {
    /// The request body or a document is malformed: not JSON, wrong shape, bad data model.
    #[error(transparent)]
    Syntax(#[from] SyntaxError),
    /// The record breaks the document's rules (or its JSON Schema).
    #[error("invalid record: {0}")]
    Record(#[from] ModelError),
    /// The credential breaks its JSON Schema: core's error, with every violation and its JSON
    /// pointer (the problem document lists them in `errors`). A typed payload rather than a
    /// `#[source]`: the message already includes it, and error chains (`{:#}`) would repeat it.
    #[error("the credential does not match its schema: {0}")]
    Schema(SchemaError),
    /// A term is undefined by the credential's contexts, or a context is unknown: core's
    /// canonicalization error (a typed payload, like [`IssuerError::Schema`]).
    #[error("JSON-LD: {0}")]
    JsonLd(CanonError),
    /// Anything else wrong with the request, with the member it concerns.
    #[error("`{member}`: {reason}")]
    InvalidRequest {
        /// The request member (a JSON pointer, or a parameter name).
        member: String,
        /// What is wrong.
        reason: String,
    },
    /// The document type is not one this issuer is configured to issue.
    #[error("this issuer does not issue {0} documents")]
    TypeNotAllowed(DocumentType),
    /// The source record was issued before with different content, and superseding was not
    /// asked for.
    #[error(
        "source record `{source_record_id}` was already issued as {existing} with different content; resend with `supersede: true` to revoke it and issue the new version"
    )]
    Conflict {
        /// The source record id.
        source_record_id: String,
        /// The credential already issued for it.
        existing: String,
    },
    /// A credential with this id exists already.
    #[error("a credential with id `{0}` was issued already")]
    DuplicateId(String),
    /// No credential with this id was issued here.
    #[error("no credential `{0}` was issued by this issuer")]
    UnknownCredential(String),
    /// A status change that the credential's status forbids (a revoked credential cannot be
    /// reinstated or suspended).
    #[error("credential {credential}: {reason}")]
    StatusConflict {
        /// The credential id.
        credential: String,
        /// Why.
        reason: String,
    },
    /// Key rotation is not possible for this issuer.
    #[error("key rotation: {0}")]
    Rotation(RotationError),
    /// A key file could not be read, written or opened.
    #[error("key file {path}: {reason}")]
    KeyFile {
        /// The file.
        path: String,
        /// What went wrong.
        reason: KeyFileProblem,
    },
    /// The passphrase that protects the key files is missing or wrong.
    #[error("passphrase: {0}")]
    Passphrase(PassphraseError),
    /// The configuration is not usable, or does not match the data directory.
    #[error("configuration: {0}")]
    Config(ConfigError),
    /// Signing failed, or making what is signed (the QR form, the printed certificate).
    #[error("signing failed: {0}")]
    Signing(SigningError),
    /// A status list operation failed.
    #[error(transparent)]
    Status(#[from] civitas_status::StatusError),
    /// The registry store failed (disk, corruption).
    #[error("registry store: {0}")]
    Store(StoreError),
    /// A file or directory could not be used.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// What the operating system said.
        source: IoFailure,
    },
    /// TLS setup failed (certificate generation or loading).
    #[error("TLS: {0}")]
    Tls(String),
    /// The issuer stopped accepting writes after a store failure, or is shutting down.
    #[error("the issuer is unavailable: {0}")]
    Unavailable(UnavailableReason),
    /// The PKCS#11 token holding the signing keys failed (opening it, logging in, finding or
    /// generating a key): civitas-hsm's error, which names the operation, token and key.
    #[error("HSM: {0}")]
    Hsm(civitas_hsm::HsmError),
}

/// Why signing failed ([`IssuerError::Signing`]): the error of the part that failed, as a
/// typed payload (its message is the part's own; error chains would repeat it as a source).
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    /// Securing a credential failed (the signer, the proof, the self-check of the signature).
    #[error("{0}")]
    Secure(SecureError),
    /// A signing task did not finish (it panicked or was cancelled).
    #[error("the signing task failed")]
    TaskFailed,
    /// A status list could not be signed.
    #[error("status list {url}: {error}")]
    StatusList {
        /// The list URL.
        url: String,
        /// What the proof layer reported.
        error: ProofError,
    },
    /// A Token Status List could not be signed.
    #[error("token status list {url}: {reason}")]
    Token {
        /// The token list URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// An SD-JWT VC could not be made.
    #[error("SD-JWT VC: {0}")]
    SdJwt(String),
    /// The key that signed a credential is not in the key history (an id: its verification
    /// method).
    #[error("no key {0} in the key history")]
    UnknownKey(String),
    /// The key that signed a credential was held by an external signer that is no longer the
    /// current one (an id: its verification method).
    #[error("key {0} was held by an external signer that is no longer the current one")]
    KeyNotHeld(String),
    /// The compact QR form could not be made.
    #[error("{0}")]
    Compact(CompactError),
    /// The QR code could not be drawn.
    #[error("{0}")]
    Qr(QrError),
    /// The printable certificate of credential `id` could not be rendered.
    #[error("rendering {id}: {error}")]
    Certificate {
        /// The credential id.
        id: String,
        /// What the renderer reported.
        error: RenderError,
    },
}

/// Why the registry store failed ([`IssuerError::Store`]). `Clone`, so that a failed group
/// commit is reported to every request of the group.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The database (or the encoding of a value) failed: what it reported. Free text: the
    /// backend's own error type (sled's, serde_json's) is not part of civitas' API.
    #[error("{0}")]
    Backend(String),
    /// The registry could not be opened (free text: what the backend reported).
    #[error(
        "cannot open the registry at {path} (is another issuer process using this data directory?): {reason}"
    )]
    Open {
        /// The registry directory.
        path: String,
        /// What the backend reported.
        reason: String,
    },
    /// A stored record does not parse.
    #[error("corrupt {what} record: {reason}")]
    Corrupt {
        /// The kind of record (`credential`, `audit`, …).
        what: &'static str,
        /// What the parser reported.
        reason: String,
    },
    /// A stored text value is not UTF-8.
    #[error("{what} of {id} is not UTF-8")]
    NotUtf8 {
        /// The kind of value (`credential text`, `source index`, …).
        what: &'static str,
        /// The key it is stored under (a credential or source record id).
        id: String,
    },
    /// The credential count is not 8 bytes.
    #[error("corrupt credential count")]
    CorruptCount,
    /// A stored `vc+jwt` credential does not decode.
    #[error("stored vc+jwt of {id}: {error}")]
    StoredJwt {
        /// The credential id.
        id: String,
        /// What the JWT decoder reported.
        error: JwtError,
    },
    /// A source record points at a credential the registry does not hold.
    #[error("source record {source_record_id} points at a missing credential {credential_id}")]
    DanglingSource {
        /// The source record id.
        source_record_id: String,
        /// The credential id it points at.
        credential_id: String,
    },
    /// A credential record has no signed text beside it.
    #[error("credential {0} has no text")]
    NoText(String),
    /// A status list the registry refers to is missing.
    #[error("status list {0} is missing")]
    MissingList(String),
    /// The key history has no current key.
    #[error("the key history has no current key")]
    NoCurrentKey,
    /// The writer task panicked.
    #[error("the writer panicked: {0}")]
    WriterPanicked(String),
    /// The registry database cannot be reached (the URL without its password, and what the
    /// driver reported).
    #[error("cannot reach the registry database at {url}: {reason}")]
    Connect {
        /// The URL, without its password.
        url: String,
        /// What the driver reported.
        reason: String,
    },
    /// The database was migrated by a newer civitas than this one.
    #[error(
        "the registry database at {url} has schema version {found}; this civitas knows up to {known}: upgrade civitas"
    )]
    SchemaTooNew {
        /// The URL, without its password.
        url: String,
        /// The schema version found.
        found: i32,
        /// The newest version this build knows.
        known: i32,
    },
}

/// Why the issuer cannot take writes now ([`IssuerError::Unavailable`]).
#[derive(Debug, Clone, thiserror::Error)]
pub enum UnavailableReason {
    /// An earlier write to the registry failed: memory may be ahead of the disk until a
    /// restart reloads it.
    #[error("an earlier write to the registry failed; restart the issuer")]
    EarlierWriteFailed,
    /// The committer (the single writer) has stopped.
    #[error("the committer has stopped")]
    CommitterStopped,
    /// Shared state was poisoned by a panic (names it: `status book`, `publisher state`).
    #[error("{0} poisoned")]
    Poisoned(&'static str),
    /// A request got no result (its task ended early).
    #[error("no result")]
    NoResult,
    /// The registry database did not answer (a lost connection, a server restarting, a
    /// timeout): what happened. Try again.
    #[error("the registry database is unavailable: {0}")]
    Database(String),
    /// Another issuer instance sharing the registry changed what this request's group was
    /// decided on (a record, a source record's index) before it was written: nothing of the
    /// group was written. Try again.
    #[error("another issuer instance changed {0} meanwhile; nothing was written, try again")]
    ConcurrentChange(String),
    /// The signing key was rotated by another instance sharing the registry, and this
    /// instance cannot open the new one: what it lacks.
    #[error("{0}")]
    KeyNotHeld(String),
    /// Status entries could not be allocated, for this request and the others of its batch:
    /// the error of the allocation.
    #[error("{0}")]
    Allocation(std::sync::Arc<IssuerError>),
}

/// Why this issuer cannot rotate its key ([`IssuerError::Rotation`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RotationError {
    /// A did:key issuer's DID is its key.
    #[error("a did:key issuer cannot rotate: its DID is its key (use did:web)")]
    DidKey,
    /// The current key is held by an external signer (an id: its verification method).
    #[error(
        "the current key {0} is held by an external signer: create the new key in that device and open the issuer with it"
    )]
    ExternalSigner(String),
    /// The task generating the new key did not finish (free text: what the runtime reported).
    #[error("key generation failed: {0}")]
    KeyGeneration(String),
}

/// What is wrong with a key file ([`IssuerError::KeyFile`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyFileProblem {
    /// The key history's public key does not decode.
    #[error("public key: {0}")]
    PublicKey(KeyError),
    /// A new key's file exists already.
    #[error("exists already; refusing to overwrite a key")]
    Exists,
    /// The secret key could not be sealed.
    #[error("{0}")]
    Seal(SealError),
    /// The file could not be read.
    #[error("{0}")]
    Unreadable(IoFailure),
    /// The file is not a key file's JSON (free text: what the JSON parser or encoder said).
    #[error("{0}")]
    Json(String),
    /// The file's format version is not one this version reads.
    #[error("unknown format {0}")]
    UnknownFormat(u32),
    /// The file holds another key than the key history names.
    #[error("holds {found} ({found_key}), but the registry expects {expected} ({expected_key})")]
    NotTheRegistrysKey {
        /// The file's verification method.
        found: String,
        /// The file's public key (Multikey).
        found_key: String,
        /// The key history's verification method.
        expected: String,
        /// The key history's public key (Multikey).
        expected_key: String,
    },
    /// The unsealed secret is not text.
    #[error("secret is not text")]
    SecretNotText,
    /// The unsealed secret is not a secret Multikey.
    #[error("{0}")]
    Secret(KeyError),
    /// The secret key's public key is not the file's.
    #[error("the secret key does not match the public key")]
    SecretMismatch,
}

/// Why the passphrase could not be had or used ([`IssuerError::Passphrase`]).
#[derive(Debug, thiserror::Error)]
pub enum PassphraseError {
    /// None was given, and the passphrase file (named) may not be created now.
    #[error("no passphrase: set {PASSPHRASE_ENV} or {PASSPHRASE_FILE_ENV}, or restore {0}")]
    Missing(String),
    /// The passphrase file could not be read.
    #[error("cannot read {path}: {source}")]
    Unreadable {
        /// The passphrase file.
        path: String,
        /// What the operating system said.
        source: IoFailure,
    },
    /// The passphrase file (named) is empty.
    #[error("{0} is empty")]
    Empty(String),
    /// The passphrase does not open a key file (wrong passphrase, or a damaged file).
    #[error("cannot open {path}: {error}")]
    Wrong {
        /// The key file.
        path: String,
        /// What opening the sealed key reported.
        error: SealError,
    },
}

/// Why the configuration is not usable ([`IssuerError::Config`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A setting is wrong, or does not match the data directory (free text for the operator,
    /// naming the setting and the values concerned).
    #[error("{0}")]
    Invalid(String),
    /// The issuer's DID cannot be made from the base URL, or its did:key document cannot be.
    #[error("{0}")]
    Did(DidError),
    /// The listening address cannot be bound.
    #[error("cannot listen on {address}: {source}")]
    Listen {
        /// The address.
        address: String,
        /// What the operating system said.
        source: IoFailure,
    },
    /// The bound listener's address cannot be read.
    #[error("listener address: {0}")]
    ListenerAddress(IoFailure),
}

/// A name that is none of the accepted ones (a status action, a token action): the text given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{given}` is not {what} ({accepted})")]
pub struct UnknownName {
    /// The text given.
    pub given: String,
    /// What it should name (`a status action`).
    pub what: &'static str,
    /// The accepted names, comma-separated.
    pub accepted: &'static str,
}

/// What kind of failure an [`IssuerError`] is, for status codes and problem types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The caller sent something wrong (400).
    BadRequest,
    /// The request conflicts with what the registry holds (409).
    Conflict,
    /// Not found (404).
    NotFound,
    /// The server failed (500).
    Internal,
    /// The server cannot take writes now (503).
    Unavailable,
}

impl IssuerError {
    /// An [`IssuerError::InvalidRequest`].
    pub fn invalid(member: &str, reason: impl Into<String>) -> Self {
        Self::InvalidRequest {
            member: member.to_owned(),
            reason: reason.into(),
        }
    }

    /// An [`IssuerError::Config`] of a wrong setting, named in `reason`.
    pub(crate) fn config(reason: impl Into<String>) -> Self {
        Self::Config(ConfigError::Invalid(reason.into()))
    }

    pub(crate) fn store(e: impl std::fmt::Display) -> Self {
        Self::Store(StoreError::Backend(e.to_string()))
    }

    /// This error once more, for another request of a group that failed with it: a store
    /// error or an unavailable database as it is (both are `Clone`), anything else as the
    /// store's failure with its message.
    pub(crate) fn for_group(&self) -> Self {
        match self {
            Self::Store(e) => Self::Store(e.clone()),
            Self::Unavailable(r) => Self::Unavailable(r.clone()),
            other => Self::store(other),
        }
    }

    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.display().to_string(),
            source: IoFailure::of(&source),
        }
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Syntax(_)
            | Self::Record(_)
            | Self::Schema(_)
            | Self::JsonLd(_)
            | Self::InvalidRequest { .. }
            | Self::TypeNotAllowed(_) => ErrorKind::BadRequest,
            Self::Conflict { .. }
            | Self::DuplicateId(_)
            | Self::StatusConflict { .. }
            | Self::Rotation(_) => ErrorKind::Conflict,
            Self::UnknownCredential(_) => ErrorKind::NotFound,
            Self::Unavailable(_) => ErrorKind::Unavailable,
            Self::Status(_)
            | Self::KeyFile { .. }
            | Self::Passphrase(_)
            | Self::Config(_)
            | Self::Signing(_)
            | Self::Store(_)
            | Self::Io { .. }
            | Self::Hsm(_)
            | Self::Tls(_) => ErrorKind::Internal,
        }
    }

    /// A short, stable slug naming the problem (the last segment of the problem `type` URL).
    pub fn slug(&self) -> &'static str {
        match self {
            Self::Syntax(SyntaxError::Json(
                JsonError::Syntax { .. } | JsonError::DuplicateMember { .. },
            )) => "malformed-json",
            Self::Syntax(SyntaxError::Json(JsonError::TooLarge { .. })) => "too-large",
            // well-formed JSON of the wrong shape
            Self::Syntax(
                SyntaxError::Field { .. } | SyntaxError::Json(JsonError::Shape { .. }),
            ) => "invalid-credential",
            Self::Record(_) => "invalid-record",
            Self::Schema(_) => "schema-violation",
            Self::JsonLd(_) => "undefined-term",
            Self::InvalidRequest { .. } => "invalid-request",
            Self::TypeNotAllowed(_) => "type-not-allowed",
            Self::Conflict { .. } => "source-record-conflict",
            Self::DuplicateId(_) => "duplicate-id",
            Self::UnknownCredential(_) => "unknown-credential",
            Self::StatusConflict { .. } => "status-conflict",
            Self::Rotation(_) => "rotation-not-possible",
            Self::Unavailable(_) => "unavailable",
            Self::Status(_)
            | Self::KeyFile { .. }
            | Self::Passphrase(_)
            | Self::Config(_)
            | Self::Signing(_)
            | Self::Store(_)
            | Self::Io { .. }
            | Self::Hsm(_)
            | Self::Tls(_) => "internal",
        }
    }
}
