//! Arbitrary bytes as a trust list: as a draft (the JSON `TrustList::from_json` reads, e.g.
//! `civitas trust-list sign` input) and as a signed list (`verify_trust_list`, what a verifier
//! loads from a file, a bundle or its configuration). Neither may panic; a draft that is read
//! serialises to JSON that reads back as the same list.
#![no_main]

use chrono::{DateTime, Utc};
use civitas_verifier::trust::{TrustAnchor, TrustList, verify_trust_list};
use libfuzzer_sys::fuzz_target;

const ANCHOR: &str = "did:key:z6MkrJcuCDcoALJYLUkXZAGbvN5dcuyN9pv6asrSQfJ4spgk";

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = civitas_core::credential::parse_json(data)
        && let Ok(list) = TrustList::from_json(value)
    {
        let json = serde_json::to_value(&list).expect("a trust list serialises");
        let again = TrustList::from_json(json).expect("a serialised trust list reads back");
        assert_eq!(again, list);
        let at = DateTime::<Utc>::from_timestamp(1_780_000_000, 0).unwrap_or_default();
        for issuer in list.issuers() {
            let _ = issuer.label();
            let _ = issuer.may_issue(["BirthCertificate", "MarriageCertificate"]);
            let _ = issuer.effective_document();
            for window in &issuer.key_validity {
                assert!(issuer.window(&window.key).is_some());
                let _ = window.contains(at);
                let _ = window.describe();
            }
        }
    }
    let Ok(rt) = tokio::runtime::Builder::new_current_thread().build() else {
        return;
    };
    let now = DateTime::<Utc>::from_timestamp(1_780_000_000, 0).unwrap_or_default();
    let _ = rt.block_on(verify_trust_list(data, &[TrustAnchor::did(ANCHOR)], now));
});
