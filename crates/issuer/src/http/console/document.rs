//! A document's fields with its profile's labels, in the page's language: one row per value,
//! nested objects and list items flattened (`Mother › Given name(s)`, `Spouse 2 › Family
//! name`), enumeration codes as their labels, language maps as their texts.

use civitas_core::profile::{Kind, Label, ObjectType, Profile};
use civitas_web::{Lang, escape};
use serde_json::Value;

/// Deepest nesting shown (profiles are loaded without cycles; this keeps the walk total).
const MAX_DEPTH: usize = 16;

/// A label in `lang` (English when the profile has no text in that language).
pub(crate) fn label(label: &Label, lang: Lang) -> String {
    label
        .get(lang.code())
        .unwrap_or_else(|| label.en())
        .to_owned()
}

/// One value as text: a language map's texts joined (`John / Jean`), an amount as
/// `value currency`, any other value as written.
pub(crate) fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Object(m) if m.contains_key("value") && m.contains_key("currency") => {
            format!("{} {}", value_text(&m["value"]), value_text(&m["currency"]))
        }
        Value::Object(m) => m.values().map(value_text).collect::<Vec<_>>().join(" / "),
        Value::Array(a) => a.iter().map(value_text).collect::<Vec<_>>().join(", "),
        Value::Null => String::new(),
    }
}

/// The `(label, value)` rows of `subject`, in the profile's order.
pub(crate) fn rows(profile: &Profile, subject: &Value, lang: Lang) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk(profile, &profile.subject, subject, "", lang, &mut out, 0);
    out
}

fn walk(
    profile: &Profile,
    t: &ObjectType,
    value: &Value,
    prefix: &str,
    lang: Lang,
    out: &mut Vec<(String, String)>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for f in &t.fields {
        let Some(v) = value.get(&f.key) else {
            continue;
        };
        let name = format!("{prefix}{}", label(&f.label, lang));
        match &f.kind {
            Kind::Object { type_name, .. } => {
                if let Some(inner) = profile.types.get(type_name) {
                    walk(
                        profile,
                        inner,
                        v,
                        &format!("{name} › "),
                        lang,
                        out,
                        depth + 1,
                    );
                }
            }
            Kind::List { type_name, .. } => {
                let (Some(inner), Some(items)) = (profile.types.get(type_name), v.as_array())
                else {
                    continue;
                };
                for (i, item) in items.iter().enumerate() {
                    let at = format!("{name} {} › ", i + 1);
                    walk(profile, inner, item, &at, lang, out, depth + 1);
                }
            }
            Kind::Enum { name: e } => {
                let code = value_text(v);
                let text = profile
                    .enums
                    .get(e)
                    .and_then(|e| e.values.iter().find(|x| x.code == code))
                    .map_or(code.clone(), |x| label(&x.label, lang));
                out.push((name, text));
            }
            _ => out.push((name, value_text(v))),
        }
    }
}

/// The rows as a `<dl class="content">` (every text escaped).
pub(crate) fn definition_list(id: &str, rows: &[(String, String)]) -> String {
    let mut html = format!("<dl class=\"content\" id=\"{id}\">");
    for (label, value) in rows {
        html.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>",
            escape(label),
            escape(value)
        ));
    }
    html.push_str("</dl>");
    html
}
