//! The InfoHighway configuration file (TOML): where the e-service is, how to authenticate,
//! how its pages look, how hard to retry, how fast to go, and which mapping turns each
//! service's records into documents. See SPEC.md (section "Ingestion") for the contract it describes and
//! `infohighway.example.toml` in this crate for a complete file.
//!
//! Relative paths (mappings, certificate files, key files, the checkpoint directory) are
//! relative to the configuration file's directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::error::{FileError, IngestError};

/// The configuration format this crate reads.
pub const CONFIG_FORMAT: u32 = 1;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    format: Spanned<u32>,
    base_url: Spanned<String>,
    #[serde(default)]
    records_path: Option<Spanned<String>>,
    #[serde(default)]
    page_size: Option<u32>,
    #[serde(default)]
    timeout_secs: Option<f64>,
    #[serde(default)]
    connect_timeout_secs: Option<f64>,
    #[serde(default)]
    max_response_bytes: Option<u64>,
    #[serde(default)]
    rate_limit: Option<Spanned<f64>>,
    #[serde(default)]
    poll_interval_secs: Option<f64>,
    #[serde(default)]
    checkpoint_dir: Option<String>,
    #[serde(default)]
    user_agent: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    auth: Option<Spanned<RawAuth>>,
    #[serde(default)]
    tls: Option<RawTls>,
    #[serde(default)]
    retry: Option<RawRetry>,
    #[serde(default)]
    paging: Option<RawPaging>,
    services: BTreeMap<Spanned<String>, Spanned<RawService>>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
enum RawAuth {
    None,
    ApiKey {
        #[serde(default)]
        header: Option<String>,
        #[serde(default)]
        prefix: Option<String>,
        #[serde(default)]
        key_env: Option<String>,
        #[serde(default)]
        key_file: Option<String>,
    },
    Mtls {
        identity: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTls {
    #[serde(default)]
    ca: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRetry {
    #[serde(default)]
    max_attempts: Option<u32>,
    #[serde(default)]
    initial_backoff_ms: Option<u64>,
    #[serde(default)]
    max_backoff_ms: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPaging {
    #[serde(default)]
    cursor_param: Option<String>,
    #[serde(default)]
    limit_param: Option<String>,
    #[serde(default)]
    records: Option<String>,
    #[serde(default)]
    next_cursor: Option<String>,
    #[serde(default)]
    has_more: Option<String>,
    #[serde(default)]
    remaining: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    service: String,
    mapping: String,
}

/// How requests are authenticated.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// No authentication (a stub, a gateway that authenticates by network).
    None,
    /// An API key in a header: `header: prefix + key`.
    ApiKey {
        /// The header (default `X-API-Key`).
        header: String,
        /// Text before the key (`Bearer ` for `Authorization`).
        prefix: String,
        /// The key.
        key: String,
    },
    /// A client certificate (mutual TLS): a PEM file with the certificate chain and its
    /// private key.
    Mtls {
        /// The PEM file.
        identity: PathBuf,
    },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::ApiKey { header, .. } => {
                write!(f, "ApiKey {{ header: {header:?}, key: <redacted> }}")
            }
            Self::Mtls { identity } => write!(f, "Mtls {{ identity: {identity:?} }}"),
        }
    }
}

/// Retries on timeouts, connection failures, 429, 5xx and malformed pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Attempts per request, the first included (default 6).
    pub max_attempts: u32,
    /// The first wait (default 500 ms); doubled on every attempt, with jitter.
    pub initial_backoff: Duration,
    /// The longest wait (default 30 s), also the cap on a `Retry-After`.
    pub max_backoff: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
        }
    }
}

/// The names of the paging parameters and response members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paging {
    /// Query parameter carrying the cursor (default `cursor`).
    pub cursor_param: String,
    /// Query parameter carrying the page size (default `limit`).
    pub limit_param: String,
    /// Member (dotted path) holding the records array (default `records`).
    pub records: String,
    /// Member holding the next cursor (default `nextCursor`).
    pub next_cursor: String,
    /// Member saying whether more pages follow (default `hasMore`).
    pub has_more: String,
    /// Member holding the number of records left after this page, if the service gives it
    /// (default `remaining`; used for the progress bar's ETA).
    pub remaining: String,
}

impl Default for Paging {
    fn default() -> Self {
        Self {
            cursor_param: "cursor".into(),
            limit_param: "limit".into(),
            records: "records".into(),
            next_cursor: "nextCursor".into(),
            has_more: "hasMore".into(),
            remaining: "remaining".into(),
        }
    }
}

/// One e-service feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceConfig {
    /// Our name for it (`birth`, `marriage`): the checkpoint file is named after it.
    pub name: String,
    /// The e-service's name, put in the records path.
    pub service: String,
    /// The mapping file.
    pub mapping: PathBuf,
}

/// The InfoHighway configuration.
#[derive(Debug, Clone)]
pub struct InfoHighwayConfig {
    /// The file it was read from.
    pub file: PathBuf,
    /// The e-service base URL (`https://infohighway.gov.example/api`).
    pub base_url: String,
    /// The records path under the base URL, `{service}` replaced by the service name (default
    /// `/services/{service}/records`).
    pub records_path: String,
    /// Records per page asked for (default 500).
    pub page_size: u32,
    /// Whole-request timeout (default 30 s).
    pub timeout: Duration,
    /// Connection timeout (default 10 s).
    pub connect_timeout: Duration,
    /// Largest accepted response body (default 16 MiB).
    pub max_response_bytes: u64,
    /// Requests per second at most (default 5).
    pub rate_limit: f64,
    /// Pause between polls when following the feed (default 60 s).
    pub poll_interval: Duration,
    /// Where checkpoints are kept (default: `<data dir>/ingest/checkpoints`).
    pub checkpoint_dir: Option<PathBuf>,
    /// The User-Agent.
    pub user_agent: String,
    /// Extra headers sent with every request.
    pub headers: BTreeMap<String, String>,
    /// Authentication.
    pub auth: Auth,
    /// The CA certificates (PEM) to trust instead of the system's, for a government PKI.
    pub ca: Option<PathBuf>,
    /// Retries.
    pub retry: Retry,
    /// Paging names.
    pub paging: Paging,
    /// The feeds, by our name.
    pub services: BTreeMap<String, ServiceConfig>,
}

/// Largest API key file read: a key is a line of text, and the limit keeps a wrong path (a
/// log, `/dev/zero`) from being read into memory whole.
pub const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;

/// Reads an API key file of at most [`MAX_KEY_FILE_BYTES`]; the reason it cannot be read.
fn read_key_file(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let cannot = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
    let mut text = String::new();
    std::fs::File::open(path)
        .map_err(cannot)?
        .take(MAX_KEY_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(cannot)?;
    if text.len() as u64 > MAX_KEY_FILE_BYTES {
        return Err(format!(
            "{} is larger than {MAX_KEY_FILE_BYTES} bytes: is it the API key file?",
            path.display()
        ));
    }
    Ok(text)
}

impl InfoHighwayConfig {
    /// Reads a configuration file.
    pub fn from_file(path: &Path) -> Result<Self, IngestError> {
        let text = std::fs::read_to_string(path).map_err(|e| IngestError::io(path, e))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&path.display().to_string(), &text, base).map_err(IngestError::Config)
    }

    /// Parses configuration `text`; relative paths are resolved against `base`.
    pub fn parse(file: &str, text: &str, base: &Path) -> Result<Self, FileError> {
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| FileError::from_toml(file, text, &e))?;
        let at = |span: std::ops::Range<usize>, key: &str, m: String| {
            FileError::at(file, text, Some(span.start), Some(key.to_owned()), m)
        };
        let nowhere =
            |key: &str, m: String| FileError::at(file, text, None, Some(key.to_owned()), m);
        if *raw.format.get_ref() != CONFIG_FORMAT {
            return Err(at(
                raw.format.span(),
                "format",
                format!(
                    "format {} is not supported (this civitas reads {CONFIG_FORMAT})",
                    raw.format.get_ref()
                ),
            ));
        }
        let base_url = raw.base_url.get_ref().trim_end_matches('/').to_owned();
        match reqwest::Url::parse(&base_url) {
            Ok(u) if matches!(u.scheme(), "https" | "http") && u.query().is_none() => {}
            _ => {
                return Err(at(
                    raw.base_url.span(),
                    "base_url",
                    format!("`{base_url}` is not an https:// (or http://) URL without a query"),
                ));
            }
        }
        let records_path = match &raw.records_path {
            Some(p) if !p.get_ref().contains("{service}") => {
                return Err(at(
                    p.span(),
                    "records_path",
                    "must contain `{service}`".into(),
                ));
            }
            Some(p) => p.get_ref().clone(),
            None => "/services/{service}/records".into(),
        };
        let resolve = |p: &str| -> PathBuf {
            let p = Path::new(p);
            if p.is_absolute() {
                p.to_owned()
            } else {
                base.join(p)
            }
        };
        let secs = |v: Option<f64>, key: &str, default: f64| -> Result<Duration, FileError> {
            let v = v.unwrap_or(default);
            if v.is_finite() && v > 0.0 && v < 86_400.0 {
                Ok(Duration::from_secs_f64(v))
            } else {
                Err(nowhere(
                    key,
                    format!("{v} is not a number of seconds between 0 and 86400"),
                ))
            }
        };
        let rate_limit = match &raw.rate_limit {
            Some(r) if !(r.get_ref().is_finite() && *r.get_ref() > 0.0) => {
                return Err(at(
                    r.span(),
                    "rate_limit",
                    "requests per second must be above 0".into(),
                ));
            }
            Some(r) => *r.get_ref(),
            None => 5.0,
        };
        let auth = match &raw.auth {
            None => Auth::None,
            Some(a) => match a.get_ref() {
                RawAuth::None => Auth::None,
                RawAuth::ApiKey {
                    header,
                    prefix,
                    key_env,
                    key_file,
                } => {
                    let key = match (key_env, key_file) {
                        (Some(env), None) => std::env::var(env).map_err(|_| {
                            at(
                                a.span(),
                                "auth.key_env",
                                format!("the environment variable {env} is not set"),
                            )
                        })?,
                        (None, Some(f)) => {
                            let path = resolve(f);
                            read_key_file(&path)
                                .map_err(|m| at(a.span(), "auth.key_file", m))?
                                .trim()
                                .to_owned()
                        }
                        _ => {
                            return Err(at(
                                a.span(),
                                "auth",
                                "an api-key needs exactly one of `key_env` (an environment variable) or `key_file`".into(),
                            ));
                        }
                    };
                    if key.is_empty() || key.chars().any(char::is_control) {
                        return Err(at(
                            a.span(),
                            "auth",
                            "the API key is empty or has control characters".into(),
                        ));
                    }
                    Auth::ApiKey {
                        header: header.clone().unwrap_or_else(|| "X-API-Key".into()),
                        prefix: prefix.clone().unwrap_or_default(),
                        key,
                    }
                }
                RawAuth::Mtls { identity } => Auth::Mtls {
                    identity: resolve(identity),
                },
            },
        };
        let retry = match &raw.retry {
            None => Retry::default(),
            Some(r) => {
                let d = Retry::default();
                let retry = Retry {
                    max_attempts: r.max_attempts.unwrap_or(d.max_attempts),
                    initial_backoff: r
                        .initial_backoff_ms
                        .map_or(d.initial_backoff, Duration::from_millis),
                    max_backoff: r
                        .max_backoff_ms
                        .map_or(d.max_backoff, Duration::from_millis),
                };
                if retry.max_attempts == 0 || retry.max_attempts > 100 {
                    return Err(nowhere("retry.max_attempts", "must be 1 to 100".into()));
                }
                retry
            }
        };
        let paging = match &raw.paging {
            None => Paging::default(),
            Some(p) => {
                let d = Paging::default();
                Paging {
                    cursor_param: p.cursor_param.clone().unwrap_or(d.cursor_param),
                    limit_param: p.limit_param.clone().unwrap_or(d.limit_param),
                    records: p.records.clone().unwrap_or(d.records),
                    next_cursor: p.next_cursor.clone().unwrap_or(d.next_cursor),
                    has_more: p.has_more.clone().unwrap_or(d.has_more),
                    remaining: p.remaining.clone().unwrap_or(d.remaining),
                }
            }
        };
        let mut services = BTreeMap::new();
        for (name, s) in &raw.services {
            let n = name.get_ref();
            if n.is_empty()
                || !n
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(at(
                    name.span(),
                    &format!("services.{n}"),
                    "a service name is letters, digits, `-` and `_` (it names the checkpoint file)"
                        .into(),
                ));
            }
            let svc = s.get_ref();
            if svc.service.is_empty() || svc.service.contains(['/', '?', '#']) {
                return Err(at(
                    s.span(),
                    &format!("services.{n}.service"),
                    format!("`{}` is not an e-service name", svc.service),
                ));
            }
            services.insert(
                n.clone(),
                ServiceConfig {
                    name: n.clone(),
                    service: svc.service.clone(),
                    mapping: resolve(&svc.mapping),
                },
            );
        }
        if services.is_empty() {
            return Err(nowhere(
                "services",
                "no service configured ([services.birth] …)".into(),
            ));
        }
        let page_size = raw.page_size.unwrap_or(500);
        if page_size == 0 || page_size > 10_000 {
            return Err(nowhere("page_size", "must be 1 to 10000".into()));
        }
        Ok(Self {
            file: PathBuf::from(file),
            base_url,
            records_path,
            page_size,
            timeout: secs(raw.timeout_secs, "timeout_secs", 30.0)?,
            connect_timeout: secs(raw.connect_timeout_secs, "connect_timeout_secs", 10.0)?,
            max_response_bytes: raw.max_response_bytes.unwrap_or(16 << 20).max(1024),
            rate_limit,
            poll_interval: secs(raw.poll_interval_secs, "poll_interval_secs", 60.0)?,
            checkpoint_dir: raw.checkpoint_dir.as_deref().map(resolve),
            user_agent: raw
                .user_agent
                .unwrap_or_else(|| format!("civitas-infohighway/{}", env!("CARGO_PKG_VERSION"))),
            headers: raw.headers,
            auth,
            ca: raw.tls.and_then(|t| t.ca).as_deref().map(resolve),
            retry,
            paging,
            services,
        })
    }

    /// The feed URL of `service` (base URL + records path).
    pub fn feed_url(&self, service: &ServiceConfig) -> String {
        format!(
            "{}{}",
            self.base_url,
            self.records_path.replace("{service}", &service.service)
        )
    }

    /// The service called `name`.
    pub fn service(&self, name: &str) -> Result<&ServiceConfig, IngestError> {
        self.services.get(name).ok_or_else(|| {
            IngestError::Config(FileError {
                file: self.file.display().to_string(),
                line: 0,
                column: 0,
                key: Some("services".into()),
                message: format!(
                    "no service `{name}` (configured: {})",
                    self.services.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            })
        })
    }

    /// The checkpoint file of `service`: `<checkpoint_dir or data_dir/ingest/checkpoints>/<name>.json`.
    pub fn checkpoint_path(&self, service: &ServiceConfig, data_dir: &Path) -> PathBuf {
        self.checkpoint_dir
            .clone()
            .unwrap_or_else(|| data_dir.join("ingest").join("checkpoints"))
            .join(format!("{}.json", service.name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_resolves() {
        let text = r#"
format = 1
base_url = "https://ih.gov.example/api/"
page_size = 100
rate_limit = 2.5
[auth]
type = "mtls"
identity = "certs/client.pem"
[services.birth]
service = "CSO.BirthRecords"
mapping = "mappings/infohighway-birth.toml"
"#;
        let c = InfoHighwayConfig::parse("ih.toml", text, Path::new("/etc/civitas")).unwrap();
        assert_eq!(c.base_url, "https://ih.gov.example/api");
        let s = c.service("birth").unwrap();
        assert_eq!(
            c.feed_url(s),
            "https://ih.gov.example/api/services/CSO.BirthRecords/records"
        );
        assert_eq!(
            s.mapping,
            Path::new("/etc/civitas/mappings/infohighway-birth.toml")
        );
        assert_eq!(
            c.auth,
            Auth::Mtls {
                identity: "/etc/civitas/certs/client.pem".into()
            }
        );
        assert!(
            c.service("death")
                .unwrap_err()
                .to_string()
                .contains("no service `death`")
        );
    }

    #[test]
    fn the_example_file_parses() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("key.txt"), "k-123\n").unwrap();
        let text = include_str!("../infohighway.example.toml").replace(
            "key_env = \"INFOHIGHWAY_API_KEY\"",
            "key_file = \"key.txt\"",
        );
        let c = InfoHighwayConfig::parse("example.toml", &text, dir.path()).unwrap();
        assert_eq!(c.services.keys().collect::<Vec<_>>(), ["birth", "marriage"]);
        assert!(matches!(&c.auth, Auth::ApiKey { key, .. } if key == "k-123"));
        assert!(
            !format!("{:?}", c.auth).contains("k-123"),
            "the key is never printed"
        );
        assert_eq!(c.retry, Retry::default());
    }

    #[test]
    fn an_api_key_file_is_read_only_up_to_a_limit() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("huge.txt"), "k".repeat(100 * 1024)).unwrap();
        let text = "format = 1\nbase_url = \"https://x\"\n[auth]\ntype = \"api-key\"\nkey_file = \"huge.txt\"\n[services.b]\nservice = \"S\"\nmapping = \"m\"\n";
        let e = InfoHighwayConfig::parse("ih.toml", text, dir.path()).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("auth.key_file"), "{e}");
        assert!(e.to_string().contains("larger than 65536 bytes"), "{e}");
    }

    #[test]
    fn mistakes_name_line_and_key() {
        let e = InfoHighwayConfig::parse(
            "ih.toml",
            "format = 1\nbase_url = \"ftp://x\"\n[services.b]\nservice = \"S\"\nmapping = \"m\"\n",
            Path::new("."),
        )
        .unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (2, Some("base_url")));
        let e = InfoHighwayConfig::parse("ih.toml", "format = 1\nbase_url = \"https://x\"\n[auth]\ntype = \"api-key\"\nkey_env = \"CIVITAS_TEST_NO_SUCH_VAR\"\n[services.b]\nservice = \"S\"\nmapping = \"m\"\n", Path::new(".")).unwrap_err();
        assert!(
            e.to_string()
                .contains("CIVITAS_TEST_NO_SUCH_VAR is not set"),
            "{e}"
        );
        let e = InfoHighwayConfig::parse(
            "ih.toml",
            "format = 1\nbase_url = \"https://x\"\npage_sise = 3\n",
            Path::new("."),
        )
        .unwrap_err();
        assert_eq!(e.line, 3, "{e}");
    }
}
