//! Digital Bazaar's JS stack on the same credential, through civitas-testkit's interop peer.

use std::collections::HashMap;

use anyhow::{Result, anyhow};
use civitas_jsonld::contexts::CIVIL_REGISTRY_V1;
use serde_json::Value;

use crate::fixture::Fixture;

/// The JS stack's figures (p50 µs) by bench name: `verify`, `issue`, `raw_ed25519_verify`.
pub(crate) fn js_figures(f: &Fixture, n: usize) -> Result<Option<(HashMap<String, f64>, Value)>> {
    let Some(peer) = civitas_testkit::js::JsPeer::get() else {
        return Ok(None);
    };
    let ctx = f
        .loader
        .source(CIVIL_REGISTRY_V1)
        .ok_or_else(|| anyhow!("civil-registry context missing"))?;
    let lines = peer.bench(&f.di, &[(CIVIL_REGISTRY_V1, ctx)], n);
    let mut out = HashMap::new();
    let mut env = Value::Null;
    for l in lines {
        let name = l["bench"].as_str().unwrap_or("").to_owned();
        if name == "env" {
            env = l;
        } else if let Some(p50) = l["p50_us"].as_f64() {
            out.insert(name, p50);
        }
    }
    Ok(Some((out, env)))
}
