//! `ListSummary::inspect` (`civitas status inspect`): the signature check is a typed value, the
//! status error itself when it fails, and serializes as `{"verified", "detail" | "reason"}`.

use crate::common;

use civitas_core::verify::DocumentCheck;
use civitas_status::entry::StatusPurpose;
use civitas_status::error::StatusError;
use civitas_status::inspect::{ListSummary, SignatureCheck};
use civitas_status::list::PublishOptions;
use common::{LIST_URL, at, signed_list, signer};
use serde_json::json;

#[tokio::test]
async fn the_signature_check_keeps_the_status_error() {
    let s = signer(7);
    let list = signed_list(
        &s,
        s.controller(),
        LIST_URL,
        StatusPurpose::Revocation,
        &[5],
        PublishOptions::new(""),
    )
    .await;
    let now = at("2025-06-01T00:00:00Z");
    let good = ListSummary::inspect(
        &serde_json::to_vec(&list).unwrap(),
        &DocumentCheck::default(),
        now,
    )
    .await
    .unwrap();
    assert!(good.signature.is_verified(), "{:?}", good.signature);
    let value = serde_json::to_value(&good).unwrap();
    assert_eq!(value["signature"]["verified"], true);
    assert_eq!(
        value["signature"]["detail"].as_str(),
        good.signature.detail().as_deref()
    );

    // another issuer claims the list: refused, and the reason is the typed status error
    let mut forged = list.clone();
    forged["issuer"] = json!(signer(8).controller());
    let bad = ListSummary::inspect(
        &serde_json::to_vec(&forged).unwrap(),
        &DocumentCheck::default(),
        now,
    )
    .await
    .unwrap();
    let SignatureCheck::Failed(error) = &bad.signature else {
        panic!("a forged list verified: {:?}", bad.signature);
    };
    assert!(
        matches!(error,
            StatusError::BadListSignature { list, .. }
            | StatusError::ListNotSignedByIssuer { list, .. } if list == LIST_URL),
        "{error:?}"
    );
    let value = serde_json::to_value(&bad).unwrap();
    assert_eq!(
        value["signature"],
        json!({"verified": false, "reason": error.to_string()})
    );
    assert!(bad.to_string().contains(&format!("FAILED: {error}")));
}
