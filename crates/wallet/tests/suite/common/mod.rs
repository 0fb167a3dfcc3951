//! The test world: a ministry (trust anchor) whose signed trust list names a civil status office
//! (did:key) for birth and marriage certificates; the office's revocation and suspension lists,
//! signed an hour ago; a stranger on no list; and a verifier built from all of that, as a
//! citizen's wallet app would be configured.
#![allow(dead_code)]

use std::path::Path;

use chrono::{Duration, Utc};
use civitas_core::credential::CredentialBuilder;
use civitas_core::data_integrity::ProofOptions;
use civitas_core::model::samples;
use civitas_core::secure::{Securing, secure_credential};
use civitas_jsonld::contexts::ContextLoader;
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::sealed::KdfParams;
use civitas_keys::signer::LocalSigner;
use civitas_status::entry::{BitstringStatusListEntry, StatusPurpose};
use civitas_status::list::{PublishOptions, StatusList};
use civitas_verifier::Verifier;
use civitas_verifier::trust::{TrustAnchor, TrustList, TrustListSigning, TrustedIssuer};
use civitas_wallet::Wallet;

pub const PASSPHRASE: &[u8] = b"correct horse battery staple";

/// Every personal value of the sample birth certificate (child, parents, registration).
pub const BIRTH_SECRETS: &[&str] = &[
    "Marie-Claire",
    "Lebon",
    "2024-02-28",
    "14:35",
    "Candos",
    "Victoria Hospital",
    "L0101198512345",
    "L0202198354321",
    "PW/B/2024/001234",
    "Ramdin",
];

/// Every personal value of the sample marriage certificate.
pub const MARRIAGE_SECRETS: &[&str] = &[
    "Doorgah",
    "Sophie",
    "1994-05-17",
    "D1705199401234",
    "L0211199605678",
    "PL/M/2025/000321",
    "Ramsamy",
];

pub struct Office {
    pub signer: LocalSigner,
    pub did: String,
    pub rev_url: String,
    pub sus_url: String,
}

impl Office {
    fn new(seed: u8, host: &str) -> Self {
        let signer = LocalSigner::did_key(
            KeyPair::from_secret_bytes(KeyAlgorithm::Ed25519, &[seed; 32]).expect("seed"),
        );
        Self {
            did: signer.controller().to_owned(),
            signer,
            rev_url: format!("https://{host}/status/revocation/1"),
            sus_url: format!("https://{host}/status/suspension/1"),
        }
    }

    /// Its revocation and suspension lists with these bits set, signed an hour ago.
    pub async fn lists(&self, revoked: &[u64], suspended: &[u64]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for (url, purpose, set) in [
            (&self.rev_url, StatusPurpose::Revocation, revoked),
            (&self.sus_url, StatusPurpose::Suspension, suspended),
        ] {
            let mut list = StatusList::new(url, purpose, 131_072).expect("list");
            for i in set {
                list.set(*i, 1).expect("index");
            }
            let t = Utc::now() - Duration::hours(1);
            let signed = list
                .sign(
                    &PublishOptions::new(&self.did).valid_from(t),
                    &self.signer,
                    &ProofOptions {
                        created: Some(t),
                        ..ProofOptions::default()
                    },
                    &ContextLoader::bundled(),
                )
                .await
                .expect("sign list");
            out.push(serde_json::to_vec(&signed).expect("json"));
        }
        out
    }

    fn status(&self, builder: CredentialBuilder, index: u64) -> CredentialBuilder {
        builder
            .status(
                BitstringStatusListEntry::new(&self.rev_url, index, StatusPurpose::Revocation)
                    .to_json(),
            )
            .status(
                BitstringStatusListEntry::new(&self.sus_url, index + 1, StatusPurpose::Suspension)
                    .to_json(),
            )
    }

    /// A birth certificate of `holder`, status entries at `index`/`index + 1`, secured as asked.
    pub async fn birth(&self, holder: &str, index: u64, securing: Securing) -> String {
        self.secure(self.birth_unsigned(Some(holder), index), securing)
            .await
    }

    /// A marriage certificate whose first spouse is `holder`.
    pub async fn marriage(&self, holder: &str, index: u64, securing: Securing) -> String {
        let mut doc = samples::marriage_certificate();
        doc.spouses[0].id = Some(holder.to_owned());
        let unsigned = self
            .status(CredentialBuilder::new(&self.did).document(&doc), index)
            .valid_from(Utc::now() - Duration::days(1))
            .build()
            .expect("marriage");
        self.secure(unsigned, securing).await
    }

    async fn secure(
        &self,
        unsigned: civitas_core::credential::Credential,
        securing: Securing,
    ) -> String {
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

    /// The unsigned birth certificate (for the compact form).
    pub fn birth_unsigned(
        &self,
        holder: Option<&str>,
        index: u64,
    ) -> civitas_core::credential::Credential {
        let mut doc = samples::birth_certificate();
        doc.id = holder.map(str::to_owned);
        self.status(CredentialBuilder::new(&self.did).document(&doc), index)
            .valid_from(Utc::now() - Duration::days(1))
            .build()
            .expect("birth")
    }
}

pub struct World {
    pub anchor: LocalSigner,
    pub office: Office,
    pub stranger: Office,
    pub trust_list: String,
}

impl World {
    pub async fn new() -> Self {
        let anchor = LocalSigner::did_key(
            KeyPair::from_secret_bytes(KeyAlgorithm::Ed25519, &[1; 32]).expect("seed"),
        );
        let office = Office::new(11, "registry.gov.example");
        let stranger = Office::new(31, "stranger.example");
        let mut list = TrustList::new("Mauritius civil registry trust list");
        list.add(
            TrustedIssuer::new(&office.did, ["BirthCertificate", "MarriageCertificate"])
                .named("Civil Status Office, Rose Hill"),
        )
        .expect("office");
        let trust_list = list
            .sign(&anchor, &TrustListSigning::default())
            .await
            .expect("trust list");
        Self {
            anchor,
            office,
            stranger,
            trust_list,
        }
    }

    /// The verifier a wallet app ships with: the trust list and the office's and stranger's
    /// lists, with these of the office's revocation bits set.
    pub async fn verifier(&self, revoked: &[u64]) -> Verifier {
        let mut b = Verifier::builder()
            .trust_anchor(TrustAnchor::did(self.anchor.controller()))
            .trust_list(self.trust_list.clone());
        for l in self.office.lists(revoked, &[]).await {
            b = b.status_list(l, None);
        }
        for l in self.stranger.lists(&[], &[]).await {
            b = b.status_list(l, None);
        }
        b.build().await.expect("verifier")
    }
}

pub fn new_wallet(dir: &Path) -> Wallet {
    Wallet::create(dir, PASSPHRASE, KdfParams::testing()).expect("create wallet")
}

pub fn holder_did(wallet: &Wallet) -> String {
    wallet.holder_keys().expect("keys")[0].did.clone()
}

/// Every file under `dir`, concatenated.
pub fn raw_bytes(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.extend(std::fs::read(&path).expect("read file"));
            }
        }
    }
    out
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
