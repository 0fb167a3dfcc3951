use serde_json::{Value, json};

use super::*;
use crate::error::FileError;

const BASIC: &str = r#"
format = 1
document = "BirthCertificate"
[record]
id = { from = "id" }
[codes.sex]
"1" = "M"
"2" = "F"
[fields]
"givenName" = { languages = { en = "given_en", fr = "given_fr" }, from = "given" }
"familyName" = { from = "surname", case = "upper" }
"sex" = { from = "sex", code = "sex" }
"birthDate" = { from = "dob", date = ["%d/%m/%Y", "%Y-%m-%d"] }
"birthTime" = { from = "tob", time = "%H%M" }
"birthPlace.addressLocality" = { from = "place.town" }
"birthPlace.addressCountry" = { value = "MU" }
"mother.givenName" = { from = "mother_given" }
"mother.familyName" = { from = "mother_surname" }
"mother.nationality" = { value = "MU", when = "mother_surname" }
"registration.registrationNumber" = { template = "{district}/B/{year}/{entry}" }
"registration.registrationOffice" = { from = "office" }
"registration.registrationDate" = { from = "regdate", date = "%d/%m/%Y" }
"registration.registrar" = { from = "registrar", default = "Registrar" }
"#;

fn record() -> Value {
    json!({"id": "R1", "given_en": "John", "given_fr": "Jean", "surname": "Lebon", "sex": "1",
           "dob": "28/02/2024", "tob": "1435", "place": {"town": "Candos"},
           "mother_given": "", "mother_surname": "",
           "district": "PW", "year": 2024, "entry": "001234", "office": "Rose Hill",
           "regdate": "01/03/2024"})
}

#[test]
fn maps_a_record() {
    let m = Mapping::parse("t.toml", BASIC).unwrap();
    let mapped = m.apply(&record()).unwrap();
    assert_eq!(mapped.source_id, "R1");
    let Document::Birth(b) = mapped.document else {
        panic!()
    };
    let v = serde_json::to_value(&*b).unwrap();
    assert_eq!(v["givenName"], json!({"en": "John", "fr": "Jean"}));
    assert_eq!(v["familyName"], "LEBON");
    assert_eq!(v["sex"], "M");
    assert_eq!(v["birthDate"], "2024-02-28");
    assert_eq!(v["birthTime"], "14:35:00");
    assert_eq!(v["registration"]["registrationNumber"], "PW/B/2024/001234");
    assert_eq!(v["registration"]["registrar"], "Registrar");
    assert!(
        v.get("mother").is_none(),
        "an empty mother is left out: {v}"
    );
}

#[test]
fn bad_records_name_the_field() {
    let m = Mapping::parse("t.toml", BASIC).unwrap();
    let mut r = record();
    r["sex"] = json!("7");
    r["dob"] = json!("31/02/2024");
    let f = m.apply(&r).unwrap_err();
    assert_eq!(f.source_id.as_deref(), Some("R1"));
    assert_eq!(f.stage, Stage::Mapping);
    let fields: Vec<&str> = f.issues.iter().map(|i| i.field.as_str()).collect();
    assert_eq!(fields, ["birthDate", "sex"]);
    assert!(
        f.issues[1]
            .reason
            .contains("`7` is not in code table `sex`")
    );
    assert_eq!(f.issues[0].source_field.as_deref(), Some("dob"));

    // the model's rules: registration before birth
    let mut r = record();
    r["regdate"] = json!("01/01/2024");
    let f = m.apply(&r).unwrap_err();
    assert_eq!(f.stage, Stage::Validation);
    assert_eq!(f.issues[0].field, "registration.registrationDate");
    assert_eq!(f.issues[0].source_field.as_deref(), Some("regdate"));

    // a missing required field is named by its own path
    let mut r = record();
    r["office"] = json!(" ");
    let f = m.apply(&r).unwrap_err();
    assert_eq!(f.issues[0].field, "registration.registrationOffice");
    assert_eq!(f.issues[0].reason, "is required");
}

fn err(text: &str) -> FileError {
    Mapping::parse("m.toml", text).unwrap_err()
}

#[test]
fn mapping_mistakes_name_line_and_key() {
    let head =
        "format = 1\ndocument = \"BirthCertificate\"\n[record]\nid = { from = \"id\" }\n[fields]\n";
    let e = err(&format!("{head}\"birthDat\" = {{ from = \"dob\" }}\n"));
    assert_eq!((e.line, e.key.as_deref()), (6, Some("fields.\"birthDat\"")));
    assert!(
        e.message.contains("not a field of a BirthCertificate"),
        "{e}"
    );

    let e = err(&format!(
        "{head}\"sex\" = {{ from = \"s\", code = \"sexe\" }}\n"
    ));
    assert_eq!(e.line, 6);
    assert!(e.message.contains("no code table `sexe`"), "{e}");

    let e = err(&format!(
        "{head}\"birthDate\" = {{ from = \"d\", date = \"%Q\" }}\n"
    ));
    assert!(e.message.contains("not a valid date/time format"), "{e}");

    let e = err(&format!("{head}\"sex\" = {{ form = \"s\" }}\n"));
    assert_eq!(e.line, 6);
    assert!(e.message.contains("unknown field `form`"), "{e}");

    let e = err(&format!(
        "{head}\"sex\" = {{ from = \"s\", value = \"F\" }}\n"
    ));
    assert!(e.message.contains("exactly one of"), "{e}");

    let e = err(&format!(
        "{head}\"sex\" = {{ languages = {{ en = \"s\" }} }}\n"
    ));
    assert!(e.message.contains("only for names"), "{e}");

    let e = err(&format!(
        "{head}\"registration.registrationNumber\" = {{ template = \"{{a\" }}\n"
    ));
    assert!(e.message.contains("not closed"), "{e}");

    let e = err("format = 2\ndocument = \"BirthCertificate\"\n[record]\nid = { from = \"id\" }\n");
    assert_eq!((e.line, e.key.as_deref()), (1, Some("format")));

    let e = err("format = 1\ndocument = \"Passport\"\n[record]\nid = { from = \"id\" }\n");
    assert_eq!(e.line, 2);

    let e = err("format = 1\ndocument = \"BirthCertificate\"\n[record]\nid = { from = \"id\" \n");
    assert_eq!(e.line, 4, "{e}");

    let e = err(
        "format = 1\ndocument = \"MarriageCertificate\"\n[record]\nid = { from = \"id\" }\n[fields]\n\"spouses[2].givenName\" = { from = \"x\" }\n",
    );
    assert!(e.message.contains("at most 2 entries"), "{e}");
}
