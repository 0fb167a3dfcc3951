//! Resolving controller documents without the network: `did:key` is computed from the key, every
//! other identifier (`did:web`, `https:` issuers) answers from documents pinned by the caller.
//!
//! [`Resolver`] is a trait so that a verifier can add opt-in online resolution on top.

use std::collections::HashMap;
use std::sync::Arc;

use crate::did::{self, ControllerDocument, DidError, ProofPurpose, VerificationMethod};
use crate::keys::PublicKey;

/// Why an identifier or verification method could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// No document is known for the identifier.
    #[error(
        "no controller document is known for `{0}` (civitas resolves did:key and pinned documents only)"
    )]
    NotFound(String),
    /// The identifier or its document is invalid.
    #[error(transparent)]
    Invalid(#[from] DidError),
    /// A resolver that goes online failed.
    #[error("resolving `{id}` failed: {reason}")]
    Failed {
        /// The identifier.
        id: String,
        /// What went wrong.
        reason: String,
    },
}

/// Why a controller does not vouch for a verification method for a proof purpose
/// ([`check_relationship`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelationshipError {
    /// The controller's document could not be resolved.
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    /// The key belongs to another controller, and this controller does not list it.
    #[error(
        "the key {method} is not controlled by {controller}, and {controller} does not list it under {purpose}"
    )]
    NotControlled {
        /// The controller (issuer or holder).
        controller: String,
        /// The verification method id.
        method: String,
        /// The relationship that was asked for.
        purpose: ProofPurpose,
    },
    /// The controller's key, but not listed under the relationship.
    #[error("{controller} does not allow the key {method} for {purpose}")]
    NotAllowed {
        /// The controller (issuer or holder).
        controller: String,
        /// The verification method id.
        method: String,
        /// The relationship that was asked for.
        purpose: ProofPurpose,
    },
}

/// Finds the controller document of a DID or URL.
#[async_trait::async_trait]
pub trait Resolver: Send + Sync {
    /// The controller document of `id` (a DID or URL, without fragment), shared: a verify
    /// looks at the issuer's document twice (the key, then its relationships), and resolvers
    /// keep documents they have already built.
    async fn resolve(&self, id: &str) -> Result<Arc<ControllerDocument>, ResolveError>;
}

/// The controller part of a verification method id: everything before `#`.
pub fn controller_of(method_id: &str) -> &str {
    method_id.split('#').next().unwrap_or(method_id)
}

/// Resolves `method_id` to its verification method and public key.
pub async fn resolve_method(
    resolver: &dyn Resolver,
    method_id: &str,
) -> Result<(VerificationMethod, PublicKey), ResolveError> {
    let doc = resolver.resolve(controller_of(method_id)).await?;
    let key = doc.public_key(method_id)?;
    let vm = doc
        .method(method_id)
        .ok_or_else(|| DidError::UnknownMethod(method_id.to_owned()))?;
    Ok((vm, key))
}

/// Whether `controller` (an issuer or holder) allows `method_id` for `purpose`.
pub async fn check_relationship(
    resolver: &dyn Resolver,
    controller: &str,
    method_id: &str,
    purpose: ProofPurpose,
) -> Result<(), RelationshipError> {
    let doc = resolver.resolve(controller).await?;
    if doc.allows(method_id, purpose) {
        Ok(())
    } else if controller_of(method_id) != controller {
        Err(RelationshipError::NotControlled {
            controller: controller.to_owned(),
            method: method_id.to_owned(),
            purpose,
        })
    } else {
        Err(RelationshipError::NotAllowed {
            controller: controller.to_owned(),
            method: method_id.to_owned(),
            purpose,
        })
    }
}

/// The offline resolver: `did:key` plus pinned documents.
#[derive(Debug, Clone, Default)]
pub struct OfflineResolver {
    pinned: Arc<HashMap<String, Arc<ControllerDocument>>>,
}

impl OfflineResolver {
    /// A resolver that knows only `did:key`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Pins a controller document under its `id`.
    pub fn pin(&mut self, document: ControllerDocument) {
        Arc::make_mut(&mut self.pinned).insert(document.id.clone(), Arc::new(document));
    }

    /// Builder form of [`OfflineResolver::pin`].
    pub fn with(mut self, document: ControllerDocument) -> Self {
        self.pin(document);
        self
    }

    /// The pinned documents.
    pub fn pinned(&self) -> impl Iterator<Item = &ControllerDocument> {
        self.pinned.values().map(|d| &**d)
    }

    /// Resolves without awaiting (the offline resolver never blocks).
    pub fn resolve_now(&self, id: &str) -> Result<Arc<ControllerDocument>, ResolveError> {
        if let Some(doc) = self.pinned.get(id) {
            return Ok(Arc::clone(doc));
        }
        if id.starts_with("did:key:") {
            return did_key_document_cached(id);
        }
        Err(ResolveError::NotFound(id.to_owned()))
    }
}

/// `did:key` documents are a pure function of the DID; building one costs a point
/// decompression and two base58 encodings, so the last ones are kept, per thread.
fn did_key_document_cached(id: &str) -> Result<Arc<ControllerDocument>, ResolveError> {
    thread_local! {
        static DOCS: std::cell::RefCell<HashMap<String, Arc<ControllerDocument>>> =
            std::cell::RefCell::new(HashMap::new());
    }
    if let Some(doc) = DOCS.with(|m| m.borrow().get(id).cloned()) {
        return Ok(doc);
    }
    let doc = Arc::new(did::did_key_document(id)?);
    DOCS.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() >= 256 {
            m.clear();
        }
        m.insert(id.to_owned(), Arc::clone(&doc));
    });
    Ok(doc)
}

#[async_trait::async_trait]
impl Resolver for OfflineResolver {
    async fn resolve(&self, id: &str) -> Result<Arc<ControllerDocument>, ResolveError> {
        self.resolve_now(id)
    }
}
