//! The bundled birth and marriage profiles against what civitas writes by hand today: the
//! civil-registry JSON-LD context, the two JSON Schemas (behaviour on the samples and on broken
//! variants), the CV1 key table civitas-qr and the ingestion targets civitas-infohighway had
//! by hand (both frozen in tests/fixtures/), and the VC 2.0 protected terms.

use std::collections::{BTreeMap, BTreeSet};

use civitas_profile::protected::VC2_PROTECTED_TERMS;
use civitas_profile::{Cv1Table, Profile, merged_context};
use regex::Regex;
use serde_json::{Value, json};

use crate::common::{profile, repo_file, repo_json};

/// A term definition reduced to what it means: IRI, `@type`, `@container`.
fn meaning(def: &Value) -> (String, Option<String>, Option<String>) {
    match def {
        Value::String(iri) => (iri.clone(), None, None),
        Value::Object(o) => {
            let extra: BTreeSet<&String> = o
                .keys()
                .filter(|k| !["@id", "@type", "@container"].contains(&k.as_str()))
                .collect();
            assert!(extra.is_empty(), "unexpected keys {extra:?} in {def}");
            let s = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_owned);
            (s("@id").unwrap_or_default(), s("@type"), s("@container"))
        }
        other => panic!("not a term definition: {other}"),
    }
}

fn terms(context: &Value) -> BTreeMap<String, (String, Option<String>, Option<String>)> {
    context["@context"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| !k.starts_with('@'))
        .map(|(k, v)| (k.clone(), meaning(v)))
        .collect()
}

#[test]
fn the_civil_registry_context_is_the_union_of_the_birth_and_marriage_contexts() {
    let birth = profile("birth-certificate");
    let marriage = profile("marriage-certificate");
    let existing = repo_json("crates/jsonld/contexts/civil-registry-v1.jsonld");
    let derived = merged_context(&[&birth, &marriage]).unwrap();
    assert_eq!(
        derived["@context"]["@protected"],
        existing["@context"]["@protected"]
    );
    assert_eq!(
        derived["@context"]["@version"],
        existing["@context"]["@version"]
    );
    let want = terms(&existing);
    let got = terms(&derived);
    let want_names: BTreeSet<_> = want.keys().collect();
    let got_names: BTreeSet<_> = got.keys().collect();
    assert_eq!(
        got_names
            .symmetric_difference(&want_names)
            .collect::<Vec<_>>(),
        Vec::<&&String>::new(),
        "same terms"
    );
    for (term, meaning) in &want {
        assert_eq!(
            &got[term], meaning,
            "term `{term}`: (IRI, @type, @container)"
        );
    }
    // Each profile's own context is a part of it, with the same definitions.
    for p in [&birth, &marriage] {
        for (term, meaning) in terms(&p.context()) {
            assert_eq!(
                want.get(&term),
                Some(&meaning),
                "{}: {term}",
                p.document.type_name
            );
        }
        assert_eq!(
            p.document.context_url,
            "https://w3id.org/civitas/civil-registry/v1"
        );
    }
}

#[test]
fn profiles_with_different_context_urls_or_definitions_do_not_merge() {
    let birth = profile("birth-certificate");
    let death = profile("death-certificate");
    assert!(merged_context(&[&birth, &death]).is_err());
    let mut other = profile("marriage-certificate");
    other
        .vocabulary
        .terms
        .insert("givenName".into(), "https://example.org/givenName".into());
    let e = merged_context(&[&birth, &other]).unwrap_err();
    assert!(e.contains("givenName"), "{e}");
}

/// A change to a credential: set the member at a pointer, or remove it (`None`).
type Change = (&'static str, Option<Value>);

fn apply(credential: &Value, changes: &[Change]) -> Value {
    let mut out = credential.clone();
    for (pointer, value) in changes {
        let (parent, last) = pointer.rsplit_once('/').unwrap();
        let target = out
            .pointer_mut(parent)
            .unwrap_or_else(|| panic!("{parent}"));
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
            (Value::Array(a), None) => {
                a.remove(last.parse::<usize>().unwrap());
            }
            (other, _) => panic!("cannot change {other}"),
        }
    }
    out
}

fn without_proof(mut credential: Value) -> Value {
    credential.as_object_mut().unwrap().remove("proof");
    credential
}

struct Schemas {
    existing: jsonschema::Validator,
    derived: jsonschema::Validator,
}

fn schemas(profile: &Profile, file: &str) -> Schemas {
    let existing = repo_json(file);
    let derived = profile.json_schema();
    assert_eq!(derived["$id"], existing["$id"]);
    assert_eq!(derived["$schema"], existing["$schema"]);
    Schemas {
        existing: jsonschema::validator_for(&existing).unwrap(),
        derived: jsonschema::validator_for(&derived).unwrap(),
    }
}

/// Both schemas give the same verdict on every variant; when the existing schema refuses a
/// change inside `credentialSubject`, the profile's own validation refuses it too, at or under
/// the changed member.
fn agree(profile: &Profile, schemas: &Schemas, sample: &Value, variants: &[(bool, Vec<Change>)]) {
    for (accepted, changes) in variants {
        let credential = apply(sample, changes);
        let existing = schemas.existing.is_valid(&credential);
        let derived = schemas.derived.is_valid(&credential);
        assert_eq!(existing, *accepted, "existing schema on {changes:?}");
        assert_eq!(derived, existing, "derived schema on {changes:?}");
        let pointer = changes.first().map_or("/credentialSubject", |c| c.0);
        if let Some(inner) = pointer.strip_prefix("/credentialSubject") {
            let errors = profile.validate(&credential["credentialSubject"]);
            if existing {
                assert!(errors.is_empty(), "{changes:?}: {errors:?}");
            } else {
                assert!(
                    errors
                        .iter()
                        .any(|e| e.pointer.starts_with(inner) || inner.starts_with(&e.pointer)),
                    "{changes:?}: the profile reports {errors:?}"
                );
            }
        }
    }
}

fn long(n: usize) -> Value {
    json!("a".repeat(n))
}

#[test]
fn the_derived_birth_schema_accepts_and_refuses_what_the_bundled_one_does() {
    let birth = profile("birth-certificate");
    let schemas = schemas(
        &birth,
        "crates/profile/tests/fixtures/birth-certificate.schema-v1.json",
    );
    for file in ["unsigned.json", "unsigned-p256.json", "signed-di.json"] {
        let sample = without_proof(repo_json(&format!(
            "vectors/civitas/birth-certificate/{file}"
        )));
        assert!(schemas.existing.is_valid(&sample) && schemas.derived.is_valid(&sample));
        assert_eq!(birth.validate(&sample["credentialSubject"]), vec![]);
    }
    let sample = without_proof(repo_json("vectors/civitas/birth-certificate/unsigned.json"));
    let s = |p: &'static str, v: Value| (p, Some(v));
    let variants: Vec<(bool, Vec<Change>)> = vec![
        (true, vec![]),
        (
            true,
            vec![s(
                "/credentialSubject/id",
                json!("did:key:z6MkrJcuCDcoALJYLUkXZAGbvN5dcuyN9pv6asrSQfJ4spgk"),
            )],
        ),
        (
            true,
            vec![
                ("/credentialSubject/birthTime", None),
                ("/credentialSubject/mother", None),
                ("/credentialSubject/father", None),
            ],
        ),
        (
            true,
            vec![s(
                "/credentialSubject/givenName",
                json!({"en": "Mary", "fr": "Marie", "mfe": "Mari"}),
            )],
        ),
        (true, vec![s("/credentialSubject/givenName", long(200))]),
        (
            true,
            vec![
                s(
                    "/credentialSubject/birthPlace/district",
                    json!("Port Louis"),
                ),
                ("/credentialSubject/birthPlace/name", None),
            ],
        ),
        (
            true,
            vec![s("/credentialSubject/mother/nationalId", json!("A-1"))],
        ),
        (
            true,
            vec![s("/credentialSubject/birthTime", json!("14:35:00.5"))],
        ),
        (false, vec![("/credentialSubject/givenName", None)]),
        (false, vec![("/credentialSubject/registration", None)]),
        (false, vec![("/credentialSubject/type", None)]),
        (false, vec![s("/credentialSubject/type", json!("Marriage"))]),
        (false, vec![s("/credentialSubject/sex", json!("Q"))]),
        (false, vec![s("/credentialSubject/sex", json!("f"))]),
        (
            false,
            vec![s("/credentialSubject/birthDate", json!("28-02-2024"))],
        ),
        (
            false,
            vec![s("/credentialSubject/birthDate", json!(20240228))],
        ),
        (false, vec![s("/credentialSubject/birthTime", json!("2pm"))]),
        (false, vec![s("/credentialSubject/extra", json!("x"))]),
        (false, vec![s("/credentialSubject/givenName", json!(""))]),
        (
            false,
            vec![s("/credentialSubject/givenName", json!(" Marie"))],
        ),
        (false, vec![s("/credentialSubject/givenName", long(201))]),
        (false, vec![s("/credentialSubject/givenName", json!(5))]),
        (false, vec![s("/credentialSubject/givenName", json!({}))]),
        (
            false,
            vec![s("/credentialSubject/givenName", json!({"e n": "Marie"}))],
        ),
        (
            false,
            vec![s("/credentialSubject/givenName", json!({"en": "Marie "}))],
        ),
        (false, vec![s("/credentialSubject/id", json!("not-a-did"))]),
        (
            false,
            vec![s(
                "/credentialSubject/id",
                json!(format!("did:web:{}", "a".repeat(600))),
            )],
        ),
        (
            false,
            vec![s(
                "/credentialSubject/birthPlace/addressCountry",
                json!("mu"),
            )],
        ),
        (
            false,
            vec![s("/credentialSubject/birthPlace/type", json!("Person"))],
        ),
        (false, vec![("/credentialSubject/birthPlace/type", None)]),
        (
            false,
            vec![("/credentialSubject/birthPlace/addressLocality", None)],
        ),
        (
            false,
            vec![s(
                "/credentialSubject/birthPlace/street",
                json!("Royal Road"),
            )],
        ),
        (
            false,
            vec![s("/credentialSubject/mother", json!("Anne Lebon"))],
        ),
        (
            false,
            vec![s("/credentialSubject/mother/nationalId", json!("L 0101"))],
        ),
        (
            false,
            vec![s("/credentialSubject/mother/nationalId", long(33))],
        ),
        (
            false,
            vec![s("/credentialSubject/mother/nationality", json!("MUS"))],
        ),
        (
            false,
            vec![s(
                "/credentialSubject/mother/birthDate",
                json!("1985-01-01"),
            )],
        ),
        (false, vec![("/credentialSubject/father/familyName", None)]),
        (
            false,
            vec![("/credentialSubject/registration/registrar", None)],
        ),
        (
            false,
            vec![s("/credentialSubject/registration/district", json!(""))],
        ),
        (
            false,
            vec![s(
                "/credentialSubject/registration/registrationDate",
                json!("2024/03/01"),
            )],
        ),
        (
            false,
            vec![s(
                "/credentialSubject/registration/type",
                json!("Registration"),
            )],
        ),
        (false, vec![s("/type", json!(["VerifiableCredential"]))]),
        (
            false,
            vec![s(
                "/type",
                json!(["VerifiableCredential", "MarriageCertificate"]),
            )],
        ),
        (
            false,
            vec![s(
                "/@context",
                json!(["https://www.w3.org/ns/credentials/v2"]),
            )],
        ),
        (
            false,
            vec![s(
                "/@context",
                json!([
                    "https://w3id.org/civitas/civil-registry/v1",
                    "https://www.w3.org/ns/credentials/v2"
                ]),
            )],
        ),
        (false, vec![s("/issuer", json!(5))]),
        (false, vec![s("/issuer", json!({"name": "x"}))]),
        (
            true,
            vec![s("/issuer", json!({"id": "did:web:example.org"}))],
        ),
        (
            false,
            vec![s(
                "/credentialSchema",
                json!({"id": "https://example.org/s.json", "type": "JsonSchema"}),
            )],
        ),
        (
            true,
            vec![s(
                "/credentialSchema",
                json!([{"id": "https://w3id.org/civitas/civil-registry/v1/birth-certificate.schema.json", "type": "JsonSchema"}]),
            )],
        ),
        (false, vec![s("/id", json!("no scheme"))]),
        (false, vec![("/credentialSubject", None)]),
    ];
    agree(&birth, &schemas, &sample, &variants);
}

#[test]
fn the_derived_marriage_schema_accepts_and_refuses_what_the_bundled_one_does() {
    let marriage = profile("marriage-certificate");
    let schemas = schemas(
        &marriage,
        "crates/profile/tests/fixtures/marriage-certificate.schema-v1.json",
    );
    for file in ["unsigned.json", "unsigned-p256.json", "signed-di.json"] {
        let sample = without_proof(repo_json(&format!(
            "vectors/civitas/marriage-certificate/{file}"
        )));
        assert!(schemas.existing.is_valid(&sample) && schemas.derived.is_valid(&sample));
        assert_eq!(marriage.validate(&sample["credentialSubject"]), vec![]);
    }
    let sample = without_proof(repo_json(
        "vectors/civitas/marriage-certificate/unsigned.json",
    ));
    let witness = json!({"type": "Person", "givenName": "W", "familyName": "X"});
    let s = |p: &'static str, v: Value| (p, Some(v));
    let variants: Vec<(bool, Vec<Change>)> = vec![
        (true, vec![]),
        (
            true,
            vec![s(
                "/credentialSubject/spouses/0/id",
                json!("did:key:z6MkrJcuCDcoALJYLUkXZAGbvN5dcuyN9pv6asrSQfJ4spgk"),
            )],
        ),
        (
            true,
            vec![s(
                "/credentialSubject/spouses/1/familyNameAfterMarriage",
                json!({"en": "Doorgah", "fr": "Doorgah"}),
            )],
        ),
        (
            true,
            vec![
                ("/credentialSubject/spouses/0/sex", None),
                ("/credentialSubject/spouses/0/birthDate", None),
            ],
        ),
        (
            true,
            vec![s("/credentialSubject/witnesses/2", witness.clone())],
        ),
        (false, vec![("/credentialSubject/spouses/1", None)]),
        (
            false,
            vec![s(
                "/credentialSubject/spouses/2",
                json!({"type": "Person", "givenName": "A", "familyName": "B"}),
            )],
        ),
        (false, vec![s("/credentialSubject/spouses", json!({}))]),
        (false, vec![("/credentialSubject/witnesses/1", None)]),
        (
            false,
            vec![s(
                "/credentialSubject/witnesses",
                json!(vec![witness.clone(); 11]),
            )],
        ),
        (
            true,
            vec![s(
                "/credentialSubject/witnesses",
                json!(vec![witness.clone(); 10]),
            )],
        ),
        (
            false,
            vec![s("/credentialSubject/spouses/0/extra", json!(1))],
        ),
        (
            false,
            vec![s("/credentialSubject/spouses/0/id", json!("x"))],
        ),
        (
            false,
            vec![s("/credentialSubject/spouses/0/sex", json!("Z"))],
        ),
        (
            false,
            vec![s(
                "/credentialSubject/spouses/0/birthDate",
                json!("17/05/1994"),
            )],
        ),
        (
            false,
            vec![s("/credentialSubject/spouses/0/type", json!("Place"))],
        ),
        (
            false,
            vec![s(
                "/credentialSubject/witnesses/0/birthDate",
                json!("1970-01-01"),
            )],
        ),
        (
            false,
            vec![s(
                "/credentialSubject/witnesses/0/id",
                json!("did:key:z6Mk"),
            )],
        ),
        (false, vec![("/credentialSubject/officer", None)]),
        (
            false,
            vec![s("/credentialSubject/officer", json!({"en": "R. Bholah"}))],
        ),
        (false, vec![("/credentialSubject/marriagePlace/type", None)]),
        (
            false,
            vec![s("/credentialSubject/marriageDate", json!("2025-6-14"))],
        ),
        (false, vec![s("/credentialSubject/type", json!("Person"))]),
        (
            false,
            vec![s("/credentialSubject/birthDate", json!("2025-06-14"))],
        ),
        (
            false,
            vec![s(
                "/type",
                json!(["VerifiableCredential", "BirthCertificate"]),
            )],
        ),
    ];
    agree(&marriage, &schemas, &sample, &variants);
}

/// The rules a schema cannot express: the schemas accept these, the profiles refuse them at the
/// pointer the core model names (civitas_core::model: `father.nationalId`, `spouses[1]`, …).
#[test]
fn the_record_rules_are_reported_where_the_model_reports_them() {
    let birth = profile("birth-certificate");
    let marriage = profile("marriage-certificate");
    let b = repo_json("vectors/civitas/birth-certificate/unsigned.json");
    let m = repo_json("vectors/civitas/marriage-certificate/unsigned.json");
    let cases: Vec<(&Profile, &Value, Vec<Change>, &str)> = vec![
        (
            &birth,
            &b,
            vec![("/credentialSubject/birthDate", Some(json!("2999-01-01")))],
            "/birthDate",
        ),
        (
            &birth,
            &b,
            vec![(
                "/credentialSubject/registration/registrationDate",
                Some(json!("2024-02-27")),
            )],
            "/registration/registrationDate",
        ),
        (
            &birth,
            &b,
            vec![(
                "/credentialSubject/father/nationalId",
                Some(json!("L0101198512345")),
            )],
            "/father/nationalId",
        ),
        (
            &marriage,
            &m,
            vec![("/credentialSubject/marriageDate", Some(json!("2999-01-01")))],
            "/marriageDate",
        ),
        (
            &marriage,
            &m,
            vec![(
                "/credentialSubject/spouses/1/birthDate",
                Some(json!("2025-06-14")),
            )],
            "/spouses/1/birthDate",
        ),
        (
            &marriage,
            &m,
            vec![(
                "/credentialSubject/spouses/1/nationalId",
                Some(json!("D1705199401234")),
            )],
            "/spouses/1/nationalId",
        ),
        (
            &marriage,
            &m,
            vec![(
                "/credentialSubject/spouses/1",
                Some(
                    json!({"type": "Person", "givenName": "Anil", "familyName": "Doorgah", "birthDate": "1994-05-17"}),
                ),
            )],
            "/spouses/1",
        ),
        (
            &marriage,
            &m,
            vec![(
                "/credentialSubject/witnesses/1/nationalId",
                Some(json!("L0211199605678")),
            )],
            "/witnesses/1/nationalId",
        ),
        (
            &marriage,
            &m,
            vec![(
                "/credentialSubject/witnesses/0",
                Some(json!({"type": "Person", "givenName": "Sophie", "familyName": "Li"})),
            )],
            "/witnesses/0",
        ),
        (
            &marriage,
            &m,
            vec![(
                "/credentialSubject/registration/registrationDate",
                Some(json!("2025-06-13")),
            )],
            "/registration/registrationDate",
        ),
    ];
    for (p, sample, changes, pointer) in cases {
        let credential = apply(sample, &changes);
        let errors = p.validate(&credential["credentialSubject"]);
        // The model stops at its first error; the profile reports every one, the same first.
        assert_eq!(
            errors.first().map(|e| e.pointer.as_str()),
            Some(pointer),
            "{changes:?}: {errors:?}"
        );
    }
}

/// civitas-qr's hand-written key table (table version 1), as it was before the table was
/// derived from the profiles: frozen in tests/fixtures/cv1-table-v1.rs.txt, a verbatim copy of
/// that part of crates/qr/src/compact/claims.rs.
struct QrTable {
    keys: Vec<(u64, String, String)>,
    types: BTreeMap<u64, String>,
    documents: BTreeMap<u64, String>,
    implied: BTreeMap<String, String>,
    subject_types: BTreeMap<String, String>,
}

fn qr_table() -> QrTable {
    let source = repo_file("crates/profile/tests/fixtures/cv1-table-v1.rs.txt");
    let section = |start: &str| -> String {
        let from = source.find(start).unwrap_or_else(|| panic!("{start}"));
        let rest = &source[from..];
        let end = if start.contains("const") { "];" } else { "\n}" };
        rest[..rest.find(end).unwrap()].to_owned()
    };
    let keys_re = Regex::new(r#"\((\d+), "(\w+)", Kind::(\w+)\)"#).unwrap();
    let keys = keys_re
        .captures_iter(&section("pub const SUBJECT_KEYS"))
        .map(|c| (c[1].parse().unwrap(), c[2].to_owned(), c[3].to_owned()))
        .collect();
    let pair_re = Regex::new(r#"\((\d+), "(\w+)"\)"#).unwrap();
    let types = pair_re
        .captures_iter(&section("pub const TYPE_NAMES"))
        .map(|c| (c[1].parse().unwrap(), c[2].to_owned()))
        .collect();
    let doc_re = Regex::new(r"\((\d+), DocumentType::(\w+)\)").unwrap();
    let documents = doc_re
        .captures_iter(&section("pub const DOCUMENT_TYPES"))
        .map(|c| (c[1].parse().unwrap(), c[2].to_owned()))
        .collect();
    let arm_re = Regex::new(r#"((?:"\w+"(?:\s*\|\s*)?)+)\s*=>\s*Some\("(\w+)"\)"#).unwrap();
    let member_re = Regex::new(r#""(\w+)""#).unwrap();
    let mut implied = BTreeMap::new();
    for c in arm_re.captures_iter(&section("pub fn default_type")) {
        for m in member_re.captures_iter(&c[1]) {
            implied.insert(m[1].to_owned(), c[2].to_owned());
        }
    }
    let subject_re = Regex::new(r#"DocumentType::(\w+) => "(\w+)""#).unwrap();
    let subject_types = subject_re
        .captures_iter(&section("pub fn subject_type"))
        .map(|c| (c[1].to_owned(), c[2].to_owned()))
        .collect();
    QrTable {
        keys,
        types,
        documents,
        implied,
        subject_types,
    }
}

#[test]
fn the_cv1_key_table_is_civitas_qr_s_key_by_key() {
    let qr = qr_table();
    assert_eq!(qr.keys.len(), 27, "the table was read");
    let tables: Vec<Cv1Table> = ["birth-certificate", "marriage-certificate"]
        .iter()
        .map(|n| profile(n).cv1_table().unwrap())
        .collect();
    let merged = Cv1Table::merged(&tables).unwrap();
    let derived: Vec<(u64, String, String)> = merged
        .keys
        .iter()
        .map(|k| (k.key, k.member.clone(), format!("{:?}", k.kind)))
        .collect();
    for (want, got) in qr.keys.iter().zip(&derived) {
        assert_eq!(want, got, "key by key");
    }
    assert_eq!(derived.len(), qr.keys.len());
    assert_eq!(merged.types, qr.types);
    assert_eq!(merged.documents, qr.documents);
    assert_eq!(merged.implied, qr.implied);
    assert_eq!(merged.subject_types, qr.subject_types);
    // The table of every known type (what civitas-qr encodes with) keeps every key and code of
    // table version 1: a CV1 text made before the other types existed reads the same.
    let registry = civitas_profile::known();
    let all = registry.cv1();
    for (key, member, kind) in &qr.keys {
        let row = all.keys.iter().find(|k| k.key == *key);
        assert_eq!(
            row.map(|k| (k.member.clone(), format!("{:?}", k.kind))),
            Some((member.clone(), kind.clone())),
            "key {key}"
        );
    }
    for (code, name) in &qr.types {
        assert_eq!(all.types.get(code), Some(name), "type code {code}");
    }
    for (code, name) in &qr.documents {
        assert_eq!(all.documents.get(code), Some(name), "document code {code}");
    }
    for (member, class) in &qr.implied {
        assert_eq!(all.implied.get(member), Some(class), "`{member}`");
    }
    for (document, class) in &qr.subject_types {
        assert_eq!(all.subject_types.get(document), Some(class), "{document}");
    }
    // Per profile, every field path has its member's key.
    let birth = profile("birth-certificate");
    let keys: BTreeMap<String, u64> = birth
        .cv1_path_keys()
        .into_iter()
        .map(|(p, k)| (p.to_string(), k))
        .collect();
    assert_eq!(keys["registration.registrationDate"], 24);
    assert_eq!(keys["mother.givenName"], 3);
    assert_eq!(keys.len(), birth.field_paths().len());
}

#[test]
fn the_protected_terms_are_those_of_the_bundled_vc2_context() {
    let context = repo_json("crates/jsonld/contexts/credentials-v2.jsonld");
    let mut found: BTreeMap<String, Option<String>> = BTreeMap::new();
    fn walk(ctx: &Value, top: bool, found: &mut BTreeMap<String, Option<String>>) {
        for (term, def) in ctx.as_object().unwrap() {
            if term.starts_with('@') {
                continue;
            }
            let plain = def
                .as_str()
                .filter(|s| !s.starts_with('@'))
                .map(str::to_owned);
            if top {
                found.insert(term.clone(), plain);
            } else {
                found.entry(term.clone()).or_insert(None);
            }
            if let Some(scoped) = def.get("@context").filter(|c| c.is_object()) {
                walk(scoped, false, found);
            }
        }
    }
    walk(&context["@context"], true, &mut found);
    let table: BTreeMap<String, Option<String>> = VC2_PROTECTED_TERMS
        .iter()
        .map(|(t, iri)| ((*t).to_owned(), iri.map(str::to_owned)))
        .collect();
    assert_eq!(table, found);
    for term in [
        "id",
        "type",
        "issuer",
        "credentialSubject",
        "validFrom",
        "validUntil",
        "proof",
    ] {
        assert!(table.contains_key(term), "{term}");
    }
}

#[test]
fn the_derived_schemas_are_the_bundled_files_but_for_an_unused_definition() {
    for (name, unused) in [
        ("birth-certificate", None),
        ("marriage-certificate", Some("time")),
    ] {
        let mut existing = repo_json(&format!(
            "crates/profile/tests/fixtures/{name}.schema-v1.json"
        ));
        if let Some(def) = unused {
            // The hand-written marriage schema defines `time` and never refers to it; a
            // derived schema only defines what it uses.
            let text = serde_json::to_string(&existing).unwrap();
            assert!(
                !text.contains(&format!("#/$defs/{def}\"")),
                "{name}: {def} is used"
            );
            existing["$defs"].as_object_mut().unwrap().remove(def);
        }
        assert_eq!(profile(name).json_schema(), existing, "{name}");
    }
}

/// civitas-infohighway's hand-written target fields of a document type, as they were before
/// they were derived from the profiles: (path with `[]` for list items, kind, list maximum).
/// Frozen in tests/fixtures/infohighway-fields-v1.rs.txt, a verbatim copy of that part of
/// crates/infohighway/src/mapping/fields.rs.
fn infohighway_targets(document: &str) -> BTreeSet<(String, String, Option<u64>)> {
    let source = repo_file("crates/profile/tests/fixtures/infohighway-fields-v1.rs.txt");
    let const_re = Regex::new(r"const (\w+): &\[\(&str, Kind\)\] = &\[([^\]]*)\];").unwrap();
    let member_re = Regex::new(r#"\("(\w+)", Kind::(\w+)\)"#).unwrap();
    let mut shapes: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for c in const_re.captures_iter(&source) {
        let members = member_re
            .captures_iter(&c[2])
            .map(|m| (m[1].to_owned(), m[2].to_owned()))
            .collect();
        shapes.insert(c[1].to_owned(), members);
    }
    let top = &source[source.find("pub(super) fn top_level").unwrap()..];
    let top = &top[..top.find("\n}").unwrap()];
    let common = &top[..top.find("match doc").unwrap()];
    let this = &top[top.find(&format!("DocumentType::{document} =>")).unwrap()..];
    let this = &this[..this.find("},").unwrap()];
    let arm_re = Regex::new(
        r#"((?:"\w+"\s*\|?\s*)+)=>\s*Some\((?:Leaf\(Kind::(\w+)\)|Object\((\w+)\)|Array\((\w+), (\d+)\))\)"#,
    )
    .unwrap();
    let name_re = Regex::new(r#""(\w+)""#).unwrap();
    let mut out = BTreeSet::new();
    for arms in [common, this] {
        for c in arm_re.captures_iter(arms) {
            for n in name_re.captures_iter(&c[1]) {
                let name = &n[1];
                if let Some(kind) = c.get(2) {
                    out.insert((name.to_owned(), kind.as_str().to_owned(), None));
                } else if let Some(shape) = c.get(3) {
                    for (m, k) in &shapes[shape.as_str()] {
                        out.insert((format!("{name}.{m}"), k.clone(), None));
                    }
                } else {
                    let max: u64 = c[5].parse().unwrap();
                    for (m, k) in &shapes[&c[4]] {
                        out.insert((format!("{name}[].{m}"), k.clone(), Some(max)));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn the_ingestion_targets_are_civitas_infohighway_s_fields() {
    for (name, document) in [
        ("birth-certificate", "BirthCertificate"),
        ("marriage-certificate", "MarriageCertificate"),
    ] {
        let want = infohighway_targets(document);
        assert!(want.len() > 10, "{document}: the table was read");
        let got: BTreeSet<(String, String, Option<u64>)> = profile(name)
            .ingestion_targets()
            .into_iter()
            .map(|t| {
                let kind = match t.kind {
                    "language-map" => "Name",
                    "date" => "Date",
                    "time" => "Time",
                    _ => "Text",
                };
                (
                    t.path.to_string(),
                    kind.to_owned(),
                    t.list_max.last().copied().flatten(),
                )
            })
            .collect();
        assert_eq!(got, want, "{document}");
    }
}
