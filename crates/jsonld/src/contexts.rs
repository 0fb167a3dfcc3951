//! The JSON-LD contexts civitas knows, bundled in the binary, and the offline loader that serves
//! them. No context is ever fetched: a URL that is not bundled (or explicitly added by the caller)
//! is an [`UnknownContext`] error.

use std::collections::HashMap;
use std::sync::Arc;

use ssi::json_ld::iref::{Iri, IriBuf};
use ssi::json_ld::{LoadError, Loader, RemoteDocument};

/// VC Data Model 2.0 context.
pub const CREDENTIALS_V2: &str = "https://www.w3.org/ns/credentials/v2";
/// VC Data Model 1.1 context.
pub const CREDENTIALS_V1: &str = "https://www.w3.org/2018/credentials/v1";
/// Data Integrity v1 context (legacy, for VC 1.1 documents).
pub const DATA_INTEGRITY_V1: &str = "https://w3id.org/security/data-integrity/v1";
/// Data Integrity v2 context: what a VC 1.1 credential needs for a `DataIntegrityProof`.
pub const DATA_INTEGRITY_V2: &str = "https://w3id.org/security/data-integrity/v2";
/// Multikey context (verification methods).
pub const MULTIKEY_V1: &str = "https://w3id.org/security/multikey/v1";
/// JsonWebKey context (verification methods).
pub const JWK_V1: &str = "https://w3id.org/security/jwk/v1";
/// The standalone Bitstring Status List context (its terms are also in the VC 2.0 context).
pub const STATUS_LIST_V1: &str = "https://www.w3.org/ns/credentials/status/v1";
/// civitas' own vocabulary for civil-registry documents, version 1.
pub const CIVIL_REGISTRY_V1: &str = "https://w3id.org/civitas/civil-registry/v1";

/// The bundled contexts: URL and the exact bytes served for it.
pub const BUNDLED: &[(&str, &str)] = &[
    (
        CREDENTIALS_V2,
        include_str!("../contexts/credentials-v2.jsonld"),
    ),
    (
        CREDENTIALS_V1,
        include_str!("../contexts/credentials-v1.jsonld"),
    ),
    (
        DATA_INTEGRITY_V1,
        include_str!("../contexts/data-integrity-v1.jsonld"),
    ),
    (
        DATA_INTEGRITY_V2,
        include_str!("../contexts/data-integrity-v2.jsonld"),
    ),
    (MULTIKEY_V1, include_str!("../contexts/multikey-v1.jsonld")),
    (JWK_V1, include_str!("../contexts/jwk-v1.jsonld")),
    (
        STATUS_LIST_V1,
        include_str!("../contexts/status-list-v1.jsonld"),
    ),
    (
        CIVIL_REGISTRY_V1,
        include_str!("../contexts/civil-registry-v1.jsonld"),
    ),
];

/// The W3C examples context of VC Data Model 2.0 (a `@vocab` for example terms).
pub const CREDENTIALS_EXAMPLES_V2: &str = "https://www.w3.org/ns/credentials/examples/v2";

/// Contexts civitas knows but does not load by default: an issuer or verifier adds one when its
/// configuration allows it (the examples context makes every term defined, which a registry
/// does not want; a general-purpose VC-API implementation and the W3C test suites need it).
pub const OPTIONAL: &[(&str, &str)] = &[(
    CREDENTIALS_EXAMPLES_V2,
    include_str!("../contexts/credentials-examples-v2.jsonld"),
)];

/// The document of an optional context ([`OPTIONAL`]) by URL.
pub fn optional(url: &str) -> Option<&'static str> {
    OPTIONAL.iter().find(|(u, _)| *u == url).map(|(_, t)| *t)
}

/// Earlier published revisions of bundled contexts, by URL: a credential's `relatedResource`
/// digest names the bytes that were served when it was issued, so a digest of one of these
/// matches as well as one of the current bytes. Each file is byte-identical to the W3C
/// repository's at the commit its name and comment give; none is used to read credentials.
pub const EARLIER_REVISIONS: &[(&str, &str)] = &[(
    // w3c/vc-data-model commit 8d0ee107 (2024-07-03, "Remove `@vocab` definition from v2
    // context."): served at this URL from July 2024 until the February 2025 revision.
    CREDENTIALS_V2,
    include_str!("../contexts/credentials-v2-2024-07-03.jsonld"),
)];

/// Every byte sequence known to have been served at `url`: the bundled or optional context and
/// its [`EARLIER_REVISIONS`] (empty for a URL civitas does not know).
pub fn known_revisions(url: &str) -> Vec<&'static [u8]> {
    BUNDLED
        .iter()
        .chain(OPTIONAL)
        .chain(EARLIER_REVISIONS)
        .filter(|(u, _)| *u == url)
        .map(|(_, text)| text.as_bytes())
        .collect()
}

/// Largest context document accepted by [`ContextLoader::with_context`] (256 KiB).
pub const MAX_CONTEXT_BYTES: usize = 256 * 1024;

/// Why a context could not be added to a loader.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// The URL is not an absolute IRI.
    #[error("context URL `{url}` is not an absolute IRI")]
    InvalidUrl {
        /// The offending URL.
        url: String,
    },
    /// The document is not JSON.
    #[error("context `{url}` is not valid JSON: {reason}")]
    InvalidJson {
        /// The context URL.
        url: String,
        /// What the parser reported.
        reason: String,
    },
    /// The document is not a JSON object with an `@context` entry.
    #[error("context `{url}` has no top-level `@context` entry")]
    NotAContext {
        /// The context URL.
        url: String,
    },
    /// The document is larger than [`MAX_CONTEXT_BYTES`].
    #[error("context `{url}` is {size} bytes, more than the {max} allowed")]
    TooLarge {
        /// The context URL.
        url: String,
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
}

/// A context URL that is neither bundled nor added by the caller. Never fetched.
#[derive(Debug, thiserror::Error)]
#[error("unknown JSON-LD context `{0}`: civitas never fetches contexts; bundle or add it")]
pub struct UnknownContext(pub String);

/// An offline JSON-LD document loader: the bundled contexts plus any the caller adds.
///
/// Cloning is cheap (the documents are shared).
#[derive(Clone)]
pub struct ContextLoader {
    documents: Arc<HashMap<IriBuf, RemoteDocument>>,
    sources: Arc<HashMap<String, String>>,
    generation: u64,
}

/// Source of [`ContextLoader::generation`] values: never reused within a process.
static GENERATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl std::fmt::Debug for ContextLoader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut urls: Vec<&String> = self.sources.keys().collect();
        urls.sort();
        f.debug_struct("ContextLoader")
            .field("contexts", &urls)
            .finish()
    }
}

impl Default for ContextLoader {
    fn default() -> Self {
        Self::bundled()
    }
}

impl ContextLoader {
    /// A loader that serves exactly the contexts in [`BUNDLED`] and those of the document
    /// profiles civitas ships (civitas-profile).
    pub fn bundled() -> Self {
        // Built once per process; clones share the documents (and the generation).
        static LOADER: std::sync::OnceLock<ContextLoader> = std::sync::OnceLock::new();
        LOADER.get_or_init(Self::build_bundled).clone()
    }

    fn build_bundled() -> Self {
        let mut loader = Self {
            documents: Arc::new(HashMap::new()),
            sources: Arc::new(HashMap::new()),
            generation: 0,
        };
        for (url, text) in BUNDLED {
            // The bundled contexts are compiled in and checked by the test-suite.
            if let Err(e) = loader.add(url, text) {
                unreachable!("bundled context {url} is invalid: {e}");
            }
        }
        // The contexts of the bundled document profiles (the civil-registry one is the file
        // above, which its profiles' derived context equals: civitas-profile's tests).
        for c in civitas_profile::known().contexts() {
            if c.bundled
                && !loader.contains(&c.url)
                && let Err(e) = loader.add(&c.url, &c.text)
            {
                unreachable!("bundled profile context {} is invalid: {e}", c.url);
            }
        }
        loader
    }

    /// Returns a loader that also serves `text` for `url` (replacing any earlier document).
    pub fn with_context(mut self, url: &str, text: &str) -> Result<Self, ContextError> {
        self.add(url, text)?;
        Ok(self)
    }

    fn add(&mut self, url: &str, text: &str) -> Result<(), ContextError> {
        if text.len() > MAX_CONTEXT_BYTES {
            return Err(ContextError::TooLarge {
                url: url.to_owned(),
                size: text.len(),
                max: MAX_CONTEXT_BYTES,
            });
        }
        let iri = IriBuf::new(url.to_owned()).map_err(|_| ContextError::InvalidUrl {
            url: url.to_owned(),
        })?;
        let parsed: serde_json::Value =
            crate::json::parse(text.as_bytes()).map_err(|e| ContextError::InvalidJson {
                url: url.to_owned(),
                reason: e.to_string(),
            })?;
        if parsed.get("@context").is_none() {
            return Err(ContextError::NotAContext {
                url: url.to_owned(),
            });
        }
        let json = json_syntax::Value::from_serde_json(parsed);
        let doc = RemoteDocument::new(Some(iri.clone()), "application/ld+json".parse().ok(), json);
        Arc::make_mut(&mut self.documents).insert(iri, doc);
        Arc::make_mut(&mut self.sources).insert(url.to_owned(), text.to_owned());
        self.generation = GENERATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// Identifies the exact set of contexts this loader serves: two loaders (or clones) with
    /// the same generation serve the same documents. Adding a context gives a new generation.
    /// The canonicalization fast path keys its cache of processed contexts with it.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Whether `url` is served by this loader.
    pub fn contains(&self, url: &str) -> bool {
        self.sources.contains_key(url)
    }

    /// The exact text served for `url`, if any.
    pub fn source(&self, url: &str) -> Option<&str> {
        self.sources.get(url).map(String::as_str)
    }

    /// The first context URL named anywhere in `document` (a `@context` member at any depth,
    /// a string or strings in an array) that this loader does not serve.
    pub fn first_unknown(&self, document: &serde_json::Value) -> Option<String> {
        use serde_json::Value;
        match document {
            Value::Object(members) => members.iter().find_map(|(k, v)| {
                if k == "@context" {
                    let named = match v {
                        Value::String(url) => (!self.contains(url)).then_some(url.as_str()),
                        Value::Array(items) => items
                            .iter()
                            .filter_map(Value::as_str)
                            .find(|url| !self.contains(url)),
                        _ => None,
                    };
                    if let Some(url) = named {
                        return Some(url.to_owned());
                    }
                }
                self.first_unknown(v)
            }),
            Value::Array(items) => items.iter().find_map(|v| self.first_unknown(v)),
            _ => None,
        }
    }

    /// Every URL this loader serves, sorted.
    pub fn urls(&self) -> Vec<&str> {
        let mut urls: Vec<&str> = self.sources.keys().map(String::as_str).collect();
        urls.sort_unstable();
        urls
    }
}

impl Loader for ContextLoader {
    async fn load(&self, url: &Iri) -> Result<RemoteDocument<IriBuf>, LoadError> {
        match self.documents.get(url) {
            Some(doc) => Ok(doc.clone()),
            None => Err(LoadError::new(
                url.to_owned(),
                UnknownContext(url.as_str().to_owned()),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_context_loads() {
        let loader = ContextLoader::bundled();
        for (url, _) in BUNDLED {
            assert!(loader.contains(url), "{url}");
        }
        // and the contexts of the bundled document profiles, nothing else
        let profiles: Vec<String> = civitas_profile::known()
            .contexts()
            .filter(|c| c.bundled && !BUNDLED.iter().any(|(u, _)| *u == c.url))
            .map(|c| c.url.clone())
            .collect();
        assert_eq!(profiles.len(), 5, "{profiles:?}");
        for url in &profiles {
            assert!(loader.contains(url), "{url}");
        }
        assert_eq!(loader.urls().len(), BUNDLED.len() + profiles.len());
    }

    #[test]
    fn bad_additions_are_typed_errors() {
        let l = ContextLoader::bundled();
        assert!(matches!(
            l.clone().with_context("not a url", "{}"),
            Err(ContextError::InvalidUrl { .. })
        ));
        assert!(matches!(
            l.clone().with_context("https://x.example/c", "{"),
            Err(ContextError::InvalidJson { .. })
        ));
        assert!(matches!(
            l.clone().with_context("https://x.example/c", "{\"a\":1}"),
            Err(ContextError::NotAContext { .. })
        ));
        let big = format!(
            "{{\"@context\":{{}},\"x\":\"{}\"}}",
            "a".repeat(MAX_CONTEXT_BYTES)
        );
        assert!(matches!(
            l.with_context("https://x.example/c", &big),
            Err(ContextError::TooLarge { .. })
        ));
    }
}
