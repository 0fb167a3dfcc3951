//! The test world: a ministry (trust anchor) whose signed trust list names a civil status office
//! (did:key) for birth and marriage certificates; the office's revocation and suspension lists,
//! signed an hour ago; a stranger on no list; and a verifier built from all of that, as a
//! citizen's wallet app would be configured. The ministry, offices, status lists and sample
//! certificates come from civitas-testkit's fixtures; the wallet's own helpers are here.
#![allow(dead_code)]

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use civitas_core::credential::Credential;
use civitas_core::secure::Securing;
use civitas_keys::sealed::KdfParams;
use civitas_keys::signer::LocalSigner;
pub use civitas_testkit::fixtures::Office;
use civitas_testkit::fixtures::{ministry, sign_trust_list, verifier_builder};
use civitas_verifier::Verifier;
use civitas_verifier::trust::{TrustListSigning, TrustedIssuer};
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

/// A sample birth certificate of `holder` by `office`, valid since yesterday, status entries at
/// `index`/`index + 1`, secured as asked.
pub async fn birth(office: &Office, holder: &str, index: u64, securing: Securing) -> String {
    office
        .secure(&birth_unsigned(office, Some(holder), index), securing)
        .await
}

/// A sample marriage certificate by `office` whose first spouse is `holder`, valid since
/// yesterday.
pub async fn marriage(office: &Office, holder: &str, index: u64, securing: Securing) -> String {
    let unsigned = office
        .marriage(Some(holder), index, yesterday())
        .build()
        .expect("marriage");
    office.secure(&unsigned, securing).await
}

/// The unsigned birth certificate (for the compact form).
pub fn birth_unsigned(office: &Office, holder: Option<&str>, index: u64) -> Credential {
    office
        .birth(holder, index, yesterday())
        .build()
        .expect("birth")
}

fn yesterday() -> DateTime<Utc> {
    Utc::now() - Duration::days(1)
}

pub struct World {
    pub anchor: LocalSigner,
    pub office: Office,
    pub stranger: Office,
    pub trust_list: String,
}

impl World {
    pub async fn new() -> Self {
        let anchor = ministry();
        let office = Office::did_key(11, "registry.gov.example");
        let stranger = Office::did_key(31, "stranger.example");
        let trust_list = sign_trust_list(
            &anchor,
            [
                TrustedIssuer::new(&office.did, ["BirthCertificate", "MarriageCertificate"])
                    .named("Civil Status Office, Rose Hill"),
            ],
            &TrustListSigning::default(),
        )
        .await;
        Self {
            anchor,
            office,
            stranger,
            trust_list,
        }
    }

    /// The verifier a wallet app ships with: the trust list and the office's and stranger's
    /// lists (signed an hour ago), with these of the office's revocation bits set.
    pub async fn verifier(&self, revoked: &[u64]) -> Verifier {
        let mut b = verifier_builder(&self.anchor, &self.trust_list);
        let signed = Utc::now() - Duration::hours(1);
        for l in self.office.lists(revoked, &[], signed).await {
            b = b.status_list(l, None);
        }
        for l in self.stranger.lists(&[], &[], signed).await {
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
