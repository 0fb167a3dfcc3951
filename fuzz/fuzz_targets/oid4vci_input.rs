//! Arbitrary bytes as what an OpenID4VCI wallet sends the issuer: a credential offer URI, a
//! token request form, a credential request body and a `jwt` key proof; and as what an issuer
//! answers the wallet (civitas-oid4vci's `client` parsers): a credential response, a token
//! response, a nonce response, an OAuth error body, an offer fetched by reference, issuer and
//! authorization server metadata (the first byte picks which). None may panic; a proof is
//! checked against an empty nonce store, so it is never accepted.
#![no_main]

use chrono::{TimeZone, Utc};
use civitas_oid4vci::client::{self, MAX_RESPONSE_BYTES};
use civitas_oid4vci::codes::TokenRequest;
use civitas_oid4vci::metadata::{DocumentType, issuer_metadata};
use civitas_oid4vci::nonce::{MemoryNonceStore, Nonces};
use civitas_oid4vci::offer::parse_offer_uri;
use civitas_oid4vci::proof::{ProofPolicy, validate_jwt_proof};
use civitas_oid4vci::request::parse_credential_request;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    match which % 11 {
        0 => {
            let _ = parse_offer_uri(&text);
        }
        1 => {
            let _ = TokenRequest::from_form(&text);
        }
        2 => {
            let metadata = issuer_metadata(
                "https://registry.example",
                &[DocumentType::new(
                    "BirthCertificate",
                    "Birth certificate",
                    "Acte de naissance",
                )],
                &[],
            );
            let _ = parse_credential_request(rest, &metadata);
        }
        4 => {
            let _ = client::parse_credential_response(rest, MAX_RESPONSE_BYTES);
        }
        5 => {
            let _ = client::parse_token_response(rest, MAX_RESPONSE_BYTES);
        }
        6 => {
            let _ = client::parse_nonce_response(rest, MAX_RESPONSE_BYTES);
        }
        7 => {
            let _ = client::parse_oauth_error(rest, MAX_RESPONSE_BYTES);
        }
        8 => {
            let _ = client::parse_offer(rest, MAX_RESPONSE_BYTES);
        }
        9 => {
            let _ =
                client::parse_issuer_metadata(rest, "https://registry.example", MAX_RESPONSE_BYTES);
            let _ = client::issuer_metadata_url(&text);
        }
        10 => {
            let _ = client::parse_authorization_server_metadata(
                rest,
                "https://registry.example",
                MAX_RESPONSE_BYTES,
            );
            let _ = client::authorization_server_metadata_url(&text);
        }
        _ => {
            let nonces = Nonces::new(MemoryNonceStore::new());
            let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).single();
            if let Some(now) = now {
                let policy = ProofPolicy::new("https://registry.example");
                assert!(validate_jwt_proof(&text, &policy, &nonces, now).is_err());
            }
        }
    }
});
