//! The active context: keywords, term definitions, and IRI expansion against them.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

use crate::canon::Declined;
use crate::canon::iri;
use crate::canon::str::FxBuild;

/// The JSON-LD keywords.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kw {
    Base,
    Container,
    Context,
    Direction,
    Graph,
    Id,
    Import,
    Included,
    Index,
    Json,
    Language,
    List,
    Nest,
    None,
    Prefix,
    Propagate,
    Protected,
    Reverse,
    Set,
    Type,
    Value,
    Version,
    Vocab,
}

impl Kw {
    pub(crate) fn parse(s: &str) -> Option<Kw> {
        if !s.starts_with('@') {
            return None;
        }
        Some(match s {
            "@base" => Kw::Base,
            "@container" => Kw::Container,
            "@context" => Kw::Context,
            "@direction" => Kw::Direction,
            "@graph" => Kw::Graph,
            "@id" => Kw::Id,
            "@import" => Kw::Import,
            "@included" => Kw::Included,
            "@index" => Kw::Index,
            "@json" => Kw::Json,
            "@language" => Kw::Language,
            "@list" => Kw::List,
            "@nest" => Kw::Nest,
            "@none" => Kw::None,
            "@prefix" => Kw::Prefix,
            "@propagate" => Kw::Propagate,
            "@protected" => Kw::Protected,
            "@reverse" => Kw::Reverse,
            "@set" => Kw::Set,
            "@type" => Kw::Type,
            "@value" => Kw::Value,
            "@version" => Kw::Version,
            "@vocab" => Kw::Vocab,
            _ => return None,
        })
    }
}

/// What a term (or an IRI expansion) maps to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Mapping {
    /// Explicitly `null`: the term is not expanded (its values are dropped).
    Null,
    /// A keyword alias.
    Keyword(Kw),
    /// An absolute IRI or a blank node identifier (`_:` prefix).
    Iri(Rc<str>),
}

/// A term's type mapping.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TypeMapping {
    Id,
    Vocab,
    Json,
    None,
    Iri(Rc<str>),
}

/// Container flags.
pub(crate) const C_SET: u8 = 1;
pub(crate) const C_LIST: u8 = 2;
pub(crate) const C_LANGUAGE: u8 = 4;
pub(crate) const C_GRAPH: u8 = 8;

/// A scoped (`@context` of a term definition) context, kept unprocessed.
#[derive(Debug, Clone)]
pub(crate) struct Scoped {
    pub(crate) value: Rc<Value>,
    pub(crate) base: Option<Rc<str>>,
}

impl PartialEq for Scoped {
    fn eq(&self, other: &Self) -> bool {
        self.base == other.base
            && (Rc::ptr_eq(&self.value, &other.value) || self.value == other.value)
    }
}

/// A term definition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TermDef {
    pub(crate) iri: Mapping,
    pub(crate) prefix: bool,
    pub(crate) protected: bool,
    pub(crate) type_mapping: Option<TypeMapping>,
    pub(crate) container: u8,
    /// `Some(None)`: explicitly no language.
    pub(crate) language: Option<Option<Rc<str>>>,
    /// `Some(None)`: explicitly no base direction.
    pub(crate) direction: Option<Option<Direction>>,
    pub(crate) context: Option<Scoped>,
}

/// A base direction (`@direction`) of a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// `ltr`.
    Ltr,
    /// `rtl`.
    Rtl,
}

impl Direction {
    /// The direction a JSON-LD `@direction` value names: `Ok(None)` for `null`.
    pub(crate) fn parse(value: &Value) -> Result<Option<Self>, Declined> {
        match value {
            Value::Null => Ok(None),
            Value::String(s) if s == "ltr" => Ok(Some(Direction::Ltr)),
            Value::String(s) if s == "rtl" => Ok(Some(Direction::Rtl)),
            _ => Err(Declined::Invalid("invalid base direction")),
        }
    }

    /// `ltr` or `rtl`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Direction::Ltr => "ltr",
            Direction::Rtl => "rtl",
        }
    }
}

impl TermDef {
    pub(super) fn same_except_protected(&self, other: &TermDef) -> bool {
        self.iri == other.iri
            && self.prefix == other.prefix
            && self.type_mapping == other.type_mapping
            && self.container == other.container
            && self.language == other.language
            && self.direction == other.direction
            && self.context == other.context
    }
}

pub(super) type Terms = HashMap<Rc<str>, Rc<TermDef>, FxBuild>;

/// A processed (active) context. Immutable once built; identified by a process-unique id that
/// keys the cache.
#[derive(Debug)]
pub(crate) struct ActiveContext {
    pub(crate) id: u64,
    pub(crate) terms: Terms,
    pub(crate) vocab: Option<Rc<str>>,
    pub(crate) language: Option<Rc<str>>,
    /// The default base direction.
    pub(crate) direction: Option<Direction>,
    pub(crate) base: Option<Rc<str>>,
    pub(super) original_base: Option<Rc<str>>,
    pub(crate) previous: Option<Rc<ActiveContext>>,
}

pub(super) static NEXT_ID: AtomicU64 = AtomicU64::new(1);

pub(super) fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

impl ActiveContext {
    /// An empty active context with this base IRI.
    pub(crate) fn root(base: Option<Rc<str>>) -> Rc<Self> {
        Rc::new(Self {
            id: next_id(),
            terms: Terms::default(),
            vocab: None,
            language: None,
            direction: None,
            base: base.clone(),
            original_base: base,
            previous: None,
        })
    }

    pub(crate) fn term(&self, key: &str) -> Option<&TermDef> {
        self.terms.get(key).map(|t| &**t)
    }

    pub(super) fn has_protected(&self) -> bool {
        self.terms.values().any(|t| t.protected)
    }
}

/// The result of an IRI expansion.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expanded {
    Null,
    Keyword(Kw),
    /// The value as given, not checked.
    Same,
    /// The value as given, checked to be an absolute IRI.
    SameIri,
    /// A term's IRI mapping (checked when the term was defined: an absolute IRI or a blank
    /// node identifier).
    Term(Rc<str>),
    /// A new string, not checked (prefix + suffix, vocab + value, resolved reference).
    Iri(Rc<str>),
}

impl ActiveContext {
    /// IRI expansion (§5.2.2) outside context processing.
    pub(crate) fn expand_iri(&self, value: &str, doc_relative: bool, vocab: bool) -> Expanded {
        if let Some(k) = Kw::parse(value) {
            return Expanded::Keyword(k);
        }
        if iri::has_keyword_form(value) {
            return Expanded::Null;
        }
        if let Some(def) = self.term(value) {
            if let Mapping::Keyword(k) = def.iri {
                return Expanded::Keyword(k);
            }
            if vocab {
                return match &def.iri {
                    Mapping::Null => Expanded::Null,
                    Mapping::Keyword(k) => Expanded::Keyword(*k),
                    Mapping::Iri(i) => Expanded::Term(i.clone()),
                };
            }
        }
        if let Some(colon) = iri::colon_after_first(value) {
            let (prefix, suffix) = (&value[..colon], &value[colon + 1..]);
            if prefix == "_" || suffix.starts_with("//") {
                return Expanded::Same;
            }
            if let Some(def) = self.term(prefix)
                && def.prefix
                && let Mapping::Iri(p) = &def.iri
            {
                return Expanded::Iri(Rc::from(format!("{p}{suffix}")));
            }
            if iri::is_absolute_iri(value) {
                return Expanded::SameIri;
            }
        }
        if vocab && let Some(v) = &self.vocab {
            return Expanded::Iri(Rc::from(format!("{v}{value}")));
        }
        if doc_relative && let Some(base) = &self.base {
            return Expanded::Iri(Rc::from(iri::resolve(value, base)));
        }
        Expanded::Same
    }
}
