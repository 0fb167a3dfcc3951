//! Holder-bound copies as SD-JWT VCs (SPEC.md §12.12): the third OpenID4VCI credential
//! configuration of every document type (`<Type>_dc+sd-jwt`). The copy is issued and kept in
//! the registry as any holder-bound copy (a `vc+jwt` with Bitstring Status List entries of its
//! own); the holder receives the same subject as an SD-JWT VC whose `status` names the Token
//! Status List derived from the copy's revocation list, at its revocation index. Each field the
//! profile marks withholdable is its own disclosure.

use chrono::DateTime;
use civitas_core::jwt;
use civitas_core::model::DocumentType;
use civitas_keys::keys::PublicKey;
use civitas_sdjwt::issue::{IssueOptions, StatusReference, issue};
use civitas_sdjwt::path::SdPath;
use serde_json::{Map, Value};

use crate::error::{IssuerError, SigningError};
use crate::issue::Issued;

use super::{Issuer, now_secs};

/// The subject members that are JSON-LD plumbing, not claims: left out of the SD-JWT VC.
const NOT_CLAIMS: [&str; 2] = ["id", "type"];

fn sd_error(reason: impl std::fmt::Display) -> IssuerError {
    IssuerError::Signing(SigningError::SdJwt(reason.to_string()))
}

/// The paths a holder may withhold in a document of type `kind`, as SD-JWT paths.
pub(crate) fn disclosable_paths(kind: &DocumentType) -> Vec<SdPath> {
    kind.profile()
        .map(|known| {
            known
                .profile
                .withholdable()
                .iter()
                .filter_map(|p| SdPath::parse(&p.to_string()).ok())
                .collect()
        })
        .unwrap_or_default()
}

impl Issuer {
    /// The SD-JWT VC of holder-bound copy `copy` (issued as `vc+jwt`), for the holder's key
    /// `holder`: the copy's subject as claims, `vct` of its type, `iss` the issuer's DID,
    /// `sub` the holder's DID, `cnf.jwk` the holder's key, `exp` its `validUntil`, and
    /// `status` its place in the token list of its revocation list.
    pub(crate) async fn sd_jwt_of(
        &self,
        copy: &Issued,
        holder: &PublicKey,
    ) -> Result<String, IssuerError> {
        let decoded = jwt::decode(&copy.credential).map_err(sd_error)?;
        let credential = decoded.payload;
        // the copy's type, as the pipeline recorded it: `["VerifiableCredential", <type>]`
        let kind: DocumentType = copy
            .record
            .types
            .iter()
            .find_map(|t| t.parse().ok())
            .ok_or_else(|| sd_error("the copy is of no known document type"))?;
        let subject = credential
            .get("credentialSubject")
            .and_then(Value::as_object)
            .ok_or_else(|| sd_error("the copy has no credentialSubject"))?;
        let claims: Map<String, Value> = subject
            .iter()
            .filter(|(k, _)| !NOT_CLAIMS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let exp = credential
            .get("validUntil")
            .and_then(Value::as_str)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.timestamp());
        let revocation = &copy.record.revocation;
        let uri = self
            .token_list_url_of(&revocation.list)
            .ok_or_else(|| sd_error(format!("{} is not a revocation list", revocation.list)))?;
        let mut options = IssueOptions::new(
            civitas_sdjwt::vct::vct_for(kind.as_str()),
            self.did(),
            now_secs().timestamp(),
        );
        options.exp = exp;
        options.sub = copy.record.holder.clone();
        options.cnf_jwk = Some(holder.to_jwk());
        options.status = Some(StatusReference {
            idx: revocation.index,
            uri,
        });
        options.selectively_disclosable = disclosable_paths(&kind);
        let signer = self.issuing_signer()?;
        let issued = issue(&claims, &options, signer.as_ref())
            .await
            .map_err(sd_error)?;
        Ok(issued.sd_jwt)
    }
}
