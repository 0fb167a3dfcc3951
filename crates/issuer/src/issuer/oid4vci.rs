//! OpenID4VCI 1.0, pre-authorized code flow (SPEC.md §12.11), at the level of the issuer: what
//! the HTTP endpoints call. An authorised caller asks for an offer for an issued record
//! ([`Issuer::create_offer`]); the wallet exchanges the offer's pre-authorized code and the
//! transaction code for an access token ([`Issuer::token`]), gets a nonce
//! ([`Issuer::nonce`]) and asks for the credential with a key proof
//! ([`Issuer::credential_endpoint`]), which issues a **holder-bound copy** of the record
//! ([`Issuer::issue_holder_copy`]): the subject `id` is the key the wallet proved, with status
//! entries of its own, linked to its record (revoking the record revokes the copy in the same
//! commit).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use civitas_core::model::DocumentType;
use civitas_core::secure::Securing;
use civitas_oid4vci::Oid4vciError;
use civitas_oid4vci::codes::{Codes, TokenRequest};
use civitas_oid4vci::metadata::{
    self, AuthorizationServerMetadata, CredentialIssuerMetadata, FORMAT_DC_SD_JWT,
    FORMAT_JWT_VC_JSON, FORMATS,
};
use civitas_oid4vci::nonce::{NonceResponse, Nonces};
use civitas_oid4vci::offer::{CredentialOffer, offer_uri_by_reference};
use civitas_oid4vci::proof::{HolderKey, ProofPolicy, validate_jwt_proofs};
use civitas_oid4vci::request::{CredentialResponse, parse_credential_request};
use civitas_oid4vci::secret;
use serde_json::{Value, json};

use crate::audit::{AuditAction, AuditEvent};
use crate::config::IssuerConfig;
use crate::error::IssuerError;
use crate::issue::{CopyOf, Document, Issued, Item};
use crate::store::{ExchangeStore, StoredOffer};

use super::{Issuer, now_secs};

/// The actor the audit log names for what a wallet asks through OpenID4VCI.
pub const WALLET_ACTOR: &str = "oid4vci";

/// The OpenID4VCI state of an issuer: codes, tokens, nonces and offers in its exchange store,
/// its metadata and its key proof policy.
pub(crate) struct Exchange {
    store: Arc<dyn ExchangeStore>,
    codes: Codes<Arc<dyn ExchangeStore>>,
    nonces: Nonces<Arc<dyn ExchangeStore>>,
    metadata: CredentialIssuerMetadata,
    policy: ProofPolicy,
}

/// The document types an issuer offers, as OpenID4VCI describes them: bilingual names and the
/// claims a wallet shows, with their labels.
fn offered_types(types: &[DocumentType]) -> Vec<metadata::DocumentType> {
    types
        .iter()
        .filter_map(DocumentType::profile)
        .map(|known| {
            let p = &known.profile;
            let label = &p.document.label;
            // The subject's top-level fields, with their labels: what a wallet shows.
            let doc = metadata::DocumentType::new(&p.document.type_name, label.en(), label.fr())
                .with_vct(&civitas_sdjwt::vct::vct_for(&p.document.type_name));
            p.subject
                .fields
                .iter()
                .filter(|f| f.key != "id")
                .fold(doc, |doc, f| {
                    doc.with_claim(&f.key, f.label.en(), f.label.fr())
                })
        })
        .collect()
}

impl Exchange {
    pub(crate) fn new(config: &IssuerConfig, store: Arc<dyn ExchangeStore>) -> Self {
        let metadata = metadata::issuer_metadata(
            &config.base_url,
            &offered_types(&config.document_types),
            &[civitas_jsonld::contexts::CIVIL_REGISTRY_V1],
        );
        Self {
            codes: Codes::new(store.clone(), config.oid4vci.codes.clone()),
            nonces: Nonces::with_ttl(store.clone(), config.oid4vci.nonce_ttl),
            policy: ProofPolicy::new(&config.base_url),
            metadata,
            store,
        }
    }
}

/// How a holder-bound copy is issued: how the registry's copy is secured, and whether the
/// holder receives it as an SD-JWT VC (then the registry's copy is a `vc+jwt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopyForm {
    /// How the registry's copy is secured.
    pub securing: Securing,
    /// The holder receives an SD-JWT VC.
    pub sd_jwt: bool,
}

/// A credential offer made for a record: the only time its secrets are seen.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    /// The record offered.
    pub credential_id: String,
    /// The offer.
    pub credential_offer: CredentialOffer,
    /// The offer by value: `openid-credential-offer://?credential_offer=…`.
    pub offer_uri: String,
    /// The offer by reference: `openid-credential-offer://?credential_offer_uri=…` (shorter:
    /// the QR code a citizen scans).
    pub offer_uri_by_reference: String,
    /// The transaction code, to give the citizen by another channel (SMS, the counter).
    pub tx_code: Option<String>,
    /// When the pre-authorized code expires.
    pub expires_at: DateTime<Utc>,
}

/// Who a record's copy is for, as kept with the pre-authorized code: the record id, and for a
/// marriage certificate the spouse (`<id> spouse=<n>`; ids never contain a space).
fn target_text(credential_id: &str, spouse: Option<usize>) -> String {
    match spouse {
        Some(n) => format!("{credential_id} spouse={n}"),
        None => credential_id.to_owned(),
    }
}

fn parse_target(text: &str) -> Result<(String, Option<usize>), Oid4vciError> {
    match text.split_once(" spouse=") {
        None => Ok((text.to_owned(), None)),
        Some((id, n)) => n
            .parse()
            .map(|n| (id.to_owned(), Some(n)))
            .map_err(|_| Oid4vciError::ServerError("a stored grant is damaged".into())),
    }
}

fn store_error(e: civitas_oid4vci::codes::StoreError) -> IssuerError {
    IssuerError::store(e)
}

/// The error of the credential endpoint for an issuance the issuer refused.
fn denied(e: IssuerError) -> Oid4vciError {
    match e {
        IssuerError::StatusConflict { .. }
        | IssuerError::UnknownCredential(_)
        | IssuerError::TypeNotAllowed(_)
        | IssuerError::InvalidRequest { .. }
        | IssuerError::Record(_) => Oid4vciError::CredentialRequestDenied(e.to_string()),
        other => Oid4vciError::ServerError(other.to_string()),
    }
}

impl Issuer {
    fn exchange(&self) -> &Exchange {
        &self.inner().exchange
    }

    /// The Credential Issuer Metadata (`/.well-known/openid-credential-issuer`): one
    /// configuration per document type and format (`ldp_vc`, `jwt_vc_json`).
    pub fn credential_issuer_metadata(&self) -> &CredentialIssuerMetadata {
        &self.exchange().metadata
    }

    /// The Authorization Server Metadata (`/.well-known/oauth-authorization-server`): the
    /// issuer is its own authorization server, for the pre-authorized code grant.
    pub fn authorization_server_metadata(&self) -> AuthorizationServerMetadata {
        metadata::authorization_server_metadata(self.base_url())
    }

    /// Makes a credential offer for record `credential_id` (for a marriage certificate, for
    /// spouse `spouse`, 0 or 1): a single-use pre-authorized code bound to the record, expiring
    /// after [`CodeConfig::code_ttl`](civitas_oid4vci::codes::CodeConfig), with a transaction
    /// code unless the configuration has none; the offer is also served by reference. The record
    /// must be a civil document of this issuer, neither a copy nor revoked nor suspended. The
    /// audit log records the offer (not its secrets).
    pub async fn create_offer(
        &self,
        credential_id: &str,
        spouse: Option<usize>,
        actor: &str,
    ) -> Result<Offer, IssuerError> {
        let (kind, document, _) = self.copyable(credential_id)?;
        // refuse a spouse that does not fit now, not when the wallet comes
        document.with_holder("did:example:check", spouse)?;
        let now = now_secs();
        let ids: Vec<String> = FORMATS
            .iter()
            .map(|f| metadata::configuration_id(kind.as_str(), f))
            .collect();
        let exchange = self.exchange();
        let issued = exchange
            .codes
            .issue(&target_text(credential_id, spouse), ids.clone(), now)
            .map_err(|e| IssuerError::store(e.description()))?;
        let config = &self.config().oid4vci.codes;
        let offer = CredentialOffer::pre_authorized(
            self.base_url(),
            ids,
            &issued.code,
            config.tx_code_length,
        );
        let offer_uri = offer
            .to_uri()
            .map_err(|e| IssuerError::invalid("offer", e.to_string()))?;
        let offer_json = serde_json::to_string(&offer)
            .map_err(|e| IssuerError::invalid("offer", e.to_string()))?;
        let handle = secret::random_secret();
        let stored = StoredOffer {
            offer: offer_json,
            expires_at: issued.expires_at,
        };
        if !exchange
            .store
            .put_offer(secret::hash(&handle), stored)
            .map_err(store_error)?
        {
            return Err(IssuerError::store("offer handle collision"));
        }
        exchange.store.flush().map_err(store_error)?;
        let by_reference =
            offer_uri_by_reference(&format!("{}/oid4vci/offers/{handle}", self.base_url()));
        let details = json!({
            "configurationIds": offer.credential_configuration_ids,
            "expiresAt": civitas_core::credential::format_datetime(issued.expires_at),
            "txCode": issued.tx_code.is_some(),
            "spouse": spouse,
        });
        let event = AuditEvent::new(actor, AuditAction::Offer, credential_id, details);
        self.inner()
            .committer
            .records(Vec::new(), vec![event])
            .await?;
        Ok(Offer {
            credential_id: credential_id.to_owned(),
            credential_offer: offer,
            offer_uri,
            offer_uri_by_reference: by_reference,
            tx_code: issued.tx_code,
            expires_at: issued.expires_at,
        })
    }

    /// The offer served by reference under `handle`, while its code lives.
    pub fn offer_by_reference(&self, handle: &str) -> Result<Option<String>, IssuerError> {
        let stored = self
            .exchange()
            .store
            .get_offer(&secret::hash(handle))
            .map_err(store_error)?;
        Ok(stored
            .filter(|o| o.expires_at > Utc::now())
            .map(|o| o.offer))
    }

    /// The token endpoint: a form-encoded token request of the pre-authorized code grant. The
    /// code is consumed (durably) and exchanged for a single-use access token; the response also
    /// carries a `c_nonce` (draft 13 wallets read it there).
    pub fn token(&self, form: &str) -> Result<Value, Oid4vciError> {
        let request = TokenRequest::from_form(form)?;
        let now = Utc::now();
        let exchange = self.exchange();
        let response = exchange.codes.exchange(&request, now)?;
        exchange.store.flush()?;
        let nonce = exchange.nonces.issue(now)?;
        let mut body = serde_json::to_value(&response)
            .map_err(|e| Oid4vciError::ServerError(e.to_string()))?;
        body["c_nonce"] = nonce.c_nonce.into();
        body["c_nonce_expires_in"] = exchange.nonces.ttl().num_seconds().into();
        Ok(body)
    }

    /// The nonce endpoint: a fresh single-use `c_nonce`.
    pub fn nonce(&self) -> Result<NonceResponse, Oid4vciError> {
        self.exchange().nonces.issue(Utc::now())
    }

    /// The credential endpoint: checks the access token (without using it), reads the request
    /// (1.0 or draft 13), checks that the token covers the configuration, validates every key
    /// proof (consuming their shared nonce), uses the token, and issues one holder-bound copy
    /// per proof. Returns the response in the shape of the request.
    pub async fn credential_endpoint(
        &self,
        access_token: &str,
        body: &[u8],
    ) -> Result<Value, Oid4vciError> {
        let now = Utc::now();
        let exchange = self.exchange();
        let token = exchange.codes.check_token(access_token, now)?;
        let request = parse_credential_request(body, &exchange.metadata)?;
        let configuration = &request.credential_configuration_id;
        if !token.configuration_ids.contains(configuration) {
            return Err(Oid4vciError::UnknownCredentialConfiguration(format!(
                "the access token does not cover `{configuration}`"
            )));
        }
        let holders =
            validate_jwt_proofs(&request.jwt_proofs, &exchange.policy, &exchange.nonces, now)?;
        let grant = exchange
            .codes
            .redeem_token(access_token, configuration, now)?;
        let (record_id, spouse) = parse_target(&grant.record_id)?;
        let sd_jwt = configuration.ends_with(FORMAT_DC_SD_JWT);
        let securing = if sd_jwt || configuration.ends_with(FORMAT_JWT_VC_JSON) {
            Securing::VcJwt
        } else {
            Securing::DataIntegrity
        };
        let mut credentials = Vec::with_capacity(holders.len());
        for holder in &holders {
            let form = CopyForm { securing, sd_jwt };
            let issued = self
                .issue_holder_copy(&record_id, spouse, holder, form, WALLET_ACTOR)
                .await
                .map_err(denied)?;
            credentials.push(if sd_jwt {
                Value::String(
                    self.sd_jwt_of(&issued, &holder.public_key)
                        .await
                        .map_err(denied)?,
                )
            } else {
                match securing {
                    Securing::VcJwt => Value::String(issued.credential),
                    Securing::DataIntegrity => issued.verifiable_credential(),
                }
            });
        }
        let nonce = exchange.nonces.issue(now)?;
        let response = CredentialResponse::new(
            request.shape,
            credentials,
            nonce.c_nonce,
            exchange.nonces.ttl().num_seconds(),
        )?;
        Ok(response.to_json())
    }

    /// Issues a holder-bound copy of record `original` for `holder` (for a marriage
    /// certificate, held by spouse `spouse`): the record's document with the holder's DID as
    /// its subject `id`, valid from now, secured as `form` says, with status entries of its own.
    /// The registry links it to its record in the same commit; a record revoked or suspended by
    /// then makes the copy born revoked or suspended.
    pub async fn issue_holder_copy(
        &self,
        original: &str,
        spouse: Option<usize>,
        holder: &HolderKey,
        form: CopyForm,
        actor: &str,
    ) -> Result<Issued, IssuerError> {
        let (kind, document, record) = self.copyable(original)?;
        if record.copies.len() >= self.config().oid4vci.max_copies {
            return Err(IssuerError::StatusConflict {
                credential: original.to_owned(),
                reason: format!(
                    "it has {} holder-bound copies already, the most this issuer makes",
                    record.copies.len()
                ),
            });
        }
        let item = Item {
            payload: crate::issue::Payload::Typed(document.with_holder(&holder.did, spouse)?),
            source: None,
            source_version: None,
            supersede: false,
            securing: form.securing,
            types: vec!["VerifiableCredential".into(), kind.as_str().into()],
            with_status: true,
            copy: Some(CopyOf {
                original: original.to_owned(),
                holder: holder.did.clone(),
                sd_jwt: form.sd_jwt,
            }),
        };
        self.one(Ok(item), actor).await
    }

    /// The document of record `id` (and the record), if a holder-bound copy of it may be made:
    /// a civil document this issuer issues, not itself a copy, neither revoked nor suspended.
    fn copyable(
        &self,
        id: &str,
    ) -> Result<(DocumentType, Document, crate::store::CredentialRecord), IssuerError> {
        let record = self
            .store()
            .credential(id)?
            .ok_or_else(|| IssuerError::UnknownCredential(id.to_owned()))?;
        let conflict = |reason: &str| IssuerError::StatusConflict {
            credential: id.to_owned(),
            reason: reason.to_owned(),
        };
        if record.copy_of.is_some() {
            return Err(conflict(
                "it is a holder-bound copy: offers are made for the record it copies",
            ));
        }
        if record.revoked_at.is_some() {
            return Err(conflict("it is revoked"));
        }
        if record.suspended {
            return Err(conflict("it is suspended"));
        }
        let (credential, _) = self.issued_credential(id)?;
        let kind = credential
            .document_type()
            .ok_or_else(|| IssuerError::invalid("id", format!("{id} is not a civil document")))?;
        if !self.config().document_types.contains(&kind) {
            return Err(IssuerError::TypeNotAllowed(kind));
        }
        let subject = credential
            .json()
            .get("credentialSubject")
            .cloned()
            .unwrap_or(Value::Null);
        Ok((kind.clone(), Document::parse(kind, &subject)?, record))
    }
}
