//! Canonicalization agrees with RDFC-1.0 and with the reference JS stack (jsonld.js toRDF with
//! `rdfDirection: i18n-datatype` + rdf-canonize, as the `eddsa-rdfc-2022` cryptosuite runs
//! them) on the four shapes of issue 17: JSON-LD lists (their order is signed), base
//! directions (`@direction`, signed as `i18n-datatype` literals), language tags (lower-cased)
//! and control characters in strings (escaped as canonical N-Quads require). ssi's general path
//! gets all four wrong: it refuses them (`CanonError::GeneralPathUnsafe`) instead of answering.
//!
//! The tests without node check exact canonical text and that a changed list, direction,
//! language tag or control character changes the canonical form and breaks a signature; the
//! tests with node compare civitas' canonical form with the JS stack's, byte for byte.

use crate::common;

use civitas_core::data_integrity::{ProofOptions, add_proof};
use civitas_core::report::Verdict;
use civitas_core::verify::{DocumentCheck, VerifyOptions};
use civitas_jsonld::canon::{self, CanonError};
use civitas_jsonld::contexts::ContextLoader;
use civitas_keys::signer::Signer;
use civitas_testkit::js::JsPeer;
use serde_json::{Value, json};

const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";

/// The credential of the issue's reproduction, with `subject` as its `credentialSubject` and
/// terms `ordered` (`@container: @list`), `label` (plain), `labels` (a language map),
/// `rtlLabel` (term-level `@direction: rtl`) and `items` (a list of lists).
fn credential(issuer: &str, subject: Value) -> Value {
    json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            {
                "ordered": {"@id": "https://example.org/ordered", "@container": "@list"},
                "label": {"@id": "https://example.org/label"},
                "labels": {"@id": "https://example.org/labels", "@container": "@language"},
                "rtlLabel": {"@id": "https://example.org/rtlLabel", "@direction": "rtl",
                             "@language": "AR"},
                "items": {"@id": "https://example.org/items", "@container": "@list"}
            }
        ],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": subject
    })
}

fn doc(subject: Value) -> Value {
    credential("did:example:issuer", subject)
}

/// The canonical form of `subject`'s credential by `canon::canonicalize`.
async fn canonical(subject: Value) -> String {
    let d = doc(subject);
    canon::canonicalize(&d, &ContextLoader::bundled())
        .await
        .unwrap_or_else(|e| panic!("{d}: {e}"))
}

/// The canonical lines of the subject `did:example:1` (its statements, not the credential's).
fn subject_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.starts_with("<did:example:1>"))
        .collect()
}

/// The shapes of issue 17, each with tampered versions that must canonicalize differently.
fn shapes() -> Vec<(&'static str, Value, Vec<Value>)> {
    vec![
        (
            "@container @list",
            json!({"id": "did:example:1", "ordered": ["first", "second", "third"]}),
            vec![
                json!({"id": "did:example:1", "ordered": ["third", "second", "first"]}),
                json!({"id": "did:example:1", "ordered": ["first", "third", "second"]}),
                json!({"id": "did:example:1", "ordered": ["first", "second"]}),
                json!({"id": "did:example:1", "ordered": []}),
            ],
        ),
        (
            "explicit @list",
            json!({"id": "did:example:1", "label": {"@list": ["a", {"@id": "did:example:2"}, 3]}}),
            vec![
                json!({"id": "did:example:1", "label": {"@list": [3, {"@id": "did:example:2"}, "a"]}}),
                json!({"id": "did:example:1", "label": ["a", {"@id": "did:example:2"}, 3]}),
            ],
        ),
        (
            "nested and empty lists",
            json!({"id": "did:example:1", "items": [["a", "b"], [], ["c"]]}),
            vec![
                json!({"id": "did:example:1", "items": [["b", "a"], [], ["c"]]}),
                json!({"id": "did:example:1", "items": [["c"], [], ["a", "b"]]}),
                json!({"id": "did:example:1", "items": [["a", "b"], ["c"]]}),
            ],
        ),
        (
            "@direction in a value object",
            json!({"id": "did:example:1", "label": {"@value": "مرحبا", "@language": "ar", "@direction": "rtl"}}),
            vec![
                json!({"id": "did:example:1", "label": {"@value": "مرحبا", "@language": "ar", "@direction": "ltr"}}),
                json!({"id": "did:example:1", "label": {"@value": "مرحبا", "@language": "ar"}}),
                json!({"id": "did:example:1", "label": {"@value": "مرحبا", "@direction": "rtl"}}),
            ],
        ),
        (
            "@direction from a term definition",
            json!({"id": "did:example:1", "rtlLabel": "مرحبا"}),
            vec![
                json!({"id": "did:example:1", "rtlLabel": {"@value": "مرحبا", "@language": "ar"}}),
            ],
        ),
        (
            "upper-case language tags",
            json!({"id": "did:example:1",
                   "label": [{"@value": "colour", "@language": "en-GB"},
                             {"@value": "台灣", "@language": "zh-Hant-TW"}],
                   "labels": {"EN": "name", "fr-CA": "nom"}}),
            vec![
                json!({"id": "did:example:1",
                       "label": [{"@value": "colour", "@language": "en-US"},
                                 {"@value": "台灣", "@language": "zh-Hant-TW"}],
                       "labels": {"EN": "name", "fr-CA": "nom"}}),
                json!({"id": "did:example:1",
                       "label": [{"@value": "colour", "@language": "en-GB"},
                                 {"@value": "台灣", "@language": "zh-Hant-TW"}],
                       "labels": {"DE": "name", "fr-CA": "nom"}}),
            ],
        ),
        (
            "control characters",
            json!({"id": "did:example:1", "label": "a\tb\u{8}c\u{c}d\u{0}e\u{1f}f\u{7f}g\u{b}h\nj\rk\"l\\"}),
            vec![
                json!({"id": "did:example:1", "label": "a\u{b}b\u{8}c\u{c}d\u{0}e\u{1f}f\u{7f}g\u{b}h\nj\rk\"l\\"}),
                json!({"id": "did:example:1", "label": "a\tb\u{8}c\u{c}d\u{1}e\u{1f}f\u{7f}g\u{b}h\nj\rk\"l\\"}),
                json!({"id": "did:example:1", "label": "a b\u{8}c\u{c}d\u{0}e\u{1f}f\u{7f}g\u{b}h\nj\rk\"l\\"}),
            ],
        ),
    ]
}

#[tokio::test]
async fn list_order_is_signed_as_rdf_first_rest_chains() {
    let text = canonical(json!({"id": "did:example:1", "ordered": ["first", "second"]})).await;
    // The head of the list, then rdf:first/rdf:rest per item, ending in rdf:nil (c14n0 is the
    // credential).
    let want = format!(
        "<did:example:1> <https://example.org/ordered> _:c14n2 .\n\
         _:c14n1 <{RDF}first> \"second\" .\n\
         _:c14n1 <{RDF}rest> <{RDF}nil> .\n\
         _:c14n2 <{RDF}first> \"first\" .\n\
         _:c14n2 <{RDF}rest> _:c14n1 .\n"
    );
    let got: String = text
        .lines()
        .filter(|l| l.contains("ordered") || (l.contains(RDF) && !l.contains("#type")))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(got, want, "{text}");
    // An empty list is rdf:nil.
    let empty = canonical(json!({"id": "did:example:1", "ordered": []})).await;
    assert_eq!(
        subject_lines(&empty),
        [format!("<did:example:1> <https://example.org/ordered> <{RDF}nil> .").as_str()]
    );
    // Both list forms give the same graph.
    assert_eq!(
        canonical(json!({"id": "did:example:1", "ordered": ["x", "y"]})).await,
        canonical(json!({"id": "did:example:1", "ordered": {"@list": ["x", "y"]}})).await
    );
}

#[tokio::test]
async fn a_base_direction_is_signed_as_an_i18n_datatype() {
    let text = canonical(json!({"id": "did:example:1",
        "label": [{"@value": "שלום", "@language": "HE", "@direction": "rtl"},
                  {"@value": "abc", "@direction": "ltr"}],
        "rtlLabel": "x"}))
    .await;
    assert_eq!(
        subject_lines(&text),
        [
            "<did:example:1> <https://example.org/label> \"abc\"^^<https://www.w3.org/ns/i18n#_ltr> .",
            "<did:example:1> <https://example.org/label> \"שלום\"^^<https://www.w3.org/ns/i18n#he_rtl> .",
            "<did:example:1> <https://example.org/rtlLabel> \"x\"^^<https://www.w3.org/ns/i18n#ar_rtl> .",
        ]
    );
}

#[tokio::test]
async fn language_tags_are_lower_cased() {
    let text = canonical(json!({"id": "did:example:1",
        "label": [{"@value": "a", "@language": "en-GB"}, {"@value": "b", "@language": "zh-Hant-TW"}],
        "labels": {"EN": "c"}}))
    .await;
    assert_eq!(
        subject_lines(&text),
        [
            "<did:example:1> <https://example.org/label> \"a\"@en-gb .",
            "<did:example:1> <https://example.org/label> \"b\"@zh-hant-tw .",
            "<did:example:1> <https://example.org/labels> \"c\"@en .",
        ]
    );
    // The case of a tag is not signed (it is not part of the tag's meaning): EN and en agree.
    assert_eq!(
        canonical(json!({"id": "did:example:1", "labels": {"EN": "c"}})).await,
        canonical(json!({"id": "did:example:1", "labels": {"en": "c"}})).await
    );
}

#[tokio::test]
async fn control_characters_are_escaped_as_rdfc_1_0_requires() {
    let text = canonical(json!({"id": "did:example:1",
        "label": "a\tb\u{8}c\u{c}d\u{0}e\u{1f}f\u{7f}g\u{b}h\nj\rk\"l\\"}))
    .await;
    assert_eq!(
        subject_lines(&text),
        [
            r#"<did:example:1> <https://example.org/label> "a\tb\bc\fd\u0000e\u001Ff\u007Fg\u000Bh\nj\rk\"l\\" ."#
        ]
    );
}

#[tokio::test]
async fn the_fast_path_answers_every_shape() {
    let loader = ContextLoader::bundled();
    for (name, original, tampered) in shapes() {
        for subject in std::iter::once(original).chain(tampered) {
            let d = doc(subject);
            let fast = canon::fast_canonicalize(&d, &loader)
                .unwrap_or_else(|e| panic!("{name}: the fast path declined {d}: {e}"));
            assert_eq!(canon::canonicalize(&d, &loader).await.unwrap(), fast);
        }
    }
}

#[tokio::test]
async fn every_tampered_shape_canonicalizes_differently() {
    for (name, original, tampered) in shapes() {
        let want = canonical(original).await;
        for t in tampered {
            assert_ne!(canonical(t.clone()).await, want, "{name}: {t}");
        }
    }
}

#[tokio::test]
async fn the_general_path_refuses_what_ssi_gets_wrong() {
    let loader = ContextLoader::bundled();
    for (name, original, _) in shapes() {
        match canon::general_canonicalize(&doc(original), &loader).await {
            Err(CanonError::GeneralPathUnsafe { .. }) => {}
            other => panic!("{name}: the general path answered {other:?}"),
        }
    }
    // A document the fast path declines for another reason (a decimal number) and that has a
    // list: an error that says both, never ssi's answer.
    let d = doc(json!({"id": "did:example:1", "ordered": ["a", "b"], "label": 1.5}));
    let err = canon::canonicalize(&d, &loader).await.unwrap_err();
    assert!(matches!(err, CanonError::GeneralPathUnsafe { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("list") && message.contains("number other than a plain integer"),
        "{message}"
    );
    // Documents without these shapes still go to ssi when the fast path declines.
    let plain = doc(json!({"id": "did:example:1", "label": 1.5}));
    assert!(canon::canonicalize(&plain, &loader).await.is_ok());
}

/// A did:key signer and its DID.
fn signer() -> (civitas_keys::signer::LocalSigner, String) {
    let signer = common::test_signer();
    let vm = signer.verification_method();
    let did = vm.split('#').next().unwrap_or_default().to_owned();
    (signer, did)
}

#[tokio::test]
async fn a_signed_credential_verifies_and_every_tampered_version_is_refused() {
    let loader = ContextLoader::bundled();
    let (signer, did) = signer();
    let options = ProofOptions::default();
    for (name, original, tampered) in shapes() {
        let signed = add_proof(&credential(&did, original), &signer, &options, &loader)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let report = DocumentCheck::default()
            .verify(signed.to_string().as_bytes(), &VerifyOptions::default())
            .await;
        assert_eq!(report.verdict, Verdict::Valid, "{name}: {report}");
        for t in tampered {
            let mut forged = signed.clone();
            forged["credentialSubject"] = t.clone();
            let report = DocumentCheck::default()
                .verify(forged.to_string().as_bytes(), &VerifyOptions::default())
                .await;
            assert_eq!(report.verdict, Verdict::Invalid, "{name}: {t} verified");
        }
    }
}

#[test]
fn civitas_and_the_js_stack_give_the_same_canonical_form() {
    let Some(js) = JsPeer::get() else { return };
    let loader = ContextLoader::bundled();
    for (name, original, tampered) in shapes() {
        for subject in std::iter::once(original).chain(tampered) {
            let d = doc(subject);
            let ours = canon::fast_canonicalize(&d, &loader)
                .unwrap_or_else(|e| panic!("{name}: the fast path declined ({e})"));
            let theirs = js
                .canonize(&d.to_string(), &[])
                .unwrap_or_else(|e| panic!("{name}: the JS stack refused {d}: {e:?}"));
            assert_eq!(ours, theirs, "{name}: {d}");
        }
    }
}

#[test]
fn invalid_language_tags_and_directions_are_refused_by_both() {
    let Some(js) = JsPeer::get() else { return };
    let loader = ContextLoader::bundled();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for subject in [
        json!({"id": "did:example:1", "label": {"@value": "x", "@language": "en_GB"}}),
        json!({"id": "did:example:1", "label": {"@value": "x", "@language": "a b"}}),
        json!({"id": "did:example:1", "label": {"@value": "x", "@direction": "up"}}),
        json!({"id": "did:example:1", "labels": {"en GB": "x"}}),
    ] {
        let d = doc(subject);
        assert!(js.canonize(&d.to_string(), &[]).is_err(), "JS accepted {d}");
        assert!(
            rt.block_on(canon::canonicalize(&d, &loader)).is_err(),
            "civitas accepted {d}"
        );
    }
}
