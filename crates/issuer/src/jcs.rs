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
            members.sort_by(|a, b| utf16_order(a.0, b.0));
            out.push(b'{');
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let _ = serde_json::to_writer(&mut *out, k);
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
        // serde_json escapes `"`, `\` and control characters in strings, as RFC 8785 does, and
        // writes integers in their shortest form. Writing into a Vec cannot fail.
        scalar => {
            let _ = serde_json::to_writer(&mut *out, scalar);
        }
    }
}

/// RFC 8785's order of member names: by UTF-16 code units. It is the order of the UTF-8
/// bytes, except that characters above U+FFFF (surrogate pairs in UTF-16) sort before
/// U+E000..U+FFFF; ASCII names, the usual case, are compared as bytes.
fn utf16_order(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() && b.is_ascii() {
        a.cmp(b)
    } else {
        a.encode_utf16().cmp(b.encode_utf16())
    }
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

    #[test]
    fn scalars_and_escapes_are_written_as_rfc_8785_asks() {
        let v = json!({"n": [0, -7, 12_345_678_901_i64, true, false, null], "s": "tab\t nl\n \u{1} é 😀"});
        assert_eq!(
            String::from_utf8(canonical_json(&v)).unwrap(),
            r#"{"n":[0,-7,12345678901,true,false,null],"s":"tab\t nl\n \u0001 é 😀"}"#
        );
    }

    #[test]
    fn names_sort_by_utf16_code_units() {
        // U+1F600 is D83D DE00 in UTF-16, below U+FF21 (FF21), though its UTF-8 is above.
        let v = json!({"\u{ff21}": 1, "\u{1f600}": 2, "b": 3, "a": 4, "é": 5});
        assert_eq!(
            String::from_utf8(canonical_json(&v)).unwrap(),
            "{\"a\":4,\"b\":3,\"é\":5,\"\u{1f600}\":2,\"\u{ff21}\":1}"
        );
    }
}
