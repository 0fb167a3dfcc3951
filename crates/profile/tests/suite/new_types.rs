//! The five types that exist only as profiles: each sample validates (see `bundled`), and a
//! broken rule or shape is reported at the right JSON pointer.

use chrono::{TimeZone, Utc};
use civitas_profile::{BUNDLED, Cv1Table, Profile, bundled};
use serde_json::{Value, json};

use crate::common::{pointers, profile};

/// The sample with `changes` (pointer → value; `None` removes).
fn sample_with(p: &Profile, changes: &[(&str, Option<Value>)]) -> Value {
    let mut s = p.sample();
    for (pointer, value) in changes {
        let (parent, last) = pointer.rsplit_once('/').unwrap();
        let target = s.pointer_mut(parent).unwrap_or_else(|| panic!("{parent}"));
        match (target, value) {
            (Value::Object(o), Some(v)) => {
                o.insert(last.to_owned(), v.clone());
            }
            (Value::Object(o), None) => {
                o.remove(last);
            }
            (Value::Array(a), Some(v)) => {
                let i: usize = last.parse().unwrap();
                if i == a.len() {
                    a.push(v.clone());
                } else {
                    a[i] = v.clone();
                }
            }
            (other, _) => panic!("cannot change {other}"),
        }
    }
    s
}

fn reported(p: &Profile, changes: &[(&str, Option<Value>)]) -> Vec<String> {
    pointers(p, &sample_with(p, changes))
}

#[test]
fn death_certificate_rules() {
    let p = profile("death-certificate");
    assert_eq!(p.document.valid_for, None, "does not expire");
    assert_eq!(
        reported(&p, &[("/deathDate", Some(json!("2999-01-01")))]),
        vec!["/deathDate", "/registration/registrationDate"],
        "in the future, and so after its registration"
    );
    assert_eq!(
        reported(&p, &[("/birthDate", Some(json!("2025-11-21")))]),
        vec!["/birthDate"],
        "born after death"
    );
    assert_eq!(
        reported(
            &p,
            &[("/registration/registrationDate", Some(json!("2025-11-19")))]
        ),
        vec!["/registration/registrationDate"]
    );
    assert_eq!(
        reported(&p, &[("/informant/nationalId", Some(json!("L 01")))]),
        vec!["/informant/nationalId"]
    );
}

#[test]
fn driving_licence_rules_and_expiry() {
    let p = profile("driving-licence");
    let ten_years = p.document.valid_for.unwrap();
    assert_eq!(ten_years.to_string(), "P10Y");
    let from = Utc.with_ymd_and_hms(2024, 2, 29, 9, 0, 0).unwrap();
    assert_eq!(
        ten_years.valid_until(from),
        Some(Utc.with_ymd_and_hms(2034, 2, 28, 9, 0, 0).unwrap())
    );
    // A category that expires before it was granted: that category's own dates.
    assert_eq!(
        reported(
            &p,
            &[("/categories/1/expiryDate", Some(json!("2024-05-01")))]
        ),
        vec!["/categories/1/expiryDate"]
    );
    // A category that outlives the licence.
    assert_eq!(
        reported(
            &p,
            &[("/categories/0/expiryDate", Some(json!("2040-01-01")))]
        ),
        vec!["/categories/0/expiryDate"]
    );
    assert_eq!(
        reported(&p, &[("/expiryDate", Some(json!("2024-05-02")))]),
        vec!["/expiryDate", "/categories/1/expiryDate"],
        "expires on its day of issue, before its A1 category"
    );
    assert_eq!(
        reported(&p, &[("/categories/0/categoryCode", Some(json!("Z")))]),
        vec!["/categories/0/categoryCode"]
    );
    assert_eq!(
        reported(&p, &[("/categories", Some(json!([])))]),
        vec!["/categories"]
    );
    assert_eq!(
        reported(&p, &[("/licenceNumber", Some(json!("mu-1")))]),
        vec!["/licenceNumber"]
    );
}

#[test]
fn academic_certificate_rules() {
    let p = profile("academic-certificate");
    assert_eq!(
        reported(&p, &[("/awardDate", Some(json!("2999-07-20")))]),
        vec!["/awardDate"]
    );
    assert_eq!(
        reported(&p, &[("/awardDate", Some(json!("1996-11-02")))]),
        vec!["/awardDate"],
        "awarded on the day of birth"
    );
    assert_eq!(
        reported(&p, &[("/credits", Some(json!(0)))]),
        vec!["/credits"]
    );
    assert_eq!(
        reported(&p, &[("/credits", Some(json!("180")))]),
        vec!["/credits"]
    );
    assert_eq!(
        reported(&p, &[("/institution/addressCountry", None)]),
        vec!["/institution/addressCountry"]
    );
    assert_eq!(
        reported(&p, &[("/awardLevel", Some(json!("Bachelor")))]),
        vec!["/awardLevel"]
    );
}

#[test]
fn e_payslip_totals_must_add_up() {
    let p = profile("e-payslip");
    let errors = p.validate(&sample_with(
        &p,
        &[(
            "/netPay",
            Some(json!({"value": "40906.00", "currency": "MUR"})),
        )],
    ));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].pointer, "/netPay/value");
    assert_eq!(
        errors[0].message,
        "is 40906.00 MUR, but grossPay, less deductions[].amount add up to 40905.98 MUR"
    );
    // An earning line changed: the gross no longer adds up (the net still follows the gross).
    assert_eq!(
        reported(
            &p,
            &[(
                "/earnings/1/amount",
                Some(json!({"value": "3150.51", "currency": "MUR"}))
            )]
        ),
        vec!["/grossPay/value"]
    );
    // Another currency in a deduction.
    assert_eq!(
        reported(
            &p,
            &[(
                "/deductions/0/amount",
                Some(json!({"value": "1354.52", "currency": "EUR"}))
            )]
        ),
        vec!["/deductions/0/amount/currency"]
    );
    assert_eq!(
        reported(
            &p,
            &[(
                "/grossPay",
                Some(json!({"value": 45150.5, "currency": "MUR"}))
            )]
        ),
        vec!["/grossPay/value"],
        "an amount is a decimal string, never a float"
    );
    assert_eq!(
        reported(&p, &[("/periodEnd", Some(json!("2025-09-30")))]),
        vec!["/periodStart"]
    );
    assert_eq!(
        reported(&p, &[("/employer/employerId", None)]),
        vec!["/employer/employerId"]
    );
}

#[test]
fn vaccination_certificate_doses() {
    let p = profile("vaccination-certificate");
    let dose = json!({
        "type": "VaccinationEvent", "doseNumber": 2, "vaccinationDate": "1980-01-01",
        "vaccineProduct": "Stamaril", "batchNumber": "Y5F212",
        "administeringCentre": "Victoria Hospital, Candos", "countryOfVaccination": "MU"
    });
    assert_eq!(
        reported(&p, &[("/doses/1", Some(dose.clone()))]),
        vec!["/doses/1/vaccinationDate"],
        "a dose before birth"
    );
    let mut future = dose.clone();
    future["vaccinationDate"] = json!("2999-01-01");
    assert_eq!(
        reported(&p, &[("/doses/1", Some(future))]),
        vec!["/doses/1/vaccinationDate"]
    );
    assert_eq!(
        reported(&p, &[("/passportNumber", Some(json!("P1234567")))]),
        vec!["/passportNumber"],
        "at most one identity document"
    );
    assert_eq!(
        reported(&p, &[("/doses/0/doseNumber", Some(json!(11)))]),
        vec!["/doses/0/doseNumber"]
    );
    assert_eq!(
        reported(&p, &[("/doses/0/lotNumber", Some(json!("Y5F211")))]),
        vec!["/doses/0/lotNumber"]
    );
    assert_eq!(reported(&p, &[("/doses", Some(json!([])))]), vec!["/doses"]);
}

#[test]
fn every_bundled_type_shares_one_cv1_key_table_and_the_vocabulary_base() {
    let profiles = bundled().unwrap();
    let tables: Vec<Cv1Table> = profiles.iter().map(|p| p.cv1_table().unwrap()).collect();
    let merged = Cv1Table::merged(&tables).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(merged.documents.len(), BUNDLED.len());
    assert_eq!(merged.key_of("netPay"), Some(61));
    assert_eq!(merged.member_of(36), Some("categoryCode"));
    for p in &profiles {
        for (term, iri) in &p.vocabulary.terms {
            assert!(
                iri.starts_with("https://w3id.org/civitas/vocab#")
                    || iri.starts_with("https://schema.org/"),
                "{}: {term} = {iri}",
                p.origin
            );
        }
        assert!(
            p.document
                .context_url
                .starts_with("https://w3id.org/civitas/"),
            "{}",
            p.origin
        );
        assert!(p.document.schema_url.starts_with(&p.document.context_url));
    }
}

#[test]
fn labels_withholdable_fields_and_ingestion_targets() {
    let p = profile("marriage-certificate");
    let labels = p.labels();
    assert_eq!(
        labels
            .field("spouses[].familyNameAfterMarriage")
            .unwrap()
            .fr(),
        "Nom après le mariage"
    );
    assert_eq!(labels.value("spouses[].sex", "F").unwrap().en(), "Female");
    assert_eq!(
        labels.field("registration.registrar").unwrap().en(),
        "Registrar"
    );
    let withheld: Vec<String> = p.withholdable().iter().map(ToString::to_string).collect();
    assert!(withheld.contains(&"spouses[].nationalId".to_owned()));
    assert!(withheld.contains(&"witnesses".to_owned()));
    assert!(!withheld.contains(&"marriageDate".to_owned()));
    let targets = p.ingestion_targets();
    let names: Vec<String> = targets.iter().map(|t| t.path.to_string()).collect();
    // The same targets civitas-infohighway's mapping language knows for a marriage.
    for expected in [
        "spouses[].id",
        "spouses[].givenName",
        "marriagePlace.addressLocality",
        "officer",
        "witnesses[].nationalId",
        "registration.registrationDate",
    ] {
        assert!(
            names.contains(&expected.to_owned()),
            "{expected}: {names:?}"
        );
    }
    let witness = targets
        .iter()
        .find(|t| t.path.to_string() == "witnesses[].givenName")
        .unwrap();
    assert_eq!(witness.kind, "language-map");
    assert_eq!(witness.list_max, vec![Some(10)]);
    let payslip = profile("e-payslip");
    let amount = payslip.labels();
    assert_eq!(amount.field("earnings[].amount").unwrap().fr(), "Montant");
    assert_eq!(
        profile("driving-licence")
            .labels()
            .value("categories[].categoryCode", "BE")
            .unwrap()
            .fr(),
        "Voitures avec remorque"
    );
}

#[test]
fn the_derived_contexts_of_the_new_types_coerce_by_kind() {
    let payslip = profile("e-payslip").context();
    let ctx = &payslip["@context"];
    assert_eq!(ctx["@protected"], true);
    assert_eq!(ctx["earnings"]["@container"], "@set");
    assert_eq!(
        ctx["value"]["@type"],
        "http://www.w3.org/2001/XMLSchema#decimal"
    );
    assert_eq!(
        ctx["description"], "https://schema.org/description",
        "identical to VC 2.0"
    );
    let vaccination = profile("vaccination-certificate").context();
    assert_eq!(
        vaccination["@context"]["doseNumber"]["@type"],
        "http://www.w3.org/2001/XMLSchema#integer"
    );
    let schema = profile("e-payslip").json_schema();
    assert_eq!(
        schema["$defs"]["amount"]["properties"]["value"]["pattern"],
        civitas_profile::schema::DECIMAL_PATTERN
    );
}
