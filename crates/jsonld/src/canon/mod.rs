//! RDF Dataset Canonicalization (RDFC-1.0) of JSON-LD documents, offline.
//!
//! The document is expanded with the [`ContextLoader`] (bundled contexts only, strict: a term that
//! no context defines is an error, never silently dropped), turned into RDF and canonicalized.
//! The result is the canonical N-Quads text that Data Integrity proofs hash.
//!
//! # Two paths, one answer
//!
//! * The **fast path** ([`fast_canonicalize`]) is civitas' own JSON-LD 1.1 expansion, RDF
//!   conversion and RDFC-1.0, restricted to what civitas' documents use (credentials and
//!   presentations with the VC 2.0 / 1.1, Data Integrity, status list and civil-registry
//!   contexts, proof configurations). Contexts are processed once per thread and cached, so a
//!   birth certificate canonicalizes in tens of microseconds instead of about a millisecond.
//! * The **general path** ([`general_canonicalize`]) is ssi 0.16's JSON-LD processor and
//!   URDNA2015 implementation.
//!
//! [`canonicalize`] tries the fast path and falls back to the general path whenever the fast
//! path declines ([`Declined`]): a feature outside its subset, a construct where ssi is known
//! to differ from the specification in ways not established (explicit blank node identifiers,
//! typed booleans, non-integer numbers, `@json`, duplicate statements), or anything invalid (an
//! unknown context, an undefined term, an invalid value): errors are reported by the general
//! path, so both paths reject the same documents. The fast path never returns an answer the
//! general path would give differently: this is checked byte for byte on every vector and on
//! thousands of generated certificates (`tests/suite/canon_equivalence.rs`), and the fast
//! path's pieces pass the W3C RDFC-1.0 and JSON-LD toRdf test suites for the parts they
//! implement (`tests/suite/canon_w3c_*.rs`).
//!
//! # Where ssi is wrong (SPEC §5.1)
//!
//! For four constructs ssi 0.16 differs from JSON-LD 1.1 toRdf + RDFC-1.0 as the reference JS
//! stack (jsonld.js + rdf-canonize, with the Data Integrity cryptosuites' `rdfDirection:
//! i18n-datatype`) computes them: lists (ssi drops the items), `@direction` (dropped),
//! language tags with upper-case letters (the reference stack lower-cases them) and control
//! characters in strings (ssi does not escape them). The fast path implements them as the
//! reference stack does (checked byte for byte against it, `tests/suite/canon_rdfc_js.rs`),
//! and the general path refuses a document that has any of them
//! ([`CanonError::GeneralPathUnsafe`]) instead of answering wrongly.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use sha2::Digest as _;
use ssi::json_ld::{CompactJsonLd, Expandable};
use ssi::rdf::{AnyLdEnvironment, LdEnvironment};

use crate::contexts::ContextLoader;

mod context;
mod expand;
mod iri;
mod rdf;
mod rdfc;
mod str;

pub use context::ContextSource;
pub use expand::TopLevel;

/// Why a document could not be canonicalized.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonError {
    /// JSON-LD expansion failed: an unknown context, an undefined term, an invalid value.
    #[error("JSON-LD expansion failed: {0}")]
    Expansion(String),
    /// The expanded document could not be turned into RDF.
    #[error("JSON-LD to RDF conversion failed: {0}")]
    ToRdf(String),
    /// The document needs the general path (the fast path declined it for another reason) and
    /// has a construct the general path (ssi 0.16) canonicalizes differently from RDFC-1.0 and
    /// the reference JS stack: rather than a wrong answer (a signature that verifies after the
    /// construct is changed, or that no other implementation accepts), an error.
    #[error(
        "JSON-LD canonicalization refused: the document has {construct}, which only civitas' \
         own canonicalization handles correctly, and it was not used because {fast_path}"
    )]
    GeneralPathUnsafe {
        /// What was found, e.g. "a JSON-LD list (@list)".
        construct: &'static str,
        /// Why the fast path did not answer.
        fast_path: String,
    },
}

/// Why the fast path did not produce an answer (the general path then does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Declined {
    /// The document uses something outside the fast path's subset.
    #[error("not covered by the fast path: {0}")]
    Unsupported(&'static str),
    /// The document is not valid (for the fast path); the general path reports the error.
    #[error("invalid JSON-LD (the general path reports the error): {0}")]
    Invalid(&'static str),
}

static FAST_PATH: AtomicBool = AtomicBool::new(true);
static FAST_COUNT: AtomicU64 = AtomicU64::new(0);
static GENERAL_COUNT: AtomicU64 = AtomicU64::new(0);

/// Turns the fast path on or off for the whole process (on by default). Off, every call goes
/// to the general path: for measurements and comparisons (civitas-bench's "before" rows), never
/// for production, hence behind the `bench-hooks` feature, which no civitas library enables.
#[cfg(feature = "bench-hooks")]
pub fn set_fast_path(enabled: bool) {
    FAST_PATH.store(enabled, Ordering::Relaxed);
}

/// Whether the fast path is on (it is unless civitas-bench turned it off).
fn fast_path_enabled() -> bool {
    FAST_PATH.load(Ordering::Relaxed)
}

/// How many JSON-LD operations ([`canonicalize`], [`canonical_lines`], [`check_terms`]) each
/// path has served since the process started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PathCounts {
    /// Answered by the fast path.
    pub fast: u64,
    /// Answered by the general path (fast path off, or declined).
    pub general: u64,
}

/// The counts of [`PathCounts`].
pub fn path_counts() -> PathCounts {
    PathCounts {
        fast: FAST_COUNT.load(Ordering::Relaxed),
        general: GENERAL_COUNT.load(Ordering::Relaxed),
    }
}

/// Why the general path is answering: the fast path is off, or it declined.
const FAST_PATH_OFF: &str = "the fast path is turned off";

/// The fast path's answer (counted), or why the general path has to answer.
fn fast_or<T>(r: impl FnOnce() -> Result<T, Declined>) -> Result<T, String> {
    if !fast_path_enabled() {
        return Err(FAST_PATH_OFF.to_owned());
    }
    match r() {
        Ok(v) => {
            FAST_COUNT.fetch_add(1, Ordering::Relaxed);
            Ok(v)
        }
        Err(d) => Err(format!("the fast path declined it ({d})")),
    }
}

/// Canonical N-Quads (RDFC-1.0) of a JSON-LD document: one line per quad, each ending in `\n`.
pub async fn canonicalize(
    document: &serde_json::Value,
    loader: &ContextLoader,
) -> Result<String, CanonError> {
    match fast_or(|| fast_canonicalize(document, loader)) {
        Ok(s) => Ok(s),
        Err(why) => Ok(general_lines(document, loader, why).await?.concat()),
    }
}

/// Canonical N-Quads of `document` without its top-level `proof` entry: what a Data Integrity
/// proof signs. The same as [`canonicalize`] of
/// [`without_proof`](crate::member::without_proof)`(document)`, without copying the
/// document on the fast path.
pub async fn canonicalize_without_proof(
    document: &serde_json::Value,
    loader: &ContextLoader,
) -> Result<String, CanonError> {
    match fast_or(|| fast_canonical::<String>(document, loader, WITHOUT_PROOF)) {
        Ok(s) => Ok(s),
        Err(why) => {
            let doc = crate::member::without_proof(document);
            Ok(general_lines(&doc, loader, why).await?.concat())
        }
    }
}

/// A document read without its top-level `proof`.
const WITHOUT_PROOF: TopLevel<'static> = TopLevel {
    skip: &["proof"],
    context: None,
};

/// SHA-256 of the canonical N-Quads of `document`: what a Data Integrity proof hashes. The
/// fast path feeds the lines to the hash as it writes them.
pub async fn digest(
    document: &serde_json::Value,
    loader: &ContextLoader,
) -> Result<[u8; 32], CanonError> {
    digest_of(document, TopLevel::default(), || document.clone(), loader).await
}

/// [`digest`] of `document` without its top-level `proof`: the hash of what a Data Integrity
/// proof signs, without copying the document on the fast path.
pub async fn digest_without_proof(
    document: &serde_json::Value,
    loader: &ContextLoader,
) -> Result<[u8; 32], CanonError> {
    digest_of(
        document,
        WITHOUT_PROOF,
        || crate::member::without_proof(document),
        loader,
    )
    .await
}

/// [`digest`] of `document` read as `top` says; `as_value` makes the same document as a JSON
/// value, for the general path.
pub async fn digest_of(
    document: &serde_json::Value,
    top: TopLevel<'_>,
    as_value: impl FnOnce() -> serde_json::Value,
    loader: &ContextLoader,
) -> Result<[u8; 32], CanonError> {
    match fast_or(|| fast_canonical::<sha2::Sha256>(document, loader, top)) {
        Ok(d) => Ok(d),
        Err(why) => {
            let lines = general_lines(&as_value(), loader, why).await?;
            let mut hash = sha2::Sha256::new();
            for line in &lines {
                hash.update(line.as_bytes());
            }
            Ok(hash.finalize().into())
        }
    }
}

/// Checks that every term of `document` is defined by its contexts (JSON-LD expansion without
/// canonicalization): what a `vc+jwt` credential, which is not canonicalized, is held to.
pub async fn check_terms(
    document: &serde_json::Value,
    loader: &ContextLoader,
) -> Result<(), CanonError> {
    if fast_or(|| fast_check_terms(document, loader)).is_ok() {
        return Ok(());
    }
    GENERAL_COUNT.fetch_add(1, Ordering::Relaxed);
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
    match fast_or(|| fast_canonical_lines(document, loader)) {
        Ok(lines) => Ok(lines),
        Err(why) => general_lines(document, loader, why).await,
    }
}

/// The general path only: ssi 0.16's expansion and URDNA2015, as sorted lines. A document with
/// a construct ssi gets wrong (see [`CanonError::GeneralPathUnsafe`]) is refused.
pub async fn general_canonical_lines(
    document: &serde_json::Value,
    loader: &ContextLoader,
) -> Result<Vec<String>, CanonError> {
    general_lines(
        document,
        loader,
        "the general path was asked for directly".to_owned(),
    )
    .await
}

/// [`general_canonical_lines`]; `why` says why the fast path did not answer (for the error).
async fn general_lines(
    document: &serde_json::Value,
    loader: &ContextLoader,
    why: String,
) -> Result<Vec<String>, CanonError> {
    GENERAL_COUNT.fetch_add(1, Ordering::Relaxed);
    let json = json_syntax::Value::from_serde_json(document.clone());
    let mut ld = LdEnvironment::default();
    let expanded = CompactJsonLd(json)
        .expand_with(&mut ld, loader)
        .await
        .map_err(|e| CanonError::Expansion(e.to_string()))?;
    if let Some(construct) = unsafe_for_general_path(&expanded) {
        return Err(CanonError::GeneralPathUnsafe {
            construct,
            fast_path: why,
        });
    }
    ld.canonical_form_of(&expanded)
        .map_err(|e| CanonError::ToRdf(e.to_string()))
}

/// The first construct of an expanded document that ssi 0.16 turns into RDF differently from
/// JSON-LD 1.1 toRdf + RDFC-1.0 as the reference JS stack (jsonld.js, rdf-canonize) does:
///
/// * a list: ssi drops the `rdf:first` statements (the items) and writes an empty list as a
///   blank node, so the order and the items would not be signed;
/// * a base direction (`@direction`): ssi drops it (the reference stack signs it as an
///   `i18n-datatype` literal);
/// * a language tag with upper-case letters or outside the BCP 47 shape: ssi keeps it as
///   written, the reference stack lower-cases it (and refuses other shapes);
/// * a control character other than line feed and carriage return in a string: ssi writes it
///   unescaped, RDFC-1.0's canonical N-Quads escape it.
fn unsafe_for_general_path<T, B>(
    doc: &ssi::json_ld::ExpandedDocument<T, B>,
) -> Option<&'static str> {
    use ssi::json_ld::Object;
    use ssi::json_ld::object::FragmentRef;
    use ssi::json_ld::object::{Literal, Value};
    let bad_text = |s: &str| {
        s.bytes()
            .any(|b| (b < 0x20 && b != b'\n' && b != b'\r') || b == 0x7f)
    };
    for fragment in doc.traverse() {
        let object = match fragment {
            FragmentRef::Object(o) => o,
            FragmentRef::IndexedObject(o) => o.inner(),
            _ => continue,
        };
        match object {
            Object::List(_) => return Some("a JSON-LD list (@list)"),
            Object::Value(Value::LangString(s)) => {
                if s.direction().is_some() {
                    return Some("a base direction (@direction)");
                }
                if let Some(tag) = s.language() {
                    let tag = tag.as_str();
                    if !expand::is_lower_case_language_tag(tag) {
                        return Some(
                            "a language tag with upper-case letters or of no BCP 47 shape",
                        );
                    }
                }
                if bad_text(s.as_str()) {
                    return Some("a control character in a string");
                }
            }
            Object::Value(Value::Literal(Literal::String(s), _)) if bad_text(s.as_str()) => {
                return Some("a control character in a string");
            }
            _ => {}
        }
    }
    None
}

/// The general path only: ssi 0.16's expansion and URDNA2015 (refusing what ssi gets wrong,
/// as [`general_canonical_lines`]).
pub async fn general_canonicalize(
    document: &serde_json::Value,
    loader: &ContextLoader,
) -> Result<String, CanonError> {
    Ok(general_canonical_lines(document, loader).await?.concat())
}

/// The fast path only, in ssi-compatible mode: the canonical N-Quads, or why it declines.
pub fn fast_canonicalize(
    document: &serde_json::Value,
    source: &dyn ContextSource,
) -> Result<String, Declined> {
    fast_canonical::<String>(document, source, TopLevel::default())
}

/// The canonical N-Quads of `document` read as `top` says, written into `S` (the text, or
/// its hash), by the fast path in ssi-compatible mode.
fn fast_canonical<S: rdfc::Sink>(
    document: &serde_json::Value,
    source: &dyn ContextSource,
    top: TopLevel<'_>,
) -> Result<S::Output, Declined> {
    let data = jsonld_dataset(document, source, true, None, top, true)?;
    let ids = rdfc::canonical_ids(&data, rdfc::MAX_N_DEGREE_CALLS)
        .map_err(|_| Declined::Unsupported("too many N-degree hashes"))?;
    rdfc::write_canonical::<S>(&data, &ids).ok_or(Declined::Unsupported("duplicate statements"))
}

/// [`fast_canonicalize`] as sorted lines.
pub fn fast_canonical_lines(
    document: &serde_json::Value,
    source: &dyn ContextSource,
) -> Result<Vec<String>, Declined> {
    let text = fast_canonicalize(document, source)?;
    Ok(text.split_inclusive('\n').map(str::to_owned).collect())
}

/// The fast path's JSON-LD expansion only, in ssi-compatible mode: `Ok` when every term is
/// defined and the document is within the fast path's subset.
pub fn fast_check_terms(
    document: &serde_json::Value,
    source: &dyn ContextSource,
) -> Result<(), Declined> {
    if !document.is_object() {
        return Err(Declined::Unsupported("top-level value is not an object"));
    }
    let mut proc = context::Processor::new(source, true);
    let root = context::shared_root();
    let mut ex = expand::Expander::new(&mut proc, true, None);
    ex.expand_document(&root, document, TopLevel::default())
}

fn jsonld_dataset(
    document: &serde_json::Value,
    source: &dyn ContextSource,
    strict: bool,
    base: Option<&str>,
    top: TopLevel<'_>,
    i18n_direction: bool,
) -> Result<rdf::Dataset, Declined> {
    if strict && !document.is_object() {
        return Err(Declined::Unsupported("top-level value is not an object"));
    }
    let mut proc = context::Processor::new(source, strict);
    let base: Option<std::rc::Rc<str>> = base.map(std::rc::Rc::from);
    let root = match (&base, strict) {
        (None, true) => context::shared_root(),
        _ => context::ActiveContext::root(base.clone()),
    };
    let mut ex = expand::Expander::new(&mut proc, strict, base);
    ex.i18n_direction = i18n_direction;
    ex.expand_document(&root, document, top)?;
    let mut data = ex.em.data;
    if !strict {
        data.dedup();
    }
    Ok(data)
}

/// Building blocks of the fast path held to the W3C test suites: JSON-LD to RDF following
/// the specification (not restricted to what ssi does identically), and RDFC-1.0 over
/// N-Quads.
pub mod spec {
    use super::{ContextSource, Declined, TopLevel, jsonld_dataset, rdf, rdfc};

    /// Why an N-Quads document could not be canonicalized.
    #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
    pub enum NQuadsError {
        /// The input is not N-Quads (the line number and what is wrong).
        #[error("N-Quads line {line}: {reason}")]
        Syntax {
            /// 1-based line number.
            line: usize,
            /// What is wrong.
            reason: &'static str,
        },
        /// The dataset needs more Hash N-Degree Quads calls than allowed (a "poison" graph).
        #[error("the dataset needs more than {0} Hash N-Degree Quads calls")]
        TooComplex(u32),
    }

    /// RDFC-1.0 canonical form of an N-Quads document, with the issued identifiers map (input
    /// blank node label → canonical label, e.g. `e0` → `c14n1`), sorted by input label.
    pub fn canonicalize_nquads_with_map(
        nquads: &str,
        max_n_degree_calls: u32,
    ) -> Result<(String, Vec<(String, String)>), NQuadsError> {
        let data = rdf::parse_nquads(nquads).map_err(|e| NQuadsError::Syntax {
            line: e.line,
            reason: e.reason,
        })?;
        let ids = rdfc::canonical_ids(&data, max_n_degree_calls)
            .map_err(|_| NQuadsError::TooComplex(max_n_degree_calls))?;
        // The parser made the quads a set.
        let text = rdfc::write_canonical::<String>(&data, &ids).unwrap_or_default();
        let mut map: Vec<(String, String)> = data
            .labels
            .iter()
            .zip(&ids)
            .filter_map(|(l, id)| Some((l.clone()?, format!("c14n{}", (*id)?))))
            .collect();
        map.sort();
        Ok((text, map))
    }

    /// RDFC-1.0 canonical form of an N-Quads document (a set: duplicate lines count once).
    pub fn canonicalize_nquads(nquads: &str) -> Result<String, NQuadsError> {
        canonicalize_nquads_with_map(nquads, rdfc::MAX_N_DEGREE_CALLS).map(|(t, _)| t)
    }

    /// JSON-LD 1.1 toRdf of `document` (base IRI `base`, no other option) by the fast path's
    /// expansion in specification mode, returned canonicalized (RDFC-1.0) so that datasets can
    /// be compared as text.
    pub fn to_rdf_canonical(
        document: &serde_json::Value,
        source: &dyn ContextSource,
        base: Option<&str>,
    ) -> Result<String, Declined> {
        to_rdf_canonical_with(document, source, base, false)
    }

    /// [`to_rdf_canonical`] with the toRdf option `rdfDirection: i18n-datatype` when
    /// `i18n_direction` (without it, a string with a base direction declines).
    pub fn to_rdf_canonical_with(
        document: &serde_json::Value,
        source: &dyn ContextSource,
        base: Option<&str>,
        i18n_direction: bool,
    ) -> Result<String, Declined> {
        let data = jsonld_dataset(
            document,
            source,
            false,
            base,
            TopLevel::default(),
            i18n_direction,
        )?;
        let ids = rdfc::canonical_ids(&data, rdfc::MAX_N_DEGREE_CALLS)
            .map_err(|_| Declined::Unsupported("too many N-degree hashes"))?;
        // A dataset is a set: the specification path has removed duplicates already.
        rdfc::write_canonical::<String>(&data, &ids)
            .ok_or(Declined::Unsupported("duplicate statements"))
    }
}
