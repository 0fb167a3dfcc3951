//! Pieces shared by every civil-registry document: language-tagged text, people, places and the
//! registration record.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::ModelError;

/// Longest accepted name or free-text value, in characters.
pub const MAX_TEXT_CHARS: usize = 200;

/// Text that is either plain, or given per language (`{"en": "Mary", "fr": "Marie"}`).
///
/// In JSON-LD the per-language form is a language map: each value becomes a language-tagged
/// literal, so the language is signed along with the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum LocalizedText {
    /// Text without a language tag.
    Plain(String),
    /// Text per BCP 47 language tag (e.g. `en`, `fr`, `mfe`).
    ByLanguage(BTreeMap<String, String>),
}

/// Read directly as a string or a map (serde's untagged enums buffer every value first, which
/// made the record rules of a verify several times slower).
impl<'de> Deserialize<'de> for LocalizedText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text;
        impl<'de> serde::de::Visitor<'de> for Text {
            type Value = LocalizedText;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a text, or an object of texts by language tag")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<LocalizedText, E> {
                Ok(LocalizedText::Plain(v.to_owned()))
            }

            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<LocalizedText, E> {
                Ok(LocalizedText::Plain(v))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<LocalizedText, A::Error> {
                let mut texts = BTreeMap::new();
                while let Some((language, text)) = map.next_entry::<String, String>()? {
                    texts.insert(language, text);
                }
                Ok(LocalizedText::ByLanguage(texts))
            }
        }
        deserializer.deserialize_any(Text)
    }
}

impl From<&str> for LocalizedText {
    fn from(s: &str) -> Self {
        Self::Plain(s.to_owned())
    }
}

impl From<String> for LocalizedText {
    fn from(s: String) -> Self {
        Self::Plain(s)
    }
}

impl LocalizedText {
    /// Text in several languages: `LocalizedText::languages([("en", "Mary"), ("fr", "Marie")])`.
    pub fn languages<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self::ByLanguage(
            pairs
                .into_iter()
                .map(|(l, t)| (l.to_owned(), t.to_owned()))
                .collect(),
        )
    }

    /// The text in `language`, else the plain text, else the first language available.
    pub fn get(&self, language: &str) -> &str {
        match self {
            Self::Plain(s) => s,
            Self::ByLanguage(map) => map
                .get(language)
                .or_else(|| map.values().next())
                .map(String::as_str)
                .unwrap_or(""),
        }
    }

    /// Every value, for search and comparison.
    pub fn values(&self) -> Vec<&str> {
        match self {
            Self::Plain(s) => vec![s.as_str()],
            Self::ByLanguage(map) => map.values().map(String::as_str).collect(),
        }
    }

    /// Checks that every value is a usable name and every tag a plausible BCP 47 tag.
    pub fn validate(&self, field: &str) -> Result<(), ModelError> {
        match self {
            Self::Plain(s) => check_text(field, s),
            Self::ByLanguage(map) => {
                if map.is_empty() {
                    return Err(ModelError::missing(field));
                }
                for (lang, text) in map {
                    if !is_language_tag(lang) {
                        return Err(ModelError::invalid(
                            field,
                            format!("`{lang}` is not a BCP 47 language tag"),
                        ));
                    }
                    check_text(lang, text).map_err(|e| e.within(field))?;
                }
                Ok(())
            }
        }
    }
}

impl std::fmt::Display for LocalizedText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.get("en"))
    }
}

fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or("");
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Checks a required free-text value: not blank, not too long, no control characters.
pub fn check_text(field: &str, text: &str) -> Result<(), ModelError> {
    if text.trim().is_empty() {
        return Err(ModelError::missing(field));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(ModelError::invalid(
            field,
            format!("longer than {MAX_TEXT_CHARS} characters"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(ModelError::invalid(field, "contains control characters"));
    }
    if text.trim() != text {
        return Err(ModelError::invalid(field, "has leading or trailing spaces"));
    }
    Ok(())
}

fn check_optional_text(field: &str, text: &Option<String>) -> Result<(), ModelError> {
    text.as_deref().map_or(Ok(()), |t| check_text(field, t))
}

/// Checks an ISO 3166-1 alpha-2 country code (`MU`, `FR`).
pub fn check_country(field: &str, code: &str) -> Result<(), ModelError> {
    if code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(ModelError::invalid(
            field,
            format!("`{code}` is not an ISO 3166-1 alpha-2 country code (two capital letters)"),
        ))
    }
}

/// Checks a national identity number: 1–32 letters, digits or `-`.
pub fn check_national_id(field: &str, id: &str) -> Result<(), ModelError> {
    if !id.is_empty() && id.len() <= 32 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        Ok(())
    } else {
        Err(ModelError::invalid(
            field,
            "a national id is 1 to 32 letters, digits or `-`",
        ))
    }
}

/// Checks that an optional holder identifier is a DID.
pub fn check_did(field: &str, id: &Option<String>) -> Result<(), ModelError> {
    match id {
        Some(did)
            if !did.starts_with("did:") || did.len() > 512 || did.contains(char::is_whitespace) =>
        {
            Err(ModelError::invalid(field, format!("`{did}` is not a DID")))
        }
        _ => Ok(()),
    }
}

/// Sex as recorded in the civil register (ICAO 9303 codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sex {
    /// Female (`F`).
    #[serde(rename = "F")]
    Female,
    /// Male (`M`).
    #[serde(rename = "M")]
    Male,
    /// Unspecified (`X`).
    #[serde(rename = "X")]
    Unspecified,
}

impl Sex {
    /// The one-letter code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Female => "F",
            Self::Male => "M",
            Self::Unspecified => "X",
        }
    }
}

impl std::str::FromStr for Sex {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, ModelError> {
        match s {
            "F" => Ok(Self::Female),
            "M" => Ok(Self::Male),
            "X" => Ok(Self::Unspecified),
            other => Err(ModelError::invalid(
                "sex",
                format!("`{other}` is not one of F, M, X"),
            )),
        }
    }
}

/// A place: a hospital, a town hall, a locality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Place {
    /// Always `Place`.
    #[serde(rename = "type", default = "place_type")]
    pub kind: String,
    /// The place's name (e.g. `Victoria Hospital`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Town or village.
    #[serde(rename = "addressLocality")]
    pub locality: String,
    /// Administrative district.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[serde(rename = "addressCountry")]
    pub country: String,
}

fn place_type() -> String {
    "Place".into()
}

fn person_type() -> String {
    "Person".into()
}

fn registration_type() -> String {
    "CivilRegistration".into()
}

impl Place {
    /// A place in `locality`, `country`.
    pub fn new(locality: &str, country: &str) -> Self {
        Self {
            kind: place_type(),
            name: None,
            locality: locality.to_owned(),
            district: None,
            country: country.to_owned(),
        }
    }

    /// Sets the place's name.
    pub fn named(mut self, name: &str) -> Self {
        self.name = Some(name.to_owned());
        self
    }

    /// Sets the district.
    pub fn in_district(mut self, district: &str) -> Self {
        self.district = Some(district.to_owned());
        self
    }

    /// Checks every field.
    pub fn validate(&self, field: &str) -> Result<(), ModelError> {
        self.validate_members().map_err(|e| e.within(field))
    }

    fn validate_members(&self) -> Result<(), ModelError> {
        if self.kind != "Place" {
            return Err(ModelError::invalid("type", "must be `Place`"));
        }
        check_optional_text("name", &self.name)?;
        check_text("addressLocality", &self.locality)?;
        check_optional_text("district", &self.district)?;
        check_country("addressCountry", &self.country)
    }
}

/// A person named in a document other than its subject: a parent, a witness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Always `Person`.
    #[serde(rename = "type", default = "person_type")]
    pub kind: String,
    /// Given name(s).
    #[serde(rename = "givenName")]
    pub given_name: LocalizedText,
    /// Family name.
    #[serde(rename = "familyName")]
    pub family_name: LocalizedText,
    /// National identity number, where known.
    #[serde(
        rename = "nationalId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub national_id: Option<String>,
    /// Nationality (ISO 3166-1 alpha-2), where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
}

impl Person {
    /// A person with these names.
    pub fn new(
        given_name: impl Into<LocalizedText>,
        family_name: impl Into<LocalizedText>,
    ) -> Self {
        Self {
            kind: person_type(),
            given_name: given_name.into(),
            family_name: family_name.into(),
            national_id: None,
            nationality: None,
        }
    }

    /// Sets the national identity number.
    pub fn national_id(mut self, id: &str) -> Self {
        self.national_id = Some(id.to_owned());
        self
    }

    /// Sets the nationality.
    pub fn nationality(mut self, country: &str) -> Self {
        self.nationality = Some(country.to_owned());
        self
    }

    /// Checks every field.
    pub fn validate(&self, field: &str) -> Result<(), ModelError> {
        self.validate_members().map_err(|e| e.within(field))
    }

    fn validate_members(&self) -> Result<(), ModelError> {
        if self.kind != "Person" {
            return Err(ModelError::invalid("type", "must be `Person`"));
        }
        self.given_name.validate("givenName")?;
        self.family_name.validate("familyName")?;
        if let Some(id) = &self.national_id {
            check_national_id("nationalId", id)?;
        }
        if let Some(c) = &self.nationality {
            check_country("nationality", c)?;
        }
        Ok(())
    }

    /// `Given Family`, in `language` where the names are tagged.
    pub fn full_name(&self, language: &str) -> String {
        format!(
            "{} {}",
            self.given_name.get(language),
            self.family_name.get(language)
        )
    }
}

/// The civil-register entry a document was issued from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    /// Always `CivilRegistration`.
    #[serde(rename = "type", default = "registration_type")]
    pub kind: String,
    /// The entry number in the register (e.g. `PL/B/2024/001234`).
    #[serde(rename = "registrationNumber")]
    pub number: String,
    /// The civil status office that registered the event.
    #[serde(rename = "registrationOffice")]
    pub office: String,
    /// The office's district.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// The date of registration.
    #[serde(rename = "registrationDate")]
    pub date: NaiveDate,
    /// The registrar (officer of the civil status) who signed the entry.
    pub registrar: String,
}

impl Registration {
    /// A registration entry.
    pub fn new(number: &str, office: &str, date: NaiveDate, registrar: &str) -> Self {
        Self {
            kind: registration_type(),
            number: number.to_owned(),
            office: office.to_owned(),
            district: None,
            date,
            registrar: registrar.to_owned(),
        }
    }

    /// Sets the district.
    pub fn in_district(mut self, district: &str) -> Self {
        self.district = Some(district.to_owned());
        self
    }

    /// Checks every field; the registration may not be later than `today` nor earlier than the
    /// event it records.
    pub fn validate(
        &self,
        event_date: NaiveDate,
        event: &str,
        today: NaiveDate,
    ) -> Result<(), ModelError> {
        if self.kind != "CivilRegistration" {
            return Err(ModelError::invalid(
                "registration.type",
                "must be `CivilRegistration`",
            ));
        }
        check_text("registration.registrationNumber", &self.number)?;
        check_text("registration.registrationOffice", &self.office)?;
        check_optional_text("registration.district", &self.district)?;
        check_text("registration.registrar", &self.registrar)?;
        if self.date > today {
            return Err(ModelError::invalid(
                "registration.registrationDate",
                format!("{} is in the future", self.date),
            ));
        }
        if self.date < event_date {
            return Err(ModelError::invalid(
                "registration.registrationDate",
                format!("{} is before the {event} ({event_date})", self.date),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_errors_name_the_whole_path() {
        let bad_country = Person::new("Anne", "Lebon").nationality("mu");
        assert_eq!(
            bad_country.validate("mother").unwrap_err().field,
            "mother.nationality"
        );
        let names = BTreeMap::from([
            ("en".to_owned(), "John".to_owned()),
            ("fr".into(), " ".into()),
        ]);
        let bad_name = Person::new(LocalizedText::ByLanguage(names), "Lebon");
        assert_eq!(
            bad_name.validate("father").unwrap_err().field,
            "father.givenName.fr"
        );
        let place = Place::new("", "MU");
        assert_eq!(
            place.validate("birthPlace").unwrap_err().field,
            "birthPlace.addressLocality"
        );
        assert!(
            Person::new("Anne", "Lebon")
                .nationality("MU")
                .validate("mother")
                .is_ok()
        );
    }
}
