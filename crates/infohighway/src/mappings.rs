//! The mappings shipped with civitas (also in this crate's `mappings/` directory, to copy and
//! adapt): the InfoHighway e-service contract of SPEC.md (section "Ingestion"), and a civil status office's
//! CSV export layout.

/// Births from the InfoHighway e-service (`mappings/infohighway-birth.toml`).
pub const INFOHIGHWAY_BIRTH: &str = include_str!("../mappings/infohighway-birth.toml");

/// Marriages from the InfoHighway e-service (`mappings/infohighway-marriage.toml`).
pub const INFOHIGHWAY_MARRIAGE: &str = include_str!("../mappings/infohighway-marriage.toml");

/// Births from a CSV export (`mappings/csv-birth.toml`).
pub const CSV_BIRTH: &str = include_str!("../mappings/csv-birth.toml");

/// The header row of the CSV export that [`CSV_BIRTH`] reads.
pub const CSV_BIRTH_HEADER: &str = "district,year,entry_no,record_version,child_given,child_given_fr,child_surname,sex,date_of_birth,time_of_birth,birth_institution,birth_locality,birth_district,mother_given,mother_surname,mother_nid,mother_nationality,father_given,father_given_fr,father_surname,father_nid,father_nationality,office,registration_date,registrar";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::Mapping;

    #[test]
    fn shipped_mappings_compile() {
        for (name, text) in [
            ("infohighway-birth.toml", INFOHIGHWAY_BIRTH),
            ("infohighway-marriage.toml", INFOHIGHWAY_MARRIAGE),
            ("csv-birth.toml", CSV_BIRTH),
        ] {
            if let Err(e) = Mapping::parse(name, text) {
                panic!("{e}");
            }
        }
    }
}
