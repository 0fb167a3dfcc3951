//! Selective disclosure from the wallet (SPEC.md §16.5): an SD-JWT VC bound to a wallet key is
//! imported and verified; `disclose` shows only the claims asked for, with a key binding JWT
//! for the verifier's nonce and audience; the consent log lists exactly those claims.

use chrono::Utc;
use civitas_core::report::Verdict;
use civitas_keys::did;
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_sdjwt::status_list::{TokenStatusList, sign_status_list_token};
use civitas_sdjwt::{IssueOptions, SdPath, StatusReference};
use civitas_verifier::{Verifier, VerifyOptions};
use civitas_wallet::{DisclosureRequest, DocumentFormat, ImportOptions, ShareForm, WalletError};
use serde_json::{Map, Value, json};

use crate::common::*;

const TOKEN_URI: &str = "https://registry.gov.example/status/token/1";

fn subject() -> Map<String, Value> {
    json!({
        "givenName": "Marie-Claire", "familyName": "Lebon", "birthDate": "2024-02-28",
        "sex": "F",
        "mother": {"type": "Person", "givenName": "Anne", "familyName": "Lebon",
                   "nationalId": "L0101198512345"},
        "father": {"type": "Person", "givenName": "John", "familyName": "Lebon",
                   "nationalId": "L0202198354321"}
    })
    .as_object()
    .cloned()
    .unwrap()
}

/// An SD-JWT VC of the office, bound to `holder` (a did:key).
async fn sd_jwt(world: &World, holder: &str) -> String {
    let key = did::did_key_public_key(holder).unwrap();
    let mut options = IssueOptions::new(
        "urn:civitas:type:BirthCertificate",
        &world.office.did,
        Utc::now().timestamp() - 60,
    );
    options.sub = Some(holder.to_owned());
    options.cnf_jwk = Some(key.to_jwk());
    options.status = Some(StatusReference {
        idx: 7,
        uri: TOKEN_URI.into(),
    });
    options.selectively_disclosable = ["sex", "mother", "father"]
        .iter()
        .map(|p| SdPath::parse(p).unwrap())
        .collect();
    civitas_sdjwt::issue(&subject(), &options, &world.office.signer)
        .await
        .unwrap()
        .sd_jwt
}

async fn verifier(world: &World) -> Verifier {
    let list = TokenStatusList::new(2, 1024).unwrap();
    let token = sign_status_list_token(
        &list,
        TOKEN_URI,
        Utc::now().timestamp(),
        None,
        None,
        &world.office.signer,
    )
    .await
    .unwrap();
    civitas_testkit::fixtures::verifier_builder(&world.anchor, &world.trust_list)
        .status_token(TOKEN_URI, &token, None)
        .build()
        .await
        .unwrap()
}

#[tokio::test]
async fn only_the_claims_asked_for_are_disclosed_and_logged() {
    let world = World::new().await;
    let verifier = verifier(&world).await;
    let dir = tempfile::tempdir().unwrap();
    let wallet = new_wallet(&dir.path().join("w"));
    let holder = holder_did(&wallet);
    let issued = sd_jwt(&world, &holder).await;
    let doc = wallet
        .import(issued.as_bytes(), &verifier, &ImportOptions::default())
        .await
        .unwrap();
    assert_eq!(doc.format, DocumentFormat::SdJwtVc);
    assert_eq!(doc.last_verification.verdict, Verdict::Valid);
    assert!(
        doc.description.contains("Marie-Claire"),
        "{}",
        doc.description
    );
    assert_eq!(
        doc.credential["credentialSubject"]["mother"]["nationalId"],
        "L0101198512345"
    );

    let shared = wallet
        .disclose(&DisclosureRequest {
            document: doc.id.clone(),
            claims: vec![
                "givenName".into(),
                "familyName".into(),
                "birthDate".into(),
                "sex".into(),
            ],
            nonce: "bank-nonce-7f3a91c0".into(),
            audience: "decentralized_identifier:did:web:bank.example".into(),
            recipient: Some("Bank of Port Louis".into()),
        })
        .await
        .unwrap();
    // what went out: no parent data at all
    let parsed = civitas_sdjwt::verify::parse(&shared.payload).unwrap();
    let (claims, _) = civitas_sdjwt::verify::disclosed_claims(&parsed).unwrap();
    assert!(
        claims.get("mother").is_none() && claims.get("father").is_none(),
        "{claims:?}"
    );
    assert_eq!(claims["sex"], "F");
    assert!(parsed.kb_jwt.is_some());
    let report = verifier
        .verify(
            shared.payload.as_bytes(),
            &VerifyOptions {
                challenge: Some("bank-nonce-7f3a91c0".into()),
                domain: Some("decentralized_identifier:did:web:bank.example".into()),
                ..VerifyOptions::default()
            },
        )
        .await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
    // the consent log says exactly which claims went to whom
    let entry = &shared.consent;
    assert_eq!(entry.form, ShareForm::Disclosure);
    assert_eq!(entry.recipient.as_deref(), Some("Bank of Port Louis"));
    assert_eq!(
        entry.documents[0].fields,
        ["givenName", "familyName", "birthDate", "sex"]
    );
    assert!(
        entry
            .summary()
            .contains("disclosed only: givenName, familyName, birthDate, sex"),
        "{}",
        entry.summary()
    );
    let log = wallet.consent_log().unwrap();
    assert_eq!(log.last().unwrap(), entry);
}

#[tokio::test]
async fn disclosure_is_refused_for_other_forms_and_foreign_keys() {
    let world = World::new().await;
    let verifier = verifier(&world).await;
    let dir = tempfile::tempdir().unwrap();
    let wallet = new_wallet(&dir.path().join("w"));
    let holder = holder_did(&wallet);
    let birth = birth(
        &world.office,
        &holder,
        10,
        civitas_core::secure::Securing::DataIntegrity,
    )
    .await;
    let di = wallet
        .import(
            birth.as_bytes(),
            &world.verifier(&[]).await,
            &ImportOptions::default(),
        )
        .await
        .unwrap();
    let request = |id: &str| DisclosureRequest {
        document: id.to_owned(),
        claims: vec!["givenName".into()],
        nonce: "n-0123456789abcdef".into(),
        audience: "https://bank.example".into(),
        recipient: None,
    };
    let e = wallet.disclose(&request(&di.id)).await.unwrap_err();
    assert!(
        matches!(&e, WalletError::Share(r) if r.contains("only SD-JWT VCs")),
        "{e}"
    );
    // bound to a key this wallet does not hold: accepted at import (it verifies), never shown
    let stranger = did::did_key(&KeyPair::generate(KeyAlgorithm::Ed25519).public_key());
    let foreign = sd_jwt(&world, &stranger).await;
    let doc = wallet
        .import(foreign.as_bytes(), &verifier, &ImportOptions::default())
        .await
        .unwrap();
    let e = wallet.disclose(&request(&doc.id)).await.unwrap_err();
    assert!(
        matches!(&e, WalletError::Share(r) if r.contains("not a holder key")),
        "{e}"
    );
    // an SD-JWT with a key binding JWT is a presentation, not a document to keep
    let mine = sd_jwt(&world, &holder).await;
    let paths = [SdPath::parse("givenName").unwrap()];
    let selected = civitas_sdjwt::select(&mine, &paths).unwrap();
    let signer =
        civitas_keys::signer::LocalSigner::did_key(KeyPair::generate(KeyAlgorithm::Ed25519));
    let presented =
        civitas_sdjwt::with_key_binding(&selected, &signer, "a", "n", Utc::now().timestamp())
            .await
            .unwrap();
    let e = wallet
        .import(presented.as_bytes(), &verifier, &ImportOptions::default())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("presentation"), "{e}");
}
