//! SD-JWT VCs in the verifier (SPEC.md §14.8): read once, the issuer's key bound to `iss`,
//! disclosures and key binding checked by civitas-sdjwt, trust per document type from the
//! `vct`, and revocation and suspension from a Token Status List snapshot (offline, from a
//! bundle) verified with the issuer's key. Each check has an input built to fail it.

use chrono::{DateTime, Utc};
use civitas_core::report::{CheckKind, Outcome, Verdict};
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::signer::LocalSigner;
use civitas_sdjwt::status_list::{TokenStatusList, sign_status_list_token};
use civitas_sdjwt::{IssueOptions, SdPath, StatusReference};
use civitas_testkit::fixtures::{ministry, seeded_key, sign_trust_list, verifier_builder};
use civitas_verifier::bundle::BundleBuilder;
use civitas_verifier::trust::{TrustAnchor, TrustListSigning, TrustedIssuer};
use civitas_verifier::{Document, Verifier, VerifyOptions};
use serde_json::{Map, Value, json};

const TOKEN_URI: &str = "https://registry.example/status/token/1";
const INDEX: u64 = 4242;

struct World {
    issuer: LocalSigner,
    holder: LocalSigner,
    sd_jwt: String,
}

fn subject() -> Map<String, Value> {
    json!({
        "givenName": "Marie-Claire",
        "familyName": "Lebon",
        "birthDate": "2024-02-28",
        "sex": "F",
        "birthPlace": {"type": "Place", "name": "Victoria Hospital", "addressCountry": "MU"},
        "mother": {"type": "Person", "givenName": "Anne", "familyName": "Lebon",
                   "nationalId": "L0101198512345"},
        "registration": {"type": "CivilRegistration", "registrationNumber": "PW/B/2024/001234",
                         "registrationDate": "2024-03-01"}
    })
    .as_object()
    .cloned()
    .unwrap()
}

async fn world() -> World {
    let issuer = LocalSigner::did_key(seeded_key(21));
    let holder = LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
    let mut options = IssueOptions::new(
        "urn:civitas:type:BirthCertificate",
        issuer.controller(),
        Utc::now().timestamp() - 60,
    );
    options.sub = Some(holder.controller().to_owned());
    options.cnf_jwk = Some(civitas_keys::signer::Signer::public_key(&holder).to_jwk());
    options.status = Some(StatusReference {
        idx: INDEX,
        uri: TOKEN_URI.into(),
    });
    options.selectively_disclosable = ["sex", "birthPlace", "mother", "registration"]
        .iter()
        .map(|p| SdPath::parse(p).unwrap())
        .collect();
    let sd_jwt = civitas_sdjwt::issue(&subject(), &options, &issuer)
        .await
        .unwrap()
        .sd_jwt;
    World {
        issuer,
        holder,
        sd_jwt,
    }
}

async fn token(signer: &LocalSigner, value: u8) -> String {
    let mut list = TokenStatusList::new(2, 131_072).unwrap();
    list.set(INDEX, value).unwrap();
    sign_status_list_token(
        &list,
        TOKEN_URI,
        Utc::now().timestamp(),
        None,
        Some(300),
        signer,
    )
    .await
    .unwrap()
}

async fn verifier(w: &World, value: Option<u8>) -> Verifier {
    let mut b = Verifier::builder().trust_any_issuer();
    if let Some(v) = value {
        b = b.status_token(TOKEN_URI, &token(&w.issuer, v).await, None);
    }
    b.build().await.unwrap()
}

/// The bank's presentation: given name, family name, date of birth, bound to its nonce.
async fn presentation(w: &World, aud: &str, nonce: &str) -> String {
    let paths = ["givenName", "familyName", "birthDate"].map(|p| SdPath::parse(p).unwrap());
    let selected = civitas_sdjwt::select(&w.sd_jwt, &paths).unwrap();
    civitas_sdjwt::with_key_binding(&selected, &w.holder, aud, nonce, Utc::now().timestamp())
        .await
        .unwrap()
}

fn asked(nonce: &str, aud: &str) -> VerifyOptions {
    VerifyOptions {
        challenge: Some(nonce.into()),
        domain: Some(aud.into()),
        ..VerifyOptions::default()
    }
}

fn failed(report: &civitas_core::report::Report, check: CheckKind) -> String {
    match report.outcome(check) {
        Some(Outcome::Failed { reason }) => reason.clone(),
        other => panic!("{check:?} is {other:?}: {report}"),
    }
}

#[tokio::test]
async fn an_sd_jwt_vc_and_a_subset_presentation_verify_with_their_token_status() {
    let w = world().await;
    let v = verifier(&w, Some(0)).await;
    let doc = Document::read(w.sd_jwt.as_bytes()).unwrap();
    assert!(matches!(
        doc.parsed,
        civitas_verifier::document::Parsed::SdJwt(_)
    ));
    let report = v
        .verify(w.sd_jwt.as_bytes(), &VerifyOptions::default())
        .await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
    assert_eq!(report.secured_with.as_deref(), Some("dc+sd-jwt"));
    assert!(
        report
            .about
            .description
            .as_deref()
            .unwrap_or_default()
            .contains("Marie-Claire"),
        "{report:?}"
    );
    let shown = presentation(&w, "https://bank.example", "nonce-0123456789abcdef").await;
    assert!(!shown.contains(&civitas_keys::encoding::base64url(b"L0101198512345")));
    let report = v
        .verify(
            shown.as_bytes(),
            &asked("nonce-0123456789abcdef", "https://bank.example"),
        )
        .await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
    assert!(matches!(
        report.outcome(CheckKind::HolderBinding),
        Some(Outcome::Passed { .. })
    ));
    assert!(matches!(
        report.outcome(CheckKind::Schema),
        Some(Outcome::NotApplicable { .. })
    ));
}

#[tokio::test]
async fn revoked_and_suspended_in_the_token_list_are_not_valid() {
    let w = world().await;
    let report = verifier(&w, Some(1))
        .await
        .verify(w.sd_jwt.as_bytes(), &VerifyOptions::default())
        .await;
    assert_eq!(report.verdict, Verdict::Invalid, "{report}");
    assert!(failed(&report, CheckKind::Revocation).contains("revoked"));
    let report = verifier(&w, Some(2))
        .await
        .verify(w.sd_jwt.as_bytes(), &VerifyOptions::default())
        .await;
    assert_eq!(report.verdict, Verdict::Invalid, "{report}");
    assert!(failed(&report, CheckKind::Suspension).contains("suspended"));
    // offline without the token list: cannot be decided
    let report = verifier(&w, None)
        .await
        .verify(w.sd_jwt.as_bytes(), &VerifyOptions::default())
        .await;
    assert_eq!(report.verdict, Verdict::Indeterminate, "{report}");
}

#[tokio::test]
async fn a_token_list_signed_by_another_key_decides_nothing() {
    let w = world().await;
    let other = LocalSigner::did_key(seeded_key(99));
    let v = Verifier::builder()
        .trust_any_issuer()
        .status_token(TOKEN_URI, &token(&other, 0).await, None)
        .build()
        .await
        .unwrap();
    let report = v
        .verify(w.sd_jwt.as_bytes(), &VerifyOptions::default())
        .await;
    assert_eq!(report.verdict, Verdict::Indeterminate, "{report}");
}

#[tokio::test]
async fn key_binding_for_another_nonce_or_audience_or_none_is_refused() {
    let w = world().await;
    let v = verifier(&w, Some(0)).await;
    let shown = presentation(&w, "https://bank.example", "nonce-0123456789abcdef").await;
    let report = v
        .verify(
            shown.as_bytes(),
            &asked("another-nonce-0123456789", "https://bank.example"),
        )
        .await;
    assert_eq!(report.verdict, Verdict::Invalid, "{report}");
    failed(&report, CheckKind::Challenge);
    let report = v
        .verify(
            shown.as_bytes(),
            &asked("nonce-0123456789abcdef", "https://other.example"),
        )
        .await;
    assert_eq!(report.verdict, Verdict::Invalid, "{report}");
    failed(&report, CheckKind::Domain);
    // the verifier asked with a nonce: an SD-JWT without key binding is refused
    let report = v
        .verify(
            w.sd_jwt.as_bytes(),
            &asked("nonce-0123456789abcdef", "https://bank.example"),
        )
        .await;
    assert_eq!(report.verdict, Verdict::Invalid, "{report}");
    failed(&report, CheckKind::HolderBinding);
}

#[tokio::test]
async fn a_tampered_disclosure_and_a_foreign_issuer_key_are_refused() {
    let w = world().await;
    let v = verifier(&w, Some(0)).await;
    // one character of a disclosure changed
    let mut parts: Vec<String> = w.sd_jwt.split('~').map(str::to_owned).collect();
    let d = &mut parts[1];
    let c = if d.ends_with('A') { "B" } else { "A" };
    d.replace_range(d.len() - 1.., c);
    let tampered = parts.join("~");
    let report = v
        .verify(tampered.as_bytes(), &VerifyOptions::default())
        .await;
    assert_eq!(report.verdict, Verdict::Invalid, "{report}");
    // an SD-JWT whose `iss` is not the controller of its `kid`
    let mut options = IssueOptions::new(
        "urn:civitas:type:BirthCertificate",
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        Utc::now().timestamp(),
    );
    options.selectively_disclosable = vec![SdPath::parse("mother").unwrap()];
    let forged = civitas_sdjwt::issue(&subject(), &options, &w.issuer)
        .await
        .unwrap()
        .sd_jwt;
    let report = v.verify(forged.as_bytes(), &VerifyOptions::default()).await;
    assert_eq!(report.verdict, Verdict::Invalid, "{report}");
    failed(&report, CheckKind::IssuerBinding);
}

#[tokio::test]
async fn trust_is_per_type_and_token_lists_travel_in_bundles() {
    let w = world().await;
    let anchor = ministry();
    let signing = TrustListSigning {
        valid_from: Some(DateTime::from_timestamp(Utc::now().timestamp() - 3600, 0).unwrap()),
        ..TrustListSigning::default()
    };
    // trusted for marriages only: a birth certificate fails the trust check
    let marriages = sign_trust_list(
        &anchor,
        [TrustedIssuer::new(
            w.issuer.controller(),
            ["MarriageCertificate"],
        )],
        &signing,
    )
    .await;
    let v = verifier_builder(&anchor, &marriages)
        .status_token(TOKEN_URI, &token(&w.issuer, 0).await, None)
        .build()
        .await
        .unwrap();
    let report = v
        .verify(w.sd_jwt.as_bytes(), &VerifyOptions::default())
        .await;
    assert_eq!(report.verdict, Verdict::Invalid, "{report}");
    failed(&report, CheckKind::TrustedIssuer);

    // trusted for births, the token list from an offline bundle
    let births = sign_trust_list(
        &anchor,
        [TrustedIssuer::new(
            w.issuer.controller(),
            ["BirthCertificate"],
        )],
        &signing,
    )
    .await;
    let bundle = BundleBuilder::new(vec![TrustAnchor::did(anchor.controller())])
        .trust_list(births.clone())
        .status_token(TOKEN_URI, &token(&w.issuer, 0).await, Utc::now())
        .build()
        .await
        .unwrap();
    assert_eq!(bundle.status_tokens.len(), 1);
    let read = civitas_verifier::bundle::Bundle::parse(bundle.to_json_pretty().as_bytes()).unwrap();
    let v = Verifier::builder()
        .trust_anchor(TrustAnchor::did(anchor.controller()))
        .bundle(&read)
        .build()
        .await
        .unwrap();
    let report = v
        .verify(w.sd_jwt.as_bytes(), &VerifyOptions::default())
        .await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
    // a bundle refuses a token list that its issuers did not sign
    let other = LocalSigner::new(seeded_key(98), "did:web:other.example#key-1");
    let refused = BundleBuilder::new(vec![TrustAnchor::did(anchor.controller())])
        .trust_list(births)
        .status_token(TOKEN_URI, &token(&other, 0).await, Utc::now())
        .build()
        .await;
    assert!(refused.is_err(), "{refused:?}");
}
