//! Document types a verifier learns from its bundle, pinned by the trust list: a profile
//! written for these tests only (the death certificate's, renamed `TestBurialPermit`, with a
//! context and a schema of its own and no QR form) is loaded by the issuing side, pinned by the
//! ministry's trust list, carried by the bundle and learnt by the verifier — and refused when it
//! is not pinned, not the pinned one, or comes with another context; a credential of a type the
//! verifier has no profile for is never valid.

use crate::common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::Duration;
use civitas_core::data_integrity::ProofOptions;
use civitas_core::profile::registry::register_file;
use civitas_core::profile::{Known, Profile, known};
use civitas_core::report::{CheckKind, Verdict};
use civitas_core::secure::{Securing, secure_credential};
use civitas_jsonld::contexts::{CREDENTIALS_V2, ContextLoader};
use civitas_verifier::Verifier;
use civitas_verifier::bundle::{Bundle, BundleBuilder, BundledContext, BundledProfile};
use civitas_verifier::error::{BundleError, VerifierError};
use civitas_verifier::trust::{PinnedProfile, TrustListSigning, TrustedIssuer, verify_trust_list};
use common::*;
use serde_json::{Value, json};

const BURIAL: &str = "TestBurialPermit";
const BURIAL_CONTEXT: &str = "https://example.test/burial/v1";
const FERRY: &str = "TestFerryPass";
const FERRY_CONTEXT: &str = "https://example.test/ferry/v1";
const VALID_FROM: &str = "2026-02-01T10:00:00Z";

/// The bundled death certificate profile renamed `type_name`, its context at `context` and its
/// schema beside it, without its `[cv1]` keys (a run-time profile has no QR form here).
fn profile_text(type_name: &str, context: &str) -> String {
    let source =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../profile/profiles/death-certificate.toml");
    let text = std::fs::read_to_string(&source).expect("the death certificate profile");
    let start = text
        .find("# ---- the compact QR form")
        .expect("the [cv1] section");
    let end = text
        .find("# ---- the printed certificate")
        .expect("the [certificate] section");
    let text = format!("{}{}", &text[..start], &text[end..]);
    text.replace("DeathCertificate", type_name)
        .replace(
            "https://w3id.org/civitas/death-certificate/v1/death-certificate.schema.json",
            &format!("{context}/schema.json"),
        )
        .replace("https://w3id.org/civitas/death-certificate/v1", context)
}

/// The test profile written to a file in `dir`: the copy an issuer or a trust-list editor
/// loads.
fn write_profile(dir: &Path, type_name: &str, context: &str) -> PathBuf {
    let path = dir.join(format!("{type_name}.toml"));
    std::fs::write(&path, profile_text(type_name, context)).expect("write the profile");
    path
}

/// Registers `TestBurialPermit` in the process (the issuing side), from a file in a temporary
/// directory; the same file again (another test) is a no-op.
fn burial() -> Arc<Known> {
    let dir = tempfile::tempdir().expect("temp dir");
    let known = register_file(&write_profile(dir.path(), BURIAL, BURIAL_CONTEXT))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!known.bundled);
    assert_eq!(known.type_name(), BURIAL);
    known
}

/// The context the registry derives for `TestBurialPermit`.
fn burial_context() -> (String, String) {
    let registry = known();
    let c = registry.context(BURIAL_CONTEXT).expect("registered");
    (c.text.clone(), c.digest.clone())
}

/// The office that issues burial permits (a did:key).
fn office() -> Office {
    Office::did_key(61, "burial.example")
}

/// A burial permit signed by the office (Data Integrity), with status entries at 10/11: the
/// office signs with its own loader, which has the profile's context.
async fn burial_permit(office: &Office) -> String {
    let unsigned = office
        .document(BURIAL, None, 10, at(VALID_FROM))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let (context, _) = burial_context();
    let loader = ContextLoader::bundled()
        .with_context(BURIAL_CONTEXT, &context)
        .expect("the burial context");
    let options = ProofOptions {
        created: Some(now() - Duration::days(1)),
        ..ProofOptions::default()
    };
    secure_credential(
        unsigned.json(),
        &office.signer,
        Securing::DataIntegrity,
        &options,
        &loader,
    )
    .await
    .expect("sign")
}

/// The ministry's trust list naming `issuer`.
async fn trust_list(issuer: TrustedIssuer) -> String {
    civitas_testkit::fixtures::sign_trust_list(
        &civitas_testkit::fixtures::ministry(),
        [issuer],
        &TrustListSigning {
            valid_from: Some(at("2025-01-01T00:00:00Z")),
            ..TrustListSigning::default()
        },
    )
    .await
}

/// A bundle of `trust` and the office's (empty) status lists, made at [`NOW`].
async fn bundle(w: &World, office: &Office, trust: &str) -> Result<Bundle, BundleError> {
    let mut b = BundleBuilder::new(w.anchors())
        .trust_list(trust.to_owned())
        .created_at(now());
    for l in office.lists(&[], &[], now() - Duration::hours(1)).await {
        b = b.status_list(l, now() - Duration::hours(1));
    }
    b.build().await
}

async fn from_bundle(w: &World, bundle: &Bundle) -> Result<Verifier, VerifierError> {
    let mut b = Verifier::builder().bundle(bundle).at(now());
    for a in w.anchors() {
        b = b.trust_anchor(a);
    }
    b.build().await
}

fn profile_error(e: VerifierError) -> (String, String) {
    match e {
        VerifierError::Bundle(BundleError::Profile { name, reason }) => (name, reason),
        other => panic!("not a profile error: {other}"),
    }
}

#[tokio::test]
async fn a_profile_pinned_by_the_trust_list_travels_in_the_bundle_and_its_credentials_are_valid() {
    let w = World::new().await;
    let profile = burial();
    let office = office();
    let permit = burial_permit(&office).await;
    let entry = TrustedIssuer::new(&office.did, Vec::<String>::new())
        .named("Burial Office")
        .with_profile(&profile)
        .expect("pinned");
    assert_eq!(entry.document_types, [BURIAL]);
    let (_, context_digest) = burial_context();
    assert_eq!(
        entry.profiles,
        [PinnedProfile {
            type_name: BURIAL.to_owned(),
            digest: profile.digest.clone(),
            context: BURIAL_CONTEXT.to_owned(),
            context_digest,
        }]
    );
    let trust = trust_list(entry).await;

    // The bundle carries the profile (civitas does not ship it), not its context (derived).
    let made = bundle(&w, &office, &trust).await.expect("bundle");
    assert_eq!(
        made.profiles,
        [BundledProfile {
            text: profile.text.clone()
        }]
    );
    assert!(made.contexts.is_empty(), "{:?}", made.contexts);
    let read = Bundle::parse(made.to_json_pretty().as_bytes()).expect("read back");
    assert_eq!(read, made);

    let verifier = from_bundle(&w, &read).await.expect("verifier");
    assert!(verifier.document_check().loader().contains(BURIAL_CONTEXT));
    let report = verifier.verify(permit.as_bytes(), &opts()).await;
    all_valid(&report);
    let trusted = report
        .outcome(CheckKind::TrustedIssuer)
        .expect("trust checked");
    assert!(
        trusted
            .text()
            .contains("Burial Office is trusted for TestBurialPermit"),
        "{report}"
    );
    let summary = verifier.summarize(&report).to_string();
    assert!(summary.starts_with("VALID"), "{summary}");

    // A verifier without the bundle's profile cannot check the permit: the context is not one
    // it was given.
    let bare = verifier_builder_at(&w, &trust)
        .build()
        .await
        .expect("verifier");
    let report = bare.verify(permit.as_bytes(), &opts()).await;
    assert_ne!(report.verdict, Verdict::Valid, "{report}");
    assert!(report.to_string().contains(BURIAL_CONTEXT), "{report}");
}

/// A verifier of the ministry's `trust` at [`NOW`], with the burial office's lists, without a
/// bundle.
fn verifier_builder_at(w: &World, trust: &str) -> civitas_verifier::VerifierBuilder {
    civitas_testkit::fixtures::verifier_builder(&w.anchor, trust).at(now())
}

#[tokio::test]
async fn a_profile_that_is_not_the_pinned_one_is_refused_in_the_bundle_and_at_verification() {
    let w = World::new().await;
    let profile = burial();
    let office = office();
    let permit = burial_permit(&office).await;
    let other = format!("sha256:{}", "ab".repeat(32));
    let mut entry = TrustedIssuer::new(&office.did, Vec::<String>::new())
        .named("Burial Office")
        .with_profile(&profile)
        .expect("pinned");
    entry.profiles[0].digest = other.clone();
    let trust = trust_list(entry).await;

    // The bundle cannot be made: this process knows another profile than the pinned one.
    let e = bundle(&w, &office, &trust).await.unwrap_err();
    assert!(
        matches!(&e, BundleError::Profile { name, .. } if name == BURIAL),
        "{e}"
    );
    assert!(e.to_string().contains(&other), "{e}");

    // A bundle that carries this profile anyway is refused.
    let mut carrying = bundle(
        &w,
        &office,
        &trust_list(TrustedIssuer::new(&office.did, [BURIAL]).named("Burial Office")).await,
    )
    .await
    .expect("a bundle without profiles");
    carrying.trust_list = Value::String(trust.clone());
    carrying.profiles.push(BundledProfile {
        text: profile.text.clone(),
    });
    let (name, reason) = profile_error(from_bundle(&w, &carrying).await.unwrap_err());
    assert_eq!(name, BURIAL);
    assert!(
        reason.contains(&format!(
            "this profile ({}) is not the one the trust list",
            profile.digest
        )) && reason.contains(&other),
        "{reason}"
    );

    // A verifier given the context directly checks the pin at verification: not valid, with
    // the two digests.
    let (context, _) = burial_context();
    let mut b = verifier_builder_at(&w, &trust).context(BURIAL_CONTEXT, &context);
    for l in office.lists(&[], &[], now() - Duration::hours(1)).await {
        b = b.status_list(l, Some(now() - Duration::hours(1)));
    }
    let verifier = b.build().await.expect("verifier");
    let report = verifier.verify(permit.as_bytes(), &opts()).await;
    let reason = only_failure(&report, CheckKind::TrustedIssuer);
    assert_eq!(
        reason,
        format!(
            "the TestBurialPermit profile this verifier knows ({}) is not the one the trust list pins ({other})",
            profile.digest
        )
    );
}

#[tokio::test]
async fn a_bundled_profile_no_issuer_pins_is_refused() {
    let w = World::new().await;
    let profile = burial();
    let office = office();
    // Trusted for the type, but nobody pins its profile.
    let trust = trust_list(TrustedIssuer::new(&office.did, [BURIAL]).named("Burial Office")).await;
    let mut b = bundle(&w, &office, &trust).await.expect("bundle");
    assert!(b.profiles.is_empty());
    b.profiles.push(BundledProfile {
        text: profile.text.clone(),
    });
    let (name, reason) = profile_error(from_bundle(&w, &b).await.unwrap_err());
    assert_eq!(name, BURIAL);
    assert!(
        reason.contains("no issuer of the trust list")
            && reason.contains("pins a TestBurialPermit profile")
            && reason.contains(&profile.digest),
        "{reason}"
    );
    // Nor is a profile that does not read.
    b.profiles[0].text = "format = 1\n[document]\n".to_owned();
    let (name, _) = profile_error(from_bundle(&w, &b).await.unwrap_err());
    assert_eq!(name, "#1");
    // And a verifier without a trust list learns nothing.
    let e = Verifier::builder()
        .trust_any_issuer()
        .profile(&profile.text)
        .build()
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("only from a trust list that pins it"),
        "{e}"
    );
}

#[tokio::test]
async fn a_changed_context_is_refused() {
    let w = World::new().await;
    let profile = burial();
    let office = office();
    let entry = TrustedIssuer::new(&office.did, Vec::<String>::new())
        .named("Burial Office")
        .with_profile(&profile)
        .expect("pinned");
    let trust = trust_list(entry.clone()).await;
    let good = bundle(&w, &office, &trust).await.expect("bundle");

    // The bundle's contexts give the profile's URL another document.
    let (context, _) = burial_context();
    let mut changed: Value = serde_json::from_str(&context).expect("json");
    changed["@context"]["deathDate"] = json!("https://example.test/vocab#burialDate");
    let mut b = good.clone();
    b.contexts.push(BundledContext {
        url: BURIAL_CONTEXT.to_owned(),
        document: changed.clone(),
    });
    let e = from_bundle(&w, &b).await.unwrap_err();
    let text = e.to_string();
    assert!(
        matches!(e, VerifierError::Context(_))
            && text.contains(BURIAL_CONTEXT)
            && text.contains("differs from the context of the TestBurialPermit profile"),
        "{text}"
    );
    // The same document as the derived one is accepted.
    let mut b = good.clone();
    b.contexts.push(BundledContext {
        url: BURIAL_CONTEXT.to_owned(),
        document: serde_json::from_str(&context).expect("json"),
    });
    from_bundle(&w, &b)
        .await
        .expect("the derived context itself");
    // The bundle builder refuses it too.
    let e = BundleBuilder::new(w.anchors())
        .trust_list(trust.clone())
        .context(BURIAL_CONTEXT, &changed.to_string())
        .created_at(now())
        .build()
        .await
        .unwrap_err();
    assert!(
        matches!(&e, BundleError::Context { url, .. } if url == BURIAL_CONTEXT),
        "{e}"
    );

    // A trust list that pins another context digest: the profile is refused.
    let mut entry = entry;
    entry.profiles[0].context_digest = format!("sha256:{}", "cd".repeat(32));
    let mut b = good.clone();
    b.trust_list = Value::String(trust_list(entry).await);
    let (name, reason) = profile_error(from_bundle(&w, &b).await.unwrap_err());
    assert_eq!(name, BURIAL);
    assert!(
        reason.contains(&format!("its context {BURIAL_CONTEXT} is sha256:"))
            && reason.contains(&"cd".repeat(32)),
        "{reason}"
    );
}

#[tokio::test]
async fn a_credential_of_a_type_the_verifier_has_no_profile_for_is_never_valid() {
    let w = World::new().await;
    let profile = burial();
    let office = office();
    // The ferry pass profile exists only on the issuing side: this process never registers it.
    let text = profile_text(FERRY, FERRY_CONTEXT);
    let ferry = Profile::from_toml(&text, "ferry.toml").unwrap_or_else(|e| panic!("{e}"));
    assert!(known().get(FERRY).is_none());
    let context = civitas_core::profile::merged_context(&[&ferry]).expect("its context");
    let [rev, sus] = office.entries(12);
    let unsigned = json!({
        "@context": [CREDENTIALS_V2, FERRY_CONTEXT],
        "type": ["VerifiableCredential", FERRY],
        "issuer": office.did,
        "validFrom": VALID_FROM,
        "credentialSubject": ferry.sample(),
        "credentialStatus": [rev, sus],
    });
    let loader = ContextLoader::bundled()
        .with_context(FERRY_CONTEXT, &context.to_string())
        .expect("the ferry context");
    let trust = trust_list(
        TrustedIssuer::new(&office.did, [FERRY])
            .named("Burial Office")
            .with_profile(&profile)
            .expect("pinned"),
    )
    .await;
    let b = bundle(&w, &office, &trust).await.expect("bundle");
    let verifier = from_bundle(&w, &b).await.expect("verifier");

    for securing in [Securing::DataIntegrity, Securing::VcJwt] {
        let signed = secure_credential(
            &unsigned,
            &office.signer,
            securing,
            &ProofOptions {
                created: Some(now() - Duration::days(1)),
                ..ProofOptions::default()
            },
            &loader,
        )
        .await
        .expect("sign");
        let report = verifier.verify(signed.as_bytes(), &opts()).await;
        assert_eq!(report.verdict, Verdict::Invalid, "{securing:?}: {report}");
        let trusted = report
            .outcome(CheckKind::TrustedIssuer)
            .expect("trust checked");
        assert!(trusted.is_failed(), "{report}");
        assert_eq!(
            trusted.text(),
            "this verifier has no profile for TestFerryPass: it learns a document type from a bundle whose trust list pins the type's profile"
        );
        assert!(report.to_string().contains(FERRY_CONTEXT), "{report}");

        // Even given the context, without the profile it is not valid.
        let mut with_context =
            verifier_builder_at(&w, &trust).context(FERRY_CONTEXT, &context.to_string());
        for l in office.lists(&[], &[], now() - Duration::hours(1)).await {
            with_context = with_context.status_list(l, Some(now() - Duration::hours(1)));
        }
        let report = with_context
            .build()
            .await
            .expect("verifier")
            .verify(signed.as_bytes(), &opts())
            .await;
        let reason = only_failure(&report, CheckKind::TrustedIssuer);
        assert!(
            reason.starts_with("this verifier has no profile for TestFerryPass"),
            "{reason}"
        );
    }
}

#[tokio::test]
async fn pinned_profiles_are_signed_in_both_trust_list_forms() {
    let w = World::new().await;
    let profile = burial();
    let office = office();
    let entry = TrustedIssuer::new(&office.did, ["BirthCertificate"])
        .with_profile(&profile)
        .expect("pinned")
        .with_profile(known().get("BirthCertificate").expect("bundled"))
        .expect("pinned");
    let mut list = civitas_verifier::trust::TrustList::new("pins");
    list.add(entry.clone()).expect("valid");
    for securing in [Securing::VcJwt, Securing::DataIntegrity] {
        let signed = list
            .sign(
                &w.anchor,
                &TrustListSigning {
                    securing,
                    ..TrustListSigning::default()
                },
            )
            .await
            .expect("signed");
        let verified = verify_trust_list(signed.as_bytes(), &w.anchors(), now())
            .await
            .unwrap_or_else(|e| panic!("{securing:?}: {e}"));
        assert_eq!(verified.issuer(&office.did), Some(&entry));
        assert_eq!(verified.list().pinned_profiles().count(), 2);
        if securing == Securing::DataIntegrity {
            // A changed pin breaks the proof.
            let mut json: Value = serde_json::from_str(&signed).expect("json");
            json["credentialSubject"]["trustedIssuers"][0]["profiles"][0]["digest"] =
                json!(format!("sha256:{}", "ef".repeat(32)));
            let e = verify_trust_list(json.to_string().as_bytes(), &w.anchors(), now())
                .await
                .unwrap_err();
            assert!(e.to_string().contains("signature"), "{e}");
        }
    }
    // The bundle carries the run-time profile only: civitas ships the birth certificate's.
    let trust = trust_list(entry).await;
    let b = bundle(&w, &office, &trust).await.expect("bundle");
    assert_eq!(b.profiles.len(), 1);
    assert_eq!(b.profiles[0].text, profile.text);
}
