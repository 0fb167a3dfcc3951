//! Every bundled profile loads, its sample validates, and every derivation is total.

use civitas_profile::{BUNDLED, bundled};

#[test]
fn every_bundled_profile_loads_and_its_sample_validates() {
    let profiles = bundled().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(profiles.len(), BUNDLED.len());
    for p in &profiles {
        let sample = p.sample();
        let errors = p.validate(&sample);
        assert!(errors.is_empty(), "{}: {errors:?}", p.origin);
        assert_eq!(
            sample["type"].as_str(),
            p.subject.class.as_deref(),
            "{}",
            p.origin
        );
        let schema = p.json_schema();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let credential = serde_json::json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", p.document.context_url],
            "type": ["VerifiableCredential", p.document.type_name],
            "issuer": "did:example:issuer",
            "credentialSchema": {"id": p.document.schema_url, "type": "JsonSchema"},
            "credentialSubject": sample,
        });
        assert!(
            validator.is_valid(&credential),
            "{}: the schema refuses the sample",
            p.origin
        );
        let context = p.context();
        assert_eq!(context["@context"]["@protected"], true);
        let labels = p.labels();
        for (path, _) in p.field_paths() {
            let label = labels.field(&path.to_string()).unwrap();
            assert!(!label.en().is_empty() && !label.fr().is_empty());
        }
        assert!(p.cv1_table().is_some() || p.cv1.is_none());
        assert!(!p.ingestion_targets().is_empty());
    }
}

#[test]
fn a_sample_is_in_the_profile_s_order_as_civitas_writes_it() {
    let birth = crate::common::profile("birth-certificate");
    let unsigned = crate::common::repo_json("vectors/civitas/birth-certificate/unsigned.json");
    // The sample is civitas_core's sample record: the same members, in the same order.
    assert_eq!(
        serde_json::to_string(&birth.sample()).unwrap(),
        serde_json::to_string(&unsigned["credentialSubject"]).unwrap()
    );
    let marriage = crate::common::profile("marriage-certificate");
    let unsigned = crate::common::repo_json("vectors/civitas/marriage-certificate/unsigned.json");
    assert_eq!(
        serde_json::to_string(&marriage.sample()).unwrap(),
        serde_json::to_string(&unsigned["credentialSubject"]).unwrap()
    );
}
