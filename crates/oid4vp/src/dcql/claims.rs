//! Claims path pointers (OpenID4VP 1.0 §7) and the matching of a credential query's claims
//! against the claims a credential holds.

use serde_json::Value;

use super::{CredentialQuery, PathElement};

/// Why a claims path pointer selects nothing (§7.2: processing aborts).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathSelectError {
    /// A key was applied to something that is not an object.
    #[error("path element {index}: a member name applied to a non-object")]
    NotAnObject {
        /// Index of the path element.
        index: usize,
    },
    /// An index or `null` was applied to something that is not an array.
    #[error("path element {index}: an array index or null applied to a non-array")]
    NotAnArray {
        /// Index of the path element.
        index: usize,
    },
    /// Nothing is left selected.
    #[error("path element {index}: nothing is selected")]
    NothingSelected {
        /// Index of the path element.
        index: usize,
    },
}

/// Processes a claims path pointer over `root` (§7.2): the selected elements.
pub fn select<'a>(
    path: &[PathElement],
    root: &'a Value,
) -> Result<Vec<&'a Value>, PathSelectError> {
    let mut selected = vec![root];
    for (index, element) in path.iter().enumerate() {
        let mut next = Vec::new();
        for value in selected {
            match element {
                PathElement::Key(k) => {
                    let map = value
                        .as_object()
                        .ok_or(PathSelectError::NotAnObject { index })?;
                    next.extend(map.get(k));
                }
                PathElement::Index(i) => {
                    let list = value
                        .as_array()
                        .ok_or(PathSelectError::NotAnArray { index })?;
                    next.extend(usize::try_from(*i).ok().and_then(|i| list.get(i)));
                }
                PathElement::All => {
                    let list = value
                        .as_array()
                        .ok_or(PathSelectError::NotAnArray { index })?;
                    next.extend(list.iter());
                }
            }
        }
        if next.is_empty() {
            return Err(PathSelectError::NothingSelected { index });
        }
        selected = next;
    }
    Ok(selected)
}

/// The paths of every claims query of `query` (empty when it asks for no claim).
pub fn claim_paths(query: &CredentialQuery) -> Vec<Vec<PathElement>> {
    query
        .claims
        .iter()
        .flatten()
        .map(|c| c.path.clone())
        .collect()
}

/// How a credential's claims answer a credential query ([`match_claims`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimsMatch {
    /// Whether the claims answer the query.
    pub satisfied: bool,
    /// The claim paths to disclose: those of the chosen claim set (or of every claims query
    /// when there are no claim sets); when not satisfied, those of the first claim set.
    pub paths: Vec<Vec<PathElement>>,
    /// The index of the chosen claim set, when the query has `claim_sets`.
    pub claim_set: Option<usize>,
    /// The paths (among `paths`) absent from the claims or not of one of the `values`.
    pub missing: Vec<Vec<PathElement>>,
}

fn claim_satisfied(claim: &super::ClaimsQuery, claims: &Value) -> bool {
    match select(&claim.path, claims) {
        Err(_) => false,
        Ok(selected) => match &claim.values {
            None => true,
            Some(values) => selected.iter().any(|v| values.contains(v)),
        },
    }
}

/// Matches `query`'s claims against `claims`: the processed payload of an SD-JWT VC (after
/// disclosure) or a W3C credential (paths then start with `credentialSubject`).
///
/// Without `claims` the query is satisfied and asks for nothing; without `claim_sets` every
/// claims query must be satisfied; with `claim_sets` the first satisfied set (in the
/// verifier's order of preference) is chosen. A claims query with `values` is satisfied when a
/// selected element equals one of them.
pub fn match_claims(query: &CredentialQuery, claims: &Value) -> ClaimsMatch {
    let Some(list) = &query.claims else {
        return ClaimsMatch {
            satisfied: true,
            paths: Vec::new(),
            claim_set: None,
            missing: Vec::new(),
        };
    };
    let evaluate = |set: &[&super::ClaimsQuery]| {
        let paths: Vec<_> = set.iter().map(|c| c.path.clone()).collect();
        let missing: Vec<_> = set
            .iter()
            .filter(|c| !claim_satisfied(c, claims))
            .map(|c| c.path.clone())
            .collect();
        (paths, missing)
    };
    match &query.claim_sets {
        None => {
            let all: Vec<_> = list.iter().collect();
            let (paths, missing) = evaluate(&all);
            ClaimsMatch {
                satisfied: missing.is_empty(),
                paths,
                claim_set: None,
                missing,
            }
        }
        Some(sets) => {
            let mut first = None;
            for (index, ids) in sets.iter().enumerate() {
                let set: Vec<_> = ids
                    .iter()
                    .filter_map(|id| list.iter().find(|c| c.id.as_ref() == Some(id)))
                    .collect();
                let (paths, missing) = evaluate(&set);
                if missing.is_empty() {
                    return ClaimsMatch {
                        satisfied: true,
                        paths,
                        claim_set: Some(index),
                        missing,
                    };
                }
                if first.is_none() {
                    first = Some((paths, missing));
                }
            }
            let (paths, missing) = first.unwrap_or_default();
            ClaimsMatch {
                satisfied: false,
                paths,
                claim_set: None,
                missing,
            }
        }
    }
}
