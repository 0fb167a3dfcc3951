//! [`WalletError`]: everything that can go wrong with a wallet, each variant naming the record,
//! field or file concerned.

use civitas_core::io::IoFailure;
use civitas_core::report::Report;
use civitas_core::secure::SecureError;
use civitas_core::verify::InputError;
use civitas_jsonld::json::JsonError;
use civitas_keys::encoding::DecodeError;
use civitas_keys::sealed::SealError;
use civitas_qr::compact::CompactError;

/// Why a wallet operation failed.
#[derive(Debug, thiserror::Error)]
pub enum WalletError {
    /// The passphrase does not open this wallet (or backup). Nothing was changed.
    #[error("wrong passphrase: it does not open this {what} (nothing was changed)")]
    WrongPassphrase {
        /// `wallet` or `backup`.
        what: &'static str,
    },
    /// There is no wallet in the directory.
    #[error("there is no wallet in {path} (create one with `civitas wallet init`)")]
    NotAWallet {
        /// The directory.
        path: String,
    },
    /// The directory already holds something; a wallet is only created in a new or empty one.
    #[error(
        "{path} is not empty: a wallet is created (or restored) only in a new or empty directory"
    )]
    NotEmpty {
        /// The directory.
        path: String,
    },
    /// The database could not be opened or written (held by another process, disk error,
    /// damaged files).
    #[error("wallet database {path}: {reason}")]
    Database {
        /// The directory.
        path: String,
        /// What went wrong.
        reason: DatabaseFailure,
    },
    /// A record of the wallet is damaged: it does not decrypt or does not parse.
    #[error("the wallet is damaged: {record}: {reason}")]
    Corrupt {
        /// Which record (`header`, `document 3f9a0c1b2d4e`, `holder key …`, `consent log entry 7`).
        record: String,
        /// What is wrong.
        reason: String,
    },
    /// A wallet written by a later version.
    #[error("{what} format version {found} is not supported (this version reads {supported})")]
    Version {
        /// `wallet` or `backup`.
        what: &'static str,
        /// The version found.
        found: u32,
        /// The version this code reads.
        supported: u32,
    },
    /// The key-derivation parameters are unacceptable, or a key cannot be derived.
    #[error("passphrase key derivation: {0}")]
    Kdf(SealError),
    /// The passphrase is empty or too long.
    #[error("passphrase: {0}")]
    Passphrase(PassphraseProblem),
    /// The input cannot be imported: it is not a credential the wallet reads.
    #[error("cannot import: {0}")]
    Unreadable(UnreadableInput),
    /// The verifier did not accept the credential; its report says why.
    #[error("the credential was refused: {reason}")]
    Refused {
        /// The first failed (or undecided) check, in words.
        reason: String,
        /// The verifier's full report.
        report: Box<Report>,
    },
    /// The same credential is already in the wallet.
    #[error("this credential is already in the wallet as document {id}")]
    Duplicate {
        /// The stored document's id.
        id: String,
    },
    /// No document (or holder key) has this id, or an id prefix matches several.
    #[error("{0}")]
    NotFound(String),
    /// A share request that cannot be honoured (a bad challenge or domain, a document that
    /// cannot go into a presentation, no holder key for the subject).
    #[error("cannot share: {0}")]
    Share(String),
    /// Signing the presentation failed: civitas-core's error (a typed payload; the message
    /// includes it).
    #[error("signing the presentation failed: {0}")]
    Sign(SecureError),
    /// A backup file is damaged or is not a civitas wallet backup.
    #[error("the backup is refused: {0}")]
    BackupDamaged(BackupProblem),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// What the operating system said.
        source: IoFailure,
    },
}

/// What is wrong with a backup file ([`WalletError::BackupDamaged`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackupProblem {
    /// It is larger than a backup may be.
    #[error("it is {size} bytes, more than the {max} a backup may have")]
    TooLarge {
        /// Its size in bytes.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// It is not the JSON of a backup: the strict parser's error (with where it is).
    #[error("not a civitas wallet backup: {0}")]
    NotABackup(JsonError),
    /// Its `format` is not the backup format.
    #[error("`format` is {found:?}, expected {expected:?}")]
    Format {
        /// The `format` found.
        found: String,
        /// The backup format.
        expected: &'static str,
    },
    /// Its `content` is not base64url.
    #[error("`content`: {0}")]
    Content(DecodeError),
    /// Its content does not authenticate (altered or truncated).
    #[error("the content does not authenticate: the file was altered or truncated")]
    NotAuthentic,
    /// Its decrypted content is not what a backup holds.
    #[error("the content cannot be read: {0}")]
    ContentUnreadable(JsonError),
}

/// What is wrong with a passphrase ([`WalletError::Passphrase`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PassphraseProblem {
    /// It is empty.
    #[error("the passphrase is empty")]
    Empty,
    /// It is longer than allowed.
    #[error("the passphrase is {size} bytes, more than {max}")]
    TooLong {
        /// Its length in bytes.
        size: usize,
        /// The limit.
        max: usize,
    },
}

/// Why an input cannot be imported ([`WalletError::Unreadable`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnreadableInput {
    /// The input is larger than a document may be.
    #[error("the input is {size} bytes, more than the {max} allowed")]
    TooLarge {
        /// Its size in bytes.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The input is not UTF-8 text.
    #[error(
        "the input is not UTF-8 text (invalid byte at offset {offset}); a QR code photo must be read first (`civitas qr decode`)"
    )]
    NotText {
        /// The offset of the first invalid byte.
        offset: usize,
    },
    /// The input is empty.
    #[error("the input is empty")]
    Empty,
    /// The compact QR text (`CV1:`) does not decode: civitas-core's error.
    #[error("{0}")]
    Compact(CompactError),
    /// The input is an SD-JWT that cannot be read: civitas-sdjwt's error.
    #[error("SD-JWT: {0}")]
    SdJwt(civitas_sdjwt::SdJwtError),
    /// The input is neither a JSON credential nor a `vc+jwt`: civitas-core's error.
    #[error("{0}")]
    Input(InputError),
    /// The input is a presentation.
    #[error("this is a presentation; import the credentials it carries one by one")]
    Presentation,
}

/// Why the wallet's database failed ([`WalletError::Database`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DatabaseFailure {
    /// The database files are damaged: the database found the damage itself.
    #[error("the database files are damaged and cannot be read (restore a backup)")]
    Damaged,
    /// The database files are damaged: the database gave up reading them.
    #[error("the database files are damaged and cannot be read")]
    Unreadable,
    /// Anything else the database reported (held by another process, a disk error). Free
    /// text: sled's own error type is not part of civitas' API.
    #[error("{0}")]
    Backend(String),
}

impl WalletError {
    pub(crate) fn corrupt(record: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Corrupt {
            record: record.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn io(path: &std::path::Path, e: std::io::Error) -> Self {
        Self::Io {
            path: path.display().to_string(),
            source: IoFailure::of(&e),
        }
    }
}
