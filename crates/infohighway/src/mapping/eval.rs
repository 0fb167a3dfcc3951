//! Evaluating one rule on a record: the source value read, then code table, case and
//! date/time conversion, default and `required`.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::Mapping;
use super::fields::Kind;
use super::path::SourcePath;
use super::raw::Case;
use super::rule::{Piece, Rule, Source};
use crate::report::Issue;

impl Mapping {
    pub(super) fn eval(
        &self,
        rule: &Rule,
        record: &Value,
        target: &str,
    ) -> Result<Option<Value>, Issue> {
        let issue = |source: Option<String>, reason: String| Issue {
            field: target.to_owned(),
            source_field: source,
            reason,
        };
        if let Some(when) = &rule.when
            && self
                .scalar(when, record)
                .map_err(|r| issue(Some(when.text.clone()), r))?
                .is_none()
        {
            return Ok(None);
        }
        let (value, from): (Option<Value>, Option<String>) = match &rule.source {
            Source::Value(v) => (Some(v.clone()), None),
            Source::From(paths) => {
                let mut found = None;
                for p in paths {
                    if let Some(v) = self
                        .scalar(p, record)
                        .map_err(|r| issue(Some(p.text.clone()), r))?
                    {
                        found = Some((v, p.text.clone()));
                        break;
                    }
                }
                match found {
                    Some((v, p)) => {
                        let v = self
                            .convert(rule, v)
                            .map_err(|r| issue(Some(p.clone()), r))?;
                        (Some(v), Some(p))
                    }
                    None => (None, paths.first().map(|p| p.text.clone())),
                }
            }
            Source::Template(pieces) => {
                let mut out = String::new();
                let mut complete = true;
                let mut any = false;
                for piece in pieces {
                    match piece {
                        Piece::Lit(l) => out.push_str(l),
                        Piece::Var(p, optional) => {
                            match self
                                .scalar(p, record)
                                .map_err(|r| issue(Some(p.text.clone()), r))?
                            {
                                Some(v) => {
                                    any = true;
                                    out.push_str(&v);
                                }
                                None if *optional => {}
                                None => complete = false,
                            }
                        }
                    }
                }
                let squashed = out.split_whitespace().collect::<Vec<_>>().join(" ");
                // The placeholders name the source of the value (or of its absence).
                let names = pieces
                    .iter()
                    .filter_map(|p| match p {
                        Piece::Var(v, _) => Some(v.text.as_str()),
                        Piece::Lit(_) => None,
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                if complete && any && !squashed.is_empty() {
                    let v = self
                        .convert(rule, squashed)
                        .map_err(|r| issue(Some(names.clone()), r))?;
                    (Some(v), Some(names))
                } else {
                    (None, Some(names))
                }
            }
            Source::Languages(langs, fallback) => {
                let mut map = Map::new();
                for (lang, p) in langs {
                    if let Some(v) = self
                        .scalar(p, record)
                        .map_err(|r| issue(Some(p.text.clone()), r))?
                    {
                        let v = self
                            .convert(rule, v)
                            .map_err(|r| issue(Some(p.text.clone()), r))?;
                        map.insert(lang.clone(), v);
                    }
                }
                let single =
                    map.len() == 1 || map.values().skip(1).all(|v| Some(v) == map.values().next());
                if !map.is_empty() && rule.collapse && single {
                    (map.values().next().cloned(), None)
                } else if !map.is_empty() {
                    (Some(Value::Object(map)), None)
                } else {
                    let mut found = None;
                    for p in fallback {
                        if let Some(v) = self
                            .scalar(p, record)
                            .map_err(|r| issue(Some(p.text.clone()), r))?
                        {
                            found = Some(
                                self.convert(rule, v)
                                    .map_err(|r| issue(Some(p.text.clone()), r))?,
                            );
                            break;
                        }
                    }
                    (found, None)
                }
            }
        };
        match value {
            Some(v) => Ok(Some(v)),
            None => match &rule.default {
                Some(d) => Ok(Some(d.clone())),
                None if rule.required => Err(issue(from, "is required".into())),
                None => Ok(None),
            },
        }
    }

    /// The source value at `path` as text; `None` when absent or empty.
    pub(super) fn scalar(
        &self,
        path: &SourcePath,
        record: &Value,
    ) -> Result<Option<String>, String> {
        let text = match path.lookup(record) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Bool(b)) => b.to_string(),
            Some(Value::Array(_)) => return Err("expected one value, found a list".into()),
            Some(Value::Object(_)) => return Err("expected one value, found an object".into()),
        };
        let text = if self.trim {
            text.trim().to_owned()
        } else {
            text
        };
        if self.empty.contains(&text) {
            return Ok(None);
        }
        Ok(Some(text))
    }

    /// Code table, case, date/time reading.
    pub(super) fn convert(&self, rule: &Rule, text: String) -> Result<Value, String> {
        let mut text = text;
        if let Some(table) = &rule.code {
            let codes = self.codes.get(table).ok_or("unknown code table")?;
            text = match codes.get(&text).or_else(|| codes.get("*")) {
                Some(v) => v.clone(),
                None => {
                    let mut known: Vec<&str> = codes.keys().map(String::as_str).collect();
                    known.sort_unstable();
                    let mut list = known
                        .iter()
                        .take(12)
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", ");
                    if known.len() > 12 {
                        let _ = write!(list, ", … ({} codes)", known.len());
                    }
                    return Err(format!(
                        "`{text}` is not in code table `{table}` (known: {list})"
                    ));
                }
            };
        }
        match rule.case {
            Some(Case::Upper) => text = text.to_uppercase(),
            Some(Case::Lower) => text = text.to_lowercase(),
            None => {}
        }
        match rule.kind {
            Kind::Date => {
                for f in &rule.dates {
                    if let Ok(d) = chrono::NaiveDate::parse_from_str(&text, f) {
                        return Ok(Value::String(d.format("%Y-%m-%d").to_string()));
                    }
                }
                Err(format!(
                    "`{text}` is not a date in the format {}",
                    rule.dates.join(" or ")
                ))
            }
            Kind::Time => {
                for f in &rule.times {
                    if let Ok(t) = chrono::NaiveTime::parse_from_str(&text, f) {
                        return Ok(Value::String(t.format("%H:%M:%S").to_string()));
                    }
                }
                Err(format!(
                    "`{text}` is not a time in the format {}",
                    rule.times.join(" or ")
                ))
            }
            Kind::Integer | Kind::Amount | Kind::Text | Kind::Name => constant(rule.kind, &text),
        }
    }
}

/// A text as a value of `kind`: an integer (`42`), an amount (`1234.50 MUR`), else the text
/// itself (dates and times as written: a constant is not read with the formats). Also what a
/// rule's `value` and `default` become, checked when the mapping is compiled.
pub(super) fn constant(kind: Kind, text: &str) -> Result<Value, String> {
    match kind {
        Kind::Integer => text
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("`{text}` is not an integer")),
        Kind::Amount => amount(text),
        Kind::Text | Kind::Name | Kind::Date | Kind::Time => Ok(Value::String(text.to_owned())),
    }
}

/// `1234.50 MUR` as an amount: `{"value": "1234.50", "currency": "MUR"}` (a decimal with at
/// most one point, a space, three capital letters).
fn amount(text: &str) -> Result<Value, String> {
    let bad = || format!("`{text}` is not an amount such as `1234.50 MUR`");
    let (value, currency) = text.trim().rsplit_once(' ').ok_or_else(bad)?;
    let value = value.trim();
    let decimal = !value.is_empty()
        && value.len() <= 32
        && value.trim_start_matches('-').split('.').count() <= 2
        && value
            .trim_start_matches('-')
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if !decimal || currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(bad());
    }
    Ok(serde_json::json!({"value": value, "currency": currency}))
}
