//! Strict JSON parsing for everything civitas reads from outside.
//!
//! JSON (RFC 8259 §4) only says member names *should* be unique, and parsers disagree on a
//! duplicate: serde_json keeps the last value, others keep the first. A signed document with
//! `"givenName": "Forged", "givenName": "Marie-Claire"` would then verify here and show
//! "Forged" to a first-wins reader. civitas therefore refuses every object with a repeated
//! member name, naming the JSON pointer of the second occurrence and where it is.
//!
//! [`parse`] is the one parser for outside JSON: credentials and presentations, HTTP request
//! bodies, trust lists, bundles, wallet files, fetched status lists and records. It reads the
//! document in one pass (a serde visitor that checks each name as it inserts it), so it costs
//! no more than `serde_json::from_slice`.

use std::cell::RefCell;
use std::fmt;

use serde::de::{DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Number, Value};

/// Largest JSON document accepted from outside by [`parse`] (1 MiB).
pub const MAX_JSON_BYTES: usize = 1024 * 1024;

/// Why outside JSON was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    /// More bytes than the limit; refused before parsing.
    #[error("the document is {size} bytes, more than the {max} allowed")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// Not JSON.
    #[error("not valid JSON at line {line}, column {column} (byte {offset}): {reason}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// 0-based byte offset.
        offset: usize,
        /// What the parser reported.
        reason: String,
    },
    /// An object names the same member twice.
    #[error(
        "duplicate member name at `{pointer}` (line {line}, column {column}, byte {offset}): \
         an object must not repeat a member name"
    )]
    DuplicateMember {
        /// JSON pointer to the second occurrence (`/credentialSubject/givenName`).
        pointer: String,
        /// 1-based line of the second name.
        line: usize,
        /// 1-based column of the second name.
        column: usize,
        /// 0-based byte offset of the second name's opening quote.
        offset: usize,
    },
    /// Well-formed JSON that does not have the shape the reader expects.
    #[error("unexpected content: {reason}")]
    Shape {
        /// What serde reported.
        reason: String,
    },
}

/// Parses outside JSON, at most [`MAX_JSON_BYTES`], refusing duplicate member names.
pub fn parse(bytes: &[u8]) -> Result<Value, JsonError> {
    parse_with_limit(bytes, MAX_JSON_BYTES)
}

/// Parses outside JSON of at most `max` bytes, refusing duplicate member names.
pub fn parse_with_limit(bytes: &[u8], max: usize) -> Result<Value, JsonError> {
    if bytes.len() > max {
        return Err(JsonError::TooLarge {
            size: bytes.len(),
            max,
        });
    }
    let state = State::default();
    // UTF-8 is checked once for the whole document (much faster than string by string); a
    // document that is not UTF-8 is parsed as bytes, so that the error names the position.
    let parsed = match std::str::from_utf8(bytes) {
        Ok(text) => run(&mut serde_json::Deserializer::from_str(text), &state),
        Err(_) => run(&mut serde_json::Deserializer::from_slice(bytes), &state),
    };
    parsed.map_err(|e| {
        let (line, column) = (e.line(), e.column());
        let offset = byte_offset(bytes, line, column);
        match state.duplicate.into_inner() {
            Some(mut segments) => {
                segments.reverse();
                let start = key_start(bytes, offset);
                JsonError::DuplicateMember {
                    pointer: pointer(&segments),
                    line,
                    column: column.saturating_sub(offset.saturating_sub(start)),
                    offset: start,
                }
            }
            None => JsonError::Syntax {
                line,
                column,
                offset,
                reason: e.to_string(),
            },
        }
    })
}

/// Parses outside JSON of at most `max` bytes into `T`, refusing duplicate member names.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8], max: usize) -> Result<T, JsonError> {
    serde_json::from_value(parse_with_limit(bytes, max)?).map_err(|e| JsonError::Shape {
        reason: e.to_string(),
    })
}

fn run<'de, R: serde_json::de::Read<'de>>(
    de: &mut serde_json::Deserializer<R>,
    state: &State,
) -> Result<Value, serde_json::Error> {
    let value = Strict(state).deserialize(&mut *de)?;
    de.end()?;
    Ok(value)
}

/// What a failed parse found: the path to a duplicate name, innermost segment first.
#[derive(Default)]
struct State {
    duplicate: RefCell<Option<Vec<String>>>,
}

impl State {
    /// Adds the segment of the member or element whose value held the duplicate.
    fn note(&self, segment: impl FnOnce() -> String) {
        if let Some(path) = self.duplicate.borrow_mut().as_mut() {
            path.push(segment());
        }
    }
}

/// A JSON pointer (RFC 6901) of `segments`.
fn pointer(segments: &[String]) -> String {
    let mut out = String::new();
    for s in segments {
        out.push('/');
        out.push_str(&s.replace('~', "~0").replace('/', "~1"));
    }
    out
}

/// The byte offset of serde_json's 1-based (line, column) position.
fn byte_offset(bytes: &[u8], line: usize, column: usize) -> usize {
    let line_start: usize = bytes
        .split(|b| *b == b'\n')
        .take(line.saturating_sub(1))
        .map(|l| l.len() + 1)
        .sum();
    (line_start + column.saturating_sub(1)).min(bytes.len())
}

/// The offset of the opening quote of the member name that serde reported at `end` (the
/// position of its closing quote, or just after it).
fn key_start(bytes: &[u8], end: usize) -> usize {
    let unescaped_quote = |i: usize| {
        bytes[i] == b'"' && bytes[..i].iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 0
    };
    let end = end.min(bytes.len().saturating_sub(1));
    let Some(close) = (0..=end).rev().find(|&i| unescaped_quote(i)) else {
        return end;
    };
    (0..close)
        .rev()
        .find(|&i| unescaped_quote(i))
        .unwrap_or(close)
}

/// The member name under which serde_json's `arbitrary_precision` passes a number's digits.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// A `serde_json::Value` seed that refuses duplicate member names.
#[derive(Clone, Copy)]
struct Strict<'s>(&'s State);

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        loop {
            match seq.next_element_seed(self) {
                Ok(Some(v)) => out.push(v),
                Ok(None) => return Ok(Value::Array(out)),
                Err(e) => {
                    let index = out.len();
                    self.0.note(|| index.to_string());
                    return Err(e);
                }
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.is_empty() && key == NUMBER_TOKEN {
                // serde_json with `arbitrary_precision` (enabled in this build by a dependency)
                // hands every number over as this one-member map, as its own `Value` reads it.
                let digits: String = map.next_value()?;
                return digits
                    .parse::<Number>()
                    .map(Value::Number)
                    .map_err(serde::de::Error::custom);
            }
            match out.entry(key) {
                Entry::Vacant(slot) => match map.next_value_seed(self) {
                    Ok(v) => {
                        slot.insert(v);
                    }
                    Err(e) => {
                        self.0.note(|| slot.key().clone());
                        return Err(e);
                    }
                },
                Entry::Occupied(slot) => {
                    *self.0.duplicate.borrow_mut() = Some(vec![slot.key().clone()]);
                    return Err(serde::de::Error::custom(format_args!(
                        "duplicate member name `{}`",
                        slot.key()
                    )));
                }
            }
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn duplicate(text: &str) -> (String, usize, usize, usize) {
        match parse(text.as_bytes()) {
            Err(JsonError::DuplicateMember {
                pointer,
                line,
                column,
                offset,
            }) => (pointer, line, column, offset),
            other => panic!("{text}: expected a duplicate, got {other:?}"),
        }
    }

    #[test]
    fn agrees_with_serde_json_on_documents_without_duplicates() {
        for text in [
            "null",
            "true",
            " 12 ",
            "-3",
            "1.5e3",
            "0.1",
            "-0.0",
            "1e-7",
            "123456789012345678901234567890",
            "18446744073709551615",
            "\"a\\u00e9\\\"\"",
            "[]",
            "{}",
            r#"{"a": [1, {"b": null, "c": [true, false]}], "d": {"e": "f"}, "z": 0, "y": 1}"#,
            r#"[{"a": 1}, {"a": 2}]"#,
        ] {
            let ours = parse(text.as_bytes()).unwrap();
            let theirs: Value = serde_json::from_str(text).unwrap();
            assert_eq!(ours, theirs, "{text}");
            assert_eq!(ours.to_string(), theirs.to_string(), "{text}");
        }
    }

    #[test]
    fn a_duplicate_is_named_by_pointer_and_offset() {
        let text = r#"{"credentialSubject": {"givenName": "Forged", "givenName": "Marie-Claire"}}"#;
        let (pointer, line, column, offset) = duplicate(text);
        assert_eq!(pointer, "/credentialSubject/givenName");
        assert_eq!(offset, text.rfind("\"givenName\"").unwrap());
        assert_eq!((line, column), (1, offset + 1));

        let text = "{\"a\": [0, {\"b\": 1}, {\"x/y~\": 1,\n  \"x/y~\": 2}]}";
        let (pointer, line, column, offset) = duplicate(text);
        assert_eq!(pointer, "/a/2/x~1y~0");
        assert_eq!(offset, text.rfind("\"x/y~\"").unwrap());
        assert_eq!((line, column), (2, 3));

        // Escapes inside the name: the same name written two ways is still the same name.
        let text = r#"{"a\"b": 1, "a\u0022b": 2}"#;
        let (pointer, _, _, offset) = duplicate(text);
        assert_eq!(pointer, "/a\"b");
        assert_eq!(offset, text.rfind("\"a\\u0022b\"").unwrap());
    }

    #[test]
    fn errors_say_where_and_limits_apply() {
        assert_eq!(
            parse_with_limit(b"[1, 2]", 5),
            Err(JsonError::TooLarge { size: 6, max: 5 })
        );
        match parse(b"{\n\"a\" 1}") {
            Err(JsonError::Syntax {
                line: 2, offset, ..
            }) => assert_eq!(offset, 6),
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse(b"{} x"), Err(JsonError::Syntax { .. })));
        assert!(matches!(parse(b"\"\xff\""), Err(JsonError::Syntax { .. })));
        assert!(matches!(
            from_slice::<Vec<u8>>(br#"{"a": 1}"#, 100),
            Err(JsonError::Shape { .. })
        ));
        assert!(matches!(
            from_slice::<Value>(br#"{"a": 1, "a": 1}"#, 100),
            Err(JsonError::DuplicateMember { .. })
        ));
    }
}
