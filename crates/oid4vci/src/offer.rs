//! The Credential Offer and its two URI forms.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The grant type of the pre-authorized code flow.
pub const PRE_AUTHORIZED_GRANT: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";
/// The scheme of credential offer URIs.
pub const OFFER_SCHEME: &str = "openid-credential-offer://";
/// The largest credential offer URI parsed (bytes).
pub const MAX_OFFER_URI_BYTES: usize = 16 * 1024;

/// A Credential Offer (OpenID4VCI 1.0 §4.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialOffer {
    /// The Credential Issuer Identifier.
    pub credential_issuer: String,
    /// The offered configuration ids (at least one).
    pub credential_configuration_ids: Vec<String>,
    /// The grants; civitas offers the pre-authorized code grant.
    #[serde(default, skip_serializing_if = "Grants::is_empty")]
    pub grants: Grants,
}

/// The `grants` of an offer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grants {
    /// The pre-authorized code grant.
    #[serde(
        rename = "urn:ietf:params:oauth:grant-type:pre-authorized_code",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub pre_authorized_code: Option<PreAuthorizedCodeGrant>,
    /// Other grants, kept as they are.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

impl Grants {
    fn is_empty(&self) -> bool {
        self.pre_authorized_code.is_none() && self.other.is_empty()
    }
}

/// The pre-authorized code grant of an offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreAuthorizedCodeGrant {
    /// The pre-authorized code.
    #[serde(rename = "pre-authorized_code")]
    pub pre_authorized_code: String,
    /// The transaction code the wallet must ask its user for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_code: Option<TxCode>,
}

/// How the wallet asks for the transaction code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxCode {
    /// `numeric` or `text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_mode: Option<String>,
    /// The code's length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u32>,
    /// Where the user finds the code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl CredentialOffer {
    /// An offer of `configuration_ids` with a pre-authorized code and a numeric transaction code
    /// of `tx_code_length` digits (none when `None`).
    pub fn pre_authorized(
        credential_issuer: &str,
        configuration_ids: Vec<String>,
        code: &str,
        tx_code_length: Option<u32>,
    ) -> Self {
        Self {
            credential_issuer: credential_issuer.to_owned(),
            credential_configuration_ids: configuration_ids,
            grants: Grants {
                pre_authorized_code: Some(PreAuthorizedCodeGrant {
                    pre_authorized_code: code.to_owned(),
                    tx_code: tx_code_length.map(|length| TxCode {
                        input_mode: Some("numeric".into()),
                        length: Some(length),
                        description: Some("The code sent to you by the civil status office".into()),
                    }),
                }),
                other: BTreeMap::new(),
            },
        }
    }

    /// The offer by value: `openid-credential-offer://?credential_offer=<url-encoded JSON>`.
    pub fn to_uri(&self) -> Result<String, OfferError> {
        let json = serde_json::to_string(self).map_err(|e| OfferError::Json(e.to_string()))?;
        Ok(format!(
            "{OFFER_SCHEME}?credential_offer={}",
            percent_encode(&json)
        ))
    }

    fn check(self) -> Result<Self, OfferError> {
        if self.credential_configuration_ids.is_empty() {
            return Err(OfferError::NoConfiguration);
        }
        if !self.credential_issuer.starts_with("https://") {
            return Err(OfferError::NotHttps("credential_issuer"));
        }
        Ok(self)
    }
}

/// The offer by reference: `openid-credential-offer://?credential_offer_uri=<https URL>`.
pub fn offer_uri_by_reference(offer_url: &str) -> String {
    format!(
        "{OFFER_SCHEME}?credential_offer_uri={}",
        percent_encode(offer_url)
    )
}

/// What a credential offer URI holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedOffer {
    /// The offer itself.
    ByValue(CredentialOffer),
    /// The https URL to fetch the offer from.
    ByReference(String),
}

/// Why a credential offer URI was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfferError {
    /// The URI is larger than [`MAX_OFFER_URI_BYTES`].
    #[error("credential offer URI of {0} bytes is larger than the limit of {MAX_OFFER_URI_BYTES}")]
    TooLarge(usize),
    /// The URI does not start with `openid-credential-offer://` (or an https URL).
    #[error("credential offer URI does not start with `openid-credential-offer://` or `https://`")]
    BadScheme,
    /// The URI has no query.
    #[error("credential offer URI has no query")]
    NoQuery,
    /// Neither `credential_offer` nor `credential_offer_uri` is in the query.
    #[error("credential offer URI has neither `credential_offer` nor `credential_offer_uri`")]
    Missing,
    /// Both parameters are present, or one is repeated.
    #[error("credential offer URI has `{0}` more than once or both parameters")]
    Ambiguous(&'static str),
    /// A parameter is not valid percent-encoded UTF-8.
    #[error("`{0}` is not valid percent-encoded UTF-8")]
    BadEncoding(&'static str),
    /// The offer is not valid JSON or not a credential offer.
    #[error("credential_offer is not a valid credential offer: {0}")]
    Json(String),
    /// The offer names no configuration.
    #[error("credential offer names no credential configuration")]
    NoConfiguration,
    /// A URL that must be https is not.
    #[error("`{0}` is not an https URL")]
    NotHttps(&'static str),
}

impl From<OfferError> for crate::error::Oid4vciError {
    fn from(e: OfferError) -> Self {
        Self::InvalidRequest(e.to_string())
    }
}

/// Parses a credential offer URI of either form.
pub fn parse_offer_uri(uri: &str) -> Result<ParsedOffer, OfferError> {
    if uri.len() > MAX_OFFER_URI_BYTES {
        return Err(OfferError::TooLarge(uri.len()));
    }
    let rest = uri
        .strip_prefix(OFFER_SCHEME)
        .or_else(|| uri.strip_prefix("https://"))
        .ok_or(OfferError::BadScheme)?;
    let query = rest.split_once('?').ok_or(OfferError::NoQuery)?.1;
    let query = query.split('#').next().unwrap_or(query);
    let mut by_value = None;
    let mut by_reference = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (slot, label) = match name {
            "credential_offer" => (&mut by_value, "credential_offer"),
            "credential_offer_uri" => (&mut by_reference, "credential_offer_uri"),
            _ => continue,
        };
        if slot.replace(value).is_some() {
            return Err(OfferError::Ambiguous(label));
        }
    }
    match (by_value, by_reference) {
        (Some(_), Some(_)) => Err(OfferError::Ambiguous("credential_offer")),
        (None, None) => Err(OfferError::Missing),
        (Some(v), None) => {
            let json = percent_decode(v).ok_or(OfferError::BadEncoding("credential_offer"))?;
            // The strict reader: a repeated member name is refused, not silently overwritten.
            let value = civitas_jsonld::json::parse(json.as_bytes())
                .map_err(|e| OfferError::Json(e.to_string()))?;
            let offer: CredentialOffer =
                serde_json::from_value(value).map_err(|e| OfferError::Json(e.to_string()))?;
            offer.check().map(ParsedOffer::ByValue)
        }
        (None, Some(r)) => {
            let url = percent_decode(r).ok_or(OfferError::BadEncoding("credential_offer_uri"))?;
            if !url.starts_with("https://") || url.len() <= "https://".len() {
                return Err(OfferError::NotHttps("credential_offer_uri"));
            }
            Ok(ParsedOffer::ByReference(url))
        }
    }
}

pub use civitas_keys::encoding::{percent_decode, percent_encode};

#[cfg(test)]
mod tests {
    use super::*;

    fn offer() -> CredentialOffer {
        CredentialOffer::pre_authorized(
            "https://issuer.example",
            vec!["BirthCertificateCredential_ldp_vc".into()],
            "abc-DEF_123",
            Some(6),
        )
    }

    #[test]
    fn by_value_round_trip() {
        let o = offer();
        let uri = o.to_uri().unwrap();
        assert!(uri.starts_with("openid-credential-offer://?credential_offer=%7B%22"));
        assert_eq!(
            parse_offer_uri(&uri).unwrap(),
            ParsedOffer::ByValue(o.clone())
        );
        let v = serde_json::to_value(&o).unwrap();
        let g = &v["grants"][PRE_AUTHORIZED_GRANT];
        assert_eq!(g["pre-authorized_code"], "abc-DEF_123");
        assert_eq!(g["tx_code"]["length"], 6);
        assert_eq!(g["tx_code"]["input_mode"], "numeric");
    }

    #[test]
    fn by_reference_round_trip() {
        let uri = offer_uri_by_reference("https://issuer.example/offers/1?x=y");
        assert_eq!(
            parse_offer_uri(&uri).unwrap(),
            ParsedOffer::ByReference("https://issuer.example/offers/1?x=y".into())
        );
    }

    #[test]
    fn refusals() {
        assert_eq!(
            parse_offer_uri("foo://?credential_offer=x"),
            Err(OfferError::BadScheme)
        );
        assert_eq!(
            parse_offer_uri("openid-credential-offer://"),
            Err(OfferError::NoQuery)
        );
        assert_eq!(
            parse_offer_uri("openid-credential-offer://?a=b"),
            Err(OfferError::Missing)
        );
        assert!(matches!(
            parse_offer_uri("openid-credential-offer://?credential_offer=%7B"),
            Err(OfferError::Json(_))
        ));
        assert_eq!(
            parse_offer_uri("openid-credential-offer://?credential_offer=%ZZ"),
            Err(OfferError::BadEncoding("credential_offer"))
        );
        assert_eq!(
            parse_offer_uri("openid-credential-offer://?credential_offer_uri=http%3A%2F%2Fx"),
            Err(OfferError::NotHttps("credential_offer_uri"))
        );
        assert!(matches!(
            parse_offer_uri("openid-credential-offer://?credential_offer=1&credential_offer_uri=2"),
            Err(OfferError::Ambiguous(_))
        ));
        let big = format!(
            "openid-credential-offer://?credential_offer={}",
            "a".repeat(MAX_OFFER_URI_BYTES)
        );
        assert!(matches!(
            parse_offer_uri(&big),
            Err(OfferError::TooLarge(_))
        ));
        let mut empty = offer();
        empty.credential_configuration_ids.clear();
        assert_eq!(
            parse_offer_uri(&empty.to_uri().unwrap()),
            Err(OfferError::NoConfiguration)
        );
    }
}
