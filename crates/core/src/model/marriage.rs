//! The marriage certificate.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::common::{
    LocalizedText, Person, Place, Registration, Sex, check_did, check_national_id, check_text,
};
use super::{CivilDocument, DocumentType, ModelError, latest_date_today};

/// Fewest witnesses a civil marriage is registered with.
pub const MIN_WITNESSES: usize = 2;

/// One of the two spouses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spouse {
    /// The spouse's DID, when they hold the document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Always `Person`.
    #[serde(rename = "type", default = "person")]
    pub kind: String,
    /// Given name(s).
    #[serde(rename = "givenName")]
    pub given_name: LocalizedText,
    /// Family name at birth.
    #[serde(rename = "familyName")]
    pub family_name: LocalizedText,
    /// Family name taken at marriage, if any.
    #[serde(
        rename = "familyNameAfterMarriage",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub family_name_after_marriage: Option<LocalizedText>,
    /// Sex as registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    /// Date of birth.
    #[serde(rename = "birthDate", default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
    /// National identity number.
    #[serde(
        rename = "nationalId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub national_id: Option<String>,
    /// Nationality (ISO 3166-1 alpha-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
}

fn person() -> String {
    "Person".into()
}

fn marriage() -> String {
    "Marriage".into()
}

impl Spouse {
    /// A spouse with these names.
    pub fn new(given: impl Into<LocalizedText>, family: impl Into<LocalizedText>) -> Self {
        Self {
            id: None,
            kind: person(),
            given_name: given.into(),
            family_name: family.into(),
            family_name_after_marriage: None,
            sex: None,
            birth_date: None,
            national_id: None,
            nationality: None,
        }
    }

    /// Sets the holder DID.
    pub fn holder(mut self, did: &str) -> Self {
        self.id = Some(did.to_owned());
        self
    }

    /// Sets the date of birth.
    pub fn born_on(mut self, date: NaiveDate) -> Self {
        self.birth_date = Some(date);
        self
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

    /// Sets the sex.
    pub fn sex(mut self, sex: Sex) -> Self {
        self.sex = Some(sex);
        self
    }

    /// `Given Family`.
    pub fn full_name(&self, language: &str) -> String {
        format!(
            "{} {}",
            self.given_name.get(language),
            self.family_name.get(language)
        )
    }

    fn validate(&self, field: &str, marriage_date: NaiveDate) -> Result<(), ModelError> {
        check_did(&format!("{field}.id"), &self.id)?;
        if self.kind != "Person" {
            return Err(ModelError::invalid(
                &format!("{field}.type"),
                "must be `Person`",
            ));
        }
        self.given_name.validate(&format!("{field}.givenName"))?;
        self.family_name.validate(&format!("{field}.familyName"))?;
        if let Some(n) = &self.family_name_after_marriage {
            n.validate(&format!("{field}.familyNameAfterMarriage"))?;
        }
        if let Some(b) = self.birth_date
            && b >= marriage_date
        {
            return Err(ModelError::invalid(
                &format!("{field}.birthDate"),
                format!("{b} is not before the marriage ({marriage_date})"),
            ));
        }
        if let Some(id) = &self.national_id {
            check_national_id(&format!("{field}.nationalId"), id)?;
        }
        if let Some(c) = &self.nationality {
            super::common::check_country(&format!("{field}.nationality"), c)?;
        }
        Ok(())
    }

    fn same_person(&self, other: &Spouse) -> bool {
        let same_id = self.national_id.is_some() && self.national_id == other.national_id;
        let same_holder = self.id.is_some() && self.id == other.id;
        let same_identity = self.given_name == other.given_name
            && self.family_name == other.family_name
            && self.birth_date == other.birth_date;
        same_id || same_holder || same_identity
    }
}

/// A marriage certificate: the `credentialSubject` is the marriage, naming both spouses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarriageCertificate {
    /// Always `Marriage`.
    #[serde(rename = "type", default = "marriage")]
    pub kind: String,
    /// The two spouses.
    pub spouses: Vec<Spouse>,
    /// Date of the marriage.
    #[serde(rename = "marriageDate")]
    pub marriage_date: NaiveDate,
    /// Where it was celebrated.
    #[serde(rename = "marriagePlace")]
    pub marriage_place: Place,
    /// The officer of the civil status who celebrated it.
    pub officer: String,
    /// The witnesses.
    pub witnesses: Vec<Person>,
    /// The civil-register entry.
    pub registration: Registration,
}

impl MarriageCertificate {
    /// Starts a builder.
    pub fn builder() -> MarriageCertificateBuilder {
        MarriageCertificateBuilder::default()
    }
}

impl CivilDocument for MarriageCertificate {
    const TYPE: DocumentType = DocumentType::MarriageCertificate;

    fn validate(&self, today: NaiveDate) -> Result<(), ModelError> {
        if self.kind != "Marriage" {
            return Err(ModelError::invalid("type", "must be `Marriage`"));
        }
        if self.spouses.len() != 2 {
            return Err(ModelError::invalid(
                "spouses",
                format!("a marriage has two spouses, {} given", self.spouses.len()),
            ));
        }
        if self.marriage_date > today {
            return Err(ModelError::invalid(
                "marriageDate",
                format!("{} is in the future", self.marriage_date),
            ));
        }
        for (i, s) in self.spouses.iter().enumerate() {
            s.validate(&format!("spouses[{i}]"), self.marriage_date)?;
        }
        if self.spouses[0].same_person(&self.spouses[1]) {
            return Err(ModelError::invalid(
                "spouses[1]",
                "is the same person as spouses[0]: a spouse is listed twice",
            ));
        }
        self.marriage_place.validate("marriagePlace")?;
        check_text("officer", &self.officer)?;
        if self.witnesses.len() < MIN_WITNESSES {
            return Err(ModelError::invalid(
                "witnesses",
                format!(
                    "at least {MIN_WITNESSES} witnesses are required, {} given",
                    self.witnesses.len()
                ),
            ));
        }
        for (i, w) in self.witnesses.iter().enumerate() {
            let field = format!("witnesses[{i}]");
            w.validate(&field)?;
            let is_spouse = self.spouses.iter().any(|s| {
                (w.national_id.is_some() && w.national_id == s.national_id)
                    || (w.given_name == s.given_name && w.family_name == s.family_name)
            });
            if is_spouse {
                return Err(ModelError::invalid(
                    &field,
                    "a spouse cannot witness their own marriage",
                ));
            }
        }
        self.registration
            .validate(self.marriage_date, "marriage", today)
    }

    fn holders(&self) -> Vec<&str> {
        self.spouses
            .iter()
            .filter_map(|s| s.id.as_deref())
            .collect()
    }

    fn summary(&self) -> String {
        let names: Vec<String> = self.spouses.iter().map(|s| s.full_name("en")).collect();
        format!(
            "Marriage certificate of {}, married {}",
            names.join(" and "),
            self.marriage_date
        )
    }
}

/// Builds a [`MarriageCertificate`], refusing incomplete or inconsistent records.
///
/// ```
/// use chrono::NaiveDate;
/// use civitas_core::model::{MarriageCertificate, Person, Place, Registration, Spouse};
/// let d = |s: &str| s.parse::<NaiveDate>().unwrap();
/// let spouse = Spouse::new("Anil", "Doorgah").national_id("D0101901234567");
/// let err = MarriageCertificate::builder()
///     .spouses(spouse.clone(), spouse)
///     .married_on(d("2025-06-14"))
///     .place(Place::new("Port Louis", "MU"))
///     .officer("R. Bholah")
///     .witness(Person::new("Jean", "Li"))
///     .witness(Person::new("Priya", "Ramsamy"))
///     .registration(Registration::new("PL/M/2025/000321", "Port Louis", d("2025-06-14"), "R. Bholah"))
///     .build()
///     .unwrap_err();
/// assert_eq!(err.field, "spouses[1]");
/// ```
#[derive(Debug, Clone, Default)]
pub struct MarriageCertificateBuilder {
    spouses: Vec<Spouse>,
    date: Option<NaiveDate>,
    place: Option<Place>,
    officer: Option<String>,
    witnesses: Vec<Person>,
    registration: Option<Registration>,
}

impl MarriageCertificateBuilder {
    /// The two spouses.
    pub fn spouses(mut self, first: Spouse, second: Spouse) -> Self {
        self.spouses = vec![first, second];
        self
    }

    /// Date of the marriage.
    pub fn married_on(mut self, date: NaiveDate) -> Self {
        self.date = Some(date);
        self
    }

    /// Place of the marriage.
    pub fn place(mut self, place: Place) -> Self {
        self.place = Some(place);
        self
    }

    /// The celebrating officer.
    pub fn officer(mut self, officer: &str) -> Self {
        self.officer = Some(officer.to_owned());
        self
    }

    /// Adds a witness.
    pub fn witness(mut self, witness: Person) -> Self {
        self.witnesses.push(witness);
        self
    }

    /// The civil-register entry.
    pub fn registration(mut self, registration: Registration) -> Self {
        self.registration = Some(registration);
        self
    }

    /// Validates against today's date.
    pub fn build(self) -> Result<MarriageCertificate, ModelError> {
        self.build_at(latest_date_today())
    }

    /// Validates with `today` as the latest acceptable date.
    pub fn build_at(self, today: NaiveDate) -> Result<MarriageCertificate, ModelError> {
        if self.spouses.is_empty() {
            return Err(ModelError::missing("spouses"));
        }
        let cert = MarriageCertificate {
            kind: marriage(),
            spouses: self.spouses,
            marriage_date: self
                .date
                .ok_or_else(|| ModelError::missing("marriageDate"))?,
            marriage_place: self
                .place
                .ok_or_else(|| ModelError::missing("marriagePlace"))?,
            officer: self.officer.ok_or_else(|| ModelError::missing("officer"))?,
            witnesses: self.witnesses,
            registration: self
                .registration
                .ok_or_else(|| ModelError::missing("registration"))?,
        };
        cert.validate(today)?;
        Ok(cert)
    }
}
