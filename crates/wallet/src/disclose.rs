//! Selective disclosure: an SD-JWT VC shown with only the claims a verifier asks for, bound to
//! the verifier's nonce and audience by a key binding JWT signed with the holder key the issuer
//! bound it to (`cnf`). The consent log records exactly which claims went to whom.

use chrono::Utc;
use civitas_keys::did;
use civitas_keys::keys::PublicKey;
use civitas_sdjwt::SdPath;

use crate::consent::{ConsentEntry, ShareForm, SharedDocument};
use crate::document::{DocumentFormat, StoredDocument};
use crate::error::WalletError;
use crate::share::{Shared, check_recipient, check_text};
use crate::wallet::Wallet;

/// Most claims asked for in one disclosure.
pub const MAX_DISCLOSED_CLAIMS: usize = 64;

/// What a verifier asks of one SD-JWT VC.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DisclosureRequest {
    /// The wallet id (or unique prefix) of the document.
    pub document: String,
    /// The claims to disclose: paths such as `givenName`, `mother.nationalId`, `children[]`
    /// (every element); a claim the issuer put in plain is always seen.
    pub claims: Vec<String>,
    /// The verifier's nonce.
    pub nonce: String,
    /// The verifier's identifier, the key binding JWT's `aud`.
    pub audience: String,
    /// Who receives it, in the holder's words, for the consent log.
    pub recipient: Option<String>,
}

/// The holder key an SD-JWT VC is bound to: the DID of its `cnf.jwk`.
fn bound_holder(doc: &StoredDocument) -> Result<String, WalletError> {
    bound_holder_of(&doc.content).map_err(|e| match e {
        WalletError::Share(reason) => WalletError::Share(format!("document {}: {reason}", doc.id)),
        other => other,
    })
}

/// The DID of the `cnf.jwk` of the SD-JWT VC `content`.
pub(crate) fn bound_holder_of(content: &str) -> Result<String, WalletError> {
    let parsed =
        civitas_sdjwt::verify::parse(content).map_err(|e| WalletError::Share(e.to_string()))?;
    let jwk = parsed
        .payload
        .get("cnf")
        .and_then(|c| c.get("jwk"))
        .cloned()
        .ok_or_else(|| {
            WalletError::Share(
                "it is bound to no holder key (`cnf`): it cannot be presented with key binding"
                    .into(),
            )
        })?;
    let key = serde_json::from_value(jwk)
        .ok()
        .and_then(|jwk| PublicKey::from_jwk(&jwk).ok())
        .ok_or_else(|| WalletError::Share("its `cnf.jwk` is not a key".into()))?;
    Ok(did::did_key(&key))
}

impl Wallet {
    /// Discloses the asked claims of an SD-JWT VC, with a key binding JWT for the verifier's
    /// nonce and audience signed by the holder key the document is bound to; records the
    /// disclosure (its claims, to whom) in the consent log and returns the presentation
    /// (`<issuer-jwt>~<disclosures>~<kb-jwt>`).
    pub async fn disclose(&self, request: &DisclosureRequest) -> Result<Shared, WalletError> {
        check_text("nonce", &request.nonce)?;
        check_text("audience", &request.audience)?;
        check_recipient(request.recipient.as_deref())?;
        if request.claims.len() > MAX_DISCLOSED_CLAIMS {
            return Err(WalletError::Share(format!(
                "{} claims asked, at most {MAX_DISCLOSED_CLAIMS}",
                request.claims.len()
            )));
        }
        let doc = self.document(&request.document)?;
        if doc.format != DocumentFormat::SdJwtVc {
            return Err(WalletError::Share(format!(
                "document {} is a {} credential: only SD-JWT VCs can disclose some claims and withhold the others",
                doc.id,
                doc.format.as_str()
            )));
        }
        let paths = request
            .claims
            .iter()
            .map(|c| SdPath::parse(c).map_err(|e| WalletError::Share(format!("claim {c:?}: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let holder_did = bound_holder(&doc)?;
        let keys = self.holder_records()?;
        let holder = keys
            .iter()
            .find(|k| k.public().did == holder_did)
            .ok_or_else(|| {
                WalletError::Share(format!(
                    "document {} is bound to {holder_did}, which is not a holder key of this wallet",
                    doc.id
                ))
            })?;
        let signer = holder.signer()?;
        let selected = civitas_sdjwt::select(&doc.content, &paths)
            .map_err(|e| WalletError::Share(format!("document {}: {e}", doc.id)))?;
        let presentation = civitas_sdjwt::with_key_binding(
            &selected,
            &signer,
            &request.audience,
            &request.nonce,
            Utc::now().timestamp(),
        )
        .await
        .map_err(|e| WalletError::Share(format!("key binding: {e}")))?;
        let disclosed = disclosed_paths(&presentation)?;
        let consent = self.log_share(ConsentEntry {
            seq: 0,
            at: Utc::now(),
            recipient: request.recipient.clone(),
            domain: Some(request.audience.clone()),
            challenge: Some(request.nonce.clone()),
            holder: Some(holder_did),
            presentation_id: None,
            form: ShareForm::Disclosure,
            documents: vec![SharedDocument {
                id: doc.id.clone(),
                description: doc.description.clone(),
                credential_id: doc.credential_id().map(str::to_owned),
                fields: disclosed,
            }],
            received: None,
        })?;
        Ok(Shared {
            payload: presentation,
            consent,
        })
    }
}

/// The claims a presentation lets the verifier see, as paths, in the document's order: every
/// top-level claim it shows (plain or disclosed), then the nested ones disclosed inside them
/// (`mother.nationalId`).
pub(crate) fn disclosed_paths(presentation: &str) -> Result<Vec<String>, WalletError> {
    let parsed = civitas_sdjwt::verify::parse(presentation)
        .map_err(|e| WalletError::Share(format!("the presentation: {e}")))?;
    let (claims, disclosed) = civitas_sdjwt::verify::disclosed_claims(&parsed)
        .map_err(|e| WalletError::Share(format!("the presentation: {e}")))?;
    let mut paths: Vec<String> = claims
        .keys()
        .filter(|k| !civitas_verifier::sd_jwt::REGISTERED_CLAIMS.contains(&k.as_str()))
        .cloned()
        .collect();
    for path in disclosed.iter().filter(|p| p.0.len() > 1) {
        let text = path.to_string();
        if !paths.contains(&text) {
            paths.push(text);
        }
    }
    Ok(paths)
}
