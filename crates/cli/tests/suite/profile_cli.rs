//! `civitas profile list|check|show` and `civitas sample TYPE`, run as a ministry's clerk would:
//! the bundled types are known, a profile written for the test is checked (every mistake with
//! its file, line and column), shown, and loaded from a directory.

use crate::common::{civitas, ok};

#[test]
fn profiles_are_listed_checked_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // the seven bundled types
    let listed: serde_json::Value =
        serde_json::from_str(&ok(&civitas(&["profile", "list", "--json"], d))).unwrap();
    let types: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["type"].as_str().unwrap())
        .collect();
    for t in [
        "BirthCertificate",
        "MarriageCertificate",
        "DeathCertificate",
        "DrivingLicence",
        "AcademicCertificate",
        "Payslip",
        "VaccinationCertificate",
    ] {
        assert!(types.contains(&t), "{t} in {types:?}");
    }

    // a profile written for the test: valid, shown, loaded from a directory
    std::fs::create_dir(d.join("profiles")).unwrap();
    let text = civitas_testkit::samples::test_profile("CliTestBurialPermit", 210);
    let file = d.join("profiles/burial-permit.toml");
    std::fs::write(&file, &text).unwrap();
    let checked = ok(&civitas(
        &["profile", "check", "profiles/burial-permit.toml"],
        d,
    ));
    assert!(
        checked.contains("a valid profile of CliTestBurialPermit"),
        "{checked}"
    );
    let sample: serde_json::Value = serde_json::from_str(&ok(&civitas(
        &["profile", "show", "profiles/burial-permit.toml", "--sample"],
        d,
    )))
    .unwrap();
    assert_eq!(sample["familyName"], "Lebon");
    let schema: serde_json::Value = serde_json::from_str(&ok(&civitas(
        &["profile", "show", "profiles/burial-permit.toml", "--schema"],
        d,
    )))
    .unwrap();
    assert_eq!(
        schema["$id"],
        "https://example.test/CliTestBurialPermit/v1/death-certificate.schema.json"
    );
    let context: serde_json::Value = serde_json::from_str(&ok(&civitas(
        &[
            "profile",
            "show",
            "profiles/burial-permit.toml",
            "--context",
        ],
        d,
    )))
    .unwrap();
    assert_eq!(context["@context"]["@protected"], true);
    let loaded = ok(&civitas(&["profile", "list", "--dir", "profiles"], d));
    assert!(
        loaded
            .lines()
            .any(|l| l.starts_with("CliTestBurialPermit") && l.contains("loaded")),
        "{loaded}"
    );
    // a known type by name
    let shown: serde_json::Value =
        serde_json::from_str(&ok(&civitas(&["profile", "show", "driving-licence"], d))).unwrap();
    assert_eq!(shown["validFor"], "P10Y");

    // broken profiles: refused with the file, line, column and reason, exit 2
    for (name, broken, reason) in [
        (
            "kind.toml",
            text.replacen("kind = \"date\"", "kind = \"calendar-date\"", 1),
            "unknown kind `calendar-date`",
        ),
        (
            "label.toml",
            text.replacen(
                "label = { en = \"Sex\", fr = \"Sexe\" }",
                "label = { en = \"Sex\" }",
                1,
            ),
            "no fr label",
        ),
        (
            "protected.toml",
            text.replacen(
                "[vocabulary.terms]\n",
                "[vocabulary.terms]\nissuer = \"civitas:issuer\"\n",
                1,
            ),
            "vocabulary term `issuer` redefines a protected term",
        ),
    ] {
        assert_ne!(broken, text, "{name}: the test breaks the profile");
        std::fs::write(d.join(name), &broken).unwrap();
        let out = civitas(&["profile", "check", name], d);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&format!("{name}:")), "{name}: {stderr}");
        assert!(stderr.contains(reason), "{name}: {stderr}");
    }
    let big = d.join("big.toml");
    std::fs::write(&big, "#".repeat(10 * 1024 * 1024)).unwrap();
    let out = civitas(&["profile", "check", "big.toml"], d);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("more than the limit"));
}

#[test]
fn a_sample_of_every_bundled_type() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for t in [
        "birth",
        "marriage",
        "death",
        "driving-licence",
        "academic",
        "payslip",
        "vaccination",
    ] {
        let credential: serde_json::Value = serde_json::from_str(&ok(&civitas(
            &[
                "sample",
                t,
                "--issuer",
                "did:web:registry.gov.example",
                "--holder",
                "did:example:x",
            ],
            d,
        )))
        .unwrap();
        assert_eq!(credential["type"][0], "VerifiableCredential", "{t}");
        assert!(
            credential.to_string().contains("did:example:x"),
            "{t}: {credential}"
        );
    }
    let out = civitas(&["sample", "building-permit"], d);
    assert_eq!(out.status.code(), Some(2));
}
