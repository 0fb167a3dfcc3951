//! The profiles a process knows: the bundled ones, and those an installation loads at run time
//! (an issuer's profile directory, a verifier's bundle). One type name means one profile in a
//! process: registering another profile under a known name is refused, registering the same
//! file again is a no-op.
//!
//! A [`Registry`] is an immutable snapshot; [`known`] gives the current one, [`register`] makes
//! the next. Everything a type needs at issuance or verification (its context document, its
//! JSON Schema, the merged CV1 key table) is derived once, when the profile is registered.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, OnceLock, RwLock};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::bundled::BUNDLED;
use crate::cv1::Cv1Table;
use crate::error::ProfileError;
use crate::format::Profile;

/// Most profiles one process knows (bundled ones included).
pub const MAX_PROFILES: usize = 1024;

/// A registered profile and what derives from it.
#[derive(Debug)]
pub struct Known {
    /// The profile.
    pub profile: Profile,
    /// The file's text, as read.
    pub text: String,
    /// `sha256:` and the lowercase hex SHA-256 of [`Known::text`]: what a trust list pins.
    pub digest: String,
    /// Whether civitas ships it.
    pub bundled: bool,
    /// Its JSON Schema.
    pub schema: Value,
}

impl Known {
    /// The credential type (`BirthCertificate`).
    pub fn type_name(&self) -> &str {
        &self.profile.document.type_name
    }

    /// The profile's short name (`birth-certificate`): its type name in kebab case.
    pub fn name(&self) -> String {
        kebab(self.type_name())
    }
}

/// A context document served at one URL, with the profiles that define its terms.
#[derive(Debug, Clone)]
pub struct KnownContext {
    /// The context URL.
    pub url: String,
    /// The context document (for a URL several profiles share, the union of their terms).
    pub document: Value,
    /// The document as served, compact JSON.
    pub text: String,
    /// `sha256:` and the hex SHA-256 of [`KnownContext::text`].
    pub digest: String,
    /// Whether civitas ships it (its profiles are bundled).
    pub bundled: bool,
}

/// Why a profile cannot join the known ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// The file itself is wrong.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// Another profile has this type name.
    #[error(
        "{origin}: the document type `{type_name}` is already known from {other} (another profile, digest {digest})"
    )]
    TypeTaken {
        /// The new profile's origin.
        origin: String,
        /// The type name.
        type_name: String,
        /// Where the known one came from.
        other: String,
        /// The known one's digest.
        digest: String,
    },
    /// The profile does not fit with the known ones (a context URL or a CV1 key used with
    /// another meaning).
    #[error("{origin}: {reason}")]
    Conflict {
        /// The new profile's origin.
        origin: String,
        /// What clashes.
        reason: String,
    },
    /// Too many profiles.
    #[error("{origin}: more than {MAX_PROFILES} profiles")]
    TooMany {
        /// The new profile's origin.
        origin: String,
    },
    /// The profile directory cannot be read.
    #[error("{path}: cannot read the profile directory: {reason}")]
    Directory {
        /// The directory.
        path: String,
        /// Why.
        reason: String,
    },
}

/// An immutable set of known profiles, with their contexts and the merged CV1 key table.
#[derive(Debug, Default)]
pub struct Registry {
    by_type: BTreeMap<String, Arc<Known>>,
    contexts: BTreeMap<String, KnownContext>,
    cv1: Cv1Table,
}

impl Registry {
    /// The profile of `type_name` (`BirthCertificate`).
    pub fn get(&self, type_name: &str) -> Option<&Arc<Known>> {
        self.by_type.get(type_name)
    }

    /// The profile a user names: its type name (`BirthCertificate`), its short name
    /// (`birth-certificate`, any case) or that name without `-certificate` (`birth`).
    pub fn find(&self, name: &str) -> Option<&Arc<Known>> {
        if let Some(k) = self.by_type.get(name) {
            return Some(k);
        }
        let wanted = name.to_ascii_lowercase();
        self.by_type.values().find(|k| {
            let short = k.name();
            short == wanted || short.strip_suffix("-certificate") == Some(wanted.as_str())
        })
    }

    /// The document type among a credential's `type` values, if one is known.
    pub fn from_types<'a>(&self, types: impl IntoIterator<Item = &'a str>) -> Option<&Arc<Known>> {
        types.into_iter().find_map(|t| self.by_type.get(t))
    }

    /// Every known profile, by type name.
    pub fn all(&self) -> impl Iterator<Item = &Arc<Known>> {
        self.by_type.values()
    }

    /// The type names, sorted.
    pub fn type_names(&self) -> Vec<&str> {
        self.by_type.keys().map(String::as_str).collect()
    }

    /// The context served at `url`, when a known profile defines it.
    pub fn context(&self, url: &str) -> Option<&KnownContext> {
        self.contexts.get(url)
    }

    /// Every profile context, by URL.
    pub fn contexts(&self) -> impl Iterator<Item = &KnownContext> {
        self.contexts.values()
    }

    /// The profile whose JSON Schema is at `url`.
    pub fn by_schema(&self, url: &str) -> Option<&Arc<Known>> {
        self.by_type
            .values()
            .find(|k| k.profile.document.schema_url == url)
    }

    /// The CV1 key table of every known profile that has a QR form.
    pub fn cv1(&self) -> &Cv1Table {
        &self.cv1
    }

    /// This registry and `profile` (read from `text`); `self` when it is already there.
    fn with(&self, profile: Profile, text: &str, bundled: bool) -> Result<Self, RegistryError> {
        let origin = profile.origin.clone();
        let type_name = profile.document.type_name.clone();
        let digest = digest(text.as_bytes());
        if let Some(k) = self.by_type.get(&type_name) {
            if k.digest == digest {
                return Ok(self.clone_all());
            }
            return Err(RegistryError::TypeTaken {
                origin,
                type_name,
                other: k.profile.origin.clone(),
                digest: k.digest.clone(),
            });
        }
        if self.by_type.len() >= MAX_PROFILES {
            return Err(RegistryError::TooMany { origin });
        }
        let conflict = |reason: String| RegistryError::Conflict {
            origin: origin.clone(),
            reason,
        };
        let url = profile.document.context_url.clone();
        let sharing: Vec<&Profile> = self
            .by_type
            .values()
            .filter(|k| k.profile.document.context_url == url)
            .map(|k| &k.profile)
            .collect();
        if !bundled && !sharing.is_empty() {
            return Err(conflict(format!(
                "the context {url} belongs to {}; a profile loaded at run time has a context URL of its own",
                sharing[0].document.type_name
            )));
        }
        let mut with_new = sharing;
        with_new.push(&profile);
        let document = crate::context::merged_context(&with_new).map_err(conflict)?;
        if let Some(taken) = self
            .by_type
            .values()
            .find(|k| k.profile.document.schema_url == profile.document.schema_url)
        {
            return Err(conflict(format!(
                "the schema URL {} is {}'s",
                profile.document.schema_url,
                taken.type_name()
            )));
        }
        let cv1 = match profile.cv1_table() {
            Some(t) => Cv1Table::merged(&[self.cv1.clone(), t])
                .map_err(|e| conflict(format!("its QR keys clash with a known profile's: {e}")))?,
            None => self.cv1.clone(),
        };
        let text_out = document.to_string();
        let context = KnownContext {
            url: url.clone(),
            digest: digest_of(&text_out),
            text: text_out,
            document,
            bundled,
        };
        let mut next = self.clone_all();
        next.cv1 = cv1;
        next.contexts.insert(url, context);
        let schema = profile.json_schema();
        next.by_type.insert(
            type_name,
            Arc::new(Known {
                profile,
                text: text.to_owned(),
                digest,
                bundled,
                schema,
            }),
        );
        Ok(next)
    }

    fn clone_all(&self) -> Self {
        Self {
            by_type: self.by_type.clone(),
            contexts: self.contexts.clone(),
            cv1: self.cv1.clone(),
        }
    }
}

/// `sha256:` and the lowercase hex SHA-256 of `bytes`.
pub fn digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in hash {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

fn digest_of(text: &str) -> String {
    digest(text.as_bytes())
}

/// `BirthCertificate` → `birth-certificate`.
pub fn kebab(type_name: &str) -> String {
    let mut out = String::with_capacity(type_name.len() + 4);
    for (i, c) in type_name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn global() -> &'static RwLock<Arc<Registry>> {
    static GLOBAL: OnceLock<RwLock<Arc<Registry>>> = OnceLock::new();
    GLOBAL.get_or_init(|| {
        let mut registry = Registry::default();
        for (name, text) in BUNDLED {
            // The bundled profiles are checked by this crate's tests: loading them cannot fail
            // in a released build, and one that does is left out rather than taking the
            // process down.
            let Ok(profile) = Profile::from_toml(text, &format!("bundled:{name}")) else {
                continue;
            };
            if let Ok(next) = registry.with(profile, text, true) {
                registry = next;
            }
        }
        RwLock::new(Arc::new(registry))
    })
}

/// The profiles this process knows now.
pub fn known() -> Arc<Registry> {
    match global().read() {
        Ok(g) => Arc::clone(&g),
        Err(poisoned) => Arc::clone(&poisoned.into_inner()),
    }
}

/// Adds the profile `text` (named `origin` in errors) to the known ones and returns it. The
/// same file again returns the known entry.
pub fn register(text: &str, origin: &str) -> Result<Arc<Known>, RegistryError> {
    let profile = Profile::from_toml(text, origin)?;
    let type_name = profile.document.type_name.clone();
    let mut guard = match global().write() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    let next = guard.with(profile, text, false)?;
    let known = next
        .get(&type_name)
        .cloned()
        .ok_or_else(|| RegistryError::Conflict {
            origin: origin.to_owned(),
            reason: "the profile was not kept".into(),
        })?;
    *guard = Arc::new(next);
    Ok(known)
}

/// Reads and registers the profile file at `path`.
pub fn register_file(path: &Path) -> Result<Arc<Known>, RegistryError> {
    let text = crate::load::read_text(path)?;
    register(&text, &path.display().to_string())
}

/// Registers every `*.toml` file of `dir` (in name order); the first broken one stops it.
pub fn register_dir(dir: &Path) -> Result<Vec<Arc<Known>>, RegistryError> {
    let io = |e: std::io::Error| RegistryError::Directory {
        path: dir.display().to_string(),
        reason: e.to_string(),
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.extension().is_some_and(|e| e == "toml") && path.is_file() {
            files.push(path);
        }
        if files.len() > MAX_PROFILES {
            return Err(RegistryError::TooMany {
                origin: dir.display().to_string(),
            });
        }
    }
    files.sort();
    files.iter().map(|p| register_file(p)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_profiles_are_known_with_their_contexts_and_one_cv1_table() {
        let r = known();
        assert_eq!(r.type_names().len(), BUNDLED.len());
        assert_eq!(
            r.find("birth").map(|k| k.type_name()),
            Some("BirthCertificate")
        );
        assert_eq!(
            r.find("driving-licence").map(|k| k.type_name()),
            Some("DrivingLicence")
        );
        assert!(r.find("nothing").is_none());
        let civil = r
            .context("https://w3id.org/civitas/civil-registry/v1")
            .expect("the shared context");
        assert!(civil.document["@context"]["spouses"].is_object());
        assert!(
            civil.document["@context"]["mother"].is_string()
                || civil.document["@context"]["mother"].is_object()
        );
        assert!(r.cv1().documents.len() >= 2);
        assert_eq!(kebab("BirthCertificate"), "birth-certificate");
    }

    #[test]
    fn a_second_profile_under_a_known_type_name_is_refused_the_same_file_is_not() {
        let (_, birth) = BUNDLED[0];
        let again = register(birth, "again.toml").expect("the same file");
        assert!(again.bundled);
        let changed = birth.replace("Birth Certificate", "Birth Record");
        match register(&changed, "changed.toml") {
            Err(RegistryError::TypeTaken { type_name, .. }) => {
                assert_eq!(type_name, "BirthCertificate")
            }
            other => panic!("{other:?}"),
        }
    }
}
