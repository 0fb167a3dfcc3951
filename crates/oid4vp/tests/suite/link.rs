//! The cross-device link: round trip, percent-encoding, refusals.

use civitas_oid4vp::Oid4vpError;
use civitas_oid4vp::encoding::{percent_decode, percent_encode};
use civitas_oid4vp::limits::MAX_LINK_BYTES;
use civitas_oid4vp::uri::{
    RequestUriMethod, parse_request_link, parse_request_link_with, request_link,
};

const CLIENT: &str = "decentralized_identifier:did:web:bank.example:branches:port-louis";

#[test]
fn round_trip() {
    let uri = "https://bank.example/oid4vp/request?id=a%20b&x=é&y=+#frag";
    let link = request_link(CLIENT, uri);
    assert!(link.starts_with("openid4vp://?client_id=decentralized_identifier%3Adid%3Aweb%3A"));
    let query = &link["openid4vp://?".len()..];
    assert_eq!(query.matches('&').count(), 1);
    assert!(!query.contains([':', '/', ' ', '#', '?']));
    let parsed = parse_request_link(&link).unwrap();
    assert_eq!(parsed.client_id, CLIENT);
    assert_eq!(parsed.request_uri, uri);
    assert_eq!(parsed.request_uri_method, RequestUriMethod::Get);
}

#[test]
fn universal_link_method_and_whitespace() {
    let link = format!(
        "  https://wallet.example/authorize?request_uri_method=post&client_id={}&request_uri=https%3A%2F%2Fbank.example%2Fr&other=1#x\n",
        percent_encode(CLIENT)
    );
    let parsed = parse_request_link(&link).unwrap();
    assert_eq!(parsed.request_uri_method, RequestUriMethod::Post);
    assert_eq!(parsed.request_uri, "https://bank.example/r");
}

#[test]
fn percent_encoding_edge_cases() {
    assert_eq!(percent_encode("a+b c"), "a%2Bb%20c");
    assert_eq!(percent_decode("a+b%20c").as_deref(), Some("a b c"));
    assert_eq!(percent_decode("%2b%2B").as_deref(), Some("++"));
    assert_eq!(percent_decode("%e2%82%ac").as_deref(), Some("€"));
    assert_eq!(percent_decode("100%"), None);
    assert_eq!(percent_decode("%G0"), None);
    assert_eq!(percent_decode("%FF"), None);
    // A lowercase-hex, `+`-spaced link from another verifier still parses.
    let link = "openid4vp://?client_id=decentralized_identifier%3adid%3akey%3az6Mk&request_uri=https%3a%2f%2fbank.example%2fr";
    assert_eq!(
        parse_request_link(link).unwrap().client_id,
        "decentralized_identifier:did:key:z6Mk"
    );
}

#[test]
fn refusals() {
    let ok_uri = percent_encode("https://bank.example/r");
    let client = percent_encode(CLIENT);
    let cases = [
        (
            format!("openid://?client_id={client}&request_uri={ok_uri}"),
            Oid4vpError::BadLinkScheme,
        ),
        (
            format!("https://?client_id={client}&request_uri={ok_uri}"),
            Oid4vpError::BadLinkScheme,
        ),
        (
            format!("openid4vp://?request_uri={ok_uri}"),
            Oid4vpError::MissingParameter { name: "client_id" },
        ),
        (
            format!("openid4vp://?client_id={client}"),
            Oid4vpError::MissingParameter {
                name: "request_uri",
            },
        ),
        (
            "openid4vp://".to_owned(),
            Oid4vpError::MissingParameter { name: "client_id" },
        ),
        (
            format!("openid4vp://?client_id=&request_uri={ok_uri}"),
            Oid4vpError::MissingParameter { name: "client_id" },
        ),
        (
            format!("openid4vp://?client_id={client}&client_id=x&request_uri={ok_uri}"),
            Oid4vpError::RepeatedParameter {
                name: "client_id".into(),
            },
        ),
        (
            format!("openid4vp://?client_id=%ZZ&request_uri={ok_uri}"),
            Oid4vpError::BadPercentEncoding {
                name: "client_id".into(),
            },
        ),
        (
            format!("openid4vp://?client_id={client}&request_uri={ok_uri}&request_uri_method=put"),
            Oid4vpError::UnsupportedRequestUriMethod {
                found: "put".into(),
            },
        ),
        (
            format!("openid4vp://?client_id={client}&request_uri=http%3A%2F%2Fbank.example%2Fr"),
            Oid4vpError::NotHttps {
                name: "request_uri",
                uri: "http://bank.example/r".into(),
            },
        ),
    ];
    for (link, expected) in cases {
        assert_eq!(parse_request_link(&link), Err(expected), "{link}");
    }
    let e = parse_request_link(&format!(
        "openid4vp://?client_id={client}&request_uri={ok_uri}&request_uri_method=put"
    ))
    .unwrap_err();
    assert_eq!(e.code(), "invalid_request_uri_method");
    let big = format!(
        "openid4vp://?client_id={}&request_uri={ok_uri}",
        "a".repeat(MAX_LINK_BYTES)
    );
    assert!(matches!(
        parse_request_link(&big),
        Err(Oid4vpError::TooLarge { .. })
    ));
}

#[test]
fn loopback_request_uri() {
    let link = request_link(CLIENT, "http://127.0.0.1:3000/request/1");
    assert!(parse_request_link(&link).is_err());
    assert!(parse_request_link_with(&link, true).is_ok());
    let remote = request_link(CLIENT, "http://bank.example/request/1");
    assert!(parse_request_link_with(&remote, true).is_err());
    let v6 = request_link(CLIENT, "http://[::1]:3000/r");
    assert!(parse_request_link_with(&v6, true).is_ok());
}
