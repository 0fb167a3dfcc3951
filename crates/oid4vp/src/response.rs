//! The authorization response the wallet POSTs to `response_uri` (`direct_post`, §8.2): a
//! form with `vp_token` (a JSON object keyed by credential query id, §8.1) and `state`; and
//! the error response.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::dcql::DcqlQuery;
use crate::encoding::{form, parse_pairs};
use crate::error::{Input, Oid4vpError, clip};
use crate::limits::{
    MAX_CREDENTIAL_QUERIES, MAX_PRESENTATIONS_PER_QUERY, MAX_RESPONSE_FORM_BYTES,
    MAX_VP_TOKEN_BYTES,
};

/// One presentation in a `vp_token`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Presentation {
    /// A string: an SD-JWT VC presentation (`dc+sd-jwt`) or a VP JWT (`jwt_vc_json`).
    Compact(String),
    /// A JSON object: a Data Integrity secured VP (`ldp_vc`).
    Object(Map<String, Value>),
}

/// An authorization response.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorizationResponse {
    /// The presentations, keyed by credential query id.
    pub vp_token: BTreeMap<String, Vec<Presentation>>,
    /// The request's `state`.
    pub state: String,
}

fn body_text(body: &[u8]) -> Result<&str, Oid4vpError> {
    if body.len() > MAX_RESPONSE_FORM_BYTES {
        return Err(Oid4vpError::TooLarge {
            what: Input::ResponseForm,
            size: body.len(),
            max: MAX_RESPONSE_FORM_BYTES,
        });
    }
    std::str::from_utf8(body).map_err(|_| Oid4vpError::InvalidParameter {
        name: "body",
        reason: "the form body is not UTF-8".into(),
    })
}

fn take(pairs: &mut Vec<(String, String)>, name: &str) -> Option<String> {
    let i = pairs.iter().position(|(n, _)| n == name)?;
    Some(pairs.swap_remove(i).1)
}

impl AuthorizationResponse {
    /// The `application/x-www-form-urlencoded` body: `vp_token=<json>&state=<state>`.
    pub fn to_form(&self) -> String {
        let json = serde_json::to_string(&self.vp_token).unwrap_or_default();
        form(&[("vp_token", &json), ("state", &self.state)])
    }

    /// Parses a direct_post form body (limits: the body, the `vp_token`, 16 query ids, 16
    /// presentations per id).
    pub fn parse_form(body: &[u8]) -> Result<Self, Oid4vpError> {
        let mut pairs = parse_pairs(body_text(body)?)?;
        let token = take(&mut pairs, "vp_token")
            .ok_or(Oid4vpError::MissingParameter { name: "vp_token" })?;
        let state = take(&mut pairs, "state")
            .filter(|s| !s.is_empty())
            .ok_or(Oid4vpError::MissingParameter { name: "state" })?;
        Ok(Self {
            vp_token: parse_vp_token(&token)?,
            state,
        })
    }

    /// Checks the `vp_token` against the request's DCQL query: every id was asked for, no more
    /// than one presentation unless `multiple`, and every required query answered (all of them
    /// without `credential_sets`; otherwise one option of each required set).
    pub fn check_against(&self, query: &DcqlQuery) -> Result<(), Oid4vpError> {
        for (id, presentations) in &self.vp_token {
            let Some(cq) = query.credential(id) else {
                return Err(Oid4vpError::UnexpectedQueryId { id: clip(id, 128) });
            };
            let max = if cq.multiple {
                MAX_PRESENTATIONS_PER_QUERY
            } else {
                1
            };
            if presentations.len() > max {
                return Err(Oid4vpError::TooManyPresentations {
                    id: id.clone(),
                    count: presentations.len(),
                    max,
                });
            }
        }
        match &query.credential_sets {
            None => {
                if let Some(missing) = query
                    .credentials
                    .iter()
                    .find(|c| !self.vp_token.contains_key(&c.id))
                {
                    return Err(Oid4vpError::MissingQueryId {
                        id: missing.id.clone(),
                    });
                }
            }
            Some(sets) => {
                for (index, set) in sets.iter().enumerate() {
                    let answered = set
                        .options
                        .iter()
                        .any(|option| option.iter().all(|id| self.vp_token.contains_key(id)));
                    if set.required && !answered {
                        return Err(Oid4vpError::CredentialSetUnsatisfied { index });
                    }
                }
            }
        }
        Ok(())
    }

    /// Checks that the response carries the request's `state` (constant time).
    pub fn check_state(&self, expected: &str) -> Result<(), Oid4vpError> {
        let a = self.state.as_bytes();
        let b = expected.as_bytes();
        let diff = a.len() ^ b.len()
            | a.iter()
                .zip(b)
                .fold(0usize, |acc, (x, y)| acc | usize::from(x ^ y));
        if diff == 0 {
            Ok(())
        } else {
            Err(Oid4vpError::StateMismatch)
        }
    }
}

/// Parses a `vp_token` (JSON text): an object of at most 16 members, each a non-empty array of
/// at most 16 presentations (non-empty strings or objects).
pub fn parse_vp_token(text: &str) -> Result<BTreeMap<String, Vec<Presentation>>, Oid4vpError> {
    if text.len() > MAX_VP_TOKEN_BYTES {
        return Err(Oid4vpError::TooLarge {
            what: Input::VpToken,
            size: text.len(),
            max: MAX_VP_TOKEN_BYTES,
        });
    }
    let value = civitas_core::credential::parse_json(text.as_bytes())
        .map_err(|e| Oid4vpError::VpTokenNotJson(e.to_string()))?;
    let Value::Object(map) = value else {
        return Err(Oid4vpError::VpTokenNotObject);
    };
    if map.len() > MAX_CREDENTIAL_QUERIES {
        return Err(Oid4vpError::InvalidParameter {
            name: "vp_token",
            reason: format!(
                "{} members, more than the limit of {MAX_CREDENTIAL_QUERIES}",
                map.len()
            ),
        });
    }
    let mut out = BTreeMap::new();
    for (id, list) in map {
        let Value::Array(list) = list else {
            return Err(Oid4vpError::PresentationsNotArray { id: clip(&id, 128) });
        };
        if list.is_empty() {
            return Err(Oid4vpError::PresentationsNotArray { id: clip(&id, 128) });
        }
        if list.len() > MAX_PRESENTATIONS_PER_QUERY {
            return Err(Oid4vpError::TooManyPresentations {
                id: clip(&id, 128),
                count: list.len(),
                max: MAX_PRESENTATIONS_PER_QUERY,
            });
        }
        let mut presentations = Vec::with_capacity(list.len());
        for (index, p) in list.into_iter().enumerate() {
            presentations.push(match p {
                Value::String(s) if !s.is_empty() => Presentation::Compact(s),
                Value::Object(o) => Presentation::Object(o),
                _ => {
                    return Err(Oid4vpError::InvalidPresentation {
                        id: clip(&id, 128),
                        index,
                    });
                }
            });
        }
        out.insert(id, presentations);
    }
    Ok(out)
}

/// An error response (§8.5): posted to `response_uri` instead of a `vp_token`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorResponse {
    /// The error code (`invalid_request`, `access_denied`, …).
    pub error: String,
    /// A human-readable description.
    pub error_description: Option<String>,
    /// The request's `state`.
    pub state: Option<String>,
}

impl ErrorResponse {
    /// The error response for a refusal.
    pub fn from_error(error: &Oid4vpError, state: Option<&str>) -> Self {
        Self {
            error: error.code().to_owned(),
            error_description: Some(error.description()),
            state: state.map(str::to_owned),
        }
    }

    /// The form body: `error=…[&error_description=…][&state=…]`.
    pub fn to_form(&self) -> String {
        let mut pairs = vec![("error", self.error.as_str())];
        if let Some(d) = &self.error_description {
            pairs.push(("error_description", d));
        }
        if let Some(s) = &self.state {
            pairs.push(("state", s));
        }
        form(&pairs)
    }

    /// Parses an error response form body.
    pub fn parse_form(body: &[u8]) -> Result<Self, Oid4vpError> {
        let mut pairs = parse_pairs(body_text(body)?)?;
        let error = take(&mut pairs, "error")
            .filter(|e| !e.is_empty())
            .ok_or(Oid4vpError::MissingParameter { name: "error" })?;
        Ok(Self {
            error,
            error_description: take(&mut pairs, "error_description"),
            state: take(&mut pairs, "state"),
        })
    }
}

/// What a wallet POSTed to `response_uri`.
#[derive(Debug, Clone, PartialEq)]
pub enum DirectPost {
    /// Presentations.
    Response(AuthorizationResponse),
    /// A refusal.
    Error(ErrorResponse),
}

/// Parses a direct_post body: an error response when it has `error` and no `vp_token`,
/// otherwise an authorization response.
pub fn parse_direct_post(body: &[u8]) -> Result<DirectPost, Oid4vpError> {
    let pairs = parse_pairs(body_text(body)?)?;
    let has = |name: &str| pairs.iter().any(|(n, _)| n == name);
    if has("error") && !has("vp_token") {
        ErrorResponse::parse_form(body).map(DirectPost::Error)
    } else {
        AuthorizationResponse::parse_form(body).map(DirectPost::Response)
    }
}
