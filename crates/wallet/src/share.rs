//! Sharing: a presentation of chosen documents, signed by the holder key for the verifier's
//! challenge and domain (proof purpose `authentication`), or the issuer-signed QR text of one
//! document. Every share is written to the consent log before it is handed out.

use chrono::Utc;
use civitas_core::secure::{Presentable, secure_presentation};
use serde_json::Value;

use crate::consent::{ConsentEntry, ShareForm, SharedDocument};
use crate::document::{DocumentFormat, StoredDocument};
use crate::error::WalletError;
use crate::holder::HolderKeyRecord;
use crate::wallet::Wallet;

/// Longest challenge or domain accepted, in bytes.
pub const MAX_REQUEST_TEXT: usize = 1024;

/// Longest recipient name, in characters.
pub const MAX_RECIPIENT_CHARS: usize = 200;

/// Most documents in one presentation.
pub const MAX_SHARED_DOCUMENTS: usize = 32;

/// A verifier's request, and the holder's choice of documents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShareRequest {
    /// The wallet ids (or unique prefixes) of the documents to share.
    pub documents: Vec<String>,
    /// The verifier's challenge (a nonce).
    pub challenge: String,
    /// The verifier's domain.
    pub domain: String,
    /// Who receives it, in the holder's words, for the consent log.
    pub recipient: Option<String>,
    /// The holder DID to sign with; default: the wallet key the documents are about.
    pub holder: Option<String>,
}

/// What was shared, and its consent log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shared {
    /// The presentation (JSON), or the QR text (`CV1:…`).
    pub payload: String,
    /// The consent log entry written for it.
    pub consent: ConsentEntry,
}

pub(crate) fn check_text(what: &str, text: &str) -> Result<(), WalletError> {
    if text.trim().is_empty() {
        return Err(WalletError::Share(format!("the {what} is empty")));
    }
    if text.len() > MAX_REQUEST_TEXT {
        return Err(WalletError::Share(format!(
            "the {what} is {} bytes, more than {MAX_REQUEST_TEXT}",
            text.len()
        )));
    }
    if let Some(i) = text.find(char::is_control) {
        return Err(WalletError::Share(format!(
            "the {what} has a control character at byte {i}"
        )));
    }
    Ok(())
}

pub(crate) fn check_recipient(recipient: Option<&str>) -> Result<(), WalletError> {
    if let Some(r) = recipient
        && (r.chars().count() > MAX_RECIPIENT_CHARS || r.contains(char::is_control))
    {
        return Err(WalletError::Share(format!(
            "the recipient must be at most {MAX_RECIPIENT_CHARS} printable characters"
        )));
    }
    Ok(())
}

pub(crate) fn shared_document(doc: &StoredDocument) -> SharedDocument {
    SharedDocument {
        id: doc.id.clone(),
        description: doc.description.clone(),
        credential_id: doc.credential_id().map(str::to_owned),
        fields: doc.subject_fields(),
    }
}

/// The holder key that signs: the one asked for, else the one every civil-registry document
/// is about (a verifier requires the holder to be their subject), else the oldest.
fn choose_holder<'a>(
    keys: &'a [HolderKeyRecord],
    docs: &[StoredDocument],
    asked: Option<&str>,
) -> Result<&'a HolderKeyRecord, WalletError> {
    let did_of = |k: &HolderKeyRecord| k.public().did;
    let candidates: Vec<&HolderKeyRecord> = match asked {
        Some(did) => {
            let key = keys.iter().find(|k| did_of(k) == did).ok_or_else(|| {
                WalletError::Share(format!("{did} is not a holder key of this wallet"))
            })?;
            vec![key]
        }
        None => keys.iter().collect(),
    };
    let mut usable = candidates;
    for doc in docs.iter().filter(|d| d.is_civil_document()) {
        let subjects = doc.subject_ids();
        usable.retain(|k| subjects.contains(&did_of(k)));
        if usable.is_empty() {
            return Err(WalletError::Share(format!(
                "document {} ({}) is about {}, and {}: a verifier requires the holder to be its subject",
                doc.id,
                doc.description,
                if subjects.is_empty() {
                    "nobody named by a DID".to_owned()
                } else {
                    subjects.join(", ")
                },
                match asked {
                    Some(did) => format!("the holder asked for is {did}"),
                    None =>
                        "no holder key of this wallet (for every chosen document) is".to_owned(),
                }
            )));
        }
    }
    usable
        .first()
        .copied()
        .ok_or_else(|| WalletError::Share("the wallet has no holder key".into()))
}

impl Wallet {
    /// Builds and signs a presentation of the chosen documents for the verifier's challenge
    /// and domain, records it in the consent log, and returns it.
    pub async fn present(&self, request: &ShareRequest) -> Result<Shared, WalletError> {
        check_text("challenge", &request.challenge)?;
        check_text("domain", &request.domain)?;
        check_recipient(request.recipient.as_deref())?;
        if request.documents.is_empty() {
            return Err(WalletError::Share("no document was chosen".into()));
        }
        if request.documents.len() > MAX_SHARED_DOCUMENTS {
            return Err(WalletError::Share(format!(
                "{} documents chosen, at most {MAX_SHARED_DOCUMENTS} go in one presentation",
                request.documents.len()
            )));
        }
        let mut docs: Vec<StoredDocument> = Vec::new();
        for id in &request.documents {
            let doc = self.document(id)?;
            if docs.iter().any(|d| d.id == doc.id) {
                return Err(WalletError::Share(format!(
                    "document {} is chosen twice",
                    doc.id
                )));
            }
            docs.push(doc);
        }
        let mut items = Vec::new();
        for doc in &docs {
            items.push(match doc.format {
                DocumentFormat::DataIntegrity => Presentable::Document(doc.credential.clone()),
                DocumentFormat::VcJwt => Presentable::Jwt(doc.content.clone()),
                DocumentFormat::Compact => {
                    return Err(WalletError::Share(format!(
                        "document {} came from a QR code: its compact form cannot go inside a presentation; show its QR text instead",
                        doc.id
                    )));
                }
                DocumentFormat::SdJwtVc => {
                    return Err(WalletError::Share(format!(
                        "document {} is an SD-JWT VC: it is shown on its own, with the claims asked for (`disclose`)",
                        doc.id
                    )));
                }
            });
        }
        let keys = self.holder_records()?;
        let holder = choose_holder(&keys, &docs, request.holder.as_deref())?;
        let signer = holder.signer()?;
        let loader = presentation_loader(self.loader(), &docs);
        let presentation = secure_presentation(
            &items,
            &signer,
            Some(&request.challenge),
            Some(&request.domain),
            &loader,
        )
        .await
        .map_err(WalletError::Sign)?;
        let presentation_id = serde_json::from_str::<Value>(&presentation)
            .ok()
            .and_then(|v| v.get("id").and_then(Value::as_str).map(str::to_owned));
        let consent = self.log_share(ConsentEntry {
            seq: 0,
            at: Utc::now(),
            recipient: request.recipient.clone(),
            domain: Some(request.domain.clone()),
            challenge: Some(request.challenge.clone()),
            holder: Some(holder.public().did),
            presentation_id,
            form: ShareForm::Presentation,
            documents: docs.iter().map(shared_document).collect(),
            received: None,
        })?;
        Ok(Shared {
            payload: presentation,
            consent,
        })
    }

    /// The QR text (`CV1:…`) of a document imported from a paper certificate's QR code, for a
    /// verifier that reads QR codes. It carries the issuer's signature only (no holder proof,
    /// no challenge); the share is recorded in the consent log.
    pub fn share_qr_text(
        &self,
        document: &str,
        recipient: Option<&str>,
    ) -> Result<Shared, WalletError> {
        check_recipient(recipient)?;
        let doc = self.document(document)?;
        if doc.format != DocumentFormat::Compact {
            return Err(WalletError::Share(format!(
                "document {} has no QR form in the wallet (only documents imported from a QR code do; the issuer signs that form)",
                doc.id
            )));
        }
        let consent = self.log_share(ConsentEntry {
            seq: 0,
            at: Utc::now(),
            recipient: recipient.map(str::to_owned),
            domain: None,
            challenge: None,
            holder: None,
            presentation_id: None,
            form: ShareForm::QrText,
            documents: vec![shared_document(&doc)],
            received: None,
        })?;
        Ok(Shared {
            payload: doc.content,
            consent,
        })
    }
}

/// The wallet's loader, plus the context of each presented document's type that the process
/// knows from its profile (a type loaded at run time, e.g. from the verifier's bundle that
/// checked the document when it was stored): the presentation is signed over the same terms.
fn presentation_loader(
    base: &civitas_jsonld::contexts::ContextLoader,
    docs: &[crate::document::StoredDocument],
) -> civitas_jsonld::contexts::ContextLoader {
    let registry = civitas_core::profile::known();
    let mut loader = base.clone();
    for doc in docs {
        let Some(known) = registry.from_types(doc.types().iter().copied()) else {
            continue;
        };
        let url = &known.profile.document.context_url;
        if loader.contains(url) {
            continue;
        }
        if let Some(c) = registry.context(url) {
            loader = match loader.clone().with_context(url, &c.text) {
                Ok(l) => l,
                Err(_) => loader,
            };
        }
    }
    loader
}
