//! The civil registry the verifier and wallet tests share (feature `fixtures`): keys from
//! one-byte seeds, the ministry that signs the trust list, issuing offices with their
//! revocation and suspension lists, sample birth and marriage certificates carrying status
//! entries, and a verifier trusting that ministry.
//!
//! Seeds, not random keys, so that every run (and every suite) signs the same bytes. Each
//! suite keeps only what is its own (the verifier's did:web registry with a rotated key, the
//! wallet's dates) and builds the rest from here.

use chrono::{DateTime, Utc};
use civitas_core::credential::{Credential, CredentialBuilder};
use civitas_core::data_integrity::ProofOptions;
use civitas_core::secure::{Securing, secure_credential};
use civitas_jsonld::contexts::ContextLoader;
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::signer::LocalSigner;
use civitas_status::entry::{BitstringStatusListEntry, StatusPurpose};
use civitas_status::list::{PublishOptions, StatusList};
use civitas_verifier::VerifierBuilder;
use civitas_verifier::trust::{TrustAnchor, TrustList, TrustListSigning, TrustedIssuer};
use serde_json::Value;

/// The seed of the ministry's key.
pub const MINISTRY_SEED: u8 = 1;

/// The name of the trust list the ministry signs.
pub const TRUST_LIST_NAME: &str = "Mauritius civil registry trust list";

/// The length (in entries) of every status list an [`Office`] publishes.
pub const STATUS_LIST_LENGTH: u64 = 131_072;

/// The Ed25519 key whose 32-byte secret is `seed` repeated.
pub fn seeded_key(seed: u8) -> KeyPair {
    KeyPair::from_secret_bytes(KeyAlgorithm::Ed25519, &[seed; 32]).expect("seed")
}

/// The ministry: the trust anchor (a did:key) that signs the trust list.
pub fn ministry() -> LocalSigner {
    LocalSigner::did_key(seeded_key(MINISTRY_SEED))
}

/// The trust list [`TRUST_LIST_NAME`] naming `issuers`, signed by `anchor`.
pub async fn sign_trust_list(
    anchor: &LocalSigner,
    issuers: impl IntoIterator<Item = TrustedIssuer>,
    signing: &TrustListSigning,
) -> String {
    let mut list = TrustList::new(TRUST_LIST_NAME);
    for issuer in issuers {
        list.add(issuer).expect("trusted issuer");
    }
    list.sign(anchor, signing).await.expect("trust list")
}

/// A verifier builder that trusts `anchor` and holds `trust_list` (add status lists, a
/// verification time, then build).
pub fn verifier_builder(anchor: &LocalSigner, trust_list: &str) -> VerifierBuilder {
    civitas_verifier::Verifier::builder()
        .trust_anchor(TrustAnchor::did(anchor.controller()))
        .trust_list(trust_list.to_owned())
}

/// A status list at `url` for `purpose` with the bits at `set` on, published by `issuer` and
/// signed by `signer` at `valid_from`: its JSON bytes.
pub async fn signed_status_list(
    signer: &LocalSigner,
    issuer: &str,
    url: &str,
    purpose: StatusPurpose,
    set: &[u64],
    valid_from: DateTime<Utc>,
) -> Vec<u8> {
    let mut list = StatusList::new(url, purpose, STATUS_LIST_LENGTH).expect("list");
    for i in set {
        list.set(*i, 1).expect("index");
    }
    let publish = PublishOptions::new(issuer).valid_from(valid_from);
    let proof = ProofOptions {
        created: Some(valid_from),
        ..ProofOptions::default()
    };
    let signed = list
        .sign(&publish, signer, &proof, &ContextLoader::bundled())
        .await
        .expect("sign list");
    serde_json::to_vec(&signed).expect("json")
}

/// An issuing office: its DID, its signing key and the URLs of its revocation and suspension
/// lists.
#[derive(Clone)]
pub struct Office {
    /// The office's DID (the credentials' issuer).
    pub did: String,
    /// The key it signs credentials and status lists with.
    pub signer: LocalSigner,
    /// Its revocation list's URL.
    pub rev_url: String,
    /// Its suspension list's URL.
    pub sus_url: String,
}

impl Office {
    /// An office signing with `signer`, its status lists at `https://{host}/status/…/1`.
    pub fn new(signer: LocalSigner, host: &str) -> Self {
        Self {
            did: signer.controller().to_owned(),
            signer,
            rev_url: format!("https://{host}/status/revocation/1"),
            sus_url: format!("https://{host}/status/suspension/1"),
        }
    }

    /// An office whose DID is the did:key of [`seeded_key`]`(seed)`.
    pub fn did_key(seed: u8, host: &str) -> Self {
        Self::new(LocalSigner::did_key(seeded_key(seed)), host)
    }

    /// Its revocation and suspension lists with these bits set, signed at `valid_from`.
    pub async fn lists(
        &self,
        revoked: &[u64],
        suspended: &[u64],
        valid_from: DateTime<Utc>,
    ) -> Vec<Vec<u8>> {
        vec![
            signed_status_list(
                &self.signer,
                &self.did,
                &self.rev_url,
                StatusPurpose::Revocation,
                revoked,
                valid_from,
            )
            .await,
            signed_status_list(
                &self.signer,
                &self.did,
                &self.sus_url,
                StatusPurpose::Suspension,
                suspended,
                valid_from,
            )
            .await,
        ]
    }

    /// Status entries at `index` (revocation) and `index + 1` (suspension).
    pub fn entries(&self, index: u64) -> [Value; 2] {
        [
            BitstringStatusListEntry::new(&self.rev_url, index, StatusPurpose::Revocation)
                .to_json(),
            BitstringStatusListEntry::new(&self.sus_url, index + 1, StatusPurpose::Suspension)
                .to_json(),
        ]
    }

    /// An unsigned sample birth certificate of `holder` (if any), valid from `valid_from`,
    /// with status entries at `index`.
    pub fn birth(
        &self,
        holder: Option<&str>,
        index: u64,
        valid_from: DateTime<Utc>,
    ) -> CredentialBuilder {
        self.document("BirthCertificate", holder, index, valid_from)
    }

    /// An unsigned sample marriage certificate whose first spouse is `holder` (if any), valid
    /// from `valid_from`, with status entries at `index`.
    pub fn marriage(
        &self,
        holder: Option<&str>,
        index: u64,
        valid_from: DateTime<Utc>,
    ) -> CredentialBuilder {
        self.document("MarriageCertificate", holder, index, valid_from)
    }

    /// An unsigned sample document of the known type `kind` (`DrivingLicence`) whose first
    /// holder is `holder` (if any), issued by this office, valid from `valid_from`, with
    /// status entries at `index`.
    pub fn document(
        &self,
        kind: &str,
        holder: Option<&str>,
        index: u64,
        valid_from: DateTime<Utc>,
    ) -> CredentialBuilder {
        let (kind, subject) = crate::samples::sample(kind, holder);
        let [rev, sus] = self.entries(index);
        CredentialBuilder::new(&self.did)
            .document(&kind, subject)
            .valid_from(valid_from)
            .status(rev)
            .status(sus)
    }

    /// `unsigned` signed by this office, secured as asked (default proof options).
    pub async fn secure(&self, unsigned: &Credential, securing: Securing) -> String {
        secure_credential(
            unsigned.json(),
            &self.signer,
            securing,
            &ProofOptions::default(),
            &ContextLoader::bundled(),
        )
        .await
        .expect("sign")
    }
}
