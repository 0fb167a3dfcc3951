//! The JSON Schema (draft 2020-12) of a profile's credentials, in the form of civitas' bundled
//! schemas (SPEC.md §4): the whole credential without its proof, its `credentialSubject`
//! exactly (no unknown members).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::format::{Kind, ObjectType, Profile};

/// `^\S(.*\S)?$`: no leading or trailing space (SPEC.md §2.4).
pub const TEXT_PATTERN: &str = r"^\S(.*\S)?$";
/// A BCP 47 language tag as a language map key.
pub const LANGUAGE_TAG_PATTERN: &str = "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$";
/// `xsd:date` as text.
pub const DATE_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
/// `xsd:time` as text.
pub const TIME_PATTERN: &str = r"^[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?$";
/// A date-time with a time zone.
pub const DATE_TIME_PATTERN: &str =
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$";
/// ISO 3166-1 alpha-2.
pub const COUNTRY_PATTERN: &str = "^[A-Z]{2}$";
/// A DID.
pub const DID_PATTERN: &str = r"^did:[a-z0-9]+:\S+$";
/// Longest DID, in characters.
pub const DID_MAX_LENGTH: u64 = 512;
/// A decimal amount: up to 15 digits, up to 4 decimals.
pub const DECIMAL_PATTERN: &str = r"^-?[0-9]{1,15}(\.[0-9]{1,4})?$";
/// ISO 4217 currency code.
pub const CURRENCY_PATTERN: &str = "^[A-Z]{3}$";
/// A URL (`scheme:rest`), as the bundled schemas write it.
const URL_PATTERN: &str = r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$";

const SCALAR_DEFS: [&str; 9] = [
    "text",
    "localizedText",
    "date",
    "time",
    "dateTime",
    "country",
    "did",
    "amount",
    "schemaRef",
];

/// The `$defs` name of an enumeration or object type (prefixed when it would clash).
fn def_name(profile: &Profile, name: &str, is_enum: bool) -> String {
    let clashes = SCALAR_DEFS.contains(&name) || (is_enum && profile.types.contains_key(name));
    match (clashes, is_enum) {
        (false, _) => name.to_owned(),
        (true, true) => format!("enum_{name}"),
        (true, false) => format!("type_{name}"),
    }
}

fn reference(def: &str) -> Value {
    json!({ "$ref": format!("#/$defs/{def}") })
}

struct Builder<'p> {
    profile: &'p Profile,
    used: BTreeSet<&'static str>,
    enums: BTreeSet<String>,
    /// Identifier patterns by field key, written once in `$defs` under the key's name
    /// (`nationalId`) when every field of that key has the same pattern.
    identifiers: BTreeMap<String, String>,
}

impl Builder<'_> {
    fn kind(&mut self, kind: &Kind, key: &str) -> Value {
        let mut scalar = |name: &'static str| {
            self.used.insert(name);
            reference(name)
        };
        match kind {
            Kind::Text {
                min_length: 1,
                max_length: crate::load::DEFAULT_MAX_TEXT,
            } => scalar("text"),
            Kind::Text {
                min_length,
                max_length,
            } => json!({
                "type": "string",
                "minLength": min_length,
                "maxLength": max_length,
                "pattern": TEXT_PATTERN,
            }),
            Kind::LanguageMap => {
                scalar("text");
                scalar("localizedText")
            }
            Kind::Date => scalar("date"),
            Kind::Time => scalar("time"),
            Kind::DateTime => scalar("dateTime"),
            Kind::Country => scalar("country"),
            Kind::Did => scalar("did"),
            Kind::Amount => scalar("amount"),
            Kind::Enum { name } => {
                self.enums.insert(name.clone());
                reference(&def_name(self.profile, name, true))
            }
            Kind::Integer { min, max } => {
                let mut s = Map::new();
                s.insert("type".into(), json!("integer"));
                if let Some(m) = min {
                    s.insert("minimum".into(), json!(m));
                }
                if let Some(m) = max {
                    s.insert("maximum".into(), json!(m));
                }
                Value::Object(s)
            }
            Kind::Identifier { pattern } => {
                let shared = self.profile.field_paths().iter().all(|(_, f)| {
                    f.key != key
                        || matches!(&f.kind, Kind::Identifier { pattern: p } if p == pattern)
                });
                let clashes = SCALAR_DEFS.contains(&key)
                    || self.profile.types.contains_key(key)
                    || self.profile.enums.contains_key(key);
                if shared && !clashes {
                    self.identifiers
                        .insert(key.to_owned(), pattern.source.clone());
                    reference(key)
                } else {
                    json!({ "type": "string", "pattern": pattern.source })
                }
            }
            Kind::Object { type_name, .. } => reference(&def_name(self.profile, type_name, false)),
            Kind::List {
                type_name,
                min,
                max,
                ..
            } => {
                let mut s = Map::new();
                s.insert("type".into(), json!("array"));
                if *min > 0 {
                    s.insert("minItems".into(), json!(min));
                }
                if let Some(m) = max {
                    s.insert("maxItems".into(), json!(m));
                }
                s.insert(
                    "items".into(),
                    reference(&def_name(self.profile, type_name, false)),
                );
                Value::Object(s)
            }
        }
    }

    fn object(&mut self, t: &ObjectType) -> Value {
        let mut required = Vec::new();
        let mut properties = Map::new();
        if let Some(class) = &t.class {
            required.push(json!("type"));
            properties.insert("type".into(), json!({ "const": class }));
        }
        for f in &t.fields {
            if f.required {
                required.push(json!(f.key));
            }
            properties.insert(f.key.clone(), self.kind(&f.kind, &f.key));
        }
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": required,
            "properties": properties,
        })
    }
}

impl Profile {
    /// The JSON Schema of a credential of this type (draft 2020-12, `$id` = the profile's
    /// schema URL).
    pub fn json_schema(&self) -> Value {
        let mut b = Builder {
            profile: self,
            used: BTreeSet::new(),
            enums: BTreeSet::new(),
            identifiers: BTreeMap::new(),
        };
        let subject = b.object(&self.subject);
        let mut defs = Map::new();
        for (name, t) in &self.types {
            let schema = b.object(t);
            defs.insert(def_name(self, name, false), schema);
        }
        for (key, pattern) in &b.identifiers {
            defs.insert(key.clone(), json!({ "type": "string", "pattern": pattern }));
        }
        for name in b.enums.clone() {
            if let Some(e) = self.enums.get(&name) {
                let codes: Vec<Value> = e.values.iter().map(|v| json!(v.code)).collect();
                defs.insert(def_name(self, &name, true), json!({ "enum": codes }));
            }
        }
        for name in b.used.clone() {
            let schema = match name {
                "text" => json!({
                    "type": "string",
                    "minLength": 1,
                    "maxLength": crate::load::DEFAULT_MAX_TEXT,
                    "pattern": TEXT_PATTERN,
                }),
                "localizedText" => json!({
                    "oneOf": [
                        reference("text"),
                        {
                            "type": "object",
                            "minProperties": 1,
                            "propertyNames": { "pattern": LANGUAGE_TAG_PATTERN },
                            "additionalProperties": reference("text"),
                        }
                    ]
                }),
                "date" => json!({ "type": "string", "pattern": DATE_PATTERN }),
                "time" => json!({ "type": "string", "pattern": TIME_PATTERN }),
                "dateTime" => json!({ "type": "string", "pattern": DATE_TIME_PATTERN }),
                "country" => json!({ "type": "string", "pattern": COUNTRY_PATTERN }),
                "did" => {
                    json!({ "type": "string", "pattern": DID_PATTERN, "maxLength": DID_MAX_LENGTH })
                }
                _ => json!({
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["value", "currency"],
                    "properties": {
                        "value": { "type": "string", "pattern": DECIMAL_PATTERN },
                        "currency": { "type": "string", "pattern": CURRENCY_PATTERN },
                    }
                }),
            };
            defs.insert(name.to_owned(), schema);
        }
        defs.insert(
            "schemaRef".into(),
            json!({
                "type": "object",
                "required": ["id", "type"],
                "properties": {
                    "id": { "const": self.document.schema_url },
                    "type": { "const": "JsonSchema" },
                }
            }),
        );
        let url = json!({ "type": "string", "pattern": URL_PATTERN });
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": self.document.schema_url,
            "title": format!("civitas {}", self.document.label.en()),
            "description": format!(
                "A civitas {} credential (VC Data Model 2.0 or 1.1), without its proof. See SPEC.md. A VC 2.0 credential names this schema in credentialSchema; a VC 1.1 one may omit it.",
                self.document.type_name
            ),
            "type": "object",
            "required": ["@context", "type", "issuer", "credentialSubject"],
            "properties": {
                "@context": {
                    "type": "array",
                    "minItems": 2,
                    "prefixItems": [{
                        "enum": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/2018/credentials/v1"]
                    }],
                    "contains": { "const": self.document.context_url },
                },
                "id": url,
                "type": {
                    "type": "array",
                    "allOf": [
                        { "contains": { "const": "VerifiableCredential" } },
                        { "contains": { "const": self.document.type_name } },
                    ]
                },
                "issuer": {
                    "oneOf": [url, { "type": "object", "required": ["id"] }]
                },
                "credentialSchema": {
                    "oneOf": [
                        reference("schemaRef"),
                        { "type": "array", "contains": reference("schemaRef") },
                    ]
                },
                "credentialSubject": subject,
            },
            "$defs": defs,
        })
    }
}
