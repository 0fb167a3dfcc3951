//! Malformed and hostile input: each case is a typed error with a clear message, never a panic.

use crate::common;

use std::io::Write;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use civitas_core::verify::DocumentCheck;
use civitas_status::bitstring::{
    Bitstring, MAX_DECODED_LIST_BYTES, MAX_ENCODED_LIST_BYTES, MIN_BITSTRING_BITS, StatusSize,
};
use civitas_status::credential::BitstringStatusListCredential;
use civitas_status::entry::{BitstringStatusListEntry, StatusPurpose};
use civitas_status::error::{EncodedListError, StatusError};
use civitas_status::list::PublishOptions;
use civitas_status::verify::verify_status_list;
use common::{LIST_URL, at, signed_list, signer};
use proptest::prelude::*;
use serde_json::{Value, json};

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn multibase(bytes: &[u8]) -> String {
    format!("u{}", URL_SAFE_NO_PAD.encode(bytes))
}

fn decode(text: &str) -> EncodedListError {
    let err = Bitstring::decode(text).unwrap_err();
    assert!(!err.to_string().is_empty());
    err
}

#[test]
fn not_multibase() {
    let good = Bitstring::zeroed(131_072, StatusSize::ONE)
        .unwrap()
        .encode();
    let as_z = format!("z{}", &good[1..]);
    assert_eq!(
        decode(&as_z),
        EncodedListError::NotMultibase {
            found: "`z`".into()
        }
    );
    assert_eq!(
        decode(&good[1..]),
        EncodedListError::NotMultibase {
            found: "`H`".into()
        }
    );
    assert!(
        matches!(decode(""), EncodedListError::NotMultibase { found } if found.contains("empty"))
    );
    let msg = decode(&as_z).to_string();
    assert!(msg.contains("must start with `u`"), "{msg}");
}

#[test]
fn bad_base64url() {
    assert_eq!(decode("uH4s*IAAA"), EncodedListError::Base64 { offset: 3 });
    // Standard base64 characters and padding are not base64url-without-padding.
    assert!(matches!(
        decode("uH4sI+AA"),
        EncodedListError::Base64 { .. }
    ));
    assert!(matches!(
        decode("uH4sI/AA"),
        EncodedListError::Base64 { .. }
    ));
    assert!(matches!(
        decode("uH4sIAA="),
        EncodedListError::Base64 { .. }
    ));
    // A length no base64 text can have.
    assert!(matches!(decode("uH4sIA"), EncodedListError::Base64 { .. }));
    assert!(matches!(decode("uH"), EncodedListError::Base64 { .. }));
}

#[test]
fn not_gzip() {
    assert_eq!(
        decode(&multibase(b"hello, this is not compressed")),
        EncodedListError::NotGzip
    );
    assert_eq!(decode(&multibase(&[0u8; 16384])), EncodedListError::NotGzip);
    assert_eq!(decode("u"), EncodedListError::NotGzip);
    // zlib (not GZIP) framing of the same bits.
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&[0u8; 16384]).unwrap();
    assert_eq!(
        decode(&multibase(&z.finish().unwrap())),
        EncodedListError::NotGzip
    );
}

#[test]
fn truncated_gzip() {
    let mut data = vec![0u8; 16384];
    data[100] = 0xff; // something to compress
    let full = gzip(&data);
    for cut in [2, 5, 10, full.len() / 2, full.len() - 4, full.len() - 1] {
        let err = decode(&multibase(&full[..cut]));
        assert!(
            matches!(err, EncodedListError::Truncated),
            "cut at {cut} of {}: {err:?}",
            full.len()
        );
    }
}

#[test]
fn corrupt_gzip() {
    let full = gzip(&[0u8; 16384]);
    // A damaged CRC.
    let mut bad_crc = full.clone();
    let n = bad_crc.len();
    bad_crc[n - 8] ^= 0xff;
    assert!(matches!(
        decode(&multibase(&bad_crc)),
        EncodedListError::Corrupt { .. }
    ));
    // A bad compression method in the header.
    let mut bad_method = full.clone();
    bad_method[2] = 7;
    assert!(matches!(
        decode(&multibase(&bad_method)),
        EncodedListError::Corrupt { .. }
    ));
    // Garbage deflate data (block type 3 is reserved).
    let mut garbage = full[..10].to_vec();
    garbage.extend([0xff; 64]);
    assert!(matches!(
        decode(&multibase(&garbage)),
        EncodedListError::Corrupt { .. }
    ));
}

#[test]
fn gzip_bomb_is_cut_off_at_the_cap() {
    // 17 MiB of zeros compresses to about 17 KB.
    let bomb = gzip(&vec![0u8; MAX_DECODED_LIST_BYTES + 1024 * 1024]);
    assert!(bomb.len() < 64 * 1024);
    let err = decode(&multibase(&bomb));
    assert_eq!(
        err,
        EncodedListError::TooLarge {
            max: MAX_DECODED_LIST_BYTES
        }
    );
    assert!(err.to_string().contains("GZIP bomb"), "{err}");
    // Exactly at the cap is fine.
    let at_cap = Bitstring::decode(&multibase(&gzip(&vec![0u8; MAX_DECODED_LIST_BYTES]))).unwrap();
    assert_eq!(at_cap.as_bytes().len(), MAX_DECODED_LIST_BYTES);
}

#[test]
fn bytes_after_the_gzip_member_are_refused() {
    let data = vec![0u8; 16384];
    let member = gzip(&data);
    assert_eq!(
        Bitstring::decode(&multibase(&member))
            .unwrap()
            .as_bytes()
            .len(),
        16384
    );
    for (trailing, count) in [
        (b"garbage".to_vec(), 7),
        (vec![0u8], 1),
        // A second member: a multi-member reader would see other bits.
        (gzip(&[0xffu8; 16384]), gzip(&[0xffu8; 16384]).len()),
    ] {
        let text = multibase(&[member.clone(), trailing].concat());
        assert_eq!(decode(&text), EncodedListError::TrailingBytes { count });
        assert!(
            decode(&text)
                .to_string()
                .contains("after the end of its GZIP stream")
        );
    }
}

#[test]
fn overlong_encoded_text_is_refused_before_decoding() {
    let long = format!("u{}", "A".repeat(MAX_ENCODED_LIST_BYTES));
    assert_eq!(
        decode(&long),
        EncodedListError::TooLong {
            size: MAX_ENCODED_LIST_BYTES + 1,
            max: MAX_ENCODED_LIST_BYTES
        }
    );
}

fn list_json(encoded: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": "did:example:issuer",
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": format!("{LIST_URL}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded
        }
    })
}

#[test]
fn a_list_under_16_kib_is_too_short() {
    let small = multibase(&gzip(&[0u8; 1000]));
    let err = BitstringStatusListCredential::from_json(&list_json(&small)).unwrap_err();
    assert_eq!(
        err,
        StatusError::ListTooShort {
            bits: 8000,
            min: MIN_BITSTRING_BITS
        }
    );
    // The encodedList errors come through the credential parser too.
    let err = BitstringStatusListCredential::from_json(&list_json("zabc")).unwrap_err();
    assert!(matches!(
        err,
        StatusError::EncodedList(EncodedListError::NotMultibase { .. })
    ));
}

#[test]
fn list_credential_shape_errors() {
    let good = Bitstring::zeroed(131_072, StatusSize::ONE)
        .unwrap()
        .encode();
    let base = list_json(&good);
    BitstringStatusListCredential::from_json(&base).unwrap();
    let field = |patch: &dyn Fn(&mut Value)| {
        let mut doc = base.clone();
        patch(&mut doc);
        BitstringStatusListCredential::from_json(&doc).unwrap_err()
    };
    assert!(matches!(
        field(&|d| d["type"] = json!(["VerifiableCredential"])),
        StatusError::NotAStatusList { .. }
    ));
    assert!(matches!(
        field(&|d| d["credentialSubject"]["type"] = json!("Person")),
        StatusError::NotAStatusList { .. }
    ));
    assert!(matches!(
        field(&|d| { d.as_object_mut().unwrap().shift_remove("id"); }),
        StatusError::Field { pointer, .. } if pointer == "/id"
    ));
    assert!(matches!(
        field(&|d| { d["credentialSubject"].as_object_mut().unwrap().shift_remove("encodedList"); }),
        StatusError::Field { pointer, .. } if pointer == "/credentialSubject/encodedList"
    ));
    assert!(matches!(
        field(&|d| d["credentialSubject"]["encodedList"] = json!(42)),
        StatusError::Field { pointer, .. } if pointer == "/credentialSubject/encodedList"
    ));
    assert!(matches!(
        field(&|d| d["credentialSubject"]["statusPurpose"] = json!("deletion")),
        StatusError::UnknownPurpose { value } if value == "deletion"
    ));
    assert!(matches!(
        field(&|d| d["credentialSubject"]["statusPurpose"] = json!([])),
        StatusError::Field { pointer, .. } if pointer == "/credentialSubject/statusPurpose"
    ));
    assert!(matches!(
        field(&|d| d["credentialSubject"]["ttl"] = json!(-5)),
        StatusError::Field { pointer, .. } if pointer == "/credentialSubject/ttl"
    ));
    assert!(matches!(
        field(&|d| d["issuer"] = json!(7)),
        StatusError::Input(_)
    ));
    // Two purposes in one list are allowed.
    let mut two = base.clone();
    two["credentialSubject"]["statusPurpose"] = json!(["revocation", "suspension"]);
    let list = BitstringStatusListCredential::from_json(&two).unwrap();
    assert_eq!(
        list.purposes,
        [StatusPurpose::Revocation, StatusPurpose::Suspension]
    );
    // Bytes that are not a credential at all.
    for bytes in [&b"not json"[..], b"{", b"", b"[1,2]", b"\xff\xfe"] {
        assert!(
            matches!(
                BitstringStatusListCredential::parse(bytes),
                Err(StatusError::Input(_))
            ),
            "{bytes:?}"
        );
    }
    let vp = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "VerifiablePresentation"});
    assert!(matches!(
        BitstringStatusListCredential::parse(&serde_json::to_vec(&vp).unwrap()),
        Err(StatusError::NotAStatusList { .. })
    ));
}

fn entry_json() -> Value {
    json!({
        "id": format!("{LIST_URL}#94567"),
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": LIST_URL
    })
}

fn entry_err(patch: &dyn Fn(&mut Value)) -> StatusError {
    let mut e = entry_json();
    patch(&mut e);
    let err = BitstringStatusListEntry::from_json(&e).unwrap_err();
    assert!(!err.to_string().is_empty());
    err
}

#[test]
fn bad_indexes() {
    for (value, reason) in [
        (json!("-1"), "negative"),
        (json!("abc"), "base-10"),
        (json!("12a"), "base-10"),
        (json!("1.5"), "base-10"),
        (json!(""), "empty"),
        (json!("99999999999999999999999"), "too large"),
        (json!(94567), "not a JSON number"),
        (json!(-3), "not a JSON number"),
        (json!(null), "not a JSON number"),
    ] {
        let err = entry_err(&|e| e["statusListIndex"] = value.clone());
        match &err {
            StatusError::InvalidIndex { reason: r, .. } => {
                assert!(r.contains(reason), "{value}: {err}")
            }
            other => panic!("{value}: {other:?}"),
        }
        assert!(err.to_string().starts_with("statusListIndex"), "{err}");
    }
}

#[test]
fn bad_entries() {
    assert!(matches!(
        entry_err(&|e| e["statusPurpose"] = json!("deletion")),
        StatusError::UnknownPurpose { .. }
    ));
    assert!(matches!(
        entry_err(&|e| e["type"] = json!("StatusList2021Entry")),
        StatusError::Field { pointer, .. } if pointer == "/type"
    ));
    assert!(matches!(
        entry_err(&|e| e["id"] = json!(LIST_URL)),
        StatusError::Field { pointer, .. } if pointer == "/id"
    ));
    assert!(matches!(
        entry_err(&|e| e["statusListCredential"] = json!("no url")),
        StatusError::Field { pointer, .. } if pointer == "/statusListCredential"
    ));
    for size in [json!(0), json!(9), json!("2"), json!(-1), json!(1.5)] {
        assert!(
            matches!(
                entry_err(&|e| e["statusSize"] = size.clone()),
                StatusError::InvalidStatusSize { .. }
            ),
            "{size}"
        );
    }
    assert!(matches!(
        entry_err(&|e| e["statusSize"] = json!(2)),
        StatusError::InvalidStatusMessage { .. }
    ));
    assert!(matches!(
        entry_err(&|e| {
            e["statusSize"] = json!(1);
            e["statusMessage"] = json!([{"status": "0x0", "message": "ok"}]);
        }),
        StatusError::InvalidStatusMessage { .. }
    ));
    assert!(matches!(
        entry_err(&|e| e["statusMessage"] = json!([{"status": "0x0", "message": "ok"}, {"status": "0x0", "message": "again"}])),
        StatusError::InvalidStatusMessage { reason } if reason.contains("twice")
    ));
    assert!(matches!(
        entry_err(&|e| e["statusMessage"] =
            json!([{"status": "0", "message": "ok"}, {"status": "0x1", "message": "no"}])),
        StatusError::InvalidStatusMessage { .. }
    ));
    assert!(matches!(
        entry_err(&|e| e["statusMessage"] =
            json!([{"status": "0x0", "message": "ok"}, {"status": "0x2", "message": "no"}])),
        StatusError::InvalidStatusMessage { .. }
    ));
    assert!(matches!(
        entry_err(&|e| e["statusReference"] = json!(["https://ok.example", 5])),
        StatusError::Field { pointer, .. } if pointer == "/statusReference"
    ));
    assert!(matches!(
        BitstringStatusListEntry::from_json(&json!("x")),
        Err(StatusError::Field { .. })
    ));
}

#[test]
fn index_out_of_range_and_too_short_for_the_index() {
    let list = BitstringStatusListCredential::from_json(&list_json(
        &Bitstring::zeroed(131_072, StatusSize::ONE)
            .unwrap()
            .encode(),
    ))
    .unwrap();
    let mut entry = BitstringStatusListEntry::new(LIST_URL, 131_072, StatusPurpose::Revocation);
    assert_eq!(
        list.status(&entry).unwrap_err(),
        StatusError::IndexOutOfRange {
            index: 131_072,
            status_size: 1,
            entries: 131_072
        }
    );
    entry.index = 131_071;
    assert_eq!(list.status(&entry).unwrap(), 0);
    // With 8-bit entries the same list holds 16,384 of them.
    entry.size = StatusSize::new(8).unwrap();
    entry.index = 16_384;
    assert_eq!(
        list.status(&entry).unwrap_err(),
        StatusError::IndexOutOfRange {
            index: 16_384,
            status_size: 8,
            entries: 16_384
        }
    );
    entry.index = u64::MAX;
    assert!(matches!(
        list.status(&entry),
        Err(StatusError::IndexOutOfRange { .. })
    ));
}

#[test]
fn wrong_purpose() {
    let list = BitstringStatusListCredential::from_json(&list_json(
        &Bitstring::zeroed(131_072, StatusSize::ONE)
            .unwrap()
            .encode(),
    ))
    .unwrap();
    let entry = BitstringStatusListEntry::new(LIST_URL, 5, StatusPurpose::Suspension);
    let err = list.status(&entry).unwrap_err();
    assert_eq!(
        err,
        StatusError::PurposeMismatch {
            list: LIST_URL.into(),
            list_purposes: "revocation".into(),
            entry: StatusPurpose::Suspension
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "the entry's statusPurpose is suspension, but status list {LIST_URL} is for revocation"
        )
    );
}

#[tokio::test]
async fn a_list_signed_by_someone_else() {
    let issuer = signer(1);
    let mallory = signer(2);
    // Claims the issuer's DID but is signed with Mallory's key.
    let forged = signed_list(
        &mallory,
        issuer.controller(),
        LIST_URL,
        StatusPurpose::Revocation,
        &[7],
        PublishOptions::new(""),
    )
    .await;
    let err = verify_status_list(
        &serde_json::to_vec(&forged).unwrap(),
        &DocumentCheck::default(),
        at("2025-02-01T00:00:00Z"),
    )
    .await
    .unwrap_err();
    match &err {
        StatusError::ListNotSignedByIssuer { issuer: i, .. } => assert_eq!(i, issuer.controller()),
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string().contains("is not signed by its issuer"),
        "{err}"
    );

    // Properly signed by Mallory, as Mallory: it verifies, but not for the issuer's credentials.
    let own = signed_list(
        &mallory,
        mallory.controller(),
        LIST_URL,
        StatusPurpose::Revocation,
        &[7],
        PublishOptions::new(""),
    )
    .await;
    let list = verify_status_list(
        &serde_json::to_vec(&own).unwrap(),
        &DocumentCheck::default(),
        at("2025-02-01T00:00:00Z"),
    )
    .await
    .unwrap();
    let entry = BitstringStatusListEntry::new(LIST_URL, 7, StatusPurpose::Revocation);
    assert!(matches!(
        list.status_for(&entry, issuer.controller()),
        Err(StatusError::IssuerMismatch { .. })
    ));
}

#[tokio::test]
async fn a_tampered_list_fails_its_signature() {
    let issuer = signer(1);
    let mut doc = signed_list(
        &issuer,
        issuer.controller(),
        LIST_URL,
        StatusPurpose::Revocation,
        &[7],
        PublishOptions::new(""),
    )
    .await;
    let mut bits =
        Bitstring::decode(doc["credentialSubject"]["encodedList"].as_str().unwrap()).unwrap();
    bits.set(7, StatusSize::ONE, 0).unwrap(); // un-revoke
    doc["credentialSubject"]["encodedList"] = bits.encode().into();
    let err = verify_status_list(
        &serde_json::to_vec(&doc).unwrap(),
        &DocumentCheck::default(),
        at("2025-02-01T00:00:00Z"),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, StatusError::BadListSignature { .. }), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        let _ = Bitstring::decode(&text);
        let _ = Bitstring::decode(&format!("u{text}"));
        let _ = civitas_status::entry::parse_index(&text);
    }

    #[test]
    fn arbitrary_bytes_after_the_gzip_magic_never_panic(body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut bytes = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
        bytes.extend(body);
        let _ = Bitstring::from_gzip(&bytes);
        let _ = BitstringStatusListCredential::parse(&bytes);
    }
}
