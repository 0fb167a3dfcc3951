//! The form generated from a document profile: its tree of inputs and fieldsets ([`Layout`]),
//! the subject read back from what was typed, where each error is shown ([`placed`]), and the
//! inputs written with what was typed and their errors ([`Render`]).
//!
//! An input's id and name is its field's JSON pointer with `-` for `/`
//! (`birthPlace-addressLocality`, `spouses-0-givenName`), so that an error's pointer names its
//! input; a language map's French text is `<id>-fr`, an amount's parts `<id>-value` and
//! `<id>-currency`.

use std::collections::BTreeMap;

use civitas_core::profile::{Field, Kind, ObjectType, Profile};
use civitas_web::{Lang, escape};
use serde_json::{Map, Value};

use super::document::label;
use super::form::{Fields, Input, error_text, select};

/// Deepest nesting of objects in a form.
const MAX_DEPTH: usize = 8;
/// The id of the source record id input.
pub(crate) const SOURCE: &str = "sourceRecordId";

/// One error of the form: the id of the input (or fieldset) it belongs to (empty: the form as
/// a whole) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldError {
    pub(crate) id: String,
    pub(crate) message: String,
}

impl FieldError {
    /// An error of input `id`.
    pub(crate) fn at(id: &str, message: &str) -> Self {
        Self {
            id: id.to_owned(),
            message: message.to_owned(),
        }
    }

    /// An error at a JSON pointer inside the subject (`/birthPlace/addressLocality`).
    pub(crate) fn pointer(pointer: &str, message: &str) -> Self {
        Self::at(&pointer.trim_start_matches('/').replace('/', "-"), message)
    }
}

/// What an input takes.
#[derive(Debug, Clone)]
pub(crate) enum Entry {
    /// One text input of this HTML type, with a hint.
    Text {
        html_type: &'static str,
        hint: Option<String>,
        extra: &'static str,
    },
    /// A text, and its French text when different (a language map).
    LanguageMap,
    /// One of these codes (with their labels).
    Choice(Vec<(String, String)>),
    /// A whole number.
    Integer,
    /// A time (`14:35:00`).
    Time,
    /// A decimal amount and its currency.
    Amount,
}

/// One element of a generated form.
#[derive(Debug, Clone)]
pub(crate) enum Item {
    /// An input (or a pair of inputs) for one member.
    Input {
        key: String,
        id: String,
        label: String,
        entry: Entry,
        required: bool,
    },
    /// A fieldset for an object member (a person, a place), or one item of a list.
    Group {
        key: String,
        id: String,
        legend: String,
        items: Vec<Item>,
    },
    /// A list member: a fieldset holding one group per item.
    List {
        key: String,
        id: String,
        legend: String,
        items: Vec<Item>,
    },
}

/// The form of a profile.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// The subject's items, in the profile's order.
    pub(crate) items: Vec<Item>,
}

/// The id of member `key` under `prefix`.
fn child_id(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}-{key}")
    }
}

impl Layout {
    /// The form of `profile`'s subject, labelled in `lang`.
    pub(crate) fn of(profile: &Profile, lang: Lang) -> Self {
        Self {
            items: items(profile, &profile.subject, "", true, lang, 0),
        }
    }

    /// Every id the form has (inputs and fieldsets), with its label.
    pub(crate) fn ids(&self) -> Vec<(String, String)> {
        fn walk(items: &[Item], out: &mut Vec<(String, String)>) {
            for item in items {
                match item {
                    Item::Input {
                        id, label, entry, ..
                    } => {
                        out.push((id.clone(), label.clone()));
                        match entry {
                            Entry::LanguageMap => out.push((format!("{id}-fr"), label.clone())),
                            Entry::Amount => {
                                out.push((format!("{id}-value"), label.clone()));
                                out.push((format!("{id}-currency"), label.clone()));
                            }
                            _ => {}
                        }
                    }
                    Item::Group {
                        id, legend, items, ..
                    }
                    | Item::List {
                        id, legend, items, ..
                    } => {
                        out.push((id.clone(), legend.clone()));
                        walk(items, out);
                    }
                }
            }
        }
        let mut out = vec![(SOURCE.to_owned(), String::new())];
        walk(&self.items, &mut out);
        out
    }

    /// The subject typed in `fields`, and the inputs that could not be read.
    pub(crate) fn subject(&self, fields: &Fields, lang: Lang) -> (Value, Vec<FieldError>) {
        let mut errors = Vec::new();
        let subject = object(&self.items, fields, lang, &mut errors)
            .unwrap_or_else(|| Value::Object(Map::new()));
        (subject, errors)
    }
}

/// The items of object type `t` under id `prefix`; `required`: the object itself must be there.
fn items(
    profile: &Profile,
    t: &ObjectType,
    prefix: &str,
    required: bool,
    lang: Lang,
    depth: usize,
) -> Vec<Item> {
    if depth > MAX_DEPTH {
        return Vec::new();
    }
    let mut out = Vec::new();
    for f in &t.fields {
        if let Some(item) = item(profile, f, prefix, required, lang, depth) {
            out.push(item);
        }
    }
    out
}

fn item(
    profile: &Profile,
    f: &Field,
    prefix: &str,
    parent_required: bool,
    lang: Lang,
    depth: usize,
) -> Option<Item> {
    let id = child_id(prefix, &f.key);
    let label = label(&f.label, lang);
    let required = parent_required && f.required;
    let text = |html_type, hint: Option<&str>, extra| Entry::Text {
        html_type,
        hint: hint.map(str::to_owned),
        extra,
    };
    let entry = match &f.kind {
        // the holder's DID is bound later (an offer to a wallet), unless the profile needs it
        Kind::Did if !f.required => return None,
        Kind::Did => text("text", Some("did:…"), " spellcheck=\"false\""),
        Kind::Text { .. } | Kind::Identifier { .. } => text("text", None, ""),
        Kind::LanguageMap => Entry::LanguageMap,
        Kind::Date => text("date", Some(lang.pick("YYYY-MM-DD", "AAAA-MM-JJ")), ""),
        Kind::Time => Entry::Time,
        Kind::DateTime => text(
            "text",
            Some(lang.pick(
                "Date and time with its time zone: 2026-01-15T09:00:00Z",
                "Date et heure avec son fuseau : 2026-01-15T09:00:00Z",
            )),
            "",
        ),
        Kind::Country => text(
            "text",
            Some(lang.pick(
                "Two-letter country code (ISO 3166): MU, FR…",
                "Code de pays à deux lettres (ISO 3166) : MU, FR…",
            )),
            " maxlength=\"2\" autocapitalize=\"characters\"",
        ),
        Kind::Integer { .. } => Entry::Integer,
        Kind::Amount => Entry::Amount,
        Kind::Enum { name } => Entry::Choice(
            profile
                .enums
                .get(name)
                .map(|e| {
                    e.values
                        .iter()
                        .map(|v| (v.code.clone(), super::document::label(&v.label, lang)))
                        .collect()
                })
                .unwrap_or_default(),
        ),
        Kind::Object { type_name, .. } => {
            let t = profile.types.get(type_name)?;
            return Some(Item::Group {
                key: f.key.clone(),
                legend: label,
                items: items(profile, t, &id, required, lang, depth + 1),
                id,
            });
        }
        Kind::List {
            type_name,
            min,
            max,
            ..
        } => {
            let t = profile.types.get(type_name)?;
            let shown = usize::try_from(*min).unwrap_or(1).max(1);
            let more = max.is_none_or(|m| usize::try_from(m).unwrap_or(usize::MAX) > shown);
            let count = (shown + usize::from(more)).min(10);
            let groups = (0..count)
                .map(|i| {
                    let item_id = format!("{id}-{i}");
                    let item_required = required && u64::try_from(i).is_ok_and(|i| i < *min);
                    Item::Group {
                        key: i.to_string(),
                        legend: format!("{label} {}", i + 1),
                        items: items(profile, t, &item_id, item_required, lang, depth + 1),
                        id: item_id,
                    }
                })
                .collect();
            return Some(Item::List {
                key: f.key.clone(),
                legend: label,
                items: groups,
                id,
            });
        }
    };
    Some(Item::Input {
        key: f.key.clone(),
        id,
        label,
        entry,
        required,
    })
}

/// The object of `items` in `fields`; `None` when nothing was typed in it.
fn object(
    items: &[Item],
    fields: &Fields,
    lang: Lang,
    errors: &mut Vec<FieldError>,
) -> Option<Value> {
    let mut map = Map::new();
    for item in items {
        let (key, value) = match item {
            Item::Input { key, id, entry, .. } => {
                (key, input_value(id, entry, fields, lang, errors))
            }
            Item::Group { key, items, .. } => (key, object(items, fields, lang, errors)),
            Item::List { key, items, .. } => {
                let values: Vec<Value> = items
                    .iter()
                    .filter_map(|i| match i {
                        Item::Group { items, .. } => object(items, fields, lang, errors),
                        _ => None,
                    })
                    .collect();
                (key, (!values.is_empty()).then_some(Value::Array(values)))
            }
        };
        if let Some(v) = value {
            map.insert(key.clone(), v);
        }
    }
    (!map.is_empty()).then_some(Value::Object(map))
}

/// The value typed in input `id`; `None` when it is empty.
fn input_value(
    id: &str,
    entry: &Entry,
    fields: &Fields,
    lang: Lang,
    errors: &mut Vec<FieldError>,
) -> Option<Value> {
    let text = |id: &str| fields.text(id).map(str::to_owned);
    match entry {
        Entry::Text { .. } | Entry::Choice(_) => text(id).map(Value::String),
        Entry::LanguageMap => {
            let main = text(id);
            match (main, text(&format!("{id}-fr"))) {
                (Some(m), Some(fr)) if m != fr => {
                    let mut map = Map::new();
                    map.insert("en".into(), Value::String(m));
                    map.insert("fr".into(), Value::String(fr));
                    Some(Value::Object(map))
                }
                (Some(m), _) => Some(Value::String(m)),
                (None, Some(fr)) => {
                    let mut map = Map::new();
                    map.insert("fr".into(), Value::String(fr));
                    Some(Value::Object(map))
                }
                (None, None) => None,
            }
        }
        Entry::Time => text(id).map(|t| {
            // a time input without seconds sends `14:35`
            Value::String(if t.len() == 5 { format!("{t}:00") } else { t })
        }),
        Entry::Integer => {
            let t = text(id)?;
            match t.parse::<i64>() {
                Ok(n) => Some(Value::from(n)),
                Err(_) => {
                    errors.push(FieldError::at(
                        id,
                        lang.pick("Write a whole number.", "Écrivez un nombre entier."),
                    ));
                    None
                }
            }
        }
        Entry::Amount => {
            let (value, currency) = (
                text(&format!("{id}-value")),
                text(&format!("{id}-currency")),
            );
            if value.is_none() && currency.is_none() {
                return None;
            }
            let mut map = Map::new();
            map.insert("value".into(), Value::String(value.unwrap_or_default()));
            map.insert(
                "currency".into(),
                Value::String(currency.unwrap_or_default()),
            );
            Some(Value::Object(map))
        }
    }
}

/// The errors by the id they are shown at: an error's id, or the nearest enclosing one the form
/// has (`spouses-0-givenName-fr` → `spouses-0-givenName`); empty when none (the summary only).
pub(crate) fn placed(errors: &[FieldError], ids: &[(String, String)]) -> Vec<FieldError> {
    errors
        .iter()
        .map(|e| {
            let mut id = e.id.as_str();
            loop {
                if ids.iter().any(|(i, _)| i == id) {
                    break;
                }
                match id.rsplit_once('-') {
                    Some((head, _)) => id = head,
                    None => {
                        id = "";
                        break;
                    }
                }
            }
            FieldError::at(id, &e.message)
        })
        .collect()
}

/// The rendering state: what was typed and the errors by id.
pub(crate) struct Render<'a> {
    /// What was typed.
    pub(crate) fields: &'a Fields,
    /// The errors by the id they are shown at.
    pub(crate) errors: BTreeMap<&'a str, String>,
    /// The page's language.
    pub(crate) lang: Lang,
}

impl Render<'_> {
    pub(crate) fn error(&self, id: &str) -> Option<&str> {
        self.errors.get(id).map(String::as_str)
    }

    fn value(&self, id: &str) -> &str {
        self.fields.get(id).unwrap_or_default()
    }

    pub(crate) fn items(&self, items: &[Item]) -> String {
        items.iter().map(|i| self.item(i)).collect()
    }

    fn fieldset(&self, id: &str, legend: &str, inner: &str) -> String {
        let id = escape(id);
        let described = if self.error(&id).is_some() {
            format!(" aria-describedby=\"error-{id}\"")
        } else {
            String::new()
        };
        format!(
            "<fieldset id=\"{id}\"{described}><legend>{}</legend>{}{inner}</fieldset>",
            escape(legend),
            error_text(&id, self.error(&id)),
        )
    }

    fn item(&self, item: &Item) -> String {
        let l = self.lang;
        match item {
            Item::Group {
                id, legend, items, ..
            }
            | Item::List {
                id, legend, items, ..
            } => self.fieldset(id, legend, &self.items(items)),
            Item::Input {
                id,
                label,
                entry,
                required,
                ..
            } => match entry {
                Entry::Text {
                    html_type,
                    hint,
                    extra,
                } => Input {
                    id,
                    label,
                    kind: html_type,
                    value: self.value(id),
                    required: *required,
                    hint: hint.as_deref(),
                    error: self.error(id),
                    extra,
                }
                .html(),
                Entry::Time => Input {
                    id,
                    label,
                    kind: "time",
                    value: self.value(id),
                    required: *required,
                    hint: Some(l.pick("HH:MM:SS", "HH:MM:SS")),
                    error: self.error(id),
                    extra: " step=\"1\"",
                }
                .html(),
                Entry::Integer => Input {
                    id,
                    label,
                    kind: "text",
                    value: self.value(id),
                    required: *required,
                    error: self.error(id),
                    extra: " inputmode=\"numeric\"",
                    ..Input::default()
                }
                .html(),
                Entry::Choice(options) => select(
                    id,
                    label,
                    options,
                    self.value(id),
                    *required,
                    self.error(id),
                    l.pick("— choose —", "— choisir —"),
                ),
                Entry::LanguageMap => {
                    let fr = format!("{id}-fr");
                    let fr_label = format!(
                        "{label} {}",
                        l.pick("— in French, if different", "— en français, si différent")
                    );
                    format!(
                        "{}{}",
                        Input {
                            id,
                            label,
                            kind: "text",
                            value: self.value(id),
                            required: *required,
                            error: self.error(id),
                            ..Input::default()
                        }
                        .html(),
                        Input {
                            id: &fr,
                            label: &fr_label,
                            kind: "text",
                            value: self.value(&fr),
                            error: self.error(&fr),
                            extra: " lang=\"fr\"",
                            ..Input::default()
                        }
                        .html()
                    )
                }
                Entry::Amount => {
                    let (v, c) = (format!("{id}-value"), format!("{id}-currency"));
                    let inner = format!(
                        "{}{}",
                        Input {
                            id: &v,
                            label: l.pick("Amount", "Montant"),
                            kind: "text",
                            value: self.value(&v),
                            required: *required,
                            hint: Some(l.pick("1234.50", "1234.50")),
                            error: self.error(&v),
                            extra: " inputmode=\"decimal\"",
                        }
                        .html(),
                        Input {
                            id: &c,
                            label: l.pick("Currency", "Devise"),
                            kind: "text",
                            value: self.value(&c),
                            required: *required,
                            hint: Some(l.pick("MUR, EUR…", "MUR, EUR…")),
                            error: self.error(&c),
                            extra: " maxlength=\"3\"",
                        }
                        .html()
                    );
                    self.fieldset(id, label, &inner)
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use civitas_core::model::DocumentType;

    #[test]
    fn an_error_is_placed_at_its_input_or_the_nearest_enclosing_one() {
        let ids = vec![
            ("givenName".to_owned(), "Given".to_owned()),
            ("spouses".to_owned(), "Spouses".to_owned()),
            ("spouses-0".to_owned(), "Spouse 1".to_owned()),
            ("spouses-0-givenName".to_owned(), "Given".to_owned()),
        ];
        let errors = [
            FieldError::pointer("/givenName", "a"),
            FieldError::pointer("/spouses/0/givenName/fr", "b"),
            FieldError::pointer("/spouses/0/unknown", "c"),
            FieldError::pointer("", "d"),
        ];
        let placed: Vec<String> = placed(&errors, &ids).into_iter().map(|e| e.id).collect();
        assert_eq!(
            placed,
            ["givenName", "spouses-0-givenName", "spouses-0", ""]
        );
    }

    #[test]
    fn a_birth_form_builds_the_subject_it_shows() {
        let known = DocumentType::named("birth")
            .ok()
            .and_then(|k| k.profile())
            .unwrap_or_else(|| panic!("the birth profile"));
        let layout = Layout::of(&known.profile, Lang::En);
        let fields = Fields::from_pairs(&[
            ("givenName", "John"),
            ("givenName-fr", "Jean"),
            ("birthTime", "09:15"),
            ("birthPlace-addressLocality", "Candos"),
            ("father-givenName", "  "),
        ]);
        let (subject, errors) = layout.subject(&fields, Lang::En);
        assert!(errors.is_empty());
        assert_eq!(
            subject,
            serde_json::json!({"givenName": {"en": "John", "fr": "Jean"}, "birthTime": "09:15:00",
                               "birthPlace": {"addressLocality": "Candos"}})
        );
    }
}
