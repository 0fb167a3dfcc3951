//! [`DocumentType`]: the name of a known document type, checked against the profiles the
//! process knows ([`crate::registry`]).

use std::fmt;
use std::sync::Arc;

use crate::registry::{Known, known};

/// A document type the process knows a profile for (`BirthCertificate`): cheap to clone,
/// serialized as its type name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentType(Arc<str>);

/// A name that is not a known document type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{name}` is not a known document type (known: {known})")]
pub struct UnknownDocumentType {
    /// The name as given.
    pub name: String,
    /// The known type names, comma-separated.
    pub known: String,
}

impl DocumentType {
    /// The known type a user names: its type name (`BirthCertificate`), its short name
    /// (`birth-certificate`) or that without `-certificate` (`birth`).
    pub fn named(name: &str) -> Result<Self, UnknownDocumentType> {
        let registry = known();
        registry
            .find(name)
            .map(|k| Self(Arc::from(k.type_name())))
            .ok_or_else(|| UnknownDocumentType {
                name: name.chars().take(100).collect(),
                known: registry.type_names().join(", "),
            })
    }

    /// The known document type among a credential's `type` values, if any.
    pub fn from_types<'a>(types: impl IntoIterator<Item = &'a str>) -> Option<Self> {
        let registry = known();
        registry
            .from_types(types)
            .map(|k| Self(Arc::from(k.type_name())))
    }

    /// Every known document type, by name.
    pub fn all() -> Vec<Self> {
        known()
            .type_names()
            .into_iter()
            .map(|t| Self(Arc::from(t)))
            .collect()
    }

    /// The type name (`BirthCertificate`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Its profile. `None` only for a type read from storage whose profile the process no
    /// longer loads.
    pub fn profile(&self) -> Option<Arc<Known>> {
        known().get(&self.0).cloned()
    }

    /// The URL of its JSON Schema.
    pub fn schema_url(&self) -> Option<String> {
        self.profile()
            .map(|k| k.profile.document.schema_url.clone())
    }

    /// Its title in English and French (`Birth Certificate`, `Acte de naissance`); the type
    /// name twice when its profile is not loaded.
    pub fn title(&self) -> (String, String) {
        match self.profile() {
            Some(k) => {
                let l = &k.profile.document.label;
                (l.en().to_owned(), l.fr().to_owned())
            }
            None => (self.0.to_string(), self.0.to_string()),
        }
    }
}

impl fmt::Display for DocumentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for DocumentType {
    type Err = UnknownDocumentType;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::named(s)
    }
}

impl serde::Serialize for DocumentType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for DocumentType {
    /// Any type name: a record stored under a profile this process does not load still reads.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        if s.is_empty() || s.len() > 100 {
            return Err(serde::de::Error::custom(
                "a document type name is 1 to 100 bytes",
            ));
        }
        Ok(Self(Arc::from(s.as_ref())))
    }
}
