//! The VC Data Model 2.0 rules on a credential's optional members that
//! [`Credential::from_value`](crate::credential::Credential::from_value) enforces beside its
//! structure, at issuance and at verification alike:
//!
//! - `credentialStatus`, `credentialSchema`, `termsOfUse`, `evidence` and `refreshService` are
//!   objects with a `type` (a string or strings) and, when present, an `id` that is a URL
//!   (VC 2.0 §4.10, §4.11, §5.4–5.6);
//! - `relatedResource` is one or more objects, each with a URL `id` unique among them and at
//!   least one well-formed digest, `digestSRI` or `digestMultibase` (§5.3);
//! - `name` and `description`, of the credential and of an issuer object, are strings or
//!   language value objects (`@value`, optional `@language` and `@direction`, nothing else)
//!   (§4.6);
//!
//! and, with the resource's bytes at hand ([`check_related_digests`]), that every digest of a
//! related resource civitas knows (the bundled contexts and their earlier published
//! revisions, the contexts a loader was given) is the digest of those bytes.

use civitas_jsonld::contexts::{ContextLoader, known_revisions};
use civitas_jsonld::member::Member;
use civitas_keys::encoding::decode_base64url;
use serde_json::{Map, Value};
use sha2::Digest as _;

use crate::credential::{SyntaxError, is_url, one_or_many};

/// Members whose every value is an object with a `type` and an optional URL `id`.
const TYPED_OBJECTS: [&str; 3] = ["termsOfUse", "evidence", "refreshService"];

/// Checks the rules of this module on a credential's top-level object.
pub(crate) fn check(obj: &Map<String, Value>) -> Result<(), SyntaxError> {
    for key in TYPED_OBJECTS {
        typed_objects(obj, key, false)?;
    }
    related_resources(obj)?;
    language_values(obj, "")?;
    if let Some(Value::Object(issuer)) = obj.member("issuer") {
        language_values(issuer, "/issuer")?;
    }
    Ok(())
}

/// Checks that every value of `key` is an object with a `type` (a string or an array of
/// strings) and an `id` that is a URL (required with `needs_id`, else optional).
pub(crate) fn typed_objects(
    obj: &Map<String, Value>,
    key: &str,
    needs_id: bool,
) -> Result<(), SyntaxError> {
    // The JSON pointer is only written for an error.
    let at = |i: usize, member: &str| format!("/{key}/{i}{member}");
    for (i, item) in one_or_many(obj.member(key)).into_iter().enumerate() {
        let o = item
            .as_object()
            .ok_or_else(|| SyntaxError::field(&at(i, ""), "must be an object"))?;
        match o.member("type") {
            None => return Err(SyntaxError::field(&at(i, "/type"), "is required")),
            Some(Value::String(_)) => {}
            Some(Value::Array(types))
                if !types.is_empty() && types.iter().all(Value::is_string) => {}
            Some(_) => {
                return Err(SyntaxError::field(
                    &at(i, "/type"),
                    "must be a type name or an array of type names",
                ));
            }
        }
        match o.member("id") {
            Some(Value::String(s)) if is_url(s) => {}
            None if !needs_id => {}
            _ => return Err(SyntaxError::field(&at(i, "/id"), "must be a URL")),
        }
    }
    Ok(())
}

/// A digest algorithm a related resource's digest may use, by output length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Algorithm {
    Sha256,
    Sha384,
    Sha512,
}

impl Algorithm {
    fn of_sri(prefix: &str) -> Option<Self> {
        match prefix {
            "sha256" => Some(Self::Sha256),
            "sha384" => Some(Self::Sha384),
            "sha512" => Some(Self::Sha512),
            _ => None,
        }
    }

    fn of_len(len: usize) -> Option<Self> {
        match len {
            32 => Some(Self::Sha256),
            48 => Some(Self::Sha384),
            64 => Some(Self::Sha512),
            _ => None,
        }
    }

    /// The multihash code of the algorithm.
    fn multihash_code(self) -> u8 {
        match self {
            Self::Sha256 => 0x12,
            Self::Sha384 => 0x20,
            Self::Sha512 => 0x13,
        }
    }

    fn digest(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => sha2::Sha256::digest(bytes).to_vec(),
            Self::Sha384 => sha2::Sha384::digest(bytes).to_vec(),
            Self::Sha512 => sha2::Sha512::digest(bytes).to_vec(),
        }
    }
}

/// One digest a related resource names.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NamedDigest {
    algorithm: Algorithm,
    value: Vec<u8>,
}

/// Reads a `digestSRI` value: one or more space-separated `sha256-`, `sha384-` or `sha512-`
/// hash expressions in standard base64 (Subresource Integrity), each of the algorithm's length.
fn sri_digests(text: &str) -> Option<Vec<NamedDigest>> {
    use base64::Engine as _;
    let mut out = Vec::new();
    for expression in text.split_ascii_whitespace() {
        // An SRI hash expression may carry options after `?`; they do not change the digest.
        let expression = expression.split('?').next().unwrap_or(expression);
        let (prefix, encoded) = expression.split_once('-')?;
        let algorithm = Algorithm::of_sri(prefix)?;
        let value = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()?;
        if Algorithm::of_len(value.len()) != Some(algorithm) {
            return None;
        }
        out.push(NamedDigest { algorithm, value });
    }
    (!out.is_empty()).then_some(out)
}

/// Reads a `digestMultibase` value: multibase base64url (`u`, no padding) of a multihash
/// (SHA-256, SHA-384 or SHA-512), or of a bare digest of one of those lengths.
fn multibase_digest(text: &str) -> Option<NamedDigest> {
    let bytes = decode_base64url(text.strip_prefix('u')?).ok()?;
    if let [code, len, digest @ ..] = bytes.as_slice()
        && usize::from(*len) == digest.len()
        && let Some(algorithm) = Algorithm::of_len(digest.len())
        && algorithm.multihash_code() == *code
    {
        return Some(NamedDigest {
            algorithm,
            value: digest.to_vec(),
        });
    }
    Algorithm::of_len(bytes.len()).map(|algorithm| NamedDigest {
        algorithm,
        value: bytes,
    })
}

/// Every digest of a related resource object, checked well formed (`at` is its pointer).
fn digests_of(o: &Map<String, Value>, at: &str) -> Result<Vec<NamedDigest>, SyntaxError> {
    let mut digests = Vec::new();
    if let Some(sri) = o.member("digestSRI") {
        let parsed = sri.as_str().and_then(sri_digests).ok_or_else(|| {
            SyntaxError::field(
                &format!("{at}/digestSRI"),
                "must be Subresource Integrity hash expressions (sha256-, sha384- or sha512- and the digest in base64)",
            )
        })?;
        digests.extend(parsed);
    }
    if let Some(multibase) = o.member("digestMultibase") {
        let parsed = multibase
            .as_str()
            .and_then(multibase_digest)
            .ok_or_else(|| {
                SyntaxError::field(
                    &format!("{at}/digestMultibase"),
                    "must be a multibase (base64url, `u`) SHA-256, SHA-384 or SHA-512 digest",
                )
            })?;
        digests.push(parsed);
    }
    if digests.is_empty() {
        return Err(SyntaxError::field(
            at,
            "must have a `digestSRI` or a `digestMultibase`",
        ));
    }
    Ok(digests)
}

/// Checks `relatedResource`: one or more objects, each with a URL `id` unique among them and at
/// least one well-formed digest.
fn related_resources(obj: &Map<String, Value>) -> Result<(), SyntaxError> {
    let resources = one_or_many(obj.member("relatedResource"));
    let mut ids: Vec<&str> = Vec::with_capacity(resources.len());
    for (i, item) in resources.into_iter().enumerate() {
        let at = format!("/relatedResource/{i}");
        let o = item.as_object().ok_or_else(|| {
            SyntaxError::field(&at, "must be an object with an `id` and a digest")
        })?;
        let id = match o.member("id") {
            Some(Value::String(s)) if is_url(s) => s.as_str(),
            _ => return Err(SyntaxError::field(&format!("{at}/id"), "must be a URL")),
        };
        if ids.contains(&id) {
            return Err(SyntaxError::field(
                &format!("{at}/id"),
                format!("`{id}` is already an earlier related resource"),
            ));
        }
        ids.push(id);
        digests_of(o, &at)?;
    }
    Ok(())
}

/// Checks `name` and `description` of `obj` (at JSON pointer `at`): a string, a language value
/// object, or an array of those.
fn language_values(obj: &Map<String, Value>, at: &str) -> Result<(), SyntaxError> {
    for key in ["name", "description"] {
        let Some(value) = obj.member(key) else {
            continue;
        };
        let items: Vec<&Value> = match value {
            Value::Array(items) => items.iter().collect(),
            one => vec![one],
        };
        for (i, item) in items.into_iter().enumerate() {
            let pointer = || {
                if value.is_array() {
                    format!("{at}/{key}/{i}")
                } else {
                    format!("{at}/{key}")
                }
            };
            match item {
                Value::String(_) => {}
                Value::Object(o) => language_value_object(o, &pointer())?,
                _ => {
                    return Err(SyntaxError::field(
                        &pointer(),
                        "must be a string or a language value object",
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Checks a language value object: a string `@value`, an optional `@language` (a BCP 47 tag)
/// and `@direction` (`ltr` or `rtl`), and no other member.
fn language_value_object(o: &Map<String, Value>, at: &str) -> Result<(), SyntaxError> {
    if !o.member("@value").is_some_and(Value::is_string) {
        return Err(SyntaxError::field(
            &format!("{at}/@value"),
            "a language value object needs a string `@value`",
        ));
    }
    for (key, value) in o {
        let ok = match key.as_str() {
            "@value" => true,
            "@language" => value.as_str().is_some_and(is_language_tag),
            "@direction" => matches!(value.as_str(), Some("ltr" | "rtl")),
            _ => {
                return Err(SyntaxError::field(
                    &format!("{at}/{key}"),
                    "a language value object has only `@value`, `@language` and `@direction`",
                ));
            }
        };
        if !ok {
            return Err(SyntaxError::field(
                &format!("{at}/{key}"),
                "must be a BCP 47 language tag (`@language`) or `ltr`/`rtl` (`@direction`)",
            ));
        }
    }
    Ok(())
}

/// Whether `tag` has the shape of a BCP 47 language tag: subtags of 1 to 8 letters or digits
/// separated by `-`, the first of letters only.
fn is_language_tag(tag: &str) -> bool {
    let mut subtags = tag.split('-');
    subtags
        .next()
        .is_some_and(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphabetic()))
        && subtags
            .all(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Checks the digests of `credential`'s related resources that are available offline: a
/// bundled context, one of its earlier published revisions, or a context `loader` was given.
/// A digest that matches none of the resource's known bytes is an error at its JSON pointer;
/// a resource civitas does not have is not checked (it is never fetched).
pub fn check_related_digests(
    credential: &Value,
    loader: &ContextLoader,
) -> Result<(), SyntaxError> {
    for (i, item) in one_or_many(credential.member("relatedResource"))
        .into_iter()
        .enumerate()
    {
        let at = format!("/relatedResource/{i}");
        let (Some(o), Some(id)) = (item.as_object(), item.member("id").and_then(Value::as_str))
        else {
            continue;
        };
        let mut known = known_revisions(id);
        if let Some(text) = loader.source(id) {
            known.push(text.as_bytes());
        }
        if known.is_empty() {
            continue;
        }
        for digest in digests_of(o, &at)? {
            if !known
                .iter()
                .any(|bytes| digest.algorithm.digest(bytes) == digest.value)
            {
                return Err(SyntaxError::field(
                    &at,
                    format!("a digest of `{id}` does not match the resource"),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check_value(v: Value) -> Result<(), SyntaxError> {
        check(v.as_object().expect("object"))
    }

    fn pointer_of(e: SyntaxError) -> String {
        match e {
            SyntaxError::Field { pointer, .. } => pointer,
            other => panic!("expected a field error, got {other}"),
        }
    }

    #[test]
    fn typed_members_need_a_type_and_url_ids() {
        for key in TYPED_OBJECTS {
            assert!(check_value(json!({key: {"type": "T"}})).is_ok());
            assert!(check_value(json!({key: [{"type": ["T", "U"], "id": "urn:x:1"}]})).is_ok());
            let e = check_value(json!({key: {"id": "urn:x:1"}})).unwrap_err();
            assert_eq!(pointer_of(e), format!("/{key}/0/type"));
            let e = check_value(json!({key: {"type": 2}})).unwrap_err();
            assert_eq!(pointer_of(e), format!("/{key}/0/type"));
            let e = check_value(json!({key: {"type": "T", "id": "not a url"}})).unwrap_err();
            assert_eq!(pointer_of(e), format!("/{key}/0/id"));
            let e = check_value(json!({key: ["urn:x:1"]})).unwrap_err();
            assert_eq!(pointer_of(e), format!("/{key}/0"));
        }
    }

    const V2_SRI: &str = "sha384-l/HrjlBCNWyAX91hr6LFV2Y3heB5Tcr6IeE4/Tje8YyzYBM8IhqjHWiWpr8+ZbYU";
    // The July 2024 revision's digests, as the W3C test suite's fixtures carry them.
    const OLD_SRI: &str = "sha384-NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg";
    const OLD_MULTIBASE: &str = "uJKGMkOmFbVJhEfKTduMC2XCyvRAYLjOVmZWwIH1wQ7k";
    const V2: &str = "https://www.w3.org/ns/credentials/v2";

    #[test]
    fn related_resources_are_objects_with_unique_ids_and_digests() {
        let ok = json!({"relatedResource": [
            {"id": V2, "digestSRI": V2_SRI, "mediaType": "application/ld+json"},
            {"id": "https://example.org/a", "digestMultibase": OLD_MULTIBASE},
        ]});
        assert!(check_value(ok).is_ok());
        let e = check_value(json!({"relatedResource": [V2]})).unwrap_err();
        assert_eq!(pointer_of(e), "/relatedResource/0");
        let e = check_value(json!({"relatedResource": {"digestSRI": V2_SRI}})).unwrap_err();
        assert_eq!(pointer_of(e), "/relatedResource/0/id");
        let e = check_value(json!({"relatedResource": [
            {"id": V2, "digestSRI": V2_SRI}, {"id": V2, "digestMultibase": OLD_MULTIBASE}
        ]}))
        .unwrap_err();
        assert_eq!(pointer_of(e), "/relatedResource/1/id");
        let e = check_value(json!({"relatedResource": {"id": V2}})).unwrap_err();
        assert_eq!(pointer_of(e), "/relatedResource/0");
        // base64url where SRI needs base64, a wrong length, an unknown algorithm
        for bad in [
            "sha384-_rCVIV7fSXXTNIvpiq26jRDyj8JG8TDjij-tD0ewLk4JpnXEz6a5AeeY_1qQ0d0P",
            "sha384-AAAA",
            "md5-AAAAAAAAAAAAAAAAAAAAAA==",
        ] {
            let e =
                check_value(json!({"relatedResource": {"id": V2, "digestSRI": bad}})).unwrap_err();
            assert_eq!(pointer_of(e), "/relatedResource/0/digestSRI", "{bad}");
        }
        let e = check_value(json!({"relatedResource": {"id": V2, "digestMultibase": "zABC"}}))
            .unwrap_err();
        assert_eq!(pointer_of(e), "/relatedResource/0/digestMultibase");
    }

    #[test]
    fn digests_of_known_resources_are_checked_against_every_known_revision() {
        let loader = ContextLoader::bundled();
        for good in [
            json!({"relatedResource": {"id": V2, "digestSRI": V2_SRI}}),
            json!({"relatedResource": {"id": V2, "digestSRI": OLD_SRI}}),
            json!({"relatedResource": {"id": V2, "digestMultibase": OLD_MULTIBASE}}),
            // a resource civitas does not have is not checked
            json!({"relatedResource": {"id": "https://example.org/x", "digestSRI": OLD_SRI}}),
        ] {
            assert!(check_related_digests(&good, &loader).is_ok(), "{good}");
        }
        let wrong = json!({"relatedResource": [
            {"id": V2, "digestMultibase": "uM4RgWQc3RUDtjJCSgTJtTfvpZ7SPEg_LNO0ESlovQC0"}
        ]});
        let e = check_related_digests(&wrong, &loader).unwrap_err();
        assert_eq!(pointer_of(e), "/relatedResource/0");
    }

    #[test]
    fn names_and_descriptions_are_strings_or_language_values() {
        for ok in [
            json!({"name": "A"}),
            json!({"description": {"@value": "A", "@language": "en"}}),
            json!({"name": {"@value": "A", "@language": "en", "@direction": "ltr"}}),
            json!({"name": [{"@value": "Dog", "@language": "en"}, {"@value": "Chien", "@language": "fr"}]}),
            json!({"issuer": {"id": "did:example:1", "name": {"@value": "I", "@language": "en-GB"}}}),
        ] {
            assert!(check_value(ok.clone()).is_ok(), "{ok}");
        }
        let e = check_value(json!({"name": {"@value": "A", "@language": "en", "url": "x"}}))
            .unwrap_err();
        assert_eq!(pointer_of(e), "/name/url");
        let e = check_value(json!({"issuer": {"description": {"@value": "A", "url": "x"}}}))
            .unwrap_err();
        assert_eq!(pointer_of(e), "/issuer/description/url");
        let e = check_value(json!({"description": [{"@value": "A"}, 3]})).unwrap_err();
        assert_eq!(pointer_of(e), "/description/1");
        let e = check_value(json!({"name": {"@value": "A", "@direction": "up"}})).unwrap_err();
        assert_eq!(pointer_of(e), "/name/@direction");
        let e = check_value(json!({"name": {"@language": "en"}})).unwrap_err();
        assert_eq!(pointer_of(e), "/name/@value");
    }
}
