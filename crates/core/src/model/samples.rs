//! Sample records (fictitious people, Mauritian civil-status offices) for documentation, the CLI
//! tour and tests. Every value is made up.

use chrono::{NaiveDate, NaiveTime};

use super::{
    BirthCertificate, LocalizedText, MarriageCertificate, Person, Place, Registration, Sex, Spouse,
};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// A birth certificate: Marie-Claire Lebon, born 28 February 2024 in Candos, names in English
/// and French where they differ.
pub fn birth_certificate() -> BirthCertificate {
    BirthCertificate {
        id: None,
        kind: "Person".into(),
        given_name: LocalizedText::Plain("Marie-Claire".into()),
        family_name: LocalizedText::Plain("Lebon".into()),
        sex: Sex::Female,
        birth_date: date(2024, 2, 28),
        birth_time: NaiveTime::from_hms_opt(14, 35, 0),
        birth_place: Place::new("Candos", "MU")
            .named("Victoria Hospital")
            .in_district("Plaines Wilhems"),
        mother: Some(
            Person::new("Anne", "Lebon")
                .national_id("L0101198512345")
                .nationality("MU"),
        ),
        father: Some(
            Person::new(
                LocalizedText::languages([("en", "John"), ("fr", "Jean")]),
                "Lebon",
            )
            .national_id("L0202198354321")
            .nationality("MU"),
        ),
        registration: Registration::new(
            "PW/B/2024/001234",
            "Civil Status Office, Rose Hill",
            date(2024, 3, 1),
            "A. Ramdin",
        )
        .in_district("Plaines Wilhems"),
    }
}

/// A marriage certificate: Anil Doorgah and Sophie Li, married 14 June 2025 in Port Louis.
pub fn marriage_certificate() -> MarriageCertificate {
    MarriageCertificate {
        kind: "Marriage".into(),
        spouses: vec![
            Spouse::new("Anil", "Doorgah")
                .born_on(date(1994, 5, 17))
                .national_id("D1705199401234")
                .nationality("MU")
                .sex(Sex::Male),
            Spouse::new("Sophie", "Li")
                .born_on(date(1996, 11, 2))
                .national_id("L0211199605678")
                .nationality("MU")
                .sex(Sex::Female),
        ],
        marriage_date: date(2025, 6, 14),
        marriage_place: Place::new("Port Louis", "MU")
            .named("Civil Status Office, Port Louis")
            .in_district("Port Louis"),
        officer: "R. Bholah".into(),
        witnesses: vec![
            Person::new("Jean", "Li").national_id("L1111197000001"),
            Person::new("Priya", "Ramsamy").national_id("R2222198800002"),
        ],
        registration: Registration::new(
            "PL/M/2025/000321",
            "Civil Status Office, Port Louis",
            date(2025, 6, 14),
            "R. Bholah",
        )
        .in_district("Port Louis"),
    }
}
