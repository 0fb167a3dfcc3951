//! Securing a credential in one call: Data Integrity (the default) or `vc+jwt`, for VC 2.0 and
//! VC 1.1 documents, with the data-model and JSON-LD checks done before anything is signed.

use serde_json::Value;

use crate::credential::{Credential, SyntaxError, VcVersion};
use crate::data_integrity::{self, ProofError, ProofOptions};
use crate::jwt::{self, JwtError};
use crate::self_check::Unchecked;
use civitas_jsonld::canon::{self, CanonError};
use civitas_jsonld::contexts::{ContextLoader, DATA_INTEGRITY_V2};
use civitas_keys::signer::Signer;

/// How a credential is secured.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Securing {
    /// An embedded Data Integrity proof (`eddsa-rdfc-2022` or `ecdsa-rdfc-2019`). The default.
    #[default]
    DataIntegrity,
    /// A compact JWS with `typ: vc+jwt` (VC-JOSE).
    VcJwt,
}

impl std::str::FromStr for Securing {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "di" | "data-integrity" | "dataintegrity" => Ok(Self::DataIntegrity),
            "jwt" | "vc+jwt" | "vc-jwt" => Ok(Self::VcJwt),
            other => Err(format!(
                "`{other}` is not a securing mechanism (data-integrity, vc+jwt)"
            )),
        }
    }
}

/// Why a credential could not be secured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecureError {
    /// The credential breaks the data model.
    #[error("not a valid credential: {0}")]
    Syntax(#[from] SyntaxError),
    /// A term is undefined or a context unknown.
    #[error(transparent)]
    JsonLd(#[from] CanonError),
    /// Data Integrity signing failed.
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// JWT signing failed.
    #[error(transparent)]
    Jwt(#[from] JwtError),
    /// The signer's key does not belong to the issuer.
    #[error("the signer's key {method} is not the issuer's ({issuer})")]
    NotTheIssuer {
        /// The signer's verification method.
        method: String,
        /// The credential's issuer.
        issuer: String,
    },
}

/// A VC 1.1 credential gets the Data Integrity v2 context it needs for a `DataIntegrityProof`.
fn add_data_integrity_context(doc: &mut Value) {
    if crate::credential::vc_version_of(doc) != Some(VcVersion::V1_1) {
        return;
    }
    if let Some(ctx) = doc.get_mut("@context") {
        let mut list = match ctx.take() {
            Value::Array(items) => items,
            one => vec![one],
        };
        if !list.iter().any(|c| c.as_str() == Some(DATA_INTEGRITY_V2)) {
            list.push(DATA_INTEGRITY_V2.into());
        }
        *ctx = Value::Array(list);
    }
}

/// Secures `credential` with `signer`. Returns the secured credential as text: JSON for Data
/// Integrity, the compact JWS for `vc+jwt`.
///
/// The signer's verification method must belong to the credential's issuer (its DID is the
/// issuer, as with `did:key` or `did:web`), so that verifiers can bind the two.
pub async fn secure_credential(
    credential: &Value,
    signer: &dyn Signer,
    securing: Securing,
    options: &ProofOptions,
    loader: &ContextLoader,
) -> Result<String, SecureError> {
    secure_owned_credential(credential.clone(), signer, securing, options, loader).await
}

/// [`secure_credential`] for a credential the caller gives away (it is not copied).
pub async fn secure_owned_credential(
    credential: Value,
    signer: &dyn Signer,
    securing: Securing,
    options: &ProofOptions,
    loader: &ContextLoader,
) -> Result<String, SecureError> {
    secure_owned_credential_unchecked(credential, signer, securing, options, loader)
        .await?
        .check()
        .map_err(SecureError::Proof)
}

/// [`secure_owned_credential`] whose Data Integrity signature is still to be checked with the
/// signer's public key: alone with [`Unchecked::check`], or with the others of a batch by
/// [`crate::self_check::check_all`]. A `vc+jwt` has nothing to check.
pub async fn secure_owned_credential_unchecked(
    mut credential: Value,
    signer: &dyn Signer,
    securing: Securing,
    options: &ProofOptions,
    loader: &ContextLoader,
) -> Result<Unchecked<String>, SecureError> {
    if securing == Securing::DataIntegrity {
        add_data_integrity_context(&mut credential);
    }
    let parsed = Credential::from_value(credential)?;
    let controller = civitas_keys::resolver::controller_of(signer.verification_method());
    if controller != parsed.issuer() {
        return Err(SecureError::NotTheIssuer {
            method: signer.verification_method().to_owned(),
            issuer: parsed.issuer().to_owned(),
        });
    }
    match securing {
        Securing::DataIntegrity => {
            let signed =
                data_integrity::add_proof_to_unchecked(parsed.into_json(), signer, options, loader)
                    .await
                    .map_err(|e| match e {
                        ProofError::Canonicalization(c) => SecureError::JsonLd(c),
                        other => SecureError::Proof(other),
                    })?;
            signed.try_map(|signed| {
                serde_json::to_string_pretty(&signed)
                    .map_err(|e| SecureError::Syntax(SyntaxError::field("", e.to_string())))
            })
        }
        Securing::VcJwt => {
            canon::check_terms(parsed.json(), loader).await?;
            Ok(Unchecked::nothing_to_check(
                jwt::sign_credential(parsed.json(), signer).await?,
            ))
        }
    }
}

/// A credential to put in a presentation: a Data Integrity-secured document, or a `vc+jwt`.
#[derive(Debug, Clone, PartialEq)]
pub enum Presentable {
    /// A credential with embedded proof, as JSON.
    Document(Value),
    /// A `vc+jwt` compact JWS; it travels as an `EnvelopedVerifiableCredential`.
    Jwt(String),
}

impl Presentable {
    /// Reads a secured credential as given by a holder: JSON, or a compact JWS.
    pub fn from_text(text: &str) -> Result<Self, SyntaxError> {
        let t = text.trim();
        if t.starts_with('{') {
            Ok(Self::Document(crate::credential::parse_json(t.as_bytes())?))
        } else {
            Ok(Self::Jwt(t.to_owned()))
        }
    }

    fn to_embedded(&self) -> Value {
        match self {
            Self::Document(v) => v.clone(),
            Self::Jwt(token) => serde_json::json!({
                "@context": [civitas_jsonld::contexts::CREDENTIALS_V2],
                "id": format!("data:application/vc+jwt,{token}"),
                "type": "EnvelopedVerifiableCredential",
            }),
        }
    }
}

/// Builds and signs a VC 2.0 presentation of `credentials` by the holder behind `signer`, with
/// proof purpose `authentication`, bound to the verifier's `challenge` and `domain`.
pub async fn secure_presentation(
    credentials: &[Presentable],
    signer: &dyn Signer,
    challenge: Option<&str>,
    domain: Option<&str>,
    loader: &ContextLoader,
) -> Result<String, SecureError> {
    let holder = civitas_keys::resolver::controller_of(signer.verification_method());
    let vp = serde_json::json!({
        "@context": [civitas_jsonld::contexts::CREDENTIALS_V2],
        "id": format!("urn:uuid:{}", uuid::Uuid::new_v4()),
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": credentials.iter().map(Presentable::to_embedded).collect::<Vec<_>>(),
    });
    let options = ProofOptions::authentication(challenge, domain);
    let signed = data_integrity::add_proof(&vp, signer, &options, loader).await?;
    serde_json::to_string_pretty(&signed)
        .map_err(|e| SecureError::Syntax(SyntaxError::field("", e.to_string())))
}
