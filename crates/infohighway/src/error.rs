//! Errors. Two kinds of failure are kept apart on purpose:
//!
//! - a **bad record** never stops an ingestion: it becomes a [`Rejection`](crate::report::Rejection)
//!   in the ingest report (record id, field, reason);
//! - an [`IngestError`] stops it: the input as a whole is unusable (a mapping or configuration
//!   file with a mistake, an unreadable file, the e-service refusing our credentials, the issuer's
//!   store failing). Nothing past the last checkpoint is assumed done, so running again resumes.

use std::path::PathBuf;

use civitas_core::io::IoFailure;
use civitas_issuer::IssuerError;

/// A mapping or configuration file that cannot be used, naming where the mistake is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {key}{message}", key = key_prefix(.key))]
pub struct FileError {
    /// The file (its path, or a label such as `<mapping>` for text given in memory).
    pub file: String,
    /// 1-based line of the mistake (0 when unknown).
    pub line: usize,
    /// 1-based column of the mistake (0 when unknown).
    pub column: usize,
    /// The key concerned (`fields."birthDate".date`), when known.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
}

fn key_prefix(key: &Option<String>) -> String {
    key.as_ref().map(|k| format!("`{k}`: ")).unwrap_or_default()
}

impl FileError {
    /// An error at byte `offset` of `text`.
    pub fn at(
        file: &str,
        text: &str,
        offset: Option<usize>,
        key: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        let (line, column) = offset.map_or((0, 0), |o| line_column(text, o));
        Self {
            file: file.to_owned(),
            line,
            column,
            key,
            message: message.into(),
        }
    }

    /// From a TOML parse error (which carries the span of the mistake). Crate-private: the
    /// TOML parser's error type is not part of this crate's API, only what it said and where.
    pub(crate) fn from_toml(file: &str, text: &str, e: &toml::de::Error) -> Self {
        let message = e.message().trim().to_owned();
        Self::at(file, text, e.span().map(|s| s.start), None, message)
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Everything that stops an ingestion.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The mapping file is not usable.
    #[error("mapping {0}")]
    Mapping(FileError),
    /// The InfoHighway configuration file is not usable.
    #[error("configuration {0}")]
    Config(FileError),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: IoFailure,
    },
    /// An input file is not in the expected format as a whole (a CSV header missing, a line
    /// longer than the limit, invalid UTF-8 where the format requires it).
    #[error("{path}: {reason}")]
    Input {
        /// The file.
        path: String,
        /// What is wrong, with the line or byte position.
        reason: String,
    },
    /// The TLS handshake with the e-service failed for a reason retrying cannot fix: it
    /// refused our client certificate (or wanted one), or its own certificate is not one the
    /// configured CA vouches for.
    #[error("{url}: the TLS handshake failed: {reason}")]
    TlsRefused {
        /// The request URL (without query).
        url: String,
        /// What TLS reported.
        reason: String,
    },
    /// The e-service refused our credentials (401/403): a configuration problem, not a
    /// transient one.
    #[error("{url}: access refused ({status}): {detail}")]
    AuthRefused {
        /// The request URL (without query).
        url: String,
        /// The HTTP status.
        status: u16,
        /// The body (shortened), or the problem's `detail`.
        detail: String,
    },
    /// The e-service answered with an error that retrying will not fix (4xx), or kept failing
    /// (5xx, timeouts, malformed pages) after every retry.
    #[error("{url}: {reason}")]
    Service {
        /// The request URL (without query).
        url: String,
        /// What went wrong, with the last status or error.
        reason: String,
    },
    /// The checkpoint file is unreadable or belongs to another feed.
    #[error("checkpoint {path}: {reason}")]
    Checkpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The issuer failed as a whole (store, signing key, shutdown): the batch in flight is not
    /// acknowledged and is retried on the next run.
    #[error("issuer: {0}")]
    Issuer(IssuerFailure),
    /// The separate version ledger of an earlier civitas could not be read (to be folded into
    /// the registry).
    #[error("ledger {path}: {reason}")]
    Ledger {
        /// The ledger directory.
        path: PathBuf,
        /// What went wrong (free text: what sled reported, whose error type is not part of
        /// civitas' API, or which entry is not UTF-8).
        reason: String,
    },
}

/// How the issuer failed as a whole ([`IngestError::Issuer`]).
#[derive(Debug, thiserror::Error)]
pub enum IssuerFailure {
    /// The issuer's own error (its store, its signing key, a shutdown).
    #[error("{0}")]
    Error(IssuerError),
    /// The issuer answered a batch with another number of results than requests.
    #[error("{got} results for {sent} requests")]
    ResultCount {
        /// Results received.
        got: usize,
        /// Requests sent.
        sent: usize,
    },
    /// Signing failed for every record of a batch: the signer is broken, not the records.
    #[error("signing failed for every record of the batch: the signer is broken")]
    SignerBroken,
}

impl From<IssuerError> for IngestError {
    fn from(e: IssuerError) -> Self {
        Self::Issuer(IssuerFailure::Error(e))
    }
}

impl IngestError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source: IoFailure::of(&source),
        }
    }

    /// Whether this is bad input or configuration from the operator (exit code 2 in the CLI) as
    /// opposed to a failure of a service or the issuer (also 2, but worth telling apart in
    /// logs).
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            Self::Mapping(_)
                | Self::Config(_)
                | Self::Input { .. }
                | Self::AuthRefused { .. }
                | Self::TlsRefused { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_columns() {
        let text = "a = 1\nbb = 2\nccc = 3";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, 9), (2, 4));
        assert_eq!(line_column(text, 1000), (3, 8));
        let e = FileError::at("m.toml", text, Some(9), Some("bb".into()), "no");
        assert_eq!(e.to_string(), "m.toml:2:4: `bb`: no");
    }

    #[test]
    fn an_issuer_failure_keeps_the_issuers_error() {
        use civitas_issuer::error::UnavailableReason;
        let e = IngestError::from(IssuerError::Unavailable(
            UnavailableReason::CommitterStopped,
        ));
        assert!(matches!(
            e,
            IngestError::Issuer(IssuerFailure::Error(IssuerError::Unavailable(
                UnavailableReason::CommitterStopped
            )))
        ));
        assert_eq!(
            e.to_string(),
            "issuer: the issuer is unavailable: the committer has stopped"
        );
        let e = IngestError::Issuer(IssuerFailure::ResultCount { got: 2, sent: 3 });
        assert_eq!(e.to_string(), "issuer: 2 results for 3 requests");
    }
}
