//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use civitas_core::data_integrity::ProofOptions;
use civitas_jsonld::contexts::ContextLoader;
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::signer::LocalSigner;
use civitas_status::entry::StatusPurpose;
use civitas_status::list::{PublishOptions, StatusList};
use serde_json::Value;

/// `vectors/status/<rel>` in the workspace.
pub fn vector(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../vectors/status")
        .join(rel)
}

pub fn read_vector(rel: &str) -> Vec<u8> {
    std::fs::read(vector(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

pub fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// An Ed25519 did:key signer from a fixed seed.
pub fn signer(seed: u8) -> LocalSigner {
    LocalSigner::did_key(KeyPair::from_secret_bytes(KeyAlgorithm::Ed25519, &[seed; 32]).unwrap())
}

pub const LIST_URL: &str = "https://registry.gov.example/status/revocation/1";

/// A signed revocation list of 131,072 entries with `revoked` set, signed by `signer`, issued
/// by `issuer`, valid from 2025-01-01.
pub async fn signed_list(
    signer: &LocalSigner,
    issuer: &str,
    url: &str,
    purpose: StatusPurpose,
    set: &[u64],
    options: PublishOptions,
) -> Value {
    let mut list = StatusList::new(url, purpose, 131_072).unwrap();
    for i in set {
        list.set(*i, 1).unwrap();
    }
    let mut opts = options;
    opts.issuer = issuer.to_owned();
    if opts.valid_from.is_none() {
        opts.valid_from = Some(at("2025-01-01T00:00:00Z"));
    }
    let proof = ProofOptions {
        created: Some(at("2025-01-01T00:00:00Z")),
        ..ProofOptions::default()
    };
    list.sign(&opts, signer, &proof, &ContextLoader::bundled())
        .await
        .unwrap()
}
