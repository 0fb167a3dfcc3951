//! Percent-encoding (RFC 3986) and `application/x-www-form-urlencoded` parsing.

use crate::error::Oid4vpError;

pub use civitas_keys::encoding::{percent_decode, percent_encode};

/// The parameters of a query string or form body, decoded; a repeated name is refused.
/// Empty pairs (`a=1&&b=2`) are skipped.
pub fn parse_pairs(query: &str) -> Result<Vec<(String, String)>, Oid4vpError> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = percent_decode(name).ok_or_else(|| Oid4vpError::BadPercentEncoding {
            name: crate::error::clip(name, 64),
        })?;
        let value = percent_decode(value).ok_or_else(|| Oid4vpError::BadPercentEncoding {
            name: crate::error::clip(&name, 64),
        })?;
        if pairs.iter().any(|(n, _)| *n == name) {
            return Err(Oid4vpError::RepeatedParameter {
                name: crate::error::clip(&name, 64),
            });
        }
        pairs.push((name, value));
    }
    Ok(pairs)
}

/// Builds `name=value&…`, percent-encoding both.
pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(n, v)| format!("{}={}", percent_encode(n), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for s in [
            "",
            "a b+c",
            "é%&=?#/",
            "decentralized_identifier:did:web:bank.example",
            "日本",
        ] {
            assert_eq!(percent_decode(&percent_encode(s)).as_deref(), Some(s));
        }
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%4"), None);
        assert_eq!(percent_decode("%C3"), None);
        assert_eq!(percent_decode("%c3%a9").as_deref(), Some("é"));
    }
}
