//! Input made to hurt: deep nesting, garbage, huge lists. The loader and the validation answer
//! (an error or a verdict), never panic, and take time linear in the input.

use std::time::Instant;

use civitas_profile::{BUNDLED, Profile};
use serde_json::{Value, json};

use crate::common::profile;

#[test]
fn deep_or_broken_toml_is_an_error_not_a_crash() {
    let inputs = [
        "a = ".to_owned() + &"[".repeat(100_000),
        "a = ".to_owned() + &"{b = ".repeat(100_000),
        "[".repeat(50_000),
        "format = 1\n".to_owned(),
        "\u{0}\u{feff}format = 1".to_owned(),
        String::new(),
    ];
    for text in &inputs {
        let e = Profile::from_toml(text, "x.toml").unwrap_err();
        assert!(!e.to_string().is_empty());
    }
    // Every bundled profile cut short at every line: an error with a line, never a panic.
    for (_, text) in BUNDLED {
        let lines: Vec<&str> = text.lines().collect();
        for n in (0..lines.len()).step_by(7) {
            let cut = lines[..n].join("\n");
            if let Err(e) = Profile::from_toml(&cut, "cut.toml") {
                assert!(e.line <= n + 1, "{e}");
            }
        }
    }
}

#[test]
fn validation_of_any_json_reports_and_never_panics() {
    for (name, _) in BUNDLED {
        let p = profile(name);
        for subject in [
            json!(null),
            json!([]),
            json!("x"),
            json!({}),
            json!({"type": 1, "id": 5, "spouses": [1, null, {"type": []}], "earnings": {}}),
            json!({"registration": {"registrationDate": "2024-02-30"}, "birthDate": "2024-13-01"}),
            json!({"grossPay": {"value": "99999999999999999999", "currency": "MUR"},
                   "netPay": {"value": "1", "currency": "MUR"}, "earnings": [{"amount": 1}]}),
        ] {
            let _ = p.validate(&subject);
        }
    }
}

fn person(i: usize) -> Value {
    json!({"type": "Person", "givenName": format!("G{i}"), "familyName": "F", "nationalId": format!("N{i}")})
}

#[test]
fn rules_over_long_lists_take_linear_time() {
    // 20,000 witnesses (the schema allows 10; the rules still run), the last a spouse, and 20,000
    // categories: the
    // distinct and before/after rules look values up instead of comparing every pair.
    let marriage = profile("marriage-certificate");
    let mut subject = marriage.sample();
    subject["witnesses"] = Value::Array((0..20_000).map(person).collect());
    subject["witnesses"][19_999]["nationalId"] = json!("D1705199401234");
    let started = Instant::now();
    let errors = marriage.validate(&subject);
    let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
    assert_eq!(pointers, ["/witnesses", "/witnesses/19999/nationalId"]);
    let licence = profile("driving-licence");
    let mut subject = licence.sample();
    let category = json!({"type": "DrivingCategory", "categoryCode": "B", "issueDate": "2020-01-01", "expiryDate": "2021-01-01"});
    subject["categories"] = Value::Array(vec![category; 20_000]);
    subject["categories"][123]["expiryDate"] = json!("2019-01-01");
    let errors = licence.validate(&subject);
    let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
    assert_eq!(pointers, ["/categories", "/categories/123/expiryDate"]);
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
}
