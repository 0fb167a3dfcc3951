//! The direct_post response: round trip and every refusal.

use civitas_oid4vp::Oid4vpError;
use civitas_oid4vp::dcql::DcqlQuery;
use civitas_oid4vp::encoding::percent_encode;
use civitas_oid4vp::limits::{MAX_RESPONSE_FORM_BYTES, MAX_VP_TOKEN_BYTES};
use civitas_oid4vp::response::{
    AuthorizationResponse, DirectPost, ErrorResponse, Presentation, parse_direct_post,
};
use serde_json::json;

use crate::bank_query;

fn form(vp_token: &str, state: &str) -> Vec<u8> {
    format!(
        "vp_token={}&state={}",
        percent_encode(vp_token),
        percent_encode(state)
    )
    .into_bytes()
}

fn parse(vp_token: &str) -> Result<AuthorizationResponse, Oid4vpError> {
    AuthorizationResponse::parse_form(&form(vp_token, "s1"))
}

#[test]
fn round_trip_and_check() {
    let mut r = AuthorizationResponse {
        vp_token: Default::default(),
        state: "st&=+ é".into(),
    };
    r.vp_token.insert(
        "birth".into(),
        vec![Presentation::Compact("eyJ.a.b~c~".into())],
    );
    let body = r.to_form();
    assert!(body.starts_with("vp_token=%7B%22birth%22%3A%5B%22eyJ.a.b~c~%22%5D%7D&state="));
    let back = AuthorizationResponse::parse_form(body.as_bytes()).unwrap();
    assert_eq!(back, r);
    back.check_against(&bank_query()).unwrap();
    back.check_state("st&=+ é").unwrap();
    assert_eq!(back.check_state("other"), Err(Oid4vpError::StateMismatch));
    let ldp = parse(r#"{"vc": [{"type": "VerifiablePresentation", "proof": {}}]}"#).unwrap();
    assert!(matches!(ldp.vp_token["vc"][0], Presentation::Object(_)));
    assert!(matches!(
        parse_direct_post(body.as_bytes()),
        Ok(DirectPost::Response(_))
    ));
}

#[test]
fn query_id_not_asked_for() {
    let r = parse(r#"{"birth": ["a~"], "marriage": ["b~"]}"#).unwrap();
    assert_eq!(
        r.check_against(&bank_query()),
        Err(Oid4vpError::UnexpectedQueryId {
            id: "marriage".into()
        })
    );
}

#[test]
fn missing_required_id() {
    let q = DcqlQuery::parse(&json!({"credentials": [
        {"id": "birth", "format": "dc+sd-jwt", "meta": {"vct_values": ["x"]}},
        {"id": "address", "format": "dc+sd-jwt", "meta": {"vct_values": ["y"]}}
    ]}))
    .unwrap();
    let r = parse(r#"{"birth": ["a~"]}"#).unwrap();
    assert_eq!(
        r.check_against(&q),
        Err(Oid4vpError::MissingQueryId {
            id: "address".into()
        })
    );
}

#[test]
fn credential_sets_and_multiple() {
    let q = DcqlQuery::parse(&json!({
        "credentials": [
            {"id": "a", "format": "dc+sd-jwt", "meta": {"vct_values": ["x"]}, "multiple": true},
            {"id": "b", "format": "dc+sd-jwt", "meta": {"vct_values": ["y"]}},
            {"id": "c", "format": "dc+sd-jwt", "meta": {"vct_values": ["z"]}},
            {"id": "extra", "format": "dc+sd-jwt", "meta": {"vct_values": ["w"]}}
        ],
        "credential_sets": [
            {"options": [["a"], ["b", "c"]]},
            {"required": false, "options": [["extra"]]}
        ]
    }))
    .unwrap();
    parse(r#"{"a": ["1", "2"]}"#)
        .unwrap()
        .check_against(&q)
        .unwrap();
    parse(r#"{"b": ["1"], "c": ["2"], "extra": ["3"]}"#)
        .unwrap()
        .check_against(&q)
        .unwrap();
    assert_eq!(
        parse(r#"{"b": ["1"], "extra": ["3"]}"#)
            .unwrap()
            .check_against(&q),
        Err(Oid4vpError::CredentialSetUnsatisfied { index: 0 })
    );
    assert_eq!(
        parse(r#"{"b": ["1", "2"], "c": ["3"]}"#)
            .unwrap()
            .check_against(&q),
        Err(Oid4vpError::TooManyPresentations {
            id: "b".into(),
            count: 2,
            max: 1
        })
    );
}

#[test]
fn malformed_vp_tokens() {
    assert_eq!(parse(r#"["a"]"#), Err(Oid4vpError::VpTokenNotObject));
    assert_eq!(parse(r#""a~b~""#), Err(Oid4vpError::VpTokenNotObject));
    assert!(matches!(parse("{"), Err(Oid4vpError::VpTokenNotJson(_))));
    assert!(matches!(
        parse(r#"{"a": [], "a": []}"#),
        Err(Oid4vpError::VpTokenNotJson(_))
    ));
    assert_eq!(
        parse(r#"{"birth": "a~"}"#),
        Err(Oid4vpError::PresentationsNotArray { id: "birth".into() })
    );
    assert_eq!(
        parse(r#"{"birth": []}"#),
        Err(Oid4vpError::PresentationsNotArray { id: "birth".into() })
    );
    assert_eq!(
        parse(r#"{"birth": ["a", 1]}"#),
        Err(Oid4vpError::InvalidPresentation {
            id: "birth".into(),
            index: 1
        })
    );
    assert_eq!(
        parse(r#"{"birth": [""]}"#),
        Err(Oid4vpError::InvalidPresentation {
            id: "birth".into(),
            index: 0
        })
    );
    let many: Vec<String> = (0..17).map(|i| format!("\"q{i}\": [\"x\"]")).collect();
    assert!(matches!(
        parse(&format!("{{{}}}", many.join(","))),
        Err(Oid4vpError::InvalidParameter {
            name: "vp_token",
            ..
        })
    ));
    assert!(matches!(
        parse(r#"{"b": ["1","1","1","1","1","1","1","1","1","1","1","1","1","1","1","1","1"]}"#),
        Err(Oid4vpError::TooManyPresentations { .. })
    ));
}

#[test]
fn missing_parameters_and_bad_forms() {
    assert_eq!(
        AuthorizationResponse::parse_form(b"state=x"),
        Err(Oid4vpError::MissingParameter { name: "vp_token" })
    );
    assert_eq!(
        AuthorizationResponse::parse_form(b"vp_token=%7B%7D"),
        Err(Oid4vpError::MissingParameter { name: "state" })
    );
    assert_eq!(
        AuthorizationResponse::parse_form(b"vp_token=%7B%7D&vp_token=%7B%7D&state=x"),
        Err(Oid4vpError::RepeatedParameter {
            name: "vp_token".into()
        })
    );
    assert!(matches!(
        AuthorizationResponse::parse_form(b"vp_token=\xff&state=x"),
        Err(Oid4vpError::InvalidParameter { name: "body", .. })
    ));
    assert_eq!(
        AuthorizationResponse::parse_form(b"vp_token=%E2%82&state=x"),
        Err(Oid4vpError::BadPercentEncoding {
            name: "vp_token".into()
        })
    );
}

#[test]
fn oversized() {
    let big = format!(r#"{{"birth": ["{}"]}}"#, "a".repeat(MAX_VP_TOKEN_BYTES));
    assert!(matches!(parse(&big), Err(Oid4vpError::TooLarge { .. })));
    let body = vec![b'a'; MAX_RESPONSE_FORM_BYTES + 1];
    assert!(matches!(
        AuthorizationResponse::parse_form(&body),
        Err(Oid4vpError::TooLarge { .. })
    ));
}

#[test]
fn error_response() {
    let e = Oid4vpError::UnsupportedClientIdPrefix {
        prefix: "x509_hash".into(),
    };
    let r = ErrorResponse::from_error(&e, Some("s1"));
    assert_eq!(r.error, "invalid_client");
    let body = r.to_form();
    assert!(body.starts_with("error=invalid_client&error_description="));
    assert_eq!(ErrorResponse::parse_form(body.as_bytes()).unwrap(), r);
    assert_eq!(
        parse_direct_post(body.as_bytes()).unwrap(),
        DirectPost::Error(r)
    );
    assert_eq!(
        ErrorResponse::parse_form(b"state=s"),
        Err(Oid4vpError::MissingParameter { name: "error" })
    );
    let access_denied = ErrorResponse::parse_form(b"error=access_denied&state=s1").unwrap();
    assert_eq!(access_denied.error_description, None);
}
