//! Reading a profile file: TOML into the raw shape, then every check, into a [`Profile`].

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::ops::Range;
use std::path::Path;

use regex::Regex;
use serde_json::{Map, Value};
use toml::Spanned;

use crate::error::{MAX_PROFILE_BYTES, ProfileError, Reason};
use crate::format::{
    Certificate, Cv1Keys, Document, EnumValue, Enumeration, FORMAT_VERSION, Field, Kind, Label,
    ObjectType, Pattern, Profile, Role, Rule, Validity, Vocabulary,
};
use crate::path::FieldPath;
use crate::protected::protected;
use crate::raw::{
    RawCertificate, RawCv1, RawDocument, RawEnum, RawField, RawLabel, RawProfile, RawRule, RawType,
};

/// Longest text, in characters, unless a field says otherwise (SPEC.md §2.4).
pub const DEFAULT_MAX_TEXT: u64 = 200;
/// Most named object types, enumerations or rules in a profile.
pub const MAX_ITEMS: usize = 256;
/// Most fields of one object type, values of one enumeration.
pub const MAX_MEMBERS: usize = 256;
/// Deepest nesting of objects below the subject (the CV1 form's limit, SPEC.md §13.4).
pub const MAX_NESTING: usize = 6;

impl Profile {
    /// Reads and checks the profile file at `path` (at most [`MAX_PROFILE_BYTES`]; a larger
    /// file is refused before it is read).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ProfileError> {
        let path = path.as_ref();
        let origin = path.display().to_string();
        let io = |e: std::io::Error| ProfileError::file(&origin, Reason::Io(e.to_string()));
        let file = std::fs::File::open(path).map_err(io)?;
        let size = file.metadata().map_err(io)?.len();
        if size > MAX_PROFILE_BYTES {
            return Err(too_large(&origin, size));
        }
        let mut bytes = Vec::new();
        file.take(MAX_PROFILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        let text = String::from_utf8(bytes).map_err(|e| {
            ProfileError::file(
                &origin,
                Reason::Io(format!(
                    "not UTF-8 text (byte {})",
                    e.utf8_error().valid_up_to()
                )),
            )
        })?;
        Self::from_toml(&text, &origin)
    }

    /// Checks the profile `text`; `origin` names it in errors (a file path, `birth-certificate`).
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, ProfileError> {
        let size = text.len() as u64;
        if size > MAX_PROFILE_BYTES {
            return Err(too_large(origin, size));
        }
        let raw: RawProfile = toml::from_str(text).map_err(|e| {
            ProfileError::at(
                origin,
                text,
                e.span().map(|s| s.start),
                Reason::Toml(e.message().trim_end().to_owned()),
            )
        })?;
        Loader { origin, text }.profile(raw)
    }
}

fn too_large(origin: &str, size: u64) -> ProfileError {
    ProfileError::file(
        origin,
        Reason::TooLarge {
            size,
            limit: MAX_PROFILE_BYTES,
        },
    )
}

struct Loader<'a> {
    origin: &'a str,
    text: &'a str,
}

/// An object type being checked, with the spans errors need.
struct Pending<'r> {
    raw: &'r RawType,
    span: Range<usize>,
}

impl Loader<'_> {
    fn err(&self, span: &Range<usize>, reason: Reason) -> ProfileError {
        ProfileError::at(self.origin, self.text, Some(span.start), reason)
    }

    fn invalid(&self, span: &Range<usize>, message: impl Into<String>) -> ProfileError {
        self.err(span, Reason::Invalid(message.into()))
    }

    fn line(&self, span: &Range<usize>) -> usize {
        crate::error::line_column(self.text, span.start).0
    }

    fn profile(&self, raw: RawProfile) -> Result<Profile, ProfileError> {
        if *raw.format.get_ref() != FORMAT_VERSION {
            return Err(self.invalid(
                &raw.format.span(),
                format!(
                    "format {} is not supported (this version reads format {FORMAT_VERSION})",
                    raw.format.get_ref()
                ),
            ));
        }
        for (what, count, span) in [
            (
                "object types",
                raw.types.len(),
                raw.types.keys().nth(MAX_ITEMS).map(Spanned::span),
            ),
            (
                "enums",
                raw.enums.len(),
                raw.enums.keys().nth(MAX_ITEMS).map(Spanned::span),
            ),
            (
                "rules",
                raw.rules.len(),
                raw.rules.get(MAX_ITEMS).map(Spanned::span),
            ),
        ] {
            if let Some(span) = span {
                return Err(self.invalid(&span, format!("{count} {what}: at most {MAX_ITEMS}")));
            }
        }
        let document = self.document(&raw.document)?;
        let vocabulary = self.vocabulary(&raw)?;
        let enums = self.enums(&raw.enums)?;

        let mut pending = BTreeMap::new();
        for (name, t) in &raw.types {
            if !is_identifier(name.get_ref()) {
                return Err(self.invalid(
                    &name.span(),
                    format!(
                        "`{}` is not a type name (letters, digits, `_`, `-`)",
                        name.get_ref()
                    ),
                ));
            }
            pending.insert(
                name.get_ref().clone(),
                Pending {
                    raw: t.get_ref(),
                    span: name.span(),
                },
            );
        }
        let subject = self.object_type(
            "subject",
            "subject",
            raw.subject.get_ref(),
            &raw.subject.span(),
            &pending,
            &enums,
        )?;
        let mut types = BTreeMap::new();
        for (name, p) in &pending {
            let t = self.object_type(
                name,
                &format!("type {name}"),
                p.raw,
                &p.span,
                &pending,
                &enums,
            )?;
            types.insert(name.clone(), t);
        }
        self.check_roles_and_cycles(&subject, &types, &raw)?;
        let depth = nesting(&subject, &types, &mut BTreeMap::new());
        if depth > MAX_NESTING {
            return Err(self.invalid(
                &raw.subject.span(),
                format!("objects nest {depth} deep below the subject: at most {MAX_NESTING}"),
            ));
        }
        self.check_vocabulary_use(&document, &vocabulary, &subject, &types, &raw)?;

        let mut profile = Profile {
            origin: self.origin.to_owned(),
            document,
            vocabulary,
            subject,
            types,
            enums,
            rules: Vec::new(),
            cv1: None,
            certificate: Certificate {
                title: Label::default(),
                sections: Vec::new(),
            },
            sample: None,
        };
        profile.rules = raw
            .rules
            .iter()
            .map(|r| self.rule(r.get_ref(), &profile))
            .collect::<Result<_, _>>()?;
        profile.cv1 = match &raw.cv1 {
            Some(c) => Some(self.cv1(c.get_ref(), &c.span(), &profile)?),
            None => None,
        };
        profile.certificate =
            self.certificate(raw.certificate.get_ref(), &raw.certificate.span(), &profile)?;
        if let Some(sample) = &raw.sample {
            let mut value = toml_to_json(&toml::Value::Table(sample.get_ref().clone()));
            crate::sample::fill_types(&profile, &mut value);
            let today = crate::validate::latest_date_on_earth();
            if let Some(e) = crate::validate::validate_at(&profile, &value, today).first() {
                return Err(self.invalid(
                    &sample.span(),
                    format!("the sample does not validate: {}: {}", e.pointer, e.message),
                ));
            }
            profile.sample = Some(value);
        }
        Ok(profile)
    }

    fn label(
        &self,
        label: Option<&RawLabel>,
        what: &str,
        fallback: &Range<usize>,
    ) -> Result<Label, ProfileError> {
        let Some(label) = label else {
            return Err(self.err(
                fallback,
                Reason::MissingLabel {
                    what: what.to_owned(),
                    language: "en".into(),
                },
            ));
        };
        for language in ["en", "fr"] {
            match label.get_ref().get(language) {
                Some(t) if !t.trim().is_empty() => {}
                _ => {
                    return Err(self.err(
                        &label.span(),
                        Reason::MissingLabel {
                            what: what.to_owned(),
                            language: language.into(),
                        },
                    ));
                }
            }
        }
        Ok(Label {
            texts: label.get_ref().clone(),
        })
    }

    fn document(&self, raw: &Spanned<RawDocument>) -> Result<Document, ProfileError> {
        let d = raw.get_ref();
        if !is_term(d.type_name.get_ref()) {
            return Err(self.invalid(
                &d.type_name.span(),
                format!("`{}` is not a type name", d.type_name.get_ref()),
            ));
        }
        if d.version.get_ref().trim().is_empty() {
            return Err(self.invalid(&d.version.span(), "the version is empty"));
        }
        for url in [&d.context, &d.schema] {
            if !is_absolute_iri(url.get_ref()) {
                return Err(self.invalid(
                    &url.span(),
                    format!("`{}` is not an absolute URL", url.get_ref()),
                ));
            }
        }
        let valid_for = match &d.valid_for {
            Some(v) => Some(parse_validity(v.get_ref()).ok_or_else(|| {
                self.invalid(
                    &v.span(),
                    format!(
                        "`{}` is not a period such as `P10Y`, `P6M` or `P1Y6M`",
                        v.get_ref()
                    ),
                )
            })?),
            None => None,
        };
        Ok(Document {
            type_name: d.type_name.get_ref().clone(),
            version: d.version.get_ref().clone(),
            label: self.label(d.label.as_ref(), "the document", &raw.span())?,
            context_url: d.context.get_ref().clone(),
            schema_url: d.schema.get_ref().clone(),
            valid_for,
        })
    }

    fn vocabulary(&self, raw: &RawProfile) -> Result<Vocabulary, ProfileError> {
        let v = &raw.vocabulary;
        let mut prefixes = BTreeMap::new();
        for (name, iri) in &v.prefixes {
            if !is_identifier(name.get_ref()) {
                return Err(self.invalid(
                    &name.span(),
                    format!("`{}` is not a prefix name", name.get_ref()),
                ));
            }
            if !is_absolute_iri(iri.get_ref()) {
                return Err(self.invalid(
                    &iri.span(),
                    format!("`{}` is not an absolute IRI", iri.get_ref()),
                ));
            }
            prefixes.insert(name.get_ref().as_str(), iri.get_ref().as_str());
        }
        let mut terms = BTreeMap::new();
        for (term, iri) in &v.terms {
            let name = term.get_ref();
            if !is_term(name) {
                return Err(self.invalid(
                    &term.span(),
                    format!(
                        "`{name}` is not a term (a letter or `_`, then letters, digits or `_`)"
                    ),
                ));
            }
            let expanded = match iri.get_ref().split_once(':') {
                Some((prefix, rest))
                    if prefixes.contains_key(prefix) && !rest.starts_with("//") =>
                {
                    format!("{}{rest}", prefixes[prefix])
                }
                _ => iri.get_ref().clone(),
            };
            if !is_absolute_iri(&expanded) {
                return Err(self.invalid(
                    &iri.span(),
                    format!(
                        "`{}` is not an absolute IRI nor `prefix:name` of a declared prefix",
                        iri.get_ref()
                    ),
                ));
            }
            match protected(name) {
                Some(Some(same)) if same == expanded => {}
                Some(Some(same)) => {
                    return Err(self.err(
                        &term.span(),
                        Reason::ProtectedTerm {
                            term: name.clone(),
                            detail: format!(
                                " (it is `{same}` there; only an identical definition is allowed)"
                            ),
                        },
                    ));
                }
                Some(None) => {
                    return Err(self.err(
                        &term.span(),
                        Reason::ProtectedTerm {
                            term: name.clone(),
                            detail: String::new(),
                        },
                    ));
                }
                None => {}
            }
            terms.insert(name.clone(), expanded);
        }
        Ok(Vocabulary { terms })
    }

    fn enums(
        &self,
        raw: &BTreeMap<Spanned<String>, Spanned<RawEnum>>,
    ) -> Result<BTreeMap<String, Enumeration>, ProfileError> {
        let mut enums = BTreeMap::new();
        for (name, e) in raw {
            if !is_identifier(name.get_ref()) {
                return Err(self.invalid(
                    &name.span(),
                    format!(
                        "`{}` is not an enum name (letters, digits, `_`, `-`)",
                        name.get_ref()
                    ),
                ));
            }
            let mut values: Vec<EnumValue> = Vec::new();
            if let Some(v) = e.get_ref().values.get(MAX_MEMBERS) {
                return Err(self.invalid(
                    &v.span(),
                    format!(
                        "enum `{}` has more than {MAX_MEMBERS} values",
                        name.get_ref()
                    ),
                ));
            }
            if e.get_ref().values.is_empty() {
                return Err(self.invalid(
                    &name.span(),
                    format!("enum `{}` has no values", name.get_ref()),
                ));
            }
            for v in &e.get_ref().values {
                let code = v.get_ref().code.get_ref();
                if code.is_empty() {
                    return Err(self.invalid(&v.get_ref().code.span(), "an enum code is empty"));
                }
                if values.iter().any(|x| x.code == *code) {
                    return Err(self.invalid(
                        &v.get_ref().code.span(),
                        format!("code `{code}` is listed twice in enum `{}`", name.get_ref()),
                    ));
                }
                let label = self.label(
                    v.get_ref().label.as_ref(),
                    &format!("value `{code}` of enum `{}`", name.get_ref()),
                    &v.get_ref().code.span(),
                )?;
                values.push(EnumValue {
                    code: code.clone(),
                    label,
                });
            }
            enums.insert(
                name.get_ref().clone(),
                Enumeration {
                    name: name.get_ref().clone(),
                    values,
                },
            );
        }
        Ok(enums)
    }

    fn object_type(
        &self,
        name: &str,
        owner: &str,
        raw: &RawType,
        span: &Range<usize>,
        types: &BTreeMap<String, Pending<'_>>,
        enums: &BTreeMap<String, Enumeration>,
    ) -> Result<ObjectType, ProfileError> {
        if raw.fields.is_empty() {
            return Err(self.invalid(span, format!("{owner} has no fields")));
        }
        if let Some(f) = raw.fields.get(MAX_MEMBERS) {
            return Err(self.invalid(
                &f.span(),
                format!("{owner} has more than {MAX_MEMBERS} fields"),
            ));
        }
        if let Some(class) = &raw.class
            && !is_term(class.get_ref())
        {
            return Err(self.invalid(
                &class.span(),
                format!("`{}` is not a class name", class.get_ref()),
            ));
        }
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        let mut fields = Vec::with_capacity(raw.fields.len());
        for f in &raw.fields {
            let f = f.get_ref();
            let key = f.key.get_ref();
            if let Some(first) = seen.get(key.as_str()) {
                return Err(self.err(
                    &f.key.span(),
                    Reason::DuplicateField {
                        key: key.clone(),
                        owner: owner.to_owned(),
                        first_line: *first,
                    },
                ));
            }
            seen.insert(key, self.line(&f.key.span()));
            fields.push(self.field(owner, f, types, enums)?);
        }
        Ok(ObjectType {
            name: name.to_owned(),
            class: raw.class.as_ref().map(|c| c.get_ref().clone()),
            fields,
        })
    }

    fn field(
        &self,
        owner: &str,
        f: &RawField,
        types: &BTreeMap<String, Pending<'_>>,
        enums: &BTreeMap<String, Enumeration>,
    ) -> Result<Field, ProfileError> {
        let key = f.key.get_ref();
        let kind_name = f.kind.get_ref().as_str();
        if key == "type" {
            return Err(self.invalid(
                &f.key.span(),
                "`type` is not a field: it is implied by the object's `class`",
            ));
        }
        if key != "id" && !is_term(key) {
            return Err(self.invalid(
                &f.key.span(),
                format!("`{key}` is not a field key (a vocabulary term)"),
            ));
        }
        if !Kind::NAMES.contains(&kind_name) {
            return Err(self.err(
                &f.kind.span(),
                Reason::UnknownKind {
                    kind: kind_name.to_owned(),
                    known: Kind::NAMES.join(", "),
                },
            ));
        }
        if (key == "id") != (kind_name == "did") {
            return Err(self.invalid(
                &f.kind.span(),
                "the field `id` (the object's identifier) is the only one of kind `did`, and it must be",
            ));
        }
        let allowed: &[&str] = match kind_name {
            "text" => &["min_length", "max_length"],
            "enum" => &["enum"],
            "integer" => &["min", "max"],
            "identifier" => &["pattern"],
            "object" | "person" | "place" => &["type"],
            "list" => &["type", "item", "min", "max"],
            _ => &[],
        };
        let given = [
            ("type", f.type_name.as_ref().map(Spanned::span)),
            ("item", f.item.as_ref().map(Spanned::span)),
            ("enum", f.enum_name.as_ref().map(Spanned::span)),
            ("pattern", f.pattern.as_ref().map(Spanned::span)),
            ("min_length", f.min_length.as_ref().map(Spanned::span)),
            ("max_length", f.max_length.as_ref().map(Spanned::span)),
            ("min", f.min.as_ref().map(Spanned::span)),
            ("max", f.max.as_ref().map(Spanned::span)),
        ];
        for (option, span) in given {
            if let Some(span) = span
                && !allowed.contains(&option)
            {
                return Err(self.invalid(
                    &span,
                    format!("`{option}` does not apply to a field of kind `{kind_name}`"),
                ));
            }
        }
        let type_ref = |default: Option<&str>| -> Result<String, ProfileError> {
            let name = match (&f.type_name, default) {
                (Some(t), _) => t.get_ref().clone(),
                (None, Some(d)) => d.to_owned(),
                (None, None) => {
                    return Err(self.invalid(
                        &f.kind.span(),
                        format!(
                            "a field of kind `{kind_name}` names its object type (`type = \"…\"`)"
                        ),
                    ));
                }
            };
            if !types.contains_key(&name) {
                let span = f.type_name.as_ref().map_or(f.kind.span(), Spanned::span);
                return Err(self.invalid(
                    &span,
                    format!(
                        "no object type `{name}` (declare it as [types.{name}]; types: {})",
                        types.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
            Ok(name)
        };
        let kind = match kind_name {
            "text" => {
                let min_length = f.min_length.as_ref().map_or(1, |m| *m.get_ref());
                let max_length = f
                    .max_length
                    .as_ref()
                    .map_or(DEFAULT_MAX_TEXT, |m| *m.get_ref());
                if min_length == 0 || min_length > max_length {
                    let span = f.min_length.as_ref().map_or(f.kind.span(), Spanned::span);
                    return Err(self.invalid(&span, "a text needs 1 <= min_length <= max_length"));
                }
                Kind::Text {
                    min_length,
                    max_length,
                }
            }
            "language-map" => Kind::LanguageMap,
            "date" => Kind::Date,
            "time" => Kind::Time,
            "date-time" => Kind::DateTime,
            "amount" => Kind::Amount,
            "country" => Kind::Country,
            "did" => Kind::Did,
            "enum" => {
                let Some(name) = &f.enum_name else {
                    return Err(self.invalid(
                        &f.kind.span(),
                        "a field of kind `enum` names its enumeration (`enum = \"…\"`)",
                    ));
                };
                if !enums.contains_key(name.get_ref()) {
                    return Err(self.invalid(
                        &name.span(),
                        format!(
                            "no enum `{}` (declare it as [enums.{}])",
                            name.get_ref(),
                            name.get_ref()
                        ),
                    ));
                }
                Kind::Enum {
                    name: name.get_ref().clone(),
                }
            }
            "integer" => {
                let min = f.min.as_ref().map(|m| *m.get_ref());
                let max = f.max.as_ref().map(|m| *m.get_ref());
                if let (Some(lo), Some(hi), Some(span)) = (min, max, f.min.as_ref())
                    && lo > hi
                {
                    return Err(self.invalid(&span.span(), "min is larger than max"));
                }
                Kind::Integer { min, max }
            }
            "identifier" => {
                let Some(p) = &f.pattern else {
                    return Err(self.invalid(
                        &f.kind.span(),
                        "a field of kind `identifier` has a `pattern`",
                    ));
                };
                Kind::Identifier {
                    pattern: self.pattern(p)?,
                }
            }
            "object" => Kind::Object {
                role: Role::Object,
                type_name: type_ref(None)?,
            },
            "person" => Kind::Object {
                role: Role::Person,
                type_name: type_ref(Some("person"))?,
            },
            "place" => Kind::Object {
                role: Role::Place,
                type_name: type_ref(Some("place"))?,
            },
            _ => {
                let role = match f.item.as_ref().map(|i| i.get_ref().as_str()) {
                    None | Some("object") => Role::Object,
                    Some("person") => Role::Person,
                    Some("place") => Role::Place,
                    Some(other) => {
                        let span = f.item.as_ref().map_or(f.kind.span(), Spanned::span);
                        return Err(self.invalid(
                            &span,
                            format!("list items are `object`, `person` or `place`, not `{other}`"),
                        ));
                    }
                };
                let bound = |v: &Option<Spanned<i64>>| -> Result<Option<u64>, ProfileError> {
                    match v {
                        None => Ok(None),
                        Some(s) => u64::try_from(*s.get_ref())
                            .map(Some)
                            .map_err(|_| self.invalid(&s.span(), "a list bound is not negative")),
                    }
                };
                let min = bound(&f.min)?.unwrap_or(0);
                let max = bound(&f.max)?;
                if let (Some(hi), Some(span)) = (max, f.max.as_ref())
                    && (hi < min || hi == 0)
                {
                    return Err(
                        self.invalid(&span.span(), "max must be at least 1 and at least min")
                    );
                }
                Kind::List {
                    role,
                    type_name: type_ref(None)?,
                    min,
                    max,
                }
            }
        };
        let label = self.label(
            f.label.as_ref(),
            &format!("field `{key}` of {owner}"),
            &f.key.span(),
        )?;
        Ok(Field {
            key: key.clone(),
            kind,
            required: f.required,
            label,
            withhold: f.withhold,
            ingest: f.ingest.unwrap_or(true),
        })
    }

    fn pattern(&self, p: &Spanned<String>) -> Result<Pattern, ProfileError> {
        let written = p.get_ref();
        let source = if written.starts_with('^') && written.ends_with('$') {
            written.clone()
        } else {
            format!("^(?:{written})$")
        };
        let regex = regex::RegexBuilder::new(&source)
            .size_limit(1 << 20)
            .build()
            .map_err(|e| self.invalid(&p.span(), format!("the pattern does not compile: {e}")))?;
        Ok(Pattern { source, regex })
    }

    /// Each type is used in one role only, and no type contains itself (through any field,
    /// required or not: a schema and a QR table of it would be infinite).
    fn check_roles_and_cycles(
        &self,
        subject: &ObjectType,
        types: &BTreeMap<String, ObjectType>,
        raw: &RawProfile,
    ) -> Result<(), ProfileError> {
        let span_of = |owner: Option<&str>, key: &str| -> Range<usize> {
            let t = match owner {
                None => Some(raw.subject.get_ref()),
                Some(o) => raw
                    .types
                    .iter()
                    .find(|(n, _)| n.get_ref() == o)
                    .map(|(_, t)| t.get_ref()),
            };
            t.and_then(|t| t.fields.iter().find(|f| f.get_ref().key.get_ref() == key))
                .map_or(0..0, |f| f.get_ref().kind.span())
        };
        let mut roles: BTreeMap<&str, Role> = BTreeMap::new();
        let all = std::iter::once((None, subject))
            .chain(types.iter().map(|(n, t)| (Some(n.as_str()), t)));
        for (owner, t) in all {
            for f in &t.fields {
                let (role, name) = match &f.kind {
                    Kind::Object { role, type_name }
                    | Kind::List {
                        role, type_name, ..
                    } => (*role, type_name.as_str()),
                    _ => continue,
                };
                match roles.get(name) {
                    Some(r) if *r != role => {
                        return Err(self.invalid(
                            &span_of(owner, &f.key),
                            format!(
                                "type `{name}` is used as a {} here and as a {} elsewhere: a type has one role",
                                role.as_str(),
                                r.as_str()
                            ),
                        ));
                    }
                    _ => {
                        roles.insert(name, role);
                    }
                }
            }
        }
        // Depth-first search; `stack` is the current chain of types.
        fn visit<'t>(
            name: &'t str,
            types: &'t BTreeMap<String, ObjectType>,
            stack: &mut Vec<(&'t str, &'t str)>,
            done: &mut BTreeSet<&'t str>,
        ) -> Option<(Vec<(&'t str, &'t str)>, &'t str)> {
            if done.contains(name) {
                return None;
            }
            let t = types.get(name)?;
            for f in &t.fields {
                let Some(next) = f.kind.type_name() else {
                    continue;
                };
                if let Some(at) = stack.iter().position(|(n, _)| *n == next) {
                    let mut cycle = stack[at..].to_vec();
                    cycle.push((name, f.key.as_str()));
                    return Some((cycle, next));
                }
                if next == name {
                    return Some((vec![(name, f.key.as_str())], next));
                }
                stack.push((name, f.key.as_str()));
                let found = visit(next, types, stack, done);
                stack.pop();
                if found.is_some() {
                    return found;
                }
            }
            done.insert(name);
            None
        }
        let mut done = BTreeSet::new();
        for name in types.keys() {
            let mut stack = Vec::new();
            if let Some((chain, back_to)) = visit(name, types, &mut stack, &mut done) {
                let mut text: Vec<String> = Vec::new();
                for (t, key) in &chain {
                    text.push(format!("{t}.{key}"));
                }
                text.push(back_to.to_owned());
                let (last_type, last_key) = chain.last().copied().unwrap_or((name, ""));
                return Err(self.err(
                    &span_of(Some(last_type), last_key),
                    Reason::Cycle {
                        cycle: text.join(" -> "),
                    },
                ));
            }
        }
        Ok(())
    }

    /// Every member and class is a vocabulary term; a term has one JSON-LD coercion.
    fn check_vocabulary_use(
        &self,
        document: &Document,
        vocabulary: &Vocabulary,
        subject: &ObjectType,
        types: &BTreeMap<String, ObjectType>,
        raw: &RawProfile,
    ) -> Result<(), ProfileError> {
        let terms = &raw.vocabulary.terms;
        let term_span = |term: &str| -> Range<usize> {
            terms
                .keys()
                .find(|k| k.get_ref() == term)
                .map_or(0..0, Spanned::span)
        };
        if !vocabulary.terms.contains_key(&document.type_name) {
            return Err(self.invalid(
                &raw.document.get_ref().type_name.span(),
                format!(
                    "the document type `{}` is not a vocabulary term",
                    document.type_name
                ),
            ));
        }
        let mut coercions: BTreeMap<&str, (crate::context::Coercion, String)> = BTreeMap::new();
        let all = std::iter::once((raw.subject.get_ref(), subject)).chain(
            raw.types
                .iter()
                .filter_map(|(n, r)| types.get(n.get_ref()).map(|t| (r.get_ref(), t))),
        );
        let mut amount_span = None;
        for (r, t) in all {
            if let (Some(class), Some(rc)) = (&t.class, &r.class)
                && !vocabulary.terms.contains_key(class)
            {
                return Err(self.invalid(
                    &rc.span(),
                    format!("the class `{class}` is not a vocabulary term"),
                ));
            }
            for (f, rf) in t.fields.iter().zip(&r.fields) {
                if f.key == "id" {
                    continue;
                }
                let span = rf.get_ref().key.span();
                if !vocabulary.terms.contains_key(&f.key) {
                    return Err(self.invalid(
                        &span,
                        format!(
                            "`{}` is not a vocabulary term (add it to [vocabulary.terms])",
                            f.key
                        ),
                    ));
                }
                if f.kind == Kind::Amount {
                    amount_span.get_or_insert(span.clone());
                }
                let coercion = crate::context::coercion(&f.kind);
                let here = format!("{} (line {})", f.kind.name(), self.line(&span));
                if let Some((c, there)) = coercions.get(f.key.as_str()) {
                    if *c != coercion {
                        return Err(self.invalid(
                            &span,
                            format!(
                                "the term `{}` is used as {here} and as {there}: one term has one JSON-LD definition",
                                f.key
                            ),
                        ));
                    }
                } else {
                    coercions.insert(&f.key, (coercion, here));
                }
                if protected(&f.key).is_some() && coercion != crate::context::Coercion::None {
                    return Err(self.err(
                        &term_span(&f.key),
                        Reason::ProtectedTerm {
                            term: f.key.clone(),
                            detail: format!(
                                " (a `{}` field would give it another definition)",
                                f.kind.name()
                            ),
                        },
                    ));
                }
            }
        }
        if let Some(span) = amount_span {
            for member in ["value", "currency"] {
                if !vocabulary.terms.contains_key(member) {
                    return Err(self.invalid(
                        &span,
                        format!("an amount is {{\"value\", \"currency\"}}: the vocabulary needs the term `{member}`"),
                    ));
                }
                if coercions.contains_key(member) {
                    return Err(self.invalid(
                        &span,
                        format!(
                            "`{member}` is a member of every amount and cannot also be a field"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    fn path(
        &self,
        rule: &str,
        text: &Spanned<String>,
        profile: &Profile,
    ) -> Result<(FieldPath, Field), ProfileError> {
        let parsed = FieldPath::parse(text.get_ref()).ok_or_else(|| {
            self.err(
                &text.span(),
                Reason::RuleUnknownField {
                    rule: rule.to_owned(),
                    path: text.get_ref().clone(),
                    detail: "not a path such as `a.b` or `list[].c`".into(),
                },
            )
        })?;
        let field = profile.resolve(&parsed).map_err(|detail| {
            self.err(
                &text.span(),
                Reason::RuleUnknownField {
                    rule: rule.to_owned(),
                    path: text.get_ref().clone(),
                    detail,
                },
            )
        })?;
        Ok((parsed, field.clone()))
    }

    fn rule(&self, r: &RawRule, profile: &Profile) -> Result<Rule, ProfileError> {
        let name = r.rule.get_ref().as_str();
        if !Rule::NAMES.contains(&name) {
            return Err(self.invalid(
                &r.rule.span(),
                format!(
                    "unknown rule `{name}`; the rules are: {}",
                    Rule::NAMES.join(", ")
                ),
            ));
        }
        let allowed: &[&str] = match name {
            "not-future" => &["field"],
            "before" | "after" => &["field", "other", "or_same"],
            "distinct" => &["fields", "by"],
            "at-most" => &["fields", "max"],
            _ => &["of", "minus", "total"],
        };
        let given = [
            ("field", r.field.is_some()),
            ("other", r.other.is_some()),
            ("or_same", r.or_same),
            ("fields", r.fields.is_some()),
            ("by", r.by.is_some()),
            ("max", r.max.is_some()),
            ("of", r.of.is_some()),
            ("minus", r.minus.is_some()),
            ("total", r.total.is_some()),
        ];
        for (option, present) in given {
            if present && !allowed.contains(&option) {
                return Err(self.invalid(
                    &r.rule.span(),
                    format!("`{option}` does not apply to rule `{name}`"),
                ));
            }
        }
        let need =
            |v: &Option<Spanned<String>>, what: &str| -> Result<Spanned<String>, ProfileError> {
                v.clone().ok_or_else(|| {
                    self.invalid(&r.rule.span(), format!("rule `{name}` needs `{what}`"))
                })
            };
        let wrong = |text: &Spanned<String>, found: &Kind, expected: &str| {
            self.err(
                &text.span(),
                Reason::RuleWrongKind {
                    rule: name.to_owned(),
                    path: text.get_ref().clone(),
                    found: describe(found),
                    expected: expected.to_owned(),
                },
            )
        };
        let is_date = |k: &Kind| matches!(k, Kind::Date | Kind::DateTime);
        Ok(match name {
            "not-future" => {
                let text = need(&r.field, "field")?;
                let (field, f) = self.path(name, &text, profile)?;
                if !is_date(&f.kind) {
                    return Err(wrong(&text, &f.kind, "a date or a date-time"));
                }
                Rule::NotFuture { field }
            }
            "before" | "after" => {
                let t1 = need(&r.field, "field")?;
                let t2 = need(&r.other, "other")?;
                let (field, f1) = self.path(name, &t1, profile)?;
                let (other, f2) = self.path(name, &t2, profile)?;
                if !is_date(&f1.kind) {
                    return Err(wrong(&t1, &f1.kind, "a date or a date-time"));
                }
                if f2.kind != f1.kind {
                    return Err(wrong(
                        &t2,
                        &f2.kind,
                        &format!("{} like `{}`", describe(&f1.kind), t1.get_ref()),
                    ));
                }
                let or_same = r.or_same;
                if name == "before" {
                    Rule::Before {
                        field,
                        other,
                        or_same,
                    }
                } else {
                    Rule::After {
                        field,
                        other,
                        or_same,
                    }
                }
            }
            "distinct" => {
                let Some(list) = &r.fields else {
                    return Err(self.invalid(&r.rule.span(), "rule `distinct` needs `fields`"));
                };
                if list.is_empty() {
                    return Err(
                        self.invalid(&r.rule.span(), "rule `distinct` needs at least one field")
                    );
                }
                let Some(by) = &r.by else {
                    return Err(self.invalid(
                        &r.rule.span(),
                        "rule `distinct` needs `by` (groups of keys that identify a person)",
                    ));
                };
                if by.get_ref().is_empty() || by.get_ref().iter().any(Vec::is_empty) {
                    return Err(self.invalid(
                        &by.span(),
                        "`by` is a non-empty list of non-empty lists of keys",
                    ));
                }
                let mut fields = Vec::new();
                for text in list {
                    let (path, f) = self.path(name, text, profile)?;
                    let type_name = match &f.kind {
                        Kind::Object {
                            role: Role::Person,
                            type_name,
                        } => type_name,
                        Kind::List {
                            role: Role::Person,
                            type_name,
                            ..
                        } if !path.segments.last().is_some_and(|s| s.each) => type_name,
                        other => return Err(wrong(text, other, "a person or a list of persons")),
                    };
                    let t = profile.types.get(type_name);
                    for group in by.get_ref() {
                        for key in group {
                            if t.and_then(|t| t.field(key)).is_none() {
                                return Err(self.err(
                                    &by.span(),
                                    Reason::RuleUnknownField {
                                        rule: name.to_owned(),
                                        path: format!("{}.{key}", text.get_ref()),
                                        detail: format!("type `{type_name}` has no field `{key}`"),
                                    },
                                ));
                            }
                        }
                    }
                    fields.push(path);
                }
                if fields.len() == 1
                    && !matches!(
                        profile.resolve(&fields[0]).map(|f| &f.kind),
                        Ok(Kind::List { .. })
                    )
                {
                    return Err(self.invalid(
                        &r.rule.span(),
                        "rule `distinct` with one field needs a list (or name two or more persons)",
                    ));
                }
                Rule::Distinct {
                    fields,
                    by: by.get_ref().clone(),
                }
            }
            "at-most" => {
                let Some(list) = &r.fields else {
                    return Err(self.invalid(&r.rule.span(), "rule `at-most` needs `fields`"));
                };
                let Some(max) = &r.max else {
                    return Err(self.invalid(&r.rule.span(), "rule `at-most` needs `max`"));
                };
                let fields = list
                    .iter()
                    .map(|t| self.path(name, t, profile).map(|(p, _)| p))
                    .collect::<Result<Vec<_>, _>>()?;
                if fields.is_empty() {
                    return Err(
                        self.invalid(&r.rule.span(), "rule `at-most` needs at least one field")
                    );
                }
                Rule::AtMost {
                    fields,
                    max: *max.get_ref(),
                }
            }
            _ => {
                let Some(of) = &r.of else {
                    return Err(self.invalid(&r.rule.span(), "rule `sum` needs `of`"));
                };
                let total_text = need(&r.total, "total")?;
                let amounts = |list: &[Spanned<String>]| -> Result<Vec<FieldPath>, ProfileError> {
                    list.iter()
                        .map(|t| {
                            let (p, f) = self.path(name, t, profile)?;
                            if f.kind != Kind::Amount {
                                return Err(wrong(t, &f.kind, "an amount"));
                            }
                            Ok(p)
                        })
                        .collect()
                };
                let of = amounts(of)?;
                let minus = amounts(r.minus.as_deref().unwrap_or_default())?;
                let total = amounts(std::slice::from_ref(&total_text))?;
                if total[0].segments.iter().any(|s| s.each) {
                    return Err(self.invalid(
                        &total_text.span(),
                        "the total of a `sum` is one amount, not inside a list",
                    ));
                }
                Rule::Sum {
                    of,
                    minus,
                    total: total[0].clone(),
                }
            }
        })
    }

    fn cv1(
        &self,
        c: &RawCv1,
        span: &Range<usize>,
        profile: &Profile,
    ) -> Result<Cv1Keys, ProfileError> {
        let mut by_key: BTreeMap<u64, &str> = BTreeMap::new();
        let mut keys = BTreeMap::new();
        // In the order the keys are written, so "first" is the one earlier in the file.
        let mut entries: Vec<_> = c.keys.iter().collect();
        entries.sort_by_key(|(_, v)| v.span().start);
        for (member, key) in entries {
            if let Some(first) = by_key.get(key.get_ref()) {
                return Err(self.err(
                    &key.span(),
                    Reason::Cv1KeyReused {
                        key: *key.get_ref(),
                        first: (*first).to_owned(),
                        second: member.get_ref().clone(),
                    },
                ));
            }
            by_key.insert(*key.get_ref(), member.get_ref());
            keys.insert(member.get_ref().clone(), *key.get_ref());
        }
        let members = profile.members();
        for member in &members {
            if !keys.contains_key(member) {
                return Err(self.invalid(
                    span,
                    format!("the member `{member}` has no CV1 key ([cv1.keys])"),
                ));
            }
        }
        for (member, key) in &c.keys {
            if !members.contains(member.get_ref()) {
                return Err(self.invalid(
                    &key.span(),
                    format!(
                        "`{}` has a CV1 key but is no member of this document",
                        member.get_ref()
                    ),
                ));
            }
        }
        let mut types = BTreeMap::new();
        let mut by_code: BTreeMap<u64, &str> = BTreeMap::new();
        let mut entries: Vec<_> = c.types.iter().collect();
        entries.sort_by_key(|(_, v)| v.span().start);
        for (class, code) in entries {
            if let Some(first) = by_code.get(code.get_ref()) {
                return Err(self.err(
                    &code.span(),
                    Reason::Cv1KeyReused {
                        key: *code.get_ref(),
                        first: (*first).to_owned(),
                        second: class.get_ref().clone(),
                    },
                ));
            }
            by_code.insert(*code.get_ref(), class.get_ref());
            types.insert(class.get_ref().clone(), *code.get_ref());
        }
        for class in profile.classes() {
            if !types.contains_key(&class) {
                return Err(self.invalid(
                    span,
                    format!("the class `{class}` has no CV1 type code ([cv1.types])"),
                ));
            }
        }
        // One implied class per member: the QR form omits `type` where the member implies it.
        let mut implied: BTreeMap<&str, &str> = BTreeMap::new();
        for t in std::iter::once(&profile.subject).chain(profile.types.values()) {
            for f in &t.fields {
                let class = f
                    .kind
                    .type_name()
                    .and_then(|n| profile.types.get(n))
                    .and_then(|t| t.class.as_deref());
                if let Some(class) = class {
                    match implied.get(f.key.as_str()) {
                        Some(c) if *c != class => {
                            return Err(self.invalid(
                                span,
                                format!(
                                    "the member `{}` holds a `{c}` in one place and a `{class}` in another: the CV1 form implies one class per member",
                                    f.key
                                ),
                            ));
                        }
                        _ => {
                            implied.insert(&f.key, class);
                        }
                    }
                }
            }
        }
        Ok(Cv1Keys {
            document: *c.document.get_ref(),
            keys,
            types,
        })
    }

    fn certificate(
        &self,
        c: &RawCertificate,
        span: &Range<usize>,
        profile: &Profile,
    ) -> Result<Certificate, ProfileError> {
        let title = self.label(c.title.as_ref(), "the certificate title", span)?;
        let mut sections = Vec::new();
        for (i, s) in c.sections.iter().enumerate() {
            let what = format!("certificate section {}", i + 1);
            let title = self.label(s.get_ref().title.as_ref(), &what, &s.span())?;
            let mut fields = Vec::new();
            for text in &s.get_ref().fields {
                let unknown = |detail: String| {
                    self.invalid(
                        &text.span(),
                        format!("{what}: `{}` is not a field ({detail})", text.get_ref()),
                    )
                };
                let path =
                    FieldPath::parse(text.get_ref()).ok_or_else(|| unknown("not a path".into()))?;
                profile.resolve(&path).map_err(unknown)?;
                fields.push(path);
            }
            sections.push(crate::format::Section { title, fields });
        }
        Ok(Certificate { title, sections })
    }
}

/// How deep objects nest below `t` (0: no object fields). Types have no cycles here.
fn nesting<'t>(
    t: &'t ObjectType,
    types: &'t BTreeMap<String, ObjectType>,
    memo: &mut BTreeMap<&'t str, usize>,
) -> usize {
    let mut deepest = 0;
    for f in &t.fields {
        let Some((name, inner)) = f.kind.type_name().and_then(|n| types.get_key_value(n)) else {
            continue;
        };
        let d = match memo.get(name.as_str()) {
            Some(d) => *d,
            None => {
                let d = nesting(inner, types, memo);
                memo.insert(name, d);
                d
            }
        };
        deepest = deepest.max(d + 1);
    }
    deepest
}

/// A short description of a field's kind for messages (`a date`, `a text`).
fn describe(kind: &Kind) -> String {
    match kind {
        Kind::List { type_name, .. } => format!("a list of `{type_name}`"),
        Kind::Object { role, type_name } => format!("a {} (`{type_name}`)", role.as_str()),
        Kind::Amount | Kind::Enum { .. } | Kind::Identifier { .. } | Kind::Integer { .. } => {
            format!("an {}", kind.name())
        }
        other => format!("a {}", other.name()),
    }
}

impl Profile {
    /// The field a path names, or why there is none: each segment must be a field of the
    /// object before it, and a list may only be passed through with `[]`.
    pub fn resolve(&self, path: &FieldPath) -> Result<&Field, String> {
        let mut current = &self.subject;
        let mut found = None;
        for (i, segment) in path.segments.iter().enumerate() {
            if found.is_some() {
                let Some(type_name) = found.and_then(|f: &Field| f.kind.type_name()) else {
                    return Err(format!("`{}` has no members", path.segments[i - 1].key));
                };
                current = self
                    .types
                    .get(type_name)
                    .ok_or_else(|| format!("no type `{type_name}`"))?;
            }
            let field = current.field(&segment.key).ok_or_else(|| {
                format!(
                    "{} has no field `{}`",
                    if i == 0 {
                        "the subject".to_owned()
                    } else {
                        format!("type `{}`", current.name)
                    },
                    segment.key
                )
            })?;
            let is_list = matches!(field.kind, Kind::List { .. });
            if segment.each && !is_list {
                return Err(format!("`{}` is not a list (no `[]`)", segment.key));
            }
            if is_list && !segment.each && i + 1 < path.segments.len() {
                return Err(format!(
                    "`{}` is a list: write `{}[]`",
                    segment.key, segment.key
                ));
            }
            found = Some(field);
        }
        found.ok_or_else(|| "empty path".to_owned())
    }

    /// Every member name that can appear in a subject of this type (`id`, `type`, the fields of
    /// the subject and of every type, `value`/`currency` of amounts).
    pub fn members(&self) -> BTreeSet<String> {
        let mut members = BTreeSet::new();
        for t in std::iter::once(&self.subject).chain(self.types.values()) {
            if t.class.is_some() {
                members.insert("type".to_owned());
            }
            for f in &t.fields {
                members.insert(f.key.clone());
                if f.kind == Kind::Amount {
                    members.insert("value".to_owned());
                    members.insert("currency".to_owned());
                }
            }
        }
        members
    }

    /// Every class (`type` value) of the subject and its types.
    pub fn classes(&self) -> BTreeSet<String> {
        std::iter::once(&self.subject)
            .chain(self.types.values())
            .filter_map(|t| t.class.clone())
            .collect()
    }
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn is_term(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_absolute_iri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    !rest.is_empty()
        && scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn parse_validity(s: &str) -> Option<Validity> {
    let re = Regex::new(r"^P(?:([0-9]{1,4})Y)?(?:([0-9]{1,4})M)?(?:([0-9]{1,5})D)?$").ok()?;
    let caps = re.captures(s)?;
    let n = |i: usize| -> Option<u32> { caps.get(i).map_or(Some(0), |m| m.as_str().parse().ok()) };
    let v = Validity {
        years: n(1)?,
        months: n(2)?,
        days: n(3)?,
    };
    (v.years + v.months + v.days > 0).then_some(v)
}

/// A TOML value as JSON: dates and times become their text (`2024-02-28`).
pub(crate) fn toml_to_json(value: &toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => {
            serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
        }
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect::<Map<String, Value>>(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_periods() {
        assert_eq!(
            parse_validity("P10Y"),
            Some(Validity {
                years: 10,
                months: 0,
                days: 0
            })
        );
        assert_eq!(
            parse_validity("P1Y6M2D"),
            Some(Validity {
                years: 1,
                months: 6,
                days: 2
            })
        );
        for bad in ["P", "P0Y", "10Y", "P1W", "PT1H", "P-1Y"] {
            assert_eq!(parse_validity(bad), None, "{bad}");
        }
        assert_eq!(parse_validity("P1Y6M").unwrap().to_string(), "P1Y6M");
    }

    #[test]
    fn terms_and_iris() {
        assert!(is_term("givenName") && is_term("_x") && !is_term("1a") && !is_term("a-b"));
        assert!(is_absolute_iri("https://schema.org/name"));
        assert!(!is_absolute_iri("schema") && !is_absolute_iri("a b:c") && !is_absolute_iri("x:"));
    }
}
