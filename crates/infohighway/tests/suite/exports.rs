//! The CSV export mappings shipped for the bundled document types beyond births (deaths,
//! driving licences, academic awards, payslips, vaccinations): each sample export issues one
//! credential per row into a real issuer (sled in a temp dir), with subjects the profile
//! accepts; rows breaking a profile rule are rejected with the field named.

use crate::common;

use std::path::Path;
use std::sync::Arc;

use civitas_core::model::{DocumentType, validate_subject};
use civitas_infohighway::mappings::{self, CSV_EXPORTS, CsvExport};
use civitas_infohighway::report::read_report;
use civitas_infohighway::{FileFormat, IngestOptions, Mapping, NoProgress, Summary, ingest_file};
use common::*;
use serde_json::{Value, json};

/// Ingests `csv` (an export's text) with the shipped mapping `file`; the summary and report.
async fn ingest(
    issuer: &civitas_issuer::Issuer,
    dir: &Path,
    file: &str,
    mapping: &str,
    csv: &str,
) -> (Summary, Value) {
    let stem = file.trim_end_matches(".toml");
    let path = dir.join(format!("{stem}.csv"));
    std::fs::write(&path, csv).unwrap();
    let report = dir.join(format!("{stem}.report.json"));
    let options = IngestOptions::default().report(&report);
    let mapping = Arc::new(Mapping::parse(file, mapping).unwrap());
    let summary = ingest_file(
        issuer,
        &path,
        FileFormat::Csv,
        mapping,
        &options,
        &NoProgress,
    )
    .await
    .unwrap();
    (summary, read_report(&report).unwrap())
}

/// The subject of the credential issued for `source_id`.
fn subject_of(issuer: &civitas_issuer::Issuer, source_id: &str) -> Value {
    let record = all_records(issuer)
        .into_iter()
        .find(|r| r.source_record_id.as_deref() == Some(source_id))
        .unwrap_or_else(|| panic!("no credential for {source_id}"));
    let (_, text) = issuer.credential(&record.id).unwrap().unwrap();
    let credential: Value = serde_json::from_str(&text.unwrap()).unwrap();
    credential["credentialSubject"].clone()
}

fn export(file: &str) -> &'static CsvExport {
    CSV_EXPORTS.iter().find(|e| e.file == file).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sample_export_issues_one_credential_a_row() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("issuer");
    let issuer = open_issuer(&data).await;
    let mut samples = 0;
    for e in CSV_EXPORTS {
        let Some(sample) = e.sample else { continue };
        samples += 1;
        let rows = sample.lines().skip(1).filter(|l| !l.is_empty()).count() as u64;
        assert!((2..=3).contains(&rows), "{}: {rows} rows", e.file);
        let (s, report) = ingest(&issuer, dir.path(), e.file, e.mapping, sample).await;
        assert_eq!(
            (s.counts.read, s.counts.issued, s.counts.rejected),
            (rows, rows, 0),
            "{}: {report:#}",
            e.file
        );
        // every credential of the type: its subject is one the profile accepts
        let kind = DocumentType::named(e.document).unwrap();
        let issued: Vec<_> = all_records(&issuer)
            .into_iter()
            .filter(|r| r.types.iter().any(|t| t == e.document))
            .collect();
        assert_eq!(issued.len() as u64, rows, "{}", e.file);
        for r in issued {
            let (_, text) = issuer.credential(&r.id).unwrap().unwrap();
            let credential: Value = serde_json::from_str(&text.unwrap()).unwrap();
            let subject = &credential["credentialSubject"];
            validate_subject(&kind, subject)
                .unwrap_or_else(|err| panic!("{}: {err}: {subject:#}", e.file));
        }
        // the same export again: nothing new
        let (again, _) = ingest(&issuer, dir.path(), e.file, e.mapping, sample).await;
        assert_eq!(
            (again.counts.issued, again.counts.replayed),
            (0, rows),
            "{}",
            e.file
        );
    }
    assert_eq!(samples, 5);

    // what the rows became, field by field
    let death = subject_of(&issuer, "PL/D/2026/000112");
    assert_eq!(
        death["givenName"],
        json!({"en": "Marie Josée", "fr": "Marie-Josée"})
    );
    assert_eq!(death["deathPlace"]["district"], "Port Louis");
    assert_eq!(death["deathPlace"]["addressCountry"], "MU");
    assert!(death.get("informant").is_none(), "{death}");
    assert!(death.get("deathTime").is_none(), "{death}");
    let death = subject_of(&issuer, "FL/D/2026/000045");
    assert_eq!(death["sex"], "M");
    assert_eq!(death["deathTime"], "23:45:00");
    assert!(death.get("birthPlace").is_none(), "{death}");
    assert_eq!(death["informant"]["nationalId"], "B1208198800117");

    let licence = subject_of(&issuer, "MU20871543");
    let codes: Vec<&str> = licence["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["categoryCode"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["B", "BE", "C1"]);
    assert_eq!(licence["categories"][2]["expiryDate"], "2030-01-09");
    assert_eq!(
        licence["issuingAuthority"],
        "Traffic Management and Road Safety Unit, Port Louis"
    );
    let licence = subject_of(&issuer, "MU30992817");
    assert_eq!(licence["licenceNumber"], "MU30992817");
    assert_eq!(licence["categories"].as_array().unwrap().len(), 1);

    let award = subject_of(&issuer, "UOM/2018/004512");
    assert_eq!(award["credits"], json!(180));
    assert_eq!(award["awardLevel"], "bachelor");
    assert_eq!(award["classification"], "upper-second");
    assert_eq!(award["institution"]["name"], "University of Mauritius");
    assert_eq!(award["institution"]["addressLocality"], "Réduit");
    assert_eq!(
        award["awardTitle"],
        json!({"en": "Bachelor of Science with Honours in Computer Science", "fr": "Licence en informatique"})
    );
    let award = subject_of(&issuer, "UTM/2021/000318");
    assert_eq!(award["awardTitle"], "Master of Science in Data Science");
    assert!(
        subject_of(&issuer, "OU/2024/001207")
            .get("credits")
            .is_none()
    );

    let payslip = subject_of(&issuer, "C07012345/2025-10-0412");
    assert_eq!(
        payslip["grossPay"],
        json!({"value": "45150.50", "currency": "MUR"})
    );
    assert_eq!(
        payslip["netPay"],
        json!({"value": "40905.98", "currency": "MUR"})
    );
    assert_eq!(
        payslip["earnings"][1]["amount"],
        json!({"value": "3150.50", "currency": "MUR"})
    );
    let deductions: Vec<&str> = payslip["deductions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["description"].as_str().unwrap())
        .collect();
    assert_eq!(
        deductions,
        [
            "Contribution sociale généralisée (CSG)",
            "Income tax (PAYE)"
        ]
    );
    let payslip = subject_of(&issuer, "C11098765/2026-01-0007");
    assert_eq!(payslip["earnings"].as_array().unwrap().len(), 3);
    assert_eq!(payslip["employee"]["employeeNumber"], "7");

    let vaccination = subject_of(&issuer, "VC-2021-118203");
    let doses = vaccination["doses"].as_array().unwrap();
    let numbers: Vec<&Value> = doses.iter().map(|d| &d["doseNumber"]).collect();
    assert_eq!(numbers, [&json!(1), &json!(2), &json!(3)]);
    assert_eq!(doses[1]["countryOfVaccination"], "MU");
    assert_eq!(vaccination["targetDisease"], "COVID-19");
    let vaccination = subject_of(&issuer, "VC-2026-000093");
    assert_eq!(vaccination["passportNumber"], "19FR54321");
    assert!(vaccination.get("nationalId").is_none(), "{vaccination}");
}

/// One rejected entry of a report by record id: (field, source field, stage, reason).
fn rejected(report: &Value, record_id: &str) -> (String, String, String, String) {
    let entry = report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["recordId"] == record_id)
        .unwrap_or_else(|| panic!("{record_id} is not rejected: {report:#}"));
    let text = |k: &str| entry[k].as_str().unwrap_or_default().to_owned();
    (
        text("field"),
        text("sourceField"),
        text("stage"),
        text("reason"),
    )
}

/// The sample's first data row with the cells of `changes` (column, value) replaced.
fn row_with(e: &CsvExport, row: usize, changes: &[(&str, &str)]) -> String {
    let sample = e.sample.unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(sample.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let record = reader.records().nth(row).unwrap().unwrap();
    let mut cells: Vec<String> = record.iter().map(str::to_owned).collect();
    for (column, value) in changes {
        let i = headers.iter().position(|h| h == *column).unwrap();
        cells[i] = (*value).to_owned();
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&cells).unwrap();
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_breaking_a_rule_are_rejected_with_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("issuer");
    let issuer = open_issuer(&data).await;

    // payslips: a net that does not add up, a gross that is not the earnings' sum, an amount
    // with a thousands separator
    let e = export("csv-payslip.toml");
    let csv = format!(
        "{}\n{}{}{}{}",
        mappings::CSV_PAYSLIP_HEADER,
        row_with(e, 0, &[("payslip_no", "NET"), ("net_pay", "40900.00")]),
        row_with(e, 0, &[("payslip_no", "GROSS"), ("gross_pay", "45000.00")]),
        row_with(
            e,
            0,
            &[("payslip_no", "COMMA"), ("basic_salary", "42,000.00")]
        ),
        row_with(e, 1, &[]),
    );
    let (s, report) = ingest(&issuer, dir.path(), e.file, e.mapping, &csv).await;
    assert_eq!(
        (s.counts.read, s.counts.issued, s.counts.rejected),
        (4, 1, 3),
        "{report:#}"
    );
    let (field, source, stage, reason) = rejected(&report, "C07012345/NET");
    assert_eq!(
        (field.as_str(), source.as_str(), stage.as_str()),
        ("netPay.value", "net_pay", "validation")
    );
    assert!(
        reason.contains(
            "is 40900.00 MUR, but grossPay, less deductions[].amount add up to 40905.98 MUR"
        ),
        "{reason}"
    );
    let (field, source, stage, reason) = rejected(&report, "C07012345/GROSS");
    assert_eq!(
        (field.as_str(), source.as_str(), stage.as_str()),
        ("grossPay.value", "gross_pay", "validation")
    );
    assert!(
        reason.contains("earnings[].amount add up to 45150.50 MUR"),
        "{reason}"
    );
    let (field, source, stage, reason) = rejected(&report, "C07012345/COMMA");
    assert_eq!(
        (field.as_str(), source.as_str(), stage.as_str()),
        ("earnings[0].amount", "basic_salary", "mapping")
    );
    assert!(
        reason.contains("`42,000.00 MUR` is not an amount such as `1234.50 MUR`"),
        "{reason}"
    );

    // vaccinations: a national id and a passport number (at most one); a dose before birth
    let e = export("csv-vaccination.toml");
    let csv = format!(
        "{}\n{}{}",
        mappings::CSV_VACCINATION_HEADER,
        row_with(
            e,
            0,
            &[("certificate_no", "VC-BOTH"), ("passport_no", "M1234567")]
        ),
        row_with(
            e,
            0,
            &[("certificate_no", "VC-EARLY"), ("dose1_date", "01/01/1980")]
        ),
    );
    let (s, report) = ingest(&issuer, dir.path(), e.file, e.mapping, &csv).await;
    assert_eq!((s.counts.issued, s.counts.rejected), (0, 2), "{report:#}");
    let (field, source, _, reason) = rejected(&report, "VC-BOTH");
    assert_eq!(
        (field.as_str(), source.as_str()),
        ("passportNumber", "passport_no")
    );
    assert!(
        reason.contains("at most 1 of nationalId, passportNumber"),
        "{reason}"
    );
    let (field, source, _, _) = rejected(&report, "VC-EARLY");
    assert_eq!(
        (field.as_str(), source.as_str()),
        ("doses[0].vaccinationDate", "dose1_date")
    );

    // driving licences: a category outliving the licence; an unknown category code
    let e = export("csv-driving-licence.toml");
    let csv = format!(
        "{}\n{}{}",
        mappings::CSV_DRIVING_LICENCE_HEADER,
        row_with(
            e,
            0,
            &[("licence_no", "MU00000001"), ("cat2_until", "01/05/2040")]
        ),
        row_with(e, 0, &[("licence_no", "MU00000002"), ("cat2", "Z")]),
    );
    let (s, report) = ingest(&issuer, dir.path(), e.file, e.mapping, &csv).await;
    assert_eq!((s.counts.issued, s.counts.rejected), (0, 2), "{report:#}");
    let (field, source, stage, _) = rejected(&report, "MU00000001");
    assert_eq!(
        (field.as_str(), source.as_str(), stage.as_str()),
        ("categories[1].expiryDate", "cat2_until", "validation")
    );
    let (field, source, stage, reason) = rejected(&report, "MU00000002");
    assert_eq!(
        (field.as_str(), source.as_str(), stage.as_str()),
        ("categories[1].categoryCode", "cat2", "mapping")
    );
    assert!(
        reason.contains("`Z` is not in code table `category`"),
        "{reason}"
    );

    // academic awards: credits that are not an integer, or out of the profile's range
    let e = export("csv-academic.toml");
    let csv = format!(
        "{}\n{}{}",
        mappings::CSV_ACADEMIC_HEADER,
        row_with(e, 0, &[("award_no", "TEXT"), ("credits", "many")]),
        row_with(e, 0, &[("award_no", "ZERO"), ("credits", "0")]),
    );
    let (s, report) = ingest(&issuer, dir.path(), e.file, e.mapping, &csv).await;
    assert_eq!((s.counts.issued, s.counts.rejected), (0, 2), "{report:#}");
    let (field, source, stage, reason) = rejected(&report, "UOM/TEXT");
    assert_eq!(
        (field.as_str(), source.as_str(), stage.as_str()),
        ("credits", "credits", "mapping")
    );
    assert!(reason.contains("`many` is not an integer"), "{reason}");
    let (field, _, stage, _) = rejected(&report, "UOM/ZERO");
    assert_eq!((field.as_str(), stage.as_str()), ("credits", "validation"));

    // deaths: registered before the death
    let e = export("csv-death.toml");
    let csv = format!(
        "{}\n{}",
        mappings::CSV_DEATH_HEADER,
        row_with(e, 0, &[("registration_date", "19/11/2025")]),
    );
    let (s, report) = ingest(&issuer, dir.path(), e.file, e.mapping, &csv).await;
    assert_eq!((s.counts.issued, s.counts.rejected), (0, 1), "{report:#}");
    let (field, source, stage, reason) = rejected(&report, "GP/D/2025/000877");
    assert_eq!(
        (field.as_str(), source.as_str(), stage.as_str()),
        (
            "registration.registrationDate",
            "registration_date",
            "validation"
        )
    );
    assert!(reason.contains("is not on or after deathDate"), "{reason}");
}
