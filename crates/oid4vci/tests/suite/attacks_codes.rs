use chrono::{Duration, Utc};
use civitas_oid4vci::codes::TokenRequest;

use crate::{BIRTH_LDP, issuer};

fn req(code: &str, tx: Option<&str>) -> TokenRequest {
    TokenRequest {
        pre_authorized_code: code.into(),
        tx_code: tx.map(Into::into),
    }
}

fn wrong(tx: &str) -> String {
    tx.chars()
        .map(|c| if c == '0' { '1' } else { '0' })
        .collect()
}

#[test]
fn replayed_pre_authorized_code() {
    let now = Utc::now();
    let issuer = issuer();
    let issued = issuer
        .codes
        .issue("r", vec![BIRTH_LDP.into()], now)
        .unwrap();
    let tx = issued.tx_code.unwrap();
    issuer
        .codes
        .exchange(&req(&issued.code, Some(&tx)), now)
        .unwrap();
    let e = issuer
        .codes
        .exchange(&req(&issued.code, Some(&tx)), now)
        .unwrap_err();
    assert_eq!(e.code(), "invalid_grant");
    assert_eq!(e.http_status(), 400);
}

#[test]
fn unknown_pre_authorized_code() {
    let now = Utc::now();
    let e = issuer()
        .codes
        .exchange(&req("forged", Some("123456")), now)
        .unwrap_err();
    assert_eq!(e.code(), "invalid_grant");
}

#[test]
fn expired_code() {
    let now = Utc::now();
    let issuer = issuer();
    let issued = issuer
        .codes
        .issue("r", vec![BIRTH_LDP.into()], now)
        .unwrap();
    let later = now + Duration::minutes(10) + Duration::seconds(1);
    let e = issuer
        .codes
        .exchange(&req(&issued.code, issued.tx_code.as_deref()), later)
        .unwrap_err();
    assert_eq!(e.code(), "invalid_grant");
    assert!(e.description().contains("expired"));
}

#[test]
fn wrong_tx_code_then_right_one_within_limit() {
    let now = Utc::now();
    let issuer = issuer();
    let issued = issuer
        .codes
        .issue("r", vec![BIRTH_LDP.into()], now)
        .unwrap();
    let tx = issued.tx_code.unwrap();
    for _ in 0..2 {
        let e = issuer
            .codes
            .exchange(&req(&issued.code, Some(&wrong(&tx))), now)
            .unwrap_err();
        assert_eq!(e.code(), "invalid_grant");
    }
    issuer
        .codes
        .exchange(&req(&issued.code, Some(&tx)), now)
        .unwrap();
}

#[test]
fn lock_out_after_three_wrong_tx_codes() {
    let now = Utc::now();
    let issuer = issuer();
    let issued = issuer
        .codes
        .issue("r", vec![BIRTH_LDP.into()], now)
        .unwrap();
    let tx = issued.tx_code.unwrap();
    for _ in 0..3 {
        let e = issuer
            .codes
            .exchange(&req(&issued.code, Some(&wrong(&tx))), now)
            .unwrap_err();
        assert_eq!(e.code(), "invalid_grant");
    }
    let e = issuer
        .codes
        .exchange(&req(&issued.code, Some(&tx)), now)
        .unwrap_err();
    assert_eq!(e.code(), "invalid_grant");
    assert!(e.description().contains("locked"));
}

#[test]
fn access_token_reused() {
    let now = Utc::now();
    let issuer = issuer();
    let issued = issuer
        .codes
        .issue("r", vec![BIRTH_LDP.into()], now)
        .unwrap();
    let token = issuer
        .codes
        .exchange(&req(&issued.code, issued.tx_code.as_deref()), now)
        .unwrap();
    issuer
        .codes
        .redeem_token(&token.access_token, BIRTH_LDP, now)
        .unwrap();
    let e = issuer
        .codes
        .redeem_token(&token.access_token, BIRTH_LDP, now)
        .unwrap_err();
    assert_eq!(e.code(), "invalid_token");
    assert_eq!(e.http_status(), 401);
}

#[test]
fn access_token_expired_or_forged() {
    let now = Utc::now();
    let issuer = issuer();
    let issued = issuer
        .codes
        .issue("r", vec![BIRTH_LDP.into()], now)
        .unwrap();
    let token = issuer
        .codes
        .exchange(&req(&issued.code, issued.tx_code.as_deref()), now)
        .unwrap();
    let later = now + Duration::minutes(5);
    let e = issuer
        .codes
        .redeem_token(&token.access_token, BIRTH_LDP, later)
        .unwrap_err();
    assert_eq!(e.code(), "invalid_token");
    let e = issuer
        .codes
        .redeem_token("forged", BIRTH_LDP, now)
        .unwrap_err();
    assert_eq!(e.code(), "invalid_token");
}

#[test]
fn access_token_for_another_configuration() {
    let now = Utc::now();
    let issuer = issuer();
    let issued = issuer
        .codes
        .issue("r", vec![BIRTH_LDP.into()], now)
        .unwrap();
    let token = issuer
        .codes
        .exchange(&req(&issued.code, issued.tx_code.as_deref()), now)
        .unwrap();
    let e = issuer
        .codes
        .redeem_token(
            &token.access_token,
            "MarriageCertificateCredential_ldp_vc",
            now,
        )
        .unwrap_err();
    assert_eq!(e.code(), "unknown_credential_configuration");
    // The refusal did not use the token up.
    issuer
        .codes
        .redeem_token(&token.access_token, BIRTH_LDP, now)
        .unwrap();
}

#[test]
fn concurrent_exchanges_of_one_code_yield_one_token() {
    let now = Utc::now();
    let issuer = issuer();
    let issued = issuer
        .codes
        .issue("r", vec![BIRTH_LDP.into()], now)
        .unwrap();
    let tx = issued.tx_code.unwrap();
    let successes = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    issuer
                        .codes
                        .exchange(&req(&issued.code, Some(&tx)), now)
                        .is_ok()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(|ok| *ok)
            .count()
    });
    assert_eq!(successes, 1);
}

#[test]
fn concurrent_consumption_of_one_nonce_succeeds_once() {
    let now = Utc::now();
    let issuer = issuer();
    let nonce = issuer.nonces.issue(now).unwrap().c_nonce;
    let successes = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| s.spawn(|| issuer.nonces.consume(&nonce, now).is_ok()))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(|ok| *ok)
            .count()
    });
    assert_eq!(successes, 1);
}

#[test]
fn parallel_wrong_tx_codes_all_count() {
    let now = Utc::now();
    let issuer = issuer();
    let issued = issuer
        .codes
        .issue("r", vec![BIRTH_LDP.into()], now)
        .unwrap();
    let tx = issued.tx_code.unwrap();
    let bad = wrong(&tx);
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| issuer.codes.exchange(&req(&issued.code, Some(&bad)), now));
        }
    });
    let e = issuer
        .codes
        .exchange(&req(&issued.code, Some(&tx)), now)
        .unwrap_err();
    assert!(e.description().contains("locked"), "{e}");
}
