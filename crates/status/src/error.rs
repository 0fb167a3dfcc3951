//! The errors of civitas-status: one variant per thing that can be wrong, each naming the
//! offending value.

use civitas_core::credential::SyntaxError;
use civitas_core::data_integrity::ProofError;
use civitas_core::verify::InputError;

use crate::entry::StatusPurpose;

/// Why an `encodedList` value could not be turned into a bitstring.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodedListError {
    /// The encoded text is longer than [`MAX_ENCODED_LIST_BYTES`](crate::bitstring::MAX_ENCODED_LIST_BYTES).
    #[error("encodedList is {size} bytes long, more than the {max} accepted")]
    TooLong {
        /// Its length.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The value does not start with the multibase prefix `u` (base64url, no padding).
    #[error(
        "encodedList is not multibase base64url: it must start with `u`, it starts with {found}"
    )]
    NotMultibase {
        /// What it starts with (`nothing` for an empty value).
        found: String,
    },
    /// The text after `u` is not unpadded base64url.
    #[error(
        "encodedList is not valid base64url (unpadded, alphabet A-Z a-z 0-9 - _): bad input at character {offset} after the `u` prefix"
    )]
    Base64 {
        /// Offset of the first bad character in the text after `u`.
        offset: usize,
    },
    /// The decoded bytes are not a GZIP stream (no `1f 8b` magic number).
    #[error(
        "encodedList is not GZIP-compressed: the data does not start with the GZIP magic bytes 1f 8b"
    )]
    NotGzip,
    /// The GZIP stream ends early.
    #[error(
        "encodedList is a truncated GZIP stream: it ends before the compressed data is complete"
    )]
    Truncated,
    /// The GZIP stream is damaged (bad header, bad deflate data, bad CRC or length).
    #[error("encodedList is a corrupt GZIP stream: {reason}")]
    Corrupt {
        /// What the decompressor reported.
        reason: String,
    },
    /// The stream expands to more than [`MAX_DECODED_LIST_BYTES`](crate::bitstring::MAX_DECODED_LIST_BYTES):
    /// decompression was stopped there.
    #[error(
        "encodedList expands to more than {max} bytes (a GZIP bomb?); civitas stops decompressing status lists at {max} bytes"
    )]
    TooLarge {
        /// The cap.
        max: usize,
    },
    /// Bytes follow the GZIP member (another member, or garbage): a status list is exactly one
    /// GZIP member, so two readers cannot disagree on what it holds.
    #[error(
        "encodedList has {count} bytes after the end of its GZIP stream; a status list is exactly one GZIP member"
    )]
    TrailingBytes {
        /// How many bytes follow the member.
        count: usize,
    },
}

/// Everything that can go wrong in civitas-status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusError {
    /// A malformed `encodedList`.
    #[error(transparent)]
    EncodedList(#[from] EncodedListError),

    /// The decoded status list is shorter than the 16 KiB (131,072 bits) the specification
    /// requires.
    #[error(
        "the status list holds {bits} bits, less than the {min} bits (16 KiB) the Bitstring Status List specification requires"
    )]
    ListTooShort {
        /// Its length in bits.
        bits: u64,
        /// The minimum.
        min: u64,
    },

    /// `statusListIndex` is not a base-10 string of a non-negative integer.
    #[error("statusListIndex `{value}` is invalid: {reason}")]
    InvalidIndex {
        /// The value as given (JSON, if it was not a string).
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// The index lies outside the list.
    #[error(
        "statusListIndex {index} (statusSize {status_size}) is out of range: the list holds {entries} entries"
    )]
    IndexOutOfRange {
        /// The index.
        index: u64,
        /// Bits per entry.
        status_size: u8,
        /// How many entries of that size the list holds.
        entries: u64,
    },

    /// `statusSize` is not an integer from 1 to 8.
    #[error("statusSize `{value}` is invalid: civitas supports 1 to 8 bits per entry")]
    InvalidStatusSize {
        /// The value as given.
        value: String,
    },

    /// `statusMessage` is missing or malformed.
    #[error("statusMessage is invalid: {reason}")]
    InvalidStatusMessage {
        /// What is wrong.
        reason: String,
    },

    /// A `statusPurpose` civitas does not know.
    #[error("statusPurpose `{value}` is not one of refresh, revocation, suspension, message")]
    UnknownPurpose {
        /// The value as given.
        value: String,
    },

    /// The entry's purpose is not among the list's purposes.
    #[error("the entry's statusPurpose is {entry}, but status list {list} is for {list_purposes}")]
    PurposeMismatch {
        /// The list URL.
        list: String,
        /// The list's purposes, comma-separated.
        list_purposes: String,
        /// The entry's purpose.
        entry: StatusPurpose,
    },

    /// The status list was issued by someone other than the credential's issuer.
    #[error(
        "status list {list} was issued by {list_issuer}, not by the credential's issuer {credential_issuer}"
    )]
    IssuerMismatch {
        /// The list URL.
        list: String,
        /// The list's issuer.
        list_issuer: String,
        /// The credential's issuer.
        credential_issuer: String,
    },

    /// The entry points at another list than the one given.
    #[error("the entry points at status list {entry_list}, not at {list}")]
    ListMismatch {
        /// The entry's `statusListCredential`.
        entry_list: String,
        /// The list's URL.
        list: String,
    },

    /// A list fetched from one URL names another as its `id`.
    #[error("the status list fetched from {fetched_from} has the id {id}")]
    UnexpectedListId {
        /// Where it was fetched from.
        fetched_from: String,
        /// Its `id`.
        id: String,
    },

    /// A status value does not fit in the entry's bits.
    #[error("status value {value} does not fit in {status_size} bit(s)")]
    ValueTooLarge {
        /// The value.
        value: u8,
        /// Bits per entry.
        status_size: u8,
    },

    /// A revoked entry cannot be cleared or changed: revocation is final.
    #[error("index {index} of {list} is revoked, and revocation is final: it cannot be cleared")]
    RevocationIsFinal {
        /// The list URL.
        list: String,
        /// The index.
        index: u64,
    },

    /// The operation does not fit the list's purpose (e.g. suspending on a revocation list).
    #[error("cannot {operation} on status list {list}: it is a {purpose} list")]
    WrongOperation {
        /// The operation.
        operation: &'static str,
        /// The list URL.
        list: String,
        /// The list's purpose.
        purpose: StatusPurpose,
    },

    /// A member of a status entry or status list credential is missing or has the wrong shape.
    #[error("`{pointer}`: {reason}")]
    Field {
        /// JSON pointer to the member (`/credentialSubject/encodedList`).
        pointer: String,
        /// What is wrong.
        reason: String,
    },

    /// The document is not a credential at all (bad JSON, bad JWT, VC data model errors).
    #[error("not a readable credential: {0}")]
    Input(#[from] InputError),

    /// The credential is not a `BitstringStatusListCredential`.
    #[error("not a status list credential: {reason}")]
    NotAStatusList {
        /// Why.
        reason: String,
    },

    /// The status list credential's proof does not verify (altered, or signed by an unknown key).
    #[error("the signature of status list {list} does not verify: {reason}")]
    BadListSignature {
        /// The list URL.
        list: String,
        /// What the verifier reported.
        reason: String,
    },

    /// The status list credential is signed by a key its issuer does not control or does not
    /// allow for `assertionMethod`: signed by someone else.
    #[error("status list {list} is not signed by its issuer {issuer}: {reason}")]
    ListNotSignedByIssuer {
        /// The list URL.
        list: String,
        /// The list's issuer.
        issuer: String,
        /// What the check reported.
        reason: String,
    },

    /// Another check on the status list credential failed (e.g. its syntax or schema).
    #[error("status list {list} was rejected: {reason}")]
    ListRejected {
        /// The list URL.
        list: String,
        /// Why.
        reason: String,
    },

    /// A cache already holds a newer version of the list (an older one may be a replay).
    #[error(
        "status list {list} valid from {offered} is older than the cached one valid from {cached}: refusing to roll back"
    )]
    Rollback {
        /// The list URL.
        list: String,
        /// `validFrom` of the cached list.
        cached: String,
        /// `validFrom` of the list offered.
        offered: String,
    },

    /// Signing a status list credential failed.
    #[error("signing the status list failed: {0}")]
    Signing(#[from] ProofError),

    /// An allocator configuration or state that cannot be used.
    #[error("invalid allocator: {reason}")]
    InvalidAllocator {
        /// Why.
        reason: String,
    },
}

impl StatusError {
    pub(crate) fn field(pointer: &str, reason: impl Into<String>) -> Self {
        Self::Field {
            pointer: pointer.to_owned(),
            reason: reason.into(),
        }
    }
}

impl From<SyntaxError> for StatusError {
    fn from(e: SyntaxError) -> Self {
        Self::Input(InputError::Syntax(e))
    }
}
