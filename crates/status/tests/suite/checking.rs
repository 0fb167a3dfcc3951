//! Issuer to verifier: sign a list, verify it once, cache it, and check credentials against it
//! through the StatusPolicy in civitas-core's DocumentCheck.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use civitas_core::data_integrity::{ProofOptions, add_proof};
use civitas_core::report::{CheckKind, Outcome, Report, Verdict};
use civitas_core::verify::{DocumentCheck, VerifyOptions};
use civitas_jsonld::contexts::ContextLoader;
use civitas_keys::signer::LocalSigner;
use civitas_status::bitstring::StatusSize;
use civitas_status::cache::{CacheLookup, FreshnessPolicy, StaleReason, StatusListCache};
use civitas_status::check::{CredentialStatus, EntryState};
use civitas_status::entry::{BitstringStatusListEntry, StatusMessage, StatusPurpose};
use civitas_status::error::StatusError;
use civitas_status::list::{PublishOptions, StatusList};
use civitas_status::policy::StatusPolicy;
use civitas_status::verify::verify_status_list;
use common::{LIST_URL, at, signed_list, signer};
use serde_json::{Value, json};

const SUSPENSION_URL: &str = "https://registry.gov.example/status/suspension/1";

fn unsigned(signer: &LocalSigner, status: Vec<Value>) -> Value {
    let mut vc = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:0c0a4bb6-3b5e-4f0e-9c59-1b8f1c1d2e3f",
        "type": ["VerifiableCredential"],
        "issuer": signer.controller(),
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:holder"}
    });
    if !status.is_empty() {
        vc["credentialStatus"] = Value::Array(status);
    }
    vc
}

async fn credential(signer: &LocalSigner, status: Vec<Value>) -> Vec<u8> {
    let vc = unsigned(signer, status);
    let proof = ProofOptions {
        created: Some(at("2025-01-01T00:00:00Z")),
        ..ProofOptions::default()
    };
    let signed = add_proof(&vc, signer, &proof, &ContextLoader::bundled())
        .await
        .unwrap();
    serde_json::to_vec(&signed).unwrap()
}

fn entries(rev: u64, sus: u64) -> Vec<Value> {
    vec![
        BitstringStatusListEntry::new(LIST_URL, rev, StatusPurpose::Revocation).to_json(),
        BitstringStatusListEntry::new(SUSPENSION_URL, sus, StatusPurpose::Suspension).to_json(),
    ]
}

struct Verifier {
    cache: Arc<StatusListCache>,
    checker: DocumentCheck,
}

impl Verifier {
    fn new(freshness: FreshnessPolicy) -> Self {
        let cache = Arc::new(StatusListCache::new());
        let checker = DocumentCheck::default()
            .with_policy(Arc::new(StatusPolicy::new(cache.clone(), freshness)));
        Self { cache, checker }
    }

    async fn load(&self, list: &Value, fetched_at: DateTime<Utc>) {
        self.cache
            .load(
                &serde_json::to_vec(list).unwrap(),
                &DocumentCheck::default(),
                fetched_at,
            )
            .await
            .unwrap();
    }

    async fn verify(&self, vc: &[u8], now: DateTime<Utc>) -> Report {
        let options = VerifyOptions {
            now: Some(now),
            ..VerifyOptions::default()
        };
        self.checker.verify(vc, &options).await
    }
}

fn outcome(report: &Report, kind: CheckKind) -> Outcome {
    report
        .outcome(kind)
        .cloned()
        .unwrap_or_else(|| panic!("{kind:?} missing:\n{report}"))
}

#[tokio::test]
async fn active_revoked_and_suspended_credentials() {
    let issuer = signer(1);
    let did = issuer.controller().to_owned();
    let rev = signed_list(
        &issuer,
        &did,
        LIST_URL,
        StatusPurpose::Revocation,
        &[111],
        PublishOptions::new(""),
    )
    .await;
    let sus = signed_list(
        &issuer,
        &did,
        SUSPENSION_URL,
        StatusPurpose::Suspension,
        &[222],
        PublishOptions::new(""),
    )
    .await;
    let v = Verifier::new(FreshnessPolicy::online());
    let now = at("2025-03-01T12:00:00Z");
    v.load(&rev, now).await;
    v.load(&sus, now).await;
    assert_eq!(v.cache.len(), 2);

    let active = v
        .verify(&credential(&issuer, entries(5, 6)).await, now)
        .await;
    assert!(
        matches!(
            outcome(&active, CheckKind::Revocation),
            Outcome::Passed { .. }
        ),
        "{active}"
    );
    assert!(
        matches!(
            outcome(&active, CheckKind::Suspension),
            Outcome::Passed { .. }
        ),
        "{active}"
    );
    assert_eq!(active.verdict, Verdict::Valid, "{active}");

    let revoked = v
        .verify(&credential(&issuer, entries(111, 6)).await, now)
        .await;
    match outcome(&revoked, CheckKind::Revocation) {
        Outcome::Failed { reason } => {
            assert!(reason.starts_with("revoked"), "{reason}");
            assert!(
                reason.contains(LIST_URL) && reason.contains("index 111"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(revoked.verdict, Verdict::Invalid);

    let suspended = v
        .verify(&credential(&issuer, entries(5, 222)).await, now)
        .await;
    match outcome(&suspended, CheckKind::Suspension) {
        Outcome::Failed { reason } => {
            assert!(reason.starts_with("suspended"), "{reason}");
            assert!(
                reason.contains(SUSPENSION_URL) && reason.contains("index 222"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        outcome(&suspended, CheckKind::Revocation),
        Outcome::Passed { .. }
    ));

    let none = v.verify(&credential(&issuer, vec![]).await, now).await;
    assert!(matches!(
        outcome(&none, CheckKind::Revocation),
        Outcome::NotApplicable { .. }
    ));
    assert!(matches!(
        outcome(&none, CheckKind::Suspension),
        Outcome::NotApplicable { .. }
    ));
    assert_eq!(none.verdict, Verdict::Valid);
}

#[tokio::test]
async fn missing_and_stale_lists_are_indeterminate_never_not_revoked() {
    let issuer = signer(1);
    let did = issuer.controller().to_owned();
    let options = PublishOptions::new("").ttl(Duration::from_secs(600));
    let rev = signed_list(
        &issuer,
        &did,
        LIST_URL,
        StatusPurpose::Revocation,
        &[111],
        options,
    )
    .await;
    let v = Verifier::new(FreshnessPolicy::online());
    let fetched = at("2025-03-01T12:00:00Z");
    let vc = credential(&issuer, entries(5, 6)).await;

    let before = v.verify(&vc, fetched).await;
    assert!(
        matches!(outcome(&before, CheckKind::Revocation), Outcome::Indeterminate { reason } if reason.contains("not available"))
    );

    v.load(&rev, fetched).await;
    let fresh = v.verify(&vc, fetched + TimeDelta::minutes(9)).await;
    assert!(matches!(
        outcome(&fresh, CheckKind::Revocation),
        Outcome::Passed { .. }
    ));
    // The suspension list was never loaded.
    assert!(matches!(
        outcome(&fresh, CheckKind::Suspension),
        Outcome::Indeterminate { .. }
    ));
    assert_eq!(fresh.verdict, Verdict::Indeterminate);

    // The list's ttl (10 minutes) has elapsed.
    let stale = v.verify(&vc, fetched + TimeDelta::minutes(11)).await;
    match outcome(&stale, CheckKind::Revocation) {
        Outcome::Indeterminate { reason } => {
            assert!(reason.contains("ttl of 10 minute(s)"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    // A revocation seen in a stale list is still a revocation: it is final.
    let revoked = v
        .verify(
            &credential(&issuer, entries(111, 6)).await,
            fetched + TimeDelta::days(30),
        )
        .await;
    assert!(
        matches!(outcome(&revoked, CheckKind::Revocation), Outcome::Failed { reason } if reason.contains("revocation is final"))
    );
}

#[tokio::test]
async fn freshness_rules() {
    let issuer = signer(1);
    let did = issuer.controller().to_owned();
    let options = PublishOptions::new("")
        .valid_from(at("2025-03-01T00:00:00Z"))
        .valid_until(at("2025-03-08T00:00:00Z"));
    let signed = signed_list(
        &issuer,
        &did,
        LIST_URL,
        StatusPurpose::Revocation,
        &[],
        options,
    )
    .await;
    let cache = StatusListCache::new();
    let fetched = at("2025-03-02T00:00:00Z");
    cache
        .load(
            &serde_json::to_vec(&signed).unwrap(),
            &DocumentCheck::default(),
            fetched,
        )
        .await
        .unwrap();
    let lookup = |now: &str, policy: FreshnessPolicy| cache.lookup(LIST_URL, at(now), &policy);

    // No ttl in the list: the default 5 minutes applies online.
    assert!(matches!(
        lookup("2025-03-02T00:04:00Z", FreshnessPolicy::online()),
        CacheLookup::Fresh(_)
    ));
    assert!(matches!(
        lookup("2025-03-02T00:06:00Z", FreshnessPolicy::online()),
        CacheLookup::Stale {
            reason: StaleReason::TtlElapsed { .. },
            ..
        }
    ));
    // The boundary: stale only once more than the ttl has passed.
    assert!(matches!(
        lookup("2025-03-02T00:05:00Z", FreshnessPolicy::online()),
        CacheLookup::Fresh(_)
    ));
    let just_after = cache.lookup(
        LIST_URL,
        at("2025-03-02T00:05:00Z") + chrono::TimeDelta::nanoseconds(1),
        &FreshnessPolicy::online(),
    );
    assert!(matches!(
        just_after,
        CacheLookup::Stale {
            reason: StaleReason::TtlElapsed { .. },
            ..
        }
    ));
    // A span too large for the calendar never elapses (and does not overflow).
    let forever = FreshnessPolicy::offline(Duration::MAX).with_max_age(Duration::MAX);
    assert!(matches!(
        lookup("2025-03-07T00:00:00Z", forever),
        CacheLookup::Fresh(_)
    ));
    // Offline: ttl ignored, the issuer's statement may be 3 days old.
    let offline = FreshnessPolicy::offline(Duration::from_secs(3 * 86_400));
    assert!(matches!(
        lookup("2025-03-03T00:00:00Z", offline),
        CacheLookup::Fresh(_)
    ));
    assert!(matches!(
        lookup("2025-03-05T00:00:00Z", offline),
        CacheLookup::Stale {
            reason: StaleReason::TooOld { .. },
            ..
        }
    ));
    // validUntil and validFrom bound every policy.
    let lenient = FreshnessPolicy::offline(Duration::from_secs(365 * 86_400));
    assert!(matches!(
        lookup("2025-03-09T00:00:00Z", lenient),
        CacheLookup::Stale {
            reason: StaleReason::Expired { .. },
            ..
        }
    ));
    assert!(matches!(
        lookup("2025-02-28T00:00:00Z", lenient),
        CacheLookup::Stale {
            reason: StaleReason::NotYetValid { .. },
            ..
        }
    ));
    // The caller's max age since fetching.
    let capped = lenient.with_max_age(Duration::from_secs(3600));
    assert!(matches!(
        lookup("2025-03-02T00:30:00Z", capped),
        CacheLookup::Fresh(_)
    ));
    match lookup("2025-03-02T02:00:00Z", capped) {
        CacheLookup::Stale { reason, .. } => {
            assert!(matches!(reason, StaleReason::CachedTooLong { .. }));
            assert!(reason.to_string().contains("1 hour(s)"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        cache.lookup(
            "https://elsewhere.example/1",
            at("2025-03-02T00:00:00Z"),
            &lenient
        ),
        CacheLookup::Missing
    ));
}

#[tokio::test]
async fn an_older_list_does_not_replace_a_newer_one() {
    let issuer = signer(1);
    let did = issuer.controller().to_owned();
    let old = signed_list(
        &issuer,
        &did,
        LIST_URL,
        StatusPurpose::Revocation,
        &[],
        PublishOptions::new(""),
    )
    .await;
    let new = signed_list(
        &issuer,
        &did,
        LIST_URL,
        StatusPurpose::Revocation,
        &[9],
        PublishOptions::new("").valid_from(at("2025-02-01T00:00:00Z")),
    )
    .await;
    let cache = StatusListCache::new();
    let now = at("2025-02-02T00:00:00Z");
    cache
        .load(
            &serde_json::to_vec(&new).unwrap(),
            &DocumentCheck::default(),
            now,
        )
        .await
        .unwrap();
    let err = cache
        .load(
            &serde_json::to_vec(&old).unwrap(),
            &DocumentCheck::default(),
            now,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StatusError::Rollback { .. }), "{err}");
    let (list, _) = cache.get(LIST_URL).unwrap();
    assert_eq!(list.get(9, StatusSize::ONE).unwrap(), 1);
    // The same version again just refreshes the fetch time.
    cache
        .load(
            &serde_json::to_vec(&new).unwrap(),
            &DocumentCheck::default(),
            now + TimeDelta::hours(1),
        )
        .await
        .unwrap();
    assert_eq!(cache.get(LIST_URL).unwrap().1, now + TimeDelta::hours(1));
    // Fetched from one address, naming another.
    let err = cache
        .load_from(
            "https://registry.gov.example/status/revocation/2",
            &serde_json::to_vec(&new).unwrap(),
            &DocumentCheck::default(),
            now,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StatusError::UnexpectedListId { .. }), "{err}");
    cache
        .load_from(
            LIST_URL,
            &serde_json::to_vec(&new).unwrap(),
            &DocumentCheck::default(),
            now,
        )
        .await
        .unwrap();
    assert!(cache.remove(LIST_URL));
    assert!(cache.is_empty());
}

#[tokio::test]
async fn a_list_of_another_issuer_or_purpose_fails_the_check() {
    let issuer = signer(1);
    let other = signer(2);
    let now = at("2025-03-01T00:00:00Z");
    // The revocation URL serves a list by another issuer, the suspension URL a revocation list.
    let foreign = signed_list(
        &other,
        other.controller(),
        LIST_URL,
        StatusPurpose::Revocation,
        &[],
        PublishOptions::new(""),
    )
    .await;
    let wrong_purpose = signed_list(
        &issuer,
        issuer.controller(),
        SUSPENSION_URL,
        StatusPurpose::Revocation,
        &[],
        PublishOptions::new(""),
    )
    .await;
    let v = Verifier::new(FreshnessPolicy::online());
    v.load(&foreign, now).await;
    v.load(&wrong_purpose, now).await;
    let report = v
        .verify(&credential(&issuer, entries(5, 6)).await, now)
        .await;
    match outcome(&report, CheckKind::Revocation) {
        Outcome::Failed { reason } => assert!(
            reason.contains("was issued by") && reason.contains(other.controller()),
            "{reason}"
        ),
        o => panic!("{o:?}"),
    }
    match outcome(&report, CheckKind::Suspension) {
        Outcome::Failed { reason } => assert!(reason.contains("is for revocation"), "{reason}"),
        o => panic!("{o:?}"),
    }
}

#[tokio::test]
async fn entries_that_cannot_be_read_are_reported() {
    let issuer = signer(1);
    let now = at("2025-03-01T00:00:00Z");
    let v = Verifier::new(FreshnessPolicy::online());
    v.load(
        &signed_list(
            &issuer,
            issuer.controller(),
            LIST_URL,
            StatusPurpose::Revocation,
            &[],
            PublishOptions::new(""),
        )
        .await,
        now,
    )
    .await;
    let mut bad = BitstringStatusListEntry::new(LIST_URL, 5, StatusPurpose::Revocation).to_json();
    bad["statusListIndex"] = json!("-5");
    let old_style = json!({
        "id": "https://registry.gov.example/sl2021/1#5",
        "type": "StatusList2021Entry",
        "statusPurpose": "suspension",
        "statusListIndex": "5",
        "statusListCredential": "https://registry.gov.example/sl2021/1"
    });
    // (Unsigned: the v2 context does not define StatusList2021Entry, so it cannot be signed.)
    let vc = serde_json::to_vec(&unsigned(&issuer, vec![bad, old_style])).unwrap();
    let report = v.verify(&vc, now).await;
    assert!(
        matches!(outcome(&report, CheckKind::Revocation), Outcome::Failed { reason } if reason.contains("negative")),
        "{report}"
    );
    assert!(
        matches!(outcome(&report, CheckKind::Suspension), Outcome::Indeterminate { reason } if reason.contains("StatusList2021Entry")),
        "{report}"
    );
}

#[test]
fn an_unreadable_entry_is_named_by_its_json_pointer() {
    let issuer = signer(1);
    let good = BitstringStatusListEntry::new(LIST_URL, 5, StatusPurpose::Revocation).to_json();
    let mut no_url =
        BitstringStatusListEntry::new(LIST_URL, 6, StatusPurpose::Suspension).to_json();
    no_url["statusListCredential"] = json!("not a url");
    let vc =
        civitas_core::credential::Credential::from_value(unsigned(&issuer, vec![good, no_url]))
            .unwrap();
    let status = CredentialStatus::check(
        &vc,
        &StatusListCache::new(),
        &FreshnessPolicy::online(),
        at("2025-03-01T00:00:00Z"),
    );
    assert_eq!(status.entries.len(), 2);
    assert_eq!(status.entries[0].state, EntryState::Missing);
    assert_eq!(status.entries[0].index, Some(5));
    match &status.entries[1].state {
        EntryState::Invalid(e) => assert!(
            e.to_string()
                .contains("/credentialStatus/1/statusListCredential"),
            "{e}"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(status.entries[1].purpose, Some(StatusPurpose::Suspension));
    assert_eq!(status.entries[1].list_url.as_deref(), Some("not a url"));
}

#[tokio::test]
async fn message_lists_carry_multi_bit_statuses() {
    let issuer = signer(1);
    let url = "https://registry.gov.example/status/message/1";
    let two = StatusSize::new(2).unwrap();
    let mut list = StatusList::with_size(url, StatusPurpose::Message, 131_072, two).unwrap();
    list.set_message(40, 2).unwrap();
    let signed = list
        .sign(
            &PublishOptions::new(issuer.controller()).valid_from(at("2025-01-01T00:00:00Z")),
            &issuer,
            &ProofOptions::default(),
            &ContextLoader::bundled(),
        )
        .await
        .unwrap();
    let messages = vec![
        StatusMessage::new(0, "valid"),
        StatusMessage::new(1, "pending review"),
        StatusMessage::new(2, "amended: a corrected certificate was issued"),
        StatusMessage::new(3, "annulled"),
    ];
    let entry = BitstringStatusListEntry::message(url, 40, two, messages).unwrap();
    let cache = StatusListCache::new();
    let now = at("2025-03-01T00:00:00Z");
    cache
        .load(
            &serde_json::to_vec(&signed).unwrap(),
            &DocumentCheck::default(),
            now,
        )
        .await
        .unwrap();
    let vc = civitas_core::credential::Credential::parse(
        &credential(&issuer, vec![entry.to_json()]).await,
    )
    .unwrap();
    let status = CredentialStatus::check(&vc, &cache, &FreshnessPolicy::online(), now);
    assert_eq!(
        status.entries[0].state,
        EntryState::Set {
            value: 2,
            message: Some("amended: a corrected certificate was issued".into())
        }
    );
    assert!(matches!(
        status.outcome(StatusPurpose::Revocation),
        Outcome::NotApplicable { .. }
    ));
    assert!(status.to_string().contains("SET 0x2"), "{status}");
}

#[tokio::test]
async fn signing_marks_the_list_clean_and_changes_make_it_dirty() {
    let issuer = signer(3);
    let mut list = StatusList::new(LIST_URL, StatusPurpose::Revocation, 131_072).unwrap();
    assert!(list.is_dirty());
    let options = PublishOptions::new(issuer.controller()).ttl(Duration::from_secs(3600));
    let signed = list
        .sign(
            &options,
            &issuer,
            &ProofOptions::default(),
            &ContextLoader::bundled(),
        )
        .await
        .unwrap();
    assert!(!list.is_dirty());
    assert_eq!(signed["credentialSubject"]["ttl"], 3_600_000);
    assert_eq!(
        signed["type"],
        json!(["VerifiableCredential", "BitstringStatusListCredential"])
    );
    assert_eq!(signed["proof"]["cryptosuite"], "eddsa-rdfc-2022");
    list.revoke(42).unwrap();
    assert!(list.is_dirty());
    let resigned = list
        .sign(
            &options,
            &issuer,
            &ProofOptions::default(),
            &ContextLoader::bundled(),
        )
        .await
        .unwrap();
    assert!(!list.is_dirty());
    let verified = verify_status_list(
        &serde_json::to_vec(&resigned).unwrap(),
        &DocumentCheck::default(),
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(verified.get(42, StatusSize::ONE).unwrap(), 1);
    assert_eq!(verified.credential().ttl, Some(Duration::from_secs(3600)));
    assert_eq!(verified.credential().bits.count_ones(), 1);
}
