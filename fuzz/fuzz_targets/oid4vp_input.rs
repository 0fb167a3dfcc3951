//! Arbitrary bytes as what reaches civitas-oid4vp from outside: a DCQL query, a request link
//! (the QR), a direct_post form body (response or error) and a `vp_token`, and a request
//! object checked against an offline resolver (the first byte picks which). None may panic;
//! whatever parses is checked against the civitas bank query, and a request object made of
//! arbitrary bytes is never accepted.
#![no_main]

use chrono::{TimeZone, Utc};
use civitas_keys::resolver::OfflineResolver;
use civitas_oid4vp::dcql::{DcqlQuery, FORMAT_SD_JWT, Meta, match_claims};
use civitas_oid4vp::request::verify_request_object;
use civitas_oid4vp::response::{AuthorizationResponse, parse_direct_post, parse_vp_token};
use civitas_oid4vp::uri::{parse_request_link, parse_request_link_with};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    match which % 5 {
        0 => {
            if let Ok(query) = DcqlQuery::from_slice(rest) {
                // A valid query survives its own round trip and matches without panicking.
                assert_eq!(DcqlQuery::parse(&query.to_value()).as_ref(), Ok(&query));
                for c in &query.credentials {
                    let _ = match_claims(c, &query.to_value());
                }
            }
        }
        1 => {
            let _ = parse_request_link(&text);
            let _ = parse_request_link_with(&text, true);
        }
        2 => {
            let _ = parse_direct_post(rest);
            if let Ok(response) = AuthorizationResponse::parse_form(rest) {
                let bank = DcqlQuery::single(
                    "birth",
                    FORMAT_SD_JWT,
                    Meta::sd_jwt(&["urn:civitas:type:BirthCertificate"]),
                    &[&["givenName"], &["familyName"], &["birthDate"]],
                );
                if let Ok(bank) = bank {
                    let _ = response.check_against(&bank);
                }
                let _ = AuthorizationResponse::parse_form(response.to_form().as_bytes());
            }
        }
        3 => {
            let _ = parse_vp_token(&text);
        }
        _ => {
            let now = Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).single();
            let runtime = tokio::runtime::Builder::new_current_thread().build();
            if let (Some(now), Ok(runtime)) = (now, runtime) {
                let verified = runtime.block_on(verify_request_object(
                    &text,
                    "decentralized_identifier:did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
                    &OfflineResolver::new(),
                    now,
                ));
                assert!(verified.is_err());
            }
        }
    }
});
