//! RDF Dataset Canonicalization (RDFC-1.0) of JSON-LD documents, offline.
//!
//! The document is expanded with the [`ContextLoader`] (bundled contexts only, strict: a term that
//! no context defines is an error, never silently dropped), turned into RDF and canonicalized.
//! The result is the canonical N-Quads text that Data Integrity proofs hash.

use ssi::json_ld::{CompactJsonLd, Expandable};
use ssi::rdf::{AnyLdEnvironment, LdEnvironment};

use crate::contexts::ContextLoader;

/// Why a document could not be canonicalized.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonError {
    /// JSON-LD expansion failed: an unknown context, an undefined term, an invalid value.
    #[error("JSON-LD expansion failed: {0}")]
    Expansion(String),
    /// The expanded document could not be turned into RDF.
    #[error("JSON-LD to RDF conversion failed: {0}")]
    ToRdf(String),
}

/// Canonical N-Quads (RDFC-1.0) of a JSON-LD document: one line per quad, each ending in `\n`.
pub async fn canonicalize(
    document: &serde_json::Value,
    loader: &ContextLoader,
) -> Result<String, CanonError> {
    let lines = canonical_lines(document, loader).await?;
    Ok(lines.concat())
}

/// Checks that every term of `document` is defined by its contexts (JSON-LD expansion without
/// canonicalization): what a `vc+jwt` credential, which is not canonicalized, is held to.
pub async fn check_terms(
    document: &serde_json::Value,
    loader: &ContextLoader,
) -> Result<(), CanonError> {
    let json = json_syntax::Value::from_serde_json(document.clone());
    let mut ld = LdEnvironment::default();
    CompactJsonLd(json)
        .expand_with(&mut ld, loader)
        .await
        .map(|_| ())
        .map_err(|e| CanonError::Expansion(e.to_string()))
}

/// Canonical N-Quads (RDFC-1.0) of a JSON-LD document, as sorted lines ending in `\n`.
pub async fn canonical_lines(
    document: &serde_json::Value,
    loader: &ContextLoader,
) -> Result<Vec<String>, CanonError> {
    let json = json_syntax::Value::from_serde_json(document.clone());
    let mut ld = LdEnvironment::default();
    let expanded = CompactJsonLd(json)
        .expand_with(&mut ld, loader)
        .await
        .map_err(|e| CanonError::Expansion(e.to_string()))?;
    ld.canonical_form_of(&expanded)
        .map_err(|e| CanonError::ToRdf(e.to_string()))
}
