//! Reading a mapping file: TOML parsing, checking every rule against the document's fields,
//! and compiling it to a [`Mapping`]; every mistake is reported with its line and key.

use std::collections::HashMap;

use civitas_core::model::DocumentType;
use toml::Spanned;

use super::eval::constant;
use super::fields::{Kind, check_target, each_key, fields_of_kind, list_max, lists};
use super::path::{SourcePath, parse_path};
use super::raw::{OneOrMany, RawMapping, RawRule};
use super::rule::{EachField, EachRule, FieldRule, Piece, Rule, Source};
use super::{CsvOptions, MAPPING_FORMAT, Mapping};
use crate::error::{FileError, IngestError};

struct Compiler<'a> {
    file: &'a str,
    text: &'a str,
    document: DocumentType,
    codes: &'a HashMap<String, HashMap<String, String>>,
    default_dates: Vec<String>,
    default_times: Vec<String>,
}

impl Compiler<'_> {
    fn err(
        &self,
        span: std::ops::Range<usize>,
        key: &str,
        message: impl Into<String>,
    ) -> FileError {
        FileError::at(
            self.file,
            self.text,
            Some(span.start),
            Some(key.to_owned()),
            message,
        )
    }

    fn rule(&self, key: &str, raw: &Spanned<RawRule>, kind: Kind) -> Result<Rule, FileError> {
        let span = raw.span();
        let r = raw.get_ref();
        let err = |m: String| self.err(span.clone(), key, m);
        let path = |p: &str| {
            SourcePath::parse(p).ok_or_else(|| err("a source path must not be empty".into()))
        };
        let sources = [
            r.from.is_some() && r.languages.is_none(),
            r.value.is_some(),
            r.template.is_some(),
            r.languages.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if sources != 1 {
            return Err(err(
                "a rule needs exactly one of `from`, `value`, `template` or `languages` (with `languages`, `from` is the untagged fallback)".into(),
            ));
        }
        let from = |f: &Option<OneOrMany>| -> Result<Vec<SourcePath>, FileError> {
            let list = f.clone().map(OneOrMany::into_vec).unwrap_or_default();
            list.iter().map(|p| path(p)).collect()
        };
        let source = if let Some(langs) = &r.languages {
            if kind != Kind::Name {
                return Err(err(format!(
                    "`languages` is only for language-map fields (names, titles): {}",
                    self.fields_of(Kind::Name)
                )));
            }
            if langs.is_empty() {
                return Err(err("`languages` names no language".into()));
            }
            let mut list = Vec::new();
            for (lang, p) in langs {
                if !is_language_tag(lang) {
                    return Err(err(format!("`{lang}` is not a BCP 47 language tag")));
                }
                list.push((lang.clone(), path(p)?));
            }
            Source::Languages(list, from(&r.from)?)
        } else if let Some(v) = &r.value {
            Source::Value(constant(kind, v).map_err(|m| err(format!("`value`: {m}")))?)
        } else if let Some(t) = &r.template {
            Source::Template(parse_template(t).map_err(err)?)
        } else {
            let list = from(&r.from)?;
            if list.is_empty() {
                return Err(err("`from` names no source field".into()));
            }
            Source::From(list)
        };
        if let Some(code) = &r.code
            && !self.codes.contains_key(code)
        {
            let known: Vec<&str> = self.codes.keys().map(String::as_str).collect();
            return Err(err(format!(
                "no code table `{code}` (add [codes.{code}]; tables defined: {})",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            )));
        }
        if r.date.is_some() && kind != Kind::Date {
            return Err(err(format!(
                "`date` formats are only for date fields: {}",
                self.fields_of(Kind::Date)
            )));
        }
        if r.collapse.is_some() && r.languages.is_none() {
            return Err(err("`collapse` goes with `languages`".into()));
        }
        if r.time.is_some() && kind != Kind::Time {
            return Err(err(format!(
                "`time` formats are only for time fields: {}",
                self.fields_of(Kind::Time)
            )));
        }
        let default = match &r.default {
            Some(d) => Some(constant(kind, d).map_err(|m| err(format!("`default`: {m}")))?),
            None => None,
        };
        let dates = match &r.date {
            Some(d) => d.clone().into_vec(),
            None => self.default_dates.clone(),
        };
        let times = match &r.time {
            Some(d) => d.clone().into_vec(),
            None => self.default_times.clone(),
        };
        for f in dates.iter().chain(times.iter()) {
            check_format(f).map_err(err)?;
        }
        let when = match &r.when {
            Some(p) => Some(path(p)?),
            None => None,
        };
        Ok(Rule {
            source,
            default,
            code: r.code.clone(),
            dates,
            times,
            case: r.case,
            when,
            required: r.required.unwrap_or(false),
            collapse: r.collapse.unwrap_or(false),
            kind,
        })
    }
}

impl Compiler<'_> {
    /// The document's fields of `kind`, for a message: `those of a BirthCertificate: …`.
    fn fields_of(&self, kind: Kind) -> String {
        let list = fields_of_kind(&self.document, kind);
        if list.is_empty() {
            format!("a {} has none", self.document)
        } else {
            format!("those of a {}: {}", self.document, list.join(", "))
        }
    }
}

/// Whether civitas-core accepts `tag` in a language map (the same rule as the documents').
fn is_language_tag(tag: &str) -> bool {
    civitas_core::profile::is_language_tag(tag)
}

fn check_format(f: &str) -> Result<(), String> {
    use chrono::format::{Item, StrftimeItems};
    if f.is_empty() {
        return Err("an empty date/time format".into());
    }
    if StrftimeItems::new(f).any(|i| matches!(i, Item::Error)) {
        return Err(format!(
            "`{f}` is not a valid date/time format (strftime syntax: %d/%m/%Y, %Y-%m-%d, %H:%M)"
        ));
    }
    Ok(())
}

fn parse_template(t: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                lit.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                lit.push('}');
            }
            '{' => {
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) => name.push(c),
                        None => return Err(format!("template `{t}`: `{{` is not closed")),
                    }
                }
                let (name, optional) = match name.strip_suffix('?') {
                    Some(n) => (n, true),
                    None => (name.as_str(), false),
                };
                let path = SourcePath::parse(name)
                    .ok_or_else(|| format!("template `{t}`: an empty placeholder"))?;
                if !lit.is_empty() {
                    pieces.push(Piece::Lit(std::mem::take(&mut lit)));
                }
                pieces.push(Piece::Var(path, optional));
            }
            '}' => {
                return Err(format!(
                    "template `{t}`: a `}}` without `{{` (write `}}}}`)"
                ));
            }
            c => lit.push(c),
        }
    }
    if !lit.is_empty() {
        pieces.push(Piece::Lit(lit));
    }
    if !pieces.iter().any(|p| matches!(p, Piece::Var(..))) {
        return Err(format!(
            "template `{t}` has no `{{field}}` placeholder (use `value` for a constant)"
        ));
    }
    Ok(pieces)
}

impl Mapping {
    /// Reads a mapping file.
    pub fn from_file(path: &std::path::Path) -> Result<Self, IngestError> {
        let text = std::fs::read_to_string(path).map_err(|e| IngestError::io(path, e))?;
        Self::parse(&path.display().to_string(), &text).map_err(IngestError::Mapping)
    }

    /// Compiles mapping `text`; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Self, FileError> {
        let raw: RawMapping =
            toml::from_str(text).map_err(|e| FileError::from_toml(file, text, &e))?;
        let at = |span: std::ops::Range<usize>, key: &str, m: String| {
            FileError::at(file, text, Some(span.start), Some(key.to_owned()), m)
        };
        if *raw.format.get_ref() != MAPPING_FORMAT {
            return Err(at(
                raw.format.span(),
                "format",
                format!(
                    "mapping format {} is not supported (this civitas reads format {MAPPING_FORMAT})",
                    raw.format.get_ref()
                ),
            ));
        }
        let document: DocumentType = raw.document.get_ref().parse().map_err(
            |e: civitas_core::model::UnknownDocumentType| {
                at(raw.document.span(), "document", e.to_string())
            },
        )?;
        let codes: HashMap<String, HashMap<String, String>> = raw
            .codes
            .iter()
            .map(|(k, v)| {
                (
                    k.get_ref().clone(),
                    v.get_ref()
                        .iter()
                        .map(|(a, b)| (a.clone(), b.clone()))
                        .collect(),
                )
            })
            .collect();
        let formats = |f: &Option<Spanned<OneOrMany>>,
                       key: &str,
                       fallback: &[&str]|
         -> Result<Vec<String>, FileError> {
            match f {
                Some(s) => {
                    let list = s.get_ref().clone().into_vec();
                    if list.is_empty() {
                        return Err(at(s.span(), key, "no format given".into()));
                    }
                    for f in &list {
                        check_format(f).map_err(|m| at(s.span(), key, m))?;
                    }
                    Ok(list)
                }
                None => Ok(fallback.iter().map(|s| (*s).to_owned()).collect()),
            }
        };
        let compiler = Compiler {
            file,
            text,
            document: document.clone(),
            codes: &codes,
            default_dates: formats(
                &raw.defaults.date_format,
                "defaults.date_format",
                &["%Y-%m-%d"],
            )?,
            default_times: formats(
                &raw.defaults.time_format,
                "defaults.time_format",
                &["%H:%M:%S", "%H:%M"],
            )?,
        };
        let id = compiler.rule("record.id", &raw.record.id, Kind::Text)?;
        let version = match &raw.record.version {
            Some(v) => Some(compiler.rule("record.version", v, Kind::Text)?),
            None => None,
        };
        let mut fields = Vec::new();
        for (target, rule) in &raw.fields {
            let key = format!("fields.\"{}\"", target.get_ref());
            let (segs, kind) = check_target(&compiler.document, target.get_ref())
                .map_err(|m| at(target.span(), &key, m))?;
            fields.push(FieldRule {
                target: target.get_ref().clone(),
                segs,
                rule: compiler.rule(&key, rule, kind)?,
            });
        }
        let mut each = Vec::new();
        for (target, raw_each) in &raw.each {
            let key = format!("each.{}", target.get_ref());
            let max = match list_max(&document, target.get_ref()) {
                Some(max) => max,
                None => {
                    return Err(at(
                        target.span(),
                        &key,
                        format!(
                            "`{}` is not a list of this document (lists: {})",
                            target.get_ref(),
                            match lists(&document) {
                                l if l.is_empty() => "none".to_owned(),
                                l => l.join(", "),
                            }
                        ),
                    ));
                }
            };
            // A list path without indices (`earnings`, `holder.addresses`): only keys.
            let target_segs = parse_path(target.get_ref()).unwrap_or_default();
            let e = raw_each.get_ref();
            let from = SourcePath::parse(&e.from)
                .ok_or_else(|| at(raw_each.span(), &key, "`from` is empty".into()))?;
            if fields.iter().any(|f| f.segs.starts_with(&target_segs)) {
                return Err(at(
                    raw_each.span(),
                    &key,
                    format!(
                        "`{0}` is mapped both by [each.{1}] and by `{0}[i]` fields; use one",
                        target.get_ref(),
                        each_key(target.get_ref())
                    ),
                ));
            }
            let mut list = Vec::new();
            for (field, rule) in &e.fields {
                let fkey = format!("{key}.fields.\"{}\"", field.get_ref());
                let probe = format!("{}[0].{}", target.get_ref(), field.get_ref());
                let (segs, kind) =
                    check_target(&document, &probe).map_err(|m| at(field.span(), &fkey, m))?;
                // The field's own segments, after the list's and its index.
                let segs = segs
                    .get(target_segs.len() + 1..)
                    .unwrap_or_default()
                    .to_vec();
                list.push(EachField {
                    name: field.get_ref().clone(),
                    segs,
                    rule: compiler.rule(&fkey, rule, kind)?,
                });
            }
            each.push(EachRule {
                target: target.get_ref().clone(),
                segs: target_segs,
                from,
                max: e.max.unwrap_or(max).min(max),
                fields: list,
            });
        }
        let delimiter = match &raw.csv.delimiter {
            None => b',',
            Some(d) => match d.get_ref().as_bytes() {
                [b] if d.get_ref().is_ascii() => *b,
                _ => {
                    return Err(at(
                        d.span(),
                        "csv.delimiter",
                        "the delimiter is one ASCII character (`,`, `;`, `\\t`, `|`)".into(),
                    ));
                }
            },
        };
        Ok(Self {
            name: file.to_owned(),
            document,
            description: raw.description,
            id,
            version,
            fields,
            each,
            codes,
            empty: raw.defaults.empty.unwrap_or_else(|| vec![String::new()]),
            trim: raw.defaults.trim.unwrap_or(true),
            csv: CsvOptions {
                delimiter,
                headers: raw.csv.headers,
            },
        })
    }
}
