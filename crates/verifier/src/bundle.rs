//! The offline bundle: one JSON file with everything a verifier needs to work without the
//! network — the signed trust list, snapshots of the issuers' signed status list credentials
//! (each with the time it was fetched), the JSON-LD contexts civitas-core does not bundle, the
//! document profiles civitas does not ship, and the time the bundle was made.
//!
//! Nothing in a bundle is believed because it is in the bundle: the trust list must be signed
//! by a trust anchor the verifier is configured with, and each status list by its issuer's key
//! (as pinned by the trust list). A profile (its TOML text) is learnt only when an issuer of the
//! trust list pins its digest ([`PinnedProfile`]); its context is derived from it, must have the
//! digest the list pins, and a `contexts` entry for the same URL must be that document — so a
//! verifier never trusts a context it was not given, and a changed one is refused
//! ([`learn_profiles`]). A bundle is rebuilt and redistributed regularly (nightly,
//! say); a status snapshot older than the verifier's maximum age makes status checks
//! *indeterminate*.
//!
//! ```json
//! {
//!   "type": "CivitasVerifierBundle",
//!   "version": 1,
//!   "createdAt": "2026-03-01T02:00:00Z",
//!   "trustList": "eyJhbGciOiJFZERTQSIs…",
//!   "statusLists": [
//!     {"url": "https://registry.gov.mu/status/revocation/1",
//!      "fetchedAt": "2026-03-01T01:59:58Z",
//!      "credential": {"@context": ["https://www.w3.org/ns/credentials/v2"], "…": "…"}}
//!   ],
//!   "contexts": [],
//!   "profiles": [{"text": "format = 1\n\n[document]\ntype = \"BurialPermit\"\n…"}]
//! }
//! ```

use std::sync::Arc;

use chrono::{DateTime, Utc};
use civitas_core::verify::DocumentCheck;
use civitas_jsonld::contexts::ContextLoader;
use civitas_keys::resolver::OfflineResolver;
use civitas_status::verify::verify_status_list;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use civitas_core::profile::{Known, KnownContext, Profile, known, merged_context, register};

use crate::error::BundleError;
use crate::online::HttpFetcher;
use crate::trust::{PinnedProfile, TrustAnchor, VerifiedTrustList, verify_trust_list};

/// The `type` of a bundle.
pub const BUNDLE_TYPE: &str = "CivitasVerifierBundle";

/// The format version this crate writes and reads.
pub const BUNDLE_VERSION: u64 = 1;

/// Largest bundle accepted (64 MiB: hundreds of status lists).
pub const MAX_BUNDLE_BYTES: usize = 64 * 1024 * 1024;

/// One status list credential as it was fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatusSnapshot {
    /// The list's URL (its `id`).
    pub url: String,
    /// When it was fetched: the snapshot's age is counted from here.
    #[serde(with = "whole_seconds")]
    pub fetched_at: DateTime<Utc>,
    /// The signed status list credential: a JSON object (Data Integrity) or a string (`vc+jwt`).
    pub credential: Value,
}

/// A JSON-LD context carried by the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BundledContext {
    /// The context URL.
    pub url: String,
    /// The context document (an object with `@context`).
    pub document: Value,
}

/// A document profile carried by a bundle: one a verifier must learn because civitas does not
/// ship it. Learnt only when the trust list pins its digest (see [`learn_profiles`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BundledProfile {
    /// The profile file (TOML), byte for byte: its SHA-256 is what the trust list pins.
    pub text: String,
}

/// A Token Status List snapshot (the `statuslist+jwt` of SD-JWT VCs, SPEC.md §12.12), verified
/// with a key of an issuer the trust list pins when the bundle was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TokenSnapshot {
    /// The list's URI (its `sub`, what an SD-JWT VC's `status.status_list.uri` names).
    pub uri: String,
    /// When it was fetched.
    #[serde(with = "whole_seconds")]
    pub fetched_at: DateTime<Utc>,
    /// The signed token (compact JWT).
    pub token: String,
}

/// An offline bundle. See the [module documentation](self).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Bundle {
    /// Always [`BUNDLE_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// Always [`BUNDLE_VERSION`].
    pub version: u64,
    /// When the bundle was made.
    #[serde(with = "whole_seconds")]
    pub created_at: DateTime<Utc>,
    /// The signed trust list: a string (`vc+jwt`) or a JSON object (Data Integrity).
    pub trust_list: Value,
    /// Status list snapshots.
    #[serde(default)]
    pub status_lists: Vec<StatusSnapshot>,
    /// Contexts that civitas-core does not bundle.
    #[serde(default)]
    pub contexts: Vec<BundledContext>,
    /// The profiles a verifier must learn (those the trust list pins that civitas does not
    /// ship). Left out when empty, so that a bundle without any reads with earlier verifiers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<BundledProfile>,
    /// Token Status List snapshots (SD-JWT VCs). Left out when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status_tokens: Vec<TokenSnapshot>,
}

/// Times as `2026-03-01T02:00:00Z` (whole seconds, UTC), read back with any RFC 3339 offset.
mod whole_seconds {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&civitas_core::credential::format_datetime(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| serde::de::Error::custom(format!("`{text}` is not an RFC 3339 date-time")))
    }
}

/// Truncates to whole seconds (what the bundle stores).
fn seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

/// The bytes of a signed credential carried as a JSON value: a string is a `vc+jwt`, anything
/// else is JSON.
pub(crate) fn credential_bytes(value: &Value) -> Vec<u8> {
    match value {
        Value::String(s) => s.as_bytes().to_vec(),
        other => serde_json::to_vec(other).unwrap_or_default(),
    }
}

/// A signed credential's text as a JSON value for a bundle (see [`credential_bytes`]).
fn credential_value(bytes: &[u8]) -> Result<Value, String> {
    let trimmed = bytes.trim_ascii();
    if trimmed.first() == Some(&b'{') {
        civitas_core::credential::parse_json(trimmed).map_err(|e| e.to_string())
    } else {
        std::str::from_utf8(trimmed)
            .map(|s| Value::String(s.to_owned()))
            .map_err(|_| "neither JSON nor a JWT (invalid UTF-8)".to_owned())
    }
}

impl Bundle {
    /// Reads a bundle (size-limited; the format and version are checked, the signatures are
    /// checked when a verifier loads it).
    pub fn parse(bytes: &[u8]) -> Result<Self, BundleError> {
        if bytes.len() > MAX_BUNDLE_BYTES {
            return Err(BundleError::TooLarge {
                size: bytes.len(),
                max: MAX_BUNDLE_BYTES,
            });
        }
        // The strict parser: a repeated member name is refused, with where it is.
        let value = civitas_jsonld::json::parse_with_limit(bytes, MAX_BUNDLE_BYTES)
            .map_err(|e| BundleError::Format(e.to_string()))?;
        match value.get("type").and_then(Value::as_str) {
            Some(BUNDLE_TYPE) => {}
            other => {
                return Err(BundleError::Format(format!(
                    "`type` is {}, expected {BUNDLE_TYPE}",
                    other.map_or("missing".to_owned(), |t| format!("`{t}`"))
                )));
            }
        }
        match value.get("version").and_then(Value::as_u64) {
            Some(BUNDLE_VERSION) => {}
            Some(v) => return Err(BundleError::Version(v)),
            None => return Err(BundleError::Format("`version` is missing".to_owned())),
        }
        serde_json::from_value(value).map_err(|e| BundleError::Format(e.to_string()))
    }

    /// The bundle as pretty-printed JSON.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The signed trust list's bytes.
    pub fn trust_list_bytes(&self) -> Vec<u8> {
        credential_bytes(&self.trust_list)
    }

    /// The oldest status snapshot's fetch time, if any.
    pub fn oldest_snapshot(&self) -> Option<DateTime<Utc>> {
        self.status_lists.iter().map(|s| s.fetched_at).min()
    }

    /// Learns the bundle's profiles, as pinned by `trust` (the bundle's trust list, verified):
    /// see [`learn_profiles`].
    pub fn learn_profiles(
        &self,
        trust: &VerifiedTrustList,
    ) -> Result<Vec<LearntProfile>, BundleError> {
        learn_profiles(self.profiles.iter().map(|p| p.text.as_str()), trust)
    }

    /// A loader with the bundled contexts plus the bundle's. A bundle context for a URL that
    /// civitas-core bundles must be the same document. The contexts of the bundle's profiles
    /// are not in it: they are added once the profiles are learnt ([`Bundle::learn_profiles`],
    /// [`loader_with_profiles`]), which a verifier built from the bundle does.
    pub fn loader(&self) -> Result<ContextLoader, BundleError> {
        let mut loader = ContextLoader::bundled();
        for c in &self.contexts {
            let text = serde_json::to_string(&c.document).map_err(|e| BundleError::Context {
                url: c.url.clone(),
                reason: e.to_string(),
            })?;
            loader = add_context(loader, &c.url, &text)?;
        }
        Ok(loader)
    }
}

/// Adds a context, refusing to replace a bundled one with a different document.
pub(crate) fn add_context(
    loader: ContextLoader,
    url: &str,
    text: &str,
) -> Result<ContextLoader, BundleError> {
    if let Some(existing) = loader.source(url) {
        let same = serde_json::from_str::<Value>(existing).ok()
            == serde_json::from_str::<Value>(text).ok();
        if same {
            return Ok(loader);
        }
        return Err(BundleError::Context {
            url: url.to_owned(),
            reason: "differs from the context civitas bundles for this URL".to_owned(),
        });
    }
    Ok(loader.with_context(url, text)?)
}

/// A profile a verifier learnt from a bundle: the registry entry, the trust list's pin that
/// admitted it, and its context.
#[derive(Debug, Clone)]
pub struct LearntProfile {
    /// The registry entry ([`civitas_core::profile::known`] has it from now on).
    pub known: Arc<Known>,
    /// The pin that admitted it.
    pub pin: PinnedProfile,
    /// Its context, as the registry derives it (digest: the pin's `contextDigest`).
    pub context: KnownContext,
}

/// `sha256:` and the lowercase hex SHA-256 of `text`: what a trust list pins.
fn digest_of(text: &str) -> String {
    civitas_core::profile::registry::digest(text.as_bytes())
}

/// Learns the profiles `texts` (TOML files) for a verifier whose trust list is `trust`. Each
/// must be pinned by an issuer of the list (a [`PinnedProfile`] of its type with its digest),
/// its context URL must be the pinned one and the context derived from it must have the
/// pinned digest. Each is then registered in the process
/// ([`civitas_core::profile::register`]; the same file again is a no-op, another profile under
/// a known type name is refused). Nothing is registered for a profile that is refused before
/// that.
pub fn learn_profiles<'a>(
    texts: impl IntoIterator<Item = &'a str>,
    trust: &VerifiedTrustList,
) -> Result<Vec<LearntProfile>, BundleError> {
    let mut learnt = Vec::new();
    for (i, text) in texts.into_iter().enumerate() {
        let place = format!("#{}", i + 1);
        let origin = format!("bundle profile {place}");
        let profile = Profile::from_toml(text, &origin).map_err(|e| BundleError::Profile {
            name: place.clone(),
            reason: e.to_string(),
        })?;
        let type_name = profile.document.type_name.clone();
        let refuse = |reason: String| BundleError::Profile {
            name: type_name.clone(),
            reason,
        };
        let digest = digest_of(text);
        let pins: Vec<&PinnedProfile> = trust
            .list()
            .pinned_profiles()
            .map(|(_, p)| p)
            .filter(|p| p.type_name == type_name)
            .collect();
        let Some(pin) = pins.iter().copied().find(|p| p.digest == digest) else {
            return Err(refuse(if pins.is_empty() {
                format!(
                    "no issuer of the trust list {} pins a {type_name} profile (this one is {digest})",
                    trust.label()
                )
            } else {
                format!(
                    "this profile ({digest}) is not the one the trust list {} pins ({})",
                    trust.label(),
                    pins.iter()
                        .map(|p| p.digest.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }));
        };
        if profile.document.context_url != pin.context {
            return Err(refuse(format!(
                "its context is {}, the trust list pins {}",
                profile.document.context_url, pin.context
            )));
        }
        // A profile new to the process has a context of its own: check its digest before
        // registering anything.
        if known().get(&type_name).is_none() {
            let document = merged_context(&[&profile]).map_err(&refuse)?;
            let context_digest = digest_of(&document.to_string());
            if context_digest != pin.context_digest {
                return Err(refuse(context_mismatch(pin, &context_digest)));
            }
        }
        let entry = register(text, &origin).map_err(|e| refuse(e.to_string()))?;
        let context = known()
            .context(&pin.context)
            .cloned()
            .ok_or_else(|| refuse(format!("its context {} is not known", pin.context)))?;
        if context.digest != pin.context_digest {
            return Err(refuse(context_mismatch(pin, &context.digest)));
        }
        learnt.push(LearntProfile {
            known: entry,
            pin: pin.clone(),
            context,
        });
    }
    Ok(learnt)
}

fn context_mismatch(pin: &PinnedProfile, digest: &str) -> String {
    format!(
        "its context {} is {digest}, not the {} the trust list pins",
        pin.context, pin.context_digest
    )
}

/// `loader` with the contexts of `profiles`, then `contexts` (URL, JSON text). A context of
/// `contexts` for a profile's context URL must be the document derived from the profile, and
/// one for a URL civitas bundles must be that document.
pub fn loader_with_profiles(
    mut loader: ContextLoader,
    profiles: &[LearntProfile],
    contexts: &[(String, String)],
) -> Result<ContextLoader, BundleError> {
    for p in profiles {
        loader = add_context(loader, &p.context.url, &p.context.text)?;
    }
    for (url, text) in contexts {
        if let Some(p) = profiles.iter().find(|p| p.context.url == *url)
            && serde_json::from_str::<Value>(text).ok() != Some(p.context.document.clone())
        {
            return Err(BundleError::Context {
                url: url.clone(),
                reason: format!(
                    "differs from the context of the {} profile the trust list pins ({})",
                    p.known.type_name(),
                    p.pin.context_digest
                ),
            });
        }
        loader = add_context(loader, url, text)?;
    }
    Ok(loader)
}

/// The profiles `trust` pins that civitas does not ship, as a bundle carries them: the text of
/// each, from the process's registry ([`civitas_core::profile::known`]), each once. A pinned
/// profile the process does not know (no profile of its type, or another one), or whose
/// context is not the pinned one, is an error.
pub fn pinned_profiles(trust: &VerifiedTrustList) -> Result<Vec<BundledProfile>, BundleError> {
    let registry = known();
    let mut out: Vec<BundledProfile> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (issuer, pin) in trust.list().pinned_profiles() {
        if seen.contains(&pin.digest.as_str()) {
            continue;
        }
        seen.push(&pin.digest);
        let refuse = |reason: String| BundleError::Profile {
            name: pin.type_name.clone(),
            reason,
        };
        let entry = match registry.get(&pin.type_name) {
            Some(k) if k.digest == pin.digest => k,
            Some(k) => {
                return Err(refuse(format!(
                    "the trust list pins {} for {}, but the profile this process knows for the type is {} ({})",
                    pin.digest,
                    issuer.label(),
                    k.digest,
                    k.profile.origin
                )));
            }
            None => {
                return Err(refuse(format!(
                    "the trust list pins {} for {}, and this process does not know that profile: load it first (`civitas verifier bundle --profile FILE`)",
                    pin.digest,
                    issuer.label()
                )));
            }
        };
        match registry.context(&pin.context) {
            Some(c) if c.digest == pin.context_digest => {}
            other => {
                return Err(refuse(context_mismatch(
                    pin,
                    other.map_or("unknown", |c| c.digest.as_str()),
                )));
            }
        }
        if !entry.bundled {
            out.push(BundledProfile {
                text: entry.text.clone(),
            });
        }
    }
    Ok(out)
}

/// Makes a bundle from files or from an issuer's published URLs, checking everything it packs.
///
/// ```no_run
/// # async fn f(trust_list: Vec<u8>, list: Vec<u8>, anchor: civitas_verifier::trust::TrustAnchor) -> Result<(), civitas_verifier::error::BundleError> {
/// use civitas_verifier::bundle::BundleBuilder;
/// let bundle = BundleBuilder::new(vec![anchor])
///     .trust_list(trust_list)
///     .status_list(list, chrono::Utc::now())
///     .build()
///     .await?;
/// std::fs::write("verifier-bundle.json", bundle.to_json_pretty()).ok();
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct BundleBuilder {
    anchors: Vec<TrustAnchor>,
    trust_list: Option<Vec<u8>>,
    status_lists: Vec<(Vec<u8>, DateTime<Utc>)>,
    status_tokens: Vec<(String, String, DateTime<Utc>)>,
    contexts: Vec<(String, String)>,
    created_at: Option<DateTime<Utc>>,
}

impl BundleBuilder {
    /// A bundle whose trust list must be signed by one of `anchors`.
    pub fn new(anchors: Vec<TrustAnchor>) -> Self {
        Self {
            anchors,
            trust_list: None,
            status_lists: Vec::new(),
            status_tokens: Vec::new(),
            contexts: Vec::new(),
            created_at: None,
        }
    }

    /// A signed Token Status List (`statuslist+jwt`) served at `uri`, fetched at `fetched_at`.
    pub fn status_token(mut self, uri: &str, jwt: &str, fetched_at: DateTime<Utc>) -> Self {
        self.status_tokens
            .push((uri.to_owned(), jwt.trim().to_owned(), fetched_at));
        self
    }

    /// Fetches a Token Status List from `uri`.
    pub async fn fetch_status_token(
        mut self,
        fetcher: &HttpFetcher,
        uri: &str,
    ) -> Result<Self, BundleError> {
        let fetched = fetcher.get(uri, crate::sd_jwt::TOKEN_MEDIA_TYPE).await?;
        let text = String::from_utf8(fetched.body.as_ref().clone()).map_err(|e| {
            BundleError::StatusList {
                url: uri.to_owned(),
                reason: format!("not UTF-8 at byte {}", e.utf8_error().valid_up_to()),
            }
        })?;
        self.status_tokens
            .push((uri.to_owned(), text.trim().to_owned(), fetched.fetched_at));
        Ok(self)
    }

    /// The signed trust list.
    pub fn trust_list(mut self, signed: impl Into<Vec<u8>>) -> Self {
        self.trust_list = Some(signed.into());
        self
    }

    /// A signed status list credential, fetched at `fetched_at`.
    pub fn status_list(mut self, signed: impl Into<Vec<u8>>, fetched_at: DateTime<Utc>) -> Self {
        self.status_lists.push((signed.into(), fetched_at));
        self
    }

    /// A JSON-LD context the documents need that civitas-core does not bundle.
    pub fn context(mut self, url: &str, text: &str) -> Self {
        self.contexts.push((url.to_owned(), text.to_owned()));
        self
    }

    /// The bundle's creation time (default: now).
    pub fn created_at(mut self, t: DateTime<Utc>) -> Self {
        self.created_at = Some(t);
        self
    }

    /// Fetches the trust list from `url`.
    pub async fn fetch_trust_list(
        mut self,
        fetcher: &HttpFetcher,
        url: &str,
    ) -> Result<Self, BundleError> {
        let fetched = fetcher
            .get(url, "application/vc+jwt, application/vc, application/json")
            .await?;
        self.trust_list = Some(fetched.body.as_ref().clone());
        Ok(self)
    }

    /// Fetches a status list credential from `url`.
    pub async fn fetch_status_list(
        mut self,
        fetcher: &HttpFetcher,
        url: &str,
    ) -> Result<Self, BundleError> {
        let fetched = fetcher
            .get(url, "application/vc+jwt, application/vc, application/json")
            .await?;
        self.status_lists
            .push((fetched.body.as_ref().clone(), fetched.fetched_at));
        Ok(self)
    }

    /// Verifies everything and assembles the bundle: the trust list against the anchors, each
    /// status list against its issuer's keys (from the trust list's pinned documents, or
    /// did:key). The same list given twice keeps the newest version. The profiles the trust
    /// list pins that civitas does not ship are taken from the process's registry
    /// ([`pinned_profiles`]: load them first); a context given for one of their URLs must be
    /// the one derived from the profile.
    pub async fn build(self) -> Result<Bundle, BundleError> {
        let created_at = seconds(self.created_at.unwrap_or_else(Utc::now));
        let trust_bytes = self
            .trust_list
            .ok_or_else(|| BundleError::Format("a bundle needs a signed trust list".to_owned()))?;
        let trust = verify_trust_list(&trust_bytes, &self.anchors, created_at).await?;
        let profiles = pinned_profiles(&trust)?;
        let learnt = learn_profiles(profiles.iter().map(|p| p.text.as_str()), &trust)?;
        let loader = loader_with_profiles(ContextLoader::bundled(), &learnt, &self.contexts)?;
        let mut contexts = Vec::new();
        for (url, text) in &self.contexts {
            let document = civitas_jsonld::json::parse_with_limit(text.as_bytes(), usize::MAX)
                .map_err(|e| BundleError::Context {
                    url: url.clone(),
                    reason: e.to_string(),
                })?;
            let derived = learnt.iter().any(|p| p.context.url == *url);
            if !ContextLoader::bundled().contains(url) && !derived {
                contexts.push(BundledContext {
                    url: url.clone(),
                    document,
                });
            }
        }
        let checker = list_checker(&trust, loader);
        let mut snapshots: Vec<(StatusSnapshot, Option<DateTime<Utc>>)> = Vec::new();
        for (bytes, fetched_at) in &self.status_lists {
            let list = verify_status_list(bytes, &checker, *fetched_at)
                .await
                .map_err(|e| BundleError::StatusList {
                    url: status_url_hint(bytes),
                    reason: e.to_string(),
                })?;
            let credential = credential_value(bytes).map_err(|reason| BundleError::StatusList {
                url: list.url().to_owned(),
                reason,
            })?;
            let snapshot = StatusSnapshot {
                url: list.url().to_owned(),
                fetched_at: seconds(*fetched_at),
                credential,
            };
            let valid_from = list.credential().valid_from;
            match snapshots.iter_mut().find(|(s, _)| s.url == snapshot.url) {
                Some(existing) if existing.1 <= valid_from => *existing = (snapshot, valid_from),
                Some(_) => {}
                None => snapshots.push((snapshot, valid_from)),
            }
        }
        let mut tokens: Vec<TokenSnapshot> = Vec::new();
        for (uri, jwt, fetched_at) in &self.status_tokens {
            verify_token(&checker, uri, jwt, created_at)
                .await
                .map_err(|reason| BundleError::StatusList {
                    url: uri.clone(),
                    reason,
                })?;
            tokens.retain(|t| t.uri != *uri);
            tokens.push(TokenSnapshot {
                uri: uri.clone(),
                fetched_at: seconds(*fetched_at),
                token: jwt.clone(),
            });
        }
        let trust_list = trust.signed().clone();
        Ok(Bundle {
            status_tokens: tokens,
            kind: BUNDLE_TYPE.to_owned(),
            version: BUNDLE_VERSION,
            created_at,
            trust_list,
            status_lists: snapshots.into_iter().map(|(s, _)| s).collect(),
            contexts,
            profiles,
        })
    }
}

/// Checks that `jwt` is the Token Status List at `uri`, signed by a key the checker's resolver
/// knows (a pinned issuer's, or a did:key).
async fn verify_token(
    checker: &DocumentCheck,
    uri: &str,
    jwt: &str,
    now: DateTime<Utc>,
) -> Result<(), String> {
    let kid = civitas_core::jwt::decode(jwt)
        .map_err(|e| e.to_string())?
        .kid;
    let (_, key) = civitas_keys::resolver::resolve_method(checker.resolver().as_ref(), &kid)
        .await
        .map_err(|e| format!("{kid}: {e}"))?;
    civitas_sdjwt::status_list::verify_status_list_token(jwt, &key, uri, now.timestamp())
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn status_url_hint(bytes: &[u8]) -> String {
    credential_value(bytes)
        .ok()
        .and_then(|v| v.get("id").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| "(unknown)".to_owned())
}

/// The checker that verifies status lists: the contexts, and the trust list's pinned documents.
pub(crate) fn list_checker(trust: &VerifiedTrustList, loader: ContextLoader) -> DocumentCheck {
    let mut resolver = OfflineResolver::new();
    trust.pin_into(&mut resolver);
    DocumentCheck::with_shared_resolver(loader, Arc::new(resolver))
}
