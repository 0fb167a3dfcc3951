//! [`WalletError`]: everything that can go wrong with a wallet, each variant naming the record,
//! field or file concerned.

use civitas_core::io::IoFailure;
use civitas_core::report::Report;
use civitas_keys::sealed::SealError;

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
    Passphrase(String),
    /// The input cannot be imported: it is not a credential the wallet reads.
    #[error("cannot import: {0}")]
    Unreadable(String),
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
    /// Signing the presentation failed.
    #[error("signing the presentation failed: {0}")]
    Sign(String),
    /// A backup file is damaged or is not a civitas wallet backup.
    #[error("the backup is refused: {0}")]
    BackupDamaged(String),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// What the operating system said.
        source: IoFailure,
    },
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
