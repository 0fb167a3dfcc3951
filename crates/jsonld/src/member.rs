//! Reading a member of a JSON object on the hot paths of signing and verifying, and a document
//! without its `proof`.
//!
//! serde_json keeps object members in insertion order (`preserve_order`) in an index map that
//! hashes every key with SipHash; for the small objects of credentials (a dozen members at
//! most), comparing the keys one by one is several times cheaper than hashing the key looked
//! for.

use serde_json::{Map, Value};

/// Objects with more members than this are looked up by hash.
const SCAN_AT_MOST: usize = 16;

/// A member of a JSON object, by name.
pub trait Member {
    /// The member `key`, if `self` is an object that has it.
    fn member(&self, key: &str) -> Option<&Value>;
}

impl Member for Map<String, Value> {
    fn member(&self, key: &str) -> Option<&Value> {
        if self.len() > SCAN_AT_MOST {
            return self.get(key);
        }
        self.iter().find_map(|(k, v)| (k == key).then_some(v))
    }
}

impl Member for Value {
    fn member(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|o| o.member(key))
    }
}

/// `document` without its `proof` member.
pub fn without_proof(document: &Value) -> Value {
    let mut doc = document.clone();
    if let Some(o) = doc.as_object_mut() {
        o.shift_remove("proof");
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_and_large_objects_and_other_values() {
        let small = serde_json::json!({"a": 1, "b": 2});
        assert_eq!(small.member("b"), Some(&Value::from(2)));
        assert_eq!(small.member("c"), None);
        let large: Map<String, Value> =
            (0..40).map(|i| (format!("k{i}"), Value::from(i))).collect();
        assert_eq!(large.member("k33"), Some(&Value::from(33)));
        assert_eq!(large.member("k40"), None);
        assert_eq!(Value::from("text").member("a"), None);
    }
}
