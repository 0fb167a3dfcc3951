//! A credential's one-line summary, from its profile's template (`[certificate] summary`):
//! `Birth certificate of Marie-Claire Lebon, born 2024-02-28`.
//!
//! A template is text with `{path}` placeholders naming fields (`{birthDate}`,
//! `{spouses}`); `{{` and `}}` are literal braces. A value is written in the summary's language:
//! a language map in that language (else English, else its first text), an enumeration code as
//! its label, a person or an object with names as `given family`, an amount as `value currency`;
//! the values of a list, or of a path through a list, are joined with `and` (`et`). A missing
//! value is written `?`.

use serde_json::Value;

use crate::format::{Field, Kind, Profile};
use crate::path::{FieldPath, instances};

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Literal text.
    Text(String),
    /// A field's value(s).
    Field(FieldPath),
}

/// Splits a template into pieces; the error says what is wrong at which byte.
pub(crate) fn parse(template: &str) -> Result<Vec<Piece>, String> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut chars = template.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|p| p.1) == Some('{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek().map(|p| p.1) == Some('}') => {
                chars.next();
                text.push('}');
            }
            '{' => {
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some((_, '}')) => break,
                        Some((_, ch)) if name.len() < 200 => name.push(ch),
                        Some(_) => return Err(format!("the placeholder at byte {i} is too long")),
                        None => return Err(format!("the placeholder at byte {i} is not closed")),
                    }
                }
                let path = FieldPath::parse(name.trim())
                    .ok_or_else(|| format!("`{{{name}}}` (byte {i}) is not a field path"))?;
                if !text.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut text)));
                }
                out.push(Piece::Field(path));
            }
            '}' => return Err(format!("a lone `}}` at byte {i} (write `}}}}`)")),
            c => text.push(c),
        }
    }
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
    Ok(out)
}

impl Profile {
    /// The one-line summary of `subject` in `language` (`en`, `fr`; English for any other).
    /// It only describes: it checks nothing and never fails.
    pub fn summary(&self, subject: &Value, language: &str) -> String {
        let language = if language == "fr" { "fr" } else { "en" };
        let pieces = self
            .certificate
            .summary_pieces
            .iter()
            .find(|(l, _)| l == language)
            .or_else(|| {
                self.certificate
                    .summary_pieces
                    .iter()
                    .find(|(l, _)| l == "en")
            });
        let Some((_, pieces)) = pieces else {
            let label = &self.document.label;
            return label.get(language).unwrap_or(label.en()).to_owned();
        };
        let mut out = String::new();
        for piece in pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Field(path) => {
                    let field = self.resolve(path).ok();
                    let values: Vec<String> = instances(subject, path)
                        .into_iter()
                        .flat_map(|i| self.each_value(i.value, field, language))
                        .filter(|v| !v.is_empty())
                        .collect();
                    if values.is_empty() {
                        out.push('?');
                    } else {
                        let and = if language == "fr" { " et " } else { " and " };
                        out.push_str(&values.join(and));
                    }
                }
            }
        }
        out
    }

    fn each_value(&self, value: &Value, field: Option<&Field>, language: &str) -> Vec<String> {
        match (value, field.map(|f| &f.kind)) {
            (Value::Array(items), _) => items
                .iter()
                .map(|v| self.one_value(v, field, language))
                .collect(),
            _ => vec![self.one_value(value, field, language)],
        }
    }

    fn one_value(&self, value: &Value, field: Option<&Field>, language: &str) -> String {
        match (value, field.map(|f| &f.kind)) {
            (Value::String(code), Some(Kind::Enum { name })) => self
                .enums
                .get(name)
                .and_then(|e| e.values.iter().find(|v| v.code == *code))
                .and_then(|v| v.label.get(language))
                .map_or_else(|| code.clone(), str::to_owned),
            (Value::String(s), _) => s.clone(),
            (Value::Number(n), _) => n.to_string(),
            (Value::Bool(b), _) => b.to_string(),
            (Value::Object(o), Some(Kind::Amount)) => {
                let part = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("?");
                format!("{} {}", part("value"), part("currency"))
            }
            (Value::Object(o), Some(Kind::LanguageMap) | None)
                if !o.contains_key("givenName") && !o.contains_key("name") =>
            {
                in_language(value, language)
            }
            (Value::Object(o), _) => {
                let given = o.get("givenName").map(|v| in_language(v, language));
                let family = o.get("familyName").map(|v| in_language(v, language));
                match (given, family) {
                    (Some(g), Some(f)) => format!("{g} {f}"),
                    (Some(n), None) | (None, Some(n)) => n,
                    (None, None) => o
                        .get("name")
                        .map(|v| in_language(v, language))
                        .unwrap_or_default(),
                }
            }
            _ => String::new(),
        }
    }
}

/// A text or a language map, in `language`, else English, else its first text.
fn in_language(value: &Value, language: &str) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Object(map) => map
            .get(language)
            .or_else(|| map.get("en"))
            .or_else(|| map.values().next())
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_parse_with_escaped_braces_and_refuse_broken_placeholders() {
        assert_eq!(
            parse("a {{b}} {c.d}").unwrap(),
            vec![
                Piece::Text("a {b} ".into()),
                Piece::Field(FieldPath::parse("c.d").unwrap())
            ]
        );
        assert!(parse("{open").unwrap_err().contains("not closed"));
        assert!(parse("x } y").unwrap_err().contains("lone"));
        assert!(parse("{}").unwrap_err().contains("not a field path"));
    }
}
