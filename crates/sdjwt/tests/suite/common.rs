//! Shared fixtures: keys, claims, an issued credential, re-signing helpers for attacks.

use civitas_keys::encoding;
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::signer::LocalSigner;
use civitas_sdjwt::{IssueOptions, IssuedSdJwt, SdPath, issue};
use serde_json::{Map, Value, json};

pub const ISSUER: &str = "did:example:issuer";
pub const KID: &str = "did:example:issuer#key-1";
pub const NOW: i64 = 1_800_000_000;
pub const AUD: &str = "https://verifier.example";
pub const NONCE: &str = "n-0S6_WzA2Mj";
pub const MOTHER_ID: &str = "M0101198001234";
pub const CHILD_NAME: &str = "Amélie";

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

pub struct Fixture {
    pub issuer_key: KeyPair,
    pub issuer: LocalSigner,
    pub holder_key: KeyPair,
    pub holder: LocalSigner,
}

impl Fixture {
    pub fn new(alg: KeyAlgorithm) -> Self {
        let issuer_key = KeyPair::generate(alg);
        let holder_key = KeyPair::generate(alg);
        Self {
            issuer: LocalSigner::new(issuer_key.clone(), KID),
            holder: LocalSigner::new(holder_key.clone(), "did:example:holder#key-1"),
            issuer_key,
            holder_key,
        }
    }
}

pub fn claims() -> Map<String, Value> {
    json!({
        "givenName": "Marie",
        "familyName": "Laurent",
        "birthDate": "2020-03-01",
        "registrationNumber": "B-2020-0042",
        "mother": {"givenName": "Claire", "nationalId": MOTHER_ID},
        "father": {"givenName": "Jean", "nationalId": "J0101197901234"},
        "siblings": [{"name": CHILD_NAME}, {"name": "Louis"}]
    })
    .as_object()
    .cloned()
    .unwrap_or_default()
}

pub fn paths(texts: &[&str]) -> Vec<SdPath> {
    texts.iter().map(|t| SdPath::parse(t).unwrap()).collect()
}

pub fn options(f: &Fixture) -> IssueOptions {
    let mut o = IssueOptions::new(
        civitas_sdjwt::vct::vct_for("BirthCertificate"),
        ISSUER,
        NOW - 100,
    );
    o.exp = Some(NOW + 3600);
    o.cnf_jwk = Some(f.holder_key.public_key().to_jwk());
    o.selectively_disclosable = paths(&[
        "givenName",
        "birthDate",
        "mother",
        "mother.nationalId",
        "father.nationalId",
        "siblings[]",
    ]);
    o
}

pub fn issued(f: &Fixture) -> IssuedSdJwt {
    rt().block_on(issue(&claims(), &options(f), &f.issuer))
        .unwrap()
}

/// Splits `jwt~d1~…~` into the JWT's decoded header and payload and the rest.
pub fn split(sd_jwt: &str) -> (Value, Value, String) {
    let (jwt, rest) = sd_jwt.split_once('~').unwrap();
    let parts: Vec<&str> = jwt.split('.').collect();
    let dec = |p: &str| -> Value {
        serde_json::from_slice(&encoding::decode_base64url(p).unwrap()).unwrap()
    };
    (dec(parts[0]), dec(parts[1]), rest.to_owned())
}

/// A compact JWS over `header` and `payload`, signed with `key`.
pub fn sign_jwt(header: &Value, payload: &Value, key: &KeyPair) -> String {
    let input = format!(
        "{}.{}",
        encoding::base64url(header.to_string().as_bytes()),
        encoding::base64url(payload.to_string().as_bytes())
    );
    let sig = encoding::base64url(&key.sign(input.as_bytes()));
    format!("{input}.{sig}")
}

/// Re-signs `sd_jwt`'s issuer JWT after `edit` changed its header and payload (the
/// disclosures are kept).
pub fn resign(sd_jwt: &str, key: &KeyPair, edit: impl FnOnce(&mut Value, &mut Value)) -> String {
    let (mut header, mut payload, rest) = split(sd_jwt);
    edit(&mut header, &mut payload);
    format!("{}~{rest}", sign_jwt(&header, &payload, key))
}

/// An encoded disclosure.
pub fn encode_disclosure(array: &Value) -> String {
    encoding::base64url(array.to_string().as_bytes())
}

/// The digest of an encoded disclosure.
pub fn digest(encoded: &str) -> String {
    civitas_sdjwt::disclosure::digest_of(encoded)
}
