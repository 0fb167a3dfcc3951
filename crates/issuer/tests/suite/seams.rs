//! The issuer's seams: `Issuer::builder(config).store(..).signer(..)` takes any registry store
//! and any signer, and checks that a signer given to an existing registry holds its key.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use civitas_core::report::Verdict;
use civitas_core::verify::VerifyOptions;
use civitas_issuer::error::{RotationError, StoreError};
use civitas_issuer::store::{RegistryStore, SledStore, Write, WriteBatch};
use civitas_issuer::{DidMethod, IssueRequest, Issuer, IssuerError};
use civitas_keys::did::{did_key, did_key_method, did_web};
use civitas_keys::keys::{KeyAlgorithm, KeyPair, PublicKey};
use civitas_keys::signer::{LocalSigner, Signer, SignerError};

use crate::common;

/// A signer outside the data directory (as an HSM would be) that counts its signatures.
#[derive(Debug)]
struct CountingSigner {
    inner: LocalSigner,
    signatures: AtomicUsize,
}

impl CountingSigner {
    fn new(pair: KeyPair, method: String) -> Arc<Self> {
        Arc::new(Self {
            inner: LocalSigner::new(pair, method),
            signatures: AtomicUsize::new(0),
        })
    }
}

#[async_trait::async_trait]
impl Signer for CountingSigner {
    fn verification_method(&self) -> &str {
        self.inner.verification_method()
    }
    fn algorithm(&self) -> KeyAlgorithm {
        self.inner.algorithm()
    }
    fn public_key(&self) -> PublicKey {
        self.inner.public_key()
    }
    async fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        self.signatures.fetch_add(1, Ordering::SeqCst);
        self.inner.sign(message).await
    }
}

fn config_error(result: Result<(Issuer, civitas_issuer::Opened), IssuerError>) -> String {
    match result {
        Err(IssuerError::Config(reason)) => reason.to_string(),
        Err(other) => panic!("expected a configuration error, got {other}"),
        Ok(_) => panic!("expected a configuration error, the issuer opened"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_external_signer_signs_everything_and_must_hold_the_registrys_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = common::config(dir.path(), 8443, DidMethod::Web);
    let did = did_web("127.0.0.1:8443", &[]).unwrap();
    let pair = KeyPair::generate(KeyAlgorithm::Ed25519);

    // A verification method of another DID is refused before anything is written.
    let foreign = CountingSigner::new(pair.clone(), "did:web:elsewhere.example#key-1".into());
    let reason = config_error(
        Issuer::builder(config.clone())
            .signer(foreign)
            .build()
            .await,
    );
    assert!(reason.contains("is not a key of this issuer"), "{reason}");

    let signer = CountingSigner::new(pair.clone(), format!("{did}#hsm-1"));
    let (issuer, opened) = Issuer::builder(config.clone())
        .signer(signer.clone())
        .build()
        .await
        .unwrap();
    assert!(opened.initialized);
    assert_eq!(issuer.did(), did);
    assert_eq!(issuer.signer_method(), format!("{did}#hsm-1"));
    assert!(
        !dir.path().join("keys/key-1.json").exists(),
        "no key file is made for an external signer"
    );
    let issued = issuer
        .issue(
            IssueRequest::new(crate::common::birth_document()).source("seam-1"),
            "test",
        )
        .await
        .unwrap();
    issuer.wait_published().await;
    // the credential, and its revocation and suspension lists
    assert!(signer.signatures.load(Ordering::SeqCst) >= 3);
    let checker = common::checker_for(&issuer);
    let report = checker
        .verify(issued.credential.as_bytes(), &VerifyOptions::default())
        .await;
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
    let rotation = issuer.rotate_key("test").await;
    assert!(
        matches!(&rotation, Err(IssuerError::Rotation(RotationError::ExternalSigner(m)))
            if m == signer.verification_method()),
        "{rotation:?}"
    );
    drop(issuer);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    // Opened again without its signer, or with another key: refused, with the reason.
    let reason = config_error(Issuer::open(config.clone()).await);
    assert!(
        reason.contains("held outside the data directory"),
        "{reason}"
    );
    let other = CountingSigner::new(
        KeyPair::generate(KeyAlgorithm::Ed25519),
        format!("{did}#hsm-1"),
    );
    let reason = config_error(Issuer::builder(config.clone()).signer(other).build().await);
    assert!(reason.contains("registry's current key"), "{reason}");

    // With its signer: the registry is intact.
    let (issuer, opened) = Issuer::builder(config)
        .signer(signer)
        .build()
        .await
        .unwrap();
    assert!(!opened.initialized);
    assert_eq!(issuer.credential_count().unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_did_key_issuer_takes_its_did_from_the_external_signer() {
    let dir = tempfile::tempdir().unwrap();
    let config = common::config(dir.path(), 8443, DidMethod::Key);
    let pair = KeyPair::generate(KeyAlgorithm::P256);
    let public = pair.public_key();
    let signer = CountingSigner::new(pair, did_key_method(&public));
    let (issuer, _) = Issuer::builder(config)
        .signer(signer)
        .build()
        .await
        .unwrap();
    assert_eq!(issuer.did(), did_key(&public));
    assert_eq!(issuer.keys()[0].algorithm, KeyAlgorithm::P256);
}

/// A registry store that is not the default one: sled elsewhere, counting the batches written
/// and keeping those that record a source record version.
struct CountingStore {
    inner: SledStore,
    batches: AtomicUsize,
    versioned: std::sync::Mutex<Vec<WriteBatch>>,
}

impl CountingStore {
    fn open(dir: &std::path::Path) -> Arc<Self> {
        Arc::new(Self {
            inner: SledStore::open(dir).unwrap(),
            batches: AtomicUsize::new(0),
            versioned: Default::default(),
        })
    }
}

macro_rules! delegate {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        $(fn $name(&self, $($arg: $ty),*) -> Result<$ret, IssuerError> {
            self.inner.$name($($arg),*)
        })*
    };
}

impl RegistryStore for CountingStore {
    fn apply(&self, batch: WriteBatch) -> Result<(), IssuerError> {
        self.batches.fetch_add(1, Ordering::SeqCst);
        if batch
            .writes
            .iter()
            .any(|w| matches!(w, Write::SourceVersion { .. }))
            && let Ok(mut kept) = self.versioned.lock()
        {
            kept.push(batch.clone());
        }
        self.inner.apply(batch)
    }
    delegate! {
        flush() -> ();
        meta() -> Option<civitas_issuer::store::IssuerMeta>;
        credential(id: &str) -> Option<civitas_issuer::store::CredentialRecord>;
        credential_text(id: &str) -> Option<String>;
        by_source(source_record_id: &str) -> Option<String>;
        source_version(source_record_id: &str) -> Option<String>;
        credentials(after: Option<&str>, limit: usize) -> Vec<civitas_issuer::store::CredentialRecord>;
        credential_count() -> u64;
        status_lists() -> Vec<civitas_status::StatusList>;
        put_status_list(list: &civitas_status::StatusList) -> ();
        published(url: &str) -> Option<civitas_issuer::store::PublishedList>;
        put_published(list: &civitas_issuer::store::PublishedList) -> ();
        allocator_state(purpose: civitas_status::StatusPurpose) -> Option<civitas_status::AllocatorState>;
        put_allocator_state(purpose: civitas_status::StatusPurpose, state: &civitas_status::AllocatorState) -> ();
        audit(from: u64, limit: usize) -> Vec<civitas_issuer::audit::AuditEntry>;
        audit_head() -> Option<civitas_issuer::audit::AuditEntry>;
        keys() -> Vec<civitas_issuer::keystore::KeyRecord>;
        token(hash: &str) -> Option<civitas_issuer::tokens::TokenRecord>;
        tokens() -> Vec<civitas_issuer::tokens::TokenRecord>;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_given_to_the_builder_holds_the_whole_registry() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let config = common::config(dir.path(), 8443, DidMethod::Key);
    let store = CountingStore::open(elsewhere.path());
    let (issuer, _) = Issuer::builder(config)
        .store(store.clone())
        .build()
        .await
        .unwrap();
    let before = store.batches.load(Ordering::SeqCst);
    assert!(before > 0, "initialisation wrote to the given store");
    issuer
        .issue(
            IssueRequest::new(crate::common::marriage_document()).source("seam-2"),
            "test",
        )
        .await
        .unwrap();
    assert!(store.batches.load(Ordering::SeqCst) > before);
    assert_eq!(store.credential_count().unwrap(), 1);
    assert!(store.by_source("seam-2").unwrap().is_some());
    assert!(
        !dir.path().join("registry").exists(),
        "the default sled registry was not opened"
    );
}

/// The version of a source record is written in the same atomic batch as the issuance it
/// belongs to (so no crash can keep one without the other), grows only, and is recorded for a
/// replay that brings a higher version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_version_is_recorded_in_the_commit_of_its_issuance() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let store = CountingStore::open(elsewhere.path());
    let (issuer, _) = Issuer::builder(common::config(dir.path(), 8443, DidMethod::Key))
        .store(store.clone())
        .build()
        .await
        .unwrap();
    let request = || IssueRequest::new(crate::common::birth_document()).source("PW/B/2024/7");
    let issued = issuer.issue(request().version("2"), "test").await.unwrap();
    let kept = store.versioned.lock().unwrap().clone();
    assert_eq!(kept.len(), 1, "one batch recorded the version");
    let writes = &kept[0].writes;
    assert!(
        writes
            .iter()
            .any(|w| matches!(w, Write::Credential(r) if r.id == issued.credential_id)),
        "the version is in the batch of the issuance"
    );
    assert!(writes.iter().any(|w| matches!(w,
        Write::SourceVersion { source_record_id, version }
            if source_record_id == "PW/B/2024/7" && version == "2")));
    assert_eq!(
        store.source_version("PW/B/2024/7").unwrap().as_deref(),
        Some("2")
    );

    // an older version of the same content replays and does not move the version back
    let replayed = issuer.issue(request().version("1"), "test").await.unwrap();
    assert_eq!(replayed.outcome, civitas_issuer::IssueOutcome::Replayed);
    assert_eq!(
        issuer.source_version("PW/B/2024/7").unwrap().as_deref(),
        Some("2")
    );
    assert_eq!(store.versioned.lock().unwrap().len(), 1);
    // a higher version of the same content replays and is recorded (versions compare as numbers)
    issuer.issue(request().version("10"), "test").await.unwrap();
    assert_eq!(
        issuer.source_version("PW/B/2024/7").unwrap().as_deref(),
        Some("10")
    );

    // versions folded in from elsewhere only grow too
    let recorded = issuer
        .record_source_versions(&[
            ("PW/B/2024/7".into(), "9".into()),
            ("PW/B/2024/8".into(), "3".into()),
            ("PW/B/2024/8".into(), "4".into()),
        ])
        .await
        .unwrap();
    assert_eq!(recorded, 1);
    assert_eq!(
        issuer.source_version("PW/B/2024/7").unwrap().as_deref(),
        Some("10")
    );
    assert_eq!(
        issuer.source_version("PW/B/2024/8").unwrap().as_deref(),
        Some("4")
    );

    // a version must be usable text
    let bad = issuer
        .issue(request().version(" 3"), "test")
        .await
        .unwrap_err();
    assert!(
        matches!(&bad, IssuerError::InvalidRequest { member, .. } if member == "sourceVersion"),
        "{bad}"
    );
}

/// A registry another handle holds is a typed store error naming the directory, with the
/// message it always had.
#[test]
fn a_registry_held_elsewhere_is_a_typed_store_error() {
    let dir = tempfile::tempdir().unwrap();
    let _first = SledStore::open(dir.path()).unwrap();
    let second = SledStore::open(dir.path()).unwrap_err();
    let IssuerError::Store(StoreError::Open { path, reason }) = &second else {
        panic!("{second:?}");
    };
    assert_eq!(path, &dir.path().display().to_string());
    assert_eq!(
        second.to_string(),
        format!(
            "registry store: cannot open the registry at {path} (is another issuer process using this data directory?): {reason}"
        )
    );
    assert_eq!(second.slug(), "internal");
}

/// A document type the issuer is not configured for is refused with the type itself, not its
/// name in a sentence; the message and the problem slug are what they were.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_type_not_allowed_names_the_document_type() {
    let dir = tempfile::tempdir().unwrap();
    let config = common::config(dir.path(), 8443, DidMethod::Key)
        .document_types(&[civitas_testkit::samples::kind("BirthCertificate")]);
    let (issuer, _) = Issuer::open(config).await.unwrap();
    let refused = issuer
        .issue(
            IssueRequest::new(crate::common::marriage_document()),
            "test",
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            &refused,
            IssuerError::TypeNotAllowed(kind) if kind.as_str() == "MarriageCertificate"
        ),
        "{refused:?}"
    );
    assert_eq!(
        refused.to_string(),
        "this issuer does not issue MarriageCertificate documents"
    );
    assert_eq!(refused.slug(), "type-not-allowed");
}

/// A passphrase that does not open the key file, or an empty passphrase file, is a typed
/// passphrase error naming the file; the messages read as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_passphrase_names_the_key_file() {
    use civitas_issuer::PassphraseSource;
    use civitas_issuer::error::PassphraseError;
    let dir = tempfile::tempdir().unwrap();
    let (issuer, _) = Issuer::open(common::config(dir.path(), 8443, DidMethod::Key))
        .await
        .unwrap();
    drop(issuer);
    let reopen = |source: PassphraseSource| {
        reopen(common::config(dir.path(), 8443, DidMethod::Key).passphrase(source))
    };
    let wrong = reopen(PassphraseSource::Value(
        "not the passphrase".to_owned().into(),
    ))
    .await
    .unwrap_err();
    let IssuerError::Passphrase(PassphraseError::Wrong { path, error }) = &wrong else {
        panic!("{wrong:?}");
    };
    assert!(path.ends_with("key-1.json"), "{path}");
    assert_eq!(
        wrong.to_string(),
        format!("passphrase: cannot open {path}: {error}")
    );

    let empty = dir.path().join("empty-passphrase");
    std::fs::write(&empty, "  \n").unwrap();
    let e = reopen(PassphraseSource::File(empty.clone()))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, IssuerError::Passphrase(PassphraseError::Empty(p)) if *p == empty.display().to_string()),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        format!("passphrase: {} is empty", empty.display())
    );
}

/// An address already taken is a typed configuration error naming it, with the operating
/// system's kind of failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_in_use_is_a_typed_configuration_error() {
    use civitas_issuer::error::ConfigError;
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = common::config(dir.path(), address.port(), DidMethod::Key);
    let Err(e) = civitas_issuer::launch::launch(config, address).await else {
        panic!("the address is taken, yet the issuer launched");
    };
    let IssuerError::Config(ConfigError::Listen {
        address: named,
        source,
    }) = &e
    else {
        panic!("{e:?}");
    };
    assert_eq!(named, &address.to_string());
    assert_eq!(source.kind, std::io::ErrorKind::AddrInUse);
    assert_eq!(
        e.to_string(),
        format!("configuration: cannot listen on {address}: {source}")
    );
}

/// Opens the issuer of `config` again once the registry's lock, which sled releases from a
/// background thread after the previous issuer was dropped, is free.
async fn reopen(
    config: civitas_issuer::IssuerConfig,
) -> Result<(Issuer, civitas_issuer::Opened), IssuerError> {
    for _ in 0..250 {
        match Issuer::open(config.clone()).await {
            Err(IssuerError::Store(StoreError::Open { .. })) => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await
            }
            other => return other,
        }
    }
    panic!("the registry stayed locked")
}

/// A key file that cannot be read is a typed key file error naming the file, with the
/// operating system's kind of failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_key_file_is_a_typed_key_file_error() {
    use civitas_issuer::error::KeyFileProblem;
    let dir = tempfile::tempdir().unwrap();
    let config = common::config(dir.path(), 8443, DidMethod::Web);
    let (issuer, _) = Issuer::open(config.clone()).await.unwrap();
    drop(issuer);
    let key_file = config.keys_dir().join("key-1.json");
    std::fs::remove_file(&key_file).unwrap();
    let e = reopen(config).await.unwrap_err();
    let IssuerError::KeyFile {
        path,
        reason: KeyFileProblem::Unreadable(failure),
    } = &e
    else {
        panic!("{e:?}");
    };
    assert_eq!(path, &key_file.display().to_string());
    assert_eq!(failure.kind, std::io::ErrorKind::NotFound);
    assert_eq!(e.to_string(), format!("key file {path}: {failure}"));
}
