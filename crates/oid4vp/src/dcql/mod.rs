//! DCQL, the Digital Credentials Query Language of OpenID4VP 1.0 §6: the model ([`DcqlQuery`]),
//! its validation ([`DcqlQuery::parse`], in `parse`) and the matching of claims against a
//! credential ([`match_claims`], in `claims`).

mod claims;
mod parse;

pub use claims::{ClaimsMatch, PathSelectError, claim_paths, match_claims, select};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::Oid4vpError;

/// The SD-JWT VC format identifier.
pub const FORMAT_SD_JWT: &str = "dc+sd-jwt";
/// The W3C VC secured with Data Integrity format identifier.
pub const FORMAT_LDP_VC: &str = "ldp_vc";
/// The W3C VC secured as a JWT format identifier.
pub const FORMAT_JWT_VC_JSON: &str = "jwt_vc_json";
/// The ISO mdoc format identifier (parsed, so that the spec's examples are understood).
pub const FORMAT_MSO_MDOC: &str = "mso_mdoc";

/// A DCQL query (OpenID4VP 1.0 §6.1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DcqlQuery {
    /// The credential queries (1 to 16).
    pub credentials: Vec<CredentialQuery>,
    /// Which combinations of credential queries answer the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_sets: Option<Vec<CredentialSetQuery>>,
}

/// A credential query (§6.1): one credential the verifier asks for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CredentialQuery {
    /// Its identifier: non-empty, `A-Za-z0-9_-`, unique in the query; the `vp_token` key.
    pub id: String,
    /// The credential format (`dc+sd-jwt`, `ldp_vc`, `jwt_vc_json`, `mso_mdoc`).
    pub format: String,
    /// Format-specific constraints on the credential's type.
    pub meta: Meta,
    /// The claims asked for; `None`: no selectively disclosable claim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims: Option<Vec<ClaimsQuery>>,
    /// Alternative sets of claim ids, in the verifier's order of preference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim_sets: Option<Vec<Vec<String>>>,
    /// Whether more than one credential may answer the query (default false).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub multiple: bool,
    /// Whether the presentation must prove the holder's key (default true).
    pub require_cryptographic_holder_binding: bool,
    /// The authorities the verifier trusts to issue the credential.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_authorities: Option<Vec<TrustedAuthority>>,
}

/// The `meta` of a credential query: one member per format, other members kept as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Meta {
    /// `dc+sd-jwt`: the accepted `vct` values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vct_values: Option<Vec<String>>,
    /// `ldp_vc`, `jwt_vc_json`: alternative sets of types, each fully required.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub type_values: Option<Vec<Vec<String>>>,
    /// `mso_mdoc`: the document type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doctype_value: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Meta {
    /// The `meta` of an SD-JWT VC query: the accepted `vct` values.
    pub fn sd_jwt(vct_values: &[&str]) -> Self {
        Self {
            vct_values: Some(vct_values.iter().map(|v| (*v).to_owned()).collect()),
            ..Self::default()
        }
    }

    /// The `meta` of a W3C VC query (`ldp_vc`, `jwt_vc_json`): alternative type sets.
    pub fn w3c(type_values: &[&[&str]]) -> Self {
        Self {
            type_values: Some(
                type_values
                    .iter()
                    .map(|set| set.iter().map(|t| (*t).to_owned()).collect())
                    .collect(),
            ),
            ..Self::default()
        }
    }
}

/// A trusted authorities query (§6.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustedAuthority {
    /// The kind of authority (`aki`, `etsi_tl`, `openid_federation`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// The authorities (at least one).
    pub values: Vec<String>,
}

/// A claims query (§6.3): one claim of the credential.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaimsQuery {
    /// Its identifier; required when the credential query has `claim_sets`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The claims path pointer (§7), non-empty.
    pub path: Vec<PathElement>,
    /// The values the claim must have one of (strings, integers, booleans).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<Value>>,
    /// `mso_mdoc`: whether the verifier keeps the value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intent_to_retain: Option<bool>,
}

/// One element of a claims path pointer (§7).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathElement {
    /// A member name of an object.
    Key(String),
    /// An index into an array.
    Index(u64),
    /// Every element of an array (`null`).
    All,
}

impl From<&str> for PathElement {
    fn from(key: &str) -> Self {
        Self::Key(key.to_owned())
    }
}

impl Serialize for PathElement {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Key(k) => serializer.serialize_str(k),
            Self::Index(i) => serializer.serialize_u64(*i),
            Self::All => serializer.serialize_unit(),
        }
    }
}

/// A credential set query (§6.2): alternative combinations of credential queries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CredentialSetQuery {
    /// The options: each a list of credential query ids that together answer the set.
    pub options: Vec<Vec<String>>,
    /// Whether the set must be answered (default true).
    pub required: bool,
}

impl DcqlQuery {
    /// Parses and validates a DCQL query; every error carries a JSON pointer into it.
    pub fn parse(value: &Value) -> Result<Self, Oid4vpError> {
        parse::query(value).map_err(Oid4vpError::from)
    }

    /// Parses a DCQL query from outside bytes (at most [`crate::limits::MAX_DCQL_BYTES`],
    /// duplicate member names refused).
    pub fn from_slice(bytes: &[u8]) -> Result<Self, Oid4vpError> {
        if bytes.len() > crate::limits::MAX_DCQL_BYTES {
            return Err(Oid4vpError::TooLarge {
                what: crate::error::Input::DcqlQuery,
                size: bytes.len(),
                max: crate::limits::MAX_DCQL_BYTES,
            });
        }
        let value = civitas_core::credential::parse_json(bytes).map_err(|e| {
            Oid4vpError::InvalidParameter {
                name: "dcql_query",
                reason: format!("not JSON: {e}"),
            }
        })?;
        Self::parse(&value)
    }

    /// The query as JSON.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The common case: one credential query `id` of `format` with `meta`, asking for the
    /// claims at `claims` (each a path of member names), all required; validated.
    pub fn single(
        id: &str,
        format: &str,
        meta: Meta,
        claims: &[&[&str]],
    ) -> Result<Self, Oid4vpError> {
        let claims = (!claims.is_empty()).then(|| {
            claims
                .iter()
                .map(|path| ClaimsQuery {
                    id: None,
                    path: path.iter().map(|k| PathElement::from(*k)).collect(),
                    values: None,
                    intent_to_retain: None,
                })
                .collect()
        });
        let query = Self {
            credentials: vec![CredentialQuery {
                id: id.to_owned(),
                format: format.to_owned(),
                meta,
                claims,
                claim_sets: None,
                multiple: false,
                require_cryptographic_holder_binding: true,
                trusted_authorities: None,
            }],
            credential_sets: None,
        };
        query.validate()
    }

    /// Checks a query built in code as [`DcqlQuery::parse`] checks one from outside.
    pub fn validate(self) -> Result<Self, Oid4vpError> {
        Self::parse(&self.to_value())
    }

    /// The credential query of `id`.
    pub fn credential(&self, id: &str) -> Option<&CredentialQuery> {
        self.credentials.iter().find(|c| c.id == id)
    }
}

impl<'de> Deserialize<'de> for DcqlQuery {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Self::parse(&value).map_err(serde::de::Error::custom)
    }
}
