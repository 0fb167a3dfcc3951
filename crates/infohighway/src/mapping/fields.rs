//! What each target field of a document is: its shape (leaf, object, list) and kind of value.

use civitas_core::model::DocumentType;

use super::path::{Seg, parse_path};

/// The kind of value a document field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Text,
    Name,
    Date,
    Time,
}

const PERSON: &[(&str, Kind)] = &[
    ("givenName", Kind::Name),
    ("familyName", Kind::Name),
    ("nationalId", Kind::Text),
    ("nationality", Kind::Text),
];
const PLACE: &[(&str, Kind)] = &[
    ("name", Kind::Text),
    ("addressLocality", Kind::Text),
    ("district", Kind::Text),
    ("addressCountry", Kind::Text),
];
const REGISTRATION: &[(&str, Kind)] = &[
    ("registrationNumber", Kind::Text),
    ("registrationOffice", Kind::Text),
    ("district", Kind::Text),
    ("registrationDate", Kind::Date),
    ("registrar", Kind::Text),
];
const SPOUSE: &[(&str, Kind)] = &[
    ("id", Kind::Text),
    ("givenName", Kind::Name),
    ("familyName", Kind::Name),
    ("familyNameAfterMarriage", Kind::Name),
    ("sex", Kind::Text),
    ("birthDate", Kind::Date),
    ("nationalId", Kind::Text),
    ("nationality", Kind::Text),
];

/// A document field shape: leaf, object, or array of objects (with a maximum length).
pub(super) enum Shape {
    Leaf(Kind),
    Object(&'static [(&'static str, Kind)]),
    Array(&'static [(&'static str, Kind)], usize),
}

pub(super) fn top_level(doc: DocumentType, name: &str) -> Option<Shape> {
    use Shape::*;
    let common = match name {
        "registration" => Some(Object(REGISTRATION)),
        _ => None,
    };
    if common.is_some() {
        return common;
    }
    match doc {
        DocumentType::BirthCertificate => match name {
            "id" | "sex" => Some(Leaf(Kind::Text)),
            "givenName" | "familyName" => Some(Leaf(Kind::Name)),
            "birthDate" => Some(Leaf(Kind::Date)),
            "birthTime" => Some(Leaf(Kind::Time)),
            "birthPlace" => Some(Object(PLACE)),
            "mother" | "father" => Some(Object(PERSON)),
            _ => None,
        },
        DocumentType::MarriageCertificate => match name {
            "spouses" => Some(Array(SPOUSE, 2)),
            "marriageDate" => Some(Leaf(Kind::Date)),
            "marriagePlace" => Some(Object(PLACE)),
            "officer" => Some(Leaf(Kind::Text)),
            "witnesses" => Some(Array(PERSON, 10)),
            _ => None,
        },
    }
}

fn known_fields(doc: DocumentType) -> &'static str {
    match doc {
        DocumentType::BirthCertificate => {
            "id, givenName, familyName, sex, birthDate, birthTime, birthPlace.{name, addressLocality, district, addressCountry}, mother.* and father.* {givenName, familyName, nationalId, nationality}, registration.{registrationNumber, registrationOffice, district, registrationDate, registrar}"
        }
        DocumentType::MarriageCertificate => {
            "spouses[0|1].{id, givenName, familyName, familyNameAfterMarriage, sex, birthDate, nationalId, nationality}, marriageDate, marriagePlace.{name, addressLocality, district, addressCountry}, officer, witnesses[0-9].{givenName, familyName, nationalId, nationality}, registration.{registrationNumber, registrationOffice, district, registrationDate, registrar}"
        }
    }
}

/// Checks a target path against the document's fields; returns its parsed form and kind.
pub(super) fn check_target(doc: DocumentType, path: &str) -> Result<(Vec<Seg>, Kind), String> {
    let unknown = || {
        format!(
            "`{path}` is not a field of a {doc}; the fields are: {}",
            known_fields(doc)
        )
    };
    let segs = parse_path(path).ok_or_else(|| format!("`{path}` is not a valid field path"))?;
    let Some(Seg::Key(first)) = segs.first() else {
        return Err(unknown());
    };
    let shape = top_level(doc, first).ok_or_else(unknown)?;
    let kind = match (shape, &segs[1..]) {
        (Shape::Leaf(k), []) => k,
        (Shape::Object(fields), [Seg::Key(f)]) => field_kind(fields, f).ok_or_else(unknown)?,
        (Shape::Array(fields, max), [Seg::Index(i), Seg::Key(f)]) => {
            if *i >= max {
                return Err(format!(
                    "`{path}`: `{first}` has at most {max} entries (indices 0 to {})",
                    max - 1
                ));
            }
            field_kind(fields, f).ok_or_else(unknown)?
        }
        (Shape::Array(..), _) => {
            return Err(format!(
                "`{path}`: `{first}` is a list: write `{first}[0].<field>`, or map a source list with [each.{first}]"
            ));
        }
        (Shape::Object(_), []) => {
            return Err(format!(
                "`{path}` is an object: map its fields (`{path}.<field>`)"
            ));
        }
        _ => return Err(unknown()),
    };
    Ok((segs, kind))
}

fn field_kind(fields: &[(&str, Kind)], name: &str) -> Option<Kind> {
    fields.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}
