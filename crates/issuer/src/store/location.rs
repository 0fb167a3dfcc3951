//! Where the registry lives ([`StoreLocation`]): the embedded sled database in the data
//! directory (the default), or a PostgreSQL database named by a `postgres://` URL. An issuer
//! created on PostgreSQL remembers the URL in `<data dir>/store.toml` (without its password),
//! so that every later opening of the data directory finds its registry without being told.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::IssuerError;

/// Largest `store.toml` read (64 KiB), and longest store URL accepted (4 KiB).
const MAX_STORE_FILE: u64 = 64 * 1024;
const MAX_URL: usize = 4096;

/// The environment variable a PostgreSQL password is read from when the URL has none (as
/// libpq's `PGPASSWORD`).
pub const PASSWORD_ENV: &str = "PGPASSWORD";

/// Where the registry lives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum StoreLocation {
    /// The sled database in `<data dir>/registry` (the default: nothing to install).
    #[default]
    Sled,
    /// A PostgreSQL database (`postgres://user@host:port/db` or
    /// `postgresql:///db?host=/run/postgresql`): see SPEC.md §21.
    Postgres {
        /// The connection URL, as given (it may carry a password; it is never logged or
        /// written to disk).
        url: String,
    },
}

impl StoreLocation {
    /// Parses a store setting: `sled`, or a `postgres://` / `postgresql://` URL (at most
    /// 4 KiB, parsed as PostgreSQL's connection URL).
    pub fn parse(text: &str) -> Result<Self, IssuerError> {
        let text = text.trim();
        if text.len() > MAX_URL {
            return Err(IssuerError::config(format!(
                "store: the URL is longer than {MAX_URL} bytes"
            )));
        }
        if text == "sled" {
            return Ok(Self::Sled);
        }
        if !(text.starts_with("postgres://") || text.starts_with("postgresql://")) {
            return Err(IssuerError::config(format!(
                "store: expected `sled` or a postgres:// URL, got `{}`",
                redact(text)
            )));
        }
        text.parse::<tokio_postgres::Config>().map_err(|e| {
            IssuerError::config(format!("store: `{}` is not a valid URL: {e}", redact(text)))
        })?;
        Ok(Self::Postgres {
            url: text.to_owned(),
        })
    }

    /// The setting as it may be shown or written down: the URL without its password.
    pub fn display(&self) -> String {
        match self {
            Self::Sled => "sled".to_owned(),
            Self::Postgres { url } => redact(url),
        }
    }
}

/// `url` without the password of its user-info part (`postgres://user:secret@host` →
/// `postgres://user@host`), and without a `password=` query parameter. The user-info part is
/// everything before the last `@` ahead of the query, so that a password typed with a raw `/`
/// is removed too.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (before_query, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    let location = match before_query.rsplit_once('@') {
        Some((user_info, host_and_path)) => {
            let user = user_info.split(':').next().unwrap_or_default();
            format!("{user}@{host_and_path}")
        }
        None => before_query.to_owned(),
    };
    let query = query.map(|q| {
        q.split('&')
            .filter(|p| !p.to_ascii_lowercase().starts_with("password="))
            .collect::<Vec<_>>()
            .join("&")
    });
    match query {
        Some(q) if !q.is_empty() => format!("{scheme}://{location}?{q}"),
        _ => format!("{scheme}://{location}"),
    }
}

/// What `store.toml` holds.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreFile {
    /// The URL without its password.
    url: String,
}

/// Where an issuer on PostgreSQL remembers its database: `<data dir>/store.toml`.
pub fn store_file(data_dir: &Path) -> PathBuf {
    data_dir.join("store.toml")
}

/// Writes `location` to `<data dir>/store.toml` (mode 0600, without the password) when it is a
/// PostgreSQL URL and the file does not already say so.
pub(crate) fn remember(data_dir: &Path, location: &StoreLocation) -> Result<(), IssuerError> {
    let StoreLocation::Postgres { url } = location else {
        return Ok(());
    };
    let url = redact(url);
    if let Some(StoreLocation::Postgres { url: known }) = recall(data_dir)?
        && known == url
    {
        return Ok(());
    }
    let text = toml::to_string(&StoreFile { url })
        .map_err(|e| IssuerError::config(format!("writing store.toml: {e}")))?;
    crate::fsutil::write_private(&store_file(data_dir), text.as_bytes())
}

/// The location `<data dir>/store.toml` names, if the file exists.
pub fn recall(data_dir: &Path) -> Result<Option<StoreLocation>, IssuerError> {
    let path = store_file(data_dir);
    if !path.exists() {
        return Ok(None);
    }
    let text = crate::fsutil::read_limited(&path, MAX_STORE_FILE)?;
    parse_store_file(&text)
        .map(Some)
        .map_err(|e| IssuerError::config(format!("{}: {e}", path.display())))
}

/// The location a `store.toml` text names (`url = "…"`, nothing else).
pub fn parse_store_file(text: &str) -> Result<StoreLocation, IssuerError> {
    let file: StoreFile = toml::from_str(text).map_err(|e| IssuerError::config(e.to_string()))?;
    StoreLocation::parse(&file.url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_never_shown() {
        assert_eq!(
            redact("postgres://civitas:s3cret@db.example:5432/registry?sslmode=disable&password=x"),
            "postgres://civitas@db.example:5432/registry?sslmode=disable"
        );
        assert_eq!(
            redact("postgresql:///registry?host=/run/postgresql"),
            "postgresql:///registry?host=/run/postgresql"
        );
        assert_eq!(redact("postgres://u@h/d?password=x"), "postgres://u@h/d");
        assert_eq!(redact("postgres://u:pa/ss@h/d"), "postgres://u@h/d");
        assert_eq!(
            redact("postgres://u:p@h/d?a=1&Password=x&b=2"),
            "postgres://u@h/d?a=1&b=2"
        );
    }

    #[test]
    fn settings_parse_or_say_what_is_wrong() {
        assert_eq!(StoreLocation::parse("sled").unwrap(), StoreLocation::Sled);
        assert!(matches!(
            StoreLocation::parse("postgres://u@127.0.0.1:5432/civitas").unwrap(),
            StoreLocation::Postgres { .. }
        ));
        let e = StoreLocation::parse("mysql://u:pw@h/d")
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected `sled` or a postgres:// URL"), "{e}");
        assert!(!e.contains("pw"), "{e}");
        let e = StoreLocation::parse("postgres://u@h:notaport/d")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a valid URL"), "{e}");
        let long = format!("postgres://u@h/{}", "d".repeat(5000));
        assert!(StoreLocation::parse(&long).is_err());
    }

    #[test]
    fn the_data_directory_remembers_the_url_without_its_password() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(recall(dir.path()).unwrap(), None);
        remember(
            dir.path(),
            &StoreLocation::parse("postgres://u:pw@127.0.0.1:5/d").unwrap(),
        )
        .unwrap();
        let text = std::fs::read_to_string(store_file(dir.path())).unwrap();
        assert!(!text.contains("pw"), "{text}");
        assert_eq!(
            recall(dir.path()).unwrap(),
            Some(StoreLocation::Postgres {
                url: "postgres://u@127.0.0.1:5/d".into()
            })
        );
        std::fs::write(store_file(dir.path()), "url = 3").unwrap();
        assert!(recall(dir.path()).is_err());
    }
}
