//! [`IssuerConfig`]: where the issuer keeps its data, who it is (its DID), where it publishes,
//! what it may issue, and how its keys are protected.

use std::path::{Path, PathBuf};
use std::time::Duration;

use civitas_core::io::IoFailure;
use civitas_core::model::DocumentType;
use civitas_core::secure::Securing;
use civitas_keys::keys::KeyAlgorithm;
use civitas_keys::sealed::KdfParams;
use zeroize::Zeroizing;

use crate::error::{IssuerError, PassphraseError};

/// The environment variable holding the key-file passphrase.
pub const PASSPHRASE_ENV: &str = "CIVITAS_ISSUER_PASSPHRASE";
/// The environment variable naming a file that holds the key-file passphrase.
pub const PASSPHRASE_FILE_ENV: &str = "CIVITAS_ISSUER_PASSPHRASE_FILE";
/// The passphrase file created in the data directory on first run when no passphrase is given.
pub const DEFAULT_PASSPHRASE_FILE: &str = "passphrase";

/// Which kind of DID the issuer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DidMethod {
    /// `did:web` derived from the base URL's host, port and path (production). Its document is
    /// served at `GET /.well-known/did.json` and lists every key, old and new.
    Web,
    /// The current key's `did:key` (local use and tests). Cannot rotate: the DID is the key.
    Key,
}

/// Where the private key passphrase comes from.
#[derive(Clone)]
pub enum PassphraseSource {
    /// `CIVITAS_ISSUER_PASSPHRASE`, else the file named by `CIVITAS_ISSUER_PASSPHRASE_FILE`, else
    /// `<data dir>/passphrase`, which is created (random, mode 0600) when the data directory is
    /// first initialised.
    Default,
    /// The passphrase itself.
    Value(Zeroizing<String>),
    /// A file holding the passphrase (surrounding whitespace is ignored).
    File(PathBuf),
}

impl std::fmt::Debug for PassphraseSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Default => f.write_str("Default"),
            Self::Value(_) => f.write_str("Value(<redacted>)"),
            Self::File(p) => f.debug_tuple("File").field(p).finish(),
        }
    }
}

/// How the HTTPS server gets its certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsConfig {
    /// A self-signed certificate for `localhost`, `127.0.0.1`, `::1` and the base URL's host,
    /// generated on first run and kept in `<data dir>/tls/` (`cert.pem`, `key.pem`).
    SelfSigned,
    /// A certificate chain and private key in PEM files.
    Files {
        /// The certificate chain (PEM).
        cert: PathBuf,
        /// The private key (PEM, PKCS#8, SEC1 or PKCS#1).
        key: PathBuf,
    },
    /// Plain HTTP, for a TLS-terminating reverse proxy in front. Never expose it directly.
    Disabled,
}

/// What the VC-API `POST /credentials/issue` endpoint signs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum VcApiMode {
    /// Only the issuer's own document types (a government deployment): any other credential is
    /// refused with `type-not-allowed` or `invalid-credential`.
    #[default]
    Closed,
    /// Any credential that conforms to VC Data Model 2.0 (or 1.1) and whose every term is
    /// defined by a context the issuer has (bundled, or listed in
    /// [`IssuerConfig::extra_contexts`]); a caller's well-formed `credentialStatus` is kept
    /// beside the issuer's own entries. The issuer's document types are still checked against
    /// their schemas. What a general-purpose VC-API issuer offers; the verify endpoints then
    /// verify credentials of any issuer whose key they can resolve offline.
    Open,
}

/// A JSON-LD context the issuer accepts besides the ones it always has: one of civitas-jsonld's
/// known optional contexts (the W3C examples context), or a document read from a file. The
/// issuer never fetches a context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraContext {
    /// The context URL as credentials name it.
    pub url: String,
    /// Its document (JSON text); `None` for a context civitas-jsonld knows
    /// ([`civitas_jsonld::contexts::OPTIONAL`]).
    pub document: Option<String>,
}

impl ExtraContext {
    /// A context civitas-jsonld knows, by URL.
    pub fn known(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            document: None,
        }
    }

    /// Reads `URL` or `URL=FILE` (the form of `--allow-context` and `CIVITAS_ALLOW_CONTEXTS`):
    /// a known context, or the document in FILE (at most
    /// [`MAX_CONTEXT_BYTES`](civitas_jsonld::contexts::MAX_CONTEXT_BYTES)).
    pub fn parse(spec: &str) -> Result<Self, IssuerError> {
        let Some((url, file)) = spec.split_once('=') else {
            return Ok(Self::known(spec));
        };
        let path = Path::new(file);
        let limit = civitas_jsonld::contexts::MAX_CONTEXT_BYTES;
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| {
                std::io::Read::read_to_end(
                    &mut std::io::Read::take(f, limit as u64 + 1),
                    &mut bytes,
                )
            })
            .map_err(|e| {
                IssuerError::config(format!("context `{url}`: {}: {e}", path.display()))
            })?;
        if bytes.len() > limit {
            return Err(IssuerError::config(format!(
                "context `{url}`: {} is larger than {limit} bytes",
                path.display()
            )));
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            IssuerError::config(format!(
                "context `{url}`: {} is not UTF-8 (byte {})",
                path.display(),
                e.utf8_error().valid_up_to()
            ))
        })?;
        Ok(Self {
            url: url.to_owned(),
            document: Some(text),
        })
    }
}

/// A `message` status (Bitstring Status List §2.1, `statusSize` greater than 1): one more status
/// entry, of several bits, whose values the entry explains in `statusMessage`, for what a
/// registrar says about a credential without revoking it (an annotation in the register, a
/// rectification under way). Given to VC-API credentials (VC 2.0) only: a civil-registry
/// document from the typed endpoints keeps its two entries, the only ones its compact QR form
/// (§13) can carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusMessages {
    /// Bits per entry (2 to 8).
    pub size: civitas_status::StatusSize,
    /// What each value means: exactly one message per possible value (2^size of them).
    pub messages: Vec<civitas_status::entry::StatusMessage>,
    /// `statusReference`: where the meanings are explained (the service serves them at
    /// `<base>/status/messages` when this is `None`).
    pub reference: Option<String>,
}

impl StatusMessages {
    /// The civil registry's messages: 2 bits, `0x0` nothing to report, `0x1` annotated in the
    /// register, `0x2` under rectification, `0x3` rectified (a newer document exists).
    pub fn registry_annotations() -> Self {
        use civitas_status::entry::StatusMessage;
        Self {
            size: civitas_status::StatusSize::new(2).unwrap_or(civitas_status::StatusSize::ONE),
            messages: vec![
                StatusMessage::new(0, "nothing to report"),
                StatusMessage::new(
                    1,
                    "annotated in the register: ask the registry for the annotation",
                ),
                StatusMessage::new(
                    2,
                    "under rectification: the registry is correcting the record",
                ),
                StatusMessage::new(3, "rectified: a newer document replaces this one"),
            ],
            reference: None,
        }
    }

    /// Checks the messages: a size of 2 to 8 bits and exactly one message per possible value.
    pub fn check(&self) -> Result<(), IssuerError> {
        let values = usize::from(self.size.values());
        let mut seen = vec![false; values];
        for m in &self.messages {
            match seen.get_mut(usize::from(m.status)) {
                Some(s) if !*s => *s = true,
                _ => {
                    return Err(IssuerError::config(format!(
                        "status message {:#x}: a value of {} bits may be said once",
                        m.status,
                        self.size.bits()
                    )));
                }
            }
        }
        if self.size.bits() < 2 || seen.iter().any(|s| !s) {
            return Err(IssuerError::config(format!(
                "status messages: {} bits need one message for each of their {values} values (and at least 2 bits)",
                self.size.bits()
            )));
        }
        Ok(())
    }
}

/// Whom the service's verify endpoints trust instead of the issuer alone (closed mode) or any
/// issuer (open mode): an offline bundle (a trust list signed by `anchor`, status snapshots,
/// contexts; `civitas verifier bundle`), read when the service starts. The issuer's own status
/// lists are still loaded in-process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyTrust {
    /// Whoever signs the bundle's trust list.
    pub anchor: civitas_verifier::trust::TrustAnchor,
    /// The bundle file (at most [`MAX_BUNDLE_BYTES`](civitas_verifier::bundle::MAX_BUNDLE_BYTES)).
    pub bundle: PathBuf,
}

/// OpenID4VCI (SPEC.md §12.11): how long offers, access tokens and nonces live, the
/// transaction code, and how many holder-bound copies one record may have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Oid4vciConfig {
    /// Pre-authorized codes and access tokens: lifetimes, transaction code length (`None`: no
    /// transaction code), wrong transaction codes allowed before a code is dead.
    pub codes: civitas_oid4vci::codes::CodeConfig,
    /// How long a `c_nonce` lives.
    pub nonce_ttl: chrono::Duration,
    /// Most holder-bound copies of one record (a citizen's phones over the years; default 16).
    pub max_copies: usize,
}

impl Default for Oid4vciConfig {
    /// Codes live 10 minutes with a 6-digit transaction code and 3 attempts; access tokens and
    /// nonces 5 minutes; 16 copies per record.
    fn default() -> Self {
        Self {
            codes: civitas_oid4vci::codes::CodeConfig::default(),
            nonce_ttl: chrono::Duration::minutes(5),
            max_copies: 16,
        }
    }
}

/// The issuer's configuration. Identity settings (base URL, DID method, key algorithm, list
/// layout) are fixed when the data directory is initialised; opening it later with different
/// values is an error, so status list URLs and the DID never change under issued credentials.
#[derive(Debug, Clone)]
pub struct IssuerConfig {
    /// The data directory (registry, key files, TLS files).
    pub data_dir: PathBuf,
    /// The public base URL, e.g. `https://registry.gov.example` or `https://localhost:8443`.
    /// Status lists are published under `<base>/status/…`.
    pub base_url: String,
    /// The DID method.
    pub did_method: DidMethod,
    /// The key algorithm of new keys (Ed25519 by default).
    pub key_algorithm: KeyAlgorithm,
    /// The document types this issuer may issue (default: every bundled profile; the
    /// profiles of [`IssuerConfig::profile_dir`] are added when the issuer opens).
    pub document_types: Vec<DocumentType>,
    /// A directory of extra document profiles (`*.toml`), loaded when the issuer opens: a
    /// broken one stops it, naming the file, line and reason. Default: the data directory's
    /// `profiles/`, when it exists.
    pub profile_dir: Option<PathBuf>,
    /// Where the key passphrase comes from.
    pub passphrase: PassphraseSource,
    /// Argon2id parameters for new key files.
    pub kdf: KdfParams,
    /// How long verifiers may cache a status list (`ttl` in the list, `Cache-Control: max-age`).
    pub status_list_ttl: Duration,
    /// Entries per status list (at least 131,072).
    pub entries_per_list: u64,
    /// Allocator lease size: status positions reserved per state write.
    pub lease_size: u64,
    /// How credentials are secured when the request does not say.
    pub default_securing: Securing,
    /// TLS for the HTTP server.
    pub tls: TlsConfig,
    /// What the VC-API issue endpoint signs (closed by default).
    pub vc_api: VcApiMode,
    /// Contexts accepted besides the bundled ones (never fetched).
    pub extra_contexts: Vec<ExtraContext>,
    /// A `message` status for VC-API credentials (none by default).
    pub status_messages: Option<StatusMessages>,
    /// Whom the verify endpoints trust, when not the issuer itself (none by default).
    pub verify_trust: Option<VerifyTrust>,
    /// OpenID4VCI: offers, codes, nonces, copies.
    pub oid4vci: Oid4vciConfig,
    /// The signing keys are in this PKCS#11 token (an HSM) instead of sealed key files: the
    /// first key is generated in the token on the first run (or taken from it when its label
    /// exists), and rotations generate the next one there (SPEC.md §18.9).
    pub hsm: Option<civitas_hsm::HsmConfig>,
    /// Where the registry lives: the sled database in the data directory (the default), or a
    /// PostgreSQL database (SPEC.md §21). An issuer created on PostgreSQL remembers its URL
    /// (without the password) in `<data dir>/store.toml`.
    pub store: crate::store::StoreLocation,
}

impl IssuerConfig {
    /// A configuration with the defaults: did:web, Ed25519, both document types, passphrase from
    /// the environment or the data directory, a 5-minute list TTL, lists of 131,072 entries,
    /// Data Integrity, a self-signed certificate.
    pub fn new(data_dir: impl Into<PathBuf>, base_url: &str) -> Self {
        Self {
            data_dir: data_dir.into(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            did_method: DidMethod::Web,
            key_algorithm: KeyAlgorithm::Ed25519,
            document_types: DocumentType::all()
                .into_iter()
                .filter(|k| k.profile().is_some_and(|p| p.bundled))
                .collect(),
            profile_dir: None,
            passphrase: PassphraseSource::Default,
            kdf: KdfParams::default(),
            status_list_ttl: Duration::from_secs(300),
            entries_per_list: civitas_status::MIN_ENTRIES,
            lease_size: civitas_status::allocator::DEFAULT_LEASE_SIZE,
            default_securing: Securing::DataIntegrity,
            tls: TlsConfig::SelfSigned,
            vc_api: VcApiMode::Closed,
            extra_contexts: Vec::new(),
            status_messages: None,
            verify_trust: None,
            oid4vci: Oid4vciConfig::default(),
            hsm: None,
            store: crate::store::StoreLocation::Sled,
        }
    }

    /// Keeps the registry at `location` (see [`IssuerConfig::store`]).
    pub fn store(mut self, location: crate::store::StoreLocation) -> Self {
        self.store = location;
        self
    }

    /// Keeps the signing keys in a PKCS#11 token (see [`IssuerConfig::hsm`]).
    pub fn hsm(mut self, hsm: civitas_hsm::HsmConfig) -> Self {
        self.hsm = Some(hsm);
        self
    }

    /// Has the verify endpoints trust what an offline bundle says.
    pub fn verify_trust(mut self, trust: VerifyTrust) -> Self {
        self.verify_trust = Some(trust);
        self
    }

    /// Gives VC-API credentials a `message` status entry with these messages.
    pub fn status_messages(mut self, messages: StatusMessages) -> Self {
        self.status_messages = Some(messages);
        self
    }

    /// Sets the VC-API mode.
    pub fn vc_api(mut self, mode: VcApiMode) -> Self {
        self.vc_api = mode;
        self
    }

    /// Adds a context the issuer accepts besides the bundled ones.
    pub fn extra_context(mut self, context: ExtraContext) -> Self {
        self.extra_contexts.push(context);
        self
    }

    /// The directory of extra profiles: [`IssuerConfig::profile_dir`], else the data
    /// directory's `profiles/` when it exists.
    pub fn profiles_dir(&self) -> Option<PathBuf> {
        self.profile_dir.clone().or_else(|| {
            let default = self.data_dir.join("profiles");
            default.is_dir().then_some(default)
        })
    }

    /// Loads the profiles of [`IssuerConfig::profiles_dir`] (if any) into the process's known
    /// profiles and adds their types to [`IssuerConfig::document_types`]. Idempotent.
    pub fn load_profiles(&mut self) -> Result<(), IssuerError> {
        let Some(dir) = self.profiles_dir() else {
            return Ok(());
        };
        let loaded = civitas_core::profile::registry::register_dir(&dir)
            .map_err(|e| IssuerError::config(format!("document profiles: {e}")))?;
        for known in loaded {
            let kind = DocumentType::named(known.type_name())
                .map_err(|e| IssuerError::config(format!("document profiles: {e}")))?;
            if !self.document_types.contains(&kind) {
                self.document_types.push(kind);
            }
        }
        Ok(())
    }

    /// Sets the directory of extra document profiles (see [`IssuerConfig::profile_dir`]).
    pub fn profile_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.profile_dir = Some(dir.into());
        self
    }

    /// The context loader credentials are read with: the bundled contexts, those of the
    /// issuer's document profiles loaded at run time, and
    /// [`IssuerConfig::extra_contexts`]. A context that is neither known nor given, or whose
    /// document is not a context, is a configuration error.
    pub fn context_loader(&self) -> Result<civitas_jsonld::contexts::ContextLoader, IssuerError> {
        let mut loader = civitas_jsonld::contexts::ContextLoader::bundled();
        let registry = civitas_core::profile::known();
        for kind in &self.document_types {
            let Some(known) = registry.get(kind.as_str()) else {
                continue;
            };
            let url = &known.profile.document.context_url;
            if loader.contains(url) {
                continue;
            }
            if let Some(c) = registry.context(url) {
                loader = loader
                    .with_context(url, &c.text)
                    .map_err(|e| IssuerError::config(format!("profile context `{url}`: {e}")))?;
            }
        }
        for extra in &self.extra_contexts {
            let text = match &extra.document {
                Some(text) => text.as_str(),
                None => civitas_jsonld::contexts::optional(&extra.url).ok_or_else(|| {
                    IssuerError::config(format!(
                        "context `{}` is not one civitas knows: give its document (URL=FILE)",
                        extra.url
                    ))
                })?,
            };
            loader = loader
                .with_context(&extra.url, text)
                .map_err(|e| IssuerError::config(format!("context `{}`: {e}", extra.url)))?;
        }
        Ok(loader)
    }

    /// Sets the DID method.
    pub fn did_method(mut self, method: DidMethod) -> Self {
        self.did_method = method;
        self
    }

    /// Sets the passphrase source.
    pub fn passphrase(mut self, source: PassphraseSource) -> Self {
        self.passphrase = source;
        self
    }

    /// Sets the Argon2id parameters of new key files (tests use [`KdfParams::testing`]).
    pub fn kdf(mut self, kdf: KdfParams) -> Self {
        self.kdf = kdf;
        self
    }

    /// Sets the TLS configuration.
    pub fn tls(mut self, tls: TlsConfig) -> Self {
        self.tls = tls;
        self
    }

    /// Sets the status list TTL.
    pub fn status_list_ttl(mut self, ttl: Duration) -> Self {
        self.status_list_ttl = ttl;
        self
    }

    /// Sets the document types this issuer may issue.
    pub fn document_types(mut self, types: &[DocumentType]) -> Self {
        self.document_types = types.to_vec();
        self
    }

    /// The registry database directory.
    pub fn registry_dir(&self) -> PathBuf {
        self.data_dir.join("registry")
    }

    /// The key files directory.
    pub fn keys_dir(&self) -> PathBuf {
        self.data_dir.join("keys")
    }

    /// The TLS files directory.
    pub fn tls_dir(&self) -> PathBuf {
        self.data_dir.join("tls")
    }

    /// The base URL of the lists of `purpose` (`<base>/status/revocation`).
    pub fn status_base(&self, purpose: &str) -> String {
        format!("{}/status/{purpose}", self.base_url)
    }

    /// The host (with port, if any) and path segments of the base URL.
    pub fn host_and_path(&self) -> Result<(String, Vec<String>), IssuerError> {
        host_and_path(&self.base_url)
    }
}

/// Splits an `https://host[:port][/path…]` (or `http://`) URL into host-with-port and path
/// segments.
pub(crate) fn host_and_path(base_url: &str) -> Result<(String, Vec<String>), IssuerError> {
    let rest = base_url
        .strip_prefix("https://")
        .or_else(|| base_url.strip_prefix("http://"))
        .ok_or_else(|| {
            IssuerError::config(format!(
                "base URL `{base_url}` must start with https:// (or http://)"
            ))
        })?;
    if rest.contains(['?', '#', ' ']) {
        return Err(IssuerError::config(format!(
            "base URL `{base_url}` must have no query, fragment or space"
        )));
    }
    let mut parts = rest.split('/').filter(|s| !s.is_empty());
    let host = parts
        .next()
        .ok_or_else(|| IssuerError::config(format!("base URL `{base_url}` has no host")))?;
    Ok((host.to_owned(), parts.map(str::to_owned).collect()))
}

impl PassphraseSource {
    /// Reads the passphrase. `data_dir` is where the default file lives; with `create`, a
    /// missing default file is created with a random passphrase (mode 0600) and its path is
    /// returned as the second value.
    pub fn resolve(
        &self,
        data_dir: &Path,
        create: bool,
    ) -> Result<(Zeroizing<String>, Option<PathBuf>), IssuerError> {
        match self {
            Self::Value(v) => Ok((v.clone(), None)),
            Self::File(path) => Ok((read_passphrase_file(path)?, None)),
            Self::Default => {
                if let Ok(v) = std::env::var(PASSPHRASE_ENV)
                    && !v.is_empty()
                {
                    return Ok((Zeroizing::new(v), None));
                }
                if let Some(path) = std::env::var_os(PASSPHRASE_FILE_ENV) {
                    return Ok((read_passphrase_file(Path::new(&path))?, None));
                }
                let path = data_dir.join(DEFAULT_PASSPHRASE_FILE);
                if path.exists() {
                    return Ok((read_passphrase_file(&path)?, None));
                }
                if !create {
                    return Err(IssuerError::Passphrase(PassphraseError::Missing(
                        path.display().to_string(),
                    )));
                }
                let passphrase = Zeroizing::new(crate::tokens::random_secret(32));
                crate::fsutil::write_private(&path, passphrase.as_bytes())?;
                Ok((passphrase, Some(path)))
            }
        }
    }
}

fn read_passphrase_file(path: &Path) -> Result<Zeroizing<String>, IssuerError> {
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
        IssuerError::Passphrase(PassphraseError::Unreadable {
            path: path.display().to_string(),
            source: IoFailure::of(&e),
        })
    })?);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(IssuerError::Passphrase(PassphraseError::Empty(
            path.display().to_string(),
        )));
    }
    Ok(Zeroizing::new(trimmed.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_split_into_host_and_path() {
        assert_eq!(
            host_and_path("https://localhost:8443").unwrap(),
            ("localhost:8443".to_owned(), vec![])
        );
        assert_eq!(
            host_and_path("https://gov.example/civil/registry/").unwrap(),
            (
                "gov.example".to_owned(),
                vec!["civil".to_owned(), "registry".to_owned()]
            )
        );
        assert!(host_and_path("ftp://x").is_err());
        assert!(host_and_path("https://x/?a").is_err());
    }
}
