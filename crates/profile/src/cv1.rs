//! The key table of the compact QR form (CV1 claims, SPEC.md §13.4) a profile declares: member
//! ↔ numeric key, how each member's value is written, the codes of `type` values and of the
//! document type, and the class each member implies (written only when it differs).

use std::collections::BTreeMap;

use crate::format::{Kind, Profile};
use crate::path::FieldPath;

/// How a member's value is written in CBOR (the `Kind` of civitas-qr's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cv1Kind {
    /// Text.
    Text,
    /// A DID (`did:key` as bytes).
    Did,
    /// Text or a language map.
    Localized,
    /// Days since 1970-01-01.
    Date,
    /// Seconds since midnight.
    Time,
    /// Seconds since the Unix epoch.
    Instant,
    /// An integer.
    Integer,
    /// An amount `{"value": "1234.50", "currency": "MUR"}`: `[mantissa, scale, currency]`
    /// (`[123450, 2, "MUR"]`) when that gives back the same text, else the object.
    Amount,
    /// A `type` value (a code of the type table).
    TypeName,
    /// A nested object.
    Object,
    /// A list of nested objects.
    ObjectList,
}

impl Cv1Kind {
    fn of(kind: &Kind) -> Self {
        match kind {
            Kind::Text { .. } | Kind::Enum { .. } | Kind::Country | Kind::Identifier { .. } => {
                Self::Text
            }
            Kind::Did => Self::Did,
            Kind::LanguageMap => Self::Localized,
            Kind::Date => Self::Date,
            Kind::Time => Self::Time,
            Kind::DateTime => Self::Instant,
            Kind::Integer { .. } => Self::Integer,
            Kind::Amount => Self::Amount,
            Kind::Object { .. } => Self::Object,
            Kind::List { .. } => Self::ObjectList,
        }
    }
}

/// One row of the key table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cv1Key {
    /// The numeric key.
    pub key: u64,
    /// The JSON member.
    pub member: String,
    /// How its value is written.
    pub kind: Cv1Kind,
}

/// The CV1 table of one profile, or of several merged ([`Cv1Table::merged`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cv1Table {
    /// Document type codes: code → credential type.
    pub documents: BTreeMap<u64, String>,
    /// The subject's class per document type (implied, not written).
    pub subject_types: BTreeMap<String, String>,
    /// The rows, by key.
    pub keys: Vec<Cv1Key>,
    /// `type` value codes: code → class.
    pub types: BTreeMap<u64, String>,
    /// The class a member's object has unless it says otherwise (not written).
    pub implied: BTreeMap<String, String>,
}

impl Cv1Table {
    /// The key of `member`.
    pub fn key_of(&self, member: &str) -> Option<u64> {
        self.keys.iter().find(|k| k.member == member).map(|k| k.key)
    }

    /// The member with `key`.
    pub fn member_of(&self, key: u64) -> Option<&str> {
        self.keys
            .iter()
            .find(|k| k.key == key)
            .map(|k| k.member.as_str())
    }

    /// One table for several profiles that share the QR form: the union of their rows. Fails
    /// when a key, a member, a code or an implied class means two different things.
    pub fn merged(tables: &[Cv1Table]) -> Result<Cv1Table, String> {
        let mut out = Cv1Table::default();
        for t in tables {
            for (code, doc) in &t.documents {
                if let Some(d) = out.documents.get(code)
                    && d != doc
                {
                    return Err(format!("document code {code} is {d} and {doc}"));
                }
                out.documents.insert(*code, doc.clone());
            }
            out.subject_types
                .extend(t.subject_types.iter().map(|(k, v)| (k.clone(), v.clone())));
            for row in &t.keys {
                match out
                    .keys
                    .iter()
                    .find(|r| r.key == row.key || r.member == row.member)
                {
                    Some(r) if r != row => {
                        return Err(format!(
                            "key {} `{}` ({:?}) and key {} `{}` ({:?}) clash",
                            r.key, r.member, r.kind, row.key, row.member, row.kind
                        ));
                    }
                    Some(_) => {}
                    None => out.keys.push(row.clone()),
                }
            }
            for (code, class) in &t.types {
                if let Some(c) = out.types.get(code)
                    && c != class
                {
                    return Err(format!("type code {code} is {c} and {class}"));
                }
                if let Some((other, _)) = out.types.iter().find(|(k, c)| *c == class && *k != code)
                {
                    return Err(format!("class {class} has the codes {other} and {code}"));
                }
                out.types.insert(*code, class.clone());
            }
            for (member, class) in &t.implied {
                if let Some(c) = out.implied.get(member)
                    && c != class
                {
                    return Err(format!("`{member}` implies {c} and {class}"));
                }
                out.implied.insert(member.clone(), class.clone());
            }
        }
        out.keys.sort();
        Ok(out)
    }
}

impl Profile {
    /// The profile's CV1 table; `None` when it declares no `[cv1]`.
    pub fn cv1_table(&self) -> Option<Cv1Table> {
        let cv1 = self.cv1.as_ref()?;
        let mut kinds: BTreeMap<&str, Cv1Kind> = BTreeMap::new();
        let mut implied = BTreeMap::new();
        for t in std::iter::once(&self.subject).chain(self.types.values()) {
            if t.class.is_some() {
                kinds.insert("type", Cv1Kind::TypeName);
            }
            for f in &t.fields {
                kinds.insert(&f.key, Cv1Kind::of(&f.kind));
                if f.kind == Kind::Amount {
                    kinds.insert("value", Cv1Kind::Text);
                    kinds.insert("currency", Cv1Kind::Text);
                }
                if let Some(class) = f
                    .kind
                    .type_name()
                    .and_then(|n| self.types.get(n))
                    .and_then(|t| t.class.clone())
                {
                    implied.insert(f.key.clone(), class);
                }
            }
        }
        let mut keys: Vec<Cv1Key> = cv1
            .keys
            .iter()
            .map(|(member, key)| Cv1Key {
                key: *key,
                member: member.clone(),
                kind: kinds.get(member.as_str()).copied().unwrap_or(Cv1Kind::Text),
            })
            .collect();
        keys.sort();
        let mut subject_types = BTreeMap::new();
        if let Some(class) = &self.subject.class {
            subject_types.insert(self.document.type_name.clone(), class.clone());
        }
        Some(Cv1Table {
            documents: BTreeMap::from([(cv1.document, self.document.type_name.clone())]),
            subject_types,
            keys,
            types: cv1.types.iter().map(|(c, k)| (*k, c.clone())).collect(),
            implied,
        })
    }

    /// The CV1 key of every field path (`registration.registrationDate` → 24): the key of its
    /// last member, the same at every depth.
    pub fn cv1_path_keys(&self) -> Vec<(FieldPath, u64)> {
        let Some(cv1) = &self.cv1 else {
            return Vec::new();
        };
        self.field_paths()
            .into_iter()
            .filter_map(|(path, _)| cv1.keys.get(path.last()).map(|k| (path, *k)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[(u64, &str, Cv1Kind)], types: &[(u64, &str)]) -> Cv1Table {
        Cv1Table {
            keys: rows
                .iter()
                .map(|(key, member, kind)| Cv1Key {
                    key: *key,
                    member: (*member).to_owned(),
                    kind: *kind,
                })
                .collect(),
            types: types.iter().map(|(c, t)| (*c, (*t).to_owned())).collect(),
            ..Cv1Table::default()
        }
    }

    #[test]
    fn merging_keeps_one_meaning_per_key_member_and_code() {
        let a = table(&[(3, "givenName", Cv1Kind::Localized)], &[(1, "Person")]);
        let b = table(
            &[
                (3, "givenName", Cv1Kind::Localized),
                (27, "deathDate", Cv1Kind::Date),
            ],
            &[(1, "Person"), (2, "Place")],
        );
        let merged = Cv1Table::merged(&[a.clone(), b]).unwrap();
        assert_eq!(merged.keys.len(), 2);
        assert_eq!(merged.key_of("deathDate"), Some(27));
        assert_eq!(merged.member_of(3), Some("givenName"));
        let same_key = table(&[(3, "familyName", Cv1Kind::Localized)], &[]);
        assert!(Cv1Table::merged(&[a.clone(), same_key]).is_err());
        let same_member = table(&[(4, "givenName", Cv1Kind::Localized)], &[]);
        assert!(Cv1Table::merged(&[a.clone(), same_member]).is_err());
        let other_kind = table(&[(3, "givenName", Cv1Kind::Text)], &[]);
        assert!(Cv1Table::merged(&[a.clone(), other_kind]).is_err());
        let other_code = table(&[], &[(2, "Person")]);
        assert!(Cv1Table::merged(&[a, other_code]).is_err());
    }
}
