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
    assert_eq!(mapped.document.document_type().as_str(), "BirthCertificate");
    let v = mapped.document.subject().unwrap();
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
    assert!(
        e.message
            .contains("only for language-map fields (names, titles)"),
        "{e}"
    );
    assert!(e.message.contains("givenName, familyName"), "{e}");

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

/// A profile with deeper nesting than the bundled ones: a list inside an object, an object
/// inside a list item, a list inside a list item; integers and amounts.
const NESTED_PROFILE: &str = r#"format = 1

[document]
type = "IngestFixture"
version = "1.0.0"
label = { en = "Ingestion fixture", fr = "Fixture d'ingestion" }
context = "https://w3id.org/civitas/ingest-fixture/v1"
schema = "https://w3id.org/civitas/ingest-fixture/v1/ingest-fixture.schema.json"

[vocabulary.prefixes]
civitas = "https://w3id.org/civitas/vocab#"
schema = "https://schema.org/"

[vocabulary.terms]
IngestFixture = "civitas:IngestFixture"
Owner = "civitas:Owner"
Address = "civitas:Address"
Spot = "civitas:Spot"
Event = "civitas:Event"
Step = "civitas:Step"
title = "civitas:title"
owner = "civitas:owner"
ownerName = "civitas:ownerName"
addresses = "civitas:address"
locality = "civitas:locality"
spot = "civitas:spot"
country = "civitas:country"
since = "civitas:since"
events = "civitas:event"
day = "civitas:day"
steps = "civitas:step"
at = "civitas:at"
count = "civitas:count"
cost = "civitas:cost"
value = "schema:value"
currency = "schema:currency"

[subject]
class = "IngestFixture"

[[subject.fields]]
key = "title"
kind = "text"
required = true
label = { en = "Title", fr = "Titre" }

[[subject.fields]]
key = "owner"
kind = "object"
type = "owner"
label = { en = "Owner", fr = "Propriétaire" }

[[subject.fields]]
key = "events"
kind = "list"
type = "event"
max = 2
label = { en = "Events", fr = "Événements" }

[types.owner]
class = "Owner"

[[types.owner.fields]]
key = "ownerName"
kind = "language-map"
required = true
label = { en = "Name", fr = "Nom" }

[[types.owner.fields]]
key = "addresses"
kind = "list"
type = "address"
max = 3
label = { en = "Addresses", fr = "Adresses" }

[types.address]
class = "Address"

[[types.address.fields]]
key = "locality"
kind = "text"
required = true
label = { en = "Locality", fr = "Localité" }

[[types.address.fields]]
key = "spot"
kind = "object"
type = "spot"
label = { en = "Spot", fr = "Lieu" }

[types.spot]
class = "Spot"

[[types.spot.fields]]
key = "country"
kind = "country"
required = true
label = { en = "Country", fr = "Pays" }

[[types.spot.fields]]
key = "since"
kind = "date"
label = { en = "Since", fr = "Depuis" }

[types.event]
class = "Event"

[[types.event.fields]]
key = "day"
kind = "date"
required = true
label = { en = "Day", fr = "Jour" }

[[types.event.fields]]
key = "steps"
kind = "list"
type = "step"
max = 4
label = { en = "Steps", fr = "Étapes" }

[types.step]
class = "Step"

[[types.step.fields]]
key = "at"
kind = "time"
label = { en = "At", fr = "À" }

[[types.step.fields]]
key = "count"
kind = "integer"
min = 0
max = 99
label = { en = "Count", fr = "Nombre" }

[[types.step.fields]]
key = "cost"
kind = "amount"
label = { en = "Cost", fr = "Coût" }

[certificate]
title = { en = "Ingestion fixture", fr = "Fixture d'ingestion" }

[[certificate.sections]]
title = { en = "Fixture", fr = "Fixture" }
fields = ["title"]
"#;

fn fixture() -> DocumentType {
    civitas_core::profile::register(NESTED_PROFILE, "ingest-fixture.toml")
        .unwrap_or_else(|e| panic!("{e}"));
    DocumentType::named("IngestFixture").unwrap()
}

#[test]
fn targets_nest_as_deep_as_the_profile() {
    use super::fields::{Kind, check_target, fields_of_kind, list_max, lists};
    let doc = fixture();
    let kind = |p: &str| check_target(&doc, p).map(|(_, k)| k);
    assert_eq!(kind("title"), Ok(Kind::Text));
    assert_eq!(kind("owner.ownerName"), Ok(Kind::Name));
    assert_eq!(kind("owner.addresses[2].spot.country"), Ok(Kind::Text));
    assert_eq!(kind("owner.addresses[0].spot.since"), Ok(Kind::Date));
    assert_eq!(kind("events[1].steps[3].at"), Ok(Kind::Time));
    assert_eq!(kind("events[1].steps[3].count"), Ok(Kind::Integer));
    assert_eq!(kind("events[0].steps[0].cost"), Ok(Kind::Amount));

    // index bounds, at every level, naming the list as written
    let e = kind("owner.addresses[3].locality").unwrap_err();
    assert!(
        e.contains("`owner.addresses` has at most 3 entries (indices 0 to 2)"),
        "{e}"
    );
    let e = kind("events[1].steps[4].at").unwrap_err();
    assert!(
        e.contains("`events[1].steps` has at most 4 entries (indices 0 to 3)"),
        "{e}"
    );
    let e = kind("events[2].day").unwrap_err();
    assert!(e.contains("`events` has at most 2 entries"), "{e}");

    // a list without its index, an index on what is no list, objects and items written whole
    let e = kind("owner.addresses.locality").unwrap_err();
    assert!(
        e.contains("`owner.addresses` is a list: write `owner.addresses[0].<field>`, or map a source list with [each.\"owner.addresses\"]"),
        "{e}"
    );
    let e = kind("events[0].steps.at").unwrap_err();
    assert!(
        e.contains("`events[0].steps` is a list: write `events[0].steps[0].<field>`")
            && !e.contains("[each."),
        "{e}"
    );
    let e = kind("title[0]").unwrap_err();
    assert!(e.contains("`title` is not a list"), "{e}");
    let e = kind("owner[0].ownerName").unwrap_err();
    assert!(e.contains("`owner` is not a list"), "{e}");
    let e = kind("title.en").unwrap_err();
    assert!(
        e.contains("`title` is a single value, it has no fields"),
        "{e}"
    );
    let e = kind("owner.addresses[0].spot").unwrap_err();
    assert!(e.contains("is an object: map its fields"), "{e}");
    let e = kind("events[0]").unwrap_err();
    assert!(e.contains("is an item of the list `events[]`"), "{e}");
    let e = kind("owner.addresses[0].street").unwrap_err();
    assert!(
        e.contains("not a field of a IngestFixture")
            && e.contains("owner.addresses[i].spot.country")
            && e.contains("events[i].steps[i].cost"),
        "{e}"
    );

    assert_eq!(lists(&doc), ["owner.addresses", "events"]);
    assert_eq!(list_max(&doc, "owner.addresses"), Some(3));
    assert_eq!(list_max(&doc, "events"), Some(2));
    assert_eq!(list_max(&doc, "events.steps"), None);
    assert_eq!(list_max(&doc, "owner"), None);
    assert_eq!(
        fields_of_kind(&doc, Kind::Date),
        ["owner.addresses[i].spot.since", "events[i].day"]
    );
}

#[test]
fn nested_lists_and_objects_map() {
    let doc = fixture();
    let m = Mapping::parse(
        "nested.toml",
        r#"format = 1
document = "IngestFixture"
[record]
id = { from = "id" }
[fields]
"title" = { from = "title" }
"owner.ownerName" = { languages = { en = "name_en", fr = "name_fr" } }
"events[1].day" = { from = "second.day", date = "%d/%m/%Y" }
"events[1].steps[2].count" = { from = "second.count" }
"events[1].steps[2].cost" = { template = "{second.cost} MUR" }
"events[1].steps[0].count" = { value = "7" }
[each."owner.addresses"]
from = "addresses"
fields."locality" = { from = "town" }
fields."spot.country" = { from = "country", case = "upper" }
fields."spot.since" = { from = "since", date = "%d/%m/%Y" }
"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.document_type(), doc);
    let record = json!({
        "id": "N1", "title": "Nested", "name_en": "Owner", "name_fr": "Propriétaire",
        "second": {"day": "02/01/2024", "count": " 12 ", "cost": "10.50"},
        "addresses": [
            {"town": "Curepipe", "country": "mu", "since": "01/02/2020"},
            {"town": "Moka", "country": "mu"}
        ]
    });
    let mapped = m.apply(&record).unwrap_or_else(|f| panic!("{f:?}"));
    let v = mapped.document.subject().unwrap();
    assert_eq!(
        v["owner"]["ownerName"],
        json!({"en": "Owner", "fr": "Propriétaire"})
    );
    assert_eq!(v["owner"]["addresses"][0]["spot"]["country"], "MU");
    assert_eq!(v["owner"]["addresses"][0]["spot"]["since"], "2020-02-01");
    assert_eq!(v["owner"]["addresses"][1]["locality"], "Moka");
    // events[0] was not mapped: the list closes up
    let events = v["events"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["day"], "2024-01-02");
    assert_eq!(events[0]["steps"][0]["count"], json!(7));
    assert_eq!(events[0]["steps"][1]["count"], json!(12));
    assert_eq!(
        events[0]["steps"][1]["cost"],
        json!({"value": "10.50", "currency": "MUR"})
    );

    // a bad integer and a bad amount are mapping issues naming the field and its source
    let mut bad = record.clone();
    bad["second"]["count"] = json!("twelve");
    bad["second"]["cost"] = json!("10,50");
    bad["addresses"][1]["since"] = json!("2020-13-01");
    let f = m.apply(&bad).unwrap_err();
    let issues: Vec<(&str, Option<&str>)> = f
        .issues
        .iter()
        .map(|i| (i.field.as_str(), i.source_field.as_deref()))
        .collect();
    assert_eq!(
        issues,
        [
            ("events[1].steps[2].cost", Some("second.cost")),
            ("events[1].steps[2].count", Some("second.count")),
            ("owner.addresses[1].spot.since", Some("since")),
        ]
    );
    assert!(f.issues[0].reason.contains("`10,50 MUR` is not an amount"));
    assert!(f.issues[1].reason.contains("`twelve` is not an integer"));

    // the profile's checks name the field by its path, and the source feeding it
    let mut bad = record.clone();
    bad["second"]["count"] = json!("100");
    let f = m.apply(&bad).unwrap_err();
    assert_eq!(f.stage, Stage::Validation);
    assert_eq!(f.issues[0].field, "events[0].steps[1].count");
    assert!(f.issues[0].reason.contains("outside"), "{:?}", f.issues[0]);
    let mut bad = record;
    bad["addresses"][0]["country"] = json!("Mauritius");
    let f = m.apply(&bad).unwrap_err();
    assert_eq!(f.issues[0].field, "owner.addresses[0].spot.country");
    assert_eq!(
        f.issues[0].source_field.as_deref(),
        Some("addresses[0].country")
    );
}

#[test]
fn nested_mapping_mistakes() {
    fixture();
    let head = "format = 1\ndocument = \"IngestFixture\"\n[record]\nid = { from = \"id\" }\n";
    let e = err(&format!(
        "{head}[fields]\n\"events[0].steps[0].count\" = {{ value = \"x\" }}\n"
    ));
    assert!(e.message.contains("`value`: `x` is not an integer"), "{e}");
    let e = err(&format!(
        "{head}[fields]\n\"events[0].steps[0].cost\" = {{ from = \"c\", default = \"12\" }}\n"
    ));
    assert!(
        e.message
            .contains("`default`: `12` is not an amount such as `1234.50 MUR`"),
        "{e}"
    );
    let e = err(&format!(
        "{head}[fields]\n\"title\" = {{ from = \"t\", date = \"%d/%m/%Y\" }}\n"
    ));
    assert!(
        e.message.contains(
            "`date` formats are only for date fields: those of a IngestFixture: owner.addresses[i].spot.since, events[i].day"
        ),
        "{e}"
    );
    let e = err(&format!(
        "{head}[fields]\n\"title\" = {{ from = \"t\", time = \"%H:%M\" }}\n"
    ));
    assert!(
        e.message
            .contains("`time` formats are only for time fields: those of a IngestFixture: events[i].steps[i].at"),
        "{e}"
    );
    let e = err(&format!(
        "{head}[fields]\n\"title\" = {{ languages = {{ en = \"t\" }} }}\n"
    ));
    assert!(
        e.message.contains("only for language-map fields (names, titles): those of a IngestFixture: owner.ownerName"),
        "{e}"
    );
    let e = err(&format!(
        "{head}[each.\"events.steps\"]\nfrom = \"s\"\nfields.\"at\" = {{ from = \"a\" }}\n"
    ));
    assert!(
        e.message.contains(
            "`events.steps` is not a list of this document (lists: owner.addresses, events)"
        ),
        "{e}"
    );
    let e = err(&format!(
        "{head}[fields]\n\"owner.addresses[0].locality\" = {{ from = \"t\" }}\n[each.\"owner.addresses\"]\nfrom = \"a\"\nfields.\"locality\" = {{ from = \"t\" }}\n"
    ));
    assert!(
        e.message
            .contains("`owner.addresses` is mapped both by [each.\"owner.addresses\"] and by `owner.addresses[i]` fields"),
        "{e}"
    );
    let e = err(&format!(
        "{head}[each.events]\nfrom = \"e\"\nfields.\"steps[4].at\" = {{ from = \"a\" }}\n"
    ));
    assert!(
        e.message
            .contains("`events[0].steps` has at most 4 entries"),
        "{e}"
    );
}

#[test]
fn pointers_become_target_paths() {
    use super::issues::field_path;
    assert_eq!(
        field_path("/registration/registrationDate"),
        "registration.registrationDate"
    );
    assert_eq!(field_path("/spouses/1/birthDate"), "spouses[1].birthDate");
    assert_eq!(
        field_path("/events/0/steps/2/cost/value"),
        "events[0].steps[2].cost.value"
    );
    assert_eq!(field_path("/a~1b/c~0d"), "a/b.c~d");
    assert_eq!(field_path(""), "record");
    assert_eq!(field_path("type"), "type");
}
