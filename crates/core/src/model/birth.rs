//! The birth certificate.

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use super::common::{LocalizedText, Person, Place, Registration, Sex, check_did};
use super::{CivilDocument, DocumentType, ModelError, latest_date_today};

/// A birth certificate: the `credentialSubject` of a `BirthCertificate` credential is the child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BirthCertificate {
    /// The child's DID, when the child (or a guardian's wallet for the child) holds the document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Always `Person`.
    #[serde(rename = "type", default = "person")]
    pub kind: String,
    /// The child's given name(s).
    #[serde(rename = "givenName")]
    pub given_name: LocalizedText,
    /// The child's family name.
    #[serde(rename = "familyName")]
    pub family_name: LocalizedText,
    /// Sex as registered.
    pub sex: Sex,
    /// Date of birth.
    #[serde(rename = "birthDate")]
    pub birth_date: NaiveDate,
    /// Time of birth, local time, where registered.
    #[serde(rename = "birthTime", default, skip_serializing_if = "Option::is_none")]
    pub birth_time: Option<NaiveTime>,
    /// Place of birth.
    #[serde(rename = "birthPlace")]
    pub birth_place: Place,
    /// The mother, where registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mother: Option<Person>,
    /// The father, where registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub father: Option<Person>,
    /// The civil-register entry.
    pub registration: Registration,
}

fn person() -> String {
    "Person".into()
}

impl BirthCertificate {
    /// Starts a builder.
    pub fn builder() -> BirthCertificateBuilder {
        BirthCertificateBuilder::default()
    }

    /// The child as a [`Person`] (names only).
    pub fn child(&self) -> Person {
        Person::new(self.given_name.clone(), self.family_name.clone())
    }
}

impl CivilDocument for BirthCertificate {
    const TYPE: DocumentType = DocumentType::BirthCertificate;

    fn validate(&self, today: NaiveDate) -> Result<(), ModelError> {
        check_did("id", &self.id)?;
        if self.kind != "Person" {
            return Err(ModelError::invalid("type", "must be `Person`"));
        }
        self.given_name.validate("givenName")?;
        self.family_name.validate("familyName")?;
        if self.birth_date > today {
            return Err(ModelError::invalid(
                "birthDate",
                format!("{} is in the future", self.birth_date),
            ));
        }
        self.birth_place.validate("birthPlace")?;
        if let Some(m) = &self.mother {
            m.validate("mother")?;
        }
        if let Some(f) = &self.father {
            f.validate("father")?;
        }
        if let (Some(m), Some(f)) = (&self.mother, &self.father)
            && m.national_id.is_some()
            && m.national_id == f.national_id
        {
            return Err(ModelError::invalid(
                "father.nationalId",
                "is the same as the mother's: one person listed as both parents",
            ));
        }
        self.registration.validate(self.birth_date, "birth", today)
    }

    fn holders(&self) -> Vec<&str> {
        self.id.iter().map(String::as_str).collect()
    }

    fn summary(&self) -> String {
        format!(
            "Birth certificate of {} {}, born {}",
            self.given_name, self.family_name, self.birth_date
        )
    }
}

/// Builds a [`BirthCertificate`], refusing incomplete or inconsistent records.
///
/// ```
/// use chrono::NaiveDate;
/// use civitas_core::model::{BirthCertificate, Place, Registration, Sex};
/// let d = |s: &str| s.parse::<NaiveDate>().unwrap();
/// let birth = BirthCertificate::builder()
///     .child("Marie", "Lebon")
///     .sex(Sex::Female)
///     .born_on(d("2024-02-28"))
///     .place(Place::new("Candos", "MU").named("Victoria Hospital"))
///     .registration(Registration::new("PW/B/2024/001234", "Civil Status Office, Rose Hill", d("2024-03-01"), "A. Ramdin"))
///     .build()
///     .unwrap();
/// assert_eq!(birth.family_name.to_string(), "Lebon");
///
/// // A date of birth after the registration is refused, naming the field:
/// let err = BirthCertificate::builder()
///     .child("Marie", "Lebon").sex(Sex::Female).born_on(d("2024-03-02"))
///     .place(Place::new("Candos", "MU"))
///     .registration(Registration::new("1", "Rose Hill", d("2024-03-01"), "A. Ramdin"))
///     .build()
///     .unwrap_err();
/// assert_eq!(err.field, "registration.registrationDate");
/// ```
#[derive(Debug, Clone, Default)]
pub struct BirthCertificateBuilder {
    holder: Option<String>,
    given_name: Option<LocalizedText>,
    family_name: Option<LocalizedText>,
    sex: Option<Sex>,
    birth_date: Option<NaiveDate>,
    birth_time: Option<NaiveTime>,
    place: Option<Place>,
    mother: Option<Person>,
    father: Option<Person>,
    registration: Option<Registration>,
}

impl BirthCertificateBuilder {
    /// The child's names.
    pub fn child(
        mut self,
        given: impl Into<LocalizedText>,
        family: impl Into<LocalizedText>,
    ) -> Self {
        self.given_name = Some(given.into());
        self.family_name = Some(family.into());
        self
    }

    /// The DID that will hold the certificate.
    pub fn holder(mut self, did: &str) -> Self {
        self.holder = Some(did.to_owned());
        self
    }

    /// Sex as registered.
    pub fn sex(mut self, sex: Sex) -> Self {
        self.sex = Some(sex);
        self
    }

    /// Date of birth.
    pub fn born_on(mut self, date: NaiveDate) -> Self {
        self.birth_date = Some(date);
        self
    }

    /// Time of birth.
    pub fn born_at(mut self, time: NaiveTime) -> Self {
        self.birth_time = Some(time);
        self
    }

    /// Place of birth.
    pub fn place(mut self, place: Place) -> Self {
        self.place = Some(place);
        self
    }

    /// The mother.
    pub fn mother(mut self, mother: Person) -> Self {
        self.mother = Some(mother);
        self
    }

    /// The father.
    pub fn father(mut self, father: Person) -> Self {
        self.father = Some(father);
        self
    }

    /// The civil-register entry.
    pub fn registration(mut self, registration: Registration) -> Self {
        self.registration = Some(registration);
        self
    }

    /// Validates against today's date.
    pub fn build(self) -> Result<BirthCertificate, ModelError> {
        self.build_at(latest_date_today())
    }

    /// Validates with `today` as the latest acceptable date.
    pub fn build_at(self, today: NaiveDate) -> Result<BirthCertificate, ModelError> {
        let cert = BirthCertificate {
            id: self.holder,
            kind: person(),
            given_name: self
                .given_name
                .ok_or_else(|| ModelError::missing("givenName"))?,
            family_name: self
                .family_name
                .ok_or_else(|| ModelError::missing("familyName"))?,
            sex: self.sex.ok_or_else(|| ModelError::missing("sex"))?,
            birth_date: self
                .birth_date
                .ok_or_else(|| ModelError::missing("birthDate"))?,
            birth_time: self.birth_time,
            birth_place: self
                .place
                .ok_or_else(|| ModelError::missing("birthPlace"))?,
            mother: self.mother,
            father: self.father,
            registration: self
                .registration
                .ok_or_else(|| ModelError::missing("registration"))?,
        };
        cert.validate(today)?;
        Ok(cert)
    }
}
