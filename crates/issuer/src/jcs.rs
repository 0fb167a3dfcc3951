//! Canonical JSON (the JSON Canonicalization Scheme of RFC 8785 for the values civitas writes:
//! object members sorted by key, no whitespace, strings escaped as serde_json does, integers) and
//! SHA-256 digests over it. Used for subject digests (idempotency) and audit entry hashes.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The canonical bytes of `value`: members sorted by key (by UTF-16 code units, as RFC 8785
/// asks), no insignificant whitespace.
pub fn canonical_json(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    write(value, &mut out);
    out
}

fn write(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push(b'{');
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(k, out);
                out.push(b':');
                write(v, out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(v, out);
            }
            out.push(b']');
        }
        Value::String(s) => write_string(s, out),
        other => out.extend_from_slice(other.to_string().as_bytes()),
    }
}

fn write_string(s: &str, out: &mut Vec<u8>) {
    // serde_json escapes `"`, `\` and control characters, as RFC 8785 does.
    out.extend_from_slice(Value::String(s.to_owned()).to_string().as_bytes());
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Lower-case hex SHA-256 of the canonical JSON of `value`.
pub fn digest(value: &Value) -> String {
    sha256_hex(&canonical_json(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn members_are_sorted_and_whitespace_dropped() {
        let a = json!({"b": [1, {"z": "é", "a": null}], "a": "x\"y"});
        assert_eq!(
            String::from_utf8(canonical_json(&a)).unwrap(),
            r#"{"a":"x\"y","b":[1,{"a":null,"z":"é"}]}"#
        );
        let b = json!({"a": "x\"y", "b": [1, {"a": null, "z": "é"}]});
        assert_eq!(digest(&a), digest(&b));
    }
}
