//! Document types the issuer learns at run time, from its profile directory: a profile written
//! only for the test is listed, published (file, context, schema) and issued at
//! `POST /documents/{type}`, and the credential verifies; a broken profile stops the issuer,
//! naming the file, line and reason.

use civitas_core::report::Verdict;
use civitas_core::verify::{DocumentCheck, VerifyOptions};
use civitas_issuer::{DidMethod, Issuer};
use civitas_keys::resolver::OfflineResolver;
use serde_json::{Value, json};

use crate::common::{self, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_in_the_data_directory_is_issued_at_its_own_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("profiles")).unwrap();
    let text = civitas_testkit::samples::test_profile("IssuerTestBurialPermit", 201);
    std::fs::write(dir.path().join("profiles/burial-permit.toml"), &text).unwrap();
    let server = TestServer::start(dir.path(), DidMethod::Key).await;

    // listed, with the file's digest, and published
    let listed: Value = server.get("/profiles").await.json().await.unwrap();
    let entry = listed["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["type"] == "IssuerTestBurialPermit")
        .unwrap_or_else(|| panic!("{listed}"))
        .clone();
    assert_eq!(entry["bundled"], false);
    assert_eq!(
        entry["digest"],
        civitas_core::profile::registry::digest(text.as_bytes())
    );
    let name = entry["name"].as_str().unwrap();
    assert_eq!(name, "issuer-test-burial-permit");
    let file = server.get(&format!("/profiles/{name}")).await;
    assert_eq!(file.status(), 200);
    assert_eq!(file.text().await.unwrap(), text);
    let context: Value = server
        .get(&format!("/profiles/{name}/context"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(context["@context"]["@protected"], true);
    let schema = server.get(&format!("/profiles/{name}/schema")).await;
    assert_eq!(schema.status(), 200);
    assert_eq!(
        server.get("/profiles/nothing-of-the-sort").await.status(),
        404
    );

    // issued from a record, checked against the profile: a broken one names the field
    let kind = civitas_testkit::samples::kind("IssuerTestBurialPermit");
    let mut record = civitas_core::model::sample(&kind).unwrap();
    record["sourceRecordId"] = json!("BP-1");
    let (status, issued) = server.post(&format!("/documents/{name}"), &record).await;
    assert_eq!(status, 201, "{issued}");
    let vc = &issued["verifiableCredential"];
    assert_eq!(vc["type"][1], "IssuerTestBurialPermit");
    assert_eq!(
        vc["@context"][1],
        "https://example.test/IssuerTestBurialPermit/v1"
    );
    let mut broken = record.clone();
    broken["sourceRecordId"] = json!("BP-2");
    broken["deathDate"] = json!("2999-01-01");
    let (status, problem) = server.post(&format!("/documents/{name}"), &broken).await;
    assert_eq!(status, 400, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("/deathDate"),
        "{problem}"
    );

    // the credential verifies with the issuer's own loader (which has the profile's context)
    let checker = DocumentCheck::new(
        server.issuer.loader().clone(),
        OfflineResolver::new().with(server.issuer.did_document().unwrap()),
    );
    let report = checker
        .verify(vc.to_string().as_bytes(), &VerifyOptions::default())
        .await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
    assert_eq!(
        report.about.description.as_deref(),
        Some("Burial permit for Paul Lebon, died 2025-11-20")
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_profile_stops_the_issuer_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("profiles")).unwrap();
    let text = civitas_testkit::samples::test_profile("IssuerTestBrokenPermit", 202)
        .replace("kind = \"date\"", "kind = \"calendar-date\"");
    let path = dir.path().join("profiles/broken.toml");
    std::fs::write(&path, &text).unwrap();
    let config = common::config(dir.path(), 8443, DidMethod::Key);
    let Err(error) = Issuer::open(config).await else {
        panic!("a broken profile stops the issuer");
    };
    let message = error.to_string();
    assert!(message.contains("broken.toml:"), "{message}");
    assert!(
        message.contains("unknown kind `calendar-date`"),
        "{message}"
    );
    // nothing was created
    assert!(!dir.path().join("registry").exists());
}
