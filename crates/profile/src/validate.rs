//! Checking a `credentialSubject` against a profile: shapes, kinds, required members, patterns,
//! then the rules between fields. Every error is reported, each with the JSON pointer of the
//! value inside the subject (`/registration/registrationDate`).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Utc};
use regex::Regex;
use serde_json::{Map, Value};

use crate::format::{Kind, ObjectType, Profile, Rule};
use std::collections::HashMap;

use crate::path::{FieldPath, Instance, escape, instances, shared_lists};
use crate::schema::{CURRENCY_PATTERN, DECIMAL_PATTERN, DID_MAX_LENGTH, DID_PATTERN};

/// One thing wrong with a subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// JSON pointer inside the `credentialSubject` (`""` for the subject itself).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for ValidationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(f, "{at}: {}", self.message)
    }
}

/// The latest calendar date anywhere on Earth now (UTC+14): "not in the future" is judged
/// against it, so an event of today in any time zone passes (SPEC.md §2.4).
pub fn latest_date_on_earth() -> NaiveDate {
    let now = Utc::now();
    FixedOffset::east_opt(14 * 3600).map_or(now.date_naive(), |east| {
        now.with_timezone(&east).date_naive()
    })
}

impl Profile {
    /// Every error of `subject` against this profile, "today" being
    /// [`latest_date_on_earth`]. Empty: the subject is valid.
    pub fn validate(&self, subject: &Value) -> Vec<ValidationError> {
        validate_at(self, subject, latest_date_on_earth())
    }

    /// Every error of `subject`, "not in the future" judged against `today`.
    pub fn validate_at(&self, subject: &Value, today: NaiveDate) -> Vec<ValidationError> {
        validate_at(self, subject, today)
    }
}

pub(crate) fn validate_at(
    profile: &Profile,
    subject: &Value,
    today: NaiveDate,
) -> Vec<ValidationError> {
    let mut v = Validator {
        profile,
        errors: Vec::new(),
        patterns: Patterns::get(),
    };
    v.object(&profile.subject, subject, "");
    // Rules are checked even when the shape is wrong: they skip what they cannot read, and
    // every error is reported at once.
    for rule in &profile.rules {
        v.rule(rule, subject, today);
    }
    v.errors
}

struct Patterns {
    decimal: Option<Regex>,
    currency: Option<Regex>,
    did: Option<Regex>,
}

impl Patterns {
    /// Compiled once per process: a validation is on every verify's path, and compiling three
    /// expressions cost some 280 µs, four times the signature check.
    fn get() -> &'static Self {
        static PATTERNS: std::sync::OnceLock<Patterns> = std::sync::OnceLock::new();
        PATTERNS.get_or_init(|| Self {
            decimal: Regex::new(DECIMAL_PATTERN).ok(),
            currency: Regex::new(CURRENCY_PATTERN).ok(),
            did: Regex::new(DID_PATTERN).ok(),
        })
    }
}

fn matches(re: &Option<Regex>, text: &str) -> bool {
    re.as_ref().is_some_and(|r| r.is_match(text))
}

struct Validator<'p> {
    profile: &'p Profile,
    errors: Vec<ValidationError>,
    patterns: &'static Patterns,
}

impl Validator<'_> {
    fn error(&mut self, pointer: &str, message: impl Into<String>) {
        self.errors.push(ValidationError {
            pointer: pointer.to_owned(),
            message: message.into(),
        });
    }

    fn object(&mut self, t: &ObjectType, value: &Value, pointer: &str) {
        let Some(object) = value.as_object() else {
            self.error(pointer, format!("must be an object ({})", t.name));
            return;
        };
        for member in object.keys() {
            let known = t.field(member).is_some() || (member == "type" && t.class.is_some());
            if !known {
                self.error(
                    &format!("{pointer}/{}", escape(member)),
                    format!("`{member}` is not a member of {}", describe_owner(t)),
                );
            }
        }
        if let Some(class) = &t.class {
            match object.get("type") {
                None => self.error(&format!("{pointer}/type"), "is required"),
                Some(Value::String(s)) if s == class => {}
                Some(_) => self.error(&format!("{pointer}/type"), format!("must be `{class}`")),
            }
        }
        // One buffer for the fields' pointers: a valid subject (the common case on every
        // verify) allocates one string per object, not one per field.
        let mut at = String::with_capacity(pointer.len() + 32);
        for f in &t.fields {
            at.clear();
            at.push_str(pointer);
            at.push('/');
            push_escaped(&mut at, &f.key);
            match object.get(&f.key) {
                None if f.required => self.error(&at, "is required"),
                None => {}
                Some(v) => self.value(&f.kind, v, &at),
            }
        }
    }

    fn value(&mut self, kind: &Kind, value: &Value, pointer: &str) {
        match kind {
            Kind::Text {
                min_length,
                max_length,
            } => self.text(value, pointer, *min_length, *max_length),
            Kind::LanguageMap => match value {
                Value::Object(map) => {
                    if map.is_empty() {
                        self.error(pointer, "an empty language map");
                    }
                    for (tag, text) in map {
                        let at = format!("{pointer}/{}", escape(tag));
                        if !is_language_tag(tag) {
                            self.error(&at, format!("`{tag}` is not a BCP 47 language tag"));
                        }
                        self.text(text, &at, 1, crate::load::DEFAULT_MAX_TEXT);
                    }
                }
                _ => self.text(value, pointer, 1, crate::load::DEFAULT_MAX_TEXT),
            },
            Kind::Date => {
                if let Some(s) = self.string(value, pointer, "a date (YYYY-MM-DD)")
                    && parse_date(s).is_none()
                {
                    self.error(pointer, format!("`{s}` is not a date (YYYY-MM-DD)"));
                }
            }
            Kind::Time => {
                if let Some(s) = self.string(value, pointer, "a time (hh:mm:ss)")
                    && parse_time(s).is_none()
                {
                    self.error(pointer, format!("`{s}` is not a time (hh:mm:ss)"));
                }
            }
            Kind::DateTime => {
                if let Some(s) = self.string(value, pointer, "a date-time")
                    && parse_date_time(s).is_none()
                {
                    self.error(
                        pointer,
                        format!("`{s}` is not a date-time with a time zone (YYYY-MM-DDThh:mm:ssZ)"),
                    );
                }
            }
            Kind::Enum { name } => {
                let values = self.profile.enums.get(name).map(|e| e.values.as_slice());
                let known = |s: &str| values.is_some_and(|v| v.iter().any(|v| v.code == s));
                match value.as_str() {
                    Some(s) if known(s) => {}
                    _ => {
                        let codes: Vec<&str> = values
                            .unwrap_or_default()
                            .iter()
                            .map(|v| v.code.as_str())
                            .collect();
                        self.error(pointer, format!("must be one of {}", codes.join(", ")));
                    }
                }
            }
            Kind::Integer { min, max } => match value.as_i64() {
                Some(n) => {
                    if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                        let range = format!(
                            "{}..={}",
                            min.map(|m| m.to_string()).unwrap_or_default(),
                            max.map(|m| m.to_string()).unwrap_or_default()
                        );
                        self.error(pointer, format!("{n} is outside {range}"));
                    }
                }
                None => self.error(pointer, "must be an integer"),
            },
            Kind::Amount => self.amount(value, pointer),
            Kind::Country => {
                if let Some(s) = self.string(value, pointer, "a country code")
                    && !(s.len() == 2 && s.chars().all(|c| c.is_ascii_uppercase()))
                {
                    self.error(
                        pointer,
                        format!(
                            "`{s}` is not an ISO 3166-1 alpha-2 country code (two capital letters)"
                        ),
                    );
                }
            }
            Kind::Identifier { pattern } => {
                if let Some(s) = self.string(value, pointer, "an identifier")
                    && !pattern.is_match(s)
                {
                    self.error(pointer, format!("`{s}` does not match {}", pattern.source));
                }
            }
            Kind::Did => {
                if let Some(s) = self.string(value, pointer, "a DID")
                    && (s.chars().count() as u64 > DID_MAX_LENGTH
                        || !matches(&self.patterns.did, s))
                {
                    self.error(pointer, format!("`{s}` is not a DID"));
                }
            }
            Kind::Object { type_name, .. } => {
                if let Some(t) = self.profile.types.get(type_name) {
                    self.object(t, value, pointer);
                }
            }
            Kind::List {
                type_name,
                min,
                max,
                ..
            } => {
                let Some(items) = value.as_array() else {
                    self.error(pointer, "must be a list");
                    return;
                };
                let n = items.len() as u64;
                if n < *min {
                    self.error(pointer, format!("at least {min} required, {n} given"));
                }
                if let Some(max) = max
                    && n > *max
                {
                    self.error(pointer, format!("at most {max} allowed, {n} given"));
                }
                if let Some(t) = self.profile.types.get(type_name) {
                    let mut at = String::with_capacity(pointer.len() + 8);
                    for (i, item) in items.iter().enumerate() {
                        at.clear();
                        at.push_str(pointer);
                        at.push('/');
                        let _ = std::fmt::Write::write_fmt(&mut at, format_args!("{i}"));
                        self.object(t, item, &at);
                    }
                }
            }
        }
    }

    fn string<'v>(&mut self, value: &'v Value, pointer: &str, what: &str) -> Option<&'v str> {
        let s = value.as_str();
        if s.is_none() {
            self.error(pointer, format!("must be {what} as a string"));
        }
        s
    }

    fn text(&mut self, value: &Value, pointer: &str, min: u64, max: u64) {
        let Some(s) = self.string(value, pointer, "a text") else {
            return;
        };
        let n = s.chars().count() as u64;
        if s.trim().is_empty() {
            self.error(pointer, "is empty");
        } else if n < min {
            self.error(pointer, format!("shorter than {min} characters"));
        } else if n > max {
            self.error(pointer, format!("longer than {max} characters"));
        } else if s.chars().any(char::is_control) {
            self.error(pointer, "contains control characters");
        } else if s.trim() != s {
            self.error(pointer, "has leading or trailing spaces");
        }
    }

    fn amount(&mut self, value: &Value, pointer: &str) {
        let Some(object) = value.as_object() else {
            self.error(
                pointer,
                "must be an amount: {\"value\": \"123.45\", \"currency\": \"MUR\"}",
            );
            return;
        };
        for member in object.keys() {
            if member != "value" && member != "currency" {
                self.error(
                    &format!("{pointer}/{}", escape(member)),
                    format!("`{member}` is not a member of an amount (value, currency)"),
                );
            }
        }
        match object.get("value") {
            None => self.error(&format!("{pointer}/value"), "is required"),
            Some(Value::String(s)) if matches(&self.patterns.decimal, s) => {}
            Some(_) => self.error(
                &format!("{pointer}/value"),
                "must be a decimal as a string (`1234.50`: up to 15 digits, up to 4 decimals)",
            ),
        }
        match object.get("currency") {
            None => self.error(&format!("{pointer}/currency"), "is required"),
            Some(Value::String(s)) if matches(&self.patterns.currency, s) => {}
            Some(_) => self.error(
                &format!("{pointer}/currency"),
                "must be an ISO 4217 currency code (three capital letters)",
            ),
        }
    }

    fn rule(&mut self, rule: &Rule, subject: &Value, today: NaiveDate) {
        match rule {
            Rule::NotFuture { field } => {
                for at in instances(subject, field) {
                    if let Some(s) = at.value.as_str()
                        && let Some(d) = parse_temporal(s)
                        && d.date() > today
                    {
                        self.error(&at.pointer, format!("{s} is in the future"));
                    }
                }
            }
            Rule::Before {
                field,
                other,
                or_same,
            }
            | Rule::After {
                field,
                other,
                or_same,
            } => {
                let before = matches!(rule, Rule::Before { .. });
                // Values under the same items of the lists both paths go through are paired by
                // lookup; among the values a field is compared with, only the extreme one
                // matters (the earliest for `before`, the latest for `after`): linear time.
                let shared = shared_lists(field, other);
                let relation = match (before, or_same) {
                    (true, false) => "before",
                    (true, true) => "on or before",
                    (false, false) => "after",
                    (false, true) => "on or after",
                };
                let holds = |a: &chrono::NaiveDateTime, b: &chrono::NaiveDateTime| match (
                    before, or_same,
                ) {
                    (true, false) => a < b,
                    (true, true) => a <= b,
                    (false, false) => a > b,
                    (false, true) => a >= b,
                };
                if shared.is_empty() {
                    // No list in common: one extreme for every value of `field` (the common
                    // case, two single dates), without a lookup table.
                    let mut extreme: Option<(chrono::NaiveDateTime, Instance<'_>)> = None;
                    for o in instances(subject, other) {
                        let Some(b) = o.value.as_str().and_then(parse_temporal) else {
                            continue;
                        };
                        let replace = extreme
                            .as_ref()
                            .is_none_or(|(e, _)| if before { b < *e } else { b > *e });
                        if replace {
                            extreme = Some((b, o));
                        }
                    }
                    let Some((b, o)) = extreme else {
                        return;
                    };
                    for at in instances(subject, field) {
                        let Some(a) = at.value.as_str().and_then(parse_temporal) else {
                            continue;
                        };
                        if !holds(&a, &b) {
                            self.out_of_order(&at, &o, relation, other);
                        }
                    }
                    return;
                }
                let mut extremes: HashMap<Vec<usize>, (chrono::NaiveDateTime, Instance<'_>)> =
                    HashMap::new();
                for o in instances(subject, other) {
                    let Some(b) = o.value.as_str().and_then(parse_temporal) else {
                        continue;
                    };
                    let slot = extremes.entry(o.key(&shared));
                    match slot {
                        std::collections::hash_map::Entry::Occupied(mut e) => {
                            let replace = if before { b < e.get().0 } else { b > e.get().0 };
                            if replace {
                                e.insert((b, o));
                            }
                        }
                        std::collections::hash_map::Entry::Vacant(e) => {
                            e.insert((b, o));
                        }
                    }
                }
                for at in instances(subject, field) {
                    let Some(a) = at.value.as_str().and_then(parse_temporal) else {
                        continue;
                    };
                    let Some((b, o)) = extremes.get(&at.key(&shared)) else {
                        continue;
                    };
                    if !holds(&a, b) {
                        self.out_of_order(&at, o, relation, other);
                    }
                }
            }
            Rule::Distinct { fields, by } => self.distinct(fields, by, subject),
            Rule::AtMost { fields, max } => {
                let found: Vec<Instance<'_>> =
                    fields.iter().flat_map(|f| instances(subject, f)).collect();
                if found.len() as u64 > *max
                    && let Some(extra) = found.get(*max as usize)
                {
                    let names: Vec<String> = fields.iter().map(FieldPath::to_string).collect();
                    self.error(
                        &extra.pointer,
                        format!(
                            "at most {max} of {} may be given, {} are",
                            names.join(", "),
                            found.len()
                        ),
                    );
                }
            }
            Rule::Sum { of, minus, total } => self.sum(of, minus, total, subject),
        }
    }

    fn distinct(&mut self, fields: &[FieldPath], by: &[Vec<String>], subject: &Value) {
        self.distinct_up_to(fields, by, subject, SMALL_DISTINCT);
    }

    /// `distinct`, comparing pair by pair up to `small` persons.
    fn distinct_up_to(
        &mut self,
        fields: &[FieldPath],
        by: &[Vec<String>],
        subject: &Value,
        small: usize,
    ) {
        // Persons per field: (field index, pointer, object).
        let mut persons: Vec<(usize, String, &Map<String, Value>)> = Vec::new();
        for (i, f) in fields.iter().enumerate() {
            for at in instances(subject, f) {
                match at.value {
                    Value::Array(items) => {
                        for (j, item) in items.iter().enumerate() {
                            if let Some(o) = item.as_object() {
                                persons.push((i, format!("{}/{j}", at.pointer), o));
                            }
                        }
                    }
                    Value::Object(o) => persons.push((i, at.pointer.clone(), o)),
                    _ => {}
                }
            }
        }
        let within = fields.len() == 1;
        if persons.len() <= small {
            // A few persons (the parents of a birth certificate, the spouses and witnesses of
            // a marriage): compared pair by pair, which allocates nothing; the same findings,
            // in the same order, as the lookup below.
            for (k, (field, pointer, person)) in persons.iter().enumerate() {
                for group in by {
                    let Some(values) = group
                        .iter()
                        .map(|key| person.get(key))
                        .collect::<Option<Vec<&Value>>>()
                    else {
                        continue;
                    };
                    let same = persons[..k].iter().find(|(f, _, other)| {
                        (if within { f == field } else { f != field })
                            && group
                                .iter()
                                .zip(&values)
                                .all(|(key, v)| other.get(key) == Some(*v))
                    });
                    if let Some((_, other, _)) = same {
                        self.same_person(pointer, group, other);
                        break;
                    }
                }
            }
            return;
        }
        // Per group, the persons seen so far by the values of the group's keys: each person
        // is looked up, not compared with every other (linear in the number of persons).
        let mut seen: Vec<HashMap<String, Vec<(usize, &str)>>> = vec![HashMap::new(); by.len()];
        for (field, pointer, person) in &persons {
            let mut reported = false;
            for (g, group) in by.iter().enumerate() {
                let values: Option<Vec<&Value>> = group.iter().map(|k| person.get(k)).collect();
                let Some(values) = values else {
                    continue;
                };
                let key = values
                    .iter()
                    .map(|v| canonical(v))
                    .collect::<Vec<_>>()
                    .join("\u{0}");
                let earlier = seen[g].entry(key).or_default();
                let same = earlier
                    .iter()
                    .find(|(f, _)| if within { f == field } else { f != field });
                if let Some((_, other)) = same
                    && !reported
                {
                    self.same_person(pointer, group, other);
                    reported = true;
                }
                // One entry per field is enough to find a match from another one.
                if !earlier.iter().any(|(f, _)| f == field) || within {
                    earlier.push((*field, pointer));
                }
            }
        }
    }

    /// The date at `at` is not `relation` the one at `o` (a value of the field `other`).
    fn out_of_order(
        &mut self,
        at: &Instance<'_>,
        o: &Instance<'_>,
        relation: &str,
        other: &FieldPath,
    ) {
        self.error(
            &at.pointer,
            format!(
                "{} is not {relation} {other} ({}, {})",
                at.value.as_str().unwrap_or_default(),
                o.value.as_str().unwrap_or_default(),
                o.pointer
            ),
        );
    }

    /// The person at `pointer` is the one at `other` (same values of `group`).
    fn same_person(&mut self, pointer: &str, group: &[String], other: &str) {
        let at = if group.len() == 1 {
            format!("{pointer}/{}", escape(&group[0]))
        } else {
            pointer.to_owned()
        };
        self.error(
            &at,
            format!(
                "is the same person as {other} (same {}): one person listed twice",
                group.join(", ")
            ),
        );
    }

    fn sum(&mut self, of: &[FieldPath], minus: &[FieldPath], total: &FieldPath, subject: &Value) {
        let Some(total_at) = instances(subject, total).into_iter().next() else {
            return;
        };
        let Some((expected, currency)) = amount_of(total_at.value) else {
            return;
        };
        let mut sum: i128 = 0;
        let mut terms = Vec::new();
        for (sign, paths) in [(1i128, of), (-1, minus)] {
            for p in paths {
                for at in instances(subject, p) {
                    let Some((value, c)) = amount_of(at.value) else {
                        return;
                    };
                    if c != currency {
                        self.error(
                            &format!("{}/currency", at.pointer),
                            format!("{c} is not the currency of the total {total} ({currency})"),
                        );
                        return;
                    }
                    sum = sum.saturating_add(sign.saturating_mul(value));
                    terms.push(at.pointer);
                }
            }
        }
        if sum != expected {
            let mut what: Vec<String> = of.iter().map(FieldPath::to_string).collect();
            let less: Vec<String> = minus.iter().map(FieldPath::to_string).collect();
            if !less.is_empty() {
                what.push(format!("less {}", less.join(", ")));
            }
            self.error(
                &format!("{}/value", total_at.pointer),
                format!(
                    "is {} {currency}, but {} add up to {} {currency}",
                    format_decimal(expected),
                    what.join(", "),
                    format_decimal(sum)
                ),
            );
        }
    }
}

/// A JSON value as text with object members sorted, so equal values give equal text whatever
/// the order of their members (`{"en": …, "fr": …}` and `{"fr": …, "en": …}`).
/// Up to this many persons, `distinct` compares them pair by pair.
const SMALL_DISTINCT: usize = 16;

fn canonical(value: &Value) -> String {
    match value {
        Value::Object(o) => {
            let mut members: Vec<_> = o.iter().collect();
            members.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = members
                .iter()
                .map(|(k, v)| format!("{}:{}", Value::String((*k).clone()), canonical(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", inner.join(","))
        }
        other => other.to_string(),
    }
}

fn describe_owner(t: &ObjectType) -> String {
    if t.name == "subject" {
        "the subject".to_owned()
    } else {
        format!("type `{}`", t.name)
    }
}

/// Decimals are compared as integers of ten-thousandths (the format allows 4 decimals).
const SCALE: u32 = 4;

/// An amount's value in ten-thousandths, and its currency.
fn amount_of(value: &Value) -> Option<(i128, &str)> {
    let v = value.get("value")?.as_str()?;
    let c = value.get("currency")?.as_str()?;
    Some((parse_decimal(v)?, c))
}

pub(crate) fn parse_decimal(text: &str) -> Option<i128> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty()
        || whole.len() > 15
        || fraction.len() > SCALE as usize
        || !whole
            .chars()
            .chain(fraction.chars())
            .all(|c| c.is_ascii_digit())
        || (digits.contains('.') && fraction.is_empty())
    {
        return None;
    }
    let mut n: i128 = whole.parse().ok()?;
    let mut frac = fraction.to_owned();
    while frac.len() < SCALE as usize {
        frac.push('0');
    }
    n = n * 10i128.pow(SCALE) + frac.parse::<i128>().ok()?;
    Some(if negative { -n } else { n })
}

pub(crate) fn format_decimal(n: i128) -> String {
    let sign = if n < 0 { "-" } else { "" };
    let n = n.unsigned_abs();
    let unit = 10u128.pow(SCALE);
    let fraction = format!("{:04}", n % unit);
    let fraction = fraction.trim_end_matches('0');
    let fraction = if fraction.len() < 2 {
        format!("{fraction:0<2}")
    } else {
        fraction.to_owned()
    };
    format!("{sign}{}.{fraction}", n / unit)
}

/// Whether `tag` is a BCP 47 language tag as a language map takes it (`en`, `fr`, `zh-Hant`).
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or("");
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Two ASCII digits as a number.
fn two_digits(b: &[u8]) -> Option<u32> {
    match b {
        [a, c] if a.is_ascii_digit() && c.is_ascii_digit() => {
            Some(u32::from(a - b'0') * 10 + u32::from(c - b'0'))
        }
        _ => None,
    }
}

/// `YYYY-MM-DD`, a real calendar date. Read by hand: this is on every verify's path, and
/// chrono's format parser costs more than the rest of a date check.
fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = b[..4].iter().try_fold(0i32, |y, c| {
        c.is_ascii_digit().then(|| y * 10 + i32::from(c - b'0'))
    })?;
    NaiveDate::from_ymd_opt(year, two_digits(&b[5..7])?, two_digits(&b[8..10])?)
}

/// `hh:mm:ss` with an optional fraction (`.5`); a leap second (`:60`) as chrono reads it.
fn parse_time(s: &str) -> Option<NaiveTime> {
    let bytes = s.as_bytes();
    if bytes.len() < 8 || bytes[2] != b':' || bytes[5] != b':' {
        return None;
    }
    if bytes.len() == 8
        && let (Some(h), Some(m), Some(sec)) = (
            two_digits(&bytes[..2]),
            two_digits(&bytes[3..5]),
            two_digits(&bytes[6..8]),
        )
        && sec < 60
    {
        return NaiveTime::from_hms_opt(h, m, sec);
    }
    NaiveTime::parse_from_str(s, "%H:%M:%S%.f").ok()
}

fn parse_date_time(s: &str) -> Option<DateTime<FixedOffset>> {
    if !s.contains('T') {
        return None;
    }
    DateTime::parse_from_rfc3339(s).ok()
}

/// A date, or a date-time (in UTC), as a comparable instant.
fn parse_temporal(s: &str) -> Option<chrono::NaiveDateTime> {
    if let Some(d) = parse_date(s) {
        return d.and_hms_opt(0, 0, 0);
    }
    parse_date_time(s).map(|t| t.naive_utc())
}

/// `key` as a JSON pointer token (RFC 6901), appended to `out`.
fn push_escaped(out: &mut String, key: &str) {
    if key.contains(['~', '/']) {
        out.push_str(&escape(key));
    } else {
        out.push_str(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times_read_by_hand_agree_with_chrono() {
        for s in [
            "2024-02-28",
            "2024-02-29",
            "2023-02-29",
            "0000-01-01",
            "9999-12-31",
            "2024-13-01",
            "2024-00-10",
            "2024-01-32",
            "2024-1-011",
            "24-01-2024",
            "2024/01/01",
            "2024-01-0a",
            "2024-01-01 ",
            "",
        ] {
            let chrono = NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .filter(|_| s.len() == 10);
            assert_eq!(parse_date(s), chrono, "{s}");
        }
        // stricter than chrono's `%Y`: a signed year is not `YYYY-MM-DD`
        assert_eq!(parse_date("+2024-01-1"), None);
        for s in [
            "14:35:00",
            "23:59:59",
            "24:00:00",
            "12:60:00",
            "12:00:60",
            "23:59:60",
            "7:00:00",
            "07:00:00.5",
            "07:00",
            "07:00:0a",
        ] {
            let chrono = NaiveTime::parse_from_str(s, "%H:%M:%S%.f")
                .ok()
                .filter(|_| s.len() >= 8 && s.as_bytes()[2] == b':' && s.as_bytes()[5] == b':');
            assert_eq!(parse_time(s), chrono, "{s}");
        }
    }

    #[test]
    fn distinct_finds_the_same_persons_pair_by_pair_as_by_lookup() {
        let profile = crate::bundled_profile("marriage-certificate")
            .unwrap()
            .unwrap();
        let Some(Rule::Distinct { fields, by }) = profile
            .rules
            .iter()
            .find(|r| matches!(r, Rule::Distinct { .. }))
            .cloned()
        else {
            panic!("the marriage profile has a distinct rule");
        };
        let person = |g: &str, f: &str, id: &str| serde_json::json!({"type": "Person", "givenName": g, "familyName": f, "nationalId": id});
        let mut subject = profile.sample();
        subject["witnesses"] = serde_json::json!([
            person("Jean", "Li", "L1"),
            person("Jean", "Li", "L2"),
            person("Ana", "Ng", "L1"),
            person("Ana", "Ng", "L1"),
        ]);
        subject["spouses"][1]["nationalId"] = subject["spouses"][0]["nationalId"].clone();
        let run = |small: usize| {
            let mut v = Validator {
                profile: &profile,
                errors: Vec::new(),
                patterns: Patterns::get(),
            };
            v.distinct_up_to(&fields, &by, &subject, small);
            v.errors
        };
        let (pairwise, lookup) = (run(usize::MAX), run(0));
        assert!(!pairwise.is_empty());
        assert_eq!(pairwise, lookup);
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(parse_decimal("1234.5"), Some(12_345_000));
        assert_eq!(parse_decimal("-0.0001"), Some(-1));
        assert_eq!(parse_decimal("10"), Some(100_000));
        for bad in ["", "1.", ".5", "1.23456", "1e3", "+1", "1,5", "--1"] {
            assert_eq!(parse_decimal(bad), None, "{bad}");
        }
        assert_eq!(format_decimal(12_345_000), "1234.50");
        assert_eq!(format_decimal(-1), "-0.0001");
        assert_eq!(format_decimal(0), "0.00");
        let sum = parse_decimal("0.1").unwrap() + parse_decimal("0.2").unwrap();
        assert_eq!(sum, parse_decimal("0.3").unwrap(), "no floating point");
    }

    #[test]
    fn dates_and_times() {
        assert!(parse_date("2024-02-29").is_some());
        assert!(parse_date("2023-02-29").is_none());
        assert!(parse_date("2024-2-28").is_none());
        assert!(parse_time("14:35:00").is_some() && parse_time("14:35").is_none());
        assert!(parse_time("24:00:00").is_none());
        assert!(parse_date_time("2026-01-15T09:00:00Z").is_some());
        assert!(parse_date_time("2026-01-15T09:00:00").is_none());
        assert!(latest_date_on_earth() >= Utc::now().date_naive());
    }

    #[test]
    fn canonical_text_ignores_member_order() {
        let a = serde_json::json!({"en": "John", "fr": "Jean", "x": [1, {"b": 1, "a": 2}]});
        let b = serde_json::json!({"x": [1, {"a": 2, "b": 1}], "fr": "Jean", "en": "John"});
        assert_eq!(canonical(&a), canonical(&b));
        assert_ne!(
            canonical(&serde_json::json!("1")),
            canonical(&serde_json::json!(1))
        );
    }
}
