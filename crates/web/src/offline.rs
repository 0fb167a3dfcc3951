//! The browser bundle (`CivitasBrowserBundle`): what the offline verifier page stores, made from
//! a verifier's verified trust list, status lists and profiles. (Being written: see H1.)

use chrono::{DateTime, Utc};
use civitas_verifier::Verifier;
use serde_json::{Value, json};

/// The browser bundle of `verifier`, made at `now`.
pub fn browser_bundle(verifier: &Verifier, now: DateTime<Utc>) -> Value {
    let _ = verifier;
    json!({"type": "CivitasBrowserBundle", "version": 1, "madeAt": now.to_rfc3339()})
}
