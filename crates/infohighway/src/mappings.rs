//! The mappings shipped with civitas (also in this crate's `mappings/` directory, to copy and
//! adapt): the InfoHighway e-service contract of SPEC.md (section "Ingestion"), and CSV export
//! layouts for every bundled document type, each with its header row and a sample export
//! (`mappings/samples/`, made-up people) that issues cleanly.

/// Births from the InfoHighway e-service (`mappings/infohighway-birth.toml`).
pub const INFOHIGHWAY_BIRTH: &str = include_str!("../mappings/infohighway-birth.toml");

/// Marriages from the InfoHighway e-service (`mappings/infohighway-marriage.toml`).
pub const INFOHIGHWAY_MARRIAGE: &str = include_str!("../mappings/infohighway-marriage.toml");

/// Births from a CSV export (`mappings/csv-birth.toml`).
pub const CSV_BIRTH: &str = include_str!("../mappings/csv-birth.toml");

/// The header row of the CSV export that [`CSV_BIRTH`] reads.
pub const CSV_BIRTH_HEADER: &str = "district,year,entry_no,record_version,child_given,child_given_fr,child_surname,sex,date_of_birth,time_of_birth,birth_institution,birth_locality,birth_district,mother_given,mother_surname,mother_nid,mother_nationality,father_given,father_given_fr,father_surname,father_nid,father_nationality,office,registration_date,registrar";

/// Deaths (`DeathCertificate`) from a civil status office's CSV export
/// (`mappings/csv-death.toml`).
pub const CSV_DEATH: &str = include_str!("../mappings/csv-death.toml");

/// The header row of the CSV export that [`CSV_DEATH`] reads.
pub const CSV_DEATH_HEADER: &str = "district,year,entry_no,record_version,deceased_given,deceased_given_fr,deceased_surname,sex,date_of_birth,birth_locality,birth_district,nid,nationality,date_of_death,time_of_death,death_institution,death_locality,death_district,informant_given,informant_surname,informant_nid,office,registration_date,registrar";

/// A sample export for [`CSV_DEATH`] (`mappings/samples/death.csv`: three deaths).
pub const CSV_DEATH_SAMPLE: &str = include_str!("../mappings/samples/death.csv");

/// Driving licences (`DrivingLicence`) from the licensing authority's CSV export, up to three
/// categories a row (`mappings/csv-driving-licence.toml`).
pub const CSV_DRIVING_LICENCE: &str = include_str!("../mappings/csv-driving-licence.toml");

/// The header row of the CSV export that [`CSV_DRIVING_LICENCE`] reads.
pub const CSV_DRIVING_LICENCE_HEADER: &str = "licence_no,record_version,given_names,surname,date_of_birth,issue_date,expiry_date,authority,cat1,cat1_from,cat1_until,cat2,cat2_from,cat2_until,cat3,cat3_from,cat3_until,restrictions";

/// A sample export for [`CSV_DRIVING_LICENCE`] (`mappings/samples/driving-licence.csv`: three
/// licences).
pub const CSV_DRIVING_LICENCE_SAMPLE: &str =
    include_str!("../mappings/samples/driving-licence.csv");

/// Academic awards (`AcademicCertificate`) from a tertiary education register's CSV export
/// (`mappings/csv-academic.toml`).
pub const CSV_ACADEMIC: &str = include_str!("../mappings/csv-academic.toml");

/// The header row of the CSV export that [`CSV_ACADEMIC`] reads.
pub const CSV_ACADEMIC_HEADER: &str = "institution_code,award_no,record_version,given_names,surname,date_of_birth,student_id,programme,level,award_title_en,award_title_fr,classification,award_date,credits";

/// A sample export for [`CSV_ACADEMIC`] (`mappings/samples/academic.csv`: three awards).
pub const CSV_ACADEMIC_SAMPLE: &str = include_str!("../mappings/samples/academic.csv");

/// Payslips (`Payslip`) from a payroll system's CSV export, one column per pay item
/// (`mappings/csv-payslip.toml`).
pub const CSV_PAYSLIP: &str = include_str!("../mappings/csv-payslip.toml");

/// The header row of the CSV export that [`CSV_PAYSLIP`] reads.
pub const CSV_PAYSLIP_HEADER: &str = "employer_id,payslip_no,record_version,employer_name,employer_locality,employee_no,employee_nid,employee_given,employee_surname,period_start,period_end,payment_date,basic_salary,overtime,allowances,bonus,csg,nsf,paye,loan_repayment,gross_pay,net_pay";

/// A sample export for [`CSV_PAYSLIP`] (`mappings/samples/payslip.csv`: three payslips).
pub const CSV_PAYSLIP_SAMPLE: &str = include_str!("../mappings/samples/payslip.csv");

/// Vaccination certificates (`VaccinationCertificate`) from a vaccination register's CSV
/// export, up to three doses a row (`mappings/csv-vaccination.toml`).
pub const CSV_VACCINATION: &str = include_str!("../mappings/csv-vaccination.toml");

/// The header row of the CSV export that [`CSV_VACCINATION`] reads.
pub const CSV_VACCINATION_HEADER: &str = "certificate_no,record_version,given_names,surname,date_of_birth,nid,passport_no,disease,dose1_date,dose1_product,dose1_manufacturer,dose1_batch,dose1_centre,dose1_country,dose2_date,dose2_product,dose2_manufacturer,dose2_batch,dose2_centre,dose2_country,dose3_date,dose3_product,dose3_manufacturer,dose3_batch,dose3_centre,dose3_country";

/// A sample export for [`CSV_VACCINATION`] (`mappings/samples/vaccination.csv`: three
/// certificates).
pub const CSV_VACCINATION_SAMPLE: &str = include_str!("../mappings/samples/vaccination.csv");

/// A shipped CSV export layout: its mapping, header row and (for all but births) a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvExport {
    /// The mapping's file name in `mappings/` (`csv-death.toml`).
    pub file: &'static str,
    /// The document type it issues (`DeathCertificate`).
    pub document: &'static str,
    /// The mapping.
    pub mapping: &'static str,
    /// The export's header row.
    pub header: &'static str,
    /// A sample export (header row, then a few made-up records), when one is shipped.
    pub sample: Option<&'static str>,
}

/// Every shipped CSV export layout.
pub const CSV_EXPORTS: &[CsvExport] = &[
    CsvExport {
        file: "csv-birth.toml",
        document: "BirthCertificate",
        mapping: CSV_BIRTH,
        header: CSV_BIRTH_HEADER,
        sample: None,
    },
    CsvExport {
        file: "csv-death.toml",
        document: "DeathCertificate",
        mapping: CSV_DEATH,
        header: CSV_DEATH_HEADER,
        sample: Some(CSV_DEATH_SAMPLE),
    },
    CsvExport {
        file: "csv-driving-licence.toml",
        document: "DrivingLicence",
        mapping: CSV_DRIVING_LICENCE,
        header: CSV_DRIVING_LICENCE_HEADER,
        sample: Some(CSV_DRIVING_LICENCE_SAMPLE),
    },
    CsvExport {
        file: "csv-academic.toml",
        document: "AcademicCertificate",
        mapping: CSV_ACADEMIC,
        header: CSV_ACADEMIC_HEADER,
        sample: Some(CSV_ACADEMIC_SAMPLE),
    },
    CsvExport {
        file: "csv-payslip.toml",
        document: "Payslip",
        mapping: CSV_PAYSLIP,
        header: CSV_PAYSLIP_HEADER,
        sample: Some(CSV_PAYSLIP_SAMPLE),
    },
    CsvExport {
        file: "csv-vaccination.toml",
        document: "VaccinationCertificate",
        mapping: CSV_VACCINATION,
        header: CSV_VACCINATION_HEADER,
        sample: Some(CSV_VACCINATION_SAMPLE),
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::Mapping;

    #[test]
    fn shipped_mappings_compile() {
        for (name, text) in [
            ("infohighway-birth.toml", INFOHIGHWAY_BIRTH),
            ("infohighway-marriage.toml", INFOHIGHWAY_MARRIAGE),
        ]
        .into_iter()
        .chain(CSV_EXPORTS.iter().map(|e| (e.file, e.mapping)))
        {
            if let Err(e) = Mapping::parse(name, text) {
                panic!("{e}");
            }
        }
    }

    /// Each CSV mapping's header comment lists the columns of its header row, in order, and
    /// its sample starts with that row.
    #[test]
    fn csv_headers_match_the_mappings() {
        for e in CSV_EXPORTS {
            let mapping = Mapping::parse(e.file, e.mapping).unwrap();
            assert_eq!(mapping.document_type().as_str(), e.document, "{}", e.file);
            let listed: String = e
                .mapping
                .lines()
                .skip_while(|l| !l.starts_with("# Columns"))
                .skip(1)
                .take_while(|l| l.starts_with("#   "))
                .map(|l| l.trim_start_matches('#').trim())
                .collect();
            assert_eq!(listed, e.header, "{}: the header comment", e.file);
            if let Some(sample) = e.sample {
                assert_eq!(
                    sample.lines().next(),
                    Some(e.header),
                    "{}: the sample",
                    e.file
                );
            }
            for column in e.header.split(',') {
                assert!(
                    e.mapping.contains(&format!("\"{column}\""))
                        || e.mapping.contains(&format!("{{{column}}}")),
                    "{}: the column `{column}` is not read",
                    e.file
                );
            }
        }
    }
}
