//! [`IoFailure`]: an operating-system I/O error as civitas' own type, so that no crate's public
//! errors expose `std::io::Error` (which is neither `Clone` nor comparable).

/// What the operating system said when a file or socket could not be used. The path it
/// concerns is kept by the error that carries this (e.g. the issuer's or the ingestion's `Io`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct IoFailure {
    /// The kind of failure (`NotFound`, `PermissionDenied`, …), for callers that match on it.
    pub kind: std::io::ErrorKind,
    /// The system's message, as `std::io::Error` displays it.
    pub message: String,
}

impl IoFailure {
    /// From an I/O error, keeping its kind and its message.
    pub fn of(e: &std::io::Error) -> Self {
        Self {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_kind_and_message() {
        let e = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let f = IoFailure::of(&e);
        assert_eq!(f.kind, std::io::ErrorKind::NotFound);
        assert_eq!(f.to_string(), e.to_string());
    }
}
