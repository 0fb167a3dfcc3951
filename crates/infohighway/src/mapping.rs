//! The declarative mapping: a TOML file that says how a source record (an InfoHighway JSON
//! record, a JSON Lines object, a CSV row) becomes a civitas document, so that another registry
//! plugs in by writing a mapping, not Rust.
//!
//! ```toml
//! format = 1
//! document = "BirthCertificate"          # or "MarriageCertificate"
//!
//! [record]
//! id = { from = "recordId" }             # the source record id (idempotency key)
//! version = { from = "version" }         # optional: a record version that only grows
//!
//! [defaults]
//! date_format = ["%d/%m/%Y", "%Y-%m-%d"] # for every date field without its own `date`
//! empty = ["", "NULL", "-"]              # source values that mean "no value"
//!
//! [codes.sex]                            # code tables: source code -> civitas value
//! "1" = "M"
//! "2" = "F"
//!
//! [fields]                               # target path (in the document) = rule
//! "givenName" = { languages = { en = "child_given_en", fr = "child_given_fr" } }
//! "sex" = { from = "child_sex", code = "sex" }
//! "birthDate" = { from = "date_of_birth" }
//! "birthPlace.addressCountry" = { value = "MU" }
//! "registration.registrationNumber" = { template = "{district}/B/{year}/{entry}" }
//! "mother.nationality" = { from = "mother_nationality", default = "MU", when = "mother_surname" }
//!
//! [each.witnesses]                       # a source array to a target array
//! from = "witnesses"
//! fields = { "givenName" = { from = "firstName" }, "familyName" = { from = "surname" } }
//! ```
//!
//! A rule takes its value from exactly one of `from` (a source path, or a list of paths: the
//! first with a value), `value` (a constant), `template` (`{path}` placeholders; `{path?}` may be
//! empty) or `languages` (a language map from one source path per BCP 47 tag, with `from` as the
//! untagged fallback). Then, in order: `when` (apply only if that source path has a value),
//! `code` (look the value up in a code table; a table may have a `"*"` catch-all), `case`
//! (`upper`, `lower`), `date`/`time` (formats to read; the output is `xsd:date`/`xsd:time`),
//! `default` (used as is when there is no value) and `required`.
//!
//! Source paths are dotted (`child.name.en`, `witnesses[0].surname`); a key that itself contains
//! dots or spaces (a CSV header such as `Date of birth`) is matched literally first. Objects that
//! end up empty (a father with no columns filled in) are left out, so optional parts of a
//! document stay optional. Every mistake in a mapping file is reported with its line and key.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use civitas_core::model::{DocumentType, LocalizedText};
use civitas_issuer::Document;
use serde::Deserialize;
use serde_json::{Map, Value};
use toml::Spanned;

use crate::error::{FileError, IngestError};
use crate::report::{Issue, Stage};

/// The mapping format this crate reads.
pub const MAPPING_FORMAT: u32 = 1;

// ---------------------------------------------------------------------------------------------
// The file as written (TOML)
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    format: Spanned<u32>,
    document: Spanned<String>,
    #[serde(default)]
    description: Option<String>,
    record: RawRecord,
    #[serde(default)]
    defaults: RawDefaults,
    #[serde(default)]
    csv: RawCsv,
    #[serde(default)]
    codes: BTreeMap<Spanned<String>, Spanned<BTreeMap<String, String>>>,
    #[serde(default)]
    fields: BTreeMap<Spanned<String>, Spanned<RawRule>>,
    #[serde(default)]
    each: BTreeMap<Spanned<String>, Spanned<RawEach>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecord {
    id: Spanned<RawRule>,
    #[serde(default)]
    version: Option<Spanned<RawRule>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    #[serde(default)]
    date_format: Option<Spanned<OneOrMany>>,
    #[serde(default)]
    time_format: Option<Spanned<OneOrMany>>,
    #[serde(default)]
    trim: Option<bool>,
    #[serde(default)]
    empty: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCsv {
    #[serde(default)]
    delimiter: Option<Spanned<String>>,
    #[serde(default)]
    headers: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            Self::One(s) => vec![s],
            Self::Many(v) => v,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Case {
    Upper,
    Lower,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    #[serde(default)]
    from: Option<OneOrMany>,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    template: Option<String>,
    #[serde(default)]
    languages: Option<BTreeMap<String, String>>,
    #[serde(default)]
    default: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    date: Option<OneOrMany>,
    #[serde(default)]
    time: Option<OneOrMany>,
    #[serde(default)]
    case: Option<Case>,
    #[serde(default)]
    when: Option<String>,
    #[serde(default)]
    required: Option<bool>,
    #[serde(default)]
    collapse: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEach {
    from: String,
    #[serde(default)]
    max: Option<usize>,
    fields: BTreeMap<Spanned<String>, Spanned<RawRule>>,
}

// ---------------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// Parses `a.b[0].c` into segments; `None` when malformed.
fn parse_path(path: &str) -> Option<Vec<Seg>> {
    let mut segs = Vec::new();
    if path.is_empty() {
        return None;
    }
    for part in path.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if name.is_empty() && segs.is_empty() && rest.is_empty() {
            return None;
        }
        if !name.is_empty() {
            segs.push(Seg::Key(name.to_owned()));
        } else if rest.is_empty() {
            return None;
        }
        while !rest.is_empty() {
            let close = rest.find(']')?;
            let index: usize = rest.get(1..close)?.parse().ok()?;
            segs.push(Seg::Index(index));
            rest = &rest[close + 1..];
            if !rest.is_empty() && !rest.starts_with('[') {
                return None;
            }
        }
    }
    Some(segs)
}

/// A path into a source record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcePath {
    text: String,
    segs: Vec<Seg>,
}

impl SourcePath {
    fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        Some(Self {
            text: text.to_owned(),
            // a path that does not parse is still usable as a literal key (CSV headers)
            segs: parse_path(text).unwrap_or_else(|| vec![Seg::Key(text.to_owned())]),
        })
    }

    /// The path as written in the mapping.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    fn lookup<'a>(&self, record: &'a Value) -> Option<&'a Value> {
        if let Some(v) = record.get(&self.text) {
            return Some(v);
        }
        let mut at = record;
        for seg in &self.segs {
            at = match seg {
                Seg::Key(k) => at.get(k)?,
                Seg::Index(i) => at.get(*i)?,
            };
        }
        Some(at)
    }
}

// ---------------------------------------------------------------------------------------------
// What each target field is
// ---------------------------------------------------------------------------------------------

/// The kind of value a document field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Name,
    Date,
    Time,
}

const PERSON: &[(&str, Kind)] = &[
    ("givenName", Kind::Name),
    ("familyName", Kind::Name),
    ("nationalId", Kind::Text),
    ("nationality", Kind::Text),
];
const PLACE: &[(&str, Kind)] = &[
    ("name", Kind::Text),
    ("addressLocality", Kind::Text),
    ("district", Kind::Text),
    ("addressCountry", Kind::Text),
];
const REGISTRATION: &[(&str, Kind)] = &[
    ("registrationNumber", Kind::Text),
    ("registrationOffice", Kind::Text),
    ("district", Kind::Text),
    ("registrationDate", Kind::Date),
    ("registrar", Kind::Text),
];
const SPOUSE: &[(&str, Kind)] = &[
    ("id", Kind::Text),
    ("givenName", Kind::Name),
    ("familyName", Kind::Name),
    ("familyNameAfterMarriage", Kind::Name),
    ("sex", Kind::Text),
    ("birthDate", Kind::Date),
    ("nationalId", Kind::Text),
    ("nationality", Kind::Text),
];

/// A document field shape: leaf, object, or array of objects (with a maximum length).
enum Shape {
    Leaf(Kind),
    Object(&'static [(&'static str, Kind)]),
    Array(&'static [(&'static str, Kind)], usize),
}

fn top_level(doc: DocumentType, name: &str) -> Option<Shape> {
    use Shape::*;
    let common = match name {
        "registration" => Some(Object(REGISTRATION)),
        _ => None,
    };
    if common.is_some() {
        return common;
    }
    match doc {
        DocumentType::BirthCertificate => match name {
            "id" | "sex" => Some(Leaf(Kind::Text)),
            "givenName" | "familyName" => Some(Leaf(Kind::Name)),
            "birthDate" => Some(Leaf(Kind::Date)),
            "birthTime" => Some(Leaf(Kind::Time)),
            "birthPlace" => Some(Object(PLACE)),
            "mother" | "father" => Some(Object(PERSON)),
            _ => None,
        },
        DocumentType::MarriageCertificate => match name {
            "spouses" => Some(Array(SPOUSE, 2)),
            "marriageDate" => Some(Leaf(Kind::Date)),
            "marriagePlace" => Some(Object(PLACE)),
            "officer" => Some(Leaf(Kind::Text)),
            "witnesses" => Some(Array(PERSON, 10)),
            _ => None,
        },
    }
}

fn known_fields(doc: DocumentType) -> &'static str {
    match doc {
        DocumentType::BirthCertificate => {
            "id, givenName, familyName, sex, birthDate, birthTime, birthPlace.{name, addressLocality, district, addressCountry}, mother.* and father.* {givenName, familyName, nationalId, nationality}, registration.{registrationNumber, registrationOffice, district, registrationDate, registrar}"
        }
        DocumentType::MarriageCertificate => {
            "spouses[0|1].{id, givenName, familyName, familyNameAfterMarriage, sex, birthDate, nationalId, nationality}, marriageDate, marriagePlace.{name, addressLocality, district, addressCountry}, officer, witnesses[0-9].{givenName, familyName, nationalId, nationality}, registration.{registrationNumber, registrationOffice, district, registrationDate, registrar}"
        }
    }
}

/// Checks a target path against the document's fields; returns its parsed form and kind.
fn check_target(doc: DocumentType, path: &str) -> Result<(Vec<Seg>, Kind), String> {
    let unknown = || {
        format!(
            "`{path}` is not a field of a {doc}; the fields are: {}",
            known_fields(doc)
        )
    };
    let segs = parse_path(path).ok_or_else(|| format!("`{path}` is not a valid field path"))?;
    let Some(Seg::Key(first)) = segs.first() else {
        return Err(unknown());
    };
    let shape = top_level(doc, first).ok_or_else(unknown)?;
    let kind = match (shape, &segs[1..]) {
        (Shape::Leaf(k), []) => k,
        (Shape::Object(fields), [Seg::Key(f)]) => field_kind(fields, f).ok_or_else(unknown)?,
        (Shape::Array(fields, max), [Seg::Index(i), Seg::Key(f)]) => {
            if *i >= max {
                return Err(format!(
                    "`{path}`: `{first}` has at most {max} entries (indices 0 to {})",
                    max - 1
                ));
            }
            field_kind(fields, f).ok_or_else(unknown)?
        }
        (Shape::Array(..), _) => {
            return Err(format!(
                "`{path}`: `{first}` is a list: write `{first}[0].<field>`, or map a source list with [each.{first}]"
            ));
        }
        (Shape::Object(_), []) => {
            return Err(format!(
                "`{path}` is an object: map its fields (`{path}.<field>`)"
            ));
        }
        _ => return Err(unknown()),
    };
    Ok((segs, kind))
}

fn field_kind(fields: &[(&str, Kind)], name: &str) -> Option<Kind> {
    fields.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

// ---------------------------------------------------------------------------------------------
// Compiled rules
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Piece {
    Lit(String),
    Var(SourcePath, bool),
}

#[derive(Debug, Clone)]
enum Source {
    From(Vec<SourcePath>),
    Value(String),
    Template(Vec<Piece>),
    Languages(Vec<(String, SourcePath)>, Vec<SourcePath>),
}

#[derive(Debug, Clone)]
struct Rule {
    source: Source,
    default: Option<String>,
    code: Option<String>,
    dates: Vec<String>,
    times: Vec<String>,
    case: Option<Case>,
    when: Option<SourcePath>,
    required: bool,
    collapse: bool,
    kind: Kind,
}

#[derive(Debug, Clone)]
struct FieldRule {
    target: String,
    segs: Vec<Seg>,
    rule: Rule,
}

#[derive(Debug, Clone)]
struct EachRule {
    target: String,
    from: SourcePath,
    max: usize,
    fields: Vec<(String, Rule)>,
}

/// CSV options of a mapping (`[csv]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    /// The field delimiter (default `,`).
    pub delimiter: u8,
    /// Column names, when the file has no header row (otherwise the first row names them).
    pub headers: Option<Vec<String>>,
}

/// A compiled mapping: a source record in, a validated document (or the reasons it is not
/// one) out.
#[derive(Debug, Clone)]
pub struct Mapping {
    name: String,
    document: DocumentType,
    description: Option<String>,
    id: Rule,
    version: Option<Rule>,
    fields: Vec<FieldRule>,
    each: Vec<EachRule>,
    codes: HashMap<String, HashMap<String, String>>,
    empty: Vec<String>,
    trim: bool,
    csv: CsvOptions,
}

/// A source record mapped to a document, not yet issued.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped {
    /// The source record id (the issuer's idempotency key).
    pub source_id: String,
    /// The record's version, when the mapping reads one.
    pub version: Option<String>,
    /// The validated document.
    pub document: Document,
}

/// Why a record could not be mapped: its id (when it could be read) and every issue found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapFailure {
    /// The source record id, when the mapping could read it.
    pub source_id: Option<String>,
    /// The issues (at least one).
    pub issues: Vec<Issue>,
    /// Where it failed: the mapping or the document's rules.
    pub stage: Stage,
}

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
                return Err(err(
                    "`languages` is only for names (givenName, familyName, familyNameAfterMarriage)"
                        .into(),
                ));
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
            Source::Value(v.clone())
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
            return Err(err(
                "`date` formats are only for date fields (birthDate, marriageDate, registration.registrationDate, spouses[i].birthDate)".into(),
            ));
        }
        if r.collapse.is_some() && r.languages.is_none() {
            return Err(err("`collapse` goes with `languages`".into()));
        }
        if r.time.is_some() && kind != Kind::Time {
            return Err(err("`time` formats are only for birthTime".into()));
        }
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
            default: r.default.clone(),
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

/// Whether civitas-core accepts `tag` in a language map (the same rule as the documents').
fn is_language_tag(tag: &str) -> bool {
    LocalizedText::languages([(tag, "x")])
        .validate("languages")
        .is_ok()
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
        let document: DocumentType = raw.document.get_ref().parse().map_err(|_| {
            at(
                raw.document.span(),
                "document",
                format!(
                    "`{}` is not a document type (BirthCertificate or MarriageCertificate)",
                    raw.document.get_ref()
                ),
            )
        })?;
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
            document,
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
            let (segs, kind) = check_target(compiler.document, target.get_ref())
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
            let max = match top_level(document, target.get_ref()) {
                Some(Shape::Array(_, max)) => max,
                _ => {
                    return Err(at(
                        target.span(),
                        &key,
                        format!(
                            "`{}` is not a list of this document (lists: {})",
                            target.get_ref(),
                            match document {
                                DocumentType::BirthCertificate => "none",
                                DocumentType::MarriageCertificate => "spouses, witnesses",
                            }
                        ),
                    ));
                }
            };
            let e = raw_each.get_ref();
            let from = SourcePath::parse(&e.from)
                .ok_or_else(|| at(raw_each.span(), &key, "`from` is empty".into()))?;
            if fields
                .iter()
                .any(|f| matches!(f.segs.first(), Some(Seg::Key(k)) if k == target.get_ref()))
            {
                return Err(at(
                    raw_each.span(),
                    &key,
                    format!(
                        "`{0}` is mapped both by [each.{0}] and by `{0}[i]` fields; use one",
                        target.get_ref()
                    ),
                ));
            }
            let mut list = Vec::new();
            for (field, rule) in &e.fields {
                let fkey = format!("{key}.fields.\"{}\"", field.get_ref());
                let probe = format!("{}[0].{}", target.get_ref(), field.get_ref());
                let (_, kind) =
                    check_target(document, &probe).map_err(|m| at(field.span(), &fkey, m))?;
                list.push((field.get_ref().clone(), compiler.rule(&fkey, rule, kind)?));
            }
            each.push(EachRule {
                target: target.get_ref().clone(),
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

    /// The document type this mapping produces.
    pub fn document_type(&self) -> DocumentType {
        self.document
    }

    /// The mapping's name (its file).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The mapping's description, if it has one.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Whether the mapping reads a record version (`[record] version`).
    pub fn has_version(&self) -> bool {
        self.version.is_some()
    }

    /// The CSV options.
    pub fn csv(&self) -> &CsvOptions {
        &self.csv
    }

    /// The source fields that feed `target` (a document field path such as
    /// `registration.registrationDate`), for the report.
    pub fn source_of(&self, target: &str) -> Option<String> {
        let (rule, prefix) = match self.fields.iter().find(|f| f.target == target) {
            Some(f) => (&f.rule, String::new()),
            None => {
                // `witnesses[1].familyName` from [each.witnesses]
                let (list, rest) = target.split_once('[')?;
                let (index, field) = rest.split_once("].")?;
                let e = self.each.iter().find(|e| e.target == list)?;
                let (_, rule) = e.fields.iter().find(|(f, _)| f == field)?;
                (rule, format!("{}[{index}].", e.from.as_str()))
            }
        };
        let names: Vec<&str> = match &rule.source {
            Source::From(list) => list.iter().map(SourcePath::as_str).collect(),
            Source::Value(_) => return None,
            Source::Template(pieces) => pieces
                .iter()
                .filter_map(|p| match p {
                    Piece::Var(v, _) => Some(v.as_str()),
                    Piece::Lit(_) => None,
                })
                .collect(),
            Source::Languages(langs, fallback) => langs
                .iter()
                .map(|(_, p)| p.as_str())
                .chain(fallback.iter().map(SourcePath::as_str))
                .collect(),
        };
        Some(
            names
                .iter()
                .map(|n| format!("{prefix}{n}"))
                .collect::<Vec<_>>()
                .join(", "),
        )
    }

    /// Reads only the source record id (for reporting a record that fails early).
    pub fn record_id(&self, record: &Value) -> Option<String> {
        match self.eval(&self.id, record, "sourceRecordId") {
            Ok(Some(Value::String(s))) => Some(s),
            _ => None,
        }
    }

    /// Maps a source record (a JSON object; a CSV row is an object of strings) to a validated
    /// document.
    pub fn apply(&self, record: &Value) -> Result<Mapped, MapFailure> {
        let mut issues = Vec::new();
        let source_id = match self.eval(&self.id, record, "sourceRecordId") {
            Ok(Some(Value::String(s))) => Some(s),
            Ok(_) => {
                issues.push(Issue {
                    field: "sourceRecordId".into(),
                    source_field: self.id_source(),
                    reason: "the record has no id".into(),
                });
                None
            }
            Err(i) => {
                issues.push(i);
                None
            }
        };
        let version = match &self.version {
            None => None,
            Some(rule) => match self.eval(rule, record, "version") {
                Ok(Some(Value::String(s))) => Some(s),
                Ok(_) => None,
                Err(i) => {
                    issues.push(i);
                    None
                }
            },
        };
        let mut doc = Value::Object(Map::new());
        for f in &self.fields {
            match self.eval(&f.rule, record, &f.target) {
                Ok(Some(v)) => set_path(&mut doc, &f.segs, v),
                Ok(None) => {}
                Err(i) => issues.push(i),
            }
        }
        for e in &self.each {
            let Some(list) = e.from.lookup(record) else {
                continue;
            };
            let items: &[Value] = match list {
                Value::Array(a) => a,
                Value::Null => &[],
                _ => {
                    issues.push(Issue {
                        field: e.target.clone(),
                        source_field: Some(e.from.as_str().to_owned()),
                        reason: "the source is not a list".into(),
                    });
                    continue;
                }
            };
            if items.len() > e.max {
                issues.push(Issue {
                    field: e.target.clone(),
                    source_field: Some(e.from.as_str().to_owned()),
                    reason: format!("{} entries, at most {} allowed", items.len(), e.max),
                });
                continue;
            }
            for (i, item) in items.iter().enumerate() {
                for (field, rule) in &e.fields {
                    let target = format!("{}[{i}].{field}", e.target);
                    match self.eval(rule, item, &target) {
                        Ok(Some(v)) => set_path(
                            &mut doc,
                            &[
                                Seg::Key(e.target.clone()),
                                Seg::Index(i),
                                Seg::Key(field.clone()),
                            ],
                            v,
                        ),
                        Ok(None) => {}
                        Err(issue) => issues.push(issue),
                    }
                }
            }
        }
        if !issues.is_empty() {
            return Err(MapFailure {
                source_id,
                issues,
                stage: Stage::Mapping,
            });
        }
        prune(&mut doc);
        let source_id = source_id.unwrap_or_default();
        match Document::parse(self.document, &doc) {
            Ok(document) => Ok(Mapped {
                source_id,
                version,
                document,
            }),
            Err(e) => Err(MapFailure {
                source_id: Some(source_id),
                issues: vec![self.issue_of(&e)],
                stage: Stage::Validation,
            }),
        }
    }

    fn id_source(&self) -> Option<String> {
        match &self.id.source {
            Source::From(l) => Some(
                l.iter()
                    .map(SourcePath::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            _ => None,
        }
    }

    /// Turns an issuer error about a record into an issue naming the document field and the
    /// source field(s) it came from.
    pub fn issue_of(&self, e: &civitas_issuer::IssuerError) -> Issue {
        let (field, reason) = match e {
            civitas_issuer::IssuerError::Record(m) => fix_missing(&m.field, &m.reason),
            civitas_issuer::IssuerError::InvalidRequest { member, reason } => {
                (member.clone(), reason.clone())
            }
            civitas_issuer::IssuerError::Conflict { .. } => {
                ("sourceRecordId".to_owned(), e.to_string())
            }
            other => ("record".to_owned(), other.to_string()),
        };
        let source_field = if field == "sourceRecordId" {
            self.id_source()
        } else {
            self.source_of(&field)
        };
        Issue {
            field,
            source_field,
            reason,
        }
    }

    fn eval(&self, rule: &Rule, record: &Value, target: &str) -> Result<Option<Value>, Issue> {
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
            Source::Value(v) => (Some(Value::String(v.clone())), None),
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
                if complete && any && !squashed.is_empty() {
                    let v = self.convert(rule, squashed).map_err(|r| issue(None, r))?;
                    (Some(v), None)
                } else {
                    (None, None)
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
                Some(d) => Ok(Some(Value::String(d.clone()))),
                None if rule.required => Err(issue(from, "is required".into())),
                None => Ok(None),
            },
        }
    }

    /// The source value at `path` as text; `None` when absent or empty.
    fn scalar(&self, path: &SourcePath, record: &Value) -> Result<Option<String>, String> {
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
    fn convert(&self, rule: &Rule, text: String) -> Result<Value, String> {
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
            Kind::Text | Kind::Name => Ok(Value::String(text)),
        }
    }
}

/// serde reports a missing member at its parent ("missing field `registrar`" at
/// `registration`); name the member itself.
fn fix_missing(field: &str, reason: &str) -> (String, String) {
    if let Some(rest) = reason.strip_prefix("missing field `")
        && let Some(name) = rest.split('`').next()
    {
        let full = if field == "credentialSubject" || field.is_empty() || field == "." {
            name.to_owned()
        } else {
            format!("{field}.{name}")
        };
        return (full, "is required".to_owned());
    }
    (field.to_owned(), reason.to_owned())
}

fn set_path(root: &mut Value, segs: &[Seg], value: Value) {
    let Some((last, parents)) = segs.split_last() else {
        return;
    };
    let mut at = root;
    for (i, seg) in parents.iter().enumerate() {
        let next_is_index = matches!(segs.get(i + 1), Some(Seg::Index(_)));
        let fresh = || {
            if next_is_index {
                Value::Array(Vec::new())
            } else {
                Value::Object(Map::new())
            }
        };
        at = match seg {
            Seg::Key(k) => {
                let Value::Object(obj) = at else { return };
                obj.entry(k.clone()).or_insert_with(fresh)
            }
            Seg::Index(n) => {
                let Value::Array(arr) = at else { return };
                while arr.len() <= *n {
                    arr.push(Value::Null);
                }
                let slot = &mut arr[*n];
                if slot.is_null() {
                    *slot = fresh();
                }
                slot
            }
        };
    }
    match (last, at) {
        (Seg::Key(k), Value::Object(obj)) => {
            obj.insert(k.clone(), value);
        }
        (Seg::Index(n), Value::Array(arr)) => {
            while arr.len() <= *n {
                arr.push(Value::Null);
            }
            arr[*n] = value;
        }
        _ => {}
    }
}

/// Removes empty objects, nulls in lists and empty lists, so unmapped optional parts vanish.
fn prune(v: &mut Value) -> bool {
    match v {
        Value::Object(obj) => {
            obj.retain(|_, child| !prune(child));
            obj.is_empty()
        }
        Value::Array(arr) => {
            arr.retain_mut(|child| !prune(child));
            arr.is_empty()
        }
        Value::Null => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const BASIC: &str = r#"
format = 1
document = "BirthCertificate"
[record]
id = { from = "id" }
[codes.sex]
"1" = "M"
"2" = "F"
[fields]
"givenName" = { languages = { en = "given_en", fr = "given_fr" }, from = "given" }
"familyName" = { from = "surname", case = "upper" }
"sex" = { from = "sex", code = "sex" }
"birthDate" = { from = "dob", date = ["%d/%m/%Y", "%Y-%m-%d"] }
"birthTime" = { from = "tob", time = "%H%M" }
"birthPlace.addressLocality" = { from = "place.town" }
"birthPlace.addressCountry" = { value = "MU" }
"mother.givenName" = { from = "mother_given" }
"mother.familyName" = { from = "mother_surname" }
"mother.nationality" = { value = "MU", when = "mother_surname" }
"registration.registrationNumber" = { template = "{district}/B/{year}/{entry}" }
"registration.registrationOffice" = { from = "office" }
"registration.registrationDate" = { from = "regdate", date = "%d/%m/%Y" }
"registration.registrar" = { from = "registrar", default = "Registrar" }
"#;

    fn record() -> Value {
        json!({"id": "R1", "given_en": "John", "given_fr": "Jean", "surname": "Lebon", "sex": "1",
               "dob": "28/02/2024", "tob": "1435", "place": {"town": "Candos"},
               "mother_given": "", "mother_surname": "",
               "district": "PW", "year": 2024, "entry": "001234", "office": "Rose Hill",
               "regdate": "01/03/2024"})
    }

    #[test]
    fn maps_a_record() {
        let m = Mapping::parse("t.toml", BASIC).unwrap();
        let mapped = m.apply(&record()).unwrap();
        assert_eq!(mapped.source_id, "R1");
        let Document::Birth(b) = mapped.document else {
            panic!()
        };
        let v = serde_json::to_value(&*b).unwrap();
        assert_eq!(v["givenName"], json!({"en": "John", "fr": "Jean"}));
        assert_eq!(v["familyName"], "LEBON");
        assert_eq!(v["sex"], "M");
        assert_eq!(v["birthDate"], "2024-02-28");
        assert_eq!(v["birthTime"], "14:35:00");
        assert_eq!(v["registration"]["registrationNumber"], "PW/B/2024/001234");
        assert_eq!(v["registration"]["registrar"], "Registrar");
        assert!(
            v.get("mother").is_none(),
            "an empty mother is left out: {v}"
        );
    }

    #[test]
    fn bad_records_name_the_field() {
        let m = Mapping::parse("t.toml", BASIC).unwrap();
        let mut r = record();
        r["sex"] = json!("7");
        r["dob"] = json!("31/02/2024");
        let f = m.apply(&r).unwrap_err();
        assert_eq!(f.source_id.as_deref(), Some("R1"));
        assert_eq!(f.stage, Stage::Mapping);
        let fields: Vec<&str> = f.issues.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(fields, ["birthDate", "sex"]);
        assert!(
            f.issues[1]
                .reason
                .contains("`7` is not in code table `sex`")
        );
        assert_eq!(f.issues[0].source_field.as_deref(), Some("dob"));

        // the model's rules: registration before birth
        let mut r = record();
        r["regdate"] = json!("01/01/2024");
        let f = m.apply(&r).unwrap_err();
        assert_eq!(f.stage, Stage::Validation);
        assert_eq!(f.issues[0].field, "registration.registrationDate");
        assert_eq!(f.issues[0].source_field.as_deref(), Some("regdate"));

        // a missing required field is named by its own path
        let mut r = record();
        r["office"] = json!(" ");
        let f = m.apply(&r).unwrap_err();
        assert_eq!(f.issues[0].field, "registration.registrationOffice");
        assert_eq!(f.issues[0].reason, "is required");
    }

    fn err(text: &str) -> FileError {
        Mapping::parse("m.toml", text).unwrap_err()
    }

    #[test]
    fn mapping_mistakes_name_line_and_key() {
        let head = "format = 1\ndocument = \"BirthCertificate\"\n[record]\nid = { from = \"id\" }\n[fields]\n";
        let e = err(&format!("{head}\"birthDat\" = {{ from = \"dob\" }}\n"));
        assert_eq!((e.line, e.key.as_deref()), (6, Some("fields.\"birthDat\"")));
        assert!(
            e.message.contains("not a field of a BirthCertificate"),
            "{e}"
        );

        let e = err(&format!(
            "{head}\"sex\" = {{ from = \"s\", code = \"sexe\" }}\n"
        ));
        assert_eq!(e.line, 6);
        assert!(e.message.contains("no code table `sexe`"), "{e}");

        let e = err(&format!(
            "{head}\"birthDate\" = {{ from = \"d\", date = \"%Q\" }}\n"
        ));
        assert!(e.message.contains("not a valid date/time format"), "{e}");

        let e = err(&format!("{head}\"sex\" = {{ form = \"s\" }}\n"));
        assert_eq!(e.line, 6);
        assert!(e.message.contains("unknown field `form`"), "{e}");

        let e = err(&format!(
            "{head}\"sex\" = {{ from = \"s\", value = \"F\" }}\n"
        ));
        assert!(e.message.contains("exactly one of"), "{e}");

        let e = err(&format!(
            "{head}\"sex\" = {{ languages = {{ en = \"s\" }} }}\n"
        ));
        assert!(e.message.contains("only for names"), "{e}");

        let e = err(&format!(
            "{head}\"registration.registrationNumber\" = {{ template = \"{{a\" }}\n"
        ));
        assert!(e.message.contains("not closed"), "{e}");

        let e =
            err("format = 2\ndocument = \"BirthCertificate\"\n[record]\nid = { from = \"id\" }\n");
        assert_eq!((e.line, e.key.as_deref()), (1, Some("format")));

        let e = err("format = 1\ndocument = \"Passport\"\n[record]\nid = { from = \"id\" }\n");
        assert_eq!(e.line, 2);

        let e =
            err("format = 1\ndocument = \"BirthCertificate\"\n[record]\nid = { from = \"id\" \n");
        assert_eq!(e.line, 4, "{e}");

        let e = err(
            "format = 1\ndocument = \"MarriageCertificate\"\n[record]\nid = { from = \"id\" }\n[fields]\n\"spouses[2].givenName\" = { from = \"x\" }\n",
        );
        assert!(e.message.contains("at most 2 entries"), "{e}");
    }

    #[test]
    fn paths_parse() {
        assert_eq!(
            parse_path("a.b[1].c"),
            Some(vec![
                Seg::Key("a".into()),
                Seg::Key("b".into()),
                Seg::Index(1),
                Seg::Key("c".into())
            ])
        );
        assert_eq!(parse_path("a[x]"), None);
        assert_eq!(parse_path(""), None);
        let p = SourcePath::parse("Date of birth").unwrap();
        assert_eq!(p.lookup(&json!({"Date of birth": "x"})), Some(&json!("x")));
        let p = SourcePath::parse("a.b").unwrap();
        assert_eq!(p.lookup(&json!({"a.b": 1, "a": {"b": 2}})), Some(&json!(1)));
        assert_eq!(p.lookup(&json!({"a": {"b": 2}})), Some(&json!(2)));
    }
}
