//! The problem document carries the structured facts of an error, not only its text: a schema
//! violation lists every violation with its JSON pointer.

use crate::common;

use civitas_core::schema;

const BIRTH_CERTIFICATE_SCHEMA: &str =
    "https://w3id.org/civitas/civil-registry/v1/birth-certificate.schema.json";
use civitas_issuer::DidMethod;
use civitas_issuer::IssuerError;
use civitas_issuer::http::problem::Problem;
use common::TestServer;
use serde_json::{Value, json};

/// The pointers of a problem's `errors`, each checked to come with a non-empty `detail`.
fn pointers(problem: &Value) -> Vec<String> {
    let errors = problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no `errors` array in {problem}"));
    errors
        .iter()
        .map(|e| {
            assert!(
                e["detail"].as_str().is_some_and(|d| !d.is_empty()),
                "every violation says what is wrong: {problem}"
            );
            e["pointer"].as_str().unwrap_or_default().to_owned()
        })
        .collect()
}

/// Over HTTP: the data model catches every subject mistake first (`invalid-record`), so what
/// reaches the JSON Schema is the credential's own members: two wrong `credentialSchema`
/// entries in a VC-API request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_schema_violation_lists_its_pointers() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), DidMethod::Web).await;
    let subject = civitas_testkit::samples::birth_record();
    let body = json!({"credential": {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/civitas/civil-registry/v1"],
        "type": ["VerifiableCredential", "BirthCertificate"],
        "credentialSchema": {"id": "https://other.example/s.json", "type": "JsonSchema"},
        "credentialSubject": subject,
    }});
    let (status, problem) = server.post("/credentials/issue", &body).await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(
        problem["type"], "https://w3id.org/civitas/problems/schema-violation",
        "{problem}"
    );
    assert_eq!(problem["schema"], BIRTH_CERTIFICATE_SCHEMA, "{problem}");
    assert_eq!(pointers(&problem), ["/credentialSchema"], "{problem}");
    // the text still says it all, for clients that only read `detail`
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("/credentialSchema"), "{detail}");
    server.stop().await;
}

/// A record with two schema violations: both pointers are in the problem document, each with
/// its own detail, and the document is the one the HTTP layer sends.
#[test]
fn two_schema_violations_both_reach_the_problem_document() {
    let mut credential = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/civitas/civil-registry/v1"],
        "type": ["VerifiableCredential", "BirthCertificate"],
        "issuer": "did:web:registry.example",
        "credentialSubject":
            civitas_testkit::samples::birth_record(),
    });
    credential["credentialSubject"]["givenName"] = json!(" Padded ");
    credential["credentialSubject"]["birthPlace"]["addressCountry"] = json!("mu");
    let error = schema::validate(BIRTH_CERTIFICATE_SCHEMA, &credential).unwrap_err();
    let problem = Problem::from(IssuerError::Schema(error)).to_json();
    assert_eq!(problem["status"], 400, "{problem}");
    assert_eq!(
        problem["type"], "https://w3id.org/civitas/problems/schema-violation",
        "{problem}"
    );
    let found = pointers(&problem);
    for want in [
        "/credentialSubject/givenName",
        "/credentialSubject/birthPlace/addressCountry",
    ] {
        assert!(found.iter().any(|p| p == want), "{want} missing: {problem}");
    }
}
