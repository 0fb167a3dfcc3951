//! The JSON Schemas of the document types the process knows (each derived from its profile),
//! and validation of a credential against the schemas its `credentialSchema` names. A schema is
//! compiled once, on first use.

use civitas_jsonld::member::Member;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

mod fast;

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

/// The compiled schema at `url`, when a known profile's schema is there. A type name means
/// one profile for the life of the process, so a schema compiled once stays right.
fn compiled(url: &str) -> Option<Arc<Compiled>> {
    static CACHE: OnceLock<RwLock<HashMap<String, Arc<Compiled>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(c) = cache.read().ok().and_then(|m| m.get(url).cloned()) {
        return Some(c);
    }
    let registry = civitas_profile::known();
    let known = registry.by_schema(url)?;
    // A derived schema always compiles (tested for every bundled profile and in the fuzz
    // target); one that did not would make its documents fail as `Unknown`.
    let validator = jsonschema::validator_for(&known.schema).ok()?;
    let compiled = Arc::new(Compiled {
        validator,
        fast: fast::compile(&known.schema),
        ignores_proof: ignores_proof(&known.schema),
    });
    if let Ok(mut m) = cache.write() {
        m.insert(url.to_owned(), Arc::clone(&compiled));
    }
    Some(compiled)
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

/// Whether a known profile's schema is at `url`.
pub fn is_known(url: &str) -> bool {
    civitas_profile::known().by_schema(url).is_some()
}

/// Validates a credential against the known schema `url` as if without its `proof` (the
/// schemas describe unsecured credentials); copies the credential only if the schema's outcome
/// could depend on the proof.
pub fn validate_credential(url: &str, credential: &serde_json::Value) -> Result<(), SchemaError> {
    let copy_needed =
        credential.member("proof").is_some() && !compiled(url).is_some_and(|c| c.ignores_proof);
    if copy_needed {
        validate(url, &civitas_jsonld::member::without_proof(credential))
    } else {
        validate(url, credential)
    }
}

/// Validates `document` (a credential, with or without proof) against the known schema `url`.
pub fn validate(url: &str, document: &serde_json::Value) -> Result<(), SchemaError> {
    let schema = compiled(url).ok_or_else(|| SchemaError::Unknown(url.to_owned()))?;
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
    fn every_known_schema_compiles_ignores_the_proof_and_takes_the_fast_path() {
        // validate_credential relies on `ignores_proof` to skip a copy; a schema that
        // constrains `proof` (or unlisted properties) still works, with the copy.
        let registry = civitas_profile::known();
        for known in registry.all() {
            let url = &known.profile.document.schema_url;
            let c = compiled(url).unwrap_or_else(|| panic!("{url} compiles"));
            assert!(c.ignores_proof, "{url}");
            assert!(c.fast.is_some(), "{url}: the compact evaluator takes it");
        }
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
