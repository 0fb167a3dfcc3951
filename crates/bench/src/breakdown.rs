//! The pieces of one Data Integrity verify (`--breakdown`): parse, canonicalize, resolve,
//! schema, record rules.

use std::hint::black_box;

use anyhow::Result;
use civitas_core::credential::Credential;
use civitas_jsonld::canon;
use serde_json::Value;

use crate::fixture::Fixture;
use crate::measure::{Clock, Figure, Floor, Op, measure};
use crate::signatures::RawEd25519;

fn breakdown_ops<'a>(
    f: &'a Fixture,
    parsed: &'a Value,
    config: &'a Value,
    unsecured: &'a Value,
) -> Vec<(String, Floor, Op<'a>)> {
    let did = f.signer.controller().to_owned();
    let resolver = civitas_keys::resolver::OfflineResolver::new();
    let credential = Credential::from_value(parsed.clone()).ok();
    let birth = credential.as_ref().and_then(Credential::document_type);
    let schema_url = birth
        .as_ref()
        .and_then(|k| k.schema_url())
        .unwrap_or_default();
    vec![
        (
            "  parse JSON (serde_json)".into(),
            Floor::None,
            Box::new(move || {
                black_box(civitas_core::credential::parse_json(f.di.as_bytes()).ok());
            }),
        ),
        (
            "  canonicalize document (fast path)".into(),
            Floor::None,
            Box::new(move || {
                black_box(canon::fast_canonicalize(unsecured, &f.loader).ok());
            }),
        ),
        (
            "  canonicalize proof config (fast path)".into(),
            Floor::None,
            Box::new(move || {
                black_box(canon::fast_canonicalize(config, &f.loader).ok());
            }),
        ),
        (
            "  canonicalize document (general path, ssi)".into(),
            Floor::None,
            Box::new(move || {
                black_box(
                    f.rt.block_on(canon::general_canonicalize(unsecured, &f.loader))
                        .ok(),
                );
            }),
        ),
        (
            "  resolve did:key".into(),
            Floor::None,
            Box::new(move || {
                black_box(resolver.resolve_now(&did).ok());
            }),
        ),
        (
            "  JSON Schema validation".into(),
            Floor::None,
            Box::new(move || {
                black_box(civitas_core::schema::validate(&schema_url, unsecured)).ok();
            }),
        ),
        (
            "  record rules (profile validation)".into(),
            Floor::None,
            Box::new(move || {
                if let Some(c) = &credential
                    && let Some(s) = c.subjects().first()
                    && let Some(birth) = &birth
                {
                    black_box(civitas_core::model::validate_subject(birth, s).ok());
                }
            }),
        ),
    ]
}

/// The pieces of one Data Integrity verify, measured beside the raw floor, after a header row.
pub(crate) fn figures(
    f: &Fixture,
    raw: &RawEd25519,
    rounds: usize,
    clock: Clock,
) -> Result<Vec<Figure>> {
    let parsed: Value = serde_json::from_str(&f.di)?;
    let unsecured = civitas_jsonld::member::without_proof(&parsed);
    let mut config = parsed["proof"].clone();
    if let Some(o) = config.as_object_mut() {
        o.remove("proofValue");
        o.insert("@context".into(), parsed["@context"].clone());
    }
    let mut ops = breakdown_ops(f, &parsed, &config, &unsecured);
    let mut floor_again = raw.ops(f);
    ops.append(&mut floor_again);
    let figs = measure(&mut ops, rounds, clock);
    let mut figures = vec![Figure {
        paired: None,
        name: "pieces of one DI verify:".into(),
        median_us: f64::NAN,
        floor: Floor::None,
        note: String::new(),
    }];
    figures.extend(figs.into_iter().filter(|x| !x.name.starts_with("raw")));
    Ok(figures)
}
