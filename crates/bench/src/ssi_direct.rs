//! ssi 0.16 used directly, as in ../shared/guides/ssi-0.16.md (`sign_with`, `verify`).

use std::collections::HashMap;

use anyhow::{Result, anyhow};
use ssi::JWK;
use ssi::claims::data_integrity::{AnySuite, CryptographicSuite, DataIntegrity};
use ssi::claims::vc::v2::JsonCredential;
use ssi::claims::{SignatureEnvironment, VerificationParameters};
use ssi::dids::{DIDKey, VerificationMethodDIDResolver};
use ssi::verification_methods::{AnyMethod, ReferenceOrOwned, SingleSecretSigner};

/// ssi's pieces, built once.
pub struct Ssi {
    loader: ssi::json_ld::ContextLoader,
    jwk: JWK,
}

fn resolver() -> VerificationMethodDIDResolver<DIDKey, AnyMethod> {
    VerificationMethodDIDResolver::new(DIDKey)
}

impl Ssi {
    pub fn new(key: &civitas_keys::keys::KeyPair) -> Result<Self> {
        let map: HashMap<String, String> = civitas_jsonld::contexts::BUNDLED
            .iter()
            .map(|(u, t)| ((*u).to_owned(), (*t).to_owned()))
            .collect();
        let loader = ssi::json_ld::ContextLoader::empty()
            .with_context_map_from(map)
            .map_err(|e| anyhow!("ssi loader: {e}"))?;
        let jwk: JWK = serde_json::from_value(serde_json::to_value(key.to_private_jwk())?)?;
        Ok(Self { loader, jwk })
    }

    /// Parses and verifies a Data Integrity credential (bytes in, verdict out).
    pub async fn verify(&self, json: &str) -> bool {
        let parsed: Result<DataIntegrity<JsonCredential, AnySuite>, _> =
            ssi::claims::data_integrity::from_json_str(json);
        let Ok(vc) = parsed else {
            return false;
        };
        let params = VerificationParameters::from_resolver(resolver())
            .with_json_ld_loader(self.loader.clone());
        matches!(vc.verify(&params).await, Ok(Ok(())))
    }

    /// Signs the unsigned credential with eddsa-rdfc-2022 (`sign_with`).
    pub async fn sign(&self, unsigned: &serde_json::Value) -> Result<String> {
        let cred: JsonCredential = serde_json::from_value(unsigned.clone())?;
        let vm = DIDKey::generate_url(&self.jwk.to_public()).map_err(|e| anyhow!("{e}"))?;
        let env = SignatureEnvironment {
            json_ld_loader: self.loader.clone(),
            eip712_loader: (),
        };
        let signer = SingleSecretSigner::new(self.jwk.clone()).into_local();
        let opts = ssi::claims::data_integrity::ProofOptions::from_method(
            ReferenceOrOwned::Reference(vm.into_iri()),
        );
        let signed = AnySuite::EdDsaRdfc2022
            .sign_with(env, cred, resolver(), &signer, opts, Default::default())
            .await
            .map_err(|e| anyhow!("ssi sign: {e}"))?;
        Ok(serde_json::to_string(&signed)?)
    }
}
