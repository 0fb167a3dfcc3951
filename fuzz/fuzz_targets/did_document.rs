//! Arbitrary bytes as a DID document (what a verifier pins from a file or a trust list, and
//! reads from a `did:web` resolution body) and as a DID or verification method id (`did:key`
//! decoding, `did:web` URL building): reading, looking up methods and keys, and serving it from
//! a resolver must never panic; a document that is read serialises back to the same value.
//! The bytes are also read as key material (a public or secret Multikey, a JWK, a private JWK):
//! a public key that is read writes itself out as one that reads back the same.
#![no_main]

use civitas_keys::did::{self, ControllerDocument, ProofPurpose};
use civitas_keys::keys::{Jwk, KeyPair, PublicKey};
use civitas_keys::resolver::OfflineResolver;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let text = text.trim();
        let _ = did::did_key_public_key(text);
        let _ = did::did_key_document(text);
        let _ = did::did_web_url(text);
        let _ = OfflineResolver::new().resolve_now(text);
        // Key material as it appears in documents and key imports.
        if let Ok(key) = PublicKey::from_multikey(text) {
            let again =
                PublicKey::from_multikey(&key.to_multikey()).expect("a multikey reads back");
            assert_eq!(again.to_bytes(), key.to_bytes());
        }
        if let Ok(pair) = KeyPair::from_secret_multikey(text) {
            let _ = pair.public_key().to_jwk();
        }
        let _ = KeyPair::from_jwk_json(text);
    }
    if let Ok(jwk) = serde_json::from_slice::<Jwk>(data)
        && let Ok(key) = PublicKey::from_jwk(&jwk)
    {
        let again = PublicKey::from_jwk(&key.to_jwk()).expect("a JWK reads back");
        assert_eq!(again.to_bytes(), key.to_bytes());
    }
    let Ok(value) = civitas_core::credential::parse_json(data) else {
        return;
    };
    let Ok(doc) = serde_json::from_value::<ControllerDocument>(value) else {
        return;
    };
    let json = serde_json::to_value(&doc).expect("a DID document serialises");
    let again: ControllerDocument =
        serde_json::from_value(json).expect("a serialised DID document reads back");
    assert_eq!(again, doc);
    let _ = doc.keys();
    for purpose in [ProofPurpose::AssertionMethod, ProofPurpose::Authentication] {
        for method in doc.relationship(purpose) {
            let id = method.id();
            let absolute = match id.strip_prefix('#') {
                Some(_) => format!("{}{id}", doc.id),
                None => id.to_owned(),
            };
            for id in [id, absolute.as_str()] {
                let _ = doc.method(id);
                let _ = doc.public_key(id);
                let _ = doc.allows(id, purpose);
            }
        }
    }
    let resolver = OfflineResolver::new().with(doc.clone());
    let _ = resolver.resolve_now(&doc.id);
});
