//! The cross-device link (shown as a QR): `openid4vp://?client_id=…&request_uri=…`, and the
//! https check of the URLs a request names.

use crate::encoding::{parse_pairs, percent_encode};
use crate::error::{Input, Oid4vpError, clip};
use crate::limits::MAX_LINK_BYTES;

/// The custom scheme of OpenID4VP links.
pub const LINK_SCHEME: &str = "openid4vp://";

/// How the wallet fetches the request object (§5.10).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RequestUriMethod {
    /// `GET` (the default).
    #[default]
    Get,
    /// `POST`, with the wallet's metadata.
    Post,
}

/// What a request link holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLink {
    /// The verifier's client identifier.
    pub client_id: String,
    /// Where the request object is fetched (https).
    pub request_uri: String,
    /// How it is fetched.
    pub request_uri_method: RequestUriMethod,
}

/// The link of a request object by reference:
/// `openid4vp://?client_id=<encoded>&request_uri=<encoded>`.
pub fn request_link(client_id: &str, request_uri: &str) -> String {
    format!(
        "{LINK_SCHEME}?client_id={}&request_uri={}",
        percent_encode(client_id),
        percent_encode(request_uri)
    )
}

/// Parses a request link (`openid4vp://` or an `https://` universal link with the same
/// query); `request_uri` must be https.
pub fn parse_request_link(text: &str) -> Result<RequestLink, Oid4vpError> {
    parse_request_link_with(text, false)
}

/// [`parse_request_link`], allowing an `http://` `request_uri` to a loopback host when
/// `allow_loopback_http` (tests).
pub fn parse_request_link_with(
    text: &str,
    allow_loopback_http: bool,
) -> Result<RequestLink, Oid4vpError> {
    if text.len() > MAX_LINK_BYTES {
        return Err(Oid4vpError::TooLarge {
            what: Input::RequestLink,
            size: text.len(),
            max: MAX_LINK_BYTES,
        });
    }
    let text = text.trim();
    let rest = if let Some(rest) = text.strip_prefix(LINK_SCHEME) {
        rest
    } else if let Some(rest) = text.strip_prefix("https://") {
        if rest.is_empty() || rest.starts_with(['/', '?']) {
            return Err(Oid4vpError::BadLinkScheme);
        }
        rest
    } else {
        return Err(Oid4vpError::BadLinkScheme);
    };
    let query = rest.split_once('?').map_or("", |(_, q)| q);
    let query = query.split('#').next().unwrap_or(query);
    let mut client_id = None;
    let mut request_uri = None;
    let mut method = RequestUriMethod::Get;
    for (name, value) in parse_pairs(query)? {
        match name.as_str() {
            "client_id" => client_id = Some(value),
            "request_uri" => request_uri = Some(value),
            "request_uri_method" => {
                method = match value.as_str() {
                    "get" => RequestUriMethod::Get,
                    "post" => RequestUriMethod::Post,
                    other => {
                        return Err(Oid4vpError::UnsupportedRequestUriMethod {
                            found: clip(other, 64),
                        });
                    }
                }
            }
            "request" => {
                return Err(Oid4vpError::InvalidParameter {
                    name: "request",
                    reason: "civitas takes the request object by reference (`request_uri`)".into(),
                });
            }
            _ => {}
        }
    }
    let client_id = client_id
        .filter(|c| !c.is_empty())
        .ok_or(Oid4vpError::MissingParameter { name: "client_id" })?;
    let request_uri =
        request_uri
            .filter(|r| !r.is_empty())
            .ok_or(Oid4vpError::MissingParameter {
                name: "request_uri",
            })?;
    check_https("request_uri", &request_uri, allow_loopback_http)?;
    Ok(RequestLink {
        client_id,
        request_uri,
        request_uri_method: method,
    })
}

/// Whether `uri` is an `https://` URL with a host (no user info, no whitespace), or, when
/// `allow_loopback_http`, an `http://` URL to 127.0.0.1, `[::1]` or localhost.
pub fn check_https(
    name: &'static str,
    uri: &str,
    allow_loopback_http: bool,
) -> Result<(), Oid4vpError> {
    let refuse = || Oid4vpError::NotHttps {
        name,
        uri: clip(uri, 256),
    };
    if uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(refuse());
    }
    let (rest, loopback_only) = if let Some(rest) = uri.strip_prefix("https://") {
        (rest, false)
    } else if let Some(rest) = uri.strip_prefix("http://")
        && allow_loopback_http
    {
        (rest, true)
    } else {
        return Err(refuse());
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return Err(refuse());
    }
    let (host, port) = if let Some(after) = authority.strip_prefix('[') {
        let (inside, tail) = after.split_once(']').ok_or_else(refuse)?;
        let port = if tail.is_empty() {
            None
        } else {
            Some(tail.strip_prefix(':').ok_or_else(refuse)?)
        };
        (&authority[..inside.len() + 2], port)
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty()
        || port.is_some_and(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(refuse());
    }
    if loopback_only && !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
        return Err(refuse());
    }
    Ok(())
}
