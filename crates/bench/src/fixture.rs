//! Everything the figures share: one issuer, one signed birth certificate, the verifier.

use anyhow::{Result, anyhow};
use chrono::{DateTime, Utc};
use civitas_core::credential::CredentialBuilder;
use civitas_core::data_integrity::ProofOptions;
use civitas_core::model::{DocumentType, sample};
use civitas_core::report::Verdict;
use civitas_core::secure::{Securing, secure_credential};
use civitas_core::verify::{DocumentCheck, VerifyOptions};
use civitas_jsonld::contexts::ContextLoader;
use civitas_keys::keys::{KeyAlgorithm, KeyPair};
use civitas_keys::signer::LocalSigner;
use serde_json::{Value, json};

/// Everything the figures share: one issuer, one birth certificate, its signed forms.
pub(crate) struct Fixture {
    pub(crate) rt: tokio::runtime::Runtime,
    pub(crate) key: KeyPair,
    pub(crate) signer: LocalSigner,
    pub(crate) loader: ContextLoader,
    pub(crate) checker: DocumentCheck,
    pub(crate) unsigned: Value,
    pub(crate) di: String,
    pub(crate) jwt: String,
    pub(crate) options: ProofOptions,
    pub(crate) verify_options: VerifyOptions,
    /// Its given name, family name and date of birth with a key binding JWT: what a bank gets.
    pub(crate) sd_presentation: String,
    /// How the SD-JWT VC is issued.
    pub(crate) sd_options: civitas_sdjwt::IssueOptions,
}

/// The audience and nonce of the SD-JWT presentation's key binding.
pub(crate) const SD_AUDIENCE: &str = "decentralized_identifier:did:web:bank.example";
/// See [`SD_AUDIENCE`].
pub(crate) const SD_NONCE: &str = "bench-nonce-0123456789abcdef";

const SEED: &[u8; 32] = b"civitas-bench-issuer-seed-32byte";

pub(crate) fn status_entry(purpose: &str, index: u64) -> Value {
    let url = format!("https://registry.gov.example/status/{purpose}/1");
    json!({
        "id": format!("{url}#{index}"),
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": index.to_string(),
        "statusListCredential": url,
    })
}

impl Fixture {
    pub(crate) fn new() -> Result<Self> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let key = KeyPair::from_secret_bytes(KeyAlgorithm::Ed25519, SEED)?;
        let signer = LocalSigner::did_key(KeyPair::from_secret_bytes(KeyAlgorithm::Ed25519, SEED)?);
        let loader = ContextLoader::bundled();
        let created: DateTime<Utc> = "2026-01-15T09:00:00Z".parse()?;
        let birth = DocumentType::named("BirthCertificate")?;
        let unsigned = CredentialBuilder::new(signer.controller())
            .id("urn:uuid:6f0d8a52-3c1e-4b7a-9f2e-1d5c8b4a7e30")
            .valid_from(created)
            .status(status_entry("revocation", 94_567))
            .status(status_entry("suspension", 20_417))
            .document(&birth, birth_subject(&birth))
            .build()?
            .into_json();
        let options = ProofOptions {
            created: Some(created),
            ..ProofOptions::default()
        };
        let di = rt.block_on(secure_credential(
            &unsigned,
            &signer,
            Securing::DataIntegrity,
            &options,
            &loader,
        ))?;
        let jwt = rt.block_on(secure_credential(
            &unsigned,
            &signer,
            Securing::VcJwt,
            &options,
            &loader,
        ))?;
        let checker = DocumentCheck::new(
            loader.clone(),
            civitas_keys::resolver::OfflineResolver::new(),
        );
        let verify_options = VerifyOptions::default();
        let holder =
            LocalSigner::did_key(KeyPair::from_secret_bytes(KeyAlgorithm::Ed25519, &[7; 32])?);
        let mut sd_options = civitas_sdjwt::IssueOptions::new(
            civitas_sdjwt::vct::vct_for("BirthCertificate"),
            signer.controller(),
            created.timestamp(),
        );
        sd_options.cnf_jwk = Some(civitas_keys::signer::Signer::public_key(&holder).to_jwk());
        sd_options.selectively_disclosable = birth
            .profile()
            .map(|k| k.profile.withholdable())
            .unwrap_or_default()
            .iter()
            .filter_map(|p| civitas_sdjwt::SdPath::parse(&p.to_string()).ok())
            .collect();
        let claims = unsigned["credentialSubject"]
            .as_object()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|(k, _)| k != "type" && k != "id")
            .collect();
        let sd_jwt = rt
            .block_on(civitas_sdjwt::issue(&claims, &sd_options, &signer))?
            .sd_jwt;
        let shown = ["givenName", "familyName", "birthDate"]
            .iter()
            .map(|p| civitas_sdjwt::SdPath::parse(p))
            .collect::<Result<Vec<_>, _>>()?;
        let sd_presentation = rt.block_on(civitas_sdjwt::with_key_binding(
            &civitas_sdjwt::select(&sd_jwt, &shown)?,
            &holder,
            SD_AUDIENCE,
            SD_NONCE,
            Utc::now().timestamp(),
        ))?;
        let f = Self {
            sd_presentation,
            sd_options,
            rt,
            key,
            signer,
            loader,
            checker,
            unsigned,
            di,
            jwt,
            options,
            verify_options,
        };
        if !f.verify_sd_jwt() {
            return Err(anyhow!("the SD-JWT presentation does not verify"));
        }
        for (what, token) in [("Data Integrity", &f.di), ("vc+jwt", &f.jwt)] {
            let report =
                f.rt.block_on(f.checker.verify(token.as_bytes(), &f.verify_options));
            if report.verdict != Verdict::Valid {
                return Err(anyhow!("the {what} credential does not verify:\n{report}"));
            }
        }
        Ok(f)
    }

    /// Verifies the SD-JWT presentation (issuer signature, disclosures, key binding for the
    /// bank's nonce and audience): the SD-JWT layer, as civitas-verifier runs it.
    pub(crate) fn verify_sd_jwt(&self) -> bool {
        let options = civitas_sdjwt::VerifyOptions::new(Utc::now().timestamp())
            .require_key_binding(SD_AUDIENCE, SD_NONCE, 3_600);
        civitas_sdjwt::verify(&self.sd_presentation, &self.key.public_key(), &options).is_ok()
    }

    /// Issues the SD-JWT VC.
    pub(crate) fn issue_sd_jwt(&self) -> String {
        let claims = self.unsigned["credentialSubject"]
            .as_object()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|(k, _)| k != "type" && k != "id")
            .collect();
        self.rt
            .block_on(civitas_sdjwt::issue(
                &claims,
                &self.sd_options,
                &self.signer,
            ))
            .map(|i| i.sd_jwt)
            .unwrap_or_default()
    }

    pub(crate) fn verify(&self, token: &str) -> Verdict {
        self.rt
            .block_on(self.checker.verify(token.as_bytes(), &self.verify_options))
            .verdict
    }

    pub(crate) fn sign(&self, securing: Securing) -> String {
        self.rt
            .block_on(secure_credential(
                &self.unsigned,
                &self.signer,
                securing,
                &self.options,
                &self.loader,
            ))
            .unwrap_or_default()
    }
}

/// The bundled profile's sample subject of `kind`, without a holder (as the benchmarks have
/// always measured it).
pub(crate) fn birth_subject(kind: &DocumentType) -> serde_json::Value {
    let mut subject = sample(kind).unwrap_or_default();
    if let Some(known) = kind.profile() {
        known.profile.set_holder(&mut subject, None);
    }
    subject
}
