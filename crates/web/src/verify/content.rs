//! What a document says, with its profile's labels in the page's language: the credential's
//! type, issuer and validity, then every field of its `credentialSubject`, nested fields
//! flattened (`Mother — Nationality`), a person first by name (`Mother: Anne Lebon`), the items
//! of a list numbered (`Witnesses 2 — Given name(s)`), a language map in the page's language
//! (else English, else its first text), an enumeration code as its label.
//!
//! Labels come from civitas-profile ([`Profile::labels`]); a field no profile names is shown
//! under its JSON member name.

use civitas_core::profile::{Kind, Labels, Profile, is_language_tag, known};
use serde_json::{Map, Value};

use crate::html::escape;
use crate::lang::Lang;

/// The deepest nesting shown.
const MAX_DEPTH: usize = 8;
/// The most rows shown for one document.
const MAX_ROWS: usize = 500;

/// One labelled value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The label (text).
    pub label: String,
    /// The value (text).
    pub value: String,
    /// The value's language when it is not the page's (a language map without the page's
    /// language).
    pub lang: Option<String>,
}

impl Row {
    fn new(label: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            value: value.into(),
            lang: None,
        }
    }
}

/// The rows of `credential` (its JSON), in `lang`; `issuer` is the issuer's name as the trust
/// list gives it, if it does.
pub fn rows(credential: &Value, issuer: Option<&str>, lang: Lang) -> Vec<Row> {
    let types: Vec<&str> = one_or_many(credential.get("type"))
        .into_iter()
        .filter_map(Value::as_str)
        .collect();
    let registry = known();
    let profile = registry
        .from_types(types.iter().copied())
        .map(|k| &k.profile);
    let mut out = Vec::new();
    let document = match profile {
        Some(p) => label_text(&p.document.label, lang),
        None => types
            .iter()
            .filter(|t| !t.starts_with("Verifiable"))
            .copied()
            .collect::<Vec<_>>()
            .join(", "),
    };
    if !document.is_empty() {
        out.push(Row::new(lang.pick("Document", "Document"), document));
    }
    if let Some(did) = issuer_id(credential) {
        let value = match issuer {
            Some(name) if name != did => format!("{name} ({did})"),
            _ => did.to_owned(),
        };
        out.push(Row::new(lang.pick("Issued by", "Délivré par"), value));
    }
    for (key, en, fr) in [
        ("validFrom", "Valid from", "Valide à partir du"),
        ("validUntil", "Valid until", "Valide jusqu'au"),
        ("id", "Document identifier", "Identifiant du document"),
    ] {
        if let Some(v) = credential.get(key).and_then(Value::as_str) {
            out.push(Row::new(lang.pick(en, fr), v));
        }
    }
    let labels = profile.map(Profile::labels).unwrap_or_default();
    let walk = Walk {
        profile,
        labels: &labels,
        lang,
    };
    for subject in one_or_many(credential.get("credentialSubject")) {
        if let Value::Object(members) = subject {
            walk.object(members, "", &[], 0, &mut out);
        }
    }
    out.truncate(MAX_ROWS);
    out
}

/// The rows as `<dt>`/`<dd>` pairs (escaped).
pub fn html(rows: &[Row]) -> String {
    let mut out = String::new();
    for row in rows {
        let lang = row
            .lang
            .as_deref()
            .map(|l| format!(" lang=\"{}\"", escape(l)))
            .unwrap_or_default();
        out.push_str(&format!(
            "<dt>{}</dt><dd{lang}>{}</dd>",
            escape(&row.label),
            escape(&row.value)
        ));
    }
    out
}

/// A JSON member that may be one value or an array of them.
fn one_or_many(value: Option<&Value>) -> Vec<&Value> {
    match value {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(v) => vec![v],
        None => Vec::new(),
    }
}

/// The issuer's id (`issuer` as text or as an object with an `id`).
fn issuer_id(credential: &Value) -> Option<&str> {
    match credential.get("issuer")? {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

/// A profile label in `lang`, else English.
fn label_text(label: &civitas_core::profile::Label, lang: Lang) -> String {
    label.get(lang.code()).unwrap_or(label.en()).to_owned()
}

/// A text or a language map in `lang` (else English, else its first text), with the language
/// it is in when that is not `lang`.
fn in_language(value: &Value, lang: Lang) -> Option<(String, Option<String>)> {
    match value {
        Value::String(s) => Some((s.clone(), None)),
        Value::Object(map) => {
            if let Some(s) = map.get(lang.code()).and_then(Value::as_str) {
                return Some((s.to_owned(), None));
            }
            map.iter()
                .find(|(k, _)| k.as_str() == "en")
                .or_else(|| map.iter().next())
                .and_then(|(k, v)| v.as_str().map(|s| (s.to_owned(), Some(k.clone()))))
        }
        _ => None,
    }
}

/// Whether `map` is a language map: every member a language tag with a text.
fn is_language_map(map: &Map<String, Value>) -> bool {
    !map.is_empty() && map.iter().all(|(k, v)| is_language_tag(k) && v.is_string())
}

/// The walk of one subject.
struct Walk<'a> {
    profile: Option<&'a Profile>,
    labels: &'a Labels,
    lang: Lang,
}

impl Walk<'_> {
    /// The label of the field at `path` (`mother.givenName`), else its member name.
    fn label(&self, path: &str, key: &str) -> String {
        self.labels
            .field(path)
            .map_or_else(|| key.to_owned(), |l| label_text(l, self.lang))
    }

    /// The kind of the field at `path`, when the profile knows it.
    fn kind(&self, path: &str) -> Option<&Kind> {
        let profile = self.profile?;
        let path = civitas_core::profile::FieldPath::parse(path)?;
        profile.resolve(&path).ok().map(|f| &f.kind)
    }

    /// The rows of an object's members; `path` is its profile path (`""` for the subject,
    /// `spouses[]` for a list's items), `above` the labels of the objects it is in.
    fn object(
        &self,
        members: &Map<String, Value>,
        path: &str,
        above: &[String],
        depth: usize,
        out: &mut Vec<Row>,
    ) {
        if depth > MAX_DEPTH || out.len() >= MAX_ROWS {
            return;
        }
        for (key, value) in members {
            if key == "type" || key.starts_with('@') {
                continue;
            }
            let field_path = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            let mut labels = above.to_vec();
            labels.push(self.label(&field_path, key));
            self.value(value, &field_path, &labels, depth, out);
        }
    }

    /// The rows of one member's value.
    fn value(
        &self,
        value: &Value,
        path: &str,
        labels: &[String],
        depth: usize,
        out: &mut Vec<Row>,
    ) {
        let label = labels.join(" — ");
        match value {
            Value::Null => {}
            Value::Bool(b) => out.push(Row::new(
                label,
                if *b {
                    self.lang.pick("yes", "oui")
                } else {
                    self.lang.pick("no", "non")
                },
            )),
            Value::Number(n) => out.push(Row::new(label, n.to_string())),
            Value::String(code) => {
                let text = self
                    .labels
                    .value(path, code)
                    .map_or_else(|| code.clone(), |l| label_text(l, self.lang));
                out.push(Row::new(label, text));
            }
            Value::Object(map) => self.member_object(map, path, labels, depth, out),
            Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
                let texts: Vec<String> = items
                    .iter()
                    .filter_map(|i| match i {
                        Value::String(s) => Some(
                            self.labels
                                .value(path, s)
                                .map_or_else(|| s.clone(), |l| label_text(l, self.lang)),
                        ),
                        Value::Number(n) => Some(n.to_string()),
                        Value::Bool(b) => Some(b.to_string()),
                        _ => None,
                    })
                    .collect();
                if !texts.is_empty() {
                    out.push(Row::new(label, texts.join(", ")));
                }
            }
            Value::Array(items) => {
                let item_path = format!("{path}[]");
                let numbered = items.len() > 1;
                for (i, item) in items.iter().enumerate() {
                    let mut item_labels = labels.to_vec();
                    if numbered && let Some(last) = item_labels.last_mut() {
                        last.push_str(&format!(" {}", i + 1));
                    }
                    self.value(item, &item_path, &item_labels, depth + 1, out);
                }
            }
        }
    }

    /// The rows of an object member: a language map or an amount on one row; a person by
    /// name, then its other members; any other object member by member.
    fn member_object(
        &self,
        map: &Map<String, Value>,
        path: &str,
        labels: &[String],
        depth: usize,
        out: &mut Vec<Row>,
    ) {
        let label = labels.join(" — ");
        let kind = self.kind(path);
        if matches!(kind, Some(Kind::LanguageMap)) || (kind.is_none() && is_language_map(map)) {
            if let Some((text, lang)) = in_language(&Value::Object(map.clone()), self.lang) {
                out.push(Row {
                    label,
                    value: text,
                    lang,
                });
            }
            return;
        }
        if matches!(kind, Some(Kind::Amount)) {
            let part = |k: &str| map.get(k).and_then(Value::as_str).unwrap_or("?");
            out.push(Row::new(
                label,
                format!("{} {}", part("value"), part("currency")),
            ));
            return;
        }
        let name = |k: &str| {
            map.get(k)
                .and_then(|v| in_language(v, self.lang))
                .map(|t| t.0)
        };
        let full_name = match (name("givenName"), name("familyName")) {
            (Some(g), Some(f)) => Some(format!("{g} {f}")),
            (Some(n), None) | (None, Some(n)) => Some(n),
            (None, None) => None,
        };
        match full_name {
            Some(full) => {
                out.push(Row::new(label, full));
                let rest: Map<String, Value> = map
                    .iter()
                    .filter(|(k, _)| !matches!(k.as_str(), "givenName" | "familyName"))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                self.object(&rest, path, labels, depth + 1, out);
            }
            None => self.object(map, path, labels, depth + 1, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn birth() -> Value {
        json!({
            "type": ["VerifiableCredential", "BirthCertificate"],
            "issuer": "did:web:registry.example",
            "validFrom": "2025-06-01T10:00:00Z",
            "credentialSubject": {
                "type": "Person",
                "givenName": "Marie-Claire",
                "familyName": "Lebon",
                "sex": "F",
                "birthPlace": {"type": "Place", "addressLocality": "Candos", "addressCountry": "MU"},
                "father": {"type": "Person", "givenName": {"en": "John", "fr": "Jean"},
                           "familyName": "Lebon", "nationality": "MU"}
            }
        })
    }

    fn find<'a>(rows: &'a [Row], label: &str) -> Option<&'a str> {
        rows.iter()
            .find(|r| r.label == label)
            .map(|r| r.value.as_str())
    }

    #[test]
    fn fields_are_shown_with_their_labels_in_the_page_language() {
        let en = rows(&birth(), Some("Rose Hill office"), Lang::En);
        assert_eq!(find(&en, "Document"), Some("Birth Certificate"));
        assert_eq!(
            find(&en, "Issued by"),
            Some("Rose Hill office (did:web:registry.example)")
        );
        assert_eq!(find(&en, "Sex"), Some("Female"));
        assert_eq!(find(&en, "Place of birth — Locality"), Some("Candos"));
        assert_eq!(find(&en, "Father"), Some("John Lebon"));
        assert_eq!(find(&en, "Father — Nationality"), Some("MU"));
        let fr = rows(&birth(), None, Lang::Fr);
        assert_eq!(find(&fr, "Document"), Some("Acte de naissance"));
        assert_eq!(find(&fr, "Sexe"), Some("Féminin"));
        assert_eq!(find(&fr, "Père"), Some("Jean Lebon"));
        assert_eq!(find(&fr, "Prénom(s)"), Some("Marie-Claire"));
    }

    #[test]
    fn unknown_documents_show_their_member_names_and_lists_are_numbered() {
        let credential = json!({
            "type": ["VerifiableCredential", "Membership"],
            "credentialSubject": {"members": [{"givenName": "A"}, {"givenName": "B"}],
                                  "tags": ["x", "y"], "motto": {"en": "Hi", "de": "Hallo"}}
        });
        let fr = rows(&credential, None, Lang::Fr);
        assert_eq!(find(&fr, "Document"), Some("Membership"));
        assert_eq!(find(&fr, "members 2"), Some("B"));
        assert_eq!(find(&fr, "tags"), Some("x, y"));
        let motto = fr.iter().find(|r| r.label == "motto");
        assert_eq!(
            motto.map(|r| (r.value.as_str(), r.lang.as_deref())),
            Some(("Hi", Some("en")))
        );
        assert!(html(&fr).contains("<dd lang=\"en\">Hi</dd>"));
    }
}
