//! The browser bundle (`CivitasBrowserBundle`, version 1): what the offline verifier page stores
//! in IndexedDB and what its JavaScript (`/assets/verify-app.js`) verifies a CV1 QR text against
//! when the network is cut.
//!
//! It is made from a [`Verifier`]'s *verified* material only: the trust list whose signature the
//! verifier checked (each trusted issuer with the public keys of its pinned DID document, as
//! JWKs, and its key windows), the status lists in its cache (each verified against its
//! issuer's keys when it was loaded), its freshness rules, and the document profiles this
//! process knows (bundled, or learnt from a bundle whose trust list pins them). The browser
//! trusts this JSON because it comes from its own origin (SPEC.md).
//!
//! ```json
//! {"type": "CivitasBrowserBundle", "version": 1, "madeAt": "…", "bundleCreatedAt": null,
//!  "maxStatusAgeSeconds": 604800, "maxListAgeSeconds": null, "trustMode": "list",
//!  "trustList": {"id": "…", "name": "…", "issuer": "did:…", "label": "…", "validFrom": null,
//!                "validUntil": null},
//!  "issuers": [{"id": "did:web:…", "name": "…", "documentTypes": ["BirthCertificate"],
//!               "keys": [{"id": "did:web:…#key-1", "publicKeyJwk": {…}, "assertionMethod": true,
//!                         "notBefore": null, "notAfter": null}],
//!               "profileMismatch": {}}],
//!  "statusLists": [{"url": "…", "purpose": "revocation", "purposes": ["revocation"],
//!                   "issuer": "did:…", "fetchedAt": "…", "validFrom": "…", "validUntil": null,
//!                   "encodedList": "u…", "statusSize": 1}],
//!  "profiles": [{"type": "BirthCertificate", "context": "…", "schemaUrl": "…", "digest": "…",
//!                "label": {"en": "…", "fr": "…"}, "fields": ["child", "child.givenName", …],
//!                "labels": {"child.givenName": {"en": "…", "fr": "…"}},
//!                "values": {"child.sex": {"F": {"en": "…", "fr": "…"}}},
//!                "cv1": {…}, "schema": {…}}]}
//! ```

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use civitas_core::credential::format_datetime;
use civitas_core::profile::{Cv1Kind, Known};
use civitas_verifier::Verifier;
use civitas_verifier::policy::{TrustMode, profile_mismatch};
use civitas_verifier::trust::TrustedIssuer;
use serde_json::{Map, Value, json};

/// The `type` of the bundle.
pub const BUNDLE_TYPE: &str = "CivitasBrowserBundle";

/// The version of the bundle's format.
pub const BUNDLE_VERSION: u64 = 1;

/// The browser bundle of `verifier`, made at `now` (see the [module](self) documentation).
///
/// Material that cannot be put in the bundle is left out rather than failing the whole bundle:
/// a verification method whose key cannot be read (the browser then cannot verify what it
/// signed, and says so), a status list the cache no longer holds.
pub fn browser_bundle(verifier: &Verifier, now: DateTime<Utc>) -> Value {
    let freshness = verifier.freshness();
    let (trust_mode, trust_list, issuers) = match verifier.trust_policy().mode() {
        TrustMode::List(list) => {
            let content = list.list();
            let header = json!({
                "id": list.id(),
                "name": content.name,
                "sequence": content.sequence,
                "label": list.label(),
                "issuer": list.anchor(),
                "validFrom": list.valid_from().map(format_datetime),
                "validUntil": list.valid_until().map(format_datetime),
            });
            let issuers: Vec<Value> = content.trusted_issuers.iter().map(issuer_json).collect();
            ("list", header, issuers)
        }
        TrustMode::AnyIssuer => ("anyIssuer", Value::Null, Vec::new()),
        TrustMode::NotConfigured => ("notConfigured", Value::Null, Vec::new()),
    };
    json!({
        "type": BUNDLE_TYPE,
        "version": BUNDLE_VERSION,
        "madeAt": format_datetime(now),
        "bundleCreatedAt": verifier.bundle_created_at().map(format_datetime),
        "maxStatusAgeSeconds": freshness.max_age.map(|d| d.as_secs()),
        "maxListAgeSeconds": freshness.max_list_age.map(|d| d.as_secs()),
        "trustMode": trust_mode,
        "trustList": trust_list,
        "issuers": issuers,
        "statusLists": status_lists(verifier),
        "profiles": profiles(),
    })
}

/// One trusted issuer: its keys (every verification method of its effective DID document, the
/// document the verifier resolves it to) and whether each may sign credentials
/// (`assertionMethod`), with its signing window.
fn issuer_json(issuer: &TrustedIssuer) -> Value {
    let mut keys = Vec::new();
    if let Some(doc) = issuer.effective_document() {
        let doc_json = serde_json::to_value(&doc).unwrap_or(Value::Null);
        let absolute = |id: &str| {
            if id.starts_with('#') {
                format!("{}{id}", doc.id)
            } else {
                id.to_owned()
            }
        };
        let assertion: Vec<String> = doc_json
            .get("assertionMethod")
            .and_then(Value::as_array)
            .map(|refs| {
                refs.iter()
                    .filter_map(|r| r.as_str().or_else(|| r.get("id")?.as_str()))
                    .map(absolute)
                    .collect()
            })
            .unwrap_or_default();
        // Listed methods, then methods embedded in a relationship.
        let mut ids: Vec<String> = Vec::new();
        let listed = doc_json.get("verificationMethod").and_then(Value::as_array);
        let embedded = ["assertionMethod", "authentication"]
            .iter()
            .filter_map(|r| doc_json.get(*r).and_then(Value::as_array))
            .flatten()
            .filter(|r| r.is_object());
        for method in listed.into_iter().flatten().chain(embedded) {
            if let Some(id) = method.get("id").and_then(Value::as_str) {
                let id = absolute(id);
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        for id in ids {
            // `public_key` also checks that the document controls the method.
            let Ok(key) = doc.public_key(&id) else {
                continue;
            };
            let Ok(jwk) = serde_json::to_value(key.to_jwk()) else {
                continue;
            };
            let window = issuer.window(&id);
            keys.push(json!({
                "id": id,
                "publicKeyJwk": jwk,
                "assertionMethod": assertion.contains(&id),
                "notBefore": window.and_then(|w| w.not_before).map(format_datetime),
                "notAfter": window.and_then(|w| w.not_after).map(format_datetime),
                "hasWindow": window.is_some(),
            }));
        }
    }
    let mismatch: Map<String, Value> = issuer
        .document_types
        .iter()
        .filter_map(|t| {
            profile_mismatch(issuer, &[t.as_str()]).map(|reason| (t.clone(), Value::String(reason)))
        })
        .collect();
    json!({
        "id": issuer.id,
        "name": issuer.name,
        "label": issuer.label(),
        "documentTypes": issuer.document_types,
        "hasDidDocument": issuer.did_document.is_some(),
        "keys": keys,
        "profileMismatch": mismatch,
    })
}

/// Every status list in the verifier's cache, with when it was fetched.
fn status_lists(verifier: &Verifier) -> Vec<Value> {
    let cache = verifier.status_cache();
    cache
        .urls()
        .into_iter()
        .filter_map(|url| {
            let (list, fetched_at) = cache.get(&url)?;
            let credential = list.credential();
            let purposes: Vec<&str> = credential.purposes.iter().map(|p| p.as_str()).collect();
            Some(json!({
                "url": credential.id,
                "purpose": purposes.first().copied().unwrap_or_default(),
                "purposes": purposes,
                "issuer": credential.issuer,
                "fetchedAt": format_datetime(fetched_at),
                "validFrom": credential.valid_from.map(format_datetime),
                "validUntil": credential.valid_until.map(format_datetime),
                "encodedList": credential.bits.encode(),
                // Entries of CV1 credentials carry no statusSize: they are read one bit each.
                "statusSize": 1,
            }))
        })
        .collect()
}

/// Every profile this process knows.
fn profiles() -> Vec<Value> {
    let registry = civitas_core::profile::known();
    let mut all: Vec<_> = registry.all().collect();
    all.sort_by(|a, b| a.type_name().cmp(b.type_name()));
    all.into_iter().map(|k| profile_json(k)).collect()
}

fn label_json(label: &civitas_core::profile::Label) -> Value {
    json!({"en": label.en(), "fr": label.fr()})
}

fn kind_name(kind: Cv1Kind) -> &'static str {
    match kind {
        Cv1Kind::Text => "text",
        Cv1Kind::Did => "did",
        Cv1Kind::Localized => "localized",
        Cv1Kind::Date => "date",
        Cv1Kind::Time => "time",
        Cv1Kind::Instant => "instant",
        Cv1Kind::Integer => "integer",
        Cv1Kind::Amount => "amount",
        Cv1Kind::TypeName => "typeName",
        Cv1Kind::Object => "object",
        Cv1Kind::ObjectList => "objectList",
    }
}

/// One profile: its labels (by field path), enumeration value labels, the order of its fields,
/// its CV1 key table (the JavaScript merges the tables of every profile, as civitas-qr does),
/// and its JSON Schema.
fn profile_json(known: &Known) -> Value {
    let profile = &known.profile;
    let labels = profile.labels();
    let fields: Vec<String> = profile
        .field_paths()
        .into_iter()
        .map(|(p, _)| p.to_string())
        .collect();
    let field_labels: Map<String, Value> = labels
        .fields
        .iter()
        .map(|(path, label)| (path.clone(), label_json(label)))
        .collect();
    let mut values: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    for ((path, code), label) in &labels.values {
        values
            .entry(path.clone())
            .or_default()
            .insert(code.clone(), label_json(label));
    }
    let cv1 = profile.cv1_table().map(|t| {
        json!({
            "documents": t.documents.iter().map(|(c, n)| json!([c, n])).collect::<Vec<_>>(),
            "subjectTypes": t.subject_types,
            "keys": t.keys.iter().map(|k| json!([k.key, k.member, kind_name(k.kind)])).collect::<Vec<_>>(),
            "types": t.types.iter().map(|(c, n)| json!([c, n])).collect::<Vec<_>>(),
            "implied": t.implied,
        })
    });
    json!({
        "type": known.type_name(),
        "context": profile.document.context_url,
        "schemaUrl": profile.document.schema_url,
        "digest": known.digest,
        "label": label_json(&profile.document.label),
        "fields": fields,
        "labels": field_labels,
        "values": values,
        "cv1": cv1,
        "schema": known.schema,
    })
}
