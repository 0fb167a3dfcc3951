//! A loaded, checked profile: the document type, its vocabulary, its fields, its rules and
//! everything else one profile file says (SPEC.md, "Document profiles (format)").
//!
//! Values of these types are only made by the loader ([`crate::Profile::from_toml`]), which
//! checks every reference: a [`Profile`] is always consistent.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use regex::Regex;
use serde_json::Value;

use crate::path::FieldPath;

/// The format version this crate reads (`format = 1`).
pub const FORMAT_VERSION: u32 = 1;

/// A document type, described as data.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Profile {
    /// Where it was loaded from (a file path, or the name of a bundled profile).
    pub origin: String,
    /// Name, version, URLs, title and validity.
    pub document: Document,
    /// Terms and their IRIs, prefixes expanded.
    pub vocabulary: Vocabulary,
    /// The `credentialSubject`.
    pub subject: ObjectType,
    /// Named object types fields refer to (`person`, `place`, ...), by name.
    pub types: BTreeMap<String, ObjectType>,
    /// Named enumerations, by name.
    pub enums: BTreeMap<String, Enumeration>,
    /// Rules between fields.
    pub rules: Vec<Rule>,
    /// The keys of the compact QR form, when the type has one.
    pub cv1: Option<Cv1Keys>,
    /// The printed certificate.
    pub certificate: Certificate,
    /// The sample subject the file gives (`[sample]`), `type` members filled in.
    pub(crate) sample: Option<Value>,
}

/// The document type itself.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Document {
    /// The credential type (`BirthCertificate`), also a vocabulary term.
    pub type_name: String,
    /// The profile's version (`1.0.0`).
    pub version: String,
    /// Its name in English and French.
    pub label: Label,
    /// The URL of its JSON-LD context (`https://w3id.org/civitas/civil-registry/v1`).
    pub context_url: String,
    /// The URL (`$id`) of its JSON Schema.
    pub schema_url: String,
    /// How long a credential of this type is valid after issuance; `None`: it does not expire.
    pub valid_for: Option<Validity>,
}

/// A validity period: years, months and days (`P10Y`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// Years.
    pub years: u32,
    /// Months.
    pub months: u32,
    /// Days.
    pub days: u32,
}

impl Validity {
    /// The end of validity of a credential valid from `from` (`None` when out of range).
    pub fn valid_until(
        &self,
        from: chrono::DateTime<chrono::Utc>,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        let months = self.years.checked_mul(12)?.checked_add(self.months)?;
        from.checked_add_months(chrono::Months::new(months))?
            .checked_add_days(chrono::Days::new(u64::from(self.days)))
    }
}

impl fmt::Display for Validity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("P")?;
        if self.years > 0 {
            write!(f, "{}Y", self.years)?;
        }
        if self.months > 0 {
            write!(f, "{}M", self.months)?;
        }
        if self.days > 0 || (self.years == 0 && self.months == 0) {
            write!(f, "{}D", self.days)?;
        }
        Ok(())
    }
}

/// A text in English and French (and possibly other languages).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Label {
    /// Text by BCP 47 language tag; `en` and `fr` are always present.
    pub texts: BTreeMap<String, String>,
}

impl Label {
    /// The text in `language`, if given.
    pub fn get(&self, language: &str) -> Option<&str> {
        self.texts.get(language).map(String::as_str)
    }

    /// The English text.
    pub fn en(&self) -> &str {
        self.get("en").unwrap_or_default()
    }

    /// The French text.
    pub fn fr(&self) -> &str {
        self.get("fr").unwrap_or_default()
    }
}

/// The vocabulary: term → absolute IRI.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Vocabulary {
    /// Every term, prefixes expanded.
    pub terms: BTreeMap<String, String>,
}

/// An object: the subject, or a named type.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ObjectType {
    /// `subject`, or the type's name.
    pub name: String,
    /// Its JSON-LD class (`Person`): the value of its implied, required `type` member. `None`:
    /// the object has no `type` member.
    pub class: Option<String>,
    /// Its fields, in the file's order.
    pub fields: Vec<Field>,
}

impl ObjectType {
    /// The field with this key.
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }
}

/// One member of an object.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Field {
    /// The JSON member name (a vocabulary term, or `id`).
    pub key: String,
    /// What values it takes.
    pub kind: Kind,
    /// Whether it must be present.
    pub required: bool,
    /// Its label in English and French.
    pub label: Label,
    /// Whether a holder may withhold it when sharing.
    pub withhold: bool,
    /// Whether ingestion mappings may target it (its leaves, for an object).
    pub ingest: bool,
}

/// What an object field stands for; the rules that compare people need to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A human being (`distinct` compares them).
    Person,
    /// A place.
    Place,
    /// Any other object.
    Object,
}

impl Role {
    /// `person`, `place` or `object`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::Place => "place",
            Self::Object => "object",
        }
    }
}

/// A regular expression with the text it was written as (anchored: `^…$`).
#[derive(Debug, Clone)]
pub struct Pattern {
    /// The anchored source, as it goes into the JSON Schema.
    pub source: String,
    pub(crate) regex: Regex,
}

impl Pattern {
    /// Whether `text` matches.
    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

/// The kinds of field (SPEC.md, "Document profiles (format)", kinds).
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// Text: no control characters, no leading or trailing space, `min_length..=max_length`
    /// characters.
    Text {
        /// Fewest characters (1 unless given).
        min_length: u64,
        /// Most characters (200 unless given).
        max_length: u64,
    },
    /// A text, or a JSON-LD language map (`{"en": "John", "fr": "Jean"}`) of texts.
    LanguageMap,
    /// `xsd:date` (`2024-02-28`).
    Date,
    /// `xsd:time` (`14:35:00`).
    Time,
    /// `xsd:dateTime` with a time zone (`2026-01-15T09:00:00Z`).
    DateTime,
    /// One of the codes of the named enumeration.
    Enum {
        /// The enumeration's name.
        name: String,
    },
    /// A JSON integer within the bounds.
    Integer {
        /// Smallest value.
        min: Option<i64>,
        /// Largest value.
        max: Option<i64>,
    },
    /// A decimal amount with its currency: `{"value": "1234.50", "currency": "MUR"}`.
    Amount,
    /// An ISO 3166-1 alpha-2 country code (`MU`).
    Country,
    /// An identifier matching a pattern.
    Identifier {
        /// The pattern.
        pattern: Pattern,
    },
    /// A DID: the `id` of the object (its holder).
    Did,
    /// An object of a named type.
    Object {
        /// What it stands for.
        role: Role,
        /// The type's name.
        type_name: String,
    },
    /// A list of objects of a named type.
    List {
        /// What each item stands for.
        role: Role,
        /// The items' type.
        type_name: String,
        /// Fewest items.
        min: u64,
        /// Most items.
        max: Option<u64>,
    },
}

impl Kind {
    /// The names of the kinds, as written in a profile.
    pub const NAMES: [&'static str; 15] = [
        "text",
        "language-map",
        "date",
        "time",
        "date-time",
        "enum",
        "integer",
        "amount",
        "country",
        "identifier",
        "did",
        "object",
        "person",
        "place",
        "list",
    ];

    /// The kind's name as written in a profile (`list` for every list).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Text { .. } => "text",
            Self::LanguageMap => "language-map",
            Self::Date => "date",
            Self::Time => "time",
            Self::DateTime => "date-time",
            Self::Enum { .. } => "enum",
            Self::Integer { .. } => "integer",
            Self::Amount => "amount",
            Self::Country => "country",
            Self::Identifier { .. } => "identifier",
            Self::Did => "did",
            Self::Object { role, .. } => role.as_str(),
            Self::List { .. } => "list",
        }
    }

    /// The named type an object or list field refers to.
    pub fn type_name(&self) -> Option<&str> {
        match self {
            Self::Object { type_name, .. } | Self::List { type_name, .. } => Some(type_name),
            _ => None,
        }
    }
}

/// A named enumeration: codes with labels.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Enumeration {
    /// Its name.
    pub name: String,
    /// Its values, in order.
    pub values: Vec<EnumValue>,
}

/// One value of an enumeration.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EnumValue {
    /// The code, as it appears in JSON (`F`).
    pub code: String,
    /// Its label in English and French.
    pub label: Label,
}

/// A rule between fields, from the fixed vocabulary of the format.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// The date (or date-time) is not in the future.
    NotFuture {
        /// The field.
        field: FieldPath,
    },
    /// `field` is before `other` (or the same, with `or_same`).
    Before {
        /// The field checked.
        field: FieldPath,
        /// The field it is compared with.
        other: FieldPath,
        /// Whether equal dates pass.
        or_same: bool,
    },
    /// `field` is after `other` (or the same, with `or_same`).
    After {
        /// The field checked.
        field: FieldPath,
        /// The field it is compared with.
        other: FieldPath,
        /// Whether equal dates pass.
        or_same: bool,
    },
    /// No person is listed twice: with one field (a list), its items are pairwise distinct;
    /// with several, no person of one is a person of another. Two persons are the same when,
    /// for one of the `by` groups, every member of the group is present in both and equal.
    Distinct {
        /// Person or person-list fields.
        fields: Vec<FieldPath>,
        /// Groups of member keys that identify a person.
        by: Vec<Vec<String>>,
    },
    /// At most `max` values are present at these paths (each item of a list counts).
    AtMost {
        /// The paths.
        fields: Vec<FieldPath>,
        /// The most values allowed.
        max: u64,
    },
    /// The amounts of `of`, less those of `minus`, add up to `total` (same currency).
    Sum {
        /// Amounts added.
        of: Vec<FieldPath>,
        /// Amounts subtracted.
        minus: Vec<FieldPath>,
        /// The amount they must equal.
        total: FieldPath,
    },
}

impl Rule {
    /// The names of the rules, as written in a profile.
    pub const NAMES: [&'static str; 6] = [
        "not-future",
        "before",
        "after",
        "distinct",
        "at-most",
        "sum",
    ];

    /// The rule's name as written in a profile.
    pub fn name(&self) -> &'static str {
        match self {
            Self::NotFuture { .. } => "not-future",
            Self::Before { .. } => "before",
            Self::After { .. } => "after",
            Self::Distinct { .. } => "distinct",
            Self::AtMost { .. } => "at-most",
            Self::Sum { .. } => "sum",
        }
    }
}

/// The compact QR form's numbers (CV1 claims, SPEC.md §13.4).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Cv1Keys {
    /// The document type code (claim 1).
    pub document: u64,
    /// Member name → key, one table for every object of the subject.
    pub keys: BTreeMap<String, u64>,
    /// Class → code of a `type` value.
    pub types: BTreeMap<String, u64>,
}

/// The printed certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Certificate {
    /// Its title in English and French.
    pub title: Label,
    /// The one-line summary's template in English and French (`Birth certificate of
    /// {givenName} {familyName}, born {birthDate}`); `None`: the document's label.
    pub summary: Option<Label>,
    /// Its sections, in order.
    pub sections: Vec<Section>,
    /// The summary templates, parsed once (language → pieces).
    pub(crate) summary_pieces: Vec<(String, Vec<crate::summary::Piece>)>,
}

/// One section of the printed certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Section {
    /// Its heading in English and French.
    pub title: Label,
    /// The fields printed in it, in order.
    pub fields: Vec<FieldPath>,
}

impl Profile {
    /// Every member name that can appear in a subject of this type (`id`, `type`, the fields of
    /// the subject and of every type, `value`/`currency` of amounts).
    pub fn members(&self) -> BTreeSet<String> {
        let mut members = BTreeSet::new();
        for t in std::iter::once(&self.subject).chain(self.types.values()) {
            if t.class.is_some() {
                members.insert("type".to_owned());
            }
            for f in &t.fields {
                members.insert(f.key.clone());
                if f.kind == Kind::Amount {
                    members.insert("value".to_owned());
                    members.insert("currency".to_owned());
                }
            }
        }
        members
    }

    /// Every class (`type` value) of the subject and its types.
    pub fn classes(&self) -> BTreeSet<String> {
        std::iter::once(&self.subject)
            .chain(self.types.values())
            .filter_map(|t| t.class.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    #[test]
    fn validity_adds_calendar_months_and_days() {
        let v = Validity {
            years: 0,
            months: 1,
            days: 1,
        };
        let from = Utc.with_ymd_and_hms(2024, 1, 31, 12, 0, 0).unwrap();
        // 31 January + 1 month is the end of February, then one day.
        assert_eq!(
            v.valid_until(from),
            Some(Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0).unwrap())
        );
        assert_eq!(v.to_string(), "P1M1D");
        let huge = Validity {
            years: u32::MAX,
            months: 0,
            days: 0,
        };
        assert_eq!(huge.valid_until(from), None);
    }

    #[test]
    fn kinds_have_their_written_names() {
        for name in Kind::NAMES {
            assert!(!name.is_empty());
        }
        let list = Kind::List {
            role: Role::Person,
            type_name: "spouse".into(),
            min: 2,
            max: Some(2),
        };
        assert_eq!(list.name(), "list");
        assert_eq!(list.type_name(), Some("spouse"));
        let person = Kind::Object {
            role: Role::Person,
            type_name: "person".into(),
        };
        assert_eq!(person.name(), "person");
        assert_eq!(Kind::Date.type_name(), None);
    }
}
