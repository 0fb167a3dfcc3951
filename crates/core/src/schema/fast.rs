//! A compact evaluator for civitas' bundled JSON Schemas (draft 2020-12): the keywords they
//! use, over `serde_json::Value`, without allocating or hashing. The general validator (the
//! `jsonschema` crate) walks a tree of boxed validators and runs a lazy DFA per pattern; on a
//! verify that touches more memory than anything else but the signature check, and memory is
//! what a busy machine is short of.
//!
//! It answers [`Verdict::Valid`] only where the general validator answers the same, and
//! [`Verdict::Invalid`] only where the document certainly breaks the schema; a keyword it does
//! not know makes [`compile`] refuse the schema, and a string it cannot judge with certainty
//! (a line break, an unusual space character) makes it [`Verdict::Unsure`]. Callers use the
//! general validator for everything but `Valid`, so error reports are always the general
//! validator's.

use serde_json::{Map, Value};

use civitas_jsonld::member::Member;

/// What the evaluator concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The document matches the schema.
    Valid,
    /// The document certainly does not match.
    Invalid,
    /// Not decided here.
    Unsure,
}

use Verdict::{Invalid, Unsure, Valid};

impl Verdict {
    /// Both must hold.
    fn and(self, other: Verdict) -> Verdict {
        match (self, other) {
            (Invalid, _) | (_, Invalid) => Invalid,
            (Unsure, _) | (_, Unsure) => Unsure,
            (Valid, Valid) => Valid,
        }
    }
}

/// The patterns of the profiles' schemas, matched by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pattern {
    /// `^[<ASCII class>]{min,max}$` (also `{n}`, `+`): identifier patterns of profiles.
    Class {
        /// The ASCII bytes of the class, as a bit set.
        set: u128,
        /// Fewest characters.
        min: usize,
        /// Most characters.
        max: usize,
    },
    /// `^-?[0-9]{1,w}(\.[0-9]{1,f})?$`: the decimal value of an amount.
    Decimal {
        /// Most digits before the point.
        whole: usize,
        /// Most digits after it.
        fraction: usize,
    },
    /// Any other pattern: not judged here (`Unsure`), the general validator decides.
    Other,
    /// `^[A-Z]{2}$`
    Country,
    /// `^did:[a-z0-9]+:\S+$`
    Did,
    /// `^[A-Za-z][A-Za-z0-9+.-]*:\S+$`
    Url,
    /// `^\S(.*\S)?$`
    Text,
    /// `^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$`
    LanguageTag,
    /// `^[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?$`
    Time,
    /// `^[0-9]{4}-[0-9]{2}-[0-9]{2}$`
    Date,
    /// `^[A-Za-z0-9-]{1,32}$`
    NationalId,
}

impl Pattern {
    fn parse(pattern: &str) -> Option<Self> {
        Some(match pattern {
            r"^[A-Z]{2}$" => Self::Country,
            r"^did:[a-z0-9]+:\S+$" => Self::Did,
            r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$" => Self::Url,
            r"^\S(.*\S)?$" => Self::Text,
            r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$" => Self::LanguageTag,
            r"^[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?$" => Self::Time,
            r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$" => Self::Date,
            r"^[A-Za-z0-9-]{1,32}$" => Self::NationalId,
            other => Self::decimal(other)
                .or_else(|| Self::class(other))
                .unwrap_or(Self::Other),
        })
    }

    /// `^[class]{m,n}$`, `^[class]{n}$`, `^[class]+$` over printable ASCII members and ranges
    /// (`\-`, `\.`, `\/` escaped or not).
    fn class(pattern: &str) -> Option<Self> {
        let body = pattern.strip_prefix("^[")?;
        let (class, rest) = body.split_once(']')?;
        let quantifier = rest.strip_suffix('$')?;
        let (min, max) = match quantifier {
            "+" => (1, usize::MAX),
            q => {
                let inner = q.strip_prefix('{')?.strip_suffix('}')?;
                match inner.split_once(',') {
                    Some((a, b)) => (a.parse().ok()?, b.parse().ok()?),
                    None => {
                        let n = inner.parse().ok()?;
                        (n, n)
                    }
                }
            }
        };
        let mut chars: Vec<u8> = Vec::new();
        let mut bytes = class.bytes();
        while let Some(b) = bytes.next() {
            let b = if b == b'\\' {
                match bytes.next()? {
                    c @ (b'-' | b'.' | b'/' | b'_' | b'+') => c,
                    _ => return None,
                }
            } else if b.is_ascii_graphic() && !matches!(b, b'[' | b']' | b'^') {
                b
            } else {
                return None;
            };
            chars.push(b);
        }
        let mut set = 0u128;
        let mut i = 0;
        while i < chars.len() {
            // `a-z` is a range unless the `-` is first or last
            if i + 2 < chars.len() && chars[i + 1] == b'-' {
                let (lo, hi) = (chars[i], chars[i + 2]);
                if lo > hi {
                    return None;
                }
                for c in lo..=hi {
                    set |= 1u128 << c;
                }
                i += 3;
            } else {
                set |= 1u128 << chars[i];
                i += 1;
            }
        }
        (min <= max && set != 0).then_some(Self::Class { set, min, max })
    }

    /// `^-?[0-9]{1,w}(\.[0-9]{1,f})?$`.
    fn decimal(pattern: &str) -> Option<Self> {
        let rest = pattern.strip_prefix(r"^-?[0-9]{1,")?;
        let (whole, rest) = rest.split_once('}')?;
        let rest = rest.strip_prefix(r"(\.[0-9]{1,")?;
        let fraction = rest.strip_suffix("})?$")?;
        Some(Self::Decimal {
            whole: whole.parse().ok()?,
            fraction: fraction.parse().ok()?,
        })
    }

    fn check(self, s: &str, facts: Facts) -> Verdict {
        // Line terminators are where regular expression dialects disagree (`.` and `$`).
        if facts.line_break {
            return Unsure;
        }
        let b = s.as_bytes();
        let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
        let certain = |yes: bool| if yes { Valid } else { Invalid };
        match self {
            Self::Other => Unsure,
            Self::Class { set, min, max } => certain(
                (min..=max).contains(&b.len())
                    && b.iter().all(|&c| c < 128 && set & (1u128 << c) != 0),
            ),
            Self::Decimal { whole, fraction } => {
                let digits_only = |r: &[u8]| !r.is_empty() && digits(r);
                let unsigned = b.strip_prefix(b"-").unwrap_or(b);
                let (w, f) = match unsigned.iter().position(|&c| c == b'.') {
                    Some(dot) => (&unsigned[..dot], Some(&unsigned[dot + 1..])),
                    None => (unsigned, None),
                };
                certain(
                    digits_only(w)
                        && w.len() <= whole
                        && f.is_none_or(|f| digits_only(f) && f.len() <= fraction),
                )
            }
            Self::Country => certain(b.len() == 2 && b.iter().all(u8::is_ascii_uppercase)),
            Self::Date => certain(
                b.len() == 10
                    && digits(&b[..4])
                    && b[4] == b'-'
                    && digits(&b[5..7])
                    && b[7] == b'-'
                    && digits(&b[8..]),
            ),
            Self::Time => {
                let fraction = match b.get(8..) {
                    Some([]) => true,
                    Some([b'.', rest @ ..]) => !rest.is_empty() && digits(rest),
                    _ => false,
                };
                certain(
                    b.len() >= 8
                        && digits(&b[..2])
                        && b[2] == b':'
                        && digits(&b[3..5])
                        && b[5] == b':'
                        && digits(&b[6..8])
                        && fraction,
                )
            }
            Self::NationalId => certain(
                (1..=32).contains(&b.len())
                    && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-'),
            ),
            Self::LanguageTag => {
                let mut parts = s.split('-');
                let primary = parts.next().unwrap_or("");
                certain(
                    (2..=3).contains(&primary.len())
                        && primary.bytes().all(|c| c.is_ascii_alphabetic())
                        && parts.all(|p| {
                            (1..=8).contains(&p.len())
                                && p.bytes().all(|c| c.is_ascii_alphanumeric())
                        }),
                )
            }
            Self::Did => match s.strip_prefix("did:") {
                None => Invalid,
                Some(rest) => {
                    let method = rest
                        .bytes()
                        .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                        .count();
                    match rest[method..].strip_prefix(':') {
                        Some(id) if method > 0 => no_space(id, facts.ascii),
                        _ => Invalid,
                    }
                }
            },
            Self::Url => {
                if !b.first().is_some_and(u8::is_ascii_alphabetic) {
                    return Invalid;
                }
                let scheme = b
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-'))
                    .count();
                match s[scheme..].strip_prefix(':') {
                    Some(rest) => no_space(rest, facts.ascii),
                    None => Invalid,
                }
            }
            Self::Text => {
                let mut chars = s.chars();
                let (Some(first), last) = (chars.next(), chars.next_back()) else {
                    return Invalid;
                };
                // `.` in the middle matches everything but the line terminators excluded above.
                space(first).and(last.map_or(Valid, space))
            }
        }
    }
}

/// Whether `c` matches `\S`: certainly (`Valid`), certainly not (`Invalid`), or it depends on
/// the dialect (`Unsure`). ASCII white space is white space to every dialect; beyond ASCII the
/// dialects disagree (the general validator takes U+3000 for `\S`, Unicode does not, and
/// U+0085, U+180E, U+200B and U+FEFF differ between Unicode versions and ECMAScript).
fn space(c: char) -> Verdict {
    match c {
        ' ' | '\t' | '\u{b}' | '\u{c}' => Invalid,
        c if c.is_ascii() => Valid,
        '\u{85}' | '\u{180e}' | '\u{200b}' | '\u{feff}' => Unsure,
        c if c.is_whitespace() => Unsure,
        _ => Valid,
    }
}

/// `\S+$` over `s` (`ascii`: `s` is ASCII).
fn no_space(s: &str, ascii: bool) -> Verdict {
    if s.is_empty() {
        return Invalid;
    }
    if ascii {
        let spaced = s.bytes().any(|b| matches!(b, b' ' | b'\t' | 0x0b | 0x0c));
        return if spaced { Invalid } else { Valid };
    }
    s.chars().fold(Valid, |v, c| v.and(space(c)))
}

/// What the checks of one string need to know, found in one pass over its bytes.
#[derive(Debug, Clone, Copy)]
struct Facts {
    /// Only ASCII.
    ascii: bool,
    /// A line feed, carriage return, U+2028 or U+2029.
    line_break: bool,
    /// Its length in characters (JSON Schema counts code points).
    chars: usize,
}

impl Facts {
    fn of(s: &str) -> Self {
        let b = s.as_bytes();
        if b.is_ascii() {
            return Self {
                ascii: true,
                line_break: b.iter().any(|&c| c == b'\n' || c == b'\r'),
                chars: b.len(),
            };
        }
        Self {
            ascii: false,
            line_break: s.contains(['\n', '\r', '\u{2028}', '\u{2029}']),
            chars: s.chars().count(),
        }
    }
}

/// JSON types a node admits (`type`).
const OBJECT: u8 = 1;
const ARRAY: u8 = 2;
const STRING: u8 = 4;
const BOOLEAN: u8 = 8;
const NULL: u8 = 16;
/// A JSON number with no fraction (`"type": "integer"`).
const INTEGER: u8 = 32;

/// What `additionalProperties` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Additional {
    Any,
    Deny,
    Schema(usize),
}

/// One compiled schema (object).
#[derive(Debug, Clone)]
struct Node {
    types: Option<u8>,
    /// `const` or `enum` (strings only): the instance is one of these.
    equals: Option<Vec<String>>,
    pattern: Option<Pattern>,
    min_length: Option<usize>,
    max_length: Option<usize>,
    /// `minimum`, `maximum` (integer bounds only).
    minimum: Option<i128>,
    maximum: Option<i128>,
    required: Vec<String>,
    properties: Vec<(String, usize)>,
    additional: Additional,
    property_names: Option<usize>,
    min_properties: Option<usize>,
    prefix_items: Vec<usize>,
    items: Option<usize>,
    contains: Option<usize>,
    min_items: Option<usize>,
    max_items: Option<usize>,
    all_of: Vec<usize>,
    one_of: Vec<usize>,
    refs: Vec<usize>,
}

impl Node {
    fn empty() -> Self {
        Self {
            types: None,
            equals: None,
            pattern: None,
            min_length: None,
            max_length: None,
            minimum: None,
            maximum: None,
            required: Vec::new(),
            properties: Vec::new(),
            additional: Additional::Any,
            property_names: None,
            min_properties: None,
            prefix_items: Vec::new(),
            items: None,
            contains: None,
            min_items: None,
            max_items: None,
            all_of: Vec::new(),
            one_of: Vec::new(),
            refs: Vec::new(),
        }
    }
}

/// A schema compiled for [`Compact::check`].
#[derive(Debug, Clone)]
pub(crate) struct Compact {
    nodes: Vec<Node>,
}

/// Compiles `schema`, or `None` if it uses anything the evaluator does not implement.
pub(crate) fn compile(schema: &Value) -> Option<Compact> {
    let root = schema.as_object()?;
    let mut c = Compiler {
        nodes: vec![Node::empty()],
        defs: Vec::new(),
    };
    if let Some(defs) = root.member("$defs") {
        for name in defs.as_object()?.keys() {
            c.nodes.push(Node::empty());
            c.defs.push((name.clone(), c.nodes.len() - 1));
        }
        for (name, schema) in defs.as_object()? {
            let slot = c.defs.iter().find(|(n, _)| n == name)?.1;
            let node = c.node(schema.as_object()?)?;
            c.nodes[slot] = node;
        }
    }
    let node = c.node(root)?;
    c.nodes[0] = node;
    Some(Compact { nodes: c.nodes })
}

struct Compiler {
    nodes: Vec<Node>,
    defs: Vec<(String, usize)>,
}

impl Compiler {
    /// A subschema: compiled into a new node.
    fn sub(&mut self, schema: &Value) -> Option<usize> {
        let node = self.node(schema.as_object()?)?;
        self.nodes.push(node);
        Some(self.nodes.len() - 1)
    }

    fn subs(&mut self, schemas: &Value) -> Option<Vec<usize>> {
        schemas.as_array()?.iter().map(|s| self.sub(s)).collect()
    }

    fn count(v: &Value) -> Option<usize> {
        usize::try_from(v.as_u64()?).ok()
    }

    fn integer(v: &Value) -> Option<i128> {
        v.as_i64()
            .map(i128::from)
            .or_else(|| v.as_u64().map(i128::from))
    }

    fn strings(v: &Value) -> Option<Vec<String>> {
        v.as_array()?
            .iter()
            .map(|s| s.as_str().map(str::to_owned))
            .collect()
    }

    fn node(&mut self, schema: &Map<String, Value>) -> Option<Node> {
        let mut n = Node::empty();
        for (keyword, v) in schema {
            match keyword.as_str() {
                "$schema" | "$id" | "$comment" | "$defs" | "title" | "description" => {}
                "type" => {
                    let one = |t: &Value| match t.as_str()? {
                        "object" => Some(OBJECT),
                        "array" => Some(ARRAY),
                        "string" => Some(STRING),
                        "boolean" => Some(BOOLEAN),
                        "null" => Some(NULL),
                        "integer" => Some(INTEGER),
                        _ => None,
                    };
                    n.types = Some(match v {
                        Value::Array(ts) => ts.iter().try_fold(0, |m, t| Some(m | one(t)?))?,
                        t => one(t)?,
                    });
                }
                "const" => n.equals = Some(vec![v.as_str()?.to_owned()]),
                "enum" => n.equals = Some(Self::strings(v)?),
                "pattern" => n.pattern = Some(Pattern::parse(v.as_str()?)?),
                "minLength" => n.min_length = Some(Self::count(v)?),
                "minimum" => n.minimum = Some(Self::integer(v)?),
                "maximum" => n.maximum = Some(Self::integer(v)?),
                "maxLength" => n.max_length = Some(Self::count(v)?),
                "required" => n.required = Self::strings(v)?,
                "properties" => {
                    for (name, s) in v.as_object()? {
                        let id = self.sub(s)?;
                        n.properties.push((name.clone(), id));
                    }
                }
                "additionalProperties" => {
                    n.additional = match v {
                        Value::Bool(true) => Additional::Any,
                        Value::Bool(false) => Additional::Deny,
                        s => Additional::Schema(self.sub(s)?),
                    }
                }
                "propertyNames" => n.property_names = Some(self.sub(v)?),
                "minProperties" => n.min_properties = Some(Self::count(v)?),
                "prefixItems" => n.prefix_items = self.subs(v)?,
                "items" => n.items = Some(self.sub(v)?),
                "contains" => n.contains = Some(self.sub(v)?),
                "minItems" => n.min_items = Some(Self::count(v)?),
                "maxItems" => n.max_items = Some(Self::count(v)?),
                "allOf" => n.all_of = self.subs(v)?,
                "oneOf" => n.one_of = self.subs(v)?,
                "$ref" => {
                    let name = v.as_str()?.strip_prefix("#/$defs/")?;
                    n.refs.push(self.defs.iter().find(|(d, _)| d == name)?.1);
                }
                _ => return None,
            }
        }
        Some(n)
    }
}

/// An instance: a JSON value, or an object member's name (what `propertyNames` looks at).
#[derive(Clone, Copy)]
enum Instance<'a> {
    Value(&'a Value),
    Name(&'a str),
}

impl<'a> Instance<'a> {
    fn kind(self) -> u8 {
        match self {
            Instance::Name(_) | Instance::Value(Value::String(_)) => STRING,
            Instance::Value(Value::Object(_)) => OBJECT,
            Instance::Value(Value::Array(_)) => ARRAY,
            Instance::Value(Value::Bool(_)) => BOOLEAN,
            Instance::Value(Value::Null) => NULL,
            Instance::Value(Value::Number(n)) if n.is_i64() || n.is_u64() => INTEGER,
            Instance::Value(Value::Number(_)) => 0,
        }
    }

    fn as_str(self) -> Option<&'a str> {
        match self {
            Instance::Name(s) => Some(s),
            Instance::Value(v) => v.as_str(),
        }
    }
}

/// How deep `$ref`s and subschemas may nest on one document.
const MAX_DEPTH: u32 = 64;

impl Compact {
    /// Checks a document against the schema.
    pub(crate) fn check(&self, document: &Value) -> Verdict {
        self.eval(0, Instance::Value(document), 0)
    }

    fn eval(&self, id: usize, at: Instance<'_>, depth: u32) -> Verdict {
        let Some(n) = self.nodes.get(id).filter(|_| depth <= MAX_DEPTH) else {
            return Unsure;
        };
        let depth = depth + 1;
        if n.types.is_some_and(|t| t & at.kind() == 0) {
            // 2.0 is an integer to JSON Schema: a number written with a fraction is left to the
            // general validator.
            let fraction_form = matches!(at, Instance::Value(Value::Number(x)) if x.is_f64());
            return if fraction_form { Unsure } else { Invalid };
        }
        if (n.minimum.is_some() || n.maximum.is_some())
            && let Instance::Value(Value::Number(x)) = at
        {
            let Some(v) = x
                .as_i64()
                .map(i128::from)
                .or_else(|| x.as_u64().map(i128::from))
            else {
                return Unsure;
            };
            if n.minimum.is_some_and(|m| v < m) || n.maximum.is_some_and(|m| v > m) {
                return Invalid;
            }
        }
        if let Some(values) = &n.equals
            && !at.as_str().is_some_and(|s| values.iter().any(|v| v == s))
        {
            return Invalid;
        }
        let mut verdict = Valid;
        if let Some(s) = at.as_str()
            && (n.pattern.is_some() || n.min_length.is_some() || n.max_length.is_some())
        {
            let facts = Facts::of(s);
            if n.min_length.is_some_and(|m| facts.chars < m)
                || n.max_length.is_some_and(|m| facts.chars > m)
            {
                return Invalid;
            }
            if let Some(p) = n.pattern {
                verdict = verdict.and(p.check(s, facts));
            }
        }
        if let Instance::Value(Value::Object(o)) = at {
            verdict = verdict.and(self.object(n, o, depth));
        }
        if let Instance::Value(Value::Array(a)) = at {
            verdict = verdict.and(self.array(n, a, depth));
        }
        for &r in n.refs.iter().chain(&n.all_of) {
            if verdict == Invalid {
                return Invalid;
            }
            verdict = verdict.and(self.eval(r, at, depth));
        }
        if !n.one_of.is_empty() && verdict != Invalid {
            let (mut valid, mut unsure) = (0, 0);
            for &s in &n.one_of {
                match self.eval(s, at, depth) {
                    Valid => valid += 1,
                    Unsure => unsure += 1,
                    Invalid => {}
                }
            }
            verdict = verdict.and(match (valid, unsure) {
                (1, 0) => Valid,
                (v, _) if v >= 2 => Invalid,
                (_, 0) => Invalid,
                _ => Unsure,
            });
        }
        verdict
    }

    fn object(&self, n: &Node, o: &Map<String, Value>, depth: u32) -> Verdict {
        if n.required.iter().any(|r| o.member(r).is_none())
            || n.min_properties.is_some_and(|m| o.len() < m)
        {
            return Invalid;
        }
        let mut verdict = Valid;
        for (name, value) in o {
            if let Some(p) = n.property_names {
                verdict = verdict.and(self.eval(p, Instance::Name(name), depth));
            }
            let schema = match n.properties.iter().find(|(p, _)| p == name) {
                Some(&(_, s)) => Some(s),
                None => match n.additional {
                    Additional::Any => None,
                    Additional::Deny => return Invalid,
                    Additional::Schema(s) => Some(s),
                },
            };
            if let Some(s) = schema {
                verdict = verdict.and(self.eval(s, Instance::Value(value), depth));
            }
            if verdict == Invalid {
                return Invalid;
            }
        }
        verdict
    }

    fn array(&self, n: &Node, a: &[Value], depth: u32) -> Verdict {
        if n.min_items.is_some_and(|m| a.len() < m) || n.max_items.is_some_and(|m| a.len() > m) {
            return Invalid;
        }
        let mut verdict = Valid;
        for (&s, item) in n.prefix_items.iter().zip(a) {
            verdict = verdict.and(self.eval(s, Instance::Value(item), depth));
        }
        if let Some(s) = n.items {
            for item in a.iter().skip(n.prefix_items.len()) {
                verdict = verdict.and(self.eval(s, Instance::Value(item), depth));
            }
        }
        if let Some(s) = n.contains {
            let mut found = Invalid;
            for item in a {
                match self.eval(s, Instance::Value(item), depth) {
                    Valid => {
                        found = Valid;
                        break;
                    }
                    Unsure => found = Unsure,
                    Invalid => {}
                }
            }
            verdict = verdict.and(found);
        }
        verdict
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    use serde_json::json;

    use super::*;
    use crate::credential::CredentialBuilder;
    use crate::model::{DocumentType, sample};

    /// The verdicts must never contradict the general validator's.
    fn agrees(fast: &Compact, general: &jsonschema::Validator, doc: &Value) -> Verdict {
        let verdict = fast.check(doc);
        let valid = general.is_valid(doc);
        match verdict {
            Valid => assert!(valid, "compact says valid, jsonschema invalid: {doc}"),
            Invalid => assert!(!valid, "compact says invalid, jsonschema valid: {doc}"),
            Unsure => {}
        }
        verdict
    }

    #[test]
    fn the_bundled_schemas_compile_and_unknown_keywords_do_not() {
        for known in civitas_profile::known().all() {
            let url = &known.profile.document.schema_url;
            assert!(compile(&known.schema).is_some(), "{url}");
        }
        for schema in [
            json!({"type": "number"}),
            json!({"minimum": 1.5}),
            json!({"format": "date"}),
            json!({"const": 1}),
            json!({"$ref": "https://example.com/s.json"}),
            json!({"anyOf": [{}]}),
        ] {
            assert!(compile(&schema).is_none(), "{schema}");
        }
        // a pattern it cannot judge compiles, and leaves strings to the general validator
        let other = compile(&json!({"pattern": "^(ab)+$"})).unwrap();
        assert_eq!(other.check(&json!("abab")), Unsure);
        assert_eq!(other.check(&json!(12)), Valid);
    }

    const PATTERNS: &[&str] = &[
        r"^[A-Z]{2}$",
        r"^did:[a-z0-9]+:\S+$",
        r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$",
        r"^\S(.*\S)?$",
        r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$",
        r"^[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?$",
        r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        r"^[A-Za-z0-9-]{1,32}$",
        r"^[A-Z0-9]{6,16}$",
        r"^[A-Za-z0-9/-]{1,32}$",
        r"^[A-Z]{3}$",
        r"^[a-z.]+$",
        r"^-?[0-9]{1,15}(\.[0-9]{1,4})?$",
    ];

    /// Pieces of strings: what the patterns look for, and characters on which dialects differ.
    const PIECES: &[&str] = &[
        "a",
        "Z",
        "7",
        "0",
        "-",
        ":",
        ".",
        "+",
        "/",
        "#",
        "did:",
        "key",
        "did:key:z6Mk",
        "https:",
        "en",
        "fr-MU",
        "12",
        "2024",
        "-02-",
        ":35",
        ".5",
        " ",
        "\t",
        "\n",
        "\r",
        "\u{b}",
        "\u{c}",
        "\u{85}",
        "\u{a0}",
        "\u{1680}",
        "\u{180e}",
        "\u{2003}",
        "\u{200b}",
        "\u{2028}",
        "\u{2029}",
        "\u{202f}",
        "\u{3000}",
        "\u{feff}",
        "\u{0}",
        "\u{7f}",
        "é",
        "Ω",
        "日本",
        "देव",
        "😀",
        "Marie-Claire",
        "L0101198512345",
        "MU",
    ];

    #[test]
    fn the_patterns_agree_with_the_general_validator() {
        let mut rng = StdRng::seed_from_u64(0x0005_eed0_fc17_17a5);
        for pattern in PATTERNS {
            let schema = json!({"type": "string", "pattern": pattern});
            let fast = compile(&schema).unwrap();
            let general = jsonschema::validator_for(&schema).unwrap();
            let mut decided = 0;
            for n in 0..6_000 {
                let len = rng.gen_range(0..6);
                let s: String = (0..len)
                    .map(|_| PIECES[rng.gen_range(0..PIECES.len())])
                    .collect();
                if agrees(&fast, &general, &Value::String(s)) != Unsure {
                    decided += 1;
                }
                if n < 200 {
                    // Near misses of the pattern's own examples.
                    for example in [
                        "MU",
                        "did:key:z6Mk#1",
                        "urn:uuid:1",
                        "Anne Lebon",
                        "en-GB",
                        "14:35:00.25",
                        "2024-02-28",
                        "PW-2024",
                    ] {
                        let mut t = example.to_owned();
                        let at = rng.gen_range(0..=t.len());
                        if t.is_char_boundary(at) {
                            t.insert_str(at, PIECES[rng.gen_range(0..PIECES.len())]);
                        }
                        agrees(&fast, &general, &Value::String(t));
                        agrees(&fast, &general, &Value::String(example.to_owned()));
                    }
                }
            }
            assert!(decided > 3_000, "{pattern}: only {decided} decided");
        }
    }

    /// A credential of every known type, with its type name.
    fn credentials() -> Vec<(String, Value)> {
        let issuer = "did:key:z6MkrJcuCDcoALJYLUkXZAGbvN5dcuyN9pv6asrSQfJ4spgk";
        DocumentType::all()
            .into_iter()
            .map(|kind| {
                let vc = CredentialBuilder::new(issuer)
                    .document(&kind, sample(&kind).unwrap())
                    .build()
                    .unwrap()
                    .into_json();
                (kind.to_string(), vc)
            })
            .collect()
    }

    /// A value of another kind.
    fn replacement(rng: &mut StdRng) -> Value {
        match rng.gen_range(0..9) {
            0 => Value::Null,
            1 => json!(12),
            2 => json!(true),
            3 => json!([]),
            4 => json!({}),
            5 => json!(""),
            6 => json!(" padded "),
            7 => json!("Person"),
            _ => json!(["x"]),
        }
    }

    /// A random change somewhere in `v`.
    fn damage(v: &mut Value, rng: &mut StdRng) {
        match v {
            Value::Object(o) if !o.is_empty() => {
                let keys: Vec<String> = o.keys().cloned().collect();
                let key = &keys[rng.gen_range(0..keys.len())];
                match rng.gen_range(0..5) {
                    0 => {
                        o.remove(key);
                    }
                    1 => {
                        o.insert("unexpected".into(), json!("x"));
                    }
                    2 => {
                        let r = replacement(rng);
                        o.insert(key.clone(), r);
                    }
                    _ => {
                        if let Some(inner) = o.get_mut(key) {
                            damage(inner, rng);
                        }
                    }
                }
            }
            Value::Array(a) if !a.is_empty() => {
                let i = rng.gen_range(0..a.len());
                match rng.gen_range(0..4) {
                    0 => {
                        a.remove(i);
                    }
                    1 => {
                        let r = replacement(rng);
                        a.push(r);
                    }
                    _ => damage(&mut a[i], rng),
                }
            }
            Value::String(s) => {
                let piece = PIECES[rng.gen_range(0..PIECES.len())];
                match rng.gen_range(0..3) {
                    0 => s.push_str(piece),
                    1 => s.insert_str(0, piece),
                    _ => *s = piece.to_owned(),
                }
            }
            other => *other = replacement(rng),
        }
    }

    #[test]
    fn documents_agree_with_the_general_validator() {
        let mut rng = StdRng::seed_from_u64(0xdead_beef);
        let registry = civitas_profile::known();
        for known in registry.all() {
            let url = &known.profile.document.schema_url;
            let schema = &known.schema;
            let fast = compile(schema).unwrap();
            let general = jsonschema::validator_for(schema).unwrap();
            let mut outcomes = [0usize; 3];
            for (kind, original) in credentials() {
                // Each document is checked against every schema: the others reject it, and
                // its own schema is tried on damaged copies of it.
                let own = agrees(&fast, &general, &original);
                assert!(own == Valid || !general.is_valid(&original), "{url}");
                if kind != known.type_name() {
                    continue;
                }
                for _ in 0..3_000 {
                    let mut doc = original.clone();
                    for _ in 0..rng.gen_range(1..4) {
                        damage(&mut doc, &mut rng);
                    }
                    outcomes[agrees(&fast, &general, &doc) as usize] += 1;
                }
            }
            // Most damaged documents are decided without the general validator.
            assert!(outcomes[Unsure as usize] < 1_000, "{url}: {outcomes:?}");
        }
    }
}
