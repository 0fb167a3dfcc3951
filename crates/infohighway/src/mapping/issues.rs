//! Naming what went wrong: the document field of an issue and the source field(s) it came from.

use super::Mapping;
use super::path::SourcePath;
use super::rule::{Piece, Source};
use crate::report::Issue;

impl Mapping {
    /// The source fields that feed `target` (a document field path such as
    /// `registration.registrationDate`), for the report.
    /// A path below a mapped field (`netPay.value` of an amount, `givenName.fr` of a language
    /// map) is fed by that field's sources.
    pub fn source_of(&self, target: &str) -> Option<String> {
        let mut at = target;
        loop {
            if let Some(found) = self.source_of_exactly(at) {
                return Some(found);
            }
            at = &at[..at.rfind('.')?];
        }
    }

    fn source_of_exactly(&self, target: &str) -> Option<String> {
        let (rule, prefix) = match self.fields.iter().find(|f| f.target == target) {
            Some(f) => (&f.rule, String::new()),
            None => {
                // `witnesses[1].familyName` from [each.witnesses]
                let (list, rest) = target.split_once('[')?;
                let (index, field) = rest.split_once("].")?;
                let e = self.each.iter().find(|e| e.target == list)?;
                let f = e.fields.iter().find(|f| f.name == field)?;
                (&f.rule, format!("{}[{index}].", e.from.as_str()))
            }
        };
        let names: Vec<&str> = match &rule.source {
            Source::From(list) => list.iter().map(SourcePath::as_str).collect(),
            Source::Value(_) => return None,
            Source::Template(pieces) => pieces
                .iter()
                .filter_map(|p| match p {
                    Piece::Var(v, _) => Some(v.as_str()),
                    Piece::Lit(_) => None,
                })
                .collect(),
            Source::Languages(langs, fallback) => langs
                .iter()
                .map(|(_, p)| p.as_str())
                .chain(fallback.iter().map(SourcePath::as_str))
                .collect(),
        };
        Some(
            names
                .iter()
                .map(|n| format!("{prefix}{n}"))
                .collect::<Vec<_>>()
                .join(", "),
        )
    }
    pub(super) fn id_source(&self) -> Option<String> {
        match &self.id.source {
            Source::From(l) => Some(
                l.iter()
                    .map(SourcePath::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            _ => None,
        }
    }

    /// Turns an issuer error about a record into an issue naming the document field and the
    /// source field(s) it came from.
    pub fn issue_of(&self, e: &civitas_issuer::IssuerError) -> Issue {
        let (field, reason) = match e {
            civitas_issuer::IssuerError::Record(m) => fix_missing(&field_path(&m.field), &m.reason),
            civitas_issuer::IssuerError::InvalidRequest { member, reason } => {
                (member.clone(), reason.clone())
            }
            civitas_issuer::IssuerError::Conflict { .. } => {
                ("sourceRecordId".to_owned(), e.to_string())
            }
            other => ("record".to_owned(), other.to_string()),
        };
        let source_field = if field == "sourceRecordId" {
            self.id_source()
        } else {
            self.source_of(&field)
        };
        Issue {
            field,
            source_field,
            reason,
        }
    }
}

/// A JSON pointer inside the subject (`/spouses/1/birthDate`, as the profile's checks name a
/// field) as a mapping's target path (`spouses[1].birthDate`); the empty pointer is the
/// `record`; anything else (`type`) is kept.
pub(super) fn field_path(pointer: &str) -> String {
    let Some(rest) = pointer.strip_prefix('/') else {
        return if pointer.is_empty() {
            "record".to_owned()
        } else {
            pointer.to_owned()
        };
    };
    let mut out = String::new();
    for token in rest.split('/') {
        let token = token.replace("~1", "/").replace("~0", "~");
        if !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit()) && !out.is_empty() {
            out.push('[');
            out.push_str(&token);
            out.push(']');
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&token);
        }
    }
    out
}

/// serde reports a missing member at its parent ("missing field `registrar`" at
/// `registration`); name the member itself.
pub(super) fn fix_missing(field: &str, reason: &str) -> (String, String) {
    if let Some(rest) = reason.strip_prefix("missing field `")
        && let Some(name) = rest.split('`').next()
    {
        let full = if field == "credentialSubject" || field.is_empty() || field == "." {
            name.to_owned()
        } else {
            format!("{field}.{name}")
        };
        return (full, "is required".to_owned());
    }
    (field.to_owned(), reason.to_owned())
}
