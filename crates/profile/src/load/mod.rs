//! Reading a profile file: TOML into the raw shape, then every check, into a [`Profile`]. The
//! checks are split by table: `document` (`[document]`, `[vocabulary]`, `[enums]`), `types`
//! (object types and fields, roles, cycles, nesting, the vocabulary they use), `rules`, `cv1`
//! and `certificate`.

mod certificate;
mod cv1;
mod document;
mod rules;
mod types;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::ops::Range;
use std::path::Path;

use regex::Regex;
use serde_json::{Map, Value};
use toml::Spanned;

use crate::error::{MAX_PROFILE_BYTES, ProfileError, Reason};
use crate::format::{
    Certificate, Cv1Keys, Document, EnumValue, Enumeration, FORMAT_VERSION, Field, Kind, Label,
    ObjectType, Pattern, Profile, Role, Rule, Validity, Vocabulary,
};
use crate::path::FieldPath;
use crate::protected::protected;
use crate::raw::{
    RawCertificate, RawCv1, RawDocument, RawEnum, RawField, RawLabel, RawProfile, RawRule, RawType,
};

/// Longest text, in characters, unless a field says otherwise (SPEC.md §2.4).
pub const DEFAULT_MAX_TEXT: u64 = 200;
/// Most named object types, enumerations or rules in a profile.
pub const MAX_ITEMS: usize = 256;
/// Most fields of one object type, values of one enumeration.
pub const MAX_MEMBERS: usize = 256;
/// Deepest nesting of objects below the subject (the CV1 form's limit, SPEC.md §13.4).
pub const MAX_NESTING: usize = 6;

impl Profile {
    /// Reads and checks the profile file at `path` (at most [`MAX_PROFILE_BYTES`]; a larger
    /// file is refused before it is read).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ProfileError> {
        let path = path.as_ref();
        let text = read_text(path)?;
        Self::from_toml(&text, &path.display().to_string())
    }

    /// Checks the profile `text`; `origin` names it in errors (a file path, `birth-certificate`).
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, ProfileError> {
        let size = text.len() as u64;
        if size > MAX_PROFILE_BYTES {
            return Err(too_large(origin, size));
        }
        let raw: RawProfile = toml::from_str(text).map_err(|e| {
            ProfileError::at(
                origin,
                text,
                e.span().map(|s| s.start),
                Reason::Toml(e.message().trim_end().to_owned()),
            )
        })?;
        Loader { origin, text }.profile(raw)
    }
}

/// Reads a profile file's text: at most [`MAX_PROFILE_BYTES`] (a larger file is refused before
/// it is read), UTF-8.
pub fn read_text(path: &Path) -> Result<String, ProfileError> {
    let origin = path.display().to_string();
    let io = |e: std::io::Error| ProfileError::file(&origin, Reason::Io(e.to_string()));
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    if size > MAX_PROFILE_BYTES {
        return Err(too_large(&origin, size));
    }
    let mut bytes = Vec::new();
    file.take(MAX_PROFILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    String::from_utf8(bytes).map_err(|e| {
        ProfileError::file(
            &origin,
            Reason::Io(format!(
                "not UTF-8 text (byte {})",
                e.utf8_error().valid_up_to()
            )),
        )
    })
}

fn too_large(origin: &str, size: u64) -> ProfileError {
    ProfileError::file(
        origin,
        Reason::TooLarge {
            size,
            limit: MAX_PROFILE_BYTES,
        },
    )
}

struct Loader<'a> {
    origin: &'a str,
    text: &'a str,
}

/// An object type being checked, with the spans errors need.
struct Pending<'r> {
    raw: &'r RawType,
    span: Range<usize>,
}

impl Loader<'_> {
    fn err(&self, span: &Range<usize>, reason: Reason) -> ProfileError {
        ProfileError::at(self.origin, self.text, Some(span.start), reason)
    }

    fn invalid(&self, span: &Range<usize>, message: impl Into<String>) -> ProfileError {
        self.err(span, Reason::Invalid(message.into()))
    }

    fn line(&self, span: &Range<usize>) -> usize {
        crate::error::line_column(self.text, span.start).0
    }

    fn profile(&self, raw: RawProfile) -> Result<Profile, ProfileError> {
        if *raw.format.get_ref() != FORMAT_VERSION {
            return Err(self.invalid(
                &raw.format.span(),
                format!(
                    "format {} is not supported (this version reads format {FORMAT_VERSION})",
                    raw.format.get_ref()
                ),
            ));
        }
        for (what, count, span) in [
            (
                "object types",
                raw.types.len(),
                raw.types.keys().nth(MAX_ITEMS).map(Spanned::span),
            ),
            (
                "enums",
                raw.enums.len(),
                raw.enums.keys().nth(MAX_ITEMS).map(Spanned::span),
            ),
            (
                "rules",
                raw.rules.len(),
                raw.rules.get(MAX_ITEMS).map(Spanned::span),
            ),
        ] {
            if let Some(span) = span {
                return Err(self.invalid(&span, format!("{count} {what}: at most {MAX_ITEMS}")));
            }
        }
        let document = self.document(&raw.document)?;
        let vocabulary = self.vocabulary(&raw)?;
        let enums = self.enums(&raw.enums)?;

        let mut pending = BTreeMap::new();
        for (name, t) in &raw.types {
            if !is_identifier(name.get_ref()) {
                return Err(self.invalid(
                    &name.span(),
                    format!(
                        "`{}` is not a type name (letters, digits, `_`, `-`)",
                        name.get_ref()
                    ),
                ));
            }
            pending.insert(
                name.get_ref().clone(),
                Pending {
                    raw: t.get_ref(),
                    span: name.span(),
                },
            );
        }
        let subject = self.object_type(
            "subject",
            "subject",
            raw.subject.get_ref(),
            &raw.subject.span(),
            &pending,
            &enums,
        )?;
        let mut types = BTreeMap::new();
        for (name, p) in &pending {
            let t = self.object_type(
                name,
                &format!("type {name}"),
                p.raw,
                &p.span,
                &pending,
                &enums,
            )?;
            types.insert(name.clone(), t);
        }
        self.check_roles_and_cycles(&subject, &types, &raw)?;
        let depth = types::nesting(&subject, &types, &mut BTreeMap::new());
        if depth > MAX_NESTING {
            return Err(self.invalid(
                &raw.subject.span(),
                format!("objects nest {depth} deep below the subject: at most {MAX_NESTING}"),
            ));
        }
        self.check_vocabulary_use(&document, &vocabulary, &subject, &types, &raw)?;

        let mut profile = Profile {
            origin: self.origin.to_owned(),
            document,
            vocabulary,
            subject,
            types,
            enums,
            rules: Vec::new(),
            cv1: None,
            certificate: Certificate {
                title: Label::default(),
                summary: None,
                summary_pieces: Vec::new(),
                sections: Vec::new(),
            },
            sample: None,
        };
        profile.rules = raw
            .rules
            .iter()
            .map(|r| self.rule(r.get_ref(), &profile))
            .collect::<Result<_, _>>()?;
        profile.cv1 = match &raw.cv1 {
            Some(c) => Some(self.cv1(c.get_ref(), &c.span(), &profile)?),
            None => None,
        };
        profile.certificate =
            self.certificate(raw.certificate.get_ref(), &raw.certificate.span(), &profile)?;
        if let Some(sample) = &raw.sample {
            let mut value = toml_to_json(&toml::Value::Table(sample.get_ref().clone()));
            crate::sample::fill_types(&profile, &mut value);
            let today = crate::validate::latest_date_on_earth();
            if let Some(e) = crate::validate::validate_at(&profile, &value, today).first() {
                return Err(self.invalid(
                    &sample.span(),
                    format!("the sample does not validate: {}: {}", e.pointer, e.message),
                ));
            }
            profile.sample = Some(value);
        }
        Ok(profile)
    }

    fn label(
        &self,
        label: Option<&RawLabel>,
        what: &str,
        fallback: &Range<usize>,
    ) -> Result<Label, ProfileError> {
        let Some(label) = label else {
            return Err(self.err(
                fallback,
                Reason::MissingLabel {
                    what: what.to_owned(),
                    language: "en".into(),
                },
            ));
        };
        for language in ["en", "fr"] {
            match label.get_ref().get(language) {
                Some(t) if !t.trim().is_empty() => {}
                _ => {
                    return Err(self.err(
                        &label.span(),
                        Reason::MissingLabel {
                            what: what.to_owned(),
                            language: language.into(),
                        },
                    ));
                }
            }
        }
        Ok(Label {
            texts: label.get_ref().clone(),
        })
    }
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn is_term(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_absolute_iri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    !rest.is_empty()
        && scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn parse_validity(s: &str) -> Option<Validity> {
    let re = Regex::new(r"^P(?:([0-9]{1,4})Y)?(?:([0-9]{1,4})M)?(?:([0-9]{1,5})D)?$").ok()?;
    let caps = re.captures(s)?;
    let n = |i: usize| -> Option<u32> { caps.get(i).map_or(Some(0), |m| m.as_str().parse().ok()) };
    let v = Validity {
        years: n(1)?,
        months: n(2)?,
        days: n(3)?,
    };
    (v.years + v.months + v.days > 0).then_some(v)
}

/// A TOML value as JSON: dates and times become their text (`2024-02-28`).
pub(crate) fn toml_to_json(value: &toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => {
            serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
        }
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect::<Map<String, Value>>(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_periods() {
        assert_eq!(
            parse_validity("P10Y"),
            Some(Validity {
                years: 10,
                months: 0,
                days: 0
            })
        );
        assert_eq!(
            parse_validity("P1Y6M2D"),
            Some(Validity {
                years: 1,
                months: 6,
                days: 2
            })
        );
        for bad in ["P", "P0Y", "10Y", "P1W", "PT1H", "P-1Y"] {
            assert_eq!(parse_validity(bad), None, "{bad}");
        }
        assert_eq!(parse_validity("P1Y6M").unwrap().to_string(), "P1Y6M");
    }

    #[test]
    fn terms_and_iris() {
        assert!(is_term("givenName") && is_term("_x") && !is_term("1a") && !is_term("a-b"));
        assert!(is_absolute_iri("https://schema.org/name"));
        assert!(!is_absolute_iri("schema") && !is_absolute_iri("a b:c") && !is_absolute_iri("x:"));
    }
}
