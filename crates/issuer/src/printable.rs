//! What an issued certificate looks like on paper: its compact QR form (`CV1:…`, SPEC.md §13),
//! signed by the key that signed the credential, and the printable certificate (PDF, SVG or
//! PNG) with that QR code at the bottom right.

use std::sync::Arc;

use civitas_core::credential::Credential;
use civitas_keys::signer::Signer;
use civitas_render::certificate::{self, Format};

use crate::error::{IssuerError, SigningError, StoreError};
use crate::issuer::Issuer;
use crate::keystore::FileSigner;
use civitas_core::secure::Securing;

impl Issuer {
    /// The credential `id` as issued, parsed (Data Integrity JSON or the payload of its
    /// `vc+jwt`).
    pub(crate) fn issued_credential(&self, id: &str) -> Result<(Credential, String), IssuerError> {
        let (record, text) = self
            .credential(id)?
            .ok_or_else(|| IssuerError::UnknownCredential(id.to_owned()))?;
        let text = text.ok_or_else(|| IssuerError::UnknownCredential(id.to_owned()))?;
        let json = match record.securing {
            Securing::DataIntegrity => civitas_core::credential::parse_json(text.as_bytes())?,
            Securing::VcJwt => {
                civitas_core::jwt::decode(&text)
                    .map_err(|error| {
                        IssuerError::Store(StoreError::StoredJwt {
                            id: id.to_owned(),
                            error,
                        })
                    })?
                    .payload
            }
        };
        Ok((Credential::from_value(json)?, record.verification_method))
    }

    /// The signer of `method`: the current key, or an older one opened from its key file (so a
    /// QR code made after a rotation is signed by the key that signed the credential).
    fn signer_for(&self, method: &str) -> Result<Arc<dyn Signer>, IssuerError> {
        let current = self.signer();
        if current.verification_method() == method {
            return Ok(current);
        }
        let record = self
            .keys()
            .into_iter()
            .find(|k| k.verification_method == method)
            .ok_or_else(|| IssuerError::Signing(SigningError::UnknownKey(method.to_owned())))?;
        if let (Some(label), Some(token)) = (&record.hsm_label, self.hsm_token()) {
            // an older key of the issuer's token (a rotation keeps it there)
            let signer = token
                .signer(label, record.algorithm)
                .map_err(IssuerError::Hsm)?
                .with_verification_method(method);
            return Ok(Arc::new(signer));
        }
        if record.file.is_empty() {
            return Err(IssuerError::Signing(SigningError::KeyNotHeld(
                method.to_owned(),
            )));
        }
        let signer = FileSigner::open(
            &self.config().keys_dir(),
            &record,
            self.passphrase().as_bytes(),
        )?;
        Ok(Arc::new(signer))
    }

    /// The QR code of credential `id` (its compact text, error correction M), as printed.
    pub async fn qr_symbol(&self, id: &str) -> Result<civitas_qr::QrSymbol, IssuerError> {
        let text = self.compact(id).await?;
        civitas_qr::QrSymbol::encode(&text, civitas_qr::EcLevel::M)
            .map_err(|e| IssuerError::Signing(SigningError::Qr(e)))
    }

    /// The compact QR text of credential `id`, signed by the key that signed the credential.
    pub async fn compact(&self, id: &str) -> Result<String, IssuerError> {
        let (credential, method) = self.issued_credential(id)?;
        self.compact_of(id, &credential, &method).await
    }

    /// The compact QR text of `credential` (issued as `id`), signed by `method`'s key.
    async fn compact_of(
        &self,
        id: &str,
        credential: &Credential,
        method: &str,
    ) -> Result<String, IssuerError> {
        if credential.document_type().is_none() {
            return Err(IssuerError::InvalidRequest {
                member: "id".into(),
                reason: format!(
                    "{id} is not a birth or marriage certificate: it has no compact form"
                ),
            });
        }
        let signer = self.signer_for(method)?;
        civitas_qr::compact::encode(credential, signer.as_ref())
            .await
            .map_err(|e| IssuerError::Signing(SigningError::Compact(e)))
    }

    /// The printable certificate of credential `id`, with its QR code.
    pub async fn certificate(&self, id: &str, format: Format) -> Result<Vec<u8>, IssuerError> {
        let (credential, method) = self.issued_credential(id)?;
        let text = self.compact_of(id, &credential, &method).await?;
        certificate::render(credential.json(), &text, format).map_err(|error| {
            IssuerError::Signing(SigningError::Certificate {
                id: id.to_owned(),
                error,
            })
        })
    }
}
