//! The JSON Schemas of civitas' documents, bundled, and validation of a credential against the
//! schemas its `credentialSchema` names.

use civitas_jsonld::member::Member;
use std::sync::OnceLock;

mod fast;

/// URL of the birth certificate's JSON Schema.
pub const BIRTH_CERTIFICATE_SCHEMA: &str =
    "https://w3id.org/civitas/civil-registry/v1/birth-certificate.schema.json";
/// URL of the marriage certificate's JSON Schema.
pub const MARRIAGE_CERTIFICATE_SCHEMA: &str =
    "https://w3id.org/civitas/civil-registry/v1/marriage-certificate.schema.json";

/// The bundled schemas: URL and text.
pub const BUNDLED: &[(&str, &str)] = &[
    (
        BIRTH_CERTIFICATE_SCHEMA,
        include_str!("../schemas/birth-certificate.schema.json"),
    ),
    (
        MARRIAGE_CERTIFICATE_SCHEMA,
        include_str!("../schemas/marriage-certificate.schema.json"),
    ),
];

/// One way a document breaks its schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{pointer}: {message}")]
pub struct SchemaViolation {
    /// JSON pointer to the offending value (`/credentialSubject/birthDate`).
    pub pointer: String,
    /// What the schema says about it.
    pub message: String,
}

/// Why a credential could not be checked against a schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    /// The `credentialSchema` names a schema civitas does not bundle.
    #[error("credentialSchema `{0}` is not a schema civitas knows (schemas are never fetched)")]
    Unknown(String),
    /// The document breaks the schema.
    #[error("the document does not match {schema}: {}", violations.iter().map(|v| v.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid {
        /// The schema URL.
        schema: String,
        /// Every violation found (at most 20).
        violations: Vec<SchemaViolation>,
    },
}

struct Compiled {
    url: &'static str,
    validator: jsonschema::Validator,
    /// The compact evaluator, where the schema uses only what it implements.
    fast: Option<fast::Compact>,
    /// The schema's top level only constrains the properties it lists, and `proof` is not one:
    /// a credential validates the same with or without its proof.
    ignores_proof: bool,
}

/// Whether `schema`'s outcome cannot depend on a top-level `proof` entry.
fn ignores_proof(schema: &serde_json::Value) -> bool {
    const NEUTRAL: &[&str] = &[
        "$schema",
        "$id",
        "$comment",
        "$defs",
        "title",
        "description",
        "type",
        "required",
        "properties",
    ];
    let Some(top) = schema.as_object() else {
        return false;
    };
    let listed = |k: &str| {
        top.member("properties")
            .and_then(|p| p.member("proof"))
            .is_some()
            || top
                .member("required")
                .and_then(|r| r.as_array())
                .is_some_and(|r| r.iter().any(|v| v == k))
    };
    top.keys().all(|k| NEUTRAL.contains(&k.as_str())) && !listed("proof")
}

fn compiled() -> &'static [Compiled] {
    static SCHEMAS: OnceLock<Vec<Compiled>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        BUNDLED
            .iter()
            .filter_map(|(url, text)| {
                // Bundled schemas are tested to parse and compile (tests below); a broken one
                // would make every document of its type fail as `Unknown`.
                let value: serde_json::Value = serde_json::from_str(text).ok()?;
                let validator = jsonschema::validator_for(&value).ok()?;
                Some(Compiled {
                    url,
                    validator,
                    fast: fast::compile(&value),
                    ignores_proof: ignores_proof(&value),
                })
            })
            .collect()
    })
}

/// The schema URLs a credential's `credentialSchema` names (object or array; `id` members).
pub fn schema_ids(credential: &serde_json::Value) -> Vec<String> {
    let ids = |v: &serde_json::Value| v.member("id").and_then(|i| i.as_str()).map(str::to_owned);
    match credential.member("credentialSchema") {
        Some(serde_json::Value::Array(items)) => items.iter().filter_map(ids).collect(),
        Some(one) => ids(one).into_iter().collect(),
        None => Vec::new(),
    }
}

/// Whether civitas bundles the schema at `url`.
pub fn is_known(url: &str) -> bool {
    BUNDLED.iter().any(|(u, _)| *u == url)
}

/// Validates a credential against the bundled schema `url` as if without its `proof` (the
/// schemas describe unsecured credentials); copies the credential only if the schema's outcome
/// could depend on the proof.
pub fn validate_credential(url: &str, credential: &serde_json::Value) -> Result<(), SchemaError> {
    let copy_needed = credential.member("proof").is_some()
        && !compiled()
            .iter()
            .find(|c| c.url == url)
            .is_some_and(|c| c.ignores_proof);
    if copy_needed {
        validate(url, &civitas_jsonld::member::without_proof(credential))
    } else {
        validate(url, credential)
    }
}

/// Validates `document` (a credential, with or without proof) against the bundled schema `url`.
pub fn validate(url: &str, document: &serde_json::Value) -> Result<(), SchemaError> {
    let schema = compiled()
        .iter()
        .find(|c| c.url == url)
        .ok_or_else(|| SchemaError::Unknown(url.to_owned()))?;
    // The common case first: a valid document, for which the compact evaluator is enough;
    // otherwise the general validator decides, and reports.
    if schema
        .fast
        .as_ref()
        .is_some_and(|f| f.check(document) == fast::Verdict::Valid)
        || schema.validator.is_valid(document)
    {
        return Ok(());
    }
    let violations: Vec<SchemaViolation> = schema
        .validator
        .iter_errors(document)
        .take(20)
        .map(|e| SchemaViolation {
            pointer: e.instance_path.to_string(),
            message: e.to_string(),
        })
        .collect();
    if violations.is_empty() {
        Ok(())
    } else {
        Err(SchemaError::Invalid {
            schema: url.to_owned(),
            violations,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_schemas_compile() {
        assert_eq!(compiled().len(), BUNDLED.len());
        for (url, text) in BUNDLED {
            let v: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(v["$id"], *url);
        }
    }

    #[test]
    fn bundled_schemas_ignore_the_proof() {
        // validate_credential relies on it to skip a copy; a schema that constrains `proof`
        // (or unlisted properties) still works, with the copy.
        assert!(compiled().iter().all(|c| c.ignores_proof));
        assert!(!ignores_proof(
            &serde_json::json!({"additionalProperties": false})
        ));
        assert!(!ignores_proof(&serde_json::json!({"required": ["proof"]})));
    }

    #[test]
    fn unknown_schema_is_an_error() {
        assert_eq!(
            validate("https://x.example/s.json", &serde_json::json!({})),
            Err(SchemaError::Unknown("https://x.example/s.json".into()))
        );
    }
}
